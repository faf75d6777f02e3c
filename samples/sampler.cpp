// The sampler's math: (P1) temperature softmax, (P2) top-k, (P3) the τ = 0 argmax, (P5) top-p,
// (P4) the inverse-CDF draw. docs/sampling.md derives each one; the labels below point to it.
//
// Shapes: V vocabulary. logits y (V) is one row of LanguageModel::logits; p (V) the
// probabilities; scratch (V) top-p's sorted copy of p. Everything is computed in double,
// whether the model runs in float or double.
#include "samples/sampler.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>

namespace charnn {

namespace {

void check_options(int V, const SamplerOptions& opt) {
  if (V < 1) throw std::invalid_argument("sampler: need V >= 1, got " + std::to_string(V));
  if (!(opt.temperature >= 0)) {  // false for negative values and for NaN
    std::ostringstream msg;
    msg << "sampler: temperature must be >= 0, got " << opt.temperature;
    throw std::invalid_argument(msg.str());
  }
  if (opt.top_k < 0)
    throw std::invalid_argument("sampler: top-k must be >= 0, got " + std::to_string(opt.top_k));
  if (!(opt.top_p > 0 && opt.top_p <= 1)) {  // false for NaN too
    std::ostringstream msg;
    msg << "sampler: top-p must be above 0 and at most 1, got " << opt.top_p;
    throw std::invalid_argument(msg.str());
  }
}

template <class S>
void check_logits(const S* y, int V) {
  for (int j = 0; j < V; ++j)
    if (!std::isfinite(static_cast<double>(y[j]))) {
      std::ostringstream msg;
      msg << "sampler: logit " << j << " of " << V << " is " << static_cast<double>(y[j])
          << ", not a finite number";
      throw std::invalid_argument(msg.str());
    }
}

// (P3) the limit τ → 0: the id of the largest logit. Strict '>' keeps the first of equal
// maxima, so ties go to the lowest id.
template <class S>
int argmax(const S* y, int V) {
  int best = 0;
  for (int j = 1; j < V; ++j)
    if (y[j] > y[best]) best = j;  // (P3) argmax_j y_j
  return best;
}

// (P5) top-p on a distribution p (V) that sums to 1: only the shortest prefix of the ids sorted
// by probability (largest first, the lower id first among equal ones) whose mass reaches P keeps
// its probability, renormalised; the other ids get 0. scratch (V) receives a sorted copy of p.
void top_p_filter(double* p, int V, double P, double* scratch) {
  // Sorting the values alone is enough to find where the prefix ends: equal values are
  // interchangeable in the running sum, so the order among tied ids does not change the mass.
  std::copy(p, p + V, scratch);
  std::sort(scratch, scratch + V, std::greater<double>());
  double mass = 0;
  int n = 0;  // the prefix's length
  while (n < V && mass < P)
    mass += scratch[n++];  // (P5) Σ of the n largest, until it reaches P
  if (mass < P) return;    // rounding kept the total below P: every id stays
  // The prefix is every id with p above t = its smallest value, then of the ids whose p equals
  // t the lowest ones, as many as the prefix holds (t > 0: adding a 0 cannot reach P first).
  const double t = scratch[n - 1];
  int above = 0;
  for (int j = 0; j < V; ++j)
    above += p[j] > t ? 1 : 0;
  int ties_left = n - above;  // >= 1
  double sum = 0;
  for (int j = 0; j < V; ++j) {
    bool kept = p[j] > t;
    if (!kept && p[j] == t && ties_left > 0) {
      kept = true;  // (P5) a tie at the boundary: the lowest ids win
      --ties_left;
    }
    if (!kept) p[j] = 0;  // (P5) outside the nucleus
    sum += p[j];
  }
  // Divided rather than multiplied by 1/sum: a nucleus of one id then gets exactly 1 (x / x is
  // exact, x · (1/x) need not be).
  for (int j = 0; j < V; ++j)
    p[j] /= sum;  // (P5) renormalised over the nucleus
}

}  // namespace

template <class S>
void sampling_distribution(const S* logits, int V, const SamplerOptions& opt, double* p) {
  check_options(V, opt);
  std::vector<double> scratch(opt.top_p < 1 && opt.temperature != 0 ? V : 0);
  sampling_distribution(logits, V, opt, p, scratch.data());
}

template <class S>
void sampling_distribution(const S* logits, int V, const SamplerOptions& opt, double* p,
                           double* scratch) {
  check_options(V, opt);
  check_logits(logits, V);

  if (opt.temperature == 0) {  // (P3) all the probability on the argmax
    std::fill(p, p + V, 0.0);
    p[argmax(logits, V)] = 1.0;
    return;
  }

  // (P2) top-k: find t, the k-th largest logit, by a partial selection on a copy of the logits
  // (p is the scratch). An id is kept when its logit is above t; of the ids whose logit equals
  // t, the lowest ones are kept until exactly k are. Without filtering every id is kept.
  const int k = (opt.top_k == 0 || opt.top_k >= V) ? V : opt.top_k;
  double t = 0;       // the k-th largest logit (used only when k < V)
  int ties_left = 0;  // how many ids with logit == t may still be kept
  if (k < V) {
    for (int j = 0; j < V; ++j)
      p[j] = static_cast<double>(logits[j]);
    std::nth_element(p, p + (k - 1), p + V, std::greater<double>());  // (P2) k-th largest
    t = p[k - 1];
    int above = 0;
    for (int j = 0; j < V; ++j)
      above += static_cast<double>(logits[j]) > t ? 1 : 0;
    ties_left = k - above;  // >= 1: t itself is one of the k largest
  }

  // (P1) p_j = exp((y_j - m)/τ) / Σ_i exp((y_i - m)/τ) over the kept ids, m = max_j y_j. The
  // argmax is always kept, so the largest term is exp(0) = 1 and the sum lies in [1, k]: no
  // overflow, and no division by zero, however large the logits or small τ.
  const double tau = opt.temperature;
  const double m = static_cast<double>(logits[argmax(logits, V)]);
  double sum = 0;
  for (int j = 0; j < V; ++j) {
    const double y = static_cast<double>(logits[j]);
    bool kept = k == V || y > t;  // (P2) keep the k largest logits
    if (!kept && y == t && ties_left > 0) {
      kept = true;  // (P2) a tie at the boundary: the lowest ids win
      --ties_left;
    }
    p[j] = kept ? std::exp((y - m) / tau) : 0.0;  // (P1) numerator, shifted by max_j y_j / τ
    sum += p[j];
  }
  const double inv = 1.0 / sum;
  for (int j = 0; j < V; ++j)
    p[j] *= inv;  // (P1) divide by the sum: the probabilities add up to 1

  if (opt.top_p < 1) top_p_filter(p, V, opt.top_p, scratch);  // (P5) after (P1) and (P2)
}

template <class S>
int sample_next(const S* logits, int V, const SamplerOptions& opt, Rng& rng,
                std::vector<double>& work) {
  check_options(V, opt);
  if (opt.temperature == 0) {  // (P3) τ = 0: the argmax, and no random number is drawn
    check_logits(logits, V);
    return argmax(logits, V);
  }
  const std::size_t need = 2 * static_cast<std::size_t>(V);  // p, then top-p's scratch
  if (work.size() < need) work.resize(need);
  double* p = work.data();
  sampling_distribution(logits, V, opt, p, p + V);

  // (P4) inverse CDF: the smallest j with p_0 + ... + p_j > u. Strict '>' means an id with
  // p_j = 0 can never be returned: adding 0 cannot carry the sum past u.
  const double u = rng.uniform();
  double cdf = 0;
  int last = 0;  // the last id with p_j > 0
  for (int j = 0; j < V; ++j) {
    if (p[j] == 0) continue;
    cdf += p[j];
    last = j;
    if (cdf > u) return j;  // (P4) first j where the running sum passes u
  }
  // Only reached when rounding left the total a hair below 1 and u landed in that gap.
  return last;
}

template void sampling_distribution<float>(const float*, int, const SamplerOptions&, double*);
template void sampling_distribution<double>(const double*, int, const SamplerOptions&, double*);
template void sampling_distribution<float>(const float*, int, const SamplerOptions&, double*,
                                           double*);
template void sampling_distribution<double>(const double*, int, const SamplerOptions&, double*,
                                            double*);
template int sample_next<float>(const float*, int, const SamplerOptions&, Rng&,
                                std::vector<double>&);
template int sample_next<double>(const double*, int, const SamplerOptions&, Rng&,
                                 std::vector<double>&);

}  // namespace charnn
