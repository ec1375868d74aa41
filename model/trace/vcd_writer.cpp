#define SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn, for follow()
#include "trace/vcd_writer.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>
#include <memory>

#include "util/report.h"

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

/// The low `width` bits set (all 64 for a width of 64 or more).
uint64_t width_mask(unsigned width) { return width >= 64 ? ~uint64_t(0) : (uint64_t(1) << width) - 1; }

/// `value` as the `width` digits of a variable wider than 64 bits, most significant first.
void to_digits(uint64_t value, unsigned width, std::string& bits) {
  bits.assign(width, '0');
  for (unsigned i = 0; i < 64; ++i) bits[width - 1 - i] = char('0' + ((value >> i) & 1));
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
  out_.resize(kFlushBytes + 4096);
}

VcdWriter::~VcdWriter() {
  if (file_) {
    std::fclose(file_);
    std::remove(partial_.c_str());
  }
}

VcdWriter::Var VcdWriter::declare(const std::string& name, unsigned width, uint64_t initial) {
  if (started_ || closed_)
    raise_as("tpu/output", path_ + ": VCD variable '" + name + "' declared after the header was written");
  if (width < 1) raise_as("tpu/output", path_ + ": VCD variable '" + name + "' has width 0");
  for (const std::string& c : components(name))
    if (c.empty() || c.find_first_of(" \t\n") != std::string::npos)
      raise_as("tpu/output",
               path_ + ": bad VCD variable name '" + name + "' (dotted path, no empty components or spaces)");
  for (const std::string& n : names_)
    if (n == name) raise_as("tpu/output", path_ + ": VCD variable '" + name + "' declared twice");
  names_.push_back(name);
  widths_.push_back(width);
  ids_.push_back(id_code(uint32_t(names_.size() - 1)));
  const uint64_t v = initial & width_mask(width);
  value_.push_back(v);
  written_.push_back(v);
  wide_value_.emplace_back();
  if (width > 64) to_digits(initial, width, wide_value_.back());
  wide_written_.push_back(wide_value_.back());
  dirty_.push_back(0);
  scheduled_.emplace_back().mask = width_mask(width);
  return Var(names_.size() - 1);
}

void VcdWriter::set_initial_bits(Var var, const std::string& bits) {
  if (bits.size() != widths_[var])
    raise_as("tpu/output", path_ + ": VCD variable '" + names_[var] + "' set with the wrong number of digits");
  wide_value_[var] = wide_written_[var] = bits;
}

void VcdWriter::mark(Var var) {
  if (!dirty_[var]) {
    dirty_[var] = 1;
    dirty_list_.push_back(var);
  }
}

void VcdWriter::touch(Var var) {
  const uint64_t now = sc_core::sc_time_stamp().value();
  if (now != pending_time_) advance_to(now);
  mark(var);
}

void VcdWriter::advance_to(uint64_t now) {
  // The set_at() changes before `now`, a time step at a time (a k-way merge over the variables:
  // there are few of them).
  while (scheduled_pending_ > 0) {
    uint64_t t = UINT64_MAX;
    for (Var v : scheduled_vars_) {
      const Queue& q = scheduled_[v];
      if (q.head < q.changes.size()) t = std::min(t, q.changes[q.head].at);
    }
    if (t >= now) break;
    if (t > pending_time_) {
      flush_step();
      pending_time_ = t;
    }
    for (Var v : scheduled_vars_) {
      Queue& q = scheduled_[v];
      if (q.head < q.changes.size() && q.changes[q.head].at == t) {
        value_[v] = q.changes[q.head++].value;
        mark(v);
        --scheduled_pending_;
      }
    }
  }
  for (Var v : scheduled_vars_) {  // drop what was applied (amortized: once half the queue)
    Queue& q = scheduled_[v];
    if (q.head > 0 && 2 * q.head >= q.changes.size()) {
      q.changes.erase(q.changes.begin(), q.changes.begin() + std::ptrdiff_t(q.head));
      q.head = 0;
    }
  }
  if (now != pending_time_) {
    flush_step();
    pending_time_ = now;
  }
}

void VcdWriter::list_scheduled(Var var) {
  if (widths_[var] > 64)
    raise_as("tpu/output", path_ + ": VCD variable '" + names_[var] + "' is wider than 64 bits (set_at)");
  scheduled_[var].listed = true;
  scheduled_vars_.insert(std::upper_bound(scheduled_vars_.begin(), scheduled_vars_.end(), var), var);
}

void VcdWriter::write_scheduled_before_now() {
  // Set() and later set_at() calls are at or after the current time: what lies before it is final.
  const uint64_t now = sc_core::sc_time_stamp().value();
  if (now > pending_time_) advance_to(now);
}

void VcdWriter::set(Var var, uint64_t value) {
  if (closed_) return;
  touch(var);
  const unsigned w = widths_[var];
  if (w > 64) to_digits(value, w, wide_value_[var]);
  else value_[var] = value & width_mask(w);
}

void VcdWriter::set_bits(Var var, const std::string& bits) {
  if (closed_) return;
  if (bits.size() != widths_[var])
    raise_as("tpu/output", path_ + ": VCD variable '" + names_[var] + "' set with the wrong number of digits");
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
  std::string b;
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
  append(b);
}

void VcdWriter::write_value(Var v) {
  const std::string& id = ids_[v];
  const unsigned w = widths_[v];
  char* const start = room(size_t(w) + id.size() + 3);
  char* p = start;
  if (w == 1) {
    *p++ = char('0' + (value_[v] & 1));
  } else if (w <= 64) {
    const uint64_t value = value_[v];
    *p++ = 'b';
    for (int i = value ? 63 - __builtin_clzll(value) : 0; i >= 0; --i) *p++ = char('0' + ((value >> i) & 1));
    *p++ = ' ';
  } else {
    const std::string& bits = wide_value_[v];
    const size_t first = std::min(bits.find('1'), bits.size() - 1);
    *p++ = 'b';
    std::memcpy(p, bits.data() + first, bits.size() - first);
    p += bits.size() - first;
    *p++ = ' ';
  }
  for (char ch : id) *p++ = ch;
  *p++ = '\n';
  used_ += size_t(p - start);
  ++changes_written_;
}

void VcdWriter::write_time(uint64_t t) {
  char* const start = room(24);
  char* p = start;
  *p++ = '#';
  p = std::to_chars(p, start + 23, t).ptr;
  *p++ = '\n';
  used_ += size_t(p - start);
  last_stamp_ = t;
}

char* VcdWriter::room(size_t n) {
  if (used_ + n > out_.size()) {
    drain(true);
    if (n > out_.size()) out_.resize(n);
  }
  return out_.data() + used_;
}

void VcdWriter::append(const std::string& text) {
  std::memcpy(room(text.size()), text.data(), text.size());
  used_ += text.size();
}

void VcdWriter::flush_step() {
  if (!started_) {   // the header, then every variable's value at the end of time 0 (the first
    write_header();  // step is always time 0: set() flushes before it records a later change)
    write_time(0);
    append("$dumpvars\n");
    for (Var v = 0; v < names_.size(); ++v) {
      write_value(v);
      written_[v] = value_[v];
      wide_written_[v] = wide_value_[v];
    }
    append("$end\n");
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
  if (used_ == 0 || (!force && used_ < kFlushBytes)) return;
  if (std::fwrite(out_.data(), 1, used_, file_) != used_) failed_ = true;
  used_ = 0;
}

void VcdWriter::commit() {
  if (closed_) return;
  advance_to(UINT64_MAX);  // every set_at() change, and the pending step
  uint64_t end = sc_core::sc_time_stamp().value();
  for (const Queue& q : scheduled_) end = std::max(end, q.last);
  if (end > last_stamp_) write_time(end);  // the waveform spans the whole run
  closed_ = true;
  drain(true);
  const bool ok = !failed_ && std::fclose(file_) == 0;
  file_ = nullptr;
  // An older file at `path` is removed first, not replaced by the rename: ext4 (auto_da_alloc)
  // writes a file renamed over another one out to disk before the rename returns, 10-90 ms for
  // BERT-base's 69 MB VCD. The path holds the old file or nothing until the rename, then the
  // new one: complete or absent either way.
  if (ok) std::remove(path_.c_str());
  if (!ok || std::rename(partial_.c_str(), path_.c_str()) != 0) {
    std::remove(partial_.c_str());
    raise_as("tpu/output", path_ + ": cannot write VCD file");
  }
}

}  // namespace tpu
