// dram-bench: a trace-driven benchmark of the weight-memory controller (the JEDEC DRAM model)
// alone. Reports bandwidth, read latency, row-buffer outcomes and command counts.
//
// Exit status: 0 success; 1 error (bad file, bad config, model error); 2 bad command line.
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <string>

#include <boost/program_options.hpp>
#include <systemc>

#include "config/config.h"
#include "dram_bench/dram_bench.h"

namespace po = boost::program_options;

namespace {
// SystemC prints its copyright banner before sc_main() runs unless this is set; in a tool's
// output it is noise (and would break --json). A static initializer runs before SystemC's main().
const int kNoBanner = setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);

// A non-negative integer option: decimal or 0x hexadecimal, no sign, no trailing characters.
uint64_t parse_count(const std::string& text, const std::string& option) {
  const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const std::string digits = hex ? text.substr(2) : text;
  uint64_t v = 0;
  const uint64_t base = hex ? 16 : 10;
  if (digits.empty()) throw po::error("--" + option + " must be a non-negative integer, got '" + text + "'");
  for (char c : digits) {
    uint64_t d;
    if (c >= '0' && c <= '9') d = uint64_t(c - '0');
    else if (hex && c >= 'a' && c <= 'f') d = uint64_t(c - 'a' + 10);
    else if (hex && c >= 'A' && c <= 'F') d = uint64_t(c - 'A' + 10);
    else throw po::error("--" + option + " must be a non-negative integer, got '" + text + "'");
    if (v > (UINT64_MAX - d) / base) throw po::error("--" + option + " is too large: '" + text + "'");
    v = v * base + d;
  }
  return v;
}

// A finite real number; the whole text must be the number.
double parse_real(const std::string& text, const std::string& option) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(v))
    throw po::error("--" + option + " must be a number, got '" + text + "'");
  return v;
}
}  // namespace

int sc_main(int argc, char** argv) {
  std::string config_path, trace_path, pattern, mode = "closed";
  std::string requests_text = "100000", write_fraction_text = "0.5", seed_text = "1", footprint_text, outstanding_text;
  bool tlm = false, json = false;

  po::options_description desc(
      "dram-bench: a trace-driven benchmark of the TPU's weight-memory controller alone (the jedec\n"
      "DRAM model: one controller per channel with banks, rows, JEDEC timing, refresh and FR-FCFS).\n"
      "It reports achieved bandwidth (GB/s, bytes from the first issue to the last completion) and\n"
      "its share of the config's peak, read latency in ns (mean, p50, p90, p99, max: from issue to\n"
      "the last data beat, including time queued in front of a full controller), the row-buffer hit\n"
      "rate, row misses and conflicts, command counts (PRE includes RDA/WRA auto-precharges, RD/WR\n"
      "include RDA/WRA, REF includes REFPB) and simulated requests per wall-clock second.\n\n"
      "Usage: dram-bench --config FILE (--trace FILE | --pattern NAME [--requests N ...]) [options]\n\n"
      "Options");
  desc.add_options()("help,h", "print this help and exit")(
      "config,c", po::value(&config_path)->value_name("FILE"),
      "required: a config YAML (e.g. configs/dram/ddr3_1600.yaml, configs/dram/ddr3_2133.yaml, "
      "configs/dram/hbm2.yaml, or a whole-chip config such as configs/tpu_v1.yaml); only its dram "
      "section is used, and it must be the jedec model")("trace,t", po::value(&trace_path)->value_name("FILE"),
                                                         "request trace (format below)")(
      "pattern,p", po::value(&pattern)->value_name("NAME"),
      "generated stream instead of a trace: sequential (reads of consecutive 64-byte blocks from "
      "address 0), random (reads of uniformly random 64-byte blocks), random_rw (random, each a "
      "write with probability --write-fraction)")("requests,n", po::value(&requests_text)->value_name("N"),
                                                  "--pattern: number of requests, >= 1 (default 100000)")(
      "write-fraction", po::value(&write_fraction_text)->value_name("F"),
      "--pattern random_rw: probability of a write, 0 .. 1 (default 0.5)")(
      "seed", po::value(&seed_text)->value_name("S"), "--pattern random, random_rw: generator seed (default 1)")(
      "footprint", po::value(&footprint_text)->value_name("BYTES"),
      "--pattern: address range [0, BYTES) in bytes, 64 .. capacity (default: the whole capacity); "
      "sequential wraps around at it")(
      "mode,m", po::value(&mode)->value_name("open|closed"),
      "open: issue each request at its trace cycle (back to back, one per cycle, for traces without "
      "cycles and patterns); requests wait in an unbounded front-end queue while the controller's "
      "queue is full.  closed: at most --outstanding requests in flight, the next issued in the cycle "
      "one completes (trace cycles are ignored).  Default: closed")(
      "outstanding,o", po::value(&outstanding_text)->value_name("N"),
      "--mode closed: requests in flight, >= 1 (default 64; 1 measures unloaded latency)")(
      "tlm", po::bool_switch(&tlm),
      "run the stream through the SystemC DramController with the four-phase TLM-2.0 base protocol "
      "(BEGIN_REQ, END_REQ, BEGIN_RESP, END_RESP) instead of driving the channels directly; the same "
      "metrics, slower. The controller stores written data (2 MiB pages), so write-heavy random "
      "streams over a large footprint use much host memory")("json", po::bool_switch(&json),
                                                             "print the report as exactly one JSON object");

  const char* const epilog =
      "\nTrace format: one request per line, either\n"
      "  0xADDRESS READ|WRITE CYCLE   issued at CYCLE (decimal, DRAM clock cycles tCK; non-decreasing)\n"
      "  0xADDRESS R|W                no cycle (open loop issues one per cycle)\n"
      "Addresses are hexadecimal byte addresses below the capacity, aligned down to 64 bytes; every\n"
      "request moves 64 bytes (64 / burst bytes bursts when bursts are smaller). Command words may be\n"
      "READ, WRITE, R or W in any case; all lines of a trace use one format. '#' starts a comment;\n"
      "blank lines are skipped; any other line is an error naming the file and line.\n"
      "Example:\n"
      "  # addr   cmd   cycle\n"
      "  0x0      READ  0\n"
      "  0x40     WRITE 4\n"
      "\nExit status: 0 success, 1 error (bad file, config or trace), 2 bad command line.\n";

  tpu::bench::RunOptions run;
  tpu::bench::PatternOptions gen;
  po::variables_map vm;
  try {
    // No positional arguments: a bare word (a config path without --config) is a mistake.
    po::store(po::command_line_parser(argc, argv).options(desc).positional({}).run(), vm);
    if (vm.count("help")) {
      std::cout << desc << epilog;
      return 0;
    }
    po::notify(vm);
    if (config_path.empty()) throw po::error("--config FILE is required");
    if (vm.count("trace") == vm.count("pattern")) throw po::error("give either --trace FILE or --pattern NAME");
    for (const char* o : {"requests", "write-fraction", "seed", "footprint"})
      if (vm.count(o) && vm.count("trace")) throw po::error(std::string("--") + o + " applies to --pattern only");
    if (vm.count("pattern")) {
      if (pattern != "sequential" && pattern != "random" && pattern != "random_rw")
        throw po::error("--pattern must be sequential, random or random_rw, got '" + pattern + "'");
      gen.pattern = tpu::bench::parse_pattern(pattern);
      gen.requests = parse_count(requests_text, "requests");
      if (gen.requests == 0) throw po::error("--requests must be at least 1");
      gen.seed = parse_count(seed_text, "seed");
      gen.write_fraction = parse_real(write_fraction_text, "write-fraction");
      if (!(gen.write_fraction >= 0 && gen.write_fraction <= 1))
        throw po::error("--write-fraction must be between 0 and 1");
      if (vm.count("write-fraction") && gen.pattern != tpu::bench::Pattern::RandomRW)
        throw po::error("--write-fraction applies to --pattern random_rw only");
      if (vm.count("seed") && gen.pattern == tpu::bench::Pattern::Sequential)
        throw po::error("--seed applies to --pattern random and random_rw only");
      if (vm.count("footprint")) {
        gen.footprint = parse_count(footprint_text, "footprint");
        if (gen.footprint < 64) throw po::error("--footprint must be at least 64 bytes");
      }
    }
    if (mode == "open") {
      run.mode = tpu::bench::Mode::Open;
      if (vm.count("outstanding")) throw po::error("--outstanding applies to --mode closed only");
    } else if (mode == "closed") {
      run.mode = tpu::bench::Mode::Closed;
      if (vm.count("outstanding")) {
        const uint64_t n = parse_count(outstanding_text, "outstanding");
        if (n < 1 || n > UINT32_MAX)
          throw po::error("--outstanding must be between 1 and " + std::to_string(UINT32_MAX));
        run.outstanding = uint32_t(n);
      }
    } else {
      throw po::error("--mode must be open or closed, got '" + mode + "'");
    }
  } catch (const po::error& e) {
    std::cerr << "dram-bench: " << e.what() << "\nTry 'dram-bench --help'.\n";
    return 2;
  }

  try {
    tpu::init_time_resolution();
    const tpu::ArchConfig cfg = tpu::load_config(config_path);
    if (cfg.dram.model != tpu::DramModel::Jedec)
      throw std::runtime_error(config_path + ": dram.model is '" + std::string(tpu::to_string(cfg.dram.model)) +
                               "'; dram-bench needs the jedec model");
    if (gen.footprint > cfg.dram.capacity_bytes) {
      std::cerr << "dram-bench: --footprint " << gen.footprint << " exceeds the capacity of " << config_path << " ("
                << cfg.dram.capacity_bytes << " bytes)\nTry 'dram-bench --help'.\n";
      return 2;
    }
    const tpu::bench::Trace trace =
        vm.count("trace") ? tpu::bench::load_trace(trace_path) : tpu::bench::generate_pattern(gen, cfg.dram);
    const tpu::bench::BenchResult r =
        tlm ? tpu::bench::run_tlm(cfg.dram, trace, run) : tpu::bench::run_direct(cfg.dram, trace, run);
    if (json) {
      nlohmann::json j = tpu::bench::to_json(r);
      j["config"] = config_path;
      j["workload"] = trace.origin;
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << "config        " << config_path << "\n"
                << "workload      " << trace.origin << "\n"
                << tpu::bench::format_text(r);
    }
    return 0;
  } catch (const sc_core::sc_report& e) {
    std::cerr << "dram-bench: error: " << e.get_msg() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "dram-bench: error: " << e.what() << "\n";
  }
  return 1;
}
