// The TPU v1 CISC instruction set: binary encoding, assembler and disassembler (see isa.h).
#include "isa/isa.h"

#include <cstdio>
#include <limits>
#include <map>
#include <stdexcept>

#include <systemc>

namespace tpu {
namespace {

constexpr uint8_t kNumOpcodes = 12;  // 0x00 .. 0x0B, numbered consecutively
constexpr int kOpcodeSpace = 256;    // byte 0: every value an opcode could take (for the assembler's lookup)

// Reports a "tpu/isa" error; throws std::invalid_argument if SystemC's actions did not throw.
[[noreturn]] void fail(const std::string& msg) {
  SC_REPORT_ERROR("tpu/isa", msg.c_str());
  throw std::invalid_argument(msg);  // only reached when SC_ERROR was configured not to throw
}

// True when `op` is one of the defined opcodes.
bool is_known(Opcode op) { return static_cast<uint8_t>(op) < kNumOpcodes || op == Opcode::InterruptHost; }

// Lowercase "0x"-prefixed hexadecimal text of `v`.
std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// `s` with ASCII letters lowercased.
std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// Writes the low `n` bytes of `v` little endian at out[pos..].
void put_le(uint8_t* out, std::size_t pos, uint64_t v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[pos + i] = static_cast<uint8_t>(v >> (8 * i));
}

// Reads an `n`-byte little-endian value at in[pos..].
uint64_t get_le(const uint8_t* in, std::size_t pos, std::size_t n) {
  uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(in[pos + i]) << (8 * i);
  return v;
}

// Flags byte of MatrixMultiply and Convolve: bit0 ACCUMULATE, bit1 SWITCH, bit2 UNSIGNED_A, bit3 UNSIGNED_W.
constexpr uint8_t kMmFlagBits = 0x0F;
uint8_t mm_flags(const Instruction& in) {
  return static_cast<uint8_t>((in.accumulate ? 0x01 : 0) | (in.switch_weights ? 0x02 : 0) | (in.unsigned_a ? 0x04 : 0) |
                              (in.unsigned_w ? 0x08 : 0));
}
void decode_mm_flags(uint8_t flags, Instruction* d) {
  d->accumulate = flags & 0x01;
  d->switch_weights = flags & 0x02;
  d->unsigned_a = flags & 0x04;
  d->unsigned_w = flags & 0x08;
}
// The flags' text form (" switch accumulate unsigned_a unsigned_w", those set).
std::string mm_flag_text(const Instruction& in) {
  std::string s;
  if (in.switch_weights) s += " switch";
  if (in.accumulate) s += " accumulate";
  if (in.unsigned_a) s += " unsigned_a";
  if (in.unsigned_w) s += " unsigned_w";
  return s;
}

// Which Instruction fields an opcode uses.
struct Uses {
  bool ub = false, acc = false, rows = false, host = false, dram = false, tiles = false;
  bool src = false, out_row = false, kernel = false;  // Pool/Vector source, Convolve/Pool output row, Convolve kernel
  bool mm_flags = false;                              // accumulate, switch_weights, unsigned_a, unsigned_w
  bool act = false;                                   // function, bias
  bool fn = false;                                    // function (Activate, Vector)
  bool average = false, vec_op = false;
  bool cfg = false;      // reg, value
  bool mask = false;     // unit_mask
  bool host_op = false;  // Interrupt_Host's operation id
  unsigned rows_bits = 32;
};

// The fields used by `op` (a known opcode).
Uses uses_of(Opcode op) {
  Uses u;
  switch (op) {
    case Opcode::ReadHostMemory:
    case Opcode::WriteHostMemory:
      u.ub = u.host = u.rows = true;
      u.rows_bits = 24;
      break;
    case Opcode::ReadWeights: u.dram = u.tiles = true; break;
    case Opcode::MatrixMultiply: u.ub = u.acc = u.rows = u.mm_flags = true; break;
    case Opcode::Activate: u.ub = u.acc = u.rows = u.act = u.fn = true; break;
    case Opcode::Convolve:
      u.ub = u.acc = u.rows = u.mm_flags = u.kernel = u.out_row = true;
      u.rows_bits = 8;
      break;
    case Opcode::Pool:
      u.ub = u.src = u.out_row = u.rows = u.average = true;
      u.rows_bits = 16;
      break;
    case Opcode::Vector: u.ub = u.src = u.rows = u.fn = u.vec_op = true; break;
    case Opcode::SetConfig: u.cfg = true; break;
    case Opcode::Sync: u.mask = true; break;
    case Opcode::InterruptHost: u.host_op = true; break;
    case Opcode::Nop:
    case Opcode::Halt: break;
  }
  return u;
}

// How error messages name the fields: struct fields (encode/decode) or text operands (assemble).
struct Names {
  const char* kind;
  const char *ub, *acc, *rows, *host, *dram, *tiles, *fn, *reg, *value, *units;
  const char *accumulate, *switch_weights, *bias;
  const char *src, *out_row, *kernel_row, *kernel_col, *average, *vec_op;
  const char* host_op;
  const char *unsigned_a, *unsigned_w;
};
constexpr Names kFieldNames{"field",          "ub_row",   "acc_row", "rows",       "host_addr",  "dram_addr",
                            "tiles",          "function", "reg",     "value",      "unit_mask",  "accumulate",
                            "switch_weights", "bias",     "src_row", "out_row",    "kernel_row", "kernel_col",
                            "average",        "vec_op",   "host_op", "unsigned_a", "unsigned_w"};
constexpr Names kOperandNames{"operand", "ub",    "acc",     "rows",       "host",   "dram",       "tiles",     "fn",
                              "reg",     "value", "units",   "accumulate", "switch", "bias",       "src",       "p0",
                              "kr",      "ks",    "average", "op",         "id",     "unsigned_a", "unsigned_w"};

// Text names of the activation functions and config registers, indexed by their value.
constexpr const char* kFunctionNames[] = {"identity", "relu", "sigmoid", "tanh", "lookup"};
// clang-format off
constexpr const char* kRegisterNames[] = {
    "act_multiplier",  "act_shift",       "act_zero_point",    "act_bias_row",    "input_height",
    "input_width",     "output_height",   "output_width",      "stride_h",        "stride_w",
    "pad_top",         "pad_left",        "pool_height",       "pool_width",      "vec_source_b",
    "vec_scale_a",     "vec_scale_b",     "vec_offset_a",      "vec_offset_b",    "tag",
    "host_row_bytes",  "act_lane_src",    "act_lane_dst",      "act_lanes",       "act_table_row",
    "vec_b_repeat",    "mxu_sum_shift",   "act_output_format", "act_plane_rows",  "act_input_unsigned",
    "mxu_group_bytes", "mxu_first_group", "act_group_bytes",   "act_first_group", "pool_src_group_bytes",
    "host_group_bytes",
    "vec_multiplier_a", "vec_multiplier_b", "vec_wide_scales", "act_rounding"};
// clang-format on
constexpr const char* kVectorOpNames[] = {"add", "multiply", "unary"};
constexpr int kNumVectorOps = 3;
constexpr const char* kUnitNames[kNumUnits] = {"host", "weights", "matrix", "activation"};
constexpr int kNumFunctions = 5;
static_assert(sizeof(kRegisterNames) / sizeof(kRegisterNames[0]) == kNumConfigRegisters, "register names");

// Legal value range of a config register (reg must be known).
void register_range(ConfigRegister reg, int64_t* lo, int64_t* hi) {
  switch (reg) {
    case ConfigRegister::ActMultiplier:
      *lo = 0;
      *hi = (int64_t{1} << 31) - 1;
      return;
    case ConfigRegister::ActShift:
      *lo = 0;
      *hi = 62;
      return;
    case ConfigRegister::ActZeroPoint:
      *lo = -32768;
      *hi = 32767;
      return;
    case ConfigRegister::ActBiasRow:
    case ConfigRegister::ActPlaneRows:
    case ConfigRegister::ActTableRow:
    case ConfigRegister::VecBRepeat:
    case ConfigRegister::VecSourceB:
      *lo = 0;
      *hi = (int64_t{1} << 24) - 1;
      return;
    case ConfigRegister::InputHeight:
    case ConfigRegister::InputWidth:
    case ConfigRegister::OutputHeight:
    case ConfigRegister::OutputWidth:
      *lo = 1;
      *hi = 65535;
      return;
    case ConfigRegister::StrideH:
    case ConfigRegister::StrideW:
    case ConfigRegister::PoolHeight:
    case ConfigRegister::PoolWidth:
      *lo = 1;
      *hi = 255;
      return;
    case ConfigRegister::PadTop:
    case ConfigRegister::PadLeft:
      *lo = 0;
      *hi = 255;
      return;
    case ConfigRegister::MxuSumShift:
      *lo = 0;
      *hi = 24;
      return;
    case ConfigRegister::ActOutputFormat:
      *lo = 0;
      *hi = 2;
      return;
    case ConfigRegister::ActInputUnsigned:
      *lo = 0;
      *hi = 3;
      return;
    case ConfigRegister::VecScaleA:
    case ConfigRegister::VecScaleB:
    case ConfigRegister::VecOffsetA:
    case ConfigRegister::VecOffsetB:
      *lo = -32768;
      *hi = 32767;
      return;
    case ConfigRegister::Tag:
      *lo = 0;
      *hi = (int64_t{1} << 31) - 1;
      return;
    case ConfigRegister::VecMultiplierA:
    case ConfigRegister::VecMultiplierB:
      *lo = -((int64_t{1} << 31) - 1);
      *hi = (int64_t{1} << 31) - 1;
      return;
    case ConfigRegister::VecWideScales:
    case ConfigRegister::ActRounding:
      *lo = 0;
      *hi = 1;
      return;
    case ConfigRegister::HostRowBytes:
    case ConfigRegister::ActLaneSrc:
    case ConfigRegister::ActLaneDst:
    case ConfigRegister::ActLanes:
    case ConfigRegister::MxuGroupBytes:
    case ConfigRegister::MxuFirstGroup:
    case ConfigRegister::ActGroupBytes:
    case ConfigRegister::ActFirstGroup:
    case ConfigRegister::PoolSrcGroupBytes:
    case ConfigRegister::HostGroupBytes:
      *lo = 0;
      *hi = 65535;
      return;
  }
  *lo = *hi = 0;
}

// Fails with "<ctx><kind> '<name>' = <shown> is out of range lo..hi for <reg>".
[[noreturn]] void value_range_error(const std::string& ctx, const Names& n, const std::string& shown,
                                    ConfigRegister reg) {
  int64_t lo, hi;
  register_range(reg, &lo, &hi);
  fail(ctx + n.kind + " '" + n.value + "' = " + shown + " is out of range " + std::to_string(lo) + ".." +
       std::to_string(hi) + " for " + kRegisterNames[static_cast<int>(reg)]);
}

// Checks a Set_Config value (given as int64) against its register's range.
void check_value(const std::string& ctx, const Names& n, ConfigRegister reg, int64_t v) {
  int64_t lo, hi;
  register_range(reg, &lo, &hi);
  if (v < lo || v > hi) value_range_error(ctx, n, std::to_string(v), reg);
}

// Checks that a used field `v` fits in `bits` bits.
void check_bits(const std::string& ctx, const Names& n, const char* name, uint64_t v, unsigned bits) {
  if (bits < 64 && (v >> bits) != 0)
    fail(ctx + n.kind + " '" + name + "' = " + std::to_string(v) + " does not fit in " + std::to_string(bits) +
         " bits");
}

// Checks that a used count field is at least 1.
void check_nonzero(const std::string& ctx, const Names& n, const char* name, uint64_t v) {
  if (v == 0) fail(ctx + n.kind + " '" + name + "' = 0 must be >= 1");
}

// Checks that a field not used by the opcode holds its default (zero) value.
void check_unused(const std::string& ctx, const Names& n, bool used, const char* name, uint64_t v) {
  if (!used && v != 0)
    fail(ctx + n.kind + " '" + name + "' = " + std::to_string(v) + " is not used by this opcode and must be 0");
}

// Checks every encoding rule of `in`; messages start with "<prefix>: <mnemonic>: ".
void validate(const Instruction& in, const std::string& prefix, const Names& n) {
  if (!is_known(in.op)) fail(prefix + ": unknown opcode " + hex(static_cast<uint8_t>(in.op)));
  const std::string ctx = prefix + ": " + mnemonic(in.op) + ": ";
  const Uses u = uses_of(in.op);

  check_unused(ctx, n, u.ub, n.ub, in.ub_row);
  check_unused(ctx, n, u.acc, n.acc, in.acc_row);
  check_unused(ctx, n, u.rows, n.rows, in.rows);
  check_unused(ctx, n, u.host, n.host, in.host_addr);
  check_unused(ctx, n, u.dram, n.dram, in.dram_addr);
  check_unused(ctx, n, u.tiles, n.tiles, in.tiles);
  check_unused(ctx, n, u.mm_flags, n.accumulate, in.accumulate);
  check_unused(ctx, n, u.mm_flags, n.switch_weights, in.switch_weights);
  check_unused(ctx, n, u.mm_flags, n.unsigned_a, in.unsigned_a);
  check_unused(ctx, n, u.mm_flags, n.unsigned_w, in.unsigned_w);
  check_unused(ctx, n, u.act, n.bias, in.bias);
  check_unused(ctx, n, u.fn, n.fn, static_cast<uint8_t>(in.function));
  check_unused(ctx, n, u.src, n.src, in.src_row);
  check_unused(ctx, n, u.out_row, n.out_row, in.out_row);
  check_unused(ctx, n, u.kernel, n.kernel_row, in.kernel_row);
  check_unused(ctx, n, u.kernel, n.kernel_col, in.kernel_col);
  check_unused(ctx, n, u.average, n.average, in.average);
  check_unused(ctx, n, u.vec_op, n.vec_op, static_cast<uint8_t>(in.vec_op));
  check_unused(ctx, n, u.cfg, n.reg, static_cast<uint8_t>(in.reg));
  check_unused(ctx, n, u.cfg, n.value, static_cast<uint32_t>(in.value));
  check_unused(ctx, n, u.mask, n.units, in.unit_mask);
  check_unused(ctx, n, u.host_op, n.host_op, in.host_op);
  if (u.host_op) check_bits(ctx, n, n.host_op, in.host_op, 16);

  if (u.ub) check_bits(ctx, n, n.ub, in.ub_row, 24);
  if (u.src) check_bits(ctx, n, n.src, in.src_row, 24);
  if (u.out_row) check_bits(ctx, n, n.out_row, in.out_row, 16);
  if (u.kernel) {
    check_bits(ctx, n, n.kernel_row, in.kernel_row, 8);
    check_bits(ctx, n, n.kernel_col, in.kernel_col, 8);
  }
  if (u.vec_op && static_cast<uint8_t>(in.vec_op) >= kNumVectorOps)
    fail(ctx + n.kind + " '" + n.vec_op + "' = " + std::to_string(static_cast<uint8_t>(in.vec_op)) +
         " is not a vector operation (0 add, 1 multiply, 2 unary)");
  if (u.acc) check_bits(ctx, n, n.acc, in.acc_row, 16);
  if (u.dram) check_bits(ctx, n, n.dram, in.dram_addr, 48);
  if (u.rows) {
    check_nonzero(ctx, n, n.rows, in.rows);
    check_bits(ctx, n, n.rows, in.rows, u.rows_bits);
  }
  if (u.tiles) check_nonzero(ctx, n, n.tiles, in.tiles);
  if (u.fn && static_cast<uint8_t>(in.function) >= kNumFunctions)
    fail(ctx + n.kind + " '" + n.fn + "' = " + std::to_string(static_cast<uint8_t>(in.function)) +
         " is not an activation function (0 identity, 1 relu, 2 sigmoid, 3 tanh, 4 lookup)");
  if (u.cfg) {
    if (!is_config_register(static_cast<uint8_t>(in.reg)))
      fail(ctx + n.kind + " '" + n.reg + "' = " + std::to_string(static_cast<uint8_t>(in.reg)) +
           " is not a config register (0.." + std::to_string(kNumConfigRegisters - 1) + ")");
    check_value(ctx, n, in.reg, in.value);
  }
  if (u.mask) {
    if (in.unit_mask == 0) fail(ctx + n.kind + " '" + n.units + "' is empty (no unit selected)");
    if (in.unit_mask & ~0x0Fu)
      fail(ctx + n.kind + " '" + n.units + "' = " + hex(in.unit_mask) + " has bits other than 0-3 set");
  }
}

// Validates `in` and writes its 12-byte encoding to `out`.
void encode_checked(const Instruction& in, uint8_t* out, const std::string& prefix, const Names& n) {
  validate(in, prefix, n);
  for (std::size_t i = 0; i < kInstructionBytes; ++i) out[i] = 0;
  out[0] = static_cast<uint8_t>(in.op);
  switch (in.op) {
    case Opcode::ReadHostMemory:
    case Opcode::WriteHostMemory:
      put_le(out, 2, in.ub_row, 3);
      put_le(out, 5, in.host_addr, 4);
      put_le(out, 9, in.rows, 3);
      break;
    case Opcode::ReadWeights:
      put_le(out, 2, in.dram_addr, 6);
      put_le(out, 8, in.tiles, 4);
      break;
    case Opcode::MatrixMultiply:
    case Opcode::Activate:
      if (in.op == Opcode::MatrixMultiply) out[1] = mm_flags(in);
      else out[1] = static_cast<uint8_t>(static_cast<uint8_t>(in.function) | (in.bias ? 0x08 : 0));
      put_le(out, 2, in.ub_row, 3);
      put_le(out, 5, in.acc_row, 2);
      put_le(out, 7, in.rows, 4);
      break;
    case Opcode::Convolve:
      out[1] = mm_flags(in);
      put_le(out, 2, in.ub_row, 3);
      put_le(out, 5, in.acc_row, 2);
      put_le(out, 7, in.kernel_row, 1);
      put_le(out, 8, in.kernel_col, 1);
      put_le(out, 9, in.out_row, 2);
      put_le(out, 11, in.rows, 1);
      break;
    case Opcode::Pool:
      out[1] = in.average ? 0x01 : 0;
      put_le(out, 2, in.ub_row, 3);
      put_le(out, 5, in.src_row, 3);
      put_le(out, 8, in.out_row, 2);
      put_le(out, 10, in.rows, 2);
      break;
    case Opcode::Vector:
      out[1] = static_cast<uint8_t>(static_cast<uint8_t>(in.function) | (static_cast<uint8_t>(in.vec_op) << 3));
      put_le(out, 2, in.ub_row, 3);
      put_le(out, 5, in.src_row, 3);
      put_le(out, 8, in.rows, 4);
      break;
    case Opcode::SetConfig:
      out[1] = static_cast<uint8_t>(in.reg);
      put_le(out, 2, static_cast<uint32_t>(in.value), 4);
      break;
    case Opcode::Sync: out[1] = in.unit_mask; break;
    case Opcode::InterruptHost: put_le(out, 2, in.host_op, 2); break;
    case Opcode::Nop:
    case Opcode::Halt: break;
  }
}

// Kind of a text operand.
enum class OperandKind { Number, Flag, Function, Register, Units, VecOp };

// One text operand an opcode accepts.
struct OperandSpec {
  const char* key;
  OperandKind kind;
  unsigned bits;  // Number: encoding width
};

// Whether a text operand of this kind may be left out: flags (absent = off), `fn` (absent =
// identity) and `op` (absent = add), the defaults docs/isa.md's text form names; the Instruction's
// member defaults carry them.
bool optional(OperandKind kind) {
  return kind == OperandKind::Flag || kind == OperandKind::Function || kind == OperandKind::VecOp;
}

// The text operands of `op`, in canonical order. Every operand but the optional() kinds is required.
std::vector<OperandSpec> operands_of(Opcode op) {
  using K = OperandKind;
  switch (op) {
    case Opcode::ReadHostMemory:
    case Opcode::WriteHostMemory: return {{"ub", K::Number, 24}, {"host", K::Number, 32}, {"rows", K::Number, 24}};
    case Opcode::ReadWeights: return {{"dram", K::Number, 48}, {"tiles", K::Number, 32}};
    case Opcode::MatrixMultiply:
      return {{"ub", K::Number, 24},      {"acc", K::Number, 16},     {"rows", K::Number, 32},   {"switch", K::Flag, 0},
              {"accumulate", K::Flag, 0}, {"unsigned_a", K::Flag, 0}, {"unsigned_w", K::Flag, 0}};
    case Opcode::Activate:
      return {{"ub", K::Number, 24},
              {"acc", K::Number, 16},
              {"rows", K::Number, 32},
              {"fn", K::Function, 0},
              {"bias", K::Flag, 0}};
    case Opcode::Convolve:
      return {{"ub", K::Number, 24},      {"acc", K::Number, 16},    {"kr", K::Number, 8},   {"ks", K::Number, 8},
              {"p0", K::Number, 16},      {"rows", K::Number, 8},    {"switch", K::Flag, 0}, {"accumulate", K::Flag, 0},
              {"unsigned_a", K::Flag, 0}, {"unsigned_w", K::Flag, 0}};
    case Opcode::Pool:
      return {{"ub", K::Number, 24},
              {"src", K::Number, 24},
              {"p0", K::Number, 16},
              {"rows", K::Number, 16},
              {"average", K::Flag, 0}};
    case Opcode::Vector:
      return {{"ub", K::Number, 24},
              {"src", K::Number, 24},
              {"rows", K::Number, 32},
              {"op", K::VecOp, 0},
              {"fn", K::Function, 0}};
    case Opcode::SetConfig: return {{"reg", K::Register, 0}, {"value", K::Number, 32}};
    case Opcode::Sync: return {{"units", K::Units, 0}};
    case Opcode::InterruptHost: return {{"id", K::Number, 16}};
    case Opcode::Nop:
    case Opcode::Halt: break;
  }
  return {};
}

// Result of parsing an unsigned number.
enum class ParseStatus { Ok, Bad, Overflow };

// Parses decimal or 0x-hex digits (no sign) into `*v`.
ParseStatus parse_unsigned(const std::string& s, uint64_t* v) {
  std::size_t i = 0;
  unsigned base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    i = 2;
  }
  if (i >= s.size()) return ParseStatus::Bad;
  uint64_t r = 0;
  bool overflow = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    unsigned d;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (base == 16 && c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
    else if (base == 16 && c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
    else return ParseStatus::Bad;
    if (r > (std::numeric_limits<uint64_t>::max() - d) / base) overflow = true;
    r = r * base + d;
  }
  *v = r;
  return overflow ? ParseStatus::Overflow : ParseStatus::Ok;
}

// Parses a numeric operand that must fit in `bits` bits (no sign allowed).
uint64_t parse_field(const std::string& ctx, const std::string& key, const std::string& text, unsigned bits) {
  uint64_t v = 0;
  const ParseStatus st = parse_unsigned(text, &v);
  if (st == ParseStatus::Bad)
    fail(ctx + "operand '" + key + "' = '" + text + "' is not a number (decimal or 0x hex" +
         (text.size() > 0 && text[0] == '-' ? "; negative values are not allowed here)" : ")"));
  if (st == ParseStatus::Overflow || (bits < 64 && (v >> bits) != 0))
    fail(ctx + "operand '" + key + "' = " + text + " does not fit in " + std::to_string(bits) + " bits");
  return v;
}

// Parses the Set_Config value for `reg`; negative decimal only for act_zero_point.
int32_t parse_config_value(const std::string& ctx, ConfigRegister reg, const std::string& text) {
  const bool negative = !text.empty() && text[0] == '-';
  const std::string digits = negative ? text.substr(1) : text;
  const std::string regname = kRegisterNames[static_cast<int>(reg)];
  int64_t lo, hi;
  register_range(reg, &lo, &hi);
  if (negative && lo >= 0) fail(ctx + "operand 'value' = " + text + ": " + regname + " takes no negative values");
  uint64_t mag = 0;
  const ParseStatus st = parse_unsigned(digits, &mag);
  const bool is_hex = digits.size() > 1 && (digits[1] == 'x' || digits[1] == 'X');
  if (st == ParseStatus::Bad || (negative && is_hex))
    fail(ctx + "operand 'value' = '" + text + "' is not a number (decimal or 0x hex; " +
         "negative decimal for signed registers)");
  if (st == ParseStatus::Overflow || mag > (uint64_t{1} << 32)) value_range_error(ctx, kOperandNames, text, reg);
  const int64_t v = negative ? -static_cast<int64_t>(mag) : static_cast<int64_t>(mag);
  check_value(ctx, kOperandNames, reg, v);
  return static_cast<int32_t>(v);
}

// Parses "host,matrix,..." into a Sync unit mask.
uint8_t parse_units(const std::string& ctx, const std::string& text) {
  uint8_t mask = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string name = lower(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    int unit = -1;
    for (int u = 0; u < kNumUnits; ++u)
      if (name == kUnitNames[u]) unit = u;
    if (unit < 0)
      fail(ctx + "operand 'units': unknown unit '" + name +
           "' (expected a comma list of host, weights, matrix, activation)");
    if (mask & (1u << unit)) fail(ctx + "operand 'units': duplicate unit '" + name + "'");
    mask = static_cast<uint8_t>(mask | (1u << unit));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return mask;
}

// Index of `name` in `table` (case-insensitive), or -1.
int lookup(const char* const* table, int count, const std::string& name) {
  const std::string l = lower(name);
  for (int i = 0; i < count; ++i)
    if (l == table[i]) return i;
  return -1;
}

// Parses one non-empty, comment-free line of tokens into an instruction.
Instruction parse_line(const std::vector<std::string>& tokens, const std::string& prefix) {
  const std::string mn = lower(tokens[0]);
  int opcode = -1;
  for (int i = 0; i < kOpcodeSpace; ++i)
    if (is_known(static_cast<Opcode>(i)) && mn == mnemonic(static_cast<Opcode>(i))) opcode = i;
  if (opcode < 0) fail(prefix + ": unknown mnemonic '" + tokens[0] + "'");

  Instruction in;
  in.op = static_cast<Opcode>(opcode);
  const std::string ctx = prefix + ": " + mn + ": ";
  const std::vector<OperandSpec> specs = operands_of(in.op);

  std::map<std::string, std::string> given;  // key -> value text ("" for flags)
  for (std::size_t t = 1; t < tokens.size(); ++t) {
    const std::string& tok = tokens[t];
    const std::size_t eq = tok.find('=');
    const std::string key = lower(tok.substr(0, eq));
    const OperandSpec* spec = nullptr;
    for (const OperandSpec& s : specs)
      if (key == s.key) spec = &s;
    if (spec == nullptr) fail(ctx + "unknown operand '" + (key.empty() ? tok : key) + "'");
    if (given.count(key)) fail(ctx + "duplicate operand '" + key + "'");
    if (spec->kind == OperandKind::Flag) {
      if (eq != std::string::npos) fail(ctx + "flag '" + key + "' takes no value");
      given[key] = "";
    } else {
      if (eq == std::string::npos || eq + 1 == tok.size())
        fail(ctx + "operand '" + key + "' needs a value (" + key + "=...)");
      given[key] = tok.substr(eq + 1);
    }
  }
  for (const OperandSpec& s : specs)
    if (!optional(s.kind) && !given.count(s.key)) fail(ctx + "missing operand '" + s.key + "'");

  // Register first: the value's range depends on it.
  if (given.count("reg")) {
    const int r = lookup(kRegisterNames, kNumConfigRegisters, given["reg"]);
    if (r < 0) {
      std::string all;
      for (int i = 0; i < kNumConfigRegisters; ++i)
        if (is_config_register(i)) all += std::string(i ? ", " : "") + kRegisterNames[i];
      fail(ctx + "operand 'reg' = '" + given["reg"] + "' is not one of " + all);
    }
    in.reg = static_cast<ConfigRegister>(r);
  }
  for (const auto& [key, text] : given) {
    const OperandSpec* spec = nullptr;
    for (const OperandSpec& s : specs)
      if (key == s.key) spec = &s;
    switch (spec->kind) {
      case OperandKind::Flag:
        if (key == "switch") in.switch_weights = true;
        else if (key == "accumulate") in.accumulate = true;
        else if (key == "unsigned_a") in.unsigned_a = true;
        else if (key == "unsigned_w") in.unsigned_w = true;
        else if (key == "average") in.average = true;
        else in.bias = true;
        break;
      case OperandKind::VecOp: {
        const int o = lookup(kVectorOpNames, kNumVectorOps, text);
        if (o < 0) fail(ctx + "operand 'op' = '" + text + "' is not one of add, multiply, unary");
        in.vec_op = static_cast<VectorOp>(o);
        break;
      }
      case OperandKind::Function: {
        const int f = lookup(kFunctionNames, kNumFunctions, text);
        if (f < 0) fail(ctx + "operand 'fn' = '" + text + "' is not one of identity, relu, sigmoid, tanh, lookup");
        in.function = static_cast<ActivationFunction>(f);
        break;
      }
      case OperandKind::Register: break;  // done above
      case OperandKind::Units: in.unit_mask = parse_units(ctx, text); break;
      case OperandKind::Number:
        if (key == "value") {
          in.value = parse_config_value(ctx, in.reg, text);
          break;
        }
        const uint64_t v = parse_field(ctx, key, text, spec->bits);
        if (key == "ub") in.ub_row = static_cast<uint32_t>(v);
        else if (key == "acc") in.acc_row = static_cast<uint32_t>(v);
        else if (key == "rows") in.rows = static_cast<uint32_t>(v);
        else if (key == "host") in.host_addr = static_cast<uint32_t>(v);
        else if (key == "dram") in.dram_addr = v;
        else if (key == "src") in.src_row = static_cast<uint32_t>(v);
        else if (key == "p0") in.out_row = static_cast<uint32_t>(v);
        else if (key == "kr") in.kernel_row = static_cast<uint32_t>(v);
        else if (key == "ks") in.kernel_col = static_cast<uint32_t>(v);
        else if (key == "id") in.host_op = static_cast<uint32_t>(v);
        else in.tiles = static_cast<uint32_t>(v);
        break;
    }
  }
  uint8_t scratch[kInstructionBytes];
  encode_checked(in, scratch, prefix, kOperandNames);  // the encoder's rules apply to text too
  return in;
}

}  // namespace

bool Instruction::operator==(const Instruction& o) const {
  return op == o.op && ub_row == o.ub_row && acc_row == o.acc_row && rows == o.rows && host_addr == o.host_addr &&
         dram_addr == o.dram_addr && tiles == o.tiles && accumulate == o.accumulate &&
         switch_weights == o.switch_weights && bias == o.bias && function == o.function && reg == o.reg &&
         value == o.value && unit_mask == o.unit_mask && src_row == o.src_row && out_row == o.out_row &&
         kernel_row == o.kernel_row && kernel_col == o.kernel_col && average == o.average && vec_op == o.vec_op &&
         host_op == o.host_op && unsigned_a == o.unsigned_a && unsigned_w == o.unsigned_w;
}

bool unit_of(Opcode op, Unit* unit) {
  Unit u;
  switch (op) {
    case Opcode::ReadHostMemory:
    case Opcode::WriteHostMemory: u = Unit::Host; break;
    case Opcode::ReadWeights: u = Unit::Weights; break;
    case Opcode::MatrixMultiply:
    case Opcode::Convolve: u = Unit::Matrix; break;
    case Opcode::Activate:
    case Opcode::Pool:
    case Opcode::Vector: u = Unit::Activation; break;
    default: return false;
  }
  if (unit != nullptr) *unit = u;
  return true;
}

const char* unit_name(Unit u) { return kUnitNames[static_cast<int>(u)]; }

const char* mnemonic(Opcode op) {
  switch (op) {
    case Opcode::Nop: return "nop";
    case Opcode::ReadHostMemory: return "read_host_memory";
    case Opcode::WriteHostMemory: return "write_host_memory";
    case Opcode::ReadWeights: return "read_weights";
    case Opcode::MatrixMultiply: return "matrix_multiply";
    case Opcode::Activate: return "activate";
    case Opcode::SetConfig: return "set_config";
    case Opcode::Sync: return "sync";
    case Opcode::Halt: return "halt";
    case Opcode::Convolve: return "convolve";
    case Opcode::Pool: return "pool";
    case Opcode::Vector: return "vector";
    case Opcode::InterruptHost: return "interrupt_host";
  }
  return "unknown";
}

void encode(const Instruction& in, uint8_t out[kInstructionBytes]) { encode_checked(in, out, "encode", kFieldNames); }

Instruction decode(const uint8_t in[kInstructionBytes], const std::string& where) {
  if (!is_known(static_cast<Opcode>(in[0]))) fail(where + ": unknown opcode " + hex(in[0]));
  Instruction d;
  d.op = static_cast<Opcode>(in[0]);
  const std::string ctx = where + ": " + mnemonic(d.op) + ": ";
  const uint8_t flags = in[1];

  // Operand bytes in use (2 .. first_reserved-1) and legal flag bits per opcode.
  std::size_t first_reserved = 2;
  uint8_t flag_bits = 0;
  switch (d.op) {
    case Opcode::ReadHostMemory:
    case Opcode::WriteHostMemory:
    case Opcode::ReadWeights: first_reserved = 12; break;
    case Opcode::MatrixMultiply:
      first_reserved = 11;
      flag_bits = kMmFlagBits;
      break;
    case Opcode::Activate:
      first_reserved = 11;
      flag_bits = 0x0F;
      break;
    case Opcode::Convolve:
      first_reserved = 12;
      flag_bits = kMmFlagBits;
      break;
    case Opcode::Pool:
      first_reserved = 12;
      flag_bits = 0x01;
      break;
    case Opcode::Vector:
      first_reserved = 12;
      flag_bits = 0x1F;
      break;
    case Opcode::SetConfig:
      first_reserved = 6;
      flag_bits = 0xFF;
      break;                                     // register id
    case Opcode::Sync: flag_bits = 0xFF; break;  // unit mask, checked by validate()
    case Opcode::InterruptHost: first_reserved = 4; break;
    case Opcode::Nop:
    case Opcode::Halt: break;
  }
  if (flags & ~flag_bits)
    fail(ctx + "unused flag bits " + hex(flags & ~flag_bits) + " are set (flags byte = " + hex(flags) + ")");
  for (std::size_t i = first_reserved; i < kInstructionBytes; ++i)
    if (in[i] != 0) fail(ctx + "reserved byte " + std::to_string(i) + " = " + hex(in[i]) + " must be 0");

  switch (d.op) {
    case Opcode::ReadHostMemory:
    case Opcode::WriteHostMemory:
      d.ub_row = static_cast<uint32_t>(get_le(in, 2, 3));
      d.host_addr = static_cast<uint32_t>(get_le(in, 5, 4));
      d.rows = static_cast<uint32_t>(get_le(in, 9, 3));
      break;
    case Opcode::ReadWeights:
      d.dram_addr = get_le(in, 2, 6);
      d.tiles = static_cast<uint32_t>(get_le(in, 8, 4));
      break;
    case Opcode::MatrixMultiply:
    case Opcode::Activate:
      if (d.op == Opcode::MatrixMultiply) {
        decode_mm_flags(flags, &d);
      } else {
        d.function = static_cast<ActivationFunction>(flags & 0x07);
        d.bias = flags & 0x08;
      }
      d.ub_row = static_cast<uint32_t>(get_le(in, 2, 3));
      d.acc_row = static_cast<uint32_t>(get_le(in, 5, 2));
      d.rows = static_cast<uint32_t>(get_le(in, 7, 4));
      break;
    case Opcode::Convolve:
      decode_mm_flags(flags, &d);
      d.ub_row = static_cast<uint32_t>(get_le(in, 2, 3));
      d.acc_row = static_cast<uint32_t>(get_le(in, 5, 2));
      d.kernel_row = static_cast<uint32_t>(get_le(in, 7, 1));
      d.kernel_col = static_cast<uint32_t>(get_le(in, 8, 1));
      d.out_row = static_cast<uint32_t>(get_le(in, 9, 2));
      d.rows = static_cast<uint32_t>(get_le(in, 11, 1));
      break;
    case Opcode::Pool:
      d.average = flags & 0x01;
      d.ub_row = static_cast<uint32_t>(get_le(in, 2, 3));
      d.src_row = static_cast<uint32_t>(get_le(in, 5, 3));
      d.out_row = static_cast<uint32_t>(get_le(in, 8, 2));
      d.rows = static_cast<uint32_t>(get_le(in, 10, 2));
      break;
    case Opcode::Vector:
      d.function = static_cast<ActivationFunction>(flags & 0x07);
      d.vec_op = static_cast<VectorOp>((flags >> 3) & 0x03);
      d.ub_row = static_cast<uint32_t>(get_le(in, 2, 3));
      d.src_row = static_cast<uint32_t>(get_le(in, 5, 3));
      d.rows = static_cast<uint32_t>(get_le(in, 8, 4));
      break;
    case Opcode::SetConfig: {
      d.reg = static_cast<ConfigRegister>(flags);
      const uint32_t raw = static_cast<uint32_t>(get_le(in, 2, 4));
      d.value = static_cast<int32_t>(raw);
      // Range-check here so that a raw value >= 2^31 is shown unsigned for unsigned registers.
      if (is_config_register(flags)) {
        int64_t lo, hi;
        register_range(d.reg, &lo, &hi);
        check_value(ctx, kFieldNames, d.reg, lo < 0 ? int64_t{d.value} : int64_t{raw});
      }
      break;
    }
    case Opcode::Sync: d.unit_mask = flags; break;
    case Opcode::InterruptHost: d.host_op = static_cast<uint32_t>(get_le(in, 2, 2)); break;
    case Opcode::Nop:
    case Opcode::Halt: break;
  }
  validate(d, where, kFieldNames);
  return d;
}

std::vector<uint8_t> encode_program(const std::vector<Instruction>& program) {
  std::vector<uint8_t> image(program.size() * kInstructionBytes);
  for (std::size_t i = 0; i < program.size(); ++i)
    encode_checked(program[i], image.data() + i * kInstructionBytes, "encode_program: instruction " + std::to_string(i),
                   kFieldNames);
  return image;
}

std::vector<Instruction> decode_program(const std::vector<uint8_t>& image) {
  if (image.size() % kInstructionBytes != 0)
    fail("decode_program: image size " + std::to_string(image.size()) + " bytes is not a multiple of " +
         std::to_string(kInstructionBytes));
  std::vector<Instruction> program;
  program.reserve(image.size() / kInstructionBytes);
  for (std::size_t i = 0; i * kInstructionBytes < image.size(); ++i)
    program.push_back(
        decode(image.data() + i * kInstructionBytes,
               "instruction " + std::to_string(i) + " (byte offset " + std::to_string(i * kInstructionBytes) + ")"));
  return program;
}

std::string disassemble(const Instruction& in) {
  validate(in, "disassemble", kFieldNames);  // invalid instructions have no text form
  std::string s = mnemonic(in.op);
  switch (in.op) {
    case Opcode::ReadHostMemory:
    case Opcode::WriteHostMemory:
      s += " ub=" + hex(in.ub_row) + " host=" + hex(in.host_addr) + " rows=" + std::to_string(in.rows);
      break;
    case Opcode::ReadWeights: s += " dram=" + hex(in.dram_addr) + " tiles=" + std::to_string(in.tiles); break;
    case Opcode::MatrixMultiply:
    case Opcode::Activate:
      s += " ub=" + hex(in.ub_row) + " acc=" + hex(in.acc_row) + " rows=" + std::to_string(in.rows);
      if (in.op == Opcode::MatrixMultiply) {
        s += mm_flag_text(in);
      } else {
        s += std::string(" fn=") + kFunctionNames[static_cast<int>(in.function)];
        if (in.bias) s += " bias";
      }
      break;
    case Opcode::Convolve:
      s += " ub=" + hex(in.ub_row) + " acc=" + hex(in.acc_row) + " kr=" + std::to_string(in.kernel_row) +
           " ks=" + std::to_string(in.kernel_col) + " p0=" + std::to_string(in.out_row) +
           " rows=" + std::to_string(in.rows);
      s += mm_flag_text(in);
      break;
    case Opcode::Pool:
      s += " ub=" + hex(in.ub_row) + " src=" + hex(in.src_row) + " p0=" + std::to_string(in.out_row) +
           " rows=" + std::to_string(in.rows);
      if (in.average) s += " average";
      break;
    case Opcode::Vector:
      s += " ub=" + hex(in.ub_row) + " src=" + hex(in.src_row) + " rows=" + std::to_string(in.rows) +
           " op=" + kVectorOpNames[static_cast<int>(in.vec_op)] +
           " fn=" + kFunctionNames[static_cast<int>(in.function)];
      break;
    case Opcode::SetConfig:
      s += std::string(" reg=") + kRegisterNames[static_cast<int>(in.reg)] + " value=" + std::to_string(in.value);
      break;
    case Opcode::Sync: {
      s += " units=";
      bool first = true;
      for (int u = 0; u < kNumUnits; ++u)
        if (in.unit_mask & (1u << u)) {
          if (!first) s += ',';
          s += kUnitNames[u];
          first = false;
        }
      break;
    }
    case Opcode::InterruptHost: s += " id=" + std::to_string(in.host_op); break;
    case Opcode::Nop:
    case Opcode::Halt: break;
  }
  return s;
}

std::string disassemble_program(const std::vector<Instruction>& program) {
  std::string text;
  for (const Instruction& in : program) text += disassemble(in) + "\n";
  return text;
}

std::vector<Instruction> assemble(const std::string& text, const std::string& origin) {
  std::vector<Instruction> program;
  std::size_t start = 0;
  for (std::size_t line_no = 1; start <= text.size(); ++line_no) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;

    const std::size_t comment = line.find_first_of("#;");
    if (comment != std::string::npos) line.erase(comment);
    std::vector<std::string> tokens;
    std::size_t pos = 0;
    const char* const space = " \t\r\v\f";
    while ((pos = line.find_first_not_of(space, pos)) != std::string::npos) {
      const std::size_t stop = line.find_first_of(space, pos);
      tokens.push_back(line.substr(pos, stop == std::string::npos ? std::string::npos : stop - pos));
      pos = stop;
    }
    if (tokens.empty()) continue;
    program.push_back(parse_line(tokens, origin + ":" + std::to_string(line_no)));
  }
  return program;
}

}  // namespace tpu
