// Bad input and faults, as a user meets them: each test runs the real programs on a broken
// file, flag or checkpoint (or interrupts them) and checks the exit status, the one line on
// stderr, and that no file was lost or corrupted. docs/robustness.md lists every case with the
// test that proves it; tests/test_docs.cpp checks that each named test exists.
#include <unistd.h>  // geteuid: the permission tests need a user that permissions apply to

#include <algorithm>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "core/rng.h"
#include "tests/catch.hpp"
#include "tests/helpers.h"
#include "tests/programs.h"
#include "train/checkpoint.h"

using namespace charnn;
using charnn::testing::contains;
using charnn::testing::corpus_text;
using charnn::testing::kTiny;
using charnn::testing::read_file;
using charnn::testing::run_program;
using charnn::testing::RunResult;
using charnn::testing::TempDir;
using charnn::testing::trained_checkpoint;
using charnn::testing::with;
namespace fs = std::filesystem;

namespace {

// Runs `program` (as a user that permissions apply to, when the tests run as root, which
// ignores them) and returns what it printed. Root: setpriv to the user "nobody"; the folder
// must then be open to everyone.
RunResult run_unprivileged(const TempDir& dir, const std::string& program,
                           const std::vector<std::string>& args) {
  std::string prefix;
  if (::geteuid() == 0) {
    fs::permissions(dir.path, fs::perms::all, fs::perm_options::add);
    prefix = "setpriv --reuid=65534 --regid=65534 --clear-groups";
  }
  return run_program(dir.path.string(), program, args, prefix);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The text a program reads

TEST_CASE("robustness: a missing, empty, directory or unreadable text file is one clear line",
          "[robustness]") {
  TempDir dir;
  const std::string d = dir.path.string();
  const std::string empty = dir.write("empty.txt", "");
  fs::create_directory(dir.file("folder"));
  const std::string ck = trained_checkpoint(dir);
  struct Case {
    std::string file, message;
  };
  const std::vector<Case> cases = {{dir.file("missing.txt"), ": no such file"},
                                   {empty, ": the file is empty"},
                                   {dir.file("folder"), ": is a directory, not a file"}};
  for (const Case& c : cases) {
    INFO(c.file);
    for (const std::string program : {"train_rnn", "train_lstm", "compare"}) {
      const RunResult r = run_program(d, program, {c.file, "--steps", "1"});
      INFO(program << ": " << r.err);
      CHECK(r.status == 1);
      CHECK(r.err == program + ": " + c.file + c.message + "\n");
    }
    const RunResult r = run_program(d, "evaluate", {ck, c.file});
    CHECK(r.status == 1);
    CHECK(r.err == "evaluate: " + c.file + c.message + "\n");
  }
  // Nothing was written: no checkpoint, no output folder.
  CHECK_FALSE(fs::exists(dir.file("rnn.ckpt")));
  CHECK_FALSE(fs::exists(dir.file("lstm.ckpt")));
  CHECK_FALSE(fs::exists(dir.file("samples")));

  // A read that fails after the file was opened: Linux's /proc/self/mem opens, then refuses to
  // read from address 0 (EIO).
  if (fs::exists("/proc/self/mem")) {
    const RunResult r = run_program(d, "train_lstm", {"/proc/self/mem"});
    CHECK(r.status == 1);
    CHECK(r.err == "train_lstm: /proc/self/mem: read failed (input/output error)\n");
  }

  // Unreadable: permission denied (checked as an ordinary user; root may read anything).
  const std::string secret = dir.write("secret.txt", corpus_text(4000));
  fs::permissions(secret, fs::perms::none);
  const RunResult r = run_unprivileged(dir, "train_lstm", with({secret, "--steps", "1"}, kTiny));
  fs::permissions(secret, fs::perms::owner_all);
  INFO(r.err);
  CHECK(r.status == 1);
  CHECK(r.err == "train_lstm: " + secret + ": cannot be read (permission denied)\n");
}

TEST_CASE("robustness: binary files, UTF-16 and invalid UTF-8 are refused with the byte offset",
          "[robustness]") {
  TempDir dir;
  const std::string d = dir.path.string();
  const std::string ck = trained_checkpoint(dir);
  std::string good = corpus_text(3000);

  std::string invalid = good;
  invalid[1234] = '\xff';
  std::string cut = good;
  cut[2000] = '\xc3';  // the lead byte of a 2-byte character followed by ASCII
  std::string nul = good;
  nul[77] = '\0';
  std::string utf16 = "\xff\xfe";
  for (char c : good.substr(0, 500))
    utf16 += std::string(1, c) + '\0';
  // The start of a program file: an ELF header has a zero byte within its first 8 bytes. (Made
  // here rather than read from a built program, which under emulation is a starter script.)
  std::string binary(
      "\x7f"
      "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0\x3e\0",
      20);
  for (int k = 0; k < 2000; ++k)
    binary += static_cast<char>((k * 37 + 11) % 256);
  const std::size_t first_zero = binary.find('\0');

  struct Case {
    std::string name, bytes, message;
  };
  const std::vector<Case> cases = {
      {"invalid.txt", invalid, ": invalid UTF-8 at byte 1234 (0xff)"},
      {"cut.txt", cut, ": invalid UTF-8 at byte 2000 (0xc3)"},
      {"nul.txt", nul,
       ": byte 77 is 0 (NUL), which text never contains: this is a binary file, or UTF-16 or "
       "UTF-32 text"},
      {"program.bin", binary,
       ": byte " + std::to_string(first_zero) +
           " is 0 (NUL), which text never contains: this is a binary file, or UTF-16 or UTF-32 "
           "text"},
      {"utf16.txt", utf16,
       ": is UTF-16 text (it starts with the UTF-16 byte-order mark FF FE); convert it to UTF-8 "
       "first, e.g. with iconv -f UTF-16 -t UTF-8"}};
  for (const Case& c : cases) {
    const std::string path = dir.write(c.name, c.bytes);
    for (const std::string program : {"train_rnn", "train_lstm", "compare"}) {
      const RunResult r = run_program(d, program, {path, "--steps", "1"});
      INFO(program << ": " << r.err);
      CHECK(r.status == 1);
      CHECK(r.err == program + ": " + path + c.message + "\n");
    }
    const RunResult r = run_program(d, "evaluate", {ck, path});
    INFO(r.err);
    CHECK(r.status == 1);
    CHECK(r.err == "evaluate: " + path + c.message + "\n");
    CHECK(read_file(path) == c.bytes);  // the input is never touched
  }
}

TEST_CASE("robustness: a text shorter than one sequence, or with too small a validation split",
          "[robustness]") {
  TempDir dir;
  const std::string d = dir.path.string();
  const std::string tiny = dir.write("tiny.txt", "hello world\n");
  RunResult r = run_program(d, "train_lstm", {tiny, "--quiet"});
  INFO(r.err);
  CHECK(r.status == 1);
  CHECK(r.one_error_line());
  CHECK(contains(r.err,
                 "the training text has 10 characters, too few for --batch 32 streams of "
                 "--seq-len 100 (it needs at least 3201); use a longer text or smaller "
                 "values"));

  // Enough to train on, but the last 10% (200 characters) is less than one window of 301.
  const std::string text = dir.write("short.txt", corpus_text(2000));
  r = run_program(d, "train_rnn",
                  {text, "--seq-len", "300", "--batch", "1", "--steps", "1", "--quiet"});
  INFO(r.err);
  CHECK(r.status == 1);
  CHECK(r.err ==
        "train_rnn: " + text + ": the validation split has 200 characters, fewer than " +
            "one window of --seq-len + 1 = 301; use a longer text or a larger --val-frac\n");
  CHECK_FALSE(fs::exists(dir.file("rnn.ckpt")));
}

TEST_CASE("robustness: ./kneser_ney on a bad or too short text, and with bad orders",
          "[robustness]") {
  TempDir dir;
  const std::string d = dir.path.string();
  std::string invalid = corpus_text(3000);
  invalid[1234] = '\xff';
  struct Case {
    std::string file, message;
  };
  const std::vector<Case> cases = {
      {dir.file("missing.txt"), ": no such file"},
      {dir.write("empty.txt", ""), ": the file is empty"},
      {dir.write("invalid.txt", invalid), ": invalid UTF-8 at byte 1234 (0xff)"}};
  for (const Case& c : cases) {
    const RunResult r = run_program(d, "kneser_ney", {c.file});
    INFO(r.err);
    CHECK(r.status == 1);
    CHECK(r.err == "kneser_ney: " + c.file + c.message + "\n");
  }
  // The last 10% (200 characters) is less than one window of 301; 5 characters at --val-frac
  // 0.9 leave nothing to train on.
  const std::string text = dir.write("short.txt", corpus_text(2000));
  RunResult r = run_program(d, "kneser_ney", {text, "--seq-len", "300"});
  CHECK(r.status == 1);
  CHECK(r.err == "kneser_ney: " + text + ": the validation split has 200 characters, fewer " +
                     "than one window of --seq-len + 1 = 301; use a longer text or a larger " +
                     "--val-frac\n");
  const std::string five = dir.write("five.txt", "hello");
  r = run_program(d, "kneser_ney", {five, "--val-frac", "0.9", "--seq-len", "4"});
  CHECK(r.status == 1);
  CHECK(r.err == "kneser_ney: " + five +
                     ": the training split has 0 characters; use a longer text or a smaller "
                     "--val-frac\n");

  for (const std::string bad : {"3,x", "0", "17", "3,,5", "2.5"}) {
    r = run_program(d, "kneser_ney", {text, "--orders", bad});
    INFO(bad << ": " << r.err);
    CHECK(r.status == 2);
    CHECK(r.err == "kneser_ney: --orders: expected orders from 1 to 16 separated by commas, got '" +
                       bad + "'\n");
  }
  r = run_program(d, "kneser_ney", {text, "--orders", ""});
  CHECK(r.status == 2);
  CHECK(r.err == "kneser_ney: --orders: expected at least one order\n");
  r = run_program(d, "kneser_ney", {text, "--order", "3", "--orders", "3"});
  CHECK(r.status == 2);
  CHECK(r.err == "kneser_ney: --order and --orders: give one of them\n");

  // A good run: a header, then one line per order, bits = nats / ln 2.
  r = run_program(d, "kneser_ney", {text, "--orders", "1,3", "--seq-len", "50"});
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  CHECK(contains(r.out, text + ": 1,800 training and 200 validation characters, vocabulary "));
  CHECK(contains(r.out,
                 "validation: 3 windows of 51 characters (150 predictions), each "
                 "window's history starting empty\n"));
  const std::regex row(R"(^ +([0-9]+) +([0-9.]+) +([0-9.]+) +((?: [0-9.]+)+)$)");
  std::vector<int> orders;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, row)) continue;
    orders.push_back(std::stoi(m[1]));
    CHECK(std::abs(std::stod(m[3]) - std::stod(m[2]) / std::log(2.0)) <= 1e-4);
  }
  CHECK(orders == std::vector<int>{1, 3});
  r = run_program(d, "kneser_ney", {text, "--order", "2", "--seq-len", "50"});
  CHECK(r.status == 0);
  CHECK(contains(r.out, "\n    2  "));
  CHECK_FALSE(contains(r.out, "\n    1  "));
}

TEST_CASE("robustness: characters outside a checkpoint's vocabulary (prime, evaluation, resume)",
          "[robustness]") {
  TempDir dir;
  const std::string d = dir.path.string();
  const std::string ck = trained_checkpoint(dir);  // the text has no 'z', no 'é'
  const std::string before = read_file(ck);

  RunResult r = run_program(d, "sample", {ck, "--prime", "the zoo", "--length", "5"});
  INFO(r.err);
  CHECK(r.status == 1);
  CHECK(r.err ==
        "sample: --prime: character 'z' (U+007A) at position 4 is not in the "
        "vocabulary\n");
  r = run_program(d, "sample", {ck, "--prime", "the \xc3\xa9", "--length", "5"});
  CHECK(r.status == 1);
  CHECK(r.err ==
        "sample: --prime: character '\xc3\xa9' (U+00E9) at position 4 is not in the "
        "vocabulary\n");
  r = run_program(d, "sample", {ck, "--prime", "ab\xff", "--length", "5"});
  CHECK(r.status == 1);
  CHECK(r.err == "sample: --prime: invalid UTF-8 at byte 2 (0xff)\n");

  // Evaluation skips unknown characters and says how many; --strict stops at the first.
  const std::string other = dir.write("other.txt", "the zebra sat on the mat.\nthe cat sat.\n");
  r = run_program(d, "evaluate", {ck, other});
  INFO(r.out << r.err);
  CHECK(r.status == 0);
  CHECK(contains(r.out, other + ": skipped 2 occurrences of 2 characters not in the model's "
                                "vocabulary: 'z' (U+007A) once, 'b' (U+0062) once\n"));
  r = run_program(d, "evaluate", {ck, other, "--strict"});
  CHECK(r.status == 1);
  CHECK(r.err == "evaluate: " + other +
                     ": character 'z' (U+007A) at position 4 is not in the "
                     "model's vocabulary (--strict)\n");

  // Resuming on a text with a character the model has no output for.
  const std::string resume_text = dir.write("resume.txt", corpus_text(4000) + "zz\n");
  r = run_program(d, "train_rnn", {resume_text, "--resume", ck, "--checkpoint", ck, "--quiet"});
  CHECK(r.status == 1);
  CHECK(r.err == "train_rnn: " + resume_text + ": character 'z' (U+007A) at position " +
                     std::to_string(corpus_text(4000).size()) + " is not in the vocabulary\n");
  CHECK(read_file(ck) == before);
}

namespace {

// The loss ./evaluate printed for `file` ("FILE: 1.2345 nats/char, ..."), or NaN.
double printed_loss(const RunResult& r, const std::string& file) {
  const std::size_t at = r.out.rfind(file + ": ");
  if (r.status != 0 || at == std::string::npos) return NAN;
  return std::stod(r.out.substr(at + file.size() + 2));
}

}  // namespace

TEST_CASE("evaluate: windows of --seq-len + 1 characters that share their end characters",
          "[robustness]") {
  TempDir dir;
  const std::string d = dir.path.string();
  const std::string ck = trained_checkpoint(dir);  // --seq-len 8; the text has no 'z', no 'b'
  auto evaluate = [&](const std::string& name, const std::string& text,
                      std::vector<std::string> flags = {}) {
    const std::string path = dir.write(name, text);
    flags.insert(flags.begin(), {ck, path});
    return run_program(d, "evaluate", flags);
  };

  // 10 characters, --seq-len 4: windows 0..4 and 4..8, 4 predictions each; character 9 is
  // never predicted. The mean over the 8 predictions is the mean of the two windows' losses,
  // each scored alone from a zero state.
  RunResult r = evaluate("ten.txt", "the cat sa", {"--seq-len", "4"});
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find('\n') == r.out.size() - 1);  // one line: nothing was skipped
  CHECK(contains(r.out,
                 " over 8 predictions (2 windows of 5 characters, each from a zero "
                 "state)\n"));
  const double whole = printed_loss(r, dir.file("ten.txt"));
  const double first =
      printed_loss(evaluate("w0.txt", "the c", {"--seq-len", "4"}), dir.file("w0.txt"));
  const double second =
      printed_loss(evaluate("w1.txt", "cat s", {"--seq-len", "4"}), dir.file("w1.txt"));
  CHECK(std::abs(whole - (first + second) / 2) <= 1.5e-4);  // each printed to 4 decimals
  CHECK(printed_loss(evaluate("nine.txt", "the cat s", {"--seq-len", "4"}), dir.file("nine.txt")) ==
        whole);

  // Fewer than --seq-len + 1 (here the checkpoint's 8, so 9) characters: one window of all.
  r = evaluate("seven.txt", "the cat");
  CHECK(r.status == 0);
  CHECK(contains(r.out, " over 6 predictions (1 window of 7 characters, from a zero state)\n"));
  r = evaluate("one.txt", "t");
  CHECK(r.status == 1);
  CHECK(r.err == "evaluate: " + dir.file("one.txt") +
                     ": has only 1 character; evaluating needs at least 2 (one to read, one "
                     "to predict)\n");

  // Unknown characters: every occurrence counted, the first 5 to appear listed with their
  // counts, and the rest scored as if they were not there.
  r = evaluate("odd.txt", "the zebra: a buzz bizz quiz!\nthe cat.\n");
  INFO(r.out << r.err);
  CHECK(r.status == 0);
  CHECK(contains(r.out, dir.file("odd.txt") +
                            ": skipped 16 occurrences of 7 characters not in the model's "
                            "vocabulary; the first 5 in the text: 'z' (U+007A) 6 times, 'b' "
                            "(U+0062) 3 times, ':' (U+003A) once, 'u' (U+0075) twice, 'i' "
                            "(U+0069) twice\n"));
  CHECK(printed_loss(r, dir.file("odd.txt")) ==
        printed_loss(evaluate("even.txt", "the era a   \nthe cat.\n"), dir.file("even.txt")));
  r = evaluate("none.txt", "zzz");
  CHECK(r.status == 1);
  CHECK(r.out == dir.file("none.txt") +
                     ": skipped 3 occurrences of 1 character not in the model's vocabulary: "
                     "'z' (U+007A) 3 times\n");
  CHECK(r.err == "evaluate: " + dir.file("none.txt") +
                     ": has no character in the model's vocabulary; evaluating needs at least 2 "
                     "(one to read, one to predict)\n");
}

TEST_CASE(
    "sample and evaluate: --lowercase folds the prime and the text, and no prime is a newline",
    "[robustness]") {
  TempDir dir;
  const std::string d = dir.path.string();
  const std::string text = dir.write("train.txt", corpus_text(4000));
  const std::string low = dir.file("low.ckpt");
  RunResult r = run_program(
      d, "train_lstm", with({text, "--steps", "2", "--lowercase", "--checkpoint", low}, kTiny));
  REQUIRE(r.status == 0);
  const std::string plain = trained_checkpoint(dir);  // without --lowercase

  // The prime is printed as given and read folded: the same text follows as after "the cat".
  const std::vector<std::string> greedy = {"--length", "40", "--temperature", "0"};
  r = run_program(d, "sample", with({low, "--prime", "THE CAT"}, greedy));
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  const RunResult folded = run_program(d, "sample", with({low, "--prime", "the cat"}, greedy));
  REQUIRE(folded.status == 0);
  CHECK(r.out.substr(0, 7) == "THE CAT");
  CHECK(r.out.substr(7) == folded.out.substr(7));
  r = run_program(d, "sample", with({low, "--prime", "THE \xc3\x89"}, greedy));  // É is not A-Z
  CHECK(r.status == 1);
  CHECK(r.err ==
        "sample: --prime: character '\xc3\x89' (U+00C9) at position 4 is not in the "
        "vocabulary\n");
  r = run_program(d, "sample", with({plain, "--prime", "THE CAT"}, greedy));
  CHECK(r.status == 1);
  CHECK(r.err ==
        "sample: --prime: character 'T' (U+0054) at position 0 is not in the "
        "vocabulary\n");

  // ./evaluate folds the text the same way; a model without --lowercase skips the capitals.
  const std::string upper = dir.write("upper.txt", "THE CAT SAT ON THE MAT.\nA DOG RAN.\n");
  const std::string lower = dir.write("lower.txt", "the cat sat on the mat.\na dog ran.\n");
  const double u = printed_loss(run_program(d, "evaluate", {low, upper}), upper);
  CHECK(std::isfinite(u));
  CHECK(u == printed_loss(run_program(d, "evaluate", {low, lower}), lower));
  r = run_program(d, "evaluate", {plain, upper});
  CHECK(contains(r.out, upper + ": skipped 24 occurrences of 12 characters not in the model's "
                                "vocabulary; the first 5 in the text: 'T' (U+0054) 5 times, 'H' "
                                "(U+0048) twice, 'E' (U+0045) twice, 'C' (U+0043) once, 'A' "
                                "(U+0041) 5 times\n"));

  // No --prime: the model reads a newline that is not printed, so the text is what follows a
  // printed "\n" prime, and exactly --length characters and a newline come out.
  for (const std::string& ck : {low, plain}) {
    r = run_program(d, "sample", {ck, "--length", "50", "--seed", "3"});
    const RunResult newline =
        run_program(d, "sample", {ck, "--length", "50", "--seed", "3", "--prime", "\n"});
    REQUIRE(r.status == 0);
    CHECK(newline.out == "\n" + r.out);
    CHECK(r.out.size() == 51);  // the corpus is ASCII: one byte per character
    CHECK(r.out.back() == '\n');
  }
}

// ---------------------------------------------------------------------------------------------
// Flags

namespace {

struct Flag {
  std::string name, metavar, range_lo, range_hi;
};

// Every option of a program, read from its --help: "  --name METAVAR  help (LO to HI; default:
// D)", the help possibly wrapped onto indented lines.
std::vector<Flag> flags_of(const std::string& program) {
  TempDir dir;
  const RunResult r = run_program(dir.path.string(), program, {"--help"});
  REQUIRE(r.status == 0);
  std::vector<std::string> entries;
  std::istringstream lines(r.out.substr(r.out.find("\noptions:\n")));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.compare(0, 4, "  --") == 0)
      entries.push_back(line);
    else if (!entries.empty() && line.compare(0, 26, std::string(26, ' ')) == 0)
      entries.back() += " " + line.substr(26);
  }
  const std::regex head(R"(^  --([a-z-]+)(?: (\S+))?)");
  const std::regex range(R"(\((-?[0-9.e+-]+) to (-?[0-9.e+-]+); default: [^)]*\)$)");
  std::vector<Flag> flags;
  for (const std::string& e : entries) {
    std::smatch m, n;
    REQUIRE(std::regex_search(e, m, head));
    Flag f{m[1], m[2], "", ""};
    if (std::regex_search(e, n, range)) f.range_lo = n[1], f.range_hi = n[2];
    if (f.name != "help") flags.push_back(f);
  }
  return flags;
}

}  // namespace

TEST_CASE(
    "robustness: every flag of every program with a missing, malformed, zero, negative "
    "or absurd value",
    "[robustness]") {
  TempDir dir;
  const std::string d = dir.path.string();
  // More positional arguments than any program takes: a run whose flags all parse stops at the
  // first of these with "unexpected argument", before it reads or writes anything.
  const std::vector<std::string> extra = {"x1", "x2", "x3", "x4"};
  int checked = 0;
  for (const std::string program : {"train_rnn", "train_lstm", "sample", "evaluate", "compare",
                                    "kneser_ney", "gradcheck", "bench", "inspect"}) {
    const std::vector<Flag> flags = flags_of(program);
    REQUIRE(flags.size() >= 2);
    for (const Flag& f : flags) {
      const std::string flag = "--" + f.name;
      auto run = [&](const std::vector<std::string>& args) {
        const RunResult r = run_program(d, program, args);
        ++checked;
        return r;
      };
      auto expect_error = [&](const std::string& value, const std::string& message) {
        const RunResult r = run(with({flag, value}, extra));
        INFO(program << " " << flag << " '" << value << "': " << r.err);
        CHECK(r.status == 2);
        CHECK(r.err == program + ": " + message + "\n");
      };
      auto expect_accepted = [&](const std::string& value) {
        const RunResult r = run(with({flag, value}, extra));
        INFO(program << " " << flag << " '" << value << "': " << r.err);
        CHECK(r.status == 2);
        CHECK(contains(r.err, "unexpected argument 'x"));
      };

      if (f.metavar.empty()) {  // a switch: no value
        const RunResult r = run({flag + "=1"});
        INFO(program << " " << flag << "=1: " << r.err);
        CHECK(r.status == 2);
        CHECK(r.err == program + ": " + flag + " takes no value\n");
        continue;
      }
      // Missing: at the end, or followed by another option.
      RunResult r = run({flag});
      INFO(program << " " << flag << ": " << r.err);
      CHECK(r.status == 2);
      CHECK(r.err == program + ": " + flag + ": missing value (" + f.metavar + ")\n");
      r = run({flag, "--help"});
      CHECK(r.status == 2);
      CHECK(r.err == program + ": " + flag + ": missing value (" + f.metavar + ") before --help\n");

      if (f.metavar == "N" || f.metavar == "X") {
        REQUIRE_FALSE(f.range_lo.empty());
        const double lo = std::stod(f.range_lo), hi = std::stod(f.range_hi);
        const std::string what = f.metavar == "N" ? "an integer" : "a number";
        const std::string out_of = " is out of range (" + f.range_lo + " to " + f.range_hi + ")";
        for (const std::string bad : {"abc", "12abc", "", " 5", "1,5"})
          expect_error(bad, flag + ": expected " + what + ", got '" + bad + "'");
        // Zero and negative values: refused exactly when outside the range --help states.
        for (const std::string v : {"0", "-1", "-2147483649"}) {
          if (std::stod(v) >= lo && std::stod(v) <= hi)
            expect_accepted(v);
          else if (f.metavar == "N" && v == "-2147483649" && lo >= 0)
            expect_error(v, flag + ": " + v + out_of);
          else
            expect_error(v, flag + ": " + v + out_of);
        }
        // Absurd values.
        if (f.metavar == "N") {
          expect_error("99999999999", flag + ": 99999999999" + out_of);
          expect_error("99999999999999999999999", flag + ": 99999999999999999999999 is too large");
          expect_error("1e3", flag + ": expected an integer, got '1e3'");
          expect_error("2.5", flag + ": expected an integer, got '2.5'");
        } else {
          expect_error("1e300", flag + ": 1e300" + out_of);
          for (const std::string v : {"nan", "inf", "-inf", "1e999"})
            expect_error(v, flag + ": expected a finite number, got '" + v + "'");
          expect_accepted(f.range_hi);
          expect_accepted(f.range_lo);
        }
      } else if (f.metavar.find('|') != std::string::npos) {  // one of a list
        expect_error("bogus", flag + ": expected one of " + f.metavar + ", got 'bogus'");
        expect_accepted(f.metavar.substr(0, f.metavar.find('|')));
      } else {
        expect_accepted("some-value");  // free text: checked when used (see the other tests)
      }
    }
  }
  CHECK(checked > 500);
  // Unknown options and a single dash.
  for (const std::string program : {"train_lstm", "sample", "compare"}) {
    RunResult r = run_program(d, program, {"--bogus"});
    CHECK(r.status == 2);
    CHECK(r.err == program + ": unknown option '--bogus' (see --help)\n");
    r = run_program(d, program, {"-n", "5"});
    CHECK(r.status == 2);
    CHECK(r.err == program + ": unknown option '-n' (options start with --; see --help)\n");
  }
}

TEST_CASE("robustness: conflicting flags", "[robustness]") {
  TempDir dir;
  const std::string d = dir.path.string();
  const std::string ck = trained_checkpoint(dir);
  const std::string text = dir.file("train.txt");
  const std::string text_before = read_file(text), ck_before = read_file(ck);

  // A resumed run keeps the model and recipe of its checkpoint.
  RunResult r = run_program(d, "train_rnn", {text, "--resume", ck, "--hidden", "16"});
  CHECK(r.status == 2);
  CHECK(r.err ==
        "train_rnn: --hidden 16 conflicts with the checkpoint being resumed, which has "
        "8\n");
  r = run_program(d, "train_lstm", {text, "--resume", ck});
  CHECK(r.status == 1);
  CHECK(r.err == "train_lstm: " + ck + " holds a rnn model; resume it with ./train_rnn\n");

  // Outputs that would overwrite the training text, or each other.
  r = run_program(d, "train_rnn", with({text, "--checkpoint", text}, kTiny));
  CHECK(r.status == 2);
  CHECK(r.err == "train_rnn: --checkpoint " + text + " is the training text " + text +
                     "; writing there would destroy it\n");
  r = run_program(d, "train_rnn", with({text, "--log", text}, kTiny));
  CHECK(r.status == 2);
  CHECK(r.err == "train_rnn: --log " + text + " is the training text " + text +
                     "; writing there would destroy it\n");
  r = run_program(d, "train_rnn", with({text, "--checkpoint", ck, "--log", ck}, kTiny));
  CHECK(r.status == 2);
  CHECK(r.err ==
        "train_rnn: --log " + ck + " is also where the checkpoints go; use another file\n");
  // The text named another way ("./train.txt" from inside the folder).
  r = run_program(d, "train_rnn", with({"train.txt", "--checkpoint", "./train.txt"}, kTiny));
  CHECK(r.status == 2);
  CHECK(contains(r.err, "is the training text"));

  // ./compare: limits that never stop, a text with the memory task.
  r = run_program(d, "compare", {text, "--steps", "0", "--minutes", "0"});
  CHECK(r.status == 2);
  CHECK(r.err == "compare: --steps 0 and --minutes 0 would never stop; give a limit\n");
  r = run_program(d, "compare", {text, "--task", "memory"});
  CHECK(r.status == 2);
  CHECK(r.err == "compare: --task memory makes its own sequences; it takes no FILE\n");
  // --models: two or three different cells, and --match-params needs the LSTM to match.
  for (const auto& [models, message] : std::vector<std::pair<std::string, std::string>>{
           {"rnn", "a comparison needs at least two models, got 'rnn'"},
           {"rnn,rnn", "rnn is named twice in 'rnn,rnn'"},
           {"rnn,transformer",
            "expected rnn, lstm, gru or an LSTM variant (lstm-nfg, lstm-nog, lstm-cifg, "
            "lstm-noaf, lstm-fb0) separated by commas, got 'rnn,transformer'"}}) {
    r = run_program(d, "compare", {"--task", "memory", "--models", models});
    CHECK(r.status == 2);
    CHECK(r.err == "compare: --models: " + message + "\n");
  }
  for (const char* flag : {"--curriculum", "--all-positions-loss"}) {
    r = run_program(d, "compare", {text, flag});
    CHECK(r.status == 2);
    CHECK(r.err == std::string("compare: ") + flag + " is for --task memory only\n");
  }
  r = run_program(d, "compare", {text, "--chrono", "200"});
  CHECK(r.err == "compare: --chrono is for --task memory only\n");
  r = run_program(d, "compare", {"--task", "memory", "--chrono", "2"});
  CHECK(r.status == 2);
  CHECK(r.err == "compare: --chrono: T_max must be at least 3 (u is drawn from [1, T_max - 1])\n");
  r = run_program(d, "compare", {"--task", "memory", "--models", "rnn,gru", "--match-params"});
  CHECK(r.status == 2);
  CHECK(r.err ==
        "compare: --match-params widens the other models to the LSTM's size; add lstm to "
        "--models\n");

  // Settings that need more memory than any machine has.
  r = run_program(d, "train_lstm",
                  {text, "--hidden", "8192", "--layers", "16", "--batch", "2", "--seq-len", "8",
                   "--checkpoint", dir.file("big.ckpt")});
  INFO(r.err);
  CHECK(r.status == 2);
  CHECK(
      std::regex_search(r.err, std::regex("^train_lstm: these settings need about [0-9.]+ GB "
                                          "of memory and [0-9.]+ GB are available; use a "
                                          "smaller --hidden, --layers, --batch or --seq-len\n$")));
  CHECK_FALSE(fs::exists(dir.file("big.ckpt")));
  r = run_program(d, "compare",
                  {text, "--hidden", "8192", "--layers", "16", "--batch", "2", "--seq-len", "8",
                   "--out", dir.file("big")});
  CHECK(r.status == 2);
  CHECK(contains(r.err, "compare: these settings need about "));
  CHECK_FALSE(fs::exists(dir.file("big")));
  CHECK(read_file(text) == text_before);
  CHECK(read_file(ck) == ck_before);
}

// ---------------------------------------------------------------------------------------------
// Checkpoints read

TEST_CASE(
    "robustness: truncated, bit-flipped, wrong-version, wrong-model and non-checkpoint "
    "files given as checkpoints",
    "[robustness]") {
  TempDir dir;
  const std::string d = dir.path.string();
  const std::string ck = trained_checkpoint(dir);
  const std::string text = dir.file("train.txt");
  const std::string good = read_file(ck);

  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x04;
  std::string version = good;
  version[8] = 2;  // the version field follows the 8-byte magic
  Checkpoint other = load_checkpoint(ck);
  other.model = "transformer";
  save_checkpoint(dir.file("transformer.ckpt"), other);
  Checkpoint mismatch = load_checkpoint(ck);
  mismatch.config[0].second = "9";  // hidden 9, but the tensors are for 8
  save_checkpoint(dir.file("mismatch.ckpt"), mismatch);

  struct Case {
    std::string name, bytes, message;
  };
  const std::vector<Case> cases = {
      {"truncated.ckpt", good.substr(0, good.size() - 100),
       ": truncated checkpoint (expected " + std::to_string(good.size()) + " bytes, found " +
           std::to_string(good.size() - 100) + ")"},
      {"header.ckpt", good.substr(0, 10),
       ": truncated checkpoint (expected at least 24 bytes, found 10)"},
      {"flipped.ckpt", flipped, ": checksum mismatch: the file is corrupted"},
      {"version.ckpt", version,
       ": checkpoint format version 2 is not supported (this program reads version 1)"},
      {"text.ckpt", corpus_text(500), ": not a charnn checkpoint (bad magic number)"},
      {"empty.ckpt", "", ": the file is empty, not a checkpoint"},
      {"transformer.ckpt", read_file(dir.file("transformer.ckpt")),
       ": unknown model 'transformer'"},
      {"mismatch.ckpt", read_file(dir.file("mismatch.ckpt")),
       ": its parameters do not match the model it describes"}};
  for (const Case& c : cases) {
    const std::string path = dir.write(c.name, c.bytes);
    const std::vector<std::pair<std::string, std::vector<std::string>>> runs = {
        {"sample", {path, "--length", "10"}},
        {"evaluate", {path, text}},
        {"train_rnn", {text, "--resume", path, "--checkpoint", dir.file("out.ckpt"), "--quiet"}}};
    for (const auto& [program, args] : runs) {
      const RunResult r = run_program(d, program, args);
      INFO(program << " " << c.name << ": " << r.err);
      if (program == "train_rnn" && c.name == "transformer.ckpt") {  // the trainer names the model
        CHECK(r.err == "train_rnn: " + path +
                           " holds a transformer model; resume it with ./train_transformer\n");
      } else {
        CHECK(r.one_error_line());
        CHECK(r.err.rfind(program + ": " + path + c.message, 0) == 0);
      }
      CHECK(r.status == 1);
      CHECK(r.out.empty());
    }
    CHECK(read_file(path) == c.bytes);  // never modified
    CHECK_FALSE(fs::exists(dir.file("out.ckpt")));
  }
  // A checkpoint of the other kind: the trainer says which program resumes it.
  const std::string lstm = trained_checkpoint(dir, "train_lstm", "l.ckpt");
  const RunResult r = run_program(d, "train_rnn", {text, "--resume", lstm});
  CHECK(r.status == 1);
  CHECK(r.err == "train_rnn: " + lstm + " holds a lstm model; resume it with ./train_lstm\n");
  // Missing and directory.
  for (const std::string program : {"sample", "evaluate"}) {
    RunResult m = run_program(d, program, {dir.file("none.ckpt"), text});
    if (program == "sample") m = run_program(d, program, {dir.file("none.ckpt")});
    CHECK(m.status == 1);
    CHECK(m.err == program + ": " + dir.file("none.ckpt") + ": no such file\n");
  }
  const RunResult folder = run_program(d, "sample", {d});
  CHECK(folder.status == 1);
  CHECK(folder.err == "sample: " + d + ": is a directory\n");
}

// ---------------------------------------------------------------------------------------------
// Checkpoints written

TEST_CASE("robustness: a checkpoint path in a missing or read-only folder fails before training",
          "[robustness]") {
  TempDir dir;
  const std::string d = dir.path.string();
  const std::string text = dir.write("train.txt", corpus_text(4000));
  RunResult r = run_program(
      d, "train_lstm", with({text, "--steps", "2", "--checkpoint", dir.file("no/m.ckpt")}, kTiny));
  CHECK(r.status == 1);
  CHECK(r.err == "train_lstm: cannot write checkpoint " + dir.file("no/m.ckpt") +
                     ": No such file or directory\n");
  CHECK(r.out.empty());  // failed before the first step

  fs::create_directory(dir.file("ro"));
  fs::permissions(dir.file("ro"), fs::perms::owner_read | fs::perms::owner_exec |
                                      fs::perms::group_read | fs::perms::group_exec |
                                      fs::perms::others_read | fs::perms::others_exec);
  r = run_unprivileged(dir, "train_lstm",
                       with({text, "--steps", "2", "--checkpoint", dir.file("ro/m.ckpt")}, kTiny));
  CHECK(r.status == 1);
  CHECK(r.err ==
        "train_lstm: cannot write checkpoint " + dir.file("ro/m.ckpt") + ": Permission denied\n");
  CHECK(fs::is_empty(dir.file("ro")));

  // A folder where the checkpoint should go.
  fs::create_directory(dir.file("taken.ckpt"));
  r = run_program(d, "train_lstm",
                  with({text, "--steps", "2", "--checkpoint", dir.file("taken.ckpt")}, kTiny));
  CHECK(r.status == 1);
  CHECK(r.one_error_line());
  CHECK(contains(r.err, "cannot write checkpoint " + dir.file("taken.ckpt") + ": "));
}

TEST_CASE("robustness: a disk that fills up while saving keeps the previous checkpoint",
          "[robustness]") {
  // The full disk is made with a file-size limit: a write past it fails as it does on a full
  // disk (here EFBIG, "File too large", there ENOSPC), at any byte. SIGXFSZ is ignored, as the
  // shell passes that on, so the write returns the error instead of killing the program.
  // tests/full_disk_test.sh does the same on a real full file system (a small tmpfs).
  TempDir dir;
  const std::string d = dir.path.string();
  const std::string ck = trained_checkpoint(dir);
  const std::string text = dir.file("train.txt");
  const std::string before = read_file(ck);
  const std::string best_before = read_file(dir.file("m.best.ckpt"));
  REQUIRE(before.size() > 2048);
  // dash's ulimit -f counts 512-byte blocks: 2 blocks, less than one checkpoint.
  const RunResult r =
      run_program(d, "train_rnn", {text, "--resume", ck, "--checkpoint", ck, "--steps", "4"},
                  "trap '' XFSZ; ulimit -f 2;");
  INFO(r.out << r.err);
  CHECK(r.status == 1);
  CHECK(r.err == "train_rnn: cannot write checkpoint " + ck + ": File too large\n");
  CHECK(read_file(ck) == before);
  CHECK(read_file(dir.file("m.best.ckpt")) == best_before);
  CHECK_FALSE(fs::exists(ck + ".tmp"));
  // The surviving checkpoint resumes.
  const RunResult again =
      run_program(d, "train_rnn", {text, "--resume", ck, "--checkpoint", ck, "--steps", "4"});
  CHECK(again.status == 0);
  CHECK(load_checkpoint(ck).step == 4);
}

// ---------------------------------------------------------------------------------------------
// Interrupted and failing runs

TEST_CASE("robustness: SIGINT and SIGTERM during training save a checkpoint that resumes",
          "[robustness]") {
  TempDir dir;
  const std::string d = dir.path.string();
  const std::string text = dir.write("train.txt", corpus_text(20000));
  for (const int sig : {SIGINT, SIGTERM}) {
    const std::string name = sig == SIGINT ? "INT" : "TERM";
    INFO("SIG" << name);
    const std::string ck = dir.file(name + ".ckpt");
    // No step limit: only the signal ends the run. It is sent once the run reports step 5.
    // run.out is removed first: the background job truncates it only when it starts, and the
    // loop below must not find the previous signal's "step 5" there before that.
    std::string command =
        "rm -f run.out; " +
        charnn::testing::shell_quote(charnn::testing::program_path("train_lstm")) +
        " train.txt --hidden 16 --layers 1 --batch 4 --seq-len 16 --minutes 0 "
        "--print-every 1 --eval-every 1000000 --checkpoint " +
        ck +
        " > run.out 2> run.err & pid=$!; "
        "i=0; while ! grep -q '^step 5' run.out 2>/dev/null; do "
        "sleep 0.05; i=$((i+1)); [ $i -lt 600 ] || break; done; "
        "kill -" +
        name + " $pid; wait $pid; echo $? > run.status";
    REQUIRE(std::system(("cd " + d + " && { " + command + "; }").c_str()) == 0);
    const std::string out = read_file(dir.file("run.out"));
    INFO(out << read_file(dir.file("run.err")));
    CHECK(std::stoi(read_file(dir.file("run.status"))) == 128 + sig);
    CHECK(contains(out, "interrupted: saving a checkpoint ..."));
    CHECK(contains(out, "done (interrupted): "));
    CHECK(read_file(dir.file("run.err")).empty());
    const Checkpoint saved = load_checkpoint(ck);
    CHECK(saved.step >= 5);
    const RunResult r = run_program(d, "train_lstm",
                                    {"train.txt", "--resume", ck, "--checkpoint", ck, "--steps",
                                     std::to_string(saved.step + 3), "--quiet"});
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(load_checkpoint(ck).step == saved.step + 3);
  }
}

TEST_CASE("robustness: a learning rate so high that training diverges stops without saving it",
          "[robustness]") {
  TempDir dir;
  const std::string d = dir.path.string();
  const std::string text = dir.write("train.txt", corpus_text(4000));
  const std::string ck = dir.file("m.ckpt");
  // A good checkpoint from an earlier run at the same path must survive untouched.
  dir.write("m.ckpt", "");
  REQUIRE(
      run_program(d, "train_rnn", with({text, "--steps", "2", "--checkpoint", ck}, kTiny)).status ==
      0);
  const std::string good = read_file(ck);
  RunResult r = run_program(d, "train_rnn",
                            with({text, "--optimizer", "sgd", "--lr", "1000", "--clip", "0",
                                  "--steps", "50", "--eval-every", "10", "--checkpoint", ck},
                                 kTiny));
  INFO(r.err);
  CHECK(r.status == 1);
  CHECK(std::regex_search(
      r.err, std::regex("^train_rnn: the training loss diverged to [0-9.]+ nats/char at step "
                        "[0-9]+ \\(guessing uniformly gives [0-9.]+\\); is --lr 1000 too high\\? "
                        "Stopped without saving: this run wrote no checkpoint\n$")));
  CHECK(read_file(ck) == good);

  // Checkpoints written at every step: the last one is named and is a good one.
  const std::string every = dir.file("every.ckpt");
  r = run_program(d, "train_rnn",
                  with({text, "--optimizer", "sgd", "--lr", "1000", "--clip", "0", "--steps", "50",
                        "--eval-every", "1", "--checkpoint", every},
                       kTiny));
  CHECK(r.status == 1);
  std::smatch m;
  REQUIRE(std::regex_search(r.err, m,
                            std::regex("the last checkpoint is (.*) \\(step ([0-9]+)\\)\n$")));
  CHECK(m[1] == every);
  const Checkpoint last = load_checkpoint(every);
  CHECK(last.step == std::stoi(m[2]));
  for (float w : last.params)
    REQUIRE(std::isfinite(w));
  CHECK(std::isfinite(last.last_val_loss));

  // Weights that overflow: the loss itself is NaN or infinite at the first step.
  Checkpoint broken = load_checkpoint(ck);
  for (float& w : broken.params)
    w = 3e38f;
  save_checkpoint(dir.file("huge.ckpt"), broken);
  r = run_program(d, "train_rnn",
                  {text, "--resume", dir.file("huge.ckpt"), "--checkpoint", dir.file("out.ckpt")});
  INFO(r.err);
  CHECK(r.status == 1);
  CHECK(
      std::regex_search(r.err, std::regex("^train_rnn: the loss became (finite but the gradient )?"
                                          "NaN or infinite at step 3; is --lr [0-9.e-]+ too "
                                          "high\\? Stopped without saving: the last "
                                          "checkpoint is .*huge.ckpt \\(step 2\\)\n$")));
  CHECK_FALSE(fs::exists(dir.file("out.ckpt")));
}

TEST_CASE("robustness: running out of memory is one line, not a crash", "[robustness]") {
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer reserves terabytes of address space, so a limit on it cannot be tested.
  WARN("skipped under AddressSanitizer");
#else
  // Settings that fit the machine's memory (the check before allocating passes) but not a
  // 400 MB limit on the process's address space, so an allocation fails for real.
  TempDir dir;
  const std::string text = dir.write("train.txt", corpus_text(40000));
  const RunResult r = run_program(dir.path.string(), "train_lstm",
                                  {"train.txt", "--hidden", "2048", "--batch", "64", "--checkpoint",
                                   dir.file("m.ckpt"), "--steps", "1"},
                                  "ulimit -v 400000;");
  INFO(r.err);
  CHECK(r.status == 1);
  CHECK(r.err ==
        "train_lstm: out of memory; use a smaller --hidden, --layers, --batch or "
        "--seq-len\n");
  CHECK_FALSE(fs::exists(dir.file("m.ckpt")));

  // ./kneser_ney at order 16 on 1,000,000 random letters stores millions of distinct strings,
  // more than the same 400 MB limit allows. (A smaller limit would not leave qemu, which runs
  // the aarch64 build of the tests, room for its own 128 MB code buffer.)
  Rng rng(5);
  std::string letters(1000000, ' ');
  for (char& c : letters)
    c = "abcdefghijklmnopqrstuvwxyz \n"[rng.below(28)];
  dir.write("random.txt", letters);
  const RunResult k = run_program(dir.path.string(), "kneser_ney", {"random.txt", "--order", "16"},
                                  "ulimit -v 400000;");
  INFO(k.err);
  CHECK(k.status == 1);
  CHECK(k.err ==
        "kneser_ney: out of memory at order 16; use a smaller --order or a shorter text\n");
#endif
}

TEST_CASE("robustness: a checkpoint whose stored settings are out of range or not numbers",
          "[robustness]") {
  // A file can pass the checksum and still hold settings no flag could set (a buggy writer, a
  // hostile file): they are checked with the flags' own ranges before anything uses them (a
  // stored batch of 0 once divided by zero on --resume).
  TempDir dir;
  const std::string d = dir.path.string();
  const std::string ck = trained_checkpoint(dir);
  const std::string text = dir.file("train.txt");
  auto with_setting = [&](const std::string& key, const std::string& value) {
    Checkpoint c = load_checkpoint(ck);
    for (auto& [k, v] : c.config)
      if (k == key) v = value;
    const std::string path = dir.file(key + "-" + std::to_string(value.size()) + ".ckpt");
    save_checkpoint(path, c);
    return path;
  };
  std::string bad = with_setting("batch", "0");
  RunResult r = run_program(d, "train_rnn", {text, "--resume", bad, "--checkpoint", bad});
  CHECK(r.status == 1);
  CHECK(r.err == "train_rnn: " + bad +
                     ": corrupt checkpoint (setting --batch: 0 is out of range (1 to 100000))\n");
  bad = with_setting("lr", "nan");
  r = run_program(d, "train_rnn", {text, "--resume", bad, "--checkpoint", bad});
  CHECK(r.status == 1);
  CHECK(r.err == "train_rnn: " + bad +
                     ": corrupt checkpoint (setting --lr: expected a finite number, got 'nan')\n");
  bad = with_setting("lowercase", "yes");
  r = run_program(d, "train_rnn", {text, "--resume", bad, "--checkpoint", bad});
  CHECK(r.status == 1);
  CHECK(r.err == "train_rnn: " + bad +
                     ": corrupt checkpoint (setting lowercase is 'yes', not 0 "
                     "or 1)\n");
  bad = with_setting("seq-len", "-3");
  r = run_program(d, "evaluate", {bad, text});
  CHECK(r.status == 1);
  CHECK(r.err == "evaluate: " + bad +
                     ": corrupt checkpoint (setting seq-len is '-3', not an "
                     "integer from 1 to 100000)\n");
  bad = with_setting("hidden", "8x");
  r = run_program(d, "sample", {bad});
  CHECK(r.status == 1);
  CHECK(r.err == "sample: " + bad +
                     ": corrupt checkpoint (setting hidden is '8x', not an "
                     "integer from 1 to 8192)\n");
  CHECK(r.out.empty());
}

TEST_CASE("robustness: output that cannot be written (a full disk behind stdout) fails the run",
          "[robustness]") {
  // /dev/full refuses every write with ENOSPC: the program must not exit 0 as if its samples or
  // results had been delivered.
  TempDir dir;
  const std::string ck = trained_checkpoint(dir);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"sample", ck, "--length", "100"},
        std::vector<std::string>{"evaluate", ck, dir.file("train.txt")},
        std::vector<std::string>{"gradcheck", "--model", "rnn"}}) {
    std::string command = charnn::testing::shell_quote(charnn::testing::program_path(args[0]));
    for (std::size_t k = 1; k < args.size(); ++k)
      command += " " + charnn::testing::shell_quote(args[k]);
    const std::string err = dir.file("err"), status = dir.file("status");
    REQUIRE(std::system((command + " > /dev/full 2> " + err + "; echo $? > " + status).c_str()) ==
            0);
    INFO(args[0] << ": " << read_file(err));
    CHECK(std::stoi(read_file(status)) == 1);
    CHECK(read_file(err).rfind(args[0] + ": cannot write the output: ", 0) == 0);
  }
}

TEST_CASE(
    "Windows line endings: CRLF is read as LF in training, evaluation and sampling alike, "
    "through the checkpoint, and --keep-crlf keeps it",
    "[robustness]") {
  TempDir dir;
  const std::string d = dir.path.string();
  std::string lf = corpus_text(4000), crlf;
  for (char c : lf)
    crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  const std::string lf_file = dir.write("lf.txt", lf), crlf_file = dir.write("crlf.txt", crlf);
  const std::string folded = dir.file("folded.ckpt"), kept = dir.file("kept.ckpt");
  RunResult r = run_program(d, "train_lstm",
                            with({crlf_file, "--steps", "2", "--checkpoint", folded}, kTiny));
  REQUIRE(r.status == 0);
  r = run_program(d, "train_lstm",
                  with({crlf_file, "--steps", "2", "--keep-crlf", "--checkpoint", kept}, kTiny));
  REQUIRE(r.status == 0);
  const Checkpoint f = load_checkpoint(folded), k = load_checkpoint(kept);
  CHECK(f.setting("keep-crlf", folded) == "0");
  CHECK(k.setting("keep-crlf", kept) == "1");
  auto has_cr = [](const Checkpoint& c) {
    return std::find(c.vocabulary.begin(), c.vocabulary.end(), U'\r') != c.vocabulary.end();
  };
  CHECK_FALSE(has_cr(f));
  CHECK(has_cr(k));
  CHECK(k.vocabulary.size() == f.vocabulary.size() + 1);

  // ./evaluate: the CRLF text is the LF text to the folding model, nothing skipped.
  r = run_program(d, "evaluate", {folded, crlf_file});
  REQUIRE(r.status == 0);
  CHECK_FALSE(contains(r.out, "skipped"));
  CHECK(printed_loss(r, crlf_file) ==
        printed_loss(run_program(d, "evaluate", {folded, lf_file}), lf_file));
  // The keeping model scores "\r" as a character of its own: another text, another loss.
  CHECK(printed_loss(run_program(d, "evaluate", {kept, crlf_file}), crlf_file) !=
        printed_loss(run_program(d, "evaluate", {kept, lf_file}), lf_file));

  // ./sample: a prime with "\r\n" is read as one with "\n" (and printed as given).
  const std::vector<std::string> greedy = {"--length", "30", "--temperature", "0"};
  r = run_program(d, "sample", with({folded, "--prime", "the cat\r\n"}, greedy));
  const RunResult unix_prime =
      run_program(d, "sample", with({folded, "--prime", "the cat\n"}, greedy));
  REQUIRE(r.status == 0);
  REQUIRE(unix_prime.status == 0);
  CHECK(r.out.substr(0, 9) == "the cat\r\n");
  CHECK(r.out.substr(9) == unix_prime.out.substr(8));

  // A checkpoint from before --keep-crlf (no such setting) kept "\r\n" as two characters, and
  // is read that way: its text skips the "\r" it never had.
  Checkpoint old = f;
  old.config.erase(std::remove_if(old.config.begin(), old.config.end(),
                                  [](const auto& kv) { return kv.first == "keep-crlf"; }),
                   old.config.end());
  const std::string old_path = dir.file("old.ckpt");
  save_checkpoint(old_path, old);
  r = run_program(d, "evaluate", {old_path, crlf_file});
  REQUIRE(r.status == 0);
  CHECK(contains(r.out, "carriage return (U+000D)"));
  r = run_program(d, "train_lstm",
                  with({crlf_file, "--resume", old_path, "--steps", "3", "--checkpoint", old_path},
                       {"--minutes", "0", "--quiet"}));
  INFO(r.err);
  CHECK(r.status == 1);  // the resumed run reads "\r" and the old vocabulary has none
  CHECK(contains(r.err, "U+000D"));

  // A resumed run keeps the setting and refuses the other one.
  r = run_program(d, "train_lstm",
                  with({crlf_file, "--resume", kept, "--steps", "3", "--checkpoint", kept},
                       {"--minutes", "0", "--quiet"}));
  CHECK(r.status == 0);
  r = run_program(d, "train_lstm",
                  {crlf_file, "--resume", folded, "--keep-crlf", "--steps", "3", "--checkpoint",
                   folded, "--minutes", "0", "--quiet"});
  CHECK(r.status == 2);
  CHECK(r.err ==
        "train_lstm: --keep-crlf 1 conflicts with the checkpoint being resumed, which has 0\n");
}

TEST_CASE("a Latin-1 file gets the iconv hint from every program that reads text", "[robustness]") {
  TempDir dir;
  const std::string d = dir.path.string();
  const std::string ck = charnn::testing::trained_checkpoint(dir);
  std::string latin1 = corpus_text(2000);
  latin1[100] = '\xe9';
  latin1[500] = '\xe8';
  const std::string file = dir.write("latin1.txt", latin1);
  const std::string hint =
      file +
      ": this looks like Latin-1 text, not UTF-8; convert it first: iconv -f latin1 -t utf-8 " +
      file + " > " + file + ".utf8\n";
  for (const auto& [program, args] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"train_lstm", with({file, "--steps", "1"}, kTiny)},
           {"train_rnn", with({file, "--steps", "1"}, kTiny)},
           {"evaluate", {ck, file}},
           {"kneser_ney", {file}}}) {
    const RunResult r = run_program(d, program, args);
    INFO(program << ": " << r.err);
    CHECK(r.status == 1);
    CHECK(r.err == program + ": " + file + ": invalid UTF-8 at byte 100 (0xe9)\n" + hint);
  }
}
