// Small helpers shared by the tests: models at random points, random batches, file reading.
#pragma once

#include <filesystem>
#include <fstream>
#include <random>
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

// A fresh folder of its own under the system's temporary directory (a random name, so test
// runs in parallel do not meet), removed with everything in it.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    namespace fs = std::filesystem;
    std::random_device seed;
    for (;;) {
      path = fs::temp_directory_path() /
             ("charnn_test_" + std::to_string(seed()) + "_" + std::to_string(seed()));
      if (fs::create_directory(path)) break;  // false: the name was taken, try another
    }
  }
  ~TempDir() {
    namespace fs = std::filesystem;
    std::error_code ec;
    // Give back any permission a test took away, so that everything can be removed.
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
    for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path / name).string(); }
  // Writes `bytes` to the file `name` in the folder; returns its path.
  std::string write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path / name, std::ios::binary) << bytes;
    return file(name);
  }
};

// Inputs and targets of one random batch, kept alive together with the Batch view.
struct RandomBatch {
  std::vector<int> inputs, targets;
  std::vector<unsigned char> resets;
  Batch batch;
  // reset_rate > 0: each (step, stream) starts a record with that probability (--reset-at).
  RandomBatch(int B, int T, int V, Rng& rng, double reset_rate = 0)
      : inputs(B * T), targets(B * T), resets(B * T, 0) {
    for (int& x : inputs)
      x = rng.below(V);
    for (int& y : targets)
      y = rng.below(V);
    if (reset_rate > 0)
      for (unsigned char& r : resets)
        r = rng.uniform() < reset_rate ? 1 : 0;
    batch = Batch{B, T, inputs.data(), targets.data(), reset_rate > 0 ? resets.data() : nullptr};
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
