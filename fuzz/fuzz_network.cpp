// libFuzzer target: the network manifest reader (host/manifest/network.h load_network). The input
// is parsed from memory as workload.yaml of a scratch directory that links the data files of the
// small shipped networks (traces/conv_small, traces/lstm_small, traces/conv_one).
#include "fuzz_common.h"

#include "config/yaml_section.h"
#include "manifest/network.h"

namespace {
const tpu_fuzz::ScratchDir& scratch() {
  static const tpu_fuzz::ScratchDir dir([] {
    std::vector<std::pair<std::string, std::filesystem::path>> links;
    for (const char* d : {"traces/conv_small", "traces/lstm_small", "traces/conv_one"})
      for (auto& l : tpu_fuzz::ScratchDir::files_of(d)) links.push_back(l);
    return links;
  }());
  return dir;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
  scratch();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = scratch().path("workload.yaml");
  tpu_fuzz::expect_named_error([&] {
    const YAML::Node root =
        tpu::parse_yaml_document("tpu/workload", tpu_fuzz::text(data, size), path, "workload manifest");
    (void)tpu::load_network(path, root);
  });
  return 0;
}
