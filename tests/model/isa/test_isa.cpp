// Tests of the instruction encoding, decoder, assembler and disassembler (model/isa/isa.h).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <systemc>

#include "common/test_util.h"
#include "isa/isa.h"

namespace tpu {
namespace {

using Bytes = std::array<uint8_t, kInstructionBytes>;

using test::ContainsAll;
using test::ErrorOf;
using test::StartsWith;

// Runs `f`, which must raise SC_REPORT_ERROR("tpu/isa"); returns the message.
std::string isa_error(const std::function<void()>& f) { return ErrorOf("tpu/isa", f); }

// encode() into a std::array.
Bytes enc(const Instruction& in) {
  Bytes b{};
  encode(in, b.data());
  return b;
}

// Error message of decoding `b`.
std::string decode_error(const Bytes& b, const std::string& where = "instruction") {
  return isa_error([&] { decode(b.data(), where); });
}

// Error message of encoding `in`.
std::string encode_error(const Instruction& in) {
  return isa_error([&] { enc(in); });
}

// Error message of assembling `text` as "prog.s".
std::string asm_error(const std::string& text) {
  return isa_error([&] { assemble(text, "prog.s"); });
}

// Assembling each text as "prog.s" fails with a message that contains every one of its parts.
void expect_asm_errors(const std::vector<std::pair<std::string, std::vector<std::string>>>& cases) {
  for (const auto& [text, parts] : cases) EXPECT_TRUE(ContainsAll(asm_error(text), parts)) << text;
}

// Encoding each instruction fails with a message that contains every one of its parts.
void expect_encode_errors(const std::vector<std::pair<Instruction, std::vector<std::string>>>& cases) {
  for (const auto& [in, parts] : cases) EXPECT_TRUE(ContainsAll(encode_error(in), parts));
}

// `in` after `edit(in)`.
template <typename Edit>
Instruction with(Instruction in, const Edit& edit) {
  edit(in);
  return in;
}

Instruction make(Opcode op) {
  Instruction in;
  in.op = op;
  return in;
}

Instruction host_io(Opcode op, uint32_t ub, uint32_t host, uint32_t rows) {
  Instruction in = make(op);
  in.ub_row = ub;
  in.host_addr = host;
  in.rows = rows;
  return in;
}

Instruction read_weights(uint64_t dram, uint32_t tiles) {
  Instruction in = make(Opcode::ReadWeights);
  in.dram_addr = dram;
  in.tiles = tiles;
  return in;
}

Instruction matmul(uint32_t ub, uint32_t acc, uint32_t rows, bool sw, bool accumulate) {
  Instruction in = make(Opcode::MatrixMultiply);
  in.ub_row = ub;
  in.acc_row = acc;
  in.rows = rows;
  in.switch_weights = sw;
  in.accumulate = accumulate;
  return in;
}

Instruction activate(uint32_t ub, uint32_t acc, uint32_t rows, ActivationFunction fn, bool bias) {
  Instruction in = make(Opcode::Activate);
  in.ub_row = ub;
  in.acc_row = acc;
  in.rows = rows;
  in.function = fn;
  in.bias = bias;
  return in;
}

Instruction set_config(ConfigRegister reg, int32_t value) {
  Instruction in = make(Opcode::SetConfig);
  in.reg = reg;
  in.value = value;
  return in;
}

Instruction sync(uint8_t mask) {
  Instruction in = make(Opcode::Sync);
  in.unit_mask = mask;
  return in;
}

Instruction convolve(uint32_t ub, uint32_t acc, uint32_t kr, uint32_t ks, uint32_t p0, uint32_t rows, bool sw,
                     bool accumulate) {
  Instruction in = make(Opcode::Convolve);
  in.ub_row = ub;
  in.acc_row = acc;
  in.kernel_row = kr;
  in.kernel_col = ks;
  in.out_row = p0;
  in.rows = rows;
  in.switch_weights = sw;
  in.accumulate = accumulate;
  return in;
}

// `in` (MatrixMultiply or Convolve) with the operand-format flags UNSIGNED_A / UNSIGNED_W.
Instruction with_formats(Instruction in, bool unsigned_a, bool unsigned_w) {
  in.unsigned_a = unsigned_a;
  in.unsigned_w = unsigned_w;
  return in;
}

Instruction pool(uint32_t ub, uint32_t src, uint32_t p0, uint32_t rows, bool average) {
  Instruction in = make(Opcode::Pool);
  in.ub_row = ub;
  in.src_row = src;
  in.out_row = p0;
  in.rows = rows;
  in.average = average;
  return in;
}

Instruction vector(uint32_t ub, uint32_t src, uint32_t rows, VectorOp op, ActivationFunction fn) {
  Instruction in = make(Opcode::Vector);
  in.ub_row = ub;
  in.src_row = src;
  in.rows = rows;
  in.vec_op = op;
  in.function = fn;
  return in;
}

Instruction interrupt_host(uint32_t id) {
  Instruction in = make(Opcode::InterruptHost);
  in.host_op = id;
  return in;
}

constexpr int kOpcodeSpace = 15;  // opcodes are below 0x0F (isa.h)
// The defined opcodes: 0x00 .. 0x0B and Interrupt_Host 0x0E (0x0C and 0x0D are reserved).
const std::vector<int> kOpcodes = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x0E};
constexpr int kNumRegisters = 40;  // 0 .. 39 (isa.h)

// ---------------------------------------------------------------------------------------------
// Hand-computed byte images (from the table in isa.h, little endian).

struct Golden {
  Instruction in;
  Bytes bytes;
  std::string text;
};

std::vector<Golden> golden() {
  return {
      {make(Opcode::Nop), {0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "nop"},
      {host_io(Opcode::ReadHostMemory, 0x000100, 0x12345678, 64),
       {0x01, 0x00, 0x00, 0x01, 0x00, 0x78, 0x56, 0x34, 0x12, 0x40, 0x00, 0x00},
       "read_host_memory ub=0x100 host=0x12345678 rows=64"},
      {host_io(Opcode::WriteHostMemory, 0xFFFFFF, 0xDEADBEEF, 0xFFFFFF),
       {0x02, 0x00, 0xFF, 0xFF, 0xFF, 0xEF, 0xBE, 0xAD, 0xDE, 0xFF, 0xFF, 0xFF},
       "write_host_memory ub=0xffffff host=0xdeadbeef rows=16777215"},
      {read_weights(0xBA9876543210ull, 0x01020304),
       {0x03, 0x00, 0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0x04, 0x03, 0x02, 0x01},
       "read_weights dram=0xba9876543210 tiles=16909060"},
      {matmul(0x123456, 0xABCD, 0x01020304, true, true),
       {0x04, 0x03, 0x56, 0x34, 0x12, 0xCD, 0xAB, 0x04, 0x03, 0x02, 0x01, 0x00},
       "matrix_multiply ub=0x123456 acc=0xabcd rows=16909060 switch accumulate"},
      {matmul(0x100, 0x0, 64, false, true),
       {0x04, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00},
       "matrix_multiply ub=0x100 acc=0x0 rows=64 accumulate"},
      {matmul(0x100, 0x0, 64, true, false),
       {0x04, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00},
       "matrix_multiply ub=0x100 acc=0x0 rows=64 switch"},
      // Operand formats: UNSIGNED_A 0x04, UNSIGNED_W 0x08 (with ACCUMULATE: 0x0D; alone: 0x08).
      {with_formats(matmul(0x100, 0x0, 64, false, true), true, true),
       {0x04, 0x0D, 0x00, 0x01, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00},
       "matrix_multiply ub=0x100 acc=0x0 rows=64 accumulate unsigned_a unsigned_w"},
      {with_formats(matmul(0x100, 0x0, 64, false, false), false, true),
       {0x04, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00},
       "matrix_multiply ub=0x100 acc=0x0 rows=64 unsigned_w"},
      {activate(0x200, 0x7, 64, ActivationFunction::Tanh, true),
       {0x05, 0x0B, 0x00, 0x02, 0x00, 0x07, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00},
       "activate ub=0x200 acc=0x7 rows=64 fn=tanh bias"},
      {activate(0x1, 0xFFFF, 0xFFFFFFFF, ActivationFunction::Sigmoid, false),
       {0x05, 0x02, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00},
       "activate ub=0x1 acc=0xffff rows=4294967295 fn=sigmoid"},
      // fn=lookup (4) with BIAS (0x08): flags 0x0C.
      {activate(0x300, 0x2, 5, ActivationFunction::Lookup, true),
       {0x05, 0x0C, 0x00, 0x03, 0x00, 0x02, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00},
       "activate ub=0x300 acc=0x2 rows=5 fn=lookup bias"},
      {set_config(ConfigRegister::ActMultiplier, 1518500250),  // 0x5A82799A
       {0x06, 0x00, 0x9A, 0x79, 0x82, 0x5A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=act_multiplier value=1518500250"},
      {set_config(ConfigRegister::ActShift, 62),
       {0x06, 0x01, 0x3E, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=act_shift value=62"},
      {set_config(ConfigRegister::ActZeroPoint, -3),
       {0x06, 0x02, 0xFD, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=act_zero_point value=-3"},
      {set_config(ConfigRegister::ActBiasRow, 0xABCDEF),
       {0x06, 0x03, 0xEF, 0xCD, 0xAB, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=act_bias_row value=11259375"},
      // Registers 4..20 (ids from the ConfigRegister table); int16 registers sign-extend to 32 bits.
      {set_config(ConfigRegister::InputHeight, 1),
       {0x06, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=input_height value=1"},
      {set_config(ConfigRegister::OutputWidth, 65535),
       {0x06, 0x07, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=output_width value=65535"},
      {set_config(ConfigRegister::StrideW, 255),
       {0x06, 0x09, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=stride_w value=255"},
      {set_config(ConfigRegister::PadLeft, 0),
       {0x06, 0x0B, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=pad_left value=0"},
      {set_config(ConfigRegister::PoolHeight, 3),
       {0x06, 0x0C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=pool_height value=3"},
      {set_config(ConfigRegister::VecSourceB, 0xFFFFFF),
       {0x06, 0x0E, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=vec_source_b value=16777215"},
      {set_config(ConfigRegister::VecScaleA, -32768),  // 0xFFFF8000
       {0x06, 0x0F, 0x00, 0x80, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=vec_scale_a value=-32768"},
      {set_config(ConfigRegister::VecOffsetB, -2),  // 0xFFFFFFFE
       {0x06, 0x12, 0xFE, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=vec_offset_b value=-2"},
      {set_config(ConfigRegister::Tag, 0x7FFFFFFF),
       {0x06, 0x13, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=tag value=2147483647"},
      {set_config(ConfigRegister::HostRowBytes, 5),
       {0x06, 0x14, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=host_row_bytes value=5"},
      {set_config(ConfigRegister::ActTableRow, 0x123456),
       {0x06, 0x18, 0x56, 0x34, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=act_table_row value=1193046"},
      {set_config(ConfigRegister::VecBRepeat, 49),
       {0x06, 0x19, 0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=vec_b_repeat value=49"},
      {set_config(ConfigRegister::MxuSumShift, 16),
       {0x06, 0x1A, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=mxu_sum_shift value=16"},
      // The lane-group registers 30..35 (0x1E..0x23).
      {set_config(ConfigRegister::MxuGroupBytes, 4),
       {0x06, 0x1E, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=mxu_group_bytes value=4"},
      {set_config(ConfigRegister::MxuFirstGroup, 0x1234),
       {0x06, 0x1F, 0x34, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=mxu_first_group value=4660"},
      {set_config(ConfigRegister::ActGroupBytes, 64),
       {0x06, 0x20, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=act_group_bytes value=64"},
      {set_config(ConfigRegister::ActFirstGroup, 3),
       {0x06, 0x21, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=act_first_group value=3"},
      {set_config(ConfigRegister::PoolSrcGroupBytes, 128),
       {0x06, 0x22, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=pool_src_group_bytes value=128"},
      {set_config(ConfigRegister::HostGroupBytes, 65535),
       {0x06, 0x23, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=host_group_bytes value=65535"},
      // The wide add's registers 36..39 (0x24..0x27): -(2^31-1) is 0x80000001.
      {set_config(ConfigRegister::VecMultiplierA, -0x7FFFFFFF),
       {0x06, 0x24, 0x01, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=vec_multiplier_a value=-2147483647"},
      {set_config(ConfigRegister::VecMultiplierB, 0x12345678),
       {0x06, 0x25, 0x78, 0x56, 0x34, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=vec_multiplier_b value=305419896"},
      {set_config(ConfigRegister::VecWideScales, 1),
       {0x06, 0x26, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=vec_wide_scales value=1"},
      {set_config(ConfigRegister::ActRounding, 1),
       {0x06, 0x27, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
       "set_config reg=act_rounding value=1"},
      {sync(0x05), {0x07, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "sync units=host,matrix"},
      {sync(0x0A), {0x07, 0x0A, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "sync units=weights,activation"},
      {make(Opcode::Halt), {0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "halt"},
      // Convolve: flags ACCUMULATE|SWITCH = 0x03; [2..4] ub 0x123456, [5..6] acc 0xABCD, [7] kr 3,
      // [8] ks 250 = 0xFA, [9..10] p0 0x1234, [11] rows 200 = 0xC8.
      {convolve(0x123456, 0xABCD, 3, 250, 0x1234, 200, true, true),
       {0x09, 0x03, 0x56, 0x34, 0x12, 0xCD, 0xAB, 0x03, 0xFA, 0x34, 0x12, 0xC8},
       "convolve ub=0x123456 acc=0xabcd kr=3 ks=250 p0=4660 rows=200 switch accumulate"},
      // Convolve without flags, field maxima: rows 255 (u8), p0 65535 (u16), kr/ks 255.
      {convolve(0xFFFFFF, 0xFFFF, 255, 255, 0xFFFF, 255, false, false),
       {0x09, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
       "convolve ub=0xffffff acc=0xffff kr=255 ks=255 p0=65535 rows=255"},
      {convolve(0x10, 0x0, 0, 1, 0, 1, false, true),
       {0x09, 0x01, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01},
       "convolve ub=0x10 acc=0x0 kr=0 ks=1 p0=0 rows=1 accumulate"},
      {with_formats(convolve(0x10, 0x0, 0, 1, 0, 1, true, false), true, false),
       {0x09, 0x06, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01},
       "convolve ub=0x10 acc=0x0 kr=0 ks=1 p0=0 rows=1 switch unsigned_a"},
      // Pool average: flags 0x01; [2..4] ub 0x400, [5..7] src 0x010203, [8..9] p0 0xBEEF,
      // [10..11] rows 0x1234.
      {pool(0x400, 0x010203, 0xBEEF, 0x1234, true),
       {0x0A, 0x01, 0x00, 0x04, 0x00, 0x03, 0x02, 0x01, 0xEF, 0xBE, 0x34, 0x12},
       "pool ub=0x400 src=0x10203 p0=48879 rows=4660 average"},
      {pool(0x0, 0xFFFFFF, 0, 0xFFFF, false),
       {0x0A, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0xFF, 0xFF},
       "pool ub=0x0 src=0xffffff p0=0 rows=65535"},
      // Vector multiply, tanh: flags = 3 | 1 << 3 = 0x0B; [2..4] ub 0x500, [5..7] src 0xABCDEF,
      // [8..11] rows 0x01020304.
      {vector(0x500, 0xABCDEF, 0x01020304, VectorOp::Multiply, ActivationFunction::Tanh),
       {0x0B, 0x0B, 0x00, 0x05, 0x00, 0xEF, 0xCD, 0xAB, 0x04, 0x03, 0x02, 0x01},
       "vector ub=0x500 src=0xabcdef rows=16909060 op=multiply fn=tanh"},
      // Vector unary relu: flags = 1 | 2 << 3 = 0x11; add identity: flags 0.
      {vector(0x1, 0x2, 0xFFFFFFFF, VectorOp::Unary, ActivationFunction::Relu),
       {0x0B, 0x11, 0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF},
       "vector ub=0x1 src=0x2 rows=4294967295 op=unary fn=relu"},
      {vector(0x100, 0x80, 49, VectorOp::Add, ActivationFunction::Identity),
       {0x0B, 0x00, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x31, 0x00, 0x00, 0x00},
       "vector ub=0x100 src=0x80 rows=49 op=add fn=identity"},
      // Interrupt_Host: [2..3] host_op little endian (0xBEEF -> EF BE), the rest 0.
      {interrupt_host(0xBEEF), {0x0E, 0, 0xEF, 0xBE, 0, 0, 0, 0, 0, 0, 0, 0}, "interrupt_host id=48879"},
      {interrupt_host(0), {0x0E, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "interrupt_host id=0"},
  };
}

TEST(IsaEncoding, MatrixMultiplyByteImage) {
  // ub_row 0x123456 (3 B), acc_row 0xABCD (2 B), rows 0x01020304 (4 B), ACCUMULATE|SWITCH = 0x03.
  const Bytes expected = {0x04, 0x03, 0x56, 0x34, 0x12, 0xCD, 0xAB, 0x04, 0x03, 0x02, 0x01, 0x00};
  const Instruction in = matmul(0x123456, 0xABCD, 0x01020304, true, true);
  EXPECT_EQ(enc(in), expected);
  EXPECT_EQ(decode(expected.data()), in);
}

TEST(IsaEncoding, HandComputedImagesOfEveryOpcode) {
  bool seen[kOpcodeSpace] = {};
  bool seen_reg[kNumRegisters] = {};
  for (const Golden& g : golden()) {
    SCOPED_TRACE(g.text);
    seen[static_cast<int>(g.in.op)] = true;
    if (g.in.op == Opcode::SetConfig) seen_reg[static_cast<int>(g.in.reg)] = true;
    EXPECT_EQ(enc(g.in), g.bytes);
    EXPECT_EQ(decode(g.bytes.data()), g.in);
    EXPECT_EQ(disassemble(g.in), g.text);
    const std::vector<Instruction> a = assemble(g.text);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0], g.in);
  }
  for (int op : kOpcodes) EXPECT_TRUE(seen[op]) << "opcode " << op << " not covered";
  for (int reg : {0, 1, 2, 3, 4, 7, 9, 11, 12, 14, 15, 18, 19, 20, 24, 25, 30, 31, 32, 33, 34, 35})
    EXPECT_TRUE(seen_reg[reg]) << "register " << reg << " not covered";
}

TEST(IsaEncoding, EncodeOverwritesWholeBuffer) {
  Bytes b;
  b.fill(0xAA);
  encode(make(Opcode::Halt), b.data());
  EXPECT_EQ(b, (Bytes{0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(IsaEncoding, ProgramImageIsConcatenation) {
  std::vector<Instruction> prog;
  std::vector<uint8_t> expected;
  for (const Golden& g : golden()) {
    prog.push_back(g.in);
    expected.insert(expected.end(), g.bytes.begin(), g.bytes.end());
  }
  EXPECT_EQ(encode_program(prog), expected);
  EXPECT_EQ(decode_program(expected), prog);
  EXPECT_TRUE(encode_program({}).empty());
  EXPECT_TRUE(decode_program({}).empty());
}

// ---------------------------------------------------------------------------------------------
// The header's text examples.

TEST(IsaText, HeaderExamplesAreCanonical) {
  const std::string text =
      "nop\n"
      "read_host_memory ub=0x100 host=0x2000 rows=64\n"
      "write_host_memory ub=0x100 host=0x2000 rows=64\n"
      "read_weights dram=0x10000 tiles=4\n"
      "matrix_multiply ub=0x100 acc=0x0 rows=64 switch accumulate\n"
      "activate ub=0x200 acc=0x0 rows=64 fn=relu bias\n"
      "convolve ub=0x0 acc=0x0 kr=1 ks=2 p0=0 rows=8 switch accumulate\n"
      "pool ub=0x400 src=0x0 p0=0 rows=4 average\n"
      "vector ub=0x500 src=0x100 rows=49 op=add fn=relu\n"
      "set_config reg=act_multiplier value=1518500250\n"
      "sync units=host,matrix\n"
      "halt\n";
  const std::vector<Instruction> prog = assemble(text, "examples.s");
  const std::vector<Instruction> expected = {
      make(Opcode::Nop),
      host_io(Opcode::ReadHostMemory, 0x100, 0x2000, 64),
      host_io(Opcode::WriteHostMemory, 0x100, 0x2000, 64),
      read_weights(0x10000, 4),
      matmul(0x100, 0, 64, true, true),
      activate(0x200, 0, 64, ActivationFunction::Relu, true),
      convolve(0, 0, 1, 2, 0, 8, true, true),
      pool(0x400, 0, 0, 4, true),
      vector(0x500, 0x100, 49, VectorOp::Add, ActivationFunction::Relu),
      set_config(ConfigRegister::ActMultiplier, 1518500250),
      sync(0x05),
      make(Opcode::Halt),
  };
  EXPECT_EQ(prog, expected);
  EXPECT_EQ(disassemble_program(prog), text);
}

TEST(IsaText, AssemblerSyntax) {
  const std::string text =
      "# a comment line\n"
      "\n"
      "   \t  \r\n"
      "MATRIX_MULTIPLY Accumulate ROWS=0X10 Acc=0xAbC ub=7   ; trailing comment\r\n"
      "\tactivate fn=SIGMOID acc=1 rows=2 ub=3# comment right after\n"
      "set_config value=-128 reg=ACT_ZERO_POINT\n"
      "set_config reg=act_zero_point value=127\n"
      "set_config reg=act_shift value=0x3e\n"
      "sync units=Activation,HOST\n"
      "read_weights tiles=1 dram=0xffffffffffff\n"
      "Convolve RoWs=3 KS=0x2 kr=1 P0=7 acc=0x10 ub=0x20 Accumulate SWITCH\n"
      "pool AVERAGE rows=2 p0=1 src=0x30 ub=0x40\n"
      "VECTOR fn=Sigmoid OP=Unary rows=5 src=1 ub=2\n"
      "set_config reg=VEC_SCALE_A value=-32768\n"
      "set_config reg=vec_offset_b value=-7\n"
      "set_config reg=Host_Row_Bytes value=0x10\n"
      "halt";  // no final newline
  const std::vector<Instruction> prog = assemble(text);
  const std::vector<Instruction> expected = {
      matmul(7, 0xABC, 16, false, true),
      activate(3, 1, 2, ActivationFunction::Sigmoid, false),
      set_config(ConfigRegister::ActZeroPoint, -128),
      set_config(ConfigRegister::ActZeroPoint, 127),
      set_config(ConfigRegister::ActShift, 62),
      sync(0x09),
      read_weights(0xFFFFFFFFFFFFull, 1),
      convolve(0x20, 0x10, 1, 2, 7, 3, true, true),
      pool(0x40, 0x30, 1, 2, true),
      vector(2, 1, 5, VectorOp::Unary, ActivationFunction::Sigmoid),
      set_config(ConfigRegister::VecScaleA, -32768),
      set_config(ConfigRegister::VecOffsetB, -7),
      set_config(ConfigRegister::HostRowBytes, 16),
      make(Opcode::Halt),
  };
  EXPECT_EQ(prog, expected);
  EXPECT_TRUE(assemble("").empty());
  EXPECT_TRUE(assemble("\n# only comments\n; here\n\n").empty());
}

// ---------------------------------------------------------------------------------------------
// Random round trips.

// Generates random valid instructions, biased toward field extremes.
class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  Instruction operator()(Opcode op) {
    Instruction in = make(op);
    switch (op) {
      case Opcode::ReadHostMemory:
      case Opcode::WriteHostMemory:
        in.ub_row = static_cast<uint32_t>(field(0, (1u << 24) - 1));
        in.host_addr = static_cast<uint32_t>(field(0, 0xFFFFFFFFu));
        in.rows = static_cast<uint32_t>(field(1, (1u << 24) - 1));
        break;
      case Opcode::ReadWeights:
        in.dram_addr = field(0, (uint64_t{1} << 48) - 1);
        in.tiles = static_cast<uint32_t>(field(1, 0xFFFFFFFFu));
        break;
      case Opcode::MatrixMultiply:
      case Opcode::Activate:
        in.ub_row = static_cast<uint32_t>(field(0, (1u << 24) - 1));
        in.acc_row = static_cast<uint32_t>(field(0, 0xFFFF));
        in.rows = static_cast<uint32_t>(field(1, 0xFFFFFFFFu));
        if (op == Opcode::MatrixMultiply) {
          in.accumulate = coin();
          in.switch_weights = coin();
          in.unsigned_a = coin();
          in.unsigned_w = coin();
        } else {
          in.function = static_cast<ActivationFunction>(field(0, 3));
          in.bias = coin();
        }
        break;
      case Opcode::Convolve:
        in.ub_row = static_cast<uint32_t>(field(0, (1u << 24) - 1));
        in.acc_row = static_cast<uint32_t>(field(0, 0xFFFF));
        in.kernel_row = static_cast<uint32_t>(field(0, 255));
        in.kernel_col = static_cast<uint32_t>(field(0, 255));
        in.out_row = static_cast<uint32_t>(field(0, 0xFFFF));
        in.rows = static_cast<uint32_t>(field(1, 255));
        in.accumulate = coin();
        in.switch_weights = coin();
        in.unsigned_a = coin();
        in.unsigned_w = coin();
        break;
      case Opcode::Pool:
        in.ub_row = static_cast<uint32_t>(field(0, (1u << 24) - 1));
        in.src_row = static_cast<uint32_t>(field(0, (1u << 24) - 1));
        in.out_row = static_cast<uint32_t>(field(0, 0xFFFF));
        in.rows = static_cast<uint32_t>(field(1, 0xFFFF));
        in.average = coin();
        break;
      case Opcode::Vector:
        in.ub_row = static_cast<uint32_t>(field(0, (1u << 24) - 1));
        in.src_row = static_cast<uint32_t>(field(0, (1u << 24) - 1));
        in.rows = static_cast<uint32_t>(field(1, 0xFFFFFFFFu));
        in.vec_op = static_cast<VectorOp>(field(0, 2));
        in.function = static_cast<ActivationFunction>(field(0, 3));
        break;
      case Opcode::SetConfig: {
        in.reg = static_cast<ConfigRegister>(field(0, kNumRegisters - 1));
        int64_t lo = 0, hi = 0;  // the ranges of isa.h's ConfigRegister table
        switch (in.reg) {
          case ConfigRegister::ActMultiplier: lo = 0, hi = 0x7FFFFFFF; break;
          case ConfigRegister::ActShift: lo = 0, hi = 62; break;
          case ConfigRegister::ActZeroPoint: lo = -32768, hi = 32767; break;
          case ConfigRegister::ActOutputFormat: lo = 0, hi = 2; break;
          case ConfigRegister::ActInputUnsigned: lo = 0, hi = 3; break;
          case ConfigRegister::ActPlaneRows: lo = 0, hi = (1 << 24) - 1; break;
          case ConfigRegister::ActBiasRow: lo = 0, hi = (1 << 24) - 1; break;
          case ConfigRegister::InputHeight:
          case ConfigRegister::InputWidth:
          case ConfigRegister::OutputHeight:
          case ConfigRegister::OutputWidth: lo = 1, hi = 65535; break;
          case ConfigRegister::StrideH:
          case ConfigRegister::StrideW:
          case ConfigRegister::PoolHeight:
          case ConfigRegister::PoolWidth: lo = 1, hi = 255; break;
          case ConfigRegister::PadTop:
          case ConfigRegister::PadLeft: lo = 0, hi = 255; break;
          case ConfigRegister::MxuSumShift: lo = 0, hi = 24; break;
          case ConfigRegister::VecSourceB:
          case ConfigRegister::ActTableRow:
          case ConfigRegister::VecBRepeat: lo = 0, hi = (1 << 24) - 1; break;
          case ConfigRegister::VecScaleA:
          case ConfigRegister::VecScaleB:
          case ConfigRegister::VecOffsetA:
          case ConfigRegister::VecOffsetB: lo = -32768, hi = 32767; break;
          case ConfigRegister::Tag: lo = 0, hi = 0x7FFFFFFF; break;
          case ConfigRegister::HostRowBytes:
          case ConfigRegister::ActLaneSrc:
          case ConfigRegister::ActLaneDst:
          case ConfigRegister::ActLanes:
          case ConfigRegister::MxuGroupBytes:
          case ConfigRegister::MxuFirstGroup:
          case ConfigRegister::ActGroupBytes:
          case ConfigRegister::ActFirstGroup:
          case ConfigRegister::PoolSrcGroupBytes:
          case ConfigRegister::HostGroupBytes: lo = 0, hi = 65535; break;
          case ConfigRegister::VecMultiplierA:
          case ConfigRegister::VecMultiplierB: lo = -0x7FFFFFFF, hi = 0x7FFFFFFF; break;
          case ConfigRegister::VecWideScales:
          case ConfigRegister::ActRounding: lo = 0, hi = 1; break;
        }
        in.value = static_cast<int32_t>(lo + static_cast<int64_t>(field(0, static_cast<uint64_t>(hi - lo))));
        break;
      }
      case Opcode::Sync: in.unit_mask = static_cast<uint8_t>(field(1, 15)); break;
      case Opcode::InterruptHost: in.host_op = static_cast<uint32_t>(field(0, 0xFFFF)); break;
      case Opcode::Nop:
      case Opcode::Halt: break;
    }
    return in;
  }

 private:
  // Uniform in [lo, hi], but lo or hi a quarter of the time each.
  uint64_t field(uint64_t lo, uint64_t hi) {
    const uint32_t pick = std::uniform_int_distribution<uint32_t>(0, 3)(rng_);
    if (pick == 0) return lo;
    if (pick == 1) return hi;
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng_);
  }
  bool coin() { return std::uniform_int_distribution<int>(0, 1)(rng_) != 0; }

  std::mt19937_64 rng_;
};

constexpr int kRandomPerOpcode = 2000;

TEST(IsaRoundTrip, EncodeDecodeRandom) {
  Generator gen(20240611);
  bool seen_reg[kNumRegisters] = {};
  int negative = 0;
  for (int op : kOpcodes)
    for (int i = 0; i < kRandomPerOpcode; ++i) {
      const Instruction in = gen(static_cast<Opcode>(op));
      if (in.op == Opcode::SetConfig) {
        seen_reg[static_cast<int>(in.reg)] = true;
        negative += in.value < 0;
      }
      const Bytes b = enc(in);
      EXPECT_EQ(b[0], op);
      const Instruction out = decode(b.data());
      ASSERT_EQ(out, in) << disassemble(in);
      ASSERT_EQ(enc(out), b);
    }
  for (int r = 0; r < kNumRegisters; ++r) EXPECT_TRUE(seen_reg[r]) << "register " << r << " never generated";
  EXPECT_GT(negative, 0) << "signed registers should get negative values";
}

TEST(IsaRoundTrip, AssembleDisassembleRandom) {
  Generator gen(7);
  for (int op : kOpcodes)
    for (int i = 0; i < kRandomPerOpcode; ++i) {
      const Instruction in = gen(static_cast<Opcode>(op));
      const std::string text = disassemble(in);
      const std::vector<Instruction> back = assemble(text, "random.s");
      ASSERT_EQ(back.size(), 1u) << text;
      ASSERT_EQ(back[0], in) << text;
      ASSERT_EQ(disassemble(back[0]), text);
    }
}

TEST(IsaRoundTrip, WholeProgramRandom) {
  Generator gen(99);
  std::mt19937 pick(3);
  std::vector<Instruction> prog;
  for (int i = 0; i < 5000; ++i)
    prog.push_back(
        gen(static_cast<Opcode>(kOpcodes[std::uniform_int_distribution<size_t>(0, kOpcodes.size() - 1)(pick)])));
  const std::vector<uint8_t> image = encode_program(prog);
  ASSERT_EQ(image.size(), prog.size() * kInstructionBytes);
  EXPECT_EQ(decode_program(image), prog);
  const std::string text = disassemble_program(prog);
  EXPECT_EQ(assemble(text, "random.s"), prog);
  EXPECT_EQ(disassemble_program(assemble(text)), text);
}

// ---------------------------------------------------------------------------------------------
// Decoder rejections.

Bytes image(std::initializer_list<uint8_t> head) {
  Bytes b{};
  std::size_t i = 0;
  for (uint8_t v : head) b[i++] = v;
  return b;
}

TEST(IsaDecode, RejectsUnknownOpcode) {
  for (int op : {0x0C, 0x0D, 0x10, 0x80, 0xFF}) {
    const std::string msg = decode_error(image({static_cast<uint8_t>(op)}), "instruction 3");
    EXPECT_TRUE(StartsWith(msg, "instruction 3: "));
    EXPECT_TRUE(ContainsAll(msg, {"unknown opcode"}));
  }
}

TEST(IsaDecode, MessageStartsWithWhere) {
  const std::string where = "instruction 17 (byte offset 204)";
  const std::string msg = decode_error(image({0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0}), where);
  EXPECT_TRUE(StartsWith(msg, where + ": matrix_multiply: "));
  EXPECT_TRUE(ContainsAll(msg, {"'rows'"}));
}

TEST(IsaDecode, RejectsUnusedFlagBits) {
  struct Case {
    Bytes b;
    const char* bits;
  };
  const Case cases[] = {
      {image({0x00, 0x01}), "0x1"},
      {image({0x01, 0x80, 0, 0, 0, 0, 0, 0, 0, 1}), "0x80"},
      {image({0x02, 0x10, 0, 0, 0, 0, 0, 0, 0, 1}), "0x10"},
      {image({0x03, 0x02, 0, 0, 0, 0, 0, 0, 1}), "0x2"},
      {image({0x04, 0x10, 0, 0, 0, 0, 0, 1}), "0x10"},  // MatrixMultiply: bits 0-3 only
      {image({0x04, 0xFF, 0, 0, 0, 0, 0, 1}), "0xf0"},
      {image({0x05, 0x10, 0, 0, 0, 0, 0, 1}), "0x10"},
      {image({0x05, 0xF0, 0, 0, 0, 0, 0, 1}), "0xf0"},
      {image({0x08, 0x40}), "0x40"},
      {image({0x09, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}), "0x10"},  // Convolve: bits 0-3 only
      {image({0x09, 0x8F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}), "0x80"},
      {image({0x0A, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 1}), "0x2"},  // Pool: bit 0 only
      {image({0x0A, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 1}), "0xfe"},
      {image({0x0B, 0x20, 0, 0, 0, 0, 0, 0, 1}), "0x20"},  // Vector: bits 0-4 only
      {image({0x0B, 0x2B, 0, 0, 0, 0, 0, 0, 1}), "0x20"},  // bit 5 with op multiply, fn tanh
      {image({0x0B, 0xFF, 0, 0, 0, 0, 0, 0, 1}), "0xe0"},
  };
  for (const Case& c : cases) {
    const std::string msg = decode_error(c.b);
    EXPECT_TRUE(StartsWith(msg, "instruction: "));
    EXPECT_TRUE(ContainsAll(msg, {"flag bits", c.bits}));
  }
}

TEST(IsaDecode, RejectsNonzeroReservedBytes) {
  // (valid image, first reserved byte)
  const std::pair<Bytes, int> cases[] = {
      {image({0x00}), 2},
      {image({0x04, 0x00, 0, 0, 0, 0, 0, 1}), 11},
      {image({0x05, 0x00, 0, 0, 0, 0, 0, 1}), 11},
      {image({0x06, 0x00, 1}), 6},
      {image({0x07, 0x01}), 2},
      {image({0x08}), 2},
      // Convolve, Pool and Vector use every operand byte 2..11 (below): no reserved bytes.
      {image({0x09, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}), 12},
      {image({0x0A, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 1}), 12},
      {image({0x0B, 0x00, 0, 0, 0, 0, 0, 0, 1}), 12},
  };
  for (const auto& [valid, first] : cases) {
    EXPECT_NO_THROW(decode(valid.data()));
    for (int i = first; i < 12; ++i) {
      Bytes b = valid;
      b[i] = 0x20;
      const std::string msg = decode_error(b);
      EXPECT_TRUE(ContainsAll(msg, {"reserved byte", ("byte " + std::to_string(i) + " ").c_str()}))
          << "opcode " << int(b[0]);
    }
  }
}

// Every operand byte 2..11 of Convolve, Pool and Vector is a field: setting any one of them
// decodes (it is not a reserved byte) and changes exactly the field the isa.h table puts there.
TEST(IsaDecode, NewOpcodesUseEveryOperandByte) {
  for (int i = 2; i < 12; ++i) {
    SCOPED_TRACE("byte " + std::to_string(i));
    Bytes c = image({0x09, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    c[i] = 0x20;  // replaces rows = 1 when i == 11
    const Instruction dc = decode(c.data());
    EXPECT_EQ(dc.ub_row, i >= 2 && i <= 4 ? 0x20u << (8 * (i - 2)) : 0u);
    EXPECT_EQ(dc.acc_row, i >= 5 && i <= 6 ? 0x20u << (8 * (i - 5)) : 0u);
    EXPECT_EQ(dc.kernel_row, i == 7 ? 0x20u : 0u);
    EXPECT_EQ(dc.kernel_col, i == 8 ? 0x20u : 0u);
    EXPECT_EQ(dc.out_row, i >= 9 && i <= 10 ? 0x20u << (8 * (i - 9)) : 0u);
    EXPECT_EQ(dc.rows, i == 11 ? 0x20u : 1u);

    Bytes p = image({0x0A, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    p[i] = 0x20;
    const Instruction dp = decode(p.data());
    EXPECT_EQ(dp.ub_row, i >= 2 && i <= 4 ? 0x20u << (8 * (i - 2)) : 0u);
    EXPECT_EQ(dp.src_row, i >= 5 && i <= 7 ? 0x20u << (8 * (i - 5)) : 0u);
    EXPECT_EQ(dp.out_row, i >= 8 && i <= 9 ? 0x20u << (8 * (i - 8)) : 0u);
    EXPECT_EQ(dp.rows, i == 10 ? 0x20u : i == 11 ? 0x2001u : 1u);

    Bytes v = image({0x0B, 0x00, 0, 0, 0, 0, 0, 0, 1});
    v[i] = 0x20;
    const Instruction dv = decode(v.data());
    EXPECT_EQ(dv.ub_row, i >= 2 && i <= 4 ? 0x20u << (8 * (i - 2)) : 0u);
    EXPECT_EQ(dv.src_row, i >= 5 && i <= 7 ? 0x20u << (8 * (i - 5)) : 0u);
    EXPECT_EQ(dv.rows, i == 8 ? 0x20u : i >= 9 ? 1u + (0x20u << (8 * (i - 8))) : 1u);
  }
}

TEST(IsaDecode, RejectsBadVectorOperation) {
  // flags bits 3-4 = 3 is not an operation (0 add, 1 multiply, 2 unary); bits 0-2 = fn.
  for (uint8_t flags : {0x18, 0x19, 0x1B}) {
    const std::string msg = decode_error(image({0x0B, flags, 0, 0, 0, 0, 0, 0, 1}));
    EXPECT_TRUE(ContainsAll(msg, {"vector", "'vec_op'", "3"})) << int(flags);
  }
  for (uint8_t fn = 5; fn < 8; ++fn)  // Vector functions are Activate's: 5..7 are illegal
    EXPECT_TRUE(ContainsAll(decode_error(image({0x0B, static_cast<uint8_t>(0x08 | fn), 0, 0, 0, 0, 0, 0, 1})),
                            {"vector", "'function'", std::to_string(fn).c_str()}));
}

TEST(IsaDecode, RejectsZeroRowsAndTiles) {
  for (int op : {0x01, 0x02, 0x04, 0x05, 0x09, 0x0A, 0x0B})
    EXPECT_TRUE(ContainsAll(decode_error(image({static_cast<uint8_t>(op)})), {"'rows'", ">= 1"})) << op;
  EXPECT_TRUE(ContainsAll(decode_error(image({0x03, 0, 1, 2, 3, 4, 5, 6})), {"'tiles'", ">= 1"}));
}

TEST(IsaDecode, RejectsBadFunction) {
  for (uint8_t fn = 5; fn < 8; ++fn) {  // 0..4: identity, relu, sigmoid, tanh, lookup
    const std::string msg = decode_error(image({0x05, fn, 0, 0, 0, 0, 0, 1}));
    EXPECT_TRUE(ContainsAll(msg, {"activate", "'function'", std::to_string(fn).c_str()}));
  }
  EXPECT_TRUE(ContainsAll(decode_error(image({0x05, 0x0D, 0, 0, 0, 0, 0, 1})), {"'function'"}));  // 5 with BIAS
}

TEST(IsaDecode, RejectsBadRegister) {
  for (int reg : {40, 0x80, 0xFF})
    EXPECT_TRUE(ContainsAll(decode_error(image({0x06, static_cast<uint8_t>(reg)})),
                            {"set_config", "'reg'", std::to_string(reg).c_str(), "not a config register", "0..39"}))
        << reg;
  // Registers 4..39 exist (value 1 is legal for every one of them).
  for (int reg = 4; reg < kNumRegisters; ++reg)
    EXPECT_EQ(static_cast<int>(decode(image({0x06, static_cast<uint8_t>(reg), 1}).data()).reg), reg);
}

TEST(IsaDecode, RejectsBadSyncMask) {
  EXPECT_TRUE(ContainsAll(decode_error(image({0x07, 0x00})), {"sync", "'unit_mask'", "empty"}));
  for (int m : {0x10, 0x1F, 0x80, 0xF0})
    EXPECT_TRUE(ContainsAll(decode_error(image({0x07, static_cast<uint8_t>(m)})), {"sync", "'unit_mask'", "bits"}));
}

TEST(IsaDecode, RejectsOutOfRangeRegisterValues) {
  struct Case {
    Bytes b;
    const char* shown;
  };
  const Case cases[] = {
      {image({0x06, 0x00, 0x00, 0x00, 0x00, 0x80}), "2147483648"},  // multiplier 2^31
      {image({0x06, 0x00, 0xFF, 0xFF, 0xFF, 0xFF}), "4294967295"},
      {image({0x06, 0x01, 63}), "63"},  // shift
      {image({0x06, 0x01, 0x00, 0x01}), "256"},
      {image({0x06, 0x02, 0x00, 0x80}), "32768"},  // zero point -32768..32767
      {image({0x06, 0x02, 0xFF, 0x7F, 0xFF, 0xFF}), "-32769"},
      {image({0x06, 0x1A, 25}), "25"},  // mxu_sum_shift 0..24
      {image({0x06, 0x1B, 3}), "3"},    // act_output_format 0..2
      {image({0x06, 0x1D, 4}), "4"},    // act_input_unsigned 0..3
      {image({0x06, 0x02, 0x00, 0x00, 0x00, 0x80}), "-2147483648"},
      {image({0x06, 0x03, 0x00, 0x00, 0x00, 0x01}), "16777216"},  // bias row 2^24
      {image({0x06, 0x04, 0}), "0"},                              // input_height 1..65535
      {image({0x06, 0x04, 0x00, 0x00, 0x01}), "65536"},
      {image({0x06, 0x07, 0x00, 0x00, 0x00, 0x80}), "2147483648"},   // output_width, unsigned
      {image({0x06, 0x08, 0x00, 0x01}), "256"},                      // stride_h 1..255
      {image({0x06, 0x09, 0}), "0"},                                 // stride_w
      {image({0x06, 0x0A, 0x00, 0x01}), "256"},                      // pad_top 0..255
      {image({0x06, 0x0D, 0}), "0"},                                 // pool_width 1..255
      {image({0x06, 0x0E, 0x00, 0x00, 0x00, 0x01}), "16777216"},     // vec_source_b 2^24
      {image({0x06, 0x0F, 0xFF, 0x7F, 0xFF, 0xFF}), "-32769"},       // vec_scale_a int16
      {image({0x06, 0x10, 0x00, 0x80}), "32768"},                    // vec_scale_b
      {image({0x06, 0x11, 0x00, 0x00, 0x01}), "65536"},              // vec_offset_a
      {image({0x06, 0x12, 0x00, 0x00, 0x00, 0x80}), "-2147483648"},  // vec_offset_b
      {image({0x06, 0x13, 0xFF, 0xFF, 0xFF, 0xFF}), "4294967295"},   // tag: -1 is out of range
      {image({0x06, 0x13, 0x00, 0x00, 0x00, 0x80}), "2147483648"},
      {image({0x06, 0x14, 0x00, 0x00, 0x01}), "65536"},  // host_row_bytes 0..65535
  };
  for (const Case& c : cases)
    EXPECT_TRUE(ContainsAll(decode_error(c.b), {"set_config", "'value'", c.shown, "out of range"}));
  // The limits themselves decode.
  EXPECT_EQ(decode(image({0x06, 0x00, 0xFF, 0xFF, 0xFF, 0x7F}).data()).value, 0x7FFFFFFF);
  EXPECT_EQ(decode(image({0x06, 0x02, 0x80, 0xFF, 0xFF, 0xFF}).data()).value, -128);
  EXPECT_EQ(decode(image({0x06, 0x03, 0xFF, 0xFF, 0xFF}).data()).value, 0xFFFFFF);
  EXPECT_EQ(decode(image({0x06, 0x04, 0x01}).data()).value, 1);
  EXPECT_EQ(decode(image({0x06, 0x05, 0xFF, 0xFF}).data()).value, 65535);
  EXPECT_EQ(decode(image({0x06, 0x08, 0xFF}).data()).value, 255);
  EXPECT_EQ(decode(image({0x06, 0x0A, 0x00}).data()).value, 0);
  EXPECT_EQ(decode(image({0x06, 0x0F, 0x00, 0x80, 0xFF, 0xFF}).data()).value, -32768);
  EXPECT_EQ(decode(image({0x06, 0x10, 0xFF, 0x7F}).data()).value, 32767);
  EXPECT_EQ(decode(image({0x06, 0x11, 0xFF, 0xFF, 0xFF, 0xFF}).data()).value, -1);
  EXPECT_EQ(decode(image({0x06, 0x13, 0xFF, 0xFF, 0xFF, 0x7F}).data()).value, 0x7FFFFFFF);
  EXPECT_EQ(decode(image({0x06, 0x14, 0x00}).data()).value, 0);
}

TEST(IsaDecode, ProgramRejectsPartialInstruction) {
  for (std::size_t size : {1u, 11u, 13u, 23u, 25u}) {
    const std::string msg = isa_error([&] { decode_program(std::vector<uint8_t>(size, 0)); });
    EXPECT_TRUE(ContainsAll(msg, {"decode_program", std::to_string(size).c_str(), "multiple of 12"}));
  }
}

TEST(IsaDecode, ProgramNamesFailingInstruction) {
  std::vector<uint8_t> img = encode_program({make(Opcode::Nop), make(Opcode::Nop), make(Opcode::Halt)});
  img[24 + 5] = 1;
  EXPECT_TRUE(
      StartsWith(isa_error([&] { decode_program(img); }), "instruction 2 (byte offset 24): halt: reserved byte 5"));
}

// ---------------------------------------------------------------------------------------------
// Encoder rejections.

TEST(IsaEncode, RejectsFieldsTooWide) {
  EXPECT_EQ(encode_error(matmul(0, 70000, 1, false, false)),
            "encode: matrix_multiply: field 'acc_row' = 70000 does not fit in 16 bits");
  EXPECT_EQ(encode_error(convolve(0, 0, 0, 0, 0, 256, false, false)),
            "encode: convolve: field 'rows' = 256 does not fit in 8 bits");
  EXPECT_EQ(encode_error(pool(0, 0, 0, 65536, false)), "encode: pool: field 'rows' = 65536 does not fit in 16 bits");
  expect_encode_errors({
      {matmul(1u << 24, 0, 1, false, false), {"encode", "matrix_multiply", "'ub_row'", "24 bits"}},
      {host_io(Opcode::ReadHostMemory, 0, 0, 1u << 24), {"read_host_memory", "'rows'", "24 bits"}},
      {host_io(Opcode::WriteHostMemory, 1u << 24, 0, 1), {"write_host_memory", "'ub_row'"}},
      {read_weights(uint64_t{1} << 48, 1), {"read_weights", "'dram_addr'", "48 bits"}},
      {activate(0, 1u << 16, 1, ActivationFunction::Identity, false), {"activate", "'acc_row'"}},
      // Convolve: rows u8 (above), kernel position u8, out_row u16, acc_row u16, ub_row u24.
      {convolve(0, 0, 256, 0, 0, 1, false, false), {"convolve", "'kernel_row'", "8 bits"}},
      {convolve(0, 0, 0, 256, 0, 1, false, false), {"convolve", "'kernel_col'", "8 bits"}},
      {convolve(0, 0, 0, 0, 65536, 1, false, false), {"convolve", "'out_row'", "16 bits"}},
      {convolve(0, 65536, 0, 0, 0, 1, false, false), {"convolve", "'acc_row'", "16 bits"}},
      {convolve(1u << 24, 0, 0, 0, 0, 1, false, false), {"convolve", "'ub_row'", "24 bits"}},
      // Pool: rows u16 (above), out_row u16, src_row and ub_row u24.
      {pool(0, 0, 65536, 1, true), {"pool", "'out_row'", "16 bits"}},
      {pool(0, 1u << 24, 0, 1, true), {"pool", "'src_row'", "24 bits"}},
      {pool(1u << 24, 0, 0, 1, true), {"pool", "'ub_row'", "24 bits"}},
      // Vector: src_row and ub_row u24 (rows is u32: every value fits).
      {vector(0, 1u << 24, 1, VectorOp::Add, ActivationFunction::Identity), {"vector", "'src_row'", "24 bits"}},
      {vector(1u << 24, 0, 1, VectorOp::Add, ActivationFunction::Identity), {"vector", "'ub_row'", "24 bits"}},
  });
}

TEST(IsaEncode, RejectsIllegalValues) {
  expect_encode_errors({
      {matmul(0, 0, 0, false, false), {"'rows'", ">= 1"}},
      {host_io(Opcode::ReadHostMemory, 0, 0, 0), {"'rows'"}},
      {read_weights(0, 0), {"'tiles'", ">= 1"}},
      {sync(0), {"'unit_mask'", "empty"}},
      {sync(0x10), {"'unit_mask'", "0x10"}},
      {activate(0, 0, 1, static_cast<ActivationFunction>(5), false), {"'function'"}},
      {set_config(static_cast<ConfigRegister>(40), 0), {"'reg'", "40", "not a config register (0..39)"}},
      {set_config(ConfigRegister::MxuGroupBytes, 65536), {"'value'", "0..65535", "mxu_group_bytes"}},
      {set_config(ConfigRegister::ActTableRow, 1 << 24), {"'value'", "0..16777215", "act_table_row"}},
      {set_config(ConfigRegister::VecBRepeat, -1), {"'value'", "0..16777215", "vec_b_repeat"}},
      {set_config(ConfigRegister::ActMultiplier, -1), {"'value'", "-1", "0..2147483647", "act_multiplier"}},
      {set_config(ConfigRegister::ActShift, 63), {"'value'", "0..62"}},
      {set_config(ConfigRegister::ActZeroPoint, 32768), {"'value'", "-32768..32767"}},
      {set_config(ConfigRegister::ActZeroPoint, -32769), {"'value'"}},
      {set_config(ConfigRegister::ActOutputFormat, 3), {"'value'", "0..2", "act_output_format"}},
      {set_config(ConfigRegister::ActInputUnsigned, 4), {"'value'", "0..3", "act_input_unsigned"}},
      {set_config(ConfigRegister::ActPlaneRows, 1 << 24), {"0..16777215", "act_plane_rows"}},
      {set_config(ConfigRegister::ActBiasRow, 1 << 24), {"'value'", "0..16777215"}},
      {make(static_cast<Opcode>(0x0C)), {"unknown opcode 0xc"}},
      // The new opcodes.
      {convolve(0, 0, 0, 0, 0, 0, true, false), {"convolve", "'rows'", ">= 1"}},
      {pool(0, 0, 0, 0, false), {"pool", "'rows'", ">= 1"}},
      {vector(0, 0, 0, VectorOp::Unary, ActivationFunction::Identity), {"vector", "'rows'", ">= 1"}},
      {vector(0, 0, 1, static_cast<VectorOp>(3), ActivationFunction::Identity),
       {"vector", "'vec_op'", "3", "not a vector operation"}},
      {vector(0, 0, 1, VectorOp::Add, static_cast<ActivationFunction>(5)), {"vector", "'function'", "5"}},
      // The new registers' ranges.
      {set_config(ConfigRegister::InputHeight, 0), {"'value'", "= 0 ", "1..65535", "input_height"}},
      {set_config(ConfigRegister::OutputWidth, 65536), {"1..65535", "output_width"}},
      {set_config(ConfigRegister::StrideH, 256), {"'value'", "256", "1..255", "stride_h"}},
      {set_config(ConfigRegister::PoolWidth, 0), {"1..255", "pool_width"}},
      {set_config(ConfigRegister::PadTop, -1), {"0..255", "pad_top"}},
      {set_config(ConfigRegister::PadLeft, 256), {"0..255", "pad_left"}},
      {set_config(ConfigRegister::VecSourceB, 1 << 24), {"0..16777215", "vec_source_b"}},
      {set_config(ConfigRegister::VecScaleA, -32769), {"'value'", "-32769", "-32768..32767", "vec_scale_a"}},
      {set_config(ConfigRegister::VecOffsetB, 32768), {"-32768..32767", "vec_offset_b"}},
      {set_config(ConfigRegister::Tag, -1), {"'value'", "-1", "0..2147483647", "tag"}},
      {set_config(ConfigRegister::HostRowBytes, 65536), {"0..65535", "host_row_bytes"}},
      {set_config(ConfigRegister::MxuSumShift, 25), {"'value'", "25", "0..24", "mxu_sum_shift"}},
      {set_config(ConfigRegister::MxuSumShift, -8), {"0..24", "mxu_sum_shift"}},
      {set_config(ConfigRegister::VecMultiplierA, INT32_MIN),
       {"'value'", "-2147483648", "-2147483647..2147483647", "vec_multiplier_a"}},
      {set_config(ConfigRegister::VecWideScales, 2), {"'value'", "2", "0..1", "vec_wide_scales"}},
      {set_config(ConfigRegister::ActRounding, -1), {"'value'", "-1", "0..1", "act_rounding"}},
  });
  // Their limits encode.
  for (const Instruction& ok : {set_config(ConfigRegister::InputHeight, 1), set_config(ConfigRegister::StrideH, 255),
                                set_config(ConfigRegister::PadTop, 0), set_config(ConfigRegister::VecScaleA, -32768),
                                set_config(ConfigRegister::VecOffsetA, 32767), set_config(ConfigRegister::Tag, 0),
                                set_config(ConfigRegister::HostRowBytes, 65535),
                                convolve(0, 0, 0, 0, 0, 255, false, false), pool(0, 0, 0, 65535, false)})
    EXPECT_NO_THROW(enc(ok)) << disassemble(ok);
}

TEST(IsaEncode, RejectsNonzeroUnusedFields) {
  const Instruction mm = matmul(0, 0, 1, false, false), act = activate(0, 0, 1, ActivationFunction::Relu, false),
                    conv = convolve(0, 0, 0, 0, 0, 1, false, false), pl = pool(0, 0, 0, 1, false),
                    vec = vector(0, 0, 1, VectorOp::Add, ActivationFunction::Identity), halt = make(Opcode::Halt);
  // Each a valid instruction with one field it does not use set.
  expect_encode_errors({
      {with(make(Opcode::Nop), [](Instruction& i) { i.rows = 1; }), {"nop", "'rows'", "not used"}},
      {with(mm, [](Instruction& i) { i.bias = true; }), {"'bias'", "not used"}},
      {with(mm, [](Instruction& i) { i.function = ActivationFunction::Relu; }), {"'function'", "not used"}},
      {with(act, [](Instruction& i) { i.accumulate = true; }), {"'accumulate'"}},
      {with(act, [](Instruction& i) { i.switch_weights = true; }), {"'switch_weights'"}},
      {with(act, [](Instruction& i) { i.unsigned_a = true; }), {"activate", "'unsigned_a'", "not used"}},
      {with(pool(0, 0, 0, 1, false), [](Instruction& i) { i.unsigned_w = true; }), {"pool", "'unsigned_w'"}},
      {with(host_io(Opcode::ReadHostMemory, 0, 0, 1), [](Instruction& i) { i.acc_row = 5; }), {"'acc_row'"}},
      {with(read_weights(0, 1), [](Instruction& i) { i.host_addr = 5; }), {"'host_addr'"}},
      {with(sync(1), [](Instruction& i) { i.reg = ConfigRegister::ActShift; }), {"'reg'"}},
      {with(set_config(ConfigRegister::ActShift, 1), [](Instruction& i) { i.unit_mask = 1; }), {"'unit_mask'"}},
      {with(halt, [](Instruction& i) { i.value = 3; }), {"'value'"}},
      {with(halt, [](Instruction& i) { i.dram_addr = 3; }), {"'dram_addr'"}},
      {with(halt, [](Instruction& i) { i.tiles = 3; }), {"'tiles'"}},
      {with(halt, [](Instruction& i) { i.ub_row = 3; }), {"'ub_row'"}},
      // Fields of the new opcodes on the wrong opcode, and vice versa.
      {with(mm, [](Instruction& i) { i.kernel_row = 1; }), {"matrix_multiply", "'kernel_row'", "not used"}},
      {with(mm, [](Instruction& i) { i.vec_op = VectorOp::Multiply; }), {"matrix_multiply", "'vec_op'", "not used"}},
      {with(act, [](Instruction& i) { i.src_row = 2; }), {"activate", "'src_row'", "not used"}},
      {with(conv, [](Instruction& i) { i.average = true; }), {"convolve", "'average'", "not used"}},
      {with(conv, [](Instruction& i) { i.src_row = 4; }), {"convolve", "'src_row'", "not used"}},
      {with(conv, [](Instruction& i) { i.function = ActivationFunction::Relu; }),
       {"convolve", "'function'", "not used"}},
      {with(pl, [](Instruction& i) { i.acc_row = 1; }), {"pool", "'acc_row'", "not used"}},
      {with(pl, [](Instruction& i) { i.kernel_col = 1; }), {"pool", "'kernel_col'", "not used"}},
      {with(pl, [](Instruction& i) { i.accumulate = true; }), {"pool", "'accumulate'", "not used"}},
      {with(vec, [](Instruction& i) { i.out_row = 1; }), {"vector", "'out_row'", "not used"}},
      {with(vec, [](Instruction& i) { i.bias = true; }), {"vector", "'bias'", "not used"}},
      {with(vec, [](Instruction& i) { i.average = true; }), {"vector", "'average'", "not used"}},
  });
}

TEST(IsaEncode, ProgramNamesFailingInstruction) {
  const std::string msg = isa_error([] { encode_program({make(Opcode::Nop), read_weights(0, 0)}); });
  EXPECT_TRUE(StartsWith(msg, "encode_program: instruction 1: read_weights: "));
  EXPECT_TRUE(ContainsAll(msg, {"'tiles'"}));
}

TEST(IsaEncode, DisassembleRejectsInvalid) {
  EXPECT_TRUE(ContainsAll(isa_error([] { disassemble(sync(0)); }), {"disassemble", "'unit_mask'"}));
}

// ---------------------------------------------------------------------------------------------
// Assembler rejections.

TEST(IsaAssemble, ExampleMessageExactly) {
  const std::string text =
      "nop\n# comment\n\nhalt\nsync units=host\n; another\n"
      "matrix_multiply ub=0 acc=70000 rows=1\n";
  EXPECT_EQ(asm_error(text), "prog.s:7: matrix_multiply: operand 'acc' = 70000 does not fit in 16 bits");
}

TEST(IsaAssemble, RejectsUnknownMnemonic) {
  expect_asm_errors({
      {"nop\nmatmul ub=0 acc=0 rows=1\n", {"prog.s:2:", "'matmul'", "mnemonic"}},
      {"ub=0\n", {"prog.s:1:", "mnemonic"}},
  });
}

TEST(IsaAssemble, RejectsUnknownOperand) {
  expect_asm_errors({
      {"matrix_multiply ub=0 acc=0 rows=1 tiles=3", {"prog.s:1:", "unknown operand 'tiles'"}},
      {"\nmatrix_multiply ub=0 acc=0 rows=1 bias", {"prog.s:2:", "unknown operand 'bias'"}},
      {"halt now", {"prog.s:1:", "halt", "unknown operand 'now'"}},  // trailing garbage
      {"nop =", {"prog.s:1:", "unknown operand"}},
      {"read_weights dram=0 tiles=1 extra=5", {"unknown operand 'extra'"}},
  });
}

TEST(IsaAssemble, RejectsMissingOperand) {
  expect_asm_errors({
      {"read_host_memory ub=0 rows=1", {"prog.s:1:", "missing operand 'host'"}},
      {"set_config reg=act_shift", {"missing operand 'value'"}},
      {"set_config value=1", {"missing operand 'reg'"}},
      {"sync", {"missing operand 'units'"}},
      {"read_weights dram=0", {"missing operand 'tiles'"}},
      {"read_weights dram=0 tiles", {"operand 'tiles'", "needs a value"}},
      {"read_weights dram=0 tiles=", {"operand 'tiles'", "needs a value"}},
      {"convolve ub=0 acc=0 ks=0 p0=0 rows=1", {"missing operand 'kr'"}},
      {"convolve ub=0 acc=0 kr=0 ks=0 rows=1", {"missing operand 'p0'"}},
      {"pool ub=0 p0=0 rows=1", {"pool", "missing operand 'src'"}},
  });
}

// docs/isa.md's text form: Activate's and Vector's `fn` default to identity and Vector's `op` to
// add. The bytes are written out from the encoding table (opcode, flags bits 0-2 function and 3-4
// operation all 0, then ub u24, acc u16 or src u24, rows u32), not taken from the encoder.
TEST(IsaAssemble, OptionalOperandsTakeTheDocumentedDefaults) {
  const std::vector<Instruction> prog = assemble(
      "activate ub=0x200 acc=0x7 rows=64\n"
      "activate ub=0x200 acc=0x7 rows=64 bias\n"
      "vector ub=0x100 src=0x80 rows=49\n"
      "vector ub=0x100 src=0x80 rows=49 fn=relu\n"
      "vector ub=0x100 src=0x80 rows=49 op=multiply\n",
      "prog.s");
  ASSERT_EQ(prog.size(), 5u);
  const std::vector<Bytes> bytes = {
      {0x05, 0x00, 0x00, 0x02, 0x00, 0x07, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00},
      {0x05, 0x08, 0x00, 0x02, 0x00, 0x07, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00},  // BIAS 0x08
      {0x0B, 0x00, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x31, 0x00, 0x00, 0x00},
      {0x0B, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x31, 0x00, 0x00, 0x00},  // relu 1, add 0
      {0x0B, 0x08, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x31, 0x00, 0x00, 0x00},  // identity 0, multiply 1 << 3
  };
  for (size_t i = 0; i < prog.size(); ++i) EXPECT_EQ(enc(prog[i]), bytes[i]) << "line " << i + 1;
}

TEST(IsaAssemble, RejectsDuplicateOperand) {
  expect_asm_errors({
      {"read_weights dram=0 tiles=1 DRAM=4", {"prog.s:1:", "duplicate operand 'dram'"}},
      {"matrix_multiply ub=0 acc=0 rows=1 switch switch", {"duplicate operand 'switch'"}},
      {"sync units=host,host", {"'units'", "duplicate unit 'host'"}},
  });
}

TEST(IsaAssemble, RejectsBadNumbers) {
  for (const char* v : {"abc", "0x", "12x", "0xg", "1.5", "+4", "-5", "0b101", "--1"}) {
    const std::string msg = asm_error(std::string("nop\nread_weights dram=0 tiles=") + v);
    EXPECT_TRUE(ContainsAll(msg, {"prog.s:2:", "read_weights", "operand 'tiles'", "not a number"})) << v;
  }
  expect_asm_errors({
      {"set_config reg=act_zero_point value=-0x80", {"'value'", "not a number"}},
      {"set_config reg=act_zero_point value=-", {"'value'", "not a number"}},
      // Negative values only for registers whose range is signed.
      {"set_config reg=act_shift value=-1", {"'value'", "act_shift", "negative"}},
      {"set_config reg=tag value=-1", {"'value'", "tag", "negative"}},
      {"set_config reg=pad_top value=-1", {"'value'", "pad_top", "negative"}},
      {"set_config reg=host_row_bytes value=-5", {"host_row_bytes", "negative"}},
      {"set_config reg=vec_scale_a value=-0x10", {"'value'", "not a number"}},
  });
  for (const char* reg : {"vec_scale_a", "vec_scale_b", "vec_offset_a", "vec_offset_b"}) {
    const std::vector<Instruction> p = assemble(std::string("set_config reg=") + reg + " value=-32768");
    ASSERT_EQ(p.size(), 1u) << reg;
    EXPECT_EQ(p[0].value, -32768) << reg;
  }
  EXPECT_TRUE(ContainsAll(asm_error("matrix_multiply ub=0 acc=0 rows=1 switch=1"), {"flag 'switch'", "no value"}));
}

TEST(IsaAssemble, RejectsValuesTooWide) {
  expect_asm_errors({
      {"read_host_memory ub=0x1000000 host=0 rows=1", {"prog.s:1:", "operand 'ub'", "24 bits"}},
      {"read_host_memory ub=0 host=0x100000000 rows=1", {"operand 'host'", "32 bits"}},
      {"read_host_memory ub=0 host=0 rows=16777216", {"operand 'rows'", "24 bits"}},
      {"matrix_multiply ub=0 acc=0 rows=4294967296", {"operand 'rows'", "32 bits"}},
      {"read_weights dram=0x1000000000000 tiles=1", {"operand 'dram'", "48 bits"}},
      {"read_weights dram=0 tiles=99999999999999999999999", {"operand 'tiles'", "32 bits"}},
      {"set_config reg=act_zero_point value=32768", {"'value'", "-32768..32767"}},
      {"set_config reg=act_zero_point value=-32769", {"'value'", "-32769"}},
      {"set_config reg=act_multiplier value=0x80000000", {"'value'", "0..2147483647"}},
      {"set_config reg=act_shift value=63", {"'value'", "0..62"}},
      {"set_config reg=act_bias_row value=16777216", {"'value'", "0..16777215"}},
      {"set_config reg=act_bias_row value=99999999999999999999", {"'value'", "out of range"}},
      {"convolve ub=0 acc=0 kr=0 ks=0 p0=0 rows=256", {"convolve", "operand 'rows'", "8 bits"}},
      {"convolve ub=0 acc=0 kr=256 ks=0 p0=0 rows=1", {"operand 'kr'", "8 bits"}},
      {"convolve ub=0 acc=0 kr=0 ks=0 p0=65536 rows=1", {"operand 'p0'", "16 bits"}},
      {"pool ub=0 src=0 p0=0 rows=65536", {"pool", "operand 'rows'", "16 bits"}},
      {"pool ub=0 src=0x1000000 p0=0 rows=1", {"operand 'src'", "24 bits"}},
      {"vector ub=0 src=0 rows=4294967296 op=add fn=relu", {"operand 'rows'", "32 bits"}},
      {"set_config reg=input_height value=0", {"'value'", "1..65535", "input_height"}},
      {"set_config reg=stride_h value=256", {"'value'", "256", "1..255", "stride_h"}},
      {"set_config reg=vec_scale_a value=-32769", {"'value'", "-32769", "-32768..32767", "vec_scale_a"}},
      {"set_config reg=vec_offset_b value=32768", {"'value'", "-32768..32767"}},
      {"set_config reg=tag value=0x80000000", {"'value'", "0..2147483647", "tag"}},
      {"set_config reg=host_row_bytes value=65536", {"'value'", "0..65535"}},
  });
}

TEST(IsaAssemble, RejectsIllegalValues) {
  expect_asm_errors({
      {"matrix_multiply ub=0 acc=0 rows=0", {"prog.s:1:", "operand 'rows'", ">= 1"}},
      {"read_weights dram=0 tiles=0", {"operand 'tiles'", ">= 1"}},
      {"activate ub=0 acc=0 rows=1 fn=gelu", {"operand 'fn'", "'gelu'"}},
      {"set_config reg=act_scale value=1", {"operand 'reg'", "'act_scale'"}},
      {"sync units=host,dma", {"'units'", "unknown unit 'dma'"}},
      {"sync units=host,", {"'units'", "unknown unit ''"}},
      {"convolve ub=0 acc=0 kr=0 ks=0 p0=0 rows=0", {"prog.s:1:", "operand 'rows'", ">= 1"}},
      {"pool ub=0 src=0 p0=0 rows=0 average", {"pool", "operand 'rows'", ">= 1"}},
      {"vector ub=0 src=0 rows=1 op=bogus fn=relu", {"prog.s:1:", "vector", "operand 'op'", "'bogus'"}},
      {"vector ub=0 src=0 rows=1 op=add fn=gelu", {"operand 'fn'", "'gelu'"}},
      {"pool ub=0 src=0 p0=0 rows=1 accumulate", {"unknown operand 'accumulate'"}},
      {"convolve ub=0 acc=0 kr=0 ks=0 p0=0 rows=1 average", {"unknown operand 'average'"}},
      {"vector ub=0 src=0 rows=1 op=add fn=relu bias", {"unknown operand 'bias'"}},
      {"set_config reg=input_heigth value=1", {"operand 'reg'", "'input_heigth'"}},
  });
}

// ---------------------------------------------------------------------------------------------
// Small helpers.

TEST(IsaMisc, UnitOf) {
  Unit u = Unit::Activation;
  EXPECT_TRUE(unit_of(Opcode::ReadHostMemory, &u));
  EXPECT_EQ(u, Unit::Host);
  EXPECT_TRUE(unit_of(Opcode::WriteHostMemory, &u));
  EXPECT_EQ(u, Unit::Host);
  EXPECT_TRUE(unit_of(Opcode::ReadWeights, &u));
  EXPECT_EQ(u, Unit::Weights);
  EXPECT_TRUE(unit_of(Opcode::MatrixMultiply, &u));
  EXPECT_EQ(u, Unit::Matrix);
  EXPECT_TRUE(unit_of(Opcode::Activate, &u));
  EXPECT_EQ(u, Unit::Activation);
  EXPECT_TRUE(unit_of(Opcode::Convolve, &u));
  EXPECT_EQ(u, Unit::Matrix);
  EXPECT_TRUE(unit_of(Opcode::Pool, &u));
  EXPECT_EQ(u, Unit::Activation);
  u = Unit::Host;
  EXPECT_TRUE(unit_of(Opcode::Vector, &u));
  EXPECT_EQ(u, Unit::Activation);
  for (Opcode op : {Opcode::Nop, Opcode::SetConfig, Opcode::Sync, Opcode::Halt})
    EXPECT_FALSE(unit_of(op, &u)) << mnemonic(op);
}

TEST(IsaMisc, Mnemonics) {
  const char* expected[] = {"nop",
                            "read_host_memory",
                            "write_host_memory",
                            "read_weights",
                            "matrix_multiply",
                            "activate",
                            "set_config",
                            "sync",
                            "halt",
                            "convolve",
                            "pool",
                            "vector"};
  for (int op = 0; op <= 0x0B; ++op) EXPECT_STREQ(mnemonic(static_cast<Opcode>(op)), expected[op]);
  EXPECT_STREQ(mnemonic(Opcode::InterruptHost), "interrupt_host");
}

TEST(IsaMisc, EqualityComparesEveryField) {
  const Instruction base;
  std::vector<std::function<void(Instruction&)>> edits = {
      [](Instruction& i) { i.op = Opcode::Halt; },
      [](Instruction& i) { i.ub_row = 1; },
      [](Instruction& i) { i.acc_row = 1; },
      [](Instruction& i) { i.rows = 1; },
      [](Instruction& i) { i.host_addr = 1; },
      [](Instruction& i) { i.dram_addr = 1; },
      [](Instruction& i) { i.tiles = 1; },
      [](Instruction& i) { i.accumulate = true; },
      [](Instruction& i) { i.switch_weights = true; },
      [](Instruction& i) { i.bias = true; },
      [](Instruction& i) { i.function = ActivationFunction::Tanh; },
      [](Instruction& i) { i.reg = ConfigRegister::ActShift; },
      [](Instruction& i) { i.value = -1; },
      [](Instruction& i) { i.unit_mask = 1; },
      [](Instruction& i) { i.src_row = 1; },
      [](Instruction& i) { i.out_row = 1; },
      [](Instruction& i) { i.kernel_row = 1; },
      [](Instruction& i) { i.kernel_col = 1; },
      [](Instruction& i) { i.average = true; },
      [](Instruction& i) { i.vec_op = VectorOp::Unary; },
      [](Instruction& i) { i.unsigned_a = true; },
      [](Instruction& i) { i.unsigned_w = true; },
  };
  for (std::size_t k = 0; k < edits.size(); ++k) {
    Instruction other = base;
    edits[k](other);
    EXPECT_FALSE(other == base) << "edit " << k;
    EXPECT_TRUE(other != base) << "edit " << k;
  }
  EXPECT_TRUE(Instruction{} == base);
}

// ---------------------------------------------------------------------------------------------
// Interrupt_Host (0x0E): its bad fields in every form.

TEST(IsaInterruptHost, DecoderRejectsFlagsAndReservedBytes) {
  EXPECT_TRUE(ContainsAll(decode_error(image({0x0E, 0x01, 0x01, 0x00})), {"interrupt_host", "unused flag bits"}));
  for (uint8_t byte = 4; byte < kInstructionBytes; ++byte) {
    Bytes b = image({0x0E, 0x00, 0x01, 0x00});
    b[byte] = 0x01;
    EXPECT_TRUE(ContainsAll(decode_error(b), {"interrupt_host", "reserved byte " + std::to_string(byte)})) << int(byte);
  }
}

TEST(IsaInterruptHost, EncoderRejectsWideIdAndForeignFields) {
  EXPECT_TRUE(ContainsAll(encode_error(interrupt_host(0x10000)), {"interrupt_host", "'host_op'", "16 bits"}));
  Instruction in = interrupt_host(1);
  in.rows = 3;
  EXPECT_TRUE(ContainsAll(encode_error(in), {"interrupt_host", "'rows'", "not used"}));
  Instruction halt = make(Opcode::Halt);
  halt.host_op = 2;
  EXPECT_TRUE(ContainsAll(encode_error(halt), {"halt", "'host_op'", "not used"}));
}

TEST(IsaInterruptHost, AssemblerRejectsBadOperands) {
  EXPECT_TRUE(ContainsAll(asm_error("interrupt_host"), {"interrupt_host", "missing operand 'id'"}));
  EXPECT_TRUE(ContainsAll(asm_error("interrupt_host id=65536"), {"operand 'id'", "16 bits"}));
  EXPECT_TRUE(ContainsAll(asm_error("interrupt_host id=1 rows=2"), {"unknown operand 'rows'"}));
  EXPECT_TRUE(ContainsAll(asm_error("halt id=1"), {"halt", "unknown operand 'id'"}));
  EXPECT_EQ(assemble("INTERRUPT_HOST ID=0x10")[0], interrupt_host(16));
}

TEST(IsaInterruptHost, RunsInTheSequencer) {
  Unit u;
  EXPECT_FALSE(unit_of(Opcode::InterruptHost, &u));
}

}  // namespace
}  // namespace tpu
