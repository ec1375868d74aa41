// The parts a DRAM channel is composed of, each alone: refresh due times and planning against the
// tREFI / tREFIpb formulas, write-drain hysteresis at the watermarks, the FR-FCFS rule (a hit over
// an older miss, the max_row_hits bound, the order of candidates), the page policy and the bank
// numbering. Expected values are derived here from the configuration.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "common/dram_test_config.h"
#include "dram/dram_bank_state.h"
#include "dram/dram_page_policy.h"
#include "dram/dram_refresh.h"
#include "dram/dram_scheduler.h"
#include "dram/dram_timing_checker.h"
#include "dram/dram_write_drain.h"

namespace tpu {
namespace {

// The DDR3-1600K channel of tests/common/dram_test_config.h with `ranks` ranks.
DramConfig ddr3(uint32_t ranks) {
  DramConfig c = test::ddr3();
  c.ranks = ranks;
  return c;
}

// HBM2-like: one rank of 4 groups x 4 banks, per-bank refresh every tREFIpb.
DramConfig hbm2_per_bank() {
  DramConfig c = ddr3(1);
  c.standard = DramStandard::HBM2;
  c.bank_groups = 4;
  c.banks_per_group = 4;
  c.burst_length = 4;
  c.timing.tRFC = 260;
  c.timing.tREFI = 3900;
  c.timing.tRFCpb = 160;
  c.timing.tREFIpb = 487;
  c.refresh = RefreshPolicy::PerBank;
  return c;
}

// What DramRefresh::plan() offered and blocked.
struct Offered {
  uint64_t t;
  DramCommand cmd;
  uint32_t bank;
};
struct RefreshPlan {
  std::vector<Offered> offers;
  std::vector<std::pair<uint32_t, bool>> blocked;  // (bank, forced)
  uint64_t next_due = 0;
};
RefreshPlan plan(DramRefresh& r, uint64_t cur, const DramBankState& banks, const DramTimingChecker& k,
                 const std::vector<uint32_t>& queued_bank, const std::vector<uint32_t>& queued_rank) {
  RefreshPlan p;
  p.next_due = r.plan(
      cur, banks, k, queued_bank, queued_rank,
      [&](uint32_t b, bool forced) {
        p.blocked.push_back({b, forced});
      },
      [&](uint64_t t, DramCommand cmd, uint32_t b) {
        p.offers.push_back({t, cmd, b});
      });
  return p;
}

// ---------------------------------------------------------------------------------------------
// DramRefresh
// ---------------------------------------------------------------------------------------------

TEST(DramRefresh, PolicyChosenFromTheConfiguration) {
  EXPECT_EQ(DramRefresh(ddr3(1), DramBankState(ddr3(1))).mode(), DramRefresh::kAllBank);
  EXPECT_EQ(DramRefresh(ddr3(1), DramBankState(ddr3(1))).interval(), 6240u);
  const DramConfig h = hbm2_per_bank();
  EXPECT_EQ(DramRefresh(h, DramBankState(h)).mode(), DramRefresh::kPerBank);
  EXPECT_EQ(DramRefresh(h, DramBankState(h)).interval(), 487u);
  DramConfig no_pb = h;  // per_bank without tRFCpb falls back to all-bank
  no_pb.timing.tRFCpb = 0;
  EXPECT_EQ(DramRefresh(no_pb, DramBankState(no_pb)).mode(), DramRefresh::kAllBank);
  DramConfig none = ddr3(1);
  none.timing.tREFI = 0;
  EXPECT_EQ(DramRefresh(none, DramBankState(none)).mode(), DramRefresh::kNone);
  EXPECT_EQ(DramRefresh(none, DramBankState(none)).next_due(), UINT64_MAX);
}

TEST(DramRefresh, AllBankDuesFollowTREFIStaggeredByRank) {
  const DramConfig c = ddr3(2);
  const DramBankState banks(c);
  DramRefresh r(c, banks);
  const uint64_t refi = c.timing.tREFI;
  // Rank q's n-th refresh (n >= 1) falls due at n * tREFI - q * tREFI / ranks.
  const auto due = [&](uint32_t q, uint64_t n) { return n * refi - q * refi / 2; };
  EXPECT_EQ(r.next_due(), due(1, 1));
  for (uint64_t cur : {uint64_t(0), due(1, 1) - 1, due(1, 1), due(0, 1) - 1, due(0, 1), due(1, 3), due(0, 5) + 7}) {
    r.count_dues(cur);
    for (uint32_t q = 0; q < 2; ++q) {
      uint64_t expect = 0;
      while (due(q, expect + 1) <= cur) ++expect;
      EXPECT_EQ(r.owed_by_rank(q), expect) << "rank " << q << " at cycle " << cur;
    }
    uint64_t next = UINT64_MAX;
    for (uint32_t q = 0; q < 2; ++q)
      for (uint64_t n = 1;; ++n)
        if (due(q, n) > cur) {
          next = std::min(next, due(q, n));
          break;
        }
    EXPECT_EQ(r.next_due(), next) << "at cycle " << cur;
  }
}

TEST(DramRefresh, PerBankDuesFollowTREFIpbRoundRobin) {
  const DramConfig c = hbm2_per_bank();
  const DramBankState banks(c);
  DramRefresh r(c, banks);
  const uint64_t refipb = c.timing.tREFIpb;
  const uint32_t per_rank = c.bank_groups * c.banks_per_group;
  // The k-th REFPB (k >= 1) falls due at k * tREFIpb and goes to bank (k - 1) mod 16.
  for (uint64_t k : {uint64_t(1), uint64_t(5), uint64_t(16), uint64_t(21)}) {
    r.count_dues(k * refipb);
    EXPECT_EQ(r.owed_by_rank(0), k);
    for (uint32_t b = 0; b < per_rank; ++b)
      EXPECT_EQ(r.owed_by_bank(b), k / per_rank + (b < k % per_rank ? 1 : 0)) << "bank " << b << " after " << k;
    EXPECT_EQ(r.next_due(), (k + 1) * refipb);
  }
}

TEST(DramRefresh, AllBankPrechargesOpenBanksThenRefreshesPostponesUnderLoadForcedAtEight) {
  const DramConfig c = ddr3(1);
  DramBankState banks(c);
  const DramTimingChecker k(c);
  DramRefresh r(c, banks);
  std::vector<uint32_t> queued_bank(8, 0), queued_rank(1, 0);
  const uint64_t refi = c.timing.tREFI;

  // Nothing owed: nothing offered or blocked, the next due returned.
  RefreshPlan p = plan(r, refi - 1, banks, k, queued_bank, queued_rank);
  EXPECT_TRUE(p.offers.empty());
  EXPECT_TRUE(p.blocked.empty());
  EXPECT_EQ(p.next_due, refi);

  // One owed, bank 3 open: every bank blocked (not forced), PRE to bank 3 offered.
  banks.set_open_row(3, 42);
  p = plan(r, refi, banks, k, queued_bank, queued_rank);
  ASSERT_EQ(p.blocked.size(), 8u);
  for (const auto& [b, forced] : p.blocked) EXPECT_FALSE(forced);
  ASSERT_EQ(p.offers.size(), 1u);
  EXPECT_EQ(p.offers[0].cmd, DramCommand::PRE);
  EXPECT_EQ(p.offers[0].bank, 3u);
  EXPECT_EQ(p.offers[0].t, refi);
  EXPECT_EQ(p.next_due, 2 * refi);

  // All closed: REF to the rank's first bank.
  banks.set_open_row(3, DramBankState::kClosed);
  p = plan(r, refi, banks, k, queued_bank, queued_rank);
  ASSERT_EQ(p.offers.size(), 1u);
  EXPECT_EQ(p.offers[0].cmd, DramCommand::REF);
  EXPECT_EQ(p.offers[0].bank, 0u);

  // Requests queued for the rank, fewer than 8 owed, not begun: postponed (quiet).
  queued_bank[5] = queued_rank[0] = 1;
  r.wake();
  p = plan(r, 7 * refi, banks, k, queued_bank, queued_rank);
  EXPECT_TRUE(p.offers.empty());
  EXPECT_TRUE(p.blocked.empty());
  EXPECT_TRUE(r.quiet(queued_rank));
  EXPECT_EQ(r.owed_by_rank(0), 7u);

  // The eighth owed one is forced: blocked with no command at all for the banks, REF offered.
  p = plan(r, 8 * refi, banks, k, queued_bank, queued_rank);
  EXPECT_EQ(r.max_owed(), 8u);
  ASSERT_EQ(p.blocked.size(), 8u);
  for (const auto& [b, forced] : p.blocked) EXPECT_TRUE(forced);
  ASSERT_EQ(p.offers.size(), 1u);
  EXPECT_EQ(p.offers[0].cmd, DramCommand::REF);
  EXPECT_FALSE(r.quiet(queued_rank));

  // A REF pays one.
  r.issued(DramCommand::REF, 0, 0);
  EXPECT_EQ(r.owed_by_rank(0), 7u);
}

TEST(DramRefresh, PerBankBlocksOnlyTheOwingBank) {
  const DramConfig c = hbm2_per_bank();
  DramBankState banks(c);
  const DramTimingChecker k(c);
  DramRefresh r(c, banks);
  std::vector<uint32_t> queued_bank(16, 0), queued_rank(1, 0);
  const uint64_t refipb = c.timing.tREFIpb;
  // Two due: banks 0 and 1 owe one each; bank 1 open, bank 0 closed.
  banks.set_open_row(1, 7);
  RefreshPlan p = plan(r, 2 * refipb, banks, k, queued_bank, queued_rank);
  ASSERT_EQ(p.blocked.size(), 2u);
  EXPECT_EQ(p.blocked[0].first, 0u);
  EXPECT_EQ(p.blocked[1].first, 1u);
  ASSERT_EQ(p.offers.size(), 2u);
  EXPECT_EQ(p.offers[0].cmd, DramCommand::REFPB);
  EXPECT_EQ(p.offers[0].bank, 0u);
  EXPECT_EQ(p.offers[1].cmd, DramCommand::PRE);
  EXPECT_EQ(p.offers[1].bank, 1u);
  // A request queued to bank 1 postpones its refresh, until that refresh has begun (its PRE).
  queued_bank[1] = queued_rank[0] = 1;
  r.wake();
  p = plan(r, 2 * refipb, banks, k, queued_bank, queued_rank);
  ASSERT_EQ(p.blocked.size(), 1u);
  EXPECT_EQ(p.blocked[0].first, 0u);
  r.issued(DramCommand::PRE, 0, 1);
  EXPECT_TRUE(r.begun(0, 1));
  EXPECT_FALSE(r.begun(0, 0));
  banks.set_open_row(1, DramBankState::kClosed);
  p = plan(r, 2 * refipb, banks, k, queued_bank, queued_rank);
  ASSERT_EQ(p.blocked.size(), 2u);
  r.issued(DramCommand::REFPB, 0, 1);
  EXPECT_EQ(r.owed_by_bank(1), 0u);
  EXPECT_EQ(r.owed_by_bank(0), 1u);
  EXPECT_FALSE(r.begun(0, 1));
}

// ---------------------------------------------------------------------------------------------
// DramWriteDrain
// ---------------------------------------------------------------------------------------------

TEST(DramWriteDrain, HysteresisBetweenTheWatermarks) {
  DramConfig c = ddr3(1);
  c.write_high_watermark = 8;
  c.write_low_watermark = 4;
  DramWriteDrain d(c);
  EXPECT_FALSE(d.draining());
  // Serving reads (reads waiting): starts at the high watermark, not below.
  EXPECT_FALSE(d.next_mode(5, 7));
  EXPECT_TRUE(d.next_mode(5, 8));
  // No reads: any queued write starts a drain; nothing queued stays on reads.
  EXPECT_TRUE(d.next_mode(0, 1));
  EXPECT_FALSE(d.next_mode(0, 0));
  // The mode only changes when committed.
  EXPECT_FALSE(d.draining());
  d.commit(true);
  // Draining: goes on above the low watermark, stops at it while reads wait...
  EXPECT_TRUE(d.next_mode(5, 5));
  EXPECT_FALSE(d.next_mode(5, 4));
  // ...but not when no read waits, until no write is left.
  EXPECT_TRUE(d.next_mode(0, 1));
  EXPECT_FALSE(d.next_mode(0, 0));
}

TEST(DramWriteDrain, LowWatermarkClampedBelowHigh) {
  DramConfig c = ddr3(1);
  c.write_high_watermark = 4;
  c.write_low_watermark = 10;
  DramWriteDrain d(c);
  EXPECT_EQ(d.high(), 4u);
  EXPECT_EQ(d.low(), 3u);
  d.commit(true);
  EXPECT_TRUE(d.next_mode(1, 4));
  EXPECT_FALSE(d.next_mode(1, 3));
}

// ---------------------------------------------------------------------------------------------
// DramFrFcfs
// ---------------------------------------------------------------------------------------------

TEST(DramFrFcfs, BankRule) {
  const DramFrFcfs s(4);
  constexpr uint32_t kClosed = DramBankState::kClosed;
  EXPECT_EQ(s.bank_want(false, 3, 3, 0, false), DramFrFcfs::kWantNothing);
  // Precharged bank: ACT for the oldest.
  EXPECT_EQ(s.bank_want(true, kClosed, 3, 0, false), DramFrFcfs::kWantAct);
  // Open row with a younger hit queued: the hit goes before the older conflicting request...
  EXPECT_EQ(s.bank_want(true, 1, 3, 0, true), DramFrFcfs::kWantColumn);
  EXPECT_EQ(s.bank_want(true, 1, 3, 3, true), DramFrFcfs::kWantColumn);
  // ...until max_row_hits (4) hits have bypassed it: then PRE.
  EXPECT_EQ(s.bank_want(true, 1, 3, 4, true), DramFrFcfs::kWantPre);
  // The oldest itself a hit: the bound does not apply.
  EXPECT_EQ(s.bank_want(true, 1, 1, 9, true), DramFrFcfs::kWantColumn);
  // No hit queued: PRE.
  EXPECT_EQ(s.bank_want(true, 1, 3, 0, false), DramFrFcfs::kWantPre);
  EXPECT_TRUE(DramFrFcfs::bypasses(1, 3));
  EXPECT_FALSE(DramFrFcfs::bypasses(1, 1));
}

TEST(DramFrFcfs, OrderOfCandidates) {
  using S = DramFrFcfs;
  // Earlier first, whatever the priority or age.
  EXPECT_TRUE(S::goes_before(10, S::kOther, 9, 9, 11, S::kRefresh, 0, 0));
  // Same cycle: a refresh, then a hit's column command before an older miss's ACT.
  EXPECT_TRUE(S::goes_before(10, S::kRefresh, 9, 9, 10, S::kHit, 0, 0));
  EXPECT_TRUE(S::goes_before(10, S::kHit, 9, 9, 10, S::kOther, 0, 0));
  EXPECT_FALSE(S::goes_before(10, S::kOther, 0, 0, 10, S::kHit, 9, 9));
  // Same cycle and priority: the older (arrival, then enqueue number).
  EXPECT_TRUE(S::goes_before(10, S::kHit, 3, 9, 10, S::kHit, 4, 0));
  EXPECT_TRUE(S::goes_before(10, S::kHit, 3, 1, 10, S::kHit, 3, 2));
  EXPECT_FALSE(S::goes_before(10, S::kHit, 3, 2, 10, S::kHit, 3, 2));  // strict
}

// ---------------------------------------------------------------------------------------------
// DramPagePolicy, DramBankState
// ---------------------------------------------------------------------------------------------

TEST(DramPagePolicy, OpenNeverClosesClosedUnlessAnotherHitWaits) {
  int asked = 0;
  const auto other_hit = [&](bool v) {
    return [&asked, v] {
      ++asked;
      return v;
    };
  };
  const DramPagePolicy open(PagePolicy::Open), closed(PagePolicy::Closed);
  EXPECT_FALSE(open.closed());
  EXPECT_FALSE(open.auto_precharge(other_hit(false)));
  EXPECT_EQ(asked, 0);  // the open policy does not scan the queues
  EXPECT_TRUE(closed.closed());
  EXPECT_TRUE(closed.auto_precharge(other_hit(false)));
  EXPECT_FALSE(closed.auto_precharge(other_hit(true)));
  EXPECT_EQ(asked, 2);
}

TEST(DramBankState, FlatNumberingAndOpenRows) {
  DramConfig c = hbm2_per_bank();
  c.ranks = 2;
  DramBankState s(c);
  EXPECT_EQ(s.banks(), 32u);
  EXPECT_EQ(s.banks_per_rank(), 16u);
  for (uint32_t b = 0; b < s.banks(); ++b) {
    const DramLocation& l = s.location(b);
    EXPECT_EQ(l.flat_bank, b);
    EXPECT_EQ(l.rank, b / 16);
    EXPECT_EQ(l.bank_group, (b % 16) / 4);
    EXPECT_EQ(l.bank, b % 4);
    EXPECT_EQ(s.flat_bank(l), b);
    EXPECT_EQ(s.open_row(b), DramBankState::kClosed);
  }
  s.set_open_row(17, 5);
  EXPECT_EQ(s.open_row(17), 5u);
  EXPECT_EQ(s.open_row(16), DramBankState::kClosed);
}

}  // namespace
}  // namespace tpu
