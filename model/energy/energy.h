// The chip's energy and power from the counters its blocks keep (Tpu::report()) and the per-action
// energy table of the config (EnergyConfig, DramPowerConfig).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "energy/dram_energy.h"

namespace tpu {

/// One action of one block: how often it happened, what each costs, what it cost in all.
struct ActionEnergy {
  std::string block;   ///< "mxu", "unified_buffer", "accumulators", "weight_fifo", "activation_unit",
                       ///< "sequencer", "host_interface", "static", "dram"
  std::string action;  ///< "mac", "weight_shift", "read", "write", "element", "instruction", ...
  std::string unit;    ///< what count counts ("mac", "row", "tile", "element", "byte", "s", ...)
  double count = 0;
  double pj_each = 0;  ///< pJ per unit
  double joules = 0;   ///< count x pj_each x 1e-12
};

/// A run's energy, every action once. The die is everything but the DRAM devices (the TPU
/// paper's Table 2 power is the die's); static energy is static_power_w x seconds.
struct EnergyBreakdown {
  double seconds = 0;                 ///< the window the energy is over (START to Halt)
  std::vector<ActionEnergy> actions;  ///< die actions, static, then the DRAM's terms
  double die_dynamic_j = 0;           ///< sum of the die's actions
  double static_j = 0;                ///< static_power_w x seconds
  double dram_j = 0;                  ///< the DRAM devices (dram_energy())
  std::string dram_method;            ///< "idd" (DRAMPower from IDD), "pj_per_bit", or
                                      ///< "idd_from_bytes" (bandwidth_latency model: no commands)

  double die_j() const { return die_dynamic_j + static_j; }
  double total_j() const { return die_j() + dram_j; }
};

/// The counts a breakdown is computed from, read from Tpu::report()'s JSON (the names there):
/// mxu.array_macs (MACs of every PE, useful or not), mxu.tiles_switched (tiles shifted into the
/// array and read out of the weight FIFO), weight_fifo.tiles_fetched (tiles written into it),
/// unified_buffer / accumulators bytes_read and bytes_written (b_transport and DMI) divided by
/// their row bytes (mxu.rows; mxu.cols x 4), activation_unit rows + pool_rows + vector_rows x
/// mxu.cols elements, the sum of sequencer.instructions, host_interface pcie_to_device.bytes +
/// pcie_to_host.bytes, and per DRAM channel its commands and bursts (dram_counts()).
/// Raises SC_REPORT_ERROR("tpu/energy") if a counter is missing from `tpu_report`.
EnergyBreakdown compute_energy(const ArchConfig& cfg, const nlohmann::json& tpu_report, double seconds);

/// Per channel counts of the weight memory's report (DramController or BandwidthLatencyDram):
/// the JEDEC model's commands (PRE + RDA + WRA precharges; RD + RDA, WR + WRA bursts) and bursts x
/// burst bytes; for the bandwidth model, which issues no commands, each channel's bytes split
/// into read and written in the proportion of the totals and ACT/PRE/REF = 0 (`from_commands`
/// set false).
std::vector<DramChannelCounts> dram_counts(const DramConfig& d, const nlohmann::json& dram_report,
                                           bool* from_commands = nullptr);

/// The breakdown as JSON: totals (J), powers (W) over `seconds`, per inference (J, /
/// `inferences`), TOPS/W of the die and with DRAM for `tops`, energy per useful MAC and per DRAM
/// byte (pJ), and "blocks": {block: {"j": J, "actions": {action: {count, unit, pj_each, j}}}}.
nlohmann::json energy_json(const EnergyBreakdown& e, uint64_t inferences, double tops, uint64_t useful_macs,
                           uint64_t dram_bytes);

/// One summary line (starts "energy    ", ends with a newline) from energy_json()'s output.
std::string energy_summary_line(const nlohmann::json& energy);

}  // namespace tpu

namespace tpu {

/// Adds "energy_j", "die_energy_j" and "dram_energy_j" to each layer record of `layers` (the
/// stats JSON's "layers", see simulation.h) by attributing each action of `e` to layers in
/// proportion to a per-layer measure: the MXU's rows (its Table 3 array_active cycles) for the
/// datapath's actions, the layer's dram_bytes for the DRAM's commands and the weight FIFO's
/// writes, activation_unit_cycles for the activation unit, and the layer's cycles for static
/// power, the DRAM's background, PCIe and instructions. An action whose measure is zero over all
/// layers is attributed by cycles. The layers' energies sum to the breakdown's totals when the
/// layers' cycles cover the run.
void add_layer_energy(const EnergyBreakdown& e, nlohmann::json& layers);

}  // namespace tpu
