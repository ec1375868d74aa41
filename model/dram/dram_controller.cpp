#include "dram/dram_controller.h"

#include <algorithm>
#include <cmath>

namespace tpu {

namespace {
constexpr int kNoCommand = 0xff;
}

DramController::DramController(sc_core::sc_module_name name, const DramConfig& cfg, sc_core::sc_time window)
    : WeightMemory(name, cfg, window), map_(cfg), tck_(cfg.tck_seconds(), sc_core::SC_SEC),
      peq_(this, &DramController::peq_callback) {
  channels_.reserve(cfg.channels);
  for (uint32_t c = 0; c < cfg.channels; ++c) {
    channels_.emplace_back(cfg);
    on_done_.emplace_back([this, c](const DramRequest& r) { on_done(c, r); });
  }
  SC_HAS_PROCESS(DramController);
  SC_METHOD(advance);
  sensitive << wake_;
  dont_initialize();
}

uint64_t DramController::cycle_of(const sc_core::sc_time& t, bool round_up) const {
  const double c = t / tck_;
  return uint64_t(round_up ? std::ceil(c - 1e-9) : std::floor(c + 1e-9));
}

void DramController::on_done(uint32_t channel, const DramRequest& r) {
  const uint64_t beats = cfg_.burst_length / 2;  // data moves on both clock edges
  counters_[channel].record(tck_ * double(r.done - beats), tck_ * double(r.done), map_.burst_bytes());
  // Consecutive bursts nearly always belong to one request: look it up once.
  if (r.id != last_txn_id_) {
    last_txn_ = txns_.find(r.id);
    last_txn_id_ = r.id;
  }
  const auto it = last_txn_;
  if (it == txns_.end()) return;
  Transaction& t = it->second;
  t.last_done = std::max(t.last_done, r.done);
  if (--t.remaining == 0 && t.trans) {  // AT: respond
    const int socket_id = t.socket_id;  // t dies with the erase
    responses_[socket_id].push_back(t.trans);
    forget(it);
    send_responses(socket_id);
  }
}

void DramController::enqueue_bursts(uint64_t txn, const tlm::tlm_generic_payload& trans, uint64_t arrival,
                                    bool run_ahead) {
  const uint64_t bb = map_.burst_bytes();
  const uint64_t first = trans.get_address() / bb, last = (trans.get_address() + trans.get_data_length() - 1) / bb;
  txns_[txn].remaining = uint32_t(last - first + 1);
  // The bursts of each channel, in address order. Channels are independent: taking them channel
  // by channel gives each the same commands and completions as taking all bursts in address order.
  bursts_.resize(channels_.size());
  for (auto& v : bursts_) v.clear();
  for (uint64_t b = first; b <= last; ++b) {
    // Built in place: a copy of a request just stored field by field would stall on
    // store-to-load forwarding (it did: 4% of a ResNet-50 run).
    DramRequest& r = bursts_[map_.channel(b * bb)].emplace_back();
    r.id = txn;
    r.write = trans.is_write();
    r.loc = map_.locate(b * bb);
    r.arrival = arrival;
  }
  for (uint32_t c = 0; c < channels_.size(); ++c) {
    const std::vector<DramRequest>& bursts = bursts_[c];
    if (bursts.empty()) continue;
    DramChannel& ch = channels_[c];
    const auto& done = on_done_[c];
    if (ch.now() < arrival) ch.run_until(arrival, done);
    std::function<void(const DramRequest&)> traced;
    if (vcd_)
      traced = [this, c](const DramRequest& r) { trace_at(depth_var_[c], int(channels_[c].pending()), r.arrival); };
    for (size_t i = 0; i < bursts.size();) {
      // LT reads: while the channel streams row hits it takes the bursts itself (same results).
      if (run_ahead && !trans.is_write()) {
        i += ch.stream_hits(&bursts[i], bursts.size() - i, done, traced);
        if (i == bursts.size()) break;
      }
      while (run_ahead && !ch.can_accept(trans.is_write())) ch.run_until(ch.next_event(), done);
      DramRequest r = bursts[i++];
      r.arrival = std::max(arrival, ch.now());
      ch.enqueue(r);
      if (traced) traced(r);
    }
  }
}

void DramController::b_transport(int, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  if (!copy(trans) || trans.get_data_length() == 0) return;
  const uint64_t txn = next_txn_++;
  enqueue_bursts(txn, trans, cycle_of(sc_core::sc_time_stamp() + delay, true), true);
  const Transaction& t = txns_[txn];  // (std::map: stays in place while others come and go)
  // Run the channels ahead until this request's bursts are done.
  while (t.remaining > 0) {
    uint64_t next = UINT64_MAX;
    uint32_t which = 0;
    for (uint32_t c = 0; c < channels_.size(); ++c)
      if (channels_[c].pending() && channels_[c].next_event() < next) next = channels_[c].next_event(), which = c;
    if (next == UINT64_MAX) SC_REPORT_ERROR("tpu/dram", "controller stalled with bursts pending");
    channels_[which].run_until(next, on_done_[which]);
  }
  delay = tck_ * double(t.last_done) - sc_core::sc_time_stamp();
  forget(txns_.find(txn));
}

tlm::tlm_sync_enum DramController::nb_transport_fw(int id, tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                                   sc_core::sc_time& delay) {
  if (phase == tlm::BEGIN_REQ) {
    if (trans.has_mm()) trans.acquire();
    socket_of_[&trans] = id;
    trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    peq_.notify(trans, phase, delay);
    return tlm::TLM_ACCEPTED;
  }
  if (phase == tlm::END_RESP) {  // the initiator took the response: the next one may go
    peq_.notify(trans, phase, delay);
    return tlm::TLM_COMPLETED;
  }
  SC_REPORT_ERROR("tpu/dram", "nb_transport_fw: unexpected phase (base protocol: BEGIN_REQ and END_RESP only)");
  return tlm::TLM_COMPLETED;
}

bool DramController::try_accept(tlm::tlm_generic_payload& trans, int socket_id) {
  // Room for every burst in its channel's queue?
  const uint64_t bb = map_.burst_bytes();
  const uint64_t first = trans.get_address() / bb, last = (trans.get_address() + trans.get_data_length() - 1) / bb;
  std::vector<uint32_t> need(channels_.size(), 0);
  for (uint64_t b = first; b <= last; ++b) ++need[map_.channel(b * bb)];
  const uint32_t depth = trans.is_write() ? cfg_.write_queue_depth : cfg_.read_queue_depth;
  for (uint32_t c = 0; c < channels_.size(); ++c) {
    if (need[c] > depth) {
      SC_REPORT_ERROR("tpu/dram",
                      "an approximately-timed request needs more bursts in one channel than its queue holds");
    }
    if (need[c] > channels_[c].room(trans.is_write())) return false;
  }
  const uint64_t txn = next_txn_++;
  txns_[txn].trans = &trans;
  txns_[txn].socket_id = socket_id;
  enqueue_bursts(txn, trans, cycle_of(sc_core::sc_time_stamp(), true), false);
  tlm::tlm_phase phase = tlm::END_REQ;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  socket[socket_id]->nb_transport_bw(trans, phase, delay);
  wake_.notify(sc_core::SC_ZERO_TIME);
  return true;
}

void DramController::peq_callback(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase) {
  // The payload event queue does not carry the socket id: socket_of_ remembers it.
  const int id = socket_of_.at(&trans);
  if (phase == tlm::BEGIN_REQ) {
    if (!copy(trans) || trans.get_data_length() == 0) {  // failed or empty: answer at once, no bursts
      responses_[id].push_back(&trans);
      send_responses(id);
      return;
    }
    if (!try_accept(trans, id)) blocked_.push_back({&trans, id});
  } else if (phase == tlm::END_RESP) {
    socket_of_.erase(&trans);
    response_busy_[id] = false;
    if (trans.has_mm()) trans.release();
    send_responses(id);
  }
}

void DramController::send_responses(int socket_id) {
  auto& q = responses_[socket_id];
  while (!response_busy_[socket_id] && !q.empty()) {
    tlm::tlm_generic_payload* t = q.front();
    q.pop_front();
    if (t->get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE) t->set_response_status(tlm::TLM_OK_RESPONSE);
    tlm::tlm_phase phase = tlm::BEGIN_RESP;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    response_busy_[socket_id] = true;
    const tlm::tlm_sync_enum s = socket[socket_id]->nb_transport_bw(*t, phase, delay);
    if (s == tlm::TLM_COMPLETED || (s == tlm::TLM_UPDATED && phase == tlm::END_RESP)) {
      socket_of_.erase(t);
      response_busy_[socket_id] = false;
      if (t->has_mm()) t->release();
    }
  }
}

void DramController::advance() {
  const uint64_t now = cycle_of(sc_core::sc_time_stamp(), false);
  for (uint32_t c = 0; c < channels_.size(); ++c)
    if (channels_[c].now() < now) channels_[c].run_until(now, on_done_[c]);
  // Freed queue slots admit held-back requests, in order.
  while (!blocked_.empty() && try_accept(*blocked_.front().first, blocked_.front().second)) blocked_.pop_front();
  uint64_t next = UINT64_MAX;
  for (auto& ch : channels_)
    if (ch.pending()) next = std::min(next, std::max(ch.next_event(), now + 1));
  if (next != UINT64_MAX) wake_.notify(tck_ * double(next) - sc_core::sc_time_stamp());
}

void DramController::trace(VcdWriter& vcd, const std::string& prefix) {
  vcd_ = &vcd;
  for (uint32_t c = 0; c < channels_.size(); ++c) {
    const std::string ch = prefix + ".channel" + std::to_string(c);
    command_var_.push_back(vcd.declare(ch + ".command", 32, kNoCommand));
    depth_var_.push_back(vcd.declare(ch + ".queued", 32, 0));
    channels_[c].observe_commands([this, c](uint64_t cycle, DramCommand cmd, const DramLocation&) {
      trace_at(command_var_[c], int(cmd), cycle);        // a one-tCK pulse per command,
      trace_at(command_var_[c], kNoCommand, cycle + 1);  // so repeats stay visible
      trace_at(depth_var_[c], int(channels_[c].pending()), cycle);
    });
  }
}

nlohmann::json DramController::report() const {
  nlohmann::json j = WeightMemory::report();
  for (uint32_t c = 0; c < channels_.size(); ++c) {
    const DramChannelStats& s = channels_[c].stats();
    nlohmann::json commands;
    for (int k = 0; k < kDramCommands; ++k) commands[command_name(DramCommand(k))] = s.commands[k];
    nlohmann::json& ch = j["channels"][c];
    ch["commands"] = commands;
    ch["row_hits"] = s.row_hits;
    ch["row_misses"] = s.row_misses;
    ch["row_conflicts"] = s.row_conflicts;
    ch["read_bursts"] = s.reads;
    ch["write_bursts"] = s.writes;
    ch["mean_read_latency_ns"] = s.reads ? double(s.read_latency_sum) / s.reads * tck_.to_seconds() * 1e9 : 0.0;
    ch["read_latency_histogram_8tck"] = s.read_latency_histogram;
    ch["queue_occupancy_integral"] = s.queue_occupancy_integral;
  }
  j["tck_ns"] = tck_.to_seconds() * 1e9;
  j["standard"] = to_string(cfg_.standard);
  return j;
}

}  // namespace tpu
