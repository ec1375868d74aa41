// Power per window of simulated time: a run's energy (energy.h) spread over the windows of the
// bandwidth counters by what each block did in each window.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "energy/energy.h"

namespace tpu {

class Tpu;

/// What the chip did in one window: the profiles energy is spread by.
struct WindowActivity {
  double mxu_rows = 0;    ///< rows streamed through the array (from the MXU's block log)
  double dram_bytes = 0;  ///< bytes on all DRAM channels (their bandwidth counters)
  double pcie_bytes = 0;  ///< bytes on PCIe, both directions
};

/// Power of one window, in W (energy in the window / its length).
struct WindowPower {
  double start_s = 0, end_s = 0;
  double die_dynamic_w = 0, static_w = 0, dram_w = 0;
  std::map<std::string, double> block_w;  ///< by block of the breakdown ("mxu", ..., "static", "dram")
  double die_w() const { return die_dynamic_w + static_w; }
  double total_w() const { return die_w() + dram_w; }
};

/// The activity of `chip` per window of `window_s` over [0, end_s): MXU rows spread evenly over
/// each block's streaming cycles [start, start + B) (Mxu::block_log(), which must have been
/// recording: Mxu::record_blocks(true) before the run), DRAM and PCIe bytes from their bandwidth
/// counters (BandwidthCounter::window_bytes()). Windows are numbered from time 0, as the
/// counters' are.
std::vector<WindowActivity> window_activity(const Tpu& chip, double period_s, double window_s, double end_s);

/// Spreads each action of `e` over the windows by a profile: the DRAM's commands and the weight
/// FIFO's writes by DRAM bytes, PCIe by PCIe bytes, static power and the DRAM's background by
/// time (their power, energy / e.seconds, in every window), every other die action by MXU rows
/// (the datapath's work follows the rows streamed: an approximation for the UB writes of host
/// DMA and for the activation unit, which works between MXU blocks). An action whose profile is
/// empty over the run is spread by time. Over the windows, each profile-spread action sums to its
/// joules; time-spread ones to power x (windows' span), which includes the program load before
/// START that e.seconds does not.
std::vector<WindowPower> power_windows(const EnergyBreakdown& e, const std::vector<WindowActivity>& activity,
                                       double window_s, double end_s);

/// Average and peak (over windows) die and total power: {"window_ns", "windows", "peak_die_w",
/// "peak_total_w", "peak_window_start_ns", "mean_die_w", "mean_total_w"}.
nlohmann::json power_json(const std::vector<WindowPower>& windows, double window_s);

/// Writes the windows as CSV (one row per window: start_ns, end_ns, die_w, die_dynamic_w,
/// static_w, dram_w, total_w, then one <block>_w column per die block), complete or absent.
/// Raises SC_REPORT_ERROR("tpu/output") on I/O errors.
void write_power_csv(const std::string& path, const std::vector<WindowPower>& windows);

/// Writes the windows as a VCD (IEEE 1364-2005, Sec. 18) of integer milliwatts, timescale 1 ns:
/// power.die_mw, power.die_dynamic_mw, power.static_mw, power.dram_mw, power.total_mw and one
/// power.<block>_mw per die block, each holding a window's power from the window's start. It is
/// written after the run (the windows' power is known only then), so it is a file of its own
/// beside --vcd's; a waveform viewer can open both. Complete or absent; raises
/// SC_REPORT_ERROR("tpu/output") on I/O errors.
void write_power_vcd(const std::string& path, const std::vector<WindowPower>& windows);

}  // namespace tpu
