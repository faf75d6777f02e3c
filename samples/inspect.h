// ./inspect CHECKPOINT FILE: what the cells and gates of a trained model do on a stretch of its
// validation text, written as one self-contained HTML page (docs/inside.md). The pieces:
// record() runs the model and keeps every unit's value at every step; find_unit() looks for the
// unit that follows a text feature (samples/text_features.h) best; saturation() counts how often
// each gate sits near 0 or 1; render_report() writes the page.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/language_model.h"
#include "core/rng.h"
#include "lstm/lstm.h"
#include "rnn/rnn.h"
#include "samples/text_features.h"
#include "util/cli.h"

namespace charnn {

struct InspectSettings {
  std::string checkpoint, file, out = "inspect", compare;
  int chars = 3000;        // characters of the validation text to run over
  int shown = 600;         // of which the coloured texts show the first
  int select_chars = 240;  // and the selector of any unit the first
  int ngram_order = 7;
  int seed = 1;  // of the random units that set the floor
};

// ./inspect's flags, writing into `settings`.
ArgParser inspect_flags(InspectSettings& settings);

// Writes OUT/index.html; returns the exit status (0). Errors throw.
int inspect_program(const InspectSettings& settings);

// ---- The pieces ------------------------------------------------------------------------------

// One kind of value of one layer at every step: h_t, c_t or a gate, (N,units) row by row.
struct UnitSeries {
  std::string kind;  // "h", "c", "f", "i", "g", "o" (LSTM), "z", "r", "g" (GRU)
  int layer = 0;
  int units = 0;
  std::vector<float> values;
  float at(int t, int unit) const { return values[static_cast<std::size_t>(t) * units + unit]; }
};

// A model run over a text from a zero state: step t reads ids[t] and predicts ids[t+1].
struct Recording {
  std::string model, display;  // "lstm", "LSTM"
  int layers = 0, hidden = 0;
  int steps = 0;                   // N = number of ids - 1
  std::vector<UnitSeries> series;  // h of every layer; for the LSTM also c, f, i, g, o
  std::vector<double> loss;        // (N) -ln p(ids[t+1]) in nats

  const UnitSeries& find(const std::string& kind, int layer) const;
};

// Runs `model` over ids (at least 2) in one chunk of B = 1 and keeps every unit's value.
template <class Net>
Recording record(LanguageModel<Net>& model, const std::vector<int>& ids) {
  Recording r;
  r.model = Net::kName;
  r.display = Net::kDisplayName;
  r.layers = model.config().layers;
  r.hidden = model.config().hidden;
  r.steps = static_cast<int>(ids.size()) - 1;
  const int N = r.steps, H = r.hidden;
  std::vector<float> state(model.state_layout(1).size(), 0.0f), end(state.size());
  const CMat<float> y = model.logits(ids.data(), 1, N, state.data(), end.data());
  for (int t = 0; t < N; ++t) {
    const float* row = y.row(t);
    double m = row[0];
    for (int v = 1; v < y.cols; ++v)
      m = std::max(m, static_cast<double>(row[v]));
    double sum = 0;
    for (int v = 0; v < y.cols; ++v)
      sum += std::exp(row[v] - m);
    r.loss.push_back(std::log(sum) + m - row[ids[t + 1]]);  // -ln softmax(y_t)[next]
  }
  auto keep = [&](const std::string& kind, int layer, CMat<float> m, int col0) {
    UnitSeries s{kind, layer, H, {}};
    s.values.reserve(static_cast<std::size_t>(N) * H);
    for (int t = 0; t < N; ++t)
      s.values.insert(s.values.end(), m.row(t) + col0, m.row(t) + col0 + H);
    r.series.push_back(std::move(s));
  };
  const Net& net = model.net();
  for (int l = 0; l < r.layers; ++l) {
    keep("h", l, net.output_of(l), 0);
    if constexpr (Net::kGates == 4) {
      keep("c", l, net.cells(l), 0);
      const char* gate[] = {"f", "i", "g", "o"};  // the order of Lstm::Gate
      for (int k = 0; k < 4; ++k)
        keep(gate[k], l, net.gates(l), k * H);
    } else if constexpr (Net::kGates == 3) {
      const char* gate[] = {"z", "r", "g"};  // the order of Gru::Gate
      for (int k = 0; k < 3; ++k)
        keep(gate[k], l, net.gates(l), k * H);
    }
  }
  return r;
}

// Pearson's correlation of x and y over [begin, end); 0 when either is constant there.
double correlation(const std::vector<double>& x, const std::vector<double>& y, int begin, int end);

// The unit that follows a feature best: chosen by |r| on the first half of the steps, measured
// on the second half, against a unit drawn at random and the median over all units.
struct UnitMatch {
  std::string kind;
  int layer = 0, unit = 0;
  double r_chosen = 0;  // r on the first half, where it was chosen
  double r_held = 0;    // r on the second half
};
struct FeatureMatch {
  bool varies = false;  // the feature takes two values or more in each half
  UnitMatch best;
  UnitMatch random;        // a unit drawn at random: its r on the second half is the floor
  double median_held = 0;  // median |r| on the second half over every unit searched
  int units_searched = 0;
};
// kinds: which series to search ("h", "c", ...); feature: one value per step.
FeatureMatch find_unit(const Recording& rec, const std::vector<double>& feature,
                       const std::vector<std::string>& kinds, Rng& rng);

// For every unit of one gate of one layer, the fraction of steps at which its value is below
// `low` and the fraction above `high` (Karpathy, Johnson and Fei-Fei 2015: 0.1 and 0.9).
struct Saturation {
  std::string kind;
  int layer = 0;
  double low_threshold = 0, high_threshold = 0;
  std::vector<double> low, high;  // per unit
};
// The LSTM's gates f, i, o (the GRU's z, r) of every layer at 0.1 and 0.9; the RNN's h of every layer at -0.9
// and 0.9 (its tanh saturating).
std::vector<Saturation> saturation(const Recording& rec);

// -ln P(ids[t+1] | ids[0..t]) under an n-gram model for t = 0..N-1, the history reaching back to
// the start of ids as the network's does.
class KneserNey;
std::vector<double> ngram_losses(const KneserNey& model, const std::vector<int>& ids);

}  // namespace charnn
