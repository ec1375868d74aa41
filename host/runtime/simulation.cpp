#include "runtime/simulation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

#include <tlm_utils/tlm_quantumkeeper.h>

#include <functional>

#include "chip/tpu.h"
#include "energy/energy.h"
#include "energy/power.h"
#include "lowering/lowering.h"
#include "runtime/host.h"
#include "util/report.h"

namespace tpu {

namespace {

/// Traces bytes per window of a set of bandwidth counters: at each window boundary k the traced
/// value becomes the bytes of window k-1. It wakes only while the rest of the model has future
/// activity, so it never keeps a finished (or deadlocked) simulation alive.
class BandwidthTrace : public sc_core::sc_module {
 public:
  /// Declares `bandwidth.<counter>_bytes_per_window` (64 bits) in `vcd` for each counter.
  BandwidthTrace(sc_core::sc_module_name name, std::vector<const BandwidthCounter*> counters, sc_core::sc_time window,
                 VcdWriter& vcd)
      : sc_module(name), counters_(std::move(counters)), window_(window), vcd_(vcd) {
    for (const BandwidthCounter* c : counters_)
      vars_.push_back(vcd.declare("bandwidth." + c->name() + "_bytes_per_window", 64));
    SC_HAS_PROCESS(BandwidthTrace);
    SC_METHOD(sample);
  }

 private:
  void sample() {
    const int64_t k = std::llround(sc_core::sc_time_stamp() / window_);
    for (size_t i = 0; i < counters_.size(); ++i)
      vcd_.set(vars_[i], k > 0 ? uint64_t(std::llround(counters_[i]->window_bytes(k - 1))) : 0);
    if (sc_core::sc_pending_activity_at_future_time() || sc_core::sc_pending_activity_at_current_time())
      next_trigger(window_);
  }
  std::vector<const BandwidthCounter*> counters_;
  sc_core::sc_time window_;
  VcdWriter& vcd_;
  std::vector<VcdWriter::Var> vars_;
};

std::string human_bytes(double b) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(1);
  if (b >= 1e9) os << b / 1e9 << " GB";
  else if (b >= 1e6) os << b / 1e6 << " MB";
  else if (b >= 1e3) os << b / 1e3 << " kB";
  else os << std::setprecision(0) << b << " B";
  return os.str();
}

}  // namespace

namespace {

/// What differs between the workload kinds around the common simulation.
struct WorkloadInfo {
  std::string name, source_file;
  uint64_t samples = 0, layers = 0;
};

/// Per-layer records of r.lowered.layers from the MXU's per-tag Table 3 and the activation
/// unit's per-tag busy cycles and table lookups (simulation.h: run_simulation).
nlohmann::json layer_stats(Tpu& chip, const RunResult& r, sc_core::sc_time period, double peak_macs_per_cycle) {
  const auto by_tag = chip.mxu.table3_by_tag();
  const auto& act_by_tag = chip.activation_unit.busy_cycles_by_tag();
  const auto& lookups_by_tag = chip.activation_unit.lookups_by_tag();
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : r.lowered.layers) {
    nlohmann::json t = nlohmann::json::object();
    uint64_t cycles = 0;
    const auto it = by_tag.find(l.tag);
    for (int c = Mxu::kActive; c < Mxu::kNotRunning; ++c) {
      const uint64_t v = it == by_tag.end() ? 0 : it->second[size_t(c)];
      t[Mxu::kCategoryNames[c]] = v;
      cycles += v;
    }
    const double secs = (period * double(cycles)).to_seconds();
    const auto act = act_by_tag.find(l.tag);
    const auto lookups = lookups_by_tag.find(l.tag);
    layers.push_back({{"name", l.name},
                      {"op", l.op},
                      {"tag", l.tag},
                      {"macs", l.macs},
                      {"weight_bytes", l.weight_bytes},
                      {"dram_bytes", l.dram_bytes},
                      {"cycles", cycles},
                      {"activation_unit_cycles", act == act_by_tag.end() ? 0 : act->second},
                      {"lookups", lookups == lookups_by_tag.end() ? 0 : lookups->second},
                      {"table3_cycles", t},
                      {"tops", secs > 0 ? 2.0 * double(l.macs) / secs / 1e12 : 0.0},
                      {"mxu_utilization", cycles ? double(l.macs) / (peak_macs_per_cycle * double(cycles)) : 0.0},
                      {"macs_per_weight_byte",
                       l.weight_bytes ? nlohmann::json(double(l.macs) / double(l.weight_bytes)) : nlohmann::json()}});
  }
  return layers;
}

/// After the run: r's cycles, times, TOPS and utilization, and r.stats (config, workload, run,
/// per-layer records when r.lowered has them, the chip's counters).
/// Energy and power (model/energy/) from the counters in j["tpu"]: j["energy"] with its totals and
/// power per window (also to opt.power_csv / opt.power_vcd), and each layer's energy.
void add_energy(const ArchConfig& cfg, const WorkloadInfo& info, Tpu& chip, sc_core::sc_time window,
                const RunOptions& opt, const RunResult& r, const nlohmann::json& late, nlohmann::json& j) {
  sc_core::sc_time from, to;
  chip.sequencer.run_span(&from, &to);
  const std::vector<DramChannelCounts> background = dram_background(chip, from, to);
  const EnergyBreakdown energy = compute_energy(cfg, j["tpu"], r.run_seconds, &background);
  j["energy"] =
      energy_json(energy, info.samples, r.tops, r.lowered.useful_macs,
                  j["tpu"]["dram"]["bytes_read"].get<uint64_t>() + j["tpu"]["dram"]["bytes_written"].get<uint64_t>());
  const auto windows = power_windows(cfg, chip, sc_core::sc_time_stamp());
  j["energy"]["power"] = power_json(windows, window.to_seconds());
  for (const auto& [key, n] : late.items()) j["energy"]["power"][key] = n;
  if (!opt.power_csv.empty()) write_power_csv(opt.power_csv, windows);
  if (!opt.power_vcd.empty()) write_power_vcd(opt.power_vcd, windows);
  if (j.contains("layers")) add_layer_energy(energy, j["layers"]);
}

/// Host interaction (the TPU paper's Table 5: the time the run spends with the host) from the host's
/// records of each Interrupt_Host and the host DMA unit's busy cycles per tag: j["host"] with the
/// model, each operation and the totals, and each layer's host_wait_cycles, host_dma_cycles,
/// host_cycles (their sum) and host_share (of the run's cycles).
void add_host_stats(Tpu& chip, const Host& host, const RunResult& r, sc_core::sc_time period, nlohmann::json& j) {
  std::map<uint32_t, uint64_t> wait_by_tag;
  nlohmann::json ops = nlohmann::json::array();
  uint64_t wait_total = 0;
  for (const Host::HostOpRecord& rec : host.host_op_records()) {
    const LoweredProgram::HostOperation& op = r.lowered.host_ops[rec.id];
    const uint64_t wait = to_cycles(rec.resume - rec.interrupt, period);
    wait_by_tag[op.tag] += wait;
    wait_total += wait;
    ops.push_back({{"id", rec.id},
                   {"layer", op.layer},
                   {"op", host_op_name(op.params.kind)},
                   {"elements", op.pixels * op.channels},
                   {"interrupt_ns", rec.interrupt.to_seconds() * 1e9},
                   {"compute_ns", rec.compute.to_seconds() * 1e9},
                   {"wait_ns", (rec.resume - rec.interrupt).to_seconds() * 1e9},
                   {"wait_cycles", wait}});
  }
  const auto& dma_by_tag = chip.host_interface.busy_cycles_by_tag();
  uint64_t dma_total = 0;
  for (const auto& [tag, cycles] : dma_by_tag) dma_total += cycles;
  const double run = double(std::max<uint64_t>(r.run_cycles, 1));
  j["host"] = {{"model", host.model().to_json()},
               {"operations", ops},
               {"wait_cycles", wait_total},
               {"dma_cycles", dma_total},
               {"interaction_cycles", wait_total + dma_total},
               {"share", double(wait_total + dma_total) / run},
               {"wait_share", double(wait_total) / run}};
  if (!j.contains("layers")) return;
  for (auto& l : j["layers"]) {
    const uint32_t tag = l["tag"].get<uint32_t>();
    const auto w = wait_by_tag.find(tag);
    const auto d = dma_by_tag.find(tag);
    const uint64_t wait = w == wait_by_tag.end() ? 0 : w->second, dma = d == dma_by_tag.end() ? 0 : d->second;
    l["host_wait_cycles"] = wait;
    l["host_dma_cycles"] = dma;
    l["host_cycles"] = wait + dma;
    l["host_share"] = double(wait + dma) / run;
  }
}

void collect_results(const ArchConfig& cfg, const WorkloadInfo& info, Tpu& chip, const Host& host,
                     sc_core::sc_time window, const RunOptions& opt, const nlohmann::json& late, RunResult& r) {
  const sc_core::sc_time period = cfg.clock_period();
  r.run_cycles = chip.sequencer.run_cycles();
  r.run_seconds = (period * double(r.run_cycles)).to_seconds();
  r.total_seconds = host.end_time().to_seconds();
  r.tops = r.run_seconds > 0 ? 2.0 * double(r.lowered.useful_macs) / r.run_seconds / 1e12 : 0;
  const double peak_macs_per_cycle = double(cfg.mxu.rows) * cfg.mxu.cols;
  r.mxu_utilization = r.run_cycles ? double(r.lowered.useful_macs) / (peak_macs_per_cycle * double(r.run_cycles)) : 0;
  const double peak_tops = 2.0 * peak_macs_per_cycle * cfg.clock_mhz * 1e6 / 1e12;

  nlohmann::json j;
  j["config"] = {{"name", cfg.name},
                 {"file", cfg.source_file},
                 {"clock_mhz", cfg.clock_mhz},
                 {"mxu", {cfg.mxu.rows, cfg.mxu.cols}},
                 {"unified_buffer_bytes", cfg.unified_buffer.size_bytes},
                 {"accumulator_rows", cfg.accumulators.rows},
                 {"dram_peak_bytes_per_s", cfg.dram.channel_bandwidth_bytes_per_s() * cfg.dram.channels},
                 {"pcie_bytes_per_s", cfg.pcie.bandwidth_bytes_per_s}};
  j["workload"] = {{"name", info.name},
                   {"file", info.source_file},
                   {"samples", info.samples},
                   {"layers", info.layers},
                   {"batch", r.lowered.batch},
                   {"batches", r.lowered.batches.size()},
                   {"instructions", r.lowered.program.size()},
                   {"useful_macs", r.lowered.useful_macs},
                   {"ub_rows_used", r.lowered.ub_rows_used},
                   {"acc_rows_used", r.lowered.acc_rows_used}};
  const nlohmann::json t3 = chip.mxu.report()["table3_cycles"];
  nlohmann::json t3pct;
  for (auto it = t3.begin(); it != t3.end(); ++it)
    t3pct[it.key()] = r.run_cycles ? 100.0 * it.value().get<double>() / double(r.run_cycles) : 0.0;
  j["run"] = {
      {"cycles", r.run_cycles}, {"seconds", r.run_seconds}, {"total_seconds_with_program_load", r.total_seconds},
      {"tops", r.tops},         {"peak_tops", peak_tops},   {"mxu_utilization", r.mxu_utilization},
      {"table3_percent", t3pct}};

  if (!r.lowered.layers.empty()) j["layers"] = layer_stats(chip, r, period, peak_macs_per_cycle);
  add_host_stats(chip, host, r, period, j);
  j["tpu"] = chip.report();
  add_energy(cfg, info, chip, window, opt, r, late, j);
  r.stats = j;
}

/// Runs r.lowered on the chip; fills the chip-level results and stats; `collect` reads the
/// outputs from host memory before the host goes away.
void simulate(const ArchConfig& cfg, const WorkloadInfo& info, const RunOptions& opt, RunResult& r,
              const std::function<void(const uint8_t* host_memory)>& collect) {
  const auto t0 = std::chrono::steady_clock::now();
  const sc_core::sc_time window(opt.window_ns, sc_core::SC_NS);
  tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_core::sc_time(1, sc_core::SC_US));

  Tpu chip("tpu", cfg, window);
  chip.unified_buffer.grant_dmi(opt.dmi);
  chip.accumulators.grant_dmi(opt.dmi);
  Host host("host", r.lowered);
  host.socket.bind(chip.host_socket());
  chip.pcie_socket().bind(host.memory.socket);
  host.interrupt.bind(chip.interrupt);

  std::unique_ptr<VcdWriter> vcd;
  std::unique_ptr<BandwidthTrace> bw;
  std::unique_ptr<PowerTrace> power;
  if (!opt.vcd_path.empty()) {
    std::vector<const BandwidthCounter*> counters = {&chip.host_interface.to_device().counter(),
                                                     &chip.host_interface.to_host().counter()};
    for (const auto& c : chip.dram->channel_counters()) counters.push_back(&c);
    vcd.reset(new VcdWriter(opt.vcd_path));
    chip.trace(*vcd);
    host.trace(*vcd, "host");
    bw.reset(new BandwidthTrace("bandwidth_trace", counters, window, *vcd));
    power.reset(new PowerTrace("power_trace", cfg, chip, *vcd));
  }

  // sc_stop() from the host ends the run; its info message is noise here.
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  const auto t1 = std::chrono::steady_clock::now();
  sc_core::sc_start();
  const auto t2 = std::chrono::steady_clock::now();
  r.wall.elaborate = std::chrono::duration<double>(t1 - t0).count();
  r.wall.simulate = std::chrono::duration<double>(t2 - t1).count();
  if (!host.finished()) {
    std::ostringstream msg;
    msg << "deadlock: no activity left at " << sc_core::sc_time_stamp() << " before Halt; "
        << chip.sequencer.describe_state();
    raise_as("tpu/sim", msg.str());
  }
  chip.dram->catch_up(sc_core::sc_time_stamp());  // the counters (and the VCD) cover the whole run
  if (power) power->finish();
  if (vcd) vcd->commit();
  collect(host.memory.data());

  const nlohmann::json late = {{"late_charges", power ? power->late_charges() : 0},
                               {"late_dram_commands", power ? power->late_dram_commands() : 0}};
  collect_results(cfg, info, chip, host, window, opt, late, r);
}

/// Fills r.wall.lower (t0 to t1) and r.wall.finish (what followed t1 beyond elaboration and sc_start).
void set_phase_times(RunResult& r, std::chrono::steady_clock::time_point t0, std::chrono::steady_clock::time_point t1) {
  r.wall.lower = std::chrono::duration<double>(t1 - t0).count();
  const double after = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  r.wall.finish = std::max(0.0, after - r.wall.elaborate - r.wall.simulate);
}

/// Counts golden mismatches.
void compare_golden(RunResult& r, const std::vector<int8_t>& golden) {
  r.compared = golden.size();
  for (size_t i = 0; i < golden.size(); ++i) r.mismatches += r.outputs[i] != golden[i];
  r.stats["golden"] = {{"compared", r.compared}, {"mismatches", r.mismatches}};
}

/// The summary's host line: host interaction as a share of the run (TPU paper, Table 5).
std::string host_summary_line(const nlohmann::json& h, double run_seconds) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(1) << "host      " << h["operations"].size()
     << " host operations; host interaction " << 100.0 * h["share"].get<double>() << "% of the run (waiting for the "
     << "host " << 100.0 * h["wait_share"].get<double>() << "%, host DMA "
     << 100.0 * (h["share"].get<double>() - h["wait_share"].get<double>()) << "%)";
  if (run_seconds > 0) os << std::setprecision(2) << ", " << run_seconds * 1e6 * h["share"].get<double>() << " us";
  os << "\n";
  return os.str();
}

/// The lines of the summary after the first (workload) line.
std::string summary_body(const ArchConfig& cfg, const RunResult& r) {
  const nlohmann::json& s = r.stats;
  std::ostringstream os;
  os << std::fixed;
  os << "config    " << cfg.name << " (" << cfg.source_file << "): " << cfg.mxu.rows << "x" << cfg.mxu.cols
     << " MXU at " << std::setprecision(0) << cfg.clock_mhz << " MHz, " << std::setprecision(2)
     << cfg.unified_buffer.size_bytes / 1048576.0 << " MiB UB, " << cfg.dram.channels << " DRAM channels; MXU model "
     << to_string(cfg.mxu.model) << " (" << s["tpu"]["mxu"]["arithmetic"].get<std::string>() << ")\n";
  os << std::setprecision(2) << "time      " << r.run_seconds * 1e6 << " us simulated, " << r.run_cycles
     << " cycles from START to Halt (" << r.total_seconds * 1e6 << " us with the program load)\n";
  os << std::setprecision(3) << "compute   " << r.tops << " TOPS achieved of " << s["run"]["peak_tops"].get<double>()
     << " peak; MXU utilization " << std::setprecision(2) << 100.0 * r.mxu_utilization << "% (" << r.lowered.useful_macs
     << " useful MACs)\n";
  os << "table 3   ";
  for (int c = Mxu::kActive; c < Mxu::kNotRunning; ++c) {
    const char* n = Mxu::kCategoryNames[c];
    os << n << " " << std::setprecision(1) << s["run"]["table3_percent"][n].get<double>() << "%  ";
  }
  os << "\n";
  const auto& hi = s["tpu"]["host_interface"];
  const double pd = hi["pcie_to_device"]["bytes"].get<double>(), ph = hi["pcie_to_host"]["bytes"].get<double>();
  const double dr = s["tpu"]["dram"]["bytes_read"].get<double>();
  const double t = r.run_seconds > 0 ? r.run_seconds : 1;
  os << std::setprecision(2) << "PCIe      " << human_bytes(pd) << " to device, " << human_bytes(ph)
     << " to host (program load included); " << (pd + ph) / t / 1e9 << " GB/s average over the run\n";
  os << "DRAM      " << human_bytes(dr) << " read; " << dr / t / 1e9 << " GB/s average of "
     << s["config"]["dram_peak_bytes_per_s"].get<double>() / 1e9 << " GB/s peak\n";
  os << host_summary_line(s["host"], r.run_seconds);
  os << energy_summary_line(s["energy"]);  // model/energy/energy.h
  if (r.compared) os << "golden    " << r.mismatches << " mismatches in " << r.compared << " int8 outputs\n";
  else os << "golden    none in the workload\n";
  return os.str();
}

/// A dense MLP's accuracies: top-1 of the simulated outputs against its labels (if any), and its
/// float model's, into r.int8_accuracy and stats "accuracy".
void set_accuracy(const Workload& w, RunResult& r) {
  if (!w.labels.empty()) {
    uint64_t correct = 0;
    for (uint32_t s = 0; s < w.samples; ++s)
      correct += argmax(&r.outputs[uint64_t(s) * w.outputs()], w.outputs()) == w.labels[s];
    r.int8_accuracy = double(correct) / w.samples;
  }
  r.stats["accuracy"] = {{"int8", r.int8_accuracy ? nlohmann::json(*r.int8_accuracy) : nlohmann::json()},
                         {"float", w.float_accuracy ? nlohmann::json(*w.float_accuracy) : nlohmann::json()}};
}

}  // namespace

RunResult run_simulation(const ArchConfig& cfg, const RunInput& in, const RunOptions& opt) {
  if (in.net && opt.batch && opt.batch != in.net->samples)
    raise_as("tpu/sim", "network " + in.net->name + " runs its " + std::to_string(in.net->samples) +
                            " samples as one batch; a batch of " + std::to_string(opt.batch) + " is not supported");
  RunResult r;
  const auto t0 = std::chrono::steady_clock::now();
  Network mlp_net;
  if (in.mlp) mlp_net = dense_network(*in.mlp);
  const Network& net = in.mlp ? mlp_net : *in.net;
  const LoweringPolicy policy = in.mlp ? dense_mlp_policy(*in.mlp, cfg, opt.batch) : network_policy(net, cfg);
  r.lowered = lower_plan(plan_lowering(net, cfg, policy), cfg);
  const auto t1 = std::chrono::steady_clock::now();
  simulate(cfg, {net.name, net.source_file, net.samples, net.layers.size()}, opt, r,
           [&](const uint8_t* host) { r.outputs = gather_output(r.lowered, cfg, host); });
  compare_golden(r, net.golden);
  // Operational intensity as the TPU paper's Table 1 counts it: every batch reads every weight
  // once, so MLP0 at batch 200 does 200 MACs per weight byte.
  uint64_t weight_bytes = 0;
  for (const auto& l : net.layers) weight_bytes += l.weight_bytes();
  r.stats["run"]["macs_per_weight_byte"] =
      weight_bytes ? nlohmann::json(double(r.lowered.useful_macs) / double(weight_bytes * r.lowered.batches.size()))
                   : nlohmann::json();
  if (in.mlp) set_accuracy(*in.mlp, r);
  set_phase_times(r, t0, t1);
  return r;
}

std::string summary(const ArchConfig& cfg, const RunInput& in, const RunResult& r) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(1);
  if (in.mlp) {
    const Workload& w = *in.mlp;
    os << "workload  " << w.name << " (" << w.source_file << "): " << w.samples << " samples, " << w.layers.size()
       << " layers, " << r.lowered.batches.size() << " batches of up to " << r.lowered.batch << ", "
       << r.lowered.program.size() << " instructions\n";
  } else {
    const Network& net = *in.net;
    const nlohmann::json opb = r.stats["run"].value("macs_per_weight_byte", nlohmann::json());
    os << "workload  " << net.name << " (" << net.source_file << "): network of " << net.layers.size()
       << " layers, batch " << net.samples << ", " << r.lowered.program.size() << " instructions, "
       << (opb.is_number() ? opb.get<double>() : 0.0) << " MACs per weight byte\n";
  }
  os << summary_body(cfg, r);
  if (in.mlp && r.int8_accuracy) {
    os << "accuracy  int8 (simulated) " << std::setprecision(2) << 100.0 * *r.int8_accuracy << "%";
    if (in.mlp->float_accuracy) os << ", float model " << 100.0 * *in.mlp->float_accuracy << "%";
    os << " on " << in.mlp->samples << " samples\n";
  }
  return os.str();
}

std::string layer_table(const RunResult& r) {
  if (!r.stats.contains("layers")) return "";
  std::ostringstream os;
  os << std::fixed;
  os << std::left << std::setw(22) << "layer" << std::setw(9) << "op" << std::right << std::setw(10) << "cycles"
     << std::setw(14) << "MACs" << std::setw(9) << "TOPS" << std::setw(8) << "util%" << std::setw(10) << "MAC/wB"
     << std::setw(12) << "DRAM B" << std::setw(10) << "act.unit" << std::setw(10) << "mJ" << std::setw(7) << "host%"
     << "  active/wstall/wshift/nonmat/raw/input %\n";
  for (const auto& l : r.stats["layers"]) {
    const double cycles = l["cycles"].get<double>();
    os << std::left << std::setw(22) << l["name"].get<std::string>().substr(0, 21) << std::setw(9)
       << l["op"].get<std::string>() << std::right << std::setw(10) << l["cycles"].get<uint64_t>() << std::setw(14)
       << l["macs"].get<uint64_t>() << std::setw(9) << std::setprecision(2) << l["tops"].get<double>() << std::setw(8)
       << std::setprecision(1) << 100.0 * l["mxu_utilization"].get<double>() << std::setw(10)
       << (l["macs_per_weight_byte"].is_null()
               ? std::string("-")
               : std::to_string(int64_t(std::llround(l["macs_per_weight_byte"].get<double>()))))
       << std::setw(12) << l["dram_bytes"].get<uint64_t>() << std::setw(10)
       << l["activation_unit_cycles"].get<uint64_t>() << std::setw(10) << std::setprecision(3)
       << l.value("energy_j", 0.0) * 1e3 << std::setw(7) << std::setprecision(1) << 100.0 * l.value("host_share", 0.0)
       << "  ";
    bool first = true;
    for (int c = Mxu::kActive; c < Mxu::kNotRunning; ++c) {
      const double v = l["table3_cycles"][Mxu::kCategoryNames[c]].get<double>();
      os << (first ? "" : "/") << std::setprecision(0) << (cycles ? 100.0 * v / cycles : 0.0);
      first = false;
    }
    os << "\n";
  }
  return os.str();
}

// --- A program written by hand (tpu-sim --program; user_program.h) ---

RunResult run_program(const ArchConfig& cfg, const UserProgram& prog, const RunOptions& opt) {
  RunResult r;
  r.lowered = prog.lowered;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::vector<uint8_t>> regions;
  simulate(cfg, {prog.name, prog.source_file, 0, 0}, opt, r, [&](const uint8_t* host) {
    for (const ReadBack& b : prog.read_backs) regions.emplace_back(host + b.addr, host + b.addr + b.bytes);
  });
  for (size_t i = 0; i < regions.size(); ++i)
    write_binary_file(prog.read_backs[i].path, regions[i].data(), regions[i].size());
  set_phase_times(r, t0, t0);
  return r;
}

std::string program_summary(const ArchConfig& cfg, const UserProgram& prog, const RunResult& r) {
  std::ostringstream os;
  os << "program   " << prog.name << " (" << prog.source_file << "): " << prog.lowered.program.size()
     << " instructions, " << prog.lowered.host_image.size() << " bytes of host memory, "
     << prog.lowered.weight_image.size() << " bytes of weight image, " << prog.read_backs.size() << " read-backs\n";
  return os.str() + summary_body(cfg, r);
}

void write_json_file(const std::string& path, const nlohmann::json& j) {
  const std::string tmp = path + ".partial";
  {
    std::ofstream f(tmp, std::ios::binary);
    f << j.dump(2) << "\n";
    if (!f) {
      std::remove(tmp.c_str());
      raise_as("tpu/output", path + ": cannot write statistics file");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    raise_as("tpu/output", path + ": cannot write statistics file");
  }
}

}  // namespace tpu
