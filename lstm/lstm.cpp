// LSTM, forward and backward. Read it beside docs/lstm.md (and beside rnn/rnn.cpp: the two
// files have the same skeleton; the gates are the difference).
//
// Shape legend: B batch, T steps, V vocabulary, H hidden, L layers, N = T*B.
#include "lstm/lstm.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/activations.h"
#include "core/dropout.h"
#include "core/fast/parallel.h"
#include "core/gemm.h"

namespace charnn {

// The fewest streams worth giving a thread of their own in the time loop.
constexpr int kMinRowsPerThread = 4;

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

template <class S>
Lstm<S>::Lstm(const Config& config, Layout& layout) : cfg_(config) {
  check_shape(cfg_.vocab > 0 && cfg_.hidden > 0 && cfg_.layers > 0, "Lstm needs V, H, L > 0");
  const int H = cfg_.hidden;
  for (int l = 0; l < cfg_.layers; ++l) {
    const std::string p = "l" + std::to_string(l) + ".";
    const int in = l == 0 ? cfg_.vocab : H;
    first_tensor_.push_back(layout.add(p + "W_f", H, in));
    layout.add(p + "W_i", H, in);
    layout.add(p + "W_g", H, in);
    layout.add(p + "W_o", H, in);
    for (const char* gate : {"f", "i", "g", "o"})
      layout.add(p + "U_" + gate, H, H);
    for (const char* gate : {"f", "i", "g", "o"})
      layout.add(p + "b_" + gate, 1, H);
  }
  cache_.resize(cfg_.layers);
}

// The four tensors of W (or U, or b) are consecutive in the buffer, so one view spans them.
template <class S>
template <class P>
typename Lstm<S>::template Tensors<P> Lstm<S>::tensors(P* base, const Layout& layout, int l) const {
  const int k = first_tensor_[l];
  const int H = cfg_.hidden, in = layout[k].cols;
  return {Mat<P>(base + layout[k].offset, 4 * H, in),      // W_f..W_o
          Mat<P>(base + layout[k + 4].offset, 4 * H, H),   // U_f..U_o
          Mat<P>(base + layout[k + 8].offset, 1, 4 * H)};  // b_f..b_o
}

template <class S>
Layout Lstm<S>::state_layout(int B) const {
  Layout state;
  for (int l = 0; l < cfg_.layers; ++l) {
    state.add("l" + std::to_string(l) + ".h0", B, cfg_.hidden);
    state.add("l" + std::to_string(l) + ".c0", B, cfg_.hidden);
  }
  return state;
}

template <class S>
void Lstm<S>::init(S* params, const Layout& layout, Rng& rng) const {
  const int H = cfg_.hidden;
  const double k = 1.0 / std::sqrt(static_cast<double>(H));
  for (int l = 0; l < cfg_.layers; ++l) {
    Tensors<S> w = tensors(params, layout, l);
    for (Mat<S> m : {w.W, w.U})
      for (int r = 0; r < m.rows; ++r)
        for (int c = 0; c < m.cols; ++c)
          m(r, c) = static_cast<S>(rng.uniform(-k, k));  // (I1) W ~ U(-1/√H, 1/√H)
    fill(w.b, S(0));                                     // (I2) b = 0
    fill(w.b.cols_view(F * H, H), S(1));  // (I3) b_f = 1: remember by default (docs/lstm.md)
  }
}

template <class S>
void Lstm<S>::reserve(int B, int T) {
  if (B == B_ && T == T_) return;
  B_ = B;
  T_ = T;
  const std::size_t BH = static_cast<std::size_t>(B) * cfg_.hidden;
  for (Cache& c : cache_) {
    c.h.assign((T + 1) * BH, S(0));
    c.c.assign((T + 1) * BH, S(0));
    c.gates.assign(4 * T * BH, S(0));
    c.tanh_c.assign(T * BH, S(0));
    c.dz.assign(4 * T * BH, S(0));
    c.dout.assign(T * BH, S(0));
    c.x_drop.assign(dropout_ > 0 ? T * BH : 0, S(0));
    c.mask.assign(dropout_ > 0 ? T * BH : 0, S(0));
    c.dh_next.assign(BH, S(0));
    c.dc_next.assign(BH, S(0));
  }
  cache_[0].W_t.assign(static_cast<std::size_t>(cfg_.vocab) * 4 * cfg_.hidden, S(0));
  ids_.assign(static_cast<std::size_t>(T) * B, 0);
  state_ = state_layout(B);
}

template <class S>
typename Lstm<S>::Step Lstm<S>::step(int l, int t) {
  const int B = B_, H = cfg_.hidden;
  Cache& k = cache_[l];
  Mat<S> hs(k.h.data(), (T_ + 1) * B, H), cs(k.c.data(), (T_ + 1) * B, H);
  Mat<S> z = Mat<S>(k.gates.data(), T_ * B, 4 * H).rows_view(t * B, B);
  Mat<S> dz = Mat<S>(k.dz.data(), T_ * B, 4 * H).rows_view(t * B, B);
  Step s;
  s.h_prev = hs.rows_view(t * B, B);
  s.c_prev = cs.rows_view(t * B, B);
  s.z = z;
  s.f = z.cols_view(F * H, H);
  s.i = z.cols_view(I * H, H);
  s.g = z.cols_view(G * H, H);
  s.o = z.cols_view(O * H, H);
  s.c = cs.rows_view((t + 1) * B, B);
  s.tanh_c = Mat<S>(k.tanh_c.data(), T_ * B, H).rows_view(t * B, B);
  s.h = hs.rows_view((t + 1) * B, B);
  s.dz = dz;
  s.dz_f = dz.cols_view(F * H, H);
  s.dz_i = dz.cols_view(I * H, H);
  s.dz_g = dz.cols_view(G * H, H);
  s.dz_o = dz.cols_view(O * H, H);
  return s;
}

template <class S>
typename Lstm<S>::Step Lstm<S>::Step::rows(int b0, int n) const {
  Step s;
  s.h_prev = h_prev.rows_view(b0, n);
  s.c_prev = c_prev.rows_view(b0, n);
  s.z = z.rows_view(b0, n);
  s.f = f.rows_view(b0, n);
  s.i = i.rows_view(b0, n);
  s.g = g.rows_view(b0, n);
  s.o = o.rows_view(b0, n);
  s.c = c.rows_view(b0, n);
  s.tanh_c = tanh_c.rows_view(b0, n);
  s.h = h.rows_view(b0, n);
  s.dz = dz.rows_view(b0, n);
  s.dz_f = dz_f.rows_view(b0, n);
  s.dz_i = dz_i.rows_view(b0, n);
  s.dz_g = dz_g.rows_view(b0, n);
  s.dz_o = dz_o.rows_view(b0, n);
  return s;
}

template <class S>
CMat<S> Lstm<S>::gates(int l) const {
  return CMat<S>(cache_[l].gates.data(), T_ * B_, 4 * cfg_.hidden);
}

template <class S>
CMat<S> Lstm<S>::input(int l) const {
  const std::size_t BH = static_cast<std::size_t>(B_) * cfg_.hidden;
  if (dropped_) return CMat<S>(cache_[l].x_drop.data(), T_ * B_, cfg_.hidden);
  return CMat<S>(cache_[l - 1].h.data() + BH, T_ * B_, cfg_.hidden);
}

template <class S>
CMat<S> Lstm<S>::output() const {
  const Cache& c = cache_.back();
  return CMat<S>(c.h.data() + static_cast<std::size_t>(B_) * cfg_.hidden, T_ * B_, cfg_.hidden);
}

// ---------------------------------------------------------------------------------------------
// One time step of one layer: forward, then backward (the forward read bottom-up)
// ---------------------------------------------------------------------------------------------

// On entry s.z holds W_* x_t + b_* for the four gates (computed for every t before the loop).
// UT is U, packed once for the sequence for products with Uᵀ (core/gemm.h).
template <class S>
void Lstm<S>::step_forward(const PackedMatrix<S>& UT, const Step& s) {
  // (L1)–(L4) add U_* h_{t-1} to all four gates' pre-activations in one product (rows: h_prev Uᵀ)
  matmul_ABt<S>(s.h_prev, UT, 1, s.z);
  const int H = s.h.cols;
  // One loop per kind of work, each over contiguous memory: σ and tanh a vector register at a
  // time (core/activations.h), the products plain loops that compilers make vector code of.
  for (int b = 0; b < s.h.rows; ++b) {
    S *f = s.f.row(b), *i = s.i.row(b), *g = s.g.row(b), *o = s.o.row(b);
    sigmoid_each(f, f, H);  // (L1) f_t = σ(W_f x_t + U_f h_{t-1} + b_f)  forget gate
    sigmoid_each(i, i, H);  // (L2) i_t = σ(W_i x_t + U_i h_{t-1} + b_i)  input gate
    tanh_each(g, g, H);     // (L3) g_t = tanh(W_g x_t + U_g h_{t-1} + b_g)  candidate
    sigmoid_each(o, o, H);  // (L4) o_t = σ(W_o x_t + U_o h_{t-1} + b_o)  output gate
    const S* c_prev = s.c_prev.row(b);
    S *c = s.c.row(b), *tanh_c = s.tanh_c.row(b), *h = s.h.row(b);
    for (int j = 0; j < H; ++j)
      c[j] = f[j] * c_prev[j] + i[j] * g[j];  // (L5) c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    tanh_each(c, tanh_c, H);                  // (L6) tanh(c_t), kept for backward
    for (int j = 0; j < H; ++j)
      h[j] = o[j] * tanh_c[j];  // (L6) h_t = o_t ⊙ tanh(c_t)
  }
}

// dout: (B,H) ∂L/∂h_t from above. dh_next, dc_next: (B,H) on entry ∂L/∂h_t and ∂L/∂c_t from
// step t+1, on exit ∂L/∂h_{t-1} and ∂L/∂c_{t-1} for step t-1. U is packed once for the sequence.
template <class S>
void Lstm<S>::step_backward(const PackedMatrix<S>& U, const Step& s, CMat<S> dout, Mat<S> dh_next,
                            Mat<S> dc_next) {
  const int H = s.h.cols;
  for (int b = 0; b < s.h.rows; ++b) {
    const S *f = s.f.row(b), *i = s.i.row(b), *g = s.g.row(b), *o = s.o.row(b);
    const S *tanh_c = s.tanh_c.row(b), *c_prev = s.c_prev.row(b), *dout_b = dout.row(b);
    S *dz_f = s.dz_f.row(b), *dz_i = s.dz_i.row(b), *dz_g = s.dz_g.row(b), *dz_o = s.dz_o.row(b);
    S *dh_b = dh_next.row(b), *dc = dc_next.row(b);  // dc: dc_next on entry, then dc_t, then
                                                     // dc_next for step t-1
    // Loops with few arrays each, so that the compiler makes vector code of every one.
    for (int j = 0; j < H; ++j) {
      const S dh = dout_b[j] + dh_b[j];                     // (LB1) dh_t = dout_t + dh_next
      const S do_ = dh * tanh_c[j];                         // (LB2) do_t = dh_t ⊙ tanh(c_t)
      dc[j] += dh * o[j] * (S(1) - tanh_c[j] * tanh_c[j]);  // (LB3) dc_t
      dz_o[j] = do_ * o[j] * (S(1) - o[j]);                 // (LB10) dz_o = do ⊙ o ⊙ (1-o)
    }
    for (int j = 0; j < H; ++j) {
      const S df = dc[j] * c_prev[j];       // (LB4) df_t = dc_t ⊙ c_{t-1}
      dz_f[j] = df * f[j] * (S(1) - f[j]);  // (LB7) dz_f = df ⊙ f ⊙ (1-f)
    }
    for (int j = 0; j < H; ++j) {
      const S di = dc[j] * g[j];            // (LB5) di_t = dc_t ⊙ g_t
      dz_i[j] = di * i[j] * (S(1) - i[j]);  // (LB8) dz_i = di ⊙ i ⊙ (1-i)
    }
    for (int j = 0; j < H; ++j) {
      const S dg = dc[j] * i[j];            // (LB6) dg_t = dc_t ⊙ i_t
      dz_g[j] = dg * (S(1) - g[j] * g[j]);  // (LB9) dz_g = dg ⊙ (1-g²)
    }
    for (int j = 0; j < H; ++j)
      dc[j] *= f[j];  // (LB11) dc_next = dc_t ⊙ f_t
  }
  // (LB12) dh_next = U_fᵀ dz_f + U_iᵀ dz_i + U_gᵀ dz_g + U_oᵀ dz_o, in one product (rows: dz U)
  matmul_AB<S>(s.dz, U, 0, dh_next);
}

// ---------------------------------------------------------------------------------------------
// The whole sequence: layers bottom-up, t = 0..T-1
// ---------------------------------------------------------------------------------------------

template <class S>
void Lstm<S>::forward(const S* params, const Layout& layout, const int* ids, int B, int T,
                      const S* state_in, S* state_out) {
  reserve(B, T);
  std::copy(ids, ids + static_cast<std::size_t>(T) * B, ids_.begin());
  dropped_ = training_ && dropout_ > 0 && rng_ != nullptr;
  const int H = cfg_.hidden;
  const Layout& state = state_;  // state_layout(B), built once in reserve()
  for (int l = 0; l < cfg_.layers; ++l) {
    const Tensors<const S> w = tensors(params, layout, l);
    Cache& k = cache_[l];
    Mat<S> hs(k.h.data(), (T + 1) * B, H), cs(k.c.data(), (T + 1) * B, H);
    Mat<S> Z(k.gates.data(), T * B, 4 * H);  // (N,4H) pre-activations of every gate and step

    // The input part of (L1)–(L4), W_* x_t + b_*, for all T steps and four gates at once: it
    // does not depend on the recurrence, so it leaves the time loop.
    if (l == 0) {
      // W is (4H,V) and a one-hot x_t picks its column x_t. Transposed once per sequence, W
      // becomes Wᵀ (V,4H), where that column is a contiguous row: one row copy per input.
      Mat<S> W_t(k.W_t.data(), cfg_.vocab, 4 * H);
      transpose<S>(w.W, W_t);
      for_row_blocks(T * B, 64, [&](int n0, int count) {
        for (int n = n0; n < n0 + count; ++n) {
          const S* column = W_t.row(ids_[n]);
          S* z = Z.row(n);
          for (int j = 0; j < 4 * H; ++j)
            z[j] = column[j] + w.b(0, j);  // (L7) W_* x_t = column x_t of W_* (one-hot)
        }
      });
    } else {
      if (dropped_) {
        Cache& below = cache_[l - 1];
        dropout_forward<S>(CMat<S>(below.h.data() + static_cast<std::size_t>(B) * H, T * B, H),
                           dropout_, *rng_, Mat<S>(k.mask.data(), T * B, H),
                           Mat<S>(k.x_drop.data(), T * B, H));
      }
      CMat<S> X = input(l);
      matmul_ABt<S>(X, w.W, 0, Z);  // (L1)–(L4) W_* x_t for every t and gate (rows: X Wᵀ)
      for_row_blocks(T * B, 64, [&](int n0, int count) {
        for (int n = n0; n < n0 + count; ++n)
          for (int j = 0; j < 4 * H; ++j)
            Z(n, j) += w.b(0, j);  // (L1)–(L4) ... + b_*
      });
    }

    copy<S>(state.view(state_in, 2 * l), hs.rows_view(0, B));      // h_{-1} = h0
    copy<S>(state.view(state_in, 2 * l + 1), cs.rows_view(0, B));  // c_{-1} = c0
    k.U_forward.pack_for_ABt(w.U);  // rearranged once for the T products below
    // The streams (rows) never mix in the recurrence, so each thread takes a block of them
    // and runs all T steps on it without waiting for the others.
    for_row_blocks(B, kMinRowsPerThread, [&](int b0, int n) {
      for (int t = 0; t < T; ++t)
        step_forward(k.U_forward, step(l, t).rows(b0, n));
    });
    copy<S>(hs.rows_view(T * B, B), state.view(state_out, 2 * l));  // carried to the next chunk
    copy<S>(cs.rows_view(T * B, B), state.view(state_out, 2 * l + 1));
  }
}

template <class S>
void Lstm<S>::backward(const S* params, const Layout& layout, CMat<S> dtop, S* grads,
                       S* dstate_in) {
  const int B = B_, T = T_, H = cfg_.hidden;
  const Layout& state = state_;  // state_layout(B), built once in reserve()
  for (int l = cfg_.layers - 1; l >= 0; --l) {
    const Tensors<const S> w = tensors(params, layout, l);
    const Tensors<S> d = tensors(grads, layout, l);  // d.U is dU_f..dU_o, and so on
    Cache& k = cache_[l];
    CMat<S> dout = l == cfg_.layers - 1 ? dtop : CMat<S>(k.dout.data(), T * B, H);
    Mat<S> dh_next(k.dh_next.data(), B, H), dc_next(k.dc_next.data(), B, H);

    fill(dh_next, S(0));  // nothing flows back from beyond the chunk (truncated BPTT)
    fill(dc_next, S(0));
    k.U_backward.pack_for_AB(w.U);  // rearranged once for the T products below
    for_row_blocks(B, kMinRowsPerThread, [&](int b0, int n) {  // streams split as in forward
      for (int t = T - 1; t >= 0; --t)
        step_backward(k.U_backward, step(l, t).rows(b0, n), dout.rows_view(t * B + b0, n),
                      dh_next.rows_view(b0, n), dc_next.rows_view(b0, n));
    });

    // The parameter gradients sum over t; with dz_t for every t in hand they are one product
    // each, out of the time loop, for all four gates at once.
    CMat<S> dZ(k.dz.data(), T * B, 4 * H);
    CMat<S> H_prev(k.h.data(), T * B, H);  // rows t*B + b hold h_{t-1}
    matmul_AtB<S>(dZ, H_prev, 1, d.U);     // (LB13) dU_* += Σ_t dz_* h_{t-1}ᵀ
    // The sums over rows n = (t,b) of dZ, split over the threads by columns (gates × units):
    // every thread adds whole columns, so no two threads write the same element.
    Mat<S> dW_t(k.W_t.data(), cfg_.vocab, 4 * H);  // layer 0: dWᵀ (V,4H), see forward
    if (l == 0) fill(dW_t, S(0));
    for_row_blocks(4 * H, 32, [&](int j0, int count) {
      S* db = d.b.row(0);
      for (int n = 0; n < T * B; ++n) {
        const S* dz = dZ.row(n);
        for (int j = j0; j < j0 + count; ++j)
          db[j] += dz[j];  // (LB15) db_* += Σ_t dz_*
        if (l == 0) {
          S* dw = dW_t.row(ids_[n]);
          for (int j = j0; j < j0 + count; ++j)
            dw[j] += dz[j];  // (LB14) one-hot: dW_* gets dz_* in column x_t (row x_t of dWᵀ)
        }
      }
    });
    if (l == 0) {
      add_transposed<S>(dW_t, d.W);  // dW += (dWᵀ)ᵀ
    } else {
      CMat<S> X = input(l);
      matmul_AtB<S>(dZ, X, 1, d.W);  // (LB14) dW_* += Σ_t dz_* x_tᵀ
      Mat<S> dX(cache_[l - 1].dout.data(), T * B, H);
      matmul_AB<S>(dZ, w.W, 0, dX);  // (LB16) dx_t = Σ_* W_*ᵀ dz_*: dout of the layer below
      if (dropped_) dropout_backward<S>(CMat<S>(k.mask.data(), T * B, H), dX);
    }
    if (dstate_in) {
      copy<S>(dh_next, state.view(dstate_in, 2 * l));      // ∂L/∂h0, by (LB12) at t = 0
      copy<S>(dc_next, state.view(dstate_in, 2 * l + 1));  // ∂L/∂c0, by (LB11) at t = 0
    }
  }
}

template class Lstm<float>;
template class Lstm<double>;

}  // namespace charnn
