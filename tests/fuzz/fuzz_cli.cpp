// Fuzz target for the command-line parser, charnn::ArgParser (util/cli.cpp), with the real flag
// set of ./train_rnn and ./train_lstm (charnn::add_train_flags, train/settings.h).
//
// The input is split on zero bytes into at most 64 arguments. parse() must return or throw
// charnn::UsageError; anything else escapes and crashes the fuzzer. When it accepts:
//   - every number lies in the range add_train_flags declares (the table below repeats them),
//     the optimizer is one of the four choices, and FILE was given;
//   - a setting that differs from its default was named on the command line (given());
//   - nothing was printed;
//   - the settings written back as a canonical command line (--name=VALUE for every flag, the
//     doubles with 17 significant digits, FILE after "--") parse again, to the same settings
//     bit for bit.
// With --help, parse() returns false after printing a usage that starts with the synopsis.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_check.h"
#include "train/trainer.h"
#include "util/cli.h"

namespace {

constexpr std::size_t kMaxArgs = 64;
const char* const kProgram = "train_lstm";

// The fields of TrainSettings that hold numbers, with the ranges of add_train_flags.
struct IntField {
  const char* flag;
  int charnn::TrainSettings::*field;
  long min, max;
};
struct DoubleField {
  const char* flag;
  double charnn::TrainSettings::*field;
  double min, max;
};
using S = charnn::TrainSettings;
const IntField kInts[] = {
    {"hidden", &S::hidden, 1, 8192},
    {"layers", &S::layers, 1, 16},
    {"seq-len", &S::seq_len, 1, 100000},
    {"batch", &S::batch, 1, 100000},
    {"steps", &S::steps, 0, 2000000000},
    {"epochs", &S::epochs, 0, 1000000},
    {"lr-decay-every", &S::lr_decay_every, 0, 2000000000},
    {"seed", &S::seed, 0, 2147483647},
    {"threads", &S::threads, 1, 256},
    {"eval-every", &S::eval_every, 1, 2000000000},
    {"sample-every", &S::sample_every, 0, 2000000000},
    {"sample-length", &S::sample_length, 1, 1000000},
    {"print-every", &S::print_every, 1, 2000000000},
};
const DoubleField kDoubles[] = {
    {"minutes", &S::minutes, 0, 1e6},   {"lr", &S::lr, 1e-12, 1e3},
    {"clip", &S::clip, 0, 1e12},        {"dropout", &S::dropout, 0, 0.9},
    {"state-reset", &S::reset, 0, 1},   {"lr-decay", &S::lr_decay, 1e-6, 1},
    {"val-frac", &S::val_frac, 0, 0.9},
};
struct StringField {
  const char* flag;
  std::string charnn::TrainSettings::*field;
};
const StringField kStrings[] = {{"optimizer", &S::optimizer},
                                {"checkpoint", &S::checkpoint},
                                {"resume", &S::resume},
                                {"log", &S::log}};
struct BoolField {
  const char* flag;
  bool charnn::TrainSettings::*field;
};
const BoolField kBools[] = {{"lowercase", &S::lowercase}, {"quiet", &S::quiet}};

// FILE cannot contain a zero byte, so this marks "never set".
const std::string kNoFile(1, '\0');

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// Parses `args` (without the program name) with `parser`, which writes into the settings it
// was made for; returns parse()'s result. UsageError passes through.
bool parse(const std::vector<std::string>& args, std::ostringstream& out,
           charnn::ArgParser& parser) {
  std::vector<const char*> argv = {kProgram};
  for (const std::string& a : args)
    argv.push_back(a.c_str());
  argv.push_back(nullptr);
  return parser.parse(static_cast<int>(argv.size() - 1), argv.data(), out);
}

charnn::ArgParser make_parser(charnn::TrainSettings& s) {
  charnn::ArgParser a(kProgram, "FILE [options]", "Trains a model (fuzz target).");
  charnn::add_train_flags(a, s, "lstm");
  return a;
}

// The settings as a command line that names every flag.
std::vector<std::string> canonical(const charnn::TrainSettings& s) {
  std::vector<std::string> args;
  for (const IntField& f : kInts)
    args.push_back(std::string("--") + f.flag + "=" + std::to_string(s.*f.field));
  for (const DoubleField& f : kDoubles) {
    char text[64];
    std::snprintf(text, sizeof text, "%.17g", s.*f.field);
    args.push_back(std::string("--") + f.flag + "=" + text);
  }
  for (const StringField& f : kStrings)
    args.push_back(std::string("--") + f.flag + "=" + s.*f.field);
  for (const BoolField& f : kBools)
    if (s.*f.field) args.push_back(std::string("--") + f.flag);
  args.push_back("--");
  args.push_back(s.file);
  return args;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> args;
  if (size > 0) {
    const char* p = reinterpret_cast<const char*>(data);
    const char* end = p + size;
    while (args.size() < kMaxArgs) {
      const char* zero = static_cast<const char*>(std::memchr(p, '\0', end - p));
      args.emplace_back(p, zero ? zero : end);
      if (!zero) break;
      p = zero + 1;
    }
  }

  const charnn::TrainSettings defaults;
  charnn::TrainSettings s;
  s.file = kNoFile;
  charnn::ArgParser parser = make_parser(s);
  std::ostringstream out;
  bool go_on;
  try {
    go_on = parse(args, out, parser);
  } catch (const charnn::UsageError& e) {
    FUZZ_CHECK(std::strlen(e.what()) > 0);
    return 0;
  }
  if (!go_on) {  // --help
    FUZZ_CHECK(out.str().compare(0, 33, "usage: train_lstm FILE [options]\n") == 0);
    return 0;
  }
  FUZZ_CHECK(out.str().empty());

  FUZZ_CHECK(s.file != kNoFile);
  for (const IntField& f : kInts) {
    FUZZ_CHECK(s.*f.field >= f.min && s.*f.field <= f.max);
    if (s.*f.field != defaults.*f.field) FUZZ_CHECK(parser.given(f.flag));
  }
  for (const DoubleField& f : kDoubles) {
    FUZZ_CHECK(s.*f.field >= f.min && s.*f.field <= f.max);
    if (!same_bits(s.*f.field, defaults.*f.field)) FUZZ_CHECK(parser.given(f.flag));
  }
  FUZZ_CHECK(s.optimizer == "adam" || s.optimizer == "adagrad" || s.optimizer == "sgd" ||
             s.optimizer == "rmsprop");
  for (const StringField& f : kStrings)
    if (s.*f.field != defaults.*f.field) FUZZ_CHECK(parser.given(f.flag));
  for (const BoolField& f : kBools)
    if (s.*f.field) FUZZ_CHECK(parser.given(f.flag));

  // The canonical command line gives back the same settings.
  charnn::TrainSettings again;
  charnn::ArgParser parser2 = make_parser(again);
  std::ostringstream out2;
  bool go_on2 = false;
  try {
    go_on2 = parse(canonical(s), out2, parser2);
  } catch (const charnn::UsageError& e) {
    std::fprintf(stderr, "canonical command line refused: %s\n", e.what());
    FUZZ_CHECK(false);
  }
  FUZZ_CHECK(go_on2 && out2.str().empty());
  FUZZ_CHECK(again.file == s.file);
  for (const IntField& f : kInts)
    FUZZ_CHECK(again.*f.field == s.*f.field);
  for (const DoubleField& f : kDoubles)
    FUZZ_CHECK(same_bits(again.*f.field, s.*f.field));
  for (const StringField& f : kStrings)
    FUZZ_CHECK(again.*f.field == s.*f.field);
  for (const BoolField& f : kBools)
    FUZZ_CHECK(again.*f.field == s.*f.field);
  return 0;
}
