// DRAM address mapping: byte address -> channel, rank, bank group, bank, row, column.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"

namespace tpu {

/// Fields of a DRAM address, as named in dram.address_mapping.
enum class DramField : uint8_t { Row, Rank, BankGroup, Bank, Column, Channel };
constexpr int kDramFields = 6;

/// Where one burst lives inside a channel. `column` counts bursts within the row
/// (0 .. columns / burst_length - 1).
struct DramLocation {
  uint32_t rank = 0, bank_group = 0, bank = 0, row = 0, column = 0;
  /// Bank index within the channel: (rank * bank_groups + bank_group) * banks_per_group + bank.
  uint32_t flat_bank = 0;
};

/// Parses "row:rank:bank_group:bank:column:channel" (most significant field first; every field
/// exactly once). Returns the fields, or an empty vector and a reason in `error`.
std::vector<DramField> parse_address_mapping(const std::string& text, std::string* error);

/// Decodes byte addresses by the configured field order. The low log2(burst_bytes) bits are the
/// offset inside a burst; above them the fields take log2(count) bits each (counts are powers of
/// two, checked by validate_config). Addresses wrap modulo the geometry's capacity.
class DramAddressMap {
 public:
  explicit DramAddressMap(const DramConfig& cfg);
  /// Channel of the burst holding byte `addr`.
  uint32_t channel(uint64_t addr) const { return uint32_t(field(addr, DramField::Channel)); }
  /// Location of the burst holding byte `addr` within its channel (inline: once per burst).
  DramLocation locate(uint64_t addr) const {
    DramLocation l;
    l.rank = uint32_t(field(addr, DramField::Rank));
    l.bank_group = uint32_t(field(addr, DramField::BankGroup));
    l.bank = uint32_t(field(addr, DramField::Bank));
    l.row = uint32_t(field(addr, DramField::Row));
    l.column = uint32_t(field(addr, DramField::Column));
    l.flat_bank = (l.rank * cfg_.bank_groups + l.bank_group) * cfg_.banks_per_group + l.bank;
    return l;
  }
  /// The byte address of the first byte of a burst (inverse of channel() and locate()).
  uint64_t address(uint32_t channel, const DramLocation& loc) const;
  uint64_t burst_bytes() const { return burst_bytes_; }

 private:
  uint64_t field(uint64_t addr, DramField f) const {
    return (addr >> shift_[int(f)]) & ((uint64_t(1) << bits_[int(f)]) - 1);
  }
  DramConfig cfg_;
  uint64_t burst_bytes_;
  std::array<uint32_t, kDramFields> shift_{}, bits_{};
};

}  // namespace tpu
