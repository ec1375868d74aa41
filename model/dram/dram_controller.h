// The JEDEC weight-memory model: a DramChannel controller per channel behind a TLM-2.0 target.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <vector>

#include <tlm_utils/peq_with_cb_and_phase.h>

#include "dram/dram.h"
#include "dram/dram_address.h"
#include "dram/dram_channel.h"

namespace tpu {

/// DRAM controller with one DramChannel per channel (banks, rows, JEDEC timing, refresh,
/// FR-FCFS; see dram_channel.h), addresses split into bursts and spread by DramAddressMap.
///
/// Two timing styles on the same socket (use one per simulation):
///  - loosely timed, b_transport: the request's bursts enter their channels at the annotated
///    time (rounded up to a tCK edge), the channels run ahead until those bursts are done, and
///    the annotated delay returns the completion time of the last one. It does not wait.
///  - approximately timed, nb_transport_fw/bw with the base protocol's four phases:
///    BEGIN_REQ is queued in a payload event queue; at its time the bursts enter the channels
///    and END_REQ is sent, or held back while a channel's queue is full (back-pressure);
///    the channels advance with simulated time, and BEGIN_RESP is sent when the last burst's
///    data has moved (one response in flight per initiator; END_RESP releases the next).
/// Data is read or written functionally when the request is accepted.
/// Counters per channel: commands by type, row hits/misses/conflicts, read latency histogram,
/// queue occupancy, bytes per window. VCD (trace()): per channel the command on the command bus
/// (DramCommand value for the tCK it issues in, 0xff otherwise) and the queued requests, at the
/// cycles they happen.
class DramController : public WeightMemory {
 public:
  DramController(sc_core::sc_module_name name, const DramConfig& cfg, sc_core::sc_time window);

  /// The channel controllers (tests and reports).
  const DramChannel& channel(uint32_t c) const { return channels_[c]; }
  const DramAddressMap& address_map() const { return map_; }
  /// DRAM clock period tCK.
  sc_core::sc_time tck() const { return tck_; }
  nlohmann::json report() const override;
  void trace(VcdWriter& vcd, const std::string& prefix) override;

 private:
  struct Transaction {
    tlm::tlm_generic_payload* trans = nullptr;
    int socket_id = 0;
    uint32_t remaining = 0;  // bursts not yet done
    uint64_t last_done = 0;  // latest done cycle
  };
  void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) override;
  tlm::tlm_sync_enum nb_transport_fw(int id, tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay) override;
  void peq_callback(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase);
  bool try_accept(tlm::tlm_generic_payload& trans, int socket_id);
  void advance();
  void send_responses(int socket_id);
  /// Splits a request into bursts and queues them in their channels at cycle `arrival`
  /// (channels are advanced to it first; full queues are drained by running ahead, LT only,
  /// where a channel streaming row hits takes its bursts itself: DramChannel::stream_hits).
  void enqueue_bursts(uint64_t txn, const tlm::tlm_generic_payload& trans, uint64_t arrival, bool run_ahead);
  void on_done(uint32_t channel, const DramRequest& r);
  uint64_t cycle_of(const sc_core::sc_time& t, bool round_up) const;

  DramAddressMap map_;
  std::vector<DramChannel> channels_;
  sc_core::sc_time tck_;
  uint64_t next_txn_ = 1;
  std::map<uint64_t, Transaction> txns_;
  uint64_t last_txn_id_ = 0;  // on_done()'s last lookup (ids start at 1)
  std::map<uint64_t, Transaction>::iterator last_txn_;
  /// Erases a transaction (and on_done()'s cached lookup).
  void forget(std::map<uint64_t, Transaction>::iterator it) {
    if (it->first == last_txn_id_) last_txn_id_ = 0;
    txns_.erase(it);
  }
  std::vector<std::function<void(const DramRequest&)>> on_done_;  // per channel: calls on_done(c, .)
  std::vector<std::vector<DramRequest>> bursts_;                  // enqueue_bursts(): a request's bursts per channel
  tlm_utils::peq_with_cb_and_phase<DramController> peq_;
  std::deque<std::pair<tlm::tlm_generic_payload*, int>> blocked_;   // BEGIN_REQs awaiting room
  std::map<int, std::deque<tlm::tlm_generic_payload*>> responses_;  // per initiator, ready
  std::map<int, bool> response_busy_;                               // BEGIN_RESP awaiting END_RESP
  std::map<const tlm::tlm_generic_payload*, int> socket_of_;        // initiator of each open request
  sc_core::sc_event wake_;
  VcdWriter* vcd_ = nullptr;                             // tracing if set
  std::vector<VcdWriter::Var> command_var_, depth_var_;  // per channel
  /// Records a traced value at DRAM cycle `cycle` (VcdWriter::set_at: the channels run ahead),
  /// at cycle x tCK in time resolution units (an integer product: tck_ * double(cycle) would be
  /// the same below 2^53 units, 2.5 hours at 1 fs, but rounds a double in memory each time).
  void trace_at(VcdWriter::Var var, int value, uint64_t cycle) {
    vcd_->set_at(var, uint64_t(value), tck_.value() * cycle);
  }
};

}  // namespace tpu
