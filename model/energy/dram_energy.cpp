#include "energy/dram_energy.h"

#include <algorithm>

namespace tpu {

DramChannelCounts counts_of_commands(const std::array<uint64_t, kDramCommands>& commands, uint64_t burst_bytes) {
  const auto n = [&commands](DramCommand k) { return double(commands[size_t(k)]); };
  DramChannelCounts c;
  c.act = n(DramCommand::ACT);
  c.pre = n(DramCommand::PRE) + n(DramCommand::RDA) + n(DramCommand::WRA);
  c.rd = n(DramCommand::RD) + n(DramCommand::RDA);
  c.wr = n(DramCommand::WR) + n(DramCommand::WRA);
  c.ref = n(DramCommand::REF);
  c.refpb = n(DramCommand::REFPB);
  c.bytes_read = c.rd * double(burst_bytes);
  c.bytes_written = c.wr * double(burst_bytes);
  return c;
}

std::vector<DramEnergyTerm> dram_energy(const DramConfig& d, const std::vector<DramChannelCounts>& channels,
                                        double seconds) {
  std::vector<DramEnergyTerm> terms;
  const DramPowerConfig& p = d.power;
  auto add = [&terms](const char* action, const char* unit, double count, double pj_each) {
    terms.push_back({action, unit, count, pj_each, count * pj_each * 1e-12});
  };
  if (p.pj_per_bit > 0) {
    double rd = 0, wr = 0;
    for (const DramChannelCounts& c : channels) rd += 8.0 * c.bytes_read, wr += 8.0 * c.bytes_written;
    add("read_bits", "bit", rd, p.pj_per_bit);
    add("write_bits", "bit", wr, p.pj_per_bit);
    return terms;
  }
  const double tck = d.tck_seconds();
  const double devices = double(d.bus_width_bits / p.device_width_bits);
  // pJ of `ma` milliamps at VDD for `cycles` tCK, for all devices of a rank.
  const auto pj = [&](double ma, double cycles) { return p.vdd * ma * 1e-3 * cycles * tck * 1e12 * devices; };
  const DramTiming& t = d.timing;
  DramChannelCounts sum;
  double act_cycles = 0, rank_cycles = 0;
  const double window = seconds / tck;
  for (const DramChannelCounts& c : channels) {
    sum.act += c.act, sum.pre += c.pre, sum.rd += c.rd, sum.wr += c.wr, sum.ref += c.ref, sum.refpb += c.refpb;
    if (c.rank_cycles >= 0) {  // measured by the channel
      act_cycles += c.open_rank_cycles;
      rank_cycles += c.rank_cycles;
      continue;
    }
    // Approximated: ACTs spread over the channel's ranks evenly (the counters are per channel);
    // a read or write means a row was open, also where no ACT was counted (the bandwidth model).
    const double acts_per_rank = c.act / d.ranks;
    const double active = d.page_policy == PagePolicy::Open ? (c.act > 0 || c.rd > 0 || c.wr > 0 ? window : 0.0)
                                                            : std::min(window, acts_per_rank * t.tRAS);
    act_cycles += active * d.ranks;
    rank_cycles += window * d.ranks;
  }
  const double banks = double(d.bank_groups) * d.banks_per_group;
  add("ACT", "command", sum.act, pj(p.idd0 - p.idd3n, t.tRAS));
  add("PRE", "command", sum.pre, pj(p.idd0 - p.idd2n, double(t.tRC) - t.tRAS));
  add("RD", "burst", sum.rd, pj(p.idd4r - p.idd3n, d.burst_length / 2.0));
  add("WR", "burst", sum.wr, pj(p.idd4w - p.idd3n, d.burst_length / 2.0));
  add("REF", "command", sum.ref, pj(p.idd5 - p.idd3n, t.tRFC));
  add("REFPB", "command", sum.refpb, pj(p.idd5 - p.idd3n, t.tRFCpb) / banks);
  add("background_active", "rank_cycle", act_cycles, pj(p.idd3n, 1));
  add("background_precharged", "rank_cycle", rank_cycles - act_cycles, pj(p.idd2n, 1));
  return terms;
}

double total_joules(const std::vector<DramEnergyTerm>& terms) {
  double j = 0;
  for (const DramEnergyTerm& t : terms) j += t.joules;
  return j;
}

}  // namespace tpu
