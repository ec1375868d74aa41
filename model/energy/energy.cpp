#include "energy/energy.h"

#include <array>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "util/report.h"

namespace tpu {
namespace {

constexpr const char* kMsgType = "tpu/energy";

// The number at `path` ("mxu", "array_macs") of `j`; raises naming the path if absent.
double counter(const nlohmann::json& j, std::initializer_list<const char*> path) {
  const nlohmann::json* node = &j;
  std::string name = "tpu";
  for (const char* key : path) {
    name += std::string(".") + key;
    if (!node->is_object() || !node->contains(key)) raise_as(kMsgType, "counter " + name + " missing from the report");
    node = &(*node)[key];
  }
  if (!node->is_number()) raise_as(kMsgType, "counter " + name + " is not a number");
  return node->get<double>();
}

}  // namespace

std::vector<DramChannelCounts> dram_counts(const DramConfig& d, const nlohmann::json& dram, bool* from_commands) {
  std::vector<DramChannelCounts> out;
  const nlohmann::json& channels = dram.at("channels");
  const bool commands = !channels.empty() && channels[0].contains("commands");
  if (from_commands) *from_commands = commands;
  const double read = dram.value("bytes_read", 0.0), written = dram.value("bytes_written", 0.0);
  const double burst = double(d.burst_bytes());
  for (const nlohmann::json& ch : channels) {
    DramChannelCounts c;
    if (commands) {
      std::array<uint64_t, kDramCommands> issued{};
      for (int k = 0; k < kDramCommands; ++k)
        issued[size_t(k)] = ch["commands"].value(command_name(DramCommand(k)), uint64_t(0));
      c = counts_of_commands(issued, d.burst_bytes());
    } else {
      const double bytes = ch.value("bytes", 0.0);
      const double share = read + written > 0 ? read / (read + written) : 1.0;
      c.bytes_read = bytes * share;
      c.bytes_written = bytes - c.bytes_read;
      c.rd = c.bytes_read / burst;
      c.wr = c.bytes_written / burst;
    }
    out.push_back(c);
  }
  return out;
}

EnergyCounts report_counts(const ArchConfig& cfg, const nlohmann::json& r, double seconds) {
  EnergyCounts c;
  c.seconds = seconds;
  c.macs = counter(r, {"mxu", "array_macs"});
  c.tiles_switched = counter(r, {"mxu", "tiles_switched"});
  c.tiles_fetched = counter(r, {"weight_fifo", "tiles_fetched"});
  c.ub_bytes_read = counter(r, {"unified_buffer", "bytes_read"});
  c.ub_bytes_written = counter(r, {"unified_buffer", "bytes_written"});
  c.acc_bytes_read = counter(r, {"accumulators", "bytes_read"});
  c.acc_bytes_written = counter(r, {"accumulators", "bytes_written"});
  c.activation_rows = counter(r, {"activation_unit", "rows"}) + counter(r, {"activation_unit", "pool_rows"}) +
                      counter(r, {"activation_unit", "vector_rows"});
  c.lookups = counter(r, {"activation_unit", "lookups"});
  if (!r.contains("sequencer") || !r["sequencer"].contains("instructions"))
    raise_as(kMsgType, "counter tpu.sequencer.instructions missing from the report");
  for (const auto& [op, n] : r.at("sequencer").at("instructions").items()) c.instructions += n.get<double>();
  c.pcie_bytes = counter(r, {"host_interface", "pcie_to_device", "bytes"}) +
                 counter(r, {"host_interface", "pcie_to_host", "bytes"});
  if (!r.contains("dram")) raise_as(kMsgType, "counter tpu.dram missing from the report");
  c.dram = dram_counts(cfg.dram, r.at("dram"), &c.dram_from_commands);
  return c;
}

EnergyBreakdown energy_of(const ArchConfig& cfg, const EnergyCounts& c) {
  const EnergyConfig& e = cfg.energy;
  EnergyBreakdown b;
  b.seconds = c.seconds;
  auto add = [&b](const char* block, const char* action, const char* unit, double count, double pj_each) {
    b.actions.push_back({block, action, unit, count, pj_each, count * pj_each * 1e-12});
    b.die_dynamic_j += count * pj_each * 1e-12;
  };
  const double ub_row = cfg.mxu.rows, acc_row = double(cfg.mxu.cols) * 4;
  add("mxu", "mac", "mac", c.macs, e.mac_pj);
  add("mxu", "weight_shift", "tile", c.tiles_switched, e.weight_shift_pj_per_tile);
  add("unified_buffer", "read", "row", c.ub_bytes_read / ub_row, e.ub_read_pj_per_row);
  add("unified_buffer", "write", "row", c.ub_bytes_written / ub_row, e.ub_write_pj_per_row);
  add("accumulators", "read", "row", c.acc_bytes_read / acc_row, e.acc_read_pj_per_row);
  add("accumulators", "write", "row", c.acc_bytes_written / acc_row, e.acc_write_pj_per_row);
  add("weight_fifo", "write", "tile", c.tiles_fetched, e.weight_fifo_write_pj_per_tile);
  add("weight_fifo", "read", "tile", c.tiles_switched, e.weight_fifo_read_pj_per_tile);
  add("activation_unit", "element", "element", c.activation_rows * cfg.mxu.cols, e.activation_pj_per_element);
  add("activation_unit", "lookup", "element", c.lookups, e.activation_lookup_pj);
  add("sequencer", "instruction", "instruction", c.instructions, e.instruction_pj);
  add("host_interface", "pcie", "byte", c.pcie_bytes, e.pcie_pj_per_byte);
  b.static_j = e.static_power_w * c.seconds;
  b.actions.push_back({"static", "static", "s", c.seconds, e.static_power_w * 1e12, b.static_j});

  const std::vector<DramEnergyTerm> terms = dram_energy(cfg.dram, c.dram, c.seconds);
  for (const DramEnergyTerm& t : terms) b.actions.push_back({"dram", t.action, t.unit, t.count, t.pj_each, t.joules});
  b.dram_j = total_joules(terms);
  b.dram_method = cfg.dram.power.pj_per_bit > 0 ? "pj_per_bit" : c.dram_from_commands ? "idd" : "idd_from_bytes";
  return b;
}

EnergyBreakdown compute_energy(const ArchConfig& cfg, const nlohmann::json& r, double seconds,
                               const std::vector<DramChannelCounts>* background) {
  EnergyCounts c = report_counts(cfg, r, seconds);
  if (background)
    for (size_t i = 0; i < c.dram.size() && i < background->size(); ++i) {
      c.dram[i].open_rank_cycles = (*background)[i].open_rank_cycles;
      c.dram[i].rank_cycles = (*background)[i].rank_cycles;
    }
  return energy_of(cfg, c);
}

nlohmann::json energy_json(const EnergyBreakdown& e, uint64_t inferences, double tops, uint64_t useful_macs,
                           uint64_t dram_bytes) {
  const double s = e.seconds > 0 ? e.seconds : 0;
  const auto per = [](double a, double b) { return b > 0 ? nlohmann::json(a / b) : nlohmann::json(); };
  nlohmann::json blocks = nlohmann::json::object();
  for (const ActionEnergy& a : e.actions) {
    nlohmann::json& blk = blocks[a.block];
    if (!blk.contains("j")) blk["j"] = 0.0;
    blk["j"] = blk["j"].get<double>() + a.joules;
    blk["actions"][a.action] = {{"count", a.count}, {"unit", a.unit}, {"pj_each", a.pj_each}, {"j", a.joules}};
  }
  const double die_w = s > 0 ? e.die_j() / s : 0, total_w = s > 0 ? e.total_j() / s : 0;
  return {{"seconds", e.seconds},
          {"inferences", inferences},
          {"total_j", e.total_j()},
          {"die_j", e.die_j()},
          {"die_dynamic_j", e.die_dynamic_j},
          {"static_j", e.static_j},
          {"dram_j", e.dram_j},
          {"dram_method", e.dram_method},
          {"per_inference_j", per(e.total_j(), double(inferences))},
          {"die_per_inference_j", per(e.die_j(), double(inferences))},
          {"die_power_w", die_w},
          {"die_dynamic_power_w", s > 0 ? e.die_dynamic_j / s : 0.0},
          {"static_power_w", s > 0 ? e.static_j / s : 0.0},
          {"dram_power_w", s > 0 ? e.dram_j / s : 0.0},
          {"total_power_w", total_w},
          {"tops_per_w_die", per(tops, die_w)},
          {"tops_per_w_with_dram", per(tops, total_w)},
          {"die_dynamic_pj_per_useful_mac", per(e.die_dynamic_j * 1e12, double(useful_macs))},
          {"dram_pj_per_byte", per(e.dram_j * 1e12, double(dram_bytes))},
          {"blocks", blocks}};
}

namespace {

// `joules` with 4 significant digits in J, mJ, uJ or nJ ("1.085 mJ").
std::string human_joules(double joules) {
  const char* units[] = {"J", "mJ", "uJ", "nJ"};
  int u = 0;
  while (u < 3 && std::fabs(joules) < 1.0 && joules != 0.0) joules *= 1e3, ++u;
  std::ostringstream os;
  os << std::setprecision(4) << joules << " " << units[u];
  return os.str();
}

}  // namespace

std::string energy_summary_line(const nlohmann::json& j) {
  std::ostringstream os;
  os << std::fixed << "energy    " << human_joules(j["total_j"].get<double>());
  if (j["per_inference_j"].is_number())
    os << " (" << human_joules(j["per_inference_j"].get<double>()) << " per inference)";
  os << std::setprecision(1) << "; die " << j["die_power_w"].get<double>() << " W average (dynamic "
     << j["die_dynamic_power_w"].get<double>() << " + static " << j["static_power_w"].get<double>() << "), DRAM "
     << j["dram_power_w"].get<double>() << " W";
  if (j.contains("power"))
    os << "; peak " << j["power"]["peak_die_w"].get<double>() << " W die per " << std::setprecision(0)
       << j["power"]["window_ns"].get<double>() << " ns window";
  os << "; " << std::setprecision(2);
  if (j["tops_per_w_die"].is_number()) os << j["tops_per_w_die"].get<double>() << " TOPS/W (die)";
  else os << "- TOPS/W";
  os << "\n";
  return os.str();
}

}  // namespace tpu

namespace tpu {

void add_layer_energy(const EnergyBreakdown& e, nlohmann::json& layers) {
  enum Measure { kCycles, kRows, kDram, kAct, kMeasures };
  const size_t n = layers.size();
  std::vector<std::array<double, kMeasures>> m(n);
  std::array<double, kMeasures> sum{};
  for (size_t i = 0; i < n; ++i) {
    const nlohmann::json& l = layers[i];
    m[i][kCycles] = l.value("cycles", 0.0);
    m[i][kRows] = l.contains("table3_cycles") ? l["table3_cycles"].value("array_active", 0.0) : 0.0;
    m[i][kDram] = l.value("dram_bytes", 0.0);
    m[i][kAct] = l.value("activation_unit_cycles", 0.0);
    for (int k = 0; k < kMeasures; ++k) sum[k] += m[i][k];
  }
  std::vector<double> die(n, 0.0), dram(n, 0.0);
  for (const ActionEnergy& a : e.actions) {
    Measure k = kRows;
    if (a.block == "static" || a.block == "host_interface" || a.block == "sequencer" ||
        (a.block == "dram" && a.action.rfind("background", 0) == 0))
      k = kCycles;
    else if (a.block == "dram" || (a.block == "weight_fifo" && a.action == "write")) k = kDram;
    else if (a.block == "activation_unit") k = kAct;
    if (sum[k] <= 0) k = kCycles;
    if (sum[k] <= 0) continue;
    for (size_t i = 0; i < n; ++i) (a.block == "dram" ? dram : die)[i] += a.joules * m[i][k] / sum[k];
  }
  for (size_t i = 0; i < n; ++i) {
    layers[i]["die_energy_j"] = die[i];
    layers[i]["dram_energy_j"] = dram[i];
    layers[i]["energy_j"] = die[i] + dram[i];
  }
}

}  // namespace tpu
