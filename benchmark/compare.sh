#!/bin/sh
# Runs ./bench and the PyTorch peer side by side on this machine, alternating between the two
# for every configuration and round, and prints chars/s of each and their ratio. Run by hand
# (it takes a few minutes), not by CI:
#
#   sh benchmark/compare.sh [--rounds N] [--threads N] [--seconds S] [--peer PATH]
#
# The peer is a PyTorch trainer (torch_charlm.py); it needs Debian's python3-torch and, for a
# fair comparison, OpenBLAS (libopenblas0-openmp): see ../shared/peers/README.md. Each figure is
# the median step time of one run (the median over rounds is printed); the ratio is ours over
# the peer's. docs/performance.md shows a run of it.
set -eu

rounds=2
threads=2
seconds=8
peer=../shared/peers/torch_charlm.py
data=shakespeare.txt
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --peer) peer=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
[ -x ./bench ] || { echo "compare.sh: ./bench is missing; run make first" >&2; exit 1; }
[ -f "$data" ] || { echo "compare.sh: $data is missing; run make first" >&2; exit 1; }
[ -f "$peer" ] || { echo "compare.sh: the peer $peer is missing (--peer PATH)" >&2; exit 1; }
/usr/bin/python3 -c 'import torch' 2>/dev/null || {
  echo "compare.sh: PyTorch is missing: apt-get install -y python3-torch libopenblas0-openmp" >&2
  exit 1
}

# OpenBLAS, with the kernels this processor can run (SkylakeX needs AVX-512).
openblas=/usr/lib/x86_64-linux-gnu/openblas-openmp
[ -d "$openblas" ] || { echo "compare.sh: OpenBLAS is missing: apt-get install -y libopenblas0-openmp" >&2; exit 1; }
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
  if grep -qw avx512f /proc/cpuinfo; then OPENBLAS_CORETYPE=SkylakeX
  elif grep -q AuthenticAMD /proc/cpuinfo; then OPENBLAS_CORETYPE=Zen
  else OPENBLAS_CORETYPE=Haswell
  fi
fi
export OPENBLAS_CORETYPE

results=$(mktemp)
trap 'rm -f "$results"' EXIT

# config name, model, hidden, layers, T (B is 32 throughout)
configs="lstm-128 lstm 128 1 64
lstm-256 lstm 256 1 100
lstm-512 lstm 512 1 100
lstm-256x2 lstm 256 2 100
rnn-256 rnn 256 1 100"

value() {  # value KEY LINE: the number after KEY= in a RESULT line
  echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

round=1
while [ "$round" -le "$rounds" ]; do
  echo "$configs" | while read -r name model hidden layers T; do
    line=$(env LD_LIBRARY_PATH="$openblas" /usr/bin/python3 -u "$peer" --data "$data" \
      --model "$model" --hidden "$hidden" --layers "$layers" --seq "$T" --batch 32 \
      --threads "$threads" --minutes "$(echo "$seconds" | awk '{print $1 / 60}')" \
      --final-eval none 2>&1 | grep '^RESULT' || true)
    [ -n "$line" ] || { echo "compare.sh: the peer failed on $name" >&2; exit 1; }
    echo "$name peer $(value chars_per_s "$line")" >> "$results"
    line=$(./bench --part train --config "$name" --threads "$threads" --seconds "$seconds" \
      --file "$data" | grep '^RESULT')
    echo "$name ours $(value chars_per_s "$line") $(value gflops "$line")" >> "$results"
    echo "round $round: $name done" >&2
  done
  round=$((round + 1))
done

peak=$(./bench --part peak --threads "$threads" | sed -n 's/^PEAK .* gflops=//p')
echo
echo "chars/s, median of $rounds alternating rounds, $threads threads, OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE; fp32 peak $peak GFLOP/s"
printf '%-12s %12s %12s %7s %9s %7s\n' config ours peer ratio GFLOP/s "% peak"
echo "$configs" | while read -r name model hidden layers T; do
  median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
  ours=$(awk -v n="$name" '$1 == n && $2 == "ours" {print $3}' "$results" | median)
  gflops=$(awk -v n="$name" '$1 == n && $2 == "ours" {print $4}' "$results" | median)
  theirs=$(awk -v n="$name" '$1 == n && $2 == "peer" {print $3}' "$results" | median)
  awk -v n="$name" -v a="$ours" -v b="$theirs" -v g="$gflops" -v p="$peak" 'BEGIN {
    printf "%-12s %12.0f %12.0f %6.2fx %9.1f %6.1f%%\n", n, a, b, a / b, g, 100 * g / p
    printf "COMPARE config=%s ours_chars_per_s=%.0f peer_chars_per_s=%.0f ratio=%.3f gflops=%.2f peak_fraction=%.3f\n", n, a, b, a / b, g, g / p
  }'
done
