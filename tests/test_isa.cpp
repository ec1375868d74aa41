// Tests of the instruction encoding, decoder, assembler and disassembler (model/isa.h).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <systemc>

#include "isa.h"

namespace tpu {
namespace {

using Bytes = std::array<uint8_t, kInstructionBytes>;

// Runs `f` and returns the message of the sc_report it raises ("<no error>" if none).
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const sc_core::sc_report& r) {
    EXPECT_STREQ(r.get_msg_type(), "tpu/isa");
    return r.get_msg();
  }
  return "<no error>";
}

// Asserts that `msg` contains every string of `parts`.
testing::AssertionResult mentions(const std::string& msg, std::initializer_list<const char*> parts) {
  for (const char* p : parts)
    if (msg.find(p) == std::string::npos)
      return testing::AssertionFailure() << "message \"" << msg << "\" lacks \"" << p << "\"";
  return testing::AssertionSuccess();
}

// Asserts that `msg` starts with `prefix`.
testing::AssertionResult starts_with(const std::string& msg, const std::string& prefix) {
  if (msg.compare(0, prefix.size(), prefix) == 0) return testing::AssertionSuccess();
  return testing::AssertionFailure() << "message \"" << msg << "\" does not start with \"" << prefix
                                     << "\"";
}

// encode() into a std::array.
Bytes enc(const Instruction& in) {
  Bytes b{};
  encode(in, b.data());
  return b;
}

// Error message of decoding `b`.
std::string decode_error(const Bytes& b, const std::string& where = "instruction") {
  return error_of([&] { decode(b.data(), where); });
}

// Error message of encoding `in`.
std::string encode_error(const Instruction& in) {
  return error_of([&] { enc(in); });
}

// Error message of assembling `text` as "prog.s".
std::string asm_error(const std::string& text) {
  return error_of([&] { assemble(text, "prog.s"); });
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
      {activate(0x200, 0x7, 64, ActivationFunction::Tanh, true),
       {0x05, 0x0B, 0x00, 0x02, 0x00, 0x07, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00},
       "activate ub=0x200 acc=0x7 rows=64 fn=tanh bias"},
      {activate(0x1, 0xFFFF, 0xFFFFFFFF, ActivationFunction::Sigmoid, false),
       {0x05, 0x02, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00},
       "activate ub=0x1 acc=0xffff rows=4294967295 fn=sigmoid"},
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
      {sync(0x05), {0x07, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "sync units=host,matrix"},
      {sync(0x0A), {0x07, 0x0A, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "sync units=weights,activation"},
      {make(Opcode::Halt), {0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "halt"},
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
  bool seen[9] = {};
  for (const Golden& g : golden()) {
    SCOPED_TRACE(g.text);
    seen[static_cast<int>(g.in.op)] = true;
    EXPECT_EQ(enc(g.in), g.bytes);
    EXPECT_EQ(decode(g.bytes.data()), g.in);
    EXPECT_EQ(disassemble(g.in), g.text);
    const std::vector<Instruction> a = assemble(g.text);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0], g.in);
  }
  for (int op = 0; op < 9; ++op) EXPECT_TRUE(seen[op]) << "opcode " << op << " not covered";
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
        } else {
          in.function = static_cast<ActivationFunction>(field(0, 3));
          in.bias = coin();
        }
        break;
      case Opcode::SetConfig:
        in.reg = static_cast<ConfigRegister>(field(0, 3));
        switch (in.reg) {
          case ConfigRegister::ActMultiplier: in.value = static_cast<int32_t>(field(0, 0x7FFFFFFF)); break;
          case ConfigRegister::ActShift: in.value = static_cast<int32_t>(field(0, 62)); break;
          case ConfigRegister::ActZeroPoint: in.value = static_cast<int32_t>(field(0, 255)) - 128; break;
          case ConfigRegister::ActBiasRow: in.value = static_cast<int32_t>(field(0, (1u << 24) - 1)); break;
        }
        break;
      case Opcode::Sync: in.unit_mask = static_cast<uint8_t>(field(1, 15)); break;
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
  for (int op = 0; op < 9; ++op)
    for (int i = 0; i < kRandomPerOpcode; ++i) {
      const Instruction in = gen(static_cast<Opcode>(op));
      const Bytes b = enc(in);
      EXPECT_EQ(b[0], op);
      const Instruction out = decode(b.data());
      ASSERT_EQ(out, in) << disassemble(in);
      ASSERT_EQ(enc(out), b);
    }
}

TEST(IsaRoundTrip, AssembleDisassembleRandom) {
  Generator gen(7);
  for (int op = 0; op < 9; ++op)
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
    prog.push_back(gen(static_cast<Opcode>(std::uniform_int_distribution<int>(0, 8)(pick))));
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
  for (int op : {0x09, 0x10, 0x80, 0xFF}) {
    const std::string msg = decode_error(image({static_cast<uint8_t>(op)}), "instruction 3");
    EXPECT_TRUE(starts_with(msg, "instruction 3: "));
    EXPECT_TRUE(mentions(msg, {"unknown opcode"}));
  }
}

TEST(IsaDecode, MessageStartsWithWhere) {
  const std::string where = "instruction 17 (byte offset 204)";
  const std::string msg = decode_error(image({0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0}), where);
  EXPECT_TRUE(starts_with(msg, where + ": matrix_multiply: "));
  EXPECT_TRUE(mentions(msg, {"'rows'"}));
}

TEST(IsaDecode, RejectsUnusedFlagBits) {
  struct Case { Bytes b; const char* bits; };
  const Case cases[] = {
      {image({0x00, 0x01}), "0x1"},
      {image({0x01, 0x80, 0, 0, 0, 0, 0, 0, 0, 1}), "0x80"},
      {image({0x02, 0x10, 0, 0, 0, 0, 0, 0, 0, 1}), "0x10"},
      {image({0x03, 0x02, 0, 0, 0, 0, 0, 0, 1}), "0x2"},
      {image({0x04, 0x04, 0, 0, 0, 0, 0, 1}), "0x4"},
      {image({0x04, 0xFF, 0, 0, 0, 0, 0, 1}), "0xfc"},
      {image({0x05, 0x10, 0, 0, 0, 0, 0, 1}), "0x10"},
      {image({0x05, 0xF0, 0, 0, 0, 0, 0, 1}), "0xf0"},
      {image({0x08, 0x40}), "0x40"},
  };
  for (const Case& c : cases) {
    const std::string msg = decode_error(c.b);
    EXPECT_TRUE(starts_with(msg, "instruction: "));
    EXPECT_TRUE(mentions(msg, {"flag bits", c.bits}));
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
  };
  for (const auto& [valid, first] : cases) {
    EXPECT_NO_THROW(decode(valid.data()));
    for (int i = first; i < 12; ++i) {
      Bytes b = valid;
      b[i] = 0x20;
      const std::string msg = decode_error(b);
      EXPECT_TRUE(mentions(msg, {"reserved byte", ("byte " + std::to_string(i) + " ").c_str()}))
          << "opcode " << int(b[0]);
    }
  }
}

TEST(IsaDecode, RejectsZeroRowsAndTiles) {
  for (int op : {0x01, 0x02, 0x04, 0x05})
    EXPECT_TRUE(mentions(decode_error(image({static_cast<uint8_t>(op)})), {"'rows'", ">= 1"})) << op;
  EXPECT_TRUE(mentions(decode_error(image({0x03, 0, 1, 2, 3, 4, 5, 6})), {"'tiles'", ">= 1"}));
}

TEST(IsaDecode, RejectsBadFunction) {
  for (uint8_t fn = 4; fn < 8; ++fn) {
    const std::string msg = decode_error(image({0x05, fn, 0, 0, 0, 0, 0, 1}));
    EXPECT_TRUE(mentions(msg, {"activate", "'function'", std::to_string(fn).c_str()}));
  }
  EXPECT_TRUE(mentions(decode_error(image({0x05, 0x0C, 0, 0, 0, 0, 0, 1})), {"'function'"}));
}

TEST(IsaDecode, RejectsBadRegister) {
  for (int reg : {4, 5, 0x80, 0xFF})
    EXPECT_TRUE(mentions(decode_error(image({0x06, static_cast<uint8_t>(reg)})), {"set_config", "'reg'"}))
        << reg;
}

TEST(IsaDecode, RejectsBadSyncMask) {
  EXPECT_TRUE(mentions(decode_error(image({0x07, 0x00})), {"sync", "'unit_mask'", "empty"}));
  for (int m : {0x10, 0x1F, 0x80, 0xF0})
    EXPECT_TRUE(mentions(decode_error(image({0x07, static_cast<uint8_t>(m)})), {"sync", "'unit_mask'", "bits"}));
}

TEST(IsaDecode, RejectsOutOfRangeRegisterValues) {
  struct Case { Bytes b; const char* shown; };
  const Case cases[] = {
      {image({0x06, 0x00, 0x00, 0x00, 0x00, 0x80}), "2147483648"},  // multiplier 2^31
      {image({0x06, 0x00, 0xFF, 0xFF, 0xFF, 0xFF}), "4294967295"},
      {image({0x06, 0x01, 63}), "63"},                               // shift
      {image({0x06, 0x01, 0x00, 0x01}), "256"},
      {image({0x06, 0x02, 128}), "128"},                             // zero point
      {image({0x06, 0x02, 0x7F, 0xFF, 0xFF, 0xFF}), "-129"},
      {image({0x06, 0x02, 0x00, 0x00, 0x00, 0x80}), "-2147483648"},
      {image({0x06, 0x03, 0x00, 0x00, 0x00, 0x01}), "16777216"},     // bias row 2^24
  };
  for (const Case& c : cases)
    EXPECT_TRUE(mentions(decode_error(c.b), {"set_config", "'value'", c.shown, "out of range"}));
  // The limits themselves decode.
  EXPECT_EQ(decode(image({0x06, 0x00, 0xFF, 0xFF, 0xFF, 0x7F}).data()).value, 0x7FFFFFFF);
  EXPECT_EQ(decode(image({0x06, 0x02, 0x80, 0xFF, 0xFF, 0xFF}).data()).value, -128);
  EXPECT_EQ(decode(image({0x06, 0x03, 0xFF, 0xFF, 0xFF}).data()).value, 0xFFFFFF);
}

TEST(IsaDecode, ProgramRejectsPartialInstruction) {
  for (std::size_t size : {1u, 11u, 13u, 23u, 25u}) {
    const std::string msg = error_of([&] { decode_program(std::vector<uint8_t>(size, 0)); });
    EXPECT_TRUE(mentions(msg, {"decode_program", std::to_string(size).c_str(), "multiple of 12"}));
  }
}

TEST(IsaDecode, ProgramNamesFailingInstruction) {
  std::vector<uint8_t> img = encode_program({make(Opcode::Nop), make(Opcode::Nop), make(Opcode::Halt)});
  img[24 + 5] = 1;
  EXPECT_TRUE(starts_with(error_of([&] { decode_program(img); }),
                          "instruction 2 (byte offset 24): halt: reserved byte 5"));
}

// ---------------------------------------------------------------------------------------------
// Encoder rejections.

TEST(IsaEncode, RejectsFieldsTooWide) {
  Instruction in = matmul(1u << 24, 0, 1, false, false);
  EXPECT_TRUE(mentions(encode_error(in), {"encode", "matrix_multiply", "'ub_row'", "24 bits"}));
  in = matmul(0, 70000, 1, false, false);
  EXPECT_EQ(encode_error(in), "encode: matrix_multiply: field 'acc_row' = 70000 does not fit in 16 bits");
  in = host_io(Opcode::ReadHostMemory, 0, 0, 1u << 24);
  EXPECT_TRUE(mentions(encode_error(in), {"read_host_memory", "'rows'", "24 bits"}));
  in = host_io(Opcode::WriteHostMemory, 1u << 24, 0, 1);
  EXPECT_TRUE(mentions(encode_error(in), {"write_host_memory", "'ub_row'"}));
  in = read_weights(uint64_t{1} << 48, 1);
  EXPECT_TRUE(mentions(encode_error(in), {"read_weights", "'dram_addr'", "48 bits"}));
  in = activate(0, 1u << 16, 1, ActivationFunction::Identity, false);
  EXPECT_TRUE(mentions(encode_error(in), {"activate", "'acc_row'"}));
}

TEST(IsaEncode, RejectsIllegalValues) {
  EXPECT_TRUE(mentions(encode_error(matmul(0, 0, 0, false, false)), {"'rows'", ">= 1"}));
  EXPECT_TRUE(mentions(encode_error(host_io(Opcode::ReadHostMemory, 0, 0, 0)), {"'rows'"}));
  EXPECT_TRUE(mentions(encode_error(read_weights(0, 0)), {"'tiles'", ">= 1"}));
  EXPECT_TRUE(mentions(encode_error(sync(0)), {"'unit_mask'", "empty"}));
  EXPECT_TRUE(mentions(encode_error(sync(0x10)), {"'unit_mask'", "0x10"}));
  EXPECT_TRUE(mentions(encode_error(activate(0, 0, 1, static_cast<ActivationFunction>(4), false)),
                       {"'function'"}));
  EXPECT_TRUE(mentions(encode_error(set_config(static_cast<ConfigRegister>(4), 0)), {"'reg'"}));
  EXPECT_TRUE(mentions(encode_error(set_config(ConfigRegister::ActMultiplier, -1)),
                       {"'value'", "-1", "0..2147483647", "act_multiplier"}));
  EXPECT_TRUE(mentions(encode_error(set_config(ConfigRegister::ActShift, 63)), {"'value'", "0..62"}));
  EXPECT_TRUE(mentions(encode_error(set_config(ConfigRegister::ActZeroPoint, 128)),
                       {"'value'", "-128..127"}));
  EXPECT_TRUE(mentions(encode_error(set_config(ConfigRegister::ActZeroPoint, -129)), {"'value'"}));
  EXPECT_TRUE(mentions(encode_error(set_config(ConfigRegister::ActBiasRow, 1 << 24)),
                       {"'value'", "0..16777215"}));
  EXPECT_TRUE(mentions(encode_error(make(static_cast<Opcode>(9))), {"unknown opcode 0x9"}));
}

TEST(IsaEncode, RejectsNonzeroUnusedFields) {
  Instruction in = make(Opcode::Nop);
  in.rows = 1;
  EXPECT_TRUE(mentions(encode_error(in), {"nop", "'rows'", "not used"}));
  in = matmul(0, 0, 1, false, false);
  in.bias = true;
  EXPECT_TRUE(mentions(encode_error(in), {"'bias'", "not used"}));
  in = matmul(0, 0, 1, false, false);
  in.function = ActivationFunction::Relu;
  EXPECT_TRUE(mentions(encode_error(in), {"'function'", "not used"}));
  in = activate(0, 0, 1, ActivationFunction::Relu, false);
  in.accumulate = true;
  EXPECT_TRUE(mentions(encode_error(in), {"'accumulate'"}));
  in = activate(0, 0, 1, ActivationFunction::Relu, false);
  in.switch_weights = true;
  EXPECT_TRUE(mentions(encode_error(in), {"'switch_weights'"}));
  in = host_io(Opcode::ReadHostMemory, 0, 0, 1);
  in.acc_row = 5;
  EXPECT_TRUE(mentions(encode_error(in), {"'acc_row'"}));
  in = read_weights(0, 1);
  in.host_addr = 5;
  EXPECT_TRUE(mentions(encode_error(in), {"'host_addr'"}));
  in = sync(1);
  in.reg = ConfigRegister::ActShift;
  EXPECT_TRUE(mentions(encode_error(in), {"'reg'"}));
  in = set_config(ConfigRegister::ActShift, 1);
  in.unit_mask = 1;
  EXPECT_TRUE(mentions(encode_error(in), {"'unit_mask'"}));
  in = make(Opcode::Halt);
  in.value = 3;
  EXPECT_TRUE(mentions(encode_error(in), {"'value'"}));
  in = make(Opcode::Halt);
  in.dram_addr = 3;
  EXPECT_TRUE(mentions(encode_error(in), {"'dram_addr'"}));
  in = make(Opcode::Halt);
  in.tiles = 3;
  EXPECT_TRUE(mentions(encode_error(in), {"'tiles'"}));
  in = make(Opcode::Halt);
  in.ub_row = 3;
  EXPECT_TRUE(mentions(encode_error(in), {"'ub_row'"}));
}

TEST(IsaEncode, ProgramNamesFailingInstruction) {
  const std::string msg =
      error_of([] { encode_program({make(Opcode::Nop), read_weights(0, 0)}); });
  EXPECT_TRUE(starts_with(msg, "encode_program: instruction 1: read_weights: "));
  EXPECT_TRUE(mentions(msg, {"'tiles'"}));
}

TEST(IsaEncode, DisassembleRejectsInvalid) {
  EXPECT_TRUE(mentions(error_of([] { disassemble(sync(0)); }), {"disassemble", "'unit_mask'"}));
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
  EXPECT_TRUE(mentions(asm_error("nop\nmatmul ub=0 acc=0 rows=1\n"), {"prog.s:2:", "'matmul'", "mnemonic"}));
  EXPECT_TRUE(mentions(asm_error("ub=0\n"), {"prog.s:1:", "mnemonic"}));
}

TEST(IsaAssemble, RejectsUnknownOperand) {
  EXPECT_TRUE(mentions(asm_error("matrix_multiply ub=0 acc=0 rows=1 tiles=3"), {"prog.s:1:", "unknown operand 'tiles'"}));
  EXPECT_TRUE(mentions(asm_error("\nmatrix_multiply ub=0 acc=0 rows=1 bias"), {"prog.s:2:", "unknown operand 'bias'"}));
  EXPECT_TRUE(mentions(asm_error("halt now"), {"prog.s:1:", "halt", "unknown operand 'now'"}));  // trailing garbage
  EXPECT_TRUE(mentions(asm_error("nop ="), {"prog.s:1:", "unknown operand"}));
  EXPECT_TRUE(mentions(asm_error("read_weights dram=0 tiles=1 extra=5"), {"unknown operand 'extra'"}));
}

TEST(IsaAssemble, RejectsMissingOperand) {
  EXPECT_TRUE(mentions(asm_error("read_host_memory ub=0 rows=1"), {"prog.s:1:", "missing operand 'host'"}));
  EXPECT_TRUE(mentions(asm_error("activate ub=0 acc=0 rows=1"), {"missing operand 'fn'"}));
  EXPECT_TRUE(mentions(asm_error("set_config reg=act_shift"), {"missing operand 'value'"}));
  EXPECT_TRUE(mentions(asm_error("set_config value=1"), {"missing operand 'reg'"}));
  EXPECT_TRUE(mentions(asm_error("sync"), {"missing operand 'units'"}));
  EXPECT_TRUE(mentions(asm_error("read_weights dram=0"), {"missing operand 'tiles'"}));
  EXPECT_TRUE(mentions(asm_error("read_weights dram=0 tiles"), {"operand 'tiles'", "needs a value"}));
  EXPECT_TRUE(mentions(asm_error("read_weights dram=0 tiles="), {"operand 'tiles'", "needs a value"}));
}

TEST(IsaAssemble, RejectsDuplicateOperand) {
  EXPECT_TRUE(mentions(asm_error("read_weights dram=0 tiles=1 DRAM=4"), {"prog.s:1:", "duplicate operand 'dram'"}));
  EXPECT_TRUE(mentions(asm_error("matrix_multiply ub=0 acc=0 rows=1 switch switch"), {"duplicate operand 'switch'"}));
  EXPECT_TRUE(mentions(asm_error("sync units=host,host"), {"'units'", "duplicate unit 'host'"}));
}

TEST(IsaAssemble, RejectsBadNumbers) {
  for (const char* v : {"abc", "0x", "12x", "0xg", "1.5", "+4", "-5", "0b101", "--1"}) {
    const std::string msg = asm_error(std::string("nop\nread_weights dram=0 tiles=") + v);
    EXPECT_TRUE(mentions(msg, {"prog.s:2:", "read_weights", "operand 'tiles'", "not a number"})) << v;
  }
  EXPECT_TRUE(mentions(asm_error("set_config reg=act_zero_point value=-0x80"), {"'value'", "not a number"}));
  EXPECT_TRUE(mentions(asm_error("set_config reg=act_zero_point value=-"), {"'value'", "not a number"}));
  EXPECT_TRUE(mentions(asm_error("set_config reg=act_shift value=-1"),
                       {"'value'", "negative", "act_zero_point"}));
  EXPECT_TRUE(mentions(asm_error("matrix_multiply ub=0 acc=0 rows=1 switch=1"), {"flag 'switch'", "no value"}));
}

TEST(IsaAssemble, RejectsValuesTooWide) {
  EXPECT_TRUE(mentions(asm_error("read_host_memory ub=0x1000000 host=0 rows=1"), {"prog.s:1:", "operand 'ub'", "24 bits"}));
  EXPECT_TRUE(mentions(asm_error("read_host_memory ub=0 host=0x100000000 rows=1"), {"operand 'host'", "32 bits"}));
  EXPECT_TRUE(mentions(asm_error("read_host_memory ub=0 host=0 rows=16777216"), {"operand 'rows'", "24 bits"}));
  EXPECT_TRUE(mentions(asm_error("matrix_multiply ub=0 acc=0 rows=4294967296"), {"operand 'rows'", "32 bits"}));
  EXPECT_TRUE(mentions(asm_error("read_weights dram=0x1000000000000 tiles=1"), {"operand 'dram'", "48 bits"}));
  EXPECT_TRUE(mentions(asm_error("read_weights dram=0 tiles=99999999999999999999999"), {"operand 'tiles'", "32 bits"}));
  EXPECT_TRUE(mentions(asm_error("set_config reg=act_zero_point value=128"), {"'value'", "-128..127"}));
  EXPECT_TRUE(mentions(asm_error("set_config reg=act_zero_point value=-129"), {"'value'", "-129"}));
  EXPECT_TRUE(mentions(asm_error("set_config reg=act_multiplier value=0x80000000"), {"'value'", "0..2147483647"}));
  EXPECT_TRUE(mentions(asm_error("set_config reg=act_shift value=63"), {"'value'", "0..62"}));
  EXPECT_TRUE(mentions(asm_error("set_config reg=act_bias_row value=16777216"), {"'value'", "0..16777215"}));
  EXPECT_TRUE(mentions(asm_error("set_config reg=act_bias_row value=99999999999999999999"), {"'value'", "out of range"}));
}

TEST(IsaAssemble, RejectsIllegalValues) {
  EXPECT_TRUE(mentions(asm_error("matrix_multiply ub=0 acc=0 rows=0"), {"prog.s:1:", "operand 'rows'", ">= 1"}));
  EXPECT_TRUE(mentions(asm_error("read_weights dram=0 tiles=0"), {"operand 'tiles'", ">= 1"}));
  EXPECT_TRUE(mentions(asm_error("activate ub=0 acc=0 rows=1 fn=gelu"), {"operand 'fn'", "'gelu'"}));
  EXPECT_TRUE(mentions(asm_error("set_config reg=act_scale value=1"), {"operand 'reg'", "'act_scale'"}));
  EXPECT_TRUE(mentions(asm_error("sync units=host,dma"), {"'units'", "unknown unit 'dma'"}));
  EXPECT_TRUE(mentions(asm_error("sync units=host,"), {"'units'", "unknown unit ''"}));
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
  for (Opcode op : {Opcode::Nop, Opcode::SetConfig, Opcode::Sync, Opcode::Halt})
    EXPECT_FALSE(unit_of(op, &u)) << mnemonic(op);
}

TEST(IsaMisc, Mnemonics) {
  const char* expected[] = {"nop",             "read_host_memory", "write_host_memory",
                            "read_weights",    "matrix_multiply",  "activate",
                            "set_config",      "sync",             "halt"};
  for (int op = 0; op < 9; ++op) EXPECT_STREQ(mnemonic(static_cast<Opcode>(op)), expected[op]);
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
  };
  for (std::size_t k = 0; k < edits.size(); ++k) {
    Instruction other = base;
    edits[k](other);
    EXPECT_FALSE(other == base) << "edit " << k;
    EXPECT_TRUE(other != base) << "edit " << k;
  }
  EXPECT_TRUE(Instruction{} == base);
}

}  // namespace
}  // namespace tpu
