// The transactor from the MXU's transaction level to the pins of a cycle-accurate array
// (mxu_pins.h): the PE-by-PE SystemC model or Verilated RTL.
#pragma once

#include <cmath>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "mxu/mxu_cycle_array.h"
#include "mxu/mxu_datapath.h"
#include "util/report.h"

namespace tpu {

/// Drives an R x C array with the ports of mxu_pins.h (bool and sc_bv<W> signals, the types
/// Verilator's SystemC output has with --pins-bv 2). Inputs change mid-cycle and are sampled at
/// the next rising edge, so a row the MXU streams "in cycle k" (starting at time k x period)
/// enters the array in cycle k; rising edges come at whole multiples of the period. Sums are
/// taken at rising edges (the values of the cycle that just ended) and handed to the sink when
/// a block's last row has left. The clock runs only while a shift, a stream or sums are in
/// flight, so an idle or deadlocked simulation still runs out of events. The first edge resets
/// the array (rst_n low).
template <class Array, unsigned R, unsigned C>
class PinDatapath : public sc_core::sc_module, public MxuDatapath {
 public:
  PinDatapath(sc_core::sc_module_name name, const ArchConfig& cfg, MxuSink& sink)
      : sc_module(name), period_(cfg.clock_period()), half_(period_ / 2.0), sink_(sink), clk_("clk"), rst_n_("rst_n"),
        p_valid_("p_valid"), w_shift_("w_shift"), a_valid_("a_valid"), a_switch_("a_switch"), a_unsigned_("a_unsigned"),
        w_unsigned_("w_unsigned"), w_row_("w_row"), a_row_("a_row"), p_row_("p_row"), array_("array") {
    array_.clk(clk_);
    array_.rst_n(rst_n_);
    array_.w_shift(w_shift_);
    array_.w_row(w_row_);
    array_.a_valid(a_valid_);
    array_.a_switch(a_switch_);
    array_.a_unsigned(a_unsigned_);
    array_.w_unsigned(w_unsigned_);
    array_.a_row(a_row_);
    array_.p_valid(p_valid_);
    array_.p_row(p_row_);
    SC_HAS_PROCESS(PinDatapath);
    SC_THREAD(clock);
    SC_METHOD(deassert);
    sensitive << deassert_;
    dont_initialize();
    SC_METHOD(collect);
    sensitive << clk_.posedge_event();
    dont_initialize();
  }

  // Each transfer drives its inputs from mid-cycle to mid-cycle and returns at the edge that
  // samples its last value (exactly R or B cycles); deassert() drops the strobe half a cycle
  // later unless the next transfer of the same kind has begun by then.
  // (Times are absolute multiples of the period from the start edge: half a period of a
  // 700 MHz clock is not a whole number of femtoseconds, so summing halves would drift.)
  void shift_in(const int8_t* tile) override {
    const sc_core::sc_time t0 = sc_core::sc_time_stamp();
    begin();
    shifting_ = true;
    for (unsigned k = 0; k < R; ++k) {  // rows R-1 .. 0: the first ends at the bottom
      wait_until(t0 + period_ * double(k) + half_);
      w_row_.write(pack_int8_row<C>(tile + size_t(R - 1 - k) * C));
      w_shift_.write(true);
    }
    wait_until(t0 + period_ * double(R));
    shifting_ = false;
    end();
  }

  void stream(const int8_t* x, uint64_t rows, bool switch_weights, MxuOperandFormat fmt) override {
    const sc_core::sc_time t0 = sc_core::sc_time_stamp();
    expected_.push_back(rows);
    begin();
    streaming_ = true;
    for (uint64_t b = 0; b < rows; ++b) {
      wait_until(t0 + period_ * double(b) + half_);
      a_row_.write(pack_int8_row<R>(x + b * R));
      a_valid_.write(true);
      a_switch_.write(switch_weights && b == 0);
      a_unsigned_.write(fmt.unsigned_a);
      w_unsigned_.write(fmt.unsigned_w);
    }
    wait_until(t0 + period_ * double(rows));
    streaming_ = false;
    end();
  }

  void trace(VcdWriter& vcd, const std::string& prefix) const override {
    vcd.trace(clk_, prefix + ".clk");
    vcd.trace(rst_n_, prefix + ".rst_n");
    vcd.trace(w_shift_, prefix + ".w_shift");
    vcd.trace(w_row_, prefix + ".w_row");
    vcd.trace(a_valid_, prefix + ".a_valid");
    vcd.trace(a_switch_, prefix + ".a_switch");
    vcd.trace(a_unsigned_, prefix + ".a_unsigned");
    vcd.trace(w_unsigned_, prefix + ".w_unsigned");
    vcd.trace(a_row_, prefix + ".a_row");
    vcd.trace(p_valid_, prefix + ".p_valid");
    vcd.trace(p_row_, prefix + ".p_row");
  }

  Array& array() { return array_; }

 private:
  static void wait_until(const sc_core::sc_time& t) {
    if (t > sc_core::sc_time_stamp()) sc_core::wait(t - sc_core::sc_time_stamp());
  }
  // Marks work in flight and starts the clock.
  void begin() {
    ++busy_;
    activity_.notify(sc_core::SC_ZERO_TIME);
  }
  // A transfer ended: its strobe is dropped half a cycle later (see deassert()).
  void end() {
    --busy_;
    ++pending_deassert_;
    deassert_.notify(half_);
  }
  // Drops the strobes of transfers that ended half a cycle ago and were not followed at once.
  void deassert() {
    if (!streaming_) a_valid_.write(false), a_switch_.write(false), a_unsigned_.write(false), w_unsigned_.write(false);
    if (!shifting_) w_shift_.write(false);
    --pending_deassert_;
  }
  bool active() const { return busy_ > 0 || pending_deassert_ > 0 || !expected_.empty() || !reset_done_; }

  // Rising edges at whole periods while anything is in flight; the first one resets the array.
  void clock() {
    for (;;) {
      while (!active()) sc_core::wait(activity_);
      const sc_core::sc_time now = sc_core::sc_time_stamp();
      const sc_core::sc_time edge = period_ * std::ceil(now / period_ - 1e-9);
      if (edge > now) sc_core::wait(edge - now);
      clk_.write(true);
      sc_core::wait(half_);
      clk_.write(false);
      if (!reset_done_) rst_n_.write(true), reset_done_ = true;
      wait_until(edge + period_);
    }
  }

  // At each rising edge: the sums the array showed during the cycle that just ended.
  void collect() {
    if (!p_valid_.read() || expected_.empty()) return;
    const size_t at = sums_.size();
    sums_.resize(at + C);
    unpack_int32_row<C>(p_row_.read(), &sums_[at]);
    if (sums_.size() == expected_.front() * C) {
      sink_.block_done(sums_.data(), expected_.front(), C);
      expected_.pop_front();
      sums_.clear();
    }
  }

  const sc_core::sc_time period_, half_;
  MxuSink& sink_;
  sc_core::sc_signal<bool> clk_, rst_n_, p_valid_;
  // Driven by the transfer threads and by deassert().
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> w_shift_, a_valid_, a_switch_, a_unsigned_, w_unsigned_;
  sc_core::sc_signal<sc_dt::sc_bv<8 * C>> w_row_;
  sc_core::sc_signal<sc_dt::sc_bv<8 * R>> a_row_;
  sc_core::sc_signal<sc_dt::sc_bv<32 * C>> p_row_;
  Array array_;
  int busy_ = 0, pending_deassert_ = 0;
  bool reset_done_ = false, streaming_ = false, shifting_ = false;
  sc_core::sc_event_queue deassert_;  // one notification per ended transfer
  std::deque<uint64_t> expected_;     // rows of the blocks whose sums are still to come
  std::vector<int32_t> sums_;         // the oldest block's sums collected so far
  sc_core::sc_event activity_;
};

/// The Verilated datapath (MxuModel::Rtl, 16 x 16). Defined in mxu/rtl/rtl_datapath.cpp when the
/// build found Verilator; otherwise it raises SC_REPORT_ERROR("tpu/mxu"). Also raises for any
/// size but 16 x 16.
std::unique_ptr<MxuDatapath> make_rtl_datapath(const ArchConfig& cfg, MxuSink& sink);

}  // namespace tpu
