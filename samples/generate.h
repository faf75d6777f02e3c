// Generating text with a trained model: warm the state up on a prime text, then draw one
// character at a time and feed it back. Used by ./sample and by the trainers' progress samples.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/language_model.h"
#include "samples/sampler.h"
#include "train/text.h"

namespace charnn {

// Generates `length` characters after `prime` (which must be non-empty and inside the
// vocabulary: encode it with vocab.encode first). Every character is passed to `emit` as UTF-8
// as soon as it is drawn, so a caller can stream it; the whole text is also returned.
template <class Model>
std::string generate(Model& model, const Vocabulary& vocab, const std::vector<int>& prime,
                     int length, const SamplerOptions& opt, Rng& rng,
                     const std::function<void(const std::string&)>& emit = nullptr) {
  using S = typename Model::S;
  std::vector<S> state(model.state_layout(1).size(), S(0));
  std::vector<double> work;
  std::string out;
  // The prime, all at once: T = its length, B = 1; the state after it is carried on.
  CMat<S> y =
      model.logits(prime.data(), 1, static_cast<int>(prime.size()), state.data(), state.data());
  int next = sample_next(y.row(y.rows - 1), y.cols, opt, rng, work);
  for (int n = 0; n < length; ++n) {
    const std::string ch = encode_utf8(vocab.symbol(next));
    out += ch;
    if (emit) emit(ch);
    if (n + 1 == length) break;
    y = model.logits(&next, 1, 1, state.data(), state.data());
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
// `length` (--sample-length) characters at temperature 0.8 after the default prime.
template <class Model>
std::string progress_sample(Model& model, const Vocabulary& vocab, int length, Rng& rng) {
  SamplerOptions opt;
  opt.temperature = 0.8;
  return generate(model, vocab, default_prime(vocab), length, opt, rng);
}

}  // namespace charnn
