// The chip's waveform output: a change-driven VCD writer, and Traced<T> for values it follows.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include <systemc>

namespace tpu {

/// Writes a Value Change Dump (IEEE 1364-2005, Sec. 18) of integer variables, driven by the
/// changes themselves: a module calls set() when a value changes, and the writer writes, once per
/// simulation time step, the variables whose value at the end of the step differs from the value
/// last written: the waveforms SystemC's sc_trace writer gives, without its scan of every traced
/// variable at every time step (~700 ns a step on this project's 2-core machine, which made VCD
/// runs of DRAM-heavy workloads 3-4x slower than runs without).
///
/// Names are dotted paths ("tpu.sequencer.pc"); every component but the last is a
/// `$scope module`. Values are unsigned bit vectors: up to 64 bits set from an integer (a signed
/// value is written in two's complement, truncated to its width), wider ones (the pin-level
/// MXU's row buses) from a string of '0'/'1' digits, most significant first. Time is SystemC's:
/// the `$timescale` is the time resolution (1 fs in tpu-sim), time stamps are sc_time_stamp() in
/// resolution units. The output is deterministic (no date) and complete or absent: it is written
/// to `<path>.partial` and renamed to `path` by commit(); a writer destroyed without commit()
/// removes the partial file.
///
/// Use: declare every variable during elaboration (declare(), trace(), Traced::trace()), then
/// call set() (or set_at(), for a model that runs ahead of simulated time) from SystemC
/// processes; the header and the initial values (`$dumpvars`, at time 0) are written when
/// simulated time first advances.
class VcdWriter {
 public:
  /// Handle of a declared variable.
  using Var = uint32_t;

  /// Creates `path + ".partial"`. Raises tpu/output naming the path if it cannot be created.
  explicit VcdWriter(const std::string& path);
  /// Removes the partial file unless commit() succeeded.
  ~VcdWriter();
  VcdWriter(const VcdWriter&) = delete;
  VcdWriter& operator=(const VcdWriter&) = delete;

  /// Declares variable `name` (dotted path) of `width` bits (>= 1) with value `initial`.
  /// Raises tpu/output if the name is declared twice, has an empty path component or a space, or
  /// the width is 0, or if the header has already been written.
  Var declare(const std::string& name, unsigned width, uint64_t initial = 0);
  /// Sets `var` to `value` at the current simulation time (the last set in a time step wins).
  /// A variable wider than 64 bits gets `value` zero-extended.
  void set(Var var, uint64_t value);
  /// Records that `var` takes `value` at simulated time `at`, for a model that works ahead of
  /// simulated time (the DRAM channels issue commands at future cycles) without a SystemC event
  /// per change. `at` (resolution units, as sc_time::value()) is clamped to the variable's
  /// previous set_at() time and to the time step being collected, so a variable's changes stay in
  /// order; they are written in their time steps as simulated time passes (and at commit(), where
  /// the end time is at least the last of them). Variables set this way should not also be set().
  void set_at(Var var, uint64_t value, uint64_t at) {
    // Inline: a DRAM-heavy VCD run makes four calls per burst.
    if (closed_) return;
    Queue& q = scheduled_[var];
    if (!q.listed) list_scheduled(var);
    if (at < q.last) at = q.last;
    if (at < pending_time_) at = pending_time_;
    // Stored field by field: a brace-initialized struct is built on the stack and copied with one
    // 16-byte load of two 8-byte stores, which stalls store-to-load forwarding (measured: set_at
    // was 17% of a VCD run of MLP0).
    Scheduled& s = q.changes.emplace_back();
    s.at = at;
    s.value = value & q.mask;
    q.last = at;
    if (++scheduled_pending_ >= kScheduledBatch) write_scheduled_before_now();
  }
  /// Sets `var` from binary digits, most significant first (a variable wider than 64 bits; `bits`
  /// holds exactly its width digits, as sc_bv::to_string() gives).
  void set_bits(Var var, const std::string& bits);
  /// Follows an sc_signal (or any sc_signal_in_if): declares `name` with the signal's current
  /// value and records every value change (a spawned SC_METHOD on value_changed_event()).
  /// T: bool or an integral type. `width` 0: 1 for bool, 8 * sizeof(T) otherwise.
  template <class T>
  void trace(const sc_core::sc_signal_in_if<T>& signal, const std::string& name, unsigned width = 0) {
    static_assert(std::is_integral<T>::value, "VcdWriter traces integral signals");
    const Var v = declare(name, width ? width : default_width<T>(), uint64_t(signal.read()));
    follow(signal.value_changed_event(), name, [this, v, &signal] { set(v, uint64_t(signal.read())); });
  }
  /// Follows a bit-vector signal (any width) the same way: as an integer up to 64 bits, as
  /// digits above.
  template <int W>
  void trace(const sc_core::sc_signal_in_if<sc_dt::sc_bv<W>>& signal, const std::string& name) {
    if constexpr (W <= 64) {
      const Var v = declare(name, unsigned(W), signal.read().to_uint64());
      follow(signal.value_changed_event(), name, [this, v, &signal] { set(v, signal.read().to_uint64()); });
    } else {
      const Var v = declare(name, unsigned(W));
      set_initial_bits(v, signal.read().to_string());
      follow(signal.value_changed_event(), name, [this, v, &signal] { set_bits(v, signal.read().to_string()); });
    }
  }
  /// Writes the last time step and the end time (the current simulation time), closes the file
  /// and renames it to `path`. Raises tpu/output if writing or renaming fails (the partial file
  /// is then removed). Later set(), set_at() and set_bits() calls are ignored.
  void commit();

  /// Value changes written so far (for tests).
  uint64_t changes_written() const { return changes_written_; }
  /// The width a variable of type T gets by default: 1 for bool, else its size in bits.
  template <class T>
  static constexpr unsigned default_width() {
    return std::is_same<T, bool>::value ? 1u : unsigned(8 * sizeof(T));
  }

 private:
  /// Calls `f` whenever `e` is notified (a spawned method, sensitive to `e`, not initialized).
  void follow(const sc_core::sc_event& e, const std::string& name, std::function<void()> f);
  /// The initial value of a wide variable, during elaboration.
  void set_initial_bits(Var var, const std::string& bits);
  /// Marks `var` changed in the current time step (flushing the previous steps first).
  void touch(Var var);
  /// Makes `now` the time step being collected: writes the pending step and, in time order, the
  /// steps of set_at() changes before `now` (changes at `now` join the new step).
  void advance_to(uint64_t now);
  /// Marks `var` changed in the pending step.
  void mark(Var var);
  /// Adds `var` to the variables with set_at() changes (its first one); raises tpu/output if it
  /// is wider than 64 bits.
  void list_scheduled(Var var);
  /// Writes the set_at() changes before the current simulation time (every kScheduledBatch
  /// queued changes: memory stays bounded as long as the models run a bounded time ahead).
  void write_scheduled_before_now();
  static constexpr size_t kScheduledBatch = 1 << 16;
  /// Writes the pending time step (the header and initial values first, if not written yet).
  void flush_step();
  /// Appends the declarations (scopes sorted by path).
  void write_header();
  /// Appends "<value><id>" (1 bit) or "b<digits> <id>" (leading zeros dropped) and a newline.
  void write_value(Var v);
  /// Appends "#t".
  void write_time(uint64_t t);
  /// Hands the buffer to the file when it holds 1 MiB (or always, if `force`).
  void drain(bool force);
  /// Where to write up to `n` more bytes (the caller adds what it wrote to used_).
  char* room(size_t n);
  /// Appends `text`.
  void append(const std::string& text);

  std::string path_, partial_;
  std::FILE* file_ = nullptr;
  bool started_ = false, closed_ = false, failed_ = false;
  std::vector<std::string> names_;
  std::vector<unsigned> widths_;
  std::vector<std::string> ids_;
  std::vector<uint64_t> value_, written_;               // current value; value last written (<= 64 bits)
  std::vector<std::string> wide_value_, wide_written_;  // the same as digits (wider variables)
  std::vector<uint8_t> dirty_;                          // set() in the pending step
  std::vector<Var> dirty_list_;
  uint64_t pending_time_ = 0;  // time step being collected (resolution units)
  struct Scheduled {           // a set_at() change
    uint64_t at, value;
  };
  struct Queue {  // one variable's set_at() changes, in time order
    std::vector<Scheduled> changes;
    size_t head = 0;               // first not yet applied
    uint64_t last = 0;             // time of the last change queued
    uint64_t mask = ~uint64_t(0);  // the variable's width in bits, as a mask
    bool listed = false;           // in scheduled_vars_ (has had a set_at() change)
  };
  std::vector<Queue> scheduled_;     // by variable (empty for set() variables)
  std::vector<Var> scheduled_vars_;  // variables with set_at() changes, declaration order
  size_t scheduled_pending_ = 0;     // changes queued and not applied
  uint64_t last_stamp_ = 0;          // last "#t" written
  uint64_t changes_written_ = 0;
  std::vector<char> out_;  // output not yet handed to the file: out_[0, used_)
  size_t used_ = 0;
};

/// A value of integral type T that, once traced into a VcdWriter, reports its changes to it.
/// Otherwise it behaves as a plain T (assignment, conversion); untraced it costs one branch per
/// assignment. Not copyable (a copy would report to the original's variable).
template <class T>
class Traced {
  static_assert(std::is_integral<T>::value, "Traced holds an integral value");

 public:
  Traced(T v = T()) : value_(v) {}
  Traced(const Traced&) = delete;
  Traced& operator=(const Traced& other) { return *this = T(other); }
  Traced& operator=(T v) {
    if (writer_ && v != value_) writer_->set(var_, uint64_t(v));
    value_ = v;
    return *this;
  }
  operator T() const { return value_; }
  /// Declares `name` in `w` (width 0: VcdWriter::default_width<T>()) and reports every later
  /// change. Tracing observes the value without changing it, hence const.
  void trace(VcdWriter& w, const std::string& name, unsigned width = 0) const {
    var_ = w.declare(name, width ? width : VcdWriter::default_width<T>(), uint64_t(value_));
    writer_ = &w;
  }

 private:
  T value_;
  mutable VcdWriter* writer_ = nullptr;
  mutable VcdWriter::Var var_ = 0;
};

}  // namespace tpu
