// One simulation run: the chip, the host, optional VCD, and the results. Used by tpu-sim and
// by the end-to-end tests, so both exercise the same path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "lowering/lowering.h"
#include "manifest/network.h"
#include "manifest/workload.h"
#include "runtime/user_program.h"

namespace tpu {

/// What to run and what to write.
struct RunOptions {
  uint32_t batch = 0;         ///< dense MLPs: samples per MatrixMultiply; 0: the workload's batch
                              ///< (networks run all their samples as one batch)
  std::string vcd_path;       ///< write a VCD here ("" for none)
  double window_ns = 1000.0;  ///< bandwidth-counter window in ns
  bool dmi = true;            ///< the on-chip memories grant TLM-2.0 DMI (false: every access by
                              ///< b_transport; same results and counters, slower)
  std::string power_csv;      ///< write power per window as CSV here ("" for none; energy/power.h)
  std::string power_vcd;      ///< write power per window as a VCD here ("" for none)
};

/// Wall-clock seconds of the phases of a run (not simulated time; they vary from run to run and
/// appear in the printed summary only, never in --stats or the VCD).
struct WallTimes {
  double load = 0;       ///< reading the config and the workload, generating seeded data (tpu-sim's main)
  double lower = 0;      ///< lowering to a program and its host-memory image
  double elaborate = 0;  ///< building the chip and host modules, VCD declarations
  double simulate = 0;   ///< sc_start(): the timing model, the functional model and the kernel
  double finish = 0;     ///< closing the VCD, reading the outputs, the golden check and the counters
};

/// A workload of either kind, as run_simulation and summary take it (converts from both; the
/// workload must outlive the call). A dense MLP is lowered as the network of its dense layers
/// (dense_network) under dense_mlp_policy(opt.batch), a network under network_policy.
struct RunInput {
  RunInput(const Workload& w) : mlp(&w) {}  // NOLINT(google-explicit-constructor): either kind converts
  RunInput(const Network& n) : net(&n) {}   // NOLINT(google-explicit-constructor)
  const Workload* mlp = nullptr;            ///< a dense MLP, or null
  const Network* net = nullptr;             ///< a network, or null
};

/// Results of a run (times in cycles of the core clock unless named otherwise).
struct RunResult {
  LoweredProgram lowered;
  std::vector<int8_t> outputs;            ///< samples x outputs (networks: N x P x Q x M, NHWC)
  uint64_t compared = 0, mismatches = 0;  ///< golden values compared / differing (0 if no golden)
  std::optional<double> int8_accuracy;    ///< top-1 accuracy of the simulated outputs (with labels)
  uint64_t run_cycles = 0;                ///< START to Halt
  double run_seconds = 0;                 ///< the same in simulated seconds
  double total_seconds = 0;               ///< simulated time including the program load
  double tops = 0;                        ///< useful MACs x 2 / run_seconds / 1e12
  double mxu_utilization = 0;             ///< useful MACs / (rows x cols x run_cycles)
  nlohmann::json stats;                   ///< every counter (see stats_json())
  WallTimes wall;                         ///< wall-clock seconds per phase (load: set by the caller)
};

/// Stats also get "energy" (energy/energy.h: energy_json(), with "power": power_json() of the
/// metered windows of opt.window_ns (energy/power.h: power_windows()) and "late_charges",
/// "late_dram_commands", what the VCD's power trace missed (PowerTrace; 0 without a VCD)),
/// written per window to opt.power_csv / opt.power_vcd if set. The DRAM's background energy uses
/// the channels' bank-open cycles over the run (dram_background()). With a VCD the power per
/// window is also in it (PowerTrace: power.*, at each window's end).
/// Elaborates the chip and host, runs to Halt and collects results. SystemC allows one
/// elaboration per process, so call it once per process. Errors from the model, a deadlock
/// (the simulation ran out of events before Halt: the message gives the sequencer's and the
/// units' state) and VCD I/O errors are raised as sc_report; a VCD is complete or absent.
/// With a network (lower_network, lowering.h), stats also get "layers": per layer name, op, tag, macs,
/// weight_bytes, dram_bytes, cycles (the MXU's Table 3 cycles of the layer's tag: its MXU
/// instructions' busy and stall time plus the MXU's idle time waiting for them, so a layer without
/// MXU work (pool, vector) shows 0 and its time appears as the next MXU layer's RAW stall; the
/// input load falls to the first layer, the output write to the last; but a host operation's
/// time (its Interrupt_Host and the stalls for its host DMA) is its own layer's non-matrix and
/// input-stall cycles: model/sequencer/sequencer.h, "Host interaction per layer"), table3_cycles,
/// activation_unit_cycles (the activation unit's busy cycles: Activate, Pool, Vector), lookups
/// (the activation unit's table lookups, fn = lookup),
/// tops, mxu_utilization, macs_per_weight_byte (operational intensity; null without weights),
/// energy_j, die_energy_j, dram_energy_j (the run's energy attributed by add_layer_energy()),
/// and run.macs_per_weight_byte for the whole network (dense MLPs get it too: useful MACs / (weight
/// bytes x batches), the TPU paper's ops per weight byte).
/// Errors also: a network with opt.batch other than 0 or its samples ("tpu/sim"); the lowering's
/// (lowering.h, "tpu/lowering").
RunResult run_simulation(const ArchConfig& cfg, const RunInput& in, const RunOptions& opt);

/// The human summary of a run: workload, config, time, TOPS, utilization, Table 3 split,
/// bytes and bandwidth on PCIe and DRAM, golden mismatches, accuracies.
/// A dense MLP's first line gives its samples, layers and batches, and a last line its accuracies
/// (with labels); a network's gives its layers, batch and MACs per weight byte.
std::string summary(const ArchConfig& cfg, const RunInput& in, const RunResult& r);

/// A per-layer table (name, op, cycles, MACs, TOPS, utilization, MACs per weight byte, DRAM
/// bytes, activation-unit cycles, energy in mJ, Table 3 split; cycles attributed as in run_simulation) of a
/// network run; "" when the run has no per-layer records.
std::string layer_table(const RunResult& r);

// --- A program written by hand (tpu-sim --program; user_program.h) ---

/// Runs `prog` (its instructions, weight and host images) to Halt as run_simulation runs a
/// workload (same chip, host, VCD and counters; no golden data), then writes each of
/// prog.read_backs from host memory to its file (complete or absent). r.outputs is empty and
/// useful MACs are 0 (a program has no workload to count them from). Errors as run_simulation;
/// a read-back file that cannot be written: "tpu/output" naming it.
RunResult run_program(const ArchConfig& cfg, const UserProgram& prog, const RunOptions& opt);

/// The human summary of a program run: the program's line (file, instructions, images' bytes),
/// then the same lines as summary() (config, time, Table 3, PCIe, DRAM).
std::string program_summary(const ArchConfig& cfg, const UserProgram& prog, const RunResult& r);

/// Writes `j` to `path` through a temporary file renamed into place (complete or absent).
/// Raises SC_REPORT_ERROR("tpu/output") on I/O errors.
void write_json_file(const std::string& path, const nlohmann::json& j);

}  // namespace tpu
