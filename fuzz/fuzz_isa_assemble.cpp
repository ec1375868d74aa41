// libFuzzer target: the assembler (model/isa/isa.h assemble). The input is assembly text. A
// program that assembles must survive disassemble_program + assemble and encode_program +
// decode_program unchanged.
#include "fuzz_common.h"

#include "isa/isa.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tpu;
  const std::string text(reinterpret_cast<const char*>(data), size);
  tpu_fuzz::expect_named_error([&] {
    const std::vector<Instruction> program = assemble(text, "fuzz.s");
    const std::string canonical = disassemble_program(program);
    if (assemble(canonical, "disassembly") != program)
      tpu_fuzz::finding("the disassembly does not assemble back to the program:\n" + canonical);
    if (decode_program(encode_program(program)) != program)
      tpu_fuzz::finding("encode_program then decode_program changed the program:\n" + canonical);
  });
  return 0;
}
