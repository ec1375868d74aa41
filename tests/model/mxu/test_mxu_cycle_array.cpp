// Cycle-accurate MXU array (model/mxu/mxu_cycle_array.h) against the pin contract in mxu_pins.h:
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

#include "common/mxu_stimulus.h"
#include "mxu/mxu_cycle_array.h"

namespace tpu::test {
namespace {

using sc_core::SC_NS;
using sc_core::sc_time;

template <unsigned R, unsigned C>
using CycleIn = typename MxuStimulus<R, C>::CycleIn;

// One row of sums seen with p_valid high: it was valid during `cycle`.
struct Output {
  uint64_t cycle;
  std::vector<int32_t> p;
};

// The rows of sums a stimulus must produce, in cycle order.
template <unsigned R, unsigned C>
std::vector<Output> outputs_of(const MxuStimulus<R, C>& s) {
  std::vector<Output> out;
  for (const auto& [k, p] : s.expected) out.push_back({k, std::vector<int32_t>(p.begin(), p.end())});
  return out;
}

// The driver's timing rules of mxu_pins.h, checked on a schedule (the tests' own sanity check;
// the negative controls assert that they break exactly these rules). Shifts come in runs of R
// w_shift cycles; empty string if legal.
template <unsigned R, unsigned C>
std::string contract_violation(const MxuStimulus<R, C>& s) {
  const auto& cyc = s.cycles;
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

// Clock (1 ns), the input signals, the array, a driver thread and an output monitor.
template <unsigned R, unsigned C>
struct Bench : sc_core::sc_module {
  sc_core::sc_clock clk{"clk", sc_time(1, SC_NS)};
  MxuInputSignals<R, C> in;
  sc_core::sc_signal<bool> p_valid{"p_valid"};
  sc_core::sc_signal<sc_dt::sc_bv<32 * C>> p_row{"p_row"};
  MxuCycleArray<R, C> dut{"dut"};

  std::vector<CycleIn<R, C>> schedule;
  std::vector<Output> outputs;
  uint64_t first_edge = ~uint64_t(0);

  SC_HAS_PROCESS(Bench);
  Bench(sc_core::sc_module_name name, std::vector<CycleIn<R, C>> sched)
      : sc_core::sc_module(name), schedule(std::move(sched)) {
    in.bind(dut, clk, p_valid, p_row);
    SC_THREAD(drive);
    SC_METHOD(monitor);
    sensitive << clk.posedge_event();
    dont_initialize();
  }

  // Edge index of the current time: edge k at k ns (cycle k runs from edge k to edge k+1).
  static uint64_t edge_now() { return uint64_t(sc_core::sc_time_stamp() / sc_time(1, SC_NS) + 0.5); }

  // Right after edge k, drive the inputs of cycle k (sampled at edge k+1).
  void drive() {
    const CycleIn<R, C> idle{};
    for (;;) {
      wait(clk.posedge_event());
      const uint64_t k = edge_now();
      if (first_edge == ~uint64_t(0)) first_edge = k;
      in.write(k < schedule.size() ? schedule[k] : idle);
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
    EXPECT_TRUE(got[i].p == want[i].p) << "output " << i << " in cycle " << got[i].cycle
                                       << "\n  got:  " << show(got[i].p) << "\n  want: " << show(want[i].p);
  }
}

// Columns in which `got` differs from `want`.
unsigned wrong_columns(const Output& got, const Output& want) {
  unsigned n = 0;
  for (size_t c = 0; c < want.p.size(); ++c) n += got.p[c] != want.p[c];
  return n;
}

template <unsigned R, unsigned C>
std::vector<Output> simulate(const MxuStimulus<R, C>& s) {
  Bench<R, C> bench("bench", s.cycles);
  bench.run();
  EXPECT_EQ(bench.first_edge, 0u) << "the clock's first rising edge is edge 0 at time 0";
  return bench.outputs;
}

// Garbage on the unsampled inputs (a_switch too if `switch_too`), the driver's rules checked,
// then simulated: the outputs must be exactly the stimulus's expected rows.
template <unsigned R, unsigned C>
void run_and_check(MxuStimulus<R, C>& s, std::mt19937& rng, bool switch_too = false) {
  s.add_garbage(rng, switch_too);
  ASSERT_EQ(contract_violation(s), "");
  expect_outputs(simulate(s), outputs_of(s));
}

// ---------------------------------------------------------------------------------------------
// 1. Latency: a single row entered in cycle t leaves in cycle t + R + C - 1, and only then.
// ---------------------------------------------------------------------------------------------

template <unsigned R, unsigned C>
void latency_test(uint32_t seed) {
  static_assert(MxuCycleArray<R, C>::kLatency == uint64_t(R) + C - 1);
  static_assert(MxuCycleArray<R, C>::kLatency == mxu_latency_cycles(R, C));
  using S = MxuStimulus<R, C>;
  std::mt19937 rng(seed);
  S s;
  const typename S::Tile w = s.reset_and_shift_random_tile(rng);
  const uint64_t t = 1 + R + 3;
  const typename S::ARow x = S::random_row(rng);
  s.row(t, x, true, w);
  s.at(t + 2 * (R + C));  // idle tail
  s.add_garbage(rng, /*switch_too=*/false);
  const std::vector<Output> got = simulate(s);
  ASSERT_EQ(got.size(), 1u) << "exactly one row of sums";
  EXPECT_EQ(got[0].cycle, t + R + C - 1);
  const typename S::PRow want = S::naive_product(x, w);
  EXPECT_EQ(got[0].p, std::vector<int32_t>(want.begin(), want.end()));
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
  using S = MxuStimulus<R, C>;
  std::mt19937 rng(10);
  S s;
  const S::Tile w = s.reset_and_shift_random_tile(rng);
  s.block(1 + R, S::random_rows(rng, 5), true, w);
  run_and_check(s, rng);
}

// Double buffering: each next tile is shifted in while the previous block streams, starting at
// the earliest legal cycle t1 + R - 1, and blocks of different B follow each other back to back.
template <unsigned R, unsigned C>
void double_buffered_test(uint32_t seed) {
  using S = MxuStimulus<R, C>;
  std::mt19937 rng(seed);
  S s;
  s.reset(0);
  std::vector<typename S::Tile> tiles;
  for (int i = 0; i < 4; ++i) tiles.push_back(S::random_tile(rng));

  s.shift(1, tiles[0]);
  const uint64_t t1_0 = 1 + R;  // earliest legal switch
  const unsigned B0 = 2 * R - 1;
  s.block(t1_0, S::random_rows(rng, B0), true, tiles[0]);

  const uint64_t ts_1 = t1_0 + R - 1;  // earliest legal next shift, during block 0
  s.shift(ts_1, tiles[1]);
  const uint64_t t1_1 = t1_0 + B0;  // back to back; == ts_1 + R (earliest legal switch)
  EXPECT_EQ(t1_1, ts_1 + R);
  const unsigned B1 = 2 * R + 3;
  s.block(t1_1, S::random_rows(rng, B1), true, tiles[1]);

  const uint64_t ts_2 = t1_1 + R + 1;
  s.shift(ts_2, tiles[2]);
  const uint64_t t1_2 = t1_1 + B1;  // back to back, a little after ts_2 + R
  const unsigned B2 = 3;
  s.block(t1_2, S::random_rows(rng, B2), true, tiles[2]);
  // A block without a switch after a gap keeps using tile 2.
  const uint64_t t_3 = t1_2 + B2 + 5;
  s.block(t_3, S::random_rows(rng, 4), false, tiles[2]);
  // ...and one right behind it, also without a switch.
  s.block(t_3 + 4, S::random_rows(rng, 2), false, tiles[2]);

  const uint64_t ts_3 = t1_2 + R - 1;  // shifting while the short blocks stream
  s.shift(ts_3, tiles[3]);
  const uint64_t t1_3 = std::max<uint64_t>(ts_3 + R, t_3 + 6);
  s.block(t1_3, S::random_rows(rng, 1), true, tiles[3]);
  s.block(t1_3 + 1, S::random_rows(rng, R + C), false, tiles[3]);

  run_and_check(s, rng);
}

TEST(MxuCycleArrayDataflow, DoubleBufferedBackToBack8x8) { double_buffered_test<8, 8>(11); }
TEST(MxuCycleArrayDataflow, DoubleBufferedBackToBack6x10) { double_buffered_test<6, 10>(12); }
TEST(MxuCycleArrayDataflow, DoubleBufferedBackToBack10x3) { double_buffered_test<10, 3>(13); }

// Operand formats (isa.h): blocks of every combination of uint8/int8 activations and weights back to
// back, one tile each and two on the same tile, each row's sums the naive product of its bytes
// read as its flags say (random bytes: about half have the top bit set, where int8 and uint8 differ).
TEST(MxuCycleArrayDataflow, UnsignedOperandsBackToBack) {
  constexpr unsigned R = 8, C = 8;
  using S = MxuStimulus<R, C>;
  std::mt19937 rng(15);
  S s;
  s.reset(0);
  const bool formats[5][2] = {{false, false}, {true, false}, {false, true}, {true, true}, {true, false}};
  uint64_t t = 1 + R;
  typename S::Tile w = S::random_tile(rng);
  s.shift(1, w);
  for (int i = 0; i < 5; ++i) {
    const bool sw = i != 4;  // the last block reuses the tile of the one before (same weights, new format)
    const unsigned B = 2 * R - 1;
    s.block(t, S::random_rows(rng, B), sw, w, formats[i][0], formats[i][1]);
    if (i < 3) {  // the next tile, shifted at the earliest legal cycle
      w = S::random_tile(rng);
      s.shift(t + R - 1, w);
    }
    t += B;
  }
  run_and_check(s, rng, /*switch_too=*/true);
}

// Inputs nobody should sample (a_row and a_switch without a_valid, w_row without w_shift) are
// random in every idle cycle and change nothing. (a_switch without a_valid being ignored is this
// model's reading of "with a_valid" in mxu_pins.h.)
TEST(MxuCycleArrayDataflow, InputsWithoutStrobeIgnored) {
  constexpr unsigned R = 8, C = 8;
  using S = MxuStimulus<R, C>;
  std::mt19937 rng(14);
  S s;
  const S::Tile w0 = s.reset_and_shift_random_tile(rng), w1 = S::random_tile(rng);
  s.block(1 + R, S::random_rows(rng, 3), true, w0);
  // Gaps between single rows, and a second tile shifted but not switched in: still w0.
  s.block(1 + R + 10, S::random_rows(rng, 1), false, w0);
  s.shift(1 + R + 12, w1);
  s.block(1 + R + 30, S::random_rows(rng, 2), false, w0);
  s.block(1 + R + 40, S::random_rows(rng, 2), true, w1);
  run_and_check(s, rng, /*switch_too=*/true);
}

// ---------------------------------------------------------------------------------------------
// Negative controls: the same stimulus with an event one cycle before the earliest legal cycle.
// `correct` are the expectations with the rules kept, `early` those with the tile the array
// actually ends up using when they are broken.
// ---------------------------------------------------------------------------------------------

struct ControlRun {
  std::vector<Output> got, correct, early;
  std::string violation;  // of the driver's rules (contract_violation)
};

// Garbage on `s`, then the run; `wrong` is `s` with the expectations of the broken rule.
template <unsigned R, unsigned C>
ControlRun control_run(MxuStimulus<R, C>& s, const MxuStimulus<R, C>& wrong, std::mt19937& rng) {
  s.add_garbage(rng, /*switch_too=*/false);
  ControlRun run{{}, outputs_of(s), outputs_of(wrong), contract_violation(s)};
  run.got = simulate(s);
  return run;
}

// ---------------------------------------------------------------------------------------------
// 3. The switch rule t1 >= t_s + R: at t_s + R right; at t_s + R - 1 PE row 0 still holds tile
//    row 1 in its chain, so every row of the block uses W' (W with row 0 replaced by row 1).
// ---------------------------------------------------------------------------------------------

template <unsigned R, unsigned C>
ControlRun switch_timing_run(int offset) {
  using S = MxuStimulus<R, C>;
  std::mt19937 rng(20);
  S s;
  const typename S::Tile a = s.reset_and_shift_random_tile(rng);
  typename S::Tile b = S::random_tile(rng);
  for (unsigned c = 0; c < C; ++c)  // tile rows 0 and 1 differ in every column
    if (b[0][c] == b[1][c]) b[0][c] = int8_t(b[1][c] ^ 1);
  typename S::Tile b_early = b;  // what PE row 0 ends up using with a switch one cycle early
  b_early[0] = b[1];

  const uint64_t t1 = 1 + R;
  s.block(t1, S::random_rows(rng, R), true, a);
  const uint64_t ts = t1 + R - 1;
  s.shift(ts, b);
  std::vector<typename S::ARow> x = S::random_rows(rng, 6);
  for (auto& row : x)
    if (row[0] == 0) row[0] = 1;  // element 0 meets the wrong weight
  const uint64_t t1b = uint64_t(int64_t(ts + R) + offset);
  S wrong = s;  // same stimulus, expectations with W'
  s.block(t1b, x, true, b);
  wrong.block(t1b, x, true, b_early);
  return control_run(s, wrong, rng);
}

TEST(MxuCycleArrayTiming, SwitchAtEarliestLegalCycle) {
  const ControlRun run = switch_timing_run<8, 6>(0);
  EXPECT_EQ(run.violation, "");
  expect_outputs(run.got, run.correct);
}

TEST(MxuCycleArrayTiming, SwitchOneCycleEarlyIsWrong) {
  constexpr unsigned R = 8;
  const ControlRun run = switch_timing_run<R, 6>(-1);
  EXPECT_NE(run.violation.find("< t_s + R"), std::string::npos) << run.violation;
  ASSERT_EQ(run.got.size(), run.correct.size());
  // The first block (tile a) is unaffected; every row of the early block has wrong sums...
  const size_t first_b = R;
  for (size_t i = 0; i < first_b; ++i) EXPECT_EQ(run.got[i].p, run.correct[i].p) << "row " << i;
  for (size_t i = first_b; i < run.got.size(); ++i)
    EXPECT_GT(wrong_columns(run.got[i], run.correct[i]), 0u) << "row " << i << " should have wrong sums";
  // ...exactly those of W' (dataflow of mxu_pins.h).
  expect_outputs(run.got, run.early);
}

// ---------------------------------------------------------------------------------------------
// 4. The next-shift rule t_s' >= t1 + R - 1: at t1 + R - 1 the streaming block keeps its tile; one
//    cycle earlier PE(R-1, c)'s chain weight is shifted before it is copied, so the block uses A'
//    (A with row R-1 replaced by row R-2). The next tile is complete either way.
// ---------------------------------------------------------------------------------------------

// Rows of the block streaming while the next shift starts.
constexpr size_t block_a_rows(unsigned R) { return 2 * size_t(R) + 2; }

template <unsigned R, unsigned C>
ControlRun next_shift_run(int offset) {
  using S = MxuStimulus<R, C>;
  std::mt19937 rng(30);
  S s;
  s.reset(0);
  typename S::Tile a = S::random_tile(rng);
  for (unsigned c = 0; c < C; ++c)  // tile rows R-2 and R-1 differ in every column
    if (a[R - 1][c] == a[R - 2][c]) a[R - 1][c] ^= 1;
  typename S::Tile a_early = a;
  a_early[R - 1] = a[R - 2];
  const typename S::Tile b = S::random_tile(rng);

  s.shift(1, a);
  const uint64_t t1 = 1 + R;
  std::vector<typename S::ARow> xa = S::random_rows(rng, unsigned(block_a_rows(R)));
  for (auto& row : xa)
    if (row[R - 1] == 0) row[R - 1] = -1;  // element R-1 meets the wrong weight
  S wrong = s;
  s.block(t1, xa, true, a);
  wrong.block(t1, xa, true, a_early);
  const uint64_t ts = uint64_t(int64_t(t1 + R - 1) + offset);
  s.shift(ts, b);
  const std::vector<typename S::ARow> xb = S::random_rows(rng, 5);
  s.block(t1 + block_a_rows(R), xb, true, b);
  wrong.block(t1 + block_a_rows(R), xb, true, b);
  return control_run(s, wrong, rng);
}

TEST(MxuCycleArrayTiming, NextShiftAtEarliestLegalCycle) {
  const ControlRun run = next_shift_run<6, 9>(0);
  EXPECT_EQ(run.violation, "");
  expect_outputs(run.got, run.correct);
}

TEST(MxuCycleArrayTiming, NextShiftOneCycleEarlyCorrupts) {
  constexpr size_t na = block_a_rows(6);
  const ControlRun run = next_shift_run<6, 9>(-1);
  EXPECT_NE(run.violation.find("< t1 + R - 1"), std::string::npos) << run.violation;
  ASSERT_EQ(run.got.size(), run.correct.size());
  for (size_t i = 0; i < na; ++i)
    EXPECT_GT(wrong_columns(run.got[i], run.correct[i]), 0u) << "block A row " << i << " should have wrong sums";
  for (size_t i = na; i < run.got.size(); ++i) EXPECT_EQ(run.got[i].p, run.correct[i].p) << "block B row " << i - na;
  expect_outputs(run.got, run.early);
}

// ---------------------------------------------------------------------------------------------
// 5. 64x64 on random data against the naive loop, including the extreme products: all -128 x -128
//    (each sum 64 * 16384 = 1048576) and -128 x 127. (int32 overflow needs R > 131072, so within
//    the array it cannot happen; the sums are computed in uint32_t with wrap-around.)
// ---------------------------------------------------------------------------------------------

TEST(MxuCycleArrayLarge, Random64x64) {
  constexpr unsigned R = 64, C = 64;
  using S = MxuStimulus<R, C>;
  std::mt19937 rng(40);
  S s;
  s.reset(0);
  S::Tile all_min;
  for (auto& row : all_min) row.fill(-128);
  S::Tile mixed = all_min;
  for (unsigned c = 1; c < C; c += 2)
    for (unsigned r = 0; r < R; ++r) mixed[r][c] = 127;
  const S::Tile t2 = S::random_tile(rng);
  const S::Tile t3 = S::random_tile(rng);

  s.shift(1, all_min);
  uint64_t t1 = 1 + R;
  std::vector<S::ARow> x0(3);
  x0[0].fill(-128);
  x0[1].fill(-128);
  x0[2].fill(127);
  s.block(t1, x0, true, all_min);
  ASSERT_EQ(s.expected.size(), 3u);
  for (const auto& [k, p] : s.expected) EXPECT_TRUE(p[0] == 1048576 || p[0] == -1040384) << "cycle " << k;
  s.shift(t1 + R - 1, mixed);
  t1 += 2 * R - 1;
  s.block(t1, x0, true, mixed);
  s.shift(t1 + R - 1, t2);
  t1 += 2 * R - 1;
  const unsigned B2 = 150;
  s.block(t1, S::random_rows(rng, B2), true, t2);
  s.shift(t1 + R - 1, t3);
  t1 += B2;
  s.block(t1, S::random_rows(rng, 129), true, t3);
  run_and_check(s, rng);
}

// ---------------------------------------------------------------------------------------------
// 6. Reset: clears the weights (a block after it without a new shift yields zeros, with or
//    without a switch), drops the rows in flight, and the array works again after a new shift.
// ---------------------------------------------------------------------------------------------

TEST(MxuCycleArrayReset, ClearsWeightsAndRowsInFlight) {
  constexpr unsigned R = 8, C = 8;
  using S = MxuStimulus<R, C>;
  std::mt19937 rng(50);
  S s;
  const S::Tile a = s.reset_and_shift_random_tile(rng);
  const S::Tile b = S::random_tile(rng);
  const uint64_t t1 = 1 + R;
  const std::vector<S::ARow> xa = S::random_rows(rng, 10);
  s.block(t1, xa, true, a);
  // Reset in cycle tr (sampled at edge tr + 1): the outputs of cycles <= tr survive.
  const uint64_t tr = t1 + 9 + 10;
  s.reset(tr);
  s.row(tr, S::random_row(rng), false, a);  // entered during reset: dropped
  s.drop_expected_after(tr);
  ASSERT_GT(s.expected.size(), 0u);
  ASSERT_LT(s.expected.size(), xa.size());
  const S::Tile zero{};
  // A second tile being shifted in (legally, from t1 + R - 1) when the reset comes is gone too.
  s.shift(tr - R + 1, b);
  s.block(tr + 3, S::random_rows(rng, 4), true, zero);
  s.block(tr + 10, S::random_rows(rng, 3), false, zero);
  // A new tile after the reset works.
  s.shift(tr + 20, b);
  s.block(tr + 20 + R, S::random_rows(rng, 5), true, b);
  run_and_check(s, rng);
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
  sc_dt::sc_bv<32 * N> bv;
  pack_int32_row<N>(v.data(), bv);
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
