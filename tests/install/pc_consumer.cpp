// Built by tests/install/install_check.cmake with only `pkg-config --cflags --libs tpu_tlm`:
// includes an installed header, calls the installed library (the assembler) and prints the
// encoding of `halt`, which docs/isa.md gives as 08 followed by eleven zero bytes.
#include <cstdio>

#include <systemc>

#include "isa/isa.h"

int sc_main(int, char**) {
  const auto program = tpu::assemble("halt\n", "pc_consumer");
  const auto bytes = tpu::encode_program(program);
  std::printf("halt =");
  for (unsigned b : bytes) std::printf(" %02x", b);
  std::printf("\n");
  return 0;
}
