#include "lowering/lowering.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "lowering/program_builder.h"
#include "util/report.h"

namespace tpu {

Network dense_network(const Workload& w) {
  Network net;
  net.name = w.name;
  net.description = w.description;
  net.source_file = w.source_file;
  net.samples = w.samples;
  net.inputs.push_back({"input", {1, 1, w.features}, w.inputs});
  for (size_t l = 0; l < w.layers.size(); ++l) {
    const DenseLayer& d = w.layers[l];
    NetworkLayer n;
    n.name = d.name;
    n.op = LayerOp::Dense;
    n.inputs = {int(l) - 1};
    n.in_shape = {1, 1, d.inputs};
    n.out_shape = {1, 1, d.outputs};
    n.features = d.inputs;
    n.weights = d.weights;
    n.bias = d.bias;
    n.function = d.function;
    n.requant = d.requant;
    net.layers.push_back(std::move(n));
  }
  net.output = int(w.layers.size()) - 1;
  net.golden = w.golden;
  return net;
}

LoweringPolicy dense_mlp_policy(const Workload& w, const ArchConfig& cfg, uint32_t batch) {
  uint64_t B = batch ? batch : w.batch;
  if (B == 0) raise_as(kLoweringMsgType, "batch size must be >= 1");
  B = std::min<uint64_t>(B, w.samples);
  LoweringPolicy p;
  std::ostringstream who;
  who << "workload " << w.name << " on config " << cfg.name << " with batch " << B;
  p.who = who.str();
  p.hint = "; run fewer samples or a larger batch";
  p.batch = uint32_t(B);
  p.double_buffered_batches = true;
  p.batch_accumulators = true;
  p.padded_host_rows = true;
  p.layer_records = false;
  p.config_on_change = false;
  return p;
}

LoweringPolicy network_policy(const Network& net, const ArchConfig& cfg) {
  LoweringPolicy p;
  p.who = "network " + net.name + " on config " + cfg.name;
  p.batch = net.samples;
  p.layer_records = true;
  return p;
}

LoweredProgram lower(const Workload& w, const ArchConfig& cfg, uint32_t batch) {
  const LoweringPolicy policy = dense_mlp_policy(w, cfg, batch);
  const Network net = dense_network(w);
  return lower_plan(plan_lowering(net, cfg, policy), cfg);
}

LoweredProgram lower_network(const Network& net, const ArchConfig& cfg) {
  return lower_plan(plan_lowering(net, cfg, network_policy(net, cfg)), cfg);
}

std::vector<int8_t> gather_output(const LoweredProgram& p, const ArchConfig& cfg, const uint8_t* host_memory) {
  const uint64_t R = cfg.mxu.rows, C = p.output_shape.c, image = uint64_t(p.output_shape.h) * p.output_shape.w;
  uint64_t samples = 0;
  for (const auto& b : p.batches) samples = std::max<uint64_t>(samples, b.first_sample + b.samples);
  std::vector<int8_t> out(samples * image * C);
  for (const auto& b : p.batches) {
    const uint64_t pixels = b.samples * image;
    const uint8_t* host = host_memory + b.output_host_addr;
    for (uint64_t k = 0; k * R < C; ++k) {
      const uint64_t cb = std::min<uint64_t>(R, C - k * R), rb = p.padded_host_rows ? R : cb;
      for (uint64_t px = 0; px < pixels; ++px)
        std::memcpy(&out[(b.first_sample * image + px) * C + k * R], &host[px * rb], cb);
      host += pixels * rb;
    }
  }
  return out;
}

}  // namespace tpu
