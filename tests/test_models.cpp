// Behaviour of the models beyond their gradients: batching, carried state, learning,
// initialisation, parameter layout, precision.
#include <cmath>
#include <string>
#include <vector>

#include "core/fast/parallel.h"
#include "gru/gru.h"
#include "lstm/lstm.h"
#include "lstm/lstm_variants.h"
#include "rnn/rnn.h"
#include "tests/catch.hpp"
#include "tests/helpers.h"

using namespace charnn;
using charnn::testing::random_model;
using charnn::testing::random_vector;
using charnn::testing::RandomBatch;

TEMPLATE_TEST_CASE("a batch of B sequences equals B runs of one sequence", "[model]", Rnn<double>,
                   Lstm<double>, Gru<double>) {
  const int V = 6, H = 4, L = 2, B = 4, T = 5;
  Rng rng(7);
  auto model = random_model<TestType>(V, H, L, rng);
  RandomBatch data(B, T, V, rng);
  const Layout state = model.state_layout(B);
  auto state_in = random_vector<double>(state.size(), rng);
  std::vector<double> state_out(state.size()), dstate(state.size());

  const double loss =
      model.loss_and_grad(data.batch, state_in.data(), state_out.data(), dstate.data());
  const std::vector<double> grads = model.grads;

  // The batch loss is the mean over B*T predictions, so it is the mean of the B sequences'
  // own losses, and its gradient the mean of their gradients.
  double loss_sum = 0;
  std::vector<double> grads_sum(grads.size(), 0.0);
  const Layout one = model.state_layout(1);
  for (int b = 0; b < B; ++b) {
    std::vector<int> x(T), y(T);
    for (int t = 0; t < T; ++t) {
      x[t] = data.inputs[t * B + b];
      y[t] = data.targets[t * B + b];
    }
    // Row b of every (B,H) state tensor is the state of sequence b.
    std::vector<double> s_in(one.size()), s_out(one.size()), ds(one.size());
    for (std::size_t k = 0; k < one.tensors().size(); ++k)
      for (int j = 0; j < H; ++j)
        s_in[one[k].offset + j] = state.view(state_in.data(), k)(b, j);
    const Batch single{1, T, x.data(), y.data()};
    loss_sum += model.loss_and_grad(single, s_in.data(), s_out.data(), ds.data());
    for (std::size_t k = 0; k < grads.size(); ++k)
      grads_sum[k] += model.grads[k];
    for (std::size_t k = 0; k < one.tensors().size(); ++k)
      for (int j = 0; j < H; ++j) {
        CHECK(s_out[one[k].offset + j] == Approx(state.view(state_out.data(), k)(b, j)));
        // ∂(mean over B)/∂state = (1/B) ∂(one sequence's loss)/∂state
        CHECK(ds[one[k].offset + j] / B ==
              Approx(state.view(dstate.data(), k)(b, j)).margin(1e-15));
      }
  }
  CHECK(loss_sum / B == Approx(loss).epsilon(1e-12));
  for (std::size_t k = 0; k < grads.size(); ++k)
    CHECK(grads_sum[k] / B == Approx(grads[k]).epsilon(1e-10).margin(1e-15));
}

TEMPLATE_TEST_CASE("state carried across two chunks equals one long chunk", "[model]", Rnn<double>,
                   Lstm<double>, Gru<double>) {
  const int V = 5, H = 3, L = 2, B = 2, T = 8;
  Rng rng(11);
  auto model = random_model<TestType>(V, H, L, rng);
  RandomBatch data(B, T, V, rng);
  const std::size_t n = model.state_layout(B).size();
  auto state0 = random_vector<double>(n, rng);

  std::vector<double> end_long(n);
  const double loss_long = model.loss(data.batch, state0.data(), end_long.data());

  // Same text as two chunks of T/2 steps; the state is carried in place (in and out alias).
  std::vector<double> carried = state0;
  const int half = T / 2;
  const Batch first{B, half, data.inputs.data(), data.targets.data()};
  const Batch second{B, half, data.inputs.data() + half * B, data.targets.data() + half * B};
  const double loss_a = model.loss(first, carried.data(), carried.data());
  const double loss_b = model.loss(second, carried.data(), carried.data());

  CHECK((loss_a + loss_b) / 2 == Approx(loss_long).epsilon(1e-12));
  for (std::size_t k = 0; k < n; ++k)
    CHECK(carried[k] == Approx(end_long[k]).epsilon(1e-12));
}

namespace {

// Trains on one fixed sequence with plain gradient descent, θ ← θ - lr ∇L, and returns the
// final loss.
template <class Net>
double overfit(const std::string& text, int hidden, double lr, int steps) {
  std::vector<int> ids;
  for (char ch : text)
    ids.push_back(ch - 'a');
  const int V = 26, T = static_cast<int>(ids.size()) - 1;
  typename Net::Config cfg{V, hidden, 1};
  LanguageModel<Net> model(cfg);
  Rng rng(5);
  model.init(rng);
  const Batch batch{1, T, ids.data(), ids.data() + 1};
  std::vector<typename Net::Scalar> state(model.state_layout(1).size(), 0), end(state.size());
  double loss = 0;
  for (int step = 0; step < steps; ++step) {
    loss = model.loss_and_grad(batch, state.data(), end.data(), nullptr);
    for (std::size_t k = 0; k < model.params.size(); ++k)
      model.params[k] -= static_cast<typename Net::Scalar>(lr) * model.grads[k];
  }
  return loss;
}

}  // namespace

TEMPLATE_TEST_CASE("a tiny model memorises a short repeated string", "[model]", Rnn<float>,
                   Lstm<float>, Gru<float>) {
  const std::string text = "abcabdabcabdabcabdabcabd";
  const double first = overfit<TestType>(text, 16, 1.0, 1);
  const double last = overfit<TestType>(text, 16, 1.0, 1500);
  INFO("loss before " << first << ", after " << last);
  CHECK(first > 2.0);  // about ln 26 = 3.26 at the start
  CHECK(last < 0.05);
}

TEST_CASE("float and double compute the same loss", "[model]") {
  Rng rng(2);
  auto md = random_model<Lstm<double>>(9, 6, 2, rng);
  LanguageModel<Lstm<float>> mf({md.config().vocab, md.config().hidden, md.config().layers});
  for (std::size_t k = 0; k < md.params.size(); ++k)
    mf.params[k] = static_cast<float>(md.params[k]);
  RandomBatch data(3, 7, 9, rng);
  std::vector<double> sd(md.state_layout(3).size(), 0.0), ed(sd.size());
  std::vector<float> sf(sd.size(), 0.0f), ef(sd.size());
  CHECK(mf.loss(data.batch, sf.data(), ef.data()) ==
        Approx(md.loss(data.batch, sd.data(), ed.data())).epsilon(1e-5));
}

TEST_CASE(
    "initialisation: weights in ±1/sqrt(H), biases zero, LSTM forget bias and GRU update bias one",
    "[model]") {
  const int V = 10, H = 16;
  LanguageModel<Lstm<float>> lstm({V, H, 2});
  LanguageModel<Rnn<float>> rnn({V, H, 2});
  LanguageModel<Gru<float>> gru({V, H, 2});
  Rng rng(1);
  lstm.init(rng);
  rnn.init(rng);
  gru.init(rng);
  const float k = 1.0f / std::sqrt(static_cast<float>(H));
  auto check_model = [&](const Layout& layout, const std::vector<float>& params) {
    for (const TensorInfo& t : layout.tensors()) {
      const bool bias = t.name.find(".b_") != std::string::npos;
      auto ends_with = [&](const char* end) {
        return t.name.size() >= 3 && t.name.compare(t.name.size() - 3, 3, end) == 0;
      };
      const bool forget_bias = ends_with("b_f") || ends_with("b_z");  // (I3), (I4)
      for (std::size_t e = 0; e < t.size(); ++e) {
        const float v = params[t.offset + e];
        INFO(t.name);
        if (forget_bias) {
          CHECK(v == 1.0f);
        } else if (bias) {
          CHECK(v == 0.0f);
        } else {
          CHECK(std::fabs(v) <= k);
        }
      }
    }
  };
  check_model(lstm.layout(), lstm.params);
  check_model(rnn.layout(), rnn.params);
  check_model(gru.layout(), gru.params);
}

TEST_CASE("parameter layout: named tensors, one flat buffer, gates side by side", "[model]") {
  const int V = 5, H = 3;
  LanguageModel<Lstm<float>> lstm({V, H, 2});
  const Layout& layout = lstm.layout();
  std::vector<std::string> names;
  for (const TensorInfo& t : layout.tensors())
    names.push_back(t.name);
  const std::vector<std::string> expected = {
      "l0.W_f", "l0.W_i", "l0.W_g", "l0.W_o", "l0.U_f", "l0.U_i", "l0.U_g",    "l0.U_o",  "l0.b_f",
      "l0.b_i", "l0.b_g", "l0.b_o", "l1.W_f", "l1.W_i", "l1.W_g", "l1.W_o",    "l1.U_f",  "l1.U_i",
      "l1.U_g", "l1.U_o", "l1.b_f", "l1.b_i", "l1.b_g", "l1.b_o", "head.W_hy", "head.b_y"};
  CHECK(names == expected);
  std::size_t offset = 0;
  for (const TensorInfo& t : layout.tensors()) {
    CHECK(t.offset == offset);  // contiguous, in order, no gaps
    offset += t.size();
  }
  CHECK(layout.size() == offset);
  CHECK(lstm.params.size() == offset);
  CHECK(lstm.grads.size() == offset);
  CHECK(layout[layout.find("l0.W_f")].rows == H);
  CHECK(layout[layout.find("l0.W_f")].cols == V);
  CHECK(layout[layout.find("l1.W_f")].cols == H);
  CHECK(layout.size() == LanguageModel<Lstm<float>>::parameter_count({V, H, 2}));

  LanguageModel<Rnn<float>> rnn({V, H, 1});
  names.clear();
  for (const TensorInfo& t : rnn.layout().tensors())
    names.push_back(t.name);
  CHECK(names == std::vector<std::string>{"l0.W_xh", "l0.W_hh", "l0.b_h", "head.W_hy", "head.b_y"});
  CHECK(rnn.layout().size() == LanguageModel<Rnn<float>>::parameter_count({V, H, 1}));

  LanguageModel<Gru<float>> gru({V, H, 1});
  names.clear();
  for (const TensorInfo& t : gru.layout().tensors())
    names.push_back(t.name);
  CHECK(names == std::vector<std::string>{"l0.W_z", "l0.W_r", "l0.W_g", "l0.U_z", "l0.U_r",
                                          "l0.U_g", "l0.b_z", "l0.b_r", "l0.b_g", "head.W_hy",
                                          "head.b_y"});
  CHECK(gru.layout().size() == LanguageModel<Gru<float>>::parameter_count({V, H, 1}));
  CHECK(gru.layout().size() == 3 * H * (V + H + 1) + V * (H + 1));
}

TEST_CASE("a character id outside the vocabulary is an error, not a crash", "[model]") {
  LanguageModel<Rnn<float>> model({4, 3, 1});
  std::vector<int> x = {0, 1, 4}, y = {1, 2, 3};
  std::vector<float> s(model.state_layout(1).size()), e(s.size());
  CHECK_THROWS_AS(model.loss(Batch{1, 3, x.data(), y.data()}, s.data(), e.data()),
                  std::out_of_range);
  x[2] = -1;
  CHECK_THROWS_AS(model.loss(Batch{1, 3, x.data(), y.data()}, s.data(), e.data()),
                  std::out_of_range);
}

TEST_CASE("a model changes batch shape and gives the same answer after", "[model]") {
  Rng rng(4);
  auto model = random_model<Lstm<double>>(5, 3, 1, rng);
  RandomBatch big(4, 6, 5, rng), small(1, 2, 5, rng);
  std::vector<double> s4(model.state_layout(4).size()), e4(s4.size());
  std::vector<double> s1(model.state_layout(1).size()), e1(s1.size());
  const double a = model.loss(big.batch, s4.data(), e4.data());
  model.loss(small.batch, s1.data(), e1.data());
  CHECK(model.loss(big.batch, s4.data(), e4.data()) == a);
}

TEMPLATE_TEST_CASE("logits give the same loss as loss()", "[model]", Rnn<double>, Lstm<double>,
                   Gru<double>) {
  Rng rng(8);
  auto model = random_model<TestType>(6, 4, 2, rng);
  RandomBatch data(2, 5, 6, rng);
  std::vector<double> s(model.state_layout(2).size(), 0.0), e1(s.size()), e2(s.size());
  const double loss = model.loss(data.batch, s.data(), e1.data());
  CMat<double> y = model.logits(data.inputs.data(), 2, 5, s.data(), e2.data());
  double sum = 0;
  for (int n = 0; n < y.rows; ++n) {
    double m = y(n, 0), z = 0;
    for (int v = 0; v < y.cols; ++v)
      m = std::max(m, y(n, v));
    for (int v = 0; v < y.cols; ++v)
      z += std::exp(y(n, v) - m);
    sum += y(n, data.targets[n]) - m - std::log(z);
  }
  CHECK(-sum / y.rows == Approx(loss).epsilon(1e-12));
  CHECK(e1 == e2);
}

TEMPLATE_TEST_CASE("dropout: gradients match finite differences for a fixed mask", "[model]",
                   Rnn<double>, Lstm<double>, Gru<double>) {
  Rng init(12);
  auto model = random_model<TestType>(5, 4, 2, init);
  RandomBatch data(3, 4, 5, init);
  std::vector<double> s(model.state_layout(3).size(), 0.0), e(s.size());
  Rng masks(99);
  const Dropout dropout{0.3, &masks};
  // The same seed before every evaluation gives the same masks, so the loss is a smooth
  // function of the parameters that finite differences can check.
  auto loss_with_masks = [&] {
    masks = Rng(99);
    return model.loss_and_grad(data.batch, s.data(), e.data(), nullptr, &dropout);
  };
  loss_with_masks();
  const std::vector<double> analytic = model.grads;
  const double eps = 1e-5;
  for (const TensorInfo& t : model.layout().tensors()) {
    for (std::size_t k = 0; k < t.size(); k += 3) {
      double& theta = model.params[t.offset + k];
      const double saved = theta;
      theta = saved + eps;
      const double plus = loss_with_masks();
      theta = saved - eps;
      const double minus = loss_with_masks();
      theta = saved;
      const double numeric = (plus - minus) / (2 * eps);
      INFO(t.name << "[" << k << "]");
      CHECK(analytic[t.offset + k] == Approx(numeric).epsilon(1e-5).margin(1e-9));
    }
  }
  // Evaluation never drops: loss() takes no dropout, and equals the loss of a pass given none.
  const double evaluated = model.loss(data.batch, s.data(), e.data());
  CHECK(model.loss_and_grad(data.batch, s.data(), e.data(), nullptr) == evaluated);
  CHECK(loss_with_masks() != evaluated);
}

// Each thread runs the time loop on its own block of streams (rows of the batch); the rows
// never interact, and each is computed by the same operations whatever the split, so the loss,
// the gradient and the final state are the same bits on 1, 2 and 3 threads.
TEMPLATE_TEST_CASE("1, 2 and 3 threads give bit-identical loss, gradient and state", "[model]",
                   Rnn<float>, Lstm<float>, Gru<float>) {
  Rng rng(12);
  auto model = random_model<TestType>(11, 40, 2, rng);
  RandomBatch data(13, 9, 11, rng);  // 13 streams: uneven blocks
  std::vector<float> state0(model.state_layout(13).size());
  for (float& v : state0)
    v = static_cast<float>(rng.uniform(-0.5, 0.5));
  std::vector<std::vector<float>> grads, states, dstates;
  std::vector<double> losses;
  for (int threads : {1, 2, 3}) {
    set_thread_count(threads);
    std::vector<float> end(state0.size()), dstate(state0.size());
    losses.push_back(model.loss_and_grad(data.batch, state0.data(), end.data(), dstate.data()));
    grads.push_back(model.grads);
    states.push_back(end);
    dstates.push_back(dstate);
  }
  set_thread_count(1);
  for (int k : {1, 2}) {
    CHECK(losses[k] == losses[0]);
    CHECK(grads[k] == grads[0]);
    CHECK(states[k] == states[0]);
    CHECK(dstates[k] == dstates[0]);
  }
}

// ---- The LSTM variants of the ablation study (lstm/lstm_variants.h) --------------------------

TEST_CASE("the standard LSTM of the variant code equals the LSTM, loss, state and gradient",
          "[model][ablations]") {
  Rng rng(21);
  auto lstm = random_model<Lstm<double>>(6, 5, 2, rng);
  LanguageModel<LstmVariant<double, Ablation::Standard>> variant({6, 5, 2});
  REQUIRE(variant.params.size() == lstm.params.size());
  variant.params = lstm.params;
  RandomBatch data(3, 7, 6, rng);
  const auto state = random_vector<double>(lstm.state_layout(3).size(), rng);
  std::vector<double> out_a(state.size()), out_b(state.size()), d_a(state.size()),
      d_b(state.size());
  const double a = lstm.loss_and_grad(data.batch, state.data(), out_a.data(), d_a.data());
  const double b = variant.loss_and_grad(data.batch, state.data(), out_b.data(), d_b.data());
  CHECK(a == Approx(b).epsilon(1e-13));
  for (std::size_t k = 0; k < state.size(); ++k) {
    CHECK(out_a[k] == Approx(out_b[k]).margin(1e-13));
    CHECK(d_a[k] == Approx(d_b[k]).margin(1e-13));
  }
  for (std::size_t k = 0; k < lstm.grads.size(); ++k)
    CHECK(lstm.grads[k] == Approx(variant.grads[k]).margin(1e-13));
}

// Runs one random chunk through the variant and calls check(c_prev, c, h, gates, H) for every
// row of every step of layer 0, the gates in the order f, i, g, o of those kept.
template <class Net, class Check>
void for_every_step(Check check) {
  Rng rng(22);
  const int V = 5, H = 4, B = 2, T = 6;
  auto model = random_model<Net>(V, H, 1, rng);
  RandomBatch data(B, T, V, rng);
  const auto state = random_vector<double>(model.state_layout(B).size(), rng);
  std::vector<double> out(state.size());
  model.loss(data.batch, state.data(), out.data());
  const Net& net = model.net();
  for (int t = 0; t < T; ++t)
    for (int b = 0; b < B; ++b) {
      const int row = t * B + b;
      const double* c_prev = t == 0 ? state.data() + B * H + b * H  // l0.c0, after l0.h0
                                    : net.cells(0).row(row - B);
      check(c_prev, net.cells(0).row(row), net.output_of(0).row(row), net.gates(0).row(row), H);
    }
}

TEST_CASE("each LSTM variant takes away what its name says", "[model][ablations]") {
  SECTION("no forget gate: c_t = c_{t-1} + i_t g_t, three gates") {
    using Net = LstmVariant<double, Ablation::NoForgetGate>;
    STATIC_REQUIRE(Net::kGates == 3);
    for_every_step<Net>(
        [](const double* c_prev, const double* c, const double*, const double* z, int H) {
          for (int j = 0; j < H; ++j)
            CHECK(c[j] == Approx(c_prev[j] + z[j] * z[H + j]).margin(1e-12));  // i | g | o
        });
  }
  SECTION("no output gate: h_t = tanh(c_t)") {
    using Net = LstmVariant<double, Ablation::NoOutputGate>;
    STATIC_REQUIRE(Net::kGates == 3);
    for_every_step<Net>([](const double*, const double* c, const double* h, const double*, int H) {
      for (int j = 0; j < H; ++j)
        CHECK(h[j] == Approx(std::tanh(c[j])).margin(1e-12));
    });
  }
  SECTION("coupled gates: c_t = f_t c_{t-1} + (1 - f_t) g_t") {
    using Net = LstmVariant<double, Ablation::CoupledGates>;
    STATIC_REQUIRE(Net::kGates == 3);
    for_every_step<Net>(
        [](const double* c_prev, const double* c, const double*, const double* z, int H) {
          for (int j = 0; j < H; ++j)  // f | g | o
            CHECK(c[j] == Approx(z[j] * c_prev[j] + (1 - z[j]) * z[H + j]).margin(1e-12));
        });
  }
  SECTION("no output activation: h_t = o_t c_t") {
    using Net = LstmVariant<double, Ablation::NoOutputActivation>;
    STATIC_REQUIRE(Net::kGates == 4);
    for_every_step<Net>(
        [](const double*, const double* c, const double* h, const double* z, int H) {
          for (int j = 0; j < H; ++j)  // f | i | g | o
            CHECK(h[j] == Approx(z[3 * H + j] * c[j]).margin(1e-12));
        });
  }
  SECTION("b_f = 0: the standard LSTM started with a zero forget-gate bias") {
    LanguageModel<LstmVariant<float, Ablation::ForgetBiasZero>> fb0({7, 6, 2});
    LanguageModel<Lstm<float>> lstm({7, 6, 2});
    Rng a(3), b(3);
    fb0.init(a);
    lstm.init(b);
    REQUIRE(fb0.params.size() == lstm.params.size());
    for (const TensorInfo& t : lstm.layout().tensors())
      for (std::size_t e = 0; e < t.size(); ++e) {
        const bool forget_bias =
            t.name.size() > 3 && t.name.compare(t.name.size() - 3, 3, "b_f") == 0;
        INFO(t.name);
        CHECK(fb0.params[t.offset + e] == (forget_bias ? 0.0f : lstm.params[t.offset + e]));
      }
  }
}
