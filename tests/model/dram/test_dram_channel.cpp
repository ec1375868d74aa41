// The JEDEC DRAM channel: the timing checker's constraint table (one test per constraint), the
// channel's latencies from idle, refresh, FR-FCFS, write drain, page policy, sequential
// throughput and determinism. Every expected cycle is computed here from the timing parameters.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <random>
#include <tuple>
#include <utility>
#include <vector>

#include "common/dram_test_config.h"
#include "common/test_util.h"
#include "dram/dram_address.h"
#include "dram/dram_channel.h"

namespace tpu {
namespace {

using test::ddr3;

// HBM2-like channel: 4 bank groups x 4 banks, BL4 on 128 bits.
DramConfig hbm2() {
  DramConfig c = ddr3();
  c.standard = DramStandard::HBM2;
  c.bank_groups = 4;
  c.banks_per_group = 4;
  c.rows = 16384;
  c.columns = 128;
  c.bus_width_bits = 128;
  c.burst_length = 4;
  c.data_rate_mts = 2000;
  DramTiming& t = c.timing;
  t.CL = 14;
  t.CWL = 4;
  t.tRCD = 14;
  t.tRP = 14;
  t.tRAS = 34;
  t.tRC = 48;
  t.tRRD_S = 4;
  t.tRRD_L = 6;
  t.tFAW = 30;
  t.tWR = 16;
  t.tWTR_S = 6;
  t.tWTR_L = 8;
  t.tRTP = 4;
  t.tCCD_S = 2;
  t.tCCD_L = 4;
  t.tRTRS = 1;
  t.tRFC = 260;
  t.tREFI = 3900;
  t.tRFCpb = 160;
  t.tREFIpb = 487;
  return c;
}

// A location with its flat bank index filled in.
DramLocation at(const DramConfig& c, uint32_t rank, uint32_t group, uint32_t bank, uint32_t row = 0,
                uint32_t column = 0) {
  DramLocation l;
  l.rank = rank;
  l.bank_group = group;
  l.bank = bank;
  l.row = row;
  l.column = column;
  l.flat_bank = (rank * c.bank_groups + group) * c.banks_per_group + bank;
  return l;
}

// A request to `loc`.
DramRequest request(uint64_t id, const DramLocation& loc, bool write = false, uint64_t arrival = 0) {
  DramRequest r;
  r.id = id;
  r.write = write;
  r.loc = loc;
  r.arrival = arrival;
  return r;
}

// Advances `ch` event by event until every queued request has completed; collects completions.
std::vector<DramRequest> drain(DramChannel& ch) {
  std::vector<DramRequest> done;
  for (int guard = 0; ch.pending() > 0 && guard < 1000000; ++guard) {
    const uint64_t t = ch.next_event();
    if (t == UINT64_MAX) break;
    ch.run_until(t, [&](const DramRequest& r) { done.push_back(r); });
  }
  EXPECT_EQ(ch.pending(), 0u);
  return done;
}

// Enqueues `r` at the channel's current cycle and runs until it completes.
DramRequest serve(DramChannel& ch, DramRequest r) {
  r.arrival = ch.now();
  ch.enqueue(r);
  const std::vector<DramRequest> done = drain(ch);
  EXPECT_EQ(done.size(), 1u);
  return done.empty() ? DramRequest{} : done.back();
}

// A command the channel issued: when, what and where.
struct Issued {
  uint64_t cycle;
  DramCommand cmd;
  DramLocation loc;
  std::pair<uint64_t, DramCommand> when_what() const { return {cycle, cmd}; }
};

// From now on, appends every command `ch` issues to `log` (which must outlive the runs).
void record(DramChannel& ch, std::vector<Issued>& log) {
  ch.observe_commands([&log](uint64_t t, DramCommand cmd, const DramLocation& l) { log.push_back({t, cmd, l}); });
}

// The commands of `log` of the given kinds, in order.
std::vector<Issued> only(const std::vector<Issued>& log, std::initializer_list<DramCommand> kinds) {
  std::vector<Issued> out;
  for (const Issued& i : log)
    if (std::find(kinds.begin(), kinds.end(), i.cmd) != kinds.end()) out.push_back(i);
  return out;
}

// The cycles of the `cmd` commands of `log`.
std::vector<uint64_t> cycles_of(const std::vector<Issued>& log, DramCommand cmd) {
  std::vector<uint64_t> out;
  for (const Issued& i : only(log, {cmd})) out.push_back(i.cycle);
  return out;
}

// ---------------------------------------------------------------------------------------------
// DramTimingChecker: one constraint per test.
// ---------------------------------------------------------------------------------------------

TEST(DramTimingChecker, ActToColumnWaitsTRCD) {
  const DramConfig c = ddr3();
  DramTimingChecker k(c);
  const DramLocation b0 = at(c, 0, 0, 0);
  k.issue(DramCommand::ACT, b0, 100);
  EXPECT_EQ(k.earliest(DramCommand::RD, b0, 100), 100u + c.timing.tRCD);
  EXPECT_EQ(k.earliest(DramCommand::WR, b0, 100), 100u + c.timing.tRCD);
  EXPECT_EQ(k.earliest(DramCommand::RD, b0, 200), 200u);  // already met
}

TEST(DramTimingChecker, PreToActWaitsTRP) {
  const DramConfig c = ddr3();
  DramTimingChecker k(c);
  const DramLocation b0 = at(c, 0, 0, 0);
  k.issue(DramCommand::ACT, b0, 0);
  k.issue(DramCommand::PRE, b0, 50);  // tRC (39) from the ACT is long met
  EXPECT_EQ(k.earliest(DramCommand::ACT, b0, 50), 50u + c.timing.tRP);
}

TEST(DramTimingChecker, ActToPreWaitsTRAS) {
  const DramConfig c = ddr3();
  DramTimingChecker k(c);
  const DramLocation b0 = at(c, 0, 0, 0);
  k.issue(DramCommand::ACT, b0, 100);
  EXPECT_EQ(k.earliest(DramCommand::PRE, b0, 100), 100u + c.timing.tRAS);
  EXPECT_EQ(k.earliest(DramCommand::PRE, at(c, 0, 0, 1), 100), 101u);  // other bank: only the command bus
}

TEST(DramTimingChecker, ActToActSameBankWaitsTRC) {
  DramConfig c = ddr3();
  c.timing.tRC = 45;  // above tRAS + tRP = 39, so tRC is the binding constraint
  DramTimingChecker k(c);
  const DramLocation b0 = at(c, 0, 0, 0);
  k.issue(DramCommand::ACT, b0, 100);
  k.issue(DramCommand::PRE, b0, 100 + c.timing.tRAS);
  // max(PRE + tRP = 139, ACT + tRC = 145)
  EXPECT_EQ(k.earliest(DramCommand::ACT, b0, 100 + c.timing.tRAS), 100u + c.timing.tRC);
}

TEST(DramTimingChecker, ActToActOtherBankWaitsTRRD) {
  const DramConfig c = ddr3();
  DramTimingChecker k(c);
  k.issue(DramCommand::ACT, at(c, 0, 0, 0), 100);
  EXPECT_EQ(k.earliest(DramCommand::ACT, at(c, 0, 0, 1), 100), 100u + c.timing.tRRD_L);
  EXPECT_EQ(k.earliest(DramCommand::ACT, at(c, 0, 0, 7), 100), 100u + c.timing.tRRD_L);
}

TEST(DramTimingChecker, Hbm2ActToActTRRDShortAcrossGroupsLongWithin) {
  const DramConfig c = hbm2();
  DramTimingChecker k(c);
  k.issue(DramCommand::ACT, at(c, 0, 0, 0), 100);
  EXPECT_EQ(k.earliest(DramCommand::ACT, at(c, 0, 0, 1), 100), 100u + c.timing.tRRD_L);  // same group
  EXPECT_EQ(k.earliest(DramCommand::ACT, at(c, 0, 1, 0), 100), 100u + c.timing.tRRD_S);  // other group
}

TEST(DramTimingChecker, FifthActWaitsTFAW) {
  const DramConfig c = ddr3();
  DramTimingChecker k(c);
  const uint32_t rrd = c.timing.tRRD_L;
  for (uint32_t b = 0; b < 4; ++b) {
    // The first four ACTs are only tRRD apart (4 * tRRD = 20 < tFAW = 24 leaves the window open).
    EXPECT_EQ(k.earliest(DramCommand::ACT, at(c, 0, 0, b), 100 + b * rrd), 100u + b * rrd);
    k.issue(DramCommand::ACT, at(c, 0, 0, b), 100 + b * rrd);
  }
  // The fifth: max(last ACT + tRRD = 120, first ACT + tFAW = 124).
  const uint64_t last = 100 + 3 * rrd;
  EXPECT_EQ(k.earliest(DramCommand::ACT, at(c, 0, 0, 4), last), std::max<uint64_t>(last + rrd, 100 + c.timing.tFAW));
  EXPECT_EQ(k.earliest(DramCommand::ACT, at(c, 0, 0, 4), last), 124u);
}

TEST(DramTimingChecker, WriteToPreWaitsWriteRecovery) {
  const DramConfig c = ddr3();
  const DramTiming& t = c.timing;
  DramTimingChecker k(c);
  const DramLocation b0 = at(c, 0, 0, 0);
  k.issue(DramCommand::ACT, b0, 0);
  k.issue(DramCommand::WR, b0, t.tRCD);
  // WR + CWL + BL/2 + tWR = 11 + 8 + 4 + 12 = 35 > tRAS = 28.
  const uint64_t want = t.tRCD + t.CWL + c.burst_length / 2 + t.tWR;
  ASSERT_GT(want, t.tRAS);
  EXPECT_EQ(k.earliest(DramCommand::PRE, b0, t.tRCD), want);
}

TEST(DramTimingChecker, ReadToPreWaitsTRTP) {
  const DramConfig c = ddr3();
  DramTimingChecker k(c);
  const DramLocation b0 = at(c, 0, 0, 0);
  k.issue(DramCommand::ACT, b0, 0);
  k.issue(DramCommand::RD, b0, 30);
  // max(ACT + tRAS = 28, RD + tRTP = 36)
  EXPECT_EQ(k.earliest(DramCommand::PRE, b0, 30), 30u + c.timing.tRTP);
}

TEST(DramTimingChecker, Ddr3WriteToReadWaitsTWTR) {
  const DramConfig c = ddr3();
  const DramTiming& t = c.timing;
  DramTimingChecker k(c);
  k.issue(DramCommand::ACT, at(c, 0, 0, 0), 0);
  k.issue(DramCommand::ACT, at(c, 0, 0, 1), 10);
  k.issue(DramCommand::WR, at(c, 0, 0, 0), 40);
  // WR + CWL + BL/2 + tWTR, also to another bank (one bank group).
  EXPECT_EQ(k.earliest(DramCommand::RD, at(c, 0, 0, 1), 40), 40u + t.CWL + c.burst_length / 2 + t.tWTR_L);
}

TEST(DramTimingChecker, Hbm2WriteToReadTWTRShortAcrossGroupsLongWithin) {
  const DramConfig c = hbm2();
  const DramTiming& t = c.timing;
  DramTimingChecker k(c);
  k.issue(DramCommand::ACT, at(c, 0, 0, 0), 0);
  k.issue(DramCommand::ACT, at(c, 0, 0, 1), 10);
  k.issue(DramCommand::ACT, at(c, 0, 1, 0), 20);
  k.issue(DramCommand::WR, at(c, 0, 0, 0), 40);
  const uint64_t end = 40 + t.CWL + c.burst_length / 2;                        // end of the write data
  EXPECT_EQ(k.earliest(DramCommand::RD, at(c, 0, 0, 1), 40), end + t.tWTR_L);  // 54
  EXPECT_EQ(k.earliest(DramCommand::RD, at(c, 0, 1, 0), 40), end + t.tWTR_S);  // 52
}

TEST(DramTimingChecker, Hbm2ColumnToColumnTCCDShortAcrossGroupsLongWithin) {
  const DramConfig c = hbm2();
  const DramTiming& t = c.timing;
  DramTimingChecker k(c);
  k.issue(DramCommand::ACT, at(c, 0, 0, 0), 0);
  k.issue(DramCommand::ACT, at(c, 0, 0, 1), 10);
  k.issue(DramCommand::ACT, at(c, 0, 1, 0), 20);
  k.issue(DramCommand::RD, at(c, 0, 0, 0), 40);
  const uint32_t hb = c.burst_length / 2;  // the data bus bounds tCCD from below
  EXPECT_EQ(k.earliest(DramCommand::RD, at(c, 0, 0, 1), 40), 40u + std::max(t.tCCD_L, hb));  // 44
  EXPECT_EQ(k.earliest(DramCommand::RD, at(c, 0, 1, 0), 40), 40u + std::max(t.tCCD_S, hb));  // 42
  EXPECT_EQ(k.earliest(DramCommand::RD, at(c, 0, 1, 0), 40), 42u);
}

TEST(DramTimingChecker, Ddr3ReadToReadWaitsTCCD) {
  const DramConfig c = ddr3();
  DramTimingChecker k(c);
  k.issue(DramCommand::ACT, at(c, 0, 0, 0), 0);
  k.issue(DramCommand::ACT, at(c, 0, 0, 1), 10);
  k.issue(DramCommand::RD, at(c, 0, 0, 0), 30);
  EXPECT_EQ(k.earliest(DramCommand::RD, at(c, 0, 0, 1), 30), 30u + c.timing.tCCD_L);
  EXPECT_EQ(k.earliest(DramCommand::WR, at(c, 0, 0, 0), 100), 100u);  // long after: nothing binds
}

TEST(DramTimingChecker, ReadToWriteTurnaround) {
  const DramConfig c = ddr3();
  const DramTiming& t = c.timing;
  DramTimingChecker k(c);
  const DramLocation b0 = at(c, 0, 0, 0);
  k.issue(DramCommand::ACT, b0, 0);
  k.issue(DramCommand::RD, b0, t.tRCD);
  // RD + CL + BL/2 + tRTRS - CWL = 11 + 11 + 4 + 1 - 8 = 19.
  EXPECT_EQ(k.earliest(DramCommand::WR, b0, t.tRCD), t.tRCD + t.CL + c.burst_length / 2 + t.tRTRS - t.CWL);
  EXPECT_EQ(k.earliest(DramCommand::WR, b0, t.tRCD), 19u);
}

TEST(DramTimingChecker, RankToRankTurnaround) {
  DramConfig c = ddr3();
  c.ranks = 2;
  const DramTiming& t = c.timing;
  DramTimingChecker k(c);
  const DramLocation r0 = at(c, 0, 0, 0), r0b1 = at(c, 0, 0, 1), r1 = at(c, 1, 0, 0);
  k.issue(DramCommand::ACT, r0, 0);
  EXPECT_EQ(k.earliest(DramCommand::ACT, r1, 0), 1u);  // tRRD is per rank: only the command bus
  k.issue(DramCommand::ACT, r1, 1);
  k.issue(DramCommand::ACT, r0b1, t.tRRD_L);
  k.issue(DramCommand::RD, r0, 20);
  EXPECT_EQ(k.earliest(DramCommand::RD, r0b1, 20), 20u + t.tCCD_L);                    // same rank: 24
  EXPECT_EQ(k.earliest(DramCommand::RD, r1, 20), 20u + c.burst_length / 2 + t.tRTRS);  // other rank: 25
  // WR then RD on the other rank: BL/2 + tRTRS (no tWTR across ranks), above the data bus's own
  // bound WR + CWL + BL/2 + tRTRS - CL.
  k.issue(DramCommand::WR, r0, 60);
  EXPECT_EQ(k.earliest(DramCommand::RD, r1, 60), 60u + c.burst_length / 2 + t.tRTRS);             // 65
  EXPECT_EQ(k.earliest(DramCommand::RD, r0b1, 60), 60u + t.CWL + c.burst_length / 2 + t.tWTR_L);  // same rank
}

TEST(DramTimingChecker, RefreshWaitsTRPAndBlocksTheRankForTRFC) {
  const DramConfig c = ddr3();
  const DramTiming& t = c.timing;
  DramTimingChecker k(c);
  const DramLocation b0 = at(c, 0, 0, 0), b5 = at(c, 0, 0, 5);
  k.issue(DramCommand::ACT, b0, 0);
  k.issue(DramCommand::PRE, b0, 30);
  const uint64_t ref = k.earliest(DramCommand::REF, b0, 30);
  EXPECT_EQ(ref, 30u + t.tRP);  // every bank precharged for tRP
  k.issue(DramCommand::REF, b0, ref);
  EXPECT_EQ(k.earliest(DramCommand::ACT, b5, ref), ref + t.tRFC);
  EXPECT_EQ(k.earliest(DramCommand::REF, b5, ref), ref + t.tRFC);
}

TEST(DramTimingChecker, PerBankRefreshBlocksOnlyItsBankForTRFCpb) {
  const DramConfig c = hbm2();
  DramTimingChecker k(c);
  const DramLocation b0 = at(c, 0, 0, 0), b1 = at(c, 0, 0, 1);
  k.issue(DramCommand::REFPB, b0, 100);
  EXPECT_EQ(k.earliest(DramCommand::ACT, b0, 100), 100u + c.timing.tRFCpb);
  EXPECT_EQ(k.earliest(DramCommand::ACT, b1, 100), 101u);  // command bus only
}

TEST(DramTimingChecker, OneCommandPerCycle) {
  const DramConfig c = ddr3();
  DramTimingChecker k(c);
  k.issue(DramCommand::ACT, at(c, 0, 0, 0), 100);
  // A PRE to an idle bank has no constraint but the command bus.
  EXPECT_EQ(k.earliest(DramCommand::PRE, at(c, 0, 0, 1), 100), 101u);
  EXPECT_EQ(k.earliest(DramCommand::PRE, at(c, 0, 0, 1), 101), 101u);
}

TEST(DramTimingChecker, AutoPrechargeActsAsPreAtItsEarliestLegalCycle) {
  const DramConfig c = ddr3();
  const DramTiming& t = c.timing;
  {
    DramTimingChecker k(c);
    const DramLocation b0 = at(c, 0, 0, 0);
    k.issue(DramCommand::ACT, b0, 0);
    k.issue(DramCommand::RDA, b0, 30);
    // Implicit PRE at max(ACT + tRAS = 28, RDA + tRTP = 36); ACT at PRE + tRP = 47 > tRC = 39.
    const uint64_t pre = std::max<uint64_t>(t.tRAS, 30 + t.tRTP);
    EXPECT_EQ(k.earliest(DramCommand::ACT, b0, 31), pre + t.tRP);
    EXPECT_EQ(k.earliest(DramCommand::ACT, b0, 31), 47u);
  }
  {
    DramTimingChecker k(c);
    const DramLocation b0 = at(c, 0, 0, 0);
    k.issue(DramCommand::ACT, b0, 0);
    k.issue(DramCommand::WRA, b0, t.tRCD);
    // Implicit PRE at WRA + CWL + BL/2 + tWR = 35.
    const uint64_t pre = t.tRCD + t.CWL + c.burst_length / 2 + t.tWR;
    EXPECT_EQ(k.earliest(DramCommand::ACT, b0, 12), pre + t.tRP);
    // A REF also waits for the implicit precharge.
    EXPECT_EQ(k.earliest(DramCommand::REF, b0, 12), pre + t.tRP);
  }
}

// ---------------------------------------------------------------------------------------------
// DramChannel
// ---------------------------------------------------------------------------------------------

TEST(DramChannelLatency, ReadRowHitFromIdleIsCLPlusHalfBurst) {
  const DramConfig c = ddr3();
  DramChannel ch(c);
  serve(ch, request(1, at(c, 0, 0, 0, 5, 0)));  // opens row 5
  ch.run_until(200, nullptr);
  const DramRequest r = serve(ch, request(2, at(c, 0, 0, 0, 5, 1)));
  EXPECT_EQ(r.arrival, 200u);
  EXPECT_EQ(r.done - r.arrival, uint64_t(c.timing.CL + c.burst_length / 2));  // 15
  EXPECT_EQ(r.outcome, RowOutcome::Hit);
}

TEST(DramChannelLatency, ReadRowMissFromIdleIsTRCDPlusCLPlusHalfBurst) {
  const DramConfig c = ddr3();
  DramChannel ch(c);
  ch.run_until(100, nullptr);
  const DramRequest r = serve(ch, request(1, at(c, 0, 0, 3, 7, 2)));
  EXPECT_EQ(r.done - r.arrival, uint64_t(c.timing.tRCD + c.timing.CL + c.burst_length / 2));  // 26
  EXPECT_EQ(r.outcome, RowOutcome::Miss);
  EXPECT_EQ(ch.stats().row_misses, 1u);
}

TEST(DramChannelLatency, ReadRowConflictFromIdleIsTRPPlusTRCDPlusCLPlusHalfBurst) {
  const DramConfig c = ddr3();
  const DramTiming& t = c.timing;
  DramChannel ch(c);
  serve(ch, request(1, at(c, 0, 0, 0, 5, 0)));
  ch.run_until(200, nullptr);  // well past tRAS of the first ACT
  const DramRequest r = serve(ch, request(2, at(c, 0, 0, 0, 6, 0)));
  const uint64_t latency = t.tRP + t.tRCD + t.CL + c.burst_length / 2;  // 37
  EXPECT_EQ(r.done - r.arrival, latency);
  EXPECT_EQ(r.outcome, RowOutcome::Conflict);
  const DramChannelStats& s = ch.stats();
  EXPECT_EQ(s.row_conflicts, 1u);
  EXPECT_EQ(s.row_misses, 1u);
  // Both reads in the histogram (bins of 8 tCK): the first a miss, tRCD + CL + BL/2 = 26.
  const uint64_t first = t.tRCD + t.CL + c.burst_length / 2;
  EXPECT_EQ(s.read_latency_sum, first + latency);
  EXPECT_EQ(s.read_latency_histogram[latency / 8], first / 8 == latency / 8 ? 2u : 1u);
  EXPECT_EQ(s.read_latency_histogram[first / 8], first / 8 == latency / 8 ? 2u : 1u);
  // A request is queued from its arrival to its column command: tRCD, then tRP + tRCD.
  EXPECT_EQ(s.queue_occupancy_integral, uint64_t(t.tRCD + t.tRP + t.tRCD));
  EXPECT_EQ(s.busy_data_cycles, 2u * (c.burst_length / 2));
}

TEST(DramChannelLatency, WriteRowHitFromIdleIsCWLPlusHalfBurst) {
  const DramConfig c = ddr3();
  DramChannel ch(c);
  serve(ch, request(1, at(c, 0, 0, 0, 5, 0)));
  ch.run_until(200, nullptr);
  const DramRequest w = serve(ch, request(2, at(c, 0, 0, 0, 5, 1), true));
  EXPECT_EQ(w.done - w.arrival, uint64_t(c.timing.CWL + c.burst_length / 2));  // 12
  EXPECT_EQ(w.outcome, RowOutcome::Hit);
  EXPECT_EQ(ch.stats().writes, 1u);
  EXPECT_EQ(ch.stats().reads, 1u);
}

TEST(DramChannelRefresh, IdleAllBankRefreshIssuesOneREFPerTREFI) {
  const DramConfig c = ddr3();
  const uint64_t refi = c.timing.tREFI;
  DramChannel ch(c);
  std::vector<Issued> log;
  record(ch, log);
  // The k-th REF falls due at k * tREFI (k >= 1); an idle rank issues it at once.
  ch.run_until(10 * refi + 1, nullptr);
  const std::vector<uint64_t> refs = cycles_of(log, DramCommand::REF);
  ASSERT_EQ(refs.size(), 10u);
  for (uint64_t k = 1; k <= 10; ++k) EXPECT_EQ(refs[k - 1], k * refi);
  EXPECT_EQ(ch.stats().commands[int(DramCommand::REF)], 10u);
  EXPECT_EQ(ch.stats().commands[int(DramCommand::REFPB)], 0u);
}

TEST(DramChannelRefresh, TwoRanksEachGetOneREFPerTREFI) {
  DramConfig c = ddr3();
  c.ranks = 2;
  const uint64_t refi = c.timing.tREFI;
  DramChannel ch(c);
  std::vector<Issued> log;
  record(ch, log);
  ch.run_until(10 * refi + 1, nullptr);
  std::vector<uint32_t> per_rank(2, 0);
  for (const Issued& i : only(log, {DramCommand::REF})) ++per_rank[i.loc.rank];
  EXPECT_EQ(per_rank[0], 10u);
  EXPECT_EQ(per_rank[1], 10u);
}

TEST(DramChannelRefresh, Hbm2PerBankRefreshRotatesAtTREFIpb) {
  DramConfig c = hbm2();
  c.refresh = RefreshPolicy::PerBank;
  const uint64_t refipb = c.timing.tREFIpb;
  const uint32_t banks = c.bank_groups * c.banks_per_group;
  DramChannel ch(c);
  std::vector<Issued> log;
  record(ch, log);
  ch.run_until(40 * refipb + 1, nullptr);
  EXPECT_EQ(cycles_of(log, DramCommand::REF), std::vector<uint64_t>{});  // no all-bank REF
  const std::vector<Issued> refs = only(log, {DramCommand::REFPB});
  ASSERT_EQ(refs.size(), 40u);
  for (uint64_t k = 1; k <= 40; ++k) {
    EXPECT_EQ(refs[k - 1].cycle, k * refipb);                         // due every tREFIpb
    EXPECT_EQ(refs[k - 1].loc.flat_bank, uint32_t((k - 1) % banks));  // round-robin over the banks
  }
}

// Keeps the read queue full with reads spread over banks and rows until cycle `stop`.
void stream_reads(DramChannel& ch, const DramConfig& c, uint64_t stop, uint64_t& next_id) {
  while (ch.now() < stop) {
    while (ch.can_accept(false)) {
      const uint64_t i = next_id++;
      ch.enqueue(request(i, at(c, 0, 0, uint32_t(i % c.banks_per_group), uint32_t((i / 64) % 4), uint32_t(i % 128)),
                         false, ch.now()));
    }
    ch.run_until(std::min(ch.next_event(), stop), nullptr);
  }
}

TEST(DramChannelRefresh, PostponedUnderLoadButNeverMoreThanEightOwed) {
  const DramConfig c = ddr3();
  const uint64_t refi = c.timing.tREFI;
  DramChannel ch(c);
  std::vector<Issued> log;
  record(ch, log);
  uint64_t id = 0;
  stream_reads(ch, c, 12 * refi, id);
  // While requests are pending the refreshes are postponed until 8 are owed: the first REF comes
  // no earlier than the 8th due time; by 12 tREFI at least 12 - 8 have been issued.
  const std::vector<uint64_t> refs = cycles_of(log, DramCommand::REF);
  ASSERT_FALSE(refs.empty());
  EXPECT_GE(refs.front(), 8 * refi);
  EXPECT_GE(refs.size(), 12u - 8u);
  EXPECT_LE(ch.max_refresh_owed(), 8u);
  EXPECT_GT(ch.stats().reads, 10000u);  // the stream was served meanwhile
  // Once the stream stops, every owed refresh is issued.
  drain(ch);
  ch.run_until(20 * refi + 1, nullptr);
  EXPECT_EQ(cycles_of(log, DramCommand::REF).size(), 20u);
  EXPECT_LE(ch.max_refresh_owed(), 8u);
}

TEST(DramChannelRefresh, EighthOwedRefreshPreemptsAStreamOfRowHits) {
  const DramConfig c = ddr3();
  const uint64_t refi = c.timing.tREFI;
  DramChannel ch(c);
  uint64_t id = 0;
  // Every read hits row 5 of bank 0: without priority the refresh's PRE would never find a gap
  // (each RD pushes it by tRTP = 6 > tCCD = 4).
  while (ch.now() < 12 * refi) {
    while (ch.can_accept(false)) {
      ch.enqueue(request(id, at(c, 0, 0, 0, 5, uint32_t(id % 128)), false, ch.now()));
      ++id;
    }
    ch.run_until(ch.next_event(), nullptr);
  }
  EXPECT_LE(ch.max_refresh_owed(), 8u);
  EXPECT_GE(ch.stats().commands[int(DramCommand::REF)], 12u - 8u);
  EXPECT_GT(ch.stats().row_hits, 10000u);
}

// Opens row 5 of bank 0, then at cycle 200 (long past that ACT's tRAS) queues a read of row 6
// (id 1, a conflict) and after it `hits` younger reads of row 5 (ids 2, 3, ...); returns the
// completions in order.
std::vector<DramRequest> conflict_then_hits(const DramConfig& c, uint32_t hits) {
  DramChannel ch(c);
  serve(ch, request(100, at(c, 0, 0, 0, 5, 0)));
  ch.run_until(200, nullptr);
  ch.enqueue(request(1, at(c, 0, 0, 0, 6, 0), false, 200));
  for (uint32_t i = 0; i < hits; ++i) ch.enqueue(request(2 + i, at(c, 0, 0, 0, 5, 1 + i), false, 200));
  return drain(ch);
}

TEST(DramChannelScheduler, FrFcfsServesYoungerHitsBeforeAnOlderConflict) {
  DramConfig c = ddr3();
  c.timing.tRTP = 2;  // below tCCD: the PRE could slip between hits; only the scheduler keeps the row open
  const DramTiming& t = c.timing;
  const std::vector<DramRequest> done = conflict_then_hits(c, 6);
  ASSERT_EQ(done.size(), 7u);
  for (uint32_t i = 0; i < 6; ++i) {
    EXPECT_EQ(done[i].id, 2u + i);
    EXPECT_EQ(done[i].outcome, RowOutcome::Hit);
  }
  EXPECT_EQ(done[6].id, 1u);
  EXPECT_EQ(done[6].outcome, RowOutcome::Conflict);
  // Hits at 200 + k tCCD; then PRE at last RD + tRTP, ACT + tRP, RD + tRCD, data CL + BL/2.
  const uint64_t last_hit = 200 + 5 * t.tCCD_L;
  EXPECT_EQ(done[5].done, last_hit + t.CL + c.burst_length / 2);
  EXPECT_EQ(done[6].done, last_hit + t.tRTP + t.tRP + t.tRCD + t.CL + c.burst_length / 2);
}

TEST(DramChannelScheduler, AHitGoesBeforeAnOlderMissIssuableInTheSameCycle) {
  const DramConfig c = ddr3();
  const DramTiming& t = c.timing;
  DramChannel ch(c);
  serve(ch, request(100, at(c, 0, 0, 0, 5, 0)));  // row 5 open in bank 0
  ch.run_until(200, nullptr);
  std::vector<Issued> cmds;
  record(ch, cmds);
  ch.enqueue(request(1, at(c, 0, 0, 2, 1, 0), false, 200));  // ACT bank 2 at 200
  ch.enqueue(request(2, at(c, 0, 0, 1, 1, 0), false, 200));  // its ACT can go at 200 + tRRD
  const uint64_t act2 = 200 + t.tRRD_L;
  ch.enqueue(request(3, at(c, 0, 0, 0, 5, 1), false, act2));  // a younger hit, arriving then
  drain(ch);
  ASSERT_GE(cmds.size(), 3u);
  EXPECT_EQ(cmds[0].when_what(), std::make_pair(uint64_t(200), DramCommand::ACT));
  EXPECT_EQ(cmds[1].when_what(), std::make_pair(act2, DramCommand::RD));       // the hit first
  EXPECT_EQ(cmds[2].when_what(), std::make_pair(act2 + 1, DramCommand::ACT));  // then the older miss
}

TEST(DramChannelScheduler, StarvationBoundLimitsBypassingHits) {
  DramConfig c = ddr3();
  c.max_row_hits = 4;
  const std::vector<DramRequest> done = conflict_then_hits(c, 12);
  ASSERT_EQ(done.size(), 13u);
  const auto it = std::find_if(done.begin(), done.end(), [](const DramRequest& r) { return r.id == 1; });
  ASSERT_NE(it, done.end());
  // Exactly max_row_hits younger hits went first; then the conflicting request.
  EXPECT_EQ(it - done.begin(), 4);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(done[i].id, 2u + i);
}

TEST(DramChannelScheduler, WriteDrainBetweenWatermarks) {
  DramConfig c = ddr3();
  c.write_high_watermark = 4;
  c.write_low_watermark = 1;
  const DramTiming& t = c.timing;
  const uint32_t hb = c.burst_length / 2;
  DramChannel ch(c);
  std::vector<Issued> log;
  record(ch, log);
  for (uint32_t i = 0; i < 8; ++i) ch.enqueue(request(i, at(c, 0, 0, 0, 5, i), false, 0));
  for (uint32_t i = 0; i < 3; ++i) ch.enqueue(request(10 + i, at(c, 0, 0, 0, 5, 8 + i), true, 0));
  // 3 writes < high watermark: reads go first (ACT at 0, RDs at tRCD + k tCCD).
  const uint64_t fourth = t.tRCD + 2 * t.tCCD_L + 1;  // just after the third read
  ch.run_until(fourth, nullptr);
  ch.enqueue(request(13, at(c, 0, 0, 0, 5, 11), true, fourth));  // now 4 writes: drain
  drain(ch);
  const std::vector<Issued> cols = only(log, {DramCommand::RD, DramCommand::WR});
  const std::vector<DramCommand> want = {DramCommand::RD, DramCommand::RD, DramCommand::RD, DramCommand::WR,
                                         DramCommand::WR, DramCommand::WR, DramCommand::RD, DramCommand::RD,
                                         DramCommand::RD, DramCommand::RD, DramCommand::RD, DramCommand::WR};
  ASSERT_EQ(cols.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(cols[i].cmd, want[i]) << "column command " << i;
  const uint64_t rd3 = t.tRCD + 2 * t.tCCD_L;
  EXPECT_EQ(cols[2].cycle, rd3);
  EXPECT_EQ(cols[3].cycle, rd3 + t.CL + hb + t.tRTRS - t.CWL);              // read-to-write turnaround
  EXPECT_EQ(cols[6].cycle, cols[5].cycle + t.CWL + hb + t.tWTR_L);          // write-to-read turnaround
  EXPECT_EQ(cols[11].cycle, cols[10].cycle + t.CL + hb + t.tRTRS - t.CWL);  // last write once reads ran out
}

TEST(DramChannelScheduler, EnqueueIntoAFullQueueOverCommitsInsteadOfDropping) {
  DramConfig c = ddr3();
  c.read_queue_depth = 4;
  DramChannel ch(c);
  for (uint32_t i = 0; i < 11; ++i) {
    EXPECT_EQ(ch.can_accept(false), i < 4);
    ch.enqueue(request(i, at(c, 0, 0, i % 3, 1 + i % 2, i), false, 0));
  }
  EXPECT_EQ(ch.pending(), 11u);
  const std::vector<DramRequest> done = drain(ch);
  EXPECT_EQ(done.size(), 11u);
  EXPECT_TRUE(ch.can_accept(false));
}

TEST(DramChannelPagePolicy, ClosedPagePrechargesAfterALoneRead) {
  DramConfig c = ddr3();
  c.page_policy = PagePolicy::Closed;
  const DramTiming& t = c.timing;
  DramChannel ch(c);
  const DramRequest a = serve(ch, request(1, at(c, 0, 0, 0, 5, 0)));
  EXPECT_EQ(a.outcome, RowOutcome::Miss);
  EXPECT_EQ(ch.stats().commands[int(DramCommand::RDA)], 1u);
  EXPECT_EQ(ch.stats().commands[int(DramCommand::RD)], 0u);
  ch.run_until(200, nullptr);
  const DramRequest b = serve(ch, request(2, at(c, 0, 0, 0, 5, 1)));  // same row: a miss, not a hit
  EXPECT_EQ(b.outcome, RowOutcome::Miss);
  EXPECT_EQ(b.done - b.arrival, uint64_t(t.tRCD + t.CL + c.burst_length / 2));
  EXPECT_EQ(ch.stats().commands[int(DramCommand::RDA)], 2u);
  EXPECT_EQ(ch.stats().commands[int(DramCommand::PRE)], 0u);
  EXPECT_EQ(ch.stats().row_hits, 0u);
  // Two queued reads to one row: the first keeps the row open (RD), the second closes it (RDA).
  ch.run_until(400, nullptr);
  ch.enqueue(request(3, at(c, 0, 0, 0, 5, 2), false, 400));
  ch.enqueue(request(4, at(c, 0, 0, 0, 5, 3), false, 400));
  drain(ch);
  EXPECT_EQ(ch.stats().commands[int(DramCommand::RD)], 1u);
  EXPECT_EQ(ch.stats().commands[int(DramCommand::RDA)], 3u);
}

TEST(DramChannelThroughput, SequentialReadsReachNinetyFivePercentOfPeak) {
  const DramConfig c = ddr3();
  DramAddressMap map(c);
  DramChannel ch(c);
  const uint64_t n = 100000;
  uint64_t sent = 0, got = 0, first_done = 0, last_done = 0;
  while (got < n) {
    while (sent < n && ch.can_accept(false)) {
      ch.enqueue(request(sent, map.locate(sent * map.burst_bytes()), false, ch.now()));
      ++sent;
    }
    const uint64_t t = ch.next_event();
    ASSERT_NE(t, UINT64_MAX);
    ch.run_until(t, [&](const DramRequest& r) {
      if (got++ == 0) first_done = r.done;
      last_done = r.done;
    });
  }
  // Peak: one burst per BL/2 tCK. Measured from the first to the last completion.
  const double cycles = double(last_done - first_done);
  const double efficiency = double(n - 1) * (c.burst_length / 2) / cycles;
  EXPECT_GE(efficiency, 0.95) << "bursts per cycle " << double(n - 1) / cycles;
  EXPECT_LE(efficiency, 1.0);
  EXPECT_GT(ch.stats().commands[int(DramCommand::REF)], 0u);
  EXPECT_EQ(ch.stats().busy_data_cycles, n * (c.burst_length / 2));
}

// A pseudo-random mix of reads and writes over a few rows of every bank, closed loop.
// Records the issued commands into `log` if given.
std::vector<DramRequest> random_run(const DramConfig& c, uint64_t n, std::vector<Issued>* log = nullptr) {
  DramChannel ch(c);
  if (log) record(ch, *log);
  const uint32_t banks = c.ranks * c.bank_groups * c.banks_per_group;
  const uint32_t bursts = c.columns / c.burst_length;
  uint64_t x = 12345, sent = 0;
  std::vector<DramRequest> done;
  while (done.size() < n) {
    for (int k = 0; k < 4 && sent < n; ++k) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      const bool write = (x >> 60) < 4;  // a quarter writes
      if (!ch.can_accept(write)) break;
      const uint32_t b = uint32_t(x >> 33) % banks;
      const uint32_t per_rank = c.bank_groups * c.banks_per_group;
      DramLocation l = at(c, b / per_rank, (b % per_rank) / c.banks_per_group, b % c.banks_per_group,
                          uint32_t(x >> 20) % 4, uint32_t(x >> 8) % bursts);
      ch.enqueue(request(sent++, l, write, ch.now()));
    }
    const uint64_t t = ch.next_event();
    if (t == UINT64_MAX) break;
    ch.run_until(std::min(t, ch.now() + 7), [&](const DramRequest& r) { done.push_back(r); });
  }
  const DramChannelStats& s = ch.stats();
  EXPECT_EQ(s.reads + s.writes, n);
  EXPECT_EQ(s.row_hits + s.row_misses + s.row_conflicts, n);
  EXPECT_LE(ch.max_refresh_owed(), 8u);
  return done;
}

TEST(DramChannelDeterminism, SameRequestsGiveSameCompletions) {
  for (const DramConfig& c : {ddr3(), hbm2()}) {
    const std::vector<DramRequest> a = random_run(c, 20000), b = random_run(c, 20000);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].id, b[i].id);
      EXPECT_EQ(a[i].done, b[i].done);
      EXPECT_EQ(a[i].outcome, b[i].outcome);
      if (i > 0) {
        EXPECT_LE(a[i - 1].done, a[i].done);  // completion order
      }
      if (a[i].id != b[i].id || a[i].done != b[i].done) break;
    }
  }
}

// Replays the channel's command stream into a fresh checker and a bank-state model: every
// command must meet the timing table and the bank state (ACT to a closed bank, column commands
// to the open row, PRE to an open bank, REF with every bank of the rank closed).
void check_command_stream(const DramConfig& c) {
  std::vector<Issued> cmds;
  random_run(c, 20000, &cmds);
  DramTimingChecker k(c);
  const uint32_t per_rank = c.bank_groups * c.banks_per_group;
  std::vector<int64_t> open(c.ranks * per_rank, -1);
  uint64_t prev = 0;
  for (size_t i = 0; i < cmds.size(); ++i) {
    const auto& [t, cmd, l] = cmds[i];
    ASSERT_TRUE(i == 0 || t > prev) << "command " << i << " not after the previous one";
    prev = t;
    ASSERT_EQ(k.earliest(cmd, l, t), t) << "command " << i << " " << command_name(cmd) << " too early";
    const uint32_t b = l.flat_bank;
    switch (cmd) {
      case DramCommand::ACT:
        ASSERT_EQ(open[b], -1);
        open[b] = l.row;
        break;
      case DramCommand::PRE:
        ASSERT_NE(open[b], -1);
        open[b] = -1;
        break;
      case DramCommand::RD:
      case DramCommand::WR: ASSERT_EQ(open[b], int64_t(l.row)); break;
      case DramCommand::RDA:
      case DramCommand::WRA:
        ASSERT_EQ(open[b], int64_t(l.row));
        open[b] = -1;
        break;
      case DramCommand::REF:
        for (uint32_t j = 0; j < per_rank; ++j) ASSERT_EQ(open[l.rank * per_rank + j], -1);
        break;
      case DramCommand::REFPB: ASSERT_EQ(open[b], -1); break;
    }
    k.issue(cmd, l, t);
  }
}

TEST(DramChannelScheduler, CommandStreamMeetsTimingAndBankStateDdr3TwoRanksClosedPage) {
  DramConfig c = ddr3();
  c.ranks = 2;
  c.page_policy = PagePolicy::Closed;
  check_command_stream(c);
}

TEST(DramChannelScheduler, CommandStreamMeetsTimingAndBankStateDdr3OpenPage) { check_command_stream(ddr3()); }

TEST(DramChannelScheduler, CommandStreamMeetsTimingAndBankStateHbm2PerBank) {
  DramConfig c = hbm2();
  c.refresh = RefreshPolicy::PerBank;
  check_command_stream(c);
}

// One request at a time to consecutive columns of one row, across several tREFI: each refresh
// closes the row once (so one ACT per REF, plus one per row), it never thrashes between a
// refresh's PRE and the next request's ACT while the refresh is pending.
TEST(DramChannelRefresh, ABegunRefreshFinishesBeforeTheNextActivate) {
  const DramConfig c = ddr3();
  DramChannel ch(c);
  uint64_t id = 0, reads = 0;
  DramLocation loc;
  while (ch.now() < 5 * c.timing.tREFI) {
    loc.column = uint32_t(reads % (c.columns / c.burst_length));
    loc.row = uint32_t(reads / (c.columns / c.burst_length));
    serve(ch, request(id++, loc));
    ++reads;
  }
  const auto& s = ch.stats();
  const uint64_t rows = reads / (c.columns / c.burst_length) + 1;
  EXPECT_GE(s.commands[int(DramCommand::REF)], 4u);
  EXPECT_LE(s.commands[int(DramCommand::ACT)], rows + s.commands[int(DramCommand::REF)]);
}

// next_event() is a query: calling it between requests queued in the same cycle does not change
// the schedule (the write-drain mode is committed only when a command issues).
TEST(DramChannelDeterminism, QueryingNextEventDoesNotChangeTheSchedule) {
  DramConfig c = ddr3();
  c.write_high_watermark = 4;
  c.write_low_watermark = 1;
  std::vector<uint64_t> done[2];
  for (int query = 0; query < 2; ++query) {
    DramChannel ch(c);
    std::mt19937_64 rng(3);
    uint64_t id = 0;
    for (uint64_t cycle = 0; cycle < 4000; cycle += 40) {
      ch.run_until(cycle, [&](const DramRequest& r) { done[query].push_back(r.id * 1000000 + r.done); });
      for (int k = 0; k < 6; ++k) {  // a burst of same-cycle arrivals, writes first
        const bool write = k < 3;
        if (!ch.can_accept(write)) continue;
        DramLocation loc;
        loc.bank = uint32_t(rng() % 8);
        loc.row = uint32_t(rng() % 4);
        loc.column = uint32_t(rng() % 128);
        ch.enqueue(request(id++, loc, write, cycle));
        if (query) ch.next_event();
      }
    }
    for (const auto& r : drain(ch)) done[query].push_back(r.id * 1000000 + r.done);
  }
  EXPECT_EQ(done[0], done[1]);
  EXPECT_GT(done[0].size(), 300u);
}

// ---------------------------------------------------------------------------------------------
// stream_hits(): the run-ahead loop of a loosely-timed reader (wait for room in the read queue,
// enqueue the next burst) taken by the channel itself while it streams row hits. It must give
// exactly what the loop gives: compared here over seeded random transactions (read trains of
// consecutive bursts across rows and banks, some write trains, idle gaps, arrivals in the past)
// on every kind of configuration, including those where it never applies.

// Everything observable of a run: completions, commands with the pending count a VCD traces at
// each, enqueues with theirs, and the final counters and state.
struct RunAheadTrace {
  std::vector<std::tuple<uint64_t, uint64_t, int>> done;  // id, done, outcome
  std::vector<std::tuple<uint64_t, int, uint32_t, uint32_t, uint32_t, size_t>>
      commands;                                       // cycle, cmd, bank, row, column, pending
  std::vector<std::pair<uint64_t, size_t>> enqueued;  // arrival, pending
  DramChannelStats stats;
  uint64_t now = 0, max_owed = 0;
  size_t streamed = 0;  // requests stream_hits() took
};

// Runs `trains` (each: its bursts and its arrival cycle) through a channel of `c` as
// DramController::enqueue_bursts does for a loosely-timed request, with or without stream_hits().
// `observe`: record the commands and enqueues (as a VCD does); without, only completions and state.
RunAheadTrace run_ahead(const DramConfig& c, const std::vector<std::pair<std::vector<DramRequest>, uint64_t>>& trains,
                        bool stream, bool observe = true) {
  DramChannel ch(c);
  RunAheadTrace out;
  if (observe)
    ch.observe_commands([&](uint64_t t, DramCommand cmd, const DramLocation& l) {
      out.commands.emplace_back(t, int(cmd), l.flat_bank, l.row, l.column, ch.pending());
    });
  const std::function<void(const DramRequest&)> done = [&](const DramRequest& r) {
    out.done.emplace_back(r.id, r.done, int(r.outcome));
  };
  std::function<void(const DramRequest&)> traced;
  if (observe) traced = [&](const DramRequest& r) { out.enqueued.emplace_back(r.arrival, ch.pending()); };
  for (const auto& [bursts, arrival] : trains) {
    if (ch.now() < arrival) ch.run_until(arrival, done);
    for (size_t i = 0; i < bursts.size();) {
      if (stream && !bursts[i].write) {
        const size_t k = ch.stream_hits(&bursts[i], bursts.size() - i, done, traced);
        out.streamed += k;
        const std::string wrong = ch.check_queues();
        EXPECT_EQ(wrong, "") << "after stream_hits took " << k;
        if (!wrong.empty()) return out;
        i += k;
        if (i == bursts.size()) break;
      }
      while (!ch.can_accept(bursts[i].write)) ch.run_until(ch.next_event(), done);
      DramRequest r = bursts[i++];
      r.arrival = std::max(r.arrival, ch.now());
      ch.enqueue(r);
      if (traced) traced(r);
    }
  }
  EXPECT_EQ(ch.check_queues(), "");
  for (int guard = 0; ch.pending() > 0 && guard < 10000000; ++guard) ch.run_until(ch.next_event(), done);
  EXPECT_EQ(ch.pending(), 0u);
  out.stats = ch.stats();
  out.now = ch.now();
  out.max_owed = ch.max_refresh_owed();
  return out;
}

// One long train of consecutive reads (as the weight FIFO's tile reads): the channel streams
// nearly all of it, through each row change to the next bank, with the same results as the loop.
TEST(DramChannelStreamHits, TakesMostOfASequentialReadTrain) {
  const DramConfig c = ddr3();
  const DramAddressMap map(c);
  std::vector<DramRequest> bursts;
  for (uint64_t b = 0; b < 20000; ++b) bursts.push_back(request(b, map.locate(b * 64)));
  const std::vector<std::pair<std::vector<DramRequest>, uint64_t>> trains = {{bursts, 0}};
  const RunAheadTrace loop = run_ahead(c, trains, false), fast = run_ahead(c, trains, true);
  EXPECT_GT(fast.streamed, 20000u * 99 / 100);  // all but the first queue-full and a few per refresh
  EXPECT_TRUE(loop.done == fast.done);
  EXPECT_TRUE(loop.commands == fast.commands);
  EXPECT_TRUE(loop.enqueued == fast.enqueued);
  EXPECT_EQ(loop.now, fast.now);
}

// Seeded transactions: mostly read trains of 1..1500 consecutive bursts from a random burst
// address, a fifth write trains, arriving 0..20000 cycles apart or already in the past.
std::vector<std::pair<std::vector<DramRequest>, uint64_t>> random_trains(const DramConfig& c, uint64_t seed, int n) {
  const DramAddressMap map(c);
  const uint64_t burst = c.burst_bytes();
  const uint64_t capacity =
      uint64_t(c.ranks) * c.bank_groups * c.banks_per_group * c.rows * c.columns * (c.bus_width_bits / 8);
  std::mt19937_64 rng(seed);
  std::vector<std::pair<std::vector<DramRequest>, uint64_t>> trains;
  uint64_t id = 0, arrival = 0;
  for (int k = 0; k < n; ++k) {
    const bool write = rng() % 5 == 0;
    const uint64_t len = 1 + rng() % 1500, first = rng() % (capacity / burst - len);
    arrival = rng() % 4 == 0 ? arrival / 2 : arrival + rng() % 20000;
    std::vector<DramRequest> bursts;
    for (uint64_t b = first; b < first + len; ++b)
      bursts.push_back(request(id++, map.locate(b * burst), write, arrival));
    trains.emplace_back(std::move(bursts), arrival);
  }
  return trains;
}

TEST(DramChannelStreamHits, SameResultsAsTheRunAheadLoopOnEveryConfiguration) {
  struct Case {
    const char* name;
    DramConfig c;
    bool streams;  // stream_hits() takes some bursts (false: never, e.g. closed page)
  };
  std::vector<Case> cases;
  cases.push_back({"ddr3 open all-bank", ddr3(), true});
  DramConfig two_ranks = ddr3();
  two_ranks.ranks = 2;
  cases.push_back({"ddr3 two ranks", two_ranks, true});
  DramConfig short_refi = ddr3();
  short_refi.timing.tREFI = 700;  // refreshes fall due inside most trains
  cases.push_back({"ddr3 tREFI 700", short_refi, true});
  DramConfig shallow = ddr3();
  shallow.read_queue_depth = 2;
  shallow.max_row_hits = 1;
  cases.push_back({"ddr3 read queue of 2", shallow, true});
  DramConfig one = ddr3();
  one.read_queue_depth = 1;
  cases.push_back({"ddr3 read queue of 1", one, false});  // streaming needs two queued
  DramConfig closed = ddr3();
  closed.page_policy = PagePolicy::Closed;
  cases.push_back({"ddr3 closed page", closed, false});
  DramConfig no_refresh = ddr3();
  no_refresh.timing.tREFI = 0;  // no refresh at all
  cases.push_back({"ddr3 no refresh", no_refresh, true});
  cases.push_back({"hbm2 all-bank", hbm2(), true});  // 32 bursts a row: the queue spans two banks
  DramConfig per_bank = hbm2();
  per_bank.refresh = RefreshPolicy::PerBank;
  cases.push_back({"hbm2 per-bank", per_bank, true});  // streams while no REFPB is owed
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    for (uint64_t seed : {1, 2, 3}) {
      const auto trains = random_trains(k.c, seed, 60);
      const RunAheadTrace loop = run_ahead(k.c, trains, false), fast = run_ahead(k.c, trains, true),
                          quiet = run_ahead(k.c, trains, true, false);
      EXPECT_TRUE(loop.done == quiet.done) << "seed " << seed << " without observers";
      EXPECT_EQ(loop.now, quiet.now);
      EXPECT_EQ(loop.stats.queue_occupancy_integral, quiet.stats.queue_occupancy_integral);
      EXPECT_EQ(loop.stats.row_hits, quiet.stats.row_hits);
      uint64_t reads = 0;
      for (const auto& t : trains) reads += t.first.front().write ? 0 : t.first.size();
      if (k.streams) EXPECT_GT(fast.streamed, 0u) << "seed " << seed << ": " << reads << " reads";
      else EXPECT_EQ(fast.streamed, 0u) << "seed " << seed;
      ASSERT_EQ(loop.done.size(), fast.done.size());
      EXPECT_TRUE(loop.done == fast.done) << "seed " << seed;
      EXPECT_TRUE(loop.commands == fast.commands) << "seed " << seed;
      EXPECT_TRUE(loop.enqueued == fast.enqueued) << "seed " << seed;
      EXPECT_EQ(loop.now, fast.now);
      EXPECT_EQ(loop.max_owed, fast.max_owed);
      const DramChannelStats &a = loop.stats, &b = fast.stats;
      EXPECT_TRUE(a.commands == b.commands);
      EXPECT_EQ(a.reads, b.reads);
      EXPECT_EQ(a.writes, b.writes);
      EXPECT_EQ(a.row_hits, b.row_hits);
      EXPECT_EQ(a.row_misses, b.row_misses);
      EXPECT_EQ(a.row_conflicts, b.row_conflicts);
      EXPECT_EQ(a.read_latency_sum, b.read_latency_sum);
      EXPECT_TRUE(a.read_latency_histogram == b.read_latency_histogram);
      EXPECT_EQ(a.queue_occupancy_integral, b.queue_occupancy_integral);
      EXPECT_EQ(a.busy_data_cycles, b.busy_data_cycles);
      EXPECT_GT(a.commands[int(DramCommand::RD)], 0u);
    }
  }
}

}  // namespace
}  // namespace tpu
