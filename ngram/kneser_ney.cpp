#include "ngram/kneser_ney.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace charnn {

namespace {

// (K9) D = n1 / (n1 + 2 n2): n1 and n2 are how many strings of one order have the count (or the
// continuation count) exactly 1 and exactly 2 (Ney, Essen & Kneser 1994). With neither (a text
// too small to say), D is 1/2. D is kept inside [0.05, 0.95]: above 0 so that every context
// leaves some probability to the lower order (else an unseen character could get 0), below 1
// so that a string seen once keeps part of its count.
double discount(std::uint64_t n1, std::uint64_t n2) {
  constexpr double kFallback = 0.5, kLowest = 0.05, kHighest = 0.95;
  if (n1 + 2 * n2 == 0) return kFallback;
  const double D = static_cast<double>(n1) / static_cast<double>(n1 + 2 * n2);  // (K9)
  return std::min(std::max(D, kLowest), kHighest);
}

}  // namespace

KneserNey::KneserNey(int order, int vocab) : order_(order), vocab_(vocab) {
  if (order < 1 || order > kMaxOrder)
    throw std::invalid_argument("KneserNey: order " + std::to_string(order) + " is not in 1.." +
                                std::to_string(kMaxOrder));
  if (vocab < 1 || vocab > kMaxVocab)
    throw std::invalid_argument("KneserNey: vocabulary " + std::to_string(vocab) +
                                " is not in 1.." + std::to_string(kMaxVocab));
  nodes_.assign(1, Node{});  // the empty string, before and after fit()
  discounts_.assign(static_cast<std::size_t>(order), 0.5);
  top_discounts_ = discounts_;
}

int KneserNey::order() const {
  return order_;
}
int KneserNey::vocab() const {
  return vocab_;
}
const std::vector<double>& KneserNey::discounts() const {
  return discounts_;
}

std::uint32_t KneserNey::extended(std::uint32_t s, int x) const {
  const auto it = extensions_.find(static_cast<std::uint64_t>(s) * vocab_ + x);
  return it == extensions_.end() ? kNone : it->second;
}

std::uint32_t KneserNey::extend(std::uint32_t s, int x, bool& is_new) {
  const auto [it, inserted] = extensions_.emplace(static_cast<std::uint64_t>(s) * vocab_ + x,
                                                  static_cast<std::uint32_t>(nodes_.size()));
  is_new = inserted;
  if (inserted) {
    if (nodes_.size() >= kNone) throw std::length_error("KneserNey: too many distinct n-grams");
    Node node;
    node.length = nodes_[s].length + 1;
    nodes_.push_back(node);
  }
  return it->second;
}

void KneserNey::fit(const std::vector<int>& ids) {
  if (fitted_) throw std::logic_error("KneserNey::fit: the model is fitted already");
  if (ids.size() >= kNone) throw std::length_error("KneserNey::fit: the text is too long");
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (ids[i] < 0 || ids[i] >= vocab_)
      throw std::invalid_argument("KneserNey::fit: id " + std::to_string(ids[i]) + " at position " +
                                  std::to_string(i) + " is not in [0, " + std::to_string(vocab_) +
                                  ")");
  fitted_ = true;
  const int N = order_;
  // One pass over the text. At position i, the strings that end there are s_k = ids[i-k+1..i]
  // for k = 1..N (as far as the text goes back): s_k is s_{k-1} extended by the older id
  // ids[i-k+1], so they are found one from the other, cur[k] from cur[k-1]. The strings that
  // ended at i-1 are prev[k]; s_k is prev[k-1] (its context h) followed by w = ids[i].
  std::vector<std::uint32_t> prev(static_cast<std::size_t>(N) + 1, kRoot), cur = prev;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const int longest = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(N), i + 1));
    for (int k = 1; k <= longest; ++k) {
      bool is_new = false;
      cur[k] = extend(cur[k - 1], ids[i + 1 - static_cast<std::size_t>(k)], is_new);
      Node& s = nodes_[cur[k]];
      Node& h = nodes_[prev[k - 1]];
      ++s.count;
      ++h.follow_total;                    // (K1) c(h•) = Σ_w c(hw)
      if (s.count == 1) ++h.follow_types;  // (K2) N1+(h•) = |{w : c(hw) > 0}|
      // A new s_k = x·s_{k-1} is one more distinct left neighbour x of s_{k-1}, and so one more
      // continuation of s_{k-1}'s own context (the string ids[i-k+2..i-1], prev[k-2]).
      if (is_new && k >= 2) {
        ++nodes_[cur[k - 1]].left;         // (K3) N1+(•s) = |{x : c(xs) > 0}| ...
        ++nodes_[prev[k - 2]].left_total;  // (K4) N1+(•h•) = Σ_w N1+(•hw)
      }
      // The start of the text counts as one more left neighbour of each string it begins
      // (ids[0..i] for i < N-1), as if a start symbol stood before the text; so every string
      // with c(s) > 0 has N1+(•s) > 0, and N1+(h•) counts the continuations > 0 too.
      if (static_cast<std::size_t>(k) == i + 1 && k < N) {
        ++s.left;                          // (K3) ... + [s starts the text]
        ++nodes_[prev[k - 1]].left_total;  // (K4)
      }
    }
    std::swap(prev, cur);
  }

  // The counts of counts of each order: n1, n2 of c(s) (every order) and of N1+(•s) (below N).
  std::vector<std::uint64_t> c1(static_cast<std::size_t>(N) + 1, 0), c2 = c1, l1 = c1, l2 = c1;
  for (const Node& s : nodes_) {
    if (s.count == 1) ++c1[s.length];
    if (s.count == 2) ++c2[s.length];
    if (s.left == 1) ++l1[s.length];
    if (s.left == 2) ++l2[s.length];
  }
  for (int n = 1; n <= N; ++n) {
    top_discounts_[n - 1] = discount(c1[n], c2[n]);
    discounts_[n - 1] = n < N ? discount(l1[n], l2[n]) : top_discounts_[n - 1];
  }
}

void KneserNey::context_chain(const int* context, int n, std::uint32_t* chain, int& used) const {
  if (n < 0) throw std::out_of_range("KneserNey: a history of " + std::to_string(n) + " ids");
  used = std::min(n, order_ - 1);
  chain[0] = kRoot;
  for (int j = 1; j <= used; ++j) {
    const int x = context[n - j];  // the j-th id back, the most recent first
    if (x < 0 || x >= vocab_)
      throw std::out_of_range("KneserNey: history id " + std::to_string(x) + " is not in [0, " +
                              std::to_string(vocab_) + ")");
    chain[j] = chain[j - 1] == kNone ? kNone : extended(chain[j - 1], x);
  }
}

double KneserNey::prob_from_chain(const int* context, int n, const std::uint32_t* chain, int used,
                                  int w) const {
  if (w < 0 || w >= vocab_)
    throw std::out_of_range("KneserNey: id " + std::to_string(w) + " is not in [0, " +
                            std::to_string(vocab_) + ")");
  double p = 1.0 / vocab_;  // (K7) P_0(w) = 1/V, below order 1
  // Order m reads the context h = the last m-1 ids (chain[m-1]) and the string hw (s). The top
  // order, m = used + 1, counts occurrences c; the orders below count left neighbours N1+(•·).
  std::uint32_t s = kNone;
  for (int m = 1; m <= used + 1; ++m) {
    s = m == 1 ? extended(kRoot, w) : s == kNone ? kNone : extended(s, context[n - m + 1]);
    const std::uint32_t h = chain[m - 1];
    if (h == kNone) break;  // (K8) h unseen, and every longer context too: P(w|h) = P(w|h')
    const Node& ctx = nodes_[h];
    const bool top = m == used + 1;
    const double total = top ? ctx.follow_total : ctx.left_total;
    if (total == 0) continue;  // (K8) h never followed by anything: P(w|h) = P(w|h')
    const double a = s == kNone ? 0.0 : top ? nodes_[s].count : nodes_[s].left;
    const double D = top ? top_discounts_[m - 1] : discounts_[m - 1];
    const double lower = D * ctx.follow_types / total;  // the weight of P(w|h')
    p = std::max(a - D, 0.0) / total + lower * p;       // (K5) top order, (K6) below it
  }
  return p;
}

double KneserNey::prob(const int* context, int n, int next) const {
  std::uint32_t chain[kMaxOrder];
  int used = 0;
  context_chain(context, n, chain, used);
  return prob_from_chain(context, n, chain, used, next);
}

void KneserNey::probs(const int* context, int n, double* p) const {
  std::uint32_t chain[kMaxOrder];
  int used = 0;
  context_chain(context, n, chain, used);
  for (int w = 0; w < vocab_; ++w)
    p[w] = prob_from_chain(context, n, chain, used, w);
}

double ngram_window_loss(const KneserNey& model, const std::vector<int>& ids, int T) {
  if (T < 1) throw std::invalid_argument("ngram_window_loss: T = " + std::to_string(T));
  const std::size_t n = ids.size();
  if (n < 2) return 0;
  // train/data.h's window_count, and ./evaluate's rule for a text shorter than one window.
  if ((n - 1) / static_cast<std::size_t>(T) == 0) T = static_cast<int>(n - 1);
  const std::size_t windows = (n - 1) / static_cast<std::size_t>(T);
  double total = 0;
  for (std::size_t w = 0; w < windows; ++w) {
    const int* window = ids.data() + w * static_cast<std::size_t>(T);
    for (int t = 0; t < T; ++t)
      total -= std::log(model.prob(window, t + 1, window[t + 1]));  // (K10) -ln P(c_{wT+t+1}|·)
  }
  return total / (static_cast<double>(windows) * T);  // (K10) the mean over W T predictions
}

}  // namespace charnn
