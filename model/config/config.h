// Architecture configuration of the modelled TPU, loaded from a YAML file in configs/.
#pragma once

#include <cstdint>
#include <string>

#include <systemc>

namespace YAML {
class Node;
}  // namespace YAML

namespace tpu {

/// One value of a configuration choice and its name in YAML files, reports and JSON.
template <typename E>
struct Choice {
  const char* name;
  E value;
};

/// The name of `v` in `choices` ("?" if absent, which the enums' tables below rule out).
template <typename E, size_t N>
constexpr const char* choice_name(const Choice<E> (&choices)[N], E v) {
  for (const Choice<E>& c : choices)
    if (c.value == v) return c.name;
  return "?";
}

/// How the MXU's array is simulated (mxu.model). All give the same results and cycles.
enum class MxuModel {
  Analytic,  ///< "analytic": the dataflow formulas (fast)
  Cycle,     ///< "cycle": the PE-by-PE SystemC array (mxu/mxu_cycle_array.h)
  Rtl,       ///< "rtl": the Verilated mxu/rtl/mxu_array.sv (16 x 16)
};
inline constexpr Choice<MxuModel> kMxuModels[] = {
    {"analytic", MxuModel::Analytic}, {"cycle", MxuModel::Cycle}, {"rtl", MxuModel::Rtl}};

/// Which weight-memory model stands behind the DRAM target (dram.model).
enum class DramModel {
  Jedec,             ///< "jedec": per-channel controllers with banks, rows, JEDEC timing, refresh
  BandwidthLatency,  ///< "bandwidth_latency": per-channel bandwidth-plus-latency pipes
};
inline constexpr Choice<DramModel> kDramModels[] = {{"jedec", DramModel::Jedec},
                                                    {"bandwidth_latency", DramModel::BandwidthLatency}};

/// Which JEDEC constraint table applies (dram.standard).
enum class DramStandard {
  DDR3,  ///< "DDR3": JESD79-3, one bank group
  HBM2,  ///< "HBM2": JESD235, bank groups, per-bank refresh
};
inline constexpr Choice<DramStandard> kDramStandards[] = {{"DDR3", DramStandard::DDR3}, {"HBM2", DramStandard::HBM2}};

/// What a bank does with its row after a column command (dram.page_policy).
enum class PagePolicy {
  Open,    ///< "open": the row stays open for later hits
  Closed,  ///< "closed": every column command auto-precharges (RDA/WRA)
};
inline constexpr Choice<PagePolicy> kPagePolicies[] = {{"open", PagePolicy::Open}, {"closed", PagePolicy::Closed}};

/// How rows are refreshed (dram.refresh).
enum class RefreshPolicy {
  AllBank,  ///< "all_bank": REF to the whole rank every tREFI
  PerBank,  ///< "per_bank": REFPB to one bank every tREFIpb (needs tRFCpb, tREFIpb)
};
inline constexpr Choice<RefreshPolicy> kRefreshPolicies[] = {{"all_bank", RefreshPolicy::AllBank},
                                                             {"per_bank", RefreshPolicy::PerBank}};

/// The YAML name of each choice ("analytic", "jedec", "DDR3", "open", "all_bank", ...).
inline const char* to_string(MxuModel v) { return choice_name(kMxuModels, v); }
inline const char* to_string(DramModel v) { return choice_name(kDramModels, v); }
inline const char* to_string(DramStandard v) { return choice_name(kDramStandards, v); }
inline const char* to_string(PagePolicy v) { return choice_name(kPagePolicies, v); }
inline const char* to_string(RefreshPolicy v) { return choice_name(kRefreshPolicies, v); }

/// Matrix Multiply Unit geometry and weight path (TPU paper, Sec. 2: 256 x 256). The array may
/// be R x C with R != C: a weight tile is R x C bytes, a UB row R bytes, an accumulator row C
/// int32, and Activate moves lanes between the two widths (isa.h: act_lane_* registers).
struct MxuConfig {
  uint32_t rows = 256;                 ///< PE rows R = input vector width = UB row width (bytes).
  uint32_t cols = 256;                 ///< PE columns C = partial sums per accumulator row.
  uint32_t weight_shift_cycles = 256;  ///< cycles to shift one tile into the shadow buffer.
  /// How the array is simulated (MxuModel). Cycle and Rtl need weight_shift_cycles == rows
  /// (one weight row per cycle); all three give the same cycles.
  MxuModel model = MxuModel::Analytic;
};

/// Weight FIFO between the weight memory and the MXU (TPU paper, Sec. 2: four tiles deep).
struct WeightFifoConfig {
  uint32_t depth_tiles = 4;  ///< tiles of rows x cols bytes the FIFO holds.
};

/// Unified Buffer: activations, rows of mxu.rows bytes (TPU paper, Sec. 2: 24 MiB).
struct UnifiedBufferConfig {
  uint64_t size_bytes = 24ull << 20;  ///< capacity in bytes; a multiple of mxu.rows.
};

/// Accumulators: rows of mxu.cols int32 (TPU paper, Sec. 2: 4096 x 256 x 32 bit).
struct AccumulatorConfig {
  uint32_t rows = 4096;  ///< accumulator rows; each is mxu.cols x int32.
};

/// Activation unit (ReLU/sigmoid/tanh + requantization) pipeline.
struct ActivationConfig {
  uint32_t pipeline_cycles = 16;  ///< latency from first accumulator row read to first UB write.
};

/// Instruction sequencer (TPU paper, Sec. 2: CISC, 4-stage overlapped pipeline).
struct SequencerConfig {
  uint32_t issue_cycles = 1;                   ///< cycles to decode and dispatch one instruction.
  uint32_t queue_depth = 8;                    ///< instructions each functional unit may queue.
  uint64_t instruction_buffer_bytes = 786432;  ///< instruction buffer in bytes (64 Ki instructions).
};

/// Host link (TPU paper, Sec. 2: PCIe Gen3 x16).
struct PcieConfig {
  double bandwidth_bytes_per_s = 15.754e9;  ///< per direction; 16 lanes x 8 GT/s x 128/130 / 8.
  double latency_ns = 1000.0;               ///< fixed latency added to every DMA transfer.
};

/// JEDEC timing parameters of one DRAM device, in cycles of the DRAM clock tCK (a command
/// slot; data moves on both edges, data_rate_mts = 2 / tCK). _S / _L: different / same bank
/// group (DDR3 has one bank group, so _S and _L are equal there). Sources per preset file.
struct DramTiming {
  uint32_t CL = 14;       ///< RD to first data
  uint32_t CWL = 10;      ///< WR to first data
  uint32_t tRCD = 14;     ///< ACT to RD/WR, same bank
  uint32_t tRP = 14;      ///< PRE to ACT, same bank
  uint32_t tRAS = 36;     ///< ACT to PRE, same bank
  uint32_t tRC = 50;      ///< ACT to ACT, same bank
  uint32_t tRRD_S = 6;    ///< ACT to ACT, different bank (group)
  uint32_t tRRD_L = 6;    ///< ACT to ACT, same bank group
  uint32_t tFAW = 27;     ///< window holding at most four ACTs per rank
  uint32_t tWR = 16;      ///< end of write data to PRE, same bank
  uint32_t tWTR_S = 8;    ///< end of write data to RD, different bank group
  uint32_t tWTR_L = 8;    ///< end of write data to RD, same bank group
  uint32_t tRTP = 8;      ///< RD to PRE, same bank
  uint32_t tCCD_S = 4;    ///< RD to RD / WR to WR, different bank group
  uint32_t tCCD_L = 4;    ///< RD to RD / WR to WR, same bank group
  uint32_t tRTRS = 1;     ///< data-bus turnaround between ranks / read-write direction changes
  uint32_t tRFC = 278;    ///< REF (all banks) to any command of the rank
  uint32_t tREFI = 8316;  ///< average interval between all-bank REFs
  uint32_t tRFCpb = 0;    ///< per-bank REF to that bank's ACT (HBM2; 0: not supported)
  uint32_t tREFIpb = 0;   ///< interval between per-bank REFs of a rank (HBM2)
};

/// Energy of the weight memory's devices (dram.power). Either the DRAMPower way from the JEDEC
/// IDD currents of one device (K. Chandrasekar et al., DRAMPower; see energy/dram_energy.h), or,
/// when pj_per_bit > 0, a flat energy per bit moved (for stacks whose IDD tables are not public).
/// Every number is per device; devices per rank = bus_width_bits / device_width_bits.
/// Defaults: configs/dram/ddr3_2133.yaml (Micron 4Gb DDR3 datasheet); sources per preset file.
struct DramPowerConfig {
  double vdd = 1.5;                ///< supply voltage, V
  double idd0 = 75;                ///< one-bank ACTIVATE-PRECHARGE current, mA
  double idd2n = 40;               ///< precharge standby current, mA
  double idd3n = 45;               ///< active standby current, mA
  double idd4r = 150;              ///< burst read current, mA
  double idd4w = 155;              ///< burst write current, mA
  double idd5 = 230;               ///< burst refresh current (IDD5B), mA
  uint32_t device_width_bits = 8;  ///< data pins per device (x8)
  double pj_per_bit = 0;           ///< > 0: flat pJ per bit read or written instead of the IDD model
};

/// Weight memory (TPU paper, Table 2: 8 GiB DDR3, 34 GB/s). Two models behind one TLM target:
///  - "jedec": a controller per channel with banks, rows, JEDEC timing, refresh, FR-FCFS
///    scheduling and an address mapping (DramController);
///  - "bandwidth_latency": each channel a pipe of bandwidth data_rate x bus width and a fixed
///    latency, interleaved every interleave_bytes (BandwidthLatencyDram; fast, for sweeps and
///    formula tests).
/// The defaults are TPU v1's two channels of DDR3-2133 (configs/dram/ddr3_2133.yaml).
struct DramConfig {
  DramModel model = DramModel::Jedec;          ///< jedec or bandwidth_latency
  DramStandard standard = DramStandard::DDR3;  ///< which constraint table applies
  uint32_t channels = 2;                       ///< independent channels
  uint32_t ranks = 1;                          ///< ranks per channel
  uint32_t bank_groups = 1;                    ///< bank groups per rank (1 for DDR3)
  uint32_t banks_per_group = 8;                ///< banks per bank group
  uint32_t rows = 65536;                       ///< rows per bank
  uint32_t columns = 1024;                     ///< columns per row, each bus_width_bits wide
  uint32_t bus_width_bits = 64;                ///< data bus width per channel in bits
  uint32_t burst_length = 8;                   ///< beats per burst (a burst moves bus_width/8 x BL bytes)
  double data_rate_mts = 2133.0;               ///< transfers per second per pin, in MT/s
  DramTiming timing;
  /// Address bit fields from most to least significant, ':'-separated, each once: row, rank,
  /// bank_group, bank, column (burst index within the row), channel. Below them sit the byte
  /// offset bits of one burst.
  std::string address_mapping = "row:rank:bank_group:bank:column:channel";
  PagePolicy page_policy = PagePolicy::Open;       ///< open (rows stay open) or closed (auto-precharge)
  RefreshPolicy refresh = RefreshPolicy::AllBank;  ///< all_bank or per_bank (needs tRFCpb, tREFIpb)
  uint32_t read_queue_depth = 32;                  ///< read requests (bursts) the controller holds per channel
  uint32_t write_queue_depth = 32;                 ///< write requests (bursts) it holds per channel
  uint32_t write_high_watermark = 24;              ///< start draining writes at this many queued writes
  uint32_t write_low_watermark = 8;                ///< stop draining at this many
  uint32_t max_row_hits = 16;                      ///< row hits that may bypass the oldest request (starvation bound)
  double latency_ns = 50.0;                        ///< bandwidth_latency model: fixed access latency
  uint32_t interleave_bytes = 256;                 ///< bandwidth_latency model: channel interleaving in bytes
  uint64_t capacity_bytes = 8ull << 30;            ///< addressable bytes; derived from the geometry for jedec
  DramPowerConfig power;                           ///< device currents or pJ/bit (energy model only; no timing effect)

  /// Peak bandwidth of one channel in bytes/s: data_rate_mts * 1e6 * bus_width_bits / 8.
  double channel_bandwidth_bytes_per_s() const { return data_rate_mts * 1e6 * bus_width_bits / 8.0; }
  /// Bytes one burst moves: bus_width_bits / 8 * burst_length.
  uint64_t burst_bytes() const { return uint64_t(bus_width_bits) / 8 * burst_length; }
  /// The DRAM clock period tCK in seconds: 2 / (data_rate_mts * 1e6).
  double tck_seconds() const { return 2.0 / (data_rate_mts * 1e6); }
  /// Bytes the geometry holds: channels x ranks x bank_groups x banks_per_group x rows x columns x bus bytes.
  uint64_t geometry_bytes() const {
    return uint64_t(channels) * ranks * bank_groups * banks_per_group * rows * columns * (bus_width_bits / 8);
  }
};

/// Energy per action of the chip's blocks (energy: section, loaded from a preset in
/// configs/energy/; every number there names its source and technology node). Units: pJ per
/// action, W for static power. The defaults are configs/energy/horowitz_28nm.yaml's values:
/// Horowitz, ISSCC 2014, 45 nm 0.9 V figures scaled to 28 nm by x 28/45 (E = C V^2, C in
/// proportion to the feature size at constant voltage).
struct EnergyConfig {
  double node_nm = 28;                             ///< technology node the table is for (informational)
  double mac_pj = 0.18667;                         ///< int8 multiply + 32-bit accumulate, per MAC
  double weight_shift_pj_per_tile = 1309991.5;     ///< shifting one tile into the array's shadow weights
  double ub_read_pj_per_row = 1991.1;              ///< Unified Buffer read, per mxu.rows-byte row
  double ub_write_pj_per_row = 1991.1;             ///< Unified Buffer write, per row
  double acc_read_pj_per_row = 1592.9;             ///< accumulator read, per row of mxu.cols int32
  double acc_write_pj_per_row = 1592.9;            ///< accumulator write, per row
  double weight_fifo_write_pj_per_tile = 50972.4;  ///< writing one tile into the weight FIFO
  double weight_fifo_read_pj_per_tile = 50972.4;   ///< reading one tile out of the weight FIFO
  double activation_pj_per_element = 2.00978;      ///< activation unit, per int32 element (Activate, Pool, Vector)
  double activation_lookup_pj = 0.778;             ///< activation unit, per table lookup (fn = lookup)
  double instruction_pj = 93.333;                  ///< instruction buffer read + decode, per instruction
  double pcie_pj_per_byte = 40;                    ///< PCIe link, per byte either way
  double static_power_w = 7.5;                     ///< power drawn regardless of activity, W
};

/// The whole chip. Defaults are the TPU v1 numbers; configs/tpu_v1.yaml states them with sources.
struct ArchConfig {
  std::string name = "tpu_v1";  ///< free-form name shown in reports.
  std::string source_file;      ///< path the config was loaded from ("" for defaults).
  double clock_mhz = 700.0;     ///< core clock in MHz (TPU paper, Table 2).
  MxuConfig mxu;
  WeightFifoConfig weight_fifo;
  UnifiedBufferConfig unified_buffer;
  AccumulatorConfig accumulators;
  ActivationConfig activation;
  SequencerConfig sequencer;
  PcieConfig pcie;
  DramConfig dram;
  EnergyConfig energy;

  /// Core clock period. Needs the femtosecond time resolution (see init_time_resolution()).
  sc_core::sc_time clock_period() const { return sc_core::sc_time(1.0 / (clock_mhz * 1e6), sc_core::SC_SEC); }
  /// Number of UB rows (size_bytes / mxu.rows).
  uint64_t ub_rows() const { return unified_buffer.size_bytes / mxu.rows; }
  /// Bytes in one weight tile (mxu.rows * mxu.cols int8).
  uint64_t tile_bytes() const { return uint64_t(mxu.rows) * mxu.cols; }
};

/// Loads and validates a YAML architecture config.
/// Every key is checked: unknown keys, wrong types and impossible values raise an
/// SC_REPORT_ERROR (message type "tpu/config") whose text names the file and the key path
/// (e.g. "configs/x.yaml: mxu.rows: must be a positive integer, got -3").
ArchConfig load_config(const std::string& path);
/// The same for the config at `path` already parsed into `root` (load_yaml_document, or
/// parse_yaml_document for text in memory); `path` names it in messages and its folder is where
/// `preset:` files are found.
ArchConfig load_config(const std::string& path, const YAML::Node& root);

/// Checks cross-field constraints of a config (also called by load_config); raises
/// SC_REPORT_ERROR("tpu/config") naming `origin` and the offending key.
void validate_config(const ArchConfig& cfg, const std::string& origin);

/// Sets the SystemC time resolution to 1 fs, so that a 700 MHz clock period (1428571 fs) is
/// off by less than 1e-6. Must run before any non-zero sc_time exists; later calls are no-ops.
void init_time_resolution();

}  // namespace tpu
