// The GTKWave translate filters of scripts/tpu_sim.gtkw (scripts/gtkwave/*.txt) name every value
// the way the model does: opcodes as isa.h's mnemonic(), the MXU's Table 3 categories as
// Mxu::kCategoryNames, DRAM commands as command_name(). A value added to one of those enums
// without its line in the filter fails here (GTKWave would show the bare number).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "dram/dram_channel.h"
#include "isa/isa.h"
#include "mxu/mxu.h"

namespace tpu {
namespace {

const std::string kFilters = std::string(TPU_TLM_SOURCE_DIR) + "/scripts/gtkwave/";

// A translate filter file: decimal value -> text; '#' lines are comments.
std::map<uint64_t, std::string> read_filter(const std::string& name) {
  std::ifstream f(kFilters + name);
  EXPECT_TRUE(f) << kFilters + name;
  std::map<uint64_t, std::string> m;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream is(line);
    uint64_t value;
    std::string text;
    EXPECT_TRUE(is >> value >> text) << name << ": malformed line \"" << line << "\"";
    EXPECT_TRUE(m.emplace(value, text).second) << name << ": value " << value << " twice";
  }
  return m;
}

TEST(GtkwaveFilters, OpcodesAreTheMnemonics) {
  const auto m = read_filter("opcode.txt");
  EXPECT_EQ(m.size(), 13u);  // 12 opcodes and 0xff
  for (int op = 0; op <= int(Opcode::Vector); ++op) {
    ASSERT_TRUE(m.count(op)) << "opcode " << op;
    EXPECT_EQ(m.at(op), mnemonic(Opcode(op)));
  }
  EXPECT_EQ(m.at(0xff), "-");
}

TEST(GtkwaveFilters, Table3CategoriesAreTheReportNames) {
  const auto m = read_filter("table3_category.txt");
  EXPECT_EQ(m.size(), size_t(Mxu::kNotRunning) + 1);
  for (int c = 0; c <= Mxu::kNotRunning; ++c) {
    ASSERT_TRUE(m.count(c)) << "category " << c;
    EXPECT_EQ(m.at(c), Mxu::kCategoryNames[c]);
  }
}

TEST(GtkwaveFilters, DramCommandsAreTheCommandNames) {
  const auto m = read_filter("dram_command.txt");
  EXPECT_EQ(m.size(), size_t(kDramCommands) + 1);
  for (int c = 0; c < kDramCommands; ++c) {
    ASSERT_TRUE(m.count(c)) << "command " << c;
    EXPECT_EQ(m.at(c), command_name(DramCommand(c)));
  }
  EXPECT_EQ(m.at(0xff), "-");
}

TEST(GtkwaveFilters, StatesCoverEveryState) {
  const auto unit = read_filter("unit_state.txt");
  EXPECT_EQ(unit.size(), 3u);
  EXPECT_EQ(unit.at(FunctionalUnit::kIdle), "idle");
  EXPECT_EQ(unit.at(FunctionalUnit::kBusy), "busy");
  EXPECT_EQ(unit.at(FunctionalUnit::kStall), "stall");
  const auto seq = read_filter("sequencer_state.txt");
  EXPECT_EQ(seq.size(), 5u);  // kStIdle .. kStHalted (private to the sequencer: 0 .. 4)
  EXPECT_EQ(seq.at(0), "idle");
  EXPECT_EQ(seq.at(4), "halted");
  const auto reason = read_filter("mxu_idle_reason.txt");
  EXPECT_EQ(reason.size(), 4u);
  EXPECT_EQ(reason.at(int(MxuIdleReason::NonMatrix)), "non_matrix");
  EXPECT_EQ(reason.at(int(MxuIdleReason::RawStall)), "raw_stall");
  EXPECT_EQ(reason.at(int(MxuIdleReason::InputStall)), "input_stall");
  EXPECT_EQ(reason.at(int(MxuIdleReason::NotRunning)), "not_running");
}

}  // namespace
}  // namespace tpu
