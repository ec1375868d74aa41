// The analytic MXU and the PE-by-PE SystemC array behind the same transactor agree: identical
// outputs, identical cycles for every block, identical run time and Table 3 split.
#include "common/model_compare.h"

namespace tpu::test {
namespace {

TEST(MxuModels, DigitsOnSmallArrayAnalyticEqualsCycle) {
  compare_models({MxuModel::Analytic, MxuModel::Cycle}, "small.yaml", "digits", 64);
}

TEST(MxuModels, RandomMlpEveryActivationAnalyticEqualsCycle) {
  compare_models({MxuModel::Analytic, MxuModel::Cycle}, "small.yaml", "random_mlp", 16);
}

// Blocks of one row: every switch waits for the shift rule (R - 1 + S cycles), the tightest case.
TEST(MxuModels, BatchOfOneAnalyticEqualsCycle) {
  compare_models({MxuModel::Analytic, MxuModel::Cycle}, "small.yaml", "random_mlp", 1);
}

// Convolutions (Convolve with strides, padding, kernels 1/3/5, odd channel counts), pooling and
// vector work: the data-setup path feeds all models the same rows.
TEST(MxuModels, ConvolutionNetworkAnalyticEqualsCycle) {
  compare_models({MxuModel::Analytic, MxuModel::Cycle}, "small.yaml", "conv_small", 0);
}

// Non-square arrays (R != C): tall (32 rows x 16 columns) and wide (16 x 32), where the lowering
// tiles inputs by R and outputs by C and Activate maps lanes between the two widths.
TEST(MxuModels, ConvolutionNetworkOnTallArrayAnalyticEqualsCycle) {
  compare_models({MxuModel::Analytic, MxuModel::Cycle}, "small_32x16.yaml", "conv_small", 0);
}

TEST(MxuModels, DigitsOnWideArrayAnalyticEqualsCycle) {
  compare_models({MxuModel::Analytic, MxuModel::Cycle}, "small_16x32.yaml", "digits", 64);
}

}  // namespace
}  // namespace tpu::test
