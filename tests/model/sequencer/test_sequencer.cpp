// Sequencer tests (model/sequencer/sequencer.h): a functional chain through every unit, accumulator
// interlocks, Unified Buffer hazard errors, bounds errors, Halt, Sync timing, deadlock
// detection and the Table 3 split. Expected values are computed here independently (naive
// matrix products, floating-point requantization of small values), never by the model's code.
// SystemC allows one elaboration per process: one ProgramBench per test case, and each case
// runs in its own process (ctest, or --gtest_filter=Suite.Name).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "common/harness.h"
#include "common/test_util.h"

namespace tpu::test {
namespace {

constexpr uint32_t kR = 16;  // bench_config: 16 x 16 MXU, UB row = 16 bytes
constexpr uint32_t kB = 4;   // rows per MatrixMultiply in these programs
constexpr size_t kTileBytes = kR * kR;
constexpr size_t kHostBytes = 1024;  // host image: inputs at 0, bias at 256, outputs at 512

using Mat = std::vector<std::vector<int32_t>>;  // row-major

// Deterministic small integers in [lo, hi] (an LCG, independent of <random>'s distributions).
Mat random_mat(size_t rows, size_t cols, int32_t lo, int32_t hi, uint32_t seed) {
  uint32_t s = seed * 2654435761u + 12345u;
  Mat m(rows, std::vector<int32_t>(cols));
  for (auto& row : m)
    for (auto& v : row) {
      s = s * 1664525u + 1013904223u;
      v = lo + int32_t((s >> 8) % uint32_t(hi - lo + 1));
    }
  return m;
}

// Naive product of a (n x k) and b (k x m) in 64-bit, checked to fit int32.
Mat matmul(const Mat& a, const Mat& b) {
  Mat p(a.size(), std::vector<int32_t>(b[0].size(), 0));
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < b[0].size(); ++j) {
      int64_t s = 0;
      for (size_t k = 0; k < b.size(); ++k) s += int64_t(a[i][k]) * b[k][j];
      p[i][j] = int32_t(s);
    }
  return p;
}

// Reference requantization for small values: round-half-up of (v + bias) * m / 2^shift,
// saturated to int8, then relu (zero point 0). Exact in double for |v| < 2^20.
int32_t ref_activate(int64_t v, int64_t bias, uint32_t multiplier, uint32_t shift, bool relu) {
  const double real = double(v + bias) * double(multiplier) / std::ldexp(1.0, int(shift));
  int64_t r = int64_t(std::floor(real + 0.5));
  r = std::min<int64_t>(127, std::max<int64_t>(-128, r));
  if (relu) r = std::max<int64_t>(r, 0);
  return int32_t(r);
}

// Puts x (B x K, K a multiple of 16) into `img` at `addr` as UB rows, k-tile-major: row
// k * B + b holds features [16k, 16k + 16) of sample b (so MatrixMultiply ub=k*B rows=B).
void put_activations(std::vector<uint8_t>& img, size_t addr, const Mat& x) {
  const size_t B = x.size(), K = x[0].size();
  for (size_t b = 0; b < B; ++b)
    for (size_t k = 0; k < K; ++k) img.at(addr + ((k / kR) * B + b) * kR + k % kR) = uint8_t(int8_t(x[b][k]));
}

// Appends the weight tiles of w (K x 16, K a multiple of 16) to a weight image: tile k holds
// [r][c] = w[16k + r][c], row-major.
void append_tiles(std::vector<uint8_t>& img, const Mat& w) {
  for (size_t k0 = 0; k0 < w.size(); k0 += kR)
    for (size_t r = 0; r < kR; ++r)
      for (size_t c = 0; c < kR; ++c) img.push_back(uint8_t(int8_t(w[k0 + r][c])));
}

// 16 int32 little endian (4 UB rows) at `addr`.
void put_bias(std::vector<uint8_t>& img, size_t addr, const std::vector<int32_t>& bias) {
  for (size_t i = 0; i < bias.size(); ++i)
    for (size_t j = 0; j < 4; ++j) img.at(addr + 4 * i + j) = uint8_t(uint32_t(bias[i]) >> (8 * j));
}

// `rows` rows of 16 int8 from a byte memory.
Mat read_int8(const uint8_t* mem, size_t addr, size_t rows) {
  Mat m(rows, std::vector<int32_t>(kR));
  for (size_t b = 0; b < rows; ++b)
    for (size_t c = 0; c < kR; ++c) m[b][c] = int8_t(mem[addr + b * kR + c]);
  return m;
}

const uint8_t* host_mem(const ProgramBench& bench) { return bench.host->memory.data(); }

// Runs a program that must fail with SC_REPORT_ERROR(`type`); returns the message.
std::string run_error(ProgramBench& bench, const char* type = "tpu/sequencer") {
  return ErrorOf(type, [&] { bench.run(); });
}

// Host image of kHostBytes: `x` at 0 as UB rows and, if given, a bias vector at 256.
std::vector<uint8_t> host_image(const Mat& x, const std::vector<int32_t>& bias = {}) {
  std::vector<uint8_t> host(kHostBytes, 0);
  put_activations(host, 0, x);
  put_bias(host, 256, bias);
  return host;
}

// Weight image: the tiles of each matrix in turn.
std::vector<uint8_t> weight_image(std::initializer_list<Mat> ws) {
  std::vector<uint8_t> img;
  for (const Mat& w : ws) append_tiles(img, w);
  return img;
}

// The `rows` int8 output rows the programs here write to host address 512.
Mat output(const ProgramBench& bench, size_t rows = kB) { return read_int8(host_mem(bench), 512, rows); }

// The six Table 3 categories summed.
uint64_t table3_sum(const ProgramBench& bench) {
  const Mxu& m = bench.chip->mxu;
  return m.cycles(Mxu::kActive) + m.cycles(Mxu::kWeightStall) + m.cycles(Mxu::kWeightShift) +
         m.cycles(Mxu::kNonMatrix) + m.cycles(Mxu::kRawStall) + m.cycles(Mxu::kInputStall);
}

// ---- 1. Functional chain ------------------------------------------------------------------------

// Host -> UB -> MXU -> accumulators -> activation (identity, x1) -> UB -> host. The scale is
// 2^29 / 2^29 rather than the default registers (2^30, shift 30, also x1): if Set_Config of the
// shift were lost, the default shift 30 would halve every output.
TEST(SequencerFunctional, IdentityChainMatchesNaiveProduct) {
  const Mat X = random_mat(kB, 16, -3, 3, 1), W = random_mat(16, 16, -2, 2, 2);
  const Mat P = matmul(X, W);  // |P| <= 16 * 3 * 2 = 96: no saturation
  const std::string prog =
      "set_config reg=act_multiplier value=536870912\n"
      "set_config reg=act_shift value=29\n"
      "read_host_memory ub=0 host=0 rows=4\n"
      "read_weights dram=0 tiles=1\n"
      "sync units=host\n"
      "matrix_multiply ub=0 acc=0 rows=4 switch\n"
      "activate ub=128 acc=0 rows=4 fn=identity\n"
      "sync units=activation\n"
      "write_host_memory ub=128 host=512 rows=4\n"
      "halt\n";
  ProgramBench bench(bench_config(), prog, weight_image({W}), host_image(X));
  ASSERT_TRUE(bench.run());
  EXPECT_EQ(bench.chip->sequencer.status(), Sequencer::kHalted);
  bool negative = false, positive = false;
  const Mat out = output(bench);
  for (uint32_t b = 0; b < kB; ++b)
    for (uint32_t c = 0; c < kR; ++c) {
      ASSERT_LE(std::abs(P[b][c]), 127);
      EXPECT_EQ(bench.acc_row(b)[c], P[b][c]) << "accumulator " << b << "," << c;
      EXPECT_EQ(out[b][c], P[b][c]) << "output " << b << "," << c;
      negative |= P[b][c] < 0;
      positive |= P[b][c] > 0;
    }
  EXPECT_TRUE(negative && positive) << "test data should exercise both signs";
  // Write_Host_Memory wrote exactly 4 rows: the rest of the host image is untouched.
  for (size_t a = 512 + kB * kR; a < kHostBytes; ++a) ASSERT_EQ(host_mem(bench)[a], 0) << "host byte " << a;
}

// Two input tiles (SWITCH, then SWITCH ACCUMULATE), relu, a bias vector from the UB and a
// x0.5 scale (2^30 >> 31, rounding half up).
TEST(SequencerFunctional, ReluWithBiasAndTwoInputTiles) {
  const Mat X = random_mat(kB, 32, -3, 3, 3), W = random_mat(32, 16, -2, 2, 4);
  const Mat P = matmul(X, W);  // |P| <= 32 * 3 * 2 = 192
  std::vector<int32_t> bias(16);
  for (int c = 0; c < 16; ++c) bias[size_t(c)] = (c * 7) % 41 - 20;  // -20 .. 20
  const std::string prog =
      "set_config reg=act_multiplier value=1073741824\n"
      "set_config reg=act_shift value=31\n"
      "set_config reg=act_bias_row value=64\n"
      "read_host_memory ub=0 host=0 rows=8\n"
      "read_host_memory ub=64 host=256 rows=4\n"
      "read_weights dram=0 tiles=2\n"
      "sync units=host\n"
      "matrix_multiply ub=0 acc=0 rows=4 switch\n"
      "matrix_multiply ub=4 acc=0 rows=4 switch accumulate\n"
      "activate ub=128 acc=0 rows=4 fn=relu bias\n"
      "sync units=activation\n"
      "write_host_memory ub=128 host=512 rows=4\n"
      "halt\n";
  ProgramBench bench(bench_config(), prog, weight_image({W}), host_image(X, bias));
  ASSERT_TRUE(bench.run());
  const Mat out = output(bench);
  int clipped = 0, positive = 0;
  for (uint32_t b = 0; b < kB; ++b)
    for (uint32_t c = 0; c < kR; ++c) {
      EXPECT_EQ(bench.acc_row(b)[c], P[b][c]) << "accumulator " << b << "," << c;
      const int32_t want = ref_activate(P[b][c], bias[c], 1u << 30, 31, true);
      EXPECT_EQ(out[b][c], want) << "output " << b << "," << c << " (sum " << P[b][c] << ", bias " << bias[c] << ")";
      clipped += P[b][c] + bias[c] < 0;
      positive += want > 0;
    }
  EXPECT_GT(clipped, 0) << "test data should exercise relu";
  EXPECT_GT(positive, 0);
}

// The requantization registers are captured when Activate is dispatched: a Set_Config issued
// while an earlier Activate still waits (here for its accumulator interlock) does not affect it.
TEST(SequencerFunctional, SetConfigIsCapturedAtDispatch) {
  const Mat X = random_mat(kB, 16, -3, 3, 5), W = random_mat(16, 16, -2, 2, 6);
  const Mat P = matmul(X, W);
  const std::string prog =
      "read_host_memory ub=0 host=0 rows=4\n"
      "sync units=host\n"
      "read_weights dram=0 tiles=1\n"
      "matrix_multiply ub=0 acc=0 rows=4 switch\n"  // stalls for its tile
      "activate ub=128 acc=0 rows=4 fn=identity\n"  // default registers: x1
      "set_config reg=act_shift value=31\n"         // x0.5 from here on
      "activate ub=132 acc=0 rows=4 fn=identity\n"
      "sync units=activation\n"
      "write_host_memory ub=128 host=512 rows=8\n"
      "halt\n";
  ProgramBench bench(bench_config(), prog, weight_image({W}), host_image(X));
  ASSERT_TRUE(bench.run());
  const Mat out = output(bench, 2 * kB);
  int differ = 0;
  for (uint32_t b = 0; b < kB; ++b)
    for (uint32_t c = 0; c < kR; ++c) {
      EXPECT_EQ(out[b][c], ref_activate(P[b][c], 0, 1u << 30, 30, false)) << "first activate " << b << "," << c;
      EXPECT_EQ(out[kB + b][c], ref_activate(P[b][c], 0, 1u << 30, 31, false)) << "second activate " << b << "," << c;
      differ += out[b][c] != out[kB + b][c];
    }
  EXPECT_GT(differ, 0);
}

// ---- 2. Accumulator interlocks ------------------------------------------------------------------

// Activate right after the MatrixMultiply that fills its accumulator rows, no Sync between:
// the MatrixMultiply stalls for its weight tile (Read_Weights just before it), so without the
// interlock the Activate would run first and read zeros.
TEST(SequencerInterlock, ActivateWaitsForMatrixMultiplyWithoutSync) {
  const Mat X = random_mat(kB, 16, -3, 3, 7), W = random_mat(16, 16, -2, 2, 8);
  const Mat P = matmul(X, W);
  const std::string prog =
      "read_host_memory ub=0 host=0 rows=4\n"
      "sync units=host\n"
      "read_weights dram=0 tiles=1\n"
      "matrix_multiply ub=0 acc=0 rows=4 switch\n"
      "activate ub=128 acc=0 rows=4 fn=identity\n"
      "sync units=activation\n"
      "write_host_memory ub=128 host=512 rows=4\n"
      "halt\n";
  ProgramBench bench(bench_config(), prog, weight_image({W}), host_image(X));
  ASSERT_TRUE(bench.run());
  // Precondition of the scenario: the MatrixMultiply did wait for its weights.
  EXPECT_GT(bench.chip->mxu.cycles(Mxu::kWeightStall), 0u);
  const Mat out = output(bench);
  int nonzero = 0;
  for (uint32_t b = 0; b < kB; ++b)
    for (uint32_t c = 0; c < kR; ++c) {
      EXPECT_EQ(out[b][c], P[b][c]) << "output " << b << "," << c;
      nonzero += P[b][c] != 0;
    }
  EXPECT_GT(nonzero, 0);
}

// A MatrixMultiply that overwrites accumulator rows an earlier Activate still has to read
// waits for that Activate: the Activate (itself waiting for the first product) outputs the
// OLD sums X*W1, and the accumulators end with the new sums X*W2.
TEST(SequencerInterlock, MatrixMultiplyWaitsForActivateReadingItsRows) {
  const Mat X = random_mat(kB, 16, -3, 3, 9), W1 = random_mat(16, 16, -2, 2, 10), W2 = random_mat(16, 16, -2, 2, 11);
  const Mat P1 = matmul(X, W1), P2 = matmul(X, W2);
  const std::string prog =
      "read_host_memory ub=0 host=0 rows=4\n"
      "read_weights dram=0 tiles=2\n"
      "sync units=host\n"
      "matrix_multiply ub=0 acc=0 rows=4 switch\n"  // X*W1 into acc 0..3
      "activate ub=128 acc=0 rows=4 fn=identity\n"  // reads acc 0..3 after the above completes
      "matrix_multiply ub=0 acc=0 rows=4 switch\n"  // X*W2 over acc 0..3: must wait
      "sync units=activation\n"
      "write_host_memory ub=128 host=512 rows=4\n"
      "halt\n";
  ProgramBench bench(bench_config(), prog, weight_image({W1, W2}), host_image(X));
  ASSERT_TRUE(bench.run());
  const Mat out = output(bench);
  int differ = 0;
  for (uint32_t b = 0; b < kB; ++b)
    for (uint32_t c = 0; c < kR; ++c) {
      EXPECT_EQ(out[b][c], P1[b][c]) << "activate output " << b << "," << c;
      EXPECT_EQ(bench.acc_row(b)[c], P2[b][c]) << "final accumulator " << b << "," << c;
      differ += P1[b][c] != P2[b][c];
    }
  EXPECT_GT(differ, 0) << "W1 and W2 must give different products for this test to mean anything";
}

// ---- 3. Unified Buffer hazards ------------------------------------------------------------------

struct HazardCase {
  const char* name;
  const char* program;
  uint64_t index;         // the failing instruction
  uint64_t other;         // the unfinished instruction it conflicts with
  const char* kind;       // "RAW", "WAR", "WAW"
  const char* sync_unit;  // the Sync the message asks for
  bool also_with_sync;    // SequencerNoHazard runs it with that Sync as <name>WithSync
};

// Shared data for hazard programs: 4 input rows at host 0, a bias vector at host 256, one tile.
std::vector<uint8_t> hazard_host() { return host_image(random_mat(kB, 16, -3, 3, 12), std::vector<int32_t>(16, 5)); }
std::vector<uint8_t> hazard_weights() { return weight_image({random_mat(16, 16, -2, 2, 13)}); }

// Readable test parameters in gtest output.
void PrintTo(const HazardCase& c, std::ostream* os) { *os << c.name; }

const HazardCase kHazards[] = {
    // (a) Activate writes UB 128..131; the MatrixMultiply reads them before a Sync.
    {"RawActivateThenMatrixMultiply",
     "read_host_memory ub=0 host=0 rows=4\n"
     "read_weights dram=0 tiles=1\n"
     "sync units=host\n"
     "matrix_multiply ub=0 acc=0 rows=4 switch\n"
     "activate ub=128 acc=0 rows=4 fn=identity\n"
     "matrix_multiply ub=128 acc=8 rows=4\n"
     "halt\n",
     5, 4, "RAW", "activation", true},
    // (b) Write_Host_Memory still reads UB 0..3 (PCIe takes > 1000 cycles) when Activate
    // writes them.
    {"WarWriteHostMemoryThenActivate",
     "read_host_memory ub=0 host=0 rows=4\n"
     "sync units=host\n"
     "write_host_memory ub=0 host=512 rows=4\n"
     "activate ub=0 acc=0 rows=4 fn=identity\n"
     "halt\n",
     3, 2, "WAR", "host", true},
    // (c) MatrixMultiply reads rows that Read_Host_Memory is still writing.
    {"RawReadHostMemoryThenMatrixMultiply",
     "read_weights dram=0 tiles=1\n"
     "read_host_memory ub=0 host=0 rows=4\n"
     "matrix_multiply ub=0 acc=0 rows=4 switch\n"
     "halt\n",
     2, 1, "RAW", "host", true},
    // Activate writes rows 2..5 while Read_Host_Memory still writes 0..3 (partial overlap).
    {"WawReadHostMemoryThenActivate",
     "read_host_memory ub=0 host=0 rows=4\n"
     "activate ub=2 acc=0 rows=4 fn=identity\n"
     "halt\n",
     1, 0, "WAW", "host", true},
    // The bias vector (UB 64..67) is read by Activate while Read_Host_Memory still writes it.
    {"RawReadHostMemoryThenActivateBias",
     "set_config reg=act_bias_row value=64\n"
     "read_host_memory ub=64 host=256 rows=4\n"
     "activate ub=128 acc=0 rows=4 fn=identity bias\n"
     "halt\n",
     2, 1, "RAW", "host", true},
    // Read_Host_Memory overwrites the bias rows an Activate (waiting for its accumulator
    // interlock) has yet to read.
    {"WarActivateBiasThenReadHostMemory",
     "read_host_memory ub=0 host=0 rows=4\n"
     "read_weights dram=0 tiles=1\n"
     "sync units=host\n"
     "set_config reg=act_bias_row value=64\n"
     "matrix_multiply ub=0 acc=0 rows=4 switch\n"
     "activate ub=128 acc=0 rows=4 fn=identity bias\n"
     "read_host_memory ub=66 host=256 rows=1\n"
     "halt\n",
     6, 5, "WAR", "activation", true},
    // Read_Host_Memory overwrites the input rows of a MatrixMultiply that still waits for
    // its weight tile.
    {"WarMatrixMultiplyThenReadHostMemory",
     "read_host_memory ub=0 host=0 rows=4\n"
     "sync units=host\n"
     "read_weights dram=0 tiles=1\n"
     "matrix_multiply ub=0 acc=0 rows=4 switch\n"
     "read_host_memory ub=3 host=0 rows=4\n"
     "halt\n",
     4, 3, "WAR", "matrix", true},
    // --- Convolve, Pool, Vector (isa.h) ---
    // Vector operand b (vec_source_b = 64: UB 64..67) while Read_Host_Memory still writes
    // UB 64..67; operand a (UB 0..3) and the destination are untouched by it.
    {"RawReadHostMemoryThenVectorOperandB",
     "set_config reg=vec_source_b value=64\n"
     "read_host_memory ub=64 host=256 rows=4\n"
     "vector ub=128 src=0 rows=4 op=add fn=identity\n"
     "halt\n",
     2, 1, "RAW", "host", true},
    // Vector operand a (UB 2..5) overlaps rows 0..3 being written by the host unit.
    {"RawReadHostMemoryThenVectorOperandA",
     "read_host_memory ub=0 host=0 rows=4\n"
     "vector ub=128 src=2 rows=4 op=unary fn=relu\n"
     "halt\n",
     1, 0, "RAW", "host", false},
    // A Vector queued on the activation unit behind an Activate (which waits for its
    // accumulator interlock on a MatrixMultiply that waits for its tile) writes UB 64..67;
    // a Convolve (matrix unit) reads them as its input image (H = W = P = Q = 1: image n is
    // UB row 64 + n, rows 0..3 read UB 64..67) without a Sync.
    {"RawVectorThenConvolve",
     "read_host_memory ub=0 host=0 rows=4\n"
     "read_weights dram=0 tiles=1\n"
     "sync units=host\n"
     "matrix_multiply ub=0 acc=0 rows=4 switch\n"
     "activate ub=128 acc=0 rows=4 fn=identity\n"
     "vector ub=64 src=0 rows=4 op=unary fn=relu\n"
     "convolve ub=64 acc=8 kr=0 ks=0 p0=0 rows=4\n"
     "halt\n",
     6, 5, "RAW", "activation", true},
    // A Pool (same queueing as above) writes UB 96..97; a MatrixMultiply reads UB 96..99.
    {"RawPoolThenMatrixMultiply",
     "read_host_memory ub=0 host=0 rows=4\n"
     "read_weights dram=0 tiles=1\n"
     "sync units=host\n"
     "set_config reg=output_width value=2\n"
     "matrix_multiply ub=0 acc=0 rows=4 switch\n"
     "activate ub=128 acc=0 rows=4 fn=identity\n"
     "pool ub=96 src=0 p0=0 rows=1\n"
     "matrix_multiply ub=96 acc=8 rows=4\n"
     "halt\n",
     7, 6, "RAW", "activation", false},
    // Pool reads its input images (H = W = 2, P = 1: output row 1 reads image 1, UB 4..7)
    // while Read_Host_Memory still writes UB 6..7.
    {"RawReadHostMemoryThenPoolInput",
     "set_config reg=input_height value=2\n"
     "set_config reg=input_width value=2\n"
     "read_host_memory ub=6 host=0 rows=2\n"
     "pool ub=128 src=0 p0=1 rows=1 average\n"
     "halt\n",
     3, 2, "RAW", "host", false},
    // Read_Host_Memory overwrites Vector operand b rows (UB 64..67) that the queued Vector
    // has yet to read.
    {"WarVectorOperandBThenReadHostMemory",
     "read_host_memory ub=0 host=0 rows=4\n"
     "read_weights dram=0 tiles=1\n"
     "sync units=host\n"
     "set_config reg=vec_source_b value=64\n"
     "matrix_multiply ub=0 acc=0 rows=4 switch\n"
     "activate ub=128 acc=0 rows=4 fn=identity\n"
     "vector ub=200 src=0 rows=4 op=multiply fn=identity\n"
     "read_host_memory ub=66 host=256 rows=1\n"
     "halt\n",
     7, 6, "WAR", "activation", false},
    // A Vector writes UB rows that Write_Host_Memory still reads.
    {"WarWriteHostMemoryThenVector",
     "read_host_memory ub=0 host=0 rows=4\n"
     "sync units=host\n"
     "write_host_memory ub=0 host=512 rows=4\n"
     "vector ub=3 src=8 rows=2 op=unary fn=identity\n"
     "halt\n",
     3, 2, "WAR", "host", false},
    // A Pool's destination (Q = 4: UB 2..5) overlaps rows Read_Host_Memory still writes.
    {"WawReadHostMemoryThenPool",
     "set_config reg=output_width value=4\n"
     "read_host_memory ub=0 host=0 rows=4\n"
     "pool ub=2 src=16 p0=0 rows=1\n"
     "halt\n",
     2, 1, "WAW", "host", false},
};

class SequencerHazard : public ::testing::TestWithParam<HazardCase> {};

TEST_P(SequencerHazard, IsAnErrorNamingBothInstructions) {
  const HazardCase& h = GetParam();
  ProgramBench bench(bench_config(), h.program, hazard_weights(), hazard_host());
  const std::string msg = run_error(bench);
  EXPECT_TRUE(Contains(msg, "instruction " + std::to_string(h.index) + " ("));
  EXPECT_TRUE(Contains(msg, "instruction " + std::to_string(h.other) + " ("));
  EXPECT_TRUE(Contains(msg, h.kind));
  EXPECT_TRUE(Contains(msg, std::string("Sync units=") + h.sync_unit));
  // The error stops issue at the offending instruction.
  EXPECT_EQ(bench.chip->sequencer.status(), Sequencer::kRunning);
}

INSTANTIATE_TEST_SUITE_P(Sequencer, SequencerHazard, ::testing::ValuesIn(kHazards),
                         [](const ::testing::TestParamInfo<HazardCase>& i) { return std::string(i.param.name); });

struct CleanCase {
  std::string name;
  std::string program;
};

void PrintTo(const CleanCase& c, std::ostream* os) { *os << c.name; }

// The hazard program with the Sync its message asks for just before the failing instruction.
CleanCase with_sync(const HazardCase& h) {
  std::istringstream lines(h.program);
  std::string program, line;
  for (uint64_t i = 0; std::getline(lines, line); ++i) {
    if (i == h.index) program += std::string("sync units=") + h.sync_unit + "\n";
    program += line + "\n";
  }
  return {std::string(h.name) + "WithSync", program};
}

// (d) The hazard programs with the right Sync, then programs whose accesses are disjoint or on
// the same unit.
std::vector<CleanCase> clean_cases() {
  std::vector<CleanCase> cases;
  for (const HazardCase& h : kHazards)
    if (h.also_with_sync) cases.push_back(with_sync(h));
  const CleanCase others[] = {
      // Unary Vector has no operand b: vec_source_b rows being written are no hazard.
      {"UnaryVectorIgnoresOperandB",
       "set_config reg=vec_source_b value=64\n"
       "read_host_memory ub=64 host=256 rows=4\n"
       "vector ub=128 src=0 rows=4 op=unary fn=identity\n"
       "halt\n"},
      // A Vector reading what an in-flight Activate writes: both run on the
      // activation unit, in order, so no Sync is needed.
      {"VectorAfterActivateIsSameUnit",
       "read_host_memory ub=0 host=0 rows=4\n"
       "read_weights dram=0 tiles=1\n"
       "sync units=host\n"
       "matrix_multiply ub=0 acc=0 rows=4 switch\n"
       "activate ub=128 acc=0 rows=4 fn=identity\n"
       "vector ub=128 src=128 rows=4 op=unary fn=relu\n"
       "pool ub=132 src=128 p0=0 rows=4\n"
       "halt\n"},
      // Adjacent, not overlapping, rows: no hazard, no Sync needed.
      {"AdjacentRowsNeedNoSync",
       "read_host_memory ub=0 host=0 rows=4\n"
       "activate ub=4 acc=0 rows=4 fn=identity\n"
       "halt\n"},
      // Same unit: in order, no Sync needed.
      {"SameUnitIsInOrder",
       "read_host_memory ub=0 host=0 rows=4\n"
       "write_host_memory ub=0 host=512 rows=4\n"
       "halt\n"},
  };
  cases.insert(cases.end(), std::begin(others), std::end(others));
  return cases;
}

class SequencerNoHazard : public ::testing::TestWithParam<CleanCase> {};

TEST_P(SequencerNoHazard, RunsToHalt) {
  ProgramBench bench(bench_config(), GetParam().program, hazard_weights(), hazard_host());
  ASSERT_TRUE(bench.run());
  EXPECT_EQ(bench.chip->sequencer.status(), Sequencer::kHalted);
}

INSTANTIATE_TEST_SUITE_P(Sequencer, SequencerNoHazard, ::testing::ValuesIn(clean_cases()),
                         [](const ::testing::TestParamInfo<CleanCase>& i) { return i.param.name; });

// With the Sync, the second layer reads the first layer's finished outputs (two-layer check).
TEST(SequencerFunctional, SyncActivationOrdersTwoLayers) {
  const Mat X = random_mat(kB, 16, -2, 2, 14), W1 = random_mat(16, 16, -2, 2, 15), W2 = random_mat(16, 16, -1, 1, 16);
  const Mat P1 = matmul(X, W1);  // |P1| <= 64
  Mat H(kB, std::vector<int32_t>(kR));
  for (uint32_t b = 0; b < kB; ++b)
    for (uint32_t c = 0; c < kR; ++c) H[b][c] = ref_activate(P1[b][c], 0, 1u << 30, 30, true);
  const Mat P2 = matmul(H, W2);  // |P2| <= 16 * 64: scaled by 1/16 below
  const std::string prog =
      "read_host_memory ub=0 host=0 rows=4\n"
      "read_weights dram=0 tiles=2\n"
      "sync units=host\n"
      "matrix_multiply ub=0 acc=0 rows=4 switch\n"
      "activate ub=128 acc=0 rows=4 fn=relu\n"
      "sync units=activation\n"
      "matrix_multiply ub=128 acc=8 rows=4 switch\n"
      "set_config reg=act_shift value=34\n"
      "activate ub=136 acc=8 rows=4 fn=identity\n"
      "sync units=activation\n"
      "write_host_memory ub=136 host=512 rows=4\n"
      "halt\n";
  ProgramBench bench(bench_config(), prog, weight_image({W1, W2}), host_image(X));
  ASSERT_TRUE(bench.run());
  const Mat out = output(bench);
  int nonzero = 0;
  for (uint32_t b = 0; b < kB; ++b)
    for (uint32_t c = 0; c < kR; ++c) {
      EXPECT_EQ(bench.acc_row(8 + b)[c], P2[b][c]) << "layer-2 accumulator " << b << "," << c;
      const int32_t want = ref_activate(P2[b][c], 0, 1u << 30, 34, false);
      EXPECT_EQ(out[b][c], want) << "output " << b << "," << c;
      nonzero += want != 0;
    }
  EXPECT_GT(nonzero, 0);
}

// ---- 4. Bounds ----------------------------------------------------------------------------------

struct BoundsCase {
  const char* name;
  const char* program;
  uint64_t index;
  const char* resource;  // words the message must contain
  const char* range;     // the offending range as the message prints it
  bool small_dram;       // dram.capacity_bytes = 1 MiB
};

void PrintTo(const BoundsCase& c, std::ostream* os) { *os << c.name; }

class SequencerBounds : public ::testing::TestWithParam<BoundsCase> {};

TEST_P(SequencerBounds, IsAnErrorNamingInstructionAndResource) {
  const BoundsCase& p = GetParam();
  ArchConfig cfg = bench_config();
  ASSERT_EQ(cfg.ub_rows(), 4096u);
  ASSERT_EQ(cfg.accumulators.rows, 1024u);
  if (p.small_dram) cfg.dram.capacity_bytes = 1u << 20;
  ProgramBench bench(cfg, p.program, {}, std::vector<uint8_t>(kHostBytes, 0));
  const std::string msg = run_error(bench);
  EXPECT_TRUE(Contains(msg, "instruction " + std::to_string(p.index) + " ("));
  EXPECT_TRUE(Contains(msg, p.resource));
  EXPECT_TRUE(Contains(msg, p.range));
}

INSTANTIATE_TEST_SUITE_P(
    Sequencer, SequencerBounds,
    ::testing::Values(
        BoundsCase{"MatrixMultiplyUbRows",
                   "read_weights dram=0 tiles=1\nmatrix_multiply ub=4090 acc=0 rows=8 switch\nhalt\n", 1,
                   "Unified Buffer", "[4090, 4098)", false},
        BoundsCase{"MatrixMultiplyAccRows",
                   "read_weights dram=0 tiles=1\nmatrix_multiply ub=0 acc=1020 rows=8 switch\nhalt\n", 1, "accumulator",
                   "[1020, 1028)", false},
        BoundsCase{"ActivateAccRows", "nop\nactivate ub=0 acc=1023 rows=2 fn=relu\nhalt\n", 1, "accumulator",
                   "[1023, 1025)", false},
        BoundsCase{"ActivateUbRows", "activate ub=4095 acc=0 rows=2 fn=identity\nhalt\n", 0, "Unified Buffer",
                   "[4095, 4097)", false},
        // The bias vector is 16 int32 = 4 UB rows: rows 4094..4097.
        BoundsCase{"ActivateBiasRow",
                   "set_config reg=act_bias_row value=4094\nactivate ub=0 acc=0 rows=1 fn=identity bias\nhalt\n", 1,
                   "Unified Buffer", "[4094, 4098)", false},
        BoundsCase{"ReadHostMemoryUbRows", "read_host_memory ub=4095 host=0 rows=2\nhalt\n", 0, "Unified Buffer",
                   "[4095, 4097)", false},
        BoundsCase{"WriteHostMemoryUbRows", "nop\nnop\nwrite_host_memory ub=4000 host=0 rows=97\nhalt\n", 2,
                   "Unified Buffer", "[4000, 4097)", false},
        // Two 256-byte tiles from 1 MiB - 256 end at 1 MiB + 256.
        BoundsCase{"ReadWeightsBeyondCapacity", "read_weights dram=0xfff00 tiles=2\nhalt\n", 0, "dram.capacity_bytes",
                   "1048576", true},
        // --- Convolve, Pool, Vector, host_row_bytes ---
        // Images of H x W = 10 x 10 = 100 UB rows, P = 5 output rows each: output rows 3..6 span
        // images 0 and 1, so the input is UB [4000, 4000 + 2 * 100).
        BoundsCase{"ConvolveInputImageUbRows",
                   "set_config reg=input_height value=10\nset_config reg=input_width value=10\n"
                   "set_config reg=output_height value=5\n"
                   "convolve ub=4000 acc=0 kr=0 ks=0 p0=3 rows=4 switch\nhalt\n",
                   3, "input image", "[4000, 4200)", false},
        // Output rows 5..9 lie in image 1 only (P = 5): UB [3900 + 100, 3900 + 200).
        BoundsCase{"ConvolveInputImageSecondImageOnly",
                   "set_config reg=input_height value=10\nset_config reg=input_width value=10\n"
                   "set_config reg=output_height value=5\n"
                   "convolve ub=3900 acc=0 kr=0 ks=0 p0=5 rows=5 switch\nhalt\n",
                   3, "input image", "[4000, 4100)", false},
        // B = rows * Q = 20 * 50 = 1000 accumulator rows from 25: [25, 1025).
        BoundsCase{"ConvolveAccumulatorRows",
                   "set_config reg=output_width value=50\n"
                   "convolve ub=0 acc=25 kr=0 ks=0 p0=0 rows=20 switch\nhalt\n",
                   1, "accumulator", "[25, 1025)", false},
        // Pool writes rows * Q = 2 * 4 = 8 UB rows from 4090.
        BoundsCase{"PoolDestinationUbRows",
                   "set_config reg=output_width value=4\npool ub=4090 src=0 p0=0 rows=2\nhalt\n", 1,
                   "destination UB rows", "[4090, 4098)", false},
        // Pool input: H x W = 3 x 3 = 9 rows per image, P = 2: output rows 0..3 read images 0..1.
        BoundsCase{"PoolInputImageUbRows",
                   "set_config reg=input_height value=3\nset_config reg=input_width value=3\n"
                   "set_config reg=output_height value=2\npool ub=0 src=4080 p0=0 rows=4 average\nhalt\n",
                   3, "input image", "[4080, 4098)", false},
        BoundsCase{"VectorOperandBUbRows",
                   "set_config reg=vec_source_b value=4093\nvector ub=0 src=8 rows=4 op=add fn=identity\nhalt\n", 1,
                   "operand b UB rows", "[4093, 4097)", false},
        BoundsCase{"VectorMultiplyOperandBUbRows",
                   "set_config reg=vec_source_b value=4095\nvector ub=0 src=8 rows=2 op=multiply fn=tanh\nhalt\n", 1,
                   "operand b UB rows", "[4095, 4097)", false},
        BoundsCase{"VectorOperandAUbRows", "vector ub=0 src=4094 rows=3 op=unary fn=relu\nhalt\n", 0,
                   "operand a UB rows", "[4094, 4097)", false},
        BoundsCase{"VectorDestinationUbRows", "vector ub=4000 src=0 rows=97 op=unary fn=relu\nhalt\n", 0,
                   "destination UB rows", "[4000, 4097)", false},
        // host_row_bytes may not exceed the 16-byte UB row, for either direction.
        BoundsCase{"ReadHostMemoryHostRowBytes",
                   "set_config reg=host_row_bytes value=17\nread_host_memory ub=0 host=0 rows=1\nhalt\n", 1,
                   "host_row_bytes = 17", "16-byte UB row", false},
        BoundsCase{"WriteHostMemoryHostRowBytes",
                   "set_config reg=host_row_bytes value=65535\nnop\nwrite_host_memory ub=0 host=0 rows=1\nhalt\n", 2,
                   "host_row_bytes = 65535", "16-byte UB row", false}),
    [](const ::testing::TestParamInfo<BoundsCase>& i) { return std::string(i.param.name); });

// The last rows of every resource are usable: exact fits are not errors.
TEST(SequencerBoundsEdge, ExactFitsRunToHalt) {
  ArchConfig cfg = bench_config();
  cfg.dram.capacity_bytes = 1u << 20;
  const std::string prog =
      "set_config reg=act_bias_row value=4092\n"
      "read_weights dram=0xfff00 tiles=1\n"                  // ends exactly at 1 MiB
      "matrix_multiply ub=4088 acc=1016 rows=8 switch\n"     // UB and accumulator ends
      "activate ub=4080 acc=1016 rows=8 fn=identity bias\n"  // bias rows 4092..4095
      "halt\n";
  ProgramBench bench(cfg, prog, {}, std::vector<uint8_t>(kHostBytes, 0));
  ASSERT_TRUE(bench.run());
  EXPECT_EQ(bench.chip->sequencer.status(), Sequencer::kHalted);
}

// The same for the new instructions: every last row is usable.
TEST(SequencerBoundsEdge, NewInstructionsExactFitsRunToHalt) {
  const std::string prog =
      "set_config reg=input_height value=10\n"
      "set_config reg=input_width value=10\n"
      "set_config reg=output_height value=5\n"
      "set_config reg=output_width value=2\n"
      "read_weights dram=0 tiles=1\n"
      "convolve ub=3896 acc=1016 kr=0 ks=0 p0=3 rows=4 switch\n"  // UB [3896, 4096), acc [1016, 1024)
      "sync units=matrix\n"
      "pool ub=4088 src=0 p0=3 rows=4\n"  // UB [0, 200) -> [4088, 4096)
      "set_config reg=vec_source_b value=4092\n"
      "vector ub=0 src=4092 rows=4 op=add fn=identity\n"  // a, b [4092, 4096)
      "vector ub=4095 src=0 rows=1 op=unary fn=identity\n"
      "sync units=activation\n"
      "set_config reg=host_row_bytes value=16\n"
      "read_host_memory ub=4095 host=0 rows=1\n"
      "set_config reg=host_row_bytes value=1\n"
      "write_host_memory ub=4095 host=0 rows=1\n"
      "halt\n";
  ProgramBench bench(bench_config(), prog, {}, std::vector<uint8_t>(kHostBytes, 0));
  ASSERT_TRUE(bench.run());
  EXPECT_EQ(bench.chip->sequencer.status(), Sequencer::kHalted);
}

// ---- 5. Halt and the first SWITCH ---------------------------------------------------------------

TEST(SequencerErrors, ProgramWithoutHalt) {
  ProgramBench bench(bench_config(), "nop\nset_config reg=act_shift value=3\nnop\n", {}, {});
  const std::string msg = run_error(bench);
  EXPECT_TRUE(Contains(msg, "without Halt"));
  EXPECT_TRUE(Contains(msg, "3 instructions"));
}

TEST(SequencerErrors, MatrixMultiplyBeforeAnySwitch) {
  ProgramBench bench(bench_config(), "read_weights dram=0 tiles=1\nmatrix_multiply ub=0 acc=0 rows=4\nhalt\n", {}, {});
  const std::string msg = run_error(bench, "tpu/mxu");
  EXPECT_TRUE(Contains(msg, "instruction 1 ("));
  EXPECT_TRUE(Contains(msg, "SWITCH"));
}

// ---- 6. Sync semantics and timing ---------------------------------------------------------------

// Sync units=host returns only after the PCIe transfer: N rows of 16 bytes over a 15.754 GB/s
// link with 1000 ns latency. The MatrixMultiply after the Sync starts no earlier, and the MXU
// spends the wait in "input stall", none in "RAW stall".
TEST(SequencerTiming, SyncHostWaitsForThePcieTransfer) {
  const ArchConfig cfg = bench_config();
  ASSERT_DOUBLE_EQ(cfg.pcie.bandwidth_bytes_per_s, 15.754e9);
  ASSERT_DOUBLE_EQ(cfg.pcie.latency_ns, 1000.0);
  ASSERT_DOUBLE_EQ(cfg.clock_mhz, 1000.0);  // 1 ns per cycle
  constexpr uint32_t N = 64;
  const double transfer_ns = N * 16 / 15.754e9 * 1e9 + 1000.0;  // 64.9994 + 1000
  // The transfer starts no earlier than START, and the sequencer resumes on a clock edge.
  const uint64_t min_cycles = uint64_t(std::ceil(transfer_ns));
  const uint64_t fill = 2 * kR - 2;  // the MatrixMultiply's fill/drain before Halt completes
  std::vector<uint8_t> host(N * 16, 7);
  ProgramBench bench(cfg,
                     "read_host_memory ub=0 host=0 rows=64\n"
                     "read_weights dram=0 tiles=1\n"
                     "sync units=host\n"
                     "matrix_multiply ub=0 acc=0 rows=64 switch\n"
                     "halt\n",
                     std::vector<uint8_t>(kTileBytes, 1), host);
  bench.chip->mxu.record_blocks(true);
  ASSERT_TRUE(bench.run());
  const uint64_t start = to_cycles(bench.chip->sequencer.start_time(), cfg.clock_period());
  const auto& blocks = bench.chip->mxu.block_log();
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_GE(blocks[0].start - start, min_cycles);
  const uint64_t run = bench.chip->sequencer.run_cycles();
  EXPECT_GE(run, min_cycles + N + fill);
  // ... and not much later: instruction issue and clock-edge alignment only.
  EXPECT_LE(run, min_cycles + N + fill + 8);
  // The data did arrive in the UB, and the MXU used it: every input is 7, every weight 1.
  for (size_t i = 0; i < N * 16; ++i) ASSERT_EQ(bench.chip->unified_buffer.data()[i], 7) << "UB byte " << i;
  EXPECT_EQ(bench.acc_row(N - 1)[kR - 1], 7 * 16);
  const Mxu& mxu = bench.chip->mxu;
  EXPECT_GT(mxu.cycles(Mxu::kInputStall), 0u);
  EXPECT_GE(mxu.cycles(Mxu::kInputStall), 1000u);  // at least the link latency
  EXPECT_EQ(mxu.cycles(Mxu::kRawStall), 0u);
  EXPECT_EQ(mxu.cycles(Mxu::kActive), N);
  EXPECT_EQ(table3_sum(bench), run);
}

// Sync units=activation while an Activate runs: the MXU's idle time is RAW stall.
TEST(SequencerTiming, SyncActivationCountsAsRawStall) {
  const std::string prog =
      "read_host_memory ub=0 host=0 rows=4\n"
      "read_weights dram=0 tiles=1\n"
      "sync units=host\n"
      "matrix_multiply ub=0 acc=0 rows=4 switch\n"
      "activate ub=128 acc=0 rows=4 fn=identity\n"
      "sync units=activation\n"
      "matrix_multiply ub=128 acc=8 rows=4\n"
      "halt\n";
  ProgramBench bench(bench_config(), prog, hazard_weights(), hazard_host());
  ASSERT_TRUE(bench.run());
  const Mxu& mxu = bench.chip->mxu;
  // The Activate waits for the product (4 rows + 30 fill/drain) and then takes 4 rows + 4
  // pipeline cycles; the Sync starts a few cycles after the MatrixMultiply, so the RAW stall
  // is most of those 42 cycles and no more.
  const uint64_t fill = 2 * kR - 2, activate = kB + 4;
  EXPECT_GT(mxu.cycles(Mxu::kRawStall), 0u);
  EXPECT_GE(mxu.cycles(Mxu::kRawStall), fill);
  EXPECT_LE(mxu.cycles(Mxu::kRawStall), kB + fill + activate);
  // The Sync on the host (64 bytes over PCIe) is input stall, at least the link latency.
  EXPECT_GE(mxu.cycles(Mxu::kInputStall), 1000u);
  EXPECT_EQ(mxu.cycles(Mxu::kActive), 8u);
  EXPECT_EQ(table3_sum(bench), bench.chip->sequencer.run_cycles());
}

// Halt waits for every unit: a Write_Host_Memory just before it has to reach the host
// (1024 bytes over PCIe plus 1000 ns) before the run ends.
TEST(SequencerTiming, HaltWaitsForAllUnits) {
  const ArchConfig cfg = bench_config();
  const uint64_t min_cycles = uint64_t(std::ceil(64 * 16 / 15.754e9 * 1e9 + 1000.0));
  ProgramBench bench(cfg, "write_host_memory ub=0 host=0 rows=64\nhalt\n", {}, std::vector<uint8_t>(64 * 16, 7));
  ASSERT_TRUE(bench.run());
  EXPECT_GE(bench.chip->sequencer.run_cycles(), min_cycles);
  EXPECT_LE(bench.chip->sequencer.run_cycles(), min_cycles + 8);
  for (size_t i = 0; i < 64 * 16; ++i) ASSERT_EQ(host_mem(bench)[i], 0) << "host byte " << i << " (UB is zero)";
}

// Fetch, decode and issue cost sequencer.issue_cycles per instruction, one instruction after the
// other: N Nops and a Halt with nothing to wait for take (N + 1) * issue_cycles cycles from START.
TEST(SequencerTiming, IssueCostsIssueCyclesPerInstruction) {
  ArchConfig cfg = bench_config();
  cfg.sequencer.issue_cycles = 3;
  constexpr uint64_t N = 7;
  std::string prog;
  for (uint64_t i = 0; i < N; ++i) prog += "nop\n";
  ProgramBench bench(cfg, prog + "halt\n", {}, {});
  ASSERT_TRUE(bench.run());
  EXPECT_EQ(bench.chip->sequencer.run_cycles(), (N + 1) * 3);
}

// 20 cycles per instruction (the top of the paper's "10 to 20" cycles per CISC instruction, Sec.
// 2): a Sync whose units are idle costs its issue only, so Nop, Sync, Nop, Halt take 4 x 20.
TEST(SequencerTiming, IssueCostAtTwentyCyclesAndIdleSync) {
  ArchConfig cfg = bench_config();
  cfg.sequencer.issue_cycles = 20;
  ProgramBench bench(cfg, "nop\nsync units=host,weights,matrix,activation\nnop\nhalt\n", {}, {});
  ASSERT_TRUE(bench.run());
  EXPECT_EQ(bench.chip->sequencer.run_cycles(), 4u * 20u);
}

// Nothing after Halt is fetched (the out-of-range instruction after it would be an error).
TEST(SequencerErrors, HaltStopsFetching) {
  ProgramBench bench(bench_config(), "nop\nhalt\nread_host_memory ub=4095 host=0 rows=2\n", {}, {});
  ASSERT_TRUE(bench.run());
  EXPECT_EQ(bench.chip->sequencer.status(), Sequencer::kHalted);
  EXPECT_EQ(bench.chip->sequencer.report()["retired"].get<uint64_t>(), 2u);
}

// ---- 7. Deadlock --------------------------------------------------------------------------------
// With queue_depth 1 and a 4-tile FIFO, Read_Weights of one tile each, before any
// MatrixMultiply, can absorb: 4 tiles in the FIFO + 1 popped by the MXU's shifter into the
// (never switched) shadow buffer + 1 instruction held by the weight unit waiting for a slot + 1
// in its queue = 7 instructions. The 8th (instruction 7) blocks the sequencer for good, so the
// MatrixMultiply that would drain the FIFO is never issued: the simulation runs out of events.
std::string weights_then_multiplies(int n) {
  std::ostringstream p;
  for (int i = 0; i < n; ++i) p << "read_weights dram=" << i * 256 << " tiles=1\n";
  for (int i = 0; i < n; ++i) p << "matrix_multiply ub=0 acc=0 rows=1 switch\n";
  p << "halt\n";
  return p.str();
}

TEST(SequencerDeadlock, TooManyReadWeightsBlockTheSequencer) {
  ArchConfig cfg = bench_config();
  cfg.sequencer.queue_depth = 1;
  ASSERT_EQ(cfg.weight_fifo.depth_tiles, 4u);
  ProgramBench bench(cfg, weights_then_multiplies(8), {}, {});
  EXPECT_FALSE(bench.run());  // returns instead of hanging
  const std::string state = bench.chip->sequencer.describe_state();
  EXPECT_TRUE(Contains(state, "full"));
  EXPECT_TRUE(Contains(state, "at instruction 7"));
  // In flight on the weight unit: 5 (held, waiting for a FIFO slot), 6 (queued) and 7 (the
  // sequencer counts it as dispatched while it waits to enter the full queue).
  EXPECT_TRUE(Contains(state, "weights=3 (oldest: instruction 5 "));
  EXPECT_EQ(bench.chip->sequencer.status(), Sequencer::kRunning);
  EXPECT_EQ(bench.chip->weight_fifo.occupancy(), 4u);
}

// One fewer Read_Weights fits: the program completes.
TEST(SequencerDeadlock, OneFewerReadWeightsCompletes) {
  ArchConfig cfg = bench_config();
  cfg.sequencer.queue_depth = 1;
  ProgramBench bench(cfg, weights_then_multiplies(7), {}, {});
  ASSERT_TRUE(bench.run());
  EXPECT_EQ(bench.chip->sequencer.status(), Sequencer::kHalted);
}

// ---- 8. Table 3 split ---------------------------------------------------------------------------

// A mixed two-layer program with input, weight and RAW stalls: the six categories add up to
// the run exactly, and "array active" is exactly the rows streamed.
TEST(SequencerTable3, CategoriesSumToRunCycles) {
  const Mat X = random_mat(kB, 32, -2, 2, 17), W1 = random_mat(32, 16, -1, 1, 18), W2 = random_mat(16, 16, -1, 1, 19);
  std::vector<int32_t> bias(16);
  for (int c = 0; c < 16; ++c) bias[size_t(c)] = 10 - c;
  const Mat P1 = matmul(X, W1);  // |P1| <= 64
  Mat H(kB, std::vector<int32_t>(kR));
  for (uint32_t b = 0; b < kB; ++b)
    for (uint32_t c = 0; c < kR; ++c) H[b][c] = ref_activate(P1[b][c], bias[c], 1u << 30, 30, true);
  const Mat P2 = matmul(H, W2);
  const std::string prog =
      "set_config reg=act_bias_row value=64\n"
      "read_host_memory ub=0 host=0 rows=8\n"
      "read_host_memory ub=64 host=256 rows=4\n"
      "sync units=host\n"  // input stall
      "read_weights dram=0 tiles=3\n"
      "matrix_multiply ub=0 acc=0 rows=4 switch\n"             // weight stall, then shift
      "matrix_multiply ub=4 acc=0 rows=4 switch accumulate\n"  // shift
      "activate ub=128 acc=0 rows=4 fn=relu bias\n"
      "sync units=activation\n"  // RAW stall
      "matrix_multiply ub=128 acc=8 rows=4 switch\n"
      "set_config reg=act_shift value=34\n"
      "activate ub=136 acc=8 rows=4 fn=identity\n"
      "sync units=activation\n"
      "write_host_memory ub=136 host=512 rows=4\n"
      "halt\n";
  ProgramBench bench(bench_config(), prog, weight_image({W1, W2}), host_image(X, bias));
  ASSERT_TRUE(bench.run());
  const Mxu& mxu = bench.chip->mxu;
  const uint64_t run = bench.chip->sequencer.run_cycles();
  EXPECT_EQ(table3_sum(bench), run);
  EXPECT_EQ(mxu.cycles(Mxu::kActive), 3u * kB);
  EXPECT_GT(mxu.cycles(Mxu::kWeightStall), 0u);
  EXPECT_GT(mxu.cycles(Mxu::kWeightShift), 0u);
  EXPECT_GT(mxu.cycles(Mxu::kNonMatrix), 0u);
  EXPECT_GT(mxu.cycles(Mxu::kRawStall), 0u);
  EXPECT_GT(mxu.cycles(Mxu::kInputStall), 0u);
  // And the program computed the right thing.
  const Mat out = output(bench);
  for (uint32_t b = 0; b < kB; ++b)
    for (uint32_t c = 0; c < kR; ++c)
      EXPECT_EQ(out[b][c], ref_activate(P2[b][c], 0, 1u << 30, 34, false)) << "output " << b << "," << c;
}

}  // namespace
}  // namespace tpu::test
