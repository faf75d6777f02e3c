// What every program's main does around its work, written once: parse the flags, run, turn an
// exception into one line on stderr and an exit status, and check that standard output arrived.
//
//   exit status 0   done (or --help printed)
//               1   an error: "PROGRAM: WHAT" (a missing file, a corrupt checkpoint, ...)
//               2   a usage error: "PROGRAM: WHAT" (a bad flag value, see --help)
// and 1 when the output itself could not be written (finish_stdout, util/progress.h).
#pragma once

#include <functional>
#include <string>

#include "util/cli.h"

namespace charnn {

// Runs `body` and returns the program's exit status: body's, 2 after UsageError, 1 after any
// other std::exception. Each error is one line "PROGRAM: WHAT" on stderr, written after
// standard output is flushed (so it follows what the program printed). Then finish_stdout.
int run_program(const std::string& program, const std::function<int()>& body);

// The same after parsing `flags` from the command line first: --help prints the usage and
// returns 0 without calling `body`.
int run_program(ArgParser& flags, int argc, const char* const* argv,
                const std::function<int()>& body);

}  // namespace charnn
