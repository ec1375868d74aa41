#include "memory/memory_target.h"

#include <cstring>
#include <sstream>

namespace tpu {

MemoryTarget::MemoryTarget(sc_core::sc_module_name name, uint64_t rows, uint64_t row_bytes)
    : sc_module(name), socket("socket"), size_(rows * row_bytes), data_(size_) {
  socket.register_b_transport(this, &MemoryTarget::b_transport);
  socket.register_transport_dbg(this, &MemoryTarget::transport_dbg);
  socket.register_get_direct_mem_ptr(this, &MemoryTarget::get_direct_mem_ptr);
}

// Copies the payload's data in or out; sets the response status. Returns true on success.
bool MemoryTarget::access(tlm::tlm_generic_payload& trans) {
  const uint64_t addr = trans.get_address();
  const uint64_t len = trans.get_data_length();
  if (addr > size_ || len > size_ - addr) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  const uint8_t* enables = trans.get_byte_enable_ptr();
  const uint64_t enable_length = trans.get_byte_enable_length();
  if (enables != nullptr && enable_length == 0) {
    trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return false;
  }
  if (trans.get_streaming_width() < len) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return false;
  }
  uint8_t* mem = data_.get() + addr;
  uint8_t* buf = trans.get_data_ptr();
  if (enables != nullptr) {  // byte by byte, the enabled ones only
    for (uint64_t i = 0; i < len; ++i) {
      if (enables[i % enable_length] != TLM_BYTE_ENABLED) continue;
      if (trans.is_read()) buf[i] = mem[i];
      else if (trans.is_write()) mem[i] = buf[i];
    }
  } else if (trans.is_read()) {
    std::memcpy(buf, mem, len);
  } else if (trans.is_write()) {
    std::memcpy(mem, buf, len);
  }
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  return true;
}

void MemoryTarget::b_transport(int, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  if (!access(trans)) return;
  if (trans.is_read()) bytes_read_ += trans.get_data_length();
  if (trans.is_write()) bytes_written_ += trans.get_data_length();
  if (meter_ && (trans.is_read() || trans.is_write()))
    meter_->charge(trans.is_read() ? meter_read_ : meter_written_, sc_core::sc_time_stamp() + delay,
                   trans.get_data_length());
  trans.set_dmi_allowed(true);
}

unsigned int MemoryTarget::transport_dbg(int, tlm::tlm_generic_payload& trans) {
  return access(trans) ? trans.get_data_length() : 0;
}

bool MemoryTarget::get_direct_mem_ptr(int, tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
  dmi.set_start_address(0);
  dmi.set_end_address(size_ - 1);
  if (!dmi_granted_) {  // refused for the whole range (TLM-2.0: the range the answer applies to)
    dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
    return false;
  }
  dmi.set_dmi_ptr(data_.get());
  dmi.set_read_latency(sc_core::SC_ZERO_TIME);
  dmi.set_write_latency(sc_core::SC_ZERO_TIME);
  dmi.allow_read_write();
  return true;
}

void check_response(const tlm::tlm_generic_payload& trans, const std::string& who) {
  if (trans.is_response_ok()) return;
  std::ostringstream msg;
  msg << who << ": " << (trans.is_read() ? "read" : "write") << " of " << trans.get_data_length()
      << " bytes at address 0x" << std::hex << trans.get_address() << std::dec << " failed with "
      << trans.get_response_string();
  SC_REPORT_ERROR("tpu/tlm", msg.str().c_str());
}

}  // namespace tpu
