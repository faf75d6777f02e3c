#!/bin/sh
# Reproduces the ablation study of docs/ablations.md: the standard LSTM, five variants of it
# (lstm/lstm_variants.h), the GRU and the vanilla RNN at an equal step budget, on Tiny
# Shakespeare and on the memory task, for each seed; then the summary tables in
# samples/ablations/README.md. Run from the repository root after `make`:
#
#   sh samples/ablations.sh             seeds 1 2 3 (about 40 minutes on 2 cores)
#   SEEDS="1" sh samples/ablations.sh   one seed
#   TEXT_FLAGS, MEMORY_FLAGS, OUT         other ./compare flags or folder (a quick trial run)
set -eu
seeds=${SEEDS:-"1 2 3"}
out=${OUT:-samples/ablations}
models=lstm,lstm-fb0,lstm-nfg,lstm-nog,lstm-cifg,lstm-noaf,gru,rnn
text_flags=${TEXT_FLAGS:-"--hidden 128 --layers 1 --steps 1500 --eval-every 250 \
--val-chars 200000 --sample-length 200 --max-lag 50 --ngram-order 0"}
memory_flags=${MEMORY_FLAGS:-"--gaps 10,20,50 --steps 3000"}

[ -x ./compare ] || { echo "ablations.sh: run make first (./compare is missing)" >&2; exit 1; }
[ -f shakespeare.txt ] || { echo "ablations.sh: shakespeare.txt is missing (make fetches it)" >&2; exit 1; }
for s in $seeds; do
  # shellcheck disable=SC2086
  ./compare shakespeare.txt --models "$models" $text_flags --seed "$s" --out "$out/text-seed$s"
  # shellcheck disable=SC2086
  ./compare --task memory --models "$models" $memory_flags --seed "$s" --out "$out/memory-seed$s"
done

# The summary: the last validation loss of each model (text), the test accuracy of each model at
# each gap (memory), as the mean over the seeds and the range from the lowest to the highest.
{
  echo "# The ablation study: which parts of the LSTM matter"
  echo
  echo "Written by \`sh samples/ablations.sh\` (seeds: $seeds). docs/ablations.md discusses it."
  echo
  echo "Text: \`./compare shakespeare.txt --models $models $text_flags --seed S\`."
  echo "Memory task: \`./compare --task memory --models $models $memory_flags --seed S\`."
  echo
  echo "## Validation loss on Tiny Shakespeare after the last step (nats per character)"
  echo
  echo "| model | mean | lowest | highest | seeds |"
  echo "|---|---|---|---|---|"
  for s in $seeds; do cat "$out/text-seed$s/metrics.csv"; done | awk -F, -v order="$models" '
    $1 == "val_loss" && $3 + 0 > step[$2] + 0 { step[$2] = $3 }
    { rows[NR] = $0 }
    END {
      for (r = 1; r <= NR; ++r) {
        split(rows[r], f, ",")
        if (f[1] == "val_loss" && f[3] == step[f[2]]) {
          m = f[2]; v = f[6] + 0
          sum[m] += v; cnt[m]++
          if (!(m in lo) || v < lo[m]) lo[m] = v
          if (!(m in hi) || v > hi[m]) hi[m] = v
        }
      }
      k = split(order, names, ",")
      for (i = 1; i <= k; ++i) {
        m = names[i]
        if (cnt[m]) printf "| %s | %.4f | %.4f | %.4f | %d |\n", m, sum[m] / cnt[m], lo[m], hi[m], cnt[m]
      }
    }'
  echo
  echo "## Memory task: test accuracy (chance 0.125)"
  echo
  echo "| model | gap | mean | lowest | highest | seeds |"
  echo "|---|---|---|---|---|---|"
  for s in $seeds; do cat "$out/memory-seed$s/metrics.csv"; done | awk -F, -v order="$models" '
    $1 == "test_accuracy" {
      key = $2 "," $5; v = $6 + 0
      sum[key] += v; cnt[key]++
      if (!(key in lo) || v < lo[key]) lo[key] = v
      if (!(key in hi) || v > hi[key]) hi[key] = v
      if (!($5 in seen)) { seen[$5] = 1; gaps[++g] = $5 }
    }
    END {
      k = split(order, names, ",")
      for (i = 1; i <= k; ++i)
        for (j = 1; j <= g; ++j) {
          key = names[i] "," gaps[j]
          if (cnt[key]) printf "| %s | %s | %.3f | %.3f | %.3f | %d |\n", names[i], gaps[j], sum[key] / cnt[key], lo[key], hi[key], cnt[key]
        }
    }'
} >"$out/README.md"
echo "wrote $out/README.md"
