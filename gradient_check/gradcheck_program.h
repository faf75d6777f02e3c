// ./gradcheck: checks the analytic gradients of the RNN, the LSTM and the GRU against central
// differences, tensor by tensor (gradient_check/gradcheck.h). See docs/gradcheck.md.
#pragma once

#include <string>

#include "util/cli.h"

namespace charnn {

struct GradcheckSettings {
  std::string model = "all";  // "rnn", "lstm", "gru" or "all"
  int vocab = 7, hidden = 5, layers = 2, batch = 3, seq_len = 6;
  int order = 4;
  double eps = 0;  // 0: the default for the precision
  double tolerance = 1e-6;
  double tiny = 1e-6;
  int entries = 0;
  int seed = 1;
  bool use_float = false;
  bool textbook = false;  // compare with the textbook twins instead (textbook_check.h)
};

// How far the fast models may sit from their textbook twins, relative, in double precision:
// the two sum in different orders, so they agree to rounding, far below this.
constexpr double kTextbookTolerance = 1e-12;

// ./gradcheck's flags, writing into `settings`.
ArgParser gradcheck_flags(GradcheckSettings& settings);

// Prints one row per tensor and a summary; returns 0 when every tensor passes, else 1.
int gradcheck_program(const GradcheckSettings& settings);

}  // namespace charnn
