// The vocabulary every part of a DRAM channel shares: commands, row outcomes and requests.
#pragma once

#include <cstdint>

#include "dram/dram_address.h"

namespace tpu {

/// DRAM commands (JEDEC JESD79-3 for DDR3, JESD235 for HBM2). RDA/WRA: with auto-precharge.
/// REF: all banks of a rank; REFPB: one bank (HBM2).
enum class DramCommand : uint8_t { ACT, PRE, RD, WR, RDA, WRA, REF, REFPB };
constexpr int kDramCommands = 8;

/// Mnemonic of a command ("ACT").
const char* command_name(DramCommand c);

/// What a request found in its bank when it was first scheduled: the row open (hit), the bank
/// precharged (miss: ACT first), another row open (conflict: PRE and ACT first).
enum class RowOutcome : uint8_t { Hit, Miss, Conflict };

/// One burst-sized request.
struct DramRequest {
  uint64_t id = 0;  ///< caller's tag, returned on completion
  bool write = false;
  DramLocation loc;      ///< where it goes (DramAddressMap::locate)
  uint64_t arrival = 0;  ///< cycle it entered the controller
  // Filled in by the channel:
  uint64_t done = 0;  ///< cycle after its last data beat (reads) / write data (writes)
  RowOutcome outcome = RowOutcome::Hit;
};

}  // namespace tpu
