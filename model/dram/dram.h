// Weight memory behind a TLM-2.0 target socket: the shared base and the first-fidelity
// bandwidth-latency model. The JEDEC controller (dram_controller.h) is the other model.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <tlm_utils/multi_passthrough_target_socket.h>
#include <nlohmann/json.hpp>
#include <systemc>
#include <tlm>

#include "config/config.h"
#include "trace/stats.h"
#include "trace/vcd_writer.h"
#include "util/huge_pages.h"

namespace tpu {

/// What every weight-memory model offers: a multi-passthrough target socket (several initiators
/// bind to it), sparse storage of dram.capacity_bytes (2 MiB pages allocated on first write;
/// unwritten bytes read as 0), untimed transport_dbg (the host preloads weights with it),
/// per-channel byte counters, and a report. An access beyond capacity_bytes gets
/// TLM_ADDRESS_ERROR_RESPONSE; byte enables or a streaming width below the length get
/// TLM_BYTE_ENABLE_ERROR_RESPONSE.
class WeightMemory : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<WeightMemory> socket;

  /// Per-channel byte counters (bandwidth over time).
  const std::vector<BandwidthCounter>& channel_counters() const { return counters_; }
  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t bytes_written() const { return bytes_written_; }
  /// Every counter of the model as JSON ({model, bytes_read, bytes_written, reads, writes,
  /// peak_bandwidth_bytes_per_s, channels: [...]} plus the model's own).
  virtual nlohmann::json report() const;
  /// Adds the model's signals to a VCD under `prefix` (none by default); a model may start
  /// recording what it traces from here on.
  virtual void trace(VcdWriter& vcd, const std::string& prefix);

 protected:
  /// `window`: bandwidth-counter window.
  WeightMemory(sc_core::sc_module_name name, const DramConfig& cfg, sc_core::sc_time window);
  /// Timed access, implemented by each model; `copy()` does the functional part.
  virtual void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) = 0;
  /// Approximately-timed access (four-phase base protocol). The default rejects it: the
  /// response status becomes TLM_COMMAND_ERROR_RESPONSE and the call returns TLM_COMPLETED.
  virtual tlm::tlm_sync_enum nb_transport_fw(int id, tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                             sc_core::sc_time& delay);
  /// Checks and performs the functional part of an access; counts it. False on error (the
  /// response status is set).
  bool copy(tlm::tlm_generic_payload& trans, bool count = true);

  DramConfig cfg_;
  std::vector<BandwidthCounter> counters_;
  uint64_t bytes_read_ = 0, bytes_written_ = 0, reads_ = 0, writes_ = 0;

 private:
  void b_transport_entry(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    b_transport(id, trans, delay);
  }
  tlm::tlm_sync_enum nb_transport_fw_entry(int id, tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                           sc_core::sc_time& delay) {
    return nb_transport_fw(id, trans, phase, delay);
  }
  unsigned int transport_dbg(int id, tlm::tlm_generic_payload& trans);
  uint8_t* page(uint64_t index, bool create);
  std::unordered_map<uint64_t, ZeroedBytes> pages_;
};

/// First fidelity: `channels` independent channels; addresses interleave across channels every
/// `interleave_bytes`. A request's bytes on channel c occupy that channel's data bus for
/// bytes / (data_rate * bus_width / 8) seconds, starting when the channel is free (requests
/// queue in arrival order); the request completes `latency_ns` after its last byte moved.
/// b_transport is loosely timed: it does not wait, it returns the completion time in the
/// annotated delay (requests may be issued ahead; the channel timelines serialise them).
class BandwidthLatencyDram : public WeightMemory {
 public:
  BandwidthLatencyDram(sc_core::sc_module_name name, const DramConfig& cfg, sc_core::sc_time window);

 private:
  void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) override;
  std::vector<sc_core::sc_time> channel_free_;  // when each channel's data bus is next free
};

/// The model `cfg.model` names ("jedec" or "bandwidth_latency").
std::unique_ptr<WeightMemory> make_dram(sc_core::sc_module_name name, const DramConfig& cfg, sc_core::sc_time window);

}  // namespace tpu
