// Tests of the YAML architecture config: the shipped configs, strict parsing and validation.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "config/config.h"
#include "config/yaml_section.h"

namespace {

using tpu::ArchConfig;

const std::string kSourceDir = TPU_TLM_SOURCE_DIR;

using tpu::test::Contains;

// Runs `fn`, which must raise SC_REPORT_ERROR("tpu/config"); returns the message ("" if not).
std::string ErrorOf(const std::function<void()>& fn) { return tpu::test::ErrorOf("tpu/config", fn); }

// Fixture with a fresh temporary directory for YAML files, removed afterwards.
class ConfigFileTest : public tpu::test::ManifestDirTest {
 protected:
  // Writes `text` to <tmpdir>/<name> and returns its path.
  std::string Write(const std::string& name, const std::string& text) { return WriteManifest(text, name); }

  // Writes `text` to a file, loads it and returns the error message ("" if it loaded).
  std::string LoadError(const std::string& text) {
    const std::string path = Write("cfg.yaml", text);
    const std::string msg = ErrorOf([&] { tpu::load_config(path); });
    EXPECT_TRUE(Contains(msg, path + ": "));
    return msg;
  }
};

TEST(Config, TpuV1MatchesThePaper) {
  const ArchConfig cfg = tpu::load_config(kSourceDir + "/configs/tpu_v1.yaml");
  EXPECT_EQ(cfg.name, "tpu_v1");
  EXPECT_EQ(cfg.source_file, kSourceDir + "/configs/tpu_v1.yaml");
  EXPECT_EQ(cfg.clock_mhz, 700.0);
  EXPECT_EQ(cfg.mxu.rows, 256u);
  EXPECT_EQ(cfg.mxu.cols, 256u);
  EXPECT_EQ(cfg.mxu.weight_shift_cycles, 256u);
  EXPECT_EQ(cfg.weight_fifo.depth_tiles, 4u);
  EXPECT_EQ(cfg.unified_buffer.size_bytes, 25165824u);
  EXPECT_EQ(cfg.accumulators.rows, 4096u);
  EXPECT_EQ(uint64_t(cfg.accumulators.rows) * cfg.mxu.cols * 4, 4u << 20);  // 4 MiB
  EXPECT_EQ(cfg.activation.pipeline_cycles, 16u);
  EXPECT_EQ(cfg.sequencer.issue_cycles, 1u);
  EXPECT_EQ(cfg.sequencer.queue_depth, 8u);
  EXPECT_EQ(cfg.sequencer.instruction_buffer_bytes, 786432u);
  EXPECT_EQ(cfg.pcie.bandwidth_bytes_per_s, 15.754e9);
  EXPECT_NEAR(cfg.pcie.bandwidth_bytes_per_s, 16 * 8e9 * 128 / 130 / 8, 0.001e9);  // Gen3 x16
  EXPECT_EQ(cfg.pcie.latency_ns, 1000.0);
  EXPECT_EQ(cfg.dram.channels, 2u);
  EXPECT_EQ(cfg.dram.data_rate_mts, 2133.0);
  EXPECT_EQ(cfg.dram.bus_width_bits, 64u);
  EXPECT_EQ(cfg.dram.latency_ns, 50.0);
  EXPECT_EQ(cfg.dram.interleave_bytes, 256u);
  EXPECT_EQ(cfg.dram.capacity_bytes, 8589934592u);
  EXPECT_NEAR(cfg.dram.channel_bandwidth_bytes_per_s() * cfg.dram.channels, 34.1e9, 0.05e9);
  EXPECT_EQ(cfg.ub_rows(), 98304u);
  EXPECT_EQ(cfg.tile_bytes(), 65536u);
}

TEST(Config, TpuV1StatesEveryKey) {
  // tpu_v1.yaml is documentation too: every key of the schema must be written out.
  const std::map<std::string, std::set<std::string>> schema = {
      {"mxu", {"rows", "cols", "weight_shift_cycles", "model"}},
      {"weight_fifo", {"depth_tiles"}},
      {"unified_buffer", {"size_bytes"}},
      {"accumulators", {"rows"}},
      {"activation", {"pipeline_cycles"}},
      {"sequencer", {"issue_cycles", "queue_depth", "instruction_buffer_bytes"}},
      {"pcie", {"bandwidth_bytes_per_s", "latency_ns"}},
  };
  const YAML::Node root = YAML::LoadFile(kSourceDir + "/configs/tpu_v1.yaml");
  EXPECT_TRUE(root["name"].IsScalar());
  EXPECT_TRUE(root["clock_mhz"].IsScalar());
  for (const auto& [section, keys] : schema)
    for (const std::string& key : keys) EXPECT_TRUE(root[section][key].IsScalar()) << section << "." << key;
  // The weight memory comes from a preset file, which writes out every DRAM key.
  ASSERT_EQ(root["dram"]["preset"].as<std::string>(), "dram/ddr3_2133.yaml");
  const YAML::Node dram = YAML::LoadFile(kSourceDir + "/configs/dram/ddr3_2133.yaml")["dram"];
  for (const char* key : {"model",
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
                          "address_mapping",
                          "page_policy",
                          "refresh",
                          "read_queue_depth",
                          "write_queue_depth",
                          "write_high_watermark",
                          "write_low_watermark",
                          "max_row_hits",
                          "latency_ns",
                          "interleave_bytes"})
    EXPECT_TRUE(dram[key].IsScalar()) << "dram." << key;
  for (const char* key : {"CL", "CWL", "tRCD", "tRP", "tRAS", "tRC", "tRRD_S", "tRRD_L", "tFAW", "tWR", "tWTR_S",
                          "tWTR_L", "tRTP", "tCCD_S", "tCCD_L", "tRTRS", "tRFC", "tREFI"})
    EXPECT_TRUE(dram["timing"][key].IsScalar()) << "dram.timing." << key;
}

TEST(Config, SmallLoads) {
  const ArchConfig cfg = tpu::load_config(kSourceDir + "/configs/small.yaml");
  EXPECT_EQ(cfg.name, "small_16x16");
  EXPECT_EQ(cfg.mxu.rows, 16u);
  EXPECT_EQ(cfg.mxu.cols, 16u);
  EXPECT_EQ(cfg.mxu.weight_shift_cycles, 16u);
  EXPECT_EQ(cfg.weight_fifo.depth_tiles, 4u);
  EXPECT_EQ(cfg.unified_buffer.size_bytes, 65536u);
  EXPECT_EQ(cfg.accumulators.rows, 512u);
  EXPECT_EQ(cfg.activation.pipeline_cycles, 4u);
  EXPECT_EQ(cfg.clock_mhz, 700.0);
  EXPECT_EQ(cfg.dram.channels, 2u);
}

TEST(Config, DefaultsAreValid) { EXPECT_NO_THROW(tpu::validate_config(ArchConfig{}, "defaults")); }

TEST(Config, ClockPeriodIsFemtosecondAccurate) {
  tpu::init_time_resolution();
  tpu::init_time_resolution();  // later calls are no-ops, not "resolution already set" errors
  EXPECT_EQ(sc_core::sc_get_time_resolution(), sc_core::sc_time(1, sc_core::SC_FS));
  ArchConfig cfg;
  cfg.clock_mhz = 700.0;
  EXPECT_EQ(cfg.clock_period().value(), 1428571u);
  EXPECT_EQ(cfg.clock_period(), sc_core::sc_time(1428571, sc_core::SC_FS));
}

TEST_F(ConfigFileTest, PartialConfigKeepsDefaults) {
  const std::string path = Write("partial.yaml", "name: partial\nmxu: {rows: 32, cols: 32}\n");
  const ArchConfig cfg = tpu::load_config(path);
  const ArchConfig def;
  EXPECT_EQ(cfg.name, "partial");
  EXPECT_EQ(cfg.source_file, path);
  EXPECT_EQ(cfg.mxu.rows, 32u);
  EXPECT_EQ(cfg.mxu.cols, 32u);
  EXPECT_EQ(cfg.mxu.weight_shift_cycles, def.mxu.weight_shift_cycles);
  EXPECT_EQ(cfg.clock_mhz, def.clock_mhz);
  EXPECT_EQ(cfg.weight_fifo.depth_tiles, def.weight_fifo.depth_tiles);
  EXPECT_EQ(cfg.unified_buffer.size_bytes, def.unified_buffer.size_bytes);
  EXPECT_EQ(cfg.accumulators.rows, def.accumulators.rows);
  EXPECT_EQ(cfg.activation.pipeline_cycles, def.activation.pipeline_cycles);
  EXPECT_EQ(cfg.sequencer.instruction_buffer_bytes, def.sequencer.instruction_buffer_bytes);
  EXPECT_EQ(cfg.pcie.bandwidth_bytes_per_s, def.pcie.bandwidth_bytes_per_s);
  EXPECT_EQ(cfg.dram.channels, def.dram.channels);
  EXPECT_EQ(cfg.dram.capacity_bytes, def.dram.capacity_bytes);
}

TEST_F(ConfigFileTest, AcceptsLargeAndHexIntegers) {
  const ArchConfig cfg =
      tpu::load_config(Write("big.yaml",
                             "name: big\nunified_buffer: {size_bytes: 0x1800000}\n"
                             "dram: {model: bandwidth_latency, capacity_bytes: 281474976710656, latency_ns: 4.5e1}\n"));
  EXPECT_EQ(cfg.unified_buffer.size_bytes, 25165824u);
  EXPECT_EQ(cfg.dram.capacity_bytes, uint64_t(1) << 48);
  EXPECT_EQ(cfg.dram.latency_ns, 45.0);
}

TEST_F(ConfigFileTest, UnknownTopLevelKey) {
  const std::string msg = LoadError("name: x\nclock_mhx: 700\n");
  EXPECT_TRUE(Contains(msg, ": clock_mhx: unknown key"));
  EXPECT_TRUE(Contains(msg, "clock_mhz"));  // lists the allowed keys
}

TEST_F(ConfigFileTest, UnknownNestedKey) {
  const std::string msg = LoadError("name: x\nmxu:\n  rows: 256\n  colz: 256\n");
  EXPECT_TRUE(Contains(msg, ": mxu.colz: unknown key"));
  EXPECT_TRUE(Contains(msg, "rows, cols, weight_shift_cycles"));
}

TEST_F(ConfigFileTest, StringForInteger) {
  EXPECT_TRUE(Contains(LoadError("name: x\nmxu: {rows: sixteen}\n"), ": mxu.rows: must be a non-negative integer"));
  // A quoted number is a string.
  EXPECT_TRUE(Contains(LoadError("name: x\nmxu: {rows: \"256\"}\n"),
                       ": mxu.rows: must be a non-negative integer (decimal or 0x hex), got \"256\""));
  EXPECT_TRUE(Contains(LoadError("name: x\nmxu: {rows: 12abc}\n"),
                       "mxu.rows: must be a non-negative integer (decimal or 0x hex), got 12abc"));
}

TEST_F(ConfigFileTest, NegativeInteger) {
  EXPECT_TRUE(Contains(LoadError("name: x\nmxu: {rows: -3}\n"),
                       ": mxu.rows: must be a non-negative integer (decimal or 0x hex), got -3"));
}

TEST_F(ConfigFileTest, FractionalInteger) {
  EXPECT_TRUE(Contains(LoadError("name: x\naccumulators: {rows: 1.5}\n"),
                       ": accumulators.rows: must be a non-negative integer (decimal or 0x hex), got 1.5"));
}

TEST_F(ConfigFileTest, IntegerOutOfRange) {
  EXPECT_TRUE(
      Contains(LoadError("name: x\nmxu: {rows: 4294967296}\n"), ": mxu.rows: out of range (maximum 4294967295)"));
  EXPECT_TRUE(Contains(LoadError("name: x\ndram: {capacity_bytes: 18446744073709551616}\n"),
                       ": dram.capacity_bytes: out of range"));
}

TEST_F(ConfigFileTest, BadDouble) {
  EXPECT_TRUE(Contains(LoadError("name: x\nclock_mhz: fast\n"), ": clock_mhz: must be a finite number, got fast"));
  EXPECT_TRUE(Contains(LoadError("name: x\nclock_mhz: .inf\n"), ": clock_mhz: must be a finite number, got .inf"));
  EXPECT_TRUE(
      Contains(LoadError("name: x\npcie: {latency_ns: 1e999}\n"), ": pcie.latency_ns: must be a finite number"));
}

TEST_F(ConfigFileTest, MapWhereScalarExpected) {
  EXPECT_TRUE(Contains(LoadError("name: x\nmxu: {rows: {a: 1}}\n"),
                       ": mxu.rows: must be a non-negative integer (decimal or 0x hex), got a map"));
  EXPECT_TRUE(Contains(LoadError("name: [a, b]\n"), ": name: must be a non-empty string, got a sequence"));
}

TEST_F(ConfigFileTest, NonMapSection) {
  const std::string msg = LoadError("name: x\ndram: 2\n");
  EXPECT_TRUE(Contains(msg, ": dram: must be a map"));
  EXPECT_TRUE(Contains(msg, "got 2"));
  EXPECT_TRUE(Contains(LoadError("- name: x\n"), ": (top level): must be a map"));
}

TEST_F(ConfigFileTest, MissingName) {
  EXPECT_TRUE(Contains(LoadError("clock_mhz: 700\n"), ": name: missing"));
  EXPECT_TRUE(Contains(LoadError("name:\n"), ": name: must be a non-empty string"));
}

TEST_F(ConfigFileTest, DuplicateKey) {
  EXPECT_TRUE(Contains(LoadError("name: x\nmxu:\n  rows: 16\n  rows: 32\n"), ": mxu.rows: duplicate key"));
}

TEST_F(ConfigFileTest, NonSquareArray) {
  // R x C: tiles of R x C bytes, UB rows of R bytes (the 24 MiB default / 128 rows).
  const tpu::ArchConfig cfg = tpu::load_config(Write("cfg.yaml", "name: x\nmxu: {rows: 128, cols: 256}\n"));
  EXPECT_EQ(cfg.tile_bytes(), 128u * 256u);
  EXPECT_EQ(cfg.ub_rows(), (24u << 20) / 128u);
}

TEST_F(ConfigFileTest, UbSizeNotAMultipleOfRows) {
  EXPECT_TRUE(
      Contains(LoadError("name: x\nunified_buffer: {size_bytes: 1000}\n"),
               ": unified_buffer.size_bytes: must be a nonzero multiple of mxu.rows (256 bytes per row), got 1000"));
}

TEST_F(ConfigFileTest, InterleaveNotAPowerOfTwo) {
  EXPECT_TRUE(Contains(LoadError("name: x\ndram: {interleave_bytes: 384}\n"),
                       ": dram.interleave_bytes: must be a power of two >= 8, got 384"));
}

TEST_F(ConfigFileTest, ZeroClock) {
  EXPECT_TRUE(Contains(LoadError("name: x\nclock_mhz: 0\n"), ": clock_mhz: must be > 0 and <= 100000 (MHz), got 0"));
}

TEST_F(ConfigFileTest, MissingFile) {
  const std::string path = (dir_ / "does_not_exist.yaml").string();
  const std::string msg = ErrorOf([&] { tpu::load_config(path); });
  EXPECT_TRUE(Contains(msg, path + ": cannot open config file"));
}

TEST_F(ConfigFileTest, YamlSyntaxError) {
  const std::string msg = LoadError("name: x\nmxu:\n  rows: [16, 32\n  cols: 16\n");
  EXPECT_TRUE(Contains(msg, ": line "));
  EXPECT_TRUE(Contains(msg, "YAML error"));
  EXPECT_TRUE(Contains(LoadError("name: x\nmxu: {rows: 1}}\nclock_mhz: 700\n"), ": line 2, column 15: "));
}

TEST_F(ConfigFileTest, EmptyFileAndSeveralDocuments) {
  EXPECT_TRUE(Contains(LoadError(""), "empty config file"));
  EXPECT_TRUE(Contains(LoadError("name: a\n---\nname: b\n"), "2 YAML documents"));
}

// Found by fuzz_network (fuzz/): a ',' where a document starts made yaml-cpp's LoadAll return
// endless empty documents, so loading any YAML file never ended and ate all memory.
TEST_F(ConfigFileTest, StrayCommaAtTopLevelIsAnErrorNotAHang) {
  EXPECT_TRUE(Contains(LoadError(","), ": line 1, column 1: YAML error: unexpected ','"));
  EXPECT_TRUE(Contains(LoadError(",a"), ": line 1, column 1: YAML error: unexpected ','"));
  EXPECT_TRUE(Contains(LoadError("name: a\n---\n,\n"), ": line 3, column 1: YAML error: unexpected ','"));
  EXPECT_TRUE(Contains(LoadError("name: a\n---\nname: b\n---\nname: c\n"), "3 YAML documents"));
}

// Found by the badinput test (tests/tools/badinput/): yaml-cpp 0.7 takes an unterminated quoted
// string to the end of the file, so every key after it was silently dropped (name: "abc followed
// by mxu.rows: 16 loaded a 256x256 chip named "abc mxu: rows: 16").
TEST_F(ConfigFileTest, UnterminatedQuoteIsAnErrorNotTheRestOfTheFile) {
  EXPECT_TRUE(Contains(LoadError("name: \"abc\nmxu:\n  rows: 16\n"),
                       ": line 1, column 7: YAML error: the quoted string is not closed"));
  EXPECT_TRUE(Contains(LoadError("name: x\nmxu:\n  model: 'cycle\n  rows: 16\n"),
                       ": line 3, column 10: YAML error: the quoted string is not closed"));
  EXPECT_TRUE(
      Contains(LoadError("name: x\n\"mxu\n"), ": line 2, column 1: YAML error: the quoted string is not closed"));
  // Closed strings with escaped quotes, doubled single quotes and quote characters in block
  // scalars and comments are fine.
  EXPECT_EQ(tpu::load_config(Write("e.yaml", "name: \"a\\\"b\"\n")).name, "a\"b");
  EXPECT_EQ(tpu::load_config(Write("s.yaml", "name: 'it''s'\n")).name, "it's");
  EXPECT_EQ(tpu::load_config(Write("b.yaml", "name: |\n  it's \"here\n# don't\n")).name, "it's \"here\n");
  EXPECT_EQ(tpu::load_config(Write("q.yaml", "name: \"a'b\"  # it's\n")).name, "a'b");
}

// A config held in memory (parse_yaml_document + load_config(path, root)) loads as the same
// text in a file does, and its errors name the origin given.
TEST_F(ConfigFileTest, ParsedFromMemoryLikeAFile) {
  const std::string text = "name: mem\nmxu:\n  rows: 32\n  cols: 32\n";
  const ArchConfig from_file = tpu::load_config(Write("m.yaml", text));
  const ArchConfig from_memory =
      tpu::load_config("generated.yaml", tpu::parse_yaml_document("tpu/config", text, "generated.yaml", "config"));
  EXPECT_EQ(from_memory.name, "mem");
  EXPECT_EQ(from_memory.mxu.rows, from_file.mxu.rows);
  EXPECT_EQ(from_memory.source_file, "generated.yaml");
  EXPECT_EQ(ErrorOf([] { tpu::parse_yaml_document("tpu/config", "a: [1\n", "<generated>", "config"); }),
            "<generated>: line 2, column 1: YAML error: end of sequence flow not found");
  EXPECT_EQ(ErrorOf([] { tpu::parse_yaml_document("tpu/config", "", "<generated>", "config"); }),
            "<generated>: empty config");
  EXPECT_TRUE(Contains(ErrorOf([] {
                         const std::string t = "name: x\nmxu: {rows: -3}\n";
                         tpu::load_config("gen.yaml", tpu::parse_yaml_document("tpu/config", t, "gen.yaml", "config"));
                       }),
                       "gen.yaml: mxu.rows:"));
}

// Every validation rule, through validate_config: a valid config with one field broken must be
// rejected with a message naming the origin and that field.
TEST(Config, ValidationRules) {
  struct Case {
    const char* key;
    std::function<void(ArchConfig&)> breakit;
  };
  const std::vector<Case> cases = {
      {"clock_mhz", [](ArchConfig& c) { c.clock_mhz = -1; }},
      {"clock_mhz", [](ArchConfig& c) { c.clock_mhz = 100001; }},
      {"mxu.rows", [](ArchConfig& c) { c.mxu.rows = 0; }},
      {"mxu.rows", [](ArchConfig& c) { c.mxu.rows = c.mxu.cols = 8192; }},
      {"mxu.cols", [](ArchConfig& c) { c.mxu.cols = 0; }},
      {"mxu.weight_shift_cycles", [](ArchConfig& c) { c.mxu.weight_shift_cycles = 0; }},
      {"weight_fifo.depth_tiles", [](ArchConfig& c) { c.weight_fifo.depth_tiles = 0; }},
      {"unified_buffer.size_bytes", [](ArchConfig& c) { c.unified_buffer.size_bytes = 0; }},
      {"unified_buffer.size_bytes", [](ArchConfig& c) { c.unified_buffer.size_bytes = (uint64_t(1) << 32) + 256; }},
      {"accumulators.rows", [](ArchConfig& c) { c.accumulators.rows = 0; }},
      {"accumulators.rows", [](ArchConfig& c) { c.accumulators.rows = 65537; }},
      {"sequencer.issue_cycles", [](ArchConfig& c) { c.sequencer.issue_cycles = 0; }},
      {"sequencer.queue_depth", [](ArchConfig& c) { c.sequencer.queue_depth = 0; }},
      {"sequencer.instruction_buffer_bytes", [](ArchConfig& c) { c.sequencer.instruction_buffer_bytes = 11; }},
      {"sequencer.instruction_buffer_bytes", [](ArchConfig& c) { c.sequencer.instruction_buffer_bytes = 1u << 20; }},
      // Past the host's 4 GiB control window (buffer at offset 0x1000'0000): 2^32 - 0x1000'0000 + 12.
      {"sequencer.instruction_buffer_bytes",
       [](ArchConfig& c) { c.sequencer.instruction_buffer_bytes = (uint64_t(1) << 32) - 0x10000000 + 12; }},
      {"pcie.bandwidth_bytes_per_s", [](ArchConfig& c) { c.pcie.bandwidth_bytes_per_s = 0; }},
      {"pcie.latency_ns", [](ArchConfig& c) { c.pcie.latency_ns = -1; }},
      {"dram.channels", [](ArchConfig& c) { c.dram.channels = 0; }},
      {"dram.data_rate_mts", [](ArchConfig& c) { c.dram.data_rate_mts = 0; }},
      {"dram.bus_width_bits", [](ArchConfig& c) { c.dram.bus_width_bits = 0; }},
      {"dram.bus_width_bits", [](ArchConfig& c) { c.dram.bus_width_bits = 12; }},
      {"dram.latency_ns", [](ArchConfig& c) { c.dram.latency_ns = -0.5; }},
      {"dram.interleave_bytes", [](ArchConfig& c) { c.dram.interleave_bytes = 4; }},
      {"dram.capacity_bytes", [](ArchConfig& c) { c.dram.capacity_bytes = 0; }},
      {"dram.capacity_bytes", [](ArchConfig& c) { c.dram.capacity_bytes = (uint64_t(1) << 48) + 1; }},
  };
  for (const Case& tc : cases) {
    ArchConfig cfg;
    tc.breakit(cfg);
    const std::string msg = ErrorOf([&] { tpu::validate_config(cfg, "origin.yaml"); });
    EXPECT_TRUE(Contains(msg, std::string("origin.yaml: ") + tc.key + ": ")) << tc.key;
  }
  // Limits themselves are accepted.
  ArchConfig edge;
  edge.mxu.rows = edge.mxu.cols = 4096;
  edge.unified_buffer.size_bytes = uint64_t(4096) << 24;  // exactly 2^24 rows
  edge.accumulators.rows = 65536;
  edge.clock_mhz = 100000;
  edge.sequencer.instruction_buffer_bytes = 12;
  edge.dram.interleave_bytes = 8;
  edge.dram.capacity_bytes = uint64_t(1) << 48;
  EXPECT_NO_THROW(tpu::validate_config(edge, "edge"));
}

}  // namespace
