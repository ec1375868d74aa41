// The steps of the lowering (lowering.h), each callable on its own: plan_lowering (tiles, bias
// rows, weight-memory layout, batches), allocate (Unified Buffer rows and accumulators),
// place_weights (the weight-memory image), layout_host (the host-memory image) and emit_program
// (the instructions). lower() and lower_network() run them in this order; a dense MLP is lowered
// as a network of dense layers (dense_network), so both kinds share every step and differ only
// in their LoweringPolicy.
//
// R = mxu.rows (the UB row, the array's input width), C = mxu.cols (the array's output width);
// a "tile" of a tensor is R consecutive channels, one UB row per pixel. A tensor of n samples of
// H x W x Ch occupies ceil(Ch / R) tiles x n x H x W UB rows: tile k of pixel (s, h, w) is row
// base + k*n*H*W + (s*H + h)*W + w. A weighted layer's input channels go in K tiles of R (one
// UB tile each), its output channels in N tiles of C (one accumulator block each); its weight
// tiles are R x C. When R != C, Activate's lane registers (isa.h) put output tile j's C channels
// into the UB tiles they fall in (R = C: tile j, whole rows, no lane registers emitted).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "lowering/program.h"
#include "manifest/network.h"

namespace tpu {

/// How a workload is laid out and scheduled; a dense MLP's policy and a network's differ only here.
struct LoweringPolicy {
  std::string who;     ///< how errors name the run ("network X on config Y")
  std::string hint;    ///< ends the instruction-buffer overflow error (what the user can change), may be ""
  uint32_t batch = 0;  ///< samples per batch, >= 1 (the last batch may hold fewer)
  /// Unified Buffer. true: two sets of every tensor, batch i in set i % 2, so the next batch's
  /// inputs load while this one computes (dense MLP). false: one set, tensors placed first fit
  /// when their layer starts, the rows of tensors no later layer reads reused (network).
  bool double_buffered_batches = false;
  /// Accumulators. true: one or two buffers of `batch` rows; the output tiles of each layer
  /// alternate between them from the layer's first (dense MLP; a batch must fit one buffer).
  /// false: two halves, alternating per output block over the whole program; a layer's output
  /// rows go in stripes that fit a half (network).
  bool batch_accumulators = false;
  /// Host rows of inputs and outputs are R bytes (zero padded) and a tensor moves in one transfer
  /// (dense MLP); else each tile moves on its own, rows packed to the tile's real channels
  /// (Set_Config host_row_bytes).
  bool padded_host_rows = false;
  bool layer_records = false;    ///< Set_Config tag per layer and LoweredProgram::layers filled
  bool config_on_change = true;  ///< emit a Set_Config only when it changes the register
};

/// One input of a weighted layer as the MXU sees it: kh x kw positions x the tensor's channel
/// tiles, each pass one weight tile.
struct PassSource {
  int tensor = 0;               ///< layer index, or -k-1 for network input k
  uint32_t kh = 1, kw = 1;      ///< positions: kernel (conv) or the input's H x W (dense)
  uint64_t feature_offset = 0;  ///< dense: first weight row of this input; conv: its first channel
  bool flat = true;             ///< each pass reads consecutive UB rows: MatrixMultiply, not Convolve
  /// A channel selection read in place (select.cpp; conv only): empty, or one entry per channel c
  /// of `tensor`: the layer's input channel (of its inputs concatenated) that c stands for, or -1
  /// when the layer does not read c (its weight row is zero). feature_offset is then unused.
  std::vector<int64_t> channel_map;
};

/// A tensor of the plan: a network input or a layer's output.
struct PlannedTensor {
  std::string name;
  TensorShape shape;
  uint64_t tiles = 0;                    ///< channel tiles, ceil(C / R)
  ElementType type = ElementType::Int8;  ///< int16: two byte planes (network.h "Element types")
  uint64_t planes = 1;                   ///< byte planes: 2 for int16 (the low plane tiles x H x W rows after the high)
  uint64_t rows_per_sample = 0;          ///< UB rows per sample: planes x tiles x H x W (unpacked)
  int last_use = -1;                     ///< last layer reading it (INT_MAX: the network's output)
  /// Packed layout (choose_layouts): bytes of a pixel's lane group G, P = R / G pixels per UB row,
  /// pixel k (over the batch's samples) in group k % P of row base + k / P; 0: one pixel per row.
  /// Only single-plane (int8/uint8) tensors are packed.
  uint64_t group = 0;
  /// Copy-free Concat (placed_concat): the concat layer whose tensor holds this one's channels from
  /// channel_offset on (its producer's Activates write there; it has no rows of its own), or -1.
  int placed_in = -1;
  uint64_t channel_offset = 0;
  /// A channel selection its every reader reads in place (read_in_place): no UB rows, no instructions.
  bool read_in_place = false;

  /// UB rows of `samples` samples on an R-byte UB row: planes x tiles x H x W x samples, or packed
  /// ceil(samples x H x W / P).
  uint64_t rows(uint64_t samples, uint64_t R) const {
    const uint64_t pixels = samples * shape.h * shape.w, per_row = group ? R / group : 1;
    return group ? (pixels + per_row - 1) / per_row : rows_per_sample * samples;
  }
};

/// A layer of the plan.
struct PlannedLayer {
  bool weighted = false;            ///< conv or dense: MXU passes, a bias and weight tiles
  std::vector<PassSource> sources;  ///< weighted: what its passes read, in SWITCH order
  /// weighted: needed[source][j * input tiles + k]: input tile k of the source feeds output tile j
  /// (pass_needed); a pass whose weight tile is zero at every kernel position is left out.
  std::vector<std::vector<char>> needed;
  uint64_t out_tiles = 0;      ///< weighted: output channel (N) tiles, ceil(M / C)
  uint64_t bias_row = 0;       ///< weighted: first of out_tiles x bias_rows_per_tile() rows
  uint64_t table_row = 0;      ///< function lookup: first of lookup_table_rows(R) rows of its table
  uint64_t weight_tiles = 0;   ///< weighted: R x C tiles, out_tiles x (passes per output tile) x weight planes
  uint64_t weight_planes = 1;  ///< weighted: 2 for int16 weights (each tile's high plane, then its low plane)
  uint64_t weight_base = 0;    ///< weighted: weight-memory byte of its first tile
  bool windowed = false;       ///< reads through Convolve or Pool windows (16-bit out_row)
  bool placed = false;         ///< a Concat its producers wrote in place (placed_concat): no instructions
  /// An exact channel selection (channel_selection): output channel j = input channel selection[j]
  /// of its inputs concatenated; empty for every other layer.
  std::vector<int64_t> selection;
  bool read_in_place = false;  ///< a selection its readers read in place (read_in_place): no instructions
};

/// What plan_lowering derives from the network and the policy: sizes only, no addresses but the
/// bias rows' and the weight memory's (both fixed by the layer order).
struct LoweringPlan {
  const Network* net = nullptr;  ///< the network planned (must outlive the plan)
  LoweringPolicy policy;
  uint64_t R = 0;                      ///< mxu.rows: channels per UB tile and per K tile
  uint64_t C = 0;                      ///< mxu.cols: channels per N tile
  std::vector<PlannedTensor> tensors;  ///< by tensor id + net.inputs.size() (tensor_index)
  std::vector<PlannedLayer> layers;    ///< as net.layers
  uint64_t bias_rows = 0;              ///< UB rows 0 .. bias_rows-1 (and host bytes 0 .. bias_rows*R-1): the
                                       ///< bias vectors and lookup tables, loaded once
  uint64_t weight_image_bytes = 0;
  std::vector<LoweredProgram::Batch> batches;  ///< samples of each batch (addresses: layout_host)
  uint64_t useful_macs = 0;                    ///< MACs of all samples, no padding

  /// Index in `tensors` of tensor id `t` (a layer index, or -k-1 for network input k).
  size_t tensor_index(int t) const { return size_t(t + int(net->inputs.size())); }
  const PlannedTensor& tensor(int t) const { return tensors[tensor_index(t)]; }
};

/// Whether weighted layer p's passes over input tile k of its source `s` contribute to output tile
/// j: not when the R x R weight tiles are zero at every kernel position: for a grouped conv, when
/// no group owns both input channels of tile k and outputs of tile j (the weights are block
/// diagonal), and for weights held in memory (files, not seeds) when the tiles are all zero (the
/// 0/1 weights of a channel copy: Concat, Split, shuffle). Such tiles are neither stored, read nor
/// multiplied. A depthwise layer thus costs kh x kw passes per tile of R channels, each using 1
/// of every R array rows of a column (utilization 1/R).
inline bool pass_needed(const PlannedLayer& p, size_t s, uint64_t k, uint64_t j, uint64_t in_tiles) {
  return p.needed[s][j * in_tiles + k] != 0;
}

/// Layer `l`'s weights from channel `c` of source `src` (of C channels) at kernel position `pos`
/// (r * kw + s) to outputs m0 .. m0+n-1, into out[0 .. n) (entries a grouped conv lacks are left;
/// a matmul's are all left: the host writes them at run time). `plane` 1: the low byte plane of
/// int16 weights (network.h), else the (high) bytes.
void weight_row(const NetworkLayer& l, const PassSource& src, uint64_t C, uint64_t pos, uint64_t c, uint64_t m0,
                uint64_t n, int8_t* out, uint64_t plane = 0);

/// Chooses each tensor's UB layout (PlannedTensor::group): a tensor of C <= R/2 channels (one
/// tile) and more than one pixel a batch is packed, G = the smallest divisor of R that is >= C,
/// P = R / G pixels a row (a 224 x 224 x 3 image on a 512-wide array: G 4, 128 pixels a row,
/// 392 rows instead of 50,176). Packing is left out for a dense MLP's policy (padded host rows)
/// and for a broadcast Vector's operands and output (row i of b meets rows of one image) and a
/// matmul's b inputs in a batch of several samples (each sample's b moves to the host alone); the
/// inputs and output of a Vector (lane-wise over whole rows) share one layout: all packed with
/// the same G, or none; pixel_concat and pixel_slice tensors stay unpacked (their Vectors move rows
/// to other pixel positions). Every reader and writer honours the layout through the lane-group
/// registers (isa.h), so results are the same bit for bit; only UB rows (and the row-bound
/// Vector and Pool reads) shrink.
void choose_layouts(LoweringPlan& plan);

/// Copy-free Concat (issue 15): whether layer `i` is a Concat the importer wrote as a channel copy
/// (a 1x1 conv of several inputs with weight[c][m] = (c == m), zero bias, identity and a
/// requantization mapping every int8 to itself) whose every input is a conv or dense layer read
/// by it alone. Then each input tensor is marked placed_in = i at its channel offset: its
/// producer's Activates write its channels straight into the concat's tensor (lane registers,
/// byte enables) and layer i emits nothing. Not for a dense MLP's policy.
bool placed_concat(LoweringPlan& plan, size_t i);

/// Whether source `s` of weighted layer `l` (of out_tiles output tiles of C channels) touches input
/// tile k x output tile j, for every k, j: needed[j * tiles + k] (pass_needed's table; groups_meet
/// and a held weight tile that is not all zero).
std::vector<char> needed_tiles(const LoweringPlan& plan, const NetworkLayer& l, const PassSource& s,
                               uint64_t out_tiles);

/// The exact channel selection layer `l` is, or {}: a 1x1, stride-1, unpadded, ungrouped conv of
/// held int8 weights, zero bias, identity function and a requantization mapping every int8 to
/// itself, whose weight columns each hold one 1 (output j = input channel selection[j] of its
/// inputs concatenated) and whose rows at most one (no channel read twice). The importer writes a
/// Concat, a channel Split/Slice and a channel shuffle so (scripts/onnx_to_network.py, lower_copy).
std::vector<int64_t> channel_selection(const NetworkLayer& l);

/// Layer `l`'s passes on input `t` (a conv's input at channel `offset` of its inputs concatenated):
/// one source, or, when `t` is a selection read in place (read_in_place), the selection's own
/// sources, each with the channel_map that carries its channels to the layer's input channels.
std::vector<PassSource> conv_sources(const LoweringPlan& plan, const NetworkLayer& l, int t, uint64_t offset);

/// Channel Split/Slice/shuffle and Concat without a copy (issue 15): whether selection layer `i`
/// (plan.layers[i] planned, its `selection` set) is left out, its readers reading its inputs in
/// place through their weight rows (PassSource::channel_map: rows permuted, zero for the channels
/// outside the selection). Only when every reader is a conv of int8 weights that is not itself
/// placed, i is not the network output, a placed producer or an int16 tensor, its inputs have its
/// element type, the policy is a network's, and the readers' passes on the selection's inputs are no more, in number
/// (weight tiles) and in rows (pixels streamed), than their passes on i's tensor plus i's own passes and Activates.
/// Marks the tensor read_in_place.
bool read_in_place(LoweringPlan& plan, size_t i);

/// Plans `net` for `cfg` under `policy`. Errors (SC_REPORT_ERROR "tpu/lowering", starting with
/// policy.who, naming the layer): a dense layer's spatial input larger than 256x256 pixels; more
/// than 65536 output rows (batch x P) in a layer read through Convolve or Pool windows.
LoweringPlan plan_lowering(const Network& net, const ArchConfig& cfg, const LoweringPolicy& policy);

/// Rows of output a weighted layer computes into one accumulator buffer: global output rows
/// (sample x P) g0 .. g0+rows-1 of one batch, each Q accumulator rows.
struct Stripe {
  size_t batch = 0;
  int layer = 0;
  uint64_t g0 = 0, rows = 0;
};

/// Where tensors live in the Unified Buffer and how the accumulators are used.
struct Allocation {
  /// [set][tensor_index]: first UB row (one set, or two with double_buffered_batches).
  std::vector<std::vector<uint64_t>> ub_base;
  uint64_t ub_rows_used = 0;     ///< rows up to the highest one allocated
  uint64_t acc_buffer_rows = 0;  ///< accumulator rows of one buffer (the second starts there)
  bool acc_double = false;       ///< two accumulator buffers (else one at row 0)
  uint64_t acc_rows_used = 0;
  std::vector<Stripe> stripes;  ///< every weighted layer's stripes, in program order

  /// UB row of tensor index `ti` for batch `b`.
  uint64_t base(size_t b, size_t ti) const { return ub_base[b % ub_base.size()][ti]; }
};

/// Allocates UB rows and accumulators. Errors (SC_REPORT_ERROR "tpu/lowering", naming the layer
/// where there is one, giving the need and the capacity): with batch_accumulators, a batch larger
/// than the accumulators; otherwise an output row (Q) wider than half the accumulators; bias rows
/// alone or the tensors over the UB (double-buffered: with the largest batch that fits; first
/// fit: naming the tensor, its shape and the largest free block).
Allocation allocate(const LoweringPlan& plan, const ArchConfig& cfg);

/// Writes the weight image: each weighted layer's tiles from plan.layers[i].weight_base, per
/// output tile j the passes' tiles in SWITCH order (source, kernel row, kernel column, input
/// tile, weight plane), each R x C int8 row-major [input channel][output channel], zero padded. Errors: an
/// image larger than dram.capacity_bytes (check_weight_capacity).
void place_weights(const LoweringPlan& plan, const ArchConfig& cfg, LoweredProgram& out);

/// Host addresses of each batch's inputs ([batch][input k]) and output.
struct HostLayout {
  std::vector<std::vector<uint64_t>> input_addr;
  std::vector<uint64_t> output_addr;
};

/// Writes the host image: the bias rows (int32 LE, bias_rows_per_tile() rows per output tile),
/// then per batch each input and room for the output, tile after tile (rows of R bytes or
/// packed: LoweringPolicy::padded_host_rows); sets out.batches. Errors: more than the 4 GiB of
/// host addresses Read/Write_Host_Memory reach.
HostLayout layout_host(const LoweringPlan& plan, const ArchConfig& cfg, LoweredProgram& out);

/// Appends to the host image, for each host_op layer of each batch (in program order), room for
/// its operand and its result (packed tiles, LoweredProgram::HostOperation) and its entry in
/// out.host_ops; run after layout_host. A host_op layer's program (emit_program): Write_Host_Memory
/// of its input, Interrupt_Host with its id, Read_Host_Memory of its output, Sync host (RAW for
/// the readers of the output). A matmul layer gets a WriteWeights entry per sample (room for that
/// sample's b inputs): per sample its program is Write_Host_Memory of the sample's rows of each b
/// input, Interrupt_Host (the host writes the layer's weight tiles into the weight memory over
/// PCIe), then Read_Weights of its tiles (not read ahead of the Interrupt_Host) and the passes of
/// the sample's stripes (allocate: none straddles two samples) as a 1x1 conv of G groups. Needs
/// packed host rows (the network policy). Errors (SC_REPORT_ERROR "tpu/lowering" naming the layer): more than 4 GiB of
/// host addresses, more than 65536 host operations.
void layout_host_ops(const LoweringPlan& plan, LoweredProgram& out);

/// Appends the program (lowering.h describes it), Halt included, to out.program; fills
/// out.layers with layer_records. Errors: more instructions than the instruction buffer holds.
void emit_program(const LoweringPlan& plan, const Allocation& alloc, const HostLayout& host, const ArchConfig& cfg,
                  LoweredProgram& out);

/// Runs allocate, place_weights, layout_host, layout_host_ops and emit_program on `plan`: the
/// whole lowering.
LoweredProgram lower_plan(const LoweringPlan& plan, const ArchConfig& cfg);

}  // namespace tpu
