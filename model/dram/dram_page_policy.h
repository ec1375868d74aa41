// Page policy: whether a DRAM channel closes a row after a column command.
#pragma once

#include "config/config.h"

namespace tpu {

/// Open or closed page (DramConfig::page_policy), chosen once at construction.
///  - open: rows stay open until a conflicting request (or a refresh) precharges them;
///  - closed: a column command auto-precharges (RDA/WRA) unless another queued request that has
///    arrived hits the same row (so a row serves the hits already waiting, then closes).
class DramPagePolicy {
 public:
  /// The policy `p` (DramConfig::page_policy).
  explicit DramPagePolicy(PagePolicy p) : closed_(p == PagePolicy::Closed) {}
  /// True under the closed-page policy.
  bool closed() const { return closed_; }
  /// Whether a column command auto-precharges. `other_hit()` says whether another arrived request
  /// hits the same row; it is called only under the closed-page policy (it scans the bank's queues).
  template <class F>
  bool auto_precharge(F&& other_hit) const {
    return closed_ && !other_hit();
  }

 private:
  bool closed_;
};

}  // namespace tpu
