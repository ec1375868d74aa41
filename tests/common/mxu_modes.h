// The MXU's operand formats on a chip (isa.h, "Operand formats"): hand-written programs that
// multiply a B x R block by one R x C tile as 8 x 8 (int8), with unsigned operands, and as the
// paper's 8 x 16 and 16 x 16 modes (16-bit operands as byte planes, one pass per plane pair with
// mxu_sum_shift), checked bit for bit against products computed here and timed from the MXU's
// block log. Shared by test_mxu_modes.cpp (analytic and PE-by-PE models) and the RTL's tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "common/harness.h"

namespace tpu::test {

/// The 16-bit operands of a test, their byte planes and the exact products.
struct ModesData {
  static constexpr uint32_t kR = 16, kB = 40;  ///< a 16 x 16 array (the RTL's size); B >= 2R - 1: no shift stalls
  std::vector<int32_t> x;                      ///< B x R activations (int16 values)
  std::vector<int32_t> w;                      ///< R x R weights (int16 values)

  explicit ModesData(uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int32_t> d(-32768, 32767);
    for (uint32_t i = 0; i < kB * kR; ++i) x.push_back(d(rng));
    for (uint32_t i = 0; i < kR * kR; ++i) w.push_back(d(rng));
    x[0] = -32768, x[1] = 32767, w[0] = -32768, w[1] = 32767;  // the extremes
  }
  /// The high (signed) or low (unsigned) byte of a 16-bit value, as a byte.
  static uint8_t plane(int32_t v, bool high) { return uint8_t(high ? (v >> 8) & 0xff : v & 0xff); }
  /// Host image: x's high plane (B rows of R bytes), then its low plane.
  std::vector<uint8_t> host_image() const {
    std::vector<uint8_t> img;
    for (bool high : {true, false})
      for (int32_t v : x) img.push_back(plane(v, high));
    return img;
  }
  /// Weight image: w's high plane tile, then its low plane tile (R x R, [input][output]).
  std::vector<uint8_t> weight_image() const {
    std::vector<uint8_t> img;
    for (bool high : {true, false})
      for (int32_t v : w) img.push_back(plane(v, high));
    return img;
  }
  /// Row b, column c of X * W with X's and W's entries given by `xv` and `wv`, modulo 2^32 (the
  /// accumulators' wrap-around).
  template <class FX, class FW>
  static int32_t product(uint32_t b, uint32_t c, FX xv, FW wv) {
    uint32_t s = 0;
    for (uint32_t r = 0; r < kR; ++r) s += uint32_t(int64_t(xv(b * kR + r)) * int64_t(wv(r * kR + c)));
    return int32_t(s);
  }
};

/// Setup shared by the programs: both planes of x into UB rows 0 .. 2B-1, both weight tiles read.
inline std::string modes_prologue(uint32_t tiles) {
  const uint32_t B = ModesData::kB;
  return "read_host_memory ub=0 host=0 rows=" + std::to_string(2 * B) +
         "\nread_weights dram=0 tiles=" + std::to_string(tiles) + "\nsync units=host\n";
}

/// One MatrixMultiply of x's `high` or low plane (UB rows 0 or B) into accumulator row acc.
inline std::string modes_pass(bool x_high, uint32_t acc, const std::string& flags, int shift) {
  const uint32_t B = ModesData::kB;
  return "set_config reg=mxu_sum_shift value=" + std::to_string(shift) +
         "\nmatrix_multiply ub=" + std::to_string(x_high ? 0 : B) + " acc=" + std::to_string(acc) +
         " rows=" + std::to_string(B) + flags + "\n";
}

/// The programs. k8x8: x_hi (int8) x w_hi (int8), one pass. k8x16: x (int16) x w_hi (int8): two
/// passes on one tile. k16x16: x x w, four passes on two tiles (w_hi: x_hi << 16, x_lo << 8; w_lo:
/// x_hi << 8, x_lo). kUnsigned: three 8 x 8 passes into separate accumulator rows with uint8
/// activations (x_lo x w_hi), uint8 weights (x_hi x w_lo) and both (x_lo x w_lo).
enum class ModesProgram { k8x8, k8x16, k16x16, kUnsigned };

inline std::string modes_program(ModesProgram p) {
  const uint32_t B = ModesData::kB;
  switch (p) {
    case ModesProgram::k8x8: return modes_prologue(1) + modes_pass(true, 0, " switch", 0) + "halt\n";
    case ModesProgram::k8x16:
      return modes_prologue(1) + modes_pass(true, 0, " switch", 8) + modes_pass(false, 0, " accumulate unsigned_a", 0) +
             "halt\n";
    case ModesProgram::k16x16:
      return modes_prologue(2) + modes_pass(true, 0, " switch", 16) +
             modes_pass(false, 0, " accumulate unsigned_a", 8) +
             modes_pass(true, 0, " switch accumulate unsigned_w", 8) +
             modes_pass(false, 0, " accumulate unsigned_a unsigned_w", 0) + "halt\n";
    case ModesProgram::kUnsigned:
      return modes_prologue(2) + modes_pass(false, 0, " switch unsigned_a", 0) +
             modes_pass(true, B, " switch unsigned_w", 0) + modes_pass(false, 2 * B, " unsigned_a unsigned_w", 0) +
             "halt\n";
  }
  return "";
}

/// What a run gave: the accumulator rows written and the MXU's timing.
struct ModesRun {
  std::vector<int32_t> acc;       ///< accumulator rows 0 .. 3B-1
  uint64_t blocks = 0, rows = 0;  ///< MatrixMultiply blocks and rows streamed
  uint64_t first_start = 0;       ///< cycle the first row entered the array
  uint64_t last_stream_end = 0;   ///< cycle after the last row entered
  uint64_t active_cycles = 0;     ///< Table 3 array_active
};

/// Runs program `p` on a 16 x 16 chip whose array is `model` (one chip per process).
inline ModesRun run_modes(ModesProgram p, MxuModel model, const ModesData& data) {
  ArchConfig cfg = bench_config(ModesData::kR);
  cfg.mxu.model = model;
  ProgramBench bench(cfg, modes_program(p), data.weight_image(), data.host_image());
  bench.chip->mxu.record_blocks(true);
  EXPECT_TRUE(bench.run());
  ModesRun r;
  for (uint32_t row = 0; row < 3 * ModesData::kB; ++row)
    r.acc.insert(r.acc.end(), bench.acc_row(row), bench.acc_row(row) + ModesData::kR);
  const auto& log = bench.chip->mxu.block_log();
  r.blocks = log.size();
  for (const auto& b : log) r.rows += b.stream_end - b.start;
  if (!log.empty()) r.first_start = log.front().start, r.last_stream_end = log.back().stream_end;
  r.active_cycles = bench.chip->mxu.cycles(Mxu::kActive);
  return r;
}

/// Checks accumulator rows [row0, row0 + B) against X * W with entries xv, wv.
template <class FX, class FW>
void expect_product(const ModesRun& r, uint32_t row0, FX xv, FW wv, const std::string& what) {
  const uint32_t B = ModesData::kB, R = ModesData::kR;
  int wrong = 0;
  for (uint32_t b = 0; b < B; ++b)
    for (uint32_t c = 0; c < R; ++c) wrong += r.acc[(row0 + b) * R + c] != ModesData::product(b, c, xv, wv);
  EXPECT_EQ(wrong, 0) << what << ": accumulator values differing from the exact product";
}

/// The checks of program `p` run on `model`: bit-exact accumulators and the cycles of the passes.
/// Cycles: each pass streams B rows; with B >= 2R - 1 every switching pass's tile is shifted in
/// behind the previous pass (mxu.h), so n passes stream back to back in n x B cycles, and the 8 x 8
/// layer's single pass takes B. 8 x 16 thus takes 2x, 16 x 16 4x the 8 x 8 cycles (TPU paper, Sec. 2).
inline void check_modes(ModesProgram p, MxuModel model, uint32_t seed) {
  const ModesData data(seed);
  const ModesRun r = run_modes(p, model, data);
  auto x = [&](uint32_t i) { return data.x[i]; };
  auto w = [&](uint32_t i) { return data.w[i]; };
  auto x_hi = [&](uint32_t i) { return int32_t(int8_t(ModesData::plane(data.x[i], true))); };
  auto w_hi = [&](uint32_t i) { return int32_t(int8_t(ModesData::plane(data.w[i], true))); };
  auto x_lo = [&](uint32_t i) { return int32_t(ModesData::plane(data.x[i], false)); };  // uint8
  auto w_lo = [&](uint32_t i) { return int32_t(ModesData::plane(data.w[i], false)); };
  const uint64_t B = ModesData::kB;
  uint64_t passes = 0;
  switch (p) {
    case ModesProgram::k8x8:
      expect_product(r, 0, x_hi, w_hi, "8x8");
      passes = 1;
      break;
    case ModesProgram::k8x16:
      expect_product(r, 0, x, w_hi, "8x16 (16-bit activations)");
      passes = 2;
      break;
    case ModesProgram::k16x16:
      expect_product(r, 0, x, w, "16x16");
      passes = 4;
      break;
    case ModesProgram::kUnsigned:
      expect_product(r, 0, x_lo, w_hi, "uint8 activations x int8 weights");
      expect_product(r, B, x_hi, w_lo, "int8 activations x uint8 weights");
      expect_product(r, 2 * B, x_lo, w_lo, "uint8 x uint8");
      passes = 3;
      break;
  }
  EXPECT_EQ(r.blocks, passes);
  EXPECT_EQ(r.rows, passes * B);
  EXPECT_EQ(r.last_stream_end - r.first_start, passes * B) << "the passes stream back to back";
  EXPECT_EQ(r.active_cycles, passes * B) << "array_active cycles";
}

}  // namespace tpu::test
