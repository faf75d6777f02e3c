// Running the real programs from a test: each call starts the built program (./train_lstm,
// ./sample, ...) in a shell, waits for it, and returns its exit status, stdout and stderr.
// The robustness tests (tests/test_robustness.cpp) use it to check what a user sees.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/helpers.h"

// The folder that holds the built programs: the repository root for make, the build folder
// for CMake, build/sanitize for `make sanitize`.
#ifndef CHARNN_BIN_DIR
#define CHARNN_BIN_DIR CHARNN_SOURCE_DIR
#endif

namespace charnn::testing {

inline std::string program_path(const std::string& name) {
  return std::string(CHARNN_BIN_DIR) + "/" + name;
}

// `text` as one shell word: inside single quotes, where only the quote itself needs care.
inline std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'')
      quoted += "'\\''";
    else
      quoted += c;
  }
  return quoted + "'";
}

struct RunResult {
  int status = -1;  // the exit status; 128 + N when signal N ended it (as the shell reports)
  std::string out, err;

  // stderr is exactly one line (the clear error line every failure must print).
  bool one_error_line() const {
    return !err.empty() && err.back() == '\n' && err.find('\n') == err.size() - 1;
  }
};

// Runs `shell_prefix PROGRAM ARGS...` in `dir` and collects what it printed. `shell_prefix` is
// for shell wrappers such as "ulimit -f 8;" or a setpriv command; the arguments are quoted.
inline RunResult run_program(const std::string& dir, const std::string& program,
                             const std::vector<std::string>& args,
                             const std::string& shell_prefix = "") {
  const std::string out = dir + "/.stdout", err = dir + "/.stderr", status = dir + "/.status";
  std::string command =
      "cd " + shell_quote(dir) + " && { " + shell_prefix + " " + shell_quote(program_path(program));
  for (const std::string& a : args)
    command += " " + shell_quote(a);
  command += " > " + shell_quote(out) + " 2> " + shell_quote(err) + " < /dev/null; echo $? > " +
             shell_quote(status) + "; }";
  RunResult r;
  if (std::system(command.c_str()) == -1) return r;
  r.out = read_file(out);
  r.err = read_file(err);
  const std::string code = read_file(status);
  r.status = code.empty() ? -1 : std::atoi(code.c_str());
  std::error_code ec;
  for (const std::string& f : {out, err, status})
    std::filesystem::remove(f, ec);
  return r;
}

}  // namespace charnn::testing
