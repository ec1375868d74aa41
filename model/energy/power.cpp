#include "energy/power.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "chip/tpu.h"
#include "util/report.h"

namespace tpu {

std::vector<WindowActivity> window_activity(const Tpu& chip, double period_s, double window_s, double end_s) {
  const size_t n = size_t(std::max(1.0, std::ceil(end_s / window_s - 1e-9)));
  std::vector<WindowActivity> a(n);
  for (const Mxu::BlockTiming& b : chip.mxu.block_log()) {
    // Rows enter one per cycle over [start, stream_end) cycles: spread them over the windows.
    const double t0 = double(b.start) * period_s, t1 = double(b.stream_end) * period_s;
    const double rows = double(b.stream_end - b.start);
    if (t1 <= t0) continue;
    for (size_t k = size_t(t0 / window_s); k < n && double(k) * window_s < t1; ++k) {
      const double lo = std::max(t0, double(k) * window_s), hi = std::min(t1, double(k + 1) * window_s);
      if (hi > lo) a[k].mxu_rows += rows * (hi - lo) / (t1 - t0);
    }
  }
  for (size_t k = 0; k < n; ++k) {
    for (const BandwidthCounter& c : chip.dram->channel_counters()) a[k].dram_bytes += c.window_bytes(int64_t(k));
    a[k].pcie_bytes = chip.host_interface.to_device().counter().window_bytes(int64_t(k)) +
                      chip.host_interface.to_host().counter().window_bytes(int64_t(k));
  }
  return a;
}

std::vector<WindowPower> power_windows(const EnergyBreakdown& e, const std::vector<WindowActivity>& activity,
                                       double window_s, double end_s) {
  const size_t n = activity.size();
  std::vector<WindowPower> w(n);
  for (size_t k = 0; k < n; ++k) {
    w[k].start_s = double(k) * window_s;
    w[k].end_s = std::min(end_s, double(k + 1) * window_s);
    if (w[k].end_s <= w[k].start_s) w[k].end_s = w[k].start_s + window_s;
  }
  WindowActivity total;
  for (const WindowActivity& a : activity)
    total.mxu_rows += a.mxu_rows, total.dram_bytes += a.dram_bytes, total.pcie_bytes += a.pcie_bytes;

  enum Profile { kTime, kRows, kDram, kPcie };
  for (const ActionEnergy& act : e.actions) {
    Profile p = kRows;
    if (act.block == "static" || (act.block == "dram" && act.action.rfind("background", 0) == 0)) p = kTime;
    else if (act.block == "dram" || (act.block == "weight_fifo" && act.action == "write")) p = kDram;
    else if (act.block == "host_interface") p = kPcie;
    const double sum = p == kRows ? total.mxu_rows : p == kDram ? total.dram_bytes : p == kPcie ? total.pcie_bytes : 0;
    if (p != kTime && sum <= 0) p = kTime;
    for (size_t k = 0; k < n; ++k) {
      const double len = w[k].end_s - w[k].start_s;
      double watts;
      if (p == kTime) {
        watts = e.seconds > 0 ? act.joules / e.seconds : 0;
      } else {
        const double share = p == kRows   ? activity[k].mxu_rows
                             : p == kDram ? activity[k].dram_bytes
                                          : activity[k].pcie_bytes;
        watts = act.joules * share / sum / len;
      }
      w[k].block_w[act.block] += watts;
      if (act.block == "dram") w[k].dram_w += watts;
      else if (act.block == "static") w[k].static_w += watts;
      else w[k].die_dynamic_w += watts;
    }
  }
  return w;
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
