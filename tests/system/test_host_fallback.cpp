// Host fallback end to end: a network with host operations (traces/host_ops_small: LayerNorm and
// Softmax on the host between MXU layers) against the golden outputs of scripts/tpu_ref.py, the
// host's time against the formula of the host model and the PCIe model, the host-interaction
// report and the VCD's host signals; a hand-written Interrupt_Host without a host-operation table.
// One simulation per test case (process).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/temp_path.h"
#include "common/test_util.h"
#include "common/vcd_reader.h"
#include "config/config.h"
#include "manifest/network.h"
#include "runtime/host_model.h"
#include "runtime/simulation.h"

namespace tpu {
namespace {

const std::string kRoot = TPU_TLM_SOURCE_DIR;

struct Run {
  ArchConfig cfg;
  Network net;
  RunResult r;
};

Run run(const std::string& config, const std::string& vcd = "") {
  init_time_resolution();
  Run x;
  x.cfg = load_config(kRoot + "/configs/" + config);
  x.net = load_network(kRoot + "/traces/host_ops_small/workload.yaml");
  RunOptions opt;
  opt.vcd_path = vcd;
  x.r = run_simulation(x.cfg, x.net, opt);
  return x;
}

// Seconds one 4-byte register access over PCIe takes in the link model (configs: pcie.*): the
// bytes at the link's bandwidth plus its fixed latency.
double register_access_s(const ArchConfig& cfg) {
  return 4.0 / cfg.pcie.bandwidth_bytes_per_s + cfg.pcie.latency_ns * 1e-9;
}

// The host's time for one host operation of `elements` int8 values: STATUS read, interrupt
// delivery, HOST_OP read, compute on one core, RESUME write (host_model.h, host.h).
double expected_wait_s(const ArchConfig& cfg, const HostModel& m, HostOpKind kind, uint64_t elements) {
  const double cpe = kind == HostOpKind::Softmax ? m.softmax_cycles_per_element : m.layernorm_cycles_per_element;
  return 3 * register_access_s(cfg) + m.interrupt_latency_ns * 1e-9 + double(elements) * cpe / m.clock_hz;
}

void expect_host_fallback(const Run& x) {
  const RunResult& r = x.r;
  EXPECT_EQ(r.compared, 2u * 10);  // 2 samples x 10 probabilities
  EXPECT_EQ(r.mismatches, 0u);
  // Three host operations, in layer order: ln (2 x 4 x 4 pixels x 37), sm (x 24), prob (2 x 10).
  const nlohmann::json& ops = r.stats["host"]["operations"];
  ASSERT_EQ(ops.size(), 3u);
  const HostModel m;
  const struct {
    const char* layer;
    HostOpKind kind;
    uint64_t elements;
  } want[] = {{"ln", HostOpKind::LayerNormalization, 2 * 16 * 37},
              {"sm", HostOpKind::Softmax, 2 * 16 * 24},
              {"prob", HostOpKind::Softmax, 2 * 10}};
  const double period_s = x.cfg.clock_period().to_seconds();
  double total_wait_s = 0;
  for (size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(want[i].layer);
    EXPECT_EQ(ops[i]["layer"], want[i].layer);
    EXPECT_EQ(ops[i]["elements"].get<uint64_t>(), want[i].elements);
    const double wait_s = expected_wait_s(x.cfg, m, want[i].kind, want[i].elements);
    EXPECT_NEAR(ops[i]["wait_ns"].get<double>() * 1e-9, wait_s, 1e-12);
    EXPECT_EQ(ops[i]["wait_cycles"].get<uint64_t>(), uint64_t(std::llround(wait_s / period_s)));
    total_wait_s += wait_s;
  }
  // The sequencer stalls from each interrupt to the clock edge after RESUME: at most one cycle more.
  const double seq_wait = r.stats["tpu"]["sequencer"]["cycles"]["host_wait"].get<double>();
  EXPECT_GE(seq_wait, total_wait_s / period_s - 3);
  EXPECT_LE(seq_wait, total_wait_s / period_s + 3);
  EXPECT_EQ(r.stats["tpu"]["sequencer"]["host_interrupts"].get<uint64_t>(), 3u);
  // Host interaction: the waits plus the host DMA, as a share of the run, per layer and in total.
  const nlohmann::json& h = r.stats["host"];
  uint64_t layer_sum = 0, dma_sum = 0;
  for (const auto& l : r.stats["layers"]) {
    EXPECT_EQ(l["host_cycles"].get<uint64_t>(),
              l["host_wait_cycles"].get<uint64_t>() + l["host_dma_cycles"].get<uint64_t>());
    EXPECT_DOUBLE_EQ(l["host_share"].get<double>(), double(l["host_cycles"].get<uint64_t>()) / double(r.run_cycles));
    if (l["op"] == "host_op") EXPECT_GT(l["host_dma_cycles"].get<uint64_t>(), 0u) << l["name"];
    else EXPECT_EQ(l["host_wait_cycles"].get<uint64_t>(), 0u) << l["name"];
    layer_sum += l["host_cycles"].get<uint64_t>();
    dma_sum += l["host_dma_cycles"].get<uint64_t>();
  }
  EXPECT_EQ(h["interaction_cycles"].get<uint64_t>(), layer_sum);
  EXPECT_EQ(h["dma_cycles"].get<uint64_t>(), dma_sum);
  EXPECT_DOUBLE_EQ(h["share"].get<double>(), double(layer_sum) / double(r.run_cycles));
  EXPECT_GT(h["wait_share"].get<double>(), 0.0);
  EXPECT_LT(h["share"].get<double>(), 1.0);
  // The summary and --layers show it.
  EXPECT_TRUE(test::Contains(summary(x.cfg, x.net, r), "host      3 host operations; host interaction "));
  EXPECT_TRUE(test::Contains(layer_table(r), "host%"));
}

TEST(HostFallback, SmallNetworkOnSmallConfig) { expect_host_fallback(run("small.yaml")); }

TEST(HostFallback, SmallNetworkOnTpuV1) { expect_host_fallback(run("tpu_v1.yaml")); }

TEST(HostFallback, VcdShowsTheHostBusyAndTheSequencerWaiting) {
  const std::string vcd = test::temp_path("host_fallback.vcd");
  run("small.yaml", vcd);
  std::ifstream f(vcd);
  std::stringstream s;
  s << f.rdbuf();
  std::filesystem::remove(vcd);
  const std::string text = s.str();
  EXPECT_TRUE(test::Contains(text, " host_op [15:0] $end"));
  // host.busy: "$var wire 1 <id> busy $end"; it rises once per host operation ("1<id>" lines).
  const size_t decl = text.find(" busy $end");
  ASSERT_NE(decl, std::string::npos);
  const size_t line = text.rfind('\n', decl) + 1;
  std::istringstream fields(text.substr(line, decl - line));
  std::string var, wire, width, id;
  fields >> var >> wire >> width >> id;
  EXPECT_EQ(width, "1");
  size_t rises = 0;
  for (size_t at = text.find("\n1" + id + "\n"); at != std::string::npos; at = text.find("\n1" + id + "\n", at + 1))
    ++rises;
  EXPECT_EQ(rises, 3u);
}

// Per-layer host time (issue 15: the TPU paper's Table 5 per layer): a host operation's wait is on
// its own --layers/--stats row, not on the next MXU layer's. host_ops_small's host operations are
// layers 0 (ln), 2 (sm) and 4 (prob); their waits come from the host model's formula here.
TEST(HostFallback, EachHostOperationsTimeIsOnItsOwnLayerRow) {
  const auto x = run("small.yaml");
  const RunResult& r = x.r;
  const nlohmann::json& layers = r.stats["layers"];
  ASSERT_EQ(layers.size(), 5u);
  const HostModel m;
  const double period_s = x.cfg.clock_period().to_seconds();
  const struct {
    size_t layer;
    HostOpKind kind;
    uint64_t elements;
  } host_ops[] = {{0, HostOpKind::LayerNormalization, 2 * 16 * 37},
                  {2, HostOpKind::Softmax, 2 * 16 * 24},
                  {4, HostOpKind::Softmax, 2 * 10}};
  uint64_t smallest_wait = UINT64_MAX;
  for (const auto& op : host_ops) {
    const nlohmann::json& l = layers[op.layer];
    SCOPED_TRACE(l["name"].get<std::string>());
    ASSERT_EQ(l["op"], "host_op");
    const uint64_t wait = uint64_t(std::llround(expected_wait_s(x.cfg, m, op.kind, op.elements) / period_s));
    smallest_wait = std::min(smallest_wait, wait);
    const nlohmann::json& t3 = l["table3_cycles"];
    // The MXU idles from the interrupt to the clock edge after RESUME: the wait, rounded, plus at
    // most that edge.
    EXPECT_GE(t3["non_matrix"].get<uint64_t>() + 1, wait);
    EXPECT_LE(t3["non_matrix"].get<uint64_t>(), wait + 2);
    EXPECT_EQ(t3["array_active"].get<uint64_t>(), 0u);
    // Beyond the wait only the stalls for its own host DMA (operand out, result back), each ended
    // by a Sync's clock edge.
    EXPECT_LE(l["cycles"].get<uint64_t>(), t3["non_matrix"].get<uint64_t>() + l["host_dma_cycles"].get<uint64_t>() + 4);
    EXPECT_EQ(l["host_wait_cycles"].get<uint64_t>(), wait);
  }
  // The MXU layers after a host operation no longer carry its wait.
  for (size_t i : {size_t(1), size_t(3)}) {
    SCOPED_TRACE(layers[i]["name"].get<std::string>());
    EXPECT_LT(layers[i]["table3_cycles"]["non_matrix"].get<uint64_t>(), smallest_wait);
  }
  uint64_t cycles = 0, host = 0;
  for (const auto& l : layers) cycles += l["cycles"].get<uint64_t>(), host += l["host_cycles"].get<uint64_t>();
  EXPECT_EQ(cycles, r.run_cycles);  // the rows partition the run
  EXPECT_EQ(host, r.stats["host"]["interaction_cycles"].get<uint64_t>());
}

// The VCD shows each host operation's interval (host.busy high) while the sequencer's tag register
// (tpu.sequencer.tag) names the host operation's layer: 0, 2, 4 in host_ops_small.
TEST(HostFallback, VcdTagsEachHostIntervalWithItsLayer) {
  const std::string path = test::temp_path("host_fallback_tag.vcd");
  run("small.yaml", path);
  const test::ParsedVcd vcd = test::parse_vcd(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(vcd.waves.count("host.busy"));
  ASSERT_TRUE(vcd.waves.count("tpu.sequencer.tag"));
  EXPECT_EQ(vcd.widths.at("tpu.sequencer.tag"), 32u);
  const test::Wave& busy = vcd.waves.at("host.busy");
  const test::Wave& tag = vcd.waves.at("tpu.sequencer.tag");
  auto tag_at = [&](uint64_t t) {  // the value holding at time t
    std::string v = "0";
    for (const auto& [at, bits] : tag)
      if (at <= t) v = bits;
    return std::stoull(v, nullptr, 2);
  };
  std::vector<uint64_t> tags;
  for (size_t i = 0; i < busy.size(); ++i) {
    if (busy[i].second != "1") continue;
    ASSERT_LT(i + 1, busy.size()) << "host.busy never falls";
    EXPECT_EQ(tag_at(busy[i].first), tag_at(busy[i + 1].first - 1)) << "the tag changes during a host interval";
    tags.push_back(tag_at(busy[i].first));
  }
  EXPECT_EQ(tags, (std::vector<uint64_t>{0, 2, 4}));
}

TEST(HostFallback, HandWrittenInterruptHostWithoutATableIsAnError) {
  init_time_resolution();
  const ArchConfig cfg = load_config(kRoot + "/configs/small.yaml");
  UserProgram prog;
  prog.name = prog.source_file = "irq.s";
  prog.lowered.program = assemble("interrupt_host id=3\nhalt\n", "irq.s");
  const std::string msg = test::ErrorOf("tpu/host", [&] { run_program(cfg, prog, RunOptions()); });
  EXPECT_TRUE(test::Contains(msg, "interrupt_host id=3"));
  EXPECT_TRUE(test::Contains(msg, "host-operation table has 0 entries"));
}

}  // namespace
}  // namespace tpu
