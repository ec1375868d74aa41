#include "util/report.h"

#include <stdexcept>

#include <systemc>

namespace tpu {

void raise_as(const char* msg_type, const std::string& msg) {
  SC_REPORT_ERROR(msg_type, msg.c_str());
  throw std::runtime_error(msg);  // only if SC_ERROR was configured not to throw
}

}  // namespace tpu
