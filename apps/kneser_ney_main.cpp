// ./kneser_ney FILE: the Kneser-Ney character n-gram baseline, fitted and scored on a text
// (samples/kneser_ney_program.h).
#include "samples/kneser_ney_program.h"
#include "util/program.h"

int main(int argc, char** argv) {
  charnn::KneserNeySettings settings;
  charnn::ArgParser flags = charnn::kneser_ney_flags(settings);
  return charnn::run_program(flags, argc, argv,
                             [&] { return charnn::kneser_ney_program(settings, flags); });
}
