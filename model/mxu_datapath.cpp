#include "mxu_datapath.h"

#include <algorithm>
#include <cstring>

#include <oneapi/dnnl/dnnl.h>
#include <omp.h>

#include "mxu_pins.h"

namespace tpu {

AnalyticDatapath::AnalyticDatapath(sc_core::sc_module_name name, const ArchConfig& cfg, MxuSink& sink)
    : sc_module(name), R_(cfg.mxu.rows), C_(cfg.mxu.cols), period_(cfg.clock_period()),
      shift_cycles_(cfg.mxu.weight_shift_cycles), sink_(sink), active_(size_t(R_) * C_), shadow_(size_t(R_) * C_),
      leave_("leave") {
  // The simulation kernel is single threaded and the blocks are small: OpenMP threads in the GEMM
  // cost more in synchronization than they gain (measured: digits run 0.45 s with 2 threads,
  // 0.05 s with one), and sweeps run one simulation per core.
  omp_set_num_threads(1);
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
  std::vector<int32_t> sums(rows * C_);
  // P = X (rows x R) * W (R x C), accumulated in int32 by oneDNN (alpha 1, beta 0: no scaling;
  // bit exact against a plain loop also for R = 4096, where sums exceed 2^24).
  const int32_t no_offset = 0;
  const dnnl_status_t st = dnnl_gemm_s8s8s32('N', 'N', 'F', dnnl_dim_t(rows), C_, R_, 1.0f, x, R_, 0, active_.data(),
                                             C_, 0, 0.0f, sums.data(), C_, &no_offset);
  if (st != dnnl_success) SC_REPORT_ERROR("tpu/mxu", "oneDNN dnnl_gemm_s8s8s32 failed");
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
