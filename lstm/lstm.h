// LSTM: L stacked layers of long short-term memory cells, batched over B streams.
//
// Shape legend: B batch (parallel streams), T time steps, V vocabulary, H hidden units,
// L layers, N = T*B rows, one per (step, stream): row t*B + b. Layer 0 reads one-hot characters
// (x_t is an id); layer l > 0 reads the h_t of layer l-1. Equations (L1)–(L8) and (LB1)–(LB17)
// are derived in docs/lstm.md; each line that computes one carries its label. rnn/rnn.h has the
// same skeleton, and lstm/lstm.cpp defines the functions in the order they are declared here.
//
// Each gate has its own weights: W_f, U_f, b_f for the forget gate f, and likewise i (input),
// g (candidate), o (output). The four gates' tensors lie one after another in the parameter
// buffer, so W_f..W_o together form one (4H,in) matrix W and a single product computes all
// four pre-activations; each gate is then a block of H columns of the result.
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
class Lstm {
 public:
  using Scalar = S;
  static constexpr const char* kName = "lstm";         // in checkpoints and program names
  static constexpr const char* kDisplayName = "LSTM";  // in messages
  static constexpr int kGates = 4;  // blocks of H rows in each weight matrix: f, i, g, o

  // Column block of each gate in the stacked (·,4H) matrices.
  enum Gate { F = 0, I = 1, G = 2, O = 3 };

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
  // state instead of h_{t-1}, c_{t-1} (L8), so nothing flows back past it either (LB17).
  void forward(const S* params, const Layout& layout, const int* ids, int B, int T,
               const S* state_in, S* state_out, const Dropout* dropout = nullptr,
               const unsigned char* resets = nullptr);

  // h_t of the top layer for every step: (N,H), row t*B + b.
  CMat<S> output() const;

  // h_t of layer l for every step, (N,H), row t*B + b.
  CMat<S> output_of(int l) const;

  // c_t of layer l for every step, (N,H), row t*B + b.
  CMat<S> cells(int l) const;

  // The gates of layer l after the last forward, (N,4H): f_t | i_t | g_t | o_t. For tests and
  // for anyone who wants to look inside the cell.
  CMat<S> gates(int l) const;

  // dtop: (N,H) ∂L/∂h_t of the top layer, from the head. Adds ∂L/∂params into grads and, when
  // dstate_in is not null, writes ∂L/∂state_in there. Layers top-down, t = T-1..0.
  void backward(const S* params, const Layout& layout, CMat<S> dtop, S* grads, S* dstate_in);

  // ---- Bookkeeping ----------------------------------------------------------------------------

  // Registers, for each layer n, l<n>.W_f, .W_i, .W_g, .W_o (H,in), then l<n>.U_f .. .U_o
  // (H,H), then l<n>.b_f .. .b_o (1,H) in `layout`; in = V for layer 0, H above it.
  Lstm(const Config& config, Layout& layout);

  // The number of scalars the constructor registers for `config`.
  static std::size_t parameter_count(const Config& config);

  const Config& config() const { return cfg_; }
  int output_size() const { return cfg_.hidden; }

  // The state carried between chunks: l<n>.h0 and l<n>.c0 (B,H) per layer.
  Layout state_layout(int B) const;

  // Weights uniform in ±1/√H, biases zero except the forget gate's b_f = 1 (docs/lstm.md).
  void init(S* params, const Layout& layout, Rng& rng) const;

  // Sizes the per-layer caches for (B,T); allocation happens here (and, for dropout's masks, at
  // the first forward pass that drops) and nowhere in the time loop.
  void reserve(int B, int T);

 private:
  // Views of time step t of layer l, for streams [b0, b0+n): the symbols of (L1)–(L6) and
  // (LB1)–(LB12).
  struct Step {
    CMat<S> h_prev, c_prev;         // (n,H) h_{t-1}, c_{t-1} (with record resets: (L8))
    Mat<S> z;                       // (n,4H) all four gates side by side
    Mat<S> f, i, g, o;              // (n,H) the gates: column blocks of z
    Mat<S> c, tanh_c, h;            // (n,H) c_t, tanh(c_t), h_t
    Mat<S> dz;                      // (n,4H) ∂L/∂ pre-activations of the four gates
    Mat<S> dz_f, dz_i, dz_g, dz_o;  // (n,H) column blocks of dz
  };

  // U is packed for matmul_ABt in step_forward and for matmul_AB in step_backward.
  static void step_forward(const PackedMatrix<S>& U, const Step& s);
  static void step_backward(const PackedMatrix<S>& U, const Step& s, CMat<S> dout, Mat<S> dh_next,
                            Mat<S> dc_next);

  // One layer's tensors as views into a flat buffer (parameters or gradients). Rows
  // [kH, (k+1)H) of W and U, and columns [kH, (k+1)H) of b, belong to gate k (F, I, G, O).
  template <class P>
  struct Tensors {
    Mat<P> W;  // (4H,in) W_f; W_i; W_g; W_o   input weights
    Mat<P> U;  // (4H,H)  U_f; U_i; U_g; U_o   recurrent weights
    Mat<P> b;  // (1,4H)  b_f, b_i, b_g, b_o   biases
  };
  template <class P>
  Tensors<P> tensors(P* base, const Layout& layout, int l) const;

  // What one layer keeps from forward for backward, for the whole sequence.
  struct Cache {
    std::vector<S> h;       // ((T+1)*B,H): rows [0,B) hold h0, rows [(t+1)B, (t+2)B) h_t
    std::vector<S> c;       // ((T+1)*B,H): likewise c0, then c_t
    std::vector<S> gates;   // (N,4H) f_t | i_t | g_t | o_t (pre-activations until (L1)–(L4))
    std::vector<S> tanh_c;  // (N,H) tanh(c_t)
    std::vector<S> dz;      // (N,4H) dz_f | dz_i | dz_g | dz_o: ∂L/∂ pre-activations
    std::vector<S> x_drop, mask;    // (N,H) dropped input and its mask (layers above the first)
    std::vector<S> h_kept, c_kept;  // (N,H) with record resets, h̃_{t-1} and c̃_{t-1} (L8)
    std::vector<S> dout;  // (N,H) ∂L/∂h_t arriving from the layer above (unused for the top)
    std::vector<S> dh_next, dc_next;  // (B,H) ∂L/∂h_t and ∂L/∂c_t arriving from step t+1
    std::vector<S> WT;                // (V,4H), layer 0: Wᵀ in forward, dWᵀ in backward
    PackedMatrix<S> U_forward;        // U (4H,H) packed for the T products h_prev Uᵀ of forward
    PackedMatrix<S> U_backward;       // U (4H,H) packed for the T products dz U of backward
  };

  Step step(int l, int t, int b0, int n);
  // (L8) for step t of layer l, streams [b0, b0+n): h̃_{t-1}, c̃_{t-1} into h_kept, c_kept.
  void start_records(int l, int t, int b0, int n);
  // The input x_t of layer l > 0 for every step, (N,H): layer l-1's h_t, or after dropout.
  CMat<S> input(int l) const;

  Config cfg_;
  std::vector<int> first_tensor_;  // per layer: index of its W_f in the layout
  int B_ = 0, T_ = 0;
  std::vector<Cache> cache_;           // per layer
  bool dropped_ = false;               // whether the last forward drew masks (Cache::mask)
  bool resetting_ = false;             // whether the last forward had record resets (resets_)
  std::vector<unsigned char> resets_;  // (T,B) its reset flags, when resetting_
  Layout state_;                       // state_layout(B_)
  std::vector<int> ids_;  // (T,B) the inputs of the last forward, for the one-hot gradient
};

}  // namespace charnn
