// The three MXU models on whole workloads (16x16 and 16x32 chips): the analytic dataflow, the PE-by-PE
// SystemC array and the Verilated RTL give identical outputs, identical cycles for every
// MatrixMultiply and Convolve block, run time and Table 3 split; an RTL build with a PE that drops a carry
// is caught. Built and labelled "rtl" only when Verilator is installed (model/mxu/rtl/rtl.cmake).
#include "Vmxu_array16_broken.h"
#include "common/model_compare.h"
#include "common/mxu_modes.h"
#include "mxu/mxu_pin_datapath.h"

namespace tpu::test {
namespace {

TEST(MxuRtlModels, DigitsAnalyticCycleAndRtlAgree) {
  compare_models({MxuModel::Analytic, MxuModel::Cycle, MxuModel::Rtl}, "small.yaml", "digits", 64);
}

TEST(MxuRtlModels, RandomMlpAnalyticCycleAndRtlAgree) {
  compare_models({MxuModel::Analytic, MxuModel::Cycle, MxuModel::Rtl}, "small.yaml", "random_mlp", 16);
}

TEST(MxuRtlModels, BatchOfOneRtlAgreesWithAnalytic) {
  compare_models({MxuModel::Analytic, MxuModel::Rtl}, "small.yaml", "random_mlp", 1);
}

// A convolution network (traces/conv_small: Convolve with strides and padding, pooling, vector
// work) under the three models.
TEST(MxuRtlModels, ConvolutionNetworkAnalyticCycleAndRtlAgree) {
  compare_models({MxuModel::Analytic, MxuModel::Cycle, MxuModel::Rtl}, "small.yaml", "conv_small", 0);
}

// A non-square 16x32 chip (16 PE rows, 32 columns: latency R + C - 1 = 47, Activate's lane
// registers at work) under the three models, on a dense and a convolution network.
TEST(MxuRtlModels, NonSquareDigitsAnalyticCycleAndRtlAgree) {
  compare_models({MxuModel::Analytic, MxuModel::Cycle, MxuModel::Rtl}, "small_16x32.yaml", "digits", 64);
}

TEST(MxuRtlModels, NonSquareConvolutionAnalyticCycleAndRtlAgree) {
  compare_models({MxuModel::Analytic, MxuModel::Cycle, MxuModel::Rtl}, "small_16x32.yaml", "conv_small", 0);
}
// The operand formats (uint8 operands, the 8 x 16 and 16 x 16 byte-plane modes) on the RTL: the
// same accumulators and cycles as test_mxu_modes.cpp's analytic and PE-by-PE cases.
TEST(MxuRtlModels, Rtl16x16QuarterSpeed) { check_modes(ModesProgram::k16x16, MxuModel::Rtl, 3); }
TEST(MxuRtlModels, Rtl8x16HalfSpeed) { check_modes(ModesProgram::k8x16, MxuModel::Rtl, 2); }
TEST(MxuRtlModels, RtlUnsignedOperands) { check_modes(ModesProgram::kUnsigned, MxuModel::Rtl, 4); }

// MXU_BROKEN_CARRY: PE(8, 8) drops the carry from bit 15 to 16; the outputs must differ. The
// faulty array is linked into this test alone and put behind the MXU through Tpu's factory.
TEST(MxuRtlModels, BrokenCarryRtlIsCaught) {
  const MxuDatapathFactory broken = [](const ArchConfig& cfg, MxuSink& sink) -> std::unique_ptr<MxuDatapath> {
    return std::make_unique<PinDatapath<Vmxu_array16_broken, 16, 16>>("datapath", cfg, sink);
  };
  compare_models({MxuModel::Analytic, ModelSpec("rtl_broken_carry", MxuModel::Rtl, broken)}, "small.yaml", "random_mlp",
                 16, /*expect_equal_outputs=*/false);
}

}  // namespace
}  // namespace tpu::test
