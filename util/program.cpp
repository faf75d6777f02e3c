#include "util/program.h"

#include <cstdio>
#include <exception>
#include <iostream>

#include "util/progress.h"

namespace charnn {

namespace {

// One error line on stderr, after whatever the program wrote to standard output.
void report(const std::string& program, const char* what) {
  std::cout.flush();
  std::fflush(stdout);
  std::cerr << program << ": " << what << "\n";
}

int run_caught(const std::string& program, const std::function<int()>& body) {
  try {
    return body();
  } catch (const UsageError& e) {
    report(program, e.what());
    return 2;
  } catch (const std::exception& e) {
    report(program, e.what());
    return 1;
  }
}

}  // namespace

int run_program(const std::string& program, const std::function<int()>& body) {
  return finish_stdout(program, run_caught(program, body));
}

int run_program(ArgParser& flags, int argc, const char* const* argv,
                const std::function<int()>& body) {
  return run_program(flags.program(), [&] {
    if (!flags.parse(argc, argv, std::cout)) return 0;  // --help
    return body();
  });
}

}  // namespace charnn
