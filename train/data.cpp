#include "train/data.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace charnn {

Corpus load_corpus(const std::string& path, double val_frac, const TextCodec& codec) {
  // Memory: the file's bytes and one int per character, nothing else of the text's size; the
  // bytes are decoded twice (once for the alphabet and the count, once into ids) instead of
  // being kept as code points (docs/robustness.md, "Large input").
  const std::string bytes = read_text_file(path);
  Corpus corpus;
  std::size_t n = 0;
  if (codec.vocab().size() > 0) {
    corpus.vocab = codec.vocab();
    codec.for_each_char(bytes, path, [&n](char32_t) { ++n; });
  } else {
    std::vector<unsigned char> seen(0x110000, 0);  // one flag per code point
    codec.for_each_char(bytes, path, [&](char32_t c) {
      seen[c] = 1;
      ++n;
    });
    corpus.vocab = Vocabulary::from_present(seen);
  }
  const std::size_t n_train =
      static_cast<std::size_t>(std::floor(static_cast<double>(n) * (1.0 - val_frac)));
  corpus.train.reserve(n_train);
  corpus.val.reserve(n - n_train);
  std::size_t k = 0;
  codec.for_each_char(bytes, path, [&](char32_t c) {
    const int id = corpus.vocab.id(c);
    if (id < 0)
      throw TextError(path + ": character " + describe_char(c) + " at position " +
                      std::to_string(k) + " is not in the vocabulary");
    (k < n_train ? corpus.train : corpus.val).push_back(id);
    ++k;
  });
  return corpus;
}

std::vector<unsigned char> record_starts(const std::vector<int>& ids,
                                         const std::vector<int>& separator) {
  const std::size_t k = separator.size();
  if (k == 0) return {};
  std::vector<unsigned char> starts(ids.size(), 0);
  for (std::size_t i = k - 1; i < ids.size(); ++i)
    starts[i] = std::equal(separator.begin(), separator.end(), ids.begin() + (i + 1 - k)) ? 1 : 0;
  return starts;
}

Batcher::Batcher(const std::vector<int>& ids, int B, int T,
                 const std::vector<unsigned char>* starts)
    : ids_(&ids), starts_(starts), B_(B), T_(T) {
  if (starts_ && starts_->size() != ids.size())
    throw std::logic_error("Batcher: one record-start flag per character");
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

Batch Batcher::chunk(std::int64_t k, std::vector<int>& x, std::vector<int>& y,
                     std::vector<unsigned char>* r) const {
  if (starts_ && !r) throw std::logic_error("Batcher::chunk: record starts need r");
  const std::int64_t c = k % chunks_;
  x.resize(static_cast<std::size_t>(T_) * B_);
  y.resize(x.size());
  if (starts_) r->resize(x.size());
  for (int b = 0; b < B_; ++b) {
    const std::int64_t start = b * segment_ + c * T_;
    for (int t = 0; t < T_; ++t) {
      const std::size_t i = static_cast<std::size_t>(t) * B_ + b;
      x[i] = (*ids_)[static_cast<std::size_t>(start + t)];
      y[i] = (*ids_)[static_cast<std::size_t>(start + t + 1)];
      if (starts_) (*r)[i] = (*starts_)[static_cast<std::size_t>(start + t)];
    }
  }
  return Batch{B_, T_, x.data(), y.data(), starts_ ? r->data() : nullptr};
}

}  // namespace charnn
