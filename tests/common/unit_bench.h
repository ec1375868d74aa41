// Unit-level test bench: one functional unit (sequencer/functional_unit.h) on its own, without
// the Sequencer or the chip. A FakeSequencer feeds the unit's instruction queue at chosen times
// and records when the unit reports completion; Script and ScriptInitiator run test code in an
// SC_THREAD (the latter with a TLM initiator socket); RecordingTarget is a plain memory behind a
// TLM target socket that logs every access. SystemC allows one elaboration per process: one
// bench per test case.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "isa/isa.h"
#include "sequencer/dispatch.h"
#include "sequencer/functional_unit.h"

namespace tpu::test {

/// The one instruction of `text` (assembly, isa.h), as a Dispatch with no interlocks.
inline Dispatch make_dispatch(const std::string& text, uint64_t index = 0) {
  Dispatch d;
  const std::vector<Instruction> p = assemble(text, "unit test");
  EXPECT_EQ(p.size(), 1u) << text;
  if (!p.empty()) d.instr = p[0];
  d.index = index;
  return d;
}

/// Stands in for the Sequencer: writes scheduled Dispatches into the unit's queue (in order,
/// each not before its time) and records the time of every complete() call.
class FakeSequencer : public sc_core::sc_module, public SequencerIf {
 public:
  FakeSequencer(sc_core::sc_module_name name, FunctionalUnit& unit, int queue_depth = 16)
      : sc_module(name), queue_("queue", queue_depth) {
    unit.instr_in.bind(queue_);
    unit.seq.bind(*this);
    SC_HAS_PROCESS(FakeSequencer);
    SC_THREAD(drive);
  }
  /// Queues `d` for the unit at simulated time `t` (times must not decrease between calls).
  void dispatch_at(sc_core::sc_time t, Dispatch d) { schedule_.emplace_back(t, std::move(d)); }
  void dispatch_at(double ns, Dispatch d) { dispatch_at(sc_core::sc_time(ns, sc_core::SC_NS), std::move(d)); }

  /// Completion times, one per completed instruction, in order.
  const std::vector<sc_core::sc_time>& completions() const { return completions_; }
  /// Units that reported completion, in order.
  const std::vector<Unit>& completed_units() const { return units_; }

  // SequencerIf
  void complete(Unit unit) override {
    completions_.push_back(sc_core::sc_time_stamp());
    units_.push_back(unit);
  }
  void wait_for(const UnitDependence&) override { ADD_FAILURE() << "unexpected interlock in a unit test"; }

 private:
  void drive() {
    for (auto& [t, d] : schedule_) {
      const sc_core::sc_time now = sc_core::sc_time_stamp();
      if (t > now) sc_core::wait(t - now);
      queue_.write(d);
    }
  }

  sc_core::sc_fifo<Dispatch> queue_;
  std::vector<std::pair<sc_core::sc_time, Dispatch>> schedule_;
  std::vector<sc_core::sc_time> completions_;
  std::vector<Unit> units_;
};

/// Runs `body` in an SC_THREAD from time 0.
class Script : public sc_core::sc_module {
 public:
  Script(sc_core::sc_module_name name, std::function<void()> body) : sc_module(name), body_(std::move(body)) {
    SC_HAS_PROCESS(Script);
    SC_THREAD(run);
  }

 private:
  void run() { body_(); }
  std::function<void()> body_;
};

/// A TLM initiator running `body` in an SC_THREAD from time 0 (bind `socket` before running).
class ScriptInitiator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<ScriptInitiator> socket;

  ScriptInitiator(sc_core::sc_module_name name, std::function<void(ScriptInitiator&)> body = {})
      : sc_module(name), socket("socket"), body_(std::move(body)) {
    SC_HAS_PROCESS(ScriptInitiator);
    SC_THREAD(run);
  }
  void set_body(std::function<void(ScriptInitiator&)> body) { body_ = std::move(body); }

  /// One blocking transaction; returns its response status. `delay` in and out.
  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, unsigned len,
                                  sc_core::sc_time& delay) {
    tlm::tlm_generic_payload t;
    t.set_command(cmd);
    t.set_address(addr);
    t.set_data_ptr(data);
    t.set_data_length(len);
    t.set_streaming_width(len);
    t.set_byte_enable_ptr(nullptr);
    t.set_dmi_allowed(false);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    socket->b_transport(t, delay);
    return t.get_response_status();
  }
  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, unsigned len) {
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    return access(cmd, addr, data, len, delay);
  }
  /// One debug transaction; returns the bytes transferred.
  unsigned debug(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, unsigned len) {
    tlm::tlm_generic_payload t;
    t.set_command(cmd);
    t.set_address(addr);
    t.set_data_ptr(data);
    t.set_data_length(len);
    t.set_streaming_width(len);
    return socket->transport_dbg(t);
  }

 private:
  void run() {
    if (body_) body_(*this);
  }
  std::function<void(ScriptInitiator&)> body_;
};

/// A sparse memory of `size` bytes (unwritten bytes read as 0) behind a simple target socket
/// that logs every access (time, command, address, length, the annotated delay it received) and
/// adds `extra_delay` to b_transport's annotated delay. Accesses outside [0, size) get
/// TLM_ADDRESS_ERROR_RESPONSE (and are logged too).
class RecordingTarget : public sc_core::sc_module {
 public:
  struct Access {
    sc_core::sc_time time;
    tlm::tlm_command cmd;
    uint64_t addr;
    unsigned len;
    sc_core::sc_time delay_in;
    bool debug;
  };
  tlm_utils::simple_target_socket<RecordingTarget> socket;
  std::vector<Access> log;
  sc_core::sc_time extra_delay = sc_core::SC_ZERO_TIME;

  RecordingTarget(sc_core::sc_module_name name, uint64_t size) : sc_module(name), socket("socket"), size_(size) {
    socket.register_b_transport(this, &RecordingTarget::b_transport);
    socket.register_transport_dbg(this, &RecordingTarget::transport_dbg);
  }
  uint8_t at(uint64_t addr) const {
    auto it = mem_.find(addr);
    return it == mem_.end() ? 0 : it->second;
  }
  std::vector<uint8_t> bytes(uint64_t addr, uint64_t n) const {
    std::vector<uint8_t> v(n);
    for (uint64_t i = 0; i < n; ++i) v[i] = at(addr + i);
    return v;
  }
  void set(uint64_t addr, const std::vector<uint8_t>& v) {
    for (uint64_t i = 0; i < v.size(); ++i) mem_[addr + i] = v[i];
  }

 private:
  bool copy(tlm::tlm_generic_payload& t) {
    const uint64_t a = t.get_address(), n = t.get_data_length();
    if (a > size_ || n > size_ - a) {
      t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return false;
    }
    uint8_t* d = t.get_data_ptr();
    for (uint64_t i = 0; i < n; ++i) {
      if (t.is_write()) mem_[a + i] = d[i];
      if (t.is_read()) d[i] = at(a + i);
    }
    t.set_response_status(tlm::TLM_OK_RESPONSE);
    return true;
  }
  void b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay) {
    log.push_back({sc_core::sc_time_stamp(), t.get_command(), t.get_address(), t.get_data_length(), delay, false});
    if (copy(t)) delay += extra_delay;
  }
  unsigned transport_dbg(tlm::tlm_generic_payload& t) {
    log.push_back(
        {sc_core::sc_time_stamp(), t.get_command(), t.get_address(), t.get_data_length(), sc_core::SC_ZERO_TIME, true});
    return copy(t) ? t.get_data_length() : 0;
  }

  uint64_t size_;
  std::map<uint64_t, uint8_t> mem_;
};

/// `v` nanoseconds (whole ns are exact at the 1 fs resolution of init_time_resolution()).
inline sc_core::sc_time ns(double v) { return sc_core::sc_time(v, sc_core::SC_NS); }

/// Runs the simulation until no event is left (units then wait on their empty queues), with
/// SystemC's info messages silenced.
inline void run_to_end() {
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc_core::sc_start();
}

}  // namespace tpu::test
