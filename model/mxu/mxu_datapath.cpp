#include "mxu/mxu_datapath.h"

#include <algorithm>
#include <cstring>

#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include "mxu/mxu_pins.h"

namespace tpu {

namespace {
// 1 + the last row and column of a R x C tile holding a nonzero weight (0 for an all-zero tile).
// Plain OR loops the compiler vectorizes: this runs once per tile shifted in.
void live_extent(const std::vector<int8_t>& tile, uint32_t R, uint32_t C, uint32_t* rows, uint32_t* cols) {
  std::vector<uint8_t> any_col(C, 0);
  *rows = 0;
  for (uint32_t r = 0; r < R; ++r) {
    const uint8_t* row = reinterpret_cast<const uint8_t*>(&tile[size_t(r) * C]);
    uint8_t any = 0;
    for (uint32_t c = 0; c < C; ++c) any |= row[c], any_col[c] |= row[c];
    if (any) *rows = r + 1;
  }
  *cols = C;
  while (*cols > 0 && any_col[*cols - 1] == 0) --*cols;
}

// True when oneDNN's s8s8s32 GEMM is exact here: with VNNI (vpdpbusd) it accumulates in int32;
// without it oneDNN sums pairs of products in int16 with saturation (oneDNN documentation,
// "Nuances of int8 computations"), which is not the MXU's arithmetic.
bool dnnl_int8_exact() {
  const dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
  auto has = [&](dnnl_cpu_isa_t f) { return (unsigned(isa) & unsigned(f)) == unsigned(f); };
  return has(dnnl_cpu_isa_avx512_core_vnni) || has(dnnl_cpu_isa_avx2_vnni);
}
}  // namespace

AnalyticDatapath::AnalyticDatapath(sc_core::sc_module_name name, const ArchConfig& cfg, MxuSink& sink)
    : sc_module(name), R_(cfg.mxu.rows), C_(cfg.mxu.cols), period_(cfg.clock_period()),
      shift_cycles_(cfg.mxu.weight_shift_cycles), sink_(sink), active_(size_t(R_) * C_), shadow_(size_t(R_) * C_),
      leave_("leave"), use_dnnl_(dnnl_int8_exact()) {
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
  live_extent(shadow_, R_, C_, &shadow_rows_, &shadow_cols_);
  sc_core::wait(period_ * double(shift_cycles_));
}

void AnalyticDatapath::stream(const int8_t* x, uint64_t rows, bool switch_weights, MxuOperandFormat fmt) {
  if (switch_weights) {
    std::swap(active_, shadow_);
    std::swap(active_rows_, shadow_rows_);
    std::swap(active_cols_, shadow_cols_);
  }
  // P = X (rows x R) * W (R x C) in int32. Only the tile's live rows (K) and columns (N) are
  // multiplied: the rest of W is zero (padding channels), so those products and sums are 0
  // whatever X holds there. The block's sums are rows x N; the MXU takes the other columns as 0.
  const uint32_t K = active_rows_, N = active_cols_;  // (an all-zero tile: both 0)
  Sums s;
  s.rows = rows;
  s.cols = N;
  if (!spare_.empty()) {
    s.values = std::move(spare_.back());
    spare_.pop_back();
  }
  const uint64_t n = rows * N;
  if (s.values.size() < n) s.values.resize(n);
  int32_t* sums = s.values.data();
  if (n > 0) {
    if (use_dnnl_ && !fmt.unsigned_w) {  // beta = 0: C is written, not read
      const int32_t no_offset = 0;
      const dnnl_status_t st = fmt.unsigned_a ? dnnl_gemm_u8s8s32('N', 'N', 'F', dnnl_dim_t(rows), N, K, 1.0f,
                                                                  reinterpret_cast<const uint8_t*>(x), R_, 0,
                                                                  active_.data(), C_, 0, 0.0f, sums, N, &no_offset)
                                              : dnnl_gemm_s8s8s32('N', 'N', 'F', dnnl_dim_t(rows), N, K, 1.0f, x, R_, 0,
                                                                  active_.data(), C_, 0, 0.0f, sums, N, &no_offset);
      if (st != dnnl_success) SC_REPORT_ERROR("tpu/mxu", "oneDNN int8 GEMM failed");
    } else {
      gemm_loop(x, rows, K, N, fmt, sums);
    }
  }
  in_array_.push_back(std::move(s));
  sc_core::wait(period_ * double(rows));
  leave_.notify(period_ * double(mxu_latency_cycles(R_, C_)));
}

namespace {
// sums (rows x N) += x (rows x R bytes of type A) * w (K x C bytes of type W, first N columns), in
// int32. One instantiation per operand format keeps the inner loop a plain multiply-add the
// compiler vectorizes (A, W: int8_t or uint8_t; reading int8 storage as uint8_t is allowed).
template <class A, class W>
void gemm_typed(const int8_t* x, uint64_t rows, uint32_t R, const int8_t* w, uint32_t C, uint32_t K, uint32_t N,
                int32_t* sums) {
  for (uint64_t b = 0; b < rows; ++b) {
    int32_t* out = sums + b * N;
    const A* xr = reinterpret_cast<const A*>(x + b * R);
    for (uint32_t r = 0; r < K; ++r) {
      const int32_t xv = xr[r];
      if (xv == 0) continue;
      const W* wr = reinterpret_cast<const W*>(w + size_t(r) * C);
      for (uint32_t c = 0; c < N; ++c) out[c] += xv * int32_t(wr[c]);
    }
  }
}
}  // namespace

// sums (rows x N) = x (rows x R bytes) * the active tile's first K rows and N columns, each byte
// read as fmt says (int8 or uint8), in int32 (the sums of a block cannot overflow: |sum| < 2^25).
void AnalyticDatapath::gemm_loop(const int8_t* x, uint64_t rows, uint32_t K, uint32_t N, MxuOperandFormat fmt,
                                 int32_t* sums) const {
  std::fill(sums, sums + rows * N, 0);
  const int8_t* w = active_.data();
  if (fmt.unsigned_a && fmt.unsigned_w) gemm_typed<uint8_t, uint8_t>(x, rows, R_, w, C_, K, N, sums);
  else if (fmt.unsigned_a) gemm_typed<uint8_t, int8_t>(x, rows, R_, w, C_, K, N, sums);
  else if (fmt.unsigned_w) gemm_typed<int8_t, uint8_t>(x, rows, R_, w, C_, K, N, sums);
  else gemm_typed<int8_t, int8_t>(x, rows, R_, w, C_, K, N, sums);
}

// A block's sums leave the array: hand them to the MXU.
void AnalyticDatapath::deliver() {
  Sums s = std::move(in_array_.front());
  in_array_.pop_front();
  sink_.block_done(s.values.data(), s.rows, s.cols);
  spare_.push_back(std::move(s.values));
}

}  // namespace tpu
