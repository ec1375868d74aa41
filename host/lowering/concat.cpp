// placed_concat (steps.h): a Concat the importer wrote as a channel copy, placed by its producers.
#include <algorithm>
#include <climits>

#include "activation/quant.h"
#include "lowering/program_builder.h"
#include "lowering/steps.h"

namespace tpu {

namespace {

/// Whether conv `l` copies its inputs, concatenated along channels, exactly: 1x1, stride 1, no
/// padding or groups, weight[c][m] = (c == m), zero bias, identity, and a requantization that maps
/// every int8 to itself (activate(v) == v).
bool exact_channel_copy(const NetworkLayer& l) {
  if (l.op != LayerOp::Conv || l.kh != 1 || l.kw != 1 || l.sh != 1 || l.sw != 1 || l.groups != 1) return false;
  if (l.pad_top || l.pad_left || l.pad_bottom || l.pad_right || l.weights.is_seeded()) return false;
  if (l.function != ActivationFunction::Identity || l.out_shape != l.in_shape) return false;
  if (std::any_of(l.bias.begin(), l.bias.end(), [](int32_t b) { return b != 0; })) return false;
  for (int v = -128; v <= 127; ++v)
    if (activate(v, 0, l.requant, ActivationFunction::Identity) != v) return false;
  const uint64_t C = l.in_shape.c;
  std::vector<int8_t> row(C);
  for (uint64_t c = 0; c < C; ++c) {
    l.weights.copy(c * C, C, row.data());
    for (uint64_t m = 0; m < C; ++m)
      if (row[m] != (c == m ? 1 : 0)) return false;
  }
  return true;
}

/// Whether layer `t` can write its output straight into concat layer `i`: a conv or dense layer (its
/// output goes through Activate, which writes lanes) read by layer i alone, not the network's output.
bool placeable_producer(const LoweringPlan& plan, int t, size_t i) {
  const Network& net = *plan.net;
  if (t < 0 || t == net.output || plan.tensor(t).last_use != int(i)) return false;
  const LayerOp op = net.layers[size_t(t)].op;
  if (op != LayerOp::Conv && op != LayerOp::Dense) return false;
  for (size_t k = 0; k < net.layers.size(); ++k)
    if (k != i && std::count(net.layers[k].inputs.begin(), net.layers[k].inputs.end(), t)) return false;
  return std::count(net.layers[i].inputs.begin(), net.layers[i].inputs.end(), t) == 1;
}

}  // namespace

bool placed_concat(LoweringPlan& plan, size_t i) {
  const NetworkLayer& l = plan.net->layers[i];
  if (plan.policy.padded_host_rows || l.inputs.size() < 2 || !exact_channel_copy(l)) return false;
  if (plan.tensor(int(i)).planes > 1) return false;  // int16: byte planes, not placed
  for (int t : l.inputs)
    if (!placeable_producer(plan, t, i) || plan.tensor(t).planes > 1) return false;
  uint64_t offset = 0;
  for (int t : l.inputs) {
    PlannedTensor& p = plan.tensors[plan.tensor_index(t)];
    p.placed_in = int(i);
    p.channel_offset = offset;
    offset += p.shape.c;
  }
  return true;
}

}  // namespace tpu
