// Runs the same lowered workload on several chips that differ only in mxu.model, in one
// simulation (SystemC allows one elaboration per process), and compares what they did.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "chip/tpu.h"
#include "config/config.h"
#include "lowering/lowering.h"
#include "manifest/network.h"
#include "manifest/workload.h"
#include "runtime/host.h"

namespace tpu::test {

/// One MXU model to compare: a built-in one (mxu.model), or a datapath of the test's own (a
/// faulty RTL build) under `label`.
struct ModelSpec {
  ModelSpec(MxuModel m) : label(to_string(m)), model(m) {}  // NOLINT: implicit on purpose
  ModelSpec(std::string l, MxuModel m, MxuDatapathFactory f) : label(std::move(l)), model(m), factory(std::move(f)) {}
  std::string label;
  MxuModel model;
  MxuDatapathFactory factory;  ///< empty: make_mxu_datapath
};

/// One chip with its host, recording every MXU block's timing.
struct ModelRun {
  ModelRun(const ModelSpec& spec, const ArchConfig& base, const LoweredProgram& program) {
    cfg = base;
    cfg.mxu.model = spec.model;
    const std::string& model = spec.label;
    chip = std::make_unique<Tpu>(("tpu_" + model).c_str(), cfg, sc_core::sc_time(1, sc_core::SC_US),
                                 spec.factory ? spec.factory : MxuDatapathFactory(make_mxu_datapath));
    host = std::make_unique<Host>(("host_" + model).c_str(), program, false);
    host->socket.bind(chip->host_socket());
    chip->pcie_socket().bind(host->memory.socket);
    host->interrupt.bind(chip->interrupt);
    chip->mxu.record_blocks(true);
  }
  ArchConfig cfg;
  std::unique_ptr<Tpu> chip;
  std::unique_ptr<Host> host;
};

/// Lowers `workload` (a shipped trace: a dense MLP at `batch`, or a network, which runs all its
/// samples and ignores `batch`) for `config`, runs it on every model of
/// `models` in one simulation, and checks against the first model (and the golden outputs):
/// outputs bit for bit,
/// every block's start / stream end / done cycle, run cycles and the Table 3 split.
/// `expect_equal_outputs` false: the outputs must differ (a broken model must be caught).
inline void compare_models(const std::vector<ModelSpec>& models, const std::string& config, const std::string& workload,
                           uint32_t batch, bool expect_equal_outputs = true) {
  init_time_resolution();
  const std::string root = TPU_TLM_SOURCE_DIR;
  const ArchConfig cfg = load_config(root + "/configs/" + config);
  const std::string path = root + "/traces/" + workload + "/workload.yaml";
  const bool is_network = is_network_manifest(path);
  static Workload w;
  static Network net;
  static LoweredProgram program;
  if (is_network) {
    net = load_network(path);
    program = lower_network(net, cfg);
  } else {
    w = load_workload(path);
    program = lower(w, cfg, batch);
  }
  auto gather = [&](const ModelRun& r) { return gather_output(program, cfg, r.host->memory.data()); };
  const std::vector<int8_t>& golden = is_network ? net.golden : w.golden;
  // The chips live as long as the process and are never destroyed: after a simulation SystemC
  // (and Verilator's context, torn down among the static objects) must not see them go.
  auto& runs = *new std::vector<std::unique_ptr<ModelRun>>();
  for (const auto& m : models) runs.push_back(std::make_unique<ModelRun>(m, cfg, program));
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc_core::sc_start();
  const ModelRun& ref = *runs.front();
  const std::vector<int8_t> ref_out = gather(ref);
  EXPECT_FALSE(golden.empty()) << workload << " has no golden outputs to check the first model against";
  EXPECT_EQ(ref_out, golden) << models.front().label << " against the golden outputs";
  for (size_t i = 0; i < runs.size(); ++i) EXPECT_TRUE(runs[i]->host->finished()) << models[i].label;
  for (size_t i = 1; i < runs.size(); ++i) {
    const ModelRun& r = *runs[i];
    const std::vector<int8_t> out = gather(r);
    if (!expect_equal_outputs) {
      EXPECT_NE(out, ref_out) << models[i].label << " should differ from " << models.front().label;
      continue;
    }
    EXPECT_EQ(out, ref_out) << models[i].label << " outputs";
    const auto& a = ref.chip->mxu.block_log();
    const auto& b = r.chip->mxu.block_log();
    ASSERT_EQ(a.size(), b.size()) << models[i].label;
    for (size_t k = 0; k < a.size(); ++k) {
      ASSERT_EQ(a[k].start, b[k].start) << models[i].label << " block " << k;
      ASSERT_EQ(a[k].stream_end, b[k].stream_end) << models[i].label << " block " << k;
      ASSERT_EQ(a[k].done, b[k].done) << models[i].label << " block " << k;
    }
    EXPECT_EQ(ref.chip->sequencer.run_cycles(), r.chip->sequencer.run_cycles()) << models[i].label;
    for (int c = Mxu::kActive; c <= Mxu::kInputStall; ++c)
      EXPECT_EQ(ref.chip->mxu.cycles(Mxu::Category(c)), r.chip->mxu.cycles(Mxu::Category(c)))
          << models[i].label << " Table 3 category " << c;
  }
  EXPECT_GT(ref.chip->mxu.block_log().size(), 10u);
}

}  // namespace tpu::test
