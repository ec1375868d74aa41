// Integer-only requantization and nonlinearities of the activation unit.
//
// Exact semantics (the golden reference in scripts/ implements the same independently):
//   v   = saturate_int32(acc + bias)                       (int64 sum, clamped to int32)
//   r   = round_shift(v * multiplier, shift)               (int64 product, |product| < 2^62)
//   round_shift(p, s) = (p + 2^(s-1)) >> s  for s >= 1     (arithmetic shift: ties round toward
//                       +infinity, e.g. 2.5 -> 3, -2.5 -> -2); round_shift(p, 0) = p
//                       With rounding = half_even (register act_rounding = 1) ties go to the even
//                       neighbour instead (2.5 -> 2, 3.5 -> 4, -2.5 -> -2, -3.5 -> -4):
//                       round_shift(p, s) = (p + 2^(s-1) - 1 + (floor(p / 2^s) & 1)) >> s, s >= 1
//                       (ONNX QuantizeLinear's and PyTorch's quantize rounding).
//   identity: out = saturate_int8(r + zero_point)
//   relu:     out = max(saturate_int8(r + zero_point), zero_point)
//   sigmoid:  x = saturate_int8(r) is read as Q3.4 (real x/16); out = clamp(floor(256*sigmoid(x/16)
//             + 0.5) - 128, -128, 127), i.e. output scale 1/256, zero point -128
//   tanh:     x as for sigmoid; out = clamp(floor(128*tanh(x/16) + 0.5), -128, 127), output
//             scale 1/128, zero point 0
//   lookup:   i = saturate_int8(r + zero_point) (the identity's result); out = T[i + 128], where T
//             is the instruction's 256-entry int8 table (the activation unit reads it from the UB
//             at register act_table_row; lookup_row applies it). The table is the host's: any
//             element-wise function of one int8 input, computed by the importer from the float
//             function and the input and output scales (host/manifest/network.h).
// Output formats (register act_output_format, isa.h): identity and relu clamp to the format's range
// instead of int8's: uint8 0 .. 255, int16 -32768 .. 32767 (activate_row_wide); sigmoid, tanh and
// lookup produce int8 only.
// Wide operand multipliers (Vector add and unary with register vec_wide_scales = 1; network.h's
// add with operand_multipliers): x = a + oa, y = b + ob (|x|, |y| < 2^16), ma, mb int32 (|m| <=
// 2^31 - 1); v = x * ma + y * mb exactly (|v| < 2^48; unary: y = 0);
//   r = saturate_int32(round_shift(v, shift)) with the requant's shift and rounding, then the
//   function on r as above with multiplier 1 and shift 0 (act_multiplier is not used). One rounding
//   of the exact sum: the integer-only addition of Jacob et al., CVPR 2018 ("Quantization and
//   Training of Neural Networks for Efficient Integer-Arithmetic-Only Inference": each operand
//   rescaled by a 32-bit fixed-point multiplier), with both operands at one shift so that the sum
//   is rounded once instead of once per operand and again at the output.
// The fixed sigmoid/tanh output scales follow TensorFlow Lite's int8 quantization spec
// (LOGISTIC: 1/256, -128; TANH: 1/128, 0); the Q3.4 input is this model's choice. zero_point is
// ignored by sigmoid and tanh.
#pragma once

#include <array>
#include <cstdint>

#include "isa/isa.h"

namespace tpu {

/// How round_shift breaks ties (register act_rounding): toward +infinity (reset) or to even.
enum class Rounding : uint8_t { HalfUp = 0, HalfEven = 1 };

/// Requantization parameters held in the activation unit's registers (set by Set_Config).
struct RequantParams {
  uint32_t multiplier = 1u << 30;  ///< 0 .. 2^31-1
  uint32_t shift = 30;             ///< right shift 0 .. 62
  int32_t zero_point = 0;          ///< output zero point in the output format's range (identity, relu)

  /// Ties of round_shift (register act_rounding).
  Rounding rounding = Rounding::HalfUp;
};

/// Clamps to [-2^31, 2^31-1] (inline: vectorized loops use it).
inline int32_t saturate_int32(int64_t v) {
  return static_cast<int32_t>(v < INT32_MIN ? INT32_MIN : (v > INT32_MAX ? INT32_MAX : v));
}

/// Clamps to [-128, 127].
inline int8_t saturate_int8(int64_t v) {
  return static_cast<int8_t>(v < INT8_MIN ? INT8_MIN : (v > INT8_MAX ? INT8_MAX : v));
}

/// (p + 2^(s-1)) >> s with an arithmetic shift (ties toward +infinity); s in 0..62.
int64_t round_shift(int64_t p, uint32_t s);

/// round(p / 2^s) with ties as `mode` says (the file comment); s in 0..62, |p| < 2^62.
int64_t round_shift(int64_t p, uint32_t s, Rounding mode);

/// The wide operand sum of the file comment: saturate_int32(round_shift(x * ma + y * mb, shift,
/// mode)) for |x|, |y| < 2^16 and |ma|, |mb| < 2^31 (the product terms are exact in int64).
int32_t wide_operand_sum(int64_t x, int64_t y, int64_t ma, int64_t mb, uint32_t shift, Rounding mode);

/// Applies bias, requantization and `fn` to one accumulator value; see the file comment. For
/// fn = Lookup it returns the identity's result (the table index - 128; see lookup_row).
int8_t activate(int32_t acc, int32_t bias, const RequantParams& p, ActivationFunction fn);

/// activate() on n elements: out[i] = activate(acc[i], bias ? bias[i] : 0, p, fn). The same
/// arithmetic with the function chosen once per row (the activation unit's inner loop).
void activate_row(const int32_t* acc, const int32_t* bias, uint64_t n, const RequantParams& p, ActivationFunction fn,
                  int8_t* out);

/// The values of an output format: [*lo, *hi] = int8 [-128, 127], uint8 [0, 255], int16 [-32768, 32767].
void format_range(ActOutputFormat f, int32_t* lo, int32_t* hi);

/// activate_row for fn identity or relu into the range [lo, hi] of an output format (the file
/// comment with [lo, hi] for int8's range): out[i] = clamp(r + zero_point, lo, hi), relu then
/// max(that, zero_point). Other functions: identity.
void activate_row_wide(const int32_t* acc, const int32_t* bias, uint64_t n, const RequantParams& p,
                       ActivationFunction fn, int32_t lo, int32_t hi, int32_t* out);

/// UB rows of a lookup table: 256 int8 entries in rows of `ub_row_bytes` (mxu.rows) bytes.
inline uint64_t lookup_table_rows(uint64_t ub_row_bytes) { return (256 + ub_row_bytes - 1) / ub_row_bytes; }

/// fn = Lookup's second step, in place: v[i] = table[v[i] + 128] for i < n (table: 256 int8).
void lookup_row(const int8_t* table, uint64_t n, int8_t* v);

/// 256-entry lookup tables of sigmoid and tanh on Q3.4 inputs, indexed by (x + 128).
const std::array<int8_t, 256>& sigmoid_table();
const std::array<int8_t, 256>& tanh_table();

}  // namespace tpu
