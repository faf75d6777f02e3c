// ./evaluate CHECKPOINT FILE: the model's loss on a whole text, in nats and bits per character
// (samples/evaluate_program.h).
#include "samples/evaluate_program.h"
#include "util/program.h"

int main(int argc, char** argv) {
  charnn::EvaluateSettings settings;
  charnn::ArgParser flags = charnn::evaluate_flags(settings);
  return charnn::run_program(flags, argc, argv, [&] {
    settings.reset_at_given = flags.given("reset-at");
    return charnn::evaluate_program(settings);
  });
}
