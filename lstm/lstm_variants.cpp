// The LSTM variants of the ablation study (lstm/lstm_variants.h): lstm/lstm.cpp with each gate
// made optional. Read lstm/lstm.cpp for the model; this file differs from it only where a
// variant takes something away, and says so there.
#include "lstm/lstm_variants.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/activations.h"
#include "core/dropout.h"
#include "core/fast/parallel.h"
#include "core/gemm.h"
#include "core/rows.h"

namespace charnn {

namespace {
constexpr int kMinStreamsPerThread = 4;  // as in lstm/lstm.cpp
}

template <class S, Ablation A>
void LstmVariant<S, A>::forward(const S* params, const Layout& layout, const int* ids, int B, int T,
                                const S* state_in, S* state_out, const Dropout* dropout,
                                const unsigned char* resets) {
  reserve(B, T);
  std::copy(ids, ids + static_cast<std::size_t>(T) * B, ids_.begin());
  dropped_ = drops(dropout);
  resetting_ = resets != nullptr;
  if (resetting_) std::copy(resets, resets + static_cast<std::size_t>(T) * B, resets_.begin());
  const int H = cfg_.hidden, GH = kGates * H;
  for (int l = 0; l < cfg_.layers; ++l) {
    const Tensors<const S> w = tensors(params, layout, l);
    Cache& k = cache_[l];
    Mat<S> hs(k.h.data(), (T + 1) * B, H), cs(k.c.data(), (T + 1) * B, H);
    Mat<S> Z(k.gates.data(), T * B, GH);
    if (l == 0) {
      Mat<S> WT(k.WT.data(), cfg_.vocab, GH);
      transpose<S>(w.W, WT);
      gather_rows<S>(WT, ids_.data(), w.b, Z);
    } else {
      if (dropped_) {
        k.mask.resize(static_cast<std::size_t>(T) * B * H);
        k.x_drop.resize(k.mask.size());
        dropout_forward<S>(output_of(l - 1), *dropout, Mat<S>(k.mask.data(), T * B, H),
                           Mat<S>(k.x_drop.data(), T * B, H));
      }
      matmul_ABt<S>(input(l), w.W, 0, Z);
      add_to_every_row<S>(w.b, Z);
    }
    copy<S>(state_.view(state_in, 2 * l), hs.rows_view(0, B));
    copy<S>(state_.view(state_in, 2 * l + 1), cs.rows_view(0, B));
    if (resetting_) {
      k.h_kept.resize(static_cast<std::size_t>(T) * B * H);
      k.c_kept.resize(k.h_kept.size());
    }
    k.U_forward.pack_for_ABt(w.U);
    for_row_blocks(B, kMinStreamsPerThread, [&](int b0, int n) {
      for (int t = 0; t < T; ++t) {
        if (resetting_) start_records(l, t, b0, n);
        step_forward(k.U_forward, step(l, t, b0, n));
      }
    });
    copy<S>(hs.rows_view(T * B, B), state_.view(state_out, 2 * l));
    copy<S>(cs.rows_view(T * B, B), state_.view(state_out, 2 * l + 1));
  }
}

template <class S, Ablation A>
void LstmVariant<S, A>::step_forward(const PackedMatrix<S>& U, const Step& s) {
  matmul_ABt<S>(s.h_prev, U, 1, s.z);
  const int H = s.h.cols;
  for (int b = 0; b < s.h.rows; ++b) {
    S *f = kHasF ? s.f.row(b) : nullptr, *i = kHasI ? s.i.row(b) : nullptr;
    S *g = s.g.row(b), *o = kHasO ? s.o.row(b) : nullptr;
    if constexpr (kHasF) sigmoid_each(f, f, H);
    if constexpr (kHasI) sigmoid_each(i, i, H);
    tanh_each(g, g, H);
    if constexpr (kHasO) sigmoid_each(o, o, H);
    const S* c_prev = s.c_prev.row(b);
    S *c = s.c.row(b), *act_c = s.act_c.row(b), *h = s.h.row(b);
    for (int j = 0; j < H; ++j) {
      const S keep = kHasF ? f[j] : S(1);                            // NoForgetGate: f_t = 1
      const S write = kHasI ? i[j] : kCoupled ? S(1) - f[j] : S(1);  // CoupledGates: 1 - f_t
      c[j] = keep * c_prev[j] + write * g[j];
    }
    if constexpr (kTanhOut)
      tanh_each(c, act_c, H);
    else
      std::copy(c, c + H, act_c);  // NoOutputActivation: h_t = o_t ⊙ c_t
    for (int j = 0; j < H; ++j)
      h[j] = (kHasO ? o[j] : S(1)) * act_c[j];  // NoOutputGate: o_t = 1
  }
}

// The backward of the step above: (LB1)–(LB12) of docs/lstm.md with the terms of a gate taken
// away dropped, and for CoupledGates the input gate's share of dc_t ⊙ g_t sent to f_t with the
// opposite sign, since i_t = 1 - f_t.
template <class S, Ablation A>
void LstmVariant<S, A>::step_backward(const PackedMatrix<S>& U, const Step& s, CMat<S> dout,
                                      Mat<S> dh_next, Mat<S> dc_next) {
  const int H = s.h.cols;
  for (int b = 0; b < s.h.rows; ++b) {
    const S *f = kHasF ? s.f.row(b) : nullptr, *i = kHasI ? s.i.row(b) : nullptr;
    const S *g = s.g.row(b), *o = kHasO ? s.o.row(b) : nullptr;
    const S *act_c = s.act_c.row(b), *c_prev = s.c_prev.row(b), *dout_b = dout.row(b);
    S *dz_f = kHasF ? s.dz_f.row(b) : nullptr, *dz_i = kHasI ? s.dz_i.row(b) : nullptr;
    S *dz_g = s.dz_g.row(b), *dz_o = kHasO ? s.dz_o.row(b) : nullptr;
    S *dh_b = dh_next.row(b), *dc = dc_next.row(b);
    for (int j = 0; j < H; ++j) {
      const S dh = dout_b[j] + dh_b[j];
      const S o_j = kHasO ? o[j] : S(1);
      const S slope = kTanhOut ? S(1) - act_c[j] * act_c[j] : S(1);
      dc[j] += dh * o_j * slope;
      if constexpr (kHasO) dz_o[j] = dh * act_c[j] * o[j] * (S(1) - o[j]);
    }
    for (int j = 0; j < H; ++j) {
      const S write = kHasI ? i[j] : kCoupled ? S(1) - f[j] : S(1);
      if constexpr (kHasF) {
        const S df = dc[j] * c_prev[j] - (kCoupled ? dc[j] * g[j] : S(0));
        dz_f[j] = df * f[j] * (S(1) - f[j]);
      }
      if constexpr (kHasI) dz_i[j] = dc[j] * g[j] * i[j] * (S(1) - i[j]);
      dz_g[j] = dc[j] * write * (S(1) - g[j] * g[j]);
      if constexpr (kHasF) dc[j] *= f[j];  // NoForgetGate: the cell gradient passes unchanged
    }
  }
  matmul_AB<S>(s.dz, U, 0, dh_next);
}

template <class S, Ablation A>
void LstmVariant<S, A>::backward(const S* params, const Layout& layout, CMat<S> dtop, S* grads,
                                 S* dstate_in) {
  const int B = B_, T = T_, H = cfg_.hidden, GH = kGates * H;
  for (int l = cfg_.layers - 1; l >= 0; --l) {
    const Tensors<const S> w = tensors(params, layout, l);
    const Tensors<S> d = tensors(grads, layout, l);
    Cache& k = cache_[l];
    CMat<S> dout = l == cfg_.layers - 1 ? dtop : CMat<S>(k.dout.data(), T * B, H);
    Mat<S> dh_next(k.dh_next.data(), B, H), dc_next(k.dc_next.data(), B, H);
    fill(dh_next, S(0));
    fill(dc_next, S(0));
    k.U_backward.pack_for_AB(w.U);
    for_row_blocks(B, kMinStreamsPerThread, [&](int b0, int n) {
      for (int t = T - 1; t >= 0; --t) {
        step_backward(k.U_backward, step(l, t, b0, n), dout.rows_view(t * B + b0, n),
                      dh_next.rows_view(b0, n), dc_next.rows_view(b0, n));
        if (resetting_) {
          zero_rows<S>(resets_.data() + t * B + b0, dh_next.rows_view(b0, n));
          zero_rows<S>(resets_.data() + t * B + b0, dc_next.rows_view(b0, n));
        }
      }
    });
    CMat<S> dZ(k.dz.data(), T * B, GH);
    CMat<S> H_prev(k.h.data(), T * B, H);
    if (resetting_) H_prev = CMat<S>(k.h_kept.data(), T * B, H);
    matmul_AtB<S>(dZ, H_prev, 1, d.U);
    add_column_sums<S>(dZ, d.b);
    if (l == 0) {
      Mat<S> dWT(k.WT.data(), cfg_.vocab, GH);
      fill(dWT, S(0));
      scatter_add_rows<S>(dZ, ids_.data(), dWT);
      add_transposed<S>(dWT, d.W);
    } else {
      matmul_AtB<S>(dZ, input(l), 1, d.W);
      Mat<S> dX(cache_[l - 1].dout.data(), T * B, H);
      matmul_AB<S>(dZ, w.W, 0, dX);
      if (dropped_) dropout_backward<S>(CMat<S>(k.mask.data(), T * B, H), dX);
    }
    if (dstate_in) {
      copy<S>(dh_next, state_.view(dstate_in, 2 * l));
      copy<S>(dc_next, state_.view(dstate_in, 2 * l + 1));
    }
  }
}

// ---- Bookkeeping, as in lstm/lstm.cpp with kGates gates -----------------------------------

template <class S, Ablation A>
LstmVariant<S, A>::LstmVariant(const Config& config, Layout& layout) : cfg_(config) {
  check_shape(cfg_.vocab > 0 && cfg_.hidden > 0 && cfg_.layers > 0,
              "LstmVariant needs V, H, L > 0");
  std::vector<std::string> kept;
  if (kHasF) kept.push_back("f");
  if (kHasI) kept.push_back("i");
  kept.push_back("g");
  if (kHasO) kept.push_back("o");
  const int H = cfg_.hidden;
  for (int l = 0; l < cfg_.layers; ++l) {
    const std::string p = "l" + std::to_string(l) + ".";
    const int in = l == 0 ? cfg_.vocab : H;
    first_tensor_.push_back(static_cast<int>(layout.tensors().size()));
    for (const std::string& gate : kept)
      layout.add(p + "W_" + gate, H, in);
    for (const std::string& gate : kept)
      layout.add(p + "U_" + gate, H, H);
    for (const std::string& gate : kept)
      layout.add(p + "b_" + gate, 1, H);
  }
  cache_.resize(cfg_.layers);
}

template <class S, Ablation A>
std::size_t LstmVariant<S, A>::parameter_count(const Config& config) {
  const std::size_t V = config.vocab, H = config.hidden;
  std::size_t n = 0;
  for (int l = 0; l < config.layers; ++l)
    n += kGates * H * ((l == 0 ? V : H) + H + 1);
  return n;
}

template <class S, Ablation A>
template <class P>
typename LstmVariant<S, A>::template Tensors<P> LstmVariant<S, A>::tensors(P* base,
                                                                           const Layout& layout,
                                                                           int l) const {
  const int k = first_tensor_[l];
  const int H = cfg_.hidden, in = layout[k].cols;
  return {Mat<P>(base + layout[k].offset, kGates * H, in),
          Mat<P>(base + layout[k + kGates].offset, kGates * H, H),
          Mat<P>(base + layout[k + 2 * kGates].offset, 1, kGates * H)};
}

template <class S, Ablation A>
Layout LstmVariant<S, A>::state_layout(int B) const {
  Layout state;
  for (int l = 0; l < cfg_.layers; ++l) {
    state.add("l" + std::to_string(l) + ".h0", B, cfg_.hidden);
    state.add("l" + std::to_string(l) + ".c0", B, cfg_.hidden);
  }
  return state;
}

template <class S, Ablation A>
void LstmVariant<S, A>::init(S* params, const Layout& layout, Rng& rng) const {
  const int H = cfg_.hidden;
  const double k = 1.0 / std::sqrt(static_cast<double>(H));
  for (int l = 0; l < cfg_.layers; ++l) {
    Tensors<S> w = tensors(params, layout, l);
    for (Mat<S> m : {w.W, w.U})
      for (int r = 0; r < m.rows; ++r)
        for (int c = 0; c < m.cols; ++c)
          m(r, c) = static_cast<S>(rng.uniform(-k, k));
    fill(w.b, S(0));
    if (kHasF && A != Ablation::ForgetBiasZero) fill(w.b.cols_view(kF * H, H), S(1));
  }
}

template <class S, Ablation A>
void LstmVariant<S, A>::reserve(int B, int T) {
  if (B == B_ && T == T_) return;
  B_ = B;
  T_ = T;
  const std::size_t BH = static_cast<std::size_t>(B) * cfg_.hidden;
  for (Cache& c : cache_) {
    c.h.assign((T + 1) * BH, S(0));
    c.c.assign((T + 1) * BH, S(0));
    c.gates.assign(kGates * T * BH, S(0));
    c.act_c.assign(T * BH, S(0));
    c.dz.assign(kGates * T * BH, S(0));
    c.dout.assign(T * BH, S(0));
    c.dh_next.assign(BH, S(0));
    c.dc_next.assign(BH, S(0));
  }
  cache_[0].WT.assign(static_cast<std::size_t>(cfg_.vocab) * kGates * cfg_.hidden, S(0));
  ids_.assign(static_cast<std::size_t>(T) * B, 0);
  resets_.assign(ids_.size(), 0);
  state_ = state_layout(B);
}

template <class S, Ablation A>
typename LstmVariant<S, A>::Step LstmVariant<S, A>::step(int l, int t, int b0, int n) {
  const int B = B_, H = cfg_.hidden, GH = kGates * H;
  const int now = t * B + b0, next = now + B;
  Cache& k = cache_[l];
  Mat<S> hs(k.h.data(), (T_ + 1) * B, H), cs(k.c.data(), (T_ + 1) * B, H);
  Step s;
  s.h_prev = hs.rows_view(now, n);
  s.c_prev = cs.rows_view(now, n);
  if (resetting_) {
    s.h_prev = Mat<S>(k.h_kept.data(), T_ * B, H).rows_view(now, n);
    s.c_prev = Mat<S>(k.c_kept.data(), T_ * B, H).rows_view(now, n);
  }
  s.z = Mat<S>(k.gates.data(), T_ * B, GH).rows_view(now, n);
  s.dz = Mat<S>(k.dz.data(), T_ * B, GH).rows_view(now, n);
  if (kHasF) s.f = s.z.cols_view(kF * H, H), s.dz_f = s.dz.cols_view(kF * H, H);
  if (kHasI) s.i = s.z.cols_view(kI * H, H), s.dz_i = s.dz.cols_view(kI * H, H);
  s.g = s.z.cols_view(kG * H, H), s.dz_g = s.dz.cols_view(kG * H, H);
  if (kHasO) s.o = s.z.cols_view(kO * H, H), s.dz_o = s.dz.cols_view(kO * H, H);
  s.c = cs.rows_view(next, n);
  s.act_c = Mat<S>(k.act_c.data(), T_ * B, H).rows_view(now, n);
  s.h = hs.rows_view(next, n);
  return s;
}

template <class S, Ablation A>
void LstmVariant<S, A>::start_records(int l, int t, int b0, int n) {
  const int B = B_, H = cfg_.hidden, now = t * B + b0;
  Cache& k = cache_[l];
  const unsigned char* starts = resets_.data() + now;
  copy_or_zero_rows<S>(CMat<S>(k.h.data(), (T_ + 1) * B, H).rows_view(now, n), starts,
                       Mat<S>(k.h_kept.data(), T_ * B, H).rows_view(now, n));
  copy_or_zero_rows<S>(CMat<S>(k.c.data(), (T_ + 1) * B, H).rows_view(now, n), starts,
                       Mat<S>(k.c_kept.data(), T_ * B, H).rows_view(now, n));
}

template <class S, Ablation A>
CMat<S> LstmVariant<S, A>::input(int l) const {
  if (dropped_) return CMat<S>(cache_[l].x_drop.data(), T_ * B_, cfg_.hidden);
  return output_of(l - 1);
}

template <class S, Ablation A>
CMat<S> LstmVariant<S, A>::output_of(int l) const {
  const std::size_t BH = static_cast<std::size_t>(B_) * cfg_.hidden;
  return CMat<S>(cache_[l].h.data() + BH, T_ * B_, cfg_.hidden);
}

template <class S, Ablation A>
CMat<S> LstmVariant<S, A>::cells(int l) const {
  const std::size_t BH = static_cast<std::size_t>(B_) * cfg_.hidden;
  return CMat<S>(cache_[l].c.data() + BH, T_ * B_, cfg_.hidden);
}

template <class S, Ablation A>
CMat<S> LstmVariant<S, A>::output() const {
  return output_of(cfg_.layers - 1);
}

template <class S, Ablation A>
CMat<S> LstmVariant<S, A>::gates(int l) const {
  return CMat<S>(cache_[l].gates.data(), T_ * B_, kGates * cfg_.hidden);
}

#define CHARNN_LSTM_VARIANTS(S)                                \
  template class LstmVariant<S, Ablation::Standard>;           \
  template class LstmVariant<S, Ablation::NoForgetGate>;       \
  template class LstmVariant<S, Ablation::NoOutputGate>;       \
  template class LstmVariant<S, Ablation::CoupledGates>;       \
  template class LstmVariant<S, Ablation::NoOutputActivation>; \
  template class LstmVariant<S, Ablation::ForgetBiasZero>;
CHARNN_LSTM_VARIANTS(float)
CHARNN_LSTM_VARIANTS(double)
#undef CHARNN_LSTM_VARIANTS

}  // namespace charnn
