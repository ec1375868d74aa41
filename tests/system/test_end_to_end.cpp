// End-to-end: shipped workloads through the host, the lowering and the whole chip, checked
// against the golden outputs of the independent numpy reference (scripts/make_workloads.py).
// One simulation per test case (process).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/simulation.h"
#include "common/vcd_reader.h"

namespace tpu {
namespace {

const std::string kRoot = TPU_TLM_SOURCE_DIR;

RunResult run(const std::string& config, const std::string& workload, uint32_t batch, Workload* out = nullptr,
              const std::string& vcd = "", MxuModel mxu_model = MxuModel::Analytic) {
  init_time_resolution();
  ArchConfig cfg = load_config(kRoot + "/configs/" + config);
  if (mxu_model != MxuModel::Analytic) cfg.mxu.model = mxu_model;
  const Workload w = load_workload(kRoot + "/traces/" + workload + "/workload.yaml");
  RunOptions opt;
  opt.batch = batch;
  opt.vcd_path = vcd;
  RunResult r = run_simulation(cfg, w, opt);
  if (out) *out = w;
  return r;
}

// The checks every run must pass: bit-exact outputs, a consistent Table 3 split and counters.
void expect_consistent(const RunResult& r, const Workload& w) {
  EXPECT_EQ(r.compared, uint64_t(w.samples) * w.outputs());
  EXPECT_EQ(r.mismatches, 0u);
  const auto& t3 = r.stats["tpu"]["mxu"]["table3_cycles"];
  uint64_t sum = 0;
  for (const char* k : {"array_active", "weight_stall", "weight_shift", "non_matrix", "raw_stall", "input_stall"})
    sum += t3[k].get<uint64_t>();
  EXPECT_EQ(sum, r.run_cycles);
  // Useful MACs cannot exceed what the array did.
  EXPECT_LE(r.lowered.useful_macs, r.stats["tpu"]["mxu"]["array_macs"].get<uint64_t>());
  EXPECT_GT(r.tops, 0.0);
  // Every weight byte read from DRAM went through the weight FIFO.
  EXPECT_EQ(r.stats["tpu"]["dram"]["bytes_read"].get<uint64_t>(),
            r.stats["tpu"]["weight_fifo"]["bytes_fetched"].get<uint64_t>());
}

TEST(EndToEnd, DigitsOnTpuV1) {
  Workload w;
  const RunResult r = run("tpu_v1.yaml", "digits", 0, &w);
  expect_consistent(r, w);
  ASSERT_TRUE(r.int8_accuracy && w.float_accuracy);
  EXPECT_LE(std::fabs(*r.int8_accuracy - *w.float_accuracy), 0.01);
  // 8 batches of 256: each layer's tiles are read from the weight memory once per batch.
  EXPECT_EQ(r.lowered.batches.size(), 8u);
  EXPECT_EQ(r.stats["tpu"]["weight_fifo"]["tiles_fetched"].get<uint64_t>(), 8u * 3);
}

TEST(EndToEnd, DigitsOnSmallArray) {
  Workload w;
  const RunResult r = run("small.yaml", "digits", 64, &w);
  expect_consistent(r, w);
  ASSERT_TRUE(r.int8_accuracy && w.float_accuracy);
  EXPECT_LE(std::fabs(*r.int8_accuracy - *w.float_accuracy), 0.01);
  // 16x16 tiles: 64-128-64-10 needs 8x4 + 4x8 + 1x4 = 68 tiles per batch; 29 batches.
  EXPECT_EQ(r.lowered.batches.size(), 29u);
  EXPECT_EQ(r.stats["tpu"]["weight_fifo"]["tiles_fetched"].get<uint64_t>(), 29u * 68);
  EXPECT_EQ(r.stats["tpu"]["mxu"]["blocks"].get<uint64_t>(), 29u * 68);
}

TEST(EndToEnd, RandomMlpEveryActivationOnTpuV1) {
  Workload w;
  expect_consistent(run("tpu_v1.yaml", "random_mlp", 0, &w), w);
}

TEST(EndToEnd, RandomMlpEveryActivationOnSmallArray) {
  Workload w;
  expect_consistent(run("small.yaml", "random_mlp", 16, &w), w);
}

// Batch 1 and a batch that does not divide the samples exercise B = 1 blocks and a short last batch.
TEST(EndToEnd, RandomMlpBatchOfOne) {
  Workload w;
  const RunResult r = run("small.yaml", "random_mlp", 1, &w);
  expect_consistent(r, w);
  EXPECT_EQ(r.lowered.batches.size(), 150u);
}

TEST(EndToEnd, ShortLastBatch) {
  Workload w;
  const RunResult r = run("tpu_v1.yaml", "random_mlp", 64, &w);  // 150 = 64 + 64 + 22
  expect_consistent(r, w);
  ASSERT_EQ(r.lowered.batches.size(), 3u);
  EXPECT_EQ(r.lowered.batches.back().samples, 22u);
}

// The VCD opens as a VCD: header, the signals a user looks for, value changes.
TEST(EndToEnd, WritesVcdWithUnitSignals) {
  const std::string path = (std::filesystem::temp_directory_path() / "tpu_tlm_e2e_test.vcd").string();
  std::filesystem::remove(path);
  Workload w;
  const RunResult r = run("small.yaml", "digits", 100, &w, path);
  expect_consistent(r, w);
  // The sequencer's pc is a program counter: 0 at reset (not -1, which the 32-bit waveform showed
  // as 4294967295), an instruction index while running, the Halt's index (the last instruction)
  // after the run.
  {
    const test::ParsedVcd parsed = test::parse_vcd(path);
    ASSERT_TRUE(parsed.waves.count("tpu.sequencer.pc"));
    const test::Wave& pc = parsed.waves.at("tpu.sequencer.pc");
    ASSERT_FALSE(pc.empty());
    EXPECT_EQ(pc.front(), std::make_pair(uint64_t(0), std::string("0")));
    const uint64_t n = r.lowered.program.size();
    ASSERT_EQ(r.lowered.program.back().op, Opcode::Halt);
    for (const auto& [t, bits] : pc) ASSERT_LT(std::stoull(bits, nullptr, 2), n) << "pc at " << t;
    EXPECT_EQ(std::stoull(pc.back().second, nullptr, 2), n - 1);
  }
  std::ifstream f(path);
  ASSERT_TRUE(f) << path;
  std::stringstream text;
  text << f.rdbuf();
  const std::string vcd = text.str();
  // Dotted names become GTKWave scopes: tpu / mxu / table3_category.
  for (const char* s : {"$timescale", "$enddefinitions", "$scope module tpu", "$scope module mxu",
                        "$scope module weight_fifo", "$scope module sequencer", "$scope module activation",
                        "$scope module host_dma", " table3_category ", " occupancy ", " opcode ", " state ",
                        " pcie_to_device_bytes_per_window ", " channel0_bytes_per_window ",
                        "$scope module dram", "$scope module channel1", " command ", " queued "})
    EXPECT_NE(vcd.find(s), std::string::npos) << s;
  // No date (determinism), the model's time resolution as the timescale.
  EXPECT_EQ(vcd.find("$date"), std::string::npos);
  EXPECT_NE(vcd.find("$timescale\n  1 fs\n$end"), std::string::npos);
  EXPECT_GT(std::count(vcd.begin(), vcd.end(), '#'), 1000);  // many timestamps
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
  std::filesystem::remove(path);
}

// The cycle model's pins in the VCD: the clock's rising edges fall on whole core cycles, and
// there is at least one per row the MXU streamed (counted by the MXU, not by the trace).
TEST(EndToEnd, VcdHasThePinLevelArrayWithTheCycleModel) {
  const std::string path = (std::filesystem::temp_directory_path() / "tpu_tlm_e2e_pins.vcd").string();
  std::filesystem::remove(path);
  Workload w;
  const RunResult r = run("small.yaml", "random_mlp", 16, &w, path, MxuModel::Cycle);
  expect_consistent(r, w);
  const test::ParsedVcd v = test::parse_vcd(path);
  std::filesystem::remove(path);
  const std::string a = "tpu.mxu.array.";
  EXPECT_EQ(v.widths.at(a + "clk"), 1u);
  EXPECT_EQ(v.widths.at(a + "w_row"), 8u * 16);   // 16 int8 weights
  EXPECT_EQ(v.widths.at(a + "a_row"), 8u * 16);   // 16 int8 activations
  EXPECT_EQ(v.widths.at(a + "p_row"), 32u * 16);  // 16 int32 sums
  const uint64_t period = uint64_t(load_config(kRoot + "/configs/small.yaml").clock_period().value());
  uint64_t rising = 0;
  const test::Wave& clk = v.waves.at(a + "clk");
  for (size_t i = 1; i < clk.size(); ++i) {
    EXPECT_NE(clk[i].second, clk[i - 1].second);
    if (clk[i].second == "1") {
      ++rising;
      EXPECT_EQ(clk[i].first % period, 0u) << "rising edge at " << clk[i].first << " fs";
    }
  }
  EXPECT_GE(rising, r.stats["tpu"]["mxu"]["rows_streamed"].get<uint64_t>());
  EXPECT_GT(v.waves.at(a + "p_row").size(), r.stats["tpu"]["mxu"]["blocks"].get<uint64_t>());
}

}  // namespace
}  // namespace tpu
