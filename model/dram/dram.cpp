#include "dram/dram.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "dram/dram_controller.h"

namespace tpu {

namespace {
constexpr uint64_t kPageBytes = 2 * 1024 * 1024;  // storage pages (host huge pages, see ZeroedBytes)
}

WeightMemory::WeightMemory(sc_core::sc_module_name name, const DramConfig& cfg, sc_core::sc_time window)
    : sc_module(name), socket("socket"), cfg_(cfg) {
  for (uint32_t c = 0; c < cfg.channels; ++c) counters_.emplace_back("channel" + std::to_string(c), window);
  socket.register_b_transport(this, &WeightMemory::b_transport_entry);
  socket.register_transport_dbg(this, &WeightMemory::transport_dbg);
  socket.register_nb_transport_fw(this, &WeightMemory::nb_transport_fw_entry);
}

tlm::tlm_sync_enum WeightMemory::nb_transport_fw(int, tlm::tlm_generic_payload& trans, tlm::tlm_phase&,
                                                 sc_core::sc_time&) {
  trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
  return tlm::TLM_COMPLETED;
}

// The storage page holding byte index * kPageBytes; nullptr if absent and !create.
uint8_t* WeightMemory::page(uint64_t index, bool create) {
  auto it = pages_.find(index);
  if (it != pages_.end()) return it->second.get();
  if (!create) return nullptr;
  auto& p = pages_[index];
  p = ZeroedBytes(kPageBytes);
  return p.get();
}

bool WeightMemory::copy(tlm::tlm_generic_payload& trans, bool count) {
  const uint64_t addr = trans.get_address(), len = trans.get_data_length();
  if (addr > cfg_.capacity_bytes || len > cfg_.capacity_bytes - addr) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  if (trans.get_byte_enable_ptr() != nullptr || trans.get_streaming_width() < len) {
    trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return false;
  }
  uint8_t* data = trans.get_data_ptr();
  for (uint64_t done = 0; done < len;) {
    const uint64_t a = addr + done, off = a % kPageBytes, n = std::min(len - done, kPageBytes - off);
    if (trans.is_write()) {
      std::memcpy(page(a / kPageBytes, true) + off, data + done, n);
    } else if (trans.is_read()) {
      const uint8_t* p = page(a / kPageBytes, false);
      if (p) std::memcpy(data + done, p + off, n);
      else std::memset(data + done, 0, n);
    }
    done += n;
  }
  if (count && trans.is_read()) bytes_read_ += len, ++reads_;
  if (count && trans.is_write()) bytes_written_ += len, ++writes_;
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  return true;
}

unsigned int WeightMemory::transport_dbg(int, tlm::tlm_generic_payload& trans) {
  return copy(trans, false) ? trans.get_data_length() : 0;
}

nlohmann::json WeightMemory::report() const {
  nlohmann::json channels = nlohmann::json::array();
  for (const auto& c : counters_) channels.push_back(c.to_json());
  return {{"model", to_string(cfg_.model)},
          {"bytes_read", bytes_read_},
          {"bytes_written", bytes_written_},
          {"reads", reads_},
          {"writes", writes_},
          {"peak_bandwidth_bytes_per_s", cfg_.channel_bandwidth_bytes_per_s() * cfg_.channels},
          {"channels", channels}};
}

void WeightMemory::trace(VcdWriter&, const std::string&) {}

BandwidthLatencyDram::BandwidthLatencyDram(sc_core::sc_module_name name, const DramConfig& cfg, sc_core::sc_time window)
    : WeightMemory(name, cfg, window), channel_free_(cfg.channels, sc_core::SC_ZERO_TIME) {}

void BandwidthLatencyDram::b_transport(int, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  if (!copy(trans)) return;
  const uint64_t addr = trans.get_address(), len = trans.get_data_length();
  // Bytes per channel under the interleaved mapping.
  std::vector<uint64_t> per_channel(cfg_.channels, 0);
  for (uint64_t a = addr; a < addr + len;) {
    const uint64_t chunk_end = (a / cfg_.interleave_bytes + 1) * cfg_.interleave_bytes;
    const uint64_t n = std::min(addr + len, chunk_end) - a;
    per_channel[(a / cfg_.interleave_bytes) % cfg_.channels] += n;
    a += n;
  }
  const sc_core::sc_time issue = sc_core::sc_time_stamp() + delay;
  const double bw = cfg_.channel_bandwidth_bytes_per_s();
  sc_core::sc_time done = issue;
  for (uint32_t c = 0; c < cfg_.channels; ++c) {
    if (per_channel[c] == 0) continue;
    const sc_core::sc_time start = std::max(issue, channel_free_[c]);
    const sc_core::sc_time end = start + sc_core::sc_time(per_channel[c] / bw, sc_core::SC_SEC);
    channel_free_[c] = end;
    counters_[c].record(start, end, per_channel[c]);
    done = std::max(done, end);
  }
  done += sc_core::sc_time(cfg_.latency_ns, sc_core::SC_NS);
  delay = done - sc_core::sc_time_stamp();
}

std::unique_ptr<WeightMemory> make_dram(sc_core::sc_module_name name, const DramConfig& cfg, sc_core::sc_time window) {
  if (cfg.model == DramModel::BandwidthLatency) return std::make_unique<BandwidthLatencyDram>(name, cfg, window);
  return std::make_unique<DramController>(name, cfg, window);
}

}  // namespace tpu
