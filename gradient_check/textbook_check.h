// The fast models against their textbook twins (rnn/rnn_textbook.h, lstm/lstm_textbook.h,
// gru/gru_textbook.h): the same parameters, inputs and initial state through both, every output compared. The fast
// model runs B streams at once; the textbook runs them one at a time, and its per-stream loss
// and gradients are averaged, which is what the fast model's mean over N = T*B predictions is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace charnn {

struct TwinCase {
  std::string model;  // "rnn", "lstm" or "gru"
  int layers = 1, batch = 1, steps = 1;
  bool carried_state = false;  // a random initial state, or zeros
  bool resets = false;         // record starts (--reset-at) at random steps of each stream, or none
  int vocab = 6, hidden = 4;
  std::uint64_t seed = 1;
};

// The largest difference of one quantity, |fast - textbook| / max(1, |textbook|) over its
// entries.
struct TwinDifference {
  std::string quantity;  // "loss", "l0.h_t", "l1.gates", "d l0.W_f", "d l0.h0", "l0.h0 out", ...
  double difference = 0;
};

// Runs one case through both models in double precision; one row per quantity compared: the
// loss, h_t (and for the LSTM c_t and the gates, for the GRU the gates) of every layer at every step, the state after
// the last step, the gradient of every tensor and of the initial state.
std::vector<TwinDifference> compare_with_textbook(const TwinCase& c);

// The cases the tests and ./gradcheck --textbook run: each of the three models at L = 1, 2, 3, B = 1 and 3,
// T = 1 and 7, from a zero and from a carried initial state; and at T = 7 from a carried state
// with record resets.
std::vector<TwinCase> textbook_cases();

// What ./gradcheck --textbook prints for `model` ("rnn", "lstm", "gru" or "all"): one row per case; returns 0 when every quantity of every
// case is within `tolerance`, else 1.
int textbook_program(const std::string& model, double tolerance);

}  // namespace charnn
