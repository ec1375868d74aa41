// Pin-level stimulus for an R x C MXU array behind the contract of model/mxu/mxu_pins.h, shared by the
// cycle-accurate array's tests (test_mxu_cycle_array.cpp) and the RTL's (rtl_mxu_pins_test.cpp):
// the inputs of each cycle, tiles and activation rows, the naive products the rows must produce
// R + C - 1 cycles after they entered, and the input signals a bench drives.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include <systemc>

#include "mxu/mxu_cycle_array.h"
#include "mxu/mxu_pins.h"

namespace tpu::test {

/// A schedule of inputs per cycle and the rows of sums it must produce (cycle -> p row); every
/// cycle not in `expected` must have p_valid low.
template <unsigned R, unsigned C>
struct MxuStimulus {
  using Tile = std::array<std::array<int8_t, C>, R>;  ///< w[r][c]
  using ARow = std::array<int8_t, R>;
  using PRow = std::array<int32_t, C>;
  static constexpr uint64_t kLatency = mxu_latency_cycles(R, C);  ///< R + C - 1

  /// The inputs of one cycle (driven right after edge k, sampled at edge k + 1).
  struct CycleIn {
    bool rst_n = true;
    bool w_shift = false;
    bool a_valid = false;
    bool a_switch = false;
    bool a_unsigned = false;  ///< with a_valid: the row's activations are uint8
    bool w_unsigned = false;  ///< with a_valid: the weights it meets are uint8
    std::array<int8_t, C> w_row{};
    ARow a_row{};
  };

  std::vector<CycleIn> cycles;
  std::map<uint64_t, PRow> expected;

  /// p[c] = sum_r a[r] * w[r][c] in int32 with wrap-around (additions in uint32_t); the bytes
  /// read as uint8 when `ua` / `uw`, else as int8.
  static PRow naive_product(const ARow& a, const Tile& w, bool ua = false, bool uw = false) {
    PRow p{};
    for (unsigned c = 0; c < C; ++c) {
      uint32_t s = 0;
      for (unsigned r = 0; r < R; ++r) {
        const int32_t av = ua ? int32_t(uint8_t(a[r])) : int32_t(a[r]);
        const int32_t wv = uw ? int32_t(uint8_t(w[r][c])) : int32_t(w[r][c]);
        s += uint32_t(av * wv);
      }
      p[c] = int32_t(s);
    }
    return p;
  }

  /// Uniform int8 values, tile rows first.
  static Tile random_tile(std::mt19937& rng) {
    Tile t{};
    for (auto& row : t) fill_random(row, rng);
    return t;
  }
  static ARow random_row(std::mt19937& rng) {
    ARow a{};
    fill_random(a, rng);
    return a;
  }
  static std::vector<ARow> random_rows(std::mt19937& rng, unsigned n) {
    std::vector<ARow> rows(n);
    for (auto& a : rows) fill_random(a, rng);
    return rows;
  }

  CycleIn& at(uint64_t k) {
    if (k >= cycles.size()) cycles.resize(k + 1);
    return cycles[k];
  }
  /// rst_n low in cycles [k, k + n).
  void reset(uint64_t k, unsigned n = 1) {
    for (unsigned i = 0; i < n; ++i) at(k + i).rst_n = false;
  }
  /// Shifts tile w in during cycles t_s .. t_s + R - 1: tile rows R-1, ..., 0 in that order.
  void shift(uint64_t t_s, const Tile& w) {
    for (unsigned i = 0; i < R; ++i) {
      CycleIn& in = at(t_s + i);
      in.w_shift = true;
      in.w_row = w[R - 1 - i];
    }
  }
  /// The usual start: rst_n low in cycles [0, n_reset), then a random tile shifted in from
  /// cycle t_s; returns the tile.
  Tile reset_and_shift_random_tile(std::mt19937& rng, unsigned n_reset = 1, uint64_t t_s = 1) {
    reset(0, n_reset);
    const Tile w = random_tile(rng);
    shift(t_s, w);
    return w;
  }
  /// One row entering in cycle t, to be multiplied by w (the tile its block uses).
  /// With `ua` / `uw` the row's activations / weights are uint8 (a_unsigned / w_unsigned).
  void row(uint64_t t, const ARow& a, bool a_switch, const Tile& w, bool ua = false, bool uw = false) {
    CycleIn& in = at(t);
    in.a_valid = true;
    in.a_switch = a_switch;
    in.a_unsigned = ua;
    in.w_unsigned = uw;
    in.a_row = a;
    expected[t + kLatency] = naive_product(a, w, ua, uw);
  }
  /// Rows entering in consecutive cycles from t0 (a_switch on the first if sw), all of one format.
  void block(uint64_t t0, const std::vector<ARow>& rows, bool sw, const Tile& w, bool ua = false, bool uw = false) {
    for (size_t b = 0; b < rows.size(); ++b) row(t0 + b, rows[b], sw && b == 0, w, ua, uw);
  }
  /// A reset whose first edge ends cycle t loses every row of sums leaving after cycle t.
  void drop_expected_after(uint64_t t) { expected.erase(expected.upper_bound(t), expected.end()); }
  /// Random values on what the array must ignore: w_row without w_shift, a_row without a_valid
  /// and, if `switch_too`, a_switch, a_unsigned and w_unsigned without a_valid.
  void add_garbage(std::mt19937& rng, bool switch_too) {
    std::bernoulli_distribution coin(0.5);
    for (auto& in : cycles) {
      if (!in.w_shift) fill_random(in.w_row, rng);
      if (!in.a_valid) {
        fill_random(in.a_row, rng);
        if (switch_too) in.a_switch = coin(rng), in.a_unsigned = coin(rng), in.w_unsigned = coin(rng);
      }
    }
  }

 private:
  template <size_t N>
  static void fill_random(std::array<int8_t, N>& v, std::mt19937& rng) {
    std::uniform_int_distribution<int> d(-128, 127);
    for (auto& x : v) x = int8_t(d(rng));
  }
};

/// The input signals of an R x C array, written a cycle at a time, and the binding shared by
/// tpu::MxuCycleArray and the Verilated RTL (same port names and types: bool, sc_bv<W>).
template <unsigned R, unsigned C>
struct MxuInputSignals {
  sc_core::sc_signal<bool> rst_n{"rst_n"}, w_shift{"w_shift"}, a_valid{"a_valid"}, a_switch{"a_switch"};
  sc_core::sc_signal<bool> a_unsigned{"a_unsigned"}, w_unsigned{"w_unsigned"};
  sc_core::sc_signal<sc_dt::sc_bv<8 * C>> w_row{"w_row"};
  sc_core::sc_signal<sc_dt::sc_bv<8 * R>> a_row{"a_row"};

  void write(const typename MxuStimulus<R, C>::CycleIn& in) {
    rst_n.write(in.rst_n);
    w_shift.write(in.w_shift);
    a_valid.write(in.a_valid);
    a_switch.write(in.a_switch);
    a_unsigned.write(in.a_unsigned);
    w_unsigned.write(in.w_unsigned);
    pack_int8_row<C>(in.w_row.data(), w_bv_);
    pack_int8_row<R>(in.a_row.data(), a_bv_);
    w_row.write(w_bv_);
    a_row.write(a_bv_);
  }

  template <class Array>
  void bind(Array& a, sc_core::sc_clock& clk, sc_core::sc_signal<bool>& p_valid,
            sc_core::sc_signal<sc_dt::sc_bv<32 * C>>& p_row) {
    a.clk(clk);
    a.rst_n(rst_n);
    a.w_shift(w_shift);
    a.w_row(w_row);
    a.a_valid(a_valid);
    a.a_switch(a_switch);
    a.a_unsigned(a_unsigned);
    a.w_unsigned(w_unsigned);
    a.a_row(a_row);
    a.p_valid(p_valid);
    a.p_row(p_row);
  }

 private:
  sc_dt::sc_bv<8 * C> w_bv_;
  sc_dt::sc_bv<8 * R> a_bv_;
};

}  // namespace tpu::test
