// The softmax output layer and the cross-entropy loss, shared by every model.
//
// Shape legend: N = T*B rows (one per prediction), H hidden, V vocabulary.
// Equations (S1)–(S3) and (SB1)–(SB4) are derived in docs/softmax.md.
#pragma once

#include <cmath>
#include <cstddef>

#include "core/activations.h"
#include "core/gemm.h"
#include "core/params.h"
#include "core/rng.h"

namespace charnn {

template <class S>
class SoftmaxHead {
 public:
  // Registers head.W_hy (V,H) and head.b_y (1,V) in `layout`.
  SoftmaxHead(int hidden, int vocab, Layout& layout)
      : H_(hidden),
        V_(vocab),
        W_hy_(layout.add("head.W_hy", vocab, hidden)),
        b_y_(layout.add("head.b_y", 1, vocab)) {}

  // The number of scalars the constructor registers: W_hy (V,H) and b_y (1,V).
  static std::size_t parameter_count(int hidden, int vocab) {
    return static_cast<std::size_t>(vocab) * hidden + vocab;
  }

  // W_hy uniform in ±1/√H, b_y zero (docs/training.md).
  void init(S* params, const Layout& layout, Rng& rng) const {
    const double k = 1.0 / std::sqrt(static_cast<double>(H_));
    Mat<S> W_hy = layout.view(params, W_hy_);
    for (int r = 0; r < V_; ++r)
      for (int c = 0; c < H_; ++c)
        W_hy(r, c) = static_cast<S>(rng.uniform(-k, k));  // (I1) W ~ U(-1/√H, 1/√H)
    fill(layout.view(params, b_y_), S(0));                // (I2) b = 0
  }

  // h: (N,H) top-layer outputs; y: (N,V) receives the logits.
  void logits(const S* params, const Layout& layout, CMat<S> h, Mat<S> y) const {
    check_shape(h.cols == H_ && y.rows == h.rows && y.cols == V_, "SoftmaxHead::logits");
    CMat<S> W_hy = layout.view(params, W_hy_);
    const S* b_y = layout.view(params, b_y_).data;
    matmul_ABt<S>(h, W_hy, 0, y);  // (S1) y_t = W_hy h_t + b_y, every row at once: Y = H W_hyᵀ
    for (int r = 0; r < y.rows; ++r) {
      S* row = y.row(r);
      for (int v = 0; v < V_; ++v)
        row[v] += b_y[v];  // (S1) ... + b_y
    }
  }

  // h: (N,H) top-layer outputs; targets: N ids; p: (N,V) receives the probabilities.
  // Returns the loss averaged over the N predictions, in nats.
  double forward(const S* params, const Layout& layout, CMat<S> h, const int* targets,
                 Mat<S> p) const {
    logits(params, layout, h, p);
    double sum_log_p = 0;
    for (int r = 0; r < p.rows; ++r) {
      S* y = p.row(r);
      const S y_target = y[targets[r]];
      const S log_norm = softmax_row(y, V_);  // (S2) p_t = softmax(y_t), shifted by max y_t
      sum_log_p += static_cast<double>(y_target - log_norm);  // log p_t[target] = y - log Σ e^y
    }
    return -sum_log_p / p.rows;  // (S3) L = -(1/N) Σ log p_t[target_t]
  }

  // p: (N,V) from forward, overwritten with dy; grads accumulates dW_hy, db_y;
  // dh: (N,H) receives ∂L/∂h_t for every row.
  void backward(const S* params, const Layout& layout, CMat<S> h, const int* targets, Mat<S> p,
                S* grads, Mat<S> dh) const {
    CMat<S> W_hy = layout.view(params, W_hy_);
    Mat<S> dW_hy = layout.view(grads, W_hy_);
    S* db_y = layout.view(grads, b_y_).data;
    const S inv_n = S(1) / static_cast<S>(p.rows);
    for (int r = 0; r < p.rows; ++r) {
      S* dy = p.row(r);
      dy[targets[r]] -= S(1);
      for (int v = 0; v < V_; ++v) {
        dy[v] *= inv_n;    // (SB1) dy_t = (p_t - onehot(target_t)) / N
        db_y[v] += dy[v];  // (SB3) db_y += Σ_t dy_t
      }
    }
    CMat<S> dY = p;
    matmul_AtB<S>(dY, h, 1, dW_hy);  // (SB2) dW_hy += Σ_t dy_t h_tᵀ  = dYᵀ H
    matmul_AB<S>(dY, W_hy, 0, dh);   // (SB4) dh_t = W_hyᵀ dy_t      (rows: dY W_hy)
  }

 private:
  int H_, V_;
  int W_hy_, b_y_;  // tensor indices in the layout
};

}  // namespace charnn
