// Host operations: manifest keys and exact semantics (see host_op.h).
#include "manifest/host_op.h"

#include <algorithm>
#include <cmath>

namespace tpu {

namespace {

constexpr const char* kParamKeys[] = {"input_scale", "epsilon", "output_scale", "output_zero_point", "gamma", "beta"};

// The list of C numbers `key` of params section `prm` (raw node `list`).
std::vector<double> read_channel_list(const YamlSection& prm, const YAML::Node& list, const std::string& key,
                                      uint32_t channels) {
  if (!list.IsSequence() || list.size() != channels)
    prm.fail(key, "must be a list of " + std::to_string(channels) + " numbers (one per input channel)");
  const YamlSection e = prm.elements(key, list);
  std::vector<double> out(channels);
  for (uint32_t i = 0; i < channels; ++i) e.read(key + "[" + std::to_string(i) + "]", out[i]);
  return out;
}

// Reads a scale (> 0) into `v` if present.
void read_scale(const YamlSection& prm, const char* key, double& v) {
  prm.read(key, v);
  if (!(v > 0)) prm.fail(key, "must be > 0, got " + std::to_string(v));
}

// y = clamp(floor((512 E + S) / (2 S)) - 128, -128, 127) for every channel of one pixel.
void softmax_pixel(const int64_t table[256], const int8_t* x, int8_t* y, uint32_t c) {
  const int8_t mx = *std::max_element(x, x + c);
  int64_t sum = 0;
  for (uint32_t i = 0; i < c; ++i) sum += table[mx - x[i]];
  for (uint32_t i = 0; i < c; ++i) {
    const int64_t q = (512 * table[mx - x[i]] + sum) / (2 * sum) - 128;
    y[i] = int8_t(std::clamp<int64_t>(q, -128, 127));
  }
}

// LayerNormalization of one pixel (host_op.h).
void layernorm_pixel(const HostOpParams& p, double eps_x, const int8_t* x, int8_t* y, uint32_t c) {
  int64_t s1 = 0, s2 = 0;
  for (uint32_t i = 0; i < c; ++i) {
    s1 += x[i];
    s2 += int64_t(x[i]) * x[i];
  }
  const int64_t v = int64_t(c) * s2 - s1 * s1;
  const double den = std::sqrt(double(v) + eps_x);
  for (uint32_t i = 0; i < c; ++i) {
    const double z = den > 0 ? double(int64_t(c) * x[i] - s1) / den : 0.0;
    const double g = p.gamma.empty() ? 1.0 : p.gamma[i], b = p.beta.empty() ? 0.0 : p.beta[i];
    const double scaled = (z * g + b) / p.output_scale;
    const double r = std::floor(scaled + 0.5) + p.output_zero_point;
    y[i] = int8_t(std::clamp(r, -128.0, 127.0));
  }
}

}  // namespace

const char* host_op_name(HostOpKind k) { return k == HostOpKind::Softmax ? "Softmax" : "LayerNormalization"; }

HostOpParams read_host_op(const YamlSection& s, const YAML::Node& node, uint32_t channels) {
  HostOpParams p;
  std::string name;
  s.read("host_op", name);
  if (name == "Softmax") p.kind = HostOpKind::Softmax;
  else if (name == "LayerNormalization") p.kind = HostOpKind::LayerNormalization;
  else s.fail("host_op", "must be Softmax or LayerNormalization (ONNX operator names), got " + name);
  if (s.has("params") && !node["params"].IsMap()) s.fail("params", "must be a map");
  const YamlSection prm = s.section("params", std::vector<std::string>(std::begin(kParamKeys), std::end(kParamKeys)));
  if (p.kind == HostOpKind::Softmax)
    for (const char* key : kParamKeys)
      if (std::string(key) != "input_scale" && prm.has(key)) prm.fail(key, "Softmax takes only input_scale");
  read_scale(prm, "input_scale", p.input_scale);
  read_scale(prm, "output_scale", p.output_scale);
  prm.read("epsilon", p.epsilon);
  if (p.epsilon < 0) prm.fail("epsilon", "must be >= 0, got " + std::to_string(p.epsilon));
  int64_t zp = 0;
  prm.read_signed("output_zero_point", -128, 127, zp);
  p.output_zero_point = int32_t(zp);
  if (prm.has("gamma")) p.gamma = read_channel_list(prm, node["params"]["gamma"], "gamma", channels);
  if (prm.has("beta")) p.beta = read_channel_list(prm, node["params"]["beta"], "beta", channels);
  return p;
}

void compute_host_op(const HostOpParams& p, const int8_t* in, int8_t* out, uint64_t pixels, uint32_t channels) {
  if (p.kind == HostOpKind::Softmax) {
    int64_t table[256];
    for (int d = 0; d < 256; ++d)
      table[d] = int64_t(std::floor(1048576.0 * std::exp(-(p.input_scale * double(d))) + 0.5));
    for (uint64_t px = 0; px < pixels; ++px) softmax_pixel(table, in + px * channels, out + px * channels, channels);
    return;
  }
  const double c = double(channels);
  const double eps_x = (p.epsilon * (c * c)) / (p.input_scale * p.input_scale);
  for (uint64_t px = 0; px < pixels; ++px) layernorm_pixel(p, eps_x, in + px * channels, out + px * channels, channels);
}

}  // namespace tpu
