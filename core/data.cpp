#include "core/data.h"

#include <cmath>

namespace charnn {

Corpus load_corpus(const std::string& path, double val_frac, bool lowercase,
                   const Vocabulary& vocab) {
  const std::string bytes = read_file(path);
  if (bytes.empty()) throw TextError(path + ": the file is empty");
  std::u32string text = decode_utf8(bytes, path);
  if (lowercase) text = ascii_lowercase(std::move(text));
  Corpus c;
  c.vocab = vocab.size() > 0 ? vocab : Vocabulary::from_text(text);
  const std::vector<int> ids = c.vocab.encode(text, path);
  const std::size_t n_train =
      static_cast<std::size_t>(std::floor(static_cast<double>(ids.size()) * (1.0 - val_frac)));
  c.train.assign(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(n_train));
  c.val.assign(ids.begin() + static_cast<std::ptrdiff_t>(n_train), ids.end());
  return c;
}

Batcher::Batcher(const std::vector<int>& ids, int B, int T) : ids_(&ids), B_(B), T_(T) {
  // Stream b reads inputs from [b*segment, b*segment + segment) and targets one further on.
  segment_ = ids.empty() ? 0 : static_cast<std::int64_t>(ids.size() - 1) / B;
  chunks_ = segment_ / T;
  if (chunks_ < 1)
    throw TextError("the training text has " + std::to_string(ids.size()) +
                    " characters, too few for --batch " + std::to_string(B) + " streams of " +
                    "--seq-len " + std::to_string(T) + " (it needs at least " +
                    std::to_string(static_cast<std::int64_t>(B) * T + 1) +
                    "); use a longer text or smaller values");
}

Batch Batcher::chunk(std::int64_t k, std::vector<int>& x, std::vector<int>& y) const {
  const std::int64_t c = k % chunks_;
  x.resize(static_cast<std::size_t>(T_) * B_);
  y.resize(x.size());
  for (int b = 0; b < B_; ++b) {
    const std::int64_t start = b * segment_ + c * T_;
    for (int t = 0; t < T_; ++t) {
      const std::size_t i = static_cast<std::size_t>(t) * B_ + b;
      x[i] = (*ids_)[static_cast<std::size_t>(start + t)];
      y[i] = (*ids_)[static_cast<std::size_t>(start + t + 1)];
    }
  }
  return Batch{B_, T_, x.data(), y.data()};
}

}  // namespace charnn
