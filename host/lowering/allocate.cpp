// allocate (steps.h): Unified Buffer rows of every tensor, accumulator buffers and stripes.
#include <algorithm>
#include <limits>
#include <map>
#include <sstream>

#include "lowering/program_builder.h"
#include "lowering/steps.h"

namespace tpu {

namespace {

/// First-fit allocator of UB rows [lo, hi).
class RowAllocator {
 public:
  RowAllocator(uint64_t lo, uint64_t hi) : peak_(lo) { free_[lo] = hi - lo; }
  /// Base row of `rows` free rows, or UINT64_MAX.
  uint64_t alloc(uint64_t rows) {
    for (auto it = free_.begin(); it != free_.end(); ++it)
      if (it->second >= rows) {
        const uint64_t base = it->first, left = it->second - rows;
        free_.erase(it);
        if (left) free_[base + rows] = left;
        peak_ = std::max(peak_, base + rows);
        return base;
      }
    return std::numeric_limits<uint64_t>::max();
  }
  /// Returns rows [base, base + rows) (allocated before), merging free neighbours.
  void release(uint64_t base, uint64_t rows) {
    auto it = free_.emplace(base, rows).first;
    auto next = std::next(it);
    if (next != free_.end() && it->first + it->second == next->first) it->second += next->second, free_.erase(next);
    if (it != free_.begin()) {
      auto prev = std::prev(it);
      if (prev->first + prev->second == it->first) prev->second += it->second, free_.erase(it);
    }
  }
  /// One past the highest row ever allocated (lo before any).
  uint64_t peak() const { return peak_; }
  uint64_t largest_free() const {
    uint64_t m = 0;
    for (const auto& [b, n] : free_) m = std::max(m, n);
    return m;
  }

 private:
  std::map<uint64_t, uint64_t> free_;  // base -> rows
  uint64_t peak_;
};

[[noreturn]] void fail(const LoweringPlan& plan, int layer, const std::string& what) {
  raise_as(kLoweringMsgType,
           plan.policy.who + (layer >= 0 ? ", layer " + plan.net->layers[size_t(layer)].name : "") + ": " + what);
}

/// Two sets of every tensor after the bias rows, tensors in tensor_index order, `batch` samples each.
void allocate_double_buffered(const LoweringPlan& plan, const ArchConfig& cfg, Allocation& a) {
  const uint64_t B = plan.policy.batch;
  uint64_t rows_per_sample = 0;
  for (const PlannedTensor& t : plan.tensors) rows_per_sample += t.rows_per_sample;
  const uint64_t set_rows = rows_per_sample * B;
  a.ub_rows_used = plan.bias_rows + 2 * set_rows;
  if (a.ub_rows_used > cfg.ub_rows()) {
    const uint64_t max_batch =
        cfg.ub_rows() > plan.bias_rows ? (cfg.ub_rows() - plan.bias_rows) / (2 * rows_per_sample) : 0;
    fail(plan, -1,
         "needs " + std::to_string(a.ub_rows_used) + " Unified Buffer rows, the chip has " +
             std::to_string(cfg.ub_rows()) + "; the largest batch that fits is " + std::to_string(max_batch));
  }
  a.ub_base.assign(2, std::vector<uint64_t>(plan.tensors.size()));
  for (uint64_t set = 0; set < 2; ++set) {
    uint64_t row = plan.bias_rows + set * set_rows;
    for (size_t ti = 0; ti < plan.tensors.size(); ++ti)
      a.ub_base[set][ti] = row, row += plan.tensors[ti].rows_per_sample * B;
  }
}

/// Base row of tensor `id` from `ub`; raises naming the tensor (and `layer`, if >= 0) when it does not fit.
uint64_t place_tensor(const LoweringPlan& plan, const ArchConfig& cfg, RowAllocator& ub, int id, int layer) {
  const PlannedTensor& t = plan.tensor(id);
  const uint64_t N = plan.policy.batch, rows = t.rows(N, plan.R);
  const uint64_t base = ub.alloc(rows);
  if (base == std::numeric_limits<uint64_t>::max()) {
    std::ostringstream m;
    m << "tensor " << t.name << " (" << t.shape.h << "x" << t.shape.w << "x" << t.shape.c << " x " << N
      << " images) needs " << rows << " Unified Buffer rows";
    if (t.group) m << " (packed: " << plan.R / t.group << " pixels of " << t.group << " bytes a row)";
    m << "; the largest free block is " << ub.largest_free() << " of the chip's " << cfg.ub_rows()
      << " rows (bias vectors use " << plan.bias_rows << "); the network does not fit with batch " << N;
    fail(plan, layer, m.str());
  }
  return base;
}

/// One set: the inputs, then each layer's output when the layer starts, after freeing the rows of
/// tensors no later layer reads (every earlier instruction has completed by then: Sync).
void allocate_first_fit(const LoweringPlan& plan, const ArchConfig& cfg, Allocation& a) {
  const Network& net = *plan.net;
  RowAllocator ub(plan.bias_rows, cfg.ub_rows());
  std::vector<uint64_t>& base = a.ub_base.emplace_back(plan.tensors.size(), 0);
  std::vector<bool> live(plan.tensors.size(), false);
  auto place = [&](int id, int layer) {
    base[plan.tensor_index(id)] = place_tensor(plan, cfg, ub, id, layer);
    live[plan.tensor_index(id)] = true;
  };
  for (size_t k = 0; k < net.inputs.size(); ++k) place(-int(k) - 1, -1);
  for (int i = 0; i < int(net.layers.size()); ++i) {
    for (size_t ti = 0; i > 0 && ti < plan.tensors.size(); ++ti)
      if (live[ti] && plan.tensors[ti].last_use < i)
        ub.release(base[ti], plan.tensors[ti].rows(plan.policy.batch, plan.R)), live[ti] = false;
    if (plan.tensor(i).read_in_place) continue;  // a selection its readers read in place: no rows
    const int into = plan.tensor(i).placed_in;   // copy-free Concat: rows of the concat's tensor
    const int own = into >= 0 ? into : i;
    if (!live[plan.tensor_index(own)]) place(own, i);  // a placed concat: at its first producer
    base[plan.tensor_index(i)] = base[plan.tensor_index(own)];
  }
  a.ub_rows_used = ub.peak();
}

/// Stripes of matmul layer i in batch b: at most `per` output rows each, none across a sample (each
/// sample multiplies by its own b, written into the weight memory before its stripes): `total`
/// rows, `h` a sample.
void add_sample_stripes(size_t b, int i, uint64_t h, uint64_t total, uint64_t per, Allocation& a) {
  for (uint64_t s0 = 0; s0 < total; s0 += h)
    for (uint64_t g0 = s0; g0 < s0 + h; g0 += per) a.stripes.push_back({b, i, g0, std::min(per, s0 + h - g0)});
}

/// Accumulator buffers and the stripes of every weighted layer (all batches, program order).
void allocate_accumulators(const LoweringPlan& plan, const ArchConfig& cfg, Allocation& a) {
  const uint64_t rows = cfg.accumulators.rows, B = plan.policy.batch;
  if (plan.policy.batch_accumulators) {
    if (B > rows)
      fail(plan, -1,
           "a batch needs " + std::to_string(B) + " accumulator rows, the chip has " + std::to_string(rows) +
               "; use a batch of at most " + std::to_string(rows));
    a.acc_double = 2 * B <= rows;
    a.acc_buffer_rows = B;
  } else {
    a.acc_double = rows >= 2;
    a.acc_buffer_rows = a.acc_double ? rows / 2 : rows;
  }
  const uint64_t half = a.acc_buffer_rows;
  for (size_t b = 0; b < plan.batches.size(); ++b)
    for (int i = 0; i < int(plan.layers.size()); ++i) {
      if (!plan.layers[size_t(i)].weighted) continue;
      const TensorShape& os = plan.net->layers[size_t(i)].out_shape;
      const uint64_t Q = os.w, total = uint64_t(plan.batches[b].samples) * os.h;
      if (Q > half)
        fail(plan, i,
             "an output row of " + std::to_string(Q) + " pixels does not fit half the accumulators (" +
                 std::to_string(half) + " rows)");
      const uint64_t per = half / Q;
      if (plan.net->layers[size_t(i)].op == LayerOp::MatMul) {
        add_sample_stripes(b, i, os.h, total, per, a);
        continue;
      }
      for (uint64_t g0 = 0; g0 < total; g0 += per) a.stripes.push_back({b, i, g0, std::min(per, total - g0)});
    }
  if (plan.policy.batch_accumulators) {
    a.acc_rows_used = a.acc_double ? 2 * B : B;
    return;
  }
  uint64_t block = 0;  // the rows the stripes' output blocks reach, alternating halves
  for (const Stripe& st : a.stripes)
    for (uint64_t j = 0; j < plan.layers[size_t(st.layer)].out_tiles; ++j, ++block)
      a.acc_rows_used = std::max(a.acc_rows_used, (a.acc_double ? (block % 2) * half : 0) +
                                                      st.rows * plan.net->layers[size_t(st.layer)].out_shape.w);
}

}  // namespace

Allocation allocate(const LoweringPlan& plan, const ArchConfig& cfg) {
  Allocation a;
  if (!plan.policy.double_buffered_batches && plan.bias_rows > cfg.ub_rows())
    fail(plan, -1,
         "the bias vectors alone need " + std::to_string(plan.bias_rows) + " Unified Buffer rows, the chip has " +
             std::to_string(cfg.ub_rows()));
  allocate_accumulators(plan, cfg, a);
  if (plan.policy.double_buffered_batches) allocate_double_buffered(plan, cfg, a);
  else allocate_first_fit(plan, cfg, a);
  return a;
}

}  // namespace tpu
