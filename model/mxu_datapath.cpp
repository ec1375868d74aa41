#include "mxu_datapath.h"

#include <algorithm>
#include <cstring>

#include "mxu_pins.h"

namespace tpu {

AnalyticDatapath::AnalyticDatapath(sc_core::sc_module_name name, const ArchConfig& cfg, MxuSink& sink)
    : sc_module(name), R_(cfg.mxu.rows), C_(cfg.mxu.cols), period_(cfg.clock_period()),
      shift_cycles_(cfg.mxu.weight_shift_cycles), sink_(sink), active_(size_t(R_) * C_), shadow_(size_t(R_) * C_),
      leave_("leave") {
  SC_HAS_PROCESS(AnalyticDatapath);
  SC_METHOD(deliver);
  sensitive << leave_;
  dont_initialize();
}

void AnalyticDatapath::shift_in(const int8_t* tile) {
  std::memcpy(shadow_.data(), tile, shadow_.size());
  sc_core::wait(period_ * double(shift_cycles_));
}

void AnalyticDatapath::stream(const int8_t* x, uint64_t rows, bool switch_weights) {
  if (switch_weights) std::swap(active_, shadow_);
  std::vector<int32_t> sums(rows * C_, 0);
  for (uint64_t b = 0; b < rows; ++b) {
    int32_t* out = &sums[b * C_];
    const int8_t* xr = x + b * R_;
    for (uint32_t r = 0; r < R_; ++r) {
      const int32_t xv = xr[r];
      if (xv == 0) continue;
      const int8_t* w = &active_[size_t(r) * C_];
      for (uint32_t c = 0; c < C_; ++c) out[c] += xv * w[c];
    }
  }
  in_array_.push_back(std::move(sums));
  sc_core::wait(period_ * double(rows));
  leave_.notify(period_ * double(mxu_latency_cycles(R_, C_)));
}

// A block's sums leave the array: hand them to the MXU.
void AnalyticDatapath::deliver() {
  std::vector<int32_t> sums = std::move(in_array_.front());
  in_array_.pop_front();
  sink_.block_done(std::move(sums));
}

}  // namespace tpu
