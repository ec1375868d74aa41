// tpu-sim: runs a workload on a TPU config and reports time, throughput, traffic and accuracy;
// or runs a program written by hand (--program, docs/isa.md) on images given as files.
//
// Exit status: 0 success; 1 error (bad file, model error, deadlock); 2 bad command line;
// 3 the outputs differ from the workload's golden data.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>

#include <boost/program_options.hpp>
#include <systemc>

#include "config/config.h"
#include "config/yaml_section.h"
#include "manifest/network.h"
#include "manifest/workload.h"
#include "runtime/simulation.h"
#include "runtime/user_program.h"

namespace po = boost::program_options;

namespace {
// SystemC prints its copyright banner before sc_main() runs unless this is set; in a tool's
// output it is noise. A static initializer runs before SystemC's main().
const int kNoBanner = setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
}  // namespace

int sc_main(int argc, char** argv) {
  const std::string root = TPU_TLM_SOURCE_DIR;
  std::string config_path = root + "/configs/tpu_v1.yaml";
  std::string workload_path = root + "/traces/digits/workload.yaml";
  std::string stats_path, program_path;
  tpu::RunOptions opt;
  int64_t batch = 0;
  bool quiet = false, layers = false;
  tpu::ProgramSpec user;
  std::vector<std::string> host_images, weight_images, read_backs;

  po::options_description desc(
      "tpu-sim: a SystemC/TLM-2.0 model of the TPU v1 running an int8 workload: a dense MLP or a network\n"
      "of convolutions, dense layers, pooling and element-wise vector work (format: network).\n"
      "With no options it runs the scikit-learn digits MLP (all 1,797 digits) on configs/tpu_v1.yaml.\n\n"
      "Options");
  desc.add_options()("help,h", "print this help and exit")("config,c", po::value(&config_path)->value_name("FILE"),
                                                           "architecture config (YAML); default: configs/tpu_v1.yaml")(
      "workload,w", po::value(&workload_path)->value_name("FILE"),
      "workload manifest (YAML): a dense MLP or a network; default: traces/digits/workload.yaml")(
      "batch,b", po::value(&batch)->value_name("N"),
      "dense MLPs: samples per MatrixMultiply, >= 1; default: the workload's batch (networks run "
      "their samples as one batch)")("layers", po::bool_switch(&layers),
                                     "print a per-layer table (networks): cycles, MACs, TOPS, "
                                     "utilization, MACs per weight byte, DRAM bytes, Table 3 split")(
      "stats,s", po::value(&stats_path)->value_name("FILE"),
      "write every counter, the golden mismatch count and the accuracies as JSON")(
      "vcd,v", po::value(&opt.vcd_path)->value_name("FILE"),
      "write a VCD trace (per-unit busy/stall state and opcode, weight FIFO occupancy, MXU Table 3 "
      "category, bytes per window on PCIe and each DRAM channel); off by default")(
      "power-csv", po::value(&opt.power_csv)->value_name("FILE"),
      "write the power per bandwidth window as CSV (W: die, dynamic, static, DRAM, total, per block)")(
      "power-vcd", po::value(&opt.power_vcd)->value_name("FILE"),
      "write the power per bandwidth window as a VCD of its own (power.*_mw, milliwatts)")(
      "window-ns", po::value(&opt.window_ns)->value_name("NS"),
      "bandwidth-counter window in ns, 10 .. 1e9 (default 1000)")(
      "dump-program", po::value(&program_path)->value_name("FILE"), "write the lowered program as assembly text")(
      "no-dmi",
      "the Unified Buffer and accumulators refuse TLM-2.0 DMI: the MXU reads and writes "
      "them by b_transport (same results and counters, slower; checks those paths)")("quiet,q", po::bool_switch(&quiet),
                                                                                     "print nothing but errors")(
      "program,p", po::value(&user.program_path)->value_name("FILE"),
      "run a program written by hand instead of a workload: assembly text (docs/isa.md), or a binary "
      "image of 12-byte instructions when FILE ends in .bin")(
      "host-image", po::value(&host_images)->value_name("FILE[@ADDR]"),
      "--program: put FILE's bytes in host memory at byte ADDR (default 0); repeatable")(
      "weight-image", po::value(&weight_images)->value_name("FILE[@ADDR]"),
      "--program: put FILE's bytes in the weight memory at byte ADDR (default 0); repeatable")(
      "read-back", po::value(&read_backs)->value_name("ADDR:BYTES:FILE"),
      "--program: after Halt, write BYTES bytes of host memory from ADDR to FILE; repeatable");

  try {
    po::variables_map vm;
    // No positional arguments: a bare word is a mistake (e.g. a config path without --config).
    po::store(po::command_line_parser(argc, argv).options(desc).positional({}).run(), vm);
    if (vm.count("help")) {
      std::cout << desc << "\nExit status: 0 success, 1 error, 2 bad command line, 3 golden mismatches.\n";
      return 0;
    }
    po::notify(vm);
    opt.dmi = vm.count("no-dmi") == 0;
    if (!(opt.window_ns >= 10 && opt.window_ns <= 1e9)) throw po::error("--window-ns must be between 10 and 1e9");
    if (vm.count("batch") && (batch < 1 || batch > int64_t(UINT32_MAX)))
      throw po::error("--batch must be between 1 and " + std::to_string(UINT32_MAX));
    opt.batch = uint32_t(batch);
    // --program replaces the workload; the image options belong to it.
    if (vm.count("program")) {
      for (const char* o : {"workload", "batch", "layers"})
        if (vm.count(o) && !vm[o].defaulted())
          throw po::error(std::string("--") + o + " cannot be combined with --program");
      for (const auto& a : host_images) user.host_images.push_back(tpu::parse_image_arg(a, "--host-image"));
      for (const auto& a : weight_images) user.weight_images.push_back(tpu::parse_image_arg(a, "--weight-image"));
      for (const auto& a : read_backs) user.read_backs.push_back(tpu::parse_read_back_arg(a, "--read-back"));
    } else if (!host_images.empty() || !weight_images.empty() || !read_backs.empty()) {
      throw po::error("--host-image, --weight-image and --read-back need --program");
    }
  } catch (const std::logic_error& e) {  // po::error, and std::invalid_argument from the parsers
    std::cerr << "tpu-sim: " << e.what() << "\nTry 'tpu-sim --help'.\n";
    return 2;
  }

  try {
    tpu::init_time_resolution();
    const auto wall0 = std::chrono::steady_clock::now();
    const tpu::ArchConfig cfg = tpu::load_config(config_path);
    tpu::RunResult r;
    std::string name, text;
    auto since = [](std::chrono::steady_clock::time_point t) {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    };
    // The same steps for either kind of workload (tpu::Network or tpu::Workload).
    auto run = [&](const auto& workload) {
      const double load = since(wall0);
      r = tpu::run_simulation(cfg, workload, opt);
      r.wall.load = load;
      name = workload.name;
      text = tpu::summary(cfg, workload, r);
    };
    if (!user.program_path.empty()) {
      const tpu::UserProgram prog = tpu::load_user_program(user, cfg);
      const double load = since(wall0);
      r = tpu::run_program(cfg, prog, opt);
      r.wall.load = load;
      name = prog.name;
      text = tpu::program_summary(cfg, prog, r);
    } else {
      const YAML::Node manifest = tpu::load_yaml_document("tpu/workload", workload_path, "workload manifest");
      if (tpu::is_network_manifest(manifest)) run(tpu::load_network(workload_path, manifest));
      else run(tpu::load_workload(workload_path, manifest));
    }
    const double wall = since(wall0);
    if (!program_path.empty()) {
      std::ofstream f(program_path);
      f << "# " << name << " on " << cfg.name << ", batch " << r.lowered.batch << "\n"
        << tpu::disassemble_program(r.lowered.program);
      if (!f) throw std::runtime_error(program_path + ": cannot write the program");
    }
    if (!stats_path.empty()) tpu::write_json_file(stats_path, r.stats);
    if (!quiet) {
      if (layers) std::cout << tpu::layer_table(r);
      std::cout << text << "wall      " << std::fixed << std::setprecision(3) << wall << " s (load " << r.wall.load
                << ", lower " << r.wall.lower << ", elaborate " << r.wall.elaborate << ", simulate " << r.wall.simulate
                << ", finish " << r.wall.finish << ")\n";
    }
    if (r.mismatches) {
      std::cerr << "tpu-sim: " << r.mismatches << " of " << r.compared << " outputs differ from the golden data\n";
      return 3;
    }
    return 0;
  } catch (const sc_core::sc_report& e) {
    std::cerr << "tpu-sim: error: " << e.get_msg() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "tpu-sim: error: " << e.what() << "\n";
  }
  return 1;
}
