#include "lowering/lowering.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "lowering/program_builder.h"
#include "util/report.h"

namespace tpu {

namespace {
constexpr const char* kMsgType = kLoweringMsgType;
}  // namespace

LoweredProgram lower(const Workload& w, const ArchConfig& cfg, uint32_t batch) {
  const uint64_t R = cfg.mxu.rows;  // == mxu.cols (validated)
  const uint64_t L = w.layers.size();
  LoweredProgram out;
  uint64_t B = batch ? batch : w.batch;
  if (B == 0) raise_as(kMsgType, "batch size must be >= 1");
  B = std::min<uint64_t>(B, w.samples);
  out.batch = uint32_t(B);
  std::ostringstream who;
  who << "workload " << w.name << " on config " << cfg.name << " with batch " << B;

  // Accumulators: one or two buffers of B rows.
  if (B > cfg.accumulators.rows)
    raise_as(kMsgType, who.str() + ": a batch needs " + std::to_string(B) + " accumulator rows, the chip has " +
                           std::to_string(cfg.accumulators.rows) + "; use a batch of at most " +
                           std::to_string(cfg.accumulators.rows));
  const bool double_acc = 2 * B <= cfg.accumulators.rows;
  out.acc_rows_used = double_acc ? 2 * B : B;

  // Tensors: 0 = input, t = output of layer t-1; each in tiles of R features.
  std::vector<uint64_t> tiles(L + 1);
  tiles[0] = ceil_div(w.features, R);
  for (uint64_t l = 0; l < L; ++l) tiles[l + 1] = ceil_div(w.layers[l].outputs, R);

  // UB: bias rows, then two sets of all tensors.
  const uint64_t bias_rows_per_tile = tpu::bias_rows_per_tile(cfg);
  std::vector<uint64_t> bias_row(L);
  uint64_t bias_rows = 0;
  for (uint64_t l = 0; l < L; ++l) bias_row[l] = bias_rows, bias_rows += tiles[l + 1] * bias_rows_per_tile;
  uint64_t tiles_per_set = 0;
  for (uint64_t t : tiles) tiles_per_set += t;
  const uint64_t set_rows = tiles_per_set * B;
  out.ub_rows_used = bias_rows + 2 * set_rows;
  if (out.ub_rows_used > cfg.ub_rows()) {
    const uint64_t max_batch = cfg.ub_rows() > bias_rows ? (cfg.ub_rows() - bias_rows) / (2 * tiles_per_set) : 0;
    raise_as(kMsgType, who.str() + ": needs " + std::to_string(out.ub_rows_used) +
                           " Unified Buffer rows, the chip has " + std::to_string(cfg.ub_rows()) +
                           "; the largest batch that fits is " + std::to_string(max_batch));
  }
  auto tensor_base = [&](uint64_t set, uint64_t t) {
    uint64_t row = bias_rows + set * set_rows;
    for (uint64_t u = 0; u < t; ++u) row += tiles[u] * B;
    return row;
  };

  // Weight memory: tiles of each layer, output-tile-major; the image allocated once (zeros: the
  // tiles' padding).
  std::vector<uint64_t> weight_base(L);
  const uint64_t tile_bytes = R * R;
  uint64_t image_bytes = 0;
  for (uint64_t l = 0; l < L; ++l) weight_base[l] = image_bytes, image_bytes += tiles[l + 1] * tiles[l] * tile_bytes;
  check_weight_capacity(image_bytes, cfg, who.str());
  out.weight_image.assign(image_bytes, 0);
  for (uint64_t l = 0; l < L; ++l) {
    const DenseLayer& layer = w.layers[l];
    for (uint64_t j = 0; j < tiles[l + 1]; ++j)
      for (uint64_t k = 0; k < tiles[l]; ++k) {
        uint8_t* tile = &out.weight_image[weight_base[l] + (j * tiles[l] + k) * tile_bytes];
        for (uint64_t r = 0; r < R && k * R + r < layer.inputs; ++r)
          layer.weights.copy((k * R + r) * layer.outputs + j * R, std::min<uint64_t>(R, layer.outputs - j * R),
                             reinterpret_cast<int8_t*>(&tile[r * R]));
      }
  }

  // Host memory: bias rows, then per batch its input and output.
  out.host_image.assign(bias_rows * R, 0);
  for (uint64_t l = 0; l < L; ++l)
    for (uint64_t n = 0; n < w.layers[l].outputs; ++n) {
      const int32_t b = w.layers[l].bias[n];
      std::memcpy(&out.host_image[(bias_row[l] + (n / R) * bias_rows_per_tile) * R + (n % R) * 4], &b, 4);
    }
  for (uint64_t first = 0; first < w.samples; first += B) {
    LoweredProgram::Batch b;
    b.first_sample = uint32_t(first);
    b.samples = uint32_t(std::min<uint64_t>(B, w.samples - first));
    const uint64_t in_addr = out.host_image.size(), in_bytes = tiles[0] * b.samples * R;
    const uint64_t out_addr = in_addr + in_bytes, out_bytes = tiles[L] * b.samples * R;
    if (out_addr + out_bytes > (uint64_t(1) << 32))
      raise_as(kMsgType, who.str() + ": inputs and outputs need more than the 4 GiB of host addresses "
                                     "Read/Write_Host_Memory reach; run fewer samples");
    out.host_image.resize(out_addr + out_bytes, 0);
    for (uint64_t s = 0; s < b.samples; ++s)
      for (uint64_t f = 0; f < w.features; ++f)
        out.host_image[in_addr + ((f / R) * b.samples + s) * R + f % R] =
            uint8_t(w.inputs[(first + s) * w.features + f]);
    b.input_host_addr = uint32_t(in_addr);
    b.output_host_addr = uint32_t(out_addr);
    out.batches.push_back(b);
  }
  out.useful_macs = w.macs_per_sample() * w.samples;

  // The program.
  auto& prog = out.program;
  auto read_layer_weights = [&](uint64_t l) { prog.push_back(read_weights(weight_base[l], tiles[l + 1] * tiles[l])); };
  prog.push_back(host_transfer(Opcode::ReadHostMemory, 0, 0, bias_rows));
  prog.push_back(host_transfer(Opcode::ReadHostMemory, tensor_base(0, 0), out.batches[0].input_host_addr,
                               tiles[0] * out.batches[0].samples));
  read_layer_weights(0);
  for (size_t i = 0; i < out.batches.size(); ++i) {
    const auto& b = out.batches[i];
    const uint64_t set = i % 2, n = b.samples;
    prog.push_back(sync(Unit::Host));
    if (i + 1 < out.batches.size())
      prog.push_back(host_transfer(Opcode::ReadHostMemory, tensor_base(1 - set, 0),
                                   out.batches[i + 1].input_host_addr, tiles[0] * out.batches[i + 1].samples));
    for (uint64_t l = 0; l < L; ++l) {
      const DenseLayer& layer = w.layers[l];
      if (l > 0) prog.push_back(sync(Unit::Activation));
      prog.push_back(set_config(ConfigRegister::ActMultiplier, int32_t(layer.requant.multiplier)));
      prog.push_back(set_config(ConfigRegister::ActShift, int32_t(layer.requant.shift)));
      prog.push_back(set_config(ConfigRegister::ActZeroPoint, layer.requant.zero_point));
      for (uint64_t j = 0; j < tiles[l + 1]; ++j) {
        const uint64_t acc = double_acc ? (j % 2) * B : 0;
        for (uint64_t k = 0; k < tiles[l]; ++k) {
          Instruction mm;
          mm.op = Opcode::MatrixMultiply;
          mm.ub_row = uint32_t(tensor_base(set, l) + k * n);
          mm.acc_row = uint32_t(acc);
          mm.rows = uint32_t(n);
          mm.switch_weights = true;
          mm.accumulate = k > 0;
          prog.push_back(mm);
        }
        prog.push_back(set_config(ConfigRegister::ActBiasRow, int32_t(bias_row[l] + j * bias_rows_per_tile)));
        Instruction act;
        act.op = Opcode::Activate;
        act.ub_row = uint32_t(tensor_base(set, l + 1) + j * n);
        act.acc_row = uint32_t(acc);
        act.rows = uint32_t(n);
        act.function = layer.function;
        act.bias = true;
        prog.push_back(act);
      }
      if (l + 1 < L) read_layer_weights(l + 1);
      else if (i + 1 < out.batches.size()) read_layer_weights(0);
    }
    prog.push_back(sync(Unit::Activation));
    prog.push_back(host_transfer(Opcode::WriteHostMemory, tensor_base(set, L), b.output_host_addr, tiles[L] * n));
  }
  finish_program(out, cfg, who.str(), "; run fewer samples or a larger batch");
  return out;
}

std::vector<int8_t> gather_outputs(const LoweredProgram& p, const Workload& w, const ArchConfig& cfg,
                                   const uint8_t* host_memory) {
  const uint64_t R = cfg.mxu.rows, N = w.outputs();
  std::vector<int8_t> out(uint64_t(w.samples) * N);
  for (const auto& b : p.batches)
    for (uint64_t s = 0; s < b.samples; ++s)
      for (uint64_t n = 0; n < N; ++n)
        out[(b.first_sample + s) * N + n] =
            int8_t(host_memory[b.output_host_addr + ((n / R) * b.samples + s) * R + n % R]);
  return out;
}

}  // namespace tpu
