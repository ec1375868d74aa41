// The TPU v1 CISC instruction set: binary encoding, assembler and disassembler.
//
// Every instruction is 12 bytes (the TPU paper, Sec. 2, gives MatrixMultiply as 12 bytes: 3 B
// Unified Buffer address, 2 B accumulator address, 4 B length, the rest opcode and flags; the
// other encodings are not published and are designed here). Multi-byte fields are little endian.
// Addresses in the Unified Buffer (UB) and accumulators are row indices: a UB row is mxu.rows
// bytes, an accumulator row is mxu.cols int32.
//
//   byte  0     opcode
//   byte  1     flags (opcode specific; unused bits must be 0)
//   bytes 2-11  operands (unused bytes must be 0)
//
//   op    mnemonic            flags                                operands
//   0x00  Nop                 0                                    -
//   0x01  Read_Host_Memory    0                                    [2..4] ub_row u24, [5..8] host_addr u32 (bytes),
//                                                                  [9..11] rows u24 (>=1): host -> UB (host_row_bytes
//                                                                  of each row, register host_row_bytes)
//   0x02  Write_Host_Memory   0                                    same fields: UB -> host
//   0x03  Read_Weights        0                                    [2..7] dram_addr u48 (bytes), [8..11] tiles u32
//   (>=1):
//                                                                  consecutive rows*cols-byte tiles into the weight
//                                                                  FIFO
//   0x04  MatrixMultiply      bit0 ACCUMULATE, bit1 SWITCH         [2..4] ub_row u24, [5..6] acc_row u16, [7..10] rows
//   u32 (>=1)
//                             (SWITCH: make the next weight tile active before this block)
//                             bit2 UNSIGNED_A, bit3 UNSIGNED_W (the activation / weight bytes are uint8, else int8)
//   0x05  Activate            bits0-2 function (0 identity,        [2..4] ub_row u24 (destination), [5..6] acc_row u16
//   (source),
//                             1 relu, 2 sigmoid, 3 tanh, 4 lookup), [7..10] rows u32 (>=1)
//                             bit3 BIAS
//   0x06  Set_Config          register id (see ConfigRegister)      [2..5] value u32 (int32 registers in two's
//   complement) 0x07  Sync                unit mask: bit0 host, bit1 weights,   -
//                             bit2 matrix, bit3 activation (!= 0)
//   0x08  Halt                0                                    -
//   0x09  Convolve            bits0-3 as MatrixMultiply            [2..4] ub_row u24, [5..6] acc_row u16, [7]
//   kernel_row u8,
//                                                                  [8] kernel_col u8, [9..10] out_row u16, [11] rows u8
//                                                                  (>=1)
//   0x0A  Pool                bit0 AVERAGE (else max)              [2..4] ub_row u24 (destination), [5..7] src_row u24,
//                                                                  [8..9] out_row u16, [10..11] rows u16 (>=1)
//   0x0B  Vector              bits0-2 function, bits3-4 operation  [2..4] ub_row u24 (destination), [5..7] src_row u24
//                             (0 add, 1 multiply, 2 unary)         (operand a), [8..11] rows u32 (>=1)
//   0x0E  Interrupt_Host      0                                    [2..3] host_op u16: index into the program's
//                                                                  host-operation table
//
// Interrupt_Host (the paper's "interrupt host", Sec. 2) runs in the sequencer: it waits until
// every instruction dispatched to the host, matrix and activation units has completed (the units
// that touch the Unified Buffer; the weight FIFO's fetch engine keeps prefetching), raises the
// interrupt line, publishes host_op in the HOST_OP register and stops fetching until the host
// writes RESUME (sequencer.h). The host's operator reads its operands from and writes its result to
// host memory; the program moves them with Write_Host_Memory before and Read_Host_Memory after.
//
// Convolve is MatrixMultiply with a 2-D length (TPU paper, Sec. 2 and 9: input channels on the
// array rows, output channels on the columns, one pass per kernel position accumulating into the
// accumulators). The data-setup path generates the block's rows from the window registers
// (Set_Config input_height H, input_width W, output_height P, output_width Q, stride_h, stride_w,
// pad_top, pad_left): the input is N images of H x W UB rows stacked from ub_row (image n at
// ub_row + n*H*W, pixel (h, w) at + h*W + w, one row = mxu.rows channels). Global output rows
// g = out_row .. out_row+rows-1 (image g / P, output row p = g % P) times Q columns give
// B = rows * Q array rows: output pixel (p, q) of image n reads input pixel (p*stride_h +
// kernel_row - pad_top, q*stride_w + kernel_col - pad_left), or a zero row outside the image,
// and its sums go to accumulator row acc_row + (g - out_row) * Q + q. Time: as MatrixMultiply
// with B rows.
// Operand formats of MatrixMultiply and Convolve (TPU paper, Sec. 2: the MXU multiplies signed or
// unsigned 8-bit values, and 8 x 16-bit at half speed, 16 x 16 at quarter speed). Each PE multiplies
// two 9-bit values: the activation byte sign-extended (int8) or zero-extended (UNSIGNED_A: uint8),
// and the weight byte likewise (UNSIGNED_W); both flags travel with the block's rows through the
// array as SWITCH does, so blocks of different formats follow each other with no bubble. 16-bit
// operands are byte planes, x = 256 * x_hi + x_lo with x_hi the signed high byte and x_lo the
// unsigned low byte: x * w = 256 * (x_hi * w) + x_lo * w, so a 16-bit operand costs one pass per
// plane (8 x 16: 2 passes, 16 x 16: 4), each pass's sums shifted left by register mxu_sum_shift
// (8 * the planes' weight: 0, 8 or 16) before they are added into the accumulators (a shifter in
// front of the accumulators' adders; modulo 2^32 like the adders). The host issues the passes
// (docs/isa.md, "16-bit operands").
// Pool (activation unit, "Normalize/Pool" of the paper's Fig. 1) reads the same window geometry
// with a pool_height x pool_width window from src_row and writes rows * Q UB rows from ub_row
// (output pixel of global row g, column q at ub_row + (g - out_row) * Q + q): max over the window
// positions inside the image, or with AVERAGE the sum of those positions (padding counts 0)
// requantized by act_multiplier/act_shift/act_zero_point (identity function).
// Vector (activation unit) works row by row on rows UB rows of int8: operand a from src_row,
// operand b from register vec_source_b; v = (a+oa)*sa + (b+ob)*sb (add), (a+oa)*(b+ob)
// (multiply) or (a+oa)*sa (unary), exact, then saturated to int32 and requantized with the act_*
// registers and the function, as Activate (quant.h). sa, sb, oa, ob: registers vec_scale_a/b,
// vec_offset_a/b (int16). With register vec_wide_scales = 1, add and unary use the 32-bit operand
// multipliers vec_multiplier_a/b instead and round the exact sum once (quant.h "Wide operand
// multipliers").
//
// Text form (one instruction per line, case-insensitive mnemonics and keys, numbers decimal or
// 0x-hex, '#' or ';' starts a comment):
//   nop
//   read_host_memory ub=0x100 host=0x2000 rows=64
//   write_host_memory ub=0x100 host=0x2000 rows=64
//   read_weights dram=0x10000 tiles=4
//   matrix_multiply ub=0x100 acc=0x0 rows=64 switch accumulate unsigned_a unsigned_w
//   activate ub=0x200 acc=0x0 rows=64 fn=relu bias
//   convolve ub=0x0 acc=0x0 kr=1 ks=2 p0=0 rows=8 switch accumulate
//   pool ub=0x400 src=0x0 p0=0 rows=4 average
//   vector ub=0x500 src=0x100 rows=49 op=add fn=relu
//   set_config reg=act_multiplier value=1518500250
//   sync units=host,matrix
//   interrupt_host id=2
//   halt
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tpu {

/// Instruction size in bytes (TPU paper, Sec. 2).
constexpr std::size_t kInstructionBytes = 12;

/// Opcodes (byte 0).
enum class Opcode : uint8_t {
  Nop = 0x00,
  ReadHostMemory = 0x01,
  WriteHostMemory = 0x02,
  ReadWeights = 0x03,
  MatrixMultiply = 0x04,
  Activate = 0x05,
  SetConfig = 0x06,
  Sync = 0x07,
  Halt = 0x08,
  Convolve = 0x09,
  Pool = 0x0A,
  Vector = 0x0B,
  InterruptHost = 0x0E,  ///< 0x0C, 0x0D: reserved (taken by concurrent work on the ISA)
};

/// Nonlinear function applied by Activate (flags bits 0-2).
/// Lookup: the identity's int8 result indexes a 256-entry int8 table that the activation unit reads
/// from the UB at register act_table_row (quant.h); the per-layer table of any element-wise function.
enum class ActivationFunction : uint8_t { Identity = 0, Relu = 1, Sigmoid = 2, Tanh = 3, Lookup = 4 };

/// Activation-unit registers written by Set_Config (flags byte).
enum class ConfigRegister : uint8_t {
  ActMultiplier = 0,  ///< requantization multiplier, 0 .. 2^31-1
  ActShift = 1,       ///< requantization right shift, 0 .. 62
  ActZeroPoint = 2,   ///< output zero point, -32768 .. 32767 (identity and relu only); at execution within
                      ///< the range of act_output_format (int8 -128 .. 127, uint8 0 .. 255, int16 all)
  ActBiasRow = 3,     ///< UB row of the int32 bias vector read by Activate with BIAS, 0 .. 2^24-1
  InputHeight = 4,    ///< Convolve/Pool window geometry: input image H, 1 .. 65535 (reset 1)
  InputWidth = 5,     ///< input image W, 1 .. 65535 (reset 1)
  OutputHeight = 6,   ///< output image P, 1 .. 65535 (reset 1)
  OutputWidth = 7,    ///< output image Q, 1 .. 65535 (reset 1)
  StrideH = 8,        ///< vertical stride, 1 .. 255 (reset 1)
  StrideW = 9,        ///< horizontal stride, 1 .. 255 (reset 1)
  PadTop = 10,        ///< rows of zero padding above the image, 0 .. 255 (reset 0)
  PadLeft = 11,       ///< columns of zero padding left of the image, 0 .. 255 (reset 0)
  PoolHeight = 12,    ///< Pool window height, 1 .. 255 (reset 1)
  PoolWidth = 13,     ///< Pool window width, 1 .. 255 (reset 1)
  VecSourceB = 14,    ///< Vector operand b: UB row, 0 .. 2^24-1 (reset 0)
  VecScaleA = 15,     ///< Vector operand scales and offsets, int16 (reset 1, 1, 0, 0)
  VecScaleB = 16,
  VecOffsetA = 17,
  VecOffsetB = 18,
  Tag = 19,           ///< debug tag carried by later instructions (the paper's debug-tag; statistics
                      ///< per tag, e.g. per layer), 0 .. 2^31-1 (reset 0)
  HostRowBytes = 20,  ///< bytes of each UB row that Read/Write_Host_Memory move: the host side is
                      ///< rows x n packed bytes, the rest of a written UB row is zeroed; 0 (reset) =
                      ///< the whole row (mxu.rows bytes); 0 .. 65535, at most mxu.rows when used
  /// Activate's lanes, for arrays whose accumulator rows (mxu.cols int32) and UB rows (mxu.rows
  /// bytes) differ in width: Activate reads accumulator (and bias) lanes act_lane_src ..
  /// act_lane_src + n - 1 of each row and writes bytes act_lane_dst .. act_lane_dst + n - 1 of
  /// each UB row, leaving its other bytes as they were; n = act_lanes, 0 (reset) = min(mxu.rows,
  /// mxu.cols). 0 .. 65535 each; at dispatch act_lane_src + n <= mxu.cols and act_lane_dst + n <=
  /// mxu.rows (else an error). At reset on a square array: every lane, as TPU v1.
  ActLaneSrc = 21,
  ActLaneDst = 22,
  ActLanes = 23,
  ActTableRow = 24,  ///< UB row of the 256-entry int8 table read by Activate/Vector with fn=lookup
                     ///< (ceil(256 / mxu.rows) rows), 0 .. 2^24-1 (reset 0)
  VecBRepeat = 25,   ///< Vector: a rows of operand a share one row of operand b (broadcast of a
                     ///< per-channel vector: row i reads b row vec_source_b + i / n); 0 or 1
                     ///< (reset 0) = no broadcast; 0 .. 2^24-1
  /// MatrixMultiply/Convolve: the block's sums are shifted left by this many bits (modulo 2^32)
  /// before they overwrite or are added into the accumulators: the weight of a byte-plane pass of
  /// 16-bit operands (0, 8 or 16; see "Operand formats" above). 0 .. 24 (reset 0).
  MxuSumShift = 26,
  /// Activate, Pool (average), Vector: the format of the values written, an ActOutputFormat: 0
  /// int8 (reset), 1 uint8, 2 int16 as two byte planes (the high, signed byte at ub_row + i, the
  /// low, unsigned byte at ub_row + act_plane_rows + i). Identity and relu only (else an error).
  ActOutputFormat = 27,
  ActPlaneRows = 28,  ///< UB rows from the high to the low byte plane of an int16 output, 0 .. 2^24-1 (reset 0)
  /// Pool and Vector: bit0 the input (Pool) / operand a (Vector) bytes are uint8, bit1 operand b's
  /// are (else int8); 0 .. 3 (reset 0).
  ActInputUnsigned = 29,
  /// Packed tensor layouts (docs/isa.md, "Lane groups"): a UB row holds P = mxu.rows / G pixels of
  /// a tensor of at most G channels, pixel k of an instruction in lane group (first + k) % P of row
  /// ub_row + (first + k) / P, bytes at group x G. G = 0 (reset) or mxu.rows: one pixel per row. At
  /// dispatch G divides mxu.rows and first < P (else an error). 0 .. 65535 each.
  MxuGroupBytes = 30,      ///< G of the rows MatrixMultiply and Convolve read (the data-setup lane shifter)
  MxuFirstGroup = 31,      ///< lane group of ub_row holding MatrixMultiply's first row, Convolve's pixel 0
  ActGroupBytes = 32,      ///< G of the rows Activate and Pool write (byte-enabled lane groups)
  ActFirstGroup = 33,      ///< lane group of ub_row that Activate's / Pool's first output goes to
  PoolSrcGroupBytes = 34,  ///< G of the rows Pool reads (its pixel 0 in group 0 of src_row)
  HostGroupBytes = 35,     ///< G of the rows Read/Write_Host_Memory move: `rows` counts pixels of
                           ///< host_row_bytes (<= G) each, pixel 0 in group 0 of ub_row
  /// Vector's 32-bit operand multipliers ma, mb, used instead of vec_scale_a/b when
  /// vec_wide_scales = 1 (quant.h "Wide operand multipliers"); -(2^31-1) .. 2^31-1 (reset 0).
  VecMultiplierA = 36,
  VecMultiplierB = 37,
  /// Vector add and unary: 0 (reset) int16 operand scales, the sum saturated to int32 and
  /// requantized by act_multiplier/act_shift; 1 the wide operand multipliers above, the exact sum
  /// rounded once by act_shift (act_multiplier not used). Multiply ignores it. 0 .. 1.
  VecWideScales = 38,
  /// Activate, Pool (average), Vector: ties of the requantization's rounding, a Rounding: 0
  /// (reset) toward +infinity, 1 to even (quant.h). 0 .. 1.
  ActRounding = 39,
};

/// Number of config registers (ids 0 .. kNumConfigRegisters-1).
constexpr int kNumConfigRegisters = 40;

/// Whether `id` names a config register (every id below kNumConfigRegisters does).
constexpr bool is_config_register(int id) { return id >= 0 && id < kNumConfigRegisters; }

/// Values of register act_output_format: what the activation unit writes per output value.
enum class ActOutputFormat : uint8_t { Int8 = 0, Uint8 = 1, Int16 = 2 };

/// Element-wise operation of Vector (flags bits 3-4).
enum class VectorOp : uint8_t { Add = 0, Multiply = 1, Unary = 2 };

/// Functional units of the sequencer's pipeline; Sync masks use bit (1 << unit).
enum class Unit : uint8_t { Host = 0, Weights = 1, Matrix = 2, Activation = 3 };
// Convolve runs on the matrix unit; Pool and Vector on the activation unit.
constexpr int kNumUnits = 4;

/// One decoded instruction. Only the fields of its opcode are meaningful; the rest are 0.
struct Instruction {
  Opcode op = Opcode::Nop;
  uint32_t ub_row = 0;      ///< UB row (Read/Write_Host_Memory, MatrixMultiply, Activate, Convolve, Pool, Vector)
  uint32_t acc_row = 0;     ///< accumulator row (MatrixMultiply, Activate, Convolve)
  uint32_t rows = 0;        ///< rows moved or processed (>= 1 where used; output image rows for Convolve/Pool)
  uint32_t src_row = 0;     ///< source UB row (Pool, Vector operand a)
  uint32_t out_row = 0;     ///< first global output row (Convolve, Pool)
  uint32_t kernel_row = 0;  ///< kernel position (Convolve)
  uint32_t kernel_col = 0;
  bool average = false;             ///< Pool: average instead of max
  VectorOp vec_op = VectorOp::Add;  ///< Vector
  uint32_t host_addr = 0;           ///< host byte address (Read/Write_Host_Memory)
  uint64_t dram_addr = 0;           ///< weight memory byte address (Read_Weights), < 2^48
  uint32_t tiles = 0;               ///< weight tiles (Read_Weights), >= 1
  bool accumulate = false;          ///< MatrixMultiply/Convolve: add into the accumulators instead of overwriting
  bool switch_weights = false;      ///< MatrixMultiply/Convolve: switch to the next weight tile first
  bool unsigned_a = false;          ///< MatrixMultiply/Convolve: activation bytes are uint8 (else int8)
  bool unsigned_w = false;          ///< MatrixMultiply/Convolve: weight bytes are uint8 (else int8)
  bool bias = false;                ///< Activate: add the int32 bias vector at register ActBiasRow
  ActivationFunction function = ActivationFunction::Identity;  ///< Activate, Vector
  ConfigRegister reg = ConfigRegister::ActMultiplier;          ///< Set_Config
  int32_t value = 0;                                           ///< Set_Config value
  uint8_t unit_mask = 0;                                       ///< Sync: bit (1 << Unit)
  uint32_t host_op = 0;  ///< Interrupt_Host: index into the program's host-operation table, < 2^16

  bool operator==(const Instruction& o) const;
  bool operator!=(const Instruction& o) const { return !(*this == o); }
};

/// The functional unit that executes `op`; Nop, Set_Config, Sync, Halt and Interrupt_Host run in the sequencer
/// itself and return false.
bool unit_of(Opcode op, Unit* unit);

/// Name of a functional unit as Sync's text form writes it ("host", "weights", "matrix", "activation").
const char* unit_name(Unit u);

/// Canonical mnemonic of an opcode ("matrix_multiply").
const char* mnemonic(Opcode op);

/// Encodes one instruction into 12 bytes at `out`. Raises SC_REPORT_ERROR("tpu/isa") when a
/// field does not fit its width or is illegal (rows == 0, empty sync mask, register value out of
/// range), naming the field.
void encode(const Instruction& in, uint8_t out[kInstructionBytes]);

/// Decodes 12 bytes. Raises SC_REPORT_ERROR("tpu/isa") on an unknown opcode, a nonzero reserved
/// bit or byte, or an illegal field value; the message starts with `where` (e.g.
/// "instruction 17 (byte offset 204)").
Instruction decode(const uint8_t in[kInstructionBytes], const std::string& where = "instruction");

/// Encodes a program into a byte image of 12 * program.size() bytes.
std::vector<uint8_t> encode_program(const std::vector<Instruction>& program);

/// Decodes a byte image; its size must be a multiple of 12 (else SC_REPORT_ERROR("tpu/isa")).
std::vector<Instruction> decode_program(const std::vector<uint8_t>& image);

/// One line of assembly text for an instruction, in the canonical form shown above.
std::string disassemble(const Instruction& in);

/// The whole program as text, one instruction per line.
std::string disassemble_program(const std::vector<Instruction>& program);

/// Parses assembly text. Raises SC_REPORT_ERROR("tpu/isa") naming `origin` and the line number
/// on an unknown mnemonic, unknown/missing/duplicate operand, bad number or out-of-range value.
std::vector<Instruction> assemble(const std::string& text, const std::string& origin = "<text>");

}  // namespace tpu
