// Beam search (samples/beam_search.h, docs/sampling.md "Beam search"): against exhaustive search
// over every continuation, on hand-written tables and on real models with a tiny vocabulary;
// K = 1 against greedy decoding; the tie rule; the score it reports.
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "lstm/lstm.h"
#include "rnn/rnn.h"
#include "samples/beam_search.h"
#include "samples/generate.h"
#include "tests/catch.hpp"
#include "tests/helpers.h"

using namespace charnn;
using charnn::testing::random_model;

namespace {

// A hand-made model of V characters: the next character's probabilities depend only on the
// previous one. first[j] = P(c_1 = j), next[i][j] = P(c_{t+1} = j | c_t = i).
struct Table {
  std::vector<double> first;
  std::vector<std::vector<double>> next;
  int V() const { return static_cast<int>(first.size()); }
};

std::vector<double> logs(const std::vector<double>& p) {
  std::vector<double> out;
  for (double v : p)
    out.push_back(std::log(v));  // log 0 = -infinity: a continuation that cannot happen
  return out;
}

// The score (P6) of a sequence, added up in the order beam search adds it.
double table_score(const Table& m, const std::vector<int>& ids) {
  double s = 0;
  for (std::size_t t = 0; t < ids.size(); ++t)
    s += std::log(t == 0 ? m.first[ids[t]] : m.next[ids[t - 1]][ids[t]]);
  return s;
}

BeamResult table_beam(const Table& m, int K, int length) {
  const int V = m.V();
  const std::vector<double> first = logs(m.first);
  std::vector<std::vector<double>> next;
  for (const auto& row : m.next)
    next.push_back(logs(row));
  // The table ignores the parents: its state is the last character alone.
  const BeamStep step = [&](const int*, const int* last, int n, double* logp) {
    for (int r = 0; r < n; ++r)
      for (int j = 0; j < V; ++j)
        logp[r * V + j] = next[last[r]][j];
  };
  return beam_search(V, K, length, first.data(), step);
}

// Every sequence of `length` ids over V in lexicographic order, scored by `score`; the best,
// and of equal scores the first (the lexicographically smallest). `second` is the next best
// score of a different sequence.
template <class Score>
BeamResult exhaustive(int V, int length, Score score, double* second = nullptr) {
  std::vector<int> ids(length, 0);
  BeamResult best;
  best.score = -std::numeric_limits<double>::infinity();
  double runner_up = best.score;
  for (;;) {
    const double s = score(ids);
    if (s > best.score) {
      runner_up = best.score;
      best.score = s;
      best.ids = ids;
    } else if (s > runner_up) {
      runner_up = s;
    }
    int k = length - 1;  // the next sequence: count in base V
    while (k >= 0 && ids[k] == V - 1)
      ids[k--] = 0;
    if (k < 0) break;
    ++ids[k];
  }
  if (second) *second = runner_up;
  return best;
}

// Greedy decoding on the table: the most likely character each time, the lowest id on ties.
std::vector<int> table_greedy(const Table& m, int length) {
  std::vector<int> ids;
  for (int t = 0; t < length; ++t) {
    const auto& p = t == 0 ? m.first : m.next[ids.back()];
    int best = 0;
    for (int j = 1; j < m.V(); ++j)
      if (p[j] > p[best]) best = j;
    ids.push_back(best);
  }
  return ids;
}

int power(int base, int exponent) {
  int r = 1;
  for (int k = 0; k < exponent; ++k)
    r *= base;
  return r;
}

}  // namespace

TEST_CASE("beam search finds the most likely sequence where greedy decoding does not",
          "[sampler][beam]") {
  // 'a' is the likeliest first character, but after it everything is a coin toss; 'b' is a
  // little less likely first, and then almost surely repeats. Greedy takes 'a' and then 'a'
  // again each time, 0.5 · 0.34^4 = 0.0067; the best sequence is "bbbbb", 0.4 · 0.9^4 = 0.26.
  const Table m{{0.5, 0.4, 0.1}, {{0.34, 0.33, 0.33}, {0.05, 0.9, 0.05}, {0.2, 0.4, 0.4}}};
  const int V = 3, L = 5;
  const BeamResult best =
      exhaustive(V, L, [&](const std::vector<int>& ids) { return table_score(m, ids); });
  CHECK(best.ids == std::vector<int>{1, 1, 1, 1, 1});

  const BeamResult one = table_beam(m, 1, L);
  CHECK(one.ids == table_greedy(m, L));
  CHECK(one.ids == std::vector<int>{0, 0, 0, 0, 0});
  CHECK(one.score == table_score(m, one.ids));
  CHECK(one.score < best.score - 1);  // e^-1: greedy's text is far less likely

  for (int K : {2, 3, 9, power(V, L - 1), power(V, L)}) {
    const BeamResult b = table_beam(m, K, L);
    INFO("K = " << K);
    CHECK(b.ids == best.ids);
    CHECK(b.score == best.score);  // the same additions in the same order: bit for bit
    CHECK(b.score == Approx(std::log(0.4 * std::pow(0.9, 4))).epsilon(1e-14));
  }
}

TEST_CASE("beam search with K >= V^(L-1) is exhaustive search, K = 1 is greedy (random tables)",
          "[sampler][beam]") {
  Rng rng(71);
  const int V = 3, L = 5;
  for (int trial = 0; trial < 30; ++trial) {
    Table m;
    auto random_row = [&] {
      std::vector<double> p(V);
      double sum = 0;
      for (double& v : p)
        sum += v = 0.05 + rng.uniform();
      for (double& v : p)
        v /= sum;
      return p;
    };
    m.first = random_row();
    for (int i = 0; i < V; ++i)
      m.next.push_back(random_row());
    INFO("trial " << trial);
    const BeamResult best =
        exhaustive(V, L, [&](const std::vector<int>& ids) { return table_score(m, ids); });
    for (int K : {power(V, L - 1), power(V, L), 1000}) {
      const BeamResult b = table_beam(m, K, L);
      CHECK(b.ids == best.ids);
      CHECK(b.score == best.score);
    }
    const BeamResult one = table_beam(m, 1, L);
    CHECK(one.ids == table_greedy(m, L));
    CHECK(one.score == table_score(m, one.ids));
    // Any K: the reported score is the score of the reported sequence, and never above the best.
    for (int K : {2, 3, 5, 20}) {
      const BeamResult b = table_beam(m, K, L);
      CHECK(b.score == table_score(m, b.ids));
      CHECK(b.score <= best.score);
    }
  }
}

TEST_CASE("beam search breaks ties toward the lexicographically smallest sequence",
          "[sampler][beam]") {
  // "aa", "ba" and "bb" all have probability 1/4 (log 1/4 = 2 log 1/2 exactly, checked below).
  // Greedy (K = 1) takes 'b' (1/2) first, then the lower id 'a' of a tie: "ba". With two beams
  // 'b' and 'a' both survive the first step (of 'a' and 'c', tied at 1/4, the lower id), and of
  // the three equal sequences "aa" comes first.
  REQUIRE(std::log(0.25) == 2 * std::log(0.5));
  const Table m{{0.25, 0.5, 0.25}, {{1.0, 0.0, 0.0}, {0.5, 0.5, 0.0}, {0.25, 0.25, 0.5}}};
  const BeamResult one = table_beam(m, 1, 2);
  CHECK(one.ids == std::vector<int>{1, 0});
  CHECK(one.score == std::log(0.25));
  for (int K : {2, 3, 9}) {
    const BeamResult b = table_beam(m, K, 2);
    INFO("K = " << K);
    CHECK(b.ids == std::vector<int>{0, 0});
    CHECK(b.score == std::log(0.25));
  }
  // Everything equally likely: every sequence ties, and the answer is all zeros for any K.
  const Table flat{{1.0 / 3, 1.0 / 3, 1.0 / 3},
                   std::vector<std::vector<double>>(3, {0.5, 0.5, 0.5})};
  for (int K : {1, 2, 4, 27, 100})
    CHECK(table_beam(flat, K, 4).ids == std::vector<int>{0, 0, 0, 0});
  // Length 0: nothing, score 0. Length 1: the argmax of the first distribution.
  CHECK(table_beam(m, 3, 0).ids.empty());
  CHECK(table_beam(m, 3, 0).score == 0);
  CHECK(table_beam(m, 3, 1).ids == std::vector<int>{1});
}

TEST_CASE("beam search refuses bad arguments and NaN log-probabilities", "[sampler][beam]") {
  const std::vector<double> first = {-1.0, -0.5};
  const BeamStep fine = [](const int*, const int*, int n, double* logp) {
    for (int k = 0; k < 2 * n; ++k)
      logp[k] = -0.7;
  };
  CHECK_THROWS_AS(beam_search(0, 2, 3, first.data(), fine), std::invalid_argument);
  CHECK_THROWS_AS(beam_search(2, 0, 3, first.data(), fine), std::invalid_argument);
  CHECK_THROWS_AS(beam_search(2, 2, -1, first.data(), fine), std::invalid_argument);
  const BeamStep nan = [](const int*, const int*, int n, double* logp) {
    for (int k = 0; k < 2 * n; ++k)
      logp[k] = std::numeric_limits<double>::quiet_NaN();
  };
  CHECK_THROWS_AS(beam_search(2, 2, 3, first.data(), nan), std::invalid_argument);
  CHECK_NOTHROW(beam_search(2, 2, 3, first.data(), fine));
  const std::vector<float> poisoned = {0.0f, std::numeric_limits<float>::infinity()};
  std::vector<double> out(2);
  CHECK_THROWS_AS(log_softmax(poisoned.data(), 2, out.data()), std::invalid_argument);
}

TEST_CASE("log_softmax is log of the softmax, without overflow", "[sampler][beam]") {
  const std::vector<double> y = {2.0, 1.0, 0.1};
  std::vector<double> lp(3);
  log_softmax(y.data(), 3, lp.data());
  const double z = std::exp(2.0) + std::exp(1.0) + std::exp(0.1);
  for (int j = 0; j < 3; ++j)
    CHECK(lp[j] == Approx(y[j] - std::log(z)).epsilon(1e-14));
  const std::vector<float> huge = {1e4f, 1e4f - 1, -1e4f};
  std::vector<double> hp(3);
  log_softmax(huge.data(), 3, hp.data());
  const double e = std::exp(-1.0);
  CHECK(hp[0] == Approx(-std::log1p(e)).epsilon(1e-14));
  CHECK(hp[1] == Approx(-1 - std::log1p(e)).epsilon(1e-14));
  CHECK(hp[2] == Approx(-2e4 - std::log1p(e)).epsilon(1e-14));
}

namespace {

// The log-probability (P6) of every continuation of `length` ids after `prime`, computed with
// one batch: stream b reads the prime, then the sequence whose base-V digits are b. Returns
// score[b] for b = 0 .. V^length - 1 (the first digit is the most significant, so b counts the
// sequences in lexicographic order).
template <class Model>
std::vector<double> all_scores(Model& model, const std::vector<int>& prime, int length) {
  using S = typename Model::S;
  const int V = model.vocab(), B = power(V, length), P = static_cast<int>(prime.size());
  const int T = P + length - 1;  // the last character of a sequence is predicted, never read
  std::vector<int> inputs(static_cast<std::size_t>(T) * B);
  for (int b = 0; b < B; ++b) {
    for (int t = 0; t < P; ++t)
      inputs[static_cast<std::size_t>(t) * B + b] = prime[t];
    for (int t = 0; t + 1 < length; ++t)
      inputs[static_cast<std::size_t>(P + t) * B + b] = (b / power(V, length - 1 - t)) % V;
  }
  std::vector<S> state(model.state_layout(B).size(), S(0));
  const CMat<S> y = model.logits(inputs.data(), B, T, state.data(), state.data());
  std::vector<double> scores(B, 0.0);
  for (int b = 0; b < B; ++b)
    for (int t = 0; t < length; ++t) {
      const S* row = y.row((P - 1 + t) * B + b);
      double m = static_cast<double>(row[0]), sum = 0;
      for (int j = 1; j < V; ++j)
        m = std::max(m, static_cast<double>(row[j]));
      for (int j = 0; j < V; ++j)
        sum += std::exp(static_cast<double>(row[j]) - m);
      const int id = (b / power(V, length - 1 - t)) % V;
      scores[b] += static_cast<double>(row[id]) - m - std::log(sum);
    }
  return scores;
}

template <class Model>
void check_exhaustive(Model& model, const std::vector<int>& prime, int length) {
  const int V = model.vocab();
  // The batch of every sequence and the batch of the beams have different sizes, so their
  // logits may differ in the last bits: those of float, or of double.
  const double tol = sizeof(typename Model::S) == 4 ? 1e-5 : 1e-12;
  const std::vector<double> scores = all_scores(model, prime, length);
  auto index = [&](const std::vector<int>& ids) {
    int b = 0;
    for (int id : ids)
      b = b * V + id;
    return b;
  };
  double second = 0;
  const BeamResult best = exhaustive(
      V, length, [&](const std::vector<int>& ids) { return scores[index(ids)]; }, &second);
  // The best must stand clear of that rounding for the comparison to mean something.
  REQUIRE(best.score - second > 1000 * tol);
  for (int K : {power(V, length - 1), power(V, length)}) {
    INFO("K = " << K);
    const BeamResult b = beam_search(model, prime, K, length);
    CHECK(b.ids == best.ids);
    CHECK(b.score == Approx(best.score).margin(tol));
  }
  // Any K: the score reported is that of the sequence reported, which checks that each beam
  // carried its own parent's state.
  for (int K : {1, 2, 3, 5}) {
    INFO("K = " << K);
    const BeamResult b = beam_search(model, prime, K, length);
    CHECK(b.score == Approx(scores[index(b.ids)]).margin(tol));
    CHECK(b.score <= best.score + tol);
  }
}

}  // namespace

TEST_CASE("beam search on real models with V = 3 or 4 equals exhaustive search",
          "[sampler][beam]") {
  Rng init(73);
  {
    auto rnn = random_model<Rnn<double>>(3, 6, 1, init, 1.5);
    check_exhaustive(rnn, {0, 2, 1}, 5);
  }
  {
    auto lstm = random_model<Lstm<double>>(4, 5, 2, init, 1.5);  // two layers: h0, c0 each
    check_exhaustive(lstm, {3}, 4);
  }
  {
    auto lstm = random_model<Lstm<float>>(3, 4, 1, init, 2.0);
    check_exhaustive(lstm, {1, 1}, 4);
  }
}

TEST_CASE("beam search with K = 1 is greedy decoding (temperature 0)", "[sampler][beam]") {
  Rng init(79);
  auto rnn = random_model<Rnn<float>>(6, 8, 2, init, 1.0);
  auto lstm = random_model<Lstm<float>>(6, 8, 1, init, 1.0);
  const Vocabulary vocab({U'\n', U' ', U'a', U'b', U'c', U'd'});
  const std::vector<int> prime = {2, 0, 5};
  SamplerOptions greedy;
  greedy.temperature = 0;
  auto check = [&](auto& model) {
    Rng rng(1);
    const std::string text = generate(model, vocab, prime, 80, greedy, rng);
    const BeamResult one = beam_search(model, prime, 1, 80);
    CHECK(encode_utf8(vocab.decode(one.ids)) == text);
  };
  check(rnn);
  check(lstm);
}
