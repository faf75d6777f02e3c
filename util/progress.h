// Progress display: a single updating line on a terminal, plain lines otherwise.
#pragma once

#include <cstdio>
#include <string>

namespace charnn {

// Whether standard output is a terminal. Standard C++ cannot ask; POSIX and Windows can, and
// anywhere else the answer is "no", which only means plain lines instead of an updating one.
bool stdout_is_terminal();

// "42s", "3m05s", "1h02m".
std::string format_duration(double seconds);

// 1234567 -> "1,234,567".
std::string format_count(double value);

// (1.23456, 2) -> "1.23": fixed-point with `digits` decimals.
std::string format_fixed(double value, int digits);

// Writes `line` over the current terminal line (carriage return, text, padding that erases
// what a longer previous line left).
class StatusLine {
 public:
  explicit StatusLine(bool terminal) : terminal_(terminal) {}
  bool terminal() const { return terminal_; }
  // On a terminal: replaces the status line. Otherwise: prints it as a line of its own.
  void update(const std::string& line);
  // Prints a normal line of text; on a terminal, first ends the status line.
  void print(const std::string& line);
  // Ends the status line, if one is showing, so that what follows starts on a new line.
  void finish();

 private:
  bool terminal_;
  std::size_t last_length_ = 0;
  bool open_ = false;
};

// The exit status a program ends with: `status`, unless what it wrote to standard output did
// not all arrive (e.g. "./sample m.ckpt > /dev/full": a full disk, a closed pipe), in which case
// one line on stderr says so and the status is 1. Lost output must not look like success.
int finish_stdout(const std::string& program, int status);

}  // namespace charnn
