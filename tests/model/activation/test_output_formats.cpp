// The activation unit's output formats (register act_output_format, isa.h): what it cannot write
// is an error naming the instruction (the writing of uint8 and int16 values is checked bit for
// bit by the formats_* networks, tests/system/test_operand_formats.cpp).
#include <gtest/gtest.h>

#include "common/harness.h"
#include "common/test_util.h"

namespace tpu::test {
namespace {

// Runs `program` on a 16 x 16 chip; returns the "tpu/activation" error it must raise.
std::string activation_error(const std::string& program) {
  ProgramBench bench(bench_config(16), program, {}, {});
  return ErrorOf("tpu/activation", [&] { bench.run(); });
}

TEST(ActivationOutputFormats, SigmoidCannotWriteUint8) {
  const std::string msg =
      activation_error("set_config reg=act_output_format value=1\nactivate ub=0 acc=0 rows=1 fn=sigmoid\nhalt\n");
  EXPECT_TRUE(ContainsAll(msg, {"instruction 1", "fn=sigmoid", "only identity and relu write uint8 or int16"})) << msg;
}

TEST(ActivationOutputFormats, ZeroPointOutsideTheFormat) {
  const std::string msg = activation_error(
      "set_config reg=act_output_format value=1\nset_config reg=act_zero_point value=-1\n"
      "activate ub=0 acc=0 rows=1 fn=relu\nhalt\n");
  EXPECT_TRUE(ContainsAll(msg, {"instruction 2", "act_zero_point is outside the range of act_output_format"})) << msg;
}

TEST(ActivationOutputFormats, PoolCannotWriteInt16) {
  const std::string msg =
      activation_error("set_config reg=act_output_format value=2\npool ub=0 src=8 p0=0 rows=1 average\nhalt\n");
  EXPECT_TRUE(ContainsAll(msg, {"instruction 1", "pool", "only Activate writes int16"})) << msg;
}

}  // namespace
}  // namespace tpu::test
