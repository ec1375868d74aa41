// docs/isa.md, the reference for hand-written programs, against the ISA it documents
// (model/isa/isa.h): every opcode, register and unit appears, and its worked encoding is right.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "isa/isa.h"

namespace tpu {
namespace {

std::string isa_doc() {
  std::ifstream f(std::string(TPU_TLM_SOURCE_DIR) + "/docs/isa.md");
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST(IsaDoc, NamesEveryOpcodeWithItsNumberAndMnemonic) {
  const std::string doc = isa_doc();
  ASSERT_FALSE(doc.empty()) << "docs/isa.md is missing";
  for (int op = 0; op <= int(Opcode::InterruptHost); ++op) {
    if (op == 0x0C || op == 0x0D) continue;  // reserved
    char row[64];
    std::snprintf(row, sizeof row, "| 0x%02X | `%s` |", op, mnemonic(Opcode(op)));
    EXPECT_NE(doc.find(row), std::string::npos) << "no encoding-table row " << row;
  }
}

TEST(IsaDoc, NamesEveryConfigRegisterWithItsId) {
  const std::string doc = isa_doc();
  for (int id = 0; id < kNumConfigRegisters; ++id) {
    if (!is_config_register(id)) continue;  // reserved ids
    Instruction in;
    in.op = Opcode::SetConfig;
    in.reg = ConfigRegister(id);
    if (in.reg == ConfigRegister::InputHeight || in.reg == ConfigRegister::InputWidth ||
        (id >= int(ConfigRegister::OutputHeight) && id <= int(ConfigRegister::StrideW)) ||
        in.reg == ConfigRegister::PoolHeight || in.reg == ConfigRegister::PoolWidth)
      in.value = 1;                            // registers whose range starts at 1
    const std::string text = disassemble(in);  // "set_config reg=NAME value=V"
    const size_t a = text.find("reg=") + 4, b = text.find(' ', a);
    const std::string name = text.substr(a, b - a);
    EXPECT_NE(doc.find("`" + name + "`"), std::string::npos) << "register " << name << " (id " << id << ")";
  }
}

TEST(IsaDoc, NamesEveryUnitAsSyncWritesIt) {
  const std::string doc = isa_doc();
  for (int u = 0; u < kNumUnits; ++u)
    EXPECT_NE(doc.find(std::string("| `") + unit_name(Unit(u)) + "`"), std::string::npos) << unit_name(Unit(u));
}

TEST(IsaDoc, WorkedEncodingOfHaltMatchesTheEncoder) {
  Instruction halt;
  halt.op = Opcode::Halt;
  uint8_t b[kInstructionBytes];
  encode(halt, b);
  std::string hex;
  for (size_t i = 0; i < kInstructionBytes; ++i) {
    char h[4];
    std::snprintf(h, sizeof h, i ? " %02x" : "%02x", b[i]);
    hex += h;
  }
  EXPECT_NE(isa_doc().find("`halt` is `" + hex + "`"), std::string::npos) << hex;
}

}  // namespace
}  // namespace tpu
