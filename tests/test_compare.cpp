// ./compare's machinery: the last-step loss and its gradient (finite differences), gradient
// flow, parameter counts, the memory task, and whole comparisons run into a folder whose files
// are then read back (SVG parsed as XML, README tables, CSV rows).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "core/fast/parallel.h"
#include "gru/gru.h"
#include "lstm/lstm.h"
#include "ngram/kneser_ney.h"
#include "rnn/rnn.h"
#include "samples/compare.h"
#include "samples/memory_task.h"
#include "tests/catch.hpp"
#include "tests/helpers.h"
#include "tests/xml.h"
#include "train/data.h"
#include "util/progress.h"

using namespace charnn;
using namespace charnn::testing;

namespace {

template <class Net>
LanguageModel<Net> small_model(int V, int H, int L, std::uint64_t seed) {
  typename Net::Config cfg;
  cfg.vocab = V;
  cfg.hidden = H;
  cfg.layers = L;
  LanguageModel<Net> model(cfg);
  Rng rng(seed);
  model.init(rng);
  for (auto& p : model.params)
    p += static_cast<typename Net::Scalar>(rng.uniform(-0.3, 0.3));  // away from the init
  return model;
}

// -log p(target) of the last step, from logits(): the definition last_step_loss_and_grad must
// agree with.
template <class Model>
double last_step_loss(Model& model, const Batch& batch, const std::vector<double>& state) {
  std::vector<double> out(state.size());
  CMat<double> y = model.logits(batch.inputs, batch.B, batch.T, state.data(), out.data());
  double L = 0;
  for (int b = 0; b < batch.B; ++b) {
    const int r = (batch.T - 1) * batch.B + b;
    double top = y(r, 0);
    for (int v = 1; v < y.cols; ++v)
      top = std::max(top, y(r, v));
    double sum = 0;
    for (int v = 0; v < y.cols; ++v)
      sum += std::exp(y(r, v) - top);
    L += std::log(sum) + top - y(r, batch.targets[r]);
  }
  return L / batch.B;
}

template <class Net>
void check_last_step_gradient() {
  const int V = 6, H = 5, layers = 2, B = 3, T = 4;
  LanguageModel<Net> model = small_model<Net>(V, H, layers, 7);
  Rng rng(11);
  std::vector<int> x(B * T), y(B * T);
  for (int k = 0; k < B * T; ++k) {
    x[k] = rng.below(V);
    y[k] = rng.below(V);
  }
  const Batch batch{B, T, x.data(), y.data()};
  std::vector<double> state(model.state_layout(B).size()), out(state.size()), dstate(state.size());
  for (double& s : state)
    s = rng.uniform(-0.5, 0.5);

  const double L = model.last_step_loss_and_grad(batch, state.data(), out.data(), dstate.data());
  CHECK(L == Approx(last_step_loss(model, batch, state)).epsilon(1e-12));
  const std::vector<double> grads = model.grads;

  const double eps = 1e-6;
  for (std::size_t k = 0; k < state.size(); k += 3) {
    std::vector<double> plus = state, minus = state;
    plus[k] += eps;
    minus[k] -= eps;
    const double numeric =
        (last_step_loss(model, batch, plus) - last_step_loss(model, batch, minus)) / (2 * eps);
    CHECK(dstate[k] == Approx(numeric).margin(1e-8).epsilon(1e-5));
  }
  for (std::size_t k = 0; k < model.params.size(); k += 7) {
    const double saved = model.params[k];
    model.params[k] = saved + eps;
    const double up = last_step_loss(model, batch, state);
    model.params[k] = saved - eps;
    const double down = last_step_loss(model, batch, state);
    model.params[k] = saved;
    CHECK(grads[k] == Approx((up - down) / (2 * eps)).margin(1e-8).epsilon(1e-5));
  }
}

// The message of what f throws; "" when it throws nothing.
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

std::string cheap_text() {
  // A text with structure at several ranges: words, and a line number that counts.
  std::string text;
  for (int i = 0; i < 400; ++i)
    text += "line " + std::to_string(i % 10) + ": the cat sat on the mat.\n";
  return text;
}

CompareSettings tiny_settings(const std::string& file, const std::string& out) {
  CompareSettings s;
  s.file = file;
  s.out = out;
  s.command = "./compare tiny.txt --steps 30";
  s.steps = 30;
  s.hidden = 8;
  s.layers = 1;
  s.seq_len = 20;
  s.batch = 4;
  s.eval_every = 10;
  s.sample_length = 200;
  s.max_lag = 12;
  s.threads = 1;
  s.dropout = 0;
  return s;
}

}  // namespace

TEST_CASE("the last step's loss and its gradient match finite differences", "[compare]") {
  check_last_step_gradient<Rnn<double>>();
  check_last_step_gradient<Lstm<double>>();
  check_last_step_gradient<Gru<double>>();
}

TEST_CASE("gradient flow: one value per lag, positive, and the RNN's dies away", "[compare]") {
  std::vector<int> text;
  Rng rng(3);
  for (int k = 0; k < 400; ++k)
    text.push_back(rng.below(6));
  auto rnn = small_model<Rnn<double>>(6, 8, 1, 5);
  const std::vector<double> flow = gradient_flow(rnn, text, 40, 4);
  REQUIRE(flow.size() == 40);
  for (double f : flow) {
    CHECK(std::isfinite(f));
    CHECK(f > 0);
  }
  CHECK(flow[39] < 1e-2 * flow[0]);
  CHECK(gradient_flow(rnn, text, 40, 4) == flow);  // deterministic

  auto lstm = small_model<Lstm<double>>(6, 8, 2, 5);
  const std::vector<double> lf = gradient_flow(lstm, text, 20, 3);
  REQUIRE(lf.size() == 20);
  CHECK(lf[0] > 0);
  CHECK_THROWS(gradient_flow(lstm, std::vector<int>(60, 1), 20, 3));  // too short
}

TEST_CASE("parameter counts are the models' own, and --match-params picks the closest width",
          "[compare]") {
  for (int L : {1, 2, 3}) {
    CHECK(parameter_count("rnn", 65, 37, L) ==
          static_cast<std::int64_t>(small_model<Rnn<float>>(65, 37, L, 1).params.size()));
    CHECK(parameter_count("lstm", 65, 37, L) ==
          static_cast<std::int64_t>(small_model<Lstm<float>>(65, 37, L, 1).params.size()));
    CHECK(parameter_count("gru", 65, 37, L) ==
          static_cast<std::int64_t>(small_model<Gru<float>>(65, 37, L, 1).params.size()));
    const std::int64_t target = parameter_count("lstm", 65, 256, L);
    for (const char* model : {"rnn", "gru"}) {
      INFO(model << " L=" << L);
      const int H = hidden_matching_lstm(model, 65, 256, L);
      for (int other : {H - 1, H + 1})
        CHECK(std::llabs(parameter_count(model, 65, H, L) - target) <=
              std::llabs(parameter_count(model, 65, other, L) - target));
      CHECK(H > 256);
    }
    CHECK(hidden_matching_lstm("lstm", 65, 256, L) == 256);
  }
}

TEST_CASE("unigram entropy", "[compare]") {
  CHECK(unigram_entropy({0, 1, 2, 3, 0, 1, 2, 3}, 4) == Approx(std::log(4.0)));
  CHECK(unigram_entropy({2, 2, 2}, 5) == 0);
  CHECK(unigram_entropy({0, 0, 0, 1}, 2) ==
        Approx(-(0.75 * std::log(0.75) + 0.25 * std::log(0.25))));
}

TEST_CASE("memory task sequences: marker, filler, cue, and the marker as the last target",
          "[compare]") {
  const Vocabulary vocab = MemoryTask::vocabulary();
  REQUIRE(vocab.size() == 1 + MemoryTask::kMarkers + MemoryTask::kFillers);
  Rng rng(1);
  std::vector<int> x, y, marker;
  const int gap = 7, B = 50;
  MemoryTask::make_batch(gap, B, rng, x, y, marker);
  REQUIRE(x.size() == static_cast<std::size_t>((gap + 1) * B));
  std::vector<int> seen(MemoryTask::kMarkers + 1, 0);
  for (int b = 0; b < B; ++b) {
    const char32_t m = vocab.symbol(x[b]);
    CHECK((m >= U'A' && m <= U'H'));
    CHECK(x[b] == marker[b]);
    ++seen[marker[b]];
    for (int t = 1; t < gap; ++t) {
      const char32_t f = vocab.symbol(x[t * B + b]);
      CHECK((f >= U'a' && f <= U'p'));
      CHECK(y[(t - 1) * B + b] == x[t * B + b]);
    }
    CHECK(vocab.symbol(x[gap * B + b]) == U'?');
    CHECK(y[gap * B + b] == marker[b]);
  }
  int kinds = 0;
  for (int c : seen)
    kinds += c > 0;
  CHECK(kinds >= 6);  // 50 draws of 8 markers
}

TEST_CASE("an LSTM learns the memory task at a short gap, an untrained one is at chance",
          "[compare]") {
  set_thread_count(1);
  MemorySettings s;
  s.hidden = 16;
  s.steps = 300;
  s.eval_every = 100;
  s.test_sequences = 500;
  const MemoryResult trained = train_memory<Lstm<float>>(3, s);
  CHECK(trained.accuracy > 0.9);
  CHECK(trained.curve_steps == std::vector<int>{100, 200, 300});
  s.steps = 1;
  const MemoryResult untrained = train_memory<Lstm<float>>(3, s);
  CHECK(untrained.accuracy < 0.3);
  CHECK(untrained.loss > 1.8);  // near ln 8 = 2.08
}

TEST_CASE("a text comparison writes its gallery, plots and metrics", "[compare]") {
  TempDir dir;
  const std::string file = (dir.path / "tiny.txt").string();
  {
    std::ofstream out(file, std::ios::binary);
    out << cheap_text();
  }
  const std::string out = (dir.path / "result").string();
  std::ostringstream progress;
  run_comparison(tiny_settings(file, out), progress);
  CHECK(progress.str().find("step 30: validation loss rnn") != std::string::npos);

  for (const char* svg : {"loss.svg", "gradient-flow.svg"}) {
    INFO(svg);
    const Element root = parse_xml(testing::read_file(out + "/" + svg));
    CHECK(root.name == "svg");
    CHECK(!all(root, "polyline").empty());
  }
  // loss.svg holds two plots, against steps and against seconds; each has 2 lines per model.
  const Element loss = parse_xml(testing::read_file(out + "/loss.svg"));
  CHECK(loss.children.size() == 3);  // the background and two panels
  CHECK(all(loss, "polyline").size() == 12);
  CHECK(all(parse_xml(testing::read_file(out + "/gradient-flow.svg")), "polyline").size() == 6);

  const std::string md = testing::read_file(out + "/README.md");
  for (const char* heading : {"### Step 0:", "### Step 30 (the end):", "## Validation loss",
                              "![Validation and training loss", "(gradient-flow.svg)"}) {
    INFO(heading);
    CHECK(md.find(heading) != std::string::npos);
  }
  // 2 milestones x 3 temperatures, and no blank line inside a table (it would end the HTML
  // block in Markdown).
  std::size_t tables = 0, at = 0;
  while ((at = md.find("<table>", at)) != std::string::npos) {
    const std::size_t end = md.find("</table>", at);
    REQUIRE(end != std::string::npos);
    CHECK(md.substr(at, end - at).find("\n\n") == std::string::npos);
    ++tables;
    at = end;
  }
  CHECK(tables == 6);
  // Sample lines are folded at 64 characters, the fold marked with ↩ (3 bytes in UTF-8).
  at = 0;
  while ((at = md.find("<pre>", at)) != std::string::npos) {
    const std::size_t end = md.find("</pre>", at);
    std::string sample = md.substr(at + 5, end - at - 5);
    for (const auto& [entity, plain] : {std::pair<std::string, std::string>{"&#10;", "\n"},
                                        {"&amp;", "&"},
                                        {"&lt;", "<"},
                                        {"&gt;", ">"}})
      for (std::size_t k; (k = sample.find(entity)) != std::string::npos;)
        sample.replace(k, entity.size(), plain);
    std::istringstream lines(sample);
    for (std::string line; std::getline(lines, line);) {
      const bool folded = line.size() >= 3 && line.compare(line.size() - 3, 3, "\u21a9") == 0;
      CHECK(line.size() <= (folded ? 64u + 3u : 64u));
      if (folded) CHECK(line.size() == 64u + 3u);
    }
    at = end;
  }

  const std::string csv = testing::read_file(out + "/metrics.csv");
  CHECK(csv.rfind("metric,model,step,seconds,lag,value\n", 0) == 0);
  for (const char* row :
       {"val_loss,rnn,0,", "val_loss,lstm,30,", "val_loss,gru,30,", "train_loss_smoothed,rnn,30,",
        "train_loss_smoothed,gru,30,", "grad_norm,rnn,0,,1,", "grad_norm,lstm,30,,12,",
        "grad_norm,gru,30,,12,"}) {
    INFO(row);
    CHECK(csv.find(row) != std::string::npos);
  }
  CHECK(csv.find("grad_norm,lstm,30,,13,") == std::string::npos);
  // Step 30 is both an evaluation (every 10) and the end: validated once.
  CHECK(csv.find("val_loss,rnn,30,") == csv.rfind("val_loss,rnn,30,"));
}

namespace {

// The labels of the reference lines of every panel of a loss plot.
std::vector<std::string> reference_labels(const Element& svg) {
  std::vector<std::string> labels;
  for (const Element* g : all(svg, "g"))
    if (g->attributes.count("class") && g->attributes.at("class") == "references")
      for (const Element* text : all(*g, "text"))
        labels.push_back(text->text);
  return labels;
}

}  // namespace

TEST_CASE("the loss plot draws the Kneser-Ney n-gram's validation loss, unless --ngram-order is 0",
          "[compare]") {
  TempDir dir;
  const std::string file = (dir.path / "tiny.txt").string();
  {
    std::ofstream out(file, std::ios::binary);
    out << cheap_text();
  }
  CompareSettings s = tiny_settings(file, (dir.path / "with").string());
  s.steps = 2;
  s.ngram_order = 5;
  std::ostringstream progress;
  run_comparison(s, progress);
  // The n-gram fitted on the training split, scored on the windows the networks are scored on.
  const Corpus corpus =
      load_corpus(file, s.val_frac, TextCodec(Vocabulary(), s.lowercase, s.keep_crlf));
  KneserNey ngram(5, corpus.vocab.size());
  ngram.fit(corpus.train);
  const std::vector<int> val(
      corpus.val.begin(),
      corpus.val.begin() +
          std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(corpus.val.size()), s.val_chars));
  const double loss = ngram_window_loss(ngram, val, s.seq_len);
  const std::vector<std::string> labels =
      reference_labels(parse_xml(testing::read_file(s.out + "/loss.svg")));
  const std::string line = "Kneser-Ney 5-gram " + format_fixed(loss, 2);
  CHECK(std::count(labels.begin(), labels.end(), line) == 2);  // in both panels
  CHECK(labels.size() == 4);                                   // with the unigram entropy's
  const std::string md = testing::read_file(s.out + "/README.md");
  CHECK(md.find("The interpolated Kneser-Ney 5-gram of the training text") != std::string::npos);
  CHECK(md.find("scores " + format_fixed(loss, 3) + " on the same validation windows") !=
        std::string::npos);

  s.out = (dir.path / "without").string();
  s.ngram_order = 0;
  run_comparison(s, progress);
  CHECK(reference_labels(parse_xml(testing::read_file(s.out + "/loss.svg"))).size() == 2);
  CHECK(testing::read_file(s.out + "/README.md").find("Kneser-Ney") == std::string::npos);
}

TEST_CASE("a comparison with the same settings draws the same samples", "[compare]") {
  TempDir dir;
  const std::string file = (dir.path / "tiny.txt").string();
  {
    std::ofstream out(file, std::ios::binary);
    out << cheap_text();
  }
  std::ostringstream progress;
  CompareSettings s = tiny_settings(file, (dir.path / "a").string());
  s.steps = 10;
  run_comparison(s, progress);
  s.out = (dir.path / "b").string();
  run_comparison(s, progress);
  const std::string a = testing::read_file((dir.path / "a" / "README.md").string());
  const std::string b = testing::read_file((dir.path / "b" / "README.md").string());
  auto samples = [](const std::string& md) { return md.substr(md.find("## Samples")); };
  CHECK(samples(a) == samples(b));
}

TEST_CASE("a comparison of two chosen cells has their columns only, in the order given",
          "[compare]") {
  TempDir dir;
  const std::string file = (dir.path / "tiny.txt").string();
  {
    std::ofstream out(file, std::ios::binary);
    out << cheap_text();
  }
  CompareSettings s = tiny_settings(file, (dir.path / "two").string());
  s.models = {"gru", "rnn"};
  std::ostringstream progress;
  run_comparison(s, progress);
  const std::string md = testing::read_file(s.out + "/README.md");
  CHECK(md.rfind("# GRU versus RNN on tiny\n", 0) == 0);
  CHECK(md.find("<th>GRU, temperature 0.5</th><th>RNN, temperature 0.5</th></tr>") !=
        std::string::npos);
  CHECK(md.find("LSTM") == std::string::npos);
  const std::string csv = testing::read_file(s.out + "/metrics.csv");
  CHECK(csv.find(",lstm,") == std::string::npos);
  CHECK(csv.find("val_loss,gru,30,") != std::string::npos);
  CHECK(all(parse_xml(testing::read_file(s.out + "/loss.svg")), "polyline").size() == 8);
}

TEST_CASE("the memory task's keep-gate init: its own, a given bias, or chrono", "[compare]") {
  MemorySettings s;
  Rng rng(4);
  LanguageModel<Lstm<float>> lstm({25, 6, 2});
  Rng init(1);
  lstm.init(init);
  const std::vector<float> own = lstm.params;
  set_keep_gate_bias(lstm.params.data(), lstm.layout(), s, rng);  // NaN: the model's own
  CHECK(lstm.params == own);
  s.forget_bias = 3;
  set_keep_gate_bias(lstm.params.data(), lstm.layout(), s, rng);
  for (const char* name : {"l0.b_f", "l1.b_f"}) {
    const CMat<float> b =
        lstm.layout().view<const float>(lstm.params.data(), lstm.layout().find(name));
    for (int c = 0; c < b.cols; ++c)
      CHECK(b(0, c) == 3.0f);
  }
  s.chrono = 200;
  set_keep_gate_bias(lstm.params.data(), lstm.layout(), s, rng);
  for (const char* layer : {"l0.", "l1."}) {
    const Layout& L = lstm.layout();
    const CMat<float> b_f =
        L.view<const float>(lstm.params.data(), L.find(layer + std::string("b_f")));
    const CMat<float> b_i =
        L.view<const float>(lstm.params.data(), L.find(layer + std::string("b_i")));
    for (int c = 0; c < b_f.cols; ++c) {
      CHECK(b_f(0, c) >= 0.0f);                                 // log 1
      CHECK(b_f(0, c) <= static_cast<float>(std::log(199.0)));  // log (T_max - 1)
      CHECK(b_i(0, c) == -b_f(0, c));
    }
  }
  LanguageModel<Gru<float>> gru({25, 6, 1});
  set_keep_gate_bias(gru.params.data(), gru.layout(), s, rng);
  const CMat<float> b_z =
      gru.layout().view<const float>(gru.params.data(), gru.layout().find("l0.b_z"));
  for (int c = 0; c < b_z.cols; ++c)
    CHECK(b_z(0, c) >= 0.0f);
  CHECK(b_z(0, 0) != b_z(0, 1));  // drawn per unit
}

TEST_CASE("the memory task's curriculum draws gaps up to a limit that rises to the target",
          "[compare]") {
  Rng rng(6);
  int longest_late = 0;
  for (int step = 0; step < 1000; ++step) {
    CHECK(curriculum_gap(100, step, 1000, false, rng) == 100);
    const int g = curriculum_gap(100, step, 1000, true, rng);
    INFO("step " << step);
    CHECK(g >= 1);
    CHECK(g <= std::min(100, 1 + 99 * step / 500));
    if (step >= 500) longest_late = std::max(longest_late, g);
  }
  CHECK(longest_late == 100);  // the target itself is drawn in the second half
}

TEST_CASE("the memory comparison writes its table and plot", "[compare]") {
  TempDir dir;
  CompareSettings s;
  s.task = "memory";
  s.out = (dir.path / "memory").string();
  s.command = "./compare --task memory --steps 20";
  s.steps = 20;
  s.hidden = 8;
  s.layers = 1;
  s.eval_every = 10;
  s.threads = 1;
  s.gaps = {2, 4};
  std::ostringstream progress;
  run_comparison(s, progress);
  const Element root = parse_xml(testing::read_file(s.out + "/memory.svg"));
  CHECK(all(root, "polyline").size() == 3 + 6);  // accuracy against gap; 3 x 2 training curves
  const std::string md = testing::read_file(s.out + "/README.md");
  CHECK(md.find("| 2 | ") != std::string::npos);
  CHECK(md.find("| 4 | ") != std::string::npos);
  const std::string csv = testing::read_file(s.out + "/metrics.csv");
  CHECK(csv.find("test_accuracy,lstm,20,") != std::string::npos);
  CHECK(csv.find("accuracy_during_training,rnn,10,,4,") != std::string::npos);
  CHECK(csv.find("test_accuracy,gru,20,") != std::string::npos);
}

TEST_CASE("a comparison refuses a missing text and an output folder it cannot make", "[compare]") {
  TempDir dir;
  std::ostringstream progress;
  CompareSettings s = tiny_settings((dir.path / "missing.txt").string(), dir.path.string());
  CHECK(error_of([&] { run_comparison(s, progress); }) == s.file + ": no such file");

  const std::string file = (dir.path / "tiny.txt").string();
  {
    std::ofstream out(file, std::ios::binary);
    out << cheap_text();
  }
  s = tiny_settings(file, file + "/inside-a-file");
  CHECK(error_of([&] { run_comparison(s, progress); }).rfind("cannot create the folder", 0) == 0);
  CHECK(testing::read_file(file) == cheap_text());
}
