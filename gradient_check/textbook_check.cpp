#include "gradient_check/textbook_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <type_traits>

#include "core/language_model.h"
#include "gru/gru.h"
#include "gru/gru_textbook.h"
#include "lstm/lstm.h"
#include "lstm/lstm_textbook.h"
#include "rnn/rnn.h"
#include "rnn/rnn_textbook.h"

namespace charnn {

namespace {

using textbook::Matrix;
using textbook::Params;

// The largest difference seen so far of each quantity, in the order first seen.
class Differences {
 public:
  void add(const std::string& quantity, double fast, double textbook) {
    const double d = std::abs(fast - textbook) / std::max(1.0, std::abs(textbook));
    auto [it, fresh] = index_.emplace(quantity, rows_.size());
    if (fresh) rows_.push_back({quantity, 0.0});
    TwinDifference& row = rows_[it->second];
    row.difference = std::max(row.difference, std::isnan(d) ? INFINITY : d);
  }
  std::vector<TwinDifference> rows() const { return rows_; }

 private:
  std::map<std::string, std::size_t> index_;
  std::vector<TwinDifference> rows_;
};

template <class Net>
std::vector<TwinDifference> compare(const TwinCase& c) {
  constexpr bool kLstm = std::is_same_v<Net, Lstm<double>>;
  constexpr bool kGru = std::is_same_v<Net, Gru<double>>;
  const int B = c.batch, T = c.steps, H = c.hidden, L = c.layers;
  typename Net::Config cfg;
  cfg.vocab = c.vocab;
  cfg.hidden = H;
  cfg.layers = L;
  LanguageModel<Net> model(cfg);
  Rng rng(c.seed);
  for (double& p : model.params)  // every parameter random, biases too: none sits at zero
    p = rng.uniform(-0.6, 0.6);
  const Layout state = model.state_layout(B);
  std::vector<double> state_in(state.size(), 0.0), state_out(state.size()), dstate(state.size());
  if (c.carried_state)
    for (double& s : state_in)
      s = rng.uniform(-0.8, 0.8);
  std::vector<int> inputs(static_cast<std::size_t>(T) * B), targets(inputs.size());
  std::vector<unsigned char> resets(inputs.size(), 0);
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    inputs[k] = rng.below(c.vocab);
    targets[k] = rng.below(c.vocab);
  }
  if (c.resets)  // records start every third step, staggered by stream, step 0 included
    for (int t = 0; t < T; ++t)
      for (int b = 0; b < B; ++b)
        resets[static_cast<std::size_t>(t) * B + b] = (t + b) % 3 == 0 ? 1 : 0;
  const Batch batch{B, T, inputs.data(), targets.data(), c.resets ? resets.data() : nullptr};
  const double loss = model.loss_and_grad(batch, state_in.data(), state_out.data(), dstate.data());

  // The same parameters by name, biases as columns.
  Params P;
  for (const TensorInfo& t : model.layout().tensors()) {
    Matrix m = t.rows == 1 ? Matrix(t.cols, 1) : Matrix(t.rows, t.cols);
    std::copy_n(model.params.begin() + static_cast<std::ptrdiff_t>(t.offset), t.size(),
                m.a.begin());
    P[t.name] = m;
  }

  Differences diff;
  double textbook_loss = 0;
  Params textbook_d = textbook::zeros_like(P);
  const Net& net = model.net();
  auto layer = [](int l) { return "l" + std::to_string(l) + "."; };
  // Row b of the state tensor `name` (B,H), as a column.
  auto state_row = [&](const std::vector<double>& buffer, const std::string& name, int b) {
    Matrix m(H);
    const CMat<double> v = state.view(buffer.data(), state.find(name));
    std::copy_n(v.row(b), H, m.a.begin());
    return m;
  };
  auto compare_column = [&](const std::string& q, const double* fast, const Matrix& textbook,
                            double scale) {
    for (int j = 0; j < textbook.rows; ++j)
      diff.add(q, fast[j], scale * textbook(j, 0));
  };

  for (int b = 0; b < B; ++b) {  // the textbook model runs one stream at a time
    std::vector<int> ids(T), next(T);
    std::vector<unsigned char> starts(T);
    for (int t = 0; t < T; ++t) {
      ids[t] = inputs[t * B + b];
      next[t] = targets[t * B + b];
      starts[t] = resets[t * B + b];
    }
    std::vector<Matrix> h0, c0;
    for (int l = 0; l < L; ++l) {
      h0.push_back(state_row(state_in, layer(l) + "h0", b));
      if (kLstm) c0.push_back(state_row(state_in, layer(l) + "c0", b));
    }
    const auto r = [&] {
      if constexpr (kLstm)
        return textbook::lstm_loss_and_grad(P, L, ids, next, h0, c0, starts);
      else if constexpr (kGru)
        return textbook::gru_loss_and_grad(P, L, ids, next, h0, starts);
      else
        return textbook::rnn_loss_and_grad(P, L, ids, next, h0, starts);
    }();
    textbook_loss += r.loss / B;
    for (const auto& [name, g] : r.d)
      textbook_d[name] += (1.0 / B) * g;
    for (int l = 0; l < L; ++l) {
      for (int t = 0; t < T; ++t) {
        const int row = t * B + b;
        compare_column(layer(l) + "h_t", net.output_of(l).row(row), r.steps[l][t].h, 1);
        if constexpr (kLstm) {
          const auto& s = r.steps[l][t];
          compare_column(layer(l) + "c_t", net.cells(l).row(row), s.c, 1);
          const Matrix* gates[] = {&s.f, &s.i, &s.g, &s.o};  // the order of Lstm::Gate
          for (int k = 0; k < 4; ++k)
            compare_column(layer(l) + "gates", net.gates(l).row(row) + k * H, *gates[k], 1);
        }
        if constexpr (kGru) {
          const auto& s = r.steps[l][t];
          const Matrix* gates[] = {&s.z, &s.r, &s.g};  // the order of Gru::Gate
          for (int k = 0; k < 3; ++k)
            compare_column(layer(l) + "gates", net.gates(l).row(row) + k * H, *gates[k], 1);
        }
      }
      compare_column(layer(l) + "h0 out",
                     state.view(state_out.data(), state.find(layer(l) + "h0")).row(b),
                     r.steps[l][T - 1].h, 1);
      compare_column("d " + layer(l) + "h0",
                     state.view(dstate.data(), state.find(layer(l) + "h0")).row(b), r.dh0[l],
                     1.0 / B);
      if constexpr (kLstm) {
        compare_column(layer(l) + "c0 out",
                       state.view(state_out.data(), state.find(layer(l) + "c0")).row(b),
                       r.steps[l][T - 1].c, 1);
        compare_column("d " + layer(l) + "c0",
                       state.view(dstate.data(), state.find(layer(l) + "c0")).row(b), r.dc0[l],
                       1.0 / B);
      }
    }
  }
  diff.add("loss", loss, textbook_loss);
  for (const TensorInfo& t : model.layout().tensors()) {
    const Matrix& g = textbook_d.at(t.name);
    for (std::size_t k = 0; k < t.size(); ++k)
      diff.add("d " + t.name, model.grads[t.offset + k], g.a[k]);
  }
  return diff.rows();
}

}  // namespace

std::vector<TwinDifference> compare_with_textbook(const TwinCase& c) {
  if (c.model == "rnn") return compare<Rnn<double>>(c);
  if (c.model == "lstm") return compare<Lstm<double>>(c);
  if (c.model == "gru") return compare<Gru<double>>(c);
  throw std::invalid_argument("compare_with_textbook: unknown model " + c.model);
}

std::vector<TwinCase> textbook_cases() {
  std::vector<TwinCase> cases;
  std::uint64_t seed = 1;
  for (const char* model : {"rnn", "lstm", "gru"})
    for (int layers : {1, 2, 3})
      for (int batch : {1, 3})
        for (int steps : {1, 7})
          for (bool carried : {false, true}) {
            TwinCase c;
            c.model = model;
            c.layers = layers;
            c.batch = batch;
            c.steps = steps;
            c.carried_state = carried;
            c.seed = seed++;
            cases.push_back(c);
          }
  for (const char* model : {"rnn", "lstm", "gru"})
    for (int layers : {1, 2, 3})
      for (int batch : {1, 3}) {
        TwinCase c;
        c.model = model;
        c.layers = layers;
        c.batch = batch;
        c.steps = 7;
        c.carried_state = true;
        c.resets = true;
        c.seed = seed++;
        cases.push_back(c);
      }
  return cases;
}

int textbook_program(const std::string& model, double tolerance) {
  std::printf("%-5s %2s %2s %2s  %-7s %-6s %9s %11s  %-14s %s\n", "model", "L", "B", "T", "state",
              "resets", "compared", "max diff", "worst", "result");
  int failed = 0, cases = 0;
  for (const TwinCase& c : textbook_cases()) {
    if (model != "all" && c.model != model) continue;
    const std::vector<TwinDifference> rows = compare_with_textbook(c);
    const TwinDifference worst = *std::max_element(
        rows.begin(), rows.end(), [](const TwinDifference& a, const TwinDifference& b) {
          return a.difference < b.difference;
        });
    const bool pass = worst.difference <= tolerance;
    std::printf("%-5s %2d %2d %2d  %-7s %-6s %9zu %11.2e  %-14s %s\n", c.model.c_str(), c.layers,
                c.batch, c.steps, c.carried_state ? "carried" : "zero", c.resets ? "yes" : "no",
                rows.size(), worst.difference, worst.quantity.c_str(), pass ? "PASS" : "FAIL");
    failed += pass ? 0 : 1;
    ++cases;
  }
  std::printf(
      "gradcheck --textbook: %d of %d cases agree to %g (loss, states, gates, every gradient;\n"
      "double precision; the fast models against rnn/rnn_textbook.h, lstm/lstm_textbook.h and\n"
      "gru/gru_textbook.h)\n",
      cases - failed, cases, tolerance);
  return failed == 0 ? 0 : 1;
}

}  // namespace charnn
