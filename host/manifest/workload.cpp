#include "manifest/workload.h"

#include "config/yaml_section.h"
#include "manifest/manifest_fields.h"

namespace tpu {

namespace {
constexpr const char* kMsgType = "tpu/workload";
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
  return load_workload(path, load_yaml_document(kMsgType, path, "workload manifest"));
}

Workload load_workload(const std::string& path, const YAML::Node& root) {
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
  w.inputs = read_int8_data(input, "file", uint64_t(w.samples) * w.features);

  uint32_t prev = w.features;
  for (const YamlSection& ls :
       top.sequence("layers", {"name", "inputs", "outputs", "weights", "bias", "activation", "requant", "scales"})) {
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
    l.weights = read_int8_values(ls, "weights", uint64_t(l.inputs) * l.outputs);
    l.bias = ls.has("bias") ? read_int32_data(ls, "bias", l.outputs) : std::vector<int32_t>(l.outputs, 0);
    l.function = read_activation(ls);
    const YamlSection scales = ls.section("scales", {"input", "weight", "output"});
    for (const char* key : {"input", "weight", "output"}) scales.read(key, informational);
    l.requant = read_requant(ls);
    w.layers.push_back(std::move(l));
  }
  if (top.has("labels")) w.labels = read_data_file<uint8_t>(top, "labels", w.samples);
  if (top.has("golden")) w.golden = read_data_file<int8_t>(top, "golden", uint64_t(w.samples) * w.outputs());
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
