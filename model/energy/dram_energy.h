// DRAM energy from command counts, the way DRAMPower computes it from JEDEC IDD currents.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"

namespace tpu {

/// What one channel's controller issued and moved (counts, not energies). `ranks` of the channel
/// each spend the whole window in standby (active or precharged) besides their commands.
struct DramChannelCounts {
  uint64_t act = 0;                            ///< ACT commands
  uint64_t pre = 0;                            ///< precharges: explicit PRE plus the auto-precharges of RDA and WRA
  uint64_t rd = 0;                             ///< read bursts (RD + RDA)
  uint64_t wr = 0;                             ///< write bursts (WR + WRA)
  uint64_t ref = 0;                            ///< all-bank refreshes (REF)
  uint64_t refpb = 0;                          ///< per-bank refreshes (REFPB)
  uint64_t bytes_read = 0, bytes_written = 0;  ///< data moved (the pJ/bit model's count)
};

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
///   background: VDD IDD3N per cycle with a bank open, VDD IDD2N per cycle all precharged,
/// times the devices of a rank (bus_width_bits / device_width_bits). The channel has no counter of
/// cycles with a bank open, so the split is approximated: with the open page policy a rank counts
/// as active for the whole window once it has activated a row (rows stay open until a conflict or
/// refresh; a channel with reads or writes but no ACT counted, as the bandwidth model reports,
/// counts as active too), with the closed policy for min(window, ACTs x tRAS). I/O and
/// termination are not counted. Raises nothing; counts of zero give zero dynamic energy.
std::vector<DramEnergyTerm> dram_energy(const DramConfig& d, const std::vector<DramChannelCounts>& channels,
                                        double seconds);

/// Sum of the terms' joules.
double total_joules(const std::vector<DramEnergyTerm>& terms);

}  // namespace tpu
