// The analytic gradients of both models agree with finite differences, tensor by tensor, and
// the checker does fail when a gradient is wrong.
#include <cmath>
#include <string>
#include <vector>

#include "gradient_check/gradcheck.h"
#include "lstm/lstm.h"
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
template <class Net>
std::vector<TensorCheck> check(const Shape& s, std::uint64_t seed) {
  Rng rng(seed);
  auto model = random_model<Net>(s.V, s.H, s.L, rng);
  auto state = random_vector<double>(model.state_layout(s.B).size(), rng);
  RandomBatch data(s.B, s.T, s.V, rng);
  return check_gradients(model, data.batch, state, GradcheckOptions{});
}

template <class Net>
void require_all_pass(const Shape& s, std::uint64_t seed) {
  const auto rows = check<Net>(s, seed);
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
  }
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
