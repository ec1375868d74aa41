// Bank state of a DRAM channel: its geometry and the row open in each bank.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "config/config.h"
#include "dram/dram_address.h"

namespace tpu {

/// The banks of one channel, numbered flat: (rank, bank group, bank) in that order of
/// significance, and the row each holds open (kClosed when precharged). It records state only;
/// when a bank may change state is the timing checker's (DramTimingChecker), which row the
/// scheduler's. All banks start precharged.
class DramBankState {
 public:
  /// open_row() of a precharged bank.
  static constexpr uint32_t kClosed = UINT32_MAX;

  /// The geometry of `cfg` (ranks, bank_groups, banks_per_group), every bank precharged.
  explicit DramBankState(const DramConfig& cfg)
      : ranks_(std::max(1u, cfg.ranks)), groups_per_rank_(std::max(1u, cfg.bank_groups)),
        banks_per_group_(std::max(1u, cfg.banks_per_group)), banks_per_rank_(groups_per_rank_ * banks_per_group_),
        banks_(ranks_ * banks_per_rank_), open_row_(banks_, kClosed), loc_(banks_) {
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
  /// Opens `row` in bank b (ACT), or precharges it (kClosed: PRE, RDA/WRA).
  void set_open_row(uint32_t b, uint32_t row) { open_row_[b] = row; }

 private:
  uint32_t ranks_, groups_per_rank_, banks_per_group_, banks_per_rank_, banks_;
  std::vector<uint32_t> open_row_;
  std::vector<DramLocation> loc_;
};

}  // namespace tpu
