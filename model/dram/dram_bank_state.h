// Bank state of a DRAM channel: its geometry and the row open in each bank.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "config/config.h"
#include "dram/dram_address.h"

namespace tpu {

/// The banks of one channel, numbered flat: (rank, bank group, bank) in that order of
/// significance, and the row each holds open (kClosed when precharged). It records state only;
/// when a bank may change state is the timing checker's (DramTimingChecker), which row the
/// scheduler's. All banks start precharged.
///
/// It also keeps each rank's bank-open time: the cycles with at least one bank of the rank open
/// (JEDEC's active standby, IDD3N, against precharge standby, IDD2N, when none is), from the
/// cycles of the ACT and precharge commands that change the state (set_open_row's `t`; a bank
/// counts as open from its ACT's cycle to its PRE's, or its RDA's/WRA's: the model closes a bank
/// at its auto-precharging column command). The channel issues commands in cycle order, so the
/// open intervals are recorded in order.
class DramBankState {
 public:
  /// open_row() of a precharged bank.
  static constexpr uint32_t kClosed = UINT32_MAX;

  /// The geometry of `cfg` (ranks, bank_groups, banks_per_group), every bank precharged.
  explicit DramBankState(const DramConfig& cfg)
      : ranks_(std::max(1u, cfg.ranks)), groups_per_rank_(std::max(1u, cfg.bank_groups)),
        banks_per_group_(std::max(1u, cfg.banks_per_group)), banks_per_rank_(groups_per_rank_ * banks_per_group_),
        banks_(ranks_ * banks_per_rank_), open_row_(banks_, kClosed), loc_(banks_), rank_open_(ranks_) {
    for (uint32_t b = 0; b < banks_; ++b) {
      DramLocation& l = loc_[b];
      l.rank = b / banks_per_rank_;
      l.bank_group = (b % banks_per_rank_) / banks_per_group_;
      l.bank = b % banks_per_group_;
      l.flat_bank = b;
    }
  }
  /// Ranks in the channel (DramConfig::ranks, at least 1).
  uint32_t ranks() const { return ranks_; }
  /// Bank groups per rank (DramConfig::bank_groups, at least 1; DDR3: 1).
  uint32_t groups_per_rank() const { return groups_per_rank_; }
  /// Banks per bank group (DramConfig::banks_per_group, at least 1).
  uint32_t banks_per_group() const { return banks_per_group_; }
  /// Banks per rank: groups_per_rank() * banks_per_group().
  uint32_t banks_per_rank() const { return banks_per_rank_; }
  /// Banks in the channel (all ranks).
  uint32_t banks() const { return banks_; }
  /// Flat bank index of a location (its rank, bank_group and bank; flat_bank is not read).
  uint32_t flat_bank(const DramLocation& l) const {
    return (l.rank * groups_per_rank_ + l.bank_group) * banks_per_group_ + l.bank;
  }
  /// The location of flat bank b (row and column 0): where its ACT/PRE/REF(PB) go.
  const DramLocation& location(uint32_t b) const { return loc_[b]; }
  /// The row open in bank b, or kClosed.
  uint32_t open_row(uint32_t b) const { return open_row_[b]; }
  /// Opens `row` in bank b (ACT), or precharges it (kClosed: PRE, RDA/WRA), at cycle t (tCK).
  void set_open_row(uint32_t b, uint32_t row, uint64_t t) {
    const bool was_open = open_row_[b] != kClosed, is_open = row != kClosed;
    open_row_[b] = row;
    if (was_open != is_open) rank_open_[loc_[b].rank].change(is_open, t);
  }
  /// Cycles in [c0, c1) during which rank r had at least one bank open; a rank open now counts
  /// as open up to c1.
  uint64_t open_cycles(uint32_t r, uint64_t c0, uint64_t c1) const { return rank_open_[r].cycles(c0, c1); }

 private:
  uint32_t ranks_, groups_per_rank_, banks_per_group_, banks_per_rank_, banks_;
  /// One rank's bank-open time: its closed intervals [from, to) of cycles with a bank open, in
  /// order, and the interval it is in.
  struct RankOpenTime {
    uint32_t open_banks = 0;
    uint64_t since = 0;                                    // first cycle of the current interval
    std::vector<std::pair<uint64_t, uint64_t>> intervals;  // closed ones, in order, disjoint
    void change(bool opened, uint64_t t) {
      if (opened) {
        if (open_banks++ == 0) since = !intervals.empty() ? std::max(t, intervals.back().second) : t;
        return;
      }
      if (--open_banks != 0) return;
      t = std::max(t, since);
      if (!intervals.empty() && intervals.back().second == since) intervals.back().second = t;
      else if (t > since) intervals.emplace_back(since, t);
    }
    uint64_t cycles(uint64_t c0, uint64_t c1) const {
      const auto overlap = [c0, c1](uint64_t a, uint64_t b) {
        return std::min(b, c1) > std::max(a, c0) ? std::min(b, c1) - std::max(a, c0) : 0;
      };
      uint64_t n = open_banks ? overlap(since, UINT64_MAX) : 0;
      auto it = std::upper_bound(intervals.begin(), intervals.end(), c0,
                                 [](uint64_t c, const std::pair<uint64_t, uint64_t>& iv) { return c < iv.second; });
      for (; it != intervals.end() && it->first < c1; ++it) n += overlap(it->first, it->second);
      return n;
    }
  };
  std::vector<uint32_t> open_row_;
  std::vector<DramLocation> loc_;
  std::vector<RankOpenTime> rank_open_;
};

}  // namespace tpu
