// layout_host_ops (steps.h): host-memory room and the host-operation table for host_op layers.
#include "lowering/program_builder.h"
#include "lowering/steps.h"

namespace tpu {

namespace {

/// Matmul layer i's WriteWeights: its b inputs' pixels and the (k, j) of its weight tiles in the
/// order place_weights lays them out (steps.h), from its weight_base.
void plan_weight_write(const LoweringPlan& plan, size_t i, LoweredProgram::HostOperation& op) {
  const NetworkLayer& l = plan.net->layers[i];
  const PlannedLayer& p = plan.layers[i];
  LoweredProgram::HostOperation::WeightWrite& w = op.weights;
  w.heads = l.groups;
  w.transpose_b = l.transpose_b;
  w.k = l.in_shape.c / l.groups;
  w.n = l.out_shape.c / l.groups;
  w.cols = uint32_t(plan.C);
  w.weight_base = p.weight_base;
  op.params.kind = HostOpKind::WriteWeights;
  op.pixels = 0;
  for (size_t t = 1; t < l.inputs.size(); ++t) {
    const TensorShape& s = plan.tensor(l.inputs[t]).shape;
    w.segment_pixels.push_back(uint64_t(s.h) * s.w);
    op.pixels += w.segment_pixels.back();
  }
  op.channels = plan.tensor(l.inputs[1]).shape.c;
  const uint64_t tiles = plan.tensor(l.inputs[0]).tiles;
  for (uint64_t j = 0; j < p.out_tiles; ++j)
    for (uint64_t k = 0; k < tiles; ++k)
      if (pass_needed(p, 0, k, j, tiles)) w.tiles.emplace_back(k, j);
}

/// Appends the host operation of layer i (a host_op, or one sample's WriteWeights of a matmul) in
/// batch b to out.host_ops, with its operand (and result) room at the end of out.host_image.
/// Errors ("tpu/lowering"): the room past the 4 GiB Read/Write_Host_Memory reach.
void add_host_op(const LoweringPlan& plan, size_t b, size_t i, LoweredProgram& out) {
  const NetworkLayer& l = plan.net->layers[i];
  LoweredProgram::HostOperation op;
  op.layer = l.name;
  op.tag = uint32_t(i);
  op.params = l.host_op;
  op.pixels = uint64_t(out.batches[b].samples) * l.in_shape.h * l.in_shape.w;
  op.image_pixels = uint64_t(l.in_shape.h) * l.in_shape.w;
  op.channels = l.in_shape.c;
  op.tile = uint32_t(plan.R);
  if (l.op == LayerOp::MatMul) plan_weight_write(plan, i, op);
  const uint64_t bytes = op.pixels * op.channels;  // packed tiles: every channel once
  const uint64_t result = l.op == LayerOp::MatMul ? 0 : bytes;
  op.input_addr = out.host_image.size();
  op.output_addr = op.input_addr + bytes;
  if (op.output_addr + result > (uint64_t(1) << 32))
    raise_as(kLoweringMsgType, plan.policy.who + ": layer " + l.name +
                                   ": the host operation's operand and result need more than the 4 GiB of host "
                                   "addresses Read/Write_Host_Memory reach; run fewer samples");
  out.host_image.resize(op.output_addr + result, 0);
  out.host_ops.push_back(op);
}

}  // namespace

void layout_host_ops(const LoweringPlan& plan, LoweredProgram& out) {
  const Network& net = *plan.net;
  for (size_t b = 0; b < out.batches.size(); ++b)
    for (size_t i = 0; i < net.layers.size(); ++i) {
      const NetworkLayer& l = net.layers[i];
      if (l.op != LayerOp::HostOp && l.op != LayerOp::MatMul) continue;
      // a matmul: one WriteWeights per sample (its own b), in the order emit_program issues them
      const uint32_t copies = l.op == LayerOp::MatMul ? out.batches[b].samples : 1;
      for (uint32_t s = 0; s < copies; ++s) add_host_op(plan, b, i, out);
    }
  if (out.host_ops.size() > 65536)
    raise_as(kLoweringMsgType, plan.policy.who + ": " + std::to_string(out.host_ops.size()) +
                                   " host operations, but Interrupt_Host's id is 16 bits (at most 65536)");
}

}  // namespace tpu
