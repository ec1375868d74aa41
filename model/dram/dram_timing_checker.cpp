#include "dram/dram_timing_checker.h"

#include <algorithm>

namespace tpu {

const char* command_name(DramCommand c) {
  static const char* const kNames[kDramCommands] = {"ACT", "PRE", "RD", "WR", "RDA", "WRA", "REF", "REFPB"};
  return kNames[int(c)];
}

void DramTimingChecker::add_rule(Class prev, Class next, Scope scope, int64_t delay) {
  for (Rule& r : rules_[prev])
    if (r.next == next && r.scope == scope) {
      r.delay = std::max(r.delay, delay);
      return;
    }
  rules_[prev].push_back(Rule{next, scope, delay});
}

DramTimingChecker::DramTimingChecker(const DramConfig& cfg)
    : ranks_(std::max(1u, cfg.ranks)), groups_per_rank_(std::max(1u, cfg.bank_groups)),
      banks_per_group_(std::max(1u, cfg.banks_per_group)), cl_(cfg.timing.CL), cwl_(cfg.timing.CWL),
      half_burst_(std::max(1u, cfg.burst_length / 2)), trtrs_(cfg.timing.tRTRS), tfaw_(cfg.timing.tFAW) {
  const DramTiming& t = cfg.timing;
  // DDR3 has one bank group: every bank of a rank shares the same-group (_L) constraints.
  const bool groups = cfg.standard == DramStandard::HBM2;
  const size_t banks = size_t(ranks_) * groups_per_rank_ * banks_per_group_;
  bound_bank_.assign(banks * kClasses, kNever);
  bound_group_.assign(size_t(ranks_) * groups_per_rank_ * kClasses, kNever);
  bound_rank_.assign(size_t(ranks_) * kClasses, kNever);
  bound_channel_.fill(kNever);
  faw_.assign(ranks_, {kNever, kNever, kNever, kNever});
  faw_next_.assign(ranks_, 0);

  // Adds a _S/_L pair: same bank group _L, rest of the rank _S (DDR3: the rank is one group).
  const auto pair = [&](Class prev, Class next, int64_t s, int64_t l) {
    if (groups) {
      add_rule(prev, next, kGroup, l);
      add_rule(prev, next, kRank, s);
    } else {
      add_rule(prev, next, kRank, l);
    }
  };
  const int64_t hb = half_burst_;
  add_rule(kAct, kAct, kBank, t.tRC);
  pair(kAct, kAct, t.tRRD_S, t.tRRD_L);
  add_rule(kAct, kRd, kBank, t.tRCD);
  add_rule(kAct, kWr, kBank, t.tRCD);
  add_rule(kAct, kPre, kBank, t.tRAS);
  add_rule(kPre, kAct, kBank, t.tRP);
  add_rule(kRd, kPre, kBank, t.tRTP);
  add_rule(kWr, kPre, kBank, int64_t(t.CWL) + hb + t.tWR);
  for (Class c : {kRd, kWr}) pair(c, c, std::max<int64_t>(t.tCCD_S, hb), std::max<int64_t>(t.tCCD_L, hb));
  add_rule(kRd, kWr, kChannel, int64_t(t.CL) + hb + t.tRTRS - int64_t(t.CWL));
  pair(kWr, kRd, int64_t(t.CWL) + hb + t.tWTR_S, int64_t(t.CWL) + hb + t.tWTR_L);
  for (Class a : {kRd, kWr})
    for (Class b : {kRd, kWr}) add_rule(a, b, kOtherRank, hb + t.tRTRS);
  add_rule(kPre, kRef, kRank, t.tRP);
  add_rule(kPre, kRefPb, kBank, t.tRP);
  for (int c = 0; c < kClasses; ++c) add_rule(kRef, Class(c), kRank, t.tRFC);
  if (t.tRFCpb > 0) {
    add_rule(kRefPb, kAct, kBank, t.tRFCpb);
    add_rule(kRefPb, kRefPb, kBank, t.tRFCpb);
    add_rule(kRefPb, kRef, kRank, t.tRFCpb);
  }
  for (int prev = 0; prev < kClasses; ++prev)
    for (const Rule& r : rules_[prev]) scoped_rules_[prev][r.scope].push_back(r);
}

}  // namespace tpu
