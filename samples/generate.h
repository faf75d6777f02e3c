// Generating text with a trained model: warm the state up on a prime text, then draw one
// character at a time and feed it back. Used by ./sample and by the trainers' progress samples.
#pragma once

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "core/language_model.h"
#include "samples/sampler.h"
#include "train/data.h"
#include "train/text.h"

namespace charnn {

// Generates `length` characters after `prime` (which must be non-empty and inside the
// vocabulary: encode it with vocab.encode first). Every character is passed to `emit` as UTF-8
// as soon as it is drawn, so a caller can stream it; the whole text is also returned.
// separator: the record separator the model trained with (--reset-at), or empty. The state is
// then zeroed where the text, prime and generated characters together, completes it, before
// that last character is read: a new record starts as it did in training (record_starts).
template <class Model>
std::string generate(Model& model, const Vocabulary& vocab, const std::vector<int>& prime,
                     int length, const SamplerOptions& opt, Rng& rng,
                     const std::function<void(const std::string&)>& emit = nullptr,
                     const std::vector<int>& separator = {}) {
  using S = typename Model::S;
  std::vector<S> state(model.state_layout(1).size(), S(0));
  std::vector<double> work;
  std::string out;
  // The last separator.size() characters read, to see a record start as it comes.
  std::vector<int> recent(
      prime.end() - static_cast<std::ptrdiff_t>(std::min(prime.size(), separator.size())),
      prime.end());
  // The prime, all at once: T = its length, B = 1; the state after it is carried on.
  const std::vector<unsigned char> starts = record_starts(prime, separator);
  CMat<S> y = model.logits(prime.data(), 1, static_cast<int>(prime.size()), state.data(),
                           state.data(), separator.empty() ? nullptr : starts.data());
  int next = sample_next(y.row(y.rows - 1), y.cols, opt, rng, work);
  for (int n = 0; n < length; ++n) {
    const std::string ch = encode_utf8(vocab.symbol(next));
    out += ch;
    if (emit) emit(ch);
    if (n + 1 == length) break;
    unsigned char start = 0;  // whether `next` completes the separator: (R4), (L8) at it
    if (!separator.empty()) {
      if (recent.size() == separator.size()) recent.erase(recent.begin());
      recent.push_back(next);
      start = recent == separator ? 1 : 0;
    }
    y = model.logits(&next, 1, 1, state.data(), state.data(), separator.empty() ? nullptr : &start);
    next = sample_next(y.row(0), y.cols, opt, rng, work);
  }
  return out;
}

// The prime used when the user gives none: a newline when the vocabulary has one (text then
// starts the way a new line of the corpus does), else the first character of the vocabulary.
inline std::vector<int> default_prime(const Vocabulary& vocab) {
  return {vocab.contains(U'\n') ? vocab.id(U'\n') : 0};
}

// The sample the trainers print every --sample-every steps (train/trainer.h's SampleFn):
// `length` (--sample-length) characters at temperature 0.8 after the default prime, with the
// run's record separator (empty without --reset-at).
template <class Model>
std::string progress_sample(Model& model, const Vocabulary& vocab,
                            const std::vector<int>& separator, int length, Rng& rng) {
  SamplerOptions opt;
  opt.temperature = 0.8;
  return generate(model, vocab, default_prime(vocab), length, opt, rng, nullptr, separator);
}

}  // namespace charnn
