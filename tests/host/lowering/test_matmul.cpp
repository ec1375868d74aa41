// Matmul layers of two activations (network.h, issue 15 item 3): the manifest's shapes and errors,
// the per-head Softmax (groups, causal mask) worked out by hand from host_op.h's rules, the
// lowering's WriteWeights entry and instruction order, and the weight tiles the host builds
// (build_weight_tiles) against the block-diagonal matrix written out here from network.h's
// definition. No simulation runs here (the whole runs: network.attention_small.*).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <systemc>

#include "common/temp_path.h"
#include "common/test_util.h"
#include "config/config.h"
#include "lowering/lowering.h"
#include "manifest/host_op.h"
#include "manifest/network.h"
#include "runtime/host_model.h"

namespace tpu {
namespace {

using test::Contains;

const std::string kSourceDir = TPU_TLM_SOURCE_DIR;

// q [4, 1, 6] and k [5, 1, 6] (+ a second b input of 2 pixels), a matmul with `lines` after its op.
class MatMulManifest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::test_temp_path("tpu_matmul_");
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& lines, int samples = 1) {
    const std::string path = (dir_ / "net.yaml").string();
    std::ofstream(path) << "format: network\nname: t\nsamples: " << samples << "\n"
                        << "inputs:\n  - {name: q, shape: [4, 1, 6], file: {random_seed: 1}}\n"
                        << "  - {name: k, shape: [5, 1, 6], file: {random_seed: 2}}\n"
                        << "  - {name: k2, shape: [2, 1, 6], file: {random_seed: 3}}\n"
                        << "layers:\n  - name: s\n    op: matmul\n    requant: {multiplier: 1, shift: 0}\n"
                        << lines;
    return path;
  }
  std::string Error(const std::string& lines, int samples = 1) {
    const std::string path = Write(lines, samples);
    return test::ErrorOf("tpu/workload", [&] { load_network(path); });
  }
  std::filesystem::path dir_;
};

TEST_F(MatMulManifest, ShapesOfQKTransposedAndPV) {
  // Q K^T over 3 heads of K = 2: b = [k; k2] has 7 pixels, so N = 7 keys per head.
  const Network a = load_network(Write("    inputs: [q, k, k2]\n    heads: 3\n    transpose_b: true\n"));
  const NetworkLayer& s = a.layers[0];
  EXPECT_EQ(s.op, LayerOp::MatMul);
  EXPECT_EQ(s.groups, 3u);
  EXPECT_TRUE(s.transpose_b);
  EXPECT_TRUE(s.out_shape == (TensorShape{4, 1, 21}));
  EXPECT_EQ(s.macs(), 4u * 21 * 2);  // pixels x G N x K
  EXPECT_EQ(s.bias, std::vector<int32_t>(21, 0));
  // P V with one head: a has 6 channels = K = b's pixels? k has 5 pixels: 6 != 5 is an error; a
  // single head over [k; k2] would need K = 7.
  const std::string e = Error("    inputs: [q, k]\n");
  EXPECT_TRUE(Contains(e, "layers[0] (s).inputs"));
  EXPECT_TRUE(Contains(e, "a's channels 6 must be G x K"));
}

TEST_F(MatMulManifest, ErrorsNameTheLayerAndKey) {
  EXPECT_TRUE(Contains(Error("    inputs: [q]\n"), "a matmul layer reads at least two tensors"));
  EXPECT_TRUE(Contains(Error("    inputs: [q, k]\n    heads: 4\n    transpose_b: true\n"), "(s).heads"));
  EXPECT_TRUE(Contains(Error("    inputs: [q, k]\n    heads: 0\n    transpose_b: true\n"), "(s).heads"));
  EXPECT_TRUE(Contains(Error("    inputs: [q, k]\n    transpose_b: 3\n"), "(s).transpose_b: must be true or false"));
  EXPECT_TRUE(Contains(Error("    inputs: [q, k]\n    weights: {random_seed: 1}\n"), "does not take weights"));
}

std::vector<int8_t> Softmax(const HostOpParams& p, const std::vector<int8_t>& x, uint32_t c, uint64_t image) {
  std::vector<int8_t> y(x.size());
  compute_host_op(p, x.data(), y.data(), x.size() / c, c, image);
  return y;
}

TEST(HostSoftmaxHeads, GroupsNormalizeEachBlock) {
  HostOpParams p;
  p.groups = 2;
  // Each block of 2 equal values: y = floor((512 * 2^20 + 2^21) / 2^22) - 128 = 0.
  // A block [5, 5] and a block [-3, -3] normalize alike, whatever the other block holds.
  EXPECT_EQ(Softmax(p, {5, 5, -3, -3}, 4, 1), std::vector<int8_t>({0, 0, 0, 0}));
}

TEST(HostSoftmaxHeads, CausalMasksKeysPastThePixel) {
  HostOpParams p;
  p.causal = true;
  // Image of 3 pixels, 3 keys each, equal scores: pixel 0 sees key 0 (p = 1: 127, saturated),
  // pixel 1 keys 0..1 (1/2: 0), pixel 2 all three (1/3: floor((512 + 3) / 6) - 128 = -43).
  // Masked keys get E = 0: -128. A second image starts over at pixel 0.
  const std::vector<int8_t> x(12, 9);
  EXPECT_EQ(Softmax(p, x, 3, 3), std::vector<int8_t>({127, -128, -128, 0, 0, -128, -43, -43, -43, 127, -128, -128}));
  // The maximum is taken over the visible keys only: a large masked key changes nothing.
  EXPECT_EQ(Softmax(p, {9, 120, 9, 9, 9, 9}, 3, 2), std::vector<int8_t>({127, -128, -128, 0, 0, -128}));
}

TEST(HostSoftmaxHeads, ManifestKeys) {
  const auto dir = std::filesystem::path(test::temp_path("matmul_softmax_keys"));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "net.yaml").string();
  const auto write = [&](const std::string& params) {
    std::ofstream(path) << "format: network\nname: t\nsamples: 1\n"
                        << "inputs:\n  - {name: x, shape: [2, 1, 6], file: {random_seed: 1}}\n"
                        << "layers:\n  - {name: p, op: host_op, host_op: Softmax, params: " << params << "}\n";
    return path;
  };
  const Network n = load_network(write("{groups: 3, causal: true}"));
  EXPECT_EQ(n.layers[0].host_op.groups, 3u);
  EXPECT_TRUE(n.layers[0].host_op.causal);
  const auto error = [&](const std::string& params) {
    write(params);
    return test::ErrorOf("tpu/workload", [&] { load_network(path); });
  };
  EXPECT_TRUE(Contains(error("{groups: 4}"), "groups: must be >= 1 and divide the input's 6 channels"));
  EXPECT_TRUE(Contains(error("{causal: 2}"), "causal: must be true or false"));
  std::filesystem::remove_all(dir);
}

// The matmul of the manifest above (3 heads, Q K^T over [k; k2]) lowered on the 16x16 config.
TEST_F(MatMulManifest, LoweringWritesWeightsBeforeReadingThem) {
  const Network net = load_network(Write("    inputs: [q, k, k2]\n    heads: 3\n    transpose_b: true\n"));
  const ArchConfig cfg = load_config(kSourceDir + "/configs/small.yaml");
  const LoweredProgram p = lower_network(net, cfg);
  ASSERT_EQ(p.host_ops.size(), 1u);
  const LoweredProgram::HostOperation& op = p.host_ops[0];
  EXPECT_EQ(op.params.kind, HostOpKind::WriteWeights);
  EXPECT_EQ(op.pixels, 7u);  // b's pixels: 5 + 2
  EXPECT_EQ(op.channels, 6u);
  EXPECT_EQ(op.weights.segment_pixels, (std::vector<uint64_t>{5, 2}));
  EXPECT_EQ(op.weights.k, 2u);
  EXPECT_EQ(op.weights.n, 7u);
  // 6 input channels in one 16-channel tile, 21 outputs in two 16-column tiles: both tiles needed.
  EXPECT_EQ(op.weights.tiles, (std::vector<std::pair<uint64_t, uint64_t>>{{0, 0}, {0, 1}}));
  // Program order: the b inputs to the host, Interrupt_Host, only then Read_Weights and the MXU.
  const auto at = [&](Opcode o) {
    return std::find_if(p.program.begin(), p.program.end(), [&](const Instruction& i) { return i.op == o; }) -
           p.program.begin();
  };
  EXPECT_LT(at(Opcode::WriteHostMemory), at(Opcode::InterruptHost));
  EXPECT_LT(at(Opcode::InterruptHost), at(Opcode::ReadWeights));
  EXPECT_LT(at(Opcode::ReadWeights), at(Opcode::MatrixMultiply));
  EXPECT_EQ(std::count_if(p.program.begin(), p.program.end(),
                          [](const Instruction& i) { return i.op == Opcode::WriteHostMemory; }),
            2 + 2);  // k and k2 (one tile each), then the output's two 16-channel tiles
}

// The same matmul over 2 samples: each sample's a meets its own b, so each sample gets its own
// WriteWeights entry, its own b transfers (sample s's rows: base + tile x 2 x image + s x image)
// and its Interrupt_Host before the Read_Weights and passes of its stripe (network.h "matmul").
TEST_F(MatMulManifest, BatchWritesEachSamplesWeightsBeforeItsPasses) {
  const Network net = load_network(Write("    inputs: [q, k, k2]\n    heads: 3\n    transpose_b: true\n", 2));
  const ArchConfig cfg = load_config(kSourceDir + "/configs/small.yaml");
  const LoweredProgram p = lower_network(net, cfg);
  ASSERT_EQ(p.host_ops.size(), 2u);
  for (const LoweredProgram::HostOperation& op : p.host_ops) {
    EXPECT_EQ(op.params.kind, HostOpKind::WriteWeights);
    EXPECT_EQ(op.pixels, 7u);  // one sample's b: 5 + 2 pixels
    EXPECT_EQ(op.weights.segment_pixels, (std::vector<uint64_t>{5, 2}));
  }
  EXPECT_GE(p.host_ops[1].input_addr, p.host_ops[0].input_addr + 7 * 6);  // rooms apart
  // Program order, as letters: per sample W W (k's and k2's pixels of that sample to the host), I
  // (Interrupt_Host), R (Read_Weights of its stripe), M M (its passes: one input tile x two output
  // tiles); then the output's two tiles to the host.
  std::string order;
  std::vector<uint32_t> write_rows, write_ub, irqs;
  for (const Instruction& in : p.program) {
    if (in.op == Opcode::WriteHostMemory) order += 'W', write_rows.push_back(in.rows), write_ub.push_back(in.ub_row);
    if (in.op == Opcode::InterruptHost) order += 'I', irqs.push_back(in.host_op);
    if (in.op == Opcode::ReadWeights) order += 'R';
    if (in.op == Opcode::MatrixMultiply) {
      order += 'M';
      EXPECT_EQ(in.rows, 4u);  // one sample's 4 pixels of q
    }
  }
  EXPECT_EQ(order, "WWIRMMWWIRMMWW");
  EXPECT_EQ(irqs, (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(write_rows, (std::vector<uint32_t>{5, 2, 5, 2, 8, 8}));
  EXPECT_EQ(write_ub[2], write_ub[0] + 5);  // sample 1 of k: one image (5 pixels) further
  EXPECT_EQ(write_ub[3], write_ub[1] + 2);  // sample 1 of k2
}

TEST(WeightTiles, BlockDiagonalHeadsOfB) {
  // 2 heads, K = 3, N = 2, transpose_b false (P V): b is [K pixels][G N channels] = 3 x 4, packed
  // in host memory as one tile of 4 channels (R = 4). Tiles R = 4 x C = 4: a's 6 channels need
  // input tiles 0 (channels 0..3) and 1 (4..5); the 4 outputs are one column tile.
  LoweredProgram::HostOperation op;
  op.params.kind = HostOpKind::WriteWeights;
  op.pixels = 3;
  op.channels = 4;
  op.tile = 4;
  op.input_addr = 8;
  op.weights.heads = 2;
  op.weights.k = 3;
  op.weights.n = 2;
  op.weights.cols = 4;
  op.weights.segment_pixels = {3};
  op.weights.tiles = {{0, 0}, {1, 0}};
  std::vector<uint8_t> memory(8 + 12);
  int8_t b[3][4];
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) b[r][c] = int8_t(10 * r + c + 1), memory[8 + r * 4 + c] = uint8_t(b[r][c]);
  const std::vector<uint8_t> t = build_weight_tiles(op, memory.data());
  ASSERT_EQ(t.size(), 2u * 16);
  // W[c][m] = B_g[c - 3g][m - 2g] = b[c - 3g][m] when c / 3 == m / 2, else 0.
  for (int tile = 0; tile < 2; ++tile)
    for (int r = 0; r < 4; ++r)
      for (int m = 0; m < 4; ++m) {
        const int c = tile * 4 + r;
        const int8_t want = (c < 6 && c / 3 == m / 2) ? b[c - 3 * (c / 3)][m] : 0;
        EXPECT_EQ(int8_t(t[size_t(tile * 16 + r * 4 + m)]), want) << "tile " << tile << " row " << r << " col " << m;
      }
  // transpose_b (Q K^T): b is [N pixels][G K channels]; B_g[k][n] = b[n][g K + k]. N = 2 pixels,
  // K = 2, channels 4.
  op.weights.transpose_b = true;
  op.weights.k = 2;
  op.pixels = 2;
  op.weights.segment_pixels = {2};
  op.weights.tiles = {{0, 0}};
  const std::vector<uint8_t> u = build_weight_tiles(op, memory.data());
  for (int c = 0; c < 4; ++c)
    for (int m = 0; m < 4; ++m) {
      const int g = c / 2;
      const int8_t want = (m / 2 == g) ? b[m - 2 * g][c] : 0;
      EXPECT_EQ(int8_t(u[size_t(c * 4 + m)]), want) << "row " << c << " col " << m;
    }
}

}  // namespace
}  // namespace tpu
