// Beam search's math: (P6) the score of a continuation, a sum of log-probabilities, (P7) the
// choice of the K best candidates at each step, (P8) the best final beam. docs/sampling.md,
// "Beam search", derives each one; the labels below point to it.
//
// Shapes: V vocabulary, K beams, n <= K live beams, L the length.
//   score (K)      the scores of the live beams, in lexicographic order of their id sequences
//   cand (K·V)     first the (n,V) log-probabilities the step writes, then, in place, the
//                  candidates' scores: cand[r·V + j] = score[r] + log p(j | beam r)
//   order (K·V)    candidate indices, partly sorted to find the K best
//   back (L·K)     back[t·K + r] = the candidate index r'·V + j that became beam r at step t:
//                  its parent r' and its last id j, enough to read any beam back to the prime
#include "samples/beam_search.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <numeric>
#include <sstream>
#include <string>

namespace charnn {

BeamResult beam_search(int V, int K, int length, const double* first_logp, const BeamStep& step) {
  if (V < 1 || K < 1 || length < 0) {
    std::ostringstream msg;
    msg << "beam search: need V >= 1, K >= 1 and a length >= 0, got V = " << V << ", K = " << K
        << ", length " << length;
    throw std::invalid_argument(msg.str());
  }
  if (static_cast<long long>(K) * V > INT_MAX)
    throw std::invalid_argument("beam search: K·V is too large for candidate indices");
  const std::size_t KV = static_cast<std::size_t>(K) * static_cast<std::size_t>(V);

  std::vector<double> score(static_cast<std::size_t>(K), 0.0), next_score(score.size());
  std::vector<double> cand(KV);
  std::vector<int> order(KV), parent(score.size()), last(score.size());
  std::vector<int> back(static_cast<std::size_t>(length) * static_cast<std::size_t>(K));
  std::copy(first_logp, first_logp + V, cand.begin());
  int n = 1;  // live beams: at first only the empty continuation, with score 0

  // Better candidate first: the higher score, and of equal scores the lower index, which is
  // the lexicographically smaller id sequence (the beams are in lexicographic order).
  const auto better = [&cand](int a, int b) {
    return cand[static_cast<std::size_t>(a)] > cand[static_cast<std::size_t>(b)] ||
           (cand[static_cast<std::size_t>(a)] == cand[static_cast<std::size_t>(b)] && a < b);
  };

  for (int t = 0; t < length; ++t) {
    const int m = n * V;  // candidates: every live beam followed by every id
    for (int c = 0; c < m; ++c) {
      const double lp = cand[static_cast<std::size_t>(c)];
      if (std::isnan(lp) || lp == HUGE_VAL) {
        std::ostringstream msg;
        msg << "beam search: log-probability " << lp << " for id " << c % V << " of beam " << c / V
            << " at step " << t;
        throw std::invalid_argument(msg.str());
      }
      // (P6) the score grows by one log-probability per character
      cand[static_cast<std::size_t>(c)] = score[static_cast<std::size_t>(c / V)] + lp;
    }
    const int keep = std::min(K, m);
    std::iota(order.begin(), order.begin() + m, 0);
    if (keep < m)  // (P7) the K best candidates, ties to the lexicographically smallest
      std::nth_element(order.begin(), order.begin() + (keep - 1), order.begin() + m, better);
    // Index order is lexicographic order: the new beams stay sorted that way.
    std::sort(order.begin(), order.begin() + keep);
    for (int r = 0; r < keep; ++r) {
      const int c = order[static_cast<std::size_t>(r)];
      next_score[static_cast<std::size_t>(r)] = cand[static_cast<std::size_t>(c)];  // (P7)
      parent[static_cast<std::size_t>(r)] = c / V;
      last[static_cast<std::size_t>(r)] = c % V;
      back[static_cast<std::size_t>(t) * K + r] = c;
    }
    n = keep;
    score.swap(next_score);
    if (t + 1 < length) step(parent.data(), last.data(), n, cand.data());
  }

  // (P8) the best final beam: the highest score, the lowest index (lexicographically smallest)
  // among equal ones. Then back along the back-pointers to the prime.
  int best = 0;
  for (int r = 1; r < n; ++r)
    if (score[static_cast<std::size_t>(r)] > score[static_cast<std::size_t>(best)]) best = r;
  BeamResult result;
  result.score = length > 0 ? score[static_cast<std::size_t>(best)] : 0.0;
  result.ids.resize(static_cast<std::size_t>(length));
  for (int t = length - 1, r = best; t >= 0; --t) {
    const int c = back[static_cast<std::size_t>(t) * K + r];
    result.ids[static_cast<std::size_t>(t)] = c % V;
    r = c / V;
  }
  return result;
}

template <class S>
void log_softmax(const S* logits, int V, double* out) {
  double m = 0;
  for (int j = 0; j < V; ++j) {
    const double y = static_cast<double>(logits[j]);
    if (!std::isfinite(y)) {
      std::ostringstream msg;
      msg << "beam search: logit " << j << " of " << V << " is " << y << ", not a finite number";
      throw std::invalid_argument(msg.str());
    }
    if (j == 0 || y > m) m = y;
  }
  // The largest term is e^0 = 1, so the sum lies in [1, V] and its log in [0, log V].
  double sum = 0;
  for (int j = 0; j < V; ++j)
    sum += std::exp(static_cast<double>(logits[j]) - m);
  const double log_sum = std::log(sum);
  for (int j = 0; j < V; ++j)
    out[j] = (static_cast<double>(logits[j]) - m) - log_sum;  // (P6) log p_j
}

template void log_softmax<float>(const float*, int, double*);
template void log_softmax<double>(const double*, int, double*);

}  // namespace charnn
