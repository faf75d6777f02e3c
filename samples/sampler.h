// Choosing the next character from one row of logits: temperature, top-k, top-p (nucleus), and
// a draw from the resulting categorical distribution. docs/sampling.md derives the equations
// (P1)-(P5). The steps, in this order:
//
//   logits y (V) ─► top-k mask (P2) ─► softmax of y/τ over the kept ids (P1) ─► p (V)
//   p ─► top-p (P5): keep the most likely ids until their mass reaches P, renormalise ─► p (V)
//   p, u uniform in [0,1) ─► inverse CDF (P4) ─► id
//   τ = 0 skips all of that: the id is the argmax (P3), and no random number is used.
//
// Top-p works on the probabilities after temperature and top-k, so it measures the mass of what
// top-k left. (Beam search, which picks the most likely continuation instead of drawing one, is
// samples/beam_search.h.)
//
// The caller (the `sample` program) gets the logits from LanguageModel::logits with B = 1,
// T = 1, so one row of V values, and calls sample_next once per generated character.
#pragma once

#include <vector>

#include "core/rng.h"

namespace charnn {

struct SamplerOptions {
  // τ: 1 samples the model's own distribution, below 1 sharpens it, above 1 flattens it, 0 takes
  // the most likely character every time. Must be >= 0 (+infinity is allowed: uniform).
  double temperature = 1.0;
  // k: keep only the k most likely characters. 0, or any k >= V, keeps all of them.
  int top_k = 0;
  // P, in (0, 1]: keep only the most likely characters whose probabilities, added up from the
  // largest, first reach P (nucleus sampling). 1 keeps all of them.
  double top_p = 1.0;
};

// The distribution sample_next draws from: writes V probabilities into p (which must hold V
// doubles). They are >= 0 and sum to 1 up to rounding.
//   temperature == 0: 1 at the argmax (the lowest id among equal maxima), 0 elsewhere; top-k
//     and top-p change nothing.
//   otherwise: the softmax of logits / temperature over the top-k ids, 0 for the others; then,
//     when top_p < 1, only the top-p ids of that keep their probability, renormalised.
// Top-k keeps exactly k ids: every id whose logit is above the k-th largest value, then, among
// the ids whose logit equals it, the lowest ids until k are kept.
// Top-p sorts the ids by probability, largest first and the lower id first among equal ones,
// and keeps the shortest prefix of that order whose probabilities add up to at least top_p
// (all of them when rounding keeps the total below top_p). top_p = 1 skips the step.
// Throws std::invalid_argument when V < 1, the temperature is negative or NaN, top_k < 0,
// top_p is not in (0, 1], or a logit is not finite (a diverged model: better a clear error than
// random text). Works in double whatever S is.
// `scratch` holds V doubles, used only when top_p < 1; the form without it allocates them then.
template <class S>
void sampling_distribution(const S* logits, int V, const SamplerOptions& opt, double* p,
                           double* scratch);
template <class S>
void sampling_distribution(const S* logits, int V, const SamplerOptions& opt, double* p);

// Picks the next character id in [0, V) from one row of V logits.
//   temperature == 0: the argmax (the lowest id among equal maxima); rng is not used.
//   otherwise: exactly one rng.uniform() per call, turned into an id by the inverse CDF of
//   sampling_distribution's p. An id whose probability is 0 is never returned.
// `work` is scratch for 2V doubles (p, then top-p's sorted copy). It is grown when it is
// smaller, so pass the same vector every time: after the first call nothing is allocated (this
// runs once per generated character).
// Throws like sampling_distribution.
template <class S>
int sample_next(const S* logits, int V, const SamplerOptions& opt, Rng& rng,
                std::vector<double>& work);

}  // namespace charnn
