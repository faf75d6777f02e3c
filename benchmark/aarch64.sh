#!/usr/bin/env bash
# The NEON build, proven correct without an ARM machine (benchmark/portability.sh runs this):
#
#   bash benchmark/aarch64.sh
#
# Cross-compiles every program and the test suite for aarch64 with Debian's
# g++-aarch64-linux-gnu, checks in the assembly that the float and double micro-kernels use
# packed NEON multiply-adds (fmla on .4s and .2d, no scalar fmadd) and that σ and tanh in the
# LSTM step are packed divisions, then runs ./gradcheck and the whole test suite under
# qemu-aarch64 (the tests start the programs, which then run under qemu too). Speed under
# emulation means nothing and is not measured. Builds go to build/aarch64/.
set -euo pipefail
cd "$(dirname "$0")/.."

cxx=aarch64-linux-gnu-g++
sysroot=/usr/aarch64-linux-gnu
out=build/aarch64
for tool in "$cxx" qemu-aarch64; do
  command -v "$tool" >/dev/null ||
    { echo "aarch64.sh: $tool is missing: apt-get install g++-aarch64-linux-gnu qemu-user" >&2; exit 1; }
done
mkdir -p "$out"
failures=0
fail() { echo "FAIL: aarch64: $*"; failures=$((failures + 1)); }

function_body() {  # file name-piece
  awk -v want="$2" '
    /^[_A-Za-z][_A-Za-z0-9.$]*:/ { name = $1; inside = index(name, want) > 0 }
    inside { print }' "$1"
}

echo "aarch64: $("$cxx" --version | head -1)"
"$cxx" -std=c++17 -fno-trapping-math -iquote . -O3 -S core/fast/gemm.cpp -o "$out/gemm.s"
"$cxx" -std=c++17 -fno-trapping-math -iquote . -O3 -S lstm/lstm.cpp -o "$out/lstm.s"
for kind in f:4s:s d:2d:d; do
  IFS=: read -r type lanes scalar <<<"$kind"
  for rows in 5 4 3 2 1; do  # the full tile and the bottom-edge tiles
    body=$(function_body "$out/gemm.s" "micro_kernelI${type}Li${rows}E")
    grep -Eq "fmla[[:space:]]+v[0-9]+\.$lanes" <<<"$body" ||
      fail "micro_kernel<$type,$rows> has no packed fmla on .$lanes"
    if grep -Eq "f(madd|mul)[[:space:]]+$scalar[0-9]+," <<<"$body"; then
      fail "micro_kernel<$type,$rows> has a scalar f(madd|mul) on $scalar registers"
    fi
  done
  body=$(function_body "$out/lstm.s" "LstmI${type}E12step_forward")
  grep -Eq "fdiv[[:space:]]+v[0-9]+\.$lanes" <<<"$body" ||
    fail "Lstm<$type>::step_forward has no packed fdiv on .$lanes (σ, tanh)"
done
[ $failures = 0 ] && echo "aarch64: micro-kernels are packed NEON (fmla .4s, .2d), σ and tanh packed (fdiv)"

# The tests include Catch2 version 2 (one header) from the host's /usr/include; version 3 is a
# compiled library, which exists for the host only.
mkdir -p "$out/include"
if [ -f /usr/include/catch2/catch.hpp ]; then
  ln -sfn /usr/include/catch2 "$out/include/catch2"
  with_tests=1
else
  echo "aarch64: Catch2 version 2 (Debian package catch2) is missing: the test suite is skipped"
  with_tests=0
fi

# The programs run through small scripts that start them under qemu, so that the tests (which
# start the programs by name) run them emulated as well.
bin=$(pwd)/$out/bin
wrappers=$(pwd)/$out/wrappers
mkdir -p "$bin" "$wrappers"
programs=(gradcheck train_rnn train_lstm sample evaluate compare kneser_ney bench inspect)
for p in "${programs[@]}"; do
  printf '#!/bin/sh\nQEMU_LD_PREFIX=%s exec qemu-aarch64 %s/%s "$@"\n' "$sysroot" "$bin" "$p" \
    >"$wrappers/$p"
  chmod 755 "$wrappers/$p"
done

targets=("${programs[@]/#/$bin/}")
[ $with_tests = 1 ] && targets+=("$bin/run_tests")
make -s -j2 CXX="$cxx" BUILD="$out/obj" OUT="$bin/" RUN_TESTS="$bin/run_tests" BIN="$wrappers" \
  CXXFLAGS="-O3 -Wno-psabi -isystem $out/include" "${targets[@]}"

echo "aarch64: ./gradcheck under qemu"
"$wrappers/gradcheck" | tail -2 || fail "./gradcheck"
if [ $with_tests = 1 ]; then
  echo "aarch64: the test suite under qemu"
  if QEMU_LD_PREFIX=$sysroot qemu-aarch64 "$bin/run_tests" >"$out/tests.log" 2>&1; then
    tail -3 "$out/tests.log"
  else
    grep -B 4 -A 14 'FAILED' "$out/tests.log" | head -80
    tail -3 "$out/tests.log"
    fail "the test suite (the whole log: $out/tests.log)"
  fi
fi
if [ $failures -gt 0 ]; then
  echo "aarch64: $failures check(s) failed"
  exit 1
fi
echo "aarch64: every check passed"
