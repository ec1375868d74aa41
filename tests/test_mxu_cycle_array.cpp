// Cycle-accurate MXU array (model/mxu_cycle_array.h) against the pin contract in mxu_pins.h:
// latency, products against a naive loop, double-buffered tile switching, the driver's timing
// rules (with negative controls one cycle off), a 64x64 random run, reset, and the row packing
// helpers. SystemC allows one elaboration per process: one testbench per test case (ctest runs
// each case in its own process).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <systemc>

#include "mxu_cycle_array.h"

namespace tpu::test {
namespace {

using sc_core::SC_NS;
using sc_core::sc_time;

// A weight tile W[r][c] (R x C, row major) and activation rows X[b][r] (B x R).
using Tile = std::vector<int8_t>;
using Rows = std::vector<std::vector<int8_t>>;

// Inputs driven during one cycle.
template <unsigned R, unsigned C>
struct CycleIn {
  bool rst_n = true;
  bool w_shift = false;
  bool a_valid = false;
  bool a_switch = false;
  std::array<int8_t, C> w_row{};
  std::array<int8_t, R> a_row{};
};

// One row of sums seen with p_valid high: it was valid during `cycle`.
struct Output {
  uint64_t cycle;
  std::vector<int32_t> p;
};

Tile random_tile(unsigned R, unsigned C, std::mt19937& rng, int lo = -128, int hi = 127) {
  std::uniform_int_distribution<int> v(lo, hi);
  Tile t(size_t(R) * C);
  for (auto& w : t) w = int8_t(v(rng));
  return t;
}

Rows random_rows(unsigned B, unsigned R, std::mt19937& rng, int lo = -128, int hi = 127) {
  std::uniform_int_distribution<int> v(lo, hi);
  Rows x(B, std::vector<int8_t>(R));
  for (auto& row : x)
    for (auto& a : row) a = int8_t(v(rng));
  return x;
}

// Naive p[c] = sum_r x[r] * W[r][c], int32 with wrap-around (additions in uint32_t).
std::vector<int32_t> naive_row(const std::vector<int8_t>& x, const Tile& w, unsigned R, unsigned C) {
  std::vector<int32_t> p(C);
  for (unsigned c = 0; c < C; ++c) {
    uint32_t s = 0;
    for (unsigned r = 0; r < R; ++r) s += uint32_t(int32_t(x[r]) * int32_t(w[size_t(r) * C + c]));
    p[c] = int32_t(s);
  }
  return p;
}

// A stimulus schedule (inputs per cycle) with the outputs it must produce.
template <unsigned R, unsigned C>
struct Plan {
  std::vector<CycleIn<R, C>> cyc;
  std::vector<Output> expected;

  CycleIn<R, C>& at(uint64_t k) {
    if (k >= cyc.size()) cyc.resize(k + 1);
    return cyc[k];
  }
  void reset(uint64_t k) { at(k).rst_n = false; }
  // Shifts tile w in over cycles t_s .. t_s + R - 1, tile rows R-1, ..., 0 in that order.
  void shift(uint64_t t_s, const Tile& w) {
    for (unsigned i = 0; i < R; ++i) {
      CycleIn<R, C>& in = at(t_s + i);
      in.w_shift = true;
      for (unsigned c = 0; c < C; ++c) in.w_row[c] = w[size_t(R - 1 - i) * C + c];
    }
  }
  // Enters one activation row in cycle t.
  void row(uint64_t t, const std::vector<int8_t>& x, bool sw) {
    CycleIn<R, C>& in = at(t);
    in.a_valid = true;
    in.a_switch = sw;
    for (unsigned r = 0; r < R; ++r) in.a_row[r] = x[r];
  }
  // Enters rows x from cycle t0 (a_switch on the first if sw) and expects x * w from each,
  // R + C - 1 cycles after it entered.
  void block(uint64_t t0, const Rows& x, bool sw, const Tile& w) {
    for (size_t b = 0; b < x.size(); ++b) {
      row(t0 + b, x[b], sw && b == 0);
      expect(t0 + b + R + C - 1, naive_row(x[b], w, R, C));
    }
  }
  void expect(uint64_t cycle, std::vector<int32_t> p) { expected.push_back({cycle, std::move(p)}); }
  // Random values on inputs nobody samples (w_row without w_shift, a_row without a_valid) and,
  // if `switch_too`, a random a_switch without a_valid.
  void fill_garbage(std::mt19937& rng, bool switch_too = false) {
    std::uniform_int_distribution<int> v(-128, 127);
    std::bernoulli_distribution coin(0.5);
    for (auto& in : cyc) {
      if (!in.w_shift)
        for (auto& w : in.w_row) w = int8_t(v(rng));
      if (!in.a_valid) {
        for (auto& a : in.a_row) a = int8_t(v(rng));
        if (switch_too) in.a_switch = coin(rng);
      }
    }
  }
};

// The driver's timing rules of mxu_pins.h, checked on a schedule (the tests' own sanity check;
// the negative controls assert that they break exactly these rules). Shifts come in runs of R
// w_shift cycles; empty string if legal.
template <unsigned R, unsigned C>
std::string contract_violation(const std::vector<CycleIn<R, C>>& cyc) {
  int64_t shift_start = -1, last_switch = -1;
  unsigned shifted = 0;  // cycles of the current tile shifted so far
  bool pending = false;  // a tile shift started after the last switch
  for (size_t k = 0; k < cyc.size(); ++k) {
    const auto& in = cyc[k];
    const int64_t t = int64_t(k);
    if (!in.rst_n) {
      shift_start = last_switch = -1;
      shifted = 0;
      pending = false;
      continue;
    }
    if (in.a_valid && in.a_switch && pending) {
      if (t < shift_start + int64_t(R)) return "switch in cycle " + std::to_string(t) + " < t_s + R";
      if (shifted != R) return "switch in cycle " + std::to_string(t) + " before the tile is complete";
    }
    if (in.a_valid && in.a_switch) {
      last_switch = t;
      pending = false;
    }
    if (in.w_shift) {
      if (shifted == R || !pending) {  // a new tile starts
        if (last_switch >= 0 && t < last_switch + int64_t(R) - 1)
          return "shift starting in cycle " + std::to_string(t) + " < t1 + R - 1";
        shift_start = t;
        shifted = 0;
        pending = true;
      }
      ++shifted;
    }
  }
  return "";
}

// Clock (1 ns), signals, the array, a driver thread and an output monitor.
template <unsigned R, unsigned C>
struct Bench : sc_core::sc_module {
  sc_core::sc_clock clk{"clk", sc_time(1, SC_NS)};
  sc_core::sc_signal<bool> rst_n{"rst_n"}, w_shift{"w_shift"}, a_valid{"a_valid"}, a_switch{"a_switch"},
      p_valid{"p_valid"};
  sc_core::sc_signal<sc_dt::sc_bv<8 * C>> w_row{"w_row"};
  sc_core::sc_signal<sc_dt::sc_bv<8 * R>> a_row{"a_row"};
  sc_core::sc_signal<sc_dt::sc_bv<32 * C>> p_row{"p_row"};
  MxuCycleArray<R, C> dut{"dut"};

  std::vector<CycleIn<R, C>> schedule;
  std::vector<Output> outputs;
  uint64_t first_edge = ~uint64_t(0);

  SC_HAS_PROCESS(Bench);
  Bench(sc_core::sc_module_name name, std::vector<CycleIn<R, C>> sched)
      : sc_core::sc_module(name), schedule(std::move(sched)) {
    dut.clk(clk);
    dut.rst_n(rst_n);
    dut.w_shift(w_shift);
    dut.a_valid(a_valid);
    dut.a_switch(a_switch);
    dut.w_row(w_row);
    dut.a_row(a_row);
    dut.p_valid(p_valid);
    dut.p_row(p_row);
    SC_THREAD(drive);
    SC_METHOD(monitor);
    sensitive << clk.posedge_event();
    dont_initialize();
  }

  // Edge index of the current time: edge k at k ns (cycle k runs from edge k to edge k+1).
  static uint64_t edge_now() { return uint64_t(sc_core::sc_time_stamp() / sc_time(1, SC_NS) + 0.5); }

  // Right after edge k, drive the inputs of cycle k (sampled at edge k+1).
  void drive() {
    sc_dt::sc_bv<8 * C> wbv;
    sc_dt::sc_bv<8 * R> abv;
    const CycleIn<R, C> idle{};
    for (;;) {
      wait(clk.posedge_event());
      const uint64_t k = edge_now();
      if (first_edge == ~uint64_t(0)) first_edge = k;
      const CycleIn<R, C>& in = k < schedule.size() ? schedule[k] : idle;
      rst_n.write(in.rst_n);
      w_shift.write(in.w_shift);
      a_valid.write(in.a_valid);
      a_switch.write(in.a_switch);
      pack_int8_row<C>(in.w_row.data(), wbv);
      pack_int8_row<R>(in.a_row.data(), abv);
      w_row.write(wbv);
      a_row.write(abv);
    }
  }

  // At edge k+1, p_valid / p_row hold what was registered at edge k: the outputs of cycle k.
  void monitor() {
    if (!p_valid.read()) return;
    const uint64_t k = edge_now();
    Output o{k - 1, std::vector<int32_t>(C)};
    unpack_int32_row<C>(p_row.read(), o.p.data());
    outputs.push_back(std::move(o));
  }

  // Runs the schedule and long enough after it for every row to leave.
  void run() {
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    sc_core::sc_start(sc_time(double(schedule.size() + R + C + 8), SC_NS));
  }
};

std::string show(const std::vector<int32_t>& p) {
  std::ostringstream s;
  for (size_t i = 0; i < p.size(); ++i) s << (i ? " " : "") << p[i];
  return s.str();
}

// Exactly the expected outputs: same cycles, same sums, nothing else.
void expect_outputs(const std::vector<Output>& got, const std::vector<Output>& want) {
  ASSERT_EQ(got.size(), want.size()) << "number of rows with p_valid";
  int failures = 0;
  for (size_t i = 0; i < want.size() && failures < 5; ++i) {
    const bool same = got[i].cycle == want[i].cycle && got[i].p == want[i].p;
    if (!same) ++failures;
    EXPECT_EQ(got[i].cycle, want[i].cycle) << "output " << i;
    EXPECT_TRUE(got[i].p == want[i].p) << "output " << i << " in cycle " << got[i].cycle << "\n  got:  "
                                       << show(got[i].p) << "\n  want: " << show(want[i].p);
  }
}

template <unsigned R, unsigned C>
std::vector<Output> simulate(const Plan<R, C>& plan) {
  Bench<R, C> bench("bench", plan.cyc);
  bench.run();
  EXPECT_EQ(bench.first_edge, 0u) << "the clock's first rising edge is edge 0 at time 0";
  return bench.outputs;
}

// ---------------------------------------------------------------------------------------------
// 1. Latency: a single row entered in cycle t leaves in cycle t + R + C - 1, and only then.
// ---------------------------------------------------------------------------------------------

template <unsigned R, unsigned C>
void latency_test(uint32_t seed) {
  static_assert(MxuCycleArray<R, C>::kLatency == uint64_t(R) + C - 1);
  static_assert(MxuCycleArray<R, C>::kLatency == mxu_latency_cycles(R, C));
  std::mt19937 rng(seed);
  Plan<R, C> plan;
  plan.reset(0);
  const Tile w = random_tile(R, C, rng);
  plan.shift(1, w);
  const uint64_t t = 1 + R + 3;
  const Rows x = random_rows(1, R, rng);
  plan.row(t, x[0], true);
  plan.at(t + 2 * (R + C));  // idle tail
  plan.fill_garbage(rng);
  const std::vector<Output> got = simulate(plan);
  ASSERT_EQ(got.size(), 1u) << "exactly one row of sums";
  EXPECT_EQ(got[0].cycle, t + R + C - 1);
  EXPECT_EQ(got[0].p, naive_row(x[0], w, R, C));
}

TEST(MxuCycleArrayLatency, Array4x4) { latency_test<4, 4>(1); }
TEST(MxuCycleArrayLatency, Array8x8) { latency_test<8, 8>(2); }
TEST(MxuCycleArrayLatency, Array16x16) { latency_test<16, 16>(3); }
TEST(MxuCycleArrayLatency, Array4x8) { latency_test<4, 8>(4); }
TEST(MxuCycleArrayLatency, Array8x4) { latency_test<8, 4>(5); }
TEST(MxuCycleArrayLatency, Array1x1) { latency_test<1, 1>(6); }

// ---------------------------------------------------------------------------------------------
// 2. Tiles and blocks: every output is the naive product with the tile its block switched in.
// ---------------------------------------------------------------------------------------------

TEST(MxuCycleArrayDataflow, TileThenBlock) {
  constexpr unsigned R = 8, C = 8;
  std::mt19937 rng(10);
  Plan<R, C> plan;
  plan.reset(0);
  const Tile w = random_tile(R, C, rng);
  plan.shift(1, w);
  plan.block(1 + R, random_rows(5, R, rng), true, w);
  plan.fill_garbage(rng);
  ASSERT_EQ(contract_violation(plan.cyc), "");
  expect_outputs(simulate(plan), plan.expected);
}

// Double buffering: each next tile is shifted in while the previous block streams, starting at
// the earliest legal cycle t1 + R - 1, and blocks of different B follow each other back to back.
template <unsigned R, unsigned C>
void double_buffered_test(uint32_t seed) {
  std::mt19937 rng(seed);
  Plan<R, C> plan;
  plan.reset(0);
  std::vector<Tile> tiles;
  for (int i = 0; i < 4; ++i) tiles.push_back(random_tile(R, C, rng));

  plan.shift(1, tiles[0]);
  const uint64_t t1_0 = 1 + R;  // earliest legal switch
  const unsigned B0 = 2 * R - 1;
  plan.block(t1_0, random_rows(B0, R, rng), true, tiles[0]);

  const uint64_t ts_1 = t1_0 + R - 1;  // earliest legal next shift, during block 0
  plan.shift(ts_1, tiles[1]);
  const uint64_t t1_1 = t1_0 + B0;  // back to back; == ts_1 + R (earliest legal switch)
  EXPECT_EQ(t1_1, ts_1 + R);
  const unsigned B1 = 2 * R + 3;
  plan.block(t1_1, random_rows(B1, R, rng), true, tiles[1]);

  const uint64_t ts_2 = t1_1 + R + 1;
  plan.shift(ts_2, tiles[2]);
  const uint64_t t1_2 = t1_1 + B1;  // back to back, a little after ts_2 + R
  const unsigned B2 = 3;
  plan.block(t1_2, random_rows(B2, R, rng), true, tiles[2]);
  // A block without a switch after a gap keeps using tile 2.
  const uint64_t t_3 = t1_2 + B2 + 5;
  plan.block(t_3, random_rows(4, R, rng), false, tiles[2]);
  // ...and one right behind it, also without a switch.
  plan.block(t_3 + 4, random_rows(2, R, rng), false, tiles[2]);

  const uint64_t ts_3 = t1_2 + R - 1;  // shifting while the short blocks stream
  plan.shift(ts_3, tiles[3]);
  const uint64_t t1_3 = std::max<uint64_t>(ts_3 + R, t_3 + 6);
  plan.block(t1_3, random_rows(1, R, rng), true, tiles[3]);
  plan.block(t1_3 + 1, random_rows(R + C, R, rng), false, tiles[3]);

  plan.fill_garbage(rng);
  ASSERT_EQ(contract_violation(plan.cyc), "");
  expect_outputs(simulate(plan), plan.expected);
}

TEST(MxuCycleArrayDataflow, DoubleBufferedBackToBack8x8) { double_buffered_test<8, 8>(11); }
TEST(MxuCycleArrayDataflow, DoubleBufferedBackToBack6x10) { double_buffered_test<6, 10>(12); }
TEST(MxuCycleArrayDataflow, DoubleBufferedBackToBack10x3) { double_buffered_test<10, 3>(13); }

// Inputs nobody should sample (a_row and a_switch without a_valid, w_row without w_shift) are
// random in every idle cycle and change nothing. (a_switch without a_valid being ignored is this
// model's reading of "with a_valid" in mxu_pins.h.)
TEST(MxuCycleArrayDataflow, InputsWithoutStrobeIgnored) {
  constexpr unsigned R = 8, C = 8;
  std::mt19937 rng(14);
  Plan<R, C> plan;
  plan.reset(0);
  const Tile w0 = random_tile(R, C, rng), w1 = random_tile(R, C, rng);
  plan.shift(1, w0);
  plan.block(1 + R, random_rows(3, R, rng), true, w0);
  // Gaps between single rows, and a second tile shifted but not switched in: still w0.
  plan.block(1 + R + 10, random_rows(1, R, rng), false, w0);
  plan.shift(1 + R + 12, w1);
  plan.block(1 + R + 30, random_rows(2, R, rng), false, w0);
  plan.block(1 + R + 40, random_rows(2, R, rng), true, w1);
  plan.fill_garbage(rng, /*switch_too=*/true);
  expect_outputs(simulate(plan), plan.expected);
}

// ---------------------------------------------------------------------------------------------
// 3. The switch rule t1 >= t_s + R: at t_s + R right; at t_s + R - 1 PE row 0 still holds tile
//    row 1 in its chain, so every row of the block uses W' (W with row 0 replaced by row 1).
// ---------------------------------------------------------------------------------------------

template <unsigned R, unsigned C>
std::vector<Output> switch_timing_run(int offset, std::vector<Output>& correct, std::vector<Output>& early,
                                      std::string& violation) {
  std::mt19937 rng(20);
  Plan<R, C> plan;
  plan.reset(0);
  const Tile a = random_tile(R, C, rng);
  Tile b = random_tile(R, C, rng);
  for (unsigned c = 0; c < C; ++c)  // tile rows 0 and 1 differ in every column
    if (b[c] == b[C + c]) b[c] = int8_t(b[C + c] ^ 1);
  Tile b_early = b;  // what PE row 0 ends up using with a switch one cycle early
  for (unsigned c = 0; c < C; ++c) b_early[c] = b[C + c];

  plan.shift(1, a);
  const uint64_t t1 = 1 + R;
  plan.block(t1, random_rows(R, R, rng), true, a);
  const uint64_t ts = t1 + R - 1;
  plan.shift(ts, b);
  Rows x = random_rows(6, R, rng, -128, 127);
  for (auto& row : x)
    if (row[0] == 0) row[0] = 1;  // element 0 meets the wrong weight
  const uint64_t t1b = uint64_t(int64_t(ts + R) + offset);
  Plan<R, C> wrong = plan;  // same stimulus, expectations with W'
  plan.block(t1b, x, true, b);
  wrong.block(t1b, x, true, b_early);
  plan.fill_garbage(rng);
  correct = plan.expected;
  early = wrong.expected;
  violation = contract_violation(plan.cyc);
  return simulate(plan);
}

TEST(MxuCycleArrayTiming, SwitchAtEarliestLegalCycle) {
  constexpr unsigned R = 8, C = 6;
  std::vector<Output> correct, early;
  std::string violation;
  const std::vector<Output> got = switch_timing_run<R, C>(0, correct, early, violation);
  EXPECT_EQ(violation, "");
  expect_outputs(got, correct);
}

TEST(MxuCycleArrayTiming, SwitchOneCycleEarlyIsWrong) {
  constexpr unsigned R = 8, C = 6;
  std::vector<Output> correct, early;
  std::string violation;
  const std::vector<Output> got = switch_timing_run<R, C>(-1, correct, early, violation);
  EXPECT_NE(violation.find("< t_s + R"), std::string::npos) << violation;
  ASSERT_EQ(got.size(), correct.size());
  // The first block (tile a) is unaffected; every row of the early block has wrong sums...
  const size_t first_b = R;
  for (size_t i = 0; i < first_b; ++i) EXPECT_EQ(got[i].p, correct[i].p) << "row " << i;
  for (size_t i = first_b; i < got.size(); ++i) {
    unsigned wrong_cols = 0;
    for (unsigned c = 0; c < C; ++c) wrong_cols += got[i].p[c] != correct[i].p[c];
    EXPECT_GT(wrong_cols, 0u) << "row " << i << " should have wrong sums";
  }
  // ...exactly those of W' (dataflow of mxu_pins.h).
  expect_outputs(got, early);
}

// ---------------------------------------------------------------------------------------------
// 4. The next-shift rule t_s' >= t1 + R - 1: at t1 + R - 1 the streaming block keeps its tile; one
//    cycle earlier PE(R-1, c)'s chain weight is shifted before it is copied, so the block uses A'
//    (A with row R-1 replaced by row R-2). The next tile is complete either way.
// ---------------------------------------------------------------------------------------------

template <unsigned R, unsigned C>
std::vector<Output> next_shift_run(int offset, std::vector<Output>& correct, std::vector<Output>& early,
                                   std::string& violation, size_t& block_a_rows) {
  std::mt19937 rng(30);
  Plan<R, C> plan;
  plan.reset(0);
  Tile a = random_tile(R, C, rng);
  for (unsigned c = 0; c < C; ++c)  // tile rows R-2 and R-1 differ in every column
    if (a[size_t(R - 1) * C + c] == a[size_t(R - 2) * C + c]) a[size_t(R - 1) * C + c] ^= 1;
  Tile a_early = a;
  for (unsigned c = 0; c < C; ++c) a_early[size_t(R - 1) * C + c] = a[size_t(R - 2) * C + c];
  const Tile b = random_tile(R, C, rng);

  plan.shift(1, a);
  const uint64_t t1 = 1 + R;
  block_a_rows = 2 * R + 2;
  Rows xa = random_rows(unsigned(block_a_rows), R, rng);
  for (auto& row : xa)
    if (row[R - 1] == 0) row[R - 1] = -1;  // element R-1 meets the wrong weight
  Plan<R, C> wrong = plan;
  plan.block(t1, xa, true, a);
  wrong.block(t1, xa, true, a_early);
  const uint64_t ts = uint64_t(int64_t(t1 + R - 1) + offset);
  plan.shift(ts, b);
  const Rows xb = random_rows(5, R, rng);
  plan.block(t1 + block_a_rows, xb, true, b);
  wrong.block(t1 + block_a_rows, xb, true, b);
  plan.fill_garbage(rng);
  correct = plan.expected;
  early = wrong.expected;
  violation = contract_violation(plan.cyc);
  return simulate(plan);
}

TEST(MxuCycleArrayTiming, NextShiftAtEarliestLegalCycle) {
  constexpr unsigned R = 6, C = 9;
  std::vector<Output> correct, early;
  std::string violation;
  size_t na = 0;
  const std::vector<Output> got = next_shift_run<R, C>(0, correct, early, violation, na);
  EXPECT_EQ(violation, "");
  expect_outputs(got, correct);
}

TEST(MxuCycleArrayTiming, NextShiftOneCycleEarlyCorrupts) {
  constexpr unsigned R = 6, C = 9;
  std::vector<Output> correct, early;
  std::string violation;
  size_t na = 0;
  const std::vector<Output> got = next_shift_run<R, C>(-1, correct, early, violation, na);
  EXPECT_NE(violation.find("< t1 + R - 1"), std::string::npos) << violation;
  ASSERT_EQ(got.size(), correct.size());
  for (size_t i = 0; i < na; ++i) {
    unsigned wrong_cols = 0;
    for (unsigned c = 0; c < C; ++c) wrong_cols += got[i].p[c] != correct[i].p[c];
    EXPECT_GT(wrong_cols, 0u) << "block A row " << i << " should have wrong sums";
  }
  for (size_t i = na; i < got.size(); ++i) EXPECT_EQ(got[i].p, correct[i].p) << "block B row " << i - na;
  expect_outputs(got, early);
}

// ---------------------------------------------------------------------------------------------
// 5. 64x64 on random data against the naive loop, including the extreme products: all -128 x -128
//    (each sum 64 * 16384 = 1048576) and -128 x 127. (int32 overflow needs R > 131072, so within
//    the array it cannot happen; the sums are computed in uint32_t with wrap-around.)
// ---------------------------------------------------------------------------------------------

TEST(MxuCycleArrayLarge, Random64x64) {
  constexpr unsigned R = 64, C = 64;
  std::mt19937 rng(40);
  Plan<R, C> plan;
  plan.reset(0);
  const Tile all_min(size_t(R) * C, int8_t(-128));
  Tile mixed = all_min;
  for (unsigned c = 1; c < C; c += 2)
    for (unsigned r = 0; r < R; ++r) mixed[size_t(r) * C + c] = 127;
  const Tile t2 = random_tile(R, C, rng);
  const Tile t3 = random_tile(R, C, rng);

  plan.shift(1, all_min);
  uint64_t t1 = 1 + R;
  Rows x0(3, std::vector<int8_t>(R, int8_t(-128)));
  x0[2].assign(R, 127);
  plan.block(t1, x0, true, all_min);
  for (const auto& o : plan.expected) EXPECT_TRUE(o.p[0] == 1048576 || o.p[0] == -1040384);
  plan.shift(t1 + R - 1, mixed);
  t1 += 2 * R - 1;
  plan.block(t1, x0, true, mixed);
  plan.shift(t1 + R - 1, t2);
  t1 += 2 * R - 1;
  const unsigned B2 = 150;
  plan.block(t1, random_rows(B2, R, rng), true, t2);
  plan.shift(t1 + R - 1, t3);
  t1 += B2;
  plan.block(t1, random_rows(129, R, rng), true, t3);
  plan.fill_garbage(rng);
  ASSERT_EQ(contract_violation(plan.cyc), "");
  expect_outputs(simulate(plan), plan.expected);
}

// ---------------------------------------------------------------------------------------------
// 6. Reset: clears the weights (a block after it without a new shift yields zeros, with or
//    without a switch), drops the rows in flight, and the array works again after a new shift.
// ---------------------------------------------------------------------------------------------

TEST(MxuCycleArrayReset, ClearsWeightsAndRowsInFlight) {
  constexpr unsigned R = 8, C = 8;
  constexpr uint64_t L = R + C - 1;
  std::mt19937 rng(50);
  Plan<R, C> plan;
  plan.reset(0);
  const Tile a = random_tile(R, C, rng);
  const Tile b = random_tile(R, C, rng);
  plan.shift(1, a);
  const uint64_t t1 = 1 + R;
  const Rows xa = random_rows(10, R, rng);
  // Reset in cycle tr (sampled at edge tr + 1): the outputs of cycles <= tr survive.
  const uint64_t tr = t1 + 9 + 10;
  for (size_t i = 0; i < xa.size(); ++i) {
    plan.row(t1 + i, xa[i], i == 0);
    if (t1 + i + L <= tr) plan.expect(t1 + i + L, naive_row(xa[i], a, R, C));
  }
  ASSERT_GT(plan.expected.size(), 0u);
  ASSERT_LT(plan.expected.size(), xa.size());
  plan.reset(tr);
  plan.row(tr, random_rows(1, R, rng)[0], false);  // entered during reset: dropped
  const Tile zero(size_t(R) * C, 0);
  // A second tile being shifted in (legally, from t1 + R - 1) when the reset comes is gone too.
  plan.shift(tr - R + 1, b);
  plan.block(tr + 3, random_rows(4, R, rng), true, zero);
  plan.block(tr + 10, random_rows(3, R, rng), false, zero);
  // A new tile after the reset works.
  plan.shift(tr + 20, b);
  plan.block(tr + 20 + R, random_rows(5, R, rng), true, b);
  plan.fill_garbage(rng);
  const std::vector<Output> got = simulate(plan);
  expect_outputs(got, plan.expected);
}

// ---------------------------------------------------------------------------------------------
// Row packing helpers: bit layout (element i at bits [8i+7:8i] / [32i+31:32i]) and round trips.
// ---------------------------------------------------------------------------------------------

template <unsigned N>
void int8_round_trip(std::mt19937& rng) {
  std::vector<int8_t> v(N), back(N);
  std::uniform_int_distribution<int> d(-128, 127);
  for (auto& x : v) x = int8_t(d(rng));
  v[0] = -128;
  v[N - 1] = 127;
  const sc_dt::sc_bv<8 * N> bv = pack_int8_row<N>(v.data());
  for (unsigned i = 0; i < N; ++i)
    for (unsigned b = 0; b < 8; ++b)
      ASSERT_EQ(bv[8 * i + b].to_bool(), bool((uint8_t(v[i]) >> b) & 1)) << "N " << N << " element " << i;
  unpack_int8_row<N>(bv, back.data());
  EXPECT_EQ(back, v) << "N " << N;
}

template <unsigned N>
void int32_round_trip(std::mt19937& rng) {
  std::vector<int32_t> v(N), back(N);
  for (auto& x : v) x = int32_t(rng());
  v[0] = INT32_MIN;
  v[N - 1] = -1;
  const sc_dt::sc_bv<32 * N> bv = pack_int32_row<N>(v.data());
  for (unsigned i = 0; i < N; ++i)
    for (unsigned b = 0; b < 32; ++b)
      ASSERT_EQ(bv[32 * i + b].to_bool(), bool((uint32_t(v[i]) >> b) & 1)) << "N " << N << " element " << i;
  unpack_int32_row<N>(bv, back.data());
  EXPECT_EQ(back, v) << "N " << N;
}

TEST(MxuCycleArrayPacking, RoundTripAndBitLayout) {
  std::mt19937 rng(60);
  int8_round_trip<1>(rng);
  int8_round_trip<3>(rng);
  int8_round_trip<4>(rng);
  int8_round_trip<5>(rng);
  int8_round_trip<64>(rng);
  int8_round_trip<257>(rng);
  int32_round_trip<1>(rng);
  int32_round_trip<3>(rng);
  int32_round_trip<64>(rng);
  // A hand-checked pattern: element 1 = 0x80 sits at bits [15:8].
  const int8_t v[3] = {1, -128, -1};
  EXPECT_EQ(pack_int8_row<3>(v).to_string(), "111111111000000000000001");
}

}  // namespace
}  // namespace tpu::test
