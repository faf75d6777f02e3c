#include "samples/evaluate_program.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <vector>

#include "lstm/lstm.h"
#include "rnn/rnn.h"
#include "train/checkpoint.h"
#include "train/data.h"
#include "train/model_io.h"
#include "util/progress.h"

namespace charnn {

namespace {

template <class Net>
int run(const EvaluateSettings& st, const Checkpoint& ck) {
  LanguageModel<Net> model(config_from_checkpoint<Net>(ck, st.checkpoint));
  load_parameters(model, ck, st.checkpoint);
  const TextCodec codec = codec_from_checkpoint(ck, st.checkpoint);
  const Vocabulary& vocab = codec.vocab();

  // Decoded straight into ids: the text is never held as code points (docs/robustness.md).
  const std::string bytes = read_text_file(st.file);
  std::size_t n = 0;
  for_each_code_point(bytes, st.file, [&n](char32_t, std::size_t) { ++n; });

  // Characters the model has never seen have no id: report them, then skip them (or stop).
  std::vector<int> ids;
  ids.reserve(n);
  std::size_t unknown = 0, position = 0;
  std::vector<char32_t> examples;
  for_each_code_point(bytes, st.file, [&](char32_t c, std::size_t) {
    c = codec.fold(c);
    const int id = vocab.id(c);
    ++position;
    if (id >= 0) {
      ids.push_back(id);
      return;
    }
    if (st.strict)
      throw TextError(st.file + ": character " + describe_char(c) + " at position " +
                      std::to_string(position - 1) +
                      " is not in the model's vocabulary (--strict)");
    ++unknown;
    if (examples.size() < 5 && std::find(examples.begin(), examples.end(), c) == examples.end())
      examples.push_back(c);
  });
  if (unknown > 0) {
    std::string list;
    for (char32_t e : examples)
      list += (list.empty() ? "" : ", ") + describe_char(e);
    std::cout << st.file << ": skipped " << format_count(static_cast<double>(unknown))
              << " characters outside the model's vocabulary (" << list << ")\n";
  }
  if (ids.size() < 2)
    throw TextError(st.file + ": fewer than 2 characters to evaluate (" +
                    std::to_string(ids.size()) + " in the vocabulary)");

  int T = st.seq_len > 0 ? st.seq_len : checkpoint_int(ck, "seq-len", st.checkpoint, 1, kMaxSeqLen);
  if (window_count(ids.size(), T) == 0) T = static_cast<int>(ids.size()) - 1;  // one window
  const double loss = window_loss(model, ids, T, kValidationBatch);
  const std::int64_t predictions = window_count(ids.size(), T) * T;
  char line[256];
  std::snprintf(line, sizeof line, "%.4f nats/char, %.4f bits/char over %s predictions", loss,
                loss / std::log(2.0), format_count(static_cast<double>(predictions)).c_str());
  std::cout << st.file << ": " << line << " (windows of " << T << ", zero initial state)\n";
  return 0;
}

}  // namespace

ArgParser evaluate_flags(EvaluateSettings& st) {
  ArgParser args("evaluate", "CHECKPOINT FILE [options]",
                 "Computes a trained model's loss on a text: the mean cross-entropy in nats and\n"
                 "bits per character, over consecutive windows of --seq-len characters, each\n"
                 "starting from a zero state (the definition training's validation loss uses).\n"
                 "Characters outside the model's vocabulary are reported and skipped.");
  args.add_positional("CHECKPOINT", &st.checkpoint, "a checkpoint file", true);
  args.add_positional("FILE", &st.file, "the text to evaluate (UTF-8)", true);
  args.add_int("seq-len", &st.seq_len, "window length (0: the one the model trained with)", 0,
               1000000);
  args.add_flag("strict", &st.strict, "fail on the first character outside the vocabulary");
  return args;
}

int evaluate_program(const EvaluateSettings& st) {
  const Checkpoint ck = load_checkpoint(st.checkpoint);
  if (ck.model == "lstm") return run<Lstm<float>>(st, ck);
  if (ck.model == "rnn") return run<Rnn<float>>(st, ck);
  throw CheckpointError(st.checkpoint + ": unknown model '" + ck.model + "'");
}

}  // namespace charnn
