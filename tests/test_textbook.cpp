// The fast models equal their textbook twins (rnn/, lstm/ and gru/*_textbook.h): the
// forward pass checked against code written the obvious way, the backward pass as well.
#include <cmath>
#include <string>

#include "core/textbook.h"
#include "gradient_check/gradcheck_program.h"
#include "gradient_check/textbook_check.h"
#include "tests/catch.hpp"

using namespace charnn;

TEST_CASE("the fast RNN, LSTM and GRU equal their textbook twins to 1e-12 in every case",
          "[textbook]") {
  int cases = 0;
  for (const TwinCase& c : textbook_cases()) {
    INFO(c.model << " L=" << c.layers << " B=" << c.batch << " T=" << c.steps
                 << (c.carried_state ? " carried state" : " zero state")
                 << (c.resets ? ", record resets" : ""));
    const std::vector<TwinDifference> rows = compare_with_textbook(c);
    // loss, per layer h_t, h after the last step, d h0 (LSTM: also c_t, the gates, c out,
    // d c0; GRU: the gates), and one row per parameter tensor
    const int per_layer = c.model == "lstm" ? 7 : c.model == "gru" ? 4 : 3;
    const int tensors = c.model == "lstm" ? 12 : c.model == "gru" ? 9 : 3;
    CHECK(rows.size() == static_cast<std::size_t>(1 + c.layers * (per_layer + tensors) + 2));
    for (const TwinDifference& r : rows) {
      INFO(r.quantity);
      CHECK(r.difference <= kTextbookTolerance);
    }
    ++cases;
  }
  // 3 models x L = 1, 2, 3 x B = 1, 3 x T = 1, 7 x zero or carried state, and the 18 of
  // T = 7 from a carried state with record resets
  CHECK(cases == 90);
}

TEST_CASE("the textbook head's loss is the mean of -log p over the steps", "[textbook]") {
  using textbook::Matrix;
  textbook::Params P;
  P["head.W_hy"] = Matrix(3, 2);
  P["head.b_y"] = Matrix(3);
  P["head.b_y"].a = {0.0, std::log(2.0), std::log(5.0)};  // p = (1, 2, 5) / 8 for any h
  textbook::Params d = textbook::zeros_like(P);
  Matrix h(2), dout;
  const double loss = textbook::head_step(P, d, h, 1, 4, dout);
  CHECK(loss == Approx(-std::log(2.0 / 8) / 4));
  CHECK(d["head.b_y"](1, 0) == Approx((2.0 / 8 - 1) / 4));  // (p - e_target) / T
  CHECK(d["head.b_y"](2, 0) == Approx(5.0 / 8 / 4));
}
