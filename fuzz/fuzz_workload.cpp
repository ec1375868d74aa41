// libFuzzer target: the dense-MLP workload manifest reader (host/manifest/workload.h
// load_workload). The input is parsed from memory as workload.yaml of a scratch directory that
// links the data files of traces/digits and traces/random_mlp, so manifests naming them load
// their data.
#include "fuzz_common.h"

#include "config/yaml_section.h"
#include "manifest/workload.h"

namespace {
const tpu_fuzz::ScratchDir& scratch() {
  static const tpu_fuzz::ScratchDir dir([] {
    auto links = tpu_fuzz::ScratchDir::files_of("traces/digits");
    for (auto& l : tpu_fuzz::ScratchDir::files_of("traces/random_mlp")) links.push_back(l);
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
    (void)tpu::load_workload(path, root);
  });
  return 0;
}
