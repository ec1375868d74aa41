// Pin-level tests of the MXU RTL (model/mxu/rtl/mxu_array.sv) Verilated as SystemC, 16 x 16, against
// the contract of model/mxu/mxu_pins.h: weight shift, blocks with a_switch, back-to-back blocks, a
// second tile shifted in during a block at the earliest legal cycle (and the same one cycle too
// early, which must break), reset, outputs against a naive matrix product and the exact latency
// R + C - 1; a random run through the RTL and tpu::MxuCycleArray<16, 16> side by side (identical
// p_valid / p_row every cycle); and the faulty variant (MXU_BROKEN_CARRY) caught.
//
// Built by model/mxu/rtl/rtl.cmake (not by the tests/test_*.cpp glob: it needs the Verilated
// libraries). SystemC allows one elaboration per process: one bench per test case, and ctest
// runs each case in its own process.
//
// Waveforms: with TPU_RTL_VCD=<file> in the environment a test writes a VCD of the RTL (Verilator
// tracing); run one test (--gtest_filter) per file. View it with model/mxu/rtl/mxu_array.gtkw.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <systemc>

#include <verilated.h>
#include <verilated_vcd_sc.h>

#include "Vmxu_array16.h"
#include "Vmxu_array16_broken.h"
#include "common/mxu_stimulus.h"
#include "config/config.h"
#include "mxu/mxu_cycle_array.h"
#include "mxu/mxu_pins.h"

namespace {

constexpr unsigned R = 16;  // the verilated array: -GR=16 -GC=16 (model/mxu/rtl/rtl.cmake)
constexpr unsigned C = 16;
constexpr uint64_t L = tpu::mxu_latency_cycles(R, C);  // R + C - 1
static_assert(L == R + C - 1, "latency of the pin contract");

using sc_core::SC_NS;
using sc_core::sc_time;
using Stimulus = tpu::test::MxuStimulus<R, C>;
using CycleIn = Stimulus::CycleIn;
using Tile = Stimulus::Tile;  // w[r][c]
using ARow = Stimulus::ARow;
using PRow = Stimulus::PRow;

// ---- stimulus --------------------------------------------------------------------------------

/// A random schedule that keeps the driver's timing rules of mxu_pins.h: tiles shifted in R
/// consecutive cycles, a switch only on a complete tile (t1 >= t_s + R), a shift only from
/// t1 + R - 1 on; blocks with holes, shifts during blocks, and resets (which drop the rows in
/// flight and clear the weights); rows of every operand format (a_unsigned, w_unsigned) mixed.
Stimulus random_legal_stimulus(std::mt19937& rng, uint64_t n_cycles) {
  Stimulus s;
  std::bernoulli_distribution p_valid(0.8), p_switch(0.06), p_shift(0.2), p_reset(0.001), p_unsigned(0.3);
  const Tile zero{};
  Tile chain{}, active{}, shifting{};
  unsigned shift_left = 0;  // cycles of the tile being shifted still to come
  int64_t last_switch = -int64_t(R), shift_start = -int64_t(R);
  s.reset(0, 2);
  for (uint64_t t = 2; t < n_cycles; ++t) {
    if (p_reset(rng)) {
      s.reset(t, 1 + unsigned(t % 3));
      const uint64_t end = t + 1 + t % 3;
      s.drop_expected_after(t);  // sums leaving after the first reset edge (edge t + 1) are lost
      chain = active = zero;
      shift_left = 0;
      last_switch = shift_start = -int64_t(R);
      t = end - 1;
      continue;
    }
    const int64_t ti = int64_t(t);
    // Activations first: a switch uses the complete tile in the chains (none being shifted).
    if (p_valid(rng)) {
      const bool can_switch = shift_left == 0 && ti >= shift_start + int64_t(R);
      const bool sw = can_switch && p_switch(rng);
      if (sw) {
        active = chain;
        last_switch = ti;
      }
      const bool ua = p_unsigned(rng), uw = p_unsigned(rng);  // each row its own operand format
      s.row(t, Stimulus::random_row(rng), sw, active, ua, uw);
    }
    // Weights: continue a shift, or start one if the last switching row allows it.
    if (shift_left == 0 && ti >= last_switch + int64_t(R) - 1 && p_shift(rng)) {
      shifting = Stimulus::random_tile(rng);
      shift_left = R;
      shift_start = ti;
    }
    if (shift_left > 0) {
      CycleIn& in = s.at(t);
      in.w_shift = true;
      in.w_row = shifting[shift_left - 1];  // tile rows R-1 .. 0
      if (--shift_left == 0) chain = shifting;
    }
  }
  s.at(n_cycles - 1);  // the schedule covers every cycle
  s.add_garbage(rng, /*switch_too=*/true);
  return s;
}

// ---- bench -----------------------------------------------------------------------------------

/// What a monitor saw during one cycle.
struct Seen {
  bool valid = false;
  PRow p{};
};

/// Output signals of one array and what a monitor saw on them, one entry per cycle.
struct Probe {
  explicit Probe(const std::string& name) : p_valid((name + "_p_valid").c_str()), p_row((name + "_p_row").c_str()) {}
  sc_core::sc_signal<bool> p_valid;
  sc_core::sc_signal<sc_dt::sc_bv<32 * C>> p_row;
  std::vector<Seen> seen;
};

/// A 1 ns clock (rising edge k at k ns, so cycle k is [k, k + 1) ns), the input signals, a driver
/// thread writing cycle k's inputs right after edge k, the DUT (RTL type Rtl), optionally the
/// cycle-accurate SystemC array on the same inputs, and a monitor recording p_valid / p_row at
/// every rising edge (the values of the cycle that edge ends).
template <class Rtl>
struct Bench : sc_core::sc_module {
  // The model's 1 fs resolution, which the RTL is verilated for (--timescale-override),
  // set before any time exists.
  const bool resolution_set = (tpu::init_time_resolution(), true);
  sc_core::sc_clock clk{"clk", sc_time(1, SC_NS), 0.5, sc_time(1, SC_NS), true};
  tpu::test::MxuInputSignals<R, C> in;
  Probe rtl_out{"rtl"};
  Probe model_out{"model"};
  std::unique_ptr<Rtl> rtl;
  std::unique_ptr<tpu::MxuCycleArray<R, C>> model;
  std::vector<CycleIn> schedule;
  std::string vcd_path;
  // An sc_trace_file the kernel calls until the end of the process: closed in run(), never
  // deleted.
  VerilatedVcdSc* vcd = nullptr;

  SC_HAS_PROCESS(Bench);
  /// `with_model`: also the cycle-accurate SystemC array. The VCD file: `vcd_file`, else
  /// $TPU_RTL_VCD, else none.
  Bench(sc_core::sc_module_name name, std::vector<CycleIn> sched, bool with_model = false, std::string vcd_file = "")
      : sc_core::sc_module(name), schedule(std::move(sched)), vcd_path(std::move(vcd_file)) {
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    if (vcd_path.empty())
      if (const char* env = std::getenv("TPU_RTL_VCD")) vcd_path = env;
    // Tracing must be enabled before the Verilated model is constructed.
    if (!vcd_path.empty()) Verilated::traceEverOn(true);
    rtl = std::make_unique<Rtl>("rtl");
    in.bind(*rtl, clk, rtl_out.p_valid, rtl_out.p_row);
    if (with_model) {
      model = std::make_unique<tpu::MxuCycleArray<R, C>>("model");
      in.bind(*model, clk, model_out.p_valid, model_out.p_row);
    }
    SC_THREAD(drive);
    SC_METHOD(monitor);
    sensitive << clk.posedge_event();
    dont_initialize();
  }

  void drive() {
    const CycleIn idle;
    for (uint64_t k = 0;; ++k) {
      in.write(k < schedule.size() ? schedule[k] : idle);
      wait(clk.posedge_event());
    }
  }

  void monitor() {
    record(rtl_out);
    if (model) record(model_out);
  }
  static void record(Probe& out) {
    Seen& now = out.seen.emplace_back();
    now.valid = out.p_valid.read();
    tpu::unpack_int32_row<C>(out.p_row.read(), now.p.data());
  }

  /// Simulates cycles 0 .. n_cycles - 1 (the schedule, then idle inputs).
  void run(uint64_t n_cycles) {
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // elaborate before tracing
    if (!vcd_path.empty()) {
      vcd = new VerilatedVcdSc;
      rtl->trace(vcd, 99);
      vcd->open(vcd_path.c_str());
    }
    sc_core::sc_start(sc_time(double(n_cycles) + 0.5, SC_NS));  // edges 1 .. n_cycles
    if (vcd) vcd->close();
    rtl->final();
  }
};

// ---- checks ----------------------------------------------------------------------------------

std::string row_text(const PRow& p) {
  std::string s;
  for (int32_t x : p) s += std::to_string(x) + " ";
  return s;
}

/// p_valid exactly in the expected cycles with the expected sums, and p_row 0 elsewhere (rows
/// entering with a_valid low are zeros: see model/mxu/rtl/mxu_array.sv).
void check_against_expected(const std::vector<Seen>& seen, const std::map<uint64_t, PRow>& expected, const char* who) {
  size_t valid_rows = 0;
  int failures = 0;
  for (uint64_t k = 0; k < seen.size() && failures < 10; ++k) {
    const auto e = expected.find(k);
    if (e == expected.end()) {
      if (seen[k].valid || seen[k].p != PRow{}) ++failures;
      EXPECT_FALSE(seen[k].valid) << who << ": unexpected p_valid in cycle " << k;
      EXPECT_EQ(seen[k].p, PRow{}) << who << ": p_row not 0 without p_valid in cycle " << k;
      continue;
    }
    ++valid_rows;
    if (!seen[k].valid || seen[k].p != e->second) ++failures;
    EXPECT_TRUE(seen[k].valid) << who << ": p_valid missing in cycle " << k;
    EXPECT_EQ(seen[k].p, e->second) << who << ": sums in cycle " << k << "\n  got      " << row_text(seen[k].p)
                                    << "\n  expected " << row_text(e->second);
  }
  ASSERT_EQ(failures, 0) << who << ": (stopped after 10 failing cycles)";
  EXPECT_EQ(valid_rows, expected.size()) << who << ": the run is too short for every expected row";
}

uint64_t run_length(const Stimulus& s) {
  const uint64_t last_expected = s.expected.empty() ? 0 : s.expected.rbegin()->first;
  return std::max<uint64_t>(s.cycles.size(), last_expected + 1) + L + 4;
}

/// Runs `s` on the RTL and checks it against the expected sums and latency.
template <class Rtl = Vmxu_array16>
void run_and_check(const Stimulus& s) {
  Bench<Rtl> bench("bench", s.cycles);
  bench.run(run_length(s));
  check_against_expected(bench.rtl_out.seen, s.expected, "RTL");
}

// ---- tests -----------------------------------------------------------------------------------

// A tile shifted in, then a block switching to it at the earliest legal cycle t_s + R: every
// row's sums leave exactly R + C - 1 cycles after the row entered, and nothing before.
TEST(MxuRtlPins, ShiftThenBlockExactLatency) {
  std::mt19937 rng(1);
  Stimulus s;
  const uint64_t t_s = 3, t1 = t_s + R;
  const Tile w = s.reset_and_shift_random_tile(rng, 2, t_s);
  s.block(t1, Stimulus::random_rows(rng, 20), true, w);
  Bench<Vmxu_array16> bench("bench", s.cycles);
  bench.run(run_length(s));
  const auto& seen = bench.rtl_out.seen;
  ASSERT_GT(seen.size(), t1 + L);
  uint64_t first_valid = 0;
  while (first_valid < seen.size() && !seen[first_valid].valid) ++first_valid;
  EXPECT_EQ(first_valid, t1 + L) << "latency R + C - 1 = " << L;
  check_against_expected(seen, s.expected, "RTL");
}

// One row at a time with gaps: each leaves alone, R + C - 1 cycles later.
TEST(MxuRtlPins, SingleRowsWithGaps) {
  std::mt19937 rng(2);
  Stimulus s;
  const Tile w = s.reset_and_shift_random_tile(rng);
  uint64_t t = 1 + R;
  for (unsigned i = 0; i < 8; ++i) {
    s.row(t, Stimulus::random_row(rng), i == 0, w);
    t += 1 + i;  // gaps of 0 .. 7 cycles
  }
  run_and_check(s);
}

// Back-to-back blocks on one tile, a block with holes, and a repeated switch to the same tile.
TEST(MxuRtlPins, BackToBackBlocks) {
  std::mt19937 rng(3);
  Stimulus s;
  const Tile w = s.reset_and_shift_random_tile(rng, 3, 3);
  uint64_t t = 3 + R;
  s.block(t, Stimulus::random_rows(rng, 10), true, w);  // switch
  t += 10;
  s.block(t, Stimulus::random_rows(rng, 7), false, w);  // directly after, same tile
  t += 7;
  s.block(t, Stimulus::random_rows(rng, 5), true, w);  // switching again to the (unchanged) chain tile
  t += 5 + 3;
  for (unsigned i = 0; i < 12; ++i)  // holes every third cycle
    if (i % 3 != 2) s.row(t + i, Stimulus::random_row(rng), false, w);
  run_and_check(s);
}

// Double buffering at full speed: tile k+1 is shifted in from the earliest legal cycle
// t1 + R - 1 (during block k) and block k+1 switches to it at the earliest legal cycle, which
// with B = 2R - 1 rows per block is right after block k: no bubble, a new tile every 2R - 1
// cycles (max(B, (R - 1) + R) of mxu_pins.h).
TEST(MxuRtlPins, SecondTileShiftedDuringBlockAtEarliestCycle) {
  std::mt19937 rng(4);
  Stimulus s;
  s.reset(0);
  const unsigned B = 2 * R - 1;
  static_assert(tpu::mxu_shift_free_delay_cycles(R) == R - 1, "earliest next shift");
  uint64_t t_s = 1;
  Tile w = Stimulus::random_tile(rng);
  s.shift(t_s, w);
  uint64_t t1 = t_s + R;  // earliest switch
  for (unsigned tile = 0; tile < 5; ++tile) {
    s.block(t1, Stimulus::random_rows(rng, B), true, w);
    const uint64_t next_shift = t1 + tpu::mxu_shift_free_delay_cycles(R);  // during this block
    ASSERT_LT(next_shift, t1 + B);
    w = Stimulus::random_tile(rng);
    s.shift(next_shift, w);
    ASSERT_EQ(next_shift + R, t1 + B);  // the next block follows without a gap
    t1 = next_shift + R;
  }
  // A short block (B < 2R - 1): the next switch waits for its tile, not for the block.
  s.block(t1, Stimulus::random_rows(rng, 4), true, w);
  const uint64_t next_shift = t1 + R - 1;
  const Tile w2 = Stimulus::random_tile(rng);
  s.shift(next_shift, w2);
  s.block(next_shift + R, Stimulus::random_rows(rng, 4), true, w2);
  run_and_check(s);
}

/// Schedules W0, a block switching to it, then W1 with its shift `early` cycles before the
/// earliest legal cycle and a block switching to W1. The blocks' expectations are the naive
/// products (correct only when the rules are kept).
Stimulus two_tiles(std::mt19937& rng, unsigned shift_early, unsigned switch_early) {
  Stimulus s;
  const uint64_t t_s = 1, t1 = t_s + R - switch_early;
  const Tile w0 = s.reset_and_shift_random_tile(rng, 1, t_s), w1 = Stimulus::random_tile(rng);
  s.block(t1, Stimulus::random_rows(rng, 2 * R), true, w0);
  const uint64_t t_s2 = t1 + R - 1 - shift_early;
  s.shift(t_s2, w1);
  s.block(t1 + 2 * R, Stimulus::random_rows(rng, 2 * R), true, w1);
  return s;
}

/// Runs `s` and returns how many expected rows came out different.
unsigned wrong_rows(const Stimulus& s) {
  Bench<Vmxu_array16> bench("bench", s.cycles);
  bench.run(run_length(s));
  unsigned wrong = 0;
  for (const auto& [k, p] : s.expected) {
    EXPECT_TRUE(bench.rtl_out.seen.at(k).valid) << "cycle " << k;  // valid timing never breaks
    wrong += bench.rtl_out.seen.at(k).p != p;
  }
  return wrong;
}

// The timing rules are exact for this RTL: at the earliest legal cycles everything is right
// (the control below and SecondTileShiftedDuringBlockAtEarliestCycle); one cycle earlier it is
// not. Next shift at t1 + R - 2: PE(R-1, c) activates a weight already shifted on.
TEST(MxuRtlPins, TwoTilesAtEarliestLegalCycles) {
  std::mt19937 rng(5);
  EXPECT_EQ(wrong_rows(two_tiles(rng, 0, 0)), 0u);
}

TEST(MxuRtlPins, ShiftOneCycleTooEarlyBreaks) {
  std::mt19937 rng(5);  // the same data as the control above
  EXPECT_GT(wrong_rows(two_tiles(rng, 1, 0)), 0u) << "shift at t1 + R - 2 must corrupt";
}

// Switch at t_s + R - 1: PE(0, 0) takes its chain weight before the last shift reached it.
TEST(MxuRtlPins, SwitchOneCycleTooEarlyBreaks) {
  std::mt19937 rng(6);
  EXPECT_GT(wrong_rows(two_tiles(rng, 0, 1)), 0u) << "switch at t_s + R - 1 must corrupt";
}

// Reset in mid-block drops the rows in flight (no p_valid for them), clears the weights (a
// block without a new tile gives zeros), and the array works again after a new tile.
TEST(MxuRtlPins, ResetDropsRowsAndClearsWeights) {
  std::mt19937 rng(7);
  Stimulus s;
  const Tile w = s.reset_and_shift_random_tile(rng);
  const uint64_t t1 = 1 + R;
  s.block(t1, Stimulus::random_rows(rng, 10), true, w);
  const uint64_t t_r = t1 + L + 3;  // the block's first 4 rows have left, 6 are in flight
  s.reset(t_r, 2);
  s.drop_expected_after(t_r);
  ASSERT_EQ(s.expected.size(), 4u);
  s.block(t_r + 2, Stimulus::random_rows(rng, 3), true, Tile{});  // weights cleared: zeros
  const Tile w2 = Stimulus::random_tile(rng);
  s.shift(t_r + 2 + R, w2);  // t1 + R - 1 after the switch above
  s.block(t_r + 2 + 2 * R, Stimulus::random_rows(rng, 6), true, w2);
  run_and_check(s);
}

// Random legal traffic, with garbage on every input the array must ignore, through the RTL and
// the cycle-accurate SystemC model on the same signals: identical p_valid and p_row in every
// cycle, and both equal to the naive products.
TEST(MxuRtlPins, MatchesCycleAccurateSystemCModel) {
  std::mt19937 rng(8);
  const Stimulus s = random_legal_stimulus(rng, 6000);
  ASSERT_GT(s.expected.size(), 3000u);
  unsigned switches = 0, shift_cycles = 0, resets = 0;
  for (size_t k = 1; k < s.cycles.size(); ++k) {
    const CycleIn& in = s.cycles[k];
    switches += in.rst_n && in.a_valid && in.a_switch;
    shift_cycles += in.w_shift;
    resets += !in.rst_n && s.cycles[k - 1].rst_n;
  }
  const unsigned shifts = shift_cycles / R;
  EXPECT_GT(switches, 50u);
  EXPECT_GT(shifts, 50u);
  EXPECT_GT(resets, 2u);
  std::printf("%zu rows, %u switches, about %u tile shifts, %u resets\n", s.expected.size(), switches, shifts, resets);
  Bench<Vmxu_array16> bench("bench", s.cycles, true);
  bench.run(run_length(s));
  const auto& a = bench.rtl_out.seen;
  const auto& b = bench.model_out.seen;
  ASSERT_EQ(a.size(), b.size());
  int diffs = 0;
  for (size_t k = 0; k < a.size() && diffs < 10; ++k) {
    if (a[k].valid == b[k].valid && a[k].p == b[k].p) continue;
    ++diffs;
    ADD_FAILURE() << "cycle " << k << ": RTL p_valid " << a[k].valid << " p_row " << row_text(a[k].p)
                  << "\n  model p_valid " << b[k].valid << " p_row " << row_text(b[k].p);
  }
  EXPECT_EQ(diffs, 0);
  check_against_expected(a, s.expected, "RTL");
  check_against_expected(b, s.expected, "MxuCycleArray");
}

// The faulty RTL (PE(R/2, C/2) drops the carry from bit 15 to 16) differs from the naive
// product on random data: only in column C/2, and by exactly -2^16 where it does.
TEST(MxuRtlPins, BrokenCarryVariantIsCaught) {
  std::mt19937 rng(9);
  Stimulus s;
  const Tile w = s.reset_and_shift_random_tile(rng);
  s.block(1 + R, Stimulus::random_rows(rng, 64), true, w);
  Bench<Vmxu_array16_broken> bench("bench", s.cycles);
  bench.run(run_length(s));
  unsigned wrong = 0;
  for (const auto& [k, p] : s.expected) {
    const Seen& got = bench.rtl_out.seen.at(k);
    ASSERT_TRUE(got.valid) << "cycle " << k;
    for (unsigned c = 0; c < C; ++c) {
      if (got.p[c] == p[c]) continue;
      ++wrong;
      EXPECT_EQ(c, C / 2) << "cycle " << k;
      EXPECT_EQ(uint32_t(p[c]) - uint32_t(got.p[c]), 1u << 16) << "cycle " << k << " column " << c;
    }
  }
  EXPECT_GT(wrong, 0u) << "the broken PE went unnoticed";
}

// A VCD of the RTL: Verilator's tracing under SystemC (the same as with TPU_RTL_VCD set).
TEST(MxuRtlPins, WritesVcd) {
  std::mt19937 rng(10);
  Stimulus s;
  const Tile w = s.reset_and_shift_random_tile(rng, 2, 2);
  s.block(2 + R, Stimulus::random_rows(rng, 8), true, w);
  const char* env = std::getenv("TPU_RTL_VCD");
  const std::string path = env ? env : "rtl_mxu_pins_test.vcd";
  std::remove(path.c_str());
  {
    Bench<Vmxu_array16> bench("bench", s.cycles, false, path);
    bench.run(run_length(s));
    check_against_expected(bench.rtl_out.seen, s.expected, "RTL");
  }
  std::ifstream f(path);
  ASSERT_TRUE(f) << path;
  const std::string vcd((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  for (const char* name : {" clk ", " p_valid ", " p_row ", " a_switch ", " psum_q ", " active_q "})
    EXPECT_NE(vcd.find(name), std::string::npos) << name << " not in " << path;
  if (!env) std::remove(path.c_str());
}

// Simulation speed of the Verilated 16x16 array in this bench (driver, monitor, signals),
// dense random traffic; reported, not checked.
TEST(MxuRtlPins, Throughput) {
  std::mt19937 rng(11);
  const uint64_t n = 100000;
  const Stimulus s = random_legal_stimulus(rng, n);
  Bench<Vmxu_array16> bench("bench", s.cycles);
  const uint64_t cycles = run_length(s);
  const auto t0 = std::chrono::steady_clock::now();
  bench.run(cycles);
  const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double rate = double(cycles) / sec;
  std::printf("RTL 16x16 (Verilator SystemC): %llu cycles in %.3f s = %.0f cycles/s\n",
              static_cast<unsigned long long>(cycles), sec, rate);
  RecordProperty("cycles_per_second", std::to_string(uint64_t(rate)));
  check_against_expected(bench.rtl_out.seen, s.expected, "RTL");
}

}  // namespace
