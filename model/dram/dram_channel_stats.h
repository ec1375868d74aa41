// Counters of one DRAM channel and the events that move them.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "dram/dram_command.h"

namespace tpu {

/// Counters of one channel. The channel counts commands as they issue, row outcomes when a
/// request is first examined against its bank (DramChannel::examine), completions when their
/// data has moved (count_completion).
struct DramChannelStats {
  static constexpr size_t kHistogramBins = 512;  ///< read latency bins of 8 tCK (last one open)

  std::array<uint64_t, kDramCommands> commands{};  ///< issued, by DramCommand
  uint64_t reads = 0, writes = 0;                  ///< completed requests
  uint64_t row_hits = 0, row_misses = 0, row_conflicts = 0;
  uint64_t read_latency_sum = 0;                 ///< sum of (done - arrival) over reads, tCK
  std::vector<uint64_t> read_latency_histogram;  ///< [i] = reads with latency in [8i, 8i+8) tCK; last bin open
  uint64_t queue_occupancy_integral = 0;         ///< sum over cycles of queued requests
  uint64_t busy_data_cycles = 0;                 ///< cycles the data bus carried data
  uint64_t tck_units_ = 0, window_units_ = 0;    ///< set_windows()
  int64_t sealed_windows = 0;                    ///< windows before this one were read (the power trace)
  uint64_t late_commands = 0;                    ///< commands counted into a window already read

  /// Commands by window of simulated time (set_windows(); empty until then): [k][cmd] = commands
  /// issued at cycles c with k * window <= c * tCK < (k + 1) * window.
  std::vector<std::array<uint64_t, kDramCommands>> window_commands;

  DramChannelStats() : read_latency_histogram(kHistogramBins, 0) {}
  /// Counts commands per window too from now on: tCK and the window in the same time unit (the
  /// SystemC resolution); 0 windows: not per window. (Cycles up to 2^64 / tck_units count
  /// correctly: 5 hours of DDR3 at 1 fs.)
  void set_windows(uint64_t tck_units, uint64_t window_units) {
    tck_units_ = tck_units;
    window_units_ = window_units;
  }
  /// Counts command `c` issued at cycle t.
  void count_command(DramCommand c, uint64_t t) {
    ++commands[int(c)];
    if (window_units_ == 0) return;
    const uint64_t k = t * tck_units_ / window_units_;
    if (k >= window_commands.size()) window_commands.resize(k + 1, std::array<uint64_t, kDramCommands>{});
    ++window_commands[k][int(c)];
    if (int64_t(k) < sealed_windows) ++late_commands;
  }
  /// Counts a completed request: reads, writes, read latency (done - arrival, tCK).
  void count_completion(const DramRequest& r) {
    const uint64_t latency = r.done - r.arrival;
    if (r.write) {
      ++writes;
    } else {
      ++reads;
      read_latency_sum += latency;
      ++read_latency_histogram[std::min<uint64_t>(latency / 8, kHistogramBins - 1)];
    }
  }
};

}  // namespace tpu
