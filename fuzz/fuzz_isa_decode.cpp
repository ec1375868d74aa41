// libFuzzer target: the instruction decoder (model/isa/isa.h decode, decode_program).
// The input is a byte image. Every 12-byte word is decoded; a word that decodes must encode back
// to the same bytes (reserved bits are 0, so the encoding is canonical) and survive the text form
// (disassemble, then assemble, gives the same instruction). The whole image also goes through
// decode_program, which must reject a size that is not a multiple of 12.
#include "fuzz_common.h"

#include "isa/isa.h"

#include <cstring>

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tpu;
  for (size_t off = 0; off + kInstructionBytes <= size; off += kInstructionBytes) {
    tpu_fuzz::expect_named_error([&] {
      const Instruction in = decode(data + off, "instruction at byte " + std::to_string(off));
      uint8_t again[kInstructionBytes];
      encode(in, again);
      if (std::memcmp(again, data + off, kInstructionBytes) != 0)
        tpu_fuzz::finding("decode then encode changed the bytes of " + disassemble(in));
      const std::string text = disassemble(in);
      const std::vector<Instruction> back = assemble(text, "disassembly");
      if (back.size() != 1 || back[0] != in) tpu_fuzz::finding("disassembly does not assemble back: " + text);
    });
  }
  const std::vector<uint8_t> image(data, data + size);
  bool rejected = true;
  tpu_fuzz::expect_named_error([&] {
    const std::vector<Instruction> program = decode_program(image);
    rejected = false;
    if (program.size() * kInstructionBytes != size) tpu_fuzz::finding("decode_program lost instructions");
    if (encode_program(program) != image) tpu_fuzz::finding("decode_program then encode_program changed the image");
  });
  if (!rejected && size % kInstructionBytes != 0) tpu_fuzz::finding("decode_program accepted a partial instruction");
  return 0;
}
