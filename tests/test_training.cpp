// The training program, run in-process: it learns, it resumes bit for bit, and every bad input
// gets one clear line and the right exit status.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "gru/gru.h"
#include "lstm/lstm.h"
#include "rnn/rnn.h"
#include "tests/catch.hpp"
#include "tests/helpers.h"
#include "tests/programs.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

using namespace charnn;
namespace fs = std::filesystem;
using charnn::testing::TempDir;

namespace {

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// Sentences from a tiny grammar: structured enough to learn in a few hundred steps.
std::string generated_corpus(std::size_t chars) {
  const char* subjects[] = {"the cat", "a dog", "my bird", "the old fox"};
  const char* verbs[] = {" sat on", " ran to", " looked at", " slept by"};
  const char* objects[] = {" the mat.\n", " a tree.\n", " the river.\n", " my house.\n"};
  Rng rng(3);
  std::string text;
  while (text.size() < chars)
    text += std::string(subjects[rng.below(4)]) + verbs[rng.below(4)] + objects[rng.below(4)];
  return text;
}

struct Result {
  int status;
  std::string err;
};

// Runs the trainer for Net with the given arguments; returns its exit status and stderr.
template <class Net>
Result train(std::vector<std::string> args) {
  args.insert(args.begin(), "train");
  std::vector<const char*> argv;
  for (const std::string& a : args)
    argv.push_back(a.c_str());
  std::ostringstream err;
  std::streambuf* old = std::cerr.rdbuf(err.rdbuf());
  Trainer<Net> trainer("train", nullptr);
  const int status = trainer.main(static_cast<int>(argv.size()), argv.data());
  std::cerr.rdbuf(old);
  return {status, err.str()};
}

const std::vector<std::string> kSmall = {"--hidden", "24", "--layers",  "1", "--seq-len", "20",
                                         "--batch",  "8",  "--minutes", "0", "--threads", "1",
                                         "--quiet"};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEMPLATE_TEST_CASE("training lowers the validation loss on a small generated corpus", "[training]",
                   Lstm<float>, Rnn<float>, Gru<float>) {
  TempDir dir;
  const std::string text = dir.file("text.txt"), ck = dir.file("m.ckpt");
  write(text, generated_corpus(20000));
  const Result r = train<TestType>(
      with({text, "--checkpoint", ck},
           with(kSmall, {"--steps", "300", "--eval-every", "100", "--lr", "0.01"})));
  INFO(r.err);
  REQUIRE(r.status == 0);
  const Checkpoint c = load_checkpoint(ck);
  CHECK(c.step == 300);
  const double uniform = std::log(static_cast<double>(c.vocabulary.size()));
  INFO("validation loss " << c.last_val_loss << ", uniform guess " << uniform);
  CHECK(c.last_val_loss < uniform - 1.5);
  CHECK(c.best_val_loss <= c.last_val_loss);
  CHECK(fs::exists(dir.file("m.best.ckpt")));
}

TEMPLATE_TEST_CASE("N steps, then resume to N+M, equals N+M steps bit for bit", "[training]",
                   Lstm<float>, Rnn<float>, Gru<float>) {
  TempDir dir;
  const std::string text = dir.file("text.txt");
  write(text, generated_corpus(8000));
  const auto common = with(kSmall, {"--eval-every", "4", "--layers", "2", "--dropout", "0.2"});
  REQUIRE(
      train<TestType>(with({text, "--steps", "13", "--checkpoint", dir.file("full.ckpt")}, common))
          .status == 0);
  REQUIRE(
      train<TestType>(with({text, "--steps", "6", "--checkpoint", dir.file("half.ckpt")}, common))
          .status == 0);
  const Result r =
      train<TestType>({text, "--resume", dir.file("half.ckpt"), "--steps", "13", "--checkpoint",
                       dir.file("resumed.ckpt"), "--minutes", "0", "--quiet"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const Checkpoint full = load_checkpoint(dir.file("full.ckpt"));
  const Checkpoint resumed = load_checkpoint(dir.file("resumed.ckpt"));
  CHECK(resumed.step == 13);
  CHECK(resumed.params == full.params);
  CHECK(resumed.optimizer_state == full.optimizer_state);
  CHECK(resumed.hidden_state == full.hidden_state);
  CHECK(resumed.data_positions == full.data_positions);
  CHECK(resumed.rng_state == full.rng_state);
  CHECK(resumed.last_val_loss == full.last_val_loss);
}

TEST_CASE("bad input to the trainer: one clear line and a non-zero status", "[training]") {
  TempDir dir;
  const std::string text = dir.file("text.txt");
  write(text, generated_corpus(6000));
  write(dir.file("empty.txt"), "");
  write(dir.file("bad.txt"), "good text\xff more");
  write(dir.file("short.txt"), "too short for a batch");
  fs::create_directories(dir.file("folder"));
  struct Case {
    std::vector<std::string> args;
    int status;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, 2, "train: missing FILE (see --help)"},
      {{text, "--bogus"}, 2, "train: unknown option '--bogus' (see --help)"},
      {{text, "--hidden", "0"}, 2, "train: --hidden: 0 is out of range (1 to 8192)"},
      {{text, "--hidden"}, 2, "train: --hidden: missing value (N)"},
      {{text, "--lr", "fast"}, 2, "train: --lr: expected a number, got 'fast'"},
      {{text, "--lr", "-1"}, 2, "train: --lr: -1 is out of range"},
      {{text, "--batch", "1e3"}, 2, "train: --batch: expected an integer, got '1e3'"},
      {{text, "--optimizer", "lbfgs"},
       2,
       "train: --optimizer: expected one of adam|adagrad|sgd|rmsprop, got 'lbfgs'"},
      {{text, "--val-frac", "1.5"}, 2, "train: --val-frac: 1.5 is out of range (0 to 0.9)"},
      {{dir.file("missing.txt")}, 1, "train: " + dir.file("missing.txt") + ": no such file"},
      {{dir.file("folder")}, 1, "is a directory"},
      {{dir.file("empty.txt")}, 1, "train: " + dir.file("empty.txt") + ": the file is empty"},
      {{dir.file("bad.txt")}, 1, ": invalid UTF-8 at byte 9 (0xff)"},
      {{dir.file("short.txt"), "--seq-len", "10"}, 1, "too few for --batch 8 streams"},
      {{text, "--val-frac", "0.001"}, 1, "characters, fewer than one window of --seq-len + 1 = 21"},
      {{text, "--checkpoint", dir.file("no/such/folder/m.ckpt"), "--steps", "1"},
       1,
       "cannot write checkpoint"},
      {{text, "--resume", dir.file("missing.ckpt")}, 1, "missing.ckpt: no such file"},
      {{text, "--resume", text}, 1, "not a charnn checkpoint (bad magic number)"},
  };
  for (const Case& c : cases) {
    const Result r = train<Lstm<float>>(with(kSmall, c.args));
    INFO("arguments: " << (c.args.empty() ? "" : c.args.back()) << "\nstderr: " << r.err);
    CHECK(r.status == c.status);
    CHECK(r.err.find(c.message) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // one line
  }
}

TEST_CASE("resuming refuses a different model or a changed setting", "[training]") {
  TempDir dir;
  const std::string text = dir.file("text.txt"), ck = dir.file("rnn.ckpt");
  write(text, generated_corpus(6000));
  REQUIRE(train<Rnn<float>>(with({text, "--steps", "2", "--checkpoint", ck}, kSmall)).status == 0);
  Result r = train<Lstm<float>>({text, "--resume", ck, "--quiet"});
  CHECK(r.status == 1);
  CHECK(r.err.find("holds a rnn model") != std::string::npos);
  r = train<Rnn<float>>({text, "--resume", ck, "--hidden", "64", "--quiet"});
  CHECK(r.status == 2);
  CHECK(r.err == "train: --hidden 64 conflicts with the checkpoint being resumed, which has 24\n");
  // Flipping one byte in the middle makes the checkpoint unreadable, with a clear message.
  std::string bytes;
  {
    std::ifstream in(ck, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes[bytes.size() / 2] ^= 0x10;
  write(dir.file("flipped.ckpt"), bytes);
  r = train<Rnn<float>>({text, "--resume", dir.file("flipped.ckpt"), "--quiet"});
  CHECK(r.status == 1);
  CHECK(r.err.find("checksum mismatch") != std::string::npos);
}

TEST_CASE("a run whose loss turns NaN stops with a message and saves nothing", "[training]") {
  // No sensible flag makes the loss NaN here (the softmax is stable and the learning rate is
  // bounded), so the test starts from a checkpoint with one NaN weight: the very first step's
  // loss is NaN, and the guard must stop the run before anything is written.
  TempDir dir;
  const std::string text = dir.file("text.txt"), ck = dir.file("m.ckpt");
  write(text, generated_corpus(6000));
  REQUIRE(train<Rnn<float>>(with({text, "--checkpoint", ck, "--steps", "2"}, kSmall)).status == 0);
  Checkpoint c = load_checkpoint(ck);
  c.params[0] = std::nanf("");
  save_checkpoint(dir.file("nan.ckpt"), c);
  const Result r = train<Rnn<float>>({text, "--resume", dir.file("nan.ckpt"), "--checkpoint",
                                      dir.file("out.ckpt"), "--steps", "10", "--quiet"});
  INFO(r.err);
  CHECK(r.status == 1);
  CHECK(r.err.find("NaN or infinite at step 3") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK_FALSE(fs::exists(dir.file("out.ckpt")));
}

TEST_CASE("the trainers' progress samples are --sample-length characters long", "[training]") {
  TempDir dir;
  std::string text;
  for (int n = 0; text.size() < 4000; ++n)
    text += n % 7 == 0 ? "\n" : n % 3 == 0 ? "ab " : "cab";
  const std::string file = dir.file("t.txt");
  std::ofstream(file, std::ios::binary) << text;
  for (const std::string program : {"train_rnn", "train_lstm"}) {
    for (const int length : {1, 17, 250}) {
      const charnn::testing::RunResult r = charnn::testing::run_program(
          dir.path.string(), program,
          {file, "--steps", "1", "--sample-every", "1", "--sample-length", std::to_string(length),
           "--hidden", "8", "--layers", "1", "--batch", "2", "--seq-len", "8", "--checkpoint",
           dir.file("m.ckpt")});
      INFO(program << " --sample-length " << length << "\n" << r.out << r.err);
      REQUIRE(r.status == 0);
      const std::string header = "--- sample at step 1 ---\n";
      const std::size_t begin = r.out.find(header);
      REQUIRE(begin != std::string::npos);
      const std::size_t from = begin + header.size(), end = r.out.find("\n---", from);
      REQUIRE(end != std::string::npos);
      CHECK(end - from == static_cast<std::size_t>(length));  // one byte per character here
    }
  }
}

TEMPLATE_TEST_CASE(
    "fine-tuning (--init-from) copies every weight, through each character's new id, into a "
    "model whose vocabulary gains the new text's characters",
    "[training]", Rnn<float>, Lstm<float>, Gru<float>) {
  using Model = LanguageModel<TestType>;
  const Vocabulary old_vocab = Vocabulary::from_text(U"\nabcd");
  const Vocabulary new_vocab = Vocabulary::from_text(U"\n(abcd)");  // ids of a..d move up by 1
  typename Model::Config cfg;
  cfg.vocab = old_vocab.size();
  cfg.hidden = 5;
  cfg.layers = 2;
  Model old_model(cfg);
  Rng rng(3);
  old_model.init(rng);
  Checkpoint ck;
  ck.model = TestType::kName;
  ck.vocabulary = old_vocab.symbols();
  ck.tensors = old_model.layout().tensors();
  ck.params.assign(old_model.params.begin(), old_model.params.end());

  cfg.vocab = new_vocab.size();
  Model model(cfg);
  model.init(rng);
  const std::vector<float> fresh(model.params.begin(), model.params.end());
  load_parameters_into_vocabulary(model, new_vocab, ck, "old.ckpt");

  // Every tensor: a dimension of V goes through the ids, the others match index for index.
  std::size_t copied = 0, kept_fresh = 0;
  const auto& old_tensors = old_model.layout().tensors();
  const auto& tensors = model.layout().tensors();
  REQUIRE(old_tensors.size() == tensors.size());
  for (std::size_t t = 0; t < tensors.size(); ++t) {
    const TensorInfo &a = old_tensors[t], &b = tensors[t];
    INFO(b.name);
    for (int r = 0; r < b.rows; ++r)
      for (int c = 0; c < b.cols; ++c) {
        auto old_index = [&](int i, int old_dim, int new_dim) {
          if (old_dim == new_dim) return i;          // not a vocabulary dimension
          return old_vocab.id(new_vocab.symbol(i));  // -1 for '(' and ')'
        };
        const int r_old = old_index(r, a.rows, b.rows), c_old = old_index(c, a.cols, b.cols);
        const std::size_t at = b.offset + static_cast<std::size_t>(r) * b.cols + c;
        if (r_old < 0 || c_old < 0) {
          CHECK(model.params[at] == fresh[at]);
          ++kept_fresh;
        } else {
          CHECK(model.params[at] ==
                old_model.params[a.offset + static_cast<std::size_t>(r_old) * a.cols + c_old]);
          ++copied;
        }
      }
  }
  CHECK(copied == old_model.params.size());  // nothing of the old model is lost
  CHECK(copied + kept_fresh == model.params.size());
  // The model computes the same logits for text made of the old characters.
  const std::vector<int> old_ids = old_vocab.encode(U"abca\ndb", "t");
  const std::vector<int> new_ids = new_vocab.encode(U"abca\ndb", "t");
  std::vector<float> s_old(old_model.state_layout(1).size(), 0.0f), s_new = s_old;
  CMat<float> y_old = old_model.logits(old_ids.data(), 1, 7, s_old.data(), s_old.data());
  const std::vector<float> first(y_old.data, y_old.data + static_cast<std::size_t>(7) * y_old.cols);
  CMat<float> y_new = model.logits(new_ids.data(), 1, 7, s_new.data(), s_new.data());
  for (int t = 0; t < 7; ++t)
    for (int k = 0; k < old_vocab.size(); ++k)
      CHECK(y_new.row(t)[new_vocab.id(old_vocab.symbol(k))] ==
            Approx(first[static_cast<std::size_t>(t) * y_old.cols + k]).margin(1e-6));
  CHECK(s_new == s_old);
}

TEST_CASE("fine-tuning (--init-from) starts a new run from a checkpoint's weights on another text",
          "[training]") {
  TempDir dir;
  const std::string text = dir.file("text.txt"), other = dir.file("other.txt");
  const std::string base = dir.file("base.ckpt"), tuned = dir.file("tuned.ckpt");
  write(text, generated_corpus(6000));
  write(other, "(" + generated_corpus(3000) + ")\n");
  REQUIRE(train<Lstm<float>>(with({text, "--steps", "5", "--checkpoint", base}, kSmall)).status ==
          0);
  const charnn::testing::RunResult run = charnn::testing::run_program(
      dir.path.string(), "train_lstm",
      {other, "--init-from", base, "--steps", "3", "--seq-len", "20", "--batch", "4",
       "--checkpoint", tuned, "--eval-every", "3", "--minutes", "0"});
  INFO(run.err);
  REQUIRE(run.status == 0);
  CHECK(run.out.find("starting from the weights of " + base +
                     "; characters of the text it lacks, added with fresh weights: '(' (U+0028), "
                     "')' (U+0029)\n") != std::string::npos);
  Result r;
  const Checkpoint b = load_checkpoint(base), t = load_checkpoint(tuned);
  CHECK(t.step == 3);  // a fresh step count, not 5 + 3
  CHECK(t.vocabulary.size() == b.vocabulary.size() + 2);
  CHECK(t.setting("hidden", tuned) == b.setting("hidden", base));
  CHECK(t.setting("batch", tuned) == "4");  // the new run's own training settings

  // The model's size and the way it reads text come from the checkpoint; asking for another
  // is refused, and so are --resume with --init-from and a checkpoint of the other model.
  r = train<Lstm<float>>({other, "--init-from", base, "--hidden", "64", "--quiet"});
  CHECK(r.status == 2);
  CHECK(r.err ==
        "train: --hidden 64 conflicts with --init-from " + base + ", whose model has 24\n");
  r = train<Lstm<float>>({other, "--init-from", base, "--lowercase", "--quiet"});
  CHECK(r.status == 2);
  CHECK(r.err ==
        "train: --lowercase 1 conflicts with --init-from " + base + ", whose model has 0\n");
  r = train<Lstm<float>>({other, "--init-from", base, "--resume", base, "--quiet"});
  CHECK(r.status == 2);
  CHECK(r.err.find("--resume and --init-from: give one of them") != std::string::npos);
  r = train<Rnn<float>>({other, "--init-from", base, "--quiet"});
  CHECK(r.status == 1);
  CHECK(r.err == "train: " + base + " holds a lstm model; fine-tune it with ./train_lstm\n");
  r = train<Lstm<float>>({other, "--init-from", dir.file("missing.ckpt"), "--quiet"});
  CHECK(r.status == 1);
}
