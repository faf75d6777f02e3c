// ./sample CHECKPOINT: generates text with a trained RNN or LSTM. See docs/sampling.md.
#pragma once

#include <string>

#include "util/cli.h"

namespace charnn {

struct SampleSettings {
  std::string checkpoint, prime;
  int length = 1000;
  double temperature = 0.8;
  int top_k = 0;
  int seed = 1;
};

// ./sample's flags, writing into `settings`.
ArgParser sample_flags(SampleSettings& settings);

// Streams the generated text to standard output; returns the exit status (0). Errors throw.
int sample_program(const SampleSettings& settings);

}  // namespace charnn
