// ./bench: how fast training runs on this machine, and why (apps/bench_main.cpp is its main).
//
// Three measurements, each printed as a table row and as one machine-readable line:
//
//   1. PEAK   the processor's fp32 multiply-add peak, from a small loop of independent fused
//             multiply-adds on every thread (what no real program exceeds).
//   2. TRAIN  for each model configuration: warm-up steps, then timed training steps on real
//             text, each step = the next batch (Batcher::chunk) and train_step (train/train_step.h):
//             forward, backward, clip and Adam update, the very calls ./train_lstm makes
//             (and the same definition as the PyTorch peer's). chars/s
//             is B*T over the median step time.
//   3. GEMM   the matrix products of one training step of that configuration, each at its
//             own shape and called the way training calls it, in GFLOP/s and as a fraction of
//             the peak.
//
// The FLOP counts are in docs/performance.md.
#pragma once

#include <string>

#include "util/cli.h"

namespace charnn {

struct BenchSettings {
  std::string config = "all";  // comma-separated configuration names, or "all"
  std::string file = "shakespeare.txt";
  std::string part = "all";  // "all", "peak", "train" or "gemm"
  int threads = 2, warmup = 3;
  double seconds = 3, min_peak_fraction = 0;
};

// ./bench's flags, writing into `settings`.
ArgParser bench_flags(BenchSettings& settings);

// Measures and prints; returns 1 when --min-peak-fraction is not reached, else 0.
int bench_program(const BenchSettings& settings);

}  // namespace charnn
