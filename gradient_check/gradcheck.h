// The finite-difference gradient checker, generic over any model.
//
// A Model here is anything with the interface of core/language_model.h: a layout() of named
// tensors over a flat `params` buffer, a `grads` buffer of the same layout, a state_layout(B),
// and the two functions training calls, loss() and loss_and_grad(). The checker perturbs one
// entry at a time, calls loss() at θ ± ε and θ ± 2ε, and compares the central difference
// (G1)–(G2) with the analytic gradient by the relative error (G3). docs/gradcheck.md explains the choices.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/batch.h"
#include "core/params.h"
#include "core/rng.h"

namespace charnn {

struct GradcheckOptions {
  int order = 4;            // 2: the two-point difference (G1); 4: its extrapolation (G2)
  double eps = 1e-3;        // ε of the central difference
  double tolerance = 1e-6;  // largest relative error that passes
  double tiny = 1e-6;       // floor of the denominator of (G3): below it, errors are absolute
  int max_entries = 0;      // entries checked per tensor: 0 for all, else a random sample
  std::uint64_t seed = 1;   // picks the sample when max_entries > 0
};

struct TensorCheck {
  std::string name;  // e.g. "l0.W_f", or "l0.h0" for an initial state
  int rows = 0, cols = 0;
  std::size_t checked = 0;      // entries compared
  double max_rel_error = 0;     // largest (G3) over those entries
  double max_abs_analytic = 0;  // largest |analytic gradient|, to tell a zero tensor from a pass
  bool pass = false;
};

// (G3) |a - n| / max(|a| + |n|, tiny)
// Equal values (both zero included) agree exactly, whatever `tiny` is. A NaN or infinity on
// either side gives NaN, which never passes.
inline double relative_error(double a, double n, double tiny) {
  if (!std::isfinite(a) || !std::isfinite(n)) return std::numeric_limits<double>::quiet_NaN();
  if (a == n) return 0.0;
  return std::fabs(a - n) / std::max(std::fabs(a) + std::fabs(n), tiny);
}

namespace detail {

// Compares analytic gradients with central differences for every tensor of `layout` over the
// buffer `values`; `loss_at` evaluates the loss at the current values.
template <class S, class LossFn>
void check_buffer(const Layout& layout, std::vector<S>& values, const std::vector<S>& analytic,
                  LossFn loss_at, const GradcheckOptions& opt, std::vector<TensorCheck>& out) {
  Rng pick(opt.seed);
  for (const TensorInfo& t : layout.tensors()) {
    TensorCheck r;
    r.name = t.name;
    r.rows = t.rows;
    r.cols = t.cols;
    std::vector<std::size_t> entries;
    if (opt.max_entries <= 0 || t.size() <= static_cast<std::size_t>(opt.max_entries)) {
      for (std::size_t k = 0; k < t.size(); ++k)
        entries.push_back(k);
    } else {
      for (int k = 0; k < opt.max_entries; ++k)
        entries.push_back(static_cast<std::size_t>(pick.uniform() * t.size()));
    }
    for (std::size_t k : entries) {
      S& theta = values[t.offset + k];
      const S saved = theta;
      auto loss_with_offset = [&](double offset) {
        theta = static_cast<S>(saved + offset);
        return loss_at();
      };
      // (G1) two-point central difference, error O(ε²)
      const double d_eps = (loss_with_offset(opt.eps) - loss_with_offset(-opt.eps)) / (2 * opt.eps);
      double numeric = d_eps;
      if (opt.order == 4) {
        const double d_2eps =
            (loss_with_offset(2 * opt.eps) - loss_with_offset(-2 * opt.eps)) / (4 * opt.eps);
        numeric = (4 * d_eps - d_2eps) / 3;  // (G2) Richardson: the ε² terms cancel, error O(ε⁴)
      }
      theta = saved;
      const double a = static_cast<double>(analytic[t.offset + k]);
      const double error = relative_error(a, numeric, opt.tiny);
      // The largest error so far; a NaN, once seen, stays (it compares false with everything).
      if (!std::isnan(r.max_rel_error) && !(error <= r.max_rel_error)) r.max_rel_error = error;
      r.max_abs_analytic = std::max(r.max_abs_analytic, std::fabs(a));
      ++r.checked;
    }
    r.pass = r.max_rel_error <= opt.tolerance;  // false for NaN
    out.push_back(r);
  }
}

}  // namespace detail

// Checks every parameter tensor of `model`, then every tensor of the initial state `state`,
// on one batch. Parameters and state are restored exactly afterwards.
template <class Model, class S = typename Model::S>
std::vector<TensorCheck> check_gradients(Model& model, const Batch& batch, std::vector<S>& state,
                                         const GradcheckOptions& opt) {
  std::vector<S> state_out(state.size()), dstate(state.size());
  model.loss_and_grad(batch, state.data(), state_out.data(), dstate.data());
  const std::vector<S> dparams = model.grads;

  auto loss_at = [&] { return model.loss(batch, state.data(), state_out.data()); };
  std::vector<TensorCheck> out;
  detail::check_buffer(model.layout(), model.params, dparams, loss_at, opt, out);
  detail::check_buffer(model.state_layout(batch.B), state, dstate, loss_at, opt, out);
  return out;
}

}  // namespace charnn
