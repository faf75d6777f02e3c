// How much memory a training run needs, and whether the machine has it: checked before the
// buffers are allocated, because on Linux an oversized allocation often "succeeds" and the
// process is killed later, with its work lost (docs/robustness.md).
#pragma once

#include <string>

namespace charnn {

// The memory the system says a new program could use without swapping (MemAvailable in
// /proc/meminfo, in bytes), or 0 where that is unknown (other systems): callers then skip their
// check rather than guess.
double available_memory_bytes();

// Bytes a model of `gates` gate blocks per layer (1 for the vanilla RNN, 4 for the LSTM), V
// characters, L layers of H units needs to train on chunks of B x T characters: the parameters
// six times (weights, gradients, two optimizer buffers, packed copies) and, for each of the
// T x max(B, kValidationBatch) characters of a training or validation chunk, what the layers cache
// ((3 gates + 2) H values per layer: 14H for the LSTM, 5H for the RNN) and the output layer's
// V + 3H. The default ./train_lstm run on Tiny Shakespeare: 226 MB estimated, 268 MB peak
// resident set measured (which also holds the text, the program and its threads). With record
// resets (--reset-at) each layer also keeps the state each step reads: h (and for the LSTM c).
double training_memory_bytes(int gates, int V, int H, int L, int B, int T, bool resets = false);

// Throws UsageError "these settings need about X GB of memory and Y GB are available; use a
// smaller --hidden, --layers, --batch or --seq-len" when `bytes` exceed what is available.
void check_memory_fits(double bytes);

}  // namespace charnn
