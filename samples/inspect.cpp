#include "samples/inspect.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "gru/gru.h"
#include "lstm/lstm.h"
#include "ngram/kneser_ney.h"
#include "rnn/rnn.h"
#include "samples/inspect_report.h"
#include "train/checkpoint.h"
#include "train/data.h"
#include "train/model_io.h"
#include "train/text.h"
#include "util/files.h"
#include "util/progress.h"

namespace charnn {

// ---- The pieces ------------------------------------------------------------------------------

const UnitSeries& Recording::find(const std::string& kind, int layer) const {
  for (const UnitSeries& s : series)
    if (s.kind == kind && s.layer == layer) return s;
  throw std::invalid_argument("no series " + kind + " of layer " + std::to_string(layer));
}

double correlation(const std::vector<double>& x, const std::vector<double>& y, int begin, int end) {
  const double n = end - begin;
  if (n < 2) return 0;
  double mx = 0, my = 0;
  for (int t = begin; t < end; ++t) {
    mx += x[t];
    my += y[t];
  }
  mx /= n;
  my /= n;
  double sxy = 0, sxx = 0, syy = 0;
  for (int t = begin; t < end; ++t) {
    sxy += (x[t] - mx) * (y[t] - my);  // (N1) r = Σ (x - x̄)(y - ȳ) / √(Σ (x - x̄)² Σ (y - ȳ)²)
    sxx += (x[t] - mx) * (x[t] - mx);
    syy += (y[t] - my) * (y[t] - my);
  }
  if (sxx <= 1e-12 * n || syy <= 1e-12 * n) return 0;
  return sxy / std::sqrt(sxx * syy);
}

namespace {

// Whether v takes at least two values in [begin, end).
bool varies(const std::vector<double>& v, int begin, int end) {
  for (int t = begin + 1; t < end; ++t)
    if (v[t] != v[begin]) return true;
  return false;
}

}  // namespace

FeatureMatch find_unit(const Recording& rec, const std::vector<double>& feature,
                       const std::vector<std::string>& kinds, Rng& rng) {
  const int N = rec.steps, half = N / 2;
  FeatureMatch m;
  m.varies =
      static_cast<int>(feature.size()) == N && varies(feature, 0, half) && varies(feature, half, N);
  std::vector<UnitMatch> all;
  std::vector<double> x(N);
  for (const UnitSeries& s : rec.series) {
    if (std::find(kinds.begin(), kinds.end(), s.kind) == kinds.end()) continue;
    for (int j = 0; j < s.units; ++j) {
      for (int t = 0; t < N; ++t)
        x[t] = s.at(t, j);
      UnitMatch u{s.kind, s.layer, j, 0, 0};
      if (m.varies) {
        u.r_chosen = correlation(x, feature, 0, half);  // chosen on the first half
        u.r_held = correlation(x, feature, half, N);    // measured on the second
      }
      all.push_back(u);
    }
  }
  m.units_searched = static_cast<int>(all.size());
  if (all.empty()) return m;
  m.best = *std::max_element(all.begin(), all.end(), [](const UnitMatch& a, const UnitMatch& b) {
    return std::abs(a.r_chosen) < std::abs(b.r_chosen);
  });
  m.random = all[rng.below(static_cast<int>(all.size()))];
  std::vector<double> held;
  for (const UnitMatch& u : all)
    held.push_back(std::abs(u.r_held));
  std::nth_element(held.begin(), held.begin() + held.size() / 2, held.end());
  m.median_held = held[held.size() / 2];
  return m;
}

std::vector<Saturation> saturation(const Recording& rec) {
  std::vector<Saturation> out;
  for (const UnitSeries& s : rec.series) {
    const bool gate = s.kind == "f" || s.kind == "i" || s.kind == "o" ||  // LSTM
                      s.kind == "z" || s.kind == "r";                     // GRU
    const bool rnn_h = rec.model == "rnn" && s.kind == "h";
    if (!gate && !rnn_h) continue;
    Saturation sat{s.kind, s.layer, gate ? 0.1 : -0.9, 0.9, {}, {}};
    for (int j = 0; j < s.units; ++j) {
      int low = 0, high = 0;
      for (int t = 0; t < rec.steps; ++t) {
        low += s.at(t, j) < sat.low_threshold;    // (N2) the fraction of steps below 0.1 ...
        high += s.at(t, j) > sat.high_threshold;  // (N2) ... and above 0.9
      }
      sat.low.push_back(static_cast<double>(low) / rec.steps);
      sat.high.push_back(static_cast<double>(high) / rec.steps);
    }
    out.push_back(std::move(sat));
  }
  return out;
}

std::vector<double> ngram_losses(const KneserNey& model, const std::vector<int>& ids) {
  std::vector<double> out;
  for (std::size_t t = 0; t + 1 < ids.size(); ++t)
    out.push_back(-std::log(model.prob(ids.data(), static_cast<int>(t + 1), ids[t + 1])));
  return out;
}

// ---- The program -----------------------------------------------------------------------------

namespace {

template <class Net>
Recording load_and_record(const Checkpoint& ck, const std::string& path,
                          const std::vector<int>& ids) {
  LanguageModel<Net> model(config_from_checkpoint<Net>(ck, path));
  load_parameters(model, ck, path);
  return record(model, ids);
}

Recording record_checkpoint(const Checkpoint& ck, const std::string& path,
                            const std::vector<int>& ids) {
  if (ck.model == "lstm") return load_and_record<Lstm<float>>(ck, path, ids);
  if (ck.model == "rnn") return load_and_record<Rnn<float>>(ck, path, ids);
  if (ck.model == "gru") return load_and_record<Gru<float>>(ck, path, ids);
  throw CheckpointError(path + ": unknown model '" + ck.model + "'");
}

double checkpoint_fraction(const Checkpoint& ck, const std::string& path) {
  const std::string text = ck.setting("val-frac", path);
  std::size_t used = 0;
  double v = -1;
  try {
    v = std::stod(text, &used);
  } catch (const std::logic_error&) {
    used = 0;
  }
  if (used != text.size() || !(v >= 0 && v <= 0.9))
    throw CheckpointError(path + ": corrupt checkpoint (setting val-frac is '" + text + "')");
  return v;
}

}  // namespace

ArgParser inspect_flags(InspectSettings& st) {
  ArgParser args(
      "inspect", "CHECKPOINT FILE [options]",
      "Runs a trained model over the first --chars characters of the validation part of FILE\n"
      "(the text it was trained on: the split is the checkpoint's --val-frac) from a zero\n"
      "state, and writes OUT/index.html, one self-contained page: the units that follow a\n"
      "feature of the text (position in the line, inside a word, a speaker's name line, ...),\n"
      "the text coloured by any unit's value, how often each gate is saturated, and where the\n"
      "network predicts better or worse than a Kneser-Ney n-gram counted on the training part.\n"
      "With --compare, a second model of the same text (an RNN beside an LSTM, say) is shown\n"
      "beside the first. docs/inside.md explains every part.");
  args.add_positional("CHECKPOINT", &st.checkpoint, "a checkpoint file", true);
  args.add_positional("FILE", &st.file, "the text the model was trained on (UTF-8)", true);
  args.add_string("out", &st.out, "folder to write index.html into (created if missing)");
  args.add_string("compare", &st.compare, "a second checkpoint of the same text, shown beside");
  args.add_int("chars", &st.chars, "characters of the validation text to run over", 100, 1000000);
  args.add_int("shown", &st.shown, "characters the coloured texts show", 50, 100000);
  args.add_int("select-chars", &st.select_chars,
               "characters the selector of any unit colours (the page grows with it)", 20, 5000);
  args.add_int("ngram-order", &st.ngram_order, "order N of the Kneser-Ney n-gram", 1, 12);
  args.add_int("seed", &st.seed, "seed of the random units that set the floor", 0, 2147483647);
  return args;
}

int inspect_program(const InspectSettings& st) {
  std::vector<std::string> paths = {st.checkpoint};
  if (!st.compare.empty()) paths.push_back(st.compare);
  std::vector<Checkpoint> cks;
  for (const std::string& p : paths)
    cks.push_back(load_checkpoint(p));
  for (std::size_t k = 1; k < cks.size(); ++k) {
    if (cks[k].vocabulary != cks[0].vocabulary)
      throw CheckpointError(paths[k] + ": its vocabulary differs from " + paths[0] +
                            "'s, so the two models did not read the same text");
    if (codec_from_checkpoint(cks[k], paths[k]).lowercase() !=
        codec_from_checkpoint(cks[0], paths[0]).lowercase())
      throw CheckpointError(paths[k] + ": one model folds case (--lowercase) and the other not");
    if (codec_from_checkpoint(cks[k], paths[k]).keep_crlf() !=
        codec_from_checkpoint(cks[0], paths[0]).keep_crlf())
      throw CheckpointError(paths[k] + ": one model keeps Windows line endings (--keep-crlf) " +
                            "and the other not");
  }
  const TextCodec codec = codec_from_checkpoint(cks[0], paths[0]);
  const double val_frac = checkpoint_fraction(cks[0], paths[0]);
  const Corpus corpus = load_corpus(st.file, val_frac, codec);
  if (corpus.val.size() < 2)
    throw TextError(st.file + ": the validation part (the last " + format_fixed(val_frac, 2) +
                    " of the text) has fewer than 2 characters; there is nothing to inspect");
  const std::size_t n = std::min<std::size_t>(corpus.val.size(), st.chars + 1);
  const std::vector<int> ids(corpus.val.begin(), corpus.val.begin() + n);

  std::error_code ec;
  std::filesystem::create_directories(st.out, ec);
  if (ec || !std::filesystem::is_directory(st.out))
    throw std::runtime_error(st.out + ": cannot create the folder (" +
                             (ec ? ec.message() : std::string("not a directory")) + ")");

  ReportInput in;
  in.file = st.file;
  in.text = corpus.vocab.decode(ids);
  in.settings = st;
  for (std::size_t k = 0; k < cks.size(); ++k) {
    ReportModel m;
    m.path = paths[k];
    m.checkpoint = &cks[k];
    m.rec = record_checkpoint(cks[k], paths[k], ids);
    in.models.push_back(std::move(m));
  }
  KneserNey ngram(st.ngram_order, corpus.vocab.size());
  ngram.fit(corpus.train);
  in.ngram_loss = ngram_losses(ngram, ids);
  in.training_chars = corpus.train.size();

  const std::string path = st.out + "/index.html";
  const std::string html = render_report(in);
  const std::string error = write_file_atomically(path, html.data(), html.size());
  if (!error.empty()) throw std::runtime_error("cannot write " + path + ": " + error);
  std::cout << "wrote " << path << " (" << format_count(static_cast<double>(html.size()) / 1024)
            << " KB): " << in.models.size() << (in.models.size() == 1 ? " model" : " models")
            << " over " << format_count(static_cast<double>(n)) << " characters of " << st.file
            << "'s validation text\n";
  return 0;
}

}  // namespace charnn
