// Elementwise nonlinearities and the numerically stable softmax.
#pragma once

#include <cmath>

namespace charnn {

// σ(z) = 1 / (1 + e^{-z}). For very negative z, e^{-z} overflows to +inf and the result is the
// correct limit 0; for very positive z it is 1. No branch is needed.
template <class S>
inline S sigmoid(S z) {
  return S(1) / (S(1) + std::exp(-z));
}

template <class S>
inline S tanh_(S z) {
  return std::tanh(z);
}

// Softmax of one row of n logits, in place, shifted by the row maximum m first so that no
// exponent is positive: e^{y_j - m} / Σ_k e^{y_k - m} equals e^{y_j} / Σ_k e^{y_k} exactly in
// real arithmetic and never overflows. Returns log Σ_k e^{y_k - m} + m, the log normaliser,
// which the loss needs to compute log p without taking the log of a rounded-to-zero p.
template <class S>
inline S softmax_row(S* y, int n) {
  S m = y[0];
  for (int j = 1; j < n; ++j)
    m = y[j] > m ? y[j] : m;
  S sum = 0;
  for (int j = 0; j < n; ++j) {
    y[j] = std::exp(y[j] - m);
    sum += y[j];
  }
  const S inv = S(1) / sum;
  for (int j = 0; j < n; ++j)
    y[j] *= inv;
  return m + std::log(sum);
}

}  // namespace charnn
