// Host operations: manifest keys and exact semantics (see host_op.h).
#include "manifest/host_op.h"

#include <algorithm>
#include <cmath>

#include "util/report.h"

namespace tpu {

namespace {

constexpr const char* kParamKeys[] = {"input_scale", "epsilon", "output_scale", "output_zero_point",
                                      "gamma",       "beta",    "groups",       "causal"};
constexpr const char* kSoftmaxKeys[] = {"input_scale", "groups", "causal"};

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

// y = clamp(floor((512 E + S) / (2 S)) - 128, -128, 127) for every channel of one block of c
// channels whose first `visible` (>= 1) take part; the others get E = 0 (y = -128).
void softmax_block(const int64_t table[256], const int8_t* x, int8_t* y, uint32_t c, uint32_t visible) {
  const int8_t mx = *std::max_element(x, x + visible);
  int64_t sum = 0;
  for (uint32_t i = 0; i < visible; ++i) sum += table[mx - x[i]];
  for (uint32_t i = 0; i < c; ++i) {
    const int64_t e = i < visible ? table[mx - x[i]] : 0;
    y[i] = int8_t(std::clamp<int64_t>((512 * e + sum) / (2 * sum) - 128, -128, 127));
  }
}

// Softmax of `pixels` pixels (host_op.h), `image` pixels per image for the causal mask.
void softmax(const HostOpParams& p, const int8_t* in, int8_t* out, uint64_t pixels, uint32_t channels, uint64_t image) {
  int64_t table[256];
  for (int d = 0; d < 256; ++d)
    table[d] = int64_t(std::floor(1048576.0 * std::exp(-(p.input_scale * double(d))) + 0.5));
  const uint32_t c = channels / p.groups;
  for (uint64_t px = 0; px < pixels; ++px) {
    const uint32_t visible = p.causal ? uint32_t(std::min<uint64_t>(c, px % image + 1)) : c;
    for (uint32_t g = 0; g < p.groups; ++g) {
      const uint64_t at = px * channels + uint64_t(g) * c;
      softmax_block(table, in + at, out + at, c, visible);
    }
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

const char* host_op_name(HostOpKind k) {
  switch (k) {
    case HostOpKind::Softmax: return "Softmax";
    case HostOpKind::LayerNormalization: return "LayerNormalization";
    case HostOpKind::WriteWeights: return "WriteWeights";
  }
  return "?";
}

HostOpParams read_host_op(const YamlSection& s, const YAML::Node& node, uint32_t channels) {
  HostOpParams p;
  std::string name;
  s.read("host_op", name);
  if (name == "Softmax") p.kind = HostOpKind::Softmax;
  else if (name == "LayerNormalization") p.kind = HostOpKind::LayerNormalization;
  else s.fail("host_op", "must be Softmax or LayerNormalization (ONNX operator names), got " + name);
  if (s.has("params") && !node["params"].IsMap()) s.fail("params", "must be a map");
  const YamlSection prm = s.section("params", std::vector<std::string>(std::begin(kParamKeys), std::end(kParamKeys)));
  const auto softmax_key = [](const char* key) {
    return std::find_if(std::begin(kSoftmaxKeys), std::end(kSoftmaxKeys),
                        [&](const char* k) { return std::string(k) == key; }) != std::end(kSoftmaxKeys);
  };
  for (const char* key : kParamKeys) {
    if (p.kind == HostOpKind::Softmax && !softmax_key(key) && prm.has(key))
      prm.fail(key, "Softmax takes only input_scale, groups and causal");
    if (p.kind != HostOpKind::Softmax && key != std::string("input_scale") && softmax_key(key) && prm.has(key))
      prm.fail(key, "LayerNormalization does not take " + std::string(key));
  }
  prm.read("groups", p.groups);
  if (p.groups == 0 || channels % p.groups)
    prm.fail("groups", "must be >= 1 and divide the input's " + std::to_string(channels) + " channels, got " +
                           std::to_string(p.groups));
  if (prm.has("causal")) {
    const YAML::Node v = node["params"]["causal"];
    if (!v.IsScalar() || (v.Scalar() != "true" && v.Scalar() != "false")) prm.fail("causal", "must be true or false");
    p.causal = v.Scalar() == "true";
  }
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

void compute_host_op(const HostOpParams& p, const int8_t* in, int8_t* out, uint64_t pixels, uint32_t channels,
                     uint64_t image_pixels) {
  if (p.kind == HostOpKind::WriteWeights) raise_as("tpu/host", "WriteWeights computes nothing in host memory");
  if (p.kind == HostOpKind::Softmax)
    return softmax(p, in, out, pixels, channels, image_pixels ? image_pixels : std::max<uint64_t>(pixels, 1));
  const double c = double(channels);
  const double eps_x = (p.epsilon * (c * c)) / (p.input_scale * p.input_scale);
  for (uint64_t px = 0; px < pixels; ++px) layernorm_pixel(p, eps_x, in + px * channels, out + px * channels, channels);
}

}  // namespace tpu
