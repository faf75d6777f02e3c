// Vanilla (Elman) RNN: L stacked tanh layers, batched over B streams.
//
// Shape legend: B batch (parallel streams), T time steps, V vocabulary, H hidden units,
// L layers, N = T*B rows, one per (step, stream): row t*B + b. Layer 0 reads one-hot characters
// (x_t is an id); layer l > 0 reads the h_t of layer l-1. Equations (R1)–(R4) and (RB1)–(RB8)
// are derived in docs/rnn.md; each line that computes one carries its label. lstm/lstm.h has
// the same skeleton, and rnn/rnn.cpp defines the functions in the order they are declared here.
#pragma once

#include <cstddef>
#include <vector>

#include "core/dropout.h"
#include "core/gemm.h"
#include "core/matrix.h"
#include "core/params.h"
#include "core/rng.h"

namespace charnn {

template <class S>
class Rnn {
 public:
  using Scalar = S;
  static constexpr const char* kName = "rnn";                 // in checkpoints and program names
  static constexpr const char* kDisplayName = "vanilla RNN";  // in messages
  static constexpr int kGates = 1;  // blocks of H rows in each weight matrix: a_t (LSTM: 4)

  struct Config {
    int vocab = 0;   // V
    int hidden = 0;  // H
    int layers = 1;  // L
  };

  // ---- The math: the whole sequence, forward then backward -----------------------------------

  // Runs every layer over t = 0..T-1 and caches what backward needs.
  // ids: (T,B) input characters; state_in/state_out: the state_layout(B) buffers (may alias).
  // dropout: null, or the rate and generator for a training pass (docs/training.md): each input
  // of the layers above the first is then dropped with a fresh mask, which backward applies.
  // resets: null, or (T,B) flags: where one is set, a record starts and the step reads a zero
  // state instead of h_{t-1} (R4), so nothing flows back past it either (RB8).
  void forward(const S* params, const Layout& layout, const int* ids, int B, int T,
               const S* state_in, S* state_out, const Dropout* dropout = nullptr,
               const unsigned char* resets = nullptr);

  // h_t of the top layer for every step: (N,H), row t*B + b.
  CMat<S> output() const;

  // h_t of layer l for every step, (N,H), row t*B + b.
  CMat<S> output_of(int l) const;

  // dtop: (N,H) ∂L/∂h_t of the top layer, from the head. Adds ∂L/∂params into grads and, when
  // dstate_in is not null, writes ∂L/∂state_in there. Layers top-down, t = T-1..0.
  void backward(const S* params, const Layout& layout, CMat<S> dtop, S* grads, S* dstate_in);

  // ---- Bookkeeping ----------------------------------------------------------------------------

  // Registers l<n>.W_xh (H,in), l<n>.W_hh (H,H), l<n>.b_h (1,H) for each layer n in `layout`;
  // in = V for layer 0, H above it.
  Rnn(const Config& config, Layout& layout);

  // The number of scalars the constructor registers for `config`.
  static std::size_t parameter_count(const Config& config);

  const Config& config() const { return cfg_; }
  int output_size() const { return cfg_.hidden; }

  // The state carried between chunks: l<n>.h0 (B,H) per layer.
  Layout state_layout(int B) const;

  // Weights uniform in ±1/√H, biases zero (docs/training.md).
  void init(S* params, const Layout& layout, Rng& rng) const;

  // Sizes the per-layer caches for (B,T); allocation happens here (and, for dropout's masks, at
  // the first forward pass that drops) and nowhere in the time loop.
  void reserve(int B, int T);

 private:
  // Views of time step t of layer l, for streams [b0, b0+n): the symbols of (R1)–(R2) and
  // (RB1)–(RB3).
  struct Step {
    CMat<S> h_prev;  // (n,H) h_{t-1} (with record resets: h̃_{t-1} of (R4))
    Mat<S> h;        // (n,H) a_t while (R1) is summed, then h_t
    Mat<S> da;       // (n,H) ∂L/∂a_t
  };

  // W_hh is packed for matmul_ABt in step_forward and for matmul_AB in step_backward.
  static void step_forward(const PackedMatrix<S>& W_hh, const Step& s);
  static void step_backward(const PackedMatrix<S>& W_hh, const Step& s, CMat<S> dout,
                            Mat<S> dh_next);

  // One layer's tensors as views into a flat buffer (parameters or gradients).
  template <class P>
  struct Tensors {
    Mat<P> W_xh;  // (H,in) input weights
    Mat<P> W_hh;  // (H,H)  recurrent weights
    Mat<P> b_h;   // (1,H)  bias
  };
  template <class P>
  Tensors<P> tensors(P* base, const Layout& layout, int l) const;

  // What one layer keeps from forward for backward, for the whole sequence.
  struct Cache {
    std::vector<S> h;   // ((T+1)*B,H): rows [0,B) hold h_{-1} = h0, rows [(t+1)B, (t+2)B) h_t
    std::vector<S> da;  // (N,H) ∂L/∂a_t
    std::vector<S> x_drop, mask;  // (N,H) dropped input and its mask (layers above the first)
    std::vector<S> h_kept;        // (N,H) with record resets, h̃_{t-1} = m_t ⊙ h_{t-1} (R4)
    std::vector<S> dout;     // (N,H) ∂L/∂h_t arriving from the layer above (unused for the top)
    std::vector<S> dh_next;  // (B,H) ∂L/∂h_t arriving from step t+1
    std::vector<S> W_xhT;    // (V,H), layer 0: W_xhᵀ in forward, dW_xhᵀ in backward
    PackedMatrix<S> W_hh_forward;   // W_hh packed for the T products h_prev W_hhᵀ of forward
    PackedMatrix<S> W_hh_backward;  // W_hh packed for the T products da W_hh of backward
  };

  Step step(int l, int t, int b0, int n);
  // (R4) for step t of layer l, streams [b0, b0+n): h̃_{t-1} into h_kept.
  void start_records(int l, int t, int b0, int n);
  // The input x_t of layer l > 0 for every step, (N,H): layer l-1's h_t, or after dropout.
  CMat<S> input(int l) const;

  Config cfg_;
  std::vector<int> first_tensor_;  // per layer: index of its W_xh in the layout
  int B_ = 0, T_ = 0;
  std::vector<Cache> cache_;           // per layer
  bool dropped_ = false;               // whether the last forward drew masks (Cache::mask)
  bool resetting_ = false;             // whether the last forward had record resets (resets_)
  std::vector<unsigned char> resets_;  // (T,B) its reset flags, when resetting_
  Layout state_;                       // state_layout(B_)
  std::vector<int> ids_;  // (T,B) the inputs of the last forward, for the one-hot gradient
};

}  // namespace charnn
