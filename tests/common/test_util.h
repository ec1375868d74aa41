// Small GoogleTest helpers shared by the test files that check error messages.
#pragma once

#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <systemc>

namespace tpu::test {

/// Succeeds if `haystack` contains `needle`; the failure shows both.
inline testing::AssertionResult Contains(const std::string& haystack, const std::string& needle) {
  if (haystack.find(needle) != std::string::npos) return testing::AssertionSuccess();
  return testing::AssertionFailure() << "\"" << haystack << "\" does not contain \"" << needle << "\"";
}

/// Succeeds if `haystack` contains every string of `needles`; the failure shows the first missing one.
inline testing::AssertionResult ContainsAll(const std::string& haystack, const std::vector<std::string>& needles) {
  for (const std::string& needle : needles) {
    testing::AssertionResult found = Contains(haystack, needle);
    if (!found) return found;
  }
  return testing::AssertionSuccess();
}

/// Succeeds if `text` starts with `prefix`; the failure shows both.
inline testing::AssertionResult StartsWith(const std::string& text, const std::string& prefix) {
  if (text.compare(0, prefix.size(), prefix) == 0) return testing::AssertionSuccess();
  return testing::AssertionFailure() << "\"" << text << "\" does not start with \"" << prefix << "\"";
}

/// Runs `fn`, which must raise SC_REPORT_ERROR(`type`); returns the message ("" if it did not).
inline std::string ErrorOf(const char* type, const std::function<void()>& fn) {
  try {
    fn();
  } catch (const sc_core::sc_report& r) {
    EXPECT_STREQ(r.get_msg_type(), type);
    return r.get_msg();
  }
  ADD_FAILURE() << "expected an SC_REPORT_ERROR(\"" << type << "\")";
  return "";
}

/// A fixture with a fresh temporary directory for manifests and data files, removed afterwards.
class ManifestDirTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tpu_test_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  /// Writes `bytes` bytes (1, 2, 3, ...) to <tmpdir>/<name>.
  void WriteData(const std::string& name, size_t bytes) {
    std::ofstream f(dir_ / name, std::ios::binary | std::ios::trunc);
    for (size_t i = 0; i < bytes; ++i) f.put(char(i + 1));
    ASSERT_TRUE(f.good());
  }
  /// Writes `text` to <tmpdir>/<name> and returns its path.
  std::string WriteManifest(const std::string& text, const std::string& name) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  /// `text` with `from` replaced by `to` (`from` must occur exactly once).
  static std::string Replace(std::string text, const std::string& from, const std::string& to) {
    const size_t pos = text.find(from);
    EXPECT_NE(pos, std::string::npos) << "\"" << from << "\" not in the manifest";
    EXPECT_EQ(text.find(from, pos + 1), std::string::npos) << "\"" << from << "\" occurs twice";
    if (pos != std::string::npos) text.replace(pos, from.size(), to);
    return text;
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

}  // namespace tpu::test
