// Weight memory, first fidelity: per-channel bandwidth and latency behind a TLM-2.0 target.
// The JEDEC controller (banks, rows, refresh, FR-FCFS) replaces it behind the same socket.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>
#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include "config.h"
#include "stats.h"

namespace tpu {

/// DRAM with `channels` independent channels. Addresses interleave across channels every
/// `interleave_bytes`. A request's bytes on channel c occupy that channel's data bus for
/// bytes / (data_rate * bus_width / 8) seconds, starting when the channel is free (requests
/// queue in arrival order); the request completes `latency_ns` after its last byte moved.
/// b_transport is loosely timed: it does not wait, it returns the completion time in the
/// annotated delay (requests may be issued ahead; the channel timelines serialise them).
/// transport_dbg reads/writes with no timing (the host uses it to preload weights).
/// Storage is sparse (64 KiB pages allocated on first write; unwritten bytes read as 0).
/// Errors: an access beyond capacity_bytes gets TLM_ADDRESS_ERROR_RESPONSE.
class Dram : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Dram> socket;

  /// `window`: bandwidth-counter window.
  Dram(sc_core::sc_module_name name, const DramConfig& cfg, sc_core::sc_time window);

  /// Per-channel byte counters (bandwidth over time).
  const std::vector<BandwidthCounter>& channel_counters() const { return counters_; }
  /// Bytes read and written, all channels.
  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t bytes_written() const { return bytes_written_; }
  /// {channels: [...], bytes_read, bytes_written, reads, writes, peak_bandwidth_bytes_per_s}.
  nlohmann::json report() const;

 private:
  void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(int id, tlm::tlm_generic_payload& trans);
  bool copy(tlm::tlm_generic_payload& trans);
  uint8_t* page(uint64_t index, bool create);

  DramConfig cfg_;
  std::vector<sc_core::sc_time> channel_free_;  // when each channel's data bus is next free
  std::vector<BandwidthCounter> counters_;
  std::unordered_map<uint64_t, std::unique_ptr<uint8_t[]>> pages_;
  uint64_t bytes_read_ = 0, bytes_written_ = 0, reads_ = 0, writes_ = 0;
};

}  // namespace tpu
