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

  DramChannelStats() : read_latency_histogram(kHistogramBins, 0) {}
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
