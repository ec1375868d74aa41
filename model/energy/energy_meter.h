// The energy meter: per window of simulated time, how often each block did each action whose
// energy the energy table (EnergyConfig) prices. Blocks charge it as they act.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include <systemc>

#include "trace/stats.h"

namespace tpu {

/// The die's metered actions, in the units the blocks count them (their report() counters).
enum class MeteredAction : uint8_t {
  kMac,              ///< MACs of every PE of the array (mxu.array_macs)
  kWeightShift,      ///< tiles shifted into the array, read out of the weight FIFO (mxu.tiles_switched)
  kUbRead,           ///< Unified Buffer bytes read (b_transport and DMI)
  kUbWrite,          ///< Unified Buffer bytes written
  kAccRead,          ///< accumulator bytes read
  kAccWrite,         ///< accumulator bytes written
  kWeightFifoWrite,  ///< tiles written into the weight FIFO (weight_fifo.tiles_fetched)
  kActivationRow,    ///< rows through the activation unit (Activate, Pool, Vector)
  kInstruction,      ///< instructions the sequencer issued
  kPcie,             ///< PCIe bytes, both directions
  kLookup,           ///< activation-unit table lookups (fn = lookup), one per element
};
constexpr size_t kMeteredActions = 11;

/// One WindowCounter per MeteredAction, all with the same window (the bandwidth counters'). A
/// block charges an action when it happens in the model: at the simulated time it happens
/// (annotated times included), or spread over the interval it takes (the MXU's MACs over a
/// block's streaming cycles, PCIe bytes over a transfer). Per window, the counts times the
/// table's energies give that window's energy (energy/power.h); over all windows the counts are
/// the blocks' run totals, exactly. Counting costs an integer division and an add.
class EnergyMeter {
 public:
  /// `window`: the windows' width (> 0).
  explicit EnergyMeter(sc_core::sc_time window)
      : window_(window), counters_(counters(window, std::make_index_sequence<kMeteredActions>())) {}
  /// `n` of action `a` at time `at`.
  void charge(MeteredAction a, const sc_core::sc_time& at, uint64_t n) { counters_[size_t(a)].add(at, n); }
  /// `n` of action `a` spread evenly over [start, end).
  void charge_spread(MeteredAction a, const sc_core::sc_time& start, const sc_core::sc_time& end, uint64_t n) {
    counters_[size_t(a)].add_spread(start, end, n);
  }
  /// The counter of action `a` (counts per window, in the action's unit).
  const WindowCounter& counter(MeteredAction a) const { return counters_[size_t(a)]; }
  /// The windows' width.
  sc_core::sc_time window() const { return window_; }
  /// One past the last window any action was charged in.
  int64_t windows() const {
    int64_t n = 0;
    for (const WindowCounter& c : counters_) n = std::max(n, c.windows());
    return n;
  }
  /// Marks the windows before k as read (WindowCounter::seal).
  void seal(int64_t k) {
    for (WindowCounter& c : counters_) c.seal(k);
  }
  /// Charges into sealed windows, all actions (WindowCounter::late).
  uint64_t late() const {
    uint64_t n = 0;
    for (const WindowCounter& c : counters_) n += c.late();
    return n;
  }

 private:
  /// One counter of `window` per action (WindowCounter has no default constructor).
  template <size_t... I>
  static std::array<WindowCounter, kMeteredActions> counters(sc_core::sc_time window, std::index_sequence<I...>) {
    return {{((void)I, WindowCounter(window))...}};
  }
  sc_core::sc_time window_;
  std::array<WindowCounter, kMeteredActions> counters_;
};

}  // namespace tpu
