#include "util/huge_pages.h"

#include <sys/mman.h>

#include <cstdlib>

namespace tpu {

namespace {
// `n` bytes rounded up to whole huge pages.
uint64_t whole_huge_pages(uint64_t n) { return (n + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes; }
}  // namespace

void* map_huge(uint64_t n) {
  // Whole huge pages at a huge-page boundary (a huge page must be aligned): map one more and
  // unmap the unaligned head and the tail (never empty: the head is less than a huge page).
  const uint64_t len = whole_huge_pages(n);
  void* p = mmap(nullptr, len + kHugePageBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t raw = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = (raw + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
  if (aligned > raw) munmap(p, aligned - raw);
  munmap(reinterpret_cast<void*>(aligned + len), raw + kHugePageBytes - aligned);
  madvise(reinterpret_cast<void*>(aligned), len, MADV_HUGEPAGE);  // advice: without THP, 4 KiB pages
  return reinterpret_cast<void*>(aligned);
}

void unmap_huge(void* p, uint64_t n) {
  if (p) munmap(p, whole_huge_pages(n));
}

ZeroedBytes::ZeroedBytes(uint64_t n) {
  if (n >= kHugePageBytes) {
    p_ = static_cast<uint8_t*>(map_huge(n));
    mapped_ = n;
    return;
  }
  p_ = static_cast<uint8_t*>(std::calloc(n ? n : 1, 1));
  if (!p_) throw std::bad_alloc();
}

ZeroedBytes::~ZeroedBytes() {
  if (mapped_) unmap_huge(p_, mapped_);
  else std::free(p_);
}

}  // namespace tpu
