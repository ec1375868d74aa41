#include "dram_bench/dram_bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <fstream>
#include <functional>
#include <iomanip>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>
#include <tlm>

#include "dram/dram_address.h"
#include "dram/dram_controller.h"

namespace tpu::bench {

namespace {

constexpr const char* kMsgType = "tpu/dram-bench";

// Raises the benchmark's error; the throw only matters if SC_ERROR's actions were changed.
[[noreturn]] void fail(const std::string& msg) {
  SC_REPORT_ERROR(kMsgType, msg.c_str());
  throw std::runtime_error(msg);
}

std::string upper(std::string s) {
  for (char& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Hexadecimal "0x..." (at most 16 digits) into `out`; false if malformed.
bool parse_hex_address(const std::string& w, uint64_t* out) {
  if (w.size() < 3 || w.size() > 18 || w[0] != '0' || (w[1] != 'x' && w[1] != 'X')) return false;
  uint64_t v = 0;
  for (size_t i = 2; i < w.size(); ++i) {
    const char c = w[i];
    uint64_t d;
    if (c >= '0' && c <= '9') d = uint64_t(c - '0');
    else if (c >= 'a' && c <= 'f') d = uint64_t(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') d = uint64_t(c - 'A' + 10);
    else return false;
    v = (v << 4) | d;
  }
  *out = v;
  return true;
}

// Decimal digits into `out`; false if malformed or above UINT64_MAX.
bool parse_decimal(const std::string& w, uint64_t* out) {
  if (w.empty()) return false;
  uint64_t v = 0;
  for (char c : w) {
    if (c < '0' || c > '9') return false;
    const uint64_t d = uint64_t(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

// Checks that `trace` can run on `cfg` with `opt`.
void check_inputs(const DramConfig& cfg, const Trace& trace, const RunOptions& opt) {
  if (cfg.model != DramModel::Jedec)
    fail("dram-bench needs the jedec DRAM model (dram.model is '" + std::string(to_string(cfg.model)) + "')");
  if (trace.requests.empty()) fail(trace.origin + ": no requests");
  if (opt.mode == Mode::Closed && opt.outstanding == 0) fail("closed loop needs at least 1 outstanding request");
  const uint64_t bb = cfg.burst_bytes();
  // Bursts of one request that fall in a single channel must fit its queue at once.
  const uint64_t bursts = (kRequestBytes + bb - 1) / bb;
  const uint64_t per_channel = (bursts + cfg.channels - 1) / cfg.channels;
  if (per_channel > std::min(cfg.read_queue_depth, cfg.write_queue_depth))
    fail("a 64-byte request needs more bursts in one channel than its queues hold");
  for (size_t i = 0; i < trace.requests.size(); ++i) {
    const BenchRequest& r = trace.requests[i];
    if (r.address > cfg.capacity_bytes - kRequestBytes || r.address % kRequestBytes) {
      std::ostringstream m;
      m << trace.origin << ":";
      if (r.line) m << r.line;
      else m << " request " << i;
      m << ": address 0x" << std::hex << r.address << std::dec << " is beyond the capacity of " << cfg.capacity_bytes
        << " bytes (or not 64-byte aligned)";
      fail(m.str());
    }
  }
}

// Open-loop issue cycle of request i.
uint64_t open_cycle(const Trace& t, size_t i) { return t.has_cycles ? t.requests[i].cycle : uint64_t(i); }

// Fills every metric of a result from the per-request cycles and the channels' counters.
BenchResult summarize(const DramConfig& cfg, const Trace& trace, const RunOptions& opt, const char* engine,
                      std::vector<uint64_t> issue, std::vector<uint64_t> accept, std::vector<uint64_t> done,
                      const std::vector<const DramChannel*>& channels, double wall) {
  std::vector<const DramChannelStats*> stats;
  for (const DramChannel* ch : channels) stats.push_back(&ch->stats());
  BenchResult r;
  r.engine = engine;
  r.mode = opt.mode;
  r.outstanding = opt.mode == Mode::Closed ? opt.outstanding : 0;
  r.standard = to_string(cfg.standard);
  r.channels = cfg.channels;
  r.tck_ns = cfg.tck_seconds() * 1e9;
  r.requests = trace.requests.size();
  r.bytes = r.requests * kRequestBytes;
  r.first_issue = *std::min_element(issue.begin(), issue.end());
  r.last_done = *std::max_element(done.begin(), done.end());
  for (size_t i = 0; i < trace.requests.size(); ++i) {
    if (trace.requests[i].write) {
      ++r.writes;
      continue;
    }
    ++r.reads;
    const uint64_t lat = done[i] - issue[i];
    if (lat >= r.read_latency_histogram.size()) r.read_latency_histogram.resize(lat + 1, 0);
    ++r.read_latency_histogram[lat];
  }
  const double elapsed_ns = double(r.last_done - r.first_issue) * r.tck_ns;
  r.bandwidth_gbs = elapsed_ns > 0 ? double(r.bytes) / elapsed_ns : 0.0;  // bytes/ns = GB/s
  r.peak_gbs = cfg.channel_bandwidth_bytes_per_s() * cfg.channels / 1e9;
  r.percent_of_peak = r.peak_gbs > 0 ? 100.0 * r.bandwidth_gbs / r.peak_gbs : 0.0;
  r.read_latency = summarize_latency(r.read_latency_histogram, r.tck_ns);
  uint64_t lat_sum = 0, lat_reads = 0;
  for (const DramChannelStats* s : stats) {
    r.row_hits += s->row_hits;
    r.row_misses += s->row_misses;
    r.row_conflicts += s->row_conflicts;
    for (int k = 0; k < kDramCommands; ++k) r.commands[k] += s->commands[k];
    lat_sum += s->read_latency_sum;
    lat_reads += s->reads;
  }
  r.controller_read_latency_ns = lat_reads ? double(lat_sum) / double(lat_reads) * r.tck_ns : 0.0;
  const uint64_t outcomes = r.row_hits + r.row_misses + r.row_conflicts;
  r.row_hit_rate = outcomes ? double(r.row_hits) / double(outcomes) : 0.0;
  const uint64_t columns = r.rd() + r.wr();
  r.row_hit_rate_by_act = columns ? std::clamp(1.0 - double(r.act()) / double(columns), 0.0, 1.0) : 0.0;
  std::vector<DramChannelCounts> counts;
  for (const DramChannel* ch : channels) {
    DramChannelCounts c = counts_of_commands(ch->stats().commands, cfg.burst_bytes());
    // Background over [0, last_done): the channel's bank-open counter, all ranks.
    c.rank_cycles = double(r.last_done) * cfg.ranks;
    c.open_rank_cycles = 0;
    for (uint32_t k = 0; k < ch->banks().ranks(); ++k)
      c.open_rank_cycles += double(ch->banks().open_cycles(k, 0, r.last_done));
    counts.push_back(c);
  }
  r.energy = dram_energy(cfg, counts, double(r.last_done) * cfg.tck_seconds());
  r.energy_j = total_joules(r.energy);
  double dynamic = r.energy_j;
  for (const DramEnergyTerm& t : r.energy)
    if (t.action.rfind("background", 0) == 0) dynamic -= t.joules;
  r.pj_per_bit = r.bytes ? r.energy_j * 1e12 / (8.0 * double(r.bytes)) : 0.0;
  r.dynamic_pj_per_bit = r.bytes ? dynamic * 1e12 / (8.0 * double(r.bytes)) : 0.0;
  r.wall_seconds = wall;
  r.requests_per_wall_second = wall > 0 ? double(r.requests) / wall : 0.0;
  r.issue_cycle = std::move(issue);
  r.accept_cycle = std::move(accept);
  r.done_cycle = std::move(done);
  return r;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// ---------------------------------------------------------------------------------------------
// The TLM path: an approximately-timed initiator in front of a DramController.

// Payloads with a 64-byte data buffer each, recycled when their reference count drops to 0.
class PayloadPool : public tlm::tlm_mm_interface {
 public:
  // A payload with reference count 1 (the caller's), data pointing at its own buffer.
  tlm::tlm_generic_payload* allocate() {
    if (free_.empty()) {
      slots_.push_back(std::make_unique<Slot>());
      Slot& s = *slots_.back();
      s.payload.set_mm(this);
      free_.push_back(&s);
    }
    Slot* s = free_.back();
    free_.pop_back();
    by_payload_[&s->payload] = s;
    s->payload.set_data_ptr(s->data.data());
    s->payload.set_data_length(uint32_t(kRequestBytes));
    s->payload.set_streaming_width(uint32_t(kRequestBytes));
    s->payload.set_byte_enable_ptr(nullptr);
    s->payload.set_byte_enable_length(0);
    s->payload.set_dmi_allowed(false);
    s->payload.acquire();
    return &s->payload;
  }
  // tlm_mm_interface: the last reference is gone.
  void free(tlm::tlm_generic_payload* p) override {
    auto it = by_payload_.find(p);
    p->reset();  // clears extensions; keeps the memory manager
    free_.push_back(it->second);
    by_payload_.erase(it);
  }

 private:
  struct Slot {
    tlm::tlm_generic_payload payload;
    std::array<uint8_t, kRequestBytes> data{};
  };
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Slot*> free_;
  std::unordered_map<tlm::tlm_generic_payload*, Slot*> by_payload_;
};

// Issues the stream with BEGIN_REQ (one open request: the next after END_REQ or BEGIN_RESP),
// records BEGIN_RESP times and answers each with END_RESP from a method process.
class TlmInitiator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<TlmInitiator> socket;

  TlmInitiator(sc_core::sc_module_name name, const Trace& trace, const RunOptions& opt, sc_core::sc_time tck)
      : sc_module(name), socket("socket"), trace_(trace), opt_(opt), tck_(tck) {
    issue_.assign(trace.requests.size(), 0);
    accept_.assign(trace.requests.size(), 0);
    done_.assign(trace.requests.size(), 0);
    socket.register_nb_transport_bw(this, &TlmInitiator::nb_transport_bw);
    SC_HAS_PROCESS(TlmInitiator);
    SC_THREAD(issue_requests);
    SC_METHOD(end_responses);
    sensitive << response_event_;
    dont_initialize();
  }

  std::vector<uint64_t> issue_, accept_, done_;
  size_t completed_ = 0;
  std::string error_;  // first protocol or response error

 private:
  uint64_t cycle_now() const { return uint64_t(std::llround(sc_core::sc_time_stamp() / tck_)); }

  // Sends BEGIN_REQ for each request in order, once it has been issued (its trace cycle in open
  // loop; a free slot in closed loop, see issue_next()) and the previous one has had END_REQ.
  void issue_requests() {
    const size_t n = trace_.requests.size();
    if (opt_.mode == Mode::Closed) {
      while (issued_ < n && issued_ < opt_.outstanding) issue_next();
    }
    for (size_t i = 0; i < n; ++i) {
      if (opt_.mode == Mode::Open) {
        const sc_core::sc_time at = tck_ * double(open_cycle(trace_, i));
        if (at > sc_core::sc_time_stamp()) wait(at - sc_core::sc_time_stamp());
        issue_[i] = open_cycle(trace_, i);
      } else {
        while (i >= issued_) wait(slot_event_);
      }
      while (request_open_) wait(end_req_event_);  // base protocol: one BEGIN_REQ at a time
      const BenchRequest& r = trace_.requests[i];
      tlm::tlm_generic_payload* p = pool_.allocate();
      p->set_command(r.write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
      p->set_address(r.address);
      p->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      index_[p] = i;
      request_open_ = p;
      tlm::tlm_phase phase = tlm::BEGIN_REQ;
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      const tlm::tlm_sync_enum s = socket->nb_transport_fw(*p, phase, delay);
      if (s == tlm::TLM_COMPLETED) {
        error(i, "the controller completed BEGIN_REQ at once (" + p->get_response_string() + ")");
        return;
      }
      if (s == tlm::TLM_UPDATED && phase == tlm::END_REQ && request_open_ == p) request_open_ = nullptr;
    }
  }

  // Closed loop: the next request enters the initiator's queue now (a slot is free).
  void issue_next() {
    issue_[issued_++] = cycle_now();
    slot_event_.notify(sc_core::SC_ZERO_TIME);
  }

  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase, sc_core::sc_time&) {
    if (phase == tlm::END_REQ) {
      accept_[index_.at(&p)] = cycle_now();
      if (request_open_ == &p) request_open_ = nullptr;
      end_req_event_.notify(sc_core::SC_ZERO_TIME);
      return tlm::TLM_ACCEPTED;
    }
    if (phase == tlm::BEGIN_RESP) {
      if (request_open_ == &p) {  // BEGIN_RESP implies END_REQ
        accept_[index_.at(&p)] = cycle_now();
        request_open_ = nullptr;
        end_req_event_.notify(sc_core::SC_ZERO_TIME);
      }
      const size_t i = index_.at(&p);
      index_.erase(&p);
      if (!p.is_response_ok()) error(i, "response " + p.get_response_string());
      done_[i] = cycle_now();
      ++completed_;
      if (opt_.mode == Mode::Closed && issued_ < trace_.requests.size()) issue_next();
      responses_.push_back(&p);
      response_event_.notify(sc_core::SC_ZERO_TIME);
      return tlm::TLM_ACCEPTED;
    }
    error(index_.count(&p) ? index_.at(&p) : 0, "unexpected phase on the backward path");
    return tlm::TLM_COMPLETED;
  }

  // END_RESP for every response taken, then drops the initiator's reference.
  void end_responses() {
    while (!responses_.empty()) {
      tlm::tlm_generic_payload* p = responses_.front();
      responses_.pop_front();
      tlm::tlm_phase phase = tlm::END_RESP;
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      socket->nb_transport_fw(*p, phase, delay);
      p->release();
    }
  }

  void error(size_t i, const std::string& what) {
    if (error_.empty()) error_ = "TLM run, request " + std::to_string(i) + ": " + what;
  }

  const Trace& trace_;
  RunOptions opt_;
  sc_core::sc_time tck_;
  PayloadPool pool_;
  std::unordered_map<const tlm::tlm_generic_payload*, size_t> index_;
  std::deque<tlm::tlm_generic_payload*> responses_;
  const tlm::tlm_generic_payload* request_open_ = nullptr;  // BEGIN_REQ awaiting END_REQ
  size_t issued_ = 0;  // closed loop: requests issued so far (completed_ + outstanding)
  sc_core::sc_event slot_event_, end_req_event_, response_event_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------

uint64_t BenchResult::pre() const {
  return commands[size_t(DramCommand::PRE)] + commands[size_t(DramCommand::RDA)] + commands[size_t(DramCommand::WRA)];
}
uint64_t BenchResult::rd() const { return commands[size_t(DramCommand::RD)] + commands[size_t(DramCommand::RDA)]; }
uint64_t BenchResult::wr() const { return commands[size_t(DramCommand::WR)] + commands[size_t(DramCommand::WRA)]; }
uint64_t BenchResult::ref() const { return commands[size_t(DramCommand::REF)] + commands[size_t(DramCommand::REFPB)]; }

Trace parse_trace(std::istream& in, const std::string& origin) {
  Trace t;
  t.origin = origin;
  std::string text;
  uint32_t line = 0;
  int format = -1;           // 1: with cycles, 0: without; -1: no request yet
  uint32_t format_line = 0;  // first request line, which set the format
  uint64_t last_cycle = 0;
  while (std::getline(in, text)) {
    ++line;
    const size_t hash = text.find('#');
    if (hash != std::string::npos) text.erase(hash);
    std::istringstream words_in(text);
    std::vector<std::string> w;
    for (std::string s; words_in >> s;) w.push_back(s);
    if (w.empty()) continue;
    std::string shown;
    for (const std::string& s : w) shown += (shown.empty() ? "" : " ") + s;
    auto bad = [&](const std::string& why) {
      fail(origin + ":" + std::to_string(line) + ": " + why + ": '" + shown + "'");
    };
    if (w.size() < 2 || w.size() > 3) bad("expected '0xADDRESS READ|WRITE CYCLE' or '0xADDRESS R|W'");
    BenchRequest r;
    r.line = line;
    if (!parse_hex_address(w[0], &r.address)) bad("the address must be hexadecimal with a 0x prefix (at most 64 bits)");
    r.address -= r.address % kRequestBytes;
    const std::string cmd = upper(w[1]);
    if (cmd == "READ" || cmd == "R") r.write = false;
    else if (cmd == "WRITE" || cmd == "W") r.write = true;
    else bad("unknown command '" + w[1] + "' (READ, WRITE, R or W)");
    const int has_cycle = w.size() == 3 ? 1 : 0;
    if (has_cycle && !parse_decimal(w[2], &r.cycle)) bad("the cycle must be a non-negative decimal integer");
    if (format == -1) {
      format = has_cycle;
      format_line = line;
    } else if (format != has_cycle) {
      bad(std::string(has_cycle ? "a cycle" : "no cycle") + " here, but line " + std::to_string(format_line) +
          (format ? " has one" : " has none") + " (all lines use one format)");
    }
    if (has_cycle) {
      if (!t.requests.empty() && r.cycle < last_cycle)
        bad("cycle " + std::to_string(r.cycle) + " is before the previous request's cycle " +
            std::to_string(last_cycle) + " (cycles must not decrease)");
      last_cycle = r.cycle;
    }
    t.requests.push_back(r);
  }
  if (in.bad()) fail(origin + ": read error");
  if (t.requests.empty()) fail(origin + ": no requests (only blank lines and comments)");
  t.has_cycles = format == 1;
  if (!t.has_cycles)
    for (size_t i = 0; i < t.requests.size(); ++i) t.requests[i].cycle = i;
  return t;
}

Trace load_trace(const std::string& path) {
  std::ifstream f(path);
  if (!f) fail(path + ": cannot open trace file");
  return parse_trace(f, path);
}

Pattern parse_pattern(const std::string& name) {
  if (name == "sequential") return Pattern::Sequential;
  if (name == "random") return Pattern::Random;
  if (name == "random_rw") return Pattern::RandomRW;
  fail("unknown pattern '" + name + "' (sequential, random or random_rw)");
}

const char* pattern_name(Pattern p) {
  switch (p) {
    case Pattern::Sequential: return "sequential";
    case Pattern::Random: return "random";
    case Pattern::RandomRW: return "random_rw";
  }
  return "?";
}

Trace generate_pattern(const PatternOptions& opt, const DramConfig& cfg) {
  const uint64_t footprint = opt.footprint ? opt.footprint : cfg.capacity_bytes;
  if (opt.requests == 0) fail("a pattern needs at least 1 request");
  if (footprint < kRequestBytes || footprint > cfg.capacity_bytes)
    fail("footprint " + std::to_string(footprint) + " bytes must be between 64 and the capacity " +
         std::to_string(cfg.capacity_bytes));
  if (!(opt.write_fraction >= 0.0 && opt.write_fraction <= 1.0))
    fail("write fraction " + std::to_string(opt.write_fraction) + " must be between 0 and 1");
  const uint64_t blocks = footprint / kRequestBytes;
  Trace t;
  t.has_cycles = false;
  std::ostringstream origin;
  origin << pattern_name(opt.pattern) << " pattern, " << opt.requests << " requests, footprint "
         << blocks * kRequestBytes << " bytes";
  if (opt.pattern != Pattern::Sequential) origin << ", seed " << opt.seed;
  if (opt.pattern == Pattern::RandomRW) origin << ", write fraction " << opt.write_fraction;
  t.origin = origin.str();
  t.requests.resize(opt.requests);
  std::mt19937_64 rng(opt.seed);
  for (uint64_t i = 0; i < opt.requests; ++i) {
    BenchRequest& r = t.requests[i];
    r.cycle = i;
    if (opt.pattern == Pattern::Sequential) {
      r.address = (i % blocks) * kRequestBytes;
    } else {
      r.address = (rng() % blocks) * kRequestBytes;
      if (opt.pattern == Pattern::RandomRW) r.write = double(rng() >> 11) * 0x1.0p-53 < opt.write_fraction;
    }
  }
  return t;
}

BenchResult run_direct(const DramConfig& cfg, const Trace& trace, const RunOptions& opt) {
  check_inputs(cfg, trace, opt);
  const auto wall0 = std::chrono::steady_clock::now();
  const DramAddressMap map(cfg);
  const uint64_t bb = map.burst_bytes();
  const size_t n = trace.requests.size();
  std::vector<DramChannel> ch;
  ch.reserve(cfg.channels);
  for (uint32_t c = 0; c < cfg.channels; ++c) ch.emplace_back(cfg);

  std::vector<uint64_t> issue(n, 0), accept(n, 0), done(n, 0);
  std::vector<uint32_t> remaining(n, 0);          // bursts not yet done
  size_t next = 0, completed = 0, in_flight = 0;  // in flight: issued, not completed (front end included)
  std::deque<size_t> front;                       // issued, waiting for room in the controller
  // Every channel's completions: a request is done with its last burst.
  const std::function<void(const DramRequest&)> on_done = [&](const DramRequest& r) {
    done[r.id] = std::max(done[r.id], r.done);
    if (--remaining[r.id] == 0) {
      ++completed;
      --in_flight;
    }
  };
  // The front request's bursts [first, last] and how many each channel takes, worked out once
  // per request (need_of): while the controller is full it is retried at every event. `need` is
  // all zero between requests.
  std::vector<uint32_t> need(cfg.channels, 0);
  size_t need_of = SIZE_MAX;
  uint64_t first = 0, last = 0;
  // Admits request i at `now` if every channel it touches has room (as DramController::try_accept).
  auto admit = [&](size_t i, uint64_t now) {
    const BenchRequest& q = trace.requests[i];
    if (need_of != i) {
      first = q.address / bb;
      last = (q.address + kRequestBytes - 1) / bb;
      for (uint64_t b = first; b <= last; ++b) ++need[map.channel(b * bb)];
      need_of = i;
    }
    for (uint32_t c = 0; c < cfg.channels; ++c)
      if (need[c] > ch[c].room(q.write)) return false;
    remaining[i] = uint32_t(last - first + 1);
    accept[i] = now;
    for (uint64_t b = first; b <= last; ++b) {
      const uint32_t c = map.channel(b * bb);
      need[c] = 0;
      DramChannel& dc = ch[c];
      DramRequest r;
      r.id = i;
      r.write = q.write;
      r.loc = map.locate(b * bb);
      r.arrival = std::max(now, dc.now());
      dc.enqueue(r);
    }
    need_of = SIZE_MAX;
    return true;
  };

  uint64_t now = opt.mode == Mode::Open ? open_cycle(trace, 0) : 0;
  while (completed < n) {
    for (uint32_t c = 0; c < cfg.channels; ++c)
      if (ch[c].now() < now) ch[c].run_until(now, on_done);
    if (opt.mode == Mode::Open) {
      for (; next < n && open_cycle(trace, next) <= now; ++next) {
        issue[next] = open_cycle(trace, next);
        front.push_back(next);
        ++in_flight;
      }
    } else {
      for (; next < n && in_flight < opt.outstanding; ++next) {
        issue[next] = now;
        front.push_back(next);
        ++in_flight;
      }
    }
    while (!front.empty() && admit(front.front(), now)) front.pop_front();
    if (completed == n) break;
    uint64_t t = UINT64_MAX;
    if (opt.mode == Mode::Open && next < n) t = open_cycle(trace, next);
    for (DramChannel& dc : ch)
      if (dc.pending()) t = std::min(t, std::max(dc.next_event(), now + 1));
    if (t == UINT64_MAX)
      fail("the channels stalled at cycle " + std::to_string(now) + " with " + std::to_string(n - completed) +
           " requests outstanding");
    now = t;
  }
  std::vector<const DramChannel*> channels;
  for (const DramChannel& dc : ch) channels.push_back(&dc);
  return summarize(cfg, trace, opt, "direct", std::move(issue), std::move(accept), std::move(done), channels,
                   seconds_since(wall0));
}

BenchResult run_tlm(const DramConfig& cfg, const Trace& trace, const RunOptions& opt) {
  static bool ran = false;
  if (ran || sc_core::sc_start_of_simulation_invoked())
    fail("the TLM engine elaborates a SystemC model and can run once per process");
  check_inputs(cfg, trace, opt);
  ran = true;
  init_time_resolution();
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  const auto wall0 = std::chrono::steady_clock::now();
  DramController dram("dram_bench_controller", cfg, sc_core::sc_time(1, sc_core::SC_US));
  TlmInitiator ini("dram_bench_initiator", trace, opt, dram.tck());
  ini.socket.bind(dram.socket);
  sc_core::sc_start();
  if (!ini.error_.empty()) fail(ini.error_);
  if (ini.completed_ != trace.requests.size())
    fail("TLM run: the simulation ran out of events with " + std::to_string(trace.requests.size() - ini.completed_) +
         " requests outstanding");
  std::vector<const DramChannel*> channels;
  for (uint32_t c = 0; c < cfg.channels; ++c) channels.push_back(&dram.channel(c));
  return summarize(cfg, trace, opt, "tlm", std::move(ini.issue_), std::move(ini.accept_), std::move(ini.done_),
                   channels, seconds_since(wall0));
}

LatencySummary summarize_latency(const std::vector<uint64_t>& histogram, double tck_ns) {
  LatencySummary s;
  uint64_t count = 0;
  double sum = 0;
  for (size_t c = 0; c < histogram.size(); ++c) {
    count += histogram[c];
    sum += double(c) * double(histogram[c]);
  }
  if (count == 0) return s;
  s.mean = sum / double(count) * tck_ns;
  // Nearest rank: the smallest c such that at least ceil(p * count) samples are <= c.
  auto percentile = [&](double p) {
    const uint64_t rank = std::max<uint64_t>(1, uint64_t(std::ceil(p * double(count) - 1e-9)));
    uint64_t seen = 0;
    for (size_t c = 0; c < histogram.size(); ++c) {
      seen += histogram[c];
      if (seen >= rank) return double(c) * tck_ns;
    }
    return double(histogram.size() - 1) * tck_ns;
  };
  s.p50 = percentile(0.50);
  s.p90 = percentile(0.90);
  s.p99 = percentile(0.99);
  for (size_t c = histogram.size(); c-- > 0;)
    if (histogram[c]) {
      s.max = double(c) * tck_ns;
      break;
    }
  return s;
}

nlohmann::json to_json(const BenchResult& r) {
  nlohmann::json j;
  j["engine"] = r.engine;
  j["mode"] = r.mode == Mode::Open ? "open" : "closed";
  j["outstanding"] = r.outstanding;
  j["standard"] = r.standard;
  j["channels"] = r.channels;
  j["tck_ns"] = r.tck_ns;
  j["requests"] = r.requests;
  j["reads"] = r.reads;
  j["writes"] = r.writes;
  j["write_fraction"] = r.requests ? double(r.writes) / double(r.requests) : 0.0;
  j["bytes"] = r.bytes;
  j["first_issue_cycle"] = r.first_issue;
  j["last_done_cycle"] = r.last_done;
  j["elapsed_ns"] = double(r.last_done - r.first_issue) * r.tck_ns;
  j["bandwidth_gbs"] = r.bandwidth_gbs;
  j["peak_bandwidth_gbs"] = r.peak_gbs;
  j["percent_of_peak"] = r.percent_of_peak;
  j["read_latency_ns"] = {{"mean", r.read_latency.mean},
                          {"p50", r.read_latency.p50},
                          {"p90", r.read_latency.p90},
                          {"p99", r.read_latency.p99},
                          {"max", r.read_latency.max}};
  j["controller_read_latency_mean_ns"] = r.controller_read_latency_ns;
  j["row_hits"] = r.row_hits;
  j["row_misses"] = r.row_misses;
  j["row_conflicts"] = r.row_conflicts;
  j["row_hit_rate"] = r.row_hit_rate;
  j["row_hit_rate_by_act"] = r.row_hit_rate_by_act;
  j["commands"] = {{"ACT", r.act()}, {"PRE", r.pre()}, {"RD", r.rd()}, {"WR", r.wr()}, {"REF", r.ref()}};
  nlohmann::json raw;
  for (int k = 0; k < kDramCommands; ++k) raw[command_name(DramCommand(k))] = r.commands[k];
  j["commands_raw"] = raw;
  nlohmann::json terms = nlohmann::json::object();
  for (const DramEnergyTerm& t : r.energy)
    terms[t.action] = {{"count", t.count}, {"unit", t.unit}, {"pj_each", t.pj_each}, {"j", t.joules}};
  const double seconds = double(r.last_done) * r.tck_ns * 1e-9;
  j["energy"] = {{"total_j", r.energy_j},
                 {"pj_per_bit", r.pj_per_bit},
                 {"dynamic_pj_per_bit", r.dynamic_pj_per_bit},
                 {"power_w", seconds > 0 ? r.energy_j / seconds : 0.0},
                 {"terms", terms}};
  j["wall_seconds"] = r.wall_seconds;
  j["requests_per_wall_second"] = r.requests_per_wall_second;
  return j;
}

std::string format_text(const BenchResult& r) {
  std::ostringstream o;
  o << std::fixed;
  o << "engine        " << r.engine << ", " << (r.mode == Mode::Open ? "open loop" : "closed loop");
  if (r.mode == Mode::Closed) o << ", " << r.outstanding << " outstanding";
  o << "; " << r.standard << ", " << r.channels << (r.channels == 1 ? " channel" : " channels") << ", tCK "
    << std::setprecision(4) << r.tck_ns << " ns\n";
  o << "requests      " << r.requests << " (" << r.reads << " reads, " << r.writes << " writes; write fraction "
    << std::setprecision(3) << (r.requests ? double(r.writes) / double(r.requests) : 0.0) << "), " << r.bytes
    << " bytes\n";
  o << "time          cycles " << r.first_issue << " .. " << r.last_done << " (" << std::setprecision(1)
    << double(r.last_done - r.first_issue) * r.tck_ns << " ns)\n";
  o << "bandwidth     " << std::setprecision(2) << r.bandwidth_gbs << " GB/s = " << std::setprecision(1)
    << r.percent_of_peak << "% of peak " << std::setprecision(2) << r.peak_gbs << " GB/s\n";
  o << std::setprecision(1);
  o << "read latency  mean " << r.read_latency.mean << " ns, p50 " << r.read_latency.p50 << ", p90 "
    << r.read_latency.p90 << ", p99 " << r.read_latency.p99 << ", max " << r.read_latency.max
    << " ns (from issue; in the controller: mean " << r.controller_read_latency_ns << " ns)\n";
  o << "row buffer    hit rate " << std::setprecision(2) << 100.0 * r.row_hit_rate << "% (hits " << r.row_hits
    << ", misses " << r.row_misses << ", conflicts " << r.row_conflicts
    << "); by commands 1 - ACT/(RD+WR) = " << 100.0 * r.row_hit_rate_by_act << "%\n";
  o << "commands      ACT " << r.act() << ", PRE " << r.pre() << " (RDA " << r.commands[size_t(DramCommand::RDA)]
    << ", WRA " << r.commands[size_t(DramCommand::WRA)] << "), RD " << r.rd() << ", WR " << r.wr() << ", REF "
    << r.ref() << " (REFPB " << r.commands[size_t(DramCommand::REFPB)] << ")\n";
  const double seconds = double(r.last_done) * r.tck_ns * 1e-9;
  o << "energy        " << std::setprecision(3) << r.energy_j * 1e6 << " uJ, " << std::setprecision(1)
    << (seconds > 0 ? r.energy_j / seconds : 0.0) << " W; " << std::setprecision(2) << r.pj_per_bit << " pJ/bit ("
    << r.dynamic_pj_per_bit << " without standby)\n";
  o << "wall          " << std::setprecision(3) << r.wall_seconds << " s, " << std::setprecision(0)
    << r.requests_per_wall_second << " requests/s\n";
  return o.str();
}

}  // namespace tpu::bench
