// The MXU's operand formats on a chip (common/mxu_modes.h): uint8 operands and the paper's 8 x 16
// and 16 x 16 modes bit exact, and 2x / 4x the 8 x 8 cycles, on the analytic and PE-by-PE arrays
// (the RTL's cases: rtl_mxu_models_test.cpp).
#include "common/mxu_modes.h"

namespace tpu::test {
namespace {

TEST(MxuModes, Analytic8x8) { check_modes(ModesProgram::k8x8, MxuModel::Analytic, 1); }
TEST(MxuModes, Analytic8x16HalfSpeed) { check_modes(ModesProgram::k8x16, MxuModel::Analytic, 2); }
TEST(MxuModes, Analytic16x16QuarterSpeed) { check_modes(ModesProgram::k16x16, MxuModel::Analytic, 3); }
TEST(MxuModes, AnalyticUnsignedOperands) { check_modes(ModesProgram::kUnsigned, MxuModel::Analytic, 4); }
TEST(MxuModes, Cycle8x8) { check_modes(ModesProgram::k8x8, MxuModel::Cycle, 1); }
TEST(MxuModes, Cycle8x16HalfSpeed) { check_modes(ModesProgram::k8x16, MxuModel::Cycle, 2); }
TEST(MxuModes, Cycle16x16QuarterSpeed) { check_modes(ModesProgram::k16x16, MxuModel::Cycle, 3); }
TEST(MxuModes, CycleUnsignedOperands) { check_modes(ModesProgram::kUnsigned, MxuModel::Cycle, 4); }

}  // namespace
}  // namespace tpu::test
