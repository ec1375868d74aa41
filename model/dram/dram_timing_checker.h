// The JEDEC timing checker of one DRAM channel: a table of (previous command, next command,
// scope, minimum distance) built once from DramTiming, and the earliest-issue bounds it keeps.
// It knows timing only; bank state (which row is open) is DramBankState's, policy the scheduler's.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "config/config.h"
#include "dram/dram_command.h"

namespace tpu {

/// Earliest-issue bookkeeping for every JEDEC constraint, table-driven per standard. A
/// constraint is (previous command, next command, scope, minimum distance in tCK), where the
/// scope is: same bank, same bank group, same rank, different rank, or the whole channel
/// (shared command and data buses). The tables for DDR3 and HBM2 are built from DramTiming:
///   ACT->ACT  same bank tRC; same bank group tRRD_L; same rank tRRD_S; four-ACT window tFAW
///   ACT->RD/WR same bank tRCD;  ACT->PRE same bank tRAS
///   PRE->ACT same bank tRP;     RD->PRE same bank tRTP;  WR->PRE same bank CWL + BL/2 + tWR
///   RD->RD / WR->WR  same bank group tCCD_L, otherwise tCCD_S, never below BL/2 (data bus)
///   RD->WR  CL + BL/2 + tRTRS - CWL (bus turnaround);  WR->RD same bank group CWL + BL/2 +
///           tWTR_L, otherwise + tWTR_S;  between ranks a column command waits BL/2 + tRTRS
///   REF     needs every bank of the rank precharged (tRP after the last PRE); REF->any of the
///           rank tRFC;  REFPB->ACT same bank tRFCpb
///   RDA/WRA count as RD/WR, then as PRE at the earliest legal precharge time
///   one command per cycle on the command bus
class DramTimingChecker {
 public:
  /// The constraint table of cfg.standard from cfg.timing; nothing issued yet.
  explicit DramTimingChecker(const DramConfig& cfg);
  /// Earliest cycle >= `now` at which `cmd` to `loc` meets every constraint (it does not check
  /// bank state, e.g. that a row is open: that is the controller's job).
  uint64_t earliest(DramCommand cmd, const DramLocation& loc, uint64_t now) const;
  /// Records `cmd` issued at `cycle` (cycle >= earliest(cmd, loc, cycle) is the caller's duty).
  void issue(DramCommand cmd, const DramLocation& loc, uint64_t cycle);

  // The planner's view: what earliest() computes, in parts a scheduler can share across the banks
  // it compares in one decision (DramChannel::offer_heads). earliest(cmd, loc, now) is
  //   max(rank floor, group bound, bank bound), plus one if that is last_command().
  /// Timing classes: RDA/WRA time as RD/WR (their precharge is recorded as a PRE).
  enum Class : uint8_t { kAct, kPre, kRd, kWr, kRef, kRefPb, kClasses };
  /// The timing class of a command.
  static Class class_of(DramCommand c);
  /// "Never": the bound of a constraint nothing has triggered yet.
  static constexpr int64_t kNever = INT64_MIN / 4;
  /// max(a, b) without a branch, for bounds (cycles or kNever: |a - b| < 2^63). Which is larger
  /// is data-dependent, and a compiler may branch on std::max of a memory operand.
  static int64_t max_select(int64_t a, int64_t b) {
    const int64_t d = b - a;
    return a + (d & -int64_t(d > 0));
  }
  /// Earliest cycle >= now meeting the table, tFAW and the data bus (not the command bus).
  int64_t earliest_class(Class c, uint32_t rank, uint32_t group, uint32_t bank, int64_t now) const {
    return std::max(rank_floor(c, rank, now),
                    std::max(bound_bank_[size_t(bank) * kClasses + c], bound_group_[size_t(group) * kClasses + c]));
  }
  /// The part of earliest_class() common to a rank: rank and channel bounds, tFAW, data bus.
  int64_t rank_floor(Class c, uint32_t rank, int64_t now) const;
  /// rank_floor() of kAct, kPre and `column` (kRd or kWr) at once, into floor[class]. Spelled out
  /// rather than three rank_floor() calls: those compile to branches here and cost 22% more
  /// cycles in dram-bench (same instruction count, measured with perf stat).
  void rank_floors(uint32_t rank, int64_t now, Class column, int64_t* floor) const {
    const int64_t* rank_bound = bound_rank_.data() + size_t(rank) * kClasses;
    const int64_t faw = faw_[rank][faw_next_[rank]] + tfaw_;
    floor[kAct] = std::max(std::max(std::max(now, rank_bound[kAct]), bound_channel_[kAct]), faw);
    floor[kPre] = std::max(std::max(now, rank_bound[kPre]), bound_channel_[kPre]);
    int64_t col = std::max(std::max(now, rank_bound[column]), bound_channel_[column]);
    if (bus_end_ != kNever) {
      const bool write = column == kWr;
      const int64_t gap = (write != bus_write_ || rank != bus_rank_) ? trtrs_ : 0;
      col = std::max(col, bus_end_ + gap - (write ? cwl_ : cl_));
    }
    floor[column] = col;
  }
  /// The bounds of flat bank `bank` (rank, group, bank in that order of significance), by class:
  /// the earliest cycle the commands issued so far allow each class there.
  const int64_t* bank_bounds(uint32_t bank) const { return bound_bank_.data() + size_t(bank) * kClasses; }
  /// The bounds of flat bank group `group` (rank * bank groups + group), by class.
  const int64_t* group_bounds(uint32_t group) const { return bound_group_.data() + size_t(group) * kClasses; }
  /// The cycle of the last command issued (kNever if none): no command may share it.
  int64_t last_command() const { return last_command_; }

 private:
  /// Where a constraint applies, relative to the previous command's location.
  enum Scope : uint8_t { kBank, kGroup, kRank, kOtherRank, kChannel, kScopes };
  /// One row of the constraint table, filed under its previous command's class.
  struct Rule {
    Class next;
    Scope scope;
    int64_t delay;
  };
  /// Adds (prev -> next, scope, delay), keeping the larger delay of duplicate rows.
  void add_rule(Class prev, Class next, Scope scope, int64_t delay);
  /// Applies the table rows of class `c` issued at `cycle`: raises the bounds of the scopes it reaches.
  void record(Class c, uint32_t rank, uint32_t group, uint32_t bank, int64_t cycle);

  uint32_t ranks_, groups_per_rank_, banks_per_group_;
  int64_t cl_, cwl_, half_burst_, trtrs_, tfaw_;
  std::array<std::vector<Rule>, kClasses> rules_;                              // by previous class
  std::array<std::array<std::vector<Rule>, kScopes>, kClasses> scoped_rules_;  // rules_ by scope too
  // Earliest cycle each next class may issue, as far as the commands issued so far constrain it,
  // per scope instance: [instance * kClasses + next class]. A rank's bound includes the
  // constraints from other ranks.
  std::vector<int64_t> bound_bank_, bound_group_, bound_rank_;
  std::array<int64_t, kClasses> bound_channel_;
  std::vector<std::array<int64_t, 4>> faw_;  // last four ACTs per rank (ring)
  std::vector<uint8_t> faw_next_;            // ring slot holding the oldest ACT
  int64_t bus_end_ = kNever;                 // cycle after the last data burst
  bool bus_write_ = false;                   // direction of the last burst
  uint32_t bus_rank_ = 0;                    // rank of the last burst
  int64_t last_command_ = kNever;            // cycle of the last command-bus slot used
};

// Inline: the channel calls these for every decision and command (a call across translation
// units cost dram-bench over 10% of its speed).

inline DramTimingChecker::Class DramTimingChecker::class_of(DramCommand c) {
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

inline int64_t DramTimingChecker::rank_floor(Class c, uint32_t rank, int64_t now) const {
  int64_t t = std::max(std::max(now, bound_rank_[size_t(rank) * kClasses + c]), bound_channel_[c]);
  if (c == kAct) t = std::max(t, faw_[rank][faw_next_[rank]] + tfaw_);
  if ((c == kRd || c == kWr) && bus_end_ != kNever) {
    const bool write = c == kWr;
    const int64_t gap = (write != bus_write_ || rank != bus_rank_) ? trtrs_ : 0;
    t = std::max(t, bus_end_ + gap - (write ? cwl_ : cl_));
  }
  return t;
}

inline uint64_t DramTimingChecker::earliest(DramCommand cmd, const DramLocation& loc, uint64_t now) const {
  const uint32_t group = loc.rank * groups_per_rank_ + loc.bank_group;
  const uint32_t bank = group * banks_per_group_ + loc.bank;
  int64_t t = earliest_class(class_of(cmd), loc.rank, group, bank, int64_t(now));
  if (t == last_command_) ++t;  // one command per cycle on the command bus
  return uint64_t(t);
}

inline void DramTimingChecker::record(Class c, uint32_t rank, uint32_t group, uint32_t bank, int64_t cycle) {
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

inline void DramTimingChecker::issue(DramCommand cmd, const DramLocation& loc, uint64_t cycle) {
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
