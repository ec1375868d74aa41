// libFuzzer target: the architecture config reader (model/config/config.h load_config, with its
// strict YAML reader model/config/yaml_section.h). The input is written as config.yaml into a
// scratch directory holding a link dram -> configs/dram, so `preset: dram/NAME.yaml` resolves as
// it does for the shipped configs.
#include "fuzz_common.h"

#include "config/config.h"

namespace {
const tpu_fuzz::ScratchDir& scratch() {
  static const tpu_fuzz::ScratchDir dir({{"dram", std::filesystem::path(TPU_TLM_SOURCE_DIR) / "configs" / "dram"}});
  return dir;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
  scratch();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = scratch().write("config.yaml", data, size);
  tpu_fuzz::expect_named_error([&] {
    const tpu::ArchConfig cfg = tpu::load_config(path);
    tpu::validate_config(cfg, path);  // what load_config accepted must stay valid
  });
  return 0;
}
