#!/usr/bin/env bash
# Kills a training run at random moments, 20 times by default, with SIGKILL: no handler runs, as
# when the kernel's out-of-memory killer strikes. The run writes a checkpoint at every step;
# every other kill is aimed at a moment when one is being written. After every kill:
#   - the checkpoint (and its .best copy) must be complete and readable: ./evaluate loads it;
#   - the next run resumes from it, at a step no earlier than the one before;
# and at the end a resumed run must finish normally. A kill that lands while a checkpoint is
# being written leaves NAME.ckpt.tmp behind; the script counts those (the old checkpoint must
# still be whole then) and they must not stop the next run.
#
#   bash tests/kill_test.sh [KILLS] [BIN]     BIN: where the programs are (default: the root)
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-20}
bin=$(cd "${2:-.}" && pwd)
for p in train_lstm evaluate; do
  [ -x "$bin/$p" ] || { echo "kill_test: $bin/$p is missing; run make first" >&2; exit 1; }
done

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# A text of 40,000 characters: Tiny Shakespeare's start when it is here, else a generated one;
# ./evaluate reads its first 2,000.
if [ -s shakespeare.txt ]; then
  head -c 40000 shakespeare.txt > "$dir/text.txt"
else
  awk 'BEGIN { srand(5); for (i = 0; i < 3000; i++) printf "line %d of %d words\n", rand() * 1000, i }' \
    | head -c 40000 > "$dir/text.txt"
fi
head -c 2000 "$dir/text.txt" > "$dir/eval.txt"
ck="$dir/run.ckpt"
# A 1x512 LSTM read one character per stream per step: its 14 MB checkpoint (weights and Adam's
# two buffers) takes far longer to write and flush to disk than a step takes to compute, so
# most kills land during a save.
flags=(--hidden 512 --layers 1 --batch 2 --seq-len 4 --val-frac 0.01 --minutes 0 --eval-every 1
       --print-every 1 --sample-every 0 --checkpoint "$ck")

last_step=0 mid_write=0 resumed=0
for i in $(seq 1 "$kills"); do
  if [ -f "$ck" ]; then
    "$bin/train_lstm" "$dir/text.txt" --resume "$ck" "${flags[@]}" > "$dir/out" 2> "$dir/err" &
  else
    "$bin/train_lstm" "$dir/text.txt" "${flags[@]}" > "$dir/out" 2> "$dir/err" &
  fi
  pid=$!
  if [ $((i % 2)) = 1 ]; then
    # Odd kills: a random moment between 0.1 and 1.6 seconds after the start (startup and the
    # first steps included, so some land before the first save).
    sleep "$(awk -v seed="$RANDOM$i" 'BEGIN { srand(seed); printf "%.3f", 0.1 + 1.5 * rand() }')"
  else
    # Even kills: during a save. Writing and flushing take a small part of the run, so a
    # random moment rarely hits one. Each step prints its progress line, then validates and
    # saves, then prints "saved": wait until a progress line is the last line (or 5 s pass),
    # then kill within the next 0 to 0.4 s, the time a save of this model takes here. This
    # watches the output, not the files, so it would also catch a writer that wrote in place.
    deadline=$((SECONDS + 5))
    until tail -n 1 "$dir/out" 2>/dev/null | grep -q '^step [0-9]* |' || [ $SECONDS -ge $deadline ]; do
      sleep 0.005
    done
    sleep "0.$(printf '%03d' $((RANDOM % 400)))"
  fi
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ -s "$dir/err" ]; then
    echo "kill_test: run $i printed an error before it was killed:" >&2
    cat "$dir/err" >&2
    exit 1
  fi
  start=$(sed -n 's/^resuming .* at step \([0-9]*\): .*/\1/p' "$dir/out")
  if [ -n "$start" ]; then
    resumed=$((resumed + 1))
    if [ "$start" -lt "$last_step" ]; then
      echo "kill_test: run $i resumed at step $start, before step $last_step" >&2
      exit 1
    fi
    last_step=$start
  fi
  if [ -e "$ck.tmp" ] || [ -e "$dir/run.best.ckpt.tmp" ]; then mid_write=$((mid_write + 1)); fi
  for f in "$ck" "$dir/run.best.ckpt"; do
    [ -e "$f" ] || continue
    if ! "$bin/evaluate" "$f" "$dir/eval.txt" --seq-len 500 > /dev/null 2> "$dir/eval.err"; then
      echo "kill_test: after kill $i, $f is unreadable: $(cat "$dir/eval.err")" >&2
      exit 1
    fi
  done
done

# The last checkpoint resumes and the run ends normally.
[ -f "$ck" ] || { echo "kill_test: no checkpoint after $kills runs" >&2; exit 1; }
"$bin/train_lstm" "$dir/text.txt" --resume "$ck" "${flags[@]}" --steps $((last_step + 1000000)) \
  --minutes 0.02 > "$dir/out" 2> "$dir/err"
start=$(sed -n 's/^resuming .* at step \([0-9]*\): .*/\1/p' "$dir/out")
grep -q '^done (reached --minutes)' "$dir/out"
echo "kill_test: $kills kills (SIGKILL), $mid_write of them during a checkpoint write;" \
  "$resumed resumed runs, the last from step $start; every checkpoint readable, resume worked"
