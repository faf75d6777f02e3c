// One training step, written once: ./train_rnn and ./train_lstm (train/trainer.h), ./compare's
// text task (samples/compare.cpp), its memory task (samples/memory_task.cpp) and ./bench
// (benchmark/bench.cpp) all call train_step. docs/training.md, "One training step", derives
// each part.
//
//   batch ─► loss_and_grad ─► clip (C1)–(C2) ─► finite? ─► learning-rate rule ─► optimizer (O1)–(O9)
//
// Before a chunk of text, the carried state of the streams is prepared by streams_to_reset and
// zero_streams (a new epoch, or a stream drawn for --state-reset).
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/batch.h"
#include "core/dropout.h"
#include "core/params.h"
#include "core/rng.h"
#include "train/optimizer.h"

namespace charnn {

// How a step turns a gradient into an update.
struct StepRule {
  double clip = 5;              // largest global gradient norm (C2); 0: no clipping
  double lr_decay = 1;          // the learning rate is multiplied by this ...
  int lr_decay_every = 0;       // ... every this many steps (0: never)
  bool last_step_loss = false;  // only the prediction after the last input has a loss (memory task)
};

// What a step reports.
struct StepResult {
  double loss = 0;       // the batch's mean loss (S3), before the update
  double grad_norm = 0;  // ‖g‖ (C1), before clipping
  double lr = 0;         // the learning rate of the update (after the rule); unchanged if !finite
  bool finite = true;    // false: the loss or the gradient norm is NaN or infinite; then no
                         // parameter changed, and the caller stops (or reports) the run
};

// The learning-rate rule: the rate of the step that follows `steps_done` steps, given the rate
// `lr` of the step before. It is multiplied by `rule.lr_decay` when `steps_done` is a positive
// multiple of `rule.lr_decay_every`, so after k·every steps it is lr_0 · decay^k.
inline double learning_rate_after(double lr, std::int64_t steps_done, const StepRule& rule) {
  if (rule.lr_decay_every > 0 && steps_done > 0 && steps_done % rule.lr_decay_every == 0)
    return lr * rule.lr_decay;
  return lr;
}

// One optimizer step of `model` on `batch`, with `dropout` (nullptr: none). The streams start from `state_in` and their state
// after the batch goes to `state_out` (the same buffer when the state is carried to the next
// chunk). `lr` is the learning rate of the step before and `steps_done` the number of steps
// taken before this one (both as in a TrainState). Overwrites model.grads.
template <class Model>
StepResult train_step(Model& model, Optimizer& opt, const Batch& batch, const Dropout* dropout,
                      const typename Model::S* state_in, typename Model::S* state_out, double lr,
                      std::int64_t steps_done, const StepRule& rule) {
  StepResult r;
  r.lr = lr;
  r.loss = rule.last_step_loss ? model.last_step_loss_and_grad(batch, state_in, state_out, nullptr)
                               : model.loss_and_grad(batch, state_in, state_out, nullptr, dropout);
  r.grad_norm = clip_global_norm(model.grads.data(), model.grads.size(), rule.clip);
  r.finite = std::isfinite(r.loss) && std::isfinite(r.grad_norm);
  if (!r.finite) return r;
  r.lr = learning_rate_after(lr, steps_done, rule);
  opt.step(model.params.data(), model.grads.data(), model.params.size(), r.lr);
  return r;
}

// The stream reset: which of the B streams start chunk number `chunk` (counted across epochs)
// from a zero state instead of the state carried from the chunk before. Every stream when the
// chunk begins an epoch (chunk % chunks_per_epoch == 0); otherwise each stream with
// probability `p` (--state-reset), one draw of `rng` per stream in stream order, and no draw
// at all when p is 0. One flag per stream, written into `reset` (resized to B: after the
// first step this allocates nothing).
void streams_to_reset(std::int64_t chunk, std::int64_t chunks_per_epoch, int B, double p, Rng& rng,
                      std::vector<char>& reset);

// Zeroes the carried state of every stream flagged in `reset`: row b of every state tensor
// (h0, and c0 for the LSTM, of every layer) belongs to stream b.
void zero_streams(const Layout& layout, float* state, const std::vector<char>& reset);

}  // namespace charnn
