// Where a training run stands: what the trainer carries from one step to the next besides the
// model's parameters and the optimizer's buffers, and what a checkpoint must hold so that a
// resumed run continues exactly as if it had never stopped.
#pragma once

#include <cmath>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/rng.h"
#include "train/checkpoint.h"

namespace charnn {

struct TrainState {
  std::int64_t step = 0;             // optimizer steps done
  std::int64_t chunk = 0;            // chunks of text read (Batcher::chunk's k): the data position
  double lr = 0;                     // the learning rate of the last step (decayed by the rule)
  double best_val_loss = INFINITY;   // the lowest validation loss so far (+inf: none yet)
  double last_val_loss = NAN;        // the latest validation loss (NaN: none yet)
  double elapsed_seconds = 0;        // training time of the run so far, earlier runs included
  std::vector<float> carried_state;  // the state the B streams carry into the next chunk (flat)
  Rng rng;                           // dropout masks and state resets draw from it
};

// Copies `ts` into the fields of `ck` that say where training stands.
inline void put_train_state(const TrainState& ts, Checkpoint& ck) {
  ck.step = ts.step;
  ck.learning_rate = ts.lr;
  Rng rng = ts.rng;  // a copy: Rng gives its engine to non-const callers only
  std::ostringstream engine;
  engine << rng.engine();
  ck.rng_state = engine.str();
  ck.data_positions = {ts.chunk};
  ck.hidden_state = ts.carried_state;
  ck.elapsed_seconds = ts.elapsed_seconds;
  ck.best_val_loss = ts.best_val_loss;
  ck.last_val_loss = ts.last_val_loss;
}

// The reverse, for a checkpoint read from `path` whose carried state and data position the
// caller has checked (one position, ts.carried_state.size() values). Throws std::runtime_error
// "PATH: its random generator state is unreadable".
inline void take_train_state(const Checkpoint& ck, const std::string& path, TrainState& ts) {
  std::istringstream engine(ck.rng_state);
  engine >> ts.rng.engine();
  if (!engine) throw std::runtime_error(path + ": its random generator state is unreadable");
  ts.carried_state = ck.hidden_state;
  ts.step = ck.step;
  ts.chunk = ck.data_positions[0];
  ts.lr = ck.learning_rate;
  ts.best_val_loss = ck.best_val_loss;
  ts.last_val_loss = ck.last_val_loss;
  ts.elapsed_seconds = ck.elapsed_seconds;
}

}  // namespace charnn
