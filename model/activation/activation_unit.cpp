#include "activation/activation_unit.h"

#include <algorithm>

#include "memory/memory_target.h"
#include "util/report.h"
#include "util/vector_clones.h"

namespace tpu {

namespace {
// Pool's window step on one input pixel's n lanes (int8 or uint8 bytes): the sum or the max into acc.
template <class T>
void pool_lanes(const T* x, uint64_t n, bool average, int32_t* acc) {
  if (average)
    for (uint64_t c = 0; c < n; ++c) acc[c] += x[c];
  else
    for (uint64_t c = 0; c < n; ++c) acc[c] = std::max<int32_t>(acc[c], x[c]);
}

}  // namespace

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

// Functional part of Activate: lanes d.lanes.src .. + count of each accumulator row into bytes
// d.lanes.dst .. + count of each UB row (isa.h). Whole UB rows are one plain write; partial rows
// (an R x C array with R != C) one write with byte enables, so the rows' other bytes stay.
uint64_t ActivationUnit::apply_activate(const Dispatch& d) {
  const uint64_t B = d.instr.rows, C = cfg_.mxu.cols, R = cfg_.mxu.rows;
  const ActivateLanes lanes{d.lanes.src, d.lanes.dst, d.lanes.count ? d.lanes.count : uint32_t(std::min(R, C))};
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
  const int32_t* bias = d.instr.bias ? bias_.data() + lanes.src : nullptr;
  const uint64_t table_cycles = load_table(d, delay, who);
  const LaneGroups& lg = d.act_out;  // packed: pixel b in a lane group of row lg.row(b)
  const uint64_t rows = lg.rows(B, R);
  out_.resize(rows * R);
  if (d.out_format == ActOutputFormat::Int8) {
    for (uint64_t b = 0; b < B; ++b)
      activate_row(&sums_[b * C + lanes.src], bias, lanes.count, d.requant, d.instr.function,
                   &out_[lg.row(b, R) * R + lg.byte(b, R) + lanes.dst]);
    apply_table(d, rows * R, B * lanes.count);  // bytes outside the lanes are mapped too, not written
  } else {
    int32_t lo, hi;
    check_format(d, &lo, &hi);
    wide_.resize(rows * R);
    for (uint64_t b = 0; b < B; ++b)
      activate_row_wide(&sums_[b * C + lanes.src], bias, lanes.count, d.requant, d.instr.function, lo, hi,
                        &wide_[lg.row(b, R) * R + lg.byte(b, R) + lanes.dst]);
    plane_bytes(d.out_format == ActOutputFormat::Int16, rows * R);  // uint8: the value; int16: the high byte
  }
  uint8_t* enables = nullptr;
  uint64_t enable_length = R;  // one row's pattern, repeated; packed: the whole transfer's
  if (!lg.unpacked(R)) {
    enable_length = rows * R;
    enables_.assign(enable_length, TLM_BYTE_DISABLED);
    for (uint64_t b = 0; b < B; ++b)
      std::fill_n(enables_.begin() + int64_t(lg.row(b, R) * R + lg.byte(b, R) + lanes.dst), lanes.count,
                  TLM_BYTE_ENABLED);
    enables = enables_.data();
  } else if (lanes.count != R) {
    enables_.assign(R, TLM_BYTE_DISABLED);
    std::fill_n(enables_.begin() + lanes.dst, lanes.count, TLM_BYTE_ENABLED);
    enables = enables_.data();
  }
  transport(ub_socket, tlm::TLM_WRITE_COMMAND, uint64_t(d.instr.ub_row) * R, reinterpret_cast<uint8_t*>(out_.data()),
            rows * R, delay, who, enables, enable_length);
  if (d.out_format == ActOutputFormat::Int16) {  // the low plane, act_plane_rows further on
    plane_bytes(false, rows * R);
    transport(ub_socket, tlm::TLM_WRITE_COMMAND, (uint64_t(d.instr.ub_row) + d.plane_rows) * R,
              reinterpret_cast<uint8_t*>(out_.data()), rows * R, delay, who + " (low byte plane)", enables,
              enable_length);
  }
  rows_ += B;
  charge(MeteredAction::kActivationRow, sc_core::sc_time_stamp(), B);
  return B + table_cycles;
}

void ActivationUnit::check_format(const Dispatch& d, int32_t* lo, int32_t* hi) const {
  format_range(d.out_format, lo, hi);
  const char* why = nullptr;
  if (d.instr.function != ActivationFunction::Identity && d.instr.function != ActivationFunction::Relu)
    why = "only identity and relu write uint8 or int16 (act_output_format)";
  else if (d.requant.zero_point < *lo || d.requant.zero_point > *hi)
    why = "act_zero_point is outside the range of act_output_format";
  else if (d.out_format == ActOutputFormat::Int16 && d.instr.op != Opcode::Activate)
    why = "only Activate writes int16 (act_output_format 2)";
  if (why)
    raise_as("tpu/activation", std::string(name()) + ": instruction " + std::to_string(d.index) + " (" +
                                   disassemble(d.instr) + "): " + why);
}

void ActivationUnit::plane_bytes(bool high, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) out_[i] = static_cast<int8_t>(high ? (wide_[i] >> 8) : (wide_[i] & 0xff));
}

uint64_t ActivationUnit::load_table(const Dispatch& d, sc_core::sc_time& delay, const std::string& who) {
  if (d.instr.function != ActivationFunction::Lookup) return 0;
  const uint64_t R = cfg_.mxu.rows, rows = lookup_table_rows(R);
  table_raw_.resize(rows * R);
  transport(ub_socket, tlm::TLM_READ_COMMAND, uint64_t(d.table_row) * R, table_raw_.data(), rows * R, delay,
            who + " (lookup table)");
  std::copy(table_raw_.begin(), table_raw_.begin() + 256, table_.begin());
  ++table_loads_;
  return rows;
}

void ActivationUnit::apply_table(const Dispatch& d, uint64_t n, uint64_t counted) {
  if (d.instr.function != ActivationFunction::Lookup) return;
  lookup_row(table_.data(), n, out_.data());
  lookups_ += counted;
  lookups_by_tag_[d.tag] += counted;
  charge(MeteredAction::kLookup, sc_core::sc_time_stamp(), counted);
}

uint64_t ActivationUnit::apply_pool(const Dispatch& d) {
  const WindowGeometry& g = d.window;
  const LaneGroups &in_g = d.pool_in, &out_g = d.act_out;  // packed: pixels in lane groups (dispatch.h)
  const uint64_t R = cfg_.mxu.rows, Q = g.out_w, image = uint64_t(g.in_h) * g.in_w;
  const uint64_t Ci = in_g.width(R), Co = out_g.width(R), lanes = std::min(Ci, Co);  // lanes pooled
  const std::string who = std::string(name()) + ": instruction " + std::to_string(d.index);
  uint64_t first, last;  // input pixels, then their UB rows
  g.input_rows(0, d.instr.out_row, d.instr.rows, &first, &last);
  const uint64_t row0 = in_g.row(first, R);
  last = in_g.rows(last, R);
  in_.resize((last - row0) * R);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  transport(ub_socket, tlm::TLM_READ_COMMAND, (d.instr.src_row + row0) * R, reinterpret_cast<uint8_t*>(in_.data()),
            in_.size(), delay, who + " (input)");
  const uint64_t B = uint64_t(d.instr.rows) * Q, out_rows = out_g.rows(B, R);
  const bool ua = d.input_unsigned & 1;  // the input bytes are uint8
  int32_t lo, hi;
  if (d.out_format != ActOutputFormat::Int8 && d.instr.average) check_format(d, &lo, &hi);
  out_.assign(out_rows * R, 0);
  sums_.resize(lanes);  // the window's max or sum per lane
  int32_t* acc = sums_.data();
  uint64_t rows_read = 0, read_end = 0;  // UB rows entered into the line buffer, and the end of the last
  for (uint64_t i = 0; i < d.instr.rows; ++i) {
    uint64_t n, p;
    g.split_output_row(uint64_t(d.instr.out_row) + i, &n, &p);
    const int64_t h0 = g.input_row(p, 0);
    // Input image rows entering the line buffer for this output row: the UB rows they occupy, once.
    for (int64_t h = std::max<int64_t>(h0, 0); h < std::min<int64_t>(h0 + g.pool_h, g.in_h); ++h) {
      const uint64_t px = n * image + uint64_t(h) * g.in_w, lo = in_g.row(px, R), hi = in_g.rows(px + g.in_w, R);
      rows_read += hi - std::min(hi, std::max(lo, read_end));
      read_end = std::max(read_end, hi);
    }
    for (uint64_t q = 0; q < Q; ++q) {
      const int64_t w0 = g.input_col(q, 0);
      std::fill(acc, acc + lanes, d.instr.average || ua ? 0 : -128);
      for (int64_t h = h0; h < h0 + int64_t(g.pool_h); ++h) {
        if (h < 0 || h >= int64_t(g.in_h)) continue;
        for (int64_t w = w0; w < w0 + int64_t(g.pool_w); ++w) {
          if (w < 0 || w >= int64_t(g.in_w)) continue;
          const uint64_t px = n * image + uint64_t(h) * g.in_w + uint64_t(w);
          const int8_t* x = &in_[(in_g.row(px, R) - row0) * R + in_g.byte(px, R)];
          if (ua) pool_lanes(reinterpret_cast<const uint8_t*>(x), lanes, d.instr.average, acc);
          else pool_lanes(x, lanes, d.instr.average, acc);
        }
      }
      const uint64_t k = i * Q + q;
      int8_t* y = &out_[out_g.row(k, R) * R + out_g.byte(k, R)];
      if (d.instr.average && d.out_format != ActOutputFormat::Int8) {
        wide_.resize(lanes);
        activate_row_wide(acc, nullptr, lanes, d.requant, ActivationFunction::Identity, lo, hi, wide_.data());
        for (uint64_t c = 0; c < lanes; ++c) y[c] = static_cast<int8_t>(wide_[c] & 0xff);
      } else if (d.instr.average) {
        activate_row(acc, nullptr, lanes, d.requant, ActivationFunction::Identity, y);
      } else
        for (uint64_t c = 0; c < lanes; ++c) y[c] = int8_t(acc[c]);
    }
  }
  uint8_t* enables = nullptr;  // packed output: only its pixels' lane groups are written
  if (!out_g.unpacked(R)) {
    enables_.assign(out_rows * R, TLM_BYTE_DISABLED);
    for (uint64_t k = 0; k < B; ++k)
      std::fill_n(enables_.begin() + int64_t(out_g.row(k, R) * R + out_g.byte(k, R)), Co, TLM_BYTE_ENABLED);
    enables = enables_.data();
  }
  transport(ub_socket, tlm::TLM_WRITE_COMMAND, uint64_t(d.instr.ub_row) * R, reinterpret_cast<uint8_t*>(out_.data()),
            out_rows * R, delay, who, enables, enables ? out_rows * R : 0);
  pool_rows_ += B;
  charge(MeteredAction::kActivationRow, sc_core::sc_time_stamp(), B);
  return std::max(rows_read, B);
}

namespace {
// Vector's operand arithmetic on operands of any byte types (a uint8 operand: act_input_unsigned),
// as vector_lanes below.
template <class TA, class TB>
void vector_lanes_typed(const TA* a, const TB* b, uint64_t n, VectorOp op, const VectorParams& v, int32_t* out) {
  const int64_t oa = v.offset_a, ob = v.offset_b, sa = v.scale_a, sb = v.scale_b;
  for (uint64_t c = 0; c < n; ++c) {
    const int64_t x = a[c] + oa, y = op == VectorOp::Unary ? 0 : b[c] + ob;
    out[c] = saturate_int32(op == VectorOp::Add ? x * sa + y * sb : op == VectorOp::Multiply ? x * y : x * sa);
  }
}

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

// Vector add and unary with the wide operand multipliers (vec_wide_scales = 1): out[c] =
// wide_operand_sum(a' , b', ma, mb, shift, rounding) (quant.h; unary: b' = 0), the value the
// requantization then takes with multiplier 1 and shift 0.
template <class TA, class TB>
void vector_lanes_wide(const TA* a, const TB* b, uint64_t n, VectorOp op, const VectorParams& v, const RequantParams& q,
                       int32_t* out) {
  const int64_t oa = v.offset_a, ob = v.offset_b, ma = v.multiplier_a, mb = v.multiplier_b;
  for (uint64_t c = 0; c < n; ++c)
    out[c] = wide_operand_sum(a[c] + oa, op == VectorOp::Unary ? 0 : b[c] + ob, ma, mb, q.shift, q.rounding);
}

// One row of Vector's operand arithmetic for the operand byte types of act_input_unsigned (bit0:
// a is uint8, bit1: b is), with the int16 scales or the wide multipliers.
void operand_row(const Dispatch& d, const int8_t* a, const int8_t* b, uint64_t n, int32_t* out) {
  const VectorOp op = d.instr.vec_op;
  const auto* ua = reinterpret_cast<const uint8_t*>(a);
  const auto* ub = reinterpret_cast<const uint8_t*>(b);
  if (d.vec.wide && op != VectorOp::Multiply) {
    switch (d.input_unsigned & 3) {
      case 0: return vector_lanes_wide(a, b, n, op, d.vec, d.requant, out);
      case 1: return vector_lanes_wide(ua, b, n, op, d.vec, d.requant, out);
      case 2: return vector_lanes_wide(a, ub, n, op, d.vec, d.requant, out);
      default: return vector_lanes_wide(ua, ub, n, op, d.vec, d.requant, out);
    }
  }
  switch (d.input_unsigned & 3) {
    case 0: return vector_lanes(a, op == VectorOp::Unary ? nullptr : b, n, op, d.vec, out);
    case 1: return vector_lanes_typed(ua, b, n, op, d.vec, out);
    case 2: return vector_lanes_typed(a, ub, n, op, d.vec, out);
    default: return vector_lanes_typed(ua, ub, n, op, d.vec, out);
  }
}
}  // namespace

uint64_t ActivationUnit::apply_vector(const Dispatch& d) {
  const uint64_t R = cfg_.mxu.rows, C = R, B = d.instr.rows;  // UB rows in and out: R lanes
  const std::string who = std::string(name()) + ": instruction " + std::to_string(d.index);
  const VectorParams& v = d.vec;
  const VectorOp op = d.instr.vec_op;
  const uint64_t repeat = v.b_repeat <= 1 ? 1 : v.b_repeat;  // rows of a per row of b (broadcast)
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  in_.resize(B * R);
  transport(ub_socket, tlm::TLM_READ_COMMAND, uint64_t(d.instr.src_row) * R, reinterpret_cast<uint8_t*>(in_.data()),
            in_.size(), delay, who + " (operand a)");
  if (op != VectorOp::Unary) {
    in_b_.resize(vector_b_rows(B, v.b_repeat) * R);
    transport(ub_socket, tlm::TLM_READ_COMMAND, uint64_t(v.source_b) * R, reinterpret_cast<uint8_t*>(in_b_.data()),
              in_b_.size(), delay, who + " (operand b)");
  }
  const uint64_t table_cycles = load_table(d, delay, who);
  out_.resize(B * C);
  sums_.resize(C);
  int32_t lo = 0, hi = 0;
  if (d.out_format != ActOutputFormat::Int8) check_format(d, &lo, &hi), wide_.resize(C);
  RequantParams rq = d.requant;  // wide operand multipliers: the sums are already rounded
  if (v.wide && op != VectorOp::Multiply) rq.multiplier = 1, rq.shift = 0;
  for (uint64_t b = 0; b < B; ++b) {
    const int8_t* a = &in_[b * R];
    operand_row(d, a, op == VectorOp::Unary ? a : &in_b_[(b / repeat) * R], C, sums_.data());
    if (d.out_format == ActOutputFormat::Int8) {
      activate_row(sums_.data(), nullptr, C, rq, d.instr.function, &out_[b * C]);
    } else {
      activate_row_wide(sums_.data(), nullptr, C, rq, d.instr.function, lo, hi, wide_.data());
      for (uint64_t c = 0; c < C; ++c) out_[b * C + c] = static_cast<int8_t>(wide_[c] & 0xff);
    }
  }
  apply_table(d, B * C, B * C);
  transport(ub_socket, tlm::TLM_WRITE_COMMAND, uint64_t(d.instr.ub_row) * R, reinterpret_cast<uint8_t*>(out_.data()),
            B * C, delay, who);
  vector_rows_ += B;
  charge(MeteredAction::kActivationRow, sc_core::sc_time_stamp(), B);
  return B + table_cycles;
}

nlohmann::json ActivationUnit::report() const {
  nlohmann::json j = FunctionalUnit::report();
  j["rows"] = rows_;
  j["pool_rows"] = pool_rows_;
  j["vector_rows"] = vector_rows_;
  j["table_loads"] = table_loads_;
  j["lookups"] = lookups_;
  return j;
}

}  // namespace tpu
