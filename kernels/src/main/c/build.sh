#!/usr/bin/env bash
# Compiles the native kernels into the module's classes so the jar carries them as a resource:
#   build.sh <module dir> <classes dir>
# A missing gcc (or a non linux-x86_64 machine) is not an error: the build goes on without the
# library and Kernels.best() falls back to the Vector API, saying why. Skips work when the library is
# newer than its sources.
set -u
src="$1/src/main/c"
out="$2/dev/flywheel/kernels/native/linux-x86_64"
lib="$out/libflywheel_kernels.so"
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "[kernels] native library skipped: only Linux-x86_64 is built, this is $(uname -s)-$(uname -m)"
  exit 0
fi
CC="${CC:-gcc}"
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "[kernels] native library skipped: $CC not found; Kernels.best() will use the Vector API"
  exit 0
fi
if [ -f "$lib" ] && [ -z "$(find "$src" -newer "$lib" -type f | head -1)" ]; then
  exit 0
fi
mkdir -p "$out"
# -O3 only: the hot functions carry target attributes (AVX2 / AVX-512) and are chosen at run time,
# so the library itself loads on any x86-64.
if "$CC" -O3 -fPIC -shared -Wall -Wextra -o "$lib.tmp" "$src/flywheel_kernels.c" -lm; then
  mv -f "$lib.tmp" "$lib"
  echo "[kernels] native library built: $lib"
else
  rm -f "$lib.tmp"
  echo "[kernels] WARNING: $CC failed to compile the native kernels; the jar will not contain them" >&2
fi
exit 0
