#!/usr/bin/env bash
# Compiles the CUDA kernels into the module's classes (a jar resource) when nvcc exists:
#   build.sh <module dir> <classes dir>
# No nvcc is not an error: the jar then has no CUDA library and Kernels.named("cuda") says so.
# The architecture defaults to sm_90a (H100/H200); override with FLYWHEEL_CUDA_ARCH. Skips work
# when the library is newer than its sources.
set -u
src="$1/src/main/cuda"
out="$2/dev/flywheel/kernels/native/linux-x86_64"
lib="$out/libflywheel_cuda.so"
NVCC="${NVCC:-$(command -v nvcc || true)}"
if [ -z "$NVCC" ] && [ -x /usr/local/cuda/bin/nvcc ]; then NVCC=/usr/local/cuda/bin/nvcc; fi
if [ -z "$NVCC" ] || [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "[kernels] CUDA library skipped: no nvcc on the PATH or in /usr/local/cuda/bin (or not Linux-x86_64)"
  exit 0
fi
if [ -f "$lib" ] && [ -z "$(find "$src" -newer "$lib" -type f | head -1)" ]; then
  exit 0
fi
mkdir -p "$out"
arch="${FLYWHEEL_CUDA_ARCH:-sm_90a}"
if "$NVCC" -O3 -arch="$arch" -shared -Xcompiler -fPIC -cudart static -o "$lib.tmp" "$src/flywheel_kernels.cu"; then
  mv -f "$lib.tmp" "$lib"
  echo "[kernels] CUDA library built for $arch: $lib"
else
  rm -f "$lib.tmp"
  echo "[kernels] WARNING: nvcc failed to compile the CUDA kernels; the jar will not contain them" >&2
fi
exit 0
