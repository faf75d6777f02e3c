// The Kneser-Ney character n-gram (ngram/kneser_ney.h, docs/ngram.md): distributions that sum
// to 1, the counts against a twin that counts by scanning the text, the discounts, the worked
// example of docs/ngram.md, and the loss on exactly the networks' validation windows.
#include <cmath>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ngram/kneser_ney.h"
#include "tests/catch.hpp"
#include "tests/helpers.h"
#include "train/data.h"

using namespace charnn;
using charnn::testing::repo_path;

namespace {

// A small text with repeated words, so that every order has strings seen once, twice and more.
const std::string kText =
    "the cat sat on the mat.\nthe dog sat on the log.\na cat and a dog sat on a mat.\n";

// Ids of `text` in the alphabet `symbols` (each character's position there).
std::vector<int> ids_of(const std::string& text, const std::string& symbols) {
  std::vector<int> ids;
  for (char c : text) {
    const std::size_t at = symbols.find(c);
    REQUIRE(at != std::string::npos);
    ids.push_back(static_cast<int>(at));
  }
  return ids;
}

// The sorted distinct characters of `text`.
std::string alphabet(const std::string& text) {
  const std::set<char> set(text.begin(), text.end());
  return std::string(set.begin(), set.end());
}

KneserNey fitted(int order, int V, const std::vector<int>& ids) {
  KneserNey model(order, V);
  model.fit(ids);
  return model;
}

// Interpolated Kneser-Ney from its definition, the slow way: every count is a scan of the whole
// text, nothing is stored. The twin of ngram/kneser_ney.cpp, for small texts.
struct Reference {
  std::vector<int> text;
  int N, V;

  using Str = std::vector<int>;

  // c(s): the positions where s occurs.
  double count(const Str& s) const {
    double c = 0;
    for (std::size_t i = 0; i + s.size() <= text.size(); ++i)
      c += std::equal(s.begin(), s.end(), text.begin() + static_cast<std::ptrdiff_t>(i));
    return c;
  }
  // N1+(•s): distinct ids seen just before s, and the start of the text when s begins it.
  double left(const Str& s) const {
    double n = 0;
    for (int x = 0; x < V; ++x) {
      Str xs = s;
      xs.insert(xs.begin(), x);
      n += count(xs) > 0;
    }
    const bool starts = s.size() <= text.size() && std::equal(s.begin(), s.end(), text.begin());
    return n + starts;
  }
  // Every distinct string of length n in the text.
  std::set<Str> strings(std::size_t n) const {
    std::set<Str> out;
    for (std::size_t i = 0; i + n <= text.size(); ++i)
      out.insert(Str(text.begin() + static_cast<std::ptrdiff_t>(i),
                     text.begin() + static_cast<std::ptrdiff_t>(i + n)));
    return out;
  }
  // D_n of the counts (continuation counts when `of_left`) of the strings of length n.
  double discount(std::size_t n, bool of_left) const {
    double n1 = 0, n2 = 0;
    for (const Str& s : strings(n)) {
      const double v = of_left ? left(s) : count(s);
      n1 += v == 1;
      n2 += v == 2;
    }
    if (n1 + 2 * n2 == 0) return 0.5;
    return std::min(std::max(n1 / (n1 + 2 * n2), 0.05), 0.95);
  }
  // P(w | the last min(|history|, N-1) ids of history) for every w, level by level from the
  // uniform one up. `D[m-1][of_left]` holds discount(m, of_left).
  std::vector<double> probs(const Str& history, const std::vector<std::vector<double>>& D) const {
    const std::size_t k = std::min(history.size(), static_cast<std::size_t>(N - 1));
    std::vector<double> p(static_cast<std::size_t>(V), 1.0 / V), v(p.size());
    for (std::size_t m = 1; m <= k + 1; ++m) {
      const Str h(history.end() - static_cast<std::ptrdiff_t>(m - 1), history.end());
      const bool top = m == k + 1;
      double total = 0, types = 0;
      for (int x = 0; x < V; ++x) {
        Str hx = h;
        hx.push_back(x);
        const double c = count(hx);
        v[static_cast<std::size_t>(x)] = top ? c : left(hx);
        total += v[static_cast<std::size_t>(x)];
        types += c > 0;
      }
      if (total == 0) continue;  // an unseen context: P(w|h) = P(w|h')
      const double d = D[m - 1][top ? 0 : 1];
      for (std::size_t x = 0; x < p.size(); ++x)
        p[x] = std::max(v[x] - d, 0.0) / total + d * types / total * p[x];
    }
    return p;
  }
  // discount(m, of_left) for m = 1..N.
  std::vector<std::vector<double>> discounts() const {
    std::vector<std::vector<double>> D;
    for (std::size_t m = 1; m <= static_cast<std::size_t>(N); ++m)
      D.push_back({discount(m, false), discount(m, true)});
    return D;
  }
};

// Histories of every length 0..7: seen ones, ones the text never holds, with ids it never
// holds (V has two spare ids), and mixtures.
std::vector<std::vector<int>> histories(const std::string& symbols, int V) {
  std::vector<std::vector<int>> out;
  for (const std::string& seen : {std::string("the cat"), std::string("a dog s"),
                                  std::string("on the"), std::string(".\nthe m")})
    for (std::size_t n = 0; n <= seen.size(); ++n)
      out.push_back(ids_of(seen.substr(seen.size() - n), symbols));
  const std::vector<int> unseen = {V - 1, V - 2, V - 1, V - 1, V - 2, V - 1, V - 2};
  for (std::size_t n = 1; n <= unseen.size(); ++n)
    out.emplace_back(unseen.begin(), unseen.begin() + static_cast<std::ptrdiff_t>(n));
  for (const std::string& odd :
       {std::string("tac eht"), std::string("gol.\n"), std::string("ttttttt"), std::string("  ")})
    out.push_back(ids_of(odd, symbols));
  std::vector<int> mixed = ids_of("the ", symbols);
  mixed.insert(mixed.begin() + 2, V - 1);  // "th?e ": the last 2 ids seen, the last 3 not
  out.push_back(mixed);
  return out;
}

}  // namespace

TEST_CASE("every distribution sums to 1 and gives every id a positive probability", "[ngram]") {
  const std::string symbols = alphabet(kText);
  const int V = static_cast<int>(symbols.size()) + 2;  // two ids the text never uses
  const std::vector<int> ids = ids_of(kText, symbols);
  const auto contexts = histories(symbols, V);
  for (int N = 1; N <= 5; ++N) {
    const KneserNey model = fitted(N, V, ids);
    std::vector<double> p(static_cast<std::size_t>(V));
    for (const std::vector<int>& h : contexts) {
      INFO("order " << N << ", a history of " << h.size() << " ids");
      model.probs(h.data(), static_cast<int>(h.size()), p.data());
      double sum = 0;
      for (int w = 0; w < V; ++w) {
        CHECK(p[static_cast<std::size_t>(w)] > 0);
        CHECK(model.prob(h.data(), static_cast<int>(h.size()), w) ==
              p[static_cast<std::size_t>(w)]);
        sum += p[static_cast<std::size_t>(w)];
      }
      CHECK(std::abs(sum - 1) <= 1e-12);
    }
  }
}

TEST_CASE("every probability is what the definitions give when each count is a scan of the text",
          "[ngram]") {
  const std::string symbols = alphabet(kText);
  const int V = static_cast<int>(symbols.size()) + 2;
  const std::vector<int> ids = ids_of(kText, symbols);
  for (int N = 1; N <= 5; ++N) {
    const KneserNey model = fitted(N, V, ids);
    const Reference ref{ids, N, V};
    const std::vector<std::vector<double>> D = ref.discounts();
    for (int n = 1; n <= N; ++n) {
      INFO("order " << N << ", D_" << n);
      CHECK(std::abs(model.discounts()[static_cast<std::size_t>(n - 1)] -
                     D[static_cast<std::size_t>(n - 1)][n < N ? 1 : 0]) <= 1e-15);
    }
    for (const std::vector<int>& h : histories(symbols, V)) {
      const std::vector<double> expected = ref.probs(h, D);
      for (int w = 0; w < V; ++w) {
        INFO("order " << N << ", a history of " << h.size() << " ids, next id " << w);
        CHECK(std::abs(model.prob(h.data(), static_cast<int>(h.size()), w) -
                       expected[static_cast<std::size_t>(w)]) <= 1e-12);
      }
    }
  }
}

TEST_CASE(
    "the discount is n1 / (n1 + 2 n2) of each order's counts of counts, 1/2 without them, "
    "kept within 0.05 to 0.95",
    "[ngram]") {
  auto discounts = [](const std::string& text, int N) {
    const std::string symbols = alphabet(text);
    return fitted(N, static_cast<int>(symbols.size()), ids_of(text, symbols)).discounts();
  };
  // "aab", unigrams: c(a) = 2, c(b) = 1, so n1 = 1, n2 = 1: D = 1/3.
  CHECK(discounts("aab", 1) == std::vector<double>{1.0 / 3});
  // "abcabcabd", bigrams: c(ab) = 3, c(bc) = c(ca) = 2, c(bd) = 1: n1 = 1, n2 = 2, D_2 = 1/5.
  // Unigrams by left neighbours: a after the start and c (2), b, c and d after one id each (1):
  // n1 = 3, n2 = 1, D_1 = 3/5.
  const std::vector<double> D = discounts("abcabcabd", 2);
  REQUIRE(D.size() == 2);
  CHECK(std::abs(D[0] - 3.0 / 5) <= 1e-15);
  CHECK(std::abs(D[1] - 1.0 / 5) <= 1e-15);
  CHECK(discounts("aaa", 1) == std::vector<double>{0.5});    // c(a) = 3: n1 = n2 = 0
  CHECK(discounts("ab", 1) == std::vector<double>{0.95});    // n1 = 2, n2 = 0: D = 1
  CHECK(discounts("aabb", 1) == std::vector<double>{0.05});  // n1 = 0, n2 = 2: D = 0
  CHECK(KneserNey(3, 4).discounts() == std::vector<double>{0.5, 0.5, 0.5});  // before fit()
}

namespace {

// The "```text ngram-worked-example" block of docs/ngram.md: `text = ...` and `order = N`, then
// lines "D_n = a/b", "P(w|h) = a/b" and "loss(x) = 0.1234" (the loss of x as one window).
struct WorkedExample {
  std::string text;
  int order = 0;
  std::vector<std::pair<int, double>> discounts;                   // n, D_n
  std::vector<std::pair<std::pair<std::string, char>, double>> p;  // (h, w), P(w|h)
  std::string loss_text;
  double loss = NAN;
};

double fraction(const std::string& s) {
  const std::size_t slash = s.find('/');
  REQUIRE(slash != std::string::npos);
  return std::stod(s.substr(0, slash)) / std::stod(s.substr(slash + 1));
}

WorkedExample worked_example() {
  std::istringstream in(testing::read_file(repo_path("docs/ngram.md")));
  WorkedExample ex;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (!inside) {
      inside = line.rfind("```", 0) == 0 && line.find("ngram-worked-example") != std::string::npos;
      continue;
    }
    if (line.rfind("```", 0) == 0) break;
    const std::size_t eq = line.find(" = ");
    if (eq == std::string::npos) continue;
    const std::string name = line.substr(0, eq), value = line.substr(eq + 3);
    if (name == "text") {
      ex.text = value;
    } else if (name == "order") {
      ex.order = std::stoi(value);
    } else if (name.rfind("D_", 0) == 0) {
      ex.discounts.push_back({std::stoi(name.substr(2)), fraction(value)});
    } else if (name.rfind("P(", 0) == 0 && name.size() == 6 && name[3] == '|') {
      ex.p.push_back({{name.substr(4, 1), name[2]}, fraction(value)});
    } else if (name.rfind("loss(", 0) == 0 && name.back() == ')') {
      ex.loss_text = name.substr(5, name.size() - 6);
      ex.loss = std::stod(value.substr(0, value.find(' ')));
    }
  }
  return ex;
}

}  // namespace

TEST_CASE("the worked example of docs/ngram.md is what the code computes", "[ngram]") {
  const WorkedExample ex = worked_example();
  REQUIRE(ex.text == "banana bandana");
  REQUIRE(ex.order == 2);
  REQUIRE(ex.discounts.size() == 2);
  REQUIRE(ex.p.size() >= 4);
  const std::string symbols = alphabet(ex.text);  // " abdn"
  const KneserNey model =
      fitted(ex.order, static_cast<int>(symbols.size()), ids_of(ex.text, symbols));
  for (const auto& [n, D] : ex.discounts) {
    INFO("D_" << n << ": docs " << D << ", code " << model.discounts()[n - 1]);
    CHECK(std::abs(model.discounts()[static_cast<std::size_t>(n - 1)] - D) <= 1e-12);
  }
  for (const auto& [hw, P] : ex.p) {
    const std::vector<int> h = ids_of(hw.first, symbols);
    const int w = ids_of(std::string(1, hw.second), symbols)[0];
    const double code = model.prob(h.data(), 1, w);
    INFO("P(" << hw.second << "|" << hw.first << "): docs " << P << ", code " << code);
    CHECK(std::abs(code - P) <= 1e-12);
  }
  // The hand computation of the page, step by step: P(n|a) from the continuation unigram.
  const double D1 = 3.0 / 5, D2 = 2.0 / 3;
  const double p_cont_n = std::max(1 - D1, 0.0) / 8 + D1 * 5 / 8 * (1.0 / 5);  // (K6), (K7)
  const double p_n_a = (4 - D2) / 5 + D2 * 2 / 5 * p_cont_n;                   // (K5)
  const std::vector<int> a = ids_of("a", symbols);
  CHECK(std::abs(model.prob(a.data(), 1, ids_of("n", symbols)[0]) - p_n_a) <= 1e-12);
  CHECK(std::abs(p_n_a - 0.7) <= 1e-12);

  // The loss of "band" as one window of 4 characters: 3 predictions, each from the id before.
  REQUIRE(ex.loss_text == "band");
  auto P = [&](char h, char w) {
    for (const auto& [hw, p] : ex.p)
      if (hw.first == std::string(1, h) && hw.second == w) return p;
    FAIL("the worked example has no P(" << w << "|" << h << ")");
    return 0.0;
  };
  const double hand = -(std::log(P('b', 'a')) + std::log(P('a', 'n')) + std::log(P('n', 'd'))) / 3;
  const double code = ngram_window_loss(model, ids_of("band", symbols), 3);
  CHECK(std::abs(code - hand) <= 1e-12);
  CHECK(std::abs(ex.loss - hand) <= 5e-5);  // the page prints 4 decimals
}

TEST_CASE("the loss is scored on exactly the validation windows of the networks", "[ngram]") {
  const std::string symbols = alphabet(kText);
  const int V = static_cast<int>(symbols.size());
  const KneserNey model = fitted(3, V, ids_of(kText, symbols));
  // The direct definition over train/data.h's windows: window w holds ids [wT, wT + T], and
  // step t predicts id wT+t+1 from ids wT .. wT+t, the history never reaching window w-1.
  auto direct = [&](const std::vector<int>& ids, int T, std::int64_t& predictions) {
    const std::int64_t W = window_count(ids.size(), T);
    double total = 0;
    predictions = 0;
    for (std::int64_t w = 0; w < W; ++w)
      for (int t = 0; t < T; ++t, ++predictions) {
        const std::size_t start = static_cast<std::size_t>(w * T);
        const std::vector<int> history(ids.begin() + static_cast<std::ptrdiff_t>(start),
                                       ids.begin() + static_cast<std::ptrdiff_t>(start + t + 1));
        total -= std::log(model.prob(history.data(), t + 1, ids[start + t + 1]));
      }
    return total / static_cast<double>(predictions);
  };
  // 10 characters, T = 4 (docs/training.md's example): windows 0..4 and 4..8, 8 predictions;
  // the last character is never predicted, so 9 characters give the same loss.
  const std::vector<int> ten = ids_of("the cat sa", symbols);
  std::int64_t predictions = 0;
  const double loss = ngram_window_loss(model, ten, 4);
  CHECK(std::abs(loss - direct(ten, 4, predictions)) <= 1e-15);
  CHECK(predictions == 8);
  CHECK(ngram_window_loss(model, std::vector<int>(ten.begin(), ten.end() - 1), 4) == loss);
  // Each window alone (from an empty history): the loss is their mean.
  const double first = ngram_window_loss(model, ids_of("the c", symbols), 4);
  const double second = ngram_window_loss(model, ids_of("cat s", symbols), 4);
  CHECK(std::abs(loss - (first + second) / 2) <= 1e-15);
  // A longer text, and T larger and smaller than the order.
  const std::vector<int> all = ids_of(kText, symbols);
  for (int T : {1, 2, 5, 13, 100}) {
    INFO("T = " << T);
    if (window_count(all.size(), T) == 0) continue;
    CHECK(std::abs(ngram_window_loss(model, all, T) - direct(all, T, predictions)) <= 1e-13);
  }
  // Fewer than T + 1 characters: one window of all of them (./evaluate's rule).
  const std::vector<int> three = ids_of("the", symbols);
  CHECK(ngram_window_loss(model, three, 100) == ngram_window_loss(model, three, 2));
  CHECK(ngram_window_loss(model, ids_of("t", symbols), 4) == 0);  // nothing to predict
  CHECK_THROWS_AS(ngram_window_loss(model, ten, 0), std::invalid_argument);
}

TEST_CASE("order 1 on a text where every character is seen is the interpolated unigram formula",
          "[ngram]") {
  const std::string text = "abracadabra";
  const std::string symbols = alphabet(text);  // "abcdr"
  const int V = 5;
  const KneserNey model = fitted(1, V, ids_of(text, symbols));
  // c(a) = 5, c(b) = c(r) = 2, c(c) = c(d) = 1 in 11 characters: n1 = 2, n2 = 2, D = 1/3.
  const double D = 1.0 / 3, count[V] = {5, 2, 1, 1, 2};
  REQUIRE(std::abs(model.discounts()[0] - D) <= 1e-15);
  const std::vector<int> history = ids_of("abra", symbols);  // ignored by a unigram
  for (int w = 0; w < V; ++w) {
    const double expected = std::max(count[w] - D, 0.0) / 11 + D * 5 / 11 * (1.0 / V);
    CHECK(std::abs(model.prob(nullptr, 0, w) - expected) <= 1e-15);
    CHECK(std::abs(model.prob(history.data(), 4, w) - expected) <= 1e-15);
  }
}

TEST_CASE("a history shorter than N-1 is scored as the model of one order more than its length",
          "[ngram]") {
  // At the start of a window the history is short: its top level is then order k+1 with plain
  // counts, the model KneserNey(k+1) fitted on the same text (docs/ngram.md, section 5).
  const std::string symbols = alphabet(kText);
  const int V = static_cast<int>(symbols.size());
  const std::vector<int> ids = ids_of(kText, symbols);
  const KneserNey big = fitted(5, V, ids);
  const std::vector<int> history = ids_of("the", symbols);
  for (int k = 0; k <= 3; ++k) {
    const KneserNey small = fitted(k + 1, V, ids);
    const int* h = history.data() + history.size() - k;
    for (int w = 0; w < V; ++w) {
      INFO("history of " << k << ", next id " << w);
      CHECK(big.prob(h, k, w) == small.prob(h, k, w));
    }
  }
}

TEST_CASE("on a repetitive text each higher order has a lower loss than the one below", "[ngram]") {
  std::string text;
  const char* lines[] = {"the cat sat on the mat. ", "the dog sat on the log. ",
                         "a cat and a dog sat on a mat. "};
  for (int k = 0; k < 60; ++k)
    text += lines[(k * 7) % 3];
  const std::string symbols = alphabet(text);
  const std::vector<int> ids = ids_of(text, symbols);
  const std::size_t cut = ids.size() * 9 / 10;
  const std::vector<int> train(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(cut));
  const std::vector<int> val(ids.begin() + static_cast<std::ptrdiff_t>(cut), ids.end());
  double previous = INFINITY;
  for (int N = 1; N <= 5; ++N) {
    const double loss =
        ngram_window_loss(fitted(N, static_cast<int>(symbols.size()), train), val, 20);
    INFO("order " << N << ": " << loss);
    CHECK(loss < previous);
    previous = loss;
  }
}

TEST_CASE("a bad order, vocabulary, id or second fit is refused", "[ngram]") {
  CHECK_THROWS_AS(KneserNey(0, 5), std::invalid_argument);
  CHECK_THROWS_AS(KneserNey(KneserNey::kMaxOrder + 1, 5), std::invalid_argument);
  CHECK_THROWS_AS(KneserNey(3, 0), std::invalid_argument);
  KneserNey model(3, 4);
  CHECK_THROWS_AS(model.fit({0, 1, 4}), std::invalid_argument);
  CHECK_THROWS_AS(model.fit({0, -1}), std::invalid_argument);
  model.fit({0, 1, 2, 3, 0, 1});
  CHECK_THROWS_AS(model.fit({0, 1}), std::logic_error);
  const int history[] = {0, 7};
  CHECK_THROWS_AS(model.prob(history, 1, 4), std::out_of_range);
  CHECK_THROWS_AS(model.prob(history, 2, 1), std::out_of_range);
  CHECK_NOTHROW(model.prob(history, 1, 3));
  // An empty text: nothing counted, every id 1/V.
  KneserNey empty(2, 4);
  empty.fit({});
  CHECK(empty.prob(history, 1, 2) == 0.25);
  CHECK(empty.order() == 2);
  CHECK(empty.vocab() == 4);
}
