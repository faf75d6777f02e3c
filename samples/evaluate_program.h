// ./evaluate CHECKPOINT FILE: the model's loss on a whole text, in nats and bits per character.
#pragma once

#include <string>

#include "util/cli.h"

namespace charnn {

struct EvaluateSettings {
  std::string checkpoint, file;
  int seq_len = 0;  // 0: the checkpoint's
  bool strict = false;
  std::string reset_at;         // --reset-at: the record separator to score with ...
  bool reset_at_given = false;  // ... when given; else the checkpoint's
};

// ./evaluate's flags, writing into `settings`.
ArgParser evaluate_flags(EvaluateSettings& settings);

// Prints the loss on the text; returns the exit status (0). Errors throw.
int evaluate_program(const EvaluateSettings& settings);

}  // namespace charnn
