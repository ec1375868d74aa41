// A workload: a network of dense layers with int8 weights, its inputs and golden outputs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "activation/quant.h"
#include "isa/isa.h"
#include "manifest/seeded_values.h"

namespace tpu {

/// One fully connected layer: out[n] = activate(sum_k in[k] * W[k][n], bias[n]).
struct DenseLayer {
  std::string name;
  uint32_t inputs = 0, outputs = 0;
  Int8Values weights;         ///< inputs x outputs, row-major [input][output] (seeded: generated when read)
  std::vector<int32_t> bias;  ///< outputs values (zeros when the manifest has none)
  ActivationFunction function = ActivationFunction::Identity;
  RequantParams requant;
};

/// A workload manifest (YAML) and the raw little-endian files it names, relative to it:
///   name, description, batch, input {file, samples, features, scale?}, labels? (uint8 per
///   sample), golden? (int8 [samples][last outputs]), float_accuracy?, reference_int8_accuracy?,
///   layers [{name, inputs, outputs, weights, bias?, activation, requant {multiplier, shift,
///   zero_point}, scales? {input, weight, output}}]. scripts/make_workloads.py writes them.
///   input.scale, scales and reference_int8_accuracy are informational (type-checked, unused).
///   Instead of a file name, input.file, weights and bias may be {random_seed: N}: the seeded
///   values of network.h (seeded_int8 in [-127, 127], seeded_int32 in [-32768, 32767] for the
///   bias; a splitmix64 rule numpy can repeat), for performance workloads whose data does not
///   matter and that would be too large to ship (no golden data). labels and golden are files.
struct Workload {
  std::string name, description, source_file;
  uint32_t batch = 0;  ///< default batch size for the lowering
  uint32_t samples = 0, features = 0;
  std::vector<int8_t> inputs;            ///< samples x features
  std::vector<uint8_t> labels;           ///< samples, or empty
  std::vector<int8_t> golden;            ///< samples x outputs(), or empty
  std::optional<double> float_accuracy;  ///< accuracy of the float model on these samples
  std::vector<DenseLayer> layers;

  uint32_t outputs() const { return layers.back().outputs; }
  /// Useful multiply-accumulates per sample: sum of inputs x outputs over the layers.
  uint64_t macs_per_sample() const;
};

/// Loads and checks a workload. Errors (SC_REPORT_ERROR "tpu/workload") name the file and key:
/// unknown keys, wrong types, missing or short/long data files, layer shapes that do not chain,
/// requantization values outside the ISA's ranges, unknown activation names.
Workload load_workload(const std::string& path);
/// The same for the manifest at `path` already parsed into `root` (load_yaml_document).
Workload load_workload(const std::string& path, const YAML::Node& root);

/// Index of the largest value, the first one on ties (the classification of an output row).
uint32_t argmax(const int8_t* row, uint32_t n);

}  // namespace tpu
