#include "samples/evaluate_program.h"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "gru/gru.h"
#include "lstm/lstm.h"
#include "rnn/rnn.h"
#include "train/checkpoint.h"
#include "train/data.h"
#include "train/model_io.h"
#include "util/progress.h"

namespace charnn {

namespace {

// The characters of a text that are not in the model's vocabulary, with how often each occurs.
struct UnknownCharacters {
  static constexpr std::size_t kListed = 5;  // the message names this many, the first to appear

  std::size_t occurrences = 0;                         // every one counted
  std::vector<std::pair<char32_t, std::size_t>> seen;  // each character and its count, in the
                                                       // order of first appearance
  std::unordered_map<char32_t, std::size_t> index;     // where a character is in `seen`

  void add(char32_t c) {
    ++occurrences;
    const auto [it, is_new] = index.emplace(c, seen.size());
    if (is_new) seen.emplace_back(c, 0);
    ++seen[it->second].second;
  }

  // "skipped 3 occurrences of 2 characters not in the model's vocabulary: 'z' (U+007A) twice,
  // 'b' (U+0062) once"; with more than kListed characters, "...; the first 5 in the text: ...".
  std::string message() const {
    auto count = [](std::size_t k, const char* one, const char* many) {
      return format_count(static_cast<double>(k)) + " " + (k == 1 ? one : many);
    };
    std::string text = "skipped " + count(occurrences, "occurrence", "occurrences") + " of " +
                       count(seen.size(), "character", "characters") +
                       " not in the model's vocabulary";
    text +=
        seen.size() > kListed ? "; the first " + std::to_string(kListed) + " in the text: " : ": ";
    for (std::size_t k = 0; k < seen.size() && k < kListed; ++k) {
      const std::size_t times = seen[k].second;
      text += (k > 0 ? ", " : "") + describe_char(seen[k].first) + " " +
              (times == 1   ? std::string("once")
               : times == 2 ? std::string("twice")
                            : format_count(static_cast<double>(times)) + " times");
    }
    return text;
  }
};

template <class Net>
int run(const EvaluateSettings& st, const Checkpoint& ck) {
  LanguageModel<Net> model(config_from_checkpoint<Net>(ck, st.checkpoint));
  load_parameters(model, ck, st.checkpoint);
  const TextCodec codec = codec_from_checkpoint(ck, st.checkpoint);
  const Vocabulary& vocab = codec.vocab();

  // Decoded straight into ids: the text is never held as code points (docs/robustness.md).
  const std::string bytes = read_text_file(st.file);
  std::size_t n = 0;
  codec.for_each_char(bytes, st.file, [&n](char32_t) { ++n; });

  // Characters the model has never seen have no id: counted, then skipped (or, with --strict,
  // the first one stops it). The rest are scored as one text, as if the skipped ones were not
  // there.
  std::vector<int> ids;
  ids.reserve(n);
  std::size_t position = 0;
  UnknownCharacters unknown;
  codec.for_each_char(bytes, st.file, [&](char32_t c) {
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
    unknown.add(c);
  });
  if (unknown.occurrences > 0) std::cout << st.file << ": " << unknown.message() << "\n";
  if (ids.size() < 2) {
    // read_text_file refused an empty file, so this is a 1-character file, or a file left with
    // 0 or 1 characters once the unknown ones are skipped.
    std::string what = "has only 1 character";
    if (unknown.occurrences > 0)
      what = ids.empty() ? "has no character in the model's vocabulary"
                         : "has only 1 character in the model's vocabulary";
    throw TextError(st.file + ": " + what +
                    "; evaluating needs at least 2 (one to read, one to predict)");
  }

  // Windows of T + 1 characters, window w reading ids [w*T, w*T + T] (train/data.h); a text too
  // short for one is a single window of all its characters.
  int T = st.seq_len > 0 ? st.seq_len : checkpoint_int(ck, "seq-len", st.checkpoint, 1, kMaxSeqLen);
  if (window_count(ids.size(), T) == 0) T = static_cast<int>(ids.size()) - 1;
  // A model trained with --reset-at starts a record at each separator, as in training, unless
  // --reset-at says otherwise.
  std::vector<int> separator = separator_from_checkpoint(ck, codec, st.checkpoint);
  if (st.reset_at_given) {
    try {
      separator = separator_ids(escape(unescape(st.reset_at, "--reset-at")), codec, "--reset-at");
    } catch (const TextError& e) {
      throw UsageError(e.what());
    }
  }
  const std::vector<unsigned char> starts = record_starts(ids, separator);
  const double loss =
      window_loss(model, ids, T, kValidationBatch, separator.empty() ? nullptr : &starts);
  const std::int64_t windows = window_count(ids.size(), T);
  const std::int64_t predictions = windows * T;
  char line[256];
  std::snprintf(line, sizeof line, "%.4f nats/char, %.4f bits/char over %s predictions", loss,
                loss / std::log(2.0), format_count(static_cast<double>(predictions)).c_str());
  std::cout << st.file << ": " << line << " (" << format_count(static_cast<double>(windows))
            << (windows == 1 ? " window of " : " windows of ") << T + 1 << " characters, "
            << (windows == 1 ? "from" : "each from") << " a zero state"
            << (separator.empty() ? ""
                                  : ", and from a zero state at every record separator '" +
                                        escape(encode_utf8(vocab.decode(separator))) + "'")
            << ")\n";
  return 0;
}

}  // namespace

ArgParser evaluate_flags(EvaluateSettings& st) {
  ArgParser args("evaluate", "CHECKPOINT FILE [options]",
                 "Computes a trained model's loss on a text: the mean cross-entropy, in nats and\n"
                 "bits per character, over every prediction of every window. With T = --seq-len,\n"
                 "window w (from 0) holds characters w*T to w*T + T: T + 1 characters, the last\n"
                 "one of a window being the first of the next. Each window starts from a zero\n"
                 "state and makes T predictions: each of its characters after the first, from the\n"
                 "ones before it in the window. The characters after the last whole window are\n"
                 "not scored; a text of fewer than T + 1 characters is one window of all of them.\n"
                 "This is how training's validation loss is defined.\n"
                 "The text is read as the model's training text was: \\r\\n as \\n unless it\n"
                 "trained with --keep-crlf, and A-Z folded to a-z if it trained with --lowercase.\n"
                 "Characters that are then not in the model's vocabulary are counted, reported\n"
                 "and skipped: the others are scored as one text, as if the skipped ones were not\n"
                 "there. A model trained with --reset-at also starts from a zero state at every\n"
                 "record separator inside a window.");
  args.add_positional("CHECKPOINT", &st.checkpoint, "a checkpoint file", true);
  args.add_positional("FILE", &st.file, "the text to evaluate (UTF-8)", true);
  args.add_int("seq-len", &st.seq_len,
               "T, the predictions per window (0: the --seq-len the model trained with)", 0,
               1000000);
  args.add_flag("strict", &st.strict, "fail on the first character outside the vocabulary");
  args.add_string("reset-at", &st.reset_at,
                  "start a record (a zero state) at each occurrence of TEXT, as ./train_lstm "
                  "--reset-at does, instead of where the model trained to ('' for nowhere; "
                  "default: the checkpoint's setting)");
  return args;
}

int evaluate_program(const EvaluateSettings& st) {
  const Checkpoint ck = load_checkpoint(st.checkpoint);
  if (ck.model == "lstm") return run<Lstm<float>>(st, ck);
  if (ck.model == "rnn") return run<Rnn<float>>(st, ck);
  if (ck.model == "gru") return run<Gru<float>>(st, ck);
  throw CheckpointError(st.checkpoint + ": unknown model '" + ck.model + "'");
}

}  // namespace charnn
