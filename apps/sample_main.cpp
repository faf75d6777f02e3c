// ./sample CHECKPOINT: generates text with a trained RNN or LSTM (samples/sample_program.h).
#include "samples/sample_program.h"
#include "util/program.h"

int main(int argc, char** argv) {
  charnn::SampleSettings settings;
  charnn::ArgParser flags = charnn::sample_flags(settings);
  return charnn::run_program(flags, argc, argv,
                             [&] { return charnn::sample_program(settings, flags); });
}
