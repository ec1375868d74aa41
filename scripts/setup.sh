#!/usr/bin/env bash
# Installs every Debian package tpu-tlm needs on a fresh Debian 12 machine:
#   build:    g++, CMake, pkg-config, SystemC 2.3.4 with TLM, yaml-cpp, Boost, nlohmann-json,
#             oneDNN (the MXU's int8 GEMM) and the OpenCL development files its CMake package
#             requires (Debian builds oneDNN with the OpenCL GPU runtime; libdnnl-dev only
#             recommends them, and recommends are not installed here)
#   tests:    GoogleTest; Verilator 5 for the RTL co-simulation tests (ctest -L rtl); GTKWave,
#             Xvfb and xauth for the waveform test (ctest -L gtkwave: the VCD opened with
#             scripts/tpu_sim.gtkw in a headless GTKWave); clang-format for the style check
#             (ctest -L style)
#   sanitizers and fuzzing (fuzz/README.md, CI's second build): clang 14 with its runtimes
#             (libclang-rt-14-dev: libFuzzer, ASan, UBSan), its OpenMP (libomp-14-dev, for
#             oneDNN's CMake package under clang) and llvm-symbolizer (llvm-14) for the reports
#   scripts:  numpy, PyYAML, scikit-learn, matplotlib (workload generators, the int8 reference,
#             plots); ONNX, PyTorch and torchvision (ONNX import and its tests); Dask and
#             dask.distributed (tpu-sweep and its tests, ctest -L sweep), all Debian's
#             /usr/bin/python3 packages; OpenBLAS as the system BLAS (numpy and Debian's torch
#             otherwise link the reference BLAS: the importer's float64 passes of vit_b_16 ran
#             at 5 GFLOP/s instead of 67)
# Runs apt-get as root (or through sudo). Safe to run again.
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  libsystemc-dev libyaml-cpp-dev libboost-dev libboost-program-options-dev nlohmann-json3-dev libdnnl-dev
  ocl-icd-opencl-dev
  libgtest-dev verilator clang-format
  clang-14 libclang-rt-14-dev libomp-14-dev llvm-14
  python3 python3-numpy python3-yaml python3-sklearn python3-matplotlib
  libopenblas0-pthread
  python3-onnx python3-torch python3-torchvision python3-dask python3-distributed
)
# The waveform test (cmake/requirements.cmake): GTKWave under a headless X server.
packages+=(gtkwave xvfb xauth)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages are installed"
  exit 0
fi

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
