// Tests of the lowering's steps one by one (steps.h): the plan of a small dense MLP (tiles, bias
// rows, weight layout, batches), its allocation (UB sets, accumulator buffers, stripes), the
// weight and host images, the emission against lower(); a network's first-fit allocation, its
// accumulator stripes and allocation errors naming the tensor. No simulation runs here.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <systemc>

#include "common/test_util.h"
#include "config/config.h"
#include "lowering/lowering.h"
#include "lowering/steps.h"

namespace {

using namespace tpu;
using tpu::test::Contains;
using tpu::test::ErrorOf;

const std::string kSourceDir = TPU_TLM_SOURCE_DIR;

uint64_t CeilDiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

ArchConfig SmallConfig() { return load_config(kSourceDir + "/configs/small.yaml"); }

// A random dense MLP with the given widths (widths[0] = features).
Workload Mlp(const std::vector<uint32_t>& widths, uint32_t samples, uint32_t batch) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> i8(-127, 127);
  Workload w;
  w.name = "steps";
  w.batch = batch;
  w.samples = samples;
  w.features = widths[0];
  for (size_t i = 0; i < size_t(samples) * widths[0]; ++i) w.inputs.push_back(int8_t(i8(rng)));
  for (size_t l = 0; l + 1 < widths.size(); ++l) {
    DenseLayer d;
    d.name = "fc" + std::to_string(l + 1);
    d.inputs = widths[l];
    d.outputs = widths[l + 1];
    for (size_t i = 0; i < size_t(d.inputs) * d.outputs; ++i) d.weights.held().push_back(int8_t(i8(rng)));
    for (uint32_t n = 0; n < d.outputs; ++n) d.bias.push_back(int32_t(1000 * l + n));
    d.requant = {1 << 30, 40, 0};
    w.layers.push_back(std::move(d));
  }
  return w;
}

const std::vector<uint32_t> kWidths = {37, 50, 23, 7};  // none a multiple of 16

// The plan: tiles ceil(width / R), 4 bias rows per output tile, weight tiles out x in per layer.
TEST(LoweringSteps, PlanOfADenseMlp) {
  const ArchConfig cfg = SmallConfig();
  const uint64_t R = 16;
  ASSERT_EQ(cfg.mxu.rows, R);
  const Workload w = Mlp(kWidths, 70, 32);
  const Network net = dense_network(w);
  ASSERT_EQ(net.layers.size(), 3u);
  EXPECT_EQ(net.layers[1].inputs, std::vector<int>{0});
  const LoweringPlan plan = plan_lowering(net, cfg, dense_mlp_policy(w, cfg, 0));
  ASSERT_EQ(plan.tensors.size(), kWidths.size());
  uint64_t bias_rows = 0, weight_bytes = 0, macs = 0;
  for (size_t t = 0; t < kWidths.size(); ++t) {
    EXPECT_EQ(plan.tensors[t].tiles, CeilDiv(kWidths[t], R)) << t;
    EXPECT_EQ(plan.tensors[t].rows_per_sample, CeilDiv(kWidths[t], R)) << t;
  }
  for (size_t l = 0; l + 1 < kWidths.size(); ++l) {
    const PlannedLayer& p = plan.layers[l];
    const uint64_t in = CeilDiv(kWidths[l], R), out = CeilDiv(kWidths[l + 1], R);
    EXPECT_TRUE(p.weighted);
    EXPECT_EQ(p.out_tiles, out);
    EXPECT_EQ(p.bias_row, bias_rows) << l;
    EXPECT_EQ(p.weight_tiles, out * in) << l;
    EXPECT_EQ(p.weight_base, weight_bytes) << l;
    bias_rows += 4 * out;
    weight_bytes += out * in * R * R;
    macs += uint64_t(kWidths[l]) * kWidths[l + 1] * 70;
  }
  EXPECT_EQ(plan.bias_rows, 28u);  // by hand: 4 x (4 + 2 + 1)
  EXPECT_EQ(plan.bias_rows, bias_rows);
  EXPECT_EQ(plan.weight_image_bytes, weight_bytes);
  EXPECT_EQ(plan.useful_macs, macs);
  ASSERT_EQ(plan.batches.size(), 3u);
  EXPECT_EQ(plan.batches[2].first_sample, 64u);
  EXPECT_EQ(plan.batches[2].samples, 6u);
}

// Allocation: the bias rows, then two sets of every tensor's tiles x batch rows; accumulator
// buffers of a batch; one stripe per layer and batch.
TEST(LoweringSteps, AllocationOfADenseMlp) {
  const ArchConfig cfg = SmallConfig();
  const uint64_t R = 16, B = 32;
  const Workload w = Mlp(kWidths, 70, uint32_t(B));
  const Network net = dense_network(w);
  const LoweringPlan plan = plan_lowering(net, cfg, dense_mlp_policy(w, cfg, 0));
  const Allocation a = allocate(plan, cfg);
  uint64_t tiles_per_set = 0;
  for (uint32_t width : kWidths) tiles_per_set += CeilDiv(width, R);
  const uint64_t set_rows = tiles_per_set * B;
  ASSERT_EQ(a.ub_base.size(), 2u);
  for (uint64_t set = 0; set < 2; ++set) {
    uint64_t row = 28 + set * set_rows;
    for (size_t t = 0; t < kWidths.size(); ++t) {
      EXPECT_EQ(a.ub_base[set][t], row) << "set " << set << " tensor " << t;
      row += CeilDiv(kWidths[t], R) * B;
    }
  }
  EXPECT_EQ(a.base(2, 0), a.ub_base[0][0]);  // batch 2 uses set 0 again
  EXPECT_EQ(a.ub_rows_used, 28 + 2 * set_rows);
  EXPECT_TRUE(a.acc_double);  // 2 x 32 <= 512
  EXPECT_EQ(a.acc_buffer_rows, B);
  EXPECT_EQ(a.acc_rows_used, 2 * B);
  ASSERT_EQ(a.stripes.size(), 3u * 3u);
  for (size_t s = 0; s < a.stripes.size(); ++s) {
    EXPECT_EQ(a.stripes[s].batch, s / 3);
    EXPECT_EQ(a.stripes[s].layer, int(s % 3));
    EXPECT_EQ(a.stripes[s].g0, 0u);
    EXPECT_EQ(a.stripes[s].rows, plan.batches[s / 3].samples);
  }
}

// The weight image (tile j, k of a layer: W[k*R + r][j*R + c] at byte r*R + c) and the host
// image (bias rows; a batch's input tile k, sample s at ((k * samples) + s) * R).
TEST(LoweringSteps, WeightAndHostImages) {
  const ArchConfig cfg = SmallConfig();
  const uint64_t R = 16;
  Workload w = Mlp(kWidths, 70, 32);
  w.layers[0].weights.held()[36 * 50 + 19] = -77;  // W[36][19]: tile j = 1, k = 2, row 4, column 3
  const Network net = dense_network(w);
  const LoweringPlan plan = plan_lowering(net, cfg, dense_mlp_policy(w, cfg, 0));
  LoweredProgram p;
  place_weights(plan, cfg, p);
  ASSERT_EQ(p.weight_image.size(), plan.weight_image_bytes);
  EXPECT_EQ(int8_t(p.weight_image[(1 * 3 + 2) * R * R + 4 * R + 3]), -77);
  EXPECT_EQ(p.weight_image[(1 * 3 + 2) * R * R + 5 * R + 3], 0);  // row 37: padding
  const HostLayout h = layout_host(plan, cfg, p);
  ASSERT_EQ(p.batches.size(), 3u);
  int32_t bias = 0;
  std::memcpy(&bias, &p.host_image[(16 + (20 / R) * 4) * R + (20 % R) * 4], 4);  // layer 1 (bias row 16), value 20
  EXPECT_EQ(bias, 1020);
  EXPECT_EQ(h.input_addr[0][0], 28 * R);
  EXPECT_EQ(h.output_addr[0], 28 * R + 3 * 32 * R);
  EXPECT_EQ(h.input_addr[1][0], h.output_addr[0] + 1 * 32 * R);
  EXPECT_EQ(p.batches[1].input_host_addr, h.input_addr[1][0]);
  const uint64_t s = 5, f = 33;  // batch 1, sample 5, feature 33: tile 2
  EXPECT_EQ(int8_t(p.host_image[h.input_addr[1][0] + ((f / R) * 32 + s) * R + f % R]), w.inputs[(32 + s) * 37 + f]);
}

// The steps one by one give lower()'s program; gather_output reads the layout back.
TEST(LoweringSteps, StepsMakeLowersProgram) {
  const ArchConfig cfg = SmallConfig();
  const Workload w = Mlp(kWidths, 70, 32);
  const Network net = dense_network(w);
  const LoweringPlan plan = plan_lowering(net, cfg, dense_mlp_policy(w, cfg, 0));
  const Allocation a = allocate(plan, cfg);
  LoweredProgram p;
  place_weights(plan, cfg, p);
  const HostLayout h = layout_host(plan, cfg, p);
  emit_program(plan, a, h, cfg, p);
  const LoweredProgram q = lower(w, cfg, 0);
  ASSERT_EQ(p.program.size(), q.program.size());
  for (size_t i = 0; i < p.program.size(); ++i)
    EXPECT_EQ(disassemble(p.program[i]), disassemble(q.program[i])) << "instruction " << i;
  EXPECT_EQ(p.host_image, q.host_image);
  EXPECT_TRUE(p.weight_image == q.weight_image);
  EXPECT_TRUE(p.layers.empty());
  // Output n of sample s of batch 2 (6 samples) at ((n / R) * 6 + s) * R + n % R.
  std::vector<uint8_t> host = p.host_image;
  host[p.batches[2].output_host_addr + (0 * 6 + 4) * 16 + 6] = uint8_t(-9);
  const std::vector<int8_t> out = gather_output(p, cfg, host.data());
  ASSERT_EQ(out.size(), 70u * 7u);
  EXPECT_EQ(out[(64 + 4) * 7 + 6], -9);
}

// A network built in memory: input x (H x W x 16), then `ops` layers each reading the previous one.
Network Chain(TensorShape x, const std::vector<LayerOp>& ops) {
  Network net;
  net.name = "chain";
  net.samples = 1;
  net.inputs.push_back({"x", x, std::vector<int8_t>(x.elements())});
  for (size_t i = 0; i < ops.size(); ++i) {
    NetworkLayer l;
    l.name = "l" + std::to_string(i);
    l.op = ops[i];
    l.inputs = {int(i) - 1};
    l.in_shape = l.out_shape = x;
    if (l.op == LayerOp::Conv) l.weights = Int8Values(std::vector<int8_t>(x.c * x.c)), l.bias.assign(x.c, 0);
    net.layers.push_back(l);
  }
  net.output = int(ops.size()) - 1;
  return net;
}

// First fit: a tensor no later layer reads gives its rows to the next layer's output.
TEST(LoweringSteps, FirstFitReusesDeadTensors) {
  const ArchConfig cfg = SmallConfig();
  const Network net = Chain({10, 10, 16}, {LayerOp::MaxPool, LayerOp::MaxPool, LayerOp::MaxPool});
  const LoweringPlan plan = plan_lowering(net, cfg, network_policy(net, cfg));
  EXPECT_EQ(plan.bias_rows, 0u);
  const Allocation a = allocate(plan, cfg);
  ASSERT_EQ(a.ub_base.size(), 1u);
  EXPECT_EQ(a.base(0, plan.tensor_index(-1)), 0u);   // x
  EXPECT_EQ(a.base(0, plan.tensor_index(0)), 100u);  // l0
  EXPECT_EQ(a.base(0, plan.tensor_index(1)), 0u);    // l1 in x's rows (x dead after l0)
  EXPECT_EQ(a.base(0, plan.tensor_index(2)), 100u);  // l2 in l0's rows
  EXPECT_EQ(a.ub_rows_used, 200u);
}

// A conv's output rows in stripes that fit half the accumulators: per = half / Q rows.
TEST(LoweringSteps, NetworkStripesFitHalfTheAccumulators) {
  const ArchConfig cfg = SmallConfig();
  ASSERT_EQ(cfg.accumulators.rows, 512u);
  const Network net = Chain({40, 50, 16}, {LayerOp::Conv});
  const LoweringPlan plan = plan_lowering(net, cfg, network_policy(net, cfg));
  EXPECT_EQ(plan.bias_rows, 4u);
  EXPECT_EQ(plan.layers[0].weight_tiles, 1u);
  EXPECT_FALSE(plan.layers[0].windowed);  // 1x1, unit stride: MatrixMultiply
  const Allocation a = allocate(plan, cfg);
  const uint64_t half = 256, per = half / 50;  // 5 output rows of 50 pixels
  ASSERT_EQ(a.stripes.size(), CeilDiv(40, per));
  for (size_t s = 0; s < a.stripes.size(); ++s) EXPECT_EQ(a.stripes[s].g0, s * per);
  EXPECT_EQ(a.acc_buffer_rows, half);
  EXPECT_EQ(a.acc_rows_used, half + per * 50);  // the second half's last block
}

// Allocation errors name the tensor (and the layer), its shape and the rows.
TEST(LoweringSteps, AllocationErrorsNameTheTensor) {
  const ArchConfig cfg = SmallConfig();
  ASSERT_EQ(cfg.ub_rows(), 4096u);
  const Network big = Chain({100, 50, 16}, {LayerOp::MaxPool});  // x: 5000 rows
  const LoweringPlan p1 = plan_lowering(big, cfg, network_policy(big, cfg));
  const std::string m1 = ErrorOf("tpu/lowering", [&] { allocate(p1, cfg); });
  EXPECT_TRUE(Contains(m1, "network chain on config " + cfg.name +
                               ": tensor x (100x50x16 x 1 images) needs 5000 "
                               "Unified Buffer rows; the largest free block is 4096"))
      << m1;
  Network two = Chain({40, 50, 16}, {LayerOp::MaxPool, LayerOp::Add});  // x and l0 live when l1 starts
  two.layers[1].inputs = {-1, 0};
  const LoweringPlan p2 = plan_lowering(two, cfg, network_policy(two, cfg));
  const std::string m2 = ErrorOf("tpu/lowering", [&] { allocate(p2, cfg); });
  EXPECT_TRUE(Contains(m2,
                       ", layer l1: tensor l1 (40x50x16 x 1 images) needs 2000 Unified Buffer rows; "
                       "the largest free block is 96"))
      << m2;
  // A dense MLP's double-buffered sets: the need and the largest batch that fits.
  const Workload w = Mlp(kWidths, 300, 250);
  const Network net = dense_network(w);
  const LoweringPlan p3 = plan_lowering(net, cfg, dense_mlp_policy(w, cfg, 0));
  const std::string m3 = ErrorOf("tpu/lowering", [&] { allocate(p3, cfg); });
  EXPECT_TRUE(Contains(m3,
                       "with batch 250: needs 5028 Unified Buffer rows, the chip has 4096; the largest batch "
                       "that fits is 203"))
      << m3;
}

}  // namespace

namespace {

// Layouts (choose_layouts, steps.h): on the 16-byte rows of configs/small.yaml a tensor of C <= 8
// channels packs with G = the smallest divisor of 16 >= C, P = 16 / G pixels a row; wider ones
// keep one pixel a row. x is 10 x 10 = 100 pixels: ceil(100 / P) rows.
TEST(LoweringSteps, LayoutsPackNarrowTensors) {
  const ArchConfig cfg = SmallConfig();
  const struct {
    uint32_t c;
    uint64_t group, rows;
  } cases[] = {{1, 1, 7}, {2, 2, 13}, {3, 4, 25}, {4, 4, 25}, {5, 8, 50}, {8, 8, 50}, {9, 0, 100}, {16, 0, 100}};
  for (const auto& k : cases) {
    const Network net = Chain({10, 10, k.c}, {LayerOp::MaxPool});
    const LoweringPlan plan = plan_lowering(net, cfg, network_policy(net, cfg));
    EXPECT_EQ(plan.tensor(-1).group, k.group) << k.c << " channels";
    EXPECT_EQ(plan.tensor(-1).rows(1, plan.R), k.rows) << k.c << " channels";
    EXPECT_EQ(plan.tensor(0).group, k.group) << k.c << " channels (the pool's output)";
  }
  // A dense MLP's policy (whole host rows) packs nothing.
  const Workload w = Mlp({4, 3}, 8, 8);
  const Network mlp = dense_network(w);
  const LoweringPlan p = plan_lowering(mlp, cfg, dense_mlp_policy(w, cfg, 0));
  for (const PlannedTensor& t : p.tensors) EXPECT_EQ(t.group, 0u) << t.name;
}

// A Vector's inputs and output share one layout; a broadcast Vector's stay one pixel a row (row i
// of b meets the rows of one image), and so does every tensor sharing a layout with them.
TEST(LoweringSteps, VectorOperandsShareALayout) {
  const ArchConfig cfg = SmallConfig();
  Network net = Chain({4, 4, 8}, {LayerOp::MaxPool, LayerOp::Add, LayerOp::MaxPool, LayerOp::Mul});
  net.layers[1].inputs = {-1, 0};  // l1 = x + l0
  net.inputs.push_back({"s", {1, 1, 8}, std::vector<int8_t>(8)});
  net.layers[3].inputs = {2, -2};  // l3 = l2 * s, s broadcast over l2's 4 x 4
  const LoweringPlan plan = plan_lowering(net, cfg, network_policy(net, cfg));
  for (int t : {-1, 0, 1}) EXPECT_EQ(plan.tensor(t).group, 8u) << plan.tensor(t).name;
  for (int t : {2, 3, -2}) EXPECT_EQ(plan.tensor(t).group, 0u) << plan.tensor(t).name;
}

// A packed tensor that still does not fit: the error names it, its rows and its packing.
TEST(LoweringSteps, PackedAllocationErrorNamesTheTensor) {
  const ArchConfig cfg = SmallConfig();
  const Network net = Chain({200, 200, 3}, {LayerOp::MaxPool});  // 40,000 pixels, 4 a row
  const LoweringPlan plan = plan_lowering(net, cfg, network_policy(net, cfg));
  const std::string m = ErrorOf("tpu/lowering", [&] { allocate(plan, cfg); });
  EXPECT_TRUE(Contains(m,
                       "tensor x (200x200x3 x 1 images) needs 10000 Unified Buffer rows (packed: 4 pixels of 4 "
                       "bytes a row); the largest free block is 4096"))
      << m;
}

}  // namespace

namespace {

// x (4 x 4 x 16) -> a = conv (3 channels), b = conv (5 channels) -> cat = [a, b] as the importer
// writes an exact Concat (1x1 conv, weight[c][m] = (c == m), zero bias, identity requant) -> pool.
Network ConcatNet() {
  Network net = Chain({4, 4, 16}, {LayerOp::Conv, LayerOp::Conv, LayerOp::Conv, LayerOp::MaxPool});
  auto conv = [&](size_t i, uint32_t m, std::vector<int> in, uint32_t c) {
    NetworkLayer& l = net.layers[i];
    l.inputs = std::move(in);
    l.in_shape.c = c;
    l.out_shape.c = m;
    l.weights = Int8Values(std::vector<int8_t>(size_t(c) * m, 1));
    l.bias.assign(m, 0);
  };
  conv(0, 3, {-1}, 16);
  conv(1, 5, {-1}, 16);
  conv(2, 8, {0, 1}, 8);
  std::vector<int8_t> eye(64, 0);
  for (int c = 0; c < 8; ++c) eye[size_t(c) * 8 + size_t(c)] = 1;
  net.layers[2].weights = Int8Values(eye);
  net.layers[3].inputs = {2};
  net.layers[3].in_shape = net.layers[3].out_shape = {4, 4, 8};
  return net;
}

// Copy-free Concat (placed_concat): the producers' tensors live in the concat's rows at channel
// offsets 0 and 3; the concat has no passes, weights or bias, and its MACs are not counted.
TEST(LoweringSteps, ExactConcatIsPlacedByItsProducers) {
  const ArchConfig cfg = SmallConfig();
  const Network net = ConcatNet();
  const LoweringPlan plan = plan_lowering(net, cfg, network_policy(net, cfg));
  EXPECT_TRUE(plan.layers[2].placed);
  EXPECT_FALSE(plan.layers[2].weighted);
  EXPECT_EQ(plan.layers[2].weight_tiles, 0u);
  EXPECT_EQ(plan.tensor(0).placed_in, 2);
  EXPECT_EQ(plan.tensor(0).channel_offset, 0u);
  EXPECT_EQ(plan.tensor(1).placed_in, 2);
  EXPECT_EQ(plan.tensor(1).channel_offset, 3u);
  EXPECT_EQ(plan.bias_rows, 2u * 4);  // a and b only, ceil(4 C / R) = 4 rows each on small.yaml
  EXPECT_EQ(plan.useful_macs, (net.layers[0].macs() + net.layers[1].macs()) * net.samples);
  const Allocation a = allocate(plan, cfg);
  EXPECT_EQ(a.base(0, plan.tensor_index(0)), a.base(0, plan.tensor_index(2)));
  EXPECT_EQ(a.base(0, plan.tensor_index(1)), a.base(0, plan.tensor_index(2)));
  const LoweredProgram p = lower_plan(plan, cfg);
  int tag = -1, producer_activates = 0;  // the concat's layer (tag 2) emits no pass and no Activate
  for (const Instruction& in : p.program) {
    if (in.op == Opcode::SetConfig && in.reg == ConfigRegister::Tag) tag = in.value;
    const bool work = in.op == Opcode::MatrixMultiply || in.op == Opcode::Convolve || in.op == Opcode::Activate;
    EXPECT_FALSE(tag == 2 && work) << disassemble(in);
    producer_activates += (tag == 0 || tag == 1) && in.op == Opcode::Activate;
  }
  EXPECT_EQ(producer_activates, 2);
}

// Not placed: a nonzero bias (not an exact copy), a producer read by another layer too.
TEST(LoweringSteps, InexactOrSharedConcatIsCopied) {
  const ArchConfig cfg = SmallConfig();
  Network biased = ConcatNet();
  biased.layers[2].bias[4] = 1;
  EXPECT_FALSE(plan_lowering(biased, cfg, network_policy(biased, cfg)).layers[2].placed);
  Network shared = ConcatNet();
  shared.layers[3].op = LayerOp::Add;  // reads a as well
  shared.layers[3].inputs = {2, 2};
  shared.layers.push_back(shared.layers[0]);
  shared.layers.back().name = "l4";
  shared.layers.back().inputs = {0};
  shared.output = 4;
  EXPECT_FALSE(plan_lowering(shared, cfg, network_policy(shared, cfg)).layers[2].placed);
}

}  // namespace
