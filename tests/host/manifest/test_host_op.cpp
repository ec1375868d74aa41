// Host operations (manifest/host_op.h): the semantics on cases worked out by hand from the header's
// rules, and the manifest's errors naming the file, layer and key. No simulation runs here.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/temp_path.h"
#include "common/test_util.h"
#include "manifest/host_op.h"
#include "manifest/network.h"

namespace tpu {
namespace {

using test::Contains;

std::vector<int8_t> run(const HostOpParams& p, const std::vector<int8_t>& x, uint32_t channels) {
  std::vector<int8_t> y(x.size());
  compute_host_op(p, x.data(), y.data(), x.size() / channels, channels);
  return y;
}

TEST(HostSoftmax, EqualInputsShareTheMassEvenly) {
  HostOpParams p;  // Softmax, input_scale 1
  // C = 4 equal values: E = 2^20 each, S = 2^22; y = floor((2^29 + 2^22) / 2^23) - 128 = 64 - 128.
  EXPECT_EQ(run(p, {7, 7, 7, 7}, 4), std::vector<int8_t>({-64, -64, -64, -64}));
  // One channel: p = 1, 256 - 128 = 128 saturates to 127.
  EXPECT_EQ(run(p, {-5}, 1), std::vector<int8_t>({127}));
}

TEST(HostSoftmax, HalfWeightAtLn2) {
  HostOpParams p;
  p.input_scale = std::log(2.0) / 10;  // d = 10: exp(-ln 2) = 1/2, E = 2^19
  // S = 1.5 * 2^20. y0 = floor((512 + 1.5) / 3) - 128 = 171 - 128; y1 = floor((256 + 1.5) / 3) - 128.
  EXPECT_EQ(run(p, {20, 10, 10, 20}, 2), std::vector<int8_t>({43, -43, -43, 43}));
}

TEST(HostSoftmax, FarValuesVanish) {
  HostOpParams p;
  // d = 255 at scale 1: E = 0, so the other channel gets everything (saturated 127) and it -128.
  EXPECT_EQ(run(p, {127, -128}, 2), std::vector<int8_t>({127, -128}));
}

TEST(HostLayerNorm, UnitVarianceTimesGammaPlusBeta) {
  HostOpParams p;
  p.kind = HostOpKind::LayerNormalization;
  p.epsilon = 0;
  p.output_scale = 1.0 / 32;
  // x = [1, -1]: S1 = 0, V = 2*2 - 0 = 4, den = 2, z = [1, -1] -> 32, -32.
  EXPECT_EQ(run(p, {1, -1}, 2), std::vector<int8_t>({32, -32}));
  // Scale does not matter without epsilon: [100, -100] normalizes the same.
  EXPECT_EQ(run(p, {100, -100}, 2), std::vector<int8_t>({32, -32}));
  p.gamma = {2.0, 1.0};
  p.beta = {0.0, 0.5};
  p.output_zero_point = 3;
  // y0 = 2 * 32 + 3; y1 = round((-1 + 0.5) * 32) + 3 = -16 + 3.
  EXPECT_EQ(run(p, {1, -1}, 2), std::vector<int8_t>({67, -13}));
  p.gamma = {8.0, 8.0};  // 8 * 32 = 256: saturates
  EXPECT_EQ(run(p, {1, -1}, 2), std::vector<int8_t>({127, -128}));
}

TEST(HostLayerNorm, EpsilonInInputUnitsAndConstantInput) {
  HostOpParams p;
  p.kind = HostOpKind::LayerNormalization;
  p.output_scale = 1.0 / 32;
  // x = [1, -1], s_in = 1, eps = 1: e = 1 * 4 / 1 = 4, den = sqrt(8), z = 2 / sqrt(8) = 0.7071 -> 22.6 -> 23.
  p.epsilon = 1;
  EXPECT_EQ(run(p, {1, -1}, 2), std::vector<int8_t>({23, -23}));
  // s_in = 2 makes e = 1, den = sqrt(5), z = 2 / sqrt(5) = 0.894 -> 28.6 -> 29.
  p.input_scale = 2;
  EXPECT_EQ(run(p, {1, -1}, 2), std::vector<int8_t>({29, -29}));
  // A constant pixel with epsilon 0: den = 0, z = 0, y = beta / s_out + zp.
  p.epsilon = 0;
  p.beta = {0.25, -0.25, 0};
  p.gamma = {1, 1, 1};
  EXPECT_EQ(run(p, {9, 9, 9}, 3), std::vector<int8_t>({8, -8, 0}));
}

// A network manifest with one host_op layer whose lines `op_lines` follow "op: host_op".
class HostOpManifest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::test_temp_path("tpu_host_op_");
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& op_lines) {
    const std::string path = (dir_ / "net.yaml").string();
    std::ofstream(path) << "format: network\nname: t\nsamples: 1\n"
                        << "inputs:\n  - {name: x, shape: [1, 2, 3], file: {random_seed: 1}}\n"
                        << "layers:\n  - {name: attn, op: activate, activation: relu, "
                           "requant: {multiplier: 1, shift: 0}}\n"
                        << "  - name: probs\n    op: host_op\n"
                        << op_lines;
    return path;
  }
  std::string Error(const std::string& op_lines) {
    const std::string path = Write(op_lines);
    return test::ErrorOf("tpu/workload", [&] { load_network(path); });
  }
  std::filesystem::path dir_;
};

TEST_F(HostOpManifest, ReadsTheOperatorAndItsParams) {
  const Network n = load_network(
      Write("    host_op: LayerNormalization\n    params: {input_scale: 0.5, epsilon: 0.001, output_scale: 0.25, "
            "output_zero_point: -3, gamma: [1, 2, 3], beta: [0.5, 0, -0.5]}\n"));
  const NetworkLayer& l = n.layers[1];
  EXPECT_EQ(l.op, LayerOp::HostOp);
  EXPECT_TRUE(l.out_shape == (TensorShape{1, 2, 3}));
  EXPECT_EQ(l.host_op.kind, HostOpKind::LayerNormalization);
  EXPECT_EQ(l.host_op.input_scale, 0.5);
  EXPECT_EQ(l.host_op.epsilon, 0.001);
  EXPECT_EQ(l.host_op.output_scale, 0.25);
  EXPECT_EQ(l.host_op.output_zero_point, -3);
  EXPECT_EQ(l.host_op.gamma, std::vector<double>({1, 2, 3}));
  EXPECT_EQ(l.host_op.beta, std::vector<double>({0.5, 0, -0.5}));
  const Network s = load_network(Write("    host_op: Softmax\n"));
  EXPECT_EQ(s.layers[1].host_op.kind, HostOpKind::Softmax);
  EXPECT_EQ(s.layers[1].host_op.input_scale, 1.0);
}

TEST_F(HostOpManifest, ErrorsNameTheLayerAndKey) {
  const std::string unknown = Error("    host_op: Gelu\n");
  EXPECT_TRUE(Contains(unknown, "layers[1] (probs).host_op"));
  EXPECT_TRUE(Contains(unknown, "must be Softmax or LayerNormalization"));
  EXPECT_TRUE(Contains(unknown, "Gelu"));
  EXPECT_TRUE(Contains(Error("    params: {input_scale: 1}\n"), "layers[1] (probs).host_op"));
  EXPECT_TRUE(Contains(Error("    host_op: Softmax\n    params: {epsilon: 0.1}\n"), "Softmax takes only input_scale"));
  EXPECT_TRUE(Contains(Error("    host_op: Softmax\n    params: {input_scale: 0}\n"), "input_scale: must be > 0"));
  EXPECT_TRUE(Contains(Error("    host_op: Softmax\n    params: {alpha: 1}\n"), "alpha"));
  EXPECT_TRUE(Contains(Error("    host_op: LayerNormalization\n    params: {gamma: [1, 2]}\n"),
                       "gamma: must be a list of 3 numbers"));
  EXPECT_TRUE(
      Contains(Error("    host_op: LayerNormalization\n    params: {output_zero_point: 200}\n"), "output_zero_point"));
  EXPECT_TRUE(
      Contains(Error("    host_op: Softmax\n    requant: {multiplier: 1, shift: 0}\n"), "does not take requant"));
}

}  // namespace
}  // namespace tpu
