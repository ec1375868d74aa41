// Cycle-accurate, PE-by-PE SystemC model of the MXU systolic array behind the pin-level contract
// in mxu_pins.h (read that first: ports, bit layout, skewed weight-stationary dataflow, latency
// R + C - 1, column-skewed weight shift, the a_switch flag travelling with the data wave, and the
// timing rules the driver keeps). The port types are those of the Verilator SystemC model of the
// Verilog array (model/mxu/rtl/mxu_array.sv) verilated with `--pins-bv 2` (1-bit ports bool, wider
// ones sc_bv<W>), so one transactor binds to either.
//
// Also here: pack/unpack helpers between int8/int32 element arrays and the sc_bv row ports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include <systemc>

#include "mxu/mxu_pins.h"

namespace tpu {

// ---------------------------------------------------------------------------------------------
// Row packing. Element i of an int8 row occupies bits [8i+7:8i]; element i of an int32 row bits
// [32i+31:32i] (the layout of w_row / a_row and p_row in mxu_pins.h). The bit vectors are read
// and written a 32-bit word at a time (sc_bv's get_word / set_word), never bit by bit.
// ---------------------------------------------------------------------------------------------

/// Packs N int8 elements `v[0..N)` into `out` (8*N bits; element i = bits [8i+7:8i]).
template <unsigned N>
inline void pack_int8_row(const int8_t* v, sc_dt::sc_bv<8 * N>& out) {
  static_assert(N > 0, "empty row");
  constexpr unsigned kWords = (N + 3) / 4;
  for (unsigned w = 0; w < kWords; ++w) {
    uint32_t word = 0;
    const unsigned first = 4 * w;
    const unsigned n = (N - first < 4) ? N - first : 4;
    for (unsigned b = 0; b < n; ++b) word |= uint32_t(uint8_t(v[first + b])) << (8 * b);
    out.set_word(int(w), sc_dt::sc_digit(word));
  }
}

/// Packs N int8 elements `v[0..N)` into a new 8*N-bit vector (allocates; for per-cycle use prefer
/// the overload writing into an existing vector).
template <unsigned N>
inline sc_dt::sc_bv<8 * N> pack_int8_row(const int8_t* v) {
  sc_dt::sc_bv<8 * N> out;
  pack_int8_row<N>(v, out);
  return out;
}

/// Unpacks the N int8 elements of an 8*N-bit row into `out[0..N)`.
template <unsigned N>
inline void unpack_int8_row(const sc_dt::sc_bv<8 * N>& bv, int8_t* out) {
  static_assert(N > 0, "empty row");
  constexpr unsigned kWords = (N + 3) / 4;
  for (unsigned w = 0; w < kWords; ++w) {
    const uint32_t word = uint32_t(bv.get_word(int(w)));
    const unsigned first = 4 * w;
    const unsigned n = (N - first < 4) ? N - first : 4;
    for (unsigned b = 0; b < n; ++b) out[first + b] = int8_t(uint8_t(word >> (8 * b)));
  }
}

/// Packs N int32 elements `v[0..N)` into `out` (32*N bits; element i = bits [32i+31:32i]).
template <unsigned N>
inline void pack_int32_row(const int32_t* v, sc_dt::sc_bv<32 * N>& out) {
  static_assert(N > 0, "empty row");
  for (unsigned i = 0; i < N; ++i) out.set_word(int(i), sc_dt::sc_digit(uint32_t(v[i])));
}

/// Unpacks the N int32 (two's complement) elements of a 32*N-bit row into `out[0..N)`.
template <unsigned N>
inline void unpack_int32_row(const sc_dt::sc_bv<32 * N>& bv, int32_t* out) {
  static_assert(N > 0, "empty row");
  for (unsigned i = 0; i < N; ++i) out[i] = int32_t(uint32_t(bv.get_word(int(i))));
}

// ---------------------------------------------------------------------------------------------
// The array.
// ---------------------------------------------------------------------------------------------

/// An R x C weight-stationary systolic array (R PE rows = activation row width, C PE columns =
/// partial-sum row width), modelled register by register after mxu_pins.h. All time quantities
/// are clock cycles of `clk`; "cycle k" is the period ending with rising edge k+1.
///
/// Registers (all updated at the rising edge of clk from their values before the edge; two
/// buffers, the next state is computed entirely from the current one and then committed):
///  - per PE(r, c): activation register (int8 value, switch flag, valid flag) feeding PE(r, c+1);
///    partial-sum register (int32) feeding PE(r+1, c); chain weight; active weight;
///  - input skew: row element r passes r registers (value, switch, valid) before PE(r, 0);
///  - weight skew: (w_shift, w_row element c) pass c registers before column c's chain, so
///    column c's chain shifts c cycles after the port: chain(0,c) <- new value,
///    chain(r,c) <- chain(r-1,c);
///  - output deskew: column c's sum from PE(R-1, c) passes C-1-c further registers; p_row[c] is
///    the last of them (for c = C-1 the partial-sum register of PE(R-1, C-1) itself);
///  - p_valid: the valid flag that travels with activation element R-1 through its R-1 input
///    skew registers and the C activation registers of PE row R-1 (R + C - 1 stages in all), so
///    p_valid is the valid flag of PE(R-1, C-1)'s activation register.
///
/// PE(r, c) in a cycle: with incoming activation (a, switch, unsigned flags, valid) and incoming
/// sum s (0 for r = 0): w = switch ? chain : active; sum <- s + a9 * w9 (int32, wrap-around), a9
/// and w9 the bytes zero-extended when their unsigned flag is set, else sign-extended; if
/// switch, active <- chain; activation register <- (a, flags).
///
/// Choices where mxu_pins.h is silent:
///  - a_switch, a_unsigned and w_unsigned are ignored while a_valid is low (stored as flag && a_valid);
///  - an activation row entered with a_valid low is stored as zeros, so every sum wave of an
///    invalid row is 0 and p_row reads 0 whenever p_valid is low (don't-care per the contract);
///  - rst_n low at an edge clears every register including the outputs; the row (and weight row)
///    presented in that cycle is dropped.
///
/// Cost per edge: O(R*C) with flat arrays allocated at construction; no allocation per cycle.
template <unsigned R, unsigned C>
class MxuCycleArray : public sc_core::sc_module {
  static_assert(R > 0 && C > 0, "MxuCycleArray needs at least one PE row and one PE column");

 public:
  /// Cycles from an activation row entering (a_valid in cycle t) to its sums leaving (p_valid in
  /// cycle t + kLatency): R + C - 1 (mxu_latency_cycles).
  static constexpr uint64_t kLatency = uint64_t(R) + C - 1;
  static constexpr unsigned kRows = R;  ///< PE rows: activation elements per row, tile rows.
  static constexpr unsigned kCols = C;  ///< PE columns: sums per row, tile columns.

  sc_core::sc_in<bool> clk;                     ///< Clock; everything is sampled at its rising edge.
  sc_core::sc_in<bool> rst_n;                   ///< Synchronous active-low reset: clears every register.
  sc_core::sc_in<bool> w_shift;                 ///< Shift w_row into the weight chains this cycle.
  sc_core::sc_in<bool> a_valid;                 ///< An activation row enters this cycle.
  sc_core::sc_in<bool> a_switch;                ///< With a_valid: first row of a block using the new tile.
  sc_core::sc_in<bool> a_unsigned;              ///< With a_valid: the row's activations are uint8 (else int8).
  sc_core::sc_in<bool> w_unsigned;              ///< With a_valid: the weights meeting the row are uint8.
  sc_core::sc_in<sc_dt::sc_bv<8 * C>> w_row;    ///< Weight row, C x int8 (element c = [8c+7:8c]).
  sc_core::sc_in<sc_dt::sc_bv<8 * R>> a_row;    ///< Activations, R x int8 (element r = [8r+7:8r]).
  sc_core::sc_out<bool> p_valid;                ///< A row of sums leaves this cycle.
  sc_core::sc_out<sc_dt::sc_bv<32 * C>> p_row;  ///< Sums, C x int32 (element c = [32c+31:32c]).

  SC_HAS_PROCESS(MxuCycleArray);

  explicit MxuCycleArray(sc_core::sc_module_name name)
      : sc_core::sc_module(name), clk("clk"), rst_n("rst_n"), w_shift("w_shift"), a_valid("a_valid"),
        a_switch("a_switch"), a_unsigned("a_unsigned"), w_unsigned("w_unsigned"), w_row("w_row"), a_row("a_row"),
        p_valid("p_valid"), p_row("p_row"), a_in_(R), w_in_(C), col_shift_(C), col_val_(C), p_out_(C),
        zero_sums_(C, 0u) {
    for (Regs& s : regs_) s.allocate();
    SC_METHOD(on_clock);
    sensitive << clk.pos();
    dont_initialize();
  }

  const char* kind() const override { return "MxuCycleArray"; }

  // Debug views of the current (last committed) state; not part of the pin contract.
  /// Active weight of PE(r, c).
  int8_t active_weight(unsigned r, unsigned c) const { return cur().active[pe(r, c)]; }
  /// Chain weight of PE(r, c).
  int8_t chain_weight(unsigned r, unsigned c) const { return cur().chain[pe(r, c)]; }
  /// Partial-sum register of PE(r, c) (two's complement int32).
  int32_t partial_sum(unsigned r, unsigned c) const { return int32_t(cur().psum[pe(r, c)]); }

 private:
  static constexpr uint8_t kValid = 1;
  static constexpr uint8_t kSwitch = 2;
  static constexpr uint8_t kUnsignedA = 4;
  static constexpr uint8_t kUnsignedW = 8;

  // Register layout (flat arrays):
  //  PE arrays: index r*C + c.
  //  input skew: row r's r stages at [r(r-1)/2, r(r-1)/2 + r), stage 0 next to the port.
  //  weight skew: column c's c stages at [c(c-1)/2, c(c-1)/2 + c), stage 0 next to the port.
  //  output deskew: column c's C-1-c stages at deskew_base(c), stage 0 next to PE(R-1, c).
  static constexpr size_t kPes = size_t(R) * C;
  static constexpr size_t kSkew = size_t(R) * (R - 1) / 2;
  static constexpr size_t kWSkew = size_t(C) * (C - 1) / 2;
  static constexpr size_t kDeskew = size_t(C) * (C - 1) / 2;

  static constexpr size_t pe(unsigned r, unsigned c) { return size_t(r) * C + c; }
  static constexpr size_t skew_base(unsigned r) { return size_t(r) * (r - 1) / 2; }
  static constexpr size_t wskew_base(unsigned c) { return size_t(c) * (c - 1) / 2; }
  // Columns c' < c hold sum (C-1-c') = c(C-1) - c(c-1)/2 stages.
  static constexpr size_t deskew_base(unsigned c) { return size_t(c) * (C - 1) - size_t(c) * (c - 1) / 2; }

  struct Regs {
    std::vector<int8_t> act;           // PE activation register value
    std::vector<uint8_t> act_flags;    // PE activation register kValid | kSwitch | kUnsignedA | kUnsignedW
    std::vector<uint32_t> psum;        // PE partial-sum register (int32 bits)
    std::vector<int8_t> chain;         // PE chain weight
    std::vector<int8_t> active;        // PE active weight
    std::vector<int8_t> skew_val;      // input skew values
    std::vector<uint8_t> skew_flags;   // input skew kValid | kSwitch
    std::vector<int8_t> wskew_val;     // weight skew values
    std::vector<uint8_t> wskew_shift;  // weight skew shift flags
    std::vector<uint32_t> deskew;      // output deskew sums

    void allocate() {
      act.assign(kPes, 0);
      act_flags.assign(kPes, 0);
      psum.assign(kPes, 0);
      chain.assign(kPes, 0);
      active.assign(kPes, 0);
      skew_val.assign(kSkew, 0);
      skew_flags.assign(kSkew, 0);
      wskew_val.assign(kWSkew, 0);
      wskew_shift.assign(kWSkew, 0);
      deskew.assign(kDeskew, 0);
    }
    template <typename T>
    static void zero(std::vector<T>& v) {
      if (!v.empty()) std::memset(v.data(), 0, v.size() * sizeof(T));
    }
    void clear() {
      zero(act);
      zero(act_flags);
      zero(psum);
      zero(chain);
      zero(active);
      zero(skew_val);
      zero(skew_flags);
      zero(wskew_val);
      zero(wskew_shift);
      zero(deskew);
    }
  };

  const Regs& cur() const { return regs_[cur_]; }

  // One rising edge: next state from the current state and the inputs, commit, drive outputs.
  void on_clock() {
    const Regs& s = regs_[cur_];
    Regs& n = regs_[cur_ ^ 1];

    if (!rst_n.read()) {
      n.clear();
    } else {
      step(s, n);
    }
    cur_ ^= 1;  // commit
    drive_outputs(regs_[cur_]);
  }

  // Shift register step between the two state buffers: next[0] = in, next[k] = cur[k-1].
  template <typename T>
  static void shift_stages(const T* cur, T* next, size_t stages, T in) {
    if (stages == 0) return;
    next[0] = in;
    if (stages > 1) std::memcpy(next + 1, cur, (stages - 1) * sizeof(T));
  }

  // One PE row for one cycle (C PEs), on the incoming activations / flags, the sums and chain
  // weights from the row above, and the row's own chain and active weights. Branch-free so that
  // the compiler vectorizes it; the buffers never overlap (current vs next state, scratch).
  static void pe_row(const int8_t* __restrict a_in, const uint8_t* __restrict f_in, const uint32_t* __restrict sum_in,
                     const int8_t* __restrict chain_in, const uint8_t* __restrict shift, const int8_t* __restrict chain,
                     const int8_t* __restrict active, uint32_t* __restrict sum_out, int8_t* __restrict active_out,
                     int8_t* __restrict chain_out) {
    for (unsigned c = 0; c < C; ++c) {
      // switch ? chain : active;  shift ? chain_in : chain  (as masks).
      const int8_t sw_mask = int8_t(-int8_t((f_in[c] >> 1) & 1));  // kSwitch == 2
      const int8_t sh_mask = int8_t(-int8_t(shift[c] & 1));
      const int8_t w = int8_t(active[c] ^ ((active[c] ^ chain[c]) & sw_mask));
      // 9-bit operands: the byte zero-extended (uint8) or sign-extended (int8).
      const int32_t a9 = (f_in[c] & kUnsignedA) ? int32_t(uint8_t(a_in[c])) : int32_t(a_in[c]);
      const int32_t w9 = (f_in[c] & kUnsignedW) ? int32_t(uint8_t(w)) : int32_t(w);
      sum_out[c] = sum_in[c] + uint32_t(a9 * w9);
      active_out[c] = w;
      chain_out[c] = int8_t(chain[c] ^ ((chain[c] ^ chain_in[c]) & sh_mask));
    }
  }

  void step(const Regs& s, Regs& n) {
    static_assert(kSwitch == 2, "pe_row extracts the switch flag as bit 1");
    // Port inputs of this cycle.
    const bool av = a_valid.read();
    const uint8_t a_flags = av ? uint8_t(kValid | (a_switch.read() ? kSwitch : 0) |
                                         (a_unsigned.read() ? kUnsignedA : 0) | (w_unsigned.read() ? kUnsignedW : 0))
                               : uint8_t(0);
    int8_t* const a_in = a_in_.data();
    if (av) {
      unpack_int8_row<R>(a_row.read(), a_in);
    } else {
      std::memset(a_in, 0, R);
    }
    const uint8_t ws = w_shift.read() ? 1 : 0;
    int8_t* const w_in = w_in_.data();
    unpack_int8_row<C>(w_row.read(), w_in);

    // Weight skew: what column c's chain sees this cycle (the port for c = 0, else the last of
    // the column's c stages), then the skew registers' next state.
    uint8_t* const col_shift = col_shift_.data();
    int8_t* const col_val = col_val_.data();
    col_shift[0] = ws;
    col_val[0] = w_in[0];
    for (unsigned c = 1; c < C; ++c) {
      const size_t b = wskew_base(c);
      col_shift[c] = s.wskew_shift[b + c - 1];
      col_val[c] = s.wskew_val[b + c - 1];
      shift_stages(&s.wskew_shift[b], &n.wskew_shift[b], c, ws);
      shift_stages(&s.wskew_val[b], &n.wskew_val[b], c, w_in[c]);
    }

    // Input skew registers' next state.
    for (unsigned r = 1; r < R; ++r) {
      const size_t b = skew_base(r);
      shift_stages(&s.skew_val[b], &n.skew_val[b], r, a_in[r]);
      shift_stages(&s.skew_flags[b], &n.skew_flags[b], r, a_flags);
    }

    // PEs, row by row. The activation registers of a row take what enters each PE this cycle
    // (PE(r, 0): the port for r = 0, else the last input skew stage of row r; PE(r, c > 0): the
    // activation register of PE(r, c-1)), so the next activation state doubles as the PEs'
    // inputs. Sums and chain values come from PE(r-1, c); above row 0 the sums are 0 and the
    // chain value is the (skewed) new weight row.
    for (unsigned r = 0; r < R; ++r) {
      const size_t row = pe(r, 0);
      const int8_t a0 = r == 0 ? a_in[0] : s.skew_val[skew_base(r) + r - 1];
      const uint8_t f0 = r == 0 ? a_flags : s.skew_flags[skew_base(r) + r - 1];
      shift_stages(&s.act[row], &n.act[row], C, a0);
      shift_stages(&s.act_flags[row], &n.act_flags[row], C, f0);
      pe_row(&n.act[row], &n.act_flags[row], r == 0 ? zero_sums_.data() : &s.psum[row - C],
             r == 0 ? col_val : &s.chain[row - C], col_shift, &s.chain[row], &s.active[row], &n.psum[row],
             &n.active[row], &n.chain[row]);
    }

    // Output deskew: column c's C-1-c stages after PE(R-1, c).
    for (unsigned c = 0; c + 1 < C; ++c) {
      const size_t b = deskew_base(c);
      shift_stages(&s.deskew[b], &n.deskew[b], C - 1 - c, s.psum[pe(R - 1, c)]);
    }
  }

  void drive_outputs(const Regs& s) {
    for (unsigned c = 0; c + 1 < C; ++c) p_out_[c] = int32_t(s.deskew[deskew_base(c) + (C - 2 - c)]);
    p_out_[C - 1] = int32_t(s.psum[pe(R - 1, C - 1)]);
    pack_int32_row<C>(p_out_.data(), p_bv_);
    p_row.write(p_bv_);
    p_valid.write((s.act_flags[pe(R - 1, C - 1)] & kValid) != 0);
  }

  Regs regs_[2];
  unsigned cur_ = 0;
  // Per-cycle scratch, allocated once.
  std::vector<int8_t> a_in_;
  std::vector<int8_t> w_in_;
  std::vector<uint8_t> col_shift_;
  std::vector<int8_t> col_val_;
  std::vector<int32_t> p_out_;
  std::vector<uint32_t> zero_sums_;  // the sums entering PE row 0
  sc_dt::sc_bv<32 * C> p_bv_;
};

}  // namespace tpu
