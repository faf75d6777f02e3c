#include "util/cli.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <sstream>
#include <utility>

namespace charnn {

namespace {

std::string format_double(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

long parse_long(const std::string& flag, const std::string& text) {
  errno = 0;
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || std::isspace(static_cast<unsigned char>(text[0])))
    throw UsageError("--" + flag + ": expected an integer, got '" + text + "'");
  if (errno == ERANGE) throw UsageError("--" + flag + ": " + text + " is too large");
  return v;
}

double parse_double(const std::string& flag, const std::string& text) {
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || std::isspace(static_cast<unsigned char>(text[0])))
    throw UsageError("--" + flag + ": expected a number, got '" + text + "'");
  if (!std::isfinite(v) || errno == ERANGE)
    throw UsageError("--" + flag + ": expected a finite number, got '" + text + "'");
  return v;
}

}  // namespace

long parse_int_flag(const std::string& name, const std::string& text, long min, long max) {
  const long v = parse_long(name, text);
  if (v < min || v > max)
    throw UsageError("--" + name + ": " + text + " is out of range (" + std::to_string(min) +
                     " to " + std::to_string(max) + ")");
  return v;
}

double parse_double_flag(const std::string& name, const std::string& text, double min, double max) {
  const double v = parse_double(name, text);
  if (v < min || v > max)
    throw UsageError("--" + name + ": " + text + " is out of range (" + format_double(min) +
                     " to " + format_double(max) + ")");
  return v;
}

std::string parse_choice_flag(const std::string& name, const std::string& text,
                              const std::vector<std::string>& choices) {
  if (choices.empty()) return text;
  std::string metavar;
  for (std::size_t k = 0; k < choices.size(); ++k) {
    if (choices[k] == text) return text;
    metavar += (k ? "|" : "") + choices[k];
  }
  throw UsageError("--" + name + ": expected one of " + metavar + ", got '" + text + "'");
}

ArgParser::ArgParser(std::string program, std::string usage, std::string description)
    : program_(std::move(program)), usage_(std::move(usage)), description_(std::move(description)) {
  Option help;
  help.name = "help";
  help.help = "print this help and exit";
  help.takes_value = false;
  options_.push_back(help);
}

void ArgParser::add_int(const std::string& name, int* target, const std::string& help, long min,
                        long max) {
  Option o;
  o.name = name;
  o.metavar = "N";
  o.help = help;
  o.default_text = std::to_string(*target);
  o.range_text = std::to_string(min) + " to " + std::to_string(max);
  o.set = [name, target, min, max](const std::string& text) {
    *target = static_cast<int>(parse_int_flag(name, text, min, max));
  };
  options_.push_back(o);
}

void ArgParser::add_double(const std::string& name, double* target, const std::string& help,
                           double min, double max) {
  Option o;
  o.name = name;
  o.metavar = "X";
  o.help = help;
  o.default_text = format_double(*target);
  o.range_text = format_double(min) + " to " + format_double(max);
  o.set = [name, target, min, max](const std::string& text) {
    *target = parse_double_flag(name, text, min, max);
  };
  options_.push_back(o);
}

void ArgParser::add_string(const std::string& name, std::string* target, const std::string& help,
                           std::vector<std::string> choices) {
  Option o;
  o.name = name;
  o.help = help;
  o.default_text = *target;
  if (choices.empty()) {
    o.metavar = "TEXT";
  } else {
    for (std::size_t k = 0; k < choices.size(); ++k)
      o.metavar += (k ? "|" : "") + choices[k];
  }
  o.set = [name, target, choices](const std::string& text) {
    *target = parse_choice_flag(name, text, choices);
  };
  options_.push_back(o);
}

void ArgParser::add_flag(const std::string& name, bool* target, const std::string& help) {
  Option o;
  o.name = name;
  o.help = help;
  o.takes_value = false;
  o.set = [target](const std::string&) { *target = true; };
  options_.push_back(o);
}

void ArgParser::add_positional(const std::string& name, std::string* target,
                               const std::string& help, bool required) {
  positionals_.push_back({name, help, target, required});
}

bool ArgParser::given(const std::string& name) const {
  for (const std::string& g : given_)
    if (g == name) return true;
  return false;
}

const ArgParser::Option* ArgParser::find(const std::string& name) const {
  for (const Option& o : options_)
    if (o.name == name) return &o;
  return nullptr;
}

bool ArgParser::parse(int argc, const char* const* argv, std::ostream& out) {
  std::size_t next_positional = 0;
  bool options_done = false;  // after "--" everything is positional
  for (int k = 1; k < argc; ++k) {
    const std::string arg = argv[k];
    if (!options_done && arg == "--") {
      options_done = true;
      continue;
    }
    if (!options_done && arg.size() > 1 && arg[0] == '-') {
      if (arg.size() < 3 || arg[1] != '-')
        throw UsageError("unknown option '" + arg + "' (options start with --; see --help)");
      std::string name = arg.substr(2), value;
      const std::size_t eq = name.find('=');
      const bool inline_value = eq != std::string::npos;
      if (inline_value) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      const Option* o = find(name);
      if (!o) throw UsageError("unknown option '--" + name + "' (see --help)");
      if (name == "help") {
        print_usage(out);
        return false;
      }
      given_.push_back(name);
      if (!o->takes_value) {
        if (inline_value) throw UsageError("--" + name + " takes no value");
        o->set("");
        continue;
      }
      if (!inline_value) {
        if (k + 1 >= argc) throw UsageError("--" + name + ": missing value (" + o->metavar + ")");
        // "--checkpoint --quiet" is a forgotten value, not a file named "--quiet". A value that
        // really starts with "--" can be given as --name=VALUE.
        const std::string next = argv[k + 1];
        if (next.size() > 2 && next.compare(0, 2, "--") == 0)
          throw UsageError("--" + name + ": missing value (" + o->metavar + ") before " + next);
        value = argv[++k];
      }
      o->set(value);
      continue;
    }
    if (next_positional >= positionals_.size())
      throw UsageError("unexpected argument '" + arg + "' (see --help)");
    *positionals_[next_positional++].target = arg;
  }
  for (std::size_t k = next_positional; k < positionals_.size(); ++k)
    if (positionals_[k].required)
      throw UsageError("missing " + positionals_[k].name + " (see --help)");
  return true;
}

namespace {

// Writes `text` wrapped at 79 columns, every line after the first indented by `indent`,
// assuming the cursor already stands at column `indent`.
void write_wrapped(std::ostream& out, const std::string& text, std::size_t indent) {
  const std::size_t width = 79 > indent + 20 ? 79 - indent : 20;
  std::istringstream words(text);
  std::string word;
  std::size_t column = 0;
  while (words >> word) {
    if (column > 0 && column + 1 + word.size() > width) {
      out << "\n" << std::string(indent, ' ');
      column = 0;
    } else if (column > 0) {
      out << ' ';
      ++column;
    }
    out << word;
    column += word.size();
  }
  out << "\n";
}

}  // namespace

void ArgParser::print_usage(std::ostream& out) const {
  out << "usage: " << program_ << " " << usage_ << "\n\n" << description_ << "\n";
  if (!positionals_.empty()) {
    out << "\narguments:\n";
    for (const Positional& p : positionals_) {
      out << "  " << std::left << std::setw(24) << p.name;
      write_wrapped(out, p.help, 26);
    }
  }
  out << "\noptions:\n";
  for (const Option& o : options_) {
    std::string left = "--" + o.name + (o.takes_value ? " " + o.metavar : "");
    out << "  " << std::left << std::setw(24) << left;
    if (left.size() >= 24) out << "\n  " << std::string(24, ' ');
    std::string help = o.help;
    if (o.takes_value && !o.range_text.empty())
      help += " (" + o.range_text + "; default: " + o.default_text + ")";
    else if (o.takes_value && !o.default_text.empty())
      help += " (default: " + o.default_text + ")";
    write_wrapped(out, help, 26);
  }
}

}  // namespace charnn
