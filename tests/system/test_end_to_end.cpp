// End-to-end: shipped workloads through the host, the lowering and the whole chip, checked
// against the golden outputs of the independent numpy reference (scripts/make_workloads.py).
// One simulation per test case (process).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/temp_path.h"
#include "common/vcd_reader.h"
#include "config/config.h"
#include "runtime/simulation.h"

namespace tpu {
namespace {

const std::string kRoot = TPU_TLM_SOURCE_DIR;

RunResult run(const std::string& config, const std::string& workload, uint32_t batch, Workload* out = nullptr,
              const std::string& vcd = "", MxuModel mxu_model = MxuModel::Analytic) {
  init_time_resolution();
  ArchConfig cfg = load_config(kRoot + "/configs/" + config);
  cfg.mxu.model = mxu_model;  // the shipped configs simulate the array analytically
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
  const std::string path = test::temp_path("e2e_test.vcd");
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
  for (const char* s :
       {"$timescale", "$enddefinitions", "$scope module tpu", "$scope module mxu", "$scope module weight_fifo",
        "$scope module sequencer", "$scope module activation", "$scope module host_dma", " table3_category ",
        " occupancy ", " opcode ", " state ", " pcie_to_device_bytes_per_window ", " channel0_bytes_per_window ",
        "$scope module dram", "$scope module channel1", " command ", " queued "})
    EXPECT_NE(vcd.find(s), std::string::npos) << s;
  // No date (determinism), the model's time resolution as the timescale.
  EXPECT_EQ(vcd.find("$date"), std::string::npos);
  EXPECT_NE(vcd.find("$timescale\n  1 fs\n$end"), std::string::npos);
  EXPECT_GT(std::count(vcd.begin(), vcd.end(), '#'), 1000);  // many timestamps
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
  std::filesystem::remove(path);
}

// The JEDEC DRAM (tpu_v1.yaml: 2 channels of DDR3-2133) inside a whole-chip run of ResNet-50
// (25 MB of weights: the DRAM is busy), checked from the outside: each channel's command bus as
// the VCD records it (one command per tCK pulse), against the bus-level constraints the tests take
// from the config's timing table.
struct JedecRun {
  ArchConfig cfg;
  RunResult result;
  struct Channel {
    std::vector<uint64_t> acts, refs, columns;  // cycles of ACT, REF, RD/RDA/WR/WRA
    uint64_t read_bursts = 0;
  };
  std::vector<Channel> channels;
};

JedecRun run_resnet50_with_jedec(const std::string& vcd_name) {
  const std::string path = test::temp_path(vcd_name);
  std::filesystem::remove(path);
  init_time_resolution();
  JedecRun j;
  j.cfg = load_config(kRoot + "/configs/tpu_v1.yaml");
  EXPECT_EQ(j.cfg.dram.model, DramModel::Jedec);
  const Network net = load_network(kRoot + "/traces/resnet50/workload.yaml");
  RunOptions opt;
  opt.vcd_path = path;
  j.result = run_simulation(j.cfg, net, opt);
  EXPECT_GT(j.result.compared, 0u);
  EXPECT_EQ(j.result.mismatches, 0u);
  const uint64_t tck = sc_core::sc_time(j.cfg.dram.tck_seconds(), sc_core::SC_SEC).value();
  const test::ParsedVcd v = test::parse_vcd(path);
  enum { ACT = 0, PRE, RD, WR, RDA, WRA, REF, REFPB, NONE = 0xff };
  for (uint32_t c = 0; c < j.cfg.dram.channels; ++c) {
    const std::string name = "tpu.dram.channel" + std::to_string(c) + ".command";
    EXPECT_TRUE(v.waves.count(name)) << name;
    JedecRun::Channel ch;
    if (v.waves.count(name))
      for (const auto& [time, bits] : v.waves.at(name)) {
        const uint64_t cmd = std::stoull(bits, nullptr, 2);
        if (cmd == NONE) continue;
        EXPECT_EQ(time % tck, 0u) << name << ": a command off the tCK grid at " << time;
        const uint64_t cycle = time / tck;
        if (cmd == ACT) ch.acts.push_back(cycle);
        if (cmd == REF) ch.refs.push_back(cycle);
        if (cmd == RD || cmd == RDA || cmd == WR || cmd == WRA) ch.columns.push_back(cycle);
        ch.read_bursts += cmd == RD || cmd == RDA;
      }
    j.channels.push_back(std::move(ch));
  }
  std::filesystem::remove(path);
  return j;
}

// Column commands tCCD_S apart (data bursts do not overlap), ACTs tRRD_S apart and at most four
// in any tFAW, no ACT within tRFC after a REF; and the RD bursts account for every weight byte the
// chip read.
TEST(EndToEnd, JedecDramTimingHoldsInAWholeChipRun) {
  const JedecRun j = run_resnet50_with_jedec("e2e_jedec.vcd");
  const DramTiming& t = j.cfg.dram.timing;
  uint64_t read_bursts = 0;
  for (size_t c = 0; c < j.channels.size(); ++c) {
    const auto& [acts, refs, columns, reads] = j.channels[c];
    read_bursts += reads;
    const std::string name = "channel " + std::to_string(c);
    ASSERT_GT(acts.size(), 1000u) << name;
    ASSERT_GT(refs.size(), 10u) << name;
    for (size_t i = 1; i < columns.size(); ++i)
      ASSERT_GE(columns[i] - columns[i - 1], t.tCCD_S) << name << ": column commands at " << columns[i];
    for (size_t i = 1; i < acts.size(); ++i)
      ASSERT_GE(acts[i] - acts[i - 1], t.tRRD_S) << name << ": ACTs at " << acts[i];
    for (size_t i = 4; i < acts.size(); ++i)
      ASSERT_GE(acts[i] - acts[i - 4], t.tFAW) << name << ": five ACTs from " << acts[i - 4];
    size_t a = 0;
    for (uint64_t ref : refs) {
      while (a < acts.size() && acts[a] < ref) ++a;
      if (a < acts.size()) {
        ASSERT_GE(acts[a] - ref, t.tRFC) << name << ": ACT at " << acts[a] << " after REF at " << ref;
      }
    }
  }
  const uint64_t burst_bytes = uint64_t(j.cfg.dram.bus_width_bits) / 8 * j.cfg.dram.burst_length;
  EXPECT_EQ(read_bursts * burst_bytes, j.result.stats["tpu"]["dram"]["bytes_read"].get<uint64_t>());
}

// JEDEC allows at most 8 refreshes postponed: consecutive REFs of a rank at most 9 tREFI apart;
// and every REF the channels counted is on the VCD's command bus (an idle channel issues its
// REFs when it next runs, at their cycles in the past: the VCD must still show them there).
TEST(EndToEnd, JedecRefreshKeepsUpInAWholeChipRun) {
  const JedecRun j = run_resnet50_with_jedec("e2e_jedec_refresh.vcd");
  const uint64_t limit = 9ull * j.cfg.dram.timing.tREFI;
  for (size_t c = 0; c < j.channels.size(); ++c) {
    const auto& refs = j.channels[c].refs;
    ASSERT_FALSE(refs.empty()) << "channel " << c;
    EXPECT_EQ(refs.size(), j.result.stats["tpu"]["dram"]["channels"][c]["commands"]["REF"].get<uint64_t>())
        << "channel " << c;
    EXPECT_LE(refs.front(), limit) << "channel " << c;
    for (size_t i = 1; i < refs.size(); ++i)
      ASSERT_LE(refs[i] - refs[i - 1], limit) << "channel " << c << ": REF at " << refs[i];
  }
}

// The cycle model's pins in the VCD: the clock's rising edges fall on whole core cycles, and
// there is at least one per row the MXU streamed (counted by the MXU, not by the trace).
TEST(EndToEnd, VcdHasThePinLevelArrayWithTheCycleModel) {
  const std::string path = test::temp_path("e2e_pins.vcd");
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
