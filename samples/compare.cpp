#include "samples/compare.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <new>
#include <sstream>
#include <stdexcept>

#include "core/fast/parallel.h"
#include "lstm/lstm.h"
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

std::int64_t rnn_parameter_count(int V, int hidden, int layers) {
  return static_cast<std::int64_t>(LanguageModel<Rnn<float>>::parameter_count({V, hidden, layers}));
}

std::int64_t lstm_parameter_count(int V, int hidden, int layers) {
  return static_cast<std::int64_t>(
      LanguageModel<Lstm<float>>::parameter_count({V, hidden, layers}));
}

int rnn_hidden_matching_lstm(int V, int lstm_hidden, int layers) {
  const std::int64_t target = lstm_parameter_count(V, lstm_hidden, layers);
  int best = 1;
  for (int H = 1; H <= 4 * lstm_hidden + 8; ++H)
    if (std::llabs(rnn_parameter_count(V, H, layers) - target) <
        std::llabs(rnn_parameter_count(V, best, layers) - target))
      best = H;
  return best;
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

namespace {

using clock_type = std::chrono::steady_clock;

double since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

const double kTemperatures[] = {0.5, 0.8, 1.0};
constexpr int kTemperatureCount = 3;
const char* const kRnnColor = "#d62728";
const char* const kLstmColor = "#1f77b4";

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

// One of the two models of a text comparison, with everything recorded about it.
template <class Net>
struct Contender {
  using Model = LanguageModel<Net>;

  std::string name;
  Model model;
  Optimizer opt;
  Rng rng;  // dropout masks
  std::vector<float> state;
  double lr, smooth = NAN, seconds = 0;
  std::vector<double> train_step, train_seconds, train_loss;  // smoothed, every 10 steps
  std::vector<double> val_step, val_seconds, val_loss;
  std::vector<double> flow_init, flow_trained;
  std::vector<std::vector<std::string>> samples;  // per milestone, per temperature

  Contender(std::string label, const typename Net::Config& cfg, const CompareSettings& s)
      : name(std::move(label)),
        model(cfg),
        opt("adam", model.params.size()),
        rng(static_cast<std::uint64_t>(s.seed)),
        lr(s.lr) {
    Rng init(static_cast<std::uint64_t>(s.seed));
    model.init(init);
    state.assign(model.state_layout(s.batch).size(), 0.0f);
  }

  // One optimizer step on `batch`, timed. Throws when the loss is no longer finite.
  void train(const Batch& batch, std::int64_t step, const CompareSettings& s) {
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

  void record_train(std::int64_t step) {
    train_step.push_back(static_cast<double>(step));
    train_seconds.push_back(seconds);
    train_loss.push_back(smooth);
  }

  double validate(std::int64_t step, const std::vector<int>& val, const CompareSettings& s) {
    const double v = window_loss(model, val, s.seq_len, kValidationBatch);
    val_step.push_back(static_cast<double>(step));
    val_seconds.push_back(seconds);
    val_loss.push_back(v);
    return v;
  }

  void sample(const Vocabulary& vocab, const std::vector<int>& prime, const CompareSettings& s) {
    std::vector<std::string> row;
    for (double tau : kTemperatures) {
      SamplerOptions opt;
      opt.temperature = tau;
      Rng r(static_cast<std::uint64_t>(s.seed));  // the same draws for both models
      row.push_back(generate(model, vocab, prime, s.sample_length, opt, r));
    }
    samples.push_back(row);
  }

  std::int64_t parameters() const { return static_cast<std::int64_t>(model.params.size()); }
};

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

template <class A, class B>
void write_text_results(const CompareSettings& s, const Corpus& corpus, A& rnn, B& lstm,
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
  rows("val_loss", "rnn", rnn.val_step, rnn.val_seconds, rnn.val_loss);
  rows("val_loss", "lstm", lstm.val_step, lstm.val_seconds, lstm.val_loss);
  rows("train_loss_smoothed", "rnn", rnn.train_step, rnn.train_seconds, rnn.train_loss);
  rows("train_loss_smoothed", "lstm", lstm.train_step, lstm.train_seconds, lstm.train_loss);
  flow_rows("rnn", 0, rnn.flow_init);
  flow_rows("lstm", 0, lstm.flow_init);
  flow_rows("rnn", end_step, rnn.flow_trained);
  flow_rows("lstm", end_step, lstm.flow_trained);
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
  // room as the last thousands. Step 0 (both at about ln V) is in metrics.csv and the README.
  by_step.options.title = "Loss on " + corpus_name(s.file) + " against training steps";
  by_step.options.x_label = "step (both models saw the same batches; log scale)";
  by_step.options.log_x = true;
  by_step.options.y_label = "loss (nats per character)";
  by_step.options.references = {{entropy, ref}};
  if (s.ngram_order > 0)
    by_step.options.references.push_back(
        {ngram_loss,
         "Kneser-Ney " + std::to_string(s.ngram_order) + "-gram " + format_fixed(ngram_loss, 2)});
  // The four lines of a loss panel, against steps or against each model's training seconds.
  auto loss_lines = [&](bool by_seconds) {
    auto x = [&](const auto& c, bool val) {
      return by_seconds ? (val ? c.val_seconds : c.train_seconds)
                        : (val ? c.val_step : c.train_step);
    };
    return std::vector<Series>{
        series(rnn.name + " validation", x(rnn, true), rnn.val_loss, kRnnColor, false),
        series(lstm.name + " validation", x(lstm, true), lstm.val_loss, kLstmColor, false),
        series(rnn.name + " training (smoothed)", x(rnn, false), rnn.train_loss, kRnnColor, true),
        series(lstm.name + " training (smoothed)", x(lstm, false), lstm.train_loss, kLstmColor,
               true)};
  };
  by_step.series = loss_lines(false);
  by_time.options = by_step.options;
  by_time.options.title = "The same runs against each model's own training time";
  by_time.options.x_label = "seconds of training (evaluation not counted; log scale)";
  by_time.series = loss_lines(true);
  write_svg(dir + "/loss.svg", std::vector<Panel>{by_step, by_time});

  // gradient-flow.svg
  std::vector<double> lags;
  for (std::size_t k = 1; k <= rnn.flow_init.size(); ++k)
    lags.push_back(static_cast<double>(k));
  PlotOptions flow;
  flow.title = "How far back one prediction's error reaches: ‖∂L_t / ∂h_(t−k)‖";
  flow.x_label = "k (steps back in time)";
  flow.y_label = "gradient norm (log scale)";
  flow.log_y = true;
  const std::string trained = "after " + std::to_string(end_step) + " steps";
  std::vector<Series> flow_series;
  if (!lags.empty())
    flow_series = {series(rnn.name + " at initialisation", lags, rnn.flow_init, kRnnColor, true),
                   series(rnn.name + " " + trained, lags, rnn.flow_trained, kRnnColor, false),
                   series(lstm.name + " at initialisation", lags, lstm.flow_init, kLstmColor, true),
                   series(lstm.name + " " + trained, lags, lstm.flow_trained, kLstmColor, false)};
  write_svg(dir + "/gradient-flow.svg", flow, flow_series);

  // README.md: configuration, losses at the milestones, the plots, the gallery.
  std::ostringstream md;
  const int rnn_hidden = rnn.model.config().hidden;
  md << "# " << rnn.name << " versus " << lstm.name << " on " << corpus_name(s.file) << "\n\n";
  md << "Written by `" << s.command << "` " << machine(s.threads) << " (" << stop_reason
     << " after " << end_step << " steps; " << format_duration(total_seconds)
     << " in all: " << rnn.name << " training " << format_duration(rnn.seconds) << ", " << lstm.name
     << " training " << format_duration(lstm.seconds)
     << ", the rest validation, samples and gradient measurements"
     << (s.ngram_order > 0 ? ", and fitting the n-gram" : "")
     << "). What it shows is discussed in [docs/rnn-vs-lstm.md]"
     << "(../../docs/rnn-vs-lstm.md).\n\n";
  md << "## Configuration\n\n";
  md << "| | " << rnn.name << " | " << lstm.name << " |\n|---|---|---|\n";
  md << "| layers x hidden | " << s.layers << " x " << rnn_hidden << " | " << s.layers << " x "
     << s.hidden << " |\n";
  md << "| parameters | " << format_count(static_cast<double>(rnn.parameters())) << " | "
     << format_count(static_cast<double>(lstm.parameters())) << " |\n";
  md << "| training time | " << format_duration(rnn.seconds) << " | "
     << format_duration(lstm.seconds) << " |\n\n";
  md << "Both: the same " << end_step << " batches of " << s.batch << " streams x " << s.seq_len
     << " characters (truncated BPTT, state carried, each stream's state zeroed before a chunk "
        "with probability "
     << number(s.reset) << ", the same draws for both), Adam, learning rate " << number(s.lr)
     << " x " << number(s.lr_decay) << " every " << s.lr_decay_every << " steps, clip "
     << number(s.clip) << ", dropout " << number(s.dropout) << ", seed " << s.seed << ", "
     << s.threads << " threads"
     << (s.match_params ? ", the RNN widened to the LSTM's parameter "
                          "count (--match-params)"
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
  md << "## Validation loss\n\n";
  md << "| step | " << rnn.name << " | " << lstm.name << " | " << rnn.name << " seconds | "
     << lstm.name << " seconds |\n|---|---|---|---|---|\n";
  // What a model recorded at its validation of `step` (NaN when there was none).
  const auto at = [](const auto& c, const std::vector<double>& what, std::int64_t step) {
    for (std::size_t i = 0; i < c.val_step.size(); ++i)
      if (static_cast<std::int64_t>(c.val_step[i]) == step) return what[i];
    return static_cast<double>(NAN);
  };
  for (std::int64_t m : milestones)
    md << "| " << m << " | " << fixed(at(rnn, rnn.val_loss, m), 3) << " | "
       << fixed(at(lstm, lstm.val_loss, m), 3) << " | " << fixed(at(rnn, rnn.val_seconds, m), 1)
       << " | " << fixed(at(lstm, lstm.val_seconds, m), 1) << " |\n";
  md << "\n![Validation and training loss against steps and against seconds](loss.svg)\n\n";
  md << "## Gradient flow\n\n"
     << flow_text << " Measuring took " << format_duration(flow_seconds)
     << ".\n\n![Gradient norm against steps back in time](gradient-flow.svg)\n\n";
  md << "## Samples\n\n";
  md << "At each milestone both models write " << s.sample_length << " characters after "
     << describe_prime(s.prime) << ", with the same random draws (seed " << s.seed
     << ") at temperatures 0.5, 0.8 and 1.0. Lines longer than " << kFoldWidth
     << " characters are folded where ↩ stands.\n";
  for (std::size_t m = 0; m < milestones.size(); ++m) {
    const std::int64_t step = milestones[m];
    md << "\n### Step " << step << (m + 1 == milestones.size() ? " (the end)" : "") << ": "
       << rnn.name << " " << fixed(at(rnn, rnn.val_loss, step), 3) << ", " << lstm.name << " "
       << fixed(at(lstm, lstm.val_loss, step), 3) << "\n";
    for (int t = 0; t < kTemperatureCount; ++t) {
      md << "\n<table><tr><th>" << rnn.name << ", temperature " << number(kTemperatures[t])
         << "</th><th>" << lstm.name << ", temperature " << number(kTemperatures[t])
         << "</th></tr>\n<tr><td><pre>" << pre_text(rnn.samples[m][t]) << "</pre></td><td><pre>"
         << pre_text(lstm.samples[m][t]) << "</pre></td></tr></table>\n";
    }
  }
  write_text(dir + "/README.md", md.str());
  progress << "wrote " << dir << "/README.md, loss.svg, gradient-flow.svg and metrics.csv\n";
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
  const int rnn_hidden =
      s.match_params ? rnn_hidden_matching_lstm(V, s.hidden, s.layers) : s.hidden;
  // Both models live at once.
  check_memory_fits(
      training_memory_bytes(Rnn<float>::kGates, V, rnn_hidden, s.layers, s.batch, s.seq_len) +
      training_memory_bytes(Lstm<float>::kGates, V, s.hidden, s.layers, s.batch, s.seq_len));
  prepare_folder(s.out);
  set_thread_count(s.threads);

  Rnn<float>::Config rc;
  rc.vocab = V;
  rc.hidden = rnn_hidden;
  rc.layers = s.layers;
  Lstm<float>::Config lc;
  lc.vocab = V;
  lc.hidden = s.hidden;
  lc.layers = s.layers;
  Contender<Rnn<float>> rnn("RNN", rc, s);
  Contender<Lstm<float>> lstm("LSTM", lc, s);
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
  progress << "comparing rnn " << s.layers << "x" << rc.hidden << " ("
           << format_count(static_cast<double>(rnn.parameters())) << " parameters) and lstm "
           << s.layers << "x" << s.hidden << " ("
           << format_count(static_cast<double>(lstm.parameters())) << ") on " << s.file << ": "
           << format_count(static_cast<double>(corpus.train.size()))
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
  auto measure_flow = [&](auto& c, std::vector<double>& into) {
    if (lag < 1) return;
    const auto t0 = clock_type::now();
    into = gradient_flow(c.model, flow_text, lag, streams);
    flow_seconds += since(t0);
  };
  measure_flow(rnn, rnn.flow_init);
  measure_flow(lstm, lstm.flow_init);

  std::vector<std::int64_t> milestones;
  std::int64_t step = 0, chunk = 0;
  // Validation at `step` (once: the end may have been validated already), and at a milestone
  // the samples.
  auto checkpoint = [&](bool milestone) {
    const bool done = !rnn.val_step.empty() && rnn.val_step.back() == static_cast<double>(step);
    const double rv = done ? rnn.val_loss.back() : rnn.validate(step, val, s);
    const double lv = done ? lstm.val_loss.back() : lstm.validate(step, val, s);
    if (milestone) {
      milestones.push_back(step);
      rnn.sample(corpus.vocab, prime, s);
      lstm.sample(corpus.vocab, prime, s);
    }
    progress << "step " << step << ": validation loss rnn " << format_fixed(rv, 3) << ", lstm "
             << format_fixed(lv, 3) << " (training " << format_duration(rnn.seconds) << " + "
             << format_duration(lstm.seconds) << ", " << format_duration(since(start)) << " in all)"
             << (milestone ? ", samples taken" : "") << std::endl;
  };
  checkpoint(true);

  const std::int64_t cpe = batcher.chunks_per_epoch();
  const Layout rl = rnn.model.state_layout(s.batch), ll = lstm.model.state_layout(s.batch);
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
    // One draw per stream, applied to both models: they restart the same streams.
    streams_to_reset(chunk, cpe, s.batch, s.reset, data_rng, reset);
    zero_streams(rl, rnn.state.data(), reset);
    zero_streams(ll, lstm.state.data(), reset);
    const Batch batch = batcher.chunk(chunk, x, y);
    rnn.train(batch, step, s);
    lstm.train(batch, step, s);
    ++step;
    ++chunk;
    if (step % 10 == 0) {
      rnn.record_train(step);
      lstm.record_train(step);
    }
    const bool milestone = is_milestone(step);
    if (milestone || step % s.eval_every == 0) checkpoint(milestone);
  }
  if (milestones.back() != step) checkpoint(true);
  measure_flow(rnn, rnn.flow_trained);
  measure_flow(lstm, lstm.flow_trained);

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
        " text. At k = 1 and k = " + std::to_string(far) + ": " + rnn.name + " at initialisation " +
        at(rnn.flow_init, 1) + " and " + at(rnn.flow_init, far) + ", trained " +
        at(rnn.flow_trained, 1) + " and " + at(rnn.flow_trained, far) + "; " + lstm.name +
        " at initialisation " + at(lstm.flow_init, 1) + " and " + at(lstm.flow_init, far) +
        ", trained " + at(lstm.flow_trained, 1) + " and " + at(lstm.flow_trained, far) + ".";
  } else {
    flow_text_md = "Not measured: the text is too short.";
  }
  write_text_results(s, corpus, rnn, lstm, milestones, entropy, ngram_loss, since(start),
                     flow_seconds, why, flow_text_md, progress);
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
  const int V = MemoryTask::vocabulary().size();
  const int rnn_hidden =
      s.match_params ? rnn_hidden_matching_lstm(V, s.hidden, s.layers) : s.hidden;
  std::vector<MemoryResult> rnn, lstm;
  for (int gap : s.gaps) {
    MemorySettings mr = m;
    mr.hidden = rnn_hidden;
    rnn.push_back(train_memory<Rnn<float>>(gap, mr));
    lstm.push_back(train_memory<Lstm<float>>(gap, m));
    progress << "gap " << gap << ": accuracy rnn " << format_fixed(rnn.back().accuracy, 3)
             << ", lstm " << format_fixed(lstm.back().accuracy, 3) << " (chance "
             << format_fixed(1.0 / MemoryTask::kMarkers, 3) << "; training "
             << format_duration(rnn.back().seconds) << " + " << format_duration(lstm.back().seconds)
             << ")" << std::endl;
  }
  const double total = since(start);

  std::ostringstream csv;
  csv << "metric,model,step,seconds,lag,value\n";
  for (std::size_t g = 0; g < s.gaps.size(); ++g)
    for (int which = 0; which < 2; ++which) {
      const MemoryResult& r = which == 0 ? rnn[g] : lstm[g];
      const char* model = which == 0 ? "rnn" : "lstm";
      for (std::size_t i = 0; i < r.curve_steps.size(); ++i)
        csv << "accuracy_during_training," << model << "," << r.curve_steps[i] << ",," << s.gaps[g]
            << "," << format_fixed(r.curve_accuracy[i], 5) << "\n";
      csv << "test_accuracy," << model << "," << s.steps << "," << format_fixed(r.seconds, 3) << ","
          << s.gaps[g] << "," << format_fixed(r.accuracy, 5) << "\n";
      csv << "test_loss," << model << "," << s.steps << "," << format_fixed(r.seconds, 3) << ","
          << s.gaps[g] << "," << format_fixed(r.loss, 5) << "\n";
    }
  write_text(s.out + "/metrics.csv", csv.str());

  Panel final_panel, curves;
  final_panel.options.title = "Recall a marker seen k steps earlier";
  final_panel.options.x_label = "gap k (steps between the marker and the question)";
  final_panel.options.y_label = "accuracy on fresh sequences";
  final_panel.options.log_x = true;
  final_panel.options.references = {{1.0 / MemoryTask::kMarkers, "chance (1 in 8)"}};
  final_panel.options.y_include = {0, 1.05};  // lines at 1 stay clear of the frame
  Series rs, ls;
  rs.label = "RNN";
  rs.color = kRnnColor;
  ls.label = "LSTM";
  ls.color = kLstmColor;
  for (std::size_t g = 0; g < s.gaps.size(); ++g) {
    rs.x.push_back(s.gaps[g]);
    rs.y.push_back(rnn[g].accuracy);
    ls.x.push_back(s.gaps[g]);
    ls.y.push_back(lstm[g].accuracy);
  }
  final_panel.series = {rs, ls};
  curves.options.title = "Accuracy during training (256 fresh sequences)";
  curves.options.x_label = "step";
  curves.options.y_label = "accuracy";
  curves.options.height = 520;
  curves.options.references = final_panel.options.references;
  curves.options.y_include = final_panel.options.y_include;
  const char* const shades[] = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a",
                                "#66a61e", "#e6ab02", "#a6761d", "#666666"};
  for (std::size_t g = 0; g < s.gaps.size(); ++g)
    for (int which = 0; which < 2; ++which) {
      const MemoryResult& r = which == 0 ? rnn[g] : lstm[g];
      Series c;
      c.label = std::string(which == 0 ? "RNN" : "LSTM") + ", k = " + std::to_string(s.gaps[g]);
      c.color = shades[g % 8];
      c.dashed = which == 0;
      for (std::size_t i = 0; i < r.curve_steps.size(); ++i) {
        c.x.push_back(r.curve_steps[i]);
        c.y.push_back(r.curve_accuracy[i]);
      }
      curves.series.push_back(c);
    }
  write_svg(s.out + "/memory.svg", std::vector<Panel>{final_panel, curves});

  std::ostringstream md;
  md << "# RNN versus LSTM: remembering a character k steps back\n\n";
  md << "Written by `" << s.command << "` " << machine(s.threads) << " in "
     << format_duration(total)
     << ". What it shows is discussed in [docs/rnn-vs-lstm.md](../../docs/rnn-vs-lstm.md).\n\n";
  md << "Each sequence is a marker (one of `A`..`H`), k - 1 random filler characters (`a`..`p`) "
        "and the cue `?`; after the cue the model must name the marker. Only that prediction "
        "carries a loss. Local statistics are no help: the filler is random and every marker is "
        "equally likely, so a model that forgets scores 1 in 8.\n\n";
  md << "Both models: " << s.layers << (s.layers == 1 ? " layer" : " layers") << ", RNN hidden "
     << rnn_hidden << " (" << format_count(static_cast<double>(rnn.empty() ? 0 : rnn[0].parameters))
     << " parameters), LSTM hidden " << s.hidden << " ("
     << format_count(static_cast<double>(lstm.empty() ? 0 : lstm[0].parameters))
     << " parameters); for each gap a fresh model from seed " << s.seed << ", "
     << format_count(s.steps) << " steps of " << s.batch
     << " new random sequences (the same sequences for both models), Adam, learning rate "
     << number(s.lr) << ", clip " << number(s.clip) << ", " << s.threads
     << " threads. Accuracy: the most likely character after the cue, on 2,000 fresh "
        "sequences.\n\n";
  md << "| gap k | RNN accuracy | LSTM accuracy | RNN loss | LSTM loss | RNN training | LSTM "
        "training |\n|---|---|---|---|---|---|---|\n";
  for (std::size_t g = 0; g < s.gaps.size(); ++g)
    md << "| " << s.gaps[g] << " | " << format_fixed(rnn[g].accuracy, 3) << " | "
       << format_fixed(lstm[g].accuracy, 3) << " | " << format_fixed(rnn[g].loss, 3) << " | "
       << format_fixed(lstm[g].loss, 3) << " | " << format_duration(rnn[g].seconds) << " | "
       << format_duration(lstm[g].seconds) << " |\n";
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
              "Trains a vanilla RNN and an LSTM side by side and writes what they learned into\n"
              "a folder: README.md (samples of both at milestones, validation losses,\n"
              "configuration, time), loss.svg, gradient-flow.svg and metrics.csv.\n"
              "Both models get the same batches, seed, sizes and optimizer, one step each in\n"
              "turn. With --task memory, no FILE: both learn to recall a marker seen k steps\n"
              "earlier, for each gap k of --gaps, and the folder gets README.md, memory.svg and\n"
              "metrics.csv. See docs/rnn-vs-lstm.md.");
  a.add_positional("FILE", &s.file, "the training text (UTF-8); not with --task memory", false);
  a.add_string("task", &s.task, "what to compare on", {"text", "memory"});
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
             "widen the RNN to about the LSTM's number of parameters");
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
  add_setting_flag(a, "lowercase", &s.lowercase, "fold A-Z to a-z in the text and in --prime");
  add_setting_flag(
      a, "keep-crlf", &s.keep_crlf,
      "keep \\r\\n as two characters (default: read as \\n) in the text and in --prime");
  return a;
}

int compare_program(CompareFlags& f, const ArgParser& a, int argc, const char* const* argv) {
  CompareSettings& s = f.settings;
  s.gaps = parse_gaps(f.gaps);
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
  } else {
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
