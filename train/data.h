// From a text file to minibatches: decode, vocabulary, train/validation split, and the
// streams that cut the training text into (T,B) chunks.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/batch.h"
#include "train/text.h"

namespace charnn {

struct Corpus {
  Vocabulary vocab;
  std::vector<int> train;  // the first (1 - val_frac) of the characters
  std::vector<int> val;    // the rest
};

// Reads and decodes `path` (UTF-8, BOM dropped), folds it as `codec` does (case, CRLF:
// TextCodec::for_each_char), builds the vocabulary from the whole text (or uses the codec's
// when it is not empty, as on resume and with --init-from), and splits it. Errors are TextError
// with one line naming the file.
Corpus load_corpus(const std::string& path, double val_frac, const TextCodec& codec);

// B streams read the training text side by side: stream b owns the b-th of B equal segments
// and reads it T characters at a time, so the hidden state it carries from one chunk to the
// next belongs to the text that follows (truncated backpropagation through time). An epoch is
// the number of chunks that fit in a segment; then every stream starts its segment again.
// Record boundaries (--reset-at): flag i is 1 when ids[i] is the last character of an
// occurrence of `separator` (occurrences may overlap), 0 elsewhere; no flags at all (an empty
// vector, not one byte per character) when the separator is empty. A record starts there: the state is zeroed before ids[i] is read ((R4), (L8)), so
// the record's first prediction, made after its separator, starts from nothing but that
// character, as a sample from a fresh state after "\n" does.
std::vector<unsigned char> record_starts(const std::vector<int>& ids,
                                         const std::vector<int>& separator);

class Batcher {
 public:
  // Throws TextError when the text is too short for B segments of at least T+1 characters.
  // starts: null, or record_starts(ids, ·), which chunk() then hands on as Batch::resets.
  Batcher(const std::vector<int>& ids, int B, int T,
          const std::vector<unsigned char>* starts = nullptr);

  int B() const { return B_; }
  int T() const { return T_; }
  std::int64_t chunks_per_epoch() const { return chunks_; }

  // Chunk number `k` (counting across epochs) into x and y, each T*B ids, time-major
  // (index t*B + b): x the characters read, y the characters that follow them; with record
  // starts, their flags for x into r (which must then be given) as the batch's resets.
  Batch chunk(std::int64_t k, std::vector<int>& x, std::vector<int>& y,
              std::vector<unsigned char>* r = nullptr) const;

 private:
  const std::vector<int>* ids_;
  const std::vector<unsigned char>* starts_;
  int B_, T_;
  std::int64_t segment_;  // characters per stream
  std::int64_t chunks_;   // chunks per epoch
};

// Validation windows, as the peer trainer and published Tiny Shakespeare results define them:
// the text is cut into windows of T+1 characters that overlap by one (T predictions each, the
// last partial window dropped), and each window starts from a zero state. Returns how many
// windows there are; window w reads ids [w*T, w*T + T] inclusive, so its last id is the first
// of window w+1. docs/training.md, "Validation", works an example.
inline std::int64_t window_count(std::size_t n, int T) {
  return n < 2 ? 0 : static_cast<std::int64_t>((n - 1) / static_cast<std::size_t>(T));
}

// Validation windows run this many at a time: the trainers' validation, ./compare's, ./evaluate
// and the memory estimate (train/memory.cpp) use it.
constexpr int kValidationBatch = 64;

// Mean loss over every window of `ids`, in nats per character, computed B windows at a time
// with the model's own loss() (so the definition is the training loss's). starts: null, or
// record_starts(ids, ·): records start inside the windows too.
template <class Model>
double window_loss(Model& model, const std::vector<int>& ids, int T, int B,
                   const std::vector<unsigned char>* starts = nullptr) {
  using S = typename Model::S;
  const std::int64_t windows = window_count(ids.size(), T);
  if (windows == 0) return 0;
  std::vector<int> x(static_cast<std::size_t>(T) * B), y(x.size());
  std::vector<unsigned char> r(starts ? x.size() : 0);
  std::vector<S> zero, end;
  double total = 0;
  std::int64_t predictions = 0;
  for (std::int64_t w0 = 0; w0 < windows; w0 += B) {
    const int b_now = static_cast<int>(std::min<std::int64_t>(B, windows - w0));
    for (int b = 0; b < b_now; ++b)
      for (int t = 0; t < T; ++t) {
        const std::size_t at = static_cast<std::size_t>((w0 + b) * T + t);
        x[static_cast<std::size_t>(t) * b_now + b] = ids[at];
        y[static_cast<std::size_t>(t) * b_now + b] = ids[at + 1];
        if (starts) r[static_cast<std::size_t>(t) * b_now + b] = (*starts)[at];
      }
    zero.assign(model.state_layout(b_now).size(), S(0));
    end.resize(zero.size());
    const Batch batch{b_now, T, x.data(), y.data(), starts ? r.data() : nullptr};
    total += model.loss(batch, zero.data(), end.data()) * b_now * T;
    predictions += static_cast<std::int64_t>(b_now) * T;
  }
  return total / static_cast<double>(predictions);
}

}  // namespace charnn
