// A seeded random number generator whose output is the same on every platform.
//
// std::mt19937_64 is fully specified by the C++ standard; the distributions in <random> are
// not (libstdc++ and libc++ give different numbers), so the conversions to floating point are
// written here.
#pragma once

#include <cstdint>
#include <random>

namespace charnn {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 1) : engine_(seed) {}

  // Uniform in [0, 1), with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n), n > 0.
  int below(int n) { return static_cast<int>(uniform() * n); }

  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
};

}  // namespace charnn
