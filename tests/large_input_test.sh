#!/usr/bin/env bash
# A 200 MB text trains and evaluates in bounded memory. The text is Tiny Shakespeare repeated
# (a generated text when that is not here), about 200 million characters. A small RNN trains on
# it for 20 steps (loading and splitting the whole text) and ./evaluate then reads all of it.
# Each program's peak memory (the largest resident set, from GNU time) must stay below
#   the file's size + 4 bytes per character + 150 MB
# (the bytes, one int per character, and the model, the buffers and the program): no copy of
# the text as code points, no second copy of the ids, no per-character allocation.
#
#   bash tests/large_input_test.sh [BIN]     BIN: where the programs are (default: the root)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(cd "${1:-.}" && pwd)
[ -x /usr/bin/time ] || { echo "large_input_test: needs GNU time (apt-get install time)" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
if [ -s shakespeare.txt ]; then
  for _ in $(seq 1 180); do cat shakespeare.txt; done > "$dir/big.txt"
else
  awk 'BEGIN { srand(1); while (n < 200000000) { s = sprintf("the %d cats sat on %d mats\n", rand() * 1000, n); printf "%s", s; n += length(s) } }' > "$dir/big.txt"
fi
bytes=$(stat -c %s "$dir/big.txt")
chars=$(wc -m < "$dir/big.txt")
limit_kb=$(( (bytes + 4 * chars) / 1024 + 150 * 1024 ))

measure() {  # measure NAME COMMAND...: runs it, prints its peak memory and time, checks the bound
  local name=$1
  shift
  /usr/bin/time -f "%M %e" -o "$dir/time" "$@" > "$dir/out" 2> "$dir/err" || {
    echo "large_input_test: $name failed: $(cat "$dir/err")" >&2
    exit 1
  }
  read -r peak_kb seconds < "$dir/time"
  echo "large_input_test: $name: peak $((peak_kb / 1024)) MB in ${seconds} s" \
    "(bound $((limit_kb / 1024)) MB)"
  if [ "$peak_kb" -gt "$limit_kb" ]; then
    echo "large_input_test: $name used $((peak_kb / 1024)) MB, more than $((limit_kb / 1024)) MB" >&2
    exit 1
  fi
}

echo "large_input_test: $bytes bytes, $chars characters"
measure "./train_rnn (load, split, 20 steps, validation, save)" \
  "$bin/train_rnn" "$dir/big.txt" --hidden 8 --layers 1 --steps 20 --eval-every 20 \
  --val-frac 0.0001 --minutes 0 --quiet --checkpoint "$dir/m.ckpt"
grep -q '^done (reached --steps): 20 steps' "$dir/out"
measure "./evaluate (every character)" "$bin/evaluate" "$dir/m.ckpt" "$dir/big.txt"
# Windows of 101 characters overlapping by one: (chars - 1) / 100 of them, 100 predictions each.
grep -q "over $(printf "%'d" $(( (chars - 1) / 100 * 100 ))) predictions" "$dir/out" ||
  grep -q " windows of 101 characters, each from a zero state)" "$dir/out"
cat "$dir/out"
