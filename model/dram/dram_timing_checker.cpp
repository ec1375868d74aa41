#include "dram/dram_timing_checker.h"

#include <algorithm>

namespace tpu {

const char* command_name(DramCommand c) {
  static const char* const kNames[kDramCommands] = {"ACT", "PRE", "RD", "WR", "RDA", "WRA", "REF", "REFPB"};
  return kNames[int(c)];
}

DramTimingChecker::Class DramTimingChecker::class_of(DramCommand c) {
  switch (c) {
    case DramCommand::ACT: return kAct;
    case DramCommand::PRE: return kPre;
    case DramCommand::RD:
    case DramCommand::RDA: return kRd;
    case DramCommand::WR:
    case DramCommand::WRA: return kWr;
    case DramCommand::REF: return kRef;
    case DramCommand::REFPB: return kRefPb;
  }
  return kAct;
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
    : ranks_(std::max(1u, cfg.ranks)),
      groups_per_rank_(std::max(1u, cfg.bank_groups)),
      banks_per_group_(std::max(1u, cfg.banks_per_group)),
      cl_(cfg.timing.CL),
      cwl_(cfg.timing.CWL),
      half_burst_(std::max(1u, cfg.burst_length / 2)),
      trtrs_(cfg.timing.tRTRS),
      tfaw_(cfg.timing.tFAW) {
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

int64_t DramTimingChecker::rank_floor(Class c, uint32_t rank, int64_t now) const {
  int64_t t = std::max(std::max(now, bound_rank_[size_t(rank) * kClasses + c]), bound_channel_[c]);
  if (c == kAct) t = std::max(t, faw_[rank][faw_next_[rank]] + tfaw_);
  if ((c == kRd || c == kWr) && bus_end_ != kNever) {
    const bool write = c == kWr;
    const int64_t gap = (write != bus_write_ || rank != bus_rank_) ? trtrs_ : 0;
    t = std::max(t, bus_end_ + gap - (write ? cwl_ : cl_));
  }
  return t;
}

uint64_t DramTimingChecker::earliest(DramCommand cmd, const DramLocation& loc, uint64_t now) const {
  const uint32_t group = loc.rank * groups_per_rank_ + loc.bank_group;
  const uint32_t bank = group * banks_per_group_ + loc.bank;
  int64_t t = earliest_class(class_of(cmd), loc.rank, group, bank, int64_t(now));
  if (t == last_command_) ++t;  // one command per cycle on the command bus
  return uint64_t(t);
}

void DramTimingChecker::record(Class c, uint32_t rank, uint32_t group, uint32_t bank, int64_t cycle) {
  // Scope by scope (the table's rows sorted by scope: no branch on each row's scope).
  const auto raise = [cycle](int64_t* bound, const std::vector<Rule>& rules) {
    for (const Rule& r : rules) bound[r.next] = std::max(bound[r.next], cycle + r.delay);
  };
  const auto& rules = scoped_rules_[c];
  raise(&bound_bank_[size_t(bank) * kClasses], rules[kBank]);
  raise(&bound_group_[size_t(group) * kClasses], rules[kGroup]);
  raise(&bound_rank_[size_t(rank) * kClasses], rules[kRank]);
  raise(bound_channel_.data(), rules[kChannel]);
  if (!rules[kOtherRank].empty())
    for (uint32_t o = 0; o < ranks_; ++o)
      if (o != rank) raise(&bound_rank_[size_t(o) * kClasses], rules[kOtherRank]);
}

void DramTimingChecker::issue(DramCommand cmd, const DramLocation& loc, uint64_t cycle) {
  const uint32_t group = loc.rank * groups_per_rank_ + loc.bank_group;
  const uint32_t bank = group * banks_per_group_ + loc.bank;
  const int64_t t = int64_t(cycle);
  const Class c = class_of(cmd);
  record(c, loc.rank, group, bank, t);
  last_command_ = t;
  if (c == kAct) {
    uint8_t& slot = faw_next_[loc.rank];
    faw_[loc.rank][slot] = t;
    slot = uint8_t((slot + 1) & 3);
  } else if (c == kRd || c == kWr) {
    const bool write = c == kWr;
    bus_end_ = std::max(bus_end_, t + (write ? cwl_ : cl_) + half_burst_);
    bus_write_ = write;
    bus_rank_ = loc.rank;
  }
  if (cmd == DramCommand::RDA || cmd == DramCommand::WRA)  // auto-precharge at the earliest legal PRE
    record(kPre, loc.rank, group, bank, earliest_class(kPre, loc.rank, group, bank, t));
}

}  // namespace tpu
