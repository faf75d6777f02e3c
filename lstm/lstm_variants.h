// The LSTM with one part taken away, for the ablation study of docs/ablations.md. Not on the
// reading path: lstm/lstm.h is the LSTM; this file is that model with switches, so that the
// study can ask which of its parts matter (Greff et al. 2015, "LSTM: A Search Space Odyssey").
//
//   NoForgetGate        f_t = 1: c_t = c_{t-1} + i_t ⊙ g_t, the LSTM of 1997 (no W_f, U_f, b_f)
//   NoOutputGate        o_t = 1: h_t = tanh(c_t)                          (no W_o, U_o, b_o)
//   CoupledGates        i_t = 1 - f_t: c_t = f_t ⊙ c_{t-1} + (1 - f_t) ⊙ g_t   (no W_i, U_i, b_i)
//   NoOutputActivation  h_t = o_t ⊙ c_t, without the tanh
//   ForgetBiasZero      the standard LSTM, started from b_f = 0 instead of 1 (I3)
//   Standard            the standard LSTM: a test holds it equal to Lstm<S>
//
// Shapes and names as in lstm/lstm.h; a gate that is taken away has no tensors at all, so the
// parameter count is the variant's own. The equations of the standard LSTM, (L1)–(L8) and
// (LB1)–(LB17) in docs/lstm.md, change as docs/ablations.md says; gradcheck holds every variant's
// backward to its forward (tests/test_gradcheck.cpp).
#pragma once

#include <cstddef>
#include <vector>

#include "core/dropout.h"
#include "core/gemm.h"
#include "core/matrix.h"
#include "core/params.h"
#include "core/rng.h"

namespace charnn {

enum class Ablation {
  Standard,
  NoForgetGate,
  NoOutputGate,
  CoupledGates,
  NoOutputActivation,
  ForgetBiasZero
};

template <class S, Ablation A>
class LstmVariant {
 public:
  using Scalar = S;
  static constexpr bool kHasF = A != Ablation::NoForgetGate;
  static constexpr bool kHasI = A != Ablation::CoupledGates;
  static constexpr bool kHasO = A != Ablation::NoOutputGate;
  static constexpr bool kCoupled = A == Ablation::CoupledGates;
  static constexpr bool kTanhOut = A != Ablation::NoOutputActivation;
  static constexpr int kGates = 1 + kHasF + kHasI + kHasO;  // g, and the gates kept
  // Column block of each gate kept in the stacked (·,kGates·H) matrices, in the order f, i, g, o
  // (-1: taken away).
  static constexpr int kF = kHasF ? 0 : -1;
  static constexpr int kI = kHasI ? kHasF : -1;
  static constexpr int kG = kHasF + kHasI;
  static constexpr int kO = kHasO ? kG + 1 : -1;
  static constexpr const char* kName = A == Ablation::Standard             ? "lstm-standard"
                                       : A == Ablation::NoForgetGate       ? "lstm-nfg"
                                       : A == Ablation::NoOutputGate       ? "lstm-nog"
                                       : A == Ablation::CoupledGates       ? "lstm-cifg"
                                       : A == Ablation::NoOutputActivation ? "lstm-noaf"
                                                                           : "lstm-fb0";
  static constexpr const char* kDisplayName = A == Ablation::Standard       ? "LSTM (variant code)"
                                              : A == Ablation::NoForgetGate ? "LSTM, no forget gate"
                                              : A == Ablation::NoOutputGate ? "LSTM, no output gate"
                                              : A == Ablation::CoupledGates ? "LSTM, i = 1 - f"
                                              : A == Ablation::NoOutputActivation
                                                  ? "LSTM, no output tanh"
                                                  : "LSTM, b_f = 0";

  struct Config {
    int vocab = 0;   // V
    int hidden = 0;  // H
    int layers = 1;  // L
  };

  // As Lstm<S>::forward, output_of, cells, gates and backward.
  void forward(const S* params, const Layout& layout, const int* ids, int B, int T,
               const S* state_in, S* state_out, const Dropout* dropout = nullptr,
               const unsigned char* resets = nullptr);
  CMat<S> output() const;
  CMat<S> output_of(int l) const;
  CMat<S> cells(int l) const;
  CMat<S> gates(int l) const;  // (N, kGates·H): the gates kept, in the order f, i, g, o
  void backward(const S* params, const Layout& layout, CMat<S> dtop, S* grads, S* dstate_in);

  // Registers, for each layer n, l<n>.W_* (H,in), then l<n>.U_* (H,H), then l<n>.b_* (1,H) for
  // each gate kept, in the order f, i, g, o.
  LstmVariant(const Config& config, Layout& layout);
  static std::size_t parameter_count(const Config& config);
  const Config& config() const { return cfg_; }
  int output_size() const { return cfg_.hidden; }
  Layout state_layout(int B) const;  // l<n>.h0 and l<n>.c0 (B,H) per layer
  // As Lstm<S>::init; b_f = 0 for ForgetBiasZero.
  void init(S* params, const Layout& layout, Rng& rng) const;
  void reserve(int B, int T);

 private:
  struct Step {
    CMat<S> h_prev, c_prev;  // (n,H)
    Mat<S> z;                // (n,kGates·H) the gates kept, side by side
    Mat<S> f, i, g, o;       // (n,H) column blocks of z (empty where taken away)
    Mat<S> c, act_c, h;      // (n,H) c_t, tanh(c_t) (or c_t itself without the tanh), h_t
    Mat<S> dz;               // (n,kGates·H)
    Mat<S> dz_f, dz_i, dz_g, dz_o;
  };
  static void step_forward(const PackedMatrix<S>& U, const Step& s);
  static void step_backward(const PackedMatrix<S>& U, const Step& s, CMat<S> dout, Mat<S> dh_next,
                            Mat<S> dc_next);

  template <class P>
  struct Tensors {
    Mat<P> W;  // (G·H,in)
    Mat<P> U;  // (G·H,H)
    Mat<P> b;  // (1,G·H)
  };
  template <class P>
  Tensors<P> tensors(P* base, const Layout& layout, int l) const;

  struct Cache {
    std::vector<S> h, c;              // ((T+1)*B,H)
    std::vector<S> gates, act_c;      // (N,G·H), (N,H)
    std::vector<S> dz;                // (N,G·H)
    std::vector<S> x_drop, mask;      // (N,H)
    std::vector<S> h_kept, c_kept;    // (N,H) with record resets
    std::vector<S> dout;              // (N,H)
    std::vector<S> dh_next, dc_next;  // (B,H)
    std::vector<S> WT;                // (V,G·H), layer 0
    PackedMatrix<S> U_forward, U_backward;
  };

  Step step(int l, int t, int b0, int n);
  void start_records(int l, int t, int b0, int n);
  CMat<S> input(int l) const;

  Config cfg_;
  std::vector<int> first_tensor_;
  int B_ = 0, T_ = 0;
  std::vector<Cache> cache_;
  bool dropped_ = false, resetting_ = false;
  std::vector<unsigned char> resets_;
  Layout state_;
  std::vector<int> ids_;
};

}  // namespace charnn
