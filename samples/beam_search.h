// Beam search: the most likely continuation of exactly L characters after a prime, under the
// model's own distribution (the softmax at temperature 1), found by keeping the K best partial
// continuations ("beams") at every step. docs/sampling.md, "Beam search", derives (P6)-(P8).
//
//   prime ─► log p (V) of the first character (P6)
//   for t = 1..L: n live beams × V characters = nV candidates, each scored by (P6)
//                 ─► the K best (P7), ties to the lexicographically smallest ─► n = min(K, nV)
//   the best of the final beams (P8) ─► ids (L), score
//
// Shapes: V vocabulary, K beams, L the length. logp (n,V) row r: log-probabilities of the next
// character after beam r. The beams are kept in lexicographic order of their id sequences, so a
// candidate's index r·V + j (beam r followed by id j) is also its lexicographic rank: the tie
// rule costs nothing. K = 1 is greedy decoding (P3).
//
// beam_search() sees the model only through a BeamStep function, so a test can drive it with a
// hand-written table of next-character probabilities as well as with a LanguageModel (the
// template below runs the K beams as one batch, B = K, T = 1).
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <vector>

#include "core/params.h"
#include "train/data.h"

namespace charnn {

struct BeamResult {
  std::vector<int> ids;  // (L) the continuation, without the prime
  double score = 0;      // (P6) its log-probability Σ_t log p(ids_t | prime, ids_<t), in nats
};

// The model as beam search sees it, called once per character after the first. The n live
// beams (1 <= n <= K) have just been chosen: beam r is the old beam parent[r] followed by the
// id last[r]. The step writes the log-probabilities (P6) of the character after each beam into
// logp, row r of (n,V). Values must be finite or -infinity (a probability of 0).
using BeamStep = std::function<void(const int* parent, const int* last, int n, double* logp)>;

// The best continuation of `length` characters (>= 0) with K >= 1 beams. first_logp (V): the
// log-probabilities of the first character after the prime. Of candidates with equal scores
// the one whose id sequence is lexicographically smallest wins, at every step and at the end.
// All memory (L·K back-pointers, K·V candidates) is allocated before the first step.
// Throws std::invalid_argument for V < 1, K < 1, length < 0, K·V above INT_MAX, or a NaN or
// +infinity log-probability.
BeamResult beam_search(int V, int K, int length, const double* first_logp, const BeamStep& step);

// (P6) log p_j = y_j - m - log Σ_i e^{y_i - m}, m = max_i y_i: one row of V logits to V
// log-probabilities at temperature 1, in double. Throws std::invalid_argument when a logit is
// not finite.
template <class S>
void log_softmax(const S* logits, int V, double* out);

// Beam search on a LanguageModel (samples/generate.h's model: logits, state_layout, vocab). The
// prime (non-empty ids) is read once with B = 1 from a zero state; its state is copied to all
// K beams, which then run as one batch of K streams, T = 1 per character. When beams are
// chosen, each one's state is copied from its parent's row of every state tensor (each is
// (K, H): one row per stream). Rows of beams not yet alive (the first steps, while nV < K) are
// computed and ignored, so every call has the same shape and allocates nothing.
// separator: the model's record separator (--reset-at), or empty. Each beam's state is then
// zeroed where its own text completes it, as samples/generate.h does for one stream.
template <class Model>
BeamResult beam_search(Model& model, const std::vector<int>& prime, int K, int length,
                       const std::vector<int>& separator = {}) {
  using S = typename Model::S;
  if (prime.empty()) throw std::invalid_argument("beam search: the prime is empty");
  if (K < 1) throw std::invalid_argument("beam search: need K >= 1");
  const int V = model.vocab();

  const Layout one = model.state_layout(1);
  std::vector<S> prime_state(one.size(), S(0));
  const std::vector<unsigned char> prime_starts = record_starts(prime, separator);
  CMat<S> y = model.logits(prime.data(), 1, static_cast<int>(prime.size()), prime_state.data(),
                           prime_state.data(), separator.empty() ? nullptr : prime_starts.data());
  std::vector<double> first(static_cast<std::size_t>(V));
  log_softmax(y.row(y.rows - 1), V, first.data());

  // state: the beams' states, (K, H) per tensor; previous: the same before the last choice.
  const Layout layout = model.state_layout(K);
  std::vector<S> state(layout.size()), previous(layout.size());
  for (std::size_t k = 0; k < layout.tensors().size(); ++k) {
    const TensorInfo& from = one.tensors()[k];
    const TensorInfo& to = layout.tensors()[k];
    for (int r = 0; r < K; ++r)
      for (int c = 0; c < to.cols; ++c)
        state[to.offset + static_cast<std::size_t>(r) * to.cols + c] = prime_state[from.offset + c];
  }
  std::vector<int> inputs(static_cast<std::size_t>(K), 0);
  // With a separator of m ids: the last m ids of each beam's text, (K, m) (-1 before the text
  // starts), and the record-start flag of its next input.
  const std::size_t m = separator.size();
  std::vector<int> tails(K * m, -1), previous_tails(tails.size());
  for (std::size_t k = 0; k < m && k < prime.size(); ++k)
    for (int r = 0; r < K; ++r)
      tails[r * m + m - 1 - k] = prime[prime.size() - 1 - k];
  std::vector<unsigned char> starts(static_cast<std::size_t>(K), 0);

  const BeamStep step = [&](const int* parent, const int* last, int n, double* logp) {
    if (m > 0) {  // beam r's tail: its parent's, shifted by one, then last[r]
      tails.swap(previous_tails);
      for (int r = 0; r < n; ++r) {
        const int* from = previous_tails.data() + static_cast<std::size_t>(parent[r]) * m;
        int* to = tails.data() + static_cast<std::size_t>(r) * m;
        std::copy(from + 1, from + m, to);
        to[m - 1] = last[r];
        starts[r] = std::equal(to, to + m, separator.begin()) ? 1 : 0;
      }
    }
    state.swap(previous);  // no copy: the new states are written from the old ones below
    for (const TensorInfo& t : layout.tensors()) {
      const std::size_t row = static_cast<std::size_t>(t.cols);
      for (int r = 0; r < n; ++r) {
        const S* from = previous.data() + t.offset + static_cast<std::size_t>(parent[r]) * row;
        std::copy(from, from + row, state.data() + t.offset + static_cast<std::size_t>(r) * row);
      }
    }
    for (int r = 0; r < K; ++r)
      inputs[static_cast<std::size_t>(r)] = r < n ? last[r] : 0;  // unused rows read id 0
    const CMat<S> out = model.logits(inputs.data(), K, 1, state.data(), state.data(),
                                     m > 0 ? starts.data() : nullptr);
    for (int r = 0; r < n; ++r)
      log_softmax(out.row(r), V, logp + static_cast<std::size_t>(r) * V);  // (P6) beam r's next
  };
  return beam_search(V, K, length, first.data(), step);
}

}  // namespace charnn
