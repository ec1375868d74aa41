// plan_lowering (steps.h): tensors, layers' passes, bias rows, the weight-memory layout, batches.
#include <algorithm>
#include <limits>

#include "lowering/program_builder.h"
#include "lowering/steps.h"

namespace tpu {

namespace {

bool is_weighted(const NetworkLayer& l) {
  return l.op == LayerOp::Conv || l.op == LayerOp::Dense || l.op == LayerOp::MatMul;
}

/// Tensors of `net` in tensor_index order, with their tiles and last readers.
std::vector<PlannedTensor> plan_tensors(const Network& net, uint64_t R) {
  const size_t K = net.inputs.size();
  std::vector<PlannedTensor> tensors(K + net.layers.size());
  for (size_t k = 0; k < K; ++k) tensors[K - 1 - k] = {net.inputs[k].name, net.inputs[k].shape};
  for (size_t i = 0; i < net.layers.size(); ++i) tensors[K + i] = {net.layers[i].name, net.layers[i].out_shape};
  for (PlannedTensor& t : tensors) {
    const int id = int(&t - tensors.data()) - int(K);
    t.type = net.type_of(id);
    t.planes = t.type == ElementType::Int16 ? 2 : 1;
    t.tiles = ceil_div(t.shape.c, R);
    t.rows_per_sample = t.planes * t.tiles * t.shape.h * t.shape.w;
  }
  for (size_t i = 0; i < net.layers.size(); ++i)
    for (int t : net.layers[i].inputs) {
      int& last = tensors[size_t(t + int(K))].last_use;
      last = std::max(last, int(i));
    }
  tensors[size_t(net.output + int(K))].last_use = std::numeric_limits<int>::max();
  return tensors;
}

/// The passes of weighted layer `l`: a conv's inputs concatenated, each read in place when it is a
/// selection (conv_sources); for a dense layer one per input (concatenated in order), a spatial
/// one read through an H x W window.
std::vector<PassSource> pass_sources(const LoweringPlan& plan, const NetworkLayer& l) {
  std::vector<PassSource> sources;
  if (l.op == LayerOp::MatMul) return {{l.inputs[0], 1, 1, 0, true, {}}};  // a; b becomes its weights
  if (l.op == LayerOp::Conv) {
    uint64_t channel = 0;  // several inputs: concatenated along channels
    for (int t : l.inputs) {
      for (PassSource& s : conv_sources(plan, l, t, channel)) sources.push_back(std::move(s));
      channel += plan.tensor(t).shape.c;
    }
    return sources;
  }
  uint64_t offset = 0;
  for (int t : l.inputs) {
    const TensorShape& s = plan.tensor(t).shape;
    // A spatial input is read by Convolve with an H x W window: kernel_row/col are 8 bits.
    if (s.h > 256 || s.w > 256)
      raise_as(kLoweringMsgType, plan.policy.who + ", layer " + l.name + ": input " + plan.tensor(t).name + " is " +
                                     std::to_string(s.h) + "x" + std::to_string(s.w) +
                                     " pixels; a dense layer reads at most 256x256 (Convolve's 8-bit kernel position)");
    sources.push_back({t, s.h, s.w, offset, s.h == 1 && s.w == 1, {}});
    offset += s.elements();
  }
  return sources;
}

/// Whether input tile k of `src` and output tile j of layer `l` share a group (always without groups).
bool groups_meet(const LoweringPlan& plan, const NetworkLayer& l, const PassSource& src, uint64_t k, uint64_t j) {
  if (l.groups <= 1 || !src.channel_map.empty()) return true;  // (a selection read in place: tile_nonzero)
  const uint64_t R = plan.R, C = l.in_shape.c, M = l.out_shape.c, cg = C / l.groups, mg = M / l.groups;
  const uint64_t c_lo = src.feature_offset + k * R;
  const uint64_t c_hi = src.feature_offset + std::min<uint64_t>((k + 1) * R, plan.tensor(src.tensor).shape.c);
  const uint64_t m_lo = j * plan.C, m_hi = std::min<uint64_t>((j + 1) * plan.C, M);
  return c_lo / cg <= (m_hi - 1) / mg && m_lo / mg <= (c_hi - 1) / cg;
}

/// Whether held (not seeded) weights have a nonzero in input tile k x output tile j at any position.
bool tile_nonzero(const LoweringPlan& plan, const NetworkLayer& l, const PassSource& src, uint64_t k, uint64_t j) {
  if (l.weights.is_seeded() || l.weight_bits == 16 || l.op == LayerOp::MatMul)
    return true;  // matmul: written at run time
  const uint64_t R = plan.R, C = plan.tensor(src.tensor).shape.c, N = plan.C;
  const uint64_t n = std::min<uint64_t>(N, l.out_shape.c - j * N);
  std::vector<int8_t> row(n);
  for (uint64_t pos = 0; pos < uint64_t(src.kh) * src.kw; ++pos)
    for (uint64_t c = k * R; c < std::min(C, (k + 1) * R); ++c) {
      std::fill(row.begin(), row.end(), 0);
      weight_row(l, src, C, pos, c, j * N, n, row.data());
      for (int8_t v : row)
        if (v) return true;
    }
  return false;
}

/// Layer `i` of the plan: passes, tiles, windowing (checked against out_row's 16 bits).
PlannedLayer plan_layer(const LoweringPlan& plan, size_t i) {
  const NetworkLayer& l = plan.net->layers[i];
  PlannedLayer p;
  p.out_tiles = ceil_div(l.out_shape.c, plan.C);
  p.weighted = is_weighted(l);
  p.windowed = l.op == LayerOp::MaxPool || l.op == LayerOp::AvgPool;
  if (p.weighted) {
    p.weight_planes = l.weight_bits == 16 ? 2 : 1;
    p.sources = pass_sources(plan, l);
    for (const PassSource& src : p.sources) {
      const std::vector<char>& need = p.needed.emplace_back(needed_tiles(plan, l, src, p.out_tiles));
      p.weight_tiles += uint64_t(std::count(need.begin(), need.end(), char(1))) * src.kh * src.kw * p.weight_planes;
      p.windowed = p.windowed || !src.flat;
    }
    // An output tile of all-zero weights still gets one pass: the Activate reads its sums.
    for (uint64_t j = 0; j < p.out_tiles; ++j) {
      bool any = false;
      for (size_t s = 0; s < p.sources.size(); ++s) {
        const uint64_t tiles = plan.tensor(p.sources[s].tensor).tiles;
        for (uint64_t k = 0; k < tiles; ++k) any = any || p.needed[s][j * tiles + k];
      }
      if (!any) {
        p.needed[0][j * plan.tensor(p.sources[0].tensor).tiles] = 1;
        p.weight_tiles += uint64_t(p.sources[0].kh) * p.sources[0].kw * p.weight_planes;
      }
    }
  }
  // Convolve and Pool address output rows g = 0 .. n*P-1 with a 16-bit out_row.
  const uint64_t out_rows = uint64_t(plan.policy.batch) * l.out_shape.h;
  if (p.windowed && out_rows > 65536)
    raise_as(kLoweringMsgType, plan.policy.who + ", layer " + l.name + ": " + std::to_string(out_rows) +
                                   " output rows (N x P) exceed the 65536 that Convolve's and Pool's 16-bit out_row "
                                   "can address; run fewer samples");
  return p;
}

}  // namespace

std::vector<char> needed_tiles(const LoweringPlan& plan, const NetworkLayer& l, const PassSource& s,
                               uint64_t out_tiles) {
  const uint64_t tiles = plan.tensor(s.tensor).tiles;
  std::vector<char> need(out_tiles * tiles, 0);
  for (uint64_t j = 0; j < out_tiles; ++j)
    for (uint64_t k = 0; k < tiles; ++k)
      need[j * tiles + k] = groups_meet(plan, l, s, k, j) && tile_nonzero(plan, l, s, k, j);
  return need;
}

LoweringPlan plan_lowering(const Network& net, const ArchConfig& cfg, const LoweringPolicy& policy) {
  LoweringPlan plan;
  plan.net = &net;
  plan.policy = policy;
  plan.R = cfg.mxu.rows;
  plan.C = cfg.mxu.cols;
  plan.tensors = plan_tensors(net, plan.R);
  choose_layouts(plan);
  // Bias rows and weight tiles of the weighted layers, in layer order.
  uint64_t weight_tiles = 0, placed_macs = 0;
  std::vector<char> placed(net.layers.size(), 0);  // copy-free Concats first: they fix their producers
  for (size_t i = 0; i < net.layers.size(); ++i) placed[i] = placed_concat(plan, i);
  for (size_t i = 0; i < net.layers.size(); ++i) {
    if (placed[i]) {  // no passes, weights or bias: its producers write its tensor
      plan.layers.emplace_back().placed = true;
      placed_macs += net.layers[i].macs() * net.samples;  // a copy, no longer multiplied
      continue;
    }
    PlannedLayer& p = plan.layers.emplace_back(plan_layer(plan, i));
    for (const PassSource& s : p.sources) {  // a selection read in place: its inputs live to here
      int& last = plan.tensors[plan.tensor_index(s.tensor)].last_use;
      last = std::max(last, int(i));
    }
    p.selection = channel_selection(net.layers[i]);
    if (read_in_place(plan, i)) {  // no passes, weights or bias: its readers read its inputs
      p.read_in_place = true;
      p.weighted = false;
      placed_macs += net.layers[i].macs() * net.samples;
      continue;
    }
    if (net.layers[i].function == ActivationFunction::Lookup) {
      p.table_row = plan.bias_rows;
      plan.bias_rows += lookup_table_rows(plan.R);
    }
    if (p.weighted) {
      p.bias_row = plan.bias_rows;
      plan.bias_rows += p.out_tiles * bias_rows_per_tile(cfg);
      p.weight_base = weight_tiles * plan.R * plan.C;
      weight_tiles += p.weight_tiles;
    }
  }
  plan.weight_image_bytes = weight_tiles * plan.R * plan.C;
  for (uint64_t first = 0; first < net.samples; first += policy.batch)
    plan.batches.push_back({uint32_t(first), uint32_t(std::min<uint64_t>(policy.batch, net.samples - first)), 0, 0});
  plan.useful_macs = net.macs_per_sample() * net.samples - placed_macs;
  return plan;
}

}  // namespace tpu
