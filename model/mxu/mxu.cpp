#include "mxu/mxu.h"

#include <cstring>
#include <sstream>

#include "memory/memory_target.h"
#include "mxu/mxu_pins.h"
#include "util/vector_clones.h"

namespace tpu {

namespace {
// a[c] += p[c] for c < n, wrapping around as the 32-bit accumulators do (the accumulators' inner
// loop: 5% of a ResNet-50 run; vectorized per CPU by TPU_VECTOR_CLONES).
TPU_VECTOR_CLONES
void add_wrapping(int32_t* __restrict a, const int32_t* __restrict p, uint64_t n) {
  for (uint64_t c = 0; c < n; ++c)
    a[c] = static_cast<int32_t>(static_cast<uint32_t>(a[c]) + static_cast<uint32_t>(p[c]));
}
}  // namespace

Mxu::Mxu(sc_core::sc_module_name name, const ArchConfig& cfg, const MxuDatapathFactory& make_datapath)
    : FunctionalUnit(name, Unit::Matrix, cfg), ub_socket("ub_socket"), acc_socket("acc_socket"),
      weight_socket("weight_socket"), idle_reason("idle_reason"), idle_tag("idle_tag"), R_(cfg.mxu.rows),
      C_(cfg.mxu.cols), table3_(std::vector<std::string>(std::begin(kCategoryNames), std::end(kCategoryNames))) {
  table3_.enter(kNotRunning);
  datapath_ = make_datapath(cfg_, *this);
  acc_socket.register_invalidate_direct_mem_ptr(this, &Mxu::invalidate_acc_dmi);
  ub_socket.register_invalidate_direct_mem_ptr(this, &Mxu::invalidate_ub_dmi);
  SC_HAS_PROCESS(Mxu);
  SC_THREAD(run);
  SC_THREAD(shifter);
  SC_METHOD(update_category);
  sensitive << idle_reason << idle_tag;
  dont_initialize();
}

Mxu::~Mxu() = default;

uint64_t Mxu::pipeline_latency_cycles() const { return mxu_latency_cycles(R_, C_); }

// Derives the Table 3 category from the unit state, the weight path and the sequencer.
void Mxu::update_category() {
  int c;
  if (state_ == kBusy) {
    c = kActive;
  } else if (state_ == kStall) {
    c = !waiting_for_weights_ ? kNonMatrix : shifting_ ? kWeightShift : kWeightStall;
  } else {
    const int reason = idle_reason.read();
    c = reason == int(MxuIdleReason::RawStall)     ? kRawStall
        : reason == int(MxuIdleReason::InputStall) ? kInputStall
        : reason == int(MxuIdleReason::NotRunning) ? kNotRunning
                                                   : kNonMatrix;
  }
  // Table 3 per tag: close the interval that ends now.
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  if (category_ != kNotRunning && now > tag_since_) {
    const sc_core::sc_time d = edge(now) - edge(tag_since_);
    if (held_) by_tag_[tag_][size_t(category_)] += d;
    else idle_account(by_tag_, pending_)[size_t(category_)] += d;
  }
  tag_since_ = now;
  held_ = state_ != kIdle;
  idle_tag_ = idle_tag.read();
  if (held_) {  // idle time so far was waiting for this instruction
    auto& t = by_tag_[tag_];
    for (size_t i = 0; i < pending_.size(); ++i) t[i] += pending_[i], pending_[i] = sc_core::SC_ZERO_TIME;
  }
  category_ = c;
  table3_.enter(c);
}

std::map<uint32_t, Mxu::Table3Cycles> Mxu::table3_by_tag() const {
  std::map<uint32_t, std::array<sc_core::sc_time, kNotRunning>> t = by_tag_;
  std::array<sc_core::sc_time, kNotRunning> rest = pending_;  // trailing idle: the last tag
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  if (category_ != kNotRunning && now > tag_since_)
    (held_ ? t[tag_] : idle_account(t, rest))[size_t(category_)] += edge(now) - edge(tag_since_);
  auto& last = t[tag_];
  for (size_t i = 0; i < rest.size(); ++i) last[i] += rest[i];
  std::map<uint32_t, Table3Cycles> out;
  for (const auto& [tag, times] : t)
    for (size_t i = 0; i < times.size(); ++i) out[tag][i] = to_cycles(times[i], period_);
  return out;
}

const int8_t* Mxu::read_ub(uint64_t addr, uint64_t len, const Dispatch& d) {
  const int8_t* p = reinterpret_cast<const int8_t*>(ub_dmi_.pointer(ub_socket, addr, len));
  if (p) {
    ub_dmi_read_ += len;
    return p;
  }
  line_.resize(len);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  transport(ub_socket, tlm::TLM_READ_COMMAND, addr, reinterpret_cast<uint8_t*>(line_.data()), len, delay,
            std::string(name()) + ": instruction " + std::to_string(d.index) + " (data setup)");
  return line_.data();
}

void Mxu::gather_packed_line(const Dispatch& d, uint64_t n, int64_t h, int8_t* out) {
  const WindowGeometry& g = d.window;
  const LaneGroups& lg = d.mxu_in;
  const uint64_t Q = g.out_w, G = lg.width(R_), k = d.instr.kernel_col;
  const uint64_t px0 = n * uint64_t(g.in_h) * g.in_w + uint64_t(h) * g.in_w;  // the line's first pixel
  const uint64_t row0 = lg.row(px0, R_), rows = lg.rows(px0 + g.in_w, R_) - row0;
  const int8_t* line = read_ub((uint64_t(d.instr.ub_row) + row0) * R_, rows * R_, d);
  std::memset(out, 0, Q * R_);
  uint64_t q_lo, q_hi;
  g.image_cols(k, &q_lo, &q_hi);
  for (uint64_t q = q_lo; q < q_hi; ++q) {
    const uint64_t px = px0 + uint64_t(g.input_col(q, k));
    std::memcpy(out + q * R_, line + (lg.row(px, R_) - row0) * R_ + lg.byte(px, R_), G);
  }
}

void Mxu::gather_rows(const Dispatch& d, uint64_t B) {
  rows_.resize(B * R_);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  const std::string who = std::string(name()) + ": instruction " + std::to_string(d.index);
  const LaneGroups& lg = d.mxu_in;
  if (lg.unpacked(R_)) {
    transport(ub_socket, tlm::TLM_READ_COMMAND, uint64_t(d.instr.ub_row) * R_, reinterpret_cast<uint8_t*>(rows_.data()),
              B * R_, delay, who);
    return;
  }
  const uint64_t G = lg.width(R_);
  line_.resize(lg.rows(B, R_) * R_);
  transport(ub_socket, tlm::TLM_READ_COMMAND, uint64_t(d.instr.ub_row) * R_, reinterpret_cast<uint8_t*>(line_.data()),
            line_.size(), delay, who);
  std::fill(rows_.begin(), rows_.end(), 0);
  for (uint64_t b = 0; b < B; ++b) std::memcpy(&rows_[b * R_], &line_[lg.row(b, R_) * R_ + lg.byte(b, R_)], G);
}

void Mxu::gather_convolve(const Dispatch& d) {
  const WindowGeometry& g = d.window;
  const uint64_t Q = g.out_w, B = uint64_t(d.instr.rows) * Q, image = uint64_t(g.in_h) * g.in_w;
  if (rows_.size() < B * R_) rows_.resize(B * R_);
  const uint64_t line_bytes = uint64_t(g.in_w) * R_;
  // Output columns [q_lo, q_hi) read the line (input column q * stride_w + kernel_col -
  // pad_left); the others read padding. At stride 1 they read one run of the line.
  const uint64_t k = d.instr.kernel_col, stride = g.stride_w;
  uint64_t q_lo, q_hi;
  g.image_cols(k, &q_lo, &q_hi);
  const uint64_t dmi_before = ub_dmi_read_;
  for (uint64_t i = 0; i < d.instr.rows; ++i) {
    int8_t* out = &rows_[i * Q * R_];
    uint64_t n, p;
    g.split_output_row(uint64_t(d.instr.out_row) + i, &n, &p);
    const int64_t h = g.input_row(p, d.instr.kernel_row);
    if (h < 0 || h >= int64_t(g.in_h)) {  // the whole output row reads padding
      std::memset(out, 0, Q * R_);
      continue;
    }
    if (!d.mxu_in.unpacked(R_)) {  // a packed input: the lane shifter
      gather_packed_line(d, n, h, out);
      continue;
    }
    // One input image row feeds this output row; read it once (the data-setup line buffer), in
    // place by DMI, else copied through b_transport.
    const uint64_t addr = (uint64_t(d.instr.ub_row) + n * image + uint64_t(h) * g.in_w) * R_;
    const int8_t* line = read_ub(addr, line_bytes, d);
    std::memset(out, 0, q_lo * R_);
    if (q_lo < q_hi) {
      if (stride == 1) {
        std::memcpy(out + q_lo * R_, line + uint64_t(g.input_col(q_lo, k)) * R_, (q_hi - q_lo) * R_);
      } else {
        for (uint64_t q = q_lo; q < q_hi; ++q) std::memcpy(out + q * R_, line + uint64_t(g.input_col(q, k)) * R_, R_);
      }
    }
    std::memset(out + q_hi * R_, 0, (Q - q_hi) * R_);
  }
  // Charged when read, as the UB charges the b_transport reads of --no-dmi (same windows, same VCD).
  charge(MeteredAction::kUbRead, sc_core::sc_time_stamp(), ub_dmi_read_ - dmi_before);
}

void Mxu::shifter() {
  const uint64_t tile_bytes = cfg_.tile_bytes();
  std::vector<int8_t> tile(tile_bytes);
  for (;;) {
    while (shadow_ready_) sc_core::wait(shadow_changed_);
    // Take the next tile from the weight FIFO (blocks while none has arrived: weight stall).
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    transport(weight_socket, tlm::TLM_READ_COMMAND, 0, reinterpret_cast<uint8_t*>(tile.data()), tile_bytes, delay,
              std::string(name()) + ": weight shift-in");
    wait_clock_edge(period_);  // the tile arrived between edges
    shifting_ = true;          // from here the MXU waits for the shift (weight shift)
    update_category();
    // The chain registers are free once the last switching block's wave has copied them.
    if (sc_core::sc_time_stamp() < shift_allowed_at_) sc_core::wait(shift_allowed_at_ - sc_core::sc_time_stamp());
    datapath_->shift_in(tile.data());
    shifting_ = false;
    shadow_ready_ = true;
    shadow_changed_.notify();
  }
}

void Mxu::run() {
  for (;;) {
    const Dispatch d = next();
    if (d.instr.switch_weights) {
      if (!shadow_ready_) {
        waiting_for_weights_ = true;
        set_state(kStall);
        while (!shadow_ready_) sc_core::wait(shadow_changed_);
        waiting_for_weights_ = false;
        wait_clock_edge(period_);
        set_state(kBusy);
      }
      shadow_ready_ = false;
      shift_allowed_at_ = sc_core::sc_time_stamp() + period_ * double(mxu_shift_free_delay_cycles(R_));
      shadow_changed_.notify(sc_core::SC_ZERO_TIME);
      ++tiles_switched_;
      charge(MeteredAction::kWeightShift, sc_core::sc_time_stamp(), 1);
    }
    if (tiles_switched_ == 0) {
      std::ostringstream msg;
      msg << name() << ": instruction " << d.index << " (" << disassemble(d.instr)
          << ") multiplies before any weight tile was switched in (the first MatrixMultiply needs SWITCH)";
      SC_REPORT_ERROR("tpu/mxu", msg.str().c_str());
    }
    uint64_t B = d.instr.rows;
    if (d.instr.op == Opcode::Convolve) {
      B *= d.window.out_w;
      gather_convolve(d);
    } else {
      gather_rows(d, B);
    }
    const uint64_t start = to_cycles(sc_core::sc_time_stamp(), period_);
    in_array_.push_back({d.index, d.instr.acc_row, B, d.instr.accumulate, d.sum_shift, log_.size()});
    if (record_) log_.push_back({d.index, start, start + B, 0, d.instr.switch_weights});
    datapath_->stream(rows_.data(), B, d.instr.switch_weights, {d.instr.unsigned_a, d.instr.unsigned_w});
    ++blocks_;
    rows_streamed_ += B;
    array_macs_ += B * R_ * C_;
    if (meter_)  // one row enters per cycle: the MACs over the block's streaming cycles
      meter_->charge_spread(MeteredAction::kMac, sc_core::sc_time_stamp(),
                            sc_core::sc_time_stamp() + period_ * double(B), B * R_ * C_);
  }
}

void Mxu::block_done(const int32_t* sums, uint64_t rows, uint32_t cols) {
  const InArray blk = in_array_.front();
  in_array_.pop_front();
  std::string who;  // (named only when b_transport is used)
  const uint64_t addr = uint64_t(blk.acc_row) * C_ * sizeof(int32_t), len = blk.rows * C_ * sizeof(int32_t);
  // The accumulator rows: in place by DMI, else a copy read and written back through b_transport.
  uint8_t* direct = acc_dmi_.pointer(acc_socket, addr, len);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  int32_t* acc;
  if (direct) {
    acc = reinterpret_cast<int32_t*>(direct);
    acc_dmi_read_ += blk.accumulate ? len : 0;
    acc_dmi_written_ += len;
    charge(MeteredAction::kAccRead, sc_core::sc_time_stamp(), blk.accumulate ? len : 0);
    charge(MeteredAction::kAccWrite, sc_core::sc_time_stamp(), len);
  } else {
    who = std::string(name()) + ": instruction " + std::to_string(blk.index);
    old_.resize(blk.rows * C_);
    acc = old_.data();
    if (blk.accumulate)
      transport(acc_socket, tlm::TLM_READ_COMMAND, addr, reinterpret_cast<uint8_t*>(acc), len, delay, who);
  }
  sc_assert(rows == blk.rows);
  if (blk.sum_shift && cols) sums = shifted_sums(sums, rows * cols, blk.sum_shift);
  // Columns >= cols have zero sums: accumulating leaves them, overwriting clears them. All
  // columns live: the sums are laid out as the accumulator rows, one span.
  if (cols == C_) {
    if (blk.accumulate) add_wrapping(acc, sums, rows * C_);
    else std::memcpy(acc, sums, size_t(rows * C_) * sizeof(int32_t));
  } else if (blk.accumulate) {
    for (uint64_t r = 0; r < rows; ++r) add_wrapping(acc + r * C_, sums + r * cols, cols);
  } else {
    for (uint64_t r = 0; r < rows; ++r) {
      if (cols) std::memcpy(acc + r * C_, sums + r * cols, size_t(cols) * sizeof(int32_t));  // sums may be null
      std::memset(acc + r * C_ + cols, 0, size_t(C_ - cols) * sizeof(int32_t));
    }
  }
  if (!direct) transport(acc_socket, tlm::TLM_WRITE_COMMAND, addr, reinterpret_cast<uint8_t*>(acc), len, delay, who);
  if (record_) log_[blk.log_index].done = to_cycles(sc_core::sc_time_stamp(), period_);
  seq->complete(Unit::Matrix);
}

// The sums of a byte-plane pass times 2^shift, modulo 2^32 (register mxu_sum_shift: the shifter
// in front of the accumulators' adders); in scratch, valid until the next call.
const int32_t* Mxu::shifted_sums(const int32_t* sums, uint64_t n, uint32_t shift) {
  shifted_.resize(n);
  for (uint64_t i = 0; i < n; ++i) shifted_[i] = static_cast<int32_t>(static_cast<uint32_t>(sums[i]) << shift);
  return shifted_.data();
}

void Mxu::trace(VcdWriter& vcd, const std::string& prefix) const {
  FunctionalUnit::trace(vcd, prefix);
  category_.trace(vcd, prefix + ".table3_category");
  shifting_.trace(vcd, prefix + ".weight_shifting");
  shadow_ready_.trace(vcd, prefix + ".shadow_tile_ready");
  datapath_->trace(vcd, prefix + ".array");
}

nlohmann::json Mxu::report() const {
  nlohmann::json j = FunctionalUnit::report();
  nlohmann::json t3 = table3_.to_json(period_);
  t3.erase("not_running");
  j["table3_cycles"] = t3;
  j["model"] = to_string(cfg_.mxu.model);
  j["arithmetic"] = datapath_->arithmetic();
  j["blocks"] = blocks_;
  j["rows_streamed"] = rows_streamed_;
  j["array_macs"] = array_macs_;
  j["tiles_switched"] = tiles_switched_;
  j["pipeline_latency_cycles"] = pipeline_latency_cycles();
  return j;
}

}  // namespace tpu
