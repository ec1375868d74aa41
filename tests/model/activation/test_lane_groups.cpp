// Instruction-level tests of packed tensor layouts (isa.h registers mxu_group_bytes ..
// host_group_bytes; LaneGroups in sequencer/dispatch.h): a UB row of R = 16 bytes holds P = 16 / G
// pixels, pixel k of an instruction in lane group (first + k) % P of row ub_row + (first + k) / P.
// Every expected value is computed here by plain loops over that addressing and the operations'
// documented semantics (the only model function used is tpu::activate(), tested in test_quant.cpp);
// cycle counts are derived in each test from the documented formulas. One ProgramBench per test.
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

constexpr uint32_t kR = 16;    // bench_config: 16 x 16 MXU
constexpr uint64_t kPipe = 4;  // bench_config: activation.pipeline_cycles

int8_t* ub(ProgramBench& b, uint64_t row, uint64_t byte = 0) {
  return reinterpret_cast<int8_t*>(b.chip->unified_buffer.data()) + row * kR + byte;
}

/// Where pixel k of a packed layout (G bytes a group, first group `first`) lives: row offset, byte.
struct Slot {
  uint64_t row, byte;
};
Slot slot(uint64_t k, uint64_t G, uint64_t first) {
  const uint64_t P = kR / G;
  return {(first + k) / P, ((first + k) % P) * G};
}

uint64_t busy_cycles(const FunctionalUnit& u) { return u.report()["cycles"]["busy"].get<uint64_t>(); }

// Convolve from a packed input: G = 4 (P = 4 pixels a row), pixel 0 in group 1 of ub_row. 2 images of
// 5 x 6 pixels of 4 channels, a 3 x 2 kernel, stride 2, padding top 1 / left 2: P = (5 + 2 - 3) / 2 +
// 1 = 3, Q = (6 + 4 - 2) / 2 + 1 = 5; all 6 output rows. The sums must equal a direct convolution
// over the 4 channels (the array's lanes 4..15 get zeros, so their weights, random here, add
// nothing); the timing is the unpacked Convolve's: B = rows x Q cycles a block.
TEST(LaneGroups, ConvolveReadsPackedPixelsLikeADirectConvolution) {
  constexpr uint32_t N = 2, H = 5, W = 6, KH = 3, KW = 2, S = 2, PT = 1, PL = 2, P = 3, Q = 5, G = 4, F = 1;
  constexpr uint64_t ub0 = 30, acc0 = 8, B = uint64_t(N) * P * Q, pixels = uint64_t(N) * H * W;
  const std::vector<int8_t> x = random_int8(pixels * G, 11);
  const std::vector<int8_t> w = random_int8(size_t(KH) * KW * kR * kR, 12);
  std::vector<uint8_t> weights(w.begin(), w.end());
  std::ostringstream p;
  p << "set_config reg=input_height value=" << H << "\nset_config reg=input_width value=" << W
    << "\nset_config reg=output_height value=" << P << "\nset_config reg=output_width value=" << Q
    << "\nset_config reg=stride_h value=" << S << "\nset_config reg=stride_w value=" << S
    << "\nset_config reg=pad_top value=" << PT << "\nset_config reg=pad_left value=" << PL
    << "\nset_config reg=mxu_group_bytes value=" << G << "\nset_config reg=mxu_first_group value=" << F
    << "\nread_weights dram=0 tiles=" << KH * KW << "\n";
  for (uint32_t r = 0; r < KH; ++r)
    for (uint32_t s = 0; s < KW; ++s)
      p << "convolve ub=" << ub0 << " acc=" << acc0 << " kr=" << r << " ks=" << s << " p0=0 rows=" << N * P << " switch"
        << (r + s ? " accumulate" : "") << "\n";
  p << "halt\n";
  ProgramBench bench(bench_config(), p.str(), weights, {});
  const std::vector<int8_t> junk = random_int8(200 * kR, 13);  // every byte not a pixel's: junk
  std::memcpy(ub(bench, 0), junk.data(), junk.size());
  for (uint64_t k = 0; k < pixels; ++k) {
    const Slot s = slot(k, G, F);
    std::memcpy(ub(bench, ub0 + s.row, s.byte), &x[k * G], G);
  }
  bench.chip->mxu.record_blocks(true);
  ASSERT_TRUE(bench.run());
  for (uint32_t g = 0; g < N * P; ++g)
    for (uint32_t q = 0; q < Q; ++q)
      for (uint32_t co = 0; co < kR; ++co) {
        const uint32_t n = g / P, pr = g % P;
        int64_t sum = 0;
        for (uint32_t r = 0; r < KH; ++r)
          for (uint32_t s = 0; s < KW; ++s) {
            const int64_t h = int64_t(pr) * S + r - PT, ww = int64_t(q) * S + s - PL;
            if (h < 0 || h >= H || ww < 0 || ww >= W) continue;
            for (uint32_t ci = 0; ci < G; ++ci)
              sum += int64_t(x[(n * H * W + uint64_t(h) * W + uint64_t(ww)) * G + ci]) *
                     w[((size_t(r) * KW + s) * kR + ci) * kR + co];
          }
        ASSERT_EQ(bench.acc_row(acc0 + uint64_t(g) * Q + q)[co], sum) << "output row " << g << " q " << q;
      }
  const auto& log = bench.chip->mxu.block_log();
  ASSERT_EQ(log.size(), size_t(KH) * KW);
  for (const auto& blk : log) EXPECT_EQ(blk.stream_end - blk.start, B);
  EXPECT_EQ(bench.chip->mxu.cycles(Mxu::kActive), B * KH * KW);
}

// MatrixMultiply of B = 10 packed rows, G = 8 (P = 2), first group 1: pixels in rows 40..45 (row 40
// group 1 .. row 45 group 0; ceil((1 + 10) / 2) = 6 rows). Sums = x (10 x 8) times the tile's first
// 8 rows; the block streams 10 cycles and completes R + C - 1 = 31 cycles later, as unpacked.
TEST(LaneGroups, MatrixMultiplyReadsPackedRows) {
  constexpr uint64_t B = 10, G = 8, F = 1, ub0 = 40;
  const std::vector<int8_t> x = random_int8(B * G, 21);
  const std::vector<int8_t> w = random_int8(kR * kR, 22);
  const std::string prog =
      "set_config reg=mxu_group_bytes value=8\nset_config reg=mxu_first_group value=1\n"
      "read_weights dram=0 tiles=1\nmatrix_multiply ub=40 acc=0 rows=10 switch\nhalt\n";
  ProgramBench bench(bench_config(), prog, std::vector<uint8_t>(w.begin(), w.end()), {});
  std::memset(ub(bench, 0), 0x33, 100 * kR);  // the unused group before pixel 0 and after pixel 9
  for (uint64_t k = 0; k < B; ++k) {
    const Slot s = slot(k, G, F);
    std::memcpy(ub(bench, ub0 + s.row, s.byte), &x[k * G], G);
  }
  bench.chip->mxu.record_blocks(true);
  ASSERT_TRUE(bench.run());
  for (uint64_t b = 0; b < B; ++b)
    for (uint32_t co = 0; co < kR; ++co) {
      int64_t sum = 0;
      for (uint32_t ci = 0; ci < G; ++ci) sum += int64_t(x[b * G + ci]) * w[ci * kR + co];
      ASSERT_EQ(bench.acc_row(b)[co], sum) << "row " << b << " column " << co;
    }
  const auto& log = bench.chip->mxu.block_log();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].stream_end - log[0].start, B);
  EXPECT_EQ(log[0].done - log[0].stream_end, 2 * kR - 1);
}

// Activate of 7 accumulator rows into a packed output, G = 4 (P = 4), first group 2, lanes 1..2 of
// each group (act_lane_src 3, act_lane_dst 1, 2 lanes; identity, r = acc exactly): pixel k's bytes
// 1, 2 of its group get acc[k][3], acc[k][4]; every other byte of rows 50..52 keeps its sentinel
// (byte enables). Busy: 7 rows + pipeline 4 = 11 cycles, as unpacked.
TEST(LaneGroups, ActivateWritesLaneGroupsWithByteEnables) {
  constexpr uint64_t B = 7, G = 4, F = 2, ub0 = 50;
  const std::string prog =
      "set_config reg=act_multiplier value=1073741824\nset_config reg=act_shift value=30\n"
      "set_config reg=act_group_bytes value=4\nset_config reg=act_first_group value=2\n"
      "set_config reg=act_lane_src value=3\nset_config reg=act_lane_dst value=1\nset_config reg=act_lanes value=2\n"
      "activate ub=50 acc=0 rows=7 fn=identity\nhalt\n";
  ProgramBench bench(bench_config(), prog, {}, {});
  int32_t* acc = reinterpret_cast<int32_t*>(bench.chip->accumulators.data());
  for (uint64_t i = 0; i < B * kR; ++i) acc[i] = int32_t(i % 200) - 100;
  std::memset(ub(bench, ub0 - 1), 0x5a, 6 * kR);
  ASSERT_TRUE(bench.run());
  std::vector<int> want(6 * kR, 0x5a);  // rows 49..54
  for (uint64_t k = 0; k < B; ++k) {
    const Slot s = slot(k, G, F);
    for (uint64_t l = 0; l < 2; ++l) want[(1 + s.row) * kR + s.byte + 1 + l] = acc[k * kR + 3 + l];
  }
  for (uint64_t i = 0; i < want.size(); ++i) ASSERT_EQ(*ub(bench, ub0 - 1, i), want[i]) << "byte " << i;
  EXPECT_EQ(busy_cycles(bench.chip->activation_unit), B + kPipe);
}

// Max Pool 2 x 2, stride 2, from a packed input (G = 8, P = 2) to a packed output (G = 8, first group
// 1): one 4 x 6 image, P = 2, Q = 3, B = 6 output pixels. Each image row of 6 pixels is 3 UB rows:
// the line buffer reads all 4 image rows once, 12 UB rows (unpacked: 24). Busy = max(12, 6) + 4 = 16.
TEST(LaneGroups, PoolReadsAndWritesPackedPixels) {
  constexpr uint64_t H = 4, W = 6, G = 8, src = 20, dst = 60, Q = 3, B = 6;
  const std::vector<int8_t> x = random_int8(H * W * G, 31);
  const std::string prog =
      "set_config reg=input_height value=4\nset_config reg=input_width value=6\n"
      "set_config reg=output_height value=2\nset_config reg=output_width value=3\n"
      "set_config reg=stride_h value=2\nset_config reg=stride_w value=2\n"
      "set_config reg=pool_height value=2\nset_config reg=pool_width value=2\n"
      "set_config reg=pool_src_group_bytes value=8\nset_config reg=act_group_bytes value=8\n"
      "set_config reg=act_first_group value=1\npool ub=60 src=20 p0=0 rows=2\nhalt\n";
  ProgramBench bench(bench_config(), prog, {}, {});
  std::memcpy(ub(bench, src), x.data(), x.size());  // G = 8, first 0: pixel k at byte 8k
  std::memset(ub(bench, dst), 0x44, 5 * kR);
  ASSERT_TRUE(bench.run());
  std::vector<int> want(5 * kR, 0x44);
  for (uint64_t k = 0; k < B; ++k) {
    const uint64_t p = k / Q, q = k % Q;
    const Slot s = slot(k, G, 1);
    for (uint64_t c = 0; c < G; ++c) {
      int m = -128;
      for (uint64_t a = 0; a < 2; ++a)
        for (uint64_t b = 0; b < 2; ++b) m = std::max<int>(m, x[((2 * p + a) * W + 2 * q + b) * G + c]);
      want[s.row * kR + s.byte + c] = m;
    }
  }
  for (uint64_t i = 0; i < want.size(); ++i) ASSERT_EQ(*ub(bench, dst, i), want[i]) << "byte " << i;
  EXPECT_EQ(busy_cycles(bench.chip->activation_unit), 12 + kPipe);
}

// Read/Write_Host_Memory with host_group_bytes = 4, host_row_bytes = 3: 10 pixels of 3 bytes from
// the host into rows 10..12 (4 pixels a row, each group's 4th byte and the rest of row 12 zero),
// then 6 pixels from row 10 back to the host. PCIe bytes: 30 and 18, as unpacked.
TEST(LaneGroups, HostDmaScattersAndGathersPixels) {
  std::vector<uint8_t> host(128, 0x77);
  for (uint32_t i = 0; i < 30; ++i) host[i] = uint8_t(i * 5 + 3);
  const std::string prog =
      "set_config reg=host_group_bytes value=4\nset_config reg=host_row_bytes value=3\n"
      "read_host_memory ub=10 host=0 rows=10\nsync units=host\nwrite_host_memory ub=10 host=64 rows=6\nhalt\n";
  ProgramBench bench(bench_config(), prog, {}, host);
  std::memset(ub(bench, 10), 0x55, 3 * kR);  // must be overwritten: zeros outside the pixels
  ASSERT_TRUE(bench.run());
  for (uint64_t i = 0; i < 3 * kR; ++i) {
    const uint64_t k = i / 4, c = i % 4;
    EXPECT_EQ(uint8_t(*ub(bench, 10, i)), k < 10 && c < 3 ? host[k * 3 + c] : 0) << "UB byte " << i;
  }
  const uint8_t* mem = bench.host->memory.data();
  for (uint32_t i = 0; i < 18; ++i) EXPECT_EQ(mem[64 + i], host[i]) << "host byte " << 64 + i;
  EXPECT_EQ(mem[64 + 18], 0x77);
  const nlohmann::json r = bench.chip->host_interface.report();
  EXPECT_EQ(r["dma_bytes_to_device"].get<uint64_t>(), 30u);
  EXPECT_EQ(r["dma_bytes_to_host"].get<uint64_t>(), 18u);
}

}  // namespace
}  // namespace tpu::test
