// One vector register of S, spelled out instead of hoped for.
//
// The matrix-product kernel (core/fast/gemm.cpp) and the activations (core/activations.h) are
// written on Vec<S>: a value that holds kLanes<S> numbers and whose + - * / act on all of
// them at once, as one vector instruction. With the standard library's data-parallel types
// (std::experimental::simd, the C++ Parallelism TS v2, in libstdc++ since GCC 11) Vec<S> is
// native_simd<S>: as wide as the registers of the processor the compiler targets, so 4 floats
// with SSE or NEON, 8 with AVX2, 16 with AVX-512. The instructions are then chosen by the type,
// not found (or missed) by the compiler's vectorizer. benchmark/portability.sh checks the
// generated code on every target, docs/performance.md explains the choice.
//
// Where the header is missing (libc++, MSVC), Vec<S> is a plain 16-byte array with only what the
// kernel needs (broadcast, +, load, store, mul_add), each a loop over its lanes; the activations
// then run one number at a time. The same program, relying on the compiler to vectorize loops.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#if __has_include(<experimental/simd>) && !defined(CHARNN_PLAIN_VEC)
#include <experimental/simd>
#define CHARNN_STD_SIMD 1
#else
#define CHARNN_STD_SIMD 0
#endif

namespace charnn {

#if CHARNN_STD_SIMD

namespace stdx = std::experimental;

template <class S>
using Vec = stdx::native_simd<S>;

template <class S>
inline Vec<S> load(const S* p) {
  return Vec<S>(p, stdx::element_aligned);
}

template <class S>
inline void store(const Vec<S>& v, S* p) {
  v.copy_to(p, stdx::element_aligned);
}

// a · b + c. One fused multiply-add instruction where the processor has one (AVX2, AVX-512,
// NEON); a multiply and an add where it does not (SSE), since a fused one would be emulated.
template <class S>
inline Vec<S> mul_add(const Vec<S>& a, const Vec<S>& b, const Vec<S>& c) {
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA)
  return stdx::fma(a, b, c);
#else
  return a * b + c;
#endif
}

#else  // the plain-array fallback

template <class S>
struct Vec {
  static constexpr std::size_t size() { return 16 / sizeof(S); }
  S lane[16 / sizeof(S)];

  Vec() = default;
  Vec(S x) {  // broadcast, like native_simd's constructor from one value
    for (S& l : lane)
      l = x;
  }
  S operator[](std::size_t i) const { return lane[i]; }
  friend Vec operator+(Vec a, const Vec& b) {
    for (std::size_t l = 0; l < size(); ++l)
      a.lane[l] += b.lane[l];
    return a;
  }
};

template <class S>
inline Vec<S> load(const S* p) {
  Vec<S> v;
  std::memcpy(v.lane, p, sizeof v.lane);
  return v;
}

template <class S>
inline void store(const Vec<S>& v, S* p) {
  std::memcpy(p, v.lane, sizeof v.lane);
}

// Lane by lane, and fused exactly where the processor fuses: left to the compiler, a * b + c
// would be contracted into a fused multiply-add in some copies of the kernel and not in others,
// and results would then depend on which tile a row falls in (and so on the thread count).
template <class S>
inline Vec<S> mul_add(const Vec<S>& a, const Vec<S>& b, Vec<S> c) {
  for (std::size_t l = 0; l < Vec<S>::size(); ++l)
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA)
    c.lane[l] = std::fma(a.lane[l], b.lane[l], c.lane[l]);
#else
    c.lane[l] = a.lane[l] * b.lane[l] + c.lane[l];
#endif
  return c;
}

#endif

// How many numbers of type S one Vec<S> holds.
template <class S>
constexpr int kLanes = static_cast<int>(Vec<S>::size());

}  // namespace charnn
