// pixel_concat and pixel_slice (network.h; ViT's class token before the patch sequence, and its
// x[:, 0]): the manifest's shapes and errors, and whole runs whose golden output is worked out
// here by indexing the input bytes as network.h defines the two ops (two samples, one and two
// channel tiles, a channel count that would otherwise be packed in lane groups). One simulation
// per test case (process).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/temp_path.h"
#include "common/test_util.h"
#include "config/config.h"
#include "manifest/network.h"
#include "runtime/simulation.h"

namespace tpu {
namespace {

using test::Contains;

const std::string kRoot = TPU_TLM_SOURCE_DIR;
constexpr int kSamples = 2, kH = 2, kW = 3;  // img [2, 3, C]; tok [1, 1, C]; cat 7 pixels
constexpr int kFirst = 2, kCount = 3;        // sl: pixels 2 .. 4 of cat

// A manifest of inputs img, tok (bytes written here) and cat = pixel_concat [tok, img],
// sl = pixel_slice of cat (the output); `edit` replaces the layer lines.
class PixelCopy : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::test_temp_path("tpu_pixel_copy_");
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  /// Byte k of input `salt`: a pattern that differs between inputs, samples, pixels and channels.
  static int8_t byte(int salt, size_t k) { return int8_t((k * 37 + size_t(salt) * 101 + k / 7) % 256); }

  std::string Write(uint32_t C, const std::string& layers = "") {
    img_.resize(size_t(kSamples) * kH * kW * C);
    tok_.resize(size_t(kSamples) * C);
    for (size_t k = 0; k < img_.size(); ++k) img_[k] = byte(1, k);
    for (size_t k = 0; k < tok_.size(); ++k) tok_[k] = byte(2, k);
    std::ofstream((dir_ / "img.i8").string(), std::ios::binary)
        .write(reinterpret_cast<const char*>(img_.data()), std::streamsize(img_.size()));
    std::ofstream((dir_ / "tok.i8").string(), std::ios::binary)
        .write(reinterpret_cast<const char*>(tok_.data()), std::streamsize(tok_.size()));
    const std::string c = std::to_string(C), path = (dir_ / "net.yaml").string();
    std::ofstream(path) << "format: network\nname: t\nsamples: " << kSamples << "\ninputs:\n"
                        << "  - {name: img, shape: [" << kH << ", " << kW << ", " << c << "], file: img.i8}\n"
                        << "  - {name: tok, shape: [1, 1, " << c << "], file: tok.i8}\n"
                        << "layers:\n"
                        << (layers.empty() ? "  - {name: cat, op: pixel_concat, inputs: [tok, img]}\n"
                                             "  - {name: sl, op: pixel_slice, input: cat, pixels: [2, 3]}\n"
                                           : layers);
    return path;
  }
  std::string Error(const std::string& layers) {
    const std::string path = Write(5, layers);
    return test::ErrorOf("tpu/workload", [&] { load_network(path); });
  }

  /// network.h: cat pixel 0 = tok, pixel 1 + h W + w = img[h][w]; sl pixel p = cat pixel kFirst + p.
  std::vector<int8_t> Expected(uint32_t C) const {
    std::vector<int8_t> out;
    for (int n = 0; n < kSamples; ++n)
      for (int p = kFirst; p < kFirst + kCount; ++p)
        for (uint32_t c = 0; c < C; ++c)
          out.push_back(p == 0 ? tok_[size_t(n) * C + c] : img_[(size_t(n) * kH * kW + size_t(p - 1)) * C + c]);
    return out;
  }

  /// Runs the manifest of C channels with `expected` as its golden file; checks every value.
  void Run(uint32_t C) {
    const std::string path = Write(C);
    const std::vector<int8_t> want = Expected(C);
    std::ofstream((dir_ / "golden.i8").string(), std::ios::binary)
        .write(reinterpret_cast<const char*>(want.data()), std::streamsize(want.size()));
    std::ofstream(path, std::ios::app) << "golden: golden.i8\n";
    init_time_resolution();
    const ArchConfig cfg = load_config(kRoot + "/configs/tpu_v1.yaml");
    const Network net = load_network(path);
    const RunResult r = run_simulation(cfg, net, RunOptions());
    EXPECT_EQ(r.compared, want.size());
    EXPECT_EQ(r.mismatches, 0u);
    EXPECT_EQ(r.outputs, want);
    // One Vector per input, channel tile and sample (the concat), one per tile and sample (the slice).
    const uint64_t tiles = (C + cfg.mxu.rows - 1) / cfg.mxu.rows;
    uint64_t vectors = 0;
    for (const Instruction& in : r.lowered.program) vectors += in.op == Opcode::Vector;
    EXPECT_EQ(vectors, tiles * kSamples * 2 + tiles * kSamples);
  }

  std::filesystem::path dir_;
  std::vector<int8_t> img_, tok_;
};

TEST_F(PixelCopy, ShapesLoad) {
  const Network net = load_network(Write(5));
  ASSERT_EQ(net.layers.size(), 2u);
  EXPECT_EQ(net.layers[0].op, LayerOp::PixelConcat);
  EXPECT_TRUE(net.layers[0].out_shape == (TensorShape{7, 1, 5}));
  EXPECT_EQ(net.layers[1].op, LayerOp::PixelSlice);
  EXPECT_EQ(net.layers[1].pixel_first, 2u);
  EXPECT_TRUE(net.layers[1].out_shape == (TensorShape{3, 1, 5}));
  EXPECT_EQ(net.macs_per_sample(), 0u);
}

TEST_F(PixelCopy, ErrorsNameTheLayerAndKey) {
  EXPECT_TRUE(Contains(Error("  - {name: cat, op: pixel_concat, inputs: [tok]}\n"),
                       "a pixel_concat layer reads at least two tensors"));
  EXPECT_TRUE(Contains(Error("  - {name: sl, op: pixel_slice, input: img, pixels: [4, 3]}\n"),
                       "layers[0] (sl).pixels: [first, count] = [4, 3] must have count >= 1 and first + count <= "
                       "the input's 6 pixels (2x3x5)"));
  EXPECT_TRUE(Contains(Error("  - {name: sl, op: pixel_slice, input: img, pixels: [0, 0]}\n"), "(sl).pixels"));
  EXPECT_TRUE(Contains(Error("  - {name: sl, op: pixel_slice, input: img}\n"), "(sl).pixels"));
  EXPECT_TRUE(Contains(Error("  - {name: c, op: conv, input: img, outputs: 4, kernel: [1, 1], weights: {random_seed: "
                             "1}, requant: {multiplier: 1, shift: 1}}\n"
                             "  - {name: cat, op: pixel_concat, inputs: [tok, c]}\n"),
                       "(cat).inputs: the inputs of a pixel_concat need the same channels and element type, got "
                       "1x1x5 int8 and 2x3x4 int8"));
  EXPECT_TRUE(Contains(Error("  - {name: cat, op: pixel_concat, inputs: [tok, img], requant: {multiplier: 1, "
                             "shift: 1}}\n"),
                       "a pixel_concat layer does not take requant"));
}

TEST_F(PixelCopy, OneTileTwoSamplesBitExact) { Run(5); }  // 5 channels: unpacked nevertheless

TEST_F(PixelCopy, TwoTilesTwoSamplesBitExact) { Run(300); }

}  // namespace
}  // namespace tpu
