// ./inspect and its pieces: the text features on hand-made strings, a planted unit found first,
// gate saturation on a model with known gates, the report's sections, and bad input.
#include <cmath>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "core/language_model.h"
#include "gru/gru.h"
#include "lstm/lstm.h"
#include "rnn/rnn.h"
#include "samples/inspect.h"
#include "samples/text_features.h"
#include "tests/catch.hpp"
#include "tests/helpers.h"
#include "tests/programs.h"
#include "tests/xml.h"
#include "train/text.h"

using namespace charnn;
using charnn::testing::contains;
using charnn::testing::read_file;
using charnn::testing::run_program;
using charnn::testing::RunResult;
using charnn::testing::TempDir;

namespace {

std::vector<double> values_of(const std::u32string& text, const std::string& name) {
  return text_feature(text, name).values;
}

std::vector<double> ones_at(std::size_t n, std::vector<std::size_t> at) {
  std::vector<double> v(n, 0.0);
  for (std::size_t k : at)
    v[k] = 1;
  return v;
}

}  // namespace

TEST_CASE("text features follow hand-made strings character by character", "[inspect]") {
  // Positions: A0 B1 :2 ↵3 h4 i5 ␣6 (7 x8 )9 ↵10 ↵11 C12 D13 :14 ↵15 "16 q17 "18 ↵19
  const std::u32string t = U"AB:\nhi (x)\n\nCD:\n\"q\"\n";
  REQUIRE(t.size() == 20);
  CHECK(values_of(t, "line position") ==
        std::vector<double>{1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 0, 0, 1, 2, 3, 0, 1, 2, 3, 0});
  CHECK(values_of(t, "start of a line") == ones_at(20, {3, 10, 11, 15, 19}));
  // "AB:" opens the text and "CD:" follows an empty line: both are speaker's name lines,
  // their newlines included; "hi (x)" is not, nor is the line "q" (no colon).
  CHECK(values_of(t, "speaker's name line") == ones_at(20, {0, 1, 2, 3, 12, 13, 14, 15}));
  CHECK(values_of(t, "line in the stanza") ==
        std::vector<double>{0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1});
  CHECK(values_of(t, "inside a word") == ones_at(20, {0, 1, 4, 5, 8, 12, 13, 17}));
  CHECK(values_of(t, "position in the word") ==
        std::vector<double>{1, 2, 0, 0, 1, 2, 0, 0, 1, 0, 0, 0, 1, 2, 0, 0, 0, 1, 0, 0});
  CHECK(values_of(t, "after a vowel") == ones_at(20, {0, 5}));
  CHECK(values_of(t, "capital letter") == ones_at(20, {0, 1, 12, 13}));
  CHECK(values_of(t, "after a space") == ones_at(20, {6}));
  CHECK(values_of(t, "inside brackets") == ones_at(20, {7, 8}));
  CHECK(values_of(t, "inside quotes") == ones_at(20, {16, 17}));
  CHECK_THROWS_AS(text_feature(t, "no such feature"), std::invalid_argument);
}

TEST_CASE("correlation is 1 for a line, -1 for its mirror and 0 against a constant", "[inspect]") {
  const std::vector<double> x = {1, 2, 3, 4, 5}, y = {3, 5, 7, 9, 11}, z = {5, 4, 3, 2, 1},
                            c = {2, 2, 2, 2, 2};
  CHECK(correlation(x, y, 0, 5) == Approx(1));
  CHECK(correlation(x, z, 0, 5) == Approx(-1));
  CHECK(correlation(x, c, 0, 5) == 0);
  CHECK(correlation(x, y, 2, 3) == 0);  // one point: no correlation
}

TEST_CASE("a unit planted to copy a feature is the one found first, far above the floor",
          "[inspect]") {
  // A text of short lines; unit 3 of an RNN is wired to be +1 after a newline and -1 after any
  // other character (its input weight for '\n' +4, for the rest -4, no recurrence); the other
  // units get random weights.
  std::string s;
  Rng text_rng(3);
  while (s.size() < 2000)
    s += std::string("abcde fghij", 1 + text_rng.below(11)) + "\n";
  const std::u32string text(s.begin(), s.end());
  const Vocabulary vocab = Vocabulary::from_text(text);
  const std::vector<int> ids = vocab.encode(text, "test");
  Rnn<float>::Config cfg;
  cfg.vocab = vocab.size();
  cfg.hidden = 8;
  cfg.layers = 2;
  LanguageModel<Rnn<float>> model(cfg);
  Rng rng(5);
  for (float& p : model.params)
    p = static_cast<float>(rng.uniform(-0.5, 0.5));
  const Layout& layout = model.layout();
  Mat<float> W_xh = layout.view(model.params.data(), layout.find("l0.W_xh"));
  Mat<float> W_hh = layout.view(model.params.data(), layout.find("l0.W_hh"));
  Mat<float> b_h = layout.view(model.params.data(), layout.find("l0.b_h"));
  for (int v = 0; v < vocab.size(); ++v)
    W_xh(3, v) = vocab.symbol(v) == U'\n' ? 4.0f : -4.0f;
  for (int j = 0; j < cfg.hidden; ++j)
    W_hh(3, j) = 0;
  b_h(0, 3) = 0;

  const Recording rec = record(model, ids);
  REQUIRE(rec.steps == static_cast<int>(ids.size()) - 1);
  REQUIRE(rec.series.size() == 2);  // h of each layer
  CHECK(rec.find("h", 0).at(0, 3) == Approx(std::tanh(-4.0)).epsilon(1e-4));
  const std::vector<double> feature =
      text_feature(text.substr(0, rec.steps), "start of a line").values;
  Rng pick(1);
  const FeatureMatch m = find_unit(rec, feature, {"h"}, pick);
  REQUIRE(m.varies);
  CHECK(m.units_searched == 16);
  CHECK(m.best.kind == "h");
  CHECK(m.best.layer == 0);
  CHECK(m.best.unit == 3);
  CHECK(m.best.r_held > 0.999);
  CHECK(m.median_held < 0.9);
  // The loss of each step is -ln softmax of the logits at the next character.
  const CMat<float> y = model.logits(ids.data(), 1, rec.steps, std::vector<float>(16).data(),
                                     std::vector<float>(16).data());
  double sum = 0;
  for (int v = 0; v < y.cols; ++v)
    sum += std::exp(static_cast<double>(y(0, v)));
  CHECK(rec.loss[0] == Approx(std::log(sum) - y(0, ids[1])).epsilon(1e-5));
}

TEST_CASE("saturation counts a gate held open, one held closed and one half open", "[inspect]") {
  Lstm<float>::Config cfg;
  cfg.vocab = 4;
  cfg.hidden = 3;
  cfg.layers = 1;
  LanguageModel<Lstm<float>> model(cfg);
  std::fill(model.params.begin(), model.params.end(), 0.0f);
  const Layout& layout = model.layout();
  auto bias = [&](const char* name, float v) {
    Mat<float> b = layout.view(model.params.data(), layout.find(name));
    for (int j = 0; j < cfg.hidden; ++j)
      b(0, j) = v;
  };
  bias("l0.b_f", 10);   // f = σ(10) > 0.9 at every step
  bias("l0.b_i", -10);  // i = σ(-10) < 0.1
  bias("l0.b_o", 0);    // o = 0.5: neither
  const std::vector<int> ids = {0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 3};
  const Recording rec = record(model, ids);
  const std::vector<Saturation> sats = saturation(rec);
  REQUIRE(sats.size() == 3);  // f, i, o of the one layer; g is a tanh, not a gate
  for (const Saturation& s : sats) {
    INFO(s.kind);
    REQUIRE(s.low.size() == 3);
    for (int j = 0; j < 3; ++j) {
      CHECK(s.low[j] == (s.kind == "i" ? 1.0 : 0.0));
      CHECK(s.high[j] == (s.kind == "f" ? 1.0 : 0.0));
    }
  }
}

TEST_CASE("a GRU recording keeps h and the gates z, r, g, and saturation counts z and r",
          "[inspect]") {
  Gru<float>::Config cfg;
  cfg.vocab = 4;
  cfg.hidden = 3;
  cfg.layers = 2;
  LanguageModel<Gru<float>> model(cfg);
  std::fill(model.params.begin(), model.params.end(), 0.0f);
  const Layout& layout = model.layout();
  for (const char* name : {"l0.b_z", "l1.b_z"}) {  // z = σ(10): keeps h at every step
    Mat<float> b = layout.view(model.params.data(), layout.find(name));
    for (int j = 0; j < cfg.hidden; ++j)
      b(0, j) = 10;
  }
  const std::vector<int> ids = {0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 3};
  const Recording rec = record(model, ids);
  CHECK(rec.model == "gru");
  for (int l = 0; l < 2; ++l)
    for (const char* kind : {"h", "z", "r", "g"}) {
      INFO(kind << " of layer " << l);
      CHECK(rec.find(kind, l).values.size() == static_cast<std::size_t>(rec.steps) * 3);
    }
  const std::vector<Saturation> sats = saturation(rec);
  REQUIRE(sats.size() == 4);  // z and r of each layer
  for (const Saturation& s : sats) {
    INFO(s.kind << " of layer " << s.layer);
    for (int j = 0; j < 3; ++j)
      CHECK(s.high[j] == (s.kind == "z" ? 1.0 : 0.0));  // r = σ(0) = 0.5: neither
  }
}

TEST_CASE("inspect writes one page with every section, parsable, for an RNN beside an LSTM",
          "[inspect][programs]") {
  TempDir dir;
  const std::string d = dir.path.string();
  const std::string rnn = charnn::testing::trained_checkpoint(dir, "train_rnn", "rnn.ckpt");
  const std::string lstm = charnn::testing::trained_checkpoint(dir, "train_lstm", "lstm.ckpt");
  const RunResult r = run_program(d, "inspect",
                                  {lstm, dir.file("train.txt"), "--compare", rnn, "--out",
                                   dir.file("report"), "--chars", "300", "--ngram-order", "3"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(contains(r.out, "wrote " + dir.file("report") + "/index.html"));
  std::string html = charnn::testing::read_file(dir.file("report/index.html"));
  REQUIRE(html.rfind("<!DOCTYPE html>\n", 0) == 0);
  html = html.substr(html.find('\n') + 1);
  const charnn::testing::Element root = charnn::testing::parse_xml(html);
  CHECK(root.name == "html");
  for (const char* id : {"summary", "units", "any-unit", "saturation", "counting", "settings"}) {
    INFO(id);
    CHECK(contains(html, std::string("<section id=\"") + id + "\">"));
  }
  CHECK(contains(html, "LSTM"));
  CHECK(contains(html, "vanilla RNN"));
  CHECK(contains(html, "Kneser-Ney 3-gram"));
  CHECK(contains(html, "<svg"));
  CHECK_FALSE(contains(html, "http://www.w3.org/1999/xlink"));  // nothing fetched or linked
  CHECK_FALSE(contains(html, "src=\""));
  // Every id names one element: the script finds its controls by id.
  std::set<std::string> ids;
  const std::regex id_attribute("id=\"([^\"]+)\"");
  for (std::sregex_iterator it(html.begin(), html.end(), id_attribute), end; it != end; ++it) {
    INFO((*it)[1].str());
    CHECK(ids.insert((*it)[1].str()).second);
  }
  CHECK(ids.count("any-index"));
}

TEST_CASE("inspect refuses bad input with one clear line", "[inspect][programs]") {
  TempDir dir;
  const std::string d = dir.path.string();
  const std::string ck = charnn::testing::trained_checkpoint(dir, "train_rnn", "m.ckpt");
  const std::string text = dir.file("train.txt");

  RunResult r = run_program(d, "inspect", {dir.file("missing.ckpt"), text});
  CHECK(r.status != 0);
  CHECK(r.one_error_line());
  CHECK(contains(r.err, "missing.ckpt"));

  const std::string foreign = dir.write("foreign.txt", std::string(500, 'Q'));
  r = run_program(d, "inspect", {ck, foreign});
  CHECK(r.status != 0);
  CHECK(r.one_error_line());
  CHECK(contains(r.err, "not in the vocabulary"));

  // A second model trained on another alphabet.
  const std::string other_text = dir.write("other.txt", std::string(3000, 'x') + "yz\n");
  r = run_program(
      d, "train_rnn",
      charnn::testing::with({other_text, "--steps", "1", "--checkpoint", dir.file("other.ckpt")},
                            charnn::testing::kTiny));
  REQUIRE(r.status == 0);
  r = run_program(d, "inspect", {ck, text, "--compare", dir.file("other.ckpt")});
  CHECK(r.status != 0);
  CHECK(r.one_error_line());
  CHECK(contains(r.err, "vocabulary differs"));

  dir.write("file", "x");
  r = run_program(d, "inspect", {ck, text, "--out", dir.file("file/report")});
  CHECK(r.status != 0);
  CHECK(r.one_error_line());
  CHECK(contains(r.err, "cannot create the folder"));
}
