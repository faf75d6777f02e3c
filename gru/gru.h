// GRU: L stacked layers of gated recurrent units (Cho et al. 2014), batched over B streams.
//
// Shape legend: B batch (parallel streams), T time steps, V vocabulary, H hidden units,
// L layers, N = T*B rows, one per (step, stream): row t*B + b. Layer 0 reads one-hot characters
// (x_t is an id); layer l > 0 reads the h_t of layer l-1. Equations (GR1)–(GR6) and
// (GRB1)–(GRB14) are derived in docs/gru.md; each line that computes one carries its label.
// rnn/rnn.h and lstm/lstm.h have the same skeleton, and gru/gru.cpp defines the functions in the
// order they are declared here.
//
// Each gate has its own weights: W_z, U_z, b_z for the update gate z, W_r, U_r, b_r for the
// reset gate r, W_g, U_g, b_g for the candidate g. The three gates' tensors lie one after
// another in the parameter buffer, so W_z; W_r; W_g form one (3H,in) matrix W and one product
// computes the input part of all three pre-activations.
//
// Conventions (docs/gru.md shows the others): the reset gate multiplies h_{t-1} before the
// recurrent product of the candidate, g_t = tanh(… + U_g (r_t ⊙ h_{t-1})), as in Cho et al.
// and char-rnn; and z keeps the old state, h_t = z_t ⊙ h_{t-1} + (1 - z_t) ⊙ g_t, so z plays
// the LSTM forget gate's part and b_z = 1 means "remember by default", as b_f = 1 does there.
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
class Gru {
 public:
  using Scalar = S;
  static constexpr const char* kName = "gru";         // in checkpoints and program names
  static constexpr const char* kDisplayName = "GRU";  // in messages
  static constexpr int kGates = 3;  // blocks of H rows in each weight matrix: z, r, g

  // Column block of each gate in the stacked (·,3H) matrices.
  enum Gate { Z = 0, R = 1, G = 2 };

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
  // state instead of h_{t-1} (GR6), so nothing flows back past it either (GRB14).
  void forward(const S* params, const Layout& layout, const int* ids, int B, int T,
               const S* state_in, S* state_out, const Dropout* dropout = nullptr,
               const unsigned char* resets = nullptr);

  // h_t of the top layer for every step: (N,H), row t*B + b.
  CMat<S> output() const;

  // h_t of layer l for every step, (N,H), row t*B + b.
  CMat<S> output_of(int l) const;

  // The gates of layer l after the last forward, (N,3H): z_t | r_t | g_t. For tests and for
  // anyone who wants to look inside the cell.
  CMat<S> gates(int l) const;

  // dtop: (N,H) ∂L/∂h_t of the top layer, from the head. Adds ∂L/∂params into grads and, when
  // dstate_in is not null, writes ∂L/∂state_in there. Layers top-down, t = T-1..0.
  void backward(const S* params, const Layout& layout, CMat<S> dtop, S* grads, S* dstate_in);

  // ---- Bookkeeping ----------------------------------------------------------------------------

  // Registers, for each layer n, l<n>.W_z, .W_r, .W_g (H,in), then l<n>.U_z .. .U_g (H,H), then
  // l<n>.b_z .. .b_g (1,H) in `layout`; in = V for layer 0, H above it.
  Gru(const Config& config, Layout& layout);

  // The number of scalars the constructor registers for `config`.
  static std::size_t parameter_count(const Config& config);

  const Config& config() const { return cfg_; }
  int output_size() const { return cfg_.hidden; }

  // The state carried between chunks: l<n>.h0 (B,H) per layer.
  Layout state_layout(int B) const;

  // Weights uniform in ±1/√H, biases zero except the update gate's b_z = 1 (docs/gru.md).
  void init(S* params, const Layout& layout, Rng& rng) const;

  // Sizes the per-layer caches for (B,T); allocation happens here (and, for dropout's masks, at
  // the first forward pass that drops) and nowhere in the time loop.
  void reserve(int B, int T);

 private:
  // Views of time step t of layer l, for streams [b0, b0+n): the symbols of (GR1)–(GR4) and
  // (GRB1)–(GRB9).
  struct Step {
    CMat<S> h_prev;           // (n,H) h_{t-1} (with record resets: h̃_{t-1} of (GR6))
    Mat<S> a;                 // (n,3H) all three gates side by side
    Mat<S> a_zr;              // (n,2H) z and r: the gates whose product reads h_{t-1}
    Mat<S> z, r, g;           // (n,H) the gates: column blocks of a
    Mat<S> q;                 // (n,H) q_t = r_t ⊙ h_{t-1}, what U_g multiplies
    Mat<S> h;                 // (n,H) h_t
    Mat<S> da;                // (n,3H) ∂L/∂ pre-activations of the three gates
    Mat<S> da_zr;             // (n,2H) those of z and r
    Mat<S> da_z, da_r, da_g;  // (n,H) column blocks of da
    Mat<S> dq;                // (n,H) ∂L/∂q_t (scratch: rows of the layer's (B,H) buffer)
  };

  // U_zr (rows z, r of U) and U_g are packed for matmul_ABt in step_forward and for matmul_AB
  // in step_backward.
  static void step_forward(const PackedMatrix<S>& U_zr, const PackedMatrix<S>& U_g, const Step& s);
  static void step_backward(const PackedMatrix<S>& U_zr, const PackedMatrix<S>& U_g, const Step& s,
                            CMat<S> dout, Mat<S> dh_next);

  // One layer's tensors as views into a flat buffer (parameters or gradients). Rows
  // [kH, (k+1)H) of W and U, and columns [kH, (k+1)H) of b, belong to gate k (Z, R, G).
  template <class P>
  struct Tensors {
    Mat<P> W;  // (3H,in) W_z; W_r; W_g   input weights
    Mat<P> U;  // (3H,H)  U_z; U_r; U_g   recurrent weights
    Mat<P> b;  // (1,3H)  b_z, b_r, b_g   biases
  };
  template <class P>
  Tensors<P> tensors(P* base, const Layout& layout, int l) const;

  // What one layer keeps from forward for backward, for the whole sequence.
  struct Cache {
    std::vector<S> h;             // ((T+1)*B,H): rows [0,B) hold h0, rows [(t+1)B, (t+2)B) h_t
    std::vector<S> gates;         // (N,3H) z_t | r_t | g_t (pre-activations until (GR1)–(GR3))
    std::vector<S> q;             // (N,H) q_t = r_t ⊙ h_{t-1}
    std::vector<S> da;            // (N,3H) da_z | da_r | da_g: ∂L/∂ pre-activations
    std::vector<S> x_drop, mask;  // (N,H) dropped input and its mask (layers above the first)
    std::vector<S> h_kept;        // (N,H) with record resets, h̃_{t-1} = m_t ⊙ h_{t-1} (GR6)
    std::vector<S> dout;     // (N,H) ∂L/∂h_t arriving from the layer above (unused for the top)
    std::vector<S> dh_next;  // (B,H) ∂L/∂h_t arriving from step t+1
    std::vector<S> dq;       // (B,H) ∂L/∂q_t of the step being differentiated
    std::vector<S> WT;       // (V,3H), layer 0: Wᵀ in forward, dWᵀ in backward
    PackedMatrix<S> U_zr_forward, U_g_forward;    // for the products h_prev U_zrᵀ, q U_gᵀ
    PackedMatrix<S> U_zr_backward, U_g_backward;  // for the products da_zr U_zr, da_g U_g
  };

  Step step(int l, int t, int b0, int n);
  // (GR6) for step t of layer l, streams [b0, b0+n): h̃_{t-1} into h_kept.
  void start_records(int l, int t, int b0, int n);
  // The input x_t of layer l > 0 for every step, (N,H): layer l-1's h_t, or after dropout.
  CMat<S> input(int l) const;

  Config cfg_;
  std::vector<int> first_tensor_;  // per layer: index of its W_z in the layout
  int B_ = 0, T_ = 0;
  std::vector<Cache> cache_;           // per layer
  bool dropped_ = false;               // whether the last forward drew masks (Cache::mask)
  bool resetting_ = false;             // whether the last forward had record resets (resets_)
  std::vector<unsigned char> resets_;  // (T,B) its reset flags, when resetting_
  Layout state_;                       // state_layout(B_)
  std::vector<int> ids_;  // (T,B) the inputs of the last forward, for the one-hot gradient
};

}  // namespace charnn
