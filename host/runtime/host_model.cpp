#include "runtime/host_model.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace tpu {

sc_core::sc_time HostModel::compute_time(const LoweredProgram::HostOperation& op) const {
  const double per_element =
      op.params.kind == HostOpKind::Softmax ? softmax_cycles_per_element : layernorm_cycles_per_element;
  return sc_core::sc_time(double(op.pixels) * op.channels * per_element / clock_hz, sc_core::SC_SEC);
}

nlohmann::json HostModel::to_json() const {
  return {{"clock_hz", clock_hz},
          {"interrupt_latency_ns", interrupt_latency_ns},
          {"softmax_cycles_per_element", softmax_cycles_per_element},
          {"layernorm_cycles_per_element", layernorm_cycles_per_element}};
}

namespace {

// Copies between packed tiles at `tiles` and pixel-major `nhwc` (to_nhwc: tiles -> nhwc).
void convert(const LoweredProgram::HostOperation& op, uint8_t* tiles, uint8_t* nhwc, bool to_nhwc) {
  const uint64_t C = op.channels, R = op.tile;
  for (uint64_t t = 0; t * R < C; ++t) {
    const uint64_t rb = std::min(R, C - t * R);
    for (uint64_t px = 0; px < op.pixels; ++px) {
      uint8_t* packed = tiles + px * rb;
      uint8_t* wide = nhwc + px * C + t * R;
      if (to_nhwc) std::memcpy(wide, packed, rb);
      else std::memcpy(packed, wide, rb);
    }
    tiles += op.pixels * rb;
  }
}

}  // namespace

void execute_host_operation(const LoweredProgram::HostOperation& op, uint8_t* memory) {
  const uint64_t n = op.pixels * op.channels;
  std::vector<int8_t> in(n), out(n);
  convert(op, memory + op.input_addr, reinterpret_cast<uint8_t*>(in.data()), true);
  compute_host_op(op.params, in.data(), out.data(), op.pixels, op.channels);
  convert(op, memory + op.output_addr, reinterpret_cast<uint8_t*>(out.data()), false);
}

}  // namespace tpu
