// libFuzzer target: dram-bench's trace reader (tools/dram_bench/dram_bench.h parse_trace). The
// input is the trace text. An accepted trace must hold at least one request, 64-byte aligned,
// with non-decreasing cycles.
#include "fuzz_common.h"

#include "dram_bench/dram_bench.h"

#include <sstream>

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  tpu_fuzz::expect_named_error([&] {
    const tpu::bench::Trace t = tpu::bench::parse_trace(in, "fuzz.trace");
    if (t.requests.empty()) tpu_fuzz::finding("an accepted trace without requests");
    for (size_t i = 0; i < t.requests.size(); ++i) {
      if (t.requests[i].address % tpu::bench::kRequestBytes != 0)
        tpu_fuzz::finding("a request address not 64-byte aligned");
      if (i && t.requests[i].cycle < t.requests[i - 1].cycle) tpu_fuzz::finding("cycles decrease");
    }
  });
  return 0;
}
