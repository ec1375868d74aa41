// Tests of loading a hand-written program and its images (host/runtime/user_program.h): where
// image bytes land, how large host memory becomes, the argument parsers, and errors naming files.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <systemc>

#include "common/temp_path.h"
#include "common/test_util.h"
#include "config/config.h"
#include "runtime/user_program.h"

namespace tpu {
namespace {

using test::Contains;
using test::ErrorOf;

std::string temp_file(const std::string& name, const std::string& bytes) {
  const std::filesystem::path dir = test::temp_path("user_program");  // the file keeps its own name
  std::filesystem::create_directories(dir);
  const std::string path = (dir / ("user_program_" + name)).string();
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(UserProgram, PlacesImagesAtTheirAddressesWithZerosBetween) {
  ProgramSpec spec;
  spec.program_path = temp_file("a.s", "nop\nhalt\n");
  spec.host_images = {{temp_file("h1.bin", "AB"), 4}, {temp_file("h2.bin", "C"), 0}};
  spec.weight_images = {{temp_file("w.bin", "xyz"), 0x10}};
  spec.read_backs = {{0x20, 8, "out.bin"}};
  const UserProgram u = load_user_program(spec, ArchConfig());
  ASSERT_EQ(u.lowered.program.size(), 2u);
  EXPECT_EQ(u.lowered.program[1].op, Opcode::Halt);
  // Host memory reaches the read-back's end (0x20 + 8), the images' bytes where they were put.
  const std::vector<uint8_t> host = {'C', 0, 0, 0, 'A', 'B'};
  ASSERT_EQ(u.lowered.host_image.size(), 0x28u);
  EXPECT_TRUE(std::equal(host.begin(), host.end(), u.lowered.host_image.begin()));
  for (size_t i = host.size(); i < 0x28; ++i) EXPECT_EQ(u.lowered.host_image[i], 0) << i;
  ASSERT_EQ(u.lowered.weight_image.size(), 0x13u);
  EXPECT_EQ(u.lowered.weight_image[0x0f], 0);
  EXPECT_EQ(u.lowered.weight_image[0x10], 'x');
  EXPECT_EQ(u.lowered.weight_image[0x12], 'z');
  EXPECT_EQ(u.name, "user_program_a.s");
}

TEST(UserProgram, ErrorsNameTheFile) {
  ProgramSpec spec;
  spec.program_path = temp_file("nohalt.s", "nop\n");
  EXPECT_TRUE(Contains(ErrorOf("tpu/program", [&] { load_user_program(spec, ArchConfig()); }),
                       "nohalt.s: the program has no halt"));
  spec.program_path = temp_file("b.s", "halt\n");
  spec.host_images = {{temp_file("o1.bin", "1234"), 0}, {temp_file("o2.bin", "56"), 3}};
  EXPECT_TRUE(
      Contains(ErrorOf("tpu/program", [&] { load_user_program(spec, ArchConfig()); }), "o2.bin: host image overlaps"));
  spec.host_images = {{temp_file("o1.bin", "1234"), 0}, {temp_file("o2.bin", "56"), 4}};  // adjacent: fine
  EXPECT_EQ(load_user_program(spec, ArchConfig()).lowered.host_image.size(), 6u);
  ArchConfig small;
  small.dram.capacity_bytes = 16;
  spec.weight_images = {{temp_file("big.bin", "0123456789"), 8}};
  EXPECT_TRUE(Contains(ErrorOf("tpu/program", [&] { load_user_program(spec, small); }),
                       "big.bin: weight image of 10 bytes at 8 ends beyond dram.capacity_bytes (16 bytes)"));
}

TEST(UserProgram, ParsesImageAndReadBackArguments) {
  ImageFile f = parse_image_arg("dir/x@y.bin@0x40", "--host-image");
  EXPECT_EQ(f.path, "dir/x@y.bin");
  EXPECT_EQ(f.addr, 0x40u);
  f = parse_image_arg("w.bin", "--weight-image");
  EXPECT_EQ(f.path, "w.bin");
  EXPECT_EQ(f.addr, 0u);
  const ReadBack r = parse_read_back_arg("128:0x10:out/y.bin", "--read-back");
  EXPECT_EQ(r.addr, 128u);
  EXPECT_EQ(r.bytes, 16u);
  EXPECT_EQ(r.path, "out/y.bin");
  EXPECT_THROW(parse_image_arg("@0x10", "--host-image"), std::invalid_argument);
  EXPECT_THROW(parse_image_arg("a.bin@12k", "--host-image"), std::invalid_argument);
  EXPECT_THROW(parse_read_back_arg("1:2", "--read-back"), std::invalid_argument);
  EXPECT_THROW(parse_read_back_arg("1:0:f", "--read-back"), std::invalid_argument);
  EXPECT_THROW(parse_read_back_arg("x:2:f", "--read-back"), std::invalid_argument);
}

}  // namespace
}  // namespace tpu
