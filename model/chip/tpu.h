// The whole chip: every block instantiated from an ArchConfig and bound together.
#pragma once

#include <memory>
#include <string>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <nlohmann/json.hpp>
#include <systemc>
#include <tlm>

#include "activation/activation_unit.h"
#include "config/config.h"
#include "dram/dram.h"
#include "dram/dram_controller.h"
#include "energy/energy_meter.h"
#include "host_interface/host_interface.h"
#include "memory/memory_target.h"
#include "mxu/mxu.h"
#include "sequencer/sequencer.h"
#include "weight_fifo/weight_fifo.h"

namespace tpu {

/// TPU v1 block diagram (TPU paper, Fig. 1) as TLM-2.0 modules:
///
///   host --host_socket--> HostInterface --+--> WeightMemory <-- WeightFifo <-- Mxu (weight shift-in)
///                              |           +--> Sequencer (registers, instruction buffer)
///   host memory <--pcie_socket-+--> UnifiedBuffer <-- Mxu, ActivationUnit
///                                   Accumulators  <-- Mxu, ActivationUnit
///
/// The host binds `host_socket` (its PCIe initiator) and `pcie_socket` (to its memory) and
/// waits for `interrupt`. `window` is the width of the bandwidth-counter windows.
class Tpu : public sc_core::sc_module {
 public:
  /// `make_datapath` builds the MXU's array (default: the one cfg.mxu.model names).
  Tpu(sc_core::sc_module_name name, const ArchConfig& cfg, sc_core::sc_time window,
      const MxuDatapathFactory& make_datapath = make_mxu_datapath);

  /// The host's way in (PCIe, device side): bind the host's initiator socket here.
  tlm::tlm_target_socket<>& host_socket() { return host_interface.host_socket; }
  /// The chip's DMA way out to host memory: bind to the host memory's target socket.
  tlm::tlm_initiator_socket<>& pcie_socket() { return host_interface.pcie_socket; }
  /// Raised at Halt.
  sc_core::sc_signal<bool> interrupt;

  /// Every counter of every block (see each block's report()).
  nlohmann::json report() const;
  /// Adds every block's signals to `vcd` under "tpu." (the weight memory starts recording its
  /// command stream for the trace).
  void trace(VcdWriter& vcd);

  // Declared before the blocks, which keep references to them (initialisation order).
 private:
  const ArchConfig cfg_;

 public:
  /// What the blocks did per window of `window` (every block charges its actions here): the
  /// counts per-window energy is computed from (energy/power.h).
  EnergyMeter meter;
  MemoryTarget unified_buffer;         ///< ub_rows() x mxu.rows bytes (TPU paper, Sec. 2: 24 MiB)
  MemoryTarget accumulators;           ///< accumulators.rows x mxu.cols x int32 (Sec. 2: 4 MiB)
  std::unique_ptr<WeightMemory> dram;  ///< weight memory: dram.model picks the JEDEC or the bandwidth model
  HostInterface host_interface;
  Sequencer sequencer;
  WeightFifo weight_fifo;
  Mxu mxu;
  ActivationUnit activation_unit;

 private:
  sc_core::sc_vector<sc_core::sc_fifo<Dispatch>> queues_;  // sequencer -> units, by Unit
  sc_core::sc_signal<int> mxu_idle_reason_;
  sc_core::sc_signal<int> mxu_idle_tag_;  // Sequencer::mxu_idle_tag -> Mxu::idle_tag (per-layer statistics)
};

}  // namespace tpu
