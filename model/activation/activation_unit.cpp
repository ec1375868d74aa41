#include "activation/activation_unit.h"

#include <algorithm>

#include "memory/memory_target.h"
#include "util/vector_clones.h"

namespace tpu {

ActivationUnit::ActivationUnit(sc_core::sc_module_name name, const ArchConfig& cfg)
    : FunctionalUnit(name, Unit::Activation, cfg), acc_socket("acc_socket"), ub_socket("ub_socket") {
  SC_HAS_PROCESS(ActivationUnit);
  SC_THREAD(run);
}

void ActivationUnit::run() {
  for (;;) {
    const Dispatch d = next();
    const uint64_t cycles = apply(d) + cfg_.activation.pipeline_cycles;
    busy_by_tag_[d.tag] += cycles;
    sc_core::wait(period_ * double(cycles));
    finish();
  }
}

uint64_t ActivationUnit::apply(const Dispatch& d) {
  switch (d.instr.op) {
    case Opcode::Pool: return apply_pool(d);
    case Opcode::Vector: return apply_vector(d);
    default: return apply_activate(d);
  }
}

// Functional part of Activate.
uint64_t ActivationUnit::apply_activate(const Dispatch& d) {
  const uint64_t B = d.instr.rows, C = cfg_.mxu.cols, R = cfg_.mxu.rows;
  const std::string who = std::string(name()) + ": instruction " + std::to_string(d.index);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  sums_.resize(B * C);
  transport(acc_socket, tlm::TLM_READ_COMMAND, uint64_t(d.instr.acc_row) * C * 4,
            reinterpret_cast<uint8_t*>(sums_.data()), B * C * 4, delay, who);
  if (d.instr.bias) {
    bias_.resize(C);
    transport(ub_socket, tlm::TLM_READ_COMMAND, uint64_t(d.bias_row) * R, reinterpret_cast<uint8_t*>(bias_.data()),
              C * 4, delay, who + " (bias vector)");
  }
  const int32_t* bias = d.instr.bias ? bias_.data() : nullptr;
  out_.resize(B * C);
  for (uint64_t b = 0; b < B; ++b) activate_row(&sums_[b * C], bias, C, d.requant, d.instr.function, &out_[b * C]);
  transport(ub_socket, tlm::TLM_WRITE_COMMAND, uint64_t(d.instr.ub_row) * R, reinterpret_cast<uint8_t*>(out_.data()),
            B * C, delay, who);
  rows_ += B;
  return B;
}

uint64_t ActivationUnit::apply_pool(const Dispatch& d) {
  const WindowGeometry& g = d.window;
  const uint64_t R = cfg_.mxu.rows, C = cfg_.mxu.cols, Q = g.out_w, image = uint64_t(g.in_h) * g.in_w;
  const std::string who = std::string(name()) + ": instruction " + std::to_string(d.index);
  uint64_t first, last;
  g.input_rows(d.instr.src_row, d.instr.out_row, d.instr.rows, &first, &last);
  in_.resize((last - first) * R);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  transport(ub_socket, tlm::TLM_READ_COMMAND, first * R, reinterpret_cast<uint8_t*>(in_.data()), in_.size(), delay,
            who + " (input)");
  const uint64_t B = uint64_t(d.instr.rows) * Q;
  out_.resize(B * C);
  sums_.resize(C);  // the window's max or sum per lane
  int32_t* acc = sums_.data();
  uint64_t rows_read = 0;
  int64_t last_h = -1, last_n = -1;
  for (uint64_t i = 0; i < d.instr.rows; ++i) {
    uint64_t n, p;
    g.split_output_row(uint64_t(d.instr.out_row) + i, &n, &p);
    const uint64_t img = n * image - (first - d.instr.src_row);  // image n's first row within in_
    const int64_t h0 = g.input_row(p, 0);
    // Input image rows entering the line buffer for this output row.
    for (int64_t h = std::max<int64_t>(h0, 0); h < std::min<int64_t>(h0 + g.pool_h, g.in_h); ++h)
      if (int64_t(n) != last_n || h > last_h) rows_read += g.in_w, last_h = h, last_n = int64_t(n);
    for (uint64_t q = 0; q < Q; ++q) {
      const int64_t w0 = g.input_col(q, 0);
      std::fill(acc, acc + C, d.instr.average ? 0 : -128);
      for (int64_t h = h0; h < h0 + int64_t(g.pool_h); ++h) {
        if (h < 0 || h >= int64_t(g.in_h)) continue;
        for (int64_t w = w0; w < w0 + int64_t(g.pool_w); ++w) {
          if (w < 0 || w >= int64_t(g.in_w)) continue;
          const int8_t* x = &in_[(img + uint64_t(h) * g.in_w + uint64_t(w)) * R];
          if (d.instr.average)
            for (uint64_t c = 0; c < C; ++c) acc[c] += x[c];
          else
            for (uint64_t c = 0; c < C; ++c) acc[c] = std::max<int32_t>(acc[c], x[c]);
        }
      }
      int8_t* y = &out_[(i * Q + q) * C];
      if (d.instr.average) activate_row(acc, nullptr, C, d.requant, ActivationFunction::Identity, y);
      else
        for (uint64_t c = 0; c < C; ++c) y[c] = int8_t(acc[c]);
    }
  }
  transport(ub_socket, tlm::TLM_WRITE_COMMAND, uint64_t(d.instr.ub_row) * R, reinterpret_cast<uint8_t*>(out_.data()),
            B * C, delay, who);
  pool_rows_ += B;
  return std::max(rows_read, B);
}

namespace {
// Vector's operand arithmetic over n lanes: a' = a + offset_a, b' = b + offset_b; Add: a' * scale_a
// + b' * scale_b, Multiply: a' * b', Unary: a' * scale_a; in int64, saturated to int32 (isa.h).
// One loop per operation so each vectorizes (a hot loop of attention and residual layers).
TPU_VECTOR_CLONES
void vector_lanes(const int8_t* a, const int8_t* b, uint64_t n, VectorOp op, const VectorParams& v, int32_t* out) {
  const int64_t oa = v.offset_a, ob = v.offset_b, sa = v.scale_a, sb = v.scale_b;
  switch (op) {
    case VectorOp::Unary:
      for (uint64_t c = 0; c < n; ++c) out[c] = saturate_int32((a[c] + oa) * sa);
      break;
    case VectorOp::Add:
      for (uint64_t c = 0; c < n; ++c) out[c] = saturate_int32((a[c] + oa) * sa + (b[c] + ob) * sb);
      break;
    case VectorOp::Multiply:
      for (uint64_t c = 0; c < n; ++c) out[c] = saturate_int32((a[c] + oa) * (b[c] + ob));
      break;
  }
}
}  // namespace

uint64_t ActivationUnit::apply_vector(const Dispatch& d) {
  const uint64_t R = cfg_.mxu.rows, C = cfg_.mxu.cols, B = d.instr.rows;
  const std::string who = std::string(name()) + ": instruction " + std::to_string(d.index);
  const VectorParams& v = d.vec;
  const VectorOp op = d.instr.vec_op;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  in_.resize(B * R);
  transport(ub_socket, tlm::TLM_READ_COMMAND, uint64_t(d.instr.src_row) * R, reinterpret_cast<uint8_t*>(in_.data()),
            in_.size(), delay, who + " (operand a)");
  if (op != VectorOp::Unary) {
    in_b_.resize(B * R);
    transport(ub_socket, tlm::TLM_READ_COMMAND, uint64_t(v.source_b) * R, reinterpret_cast<uint8_t*>(in_b_.data()),
              in_b_.size(), delay, who + " (operand b)");
  }
  out_.resize(B * C);
  sums_.resize(C);
  for (uint64_t b = 0; b < B; ++b) {
    vector_lanes(&in_[b * R], op == VectorOp::Unary ? nullptr : &in_b_[b * R], C, op, v, sums_.data());
    activate_row(sums_.data(), nullptr, C, d.requant, d.instr.function, &out_[b * C]);
  }
  transport(ub_socket, tlm::TLM_WRITE_COMMAND, uint64_t(d.instr.ub_row) * R, reinterpret_cast<uint8_t*>(out_.data()),
            B * C, delay, who);
  vector_rows_ += B;
  return B;
}

nlohmann::json ActivationUnit::report() const {
  nlohmann::json j = FunctionalUnit::report();
  j["rows"] = rows_;
  j["pool_rows"] = pool_rows_;
  j["vector_rows"] = vector_rows_;
  return j;
}

}  // namespace tpu
