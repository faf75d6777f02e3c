// ./inspect CHECKPOINT FILE: a self-contained HTML page of what the model's cells and gates do
// on its validation text (samples/inspect.h, docs/inside.md).
#include "samples/inspect.h"
#include "util/program.h"

int main(int argc, char** argv) {
  charnn::InspectSettings settings;
  charnn::ArgParser flags = charnn::inspect_flags(settings);
  return charnn::run_program(flags, argc, argv, [&] { return charnn::inspect_program(settings); });
}
