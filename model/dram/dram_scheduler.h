// The FR-FCFS scheduling rule of a DRAM channel: which command a bank asks for, and which of
// several candidate commands goes first. The full planner (DramChannel::plan) and the streaming
// fast path (DramChannel::stream_hits) both decide by these two functions.
#pragma once

#include <cstdint>

#include "dram/dram_bank_state.h"

namespace tpu {

/// First-ready, first-come-first-served (Rixner et al., "Memory Access Scheduling", ISCA 2000)
/// with a starvation bound, as DRAMSys's SchedulerFrFcfs plus its max-row-hits limit:
///  - within a bank (bank_want): a precharged bank opens its oldest request's row (ACT); an open
///    bank serves its oldest hit (column command) while one is queued, unless its oldest request
///    conflicts and `max_row_hits` younger hits have bypassed it since it arrived; then, or with
///    no hit queued, it precharges (PRE);
///  - across banks and refresh (goes_before): the earliest command (cycle at which the timing
///    checker allows it), then the lower priority class (kRefresh, then kHit: a hit's column
///    command, then kOther), then the oldest request (arrival cycle, then enqueue number).
/// The bound: a request waits for at most max_row_hits younger hits to its bank (DramConfig).
class DramFrFcfs {
 public:
  /// What a bank's requests ask for next.
  enum Want : uint8_t { kWantNothing, kWantAct, kWantPre, kWantColumn };
  /// Priority classes of a candidate command, lower first at equal cycles.
  enum Priority : uint8_t { kRefresh = 0, kHit = 1, kOther = 2 };

  /// The rule with the starvation bound `max_row_hits` (DramConfig::max_row_hits).
  explicit DramFrFcfs(uint32_t max_row_hits) : max_row_hits_(max_row_hits) {}

  /// The command FR-FCFS takes from a bank: `queued` (some request to it), the bank's open row
  /// (DramBankState::kClosed if precharged), its oldest request's row and how many younger hits
  /// have bypassed that request, and whether a hit (a request to the open row) is queued.
  Want bank_want(bool queued, uint32_t open_row, uint32_t oldest_row, uint32_t oldest_bypassed, bool hit_queued) const {
    if (!queued) return kWantNothing;
    if (open_row == DramBankState::kClosed) return kWantAct;
    if (hit_queued && !(oldest_row != open_row && oldest_bypassed >= max_row_hits_)) return kWantColumn;
    return kWantPre;
  }
  /// Whether a column command to `issued_row` bypasses (counts against the bound of) an older
  /// request of its bank to `older_row`.
  static bool bypasses(uint32_t issued_row, uint32_t older_row) { return older_row != issued_row; }
  /// Whether candidate a (issue cycle, priority, arrival cycle, enqueue number) goes before
  /// candidate b: earlier, then lower priority, then older.
  static bool goes_before(uint64_t a_t, uint8_t a_priority, uint64_t a_arrival, uint64_t a_seq, uint64_t b_t,
                          uint8_t b_priority, uint64_t b_arrival, uint64_t b_seq) {
    if (a_t != b_t) return a_t < b_t;
    if (a_priority != b_priority) return a_priority < b_priority;
    if (a_arrival != b_arrival) return a_arrival < b_arrival;
    return a_seq < b_seq;
  }
  /// The starvation bound, in hits (DramConfig::max_row_hits).
  uint32_t max_row_hits() const { return max_row_hits_; }

 private:
  uint32_t max_row_hits_;
};

}  // namespace tpu
