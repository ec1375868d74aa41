// Test harness: runs a hand-written program on a chip, through the same Tpu and Host modules as
// tpu-sim. SystemC allows one elaboration per process: one ProgramBench per test case.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <systemc>

#include "chip/tpu.h"
#include "config/config.h"
#include "isa/isa.h"
#include "lowering/lowering.h"
#include "runtime/host.h"

namespace tpu::test {

/// n random int8 values over the full range, from std::mt19937(seed) (test stimulus).
inline std::vector<int8_t> random_int8(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-128, 127);
  std::vector<int8_t> v(n);
  for (auto& x : v) x = int8_t(d(rng));
  return v;
}

/// A small config for tests: R x R MXU with a 1 GHz clock (1 ns cycles, so DRAM and PCIe times
/// in whole ns are whole cycles), shift-in of R cycles, one DRAM channel of the
/// bandwidth-latency model (the tests' cycle formulas use its bandwidth and latency).
inline ArchConfig bench_config(uint32_t R = 16) {
  init_time_resolution();
  ArchConfig c;
  c.name = "bench";
  c.clock_mhz = 1000.0;
  c.mxu.rows = c.mxu.cols = R;
  c.mxu.weight_shift_cycles = R;
  c.unified_buffer.size_bytes = 4096ull * R;
  c.accumulators.rows = 1024;
  c.activation.pipeline_cycles = 4;
  c.dram.model = DramModel::BandwidthLatency;
  c.dram.channels = 1;
  validate_config(c, "bench_config");
  return c;
}

/// The chip, a host with the given memory images, and a program given as assembly text.
struct ProgramBench {
  ProgramBench(const ArchConfig& cfg, const std::string& assembly, std::vector<uint8_t> weight_image,
               std::vector<uint8_t> host_image)
      : cfg_(cfg) {
    program_.program = assemble(assembly, "test program");
    program_.weight_image.assign(weight_image.begin(), weight_image.end());
    program_.host_image = std::move(host_image);
    chip = std::make_unique<Tpu>("tpu", cfg_, sc_core::sc_time(1, sc_core::SC_US));
    host = std::make_unique<Host>("host", program_);
    host->socket.bind(chip->host_socket());
    chip->pcie_socket().bind(host->memory.socket);
    host->interrupt.bind(chip->interrupt);
  }
  /// Runs to Halt; returns false if the simulation ran out of events first (deadlock).
  bool run() {
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    sc_core::sc_start();
    return host->finished();
  }
  /// Accumulator row `row` as int32 values.
  const int32_t* acc_row(uint64_t row) const {
    return reinterpret_cast<const int32_t*>(chip->accumulators.data()) + row * cfg_.mxu.cols;
  }

  ArchConfig cfg_;
  LoweredProgram program_;
  std::unique_ptr<Tpu> chip;
  std::unique_ptr<Host> host;
};

}  // namespace tpu::test
