// DRAM energy from command counts, the way DRAMPower computes it from JEDEC IDD currents.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "dram/dram_command.h"

namespace tpu {

/// What one channel's controller issued and moved (counts, not energies; doubles: a window's
/// share of the bandwidth model's bursts need not be whole), and how long its ranks had a bank
/// open: open_rank_cycles of rank_cycles (summed over the channel's ranks, tCK), the JEDEC
/// channel's bank-open counter (DramBankState::open_cycles) over the span energy is computed
/// for; negative when not measured (then dram_energy() approximates, see there).
struct DramChannelCounts {
  double act = 0;                            ///< ACT commands
  double pre = 0;                            ///< precharges: explicit PRE plus the auto-precharges of RDA and WRA
  double rd = 0;                             ///< read bursts (RD + RDA)
  double wr = 0;                             ///< write bursts (WR + WRA)
  double ref = 0;                            ///< all-bank refreshes (REF)
  double refpb = 0;                          ///< per-bank refreshes (REFPB)
  double bytes_read = 0, bytes_written = 0;  ///< data moved (the pJ/bit model's count)
  double open_rank_cycles = -1;              ///< rank-cycles with >= 1 bank open (IDD3N time)
  double rank_cycles = -1;                   ///< rank-cycles of the span (IDD3N + IDD2N time)
};

/// The counts of one channel's issued commands (indexed by DramCommand): ACT; precharges PRE +
/// RDA + WRA; read bursts RD + RDA and write bursts WR + WRA (each `burst_bytes` of data); REF;
/// REFPB. Background cycles are left unmeasured (-1).
DramChannelCounts counts_of_commands(const std::array<uint64_t, kDramCommands>& commands, uint64_t burst_bytes);

/// One line of the DRAM's energy: a DRAMPower component, its count, energy per unit and joules.
struct DramEnergyTerm {
  std::string action;  ///< "ACT", "PRE", "RD", "WR", "REF", "REFPB", "background_active",
                       ///< "background_precharged", or "read_bits" / "write_bits" (pJ/bit model)
  std::string unit;    ///< what `count` counts: "command", "burst", "rank_cycle" (tCK), "bit"
  double count = 0;
  double pj_each = 0;  ///< pJ per unit of count (all devices of a rank together)
  double joules = 0;   ///< count x pj_each x 1e-12
};

/// The DRAM's energy over a window of `seconds` for the channels' counts. With
/// d.power.pj_per_bit > 0: bits read and written x pj_per_bit, nothing else. Otherwise, per
/// device (VDD in V, IDD in mA, times in tCK = d.tck_seconds()), as DRAMPower
/// (K. Chandrasekar et al., "DRAMPower: Open-source DRAM power & energy estimation tool",
/// MemoryPowerModel::power_calc) does:
///   ACT:  VDD (IDD0 - IDD3N) tRAS            PRE:  VDD (IDD0 - IDD2N) (tRC - tRAS)
///   RD:   VDD (IDD4R - IDD3N) BL/2           WR:   VDD (IDD4W - IDD3N) BL/2
///   REF:  VDD (IDD5 - IDD3N) tRFC            REFPB: VDD (IDD5 - IDD3N) tRFCpb / banks (assumption)
///   background: VDD IDD3N per rank-cycle with a bank open, VDD IDD2N per rank-cycle all precharged,
/// times the devices of a rank (bus_width_bits / device_width_bits). The background's cycles are
/// the channel's measured open_rank_cycles and rank_cycles when given (>= 0). Otherwise (the
/// bandwidth-latency model, which has no banks; callers without a measurement) they are
/// approximated over `seconds`: with the open page policy a rank counts as active for the whole
/// span once its channel has activated a row or moved data (rows stay open until a conflict or
/// refresh), with the closed policy for min(span, ACTs x tRAS). I/O and termination are not
/// counted. Raises nothing; counts of zero give zero dynamic energy.
std::vector<DramEnergyTerm> dram_energy(const DramConfig& d, const std::vector<DramChannelCounts>& channels,
                                        double seconds);

/// Sum of the terms' joules.
double total_joules(const std::vector<DramEnergyTerm>& terms);

}  // namespace tpu
