// The Verilated MXU arrays as the MXU's datapath (mxu.model: rtl). Built only when CMake found
// Verilator (mxu/rtl/rtl.cmake), which also defines TPU_HAVE_VERILATOR.
#include "Vmxu_array16.h"
#include "Vmxu_array16x32.h"
#include "mxu/mxu_pin_datapath.h"

namespace tpu {

std::unique_ptr<MxuDatapath> make_rtl_datapath(const ArchConfig& cfg, MxuSink& sink) {
  if (cfg.mxu.rows == 16 && cfg.mxu.cols == 16)
    return std::make_unique<PinDatapath<Vmxu_array16, 16, 16>>("datapath", cfg, sink);
  if (cfg.mxu.rows == 16 && cfg.mxu.cols == 32)
    return std::make_unique<PinDatapath<Vmxu_array16x32, 16, 32>>("datapath", cfg, sink);
  raise_as("tpu/mxu", "mxu.model rtl is verilated for 16x16 and 16x32 arrays, not " + std::to_string(cfg.mxu.rows) +
                          "x" + std::to_string(cfg.mxu.cols) + " (see mxu/rtl/README.md to verilate other sizes)");
}

}  // namespace tpu
