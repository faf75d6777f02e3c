#include "samples/compare.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <new>
#include <sstream>
#include <stdexcept>

#include "core/fast/parallel.h"
#include "gru/gru.h"
#include "lstm/lstm.h"
#include "lstm/lstm_variants.h"
#include "ngram/kneser_ney.h"
#include "rnn/rnn.h"
#include "samples/generate.h"
#include "samples/kneser_ney_program.h"
#include "samples/memory_task.h"
#include "train/data.h"
#include "train/memory.h"
#include "train/optimizer.h"
#include "train/settings.h"
#include "train/text.h"
#include "train/train_step.h"
#include "util/files.h"
#include "util/plot.h"
#include "util/progress.h"

namespace charnn {

namespace {

// A type as a value, to pick a template's argument at run time.
template <class T>
struct Type {
  using type = T;
};

// Calls f(Type<Net>{}) for the network called `key` (kModels).
template <class F>
auto with_net(const std::string& key, F&& f) {
  if (key == "rnn") return f(Type<Rnn<float>>{});
  if (key == "lstm") return f(Type<Lstm<float>>{});
  if (key == "gru") return f(Type<Gru<float>>{});
  if (key == "lstm-nfg") return f(Type<LstmVariant<float, Ablation::NoForgetGate>>{});
  if (key == "lstm-nog") return f(Type<LstmVariant<float, Ablation::NoOutputGate>>{});
  if (key == "lstm-cifg") return f(Type<LstmVariant<float, Ablation::CoupledGates>>{});
  if (key == "lstm-noaf") return f(Type<LstmVariant<float, Ablation::NoOutputActivation>>{});
  if (key == "lstm-fb0") return f(Type<LstmVariant<float, Ablation::ForgetBiasZero>>{});
  throw std::invalid_argument("no model called " + key);
}

}  // namespace

const std::vector<std::string>& compared_models() {
  static const std::vector<std::string> models = {"rnn",      "lstm",      "gru",       "lstm-nfg",
                                                  "lstm-nog", "lstm-cifg", "lstm-noaf", "lstm-fb0"};
  return models;
}

std::int64_t parameter_count(const std::string& model, int V, int hidden, int layers) {
  return with_net(model, [&](auto net) {
    using Net = typename decltype(net)::type;
    return static_cast<std::int64_t>(LanguageModel<Net>::parameter_count({V, hidden, layers}));
  });
}

int hidden_matching_lstm(const std::string& model, int V, int lstm_hidden, int layers) {
  const std::int64_t target = parameter_count("lstm", V, lstm_hidden, layers);
  int best = 1;
  for (int H = 1; H <= 4 * lstm_hidden + 8; ++H)
    if (std::llabs(parameter_count(model, V, H, layers) - target) <
        std::llabs(parameter_count(model, V, best, layers) - target))
      best = H;
  return best;
}

int gates_of(const std::string& model) {
  return with_net(model, [](auto net) { return decltype(net)::type::kGates; });
}

std::string corpus_name(const std::string& path) {
  std::string base = std::filesystem::path(path).filename().string();
  const std::size_t dot = base.find_last_of('.');
  if (dot != std::string::npos && dot > 0) base = base.substr(0, dot);
  return base;
}

double unigram_entropy(const std::vector<int>& ids, int V) {
  std::vector<double> count(static_cast<std::size_t>(V), 0.0);
  for (int id : ids)
    count[static_cast<std::size_t>(id)] += 1;
  double h = 0;
  for (double c : count)
    if (c > 0) h -= c / ids.size() * std::log(c / ids.size());  // (V3) H = -Σ_c p(c) log p(c)
  return h;
}

template <class Model>
std::vector<double> gradient_flow(Model& model, const std::vector<int>& text, int K, int B) {
  using S = typename Model::S;
  constexpr int W = 50;  // warm-up characters before the first state measured
  const std::int64_t n = static_cast<std::int64_t>(text.size());
  if (K < 1 || B < 1 || n < K + W + 2 + B)
    throw std::invalid_argument("gradient_flow: the text is too short");
  const int steps = W + K;  // inputs x_0 .. x_{W+K-1}; the loss is the one after x_{W+K-1}
  std::vector<int> x(static_cast<std::size_t>(steps) * B), y(x.size());
  for (int b = 0; b < B; ++b) {
    const std::int64_t start = b * (n - 1 - steps) / B;
    for (int i = 0; i < steps; ++i) {
      x[static_cast<std::size_t>(i) * B + b] = text[static_cast<std::size_t>(start + i)];
      y[static_cast<std::size_t>(i) * B + b] = text[static_cast<std::size_t>(start + i + 1)];
    }
  }
  // states[k]: the state after reading x_{last-k}, i.e. h_{t-k} with t = last.
  const int last = steps - 1;
  const Layout layout = model.state_layout(B);
  std::vector<S> state(layout.size(), S(0)), scratch(layout.size()), dstate(layout.size());
  std::vector<std::vector<S>> states(static_cast<std::size_t>(K) + 1);
  model.logits(x.data(), B, W - 1, state.data(), state.data());
  for (int i = W - 1; i < last; ++i) {
    model.logits(&x[static_cast<std::size_t>(i) * B], B, 1, state.data(), state.data());
    states[static_cast<std::size_t>(last - i)] = state;
  }
  std::vector<double> flow(static_cast<std::size_t>(K), 0.0);
  std::vector<double> squares(static_cast<std::size_t>(B));  // per stream: Σ over h of d²
  for (int k = 1; k <= K; ++k) {
    // Steps last-k+1 .. last from h_{last-k}: ∂L_last/∂state_in is ∂L_t/∂h_{t-k}.
    const std::size_t first = static_cast<std::size_t>(last - k + 1) * B;
    const Batch batch{B, k, &x[first], &y[first]};
    model.last_step_loss_and_grad(batch, states[static_cast<std::size_t>(k)].data(), scratch.data(),
                                  dstate.data());
    std::fill(squares.begin(), squares.end(), 0.0);
    for (int tensor = 0; tensor < static_cast<int>(layout.tensors().size()); ++tensor) {
      const std::string& name = layout[tensor].name;
      if (name.size() < 3 || name.compare(name.size() - 3, 3, ".h0") != 0) continue;
      Mat<S> d = layout.view(dstate.data(), tensor);
      for (int b = 0; b < B; ++b)
        for (int j = 0; j < d.cols; ++j)
          squares[static_cast<std::size_t>(b)] += static_cast<double>(d(b, j)) * d(b, j);
    }
    double mean = 0;
    for (double s : squares)
      mean += std::sqrt(s) * B;  // ‖∂L_{t,b}/∂h_{t-k,b}‖: undo the 1/B of the mean loss (V1)
    flow[static_cast<std::size_t>(k) - 1] = mean / B;  // (V2) g(k) = (1/B) Σ_b ‖∂L_t/∂h_{t-k}‖
  }
  return flow;
}

template std::vector<double> gradient_flow(LanguageModel<Rnn<float>>&, const std::vector<int>&, int,
                                           int);
template std::vector<double> gradient_flow(LanguageModel<Lstm<float>>&, const std::vector<int>&,
                                           int, int);
template std::vector<double> gradient_flow(LanguageModel<Rnn<double>>&, const std::vector<int>&,
                                           int, int);
template std::vector<double> gradient_flow(LanguageModel<Lstm<double>>&, const std::vector<int>&,
                                           int, int);
template std::vector<double> gradient_flow(LanguageModel<Gru<float>>&, const std::vector<int>&, int,
                                           int);
template std::vector<double> gradient_flow(LanguageModel<Gru<double>>&, const std::vector<int>&,
                                           int, int);

namespace {

using clock_type = std::chrono::steady_clock;

double since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

const double kTemperatures[] = {0.5, 0.8, 1.0};
constexpr int kTemperatureCount = 3;
const char* const kRnnColor = "#d62728";
const char* const kLstmColor = "#1f77b4";
const char* const kGruColor = "#2ca02c";

// "RNN", "LSTM", "GRU", "LSTM, no forget gate", ...
std::string display_name(const std::string& key) {
  return with_net(key, [&](auto net) -> std::string {
    return key == "rnn" ? "RNN" : decltype(net)::type::kDisplayName;
  });
}

// The colour of model `key` in every plot.
const char* color_of(const std::string& key) {
  if (key == "rnn") return kRnnColor;
  if (key == "lstm") return kLstmColor;
  if (key == "gru") return kGruColor;
  if (key == "lstm-nfg") return "#9467bd";
  if (key == "lstm-nog") return "#8c564b";
  if (key == "lstm-cifg") return "#e377c2";
  if (key == "lstm-noaf") return "#7f7f7f";
  return "#bcbd22";  // lstm-fb0
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else
      out += c;
  }
  return out;
}

// Lines longer than kFoldWidth characters (code points) are folded so that the two columns of a
// gallery table fit a page: the break is marked with ↩ at the end of the folded part, so a
// reader can still tell the model's own line breaks from these.
constexpr int kFoldWidth = 64;
std::string fold_lines(const std::string& text) {
  std::string out;
  int column = 0;
  for (char c : text) {
    const bool starts_character = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (c == '\n') {
      column = 0;
    } else if (starts_character) {
      if (column == kFoldWidth) {
        out += "\u21a9\n";
        column = 0;
      }
      ++column;
    }
    out += c;
  }
  return out;
}

// A sample as the content of <pre> inside the README's HTML tables. Markdown ends an HTML
// block at a blank line, so a line that is empty or only spaces starts with the character
// reference &#10; (a newline) instead of a newline of the source; so does a first line after an
// empty start, since HTML drops a newline right after <pre>.
std::string pre_text(const std::string& sample) {
  const std::string text = html_escape(fold_lines(sample));
  std::string out;
  std::size_t begin = 0;
  bool first = true, first_empty = false;
  for (;;) {
    const std::size_t end = text.find('\n', begin);
    const std::string line = text.substr(begin, end == std::string::npos ? end : end - begin);
    const bool blank = line.find_first_not_of(" \t") == std::string::npos;
    if (first)
      first_empty = line.empty();
    else
      out += blank || first_empty ? "&#10;" : "\n";
    if (!first) first_empty = false;
    out += line;
    first = false;
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return out;
}

std::string fixed(double v, int decimals) {
  return std::isfinite(v) ? format_fixed(v, decimals) : std::string("-");
}

// "3.5", "0.97": the shortest text that reads the value back.
std::string number(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

// "AMD EPYC 7B13" from /proc/cpuinfo where there is one (Linux), else "".
std::string processor_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) {
      std::string name = line.substr(line.find(':') + 1);
      const std::size_t first = name.find_first_not_of(" \t");
      return first == std::string::npos ? "" : name.substr(first);
    }
  return "";
}

// "on AMD EPYC 7B13, 2 threads" or "on 2 threads".
std::string machine(int threads) {
  const std::string cpu = processor_name();
  return "on " + (cpu.empty() ? "" : cpu + ", ") + std::to_string(threads) +
         (threads == 1 ? " thread" : " threads");
}

// The folder must exist and take files before minutes of training are spent.
void prepare_folder(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw std::runtime_error("cannot create the folder " + dir + ": " + error.message());
  const std::string probe = dir + "/.compare-probe";
  const std::string why = write_file_atomically(probe, "", 0);
  if (!why.empty()) throw std::runtime_error("cannot write into " + dir + ": " + why);
  std::remove(probe.c_str());
}

void write_text(const std::string& path, const std::string& text) {
  const std::string why = write_file_atomically(path, text.data(), text.size());
  if (!why.empty()) throw std::runtime_error("cannot write " + path + ": " + why);
}

// One model of a text comparison, whatever its cell, with everything recorded about it. The
// loop, the plots and the README see only this; Contender<Net> below holds the model itself.
struct Entrant {
  std::string key;    // "rnn", "lstm", "gru": in metrics.csv and the progress lines
  std::string name;   // "RNN", "LSTM", "GRU": in the README and the plots
  const char* color;  // its colour in every plot
  int hidden = 0;
  double lr = 0, smooth = NAN, seconds = 0;
  std::vector<double> train_step, train_seconds, train_loss;  // smoothed, every 10 steps
  std::vector<double> val_step, val_seconds, val_loss;
  std::vector<double> flow_init, flow_trained;
  std::vector<std::vector<std::string>> samples;  // per milestone, per temperature

  virtual ~Entrant() = default;
  // One optimizer step on `batch`, timed. Throws when the loss is no longer finite.
  virtual void train(const Batch& batch, std::int64_t step, const CompareSettings& s) = 0;
  // The validation loss of the current weights on `val`.
  virtual double loss_on(const std::vector<int>& val, const CompareSettings& s) = 0;
  // Samples at the three temperatures, from the same random draws for every model.
  virtual std::vector<std::string> draw(const Vocabulary& vocab, const std::vector<int>& prime,
                                        const CompareSettings& s) = 0;
  // gradient_flow of the current weights.
  virtual std::vector<double> flow(const std::vector<int>& text, int K, int B) = 0;
  // The streams flagged in `reset` start the next chunk from a zero state.
  virtual void zero_state(const std::vector<char>& reset) = 0;
  virtual std::int64_t parameters() const = 0;

  void record_train(std::int64_t step) {
    train_step.push_back(static_cast<double>(step));
    train_seconds.push_back(seconds);
    train_loss.push_back(smooth);
  }
  double validate(std::int64_t step, const std::vector<int>& val, const CompareSettings& s) {
    const double v = loss_on(val, s);
    val_step.push_back(static_cast<double>(step));
    val_seconds.push_back(seconds);
    val_loss.push_back(v);
    return v;
  }
  void sample(const Vocabulary& vocab, const std::vector<int>& prime, const CompareSettings& s) {
    samples.push_back(draw(vocab, prime, s));
  }
};

template <class Net>
struct Contender : Entrant {
  using Model = LanguageModel<Net>;
  Model model;
  Optimizer opt;
  Rng rng;              // dropout masks
  Layout state_layout;  // of the carried state, (B,H) per tensor, built once
  std::vector<float> state;

  Contender(const char* plot_color, const typename Net::Config& cfg, const CompareSettings& s)
      : model(cfg), opt("adam", model.params.size()), rng(static_cast<std::uint64_t>(s.seed)) {
    key = Net::kName;
    name = display_name(key);
    color = plot_color;
    hidden = cfg.hidden;
    lr = s.lr;
    Rng init(static_cast<std::uint64_t>(s.seed));
    model.init(init);
    state_layout = model.state_layout(s.batch);
    state.assign(state_layout.size(), 0.0f);
  }

  void train(const Batch& batch, std::int64_t step, const CompareSettings& s) override {
    const auto t0 = clock_type::now();
    StepRule rule;
    rule.clip = s.clip;
    rule.lr_decay = s.lr_decay;
    rule.lr_decay_every = s.lr_decay_every;
    const Dropout dropout{s.dropout, &rng};
    const StepResult r =
        charnn::train_step(model, opt, batch, &dropout, state.data(), state.data(), lr, step, rule);
    if (!r.finite)
      throw std::runtime_error("the " + name + "'s loss became NaN or infinite at step " +
                               std::to_string(step + 1) + " (is --lr " + number(s.lr) +
                               " too high?)");
    lr = r.lr;
    seconds += since(t0);
    smooth = std::isnan(smooth) ? r.loss : 0.98 * smooth + 0.02 * r.loss;
  }

  double loss_on(const std::vector<int>& val, const CompareSettings& s) override {
    return window_loss(model, val, s.seq_len, kValidationBatch);
  }

  std::vector<std::string> draw(const Vocabulary& vocab, const std::vector<int>& prime,
                                const CompareSettings& s) override {
    std::vector<std::string> row;
    for (double tau : kTemperatures) {
      SamplerOptions opt;
      opt.temperature = tau;
      Rng r(static_cast<std::uint64_t>(s.seed));  // the same draws for every model
      row.push_back(generate(model, vocab, prime, s.sample_length, opt, r));
    }
    return row;
  }

  std::vector<double> flow(const std::vector<int>& text, int K, int B) override {
    return gradient_flow(model, text, K, B);
  }

  void zero_state(const std::vector<char>& reset) override {
    zero_streams(state_layout, state.data(), reset);
  }

  std::int64_t parameters() const override {
    return static_cast<std::int64_t>(model.params.size());
  }
};

using Entrants = std::vector<std::unique_ptr<Entrant>>;

// The model `key` (compared_models()) of a comparison, `hidden` wide.
std::unique_ptr<Entrant> make_entrant(const std::string& key, int V, int hidden,
                                      const CompareSettings& s) {
  return with_net(key, [&](auto net) -> std::unique_ptr<Entrant> {
    using Net = typename decltype(net)::type;
    typename Net::Config cfg;
    cfg.vocab = V;
    cfg.hidden = hidden;
    cfg.layers = s.layers;
    return std::make_unique<Contender<Net>>(color_of(key), cfg, s);
  });
}

// The fixed milestones 0, 100, 300, 1000, 3000, 10000, ...
bool is_milestone(std::int64_t step) {
  if (step == 0) return true;
  for (std::int64_t p = 100; p <= step; p *= 10)
    if (step == p || step == 3 * p) return true;
  return false;
}

std::string describe_prime(const std::string& prime) {
  if (prime.empty()) return "a newline";
  return "`" + prime + "`";
}

void write_text_results(const CompareSettings& s, const Corpus& corpus, const Entrants& models,
                        const std::vector<std::int64_t>& milestones, double entropy,
                        double ngram_loss, double total_seconds, double flow_seconds,
                        const std::string& stop_reason, const std::string& flow_text,
                        std::ostream& progress) {
  const std::string& dir = s.out;
  // metrics.csv: every number behind the plots, one per line.
  std::ostringstream csv;
  csv << "metric,model,step,seconds,lag,value\n";
  auto rows = [&](const char* metric, const std::string& model, const std::vector<double>& step,
                  const std::vector<double>& secs, const std::vector<double>& value) {
    for (std::size_t i = 0; i < value.size(); ++i)
      csv << metric << "," << model << "," << static_cast<std::int64_t>(step[i]) << ","
          << format_fixed(secs[i], 3) << ",," << format_fixed(value[i], 5) << "\n";
  };
  auto flow_rows = [&](const std::string& model, std::int64_t step,
                       const std::vector<double>& flow) {
    for (std::size_t k = 0; k < flow.size(); ++k) {
      std::ostringstream v;
      v.precision(6);
      v << flow[k];
      csv << "grad_norm," << model << "," << step << ",," << k + 1 << "," << v.str() << "\n";
    }
  };
  const std::int64_t end_step = milestones.empty() ? 0 : milestones.back();
  for (const auto& m : models)
    rows("val_loss", m->key, m->val_step, m->val_seconds, m->val_loss);
  for (const auto& m : models)
    rows("train_loss_smoothed", m->key, m->train_step, m->train_seconds, m->train_loss);
  for (const auto& m : models)
    flow_rows(m->key, 0, m->flow_init);
  for (const auto& m : models)
    flow_rows(m->key, end_step, m->flow_trained);
  write_text(dir + "/metrics.csv", csv.str());

  // loss.svg: against steps, and against each model's own training seconds.
  auto series = [](const std::string& label, const std::vector<double>& x,
                   const std::vector<double>& y, const char* color, bool dashed) {
    Series r;
    r.label = label;
    r.x = x;
    r.y = y;
    r.color = color;
    r.dashed = dashed;
    return r;
  };
  const std::string ref = "unigram entropy " + format_fixed(entropy, 2);
  Panel by_step, by_time;
  // Log-scaled time axes: the first hundred steps, where the models differ most, get as much
  // room as the last thousands. Step 0 (all at about ln V) is in metrics.csv and the README.
  by_step.options.title = "Loss on " + corpus_name(s.file) + " against training steps";
  by_step.options.x_label = "step (every model saw the same batches; log scale)";
  by_step.options.log_x = true;
  by_step.options.y_label = "loss (nats per character)";
  by_step.options.references = {{entropy, ref}};
  if (s.ngram_order > 0)
    by_step.options.references.push_back(
        {ngram_loss,
         "Kneser-Ney " + std::to_string(s.ngram_order) + "-gram " + format_fixed(ngram_loss, 2)});
  // Two lines per model, validation and training, against steps or its training seconds.
  auto loss_lines = [&](bool by_seconds) {
    std::vector<Series> lines;
    for (bool val : {true, false})
      for (const auto& m : models) {
        const std::vector<double>& x = by_seconds ? (val ? m->val_seconds : m->train_seconds)
                                                  : (val ? m->val_step : m->train_step);
        lines.push_back(series(m->name + (val ? " validation" : " training (smoothed)"), x,
                               val ? m->val_loss : m->train_loss, m->color, !val));
      }
    return lines;
  };
  by_step.series = loss_lines(false);
  by_time.options = by_step.options;
  by_time.options.title = "The same runs against each model's own training time";
  by_time.options.x_label = "seconds of training (evaluation not counted; log scale)";
  by_time.series = loss_lines(true);
  write_svg(dir + "/loss.svg", std::vector<Panel>{by_step, by_time});

  // gradient-flow.svg
  std::vector<double> lags;
  for (std::size_t k = 1; k <= models[0]->flow_init.size(); ++k)
    lags.push_back(static_cast<double>(k));
  PlotOptions flow;
  flow.title = "How far back one prediction's error reaches: ‖∂L_t / ∂h_(t−k)‖";
  flow.x_label = "k (steps back in time)";
  flow.y_label = "gradient norm (log scale)";
  flow.log_y = true;
  const std::string trained = "after " + std::to_string(end_step) + " steps";
  std::vector<Series> flow_series;
  if (!lags.empty())
    for (const auto& m : models) {
      flow_series.push_back(
          series(m->name + " at initialisation", lags, m->flow_init, m->color, true));
      flow_series.push_back(
          series(m->name + " " + trained, lags, m->flow_trained, m->color, false));
    }
  write_svg(dir + "/gradient-flow.svg", flow, flow_series);

  // README.md: configuration, losses at the milestones, the plots, the gallery.
  std::ostringstream md;
  std::string versus, times, columns = "|---|", header = "| |";
  for (std::size_t m = 0; m < models.size(); ++m) {
    versus += (m == 0 ? "" : " versus ") + models[m]->name;
    times +=
        (m == 0 ? "" : ", ") + models[m]->name + " training " + format_duration(models[m]->seconds);
    header += " " + models[m]->name + " |";
    columns += "---|";
  }
  md << "# " << versus << " on " << corpus_name(s.file) << "\n\n";
  md << "Written by `" << s.command << "` " << machine(s.threads) << " (" << stop_reason
     << " after " << end_step << " steps; " << format_duration(total_seconds)
     << " in all: " << times << ", the rest validation, samples and gradient measurements"
     << (s.ngram_order > 0 ? ", and fitting the n-gram" : "")
     << "). What it shows is discussed in [docs/rnn-vs-lstm.md]"
     << "(../../docs/rnn-vs-lstm.md).\n\n";
  md << "## Configuration\n\n";
  md << header << "\n" << columns << "\n| layers x hidden |";
  for (const auto& m : models)
    md << " " << s.layers << " x " << m->hidden << " |";
  md << "\n| parameters |";
  for (const auto& m : models)
    md << " " << format_count(static_cast<double>(m->parameters())) << " |";
  md << "\n| training time |";
  for (const auto& m : models)
    md << " " << format_duration(m->seconds) << " |";
  md << "\n\n";
  md << "All: the same " << end_step << " batches of " << s.batch << " streams x " << s.seq_len
     << " characters (truncated BPTT, state carried, each stream's state zeroed before a chunk "
        "with probability "
     << number(s.reset) << ", the same draws for every model), Adam, learning rate " << number(s.lr)
     << " x " << number(s.lr_decay) << " every " << s.lr_decay_every << " steps, clip "
     << number(s.clip) << ", dropout " << number(s.dropout) << ", seed " << s.seed << ", "
     << s.threads << (s.threads == 1 ? " thread" : " threads")
     << (s.match_params ? ", every model widened to the LSTM's parameter count (--match-params)"
                        : "")
     << ". Text: " << format_count(static_cast<double>(corpus.train.size()))
     << " training characters, vocabulary " << corpus.vocab.size()
     << "; validation loss on the first "
     << format_count(static_cast<double>(
            std::min<std::size_t>(corpus.val.size(), static_cast<std::size_t>(s.val_chars))))
     << " characters of the validation split (windows of " << s.seq_len + 1
     << " from a zero state), in nats per character. The unigram entropy of the training text, "
        "the loss of the best model that ignores context, is "
     << format_fixed(entropy, 3) << ".";
  if (s.ngram_order > 0)
    md << " The interpolated Kneser-Ney " << s.ngram_order
       << "-gram of the training text ([docs/ngram.md](../../docs/ngram.md)), a model that only "
          "counts, scores "
       << format_fixed(ngram_loss, 3) << " on the same validation windows.";
  md << "\n\n";
  md << "## Validation loss\n\n| step |";
  for (const auto& m : models)
    md << " " << m->name << " |";
  for (const auto& m : models)
    md << " " << m->name << " seconds |";
  md << "\n|---|";
  for (std::size_t k = 0; k < 2 * models.size(); ++k)
    md << "---|";
  md << "\n";
  // What a model recorded at its validation of `step` (NaN when there was none).
  const auto at = [](const Entrant& c, const std::vector<double>& what, std::int64_t step) {
    for (std::size_t i = 0; i < c.val_step.size(); ++i)
      if (static_cast<std::int64_t>(c.val_step[i]) == step) return what[i];
    return static_cast<double>(NAN);
  };
  for (std::int64_t step : milestones) {
    md << "| " << step << " |";
    for (const auto& m : models)
      md << " " << fixed(at(*m, m->val_loss, step), 3) << " |";
    for (const auto& m : models)
      md << " " << fixed(at(*m, m->val_seconds, step), 1) << " |";
    md << "\n";
  }
  md << "\n![Validation and training loss against steps and against seconds](loss.svg)\n\n";
  md << "## Gradient flow\n\n"
     << flow_text << " Measuring took " << format_duration(flow_seconds)
     << ".\n\n![Gradient norm against steps back in time](gradient-flow.svg)\n\n";
  md << "## Samples\n\n";
  md << "At each milestone every model writes " << s.sample_length << " characters after "
     << describe_prime(s.prime) << ", with the same random draws (seed " << s.seed
     << ") at temperatures 0.5, 0.8 and 1.0. Lines longer than " << kFoldWidth
     << " characters are folded where ↩ stands.\n";
  for (std::size_t k = 0; k < milestones.size(); ++k) {
    const std::int64_t step = milestones[k];
    md << "\n### Step " << step << (k + 1 == milestones.size() ? " (the end)" : "") << ": ";
    for (std::size_t m = 0; m < models.size(); ++m)
      md << (m == 0 ? "" : ", ") << models[m]->name << " "
         << fixed(at(*models[m], models[m]->val_loss, step), 3);
    md << "\n";
    for (int t = 0; t < kTemperatureCount; ++t) {
      md << "\n<table><tr>";
      for (const auto& m : models)
        md << "<th>" << m->name << ", temperature " << number(kTemperatures[t]) << "</th>";
      md << "</tr>\n<tr>";
      for (const auto& m : models)
        md << "<td><pre>" << pre_text(m->samples[k][t]) << "</pre></td>";
      md << "</tr></table>\n";
    }
  }
  write_text(dir + "/README.md", md.str());
  progress << "wrote " << dir << "/README.md, loss.svg, gradient-flow.svg and metrics.csv\n";
}

// The hidden size of model `key` in a comparison: --hidden, or with --match-params the width
// whose parameter count is closest to the LSTM's at --hidden.
int hidden_of(const std::string& key, int V, const CompareSettings& s) {
  return s.match_params ? hidden_matching_lstm(key, V, s.hidden, s.layers) : s.hidden;
}

void run_text(const CompareSettings& s, std::ostream& progress) {
  const auto start = clock_type::now();
  const Corpus corpus =
      load_corpus(s.file, s.val_frac, TextCodec(Vocabulary(), s.lowercase, s.keep_crlf));
  const Batcher batcher(corpus.train, s.batch, s.seq_len);
  std::vector<int> val(
      corpus.val.begin(),
      corpus.val.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(
                               corpus.val.size(), static_cast<std::size_t>(s.val_chars))));
  if (window_count(val.size(), s.seq_len) < 1)
    throw TextError(s.file + ": the validation split has " + std::to_string(corpus.val.size()) +
                    " characters, fewer than one window of --seq-len + 1 = " +
                    std::to_string(s.seq_len + 1) + "; use a longer text or a larger --val-frac");
  std::vector<int> prime = default_prime(corpus.vocab);
  if (!s.prime.empty()) {
    prime = TextCodec(corpus.vocab, s.lowercase, s.keep_crlf)
                .encode(decode_utf8(s.prime, "--prime"), "--prime");
  }
  const int V = corpus.vocab.size();
  // Every model lives at once.
  std::size_t bytes = 0;
  for (const std::string& key : s.models)
    bytes +=
        training_memory_bytes(gates_of(key), V, hidden_of(key, V, s), s.layers, s.batch, s.seq_len);
  check_memory_fits(bytes);
  prepare_folder(s.out);
  set_thread_count(s.threads);

  Entrants models;
  for (const std::string& key : s.models)
    models.push_back(make_entrant(key, V, hidden_of(key, V, s), s));
  const double entropy = unigram_entropy(corpus.train, V);
  // The counting baseline on the same validation windows (docs/ngram.md), a second reference.
  double ngram_loss = NAN;
  if (s.ngram_order > 0) {
    try {
      KneserNey ngram(s.ngram_order, V);
      ngram.fit(corpus.train);
      ngram_loss = ngram_window_loss(ngram, val, s.seq_len);
    } catch (const std::bad_alloc&) {
      throw std::runtime_error("out of memory for the Kneser-Ney " + std::to_string(s.ngram_order) +
                               "-gram; use a smaller --ngram-order (0: none)");
    }
  }
  progress << "comparing";
  for (std::size_t m = 0; m < models.size(); ++m)
    progress << (m == 0                   ? " "
                 : m + 1 == models.size() ? " and "
                                          : ", ")
             << models[m]->key << " " << s.layers << "x" << models[m]->hidden << " ("
             << format_count(static_cast<double>(models[m]->parameters()))
             << (m == 0 ? " parameters)" : ")");
  progress << " on " << s.file << ": " << format_count(static_cast<double>(corpus.train.size()))
           << " training characters, unigram entropy " << format_fixed(entropy, 3);
  if (s.ngram_order > 0)
    progress << ", Kneser-Ney " << s.ngram_order << "-gram validation loss "
             << format_fixed(ngram_loss, 3);
  progress << "\n";

  // Gradient flow is measured on the validation text when it is long enough.
  const int streams = 16;
  const std::vector<int>& flow_text =
      corpus.val.size() >= static_cast<std::size_t>(s.max_lag + 52 + streams) ? corpus.val
                                                                              : corpus.train;
  const int lag = static_cast<int>(std::min<std::int64_t>(
      s.max_lag, static_cast<std::int64_t>(flow_text.size()) - 52 - streams));
  double flow_seconds = 0;
  auto measure_flow = [&](bool trained) {
    if (lag < 1) return;
    const auto t0 = clock_type::now();
    for (const auto& m : models)
      (trained ? m->flow_trained : m->flow_init) = m->flow(flow_text, lag, streams);
    flow_seconds += since(t0);
  };
  measure_flow(false);

  std::vector<std::int64_t> milestones;
  std::int64_t step = 0, chunk = 0;
  // Validation at `step` (once: the end may have been validated already), and at a milestone
  // the samples.
  auto checkpoint = [&](bool milestone) {
    const Entrant& first = *models[0];
    const bool done = !first.val_step.empty() && first.val_step.back() == static_cast<double>(step);
    std::vector<double> losses;
    for (const auto& m : models)
      losses.push_back(done ? m->val_loss.back() : m->validate(step, val, s));
    if (milestone) {
      milestones.push_back(step);
      for (const auto& m : models)
        m->sample(corpus.vocab, prime, s);
    }
    progress << "step " << step << ": validation loss";
    for (std::size_t m = 0; m < models.size(); ++m)
      progress << (m == 0 ? " " : ", ") << models[m]->key << " " << format_fixed(losses[m], 3);
    progress << " (training ";
    for (std::size_t m = 0; m < models.size(); ++m)
      progress << (m == 0 ? "" : " + ") << format_duration(models[m]->seconds);
    progress << ", " << format_duration(since(start)) << " in all)"
             << (milestone ? ", samples taken" : "") << std::endl;
  };
  checkpoint(true);

  const std::int64_t cpe = batcher.chunks_per_epoch();
  Rng data_rng(static_cast<std::uint64_t>(s.seed) * 2654435761u + 7);
  std::vector<int> x, y;
  std::vector<char> reset;  // which streams start the chunk from a zero state
  std::string why;
  for (;;) {
    if (s.steps > 0 && step >= s.steps) {
      why = "reached --steps";
      break;
    }
    if (s.minutes > 0 && since(start) >= s.minutes * 60) {
      why = "reached --minutes";
      break;
    }
    // One draw per stream, applied to every model: they restart the same streams.
    streams_to_reset(chunk, cpe, s.batch, s.reset, data_rng, reset);
    for (const auto& m : models)
      m->zero_state(reset);
    const Batch batch = batcher.chunk(chunk, x, y);
    for (const auto& m : models)
      m->train(batch, step, s);
    ++step;
    ++chunk;
    if (step % 10 == 0)
      for (const auto& m : models)
        m->record_train(step);
    const bool milestone = is_milestone(step);
    if (milestone || step % s.eval_every == 0) checkpoint(milestone);
  }
  if (milestones.back() != step) checkpoint(true);
  measure_flow(true);

  std::string flow_text_md;
  if (lag >= 1) {
    auto at = [&](const std::vector<double>& f, int k) {
      std::ostringstream o;
      o.precision(2);
      o << f[static_cast<std::size_t>(std::min(k, lag)) - 1];
      return o.str();
    };
    const int far = std::min(lag, 50);
    flow_text_md =
        "Mean norm of the gradient of one prediction's loss with respect to the hidden "
        "state k steps earlier, over " +
        std::to_string(streams) + " positions of the " +
        (&flow_text == &corpus.val ? "validation" : "training") +
        " text. At k = 1 and k = " + std::to_string(far) + ": ";
    for (std::size_t m = 0; m < models.size(); ++m) {
      const Entrant& e = *models[m];
      flow_text_md += (m == 0 ? "" : "; ") + e.name + " at initialisation " + at(e.flow_init, 1) +
                      " and " + at(e.flow_init, far) + ", trained " + at(e.flow_trained, 1) +
                      " and " + at(e.flow_trained, far);
    }
    flow_text_md += ".";
  } else {
    flow_text_md = "Not measured: the text is too short.";
  }
  write_text_results(s, corpus, models, milestones, entropy, ngram_loss, since(start), flow_seconds,
                     why, flow_text_md, progress);
}

// train_memory for the model called `key`.
MemoryResult train_memory_of(const std::string& key, int gap, const MemorySettings& m) {
  return with_net(key,
                  [&](auto net) { return train_memory<typename decltype(net)::type>(gap, m); });
}

void run_memory(const CompareSettings& s, std::ostream& progress) {
  const auto start = clock_type::now();
  prepare_folder(s.out);
  set_thread_count(s.threads);
  MemorySettings m;
  m.hidden = s.hidden;
  m.layers = s.layers;
  m.batch = s.batch;
  m.steps = s.steps;
  m.lr = s.lr;
  m.clip = s.clip;
  m.seed = s.seed;
  m.eval_every = std::max(1, s.eval_every);
  m.forget_bias = s.forget_bias;
  m.chrono = s.chrono;
  m.curriculum = s.curriculum;
  m.all_positions_loss = s.all_positions_loss;
  const int V = MemoryTask::vocabulary().size();
  const std::size_t M = s.models.size();
  std::vector<int> hidden;
  std::vector<std::string> names;
  for (const std::string& key : s.models) {
    hidden.push_back(hidden_of(key, V, s));
    names.push_back(display_name(key));
  }
  std::vector<std::vector<MemoryResult>> results(M);  // [model][gap]
  for (int gap : s.gaps) {
    for (std::size_t k = 0; k < M; ++k) {
      MemorySettings mk = m;
      mk.hidden = hidden[k];
      results[k].push_back(train_memory_of(s.models[k], gap, mk));
    }
    progress << "gap " << gap << ": accuracy";
    for (std::size_t k = 0; k < M; ++k)
      progress << (k == 0 ? " " : ", ") << s.models[k] << " "
               << format_fixed(results[k].back().accuracy, 3);
    progress << " (chance " << format_fixed(1.0 / MemoryTask::kMarkers, 3) << "; training ";
    for (std::size_t k = 0; k < M; ++k)
      progress << (k == 0 ? "" : " + ") << format_duration(results[k].back().seconds);
    progress << ")" << std::endl;
  }
  const double total = since(start);

  std::ostringstream csv;
  csv << "metric,model,step,seconds,lag,value\n";
  for (std::size_t g = 0; g < s.gaps.size(); ++g)
    for (std::size_t k = 0; k < M; ++k) {
      const MemoryResult& r = results[k][g];
      const std::string& model = s.models[k];
      for (std::size_t i = 0; i < r.curve_steps.size(); ++i)
        csv << "accuracy_during_training," << model << "," << r.curve_steps[i] << ",," << s.gaps[g]
            << "," << format_fixed(r.curve_accuracy[i], 5) << "\n";
      csv << "test_accuracy," << model << "," << s.steps << "," << format_fixed(r.seconds, 3) << ","
          << s.gaps[g] << "," << format_fixed(r.accuracy, 5) << "\n";
      csv << "test_loss," << model << "," << s.steps << "," << format_fixed(r.seconds, 3) << ","
          << s.gaps[g] << "," << format_fixed(r.loss, 5) << "\n";
    }
  write_text(s.out + "/metrics.csv", csv.str());

  Panel final_panel;
  final_panel.options.title = "Recall a marker seen k steps earlier";
  final_panel.options.x_label = "gap k (steps between the marker and the question)";
  final_panel.options.y_label = "accuracy on fresh sequences";
  final_panel.options.log_x = true;
  final_panel.options.references = {{1.0 / MemoryTask::kMarkers, "chance (1 in 8)"}};
  final_panel.options.y_include = {0, 1.05};  // lines at 1 stay clear of the frame
  for (std::size_t k = 0; k < M; ++k) {
    Series line;
    line.label = names[k];
    line.color = color_of(s.models[k]);
    for (std::size_t g = 0; g < s.gaps.size(); ++g) {
      line.x.push_back(s.gaps[g]);
      line.y.push_back(results[k][g].accuracy);
    }
    final_panel.series.push_back(line);
  }
  // One panel of training curves per model, a line per gap.
  std::vector<Panel> panels{final_panel};
  const char* const shades[] = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a",
                                "#66a61e", "#e6ab02", "#a6761d", "#666666"};
  for (std::size_t k = 0; k < M; ++k) {
    Panel curves;
    curves.options.title = names[k] + ": accuracy during training (256 fresh sequences)";
    curves.options.x_label = "step";
    curves.options.y_label = "accuracy";
    curves.options.references = final_panel.options.references;
    curves.options.y_include = final_panel.options.y_include;
    for (std::size_t g = 0; g < s.gaps.size(); ++g) {
      const MemoryResult& r = results[k][g];
      Series c;
      c.label = "k = " + std::to_string(s.gaps[g]);
      c.color = shades[g % 8];
      for (std::size_t i = 0; i < r.curve_steps.size(); ++i) {
        c.x.push_back(r.curve_steps[i]);
        c.y.push_back(r.curve_accuracy[i]);
      }
      curves.series.push_back(c);
    }
    panels.push_back(curves);
  }
  write_svg(s.out + "/memory.svg", panels);

  std::string versus;
  for (std::size_t k = 0; k < M; ++k)
    versus += (k == 0 ? "" : " versus ") + names[k];
  std::ostringstream md;
  md << "# " << versus << ": remembering a character k steps back\n\n";
  md << "Written by `" << s.command << "` " << machine(s.threads) << " in "
     << format_duration(total)
     << ". What it shows is discussed in [docs/rnn-vs-lstm.md](../../docs/rnn-vs-lstm.md).\n\n";
  md << "Each sequence is a marker (one of `A`..`H`), k - 1 random filler characters (`a`..`p`) "
        "and the cue `?`; after the cue the model must name the marker. Only that prediction "
        "carries a loss. Local statistics are no help: the filler is random and every marker is "
        "equally likely, so a model that forgets scores 1 in 8.\n\n";
  md << "Every model: " << s.layers << (s.layers == 1 ? " layer" : " layers");
  for (std::size_t k = 0; k < M; ++k)
    md << ", " << names[k] << " hidden " << hidden[k] << " ("
       << format_count(static_cast<double>(results[k].empty() ? 0 : results[k][0].parameters))
       << " parameters)";
  md << "; for each gap a fresh model from seed " << s.seed << ", " << format_count(s.steps)
     << " steps of " << s.batch
     << " new random sequences (the same sequences for every model), Adam, learning rate "
     << number(s.lr) << ", clip " << number(s.clip) << ", " << s.threads
     << (s.threads == 1 ? " thread" : " threads");
  if (s.chrono > 0)
    md << ", the keep gates started by the chrono initialisation with T_max = " << s.chrono
       << " (the LSTM's b_f = log u, u uniform in [1, " << s.chrono - 1
       << "], b_i = -b_f; the GRU's b_z = log u)";
  else if (!std::isnan(s.forget_bias))
    md << ", the LSTM's b_f and the GRU's b_z started at " << number(s.forget_bias);
  if (s.curriculum)
    md << ", a curriculum (each batch's gap drawn from 1 to a limit that rises to k over the "
          "first half of the steps and then stays at k)";
  md << (s.all_positions_loss ? ", a loss on every prediction"
                              : ", a loss on the marker's prediction only")
     << ". Accuracy: the most likely character after the cue, on 2,000 fresh sequences.\n\n";
  md << "| gap k |";
  for (const std::string& n : names)
    md << " " << n << " accuracy |";
  for (const std::string& n : names)
    md << " " << n << " loss |";
  for (const std::string& n : names)
    md << " " << n << " training |";
  md << "\n|---|";
  for (std::size_t k = 0; k < 3 * M; ++k)
    md << "---|";
  md << "\n";
  for (std::size_t g = 0; g < s.gaps.size(); ++g) {
    md << "| " << s.gaps[g] << " |";
    for (std::size_t k = 0; k < M; ++k)
      md << " " << format_fixed(results[k][g].accuracy, 3) << " |";
    for (std::size_t k = 0; k < M; ++k)
      md << " " << format_fixed(results[k][g].loss, 3) << " |";
    for (std::size_t k = 0; k < M; ++k)
      md << " " << format_duration(results[k][g].seconds) << " |";
    md << "\n";
  }
  md << "\nChance is " << format_fixed(1.0 / MemoryTask::kMarkers, 3)
     << " accuracy and loss ln 8 = " << format_fixed(std::log(8.0), 3)
     << ".\n\n![Accuracy against the gap](memory.svg)\n";
  write_text(s.out + "/README.md", md.str());
  progress << "wrote " << s.out << "/README.md, memory.svg and metrics.csv\n";
}

// "5,10,20" -> {5, 10, 20}; each gap in 1..10000.
std::vector<int> parse_gaps(const std::string& text) {
  std::vector<int> gaps;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    std::size_t used = 0;
    int gap = 0;
    try {
      gap = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || gap < 1 || gap > 10000)
      throw UsageError("--gaps: expected gaps from 1 to 10000 separated by commas, got '" + text +
                       "'");
    gaps.push_back(gap);
  }
  if (gaps.empty()) throw UsageError("--gaps: expected at least one gap");
  return gaps;
}

// "rnn,gru" -> {"rnn", "gru"}: two or more different models of compared_models().
std::vector<std::string> parse_models(const std::string& text) {
  const std::vector<std::string>& known = compared_models();
  std::vector<std::string> models;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (std::find(known.begin(), known.end(), item) == known.end())
      throw UsageError(
          "--models: expected rnn, lstm, gru or an LSTM variant (lstm-nfg, "
          "lstm-nog, lstm-cifg, lstm-noaf, lstm-fb0) separated by commas, got '" +
          text + "'");
    if (std::find(models.begin(), models.end(), item) != models.end())
      throw UsageError("--models: " + item + " is named twice in '" + text + "'");
    models.push_back(item);
  }
  if (models.size() < 2)
    throw UsageError("--models: a comparison needs at least two models, got '" + text + "'");
  return models;
}

// The text for `Written by ...` in the README: the program and its arguments, quoted where
// needed.
std::string command_line(int argc, const char* const* argv) {
  std::string line = "./compare";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    const bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$`*?") == std::string::npos;
    line += " " + (plain ? a : "'" + a + "'");
  }
  return line;
}

}  // namespace

ArgParser compare_flags(CompareFlags& f) {
  CompareSettings& s = f.settings;
  ArgParser a("compare", "FILE [options]  |  --task memory [options]",
              "Trains two or more of a vanilla RNN, an LSTM and a GRU (--models) side by side\n"
              "and writes what they learned into a folder: README.md (samples of each at\n"
              "milestones, validation losses, configuration, time), loss.svg,\n"
              "gradient-flow.svg and metrics.csv. Every model gets the same batches, seed,\n"
              "sizes and optimizer, one step each in turn. With --task memory, no FILE: each\n"
              "learns to recall a marker seen k steps earlier, for each gap k of --gaps, and\n"
              "the folder gets README.md, memory.svg and metrics.csv. See\n"
              "docs/rnn-vs-lstm.md.");
  a.add_positional("FILE", &s.file, "the training text (UTF-8); not with --task memory", false);
  a.add_string("task", &s.task, "what to compare on", {"text", "memory"});
  a.add_string("models", &f.models,
               "the models, separated by commas, in the order of the gallery's columns: two or "
               "more of rnn, lstm, gru and the LSTM variants of docs/ablations.md (lstm-nfg: no "
               "forget gate, lstm-nog: no output gate, lstm-cifg: i = 1 - f, lstm-noaf: no "
               "output tanh, lstm-fb0: b_f = 0)");
  a.add_string("out", &s.out,
               "the output folder (default: samples/NAME for FILE NAME.txt, samples/memory for "
               "the memory task)");
  a.add_int("steps", &s.steps,
            "steps per model; text: stop there (0: no limit); memory: steps per gap (3000 "
            "unless given)",
            0, 2000000000);
  a.add_double("minutes", &s.minutes,
               "text: stop after this many minutes in all, evaluation included (10 when neither "
               "--steps nor --minutes is given; 0: no limit)",
               0, 1e6);
  add_setting_flag(a, "hidden", &s.hidden, "hidden units per layer (memory task: 64 unless given)");
  add_setting_flag(a, "layers", &s.layers,
                   "stacked recurrent layers (memory task: 1 unless given)");
  a.add_flag("match-params", &s.match_params,
             "widen the RNN and the GRU to about the LSTM's number of parameters (needs lstm "
             "among --models)");
  add_setting_flag(a, "seq-len", &s.seq_len);
  add_setting_flag(a, "batch", &s.batch);
  add_setting_flag(a, "lr", &s.lr, "learning rate (Adam)");
  add_setting_flag(a, "lr-decay", &s.lr_decay);
  add_setting_flag(a, "lr-decay-every", &s.lr_decay_every, "steps between decays (0: never)");
  add_setting_flag(a, "clip", &s.clip);
  add_setting_flag(a, "dropout", &s.dropout,
                   "probability of dropping each input of the layers above the first and of the "
                   "output layer (training only; the memory task uses none)");
  add_setting_flag(a, "state-reset", &s.reset,
                   "probability that a stream's carried state is zeroed before a chunk");
  add_setting_flag(a, "seed", &s.seed,
                   "seed of the initial weights, the data draws and the samples");
  add_setting_flag(a, "threads", &s.threads);
  add_setting_flag(a, "val-frac", &s.val_frac);
  a.add_int("val-chars", &s.val_chars, "validate on at most this many characters", 2, 2000000000);
  a.add_int("eval-every", &s.eval_every,
            "steps between validations (memory: between accuracy measurements)", 1, 2000000000);
  a.add_int("sample-length", &s.sample_length, "characters per sample", 1, 100000);
  a.add_string("prime", &s.prime, "text every sample starts from (default: a newline)");
  a.add_int("max-lag", &s.max_lag, "gradient flow: largest k measured", 1, 10000);
  a.add_int("ngram-order", &s.ngram_order,
            "the order of the Kneser-Ney n-gram whose validation loss the loss plot shows as a "
            "reference line (docs/ngram.md; 0: none)",
            0, kMaxKneserNeyOrder);
  a.add_string("gaps", &f.gaps, "memory task: the gaps k, separated by commas");
  a.add_double("forget-bias", &f.forget_bias,
               "memory task: start the LSTM's forget-gate bias b_f and the GRU's update-gate "
               "bias b_z at this value (the default is their own init)",
               -100, 100);
  a.add_int("chrono", &s.chrono,
            "memory task: the chrono initialisation of Tallec and Ollivier (2018) with T_max = "
            "this: b_f = log(u), u uniform in [1, T_max - 1], and b_i = -b_f (GRU: b_z = log(u)); "
            "0: off",
            0, 1000000);
  a.add_flag("curriculum", &s.curriculum,
             "memory task: draw each batch's gap uniformly from 1 to a limit that rises to the "
             "target gap over the first half of the steps, then stays there");
  a.add_flag("all-positions-loss", &s.all_positions_loss,
             "memory task: a loss on every prediction (the filler ones are noise), not only on "
             "the marker after the cue");
  add_setting_flag(a, "lowercase", &s.lowercase, "fold A-Z to a-z in the text and in --prime");
  add_setting_flag(
      a, "keep-crlf", &s.keep_crlf,
      "keep \\r\\n as two characters (default: read as \\n) in the text and in --prime");
  return a;
}

int compare_program(CompareFlags& f, const ArgParser& a, int argc, const char* const* argv) {
  CompareSettings& s = f.settings;
  s.gaps = parse_gaps(f.gaps);
  s.models = parse_models(f.models);
  if (a.given("forget-bias")) s.forget_bias = f.forget_bias;
  if (s.match_params && std::find(s.models.begin(), s.models.end(), "lstm") == s.models.end())
    throw UsageError(
        "--match-params widens the other models to the LSTM's size; add lstm to "
        "--models");
  s.command = command_line(argc, argv);
  if (s.task == "memory") {
    if (!s.file.empty())
      throw UsageError("--task memory makes its own sequences; it takes no FILE");
    if (a.given("minutes"))
      throw UsageError("--minutes: the memory task trains --steps per gap instead");
    if (!a.given("steps")) s.steps = 3000;
    if (s.steps < 1) throw UsageError("--steps: the memory task needs at least 1");
    if (!a.given("hidden")) s.hidden = 64;
    if (!a.given("layers")) s.layers = 1;
    if (!a.given("eval-every")) s.eval_every = 250;
    if (s.out.empty()) s.out = "samples/memory";
    if (s.chrono == 1 || s.chrono == 2)
      throw UsageError("--chrono: T_max must be at least 3 (u is drawn from [1, T_max - 1])");
  } else {
    for (const char* memory_only :
         {"gaps", "forget-bias", "chrono", "curriculum", "all-positions-loss"})
      if (a.given(memory_only))
        throw UsageError(std::string("--") + memory_only + " is for --task memory only");
    if (s.file.empty()) throw UsageError("missing FILE (see --help)");
    if (!a.given("steps") && !a.given("minutes")) s.minutes = 10;
    if (s.steps == 0 && s.minutes == 0)
      throw UsageError("--steps 0 and --minutes 0 would never stop; give a limit");
    if (s.out.empty()) {
      const std::string name = corpus_name(s.file);
      if (name.empty() || name == "." || name == "..")
        throw UsageError(s.file + ": cannot name an output folder after it; give --out DIR");
      s.out = "samples/" + name;
    }
  }
  run_comparison(s, std::cout);
  return 0;
}

void run_comparison(const CompareSettings& s, std::ostream& progress) {
  if (s.task == "memory")
    run_memory(s, progress);
  else
    run_text(s, progress);
}

}  // namespace charnn
