// libFuzzer target: the architecture config reader (model/config/config.h load_config, with its
// strict YAML reader model/config/yaml_section.h). The input is parsed from memory as config.yaml
// of a scratch directory holding links dram -> configs/dram and energy -> configs/energy, so
// `preset: dram/NAME.yaml` and `preset: energy/NAME.yaml` resolve as they do for the shipped
// configs.
#include "fuzz_common.h"

#include "config/config.h"
#include "config/yaml_section.h"

namespace {
const tpu_fuzz::ScratchDir& scratch() {
  const std::filesystem::path configs = std::filesystem::path(TPU_TLM_SOURCE_DIR) / "configs";
  static const tpu_fuzz::ScratchDir dir({{"dram", configs / "dram"}, {"energy", configs / "energy"}});
  return dir;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
  scratch();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = scratch().path("config.yaml");
  tpu_fuzz::expect_named_error([&] {
    const YAML::Node root = tpu::parse_yaml_document("tpu/config", tpu_fuzz::text(data, size), path, "config file");
    const tpu::ArchConfig cfg = tpu::load_config(path, root);
    tpu::validate_config(cfg, path);  // what load_config accepted must stay valid
  });
  return 0;
}
