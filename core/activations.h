// Elementwise nonlinearities and the numerically stable softmax.
//
// σ and tanh run for every gate of every unit at every time step, so they must be as cheap as a
// few multiply-adds. std::exp and std::tanh are calls into the C library that the compiler
// cannot turn into vector instructions (GCC does so only under -ffast-math, and only with
// glibc), so the exponential here is computed in plain arithmetic the compiler vectorizes:
//
//   e^x = 2^n · e^r,  n = round(x / ln 2),  r = x - n ln 2 ∈ [-ln2/2, ln2/2]
//
// e^r is its Taylor polynomial (degree 7 for float, 13 for double: the first omitted term,
// r^8/8! or r^14/14!, is below the type's rounding error), and 2^n is written straight into the
// exponent bits of a floating-point number. σ and tanh are then one division each:
//
//   σ(z) = 1 / (1 + e^{-z}),   tanh(z) = 2 σ(2z) - 1.
//
// Accuracy (tests/test_core.cpp checks it against std::exp and std::tanh over a sweep): e^x to a
// few units in the last place; σ and tanh to within 2e-7 (float) and 5e-16 (double), absolute.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

namespace charnn {

// e^x for every x: +inf above the largest finite result, 0 below the smallest normal one.
template <class S>
inline S exp_(S x) {
  static_assert(std::is_floating_point_v<S>, "exp_ needs float or double");
  constexpr bool is_float = sizeof(S) == 4;
  // Unsigned, so that the integer arithmetic below wraps instead of overflowing (undefined for
  // signed types): for a NaN input the bits are garbage, and the result must then be NaN, not
  // undefined behaviour (UBSan caught this on a diverged run).
  using Bits = std::conditional_t<is_float, std::uint32_t, std::uint64_t>;
  constexpr int mantissa_bits = is_float ? 23 : 52;
  constexpr Bits exponent_bias = is_float ? 127 : 1023;
  constexpr S hi = is_float ? S(88.7) : S(709.7);    // e^hi is near the largest finite value
  constexpr S lo = is_float ? S(-87.3) : S(-708.3);  // e^lo is near the smallest normal value
  constexpr S log2e = S(1.4426950408889634);
  constexpr S ln2_hi = S(0.693145751953125);         // ln 2 = ln2_hi + ln2_lo, where n·ln2_hi
  constexpr S ln2_lo = S(1.428606820309417232e-06);  // is exact for every n used here
  // Adding 1.5·2^mantissa_bits rounds to an integer, and leaves that integer in the low bits.
  constexpr S round_magic = S(1.5) * S(Bits(1) << mantissa_bits);

  const S xc = x > hi ? hi : (x < lo ? lo : x);
  const S t = xc * log2e + round_magic;
  const S n = t - round_magic;  // round(x / ln 2)
  const S r = (xc - n * ln2_hi) - n * ln2_lo;
  // e^r by Horner's rule on the Taylor series 1 + r + r²/2! + ...
  S p;
  if constexpr (is_float) {
    p = S(1) +
        r * (S(1) +
             r * (S(1. / 2) +
                  r * (S(1. / 6) + r * (S(1. / 24) + r * (S(1. / 120) +
                                                          r * (S(1. / 720) + r * S(1. / 5040)))))));
  } else {
    p = S(1. / 6227020800);  // 1/13!
    constexpr double inv_factorial[] = {
        1. / 479001600, 1. / 39916800, 1. / 3628800, 1. / 362880, 1. / 40320, 1. / 5040, 1. / 720,
        1. / 120,       1. / 24,       1. / 6,       1. / 2,      1.,         1.};
    for (double c : inv_factorial)
      p = S(c) + r * p;
  }
  // 2^n: n + bias in the exponent field. The bits of t minus those of round_magic are n.
  Bits t_bits, magic_bits, scale_bits;
  std::memcpy(&t_bits, &t, sizeof t);
  const S magic = round_magic;
  std::memcpy(&magic_bits, &magic, sizeof magic);
  scale_bits = (t_bits - magic_bits + exponent_bias) << mantissa_bits;
  S scale;
  std::memcpy(&scale, &scale_bits, sizeof scale);
  const S result = p * scale;
  return x > hi ? std::numeric_limits<S>::infinity() : (x < lo ? S(0) : result);
}

// σ(z) = 1 / (1 + e^{-z}). For very negative z, e^{-z} is +inf and the result is the correct
// limit 0; for very positive z it is 1. No branch is needed.
template <class S>
inline S sigmoid(S z) {
  return S(1) / (S(1) + exp_(-z));
}

// tanh(z) = 2σ(2z) - 1, saturating to ±1 the same way.
template <class S>
inline S tanh_(S z) {
  return S(2) / (S(1) + exp_(S(-2) * z)) - S(1);
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
    y[j] = exp_(y[j] - m);
    sum += y[j];
  }
  const S inv = S(1) / sum;
  for (int j = 0; j < n; ++j)
    y[j] *= inv;
  return m + std::log(sum);
}

}  // namespace charnn
