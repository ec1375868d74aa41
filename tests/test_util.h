// Small GoogleTest helpers shared by the test files that check error messages.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include <systemc>

namespace tpu::test {

/// Succeeds if `haystack` contains `needle`; the failure shows both.
inline testing::AssertionResult Contains(const std::string& haystack, const std::string& needle) {
  if (haystack.find(needle) != std::string::npos) return testing::AssertionSuccess();
  return testing::AssertionFailure() << "\"" << haystack << "\" does not contain \"" << needle << "\"";
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

}  // namespace tpu::test
