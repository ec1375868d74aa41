// Write drain: when a DRAM channel serves its write queue instead of its read queue.
#pragma once

#include <algorithm>
#include <cstddef>

#include "config/config.h"

namespace tpu {

/// The read/write mode of a channel, with hysteresis between two watermarks (DramConfig
/// write_high_watermark, write_low_watermark; counts of arrived requests):
///  - serving reads, it starts draining writes when >= high writes are queued, or writes are
///    queued and no reads;
///  - draining, it goes back to reads when no writes remain, or <= low remain and reads wait.
/// low is clamped below high (low = min(low, high - 1)), so a drain always serves at least one
/// write. The mode a decision assumes is provisional until a command issues under it: the
/// channel asks next_mode() when it plans and commit()s the mode of the command it issues.
class DramWriteDrain {
 public:
  /// Serving reads, with the watermarks of `cfg`.
  explicit DramWriteDrain(const DramConfig& cfg)
      : high_(cfg.write_high_watermark), low_(std::min<size_t>(cfg.write_low_watermark, high_ ? high_ - 1 : 0)) {}
  /// The mode committed by the last command issued: true while draining writes.
  bool draining() const { return draining_; }
  /// The mode for a decision with `reads` and `writes` arrived requests queued, from the
  /// committed one.
  bool next_mode(size_t reads, size_t writes) const {
    if (draining_) return !(writes == 0 || (writes <= low_ && reads > 0));
    return writes > 0 && (writes >= high_ || reads == 0);
  }
  /// Commits the mode of a command that issues.
  void commit(bool draining) { draining_ = draining; }
  /// The watermarks in force (low already clamped below high), in requests.
  size_t high() const { return high_; }
  size_t low() const { return low_; }

 private:
  size_t high_, low_;
  bool draining_ = false;
};

}  // namespace tpu
