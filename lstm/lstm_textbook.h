// The LSTM written the obvious way: read this first, with docs/lstm.md open. One sequence,
// column vectors, double, one matrix-vector product per term, no threads. lstm/lstm.cpp computes
// the same numbers for B streams at once, fast; tests/test_textbook.cpp holds them equal.
//
// Shapes: T steps, V vocabulary, H hidden, L layers. x_t is (in,1), in = V for layer 0 and H
// above; h_t, c_t and the gates f_t, i_t, g_t, o_t are (H,1); W_* is (H,in), U_* (H,H).
#pragma once

#include <string>
#include <vector>

#include "core/textbook.h"

namespace charnn::textbook {

// What forward keeps of one step of one layer for backward: the symbols of (L1)–(L6).
struct LstmStep {
  Matrix x, h_prev, c_prev, f, i, g, o, c, tanh_c, h;
};

struct LstmResult {
  double loss = 0;                           // (S3), the mean over the T steps
  std::vector<std::vector<LstmStep>> steps;  // [l][t]
  Params d;                                  // ∂L/∂ every tensor, by name
  std::vector<Matrix> dh0, dc0;              // ∂L/∂h_{-1}, ∂L/∂c_{-1} per layer
};

// ids, targets: T characters each; h0, c0: the state before step 0, one (H,1) per layer.
// resets: empty, or T flags: where resets[t] is 1 a record starts at step t (--reset-at).
inline LstmResult lstm_loss_and_grad(const Params& P, int L, const std::vector<int>& ids,
                                     const std::vector<int>& targets, std::vector<Matrix> h,
                                     std::vector<Matrix> c,
                                     const std::vector<unsigned char>& resets = {}) {
  auto starts_record = [&](int t) { return !resets.empty() && resets[t]; };
  const int T = static_cast<int>(ids.size()), V = P.at("head.b_y").rows;
  LstmResult r;
  r.steps.assign(L, std::vector<LstmStep>(T));
  r.d = zeros_like(P);
  Params& d = r.d;
  auto p = [&](int l, const std::string& name) -> const Matrix& {  // p(0, "W_f"): l0.W_f
    return P.at("l" + std::to_string(l) + "." + name);
  };
  auto grad = [&](int l, const std::string& name) -> Matrix& {  // grad(0, "W_f"): dW_f of l0
    return d["l" + std::to_string(l) + "." + name];
  };

  std::vector<Matrix> douts(T);  // ∂L/∂h_t of the top layer: the head's backward needs
                                 // nothing from later steps, so head_step computes it at once
  for (int t = 0; t < T; ++t) {
    if (starts_record(t))
      for (int l = 0; l < L; ++l)  // (L8) h̃_{t-1} = m_t ⊙ h_{t-1}, c̃_{t-1} = m_t ⊙ c_{t-1}
        h[l] = Matrix(h[l].rows), c[l] = Matrix(c[l].rows);  // m_t = 0: start from zero
    Matrix x = one_hot(ids[t], V);  // (L7) x_t = e_k, so W_* x_t is column k of W_*
    for (int l = 0; l < L; ++l) {
      LstmStep& s = r.steps[l][t];
      s.x = x;
      s.h_prev = h[l];
      s.c_prev = c[l];
      s.f = sigmoid(p(l, "W_f") * x + p(l, "U_f") * h[l] + p(l, "b_f"));  // (L1) forget gate
      s.i = sigmoid(p(l, "W_i") * x + p(l, "U_i") * h[l] + p(l, "b_i"));  // (L2) input gate
      s.g = tanh(p(l, "W_g") * x + p(l, "U_g") * h[l] + p(l, "b_g"));     // (L3) candidate
      s.o = sigmoid(p(l, "W_o") * x + p(l, "U_o") * h[l] + p(l, "b_o"));  // (L4) output gate
      s.c = odot(s.f, c[l]) + odot(s.i, s.g);  // (L5) c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
      s.tanh_c = tanh(s.c);
      s.h = odot(s.o, s.tanh_c);  // (L6) h_t = o_t ⊙ tanh(c_t)
      h[l] = s.h;
      c[l] = s.c;
      x = s.h;  // the input of the layer above
    }
    r.loss += head_step(P, d, x, targets[t], T, douts[t]);  // (S1)–(S3), (SB1)–(SB4)
  }

  std::vector<Matrix> dh_next(L, Matrix(h[0].rows)), dc_next(L, Matrix(h[0].rows));
  for (int t = T - 1; t >= 0; --t) {  // dh_next = dc_next = 0 beyond the last step
    Matrix dout = douts[t];
    for (int l = L - 1; l >= 0; --l) {
      const LstmStep& s = r.steps[l][t];
      const Matrix dh = dout + dh_next[l];                                               // (LB1)
      const Matrix do_ = odot(dh, s.tanh_c);                                             // (LB2)
      const Matrix dc = odot(odot(dh, s.o), 1 - odot(s.tanh_c, s.tanh_c)) + dc_next[l];  // (LB3)
      const Matrix df = odot(dc, s.c_prev);                                              // (LB4)
      const Matrix di = odot(dc, s.g);                                                   // (LB5)
      const Matrix dg = odot(dc, s.i);                                                   // (LB6)
      const Matrix dz_f = odot(df, odot(s.f, 1 - s.f));                                  // (LB7)
      const Matrix dz_i = odot(di, odot(s.i, 1 - s.i));                                  // (LB8)
      const Matrix dz_g = odot(dg, 1 - odot(s.g, s.g));                                  // (LB9)
      const Matrix dz_o = odot(do_, odot(s.o, 1 - s.o));                                 // (LB10)
      dc_next[l] = odot(dc, s.f);                                                        // (LB11)
      dh_next[l] = transpose(p(l, "U_f")) * dz_f + transpose(p(l, "U_i")) * dz_i +
                   transpose(p(l, "U_g")) * dz_g + transpose(p(l, "U_o")) * dz_o;  // (LB12)
      const std::pair<std::string, Matrix> dz[] = {
          {"f", dz_f}, {"i", dz_i}, {"g", dz_g}, {"o", dz_o}};
      dout = Matrix(s.x.rows);  // summed over the gates by (LB16); unused by layer 0
      for (const auto& [k, dz_k] : dz) {
        grad(l, "U_" + k) += dz_k * transpose(s.h_prev);  // (LB13) dU_* += dz_* h_{t-1}ᵀ
        grad(l, "W_" + k) += dz_k * transpose(s.x);       // (LB14) dW_* += dz_* x_tᵀ
        grad(l, "b_" + k) += dz_k;                        // (LB15) db_* += dz_*
        dout += transpose(p(l, "W_" + k)) * dz_k;  // (LB16) dx_t = Σ_* W_*ᵀ dz_*: layer l-1's dout
      }
      if (starts_record(t))  // (LB17) dh_{t-1} = m_t ⊙ dh̃_{t-1}, dc_{t-1} = m_t ⊙ dc̃_{t-1}
        dh_next[l] = Matrix(s.h.rows), dc_next[l] = Matrix(s.c.rows);
    }
  }
  r.dh0 = dh_next, r.dc0 = dc_next;  // after step 0 they hold ∂L/∂h_{-1} and ∂L/∂c_{-1}
  return r;
}

}  // namespace charnn::textbook
