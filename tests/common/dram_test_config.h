// DRAM channel configurations shared by the DRAM tests (tests/model/dram/): values from the
// DDR3-1600K speed bin (JESD79-3, 11-11-11 at tCK 1.25 ns), not from a shipped preset, so that the
// tests' expected cycles do not move when a preset does.
#pragma once

#include "config/config.h"

namespace tpu::test {

// DDR3-1600K (11-11-11), one 64-bit channel, one rank of 8 banks.
inline DramConfig ddr3() {
  DramConfig c;
  c.model = DramModel::Jedec;
  c.standard = DramStandard::DDR3;
  c.channels = 1;
  c.ranks = 1;
  c.bank_groups = 1;
  c.banks_per_group = 8;
  c.rows = 65536;
  c.columns = 1024;
  c.bus_width_bits = 64;
  c.burst_length = 8;
  c.data_rate_mts = 1600;
  DramTiming& t = c.timing;
  t.CL = 11;
  t.CWL = 8;
  t.tRCD = 11;
  t.tRP = 11;
  t.tRAS = 28;
  t.tRC = 39;
  t.tRRD_S = t.tRRD_L = 5;
  t.tFAW = 24;
  t.tWR = 12;
  t.tWTR_S = t.tWTR_L = 6;
  t.tRTP = 6;
  t.tCCD_S = t.tCCD_L = 4;
  t.tRTRS = 1;
  t.tRFC = 208;
  t.tREFI = 6240;
  t.tRFCpb = 0;
  t.tREFIpb = 0;
  c.address_mapping = "row:rank:bank_group:bank:column:channel";
  c.page_policy = PagePolicy::Open;
  c.refresh = RefreshPolicy::AllBank;
  return c;
}

}  // namespace tpu::test
