#include "samples/memory_task.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include "core/language_model.h"
#include "gru/gru.h"
#include "lstm/lstm.h"
#include "lstm/lstm_variants.h"
#include "rnn/rnn.h"
#include "train/optimizer.h"
#include "train/train_step.h"

namespace charnn {

Vocabulary MemoryTask::vocabulary() {
  std::vector<char32_t> symbols{kCue};
  for (int m = 0; m < kMarkers; ++m)
    symbols.push_back(static_cast<char32_t>(U'A' + m));
  for (int f = 0; f < kFillers; ++f)
    symbols.push_back(static_cast<char32_t>(U'a' + f));
  return Vocabulary(symbols);  // already sorted: '?' < 'A' < 'a'
}

void MemoryTask::make_batch(int gap, int B, Rng& rng, std::vector<int>& x, std::vector<int>& y,
                            std::vector<int>& marker) {
  // Ids in vocabulary(): 0 is '?', 1..8 the markers, 9..24 the fillers.
  constexpr int kCueId = 0, kFirstMarker = 1, kFirstFiller = 1 + kMarkers;
  const int T = gap + 1;
  x.resize(static_cast<std::size_t>(T) * B);
  y.resize(x.size());
  marker.resize(static_cast<std::size_t>(B));
  for (int b = 0; b < B; ++b) {
    marker[b] = kFirstMarker + rng.below(kMarkers);
    x[b] = marker[b];
    for (int t = 1; t < gap; ++t)
      x[static_cast<std::size_t>(t) * B + b] = kFirstFiller + rng.below(kFillers);
    x[static_cast<std::size_t>(gap) * B + b] = kCueId;
  }
  for (int t = 0; t + 1 < T; ++t)
    for (int b = 0; b < B; ++b)
      y[static_cast<std::size_t>(t) * B + b] = x[static_cast<std::size_t>(t + 1) * B + b];
  for (int b = 0; b < B; ++b)
    y[static_cast<std::size_t>(gap) * B + b] = marker[b];
}

void set_keep_gate_bias(float* params, const Layout& layout, const MemorySettings& s, Rng& rng) {
  for (int l = 0;; ++l) {
    const std::string p = "l" + std::to_string(l) + ".";
    const int f = layout.find(p + "b_f"), z = layout.find(p + "b_z");
    const int keep = f >= 0 ? f : z;  // the LSTM's forget gate or the GRU's update gate
    if (keep < 0) return;             // past the last layer, or a model without the gate
    Mat<float> b_keep = layout.view(params, keep);
    if (s.chrono <= 0) {
      if (!std::isnan(s.forget_bias)) fill(b_keep, static_cast<float>(s.forget_bias));
      continue;
    }
    const int i = f >= 0 ? layout.find(p + "b_i") : -1;  // the GRU has no input gate
    for (int c = 0; c < b_keep.cols; ++c) {
      const double u = rng.uniform(1.0, s.chrono - 1.0);  // u ~ U(1, T_max - 1)
      b_keep(0, c) = static_cast<float>(std::log(u));     // (V4) b_f = log(u)
    }
    if (i >= 0) {
      Mat<float> b_i = layout.view(params, i);
      for (int c = 0; c < b_i.cols; ++c)
        b_i(0, c) = -b_keep(0, c);  // (V4) b_i = -b_f
    }
  }
}

int curriculum_gap(int gap, int step, int steps, bool curriculum, Rng& rng) {
  if (!curriculum) return gap;
  const std::int64_t half = std::max(1, steps / 2);
  const int m =
      1 + static_cast<int>(std::min<std::int64_t>(gap - 1, std::int64_t{gap - 1} * step / half));
  return 1 + rng.below(m);  // uniform in [1, m]
}

namespace {

// Accuracy and mean last-step loss of `model` on `count` sequences drawn from `rng`.
template <class Model>
std::pair<double, double> measure(Model& model, int gap, int count, Rng& rng) {
  constexpr int kChunk = 250;
  std::vector<int> x, y, marker;
  std::vector<float> zero, end;
  int correct = 0;
  double loss = 0;
  for (int done = 0; done < count; done += kChunk) {
    const int B = std::min(kChunk, count - done);
    MemoryTask::make_batch(gap, B, rng, x, y, marker);
    zero.assign(model.state_layout(B).size(), 0.0f);
    end.resize(zero.size());
    CMat<float> logits = model.logits(x.data(), B, gap + 1, zero.data(), end.data());
    for (int b = 0; b < B; ++b) {
      const float* row = logits.row(gap * B + b);
      const int best = static_cast<int>(std::max_element(row, row + logits.cols) - row);
      correct += best == marker[b];
      double top = row[0];
      for (int v = 1; v < logits.cols; ++v)
        top = std::max(top, static_cast<double>(row[v]));
      double sum = 0;
      for (int v = 0; v < logits.cols; ++v)
        sum += std::exp(static_cast<double>(row[v]) - top);
      loss += std::log(sum) + top - row[marker[b]];  // -log softmax(row)[marker]
    }
  }
  return {static_cast<double>(correct) / count, loss / count};
}

}  // namespace

template <class Net>
MemoryResult train_memory(int gap, const MemorySettings& s) {
  typename Net::Config cfg;
  cfg.vocab = MemoryTask::vocabulary().size();
  cfg.hidden = s.hidden;
  cfg.layers = s.layers;
  LanguageModel<Net> model(cfg);
  Rng init_rng(static_cast<std::uint64_t>(s.seed));
  model.init(init_rng);
  set_keep_gate_bias(model.params.data(), model.layout(), s, init_rng);
  // The training, curve and test sequences (and the curriculum's gaps) come from generators
  // of their own, so all models see the same sequences.
  Rng data_rng(static_cast<std::uint64_t>(s.seed) * 7919u + static_cast<std::uint64_t>(gap));
  Rng gap_rng(static_cast<std::uint64_t>(s.seed) * 6700417u + 3);
  Optimizer opt("adam", model.params.size());
  std::vector<int> x, y, marker;
  std::vector<float> zero(model.state_layout(s.batch).size(), 0.0f), end(zero.size());
  MemoryResult result;
  result.parameters = static_cast<std::int64_t>(model.params.size());
  StepRule rule;  // a constant learning rate
  rule.clip = s.clip;
  rule.last_step_loss = !s.all_positions_loss;
  using clock = std::chrono::steady_clock;
  for (int step = 1; step <= s.steps; ++step) {
    const auto t0 = clock::now();
    const int k = curriculum_gap(gap, step - 1, s.steps, s.curriculum, gap_rng);
    MemoryTask::make_batch(k, s.batch, data_rng, x, y, marker);
    const Batch batch{s.batch, k + 1, x.data(), y.data()};
    train_step(model, opt, batch, nullptr, zero.data(), end.data(), s.lr, step - 1, rule);
    result.seconds += std::chrono::duration<double>(clock::now() - t0).count();
    if (step % s.eval_every == 0 || step == s.steps) {
      Rng curve_rng(static_cast<std::uint64_t>(s.seed) * 104729u + 1);
      result.curve_steps.push_back(step);
      result.curve_accuracy.push_back(measure(model, gap, 256, curve_rng).first);
    }
  }
  Rng test_rng(static_cast<std::uint64_t>(s.seed) * 15485863u + 2);
  const auto [accuracy, loss] = measure(model, gap, s.test_sequences, test_rng);
  result.accuracy = accuracy;
  result.loss = loss;
  return result;
}

template MemoryResult train_memory<Rnn<float>>(int, const MemorySettings&);
template MemoryResult train_memory<Lstm<float>>(int, const MemorySettings&);
template MemoryResult train_memory<Gru<float>>(int, const MemorySettings&);
template MemoryResult train_memory<LstmVariant<float, Ablation::NoForgetGate>>(
    int, const MemorySettings&);
template MemoryResult train_memory<LstmVariant<float, Ablation::NoOutputGate>>(
    int, const MemorySettings&);
template MemoryResult train_memory<LstmVariant<float, Ablation::CoupledGates>>(
    int, const MemorySettings&);
template MemoryResult train_memory<LstmVariant<float, Ablation::NoOutputActivation>>(
    int, const MemorySettings&);
template MemoryResult train_memory<LstmVariant<float, Ablation::ForgetBiasZero>>(
    int, const MemorySettings&);

}  // namespace charnn
