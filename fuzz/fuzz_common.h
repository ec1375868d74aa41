// Shared by the libFuzzer targets in fuzz/ (fuzz/README.md): SystemC's entry point, a scratch
// directory of links to data files for the manifests (parsed from memory, named as if they lay in
// it), and the rule for what counts as a finding.
//
// A target calls the parser on the input and catches sc_core::sc_report, the model's way of
// rejecting bad input with a message naming the file, key or line. Anything else (another
// exception, an ASan/UBSan report, an abort, a time-out, running out of memory) is a finding.
#pragma once

#include <systemc>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace tpu_fuzz {

/// Aborts (a finding libFuzzer reports with the input) with `why`.
[[noreturn]] inline void finding(const std::string& why) {
  std::fprintf(stderr, "fuzz finding: %s\n", why.c_str());
  std::abort();
}

/// The input as text.
inline std::string text(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

/// Runs `f`; a sc_report with a message is the expected rejection of bad input, and an empty
/// message is a finding. Other exceptions propagate (libFuzzer reports an uncaught exception).
template <typename F>
void expect_named_error(F f) {
  try {
    f();
  } catch (const sc_core::sc_report& e) {
    if (e.get_msg() == nullptr || *e.get_msg() == '\0') finding("sc_report without a message");
  }
}

/// A directory of its own for this process, removed at exit. `links` are (name, target) pairs of
/// symbolic links to create in it, so that a manifest named as if it lay there finds data files
/// or presets.
class ScratchDir {
 public:
  explicit ScratchDir(const std::vector<std::pair<std::string, std::filesystem::path>>& links = {}) {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/tpu-fuzz-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) finding("cannot create a scratch directory under " + templ);
    dir_ = buf.data();
    for (const auto& [name, target] : links) {
      std::error_code ec;
      if (std::filesystem::exists(dir_ / name, ec)) continue;  // the first of two same-named files wins
      std::filesystem::create_symlink(target, dir_ / name, ec);
    }
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  /// The path of `name` in the directory (which need not exist): a manifest parsed from memory
  /// under this name finds its data files and presets in the directory, as a file there would.
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  /// Links to every regular file of `source_dir` (relative to the source tree), named as there.
  static std::vector<std::pair<std::string, std::filesystem::path>> files_of(const std::string& source_dir) {
    std::vector<std::pair<std::string, std::filesystem::path>> out;
    std::error_code ec;
    for (const auto& e :
         std::filesystem::directory_iterator(std::filesystem::path(TPU_TLM_SOURCE_DIR) / source_dir, ec))
      if (e.is_regular_file() && e.path().extension() != ".yaml")
        out.emplace_back(e.path().filename().string(), e.path());
    return out;
  }

 private:
  std::filesystem::path dir_;
};

}  // namespace tpu_fuzz

// libsystemc.so defines main() and calls sc_main(); libFuzzer's main() takes precedence in the
// executable, but the library's reference to sc_main must still resolve.
int sc_main(int, char**) { return 0; }
