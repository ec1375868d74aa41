#include "energy/power.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "chip/tpu.h"
#include "dram/dram_controller.h"
#include "util/report.h"

namespace tpu {

namespace {

// The first DRAM cycle starting at or after time `units` (resolution units) for a tCK of `tck`.
uint64_t cycle_at(uint64_t units, uint64_t tck) { return (units + tck - 1) / tck; }

}  // namespace

std::vector<DramChannelCounts> dram_background(const Tpu& chip, sc_core::sc_time from, sc_core::sc_time to) {
  std::vector<DramChannelCounts> out;
  const DramConfig& d = chip.dram->config();
  if (const auto* jedec = dynamic_cast<const DramController*>(chip.dram.get())) {
    const uint64_t tck = jedec->tck().value(), c0 = cycle_at(from.value(), tck), c1 = cycle_at(to.value(), tck);
    for (uint32_t c = 0; c < d.channels; ++c) {
      const DramBankState& banks = jedec->channel(c).banks();
      DramChannelCounts n;
      n.open_rank_cycles = 0;
      n.rank_cycles = double(c1 > c0 ? c1 - c0 : 0) * banks.ranks();
      for (uint32_t r = 0; r < banks.ranks() && c1 > c0; ++r)
        n.open_rank_cycles += double(banks.open_cycles(r, c0, c1));
      out.push_back(n);
    }
    return out;
  }
  const double cycles = to > from ? (to - from).to_seconds() / d.tck_seconds() : 0.0;
  for (const BandwidthCounter& c : chip.dram->channel_counters()) {
    DramChannelCounts n;
    n.rank_cycles = cycles * d.ranks;
    n.open_rank_cycles = c.total_bytes() > 0 ? n.rank_cycles : 0.0;
    out.push_back(n);
  }
  return out;
}

EnergyCounts window_counts(const ArchConfig& cfg, const Tpu& chip, int64_t k) {
  EnergyCounts c;
  const EnergyMeter& m = chip.meter;
  const auto n = [&m, k](MeteredAction a) { return double(m.counter(a).window(k)); };
  c.macs = n(MeteredAction::kMac);
  c.tiles_switched = n(MeteredAction::kWeightShift);
  c.tiles_fetched = n(MeteredAction::kWeightFifoWrite);
  c.ub_bytes_read = n(MeteredAction::kUbRead);
  c.ub_bytes_written = n(MeteredAction::kUbWrite);
  c.acc_bytes_read = n(MeteredAction::kAccRead);
  c.acc_bytes_written = n(MeteredAction::kAccWrite);
  c.activation_rows = n(MeteredAction::kActivationRow);
  c.lookups = n(MeteredAction::kLookup);
  c.instructions = n(MeteredAction::kInstruction);
  c.pcie_bytes = n(MeteredAction::kPcie);
  // The window's part of the run: static power, and the span of the DRAM ranks' cycles.
  const uint64_t w = m.window().value(), lo = uint64_t(k) * w, hi = lo + w;
  sc_core::sc_time from, to;
  chip.sequencer.run_span(&from, &to);
  const uint64_t run_lo = std::max<uint64_t>(lo, from.value()), run_hi = std::min<uint64_t>(hi, to.value());
  c.seconds = run_hi > run_lo ? sc_core::sc_time::from_value(run_hi - run_lo).to_seconds() : 0.0;
  const sc_core::sc_time span_lo = sc_core::sc_time::from_value(run_lo);
  c.dram = dram_background(chip, span_lo, run_hi > run_lo ? sc_core::sc_time::from_value(run_hi) : span_lo);
  const DramConfig& d = cfg.dram;
  if (const auto* jedec = dynamic_cast<const DramController*>(chip.dram.get())) {
    for (uint32_t ch = 0; ch < d.channels; ++ch) {
      const auto& wc = jedec->channel(ch).stats().window_commands;
      if (size_t(k) >= wc.size()) continue;
      DramChannelCounts& o = c.dram[ch];
      DramChannelCounts cmds = counts_of_commands(wc[size_t(k)], d.burst_bytes());
      cmds.open_rank_cycles = o.open_rank_cycles;  // the background measured above
      cmds.rank_cycles = o.rank_cycles;
      o = cmds;
    }
    return c;
  }
  c.dram_from_commands = false;
  const double read = double(chip.dram->bytes_read()), written = double(chip.dram->bytes_written());
  const double share = read + written > 0 ? read / (read + written) : 1.0;
  for (size_t ch = 0; ch < c.dram.size(); ++ch) {
    const double bytes = chip.dram->channel_counters()[ch].window_bytes(k);
    DramChannelCounts& o = c.dram[ch];
    o.bytes_read = bytes * share;
    o.bytes_written = bytes - o.bytes_read;
    o.rd = o.bytes_read / double(d.burst_bytes());
    o.wr = o.bytes_written / double(d.burst_bytes());
  }
  return c;
}

WindowPower window_power(const EnergyBreakdown& e, double start_s, double end_s) {
  WindowPower w;
  w.start_s = start_s;
  w.end_s = end_s;
  const double len = end_s - start_s;
  for (const ActionEnergy& a : e.actions) {
    const double watts = len > 0 ? a.joules / len : 0.0;
    w.block_w[a.block] += watts;
    if (a.block == "dram") w.dram_w += watts;
    else if (a.block == "static") w.static_w += watts;
    else w.die_dynamic_w += watts;
  }
  return w;
}

std::vector<WindowPower> power_windows(const ArchConfig& cfg, const Tpu& chip, sc_core::sc_time end) {
  const uint64_t w = chip.meter.window().value();
  int64_t n = std::max<int64_t>(1, int64_t((end.value() + w - 1) / w));
  n = std::max(n, chip.meter.windows());
  if (const auto* jedec = dynamic_cast<const DramController*>(chip.dram.get()))
    for (uint32_t ch = 0; ch < cfg.dram.channels; ++ch)
      n = std::max(n, int64_t(jedec->channel(ch).stats().window_commands.size()));
  for (const BandwidthCounter& c : chip.dram->channel_counters()) n = std::max(n, c.last_window() + 1);
  std::vector<WindowPower> out;
  const double end_s = end.to_seconds(), win_s = chip.meter.window().to_seconds();
  for (int64_t k = 0; k < n; ++k) {
    const double lo = double(k) * win_s, hi = end_s > lo && end_s < lo + win_s ? end_s : lo + win_s;
    out.push_back(window_power(energy_of(cfg, window_counts(cfg, chip, k)), lo, hi));
  }
  return out;
}

PowerTrace::PowerTrace(sc_core::sc_module_name name, const ArchConfig& cfg, Tpu& chip, VcdWriter& vcd)
    : sc_module(name), cfg_(cfg), chip_(chip), vcd_(vcd) {
  for (const ActionEnergy& a : energy_of(cfg, EnergyCounts{}).actions)
    if (a.block != "static" && a.block != "dram" && std::find(blocks_.begin(), blocks_.end(), a.block) == blocks_.end())
      blocks_.push_back(a.block);
  for (const char* n : {"die", "die_dynamic", "static", "dram", "total"})
    vars_.push_back(vcd.declare(std::string("power.") + n + "_mw", 32));
  for (const std::string& b : blocks_) vars_.push_back(vcd.declare("power." + b + "_mw", 32));
  SC_HAS_PROCESS(PowerTrace);
  SC_METHOD(sample);
}

void PowerTrace::sample() {
  const uint64_t w = chip_.meter.window().value(), now = sc_core::sc_time_stamp().value();
  const int64_t k = int64_t(now / w);
  if (k > 0 && now == uint64_t(k) * w) {
    write(k - 1);
    chip_.meter.seal(k);
    if (auto* jedec = dynamic_cast<DramController*>(chip_.dram.get())) jedec->seal_windows(k);
  }
  if (sc_core::sc_pending_activity_at_future_time() || sc_core::sc_pending_activity_at_current_time())
    next_trigger(sc_core::sc_time::from_value(uint64_t(k + 1) * w - now));
}

uint64_t PowerTrace::late_charges() const { return chip_.meter.late(); }

uint64_t PowerTrace::late_dram_commands() const {
  const auto* jedec = dynamic_cast<const DramController*>(chip_.dram.get());
  return jedec ? jedec->late_commands() : 0;
}

void PowerTrace::finish() {
  const uint64_t w = chip_.meter.window().value(), now = sc_core::sc_time_stamp().value();
  if (now % w != 0) write(int64_t(now / w));
}

void PowerTrace::write(int64_t k) {
  const double win = chip_.meter.window().to_seconds(), lo = double(k) * win;
  const double hi = std::min(lo + win, sc_core::sc_time_stamp().to_seconds());
  const WindowPower p = window_power(energy_of(cfg_, window_counts(cfg_, chip_, k)), lo, hi);
  const auto mw = [](double watts) { return uint64_t(std::max<int64_t>(0, std::llround(watts * 1e3))); };
  const double values[] = {p.die_w(), p.die_dynamic_w, p.static_w, p.dram_w, p.total_w()};
  for (size_t i = 0; i < 5; ++i) vcd_.set(vars_[i], mw(values[i]));
  for (size_t i = 0; i < blocks_.size(); ++i) {
    const auto it = p.block_w.find(blocks_[i]);
    vcd_.set(vars_[5 + i], mw(it == p.block_w.end() ? 0.0 : it->second));
  }
}

nlohmann::json power_json(const std::vector<WindowPower>& windows, double window_s) {
  double peak_die = 0, peak_total = 0, peak_start = 0, die_j = 0, total_j = 0, span = 0;
  for (const WindowPower& w : windows) {
    if (w.die_w() > peak_die) peak_die = w.die_w(), peak_start = w.start_s;
    peak_total = std::max(peak_total, w.total_w());
    const double len = w.end_s - w.start_s;
    die_j += w.die_w() * len, total_j += w.total_w() * len, span += len;
  }
  return {{"window_ns", window_s * 1e9},
          {"windows", windows.size()},
          {"peak_die_w", peak_die},
          {"peak_total_w", peak_total},
          {"peak_window_start_ns", peak_start * 1e9},
          {"mean_die_w", span > 0 ? die_j / span : 0.0},
          {"mean_total_w", span > 0 ? total_j / span : 0.0}};
}

void write_power_csv(const std::string& path, const std::vector<WindowPower>& windows) {
  const std::string tmp = path + ".partial";
  {
    std::ofstream f(tmp);
    std::vector<std::string> blocks;
    if (!windows.empty())
      for (const auto& [b, v] : windows[0].block_w)
        if (b != "static" && b != "dram") blocks.push_back(b);  // already the static_w, dram_w columns
    f << "start_ns,end_ns,die_w,die_dynamic_w,static_w,dram_w,total_w";
    for (const std::string& b : blocks) f << "," << b << "_w";
    f << "\n" << std::setprecision(9);
    for (const WindowPower& w : windows) {
      f << w.start_s * 1e9 << "," << w.end_s * 1e9 << "," << w.die_w() << "," << w.die_dynamic_w << "," << w.static_w
        << "," << w.dram_w << "," << w.total_w();
      for (const std::string& b : blocks) f << "," << w.block_w.at(b);
      f << "\n";
    }
    if (!f) {
      std::remove(tmp.c_str());
      raise_as("tpu/output", path + ": cannot write the power CSV");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    raise_as("tpu/output", path + ": cannot write the power CSV");
  }
}

namespace {

// Writes `text` to `path` through a temporary file (complete or absent); `what` names it in errors.
void write_file(const std::string& path, const std::string& text, const char* what) {
  const std::string tmp = path + ".partial";
  {
    std::ofstream f(tmp, std::ios::binary);
    f << text;
    if (!f) {
      std::remove(tmp.c_str());
      raise_as("tpu/output", path + ": cannot write the " + what);
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    raise_as("tpu/output", path + ": cannot write the " + what);
  }
}

std::string vcd_id(size_t i) {  // printable identifiers '!' .. '~', then two characters
  std::string id;
  do {
    id += char('!' + i % 94);
    i /= 94;
  } while (i > 0);
  return id;
}

}  // namespace

void write_power_vcd(const std::string& path, const std::vector<WindowPower>& windows) {
  std::vector<std::string> names = {"die_mw", "die_dynamic_mw", "static_mw", "dram_mw", "total_mw"};
  if (!windows.empty())
    for (const auto& [b, v] : windows[0].block_w)
      if (b != "static" && b != "dram") names.push_back(b + "_mw");
  std::ostringstream o;
  o << "$version tpu-sim power per window $end\n$timescale 1 ns $end\n$scope module power $end\n";
  for (size_t i = 0; i < names.size(); ++i) o << "$var wire 64 " << vcd_id(i) << " " << names[i] << " $end\n";
  o << "$upscope $end\n$enddefinitions $end\n";
  std::vector<int64_t> last(names.size(), -1);
  for (const WindowPower& w : windows) {
    std::vector<double> v = {w.die_w(), w.die_dynamic_w, w.static_w, w.dram_w, w.total_w()};
    for (const auto& [b, x] : w.block_w)
      if (b != "static" && b != "dram") v.push_back(x);
    std::ostringstream changes;
    for (size_t i = 0; i < names.size(); ++i) {
      const int64_t mw = std::max<int64_t>(0, std::llround(v[i] * 1e3));
      if (mw == last[i]) continue;
      last[i] = mw;
      std::string bits;
      for (uint64_t u = uint64_t(mw); u; u >>= 1) bits.insert(bits.begin(), char('0' + (u & 1)));
      changes << "b" << (bits.empty() ? "0" : bits) << " " << vcd_id(i) << "\n";
    }
    if (!changes.str().empty()) o << "#" << std::llround(w.start_s * 1e9) << "\n" << changes.str();
  }
  if (!windows.empty()) o << "#" << std::llround(windows.back().end_s * 1e9) << "\n";
  write_file(path, o.str(), "power VCD");
}

}  // namespace tpu
