#include "weight_fifo/weight_fifo.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "memory/memory_target.h"

namespace tpu {

WeightFifo::WeightFifo(sc_core::sc_module_name name, const ArchConfig& cfg)
    : FunctionalUnit(name, Unit::Weights, cfg), dram_socket("dram_socket"), mxu_socket("mxu_socket") {
  mxu_socket.register_b_transport(this, &WeightFifo::pop);
  SC_HAS_PROCESS(WeightFifo);
  SC_THREAD(run);
}

void WeightFifo::run() {
  const uint64_t tile_bytes = cfg_.tile_bytes();
  for (;;) {
    const Dispatch d = next();
    for (uint32_t i = 0; i < d.instr.tiles; ++i) {
      while (tiles_.size() >= cfg_.weight_fifo.depth_tiles) {
        set_state(kStall);
        sc_core::wait(popped_);
        wait_clock_edge(period_);
      }
      set_state(kBusy);
      Tile t;
      t.data.resize(tile_bytes);
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      std::ostringstream who;
      who << name() << ": instruction " << d.index << " (" << disassemble(d.instr) << "), tile " << i;
      transport(dram_socket, tlm::TLM_READ_COMMAND, d.instr.dram_addr + i * tile_bytes, t.data.data(), tile_bytes,
                delay, who.str());
      t.arrival = sc_core::sc_time_stamp() + delay;
      tiles_.push_back(std::move(t));
      ++tiles_fetched_;
      max_occupancy_ = std::max(max_occupancy_, occupancy());
      occupancy_trace_ = occupancy();
      pushed_.notify(sc_core::SC_ZERO_TIME);
    }
    finish();
  }
}

void WeightFifo::pop(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  if (!trans.is_read()) {
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  if (trans.get_data_length() != cfg_.tile_bytes()) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  // Synchronise the caller's local time, then wait for a tile to be requested and to arrive.
  if (delay > sc_core::SC_ZERO_TIME) {
    sc_core::wait(delay);
    delay = sc_core::SC_ZERO_TIME;
  }
  while (tiles_.empty()) sc_core::wait(pushed_);
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  if (tiles_.front().arrival > now) sc_core::wait(tiles_.front().arrival - now);
  std::memcpy(trans.get_data_ptr(), tiles_.front().data.data(), cfg_.tile_bytes());
  tiles_.pop_front();
  occupancy_trace_ = occupancy();
  popped_.notify(sc_core::SC_ZERO_TIME);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void WeightFifo::trace(VcdWriter& vcd, const std::string& prefix) const {
  FunctionalUnit::trace(vcd, prefix);
  occupancy_trace_.trace(vcd, prefix + ".occupancy");
}

nlohmann::json WeightFifo::report() const {
  nlohmann::json j = FunctionalUnit::report();
  j["tiles_fetched"] = tiles_fetched_;
  j["bytes_fetched"] = tiles_fetched_ * cfg_.tile_bytes();
  j["max_occupancy"] = max_occupancy_;
  j["depth_tiles"] = cfg_.weight_fifo.depth_tiles;
  return j;
}

}  // namespace tpu
