// ./compare: two or three of the vanilla RNN, the LSTM and the GRU side by side
// (docs/rnn-vs-lstm.md).
//
//   text task:   every model, the same batches, seed and optimizer, one step each in turn
//                ─► at milestones: validation loss and samples (same seed and prime)
//                ─► README.md (gallery), loss.svg, gradient-flow.svg, metrics.csv
//   memory task: every model trained on sequences whose last character repeats a marker seen
//                k steps earlier, for each gap k ─► README.md, memory.svg, metrics.csv
#pragma once

#include <cmath>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "core/language_model.h"
#include "util/cli.h"

namespace charnn {

struct CompareSettings {
  std::string task = "text";                              // "text" or "memory"
  std::string file;                                       // the text (text task)
  std::string out;                                        // the output folder
  std::string command;                                    // the command line, quoted in the README
  std::vector<std::string> models{"rnn", "lstm", "gru"};  // which, in the order of the columns
  // Budget of the text task: whichever of steps (per model) and minutes (both models, all in)
  // comes first. 0: no limit (at least one must be set).
  int steps = 0;
  double minutes = 0;
  // The models and their training, as ./train_lstm's flags.
  int hidden = 256, layers = 2, seq_len = 100, batch = 32;
  double lr = 4e-3, lr_decay = 0.97;
  int lr_decay_every = 100;
  double clip = 5, dropout = 0.2, reset = 0.2, val_frac = 0.1;
  int seed = 1, threads = 2;
  bool lowercase = false;
  bool keep_crlf = false;     // --keep-crlf: "\r\n" stays two characters
  bool match_params = false;  // widen the RNN and the GRU to the LSTM's parameter count
  // What is measured.
  int eval_every = 100;                       // steps between validation losses
  int val_chars = 50000;                      // validation uses at most this many characters
  int sample_length = 300;                    // characters per sample
  std::string prime;                          // empty: a newline (samples/generate.h)
  int max_lag = 100;                          // gradient flow: k = 1..max_lag
  int ngram_order = 7;                        // the Kneser-Ney reference line (0: none)
  std::vector<int> gaps{5, 10, 20, 50, 100};  // memory task
  // The memory task's training (MemorySettings, samples/memory_task.h).
  double forget_bias = NAN;         // the keep gate's bias b_f, b_z (NaN: the models' own, 1)
  int chrono = 0;                   // T_max of the chrono initialisation (0: off)
  bool curriculum = false;          // grow the gap over the first half of the steps
  bool all_positions_loss = false;  // a loss on every prediction, not only the last
};

// ./compare's command line: the settings, and the text of --gaps and --models (read into
// settings.gaps and settings.models).
struct CompareFlags {
  CompareSettings settings;
  std::string gaps = "5,10,20,50,100";
  std::string models = "rnn,lstm,gru";
  double forget_bias = 1;  // read into settings.forget_bias only when given
};

// ./compare's flags, writing into `flags`; those it shares with ./train_lstm come from the
// settings table (train/settings.h).
ArgParser compare_flags(CompareFlags& flags);

// The program after its flags are parsed: fills in what the flags left open (the memory task's
// sizes, --gaps, the output folder, the command line quoted in the README), refuses
// combinations that make no sense (UsageError), then runs the comparison; returns 0.
int compare_program(CompareFlags& flags, const ArgParser& parsed, int argc,
                    const char* const* argv);

// Runs the comparison the settings ask for and writes its folder; progress lines go to
// `progress`. Throws std::runtime_error (one line) on bad input or an unwritable folder.
void run_comparison(const CompareSettings& settings, std::ostream& progress);

// The models ./compare --models knows: "rnn", "lstm", "gru", then the LSTM variants of the
// ablation study (lstm/lstm_variants.h): "lstm-nfg", "lstm-nog", "lstm-cifg", "lstm-noaf",
// "lstm-fb0".
const std::vector<std::string>& compared_models();

// The parameter count of the language model (network and head) `model` (one of
// compared_models()) for vocabulary V.
std::int64_t parameter_count(const std::string& model, int V, int hidden, int layers);

// The hidden size of `model` whose parameter count is closest to that of an LSTM of
// lstm_hidden (--match-params).
int hidden_matching_lstm(const std::string& model, int V, int lstm_hidden, int layers);

// The blocks of H rows in each weight matrix of `model`: 1 (RNN), 4 (LSTM), 3 (GRU), ...
int gates_of(const std::string& model);

// "data/shakespeare.txt" -> "shakespeare": the file name without folder and extension, which
// names the default output folder and the plots.
std::string corpus_name(const std::string& path);

// -Σ_c p(c) log p(c) over the characters of ids (nats): the loss of the best model that
// ignores context, a reference line for the loss plots.
double unigram_entropy(const std::vector<int>& ids, int V);

// How far the error signal of one prediction travels back in time: result[k-1] is the mean over
// `streams` positions t of ‖∂L_t/∂h_{t-k}‖, k = 1..max_lag, where L_t is the loss of the
// prediction after step t and h_{t-k} the hidden state (every layer's h) k steps earlier; for the
// LSTM the cell state c_{t-k} is held fixed, so this is the path through h only. Positions are
// spread evenly over `text`, each preceded by 50 characters that warm the state up from zero.
// Needs text.size() >= max_lag + 52 + streams. Overwrites model.grads.
template <class Model>
std::vector<double> gradient_flow(Model& model, const std::vector<int>& text, int max_lag,
                                  int streams);

}  // namespace charnn
