#include "dram/dram_refresh.h"

namespace tpu {

DramRefresh::DramRefresh(const DramConfig& cfg, const DramBankState& banks)
    : ranks_(banks.ranks()), banks_per_rank_(banks.banks_per_rank()) {
  if (cfg.refresh == RefreshPolicy::PerBank && cfg.timing.tREFIpb > 0 && cfg.timing.tRFCpb > 0) {
    mode_ = kPerBank;
    refi_ = cfg.timing.tREFIpb;
  } else if (cfg.timing.tREFI > 0) {
    mode_ = kAllBank;
    refi_ = cfg.timing.tREFI;
  } else {
    mode_ = kNone;
    refi_ = 0;
  }
  refs_.assign(mode_ == kPerBank ? banks.banks() : ranks_, 0);
  refs_rank_.assign(ranks_, 0);
  refreshing_.assign(mode_ == kPerBank ? banks.banks() : ranks_, 0);
  dues_.assign(ranks_, 0);
  due_next_.resize(ranks_);
  // Ranks are staggered: rank r's first refresh falls due at refi - r * refi / ranks.
  for (uint32_t r = 0; r < ranks_; ++r) due_next_[r] = refi_ - r * refi_ / ranks_;
  due_min_ = *std::min_element(due_next_.begin(), due_next_.end());
  bank_dues_.assign(banks.banks(), 0);
}

void DramRefresh::count_dues_from(uint64_t cur) {
  for (uint32_t r = 0; r < ranks_; ++r)
    while (cur >= due_next_[r]) {
      // The k-th REFPB of a rank (k >= 1) goes to its bank (k - 1) mod banks_per_rank.
      if (mode_ == kPerBank) ++bank_dues_[r * banks_per_rank_ + dues_[r] % banks_per_rank_];
      ++dues_[r];
      ++dues_total_;
      due_next_[r] += refi_;
      idle_ = false;
    }
  due_min_ = *std::min_element(due_next_.begin(), due_next_.end());
}

bool DramRefresh::quiet(const std::vector<uint32_t>& queued_rank) const {
  if (mode_ == kNone || dues_total_ == refs_total_) return true;
  if (mode_ != kAllBank) return false;
  for (uint32_t r = 0; r < ranks_; ++r) {
    const uint64_t owed = owed_by_rank(r);
    if (owed > 0 && !rank_postponed(r, owed, queued_rank)) return false;
  }
  return true;
}

}  // namespace tpu
