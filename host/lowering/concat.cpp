// placed_concat (steps.h): a Concat the importer wrote as a channel copy, placed by its producers.
#include <algorithm>
#include <climits>

#include "lowering/program_builder.h"
#include "lowering/steps.h"

namespace tpu {

namespace {

/// Whether conv `l` copies its inputs, concatenated along channels, exactly: a channel selection
/// (channel_selection, steps.h) that is the identity.
bool exact_channel_copy(const NetworkLayer& l) {
  const std::vector<int64_t> sel = channel_selection(l);
  if (sel.empty() || l.out_shape != l.in_shape) return false;
  for (size_t m = 0; m < sel.size(); ++m)
    if (sel[m] != int64_t(m)) return false;
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
