// place_weights and layout_host (steps.h): the weight-memory image and the host-memory image.
#include <algorithm>
#include <cstring>

#include "lowering/program_builder.h"
#include "lowering/steps.h"

namespace tpu {

namespace {

/// Writes weighted layer `i`'s tiles at image + its weight_base (steps.h: place_weights).
void fill_layer_weights(const LoweringPlan& plan, size_t i, uint8_t* image) {
  const NetworkLayer& l = plan.net->layers[i];
  const PlannedLayer& p = plan.layers[i];
  const uint64_t R = plan.R, N = plan.C, M = l.out_shape.c;  // tiles of R input x N output channels
  uint64_t at = p.weight_base;
  for (uint64_t j = 0; j < p.out_tiles; ++j)
    for (const PassSource& src : p.sources) {
      const uint64_t C = plan.tensor(src.tensor).shape.c;
      for (uint64_t r = 0; r < src.kh; ++r)
        for (uint64_t s = 0; s < src.kw; ++s)
          for (uint64_t k = 0; k * R < C; ++k) {
            if (!pass_needed(p, size_t(&src - p.sources.data()), k, j, plan.tensor(src.tensor).tiles)) continue;
            for (uint64_t plane = 0; plane < p.weight_planes; ++plane) {
              for (uint64_t rr = 0; rr < R && k * R + rr < C; ++rr)
                weight_row(l, src, C, r * src.kw + s, k * R + rr, j * N, std::min(N, M - j * N),
                           reinterpret_cast<int8_t*>(&image[at + rr * N]), plane);
              at += R * N;
            }
          }
    }
  sc_assert(at == p.weight_base + p.weight_tiles * R * N);  // (the plan's count)
}

/// Bytes of host row `tile` of a tensor with `c` channels: R, or the tile's channels when packed.
uint64_t host_row_bytes(const LoweringPlan& plan, uint64_t c, uint64_t tile) {
  return plan.policy.padded_host_rows ? plan.R : std::min<uint64_t>(plan.R, c - tile * plan.R);
}

/// Host bytes of `samples` samples of tensor `t`.
uint64_t host_bytes(const LoweringPlan& plan, const PlannedTensor& t, uint64_t samples) {
  const uint64_t pixels = samples * t.shape.h * t.shape.w;
  return plan.policy.padded_host_rows ? t.tiles * pixels * plan.R : pixels * t.shape.c;
}

/// Appends `bytes` zero bytes to the host image; their address.
uint64_t host_alloc(const LoweringPlan& plan, LoweredProgram& out, uint64_t bytes) {
  const uint64_t addr = out.host_image.size();
  if (addr + bytes > (uint64_t(1) << 32))
    raise_as(kLoweringMsgType, plan.policy.who +
                                   ": inputs and outputs need more than the 4 GiB of host addresses "
                                   "Read/Write_Host_Memory reach; run fewer samples");
  out.host_image.resize(addr + bytes, 0);
  return addr;
}

/// Writes samples first .. first+n-1 of network input `k` at host address `addr`, tile by tile.
void pack_input(const LoweringPlan& plan, size_t k, uint64_t first, uint64_t n, uint8_t* host) {
  const NetworkInput& in = plan.net->inputs[k];
  const uint64_t R = plan.R, C = in.shape.c, image = uint64_t(in.shape.h) * in.shape.w, pixels = n * image;
  const int8_t* data = &in.data[first * image * C];
  for (uint64_t t = 0; t * R < C; ++t) {
    const uint64_t rb = host_row_bytes(plan, C, t), cb = std::min<uint64_t>(R, C - t * R);
    for (uint64_t px = 0; px < pixels; ++px) std::memcpy(&host[px * rb], &data[px * C + t * R], cb);
    host += pixels * rb;
  }
}

/// The bias rows: value m of weighted layer i at row bias_row + (m / C) * bias_rows_per_tile, byte
/// (m % C) * 4 from there (rows of R bytes: output tile j's C int32 in ceil(4C / R) rows); a lookup
/// layer's table at row table_row, entry e at byte e (the rows are contiguous).
void pack_bias(const LoweringPlan& plan, const ArchConfig& cfg, uint8_t* host) {
  const uint64_t R = plan.R, C = plan.C, per_tile = bias_rows_per_tile(cfg);
  for (size_t i = 0; i < plan.layers.size(); ++i) {
    const NetworkLayer& l = plan.net->layers[i];
    if (l.function == ActivationFunction::Lookup)  // its table: 256 bytes from row table_row
      std::memcpy(&host[plan.layers[i].table_row * R], l.table.data(), l.table.size());
    if (!plan.layers[i].weighted) continue;
    for (uint64_t m = 0; m < l.out_shape.c; ++m)
      std::memcpy(&host[(plan.layers[i].bias_row + (m / C) * per_tile) * R + (m % C) * 4], &l.bias[m], 4);
  }
}

}  // namespace

void weight_row(const NetworkLayer& l, const PassSource& src, uint64_t C, uint64_t pos, uint64_t c, uint64_t m0,
                uint64_t n, int8_t* out, uint64_t plane) {
  const uint64_t M = l.out_shape.c, base = plane * (l.weights.size() / 2);  // the low plane: the second half
  if (l.op == LayerOp::MatMul) return;  // the host writes a matmul's tiles at run time (WriteWeights)
  if (l.op != LayerOp::Conv)            // dense: the input's rows from its feature offset, in H, W, C order
    return l.weights.copy(base + (src.feature_offset + pos * C + c) * M + m0, n, out);
  if (!src.channel_map.empty() && src.channel_map[c] < 0) return;  // a channel outside a selection read in place
  const uint64_t cc = src.channel_map.empty() ? src.feature_offset + c : uint64_t(src.channel_map[c]);
  const uint64_t Cg = l.in_shape.c / l.groups, Mg = M / l.groups;
  const uint64_t row = pos * Cg + cc % Cg;
  // Outputs of the group that owns input channel cc, within [m0, m0 + n).
  const uint64_t g = cc / Cg, lo = std::max(m0, g * Mg), hi = std::min(m0 + n, (g + 1) * Mg);
  if (lo < hi) l.weights.copy(base + row * M + lo, hi - lo, out + (lo - m0));
}

void place_weights(const LoweringPlan& plan, const ArchConfig& cfg, LoweredProgram& out) {
  check_weight_capacity(plan.weight_image_bytes, cfg, plan.policy.who);
  out.weight_image.assign(plan.weight_image_bytes, 0);  // zeros: the tiles' padding
  for (size_t i = 0; i < plan.layers.size(); ++i)
    if (plan.layers[i].weighted) fill_layer_weights(plan, i, out.weight_image.data());
}

HostLayout layout_host(const LoweringPlan& plan, const ArchConfig& cfg, LoweredProgram& out) {
  const Network& net = *plan.net;
  HostLayout h;
  out.host_image.assign(plan.bias_rows * plan.R, 0);
  pack_bias(plan, cfg, out.host_image.data());
  out.batches = plan.batches;
  for (LoweredProgram::Batch& b : out.batches) {
    std::vector<uint64_t>& in_addr = h.input_addr.emplace_back();
    for (size_t k = 0; k < net.inputs.size(); ++k) {
      in_addr.push_back(host_alloc(plan, out, host_bytes(plan, plan.tensor(-int(k) - 1), b.samples)));
      pack_input(plan, k, b.first_sample, b.samples, &out.host_image[in_addr.back()]);
    }
    h.output_addr.push_back(host_alloc(plan, out, host_bytes(plan, plan.tensor(net.output), b.samples)));
    b.input_host_addr = uint32_t(in_addr.empty() ? 0 : in_addr[0]);
    b.output_host_addr = uint32_t(h.output_addr.back());
  }
  out.output_shape = net.output_layer().out_shape;
  out.padded_host_rows = plan.policy.padded_host_rows;
  return h;
}

}  // namespace tpu
