// ./bench: how fast training runs on this machine, and why (benchmark/bench.h).
#include "benchmark/bench.h"
#include "util/program.h"

int main(int argc, char** argv) {
  charnn::BenchSettings settings;
  charnn::ArgParser flags = charnn::bench_flags(settings);
  return charnn::run_program(flags, argc, argv, [&] { return charnn::bench_program(settings); });
}
