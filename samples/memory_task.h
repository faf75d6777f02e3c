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
// (LanguageModel::last_step_loss_and_grad). A model that forgets guesses one of 8 markers:
// accuracy 1/8. docs/rnn-vs-lstm.md discusses what RNN and LSTM make of it.
#pragma once

#include <cstdint>
#include <vector>

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
};

struct MemoryResult {
  double accuracy = 0;  // on test_sequences fresh sequences, argmax over the whole vocabulary
  double loss = 0;      // their mean last-step loss, nats
  double seconds = 0;   // training time
  std::int64_t parameters = 0;
  std::vector<int> curve_steps;        // when the training curve was measured
  std::vector<double> curve_accuracy;  // accuracy on 256 fresh sequences at those steps
};

// Trains a fresh Net (Rnn<float>, Lstm<float> or Gru<float>) from seed on new random batches of the given
// gap with Adam, clipping and last-step loss, then measures its accuracy. Deterministic for a
// seed and thread count.
template <class Net>
MemoryResult train_memory(int gap, const MemorySettings& settings);

}  // namespace charnn
