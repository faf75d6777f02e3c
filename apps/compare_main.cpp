// ./compare FILE [options] and ./compare --task memory: a vanilla RNN and an LSTM side by side.
// The work is in samples/compare.cpp; docs/rnn-vs-lstm.md explains what comes out.
#include "samples/compare.h"
#include "util/program.h"

int main(int argc, char** argv) {
  charnn::CompareFlags settings;
  charnn::ArgParser flags = charnn::compare_flags(settings);
  return charnn::run_program(flags, argc, argv,
                             [&] { return charnn::compare_program(settings, flags, argc, argv); });
}
