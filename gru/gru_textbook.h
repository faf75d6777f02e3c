// The GRU written the obvious way: read this first, with docs/gru.md open. One sequence, column
// vectors, double, one matrix-vector product per term, no threads. gru/gru.cpp computes the same
// numbers for B streams at once, fast; tests/test_textbook.cpp holds them equal.
//
// Shapes: T steps, V vocabulary, H hidden, L layers. x_t is (in,1), in = V for layer 0 and H
// above; h_t, the gates z_t, r_t, g_t and q_t = r_t ⊙ h_{t-1} are (H,1); W_* is (H,in),
// U_* (H,H).
#pragma once

#include <string>
#include <vector>

#include "core/textbook.h"

namespace charnn::textbook {

// What forward keeps of one step of one layer for backward: the symbols of (GR1)–(GR4).
struct GruStep {
  Matrix x, h_prev, z, r, q, g, h;
};

struct GruResult {
  double loss = 0;                          // (S3), the mean over the T steps
  std::vector<std::vector<GruStep>> steps;  // [l][t]
  Params d;                                 // ∂L/∂ every tensor, by name
  std::vector<Matrix> dh0;                  // ∂L/∂h_{-1} per layer
};

// ids, targets: T characters each; h: the state before step 0, one (H,1) per layer.
// resets: empty, or T flags: where resets[t] is 1 a record starts at step t (--reset-at).
inline GruResult gru_loss_and_grad(const Params& P, int L, const std::vector<int>& ids,
                                   const std::vector<int>& targets, std::vector<Matrix> h,
                                   const std::vector<unsigned char>& resets = {}) {
  auto starts_record = [&](int t) { return !resets.empty() && resets[t]; };
  const int T = static_cast<int>(ids.size()), V = P.at("head.b_y").rows;
  GruResult r;
  r.steps.assign(L, std::vector<GruStep>(T));
  r.d = zeros_like(P);
  Params& d = r.d;
  auto p = [&](int l, const std::string& name) -> const Matrix& {  // p(0, "W_z"): l0.W_z
    return P.at("l" + std::to_string(l) + "." + name);
  };
  auto grad = [&](int l, const std::string& name) -> Matrix& {  // grad(0, "W_z"): dW_z of l0
    return d["l" + std::to_string(l) + "." + name];
  };

  std::vector<Matrix> douts(T);  // ∂L/∂h_t of the top layer: the head's backward needs
                                 // nothing from later steps, so head_step computes it at once
  for (int t = 0; t < T; ++t) {
    if (starts_record(t))
      for (Matrix& h_l : h)
        h_l = Matrix(h_l.rows);     // (GR6) h̃_{t-1} = m_t ⊙ h_{t-1}, m_t = 0: start from zero
    Matrix x = one_hot(ids[t], V);  // (GR5) x_t = e_k, so W_* x_t is column k of W_*
    for (int l = 0; l < L; ++l) {
      GruStep& s = r.steps[l][t];
      s.x = x;
      s.h_prev = h[l];
      s.z = sigmoid(p(l, "W_z") * x + p(l, "U_z") * h[l] + p(l, "b_z"));  // (GR1) update gate
      s.r = sigmoid(p(l, "W_r") * x + p(l, "U_r") * h[l] + p(l, "b_r"));  // (GR2) reset gate
      s.q = odot(s.r, h[l]);                                              // (GR3) q_t
      s.g = tanh(p(l, "W_g") * x + p(l, "U_g") * s.q + p(l, "b_g"));      // (GR3) candidate
      s.h = odot(s.z, h[l]) + odot(1 - s.z, s.g);  // (GR4) h_t = z ⊙ h_{t-1} + (1-z) ⊙ g
      h[l] = s.h;
      x = s.h;  // the input of the layer above
    }
    r.loss += head_step(P, d, x, targets[t], T, douts[t]);  // (S1)–(S3), (SB1)–(SB4)
  }

  std::vector<Matrix> dh_next(L, Matrix(h[0].rows));
  for (int t = T - 1; t >= 0; --t) {  // dh_next = 0 beyond the last step
    Matrix dout = douts[t];
    for (int l = L - 1; l >= 0; --l) {
      const GruStep& s = r.steps[l][t];
      const Matrix dh = dout + dh_next[l];               // (GRB1) dh_t = dout_t + dh_next
      const Matrix dz = odot(dh, s.h_prev - s.g);        // (GRB2)
      const Matrix dg = odot(dh, 1 - s.z);               // (GRB3)
      const Matrix da_g = odot(dg, 1 - odot(s.g, s.g));  // (GRB4)
      const Matrix dq = transpose(p(l, "U_g")) * da_g;   // (GRB5) dq_t = U_gᵀ da_g
      const Matrix dr = odot(dq, s.h_prev);              // (GRB6)
      const Matrix da_z = odot(dz, odot(s.z, 1 - s.z));  // (GRB7)
      const Matrix da_r = odot(dr, odot(s.r, 1 - s.r));  // (GRB8)
      dh_next[l] = odot(dh, s.z) + odot(dq, s.r) + transpose(p(l, "U_z")) * da_z +
                   transpose(p(l, "U_r")) * da_r;    // (GRB9)
      grad(l, "U_z") += da_z * transpose(s.h_prev);  // (GRB10) dU_z += da_z h_{t-1}ᵀ
      grad(l, "U_r") += da_r * transpose(s.h_prev);  // (GRB10) dU_r += da_r h_{t-1}ᵀ
      grad(l, "U_g") += da_g * transpose(s.q);       // (GRB10) dU_g += da_g q_tᵀ
      const std::pair<std::string, Matrix> da[] = {{"z", da_z}, {"r", da_r}, {"g", da_g}};
      dout = Matrix(s.x.rows);  // summed over the gates by (GRB13); unused by layer 0
      for (const auto& [k, da_k] : da) {
        grad(l, "W_" + k) += da_k * transpose(s.x);  // (GRB11) dW_* += da_* x_tᵀ
        grad(l, "b_" + k) += da_k;                   // (GRB12) db_* += da_*
        dout += transpose(p(l, "W_" + k)) * da_k;  // (GRB13) dx_t = Σ_* W_*ᵀ da_*: layer l-1's dout
      }
      if (starts_record(t)) dh_next[l] = Matrix(s.h.rows);  // (GRB14) dh_{t-1} = m_t ⊙ dh̃_{t-1}
    }
  }
  r.dh0 = dh_next;  // after step 0 it holds ∂L/∂h_{-1}
  return r;
}

}  // namespace charnn::textbook
