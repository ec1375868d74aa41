// ActivationUnit's Activate on its own (model/activation/activation_unit.h): a FakeSequencer
// dispatches Activate with the requantization registers in the Dispatch, MemoryTargets stand for
// the accumulators and the Unified Buffer. Pool and Vector are covered through the chip by
// test_vector_units.cpp. Expected outputs come from a reference written here from quant.h's
// documented formulas (128-bit integer arithmetic, no call into quant.h) and from hand-computed
// values; expected times from the timing documented in activation_unit.h. One bench per test
// case (SystemC: one elaboration per process).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "activation/activation_unit.h"
#include "common/harness.h"
#include "common/test_util.h"
#include "common/unit_bench.h"
#include "memory/memory_target.h"

namespace tpu::test {
namespace {

constexpr uint64_t kR = 16, kC = 16;  // 16 x 16 MXU: UB rows of 16 int8, accumulator rows of 16 int32
constexpr uint64_t kAccRows = 64, kUbRows = 256;
constexpr uint32_t kPipe = 5;  // activation.pipeline_cycles in these tests

ArchConfig act_config() {
  ArchConfig c = bench_config(kR);  // 1 GHz: 1 ns cycles
  c.activation.pipeline_cycles = kPipe;
  validate_config(c, "act_config");
  return c;
}

// ---- Reference, from quant.h's file comment ------------------------------------------------
//   v = saturate_int32(acc + bias); r = round_shift(v * multiplier, shift)
//   round_shift(p, s) = floor((p + 2^(s-1)) / 2^s) for s >= 1, p for s = 0
//   identity: saturate_int8(r + zp); relu: max(saturate_int8(r + zp), zp)
//   sigmoid: x = saturate_int8(r), clamp(floor(256 * sigmoid(x / 16) + 0.5) - 128, -128, 127)
//   tanh:    x = saturate_int8(r), clamp(floor(128 * tanh(x / 16) + 0.5), -128, 127)
// Computed with 128-bit integers and an explicit floor division.

int64_t clamp(__int128 v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : int64_t(v)); }

__int128 floor_div(__int128 n, __int128 d) {  // d > 0
  __int128 q = n / d;
  if (n % d != 0 && n < 0) --q;
  return q;
}

int8_t reference(int64_t acc, int64_t bias, uint32_t multiplier, uint32_t shift, int32_t zp, ActivationFunction fn) {
  const int64_t v = clamp(__int128(acc) + bias, INT32_MIN, INT32_MAX);
  const __int128 p = __int128(v) * multiplier;
  const __int128 r = shift == 0 ? p : floor_div(p + (__int128(1) << (shift - 1)), __int128(1) << shift);
  switch (fn) {
    case ActivationFunction::Identity: return int8_t(clamp(r + zp, -128, 127));
    case ActivationFunction::Relu: return int8_t(std::max<int64_t>(clamp(r + zp, -128, 127), zp));
    case ActivationFunction::Sigmoid: {
      const double x = double(clamp(r, -128, 127)) / 16.0;
      return int8_t(clamp(int64_t(std::floor(256.0 / (1.0 + std::exp(-x)) + 0.5)) - 128, -128, 127));
    }
    case ActivationFunction::Tanh: {
      const double x = double(clamp(r, -128, 127)) / 16.0;
      return int8_t(clamp(int64_t(std::floor(128.0 * std::tanh(x) + 0.5)), -128, 127));
    }
  }
  ADD_FAILURE() << "unknown function";
  return 0;
}

// ---- Bench ---------------------------------------------------------------------------------

struct ActBench {
  explicit ActBench(const ArchConfig& c)
      : cfg(c), unit("activation_unit", cfg), acc("accumulators", kAccRows, kC * 4), ub("ub", kUbRows, kR),
        seq("seq", unit) {
    unit.acc_socket.bind(acc.socket);
    unit.ub_socket.bind(ub.socket);
  }
  // Accumulator rows from `row`: values row-major, kC per row.
  void put_acc(uint64_t row, const std::vector<int32_t>& v) {
    ASSERT_EQ(v.size() % kC, 0u);
    std::memcpy(acc.data() + row * kC * 4, v.data(), v.size() * 4);
  }
  // The int32 bias vector, little endian, from UB row `row` (kC * 4 = 64 bytes: 4 UB rows).
  void put_bias(uint64_t row, const std::vector<int32_t>& bias) {
    ASSERT_EQ(bias.size(), kC);
    for (uint64_t i = 0; i < kC; ++i)
      for (int k = 0; k < 4; ++k) ub.data()[row * kR + i * 4 + uint64_t(k)] = uint8_t(uint32_t(bias[i]) >> (8 * k));
  }
  void fill_ub(uint64_t row, uint64_t rows, uint8_t v) { std::memset(ub.data() + row * kR, v, rows * kR); }
  int8_t ub_at(uint64_t row, uint64_t lane) const { return int8_t(ub.data()[row * kR + lane]); }
  std::vector<int> ub_row(uint64_t row) const {
    std::vector<int> v;
    for (uint64_t l = 0; l < kR; ++l) v.push_back(ub_at(row, l));
    return v;
  }
  uint64_t report(const char* key) const { return unit.report()[key].get<uint64_t>(); }

  ArchConfig cfg;
  ActivationUnit unit;
  MemoryTarget acc, ub;
  FakeSequencer seq;
};

Dispatch activate(const std::string& text, uint64_t index, uint32_t multiplier, uint32_t shift, int32_t zp,
                  uint32_t bias_row = 0, uint32_t tag = 0) {
  Dispatch d = make_dispatch(text, index);
  EXPECT_EQ(d.instr.op, Opcode::Activate);
  d.requant.multiplier = multiplier;
  d.requant.shift = shift;
  d.requant.zero_point = zp;
  d.bias_row = bias_row;
  d.tag = tag;
  return d;
}

// ---- Against the reference -----------------------------------------------------------------

struct ActCase {
  const char* name;
  const char* fn_text;
  ActivationFunction fn;
  uint32_t multiplier, shift;
  int32_t zero_point;
  bool bias;
  int min_distinct;  // distinct outputs the case must produce (guards against degenerate data)
};
void PrintTo(const ActCase& c, std::ostream* os) { *os << c.name; }

class ActivateFunction : public ::testing::TestWithParam<ActCase> {};

// Six accumulator rows: row 0 holds the int32 extremes and small values, rows 1-5 random values
// whose requantized r spans about [-200, 200] (past both int8 bounds and the Q3.4 input range).
// Checks every output element, the UB rows around the destination, and the time: completion at
// dispatch (t = 0, on an edge) + rows + pipeline_cycles = 6 + 5 = 11 ns.
TEST_P(ActivateFunction, MatchesReferenceElementwise) {
  const ActCase c = GetParam();
  constexpr uint64_t kRows = 6, kAcc0 = 3, kUb0 = 40, kBiasRow = 100;
  ActBench b(act_config());
  // |acc| up to ~200 / scale, scale = multiplier / 2^shift, within int32.
  const double scale = double(c.multiplier) / std::ldexp(1.0, int(c.shift));
  const double span = std::min(200.0 / scale, 2147483647.0);
  std::mt19937_64 rng(c.multiplier ^ (uint64_t(c.shift) << 40));
  std::uniform_real_distribution<double> u(-span, span);
  std::vector<int32_t> acc(kRows * kC), bias(kC, 0);
  const int32_t edges[kC] = {INT32_MAX, INT32_MIN, 0, 1, -1, INT32_MAX - 1, INT32_MIN + 1, 2, -2, 3, -3, 0, 0, 0, 0, 0};
  for (uint64_t i = 0; i < kC; ++i) acc[i] = edges[i];
  for (uint64_t i = kC; i < acc.size(); ++i) acc[i] = int32_t(u(rng));
  for (uint64_t i = 11; i < kC; ++i) acc[i] = int32_t(u(rng));
  if (c.bias) {
    for (auto& x : bias) x = int32_t(u(rng) / 2);
    bias[0] = 1000;   // INT32_MAX + 1000: saturates, must not wrap
    bias[1] = -1000;  // INT32_MIN - 1000
  }
  b.put_acc(kAcc0, acc);
  b.put_bias(kBiasRow, bias);
  b.fill_ub(kUb0 - 1, kRows + 2, 0x5A);
  std::string text = "activate ub=" + std::to_string(kUb0) + " acc=" + std::to_string(kAcc0) +
                     " rows=" + std::to_string(kRows) + " fn=" + c.fn_text + (c.bias ? " bias" : "");
  b.seq.dispatch_at(0, activate(text, 0, c.multiplier, c.shift, c.zero_point, kBiasRow));
  run_to_end();

  std::set<int> distinct;
  int low = 0, high = 0;
  for (uint64_t r = 0; r < kRows; ++r)
    for (uint64_t l = 0; l < kC; ++l) {
      const int64_t a = acc[r * kC + l], bb = c.bias ? bias[l] : 0;
      const int8_t want = reference(a, bb, c.multiplier, c.shift, c.zero_point, c.fn);
      ASSERT_EQ(int(b.ub_at(kUb0 + r, l)), int(want))
          << "row " << r << " lane " << l << ": acc " << a << ", bias " << bb;
      distinct.insert(want);
      low += want == -128;
      high += want == 127;
    }
  EXPECT_GE(int(distinct.size()), c.min_distinct);
  if (c.fn != ActivationFunction::Relu && c.min_distinct > 3) {
    EXPECT_GT(low, 0) << "the case should saturate at -128";
    EXPECT_GT(high, 0) << "the case should saturate at 127";
  }
  for (uint64_t l = 0; l < kR; ++l) {
    EXPECT_EQ(uint8_t(b.ub_at(kUb0 - 1, l)), 0x5A);
    EXPECT_EQ(uint8_t(b.ub_at(kUb0 + kRows, l)), 0x5A);
  }
  ASSERT_EQ(b.seq.completions().size(), 1u);
  EXPECT_EQ(b.seq.completions()[0], ns(kRows + kPipe));
  EXPECT_EQ(b.seq.completed_units(), std::vector<Unit>{Unit::Activation});
  EXPECT_EQ(b.report("rows"), kRows);
}

INSTANTIATE_TEST_SUITE_P(
    Activate, ActivateFunction,
    ::testing::Values(
        // multiplier / 2^shift: 1518500250 / 2^40 ~ 1.38e-3 (2^31 / sqrt(2) as multiplier).
        ActCase{"Identity", "identity", ActivationFunction::Identity, 1518500250u, 40, 0, false, 40},
        ActCase{"IdentityBiasNegativeZeroPoint", "identity", ActivationFunction::Identity, (1u << 30) + 12345, 36, -7,
                true, 40},
        ActCase{"ReluZeroPointZero", "relu", ActivationFunction::Relu, 1518500250u, 40, 0, true, 20},
        ActCase{"ReluNegativeZeroPoint", "relu", ActivationFunction::Relu, 987654321u, 38, -20, true, 20},
        ActCase{"ReluPositiveZeroPoint", "relu", ActivationFunction::Relu, 1u << 30, 34, 12, false, 20},
        // zero_point is ignored by sigmoid and tanh (set to show it).
        ActCase{"Sigmoid", "sigmoid", ActivationFunction::Sigmoid, 1518500250u, 38, 33, true, 15},
        ActCase{"Tanh", "tanh", ActivationFunction::Tanh, 1234567890u, 37, -50, true, 15},
        // shift 0: r = v * multiplier exactly.
        ActCase{"IdentityShiftZero", "identity", ActivationFunction::Identity, 1, 0, 3, true, 40},
        // The largest multiplier and shift: v * (2^31 - 1) / 2^62 is within (-1, 1) for every v,
        // so r is -1, 0 or 1 (|v * multiplier| near 2^62 exercises the 64-bit product).
        ActCase{"IdentityLargestMultiplierAndShift", "identity", ActivationFunction::Identity, 2147483647u, 62, 0,
                false, 3}),
    [](const ::testing::TestParamInfo<ActCase>& i) { return std::string(i.param.name); });

// ---- Hand-computed values ------------------------------------------------------------------

// multiplier 1, shift 1: r = floor((v + 1) / 2), ties toward +infinity (2.5 -> 3, -2.5 -> -2),
// then the int8 bounds. Four Activates of the same accumulator row with different functions and
// zero points (captured per Dispatch). Expected values by hand:
//   acc:      5  -5   3  -3   1  -1   0  254  255  256 -255 -256 -257 -258  MAX  MIN
//   r:        3  -2   2  -1   1   0   0  127  128  128 -127 -128 -128 -129  2^30 -2^30
TEST(ActivateHand, RoundingTiesAndInt8Saturation) {
  ActBench b(act_config());
  b.put_acc(0, {5, -5, 3, -3, 1, -1, 0, 254, 255, 256, -255, -256, -257, -258, INT32_MAX, INT32_MIN});
  b.seq.dispatch_at(0, activate("activate ub=10 acc=0 rows=1 fn=identity", 0, 1, 1, 0));
  b.seq.dispatch_at(0, activate("activate ub=11 acc=0 rows=1 fn=relu", 1, 1, 1, -5));
  b.seq.dispatch_at(0, activate("activate ub=12 acc=0 rows=1 fn=relu", 2, 1, 1, 10));
  b.seq.dispatch_at(0, activate("activate ub=13 acc=0 rows=1 fn=identity", 3, 1, 1, 100));
  run_to_end();
  // identity, zero point 0: saturate_int8(r)
  EXPECT_EQ(b.ub_row(10), (std::vector<int>{3, -2, 2, -1, 1, 0, 0, 127, 127, 127, -127, -128, -128, -128, 127, -128}));
  // relu, zero point -5: max(saturate_int8(r - 5), -5)
  EXPECT_EQ(b.ub_row(11), (std::vector<int>{-2, -5, -3, -5, -4, -5, -5, 122, 123, 123, -5, -5, -5, -5, 127, -5}));
  // relu, zero point 10: max(saturate_int8(r + 10), 10)
  EXPECT_EQ(b.ub_row(12), (std::vector<int>{13, 10, 12, 10, 11, 10, 10, 127, 127, 127, 10, 10, 10, 10, 127, 10}));
  // identity, zero point 100: saturate_int8(r + 100)
  EXPECT_EQ(b.ub_row(13),
            (std::vector<int>{103, 98, 102, 99, 101, 100, 100, 127, 127, 127, -27, -28, -28, -29, 127, -128}));
  // Back to back, one row each: (1 + 5) ns per Activate.
  ASSERT_EQ(b.seq.completions().size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(b.seq.completions()[i], ns(6.0 * double(i + 1))) << "Activate " << i;
}

// BIAS adds the int32 bias vector read (little endian) from the UB at the dispatched bias row,
// saturating acc + bias to int32 (a wrap-around would flip the sign of lanes 0, 1, 6, 7).
// multiplier 1, shift 24: r = floor((v + 2^23) / 2^24). M = 2^24, H = 2^23. By hand:
//   lane  acc          bias          v                 r      out (identity, zero point 0)
//   0     MAX          +1            MAX (saturated)   128    127
//   1     MIN          -1            MIN (saturated)   -128   -128
//   2     1000         3M - 1000     3M                3      3
//   3     -5M          H             -4.5M             -4     -4  (tie toward +infinity)
//   4     0            -H - 1        -H - 1            -1     -1
//   5     0            -H            -H (-0.5)         0      0
//   6     2^30         2^30          2^31 -> MAX       128    127
//   7     -2^30        -2^30 - 1     < MIN -> MIN      -128   -128
//   8     100M         27M           127M              127    127
//   9     -100M        -28M          -128M             -128   -128
//   10    7            0             7                 0      0
//   11    5M           -7M           -2M               -2     -2
//   12    H            0             0.5M              1      1
//   13    -3H          0             -1.5M             -1     -1
//   14    3H           0             1.5M              2      2
//   15    0            0             0                 0      0
// The same Activate without BIAS on the same rows gives r of acc alone.
TEST(ActivateHand, BiasAddSaturatesToInt32) {
  constexpr int32_t M = 1 << 24, H = 1 << 23;
  ActBench b(act_config());
  b.put_acc(2, {INT32_MAX, INT32_MIN, 1000, -5 * M, 0, 0, 1 << 30, -(1 << 30), 100 * M, -100 * M, 7, 5 * M, H, -3 * H,
                3 * H, 0});
  b.put_bias(20, {1, -1, 3 * M - 1000, H, -H - 1, -H, 1 << 30, -(1 << 30) - 1, 27 * M, -28 * M, 0, -7 * M, 0, 0, 0, 0});
  b.seq.dispatch_at(0, activate("activate ub=30 acc=2 rows=1 fn=identity bias", 0, 1, 24, 0, 20));
  b.seq.dispatch_at(0, activate("activate ub=31 acc=2 rows=1 fn=identity", 1, 1, 24, 0, 20));
  run_to_end();
  EXPECT_EQ(b.ub_row(30), (std::vector<int>{127, -128, 3, -4, -1, 0, 127, -128, 127, -128, 0, -2, 1, -1, 2, 0}));
  EXPECT_EQ(b.ub_row(31), (std::vector<int>{127, -128, 0, -5, 0, 0, 64, -64, 100, -100, 0, 5, 1, -1, 2, 0}));
}

// Sigmoid and tanh at points computed by hand from quant.h's formulas (multiplier 2^30, shift 30:
// r = v, so x = saturate_int8(acc) in Q3.4). The zero point (77) is ignored by both.
//   x:       0  1  -1   8   -8  16  -16   40   -40   64   -64  127  -128  200  -200  MAX
//   sigmoid: 0  4  -4  31  -31  59  -59  109  -109  123  -123  127  -128  127  -128  127
//   tanh:    0  8  -8  59  -59  97  -97  126  -126  127  -128  127  -128  127  -128  127
// e.g. x = 16: 256 * sigmoid(1) = 187.15 -> 187 - 128 = 59; 128 * tanh(1) = 97.48 -> 97;
// x = -64: 128 * tanh(-4) = -127.91 -> floor(-127.41) = -128.
TEST(ActivateHand, SigmoidAndTanhAtHandComputedPoints) {
  ActBench b(act_config());
  b.put_acc(5, {0, 1, -1, 8, -8, 16, -16, 40, -40, 64, -64, 127, -128, 200, -200, INT32_MAX});
  b.seq.dispatch_at(0, activate("activate ub=50 acc=5 rows=1 fn=sigmoid", 0, 1u << 30, 30, 77));
  b.seq.dispatch_at(0, activate("activate ub=51 acc=5 rows=1 fn=tanh", 1, 1u << 30, 30, 77));
  run_to_end();
  EXPECT_EQ(b.ub_row(50),
            (std::vector<int>{0, 4, -4, 31, -31, 59, -59, 109, -109, 123, -123, 127, -128, 127, -128, 127}));
  EXPECT_EQ(b.ub_row(51),
            (std::vector<int>{0, 8, -8, 59, -59, 97, -97, 126, -126, 127, -128, 127, -128, 127, -128, 127}));
}

// ---- Timing --------------------------------------------------------------------------------

// activation_unit.h: "an Activate of B rows keeps the unit busy for B + pipeline_cycles cycles;
// Activates do not overlap", starting on a clock edge after dispatch (functional_unit.h). With
// pipeline_cycles P = 5 and 1 ns cycles:
//   A: rows 7, dispatched at 0:      [0, 12)
//   B: rows 3, dispatched at 2.5 ns: waits for A: [12, 20)
//   C: rows 10, dispatched at 40.5:  next edge 41: [41, 56)
// Busy = 12 + 8 + 15 = 35 cycles; by tag (A, C tag 1; B tag 2): {1: 27, 2: 8}; rows 20.
TEST(ActivateTiming, RowsPlusPipelinePerInstructionWithoutOverlap) {
  ActBench b(act_config());
  b.seq.dispatch_at(0, activate("activate ub=0 acc=0 rows=7 fn=relu", 0, 1u << 30, 30, 0, 0, 1));
  b.seq.dispatch_at(2.5, activate("activate ub=10 acc=10 rows=3 fn=identity", 1, 1u << 30, 30, 0, 0, 2));
  b.seq.dispatch_at(40.5, activate("activate ub=20 acc=20 rows=10 fn=tanh", 2, 1u << 30, 30, 0, 0, 1));
  run_to_end();
  ASSERT_EQ(b.seq.completions().size(), 3u);
  EXPECT_EQ(b.seq.completions()[0], ns(0 + 7 + kPipe));
  EXPECT_EQ(b.seq.completions()[1], ns(12 + 3 + kPipe));
  EXPECT_EQ(b.seq.completions()[2], ns(41 + 10 + kPipe));
  EXPECT_EQ(b.unit.report()["cycles"]["busy"].get<uint64_t>(), 35u);
  EXPECT_EQ(b.unit.busy_cycles_by_tag(), (std::map<uint32_t, uint64_t>{{1, 27}, {2, 8}}));
  EXPECT_EQ(b.report("rows"), 20u);
  EXPECT_EQ(b.report("instructions"), 3u);
}

// ---- Errors --------------------------------------------------------------------------------
// Operands outside the accumulators or the UB: the memory answers TLM_ADDRESS_ERROR_RESPONSE and
// the unit raises SC_REPORT_ERROR("tpu/tlm") naming itself, the instruction index, the access
// (read/write, bytes, address) and the response.

// Accumulator rows 60..67 of 64: read of 8 * 16 * 4 = 512 bytes at 60 * 64 = 0xf00.
TEST(ActivateErrors, AccumulatorRowsBeyondTheAccumulators) {
  ActBench b(act_config());
  b.seq.dispatch_at(0, activate("activate ub=0 acc=60 rows=8 fn=identity", 2, 1u << 30, 30, 0));
  const std::string msg = ErrorOf("tpu/tlm", [] { run_to_end(); });
  EXPECT_TRUE(ContainsAll(
      msg, {"activation_unit: instruction 2", "read of 512 bytes at address 0xf00", "TLM_ADDRESS_ERROR_RESPONSE"}))
      << msg;
}

// Bias vector at UB row 254 of 256: 64 bytes need rows 254..257: read at 254 * 16 = 0xfe0.
TEST(ActivateErrors, BiasVectorBeyondTheUnifiedBuffer) {
  ActBench b(act_config());
  b.seq.dispatch_at(0, activate("activate ub=0 acc=0 rows=1 fn=relu bias", 4, 1u << 30, 30, 0, 254));
  const std::string msg = ErrorOf("tpu/tlm", [] { run_to_end(); });
  EXPECT_TRUE(ContainsAll(msg, {"activation_unit: instruction 4 (bias vector)", "read of 64 bytes at address 0xfe0",
                                "TLM_ADDRESS_ERROR_RESPONSE"}))
      << msg;
}

// Destination UB rows 250..257 of 256: write of 8 * 16 = 128 bytes at 250 * 16 = 0xfa0.
TEST(ActivateErrors, DestinationBeyondTheUnifiedBuffer) {
  ActBench b(act_config());
  b.seq.dispatch_at(0, activate("activate ub=250 acc=0 rows=8 fn=identity", 6, 1u << 30, 30, 0));
  const std::string msg = ErrorOf("tpu/tlm", [] { run_to_end(); });
  EXPECT_TRUE(ContainsAll(
      msg, {"activation_unit: instruction 6", "write of 128 bytes at address 0xfa0", "TLM_ADDRESS_ERROR_RESPONSE"}))
      << msg;
}

}  // namespace
}  // namespace tpu::test
