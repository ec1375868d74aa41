// DramController: the JEDEC channels behind TLM-2.0 — loosely-timed latencies equal the JEDEC
// formulas, the four-phase approximately-timed path agrees with them and applies back-pressure,
// and data is bit exact across channels and address mappings. One simulation per test case.
#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <random>

#include <tlm_utils/simple_initiator_socket.h>

#include "common/test_util.h"
#include "config/config.h"
#include "dram/dram_controller.h"

namespace tpu {
namespace {

const std::string kRoot = TPU_TLM_SOURCE_DIR;

DramConfig preset(const std::string& name) {
  init_time_resolution();
  return load_config(kRoot + "/configs/dram/" + name + ".yaml").dram;
}

// A loosely-timed initiator: b_transport from the test body, between sc_start calls.
struct LtInitiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<LtInitiator> socket;
  explicit LtInitiator(sc_core::sc_module_name n) : sc_module(n), socket("socket") {}
  sc_core::sc_time access(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, unsigned len) {
    tlm::tlm_generic_payload t;
    t.set_command(cmd);
    t.set_address(addr);
    t.set_data_ptr(data);
    t.set_data_length(len);
    t.set_streaming_width(len);
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    socket->b_transport(t, d);
    EXPECT_TRUE(t.is_response_ok()) << t.get_response_string();
    return d;
  }
};

// A DramController for `cfg` with an initiator of type `I` bound to it (not yet simulated).
template <class I>
struct Rig {
  DramController dram;
  I ini;
  explicit Rig(const DramConfig& cfg) : dram("dram", cfg, sc_core::sc_time(1, sc_core::SC_US)), ini("ini") {
    ini.socket.bind(dram.socket);
  }
};

// From an idle DDR3-1600 channel (banks precharged): the first read of a row is a miss,
// tRCD + CL + BL/2; the next read of the same row, once the first is done, a hit, CL + BL/2;
// a read of another row in the same bank, after tRAS, a conflict, tRP + tRCD + CL + BL/2.
TEST(DramControllerLt, LatenciesFollowTheJedecFormulas) {
  const DramConfig cfg = preset("ddr3_1600");
  Rig<LtInitiator> rig(cfg);
  auto& [dram, ini] = rig;
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  const DramTiming& t = cfg.timing;
  const double tck = dram.tck().to_seconds();
  const uint32_t bl2 = cfg.burst_length / 2;
  uint8_t buf[64];
  auto cycles = [&](sc_core::sc_time d) { return std::llround(d.to_seconds() / tck); };

  EXPECT_EQ(cycles(ini.access(tlm::TLM_READ_COMMAND, 0, buf, 64)), t.tRCD + t.CL + bl2);
  sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_US));
  EXPECT_EQ(cycles(ini.access(tlm::TLM_READ_COMMAND, 64, buf, 64)), t.CL + bl2);
  // Same bank (bank bits above the column bits in row:rank:bank_group:bank:column:channel),
  // next row: the row field starts above the 3 bank bits.
  const DramAddressMap& map = dram.address_map();
  DramLocation other = map.locate(0);
  other.row = 1;
  sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_US));
  EXPECT_EQ(cycles(ini.access(tlm::TLM_READ_COMMAND, map.address(0, other), buf, 64)), t.tRP + t.tRCD + t.CL + bl2);
  EXPECT_EQ(dram.channel(0).stats().row_hits, 1u);
  EXPECT_EQ(dram.channel(0).stats().row_misses, 1u);
  EXPECT_EQ(dram.channel(0).stats().row_conflicts, 1u);
}

// A 64 KiB read (a weight tile) streams at close to the channel's peak: 1024 bursts of 4 tCK
// each, plus the first access's tRCD + CL and a few row switches.
TEST(DramControllerLt, LongReadStreamsNearPeak) {
  const DramConfig cfg = preset("ddr3_1600");
  Rig<LtInitiator> rig(cfg);
  auto& [dram, ini] = rig;
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  std::vector<uint8_t> buf(65536);
  const double seconds = ini.access(tlm::TLM_READ_COMMAND, 0, buf.data(), 65536).to_seconds();
  const double ideal = 65536 / cfg.channel_bandwidth_bytes_per_s();
  EXPECT_GT(seconds, ideal);
  EXPECT_LT(seconds, ideal * 1.05) << "achieved " << 65536 / seconds / 1e9 << " GB/s";
  EXPECT_EQ(dram.channel(0).stats().reads, 1024u);
}

// Writes then reads, random addresses and lengths, over several mappings and channel counts.
class DramControllerData : public ::testing::TestWithParam<std::string> {};

TEST_P(DramControllerData, WritesThenReadsAreBitExact) {
  DramConfig cfg = preset("hbm2");  // 8 channels, bank groups
  cfg.address_mapping = GetParam();
  Rig<LtInitiator> rig(cfg);
  auto& [dram, ini] = rig;
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  std::mt19937_64 rng(7);
  std::vector<std::pair<uint64_t, std::vector<uint8_t>>> written;
  for (int i = 0; i < 40; ++i) {
    const uint64_t addr = rng() % (cfg.capacity_bytes - 10000);
    std::vector<uint8_t> data(1 + rng() % 5000);
    for (auto& b : data) b = uint8_t(rng());
    ini.access(tlm::TLM_WRITE_COMMAND, addr, data.data(), unsigned(data.size()));
    written.emplace_back(addr, std::move(data));
  }
  // Later writes win where they overlap: check against a replay into a map.
  std::map<uint64_t, uint8_t> expect;
  for (const auto& [a, d] : written)
    for (size_t k = 0; k < d.size(); ++k) expect[a + k] = d[k];
  for (const auto& [a, d] : written) {
    std::vector<uint8_t> back(d.size());
    ini.access(tlm::TLM_READ_COMMAND, a, back.data(), unsigned(back.size()));
    for (size_t k = 0; k < d.size(); ++k) ASSERT_EQ(back[k], expect[a + k]) << "address " << a + k;
  }
  uint64_t channels_used = 0;
  for (uint32_t c = 0; c < cfg.channels; ++c) channels_used += dram.channel(c).stats().writes > 0;
  EXPECT_EQ(channels_used, cfg.channels);
}

INSTANTIATE_TEST_SUITE_P(Mappings, DramControllerData,
                         ::testing::Values("row:rank:bank:bank_group:column:channel",
                                           "channel:rank:bank_group:bank:row:column",
                                           "row:column:rank:bank:bank_group:channel"),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           std::string n = i.param;
                           for (char& c : n)
                             if (c == ':') c = '_';
                           return n;
                         });

// A four-phase initiator with a payload pool: issues requests (reads, or writes with `command`)
// at given times, records when each BEGIN_RESP arrives and with which response status, and
// counts END_REQs that came later than the BEGIN_REQ (back-pressure). Request i moves the bytes
// data[i * length, (i + 1) * length).
struct AtInitiator : sc_core::sc_module, tlm::tlm_mm_interface {
  tlm_utils::simple_initiator_socket<AtInitiator> socket;
  std::vector<uint64_t> addresses;
  std::vector<sc_core::sc_time> responses;
  std::vector<tlm::tlm_response_status> statuses;  // per response, in order
  uint64_t delayed_end_req = 0;
  std::deque<tlm::tlm_generic_payload*> pool;
  std::vector<uint8_t> data = std::vector<uint8_t>(64);
  uint32_t length = 64;  // bytes per request
  tlm::tlm_command command = tlm::TLM_READ_COMMAND;
  uint8_t* byte_enable = nullptr;  // set on every request if not null
  uint32_t byte_enable_length = 0;
  bool expect_ok = true;  // EXPECT an OK response to every request
  sc_core::sc_event end_req;
  bool waiting_end_req = false;

  SC_HAS_PROCESS(AtInitiator);
  explicit AtInitiator(sc_core::sc_module_name n) : sc_module(n), socket("socket") {
    socket.register_nb_transport_bw(this, &AtInitiator::nb_transport_bw);
    SC_THREAD(run);
  }
  ~AtInitiator() override {
    for (auto* t : pool) delete t;
  }
  void free(tlm::tlm_generic_payload* t) override { pool.push_back(t); }
  void run() {
    if (data.size() < addresses.size() * length) data.resize(addresses.size() * length);
    for (size_t i = 0; i < addresses.size(); ++i) {
      tlm::tlm_generic_payload* t;
      if (pool.empty()) t = new tlm::tlm_generic_payload(this);
      else t = pool.front(), pool.pop_front();
      t->acquire();
      t->set_command(command);
      t->set_address(addresses[i]);
      t->set_data_ptr(data.data() + i * length);
      t->set_data_length(length);
      t->set_streaming_width(length);
      t->set_byte_enable_ptr(byte_enable);
      t->set_byte_enable_length(byte_enable_length);
      tlm::tlm_phase phase = tlm::BEGIN_REQ;
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      waiting_end_req = true;
      const sc_core::sc_time sent = sc_core::sc_time_stamp();
      if (socket->nb_transport_fw(*t, phase, delay) == tlm::TLM_ACCEPTED) sc_core::wait(end_req);
      if (sc_core::sc_time_stamp() > sent) ++delayed_end_req;
    }
  }
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& t, tlm::tlm_phase& phase, sc_core::sc_time&) {
    if (phase == tlm::END_REQ) {
      waiting_end_req = false;
      end_req.notify(sc_core::SC_ZERO_TIME);
      return tlm::TLM_ACCEPTED;
    }
    EXPECT_EQ(phase, tlm::BEGIN_RESP);
    if (expect_ok) {
      EXPECT_TRUE(t.is_response_ok()) << t.get_response_string();
    }
    if (waiting_end_req) {  // BEGIN_RESP implies END_REQ (TLM-2.0 base protocol)
      waiting_end_req = false;
      end_req.notify(sc_core::SC_ZERO_TIME);
    }
    responses.push_back(sc_core::sc_time_stamp());
    statuses.push_back(t.get_response_status());
    t.release();
    phase = tlm::END_RESP;
    return tlm::TLM_COMPLETED;
  }
};

// One read from idle through the four phases: BEGIN_RESP comes tRCD + CL + BL/2 tCK after the
// request's tCK edge.
TEST(DramControllerAt, SingleReadLatencyMatchesTheFormula) {
  const DramConfig cfg = preset("ddr3_1600");
  Rig<AtInitiator> rig(cfg);
  auto& [dram, ini] = rig;
  ini.addresses = {0};
  sc_core::sc_start();
  ASSERT_EQ(ini.responses.size(), 1u);
  const uint32_t expect = cfg.timing.tRCD + cfg.timing.CL + cfg.burst_length / 2;
  EXPECT_EQ(std::llround(ini.responses[0] / dram.tck()), expect);
}

// Zero-length requests (at address 0 and elsewhere) move no bursts: answered at once, OK, and the
// initiator goes on (they used to hang the controller).
TEST(DramControllerAt, ZeroLengthRequestsAreAnsweredAtOnce) {
  const DramConfig cfg = preset("ddr3_1600");
  Rig<AtInitiator> rig(cfg);
  auto& [dram, ini] = rig;
  ini.addresses = {0, 4096, 64};
  ini.length = 0;
  sc_core::sc_start();
  ASSERT_EQ(ini.responses.size(), 3u);
  for (const auto& t : ini.responses) EXPECT_EQ(t, sc_core::SC_ZERO_TIME);
}

// More reads than the read queue holds: END_REQ is held back (back-pressure) and every
// request still completes, in a time bounded below by the data bus (4 tCK per burst).
TEST(DramControllerAt, BackPressureWhenTheQueueIsFull) {
  DramConfig cfg = preset("ddr3_1600");
  cfg.read_queue_depth = 4;
  Rig<AtInitiator> rig(cfg);
  auto& [dram, ini] = rig;
  for (uint64_t i = 0; i < 64; ++i) ini.addresses.push_back(i * 64);
  sc_core::sc_start();
  ASSERT_EQ(ini.responses.size(), 64u);
  EXPECT_GT(ini.delayed_end_req, 0u);
  EXPECT_GE(std::llround(ini.responses.back() / dram.tck()), int64_t(64 * cfg.burst_length / 2));
  EXPECT_EQ(dram.channel(0).stats().reads, 64u);
}

// The approximately-timed write path: one write from idle (no reads queued, so the write queue
// is served at once) takes ACT, then WR tRCD later, its data done CWL + BL/2 after the WR.
TEST(DramControllerAt, SingleWriteLatencyMatchesTheFormula) {
  const DramConfig cfg = preset("ddr3_1600");
  Rig<AtInitiator> rig(cfg);
  auto& [dram, ini] = rig;
  ini.command = tlm::TLM_WRITE_COMMAND;
  ini.addresses = {0};
  sc_core::sc_start();
  ASSERT_EQ(ini.responses.size(), 1u);
  const uint32_t expect = cfg.timing.tRCD + cfg.timing.CWL + cfg.burst_length / 2;
  EXPECT_EQ(std::llround(ini.responses[0] / dram.tck()), expect);
  EXPECT_EQ(dram.channel(0).stats().writes, 1u);
  EXPECT_EQ(dram.channel(0).stats().reads, 0u);
}

// More writes than the write queue holds, each with its own random bytes: END_REQ is held back,
// every write completes (the data bus bounds the time below: BL/2 tCK per burst), and the memory
// then holds exactly the bytes written (read back untimed, compared with the test's own copy).
TEST(DramControllerAt, WritesUnderBackPressureStoreTheirData) {
  DramConfig cfg = preset("ddr3_1600");
  cfg.write_queue_depth = 4;
  cfg.write_high_watermark = 3;
  cfg.write_low_watermark = 1;
  Rig<AtInitiator> rig(cfg);
  auto& [dram, ini] = rig;
  ini.command = tlm::TLM_WRITE_COMMAND;
  const uint64_t n = 48;
  for (uint64_t i = 0; i < n; ++i) ini.addresses.push_back(i * 64 + (i % 3) * 8192 * 8);  // rows vary
  ini.data.resize(n * 64);
  std::mt19937 rng(11);
  for (auto& b : ini.data) b = uint8_t(rng());
  const std::vector<uint8_t> written = ini.data;
  sc_core::sc_start();
  ASSERT_EQ(ini.responses.size(), n);
  EXPECT_GT(ini.delayed_end_req, 0u);
  EXPECT_GE(std::llround(ini.responses.back() / dram.tck()), int64_t(n * cfg.burst_length / 2));
  EXPECT_EQ(dram.channel(0).stats().writes, n);
  EXPECT_EQ(dram.bytes_written(), n * 64);
  for (uint64_t i = 0; i < n; ++i) {
    std::vector<uint8_t> back(64, 0xAA);
    tlm::tlm_generic_payload t;
    t.set_command(tlm::TLM_READ_COMMAND);
    t.set_address(ini.addresses[i]);
    t.set_data_ptr(back.data());
    t.set_data_length(64);
    t.set_streaming_width(64);
    ASSERT_EQ(ini.socket->transport_dbg(t), 64u);
    for (int k = 0; k < 64; ++k) ASSERT_EQ(back[k], written[i * 64 + k]) << "write " << i << " byte " << k;
  }
}

// TLM error responses of the approximately-timed path: a request beyond the capacity (starting
// past it, or straddling its end) gets TLM_ADDRESS_ERROR_RESPONSE, one with byte enables
// TLM_BYTE_ENABLE_ERROR_RESPONSE; each is answered at once (time 0) and moves no burst.
TEST(DramControllerAt, AddressBeyondCapacityIsAnAddressError) {
  const DramConfig cfg = preset("ddr3_1600");
  Rig<AtInitiator> rig(cfg);
  auto& [dram, ini] = rig;
  ini.expect_ok = false;
  ini.addresses = {cfg.capacity_bytes, cfg.capacity_bytes - 32, cfg.capacity_bytes + 4096};
  sc_core::sc_start();
  ASSERT_EQ(ini.statuses.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(ini.statuses[i], tlm::TLM_ADDRESS_ERROR_RESPONSE) << "request " << i;
    EXPECT_EQ(ini.responses[i], sc_core::SC_ZERO_TIME);
  }
  EXPECT_EQ(dram.channel(0).stats().reads, 0u);
  EXPECT_EQ(dram.bytes_read(), 0u);
}

TEST(DramControllerAt, ByteEnablesAreAByteEnableError) {
  const DramConfig cfg = preset("ddr3_1600");
  Rig<AtInitiator> rig(cfg);
  auto& [dram, ini] = rig;
  std::vector<uint8_t> enables(64, 0xff);
  ini.expect_ok = false;
  ini.command = tlm::TLM_WRITE_COMMAND;
  ini.byte_enable = enables.data();
  ini.byte_enable_length = 64;
  ini.addresses = {0, 64};
  sc_core::sc_start();
  ASSERT_EQ(ini.statuses.size(), 2u);
  for (const auto s : ini.statuses) EXPECT_EQ(s, tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
  EXPECT_EQ(dram.channel(0).stats().writes, 0u);
  EXPECT_EQ(dram.bytes_written(), 0u);
}

// The loosely-timed path answers the same errors: beyond capacity, byte enables, and a streaming
// width below the length; none of them counts as an access. A legal access stays OK.
TEST(DramControllerLt, ErrorResponses) {
  const DramConfig cfg = preset("ddr3_1600");
  Rig<LtInitiator> rig(cfg);
  auto& dram = rig.dram;  // not a structured binding: clang 14 cannot capture one in a lambda
  auto& ini = rig.ini;
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  uint8_t buf[64] = {};
  uint8_t enables[64];
  std::memset(enables, 0xff, sizeof enables);
  auto status = [&](uint64_t addr, unsigned width, uint8_t* be) {
    tlm::tlm_generic_payload t;
    t.set_command(tlm::TLM_WRITE_COMMAND);
    t.set_address(addr);
    t.set_data_ptr(buf);
    t.set_data_length(64);
    t.set_streaming_width(width);
    t.set_byte_enable_ptr(be);
    t.set_byte_enable_length(be ? 64 : 0);
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    ini.socket->b_transport(t, d);
    return t.get_response_status();
  };
  EXPECT_EQ(status(cfg.capacity_bytes, 64, nullptr), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(status(cfg.capacity_bytes - 63, 64, nullptr), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(status(0, 64, enables), tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
  EXPECT_EQ(status(0, 32, nullptr), tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
  EXPECT_EQ(dram.bytes_written(), 0u);
  EXPECT_EQ(dram.channel(0).stats().writes, 0u);
  EXPECT_EQ(status(cfg.capacity_bytes - 64, 64, nullptr), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(dram.bytes_written(), 64u);
}

// The base protocol's initiator sends only BEGIN_REQ and END_RESP: any other phase is an error
// naming the phases allowed.
TEST(DramControllerAt, UnexpectedPhaseIsAnError) {
  const DramConfig cfg = preset("ddr3_1600");
  Rig<LtInitiator> rig(cfg);
  auto& dram = rig.dram;  // as above
  auto& ini = rig.ini;
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  uint8_t buf[64] = {};
  for (const tlm::tlm_phase bad : {tlm::tlm_phase(tlm::END_REQ), tlm::tlm_phase(tlm::BEGIN_RESP)}) {
    tlm::tlm_generic_payload t;
    t.set_command(tlm::TLM_READ_COMMAND);
    t.set_address(0);
    t.set_data_ptr(buf);
    t.set_data_length(64);
    t.set_streaming_width(64);
    tlm::tlm_phase phase = bad;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    const std::string msg = test::ErrorOf("tpu/dram", [&] { ini.socket->nb_transport_fw(t, phase, delay); });
    EXPECT_TRUE(test::Contains(msg, "unexpected phase")) << "phase " << bad;
    EXPECT_TRUE(test::Contains(msg, "BEGIN_REQ and END_RESP")) << "phase " << bad;
  }
  EXPECT_EQ(dram.channel(0).stats().reads, 0u);
}

// An approximately-timed request is accepted whole or not at all, so one that needs more bursts
// in a channel than that channel's queue holds could never be accepted: an error, not a hang.
// A read of 5 bursts against a read queue of 4 (one channel).
TEST(DramControllerAt, MoreBurstsThanTheQueueHoldsIsAnError) {
  DramConfig cfg = preset("ddr3_1600");
  cfg.read_queue_depth = 4;
  Rig<AtInitiator> rig(cfg);
  auto& [dram, ini] = rig;
  ini.length = 5 * 64;
  ini.addresses = {0};
  const std::string msg = test::ErrorOf("tpu/dram", [] { sc_core::sc_start(); });
  EXPECT_TRUE(test::Contains(msg, "more bursts in one channel than its queue holds"));
  EXPECT_EQ(dram.channel(0).stats().reads, 0u);
}

// The same request with exactly as many bursts as the queue holds is accepted and completes.
TEST(DramControllerAt, AsManyBurstsAsTheQueueHoldsIsAccepted) {
  DramConfig cfg = preset("ddr3_1600");
  cfg.read_queue_depth = 4;
  Rig<AtInitiator> rig(cfg);
  auto& [dram, ini] = rig;
  ini.length = 4 * 64;
  ini.addresses = {0};
  sc_core::sc_start();
  ASSERT_EQ(ini.responses.size(), 1u);
  EXPECT_EQ(dram.channel(0).stats().reads, 4u);
}

}  // namespace
}  // namespace tpu
