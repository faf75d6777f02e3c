#!/usr/bin/env bash
# Proves that the matrix-product kernel is vector code on every target, not only on this one:
#
#   bash benchmark/portability.sh [--seconds S] [--config NAME] [--no-aarch64]
#
# For g++ and clang++ (those installed) and each x86-64 target (x86-64-v2: SSE4.2,
# x86-64-v3: AVX2 + FMA, x86-64-v4: AVX-512, and native):
#   1. compiles core/fast/gemm.cpp and lstm/lstm.cpp to assembly and checks that the float and
#      double micro-kernels (every tile height) use packed multiply-adds of that target's width and no scalar ones,
#      and that σ and tanh in the LSTM step are packed divisions of that width;
#   2. where this processor can run the target, builds ./bench for it and runs
#      `./bench --part gemm`: the products of a training step as a % of the peak measured in
#      the same run (targets it cannot run are checked in step 1 only, and named);
#   3. prints one table: compiler, target, vector width, kernel check, % of peak.
# Then a deliberately scalar kernel (the plain-array Vec without vectorization) must fail
# ./bench --min-peak-fraction 0.3: the guard CI relies on can fail.
# Last, where Debian's g++-aarch64-linux-gnu and qemu-user are installed (apt-get install
# g++-aarch64-linux-gnu qemu-user), cross-builds for aarch64, checks the NEON kernel's assembly
# the same way and runs ./gradcheck and the test suite under qemu (correctness only: speed
# under emulation means nothing and is not measured).
#
# Exits non-zero when any check fails. Builds go to build/portability/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=0.5
config=lstm-256x2
aarch64=1
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --no-aarch64) aarch64=0; shift ;;
    -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "portability.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

out=build/portability
mkdir -p "$out"
[ -f shakespeare.txt ] || sh samples/corpora.sh shakespeare
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
problem() { echo "FAIL: $*" >&2; }  # inside $(...), where the count cannot be kept

# The body of one function in an assembly file, found by a piece of its (mangled) name.
function_body() {  # file name-piece
  awk -v want="$2" '
    /^[_A-Za-z][_A-Za-z0-9.$]*:/ { name = $1; inside = index(name, want) > 0 }
    inside { print }' "$1"
}

# The vector register width (bytes) a compiler targets with the given -march.
width_of() {  # compiler march
  local macros
  macros=$("$1" -march="$2" -dM -E -x c++ /dev/null)
  if grep -q '__AVX512F__' <<<"$macros"; then echo 64
  elif grep -q '__AVX__' <<<"$macros"; then echo 32
  else echo 16; fi
}
has_fma() {  # compiler march
  local macros
  macros=$("$1" -march="$2" -dM -E -x c++ /dev/null)
  grep -q '__FMA__' <<<"$macros"
}

# Can this processor run code built for the target? glibc's loader says so for x86-64-vN.
runs_here() {  # march
  [ "$1" = native ] && return 0
  local loader
  for loader in /lib64/ld-linux-x86-64.so.2 /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2; do
    if [ -x "$loader" ]; then
      "$loader" --help 2>/dev/null | grep -q "$1 (supported" && return 0
      return 1
    fi
  done
  return 1
}

# Checks the micro-kernels of one build's assembly; prints a one-word verdict, and what is
# wrong on stderr.
check_kernels() {  # compiler march width
  local cxx=$1 march=$2 width=$3 dir=$out/$1-$2 reg ok=1 kind
  mkdir -p "$dir"
  "$cxx" -std=c++17 -fno-trapping-math -iquote . -O3 -march="$march" -S core/fast/gemm.cpp -o "$dir/gemm.s"
  "$cxx" -std=c++17 -fno-trapping-math -iquote . -O3 -march="$march" -S lstm/lstm.cpp -o "$dir/lstm.s"
  case $width in 16) reg=xmm ;; 32) reg=ymm ;; 64) reg=zmm ;; esac
  for kind in f:ps:ss d:pd:sd; do
    IFS=: read -r type packed scalar <<<"$kind"
    local body rows
    for rows in 5 4 3 2 1; do  # the full tile and the bottom-edge tiles
      body=$(function_body "$dir/gemm.s" "micro_kernelI${type}Li${rows}E")
      if [ -z "$body" ]; then problem "$cxx $march: micro_kernel<$type,$rows> not found in the assembly"; ok=0; continue; fi
      if has_fma "$cxx" "$march"; then
        grep -Eq "vfmadd[0-9]+$packed.*%$reg" <<<"$body" ||
          { problem "$cxx $march: micro_kernel<$type,$rows> has no packed vfmadd…$packed on $reg"; ok=0; }
        if grep -Eq "vfmadd[0-9]+$scalar" <<<"$body"; then
          problem "$cxx $march: micro_kernel<$type,$rows> has scalar vfmadd…$scalar"; ok=0
        fi
      else
        grep -Eq "mul$packed.*%$reg" <<<"$body" ||
          { problem "$cxx $march: micro_kernel<$type,$rows> has no packed mul$packed on $reg"; ok=0; }
        if grep -Eq "mul$scalar" <<<"$body"; then
          problem "$cxx $march: micro_kernel<$type,$rows> has scalar mul$scalar"; ok=0
        fi
      fi
    done
    body=$(function_body "$dir/lstm.s" "LstmI${type}E12step_forward")
    grep -Eq "div$packed.*%$reg" <<<"$body" ||
      { problem "$cxx $march: Lstm<$type>::step_forward has no packed div$packed on $reg (σ, tanh)"; ok=0; }
  done
  [ $ok = 1 ] && echo packed || echo FAILED
}

# Builds ./bench for one target and prints the products' fraction of the peak, in %. With a
# third argument, core/fast/gemm.cpp alone is compiled again with those extra flags.
bench_fraction() {  # compiler march [kernel-only CXXFLAGS [bench flags]]
  local cxx=$1 march=$2 kernel_flags=${3:-} dir=$out/$1-$2${3:+-scalar}
  [ -z "$kernel_flags" ] || rm -rf "$dir"  # make does not rebuild for changed flags
  make -s -j2 CXX="$cxx" BUILD="$dir/obj" OUT="$dir/" CXXFLAGS="-O3 -march=$march" "$dir/bench" >/dev/null
  if [ -n "$kernel_flags" ]; then
    "$cxx" -std=c++17 -fno-trapping-math -iquote . -O3 -march="$march" $kernel_flags \
      -c core/fast/gemm.cpp -o "$dir/obj/core/fast/gemm.o"
    make -s CXX="$cxx" BUILD="$dir/obj" OUT="$dir/" CXXFLAGS="-O3 -march=$march" "$dir/bench" >/dev/null
  fi
  "$dir/bench" --part gemm --config "$config" --seconds "$seconds" ${4:-} >"$dir/bench.txt" 2>"$dir/bench.err" ||
    return $?
  sed -n 's/^GEMM config=.* product=all .*peak_fraction=\([0-9.]*\).*/\1/p' "$dir/bench.txt" |
    awk '{ printf "%.1f", 100 * $1 }'
}

compilers=()
for cxx in g++ clang++; do command -v "$cxx" >/dev/null && compilers+=("$cxx"); done
machine=$(uname -m)
rows=()
skipped=()
if [ "$machine" = x86_64 ]; then
  targets=(x86-64-v2 x86-64-v3 x86-64-v4 native)
else
  targets=(native)
fi
echo "processor: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //') ($machine)"
for cxx in "${compilers[@]}"; do
  for march in "${targets[@]}"; do
    width=$(width_of "$cxx" "$march")
    verdict=$(check_kernels "$cxx" "$march" "$width")
    [ "$verdict" = packed ] || failures=$((failures + 1))
    if runs_here "$march"; then
      fraction=$(bench_fraction "$cxx" "$march") || { fail "$cxx $march: ./bench failed"; fraction=-; }
    else
      fraction="not run"
      skipped+=("$cxx $march")
    fi
    rows+=("$(printf '%-8s %-10s %4s bits  %-7s %s' "$cxx" "$march" $((width * 8)) "$verdict" "$fraction")")
  done
done

echo
echo "the products of a $config training step (./bench --part gemm, % of the peak measured in the same run)"
printf '%-8s %-10s %9s  %-7s %s\n' compiler target "vector" kernel "% of peak"
for row in "${rows[@]}"; do echo "$row"; done
if [ ${#skipped[@]} -gt 0 ]; then
  echo "assembly checked but not run (this processor lacks the instructions): ${skipped[*]}"
fi

# The guard must be able to fail: a kernel with no vector code at all.
echo
echo "a deliberately scalar kernel (core/fast/gemm.cpp alone with the plain-array Vec and -fno-tree-vectorize)"
echo "against ./bench --min-peak-fraction 0.3:"
if bench_fraction g++ native "-DCHARNN_PLAIN_VEC -fno-tree-vectorize -fno-tree-slp-vectorize" \
     "--min-peak-fraction 0.3" >/dev/null; then
  fail "the guard passed a scalar kernel"
else
  echo "  refused, as it must be: $(cat "$out/g++-native-scalar/bench.err")"
fi

if [ $aarch64 = 1 ]; then
  echo
  if ! command -v aarch64-linux-gnu-g++ >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
    fail "aarch64: install g++-aarch64-linux-gnu and qemu-user (or pass --no-aarch64)"
  else
    bash benchmark/aarch64.sh || fail "aarch64: see above"
  fi
fi

echo
if [ $failures -gt 0 ]; then
  echo "portability: $failures check(s) failed"
  exit 1
fi
echo "portability: every check passed"
