// choose_layouts (steps.h): which tensors the Unified Buffer holds packed, P pixels a row (int8 and
// uint8 tensors; an int16 tensor's two byte planes stay one pixel per row).
#include <numeric>

#include "lowering/program_builder.h"
#include "lowering/steps.h"

namespace tpu {

namespace {

/// The smallest divisor of R that is >= c (c <= R).
uint64_t group_bytes(uint64_t c, uint64_t R) {
  for (uint64_t g = c; g < R; ++g)
    if (R % g == 0) return g;
  return R;
}

/// Tensors that must share a layout: the inputs and output of a Vector (union-find over tensor indices).
class LayoutClasses {
 public:
  explicit LayoutClasses(size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), size_t{0}); }
  size_t find(size_t i) { return parent_[i] == i ? i : parent_[i] = find(parent_[i]); }
  void join(size_t a, size_t b) { parent_[find(a)] = find(b); }

 private:
  std::vector<size_t> parent_;
};

/// Whether Vector layer `l` broadcasts b ([1, 1, C] over a's H x W; emit_vector's test).
bool broadcasts(const LoweringPlan& plan, const NetworkLayer& l) {
  if (l.inputs.size() < 2) return false;
  return !(plan.tensor(l.inputs[1]).shape == l.in_shape) && uint64_t(l.in_shape.h) * l.in_shape.w != 1;
}

/// Bars from packing the b inputs of every matmul when a batch holds several samples: each sample's
/// b moves to the host on its own (emit_program's transfer_sample), and Read/Write_Host_Memory has
/// no first-lane-group register to start mid-row.
void bar_batched_matmul_operands(const LoweringPlan& plan, std::vector<char>& barred) {
  if (plan.policy.batch <= 1) return;
  for (const NetworkLayer& l : plan.net->layers)
    if (l.op == LayerOp::MatMul)
      for (size_t k = 1; k < l.inputs.size(); ++k) barred[plan.tensor_index(l.inputs[k])] = 1;
}

/// pixel_concat, pixel_slice: Vectors that move whole rows to other pixel positions, which lane
/// groups would not line up with; their tensors stay one pixel per row.
bool copies_pixels(const NetworkLayer& l) { return l.op == LayerOp::PixelConcat || l.op == LayerOp::PixelSlice; }

}  // namespace

void choose_layouts(LoweringPlan& plan) {
  if (plan.policy.padded_host_rows) return;  // a dense MLP: whole rows to and from the host
  const Network& net = *plan.net;
  const uint64_t R = plan.R;
  LayoutClasses cls(plan.tensors.size());
  std::vector<char> barred(plan.tensors.size(), 0);
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const NetworkLayer& l = net.layers[i];
    if (l.op != LayerOp::Add && l.op != LayerOp::Mul && l.op != LayerOp::Activate && !copies_pixels(l)) continue;
    const size_t out = plan.tensor_index(int(i));
    if (broadcasts(plan, l) || copies_pixels(l)) {
      barred[out] = 1;
      for (int t : l.inputs) barred[plan.tensor_index(t)] = 1;
      continue;
    }
    for (int t : l.inputs) cls.join(plan.tensor_index(t), out);
  }
  bar_batched_matmul_operands(plan, barred);
  // A class packs when each member would, with one G.
  std::vector<uint64_t> group(plan.tensors.size(), 0);
  std::vector<char> ok(plan.tensors.size(), 1);
  for (size_t ti = 0; ti < plan.tensors.size(); ++ti) {
    const PlannedTensor& t = plan.tensors[ti];
    const uint64_t g = group_bytes(t.shape.c, R), pixels = uint64_t(plan.policy.batch) * t.shape.h * t.shape.w;
    const size_t c = cls.find(ti);
    if (barred[ti] || t.planes > 1 || 2 * t.shape.c > R || g >= R || pixels < 2 || (group[c] && group[c] != g))
      ok[c] = 0;
    group[c] = g;
  }
  for (size_t ti = 0; ti < plan.tensors.size(); ++ti) {
    const size_t c = cls.find(ti);
    if (ok[c]) plan.tensors[ti].group = group[c];
  }
}

}  // namespace tpu
