// Inverted dropout, applied to the input of every layer above the first and to the input of the
// softmax head: equations (D1)–(D2) in docs/training.md. Training only: a forward pass drops
// only when its caller hands it a Dropout, and evaluation, sampling and the gradient checker
// never do.
#pragma once

#include "core/matrix.h"
#include "core/rng.h"

namespace charnn {

// What one training forward pass needs to drop: the rate p and the generator the masks are
// drawn from. The caller owns both; the model keeps only the masks it drew, for backward.
struct Dropout {
  double rate = 0;     // p, the probability that an entry is dropped
  Rng* rng = nullptr;  // the masks' generator
};

// Whether a forward pass given `dropout` (which may be null) drops anything.
inline bool drops(const Dropout* dropout) {
  return dropout != nullptr && dropout->rate > 0 && dropout->rng != nullptr;
}

// x̃ = m ⊙ x, with every entry of the mask m equal to 0 with probability p and to 1/(1-p)
// otherwise, so that x̃ has the same expected value as x. mask and out: (N,H), like x.
template <class S>
void dropout_forward(CMat<S> x, const Dropout& dropout, Mat<S> mask, Mat<S> out) {
  const double p = dropout.rate;
  Rng& rng = *dropout.rng;
  const S keep = static_cast<S>(1.0 / (1.0 - p));
  for (int n = 0; n < x.rows; ++n)
    for (int j = 0; j < x.cols; ++j) {
      mask(n, j) = rng.uniform() < p ? S(0) : keep;  // (D1) m ~ Bernoulli(1-p) / (1-p)
      out(n, j) = mask(n, j) * x(n, j);              // (D1) x̃ = m ⊙ x
    }
}

// dx = m ⊙ dx̃, in place: a dropped entry passes no gradient, a kept one is scaled the same way
// as in forward.
template <class S>
void dropout_backward(CMat<S> mask, Mat<S> dx) {
  for (int n = 0; n < dx.rows; ++n)
    for (int j = 0; j < dx.cols; ++j)
      dx(n, j) *= mask(n, j);  // (D2) dx = m ⊙ dx̃
}

}  // namespace charnn
