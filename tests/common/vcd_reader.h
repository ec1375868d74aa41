// A VCD reader for the tests, written independently of model/trace/vcd_writer.cpp: per-variable
// waveforms by dotted name, as GTKWave would show them.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tpu::test {

/// One variable's waveform: (time, value as binary digits without leading zeros), one entry per
/// change, in time order; a variable's changes at one time collapse to the last.
using Wave = std::vector<std::pair<uint64_t, std::string>>;

/// A VCD file read back (parse_vcd).
struct ParsedVcd {
  std::map<std::string, Wave> waves;  // by dotted name (a leading "SystemC." dropped)
  std::map<std::string, unsigned> widths;
  std::vector<uint64_t> stamps;  // every "#t", in file order
  size_t value_lines = 0;        // value changes after $dumpvars's block
  std::string timescale;
};

/// `bits` without leading zeros ("0" for all zeros).
inline std::string strip_zeros(const std::string& bits) {
  const size_t first = bits.find_first_not_of('0');
  return first == std::string::npos ? "0" : bits.substr(first);
}

/// Reads the VCD at `path` (a failed open is a test failure and gives an empty result).
inline ParsedVcd parse_vcd(const std::string& path) {
  std::ifstream f(path);
  EXPECT_TRUE(f.good()) << path;
  ParsedVcd p;
  std::map<std::string, std::vector<std::string>> names_of;  // id code -> names
  std::vector<std::string> scope;
  std::string tok;
  uint64_t now = 0;
  bool in_dumpvars = false;
  auto record = [&](const std::string& id, const std::string& bits) {
    EXPECT_TRUE(names_of.count(id)) << "undeclared id " << id;
    for (const std::string& n : names_of[id]) {
      Wave& w = p.waves[n];
      const std::string v = strip_zeros(bits);
      if (!w.empty() && w.back().first == now) w.back().second = v;
      else if (w.empty() || w.back().second != v) w.emplace_back(now, v);
    }
    if (!in_dumpvars) ++p.value_lines;
  };
  while (f >> tok) {
    if (tok == "$scope") {
      std::string kind, name, end;
      f >> kind >> name >> end;
      scope.push_back(name);
    } else if (tok == "$upscope") {
      f >> tok;
      scope.pop_back();
    } else if (tok == "$var") {
      std::string type, width, id, name;
      f >> type >> width >> id >> name;
      while (f >> tok && tok != "$end") {
      }
      std::string full;
      for (const std::string& s : scope) full += s + ".";
      full += name;
      if (full.rfind("SystemC.", 0) == 0) full = full.substr(8);
      names_of[id].push_back(full);
      p.widths[full] = unsigned(std::stoul(width));
    } else if (tok == "$timescale") {
      std::string a;
      while (f >> a && a != "$end") p.timescale += (p.timescale.empty() ? "" : " ") + a;
    } else if (tok == "$dumpvars") {
      in_dumpvars = true;
    } else if (tok == "$end") {
      in_dumpvars = false;
    } else if (tok[0] == '$') {  // $date, $version, $comment, $enddefinitions: skip to $end
      if (tok != "$enddefinitions") {
        while (f >> tok && tok != "$end") {
        }
      } else {
        f >> tok;
      }
    } else if (tok[0] == '#') {
      now = std::stoull(tok.substr(1));
      p.stamps.push_back(now);
    } else if (tok[0] == 'b') {
      std::string id;
      f >> id;
      record(id, tok.substr(1));
    } else {
      record(tok.substr(1), tok.substr(0, 1));
    }
  }
  return p;
}

}  // namespace tpu::test
