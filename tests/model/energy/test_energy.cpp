// Tests of the energy model (model/energy/): every action of a real run accounted exactly once
// with the table's energy, the DRAM's DRAMPower formula against hand-computed joules, and the
// energy config's errors. Expected values are derived here from the counts and the table.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "chip/tpu.h"
#include "common/temp_path.h"
#include "common/test_util.h"
#include "common/vcd_reader.h"
#include "config/config.h"
#include "energy/dram_energy.h"
#include "energy/energy.h"
#include "energy/energy_meter.h"
#include "energy/power.h"
#include "lowering/lowering.h"
#include "runtime/host.h"
#include "runtime/simulation.h"

namespace tpu {
namespace {

const std::string kRoot = TPU_TLM_SOURCE_DIR;

// Relative comparison for sums of doubles.
void ExpectClose(double got, double want, const std::string& what) {
  EXPECT_NEAR(got, want, 1e-9 * std::max(1.0, std::fabs(want)) + 1e-18) << what;
}

// The digits MLP on TPU v1: the energy of every action is its counter (read from the stats) x the
// table's pJ, each appears once, and the totals are their sums plus static power x time.
TEST(Energy, EveryActionOfARunCountedOnceWithTheTablesEnergy) {
  init_time_resolution();
  const ArchConfig cfg = load_config(kRoot + "/configs/tpu_v1.yaml");
  const Workload w = load_workload(kRoot + "/traces/digits/workload.yaml");
  const RunResult r = run_simulation(cfg, w, RunOptions{});
  const nlohmann::json& t = r.stats["tpu"];
  const nlohmann::json& e = r.stats["energy"];
  const EnergyConfig& k = cfg.energy;
  auto n = [&t](const char* block, const char* key) { return t[block][key].get<double>(); };

  // (block, action) -> expected joules, from the counters and the table.
  std::map<std::pair<std::string, std::string>, double> want;
  want[{"mxu", "mac"}] = n("mxu", "array_macs") * k.mac_pj * 1e-12;
  want[{"mxu", "weight_shift"}] = n("mxu", "tiles_switched") * k.weight_shift_pj_per_tile * 1e-12;
  want[{"unified_buffer", "read"}] = n("unified_buffer", "bytes_read") / 256 * k.ub_read_pj_per_row * 1e-12;
  want[{"unified_buffer", "write"}] = n("unified_buffer", "bytes_written") / 256 * k.ub_write_pj_per_row * 1e-12;
  want[{"accumulators", "read"}] = n("accumulators", "bytes_read") / 1024 * k.acc_read_pj_per_row * 1e-12;
  want[{"accumulators", "write"}] = n("accumulators", "bytes_written") / 1024 * k.acc_write_pj_per_row * 1e-12;
  want[{"weight_fifo", "write"}] = n("weight_fifo", "tiles_fetched") * k.weight_fifo_write_pj_per_tile * 1e-12;
  want[{"weight_fifo", "read"}] = n("mxu", "tiles_switched") * k.weight_fifo_read_pj_per_tile * 1e-12;
  want[{"activation_unit", "element"}] =
      (n("activation_unit", "rows") + n("activation_unit", "pool_rows") + n("activation_unit", "vector_rows")) * 256 *
      k.activation_pj_per_element * 1e-12;
  // This workload has no table lookups (fn = lookup): 0 J; scripts/test_operators.py checks the
  // action on a network that has them.
  want[{"activation_unit", "lookup"}] = n("activation_unit", "lookups") * k.activation_lookup_pj * 1e-12;
  double instructions = 0;
  for (const auto& [op, count] : t["sequencer"]["instructions"].items()) instructions += count.get<double>();
  EXPECT_EQ(instructions, double(r.lowered.program.size()));
  want[{"sequencer", "instruction"}] = instructions * k.instruction_pj * 1e-12;
  want[{"host_interface", "pcie"}] = (t["host_interface"]["pcie_to_device"]["bytes"].get<double>() +
                                      t["host_interface"]["pcie_to_host"]["bytes"].get<double>()) *
                                     k.pcie_pj_per_byte * 1e-12;
  want[{"static", "static"}] = k.static_power_w * r.run_seconds;

  // The run did each kind of work but lookups, so no other expectation is vacuous.
  for (const auto& [key, j] : want)
    if (key.second != "lookup") EXPECT_GT(j, 0.0) << key.first << "." << key.second;
  EXPECT_EQ(want[std::make_pair(std::string("activation_unit"), std::string("lookup"))], 0.0);

  double die = 0;
  size_t die_actions = 0;
  for (const auto& [block, b] : e["blocks"].items()) {
    double block_sum = 0;
    for (const auto& [action, a] : b["actions"].items()) {
      block_sum += a["j"].get<double>();
      if (block == "dram") continue;
      ++die_actions;
      const auto it = want.find({block, action});
      ASSERT_NE(it, want.end()) << "unexpected action " << block << "." << action;
      ExpectClose(a["j"].get<double>(), it->second, block + "." + action);
      die += it->second;
    }
    ExpectClose(b["j"].get<double>(), block_sum, block + " total");
  }
  EXPECT_EQ(die_actions, want.size());  // every expected action appears, none twice
  ExpectClose(e["die_j"].get<double>(), die, "die_j");
  ExpectClose(e["static_j"].get<double>(), k.static_power_w * r.run_seconds, "static_j");
  ExpectClose(e["total_j"].get<double>(), die + e["blocks"]["dram"]["j"].get<double>(), "total_j");
  ExpectClose(e["die_power_w"].get<double>(), die / r.run_seconds, "die_power_w");
  ExpectClose(e["per_inference_j"].get<double>(), e["total_j"].get<double>() / w.samples, "per_inference_j");
  ExpectClose(e["tops_per_w_die"].get<double>(), r.tops / (die / r.run_seconds), "tops_per_w_die");
  EXPECT_EQ(e["dram_method"], "idd");
}

// DRAMPower's formulas, evaluated by hand for DDR3-2133 (tCK = 0.9375 ns) with the preset's
// Micron currents (VDD 1.5 V; IDD0 75, IDD2N 40, IDD3N 45, IDD4R 150, IDD4W 155, IDD5 230 mA),
// eight x8 devices per rank, one rank, over 2 us with the open page policy.
TEST(DramEnergy, ShortCommandSequenceMatchesTheIddFormulas) {
  const ArchConfig cfg = load_config(kRoot + "/configs/tpu_v1.yaml");
  const DramConfig& d = cfg.dram;
  ASSERT_EQ(d.timing.tRAS, 36u);
  ASSERT_EQ(d.timing.tRC, 50u);
  ASSERT_EQ(d.timing.tRFC, 278u);
  DramChannelCounts c;
  c.act = 3, c.pre = 2, c.rd = 10, c.wr = 4, c.ref = 1;
  c.bytes_read = 640, c.bytes_written = 256;
  const double tck = 2.0 / 2133e6, s = 2e-6;
  const std::vector<DramEnergyTerm> terms = dram_energy(d, {c, DramChannelCounts{}}, s);
  std::map<std::string, double> want = {
      {"ACT", 3 * 1.5 * (75 - 45) * 1e-3 * 36 * tck * 8},
      {"PRE", 2 * 1.5 * (75 - 40) * 1e-3 * (50 - 36) * tck * 8},
      {"RD", 10 * 1.5 * (150 - 45) * 1e-3 * 4 * tck * 8},
      {"WR", 4 * 1.5 * (155 - 45) * 1e-3 * 4 * tck * 8},
      {"REF", 1 * 1.5 * (230 - 45) * 1e-3 * 278 * tck * 8},
      {"REFPB", 0.0},
      // Channel 0 activated a row: active standby for the whole window; channel 1 never did.
      {"background_active", 1.5 * 45e-3 * s * 8},
      {"background_precharged", 1.5 * 40e-3 * s * 8}};
  double sum = 0;
  for (const DramEnergyTerm& t : terms) {
    ASSERT_TRUE(want.count(t.action)) << t.action;
    ExpectClose(t.joules, want[t.action], t.action);
    sum += want[t.action];
    want.erase(t.action);
  }
  EXPECT_TRUE(want.empty());
  ExpectClose(total_joules(terms), sum, "total");
}

// With the channel's bank-open counter (1500 of 2133 rank-cycles with a bank open) the background
// is IDD3N for those cycles and IDD2N for the rest, not the whole span active.
TEST(DramEnergy, MeasuredBankOpenCyclesSplitTheBackground) {
  const ArchConfig cfg = load_config(kRoot + "/configs/tpu_v1.yaml");
  ASSERT_EQ(cfg.dram.power.idd3n, 45.0);
  ASSERT_EQ(cfg.dram.power.idd2n, 40.0);
  DramChannelCounts c;
  c.open_rank_cycles = 1500;
  c.rank_cycles = 2133;
  const double tck = 2.0 / 2133e6;
  for (const DramEnergyTerm& t : dram_energy(cfg.dram, {c}, 1.0)) {  // (the span is not used when measured)
    if (t.action == "background_active") ExpectClose(t.joules, 1.5 * 45e-3 * 1500 * tck * 8, "IDD3N time");
    else if (t.action == "background_precharged") ExpectClose(t.joules, 1.5 * 40e-3 * 633 * tck * 8, "IDD2N time");
    else EXPECT_EQ(t.joules, 0.0) << t.action;
  }
}

TEST(DramEnergy, PicojoulesPerBitCountsBytesOnly) {
  const ArchConfig cfg = load_config(kRoot + "/configs/tpu_v1_hbm.yaml");
  ASSERT_EQ(cfg.dram.power.pj_per_bit, 3.9);
  DramChannelCounts c;
  c.act = 7, c.rd = 2, c.bytes_read = 128, c.bytes_written = 64;
  const auto terms = dram_energy(cfg.dram, {c}, 1e-3);
  ExpectClose(total_joules(terms), (128 + 64) * 8 * 3.9e-12, "total");
}

TEST(DramEnergy, CountsFromAControllerReport) {
  const ArchConfig cfg = load_config(kRoot + "/configs/tpu_v1.yaml");
  const nlohmann::json report = {
      {"bytes_read", 64 * 5},
      {"bytes_written", 64},
      {"channels",
       {{{"commands",
          {{"ACT", 2}, {"PRE", 1}, {"RD", 3}, {"RDA", 2}, {"WR", 0}, {"WRA", 1}, {"REF", 4}, {"REFPB", 0}}}}}}};
  bool from_commands = false;
  const auto c = dram_counts(cfg.dram, report, &from_commands);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_TRUE(from_commands);
  EXPECT_EQ(c[0].act, 2u);
  EXPECT_EQ(c[0].pre, 1u + 2 + 1);  // PRE + RDA + WRA
  EXPECT_EQ(c[0].rd, 5u);
  EXPECT_EQ(c[0].wr, 1u);
  EXPECT_EQ(c[0].ref, 4u);
  EXPECT_EQ(c[0].bytes_read, 5u * 64);
}

// The bandwidth model counts bytes per channel, no commands: bursts from bytes, reads and writes in
// the totals' proportion, and a channel that moved data counts as in active standby.
TEST(DramEnergy, CountsFromABandwidthModelReport) {
  const ArchConfig cfg = load_config(kRoot + "/configs/tpu_v1.yaml");
  const nlohmann::json report = {
      {"bytes_read", 3 * 640}, {"bytes_written", 640}, {"channels", {{{"bytes", 1280}}, {{"bytes", 0}}}}};
  bool from_commands = true;
  const auto c = dram_counts(cfg.dram, report, &from_commands);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_FALSE(from_commands);
  EXPECT_EQ(c[0].bytes_read, 960u);  // 3/4 of 1280
  EXPECT_EQ(c[0].bytes_written, 320u);
  EXPECT_EQ(c[0].rd, 15u);  // 960 / 64
  EXPECT_EQ(c[0].wr, 5u);
  EXPECT_EQ(c[0].act, 0u);
  const double s = 1e-6;
  for (const DramEnergyTerm& t : dram_energy(cfg.dram, c, s)) {
    if (t.action == "background_active") ExpectClose(t.joules, 1.5 * 45e-3 * s * 8, "active: channel 0");
    if (t.action == "background_precharged") ExpectClose(t.joules, 1.5 * 40e-3 * s * 8, "precharged: channel 1");
  }
}

TEST(Energy, MissingCounterIsAnError) {
  const ArchConfig cfg;
  const std::string msg = test::ErrorOf("tpu/energy", [&] { compute_energy(cfg, nlohmann::json::object(), 1.0); });
  EXPECT_TRUE(test::Contains(msg, "tpu.mxu"));
}

// The shipped preset holds the same numbers as the defaults in config.h.
TEST(EnergyConfig, PresetEqualsTheDefaults) {
  const ArchConfig cfg = load_config(kRoot + "/configs/tpu_v1.yaml");
  const EnergyConfig def;
  EXPECT_EQ(cfg.energy.node_nm, 28.0);
  EXPECT_NEAR(cfg.energy.mac_pj, def.mac_pj, 1e-4);
  EXPECT_NEAR(cfg.energy.mac_pj, (0.2 + 0.1) * 28 / 45, 1e-4);  // Horowitz int8 mult + int32 add, scaled
  EXPECT_NEAR(cfg.energy.ub_read_pj_per_row, def.ub_read_pj_per_row, 0.1);
  EXPECT_NEAR(cfg.energy.acc_read_pj_per_row, def.acc_read_pj_per_row, 0.1);
  EXPECT_NEAR(cfg.energy.weight_shift_pj_per_tile, def.weight_shift_pj_per_tile, 1);
  EXPECT_NEAR(cfg.energy.weight_fifo_write_pj_per_tile, def.weight_fifo_write_pj_per_tile, 0.1);
  EXPECT_NEAR(cfg.energy.activation_pj_per_element, def.activation_pj_per_element, 1e-4);
  EXPECT_NEAR(cfg.energy.activation_lookup_pj, def.activation_lookup_pj, 1e-3);
  EXPECT_NEAR(cfg.energy.instruction_pj, def.instruction_pj, 1e-3);
  EXPECT_EQ(cfg.energy.pcie_pj_per_byte, def.pcie_pj_per_byte);
  EXPECT_EQ(cfg.energy.static_power_w, def.static_power_w);
  const DramPowerConfig dp;
  EXPECT_EQ(cfg.dram.power.idd0, dp.idd0);
  EXPECT_EQ(cfg.dram.power.idd4r, dp.idd4r);
}

class EnergyConfigFile : public test::ManifestDirTest {
 protected:
  std::string LoadError(const std::string& text, const std::string& preset = "") {
    if (!preset.empty()) WriteManifest(preset, "e.yaml");
    const std::string path = WriteManifest(text, "cfg.yaml");
    return test::ErrorOf("tpu/config", [&] { load_config(path); });
  }
  // A complete energy section with `key` left out.
  static std::string EnergyWithout(const std::string& key) {
    std::string s = "energy:\n";
    for (const char* k : {"node_nm", "mac_pj", "weight_shift_pj_per_tile", "ub_read_pj_per_row", "ub_write_pj_per_row",
                          "acc_read_pj_per_row", "acc_write_pj_per_row", "weight_fifo_write_pj_per_tile",
                          "weight_fifo_read_pj_per_tile", "activation_pj_per_element", "activation_lookup_pj",
                          "instruction_pj", "pcie_pj_per_byte", "static_power_w"})
      if (key != k) s += std::string("  ") + k + ": 1\n";
    return s;
  }
};

TEST_F(EnergyConfigFile, MissingEnergyNamesTheKey) {
  EXPECT_TRUE(test::Contains(LoadError("name: x\n" + EnergyWithout("mac_pj")), "energy.mac_pj: missing"));
  EXPECT_TRUE(
      test::Contains(LoadError("name: x\n" + EnergyWithout("static_power_w")), "energy.static_power_w: missing"));
}

TEST_F(EnergyConfigFile, MissingEnergyInPresetAndSectionNamesTheKey) {
  const std::string preset = "name: p\n" + EnergyWithout("acc_write_pj_per_row");
  const std::string msg = LoadError("name: x\nenergy:\n  preset: e.yaml\n", preset);
  EXPECT_TRUE(test::Contains(msg, "energy.acc_write_pj_per_row: missing"));
}

TEST_F(EnergyConfigFile, AllStatedLoads) {
  const std::string path = WriteManifest("name: x\n" + EnergyWithout("mac_pj") + "  mac_pj: 2\n", "cfg.yaml");
  EXPECT_EQ(load_config(path).energy.mac_pj, 2.0);
}

TEST_F(EnergyConfigFile, NegativeEnergyNamesTheKey) {
  const std::string text =
      "name: x\nenergy:\n  preset: " + kRoot + "/configs/energy/horowitz_28nm.yaml\n  mac_pj: -0.5\n";
  const std::string msg = LoadError(text);
  EXPECT_TRUE(test::Contains(msg, "energy.mac_pj: must be >= 0, got -0.5")) << msg;
}

TEST_F(EnergyConfigFile, NegativeDramCurrentNamesTheKey) {
  const std::string msg = LoadError("name: x\ndram:\n  power:\n    idd4r: -3\n");
  EXPECT_TRUE(test::Contains(msg, "dram.power.idd4r: must be >= 0, got -3")) << msg;
}

TEST_F(EnergyConfigFile, NonNumericEnergyNamesTheKey) {
  const std::string text =
      "name: x\nenergy:\n  preset: " + kRoot + "/configs/energy/horowitz_28nm.yaml\n  static_power_w: lots\n";
  const std::string msg = LoadError(text);
  EXPECT_TRUE(test::Contains(msg, "static_power_w")) << msg;
}

TEST_F(EnergyConfigFile, UnknownEnergyKey) {
  const std::string msg = LoadError("name: x\nenergy:\n  mac_pJ: 1\n");
  EXPECT_TRUE(test::Contains(msg, "mac_pJ")) << msg;
}

// Metered windows: a network run on TPU v1 (JEDEC DDR3-2133, two channels) through the chip and
// host modules themselves, kept alive to read the meter. Each window's counts are the actions
// charged in it; over the windows each count is the block's own counter exactly (integers), so
// each action's window energies sum to the run's.
TEST(PowerWindows, EachWindowIsMeteredAndTheWindowsSumToTheRun) {
  init_time_resolution();
  const ArchConfig cfg = load_config(kRoot + "/configs/tpu_v1.yaml");
  ASSERT_EQ(cfg.dram.model, DramModel::Jedec);
  const Network net = load_network(kRoot + "/traces/conv_small/workload.yaml");
  const LoweredProgram program = lower_network(net, cfg);
  Tpu chip("tpu", cfg, sc_core::sc_time(1, sc_core::SC_US));
  Host host("host", program);
  host.socket.bind(chip.host_socket());
  chip.pcie_socket().bind(host.memory.socket);
  host.interrupt.bind(chip.interrupt);
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc_core::sc_start();
  ASSERT_TRUE(host.finished());
  const nlohmann::json r = chip.report();

  // The meter's totals are the blocks' counters; its windows sum to its totals.
  const auto total = [&](MeteredAction a) { return chip.meter.counter(a).total(); };
  EXPECT_EQ(total(MeteredAction::kMac), r["mxu"]["array_macs"].get<uint64_t>());
  EXPECT_EQ(total(MeteredAction::kWeightShift), r["mxu"]["tiles_switched"].get<uint64_t>());
  EXPECT_EQ(total(MeteredAction::kWeightFifoWrite), r["weight_fifo"]["tiles_fetched"].get<uint64_t>());
  EXPECT_EQ(total(MeteredAction::kUbRead), r["unified_buffer"]["bytes_read"].get<uint64_t>());
  EXPECT_EQ(total(MeteredAction::kUbWrite), r["unified_buffer"]["bytes_written"].get<uint64_t>());
  EXPECT_EQ(total(MeteredAction::kAccRead), r["accumulators"]["bytes_read"].get<uint64_t>());
  EXPECT_EQ(total(MeteredAction::kAccWrite), r["accumulators"]["bytes_written"].get<uint64_t>());
  EXPECT_EQ(total(MeteredAction::kActivationRow), r["activation_unit"]["rows"].get<uint64_t>() +
                                                      r["activation_unit"]["pool_rows"].get<uint64_t>() +
                                                      r["activation_unit"]["vector_rows"].get<uint64_t>());
  EXPECT_EQ(total(MeteredAction::kInstruction), program.program.size());
  EXPECT_EQ(total(MeteredAction::kPcie), r["host_interface"]["pcie_to_device"]["bytes"].get<uint64_t>() +
                                             r["host_interface"]["pcie_to_host"]["bytes"].get<uint64_t>());
  EXPECT_EQ(total(MeteredAction::kLookup), r["activation_unit"]["lookups"].get<uint64_t>());
  for (size_t a = 0; a < kMeteredActions; ++a) {
    const WindowCounter& c = chip.meter.counter(MeteredAction(a));
    // The run did each kind of work but table lookups (its network has no lookup layer).
    if (MeteredAction(a) != MeteredAction::kLookup) EXPECT_GT(c.total(), 0u) << "action " << a;
    uint64_t sum = 0;
    for (int64_t k = 0; k < c.windows(); ++k) sum += c.window(k);
    EXPECT_EQ(sum, c.total()) << "action " << a;
  }
  // The DRAM channels' commands per window sum to their commands.
  const auto& dram = dynamic_cast<const DramController&>(*chip.dram);
  for (uint32_t ch = 0; ch < cfg.dram.channels; ++ch) {
    std::array<uint64_t, kDramCommands> sum{};
    for (const auto& w : dram.channel(ch).stats().window_commands)
      for (int c = 0; c < kDramCommands; ++c) sum[c] += w[c];
    for (int c = 0; c < kDramCommands; ++c) EXPECT_EQ(sum[c], dram.channel(ch).stats().commands[c]) << ch << " " << c;
  }

  // Per action, the windows' joules sum to the run's (the run priced from the report's counters).
  sc_core::sc_time from, to;
  chip.sequencer.run_span(&from, &to);
  const double seconds = (to - from).to_seconds();
  const std::vector<DramChannelCounts> background = dram_background(chip, from, to);
  const EnergyBreakdown run = compute_energy(cfg, r, seconds, &background);
  const std::vector<WindowPower> windows = power_windows(cfg, chip, sc_core::sc_time_stamp());
  ASSERT_GE(windows.size(), size_t(std::ceil(sc_core::sc_time_stamp().to_seconds() / 1e-6 - 1e-9)));
  std::map<std::string, double> by_action;
  for (size_t k = 0; k < windows.size(); ++k)
    for (const ActionEnergy& a : energy_of(cfg, window_counts(cfg, chip, int64_t(k))).actions)
      by_action[a.block + "." + a.action] += a.joules;
  ASSERT_EQ(by_action.size(), run.actions.size());
  for (const ActionEnergy& a : run.actions)
    EXPECT_NEAR(by_action[a.block + "." + a.action], a.joules, 1e-12 * std::max(a.joules, 1e-15))
        << a.block << "." << a.action;
  // Window power x length is the window's energy, and the windows' die energy is the run's.
  double die_j = 0;
  for (const WindowPower& w : windows) die_j += w.die_w() * (w.end_s - w.start_s);
  ExpectClose(die_j, run.die_j(), "die energy over the windows");
  // The bank-open counter: the run's open rank-cycles are within its rank-cycles, and open
  // policy with refresh leaves some cycles precharged.
  for (const DramChannelCounts& c : background) {
    EXPECT_GT(c.open_rank_cycles, 0.0);
    EXPECT_LT(c.open_rank_cycles, c.rank_cycles);
  }
}

// A network run: its layers' energies add up to the run's, its windows' dynamic die energy adds
// up to the run's, and the power CSV has a row per window.
TEST(Energy, LayersAndWindowsOfANetworkRunAddUp) {
  init_time_resolution();
  const ArchConfig cfg = load_config(kRoot + "/configs/tpu_v1.yaml");
  const Network net = load_network(kRoot + "/traces/conv_small/workload.yaml");
  const std::string csv = test::temp_path("energy_power.csv");
  RunOptions opt;
  opt.power_csv = csv;
  const RunResult r = run_simulation(cfg, net, opt);
  const nlohmann::json& e = r.stats["energy"];
  double layers = 0, layer_cycles = 0;
  for (const auto& l : r.stats["layers"]) {
    EXPECT_GE(l["energy_j"].get<double>(), 0.0);
    ExpectClose(l["energy_j"].get<double>(), l["die_energy_j"].get<double>() + l["dram_energy_j"].get<double>(),
                "layer");
    layers += l["energy_j"].get<double>();
    layer_cycles += l["cycles"].get<double>();
  }
  ASSERT_EQ(layer_cycles, double(r.run_cycles));
  ExpectClose(layers, e["total_j"].get<double>(), "layers' sum");
  // The CSV: a header and one line per window, each window's die power >= the static power.
  std::ifstream f(csv);
  std::string line;
  ASSERT_TRUE(std::getline(f, line));
  EXPECT_TRUE(test::StartsWith(line, "start_ns,end_ns,die_w,die_dynamic_w,static_w,dram_w,total_w,"));
  size_t rows = 0;
  double dynamic_j = 0, static_j = 0;
  while (std::getline(f, line)) {
    ++rows;
    std::istringstream in(line);
    std::string cell;
    std::vector<double> v;
    while (std::getline(in, cell, ',')) v.push_back(std::stod(cell));
    EXPECT_LE(v[4], cfg.energy.static_power_w * (1 + 1e-9));  // static power only within the run
    dynamic_j += v[3] * (v[1] - v[0]) * 1e-9;
    static_j += v[4] * (v[1] - v[0]) * 1e-9;
  }
  EXPECT_EQ(rows, e["power"]["windows"].get<size_t>());
  EXPECT_NEAR(dynamic_j, e["die_dynamic_j"].get<double>(), 1e-6 * e["die_dynamic_j"].get<double>());
  EXPECT_NEAR(static_j, e["static_j"].get<double>(), 1e-6 * e["static_j"].get<double>());
  EXPECT_GE(e["power"]["peak_die_w"].get<double>(), e["power"]["mean_die_w"].get<double>());
  std::remove(csv.c_str());
}

// The main VCD carries the power per window (PowerTrace): at each window boundary the power.*
// signals take the window just ended, the same milliwatts as the power CSV's row, and nothing
// reached a window after the trace had written it.
TEST(PowerTrace, MainVcdHoldsEachWindowsPowerAtItsEnd) {
  init_time_resolution();
  const ArchConfig cfg = load_config(kRoot + "/configs/tpu_v1.yaml");
  const Network net = load_network(kRoot + "/traces/conv_small/workload.yaml");
  RunOptions opt;
  opt.vcd_path = test::temp_path("energy_main.vcd");
  opt.power_csv = test::temp_path("energy_main.csv");
  const RunResult r = run_simulation(cfg, net, opt);
  EXPECT_EQ(r.stats["energy"]["power"]["late_charges"].get<uint64_t>(), 0u);
  const test::ParsedVcd v = test::parse_vcd(opt.vcd_path);
  ASSERT_EQ(v.timescale, "1 fs");
  std::ifstream f(opt.power_csv);
  std::string line;
  ASSERT_TRUE(std::getline(f, line));
  std::vector<std::vector<double>> rows;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::vector<double> row;
    for (std::string cell; std::getline(in, cell, ',');) row.push_back(std::stod(cell));
    rows.push_back(row);
  }
  ASSERT_GE(rows.size(), 2u);
  // The value a wave holds at time t (the last change at or before t).
  const auto at = [](const test::Wave& w, uint64_t t) {
    uint64_t value = 0;
    for (const auto& [time, bits] : w)
      if (time <= t) value = std::stoull(bits, nullptr, 2);
    return value;
  };
  const test::Wave& die = v.waves.at("power.die_mw");
  const test::Wave& total = v.waves.at("power.total_mw");
  const test::Wave& mxu = v.waves.at("power.mxu_mw");
  const uint64_t window_fs = 1000000000;  // 1 us
  size_t checked = 0;
  for (size_t k = 0; k + 1 < rows.size(); ++k) {  // window k ends at (k + 1) us (the last is cut at the end)
    const uint64_t end = (k + 1) * window_fs;
    if (double(end) * 1e-6 > rows.back()[1] * 1e3) break;  // past the simulation's end
    // CSV: start_ns, end_ns, die_w, die_dynamic_w, static_w, dram_w, total_w, <block>_w...
    EXPECT_NEAR(double(at(die, end)), rows[k][2] * 1e3, 0.5 + 1e-6 * rows[k][2] * 1e3) << "window " << k;
    EXPECT_NEAR(double(at(total, end)), rows[k][6] * 1e3, 0.5 + 1e-6 * rows[k][6] * 1e3) << "window " << k;
    ++checked;
  }
  EXPECT_GE(checked, 1u);
  uint64_t mxu_peak = 0;  // the MXU's power shows up in some window
  for (const auto& [time, bits] : mxu) mxu_peak = std::max<uint64_t>(mxu_peak, std::stoull(bits, nullptr, 2));
  EXPECT_GT(mxu_peak, 0u);
  std::remove(opt.vcd_path.c_str());
  std::remove(opt.power_csv.c_str());
}

// The power VCD reads back as a waveform of milliwatts per window, changes only.
TEST(PowerWindows, VcdHoldsMilliwattsPerWindow) {
  std::vector<WindowPower> w(3);
  for (int k = 0; k < 3; ++k) {
    w[k].start_s = k * 1e-6, w[k].end_s = (k + 1) * 1e-6;
    w[k].static_w = 7.5;
    w[k].block_w = {{"mxu", k == 1 ? 2.0 : 0.0}, {"static", 7.5}};
    w[k].die_dynamic_w = w[k].block_w["mxu"];
  }
  const std::string path = test::temp_path("energy_power.vcd");
  write_power_vcd(path, w);
  const test::ParsedVcd v = test::parse_vcd(path);
  EXPECT_EQ(v.timescale, "1 ns");
  const test::Wave& die = v.waves.at("power.die_mw");
  ASSERT_EQ(die.size(), 3u);
  EXPECT_EQ(die[0], (std::pair<uint64_t, std::string>{0, "1110101001100"}));      // 7500 mW
  EXPECT_EQ(die[1], (std::pair<uint64_t, std::string>{1000, "10010100011100"}));  // 9500 mW
  EXPECT_EQ(die[2], (std::pair<uint64_t, std::string>{2000, "1110101001100"}));
  EXPECT_EQ(v.waves.at("power.mxu_mw").size(), 3u);
  EXPECT_EQ(v.waves.count("power.static_mw"), 1u);  // the total, not a second per-block copy
  std::remove(path.c_str());
}

}  // namespace
}  // namespace tpu
