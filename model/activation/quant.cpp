// Integer-only requantization and nonlinearities of the activation unit (see quant.h for the
// exact specification). activate() runs once per output element, so it is kept free of
// allocation and of data-dependent branches other than the per-instruction function switch.
#include "activation/quant.h"

#include "util/vector_clones.h"

#include <cassert>
#include <cmath>
#include <limits>

namespace tpu {

namespace {

constexpr int64_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kInt8Min = std::numeric_limits<int8_t>::min();
constexpr int64_t kInt8Max = std::numeric_limits<int8_t>::max();

// Clamps v to [lo, hi]; the conditional moves compile to cmov/min/max, not branches.
constexpr int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

// floor(q / 2^s) for 0 <= s <= 63 without right-shifting a negative value (implementation-
// defined in C++17): for q < 0, ~q = -q - 1 >= 0 and floor(q / 2^s) = ~floor(~q / 2^s).
// GCC and Clang reduce this to a single arithmetic shift.
inline int64_t floor_shift(int64_t q, uint32_t s) { return q < 0 ? ~(~q >> s) : (q >> s); }

// Rounds a double to the nearest integer with ties toward +infinity, as floor(v + 0.5).
inline int64_t round_half_up(double v) { return static_cast<int64_t>(std::floor(v + 0.5)); }

// Builds a 256-entry table: entry i holds f(x) for the Q3.4 input x = i - 128 (real x / 16).
template <typename F>
std::array<int8_t, 256> build_table(F f) {
  std::array<int8_t, 256> t{};
  for (int i = 0; i < 256; ++i) t[static_cast<std::size_t>(i)] = f((i - 128) / 16.0);
  return t;
}

// Table index of a requantized value: the Q3.4 input saturate_int8(r), offset by 128.
inline std::size_t table_index(int64_t r) { return static_cast<std::size_t>(clamp64(r, kInt8Min, kInt8Max) + 128); }

// round_shift with half = 2^(s-1) (0 for s = 0) and even = 1 for ties to even (0 for s = 0):
// an exact tie p = (k + 1/2) 2^s with k even loses 1 before the floor and so rounds to k; every
// other p is unaffected (p + half is a multiple of 2^s only at a tie). Branch-free: the
// activation unit's loops vectorize with it.
inline int64_t round_shift_by(int64_t p, uint32_t s, int64_t half, int64_t even) {
  return floor_shift(p + half - (even & ~floor_shift(p, s)), s);
}

// 1 when `mode` rounds ties to even and s >= 1 (s = 0 has no ties), else 0.
inline int64_t even_flag(Rounding mode, uint32_t s) { return mode == Rounding::HalfEven && s > 0 ? 1 : 0; }

}  // namespace

int64_t round_shift(int64_t p, uint32_t s) {
  assert(s <= 62);
  // half = 2^(s-1) for s >= 1 and 0 for s == 0 (both shifts act on non-negative values). With
  // |p| < 2^62 and half <= 2^61 the sum stays below 2^63 in magnitude.
  const int64_t half = (int64_t{1} << s) >> 1;
  return floor_shift(p + half, s);
}

int64_t round_shift(int64_t p, uint32_t s, Rounding mode) {
  return round_shift_by(p, s, (int64_t{1} << s) >> 1, even_flag(mode, s));
}

int32_t wide_operand_sum(int64_t x, int64_t y, int64_t ma, int64_t mb, uint32_t shift, Rounding mode) {
  // |x|, |y| < 2^16 and |ma|, |mb| < 2^31: |v| < 2^48, far inside round_shift's 2^62.
  return static_cast<int32_t>(clamp64(round_shift(x * ma + y * mb, shift, mode), kInt32Min, kInt32Max));
}

int8_t activate(int32_t acc, int32_t bias, const RequantParams& p, ActivationFunction fn) {
  // |v| <= 2^31 and multiplier < 2^31, so |prod| < 2^62 as round_shift requires.
  const int64_t v = clamp64(int64_t{acc} + int64_t{bias}, kInt32Min, kInt32Max);
  const int64_t prod = v * static_cast<int64_t>(p.multiplier);
  const int64_t r = round_shift(prod, p.shift, p.rounding);
  switch (fn) {
    case ActivationFunction::Sigmoid: return sigmoid_table()[table_index(r)];
    case ActivationFunction::Tanh: return tanh_table()[table_index(r)];
    case ActivationFunction::Relu: {
      // |r| < 2^62, so r + zero_point cannot overflow; zero_point is in -128..127, so the
      // maximum is an int8 value.
      const int64_t zp = p.zero_point;
      const int64_t out = clamp64(r + zp, kInt8Min, kInt8Max);
      return static_cast<int8_t>(out > zp ? out : zp);
    }
    case ActivationFunction::Identity:
    case ActivationFunction::Lookup:  // the table index; lookup_row maps it
    default:                          // codes 5-7 are not legal Activate functions (isa.h); treated as identity
      return static_cast<int8_t>(clamp64(r + int64_t{p.zero_point}, kInt8Min, kInt8Max));
  }
}

// activate_row is the activation unit's inner loop (14% of a ResNet-50 run); its 64-bit
// multiply, shift and clamps vectorize with AVX-512 (vpmullq, vpsraq) or partly with AVX2
// (ResNet-50 sc_start phase 0.255 -> 0.213 s).
TPU_VECTOR_CLONES
void activate_row(const int32_t* acc, const int32_t* bias, uint64_t n, const RequantParams& p, ActivationFunction fn,
                  int8_t* out) {
  const int64_t m = p.multiplier, zp = p.zero_point;
  const uint32_t s = p.shift;
  const int64_t half = (int64_t{1} << s) >> 1, even = even_flag(p.rounding, s);
  auto requant = [&](uint64_t i) {  // as activate(): saturate acc + bias, multiply, round-shift
    const int64_t v = clamp64(int64_t{acc[i]} + (bias ? int64_t{bias[i]} : 0), kInt32Min, kInt32Max);
    return round_shift_by(v * m, s, half, even);
  };
  switch (fn) {
    case ActivationFunction::Sigmoid:
    case ActivationFunction::Tanh: {
      const std::array<int8_t, 256>& t = fn == ActivationFunction::Sigmoid ? sigmoid_table() : tanh_table();
      for (uint64_t i = 0; i < n; ++i) out[i] = t[table_index(requant(i))];
      return;
    }
    case ActivationFunction::Relu:
      for (uint64_t i = 0; i < n; ++i) {
        const int64_t o = clamp64(requant(i) + zp, kInt8Min, kInt8Max);
        out[i] = static_cast<int8_t>(o > zp ? o : zp);
      }
      return;
    case ActivationFunction::Identity:
    default:
      for (uint64_t i = 0; i < n; ++i) out[i] = static_cast<int8_t>(clamp64(requant(i) + zp, kInt8Min, kInt8Max));
      return;
  }
}

void format_range(ActOutputFormat f, int32_t* lo, int32_t* hi) {
  switch (f) {
    case ActOutputFormat::Uint8: *lo = 0, *hi = 255; return;
    case ActOutputFormat::Int16: *lo = -32768, *hi = 32767; return;
    case ActOutputFormat::Int8:
    default: *lo = -128, *hi = 127; return;
  }
}

void activate_row_wide(const int32_t* acc, const int32_t* bias, uint64_t n, const RequantParams& p,
                       ActivationFunction fn, int32_t lo, int32_t hi, int32_t* out) {
  const int64_t m = p.multiplier, zp = p.zero_point;
  const bool relu = fn == ActivationFunction::Relu;
  for (uint64_t i = 0; i < n; ++i) {
    const int64_t v = clamp64(int64_t{acc[i]} + (bias ? int64_t{bias[i]} : 0), kInt32Min, kInt32Max);
    const int64_t o = clamp64(round_shift(v * m, p.shift, p.rounding) + zp, lo, hi);
    out[i] = static_cast<int32_t>(relu && o < zp ? zp : o);
  }
}

void lookup_row(const int8_t* table, uint64_t n, int8_t* v) {
  for (uint64_t i = 0; i < n; ++i) v[i] = table[int(v[i]) + 128];
}

const std::array<int8_t, 256>& sigmoid_table() {
  static const std::array<int8_t, 256> table = build_table([](double x) {
    const double s = 1.0 / (1.0 + std::exp(-x));
    return saturate_int8(round_half_up(256.0 * s) - 128);
  });
  return table;
}

const std::array<int8_t, 256>& tanh_table() {
  static const std::array<int8_t, 256> table =
      build_table([](double x) { return saturate_int8(round_half_up(128.0 * std::tanh(x))); });
  return table;
}

}  // namespace tpu
