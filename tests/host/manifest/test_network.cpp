// Tests of the network manifest loader (network.h): shape inference for every op, the seeded
// data rule, and one error per check. No simulation runs here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <systemc>

#include "common/test_util.h"
#include "config/config.h"
#include "lowering/lowering.h"
#include "manifest/network.h"
#include "manifest/workload.h"

namespace {

using tpu::LayerOp;
using tpu::Network;
using tpu::NetworkLayer;
using tpu::TensorShape;

const std::string kSourceDir = TPU_TLM_SOURCE_DIR;

using tpu::test::Contains;

// Runs `fn`, which must raise SC_REPORT_ERROR("tpu/workload"); returns the message.
std::string ErrorOf(const std::function<void()>& fn) { return tpu::test::ErrorOf("tpu/workload", fn); }

// ---------------------------------------------------------------------------------------------
// The seeded data rule, implemented here again from network.h's file comment.

uint64_t SplitMix64(uint64_t z) {
  z ^= z >> 30;
  z *= 0xBF58476D1CE4E5B9ull;
  z ^= z >> 27;
  z *= 0x94D049BB133111EBull;
  z ^= z >> 31;
  return z;
}

uint64_t SeededZ(uint64_t seed, uint64_t i) {
  return SplitMix64(seed * 0x9E3779B97F4A7C15ull + (i + 1) * 0xBF58476D1CE4E5B9ull);
}

TEST(SeededData, LiteralValuesOfSeed1) {
  // Computed with Python integers: z for seed 1, i = 0..3 is 0xe4bacea5c4b9b499,
  // 0x057291b366a5f0bc, 0x344d52ed413b72b9, 0x2af0dc369d7ec21b.
  EXPECT_EQ(SeededZ(1, 0), 0xe4bacea5c4b9b499ull);
  EXPECT_EQ(SeededZ(1, 3), 0x2af0dc369d7ec21bull);
  EXPECT_EQ(tpu::seeded_int8(1, 4), (std::vector<int8_t>{97, -9, -21, -87}));
  EXPECT_EQ(tpu::seeded_int32(1, 4), (std::vector<int32_t>{13465, 28860, -3399, 16923}));
  // Seed 0 and a seed above 2^63 (the products wrap mod 2^64).
  EXPECT_EQ(tpu::seeded_int8(0, 4), (std::vector<int8_t>{-69, 102, 122, -64}));
  EXPECT_EQ(tpu::seeded_int32(12345678901234567890ull, 4), (std::vector<int32_t>{-10331, 1390, -15433, 5975}));
}

TEST(SeededData, MatchesTheRuleAndStaysInRange) {
  for (uint64_t seed : {0ull, 1ull, 42ull, 0xFFFFFFFFFFFFFFFFull}) {
    const std::vector<int8_t> i8 = tpu::seeded_int8(seed, 5000);
    const std::vector<int32_t> i32 = tpu::seeded_int32(seed, 5000);
    ASSERT_EQ(i8.size(), 5000u);
    ASSERT_EQ(i32.size(), 5000u);
    int8_t lo8 = 0, hi8 = 0;
    int32_t lo32 = 0, hi32 = 0;
    for (uint64_t i = 0; i < 5000; ++i) {
      const uint64_t z = SeededZ(seed, i);
      ASSERT_EQ(i8[i], int64_t(z % 255) - 127) << "seed " << seed << " i " << i;
      ASSERT_EQ(i32[i], int64_t(z % 65536) - 32768) << "seed " << seed << " i " << i;
      lo8 = std::min(lo8, i8[i]), hi8 = std::max(hi8, i8[i]);
      lo32 = std::min(lo32, i32[i]), hi32 = std::max(hi32, i32[i]);
    }
    // 5000 draws reach the ends of [-127, 127]; int8 never gives -128.
    EXPECT_EQ(lo8, -127);
    EXPECT_EQ(hi8, 127);
    EXPECT_LT(lo32, -32000);
    EXPECT_GT(hi32, 32000);
  }
  // A prefix of a longer draw is the shorter draw (value i depends on i only).
  const std::vector<int8_t> longer = tpu::seeded_int8(9, 100);
  EXPECT_EQ(tpu::seeded_int8(9, 10), std::vector<int8_t>(longer.begin(), longer.begin() + 10));
  EXPECT_TRUE(tpu::seeded_int8(9, 0).empty());
}

TEST(SeededData, AnyRangeIsThatSliceOfTheRule) {
  // seeded_int8_into(seed, first, n) against the rule itself, at every offset into a
  // vector-width-sized window and across lengths (the loop's vector body and its tail).
  for (uint64_t first : {0ull, 1ull, 63ull, 64ull, 1000003ull}) {
    for (uint64_t n : {0ull, 1ull, 31ull, 256ull, 301ull}) {
      std::vector<int8_t> out(n + 2, 55);  // guard values after the range
      tpu::seeded_int8_into(77, first, n, out.data());
      for (uint64_t k = 0; k < n; ++k)
        ASSERT_EQ(out[k], int64_t(SeededZ(77, first + k) % 255) - 127) << "first " << first << " k " << k;
      EXPECT_EQ(out[n], 55);
      EXPECT_EQ(out[n + 1], 55);
    }
  }
}

TEST(Int8Values, SeededAndHeldReadTheSame) {
  const tpu::Int8Values seeded = tpu::Int8Values::seeded(5, 1000);
  std::vector<int8_t> rule(1000);  // the rule itself, not seeded_int8()
  for (uint64_t i = 0; i < rule.size(); ++i) rule[i] = int8_t(int64_t(SeededZ(5, i) % 255) - 127);
  tpu::Int8Values held(rule);
  EXPECT_TRUE(seeded.is_seeded());
  EXPECT_FALSE(held.is_seeded());
  EXPECT_EQ(seeded.size(), 1000u);
  EXPECT_EQ(held.size(), 1000u);
  EXPECT_EQ(seeded.values(), rule);
  EXPECT_EQ(held.values(), rule);
  std::vector<int8_t> a(300), b(300);
  seeded.copy(650, 300, a.data());
  held.copy(650, 300, b.data());
  EXPECT_EQ(a, std::vector<int8_t>(rule.begin() + 650, rule.begin() + 950));
  EXPECT_EQ(b, a);
  // held() turns a seeded array into its values, to change in place.
  tpu::Int8Values changed = tpu::Int8Values::seeded(5, 1000);
  changed.held()[3] = 100;
  EXPECT_FALSE(changed.is_seeded());
  EXPECT_EQ(changed.size(), 1000u);
  std::vector<int8_t> expected = rule;
  expected[3] = 100;
  EXPECT_EQ(changed.values(), expected);
  EXPECT_TRUE(tpu::Int8Values().empty());
}

// ---------------------------------------------------------------------------------------------
// Manifests in a fresh temporary directory.

// A valid manifest with every op. Shapes, derived by hand (P = floor((H + top + bottom - kh) / sh) + 1):
//   data 9x8x3, side 5x4x4 (2 samples each)
//   0 conv1 (data)  k 3x3 s 2x2 pad [1,1]        -> P = (9+2-3)/2+1 = 5, Q = (8+2-3)/2+1 = 4: 5x4x4
//   1 sum   add [conv1, side]                    -> 5x4x4
//   2 prod  mul [sum, conv1]                     -> 5x4x4
//   3 act   activate (prod)                      -> 5x4x4
//   4 conv2 (act)   k 2x3 s 1x2 pad [0,1,1,0]    -> P = (5+0+1-2)/1+1 = 5, Q = (4+1+0-3)/2+1 = 2: 5x2x6
//   5 mp    maxpool (conv2) k 2x2 s 2x1 pad [1,0,0,1] -> P = (5+1+0-2)/2+1 = 3, Q = (2+0+1-2)/1+1 = 2: 3x2x6
//   6 ap    avgpool (mp) k 3x2                   -> 1x1x6
//   7 gap   avgpool global (conv2): k 5x2        -> 1x1x6
//   8 fc    dense [gap, mp, side]: features 6 + 36 + 80 = 122 -> 1x1x3
//   9 tail  maxpool (data) k 3x3 s 3x3           -> P = (9-3)/3+1 = 3, Q = (8-3)/3+1 = 2: 3x2x3
const char* const kNetManifest =
    "format: network\n"
    "name: tiny-net\n"
    "description: every op once\n"
    "samples: 2\n"
    "inputs:\n"
    "  - name: data\n"
    "    shape: [9, 8, 3]\n"
    "    file: data.i8\n"
    "  - {name: side, shape: [5, 4, 4], file: {random_seed: 7}}\n"
    "golden: golden.i8\n"
    "output: fc\n"
    "layers:\n"
    "  - name: conv1\n"
    "    op: conv\n"
    "    outputs: 4\n"
    "    kernel: [3, 3]\n"
    "    stride: [2, 2]\n"
    "    pad: [1, 1]\n"
    "    weights: conv1.w.i8\n"
    "    bias: conv1.b.i32\n"
    "    activation: relu\n"
    "    requant: {multiplier: 1073741824, shift: 30, zero_point: -3}\n"
    "  - name: sum\n"
    "    op: add\n"
    "    inputs: [conv1, side]\n"
    "    operand_scales: [2, -3]\n"
    "    operand_offsets: [1, 0]\n"
    "    requant: {multiplier: 1000, shift: 20}\n"
    "  - {name: prod, op: mul, inputs: [sum, conv1], operand_offsets: [0, 5], requant: {multiplier: 7, shift: 9}}\n"
    "  - {name: act, op: activate, operand_scale: 3, operand_offset: -2, activation: tanh,\n"
    "     requant: {multiplier: 1, shift: 2}}\n"
    "  - name: conv2\n"
    "    op: conv\n"
    "    input: act\n"
    "    outputs: 6\n"
    "    kernel: [2, 3]\n"
    "    stride: [1, 2]\n"
    "    pad: [0, 1, 1, 0]\n"
    "    weights: {random_seed: 3}\n"
    "    requant: {multiplier: 5, shift: 6}\n"
    "  - {name: mp, op: maxpool, kernel: [2, 2], stride: [2, 1], pad: [1, 0, 0, 1]}\n"
    "  - {name: ap, op: avgpool, kernel: [3, 2], requant: {multiplier: 11, shift: 12}}\n"
    "  - {name: gap, op: avgpool, input: conv2, global: true, requant: {multiplier: 13, shift: 14}}\n"
    "  - name: fc\n"
    "    op: dense\n"
    "    inputs: [gap, mp, side]\n"
    "    outputs: 3\n"
    "    weights: {random_seed: 9}\n"
    "    bias: {random_seed: 10}\n"
    "    activation: sigmoid\n"
    "    requant: {multiplier: 15, shift: 16}\n"
    "  - {name: tail, op: maxpool, input: data, kernel: [3, 3], stride: [3, 3]}\n";

class NetworkFileTest : public tpu::test::ManifestDirTest {
 protected:
  void SetUp() override {
    ManifestDirTest::SetUp();
    WriteData("data.i8", 2 * 9 * 8 * 3);
    WriteData("golden.i8", 2 * 3);
    WriteData("conv1.w.i8", 3 * 3 * 3 * 4);
    WriteData("conv1.b.i32", 4 * 4);
  }
  // Writes the manifest text to <tmpdir>/<name> and returns its path.
  std::string WriteManifest(const std::string& text, const std::string& name = "net.yaml") {
    return ManifestDirTest::WriteManifest(text, name);
  }
  // kNetManifest with `from` replaced by `to` (`from` must occur exactly once).
  static std::string Edit(const std::string& from, const std::string& to, std::string text = kNetManifest) {
    return Replace(std::move(text), from, to);
  }
  struct EditCase {
    std::string from, to, error;
  };
  // For each case: kNetManifest with `from` replaced by `to` fails to load with `error` in the message.
  void ExpectEditErrors(const std::vector<EditCase>& cases) {
    for (const EditCase& c : cases) EXPECT_TRUE(Contains(LoadError(Edit(c.from, c.to)), c.error)) << "edit: " << c.to;
  }
  // Loads `text`; returns the error message, which must name the manifest.
  std::string LoadError(const std::string& text) {
    const std::string path = WriteManifest(text);
    const std::string msg = ErrorOf([&] { tpu::load_network(path); });
    EXPECT_TRUE(Contains(msg, path + ": "));
    return msg;
  }
};

// Checks the shape, window and inputs of a layer.
void ExpectLayer(const NetworkLayer& l, LayerOp op, std::vector<int> inputs, TensorShape in, TensorShape out) {
  SCOPED_TRACE("layer " + l.name);
  EXPECT_EQ(l.op, op);
  EXPECT_EQ(l.inputs, inputs);
  EXPECT_TRUE(l.in_shape == in) << l.in_shape.h << "x" << l.in_shape.w << "x" << l.in_shape.c;
  EXPECT_TRUE(l.out_shape == out) << l.out_shape.h << "x" << l.out_shape.w << "x" << l.out_shape.c;
}

void ExpectWindow(const NetworkLayer& l, std::vector<uint32_t> k_s_pad) {
  EXPECT_EQ((std::vector<uint32_t>{l.kh, l.kw, l.sh, l.sw, l.pad_top, l.pad_left, l.pad_bottom, l.pad_right}), k_s_pad)
      << "layer " << l.name << ": kh kw sh sw top left bottom right";
}

TEST_F(NetworkFileTest, EveryOpLoadsWithItsShape) {
  const Network n = tpu::load_network(WriteManifest(kNetManifest));
  EXPECT_EQ(n.name, "tiny-net");
  EXPECT_EQ(n.description, "every op once");
  EXPECT_EQ(n.source_file, Path("net.yaml"));
  EXPECT_EQ(n.samples, 2u);
  ASSERT_EQ(n.inputs.size(), 2u);
  EXPECT_EQ(n.inputs[0].name, "data");
  EXPECT_TRUE(n.inputs[0].shape == (TensorShape{9, 8, 3}));
  ASSERT_EQ(n.inputs[0].data.size(), 432u);
  EXPECT_EQ(n.inputs[0].data[0], 1);
  EXPECT_EQ(n.inputs[0].data[431], int8_t(432 % 256));
  EXPECT_EQ(n.inputs[1].data, tpu::seeded_int8(7, 2 * 5 * 4 * 4));

  ASSERT_EQ(n.layers.size(), 10u);
  const auto& L = n.layers;
  ExpectLayer(L[0], LayerOp::Conv, {-1}, {9, 8, 3}, {5, 4, 4});  // default input: the first input
  ExpectWindow(L[0], {3, 3, 2, 2, 1, 1, 1, 1});
  ExpectLayer(L[1], LayerOp::Add, {0, -2}, {5, 4, 4}, {5, 4, 4});
  ExpectLayer(L[2], LayerOp::Mul, {1, 0}, {5, 4, 4}, {5, 4, 4});
  ExpectLayer(L[3], LayerOp::Activate, {2}, {5, 4, 4}, {5, 4, 4});  // default: the previous layer
  ExpectLayer(L[4], LayerOp::Conv, {3}, {5, 4, 4}, {5, 2, 6});
  ExpectWindow(L[4], {2, 3, 1, 2, 0, 1, 1, 0});
  ExpectLayer(L[5], LayerOp::MaxPool, {4}, {5, 2, 6}, {3, 2, 6});
  ExpectWindow(L[5], {2, 2, 2, 1, 1, 0, 0, 1});
  ExpectLayer(L[6], LayerOp::AvgPool, {5}, {3, 2, 6}, {1, 1, 6});
  ExpectWindow(L[6], {3, 2, 1, 1, 0, 0, 0, 0});
  ExpectLayer(L[7], LayerOp::AvgPool, {4}, {5, 2, 6}, {1, 1, 6});
  ExpectWindow(L[7], {5, 2, 1, 1, 0, 0, 0, 0});  // global: the input's H x W
  ExpectLayer(L[8], LayerOp::Dense, {7, 5, -2}, {1, 1, 6}, {1, 1, 3});
  EXPECT_EQ(L[8].features, 122u);
  ExpectLayer(L[9], LayerOp::MaxPool, {-1}, {9, 8, 3}, {3, 2, 3});
  ExpectWindow(L[9], {3, 3, 3, 3, 0, 0, 0, 0});

  // Per-op values.
  EXPECT_EQ(L[0].weights.size(), 108u);
  EXPECT_EQ(L[0].weights.values()[107], 108);
  EXPECT_EQ(L[0].bias, (std::vector<int32_t>{0x04030201, 0x08070605, 0x0c0b0a09, 0x100f0e0d}));
  EXPECT_EQ(L[0].function, tpu::ActivationFunction::Relu);
  EXPECT_EQ(L[0].requant.multiplier, 1073741824u);
  EXPECT_EQ(L[0].requant.shift, 30u);
  EXPECT_EQ(L[0].requant.zero_point, -3);
  EXPECT_EQ(L[1].scale_a, 2);
  EXPECT_EQ(L[1].scale_b, -3);
  EXPECT_EQ(L[1].offset_a, 1);
  EXPECT_EQ(L[1].offset_b, 0);
  EXPECT_EQ(L[1].function, tpu::ActivationFunction::Identity);
  EXPECT_EQ(L[1].requant.zero_point, 0);
  EXPECT_EQ(L[2].scale_a, 1);  // mul: no scales
  EXPECT_EQ(L[2].offset_b, 5);
  EXPECT_EQ(L[3].scale_a, 3);
  EXPECT_EQ(L[3].offset_a, -2);
  EXPECT_EQ(L[3].function, tpu::ActivationFunction::Tanh);
  EXPECT_TRUE(L[4].weights.is_seeded());
  EXPECT_EQ(L[4].weights.values(), tpu::seeded_int8(3, 2 * 3 * 4 * 6));
  EXPECT_EQ(L[4].bias, std::vector<int32_t>(6, 0));  // no bias: zeros
  EXPECT_TRUE(L[5].weights.empty());
  EXPECT_EQ(L[7].requant.multiplier, 13u);
  EXPECT_EQ(L[8].weights.values(), tpu::seeded_int8(9, 122 * 3));
  EXPECT_EQ(L[8].bias, tpu::seeded_int32(10, 3));
  EXPECT_EQ(L[8].function, tpu::ActivationFunction::Sigmoid);

  EXPECT_EQ(n.output, 8);
  EXPECT_EQ(n.output_layer().name, "fc");
  EXPECT_EQ(n.golden.size(), 6u);
  EXPECT_TRUE(n.shape_of(-2) == (TensorShape{5, 4, 4}));
  EXPECT_TRUE(n.shape_of(6) == (TensorShape{1, 1, 6}));

  // MACs: conv1 80 x 27, conv2 60 x 24, fc 122 x 3; other ops none.
  EXPECT_EQ(L[0].macs(), 2160u);
  EXPECT_EQ(L[4].macs(), 1440u);
  EXPECT_EQ(L[8].macs(), 366u);
  EXPECT_EQ(L[1].macs() + L[5].macs() + L[7].macs(), 0u);
  EXPECT_EQ(n.macs_per_sample(), 2160u + 1440u + 366u);
  EXPECT_EQ(L[4].weight_bytes(), 144u);
}

TEST_F(NetworkFileTest, OutputDefaultsToTheLastLayer) {
  WriteData("golden.i8", 2 * 3 * 2 * 3);  // tail: 3x2x3 per sample
  const Network n = tpu::load_network(WriteManifest(Edit("output: fc\n", "")));
  EXPECT_EQ(n.output, 9);
  EXPECT_EQ(n.golden.size(), 36u);
  // Without golden data.
  const Network g = tpu::load_network(WriteManifest(Edit("golden: golden.i8\n", "")));
  EXPECT_TRUE(g.golden.empty());
}

TEST_F(NetworkFileTest, IsNetworkManifest) {
  EXPECT_TRUE(tpu::is_network_manifest(WriteManifest(kNetManifest)));
  EXPECT_FALSE(tpu::is_network_manifest(WriteManifest(Edit("format: network\n", "format: dense\n"))));
  EXPECT_FALSE(tpu::is_network_manifest(WriteManifest("- a\n- b\n")));
  EXPECT_FALSE(tpu::is_network_manifest(kSourceDir + "/traces/digits/workload.yaml"));
  const std::string msg = ErrorOf([&] { tpu::is_network_manifest(Path("absent.yaml")); });
  EXPECT_TRUE(Contains(msg, Path("absent.yaml") + ": cannot open workload manifest"));
}

// The dense-MLP loader draws {random_seed} data with the same rule.
TEST_F(NetworkFileTest, WorkloadSeededDataUsesTheSameRule) {
  const std::string path = WriteManifest(
      "name: seeded\nbatch: 2\ninput: {file: {random_seed: 5}, samples: 3, features: 4}\n"
      "layers:\n  - {name: l0, inputs: 4, outputs: 6, weights: {random_seed: 1}, bias: {random_seed: 2},\n"
      "     activation: relu, requant: {multiplier: 1, shift: 1}}\n",
      "workload.yaml");
  const tpu::Workload w = tpu::load_workload(path);
  EXPECT_EQ(w.inputs, tpu::seeded_int8(5, 12));
  EXPECT_EQ(w.layers[0].weights.values(), tpu::seeded_int8(1, 24));
  EXPECT_EQ(w.layers[0].bias, tpu::seeded_int32(2, 6));
}

// --- One error per check.

TEST_F(NetworkFileTest, UnknownKeys) {
  EXPECT_TRUE(Contains(LoadError(std::string(kNetManifest) + "colour: blue\n"), ": colour: unknown key"));
  ExpectEditErrors({
      {"    outputs: 4\n", "    outputs: 4\n    foo: 1\n", ": layers[0].foo: unknown key"},
      {"file: data.i8", "file: data.i8\n    dtype: int8", ": inputs[0].dtype: unknown key"},
      {"{random_seed: 7}", "{random_seed: 7, scale: 2}", ": inputs[1] (side).file.scale: unknown key"},
  });
}

TEST_F(NetworkFileTest, KeyOfAnotherOp) {
  ExpectEditErrors({
      {"    op: add\n", "    op: add\n    kernel: [3, 3]\n",
       ": layers[1] (sum).kernel: an add layer does not take kernel"},
      {"op: maxpool, kernel: [2, 2]", "op: maxpool, requant: {multiplier: 1, shift: 1}, kernel: [2, 2]",
       ": layers[5] (mp).requant: a maxpool layer does not take requant"},
      {"op: mul,", "op: mul, operand_scales: [1, 1],",
       ": layers[2] (prod).operand_scales: a mul layer does not take operand_scales"},
  });
}

TEST_F(NetworkFileTest, UnknownOp) {
  EXPECT_TRUE(Contains(LoadError(Edit("op: mul,", "op: sub,")),
                       ": layers[2] (prod).op: must be one of conv, dense, maxpool, avgpool, add, mul, activate, "
                       "host_op, matmul, pixel_concat, pixel_slice, got sub"));
}

TEST_F(NetworkFileTest, UnknownInputName) {
  ExpectEditErrors({
      {"    input: act\n", "    input: nothere\n", ": layers[4] (conv2).input: unknown tensor nothere"},
      {"inputs: [gap, mp, side]", "inputs: [gap, mq, side]", ": layers[8] (fc).inputs: unknown tensor mq"},
  });
}

TEST_F(NetworkFileTest, ForwardReference) {
  ExpectEditErrors({
      {"inputs: [conv1, side]", "inputs: [prod, side]", ": layers[1] (sum).inputs: prod is a later layer (layers[2])"},
      {"    input: act\n", "    input: conv2\n", ": layers[4] (conv2).input: conv2 is this layer itself"},
  });
}

TEST_F(NetworkFileTest, DuplicateNames) {
  ExpectEditErrors({
      {"{name: tail,", "{name: conv1,", ": layers[9].name: duplicate layer name conv1 (also layers[0])"},
      {"{name: tail,", "{name: side,", ": layers[9].name: layer name side is also the name of a network input"},
      {"{name: side,", "{name: data,", ": inputs[1].name: duplicate input name data (also inputs[0])"},
  });
}

TEST_F(NetworkFileTest, OperandCounts) {
  // An add reads two tensors; the default (the previous layer) is one.
  ExpectEditErrors({
      {"    inputs: [conv1, side]\n", "", ": layers[1] (sum).input: an add layer reads two tensors"},
      {"  - {name: mp, op: maxpool,", "  - {name: mp, op: maxpool, inputs: [conv2, conv2],",
       ": layers[5] (mp).inputs: a maxpool layer reads one tensor, got 2"},
      {"    input: act\n", "    input: act\n    inputs: [act]\n",
       ": layers[4] (conv2).inputs: give either input or inputs, not both"},
  });
}

TEST_F(NetworkFileTest, AddShapeMismatch) {
  ExpectEditErrors({
      {"inputs: [conv1, side]", "inputs: [conv1, data]",
       ": layers[1] (sum).inputs: the operands must have the same shape, or b [1, 1, C] with a [H, W, C] "
       "(broadcast), got 5x4x4 and 9x8x3"},
      {"inputs: [sum, conv1]", "inputs: [sum, data]",
       ": layers[2] (prod).inputs: the operands must have the same shape"},
  });
}

// Issue 15's keys: groups, lookup tables, a conv's several inputs, a broadcast operand b.
TEST_F(NetworkFileTest, GroupsTablesConcatAndBroadcastLoad) {
  WriteData("t.i8", 256);
  std::string text = Edit("    weights: {random_seed: 3}\n", "    weights: {random_seed: 3}\n    groups: 2\n");
  text = Edit("    activation: relu\n", "    activation: lookup\n    table: t.i8\n", text);
  text = Edit("    inputs: [conv1, side]\n", "    inputs: [conv1, gap1]\n", text);
  text = Edit("  - name: sum\n",
              "  - {name: gap1, op: avgpool, input: side, global: true, requant: {multiplier: 1, shift: 1}}\n"
              "  - name: sum\n",
              text);
  text = Edit("  - {name: tail, op: maxpool, input: data, kernel: [3, 3], stride: [3, 3]}\n",
              "  - {name: tail, op: maxpool, input: data, kernel: [3, 3], stride: [3, 3]}\n"
              "  - {name: cat, op: conv, inputs: [conv1, sum], outputs: 8, kernel: [1, 1], groups: 4,\n"
              "     weights: {random_seed: 5}, requant: {multiplier: 1, shift: 1}}\n",
              text);
  const Network n = tpu::load_network(WriteManifest(text));
  const NetworkLayer& conv1 = n.layers[0];
  EXPECT_EQ(conv1.function, tpu::ActivationFunction::Lookup);
  ASSERT_EQ(conv1.table.size(), 256u);
  EXPECT_EQ(conv1.table[5], 6);  // WriteData: byte i is i + 1
  const NetworkLayer& conv2 = n.layers[5];
  EXPECT_EQ(conv2.groups, 2u);
  EXPECT_EQ(conv2.weights.size(), 2u * 3 * (4 / 2) * 6);         // [kh][kw][C/g][M]
  EXPECT_EQ(conv2.macs(), 5u * 2 * 6 * 2 * 3 * 2);               // P Q M kh kw C/g
  EXPECT_TRUE(n.layers[2].out_shape == (TensorShape{5, 4, 4}));  // sum: a 5x4x4 + b 1x1x4
  const NetworkLayer& cat = n.layers.back();
  EXPECT_EQ(cat.inputs, (std::vector<int>{0, 2}));
  EXPECT_TRUE(cat.in_shape == (TensorShape{5, 4, 8}));  // channels of both inputs
  EXPECT_EQ(cat.weights.size(), 8u * 2);                // [1][1][8/4][8]
}

// The wide add (operand_multipliers) and requant rounding (network.h, quant.h).
TEST_F(NetworkFileTest, WideAddAndRoundingLoad) {
  std::string text = Edit("    operand_scales: [2, -3]\n", "    operand_multipliers: [2147483647, -2147483647]\n");
  text = Edit("    requant: {multiplier: 1000, shift: 20}\n",
              "    requant: {multiplier: 1, shift: 40, zero_point: 5, rounding: half_even}\n", text);
  const Network n = tpu::load_network(WriteManifest(text));
  const NetworkLayer& sum = n.layers[1];
  EXPECT_TRUE(sum.wide_scales);
  EXPECT_EQ(sum.multiplier_a, 2147483647);
  EXPECT_EQ(sum.multiplier_b, -2147483647);
  EXPECT_EQ(sum.requant.shift, 40u);
  EXPECT_EQ(sum.requant.rounding, tpu::Rounding::HalfEven);
  EXPECT_EQ(n.layers[0].requant.rounding, tpu::Rounding::HalfUp);  // the default
  EXPECT_FALSE(n.layers[2].wide_scales);
}

TEST_F(NetworkFileTest, WideAddAndRoundingErrors) {
  const std::string wide = Edit("    operand_scales: [2, -3]\n", "    operand_multipliers: [5, 7]\n");
  const std::string wide1 = Edit("{multiplier: 1000, shift: 20}", "{multiplier: 1, shift: 20}", wide);
  EXPECT_TRUE(Contains(LoadError(wide),
                       ": layers[1] (sum).requant: an add with operand_multipliers needs requant "
                       "multiplier 1 (the operand multipliers carry the scale), got 1000"));
  EXPECT_TRUE(Contains(LoadError(Edit("[5, 7]", "[5, -2147483648]", wide1)),
                       ": layers[1] (sum).operand_multipliers[1]: must be between -2147483647 and 2147483647"));
  EXPECT_TRUE(Contains(LoadError(Edit("[5, 7]", "[5]", wide1)),
                       ": layers[1] (sum).operand_multipliers: must be a list [ma, mb]"));
  EXPECT_TRUE(Contains(LoadError(Edit("    operand_offsets: [1, 0]\n",
                                      "    operand_offsets: [1, 0]\n    operand_scales: [1, 1]\n", wide1)),
                       ": layers[1] (sum).operand_multipliers: an add has operand_scales or operand_multipliers, "
                       "not both"));
  EXPECT_TRUE(
      Contains(LoadError(Edit("operand_offsets: [0, 5],", "operand_offsets: [0, 5], operand_multipliers: [1, 1],")),
               ": layers[2] (prod).operand_multipliers"));  // a mul has none
  EXPECT_TRUE(
      Contains(LoadError(Edit("{multiplier: 1000, shift: 20}", "{multiplier: 1000, shift: 20, rounding: even}")),
               ": layers[1] (sum).requant.rounding: must be half_up or half_even, got even"));
}

TEST_F(NetworkFileTest, GroupsTablesAndConcatErrors) {
  WriteData("t.i8", 256);
  WriteData("short.i8", 255);
  ExpectEditErrors({
      {"    weights: {random_seed: 3}\n", "    weights: {random_seed: 3}\n    groups: 3\n",
       ": layers[4] (conv2).groups: must be >= 1 and divide the input channels 4 and the outputs 6, got 3"},
      {"    weights: {random_seed: 3}\n", "    weights: {random_seed: 3}\n    groups: 0\n", "(conv2).groups"},
      {"    activation: relu\n", "    activation: lookup\n",
       ": layers[0] (conv1).table: missing (activation: lookup needs its 256-entry int8 table)"},
      {"    activation: relu\n", "    activation: relu\n    table: t.i8\n",
       ": layers[0] (conv1).table: a table is used only with activation: lookup"},
      {"    activation: relu\n", "    activation: lookup\n    table: short.i8\n", "(conv1).table"},
      {"    input: act\n", "    inputs: [act, data]\n",
       ": layers[4] (conv2).inputs: a conv's inputs are concatenated along channels and must have the same H x W"},
  });
}

// Element types (network.h): int16 activations and weights on conv/dense, uint8 anywhere a layer
// requantizes with identity or relu; the planes of int16 weights; the types maxpool inherits.
TEST_F(NetworkFileTest, ElementTypesLoad) {
  std::string text = Edit("    file: data.i8\n", "    file: data.i8\n    type: uint8\n");
  text = Edit("    requant: {multiplier: 1073741824, shift: 30, zero_point: -3}\n",
              "    requant: {multiplier: 1073741824, shift: 30, zero_point: 200}\n    output_type: uint8\n", text);
  text = Edit("    weights: {random_seed: 3}\n",
              "    weights: {random_seed: 3}\n    weight_type: int16\n    output_type: int16\n", text);
  text = Edit("  - {name: mp, op: maxpool", "  - {name: mp, op: maxpool, input: sum", text);
  text = Edit("    inputs: [gap, mp, side]\n", "    inputs: [conv2]\n", text);
  text = Edit("  - {name: gap, op: avgpool, input: conv2,", "  - {name: gap, op: avgpool, input: act,", text);
  const Network net = tpu::load_network(WriteManifest(text));
  using tpu::ElementType;
  EXPECT_EQ(net.inputs[0].type, ElementType::Uint8);
  EXPECT_EQ(net.inputs[1].type, ElementType::Int8);
  EXPECT_EQ(net.layers[0].out_type, ElementType::Uint8);
  EXPECT_EQ(net.layers[0].requant.zero_point, 200);
  const NetworkLayer& conv2 = net.layers[4];
  EXPECT_EQ(conv2.out_type, ElementType::Int16);
  EXPECT_EQ(conv2.weight_bits, 16u);
  // 2 x 3 x 4 x 6 int16 weights of seed 3 by the int32 rule, as planes: high bytes, then low bytes.
  const uint64_t n = 2 * 3 * 4 * 6;
  ASSERT_EQ(conv2.weights.size(), 2 * n);
  const std::vector<int32_t> v = tpu::seeded_int32(3, n);
  const std::vector<int8_t> planes = conv2.weights.values();
  for (uint64_t i = 0; i < n; ++i) {
    EXPECT_EQ(planes[i], int8_t(v[i] >> 8)) << i;
    EXPECT_EQ(uint8_t(planes[n + i]), uint8_t(v[i] & 0xff)) << i;
  }
  EXPECT_EQ(net.layers[5].out_type, ElementType::Int8);   // maxpool of the int8 sum
  EXPECT_EQ(net.layers[9].out_type, ElementType::Uint8);  // maxpool of the uint8 input
  EXPECT_EQ(net.layers[8].out_type, ElementType::Int8);   // fc reads int16 conv2
}

TEST_F(NetworkFileTest, ElementTypeErrors) {
  ExpectEditErrors({
      // 16-bit activations only into conv and dense.
      {"    weights: {random_seed: 3}\n", "    weights: {random_seed: 3}\n    output_type: int16\n",
       ": layers[5] (mp).op: reads the int16 tensor conv2; only conv and dense layers take 16-bit activations"},
      // int16 outputs only from conv and dense; weights types only on them.
      {"  - {name: ap, op: avgpool, kernel: [3, 2],", "  - {name: ap, op: avgpool, kernel: [3, 2], output_type: int16,",
       ": layers[6] (ap).output_type: must be one of int8, uint8, got int16 (16-bit outputs: conv and dense layers "
       "only"},
      {"  - {name: mp, op: maxpool,", "  - {name: mp, op: maxpool, weight_type: int16,",
       ": layers[5] (mp).weight_type: a maxpool layer does not take weight_type"},
      {"    weights: {random_seed: 3}\n", "    weights: {random_seed: 3}\n    weight_type: int4\n",
       ": layers[4] (conv2).weight_type: must be int8 or int16, got int4"},
      {"    file: data.i8\n", "    file: data.i8\n    type: int16\n",
       ": inputs[0] (data).type: must be one of int8, uint8"},
      // uint8 / int16 outputs: identity and relu only, zero point in the type's range.
      {"    activation: sigmoid\n", "    activation: sigmoid\n    output_type: uint8\n",
       ": layers[8] (fc).output_type: uint8 outputs take activation identity or relu"},
      {"zero_point: -3}\n", "zero_point: -3}\n    output_type: uint8\n",
       ": layers[0] (conv1).requant.zero_point: must be between 0 and 255, got -3"},
      {"zero_point: -3}\n", "zero_point: 200}\n",
       ": layers[0] (conv1).requant.zero_point: must be between -128 and 127"},
      // The network's output must be 8-bit; host operations read int8.
      {"    activation: sigmoid\n", "    output_type: int16\n",
       ": output: the output layer fc writes int16; the network's output must be 8-bit"},
  });
}

TEST_F(NetworkFileTest, PoolPadMustBeBelowKernel) {
  ExpectEditErrors({
      {"pad: [1, 0, 0, 1]", "pad: [2, 0, 0, 1]", ": layers[5] (mp).pad: a pool's pads must be smaller than its kernel"},
      {"pad: [1, 0, 0, 1]", "pad: [1, 0, 0, 2]", "got [1, 0, 0, 2]"},
  });
}

TEST_F(NetworkFileTest, ConvOutputBelowOne) {
  // conv2 reads 5x4: kernel height 7 > 5 + 0 + 1.
  ExpectEditErrors({
      {"kernel: [2, 3]", "kernel: [7, 3]",
       ": layers[4] (conv2).kernel: kernel height 7 exceeds the input height 5 plus padding 0 + 1: "
       "the output height would be < 1"},
      // A pool's window: ap reads 3x2, kernel width 3 > 2.
      {"kernel: [3, 2]", "kernel: [3, 3]", ": layers[6] (ap).kernel: kernel width 3 exceeds the input width 2"},
  });
}

TEST_F(NetworkFileTest, WrongDataFileSizes) {
  WriteData("conv1.w.i8", 107);
  std::string msg = LoadError(kNetManifest);
  EXPECT_TRUE(
      Contains(msg, ": layers[0] (conv1).weights: data file " + Path("conv1.w.i8") + " has 107 bytes, expected 108"));
  WriteData("conv1.w.i8", 108);
  WriteData("conv1.b.i32", 12);
  msg = LoadError(kNetManifest);
  EXPECT_TRUE(
      Contains(msg, ": layers[0] (conv1).bias: data file " + Path("conv1.b.i32") + " has 12 bytes, expected 16"));
  WriteData("conv1.b.i32", 16);
  WriteData("golden.i8", 7);
  EXPECT_TRUE(
      Contains(LoadError(kNetManifest), ": golden: data file " + Path("golden.i8") + " has 7 bytes, expected 6"));
  WriteData("data.i8", 431);
  EXPECT_TRUE(Contains(LoadError(kNetManifest),
                       ": inputs[0] (data).file: data file " + Path("data.i8") + " has 431 bytes, expected 432"));
  EXPECT_TRUE(Contains(LoadError(Edit("file: data.i8", "file: gone.i8")),
                       ": inputs[0] (data).file: data file " + Path("gone.i8") + " is missing"));
}

TEST_F(NetworkFileTest, GlobalPooling) {
  ExpectEditErrors({
      {"global: true,", "global: true, kernel: [5, 2],",
       ": layers[7] (gap).kernel: a global avgpool takes its kernel from the input"},
      {"global: true,", "global: true, stride: [1, 1],", ": layers[7] (gap).stride: a global avgpool"},
      {"global: true,", "global: yes,", ": layers[7] (gap).global: must be true or false"},
      // global: false is an ordinary avgpool, which needs a kernel.
      {"global: true,", "global: false,", ": layers[7] (gap).kernel: missing"},
  });
}

TEST_F(NetworkFileTest, GlobalPoolingWindowAtMost255) {
  const std::string text =
      "format: network\nname: g\nsamples: 1\n"
      "inputs: [{name: x, shape: [255, 2, 3], file: {random_seed: 1}}]\n"
      "layers: [{name: gap, op: avgpool, global: true, requant: {multiplier: 1, shift: 1}}]\n";
  const Network n = tpu::load_network(WriteManifest(text));
  ExpectLayer(n.layers[0], LayerOp::AvgPool, {-1}, {255, 2, 3}, {1, 1, 3});
  ExpectWindow(n.layers[0], {255, 2, 1, 1, 0, 0, 0, 0});
  EXPECT_TRUE(Contains(LoadError(Edit("[255, 2, 3]", "[256, 2, 3]", text)),
                       ": layers[0] (gap).global: global pooling over a 256x2x3 input needs a 256 x 2 window"));
}

TEST_F(NetworkFileTest, IntegerRanges) {
  ExpectEditErrors({
      {"operand_scales: [2, -3]", "operand_scales: [2, 32768]",
       ": layers[1] (sum).operand_scales[1]: must be between -32768 and 32767, got 32768"},
      {"operand_offsets: [1, 0]", "operand_offsets: [-32769, 0]",
       ": layers[1] (sum).operand_offsets[0]: must be between -32768 and 32767"},
      {"operand_scale: 3,", "operand_scale: 40000,",
       ": layers[3] (act).operand_scale: must be between -32768 and 32767, got 40000"},
      {"operand_scales: [2, -3]", "operand_scales: [2]", ": layers[1] (sum).operand_scales: must be a list [sa, sb]"},
      {"kernel: [3, 3]\n", "kernel: [256, 3]\n", ": layers[0] (conv1).kernel[0]: must be between 1 and 255, got 256"},
      {"stride: [2, 2]", "stride: [2, 0]", ": layers[0] (conv1).stride[1]: must be between 1 and 255, got 0"},
      {"pad: [1, 1]", "pad: [1, 256]", ": layers[0] (conv1).pad[1]: must be between 0 and 255, got 256"},
      {"pad: [1, 1]", "pad: [1, 1, 1]",
       ": layers[0] (conv1).pad: must be a list [top, left, bottom, right] or [ph, pw]"},
      {"kernel: [3, 3]\n", "kernel: 3\n", ": layers[0] (conv1).kernel: must be a list [kh, kw]"},
      {"shape: [9, 8, 3]", "shape: [65536, 8, 3]", ": inputs[0] (data).shape: H and W must be <= 65535"},
      {"shape: [9, 8, 3]", "shape: [9, 0, 3]", ": inputs[0] (data).shape[1]: must be between 1 and"},
      {"shift: 20}", "shift: 63}", ": layers[1] (sum).requant.shift: must be between 0 and 62, got 63"},
      {"zero_point: -3}", "zero_point: -129}", ": layers[0] (conv1).requant.zero_point: must be between -128 and 127"},
      {"{multiplier: 7,", "{multiplier: 2147483648,",
       ": layers[2] (prod).requant.multiplier: must be between 0 and 2147483647"},
      {"    outputs: 6\n", "    outputs: 0\n", ": layers[4] (conv2).outputs: must be >= 1"},
  });
}

TEST_F(NetworkFileTest, MissingRequantAndActivation) {
  ExpectEditErrors({
      {", requant: {multiplier: 7, shift: 9}", "", ": layers[2] (prod).requant: missing (a mul layer needs it)"},
      {" activation: tanh,", "", ": layers[3] (act).activation: missing"},
      {"{multiplier: 1, shift: 2}", "{multiplier: 1}", ": layers[3] (act).requant.shift: missing"},
      {"    activation: relu\n", "    activation: swish\n",
       ": layers[0] (conv1).activation: must be one of identity, relu, sigmoid, tanh, got swish"},
  });
}

TEST_F(NetworkFileTest, MissingTopLevelKeys) {
  ExpectEditErrors({
      {"format: network\n", "", ": format: missing"},
      {"format: network\n", "format: mlp\n", ": format: must be network"},
      {"samples: 2\n", "", ": samples: missing"},
      {"samples: 2\n", "samples: 0\n", ": samples: must be >= 1"},
      {"name: tiny-net\n", "", ": name: missing"},
      {"    shape: [9, 8, 3]\n", "", ": inputs[0].shape: missing"},
  });
}

TEST_F(NetworkFileTest, UnknownOutput) {
  ExpectEditErrors({
      {"output: fc\n", "output: fd\n", ": output: unknown layer fd"},
      {"output: fc\n", "output: data\n", ": output: data is a network input; the output must be a layer"},
  });
}

TEST_F(NetworkFileTest, DenseFeaturesAndWeights) {
  // A dense layer over one 5x4x4 input flattens it: 80 features, 80 x 3 weights.
  WriteData("fc.w.i8", 80 * 3);
  const Network n = tpu::load_network(WriteManifest(
      Edit("inputs: [gap, mp, side]", "input: side", Edit("weights: {random_seed: 9}", "weights: fc.w.i8"))));
  EXPECT_EQ(n.layers[8].features, 80u);
  EXPECT_EQ(n.layers[8].weights.size(), 240u);
  WriteData("fc.w.i8", 122 * 3);
  EXPECT_TRUE(Contains(
      LoadError(Edit("inputs: [gap, mp, side]", "input: side", Edit("weights: {random_seed: 9}", "weights: fc.w.i8"))),
      ": layers[8] (fc).weights: data file " + Path("fc.w.i8") + " has 366 bytes, expected 240"));
}

// Networks the chip cannot run: lower_network's errors name the layer and the limit.
TEST_F(NetworkFileTest, LoweringRejectsWhatTheChipCannotRun) {
  const tpu::ArchConfig cfg = tpu::load_config(kSourceDir + "/configs/tpu_v1.yaml");
  const auto lowering_error = [&](const std::string& layers, const std::string& input_shape, uint32_t samples,
                                  const tpu::ArchConfig& c) {
    const std::string path = WriteManifest("format: network\nname: limits\nsamples: " + std::to_string(samples) +
                                           "\ninputs:\n  - {name: x, shape: " + input_shape +
                                           ", file: {random_seed: 1}}\nlayers:\n" + layers);
    const tpu::Network n = tpu::load_network(path);
    return tpu::test::ErrorOf("tpu/lowering", [&] { tpu::lower_network(n, c); });
  };
  // A dense layer reads a spatial input through Convolve, whose kernel position is 8 bits.
  const std::string wide = lowering_error(
      "  - {name: fc, op: dense, input: x, outputs: 2, weights: {random_seed: 2}, requant: {multiplier: 1, shift: "
      "1}}\n",
      "[257, 1, 1]", 1, cfg);
  EXPECT_TRUE(Contains(wide, "layer fc: input")) << wide;
  EXPECT_TRUE(Contains(wide, "a dense layer reads at most 256x256")) << wide;
  // Pool's rows field: 2 samples x 33000 output rows > 65536 (on a UB that holds both tensors).
  tpu::ArchConfig big_ub = cfg;
  big_ub.unified_buffer.size_bytes = uint64_t(64) << 20;
  const std::string rows = lowering_error("  - {name: mp, op: maxpool, kernel: [1, 1]}\n", "[33000, 1, 1]", 2, big_ub);
  EXPECT_TRUE(Contains(rows, "layer mp: 66000 output rows (N x P) exceed the 65536")) << rows;
  // 256 x 256 weights (one 64 KiB tile) in a 32 KiB weight memory.
  tpu::ArchConfig small_dram = cfg;
  small_dram.dram.capacity_bytes = 32768;
  const std::string weights = lowering_error(
      "  - {name: fc, op: dense, input: x, outputs: 256, weights: {random_seed: 2}, requant: {multiplier: 1, shift: "
      "1}}\n",
      "[1, 1, 256]", 1, small_dram);
  EXPECT_TRUE(Contains(weights, "the weights need 65536 bytes of weight memory, dram.capacity_bytes is 32768"))
      << weights;
}

}  // namespace
