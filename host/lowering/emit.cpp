// emit_program (steps.h): the instructions of a planned, allocated lowering.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "lowering/program_builder.h"
#include "lowering/steps.h"

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
    case LayerOp::HostOp: return "host_op";
    case LayerOp::MatMul: return "matmul";
    case LayerOp::PixelConcat: return "pixel_concat";
    case LayerOp::PixelSlice: return "pixel_slice";
  }
  return "?";
}

/// Emits the program of one lowering (steps.h), batch by batch and layer by layer.
class ProgramEmitter {
 public:
  ProgramEmitter(const LoweringPlan& plan, const Allocation& alloc, const HostLayout& host, const ArchConfig& cfg,
                 LoweredProgram& out)
      : plan_(plan), alloc_(alloc), host_(host), cfg_(cfg), out_(out), net_(*plan.net) {}

  /// Prologue (bias rows, the first batch's inputs, the first weights), then every batch.
  void run() {
    if (plan_.policy.layer_records)
      for (size_t i = 0; i < net_.layers.size(); ++i) {
        const NetworkLayer& l = net_.layers[i];
        const bool none = emits_nothing(i);
        out_.layers.push_back(
            {l.name, op_name(l.op), uint32_t(i), none ? 0 : l.macs() * net_.samples, none ? 0 : l.weight_bytes(), 0});
      }
    if (!plan_.policy.padded_host_rows) set(ConfigRegister::HostRowBytes, 0);
    if (plan_.bias_rows) push(host_transfer(Opcode::ReadHostMemory, 0, 0, plan_.bias_rows));
    read_inputs(0);
    read_next_weights();
    for (size_t b = 0; b < plan_.batches.size(); ++b) emit_batch(b);
  }

 private:
  void push(const Instruction& in) { out_.program.push_back(in); }

  /// Whether layer i has no instructions: a Concat its producers wrote in place (placed) or a
  /// channel selection its readers read in place (read_in_place).
  bool emits_nothing(size_t i) const { return plan_.layers[i].placed || plan_.layers[i].read_in_place; }

  /// Set_Config of `reg`, skipped when it would not change the register (config_on_change).
  void set(ConfigRegister reg, int64_t value) {
    if (plan_.policy.config_on_change) {
      auto it = regs_.find(reg);
      if (it != regs_.end() && it->second == value) return;
      regs_[reg] = value;
    }
    push(set_config(reg, int32_t(value)));
  }

  /// Set_Config of a register most programs leave at its reset value 0 (isa.h: lane groups, lanes,
  /// operand formats), only when it changes it, so a program of one-pixel-per-row int8 tensors has
  /// none of them.
  void set_group(ConfigRegister reg, int64_t value) {
    auto it = groups_.find(reg);
    if ((it == groups_.end() ? 0 : it->second) == value) return;
    groups_[reg] = value;
    if (plan_.policy.config_on_change) regs_[reg] = value;  // what set() compares with
    push(set_config(reg, int32_t(value)));
  }

  /// Set_Config of a lane register as the policy says (set), remembered for set_group.
  void set_lane(ConfigRegister reg, int64_t value) {
    set(reg, value);
    groups_[reg] = value;
  }

  /// Row and first lane group of pixel `k` of packed tensor `t` from base row `base` (group 0).
  void packed_at(const PlannedTensor& t, uint64_t base, uint64_t k, uint64_t* row, uint64_t* first) const {
    const uint64_t P = plan_.R / t.group;
    *row = base + k / P, *first = k % P;
  }

  void requant(const RequantParams& q) {
    set(ConfigRegister::ActMultiplier, q.multiplier);
    set(ConfigRegister::ActShift, q.shift);
    set(ConfigRegister::ActZeroPoint, q.zero_point);
    set_group(ConfigRegister::ActRounding, int64_t(q.rounding));  // (reset half_up: most programs have none)
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

  /// Samples of batch `b`.
  uint64_t samples(size_t b) const { return plan_.batches[b].samples; }
  /// UB row of tensor `id` in batch `b`.
  uint64_t ub(size_t b, int id) const { return alloc_.base(b, plan_.tensor_index(id)); }

  /// Moves tensor `id` of batch `b` between the UB and host address `addr`: one transfer with
  /// padded host rows, else one per tile with its host_row_bytes.
  void transfer(Opcode op, int id, size_t b, uint64_t addr) {
    const PlannedTensor& t = plan_.tensor(id);
    const uint64_t pixels = samples(b) * t.shape.h * t.shape.w;
    if (plan_.policy.padded_host_rows) return push(host_transfer(op, ub(b, id), addr, t.tiles * pixels));
    set_group(ConfigRegister::HostGroupBytes, int64_t(t.group));
    if (t.group) {  // one transfer of `pixels` pixels into their lane groups
      set(ConfigRegister::HostRowBytes, t.shape.c == t.group ? 0 : int64_t(t.shape.c));
      return push(host_transfer(op, ub(b, id), addr, pixels));
    }
    transfer_tiles(op, id, b, 0, pixels, addr);
  }

  /// Pixels first .. first + count of every channel tile of unpacked tensor `id` of batch `b`
  /// (pixel p of tile k at UB row base + k * samples * H * W + p), one transfer per tile, packed
  /// in host memory from `addr` (each pixel its tile's channel bytes).
  void transfer_tiles(Opcode op, int id, size_t b, uint64_t first, uint64_t count, uint64_t addr) {
    const PlannedTensor& t = plan_.tensor(id);
    const uint64_t R = plan_.R, pixels = samples(b) * t.shape.h * t.shape.w;
    for (uint64_t tile = 0; tile < t.tiles; ++tile) {
      const uint64_t rb = std::min<uint64_t>(R, t.shape.c - tile * R);
      set(ConfigRegister::HostRowBytes, rb == R ? 0 : int64_t(rb));
      push(host_transfer(op, ub(b, id) + tile * pixels + first, addr, count));
      addr += count * rb;
    }
  }

  void read_inputs(size_t b) {
    for (size_t k = 0; k < net_.inputs.size(); ++k)
      transfer(Opcode::ReadHostMemory, -int(k) - 1, b, host_.input_addr[b][k]);
  }

  /// Read_Weights of the next stripe's layer (one stripe ahead of the MXU); a matmul's tiles wait
  /// for its WriteWeights (emit_weight_write), so they are not read ahead of the layer itself.
  void read_next_weights() {
    if (next_weights_ >= alloc_.stripes.size()) return;
    const int i = alloc_.stripes[next_weights_].layer;
    if (net_.layers[size_t(i)].op == LayerOp::MatMul && !weights_written(alloc_.stripes[next_weights_])) return;
    ++next_weights_;
    const PlannedLayer& p = plan_.layers[size_t(i)];
    push(read_weights(p.weight_base, p.weight_tiles));
    if (plan_.policy.layer_records) out_.layers[size_t(i)].dram_bytes += p.weight_tiles * plan_.R * plan_.C;
  }

  /// Sync host (inputs arrived), the next batch's inputs, the layers, the output to the host.
  void emit_batch(size_t b) {
    push(sync(Unit::Host));
    if (b + 1 < plan_.batches.size()) read_inputs(b + 1);
    for (int i = 0; i < int(net_.layers.size()); ++i) {
      if (i > 0 && !emits_nothing(size_t(i)))
        push(sync(Unit::Activation));  // RAW on earlier layers' outputs (and their UB rows reused)
      if (plan_.policy.layer_records) set(ConfigRegister::Tag, i);
      emit_layer(b, i);
    }
    push(sync(Unit::Activation));
    transfer(Opcode::WriteHostMemory, net_.output, b, host_.output_addr[b]);
  }

  void emit_layer(size_t b, int i) {
    const NetworkLayer& l = net_.layers[size_t(i)];
    if (emits_nothing(size_t(i))) return;
    if (plan_.layers[size_t(i)].weighted) {
      if (l.op == LayerOp::MatMul) emit_weight_write(alloc_.stripes[next_stripe_]);  // the first sample's b
      requant(l.requant);
      if (plan_.policy.batch_accumulators) acc_block_ = 0;  // each layer starts in the first buffer
      for (; next_stripe_ < alloc_.stripes.size() && alloc_.stripes[next_stripe_].batch == b &&
             alloc_.stripes[next_stripe_].layer == i;
           ++next_stripe_) {
        if (l.op == LayerOp::MatMul && !weights_written(alloc_.stripes[next_stripe_]))
          emit_weight_write(alloc_.stripes[next_stripe_]);  // the next sample's b
        for (uint64_t j = 0; j < plan_.layers[size_t(i)].out_tiles; ++j) emit_block(alloc_.stripes[next_stripe_], j);
        read_next_weights();
      }
    } else if (l.op == LayerOp::MaxPool || l.op == LayerOp::AvgPool) {
      emit_pool(b, i);
    } else if (l.op == LayerOp::HostOp) {
      emit_host_op(b, i);
    } else if (l.op == LayerOp::PixelConcat || l.op == LayerOp::PixelSlice) {
      emit_pixel_copy(b, i);
    } else {
      emit_vector(b, i);
    }
  }

  /// Output tile j of a stripe: every pass into one accumulator buffer, then Activate with the bias.
  void emit_block(const Stripe& st, uint64_t j) {
    const NetworkLayer& l = net_.layers[size_t(st.layer)];
    const uint64_t acc = alloc_.acc_double ? (acc_block_++ % 2) * alloc_.acc_buffer_rows : 0;
    const uint64_t Q = l.out_shape.w, n = samples(st.batch);
    bool first = true;
    for (const PassSource& src : plan_.layers[size_t(st.layer)].sources) emit_source(st, src, j, acc, first);
    set(ConfigRegister::ActBiasRow, int64_t(plan_.layers[size_t(st.layer)].bias_row + j * bias_rows_per_tile(cfg_)));
    Instruction act;
    act.op = Opcode::Activate;
    act.acc_row = uint32_t(acc);
    act.rows = uint32_t(st.rows * Q);
    act.function = l.function;
    act.bias = true;
    table(st.layer);
    const PlannedTensor& out = plan_.tensor(st.layer);
    const uint64_t pixels = n * l.out_shape.h * l.out_shape.w;
    output_format(st.layer, pixels);
    if (out.placed_in >= 0) return emit_placed_activates(act, st, j);
    if (out.group) return emit_packed_activate(act, out, ub(st.batch, st.layer), st.g0 * Q, j);
    set_group(ConfigRegister::ActGroupBytes, 0);
    set_group(ConfigRegister::ActFirstGroup, 0);
    emit_activates(act, ub(st.batch, st.layer) + st.g0 * Q, pixels, j, st.layer);
  }

  /// Activate `act` of output tile j into packed tensor `out` (base row `base`), its first pixel
  /// `k0`: channels j*C .. into bytes j*C .. of each pixel's lane group (at most G - j*C lanes).
  void emit_packed_activate(Instruction act, const PlannedTensor& out, uint64_t base, uint64_t k0, uint64_t j) {
    const uint64_t C = plan_.C, lanes = std::min<uint64_t>(C, out.group - j * C);
    uint64_t row, first;
    packed_at(out, base, k0, &row, &first);
    set_group(ConfigRegister::ActGroupBytes, int64_t(out.group));
    set_group(ConfigRegister::ActFirstGroup, int64_t(first));
    set_group(ConfigRegister::ActLaneSrc, 0);
    set_group(ConfigRegister::ActLaneDst, int64_t(j * C));
    set_group(ConfigRegister::ActLanes, int64_t(lanes));
    act.ub_row = uint32_t(row);
    push(act);
  }

  /// Copy-free Concat: Activate `act` of output tile j of the stripe's layer (M channels) into the
  /// concat tensor it is placed in, at its channel offset: channels off + j*C .. off + min((j+1)*C,
  /// M) - 1, only those lanes (the neighbours' channels in the same rows stay): in the lane group of
  /// a packed concat, else one Activate per UB tile they fall in.
  void emit_placed_activates(Instruction act, const Stripe& st, uint64_t j) {
    const PlannedTensor& t = plan_.tensor(st.layer);
    const PlannedTensor& cat = plan_.tensor(t.placed_in);
    const uint64_t R = plan_.R, C = plan_.C, Q = cat.shape.w, k0 = st.g0 * Q, base = ub(st.batch, t.placed_in);
    const uint64_t lo0 = t.channel_offset + j * C, end = t.channel_offset + std::min<uint64_t>((j + 1) * C, t.shape.c);
    if (cat.group) {
      uint64_t row, first;
      packed_at(cat, base, k0, &row, &first);
      set_group(ConfigRegister::ActGroupBytes, int64_t(cat.group));
      set_group(ConfigRegister::ActFirstGroup, int64_t(first));
      set_lane(ConfigRegister::ActLaneSrc, 0);
      set_lane(ConfigRegister::ActLaneDst, int64_t(lo0));
      set_lane(ConfigRegister::ActLanes, int64_t(end - lo0));
      act.ub_row = uint32_t(row);
      return push(act);
    }
    set_group(ConfigRegister::ActGroupBytes, 0);
    set_group(ConfigRegister::ActFirstGroup, 0);
    const uint64_t pixels = samples(st.batch) * cat.shape.h * cat.shape.w;
    for (uint64_t lo = lo0; lo < end;) {
      const uint64_t tile = lo / R, hi = std::min(end, (tile + 1) * R);
      set_lane(ConfigRegister::ActLaneSrc, int64_t(lo - lo0));
      set_lane(ConfigRegister::ActLaneDst, int64_t(lo - tile * R));
      set_lane(ConfigRegister::ActLanes, int64_t(hi - lo));
      act.ub_row = uint32_t(base + tile * pixels + k0);
      push(act);
      lo = hi;
    }
  }

  /// Activate `act` of output tile j into tensor `layer`, whose tile 0 holds this stripe from UB
  /// row `row0`, a tile every `pixels` rows. R = C: into UB tile j, whole rows (the lane registers
  /// stay at reset). R != C: channels j*C .. j*C+C-1 (up to the tensor's last UB tile), one
  /// Activate per UB tile they fall in, with its lane registers.
  void emit_activates(Instruction act, uint64_t row0, uint64_t pixels, uint64_t j, int layer) {
    const uint64_t R = plan_.R, C = plan_.C;
    if (R == C) {
      for (ConfigRegister r : {ConfigRegister::ActLaneSrc, ConfigRegister::ActLaneDst, ConfigRegister::ActLanes})
        set_group(r, 0);  // whole rows (after a packed Activate's lanes)
      act.ub_row = uint32_t(row0 + j * pixels);
      return push(act);
    }
    const uint64_t end = std::min((j + 1) * C, plan_.tensor(layer).tiles * R);
    for (uint64_t lo = j * C; lo < end;) {
      const uint64_t t = lo / R, hi = std::min(end, (t + 1) * R);
      set_lane(ConfigRegister::ActLaneSrc, int64_t(lo - j * C));
      set_lane(ConfigRegister::ActLaneDst, int64_t(lo - t * R));
      set_lane(ConfigRegister::ActLanes, int64_t(hi - lo));
      act.ub_row = uint32_t(row0 + t * pixels);
      push(act);
      lo = hi;
    }
  }

  /// act_output_format for layer i's output tensor (and act_plane_rows for int16: its low plane
  /// lies tiles x `pixels` rows after the high one, steps.h).
  void output_format(int i, uint64_t pixels) {
    const PlannedTensor& t = plan_.tensor(i);
    set_group(ConfigRegister::ActOutputFormat, int64_t(t.type));
    if (t.type == ElementType::Int16) set_group(ConfigRegister::ActPlaneRows, int64_t(t.tiles * pixels));
  }

  /// act_input_unsigned for a Pool or Vector reading tensors a (and b).
  void input_types(int a, int b = -0x7fffffff) {
    int64_t bits = plan_.tensor(a).type == ElementType::Uint8 ? 1 : 0;
    if (b != -0x7fffffff && plan_.tensor(b).type == ElementType::Uint8) bits |= 2;
    set_group(ConfigRegister::ActInputUnsigned, bits);
  }

  /// Set_Config act_table_row for layer i when its function is a lookup.
  void table(int i) {
    if (net_.layers[size_t(i)].function == ActivationFunction::Lookup)
      set(ConfigRegister::ActTableRow, int64_t(plan_.layers[size_t(i)].table_row));
  }

  /// The passes of one source (kernel positions x input tiles x weight planes x activation
  /// planes), the first on each weight tile SWITCHing to it. 16-bit operands (docs/isa.md): one
  /// pass per pair of byte planes, the low planes read unsigned, the sums shifted by 8 per high plane.
  void emit_passes(const Stripe& st, const PassSource& src, uint64_t j, uint64_t acc, bool& first) {
    const PlannedLayer& pl = plan_.layers[size_t(st.layer)];
    const PlannedTensor& xt = plan_.tensor(src.tensor);
    const uint64_t in_rows = samples(st.batch) * xt.shape.h * xt.shape.w;
    for (uint32_t r = 0; r < src.kh; ++r)
      for (uint32_t s = 0; s < src.kw; ++s)
        for (uint64_t k = 0; k < xt.tiles; ++k) {
          if (!pass_needed(pl, size_t(&src - pl.sources.data()), k, j, xt.tiles)) continue;
          for (uint64_t wp = 0; wp < pl.weight_planes; ++wp)
            for (uint64_t ap = 0; ap < xt.planes; ++ap) {
              Instruction mm;
              mm.switch_weights = ap == 0;
              mm.accumulate = !first;
              mm.unsigned_a = ap == 1 || xt.type == ElementType::Uint8;
              mm.unsigned_w = wp == 1;
              first = false;
              set_group(ConfigRegister::MxuSumShift, int64_t(8 * ((xt.planes - 1 - ap) + (pl.weight_planes - 1 - wp))));
              emit_pass(st, src, ub(st.batch, src.tensor) + (ap * xt.tiles + k) * in_rows, acc, r, s, mm);
            }
        }
  }

  /// One pass `mm` (its flags set) over UB tile rows from `tile_base`: a MatrixMultiply, or
  /// Convolves of at most 255 output rows (only the first of them SWITCHes).
  void emit_pass(const Stripe& st, const PassSource& src, uint64_t tile_base, uint64_t acc, uint32_t r, uint32_t s,
                 Instruction mm) {
    const NetworkLayer& l = net_.layers[size_t(st.layer)];
    const PlannedTensor& xt = plan_.tensor(src.tensor);
    const uint64_t Q = l.out_shape.w;
    uint64_t row = tile_base + st.g0 * Q, group0 = 0;  // a flat pass's first row and lane group
    if (xt.group && src.flat) packed_at(xt, tile_base, st.g0 * Q, &row, &group0);
    set_group(ConfigRegister::MxuGroupBytes, int64_t(xt.group));
    set_group(ConfigRegister::MxuFirstGroup, int64_t(group0));
    if (src.flat) {
      mm.op = Opcode::MatrixMultiply;
      mm.ub_row = uint32_t(row);
      mm.acc_row = uint32_t(acc);
      mm.rows = uint32_t(st.rows * Q);
      return push(mm);
    }
    for (uint64_t c0 = 0; c0 < st.rows; c0 += 255) {  // Convolve's rows field is 8 bits
      Instruction cv = mm;
      cv.op = Opcode::Convolve;
      cv.ub_row = uint32_t(tile_base);
      cv.acc_row = uint32_t(acc + c0 * Q);
      cv.kernel_row = r;
      cv.kernel_col = s;
      cv.out_row = uint32_t(st.g0 + c0);
      cv.rows = uint32_t(std::min<uint64_t>(255, st.rows - c0));
      cv.switch_weights = mm.switch_weights && c0 == 0;
      push(cv);
    }
  }

  /// The window registers of one source (Convolve), then its passes.
  void emit_source(const Stripe& st, const PassSource& src, uint64_t j, uint64_t acc, bool& first) {
    const NetworkLayer& l = net_.layers[size_t(st.layer)];
    const PlannedTensor& xt = plan_.tensor(src.tensor);
    if (!src.flat) {
      if (l.op == LayerOp::Conv) window(xt.shape, l.out_shape.h, l.out_shape.w, l.sh, l.sw, l.pad_top, l.pad_left);
      else window(xt.shape, 1, 1, 1, 1, 0, 0);  // dense on a spatial input: an H x W window, one pixel out
    }
    emit_passes(st, src, j, acc, first);
  }

  /// Pool per channel tile, in chunks of 65535 output rows.
  void emit_pool(size_t b, int i) {
    const NetworkLayer& l = net_.layers[size_t(i)];
    const PlannedTensor& xt = plan_.tensor(l.inputs[0]);
    const TensorShape& os = l.out_shape;
    const uint64_t n = samples(b), in_image = uint64_t(xt.shape.h) * xt.shape.w, total = n * os.h;
    window(xt.shape, os.h, os.w, l.sh, l.sw, l.pad_top, l.pad_left);
    set(ConfigRegister::PoolHeight, l.kh);
    set(ConfigRegister::PoolWidth, l.kw);
    if (l.op == LayerOp::AvgPool) requant(l.requant);
    const PlannedTensor& yt = plan_.tensor(i);
    set_group(ConfigRegister::PoolSrcGroupBytes, int64_t(xt.group));
    set_group(ConfigRegister::ActGroupBytes, int64_t(yt.group));
    input_types(l.inputs[0]);
    output_format(i, 0);  // (8-bit: max copies the input's bytes; average requantizes to the output's type)
    for (uint64_t k = 0; k < xt.tiles; ++k)
      for (uint64_t g0 = 0; g0 < total; g0 += 65535) {
        Instruction pl;
        pl.op = Opcode::Pool;
        uint64_t row = ub(b, i) + k * n * os.h * os.w + g0 * os.w, first = 0;
        if (yt.group) packed_at(yt, ub(b, i), g0 * os.w, &row, &first);
        set_group(ConfigRegister::ActFirstGroup, int64_t(first));
        pl.ub_row = uint32_t(row);
        pl.src_row = uint32_t(ub(b, l.inputs[0]) + k * n * in_image);
        pl.out_row = uint32_t(g0);
        pl.rows = uint32_t(std::min<uint64_t>(65535, total - g0));
        pl.average = l.op == LayerOp::AvgPool;
        push(pl);
      }
  }

  /// A host_op layer (steps.h: layout_host_ops): its input to the host, Interrupt_Host, its
  /// output back, Sync host.
  void emit_host_op(size_t b, int i) {
    const LoweredProgram::HostOperation& op = out_.host_ops[next_host_op_];
    transfer(Opcode::WriteHostMemory, net_.layers[size_t(i)].inputs[0], b, op.input_addr);
    Instruction irq;
    irq.op = Opcode::InterruptHost;
    irq.host_op = uint32_t(next_host_op_++);
    push(irq);
    transfer(Opcode::ReadHostMemory, i, b, op.output_addr);
    push(sync(Unit::Host));
  }

  /// Sample of its batch that matmul stripe `st` computes (allocate: a matmul's stripes hold one
  /// sample's rows each).
  uint64_t sample_of(const Stripe& st) const { return st.g0 / net_.layers[size_t(st.layer)].out_shape.h; }

  /// Whether the host wrote the weight tiles matmul stripe `st` multiplies by: its sample's b.
  bool weights_written(const Stripe& st) const {
    return written_ == std::make_tuple(st.batch, st.layer, sample_of(st));
  }

  /// The b of stripe st's sample to the host (each b input in turn), Interrupt_Host (the host
  /// writes the weight tiles, WriteWeights), then Read_Weights of the stripe. Each sample has its
  /// own b (its own K and V), so each sample gets its own WriteWeights (network.h "matmul").
  void emit_weight_write(const Stripe& st) {
    const NetworkLayer& l = net_.layers[size_t(st.layer)];
    const LoweredProgram::HostOperation& op = out_.host_ops[next_host_op_];
    const uint64_t s = sample_of(st);
    uint64_t addr = op.input_addr;
    for (size_t t = 1; t < l.inputs.size(); ++t) {
      transfer_sample(Opcode::WriteHostMemory, l.inputs[t], st.batch, s, addr);
      addr += op.weights.segment_pixels[t - 1] * op.channels;
    }
    Instruction irq;
    irq.op = Opcode::InterruptHost;
    irq.host_op = uint32_t(next_host_op_++);
    push(irq);
    written_ = std::make_tuple(st.batch, st.layer, s);
    read_next_weights();
  }

  /// Moves sample `s` of tensor `id` of batch `b` between the UB and host address `addr` (as
  /// transfer, one image's pixels). A packed tensor (allowed only when the batch has one sample:
  /// choose_layouts keeps a batched matmul's b unpacked) moves whole.
  void transfer_sample(Opcode op, int id, size_t b, uint64_t s, uint64_t addr) {
    if (samples(b) == 1) return transfer(op, id, b, addr);
    const PlannedTensor& t = plan_.tensor(id);
    const uint64_t image = uint64_t(t.shape.h) * t.shape.w;
    set_group(ConfigRegister::HostGroupBytes, 0);
    transfer_tiles(op, id, b, s * image, image, addr);
  }

  /// pixel_concat, pixel_slice (network.h): per input, channel tile and sample one Vector copying
  /// its pixel rows to their place in the output (Unary, identity, requant 1: every byte unchanged).
  /// Their tensors are never packed (choose_layouts), so pixel p of tile k is row base + k*n*P + p.
  void emit_pixel_copy(size_t b, int i) {
    const NetworkLayer& l = net_.layers[size_t(i)];
    requant(RequantParams{});                     // multiplier 2^30, shift 30: activate(v) = v
    set_group(ConfigRegister::VecWideScales, 0);  // the int16 scale below, not an add's multipliers
    set(ConfigRegister::VecScaleA, 1);
    set(ConfigRegister::VecOffsetA, 0);
    input_types(l.inputs[0]);
    output_format(i, 0);
    const PlannedTensor& y = plan_.tensor(i);
    const uint64_t n = samples(b), py = uint64_t(y.shape.h) * y.shape.w;
    const bool slice = l.op == LayerOp::PixelSlice;
    uint64_t offset = 0;  // the output pixel of this input's first copied pixel
    for (int t : l.inputs) {
      const TensorShape& xs = plan_.tensor(t).shape;
      const uint64_t px = uint64_t(xs.h) * xs.w, first = slice ? l.pixel_first : 0, count = slice ? py : px;
      Instruction v;
      v.op = Opcode::Vector;
      v.vec_op = VectorOp::Unary;
      v.function = ActivationFunction::Identity;
      v.rows = uint32_t(count);
      for (uint64_t k = 0; k < y.tiles; ++k)
        for (uint64_t s = 0; s < n; ++s) {
          v.src_row = uint32_t(ub(b, t) + (k * n + s) * px + first);
          v.ub_row = uint32_t(ub(b, i) + (k * n + s) * py + offset);
          push(v);
        }
      offset += count;
    }
  }

  /// add, mul, activate: one Vector over all rows; with a broadcast b ([1, 1, C] against a's H x W
  /// x C), one per channel tile, each b row repeated for the H x W rows of its image.
  void emit_vector(size_t b, int i) {
    const NetworkLayer& l = net_.layers[size_t(i)];
    requant(l.requant);
    const bool wide = l.wide_scales;  // an add's 32-bit operand multipliers instead of the int16 scales
    set_group(ConfigRegister::VecWideScales, wide ? 1 : 0);
    set(wide ? ConfigRegister::VecMultiplierA : ConfigRegister::VecScaleA, wide ? l.multiplier_a : l.scale_a);
    set(ConfigRegister::VecOffsetA, l.offset_a);
    table(i);
    if (l.op == LayerOp::Activate) input_types(l.inputs[0]);
    else input_types(l.inputs[0], l.inputs[1]);
    output_format(i, 0);
    Instruction v;
    v.op = Opcode::Vector;
    v.ub_row = uint32_t(ub(b, i));
    v.src_row = uint32_t(ub(b, l.inputs[0]));
    v.rows = uint32_t(plan_.tensor(l.inputs[0]).rows(samples(b), plan_.R));  // a, b, out share a layout
    v.function = l.function;
    v.vec_op = l.op == LayerOp::Add ? VectorOp::Add : l.op == LayerOp::Mul ? VectorOp::Multiply : VectorOp::Unary;
    if (l.op == LayerOp::Activate) return push(v);
    set(ConfigRegister::VecOffsetB, l.offset_b);
    if (l.op == LayerOp::Add)
      set(wide ? ConfigRegister::VecMultiplierB : ConfigRegister::VecScaleB, wide ? l.multiplier_b : l.scale_b);
    const PlannedTensor& xb = plan_.tensor(l.inputs[1]);
    const uint64_t image = uint64_t(l.in_shape.h) * l.in_shape.w;
    if (xb.shape == l.in_shape || image == 1) {
      set(ConfigRegister::VecBRepeat, 0);
      set(ConfigRegister::VecSourceB, int64_t(ub(b, l.inputs[1])));
      return push(v);
    }
    set(ConfigRegister::VecBRepeat, int64_t(image));
    const uint64_t n = samples(b);
    for (uint64_t k = 0; k < xb.tiles; ++k) {  // tile k: n x H x W rows of a, n rows of b
      set(ConfigRegister::VecSourceB, int64_t(ub(b, l.inputs[1]) + k * n));
      Instruction t = v;
      t.ub_row = uint32_t(ub(b, i) + k * n * image);
      t.src_row = uint32_t(ub(b, l.inputs[0]) + k * n * image);
      t.rows = uint32_t(n * image);
      push(t);
    }
  }

  const LoweringPlan& plan_;
  const Allocation& alloc_;
  const HostLayout& host_;
  const ArchConfig& cfg_;
  LoweredProgram& out_;
  const Network& net_;
  std::map<ConfigRegister, int64_t> regs_;    // values written (config_on_change)
  std::map<ConfigRegister, int64_t> groups_;  // lane-group and lane registers written (reset 0)
  size_t next_stripe_ = 0;                    // the next stripe to compute
  size_t next_weights_ = 0;                   // the next stripe whose weights to read
  uint64_t acc_block_ = 0;                    // output blocks so far (accumulator buffer parity)
  size_t next_host_op_ = 0;                   // the next entry of out_.host_ops
  // (batch, matmul layer, sample) whose weights the host wrote last
  std::tuple<size_t, int, uint64_t> written_{SIZE_MAX, -1, 0};
};

}  // namespace

void emit_program(const LoweringPlan& plan, const Allocation& alloc, const HostLayout& host, const ArchConfig& cfg,
                  LoweredProgram& out) {
  ProgramEmitter(plan, alloc, host, cfg, out).run();
  finish_program(out, cfg, plan.policy.who, plan.policy.hint);
}

LoweredProgram lower_plan(const LoweringPlan& plan, const ArchConfig& cfg) {
  LoweredProgram out;
  out.batch = plan.policy.batch;
  out.useful_macs = plan.useful_macs;
  const Allocation alloc = allocate(plan, cfg);
  out.ub_rows_used = alloc.ub_rows_used;
  out.acc_rows_used = alloc.acc_rows_used;
  place_weights(plan, cfg, out);
  const HostLayout host = layout_host(plan, cfg, out);
  layout_host_ops(plan, out);
  emit_program(plan, alloc, host, cfg, out);
  return out;
}

}  // namespace tpu
