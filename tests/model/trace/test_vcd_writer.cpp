// VcdWriter and Traced<T> (model/trace/vcd_writer.h): the waveform equals the one SystemC's own VCD
// writer records for the same stimulus, only changes are written, the file is complete or absent,
// and bad declarations are errors.
#include "trace/vcd_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bitset>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <systemc>

#include "common/test_util.h"
#include "common/vcd_reader.h"

namespace tpu {
namespace {

using test::Contains;
using test::ErrorOf;
using test::parse_vcd;
using test::ParsedVcd;
using test::strip_zeros;
using test::Wave;

/// Drives the same values into plain variables and signals traced by SystemC's writer and into
/// Traced<> variables and signals traced by VcdWriter.
struct Stimulus : sc_core::sc_module {
  // Followed by both writers: SystemC samples them; VcdWriter follows their changes.
  sc_core::sc_signal<bool> clk{"clk"};
  sc_core::sc_signal<int> level{"level"};
  sc_core::sc_signal<sc_dt::sc_bv<70>> bus{"bus"};
  sc_core::sc_signal<sc_dt::sc_bv<12>> narrow{"narrow"};  // a bit vector of 64 bits or fewer
  // Plain copies for SystemC's writer, Traced for VcdWriter.
  int count = 0;
  bool flag = false;
  uint64_t big = 0;
  Traced<int> t_count = 0;
  Traced<bool> t_flag = false;
  Traced<uint64_t> t_big = 0;

  SC_HAS_PROCESS(Stimulus);
  explicit Stimulus(sc_core::sc_module_name n) : sc_module(n) {
    SC_THREAD(run);
    SC_THREAD(clock);
  }
  void set_count(int v) { count = v, t_count = v; }
  void set_flag(bool v) { flag = v, t_flag = v; }
  void set_big(uint64_t v) { big = v, t_big = v; }
  void clock() {
    for (int i = 0; i < 40; ++i) {
      clk.write(!clk.read());
      wait(500, sc_core::SC_PS);
    }
  }
  void run() {
    const sc_core::sc_time ns(1, sc_core::SC_NS);
    set_count(5);  // changes at time 0 are the initial values
    set_flag(true);
    wait(ns);
    set_count(-1);  // two's complement
    set_big(~uint64_t(0) - 5);
    level.write(-7);
    wait(sc_core::SC_ZERO_TIME);
    set_count(3);  // a second change in the same time step: the last one counts
    level.write(9);
    wait(2 * ns);
    set_flag(false);  // a glitch within a step: no change
    set_flag(true);
    set_count(3);  // the same value: no change
    sc_dt::sc_bv<70> v;
    v[69] = 1;
    v[3] = 1;
    bus.write(v);
    narrow.write(sc_dt::sc_bv<12>(0xA05));
    wait(3 * ns);
    set_big(1);
    v[69] = 0;
    bus.write(v);
    narrow.write(sc_dt::sc_bv<12>(0x003));
    for (int i = 0; i < 5; ++i) {
      wait(ns);
      set_count(100 + i);
    }
    wait(7 * ns);  // the end time, with no change in its step
  }
};

class VcdWriterTest : public test::ManifestDirTest {};

TEST_F(VcdWriterTest, WaveformsMatchSystemCsWriter) {
  const std::string ours = (dir_ / "ours.vcd").string(), theirs = (dir_ / "systemc").string();
  Stimulus s("stimulus");
  sc_core::sc_trace_file* tf = sc_core::sc_create_vcd_trace_file(theirs.c_str());
  sc_core::sc_trace(tf, s.clk, "stimulus.clk");
  sc_core::sc_trace(tf, s.level, "stimulus.level");
  sc_core::sc_trace(tf, s.bus, "stimulus.bus");
  sc_core::sc_trace(tf, s.narrow, "stimulus.narrow");
  sc_core::sc_trace(tf, s.count, "stimulus.count");
  sc_core::sc_trace(tf, s.flag, "stimulus.flag");
  sc_core::sc_trace(tf, s.big, "stimulus.big");
  VcdWriter w(ours);
  w.trace(s.clk, "stimulus.clk");
  w.trace(s.level, "stimulus.level");
  w.trace(s.bus, "stimulus.bus");
  w.trace(s.narrow, "stimulus.narrow");
  s.t_count.trace(w, "stimulus.count");
  s.t_flag.trace(w, "stimulus.flag");
  s.t_big.trace(w, "stimulus.big");
  sc_core::sc_start();
  const uint64_t end = sc_core::sc_time_stamp().value();
  w.commit();
  sc_core::sc_close_vcd_trace_file(tf);

  const ParsedVcd a = parse_vcd(ours), b = parse_vcd(theirs + ".vcd");
  ASSERT_EQ(a.waves.size(), 7u);
  EXPECT_EQ(a.widths, b.widths);
  for (const auto& [name, wave] : b.waves) {
    ASSERT_TRUE(a.waves.count(name)) << name;
    EXPECT_EQ(a.waves.at(name), wave) << name;
  }
  // Spot checks against the stimulus itself.
  const Wave& count = a.waves.at("stimulus.count");
  ASSERT_GE(count.size(), 2u);
  EXPECT_EQ(count[0], std::make_pair(uint64_t(0), strip_zeros(std::bitset<32>(5).to_string())));
  EXPECT_EQ(count[1], std::make_pair(uint64_t(sc_core::sc_time(1, sc_core::SC_NS).value()), std::string("11")));
  EXPECT_EQ(a.waves.at("stimulus.flag").size(), 1u);  // set at time 0, glitch at 3 ns invisible
  EXPECT_EQ(a.waves.at("stimulus.clk").size(), 40u);
  EXPECT_EQ(a.widths.at("stimulus.bus"), 70u);
  EXPECT_EQ(a.waves.at("stimulus.narrow").size(), 3u);  // 0, then 0xA05, then 0x003
  EXPECT_EQ(a.waves.at("stimulus.narrow").back().second, "11");
  EXPECT_EQ(a.waves.at("stimulus.big").at(1).second, strip_zeros(std::bitset<64>(~uint64_t(0) - 5).to_string()));
  // Time stamps strictly increase and end at the end of the run.
  EXPECT_TRUE(std::is_sorted(a.stamps.begin(), a.stamps.end()));
  EXPECT_EQ(std::adjacent_find(a.stamps.begin(), a.stamps.end()), a.stamps.end());
  ASSERT_FALSE(a.stamps.empty());
  EXPECT_EQ(a.stamps.back(), end);
  EXPECT_EQ(a.timescale, "1 ps");  // SystemC's default time resolution in this process
}

TEST_F(VcdWriterTest, WritesOnlyChanges) {
  const std::string path = (dir_ / "changes.vcd").string();
  struct Toggler : sc_core::sc_module {
    Traced<int> v = 0;
    SC_HAS_PROCESS(Toggler);
    explicit Toggler(sc_core::sc_module_name n) : sc_module(n) { SC_THREAD(run); }
    void run() {
      for (int step = 1; step <= 100; ++step) {
        wait(1, sc_core::SC_NS);
        for (int k = 0; k < 10; ++k) v = step % 4 == 0 ? (k % 2 ? 7 : 8) : 7;  // every 4th step ends at 7 via 8
      }
    }
  } t("toggler");
  VcdWriter w(path);
  t.v.trace(w, "t.v");
  sc_core::sc_start();
  w.commit();
  // 0 at time 0, 7 from 1 ns on, never different at the end of a step afterwards.
  EXPECT_EQ(w.changes_written(), 2u);  // the $dumpvars value and the change to 7
  const ParsedVcd p = parse_vcd(path);
  EXPECT_EQ(p.value_lines, 1u);
  const Wave expected = {{0, "0"}, {uint64_t(sc_core::sc_time(1, sc_core::SC_NS).value()), "111"}};
  EXPECT_EQ(p.waves.at("t.v"), expected);
  EXPECT_EQ(p.stamps.size(), 3u);  // #0, #1 ns, the end (100 ns)
}

// set_at(): changes recorded ahead of simulated time (as the DRAM channels do) land in their own
// time steps, between and together with set() changes; a variable's changes stay in order (an
// earlier time is moved to its previous one), and the file ends at the last change.
TEST_F(VcdWriterTest, SetAtChangesLandInTheirTimeSteps) {
  const std::string path = (dir_ / "ahead.vcd").string();
  const auto ns = [](double t) { return uint64_t(sc_core::sc_time(t, sc_core::SC_NS).value()); };
  struct Ahead : sc_core::sc_module {
    VcdWriter& w;
    VcdWriter::Var a, b, c;
    std::function<uint64_t(double)> ns;
    SC_HAS_PROCESS(Ahead);
    Ahead(sc_core::sc_module_name n, VcdWriter& vcd, std::function<uint64_t(double)> to_ns)
        : sc_module(n), w(vcd), a(vcd.declare("ahead.a", 8)), b(vcd.declare("ahead.b", 8)),
          c(vcd.declare("ahead.c", 8)), ns(std::move(to_ns)) {
      SC_THREAD(run);
    }
    void run() {
      w.set_at(a, 1, ns(5));
      w.set_at(a, 2, ns(10));
      w.set_at(a, 3, ns(10));  // the same step: the last one counts
      w.set_at(a, 4, ns(3));   // before its previous change: moved to 10 ns
      w.set_at(a, 9, ns(12));
      w.set_at(a, 9, ns(13));  // no change
      wait(5, sc_core::SC_NS);
      w.set(b, 7);  // the same step as a's first change
      wait(2, sc_core::SC_NS);
      w.set(b, 8);             // between a's changes
      w.set_at(c, 5, ns(1));   // in the past: joins the current step (7 ns)
      w.set_at(a, 6, ns(11));  // before a's last change (13 ns): moved there
    }
  };
  VcdWriter w(path);
  Ahead m("ahead", w, ns);
  sc_core::sc_start();
  EXPECT_EQ(sc_core::sc_time_stamp().value(), ns(7));  // set_at() keeps no event alive
  w.commit();
  const ParsedVcd p = parse_vcd(path);
  EXPECT_EQ(p.waves.at("ahead.a"), (Wave{{0, "0"}, {ns(5), "1"}, {ns(10), "100"}, {ns(12), "1001"}, {ns(13), "110"}}));
  EXPECT_EQ(p.waves.at("ahead.b"), (Wave{{0, "0"}, {ns(5), "111"}, {ns(7), "1000"}}));
  EXPECT_EQ(p.waves.at("ahead.c"), (Wave{{0, "0"}, {ns(7), "101"}}));
  EXPECT_EQ(p.stamps, (std::vector<uint64_t>{0, ns(5), ns(7), ns(10), ns(12), ns(13)}));
}

// Many changes recorded ahead (more than the writer queues before writing out what lies in the
// past): every one is written, in order, at its time.
TEST_F(VcdWriterTest, ManySetAtChangesAllWrittenInOrder) {
  const std::string path = (dir_ / "many.vcd").string();
  constexpr int kSteps = 100, kPerStep = 1000;  // 100,000 changes, more than the 65,536 batch
  struct Producer : sc_core::sc_module {
    VcdWriter& w;
    VcdWriter::Var v;
    SC_HAS_PROCESS(Producer);
    Producer(sc_core::sc_module_name n, VcdWriter& vcd) : sc_module(n), w(vcd), v(vcd.declare("p.v", 32)) {
      SC_THREAD(run);
    }
    void run() {
      for (int k = 0; k < kSteps; ++k) {
        const uint64_t now = sc_core::sc_time_stamp().value();
        for (int j = 1; j <= kPerStep; ++j)
          w.set_at(v, uint64_t(k) * kPerStep + uint64_t(j),
                   now + uint64_t(j) * sc_core::sc_time(1, sc_core::SC_PS).value());
        wait(1, sc_core::SC_NS);
      }
    }
  };
  VcdWriter w(path);
  Producer m("producer", w);
  sc_core::sc_start();
  w.commit();
  Wave expected = {{0, "0"}};
  const uint64_t ps = uint64_t(sc_core::sc_time(1, sc_core::SC_PS).value()), ns = 1000 * ps;
  for (int k = 0; k < kSteps; ++k)
    for (int j = 1; j <= kPerStep; ++j)
      expected.emplace_back(uint64_t(k) * ns + uint64_t(j) * ps,
                            strip_zeros(std::bitset<32>(uint64_t(k) * kPerStep + uint64_t(j)).to_string()));
  const ParsedVcd p = parse_vcd(path);
  EXPECT_EQ(p.waves.at("p.v"), expected);
  EXPECT_EQ(w.changes_written(), expected.size());
}

TEST_F(VcdWriterTest, FileIsCompleteOrAbsent) {
  const std::string path = (dir_ / "out.vcd").string();
  {
    VcdWriter w(path);
    w.declare("a.b", 8, 3);
    EXPECT_TRUE(std::filesystem::exists(path + ".partial"));
    EXPECT_FALSE(std::filesystem::exists(path));
  }  // destroyed without commit: nothing left
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
  EXPECT_FALSE(std::filesystem::exists(path));
  {
    VcdWriter w(path);
    w.declare("a.b", 8, 3);
    w.commit();
  }
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
  const ParsedVcd p = parse_vcd(path);
  EXPECT_EQ(p.waves.at("a.b"), (Wave{{0, "11"}}));
  {  // a second run into the same path replaces the first file
    VcdWriter w(path);
    w.declare("a.b", 8, 5);
    w.commit();
  }
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
  EXPECT_EQ(parse_vcd(path).waves.at("a.b"), (Wave{{0, "101"}}));
  const std::string missing = (dir_ / "no_such_dir" / "x.vcd").string();
  EXPECT_TRUE(Contains(ErrorOf("tpu/output", [&] { VcdWriter w(missing); }), missing + ": cannot create VCD file"));
}

TEST_F(VcdWriterTest, BadDeclarationsAreErrors) {
  VcdWriter w((dir_ / "bad.vcd").string());
  w.declare("tpu.mxu.state", 32);
  EXPECT_TRUE(
      Contains(ErrorOf("tpu/output", [&] { w.declare("tpu.mxu.state", 32); }), "'tpu.mxu.state' declared twice"));
  EXPECT_TRUE(Contains(ErrorOf("tpu/output", [&] { w.declare("tpu..x", 1); }), "bad VCD variable name 'tpu..x'"));
  EXPECT_TRUE(Contains(ErrorOf("tpu/output", [&] { w.declare("tpu.a b", 1); }), "bad VCD variable name"));
  EXPECT_TRUE(Contains(ErrorOf("tpu/output", [&] { w.declare("tpu.zero", 0); }), "'tpu.zero' has width 0"));
  const VcdWriter::Var wide = w.declare("tpu.wide", 70);
  sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_NS));
  EXPECT_TRUE(Contains(ErrorOf("tpu/output", [&] { w.set_bits(wide, "101"); }),
                       "'tpu.wide' set with the wrong number of digits"));
  w.set(0, 1);  // the first change after time 0 writes the header
  EXPECT_TRUE(
      Contains(ErrorOf("tpu/output", [&] { w.declare("tpu.late", 1); }), "'tpu.late' declared after the header"));
}

}  // namespace
}  // namespace tpu
