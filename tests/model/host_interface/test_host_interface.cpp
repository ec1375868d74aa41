// HostInterface on its own (model/host_interface/host_interface.h): a test initiator plays the
// host CPU on host_socket, RecordingTargets stand for the weight memory (dram_socket) and the
// sequencer's control socket, MemoryTargets for host memory (pcie_socket) and the Unified Buffer
// (ub_socket), and a FakeSequencer dispatches Read/Write_Host_Memory. Expected bytes come from
// the test's own images, expected times from the PCIe formula derived below. One bench per test
// case (SystemC: one elaboration per process).
//
// The host's address map (host_interface.h) has two regions: the weight memory
// [0, dram.capacity_bytes) and the control region [kControlBase, kControlBase + 2^32), which
// holds the sequencer's registers and its instruction buffer (sequencer.h register map). The
// Unified Buffer is not in the host's map: the host reaches it only through the DMA instructions
// Read_Host_Memory / Write_Host_Memory, tested below.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>

#include "common/harness.h"
#include "common/test_util.h"
#include "common/unit_bench.h"
#include "host_interface/host_interface.h"
#include "memory/memory_target.h"
#include "sequencer/sequencer.h"

namespace tpu::test {
namespace {

// Timing used by every expectation below (host_interface.h, PcieDirection): each direction of the
// link queues transfers in order; a transfer of n bytes issued at time q occupies its direction
// during [start, start + n / bandwidth) with start = max(q, that direction's free time), and
// completes latency after its last byte:
//     done = max(q, free) + n / kBw + kLat,   free := max(q, free) + n / kBw.
// Host writes (host -> device) and Read_Host_Memory use the to-device direction; host reads and
// Write_Host_Memory the to-host direction. A host access through host_socket returns
// delay = done - now plus whatever the target adds; a DMA instruction starts on a clock edge after
// its dispatch (functional_unit.h) and completes at done, when its data lands.
// Here bandwidth = 2e9 bytes/s = kBw = 2 bytes/ns, latency kLat = 100 ns, clock 1 GHz.
constexpr uint64_t kR = 16;              // UB row bytes (16 x 16 MXU)
constexpr double kBw = 2.0;              // bytes per ns
constexpr double kLat = 100.0;           // ns
constexpr uint64_t kCapacity = 1 << 20;  // weight memory bytes
constexpr uint64_t kHostBytes = 4096;    // host memory bytes

ArchConfig host_config() {
  ArchConfig c = bench_config(kR);
  c.pcie.bandwidth_bytes_per_s = kBw * 1e9;
  c.pcie.latency_ns = kLat;
  c.dram.capacity_bytes = kCapacity;
  validate_config(c, "host_config");
  return c;
}

// A recognisable byte at every host address.
uint8_t host_byte(uint64_t a) { return uint8_t(a * 37 + 11); }

struct HostBench {
  explicit HostBench(const ArchConfig& c)
      : cfg(c), hi("host_interface", cfg, sc_core::sc_time(1, sc_core::SC_US)), dram("dram", kCapacity),
        control("control", uint64_t(1) << 32), host_memory("host_memory", 1, kHostBytes), ub("ub", cfg.ub_rows(), kR),
        seq("seq", hi), host("host") {
    host.socket.bind(hi.host_socket);
    hi.dram_socket.bind(dram.socket);
    hi.control_socket.bind(control.socket);
    hi.pcie_socket.bind(host_memory.socket);
    hi.ub_socket.bind(ub.socket);
    for (uint64_t a = 0; a < kHostBytes; ++a) host_memory.data()[a] = host_byte(a);
  }
  uint8_t ub_at(uint64_t row, uint64_t lane) const { return ub.data()[row * kR + lane]; }
  uint64_t report(const char* key) const { return hi.report()[key].get<uint64_t>(); }
  uint64_t to_device_bytes() const { return hi.to_device().counter().total_bytes(); }
  uint64_t to_host_bytes() const { return hi.to_host().counter().total_bytes(); }

  ArchConfig cfg;
  HostInterface hi;
  RecordingTarget dram, control;
  MemoryTarget host_memory, ub;
  FakeSequencer seq;
  ScriptInitiator host;
};

Dispatch packed(const std::string& text, uint64_t index, uint32_t host_row_bytes) {
  Dispatch d = make_dispatch(text, index);
  d.host_row_bytes = host_row_bytes;
  return d;
}

// The host's writes and reads reach the weight memory at the same address and the control region
// at the offset from kControlBase (START register, instruction buffer, RETIRED register), with
// their data; transport_dbg follows the same map. Addresses outside both regions get
// TLM_ADDRESS_ERROR_RESPONSE (b_transport) or 0 bytes (transport_dbg) and reach no target.
TEST(HostInterface, AddressMapRoutesHostAccesses) {
  HostBench b(host_config());
  const std::vector<uint8_t> retired = {1, 2, 3, 4, 5, 6, 7, 8};
  b.control.set(Sequencer::kRegRetired, retired);
  const std::vector<uint8_t> w8 = {0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87}, w4 = {9, 8, 7, 6},
                             start = {3, 0, 0, 0};
  std::vector<uint8_t> insn(12);
  for (size_t i = 0; i < insn.size(); ++i) insn[i] = uint8_t(0xC0 + i);
  std::vector<uint8_t> dram_back(8), retired_back(8), dbg_back(8), dbg_bad(8);
  std::vector<tlm::tlm_response_status> ok, bad;
  unsigned dbg_n = 99, dbg_bad_n = 99;
  const uint64_t unmapped[] = {kCapacity, kCapacity + 0x1000, kControlBase - 1, kControlBase + (uint64_t(1) << 32),
                               uint64_t(1) << 63};
  b.host.set_body([&](ScriptInitiator& s) {
    std::vector<uint8_t> w(w8), x(w4), st(start), in(insn);
    ok.push_back(s.access(tlm::TLM_WRITE_COMMAND, 0x40, w.data(), 8));
    ok.push_back(s.access(tlm::TLM_WRITE_COMMAND, kCapacity - 4, x.data(), 4));  // last bytes of the region
    ok.push_back(s.access(tlm::TLM_WRITE_COMMAND, kControlBase + Sequencer::kRegStart, st.data(), 4));
    ok.push_back(
        s.access(tlm::TLM_WRITE_COMMAND, kControlBase + Sequencer::kInstructionBufferOffset + 24, in.data(), 12));
    ok.push_back(s.access(tlm::TLM_READ_COMMAND, kControlBase + Sequencer::kRegRetired, retired_back.data(), 8));
    ok.push_back(s.access(tlm::TLM_READ_COMMAND, 0x40, dram_back.data(), 8));
    for (uint64_t a : unmapped) {
      std::vector<uint8_t> junk(4, 0xEE);
      bad.push_back(s.access(tlm::TLM_WRITE_COMMAND, a, junk.data(), 4));
      bad.push_back(s.access(tlm::TLM_READ_COMMAND, a, junk.data(), 4));
    }
    dbg_n = s.debug(tlm::TLM_READ_COMMAND, kControlBase + Sequencer::kRegRetired, dbg_back.data(), 8);
    dbg_bad_n = s.debug(tlm::TLM_READ_COMMAND, kCapacity, dbg_bad.data(), 8);
  });
  run_to_end();

  for (size_t i = 0; i < ok.size(); ++i) EXPECT_EQ(ok[i], tlm::TLM_OK_RESPONSE) << "access " << i;
  ASSERT_EQ(ok.size(), 6u);
  ASSERT_EQ(bad.size(), 2 * std::size(unmapped));
  for (size_t i = 0; i < bad.size(); ++i)
    EXPECT_EQ(bad[i], tlm::TLM_ADDRESS_ERROR_RESPONSE) << "address 0x" << std::hex << unmapped[i / 2];

  // Weight memory: two writes and a read, at the host's addresses.
  ASSERT_EQ(b.dram.log.size(), 3u);
  EXPECT_EQ(b.dram.log[0].cmd, tlm::TLM_WRITE_COMMAND);
  EXPECT_EQ(b.dram.log[0].addr, 0x40u);
  EXPECT_EQ(b.dram.log[0].len, 8u);
  EXPECT_EQ(b.dram.log[1].addr, kCapacity - 4);
  EXPECT_EQ(b.dram.log[2].cmd, tlm::TLM_READ_COMMAND);
  EXPECT_EQ(b.dram.log[2].addr, 0x40u);
  EXPECT_EQ(b.dram.bytes(0x40, 8), w8);
  EXPECT_EQ(b.dram.bytes(kCapacity - 4, 4), w4);
  EXPECT_EQ(dram_back, w8);

  // Control region: offsets from kControlBase.
  ASSERT_EQ(b.control.log.size(), 4u);
  EXPECT_EQ(b.control.log[0].cmd, tlm::TLM_WRITE_COMMAND);
  EXPECT_EQ(b.control.log[0].addr, Sequencer::kRegStart);
  EXPECT_EQ(b.control.log[1].addr, Sequencer::kInstructionBufferOffset + 24);
  EXPECT_EQ(b.control.log[1].len, 12u);
  EXPECT_EQ(b.control.log[2].cmd, tlm::TLM_READ_COMMAND);
  EXPECT_EQ(b.control.log[2].addr, Sequencer::kRegRetired);
  EXPECT_TRUE(b.control.log[3].debug);
  EXPECT_EQ(b.control.log[3].addr, Sequencer::kRegRetired);
  EXPECT_EQ(b.control.bytes(Sequencer::kRegStart, 4), start);
  EXPECT_EQ(b.control.bytes(Sequencer::kInstructionBufferOffset + 24, 12), insn);
  EXPECT_EQ(retired_back, retired);
  EXPECT_EQ(dbg_n, 8u);
  EXPECT_EQ(dbg_back, retired);
  EXPECT_EQ(dbg_bad_n, 0u);

  // Only the routed b_transport accesses crossed the link: 8 + 4 + 4 + 12 bytes to the device,
  // 8 + 8 to the host (debug accesses and rejected addresses move nothing).
  EXPECT_EQ(b.to_device_bytes(), 28u);
  EXPECT_EQ(b.to_host_bytes(), 16u);
  EXPECT_TRUE(b.seq.completions().empty());
}

// Host accesses through host_socket, timed by the formula in the file comment (the weight memory
// stand-in adds 5 ns of its own; the control stand-in none):
//   t = 0: write 64 B, delay 0:    to-device [0, 32),    done 132 -> delay 132 (+5 = 137)
//   t = 0: write 32 B, delay 0:    queued: [32, 48),     done 148 -> 148 (+5 = 153)
//   t = 0: write 16 B, delay 100:  issued at 100: [100, 108), done 208 -> 208 (+5 = 213)
//   t = 0: read 40 B of control:   to-host [0, 20),      done 120 -> 120 (the other direction)
//   t = 500: write 8 B:            to-device idle: [500, 504), done 604 -> 104 (+5 = 109)
//   t = 500: read 40 B:            to-host idle: [500, 520), done 620 -> 120 (+5 = 125)
// transport_dbg takes no time and no link bytes. Counters: 64+32+16+8 = 120 bytes to the device,
// 40+40 = 80 to the host.
TEST(HostInterface, HostAccessTimeIsLinkBandwidthPlusLatency) {
  HostBench b(host_config());
  b.dram.extra_delay = ns(5);
  std::vector<sc_core::sc_time> out;
  sc_core::sc_time dbg_time;
  b.host.set_body([&](ScriptInitiator& s) {
    std::vector<uint8_t> buf(100, 0x5A);
    auto go = [&](tlm::tlm_command cmd, uint64_t addr, unsigned len, sc_core::sc_time delay) {
      EXPECT_EQ(s.access(cmd, addr, buf.data(), len, delay), tlm::TLM_OK_RESPONSE);
      out.push_back(delay);
    };
    go(tlm::TLM_WRITE_COMMAND, 0x000, 64, sc_core::SC_ZERO_TIME);
    go(tlm::TLM_WRITE_COMMAND, 0x100, 32, sc_core::SC_ZERO_TIME);
    go(tlm::TLM_WRITE_COMMAND, 0x200, 16, ns(100));
    go(tlm::TLM_READ_COMMAND, kControlBase + 0x20, 40, sc_core::SC_ZERO_TIME);
    sc_core::wait(ns(500));
    go(tlm::TLM_WRITE_COMMAND, 0x300, 8, sc_core::SC_ZERO_TIME);
    go(tlm::TLM_READ_COMMAND, 0x300, 40, sc_core::SC_ZERO_TIME);
    EXPECT_EQ(s.debug(tlm::TLM_WRITE_COMMAND, 0x400, buf.data(), 100), 100u);
    dbg_time = sc_core::sc_time_stamp();
  });
  run_to_end();
  const double want[] = {137, 153, 213, 120, 109, 125};
  ASSERT_EQ(out.size(), 6u);
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i], ns(want[i])) << "access " << i;
  // The link's part reaches the target as its incoming annotated delay.
  ASSERT_EQ(b.dram.log.size(), 6u);  // 5 b_transport + 1 debug
  EXPECT_EQ(b.dram.log[0].delay_in, ns(132));
  EXPECT_EQ(b.dram.log[1].delay_in, ns(148));
  EXPECT_EQ(b.dram.log[2].delay_in, ns(208));
  EXPECT_EQ(b.dram.log[3].delay_in, ns(104));
  EXPECT_EQ(b.dram.log[4].delay_in, ns(120));
  EXPECT_EQ(dbg_time, ns(500));
  EXPECT_EQ(b.to_device_bytes(), 120u);
  EXPECT_EQ(b.to_host_bytes(), 80u);
  EXPECT_EQ(b.report("dma_bytes_to_device"), 0u);
  EXPECT_EQ(b.report("dma_bytes_to_host"), 0u);
}

// Read_Host_Memory ub=5 host=0x30 rows=4 (64 bytes), then Write_Host_Memory ub=20 host=0x200
// rows=3 (48 bytes), both dispatched at 0:
//   read:  to-device [0, 32), completes at 0 + 64/2 + 100 = 132; UB rows 5..8 = host [0x30, 0x70)
//   write: starts at 132 (the unit is in order), to-host [132, 156), completes 132 + 24 + 100 = 256;
//          host [0x200, 0x230) = UB rows 20..22.
// The data lands when the transfer completes: unchanged 1 ns before, changed 1 ns after.
TEST(HostInterface, DmaMovesBytesWhenTheTransferCompletes) {
  HostBench b(host_config());
  for (uint64_t r = 4; r <= 9; ++r)
    for (uint64_t l = 0; l < kR; ++l) b.ub.data()[r * kR + l] = 0xA5;
  std::vector<uint8_t> out(3 * kR);
  for (size_t i = 0; i < out.size(); ++i) out[i] = uint8_t(200 - i);
  std::memcpy(b.ub.data() + 20 * kR, out.data(), out.size());
  b.seq.dispatch_at(0, make_dispatch("read_host_memory ub=5 host=0x30 rows=4", 0));
  b.seq.dispatch_at(0, make_dispatch("write_host_memory ub=20 host=0x200 rows=3", 1));
  uint8_t ub_131 = 0, ub_133 = 0, host_255 = 0, host_257 = 0;
  Script probe("probe", [&] {
    sc_core::wait(ns(131));
    ub_131 = b.ub_at(5, 0);
    sc_core::wait(ns(2));
    ub_133 = b.ub_at(5, 0);
    sc_core::wait(ns(122));
    host_255 = b.host_memory.data()[0x200];
    sc_core::wait(ns(2));
    host_257 = b.host_memory.data()[0x200];
  });
  run_to_end();
  EXPECT_EQ(ub_131, 0xA5);
  EXPECT_EQ(ub_133, host_byte(0x30));
  EXPECT_EQ(host_255, host_byte(0x200));
  EXPECT_EQ(host_257, out[0]);
  for (uint64_t r = 0; r < 4; ++r)
    for (uint64_t l = 0; l < kR; ++l)
      EXPECT_EQ(b.ub_at(5 + r, l), host_byte(0x30 + r * kR + l)) << "UB row " << 5 + r << " byte " << l;
  for (uint64_t l = 0; l < kR; ++l) {
    EXPECT_EQ(b.ub_at(4, l), 0xA5);
    EXPECT_EQ(b.ub_at(9, l), 0xA5);
  }
  for (uint64_t i = 0; i < out.size(); ++i) EXPECT_EQ(b.host_memory.data()[0x200 + i], out[i]) << "host byte " << i;
  EXPECT_EQ(b.host_memory.data()[0x1ff], host_byte(0x1ff));
  EXPECT_EQ(b.host_memory.data()[0x230], host_byte(0x230));

  ASSERT_EQ(b.seq.completions().size(), 2u);
  EXPECT_EQ(b.seq.completions()[0], ns(132));
  EXPECT_EQ(b.seq.completions()[1], ns(256));
  EXPECT_EQ(b.seq.completed_units(), (std::vector<Unit>{Unit::Host, Unit::Host}));
  EXPECT_EQ(b.report("instructions"), 2u);
  EXPECT_EQ(b.hi.report()["cycles"]["busy"].get<uint64_t>(), 256u);
  EXPECT_EQ(b.report("dma_bytes_to_device"), 64u);
  EXPECT_EQ(b.report("dma_bytes_to_host"), 48u);
  EXPECT_EQ(b.to_device_bytes(), 64u);
  EXPECT_EQ(b.to_host_bytes(), 48u);
}

// DMA and host accesses share each direction of the link, and the directions are independent:
//   t = 0:  host writes 200 B to the weight memory: to-device [0, 100)
//   t = 0:  host reads 40 B: to-host [0, 20)
//   t = 10: Read_Host_Memory rows=2 (32 B) dispatched: to-device [max(10, 100), 116),
//           completes 216 (queued behind the host's write)
//   t = 10: host reads 40 B: to-host [max(10, 20), 40), done 140 -> delay 130 (not behind the DMA)
//   Write_Host_Memory rows=1 (16 B) starts when the read completes, 216: to-host [216, 224),
//           completes 324.
// Counters: to the device 200 + 32, to the host 40 + 40 + 16; DMA 32 and 16.
TEST(HostInterface, DmaSharesEachLinkDirectionWithHostAccesses) {
  HostBench b(host_config());
  b.seq.dispatch_at(10, make_dispatch("read_host_memory ub=0 host=0 rows=2", 0));
  b.seq.dispatch_at(10, make_dispatch("write_host_memory ub=0 host=0x100 rows=1", 1));
  sc_core::sc_time read_delay;
  b.host.set_body([&](ScriptInitiator& s) {
    std::vector<uint8_t> buf(200, 1);
    EXPECT_EQ(s.access(tlm::TLM_WRITE_COMMAND, 0, buf.data(), 200), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(s.access(tlm::TLM_READ_COMMAND, 0, buf.data(), 40), tlm::TLM_OK_RESPONSE);
    sc_core::wait(ns(10));
    read_delay = sc_core::SC_ZERO_TIME;
    EXPECT_EQ(s.access(tlm::TLM_READ_COMMAND, 0, buf.data(), 40, read_delay), tlm::TLM_OK_RESPONSE);
  });
  run_to_end();
  ASSERT_EQ(b.seq.completions().size(), 2u);
  EXPECT_EQ(b.seq.completions()[0], ns(216));
  EXPECT_EQ(b.seq.completions()[1], ns(324));
  EXPECT_EQ(read_delay, ns(130));
  EXPECT_EQ(b.to_device_bytes(), 232u);
  EXPECT_EQ(b.to_host_bytes(), 96u);
  EXPECT_EQ(b.report("dma_bytes_to_device"), 32u);
  EXPECT_EQ(b.report("dma_bytes_to_host"), 16u);
  // The DMA'd bytes: UB rows 0..1 from host [0, 32); host [0x100, 0x110) from UB row 0.
  for (uint64_t i = 0; i < 2 * kR; ++i) EXPECT_EQ(b.ub.data()[i], host_byte(i)) << "UB byte " << i;
  for (uint64_t i = 0; i < kR; ++i) EXPECT_EQ(b.host_memory.data()[0x100 + i], host_byte(i)) << "host byte " << i;
}

// With host_row_bytes = 5 each UB row moves 5 bytes, packed on the host side, and the link carries
// only those: Read_Host_Memory rows=4 moves 20 B: 0 + 10 + 100 = 110; Write_Host_Memory rows=2
// moves 10 B from 110: 110 + 5 + 100 = 215. Rows read from the host are zero past 5 bytes.
TEST(HostInterface, PackedRowsMoveOnlyHostRowBytes) {
  HostBench b(host_config());
  for (uint64_t i = 0; i < 8 * kR; ++i) b.ub.data()[2 * kR + i] = 0xA5;  // rows 2..9
  std::vector<uint8_t> out(2 * kR);
  for (size_t i = 0; i < out.size(); ++i) out[i] = uint8_t(0x80 + i);
  std::memcpy(b.ub.data() + 30 * kR, out.data(), out.size());
  b.seq.dispatch_at(0, packed("read_host_memory ub=2 host=0x10 rows=4", 0, 5));
  b.seq.dispatch_at(0, packed("write_host_memory ub=30 host=0x300 rows=2", 1, 5));
  run_to_end();
  for (uint64_t r = 0; r < 4; ++r)
    for (uint64_t l = 0; l < kR; ++l)
      EXPECT_EQ(b.ub_at(2 + r, l), l < 5 ? host_byte(0x10 + r * 5 + l) : 0) << "UB row " << 2 + r << " byte " << l;
  EXPECT_EQ(b.ub_at(6, 0), 0xA5);
  for (uint64_t r = 0; r < 2; ++r)
    for (uint64_t l = 0; l < 5; ++l)
      EXPECT_EQ(b.host_memory.data()[0x300 + r * 5 + l], out[r * kR + l]) << "row " << r << " byte " << l;
  EXPECT_EQ(b.host_memory.data()[0x30a], host_byte(0x30a));
  ASSERT_EQ(b.seq.completions().size(), 2u);
  EXPECT_EQ(b.seq.completions()[0], ns(110));
  EXPECT_EQ(b.seq.completions()[1], ns(215));
  EXPECT_EQ(b.report("dma_bytes_to_device"), 20u);
  EXPECT_EQ(b.report("dma_bytes_to_host"), 10u);
  EXPECT_EQ(b.to_device_bytes(), 20u);
  EXPECT_EQ(b.to_host_bytes(), 10u);
}

// A DMA into UB rows past the end of the UB (4096 rows of 16 B): the UB answers
// TLM_ADDRESS_ERROR_RESPONSE and the unit raises SC_REPORT_ERROR("tpu/tlm") naming itself, the
// instruction, the access and the response.
TEST(HostInterface, DmaBeyondUnifiedBufferIsAnError) {
  HostBench b(host_config());
  ASSERT_EQ(b.cfg.ub_rows(), 4096u);
  b.seq.dispatch_at(0, make_dispatch("read_host_memory ub=4094 host=0 rows=4", 3));
  const std::string msg = ErrorOf("tpu/tlm", [] { run_to_end(); });
  EXPECT_TRUE(ContainsAll(msg, {"host_interface: instruction 3 (read_host_memory ub=0xffe host=0x0 rows=4)",
                                "write of 64 bytes at address 0xffe0", "TLM_ADDRESS_ERROR_RESPONSE"}))
      << msg;
}

// A DMA past the end of host memory (4096 B): Write_Host_Memory of 16 B at 0xff8.
TEST(HostInterface, DmaBeyondHostMemoryIsAnError) {
  HostBench b(host_config());
  b.seq.dispatch_at(0, make_dispatch("write_host_memory ub=0 host=0xff8 rows=1", 5));
  const std::string msg = ErrorOf("tpu/tlm", [] { run_to_end(); });
  EXPECT_TRUE(ContainsAll(msg, {"host_interface: instruction 5 (write_host_memory ub=0x0 host=0xff8 rows=1)",
                                "write of 16 bytes at address 0xff8", "TLM_ADDRESS_ERROR_RESPONSE"}))
      << msg;
}

}  // namespace
}  // namespace tpu::test
