// One request queue of a DRAM channel (reads, or writes): a slot pool, per-bank lists in age
// order, and each bank's FR-FCFS head.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "dram/dram_command.h"
#include "dram/dram_scheduler.h"

namespace tpu {

/// A queued request and its scheduler state.
struct DramQueueEntry {
  DramRequest req;
  uint64_t seq = 0;       ///< enqueue order (age ties at equal arrival)
  uint32_t bypassed = 0;  ///< younger hits to its bank issued before it
  bool examined = false;  ///< row outcome decided (DramChannel::examine)
  RowOutcome outcome = RowOutcome::Hit;
};

/// A bank's oldest request and oldest hit (request to the open row) in one queue, and the
/// command FR-FCFS (DramFrFcfs::bank_want) takes from the bank once they have arrived (at most
/// one per bank). Kept up to date by the channel whenever the bank's list or open row changes.
struct DramBankHead {
  uint64_t arrival = UINT64_MAX, seq = 0;            ///< the oldest's age (arrival UINT64_MAX: none queued)
  uint64_t ready = UINT64_MAX;                       ///< when the oldest and the oldest hit (if any) have
                                                     ///< arrived: `want` applies from then on
  uint32_t row = 0, bypassed = 0;                    ///< the oldest's row and bypass count
  uint32_t hit = 0;                                  ///< the oldest hit's index in the bank's list
  DramFrFcfs::Want want = DramFrFcfs::kWantNothing;  ///< the bank's candidate command
  uint8_t cls = 0;                                   ///< its DramTimingChecker::Class
  uint8_t priority = 2;                              ///< its DramFrFcfs::Priority (kHit for a column command)
  uint32_t index = 0;                                ///< its request's index in the list
  uint64_t want_arrival = 0, want_seq = 0;           ///< its request's age
};

/// One queue (reads or writes): a pool of `cap` slots and, per flat bank, the slots of its
/// requests oldest first (arrival, then enqueue number), `size` requests in all. `depth` is the
/// configured room (can_accept); the pool grows beyond it when a caller over-commits. `future`
/// holds the arrival cycles later than the channel's now(), ascending. A prefix of each list,
/// `examined[bank]` long, is known to have its row outcomes decided. Contents are the channel's
/// to keep consistent (DramChannel::check_queues verifies them).
struct DramRequestQueue {
  std::vector<DramQueueEntry> slots;
  std::vector<uint32_t> free;      ///< unused slots
  std::vector<uint32_t> lists;     ///< [bank * cap + i]: slots, oldest first
  std::vector<uint32_t> len;       ///< [bank]: list length
  std::vector<uint32_t> examined;  ///< [bank]: a list prefix known to be examined
  std::vector<DramBankHead> head;  ///< [bank]
  std::vector<uint64_t> future;    ///< arrivals later than now(), ascending
  size_t size = 0, depth = 0;      ///< queued; room (can_accept)
  size_t cap = 0;                  ///< slots, and the stride of lists (>= depth)

  /// An empty queue of room `depth` over `banks` banks.
  void init(size_t depth_, uint32_t banks) {
    depth = depth_;
    cap = std::max<size_t>(1, depth);
    slots.resize(cap);
    for (size_t s = cap; s-- > 0;) free.push_back(uint32_t(s));
    lists.assign(size_t(banks) * cap, 0);
    len.assign(banks, 0);
    examined.assign(banks, 0);
    head.assign(banks, DramBankHead{});
    future.reserve(depth);
  }
  /// Bank b's list (len[b] slots, oldest first).
  uint32_t* list(uint32_t b) { return lists.data() + size_t(b) * cap; }
  const uint32_t* list(uint32_t b) const { return lists.data() + size_t(b) * cap; }
  /// The entry at index k of bank b's list.
  const DramQueueEntry& at(uint32_t b, uint32_t k) const { return slots[list(b)[k]]; }
  /// Recomputes bank b's head from its list, the row open in the bank (`open_row`) and the
  /// scheduler's rule (`rule.bank_want`); `write`: this is the write queue (column command WR).
  void update_head(uint32_t b, uint32_t open_row, const DramFrFcfs& rule, bool write);
  /// Requests that have arrived by cycle `cur` (future lists the later ones).
  size_t arrived_by(uint64_t cur) const {
    size_t later = 0;
    while (later < future.size() && future[future.size() - 1 - later] > cur) ++later;
    return size - later;
  }
  /// Doubles the slots (a caller enqueued beyond depth: over-commit, not loss).
  void grow(uint32_t banks) {
    const size_t c = cap * 2;
    std::vector<uint32_t> l(size_t(banks) * c, 0);
    for (uint32_t b = 0; b < banks; ++b) std::copy(list(b), list(b) + len[b], l.data() + size_t(b) * c);
    lists.swap(l);
    slots.resize(c);
    for (size_t s = c; s-- > cap;) free.push_back(uint32_t(s));
    cap = c;
  }
  /// Drops the future arrivals that have arrived by cycle `now`.
  void settle_arrivals(uint64_t now) {
    size_t n = 0;
    while (n < future.size() && future[n] <= now) ++n;
    if (n) future.erase(future.begin(), future.begin() + std::ptrdiff_t(n));
  }
};

}  // namespace tpu
