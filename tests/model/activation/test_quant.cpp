// Tests of the activation unit's integer arithmetic (model/activation/quant.h): saturation, rounding
// shifts, requantization with identity/relu, the sigmoid/tanh tables, and a randomized
// comparison of activate() against an independent __int128 / long double reference.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <random>
#include <sstream>
#include <vector>

#include "activation/quant.h"

namespace {

using tpu::activate;
using tpu::ActivationFunction;
using tpu::RequantParams;
using tpu::round_shift;
using tpu::saturate_int32;
using tpu::saturate_int8;

__extension__ typedef __int128 i128;

constexpr int64_t kI32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kI32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kTwo61 = int64_t{1} << 61;
constexpr int64_t kTwo62 = int64_t{1} << 62;

RequantParams params(uint32_t multiplier, uint32_t shift, int32_t zero_point = 0) {
  RequantParams p;
  p.multiplier = multiplier;
  p.shift = shift;
  p.zero_point = zero_point;
  return p;
}

// Unit requantization: r == saturate_int32(acc + bias).
const RequantParams kUnit = params(1u << 30, 30);

// ---------------------------------------------------------------------------------------------
// Independent reference (does not share code or formulation with model/activation/quant.cpp).

// Floor of n / d for d > 0, from truncating division.
i128 ref_floor_div(i128 n, i128 d) {
  i128 q = n / d;
  if (n % d != 0 && n < 0) --q;
  return q;
}

// Nearest integer to p / 2^s, ties toward +infinity: floor, then round up when the remainder is
// at least half the divisor.
i128 ref_round_shift(i128 p, unsigned s) {
  const i128 d = i128{1} << s;
  const i128 q = ref_floor_div(p, d);
  const i128 rem = p - q * d;  // 0 <= rem < d
  return 2 * rem >= d ? q + 1 : q;
}

i128 ref_clamp(i128 v, i128 lo, i128 hi) {
  if (v < lo) return lo;
  if (v > hi) return hi;
  return v;
}

// Sigmoid/tanh table entry for the Q3.4 input x in -128..127, in long double.
int ref_sigmoid(int x) {
  const long double s = 1.0L / (1.0L + std::exp(-static_cast<long double>(x) / 16.0L));
  return static_cast<int>(ref_clamp(static_cast<i128>(std::floor(256.0L * s + 0.5L)) - 128, -128, 127));
}
int ref_tanh(int x) {
  const long double t = std::tanh(static_cast<long double>(x) / 16.0L);
  return static_cast<int>(ref_clamp(static_cast<i128>(std::floor(128.0L * t + 0.5L)), -128, 127));
}

int ref_activate(int32_t acc, int32_t bias, uint32_t multiplier, uint32_t shift, int32_t zp, ActivationFunction fn) {
  const i128 v = ref_clamp(i128{acc} + i128{bias}, kI32Min, kI32Max);
  const i128 r = ref_round_shift(v * i128{multiplier}, shift);
  const int x = static_cast<int>(ref_clamp(r, -128, 127));
  const i128 q = ref_clamp(r + zp, -128, 127);
  switch (fn) {
    case ActivationFunction::Identity: return static_cast<int>(q);
    case ActivationFunction::Relu: return static_cast<int>(q > zp ? q : i128{zp});
    case ActivationFunction::Sigmoid: return ref_sigmoid(x);
    case ActivationFunction::Tanh: return ref_tanh(x);
  }
  return 1000;  // unreachable
}

int sig(int x) { return tpu::sigmoid_table()[static_cast<std::size_t>(x + 128)]; }
int tnh(int x) { return tpu::tanh_table()[static_cast<std::size_t>(x + 128)]; }

// ---------------------------------------------------------------------------------------------

TEST(Quant, SaturateInt32) {
  EXPECT_EQ(saturate_int32(0), 0);
  EXPECT_EQ(saturate_int32(-1), -1);
  EXPECT_EQ(saturate_int32(kI32Max), kI32Max);
  EXPECT_EQ(saturate_int32(kI32Max - 1), kI32Max - 1);
  EXPECT_EQ(saturate_int32(kI32Max + 1), kI32Max);
  EXPECT_EQ(saturate_int32(int64_t{1} << 40), kI32Max);
  EXPECT_EQ(saturate_int32(kI64Max), kI32Max);
  EXPECT_EQ(saturate_int32(kI32Min), kI32Min);
  EXPECT_EQ(saturate_int32(kI32Min + 1), kI32Min + 1);
  EXPECT_EQ(saturate_int32(kI32Min - 1), kI32Min);
  EXPECT_EQ(saturate_int32(-(int64_t{1} << 40)), kI32Min);
  EXPECT_EQ(saturate_int32(kI64Min), kI32Min);
}

TEST(Quant, SaturateInt8) {
  EXPECT_EQ(saturate_int8(0), 0);
  EXPECT_EQ(saturate_int8(-7), -7);
  EXPECT_EQ(saturate_int8(127), 127);
  EXPECT_EQ(saturate_int8(126), 126);
  EXPECT_EQ(saturate_int8(128), 127);
  EXPECT_EQ(saturate_int8(255), 127);  // would wrap to -1 if merely truncated
  EXPECT_EQ(saturate_int8(256), 127);  // would wrap to 0
  EXPECT_EQ(saturate_int8(kI64Max), 127);
  EXPECT_EQ(saturate_int8(-128), -128);
  EXPECT_EQ(saturate_int8(-127), -127);
  EXPECT_EQ(saturate_int8(-129), -128);
  EXPECT_EQ(saturate_int8(-256), -128);
  EXPECT_EQ(saturate_int8(kI64Min), -128);
}

TEST(Quant, RoundShiftTiesTowardPlusInfinity) {
  EXPECT_EQ(round_shift(5, 1), 3);    // 2.5 -> 3
  EXPECT_EQ(round_shift(-5, 1), -2);  // -2.5 -> -2
  EXPECT_EQ(round_shift(7, 2), 2);    // 1.75 -> 2
  EXPECT_EQ(round_shift(-6, 2), -1);  // -1.5 -> -1
  EXPECT_EQ(round_shift(-7, 2), -2);  // -1.75 -> -2
  EXPECT_EQ(round_shift(5, 2), 1);    // 1.25 -> 1
  EXPECT_EQ(round_shift(-5, 2), -1);  // -1.25 -> -1
  EXPECT_EQ(round_shift(-1, 1), 0);   // -0.5 -> 0
  EXPECT_EQ(round_shift(-3, 1), -1);  // -1.5 -> -1
  EXPECT_EQ(round_shift(1, 1), 1);    // 0.5 -> 1
  EXPECT_EQ(round_shift(-2, 2), 0);   // -0.5 -> 0
  EXPECT_EQ(round_shift(-3, 2), -1);  // -0.75 -> -1
  EXPECT_EQ(round_shift(-8, 3), -1);  // exact
}

TEST(Quant, RoundShiftZeroIsIdentity) {
  for (int64_t p : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{12345}, int64_t{-98765}, kTwo62 - 1, -(kTwo62 - 1),
                    kI64Max, kI64Min}) {
    EXPECT_EQ(round_shift(p, 0), p);
  }
}

TEST(Quant, RoundShiftLargeShiftNoOverflow) {
  // s = 62 and s = 61 with |p| close to 2^62: the rounding addend 2^(s-1) must not overflow.
  const int64_t cases[] = {kTwo62 - 1,
                           -(kTwo62 - 1),
                           kTwo62 - 2,
                           -(kTwo62 - 2),
                           kTwo61,
                           -kTwo61,
                           kTwo61 - 1,
                           -kTwo61 - 1,
                           kTwo61 + kTwo61 / 2,
                           1,
                           -1,
                           0,
                           (kTwo62 - 1) / 3 * 2,
                           -((kTwo62 - 1) / 3 * 2)};
  for (uint32_t s : {60u, 61u, 62u}) {
    for (int64_t p : cases) {
      EXPECT_EQ(i128{round_shift(p, s)}, ref_round_shift(p, s)) << "p=" << p << " s=" << s;
    }
  }
  // Hand-checked values at s = 62.
  EXPECT_EQ(round_shift(kTwo62 - 1, 62), 1);      // 0.99999... -> 1
  EXPECT_EQ(round_shift(-(kTwo62 - 1), 62), -1);  // -0.99999... -> -1
  EXPECT_EQ(round_shift(kTwo61, 62), 1);          // 0.5 -> 1
  EXPECT_EQ(round_shift(-kTwo61, 62), 0);         // -0.5 -> 0
  EXPECT_EQ(round_shift(-kTwo61 - 1, 62), -1);    // just below -0.5
  EXPECT_EQ(round_shift(kTwo61 - 1, 62), 0);      // just below 0.5
  // Every shift with a value that is an exact negative tie, p = -3 * 2^(s-1) (-1.5 -> -1).
  for (uint32_t s = 1; s <= 61; ++s) {
    EXPECT_EQ(round_shift(-3 * (int64_t{1} << (s - 1)), s), -1) << "s=" << s;
    EXPECT_EQ(round_shift(3 * (int64_t{1} << (s - 1)), s), 2) << "s=" << s;
  }
}

TEST(Quant, ActivateIdentitySaturates) {
  const auto id = ActivationFunction::Identity;
  EXPECT_EQ(activate(0, 0, kUnit, id), 0);
  EXPECT_EQ(activate(5, 0, kUnit, id), 5);
  EXPECT_EQ(activate(-5, 0, kUnit, id), -5);
  EXPECT_EQ(activate(127, 0, kUnit, id), 127);
  EXPECT_EQ(activate(128, 0, kUnit, id), 127);
  EXPECT_EQ(activate(1000000, 0, kUnit, id), 127);
  EXPECT_EQ(activate(static_cast<int32_t>(kI32Max), 0, kUnit, id), 127);
  EXPECT_EQ(activate(-128, 0, kUnit, id), -128);
  EXPECT_EQ(activate(-129, 0, kUnit, id), -128);
  EXPECT_EQ(activate(static_cast<int32_t>(kI32Min), 0, kUnit, id), -128);
  // Scaling: 0.5 * v with ties toward +infinity.
  const RequantParams half = params(1u << 30, 31);
  EXPECT_EQ(activate(5, 0, half, id), 3);    // 2.5 -> 3
  EXPECT_EQ(activate(-5, 0, half, id), -2);  // -2.5 -> -2
  EXPECT_EQ(activate(254, 0, half, id), 127);
  EXPECT_EQ(activate(256, 0, half, id), 127);
  EXPECT_EQ(activate(-256, 0, half, id), -128);
  EXPECT_EQ(activate(-258, 0, half, id), -128);
  // Multiplier 0 maps everything to the zero point.
  EXPECT_EQ(activate(123456, 0, params(0, 5, 17), id), 17);
}

TEST(Quant, ActivateFullRangeProduct) {
  // |v * multiplier| at its maximum (close to 2^62) with shift 62.
  const auto id = ActivationFunction::Identity;
  const RequantParams p = params(0x7fffffffu, 62);
  EXPECT_EQ(activate(static_cast<int32_t>(kI32Min), 0, p, id), -1);  // -(1 - 2^-31) -> -1
  EXPECT_EQ(activate(static_cast<int32_t>(kI32Max), 0, p, id), 1);   // (1 - 2^-31)^2 -> 1
  EXPECT_EQ(activate(static_cast<int32_t>(kI32Max), 0, params(0x7fffffffu, 0), id), 127);
  EXPECT_EQ(activate(static_cast<int32_t>(kI32Min), 0, params(0x7fffffffu, 0), id), -128);
  EXPECT_EQ(activate(static_cast<int32_t>(kI32Min), 0, params(0x7fffffffu, 55), id), -128);
  // 2^31 * (2^31 - 1) / 2^56 = 127.99999994 -> 128 -> saturated 127 (and -128 for -2^31).
  EXPECT_EQ(activate(static_cast<int32_t>(kI32Max), 1, params(0x7fffffffu, 55), id), 127);
}

TEST(Quant, ActivateZeroPoint) {
  const auto id = ActivationFunction::Identity;
  EXPECT_EQ(activate(5, 0, params(1u << 30, 30, 10), id), 15);
  EXPECT_EQ(activate(-5, 0, params(1u << 30, 30, 10), id), 5);
  EXPECT_EQ(activate(117, 0, params(1u << 30, 30, 10), id), 127);
  EXPECT_EQ(activate(118, 0, params(1u << 30, 30, 10), id), 127);  // 128 saturates
  EXPECT_EQ(activate(-123, 0, params(1u << 30, 30, -5), id), -128);
  EXPECT_EQ(activate(-124, 0, params(1u << 30, 30, -5), id), -128);  // -129 saturates
  EXPECT_EQ(activate(0, 0, params(1u << 30, 30, -128), id), -128);
  EXPECT_EQ(activate(0, 0, params(1u << 30, 30, 127), id), 127);
  // Zero point is added after rounding: r = round(2.5) = 3, out = 3 - 7.
  EXPECT_EQ(activate(5, 0, params(1u << 30, 31, -7), id), -4);
}

TEST(Quant, ActivateRelu) {
  const auto relu = ActivationFunction::Relu;
  EXPECT_EQ(activate(-7, 0, kUnit, relu), 0);
  EXPECT_EQ(activate(7, 0, kUnit, relu), 7);
  EXPECT_EQ(activate(0, 0, kUnit, relu), 0);
  EXPECT_EQ(activate(300, 0, kUnit, relu), 127);
  EXPECT_EQ(activate(static_cast<int32_t>(kI32Min), 0, kUnit, relu), 0);
  EXPECT_EQ(activate(static_cast<int32_t>(kI32Max), 0, kUnit, relu), 127);
  // Clamping is at the zero point, not at 0.
  const RequantParams zm5 = params(1u << 30, 30, -5);
  EXPECT_EQ(activate(-7, 0, zm5, relu), -5);  // r + zp = -12 -> -5
  EXPECT_EQ(activate(-1, 0, zm5, relu), -5);  // -6 -> -5
  EXPECT_EQ(activate(0, 0, zm5, relu), -5);
  EXPECT_EQ(activate(3, 0, zm5, relu), -2);  // positive r passes, shifted by zp
  EXPECT_EQ(activate(-1000, 0, zm5, relu), -5);
  EXPECT_EQ(activate(132, 0, zm5, relu), 127);
  EXPECT_EQ(activate(133, 0, zm5, relu), 127);
  const RequantParams z20 = params(1u << 30, 30, 20);
  EXPECT_EQ(activate(-3, 0, z20, relu), 20);  // 17 -> 20
  EXPECT_EQ(activate(3, 0, z20, relu), 23);
  EXPECT_EQ(activate(200, 0, z20, relu), 127);
  EXPECT_EQ(activate(-100, 0, params(1u << 30, 30, -128), relu), -128);
  EXPECT_EQ(activate(5, 0, params(1u << 30, 30, -128), relu), -123);
  EXPECT_EQ(activate(-100, 0, params(1u << 30, 30, 127), relu), 127);
  // Rounding of r happens before the clamp: -0.5 -> 0 (not negative), -1.5 -> -1.
  EXPECT_EQ(activate(-1, 0, params(1u << 30, 31), relu), 0);
  EXPECT_EQ(activate(-3, 0, params(1u << 30, 31, 3), relu), 3);
}

TEST(Quant, ActivateBias) {
  const auto id = ActivationFunction::Identity;
  EXPECT_EQ(activate(100, -30, kUnit, id), 70);
  EXPECT_EQ(activate(-30, 100, kUnit, id), 70);
  EXPECT_EQ(activate(100, 100, kUnit, id), 127);
  EXPECT_EQ(activate(1000, -990, kUnit, id), 10);           // bias applied before requantization
  EXPECT_EQ(activate(10, 2, params(1u << 30, 32), id), 3);  // (10 + 2) / 4 = 3; bias pre-scale
  // acc + bias overflows int32: saturates (a wrapping sum would give a negative result).
  EXPECT_EQ(activate(static_cast<int32_t>(kI32Max), 10, kUnit, id), 127);
  EXPECT_EQ(activate(static_cast<int32_t>(kI32Max), 10, params(1, 24), id), 127);
  EXPECT_EQ(activate(static_cast<int32_t>(kI32Min), -10, kUnit, id), -128);
  EXPECT_EQ(activate(static_cast<int32_t>(kI32Min), static_cast<int32_t>(kI32Min), kUnit, id), -128);
  // Saturation (not just a wide sum): with shift 32, (2^31 - 1) / 2^32 rounds to 0 but the
  // unclamped 2^31 + 9 would round to 1; -2^31 / 2^32 = -0.5 rounds to 0, -2^31 - 10 to -1.
  EXPECT_EQ(activate(static_cast<int32_t>(kI32Max), 10, params(1, 32), id), 0);
  EXPECT_EQ(activate(static_cast<int32_t>(kI32Min), -10, params(1, 32), id), 0);
  EXPECT_EQ(activate(static_cast<int32_t>(kI32Max), 10, params(1, 32), ActivationFunction::Relu), 0);
  // Without overflow the bias is exact at the boundary.
  EXPECT_EQ(activate(static_cast<int32_t>(kI32Max - 10), 10, params(1, 32), id), 0);
  EXPECT_EQ(activate(static_cast<int32_t>(kI32Max - 10), 11, params(1, 32), id), 0);
  EXPECT_EQ(activate(static_cast<int32_t>(kI32Min + 10), -11, params(1, 32), id), 0);
}

TEST(Quant, SigmoidTanhTablesMonotone) {
  const auto& s = tpu::sigmoid_table();
  const auto& t = tpu::tanh_table();
  for (std::size_t i = 1; i < 256; ++i) {
    EXPECT_LE(s[i - 1], s[i]) << "sigmoid at x=" << static_cast<int>(i) - 128;
    EXPECT_LE(t[i - 1], t[i]) << "tanh at x=" << static_cast<int>(i) - 128;
  }
  // Built once: the same object on every call.
  EXPECT_EQ(&tpu::sigmoid_table(), &s);
  EXPECT_EQ(&tpu::tanh_table(), &t);
}

TEST(Quant, SigmoidTableEntries) {
  EXPECT_EQ(sig(0), 0);        // 256 * 0.5 - 128
  EXPECT_EQ(sig(16), 59);      // floor(256 * 0.73105858 + 0.5) - 128 = 187 - 128
  EXPECT_EQ(sig(-16), -59);    // floor(256 * 0.26894142 + 0.5) - 128 = 69 - 128
  EXPECT_EQ(sig(8), 31);       // floor(256 * 0.62245933 + 0.5) - 128 = 159 - 128
  EXPECT_EQ(sig(1), 4);        // floor(256 * 0.51562449 + 0.5) - 128 = floor(132.499) - 128
  EXPECT_EQ(sig(-1), -4);      // floor(124.001 + 0.5) - 128
  EXPECT_EQ(sig(127), 127);    // 256 * sigmoid(7.9375) = 255.909 -> 256 - 128 = 128, clamped
  EXPECT_EQ(sig(-128), -128);  // 256 * sigmoid(-8) = 0.0859 -> 0 - 128
  EXPECT_EQ(sig(-127), -128);  // 256 * sigmoid(-7.9375) = 0.0914 -> 0 - 128
}

TEST(Quant, TanhTableEntries) {
  EXPECT_EQ(tnh(0), 0);
  EXPECT_EQ(tnh(16), 97);      // floor(128 * 0.76159416 + 0.5) = floor(97.984) = 97
  EXPECT_EQ(tnh(-16), -97);    // floor(-97.484 + 0.5) = -97
  EXPECT_EQ(tnh(8), 59);       // floor(128 * 0.46211716 + 0.5) = floor(59.651) = 59
  EXPECT_EQ(tnh(127), 127);    // 128 * tanh(7.9375) = 127.99999 -> 128, clamped
  EXPECT_EQ(tnh(-128), -128);  // -127.99999 + 0.5 -> -128
  EXPECT_EQ(tnh(-127), -128);
  EXPECT_EQ(tnh(1), 8);       // 128 * tanh(0.0625) = 7.9896
  EXPECT_EQ(tnh(64), 127);    // 128 * tanh(4) = 127.914 -> 128, clamped
  EXPECT_EQ(tnh(-64), -128);  // -127.914 -> -128
}

TEST(Quant, TablesMatchLongDoubleReference) {
  // Also checks that no entry lies within 1e-9 of a rounding tie, so double vs. long double (or
  // another libm) cannot change the tables.
  for (int x = -128; x <= 127; ++x) {
    EXPECT_EQ(sig(x), ref_sigmoid(x)) << "x=" << x;
    EXPECT_EQ(tnh(x), ref_tanh(x)) << "x=" << x;
    const long double sv = 256.0L / (1.0L + std::exp(-static_cast<long double>(x) / 16.0L));
    const long double tv = 128.0L * std::tanh(static_cast<long double>(x) / 16.0L);
    for (long double v : {sv, tv}) {
      const long double frac = v - std::floor(v);
      EXPECT_GT(std::fabs(frac - 0.5L), 1e-9L) << "near-tie at x=" << x << " v=" << static_cast<double>(v);
    }
  }
}

TEST(Quant, ActivateSigmoidTanhUseSaturatedIndex) {
  const auto sg = ActivationFunction::Sigmoid;
  const auto th = ActivationFunction::Tanh;
  EXPECT_EQ(activate(1000, 0, kUnit, sg), sig(127));
  EXPECT_EQ(activate(1000, 0, kUnit, sg), 127);
  EXPECT_EQ(activate(1000, 0, kUnit, th), 127);
  EXPECT_EQ(activate(-1000, 0, kUnit, sg), -128);
  EXPECT_EQ(activate(-1000, 0, kUnit, th), -128);
  EXPECT_EQ(activate(16, 0, kUnit, sg), 59);
  EXPECT_EQ(activate(16, 0, kUnit, th), 97);
  EXPECT_EQ(activate(-16, 0, kUnit, th), -97);
  EXPECT_EQ(activate(10, 6, kUnit, sg), 59);  // bias applies before the lookup
  // zero_point is ignored by sigmoid and tanh.
  EXPECT_EQ(activate(16, 0, params(1u << 30, 30, 50), sg), 59);
  EXPECT_EQ(activate(16, 0, params(1u << 30, 30, -50), th), 97);
  EXPECT_EQ(activate(0, 0, params(1u << 30, 30, 77), sg), 0);
  // Every in-range input selects its own entry; r = 32 with shift 1 is x = 16.
  for (int x = -128; x <= 127; ++x) {
    EXPECT_EQ(activate(x, 0, kUnit, sg), sig(x)) << "x=" << x;
    EXPECT_EQ(activate(x, 0, kUnit, th), tnh(x)) << "x=" << x;
  }
  EXPECT_EQ(activate(32, 0, params(1u << 30, 31), th), 97);
  EXPECT_EQ(activate(31, 0, params(1u << 30, 31), th), 97);  // 15.5 -> 16
}

TEST(Quant, ActivateMatchesReferenceRandom) {
  std::mt19937_64 rng(0x7e57c0de2024ull);
  auto uniform = [&rng](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  // A signed value of random magnitude 2^k, k in 0..31, so small and large values both occur.
  auto random_i32 = [&]() -> int32_t {
    const int64_t r = uniform(0, 40);
    if (r == 0) return static_cast<int32_t>(kI32Max);
    if (r == 1) return static_cast<int32_t>(kI32Min);
    const int64_t k = uniform(0, 31);
    return static_cast<int32_t>(uniform(-(int64_t{1} << k), (int64_t{1} << k) - 1));
  };
  const ActivationFunction fns[] = {ActivationFunction::Identity, ActivationFunction::Relu, ActivationFunction::Sigmoid,
                                    ActivationFunction::Tanh};
  constexpr int kIterations = 100000;
  int mismatches = 0, ties = 0, unsaturated = 0, relu_clamped = 0, table_interior = 0;
  for (int i = 0; i < kIterations; ++i) {
    const int32_t acc = random_i32();
    const int32_t bias = uniform(0, 3) == 0 ? 0 : random_i32();
    const int64_t mk = uniform(0, 31);
    const uint32_t multiplier =
        uniform(0, 40) == 0 ? 0x7fffffffu : static_cast<uint32_t>(uniform(0, (int64_t{1} << mk) - 1));
    const uint32_t shift = static_cast<uint32_t>(uniform(0, 62));
    const int32_t zp = static_cast<int32_t>(uniform(-128, 127));
    const ActivationFunction fn = fns[uniform(0, 3)];

    const int expected = ref_activate(acc, bias, multiplier, shift, zp, fn);
    const int got = activate(acc, bias, params(multiplier, shift, zp), fn);
    if (got != expected && ++mismatches <= 10) {
      ADD_FAILURE() << "acc=" << acc << " bias=" << bias << " multiplier=" << multiplier << " shift=" << shift
                    << " zp=" << zp << " fn=" << static_cast<int>(fn) << ": got " << got << ", expected " << expected;
    }

    // Coverage bookkeeping, so the random cases are known to reach the interesting regions.
    const i128 v = ref_clamp(i128{acc} + i128{bias}, kI32Min, kI32Max);
    const i128 prod = v * i128{multiplier};
    const i128 d = i128{1} << shift;
    if (shift >= 1 && prod - ref_floor_div(prod, d) * d == d / 2) ++ties;  // exact x.5 case
    const i128 r = ref_round_shift(prod, shift);
    if (fn == ActivationFunction::Identity && r + zp > -128 && r + zp < 127) ++unsaturated;
    if (fn == ActivationFunction::Relu && r < 0 && r + zp > -128) ++relu_clamped;
    if ((fn == ActivationFunction::Sigmoid || fn == ActivationFunction::Tanh) && r > -128 && r < 127) ++table_interior;
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_GT(ties, 500);
  EXPECT_GT(unsaturated, 2000);
  EXPECT_GT(relu_clamped, 1000);
  EXPECT_GT(table_interior, 2000);
  std::ostringstream os;
  os << "ties=" << ties << " identity-unsaturated=" << unsaturated << " relu-clamped=" << relu_clamped
     << " table-interior=" << table_interior;
  RecordProperty("coverage", os.str());
  std::cout << "[          ] coverage: " << os.str() << "\n";
}

// activate_row matches the independent 128-bit reference element by element: every function,
// with and without bias, on random values including the int32 extremes and large multipliers.
TEST(Quant, ActivateRowEqualsActivate) {
  std::mt19937_64 rng(77);
  std::uniform_int_distribution<int32_t> any32(std::numeric_limits<int32_t>::min(),
                                               std::numeric_limits<int32_t>::max());
  std::uniform_int_distribution<int32_t> small(-70000, 70000);
  const tpu::ActivationFunction fns[] = {tpu::ActivationFunction::Identity, tpu::ActivationFunction::Relu,
                                         tpu::ActivationFunction::Sigmoid, tpu::ActivationFunction::Tanh};
  const tpu::RequantParams params[] = {
      {1u << 30, 30, 0}, {1518500250u, 40, -7}, {2147483647u, 62, 127}, {1u, 0, -128}, {1073741824u, 20, 5}};
  const uint64_t n = 257;
  std::vector<int32_t> acc(n), bias(n);
  std::vector<int8_t> row(n);
  for (const auto& p : params)
    for (auto fn : fns)
      for (int with_bias = 0; with_bias < 2; ++with_bias) {
        for (uint64_t i = 0; i < n; ++i) {
          acc[i] = i % 3 ? small(rng) : any32(rng);
          bias[i] = i % 5 ? small(rng) : any32(rng);
        }
        acc[0] = std::numeric_limits<int32_t>::max();
        bias[0] = std::numeric_limits<int32_t>::max();
        acc[1] = std::numeric_limits<int32_t>::min();
        bias[1] = -1;
        tpu::activate_row(acc.data(), with_bias ? bias.data() : nullptr, n, p, fn, row.data());
        for (uint64_t i = 0; i < n; ++i)
          ASSERT_EQ(row[i], ref_activate(acc[i], with_bias ? bias[i] : 0, p.multiplier, p.shift, p.zero_point, fn))
              << "element " << i << " fn " << int(fn) << " multiplier " << p.multiplier << " shift " << p.shift;
      }
}

// ---------------------------------------------------------------------------------------------
// Rounding half to even (register act_rounding = 1) and the wide operand sum (quant.h).

// Nearest integer to p / 2^s, ties to the even neighbour: the floor, plus one when the remainder
// exceeds half the divisor, or equals it and the floor is odd (s >= 1).
i128 ref_round_shift_even(i128 p, unsigned s) {
  const i128 d = i128{1} << s;
  const i128 q = ref_floor_div(p, d);
  const i128 rem = p - q * d;
  const bool odd = (q % 2) != 0;
  return q + ((2 * rem > d || (2 * rem == d && odd)) ? 1 : 0);
}

TEST(Quant, RoundShiftHalfEvenHandValues) {
  using tpu::Rounding;
  EXPECT_EQ(round_shift(5, 1, Rounding::HalfEven), 2);     // 2.5 -> 2
  EXPECT_EQ(round_shift(7, 1, Rounding::HalfEven), 4);     // 3.5 -> 4
  EXPECT_EQ(round_shift(-5, 1, Rounding::HalfEven), -2);   // -2.5 -> -2
  EXPECT_EQ(round_shift(-7, 1, Rounding::HalfEven), -4);   // -3.5 -> -4
  EXPECT_EQ(round_shift(1, 1, Rounding::HalfEven), 0);     // 0.5 -> 0
  EXPECT_EQ(round_shift(-1, 1, Rounding::HalfEven), 0);    // -0.5 -> 0
  EXPECT_EQ(round_shift(3, 1, Rounding::HalfEven), 2);     // 1.5 -> 2
  EXPECT_EQ(round_shift(7, 2, Rounding::HalfEven), 2);     // 1.75 -> 2
  EXPECT_EQ(round_shift(5, 2, Rounding::HalfEven), 1);     // 1.25 -> 1
  EXPECT_EQ(round_shift(-10, 2, Rounding::HalfEven), -2);  // -2.5 -> -2
  EXPECT_EQ(round_shift(-6, 2, Rounding::HalfEven), -2);   // -1.5 -> -2
  EXPECT_EQ(round_shift(-8, 3, Rounding::HalfEven), -1);   // exact
  EXPECT_EQ(round_shift(12345, 0, Rounding::HalfEven), 12345);
  // HalfUp is the two-argument round_shift.
  EXPECT_EQ(round_shift(5, 1, Rounding::HalfUp), 3);
  EXPECT_EQ(round_shift(-7, 1, Rounding::HalfUp), -3);
}

// Random values, a third of them exact ties, against the 128-bit reference, shifts 1..62.
TEST(Quant, RoundShiftHalfEvenMatchesReference) {
  std::mt19937_64 rng(91);
  std::uniform_int_distribution<int64_t> any(-(kTwo62 - 1), kTwo62 - 1);
  for (unsigned s = 1; s <= 62; ++s)
    for (int i = 0; i < 300; ++i) {
      int64_t p = any(rng);
      if (i % 3 == 0) p = (p >> s) * (int64_t{1} << s) + (int64_t{1} << (s - 1));  // a tie: (k + 1/2) 2^s
      ASSERT_EQ(round_shift(p, s, tpu::Rounding::HalfEven), int64_t(ref_round_shift_even(p, s)))
          << "p " << p << " s " << s;
      ASSERT_EQ(round_shift(p, s, tpu::Rounding::HalfUp), int64_t(ref_round_shift(p, s))) << "p " << p << " s " << s;
    }
}

// activate and activate_row with HalfEven: identity at multiplier 2^30, shift 31 halves the value,
// so every odd acc is a tie; rows and single values agree.
TEST(Quant, ActivateHalfEvenHalvesToEven) {
  RequantParams p = params(1u << 30, 31, 3);
  p.rounding = tpu::Rounding::HalfEven;
  const std::vector<int32_t> acc = {5, 7, -5, -7, 4, 1, -1, 300};
  const std::vector<int8_t> want = {2 + 3, 4 + 3, -2 + 3, -4 + 3, 2 + 3, 0 + 3, 0 + 3, 127};
  std::vector<int8_t> row(acc.size());
  tpu::activate_row(acc.data(), nullptr, acc.size(), p, ActivationFunction::Identity, row.data());
  for (size_t i = 0; i < acc.size(); ++i) {
    EXPECT_EQ(activate(acc[i], 0, p, ActivationFunction::Identity), want[i]) << acc[i];
    EXPECT_EQ(row[i], want[i]) << acc[i];
  }
  std::vector<int32_t> wide(acc.size());
  tpu::activate_row_wide(acc.data(), nullptr, acc.size(), p, ActivationFunction::Identity, -32768, 32767, wide.data());
  EXPECT_EQ(wide.back(), 150 + 3);  // 300 / 2, not clamped to int8
  EXPECT_EQ(wide[0], 5);
}

// wide_operand_sum: x ma + y mb exactly, one rounding, int32 saturation; against the reference.
TEST(Quant, WideOperandSum) {
  using tpu::Rounding;
  using tpu::wide_operand_sum;
  constexpr int64_t kM = (int64_t{1} << 31) - 1;
  // 3 * 2^30 / 2^31 = 1.5 (tie) and 5 * 2^30 / 2^31 = 2.5 (tie).
  EXPECT_EQ(wide_operand_sum(3, 0, int64_t{1} << 30, 99, 31, Rounding::HalfEven), 2);
  EXPECT_EQ(wide_operand_sum(5, 0, int64_t{1} << 30, 99, 31, Rounding::HalfEven), 2);
  EXPECT_EQ(wide_operand_sum(5, 0, int64_t{1} << 30, 99, 31, Rounding::HalfUp), 3);
  // The sum beyond int32 saturates; a small shift keeps the full products.
  EXPECT_EQ(wide_operand_sum(32767 + 255, 32767 + 255, kM, kM, 0, Rounding::HalfUp), kI32Max);
  EXPECT_EQ(wide_operand_sum(-(32768 + 128), 40000, kM, -kM, 1, Rounding::HalfEven), kI32Min);
  std::mt19937_64 rng(92);
  std::uniform_int_distribution<int64_t> operand(-(32768 + 255), 32767 + 255), mult(-kM, kM);
  std::uniform_int_distribution<unsigned> shift(0, 62);
  for (int i = 0; i < 20000; ++i) {
    const int64_t x = operand(rng), y = operand(rng), ma = mult(rng), mb = mult(rng);
    const unsigned s = shift(rng);
    const i128 v = i128{x} * ma + i128{y} * mb;
    for (Rounding r : {Rounding::HalfUp, Rounding::HalfEven}) {
      i128 want = s == 0 ? v : r == Rounding::HalfEven ? ref_round_shift_even(v, s) : ref_round_shift(v, s);
      want = want > kI32Max ? kI32Max : want < kI32Min ? kI32Min : want;
      ASSERT_EQ(wide_operand_sum(x, y, ma, mb, s, r), int64_t(want))
          << x << " " << y << " " << ma << " " << mb << " >> " << s;
    }
  }
}

}  // namespace
