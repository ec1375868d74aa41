// The simulator's own large arrays (memory models, the weight image): zeroed pages from the OS,
// and 2 MiB transparent huge pages for large ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>

namespace tpu {

/// Size of an x86-64 transparent huge page, bytes.
constexpr uint64_t kHugePageBytes = uint64_t(2) << 20;

/// Maps `n` bytes (rounded up to whole huge pages) of zeroed anonymous memory at a 2 MiB boundary
/// and advises it as transparent huge pages (madvise(MADV_HUGEPAGE)): one page fault per 2 MiB
/// instead of per 4 KiB where the kernel allows it (/sys/kernel/mm/transparent_hugepage/enabled
/// "always" or "madvise"), 4 KiB pages otherwise. Raises std::bad_alloc when mmap fails.
void* map_huge(uint64_t n);
/// Unmaps what map_huge(n) returned (the same n).
void unmap_huge(void* p, uint64_t n);

/// A zero-initialised byte array whose pages come zeroed from the OS on first touch (calloc below
/// 2 MiB, map_huge() from 2 MiB), so a memory model's bytes cost host memory only once used (the
/// UB is 24 MiB; a workload may use part of it). Huge pages pay for the DRAM's storage (ResNet-50
/// takes 13k fewer page faults, 4% of its run) and for the on-chip memories (ResNet-50: 5k fewer
/// faults, 4-8% of its run; the digits run touches three huge pages and is no slower).
class ZeroedBytes {
 public:
  ZeroedBytes() = default;
  /// `n` zero bytes (huge pages advised from 2 MiB); raises std::bad_alloc when the host has no
  /// memory left.
  explicit ZeroedBytes(uint64_t n);
  ZeroedBytes(ZeroedBytes&& o) noexcept : p_(o.p_), mapped_(o.mapped_) { o.p_ = nullptr, o.mapped_ = 0; }
  ZeroedBytes& operator=(ZeroedBytes&& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(mapped_, o.mapped_);
    return *this;
  }
  ZeroedBytes(const ZeroedBytes&) = delete;
  ZeroedBytes& operator=(const ZeroedBytes&) = delete;
  ~ZeroedBytes();
  uint8_t* get() const { return p_; }

 private:
  uint8_t* p_ = nullptr;
  uint64_t mapped_ = 0;  // bytes mapped with mmap (0: from calloc)
};

/// A std::allocator for large arrays written whole (std::vector<uint8_t, HugePageAllocator<uint8_t>>
/// of the weight image): allocations of 2 MiB or more come from map_huge(), smaller ones from
/// operator new. Raises std::bad_alloc.
template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}
  T* allocate(std::size_t n) {
    const uint64_t bytes = uint64_t(n) * sizeof(T);
    return static_cast<T*>(bytes >= kHugePageBytes ? map_huge(bytes) : ::operator new(bytes));
  }
  void deallocate(T* p, std::size_t n) {
    const uint64_t bytes = uint64_t(n) * sizeof(T);
    if (bytes >= kHugePageBytes) unmap_huge(p, bytes);
    else ::operator delete(p);
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
  template <class U>
  bool operator!=(const HugePageAllocator<U>&) const {
    return false;
  }
};

}  // namespace tpu
