// The three MXU models on whole workloads (a 16x16 chip): the analytic dataflow, the PE-by-PE
// SystemC array and the Verilated RTL give identical outputs, identical cycles for every
// MatrixMultiply and Convolve block, run time and Table 3 split; an RTL build with a PE that drops a carry
// is caught. Built and labelled "rtl" only when Verilator is installed (model/rtl/rtl.cmake).
#include "model_compare.h"

namespace tpu::test {
namespace {

TEST(MxuRtlModels, DigitsAnalyticCycleAndRtlAgree) {
  compare_models({"analytic", "cycle", "rtl"}, "small.yaml", "digits", 64);
}

TEST(MxuRtlModels, RandomMlpAnalyticCycleAndRtlAgree) {
  compare_models({"analytic", "cycle", "rtl"}, "small.yaml", "random_mlp", 16);
}

TEST(MxuRtlModels, BatchOfOneRtlAgreesWithAnalytic) {
  compare_models({"analytic", "rtl"}, "small.yaml", "random_mlp", 1);
}

// A convolution network (traces/conv_small: Convolve with strides and padding, pooling, vector
// work) under the three models.
TEST(MxuRtlModels, ConvolutionNetworkAnalyticCycleAndRtlAgree) {
  compare_models({"analytic", "cycle", "rtl"}, "small.yaml", "conv_small", 0);
}

// MXU_BROKEN_CARRY: PE(8, 8) drops the carry from bit 15 to 16; the outputs must differ.
TEST(MxuRtlModels, BrokenCarryRtlIsCaught) {
  compare_models({"analytic", "rtl_broken_carry"}, "small.yaml", "random_mlp", 16, /*expect_equal_outputs=*/false);
}

}  // namespace
}  // namespace tpu::test
