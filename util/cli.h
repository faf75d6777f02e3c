// Command-line parsing shared by every program.
//
// Each program declares its flags with a target variable, a help line and, for numbers, the
// range of sensible values. parse() fills the targets; any unknown flag, missing value,
// malformed number or value out of range throws UsageError with one line that names the flag
// and says what was expected. `--help` prints the usage and makes parse() return false.
#pragma once

#include <functional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace charnn {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The checks every flag's value gets, also for a value read from elsewhere (a checkpoint's
// stored settings): each returns the value or throws the UsageError the flag `--NAME` would,
// "--NAME: expected an integer, got 'X'", "--NAME: X is out of range (MIN to MAX)",
// "--NAME: expected a finite number, got 'X'", "--NAME: expected one of A|B, got 'X'" (an empty
// `choices` allows any text).
long parse_int_flag(const std::string& name, const std::string& text, long min, long max);
double parse_double_flag(const std::string& name, const std::string& text, double min, double max);
std::string parse_choice_flag(const std::string& name, const std::string& text,
                              const std::vector<std::string>& choices);

class ArgParser {
 public:
  // `usage` is the synopsis line after the program name, e.g. "[options] FILE".
  ArgParser(std::string program, std::string usage, std::string description);

  void add_int(const std::string& name, int* target, const std::string& help, long min, long max);
  void add_double(const std::string& name, double* target, const std::string& help, double min,
                  double max);
  void add_string(const std::string& name, std::string* target, const std::string& help,
                  std::vector<std::string> choices = {});
  void add_flag(const std::string& name, bool* target, const std::string& help);
  // A positional argument; required ones must come before optional ones.
  void add_positional(const std::string& name, std::string* target, const std::string& help,
                      bool required);

  // Returns false when --help was given (the usage has been printed to `out`).
  bool parse(int argc, const char* const* argv, std::ostream& out);

  void print_usage(std::ostream& out) const;

  // The program's name, as error lines start with it.
  const std::string& program() const { return program_; }

  // Whether the option was on the command line (as opposed to keeping its default).
  bool given(const std::string& name) const;

 private:
  struct Option {
    std::string name;  // without the leading "--"
    std::string metavar;
    std::string help;
    std::string default_text;
    std::string range_text;  // "1 to 8192" for numbers
    bool takes_value = true;
    std::function<void(const std::string&)> set;
  };
  struct Positional {
    std::string name, help;
    std::string* target;
    bool required;
  };
  const Option* find(const std::string& name) const;

  std::string program_, usage_, description_;
  std::vector<Option> options_;
  std::vector<Positional> positionals_;
  std::vector<std::string> given_;
};

}  // namespace charnn
