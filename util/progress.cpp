#include "util/progress.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>

#if defined(_WIN32)
#include <io.h>
#elif defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

namespace charnn {

bool stdout_is_terminal() {
#if defined(_WIN32)
  return _isatty(_fileno(stdout)) != 0;
#elif defined(__unix__) || defined(__APPLE__)
  return isatty(fileno(stdout)) != 0;
#else
  return false;
#endif
}

std::string format_duration(double seconds) {
  if (!(seconds >= 0)) return "?";
  const long s = std::lround(seconds);
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%lds", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  }
  return buf;
}

std::string format_count(double value) {
  std::string digits = std::to_string(std::llround(value));
  std::string out;
  const std::size_t start = digits[0] == '-' ? 1 : 0;
  for (std::size_t k = 0; k < digits.size(); ++k) {
    if (k > start && (digits.size() - k) % 3 == 0) out += ',';
    out += digits[k];
  }
  return out;
}

void StatusLine::update(const std::string& line) {
  if (!terminal_) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    return;
  }
  std::string padded = line;
  if (padded.size() < last_length_) padded.append(last_length_ - padded.size(), ' ');
  std::printf("\r%s", padded.c_str());
  std::fflush(stdout);
  last_length_ = line.size();
  open_ = true;
}

void StatusLine::finish() {
  if (terminal_ && open_) {
    std::printf("\n");
    std::fflush(stdout);
    open_ = false;
    last_length_ = 0;
  }
}

void StatusLine::print(const std::string& line) {
  if (terminal_ && open_) {
    std::printf("\r%s\r", std::string(last_length_, ' ').c_str());
    open_ = false;
    last_length_ = 0;
  }
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

std::string format_fixed(double value, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, value);
  return buf;
}

int finish_stdout(const std::string& program, int status) {
  std::cout.flush();
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  const int err = errno;
  if (flushed && !std::ferror(stdout) && std::cout.good()) return status;
  std::fprintf(stderr, "%s: cannot write the output: %s\n", program.c_str(),
               err != 0 ? std::strerror(err) : "write error");
  return 1;
}

}  // namespace charnn
