// Running the real programs from a test: each call starts the built program (./train_lstm,
// ./sample, ...) in a shell, waits for it, and returns its exit status, stdout and stderr.
// The robustness tests (tests/test_robustness.cpp) use it to check what a user sees.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/rng.h"
#include "tests/catch.hpp"
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

// Sentences from a tiny grammar.
inline std::string corpus_text(std::size_t chars) {
  const char* words[] = {"the cat ", "a dog ", "sat on ", "ran to ", "the mat.\n", "a tree.\n"};
  Rng rng(7);
  std::string text;
  while (text.size() < chars)
    text += words[rng.below(6)];
  return text;
}

// A model small enough that a run takes milliseconds.
inline const std::vector<std::string> kTiny = {"--hidden",  "8", "--layers",  "1", "--batch", "2",
                                               "--seq-len", "8", "--minutes", "0", "--quiet"};

inline std::vector<std::string> with(std::vector<std::string> args,
                                     const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Trains a tiny model on a fresh text in `dir`; returns the checkpoint's path.
inline std::string trained_checkpoint(const TempDir& dir, const std::string& program = "train_rnn",
                                      const std::string& name = "m.ckpt") {
  const std::string text = dir.write("train.txt", corpus_text(4000));
  const RunResult r =
      run_program(dir.path.string(), program,
                  with({text, "--steps", "2", "--checkpoint", dir.file(name)}, kTiny));
  INFO(r.err);
  REQUIRE(r.status == 0);
  return dir.file(name);
}

}  // namespace charnn::testing
