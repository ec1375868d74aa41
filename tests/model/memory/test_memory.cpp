// Memory-side blocks: Unified Buffer / accumulator bounds, the first-fidelity DRAM's timing and
// storage, the PCIe link's timing, and the bandwidth windows.
#include <gtest/gtest.h>

#include <cstring>

#include <tlm_utils/simple_initiator_socket.h>

#include "common/test_util.h"
#include "dram/dram.h"
#include "host_interface/host_interface.h"
#include "memory/memory_target.h"
#include "trace/stats.h"

namespace tpu {
namespace {

// An initiator that issues one transaction at a time from a test.
struct Initiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Initiator> socket;
  explicit Initiator(sc_core::sc_module_name n) : sc_module(n), socket("socket") {}
  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, unsigned len,
                                  sc_core::sc_time* delay = nullptr) {
    tlm::tlm_generic_payload t;
    t.set_command(cmd);
    t.set_address(addr);
    t.set_data_ptr(data);
    t.set_data_length(len);
    t.set_streaming_width(len);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    socket->b_transport(t, d);
    if (delay) *delay = d;
    return t.get_response_status();
  }
};

TEST(UnifiedBuffer, AccessesBeyondTheLastRowAreAddressErrors) {
  init_time_resolution();
  MemoryTarget ub("ub", 8, 16);  // 8 rows of 16 bytes
  Initiator ini("ini");
  ini.socket.bind(ub.socket);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  std::vector<uint8_t> buf(32, 7);
  EXPECT_EQ(ini.access(tlm::TLM_WRITE_COMMAND, 6 * 16, buf.data(), 32), tlm::TLM_OK_RESPONSE);  // rows 6, 7
  EXPECT_EQ(ub.data()[7 * 16 + 15], 7);
  EXPECT_EQ(ini.access(tlm::TLM_WRITE_COMMAND, 7 * 16, buf.data(), 32), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(ini.access(tlm::TLM_READ_COMMAND, 8 * 16, buf.data(), 1), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(ub.bytes_written(), 32u);
  // check_response turns the error into a report naming who, what and where.
  tlm::tlm_generic_payload t;
  t.set_command(tlm::TLM_READ_COMMAND);
  t.set_address(0x80);
  t.set_data_length(4);
  t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
  const std::string m = test::ErrorOf("tpu/tlm", [&] { check_response(t, "mxu: instruction 3"); });
  EXPECT_TRUE(test::Contains(m, "mxu: instruction 3"));
  EXPECT_TRUE(test::Contains(m, "0x80"));
  EXPECT_TRUE(test::Contains(m, "ADDRESS_ERROR"));
}

// One channel of 8 bytes x 1000 MT/s = 8 GB/s and 40 ns latency: n bytes take n / 8 ns on the
// bus, then 40 ns. Requests queue on the bus in order; with two channels and 64-byte
// interleaving, 128 bytes split into 64 per channel and move in parallel.
TEST(BandwidthLatencyDram, ChannelTimingFollowsBandwidthLatencyAndQueueing) {
  init_time_resolution();
  DramConfig cfg;
  cfg.channels = 2;
  cfg.data_rate_mts = 1000;
  cfg.bus_width_bits = 64;
  cfg.latency_ns = 40;
  cfg.interleave_bytes = 64;
  cfg.capacity_bytes = 1 << 20;
  BandwidthLatencyDram dram("dram", cfg, sc_core::sc_time(1, sc_core::SC_US));
  Initiator ini("ini");
  ini.socket.bind(dram.socket);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  std::vector<uint8_t> buf(1024);
  sc_core::sc_time d;
  ASSERT_EQ(ini.access(tlm::TLM_READ_COMMAND, 0, buf.data(), 128, &d), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(d, sc_core::sc_time(8 + 40, sc_core::SC_NS));  // 64 B per channel = 8 ns, in parallel
  ASSERT_EQ(ini.access(tlm::TLM_READ_COMMAND, 0, buf.data(), 64, &d), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(d, sc_core::sc_time(16 + 40, sc_core::SC_NS));  // channel 0 busy until 8 ns
  ASSERT_EQ(ini.access(tlm::TLM_READ_COMMAND, 64, buf.data(), 1024, &d), tlm::TLM_OK_RESPONSE);
  // 1024 bytes from 64: 512 per channel; channel 1 free at 8 ns, channel 0 at 16 ns.
  EXPECT_EQ(d, sc_core::sc_time(16 + 64 + 40, sc_core::SC_NS));
  EXPECT_EQ(dram.channel_counters()[0].total_bytes(), 64u + 64 + 512);
  EXPECT_EQ(dram.channel_counters()[1].total_bytes(), 64u + 512);
  EXPECT_EQ(dram.bytes_read(), 128u + 64 + 1024);
}

TEST(BandwidthLatencyDram, StoresSparselyAndChecksCapacity) {
  init_time_resolution();
  DramConfig cfg;
  cfg.capacity_bytes = uint64_t(1) << 33;  // 8 GiB, never allocated whole
  BandwidthLatencyDram dram("dram", cfg, sc_core::sc_time(1, sc_core::SC_US));
  Initiator ini("ini");
  ini.socket.bind(dram.socket);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  std::vector<uint8_t> w(100000), r(100000, 0xee);
  for (size_t i = 0; i < w.size(); ++i) w[i] = uint8_t(i * 7 + 3);
  const uint64_t addr = (uint64_t(1) << 32) + (uint64_t(2) << 20) - 10;  // crosses a 2 MiB storage page boundary
  ASSERT_EQ(ini.access(tlm::TLM_WRITE_COMMAND, addr, w.data(), unsigned(w.size())), tlm::TLM_OK_RESPONSE);
  ASSERT_EQ(ini.access(tlm::TLM_READ_COMMAND, addr, r.data(), unsigned(r.size())), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(r, w);
  std::vector<uint8_t> z(300, 0xee);
  ASSERT_EQ(ini.access(tlm::TLM_READ_COMMAND, 12345, z.data(), 300), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(z, std::vector<uint8_t>(300, 0));  // never written
  EXPECT_EQ(ini.access(tlm::TLM_READ_COMMAND, cfg.capacity_bytes - 4, z.data(), 8), tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

// Zeroed arrays: small ones from calloc, from 2 MiB mapped at a 2 MiB boundary; zero everywhere,
// writable to the last byte.
TEST(ZeroedBytes, ZeroAndWritableWholeAtEverySize) {
  for (const uint64_t n :
       {uint64_t(1), uint64_t(100), (uint64_t(2) << 20) - 1, uint64_t(2) << 20, (uint64_t(5) << 20) + 3}) {
    ZeroedBytes z(n);
    ASSERT_NE(z.get(), nullptr);
    if (n >= (uint64_t(2) << 20)) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(z.get()) % (uint64_t(2) << 20), 0u) << n;
    }
    EXPECT_EQ(z.get()[0], 0) << n;
    EXPECT_EQ(z.get()[n / 2], 0) << n;
    EXPECT_EQ(z.get()[n - 1], 0) << n;
    std::memset(z.get(), 0x5a, n);
    EXPECT_EQ(z.get()[n - 1], 0x5a) << n;
    ZeroedBytes moved(std::move(z));
    EXPECT_EQ(z.get(), nullptr);
    EXPECT_EQ(moved.get()[0], 0x5a) << n;
  }
}

// A direction of the link: n bytes occupy it n / bandwidth, complete latency later, in order.
TEST(Pcie, TransfersQueueAndPayLatency) {
  init_time_resolution();
  PcieConfig cfg;
  cfg.bandwidth_bytes_per_s = 1e9;  // 1 byte per ns
  cfg.latency_ns = 500;
  PcieDirection link("down", cfg, sc_core::sc_time(1, sc_core::SC_US));
  const sc_core::sc_time ns(1, sc_core::SC_NS);
  EXPECT_EQ(link.transfer(ns * 100, 1000), ns * (100 + 1000 + 500));
  EXPECT_EQ(link.transfer(ns * 200, 10), ns * (1100 + 10 + 500));   // waits for the first
  EXPECT_EQ(link.transfer(ns * 5000, 10), ns * (5000 + 10 + 500));  // idle link
  EXPECT_EQ(link.counter().total_bytes(), 1020u);
}

// Bytes spread over the windows a transfer overlaps, in proportion.
TEST(BandwidthCounter, SpreadsTransfersOverWindows) {
  init_time_resolution();
  const sc_core::sc_time us(1, sc_core::SC_US);
  BandwidthCounter c("x", us);
  c.record(us * 0.5, us * 2.5, 2000);  // 500 | 1000 | 500
  c.record(us * 5.25, us * 5.75, 10);
  EXPECT_DOUBLE_EQ(c.window_bytes(0), 500);
  EXPECT_DOUBLE_EQ(c.window_bytes(1), 1000);
  EXPECT_DOUBLE_EQ(c.window_bytes(2), 500);
  EXPECT_DOUBLE_EQ(c.window_bytes(3), 0);
  EXPECT_DOUBLE_EQ(c.window_bytes(5), 10);
  EXPECT_DOUBLE_EQ(c.window_bytes(-1), 0);
  EXPECT_EQ(c.last_window(), 5);
  EXPECT_EQ(c.total_bytes(), 2010u);
  EXPECT_EQ(c.to_json()["bytes_per_window"].size(), 6u);
}

// Transfers inside one window (summed apart from the histogram until another window is hit),
// out of time order, ending on a window edge, of zero length, and mixed with a spread transfer.
TEST(BandwidthCounter, SumsOneWindowTransfersInAnyOrder) {
  init_time_resolution();
  const sc_core::sc_time us(1, sc_core::SC_US);
  BandwidthCounter c("x", us);
  c.record(us * 3.1, us * 3.2, 64);
  c.record(us * 2.1, us * 2.2, 64);  // an earlier window after a later one
  c.record(us * 3.5, us * 3.6, 64);
  c.record(us * 0, us * 1, 64);       // [0, 1 us): ends on the edge, window 0 only
  c.record(us * 1, us * 1, 8);        // zero length at 1 us: window 1
  c.record(us * 2.5, us * 3.5, 100);  // spread: 50 | 50
  c.record(us * 3.9, us * 4, 64);
  EXPECT_DOUBLE_EQ(c.window_bytes(0), 64);
  EXPECT_DOUBLE_EQ(c.window_bytes(1), 8);
  EXPECT_DOUBLE_EQ(c.window_bytes(2), 64 + 50);
  EXPECT_DOUBLE_EQ(c.window_bytes(3), 3 * 64 + 50);
  EXPECT_DOUBLE_EQ(c.window_bytes(4), 0);
  EXPECT_EQ(c.last_window(), 3);
  EXPECT_EQ(c.total_bytes(), 5u * 64 + 8 + 100);
  const nlohmann::json j = c.to_json();
  ASSERT_EQ(j["bytes_per_window"].size(), 4u);
  EXPECT_EQ(j["bytes_per_window"][3], 3 * 64 + 50);
  EXPECT_EQ(j["transfers"], 7);
}

}  // namespace
}  // namespace tpu
