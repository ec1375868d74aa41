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
//                                                                  [9..11] rows u24 (>=1): host -> UB
//   0x02  Write_Host_Memory   0                                    same fields: UB -> host
//   0x03  Read_Weights        0                                    [2..7] dram_addr u48 (bytes), [8..11] tiles u32 (>=1):
//                                                                  consecutive rows*cols-byte tiles into the weight FIFO
//   0x04  MatrixMultiply      bit0 ACCUMULATE, bit1 SWITCH         [2..4] ub_row u24, [5..6] acc_row u16, [7..10] rows u32 (>=1)
//                             (SWITCH: make the next weight tile active before this block)
//   0x05  Activate            bits0-2 function (0 identity,        [2..4] ub_row u24 (destination), [5..6] acc_row u16 (source),
//                             1 relu, 2 sigmoid, 3 tanh), bit3 BIAS [7..10] rows u32 (>=1)
//   0x06  Set_Config          register id (see ConfigRegister)      [2..5] value u32 (int32 registers in two's complement)
//   0x07  Sync                unit mask: bit0 host, bit1 weights,   -
//                             bit2 matrix, bit3 activation (!= 0)
//   0x08  Halt                0                                    -
//
// Text form (one instruction per line, case-insensitive mnemonics and keys, numbers decimal or
// 0x-hex, '#' or ';' starts a comment):
//   nop
//   read_host_memory ub=0x100 host=0x2000 rows=64
//   write_host_memory ub=0x100 host=0x2000 rows=64
//   read_weights dram=0x10000 tiles=4
//   matrix_multiply ub=0x100 acc=0x0 rows=64 switch accumulate
//   activate ub=0x200 acc=0x0 rows=64 fn=relu bias
//   set_config reg=act_multiplier value=1518500250
//   sync units=host,matrix
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
};

/// Nonlinear function applied by Activate (flags bits 0-2).
enum class ActivationFunction : uint8_t { Identity = 0, Relu = 1, Sigmoid = 2, Tanh = 3 };

/// Activation-unit registers written by Set_Config (flags byte).
enum class ConfigRegister : uint8_t {
  ActMultiplier = 0,  ///< requantization multiplier, 0 .. 2^31-1
  ActShift = 1,       ///< requantization right shift, 0 .. 62
  ActZeroPoint = 2,   ///< output zero point, -128 .. 127 (identity and relu only)
  ActBiasRow = 3,     ///< UB row of the int32 bias vector read by Activate with BIAS, 0 .. 2^24-1
};

/// Functional units of the sequencer's pipeline; Sync masks use bit (1 << unit).
enum class Unit : uint8_t { Host = 0, Weights = 1, Matrix = 2, Activation = 3 };
constexpr int kNumUnits = 4;

/// One decoded instruction. Only the fields of its opcode are meaningful; the rest are 0.
struct Instruction {
  Opcode op = Opcode::Nop;
  uint32_t ub_row = 0;        ///< UB row (Read/Write_Host_Memory, MatrixMultiply, Activate)
  uint32_t acc_row = 0;       ///< accumulator row (MatrixMultiply, Activate)
  uint32_t rows = 0;          ///< rows moved or processed (>= 1 where used)
  uint32_t host_addr = 0;     ///< host byte address (Read/Write_Host_Memory)
  uint64_t dram_addr = 0;     ///< weight memory byte address (Read_Weights), < 2^48
  uint32_t tiles = 0;         ///< weight tiles (Read_Weights), >= 1
  bool accumulate = false;    ///< MatrixMultiply: add into the accumulators instead of overwriting
  bool switch_weights = false;///< MatrixMultiply: switch to the next weight tile first
  bool bias = false;          ///< Activate: add the int32 bias vector at register ActBiasRow
  ActivationFunction function = ActivationFunction::Identity;  ///< Activate
  ConfigRegister reg = ConfigRegister::ActMultiplier;           ///< Set_Config
  int32_t value = 0;          ///< Set_Config value
  uint8_t unit_mask = 0;      ///< Sync: bit (1 << Unit)

  bool operator==(const Instruction& o) const;
  bool operator!=(const Instruction& o) const { return !(*this == o); }
};

/// The functional unit that executes `op`; Nop, Set_Config, Sync and Halt run in the sequencer
/// itself and return false.
bool unit_of(Opcode op, Unit* unit);

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
