// layout_host_ops (steps.h): host-memory room and the host-operation table for host_op layers.
#include "lowering/program_builder.h"
#include "lowering/steps.h"

namespace tpu {

void layout_host_ops(const LoweringPlan& plan, LoweredProgram& out) {
  const Network& net = *plan.net;
  for (size_t b = 0; b < out.batches.size(); ++b)
    for (size_t i = 0; i < net.layers.size(); ++i) {
      const NetworkLayer& l = net.layers[i];
      if (l.op != LayerOp::HostOp) continue;
      LoweredProgram::HostOperation op;
      op.layer = l.name;
      op.tag = uint32_t(i);
      op.params = l.host_op;
      op.pixels = uint64_t(out.batches[b].samples) * l.in_shape.h * l.in_shape.w;
      op.channels = l.in_shape.c;
      op.tile = uint32_t(plan.R);
      const uint64_t bytes = op.pixels * op.channels;  // packed tiles: every channel once
      op.input_addr = out.host_image.size();
      op.output_addr = op.input_addr + bytes;
      if (op.output_addr + bytes > (uint64_t(1) << 32))
        raise_as(kLoweringMsgType, plan.policy.who + ": layer " + l.name +
                                       ": the host operation's operand and result need more than the 4 GiB of host "
                                       "addresses Read/Write_Host_Memory reach; run fewer samples");
      out.host_image.resize(op.output_addr + bytes, 0);
      out.host_ops.push_back(op);
    }
  if (out.host_ops.size() > 65536)
    raise_as(kLoweringMsgType, plan.policy.who + ": " + std::to_string(out.host_ops.size()) +
                                   " host operations, but Interrupt_Host's id is 16 bits (at most 65536)");
}

}  // namespace tpu
