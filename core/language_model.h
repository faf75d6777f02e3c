// A character-level language model: a recurrent network (Rnn or Lstm) under the shared softmax
// head, with all parameters in one flat buffer.
//
//   ids ─► Net::forward (layer by layer, t = 0..T-1) ─► h of the top layer ─► head ─► loss
//   loss ─► head backward ─► Net::backward (layers top-down, t = T-1..0) ─► grads
//
// loss() and loss_and_grad() are the functions training calls, and the gradient checker
// calls the very same ones. Nothing training-only (clipping, the optimizer) happens here.
#pragma once

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/batch.h"
#include "core/dropout.h"
#include "core/params.h"
#include "core/rng.h"
#include "core/softmax_head.h"

namespace charnn {

template <class Net>
class LanguageModel {
 public:
  using S = typename Net::Scalar;
  using Config = typename Net::Config;

  explicit LanguageModel(const Config& config)
      : net_(config, layout_),
        head_(net_.output_size(), config.vocab, layout_),
        params(layout_.size(), S(0)),
        grads(layout_.size(), S(0)) {}

  // The number of parameters of a model of `config`, head included: the size of params.
  static std::size_t parameter_count(const Config& config) {
    return Net::parameter_count(config) +
           SoftmaxHead<S>::parameter_count(config.hidden, config.vocab);
  }

  const Layout& layout() const { return layout_; }
  const Net& net() const { return net_; }
  const Config& config() const { return net_.config(); }
  int vocab() const { return net_.config().vocab; }

  // The carried hidden state of B streams: per layer h0 (and c0 for the LSTM), each (B,H).
  Layout state_layout(int B) const { return net_.state_layout(B); }

  // Fills params with the initial values (docs/training.md).
  void init(Rng& rng) {
    net_.init(params.data(), layout_, rng);
    head_.init(params.data(), layout_, rng);
  }

  // Mean cross-entropy (S3) of the batch, in nats per character. Reads the initial state from
  // state_in and writes the state after the last step to state_out (they may be one buffer).
  // Evaluation: nothing is dropped.
  double loss(const Batch& batch, const S* state_in, S* state_out) {
    return forward(batch, state_in, state_out, nullptr);
  }

  // The logits (S1) of the next character after every input, (N,V) with row t*B + b, for
  // sampling and inspection: the forward pass without targets or loss. resets: null, or (T,B)
  // record starts as in Batch. The view stays valid until the next call.
  CMat<S> logits(const int* inputs, int B, int T, const S* state_in, S* state_out,
                 const unsigned char* resets = nullptr) {
    if (B < 1 || T < 1) throw std::invalid_argument("need B >= 1, T >= 1");
    check_ids(inputs, B * T);
    reserve(B, T);
    dropped_ = false;
    net_.forward(params.data(), layout_, inputs, B, T, state_in, state_out, nullptr, resets);
    head_.logits(params.data(), layout_, net_.output(), probs());
    return probs();
  }

  // The same loss, and its gradient: grads is overwritten with ∂L/∂params, and, when dstate_in
  // is not null, it receives ∂L/∂state_in. The final state is not differentiated: truncated
  // backpropagation through time treats it as a constant for the next chunk. With a dropout
  // (training), the inputs of every layer above the first and the top layer's output are
  // dropped with fresh masks (core/dropout.h); this is the only function that can drop.
  double loss_and_grad(const Batch& batch, const S* state_in, S* state_out, S* dstate_in,
                       const Dropout* dropout = nullptr) {
    const double L = forward(batch, state_in, state_out, dropout);
    std::fill(grads.begin(), grads.end(), S(0));
    head_.backward(params.data(), layout_, top(), batch.targets, probs(), grads.data(), dtop());
    if (dropped_) dropout_backward<S>(mask(), dtop());  // (D2) through the output's mask
    net_.backward(params.data(), layout_, dtop(), grads.data(), dstate_in);
    return L;
  }

  // The loss of the last step alone, L_T = -(1/B) Σ_b log p_T[target] (nats), and its gradient:
  // grads is overwritten with ∂L_T/∂params and, when dstate_in is not null, it receives
  // ∂L_T/∂state_in. The earlier targets are read but carry no loss. No dropout. ./compare uses
  // it for the memory task, where only the last character can be predicted, and to measure how
  // far the error signal of one prediction travels back in time (docs/rnn-vs-lstm.md).
  double last_step_loss_and_grad(const Batch& batch, const S* state_in, S* state_out,
                                 S* dstate_in) {
    forward(batch, state_in, state_out, nullptr);
    const int B = batch.B, last = (batch.T - 1) * batch.B;
    Mat<S> p_last = probs().rows_view(last, B);
    double L = 0;
    for (int b = 0; b < B; ++b)
      L -= std::log(std::max(static_cast<double>(p_last(b, batch.targets[last + b])),
                             1e-300));  // (V1) L_T = -(1/B) Σ_b log p_T[target]
    std::fill(grads.begin(), grads.end(), S(0));
    fill(dtop().rows_view(0, last), S(0));  // the earlier steps carry no loss
    head_.backward(params.data(), layout_, net_.output().rows_view(last, B), batch.targets + last,
                   p_last, grads.data(), dtop().rows_view(last, B));
    net_.backward(params.data(), layout_, dtop(), grads.data(), dstate_in);
    return L / B;
  }

  // (Data members are at the end, in construction order.)

 private:
  // dropout: null, or what a training pass drops with (core/dropout.h).
  double forward(const Batch& batch, const S* state_in, S* state_out, const Dropout* dropout) {
    if (batch.B < 1 || batch.T < 1) throw std::invalid_argument("batch must have B >= 1, T >= 1");
    check_ids(batch.inputs, batch.B * batch.T);
    check_ids(batch.targets, batch.B * batch.T);
    reserve(batch.B, batch.T);
    net_.forward(params.data(), layout_, batch.inputs, batch.B, batch.T, state_in, state_out,
                 dropout, batch.resets);
    dropped_ = drops(dropout);
    if (dropped_) {  // (D1) the head reads the top layer's output through a mask as well
      mask_.resize(dtop_.size());  // sized by the first pass that drops
      dropped_top_.resize(dtop_.size());
      dropout_forward<S>(net_.output(), *dropout, mask(), dropped_top());
    }
    return head_.forward(params.data(), layout_, top(), batch.targets, probs());
  }

  // What the head read in the last forward: the top layer's output, or after dropout.
  CMat<S> top() { return dropped_ ? CMat<S>(dropped_top()) : net_.output(); }

  void check_ids(const int* ids, int n) const {
    for (int k = 0; k < n; ++k)
      if (ids[k] < 0 || ids[k] >= vocab())
        throw std::out_of_range("character id " + std::to_string(ids[k]) +
                                " outside the vocabulary of " + std::to_string(vocab()));
  }

  // Sizes the workspaces for (B,T); does nothing when they already fit.
  void reserve(int B, int T) {
    if (B == B_ && T == T_) return;
    B_ = B;
    T_ = T;
    const int N = B * T;
    probs_.assign(static_cast<std::size_t>(N) * vocab(), S(0));
    dtop_.assign(static_cast<std::size_t>(N) * net_.output_size(), S(0));
    net_.reserve(B, T);
  }

  Mat<S> probs() { return Mat<S>(probs_.data(), B_ * T_, vocab()); }           // (N,V) p, then dy
  Mat<S> dtop() { return Mat<S>(dtop_.data(), B_ * T_, net_.output_size()); }  // (N,H) ∂L/∂h
  Mat<S> mask() { return Mat<S>(mask_.data(), B_ * T_, net_.output_size()); }  // (N,H)
  Mat<S> dropped_top() { return Mat<S>(dropped_top_.data(), B_ * T_, net_.output_size()); }

  Layout layout_;  // declared first: net_ and head_ register their tensors in it
  Net net_;
  SoftmaxHead<S> head_;
  int B_ = 0, T_ = 0;
  std::vector<S> probs_;        // (N,V) probabilities, then dy
  std::vector<S> dtop_;         // (N,H) ∂L/∂h of the top layer
  bool dropped_ = false;        // whether the last forward dropped the top layer's output
  std::vector<S> mask_;         // (N,H) its dropout mask
  std::vector<S> dropped_top_;  // (N,H) the top layer's output after dropout

 public:
  std::vector<S> params;  // every parameter, in layout order
  std::vector<S> grads;   // the gradient, same layout
};

}  // namespace charnn
