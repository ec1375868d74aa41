// channel_selection, conv_sources and read_in_place (steps.h): a channel Split/Slice/shuffle or a
// Concat that the importer wrote as a 1x1 conv of 0/1 weights, read in place by the convs that
// read it (their weight rows permuted, zero outside the selection) instead of being copied.
#include <algorithm>

#include "activation/quant.h"
#include "lowering/program_builder.h"
#include "lowering/steps.h"

namespace tpu {

namespace {

/// Whether conv `l` is 1x1, stride 1, unpadded, ungrouped, same H x W, with held int8 weights,
/// zero bias, identity function and a requantization mapping every int8 to itself.
bool copy_shaped(const NetworkLayer& l) {
  if (l.op != LayerOp::Conv || l.kh != 1 || l.kw != 1 || l.sh != 1 || l.sw != 1 || l.groups != 1) return false;
  if (l.pad_top || l.pad_left || l.pad_bottom || l.pad_right || l.weights.is_seeded() || l.weight_bits != 8)
    return false;
  if (l.function != ActivationFunction::Identity || l.out_shape.h != l.in_shape.h || l.out_shape.w != l.in_shape.w)
    return false;
  if (std::any_of(l.bias.begin(), l.bias.end(), [](int32_t b) { return b != 0; })) return false;
  for (int v = -128; v <= 127; ++v)
    if (activate(v, 0, l.requant, ActivationFunction::Identity) != v) return false;
  return true;
}

/// Whether reader `r` of tensor `t` can read it in place: a conv of int8 weights.
bool reads_in_place(const NetworkLayer& r) { return r.op == LayerOp::Conv && r.weight_bits == 8; }

/// Layer `l`'s input channel of its input number `n` (inputs concatenated).
uint64_t input_offset(const LoweringPlan& plan, const NetworkLayer& l, size_t n) {
  uint64_t offset = 0;
  for (size_t k = 0; k < n; ++k) offset += plan.tensor(l.inputs[k]).shape.c;
  return offset;
}

/// Weight tiles (passes x kernel positions) of conv `l` over `sources`, and the rows they stream
/// (each pass one output pixel per cycle: tiles x P x Q per sample).
struct PassCost {
  uint64_t tiles = 0, rows = 0;
  void add(const LoweringPlan& plan, const NetworkLayer& l, const std::vector<PassSource>& sources) {
    const uint64_t out_tiles = ceil_div(l.out_shape.c, plan.C);
    for (const PassSource& s : sources) {
      const std::vector<char> need = needed_tiles(plan, l, s, out_tiles);
      const uint64_t n = uint64_t(std::count(need.begin(), need.end(), char(1))) * s.kh * s.kw;
      tiles += n;
      rows += n * l.out_shape.h * l.out_shape.w;
    }
  }
};

}  // namespace

std::vector<int64_t> channel_selection(const NetworkLayer& l) {
  if (!copy_shaped(l)) return {};
  const uint64_t C = l.in_shape.c, M = l.out_shape.c;
  std::vector<int64_t> sel(M, -1);
  std::vector<char> used(C, 0);
  std::vector<int8_t> row(M);
  for (uint64_t c = 0; c < C; ++c) {
    l.weights.copy(c * M, M, row.data());
    for (uint64_t m = 0; m < M; ++m) {
      if (row[m] == 0) continue;
      if (row[m] != 1 || used[c] || sel[m] >= 0) return {};  // not 0/1, a channel read twice, a sum
      used[c] = 1;
      sel[m] = int64_t(c);
    }
  }
  if (std::count(sel.begin(), sel.end(), int64_t(-1))) return {};  // an output of no input
  return sel;
}

std::vector<PassSource> conv_sources(const LoweringPlan& plan, const NetworkLayer& l, int t, uint64_t offset) {
  // A 1x1, unit-stride, unpadded conv reads each output pixel's own input row.
  const bool flat = l.kh == 1 && l.kw == 1 && l.sh == 1 && l.sw == 1 && l.pad_top == 0 && l.pad_left == 0 &&
                    l.out_shape.h == l.in_shape.h && l.out_shape.w == l.in_shape.w;
  if (!plan.tensor(t).read_in_place) return {{t, l.kh, l.kw, offset, flat, {}}};
  const PlannedLayer& sel = plan.layers[size_t(t)];
  std::vector<int64_t> out_of(plan.net->layers[size_t(t)].in_shape.c, -1);  // selection input -> output channel
  for (size_t j = 0; j < sel.selection.size(); ++j) out_of[size_t(sel.selection[j])] = int64_t(j);
  std::vector<PassSource> sources;
  for (const PassSource& s : sel.sources) {
    PassSource r{s.tensor, l.kh, l.kw, 0, flat, {}};
    const uint64_t C = plan.tensor(s.tensor).shape.c;
    r.channel_map.assign(C, -1);
    bool any = false;
    for (uint64_t c = 0; c < C; ++c) {
      const int64_t v = s.channel_map.empty() ? int64_t(s.feature_offset + c) : s.channel_map[c];
      if (v < 0 || out_of[size_t(v)] < 0) continue;
      r.channel_map[c] = int64_t(offset) + out_of[size_t(v)];
      any = true;
    }
    if (any) sources.push_back(std::move(r));
  }
  return sources;
}

bool read_in_place(LoweringPlan& plan, size_t i) {
  const Network& net = *plan.net;
  const PlannedLayer& p = plan.layers[i];
  PlannedTensor& t = plan.tensors[plan.tensor_index(int(i))];
  if (plan.policy.padded_host_rows || plan.policy.double_buffered_batches || p.selection.empty()) return false;
  if (int(i) == net.output || t.placed_in >= 0 || t.planes > 1 || p.placed) return false;
  for (const PassSource& s : p.sources)  // a copy that changes the element type (saturates) is no selection
    if (plan.tensor(s.tensor).type != t.type) return false;
  PassCost folded, kept;  // the readers' passes on the selection's inputs, on its tensor
  for (size_t k = i + 1; k < net.layers.size(); ++k) {
    const NetworkLayer& r = net.layers[k];
    for (size_t n = 0; n < r.inputs.size(); ++n) {
      if (r.inputs[n] != int(i)) continue;
      if (!reads_in_place(r)) return false;
      const uint64_t offset = input_offset(plan, r, n);
      kept.add(plan, r, conv_sources(plan, r, int(i), offset));
      t.read_in_place = true;  // (conv_sources reads it) until decided below
      folded.add(plan, r, conv_sources(plan, r, int(i), offset));
      t.read_in_place = false;
    }
  }
  const NetworkLayer& l = net.layers[i];
  const uint64_t pixels = uint64_t(l.out_shape.h) * l.out_shape.w;
  kept.tiles += p.weight_tiles;
  kept.rows += (p.weight_tiles + p.out_tiles) * pixels;  // the copy's passes and Activates
  t.read_in_place = folded.tiles <= kept.tiles && folded.rows <= kept.rows;
  return t.read_in_place;
}

}  // namespace tpu
