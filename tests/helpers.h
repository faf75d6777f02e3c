// Small helpers shared by the tests: models at random points, random batches, file reading.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/batch.h"
#include "core/language_model.h"
#include "core/rng.h"

namespace charnn::testing {

// The repository root, so tests can read docs/ and sources wherever they run from.
#ifndef CHARNN_SOURCE_DIR
#define CHARNN_SOURCE_DIR "."
#endif
inline std::string repo_path(const std::string& relative) {
  return std::string(CHARNN_SOURCE_DIR) + "/" + relative;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Inputs and targets of one random batch, kept alive together with the Batch view.
struct RandomBatch {
  std::vector<int> inputs, targets;
  Batch batch;
  RandomBatch(int B, int T, int V, Rng& rng) : inputs(B * T), targets(B * T) {
    for (int& x : inputs)
      x = rng.below(V);
    for (int& y : targets)
      y = rng.below(V);
    batch = Batch{B, T, inputs.data(), targets.data()};
  }
};

// A model whose every parameter is uniform in ±range.
template <class Net>
LanguageModel<Net> random_model(int V, int H, int L, Rng& rng, double range = 0.5) {
  typename Net::Config cfg;
  cfg.vocab = V;
  cfg.hidden = H;
  cfg.layers = L;
  LanguageModel<Net> m(cfg);
  for (auto& p : m.params)
    p = static_cast<typename Net::Scalar>(rng.uniform(-range, range));
  return m;
}

template <class S>
std::vector<S> random_vector(std::size_t n, Rng& rng, double range = 0.5) {
  std::vector<S> v(n);
  for (S& x : v)
    x = static_cast<S>(rng.uniform(-range, range));
  return v;
}

}  // namespace charnn::testing
