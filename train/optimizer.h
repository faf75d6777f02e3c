// Optimizers and gradient clipping over the flat parameter buffer.
//
// None of this knows which model it serves: it walks `params` and `grads` as two arrays of
// the same length. Equations (O1)–(O9) and (C1)–(C2) are derived in docs/training.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace charnn {

class Optimizer {
 public:
  // name: "sgd", "adagrad", "rmsprop" or "adam"; n: number of parameters.
  Optimizer(const std::string& name, std::size_t n);

  const std::string& name() const { return name_; }

  // One update of every parameter from its gradient, at learning rate lr.
  void step(float* params, const float* grads, std::size_t n, double lr);

  // The state that must survive a checkpoint: named buffers (Adam's m and v, ...), and the
  // number of steps taken (Adam's bias correction depends on it).
  std::vector<std::pair<std::string, std::vector<float>>> state() const;
  void set_state(const std::vector<std::pair<std::string, std::vector<float>>>& state,
                 std::int64_t steps);
  std::int64_t steps() const { return t_; }

  // Hyperparameters (the usual defaults).
  double beta1 = 0.9, beta2 = 0.999;  // Adam
  double rho = 0.95;                  // RMSprop
  double eps = 1e-8;                  // Adagrad, RMSprop, Adam

 private:
  std::string name_;
  std::vector<float> m_, v_;  // first and second moments (v_ is Adagrad's G)
  std::int64_t t_ = 0;
};

// The Euclidean norm of the whole gradient, every tensor together (C1), computed in double.
double global_norm(const float* grads, std::size_t n);

// Scales the gradient down to norm max_norm when it is longer (C2); returns the norm before.
// max_norm <= 0 disables clipping.
double clip_global_norm(float* grads, std::size_t n, double max_norm);

}  // namespace charnn
