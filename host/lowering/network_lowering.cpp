#include "lowering/network_lowering.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <sstream>

#include "lowering/program_builder.h"
#include "util/report.h"

namespace tpu {

namespace {

const char* op_name(LayerOp op) {
  switch (op) {
    case LayerOp::Conv: return "conv";
    case LayerOp::Dense: return "dense";
    case LayerOp::MaxPool: return "maxpool";
    case LayerOp::AvgPool: return "avgpool";
    case LayerOp::Add: return "add";
    case LayerOp::Mul: return "mul";
    case LayerOp::Activate: return "activate";
  }
  return "?";
}

/// First-fit allocator of UB rows [lo, hi).
class RowAllocator {
 public:
  RowAllocator(uint64_t lo, uint64_t hi) : peak_(lo) { free_[lo] = hi - lo; }
  /// Base row of `rows` free rows, or UINT64_MAX.
  uint64_t alloc(uint64_t rows) {
    for (auto it = free_.begin(); it != free_.end(); ++it)
      if (it->second >= rows) {
        const uint64_t base = it->first, left = it->second - rows;
        free_.erase(it);
        if (left) free_[base + rows] = left;
        peak_ = std::max(peak_, base + rows);
        return base;
      }
    return std::numeric_limits<uint64_t>::max();
  }
  void release(uint64_t base, uint64_t rows) {
    auto it = free_.emplace(base, rows).first;
    auto next = std::next(it);
    if (next != free_.end() && it->first + it->second == next->first) it->second += next->second, free_.erase(next);
    if (it != free_.begin()) {
      auto prev = std::prev(it);
      if (prev->first + prev->second == it->first) prev->second += it->second, free_.erase(it);
    }
  }
  uint64_t peak() const { return peak_; }
  uint64_t largest_free() const {
    uint64_t m = 0;
    for (const auto& [b, n] : free_) m = std::max(m, n);
    return m;
  }

 private:
  std::map<uint64_t, uint64_t> free_;  // base -> rows
  uint64_t peak_;
};

/// Where a tensor lives.
struct Tensor {
  TensorShape shape;
  uint64_t tiles = 0, rows = 0;  // channel tiles; UB rows (tiles x N x H x W)
  uint64_t base = 0;
  int last_use = -1;             // last layer reading it (INT_MAX: the output)
  bool live = false;
};

/// Emits instructions, skipping Set_Configs that do not change a register.
class Emitter {
 public:
  explicit Emitter(std::vector<Instruction>& prog) : prog_(prog) {}
  void set(ConfigRegister reg, int64_t value) {
    auto it = regs_.find(reg);
    if (it != regs_.end() && it->second == value) return;
    regs_[reg] = value;
    prog_.push_back(set_config(reg, int32_t(value)));
  }
  void requant(const RequantParams& q) {
    set(ConfigRegister::ActMultiplier, q.multiplier);
    set(ConfigRegister::ActShift, q.shift);
    set(ConfigRegister::ActZeroPoint, q.zero_point);
  }
  /// The window registers: H x W input, P x Q output, strides, top/left padding.
  void window(const TensorShape& in, uint32_t p, uint32_t q, uint32_t sh, uint32_t sw, uint32_t pad_top,
              uint32_t pad_left) {
    set(ConfigRegister::InputHeight, in.h);
    set(ConfigRegister::InputWidth, in.w);
    set(ConfigRegister::OutputHeight, p);
    set(ConfigRegister::OutputWidth, q);
    set(ConfigRegister::StrideH, sh);
    set(ConfigRegister::StrideW, sw);
    set(ConfigRegister::PadTop, pad_top);
    set(ConfigRegister::PadLeft, pad_left);
  }
  /// The window registers of a conv or pool layer.
  void window(const TensorShape& in, const NetworkLayer& l) {
    window(in, l.out_shape.h, l.out_shape.w, l.sh, l.sw, l.pad_top, l.pad_left);
  }
  void push(const Instruction& in) { prog_.push_back(in); }

 private:
  std::vector<Instruction>& prog_;
  std::map<ConfigRegister, int64_t> regs_;
};

/// One input of a weighted layer as the MXU sees it: kh x kw positions x the tensor's channel
/// tiles, each pass one weight tile.
struct PassSource {
  int tensor;
  uint32_t kh, kw;           // positions: kernel (conv) or the input's H x W (dense)
  uint64_t feature_offset;   // dense: first weight row of this input
  bool flat;                 // each pass reads consecutive UB rows: MatrixMultiply, not Convolve
};

}  // namespace

LoweredProgram lower_network(const Network& net, const ArchConfig& cfg) {
  const uint64_t R = cfg.mxu.rows, N = net.samples;
  const int L = int(net.layers.size());
  LoweredProgram out;
  out.batch = uint32_t(N);
  const std::string who = "network " + net.name + " on config " + cfg.name;
  auto fail = [&](const NetworkLayer* l, const std::string& what) {
    raise_as(kLoweringMsgType, who + (l ? ", layer " + l->name : std::string()) + ": " + what);
  };

  // Tensors: network inputs at -k-1, layer outputs at their index.
  std::map<int, Tensor> tensors;
  auto tensor_of = [&](int t) -> Tensor& { return tensors[t]; };
  auto describe = [&](int t) { return t >= 0 ? net.layers[size_t(t)].name : net.inputs[size_t(-t - 1)].name; };
  for (size_t k = 0; k < net.inputs.size(); ++k) {
    Tensor& t = tensor_of(-int(k) - 1);
    t.shape = net.inputs[k].shape;
  }
  for (int i = 0; i < L; ++i) tensor_of(i).shape = net.layers[size_t(i)].out_shape;
  for (auto& [id, t] : tensors) {
    t.tiles = ceil_div(t.shape.c, R);
    t.rows = t.tiles * N * t.shape.h * t.shape.w;
  }
  for (int i = 0; i < L; ++i)
    for (int t : net.layers[size_t(i)].inputs) tensor_of(t).last_use = std::max(tensor_of(t).last_use, i);
  tensor_of(net.output).last_use = std::numeric_limits<int>::max();

  // Bias rows (UB rows 0 ..): bias_rows_per_tile() per output tile of every conv/dense layer.
  const uint64_t bias_rows_per_tile = tpu::bias_rows_per_tile(cfg);
  std::vector<uint64_t> bias_row(size_t(L), 0);
  uint64_t bias_rows = 0;
  for (int i = 0; i < L; ++i) {
    const NetworkLayer& l = net.layers[size_t(i)];
    if (l.op != LayerOp::Conv && l.op != LayerOp::Dense) continue;
    bias_row[size_t(i)] = bias_rows;
    bias_rows += ceil_div(l.out_shape.c, R) * bias_rows_per_tile;
  }
  if (bias_rows > cfg.ub_rows())
    fail(nullptr, "the bias vectors alone need " + std::to_string(bias_rows) + " Unified Buffer rows, the chip has " +
                      std::to_string(cfg.ub_rows()));
  out.host_image.assign(bias_rows * R, 0);
  for (int i = 0; i < L; ++i) {
    const NetworkLayer& l = net.layers[size_t(i)];
    if (l.op != LayerOp::Conv && l.op != LayerOp::Dense) continue;
    for (uint64_t m = 0; m < l.out_shape.c; ++m)
      std::memcpy(&out.host_image[(bias_row[size_t(i)] + (m / R) * bias_rows_per_tile) * R + (m % R) * 4], &l.bias[m], 4);
  }

  RowAllocator ub(bias_rows, cfg.ub_rows());
  auto allocate = [&](int id, const NetworkLayer* l) {
    Tensor& t = tensor_of(id);
    t.base = ub.alloc(t.rows);
    if (t.base == std::numeric_limits<uint64_t>::max()) {
      std::ostringstream m;
      m << "tensor " << describe(id) << " (" << t.shape.h << "x" << t.shape.w << "x" << t.shape.c << " x " << N
        << " images) needs " << t.rows << " Unified Buffer rows; the largest free block is " << ub.largest_free()
        << " of the chip's " << cfg.ub_rows() << " rows (bias vectors use " << bias_rows
        << "); the network does not fit with batch " << N;
      fail(l, m.str());
    }
    t.live = true;
  };

  // Host memory: network inputs, packed per channel tile.
  auto host_alloc = [&](uint64_t bytes, const NetworkLayer* l) {
    const uint64_t addr = out.host_image.size();
    if (addr + bytes > (uint64_t(1) << 32))
      fail(l, "inputs and output need more than the 4 GiB of host addresses Read/Write_Host_Memory reach");
    out.host_image.resize(addr + bytes, 0);
    return addr;
  };
  auto row_bytes = [&](const TensorShape& s, uint64_t k) { return std::min<uint64_t>(R, s.c - k * R); };
  std::vector<uint64_t> input_addr(net.inputs.size());
  for (size_t k = 0; k < net.inputs.size(); ++k) {
    const NetworkInput& in = net.inputs[k];
    const uint64_t pixels = N * in.shape.h * in.shape.w;
    input_addr[k] = host_alloc(pixels * in.shape.c, nullptr);
    uint64_t addr = input_addr[k];
    for (uint64_t t = 0; t * R < in.shape.c; ++t) {
      const uint64_t rb = row_bytes(in.shape, t);
      for (uint64_t px = 0; px < pixels; ++px)
        std::memcpy(&out.host_image[addr + px * rb], &in.data[px * in.shape.c + t * R], rb);
      addr += pixels * rb;
    }
  }
  const Tensor& y = tensor_of(net.output);
  const uint64_t out_pixels = N * y.shape.h * y.shape.w;
  const uint64_t output_addr = host_alloc(out_pixels * y.shape.c, nullptr);
  out.batches.push_back({0, uint32_t(N), uint32_t(input_addr.empty() ? 0 : input_addr[0]), uint32_t(output_addr)});

  // Weight memory: each weighted layer's tiles in the SWITCH order of one stripe.
  std::vector<uint64_t> weight_base(size_t(L), 0), weight_tiles(size_t(L), 0);
  std::vector<std::vector<PassSource>> sources(static_cast<size_t>(L));
  for (int i = 0; i < L; ++i) {
    const NetworkLayer& l = net.layers[size_t(i)];
    if (l.op != LayerOp::Conv && l.op != LayerOp::Dense) continue;
    if (l.op == LayerOp::Conv) {
      // A 1x1, unit-stride, unpadded conv reads each output pixel's own input row.
      const bool flat = l.kh == 1 && l.kw == 1 && l.sh == 1 && l.sw == 1 && l.pad_top == 0 && l.pad_left == 0 &&
                        l.out_shape.h == l.in_shape.h && l.out_shape.w == l.in_shape.w;
      sources[size_t(i)].push_back({l.inputs[0], l.kh, l.kw, 0, flat});
    } else {
      uint64_t offset = 0;
      for (int t : l.inputs) {
        const TensorShape& s = net.shape_of(t);
        // A spatial input is read by Convolve with an H x W window: kernel_row/col are 8 bits.
        if (s.h > 256 || s.w > 256)
          fail(&l, "input " + describe(t) + " is " + std::to_string(s.h) + "x" + std::to_string(s.w) +
                       " pixels; a dense layer reads at most 256x256 (Convolve's 8-bit kernel position)");
        sources[size_t(i)].push_back({t, s.h, s.w, offset, s.h == 1 && s.w == 1});
        offset += s.elements();
      }
    }
    for (const PassSource& src : sources[size_t(i)])
      weight_tiles[size_t(i)] += src.kh * src.kw * ceil_div(net.shape_of(src.tensor).c, R);
    weight_tiles[size_t(i)] *= ceil_div(l.out_shape.c, R);
  }
  // The image at once (zeros: the tiles' padding), then each weighted layer's tiles.
  uint64_t image_tiles = 0;
  for (int i = 0; i < L; ++i) weight_base[size_t(i)] = image_tiles * R * R, image_tiles += weight_tiles[size_t(i)];
  check_weight_capacity(image_tiles * R * R, cfg, who);
  out.weight_image.assign(image_tiles * R * R, 0);
  for (int i = 0; i < L; ++i) {
    const NetworkLayer& l = net.layers[size_t(i)];
    if (l.op != LayerOp::Conv && l.op != LayerOp::Dense) continue;
    const uint64_t J = ceil_div(l.out_shape.c, R), M = l.out_shape.c;
    uint64_t at = weight_base[size_t(i)];
    for (uint64_t j = 0; j < J; ++j)
      for (const PassSource& src : sources[size_t(i)]) {
        const uint64_t C = net.shape_of(src.tensor).c;
        for (uint64_t r = 0; r < src.kh; ++r)
          for (uint64_t s = 0; s < src.kw; ++s)
            for (uint64_t k = 0; k * R < C; ++k, at += R * R) {
              uint8_t* tile = &out.weight_image[at];
              for (uint64_t rr = 0; rr < R && k * R + rr < C; ++rr) {
                const uint64_t c = k * R + rr;
                const uint64_t row = l.op == LayerOp::Conv ? (r * l.kw + s) * C + c
                                                           : src.feature_offset + (r * src.kw + s) * C + c;
                l.weights.copy(row * M + j * R, std::min(R, M - j * R), reinterpret_cast<int8_t*>(&tile[rr * R]));
              }
            }
      }
    sc_assert(at == weight_base[size_t(i)] + weight_tiles[size_t(i)] * R * R);  // (the count above)
  }
  // Accumulators: two halves, alternating per output block (one buffer on a 1-row chip).
  const bool double_acc = cfg.accumulators.rows >= 2;
  const uint64_t half = double_acc ? cfg.accumulators.rows / 2 : cfg.accumulators.rows;
  uint64_t acc_block = 0;
  auto next_acc = [&]() { return double_acc ? (acc_block++ % 2) * half : 0; };
  out.acc_rows_used = 0;

  // Stripes of weighted layers, in program order, for the Read_Weights one stripe ahead.
  struct Stripe {
    int layer;
    uint64_t g0, rows;
  };
  std::vector<Stripe> stripes;
  for (int i = 0; i < L; ++i) {
    const NetworkLayer& l = net.layers[size_t(i)];
    if (l.op != LayerOp::Conv && l.op != LayerOp::Dense) continue;
    const uint64_t Q = l.out_shape.w, total = N * l.out_shape.h;
    if (Q > half)
      fail(&l, "an output row of " + std::to_string(Q) + " pixels does not fit half the accumulators (" +
                   std::to_string(half) + " rows)");
    const uint64_t per = half / Q;
    for (uint64_t g0 = 0; g0 < total; g0 += per) stripes.push_back({i, g0, std::min(per, total - g0)});
  }

  auto& prog = out.program;
  Emitter e(prog);
  size_t next_stripe = 0;
  auto read_next_weights = [&]() {
    if (next_stripe >= stripes.size()) return;
    const int i = stripes[next_stripe++].layer;
    e.push(read_weights(weight_base[size_t(i)], weight_tiles[size_t(i)]));
    out.layers[size_t(i)].dram_bytes += weight_tiles[size_t(i)] * R * R;
  };
  for (int i = 0; i < L; ++i) {
    const NetworkLayer& l = net.layers[size_t(i)];
    out.layers.push_back({l.name, op_name(l.op), uint32_t(i), l.macs() * N, l.weight_bytes(), 0});
  }

  // Prologue: bias rows, inputs, the first stripe's weights.
  e.set(ConfigRegister::HostRowBytes, 0);
  if (bias_rows) e.push(host_transfer(Opcode::ReadHostMemory, 0, 0, bias_rows));
  for (size_t k = 0; k < net.inputs.size(); ++k) {
    const int id = -int(k) - 1;
    allocate(id, nullptr);
    const Tensor& t = tensor_of(id);
    const uint64_t pixels = N * t.shape.h * t.shape.w;
    uint64_t addr = input_addr[k];
    for (uint64_t tile = 0; tile < t.tiles; ++tile) {
      const uint64_t rb = row_bytes(t.shape, tile);
      e.set(ConfigRegister::HostRowBytes, rb == R ? 0 : int64_t(rb));
      e.push(host_transfer(Opcode::ReadHostMemory, t.base + tile * pixels, addr, pixels));
      addr += pixels * rb;
    }
  }
  read_next_weights();
  e.push(sync(Unit::Host));

  for (int i = 0; i < L; ++i) {
    const NetworkLayer& l = net.layers[size_t(i)];
    if (i > 0) {
      e.push(sync(Unit::Activation));
      // Every instruction of earlier layers has completed: free what no later layer reads.
      for (auto& [id, t] : tensors)
        if (t.live && t.last_use < i) ub.release(t.base, t.rows), t.live = false;
    }
    e.set(ConfigRegister::Tag, i);
    allocate(i, &l);
    const Tensor& yt = tensor_of(i);
    const TensorShape& os = l.out_shape;
    const uint64_t out_image = uint64_t(os.h) * os.w;
    // Convolve and Pool address output rows g = 0 .. N*P-1 with a 16-bit out_row.
    bool windowed = l.op == LayerOp::MaxPool || l.op == LayerOp::AvgPool;
    for (const PassSource& src : sources[size_t(i)]) windowed = windowed || !src.flat;
    if (windowed && N * os.h > 65536)
      fail(&l, std::to_string(N * os.h) + " output rows (N x P) exceed the 65536 that Convolve's and Pool's 16-bit "
                                          "out_row can address; run fewer samples");

    if (l.op == LayerOp::Conv || l.op == LayerOp::Dense) {
      const uint64_t J = ceil_div(os.c, R), Q = os.w;
      e.requant(l.requant);
      for (const Stripe& st : stripes) {
        if (st.layer != i) continue;
        for (uint64_t j = 0; j < J; ++j) {
          const uint64_t acc = next_acc();
          out.acc_rows_used = std::max(out.acc_rows_used, acc + st.rows * Q);
          bool first = true;
          for (const PassSource& src : sources[size_t(i)]) {
            const Tensor& xt = tensor_of(src.tensor);
            const TensorShape& is = xt.shape;
            const uint64_t in_image = uint64_t(is.h) * is.w;
            if (!src.flat) {
              if (l.op == LayerOp::Conv) e.window(is, l);
              else e.window(is, 1, 1, 1, 1, 0, 0);  // dense on a spatial input: an H x W window, one pixel out
            }
            for (uint32_t r = 0; r < src.kh; ++r)
              for (uint32_t s = 0; s < src.kw; ++s)
                for (uint64_t k = 0; k < xt.tiles; ++k) {
                  const uint64_t tile_base = xt.base + k * N * in_image;
                  if (src.flat) {
                    Instruction mm;
                    mm.op = Opcode::MatrixMultiply;
                    mm.ub_row = uint32_t(tile_base + st.g0 * Q);
                    mm.acc_row = uint32_t(acc);
                    mm.rows = uint32_t(st.rows * Q);
                    mm.switch_weights = true;
                    mm.accumulate = !first;
                    e.push(mm);
                  } else {
                    for (uint64_t c0 = 0; c0 < st.rows; c0 += 255) {
                      Instruction cv;
                      cv.op = Opcode::Convolve;
                      cv.ub_row = uint32_t(tile_base);
                      cv.acc_row = uint32_t(acc + c0 * Q);
                      cv.kernel_row = r;
                      cv.kernel_col = s;
                      cv.out_row = uint32_t(st.g0 + c0);
                      cv.rows = uint32_t(std::min<uint64_t>(255, st.rows - c0));
                      cv.switch_weights = c0 == 0;
                      cv.accumulate = !first;
                      e.push(cv);
                    }
                  }
                  first = false;
                }
          }
          e.set(ConfigRegister::ActBiasRow, int64_t(bias_row[size_t(i)] + j * bias_rows_per_tile));
          Instruction act;
          act.op = Opcode::Activate;
          act.ub_row = uint32_t(yt.base + j * N * out_image + st.g0 * Q);
          act.acc_row = uint32_t(acc);
          act.rows = uint32_t(st.rows * Q);
          act.function = l.function;
          act.bias = true;
          e.push(act);
        }
        read_next_weights();
      }
    } else if (l.op == LayerOp::MaxPool || l.op == LayerOp::AvgPool) {
      const Tensor& xt = tensor_of(l.inputs[0]);
      const uint64_t in_image = uint64_t(xt.shape.h) * xt.shape.w, total = N * os.h;
      e.window(xt.shape, l);
      e.set(ConfigRegister::PoolHeight, l.kh);
      e.set(ConfigRegister::PoolWidth, l.kw);
      if (l.op == LayerOp::AvgPool) e.requant(l.requant);
      for (uint64_t k = 0; k < xt.tiles; ++k)
        for (uint64_t g0 = 0; g0 < total; g0 += 65535) {
          Instruction pl;
          pl.op = Opcode::Pool;
          pl.ub_row = uint32_t(yt.base + k * N * out_image + g0 * os.w);
          pl.src_row = uint32_t(xt.base + k * N * in_image);
          pl.out_row = uint32_t(g0);
          pl.rows = uint32_t(std::min<uint64_t>(65535, total - g0));
          pl.average = l.op == LayerOp::AvgPool;
          e.push(pl);
        }
    } else {  // add, mul, activate: element-wise over all rows
      const Tensor& a = tensor_of(l.inputs[0]);
      e.requant(l.requant);
      e.set(ConfigRegister::VecScaleA, l.scale_a);
      e.set(ConfigRegister::VecOffsetA, l.offset_a);
      Instruction v;
      v.op = Opcode::Vector;
      v.ub_row = uint32_t(yt.base);
      v.src_row = uint32_t(a.base);
      v.rows = uint32_t(a.rows);
      v.function = l.function;
      v.vec_op = l.op == LayerOp::Add ? VectorOp::Add : l.op == LayerOp::Mul ? VectorOp::Multiply : VectorOp::Unary;
      if (l.op != LayerOp::Activate) {
        e.set(ConfigRegister::VecSourceB, int64_t(tensor_of(l.inputs[1]).base));
        e.set(ConfigRegister::VecOffsetB, l.offset_b);
        if (l.op == LayerOp::Add) e.set(ConfigRegister::VecScaleB, l.scale_b);
      }
      e.push(v);
    }
  }

  // Epilogue: the output to the host, tile by tile.
  e.push(sync(Unit::Activation));
  uint64_t addr = output_addr;
  for (uint64_t tile = 0; tile < y.tiles; ++tile) {
    const uint64_t rb = row_bytes(y.shape, tile);
    e.set(ConfigRegister::HostRowBytes, rb == R ? 0 : int64_t(rb));
    e.push(host_transfer(Opcode::WriteHostMemory, y.base + tile * out_pixels, addr, out_pixels));
    addr += out_pixels * rb;
  }
  out.ub_rows_used = ub.peak();
  out.useful_macs = net.macs_per_sample() * N;
  finish_program(out, cfg, who, "");
  return out;
}

std::vector<int8_t> gather_network_output(const LoweredProgram& p, const Network& net, const ArchConfig& cfg,
                                          const uint8_t* host_memory) {
  const uint64_t R = cfg.mxu.rows, N = net.samples;
  const TensorShape& s = net.output_layer().out_shape;
  const uint64_t pixels = N * s.h * s.w;
  std::vector<int8_t> out(pixels * s.c);
  uint64_t addr = p.batches.at(0).output_host_addr;
  for (uint64_t k = 0; k * R < s.c; ++k) {
    const uint64_t rb = std::min<uint64_t>(R, s.c - k * R);
    for (uint64_t px = 0; px < pixels; ++px)
      std::memcpy(&out[px * s.c + k * R], &host_memory[addr + px * rb], rb);
    addr += pixels * rb;
  }
  return out;
}

}  // namespace tpu
