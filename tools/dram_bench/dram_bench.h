// dram-bench's reusable part: request traces (parsed or generated), two engines that run them
// through the JEDEC weight-memory controller alone, and the metrics they report.
//
// Units: cycles are DRAM clock cycles tCK (DramConfig::tck_seconds()); times in ns; sizes in
// bytes; bandwidths in GB/s (1e9 bytes per second). Errors are raised as SC_REPORT_ERROR with
// message type "tpu/dram-bench" (an sc_core::sc_report is thrown), or "tpu/config" from
// load_config.
#pragma once

#include <array>
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "energy/dram_energy.h"

#include "config/config.h"
#include "dram/dram_channel.h"

namespace tpu::bench {

/// Bytes of one benchmark request. A request is aligned down to this size and spans
/// ceil(64 / burst_bytes) bursts (one with the 64-byte bursts of every preset).
constexpr uint64_t kRequestBytes = 64;

/// One request of a stream.
struct BenchRequest {
  uint64_t address = 0;  ///< byte address, a multiple of kRequestBytes
  bool write = false;
  uint64_t cycle = 0;  ///< open-loop issue cycle in tCK (traces with cycles; else the index)
  uint32_t line = 0;   ///< 1-based line in the trace file (0: generated)
};

/// A request stream.
struct Trace {
  std::vector<BenchRequest> requests;
  /// True when every request carries an issue cycle (format `0xADDR READ|WRITE CYCLE`); the
  /// cycles are then non-decreasing. False: no cycles (`0xADDR R|W`, or a generated pattern).
  bool has_cycles = false;
  std::string origin;  ///< file name or pattern description, used in messages and reports
};

/// Parses a trace from `in`; `origin` names it in errors. Each line is one of
///   `0xADDRESS READ|WRITE CYCLE`  open-loop issue at CYCLE (decimal, tCK; non-decreasing)
///   `0xADDRESS R|W`               no cycle
/// with the address in hexadecimal (0x prefix; aligned down to 64 bytes) and the command word
/// in either spelling (READ/WRITE/R/W, any case). A `#` starts a comment that runs to the end
/// of the line; blank lines are skipped. All request lines of one trace use the same format
/// (all with cycles or none). Raises "tpu/dram-bench" naming `origin:LINE` for any other line,
/// a mix of the two formats, a decreasing cycle, or a trace without requests.
Trace parse_trace(std::istream& in, const std::string& origin);

/// parse_trace() of the file at `path`; raises "tpu/dram-bench" if it cannot be opened.
Trace load_trace(const std::string& path);

/// Synthetic streams (no cycles: open loop issues them one per cycle).
enum class Pattern : uint8_t {
  Sequential,  ///< reads of consecutive 64-byte blocks from address 0, wrapping at the footprint
  Random,      ///< reads of uniformly random 64-byte blocks in [0, footprint)
  RandomRW     ///< like Random, each request a write with probability write_fraction
};

/// Parameters of a generated stream.
struct PatternOptions {
  Pattern pattern = Pattern::Sequential;
  uint64_t requests = 100000;   ///< number of requests, >= 1
  double write_fraction = 0.5;  ///< RandomRW only: probability of a write, 0 .. 1
  uint64_t seed = 1;            ///< seed of the mt19937_64 generator (Random, RandomRW)
  uint64_t footprint = 0;       ///< address range in bytes, >= 64; 0: the config's capacity
};

/// "sequential", "random" or "random_rw"; raises "tpu/dram-bench" for any other name.
Pattern parse_pattern(const std::string& name);
/// The name parse_pattern() accepts for `p`.
const char* pattern_name(Pattern p);

/// Generates a stream for `cfg` (its capacity_bytes bounds the footprint). Deterministic for a
/// given seed. Raises "tpu/dram-bench" if requests is 0, the footprint is below 64 bytes or
/// above the capacity, or write_fraction is outside [0, 1].
Trace generate_pattern(const PatternOptions& opt, const DramConfig& cfg);

/// How requests are issued.
enum class Mode : uint8_t {
  Open,   ///< each at its trace cycle (or one per cycle from 0 when the trace has none)
  Closed  ///< at most `outstanding` in flight; the next issues in the cycle one completes
};

/// Engine options.
struct RunOptions {
  Mode mode = Mode::Closed;
  uint32_t outstanding = 64;  ///< Closed: requests in flight, >= 1 (1 measures unloaded latency)
};

/// Summary of a latency distribution (reads only), in ns; zero when there are no reads.
struct LatencySummary {
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;
};

/// What a run measured. Request latency runs from the request's issue (its trace cycle in
/// open loop, the cycle a slot freed in closed loop) to the cycle after its last data beat, so
/// it includes time spent in the front-end queue while the controller's queue was full.
/// Row-buffer outcomes and commands are counted per burst, summed over channels.
struct BenchResult {
  std::string engine;  ///< "direct" or "tlm"
  Mode mode = Mode::Closed;
  uint32_t outstanding = 0;  ///< Closed mode's limit (0 in open mode)
  std::string standard;      ///< "DDR3" / "HBM2"
  uint32_t channels = 0;
  double tck_ns = 0;  ///< DRAM clock period
  uint64_t requests = 0, reads = 0, writes = 0;
  uint64_t bytes = 0;                     ///< requests * 64
  uint64_t first_issue = 0;               ///< cycle of the first issue
  uint64_t last_done = 0;                 ///< cycle the last request completed
  double bandwidth_gbs = 0;               ///< bytes / ((last_done - first_issue) * tCK)
  double peak_gbs = 0;                    ///< channels * data_rate * bus width / 8
  double percent_of_peak = 0;             ///< 100 * bandwidth_gbs / peak_gbs
  LatencySummary read_latency;            ///< issue to completion, ns; percentiles by nearest rank
  double controller_read_latency_ns = 0;  ///< mean of (done - arrival at the channel), ns
  uint64_t row_hits = 0, row_misses = 0, row_conflicts = 0;
  double row_hit_rate = 0;  ///< hits / (hits + misses + conflicts); 0 when none
  /// Cross-check from the commands: 1 - ACT / (RD + WR + RDA + WRA), the share of column
  /// commands that needed no ACT of their own (DramChannel classifies a request's outcome when
  /// the scheduler first examines it, so requests queued behind one ACT to a closed bank all
  /// count as misses; this ratio counts that ACT once). Clamped to [0, 1]; 0 when no columns.
  double row_hit_rate_by_act = 0;
  /// Commands by DramCommand (ACT, PRE, RD, WR, RDA, WRA, REF, REFPB), summed over channels.
  std::array<uint64_t, kDramCommands> commands{};
  /// The devices' energy over cycles 0 .. last_done from each channel's commands, the DRAMPower
  /// way from the preset's IDD currents, or its flat pJ/bit (energy/dram_energy.h).
  std::vector<DramEnergyTerm> energy;
  double energy_j = 0;            ///< sum of `energy`, J
  double pj_per_bit = 0;          ///< energy_j / (bytes x 8), pJ per bit moved (0 without bytes)
  double dynamic_pj_per_bit = 0;  ///< the same without the background (standby) terms
  double wall_seconds = 0;        ///< host time of the engine run
  double requests_per_wall_second = 0;
  /// Per request, in stream order: issue cycle, cycle its bursts entered the channels (END_REQ
  /// in the TLM engine) and completion cycle (tCK).
  std::vector<uint64_t> issue_cycle, accept_cycle, done_cycle;
  /// [c] = reads whose latency (issue to completion) was exactly c cycles.
  std::vector<uint64_t> read_latency_histogram;

  uint64_t act() const { return commands[size_t(DramCommand::ACT)]; }
  /// Precharges: explicit PRE plus the auto-precharges of RDA and WRA.
  uint64_t pre() const;
  /// Column reads: RD + RDA.
  uint64_t rd() const;
  /// Column writes: WR + WRA.
  uint64_t wr() const;
  /// Refreshes: REF + REFPB.
  uint64_t ref() const;
};

/// Runs `trace` on DramChannel objects directly (one per channel, bursts routed by
/// DramAddressMap), as a plain C++ event loop without SystemC. Requests are issued in stream
/// order: each waits in an unbounded front-end FIFO until every channel it touches can accept
/// (head-of-line, as an initiator of the base protocol that waits for END_REQ), and then
/// enters its channels at that cycle. Raises "tpu/dram-bench" if the config is not the jedec
/// model, an address is beyond the capacity, `outstanding` is 0, or the channels stall.
BenchResult run_direct(const DramConfig& cfg, const Trace& trace, const RunOptions& opt);

/// Runs the same stream through a DramController (SystemC, TLM-2.0) with the four-phase
/// base protocol: an initiator with a memory-managed payload pool sends BEGIN_REQ (one at a
/// time: the next after END_REQ), takes BEGIN_RESP and answers END_RESP. Issue and completion
/// cycles are the simulated times of BEGIN_REQ's decision and of BEGIN_RESP; with the
/// controller's one response in flight per initiator and zero-delay phases they equal the
/// direct engine's. Elaborates and simulates, so it can run once per process; raises
/// "tpu/dram-bench" on a second call, on the errors of run_direct, or on an error response.
/// Writes are stored functionally by the controller (2 MiB pages on first write).
BenchResult run_tlm(const DramConfig& cfg, const Trace& trace, const RunOptions& opt);

/// The result as one JSON object: engine, mode, outstanding, standard, channels, tck_ns,
/// requests, reads, writes, write_fraction, bytes, first_issue_cycle, last_done_cycle,
/// elapsed_ns, bandwidth_gbs, peak_bandwidth_gbs, percent_of_peak, read_latency_ns {mean, p50,
/// p90, p99, max}, controller_read_latency_mean_ns, row_hits, row_misses, row_conflicts,
/// row_hit_rate, row_hit_rate_by_act, commands {ACT, PRE, RD, WR, REF} (combined as in BenchResult), commands_raw
/// {ACT, PRE, RD, WR, RDA, WRA, REF, REFPB}, energy {total_j, pj_per_bit, dynamic_pj_per_bit,
/// power_w, terms {name: {count, unit, pj_each, j}}}, wall_seconds, requests_per_wall_second.
nlohmann::json to_json(const BenchResult& r);

/// The result as a human-readable report (several lines, each ending in '\n').
std::string format_text(const BenchResult& r);

/// Latency summary (ns) of a histogram of cycles ([c] = samples of c cycles), cycle length
/// `tck_ns`; percentiles by nearest rank (the smallest c with at least p% of samples <= c).
LatencySummary summarize_latency(const std::vector<uint64_t>& histogram, double tck_ns);

}  // namespace tpu::bench
