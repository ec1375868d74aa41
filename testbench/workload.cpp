#include "workload.h"

#include <filesystem>
#include <fstream>
#include <random>

#include "yaml_section.h"

namespace tpu {

namespace {
constexpr const char* kMsgType = "tpu/workload";

// Reads exactly `count` values of T from the file named by `key` (relative to the manifest),
// or, when `key` is a map {random_seed: N}, draws them uniformly from [lo, hi] with mt19937_64.
template <typename T>
std::vector<T> read_blob(const YamlSection& s, const std::string& key, uint64_t count, int64_t lo = -127,
                         int64_t hi = 127) {
  if (s.is_map(key)) {
    uint64_t seed = 0;
    const YamlSection r = s.section(key, {"random_seed"});
    r.require("random_seed", "generated data needs a seed");
    r.read("random_seed", seed);
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int64_t> dist(lo, hi);
    std::vector<T> out(count);
    for (auto& v : out) v = T(dist(rng));
    return out;
  }
  std::string name;
  s.read(key, name);
  const std::filesystem::path path = std::filesystem::path(s.file()).parent_path() / name;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) s.fail(key, "data file " + path.string() + " is missing or not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) s.fail(key, "cannot open data file " + path.string());
  in.seekg(0, std::ios::end);
  const uint64_t size = static_cast<uint64_t>(in.tellg());
  if (size != count * sizeof(T))
    s.fail(key, "data file " + path.string() + " has " + std::to_string(size) + " bytes, expected " +
                    std::to_string(count * sizeof(T)) + " (" + std::to_string(count) + " values of " +
                    std::to_string(sizeof(T)) + " bytes)");
  std::vector<T> out(count);
  in.seekg(0);
  in.read(reinterpret_cast<char*>(out.data()), std::streamsize(size));
  return out;
}

// Parses an activation function name.
ActivationFunction parse_function(const YamlSection& s) {
  std::string fn;
  s.read("activation", fn);
  if (fn == "identity") return ActivationFunction::Identity;
  if (fn == "relu") return ActivationFunction::Relu;
  if (fn == "sigmoid") return ActivationFunction::Sigmoid;
  if (fn == "tanh") return ActivationFunction::Tanh;
  s.fail("activation", "must be one of identity, relu, sigmoid, tanh, got " + fn);
}
}  // namespace

uint64_t Workload::macs_per_sample() const {
  uint64_t m = 0;
  for (const auto& l : layers) m += uint64_t(l.inputs) * l.outputs;
  return m;
}

uint32_t argmax(const int8_t* row, uint32_t n) {
  uint32_t best = 0;
  for (uint32_t i = 1; i < n; ++i)
    if (row[i] > row[best]) best = i;
  return best;
}

Workload load_workload(const std::string& path) {
  const YAML::Node root = load_yaml_document(kMsgType, path, "workload manifest");
  const YamlSection top(kMsgType, path, root, "",
                        {"name", "description", "batch", "input", "labels", "golden", "float_accuracy",
                         "reference_int8_accuracy", "layers"});
  Workload w;
  w.source_file = path;
  for (const char* key : {"name", "batch", "input", "layers"}) top.require(key, "every workload sets it");
  top.read("name", w.name);
  top.read("description", w.description);
  top.read("batch", w.batch);
  if (w.batch == 0) top.fail("batch", "must be >= 1");

  const YamlSection input = top.section("input", {"file", "samples", "features", "scale"});
  for (const char* key : {"file", "samples", "features"}) input.require(key, "the input needs it");
  double informational = 0;  // read for its type only
  input.read("scale", informational);
  input.read("samples", w.samples);
  input.read("features", w.features);
  if (w.samples == 0) input.fail("samples", "must be >= 1");
  if (w.features == 0) input.fail("features", "must be >= 1");
  w.inputs = read_blob<int8_t>(input, "file", uint64_t(w.samples) * w.features);

  uint32_t prev = w.features;
  for (const YamlSection& ls : top.sequence("layers", {"name", "inputs", "outputs", "weights", "bias", "activation",
                                                       "requant", "scales"})) {
    DenseLayer l;
    for (const char* key : {"name", "inputs", "outputs", "weights", "activation", "requant"})
      ls.require(key, "every layer sets it");
    ls.read("name", l.name);
    ls.read("inputs", l.inputs);
    ls.read("outputs", l.outputs);
    if (l.inputs != prev)
      ls.fail("inputs", "is " + std::to_string(l.inputs) + " but the previous layer (or the input) has " +
                            std::to_string(prev) + " outputs");
    if (l.outputs == 0) ls.fail("outputs", "must be >= 1");
    prev = l.outputs;
    l.weights = read_blob<int8_t>(ls, "weights", uint64_t(l.inputs) * l.outputs);
    l.bias = ls.has("bias") ? read_blob<int32_t>(ls, "bias", l.outputs, -32768, 32767)
                            : std::vector<int32_t>(l.outputs, 0);
    l.function = parse_function(ls);
    const YamlSection scales = ls.section("scales", {"input", "weight", "output"});
    for (const char* key : {"input", "weight", "output"}) scales.read(key, informational);
    const YamlSection rq = ls.section("requant", {"multiplier", "shift", "zero_point"});
    for (const char* key : {"multiplier", "shift"}) rq.require(key, "requantization needs it");
    int64_t v = 0;
    rq.read_signed("multiplier", 0, (int64_t(1) << 31) - 1, v);
    l.requant.multiplier = uint32_t(v);
    rq.read_signed("shift", 0, 62, v);
    l.requant.shift = uint32_t(v);
    v = 0;
    rq.read_signed("zero_point", -128, 127, v);
    l.requant.zero_point = int32_t(v);
    w.layers.push_back(std::move(l));
  }
  if (top.has("labels")) w.labels = read_blob<uint8_t>(top, "labels", w.samples);
  if (top.has("golden")) w.golden = read_blob<int8_t>(top, "golden", uint64_t(w.samples) * w.outputs());
  for (const char* key : {"float_accuracy", "reference_int8_accuracy"}) {
    if (!top.has(key)) continue;
    double a = 0;
    top.read(key, a);
    if (a < 0 || a > 1) top.fail(key, "must be a fraction in [0, 1], got " + format_number(a));
    if (std::string(key) == "float_accuracy") w.float_accuracy = a;
  }
  return w;
}

}  // namespace tpu
