// The long-range memory task of `./compare --task memory`: a test that no amount of local
// character statistics can pass.
//
// A sequence with gap k is k + 1 characters: a marker (one of A..H), k - 1 random filler
// characters (a..p), and the cue '?'. After the cue the model must name the marker it read k
// steps earlier:
//
//   k = 5:   D n c k a ?   ->  D
//
// Only that last prediction is predictable, so only it carries a loss
// (LanguageModel::last_step_loss_and_grad; MemorySettings::all_positions_loss puts one on every
// prediction). A model that forgets guesses one of 8 markers: accuracy 1/8. docs/rnn-vs-lstm.md
// discusses what RNN and LSTM make of it.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/params.h"
#include "core/rng.h"
#include "train/text.h"

namespace charnn {

struct MemoryTask {
  static constexpr int kMarkers = 8;   // 'A'..'H'
  static constexpr int kFillers = 16;  // 'a'..'p'
  static constexpr char32_t kCue = U'?';

  // '?', 'A'..'H', 'a'..'p': 25 characters.
  static Vocabulary vocabulary();

  // B sequences of gap k >= 1, time-major like every batch: x and y get (k+1)*B ids, index
  // t*B + b. x holds the sequences; y the character that follows each one (the next input,
  // and after the cue the marker). marker[b] is stream b's marker id.
  static void make_batch(int gap, int B, Rng& rng, std::vector<int>& x, std::vector<int>& y,
                         std::vector<int>& marker);
};

struct MemorySettings {
  int hidden = 64;
  int layers = 1;
  int batch = 32;
  int steps = 3000;
  double lr = 4e-3;
  double clip = 5;
  int seed = 1;
  int eval_every = 250;       // steps between accuracy measurements for the training curve
  int test_sequences = 2000;  // fresh sequences the final accuracy is measured on
  // The bias of the gate that keeps the state, set after init: the LSTM's forget gate b_f, the
  // GRU's update gate b_z (h_t = z ⊙ h_{t-1} + (1-z) ⊙ g_t). The RNN has no such gate. NaN
  // keeps the model's own init: 1 for both, (I3) and (I4) (0 for the variant ForgetBiasZero).
  double forget_bias = NAN;
  // 0: off. Else T_max of the chrono initialisation (Tallec & Ollivier 2018), replacing
  // forget_bias: b_f = log(u), u ~ U(1, T_max - 1) per unit, and b_i = -b_f for the LSTM; for
  // the GRU b_z = log(u). A unit then forgets over about u steps.
  int chrono = 0;
  // Grow the gap: the gap of each batch is drawn uniformly from [1, m], m rising linearly from
  // 1 to the target gap over the first half of the steps and staying there. The model must
  // then hold the marker until the cue, wherever it comes.
  bool curriculum = false;
  // Loss on every prediction (the filler ones are noise) instead of the last one only.
  bool all_positions_loss = false;
};

// Sets the keep-gate biases of every layer as settings.forget_bias and settings.chrono say. The
// tensors are found by name in `layout`: "l<n>.b_f" (and "l<n>.b_i" for chrono) or "l<n>.b_z";
// a model with neither is left as it is. Draws from `rng` only for chrono.
void set_keep_gate_bias(float* params, const Layout& layout, const MemorySettings& settings,
                        Rng& rng);

// The gap of the batch before which `step` steps (of `steps`) were taken, for the target `gap`:
// the target itself, or with a curriculum as MemorySettings::curriculum says (one draw of
// `rng`).
int curriculum_gap(int gap, int step, int steps, bool curriculum, Rng& rng);

struct MemoryResult {
  double accuracy = 0;  // on test_sequences fresh sequences, argmax over the whole vocabulary
  double loss = 0;      // their mean last-step loss, nats
  double seconds = 0;   // training time
  std::int64_t parameters = 0;
  std::vector<int> curve_steps;        // when the training curve was measured
  std::vector<double> curve_accuracy;  // accuracy on 256 fresh sequences at those steps
};

// Trains a fresh Net (Rnn<float>, Lstm<float>, Gru<float> or an LSTM variant) from seed on new
// random batches of the given gap with Adam, clipping and the settings' loss, init and
// curriculum, then measures its accuracy on the target gap. Deterministic for a seed and thread
// count.
template <class Net>
MemoryResult train_memory(int gap, const MemorySettings& settings);

}  // namespace charnn
