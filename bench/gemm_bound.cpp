// gemm-bound: the bare-arithmetic bound of issue 6. For a workload (a network manifest or a
// dense-MLP workload, read exactly as tpu-sim reads it) it derives the GEMM of every conv and
// dense layer and times those int8 x int8 -> int32 GEMMs with oneDNN's dnnl_gemm_s8s8s32 (the
// library the analytic MXU uses) on random int8 data of the same shapes:
//   conv:          M = N*P*Q, K = kh*kw*C, N = outputs (an im2col GEMM; the im2col itself is NOT
//                  timed: the bound is the arithmetic alone)
//   network dense: M = samples, K = features, N = outputs
//   dense MLP:     M = samples (all of them, not one batch), K = inputs, N = outputs
// Pooling and element-wise layers are not counted. One pass runs every GEMM once, in layer
// order; passes repeat until --min-seconds have elapsed and the best pass is reported, first with
// OpenMP pinned to 1 thread (as the model pins it) and then with 2 threads.
//
// Usage: gemm-bound [--workload FILE] [--min-seconds S] [--json FILE] [--layers]
// Output: one line of text (and, with --layers, one line per GEMM); --json FILE writes the shapes
// and the timings as one JSON object.
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>
#include <systemc>

#include "manifest/network.h"
#include "manifest/workload.h"

namespace po = boost::program_options;

namespace {
const int kNoBanner = setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);

struct Gemm {
  std::string layer, op;
  int64_t m = 0, k = 0, n = 0;
  uint64_t macs() const { return uint64_t(m) * uint64_t(k) * uint64_t(n); }
};

struct Timing {
  int threads = 1;
  double best_s = 0, total_s = 0;
  int passes = 0;
};

struct Shapes {
  std::string name;
  uint64_t samples = 0;
  std::vector<Gemm> gemms;
};

Shapes shapes_of(const std::string& path) {
  Shapes s;
  if (tpu::is_network_manifest(path)) {
    const tpu::Network net = tpu::load_network(path);
    s.name = net.name;
    s.samples = net.samples;
    for (const tpu::NetworkLayer& l : net.layers) {
      if (l.op == tpu::LayerOp::Conv) {
        s.gemms.push_back({l.name, "conv", int64_t(net.samples) * l.out_shape.h * l.out_shape.w,
                           int64_t(l.kh) * l.kw * l.in_shape.c, int64_t(l.out_shape.c)});
      } else if (l.op == tpu::LayerOp::Dense) {
        s.gemms.push_back({l.name, "dense", int64_t(net.samples), int64_t(l.features), int64_t(l.out_shape.c)});
      }
    }
  } else {
    const tpu::Workload w = tpu::load_workload(path);
    s.name = w.name;
    s.samples = w.samples;
    for (const tpu::DenseLayer& l : w.layers)
      s.gemms.push_back({l.name, "dense", int64_t(w.samples), int64_t(l.inputs), int64_t(l.outputs)});
  }
  return s;
}

// One pass: every GEMM once, C = A (m x k, row major) * B (k x n, row major), no offsets.
void pass(const std::vector<Gemm>& gemms, const int8_t* a, const int8_t* b, int32_t* c) {
  const int32_t no_offset = 0;
  for (const Gemm& g : gemms) {
    const dnnl_status_t st =
        dnnl_gemm_s8s8s32('N', 'N', 'F', g.m, g.n, g.k, 1.0f, a, g.k, 0, b, g.n, 0, 0.0f, c, g.n, &no_offset);
    if (st != dnnl_success) throw std::runtime_error("dnnl_gemm_s8s8s32 failed on layer " + g.layer);
  }
}

Timing time_passes(const std::vector<Gemm>& gemms, int threads, double min_seconds, const int8_t* a, const int8_t* b,
                   int32_t* c) {
  omp_set_num_threads(threads);
  pass(gemms, a, b, c);  // warm-up: oneDNN's JIT kernels, page faults on the buffers
  Timing t;
  t.threads = threads;
  t.best_s = 1e300;
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  do {
    const auto t0 = clock::now();
    pass(gemms, a, b, c);
    const double s = std::chrono::duration<double>(clock::now() - t0).count();
    t.best_s = std::min(t.best_s, s);
    ++t.passes;
    t.total_s = std::chrono::duration<double>(clock::now() - start).count();
  } while (t.total_s < min_seconds);
  return t;
}
}  // namespace

int sc_main(int argc, char** argv) {
  std::string workload_path = std::string(TPU_TLM_SOURCE_DIR) + "/traces/digits/workload.yaml";
  std::string json_path;
  double min_seconds = 0.5;
  bool layers = false;
  po::options_description desc(
      "gemm-bound: times the int8 x int8 -> int32 GEMMs of a workload's conv and dense layers with\n"
      "oneDNN's dnnl_gemm_s8s8s32 (random data, same shapes; im2col not included), best pass of\n"
      "those repeated for --min-seconds, with 1 and with 2 OpenMP threads.\n\nOptions");
  desc.add_options()("help,h", "print this help and exit")(
      "workload,w", po::value(&workload_path)->value_name("FILE"),
      "workload manifest (a dense MLP or a network); default: traces/digits/workload.yaml")(
      "min-seconds", po::value(&min_seconds)->value_name("S"), "repeat passes until S seconds elapsed (default 0.5)")(
      "json", po::value(&json_path)->value_name("FILE"), "write shapes and timings as JSON")(
      "layers", po::bool_switch(&layers), "also print one line per GEMM (shape, MACs)");
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(desc).positional({}).run(), vm);
    if (vm.count("help")) {
      std::cout << desc;
      return 0;
    }
    po::notify(vm);
    if (!(min_seconds >= 0 && min_seconds <= 3600)) throw po::error("--min-seconds must be between 0 and 3600");
  } catch (const po::error& e) {
    std::cerr << "gemm-bound: " << e.what() << "\nTry 'gemm-bound --help'.\n";
    return 2;
  }

  try {
    const Shapes s = shapes_of(workload_path);
    if (s.gemms.empty()) throw std::runtime_error(workload_path + ": no conv or dense layers");
    uint64_t macs = 0;
    size_t a_size = 0, b_size = 0, c_size = 0;
    for (const Gemm& g : s.gemms) {
      macs += g.macs();
      a_size = std::max(a_size, size_t(g.m * g.k));
      b_size = std::max(b_size, size_t(g.k * g.n));
      c_size = std::max(c_size, size_t(g.m * g.n));
    }
    // One buffer per operand, sized for the largest layer, filled with random int8 values (the
    // values do not change oneDNN's speed; the shapes do).
    std::vector<int8_t> a(a_size), b(b_size);
    std::vector<int32_t> c(c_size);
    std::mt19937 rng(1);
    std::uniform_int_distribution<int> dist(-127, 127);
    for (int8_t& v : a) v = int8_t(dist(rng));
    for (int8_t& v : b) v = int8_t(dist(rng));

    std::vector<Timing> timings;
    for (int threads : {1, 2})
      timings.push_back(time_passes(s.gemms, threads, min_seconds, a.data(), b.data(), c.data()));
    omp_set_num_threads(1);

    if (layers)
      for (const Gemm& g : s.gemms)
        std::cout << "  " << std::left << std::setw(24) << g.layer << std::setw(6) << g.op << " M " << std::setw(7)
                  << g.m << " K " << std::setw(6) << g.k << " N " << std::setw(6) << g.n << " " << g.macs()
                  << " MACs\n";
    std::ostringstream line;
    line << std::fixed << "gemm-bound " << s.name << ": " << s.gemms.size() << " GEMMs, " << std::setprecision(3)
         << double(macs) * 1e-9 << " GMAC (im2col not included)";
    for (const Timing& t : timings)
      line << "; " << t.threads << (t.threads == 1 ? " thread " : " threads ") << std::setprecision(4) << t.best_s
           << " s (" << std::setprecision(1) << double(macs) / t.best_s * 1e-9 << " GMAC/s, best of " << t.passes
           << ")";
    std::cout << line.str() << "\n";

    if (!json_path.empty()) {
      nlohmann::json j;
      j["workload"] = {{"file", workload_path}, {"name", s.name}, {"samples", s.samples}};
      j["macs"] = macs;
      j["library"] = "oneDNN dnnl_gemm_s8s8s32";
      j["im2col_included"] = false;
      j["min_seconds"] = min_seconds;
      for (const Gemm& g : s.gemms)
        j["gemms"].push_back(
            {{"layer", g.layer}, {"op", g.op}, {"m", g.m}, {"k", g.k}, {"n", g.n}, {"macs", g.macs()}});
      for (const Timing& t : timings)
        j["timings"].push_back({{"threads", t.threads},
                                {"best_seconds", t.best_s},
                                {"gmac_per_s", double(macs) / t.best_s * 1e-9},
                                {"passes", t.passes}});
      std::ofstream f(json_path);
      f << j.dump(2) << "\n";
      if (!f) throw std::runtime_error(json_path + ": cannot write");
    }
    return 0;
  } catch (const sc_core::sc_report& e) {
    std::cerr << "gemm-bound: error: " << e.get_msg() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "gemm-bound: error: " << e.what() << "\n";
  }
  return 1;
}
