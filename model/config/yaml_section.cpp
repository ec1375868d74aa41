// Strict reading of YAML files for configs and workloads (see yaml_section.h).
#include "config/yaml_section.h"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <yaml-cpp/eventhandler.h>
#include <systemc>

namespace tpu {

std::string format_number(double v) {
  std::ostringstream os;
  os.precision(15);
  os << v;
  return os.str();
}

namespace {

// Records where each document of a YAML stream starts and where each non-plain scalar (quoted or
// block) starts (YAML::Parser's events, nothing else).
struct DocumentStarts : YAML::EventHandler {
  std::vector<YAML::Mark> marks, non_plain_scalars;
  void OnDocumentStart(const YAML::Mark& mark) override { marks.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t, const std::string&) override {
    if (tag == "!") non_plain_scalars.push_back(mark);
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// True if the quoted scalar starting at `pos` of `text` (at its quote, after any tag or anchor)
// ends with its closing quote. yaml-cpp 0.7 does not check this: an unterminated quote takes the
// rest of the file as the string, silently dropping every key after it.
bool quote_closed(const std::string& text, size_t pos) {
  while (pos < text.size() && text[pos] != '"' && text[pos] != '\'' && text[pos] != '|' && text[pos] != '>') ++pos;
  if (pos >= text.size() || text[pos] == '|' || text[pos] == '>') return true;  // a block scalar
  const char quote = text[pos];
  for (size_t i = pos + 1; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;  // an escaped character, \" included
    } else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // '' is a quote inside a single-quoted string
      } else {
        return true;
      }
    }
  }
  return false;
}

// Joins key names with ", " for the "allowed keys" part of messages.
std::string join(const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& k : keys) out += (out.empty() ? "" : ", ") + k;
  return out;
}

// Describes a node's value for messages: the scalar text (quoted if it was quoted in YAML, with
// its tag if it had one), or the kind of node.
std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null: return "null (no value)";
    case YAML::NodeType::Sequence: return "a sequence";
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Undefined: return "nothing";
    case YAML::NodeType::Scalar: break;
  }
  std::string text = node.Scalar();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  const std::string& tag = node.Tag();
  if (tag == "?") return text;
  if (tag == "!") return "\"" + text + "\"";
  const std::string core = "tag:yaml.org,2002:";
  return (tag.compare(0, core.size(), core) == 0 ? "!!" + tag.substr(core.size()) : tag) + " " + text;
}

// True if `node` is a scalar that may be read as a number: plain (unquoted) and either untagged
// or tagged with one of `tags` (e.g. !!int). A quoted "256" is a string, not a number.
bool numeric_scalar(const YAML::Node& node, std::initializer_list<const char*> tags) {
  if (!node.IsScalar()) return false;
  if (node.Tag() == "?") return true;
  for (const char* t : tags)
    if (node.Tag() == t) return true;
  return false;
}

// Parses an unsigned integer strictly: optional '+', then decimal digits or 0x-hex digits,
// nothing else. Returns false on a syntax error; sets `overflow` if the value exceeds `max`.
bool parse_unsigned(const std::string& s, uint64_t max, uint64_t& out, bool& overflow) {
  overflow = false;
  const char* p = s.data();
  const char* end = p + s.size();
  if (p != end && *p == '+') ++p;
  int base = 10;
  if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    base = 16;
    p += 2;
  }
  if (p == end) return false;
  uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(p, end, v, base);
  if (ptr != end) return false;  // trailing junk ("12abc", "1.5", "-3" stops at p)
  if (ec == std::errc::result_out_of_range || v > max) {
    overflow = true;
    return false;
  }
  if (ec != std::errc()) return false;
  out = v;
  return true;
}

// Parses a finite decimal floating-point number strictly: [+-]digits[.digits][e[+-]digits]
// (or .digits). Rejects inf/nan spellings, hex floats and trailing junk.
bool parse_double(const std::string& s, double& out) {
  size_t i = 0;
  const size_t n = s.size();
  std::string body;  // s without a leading '+', which std::from_chars does not accept
  if (i < n && (s[i] == '+' || s[i] == '-')) {
    if (s[i] == '-') body += '-';
    ++i;
  }
  size_t digits = 0;
  const size_t start = i;
  while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  if (i < n && s[i] == '.') {
    ++i;
    while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  if (i != n) return false;
  body += s.substr(start);
  double v = 0.0;
  const auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
  if (ec != std::errc() || ptr != body.data() + body.size() || !std::isfinite(v)) return false;
  out = v;
  return true;
}

}  // namespace

YAML::Node load_yaml_document(const char* msg_type, const std::string& path, const std::string& what) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) raise_as(msg_type, path + ": cannot read " + what + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) raise_as(msg_type, path + ": cannot open " + what + " (" + std::strerror(errno) + ")");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) raise_as(msg_type, path + ": error while reading " + what);
  return parse_yaml_document(msg_type, text.str(), path, what);
}

YAML::Node parse_yaml_document(const char* msg_type, const std::string& text, const std::string& origin,
                               const std::string& what) {
  try {
    // Not YAML::LoadAll: on a top-level token that starts no node (a ',' as the first thing in
    // the file) yaml-cpp 0.7 reports an empty document without consuming the token, so LoadAll
    // collects empty documents until memory runs out. Count the documents first, and stop when
    // one starts where the previous one did.
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    DocumentStarts starts;
    while (parser.HandleNextDocument(starts)) {
      const size_t n = starts.marks.size();
      if (n < 2 || starts.marks[n - 1].pos != starts.marks[n - 2].pos) continue;
      const YAML::Mark& m = starts.marks[n - 1];
      raise_as(msg_type, origin + ": line " + std::to_string(m.line + 1) + ", column " + std::to_string(m.column + 1) +
                             ": YAML error: unexpected '" + text.substr(size_t(m.pos), 1) + "'");
    }
    for (const YAML::Mark& m : starts.non_plain_scalars)
      if (!quote_closed(text, size_t(m.pos)))
        raise_as(msg_type, origin + ": line " + std::to_string(m.line + 1) + ", column " +
                               std::to_string(m.column + 1) + ": YAML error: the quoted string is not closed");
    if (starts.marks.empty()) raise_as(msg_type, origin + ": empty " + what);
    if (starts.marks.size() > 1)
      raise_as(msg_type,
               origin + ": contains " + std::to_string(starts.marks.size()) + " YAML documents, expected one");
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    std::string msg = origin + ": ";
    if (!e.mark.is_null())
      msg += "line " + std::to_string(e.mark.line + 1) + ", column " + std::to_string(e.mark.column + 1) + ": ";
    raise_as(msg_type, msg + "YAML error: " + e.msg);
  }
}

YamlSection::YamlSection(const char* msg_type, const std::string& file, const YAML::Node& node, const std::string& path,
                         std::vector<std::string> allowed)
    : msg_type_(msg_type), file_(file), path_(path), allowed_(std::move(allowed)) {
  if (!node.IsDefined()) return;  // absent section: every key keeps its default
  if (!node.IsMap()) fail_at(where(), "must be a map with keys " + join(allowed_) + ", got " + describe(node));
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) fail_at(where(), "keys must be strings, got " + describe(kv.first));
    const std::string& key = kv.first.Scalar();
    bool known = false;
    for (const std::string& a : allowed_) known = known || a == key;
    if (!known)
      fail(key, "unknown key; allowed keys" + (path_.empty() ? std::string(" at top level") : " in " + path_) + ": " +
                    join(allowed_));
    if (!entries_.emplace(key, kv.second).second) fail(key, "duplicate key");
  }
}

void YamlSection::fail(const std::string& key, const std::string& what) const { fail_at(key_path(key), what); }

void YamlSection::fail_at(const std::string& path, const std::string& what) const {
  raise_as(msg_type_, file_ + ": " + path + ": " + what);
}

void YamlSection::require(const std::string& key, const std::string& why) const {
  if (!has(key)) fail(key, "missing (" + why + ")");
}

YamlSection YamlSection::section(const std::string& key, std::vector<std::string> allowed) const {
  return YamlSection(msg_type_, file_, value(key), key_path(key), std::move(allowed));
}

std::vector<YamlSection> YamlSection::sequence(const std::string& key, std::vector<std::string> allowed) const {
  const YAML::Node node = value(key);
  if (!node.IsSequence() || node.size() == 0) fail(key, "must be a non-empty list, got " + describe(node));
  std::vector<YamlSection> out;
  for (std::size_t i = 0; i < node.size(); ++i)
    out.emplace_back(msg_type_, file_, node[i], key_path(key) + "[" + std::to_string(i) + "]", allowed);
  return out;
}

YamlSection YamlSection::elements(const std::string& key, const YAML::Node& list) const {
  YamlSection out(msg_type_, file_, YAML::Node(YAML::NodeType::Undefined), path_, {});
  for (std::size_t i = 0; i < list.size(); ++i) out.entries_.emplace(key + "[" + std::to_string(i) + "]", list[i]);
  return out;
}

void YamlSection::read(const std::string& key, uint32_t& out) const {
  uint64_t v = out;
  read_unsigned(key, std::numeric_limits<uint32_t>::max(), v);
  out = static_cast<uint32_t>(v);
}

void YamlSection::read(const std::string& key, uint64_t& out) const {
  read_unsigned(key, std::numeric_limits<uint64_t>::max(), out);
}

void YamlSection::read_signed(const std::string& key, int64_t lo, int64_t hi, int64_t& out) const {
  if (!has(key)) return;
  const YAML::Node node = value(key);
  const std::string s = node.IsScalar() ? node.Scalar() : std::string();
  int64_t v = 0;
  // A leading '+' is allowed ("+3"), but not followed by a sign ("+-3").
  const bool plus = !s.empty() && s[0] == '+';
  if (plus && s.size() > 1 && (s[1] == '-' || s[1] == '+')) fail(key, "must be an integer, got " + describe(node));
  const char* b = s.data() + (plus ? 1 : 0);
  const auto [ptr, ec] = std::from_chars(b, s.data() + s.size(), v);
  if (!numeric_scalar(node, {"tag:yaml.org,2002:int"}) || s.empty() || ec != std::errc() || ptr != s.data() + s.size())
    fail(key, "must be an integer, got " + describe(node));
  if (v < lo || v > hi)
    fail(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + s);
  out = v;
}

void YamlSection::read(const std::string& key, double& out) const {
  if (!has(key)) return;
  const YAML::Node node = value(key);
  double v = 0.0;
  if (!numeric_scalar(node, {"tag:yaml.org,2002:float", "tag:yaml.org,2002:int"}) || !parse_double(node.Scalar(), v))
    fail(key, "must be a finite number, got " + describe(node));
  out = v;
}

void YamlSection::read(const std::string& key, std::string& out) const {
  if (!has(key)) return;
  const YAML::Node node = value(key);
  if (!node.IsScalar() || node.Scalar().empty()) fail(key, "must be a non-empty string, got " + describe(node));
  out = node.Scalar();
}

YAML::Node YamlSection::value(const std::string& key) const {
  const auto it = entries_.find(key);
  return it == entries_.end() ? YAML::Node(YAML::NodeType::Undefined) : it->second;
}

void YamlSection::read_unsigned(const std::string& key, uint64_t max, uint64_t& out) const {
  if (!has(key)) return;
  const YAML::Node node = value(key);
  uint64_t v = 0;
  bool overflow = false;
  if (numeric_scalar(node, {"tag:yaml.org,2002:int"}) && parse_unsigned(node.Scalar(), max, v, overflow)) {
    out = v;
    return;
  }
  if (overflow) fail(key, "out of range (maximum " + std::to_string(max) + "), got " + describe(node));
  fail(key, "must be a non-negative integer (decimal or 0x hex), got " + describe(node));
}

}  // namespace tpu
