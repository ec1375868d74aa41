#include "mxu/mxu_pin_datapath.h"

namespace tpu {

namespace {
// The PE-by-PE SystemC array for an R x C size known at compile time.
template <unsigned R, unsigned C>
std::unique_ptr<MxuDatapath> cycle_datapath(const ArchConfig& cfg, MxuSink& sink) {
  return std::make_unique<PinDatapath<MxuCycleArray<R, C>, R, C>>("datapath", cfg, sink);
}
}  // namespace

std::unique_ptr<MxuDatapath> make_mxu_datapath(const ArchConfig& cfg, MxuSink& sink) {
  switch (cfg.mxu.model) {
    case MxuModel::Analytic: return std::make_unique<AnalyticDatapath>("datapath", cfg, sink);
    case MxuModel::Rtl: return make_rtl_datapath(cfg, sink);
    case MxuModel::Cycle: break;
  }
  const auto is = [&cfg](uint32_t r, uint32_t c) { return cfg.mxu.rows == r && cfg.mxu.cols == c; };
  if (is(4, 4)) return cycle_datapath<4, 4>(cfg, sink);
  if (is(8, 8)) return cycle_datapath<8, 8>(cfg, sink);
  if (is(16, 16)) return cycle_datapath<16, 16>(cfg, sink);
  if (is(32, 32)) return cycle_datapath<32, 32>(cfg, sink);
  if (is(64, 64)) return cycle_datapath<64, 64>(cfg, sink);
  if (is(16, 32)) return cycle_datapath<16, 32>(cfg, sink);  // the non-square test configs
  if (is(32, 16)) return cycle_datapath<32, 16>(cfg, sink);
  raise_as("tpu/mxu", "mxu.model cycle is built for 4x4, 8x8, 16x16, 32x32, 64x64, 16x32 and 32x16 arrays, not " +
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
