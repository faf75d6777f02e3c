// LSTM, forward and backward. Read it beside docs/lstm.md (and beside rnn/rnn.cpp: the two
// files have the same skeleton; the gates are the difference). In execution order: the
// sequence forward, one step forward, one step backward, the sequence backward; then the
// bookkeeping.
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
#include "core/rows.h"

namespace charnn {

// The fewest streams worth giving a thread of their own in the time loop.
constexpr int kMinStreamsPerThread = 4;

// ---------------------------------------------------------------------------------------------
// The whole sequence, forward: layers bottom-up, t = 0..T-1
// ---------------------------------------------------------------------------------------------

template <class S>
void Lstm<S>::forward(const S* params, const Layout& layout, const int* ids, int B, int T,
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
    Mat<S> hs(k.h.data(), (T + 1) * B, H), cs(k.c.data(), (T + 1) * B, H);
    Mat<S> Z(k.gates.data(), T * B, 4 * H);  // (N,4H) pre-activations z_* of every gate and step

    // The input part of (L1)–(L4), W_* x_t + b_*, for all T steps and four gates at once: it
    // does not depend on the recurrence, so it leaves the time loop.
    if (l == 0) {
      // W is (4H,V) and a one-hot x_t picks its column x_t. Transposed once per sequence, W
      // becomes Wᵀ (V,4H), where that column is a contiguous row: one row copy per input.
      Mat<S> WT(k.WT.data(), cfg_.vocab, 4 * H);
      transpose<S>(w.W, WT);
      gather_rows<S>(WT, ids_.data(), w.b, Z);  // (L7) W_* x_t: row x_t; (L1)–(L4) … + b_*
    } else {
      if (dropped_) {
        k.mask.resize(static_cast<std::size_t>(T) * B * H);  // sized by the first pass that drops
        k.x_drop.resize(k.mask.size());
        dropout_forward<S>(output_of(l - 1), *dropout, Mat<S>(k.mask.data(), T * B, H),
                           Mat<S>(k.x_drop.data(), T * B, H));
      }
      CMat<S> X = input(l);
      matmul_ABt<S>(X, w.W, 0, Z);  // (L1)–(L4) W_* x_t (all t, before the time loop; X Wᵀ)
      add_to_every_row<S>(w.b, Z);  // (L1)–(L4) … + b_*
    }

    copy<S>(state.view(state_in, 2 * l), hs.rows_view(0, B));      // h_{-1} = h0
    copy<S>(state.view(state_in, 2 * l + 1), cs.rows_view(0, B));  // c_{-1} = c0
    if (resetting_) {  // sized by the first pass with record resets
      k.h_kept.resize(static_cast<std::size_t>(T) * B * H);
      k.c_kept.resize(k.h_kept.size());
    }
    k.U_forward.pack_for_ABt(w.U);  // rearranged once for the T products below
    // The streams (rows) never mix in the recurrence, so each thread takes a block of them
    // and runs all T steps on it without waiting for the others.
    for_row_blocks(B, kMinStreamsPerThread, [&](int b0, int n) {
      for (int t = 0; t < T; ++t) {
        if (resetting_) start_records(l, t, b0, n);  // (L8) h̃_{t-1}, c̃_{t-1}
        step_forward(k.U_forward, step(l, t, b0, n));
      }
    });
    copy<S>(hs.rows_view(T * B, B), state.view(state_out, 2 * l));  // carried to the next chunk
    copy<S>(cs.rows_view(T * B, B), state.view(state_out, 2 * l + 1));
  }
}

// ---------------------------------------------------------------------------------------------
// One time step of one layer: forward, then backward (the forward read bottom-up)
// ---------------------------------------------------------------------------------------------

// On entry s.z holds W_* x_t + b_* for the four gates (computed for every t before the time
// loop). U is packed once per sequence for matmul_ABt (core/gemm.h).
template <class S>
void Lstm<S>::step_forward(const PackedMatrix<S>& U, const Step& s) {
  matmul_ABt<S>(s.h_prev, U, 1, s.z);  // (L1)–(L4) … + U_* h_{t-1}, four gates (h_prev Uᵀ)
  const int H = s.h.cols;
  // One loop per kind of work, each over contiguous memory: σ and tanh a vector register at a
  // time (core/activations.h), the products plain loops that compilers make vector code of.
  for (int b = 0; b < s.h.rows; ++b) {
    S *f = s.f.row(b), *i = s.i.row(b), *g = s.g.row(b), *o = s.o.row(b);
    sigmoid_each(f, f, H);  // (L1) f_t = σ(z_f)  forget gate
    sigmoid_each(i, i, H);  // (L2) i_t = σ(z_i)  input gate
    tanh_each(g, g, H);     // (L3) g_t = tanh(z_g)  candidate
    sigmoid_each(o, o, H);  // (L4) o_t = σ(z_o)  output gate
    const S* c_prev = s.c_prev.row(b);
    S *c = s.c.row(b), *tanh_c = s.tanh_c.row(b), *h = s.h.row(b);
    for (int j = 0; j < H; ++j)
      c[j] = f[j] * c_prev[j] + i[j] * g[j];  // (L5) c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    tanh_each(c, tanh_c, H);                  // (L6) tanh(c_t), kept for backward
    for (int j = 0; j < H; ++j)
      h[j] = o[j] * tanh_c[j];  // (L6) h_t = o_t ⊙ tanh(c_t)
  }
}

// dout: ∂L/∂h_t from above. dh_next, dc_next: on entry ∂L/∂h_t and ∂L/∂c_t from step t+1, on
// exit ∂L/∂h_{t-1} and ∂L/∂c_{t-1} for step t-1. All (n,H), like the views of s. U is packed
// once per sequence for matmul_AB.
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
// The whole sequence, backward: layers top-down, t = T-1..0
// ---------------------------------------------------------------------------------------------

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
    for_row_blocks(B, kMinStreamsPerThread, [&](int b0, int n) {  // streams split as in forward
      for (int t = T - 1; t >= 0; --t) {
        step_backward(k.U_backward, step(l, t, b0, n), dout.rows_view(t * B + b0, n),
                      dh_next.rows_view(b0, n), dc_next.rows_view(b0, n));
        if (resetting_) {  // (LB17) dh_{t-1} = m_t ⊙ dh̃_{t-1}, dc_{t-1} = m_t ⊙ dc̃_{t-1}
          zero_rows<S>(resets_.data() + t * B + b0, dh_next.rows_view(b0, n));
          zero_rows<S>(resets_.data() + t * B + b0, dc_next.rows_view(b0, n));
        }
      }
    });

    // The parameter gradients sum over t; with dz_t for every t in hand they are one product
    // or one sum each, out of the time loop, for all four gates at once.
    CMat<S> dZ(k.dz.data(), T * B, 4 * H);
    CMat<S> H_prev(k.h.data(), T * B, H);                         // rows t*B + b hold h_{t-1}
    if (resetting_) H_prev = CMat<S>(k.h_kept.data(), T * B, H);  // … or h̃_{t-1} (L8)
    matmul_AtB<S>(dZ, H_prev, 1, d.U);  // (LB13) dU_* += Σ_t dz_* h_{t-1}ᵀ
    add_column_sums<S>(dZ, d.b);        // (LB15) db_* += Σ_t dz_*
    if (l == 0) {
      Mat<S> dWT(k.WT.data(), cfg_.vocab, 4 * H);  // (V,4H), the storage of Wᵀ in forward
      fill(dWT, S(0));
      scatter_add_rows<S>(dZ, ids_.data(), dWT);  // (LB14) one-hot: dz_* into row x_t of dWᵀ
      add_transposed<S>(dWT, d.W);                // (LB14) … dW_* += (dWᵀ)ᵀ
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

// ---------------------------------------------------------------------------------------------
// Bookkeeping: parameters, state, caches, views
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

template <class S>
std::size_t Lstm<S>::parameter_count(const Config& config) {
  const std::size_t V = config.vocab, H = config.hidden;
  std::size_t n = 0;
  for (int l = 0; l < config.layers; ++l)
    n += kGates * H * ((l == 0 ? V : H) + H + 1);  // per gate W_* (H,in), U_* (H,H), b_* (1,H)
  return n;
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
    c.dh_next.assign(BH, S(0));
    c.dc_next.assign(BH, S(0));
  }
  cache_[0].WT.assign(static_cast<std::size_t>(cfg_.vocab) * 4 * cfg_.hidden, S(0));
  ids_.assign(static_cast<std::size_t>(T) * B, 0);
  resets_.assign(ids_.size(), 0);
  state_ = state_layout(B);
}

// Rows t*B + b0 .. t*B + b0 + n - 1 of the layer's caches: step t of streams [b0, b0+n).
template <class S>
typename Lstm<S>::Step Lstm<S>::step(int l, int t, int b0, int n) {
  const int B = B_, H = cfg_.hidden;
  const int now = t * B + b0;  // first row of step t in the (N,·) caches
  const int next = now + B;    // the same in the ((T+1)*B,·) caches, whose first B rows hold h0
  Cache& k = cache_[l];
  Mat<S> hs(k.h.data(), (T_ + 1) * B, H), cs(k.c.data(), (T_ + 1) * B, H);
  Step s;
  s.h_prev = hs.rows_view(now, n);
  s.c_prev = cs.rows_view(now, n);
  if (resetting_) {  // the copies of (L8), zero where a record starts
    s.h_prev = Mat<S>(k.h_kept.data(), T_ * B, H).rows_view(now, n);
    s.c_prev = Mat<S>(k.c_kept.data(), T_ * B, H).rows_view(now, n);
  }
  s.z = Mat<S>(k.gates.data(), T_ * B, 4 * H).rows_view(now, n);
  s.f = s.z.cols_view(F * H, H);
  s.i = s.z.cols_view(I * H, H);
  s.g = s.z.cols_view(G * H, H);
  s.o = s.z.cols_view(O * H, H);
  s.c = cs.rows_view(next, n);
  s.tanh_c = Mat<S>(k.tanh_c.data(), T_ * B, H).rows_view(now, n);
  s.h = hs.rows_view(next, n);
  s.dz = Mat<S>(k.dz.data(), T_ * B, 4 * H).rows_view(now, n);
  s.dz_f = s.dz.cols_view(F * H, H);
  s.dz_i = s.dz.cols_view(I * H, H);
  s.dz_g = s.dz.cols_view(G * H, H);
  s.dz_o = s.dz.cols_view(O * H, H);
  return s;
}

// h̃_{t-1} = m_t ⊙ h_{t-1} and c̃_{t-1} = m_t ⊙ c_{t-1} (L8): copies of h_{t-1} and c_{t-1},
// zero in the streams where a record starts at step t. The copies, not the states, are zeroed:
// h_{t-1} and c_{t-1} are also step t-1's outputs.
template <class S>
void Lstm<S>::start_records(int l, int t, int b0, int n) {
  const int B = B_, H = cfg_.hidden, now = t * B + b0;
  Cache& k = cache_[l];
  const unsigned char* starts = resets_.data() + now;  // (L8) m_t = 0 where a record starts
  copy_or_zero_rows<S>(CMat<S>(k.h.data(), (T_ + 1) * B, H).rows_view(now, n), starts,
                       Mat<S>(k.h_kept.data(), T_ * B, H).rows_view(now, n));
  copy_or_zero_rows<S>(CMat<S>(k.c.data(), (T_ + 1) * B, H).rows_view(now, n), starts,
                       Mat<S>(k.c_kept.data(), T_ * B, H).rows_view(now, n));
}

template <class S>
CMat<S> Lstm<S>::input(int l) const {
  if (dropped_) return CMat<S>(cache_[l].x_drop.data(), T_ * B_, cfg_.hidden);
  return output_of(l - 1);
}

template <class S>
CMat<S> Lstm<S>::output_of(int l) const {
  const std::size_t BH = static_cast<std::size_t>(B_) * cfg_.hidden;
  return CMat<S>(cache_[l].h.data() + BH, T_ * B_, cfg_.hidden);
}

template <class S>
CMat<S> Lstm<S>::cells(int l) const {
  const std::size_t BH = static_cast<std::size_t>(B_) * cfg_.hidden;
  return CMat<S>(cache_[l].c.data() + BH, T_ * B_, cfg_.hidden);
}

template <class S>
CMat<S> Lstm<S>::output() const {
  return output_of(cfg_.layers - 1);
}

template <class S>
CMat<S> Lstm<S>::gates(int l) const {
  return CMat<S>(cache_[l].gates.data(), T_ * B_, 4 * cfg_.hidden);
}

template class Lstm<float>;
template class Lstm<double>;

}  // namespace charnn
