// Host interface: the PCIe link, the host's view of the chip, and the host DMA unit.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "sequencer/functional_unit.h"

namespace tpu {

/// The chip's address map as the host sees it through PCIe (byte addresses):
///   [0, dram.capacity_bytes)             weight memory (the host loads weights here)
///   [kControlBase, kControlBase + 2^32)  sequencer registers and instruction buffer (see
///                                        Sequencer), forwarded with the offset from kControlBase
constexpr uint64_t kControlBase = uint64_t(1) << 48;

/// One direction of a PCIe link: transfers queue in order; a transfer of n bytes occupies the
/// link for n / bandwidth and completes latency_ns after its last byte (PCIe Gen3 x16 in
/// configs/tpu_v1.yaml).
class PcieDirection {
 public:
  PcieDirection(std::string name, const PcieConfig& cfg, sc_core::sc_time window);
  /// Schedules a transfer of `bytes` issued at `issue`; returns its completion time.
  sc_core::sc_time transfer(const sc_core::sc_time& issue, uint64_t bytes);
  const BandwidthCounter& counter() const { return counter_; }
  /// Charges the bytes of later transfers to `meter` (MeteredAction::kPcie, over each transfer's
  /// time on the link); nullptr: none.
  void set_meter(EnergyMeter* meter) { meter_ = meter; }

 private:
  PcieConfig cfg_;
  sc_core::sc_time free_;
  BandwidthCounter counter_;
  EnergyMeter* meter_ = nullptr;
};

/// Executes Read_Host_Memory (host -> UB: `rows` UB rows from host_addr) and Write_Host_Memory
/// (UB -> host) over `pcie_socket`, timed by the link. Each UB row moves host_row_bytes bytes (the
/// register at dispatch; 0 = all mxu.rows bytes), packed back to back on the host side; a row
/// read from the host is zero filled past them; the data lands in the
/// UB (or host memory) when the transfer completes. Also forwards the host's own accesses
/// (`host_socket`) to the weight memory or the sequencer, adding the link's time to the
/// annotated delay (b_transport) or no time (transport_dbg). Host addresses outside the map
/// get TLM_ADDRESS_ERROR_RESPONSE.
/// Packed layouts (register host_group_bytes = G < mxu.rows; LaneGroups in dispatch.h): `rows`
/// counts pixels of host_row_bytes (0: G) bytes each; pixel k goes to (comes from) lane group k % P
/// of UB row ub_row + k / P, P = mxu.rows / G. A read writes the whole rows it touches, zero
/// filled outside the pixels (a packed tensor owns its rows). Same link time: the PCIe bytes.
class HostInterface : public FunctionalUnit {
 public:
  tlm_utils::simple_target_socket<HostInterface> host_socket;        ///< from the host CPU
  tlm_utils::simple_initiator_socket<HostInterface> dram_socket;     ///< host writes to weight memory
  tlm_utils::simple_initiator_socket<HostInterface> control_socket;  ///< to the sequencer
  tlm_utils::simple_initiator_socket<HostInterface> pcie_socket;     ///< DMA into host memory
  tlm_utils::simple_initiator_socket<HostInterface> ub_socket;       ///< DMA into the UB

  /// `window`: bandwidth-counter window.
  HostInterface(sc_core::sc_module_name name, const ArchConfig& cfg, sc_core::sc_time window);
  /// Also meters both PCIe directions.
  void set_meter(EnergyMeter* meter) override;

  /// Host -> device and device -> host directions.
  const PcieDirection& to_device() const { return to_device_; }
  const PcieDirection& to_host() const { return to_host_; }
  /// Adds dma bytes each way and the link counters.
  nlohmann::json report() const override;
  /// Busy cycles (dispatch to completion of Read/Write_Host_Memory) per tag (Set_Config tag):
  /// the host DMA time of each layer.
  const std::map<uint32_t, uint64_t>& busy_cycles_by_tag() const { return busy_by_tag_; }

 private:
  void run();
  void host_b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int host_transport_dbg(tlm::tlm_generic_payload& trans);
  /// The initiator socket serving host address `addr`, with the address rewritten; nullptr if
  /// the address is unmapped.
  tlm_utils::simple_initiator_socket<HostInterface>* route(tlm::tlm_generic_payload& trans);

  PcieDirection to_device_, to_host_;
  /// UB rows moved per transaction when host_row_bytes packs them (64 KiB on a 256-wide MXU).
  static constexpr uint64_t kChunkRows = 256;
  /// Read/Write_Host_Memory of a packed layout (d.host): PCIe bytes to or from the pixels' lane groups.
  void move_lane_groups(const Dispatch& d, uint64_t row_bytes, sc_core::sc_time& delay, const std::string& who);
  std::vector<uint8_t> buffer_, rows_;  // PCIe bytes; a chunk of whole UB rows when host_row_bytes packs them
  uint64_t dma_bytes_to_device_ = 0, dma_bytes_to_host_ = 0;
  std::map<uint32_t, uint64_t> busy_by_tag_;
};

}  // namespace tpu
