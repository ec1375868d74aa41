// Refresh of a DRAM channel: when refreshes fall due, how many each rank or bank owes, and the
// commands that pay them, under the policy chosen once from DramConfig::refresh.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "config/config.h"
#include "dram/dram_bank_state.h"
#include "dram/dram_command.h"
#include "dram/dram_timing_checker.h"

namespace tpu {

/// Refresh bookkeeping and planning, one policy per channel (chosen at construction):
///  - kAllBank (RefreshPolicy::AllBank, or PerBank without tREFIpb/tRFCpb): rank r owes one REF
///    every tREFI cycles; ranks are staggered, rank r's first falls due at
///    tREFI - r * tREFI / ranks. Once owed and not postponed, the rank's banks take no ACT, its
///    open banks are precharged, and REF issues as soon as legal.
///  - kPerBank (RefreshPolicy::PerBank, HBM2): each rank owes one REFPB every tREFIpb cycles,
///    staggered the same way; the k-th (k >= 1) goes to the rank's bank (k - 1) mod
///    banks_per_rank. Only that bank is blocked, precharged and refreshed.
///  - kNone (tREFI = 0): never.
/// Postponement (JEDEC JESD79-3 4.17, up to 8 refreshes may be owed): a rank (bank) with requests
/// queued postpones its owed refreshes while fewer than 8 are owed and it has not begun one (its
/// PRE issued); at 8 owed the refresh is forced: the blocked banks take no command at all.
class DramRefresh {
 public:
  /// The policy in force (see above).
  enum Mode : uint8_t { kNone, kAllBank, kPerBank };
  static constexpr uint32_t kMaxPostponed = 8;  ///< JEDEC: refreshes that may be owed at once

  /// The policy of `cfg` (refresh, tREFI, tREFIpb, tRFCpb) for the geometry of `banks`; nothing
  /// owed yet.
  DramRefresh(const DramConfig& cfg, const DramBankState& banks);
  /// The policy chosen at construction.
  Mode mode() const { return mode_; }
  /// Cycles between refreshes falling due per rank: tREFI (all-bank) or tREFIpb (per-bank).
  uint64_t interval() const { return refi_; }
  /// The first cycle at which another refresh falls due (after count_dues()); UINT64_MAX if none.
  uint64_t next_due() const { return mode_ == kNone ? UINT64_MAX : due_min_; }
  /// Brings the due counters up to cycle `cur` (not for kNone).
  void count_dues(uint64_t cur) {
    if (cur < due_min_) return;  // nothing falls due yet (the common case)
    count_dues_from(cur);
  }
  /// Refreshes owed by rank r (all-bank: REFs; per-bank: REFPBs to any of its banks).
  uint64_t owed_by_rank(uint32_t r) const { return dues_[r] - refs_rank_[r]; }
  /// REFPBs owed by flat bank b (per-bank).
  uint64_t owed_by_bank(uint32_t b) const { return bank_dues_[b] - refs_[b]; }
  /// Whether the refresh of rank r (all-bank) or bank b (per-bank) has begun: its PRE issued.
  bool begun(uint32_t rank, uint32_t b) const { return refreshing_[mode_ == kPerBank ? b : rank] != 0; }
  /// Whether a request enqueued now to bank b of rank `rank`, which had `queued_rank` (`queued_bank`)
  /// requests before it, leaves the owed refreshes where they were: none owed, or one postponed
  /// already (the request cannot end a postponement).
  bool unchanged_by_enqueue(uint32_t rank, uint32_t b, uint32_t queued_rank_before, uint32_t queued_bank_before) const {
    const uint64_t owed = mode_ == kAllBank ? owed_by_rank(rank) : owed_by_bank(b);
    const uint32_t pending_before = mode_ == kAllBank ? queued_rank_before : queued_bank_before;
    return !(owed > 0 && (pending_before == 0 || owed >= kMaxPostponed || begun(rank, b)));
  }
  /// True when no refresh command can be offered or block a bank until next_due(): none owed,
  /// or (all-bank) each owed one postponed behind its rank's queued requests (`queued_rank`).
  bool quiet(const std::vector<uint32_t>& queued_rank) const;
  /// Notes that something a postponement depends on changed (a bank or rank emptied, a refresh
  /// command issued): the next plan() scans the owed refreshes again.
  void wake() { idle_ = false; }
  /// Records a refresh command issued at flat bank b of rank `rank`: PRE (its refresh begins),
  /// REF or REFPB (one paid, its refresh ends).
  void issued(DramCommand cmd, uint32_t rank, uint32_t b) {
    idle_ = false;
    if (cmd == DramCommand::PRE) {
      refreshing_[mode_ == kPerBank ? b : rank] = 1;
    } else if (cmd == DramCommand::REF) {
      ++refs_[rank];
      ++refs_rank_[rank];
      ++refs_total_;
      refreshing_[rank] = 0;
    } else if (cmd == DramCommand::REFPB) {
      ++refs_[b];
      ++refs_rank_[rank];
      ++refs_total_;
      refreshing_[b] = 0;
    }
  }
  /// The most refreshes one rank (all-bank) or bank (per-bank) has owed at once so far.
  uint32_t max_owed() const { return max_owed_; }

  /// Plans refresh at cycle `cur` (not for kNone): counts dues, then for every owed refresh not
  /// postponed calls block(b, forced) for each bank it blocks and offer(t, cmd, b) for its next
  /// command (PRE of an open bank, else REF to the rank's first bank or REFPB to the bank) at
  /// its earliest cycle by `checker`. Returns next_due(). `queued_bank`/`queued_rank`: requests
  /// queued per flat bank / rank.
  template <class Block, class Offer>
  uint64_t plan(uint64_t cur, const DramBankState& banks, const DramTimingChecker& checker,
                const std::vector<uint32_t>& queued_bank, const std::vector<uint32_t>& queued_rank, Block&& block,
                Offer&& offer) {
    count_dues(cur);
    // No refresh owed, or all of them postponed as at the last plan: nothing to block or offer.
    if (dues_total_ == refs_total_ || idle_) return due_min_;
    bool blocked = false;
    const uint32_t per_rank = banks.banks_per_rank();
    for (uint32_t r = 0; r < banks.ranks(); ++r) {
      const uint64_t owed_rank = owed_by_rank(r);
      if (owed_rank == 0) continue;
      const uint32_t b0 = r * per_rank, b1 = b0 + per_rank;
      if (mode_ == kAllBank) {
        max_owed_ = std::max(max_owed_, uint32_t(owed_rank));
        const bool forced = owed_rank >= kMaxPostponed;
        if (rank_postponed(r, owed_rank, queued_rank)) continue;
        bool closed = true;
        for (uint32_t b = b0; b < b1; ++b) {
          block(b, forced);
          blocked = true;
          if (banks.open_row(b) != DramBankState::kClosed) {
            closed = false;
            offer(checker.earliest(DramCommand::PRE, banks.location(b), cur), DramCommand::PRE, b);
          }
        }
        if (closed) offer(checker.earliest(DramCommand::REF, banks.location(b0), cur), DramCommand::REF, b0);
      } else {
        for (uint32_t b = b0; b < b1; ++b) {
          const uint64_t owed = owed_by_bank(b);
          if (owed == 0) continue;
          max_owed_ = std::max(max_owed_, uint32_t(owed));
          const bool forced = owed >= kMaxPostponed;
          if (!forced && !refreshing_[b] && queued_bank[b] > 0) continue;  // postponed, unless begun
          block(b, forced);
          blocked = true;
          const DramCommand c = banks.open_row(b) != DramBankState::kClosed ? DramCommand::PRE : DramCommand::REFPB;
          offer(checker.earliest(c, banks.location(b), cur), c, b);
        }
      }
    }
    idle_ = !blocked;
    return due_min_;  // (count_dues() keeps it the earliest of due_next_)
  }

 private:
  /// An all-bank refresh rank r owes (`owed` of them) waits: fewer than 8 owed, requests pending
  /// for the rank, and not begun (once its first PRE has issued it runs to the REF, otherwise
  /// every idle gap would cost a PRE and an ACT).
  bool rank_postponed(uint32_t r, uint64_t owed, const std::vector<uint32_t>& queued_rank) const {
    return owed < kMaxPostponed && !refreshing_[r] && queued_rank[r] > 0;
  }
  void count_dues_from(uint64_t cur);

  Mode mode_;
  uint64_t refi_;
  uint32_t ranks_, banks_per_rank_;
  std::vector<uint64_t> refs_;             // refreshes issued per rank (all-bank) / per bank (per-bank)
  std::vector<uint64_t> refs_rank_;        // refreshes issued per rank (per-bank: to any of its banks)
  uint64_t refs_total_ = 0;                // sum of refs_rank_
  std::vector<uint8_t> refreshing_;        // per rank (per-bank: per bank): a refresh began (its PRE
                                           // issued) and finishes before new ACTs
  std::vector<uint64_t> dues_, due_next_;  // per rank: refreshes due so far, next due cycle
  uint64_t dues_total_ = 0;                // sum of dues_ (== refs_total_: none owed)
  uint64_t due_min_ = 0;                   // min of due_next_: count_dues() has nothing before it
  std::vector<uint64_t> bank_dues_;        // per-bank: REFPBs due per bank
  bool idle_ = false;                      // plan() found every owed refresh postponed, and nothing
                                           // that could end that has happened since
  uint32_t max_owed_ = 0;
};

}  // namespace tpu
