// The sampler: temperature, top-k, top-p, the τ = 0 argmax and the inverse-CDF draw
// (docs/sampling.md).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "rnn/rnn.h"
#include "samples/sampler.h"
#include "tests/catch.hpp"
#include "tests/helpers.h"

using namespace charnn;
using charnn::testing::random_model;
using charnn::testing::random_vector;

namespace {

// The definition, written the obvious way and independently of the sampler: p_j proportional to
// exp(y_j / τ) over the ids in `kept` (all when empty), 0 elsewhere. Only for small logits: it
// does not shift by the maximum.
std::vector<double> reference(const std::vector<double>& y, double tau,
                              const std::vector<int>& kept = {}) {
  const int V = static_cast<int>(y.size());
  std::vector<double> p(V, 0.0);
  double sum = 0;
  for (int j = 0; j < V; ++j) {
    const bool in = kept.empty() || std::find(kept.begin(), kept.end(), j) != kept.end();
    p[j] = in ? std::exp(y[j] / tau) : 0.0;
    sum += p[j];
  }
  for (double& v : p)
    v /= sum;
  return p;
}

// The ids of the k largest of distinct values, by sorting.
std::vector<int> k_largest(const std::vector<double>& y, int k) {
  std::vector<int> ids(y.size());
  for (std::size_t j = 0; j < ids.size(); ++j)
    ids[j] = static_cast<int>(j);
  std::sort(ids.begin(), ids.end(), [&](int a, int b) { return y[a] > y[b]; });
  ids.resize(k);
  return ids;
}

std::vector<double> distribution(const std::vector<double>& y, const SamplerOptions& opt) {
  std::vector<double> p(y.size());
  sampling_distribution(y.data(), static_cast<int>(y.size()), opt, p.data());
  return p;
}

double entropy(const std::vector<double>& p) {
  double h = 0;
  for (double v : p)
    if (v > 0) h -= v * std::log(v);
  return h;
}

// Pearson's statistic X² = Σ_j (O_j - n q_j)² / (n q_j) of observed counts O against a
// distribution q, over the ids with q_j > 0. A count in an id with q_j = 0 makes it infinite.
double chi_square(const std::vector<long>& counts, const std::vector<double>& q) {
  long n = 0;
  for (long c : counts)
    n += c;
  double x2 = 0;
  for (std::size_t j = 0; j < q.size(); ++j) {
    if (q[j] == 0) {
      if (counts[j] > 0) return std::numeric_limits<double>::infinity();
      continue;
    }
    const double expected = static_cast<double>(n) * q[j];
    const double diff = static_cast<double>(counts[j]) - expected;
    x2 += diff * diff / expected;
  }
  return x2;
}

// q shifted by one id (q'_j = q_{j - shift}, 0 where that is outside): what an off-by-one in
// the inverse CDF would sample from.
std::vector<double> shifted(const std::vector<double>& q, int shift) {
  const int V = static_cast<int>(q.size());
  std::vector<double> out(V, 0.0);
  for (int j = 0; j < V; ++j)
    if (j - shift >= 0 && j - shift < V) out[j] = q[j - shift];
  return out;
}

// The upper 0.1% points of the chi-square distribution with d degrees of freedom: a correct
// sampler exceeds them with probability 0.001 (the seeds are fixed, so the tests are
// deterministic; the bound says how unlucky a seed would have to be).
double chi_square_999(int d) {
  switch (d) {
    case 3:
      return 16.266;
    case 4:
      return 18.467;
    case 7:
      return 24.322;
    default:
      FAIL("no critical value for " << d << " degrees of freedom");
      return 0;
  }
}

const std::vector<double> kLogits = {1.2, -0.3, 0.5, 2.0, -1.5, 0.0, 0.9, -0.7};  // V = 8

// The nucleus of a distribution p, written out the obvious way: the ids sorted by probability,
// largest first and the lower id first among equal ones, and the shortest prefix of that order
// whose probabilities add up to at least P (all ids when none does).
std::vector<int> nucleus(const std::vector<double>& p, double P) {
  std::vector<int> ids(p.size());
  for (std::size_t j = 0; j < ids.size(); ++j)
    ids[j] = static_cast<int>(j);
  std::sort(ids.begin(), ids.end(),
            [&](int a, int b) { return p[a] > p[b] || (p[a] == p[b] && a < b); });
  std::vector<int> kept;
  double mass = 0;
  for (int j : ids) {
    if (mass >= P) break;
    kept.push_back(j);
    mass += p[j];
  }
  return kept;
}

// p restricted to the ids in `kept` and renormalised (0 elsewhere).
std::vector<double> restricted(const std::vector<double>& p, const std::vector<int>& kept) {
  std::vector<double> out(p.size(), 0.0);
  double sum = 0;
  for (int j : kept)
    sum += p[j];
  for (int j : kept)
    out[j] = p[j] / sum;
  return out;
}

bool has(const std::vector<int>& ids, int j) {
  return std::find(ids.begin(), ids.end(), j) != ids.end();
}

}  // namespace

TEST_CASE("temperature 0 takes the argmax, lowest id on ties, and draws no random number",
          "[sampler]") {
  const SamplerOptions greedy{0.0, 0};
  std::vector<double> work;
  Rng rng(5);
  const Rng before = rng;
  CHECK(sample_next(kLogits.data(), 8, greedy, rng, work) == 3);
  const std::vector<double> ties = {0.5, 2.0, -1.0, 2.0, 2.0};
  CHECK(sample_next(ties.data(), 5, greedy, rng, work) == 1);
  const std::vector<float> single = {-7.0f};
  CHECK(sample_next(single.data(), 1, greedy, rng, work) == 0);
  // top-k does not change the argmax: it always keeps it.
  CHECK(sample_next(ties.data(), 5, SamplerOptions{0.0, 2}, rng, work) == 1);
  Rng untouched = before;
  CHECK(rng.engine() == untouched.engine());

  // Its distribution is the one-hot of the argmax.
  const auto p = distribution(ties, greedy);
  CHECK(p == std::vector<double>{0, 1, 0, 0, 0});
}

TEST_CASE("the distribution is the softmax of logits / temperature and sums to 1", "[sampler]") {
  Rng rng(3);
  for (int trial = 0; trial < 20; ++trial) {
    const auto y = random_vector<double>(11, rng, 3.0);
    for (double tau : {0.1, 0.5, 1.0, 2.0, 10.0}) {
      const auto p = distribution(y, {tau, 0});
      const auto ref = reference(y, tau);
      double sum = 0;
      for (int j = 0; j < 11; ++j) {
        CHECK(p[j] == Approx(ref[j]).epsilon(1e-12).margin(1e-300));
        sum += p[j];
      }
      CHECK(sum == Approx(1.0).epsilon(1e-14));
      for (int k : {1, 3, 10, 11, 50}) {
        const auto pk = distribution(y, {tau, k});
        double sum_k = 0;
        for (double v : pk) {
          CHECK(v >= 0);
          sum_k += v;
        }
        CHECK(sum_k == Approx(1.0).epsilon(1e-14));
      }
    }
  }
  // Infinite temperature: uniform.
  for (double v : distribution(kLogits, {std::numeric_limits<double>::infinity(), 0}))
    CHECK(v == Approx(1.0 / 8).epsilon(1e-15));
}

TEST_CASE("temperature 0.5 sharpens to softmax(2y), temperature 2 flattens to softmax(y/2)",
          "[sampler]") {
  std::vector<double> twice(kLogits.size()), half(kLogits.size());
  for (std::size_t j = 0; j < kLogits.size(); ++j) {
    twice[j] = 2 * kLogits[j];
    half[j] = kLogits[j] / 2;
  }
  const auto p1 = distribution(kLogits, {1.0, 0});
  const auto sharp = distribution(kLogits, {0.5, 0});
  const auto flat = distribution(kLogits, {2.0, 0});
  const auto softmax_twice = reference(twice, 1.0);
  const auto softmax_half = reference(half, 1.0);
  for (std::size_t j = 0; j < kLogits.size(); ++j) {
    CHECK(sharp[j] == Approx(softmax_twice[j]).epsilon(1e-12));
    CHECK(flat[j] == Approx(softmax_half[j]).epsilon(1e-12));
  }
  // Sharper: the most likely character gains and the entropy drops; flatter: the reverse.
  CHECK(sharp[3] > p1[3]);
  CHECK(flat[3] < p1[3]);
  CHECK(entropy(sharp) < entropy(p1));
  CHECK(entropy(flat) > entropy(p1));
  CHECK(entropy(flat) < std::log(8.0));  // uniform is the limit, not reached at τ = 2
}

TEST_CASE("top-k keeps exactly k ids: the k largest, ties at the boundary to the lowest ids",
          "[sampler]") {
  // Distinct logits: the kept ids are the k largest, renormalised, the rest 0.
  for (int k = 1; k <= 8; ++k) {
    const auto kept = k_largest(kLogits, k);
    const auto p = distribution(kLogits, {1.0, k});
    const auto ref = reference(kLogits, 1.0, kept);
    for (int j = 0; j < 8; ++j)
      CHECK(p[j] == Approx(ref[j]).epsilon(1e-12).margin(0));
  }
  // Ties at the boundary: three ids share the 2nd largest value; k = 3 keeps the largest and
  // the two lowest of the tied ids.
  const std::vector<double> y = {0.0, 1.0, 3.0, 1.0, -2.0, 1.0};
  const auto p = distribution(y, {1.0, 3});
  const auto ref = reference(y, 1.0, {1, 2, 3});
  for (int j = 0; j < 6; ++j)
    CHECK(p[j] == Approx(ref[j]).epsilon(1e-12).margin(0));
  CHECK(p[5] == 0);
  // All values equal: k = 2 keeps ids 0 and 1, each with probability 1/2.
  const std::vector<double> flat(5, 4.0);
  CHECK(distribution(flat, {1.0, 2}) == std::vector<double>{0.5, 0.5, 0, 0, 0});
}

TEST_CASE("top-k sampling never returns an id outside the k largest", "[sampler]") {
  Rng logits_rng(17);
  const int V = 12;
  const auto y = random_vector<double>(V, logits_rng, 2.0);
  for (int k : {1, 3, 5}) {
    const auto kept = k_largest(y, k);
    std::vector<long> counts(V, 0);
    Rng rng(100 + k);
    std::vector<double> work(V);
    for (int draw = 0; draw < 20000; ++draw)
      ++counts[sample_next(y.data(), V, SamplerOptions{1.5, k}, rng, work)];
    for (int j = 0; j < V; ++j) {
      const bool in = std::find(kept.begin(), kept.end(), j) != kept.end();
      INFO("k = " << k << ", id " << j << ", count " << counts[j]);
      if (in)
        CHECK(counts[j] > 0);  // every kept id has probability above 0.15 here
      else
        CHECK(counts[j] == 0);
    }
  }
}

TEST_CASE("top-k with k = 1 is the argmax at every temperature", "[sampler]") {
  Rng rng(23);
  std::vector<double> work;
  for (int trial = 0; trial < 200; ++trial) {
    const auto y = random_vector<float>(9, rng, 4.0);
    const int best = static_cast<int>(std::max_element(y.begin(), y.end()) - y.begin());
    for (double tau : {0.01, 1.0, 100.0})
      CHECK(sample_next(y.data(), 9, SamplerOptions{tau, 1}, rng, work) == best);
  }
}

TEST_CASE(
    "top-p keeps the hand-computed nucleus, renormalised, ties at the boundary to the lowest ids",
    "[sampler]") {
  // y = (2, 1, 0.1) at τ = 1: p = (0.6590, 0.2424, 0.0986), the example of docs/sampling.md.
  const std::vector<double> y = {2.0, 1.0, 0.1};
  const double e = std::exp(1.0), z = std::exp(2.0) + e + std::exp(0.1);
  auto p_of = [&](SamplerOptions opt) { return distribution(y, opt); };
  SamplerOptions opt;
  opt.top_p = 0.5;  // 0.6590 >= 0.5: id 0 alone
  auto p = p_of(opt);
  CHECK(p[0] == Approx(1.0).epsilon(1e-15));
  CHECK(p[1] == 0);
  CHECK(p[2] == 0);
  opt.top_p = 0.8;  // 0.6590 < 0.8 <= 0.9014: ids 0 and 1, as e² : e = e : 1
  p = p_of(opt);
  CHECK(p[0] == Approx(e / (e + 1)).epsilon(1e-14));  // 0.7311
  CHECK(p[1] == Approx(1 / (e + 1)).epsilon(1e-14));  // 0.2689
  CHECK(p[2] == 0);
  opt.top_p = 0.95;  // all three are needed: the distribution of (P1)
  p = p_of(opt);
  CHECK(p[0] == Approx(std::exp(2.0) / z).epsilon(1e-14));
  CHECK(p[2] == Approx(std::exp(0.1) / z).epsilon(1e-14));
  // After the temperature: at τ = 0.5, p = (0.8638, 0.1169, 0.0193), so 0.85 needs id 0 only,
  // where at τ = 1 it needs ids 0 and 1.
  CHECK(p_of({0.5, 0, 0.85}) == std::vector<double>{1, 0, 0});
  CHECK(p_of({1.0, 0, 0.85})[1] > 0);
  // After top-k: k = 2 leaves (0.7311, 0.2689, 0), so 0.7 needs id 0 only; without top-k,
  // 0.6590 < 0.7 and id 1 is needed too.
  CHECK(p_of({1.0, 2, 0.7}) == std::vector<double>{1, 0, 0});
  p = p_of({1.0, 0, 0.7});
  CHECK(p[1] == Approx(1 / (e + 1)).epsilon(1e-14));

  // Ties: ids 1, 2, 3 share a = e / (3e + 2) = 0.2677. P = 0.5 needs two of them: the lowest.
  const std::vector<double> tied = {0.0, 1.0, 1.0, 1.0, 0.0};
  CHECK(distribution(tied, {1.0, 0, 0.5}) == std::vector<double>{0, 0.5, 0.5, 0, 0});
  CHECK(distribution(tied, {1.0, 0, 0.2}) == std::vector<double>{0, 1, 0, 0, 0});
  p = distribution(tied, {1.0, 0, 0.6});  // 3a = 0.803: all three tied ids, 1/3 each
  for (int j : {1, 2, 3})
    CHECK(p[j] == Approx(1.0 / 3).epsilon(1e-15));
  CHECK(p[0] == 0);
  CHECK(p[4] == 0);
}

TEST_CASE("top-p sampling never returns an id outside the smallest set whose mass reaches P",
          "[sampler]") {
  Rng logits_rng(59);
  std::vector<std::vector<double>> rows = {kLogits,
                                           {0.0, 1.0, 3.0, 1.0, -2.0, 1.0},   // ties below the top
                                           std::vector<double>(5, 4.0),       // all tied
                                           {2.0, 2.0, 0.5, 0.5, 0.5, -1.0}};  // ties at the top
  for (int r = 0; r < 3; ++r)
    rows.push_back(random_vector<double>(12, logits_rng, 2.0));
  std::vector<double> work;
  int checked_rows = 0;
  for (const auto& y : rows) {
    const int V = static_cast<int>(y.size());
    for (double tau : {1.0, 0.7})
      for (int k : {0, 4})
        for (double P : {0.3, 0.5, 0.75, 0.9, 0.99}) {
          // The nucleus of the distribution top-p starts from: after temperature and top-k.
          const auto before = distribution(y, {tau, k, 1.0});
          const auto kept = nucleus(before, P);
          const SamplerOptions opt{tau, k, P};
          const auto p = distribution(y, opt);
          INFO("row " << checked_rows << ", tau " << tau << ", k " << k << ", P " << P);
          for (int j = 0; j < V; ++j)
            CHECK((p[j] > 0) == has(kept, j));
          std::vector<long> counts(static_cast<std::size_t>(V), 0);
          Rng rng(static_cast<std::uint64_t>(1000 * checked_rows + 10 * k) + 7);
          for (int draw = 0; draw < 5000; ++draw)
            ++counts[static_cast<std::size_t>(sample_next(y.data(), V, opt, rng, work))];
          for (int j = 0; j < V; ++j) {
            INFO("id " << j << ", count " << counts[j]);
            if (!has(kept, j)) CHECK(counts[j] == 0);
            if (has(kept, j) && p[j] > 0.01) CHECK(counts[j] > 0);
          }
        }
    ++checked_rows;
  }
  CHECK(checked_rows == 7);
}

TEST_CASE(
    "top-p: empirical frequencies of 200,000 draws pass a chi-square test against the nucleus",
    "[sampler]") {
  const int V = 8;
  const long n = 200000;
  struct Case {
    double tau;
    int k;
    double P;
    std::uint64_t seed;
    int kept;  // the size of the nucleus (docs/sampling.md lists the running sums)
  };
  for (const Case c : {Case{1.0, 0, 0.8, 11, 4}, Case{1.0, 0, 0.9, 12, 5},
                       Case{0.5, 0, 0.95, 13, 4}, Case{0.8, 6, 0.92, 14, 4}}) {
    // The expected distribution: the reference softmax over the top-k, restricted to the nucleus.
    const auto full = reference(kLogits, c.tau, c.k ? k_largest(kLogits, c.k) : std::vector<int>{});
    const auto kept = nucleus(full, c.P);
    REQUIRE(static_cast<int>(kept.size()) == c.kept);
    const auto q = restricted(full, kept);
    std::vector<long> counts(V, 0);
    Rng rng(c.seed);
    std::vector<double> work;
    for (long draw = 0; draw < n; ++draw)
      ++counts[sample_next(kLogits.data(), V, SamplerOptions{c.tau, c.k, c.P}, rng, work)];
    const double bound = chi_square_999(c.kept - 1);
    const double x2 = chi_square(counts, q);
    INFO("tau " << c.tau << ", top-k " << c.k << ", top-p " << c.P << ": X² = " << x2 << ", bound "
                << bound);
    CHECK(x2 < bound);
    // The test can tell: the distribution before top-p, or a nucleus one id larger, is rejected.
    CHECK(chi_square(counts, full) > 100 * bound);
    std::vector<int> larger = nucleus(full, 1.0);
    larger.resize(kept.size() + 1);
    CHECK(chi_square(counts, restricted(full, larger)) > 100 * bound);
  }
}

TEST_CASE("top-p = 1 changes nothing, a tiny top-p is the argmax, temperature 0 ignores top-p",
          "[sampler]") {
  Rng logits_rng(61);
  std::vector<double> work;
  for (int trial = 0; trial < 100; ++trial) {
    const auto y = random_vector<float>(9, logits_rng, 3.0);
    const int best = static_cast<int>(std::max_element(y.begin(), y.end()) - y.begin());
    for (int k : {0, 3}) {
      std::vector<double> plain(9), one(9);
      sampling_distribution(y.data(), 9, SamplerOptions{0.9, k}, plain.data());
      sampling_distribution(y.data(), 9, SamplerOptions{0.9, k, 1.0}, one.data());
      CHECK(plain == one);  // bit for bit
      // The same draws with the same seed.
      Rng a(trial), b(trial);
      for (int draw = 0; draw < 20; ++draw)
        CHECK(sample_next(y.data(), 9, SamplerOptions{0.9, k}, a, work) ==
              sample_next(y.data(), 9, SamplerOptions{0.9, k, 1.0}, b, work));
      // P below the largest probability keeps exactly the argmax, at any temperature.
      for (double tau : {0.3, 1.0, 5.0}) {
        std::vector<double> p(9);
        sampling_distribution(y.data(), 9, SamplerOptions{tau, k, 1e-9}, p.data());
        for (int j = 0; j < 9; ++j)
          CHECK((p[j] > 0) == (j == best));
        CHECK(p[best] == Approx(1.0).epsilon(1e-15));
        CHECK(sample_next(y.data(), 9, SamplerOptions{tau, k, 1e-9}, a, work) == best);
      }
    }
  }
  // Ties at the top: the lower id is the argmax.
  const std::vector<double> ties = {0.5, 2.0, -1.0, 2.0};
  CHECK(distribution(ties, {1.0, 0, 1e-9}) == std::vector<double>{0, 1, 0, 0});
  // τ = 0: the argmax whatever top-p, and no random number.
  Rng rng(67);
  const Rng before = rng;
  CHECK(sample_next(ties.data(), 4, SamplerOptions{0.0, 0, 0.3}, rng, work) == 1);
  CHECK(distribution(ties, {0.0, 0, 0.3}) == std::vector<double>{0, 1, 0, 0});
  Rng untouched = before;
  CHECK(rng.engine() == untouched.engine());
}

// Pearson's chi-square goodness-of-fit test. n = 200,000 draws with a fixed seed; the counts O_j
// are compared with n p_j, p from the independent reference above, through
// X² = Σ_j (O_j - n p_j)² / (n p_j). For a correct sampler X² follows a chi-square distribution
// with (ids with p_j > 0) - 1 degrees of freedom, and the test requires X² below its upper 0.1%
// point. The same counts are then scored against the distributions that two classic bugs would
// sample from, temperature applied twice (softmax of y/τ²) and an off-by-one in the inverse CDF
// (every probability moved to the next or the previous id), and each must be rejected: that
// shows the test has the power to catch them.
TEST_CASE("empirical frequencies of 200,000 draws pass a chi-square test against the softmax",
          "[sampler]") {
  const int V = 8;
  const long n = 200000;
  struct Case {
    double tau;
    int k;
    std::uint64_t seed;
  };
  for (const Case c : {Case{1.0, 0, 1}, Case{0.5, 0, 2}, Case{2.0, 0, 3}, Case{0.8, 4, 4}}) {
    const auto kept = c.k ? k_largest(kLogits, c.k) : std::vector<int>{};
    const auto p = reference(kLogits, c.tau, kept);
    std::vector<long> counts(V, 0);
    Rng rng(c.seed);
    std::vector<double> work(V);
    for (long draw = 0; draw < n; ++draw)
      ++counts[sample_next(kLogits.data(), V, SamplerOptions{c.tau, c.k}, rng, work)];

    const int dof = (c.k ? c.k : V) - 1;
    const double bound = chi_square_999(dof);
    const double x2 = chi_square(counts, p);
    INFO("tau " << c.tau << ", top-k " << c.k << ": X² = " << x2 << ", bound " << bound << " ("
                << dof << " degrees of freedom)");
    CHECK(x2 < bound);

    CHECK(chi_square(counts, shifted(p, 1)) > 100 * bound);
    CHECK(chi_square(counts, shifted(p, -1)) > 100 * bound);
    if (c.tau != 1.0) CHECK(chi_square(counts, reference(kLogits, c.tau * c.tau, kept)) > bound);
  }
}

TEST_CASE("sample_next is the inverse CDF of exactly one uniform number", "[sampler]") {
  Rng logits_rng(29);
  std::vector<double> work, p(10);
  Rng rng(31), twin(31);
  for (int draw = 0; draw < 5000; ++draw) {
    const auto y = random_vector<double>(10, logits_rng, 2.0);
    const SamplerOptions opt{0.7, draw % 4 == 0 ? 4 : 0};
    const int id = sample_next(y.data(), 10, opt, rng, work);
    // The twin draws the same u; the smallest j with p_0 + ... + p_j > u is the answer.
    const double u = twin.uniform();
    sampling_distribution(y.data(), 10, opt, p.data());
    int expected = -1;
    double cdf = 0;
    for (int j = 0; j < 10 && expected < 0; ++j) {
      cdf += p[j];
      if (p[j] > 0 && cdf > u) expected = j;
    }
    REQUIRE(id == expected);
    REQUIRE(rng.engine() == twin.engine());  // one uniform per call, no more
  }
}

TEST_CASE("huge logits (1e4) neither overflow nor lose precision", "[sampler]") {
  // Shifted by the maximum these are (0, -1, -20000, -10000, 0): e^{1e4} is never formed.
  const std::vector<double> yd = {1e4, 1e4 - 1, -1e4, 0.0, 1e4};
  const std::vector<float> yf(yd.begin(), yd.end());  // all exact in float
  const double e = std::exp(-1.0);
  for (int precision = 0; precision < 2; ++precision) {
    std::vector<double> p(5);
    auto dist = [&](SamplerOptions opt) {
      if (precision == 0)
        sampling_distribution(yd.data(), 5, opt, p.data());
      else
        sampling_distribution(yf.data(), 5, opt, p.data());
      return p;
    };
    const auto p1 = dist({1.0, 0});
    CHECK(p1[0] == Approx(1 / (2 + e)).epsilon(1e-14));
    CHECK(p1[1] == Approx(e / (2 + e)).epsilon(1e-14));
    CHECK(p1[2] == 0);  // e^{-20000} underflows to exactly 0, harmlessly
    CHECK(p1[3] == 0);
    CHECK(p1[4] == Approx(1 / (2 + e)).epsilon(1e-14));
    const auto cold = dist({0.01, 0});
    CHECK(cold[0] == Approx(0.5).epsilon(1e-14));
    CHECK(cold[4] == Approx(0.5).epsilon(1e-14));
    // τ = 1e5: p_j is proportional to e^{(y_j - 1e4)/τ}, each term between e^{-0.2} and 1.
    const std::vector<double> shifted_by_max = {0.0, -1.0, -2e4, -1e4, 0.0};
    const auto warm = dist({1e5, 0});
    const auto warm_ref = reference(shifted_by_max, 1e5);
    for (int j = 0; j < 5; ++j)
      CHECK(warm[j] == Approx(warm_ref[j]).epsilon(1e-12));
    for (double v : dist({1e7, 0}))  // τ far above the spread of 2e4: nearly uniform
      CHECK(v == Approx(0.2).epsilon(1e-2));
    Rng rng(37);
    std::vector<double> work;
    for (int draw = 0; draw < 100; ++draw) {
      const int id = precision == 0 ? sample_next(yd.data(), 5, SamplerOptions{}, rng, work)
                                    : sample_next(yf.data(), 5, SamplerOptions{}, rng, work);
      CHECK((id == 0 || id == 1 || id == 4));
    }
  }
}

TEST_CASE("the same seed gives the same sequence, another seed another one", "[sampler]") {
  auto run = [](std::uint64_t seed) {
    Rng rng(seed);
    std::vector<double> work(8);
    std::vector<int> ids;
    for (int draw = 0; draw < 1000; ++draw)
      ids.push_back(sample_next(kLogits.data(), 8, SamplerOptions{0.8, 5}, rng, work));
    return ids;
  };
  CHECK(run(42) == run(42));
  CHECK(run(42) != run(43));
}

TEST_CASE("float and double logits give the same distribution", "[sampler]") {
  Rng rng(41);
  for (int trial = 0; trial < 50; ++trial) {
    const auto yf = random_vector<float>(7, rng, 3.0);
    const std::vector<double> yd(yf.begin(), yf.end());
    std::vector<double> pf(7), pd(7);
    const SamplerOptions opt{0.6, trial % 3};
    sampling_distribution(yf.data(), 7, opt, pf.data());
    sampling_distribution(yd.data(), 7, opt, pd.data());
    CHECK(pf == pd);  // the sampler works in double, so the arithmetic is identical
  }
}

TEST_CASE("bad options and non-finite logits are rejected before any random number", "[sampler]") {
  Rng rng(43);
  const Rng before = rng;
  std::vector<double> work, p(8);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const SamplerOptions& bad :
       {SamplerOptions{-1.0, 0}, SamplerOptions{nan, 0}, SamplerOptions{-inf, 0},
        SamplerOptions{1.0, -1}, SamplerOptions{1.0, 0, 0.0}, SamplerOptions{1.0, 0, -0.5},
        SamplerOptions{1.0, 0, 1.5}, SamplerOptions{1.0, 0, nan}, SamplerOptions{0.0, 0, 0.0}}) {
    CHECK_THROWS_AS(sample_next(kLogits.data(), 8, bad, rng, work), std::invalid_argument);
    CHECK_THROWS_AS(sampling_distribution(kLogits.data(), 8, bad, p.data()), std::invalid_argument);
  }
  CHECK_THROWS_AS(sample_next(kLogits.data(), 0, SamplerOptions{}, rng, work),
                  std::invalid_argument);
  for (double poison : {nan, inf, -inf}) {
    std::vector<double> y = kLogits;
    y[5] = poison;
    for (double tau : {0.0, 1.0})
      CHECK_THROWS_AS(sample_next(y.data(), 8, SamplerOptions{tau, 0}, rng, work),
                      std::invalid_argument);
  }
  Rng untouched = before;
  CHECK(rng.engine() == untouched.engine());
}

TEST_CASE("the scratch vector is grown once and then reused", "[sampler]") {
  Rng rng(47);
  std::vector<double> work;
  sample_next(kLogits.data(), 8, SamplerOptions{}, rng, work);
  REQUIRE(work.size() >= 16);  // p and top-p's sorted copy
  const double* data = work.data();
  for (int draw = 0; draw < 100; ++draw)
    sample_next(kLogits.data(), 8, SamplerOptions{0.9, draw % 5, draw % 3 ? 0.8 : 1.0}, rng, work);
  CHECK(work.data() == data);
}

TEST_CASE("generating from a model's logits with B = 1, T = 1", "[sampler]") {
  const int V = 6, H = 5, L = 2;
  Rng init(53);
  auto model = random_model<Rnn<float>>(V, H, L, init, 1.0);
  auto generate = [&](std::uint64_t seed, double tau) {
    std::vector<float> state(model.state_layout(1).size(), 0.0f);
    std::vector<double> work(V);
    Rng rng(seed);
    const std::vector<int> prime = {2, 0, 5};
    for (std::size_t i = 0; i + 1 < prime.size(); ++i)  // warm up on all but the last
      model.logits(&prime[i], 1, 1, state.data(), state.data());
    int id = prime.back();
    std::vector<int> out;
    for (int step = 0; step < 40; ++step) {
      const CMat<float> y = model.logits(&id, 1, 1, state.data(), state.data());
      id = sample_next(y.row(0), V, SamplerOptions{tau, 0}, rng, work);
      REQUIRE(id >= 0);
      REQUIRE(id < V);
      out.push_back(id);
    }
    return out;
  };
  CHECK(generate(7, 1.0) == generate(7, 1.0));
  CHECK(generate(7, 0.0) == generate(8, 0.0));  // greedy decoding ignores the seed
}
