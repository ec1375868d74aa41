#include "runtime/host_model.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace tpu {

sc_core::sc_time HostModel::compute_time(const LoweredProgram::HostOperation& op) const {
  if (op.params.kind == HostOpKind::WriteWeights) {
    const double cycles = double(op.pixels) * op.channels * write_weights_cycles_per_byte +
                          double(weight_tile_bytes(op)) / zero_fill_bytes_per_cycle;
    return sc_core::sc_time(cycles / clock_hz, sc_core::SC_SEC);
  }
  const double per_element =
      op.params.kind == HostOpKind::Softmax ? softmax_cycles_per_element : layernorm_cycles_per_element;
  return sc_core::sc_time(double(op.pixels) * op.channels * per_element / clock_hz, sc_core::SC_SEC);
}

nlohmann::json HostModel::to_json() const {
  return {{"clock_hz", clock_hz},
          {"interrupt_latency_ns", interrupt_latency_ns},
          {"softmax_cycles_per_element", softmax_cycles_per_element},
          {"layernorm_cycles_per_element", layernorm_cycles_per_element},
          {"write_weights_cycles_per_byte", write_weights_cycles_per_byte},
          {"zero_fill_bytes_per_cycle", zero_fill_bytes_per_cycle}};
}

namespace {

// Copies between `pixels` pixels of `op.channels` in packed tiles at `tiles` and pixel-major
// `nhwc` (to_nhwc: tiles -> nhwc).
void convert(const LoweredProgram::HostOperation& op, uint64_t pixels, uint8_t* tiles, uint8_t* nhwc, bool to_nhwc) {
  const uint64_t C = op.channels, R = op.tile;
  for (uint64_t t = 0; t * R < C; ++t) {
    const uint64_t rb = std::min(R, C - t * R);
    for (uint64_t px = 0; px < pixels; ++px) {
      uint8_t* packed = tiles + px * rb;
      uint8_t* wide = nhwc + px * C + t * R;
      if (to_nhwc) std::memcpy(wide, packed, rb);
      else std::memcpy(packed, wide, rb);
    }
    tiles += pixels * rb;
  }
}

// B_g[kk][nn] of a matmul (network.h) from b, pixel-major [P_b][channels].
int8_t b_entry(const LoweredProgram::HostOperation& op, const int8_t* b, uint64_t g, uint64_t kk, uint64_t nn) {
  const LoweredProgram::HostOperation::WeightWrite& w = op.weights;
  return w.transpose_b ? b[nn * op.channels + g * w.k + kk] : b[kk * op.channels + g * w.n + nn];
}

}  // namespace

uint64_t weight_tile_bytes(const LoweredProgram::HostOperation& op) {
  return op.weights.tiles.size() * op.tile * op.weights.cols;
}

std::vector<uint8_t> build_weight_tiles(const LoweredProgram::HostOperation& op, const uint8_t* memory) {
  const LoweredProgram::HostOperation::WeightWrite& w = op.weights;
  std::vector<int8_t> b(op.pixels * op.channels);
  uint64_t at = op.input_addr, px = 0;
  for (uint64_t seg : w.segment_pixels) {  // the b inputs, concatenated along pixels
    convert(op, seg, const_cast<uint8_t*>(memory + at), reinterpret_cast<uint8_t*>(&b[px * op.channels]), true);
    at += seg * op.channels;
    px += seg;
  }
  const uint64_t R = op.tile, C = w.cols, K = w.k, N = w.n, A = uint64_t(w.heads) * K, M = uint64_t(w.heads) * N;
  std::vector<uint8_t> tiles(weight_tile_bytes(op), 0);
  for (size_t t = 0; t < w.tiles.size(); ++t) {
    const auto [k, j] = w.tiles[t];
    for (uint64_t r = 0; r < R && k * R + r < A; ++r) {
      const uint64_t c = k * R + r, g = c / K;
      // The outputs of head g within output tile j.
      const uint64_t lo = std::max(j * C, g * N), hi = std::min({(j + 1) * C, (g + 1) * N, M});
      for (uint64_t m = lo; m < hi; ++m)
        tiles[(t * R + r) * C + (m - j * C)] = uint8_t(b_entry(op, b.data(), g, c - g * K, m - g * N));
    }
  }
  return tiles;
}

void execute_host_operation(const LoweredProgram::HostOperation& op, uint8_t* memory) {
  const uint64_t n = op.pixels * op.channels;
  std::vector<int8_t> in(n), out(n);
  convert(op, op.pixels, memory + op.input_addr, reinterpret_cast<uint8_t*>(in.data()), true);
  compute_host_op(op.params, in.data(), out.data(), op.pixels, op.channels, op.image_pixels);
  convert(op, op.pixels, memory + op.output_addr, reinterpret_cast<uint8_t*>(out.data()), false);
}

}  // namespace tpu
