// ./sample CHECKPOINT: generates text with a trained RNN or LSTM. See docs/sampling.md.
#pragma once

#include <cstdint>
#include <string>

#include "util/cli.h"

namespace charnn {

struct SampleSettings {
  std::string checkpoint, prime;
  std::string prime_from;  // a text file whose random window is the prime (--prime-from)
  int prime_length = 40;   // that window's length in characters
  int length = 1000;
  double temperature = 0.8;
  int top_k = 0;
  double top_p = 1.0;
  int beam = 0;  // K beams of a beam search instead of sampling; 0: sample
  int seed = 1;
};

// The most beams ./sample runs, and the most back-pointers (--length × --beam) it keeps: 4
// bytes each, so at most 128 MiB.
constexpr int kMaxBeams = 64;
constexpr std::int64_t kMaxBeamBackPointers = std::int64_t(1) << 25;

// ./sample's flags, writing into `settings`.
ArgParser sample_flags(SampleSettings& settings);

// Streams the generated text to standard output (with --beam, prints the best continuation once
// the search is done); returns the exit status (0). `parsed` tells which flags were given:
// flags that do not go together are a UsageError (--prime with --prime-from; --prime-length
// without --prime-from; --beam with --top-k, --top-p or a --temperature other than 0), as is
// --top-p 0. Errors throw.
int sample_program(const SampleSettings& settings, const ArgParser& parsed);

}  // namespace charnn
