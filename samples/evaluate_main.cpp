// ./evaluate CHECKPOINT FILE: the model's loss on a whole text, in nats and bits per character.
#include <cmath>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "core/checkpoint.h"
#include "core/cli.h"
#include "core/data.h"
#include "core/model_io.h"
#include "core/progress.h"
#include "lstm/lstm.h"
#include "rnn/rnn.h"

namespace {

using namespace charnn;

struct Settings {
  std::string checkpoint, file;
  int seq_len = 0;  // 0: the checkpoint's
  bool strict = false;
};

template <class Net>
int run(const Settings& st, const Checkpoint& ck) {
  LanguageModel<Net> model(config_from_checkpoint<Net>(ck, st.checkpoint));
  load_parameters(model, ck, st.checkpoint);
  const Vocabulary vocab(ck.vocabulary);

  const std::string bytes = read_file(st.file);
  std::u32string text = decode_utf8(bytes, st.file);
  if (ck.setting("lowercase", st.checkpoint) == "1") text = ascii_lowercase(text);

  // Characters the model has never seen have no id: report them, then skip them (or stop).
  std::vector<int> ids;
  ids.reserve(text.size());
  std::size_t unknown = 0;
  std::vector<char32_t> examples;
  for (std::size_t k = 0; k < text.size(); ++k) {
    const int id = vocab.id(text[k]);
    if (id >= 0) {
      ids.push_back(id);
      continue;
    }
    if (st.strict)
      throw TextError(st.file + ": character " + describe_char(text[k]) + " at position " +
                      std::to_string(k) + " is not in the model's vocabulary (--strict)");
    ++unknown;
    bool seen = false;
    for (char32_t e : examples)
      seen = seen || e == text[k];
    if (!seen && examples.size() < 5) examples.push_back(text[k]);
  }
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

  int T = st.seq_len > 0 ? st.seq_len : std::stoi(ck.setting("seq-len", st.checkpoint));
  if (window_count(ids.size(), T) == 0) T = static_cast<int>(ids.size()) - 1;  // one window
  const double loss = window_loss(model, ids, T, 64);
  const std::int64_t predictions = window_count(ids.size(), T) * T;
  char line[256];
  std::snprintf(line, sizeof line, "%.4f nats/char, %.4f bits/char over %s predictions", loss,
                loss / std::log(2.0), format_count(static_cast<double>(predictions)).c_str());
  std::cout << st.file << ": " << line << " (windows of " << T << ", zero initial state)\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Settings st;
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
  try {
    if (!args.parse(argc, argv, std::cout)) return 0;
    const Checkpoint ck = load_checkpoint(st.checkpoint);
    if (ck.model == "lstm") return run<Lstm<float>>(st, ck);
    if (ck.model == "rnn") return run<Rnn<float>>(st, ck);
    throw CheckpointError(st.checkpoint + ": unknown model '" + ck.model + "'");
  } catch (const UsageError& e) {
    std::cerr << "evaluate: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "evaluate: " << e.what() << "\n";
    return 1;
  }
}
