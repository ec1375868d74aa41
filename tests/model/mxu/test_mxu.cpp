// MXU tests: bit-exact products against a naive loop, and cycle counts against the
// weight-stationary dataflow formula derived here. One simulation per test case (process).
#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "common/harness.h"

namespace tpu::test {
namespace {

// A random int8 matrix problem laid out the way the UB and the weight memory expect it.
struct Problem {
  uint32_t R, B, K, N, Kt, Nt;
  std::vector<int8_t> X;  // B x K
  std::vector<int8_t> W;  // K x N
  std::vector<uint8_t> host, weights;

  Problem(uint32_t r, uint32_t b, uint32_t k, uint32_t n, uint32_t seed) : R(r), B(b), K(k), N(n) {
    Kt = (K + R - 1) / R;
    Nt = (N + R - 1) / R;
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> v(-128, 127);
    X.resize(size_t(B) * K);
    W.resize(size_t(K) * N);
    for (auto& x : X) x = int8_t(v(rng));
    for (auto& w : W) w = int8_t(v(rng));
    lay_out();
  }
  // host and weights from X and W (again after a test changes them).
  void lay_out() {
    host.assign(size_t(Kt) * B * R, 0);  // k-tile-major UB rows
    for (uint32_t b = 0; b < B; ++b)
      for (uint32_t kk = 0; kk < K; ++kk) host[(size_t(kk / R) * B + b) * R + kk % R] = uint8_t(X[size_t(b) * K + kk]);
    weights.assign(size_t(Nt) * Kt * R * R, 0);  // tiles (j, k), each [r][c]
    for (uint32_t kk = 0; kk < K; ++kk)
      for (uint32_t n = 0; n < N; ++n)
        weights[((size_t(n / R) * Kt + kk / R) * R + kk % R) * R + n % R] = uint8_t(W[size_t(kk) * N + n]);
  }
  // Program: load X, stream all tiles, output tile j accumulates into accumulator rows j*B...
  std::string program() const {
    std::ostringstream p;
    p << "read_host_memory ub=0 host=0 rows=" << Kt * B << "\n"
      << "read_weights dram=0 tiles=" << Nt * Kt << "\n"
      << "sync units=host\n";
    for (uint32_t j = 0; j < Nt; ++j)
      for (uint32_t k = 0; k < Kt; ++k)
        p << "matrix_multiply ub=" << k * B << " acc=" << j * B << " rows=" << B << " switch"
          << (k ? " accumulate" : "") << "\n";
    p << "halt\n";
    return p.str();
  }
  // Naive triple loop.
  int32_t expected(uint32_t b, uint32_t n) const {
    int32_t s = 0;
    for (uint32_t kk = 0; kk < K; ++kk) s += int32_t(X[size_t(b) * K + kk]) * int32_t(W[size_t(kk) * N + n]);
    return s;
  }
};

struct Shape {
  uint32_t R, B, K, N, seed;
};

class MxuFunction : public ::testing::TestWithParam<Shape> {};

TEST_P(MxuFunction, MatchesNaiveTripleLoop) {
  const Shape s = GetParam();
  ArchConfig cfg = bench_config(s.R);
  Problem p(s.R, s.B, s.K, s.N, s.seed);
  ASSERT_LE(uint64_t(p.Nt) * p.B, cfg.accumulators.rows);
  ProgramBench bench(cfg, p.program(), p.weights, p.host);
  ASSERT_TRUE(bench.run());
  for (uint32_t j = 0; j < p.Nt; ++j)
    for (uint32_t b = 0; b < p.B; ++b) {
      const int32_t* row = bench.acc_row(uint64_t(j) * p.B + b);
      for (uint32_t c = 0; c < s.R; ++c) {
        const uint32_t n = j * s.R + c;
        ASSERT_EQ(row[c], n < p.N ? p.expected(b, n) : 0) << "sample " << b << " output " << n;
      }
    }
}

// Shapes that are and are not multiples of the array, single and multiple tiles, B = 1.
INSTANTIATE_TEST_SUITE_P(Shapes, MxuFunction,
                         ::testing::Values(Shape{16, 5, 16, 16, 1}, Shape{16, 23, 37, 41, 2}, Shape{16, 1, 1, 1, 3},
                                           Shape{16, 40, 64, 9, 4}, Shape{8, 17, 29, 30, 5}, Shape{32, 12, 70, 33, 6},
                                           Shape{4, 7, 13, 11, 7}),
                         [](const ::testing::TestParamInfo<Shape>& i) {
                           const Shape& s = i.param;
                           return "R" + std::to_string(s.R) + "_B" + std::to_string(s.B) + "_K" + std::to_string(s.K) +
                                  "_N" + std::to_string(s.N);
                         });

TEST(MxuFunction, OverwriteReplacesAndAccumulateAdds) {
  ArchConfig cfg = bench_config(16);
  Problem p(16, 4, 16, 16, 11);
  // Block 1 overwrites rows 0..3, block 2 accumulates the same product, block 3 overwrites 4..7
  // after they were filled by an accumulate onto zeros.
  const std::string prog =
      "read_host_memory ub=0 host=0 rows=4\nread_weights dram=0 tiles=1\nsync units=host\n"
      "matrix_multiply ub=0 acc=0 rows=4 switch\n"
      "matrix_multiply ub=0 acc=0 rows=4 accumulate\n"
      "matrix_multiply ub=0 acc=4 rows=4 accumulate\n"
      "matrix_multiply ub=0 acc=4 rows=4\n"
      "halt\n";
  ProgramBench bench(cfg, prog, p.weights, p.host);
  ASSERT_TRUE(bench.run());
  for (uint32_t b = 0; b < 4; ++b)
    for (uint32_t n = 0; n < 16; ++n) {
      EXPECT_EQ(bench.acc_row(b)[n], 2 * p.expected(b, n));
      EXPECT_EQ(bench.acc_row(4 + b)[n], p.expected(b, n));
    }
}

// The accumulators are 32-bit and wrap around (mxu.h): the same block accumulated A times onto
// one set of rows holds A x P mod 2^32 (as int32), P from the naive loop. Row 0 x column 0 is
// 16 x (-128 x -128) = 262144 per block, so A = 9000 passes 2^31 (at A = 8192) and wraps to a
// negative number; row 1 x column 0 (127 x -128) wraps the other way. The test checks that it
// did make some values wrap.
TEST(MxuFunction, AccumulatorsWrapAroundUnderRepeatedAccumulation) {
  ArchConfig cfg = bench_config(16);
  Problem p(16, 4, 16, 16, 23);
  for (uint32_t k = 0; k < 16; ++k) {
    p.X[0 * 16 + k] = -128;
    p.X[1 * 16 + k] = 127;
    p.W[k * 16 + 0] = -128;
    p.W[k * 16 + 1] = 127;
  }
  p.lay_out();
  const int64_t A = 9000;
  std::ostringstream prog;
  prog << "read_host_memory ub=0 host=0 rows=4\nread_weights dram=0 tiles=1\nsync units=host\n"
       << "matrix_multiply ub=0 acc=0 rows=4 switch\n";
  for (int64_t i = 1; i < A; ++i) prog << "matrix_multiply ub=0 acc=0 rows=4 accumulate\n";
  prog << "halt\n";
  ProgramBench bench(cfg, prog.str(), p.weights, p.host);
  ASSERT_TRUE(bench.run());
  int wrapped = 0;
  for (uint32_t b = 0; b < 4; ++b)
    for (uint32_t n = 0; n < 16; ++n) {
      const int64_t exact = A * int64_t(p.expected(b, n));
      const int32_t mod = int32_t(uint32_t(uint64_t(exact) & 0xffffffffu));
      wrapped += exact != mod;
      EXPECT_EQ(bench.acc_row(b)[n], mod) << "row " << b << " column " << n << ", exact sum " << exact;
    }
  EXPECT_EQ(int64_t(p.expected(0, 0)), 262144);
  EXPECT_EQ(bench.acc_row(0)[0], int32_t(uint32_t(uint64_t(A * 262144) & 0xffffffffu)));
  EXPECT_LT(bench.acc_row(0)[0], 0);  // 2359296000 wrapped past 2^31 - 1
  EXPECT_GT(bench.acc_row(1)[0], 0);  // -2340864000 wrapped past -2^31
  EXPECT_GE(wrapped, 4);
}

// ---- Timing ----------------------------------------------------------------------------------
// bench_config: 1 GHz (1 ns cycles), R x R array, shift-in S = R cycles. With a fast weight
// memory (no latency, 80 GB/s: a 256-byte tile in 3.2 ns) every tile has arrived long before it
// is needed, so only the dataflow of model/mxu/mxu_pins.h matters:
//   s_0        = when tile 0 has shifted in
//   s_{i+1}    = s_i + B_i                      without SWITCH (same tile)
//   s_{i+1}    = s_i + max(B_i, R - 1 + S)      with SWITCH: the next tile may start shifting
//                                               R - 1 cycles after block i switched (the wave
//                                               has then passed every PE row) and takes S cycles
//   done_i     = s_i + B_i + (R + C - 1)        fill and drain of the skewed wave
// and Halt completes when the last block is done.
ArchConfig fast_weights(uint32_t R) {
  ArchConfig cfg = bench_config(R);
  cfg.dram.latency_ns = 0;
  cfg.dram.data_rate_mts = 10000;  // 80 GB/s on 64 bits
  return cfg;
}

std::string blocks_program(const std::vector<uint32_t>& rows, bool switch_each, uint32_t tiles) {
  std::ostringstream p;
  p << "read_weights dram=0 tiles=" << tiles << "\n";
  for (size_t i = 0; i < rows.size(); ++i)
    p << "matrix_multiply ub=0 acc=0 rows=" << rows[i] << ((switch_each || i == 0) ? " switch" : "") << "\n";
  p << "halt\n";
  return p.str();
}

void expect_dataflow(const ProgramBench& bench, const std::vector<uint32_t>& rows, bool switch_each) {
  const auto& log = bench.chip->mxu.block_log();
  const uint64_t R = bench.cfg_.mxu.rows, C = bench.cfg_.mxu.cols, S = bench.cfg_.mxu.weight_shift_cycles;
  ASSERT_EQ(log.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(log[i].done, log[i].start + rows[i] + R + C - 1) << "block " << i;
    if (i + 1 < rows.size()) {
      const uint64_t gap = switch_each ? std::max<uint64_t>(rows[i], R - 1 + S) : rows[i];
      EXPECT_EQ(log[i + 1].start, log[i].start + gap) << "block " << i + 1;
    }
  }
  // Halt waits for the last block's partial sums; the run starts at START.
  const uint64_t start = to_cycles(bench.chip->sequencer.start_time(), bench.cfg_.clock_period());
  EXPECT_EQ(bench.chip->sequencer.run_cycles(), log.back().done - start);
}

TEST(MxuTiming, BackToBackBlocksOnOneTile) {
  const std::vector<uint32_t> rows = {5, 1, 17, 3, 40};
  ProgramBench bench(fast_weights(16), blocks_program(rows, false, 1), std::vector<uint8_t>(256, 1), {});
  bench.chip->mxu.record_blocks(true);
  ASSERT_TRUE(bench.run());
  expect_dataflow(bench, rows, false);
  EXPECT_EQ(bench.chip->mxu.cycles(Mxu::kActive), 5u + 1 + 17 + 3 + 40);
}

TEST(MxuTiming, DoubleBufferingHidesTheShiftWhenBlocksAreLong) {
  const std::vector<uint32_t> rows = {31, 40, 33, 31};  // every B >= R - 1 + S = 31
  ProgramBench bench(fast_weights(16), blocks_program(rows, true, 4), std::vector<uint8_t>(4 * 256, 1), {});
  bench.chip->mxu.record_blocks(true);
  ASSERT_TRUE(bench.run());
  expect_dataflow(bench, rows, true);
  // Only the first tile's shift-in is exposed.
  EXPECT_EQ(bench.chip->mxu.cycles(Mxu::kWeightShift), 16u);
}

TEST(MxuTiming, ShortBlocksExposeTheShift) {
  const std::vector<uint32_t> rows = {4, 4, 10, 1};  // B < R - 1 + S = 31: each switch waits
  ProgramBench bench(fast_weights(16), blocks_program(rows, true, 4), std::vector<uint8_t>(4 * 256, 1), {});
  bench.chip->mxu.record_blocks(true);
  ASSERT_TRUE(bench.run());
  expect_dataflow(bench, rows, true);
  // First shift (16) plus, before blocks 1..3, R - 1 + S - B_{i-1} = 27 + 27 + 21.
  EXPECT_EQ(bench.chip->mxu.cycles(Mxu::kWeightShift), 16u + 27 + 27 + 21);
  EXPECT_EQ(bench.chip->mxu.cycles(Mxu::kActive), 4u + 4 + 10 + 1);
}

TEST(MxuTiming, LargerArrayHasLongerFillAndShift) {
  const std::vector<uint32_t> rows = {8, 64, 3};
  ProgramBench bench(fast_weights(32), blocks_program(rows, true, 3), std::vector<uint8_t>(3 * 1024, 1), {});
  bench.chip->mxu.record_blocks(true);
  ASSERT_TRUE(bench.run());
  expect_dataflow(bench, rows, true);  // fill/drain 63, shift 32 after 31
  EXPECT_EQ(bench.chip->mxu.pipeline_latency_cycles(), 63u);
}

// With a slow weight memory the MXU waits for tiles ("weight stall"). One channel at 320 MT/s
// x 64 bit = 2.56 GB/s moves a 256-byte tile in exactly 100 ns = 100 cycles, no latency. The
// four requests leave together at t (the FIFO holds 4), so tile k arrives at t + 100 (k + 1);
// its shift starts on arrival (the previous switch came earlier) and ends 16 cycles later:
//   s_k = t + 100 (k + 1) + 16,   s_{k+1} - s_k = 100,
// and between blocks of B = 8 the MXU waits 100 - 8 - 16 = 76 cycles for the tile (weight stall)
// and 16 for its shift (weight shift).
TEST(MxuTiming, SlowWeightMemoryStallsTheArray) {
  ArchConfig cfg = bench_config(16);
  cfg.dram.latency_ns = 0;
  cfg.dram.data_rate_mts = 320;
  const std::vector<uint32_t> rows = {8, 8, 8, 8};
  ProgramBench bench(cfg, blocks_program(rows, true, 4), std::vector<uint8_t>(4 * 256, 1), {});
  bench.chip->mxu.record_blocks(true);
  ASSERT_TRUE(bench.run());
  const auto& log = bench.chip->mxu.block_log();
  ASSERT_EQ(log.size(), 4u);
  for (size_t k = 0; k + 1 < log.size(); ++k) EXPECT_EQ(log[k + 1].start - log[k].start, 100u);
  EXPECT_EQ(bench.chip->mxu.cycles(Mxu::kWeightShift), 4u * 16);
  // Stall before block 0: from its dispatch until tile 0 arrives at t + 100 (t = when the
  // weight unit sent the requests, one issue cycle before block 0 was dispatched).
  EXPECT_EQ(bench.chip->mxu.cycles(Mxu::kWeightStall), (100u - 1) + 3 * 76);
  EXPECT_EQ(bench.chip->mxu.cycles(Mxu::kActive), 32u);
}

// Every cycle from START to Halt is in exactly one Table 3 category.
TEST(MxuTiming, Table3CategoriesCoverTheRun) {
  ArchConfig cfg = bench_config(16);
  Problem p(16, 20, 40, 30, 9);
  ProgramBench bench(cfg, p.program(), p.weights, p.host);
  ASSERT_TRUE(bench.run());
  uint64_t sum = 0;
  for (int c = Mxu::kActive; c <= Mxu::kInputStall; ++c) sum += bench.chip->mxu.cycles(Mxu::Category(c));
  EXPECT_EQ(sum, bench.chip->sequencer.run_cycles());
  EXPECT_EQ(bench.chip->mxu.cycles(Mxu::kActive), uint64_t(p.Nt) * p.Kt * p.B);
  EXPECT_GT(bench.chip->mxu.cycles(Mxu::kInputStall), 0u);  // sync units=host waits for PCIe
}

}  // namespace
}  // namespace tpu::test
