#define SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn, for follow()
#include "vcd_writer.h"

#include <algorithm>
#include <map>
#include <memory>

#include "report.h"

namespace tpu {

namespace {

constexpr size_t kFlushBytes = size_t(1) << 20;  // hand the buffer to the file every 1 MiB

/// VCD identifier code of variable `index`: base 94 over the printable characters '!'..'~'.
std::string id_code(uint32_t index) {
  std::string s;
  do {
    s += char('!' + index % 94);
    index /= 94;
  } while (index);
  return s;
}

/// Splits a dotted name into its components.
std::vector<std::string> components(const std::string& name) {
  std::vector<std::string> out(1);
  for (char c : name) {
    if (c == '.') out.emplace_back();
    else out.back() += c;
  }
  return out;
}

}  // namespace

VcdWriter::VcdWriter(const std::string& path) : path_(path), partial_(path + ".partial") {
  file_ = std::fopen(partial_.c_str(), "wb");
  if (!file_) raise_as("tpu/output", path + ": cannot create VCD file");
  buffer_.reserve(kFlushBytes + 4096);
}

VcdWriter::~VcdWriter() {
  if (file_) {
    std::fclose(file_);
    std::remove(partial_.c_str());
  }
}

VcdWriter::Var VcdWriter::declare(const std::string& name, unsigned width, uint64_t initial) {
  if (started_ || closed_) raise_as("tpu/output", path_ + ": VCD variable '" + name + "' declared after the header was written");
  if (width < 1) raise_as("tpu/output", path_ + ": VCD variable '" + name + "' has width 0");
  for (const std::string& c : components(name))
    if (c.empty() || c.find_first_of(" \t\n") != std::string::npos)
      raise_as("tpu/output", path_ + ": bad VCD variable name '" + name + "' (dotted path, no empty components or spaces)");
  for (const std::string& n : names_)
    if (n == name) raise_as("tpu/output", path_ + ": VCD variable '" + name + "' declared twice");
  names_.push_back(name);
  widths_.push_back(width);
  ids_.push_back(id_code(uint32_t(names_.size() - 1)));
  const uint64_t v = width >= 64 ? initial : initial & ((uint64_t(1) << width) - 1);
  value_.push_back(v);
  written_.push_back(v);
  wide_value_.emplace_back();
  if (width > 64) {
    std::string& bits = wide_value_.back();
    bits.assign(width, '0');
    for (unsigned i = 0; i < 64; ++i) bits[width - 1 - i] = char('0' + ((initial >> i) & 1));
  }
  wide_written_.push_back(wide_value_.back());
  dirty_.push_back(0);
  return Var(names_.size() - 1);
}

void VcdWriter::set_initial_bits(Var var, const std::string& bits) {
  if (bits.size() != widths_[var]) raise_as("tpu/output", path_ + ": VCD variable '" + names_[var] + "' set with the wrong number of digits");
  wide_value_[var] = wide_written_[var] = bits;
}

void VcdWriter::touch(Var var) {
  const uint64_t now = sc_core::sc_time_stamp().value();
  if (now != pending_time_) {
    flush_step();
    pending_time_ = now;
  }
  if (!dirty_[var]) {
    dirty_[var] = 1;
    dirty_list_.push_back(var);
  }
}

void VcdWriter::set(Var var, uint64_t value) {
  if (closed_) return;
  touch(var);
  const unsigned w = widths_[var];
  if (w > 64) {
    std::string& bits = wide_value_[var];
    std::fill(bits.begin(), bits.end(), '0');
    for (unsigned i = 0; i < 64; ++i) bits[w - 1 - i] = char('0' + ((value >> i) & 1));
  } else {
    value_[var] = w == 64 ? value : value & ((uint64_t(1) << w) - 1);
  }
}

void VcdWriter::set_bits(Var var, const std::string& bits) {
  if (closed_) return;
  if (bits.size() != widths_[var]) raise_as("tpu/output", path_ + ": VCD variable '" + names_[var] + "' set with the wrong number of digits");
  touch(var);
  wide_value_[var] = bits;
}

void VcdWriter::follow(const sc_core::sc_event& e, const std::string& name, std::function<void()> f) {
  sc_core::sc_spawn_options opt;
  opt.spawn_method();
  opt.dont_initialize();
  opt.set_sensitivity(&e);
  std::string process = "vcd_follow_" + name;
  for (char& c : process)
    if (c == '.') c = '_';
  sc_core::sc_spawn(std::move(f), sc_core::sc_gen_unique_name(process.c_str()), &opt);
}

void VcdWriter::write_header() {
  std::string& b = buffer_;
  b += "$version\n  tpu-tlm change-driven VCD writer\n$end\n";
  b += "$timescale\n  " + sc_core::sc_get_time_resolution().to_string() + "\n$end\n";
  // Scopes: variables sorted by their path so each scope is opened once.
  std::map<std::vector<std::string>, std::vector<Var>> by_scope;
  for (Var v = 0; v < names_.size(); ++v) {
    std::vector<std::string> c = components(names_[v]);
    c.pop_back();
    by_scope[c].push_back(v);
  }
  std::vector<std::string> open;
  for (const auto& [scope, vars] : by_scope) {
    size_t common = 0;
    while (common < open.size() && common < scope.size() && open[common] == scope[common]) ++common;
    for (size_t i = open.size(); i > common; --i) b += "$upscope $end\n";
    open.resize(common);
    for (size_t i = common; i < scope.size(); ++i) {
      b += "$scope module " + scope[i] + " $end\n";
      open.push_back(scope[i]);
    }
    for (Var v : vars) {
      const std::string leaf = components(names_[v]).back();
      b += "$var wire " + std::to_string(widths_[v]) + " " + ids_[v] + " " + leaf;
      if (widths_[v] > 1) b += " [" + std::to_string(widths_[v] - 1) + ":0]";
      b += " $end\n";
    }
  }
  for (size_t i = open.size(); i > 0; --i) b += "$upscope $end\n";
  b += "$enddefinitions $end\n";
}

void VcdWriter::write_value(Var v) {
  std::string& b = buffer_;
  const unsigned w = widths_[v];
  if (w == 1) {
    b += char('0' + (value_[v] & 1));
  } else if (w <= 64) {
    const uint64_t value = value_[v];
    char digits[66];
    const int n = value ? 64 - __builtin_clzll(value) : 1;  // significant bits
    digits[0] = 'b';
    for (int i = 0; i < n; ++i) digits[n - i] = char('0' + ((value >> i) & 1));
    digits[n + 1] = ' ';
    b.append(digits, size_t(n) + 2);
  } else {
    const std::string& bits = wide_value_[v];
    const size_t first = std::min(bits.find('1'), bits.size() - 1);
    b += 'b';
    b.append(bits, first, std::string::npos);
    b += ' ';
  }
  b += ids_[v];
  b += '\n';
  ++changes_written_;
}

void VcdWriter::write_time(uint64_t t) {
  buffer_ += '#';
  buffer_ += std::to_string(t);
  buffer_ += '\n';
  last_stamp_ = t;
}

void VcdWriter::flush_step() {
  if (!started_) {  // the header, then every variable's value at the end of time 0 (the first
    write_header();  // step is always time 0: set() flushes before it records a later change)
    write_time(0);
    buffer_ += "$dumpvars\n";
    for (Var v = 0; v < names_.size(); ++v) {
      write_value(v);
      written_[v] = value_[v];
      wide_written_[v] = wide_value_[v];
    }
    buffer_ += "$end\n";
    started_ = true;
  }
  bool stamped = pending_time_ == last_stamp_;
  for (Var v : dirty_list_) {
    dirty_[v] = 0;
    const bool wide = widths_[v] > 64;
    if (wide ? wide_value_[v] == wide_written_[v] : value_[v] == written_[v]) continue;
    if (!stamped) write_time(pending_time_), stamped = true;
    write_value(v);
    if (wide) wide_written_[v] = wide_value_[v];
    else written_[v] = value_[v];
  }
  dirty_list_.clear();
  drain(false);
}

void VcdWriter::drain(bool force) {
  if (buffer_.empty() || (!force && buffer_.size() < kFlushBytes)) return;
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) failed_ = true;
  buffer_.clear();
}

void VcdWriter::commit() {
  if (closed_) return;
  flush_step();
  const uint64_t end = sc_core::sc_time_stamp().value();
  if (end > last_stamp_) write_time(end);  // the waveform spans the whole run
  closed_ = true;
  drain(true);
  const bool ok = !failed_ && std::fclose(file_) == 0;
  file_ = nullptr;
  if (!ok || std::rename(partial_.c_str(), path_.c_str()) != 0) {
    std::remove(partial_.c_str());
    raise_as("tpu/output", path_ + ": cannot write VCD file");
  }
}

}  // namespace tpu
