// Fields shared by the workload manifests (dense MLPs, workload.h; networks, network.h): raw data
// files next to the manifest, seeded data ({random_seed: S}, the rule of network.h's file
// comment), activation function names and requantization parameters. All errors go through
// YamlSection::fail (SC_REPORT_ERROR of the section's message type, naming the file and key).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "activation/quant.h"
#include "config/yaml_section.h"
#include "isa/isa.h"
#include "manifest/seeded_values.h"

namespace tpu {

/// Largest number of bytes one data file or seeded blob may hold (4 GiB); larger counts are
/// manifest errors rather than allocation failures.
constexpr uint64_t kMaxDataBytes = uint64_t(1) << 32;

/// Reads exactly `count` values of T (raw, little endian, as the host stores them) from the file
/// that the string `key` of `s` names, relative to the manifest's directory. Errors: `key` not a
/// non-empty string, the file missing, not a regular file or unreadable, its size not
/// count * sizeof(T) bytes, count * sizeof(T) above kMaxDataBytes. Instantiated for int8_t,
/// uint8_t and int32_t.
template <typename T>
std::vector<T> read_data_file(const YamlSection& s, const std::string& key, uint64_t count);

/// `count` int8 values: the data file named by `key` (read_data_file), or seeded_int8(S, count)
/// (seeded_values.h) when `key` is a map {random_seed: S} (S: unsigned 64-bit). Errors as
/// read_data_file, plus a map without random_seed or with other keys.
std::vector<int8_t> read_int8_data(const YamlSection& s, const std::string& key, uint64_t count);

/// read_int8_data() for a large array read piecewise (weights): a seeded one is not generated
/// here but where it is read (Int8Values). Errors as read_int8_data.
Int8Values read_int8_values(const YamlSection& s, const std::string& key, uint64_t count);

/// `count` int32 values (e.g. a bias): the data file named by `key`, or seeded_int32(S, count)
/// for {random_seed: S}. Errors as read_int8_data.
std::vector<int32_t> read_int32_data(const YamlSection& s, const std::string& key, uint64_t count);

/// The function named by the key "activation" of `s` (identity, relu, sigmoid, tanh); Identity
/// when the key is absent. Raises for any other name.
ActivationFunction read_activation(const YamlSection& s);

/// The map `key` of `s` as requantization parameters {multiplier (0 .. 2^31-1), shift
/// (0 .. 62), zero_point (-128 .. 127, default 0), rounding (half_up, the default, or half_even:
/// register act_rounding)}, as the Set_Config registers take them (quant.h). Raises for unknown
/// keys, a missing multiplier or shift, values out of range or another rounding name.
/// The caller decides whether `key` itself is required.
/// zero_point must lie in [zp_lo, zp_hi] (the output's element type: int8 by default).
RequantParams read_requant(const YamlSection& s, const std::string& key = "requant", int32_t zp_lo = -128,
                           int32_t zp_hi = 127);
/// `count` int16 values at `key` (a file of int16 little endian, or {random_seed: S}: the int32
/// rule, whose values lie in [-32768, 32767]) as two byte planes: the high (signed) bytes, then the
/// low bytes (2 x count bytes). Errors as read_int8_data.
std::vector<int8_t> read_int16_planes(const YamlSection& s, const std::string& key, uint64_t count);

}  // namespace tpu
