// Vanilla RNN, forward and backward. Read it beside docs/rnn.md (and beside lstm/lstm.cpp: the
// two files have the same skeleton). In execution order: the sequence forward, one step
// forward, one step backward, the sequence backward; then the bookkeeping.
//
// Shape legend: B batch, T steps, V vocabulary, H hidden, L layers, N = T*B.
#include "rnn/rnn.h"

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
void Rnn<S>::forward(const S* params, const Layout& layout, const int* ids, int B, int T,
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
    Cache& c = cache_[l];
    Mat<S> hs(c.h.data(), (T + 1) * B, H);
    Mat<S> A = hs.rows_view(B, T * B);  // (N,H) a_t for every t, then h_t

    // The input part of (R1), W_xh x_t + b_h, for all T steps at once: it does not depend on
    // the recurrence, so it leaves the time loop.
    if (l == 0) {
      // W_xh is (H,V) and a one-hot x_t picks its column x_t. Transposed once per sequence,
      // W_xh becomes W_xhᵀ (V,H), where that column is a contiguous row: one row copy per input.
      Mat<S> W_xhT(c.W_xhT.data(), cfg_.vocab, H);
      transpose<S>(w.W_xh, W_xhT);
      gather_rows<S>(W_xhT, ids_.data(), w.b_h, A);  // (R3) W_xh x_t: row x_t; (R1) … + b_h
    } else {
      if (dropped_) {
        c.mask.resize(static_cast<std::size_t>(T) * B * H);  // sized by the first pass that drops
        c.x_drop.resize(c.mask.size());
        dropout_forward<S>(output_of(l - 1), *dropout, Mat<S>(c.mask.data(), T * B, H),
                           Mat<S>(c.x_drop.data(), T * B, H));
      }
      CMat<S> X = input(l);
      matmul_ABt<S>(X, w.W_xh, 0, A);  // (R1) W_xh x_t (all t, before the time loop; X W_xhᵀ)
      add_to_every_row<S>(w.b_h, A);   // (R1) … + b_h
    }

    copy<S>(state.view(state_in, l), hs.rows_view(0, B));  // h_{-1} = h0
    if (resetting_)  // sized by the first pass with record resets
      c.h_kept.resize(static_cast<std::size_t>(T) * B * H);
    c.W_hh_forward.pack_for_ABt(w.W_hh);  // rearranged once for the T products below
    // The streams (rows) never mix in the recurrence, so each thread takes a block of them
    // and runs all T steps on it without waiting for the others.
    for_row_blocks(B, kMinStreamsPerThread, [&](int b0, int n) {
      for (int t = 0; t < T; ++t) {
        if (resetting_) start_records(l, t, b0, n);  // (R4) h̃_{t-1} = m_t ⊙ h_{t-1}
        step_forward(c.W_hh_forward, step(l, t, b0, n));
      }
    });
    copy<S>(hs.rows_view(T * B, B), state.view(state_out, l));  // carried to the next chunk
  }
}

// ---------------------------------------------------------------------------------------------
// One time step of one layer: forward, then backward (the forward read bottom-up)
// ---------------------------------------------------------------------------------------------

// On entry s.h holds W_xh x_t + b_h (computed for every t before the time loop). W_hh is
// packed once per sequence for matmul_ABt (core/gemm.h).
template <class S>
void Rnn<S>::step_forward(const PackedMatrix<S>& W_hh, const Step& s) {
  matmul_ABt<S>(s.h_prev, W_hh, 1, s.h);  // (R1) … + W_hh h_{t-1} (rows: h_prev W_hhᵀ)
  for (int b = 0; b < s.h.rows; ++b)
    tanh_each(s.h.row(b), s.h.row(b), s.h.cols);  // (R2) h_t = tanh(a_t)
}

// dout: ∂L/∂h_t from above. dh_next: on entry ∂L/∂h_t from step t+1, on exit ∂L/∂h_{t-1} for
// step t-1. Both (n,H), like the views of s. W_hh is packed once per sequence for matmul_AB.
template <class S>
void Rnn<S>::step_backward(const PackedMatrix<S>& W_hh, const Step& s, CMat<S> dout,
                           Mat<S> dh_next) {
  for (int b = 0; b < s.h.rows; ++b) {
    const S *h = s.h.row(b), *dout_b = dout.row(b);
    S *da = s.da.row(b), *dh_b = dh_next.row(b);
    for (int j = 0; j < s.h.cols; ++j) {
      const S dh = dout_b[j] + dh_b[j];   // (RB1) dh_t = dout_t + dh_next
      da[j] = dh * (S(1) - h[j] * h[j]);  // (RB2) da_t = dh_t ⊙ (1 - h_t²)
    }
  }
  matmul_AB<S>(s.da, W_hh, 0, dh_next);  // (RB3) dh_next = W_hhᵀ da_t (rows: da W_hh)
}

// ---------------------------------------------------------------------------------------------
// The whole sequence, backward: layers top-down, t = T-1..0
// ---------------------------------------------------------------------------------------------

template <class S>
void Rnn<S>::backward(const S* params, const Layout& layout, CMat<S> dtop, S* grads, S* dstate_in) {
  const int B = B_, T = T_, H = cfg_.hidden;
  const Layout& state = state_;  // state_layout(B), built once in reserve()
  for (int l = cfg_.layers - 1; l >= 0; --l) {
    const Tensors<const S> w = tensors(params, layout, l);
    const Tensors<S> d = tensors(grads, layout, l);  // d.W_hh is dW_hh, and so on
    Cache& c = cache_[l];
    CMat<S> dout = l == cfg_.layers - 1 ? dtop : CMat<S>(c.dout.data(), T * B, H);
    Mat<S> dh_next(c.dh_next.data(), B, H);

    fill(dh_next, S(0));  // nothing flows back from beyond the chunk (truncated BPTT)
    c.W_hh_backward.pack_for_AB(w.W_hh);  // rearranged once for the T products below
    for_row_blocks(B, kMinStreamsPerThread, [&](int b0, int n) {  // streams split as in forward
      for (int t = T - 1; t >= 0; --t) {
        step_backward(c.W_hh_backward, step(l, t, b0, n), dout.rows_view(t * B + b0, n),
                      dh_next.rows_view(b0, n));
        if (resetting_)  // (RB8) dh_{t-1} = m_t ⊙ dh̃_{t-1}: none flows past a record start
          zero_rows<S>(resets_.data() + t * B + b0, dh_next.rows_view(b0, n));
      }
    });

    // The parameter gradients sum over t; with da_t for every t in hand they are one product
    // or one sum each, out of the time loop.
    CMat<S> dA(c.da.data(), T * B, H);
    CMat<S> H_prev(c.h.data(), T * B, H);                         // rows t*B + b hold h_{t-1}
    if (resetting_) H_prev = CMat<S>(c.h_kept.data(), T * B, H);  // … or h̃_{t-1} (R4)
    matmul_AtB<S>(dA, H_prev, 1, d.W_hh);  // (RB4) dW_hh += Σ_t da_t h_{t-1}ᵀ
    add_column_sums<S>(dA, d.b_h);         // (RB6) db_h += Σ_t da_t
    if (l == 0) {
      Mat<S> dW_xhT(c.W_xhT.data(), cfg_.vocab, H);  // (V,H), the storage of W_xhᵀ in forward
      fill(dW_xhT, S(0));
      scatter_add_rows<S>(dA, ids_.data(), dW_xhT);  // (RB5) one-hot: da_t into row x_t
      add_transposed<S>(dW_xhT, d.W_xh);             // (RB5) … dW_xh += (dW_xhᵀ)ᵀ
    } else {
      CMat<S> X = input(l);
      matmul_AtB<S>(dA, X, 1, d.W_xh);  // (RB5) dW_xh += Σ_t da_t x_tᵀ
      Mat<S> dX(cache_[l - 1].dout.data(), T * B, H);
      matmul_AB<S>(dA, w.W_xh, 0, dX);  // (RB7) dx_t = W_xhᵀ da_t: dout of the layer below
      if (dropped_) dropout_backward<S>(CMat<S>(c.mask.data(), T * B, H), dX);
    }
    if (dstate_in) copy<S>(dh_next, state.view(dstate_in, l));  // ∂L/∂h0, by (RB3) at t = 0
  }
}

// ---------------------------------------------------------------------------------------------
// Bookkeeping: parameters, state, caches, views
// ---------------------------------------------------------------------------------------------

template <class S>
Rnn<S>::Rnn(const Config& config, Layout& layout) : cfg_(config) {
  check_shape(cfg_.vocab > 0 && cfg_.hidden > 0 && cfg_.layers > 0, "Rnn needs V, H, L > 0");
  const int H = cfg_.hidden;
  for (int l = 0; l < cfg_.layers; ++l) {
    const std::string p = "l" + std::to_string(l) + ".";
    const int in = l == 0 ? cfg_.vocab : H;
    first_tensor_.push_back(layout.add(p + "W_xh", H, in));
    layout.add(p + "W_hh", H, H);
    layout.add(p + "b_h", 1, H);
  }
  cache_.resize(cfg_.layers);
}

template <class S>
std::size_t Rnn<S>::parameter_count(const Config& config) {
  const std::size_t V = config.vocab, H = config.hidden;
  std::size_t n = 0;
  for (int l = 0; l < config.layers; ++l)
    n += kGates * H * ((l == 0 ? V : H) + H + 1);  // W_xh (H,in), W_hh (H,H), b_h (1,H)
  return n;
}

template <class S>
template <class P>
typename Rnn<S>::template Tensors<P> Rnn<S>::tensors(P* base, const Layout& layout, int l) const {
  const int k = first_tensor_[l];
  return {layout.view(base, k), layout.view(base, k + 1), layout.view(base, k + 2)};
}

template <class S>
Layout Rnn<S>::state_layout(int B) const {
  Layout state;
  for (int l = 0; l < cfg_.layers; ++l)
    state.add("l" + std::to_string(l) + ".h0", B, cfg_.hidden);
  return state;
}

template <class S>
void Rnn<S>::init(S* params, const Layout& layout, Rng& rng) const {
  const double k = 1.0 / std::sqrt(static_cast<double>(cfg_.hidden));
  for (int l = 0; l < cfg_.layers; ++l) {
    Tensors<S> w = tensors(params, layout, l);
    for (Mat<S> m : {w.W_xh, w.W_hh})
      for (int r = 0; r < m.rows; ++r)
        for (int c = 0; c < m.cols; ++c)
          m(r, c) = static_cast<S>(rng.uniform(-k, k));  // (I1) W ~ U(-1/√H, 1/√H)
    fill(w.b_h, S(0));                                   // (I2) b = 0
  }
}

template <class S>
void Rnn<S>::reserve(int B, int T) {
  if (B == B_ && T == T_) return;
  B_ = B;
  T_ = T;
  const std::size_t BH = static_cast<std::size_t>(B) * cfg_.hidden;
  for (Cache& c : cache_) {
    c.h.assign((T + 1) * BH, S(0));
    c.da.assign(T * BH, S(0));
    c.dout.assign(T * BH, S(0));
    c.dh_next.assign(BH, S(0));
  }
  cache_[0].W_xhT.assign(static_cast<std::size_t>(cfg_.vocab) * cfg_.hidden, S(0));
  ids_.assign(static_cast<std::size_t>(T) * B, 0);
  resets_.assign(ids_.size(), 0);
  state_ = state_layout(B);
}

// Rows t*B + b0 .. t*B + b0 + n - 1 of the layer's caches: step t of streams [b0, b0+n).
template <class S>
typename Rnn<S>::Step Rnn<S>::step(int l, int t, int b0, int n) {
  const int B = B_, H = cfg_.hidden;
  Cache& c = cache_[l];
  Mat<S> hs(c.h.data(), (T_ + 1) * B, H);  // row t*B + b holds h_{t-1}, row (t+1)*B + b h_t
  Mat<S> das(c.da.data(), T_ * B, H);
  const CMat<S> h_prev = resetting_ ? CMat<S>(c.h_kept.data(), T_ * B, H).rows_view(t * B + b0, n)
                                    : CMat<S>(hs.rows_view(t * B + b0, n));
  return {h_prev, hs.rows_view((t + 1) * B + b0, n), das.rows_view(t * B + b0, n)};
}

// h̃_{t-1} = m_t ⊙ h_{t-1} (R4): a copy of h_{t-1}, zero in the streams where a record starts
// at step t. The copy, not h_{t-1} itself, is zeroed: h_{t-1} is also step t-1's output.
template <class S>
void Rnn<S>::start_records(int l, int t, int b0, int n) {
  const int B = B_, H = cfg_.hidden, now = t * B + b0;
  Cache& c = cache_[l];
  copy_or_zero_rows<S>(CMat<S>(c.h.data(), (T_ + 1) * B, H).rows_view(now, n),
                       resets_.data() + now,  // (R4) m_t = 0 where a record starts
                       Mat<S>(c.h_kept.data(), T_ * B, H).rows_view(now, n));
}

template <class S>
CMat<S> Rnn<S>::input(int l) const {
  if (dropped_) return CMat<S>(cache_[l].x_drop.data(), T_ * B_, cfg_.hidden);
  return output_of(l - 1);
}

template <class S>
CMat<S> Rnn<S>::output_of(int l) const {
  const std::size_t BH = static_cast<std::size_t>(B_) * cfg_.hidden;
  return CMat<S>(cache_[l].h.data() + BH, T_ * B_, cfg_.hidden);
}

template <class S>
CMat<S> Rnn<S>::output() const {
  return output_of(cfg_.layers - 1);
}

template class Rnn<float>;
template class Rnn<double>;

}  // namespace charnn
