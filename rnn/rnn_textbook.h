// The vanilla RNN written the obvious way: read this first, with docs/rnn.md open. One
// sequence, column vectors, double, one matrix-vector product per term, no threads.
// rnn/rnn.cpp computes the same numbers for B streams at once, fast; tests/test_textbook.cpp
// holds them equal.
//
// Shapes: T steps, V vocabulary, H hidden, L layers. x_t is (in,1), in = V for layer 0 and H
// above; h_t and a_t are (H,1); W_xh is (H,in), W_hh (H,H), b_h (H,1).
#pragma once

#include <string>
#include <vector>

#include "core/textbook.h"

namespace charnn::textbook {

// What forward keeps of one step of one layer for backward.
struct RnnStep {
  Matrix x, h_prev, h;
};

struct RnnResult {
  double loss = 0;                          // (S3), the mean over the T steps
  std::vector<std::vector<RnnStep>> steps;  // [l][t]
  Params d;                                 // ∂L/∂ every tensor, by name
  std::vector<Matrix> dh0;                  // ∂L/∂h_{-1} per layer
};

// ids, targets: T characters each; h: the state before step 0, one (H,1) per layer.
// resets: empty, or T flags: where resets[t] is 1 a record starts at step t (--reset-at).
inline RnnResult rnn_loss_and_grad(const Params& P, int L, const std::vector<int>& ids,
                                   const std::vector<int>& targets, std::vector<Matrix> h,
                                   const std::vector<unsigned char>& resets = {}) {
  auto starts_record = [&](int t) { return !resets.empty() && resets[t]; };
  const int T = static_cast<int>(ids.size()), V = P.at("head.b_y").rows;
  RnnResult r;
  r.steps.assign(L, std::vector<RnnStep>(T));
  r.d = zeros_like(P);
  Params& d = r.d;
  auto p = [&](int l, const char* name) -> const Matrix& {  // p(0, "W_hh"): l0.W_hh
    return P.at("l" + std::to_string(l) + "." + name);
  };
  auto grad = [&](int l, const char* name) -> Matrix& {  // grad(0, "W_hh"): dW_hh of l0
    return d["l" + std::to_string(l) + "." + name];
  };

  std::vector<Matrix> douts(T);  // ∂L/∂h_t of the top layer: the head's backward needs
                                 // nothing from later steps, so head_step computes it at once
  for (int t = 0; t < T; ++t) {
    if (starts_record(t))
      for (Matrix& h_l : h)
        h_l = Matrix(h_l.rows);     // (R4) h̃_{t-1} = m_t ⊙ h_{t-1}, m_t = 0: start from zero
    Matrix x = one_hot(ids[t], V);  // (R3) x_t = e_k, so W_xh x_t is column k of W_xh
    for (int l = 0; l < L; ++l) {
      RnnStep& s = r.steps[l][t];
      s.x = x;
      s.h_prev = h[l];
      const Matrix a = p(l, "W_xh") * x + p(l, "W_hh") * h[l] + p(l, "b_h");  // (R1)
      s.h = tanh(a);                                                          // (R2)
      h[l] = s.h;
      x = s.h;  // the input of the layer above
    }
    r.loss += head_step(P, d, x, targets[t], T, douts[t]);  // (S1)–(S3), (SB1)–(SB4)
  }

  std::vector<Matrix> dh_next(L, Matrix(h[0].rows));
  for (int t = T - 1; t >= 0; --t) {  // dh_next = 0 beyond the last step
    Matrix dout = douts[t];
    for (int l = L - 1; l >= 0; --l) {
      const RnnStep& s = r.steps[l][t];
      const Matrix dh = dout + dh_next[l];             // (RB1) dh_t = dout_t + dh_next
      const Matrix da = odot(dh, 1 - odot(s.h, s.h));  // (RB2) da_t = dh_t ⊙ (1 - h_t²)
      dh_next[l] = transpose(p(l, "W_hh")) * da;       // (RB3) dh_next = W_hhᵀ da_t
      grad(l, "W_hh") += da * transpose(s.h_prev);     // (RB4) dW_hh += da_t h_{t-1}ᵀ
      grad(l, "W_xh") += da * transpose(s.x);          // (RB5) dW_xh += da_t x_tᵀ
      grad(l, "b_h") += da;                            // (RB6) db_h += da_t
      dout = transpose(p(l, "W_xh")) * da;             // (RB7) dx_t = W_xhᵀ da_t: layer l-1's
      if (starts_record(t)) dh_next[l] = Matrix(s.h.rows);  // (RB8) dh_{t-1} = m_t ⊙ dh̃_{t-1}
    }
  }
  r.dh0 = dh_next;  // after step 0 it holds ∂L/∂h_{-1}
  return r;
}

}  // namespace charnn::textbook
