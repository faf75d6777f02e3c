// The analytic gradients of both models agree with finite differences, tensor by tensor, and
// the checker does fail when a gradient is wrong.
#include <cmath>
#include <string>
#include <vector>

#include "gradient_check/gradcheck.h"
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

namespace {

struct Shape {
  int V, H, L, B, T;
};

// Checks every entry of every parameter tensor and initial-state tensor at a random point.
// reset_rate > 0: with record resets (--reset-at) at random steps.
template <class Net>
std::vector<TensorCheck> check(const Shape& s, std::uint64_t seed, double reset_rate = 0) {
  Rng rng(seed);
  auto model = random_model<Net>(s.V, s.H, s.L, rng);
  auto state = random_vector<double>(model.state_layout(s.B).size(), rng);
  RandomBatch data(s.B, s.T, s.V, rng, reset_rate);
  return check_gradients(model, data.batch, state, GradcheckOptions{});
}

template <class Net>
void require_all_pass(const Shape& s, std::uint64_t seed, double reset_rate = 0) {
  const auto rows = check<Net>(s, seed, reset_rate);
  // One row per parameter tensor and per initial-state tensor, every entry checked.
  typename Net::Config cfg{s.V, s.H, s.L};
  LanguageModel<Net> model(cfg);
  REQUIRE(rows.size() ==
          model.layout().tensors().size() + model.state_layout(s.B).tensors().size());
  for (const TensorCheck& r : rows) {
    INFO(Net::kName << " " << r.name << " max relative error " << r.max_rel_error);
    CHECK(r.checked == static_cast<std::size_t>(r.rows) * r.cols);
    CHECK(r.max_rel_error <= 1e-6);
    CHECK(r.pass);
  }
}

}  // namespace

TEST_CASE("gradcheck: every tensor of a 2-layer RNN", "[gradcheck]") {
  require_all_pass<Rnn<double>>({7, 5, 2, 3, 6}, 1);
}

TEST_CASE("gradcheck: every tensor of a 2-layer LSTM", "[gradcheck]") {
  require_all_pass<Lstm<double>>({7, 5, 2, 3, 6}, 1);
}

TEST_CASE("gradcheck: every tensor of a 2-layer GRU", "[gradcheck]") {
  require_all_pass<Gru<double>>({7, 5, 2, 3, 6}, 1);
}

TEMPLATE_TEST_CASE("gradcheck: every tensor of each LSTM variant of the ablation study",
                   "[gradcheck][ablations]", (LstmVariant<double, Ablation::Standard>),
                   (LstmVariant<double, Ablation::NoForgetGate>),
                   (LstmVariant<double, Ablation::NoOutputGate>),
                   (LstmVariant<double, Ablation::CoupledGates>),
                   (LstmVariant<double, Ablation::NoOutputActivation>),
                   (LstmVariant<double, Ablation::ForgetBiasZero>)) {
  require_all_pass<TestType>({7, 5, 2, 3, 6}, 1);
  require_all_pass<TestType>({5, 4, 1, 2, 9}, 2, 0.25);  // with record resets
}

TEST_CASE("gradcheck: other shapes and seeds", "[gradcheck]") {
  const Shape shapes[] = {
      {4, 3, 1, 1, 1},  // the textbook case: one layer, one sequence, one step
      {5, 4, 1, 1, 9},  // B = 1
      {6, 4, 3, 2, 4},  // three layers
      {3, 8, 2, 4, 3},  // H larger than V
  };
  std::uint64_t seed = 10;
  for (const Shape& s : shapes) {
    require_all_pass<Rnn<double>>(s, ++seed);
    require_all_pass<Lstm<double>>(s, ++seed);
    require_all_pass<Gru<double>>(s, ++seed);
  }
}

TEST_CASE("gradcheck: every tensor with record resets at random steps", "[gradcheck]") {
  std::uint64_t seed = 40;
  for (const Shape& s : {Shape{7, 5, 2, 3, 6}, Shape{5, 4, 3, 2, 9}}) {
    require_all_pass<Rnn<double>>(s, ++seed, 0.25);
    require_all_pass<Lstm<double>>(s, ++seed, 0.25);
    require_all_pass<Gru<double>>(s, ++seed, 0.25);
  }
}

TEMPLATE_TEST_CASE("a record reset makes the text after it independent of what came before",
                   "[gradcheck]", Rnn<double>, Lstm<double>, Gru<double>) {
  // Every stream starts a record at step 2 of a chunk of 5. The loss is then the loss of
  // steps 0-1 from the carried state plus that of steps 2-4 from a zero state, and no gradient
  // of the later steps reaches the carried state. A record at step 0 cuts it off entirely.
  Rng rng(7);
  auto model = random_model<TestType>(5, 4, 2, rng);
  const int B = 3, T = 5, cut = 2;
  RandomBatch data(B, T, 5, rng);
  std::vector<unsigned char> resets(B * T, 0);
  for (int b = 0; b < B; ++b)
    resets[cut * B + b] = 1;
  data.batch.resets = resets.data();
  const auto state = random_vector<double>(model.state_layout(B).size(), rng);
  std::vector<double> out(state.size()), zero(state.size(), 0.0);
  const double whole = model.loss(data.batch, state.data(), out.data());
  const Batch head{B, cut, data.inputs.data(), data.targets.data()};
  const Batch tail{B, T - cut, data.inputs.data() + cut * B, data.targets.data() + cut * B};
  const double before = model.loss(head, state.data(), out.data());
  const double after = model.loss(tail, zero.data(), out.data());
  CHECK(whole == Approx((cut * before + (T - cut) * after) / T).epsilon(1e-12));

  // ∂L/∂state_in is then that of the first two steps alone: (cut/T) ∂L_head/∂state_in.
  std::vector<double> dwhole(state.size()), dhead(state.size());
  model.loss_and_grad(data.batch, state.data(), out.data(), dwhole.data());
  model.loss_and_grad(head, state.data(), out.data(), dhead.data());
  for (std::size_t k = 0; k < state.size(); ++k)
    CHECK(dwhole[k] == Approx(dhead[k] * cut / T).margin(1e-14));

  std::fill(resets.begin(), resets.begin() + B, 1);  // records start at step 0 as well
  model.loss_and_grad(data.batch, state.data(), out.data(), dwhole.data());
  for (double d : dwhole)
    CHECK(d == 0.0);
}

// "l0.W_i", "l1.U_i", "l0.b_i": the tensors of the input gate.
bool is_input_gate(const std::string& name) {
  return name.size() >= 2 && name.compare(name.size() - 2, 2, "_i") == 0;
}

// An LSTM whose backward has one deliberate error, built only here, in the test.
//   kSign: the input gate's gradients come out with the wrong sign, as a sign slip in (LB8)
//          would make them;
//   kNaN:  one entry of dU_o is NaN, as a 0/0 somewhere would make it.
enum Bug { kSign, kNaN };
template <Bug bug>
class BuggyLstm : public Lstm<double> {
 public:
  using Lstm<double>::Lstm;
  void backward(const double* params, const Layout& layout, CMat<double> dtop, double* grads,
                double* dstate_in) {
    Lstm<double>::backward(params, layout, dtop, grads, dstate_in);
    if (bug == kNaN) {
      grads[layout[layout.find("l1.U_o")].offset + 3] = std::nan("");
      return;
    }
    for (const TensorInfo& t : layout.tensors()) {
      if (!is_input_gate(t.name)) continue;
      for (std::size_t k = 0; k < t.size(); ++k)
        grads[t.offset + k] = -grads[t.offset + k];
    }
  }
};

TEST_CASE("gradcheck fails exactly the tensors of a deliberately wrong gate", "[gradcheck]") {
  const auto rows = check<BuggyLstm<kSign>>({7, 5, 2, 3, 6}, 1);
  int failed = 0;
  for (const TensorCheck& r : rows) {
    INFO(r.name << " max relative error " << r.max_rel_error);
    if (is_input_gate(r.name)) {
      CHECK_FALSE(r.pass);
      CHECK(r.max_rel_error > 0.5);  // a sign error makes |a - n| = |a| + |n|: error 1
      ++failed;
    } else {
      CHECK(r.pass);
    }
  }
  CHECK(failed == 2 * 3);  // W_i, U_i, b_i in each of the two layers
}

TEST_CASE("gradcheck fails a tensor with a NaN gradient", "[gradcheck]") {
  for (const TensorCheck& r : check<BuggyLstm<kNaN>>({7, 5, 2, 3, 6}, 1)) {
    INFO(r.name << " max relative error " << r.max_rel_error);
    CHECK(r.pass == (r.name != "l1.U_o"));
  }
}

TEST_CASE("gradcheck restores the parameters and the state it perturbs", "[gradcheck]") {
  Rng rng(3);
  auto model = random_model<Lstm<double>>(5, 3, 2, rng);
  auto state = random_vector<double>(model.state_layout(2).size(), rng);
  RandomBatch data(2, 3, 5, rng);
  const auto params_before = model.params;
  const auto state_before = state;
  check_gradients(model, data.batch, state, GradcheckOptions{});
  CHECK(model.params == params_before);
  CHECK(state == state_before);
}

TEST_CASE("the relative error (G3) and its floor", "[gradcheck]") {
  CHECK(relative_error(1.0, 1.0, 1e-6) == 0.0);
  CHECK(relative_error(1.0, -1.0, 1e-6) == 1.0);
  CHECK(relative_error(2.0, 1.0, 1e-6) == Approx(1.0 / 3.0));
  CHECK(relative_error(0.0, 0.0, 1e-6) == 0.0);                    // no 0/0
  CHECK(relative_error(1e-9, 2e-9, 1e-6) == Approx(1e-9 / 1e-6));  // below the floor: absolute
}

TEST_CASE("in float the same check cannot reach the bar", "[gradcheck]") {
  Rng rng(1);
  auto model = random_model<Lstm<float>>(7, 5, 2, rng);
  auto state = random_vector<float>(model.state_layout(3).size(), rng);
  RandomBatch data(3, 6, 7, rng);
  GradcheckOptions opt;
  opt.eps = 1e-2;
  double worst = 0;
  for (const TensorCheck& r : check_gradients(model, data.batch, state, opt))
    worst = std::max(worst, r.max_rel_error);
  CHECK(worst > 1e-4);
}
