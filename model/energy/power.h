// Power per window of simulated time, metered: each window's energy from the actions counted in
// it (the energy meter, the DRAM channels' per-window commands and bank-open time).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <systemc>

#include "energy/energy.h"
#include "trace/vcd_writer.h"

namespace tpu {

class Tpu;

/// Power of one window, in W (energy in the window / its length).
struct WindowPower {
  double start_s = 0, end_s = 0;
  double die_dynamic_w = 0, static_w = 0, dram_w = 0;
  std::map<std::string, double> block_w;  ///< by block of the breakdown ("mxu", ..., "static", "dram")
  double die_w() const { return die_dynamic_w + static_w; }
  double total_w() const { return die_w() + dram_w; }
};

/// Per DRAM channel, its ranks' cycles in the time span [from, to) (tCK; a cycle belongs to the
/// span if it starts in it): rank_cycles, and open_rank_cycles from the JEDEC channels'
/// bank-open counter (DramBankState::open_cycles). The bandwidth-latency model has no banks:
/// there every rank-cycle counts as open once its channel has moved data (dram_energy()'s
/// approximation for the open page policy). Other fields are 0.
std::vector<DramChannelCounts> dram_background(const Tpu& chip, sc_core::sc_time from, sc_core::sc_time to);

/// What the chip did in window k of chip.meter's windows ([k w, (k + 1) w), w = meter.window()),
/// metered, not apportioned: the die's actions charged in it (EnergyMeter), static power over
/// its overlap with the run so far (Sequencer::run_span), and per DRAM channel the commands
/// issued in it (DramChannelStats::window_commands) and its ranks' cycles in window and run
/// (dram_background()). For the bandwidth-latency model (no commands) a channel's bursts are its
/// bytes in the window (BandwidthCounter) / burst bytes, read and written in the proportion of
/// the totals so far. Summed over all windows the counts are the run's (report_counts() and
/// dram_background() over the run) exactly, so the windows' energies sum to the run's per action.
EnergyCounts window_counts(const ArchConfig& cfg, const Tpu& chip, int64_t k);

/// The power of breakdown `e` over [start_s, end_s): joules / (end_s - start_s) per block.
WindowPower window_power(const EnergyBreakdown& e, double start_s, double end_s);

/// Every window's power after a run that ended at `end`: windows 0 .. n-1, n the larger of the
/// windows covering `end` and the last window anything was counted in (the DRAM may have issued
/// commands ahead of the end); each window is [k w, (k + 1) w), the one holding `end` cut there.
std::vector<WindowPower> power_windows(const ArchConfig& cfg, const Tpu& chip, sc_core::sc_time end);

/// Traces power per window into the main VCD, in time order with every other signal:
/// power.die_mw, power.die_dynamic_mw, power.static_mw, power.dram_mw, power.total_mw and one
/// power.<block>_mw per die block, integer milliwatts. A window's power is known at its end
/// (every block has charged its actions by then: they charge at the time they act or ahead of
/// it), so at each window boundary (k + 1) w the signals take window k's value: a waveform lags
/// the activity by one window. finish() writes the window holding the end of the simulation at
/// that end. Each boundary seals the windows before it (EnergyMeter::seal,
/// DramController::seal_windows), so what is counted too late for the trace is counted again as
/// late (late()): a DRAM command issues one tCK after its cycle (DramChannel::next_event), so one
/// in the last tCK before a boundary can miss its window's trace value (it is in the run's totals,
/// the CSV and the JSON all the same). Wakes only while the rest of the model has future activity.
class PowerTrace : public sc_core::sc_module {
 public:
  /// Declares the signals in `vcd` (during elaboration); `cfg` and `chip` outlive the trace.
  PowerTrace(sc_core::sc_module_name name, const ArchConfig& cfg, Tpu& chip, VcdWriter& vcd);
  /// Writes the power of the window holding the current time (its part so far), at the current
  /// time; call once after sc_start() returns, before VcdWriter::commit().
  void finish();
  /// What was counted into windows the trace had already written: the meter's charges
  /// (EnergyMeter::late()) and the DRAM's commands (DramController::late_commands()).
  uint64_t late_charges() const;
  uint64_t late_dram_commands() const;

 private:
  /// The sampling process: at each window boundary while the model has future activity, writes
  /// the window that ended.
  void sample();
  /// Sets the signals to window k's power (its span cut at the current time).
  void write(int64_t k);
  const ArchConfig& cfg_;
  Tpu& chip_;
  VcdWriter& vcd_;
  std::vector<std::string> blocks_;   // die blocks, as the breakdown names them
  std::vector<VcdWriter::Var> vars_;  // die, die_dynamic, static, dram, total, then blocks_
};

/// Average and peak (over windows) die and total power: {"window_ns", "windows", "peak_die_w",
/// "peak_total_w", "peak_window_start_ns", "mean_die_w", "mean_total_w"}.
nlohmann::json power_json(const std::vector<WindowPower>& windows, double window_s);

/// Writes the windows as CSV (one row per window: start_ns, end_ns, die_w, die_dynamic_w,
/// static_w, dram_w, total_w, then one <block>_w column per die block), complete or absent.
/// Raises SC_REPORT_ERROR("tpu/output") on I/O errors.
void write_power_csv(const std::string& path, const std::vector<WindowPower>& windows);

/// Writes the windows as a VCD (IEEE 1364-2005, Sec. 18) of integer milliwatts, timescale 1 ns:
/// power.die_mw, power.die_dynamic_mw, power.static_mw, power.dram_mw, power.total_mw and one
/// power.<block>_mw per die block, each holding a window's power from the window's start: after
/// the run, each value sits where its window begins (the main VCD's power.* signals, traced
/// during the run, take it at the window's end; PowerTrace). A waveform viewer can open both. Complete or absent;
/// raises SC_REPORT_ERROR("tpu/output") on I/O errors.
void write_power_vcd(const std::string& path, const std::vector<WindowPower>& windows);

}  // namespace tpu
