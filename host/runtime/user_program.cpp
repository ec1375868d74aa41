#include "runtime/user_program.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "util/report.h"

namespace tpu {

namespace {

constexpr const char* kMsgType = "tpu/program";

/// A decimal or 0x-hex unsigned number, or std::invalid_argument naming `what`.
uint64_t parse_number(const std::string& s, const std::string& what) {
  const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  const std::string digits = hex ? s.substr(2) : s;
  const char* allowed = hex ? "0123456789abcdefABCDEF" : "0123456789";
  if (digits.empty() || digits.find_first_not_of(allowed) != std::string::npos || digits.size() > (hex ? 16u : 19u))
    throw std::invalid_argument(what + ": '" + s + "' is not a decimal or 0x-hex number");
  return std::stoull(digits, nullptr, hex ? 16 : 10);
}

std::vector<uint8_t> read_file(const std::string& path, const std::string& what) {
  std::ifstream f(path, std::ios::binary);
  if (!f) raise_as(kMsgType, path + ": cannot open " + what);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) raise_as(kMsgType, path + ": cannot read " + what);
  return bytes;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

/// One file's bytes and where they go.
struct Placed {
  ImageFile file;
  std::vector<uint8_t> bytes;
};

/// Reads `images`, checks that no two overlap and that they end by `limit` (`limit_name` says
/// which limit); returns them with the furthest end.
std::vector<Placed> read_images(const std::vector<ImageFile>& images, const std::string& memory, uint64_t limit,
                                const std::string& limit_name, uint64_t* end) {
  std::vector<Placed> placed;
  *end = 0;
  for (const ImageFile& f : images) {
    Placed p{f, read_file(f.path, memory + " image")};
    const uint64_t e = f.addr + p.bytes.size();
    if (e < f.addr || e > limit)
      raise_as(kMsgType, f.path + ": " + memory + " image of " + std::to_string(p.bytes.size()) + " bytes at " +
                             std::to_string(f.addr) + " ends beyond " + limit_name + " (" + std::to_string(limit) +
                             " bytes)");
    for (const Placed& q : placed)
      if (f.addr < q.file.addr + q.bytes.size() && q.file.addr < e && !p.bytes.empty() && !q.bytes.empty())
        raise_as(kMsgType, f.path + ": " + memory + " image overlaps " + q.file.path);
    *end = std::max(*end, e);
    placed.push_back(std::move(p));
  }
  return placed;
}

template <typename Vec>
void place(const std::vector<Placed>& images, uint64_t size, Vec& out) {
  out.assign(size, 0);
  for (const Placed& p : images) std::copy(p.bytes.begin(), p.bytes.end(), out.begin() + int64_t(p.file.addr));
}

}  // namespace

ImageFile parse_image_arg(const std::string& text, const std::string& option) {
  ImageFile f;
  const size_t at = text.rfind('@');
  f.path = at == std::string::npos ? text : text.substr(0, at);
  if (f.path.empty()) throw std::invalid_argument(option + " '" + text + "': no file name (FILE[@ADDR])");
  if (at != std::string::npos) f.addr = parse_number(text.substr(at + 1), option + " '" + text + "': address");
  return f;
}

ReadBack parse_read_back_arg(const std::string& text, const std::string& option) {
  const size_t a = text.find(':');
  const size_t b = a == std::string::npos ? a : text.find(':', a + 1);
  if (b == std::string::npos || b + 1 >= text.size())
    throw std::invalid_argument(option + " '" + text + "': expected ADDR:BYTES:FILE");
  ReadBack r;
  r.addr = parse_number(text.substr(0, a), option + " '" + text + "': address");
  r.bytes = parse_number(text.substr(a + 1, b - a - 1), option + " '" + text + "': length");
  if (r.bytes == 0) throw std::invalid_argument(option + " '" + text + "': length must be at least 1");
  r.path = text.substr(b + 1);
  return r;
}

UserProgram load_user_program(const ProgramSpec& spec, const ArchConfig& cfg) {
  UserProgram u;
  u.source_file = spec.program_path;
  const size_t slash = spec.program_path.find_last_of('/');
  u.name = slash == std::string::npos ? spec.program_path : spec.program_path.substr(slash + 1);
  const std::vector<uint8_t> text = read_file(spec.program_path, "program");
  std::vector<Instruction>& prog = u.lowered.program;
  if (ends_with(spec.program_path, ".bin")) {
    if (text.size() % kInstructionBytes != 0)
      raise_as(kMsgType, spec.program_path + ": binary program of " + std::to_string(text.size()) +
                             " bytes is not a whole number of " + std::to_string(kInstructionBytes) +
                             "-byte instructions");
    for (size_t i = 0; i * kInstructionBytes < text.size(); ++i)
      prog.push_back(decode(&text[i * kInstructionBytes], spec.program_path + ": instruction " + std::to_string(i) +
                                                              " (byte offset " + std::to_string(i * kInstructionBytes) +
                                                              ")"));
  } else {
    prog = assemble(std::string(text.begin(), text.end()), spec.program_path);
  }
  if (prog.empty()) raise_as(kMsgType, spec.program_path + ": the program has no instructions");
  if (std::none_of(prog.begin(), prog.end(), [](const Instruction& in) { return in.op == Opcode::Halt; }))
    raise_as(kMsgType, spec.program_path + ": the program has no halt (the host would wait forever)");
  const uint64_t capacity = cfg.sequencer.instruction_buffer_bytes / kInstructionBytes;
  if (prog.size() > capacity)
    raise_as(kMsgType, spec.program_path + ": " + std::to_string(prog.size()) +
                           " instructions, the instruction buffer holds " + std::to_string(capacity) +
                           " (sequencer.instruction_buffer_bytes)");

  uint64_t weight_end = 0, host_end = 0;
  const auto weights =
      read_images(spec.weight_images, "weight", cfg.dram.capacity_bytes, "dram.capacity_bytes", &weight_end);
  constexpr uint64_t kHostLimit = 1ull << 32;  // host addresses are u32 (isa.h)
  const auto host = read_images(spec.host_images, "host", kHostLimit, "the 4 GiB host address space", &host_end);
  for (const ReadBack& r : spec.read_backs) {
    if (r.addr + r.bytes > kHostLimit)
      raise_as(kMsgType, r.path + ": read-back region " + std::to_string(r.addr) + " + " + std::to_string(r.bytes) +
                             " ends beyond the 4 GiB host address space");
    host_end = std::max(host_end, r.addr + r.bytes);
  }
  place(weights, weight_end, u.lowered.weight_image);
  place(host, host_end, u.lowered.host_image);
  u.read_backs = spec.read_backs;
  return u;
}

void write_binary_file(const std::string& path, const uint8_t* data, uint64_t bytes) {
  const std::string tmp = path + ".partial";
  {
    std::ofstream f(tmp, std::ios::binary);
    f.write(reinterpret_cast<const char*>(data), std::streamsize(bytes));
    if (!f) {
      std::remove(tmp.c_str());
      raise_as("tpu/output", path + ": cannot write the file");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    raise_as("tpu/output", path + ": cannot write the file");
  }
}

}  // namespace tpu
