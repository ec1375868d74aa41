// Weight FIFO and its fetch engine: executes Read_Weights (TPU paper, Sec. 2).
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "sequencer/functional_unit.h"

namespace tpu {

/// The weight FIFO (weight_fifo.depth_tiles tiles of mxu.rows x mxu.cols int8, row-major
/// [input row][output column]) and the engine that fills it from the weight memory.
///
/// Read_Weights dram=A tiles=N: for each tile i, wait for a free FIFO slot, then read
/// tile_bytes at A + i * tile_bytes through `dram_socket`; the tile occupies its slot from the
/// request on and becomes available to the MXU when the DRAM's annotated delay has passed.
/// The instruction completes once the last request is sent (decoupled access/execute, TPU
/// paper Sec. 2), so weights for later blocks stream in while the MXU computes.
///
/// `mxu_socket`: a READ of exactly tile_bytes pops the oldest tile, blocking (in b_transport)
/// until it is present and has arrived. Other commands or lengths get TLM_COMMAND_ERROR_RESPONSE
/// / TLM_BURST_ERROR_RESPONSE.
class WeightFifo : public FunctionalUnit {
 public:
  tlm_utils::simple_initiator_socket<WeightFifo> dram_socket;
  tlm_utils::simple_target_socket<WeightFifo> mxu_socket;

  WeightFifo(sc_core::sc_module_name name, const ArchConfig& cfg);

  /// Tiles currently held (requested and not yet popped), 0 .. depth_tiles.
  unsigned occupancy() const { return static_cast<unsigned>(tiles_.size()); }
  void trace(VcdWriter& vcd, const std::string& prefix) const override;
  /// Adds tiles_fetched, bytes_fetched, max_occupancy, and cycles the engine waited for a slot.
  nlohmann::json report() const override;

 private:
  struct Tile {
    std::vector<uint8_t> data;
    sc_core::sc_time arrival;
  };
  void run();
  void pop(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  std::deque<Tile> tiles_;
  sc_core::sc_event pushed_, popped_;
  uint64_t tiles_fetched_ = 0;
  unsigned max_occupancy_ = 0;
  Traced<unsigned> occupancy_trace_ = 0;  // traced copy of occupancy()
};

}  // namespace tpu
