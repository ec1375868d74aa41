// The MXU's pin-level interface: the contract the cycle-accurate SystemC array
// (mxu_cycle_array.h), the Verilog array (model/mxu/rtl/mxu_array.sv) and an architect's own RTL
// meet, and that the transactor (PinDatapath in mxu.cpp) drives.
//
// Ports of an R x C array (R = mxu.rows PE rows = input width, C = mxu.cols PE columns), all
// sampled at the rising edge of clk; "cycle k" is the clock period ending with edge k+1.
//
//   input  clk
//   input  rst_n                 synchronous, active low: clears every register (weights 0)
//   input  w_shift               shift one row of weights into the weight chains this cycle
//   input  [8*C-1:0]  w_row      that row; element c = bits [8c+7:8c], signed int8
//   input  a_valid               an activation row enters this cycle
//   input  a_switch              with a_valid: the row is the first of a block that uses the
//                                tile shifted in last (see "switch" below)
//   input  a_unsigned            with a_valid: the row's activations are uint8 (else int8)
//   input  w_unsigned            with a_valid: the weights this row meets are uint8 (else int8)
//   input  [8*R-1:0]  a_row      activations; element r = bits [8r+7:8r], int8 or uint8
//   output p_valid               a row of partial sums leaves this cycle
//   output [32*C-1:0] p_row      element c = bits [32c+31:32c], two's complement int32:
//                                p[c] = sum_r a[r] * w[r][c] (each byte zero-extended when its
//                                unsigned flag was set, else sign-extended) for the row that entered with
//                                a_valid exactly R + C - 1 cycles earlier (kLatency below)
//
// Dataflow inside (weight stationary, as TPU v1): PE(r, c) holds an active weight and a chain
// weight. Row element a[r] is delayed r cycles (input skew), moves right one PE per cycle, and
// PE(r, c) adds a[r] * w to the partial sum coming from PE(r-1, c), passing it down one PE per
// cycle; column c's sums are delayed C-1-c cycles (output deskew), so a whole row of sums leaves
// together. PE(r, c) therefore works on an input row entering in cycle t during cycle t + r + c.
//
// Weights: a tile is shifted in by R cycles of w_shift with tile rows, ..., 0 in that
// order (a column's chain shifts down one PE per cycle, so the first row presented ends at the
// bottom). Column c's chain shifts c cycles after the port (the same skew as the data), so the
// tile is complete in column c at the end of cycle t_s + R - 1 + c for a shift starting in
// cycle t_s. "switch": when a row entered with a_switch reaches PE(r, c), the PE multiplies it
// by its chain weight and makes that weight active for the rows that follow.
// Timing rules the driver keeps (the array does not check them):
//   - a row with a_switch may enter in cycle t1 >= t_s + R  (the tile is fully shifted in);
//   - the next shift may start in cycle t_s' >= t1 + R - 1 (every PE has copied its chain
//     weight: PE(R-1, c) copies at the end of cycle t1 + R - 1 + c, the chain's first shift of
//     column c happens at the end of cycle t_s' + c, and an edge that does both copies the old
//     chain weight).
// So with double buffering a new tile can be switched in every max(B, (R - 1) + R) cycles, and
// the last sums of a block of B rows entering from cycle t0 leave in cycle t0 + B - 1 + R + C - 1;
// the accumulators hold them from cycle t0 + B + R + C - 1 on.
#pragma once

#include <cstdint>

namespace tpu {

/// Cycles from an activation row entering (a_valid) to its sums leaving (p_valid): R + C - 1.
constexpr uint64_t mxu_latency_cycles(uint32_t rows, uint32_t cols) { return uint64_t(rows) + cols - 1; }

/// Cycles after a switching row entered until the next weight shift may start: R - 1.
constexpr uint64_t mxu_shift_free_delay_cycles(uint32_t rows) { return rows - 1; }

}  // namespace tpu
