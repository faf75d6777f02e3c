// Writes the seed corpus of fuzz_checkpoint: real checkpoints, made at run time by the very
// training code of ./train_rnn, ./train_lstm and ./train_gru (charnn::Trainer) on a tiny text, so that no
// binary file needs to be committed and the seeds follow the format whenever it changes.
//
//   make_seeds WORK_DIR CORPUS_DIR
//
// WORK_DIR receives the training text and the checkpoints; CORPUS_DIR receives, for every
// checkpoint, "seed-NAME-file" (byte 'a', then the whole file: fuzz_checkpoint's whole-file
// mode) and "seed-NAME-payload" (byte 'b', then the payload, bytes 20 .. size-4: the mode in
// which the target adds the header and checksum itself).
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "gru/gru.h"
#include "lstm/lstm.h"
#include "rnn/rnn.h"
#include "train/checkpoint.h"
#include "train/text.h"
#include "train/trainer.h"
#include "util/files.h"

namespace {

void write(const std::string& path, const std::string& bytes) {
  const std::string failure = charnn::write_file_atomically(path, bytes.data(), bytes.size());
  if (!failure.empty()) throw std::runtime_error("cannot write " + path + ": " + failure);
}

// Both seeds of the checkpoint at `ckpt`.
void add_seeds(const std::string& ckpt, const std::string& corpus, const std::string& name) {
  const std::string file = charnn::read_file(ckpt);
  if (file.size() < 24) throw std::runtime_error(ckpt + " is too short");
  write(corpus + "/seed-" + name + "-file", "a" + file);
  write(corpus + "/seed-" + name + "-payload", "b" + file.substr(20, file.size() - 24));
}

// Trains for two steps with the program's own code and flags.
template <class Net>
void train(const std::string& program, std::vector<std::string> args) {
  std::vector<const char*> argv = {program.c_str()};
  for (const std::string& a : args)
    argv.push_back(a.c_str());
  charnn::Trainer<Net> trainer(program, nullptr);
  if (trainer.main(static_cast<int>(argv.size()), argv.data()) != 0)
    throw std::runtime_error(program + " failed");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_seeds WORK_DIR CORPUS_DIR\n");
    return 2;
  }
  const std::string work = argv[1], corpus = argv[2];
  try {
    // Some characters of two, three and four UTF-8 bytes, so the vocabulary has them.
    std::string text;
    for (int k = 0; k < 6; ++k)
      text += "To be, or not to be: caf\xC3\xA9 \xE4\xB8\xAD \xF0\x9F\x99\x82 that is it.\n";
    write(work + "/tiny.txt", text);
    const std::vector<std::string> common = {
        work + "/tiny.txt", "--batch", "2",         "--seq-len", "8",         "--steps", "2",
        "--eval-every",     "1",       "--minutes", "0",         "--threads", "1",       "--quiet"};
    struct Run {
      std::string name, model;
      std::vector<std::string> flags;
    };
    const std::vector<Run> runs = {
        {"rnn-adam", "rnn", {"--hidden", "4", "--layers", "1", "--optimizer", "adam"}},
        {"rnn-sgd-2layers", "rnn", {"--hidden", "2", "--layers", "2", "--optimizer", "sgd"}},
        {"lstm-adagrad", "lstm", {"--hidden", "2", "--layers", "1", "--optimizer", "adagrad"}},
        {"lstm-rmsprop-2layers",
         "lstm",
         {"--hidden", "2", "--layers", "2", "--optimizer", "rmsprop", "--lowercase"}},
        {"gru-adam-2layers", "gru", {"--hidden", "3", "--layers", "2", "--optimizer", "adam"}},
    };
    for (const Run& run : runs) {
      const std::string ckpt = work + "/" + run.name + ".ckpt";
      std::vector<std::string> args = common;
      args.insert(args.end(), run.flags.begin(), run.flags.end());
      args.insert(args.end(), {"--checkpoint", ckpt});
      if (run.model == "rnn")
        train<charnn::Rnn<float>>("train_rnn", args);
      else if (run.model == "gru")
        train<charnn::Gru<float>>("train_gru", args);
      else
        train<charnn::Lstm<float>>("train_lstm", args);
      add_seeds(ckpt, corpus, run.name);
    }
    // The smallest valid checkpoint: every field empty or zero (128 bytes).
    const std::string empty = work + "/empty.ckpt";
    charnn::save_checkpoint(empty, charnn::Checkpoint());
    add_seeds(empty, corpus, "empty");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
