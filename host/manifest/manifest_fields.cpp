// Fields shared by the workload and network manifest loaders (see manifest_fields.h).
#include "manifest/manifest_fields.h"

#include <filesystem>
#include <fstream>
#include <new>
#include <utility>

namespace tpu {

namespace {

// Raises unless `count` values of `bytes_per_value` bytes fit in kMaxDataBytes.
void check_size(const YamlSection& s, const std::string& key, uint64_t count, uint64_t bytes_per_value) {
  if (count > kMaxDataBytes / bytes_per_value)
    s.fail(key, "would hold " + std::to_string(count) + " values of " + std::to_string(bytes_per_value) +
                    " bytes, more than the limit of " + std::to_string(kMaxDataBytes) + " bytes");
}

// The seed S of a {random_seed: S} map at `key`.
uint64_t read_seed(const YamlSection& s, const std::string& key) {
  uint64_t seed = 0;
  const YamlSection r = s.section(key, {"random_seed"});
  r.require("random_seed", "generated data needs a seed");
  r.read("random_seed", seed);
  return seed;
}

// Runs `make` (which allocates the values), turning an allocation failure into a manifest error.
template <typename F>
auto allocating(const YamlSection& s, const std::string& key, F make) -> decltype(make()) {
  try {
    return make();
  } catch (const std::bad_alloc&) {
    s.fail(key, "not enough memory for its data");
  }
}

}  // namespace

template <typename T>
std::vector<T> read_data_file(const YamlSection& s, const std::string& key, uint64_t count) {
  check_size(s, key, count, sizeof(T));
  std::string name;
  s.read(key, name);
  const std::filesystem::path path = std::filesystem::path(s.file()).parent_path() / name;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    s.fail(key, "data file " + path.string() + " is missing or not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) s.fail(key, "cannot open data file " + path.string());
  in.seekg(0, std::ios::end);
  const uint64_t size = static_cast<uint64_t>(in.tellg());
  if (size != count * sizeof(T))
    s.fail(key, "data file " + path.string() + " has " + std::to_string(size) + " bytes, expected " +
                    std::to_string(count * sizeof(T)) + " (" + std::to_string(count) + " values of " +
                    std::to_string(sizeof(T)) + " bytes)");
  std::vector<T> out = allocating(s, key, [&] { return std::vector<T>(count); });
  in.seekg(0);
  in.read(reinterpret_cast<char*>(out.data()), std::streamsize(size));
  if (uint64_t(in.gcount()) != size) s.fail(key, "error while reading data file " + path.string());
  return out;
}

template std::vector<int8_t> read_data_file<int8_t>(const YamlSection&, const std::string&, uint64_t);
template std::vector<uint8_t> read_data_file<uint8_t>(const YamlSection&, const std::string&, uint64_t);
template std::vector<int32_t> read_data_file<int32_t>(const YamlSection&, const std::string&, uint64_t);

Int8Values read_int8_values(const YamlSection& s, const std::string& key, uint64_t count) {
  if (!s.is_map(key)) return Int8Values(read_data_file<int8_t>(s, key, count));
  const uint64_t seed = read_seed(s, key);
  check_size(s, key, count, sizeof(int8_t));
  return Int8Values::seeded(seed, count);
}

std::vector<int8_t> read_int8_data(const YamlSection& s, const std::string& key, uint64_t count) {
  Int8Values v = read_int8_values(s, key, count);
  if (!v.is_seeded()) return std::move(v.held());
  return allocating(s, key, [&] { return v.values(); });
}

std::vector<int32_t> read_int32_data(const YamlSection& s, const std::string& key, uint64_t count) {
  if (!s.is_map(key)) return read_data_file<int32_t>(s, key, count);
  const uint64_t seed = read_seed(s, key);
  check_size(s, key, count, sizeof(int32_t));
  return allocating(s, key, [&] { return seeded_int32(seed, count); });
}

ActivationFunction read_activation(const YamlSection& s) {
  if (!s.has("activation")) return ActivationFunction::Identity;
  std::string fn;
  s.read("activation", fn);
  if (fn == "identity") return ActivationFunction::Identity;
  if (fn == "relu") return ActivationFunction::Relu;
  if (fn == "sigmoid") return ActivationFunction::Sigmoid;
  if (fn == "tanh") return ActivationFunction::Tanh;
  s.fail("activation", "must be one of identity, relu, sigmoid, tanh, got " + fn);
}

std::vector<int8_t> read_int16_planes(const YamlSection& s, const std::string& key, uint64_t count) {
  std::vector<int32_t> v;
  if (s.is_map(key)) {
    v = read_int32_data(s, key, count);
  } else {
    const std::vector<int16_t> f = read_data_file<int16_t>(s, key, count);
    v.assign(f.begin(), f.end());
  }
  std::vector<int8_t> planes(2 * count);
  for (uint64_t i = 0; i < count; ++i) {
    planes[i] = static_cast<int8_t>(v[i] >> 8);
    planes[count + i] = static_cast<int8_t>(v[i] & 0xff);
  }
  return planes;
}

RequantParams read_requant(const YamlSection& s, const std::string& key, int32_t zp_lo, int32_t zp_hi) {
  const YamlSection rq = s.section(key, {"multiplier", "shift", "zero_point", "rounding"});
  for (const char* k : {"multiplier", "shift"}) rq.require(k, "requantization needs it");
  RequantParams p;
  int64_t v = 0;
  rq.read_signed("multiplier", 0, (int64_t(1) << 31) - 1, v);
  p.multiplier = uint32_t(v);
  rq.read_signed("shift", 0, 62, v);
  p.shift = uint32_t(v);
  v = 0;
  rq.read_signed("zero_point", zp_lo, zp_hi, v);
  p.zero_point = int32_t(v);
  static constexpr Choice<Rounding> kRoundings[] = {{"half_up", Rounding::HalfUp}, {"half_even", Rounding::HalfEven}};
  rq.read_choice("rounding", kRoundings, p.rounding);
  return p;
}

}  // namespace tpu
