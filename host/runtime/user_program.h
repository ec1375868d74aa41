// A program written by hand (tpu-sim --program): its instructions from assembly text or a binary
// image, the host-memory and weight-memory images from files, and the host-memory regions to read
// back into files after Halt. The ISA is docs/isa.md; run it with run_program (simulation.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "lowering/program.h"

namespace tpu {

/// A file to place in a memory at a byte address (--host-image / --weight-image FILE[@ADDR]).
struct ImageFile {
  std::string path;
  uint64_t addr = 0;  ///< byte address of the file's first byte
};

/// A host-memory region written to a file after the run (--read-back ADDR:BYTES:FILE).
struct ReadBack {
  uint64_t addr = 0;   ///< host byte address
  uint64_t bytes = 0;  ///< length in bytes, >= 1
  std::string path;    ///< output file (complete or absent)
};

/// What the user gives: a program file and the images and regions around it.
struct ProgramSpec {
  /// Assembly text (isa.h, docs/isa.md), or, when the name ends in ".bin", a binary image of
  /// 12-byte instructions (encode_program).
  std::string program_path;
  std::vector<ImageFile> host_images;    ///< placed in host memory (zeros elsewhere)
  std::vector<ImageFile> weight_images;  ///< placed in the weight memory (zeros elsewhere)
  std::vector<ReadBack> read_backs;
};

/// A loaded program, ready for run_program (simulation.h).
struct UserProgram {
  std::string name;         ///< the program file's name without its folder
  std::string source_file;  ///< the program file's path
  /// program: the instructions; weight_image: weight memory from address 0; host_image: host
  /// memory from address 0, as large as the furthest image or read-back region end (the host
  /// memory's size: a Read/Write_Host_Memory beyond it is an error of the run).
  LoweredProgram lowered;
  std::vector<ReadBack> read_backs;
};

/// Parses FILE[@ADDR] (ADDR decimal or 0x-hex, default 0). Throws std::invalid_argument naming
/// `option` on an empty file name or a bad address.
ImageFile parse_image_arg(const std::string& text, const std::string& option);

/// Parses ADDR:BYTES:FILE (numbers decimal or 0x-hex, BYTES >= 1). Throws std::invalid_argument
/// naming `option` on a missing part or a bad number.
ReadBack parse_read_back_arg(const std::string& text, const std::string& option);

/// Reads the program and the images. Raises SC_REPORT_ERROR("tpu/program") naming the file on an
/// unreadable file, an empty program, a program without Halt, more instructions than the
/// instruction buffer holds, images that overlap each other (naming both), a weight image beyond
/// dram.capacity_bytes or a host memory over 4 GiB (host addresses are u32); assembly errors come
/// from assemble() ("tpu/isa", naming the file and line), binary ones from decode() (naming the
/// file, instruction index and byte offset).
UserProgram load_user_program(const ProgramSpec& spec, const ArchConfig& cfg);

/// Writes `bytes` bytes at `data` to `path` through a temporary file renamed into place (complete
/// or absent). Raises SC_REPORT_ERROR("tpu/output") naming the file on an I/O error.
void write_binary_file(const std::string& path, const uint8_t* data, uint64_t bytes);

}  // namespace tpu
