// Instruction-level tests of Convolve (MXU data setup), Pool and Vector (activation unit) and of
// the host_row_bytes packing of Read/Write_Host_Memory (model/isa/isa.h file comment). Every expected
// value is computed here by plain loops over the documented semantics; the only model function
// used is tpu::activate() (quant.h, tested on its own in test_quant.cpp). Timing expectations
// are derived by hand from the documented formulas. One ProgramBench per test case (process).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "activation/quant.h"
#include "common/harness.h"

namespace tpu::test {
namespace {

constexpr uint32_t kR = 16;    // bench_config: 16 x 16 MXU: a UB row is 16 int8, an accumulator row 16 int32
constexpr uint64_t kPipe = 4;  // bench_config: activation.pipeline_cycles

int8_t ub_at(const ProgramBench& b, uint64_t row, uint64_t lane) {
  return int8_t(b.chip->unified_buffer.data()[row * kR + lane]);
}

// Writes `rows` UB rows from `data` (rows x 16 bytes) at `row`, before the run.
void put_ub(ProgramBench& b, uint64_t row, const std::vector<int8_t>& data) {
  std::memcpy(b.chip->unified_buffer.data() + row * kR, data.data(), data.size());
}

int32_t clamp_int32(int64_t v) { return int32_t(std::min<int64_t>(INT32_MAX, std::max<int64_t>(INT32_MIN, v))); }

uint64_t busy_cycles(const FunctionalUnit& u) { return u.report()["cycles"]["busy"].get<uint64_t>(); }

// =============================================================================================
// Convolve: per kernel position (kr, ks) one Convolve, SWITCHing to that position's weight tile
// and accumulating (the first overwrites). The sum over all positions must equal a direct
// convolution with zero padding.

struct ConvCase {
  const char* name;
  uint32_t N, H, W, KH, KW, sh, sw, pt, pl;  // padding pt/pl on both sides: P, Q below
  uint32_t out_row, rows;                    // the global output rows computed
};
void PrintTo(const ConvCase& c, std::ostream* os) { *os << c.name; }

class ConvolveFunction : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvolveFunction, MatchesDirectConvolution) {
  const ConvCase c = GetParam();
  const uint32_t P = (c.H + 2 * c.pt - c.KH) / c.sh + 1, Q = (c.W + 2 * c.pl - c.KW) / c.sw + 1;
  ASSERT_LE(c.out_row + c.rows, c.N * P);
  const uint64_t ub0 = 40, acc0 = 10, B = uint64_t(c.rows) * Q;
  const uint64_t image = uint64_t(c.H) * c.W;
  // x[n][h][w][ch], 16 input channels (one channel tile). Junk before and after the images
  // catches addressing errors (the model reads it only if it addresses wrong rows).
  const std::vector<int8_t> x = random_int8(c.N * image * kR, 101);
  const std::vector<int8_t> junk = random_int8((ub0 + c.N * image + 40) * kR, 102);
  // w[kr][ks][ci][co]: one 16 x 16 tile per kernel position, tiles in program order.
  const std::vector<int8_t> w = random_int8(size_t(c.KH) * c.KW * kR * kR, 103);
  std::vector<uint8_t> weights(w.size());
  std::memcpy(weights.data(), w.data(), w.size());

  std::ostringstream p;
  p << "set_config reg=input_height value=" << c.H << "\n"
    << "set_config reg=input_width value=" << c.W << "\n"
    << "set_config reg=output_height value=" << P << "\n"
    << "set_config reg=output_width value=" << Q << "\n"
    << "set_config reg=stride_h value=" << c.sh << "\n"
    << "set_config reg=stride_w value=" << c.sw << "\n"
    << "set_config reg=pad_top value=" << c.pt << "\n"
    << "set_config reg=pad_left value=" << c.pl << "\n"
    << "read_weights dram=0 tiles=" << c.KH * c.KW << "\n";
  for (uint32_t kr = 0; kr < c.KH; ++kr)
    for (uint32_t ks = 0; ks < c.KW; ++ks)
      p << "convolve ub=" << ub0 << " acc=" << acc0 << " kr=" << kr << " ks=" << ks << " p0=" << c.out_row
        << " rows=" << c.rows << " switch" << (kr + ks ? " accumulate" : "") << "\n";
  p << "halt\n";

  ProgramBench bench(bench_config(), p.str(), weights, {});
  put_ub(bench, 0, junk);
  put_ub(bench, ub0, x);
  // Sentinels: the first Convolve overwrites B rows; the rows around them stay.
  const int32_t kSentinel = 0x5A5A5A5A;
  int32_t* acc = reinterpret_cast<int32_t*>(bench.chip->accumulators.data());
  for (uint64_t i = 0; i < (acc0 + B + 8) * kR; ++i) acc[i] = kSentinel;
  bench.chip->mxu.record_blocks(true);
  ASSERT_TRUE(bench.run());

  int nonzero = 0, padded = 0;
  for (uint32_t i = 0; i < c.rows; ++i) {
    const uint32_t g = c.out_row + i, n = g / P, pr = g % P;
    for (uint32_t q = 0; q < Q; ++q)
      for (uint32_t co = 0; co < kR; ++co) {
        int64_t s = 0;
        for (uint32_t kr = 0; kr < c.KH; ++kr)
          for (uint32_t ks = 0; ks < c.KW; ++ks) {
            const int64_t h = int64_t(pr) * c.sh + kr - c.pt, ww = int64_t(q) * c.sw + ks - c.pl;
            if (h < 0 || h >= int64_t(c.H) || ww < 0 || ww >= int64_t(c.W)) {
              ++padded;
              continue;
            }
            for (uint32_t ci = 0; ci < kR; ++ci)
              s += int64_t(x[((n * image) + uint64_t(h) * c.W + uint64_t(ww)) * kR + ci]) *
                   w[((size_t(kr) * c.KW + ks) * kR + ci) * kR + co];
          }
        const uint64_t row = acc0 + uint64_t(i) * Q + q;
        ASSERT_EQ(bench.acc_row(row)[co], s)
            << "output row " << g << " (image " << n << ", p " << pr << "), q " << q << ", channel " << co;
        nonzero += s != 0;
      }
  }
  EXPECT_GT(nonzero, 0);
  EXPECT_GT(padded, 0) << "the case should exercise zero padding";
  for (uint64_t row : {acc0 - 1, acc0 + B, acc0 + B + 7})
    for (uint32_t co = 0; co < kR; ++co) EXPECT_EQ(bench.acc_row(row)[co], kSentinel) << "accumulator row " << row;

  // Timing: each Convolve is one MatrixMultiply block of B = rows * Q array rows.
  const auto& log = bench.chip->mxu.block_log();
  ASSERT_EQ(log.size(), size_t(c.KH) * c.KW);
  for (const auto& blk : log) {
    EXPECT_EQ(blk.stream_end - blk.start, B) << "block of instruction " << blk.index;
    EXPECT_EQ(blk.done - blk.stream_end, 2 * kR - 1) << "block of instruction " << blk.index;
    EXPECT_TRUE(blk.switched);
  }
  EXPECT_EQ(bench.chip->mxu.cycles(Mxu::kActive), B * c.KH * c.KW);
}

INSTANTIATE_TEST_SUITE_P(Convolve, ConvolveFunction,
                         ::testing::Values(
                             // P = (5 + 2 - 3) / 2 + 1 = 3, Q = (6 + 4 - 2) / 2 + 1 = 5. Output rows 1..4: image 0
                             // rows 1, 2 and image 1 rows 0, 1 (starts mid image 0, spans into image 1).
                             ConvCase{"Stride2PadTop1PadLeft2SpanningImages", 2, 5, 6, 3, 2, 2, 2, 1, 2, 1, 4},
                             // Same geometry, all N * P = 6 output rows.
                             ConvCase{"Stride2PadTop1PadLeft2AllRows", 2, 5, 6, 3, 2, 2, 2, 1, 2, 0, 6},
                             // Only image 1 (output rows 3..5).
                             ConvCase{"Stride2PadTop1PadLeft2SecondImage", 2, 5, 6, 3, 2, 2, 2, 1, 2, 3, 3},
                             // Different strides per axis, kernel 2 x 3: P = (4 - 2) / 1 + 1 = 3,
                             // Q = (5 + 2 - 3) / 3 + 1 = 2; output rows 2..4 span images 0 and 1.
                             ConvCase{"StrideH1StrideW3Kernel2x3", 2, 4, 5, 2, 3, 1, 3, 0, 1, 2, 3}),
                         [](const ::testing::TestParamInfo<ConvCase>& i) { return std::string(i.param.name); });

// The array time of a Convolve: B = rows * Q rows stream in B cycles, consecutive blocks on the
// same tile back to back, sums in the accumulators R + C - 1 cycles after the stream ends.
TEST(ConvolveTiming, BlockStreamsRowsTimesQ) {
  // Block 0: Q = 5, rows 3 -> B = 15; block 1: Q = 2, rows 2 -> 4; block 2: Q = 2, rows 1 -> 2.
  const std::string prog =
      "set_config reg=input_height value=3\n"
      "set_config reg=input_width value=5\n"
      "set_config reg=output_height value=3\n"
      "set_config reg=output_width value=5\n"
      "read_weights dram=0 tiles=1\n"
      "convolve ub=0 acc=0 kr=0 ks=0 p0=0 rows=3 switch\n"
      "set_config reg=output_width value=2\n"
      "set_config reg=stride_w value=2\n"
      "convolve ub=0 acc=100 kr=0 ks=1 p0=1 rows=2\n"
      "convolve ub=0 acc=200 kr=1 ks=0 p0=0 rows=1 accumulate\n"
      "halt\n";
  ProgramBench bench(bench_config(), prog, std::vector<uint8_t>(kR * kR, 1), {});
  bench.chip->mxu.record_blocks(true);
  ASSERT_TRUE(bench.run());
  const auto& log = bench.chip->mxu.block_log();
  ASSERT_EQ(log.size(), 3u);
  const uint64_t expected_b[] = {15, 4, 2};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(log[i].stream_end - log[i].start, expected_b[i]) << "block " << i;
    EXPECT_EQ(log[i].done, log[i].stream_end + 2 * kR - 1) << "block " << i;
  }
  // Blocks 1 and 2 are queued while block 0 streams (3 issue cycles < 15): no gaps.
  EXPECT_EQ(log[1].start, log[0].stream_end);
  EXPECT_EQ(log[2].start, log[1].stream_end);
  EXPECT_EQ(bench.chip->mxu.cycles(Mxu::kActive), 15u + 4 + 2);
  EXPECT_EQ(bench.chip->mxu.report()["array_macs"].get<uint64_t>(), (15u + 4 + 2) * kR * kR);
  // Halt completes when the last block's sums are in the accumulators.
  const uint64_t start = to_cycles(bench.chip->sequencer.start_time(), bench.cfg_.clock_period());
  EXPECT_EQ(bench.chip->sequencer.run_cycles(), log.back().done - start);
}

// =============================================================================================
// Pool: max, or average = activate(sum over the window positions inside the image, 0, act_*,
// identity), with stride and zero padding; output pixel (g, q) at ub_row + (g - out_row) * Q + q.

struct PoolCase {
  const char* name;
  uint32_t N, H, W, ph, pw, sh, sw, pt, pl, P, Q;  // P, Q given (derived in the comments)
  uint32_t out_row, rows;
  bool average;
  uint32_t multiplier, shift;
  int32_t zero_point;
  uint64_t busy;  // hand-derived: max(UB rows read, rows * Q) + pipeline_cycles
};
void PrintTo(const PoolCase& c, std::ostream* os) { *os << c.name; }

class PoolFunction : public ::testing::TestWithParam<PoolCase> {};

TEST_P(PoolFunction, MatchesWindowLoopsAndTiming) {
  const PoolCase c = GetParam();
  const uint64_t src = 20, dst = 300, image = uint64_t(c.H) * c.W, B = uint64_t(c.rows) * c.Q;
  const std::vector<int8_t> x = random_int8(c.N * image * kR, 200 + c.ph * 10 + c.pw);
  const std::vector<int8_t> junk = random_int8((src + c.N * image + 40) * kR, 201);
  ASSERT_LT(src + c.N * image + 40, dst - 1);
  std::ostringstream p;
  p << "set_config reg=input_height value=" << c.H << "\n"
    << "set_config reg=input_width value=" << c.W << "\n"
    << "set_config reg=output_height value=" << c.P << "\n"
    << "set_config reg=output_width value=" << c.Q << "\n"
    << "set_config reg=stride_h value=" << c.sh << "\n"
    << "set_config reg=stride_w value=" << c.sw << "\n"
    << "set_config reg=pad_top value=" << c.pt << "\n"
    << "set_config reg=pad_left value=" << c.pl << "\n"
    << "set_config reg=pool_height value=" << c.ph << "\n"
    << "set_config reg=pool_width value=" << c.pw << "\n"
    << "set_config reg=act_multiplier value=" << c.multiplier << "\n"
    << "set_config reg=act_shift value=" << c.shift << "\n"
    << "set_config reg=act_zero_point value=" << c.zero_point << "\n"
    << "pool ub=" << dst << " src=" << src << " p0=" << c.out_row << " rows=" << c.rows << (c.average ? " average" : "")
    << "\n"
    << "halt\n";
  ProgramBench bench(bench_config(), p.str(), {}, {});
  put_ub(bench, 0, junk);
  put_ub(bench, src, x);
  const std::vector<int8_t> sentinel(kR * (B + 2), 0x55);
  put_ub(bench, dst - 1, sentinel);
  ASSERT_TRUE(bench.run());

  RequantParams rq;
  rq.multiplier = c.multiplier;
  rq.shift = c.shift;
  rq.zero_point = c.zero_point;
  int partial = 0;  // windows that overlap the padding
  for (uint32_t i = 0; i < c.rows; ++i) {
    const uint32_t g = c.out_row + i, n = g / c.P, pr = g % c.P;
    for (uint32_t q = 0; q < c.Q; ++q) {
      int inside = 0;
      for (uint32_t ch = 0; ch < kR; ++ch) {
        int32_t mx = INT32_MIN, sum = 0;
        inside = 0;
        for (uint32_t a = 0; a < c.ph; ++a)
          for (uint32_t b = 0; b < c.pw; ++b) {
            const int64_t h = int64_t(pr) * c.sh + a - c.pt, w = int64_t(q) * c.sw + b - c.pl;
            if (h < 0 || h >= int64_t(c.H) || w < 0 || w >= int64_t(c.W)) continue;
            const int32_t v = x[(n * image + uint64_t(h) * c.W + uint64_t(w)) * kR + ch];
            mx = std::max(mx, v);
            sum += v;
            ++inside;
          }
        ASSERT_GT(inside, 0) << "test geometry: every window must reach into the image";
        const int32_t want = c.average ? activate(sum, 0, rq, ActivationFunction::Identity) : mx;
        ASSERT_EQ(ub_at(bench, dst + uint64_t(i) * c.Q + q, ch), want)
            << "output row " << g << " (image " << n << ", p " << pr << "), q " << q << ", channel " << ch;
      }
      partial += inside < int(c.ph * c.pw);
    }
  }
  EXPECT_GT(partial, 0) << "the case should exercise padding";
  for (uint32_t ch = 0; ch < kR; ++ch) {
    EXPECT_EQ(ub_at(bench, dst - 1, ch), 0x55);
    EXPECT_EQ(ub_at(bench, dst + B, ch), 0x55);
  }
  EXPECT_EQ(busy_cycles(bench.chip->activation_unit), c.busy);
}

// Requantization of the averages: multiplier / 2^31 ~ 1 / (window size).
constexpr uint32_t kNinth = 238609294;  // round(2^31 / 9)
constexpr uint32_t kSixth = 357913941;  // round(2^31 / 6)

INSTANTIATE_TEST_SUITE_P(
    Pool, PoolFunction,
    ::testing::Values(
        // 3 x 3 window, stride 2, pad 1 on every side: P = (5 + 2 - 3) / 2 + 1 = 3,
        // Q = (6 + 2 - 3) / 2 + 1 = 3. Output rows 1..4 (image 0 rows 1-2, image 1 rows 0-1).
        // Input image rows needed (h0 = 2p - 1, h in [h0, h0 + 3) inside 0..4):
        //   image 0: p=1 -> 1..3, p=2 -> 3..4; image 1: p=0 -> 0..1, p=1 -> 1..3
        //   = 4 + 4 distinct image rows x W = 6 UB rows = 48 reads; B = 4 * 3 = 12 outputs;
        // busy = max(48, 12) + 4 = 52.
        PoolCase{"Max3x3Stride2Pad1", 2, 5, 6, 3, 3, 2, 2, 1, 1, 3, 3, 1, 4, false, 0, 0, 0, 52},
        PoolCase{"Average3x3Stride2Pad1", 2, 5, 6, 3, 3, 2, 2, 1, 1, 3, 3, 1, 4, true, kNinth, 31, 3, 52},
        // 2 x 3 window, stride 1 x 2, pad top 0, left 1 (right 1): P = (5 - 2) / 1 + 1 = 4,
        // Q = (6 + 2 - 3) / 2 + 1 = 3. Output rows 2..6 (image 0 rows 2-3, image 1 rows 0-2).
        // Image rows needed (h in [p, p + 2)): image 0: {2, 3, 4}; image 1: {0, 1, 2, 3}
        //   = 7 x 6 = 42 reads; B = 5 * 3 = 15; busy = 42 + 4 = 46.
        PoolCase{"Max2x3", 2, 5, 6, 2, 3, 1, 2, 0, 1, 4, 3, 2, 5, false, 0, 0, 0, 46},
        PoolCase{"Average2x3", 2, 5, 6, 2, 3, 1, 2, 0, 1, 4, 3, 2, 5, true, kSixth, 31, -2, 46},
        // More outputs than input rows: 2 x 2 image, 2 x 2 window, stride 1, pad 1 all round:
        // P = Q = (2 + 2 - 2) / 1 + 1 = 3. Image rows {0, 1} x W = 2 -> 4 reads; B = 3 * 3 = 9;
        // busy = max(4, 9) + 4 = 13.
        PoolCase{"MaxOutputsDominate", 1, 2, 2, 2, 2, 1, 1, 1, 1, 3, 3, 0, 3, false, 0, 0, 0, 13},
        PoolCase{"AverageOutputsDominate", 1, 2, 2, 2, 2, 1, 1, 1, 1, 3, 3, 0, 3, true, 1u << 29, 31, 0, 13}),
    [](const ::testing::TestParamInfo<PoolCase>& i) { return std::string(i.param.name); });

// =============================================================================================
// Vector: v = (a+oa)*sa + (b+ob)*sb (add), (a+oa)*(b+ob) (multiply), (a+oa)*sa (unary), exact,
// saturated to int32, then activate(v, 0, act_*, fn).

struct VecCase {
  const char* name;
  const char* op;  // add, multiply, unary
  const char* fn;
  ActivationFunction function;
  int32_t sa, sb, oa, ob;
  uint32_t multiplier, shift;
  int32_t zero_point;
  bool expect_saturation;
};
void PrintTo(const VecCase& c, std::ostream* os) { *os << c.name; }

class VectorFunction : public ::testing::TestWithParam<VecCase> {};

TEST_P(VectorFunction, MatchesElementLoopsAndTiming) {
  const VecCase c = GetParam();
  constexpr uint64_t kRows = 7, A0 = 40, B0 = 80, D0 = 120;
  const std::vector<int8_t> a = random_int8(kRows * kR, 301), b = random_int8(kRows * kR, 302);
  const std::string op(c.op);
  std::ostringstream p;
  p << "set_config reg=vec_source_b value=" << B0 << "\n"
    << "set_config reg=vec_scale_a value=" << c.sa << "\n"
    << "set_config reg=vec_scale_b value=" << c.sb << "\n"
    << "set_config reg=vec_offset_a value=" << c.oa << "\n"
    << "set_config reg=vec_offset_b value=" << c.ob << "\n"
    << "set_config reg=act_multiplier value=" << c.multiplier << "\n"
    << "set_config reg=act_shift value=" << c.shift << "\n"
    << "set_config reg=act_zero_point value=" << c.zero_point << "\n"
    << "vector ub=" << D0 << " src=" << A0 << " rows=" << kRows << " op=" << op << " fn=" << c.fn << "\n"
    << "halt\n";
  ProgramBench bench(bench_config(), p.str(), {}, {});
  put_ub(bench, A0, a);
  put_ub(bench, B0, b);
  put_ub(bench, D0 - 1, std::vector<int8_t>(kR * (kRows + 2), 0x55));
  ASSERT_TRUE(bench.run());

  RequantParams rq;
  rq.multiplier = c.multiplier;
  rq.shift = c.shift;
  rq.zero_point = c.zero_point;
  int saturated = 0, exact = 0;
  std::vector<int> seen(256, 0);
  for (uint64_t r = 0; r < kRows; ++r)
    for (uint32_t l = 0; l < kR; ++l) {
      const int64_t va = int64_t(a[r * kR + l]) + c.oa, vb = int64_t(b[r * kR + l]) + c.ob;
      const int64_t v = op == "add" ? va * c.sa + vb * c.sb : op == "multiply" ? va * vb : va * c.sa;
      const int32_t v32 = clamp_int32(v);
      (v32 != v ? saturated : exact)++;
      const int8_t want = activate(v32, 0, rq, c.function);
      seen[size_t(want + 128)] = 1;
      ASSERT_EQ(ub_at(bench, D0 + r, l), want) << "row " << r << " lane " << l << ": a " << int(a[r * kR + l]) << ", b "
                                               << int(b[r * kR + l]) << ", v " << v;
    }
  for (uint32_t l = 0; l < kR; ++l) {
    EXPECT_EQ(ub_at(bench, D0 - 1, l), 0x55);
    EXPECT_EQ(ub_at(bench, D0 + kRows, l), 0x55);
  }
  if (c.expect_saturation) {
    // Values near +-2^31 requantize to (nearly) one int8 value; what matters is the sign, which
    // a wrap-around instead of saturation would flip.
    EXPECT_GT(saturated, 0) << "the case should overflow int32";
    EXPECT_GT(exact, 0);
  } else {
    EXPECT_EQ(saturated, 0);
    int distinct = 0;
    for (int s : seen) distinct += s;
    EXPECT_GE(distinct, 8) << "outputs should spread over the int8 range";
  }
  // rows + pipeline_cycles = 7 + 4.
  EXPECT_EQ(busy_cycles(bench.chip->activation_unit), 11u);
}

INSTANTIATE_TEST_SUITE_P(
    Vector, VectorFunction,
    ::testing::Values(
        // |v| <= 133 * 3 + 135 * 2 = 669; x 2^30 / 2^33 = 1/8.
        VecCase{"AddScalesOffsets", "add", "identity", ActivationFunction::Identity, 3, -2, 5, -7, 1u << 30, 33, 4,
                false},
        // Scales are not used by multiply (set to odd values to show it); |v| <= 131 * 133; x 1/128.
        VecCase{"MultiplyOffsets", "multiply", "relu", ActivationFunction::Relu, 100, -100, 3, -5, 1u << 30, 37, -3,
                false},
        // Unary: (a - 3) * 5, x 1/4 into tanh's Q3.4 input.
        VecCase{"UnaryTanh", "unary", "tanh", ActivationFunction::Tanh, 5, 77, -3, 99, 1u << 30, 32, 0, false},
        VecCase{"UnarySigmoidNegativeScale", "unary", "sigmoid", ActivationFunction::Sigmoid, -7, 0, 10, 0, 1u << 30,
                32, 0, false},
        // 32767 * (a + b + 65534) exceeds 2^31 - 1 once a + b >= 5; x 2^-24 (zero point -1) keeps
        // saturated values at 127, where wrap-around would give -128.
        VecCase{"AddOverflowsPositive", "add", "identity", ActivationFunction::Identity, 32767, 32767, 32767, 32767, 1,
                24, -1, true},
        // 32767 * (a + b - 65536) is below -2^31 once a + b <= -5.
        VecCase{"AddOverflowsNegative", "add", "identity", ActivationFunction::Identity, 32767, 32767, -32768, -32768,
                1, 24, 5, true},
        // -32768 * (a - 32768) - 32768 * (b - 32768) = 32768 * (65536 - a - b) exceeds 2^31 - 1
        // when a + b <= 0 and fits when a + b >= 1 (the int16 minimum for every register).
        VecCase{"AddOverflowsInt16Extremes", "add", "tanh", ActivationFunction::Tanh, -32768, -32768, -32768, -32768, 1,
                24, 0, true}),
    [](const ::testing::TestParamInfo<VecCase>& i) { return std::string(i.param.name); });

// =============================================================================================
// Wide operand multipliers (vec_wide_scales = 1, quant.h) and rounding half to even
// (act_rounding = 1): r = round((a + oa) ma + (b + ob) mb) / 2^act_shift), one rounding of the
// exact sum, then r + zero point through the function; act_multiplier is not used.

// Nearest integer to v / 2^s (s >= 1), ties to even when `even`, else toward +infinity; written
// with a floor quotient and remainder on __int128, not with quant.h's formula.
int64_t nearest(__int128 v, unsigned s, bool even) {
  const __int128 d = __int128{1} << s;
  __int128 q = v / d;
  if (v % d != 0 && v < 0) --q;
  const __int128 twice_rem = 2 * (v - q * d);
  const bool up = twice_rem > d || (twice_rem == d && (!even || q % 2 != 0));
  return int64_t(q + (up ? 1 : 0));
}

struct WideCase {
  const char* name;
  const char* op;  // add, unary
  const char* fn;
  int32_t ma, mb, oa, ob;
  uint32_t shift;
  int32_t zero_point;
  int rounding;  // act_rounding
  int input_unsigned;
};
void PrintTo(const WideCase& c, std::ostream* os) { *os << c.name; }

class VectorWide : public ::testing::TestWithParam<WideCase> {};

TEST_P(VectorWide, MatchesExactSumRoundedOnce) {
  const WideCase c = GetParam();
  constexpr uint64_t kRows = 6, A0 = 10, B0 = 30, D0 = 60;
  const std::vector<int8_t> a = random_int8(kRows * kR, 501), b = random_int8(kRows * kR, 502);
  std::ostringstream p;
  p << "set_config reg=vec_source_b value=" << B0 << "\n"
    << "set_config reg=vec_scale_a value=77\n"  // not used in wide mode
    << "set_config reg=vec_multiplier_a value=" << c.ma << "\n"
    << "set_config reg=vec_multiplier_b value=" << c.mb << "\n"
    << "set_config reg=vec_offset_a value=" << c.oa << "\n"
    << "set_config reg=vec_offset_b value=" << c.ob << "\n"
    << "set_config reg=vec_wide_scales value=1\n"
    << "set_config reg=act_rounding value=" << c.rounding << "\n"
    << "set_config reg=act_input_unsigned value=" << c.input_unsigned << "\n"
    << "set_config reg=act_multiplier value=12345\n"  // not used in wide mode
    << "set_config reg=act_shift value=" << c.shift << "\n"
    << "set_config reg=act_zero_point value=" << c.zero_point << "\n"
    << "vector ub=" << D0 << " src=" << A0 << " rows=" << kRows << " op=" << c.op << " fn=" << c.fn << "\n"
    << "halt\n";
  ProgramBench bench(bench_config(), p.str(), {}, {});
  put_ub(bench, A0, a);
  put_ub(bench, B0, b);
  ASSERT_TRUE(bench.run());
  const bool relu = std::string(c.fn) == "relu", unary = std::string(c.op) == "unary";
  int ties = 0;
  for (uint64_t i = 0; i < kRows * kR; ++i) {
    const int64_t x = (c.input_unsigned & 1 ? int64_t(uint8_t(a[i])) : int64_t(a[i])) + c.oa;
    const int64_t y = unary ? 0 : (c.input_unsigned & 2 ? int64_t(uint8_t(b[i])) : int64_t(b[i])) + c.ob;
    const __int128 v = __int128{x} * c.ma + __int128{y} * c.mb;
    ties += 2 * (v - (v >> c.shift) * (__int128{1} << c.shift)) == (__int128{1} << c.shift);
    int64_t want = std::clamp<int64_t>(nearest(v, c.shift, c.rounding == 1) + c.zero_point, -128, 127);
    if (relu) want = std::max<int64_t>(want, c.zero_point);
    ASSERT_EQ(ub_at(bench, D0 + i / kR, uint32_t(i % kR)), want) << "element " << i << ": x " << x << ", y " << y;
  }
  if (c.shift == 1) EXPECT_GT(ties, 0) << "the case should exercise ties";
  // rows + pipeline_cycles = 6 + 4: the wide mode costs no cycle.
  EXPECT_EQ(busy_cycles(bench.chip->activation_unit), 10u);
}

INSTANTIATE_TEST_SUITE_P(
    Vector, VectorWide,
    ::testing::Values(
        // ~0.7 a - 0.35 b + offsets at shift 31: |v| / 2^31 <= 0.7 * 133 + 0.35 * 135, spread over int8.
        WideCase{"AddHalfEvenRelu", "add", "relu", 1503238554, -751619277, 5, -7, 31, -3, 1, 0},
        WideCase{"AddHalfUpIdentity", "add", "identity", 1503238554, -751619277, 5, -7, 31, -3, 0, 0},
        // (a + b - 3) / 2 (uint8 a, int8 b): every odd sum is a tie, to even.
        WideCase{"AddUint8TiesToEven", "add", "identity", 1, 1, -3, 0, 1, 0, 1, 1},
        // Unary (a + 1) (2^31 - 1) / 2^32 ~ a / 2 with a uint8, zero point -100.
        WideCase{"UnaryUint8", "unary", "identity", 2147483647, 5, 1, 0, 32, -100, 1, 1}),
    [](const ::testing::TestParamInfo<WideCase>& i) { return std::string(i.param.name); });

// Pool average with act_rounding = 1: a 1 x 2 window, multiplier 2^30 / 2^31 = 1/2, so every odd
// sum is a tie and goes to the even neighbour (PyTorch's quantized average pools round so).
TEST(PoolRounding, AverageTiesToEven) {
  const std::vector<int8_t> x = random_int8(2 * kR, 503);
  const std::string prog =
      "set_config reg=input_width value=2\n"
      "set_config reg=pool_width value=2\n"
      "set_config reg=act_multiplier value=1073741824\n"
      "set_config reg=act_shift value=31\n"
      "set_config reg=act_rounding value=1\n"
      "pool ub=8 src=0 p0=0 rows=1 average\n"
      "halt\n";
  ProgramBench bench(bench_config(), prog, {}, {});
  put_ub(bench, 0, x);
  ASSERT_TRUE(bench.run());
  int odd = 0;
  for (uint32_t l = 0; l < kR; ++l) {
    const int sum = x[l] + x[kR + l];
    odd += sum % 2 != 0;
    ASSERT_EQ(ub_at(bench, 8, l), nearest(sum, 1, true)) << "lane " << l << ": sum " << sum;
  }
  EXPECT_GT(odd, 0) << "the inputs should give ties";
}

// Two Vectors on the activation unit: busy = (5 + 4) + (9 + 4) = 22; the registers are captured
// at dispatch (the Set_Config between them changes only the second).
TEST(VectorTiming, BusyIsRowsPlusPipelinePerInstruction) {
  constexpr uint64_t A0 = 0, B0 = 16, D0 = 32, E0 = 64;
  const std::vector<int8_t> a = random_int8(9 * kR, 401), b = random_int8(9 * kR, 402);
  const std::string prog =
      "set_config reg=vec_source_b value=16\n"
      "set_config reg=vec_offset_a value=1\n"
      "vector ub=32 src=0 rows=5 op=add fn=identity\n"
      "set_config reg=vec_scale_a value=-3\n"
      "vector ub=64 src=0 rows=9 op=unary fn=identity\n"
      "halt\n";
  ProgramBench bench(bench_config(), prog, {}, {});
  put_ub(bench, A0, a);
  put_ub(bench, B0, b);
  ASSERT_TRUE(bench.run());
  EXPECT_EQ(busy_cycles(bench.chip->activation_unit), 22u);
  EXPECT_EQ(bench.chip->activation_unit.report()["vector_rows"].get<uint64_t>(), 14u);
  // Default requantization: x 2^30 / 2^30 = 1, zero point 0.
  const RequantParams rq;
  for (uint64_t r = 0; r < 9; ++r)
    for (uint32_t l = 0; l < kR; ++l) {
      const int64_t va = a[r * kR + l] + 1;
      if (r < 5) {
        const int64_t vb = b[r * kR + l];  // scales 1, 1 at the first Vector
        EXPECT_EQ(ub_at(bench, D0 + r, l), activate(clamp_int32(va + vb), 0, rq, ActivationFunction::Identity));
      }
      EXPECT_EQ(ub_at(bench, E0 + r, l), activate(clamp_int32(va * -3), 0, rq, ActivationFunction::Identity));
    }
}

// fn=lookup with a broadcast operand b (vec_b_repeat): out[i][l] = T[sat8(requant((a[i][l] - 2) *
// (b[i / 3][l] + 1))) + 128], T read from the UB at act_table_row (256 bytes = 16 rows of 16). The
// same table through Activate. Time: each instruction rows + 16 table rows + pipeline_cycles.
TEST(LookupFunction, VectorBroadcastAndActivateMapThroughTheTable) {
  constexpr uint64_t kRows = 6, kRepeat = 3, A0 = 40, B0 = 80, D0 = 120, T0 = 200, E0 = 300;
  const std::vector<int8_t> a = random_int8(kRows * kR, 501), b = random_int8(2 * kR, 502);
  const std::vector<int8_t> table = random_int8(256, 503);
  std::ostringstream p;
  p << "set_config reg=vec_source_b value=" << B0 << "\n"
    << "set_config reg=vec_b_repeat value=" << kRepeat << "\n"
    << "set_config reg=vec_offset_a value=-2\n"
    << "set_config reg=vec_offset_b value=1\n"
    << "set_config reg=act_multiplier value=1073741824\n"  // x 2^30 / 2^36 = 1/64
    << "set_config reg=act_shift value=36\n"
    << "set_config reg=act_zero_point value=3\n"
    << "set_config reg=act_table_row value=" << T0 << "\n"
    << "vector ub=" << D0 << " src=" << A0 << " rows=" << kRows << " op=multiply fn=lookup\n"
    << "read_weights dram=0 tiles=1\n"
    << "matrix_multiply ub=" << A0 << " acc=0 rows=2 switch\n"
    << "activate ub=" << E0 << " acc=0 rows=2 fn=lookup\n"
    << "halt\n";
  // The weight tile: the identity, so the accumulators hold a's first two rows.
  std::vector<uint8_t> w(kR * kR, 0);
  for (uint32_t i = 0; i < kR; ++i) w[i * kR + i] = 1;
  ProgramBench bench(bench_config(), p.str(), w, {});
  put_ub(bench, A0, a);
  put_ub(bench, B0, b);
  put_ub(bench, T0, table);
  ASSERT_TRUE(bench.run());
  RequantParams rq;
  rq.multiplier = 1u << 30;
  rq.shift = 36;
  rq.zero_point = 3;
  for (uint64_t r = 0; r < kRows; ++r)
    for (uint32_t l = 0; l < kR; ++l) {
      const int64_t v = (int64_t(a[r * kR + l]) - 2) * (int64_t(b[(r / kRepeat) * kR + l]) + 1);
      const int8_t idx = activate(clamp_int32(v), 0, rq, ActivationFunction::Identity);
      ASSERT_EQ(ub_at(bench, D0 + r, l), table[size_t(idx + 128)]) << "row " << r << " lane " << l;
      if (r < 2) {
        const int8_t ai = activate(a[r * kR + l], 0, rq, ActivationFunction::Identity);
        ASSERT_EQ(ub_at(bench, E0 + r, l), table[size_t(ai + 128)]) << "activate row " << r << " lane " << l;
      }
    }
  // Vector (6 + 16 + 4) + Activate (2 + 16 + 4).
  EXPECT_EQ(busy_cycles(bench.chip->activation_unit), 26u + 22u);
  EXPECT_EQ(bench.chip->activation_unit.report()["table_loads"].get<uint64_t>(), 2u);
  EXPECT_EQ(bench.chip->activation_unit.report()["lookups"].get<uint64_t>(), (kRows + 2) * kR);
}

// A Vector reading what the Activate before it writes: same unit, in order, no Sync needed.
TEST(VectorFunction, ReadsOutputOfPrecedingActivateWithoutSync) {
  constexpr uint64_t kRows = 4;
  const std::string prog =
      "activate ub=50 acc=3 rows=4 fn=identity\n"
      "set_config reg=vec_scale_a value=3\n"
      "set_config reg=vec_offset_a value=-2\n"
      "vector ub=60 src=50 rows=4 op=unary fn=relu\n"
      "halt\n";
  ProgramBench bench(bench_config(), prog, {}, {});
  int32_t* acc = reinterpret_cast<int32_t*>(bench.chip->accumulators.data());
  std::mt19937 rng(7);
  std::uniform_int_distribution<int32_t> d(-150, 150);
  std::vector<int32_t> sums(kRows * kR);
  for (uint64_t i = 0; i < sums.size(); ++i) acc[3 * kR + i] = sums[i] = d(rng);
  ASSERT_TRUE(bench.run());
  const RequantParams rq;  // x1, zero point 0
  for (uint64_t r = 0; r < kRows; ++r)
    for (uint32_t l = 0; l < kR; ++l) {
      const int8_t y = activate(sums[r * kR + l], 0, rq, ActivationFunction::Identity);
      EXPECT_EQ(ub_at(bench, 50 + r, l), y);
      EXPECT_EQ(ub_at(bench, 60 + r, l), activate(clamp_int32((int64_t(y) - 2) * 3), 0, rq, ActivationFunction::Relu))
          << "row " << r << " lane " << l;
    }
}

// =============================================================================================
// host_row_bytes = 5: each UB row moves 5 bytes, packed back to back in host memory; a row read
// from the host is zero filled past them.

TEST(HostRowBytes, PacksRowsAndZeroFills) {
  constexpr uint32_t kN = 5, kIn = 7, kOut = 3;
  std::vector<uint8_t> host(256, 0x77);
  for (uint32_t i = 0; i < kIn * kN; ++i) host[i] = uint8_t(i * 7 + 1);
  const std::string prog =
      "set_config reg=host_row_bytes value=5\n"
      "read_host_memory ub=10 host=0 rows=7\n"
      "write_host_memory ub=30 host=100 rows=3\n"
      "set_config reg=host_row_bytes value=0\n"  // back to whole rows
      "read_host_memory ub=40 host=200 rows=1\n"
      "halt\n";
  ProgramBench bench(bench_config(), prog, {}, host);
  put_ub(bench, 10, std::vector<int8_t>(kIn * kR, int8_t(0xAA)));  // must be zero filled
  const std::vector<int8_t> out = random_int8(kOut * kR, 501);
  put_ub(bench, 30, out);
  ASSERT_TRUE(bench.run());
  // UB rows 10..16: 5 packed bytes each, then zeros.
  for (uint32_t r = 0; r < kIn; ++r)
    for (uint32_t l = 0; l < kR; ++l)
      EXPECT_EQ(uint8_t(ub_at(bench, 10 + r, l)), l < kN ? host[r * kN + l] : 0)
          << "UB row " << 10 + r << " byte " << l;
  EXPECT_EQ(uint8_t(ub_at(bench, 17, 0)), 0u);  // untouched (UB starts zero)
  // Host bytes 100..114: the first 5 bytes of UB rows 30..32; 115.. untouched.
  const uint8_t* mem = bench.host->memory.data();
  for (uint32_t r = 0; r < kOut; ++r)
    for (uint32_t l = 0; l < kN; ++l)
      EXPECT_EQ(mem[100 + r * kN + l], uint8_t(out[r * kR + l])) << "host byte " << 100 + r * kN + l;
  for (uint32_t i = 100 + kOut * kN; i < 200; ++i) ASSERT_EQ(mem[i], 0x77) << "host byte " << i;
  EXPECT_EQ(mem[99], 0x77);
  // host_row_bytes = 0: the whole 16-byte row.
  for (uint32_t l = 0; l < kR; ++l) EXPECT_EQ(uint8_t(ub_at(bench, 40, l)), 0x77);

  // Byte counters: DMA 7 * 5 + 16 to the device, 3 * 5 to the host. The PCIe links also carry the
  // host's program load (6 instructions * 12 bytes) and START (4 bytes) to the device, and the
  // STATUS read (4 bytes) to the host.
  const nlohmann::json r = bench.chip->host_interface.report();
  EXPECT_EQ(r["dma_bytes_to_device"].get<uint64_t>(), 7u * 5 + 16);
  EXPECT_EQ(r["dma_bytes_to_host"].get<uint64_t>(), 3u * 5);
  EXPECT_EQ(bench.chip->host_interface.to_device().counter().total_bytes(), 6u * 12 + 4 + 7 * 5 + 16);
  EXPECT_EQ(bench.chip->host_interface.to_host().counter().total_bytes(), 4u + 3 * 5);
}

// 300 packed rows: more than one 256-row chunk of the host interface, the last one partial.
// The write first leaves whole UB rows (nonzero past their first 3 bytes) in its chunk buffer;
// the read after it must still zero every row past 3 bytes.
TEST(HostRowBytes, LongTransfersMoveInChunksAndZeroFillEveryRow) {
  constexpr uint32_t kN = 3, kRows = 300, kHostOut = 2000;
  std::vector<uint8_t> host(kHostOut + kRows * kN + 16, 0x77);
  for (uint32_t i = 0; i < kRows * kN; ++i) host[i] = uint8_t(i * 13 + 5);
  const std::string prog =
      "set_config reg=host_row_bytes value=3\n"
      "write_host_memory ub=0 host=2000 rows=300\n"
      "read_host_memory ub=400 host=0 rows=300\n"
      "halt\n";
  ProgramBench bench(bench_config(), prog, {}, host);
  std::vector<int8_t> ub(kRows * kR);
  for (size_t i = 0; i < ub.size(); ++i) ub[i] = int8_t(i % 251 + 1);  // no zero byte
  put_ub(bench, 0, ub);
  put_ub(bench, 400, std::vector<int8_t>(kRows * kR, int8_t(0xAA)));  // must be overwritten
  ASSERT_TRUE(bench.run());
  const uint8_t* mem = bench.host->memory.data();
  for (uint32_t r = 0; r < kRows; ++r)
    for (uint32_t l = 0; l < kN; ++l)
      ASSERT_EQ(mem[kHostOut + r * kN + l], uint8_t(ub[r * kR + l])) << "host byte " << kHostOut + r * kN + l;
  EXPECT_EQ(mem[kHostOut + kRows * kN], 0x77);
  for (uint32_t r = 0; r < kRows; ++r)
    for (uint32_t l = 0; l < kR; ++l)
      ASSERT_EQ(uint8_t(ub_at(bench, 400 + r, l)), l < kN ? host[r * kN + l] : 0)
          << "UB row " << 400 + r << " byte " << l;
}

}  // namespace
}  // namespace tpu::test
