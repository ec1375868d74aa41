#include "runtime/host.h"

#include <algorithm>
#include <cstring>

#include <tlm_utils/tlm_quantumkeeper.h>

#include "host_interface/host_interface.h"
#include "sequencer/sequencer.h"

namespace tpu {

Host::Host(sc_core::sc_module_name name, const LoweredProgram& program, bool stop_when_done)
    : sc_module(name), socket("socket"), interrupt("interrupt"),
      memory("memory", std::max<uint64_t>(program.host_image.size(), 1), 1), program_(program),
      stop_when_done_(stop_when_done) {
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

  // 4. Wait for Halt's interrupt and check the status.
  if (!interrupt.read()) sc_core::wait(interrupt.posedge_event());
  end_time_ = sc_core::sc_time_stamp();
  uint32_t status = 0;
  delay = sc_core::SC_ZERO_TIME;
  transport(socket, tlm::TLM_READ_COMMAND, kControlBase + Sequencer::kRegStatus, reinterpret_cast<uint8_t*>(&status), 4,
            delay, "host: STATUS");
  sc_core::wait(delay);
  if (status != Sequencer::kHalted) SC_REPORT_ERROR("tpu/host", "interrupt without the sequencer halted");
  finished_ = true;
  if (stop_when_done_) sc_core::sc_stop();
}

}  // namespace tpu
