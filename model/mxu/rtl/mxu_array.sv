// mxu_array: the TPU v1 matrix unit as synthesizable SystemVerilog, an R x C weight-stationary
// systolic array of int8 x int8 -> int32 multiply-accumulate PEs.
//
// Pin-level contract: model/mxu/mxu_pins.h (the cycle-accurate SystemC model, this RTL and an
// architect's own RTL all implement it; the transactor drives it). All ports are sampled at the
// rising edge of clk; "cycle k" is the clock period ending with edge k + 1.
//   - w_shift: w_row (element c = w_row[8c+7:8c], int8) is shifted into the weight chains. A
//     tile takes R cycles, tile rows R-1 .. 0 in that order; column c's chain shifts c cycles
//     after the port.
//   - a_valid: a_row (element r = a_row[8r+7:8r], int8, or uint8 with a_unsigned) enters; with
//     w_unsigned the weights it meets are read as uint8 (the PEs multiply 9-bit values). With a_switch it is the first
//     row of a block using the tile shifted in last: each PE multiplies that row by its chain
//     weight and makes the chain weight active for the rows that follow.
//   - p_valid / p_row (element c = p_row[32c+31:32c], int32): p[c] = sum_r a[r] * w[r][c] of the
//     row that entered exactly R + C - 1 cycles earlier.
//   - rst_n: synchronous, active low; clears every register (weights 0). A row presented in a
//     reset cycle is dropped.
// The array does not check the driver's timing rules (model/mxu/mxu_pins.h). Where the contract is
// silent: a_row, a_switch, a_unsigned and w_unsigned are ignored while a_valid is low, and p_row is 0 while p_valid is
// low.
//
// Registers:
//   input skew      a[r] and the row's switch flag are delayed r cycles (g_a_skew, g_sw_skew),
//   PE(r, c)        g_row[r].g_col[c]: act_q / sw_q (passed right), psum_q (passed down),
//                   chain_q (weight chain, passed down), active_q (the weight in use),
//   weight skew     w_shift and w_row[c] are delayed c cycles for column c (g_shift_skew,
//                   g_w_skew),
//   output deskew   column c's sums leaving PE(R-1, c) are delayed C-1-c cycles (g_deskew),
//   valid pipeline  a_valid delayed R + C - 1 cycles is p_valid (g_valid).
// A delay line of D cycles is D generate stages g_stage[0..D-1], each one register q; stage k
// takes stage k-1 (stage 0 the input), and the index `k == 0 ? 0 : k-1` only keeps the branch
// stage 0 never takes within range.
// PE(r, c) works on the row entering in cycle t during cycle t + r + c: its inputs (from the
// skew line or PE(r, c-1), and from PE(r-1, c)) hold that row then, and its registers take the
// results at the end of that cycle. So the bottom sums of column c are in psum_q of PE(R-1, c)
// in cycle t + R + c and, after C-1-c deskew registers, leave in cycle t + R + C - 1.
//
// `define MXU_BROKEN_CARRY builds a deliberately faulty array: PE(R/2, C/2) drops the carry from
// bit 15 into bit 16 of its partial-sum addition (the tests use it to show that comparing with
// a reference catches one bad PE).

`default_nettype none

module mxu_array #(
    parameter int R = 16,  // PE rows: activation elements per row
    parameter int C = 16   // PE columns: partial sums per row
) (
    input  wire logic            clk,
    input  wire logic            rst_n,
    input  wire logic            w_shift,
    input  wire logic [ 8*C-1:0] w_row,
    input  wire logic            a_valid,
    input  wire logic            a_switch,
    input  wire logic            a_unsigned,
    input  wire logic            w_unsigned,
    input  wire logic [ 8*R-1:0] a_row,
    output logic                 p_valid,
    output logic      [32*C-1:0] p_row
);
  localparam int L = R + C - 1;  // latency: mxu_latency_cycles() in model/mxu/mxu_pins.h

`ifdef MXU_BROKEN_CARRY
  localparam bit BROKEN = 1'b1;
`else
  localparam bit BROKEN = 1'b0;
`endif

  // The interconnect arrays below need a neighbour in each direction.
  generate
    if (R < 2 || C < 2) begin : g_size_check
      $error("mxu_array: R and C must be at least 2");
    end
  endgenerate

  // PE interconnect: inputs of PE(r, c) and its registers.
  logic [ 7:0] pe_a_in    [R][C];  // activation of the row PE(r, c) works on this cycle
  logic        pe_sw_in   [R][C];  // that row switches weights
  logic [ 1:0] pe_fmt_in  [R][C];  // that row's operand format: {w_unsigned, a_unsigned}
  logic [31:0] pe_psum_in [R][C];  // partial sum from PE(r-1, c); 0 in row 0
  logic [ 7:0] pe_chain_in[R][C];  // chain weight from PE(r-1, c); skewed w_row[c] in row 0
  logic        col_shift  [C];     // column c's chain shifts this cycle (skewed w_shift)
  logic [ 7:0] pe_act_q   [R][C];
  logic        pe_sw_q    [R][C];
  logic [ 1:0] pe_fmt_q   [R][C];
  logic [31:0] pe_psum_q  [R][C];
  logic [ 7:0] pe_chain_q [R][C];

  // Only a valid row enters: a_row is taken as zeros and a_switch as 0 while a_valid is low, so
  // no garbage moves through the array and p_row is 0 whenever p_valid is low (the contract
  // leaves both open; tpu::MxuCycleArray makes the same choice, so the two agree every cycle).
  logic [8*R-1:0] a_now;
  logic           sw_now;
  logic [    1:0] fmt_now;
  assign a_now   = a_valid ? a_row : '0;
  assign sw_now  = a_valid & a_switch;
  assign fmt_now = a_valid ? {w_unsigned, a_unsigned} : 2'b00;

  // ---- input skew: a[r] and the switch flag reach PE(r, 0) r cycles after the port.
  // One switch-flag line of R-1 stages serves every row: stage k holds the flag of k + 1
  // cycles ago.
  generate
    for (genvar k = 0; k < R - 1; k++) begin : g_sw_skew
      logic q;
      always_ff @(posedge clk) begin
        if (!rst_n) q <= 1'b0;
        else if (k == 0) q <= sw_now;
        else q <= g_sw_skew[k == 0 ? 0 : k-1].q;
      end
    end
    for (genvar k = 0; k < R - 1; k++) begin : g_fmt_skew  // the format travels with the switch flag
      logic [1:0] q;
      always_ff @(posedge clk) begin
        if (!rst_n) q <= 2'b00;
        else if (k == 0) q <= fmt_now;
        else q <= g_fmt_skew[k == 0 ? 0 : k-1].q;
      end
    end

    for (genvar r = 0; r < R; r++) begin : g_a_skew
      if (r == 0) begin : g_direct
        assign pe_a_in[0][0]  = a_now[7:0];
        assign pe_sw_in[0][0] = sw_now;
        assign pe_fmt_in[0][0] = fmt_now;
      end else begin : g_delay
        for (genvar k = 0; k < r; k++) begin : g_stage  // stage k: a[r] of k + 1 cycles ago
          logic [7:0] q;
          always_ff @(posedge clk) begin
            if (!rst_n) q <= '0;
            else if (k == 0) q <= a_now[8*r+:8];
            else q <= g_stage[k == 0 ? 0 : k-1].q;
          end
        end
        assign pe_a_in[r][0]  = g_stage[r-1].q;
        assign pe_sw_in[r][0] = g_sw_skew[r-1].q;
        assign pe_fmt_in[r][0] = g_fmt_skew[r-1].q;
      end
    end
  endgenerate

  // ---- weight skew: column c's chain sees w_shift and w_row[c] c cycles after the port.
  generate
    for (genvar k = 0; k < C - 1; k++) begin : g_shift_skew  // stage k: w_shift of k + 1 ago
      logic q;
      always_ff @(posedge clk) begin
        if (!rst_n) q <= 1'b0;
        else if (k == 0) q <= w_shift;
        else q <= g_shift_skew[k == 0 ? 0 : k-1].q;
      end
    end

    for (genvar c = 0; c < C; c++) begin : g_w_skew
      if (c == 0) begin : g_direct
        assign col_shift[0]      = w_shift;
        assign pe_chain_in[0][0] = w_row[7:0];
      end else begin : g_delay
        for (genvar k = 0; k < c; k++) begin : g_stage  // stage k: w_row[c] of k + 1 cycles ago
          logic [7:0] q;
          always_ff @(posedge clk) begin
            if (!rst_n) q <= '0;
            else if (k == 0) q <= w_row[8*c+:8];
            else q <= g_stage[k == 0 ? 0 : k-1].q;
          end
        end
        assign col_shift[c]      = g_shift_skew[c-1].q;
        assign pe_chain_in[0][c] = g_stage[c-1].q;
      end
    end
  endgenerate

  // ---- the PE grid: PE(r, c) = g_row[r].g_col[c]; every output of a PE is a register.
  generate
    for (genvar r = 0; r < R; r++) begin : g_row
      for (genvar c = 0; c < C; c++) begin : g_col
        logic [ 7:0] act_q;     // activation, to PE(r, c+1)
        logic        sw_q;      // switch flag, to PE(r, c+1)
        logic [ 1:0] fmt_q;     // operand format {w_unsigned, a_unsigned}, to PE(r, c+1)
        logic [31:0] psum_q;    // partial sum, to PE(r+1, c) or the output deskew
        logic [ 7:0] chain_q;   // chain weight, to PE(r+1, c)
        logic [ 7:0] active_q;  // the weight in use
        logic [ 7:0] weight;
        logic [17:0] a_ext;
        logic [17:0] w_ext;
        logic [17:0] prod;
        logic [31:0] prod_ext;
        logic [31:0] sum;

        if (c > 0) begin : g_from_left
          assign pe_a_in[r][c]  = pe_act_q[r][c-1];
          assign pe_sw_in[r][c] = pe_sw_q[r][c-1];
          assign pe_fmt_in[r][c] = pe_fmt_q[r][c-1];
        end
        if (r > 0) begin : g_from_above
          assign pe_psum_in[r][c]  = pe_psum_q[r-1][c];
          assign pe_chain_in[r][c] = pe_chain_q[r-1][c];
        end else begin : g_top
          assign pe_psum_in[0][c] = '0;
        end
        assign pe_act_q[r][c]   = act_q;
        assign pe_sw_q[r][c]    = sw_q;
        assign pe_fmt_q[r][c]   = fmt_q;
        assign pe_psum_q[r][c]  = psum_q;
        assign pe_chain_q[r][c] = chain_q;

        // A switching row already uses the new weight: the chain weight, which becomes the
        // active weight at the end of the cycle.
        assign weight = pe_sw_in[r][c] ? chain_q : active_q;
        // 9-bit operands (the byte zero-extended when the row's format says uint8, else
        // sign-extended), extended to 18 bits: the product (-32640 .. 65025) is exact in 18 bits,
        // then sign-extended to 32.
        assign a_ext = {{10{pe_a_in[r][c][7] & ~pe_fmt_in[r][c][0]}}, pe_a_in[r][c]};
        assign w_ext = {{10{weight[7] & ~pe_fmt_in[r][c][1]}}, weight};
        assign prod = $signed(a_ext) * $signed(w_ext);
        assign prod_ext = {{14{prod[17]}}, prod};

        if (BROKEN && r == R / 2 && c == C / 2) begin : g_broken_carry
          // Two 16-bit halves added separately: the carry out of bit 15 is lost.
          assign sum = {pe_psum_in[r][c][31:16] + prod_ext[31:16],
                        pe_psum_in[r][c][15:0] + prod_ext[15:0]};
        end else begin : g_sum
          assign sum = pe_psum_in[r][c] + prod_ext;  // two's complement, modulo 2^32
        end

        always_ff @(posedge clk) begin
          if (!rst_n) begin
            act_q    <= '0;
            sw_q     <= 1'b0;
            fmt_q    <= 2'b00;
            psum_q   <= '0;
            chain_q  <= '0;
            active_q <= '0;
          end else begin
            act_q  <= pe_a_in[r][c];
            sw_q   <= pe_sw_in[r][c];
            fmt_q  <= pe_fmt_in[r][c];
            psum_q <= sum;
            if (col_shift[c]) chain_q <= pe_chain_in[r][c];
            if (pe_sw_in[r][c]) active_q <= chain_q;
          end
        end
      end
    end
  endgenerate

  // ---- output deskew: column c's sums wait C-1-c cycles, so a whole row leaves together.
  generate
    for (genvar c = 0; c < C; c++) begin : g_deskew
      if (c == C - 1) begin : g_direct
        assign p_row[32*c+:32] = pe_psum_q[R-1][c];
      end else begin : g_delay
        for (genvar k = 0; k < C - 1 - c; k++) begin : g_stage  // stage k: sum of k + 1 ago
          logic [31:0] q;
          always_ff @(posedge clk) begin
            if (!rst_n) q <= '0;
            else if (k == 0) q <= pe_psum_q[R-1][c];
            else q <= g_stage[k == 0 ? 0 : k-1].q;
          end
        end
        assign p_row[32*c+:32] = g_stage[C-2-c].q;
      end
    end
  endgenerate

  // ---- valid pipeline: L stages; stage k holds a_valid of k + 1 cycles ago.
  generate
    for (genvar k = 0; k < L; k++) begin : g_valid
      logic q;
      always_ff @(posedge clk) begin
        if (!rst_n) q <= 1'b0;
        else if (k == 0) q <= a_valid;
        else q <= g_valid[k == 0 ? 0 : k-1].q;
      end
    end
  endgenerate
  assign p_valid = g_valid[L-1].q;
endmodule

`default_nettype wire
