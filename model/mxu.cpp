#include "mxu.h"

#include <cstring>
#include <sstream>

#include "memory_target.h"

namespace tpu {

Mxu::Mxu(sc_core::sc_module_name name, const ArchConfig& cfg)
    : FunctionalUnit(name, Unit::Matrix, cfg), ub_socket("ub_socket"), acc_socket("acc_socket"),
      weight_socket("weight_socket"), idle_reason("idle_reason"), R_(cfg.mxu.rows), C_(cfg.mxu.cols),
      active_(size_t(R_) * C_), shadow_(size_t(R_) * C_),
      table3_({"array_active", "weight_stall", "weight_shift", "non_matrix", "raw_stall", "input_stall",
               "not_running"}) {
  table3_.enter(kNotRunning);
  SC_HAS_PROCESS(Mxu);
  SC_THREAD(run);
  SC_THREAD(shifter);
  SC_METHOD(update_category);
  sensitive << idle_reason;
  dont_initialize();
  SC_METHOD(on_completion);
  sensitive << completions_;
  dont_initialize();
}

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
  category_ = c;
  table3_.enter(c);
}

void Mxu::on_completion() { seq->complete(Unit::Matrix); }

void Mxu::shifter() {
  const uint64_t tile_bytes = cfg_.tile_bytes();
  for (;;) {
    while (shadow_ready_) sc_core::wait(shadow_freed_);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    transport(weight_socket, tlm::TLM_READ_COMMAND, 0, reinterpret_cast<uint8_t*>(shadow_.data()),
              tile_bytes, delay, std::string(name()) + ": weight shift-in");
    wait_clock_edge(period_);
    shifting_ = true;
    shadow_changed_.notify();
    update_category();
    sc_core::wait(period_ * double(cfg_.mxu.weight_shift_cycles));
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
      std::swap(active_, shadow_);
      active_valid_ = true;
      shadow_ready_ = false;
      shadow_freed_.notify(sc_core::SC_ZERO_TIME);
      ++tiles_switched_;
    }
    if (!active_valid_) {
      std::ostringstream msg;
      msg << name() << ": instruction " << d.index << " (" << disassemble(d.instr)
          << ") multiplies before any weight tile was switched in (the first MatrixMultiply needs SWITCH)";
      SC_REPORT_ERROR("tpu/mxu", msg.str().c_str());
    }
    multiply(d);
    const uint64_t start = to_cycles(sc_core::sc_time_stamp(), period_);
    sc_core::wait(period_ * double(d.instr.rows));
    if (record_)
      log_.push_back({d.index, start, start + d.instr.rows, start + d.instr.rows + pipeline_latency_cycles(),
                      d.instr.switch_weights});
    completions_.notify(period_ * double(pipeline_latency_cycles()));
  }
}

// Functional part of MatrixMultiply: reads the rows, multiplies, updates the accumulators.
void Mxu::multiply(const Dispatch& d) {
  const uint64_t B = d.instr.rows;
  const std::string who = std::string(name()) + ": instruction " + std::to_string(d.index);
  rows_.resize(B * R_);
  sums_.assign(B * C_, 0);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  transport(ub_socket, tlm::TLM_READ_COMMAND, uint64_t(d.instr.ub_row) * R_, rows_.data(), B * R_, delay, who);
  for (uint64_t b = 0; b < B; ++b) {
    int32_t* out = &sums_[b * C_];
    const int8_t* x = reinterpret_cast<const int8_t*>(&rows_[b * R_]);
    for (uint32_t r = 0; r < R_; ++r) {
      const int32_t xv = x[r];
      if (xv == 0) continue;
      const int8_t* w = &active_[size_t(r) * C_];
      for (uint32_t c = 0; c < C_; ++c) out[c] += xv * w[c];
    }
  }
  const uint64_t acc_addr = uint64_t(d.instr.acc_row) * C_ * sizeof(int32_t);
  const uint64_t acc_len = B * C_ * sizeof(int32_t);
  if (d.instr.accumulate) {
    std::vector<int32_t> old(B * C_);
    transport(acc_socket, tlm::TLM_READ_COMMAND, acc_addr, reinterpret_cast<uint8_t*>(old.data()), acc_len, delay, who);
    for (size_t i = 0; i < sums_.size(); ++i)  // 32-bit accumulators wrap around
      sums_[i] = static_cast<int32_t>(static_cast<uint32_t>(sums_[i]) + static_cast<uint32_t>(old[i]));
  }
  transport(acc_socket, tlm::TLM_WRITE_COMMAND, acc_addr, reinterpret_cast<uint8_t*>(sums_.data()), acc_len, delay, who);
  ++blocks_;
  rows_streamed_ += B;
  array_macs_ += B * R_ * C_;
}

void Mxu::trace(sc_core::sc_trace_file* tf, const std::string& prefix) const {
  FunctionalUnit::trace(tf, prefix);
  sc_core::sc_trace(tf, category_, prefix + ".table3_category");
  sc_core::sc_trace(tf, shifting_, prefix + ".weight_shifting");
  sc_core::sc_trace(tf, shadow_ready_, prefix + ".shadow_tile_ready");
}

nlohmann::json Mxu::report() const {
  nlohmann::json j = FunctionalUnit::report();
  nlohmann::json t3 = table3_.to_json(period_);
  t3.erase("not_running");
  j["table3_cycles"] = t3;
  j["blocks"] = blocks_;
  j["rows_streamed"] = rows_streamed_;
  j["array_macs"] = array_macs_;
  j["tiles_switched"] = tiles_switched_;
  j["pipeline_latency_cycles"] = pipeline_latency_cycles();
  return j;
}

}  // namespace tpu
