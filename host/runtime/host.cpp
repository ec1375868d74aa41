#include "runtime/host.h"

#include <algorithm>
#include <cstring>

#include <tlm_utils/tlm_quantumkeeper.h>

#include "host_interface/host_interface.h"
#include "sequencer/sequencer.h"

namespace tpu {

Host::Host(sc_core::sc_module_name name, const LoweredProgram& program, bool stop_when_done, const HostModel& model)
    : sc_module(name), socket("socket"), interrupt("interrupt"),
      memory("memory", std::max<uint64_t>(program.host_image.size(), 1), 1), program_(program),
      stop_when_done_(stop_when_done), model_(model) {
  SC_HAS_PROCESS(Host);
  SC_THREAD(run);
}

void Host::run() {
  // 1. Weights: untimed preload through the chip's host interface.
  // A debug write only reads the data; the payload API wants a non-const pointer.
  const auto& image = program_.weight_image;
  constexpr uint64_t kChunk = 64 * 1024;
  for (uint64_t a = 0; a < image.size(); a += kChunk) {
    tlm::tlm_generic_payload t;
    const uint64_t n = std::min(kChunk, image.size() - a);
    t.set_command(tlm::TLM_WRITE_COMMAND);
    t.set_address(a);
    t.set_data_ptr(const_cast<uint8_t*>(&image[a]));
    t.set_data_length(unsigned(n));
    t.set_streaming_width(unsigned(n));
    if (socket->transport_dbg(t) != n) SC_REPORT_ERROR("tpu/host", "weight preload into the weight memory failed");
  }
  // 2. Inputs and bias rows: the host's own memory.
  if (!program_.host_image.empty())  // memcpy from an empty vector's null data() is undefined
    std::memcpy(memory.data(), program_.host_image.data(), program_.host_image.size());

  // 3. Program over PCIe, then START.
  tlm_utils::tlm_quantumkeeper qk;
  qk.reset();
  std::vector<uint8_t> code = encode_program(program_.program);
  sc_core::sc_time delay;
  for (uint64_t a = 0; a < code.size(); a += 4096) {
    const uint64_t n = std::min<uint64_t>(4096, code.size() - a);
    delay = qk.get_local_time();
    transport(socket, tlm::TLM_WRITE_COMMAND, kControlBase + Sequencer::kInstructionBufferOffset + a, &code[a], n,
              delay, "host: program load");
    qk.set(delay);
    if (qk.need_sync()) qk.sync();
  }
  uint32_t count = uint32_t(program_.program.size());
  delay = qk.get_local_time();
  transport(socket, tlm::TLM_WRITE_COMMAND, kControlBase + Sequencer::kRegStart, reinterpret_cast<uint8_t*>(&count), 4,
            delay, "host: START");
  qk.set(delay);
  qk.sync();

  // 4. Serve each Interrupt_Host; stop at Halt's interrupt.
  if (!interrupt.read()) sc_core::wait(interrupt.posedge_event());
  for (;;) {
    const sc_core::sc_time rise = sc_core::sc_time_stamp();
    const uint32_t status = read_register(Sequencer::kRegStatus, "host: STATUS");
    if (status == Sequencer::kHalted) {
      end_time_ = rise;
      break;
    }
    if (status != Sequencer::kHostWait) SC_REPORT_ERROR("tpu/host", "interrupt without the sequencer halted");
    serve_host_op(rise);
    sc_core::wait(interrupt.posedge_event());
  }
  finished_ = true;
  if (stop_when_done_) sc_core::sc_stop();
}

uint32_t Host::read_register(uint64_t offset, const char* what) {
  uint32_t v = 0;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  transport(socket, tlm::TLM_READ_COMMAND, kControlBase + offset, reinterpret_cast<uint8_t*>(&v), 4, delay, what);
  sc_core::wait(delay);
  return v;
}

void Host::serve_host_op(const sc_core::sc_time& rise) {
  HostOpRecord rec;
  rec.interrupt = rise;
  busy_ = 1;
  sc_core::wait(sc_core::sc_time(model_.interrupt_latency_ns, sc_core::SC_NS));
  rec.id = read_register(Sequencer::kRegHostOp, "host: HOST_OP");
  host_op_ = int(rec.id);
  if (rec.id >= program_.host_ops.size()) {
    const std::string msg = "interrupt_host id=" + std::to_string(rec.id) +
                            " but the program's host-operation table has " + std::to_string(program_.host_ops.size()) +
                            " entries";
    SC_REPORT_ERROR("tpu/host", msg.c_str());
  }
  const LoweredProgram::HostOperation& op = program_.host_ops[rec.id];
  rec.compute = model_.compute_time(op);
  if (op.params.kind == HostOpKind::WriteWeights) {
    sc_core::wait(rec.compute);  // building the tiles, then writing them
    write_weight_tiles(op);
  } else {
    execute_host_operation(op, memory.data());
    sc_core::wait(rec.compute);
  }
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  transport(socket, tlm::TLM_WRITE_COMMAND, kControlBase + Sequencer::kRegResume, reinterpret_cast<uint8_t*>(&rec.id),
            4, delay, "host: RESUME");
  sc_core::wait(delay);
  rec.resume = sc_core::sc_time_stamp();
  records_.push_back(rec);
  busy_ = 0;
  host_op_ = 0xffff;
}

void Host::write_weight_tiles(const LoweredProgram::HostOperation& op) {
  std::vector<uint8_t> tiles = build_weight_tiles(op, memory.data());
  const uint64_t tile = uint64_t(op.tile) * op.weights.cols;
  for (uint64_t a = 0; a < tiles.size(); a += tile) {
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    transport(socket, tlm::TLM_WRITE_COMMAND, op.weights.weight_base + a, &tiles[a], tile, delay,
              "host: WriteWeights into the weight memory");
    sc_core::wait(delay);
  }
}

void Host::trace(VcdWriter& vcd, const std::string& prefix) const {
  busy_.trace(vcd, prefix + ".busy", 1);
  host_op_.trace(vcd, prefix + ".host_op", 16);
}

}  // namespace tpu
