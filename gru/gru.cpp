// GRU, forward and backward. Read it beside docs/gru.md (and beside rnn/rnn.cpp and
// lstm/lstm.cpp: the three files have the same skeleton; the gates are the difference). In
// execution order: the sequence forward, one step forward, one step backward, the sequence
// backward; then the bookkeeping.
//
// Shape legend: B batch, T steps, V vocabulary, H hidden, L layers, N = T*B.
#include "gru/gru.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/activations.h"
#include "core/dropout.h"
#include "core/fast/parallel.h"
#include "core/gemm.h"
#include "core/rows.h"

namespace charnn {

// The fewest streams worth giving a thread of their own in the time loop.
constexpr int kMinStreamsPerThread = 4;

// ---------------------------------------------------------------------------------------------
// The whole sequence, forward: layers bottom-up, t = 0..T-1
// ---------------------------------------------------------------------------------------------

template <class S>
void Gru<S>::forward(const S* params, const Layout& layout, const int* ids, int B, int T,
                     const S* state_in, S* state_out, const Dropout* dropout,
                     const unsigned char* resets) {
  reserve(B, T);
  std::copy(ids, ids + static_cast<std::size_t>(T) * B, ids_.begin());
  dropped_ = drops(dropout);
  resetting_ = resets != nullptr;
  if (resetting_) std::copy(resets, resets + static_cast<std::size_t>(T) * B, resets_.begin());
  const int H = cfg_.hidden;
  const Layout& state = state_;  // state_layout(B), built once in reserve()
  for (int l = 0; l < cfg_.layers; ++l) {
    const Tensors<const S> w = tensors(params, layout, l);
    Cache& k = cache_[l];
    Mat<S> hs(k.h.data(), (T + 1) * B, H);
    Mat<S> A(k.gates.data(), T * B, 3 * H);  // (N,3H) pre-activations a_* of every gate and step

    // The input part of (GR1)–(GR3), W_* x_t + b_*, for all T steps and three gates at once: it
    // does not depend on the recurrence, so it leaves the time loop.
    if (l == 0) {
      // W is (3H,V) and a one-hot x_t picks its column x_t. Transposed once per sequence, W
      // becomes Wᵀ (V,3H), where that column is a contiguous row: one row copy per input.
      Mat<S> WT(k.WT.data(), cfg_.vocab, 3 * H);
      transpose<S>(w.W, WT);
      gather_rows<S>(WT, ids_.data(), w.b, A);  // (GR5) W_* x_t: row x_t; (GR1)–(GR3) … + b_*
    } else {
      if (dropped_) {
        k.mask.resize(static_cast<std::size_t>(T) * B * H);  // sized by the first pass that drops
        k.x_drop.resize(k.mask.size());
        dropout_forward<S>(output_of(l - 1), *dropout, Mat<S>(k.mask.data(), T * B, H),
                           Mat<S>(k.x_drop.data(), T * B, H));
      }
      CMat<S> X = input(l);
      matmul_ABt<S>(X, w.W, 0, A);  // (GR1)–(GR3) W_* x_t (all t, before the time loop; X Wᵀ)
      add_to_every_row<S>(w.b, A);  // (GR1)–(GR3) … + b_*
    }

    copy<S>(state.view(state_in, l), hs.rows_view(0, B));  // h_{-1} = h0
    if (resetting_)  // sized by the first pass with record resets
      k.h_kept.resize(static_cast<std::size_t>(T) * B * H);
    k.U_zr_forward.pack_for_ABt(w.U.rows_view(0, 2 * H));  // rearranged once for the T
    k.U_g_forward.pack_for_ABt(w.U.rows_view(G * H, H));   // products of each below
    // The streams (rows) never mix in the recurrence, so each thread takes a block of them
    // and runs all T steps on it without waiting for the others.
    for_row_blocks(B, kMinStreamsPerThread, [&](int b0, int n) {
      for (int t = 0; t < T; ++t) {
        if (resetting_) start_records(l, t, b0, n);  // (GR6) h̃_{t-1} = m_t ⊙ h_{t-1}
        step_forward(k.U_zr_forward, k.U_g_forward, step(l, t, b0, n));
      }
    });
    copy<S>(hs.rows_view(T * B, B), state.view(state_out, l));  // carried to the next chunk
  }
}

// ---------------------------------------------------------------------------------------------
// One time step of one layer: forward, then backward (the forward read bottom-up)
// ---------------------------------------------------------------------------------------------

// On entry s.a holds W_* x_t + b_* for the three gates (computed for every t before the time
// loop). U_zr and U_g are packed once per sequence for matmul_ABt (core/gemm.h).
template <class S>
void Gru<S>::step_forward(const PackedMatrix<S>& U_zr, const PackedMatrix<S>& U_g, const Step& s) {
  matmul_ABt<S>(s.h_prev, U_zr, 1, s.a_zr);  // (GR1), (GR2) … + U_z h_{t-1}, U_r h_{t-1}
  const int H = s.h.cols;
  for (int b = 0; b < s.h.rows; ++b) {
    S *z = s.z.row(b), *r = s.r.row(b), *q = s.q.row(b);
    const S* h_prev = s.h_prev.row(b);
    sigmoid_each(z, z, H);  // (GR1) z_t = σ(a_z)  update gate
    sigmoid_each(r, r, H);  // (GR2) r_t = σ(a_r)  reset gate
    for (int j = 0; j < H; ++j)
      q[j] = r[j] * h_prev[j];  // (GR3) q_t = r_t ⊙ h_{t-1}
  }
  matmul_ABt<S>(s.q, U_g, 1, s.g);  // (GR3) … + U_g q_t (rows: q U_gᵀ)
  for (int b = 0; b < s.h.rows; ++b) {
    const S *z = s.z.row(b), *h_prev = s.h_prev.row(b);
    S *g = s.g.row(b), *h = s.h.row(b);
    tanh_each(g, g, H);  // (GR3) g_t = tanh(a_g)  candidate
    for (int j = 0; j < H; ++j)
      h[j] = z[j] * h_prev[j] + (S(1) - z[j]) * g[j];  // (GR4) h_t = z ⊙ h_{t-1} + (1-z) ⊙ g
  }
}

// dout: ∂L/∂h_t from above. dh_next: on entry ∂L/∂h_t from step t+1, on exit ∂L/∂h_{t-1} for
// step t-1. Both (n,H), like the views of s. U_zr and U_g are packed once per sequence for
// matmul_AB.
template <class S>
void Gru<S>::step_backward(const PackedMatrix<S>& U_zr, const PackedMatrix<S>& U_g, const Step& s,
                           CMat<S> dout, Mat<S> dh_next) {
  const int H = s.h.cols;
  for (int b = 0; b < s.h.rows; ++b) {
    const S *z = s.z.row(b), *g = s.g.row(b), *h_prev = s.h_prev.row(b), *dout_b = dout.row(b);
    S *da_z = s.da_z.row(b), *da_g = s.da_g.row(b);
    S* dh = dh_next.row(b);  // dh_next on entry, then dh_t
    for (int j = 0; j < H; ++j) {
      dh[j] += dout_b[j];                       // (GRB1) dh_t = dout_t + dh_next
      const S dz = dh[j] * (h_prev[j] - g[j]);  // (GRB2) dz_t = dh_t ⊙ (h_{t-1} - g_t)
      da_z[j] = dz * z[j] * (S(1) - z[j]);      // (GRB7) da_z = dz ⊙ z ⊙ (1-z)
      const S dg = dh[j] * (S(1) - z[j]);       // (GRB3) dg_t = dh_t ⊙ (1 - z_t)
      da_g[j] = dg * (S(1) - g[j] * g[j]);      // (GRB4) da_g = dg ⊙ (1-g²)
    }
  }
  matmul_AB<S>(s.da_g, U_g, 0, s.dq);  // (GRB5) dq_t = U_gᵀ da_g (rows: da_g U_g)
  for (int b = 0; b < s.h.rows; ++b) {
    const S *z = s.z.row(b), *r = s.r.row(b), *h_prev = s.h_prev.row(b), *dq = s.dq.row(b);
    S *da_r = s.da_r.row(b), *dh = dh_next.row(b);  // dh: dh_t on entry, then dh_next
    for (int j = 0; j < H; ++j) {
      const S dr = dq[j] * h_prev[j];       // (GRB6) dr_t = dq_t ⊙ h_{t-1}
      da_r[j] = dr * r[j] * (S(1) - r[j]);  // (GRB8) da_r = dr ⊙ r ⊙ (1-r)
      dh[j] = dh[j] * z[j] + dq[j] * r[j];  // (GRB9) dh_next = dh_t ⊙ z_t + dq_t ⊙ r_t …
    }
  }
  matmul_AB<S>(s.da_zr, U_zr, 1, dh_next);  // (GRB9) … + U_zᵀ da_z + U_rᵀ da_r (da_zr U_zr)
}

// ---------------------------------------------------------------------------------------------
// The whole sequence, backward: layers top-down, t = T-1..0
// ---------------------------------------------------------------------------------------------

template <class S>
void Gru<S>::backward(const S* params, const Layout& layout, CMat<S> dtop, S* grads, S* dstate_in) {
  const int B = B_, T = T_, H = cfg_.hidden;
  const Layout& state = state_;  // state_layout(B), built once in reserve()
  for (int l = cfg_.layers - 1; l >= 0; --l) {
    const Tensors<const S> w = tensors(params, layout, l);
    const Tensors<S> d = tensors(grads, layout, l);  // d.U is dU_z..dU_g, and so on
    Cache& k = cache_[l];
    CMat<S> dout = l == cfg_.layers - 1 ? dtop : CMat<S>(k.dout.data(), T * B, H);
    Mat<S> dh_next(k.dh_next.data(), B, H);

    fill(dh_next, S(0));  // nothing flows back from beyond the chunk (truncated BPTT)
    k.U_zr_backward.pack_for_AB(w.U.rows_view(0, 2 * H));         // rearranged once for the T
    k.U_g_backward.pack_for_AB(w.U.rows_view(G * H, H));          // products of each below
    for_row_blocks(B, kMinStreamsPerThread, [&](int b0, int n) {  // streams split as in forward
      for (int t = T - 1; t >= 0; --t) {
        step_backward(k.U_zr_backward, k.U_g_backward, step(l, t, b0, n),
                      dout.rows_view(t * B + b0, n), dh_next.rows_view(b0, n));
        if (resetting_)  // (GRB14) dh_{t-1} = m_t ⊙ dh̃_{t-1}: none flows past a record start
          zero_rows<S>(resets_.data() + t * B + b0, dh_next.rows_view(b0, n));
      }
    });

    // The parameter gradients sum over t; with da_t for every t in hand they are one product
    // or one sum each, out of the time loop.
    CMat<S> dA(k.da.data(), T * B, 3 * H);
    CMat<S> H_prev(k.h.data(), T * B, H);                         // rows t*B + b hold h_{t-1}
    if (resetting_) H_prev = CMat<S>(k.h_kept.data(), T * B, H);  // … or h̃_{t-1} (GR6)
    matmul_AtB<S>(dA.cols_view(0, 2 * H), H_prev, 1,
                  d.U.rows_view(0, 2 * H));  // (GRB10) dU_z, dU_r += Σ_t da_* h_{t-1}ᵀ
    matmul_AtB<S>(dA.cols_view(G * H, H), CMat<S>(k.q.data(), T * B, H), 1,
                  d.U.rows_view(G * H, H));  // (GRB10) dU_g += Σ_t da_g q_tᵀ
    add_column_sums<S>(dA, d.b);             // (GRB12) db_* += Σ_t da_*
    if (l == 0) {
      Mat<S> dWT(k.WT.data(), cfg_.vocab, 3 * H);  // (V,3H), the storage of Wᵀ in forward
      fill(dWT, S(0));
      scatter_add_rows<S>(dA, ids_.data(), dWT);  // (GRB11) one-hot: da_* into row x_t of dWᵀ
      add_transposed<S>(dWT, d.W);                // (GRB11) … dW_* += (dWᵀ)ᵀ
    } else {
      CMat<S> X = input(l);
      matmul_AtB<S>(dA, X, 1, d.W);  // (GRB11) dW_* += Σ_t da_* x_tᵀ
      Mat<S> dX(cache_[l - 1].dout.data(), T * B, H);
      matmul_AB<S>(dA, w.W, 0, dX);  // (GRB13) dx_t = Σ_* W_*ᵀ da_*: dout of the layer below
      if (dropped_) dropout_backward<S>(CMat<S>(k.mask.data(), T * B, H), dX);
    }
    if (dstate_in) copy<S>(dh_next, state.view(dstate_in, l));  // ∂L/∂h0, by (GRB9) at t = 0
  }
}

// ---------------------------------------------------------------------------------------------
// Bookkeeping: parameters, state, caches, views
// ---------------------------------------------------------------------------------------------

template <class S>
Gru<S>::Gru(const Config& config, Layout& layout) : cfg_(config) {
  check_shape(cfg_.vocab > 0 && cfg_.hidden > 0 && cfg_.layers > 0, "Gru needs V, H, L > 0");
  const int H = cfg_.hidden;
  for (int l = 0; l < cfg_.layers; ++l) {
    const std::string p = "l" + std::to_string(l) + ".";
    const int in = l == 0 ? cfg_.vocab : H;
    first_tensor_.push_back(layout.add(p + "W_z", H, in));
    layout.add(p + "W_r", H, in);
    layout.add(p + "W_g", H, in);
    for (const char* gate : {"z", "r", "g"})
      layout.add(p + "U_" + gate, H, H);
    for (const char* gate : {"z", "r", "g"})
      layout.add(p + "b_" + gate, 1, H);
  }
  cache_.resize(cfg_.layers);
}

template <class S>
std::size_t Gru<S>::parameter_count(const Config& config) {
  const std::size_t V = config.vocab, H = config.hidden;
  std::size_t n = 0;
  for (int l = 0; l < config.layers; ++l)
    n += kGates * H * ((l == 0 ? V : H) + H + 1);  // per gate W_* (H,in), U_* (H,H), b_* (1,H)
  return n;
}

// The three tensors of W (or U, or b) are consecutive in the buffer, so one view spans them.
template <class S>
template <class P>
typename Gru<S>::template Tensors<P> Gru<S>::tensors(P* base, const Layout& layout, int l) const {
  const int k = first_tensor_[l];
  const int H = cfg_.hidden, in = layout[k].cols;
  return {Mat<P>(base + layout[k].offset, 3 * H, in),      // W_z..W_g
          Mat<P>(base + layout[k + 3].offset, 3 * H, H),   // U_z..U_g
          Mat<P>(base + layout[k + 6].offset, 1, 3 * H)};  // b_z..b_g
}

template <class S>
Layout Gru<S>::state_layout(int B) const {
  Layout state;
  for (int l = 0; l < cfg_.layers; ++l)
    state.add("l" + std::to_string(l) + ".h0", B, cfg_.hidden);
  return state;
}

template <class S>
void Gru<S>::init(S* params, const Layout& layout, Rng& rng) const {
  const int H = cfg_.hidden;
  const double k = 1.0 / std::sqrt(static_cast<double>(H));
  for (int l = 0; l < cfg_.layers; ++l) {
    Tensors<S> w = tensors(params, layout, l);
    for (Mat<S> m : {w.W, w.U})
      for (int r = 0; r < m.rows; ++r)
        for (int c = 0; c < m.cols; ++c)
          m(r, c) = static_cast<S>(rng.uniform(-k, k));  // (I1) W ~ U(-1/√H, 1/√H)
    fill(w.b, S(0));                                     // (I2) b = 0
    fill(w.b.cols_view(Z * H, H), S(1));  // (I4) b_z = 1: keep h_{t-1} by default (docs/gru.md)
  }
}

template <class S>
void Gru<S>::reserve(int B, int T) {
  if (B == B_ && T == T_) return;
  B_ = B;
  T_ = T;
  const std::size_t BH = static_cast<std::size_t>(B) * cfg_.hidden;
  for (Cache& c : cache_) {
    c.h.assign((T + 1) * BH, S(0));
    c.gates.assign(3 * T * BH, S(0));
    c.q.assign(T * BH, S(0));
    c.da.assign(3 * T * BH, S(0));
    c.dout.assign(T * BH, S(0));
    c.dh_next.assign(BH, S(0));
    c.dq.assign(BH, S(0));
  }
  cache_[0].WT.assign(static_cast<std::size_t>(cfg_.vocab) * 3 * cfg_.hidden, S(0));
  ids_.assign(static_cast<std::size_t>(T) * B, 0);
  resets_.assign(ids_.size(), 0);
  state_ = state_layout(B);
}

// Rows t*B + b0 .. t*B + b0 + n - 1 of the layer's caches: step t of streams [b0, b0+n).
template <class S>
typename Gru<S>::Step Gru<S>::step(int l, int t, int b0, int n) {
  const int B = B_, H = cfg_.hidden;
  const int now = t * B + b0;  // first row of step t in the (N,·) caches
  const int next = now + B;    // the same in the ((T+1)*B,·) cache, whose first B rows hold h0
  Cache& k = cache_[l];
  Mat<S> hs(k.h.data(), (T_ + 1) * B, H);
  Step s;
  s.h_prev = resetting_ ? CMat<S>(k.h_kept.data(), T_ * B, H).rows_view(now, n)  // (GR6)
                        : CMat<S>(hs.rows_view(now, n));
  s.a = Mat<S>(k.gates.data(), T_ * B, 3 * H).rows_view(now, n);
  s.a_zr = s.a.cols_view(0, 2 * H);
  s.z = s.a.cols_view(Z * H, H);
  s.r = s.a.cols_view(R * H, H);
  s.g = s.a.cols_view(G * H, H);
  s.q = Mat<S>(k.q.data(), T_ * B, H).rows_view(now, n);
  s.h = hs.rows_view(next, n);
  s.da = Mat<S>(k.da.data(), T_ * B, 3 * H).rows_view(now, n);
  s.da_zr = s.da.cols_view(0, 2 * H);
  s.da_z = s.da.cols_view(Z * H, H);
  s.da_r = s.da.cols_view(R * H, H);
  s.da_g = s.da.cols_view(G * H, H);
  s.dq = Mat<S>(k.dq.data(), B, H).rows_view(b0, n);
  return s;
}

// h̃_{t-1} = m_t ⊙ h_{t-1} (GR6): a copy of h_{t-1}, zero in the streams where a record starts
// at step t. The copy, not h_{t-1} itself, is zeroed: h_{t-1} is also step t-1's output.
template <class S>
void Gru<S>::start_records(int l, int t, int b0, int n) {
  const int B = B_, H = cfg_.hidden, now = t * B + b0;
  Cache& k = cache_[l];
  copy_or_zero_rows<S>(CMat<S>(k.h.data(), (T_ + 1) * B, H).rows_view(now, n),
                       resets_.data() + now,  // (GR6) m_t = 0 where a record starts
                       Mat<S>(k.h_kept.data(), T_ * B, H).rows_view(now, n));
}

template <class S>
CMat<S> Gru<S>::input(int l) const {
  if (dropped_) return CMat<S>(cache_[l].x_drop.data(), T_ * B_, cfg_.hidden);
  return output_of(l - 1);
}

template <class S>
CMat<S> Gru<S>::output_of(int l) const {
  const std::size_t BH = static_cast<std::size_t>(B_) * cfg_.hidden;
  return CMat<S>(cache_[l].h.data() + BH, T_ * B_, cfg_.hidden);
}

template <class S>
CMat<S> Gru<S>::output() const {
  return output_of(cfg_.layers - 1);
}

template <class S>
CMat<S> Gru<S>::gates(int l) const {
  return CMat<S>(cache_[l].gates.data(), T_ * B_, 3 * cfg_.hidden);
}

template class Gru<float>;
template class Gru<double>;

}  // namespace charnn
