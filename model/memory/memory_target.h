// A byte-addressed on-chip (or host) memory behind a TLM-2.0 target socket.
#pragma once

#include <cstdint>
#include <string>

#include <tlm_utils/multi_passthrough_target_socket.h>
#include <systemc>
#include <tlm>

#include "util/huge_pages.h"

namespace tpu {

/// SRAM-like memory of `rows` rows of `row_bytes` bytes, served through a multi-passthrough
/// target socket so several initiators can bind to it. Reads and writes are functional and
/// annotate no delay: the units that stream rows (MXU, activation unit, host DMA) account for
/// the time in their own dataflow formulas, one row per cycle on the 256-byte paths of the TPU
/// paper, Sec. 2. Supports b_transport, transport_dbg and DMI (read/write, the whole array).
/// An access outside [0, rows * row_bytes) gets TLM_ADDRESS_ERROR_RESPONSE; byte enables and
/// streaming widths other than the length are TLM_BYTE_ENABLE_ERROR_RESPONSE /
/// TLM_BURST_ERROR_RESPONSE. Initiators turn error responses into reports (see check_response).
class MemoryTarget : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<MemoryTarget> socket;

  /// `rows` x `row_bytes` bytes, zero-initialised (host memory: huge pages, see ZeroedBytes).
  MemoryTarget(sc_core::sc_module_name name, uint64_t rows, uint64_t row_bytes);

  uint64_t size_bytes() const { return size_; }
  /// Direct access for the testbench and tests (no timing, no counters).
  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  /// Grants TLM-2.0 DMI (the default) or refuses it (get_direct_mem_ptr returns false with no
  /// access), so that initiators fall back to b_transport for every access: the same data and
  /// counters, slower (tpu-sim --no-dmi; tests of the fallback paths).
  void grant_dmi(bool on) { dmi_granted_ = on; }
  /// Bytes moved through b_transport (not DMI or transport_dbg: a DMI initiator counts its own).
  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(int id, tlm::tlm_generic_payload& trans);
  bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  bool access(tlm::tlm_generic_payload& trans);

  uint64_t size_;
  ZeroedBytes data_;
  bool dmi_granted_ = true;
  uint64_t bytes_read_ = 0, bytes_written_ = 0;
};

/// Raises SC_REPORT_ERROR("tpu/tlm") when `trans` did not complete with TLM_OK_RESPONSE,
/// naming `who` (the initiator and what it was doing), the address, length and response.
void check_response(const tlm::tlm_generic_payload& trans, const std::string& who);

/// Performs one blocking TLM read or write of `len` bytes at `addr` through `socket` and checks
/// the response (see check_response). `delay` is the annotated delay, in and out.
template <typename Socket>
void transport(Socket& socket, tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint64_t len,
               sc_core::sc_time& delay, const std::string& who) {
  tlm::tlm_generic_payload trans;
  trans.set_command(cmd);
  trans.set_address(addr);
  trans.set_data_ptr(data);
  trans.set_data_length(static_cast<unsigned int>(len));
  trans.set_streaming_width(static_cast<unsigned int>(len));
  trans.set_byte_enable_ptr(nullptr);
  trans.set_dmi_allowed(false);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  socket->b_transport(trans, delay);
  check_response(trans, who);
}

/// Direct memory access to a target through an initiator socket, asked for once and kept until
/// the target invalidates it (TLM-2.0 DMI). The owner forwards its socket's
/// invalidate_direct_mem_ptr callback to invalidate().
class DmiCache {
 public:
  /// The host pointer of bytes [addr, addr + len) when the target granted read/write DMI covering
  /// them, else nullptr (the caller then uses transport()).
  template <typename Socket>
  uint8_t* pointer(Socket& socket, uint64_t addr, uint64_t len) {
    if (!valid_ && !refused_) {
      tlm::tlm_generic_payload trans;
      trans.set_command(tlm::TLM_READ_COMMAND);
      trans.set_address(addr);
      trans.set_data_length(0);
      valid_ = socket->get_direct_mem_ptr(trans, dmi_) && dmi_.is_read_write_allowed();
      refused_ = !valid_;
    }
    if (!valid_ || addr < dmi_.get_start_address() || addr + len - 1 > dmi_.get_end_address()) return nullptr;
    return dmi_.get_dmi_ptr() + (addr - dmi_.get_start_address());
  }
  /// Forgets the region (and asks again next time) when [start, end] overlaps it; a target that
  /// refused DMI is asked again after any invalidation.
  void invalidate(uint64_t start, uint64_t end) {
    if (valid_ && start <= dmi_.get_end_address() && end >= dmi_.get_start_address()) valid_ = false;
    refused_ = false;
  }

 private:
  tlm::tlm_dmi dmi_;
  bool valid_ = false, refused_ = false;
};

}  // namespace tpu
