#include "host_interface/host_interface.h"

#include <cstring>

#include <algorithm>

#include "memory/memory_target.h"

namespace tpu {

PcieDirection::PcieDirection(std::string name, const PcieConfig& cfg, sc_core::sc_time window)
    : cfg_(cfg), free_(sc_core::SC_ZERO_TIME), counter_(std::move(name), window) {}

sc_core::sc_time PcieDirection::transfer(const sc_core::sc_time& issue, uint64_t bytes) {
  const sc_core::sc_time start = std::max(issue, free_);
  const sc_core::sc_time end = start + sc_core::sc_time(double(bytes) / cfg_.bandwidth_bytes_per_s, sc_core::SC_SEC);
  free_ = end;
  counter_.record(start, end, bytes);
  if (meter_) meter_->charge_spread(MeteredAction::kPcie, start, end, bytes);
  return end + sc_core::sc_time(cfg_.latency_ns, sc_core::SC_NS);
}

HostInterface::HostInterface(sc_core::sc_module_name name, const ArchConfig& cfg, sc_core::sc_time window)
    : FunctionalUnit(name, Unit::Host, cfg), host_socket("host_socket"), dram_socket("dram_socket"),
      control_socket("control_socket"), pcie_socket("pcie_socket"), ub_socket("ub_socket"),
      to_device_("pcie_to_device", cfg.pcie, window), to_host_("pcie_to_host", cfg.pcie, window) {
  host_socket.register_b_transport(this, &HostInterface::host_b_transport);
  host_socket.register_transport_dbg(this, &HostInterface::host_transport_dbg);
  SC_HAS_PROCESS(HostInterface);
  SC_THREAD(run);
}

void HostInterface::set_meter(EnergyMeter* meter) {
  FunctionalUnit::set_meter(meter);
  to_device_.set_meter(meter);
  to_host_.set_meter(meter);
}

tlm_utils::simple_initiator_socket<HostInterface>* HostInterface::route(tlm::tlm_generic_payload& trans) {
  const uint64_t addr = trans.get_address();
  if (addr < cfg_.dram.capacity_bytes) return &dram_socket;
  if (addr >= kControlBase && addr - kControlBase < (uint64_t(1) << 32)) {
    trans.set_address(addr - kControlBase);
    return &control_socket;
  }
  return nullptr;
}

void HostInterface::host_b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const uint64_t addr = trans.get_address();
  auto* socket = route(trans);
  if (!socket) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  // Host writes travel to the device; reads return data from it.
  PcieDirection& dir = trans.is_write() ? to_device_ : to_host_;
  const sc_core::sc_time done = dir.transfer(sc_core::sc_time_stamp() + delay, trans.get_data_length());
  delay = done - sc_core::sc_time_stamp();
  (*socket)->b_transport(trans, delay);
  trans.set_address(addr);
}

unsigned int HostInterface::host_transport_dbg(tlm::tlm_generic_payload& trans) {
  const uint64_t addr = trans.get_address();
  auto* socket = route(trans);
  const unsigned int n = socket ? (*socket)->transport_dbg(trans) : 0;
  trans.set_address(addr);
  return n;
}

void HostInterface::run() {
  for (;;) {
    const Dispatch d = next();
    const sc_core::sc_time busy_from = sc_core::sc_time_stamp();
    const uint64_t R = cfg_.mxu.rows, rows = d.instr.rows;  // rows: pixels when host_group_bytes packs
    const uint64_t row_bytes = d.host_row_bytes ? d.host_row_bytes : d.host.width(R);  // bytes per row on PCIe
    const uint64_t bytes = rows * row_bytes, ub_addr = uint64_t(d.instr.ub_row) * R;
    const std::string who =
        std::string(name()) + ": instruction " + std::to_string(d.index) + " (" + disassemble(d.instr) + ")";
    buffer_.resize(bytes);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    // Rows packed on the PCIe side move to and from whole UB rows through rows_, a chunk of
    // kChunkRows rows at a time (one UB transaction each), not through a copy of the whole
    // transfer: ResNet-50's input image is 50,176 rows of 3 bytes, 12 MiB as whole rows. Zeroed
    // once: a read from the host fills only each row's first row_bytes bytes.
    const bool packed = row_bytes != R;
    const uint64_t chunk_rows = std::min<uint64_t>(rows, kChunkRows);
    if (packed) rows_.assign(chunk_rows * R, 0);
    if (!d.host.unpacked(R)) {  // lane groups: P pixels a UB row
      move_lane_groups(d, row_bytes, delay, who);
    } else if (d.instr.op == Opcode::ReadHostMemory) {
      transport(pcie_socket, tlm::TLM_READ_COMMAND, d.instr.host_addr, buffer_.data(), bytes, delay, who);
      sc_core::wait(to_device_.transfer(sc_core::sc_time_stamp(), bytes) - sc_core::sc_time_stamp());
      if (!packed) {
        transport(ub_socket, tlm::TLM_WRITE_COMMAND, ub_addr, buffer_.data(), bytes, delay, who);
      } else {
        for (uint64_t r0 = 0; r0 < rows; r0 += chunk_rows) {  // unpack, zero filled
          const uint64_t n = std::min(chunk_rows, rows - r0);
          for (uint64_t r = 0; r < n; ++r) std::memcpy(&rows_[r * R], &buffer_[(r0 + r) * row_bytes], row_bytes);
          transport(ub_socket, tlm::TLM_WRITE_COMMAND, ub_addr + r0 * R, rows_.data(), n * R, delay, who);
        }
      }
      dma_bytes_to_device_ += bytes;
    } else {
      if (!packed) {
        transport(ub_socket, tlm::TLM_READ_COMMAND, ub_addr, buffer_.data(), bytes, delay, who);
      } else {
        for (uint64_t r0 = 0; r0 < rows; r0 += chunk_rows) {
          const uint64_t n = std::min(chunk_rows, rows - r0);
          transport(ub_socket, tlm::TLM_READ_COMMAND, ub_addr + r0 * R, rows_.data(), n * R, delay, who);
          for (uint64_t r = 0; r < n; ++r) std::memcpy(&buffer_[(r0 + r) * row_bytes], &rows_[r * R], row_bytes);
        }
      }
      sc_core::wait(to_host_.transfer(sc_core::sc_time_stamp(), bytes) - sc_core::sc_time_stamp());
      transport(pcie_socket, tlm::TLM_WRITE_COMMAND, d.instr.host_addr, buffer_.data(), bytes, delay, who);
      dma_bytes_to_host_ += bytes;
    }
    busy_by_tag_[d.tag] += to_cycles(sc_core::sc_time_stamp() - busy_from, period_);
    finish();
  }
}

void HostInterface::move_lane_groups(const Dispatch& d, uint64_t row_bytes, sc_core::sc_time& delay,
                                     const std::string& who) {
  const uint64_t R = cfg_.mxu.rows, pixels = d.instr.rows, bytes = pixels * row_bytes;
  const uint64_t ub_addr = uint64_t(d.instr.ub_row) * R, ub_bytes = d.host.rows(pixels, R) * R;
  rows_.assign(ub_bytes, 0);  // whole rows: a packed tensor owns its rows, the unused groups are zero
  if (d.instr.op == Opcode::ReadHostMemory) {
    transport(pcie_socket, tlm::TLM_READ_COMMAND, d.instr.host_addr, buffer_.data(), bytes, delay, who);
    sc_core::wait(to_device_.transfer(sc_core::sc_time_stamp(), bytes) - sc_core::sc_time_stamp());
    for (uint64_t k = 0; k < pixels; ++k)
      std::memcpy(&rows_[d.host.row(k, R) * R + d.host.byte(k, R)], &buffer_[k * row_bytes], row_bytes);
    transport(ub_socket, tlm::TLM_WRITE_COMMAND, ub_addr, rows_.data(), ub_bytes, delay, who);
    dma_bytes_to_device_ += bytes;
    return;
  }
  transport(ub_socket, tlm::TLM_READ_COMMAND, ub_addr, rows_.data(), ub_bytes, delay, who);
  for (uint64_t k = 0; k < pixels; ++k)
    std::memcpy(&buffer_[k * row_bytes], &rows_[d.host.row(k, R) * R + d.host.byte(k, R)], row_bytes);
  sc_core::wait(to_host_.transfer(sc_core::sc_time_stamp(), bytes) - sc_core::sc_time_stamp());
  transport(pcie_socket, tlm::TLM_WRITE_COMMAND, d.instr.host_addr, buffer_.data(), bytes, delay, who);
  dma_bytes_to_host_ += bytes;
}

nlohmann::json HostInterface::report() const {
  nlohmann::json j = FunctionalUnit::report();
  j["dma_bytes_to_device"] = dma_bytes_to_device_;
  j["dma_bytes_to_host"] = dma_bytes_to_host_;
  j["pcie_to_device"] = to_device_.counter().to_json();
  j["pcie_to_host"] = to_host_.counter().to_json();
  return j;
}

}  // namespace tpu
