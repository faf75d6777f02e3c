// ./sample's --top-p, --beam and --prime-from, run as a user runs them (tests/programs.h): what
// they print, how they combine with the other flags, and the one line each error prints.
#include <set>
#include <string>
#include <vector>

#include "tests/catch.hpp"
#include "tests/helpers.h"
#include "tests/programs.h"

using namespace charnn;
using namespace charnn::testing;

TEST_CASE("./sample --top-p: 1 changes nothing, a tiny P is greedy, 0 is refused", "[sample]") {
  TempDir dir;
  const std::string d = dir.path.string();
  const std::string ck = trained_checkpoint(dir);
  const std::vector<std::string> base = {ck, "--length", "200", "--seed", "9"};
  const RunResult plain = run_program(d, "sample", base);
  REQUIRE(plain.status == 0);
  CHECK(run_program(d, "sample", with(base, {"--top-p", "1"})).out == plain.out);
  // P below every largest probability keeps the argmax alone, at every character.
  const RunResult greedy = run_program(d, "sample", with(base, {"--temperature", "0"}));
  REQUIRE(greedy.status == 0);
  CHECK(run_program(d, "sample", with(base, {"--top-p", "1e-9"})).out == greedy.out);
  // A real nucleus: the text changes (at the default temperature 0.8), and is still 200
  // characters and a newline.
  const RunResult nucleus = run_program(d, "sample", with(base, {"--top-p", "0.6"}));
  REQUIRE(nucleus.status == 0);
  CHECK(nucleus.out.size() == 201);
  CHECK(nucleus.out != plain.out);
  CHECK(run_program(d, "sample", with(base, {"--top-p", "0.6", "--top-k", "3"})).status == 0);

  const RunResult zero = run_program(d, "sample", with(base, {"--top-p", "0"}));
  CHECK(zero.status == 2);
  CHECK(zero.err == "sample: --top-p: 0 keeps no character; give a value above 0 (1 keeps all)\n");
  const RunResult above = run_program(d, "sample", with(base, {"--top-p", "1.5"}));
  CHECK(above.status == 2);
  CHECK(above.err == "sample: --top-p: 1.5 is out of range (0 to 1)\n");
}

TEST_CASE(
    "./sample --beam: K = 1 is --temperature 0, the prime is printed first, sampling flags "
    "are refused",
    "[sample]") {
  TempDir dir;
  const std::string d = dir.path.string();
  const std::string ck = trained_checkpoint(dir);
  for (const std::vector<std::string>& prime :
       {std::vector<std::string>{}, std::vector<std::string>{"--prime", "the cat "}}) {
    const std::vector<std::string> base = with({ck, "--length", "120"}, prime);
    const RunResult greedy = run_program(d, "sample", with(base, {"--temperature", "0"}));
    REQUIRE(greedy.status == 0);
    const RunResult one = run_program(d, "sample", with(base, {"--beam", "1"}));
    INFO(one.err);
    REQUIRE(one.status == 0);
    CHECK(one.out == greedy.out);
    // Wider beams: the prime as given, then exactly --length characters and a newline; the
    // seed plays no part; an explicit --temperature 0 is accepted.
    for (const std::string K : {"5", "64"}) {
      const RunResult b = run_program(d, "sample", with(base, {"--beam", K, "--seed", "3"}));
      REQUIRE(b.status == 0);
      const std::size_t printed_prime = prime.empty() ? 0 : prime[1].size();
      CHECK(b.out.size() == printed_prime + 121);  // the corpus is ASCII
      CHECK(b.out.compare(0, printed_prime, prime.empty() ? "" : prime[1]) == 0);
      CHECK(b.out.back() == '\n');
      CHECK(run_program(d, "sample", with(base, {"--beam", K, "--seed", "4"})).out == b.out);
      CHECK(run_program(d, "sample", with(base, {"--beam", K, "--temperature", "0"})).out == b.out);
    }
  }
  // --beam 0 is sampling, and takes the sampling flags.
  CHECK(run_program(d, "sample", {ck, "--beam", "0", "--top-k", "3", "--length", "5"}).status == 0);

  struct Refused {
    std::vector<std::string> args;
    std::string message;
  };
  for (const Refused& r : std::vector<Refused>{
           {{"--temperature", "0.5"},
            "--beam and --temperature 0.5: beam search draws nothing (it scores at temperature "
            "1); leave --temperature out or give 0"},
           {{"--temperature", "1"},
            "--beam and --temperature 1: beam search draws nothing (it scores at temperature "
            "1); leave --temperature out or give 0"},
           {{"--top-k", "3"},
            "--beam and --top-k: beam search draws nothing, so --top-k does not "
            "apply"},
           {{"--top-k", "0"},
            "--beam and --top-k: beam search draws nothing, so --top-k does not "
            "apply"},
           {{"--top-p", "0.9"},
            "--beam and --top-p: beam search draws nothing, so --top-p does "
            "not apply"},
           {{"--length", "1000000"},
            "--beam 64 with --length 1000000 would keep 64000000 back-pointers; --length × "
            "--beam may be at most 33554432"}}) {
    std::vector<std::string> args = with({ck, "--beam", "64"}, r.args);
    const RunResult res = run_program(d, "sample", args);
    INFO(res.err);
    CHECK(res.status == 2);
    CHECK(res.one_error_line());
    CHECK(res.err == "sample: " + r.message + "\n");
    CHECK(res.out.empty());
  }
}

TEST_CASE("./sample --prime-from: the seed picks a window of the file, printed as the prime",
          "[sample]") {
  TempDir dir;
  const std::string d = dir.path.string();
  const std::string ck = trained_checkpoint(dir);
  const std::string text = read_file(dir.file("train.txt"));
  const std::string file = dir.file("train.txt");
  std::set<std::string> windows;
  for (const std::string seed : {"1", "2", "3", "4", "5"}) {
    const std::vector<std::string> args = {ck,   "--prime-from", file, "--length",
                                           "30", "--seed",       seed};
    const RunResult r = run_program(d, "sample", args);
    INFO(r.err);
    REQUIRE(r.status == 0);
    REQUIRE(r.out.size() == 40 + 30 + 1);  // ASCII: the window, the text, a newline
    const std::string window = r.out.substr(0, 40);
    CHECK(text.find(window) != std::string::npos);
    windows.insert(window);
    // The same seed, the same window and the same text.
    CHECK(run_program(d, "sample", args).out == r.out);
    // What follows is what --prime WINDOW gives with the same seed: the window's draw does not
    // disturb the sampler's.
    const RunResult primed =
        run_program(d, "sample", {ck, "--prime", window, "--length", "30", "--seed", seed});
    CHECK(primed.out == r.out);
  }
  CHECK(windows.size() >= 4);  // 5 draws among about 4,000 starts
  // --prime-length; a window as long as the file is the whole file; with --beam.
  RunResult r =
      run_program(d, "sample", {ck, "--prime-from", file, "--prime-length", "7", "--length", "3"});
  REQUIRE(r.status == 0);
  CHECK(r.out.size() == 7 + 3 + 1);
  CHECK(text.find(r.out.substr(0, 7)) != std::string::npos);
  const std::string small = dir.write("small.txt", "the cat sat.\n");
  r = run_program(d, "sample",
                  {ck, "--prime-from", small, "--prime-length", "13", "--length", "4"});
  REQUIRE(r.status == 0);
  CHECK(r.out.substr(0, 13) == "the cat sat.\n");
  r = run_program(d, "sample", {ck, "--prime-from", file, "--beam", "3", "--length", "10"});
  REQUIRE(r.status == 0);
  CHECK(text.find(r.out.substr(0, 40)) != std::string::npos);
}

TEST_CASE(
    "./sample --prime-from refuses a short file, an unknown character and --prime with one "
    "line",
    "[sample]") {
  TempDir dir;
  const std::string d = dir.path.string();
  const std::string ck = trained_checkpoint(dir);  // the text has no 'z'
  const std::string file = dir.file("train.txt");
  const std::string small = dir.write("small.txt", "the cat sat.\n");
  const std::string zoo = dir.write("zoo.txt", "the cat sat on the zoo.\n");
  struct Refused {
    std::vector<std::string> args;
    int status;
    std::string message;
  };
  for (const Refused& c : std::vector<Refused>{
           {{"--prime-from", small},
            1,
            small + ": has 13 characters, fewer than --prime-length 40"},
           {{"--prime-from", small, "--prime-length", "14"},
            1,
            small + ": has 13 characters, fewer than --prime-length 14"},
           {{"--prime-from", zoo, "--prime-length", "5"},
            1,
            zoo + ": character 'z' (U+007A) at position 19 is not in the vocabulary"},
           {{"--prime-from", dir.file("none.txt")}, 1, dir.file("none.txt") + ": no such file"},
           {{"--prime-from", file, "--prime", "the"},
            2,
            "--prime and --prime-from: give one of them"},
           {{"--prime", "the", "--prime-from", file},
            2,
            "--prime and --prime-from: give one of them"},
           {{"--prime-length", "5"},
            2,
            "--prime-length is the length of the --prime-from window; give --prime-from FILE "
            "too"}}) {
    const RunResult r = run_program(d, "sample", with({ck, "--length", "5"}, c.args));
    INFO(r.err);
    CHECK(r.status == c.status);
    CHECK(r.one_error_line());
    CHECK(r.err == "sample: " + c.message + "\n");
    CHECK(r.out.empty());
  }
}
