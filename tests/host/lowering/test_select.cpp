// Channel selections read in place (select.cpp, steps.h: channel_selection, read_in_place): a
// Split/Slice/shuffle that the importer wrote as a 1x1 conv of 0/1 weights is left out when the
// convs reading it can read its input through permuted, zero-padded weight rows at no more passes.
// Checked here: which layers are selections, the plan (sources, channel maps, no rows), the weight
// tiles written (against the reader's rows placed by hand), the instruction counts and rows derived
// from the layer shapes, the program against that of the conv folded by hand (same instructions,
// so the same cycles), the cost rule's refusal, and one whole run against an integer reference
// computed here from network.h's definitions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <systemc>

#include "config/config.h"
#include "lowering/lowering.h"
#include "lowering/steps.h"
#include "runtime/simulation.h"

namespace tpu {
namespace {

const std::string kSourceDir = TPU_TLM_SOURCE_DIR;

ArchConfig SmallConfig() { return load_config(kSourceDir + "/configs/small.yaml"); }  // R = C = 16

std::vector<int8_t> Random(size_t n, int lo, int hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<int8_t> v(n);
  for (int8_t& x : v) x = int8_t(d(rng));
  return v;
}

NetworkLayer Conv(const std::string& name, std::vector<int> in, TensorShape is, uint32_t m, uint32_t k,
                  std::vector<int8_t> w, uint32_t groups = 1) {
  NetworkLayer l;
  l.name = name;
  l.op = LayerOp::Conv;
  l.inputs = std::move(in);
  l.in_shape = is;
  l.out_shape = {is.h, is.w, m};
  l.kh = l.kw = k;
  l.pad_top = l.pad_left = l.pad_bottom = l.pad_right = k / 2;
  l.groups = groups;
  l.weights = Int8Values(std::move(w));
  l.bias.assign(m, 0);
  return l;  // requant 2^30 >> 30: the identity, saturated to int8
}

/// The importer's channel copy: output j = input channel sel[j] (1x1 conv, 0/1 weights).
NetworkLayer Selection(const std::string& name, int in, TensorShape is, const std::vector<int>& sel) {
  std::vector<int8_t> w(size_t(is.c) * sel.size(), 0);
  for (size_t j = 0; j < sel.size(); ++j) w[size_t(sel[j]) * sel.size() + j] = 1;
  return Conv(name, {in}, is, uint32_t(sel.size()), 1, std::move(w));
}

// x 4x4x16 -> a = 1x1 conv to 12 -> s = channels 4..9 of a (a Slice) -> b = 3x3 conv (pad 1) to 5.
Network SliceNet() {
  Network net;
  net.name = "slice";
  net.samples = 1;
  net.inputs.push_back({"x", {4, 4, 16}, Random(4 * 4 * 16, -3, 3, 1)});
  net.layers.push_back(Conv("a", {-1}, {4, 4, 16}, 12, 1, Random(16 * 12, -2, 2, 2)));
  net.layers.push_back(Selection("s", 0, {4, 4, 12}, {4, 5, 6, 7, 8, 9}));
  net.layers.push_back(Conv("b", {1}, {4, 4, 6}, 5, 3, Random(9 * 6 * 5, -2, 2, 3)));
  net.output = 2;
  return net;
}

int8_t Sat8(int64_t v) { return int8_t(std::clamp<int64_t>(v, -128, 127)); }

/// SliceNet's output from network.h's conv definition (identity requant: saturate to int8).
std::vector<int8_t> SliceNetReference(const Network& net) {
  const std::vector<int8_t>& x = net.inputs[0].data;
  std::vector<int8_t> w0(16 * 12), w2(9 * 6 * 5), a(16 * 12), y(16 * 5);
  net.layers[0].weights.copy(0, w0.size(), w0.data());
  net.layers[2].weights.copy(0, w2.size(), w2.data());
  for (int p = 0; p < 16; ++p)
    for (int m = 0; m < 12; ++m) {
      int64_t s = 0;
      for (int c = 0; c < 16; ++c) s += x[size_t(p * 16 + c)] * w0[size_t(c * 12 + m)];
      a[size_t(p * 12 + m)] = Sat8(s);
    }
  for (int h = 0; h < 4; ++h)
    for (int w = 0; w < 4; ++w)
      for (int n = 0; n < 5; ++n) {
        int64_t s = 0;
        for (int r = 0; r < 3; ++r)
          for (int q = 0; q < 3; ++q) {
            const int hh = h + r - 1, ww = w + q - 1;
            if (hh < 0 || hh >= 4 || ww < 0 || ww >= 4) continue;
            for (int j = 0; j < 6; ++j)
              s += a[size_t((hh * 4 + ww) * 12 + 4 + j)] * w2[size_t(((r * 3 + q) * 6 + j) * 5 + n)];
          }
        y[size_t((h * 4 + w) * 5 + n)] = Sat8(s);
      }
  return y;
}

TEST(Select, ChannelSelectionRecognizesCopiesOnly) {
  const Network net = SliceNet();
  EXPECT_EQ(channel_selection(net.layers[1]), (std::vector<int64_t>{4, 5, 6, 7, 8, 9}));
  EXPECT_TRUE(channel_selection(net.layers[0]).empty());  // weights other than 0/1
  NetworkLayer twice = net.layers[1];                     // channel 4 read by outputs 0 and 1
  std::vector<int8_t> w(12 * 6, 0);
  w[4 * 6 + 0] = w[4 * 6 + 1] = 1;
  for (int j = 2; j < 6; ++j) w[size_t((4 + j) * 6 + j)] = 1;
  twice.weights = Int8Values(w);
  EXPECT_TRUE(channel_selection(twice).empty());
  NetworkLayer biased = net.layers[1];
  biased.bias[2] = 1;
  EXPECT_TRUE(channel_selection(biased).empty());
  NetworkLayer scaled = net.layers[1];
  scaled.requant = {1u << 30, 31, 0};  // halves: not a copy
  EXPECT_TRUE(channel_selection(scaled).empty());
}

// The Slice is left out: b reads a's UB rows with a's channels 4..9 mapped to its rows 0..5, so b
// alone multiplies (9 Convolves, one per kernel position, each of the 4 output rows of 4 pixels),
// and s has no rows, no weights, no bias and no instructions.
TEST(Select, SliceReadInPlaceByAConv) {
  const ArchConfig cfg = SmallConfig();
  const Network net = SliceNet();
  const LoweringPlan plan = plan_lowering(net, cfg, network_policy(net, cfg));
  ASSERT_TRUE(plan.layers[1].read_in_place);
  EXPECT_TRUE(plan.tensor(1).read_in_place);
  EXPECT_FALSE(plan.layers[1].weighted);
  ASSERT_EQ(plan.layers[2].sources.size(), 1u);
  const PassSource& src = plan.layers[2].sources[0];
  EXPECT_EQ(src.tensor, 0);
  std::vector<int64_t> map(12, -1);
  for (int c = 4; c < 10; ++c) map[size_t(c)] = c - 4;
  EXPECT_EQ(src.channel_map, map);
  EXPECT_EQ(plan.layers[2].weight_tiles, 9u);  // 3x3 positions x one 16 x 16 tile
  EXPECT_EQ(plan.bias_rows, 2u * 4);           // a and b, 4 rows each (4 C / R)
  EXPECT_EQ(plan.useful_macs, net.layers[0].macs() + net.layers[2].macs());
  EXPECT_EQ(plan.tensor(0).last_use, 2);  // a lives until b reads it
  const LoweredProgram p = lower_plan(plan, cfg);
  // b's tiles: for position pos, row c of the tile is b's weight row (pos, c - 4) for c in 4..9.
  std::vector<int8_t> w2(9 * 6 * 5);
  net.layers[2].weights.copy(0, w2.size(), w2.data());
  const uint64_t b_base = plan.layers[2].weight_base;
  for (int pos = 0; pos < 9; ++pos)
    for (int c = 0; c < 16; ++c)
      for (int n = 0; n < 16; ++n) {
        const int8_t want = c >= 4 && c < 10 && n < 5 ? w2[size_t((pos * 6 + c - 4) * 5 + n)] : 0;
        ASSERT_EQ(int8_t(p.weight_image[b_base + uint64_t(pos) * 256 + uint64_t(c) * 16 + uint64_t(n)]), want)
            << pos << " " << c << " " << n;
      }
  int tag = -1, s_work = 0, b_convolves = 0;
  uint64_t b_rows = 0;
  for (const Instruction& in : p.program) {
    if (in.op == Opcode::SetConfig && in.reg == ConfigRegister::Tag) tag = in.value;
    const bool mxu = in.op == Opcode::MatrixMultiply || in.op == Opcode::Convolve;
    s_work += tag == 1 && (mxu || in.op == Opcode::Activate);
    if (tag == 2 && in.op == Opcode::Convolve) ++b_convolves, b_rows += in.rows * 4;
  }
  EXPECT_EQ(s_work, 0);
  EXPECT_EQ(b_convolves, 9);
  EXPECT_EQ(b_rows, 9u * 16);  // each position streams the 16 output pixels once
}

// The program is the one of a network without the Slice whose conv reads a directly with the
// weights folded by hand (rows 4..9 of 12 hold b's rows 0..5, the rest zero): the same
// instructions (but the per-layer tags) and the same weight image, so the same cycles.
TEST(Select, SliceReadInPlaceIsTheHandFoldedConv) {
  const ArchConfig cfg = SmallConfig();
  const Network net = SliceNet();
  Network folded = net;
  std::vector<int8_t> w2(9 * 6 * 5), w(9 * 12 * 5, 0);
  net.layers[2].weights.copy(0, w2.size(), w2.data());
  for (int pos = 0; pos < 9; ++pos)
    for (int j = 0; j < 6; ++j)
      for (int n = 0; n < 5; ++n) w[size_t((pos * 12 + 4 + j) * 5 + n)] = w2[size_t((pos * 6 + j) * 5 + n)];
  folded.layers[2] = Conv("b", {0}, {4, 4, 12}, 5, 3, w);
  folded.layers.erase(folded.layers.begin() + 1);
  folded.layers[1].inputs = {0};
  folded.output = 1;
  auto untagged = [](const LoweredProgram& p) {
    std::vector<std::string> text;
    for (const Instruction& in : p.program)
      if (!(in.op == Opcode::SetConfig && in.reg == ConfigRegister::Tag)) text.push_back(disassemble(in));
    return text;
  };
  const LoweredProgram a = lower_network(net, cfg), b = lower_network(folded, cfg);
  EXPECT_EQ(untagged(a), untagged(b));
  EXPECT_EQ(a.weight_image, b.weight_image);
  EXPECT_EQ(a.host_image, b.host_image);
}

// The whole run: b's output equals the reference computed above, 0 mismatches.
TEST(Select, SliceReadInPlaceRunsExactly) {
  const ArchConfig cfg = SmallConfig();
  Network net = SliceNet();
  net.golden = SliceNetReference(net);
  const RunResult r = run_simulation(cfg, net, RunOptions{});
  EXPECT_EQ(r.outputs, net.golden);
  EXPECT_EQ(r.compared, 16u * 5);
  EXPECT_EQ(r.mismatches, 0u);
}

// Not read in place: a selection read by a pool (the pool cannot re-map channels); a channel
// shuffle of 32 channels (two 16-channel tiles, g = 2) read by a depthwise 3x3 conv, where the fold
// costs more passes than the copy: the depthwise alone reads 2 diagonal tiles x 9 positions = 18,
// the copy 4 (every input tile feeds every output tile under the interleave), 22 in all, against
// 4 tile pairs x 9 = 36 folded. The same shuffle read by a 1x1 conv is left out (4 <= 4 + 4).
TEST(Select, CopiedWhereReadingInPlaceCannotServeOrCostsMore) {
  const ArchConfig cfg = SmallConfig();
  Network pooled = SliceNet();
  pooled.layers[2].op = LayerOp::MaxPool;
  pooled.layers[2].in_shape = pooled.layers[2].out_shape = {4, 4, 6};
  pooled.layers[2].kh = pooled.layers[2].kw = 1;
  pooled.layers[2].pad_top = pooled.layers[2].pad_left = pooled.layers[2].pad_bottom = pooled.layers[2].pad_right = 0;
  EXPECT_FALSE(plan_lowering(pooled, cfg, network_policy(pooled, cfg)).layers[1].read_in_place);

  std::vector<int> shuffle;  // output j * 2 + i = input i * 16 + j
  for (int j = 0; j < 16; ++j)
    for (int i = 0; i < 2; ++i) shuffle.push_back(i * 16 + j);
  Network net;
  net.name = "shuffle";
  net.samples = 1;
  net.inputs.push_back({"x", {4, 4, 32}, Random(4 * 4 * 32, -3, 3, 4)});
  net.layers.push_back(Selection("s", -1, {4, 4, 32}, shuffle));
  net.layers.push_back(Conv("dw", {0}, {4, 4, 32}, 32, 3, Random(9 * 32, -2, 2, 5), 32));
  net.output = 1;
  const LoweringPlan dw = plan_lowering(net, cfg, network_policy(net, cfg));
  EXPECT_FALSE(dw.layers[0].read_in_place);
  EXPECT_EQ(dw.layers[0].weight_tiles, 4u);
  EXPECT_EQ(dw.layers[1].weight_tiles, 18u);
  net.layers[1] = Conv("pw", {0}, {4, 4, 32}, 32, 1, Random(32 * 32, -2, 2, 6));
  const LoweringPlan pw = plan_lowering(net, cfg, network_policy(net, cfg));
  EXPECT_TRUE(pw.layers[0].read_in_place);
  EXPECT_EQ(pw.layers[1].weight_tiles, 4u);
}

}  // namespace
}  // namespace tpu
