#include "manifest/seeded_values.h"

#include <algorithm>
#include <utility>

#include "util/vector_clones.h"

namespace tpu {

namespace {
// splitmix64's output function applied to value i of seed S (network.h's file comment).
uint64_t seeded_value(uint64_t seed, uint64_t i) {
  uint64_t z = seed * 0x9E3779B97F4A7C15ull + (i + 1) * 0xBF58476D1CE4E5B9ull;
  z ^= z >> 30;
  z *= 0xBF58476D1CE4E5B9ull;
  z ^= z >> 27;
  z *= 0x94D049BB133111EBull;
  z ^= z >> 31;
  return z;
}
}  // namespace

// The seeded weights of a network (25 M values for ResNet-50) are generated here, so it is
// written to vectorize: z % 255 from the sum of z's bytes (256 = 1 mod 255, so z and its byte sum
// are congruent), 32-bit once the sum is formed (a 64-bit modulo does not vectorize). ResNet-50's
// weights: 26 -> 6 ms on AVX-512.
TPU_VECTOR_CLONES
void seeded_int8_into(uint64_t seed, uint64_t first, uint64_t count, int8_t* out) {
  constexpr uint64_t kEvenBytes = 0x00ff00ff00ff00ffull;
  for (uint64_t k = 0; k < count; ++k) {
    const uint64_t z = seeded_value(seed, first + k);
    uint64_t s = (z & kEvenBytes) + ((z >> 8) & kEvenBytes);  // four 16-bit sums of byte pairs
    s += s >> 16;
    s += s >> 32;  // their total in the low 16 bits
    out[k] = int8_t(int(uint32_t(s & 0xffff) % 255) - 127);
  }
}

std::vector<int8_t> seeded_int8(uint64_t seed, uint64_t count) {
  std::vector<int8_t> values(count);
  seeded_int8_into(seed, 0, count, values.data());
  return values;
}

std::vector<int32_t> seeded_int32(uint64_t seed, uint64_t count) {
  std::vector<int32_t> out(count);
  for (uint64_t i = 0; i < count; ++i) out[i] = int32_t(seeded_value(seed, i) % 65536) - 32768;
  return out;
}

Int8Values Int8Values::seeded(uint64_t seed, uint64_t count) {
  Int8Values v;
  v.count_ = count;
  v.seed_ = seed;
  v.seeded_ = true;
  return v;
}

void Int8Values::copy(uint64_t first, uint64_t n, int8_t* out) const {
  if (seeded_) {
    seeded_int8_into(seed_, first, n, out);
  } else {
    std::copy(held_.begin() + std::ptrdiff_t(first), held_.begin() + std::ptrdiff_t(first + n), out);
  }
}

std::vector<int8_t> Int8Values::values() const {
  if (!seeded_) return held_;
  return seeded_int8(seed_, count_);
}

std::vector<int8_t>& Int8Values::held() {
  if (seeded_) {
    held_ = seeded_int8(seed_, count_);
    seeded_ = false;
  }
  return held_;
}

}  // namespace tpu
