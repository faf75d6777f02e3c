#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ and runs each for SECONDS seconds, one after the
# other.
#
#   bash tests/fuzz/run.sh SECONDS [TARGET...]      e.g.  bash tests/fuzz/run.sh 600 fuzz_utf8
#
# TARGETs: fuzz_utf8, fuzz_checkpoint, fuzz_cli (default: all three). Everything goes under
# build/fuzz/: the library objects built with the sanitizers, the binaries, the corpora
# (corpus/TARGET/, kept between runs, so that a run continues from what earlier runs found),
# crash, leak, timeout and out-of-memory inputs (artifacts/), and each run's log (logs/).
# Prints one line per target; exits 1, naming the input, if any target failed.
#
# Needs clang++ with libFuzzer; CXX=clang++-14 (say) picks another clang.
set -euo pipefail

cd "$(dirname "$0")/../.."

die() {
  echo "run.sh: $*" >&2
  exit 1
}

[[ $# -ge 1 && $1 =~ ^[0-9]+$ && $1 -gt 0 ]] ||
  die "usage: bash tests/fuzz/run.sh SECONDS [fuzz_utf8|fuzz_checkpoint|fuzz_cli ...]"
seconds=$1
shift
all_targets=(fuzz_utf8 fuzz_checkpoint fuzz_cli)
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $t "* ]] || die "unknown target '$t' (${all_targets[*]})"
done

CXX=${CXX:-clang++}
out=build/fuzz
mkdir -p "$out/obj" "$out/artifacts" "$out/logs" "$out/tmp" "$out/seeds-work"

install_hint="install clang and libFuzzer: apt-get install clang libclang-rt-14-dev (Debian 12: \
libFuzzer, libclang_rt.fuzzer-x86_64.a, is in libclang-rt-14-dev, which clang only recommends)"
command -v "$CXX" >/dev/null 2>&1 || die "$CXX not found; $install_hint"
printf '%s\n' '#include <cstddef>' '#include <cstdint>' \
  'extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }' >"$out/probe.cpp"
"$CXX" -fsanitize=fuzzer,address "$out/probe.cpp" -o "$out/probe" >/dev/null 2>&1 ||
  die "$CXX cannot link libFuzzer (-fsanitize=fuzzer); $install_hint"

# The same flags for the library and the targets; -fsanitize=fuzzer-no-link gives the library
# the coverage instrumentation that guides the fuzzer, without a second main().
# shellcheck disable=SC2054  # the commas are in one argument (-fsanitize=a,b)
flags=(-std=c++17 -g -O1 -iquote "$PWD" -fsanitize=address,undefined
  -fno-sanitize-recover=undefined -pthread)

# True when `target` is missing or older than a file named in its dependency file `deps`
# (written by -MMD: "target: a.cpp b.h \" lines).
stale() {
  local target=$1 deps=$2 f
  [[ -f $target && -f $deps ]] || return 0
  # shellcheck disable=SC2013  # the file is a list of words (paths), several to a line
  for f in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$deps"); do
    [[ $f -nt $target ]] && return 0
  done
  return 1
}

# The library: every .cpp of core/, util/, rnn/, lstm/, gru/ and train/, as an archive,
# so each target links only the objects it uses.
lib=$out/libcharnn-fuzz.a
objects=()
relink=0
shopt -s nullglob  # a folder without .cpp files (core/ has only headers) adds nothing
for src in core/*.cpp core/fast/*.cpp util/*.cpp rnn/*.cpp lstm/*.cpp gru/*.cpp train/*.cpp; do
  [[ $src == *_main.cpp ]] && continue
  obj=$out/obj/${src//\//_}
  obj=${obj%.cpp}.o
  objects+=("$obj")
  if stale "$obj" "${obj%.o}.d"; then
    echo "compiling $src"
    "$CXX" "${flags[@]}" -fsanitize=fuzzer-no-link -MMD -MF "${obj%.o}.d" -c "$src" -o "$obj"
    relink=1
  fi
done
shopt -u nullglob
if [[ $relink == 1 || ! -f $lib ]]; then
  rm -f "$lib"
  ar rcs "$lib" "${objects[@]}"
fi

# build NAME EXTRA_FLAGS...: tests/fuzz/NAME.cpp linked with the library into build/fuzz/NAME.
build() {
  local name=$1
  shift
  if stale "$out/$name" "$out/obj/$name.d" || [[ $lib -nt $out/$name ]]; then
    echo "building $out/$name"
    "$CXX" "${flags[@]}" "$@" -MMD -MF "$out/obj/$name.d" "tests/fuzz/$name.cpp" "$lib" \
      -o "$out/$name"
  fi
}

# argv_seed FILE ARG...: the arguments joined by zero bytes, as fuzz_cli splits its input.
argv_seed() {
  local file=$1 sep=''
  shift
  : >"$file"
  for a in "$@"; do
    printf "$sep%s" "$a" >>"$file"
    sep='\0'
  done
}

# Seeds are rewritten on every run under fixed names (seed-*); the inputs the fuzzer found
# stay beside them.
seed_utf8() {
  local dir=$out/corpus/fuzz_utf8
  mkdir -p "$dir"
  printf '' >"$dir/seed-empty"
  printf 'To be, or not to be, that is the question:\n' >"$dir/seed-ascii"
  printf 'caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x99\x82\t\r\n\x7f' >"$dir/seed-multibyte"
  printf '\xef\xbb\xbfBOM then text' >"$dir/seed-bom"
  printf 'ok \xc0\xaf overlong' >"$dir/seed-overlong"
  printf 'surrogate \xed\xa0\x80' >"$dir/seed-surrogate"
  printf 'too large \xf4\x90\x80\x80' >"$dir/seed-above-10ffff"
  printf 'cut off \xe4\xb8' >"$dir/seed-truncated"
  printf 'stray \x80 continuation' >"$dir/seed-stray"
}

seed_cli() {
  local dir=$out/corpus/fuzz_cli
  mkdir -p "$dir"
  argv_seed "$dir/seed-file" shakespeare.txt
  argv_seed "$dir/seed-model" shakespeare.txt --hidden 512 --layers 3 --seq-len 50 --batch 16
  argv_seed "$dir/seed-optim" --lr=2e-3 --optimizer sgd --clip 1 --dropout 0.5 --lr-decay 0.9 \
    --lr-decay-every 50 --state-reset 0 -- -text.txt
  argv_seed "$dir/seed-stop" t.txt --steps 1000 --epochs 3 --minutes 2.5 --seed 7 --threads 1
  argv_seed "$dir/seed-report" t.txt --eval-every 10 --sample-every 0 --sample-length 100 \
    --print-every 5 --quiet --lowercase --val-frac 0.05
  argv_seed "$dir/seed-paths" t.txt --checkpoint run/a.ckpt --resume=--old.ckpt --log l.csv
  argv_seed "$dir/seed-help" --help
}

seed_checkpoint() {
  local dir=$out/corpus/fuzz_checkpoint
  mkdir -p "$dir"
  build make_seeds
  "$out/make_seeds" "$out/seeds-work" "$dir" >"$out/logs/make_seeds.log" 2>&1 ||
    die "make_seeds failed (log: $out/logs/make_seeds.log)"
}

export UBSAN_OPTIONS="print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# Where fuzz_checkpoint saves the checkpoints it parsed, to read them back: in memory when
# /dev/shm is there, because saving ends with an fsync, which on a disk takes milliseconds.
if [[ -d /dev/shm && -w /dev/shm ]]; then
  export CHARNN_FUZZ_TMPDIR=/dev/shm
else
  export CHARNN_FUZZ_TMPDIR=$out/tmp
fi

failed=()
for t in "${targets[@]}"; do
  build "$t" -fsanitize=fuzzer
  case $t in
    fuzz_utf8) seed_utf8 ;;
    fuzz_cli) seed_cli ;;
    fuzz_checkpoint) seed_checkpoint ;;
  esac
  extra=()
  [[ $t == fuzz_cli ]] && extra+=(-dict=tests/fuzz/cli.dict)
  log=$out/logs/$t.log
  # First the inputs that once crashed this target (tests/fuzz/regressions/TARGET-*), each run
  # once: libFuzzer runs the files it is given and stops.
  regressions=(tests/fuzz/regressions/"$t"-*)
  if [[ -e ${regressions[0]} ]]; then
    if ! "$out/$t" -rss_limit_mb=2048 -malloc_limit_mb=2048 "${regressions[@]}" \
      >"$out/logs/$t-regressions.log" 2>&1; then
      grep -E 'check failed|ERROR: |SUMMARY: |^ *#[0-9]+ ' "$out/logs/$t-regressions.log" |
        head -n 40 >&2 || true
      echo "$t: a regression input fails again (log: $out/logs/$t-regressions.log)"
      failed+=("$t")
      continue
    fi
    echo "$t: ${#regressions[@]} regression inputs pass"
  fi
  echo "running $t for $seconds s (log: $log)"
  # One process, so one core: without -jobs, libFuzzer fuzzes in this process only.
  status=0
  "$out/$t" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 \
    -malloc_limit_mb=2048 -timeout=30 -artifact_prefix="$out/artifacts/$t-" "${extra[@]}" \
    "$out/corpus/$t" >"$log" 2>&1 || status=$?

  # libFuzzer's own figures: "Done N runs in S second(s)", the last status line's cov/ft.
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
  cov=$( (grep -o 'cov: [0-9]*' "$log" || true) | tail -n 1 | cut -d' ' -f2)
  ft=$( (grep -o 'ft: [0-9]*' "$log" || true) | tail -n 1 | cut -d' ' -f2)
  files=$(find "$out/corpus/$t" -type f | wc -l)
  artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
  if [[ $status == 0 && -z $artifact ]]; then
    echo "$t: ${runs:-?} runs in ${secs:-?} s, no crash (cov ${cov:-?}, ft ${ft:-?}," \
      "corpus $files files)"
  else
    # The sanitizer's or the check's report, and the stack, as the log has them.
    grep -E 'check failed|ERROR: |SUMMARY: |^ *#[0-9]+ ' "$log" | head -n 40 >&2 || true
    echo "$t: FAILED (exit status $status) after ${runs:-?} runs; input: ${artifact:-none}" \
      "(log: $log)"
    failed+=("$t")
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "run.sh: failed: ${failed[*]}" >&2
  exit 1
fi
