// dram-bench's library: trace parsing, unloaded latency against the JEDEC formulas, loaded
// bandwidth, row-buffer behaviour of random streams, and the direct engine against the TLM path.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>

#include <systemc>

#include "common/test_util.h"
#include "config/config.h"
#include "dram/dram_address.h"
#include "dram_bench/dram_bench.h"

namespace tpu::bench {
namespace {

const std::string kDdr3_1600 = std::string(TPU_TLM_SOURCE_DIR) + "/configs/dram/ddr3_1600.yaml";
const std::string kDdr3_2133 = std::string(TPU_TLM_SOURCE_DIR) + "/configs/dram/ddr3_2133.yaml";
const std::string kHbm2 = std::string(TPU_TLM_SOURCE_DIR) + "/configs/dram/hbm2.yaml";

DramConfig dram_config(const std::string& path) { return load_config(path).dram; }

Trace parse(const std::string& text, const std::string& origin = "t.trace") {
  std::istringstream in(text);
  return parse_trace(in, origin);
}

using test::Contains;
using test::ErrorOf;

constexpr const char* kBenchError = "tpu/dram-bench";  // the message type of every error below

Trace from_addresses(const std::vector<uint64_t>& addresses) {
  Trace t;
  t.origin = "test";
  for (size_t i = 0; i < addresses.size(); ++i) {
    BenchRequest r;
    r.address = addresses[i];
    r.cycle = i;
    t.requests.push_back(r);
  }
  return t;
}

TEST(DramBenchTrace, ParsesTheFormatWithCyclesCommentsAndBlankLines) {
  const Trace t = parse(
      "# address  command  cycle\n"
      "\n"
      "0x0 READ 0\n"
      "  0x47\twrite 5   # aligned down to 0x40\n"
      "0XABCDEF00 Read 5\r\n"
      "0x1000 W 12\n");
  EXPECT_TRUE(t.has_cycles);
  EXPECT_EQ(t.origin, "t.trace");
  ASSERT_EQ(t.requests.size(), 4u);
  EXPECT_EQ(t.requests[0].address, 0u);
  EXPECT_FALSE(t.requests[0].write);
  EXPECT_EQ(t.requests[0].line, 3u);
  EXPECT_EQ(t.requests[1].address, 0x40u);
  EXPECT_TRUE(t.requests[1].write);
  EXPECT_EQ(t.requests[1].cycle, 5u);
  EXPECT_EQ(t.requests[1].line, 4u);
  EXPECT_EQ(t.requests[2].address, 0xabcdef00u);
  EXPECT_FALSE(t.requests[2].write);
  EXPECT_EQ(t.requests[2].cycle, 5u);
  EXPECT_TRUE(t.requests[3].write);
  EXPECT_EQ(t.requests[3].cycle, 12u);
  EXPECT_EQ(t.requests[3].line, 6u);
}

TEST(DramBenchTrace, ParsesTheFormatWithoutCycles) {
  const Trace t = parse("0x80 R\n# comment\n0xc0 W\n0x100 READ\n");
  EXPECT_FALSE(t.has_cycles);
  ASSERT_EQ(t.requests.size(), 3u);
  EXPECT_EQ(t.requests[0].address, 0x80u);
  EXPECT_FALSE(t.requests[0].write);
  EXPECT_TRUE(t.requests[1].write);
  EXPECT_EQ(t.requests[1].line, 3u);
  EXPECT_FALSE(t.requests[2].write);
  for (size_t i = 0; i < t.requests.size(); ++i) EXPECT_EQ(t.requests[i].cycle, i);  // open loop: one per cycle
}

TEST(DramBenchTrace, ErrorsNameTheFileAndLine) {
  struct Case {
    std::string text, expect;
  };
  const std::vector<Case> cases = {
      {"0x0 READ 0\n0x40 READ\n", "t.trace:2: no cycle here, but line 1 has one"},
      {"0x0 R\n\n0x40 R 7\n", "t.trace:3: a cycle here, but line 1 has none"},
      {"# c\n40 READ 1\n", "t.trace:2: the address must be hexadecimal with a 0x prefix"},
      {"0x0 READ 0\n0xZZ READ 1\n", "t.trace:2: the address must be hexadecimal"},
      {"0x12345678901234567 R\n", "t.trace:1: the address must be hexadecimal"},
      {"0x0 FETCH 3\n", "t.trace:1: unknown command 'FETCH'"},
      {"0x0 READ -3\n", "t.trace:1: the cycle must be a non-negative decimal integer"},
      {"0x0 READ 12x\n", "t.trace:1: the cycle must be a non-negative decimal integer"},
      {"0x0 READ 1 2\n", "t.trace:1: expected '0xADDRESS READ|WRITE CYCLE' or '0xADDRESS R|W': '0x0 READ 1 2'"},
      {"0x0\n", "t.trace:1: expected"},
      {"0x0 READ 10\n0x40 READ 9\n", "t.trace:2: cycle 9 is before the previous request's cycle 10"},
      {"# only a comment\n\n", "t.trace: no requests"},
  };
  for (const Case& c : cases) {
    const std::string m = ErrorOf(kBenchError, [&] { parse(c.text); });
    EXPECT_TRUE(Contains(m, c.expect)) << "trace:\n" << c.text;
  }
  const std::string m = ErrorOf(kBenchError, [] { load_trace("/nonexistent/dir/x.trace"); });
  EXPECT_TRUE(Contains(m, "/nonexistent/dir/x.trace: cannot open trace file"));
}

TEST(DramBenchTrace, AddressesBeyondTheCapacityNameTheLine) {
  const DramConfig cfg = dram_config(kDdr3_1600);  // 4 GiB
  const Trace t = parse("0x0 R\n\n0x100000000 R\n");
  const std::string m = ErrorOf(kBenchError, [&] { run_direct(cfg, t, RunOptions{}); });
  EXPECT_TRUE(Contains(m, "t.trace:3: address 0x100000000 is beyond the capacity"));
}

TEST(DramBenchPattern, GeneratesDeterministicStreamsWithinTheFootprint) {
  const DramConfig cfg = dram_config(kDdr3_1600);
  PatternOptions o;
  o.pattern = Pattern::Sequential;
  o.requests = 10;
  o.footprint = 4 * 64;
  const Trace s = generate_pattern(o, cfg);
  EXPECT_FALSE(s.has_cycles);
  ASSERT_EQ(s.requests.size(), 10u);
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(s.requests[i].address, (i % 4) * 64);
  o.pattern = Pattern::RandomRW;
  o.requests = 1000;
  o.footprint = 1 << 20;
  o.seed = 7;
  const Trace a = generate_pattern(o, cfg), b = generate_pattern(o, cfg);
  ASSERT_EQ(a.requests.size(), 1000u);
  ASSERT_EQ(b.requests.size(), 1000u);
  for (size_t i = 0; i < a.requests.size(); ++i) {
    EXPECT_EQ(a.requests[i].address, b.requests[i].address);
    EXPECT_EQ(a.requests[i].write, b.requests[i].write);
    EXPECT_LT(a.requests[i].address, o.footprint);
    EXPECT_EQ(a.requests[i].address % 64, 0u);
  }
  o.footprint = cfg.capacity_bytes + 64;
  EXPECT_TRUE(Contains(ErrorOf(kBenchError, [&] { generate_pattern(o, cfg); }), "footprint"));
  EXPECT_EQ(parse_pattern("random_rw"), Pattern::RandomRW);
  EXPECT_TRUE(Contains(ErrorOf(kBenchError, [] { parse_pattern("strided"); }), "unknown pattern 'strided'"));
}

TEST(DramBenchLatency, PercentilesAreNearestRankOfTheCycleHistogram) {
  std::vector<uint64_t> h(101, 0);
  for (int c = 1; c <= 100; ++c) h[c] = 1;  // latencies 1 .. 100 cycles, once each
  const LatencySummary s = summarize_latency(h, 2.0);
  EXPECT_DOUBLE_EQ(s.mean, 50.5 * 2);
  EXPECT_DOUBLE_EQ(s.p50, 50 * 2);
  EXPECT_DOUBLE_EQ(s.p90, 90 * 2);
  EXPECT_DOUBLE_EQ(s.p99, 99 * 2);
  EXPECT_DOUBLE_EQ(s.max, 100 * 2);
  EXPECT_DOUBLE_EQ(summarize_latency({}, 1.0).max, 0.0);
}

// Unloaded (1 outstanding) sequential reads on DDR3-1600: a request that finds its row open
// takes CL + BL/2; one that finds its bank precharged tRCD + CL + BL/2. The requests that open
// a row follow from the mapping (row:rank:bank_group:bank:column:channel: 128 bursts of a row,
// then the next bank). The stream ends before the first refresh falls due (tREFI).
TEST(DramBenchUnloaded, SequentialReadsTakeTheRowHitLatencyExceptWhereARowOpens) {
  const DramConfig cfg = dram_config(kDdr3_1600);
  const DramTiming& tm = cfg.timing;
  const uint64_t n = 384;
  PatternOptions o;
  o.requests = n;
  const Trace trace = generate_pattern(o, cfg);
  RunOptions run;
  run.outstanding = 1;
  const BenchResult r = run_direct(cfg, trace, run);

  // Expected outcome of each request from the address map: track the open row of every bank.
  const DramAddressMap map(cfg);
  std::map<uint32_t, uint32_t> open_row;
  uint64_t misses = 0;
  std::vector<uint64_t> expect(n);
  const uint64_t hit = tm.CL + cfg.burst_length / 2, miss = tm.tRCD + hit;
  for (uint64_t i = 0; i < n; ++i) {
    const DramLocation l = map.locate(trace.requests[i].address);
    auto it = open_row.find(l.flat_bank);
    if (it == open_row.end()) {
      ++misses;
      expect[i] = miss;
    } else {
      ASSERT_EQ(it->second, l.row) << "the sequential stream was to stay within one row per bank";
      expect[i] = hit;
    }
    open_row[l.flat_bank] = l.row;
  }
  // The same count from the geometry: 64-byte bursts, columns / BL bursts per row.
  const uint64_t bursts_per_row = cfg.columns / cfg.burst_length;
  EXPECT_EQ(misses, (n + bursts_per_row - 1) / bursts_per_row);
  EXPECT_EQ(misses, 3u);

  ASSERT_LT(r.last_done, tm.tREFI) << "a refresh would disturb the formula";
  EXPECT_EQ(r.ref(), 0u);
  for (uint64_t i = 0; i < n; ++i) EXPECT_EQ(r.done_cycle[i] - r.issue_cycle[i], expect[i]) << "request " << i;
  EXPECT_EQ(r.row_misses, misses);
  EXPECT_EQ(r.row_conflicts, 0u);  // one row per bank: no conflicts
  EXPECT_EQ(r.row_hits, n - misses);
  EXPECT_EQ(r.act(), misses);
  EXPECT_EQ(r.rd(), n);
  EXPECT_DOUBLE_EQ(r.row_hit_rate_by_act, 1.0 - double(misses) / double(n));
  const double tck = cfg.tck_seconds() * 1e9;
  EXPECT_DOUBLE_EQ(tck, 1.25);
  EXPECT_NEAR(r.read_latency.mean, double((n - misses) * hit + misses * miss) / double(n) * tck, 1e-9);
  EXPECT_NEAR(r.read_latency.p50, double(hit) * tck, 1e-9);  // (11 + 4) x 1.25 ns = 18.75 ns
  EXPECT_NEAR(r.read_latency.max, double(miss) * tck, 1e-9);
  // Back to back: each request issues when the previous completes.
  EXPECT_EQ(r.last_done, (n - misses) * hit + misses * miss);
}

// Unloaded reads alternating between two rows of bank 0: every request after the first finds
// the other row open (a conflict): PRE, ACT, RD. From an idle bank that is tRP + tRCD + CL +
// BL/2, but the previous ACT was only tRCD + CL + BL/2 = 26 cycles earlier, so tRAS (28) holds
// the PRE back 2 cycles and tRC (39) bounds the next ACT: computed below per request.
TEST(DramBenchUnloaded, AlternatingRowsOfOneBankConflictWithTRasAndTRcRespected) {
  const DramConfig cfg = dram_config(kDdr3_1600);
  const DramTiming& tm = cfg.timing;
  const DramAddressMap map(cfg);
  DramLocation row0, row1;
  row1.row = 1;
  const uint64_t a0 = map.address(0, row0), a1 = map.address(0, row1);
  ASSERT_EQ(map.locate(a1).flat_bank, map.locate(a0).flat_bank);
  ASSERT_EQ(map.locate(a1).row, 1u);
  const size_t n = 100;
  std::vector<uint64_t> addresses;
  for (size_t i = 0; i < n; ++i) addresses.push_back(i % 2 ? a1 : a0);
  RunOptions run;
  run.outstanding = 1;
  const BenchResult r = run_direct(cfg, from_addresses(addresses), run);

  const uint64_t half = cfg.burst_length / 2;
  // Request 0 (bank precharged): ACT at 0, RD at tRCD.
  uint64_t act = 0, rd = tm.tRCD, done = rd + tm.CL + half;
  std::vector<uint64_t> expect = {done};
  for (size_t i = 1; i < n; ++i) {
    const uint64_t t = done;  // issued when the previous completes
    const uint64_t pre = std::max({t, act + tm.tRAS, rd + tm.tRTP});
    act = std::max(pre + tm.tRP, act + tm.tRC);
    rd = act + tm.tRCD;
    done = rd + tm.CL + half;
    expect.push_back(done - t);
  }
  EXPECT_EQ(expect[0], 26u);
  EXPECT_EQ(expect[1], uint64_t(tm.tRP + tm.tRCD + tm.CL + half) + (tm.tRAS - (tm.tRCD + tm.CL + half)));  // 37 + 2
  EXPECT_EQ(expect[1], 39u);
  ASSERT_LT(r.last_done, tm.tREFI);
  for (size_t i = 0; i < n; ++i) EXPECT_EQ(r.done_cycle[i] - r.issue_cycle[i], expect[i]) << "request " << i;
  EXPECT_EQ(r.row_misses, 1u);
  EXPECT_EQ(r.row_conflicts, n - 1);
  EXPECT_EQ(r.row_hits, 0u);
  EXPECT_EQ(r.act(), n);
  EXPECT_EQ(r.pre(), n - 1);
  EXPECT_NEAR(r.read_latency.max, 39 * 1.25, 1e-9);
}

TEST(DramBenchLoaded, SequentialReadsReach95PercentOfDdr3_1600Peak) {
  const DramConfig cfg = dram_config(kDdr3_1600);
  ASSERT_EQ(cfg.channels, 1u);
  PatternOptions o;
  o.requests = 100000;
  const BenchResult r = run_direct(cfg, generate_pattern(o, cfg), RunOptions{});  // closed, 64 outstanding
  EXPECT_NEAR(r.peak_gbs, 12.8, 1e-9);
  EXPECT_GE(r.bandwidth_gbs, 0.95 * 12.8) << format_text(r);
  EXPECT_GE(r.percent_of_peak, 95.0);
  EXPECT_GT(r.row_hit_rate, 0.95);
  EXPECT_GT(r.ref(), 0u);  // long enough to include refreshes
  EXPECT_EQ(r.rd(), o.requests);
  EXPECT_EQ(r.bytes, o.requests * 64);
}

TEST(DramBenchLoaded, RandomReadsHitRowsFarLessOftenThanSequential) {
  const DramConfig cfg = dram_config(kDdr3_1600);
  PatternOptions o;
  o.requests = 20000;
  const BenchResult seq = run_direct(cfg, generate_pattern(o, cfg), RunOptions{});
  o.pattern = Pattern::Random;
  const BenchResult rnd = run_direct(cfg, generate_pattern(o, cfg), RunOptions{});
  EXPECT_GT(seq.row_hit_rate, 0.95);
  EXPECT_LT(rnd.row_hit_rate, 0.1) << format_text(rnd);
  EXPECT_GT(rnd.row_misses + rnd.row_conflicts, o.requests * 9 / 10);
  // Nearly every random read needs an ACT, and a rank takes at most four ACTs per tFAW: the
  // bandwidth bound is 4 x 64 bytes / (tFAW x tCK) = 256 / 30 ns = 8.53 GB/s, plus the few hits.
  const double faw_bound = 4.0 * 64 / (cfg.timing.tFAW * cfg.tck_seconds() * 1e9);
  EXPECT_LE(rnd.bandwidth_gbs, faw_bound / (1 - rnd.row_hit_rate) + 1e-9);
  EXPECT_LT(rnd.bandwidth_gbs, seq.bandwidth_gbs * 0.75);
  EXPECT_GT(rnd.read_latency.mean, seq.read_latency.mean);
}

TEST(DramBenchLoaded, RandomReadWriteIssuesReadsAndWritesInTheRequestedMix) {
  const DramConfig cfg = dram_config(kDdr3_2133);
  PatternOptions o;
  o.pattern = Pattern::RandomRW;
  o.requests = 20000;
  o.write_fraction = 0.5;
  const BenchResult r = run_direct(cfg, generate_pattern(o, cfg), RunOptions{});
  EXPECT_GT(r.rd(), 0u);
  EXPECT_GT(r.wr(), 0u);
  EXPECT_EQ(r.rd(), r.reads);  // 64-byte bursts: one column command per request
  EXPECT_EQ(r.wr(), r.writes);
  EXPECT_EQ(r.reads + r.writes, o.requests);
  EXPECT_NEAR(double(r.writes) / double(r.requests), 0.5, 0.02);
  const nlohmann::json j = to_json(r);
  EXPECT_NEAR(j["write_fraction"].get<double>(), 0.5, 0.02);
  for (const char* k : {"bandwidth_gbs", "peak_bandwidth_gbs", "percent_of_peak", "read_latency_ns", "row_hit_rate",
                        "row_hit_rate_by_act", "row_misses", "row_conflicts", "commands", "requests_per_wall_second"})
    EXPECT_TRUE(j.contains(k)) << k;
  for (const char* k : {"ACT", "PRE", "RD", "WR", "REF"}) EXPECT_TRUE(j["commands"].contains(k)) << k;
  for (const char* k : {"mean", "p50", "p90", "p99", "max"}) EXPECT_TRUE(j["read_latency_ns"].contains(k)) << k;
}

// The two engines must agree request by request: issue, acceptance and completion cycles, and
// every counter. (Each TEST runs in its own process, so each may elaborate one SystemC model.)
void expect_same(const BenchResult& a, const BenchResult& b) {
  EXPECT_EQ(a.issue_cycle, b.issue_cycle);
  EXPECT_EQ(a.accept_cycle, b.accept_cycle);
  ASSERT_EQ(a.done_cycle.size(), b.done_cycle.size());
  size_t differ = 0;
  for (size_t i = 0; i < a.done_cycle.size(); ++i)
    if (a.done_cycle[i] != b.done_cycle[i] && differ++ < 5)
      ADD_FAILURE() << "request " << i << ": done " << a.done_cycle[i] << " (direct) vs " << b.done_cycle[i]
                    << " (tlm)";
  EXPECT_EQ(differ, 0u);
  EXPECT_EQ(a.commands, b.commands);
  EXPECT_EQ(a.row_hits, b.row_hits);
  EXPECT_EQ(a.row_misses, b.row_misses);
  EXPECT_EQ(a.row_conflicts, b.row_conflicts);
  EXPECT_EQ(a.read_latency_histogram, b.read_latency_histogram);
  EXPECT_EQ(a.bandwidth_gbs, b.bandwidth_gbs);
  EXPECT_EQ(b.engine, "tlm");
}

TEST(DramBenchEngines, DirectAndTlmAgreeOnAnOpenLoopTraceWithCycles) {
  // Two channels; bursts of same-cycle requests, reads and writes, row hits and conflicts,
  // more requests than the queues hold (back-pressure, END_REQ held back).
  const DramConfig cfg = dram_config(kDdr3_2133);
  std::ostringstream text;
  text << "# generated: address command cycle\n";
  uint64_t x = 12345, cycle = 0;
  for (int i = 0; i < 600; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    const uint64_t addr = (x >> 33) % (1u << 22) / 64 * 64;
    text << "0x" << std::hex << addr << std::dec << ((x >> 20) % 3 == 0 ? " WRITE " : " READ ") << cycle << "\n";
    if (i % 7 == 6) cycle += (x >> 40) % 40;  // groups of 7 requests in one cycle
  }
  const Trace trace = parse(text.str());
  RunOptions run;
  run.mode = Mode::Open;
  const BenchResult d = run_direct(cfg, trace, run);
  const BenchResult t = run_tlm(cfg, trace, run);
  expect_same(d, t);
  EXPECT_GT(d.writes, 0u);
  EXPECT_GT(d.row_conflicts, 0u);
  // Open loop: each request is issued at its trace cycle.
  for (size_t i = 0; i < trace.requests.size(); ++i) EXPECT_EQ(d.issue_cycle[i], trace.requests[i].cycle);
  // Back-pressure happened: some request entered the controller after its trace cycle.
  size_t held = 0;
  for (size_t i = 0; i < trace.requests.size(); ++i) held += d.accept_cycle[i] > d.issue_cycle[i];
  EXPECT_GT(held, 0u);
}

TEST(DramBenchEngines, DirectAndTlmAgreeInClosedLoopOnHbm2) {
  const DramConfig cfg = dram_config(kHbm2);
  PatternOptions o;
  o.pattern = Pattern::RandomRW;
  o.requests = 3000;
  o.footprint = 1 << 22;
  const Trace trace = generate_pattern(o, cfg);
  RunOptions run;
  run.outstanding = 48;
  const BenchResult d = run_direct(cfg, trace, run);
  const BenchResult t = run_tlm(cfg, trace, run);
  expect_same(d, t);
  EXPECT_GT(d.ref(), 0u);  // per-bank refreshes included
}

TEST(DramBenchEngines, TlmRunsOncePerProcess) {
  const DramConfig cfg = dram_config(kDdr3_1600);
  const Trace trace = parse("0x0 R\n0x40 W\n");
  const BenchResult t = run_tlm(cfg, trace, RunOptions{});
  EXPECT_EQ(t.requests, 2u);
  EXPECT_TRUE(Contains(ErrorOf(kBenchError, [&] { run_tlm(cfg, trace, RunOptions{}); }), "once per process"));
}

TEST(DramBenchEngines, RejectsTheBandwidthLatencyModel) {
  DramConfig cfg = dram_config(kDdr3_1600);
  cfg.model = DramModel::BandwidthLatency;
  EXPECT_TRUE(Contains(ErrorOf(kBenchError, [&] { run_direct(cfg, parse("0x0 R\n"), RunOptions{}); }),
                       "needs the jedec DRAM model"));
}

}  // namespace
}  // namespace tpu::bench
