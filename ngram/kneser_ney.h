// An interpolated Kneser-Ney character n-gram model: a counting baseline for the networks.
//
// Shape legend: N the order (the model reads at most N-1 characters of history), V the
// vocabulary, ids in [0, V). A string s is a run of 0 to N consecutive ids of the training text;
// h is a context (the history the model reads), w the next id, h' is h without its oldest id.
// fit() counts every string once, in one pass over the text; prob() then needs no scan of the
// text or of the vocabulary, only a walk of at most N-1 steps along the history. Equations
// (K1)-(K10) are derived in docs/ngram.md; each line that computes one carries its label.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace charnn {

class KneserNey {
 public:
  // order N >= 1 (N = 1 is the unigram level interpolated with uniform), vocab V >= 1.
  // Throws std::invalid_argument for an order outside 1..kMaxOrder or a vocabulary outside
  // 1..kMaxVocab.
  KneserNey(int order, int vocab);
  // Counts every n-gram (n = 1..N) of the training ids (ids in [0, V)); may be called once.
  // Throws std::invalid_argument for an id outside [0, V), std::logic_error on a second call.
  // An empty text is allowed: every probability is then 1/V.
  void fit(const std::vector<int>& ids);
  int order() const;
  int vocab() const;
  // P(next | context): context points at the n ids that precede `next` (most recent last);
  // only the last min(n, N-1) of them are used. n may be 0 (no history).
  // Throws std::out_of_range when `next` or a used id of the context is outside [0, V).
  double prob(const int* context, int n, int next) const;
  // The whole distribution over the V ids for that context into p[0..V-1] (sums to 1).
  void probs(const int* context, int n, double* p) const;
  // The discount D_n of each order n = 1..N, index n-1 (for docs and tests).
  const std::vector<double>& discounts() const;

  static constexpr int kMaxOrder = 32;
  static constexpr int kMaxVocab = 0x110000;  // one id per Unicode code point at most

 private:
  // One distinct string s of the training text, 0 to N ids long; nodes_[0] is the empty
  // string. As an n-gram, s has a count; as a context, s has what follows it.
  struct Node {
    std::uint32_t count = 0;         // c(s): how often s occurs in the text
    std::uint32_t left = 0;          // (K3) N1+(•s), for strings shorter than N
    std::uint32_t follow_total = 0;  // (K1) c(s•) = Σ_w c(sw)
    std::uint32_t follow_types = 0;  // (K2) N1+(s•)
    std::uint32_t left_total = 0;    // (K4) N1+(•s•) = Σ_w N1+(•sw)
    std::uint32_t length = 0;        // |s|, 0 to N
  };
  static constexpr std::uint32_t kRoot = 0;            // the empty string
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;  // a string the text does not hold

  // The node of the string x·s (x one id older than s), or kNone.
  std::uint32_t extended(std::uint32_t s, int x) const;
  // The same, created with zero counts when it is new; `is_new` says which.
  std::uint32_t extend(std::uint32_t s, int x, bool& is_new);
  // The contexts the history offers: chain[j] is the node of its last j ids, j = 0..used,
  // used = min(n, N-1), kNone from the first one the text does not hold.
  void context_chain(const int* context, int n, std::uint32_t* chain, int& used) const;
  // P(w | the last `used` ids of the context), the recursion (K7), (K5)/(K6), (K8).
  double prob_from_chain(const int* context, int n, const std::uint32_t* chain, int used,
                         int w) const;

  int order_, vocab_;
  bool fitted_ = false;
  std::vector<Node> nodes_;
  std::unordered_map<std::uint64_t, std::uint32_t> extensions_;  // s * V + x -> node of x·s
  std::vector<double> discounts_;      // (K9) D_n, n = 1..N: of N1+(•s) below N, of c(s) at N
  std::vector<double> top_discounts_;  // (K9) D_n of c(s) at every order: for a history shorter
                                       // than N-1, whose top level is order n < N
};

// The mean of -log P over the same windows the networks are scored on (train/data.h
// window_count / window_loss, docs/training.md "Validation"): windows of T+1 characters that
// overlap by one, window w = ids[wT .. wT+T]; in window w, step t predicts ids[wT+t+1] from
// ids[wT .. wT+t] only (history never reaches into the previous window, as each network window
// starts from a zero state); the tail after the last whole window is not scored; a text with
// fewer than T+1 ids is one shorter window. Returns nats per character; 0 for a text of fewer
// than 2 ids (nothing to predict), as window_loss returns for no window. Throws
// std::invalid_argument for T < 1.
double ngram_window_loss(const KneserNey& model, const std::vector<int>& ids, int T);

}  // namespace charnn
