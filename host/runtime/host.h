// The host: a TLM-2.0 initiator that loads a lowered program onto the chip and runs it.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>
#include <tlm>

#include "lowering/program.h"
#include "memory/memory_target.h"

namespace tpu {

/// Host CPU and its memory. Its thread:
///  1. preloads the weight image into the chip's weight memory with transport_dbg (untimed:
///     on TPU v1 the weights stay resident across inferences, so loading them is set-up);
///  2. puts the host image (bias rows, inputs) into its own memory;
///  3. writes the program into the instruction buffer over PCIe (timed, loosely timed with a
///     tlm_quantumkeeper) and writes START;
///  4. waits for the interrupt, reads STATUS, and stops the simulation (sc_stop()) unless
///     `stop_when_done` is false (several chips in one simulation, e.g. to compare MXU models).
/// The chip reads inputs and writes outputs in `memory` by DMA through its pcie_socket.
/// Errors: a STATUS other than halted (SC_REPORT_ERROR "tpu/host").
class Host : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Host> socket;  ///< PCIe, host side: bind to Tpu::host_socket()
  sc_core::sc_in<bool> interrupt;                   ///< bind to Tpu::interrupt
  MemoryTarget memory;                              ///< host memory: bind Tpu::pcie_socket() here

  /// `program` must outlive the simulation.
  Host(sc_core::sc_module_name name, const LoweredProgram& program, bool stop_when_done = true);

  bool finished() const { return finished_; }
  /// When the interrupt arrived (the run's end, the program load included).
  sc_core::sc_time end_time() const { return end_time_; }

 private:
  void run();
  const LoweredProgram& program_;
  const bool stop_when_done_;
  bool finished_ = false;
  sc_core::sc_time end_time_;
};

}  // namespace tpu
