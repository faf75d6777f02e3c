// Record resets (--reset-at): where records start in a text, how the batches carry the flags,
// and that training, evaluation and sampling all start a record from a zero state. The models'
// side, (R4), (RB8), (L8) and (LB17), is checked in tests/test_gradcheck.cpp and against the
// textbook twins (tests/test_textbook.cpp).
#include <algorithm>
#include <string>
#include <vector>

#include "lstm/lstm.h"
#include "rnn/rnn.h"
#include "samples/beam_search.h"
#include "samples/generate.h"
#include "tests/catch.hpp"
#include "tests/helpers.h"
#include "tests/programs.h"
#include "train/checkpoint.h"
#include "train/data.h"
#include "train/model_io.h"
#include "train/text.h"

using namespace charnn;
using charnn::testing::contains;
using charnn::testing::random_model;
using charnn::testing::run_program;
using charnn::testing::RunResult;
using charnn::testing::TempDir;
using charnn::testing::with;

namespace {

using Flags = std::vector<unsigned char>;

// Poems of three short lines, one blank line between them: the haikus' shape.
std::string poems(int count) {
  const char* lines[] = {"the old pond\n", "a frog jumps in\n", "sound of water\n",
                         "winter wind\n",  "the moon sets\n",   "on the mat\n"};
  Rng rng(3);
  std::string text;
  for (int p = 0; p < count; ++p) {
    for (int l = 0; l < 3; ++l)
      text += lines[rng.below(6)];
    text += "\n";
  }
  return text;
}

}  // namespace

TEST_CASE("record_starts flags the last character of every occurrence of the separator",
          "[records]") {
  const std::vector<int> ids = {5, 1, 1, 5, 1, 1, 1, 2};
  CHECK(record_starts(ids, {1, 1}) == Flags{0, 0, 1, 0, 0, 1, 1, 0});  // overlaps count
  CHECK(record_starts(ids, {5}) == Flags{1, 0, 0, 1, 0, 0, 0, 0});     // at position 0 too
  CHECK(record_starts(ids, {}).empty());  // no separator: no flags, not a byte per character
  CHECK(record_starts(ids, {2, 3}) == Flags(ids.size(), 0));
  CHECK(record_starts({1}, {1, 1}) == Flags{0});  // shorter than the separator
}

TEST_CASE("the escapes of --reset-at read and write back", "[records]") {
  CHECK(unescape("\\n\\n", "x") == "\n\n");
  CHECK(unescape("a\\tb\\r\\\\", "x") == "a\tb\r\\");
  CHECK(escape("\n\n") == "\\n\\n");
  CHECK(escape(unescape("--\\n\\\\", "x")) == "--\\n\\\\");
  CHECK_THROWS_WITH(unescape("\\x", "--reset-at"),
                    "--reset-at: '\\x' is not an escape this program reads (\\n, \\t, \\r and "
                    "\\\\ are)");
  CHECK_THROWS_AS(unescape("ends with \\", "--reset-at"), TextError);
}

TEST_CASE("the batcher hands on the record starts of the characters it reads", "[records]") {
  std::vector<int> ids(41);
  for (std::size_t i = 0; i < ids.size(); ++i)
    ids[i] = i % 5 == 4 ? 0 : 1 + static_cast<int>(i % 3);
  const Flags starts = record_starts(ids, {0});
  const Batcher batcher(ids, 2, 4, &starts);
  std::vector<int> x, y;
  Flags r;
  for (std::int64_t k = 0; k < 6; ++k) {
    const Batch batch = batcher.chunk(k, x, y, &r);
    REQUIRE(batch.resets == r.data());
    for (int i = 0; i < 8; ++i)
      CHECK(r[i] == (x[i] == 0 ? 1 : 0));  // the separator is one id, 0: it starts a record
  }
  const Batcher plain(ids, 2, 4);
  CHECK(plain.chunk(0, x, y).resets == nullptr);
}

TEST_CASE("after a record separator a sample does not depend on what came before", "[records]") {
  // Two primes that differ before the separator: with the separator the state is zeroed at its
  // last character, so the same seed draws the same continuation, and beam search finds the
  // same one; without it, the earlier characters still shape what follows.
  Rng rng(5);
  auto model = random_model<Lstm<float>>(4, 8, 2, rng, 1.0);
  const Vocabulary vocab(std::vector<char32_t>{U'\n', U'a', U'b', U'c'});
  const std::vector<int> separator = {0, 0};
  const std::vector<int> one = {1, 2, 3, 1, 0, 0}, other = {3, 3, 2, 0, 0};
  SamplerOptions opt;
  auto draw = [&](const std::vector<int>& prime, const std::vector<int>& sep) {
    Rng r(11);
    return generate(model, vocab, prime, 60, opt, r, nullptr, sep);
  };
  CHECK(draw(one, separator) == draw(other, separator));
  CHECK(draw(one, {}) != draw(other, {}));
  CHECK(beam_search(model, one, 3, 12, separator).ids ==
        beam_search(model, other, 3, 12, separator).ids);
  CHECK(beam_search(model, one, 3, 12, separator).score ==
        Approx(beam_search(model, other, 3, 12, separator).score));

  // Separators the sampler writes start records too: greedy text from "\n\n" repeats itself
  // after every "\n\n" it writes, since the state there is the one it started from.
  SamplerOptions greedy;
  greedy.temperature = 0;
  bool found = false;
  for (std::uint64_t seed = 1; seed < 200 && !found; ++seed) {
    Rng w(seed);
    auto m = random_model<Rnn<float>>(4, 6, 1, w, 1.5);
    Rng r(1);
    const std::string g = generate(m, vocab, separator, 80, greedy, r, nullptr, separator);
    const std::size_t blank = g.find("\n\n");
    if (blank == std::string::npos || blank + 2 >= g.size()) continue;
    found = true;
    const std::string after = g.substr(blank + 2);
    CHECK(after == g.substr(0, after.size()));
  }
  REQUIRE(found);
}

TEST_CASE("train, evaluate and sample with --reset-at: stored, reused, refused when wrong",
          "[records][robustness]") {
  TempDir dir;
  const std::string d = dir.path.string();
  const std::string text = dir.write("poems.txt", poems(120));
  const std::vector<std::string> tiny = {"--hidden",  "8",  "--layers",  "1", "--batch", "2",
                                         "--seq-len", "16", "--minutes", "0", "--steps", "3"};
  const std::string ck = dir.file("r.ckpt"), plain = dir.file("p.ckpt");
  RunResult r =
      run_program(d, "train_lstm", with({text, "--reset-at", "\\n\\n", "--checkpoint", ck}, tiny));
  INFO(r.err << r.out);
  REQUIRE(r.status == 0);
  const std::string body = poems(120);
  const std::size_t n_train = body.size() * 9 / 10;  // the first 90% train (ASCII: bytes)
  int blank_lines = 0;
  for (std::size_t i = 1; i < n_train; ++i)
    blank_lines += body[i - 1] == '\n' && body[i] == '\n';
  CHECK(contains(r.out, "record resets: the state is zeroed at each '\\n\\n', " +
                            std::to_string(blank_lines) + " times in the training text"));
  CHECK(load_checkpoint(ck).setting("reset-at", ck) == "\\n\\n");
  // Typed with real newlines, it is stored the same way.
  r = run_program(d, "train_lstm", with({text, "--reset-at", "\n\n", "--checkpoint", plain}, tiny));
  REQUIRE(r.status == 0);
  CHECK(load_checkpoint(plain).setting("reset-at", plain) == "\\n\\n");
  r = run_program(d, "train_lstm", with({text, "--checkpoint", plain}, tiny));
  REQUIRE(r.status == 0);
  CHECK(load_checkpoint(plain).setting("reset-at", plain).empty());

  // ./evaluate starts a record where training did; the same weights without the setting
  // score the text another way.
  r = run_program(d, "evaluate", {ck, text});
  REQUIRE(r.status == 0);
  CHECK(contains(r.out, "and from a zero state at every record separator '\\n\\n'"));
  Checkpoint no_resets = load_checkpoint(ck);  // as a checkpoint from before --reset-at
  no_resets.config.erase(std::remove_if(no_resets.config.begin(), no_resets.config.end(),
                                        [](const auto& kv) { return kv.first == "reset-at"; }),
                         no_resets.config.end());
  const std::string old = dir.file("old.ckpt");
  save_checkpoint(old, no_resets);
  const RunResult without = run_program(d, "evaluate", {old, text});
  REQUIRE(without.status == 0);
  CHECK_FALSE(contains(without.out, "record separator"));
  CHECK(r.out != without.out);
  // --reset-at overrides the checkpoint's: '' scores as the old checkpoint, '\n\n' as the new.
  CHECK(run_program(d, "evaluate", {ck, text, "--reset-at", ""}).out == without.out);
  CHECK(run_program(d, "evaluate", {old, text, "--reset-at", "\\n\\n"}).out == r.out);
  const RunResult bad = run_program(d, "evaluate", {ck, text, "--reset-at", "\\z"});
  CHECK(bad.status == 2);
  CHECK(bad.one_error_line());
  // ... and that old checkpoint resumes as a run without record resets.
  r = run_program(d, "train_lstm", with({text, "--resume", old, "--checkpoint", old}, tiny));
  INFO(r.err);
  CHECK(r.status == 0);

  // ./sample and --beam read the setting from the checkpoint and run.
  CHECK(run_program(d, "sample", {ck, "--length", "50", "--prime", "the old pond\n\n"}).status ==
        0);
  CHECK(run_program(d, "sample", {ck, "--length", "20", "--beam", "3"}).status == 0);

  // Refusals: one line each.
  r = run_program(d, "train_lstm", with({text, "--reset-at", "\\q"}, tiny));
  CHECK(r.status == 2);
  CHECK(r.err ==
        "train_lstm: --reset-at: '\\q' is not an escape this program reads (\\n, \\t, \\r and "
        "\\\\ are)\n");
  r = run_program(d, "train_lstm", with({text, "--reset-at", "%"}, tiny));
  CHECK(r.status == 1);
  CHECK(r.err ==
        "train_lstm: --reset-at '%' does not occur in the training text of " + text + "\n");
  r = run_program(d, "train_lstm", with({text, "--reset-at", "\\n\\n\\n"}, tiny));
  CHECK(r.status == 1);
  CHECK(r.err ==
        "train_lstm: --reset-at '\\n\\n\\n' does not occur in the training text of " + text + "\n");
  r = run_program(d, "train_lstm", with({text, "--resume", ck, "--reset-at", "\\n"}, tiny));
  CHECK(r.status == 2);
  CHECK(r.err ==
        "train_lstm: --reset-at \\n conflicts with the checkpoint being resumed, which has "
        "\\n\\n\n");
}
