// ./gradcheck: checks the analytic gradients of the RNN and the LSTM against central
// differences, tensor by tensor (gradient_check/gradcheck_program.h). See docs/gradcheck.md.
#include "gradient_check/gradcheck_program.h"
#include "util/program.h"

int main(int argc, char** argv) {
  charnn::GradcheckSettings settings;
  charnn::ArgParser flags = charnn::gradcheck_flags(settings);
  return charnn::run_program(flags, argc, argv,
                             [&] { return charnn::gradcheck_program(settings); });
}
