// Tests of the workload loader (the shipped manifests, strict parsing and its error messages)
// and of the lowering of dense layers into a TPU program (counts, flags, memory layouts and
// errors). No simulation runs here.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <systemc>

#include "common/test_util.h"
#include "config/config.h"
#include "isa/isa.h"
#include "lowering/lowering.h"
#include "manifest/workload.h"

namespace {

using tpu::ActivationFunction;
using tpu::ArchConfig;
using tpu::DenseLayer;
using tpu::Instruction;
using tpu::LoweredProgram;
using tpu::Opcode;
using tpu::Workload;

const std::string kSourceDir = TPU_TLM_SOURCE_DIR;

using tpu::test::Contains;
using tpu::test::ErrorOf;

// The raw bytes of a file, read independently of the loader.
std::vector<uint8_t> ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Little-endian int32 values of a file.
std::vector<int32_t> ReadInt32(const std::string& path) {
  const std::vector<uint8_t> b = ReadBytes(path);
  EXPECT_EQ(b.size() % 4, 0u) << path;
  std::vector<int32_t> out(b.size() / 4);
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = int32_t(uint32_t(b[4 * i]) | uint32_t(b[4 * i + 1]) << 8 | uint32_t(b[4 * i + 2]) << 16 |
                     uint32_t(b[4 * i + 3]) << 24);
  return out;
}

// Reinterprets int8 data as bytes for comparison with ReadBytes().
template <typename T>
std::vector<uint8_t> AsBytes(const std::vector<T>& v) {
  std::vector<uint8_t> out(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(out.data(), v.data(), out.size());
  return out;
}

// ---------------------------------------------------------------------------------------------
// The shipped workloads.

// What a manifest says about one layer.
struct ExpectedLayer {
  const char* name;
  uint32_t inputs, outputs;
  ActivationFunction function;
  uint32_t multiplier, shift;
  int32_t zero_point;
};

// Checks the layers of `w` against `expected` and against the raw data files in `dir`.
void CheckLayers(const Workload& w, const std::string& dir, const std::vector<ExpectedLayer>& expected) {
  ASSERT_EQ(w.layers.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE("layer " + std::to_string(i));
    const DenseLayer& l = w.layers[i];
    const ExpectedLayer& e = expected[i];
    EXPECT_EQ(l.name, e.name);
    EXPECT_EQ(l.inputs, e.inputs);
    EXPECT_EQ(l.outputs, e.outputs);
    EXPECT_EQ(l.function, e.function);
    EXPECT_EQ(l.requant.multiplier, e.multiplier);
    EXPECT_EQ(l.requant.shift, e.shift);
    EXPECT_EQ(l.requant.zero_point, e.zero_point);
    const std::vector<uint8_t> raw_w = ReadBytes(dir + "/" + e.name + ".w.i8");
    EXPECT_EQ(raw_w.size(), size_t(e.inputs) * e.outputs);
    EXPECT_EQ(AsBytes(l.weights.values()), raw_w);
    const std::vector<int32_t> raw_b = ReadInt32(dir + "/" + e.name + ".b.i32");
    EXPECT_EQ(raw_b.size(), size_t(e.outputs));
    EXPECT_EQ(l.bias, raw_b);
  }
}

TEST(Workload, DigitsMatchesItsManifest) {
  const std::string dir = kSourceDir + "/traces/digits";
  const Workload w = tpu::load_workload(dir + "/workload.yaml");
  EXPECT_EQ(w.name, "digits-mlp");
  EXPECT_EQ(w.description, "scikit-learn digits (8x8), MLP 64-128-64-10 ReLU, int8 per-tensor symmetric");
  EXPECT_EQ(w.source_file, dir + "/workload.yaml");
  EXPECT_EQ(w.batch, 256u);
  EXPECT_EQ(w.samples, 1797u);
  EXPECT_EQ(w.features, 64u);
  ASSERT_TRUE(w.float_accuracy.has_value());
  EXPECT_DOUBLE_EQ(*w.float_accuracy, 0.991653);
  CheckLayers(w, dir,
              {{"fc1", 64, 128, ActivationFunction::Relu, 1547599184u, 40, 0},
               {"fc2", 128, 64, ActivationFunction::Relu, 1691932679u, 39, 0},
               {"fc3", 64, 10, ActivationFunction::Identity, 1589524194u, 39, 0}});
  EXPECT_EQ(w.outputs(), 10u);
  EXPECT_EQ(w.macs_per_sample(), 64u * 128 + 128 * 64 + 64 * 10);
  EXPECT_EQ(w.inputs.size(), 1797u * 64);
  EXPECT_EQ(AsBytes(w.inputs), ReadBytes(dir + "/inputs.i8"));
  EXPECT_EQ(w.labels.size(), 1797u);
  EXPECT_EQ(w.labels, ReadBytes(dir + "/labels.u8"));
  EXPECT_EQ(w.golden.size(), 1797u * 10);
  EXPECT_EQ(AsBytes(w.golden), ReadBytes(dir + "/golden.i8"));
}

TEST(Workload, RandomMlpMatchesItsManifest) {
  const std::string dir = kSourceDir + "/traces/random_mlp";
  const Workload w = tpu::load_workload(dir + "/workload.yaml");
  EXPECT_EQ(w.name, "random-mlp");
  EXPECT_EQ(w.description, "seeded random int8 MLP 100-300-37-19-5 (relu, sigmoid, tanh, identity), no training");
  EXPECT_EQ(w.batch, 64u);
  EXPECT_EQ(w.samples, 150u);
  EXPECT_EQ(w.features, 100u);
  EXPECT_FALSE(w.float_accuracy.has_value());
  CheckLayers(w, dir,
              {{"fc1", 100, 300, ActivationFunction::Relu, 1573095709u, 41, -5},
               {"fc2", 300, 37, ActivationFunction::Sigmoid, 1765076452u, 41, 0},
               {"fc3", 37, 19, ActivationFunction::Tanh, 1721762732u, 41, 0},
               {"fc4", 19, 5, ActivationFunction::Identity, 1435748771u, 40, 3}});
  EXPECT_EQ(w.outputs(), 5u);
  EXPECT_EQ(w.macs_per_sample(), 100u * 300 + 300 * 37 + 37 * 19 + 19 * 5);
  EXPECT_EQ(AsBytes(w.inputs), ReadBytes(dir + "/inputs.i8"));
  EXPECT_TRUE(w.labels.empty());
  EXPECT_EQ(w.golden.size(), 150u * 5);
  EXPECT_EQ(AsBytes(w.golden), ReadBytes(dir + "/golden.i8"));
}

// ---------------------------------------------------------------------------------------------
// Loader errors, each on a small manifest in a fresh temporary directory.

// A valid two-layer manifest: 3 samples of 4 features -> 5 (relu, no bias) -> 2 (identity).
const char* const kTinyManifest =
    "name: tiny\n"                                                       // line 1
    "batch: 2\n"                                                         // line 2
    "input:\n"                                                           // line 3
    "  file: in.i8\n"                                                    // line 4
    "  samples: 3\n"                                                     // line 5
    "  features: 4\n"                                                    // line 6
    "golden: golden.i8\n"                                                // line 7
    "layers:\n"                                                          // line 8
    "  - name: l0\n"                                                     // line 9
    "    inputs: 4\n"                                                    // line 10
    "    outputs: 5\n"                                                   // line 11
    "    weights: l0.w.i8\n"                                             // line 12
    "    activation: relu\n"                                             // line 13
    "    requant: {multiplier: 1073741824, shift: 30, zero_point: 0}\n"  // line 14
    "  - name: l1\n"                                                     // line 15
    "    inputs: 5\n"                                                    // line 16
    "    outputs: 2\n"                                                   // line 17
    "    weights: l1.w.i8\n"                                             // line 18
    "    bias: l1.b.i32\n"                                               // line 19
    "    activation: identity\n"                                         // line 20
    "    requant: {multiplier: 1073741824, shift: 30}\n";                // line 21

class WorkloadFileTest : public tpu::test::ManifestDirTest {
 protected:
  void SetUp() override {
    ManifestDirTest::SetUp();
    // The data files of kTinyManifest, with the right sizes.
    WriteData("in.i8", 3 * 4);
    WriteData("golden.i8", 3 * 2);
    WriteData("l0.w.i8", 4 * 5);
    WriteData("l1.w.i8", 5 * 2);
    WriteData("l1.b.i32", 2 * 4);
  }
  // Writes the manifest text and returns its path.
  std::string WriteManifest(const std::string& text) { return ManifestDirTest::WriteManifest(text, "workload.yaml"); }
  // kTinyManifest with `from` replaced by `to` (`from` must occur exactly once).
  static std::string Edit(const std::string& from, const std::string& to, std::string text = kTinyManifest) {
    return Replace(std::move(text), from, to);
  }
  // Loads `text` as the manifest; returns the error message, which must name the manifest.
  std::string LoadError(const std::string& text) {
    const std::string path = WriteManifest(text);
    const std::string msg = ErrorOf("tpu/workload", [&] { tpu::load_workload(path); });
    EXPECT_TRUE(Contains(msg, path + ": "));
    return msg;
  }
  // With `bytes` bytes in `file`, kTinyManifest fails to load: "<key>: data file <file> ... has <bytes>
  // bytes, expected <expected>".
  void ExpectSizeError(const std::string& file, size_t bytes, const std::string& key, size_t expected) {
    WriteData(file, bytes);
    const std::string msg = LoadError(kTinyManifest);
    EXPECT_TRUE(Contains(msg, ": " + key + ": data file " + Path(file)));
    EXPECT_TRUE(Contains(msg, "has " + std::to_string(bytes) + " bytes, expected " + std::to_string(expected)));
  }
};

TEST_F(WorkloadFileTest, TinyManifestLoads) {
  const Workload w = tpu::load_workload(WriteManifest(kTinyManifest));
  EXPECT_EQ(w.name, "tiny");
  EXPECT_EQ(w.batch, 2u);
  EXPECT_EQ(w.samples, 3u);
  ASSERT_EQ(w.layers.size(), 2u);
  EXPECT_EQ(w.layers[0].bias, std::vector<int32_t>(5, 0));  // no bias file: zeros
  EXPECT_EQ(w.layers[1].bias, (std::vector<int32_t>{0x04030201, 0x08070605}));
  EXPECT_EQ(w.layers[1].requant.zero_point, 0);  // absent: 0
  EXPECT_EQ(w.layers[0].weights.values()[19], 20);
  EXPECT_TRUE(w.labels.empty());
  EXPECT_EQ(w.golden.size(), 6u);
}

TEST_F(WorkloadFileTest, UnknownTopLevelKey) {
  const std::string msg = LoadError(std::string(kTinyManifest) + "colour: blue\n");
  EXPECT_TRUE(Contains(msg, ": colour: unknown key"));
}

TEST_F(WorkloadFileTest, UnknownLayerKey) {
  const std::string msg = LoadError(Edit("    outputs: 2\n", "    outputs: 2\n    foo: 1\n"));
  EXPECT_TRUE(Contains(msg, ": layers[1].foo: unknown key"));
}

TEST_F(WorkloadFileTest, MissingName) {
  const std::string msg = LoadError(Edit("name: tiny\n", ""));
  EXPECT_TRUE(Contains(msg, ": name: missing"));
}

TEST_F(WorkloadFileTest, MissingDataFile) {
  const std::string msg = LoadError(Edit("weights: l1.w.i8", "weights: nothere.i8"));
  EXPECT_TRUE(Contains(msg, ": layers[1].weights: data file " + Path("nothere.i8") + " is missing or not a file"));
}

TEST_F(WorkloadFileTest, DataFileThatIsADirectory) {
  const std::string msg = LoadError(Edit("weights: l1.w.i8", "weights: ."));
  EXPECT_TRUE(Contains(msg, ": layers[1].weights: data file")) << msg;
  EXPECT_TRUE(Contains(msg, "is missing or not a file")) << msg;
}

// Informational keys are not used, but a wrong type is still an error.
TEST_F(WorkloadFileTest, InformationalKeysAreTypeChecked) {
  EXPECT_TRUE(Contains(LoadError(std::string(kTinyManifest) + "reference_int8_accuracy: [1, 2]\n"),
                       ": reference_int8_accuracy: must be a finite number"));
  EXPECT_TRUE(Contains(LoadError(Edit("    outputs: 2\n", "    outputs: 2\n    scales: {input: banana}\n")),
                       ": layers[1].scales.input: must be a finite number"));
}

TEST_F(WorkloadFileTest, DataFileTooShort) { ExpectSizeError("l0.w.i8", 19, "layers[0].weights", 20); }

TEST_F(WorkloadFileTest, DataFileTooLong) { ExpectSizeError("l1.b.i32", 9, "layers[1].bias", 8); }

TEST_F(WorkloadFileTest, InputFileTooLong) { ExpectSizeError("in.i8", 13, "input.file", 12); }

TEST_F(WorkloadFileTest, GoldenFileTooShort) { ExpectSizeError("golden.i8", 5, "golden", 6); }

TEST_F(WorkloadFileTest, LayerInputsMustMatchPreviousOutputs) {
  const std::string msg = LoadError(Edit("    inputs: 5\n", "    inputs: 6\n"));
  EXPECT_TRUE(Contains(msg, ": layers[1].inputs: is 6"));
  EXPECT_TRUE(Contains(msg, "has 5 outputs"));
}

TEST_F(WorkloadFileTest, FirstLayerInputsMustMatchFeatures) {
  const std::string msg = LoadError(Edit("    inputs: 4\n", "    inputs: 3\n"));
  EXPECT_TRUE(Contains(msg, ": layers[0].inputs: is 3"));
  EXPECT_TRUE(Contains(msg, "has 4 outputs"));
}

TEST_F(WorkloadFileTest, UnknownActivation) {
  const std::string msg = LoadError(Edit("activation: relu", "activation: swish"));
  EXPECT_TRUE(Contains(msg, ": layers[0].activation: must be one of identity, relu, sigmoid, tanh, got swish"));
}

TEST_F(WorkloadFileTest, MultiplierBelow2To31) {
  // 2^31 - 1 is the largest multiplier; 2^31 is rejected.
  EXPECT_NO_THROW(tpu::load_workload(WriteManifest(
      Edit("multiplier: 1073741824, shift: 30, zero_point: 0", "multiplier: 2147483647, shift: 30, zero_point: 0"))));
  const std::string msg = LoadError(
      Edit("multiplier: 1073741824, shift: 30, zero_point: 0", "multiplier: 2147483648, shift: 30, zero_point: 0"));
  EXPECT_TRUE(Contains(msg, ": layers[0].requant.multiplier: must be between 0 and 2147483647, got 2147483648"));
}

TEST_F(WorkloadFileTest, ShiftAtMost62) {
  EXPECT_NO_THROW(tpu::load_workload(
      WriteManifest(Edit("{multiplier: 1073741824, shift: 30}", "{multiplier: 1073741824, shift: 62}"))));
  const std::string msg = LoadError(Edit("{multiplier: 1073741824, shift: 30}", "{multiplier: 1073741824, shift: 63}"));
  EXPECT_TRUE(Contains(msg, ": layers[1].requant.shift: must be between 0 and 62, got 63"));
}

TEST_F(WorkloadFileTest, ZeroPointIsInt8) {
  const std::string msg = LoadError(Edit("zero_point: 0", "zero_point: 200"));
  EXPECT_TRUE(Contains(msg, ": layers[0].requant.zero_point: must be between -128 and 127, got 200"));
  // A '+' sign is allowed, a sign after it is not.
  EXPECT_EQ(tpu::load_workload(WriteManifest(Edit("zero_point: 0", "zero_point: +3"))).layers[0].requant.zero_point, 3);
  EXPECT_TRUE(Contains(LoadError(Edit("zero_point: 0", "zero_point: +-3")),
                       ": layers[0].requant.zero_point: must be an integer"));
}

TEST_F(WorkloadFileTest, BatchZero) {
  const std::string msg = LoadError(Edit("batch: 2\n", "batch: 0\n"));
  EXPECT_TRUE(Contains(msg, ": batch: must be >= 1"));
}

TEST_F(WorkloadFileTest, QuotedNumberIsNotAnInteger) {
  std::string msg = LoadError(Edit("batch: 2\n", "batch: \"64\"\n"));
  EXPECT_TRUE(Contains(msg, ": batch: must be a non-negative integer"));
  EXPECT_TRUE(Contains(msg, "\"64\""));
  msg = LoadError(Edit("zero_point: 0", "zero_point: \"0\""));
  EXPECT_TRUE(Contains(msg, ": layers[0].requant.zero_point: must be an integer"));
}

TEST_F(WorkloadFileTest, YamlSyntaxErrorGivesTheLine) {
  // An unclosed flow map on line 14.
  const std::string msg = LoadError(Edit("shift: 30, zero_point: 0}", "shift: 30, zero_point: 0"));
  EXPECT_TRUE(Contains(msg, "YAML error"));
  EXPECT_TRUE(Contains(msg, ": line 15, column")) << "the flow map is still open where line 15 starts";
}

TEST_F(WorkloadFileTest, YamlSyntaxErrorOnItsLine) {
  // "4: 5" is a map value where a plain scalar continues: illegal on line 6, column 14.
  const std::string msg = LoadError(Edit("  features: 4\n", "  features: 4: 5\n"));
  EXPECT_TRUE(Contains(msg, ": line 6, column 14: YAML error"));
}

// ---------------------------------------------------------------------------------------------
// Lowering of a workload built in memory.

uint64_t CeilDiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// A seeded random workload with the given layer widths (widths[0] = features).
Workload RandomWorkload(const std::vector<uint32_t>& widths, uint32_t samples, uint32_t batch, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> i8(-128, 127);
  std::uniform_int_distribution<int32_t> b32(-5000, 5000);
  const ActivationFunction fns[] = {ActivationFunction::Relu, ActivationFunction::Sigmoid, ActivationFunction::Tanh,
                                    ActivationFunction::Identity};
  Workload w;
  w.name = "random-in-memory";
  w.batch = batch;
  w.samples = samples;
  w.features = widths[0];
  w.inputs.resize(size_t(samples) * widths[0]);
  for (auto& v : w.inputs) v = int8_t(i8(rng));
  for (size_t l = 0; l + 1 < widths.size(); ++l) {
    DenseLayer d;
    d.name = "fc" + std::to_string(l + 1);
    d.inputs = widths[l];
    d.outputs = widths[l + 1];
    d.weights.held().resize(size_t(d.inputs) * d.outputs);
    for (auto& v : d.weights.held()) v = int8_t(i8(rng));
    d.bias.resize(d.outputs);
    for (auto& v : d.bias) v = b32(rng);
    d.function = fns[l % 4];
    d.requant = {uint32_t(1000000 + l), uint32_t(20 + l), int32_t(l)};
    w.layers.push_back(std::move(d));
  }
  return w;
}

ArchConfig SmallConfig() { return tpu::load_config(kSourceDir + "/configs/small.yaml"); }

// Independently derived facts of the layout documented in lowering.h, for R = 16.
struct Layout {
  std::vector<uint64_t> tiles;  // per tensor: ceil(width / R)
  uint64_t bias_rows = 0;       // 4 rows per output tile of every layer
  uint64_t tiles_per_set = 0;   // sum of tiles
  uint64_t weight_tiles = 0;    // sum over layers of tiles_out * tiles_in
  uint64_t mm_per_batch = 0, act_per_batch = 0;
};

Layout LayoutOf(const std::vector<uint32_t>& widths, uint64_t R) {
  Layout s;
  for (uint32_t width : widths) s.tiles.push_back(CeilDiv(width, R));
  for (uint64_t t : s.tiles) s.tiles_per_set += t;
  for (size_t l = 1; l < s.tiles.size(); ++l) {
    s.bias_rows += 4 * s.tiles[l];
    s.weight_tiles += s.tiles[l] * s.tiles[l - 1];
    s.mm_per_batch += s.tiles[l] * s.tiles[l - 1];
    s.act_per_batch += s.tiles[l];
  }
  return s;
}

// Instruction count from the program structure documented in lowering.h.
uint64_t ExpectedProgramSize(const Layout& s, uint64_t batches) {
  const uint64_t L = s.tiles.size() - 1;
  uint64_t n = 3;  // bias rows, first input, first layer's weights
  for (uint64_t b = 0; b < batches; ++b) {
    n += 1;                       // Sync host
    if (b + 1 < batches) n += 1;  // next batch's input
    for (uint64_t l = 0; l < L; ++l) {
      if (l > 0) n += 1;                         // Sync activation
      n += 3;                                    // Set_Config multiplier, shift, zero point
      n += s.tiles[l + 1] * (s.tiles[l] + 2);    // per output tile: MMs, Set_Config bias row, Activate
      if (l + 1 < L || b + 1 < batches) n += 1;  // Read_Weights of what comes next
    }
    n += 2;  // Sync activation, Write_Host_Memory
  }
  return n + 1;  // Halt
}

const std::vector<uint32_t> kWidths = {37, 50, 23, 7};  // none a multiple of 16

TEST(Lowering, RandomWorkloadOnSmallConfig) {
  const ArchConfig cfg = SmallConfig();
  ASSERT_EQ(cfg.mxu.rows, 16u);
  const uint32_t R = 16, samples = 70, B = 32;  // batches of 32, 32 and 6 samples
  Workload w = RandomWorkload(kWidths, samples, B, 1234);
  w.layers[0].weights.held()[36 * 50 + 19] = -77;  // W[36][19] of layer 0, checked in the image below
  const LoweredProgram p = tpu::lower(w, cfg, 0);
  const Layout s = LayoutOf(kWidths, R);
  // By hand: tiles 3, 4, 2, 1; MMs per batch 4*3 + 2*4 + 1*2 = 22, Activates 4 + 2 + 1 = 7.
  ASSERT_EQ(s.tiles, (std::vector<uint64_t>{3, 4, 2, 1}));
  ASSERT_EQ(s.mm_per_batch, 22u);
  ASSERT_EQ(s.act_per_batch, 7u);

  EXPECT_EQ(p.batch, B);
  ASSERT_EQ(p.batches.size(), 3u);
  const uint32_t batch_samples[] = {32, 32, 6};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(p.batches[i].first_sample, 32 * i);
    EXPECT_EQ(p.batches[i].samples, batch_samples[i]);
  }
  EXPECT_EQ(p.useful_macs, uint64_t(samples) * (37 * 50 + 50 * 23 + 23 * 7));
  EXPECT_EQ(p.ub_rows_used, s.bias_rows + 2 * s.tiles_per_set * B);  // 28 + 2 * 10 * 32
  EXPECT_EQ(p.ub_rows_used, 668u);
  EXPECT_EQ(p.acc_rows_used, 2u * B);  // 64 <= 512: two accumulator buffers

  // Instruction counts and the end of the program.
  uint64_t mm = 0, act = 0, halts = 0;
  for (const Instruction& in : p.program) {
    mm += in.op == Opcode::MatrixMultiply;
    act += in.op == Opcode::Activate;
    halts += in.op == Opcode::Halt;
  }
  EXPECT_EQ(mm, 3 * s.mm_per_batch);
  EXPECT_EQ(mm, 66u);
  EXPECT_EQ(act, 3 * s.act_per_batch);
  EXPECT_EQ(act, 21u);
  EXPECT_EQ(halts, 1u);
  ASSERT_FALSE(p.program.empty());
  EXPECT_EQ(p.program.back().op, Opcode::Halt);
  EXPECT_EQ(p.program.size(), ExpectedProgramSize(s, 3));

  // The MatrixMultiply k-tile sequence: per batch, layer, output tile j: k = 0 .. tiles_in - 1;
  // each one switches to its own weight tile and accumulates exactly when k > 0. The Activate
  // after the k-tiles of an output tile applies that layer's function to the batch's rows.
  size_t pc = 0;
  auto next_of = [&](Opcode op) -> const Instruction* {
    while (pc < p.program.size() && p.program[pc].op != op) ++pc;
    return pc < p.program.size() ? &p.program[pc++] : nullptr;
  };
  for (size_t b = 0; b < 3; ++b)
    for (size_t l = 0; l + 1 < kWidths.size(); ++l)
      for (uint64_t j = 0; j < s.tiles[l + 1]; ++j) {
        for (uint64_t k = 0; k < s.tiles[l]; ++k) {
          SCOPED_TRACE("batch " + std::to_string(b) + " layer " + std::to_string(l) + " j " + std::to_string(j) +
                       " k " + std::to_string(k));
          const Instruction* in = next_of(Opcode::MatrixMultiply);
          ASSERT_NE(in, nullptr);
          EXPECT_TRUE(in->switch_weights);
          EXPECT_EQ(in->accumulate, k > 0);
          EXPECT_EQ(in->rows, batch_samples[b]);
          // The k-tiles of one output tile read consecutive input tiles (stride = samples).
          if (k > 0) {
            EXPECT_EQ(in->ub_row, p.program[pc - 2].ub_row + batch_samples[b]);
            EXPECT_EQ(in->acc_row, p.program[pc - 2].acc_row);
          }
          // The next instruction is the next k-tile or, after the last one, not a MatrixMultiply.
          if (k + 1 == s.tiles[l]) {
            EXPECT_NE(p.program[pc].op, Opcode::MatrixMultiply);
          }
        }
        const Instruction* a = next_of(Opcode::Activate);
        ASSERT_NE(a, nullptr);
        EXPECT_EQ(a->function, w.layers[l].function);
        EXPECT_EQ(a->rows, batch_samples[b]);
        EXPECT_TRUE(a->bias);
      }
  EXPECT_EQ(next_of(Opcode::MatrixMultiply), nullptr);

  // Weight image: every layer's tiles of R x R bytes, output-tile-major, [input][output] inside.
  ASSERT_EQ(p.weight_image.size(), s.weight_tiles * 256);
  EXPECT_EQ(p.weight_image.size(), (12u + 8u + 2u) * 256u);
  const uint64_t layer1_base = 12 * 256;
  // Layer 0, output tile j = 1, input tile k = 2, row r = 4, column c = 3: W[36][19] = -77.
  const uint64_t real = (1 * 3 + 2) * 256 + 4 * 16 + 3;
  EXPECT_EQ(int8_t(p.weight_image[real]), -77);
  // Layer 0, tile (j = 3, k = 2), row 5: input 37 does not exist (only 0..36): padding.
  EXPECT_EQ(p.weight_image[(3 * 3 + 2) * 256 + 5 * 16 + 0], 0);
  // Layer 1 (50 -> 23), tile (j = 1, k = 0), row 2, column 7: output 23 does not exist: padding.
  EXPECT_EQ(p.weight_image[layer1_base + (1 * 4 + 0) * 256 + 2 * 16 + 7], 0);
  // ... while column 6 of the same row is W[2][22] of layer 1.
  EXPECT_EQ(int8_t(p.weight_image[layer1_base + (1 * 4 + 0) * 256 + 2 * 16 + 6]),
            w.layers[1].weights.values()[2 * 23 + 22]);
  // Last layer (23 -> 7): a single output tile, k = 1, row 6 = W[22][n].
  const uint64_t layer2_base = (12 + 8) * 256;
  const std::vector<int8_t> w2 = w.layers[2].weights.values();
  for (uint32_t n = 0; n < 16; ++n)
    EXPECT_EQ(int8_t(p.weight_image[layer2_base + 256 + 6 * 16 + n]), n < 7 ? w2[22 * 7 + n] : 0);

  // Host image: bias rows (4 per output tile, int32 LE), then per batch input and output space.
  const uint64_t bias_bytes = s.bias_rows * 16;  // 28 rows
  EXPECT_EQ(p.batches[0].input_host_addr, bias_bytes);
  uint64_t addr = bias_bytes;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(p.batches[i].input_host_addr, addr);
    addr += s.tiles[0] * batch_samples[i] * 16;
    EXPECT_EQ(p.batches[i].output_host_addr, addr);
    addr += s.tiles.back() * batch_samples[i] * 16;
  }
  EXPECT_EQ(p.host_image.size(), addr);
  // Bias of layer 1 (bias rows 16.. after layer 0's 4 tiles x 4 rows), output 21: tile 1, lane 5.
  int32_t bias = 0;
  std::memcpy(&bias, &p.host_image[(16 + 1 * 4) * 16 + 5 * 4], 4);
  EXPECT_EQ(bias, w.layers[1].bias[21]);
  // Input of sample 40 (batch 1, s = 8), feature 33 (k-tile 2, lane 1).
  EXPECT_EQ(int8_t(p.host_image[p.batches[1].input_host_addr + (2 * 32 + 8) * 16 + 1]), w.inputs[40 * 37 + 33]);

  // gather_output reads output n of sample s of a batch at out + ((n / R) * samples + s) * R + n % R.
  std::vector<uint8_t> host(p.host_image.size(), 0x55);
  auto value = [](uint64_t sample, uint64_t n) { return int8_t(int(sample * 7 + n * 3) % 200 - 100); };
  for (const auto& b : p.batches)
    for (uint64_t smp = 0; smp < b.samples; ++smp)
      for (uint64_t n = 0; n < 7; ++n)
        host[b.output_host_addr + ((n / 16) * b.samples + smp) * 16 + n % 16] = uint8_t(value(b.first_sample + smp, n));
  const std::vector<int8_t> out = tpu::gather_output(p, cfg, host.data());
  ASSERT_EQ(out.size(), size_t(samples) * 7);
  for (uint64_t smp = 0; smp < samples; ++smp)
    for (uint64_t n = 0; n < 7; ++n) ASSERT_EQ(out[smp * 7 + n], value(smp, n)) << "sample " << smp << " n " << n;
}

TEST(Lowering, GatherOutputsOverSeveralOutputTiles) {
  // A hand-made program description: two batches (3 and 2 samples) of 20 outputs (2 tiles).
  const ArchConfig cfg = SmallConfig();
  Workload w = RandomWorkload({5, 20}, 5, 3, 7);
  LoweredProgram p;
  p.batches = {{0, 3, 0, 100}, {3, 2, 0, 1000}};
  p.output_shape = {1, 1, 20};
  p.padded_host_rows = true;  // a dense MLP's: rows of R bytes
  std::vector<uint8_t> host(2000, 0);
  // Sample 4 = batch 1, s = 1, output 17 = tile 1, lane 1: 1000 + (1 * 2 + 1) * 16 + 1 = 1049.
  host[1049] = 0x81;
  // Sample 0, output 0: 100; sample 2 (s = 2), output 15 (tile 0, lane 15): 100 + 2 * 16 + 15 = 147.
  host[100] = 12;
  host[147] = 0x7f;
  // Sample 1, output 16 (tile 1, lane 0): 100 + (1 * 3 + 1) * 16 = 164.
  host[164] = 0xfe;
  const std::vector<int8_t> out = tpu::gather_output(p, cfg, host.data());
  ASSERT_EQ(out.size(), 100u);
  for (size_t i = 0; i < out.size(); ++i) {
    int8_t expected = 0;
    if (i == 4 * 20 + 17) expected = -127;
    if (i == 0) expected = 12;
    if (i == 2 * 20 + 15) expected = 127;
    if (i == 1 * 20 + 16) expected = -2;
    EXPECT_EQ(out[i], expected) << "output " << i;
  }
}

TEST(Lowering, BatchLargerThanAccumulators) {
  const ArchConfig cfg = SmallConfig();
  ASSERT_EQ(cfg.accumulators.rows, 512u);
  const Workload w = RandomWorkload({20, 10}, 600, 64, 1);
  EXPECT_NO_THROW(tpu::lower(w, cfg, 512));
  const std::string msg = ErrorOf("tpu/lowering", [&] { tpu::lower(w, cfg, 513); });
  EXPECT_TRUE(Contains(msg, "with batch 513"));
  EXPECT_TRUE(Contains(msg, "a batch needs 513 accumulator rows, the chip has 512"));
}

TEST(Lowering, WorkloadThatDoesNotFitTheUnifiedBuffer) {
  const ArchConfig cfg = SmallConfig();
  ASSERT_EQ(cfg.ub_rows(), 4096u);  // 65536 bytes / 16
  const Workload w = RandomWorkload(kWidths, 300, 250, 2);
  // By hand: bias rows 4 x (4 + 2 + 1) = 28; tiles per set 3 + 4 + 2 + 1 = 10; rows needed
  // 28 + 2 x 10 x B. B = 250 needs 5028; the largest B with 28 + 20 B <= 4096 is 203 (4088 rows).
  const std::string msg = ErrorOf("tpu/lowering", [&] { tpu::lower(w, cfg, 0); });
  EXPECT_TRUE(Contains(msg, "with batch 250"));
  EXPECT_TRUE(Contains(msg, "needs 5028 Unified Buffer rows, the chip has 4096"));
  EXPECT_TRUE(Contains(msg, "largest batch that fits is 203"));
  EXPECT_EQ(tpu::lower(w, cfg, 203).ub_rows_used, 4088u);
  const std::string msg204 = ErrorOf("tpu/lowering", [&] { tpu::lower(w, cfg, 204); });
  EXPECT_TRUE(Contains(msg204, "needs 4108 Unified Buffer rows"));
  EXPECT_TRUE(Contains(msg204, "largest batch that fits is 203"));
}

TEST(Lowering, MoreInstructionsThanTheInstructionBuffer) {
  ArchConfig cfg = SmallConfig();
  cfg.sequencer.instruction_buffer_bytes = 120;  // 10 instructions
  const Workload w = RandomWorkload(kWidths, 70, 32, 3);
  const uint64_t n = ExpectedProgramSize(LayoutOf(kWidths, 16), 3);
  const std::string msg = ErrorOf("tpu/lowering", [&] { tpu::lower(w, cfg, 0); });
  EXPECT_TRUE(Contains(msg, "the program has " + std::to_string(n) + " instructions, the instruction buffer holds 10"));
  EXPECT_TRUE(Contains(msg, "sequencer.instruction_buffer_bytes"));
}

TEST(Lowering, BatchZeroIsAnError) {
  const ArchConfig cfg = SmallConfig();
  Workload w = RandomWorkload(kWidths, 10, 0, 4);
  const std::string msg = ErrorOf("tpu/lowering", [&] { tpu::lower(w, cfg, 0); });
  EXPECT_TRUE(Contains(msg, "batch size must be >= 1"));
}

}  // namespace
