// Statistics shared by all modules: time spent per state, bytes per time window, clock helpers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <boost/histogram.hpp>
#include <nlohmann/json.hpp>
#include <systemc>

namespace tpu {

/// Whole clock cycles in `t` (rounded to nearest; times in this model sit on clock edges up to
/// the 1 fs resolution).
uint64_t to_cycles(const sc_core::sc_time& t, const sc_core::sc_time& period);

/// Blocks the calling SC_THREAD until the next rising edge of a clock of `period` (no wait if
/// the current time is on an edge). Units call it after waking on an event from another clock
/// domain (PCIe, DRAM), so that the core's timeline stays on whole cycles.
void wait_clock_edge(const sc_core::sc_time& period);

/// Integrates simulated time per state of a state machine. Exactly one state is current; the
/// totals over all states add up to the time since construction.
class StateTimeAccount {
 public:
  /// `names`: one name per state, used as JSON keys; the initial state is 0.
  explicit StateTimeAccount(std::vector<std::string> names);
  /// Switches to `state` at the current simulated time.
  void enter(int state);
  /// Time spent in `state` up to now (includes the running interval).
  sc_core::sc_time total(int state) const;
  /// {name: cycles} of every state, cycles of `period`.
  nlohmann::json to_json(const sc_core::sc_time& period) const;

 private:
  std::vector<std::string> names_;
  std::vector<sc_core::sc_time> totals_;
  int state_ = 0;
  sc_core::sc_time since_;
};

/// Bytes moved over one interface: the total, and bytes per time window (a Boost.Histogram
/// with a growing integer axis of window indices, weighted by bytes) so a user can plot
/// bandwidth over time. A transfer spanning several windows is spread over them in proportion.
class BandwidthCounter {
 public:
  /// `window`: width of one bandwidth window (e.g. 1 us).
  BandwidthCounter(std::string name, sc_core::sc_time window);
  /// Records `bytes` moving during [start, end); start >= now is allowed (annotated timing).
  void record(const sc_core::sc_time& start, const sc_core::sc_time& end, uint64_t bytes);
  uint64_t total_bytes() const { return total_bytes_; }
  /// Bytes in window k (0 when nothing was recorded there).
  double window_bytes(int64_t k) const;
  /// Index of the last window holding bytes, or -1.
  int64_t last_window() const { return last_window_; }
  const std::string& name() const { return name_; }
  /// {bytes, transfers, window_ns, bytes_per_window: [...]}.
  nlohmann::json to_json() const;

 private:
  using Axis =
      boost::histogram::axis::integer<int64_t, boost::histogram::use_default, boost::histogram::axis::option::growth_t>;
  using Histogram = decltype(boost::histogram::make_weighted_histogram(std::declval<Axis>()));
  std::string name_;
  sc_core::sc_time window_;
  Histogram hist_;
  uint64_t total_bytes_ = 0;
  uint64_t transfers_ = 0;
  int64_t last_window_ = -1;
  int64_t pending_window_ = -1;       // the window of the latest one-window transfers not yet in hist_
  uint64_t pending_lo_ = UINT64_MAX;  // its first time unit (UINT64_MAX: none yet)
  uint64_t pending_bytes_ = 0;        // their bytes
  /// Adds pending_bytes_ to hist_ (a fill per window, not per transfer).
  void flush();
};

}  // namespace tpu
