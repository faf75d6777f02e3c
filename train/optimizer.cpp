// The four optimizers and global-norm clipping. Read beside docs/training.md.
#include "train/optimizer.h"

#include <cmath>
#include <stdexcept>

namespace charnn {

Optimizer::Optimizer(const std::string& name, std::size_t n) : name_(name) {
  if (name == "sgd") return;
  if (name == "adagrad" || name == "rmsprop") {
    v_.assign(n, 0.0f);
  } else if (name == "adam") {
    m_.assign(n, 0.0f);
    v_.assign(n, 0.0f);
  } else {
    throw std::invalid_argument("unknown optimizer '" + name + "'");
  }
}

void Optimizer::step(float* params, const float* grads, std::size_t n, double lr) {
  ++t_;
  const float eta = static_cast<float>(lr), e = static_cast<float>(eps);
  if (name_ == "sgd") {
    for (std::size_t k = 0; k < n; ++k)
      params[k] -= eta * grads[k];  // (O1) θ ← θ - η g
  } else if (name_ == "adagrad") {
    for (std::size_t k = 0; k < n; ++k) {
      const float g = grads[k];
      v_[k] += g * g;                                 // (O2) G ← G + g²
      params[k] -= eta * g / (std::sqrt(v_[k]) + e);  // (O3) θ ← θ - η g / (√G + ε)
    }
  } else if (name_ == "rmsprop") {
    const float rho = static_cast<float>(this->rho);
    for (std::size_t k = 0; k < n; ++k) {
      const float g = grads[k];
      v_[k] = rho * v_[k] + (1 - rho) * g * g;        // (O4) v ← ρ v + (1-ρ) g²
      params[k] -= eta * g / (std::sqrt(v_[k]) + e);  // (O5) θ ← θ - η g / (√v + ε)
    }
  } else {
    const float b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
    // (O8) bias corrections 1 - β1^t and 1 - β2^t, folded into the step size
    const double c1 = 1 - std::pow(beta1, static_cast<double>(t_));
    const double c2 = 1 - std::pow(beta2, static_cast<double>(t_));
    const float step = static_cast<float>(lr * std::sqrt(c2) / c1);
    const float e_hat = static_cast<float>(eps * std::sqrt(c2));
    for (std::size_t k = 0; k < n; ++k) {
      const float g = grads[k];
      m_[k] = b1 * m_[k] + (1 - b1) * g;                       // (O6) m ← β1 m + (1-β1) g
      v_[k] = b2 * v_[k] + (1 - b2) * g * g;                   // (O7) v ← β2 v + (1-β2) g²
      params[k] -= step * m_[k] / (std::sqrt(v_[k]) + e_hat);  // (O9) θ ← θ - η m̂ / (√v̂ + ε)
    }
  }
}

std::vector<std::pair<std::string, std::vector<float>>> Optimizer::state() const {
  if (name_ == "adam") return {{"m", m_}, {"v", v_}};
  if (name_ == "adagrad") return {{"G", v_}};
  if (name_ == "rmsprop") return {{"v", v_}};
  return {};
}

void Optimizer::set_state(const std::vector<std::pair<std::string, std::vector<float>>>& state,
                          std::int64_t steps) {
  const auto expected = this->state();
  if (state.size() != expected.size())
    throw std::invalid_argument("optimizer state does not match optimizer " + name_);
  for (std::size_t k = 0; k < state.size(); ++k)
    if (state[k].first != expected[k].first || state[k].second.size() != expected[k].second.size())
      throw std::invalid_argument("optimizer state '" + state[k].first + "' does not match " +
                                  name_);
  for (const auto& [key, values] : state) {
    if (key == "m") m_ = values;
    if (key == "v" || key == "G") v_ = values;
  }
  t_ = steps;
}

double global_norm(const float* grads, std::size_t n) {
  double sum = 0;
  for (std::size_t k = 0; k < n; ++k)
    sum += static_cast<double>(grads[k]) * grads[k];
  return std::sqrt(sum);  // (C1) ‖g‖ = √(Σ g²) over every tensor together
}

double clip_global_norm(float* grads, std::size_t n, double max_norm) {
  const double norm = global_norm(grads, n);
  if (max_norm > 0 && norm > max_norm) {
    const float scale = static_cast<float>(max_norm / norm);
    for (std::size_t k = 0; k < n; ++k)
      grads[k] *= scale;  // (C2) g ← g · c / ‖g‖
  }
  return norm;
}

}  // namespace charnn
