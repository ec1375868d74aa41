// The host: a TLM-2.0 initiator that loads a lowered program onto the chip and runs it.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>
#include <tlm>

#include "lowering/program.h"
#include "memory/memory_target.h"
#include "runtime/host_model.h"
#include "trace/vcd_writer.h"

namespace tpu {

/// Host CPU and its memory. Its thread:
///  1. preloads the weight image into the chip's weight memory with transport_dbg (untimed:
///     on TPU v1 the weights stay resident across inferences, so loading them is set-up);
///  2. puts the host image (bias rows, inputs) into its own memory;
///  3. writes the program into the instruction buffer over PCIe (timed, loosely timed with a
///     tlm_quantumkeeper) and writes START;
///  4. waits for the interrupt and reads STATUS (over PCIe). At an Interrupt_Host (STATUS host
///     wait) it serves the host operation: it takes model.interrupt_latency_ns (the interrupt's
///     delivery to the driver; charged once per Interrupt_Host, not at Halt, where the run ends
///     at the interrupt as before), reads HOST_OP,
///     computes program.host_ops[id] in its memory (execute_host_operation), takes
///     model.compute_time() for it, writes RESUME and waits for the next interrupt. A
///     WriteWeights operation (a matmul layer) instead builds the layer's weight tiles from its
///     b in host memory (build_weight_tiles), taking model.compute_time(), and writes them into the
///     weight memory over PCIe (timed b_transport, one tile per transaction) before RESUME. At Halt it
///     stops the simulation (sc_stop()) unless `stop_when_done` is false (several chips in one
///     simulation, e.g. to compare MXU models).
/// The chip reads inputs and writes outputs in `memory` by DMA through its pcie_socket.
/// Errors (SC_REPORT_ERROR "tpu/host"): an interrupt with STATUS neither halted nor host wait, a
/// HOST_OP id the program's host-operation table does not have (a hand-written program has none).
class Host : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Host> socket;  ///< PCIe, host side: bind to Tpu::host_socket()
  sc_core::sc_in<bool> interrupt;                   ///< bind to Tpu::interrupt
  MemoryTarget memory;                              ///< host memory: bind Tpu::pcie_socket() here

  /// One served Interrupt_Host: times are simulated, from the interrupt's rise.
  struct HostOpRecord {
    uint32_t id = 0;             ///< index in the program's host_ops
    sc_core::sc_time interrupt;  ///< when the chip raised the interrupt
    sc_core::sc_time compute;    ///< the operator's compute time (HostModel::compute_time)
    sc_core::sc_time resume;     ///< when RESUME reached the chip
  };

  /// `program` must outlive the simulation.
  Host(sc_core::sc_module_name name, const LoweredProgram& program, bool stop_when_done = true,
       const HostModel& model = HostModel());

  bool finished() const { return finished_; }
  /// When the interrupt arrived (the run's end, the program load included).
  sc_core::sc_time end_time() const { return end_time_; }
  /// Every Interrupt_Host served, in order.
  const std::vector<HostOpRecord>& host_op_records() const { return records_; }
  const HostModel& model() const { return model_; }
  /// Adds `<prefix>.busy` (1 from an Interrupt_Host's interrupt until RESUME reaches the chip)
  /// and `<prefix>.host_op` (the id served, 0xffff when none) to a VCD.
  void trace(VcdWriter& vcd, const std::string& prefix) const;

 private:
  void run();
  /// Reads the 4-byte chip register at `offset` (kControlBase + offset) over PCIe, timed.
  uint32_t read_register(uint64_t offset, const char* what);
  /// Serves the Interrupt_Host the chip waits at (its interrupt rose at `rise`; STATUS was read).
  void serve_host_op(const sc_core::sc_time& rise);
  /// WriteWeights: the tiles of `op` written into the weight memory over PCIe, one at a time.
  void write_weight_tiles(const LoweredProgram::HostOperation& op);
  const LoweredProgram& program_;
  const bool stop_when_done_;
  const HostModel model_;
  bool finished_ = false;
  sc_core::sc_time end_time_;
  std::vector<HostOpRecord> records_;
  Traced<int> busy_ = 0;          // traced
  Traced<int> host_op_ = 0xffff;  // traced
};

}  // namespace tpu
