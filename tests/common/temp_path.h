// Paths for the files tests write (VCDs, CSVs, programs).
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace tpu::test {

/// `name` in the system's temporary directory, prefixed with this process's id, so that two test
/// runs at once on one machine (two build trees' ctest) never write the same file.
inline std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("tpu_tlm_" + std::to_string(::getpid()) + "_" + name)).string();
}

/// temp_path(prefix + the running GoogleTest test's name): a file or directory of each test's own.
inline std::string test_temp_path(const std::string& prefix) {
  return temp_path(prefix + testing::UnitTest::GetInstance()->current_test_info()->name());
}

}  // namespace tpu::test
