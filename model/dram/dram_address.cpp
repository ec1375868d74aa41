#include "dram/dram_address.h"

#include <sstream>

namespace tpu {

namespace {
const char* const kFieldNames[kDramFields] = {"row", "rank", "bank_group", "bank", "column", "channel"};

// log2 of a power of two.
uint32_t log2u(uint64_t v) {
  uint32_t b = 0;
  while ((uint64_t(1) << b) < v) ++b;
  return b;
}
}  // namespace

std::vector<DramField> parse_address_mapping(const std::string& text, std::string* error) {
  std::vector<DramField> out;
  std::array<bool, kDramFields> seen{};
  std::stringstream ss(text);
  std::string name;
  while (std::getline(ss, name, ':')) {
    int f = 0;
    while (f < kDramFields && name != kFieldNames[f]) ++f;
    if (f == kDramFields) {
      *error = "unknown field '" + name + "' (fields: row, rank, bank_group, bank, column, channel)";
      return {};
    }
    if (seen[f]) {
      *error = "field '" + name + "' appears twice";
      return {};
    }
    seen[f] = true;
    out.push_back(DramField(f));
  }
  for (int f = 0; f < kDramFields; ++f)
    if (!seen[f]) {
      *error = std::string("field '") + kFieldNames[f] + "' is missing (every field appears once)";
      return {};
    }
  return out;
}

DramAddressMap::DramAddressMap(const DramConfig& cfg) : cfg_(cfg), burst_bytes_(cfg.burst_bytes()) {
  std::string error;
  const std::vector<DramField> order = parse_address_mapping(cfg.address_mapping, &error);
  bits_[int(DramField::Row)] = log2u(cfg.rows);
  bits_[int(DramField::Rank)] = log2u(cfg.ranks);
  bits_[int(DramField::BankGroup)] = log2u(cfg.bank_groups);
  bits_[int(DramField::Bank)] = log2u(cfg.banks_per_group);
  bits_[int(DramField::Column)] = log2u(cfg.columns / cfg.burst_length);
  bits_[int(DramField::Channel)] = log2u(cfg.channels);
  uint32_t shift = log2u(burst_bytes_);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {  // least significant first
    shift_[int(*it)] = shift;
    shift += bits_[int(*it)];
  }
}

uint64_t DramAddressMap::address(uint32_t channel, const DramLocation& loc) const {
  auto put = [&](DramField f, uint64_t v) { return v << shift_[int(f)]; };
  return put(DramField::Channel, channel) | put(DramField::Rank, loc.rank) | put(DramField::BankGroup, loc.bank_group) |
         put(DramField::Bank, loc.bank) | put(DramField::Row, loc.row) | put(DramField::Column, loc.column);
}

}  // namespace tpu
