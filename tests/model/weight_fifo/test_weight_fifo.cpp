// WeightFifo on its own (model/weight_fifo/weight_fifo.h): a FakeSequencer dispatches
// Read_Weights, a BandwidthLatencyDram (model/dram/dram.h) is the weight memory, and a test
// initiator stands in for the MXU, popping tiles through mxu_socket. Expected bytes come from the
// test's own memory image, expected times from the formulas derived below. One bench per test
// case (SystemC: one elaboration per process).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "common/harness.h"
#include "common/test_util.h"
#include "common/unit_bench.h"
#include "dram/dram.h"
#include "weight_fifo/weight_fifo.h"

namespace tpu::test {
namespace {

// Timing used by every expectation below.
//  - Clock 1 GHz (bench_config): 1 ns cycles.
//  - Tile: mxu.rows x mxu.cols = 16 x 16 int8 = kTile = 256 bytes (weight_fifo.h).
//  - Weight memory: BandwidthLatencyDram with one channel of data_rate 1000 MT/s x 32 bits
//    = 4 bytes/ns, latency 30 ns (dram.h: "A request's bytes on channel c occupy that channel's
//    data bus for bytes / (data_rate * bus_width / 8) seconds, starting when the channel is free
//    (requests queue in arrival order); the request completes latency_ns after its last byte").
//    So a tile requested at time q arrives at
//        arrival = max(q, channel_free) + kXfer + kLat,  kXfer = 256 / 4 = 64 ns, kLat = 30 ns,
//    and channel_free becomes max(q, channel_free) + kXfer.
//  - WeightFifo (weight_fifo.h): Read_Weights starts on a clock edge after it is dispatched
//    (functional_unit.h: next() returns "on a clock edge"); tile i is requested as soon as a slot
//    is free (the slot is taken from the request on), is popped no earlier than its arrival, and
//    the instruction completes once the last request is sent.
constexpr uint64_t kR = 16;
constexpr uint64_t kTile = kR * kR;
constexpr double kXfer = 64.0;  // ns
constexpr double kLat = 30.0;   // ns
constexpr uint64_t kCapacity = 64 * 1024;

ArchConfig fifo_config(uint32_t depth_tiles = 4) {
  ArchConfig c = bench_config(kR);
  c.dram.model = DramModel::BandwidthLatency;
  c.dram.channels = 1;
  c.dram.data_rate_mts = 1000.0;
  c.dram.bus_width_bits = 32;
  c.dram.latency_ns = kLat;
  c.dram.capacity_bytes = kCapacity;
  c.weight_fifo.depth_tiles = depth_tiles;
  validate_config(c, "fifo_config");
  return c;
}

// The WeightFifo with its weight memory (preloaded with a random image at time 0, untimed),
// a FakeSequencer and a stand-in MXU (`mxu`) whose body the test sets.
struct FifoBench {
  explicit FifoBench(const ArchConfig& c)
      : cfg(c), dram("dram", cfg.dram, sc_core::sc_time(1, sc_core::SC_US)), fifo("weight_fifo", cfg), seq("seq", fifo),
        loader("loader"), mxu("mxu"), image(kCapacity) {
    fifo.dram_socket.bind(dram.socket);
    loader.socket.bind(dram.socket);
    mxu.socket.bind(fifo.mxu_socket);
    std::mt19937 rng(12345);
    for (auto& b : image) b = uint8_t(rng());
    // Runs in the initialisation phase, before the fifo can see its first instruction (a delta
    // cycle after the FakeSequencer writes it).
    loader.set_body([this](ScriptInitiator& s) {
      ASSERT_EQ(s.debug(tlm::TLM_WRITE_COMMAND, 0, image.data(), unsigned(image.size())), kCapacity);
    });
  }
  // Pops one tile through mxu_socket: the tile and the time the pop returned.
  struct Popped {
    std::vector<uint8_t> data;
    sc_core::sc_time at;
  };
  Popped pop(ScriptInitiator& s) {
    Popped p{std::vector<uint8_t>(kTile), {}};
    EXPECT_EQ(s.access(tlm::TLM_READ_COMMAND, 0, p.data.data(), unsigned(kTile)), tlm::TLM_OK_RESPONSE);
    p.at = sc_core::sc_time_stamp();
    return p;
  }
  std::vector<uint8_t> expected_tile(uint64_t addr) const {
    return std::vector<uint8_t>(image.begin() + long(addr), image.begin() + long(addr + kTile));
  }
  uint64_t report(const char* key) const { return fifo.report()[key].get<uint64_t>(); }
  uint64_t cycles(const char* state) const { return fifo.report()["cycles"][state].get<uint64_t>(); }

  ArchConfig cfg;
  BandwidthLatencyDram dram;
  WeightFifo fifo;
  FakeSequencer seq;
  ScriptInitiator loader, mxu;
  std::vector<uint8_t> image;
};

// Two Read_Weights (the first at an address that is not a multiple of the tile size): tile i of
// an instruction holds the tile_bytes at dram + i * tile_bytes, and the MXU pops the tiles in
// request order across instructions. Exactly the tile bytes are read from the weight memory.
TEST(WeightFifo, ReadWeightsDeliversTileBytesInFifoOrder) {
  FifoBench b(fifo_config());
  b.seq.dispatch_at(0, make_dispatch("read_weights dram=0x340 tiles=3", 0));
  b.seq.dispatch_at(0, make_dispatch("read_weights dram=0x2000 tiles=2", 1));
  std::vector<FifoBench::Popped> got;
  b.mxu.set_body([&](ScriptInitiator& s) {
    for (int i = 0; i < 5; ++i) got.push_back(b.pop(s));
  });
  run_to_end();
  const uint64_t addrs[] = {0x340, 0x340 + kTile, 0x340 + 2 * kTile, 0x2000, 0x2000 + kTile};
  ASSERT_EQ(got.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(got[size_t(i)].data, b.expected_tile(addrs[i])) << "tile " << i;
  EXPECT_EQ(b.fifo.occupancy(), 0u);
  ASSERT_EQ(b.seq.completions().size(), 2u);
  EXPECT_EQ(b.seq.completed_units(), (std::vector<Unit>{Unit::Weights, Unit::Weights}));
  EXPECT_EQ(b.report("instructions"), 2u);
  EXPECT_EQ(b.report("tiles_fetched"), 5u);
  EXPECT_EQ(b.report("bytes_fetched"), 5 * kTile);
  EXPECT_EQ(b.report("depth_tiles"), 4u);
  EXPECT_EQ(b.dram.bytes_read(), 5 * kTile);
}

// Tile arrival against the bandwidth-latency formula (file comment). Dispatched at 7.5 ns, the
// instruction starts on the next edge, t0 = 8 ns, and requests its 4 tiles (depth 4) at once:
//   arrival_i = t0 + (i + 1) * kXfer + kLat = 8 + 64 (i + 1) + 30 = 102, 166, 230, 294 ns.
// A pop issued before a tile arrives returns at the arrival; the instruction completes at t0.
TEST(WeightFifo, TileArrivalFollowsBandwidthLatencyFormula) {
  FifoBench b(fifo_config());
  b.seq.dispatch_at(7.5, make_dispatch("read_weights dram=0x1000 tiles=4"));
  std::vector<FifoBench::Popped> got;
  unsigned occupancy_at_10ns = 99;
  b.mxu.set_body([&](ScriptInitiator& s) {
    sc_core::wait(ns(10));
    occupancy_at_10ns = b.fifo.occupancy();  // all four requested, none arrived yet
    for (int i = 0; i < 4; ++i) got.push_back(b.pop(s));
  });
  run_to_end();
  EXPECT_EQ(occupancy_at_10ns, 4u);
  ASSERT_EQ(got.size(), 4u);
  const double t0 = 8.0;
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(got[size_t(i)].at, ns(t0 + (i + 1) * kXfer + kLat)) << "tile " << i;
    EXPECT_EQ(got[size_t(i)].data, b.expected_tile(0x1000 + uint64_t(i) * kTile)) << "tile " << i;
  }
  ASSERT_EQ(b.seq.completions().size(), 1u);
  EXPECT_EQ(b.seq.completions()[0], ns(t0)) << "Read_Weights completes once its last request is sent";
  EXPECT_EQ(b.report("max_occupancy"), 4u);
}

// A pop annotated with a local-time delay first synchronises to it: a pop at 0 with 300 ns of
// annotated delay returns at 300 ns with the tile (arrived at 0 + 64 + 30 = 94 ns), and hands
// back a zero delay.
TEST(WeightFifo, PopHonoursAnnotatedDelay) {
  FifoBench b(fifo_config());
  b.seq.dispatch_at(0, make_dispatch("read_weights dram=0 tiles=1"));
  sc_core::sc_time returned, delay_out;
  std::vector<uint8_t> tile(kTile);
  b.mxu.set_body([&](ScriptInitiator& s) {
    sc_core::sc_time delay = ns(300);
    EXPECT_EQ(s.access(tlm::TLM_READ_COMMAND, 0, tile.data(), unsigned(kTile), delay), tlm::TLM_OK_RESPONSE);
    returned = sc_core::sc_time_stamp();
    delay_out = delay;
  });
  run_to_end();
  EXPECT_EQ(returned, ns(300));
  EXPECT_EQ(delay_out, sc_core::SC_ZERO_TIME);
  EXPECT_EQ(tile, b.expected_tile(0));
}

// Depth 4, Read_Weights of 6 tiles at t = 0. Tiles 0-3 are requested at 0 (channel busy until
// 4 * 64 = 256 ns; arrivals 94, 158, 222, 286 ns); the engine then stalls with 4 tiles held.
// The MXU pops tile 0 at 200 ns: the slot frees and tile 4 is requested at 200 (on an edge):
//   arrival_4 = max(200, 256) + 64 + 30 = 350 ns; channel free at 320.
// At 250 ns the MXU pops tiles 1 and 2 (arrived) and then waits for tile 3 (286 ns). The pop of
// tile 1 frees a slot, so tile 5 is requested at 250: arrival_5 = max(250, 320) + 94 = 414 ns,
// and the instruction completes at 250. Tiles 4 and 5 pop at their arrivals 350 and 414.
// The engine stalls (waits for a slot) during [0, 200) and [200, 250): 250 cycles.
TEST(WeightFifo, BlocksWhenFullAndResumesWhenATileIsTaken) {
  FifoBench b(fifo_config(4));
  b.seq.dispatch_at(0, make_dispatch("read_weights dram=0x800 tiles=6"));
  std::vector<FifoBench::Popped> got;
  unsigned occ_150 = 99, occ_225 = 99, occ_286 = 99;
  uint64_t fetched_150 = 99, fetched_225 = 99, completions_225 = 99;
  b.mxu.set_body([&](ScriptInitiator& s) {
    sc_core::wait(ns(150));
    occ_150 = b.fifo.occupancy();
    fetched_150 = b.report("tiles_fetched");
    sc_core::wait(ns(50));
    got.push_back(b.pop(s));  // tile 0 at 200
    sc_core::wait(ns(25));
    occ_225 = b.fifo.occupancy();  // tiles 1, 2, 3, 4
    fetched_225 = b.report("tiles_fetched");
    completions_225 = b.seq.completions().size();
    sc_core::wait(ns(25));
    for (int i = 1; i < 6; ++i) {
      got.push_back(b.pop(s));
      if (i == 3) occ_286 = b.fifo.occupancy();  // at 286: tiles 4, 5
    }
  });
  run_to_end();
  EXPECT_EQ(occ_150, 4u);
  EXPECT_EQ(fetched_150, 4u) << "the fifo must not request a fifth tile while four are held";
  EXPECT_EQ(occ_225, 4u);
  EXPECT_EQ(fetched_225, 5u);
  EXPECT_EQ(completions_225, 0u) << "the instruction is still waiting for a slot for tile 5";
  EXPECT_EQ(occ_286, 2u);
  const double want[] = {200, 250, 250, 286, 350, 414};
  ASSERT_EQ(got.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(got[size_t(i)].at, ns(want[i])) << "tile " << i;
    EXPECT_EQ(got[size_t(i)].data, b.expected_tile(0x800 + uint64_t(i) * kTile)) << "tile " << i;
  }
  ASSERT_EQ(b.seq.completions().size(), 1u);
  EXPECT_EQ(b.seq.completions()[0], ns(250));
  EXPECT_EQ(b.report("tiles_fetched"), 6u);
  EXPECT_EQ(b.report("max_occupancy"), 4u);
  EXPECT_EQ(b.cycles("stall"), 250u);
  EXPECT_EQ(b.fifo.occupancy(), 0u);
}

// Depth 1: each tile is requested only when the previous one is popped, so with an MXU that pops
// as soon as possible every tile costs a full kXfer + kLat = 94 ns: arrival_i = 94 (i + 1).
TEST(WeightFifo, DepthOneSerialisesFetches) {
  FifoBench b(fifo_config(1));
  b.seq.dispatch_at(0, make_dispatch("read_weights dram=0x100 tiles=3"));
  std::vector<FifoBench::Popped> got;
  b.mxu.set_body([&](ScriptInitiator& s) {
    for (int i = 0; i < 3; ++i) got.push_back(b.pop(s));
  });
  run_to_end();
  ASSERT_EQ(got.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(got[size_t(i)].at, ns((i + 1) * (kXfer + kLat))) << "tile " << i;
    EXPECT_EQ(got[size_t(i)].data, b.expected_tile(0x100 + uint64_t(i) * kTile)) << "tile " << i;
  }
  ASSERT_EQ(b.seq.completions().size(), 1u);
  EXPECT_EQ(b.seq.completions()[0], ns(2 * (kXfer + kLat))) << "tile 2 is requested when tile 1 is popped";
  EXPECT_EQ(b.report("max_occupancy"), 1u);
  // Stalls while tile 0 and then tile 1 are held: [0, 94) and [94, 188).
  EXPECT_EQ(b.cycles("stall"), 188u);
}

// mxu_socket accepts only a READ of exactly tile_bytes: a write gets TLM_COMMAND_ERROR_RESPONSE,
// other lengths TLM_BURST_ERROR_RESPONSE, and none of them takes a tile.
TEST(WeightFifo, PopRejectsWritesAndWrongLengths) {
  FifoBench b(fifo_config());
  b.seq.dispatch_at(0, make_dispatch("read_weights dram=0x40 tiles=1"));
  std::vector<tlm::tlm_response_status> st;
  unsigned occ_after_errors = 99;
  FifoBench::Popped tile;
  b.mxu.set_body([&](ScriptInitiator& s) {
    sc_core::wait(ns(200));  // the tile has arrived (94 ns)
    std::vector<uint8_t> buf(2 * kTile);
    st.push_back(s.access(tlm::TLM_WRITE_COMMAND, 0, buf.data(), unsigned(kTile)));
    st.push_back(s.access(tlm::TLM_READ_COMMAND, 0, buf.data(), unsigned(kTile - 1)));
    st.push_back(s.access(tlm::TLM_READ_COMMAND, 0, buf.data(), unsigned(2 * kTile)));
    occ_after_errors = b.fifo.occupancy();
    tile = b.pop(s);
  });
  run_to_end();
  ASSERT_EQ(st.size(), 3u);
  EXPECT_EQ(st[0], tlm::TLM_COMMAND_ERROR_RESPONSE);
  EXPECT_EQ(st[1], tlm::TLM_BURST_ERROR_RESPONSE);
  EXPECT_EQ(st[2], tlm::TLM_BURST_ERROR_RESPONSE);
  EXPECT_EQ(occ_after_errors, 1u);
  EXPECT_EQ(tile.data, b.expected_tile(0x40));
  EXPECT_EQ(tile.at, ns(200));
}

// A tile beyond the weight memory (capacity 64 KiB = 0x10000): tile 0 of dram=0xff00 ends exactly
// at the capacity, tile 1 starts past it. The weight memory answers TLM_ADDRESS_ERROR_RESPONSE and
// the fifo raises SC_REPORT_ERROR("tpu/tlm") naming itself, the instruction (its index and text),
// the tile, the address and the response.
TEST(WeightFifo, AddressBeyondWeightMemoryIsAnError) {
  FifoBench b(fifo_config());
  b.seq.dispatch_at(0, make_dispatch("read_weights dram=0xff00 tiles=2", 7));
  const std::string msg = ErrorOf("tpu/tlm", [] { run_to_end(); });
  EXPECT_TRUE(ContainsAll(msg, {"weight_fifo: instruction 7 (read_weights dram=0xff00 tiles=2), tile 1",
                                "read of 256 bytes at address 0x10000", "TLM_ADDRESS_ERROR_RESPONSE"}))
      << msg;
  EXPECT_EQ(b.report("tiles_fetched"), 1u) << "tile 0 is inside the weight memory";
}

}  // namespace
}  // namespace tpu::test
