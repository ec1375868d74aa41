// tlm_platform: the TPU model inside a platform of the user's own: a TLM-2.0 memory, a bus
// (interconnect) that routes by address, and a CPU that drives the TPU as a PCIe device.
//
//   cpu --> bus --+--> memory          [0, 64 KiB)           the CPU's data; the TPU's DMA target
//   tpu DMA ------+--> tpu host socket [kTpuBase, +2^49)     weight memory at 0, control at kControlBase
//
// The CPU puts the host image (bias and inputs) into the memory, preloads the weight image into
// the TPU's weight memory (transport_dbg: set-up, untimed), writes the program (assembled from
// text with tpu::assemble) into the instruction buffer, writes START, waits for the interrupt,
// reads STATUS and prints the output region of the memory. Only tpu_tlm::tpu_model is used: the
// CPU, bus and memory here are plain TLM-2.0 written for this example.
//
//   tlm_platform CONFIG PROGRAM HOST_IMAGE WEIGHT_IMAGE OUT_ADDR OUT_BYTES ROW_BYTES
// prints the OUT_BYTES bytes at OUT_ADDR as signed int8, ROW_BYTES per line. Exit 0 on success,
// 1 on an error (the message names the file or the failing access).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "chip/tpu.h"
#include "config/config.h"
#include "host_interface/host_interface.h"
#include "isa/isa.h"
#include "sequencer/sequencer.h"

namespace {

constexpr uint64_t kMemoryBytes = 64 * 1024;
constexpr uint64_t kTpuBase = uint64_t(1) << 56;  // the TPU's window on the bus
constexpr uint64_t kTpuSize = uint64_t(1) << 49;  // weight memory and control (kControlBase + 2^32 < 2^49)

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open");
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

/// A plain memory: b_transport with a fixed 10 ns latency, transport_dbg; no DMI.
struct Memory : sc_core::sc_module {
  tlm_utils::simple_target_socket<Memory> socket{"socket"};
  std::vector<uint8_t> bytes;

  Memory(sc_core::sc_module_name name, uint64_t size) : sc_module(name), bytes(size, 0) {
    socket.register_b_transport(this, &Memory::b_transport);
    socket.register_transport_dbg(this, &Memory::transport_dbg);
  }
  unsigned access(tlm::tlm_generic_payload& t) {
    const uint64_t a = t.get_address(), n = t.get_data_length();
    if (a + n > bytes.size() || a + n < a) {
      t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return 0;
    }
    if (t.is_read()) std::memcpy(t.get_data_ptr(), &bytes[a], n);
    else if (t.is_write()) std::memcpy(&bytes[a], t.get_data_ptr(), n);
    t.set_response_status(tlm::TLM_OK_RESPONSE);
    return unsigned(n);
  }
  void b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay) {
    access(t);
    delay += sc_core::sc_time(10, sc_core::SC_NS);
  }
  unsigned transport_dbg(tlm::tlm_generic_payload& t) { return access(t); }
};

/// A bus: any number of initiators, two targets chosen by address (the TPU's window is
/// translated to its own addresses); 2 ns per transfer; an unmapped address is an address error.
struct Bus : sc_core::sc_module {
  tlm_utils::multi_passthrough_target_socket<Bus> in{"in"};
  tlm_utils::simple_initiator_socket<Bus> to_memory{"to_memory"};
  tlm_utils::simple_initiator_socket<Bus> to_tpu{"to_tpu"};

  explicit Bus(sc_core::sc_module_name name) : sc_module(name) {
    in.register_b_transport(this, &Bus::b_transport);
    in.register_transport_dbg(this, &Bus::transport_dbg);
  }
  /// The target for `t`'s address, with the address made local; null when unmapped.
  tlm_utils::simple_initiator_socket<Bus>* route(tlm::tlm_generic_payload& t) {
    const uint64_t a = t.get_address();
    if (a < kMemoryBytes) return &to_memory;
    if (a >= kTpuBase && a - kTpuBase < kTpuSize) {
      t.set_address(a - kTpuBase);
      return &to_tpu;
    }
    t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return nullptr;
  }
  void b_transport(int, tlm::tlm_generic_payload& t, sc_core::sc_time& delay) {
    const uint64_t a = t.get_address();
    delay += sc_core::sc_time(2, sc_core::SC_NS);
    if (auto* s = route(t)) (*s)->b_transport(t, delay);
    t.set_address(a);
  }
  unsigned transport_dbg(int, tlm::tlm_generic_payload& t) {
    const uint64_t a = t.get_address();
    unsigned n = 0;
    if (auto* s = route(t)) n = (*s)->transport_dbg(t);
    t.set_address(a);
    return n;
  }
};

/// The CPU: runs one program on the TPU and keeps the STATUS it read.
struct Cpu : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Cpu> socket{"socket"};
  sc_core::sc_in<bool> interrupt{"interrupt"};
  std::vector<tpu::Instruction> program;
  std::vector<uint8_t> host_image, weight_image;
  uint32_t status = 0;
  std::string error;

  Cpu(sc_core::sc_module_name name) : sc_module(name) { SC_THREAD(run); }
  SC_HAS_PROCESS(Cpu);

  void transfer(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, unsigned n, bool debug, sc_core::sc_time& delay) {
    tlm::tlm_generic_payload t;
    t.set_command(cmd);
    t.set_address(addr);
    t.set_data_ptr(data);
    t.set_data_length(n);
    t.set_streaming_width(n);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    if (debug) {
      if (socket->transport_dbg(t) != n) t.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    } else {
      socket->b_transport(t, delay);
    }
    if (!t.is_response_ok()) {
      std::ostringstream msg;
      msg << "cpu: " << (cmd == tlm::TLM_READ_COMMAND ? "read" : "write") << " of " << n << " bytes at 0x" << std::hex
          << addr << " failed: " << t.get_response_string();
      throw std::runtime_error(msg.str());
    }
  }

  void run() {
    try {
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      transfer(tlm::TLM_WRITE_COMMAND, 0, host_image.data(), unsigned(host_image.size()), false, delay);
      transfer(tlm::TLM_WRITE_COMMAND, kTpuBase + 0, weight_image.data(), unsigned(weight_image.size()), true, delay);
      std::vector<uint8_t> code = tpu::encode_program(program);
      transfer(tlm::TLM_WRITE_COMMAND, kTpuBase + tpu::kControlBase + tpu::Sequencer::kInstructionBufferOffset,
               code.data(), unsigned(code.size()), false, delay);
      uint32_t count = uint32_t(program.size());
      transfer(tlm::TLM_WRITE_COMMAND, kTpuBase + tpu::kControlBase + tpu::Sequencer::kRegStart,
               reinterpret_cast<uint8_t*>(&count), 4, false, delay);
      sc_core::wait(delay);
      if (!interrupt.read()) sc_core::wait(interrupt.posedge_event());
      delay = sc_core::SC_ZERO_TIME;
      transfer(tlm::TLM_READ_COMMAND, kTpuBase + tpu::kControlBase + tpu::Sequencer::kRegStatus,
               reinterpret_cast<uint8_t*>(&status), 4, false, delay);
    } catch (const std::exception& e) {
      error = e.what();
    }
    sc_core::sc_stop();
  }
};

}  // namespace

int sc_main(int argc, char** argv) {
  if (argc != 8) {
    std::cerr << "usage: tlm_platform CONFIG PROGRAM HOST_IMAGE WEIGHT_IMAGE OUT_ADDR OUT_BYTES ROW_BYTES\n";
    return 1;
  }
  try {
    tpu::init_time_resolution();
    const tpu::ArchConfig cfg = tpu::load_config(argv[1]);
    const std::vector<uint8_t> text = read_file(argv[2]);
    const uint64_t out_addr = std::stoull(argv[5], nullptr, 0), out_bytes = std::stoull(argv[6], nullptr, 0);
    const uint64_t row_bytes = std::stoull(argv[7], nullptr, 0);
    if (out_addr + out_bytes > kMemoryBytes || row_bytes == 0) throw std::runtime_error("bad output region");

    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    Memory memory("memory", kMemoryBytes);
    Bus bus("bus");
    tpu::Tpu chip("tpu", cfg, sc_core::sc_time(1, sc_core::SC_US));
    Cpu cpu("cpu");
    cpu.program = tpu::assemble(std::string(text.begin(), text.end()), argv[2]);
    cpu.host_image = read_file(argv[3]);
    cpu.weight_image = read_file(argv[4]);

    cpu.socket.bind(bus.in);
    chip.pcie_socket().bind(bus.in);
    bus.to_memory.bind(memory.socket);
    bus.to_tpu.bind(chip.host_socket());
    cpu.interrupt.bind(chip.interrupt);

    sc_core::sc_start();
    if (!cpu.error.empty()) throw std::runtime_error(cpu.error);
    if (cpu.status != tpu::Sequencer::kHalted) throw std::runtime_error("the TPU did not halt");

    std::string name = argv[2];
    name = name.substr(name.find_last_of('/') + 1);
    std::cout << "tlm_platform: cpu + bus + memory + tpu (" << cfg.mxu.rows << "x" << cfg.mxu.cols << " MXU)\n"
              << "program " << name << ": " << cpu.program.size() << " instructions, status halted\n";
    for (uint64_t row = 0; row * row_bytes < out_bytes; ++row) {
      std::cout << "out" << row << ":";
      for (uint64_t i = row * row_bytes; i < std::min(out_bytes, (row + 1) * row_bytes); ++i)
        std::cout << " " << int(int8_t(memory.bytes[out_addr + i]));
      std::cout << "\n";
    }
    return 0;
  } catch (const sc_core::sc_report& e) {
    std::cerr << "tlm_platform: error: " << e.get_msg() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "tlm_platform: error: " << e.what() << "\n";
  }
  return 1;
}
