// Seeded data of workload manifests ({random_seed: S} in place of a data file: the rule of
// network.h's file comment) and int8 arrays that are held, or generated from a seed when read.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace tpu {

/// `count` int8 values of seed `seed`, in [-127, 127] (network.h's rule).
std::vector<int8_t> seeded_int8(uint64_t seed, uint64_t count);
/// Values first .. first + count - 1 of seed `seed` (those of seeded_int8(seed, first + count)
/// from index `first`), written to out[0 .. count - 1].
void seeded_int8_into(uint64_t seed, uint64_t first, uint64_t count, int8_t* out);
/// `count` int32 values of seed `seed`, in [-32768, 32767] (network.h's rule for a bias).
std::vector<int32_t> seeded_int32(uint64_t seed, uint64_t count);

/// An int8 array of a workload (a layer's weights): values held (read from a data file, or
/// built by a test), or seeded: the `count` values seeded_int8(seed, count) generated where they
/// are read. A seeded network's weights are then written once, into the lowered weight image,
/// instead of first into arrays of their own (ResNet-50: 25 MB of fresh memory, 6,200 page
/// faults, ~10% of a run).
class Int8Values {
 public:
  Int8Values() = default;
  /// Held values.
  explicit Int8Values(std::vector<int8_t> values) : held_(std::move(values)) {}
  /// `count` seeded values of seed `seed`, generated when read.
  static Int8Values seeded(uint64_t seed, uint64_t count);

  /// Number of values.
  uint64_t size() const { return seeded_ ? count_ : held_.size(); }
  bool empty() const { return size() == 0; }
  /// True while the values are a seed and a count (generated where read).
  bool is_seeded() const { return seeded_; }
  /// Copies values first .. first + n - 1 (first + n <= size()) to out[0 .. n - 1].
  void copy(uint64_t first, uint64_t n, int8_t* out) const;
  /// All the values, generated if seeded.
  std::vector<int8_t> values() const;
  /// The values as a held array to change in place (a seeded array is generated first).
  std::vector<int8_t>& held();

 private:
  std::vector<int8_t> held_;
  uint64_t count_ = 0, seed_ = 0;  // seeded: the values' count and seed
  bool seeded_ = false;
};

}  // namespace tpu
