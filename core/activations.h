// Elementwise nonlinearities and the numerically stable softmax.
//
// σ and tanh run for every gate of every unit at every time step, so they must be as cheap as a
// few multiply-adds. std::exp and std::tanh are calls into the C library, one number at a time,
// so the exponential here is computed in plain arithmetic:
//
//   e^x = 2^n · e^r,  n = round(x / ln 2),  r = x - n ln 2 ∈ [-ln2/2, ln2/2]
//
// e^r is its Taylor polynomial (degree 7 for float, 13 for double: the first omitted term,
// r^8/8! or r^14/14!, is below the type's rounding error), and 2^n is written straight into the
// exponent bits of a floating-point number. σ and tanh are then one division each:
//
//   σ(z) = 1 / (1 + e^{-z}),   tanh(z) = 2 σ(2z) - 1.
//
// exp_, sigmoid and tanh_ take one number or one Vec<S> of them (core/fast/simd.h): the same lines
// compute a whole vector register at once. sigmoid_each, tanh_each and softmax_row apply them
// to a row, a vector at a time, with the last n mod kLanes numbers one by one.
//
// Accuracy (tests/test_core.cpp checks it against std::exp and std::tanh over a sweep, in both
// forms): e^x to a few units in the last place; σ and tanh to within 2e-7 (float) and 5e-16
// (double), absolute.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "core/fast/simd.h"

namespace charnn {

namespace detail {

// The number type of a value: S itself, or S for a Vec<S>.
template <class T, class = void>
struct scalar_of {
  using type = T;
};
template <class T>
struct scalar_of<T, std::void_t<typename T::value_type>> {
  using type = typename T::value_type;
};

// The same number of bits as an unsigned integer (a Vec<S> of them for a Vec<S>), and back.
template <class S>
inline auto to_bits(S x) {
  using Bits = std::conditional_t<sizeof(S) == 4, std::uint32_t, std::uint64_t>;
  Bits b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}
template <class S, class Bits>
inline std::enable_if_t<std::is_floating_point_v<S>, S> from_bits(Bits b) {
  S x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

// cond ? a : b, lane by lane for vectors.
template <class S>
inline S select(bool cond, S a, S b) {
  return cond ? a : b;
}

#if CHARNN_STD_SIMD
template <class S>
inline auto to_bits(const Vec<S>& x) {
  using Bits = std::conditional_t<sizeof(S) == 4, std::uint32_t, std::uint64_t>;
  return stdx::__proposed::simd_bit_cast<stdx::rebind_simd_t<Bits, Vec<S>>>(x);
}
template <class V, class BitsV>
inline std::enable_if_t<stdx::is_simd_v<V>, V> from_bits(const BitsV& b) {
  return stdx::__proposed::simd_bit_cast<V>(b);
}
template <class S>
inline Vec<S> select(const typename Vec<S>::mask_type& cond, const Vec<S>& a, Vec<S> b) {
  where(cond, b) = a;
  return b;
}
#endif

}  // namespace detail

// e^x for every x: +inf above the largest finite result, 0 below the smallest normal one.
// T is float, double, or a Vec of either.
template <class T>
inline T exp_(T x) {
  using S = typename detail::scalar_of<T>::type;
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

  using detail::select;
  const T xc = select(x > T(hi), T(hi), select(x < T(lo), T(lo), x));
  const T t = xc * T(log2e) + T(round_magic);
  const T n = t - T(round_magic);  // round(x / ln 2)
  const T r = (xc - n * T(ln2_hi)) - n * T(ln2_lo);
  // e^r by Horner's rule on the Taylor series 1 + r + r²/2! + ...
  T p;
  if constexpr (is_float) {
    p = T(S(1. / 5040));
    constexpr float inv_factorial[] = {1.f / 720, 1.f / 120, 1.f / 24, 1.f / 6, 1.f / 2, 1.f, 1.f};
    for (float c : inv_factorial)
      p = T(S(c)) + r * p;
  } else {
    p = T(S(1. / 6227020800));  // 1/13!
    constexpr double inv_factorial[] = {
        1. / 479001600, 1. / 39916800, 1. / 3628800, 1. / 362880, 1. / 40320, 1. / 5040, 1. / 720,
        1. / 120,       1. / 24,       1. / 6,       1. / 2,      1.,         1.};
    for (double c : inv_factorial)
      p = T(S(c)) + r * p;
  }
  // 2^n: n + bias in the exponent field. The bits of t minus those of round_magic are n.
  const auto n_bits = detail::to_bits(t) - detail::to_bits(T(round_magic));
  const T scale = detail::from_bits<T>((n_bits + Bits(exponent_bias)) << mantissa_bits);
  const T result = p * scale;
  return select(x > T(hi), T(std::numeric_limits<S>::infinity()),
                select(x < T(lo), T(S(0)), result));
}

// σ(z) = 1 / (1 + e^{-z}). For very negative z, e^{-z} is +inf and the result is the correct
// limit 0; for very positive z it is 1. No branch is needed.
template <class T>
inline T sigmoid(T z) {
  return T(1) / (T(1) + exp_(-z));
}

// tanh(z) = 2σ(2z) - 1, saturating to ±1 the same way.
template <class T>
inline T tanh_(T z) {
  return T(2) / (T(1) + exp_(T(-2) * z)) - T(1);
}

// out[j] = f(z[j]) for j < n, a vector at a time. out may be z. (Without <experimental/simd>,
// one number at a time, in a loop the compiler may vectorize.)
template <class S, class F>
inline void each(const S* z, S* out, int n, F f) {
  int j = 0;
#if CHARNN_STD_SIMD
  for (; j + kLanes<S> <= n; j += kLanes<S>)
    store(f(load(z + j)), out + j);
#endif
  for (; j < n; ++j)
    out[j] = f(z[j]);
}

// out[j] = σ(z[j]) for j < n.
template <class S>
inline void sigmoid_each(const S* z, S* out, int n) {
  each(z, out, n, [](auto v) { return sigmoid(v); });
}

// out[j] = tanh(z[j]) for j < n.
template <class S>
inline void tanh_each(const S* z, S* out, int n) {
  each(z, out, n, [](auto v) { return tanh_(v); });
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
  each(y, y, n, [m](auto v) { return exp_(v - decltype(v)(m)); });  // e^{y_j - m}
  S sum = 0;
  for (int j = 0; j < n; ++j)
    sum += y[j];
  const S inv = S(1) / sum;
  for (int j = 0; j < n; ++j)
    y[j] *= inv;
  return m + std::log(sum);
}

}  // namespace charnn
