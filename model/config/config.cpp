// Loading and validation of the YAML architecture config (see config.h).
#include "config/config.h"

#include "config/yaml_section.h"

#include <filesystem>
#include "dram/dram_address.h"

#include <cmath>
#include <limits>
#include <set>
#include <vector>

namespace tpu {
namespace {

constexpr const char* kMsgType = "tpu/config";

// Raises "<origin>: <key>: <what>".
[[noreturn]] void raise(const std::string& origin, const std::string& key, const std::string& what) {
  raise_as(kMsgType, origin + ": " + key + ": " + what);
}

const std::vector<std::string> kDramKeys = {"preset",
                                            "model",
                                            "standard",
                                            "channels",
                                            "ranks",
                                            "bank_groups",
                                            "banks_per_group",
                                            "rows",
                                            "columns",
                                            "bus_width_bits",
                                            "burst_length",
                                            "data_rate_mts",
                                            "timing",
                                            "address_mapping",
                                            "page_policy",
                                            "refresh",
                                            "read_queue_depth",
                                            "write_queue_depth",
                                            "write_high_watermark",
                                            "write_low_watermark",
                                            "max_row_hits",
                                            "latency_ns",
                                            "interleave_bytes",
                                            "capacity_bytes",
                                            "power"};

const std::vector<std::string> kDramPowerKeys = {
    "vdd", "idd0", "idd2n", "idd3n", "idd4r", "idd4w", "idd5", "device_width_bits", "pj_per_bit"};

// The energy table's keys (config.h, EnergyConfig), each with its field. Every one must be stated
// when a config has an energy section: an energy left out would silently count as a default.
std::vector<std::pair<const char*, double*>> energy_fields(EnergyConfig& e) {
  return {{"node_nm", &e.node_nm},
          {"mac_pj", &e.mac_pj},
          {"weight_shift_pj_per_tile", &e.weight_shift_pj_per_tile},
          {"ub_read_pj_per_row", &e.ub_read_pj_per_row},
          {"ub_write_pj_per_row", &e.ub_write_pj_per_row},
          {"acc_read_pj_per_row", &e.acc_read_pj_per_row},
          {"acc_write_pj_per_row", &e.acc_write_pj_per_row},
          {"weight_fifo_write_pj_per_tile", &e.weight_fifo_write_pj_per_tile},
          {"weight_fifo_read_pj_per_tile", &e.weight_fifo_read_pj_per_tile},
          {"activation_pj_per_element", &e.activation_pj_per_element},
          {"activation_lookup_pj", &e.activation_lookup_pj},
          {"instruction_pj", &e.instruction_pj},
          {"pcie_pj_per_byte", &e.pcie_pj_per_byte},
          {"static_power_w", &e.static_power_w}};
}

std::vector<std::string> energy_keys() {
  EnergyConfig e;
  std::vector<std::string> keys = {"preset"};
  for (const auto& [key, field] : energy_fields(e)) keys.push_back(key);
  return keys;
}

// Reads the energy keys present in `s` into `e`; adds their names to `given`.
void read_energy(const YamlSection& s, EnergyConfig& e, std::set<std::string>& given) {
  for (auto [key, field] : energy_fields(e)) {
    if (!s.has(key)) continue;
    s.read(key, *field);
    if (!(*field >= 0.0)) s.fail(key, "must be >= 0, got " + format_number(*field));
    given.insert(key);
  }
}

// Reads the keys of a dram section (absent keys keep their values).
void read_dram(const YamlSection& s, DramConfig& d) {
  s.read_choice("model", kDramModels, d.model);
  s.read_choice("standard", kDramStandards, d.standard);
  for (auto [key, field] : {std::pair<const char*, uint32_t*>{"channels", &d.channels},
                            {"ranks", &d.ranks},
                            {"bank_groups", &d.bank_groups},
                            {"banks_per_group", &d.banks_per_group},
                            {"rows", &d.rows},
                            {"columns", &d.columns},
                            {"bus_width_bits", &d.bus_width_bits},
                            {"burst_length", &d.burst_length},
                            {"read_queue_depth", &d.read_queue_depth},
                            {"write_queue_depth", &d.write_queue_depth},
                            {"write_high_watermark", &d.write_high_watermark},
                            {"write_low_watermark", &d.write_low_watermark},
                            {"max_row_hits", &d.max_row_hits},
                            {"interleave_bytes", &d.interleave_bytes}})
    s.read(key, *field);
  s.read("data_rate_mts", d.data_rate_mts);
  s.read("address_mapping", d.address_mapping);
  s.read_choice("page_policy", kPagePolicies, d.page_policy);
  s.read_choice("refresh", kRefreshPolicies, d.refresh);
  s.read("latency_ns", d.latency_ns);
  s.read("capacity_bytes", d.capacity_bytes);
  DramPowerConfig& p = d.power;
  const YamlSection ps = s.section("power", kDramPowerKeys);
  for (auto [key, field] : {std::pair<const char*, double*>{"vdd", &p.vdd},
                            {"idd0", &p.idd0},
                            {"idd2n", &p.idd2n},
                            {"idd3n", &p.idd3n},
                            {"idd4r", &p.idd4r},
                            {"idd4w", &p.idd4w},
                            {"idd5", &p.idd5},
                            {"pj_per_bit", &p.pj_per_bit}}) {
    ps.read(key, *field);
    if (ps.has(key) && !(*field >= 0.0)) ps.fail(key, "must be >= 0, got " + format_number(*field));
  }
  ps.read("device_width_bits", p.device_width_bits);
  DramTiming& t = d.timing;
  const YamlSection ts = s.section(
      "timing", {"CL",     "CWL",    "tRCD", "tRP",    "tRAS",   "tRC",   "tRRD_S", "tRRD_L", "tFAW",   "tWR",
                 "tWTR_S", "tWTR_L", "tRTP", "tCCD_S", "tCCD_L", "tRTRS", "tRFC",   "tREFI",  "tRFCpb", "tREFIpb"});
  for (auto [key, field] : {std::pair<const char*, uint32_t*>{"CL", &t.CL},
                            {"CWL", &t.CWL},
                            {"tRCD", &t.tRCD},
                            {"tRP", &t.tRP},
                            {"tRAS", &t.tRAS},
                            {"tRC", &t.tRC},
                            {"tRRD_S", &t.tRRD_S},
                            {"tRRD_L", &t.tRRD_L},
                            {"tFAW", &t.tFAW},
                            {"tWR", &t.tWR},
                            {"tWTR_S", &t.tWTR_S},
                            {"tWTR_L", &t.tWTR_L},
                            {"tRTP", &t.tRTP},
                            {"tCCD_S", &t.tCCD_S},
                            {"tCCD_L", &t.tCCD_L},
                            {"tRTRS", &t.tRTRS},
                            {"tRFC", &t.tRFC},
                            {"tREFI", &t.tREFI},
                            {"tRFCpb", &t.tRFCpb},
                            {"tREFIpb", &t.tREFIpb}})
    ts.read(key, *field);
}

// Reads the energy section of `top` (file `file`): its preset's keys, then its own. Without an
// energy section the defaults (config.h) stand; with one, every energy must be stated in the
// preset or the section, and none may be negative.
void read_energy_section(const std::string& file, const YamlSection& top, EnergyConfig& e) {
  if (!top.has("energy")) return;
  const std::vector<std::string> keys = energy_keys();
  const YamlSection sec = top.section("energy", keys);
  std::set<std::string> given;
  if (sec.has("preset")) {
    std::string preset;
    sec.read("preset", preset);
    const std::string path = (std::filesystem::path(file).parent_path() / preset).string();
    const YamlSection ptop(kMsgType, path, load_yaml_document(kMsgType, path, "energy preset (from " + file + ")"), "",
                           {"name", "energy"});
    const YamlSection pe = ptop.section("energy", keys);
    if (pe.has("preset")) pe.fail("preset", "presets do not nest");
    read_energy(pe, e, given);
  }
  read_energy(sec, e, given);
  for (const auto& [key, field] : energy_fields(e))
    if (!given.count(key))
      sec.fail(key, "missing: every energy must be stated (in the section or its preset) with its source");
}

// Fills `cfg` from the parsed document `root` of `file`; absent keys keep their defaults.
void read_document(const std::string& file, const YAML::Node& root, ArchConfig& cfg) {
  const YamlSection top(kMsgType, file, root, "",
                        {"name", "clock_mhz", "mxu", "weight_fifo", "unified_buffer", "accumulators", "activation",
                         "sequencer", "pcie", "dram", "energy"});
  top.require("name", "every config file must set name");
  top.read("name", cfg.name);
  top.read("clock_mhz", cfg.clock_mhz);

  const YamlSection mxu = top.section("mxu", {"rows", "cols", "weight_shift_cycles", "model"});
  mxu.read_choice("model", kMxuModels, cfg.mxu.model);
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

  const YamlSection dram = top.section("dram", kDramKeys);
  bool capacity_given = false;
  if (dram.has("preset")) {
    // A preset is another config file whose dram section supplies the defaults.
    std::string preset;
    dram.read("preset", preset);
    const std::string path = (std::filesystem::path(file).parent_path() / preset).string();
    const YamlSection ptop(kMsgType, path, load_yaml_document(kMsgType, path, "DRAM preset (from " + file + ")"), "",
                           {"name", "dram"});
    const YamlSection pdram = ptop.section("dram", kDramKeys);
    if (pdram.has("preset")) pdram.fail("preset", "presets do not nest");
    read_dram(pdram, cfg.dram);
    capacity_given = pdram.has("capacity_bytes");
  }
  read_dram(dram, cfg.dram);
  read_energy_section(file, top, cfg.energy);
  capacity_given = capacity_given || dram.has("capacity_bytes");
  // The JEDEC model's capacity is its geometry's; a stated capacity must agree.
  if (cfg.dram.model == DramModel::Jedec) {
    if (capacity_given && cfg.dram.capacity_bytes != cfg.dram.geometry_bytes())
      dram.fail("capacity_bytes", "is " + std::to_string(cfg.dram.capacity_bytes) + " but the geometry holds " +
                                      std::to_string(cfg.dram.geometry_bytes()) +
                                      " bytes; omit it for the jedec model");
    cfg.dram.capacity_bytes = cfg.dram.geometry_bytes();
  }
}

}  // namespace

ArchConfig load_config(const std::string& path) {
  return load_config(path, load_yaml_document(kMsgType, path, "config file"));
}

ArchConfig load_config(const std::string& path, const YAML::Node& root) {
  ArchConfig cfg;
  read_document(path, root, cfg);
  cfg.source_file = path;
  validate_config(cfg, path);
  return cfg;
}

namespace {

constexpr uint64_t kU32Max = std::numeric_limits<uint32_t>::max();

// The checks of validate_config, raising "<origin>: <key>: <what>".
struct Checker {
  const std::string& origin;
  // Raises unless `ok`.
  void check(bool ok, const char* key, const std::string& what) const {
    if (!ok) raise(origin, key, what);
  }
  // Checks an unsigned field against [lo, hi] (hi == kU32Max: no upper limit for a uint32_t).
  void range(uint64_t v, uint64_t lo, uint64_t hi, const char* key) const {
    check(v >= lo && v <= hi, key,
          (hi == kU32Max ? "must be >= " + std::to_string(lo)
                         : "must be between " + std::to_string(lo) + " and " + std::to_string(hi)) +
              ", got " + std::to_string(v));
  }
};

// The clock, the MXU, the memories, the sequencer and PCIe.
void validate_chip(const ArchConfig& cfg, const Checker& c) {
  const auto check = [&c](bool ok, const char* key, const std::string& what) { c.check(ok, key, what); };
  const auto range = [&c](uint64_t v, uint64_t lo, uint64_t hi, const char* key) { c.range(v, lo, hi, key); };
  check(std::isfinite(cfg.clock_mhz) && cfg.clock_mhz > 0.0 && cfg.clock_mhz <= 100000.0, "clock_mhz",
        "must be > 0 and <= 100000 (MHz), got " + format_number(cfg.clock_mhz));

  range(cfg.mxu.rows, 1, 4096, "mxu.rows");
  range(cfg.mxu.cols, 1, 4096, "mxu.cols");
  range(cfg.mxu.weight_shift_cycles, 1, kU32Max, "mxu.weight_shift_cycles");
  check(cfg.mxu.model == MxuModel::Analytic || cfg.mxu.weight_shift_cycles == cfg.mxu.rows, "mxu.weight_shift_cycles",
        "must equal mxu.rows (" + std::to_string(cfg.mxu.rows) + ") for the " + std::string(to_string(cfg.mxu.model)) +
            " model, which shifts one weight row per cycle; got " + std::to_string(cfg.mxu.weight_shift_cycles));
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
  // The host reaches the buffer at kControlBase + 0x1000'0000 within a 4 GiB control window.
  constexpr uint64_t kMaxInstructionBuffer = (uint64_t(1) << 32) - 0x1000'0000;
  check(cfg.sequencer.instruction_buffer_bytes <= kMaxInstructionBuffer, "sequencer.instruction_buffer_bytes",
        "must be at most " + std::to_string(kMaxInstructionBuffer) + " (the host's control window), got " +
            std::to_string(cfg.sequencer.instruction_buffer_bytes));

  check(std::isfinite(cfg.pcie.bandwidth_bytes_per_s) && cfg.pcie.bandwidth_bytes_per_s > 0.0,
        "pcie.bandwidth_bytes_per_s", "must be > 0, got " + format_number(cfg.pcie.bandwidth_bytes_per_s));
  check(std::isfinite(cfg.pcie.latency_ns) && cfg.pcie.latency_ns >= 0.0, "pcie.latency_ns",
        "must be >= 0, got " + format_number(cfg.pcie.latency_ns));
}

// The weight memory's dram section (geometry and JEDEC timing for the jedec model).
void validate_dram(const DramConfig& d, const Checker& c) {
  const auto check = [&c](bool ok, const char* key, const std::string& what) { c.check(ok, key, what); };
  const auto range = [&c](uint64_t v, uint64_t lo, uint64_t hi, const char* key) { c.range(v, lo, hi, key); };
  range(d.channels, 1, kU32Max, "dram.channels");
  check(std::isfinite(d.data_rate_mts) && d.data_rate_mts > 0.0, "dram.data_rate_mts",
        "must be > 0, got " + format_number(d.data_rate_mts));
  check(d.bus_width_bits > 0 && d.bus_width_bits % 8 == 0, "dram.bus_width_bits",
        "must be a positive multiple of 8, got " + std::to_string(d.bus_width_bits));
  check(std::isfinite(d.latency_ns) && d.latency_ns >= 0.0, "dram.latency_ns",
        "must be >= 0, got " + format_number(d.latency_ns));
  const uint32_t il = d.interleave_bytes;
  check(il >= 8 && (il & (il - 1)) == 0, "dram.interleave_bytes",
        "must be a power of two >= 8, got " + std::to_string(il));
  if (d.model == DramModel::Jedec) {
    const auto pow2 = [&](uint64_t v, const char* key) {
      check(v >= 1 && (v & (v - 1)) == 0, key, "must be a power of two for the jedec model, got " + std::to_string(v));
    };
    pow2(d.channels, "dram.channels");
    pow2(d.ranks, "dram.ranks");
    pow2(d.bank_groups, "dram.bank_groups");
    pow2(d.banks_per_group, "dram.banks_per_group");
    pow2(d.rows, "dram.rows");
    pow2(d.columns, "dram.columns");
    check(d.burst_length == 2 || d.burst_length == 4 || d.burst_length == 8 || d.burst_length == 16,
          "dram.burst_length", "must be 2, 4, 8 or 16, got " + std::to_string(d.burst_length));
    check(d.columns >= d.burst_length, "dram.columns", "must be >= burst_length, got " + std::to_string(d.columns));
    check(d.standard != DramStandard::DDR3 || d.bank_groups == 1, "dram.bank_groups", "must be 1 for DDR3");
    const DramTiming& t = d.timing;
    for (auto [key, v] : {std::pair<const char*, uint32_t>{"dram.timing.CL", t.CL},
                          {"dram.timing.CWL", t.CWL},
                          {"dram.timing.tRCD", t.tRCD},
                          {"dram.timing.tRP", t.tRP},
                          {"dram.timing.tRAS", t.tRAS},
                          {"dram.timing.tCCD_S", t.tCCD_S},
                          {"dram.timing.tCCD_L", t.tCCD_L},
                          {"dram.timing.tRFC", t.tRFC},
                          {"dram.timing.tREFI", t.tREFI}})
      range(v, 1, kU32Max, key);
    check(t.tRC >= t.tRAS, "dram.timing.tRC",
          "must be >= tRAS (" + std::to_string(t.tRAS) + "), got " + std::to_string(t.tRC));
    check(t.tREFI > t.tRFC, "dram.timing.tREFI",
          "must exceed tRFC (" + std::to_string(t.tRFC) + "), got " + std::to_string(t.tREFI));
    if (d.refresh == RefreshPolicy::PerBank)
      check(t.tRFCpb > 0 && t.tREFIpb > t.tRFCpb, "dram.timing.tREFIpb",
            "per_bank refresh needs tRFCpb > 0 and tREFIpb > tRFCpb");
    std::string why;
    check(!parse_address_mapping(d.address_mapping, &why).empty(), "dram.address_mapping", why);
    range(d.read_queue_depth, 1, kU32Max, "dram.read_queue_depth");
    range(d.write_queue_depth, 1, kU32Max, "dram.write_queue_depth");
    range(d.write_high_watermark, 1, d.write_queue_depth, "dram.write_high_watermark");
    check(d.write_low_watermark < d.write_high_watermark, "dram.write_low_watermark",
          "must be below write_high_watermark (" + std::to_string(d.write_high_watermark) + "), got " +
              std::to_string(d.write_low_watermark));
    range(d.max_row_hits, 1, kU32Max, "dram.max_row_hits");
  }
  range(d.capacity_bytes, 1, uint64_t(1) << 48, "dram.capacity_bytes");
}

// The energy table and the DRAM's currents: finite and >= 0.
void validate_energy(const ArchConfig& cfg, const Checker& c) {
  const DramConfig& d = cfg.dram;
  const auto check = [&c](bool ok, const char* key, const std::string& what) { c.check(ok, key, what); };
  const DramPowerConfig& p = d.power;
  check(p.device_width_bits > 0 && d.bus_width_bits % p.device_width_bits == 0, "dram.power.device_width_bits",
        "must divide bus_width_bits (" + std::to_string(d.bus_width_bits) + "), got " +
            std::to_string(p.device_width_bits));
  for (auto [key, v] : {std::pair<const char*, double>{"dram.power.vdd", p.vdd},
                        {"dram.power.idd0", p.idd0},
                        {"dram.power.idd2n", p.idd2n},
                        {"dram.power.idd3n", p.idd3n},
                        {"dram.power.idd4r", p.idd4r},
                        {"dram.power.idd4w", p.idd4w},
                        {"dram.power.idd5", p.idd5},
                        {"dram.power.pj_per_bit", p.pj_per_bit}})
    check(std::isfinite(v) && v >= 0.0, key, "must be >= 0, got " + format_number(v));
  EnergyConfig e = cfg.energy;
  for (const auto& [key, field] : energy_fields(e))
    check(std::isfinite(*field) && *field >= 0.0, ("energy." + std::string(key)).c_str(),
          "must be >= 0, got " + format_number(*field));
}

}  // namespace

void validate_config(const ArchConfig& cfg, const std::string& origin) {
  const Checker c{origin};
  validate_chip(cfg, c);
  validate_dram(cfg.dram, c);
  validate_energy(cfg, c);
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
