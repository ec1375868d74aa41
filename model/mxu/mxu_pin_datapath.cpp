#include "mxu/mxu_pin_datapath.h"

namespace tpu {

namespace {
// The PE-by-PE SystemC array for a square size known at compile time.
template <unsigned N>
std::unique_ptr<MxuDatapath> cycle_datapath(const ArchConfig& cfg, MxuSink& sink) {
  return std::make_unique<PinDatapath<MxuCycleArray<N, N>, N, N>>("datapath", cfg, sink);
}
}  // namespace

std::unique_ptr<MxuDatapath> make_mxu_datapath(const ArchConfig& cfg, MxuSink& sink) {
  switch (cfg.mxu.model) {
    case MxuModel::Analytic: return std::make_unique<AnalyticDatapath>("datapath", cfg, sink);
    case MxuModel::Rtl: return make_rtl_datapath(cfg, sink);
    case MxuModel::Cycle: break;
  }
  switch (cfg.mxu.rows) {
    case 4: return cycle_datapath<4>(cfg, sink);
    case 8: return cycle_datapath<8>(cfg, sink);
    case 16: return cycle_datapath<16>(cfg, sink);
    case 32: return cycle_datapath<32>(cfg, sink);
    case 64: return cycle_datapath<64>(cfg, sink);
  }
  raise_as("tpu/mxu", "mxu.model cycle is built for 4x4, 8x8, 16x16, 32x32 and 64x64 arrays, not " +
                          std::to_string(cfg.mxu.rows) + "x" + std::to_string(cfg.mxu.cols) +
                          " (add the size to make_mxu_datapath)");
}

#ifndef TPU_HAVE_VERILATOR
std::unique_ptr<MxuDatapath> make_rtl_datapath(const ArchConfig&, MxuSink&) {
  raise_as("tpu/mxu",
           "mxu.model rtl needs the Verilated array, and this build found no Verilator "
           "(install it with scripts/setup.sh and configure again)");
}
#endif

}  // namespace tpu
