// Network manifests: loading, shape inference and checks (see network.h for the format).
#include "manifest/network.h"

#include <algorithm>
#include <map>
#include <utility>

#include "config/yaml_section.h"
#include "manifest/manifest_fields.h"

namespace tpu {

namespace {

constexpr const char* kMsgType = "tpu/workload";
constexpr int64_t kMaxSide = 65535;  // tensor H and W
constexpr int64_t kMaxWindow = 255;  // kernel sizes and strides
constexpr int64_t kMaxPad = 255;     // each pad
constexpr int64_t kInt16Min = -32768, kInt16Max = 32767;
constexpr uint64_t kMaxElements = 0xFFFFFFFFull;  // elements of one image's tensor (and features)

const std::vector<std::string> kTopKeys = {"format", "name",   "description", "samples",
                                           "inputs", "golden", "output",      "layers"};
const std::vector<std::string> kInputKeys = {"name", "shape", "file", "type"};
// Keys every layer may have.
const std::vector<std::string> kCommonKeys = {"name", "op", "input", "inputs"};
// kCommonKeys and every op's keys (op_specs()): what the YAML reader lets through.
// clang-format off
const std::vector<std::string> kLayerKeys = {
    "name", "op", "input", "inputs",
    "outputs", "kernel", "stride", "pad", "global", "weights", "bias", "activation", "requant",
    "operand_scales", "operand_offsets", "operand_scale", "operand_offset", "groups", "table",
    "host_op", "params", "output_type", "weight_type", "heads", "transpose_b", "operand_multipliers", "pixels"};
// clang-format on

// What a layer op takes: its keys besides kCommonKeys, the required ones, and how many tensors
// it reads.
struct OpSpec {
  LayerOp op;
  std::string name;
  std::vector<std::string> keys;
  std::vector<std::string> required;
  size_t min_inputs, max_inputs;
};

const std::vector<OpSpec>& op_specs() {
  // clang-format off
  static const std::vector<OpSpec> specs = {
      {LayerOp::Conv, "conv", {"outputs", "kernel", "stride", "pad", "groups", "weights", "bias", "activation",
                               "table", "requant", "output_type", "weight_type"},
                              {"outputs", "kernel", "weights", "requant"}, 1, SIZE_MAX},
      {LayerOp::Dense, "dense", {"outputs", "weights", "bias", "activation", "table", "requant", "output_type",
                                 "weight_type"},
                                {"outputs", "weights", "requant"}, 1, SIZE_MAX},
      {LayerOp::MaxPool, "maxpool", {"kernel", "stride", "pad"}, {"kernel"}, 1, 1},
      {LayerOp::AvgPool, "avgpool", {"kernel", "stride", "pad", "global", "requant", "output_type"}, {"requant"}, 1, 1},
      {LayerOp::Add, "add", {"operand_scales", "operand_offsets", "activation", "table", "requant", "output_type",
                             "operand_multipliers"},
                            {"requant"}, 2, 2},
      {LayerOp::Mul, "mul", {"operand_offsets", "activation", "table", "requant", "output_type"}, {"requant"}, 2, 2},
      {LayerOp::Activate, "activate", {"operand_scale", "operand_offset", "activation", "table", "requant",
                                       "output_type"},
                                      {"activation", "requant"}, 1, 1},
      {LayerOp::HostOp, "host_op", {"host_op", "params"}, {"host_op"}, 1, 1},
      {LayerOp::MatMul, "matmul", {"heads", "transpose_b", "activation", "table", "requant"}, {"requant"}, 2, SIZE_MAX},
      {LayerOp::PixelConcat, "pixel_concat", {}, {}, 2, SIZE_MAX},
      {LayerOp::PixelSlice, "pixel_slice", {"pixels"}, {"pixels"}, 1, 1},
  };
  // clang-format on
  return specs;
}

// The element type named at `key` ("int8", "uint8", or with `int16_ok` "int16").
ElementType read_element_type(const YamlSection& s, const std::string& key, bool int16_ok) {
  std::string t;
  s.read(key, t);
  if (t == "int8") return ElementType::Int8;
  if (t == "uint8") return ElementType::Uint8;
  if (t == "int16" && int16_ok) return ElementType::Int16;
  s.fail(key, std::string("must be one of int8, uint8") + (int16_ok ? ", int16" : "") + ", got " + t +
                  (t == "int16" ? " (16-bit outputs: conv and dense layers only; network inputs are 8-bit)" : ""));
}

// The element types of layer l (its op and function read): its output's (output_type, or a
// maxpool's input's), and the checks of network.h's "Element types" on what it reads and writes.
void read_element_types(const Network& net, const YamlSection& s, NetworkLayer& l) {
  const bool weighted = l.op == LayerOp::Conv || l.op == LayerOp::Dense;
  for (int t : l.inputs) {
    const ElementType x = net.type_of(t);
    const std::string name = t >= 0 ? net.layers[size_t(t)].name : net.inputs[size_t(-t - 1)].name;
    if (x == ElementType::Int16 && !weighted)
      s.fail("op", "reads the int16 tensor " + name + "; only conv and dense layers take 16-bit activations");
    if (x != ElementType::Int8 && l.op == LayerOp::HostOp)
      s.fail("op", "a host_op reads int8 tensors only, got " + std::string(element_type_name(x)) + " " + name);
  }
  if (l.op == LayerOp::MaxPool || l.op == LayerOp::PixelConcat || l.op == LayerOp::PixelSlice)
    l.out_type = net.type_of(l.inputs[0]);
  if (s.has("output_type")) l.out_type = read_element_type(s, "output_type", weighted);
  if (l.out_type != ElementType::Int8 && l.function != ActivationFunction::Identity &&
      l.function != ActivationFunction::Relu && l.op != LayerOp::MaxPool)
    s.fail("output_type", std::string(element_type_name(l.out_type)) + " outputs take activation identity or relu");
}

// "a conv", "an add".
std::string article(const std::string& op) {
  return (std::string("aeiou").find(op[0]) != std::string::npos ? "an " : "a ") + op;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string to_string(const TensorShape& s) {
  return std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.c);
}

// Describes a raw node for messages.
std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "null (no value)";
    case YAML::NodeType::Sequence: return "a list of " + std::to_string(n.size());
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Undefined: return "nothing";
    case YAML::NodeType::Scalar: break;
  }
  return n.Scalar();
}

// One map of the manifest: its strict reader and its raw node, for the lists and booleans that
// YamlSection does not read.
struct Map {
  YamlSection s;
  YAML::Node node;
};

// The list of integers `key` of `m`, with one of the lengths `sizes`, each in [lo, hi]; `form`
// describes the expected list for messages ("[kh, kw]").
std::vector<int64_t> read_int_list(const Map& m, const std::string& key, std::initializer_list<size_t> sizes,
                                   const std::string& form, int64_t lo, int64_t hi) {
  const YAML::Node list = m.node[key];
  bool size_ok = false;
  if (list.IsSequence())
    for (size_t n : sizes) size_ok = size_ok || list.size() == n;
  if (!size_ok) m.s.fail(key, "must be a list " + form + ", got " + describe(list));
  const YamlSection e = m.s.elements(key, list);
  std::vector<int64_t> out;
  for (size_t i = 0; i < list.size(); ++i) {
    int64_t v = 0;
    e.read_signed(key + "[" + std::to_string(i) + "]", lo, hi, v);
    out.push_back(v);
  }
  return out;
}

// The non-empty list of names `key` of `m`.
std::vector<std::string> read_name_list(const Map& m, const std::string& key) {
  const YAML::Node list = m.node[key];
  if (!list.IsSequence() || list.size() == 0) m.s.fail(key, "must be a non-empty list of names, got " + describe(list));
  const YamlSection e = m.s.elements(key, list);
  std::vector<std::string> out;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string name;
    e.read(key + "[" + std::to_string(i) + "]", name);
    out.push_back(name);
  }
  return out;
}

// The boolean `key` of `m` (false if absent).
bool read_bool(const Map& m, const std::string& key) {
  if (!m.s.has(key)) return false;
  const YAML::Node v = m.node[key];
  if (v.IsScalar() && (v.Tag() == "?" || v.Tag() == "tag:yaml.org,2002:bool")) {
    const std::string& t = v.Scalar();
    if (t == "true" || t == "True" || t == "TRUE") return true;
    if (t == "false" || t == "False" || t == "FALSE") return false;
  }
  m.s.fail(key, "must be true or false, got " + describe(v));
}

// The product of `factors`, raising on `key` when it exceeds `limit`; `what` names the quantity.
uint64_t checked_product(const YamlSection& s, const std::string& key, std::initializer_list<uint64_t> factors,
                         uint64_t limit, const std::string& what) {
  uint64_t p = 1;
  for (uint64_t f : factors) {
    if (f != 0 && p > limit / f) s.fail(key, what + " is too large (more than " + std::to_string(limit) + ")");
    p *= f;
  }
  return p;
}

// An int16 operand pair [a, b] at `key` (defaults kept when absent).
void read_operand_pair(const Map& m, const std::string& key, const std::string& form, int32_t& a, int32_t& b) {
  if (!m.s.has(key)) return;
  const std::vector<int64_t> v = read_int_list(m, key, {2}, form + " of int16 integers", kInt16Min, kInt16Max);
  a = int32_t(v[0]);
  b = int32_t(v[1]);
}

// An add's wide operand multipliers [ma, mb] (quant.h "Wide operand multipliers"), if present: int32
// with |m| <= 2^31-1, not together with operand_scales, and the requant's multiplier must be 1 (the
// multipliers carry the whole scale; the requant gives the shift, zero point and rounding).
void read_operand_multipliers(const Map& m, NetworkLayer& l) {
  if (!m.s.has("operand_multipliers")) return;
  if (m.s.has("operand_scales"))
    m.s.fail("operand_multipliers", "an add has operand_scales or operand_multipliers, not both");
  const int64_t lim = (int64_t{1} << 31) - 1;
  const std::vector<int64_t> v =
      read_int_list(m, "operand_multipliers", {2}, "[ma, mb] of integers -(2^31-1)..2^31-1", -lim, lim);
  l.multiplier_a = int32_t(v[0]);
  l.multiplier_b = int32_t(v[1]);
  l.wide_scales = true;
}

// Kernel, stride and pad of a conv or pool layer.
void read_window(const Map& m, NetworkLayer& l) {
  const std::vector<int64_t> k = read_int_list(m, "kernel", {2}, "[kh, kw] of integers 1..255", 1, kMaxWindow);
  l.kh = uint32_t(k[0]);
  l.kw = uint32_t(k[1]);
  if (m.s.has("stride")) {
    const std::vector<int64_t> s = read_int_list(m, "stride", {2}, "[sh, sw] of integers 1..255", 1, kMaxWindow);
    l.sh = uint32_t(s[0]);
    l.sw = uint32_t(s[1]);
  }
  if (m.s.has("pad")) {
    const std::vector<int64_t> p =
        read_int_list(m, "pad", {2, 4}, "[top, left, bottom, right] or [ph, pw] of integers 0..255", 0, kMaxPad);
    l.pad_top = uint32_t(p[0]);
    l.pad_left = uint32_t(p[1]);
    l.pad_bottom = uint32_t(p.size() == 4 ? p[2] : p[0]);
    l.pad_right = uint32_t(p.size() == 4 ? p[3] : p[1]);
  }
}

// Output size of a window along one dimension ("height" or "width"): raises unless 1..65535.
uint32_t window_output(const YamlSection& s, const char* dim, uint64_t in, uint64_t pad_lo, uint64_t pad_hi, uint64_t k,
                       uint64_t stride) {
  if (in + pad_lo + pad_hi < k)
    s.fail("kernel", "kernel " + std::string(dim) + " " + std::to_string(k) + " exceeds the input " + dim + " " +
                         std::to_string(in) + " plus padding " + std::to_string(pad_lo) + " + " +
                         std::to_string(pad_hi) + ": the output " + dim + " would be < 1");
  const uint64_t out = (in + pad_lo + pad_hi - k) / stride + 1;
  if (out > uint64_t(kMaxSide))
    s.fail("pad",
           "the output " + std::string(dim) + " " + std::to_string(out) + " exceeds " + std::to_string(kMaxSide));
  return uint32_t(out);
}

// Resolves the tensor names a layer reads (`key` is "input" or "inputs", for messages).
int resolve(const YamlSection& s, const std::string& key, const std::string& ref, size_t layer,
            const std::map<std::string, int>& input_index, const std::map<std::string, size_t>& layer_index) {
  if (const auto it = input_index.find(ref); it != input_index.end()) return it->second;
  const auto it = layer_index.find(ref);
  if (it == layer_index.end()) s.fail(key, "unknown tensor " + ref + ": not a network input or a layer");
  if (it->second == layer) s.fail(key, ref + " is this layer itself: a layer reads network inputs and earlier layers");
  if (it->second > layer)
    s.fail(key, ref + " is a later layer (layers[" + std::to_string(it->second) +
                    "]): layers must come in a topological order, reading network inputs and earlier layers");
  return int(it->second);
}

// A pool's window (kernel, stride, pad; or global: the input's H x W), its pads checked smaller
// than the kernel.
void read_pool_window(const Map& m, NetworkLayer& l) {
  const YamlSection& s = m.s;
  const TensorShape& in = l.in_shape;
  if (read_bool(m, "global")) {
    for (const char* key : {"kernel", "stride", "pad"})
      if (s.has(key))
        s.fail(key, "a global avgpool takes its kernel from the input (H x W, stride 1, pad 0): remove " +
                        std::string(key) + " or global");
    if (in.h > kMaxWindow || in.w > kMaxWindow)
      s.fail("global", "global pooling over a " + to_string(in) + " input needs a " + std::to_string(in.h) + " x " +
                           std::to_string(in.w) + " window, but windows are at most 255 x 255");
    l.kh = in.h;
    l.kw = in.w;
  } else {
    s.require("kernel", l.op == LayerOp::MaxPool ? "a maxpool layer needs it"
                                                 : "an avgpool layer needs it, unless it sets global: true");
    read_window(m, l);
    if (l.pad_top >= l.kh || l.pad_bottom >= l.kh || l.pad_left >= l.kw || l.pad_right >= l.kw)
      s.fail("pad", "a pool's pads must be smaller than its kernel (top, bottom < kh = " + std::to_string(l.kh) +
                        "; left, right < kw = " + std::to_string(l.kw) + "), got [" + std::to_string(l.pad_top) + ", " +
                        std::to_string(l.pad_left) + ", " + std::to_string(l.pad_bottom) + ", " +
                        std::to_string(l.pad_right) + "]");
  }
}

// A conv's several inputs are concatenated along C: they must share H and W; in_shape.c is the sum.
void read_conv_inputs(const Network& net, const YamlSection& s, NetworkLayer& l) {
  uint64_t c = 0;
  for (int t : l.inputs) {
    const TensorShape& x = net.shape_of(t);
    if (x.h != l.in_shape.h || x.w != l.in_shape.w)
      s.fail("inputs", "a conv's inputs are concatenated along channels and must have the same H x W, got " +
                           to_string(l.in_shape) + " and " + to_string(x));
    c += x.c;
  }
  if (c > kMaxElements)
    s.fail("inputs", "the concatenated inputs have more than " + std::to_string(kMaxElements) + " channels");
  l.in_shape.c = uint32_t(c);
}

// A conv's groups (default 1): C and M must be multiples of it.
void read_groups(const YamlSection& s, NetworkLayer& l) {
  if (!s.has("groups")) return;
  s.read("groups", l.groups);
  if (l.groups == 0 || l.in_shape.c % l.groups || l.out_shape.c % l.groups)
    s.fail("groups", "must be >= 1 and divide the input channels " + std::to_string(l.in_shape.c) +
                         " and the outputs " + std::to_string(l.out_shape.c) + ", got " + std::to_string(l.groups));
}

// The layer's function, and with `activation: lookup` its 256-entry table (and only then).
void read_function(const YamlSection& s, NetworkLayer& l) {
  std::string fn;
  if (s.has("activation")) s.read("activation", fn);
  if (fn == "lookup") {
    l.function = ActivationFunction::Lookup;
    s.require("table", "activation: lookup needs its 256-entry int8 table");
    l.table = read_int8_data(s, "table", 256);
    return;
  }
  if (s.has("table")) s.fail("table", "a table is used only with activation: lookup");
  l.function = read_activation(s);
}

// A matmul's heads, transpose_b and output shape (network.h): b's inputs share their channels and
// are concatenated along pixels; a's channels are G*K. Each sample has its own b (B is per image).
void read_matmul(const Network& net, const Map& m, NetworkLayer& l) {
  const YamlSection& s = m.s;
  if (s.has("heads")) s.read("heads", l.groups);
  l.transpose_b = read_bool(m, "transpose_b");
  const uint32_t cb = net.shape_of(l.inputs[1]).c;
  uint64_t pb = 0;
  for (size_t k = 1; k < l.inputs.size(); ++k) {
    const TensorShape& b = net.shape_of(l.inputs[k]);
    if (b.c != cb)
      s.fail("inputs", "a matmul's b inputs are concatenated along pixels and must have the same channels, got " +
                           to_string(net.shape_of(l.inputs[1])) + " and " + to_string(b));
    pb += uint64_t(b.h) * b.w;
  }
  const uint64_t G = l.groups, K = l.transpose_b ? cb / std::max<uint64_t>(G, 1) : pb;
  const uint64_t N = l.transpose_b ? pb : cb / std::max<uint64_t>(G, 1);
  if (G == 0 || cb % G || l.in_shape.c != G * K)
    s.fail(s.has("heads") ? "heads" : "inputs",
           "heads G = " + std::to_string(G) + " must be >= 1 and divide b's channels " + std::to_string(cb) +
               ", and a's channels " + std::to_string(l.in_shape.c) + " must be G x K = G x " +
               (l.transpose_b ? "b's channels / G" : "b's pixels") + " = " + std::to_string(G * K));
  if (G * N > kMaxElements) s.fail("inputs", "the output has more than " + std::to_string(kMaxElements) + " channels");
  l.out_shape = {l.in_shape.h, l.in_shape.w, uint32_t(G * N)};
  l.bias.assign(l.out_shape.c, 0);
}

// pixel_concat (network.h): every input has the first's channels and element type; the output is
// their pixels in order, [P, 1, C].
void read_pixel_concat(const Network& net, const YamlSection& s, NetworkLayer& l) {
  uint64_t pixels = 0;
  for (int t : l.inputs) {
    const TensorShape& x = net.shape_of(t);
    if (x.c != l.in_shape.c || net.type_of(t) != net.type_of(l.inputs[0]))
      s.fail("inputs", "the inputs of a pixel_concat need the same channels and element type, got " +
                           to_string(l.in_shape) + " " + element_type_name(net.type_of(l.inputs[0])) + " and " +
                           to_string(x) + " " + element_type_name(net.type_of(t)));
    pixels += uint64_t(x.h) * x.w;
  }
  if (pixels > kMaxSide) s.fail("inputs", "the output has " + std::to_string(pixels) + " pixels, more than 65535");
  l.out_shape = {uint32_t(pixels), 1, l.in_shape.c};
}

// pixel_slice (network.h): `pixels` [first, count] inside the input's H x W pixels; output [count, 1, C].
void read_pixel_slice(const Map& m, NetworkLayer& l) {
  const std::vector<int64_t> p = read_int_list(m, "pixels", {2}, "[first, count] of integers", 0, kMaxSide);
  const uint64_t image = uint64_t(l.in_shape.h) * l.in_shape.w;
  if (p[1] < 1 || uint64_t(p[0] + p[1]) > image)
    m.s.fail("pixels", "[first, count] = [" + std::to_string(p[0]) + ", " + std::to_string(p[1]) +
                           "] must have count >= 1 and first + count <= the input's " + std::to_string(image) +
                           " pixels (" + to_string(l.in_shape) + ")");
  l.pixel_first = uint32_t(p[0]);
  l.out_shape = {uint32_t(p[1]), 1, l.in_shape.c};
}

// Reads the op-specific keys of layer `l` (its inputs resolved) and infers its output shape.
void read_layer_op(const Network& net, const Map& m, NetworkLayer& l) {
  const YamlSection& s = m.s;
  const TensorShape& in = l.in_shape;
  const auto read_outputs = [&]() {
    uint32_t outputs = 0;
    s.read("outputs", outputs);
    if (outputs == 0) s.fail("outputs", "must be >= 1");
    checked_product(s, "outputs", {outputs, sizeof(int32_t)}, kMaxDataBytes, "the bias (outputs x 4 bytes)");
    return outputs;
  };
  const auto read_weights = [&](uint64_t rows, const std::string& what) {
    const uint32_t M = l.out_shape.c;
    const uint64_t count = checked_product(s, "weights", {rows, M}, kMaxDataBytes, "the weight tensor " + what);
    if (l.weight_bits == 16) l.weights = Int8Values(read_int16_planes(s, "weights", count));
    else l.weights = read_int8_values(s, "weights", count);
    l.bias = s.has("bias") ? read_int32_data(s, "bias", M) : std::vector<int32_t>(M, 0);
  };
  const auto window_shape = [&](uint32_t channels) {
    l.out_shape.h = window_output(s, "height", in.h, l.pad_top, l.pad_bottom, l.kh, l.sh);
    l.out_shape.w = window_output(s, "width", in.w, l.pad_left, l.pad_right, l.kw, l.sw);
    l.out_shape.c = channels;
  };
  const auto same_operand_shapes = [&]() {
    const TensorShape& b = net.shape_of(l.inputs[1]);
    if (b != in && !(b.h == 1 && b.w == 1 && b.c == in.c))
      s.fail("inputs", "the operands must have the same shape, or b [1, 1, C] with a [H, W, C] (broadcast), got " +
                           to_string(in) + " and " + to_string(b));
    l.out_shape = in;
  };

  if (s.has("weight_type")) {  // before the weights: their file holds int8 or int16
    std::string w;
    s.read("weight_type", w);
    if (w != "int8" && w != "int16") s.fail("weight_type", "must be int8 or int16, got " + w);
    l.weight_bits = w == "int16" ? 16 : 8;
  }
  switch (l.op) {
    case LayerOp::Conv: {
      read_window(m, l);
      read_conv_inputs(net, s, l);
      window_shape(read_outputs());
      read_groups(s, l);
      read_weights(checked_product(s, "weights", {l.kh, l.kw, l.in_shape.c / l.groups}, kMaxDataBytes, "kh x kw x C/g"),
                   "[kh][kw][C/g][M]");
      break;
    }
    case LayerOp::Dense: {
      uint64_t features = 0;
      for (int t : l.inputs) features += net.shape_of(t).elements();
      if (features > kMaxElements)
        s.fail("inputs", "the concatenated inputs have " + std::to_string(features) + " features, more than " +
                             std::to_string(kMaxElements));
      l.features = uint32_t(features);
      l.out_shape = {1, 1, read_outputs()};
      read_weights(l.features, "[features][M]");
      break;
    }
    case LayerOp::MaxPool:
    case LayerOp::AvgPool: {
      read_pool_window(m, l);
      window_shape(in.c);
      break;
    }
    case LayerOp::Add:
      same_operand_shapes();
      read_operand_pair(m, "operand_scales", "[sa, sb]", l.scale_a, l.scale_b);
      read_operand_pair(m, "operand_offsets", "[oa, ob]", l.offset_a, l.offset_b);
      read_operand_multipliers(m, l);
      break;
    case LayerOp::Mul:
      same_operand_shapes();
      read_operand_pair(m, "operand_offsets", "[oa, ob]", l.offset_a, l.offset_b);
      break;
    case LayerOp::Activate: {
      int64_t v = l.scale_a;
      s.read_signed("operand_scale", kInt16Min, kInt16Max, v);
      l.scale_a = int32_t(v);
      v = l.offset_a;
      s.read_signed("operand_offset", kInt16Min, kInt16Max, v);
      l.offset_a = int32_t(v);
      l.out_shape = in;
      break;
    }
    case LayerOp::HostOp:
      l.host_op = read_host_op(s, m.node, in.c);
      l.out_shape = in;
      break;
    case LayerOp::MatMul: read_matmul(net, m, l); break;
    case LayerOp::PixelConcat: read_pixel_concat(net, s, l); break;
    case LayerOp::PixelSlice: read_pixel_slice(m, l); break;
  }
  if (l.out_shape.elements() > kMaxElements)
    s.fail(l.op == LayerOp::Conv ? "outputs" : "op", "the output tensor " + to_string(l.out_shape) + " has more than " +
                                                         std::to_string(kMaxElements) + " elements");
  read_function(s, l);
  read_element_types(net, s, l);
  int32_t lo, hi;
  format_range(l.out_type, &lo, &hi);
  if (s.has("requant")) l.requant = read_requant(s, "requant", lo, hi);
  if (l.wide_scales && l.requant.multiplier != 1)
    s.fail("requant",
           "an add with operand_multipliers needs requant multiplier 1 (the operand multipliers carry "
           "the scale), got " +
               std::to_string(l.requant.multiplier));
}

// Reads the network inputs (shapes and data) into net.inputs; returns name -> tensor index (-k-1).
std::map<std::string, int> read_inputs(const YamlSection& top, const std::string& path, const YAML::Node& root,
                                       Network& net) {
  std::map<std::string, int> input_index;
  const YAML::Node raw_inputs = root["inputs"];
  const std::vector<YamlSection> input_sections = top.sequence("inputs", kInputKeys);
  for (size_t i = 0; i < input_sections.size(); ++i) {
    const YamlSection& first = input_sections[i];
    for (const char* key : {"name", "shape", "file"}) first.require(key, "every network input sets it");
    NetworkInput in;
    first.read("name", in.name);
    if (const auto it = input_index.find(in.name); it != input_index.end())
      first.fail("name", "duplicate input name " + in.name + " (also inputs[" + std::to_string(-it->second - 1) + "])");
    const Map m{
        YamlSection(kMsgType, path, raw_inputs[i], "inputs[" + std::to_string(i) + "] (" + in.name + ")", kInputKeys),
        raw_inputs[i]};
    const std::vector<int64_t> shape = read_int_list(m, "shape", {3}, "[H, W, C] of integers >= 1", 1, kMaxElements);
    if (shape[0] > kMaxSide || shape[1] > kMaxSide)
      m.s.fail("shape", "H and W must be <= " + std::to_string(kMaxSide) + ", got [" + std::to_string(shape[0]) + ", " +
                            std::to_string(shape[1]) + ", " + std::to_string(shape[2]) + "]");
    in.shape = {uint32_t(shape[0]), uint32_t(shape[1]), uint32_t(shape[2])};
    if (in.shape.elements() > kMaxElements)
      m.s.fail("shape",
               "the tensor " + to_string(in.shape) + " has more than " + std::to_string(kMaxElements) + " elements");
    in.data = read_int8_data(m.s, "file", uint64_t(net.samples) * in.shape.elements());
    if (m.s.has("type")) in.type = read_element_type(m.s, "type", false);
    input_index[in.name] = -int(i) - 1;
    net.inputs.push_back(std::move(in));
  }
  return input_index;
}

// The layers' names (checked unique and not an input's), so that references to later layers can
// be told from unknown names; fills `layer_index` (name -> index).
std::vector<std::string> read_layer_names(const std::vector<YamlSection>& layer_sections,
                                          const std::map<std::string, int>& input_index,
                                          std::map<std::string, size_t>& layer_index) {
  std::vector<std::string> names;
  for (size_t i = 0; i < layer_sections.size(); ++i) {
    const YamlSection& first = layer_sections[i];
    first.require("name", "every layer has one");
    std::string name;
    first.read("name", name);
    if (input_index.count(name)) first.fail("name", "layer name " + name + " is also the name of a network input");
    if (const auto it = layer_index.find(name); it != layer_index.end())
      first.fail("name", "duplicate layer name " + name + " (also layers[" + std::to_string(it->second) + "])");
    layer_index[name] = i;
    names.push_back(name);
  }
  return names;
}

// Reads layer i (section `m`, named `name`): its op, keys, the tensors it reads, then read_layer_op.
NetworkLayer read_layer(const Network& net, const Map& m, size_t i, const std::string& name,
                        const std::map<std::string, int>& input_index,
                        const std::map<std::string, size_t>& layer_index) {
  const YamlSection& s = m.s;
  NetworkLayer l;
  l.name = name;

  s.require("op", "every layer has one");
  std::string op;
  s.read("op", op);
  const std::vector<OpSpec>& specs = op_specs();
  const auto spec = std::find_if(specs.begin(), specs.end(), [&](const OpSpec& o) { return o.name == op; });
  if (spec == specs.end()) {
    std::vector<std::string> ops;
    for (const OpSpec& o : specs) ops.push_back(o.name);
    s.fail("op", "must be one of " + join(ops) + ", got " + op);
  }
  l.op = spec->op;
  std::vector<std::string> allowed = kCommonKeys;
  allowed.insert(allowed.end(), spec->keys.begin(), spec->keys.end());
  for (const std::string& key : kLayerKeys)
    if (s.has(key) && std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      s.fail(key, article(op) + " layer does not take " + key + "; its keys are " + join(allowed));
  for (const std::string& key : spec->required) s.require(key, article(op) + " layer needs it");

  // The tensors it reads.
  if (s.has("input") && s.has("inputs")) s.fail("inputs", "give either input or inputs, not both");
  const std::string key = s.has("inputs") ? "inputs" : "input";
  if (s.has("inputs")) {
    for (const std::string& ref : read_name_list(m, "inputs"))
      l.inputs.push_back(resolve(s, key, ref, i, input_index, layer_index));
  } else if (s.has("input")) {
    std::string ref;
    s.read("input", ref);
    l.inputs.push_back(resolve(s, key, ref, i, input_index, layer_index));
  } else {
    l.inputs.push_back(i == 0 ? -1 : int(i) - 1);
  }
  const size_t n = l.inputs.size();
  if (n < spec->min_inputs || n > spec->max_inputs) {
    const std::string want = spec->min_inputs == 2 && spec->max_inputs == SIZE_MAX
                                 ? "at least two tensors (inputs: [a, b, ...])"
                             : spec->min_inputs == 2 ? "two tensors (inputs: [a, b])"
                                                     : "one tensor";
    s.fail(key, article(op) + " layer reads " + want + ", got " + std::to_string(n) +
                    (s.has(key) ? "" : " (the default: the previous layer, or the first input)"));
  }
  l.in_shape = net.shape_of(l.inputs[0]);

  read_layer_op(net, m, l);
  return l;
}

}  // namespace

const char* element_type_name(ElementType t) {
  switch (t) {
    case ElementType::Uint8: return "uint8";
    case ElementType::Int16: return "int16";
    case ElementType::Int8: break;
  }
  return "int8";
}

uint64_t NetworkLayer::macs() const {
  switch (op) {
    case LayerOp::Conv:
    case LayerOp::MatMul: return out_shape.elements() * kh * kw * (in_shape.c / groups);
    case LayerOp::Dense: return uint64_t(features) * out_shape.c;
    default: return 0;
  }
}

uint64_t Network::macs_per_sample() const {
  uint64_t m = 0;
  for (const NetworkLayer& l : layers) m += l.macs();
  return m;
}

bool is_network_manifest(const std::string& path) {
  return is_network_manifest(load_yaml_document(kMsgType, path, "workload manifest"));
}

bool is_network_manifest(const YAML::Node& root) {
  if (!root.IsMap()) return false;
  const YAML::Node format = root["format"];
  return format.IsDefined() && format.IsScalar() && format.Scalar() == "network";
}

Network load_network(const std::string& path) {
  return load_network(path, load_yaml_document(kMsgType, path, "workload manifest"));
}

Network load_network(const std::string& path, const YAML::Node& root) {
  const YamlSection top(kMsgType, path, root, "", kTopKeys);
  for (const char* key : {"format", "name", "samples", "inputs", "layers"})
    top.require(key, "every network manifest sets it");
  std::string format;
  top.read("format", format);
  if (format != "network") top.fail("format", "must be network for a network manifest, got " + format);

  Network net;
  net.source_file = path;
  top.read("name", net.name);
  top.read("description", net.description);
  top.read("samples", net.samples);
  if (net.samples == 0) top.fail("samples", "must be >= 1");

  const std::map<std::string, int> input_index = read_inputs(top, path, root, net);
  const YAML::Node raw_layers = root["layers"];
  const std::vector<YamlSection> layer_sections = top.sequence("layers", kLayerKeys);
  std::map<std::string, size_t> layer_index;
  const std::vector<std::string> names = read_layer_names(layer_sections, input_index, layer_index);
  for (size_t i = 0; i < layer_sections.size(); ++i) {
    const Map m{
        YamlSection(kMsgType, path, raw_layers[i], "layers[" + std::to_string(i) + "] (" + names[i] + ")", kLayerKeys),
        raw_layers[i]};
    net.layers.push_back(read_layer(net, m, i, names[i], input_index, layer_index));
  }

  // The output and its golden data.
  net.output = int(net.layers.size()) - 1;
  if (top.has("output")) {
    std::string name;
    top.read("output", name);
    const auto it = layer_index.find(name);
    if (it == layer_index.end())
      top.fail("output", input_index.count(name) ? name + " is a network input; the output must be a layer"
                                                 : "unknown layer " + name);
    net.output = int(it->second);
  }
  if (net.output_layer().out_type == ElementType::Int16)
    top.fail(top.has("output") ? "output" : "layers",
             "the output layer " + net.output_layer().name + " writes int16; the network's output must be 8-bit");
  if (top.has("golden"))
    net.golden = read_data_file<int8_t>(top, "golden", uint64_t(net.samples) * net.output_layer().out_shape.elements());
  return net;
}

}  // namespace tpu
