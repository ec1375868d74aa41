// The operand formats on whole networks (scripts/make_operand_formats.py): the same three layers
// with int8 operands (formats_8x8), 16-bit activations (formats_8x16) and 16-bit activations and
// weights (formats_16x16) lowered and run side by side on one 16x16 chip each, in one simulation:
// every output bit exact against the reference's golden data, and each layer's MXU streaming
// cycles equal to the formula derived here, which makes the 8 x 16 layer take 2x and the 16 x 16
// layer 4x the cycles of the same layer in 8 x 8 (TPU paper, Sec. 2: half and quarter speed).
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/model_compare.h"

namespace tpu::test {
namespace {

const std::string kRoot = TPU_TLM_SOURCE_DIR;

/// Streaming cycles (rows entering the array) per tag, from a chip's block log and its program.
std::map<uint32_t, uint64_t> stream_cycles_by_tag(const Mxu& mxu, const LoweredProgram& p) {
  std::vector<uint32_t> tag_at(p.program.size());
  uint32_t tag = 0;
  for (size_t i = 0; i < p.program.size(); ++i) {
    const Instruction& in = p.program[i];
    if (in.op == Opcode::SetConfig && in.reg == ConfigRegister::Tag) tag = uint32_t(in.value);
    tag_at[i] = tag;
  }
  std::map<uint32_t, uint64_t> cycles;
  for (const Mxu::BlockTiming& b : mxu.block_log()) cycles[tag_at[b.index]] += b.stream_end - b.start;
  return cycles;
}

/// One network on its own chip.
struct FormatRun {
  Network net;
  LoweredProgram program;
  std::unique_ptr<ModelRun> run;
};

/// The formats networks `names`, lowered for configs/small.yaml and run in one simulation.
std::vector<FormatRun>& run_all(const std::vector<std::string>& names, ArchConfig* cfg) {
  init_time_resolution();
  *cfg = load_config(kRoot + "/configs/small.yaml");
  auto& runs = *new std::vector<FormatRun>(names.size());  // lives as long as the process (model_compare.h)
  for (size_t i = 0; i < names.size(); ++i) {
    runs[i].net = load_network(kRoot + "/traces/" + names[i] + "/workload.yaml");
    runs[i].program = lower_network(runs[i].net, *cfg);
    runs[i].run = std::make_unique<ModelRun>(ModelSpec(names[i], MxuModel::Analytic, {}), *cfg, runs[i].program);
  }
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc_core::sc_start();
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_TRUE(runs[i].run->host->finished()) << names[i];
    EXPECT_EQ(gather_output(runs[i].program, *cfg, runs[i].run->host->memory.data()), runs[i].net.golden)
        << names[i] << " against the golden outputs";
  }
  return runs;
}

/// The 8 x 8 passes (= weight tiles) of a weighted layer: one per kernel position, input channel
/// tile (R) and output tile (C). (Dense reads its H x W input through a window: the positions are
/// the pixels.)
uint64_t tiles_8x8(const Network& net, const NetworkLayer& l, const ArchConfig& cfg) {
  if (l.op != LayerOp::Conv && l.op != LayerOp::Dense) return 0;
  const TensorShape& x = net.shape_of(l.inputs[0]);
  const uint64_t k_tiles = (x.c + cfg.mxu.rows - 1) / cfg.mxu.rows;
  const uint64_t n_tiles = (l.out_shape.c + cfg.mxu.cols - 1) / cfg.mxu.cols;
  const uint64_t positions = l.op == LayerOp::Conv ? uint64_t(l.kh) * l.kw : uint64_t(x.h) * x.w;
  return positions * k_tiles * n_tiles;
}

/// The streaming cycles of a layer in 8 x 8: each pass streams one row per output pixel of every
/// sample (one stripe: the outputs fit the accumulators).
uint64_t passes_8x8(const Network& net, const NetworkLayer& l, const ArchConfig& cfg) {
  return tiles_8x8(net, l, cfg) * net.samples * l.out_shape.h * l.out_shape.w;
}

/// Checks every layer's streaming cycles: the 8 x 8 formula times the planes of its activations
/// and of its weights (2 for 16-bit each).
void expect_cycles(const FormatRun& r, const ArchConfig& cfg, const std::vector<uint64_t>& plane_factor) {
  const std::map<uint32_t, uint64_t> got = stream_cycles_by_tag(r.run->chip->mxu, r.program);
  for (size_t i = 0; i < r.net.layers.size(); ++i) {
    const NetworkLayer& l = r.net.layers[i];
    const auto it = got.find(uint32_t(i));
    const uint64_t cycles = it == got.end() ? 0 : it->second;
    EXPECT_EQ(cycles, passes_8x8(r.net, l, cfg) * plane_factor[i]) << r.net.name << " " << l.name;
  }
}

TEST(OperandFormats, Mode16x16TakesFourTimesTheCyclesOf8x8BitExact) {
  ArchConfig cfg;
  auto& runs = run_all({"formats_8x8", "formats_16x16"}, &cfg);
  // conv1 reads the int8 input (8 x 8 in both); conv2 and fc read 16-bit activations with 16-bit
  // weights in formats_16x16: 2 x 2 plane passes.
  expect_cycles(runs[0], cfg, {1, 1, 1});
  expect_cycles(runs[1], cfg, {1, 4, 4});
  const auto a = stream_cycles_by_tag(runs[0].run->chip->mxu, runs[0].program);
  const auto b = stream_cycles_by_tag(runs[1].run->chip->mxu, runs[1].program);
  EXPECT_EQ(b.at(1), 4 * a.at(1)) << "conv2: 16 x 16 against 8 x 8";
  EXPECT_EQ(b.at(2), 4 * a.at(2)) << "fc: 16 x 16 against 8 x 8";
  // Twice the weight traffic where the weights are 16-bit: conv2's and fc's tiles, each two planes.
  const auto tiles = [](const FormatRun& r) {
    return r.run->chip->report()["weight_fifo"]["tiles_fetched"].get<uint64_t>();
  };
  const Network& net = runs[0].net;
  const uint64_t conv1 = tiles_8x8(net, net.layers[0], cfg),
                 rest = tiles_8x8(net, net.layers[1], cfg) + tiles_8x8(net, net.layers[2], cfg);
  EXPECT_EQ(tiles(runs[0]), conv1 + rest);
  EXPECT_EQ(tiles(runs[1]), conv1 + 2 * rest);
}

TEST(OperandFormats, Mode8x16TakesTwiceTheCyclesOf8x8BitExact) {
  ArchConfig cfg;
  auto& runs = run_all({"formats_8x8", "formats_8x16"}, &cfg);
  // conv2 reads conv1's int16 output with int8 weights: 2 plane passes; fc reads int8 again.
  expect_cycles(runs[1], cfg, {1, 2, 1});
  const auto a = stream_cycles_by_tag(runs[0].run->chip->mxu, runs[0].program);
  const auto b = stream_cycles_by_tag(runs[1].run->chip->mxu, runs[1].program);
  EXPECT_EQ(b.at(1), 2 * a.at(1));
  // The UB holds conv1's int16 output as two byte planes: twice its rows.
  EXPECT_GT(runs[1].program.ub_rows_used, runs[0].program.ub_rows_used);
}

TEST(OperandFormats, Uint8TensorsBitExact) {
  ArchConfig cfg;
  auto& runs = run_all({"formats_uint8"}, &cfg);
  expect_cycles(runs[0], cfg, {1, 1, 1, 1, 1, 1});  // the weighted layers in 8 x 8 (pools and add: 0 passes)
}

}  // namespace
}  // namespace tpu::test
