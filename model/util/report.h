// Raising errors through SystemC's report handler.
#pragma once

#include <string>

namespace tpu {

/// Raises SC_REPORT_ERROR(msg_type, msg); if the report handler was configured not to throw,
/// throws std::runtime_error so that a caller never continues with bad input.
[[noreturn]] void raise_as(const char* msg_type, const std::string& msg);

}  // namespace tpu
