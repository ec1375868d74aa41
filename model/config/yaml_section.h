// Strict reading of YAML files (architecture configs, workload manifests) with yaml-cpp.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/config.h"
#include "util/report.h"

namespace tpu {

/// Formats a double for messages with 15 significant digits.
std::string format_number(double v);

/// Reads `path` and parses it as exactly one YAML document. Errors (missing or unreadable file,
/// a directory, empty file, several documents, YAML syntax with line and column) are raised
/// with `msg_type`; `what` names the kind of file in messages ("config file").
YAML::Node load_yaml_document(const char* msg_type, const std::string& path, const std::string& what);
/// The same for YAML text held in memory (a config or manifest made by a program, a test's
/// input): parses `text` as exactly one YAML document; `origin` names it in messages where a
/// file's path would ("<generated>: line 3, column 1: YAML error: ..."). Errors as above.
YAML::Node parse_yaml_document(const char* msg_type, const std::string& text, const std::string& origin,
                               const std::string& what);

/// One YAML map (the top level, a section such as "mxu", or an element of a list of maps):
/// checks that it is a map whose keys are unique strings from `allowed`, and reads values with
/// strict types. Every error names the file and the dotted key path, e.g.
/// "configs/x.yaml: mxu.rows: must be a non-negative integer (decimal or 0x hex), got -3".
/// An absent (undefined) node is an empty section: every read keeps its default.
class YamlSection {
 public:
  YamlSection(const char* msg_type, const std::string& file, const YAML::Node& node, const std::string& path,
              std::vector<std::string> allowed);

  /// True if the map has `key`.
  bool has(const std::string& key) const { return entries_.count(key) != 0; }
  /// True if `key` holds a map.
  bool is_map(const std::string& key) const { return has(key) && entries_.at(key).IsMap(); }
  /// Raises unless `key` is present ("missing (<why>)").
  void require(const std::string& key, const std::string& why) const;
  /// The nested map `key` (empty if absent).
  YamlSection section(const std::string& key, std::vector<std::string> allowed) const;
  /// The list of maps `key` (each element checked against `allowed`); raises unless it is a
  /// non-empty sequence.
  std::vector<YamlSection> sequence(const std::string& key, std::vector<std::string> allowed) const;
  /// The elements of `list` (the sequence held by `key`) as a section whose keys are "key[0]",
  /// "key[1]", ..., so the strict readers apply to each element with messages naming
  /// "<path>.key[i]". (It refers to the document's nodes: building a new YAML map from them
  /// would make yaml-cpp merge the whole document's node memory, once per element.)
  YamlSection elements(const std::string& key, const YAML::Node& list) const;

  /// Reads an unsigned integer (decimal or 0x hex) into `out` if `key` is present.
  void read(const std::string& key, uint32_t& out) const;
  void read(const std::string& key, uint64_t& out) const;
  /// Reads a signed decimal integer in [lo, hi] into `out` if `key` is present.
  void read_signed(const std::string& key, int64_t lo, int64_t hi, int64_t& out) const;
  /// Reads a finite number into `out` if `key` is present.
  void read(const std::string& key, double& out) const;
  /// Reads a non-empty string into `out` if `key` is present.
  void read(const std::string& key, std::string& out) const;
  /// Reads one of the names in `choices` into `out` if `key` is present; any other value raises
  /// "must be a, b or c, got x".
  template <typename E, size_t N>
  void read_choice(const std::string& key, const Choice<E> (&choices)[N], E& out) const {
    if (!has(key)) return;
    std::string name;
    read(key, name);
    std::string names;
    for (size_t i = 0; i < N; ++i) {
      if (name == choices[i].name) {
        out = choices[i].value;
        return;
      }
      names += (i == 0 ? "" : i + 1 == N ? " or " : ", ") + std::string(choices[i].name);
    }
    fail(key, "must be " + names + ", got " + name);
  }

  /// Raises "<file>: <path.key>: <what>".
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;
  /// Dotted path of `key` in this section ("mxu.rows").
  std::string key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const std::string& file() const { return file_; }

 private:
  YAML::Node value(const std::string& key) const;
  void read_unsigned(const std::string& key, uint64_t max, uint64_t& out) const;
  [[noreturn]] void fail_at(const std::string& path, const std::string& what) const;
  std::string where() const { return path_.empty() ? "(top level)" : path_; }

  const char* msg_type_;
  std::string file_;
  std::string path_;
  std::vector<std::string> allowed_;
  std::map<std::string, YAML::Node> entries_;
};

}  // namespace tpu
