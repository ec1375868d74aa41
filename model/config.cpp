// Loading and validation of the YAML architecture config (see config.h).
#include "config.h"

#include "yaml_section.h"

#include <cmath>
#include <limits>
#include <vector>

namespace tpu {
namespace {

constexpr const char* kMsgType = "tpu/config";

// Raises "<origin>: <key>: <what>".
[[noreturn]] void raise(const std::string& origin, const std::string& key, const std::string& what) {
  raise_as(kMsgType, origin + ": " + key + ": " + what);
}

// Fills `cfg` from the parsed document `root` of `file`; absent keys keep their defaults.
void read_document(const std::string& file, const YAML::Node& root, ArchConfig& cfg) {
  const YamlSection top(kMsgType, file, root, "",
                    {"name", "clock_mhz", "mxu", "weight_fifo", "unified_buffer", "accumulators",
                     "activation", "sequencer", "pcie", "dram"});
  top.require("name", "every config file must set name");
  top.read("name", cfg.name);
  top.read("clock_mhz", cfg.clock_mhz);

  const YamlSection mxu = top.section("mxu", {"rows", "cols", "weight_shift_cycles"});
  mxu.read("rows", cfg.mxu.rows);
  mxu.read("cols", cfg.mxu.cols);
  mxu.read("weight_shift_cycles", cfg.mxu.weight_shift_cycles);

  top.section("weight_fifo", {"depth_tiles"}).read("depth_tiles", cfg.weight_fifo.depth_tiles);
  top.section("unified_buffer", {"size_bytes"}).read("size_bytes", cfg.unified_buffer.size_bytes);
  top.section("accumulators", {"rows"}).read("rows", cfg.accumulators.rows);
  top.section("activation", {"pipeline_cycles"}).read("pipeline_cycles", cfg.activation.pipeline_cycles);

  const YamlSection seq = top.section("sequencer", {"issue_cycles", "queue_depth", "instruction_buffer_bytes"});
  seq.read("issue_cycles", cfg.sequencer.issue_cycles);
  seq.read("queue_depth", cfg.sequencer.queue_depth);
  seq.read("instruction_buffer_bytes", cfg.sequencer.instruction_buffer_bytes);

  const YamlSection pcie = top.section("pcie", {"bandwidth_bytes_per_s", "latency_ns"});
  pcie.read("bandwidth_bytes_per_s", cfg.pcie.bandwidth_bytes_per_s);
  pcie.read("latency_ns", cfg.pcie.latency_ns);

  const YamlSection dram = top.section("dram", {"channels", "data_rate_mts", "bus_width_bits", "latency_ns",
                                            "interleave_bytes", "capacity_bytes"});
  dram.read("channels", cfg.dram.channels);
  dram.read("data_rate_mts", cfg.dram.data_rate_mts);
  dram.read("bus_width_bits", cfg.dram.bus_width_bits);
  dram.read("latency_ns", cfg.dram.latency_ns);
  dram.read("interleave_bytes", cfg.dram.interleave_bytes);
  dram.read("capacity_bytes", cfg.dram.capacity_bytes);
}

}  // namespace

ArchConfig load_config(const std::string& path) {
  const YAML::Node root = load_yaml_document(kMsgType, path, "config file");
  ArchConfig cfg;
  read_document(path, root, cfg);
  cfg.source_file = path;
  validate_config(cfg, path);
  return cfg;
}

void validate_config(const ArchConfig& cfg, const std::string& origin) {
  // Raises "<origin>: <key>: <what>" unless `ok`.
  const auto check = [&origin](bool ok, const char* key, const std::string& what) {
    if (!ok) raise(origin, key, what);
  };
  constexpr uint64_t kU32Max = std::numeric_limits<uint32_t>::max();
  // Checks an unsigned field against [lo, hi] (hi == kU32Max: no upper limit for a uint32_t).
  const auto range = [&check](uint64_t v, uint64_t lo, uint64_t hi, const char* key) {
    check(v >= lo && v <= hi, key,
          (hi == kU32Max ? "must be >= " + std::to_string(lo)
                         : "must be between " + std::to_string(lo) + " and " + std::to_string(hi)) +
              ", got " + std::to_string(v));
  };

  check(std::isfinite(cfg.clock_mhz) && cfg.clock_mhz > 0.0 && cfg.clock_mhz <= 100000.0, "clock_mhz",
        "must be > 0 and <= 100000 (MHz), got " + format_number(cfg.clock_mhz));

  range(cfg.mxu.rows, 1, 4096, "mxu.rows");
  range(cfg.mxu.cols, 1, 4096, "mxu.cols");
  check(cfg.mxu.rows == cfg.mxu.cols, "mxu.cols",
        "must equal mxu.rows, got " + std::to_string(cfg.mxu.rows) + " rows x " +
            std::to_string(cfg.mxu.cols) + " cols: non-square arrays are not supported yet");
  range(cfg.mxu.weight_shift_cycles, 1, kU32Max, "mxu.weight_shift_cycles");
  range(cfg.weight_fifo.depth_tiles, 1, kU32Max, "weight_fifo.depth_tiles");

  const uint64_t ub = cfg.unified_buffer.size_bytes;
  check(ub != 0 && ub % cfg.mxu.rows == 0, "unified_buffer.size_bytes",
        "must be a nonzero multiple of mxu.rows (" + std::to_string(cfg.mxu.rows) + " bytes per row), got " +
            std::to_string(ub));
  check(cfg.ub_rows() <= (uint64_t(1) << 24), "unified_buffer.size_bytes",
        "gives " + std::to_string(cfg.ub_rows()) + " rows of " + std::to_string(cfg.mxu.rows) +
            " bytes, more than the 16777216 (2^24) rows the ISA's 24-bit UB row address reaches");

  range(cfg.accumulators.rows, 1, 65536, "accumulators.rows");
  // activation.pipeline_cycles >= 0 holds for every uint32_t value: nothing to check.

  range(cfg.sequencer.issue_cycles, 1, kU32Max, "sequencer.issue_cycles");
  range(cfg.sequencer.queue_depth, 1, kU32Max, "sequencer.queue_depth");
  check(cfg.sequencer.instruction_buffer_bytes >= 12 && cfg.sequencer.instruction_buffer_bytes % 12 == 0,
        "sequencer.instruction_buffer_bytes",
        "must be a positive multiple of 12 (the instruction size), got " +
            std::to_string(cfg.sequencer.instruction_buffer_bytes));

  check(std::isfinite(cfg.pcie.bandwidth_bytes_per_s) && cfg.pcie.bandwidth_bytes_per_s > 0.0,
        "pcie.bandwidth_bytes_per_s", "must be > 0, got " + format_number(cfg.pcie.bandwidth_bytes_per_s));
  check(std::isfinite(cfg.pcie.latency_ns) && cfg.pcie.latency_ns >= 0.0, "pcie.latency_ns",
        "must be >= 0, got " + format_number(cfg.pcie.latency_ns));

  range(cfg.dram.channels, 1, kU32Max, "dram.channels");
  check(std::isfinite(cfg.dram.data_rate_mts) && cfg.dram.data_rate_mts > 0.0, "dram.data_rate_mts",
        "must be > 0, got " + format_number(cfg.dram.data_rate_mts));
  check(cfg.dram.bus_width_bits > 0 && cfg.dram.bus_width_bits % 8 == 0, "dram.bus_width_bits",
        "must be a positive multiple of 8, got " + std::to_string(cfg.dram.bus_width_bits));
  check(std::isfinite(cfg.dram.latency_ns) && cfg.dram.latency_ns >= 0.0, "dram.latency_ns",
        "must be >= 0, got " + format_number(cfg.dram.latency_ns));
  const uint32_t il = cfg.dram.interleave_bytes;
  check(il >= 8 && (il & (il - 1)) == 0, "dram.interleave_bytes",
        "must be a power of two >= 8, got " + std::to_string(il));
  range(cfg.dram.capacity_bytes, 1, uint64_t(1) << 48, "dram.capacity_bytes");
}

void init_time_resolution() {
  // A function-local static runs the call once (thread-safe); if it throws (an sc_time already
  // exists), the next call tries again and reports again instead of silently doing nothing.
  [[maybe_unused]] static const bool done = [] {
    sc_core::sc_set_time_resolution(1, sc_core::SC_FS);
    return true;
  }();
}

}  // namespace tpu
