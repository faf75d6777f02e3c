// One minibatch: B parallel streams of text, T steps each, as vocabulary ids.
#pragma once

namespace charnn {

// The id at time step t of stream b is at index t * B + b (time-major), so the B ids of one
// step are contiguous and row t * B + b of every (T*B, ·) activation matrix belongs to them.
struct Batch {
  int B = 0;
  int T = 0;
  const int* inputs = nullptr;   // (T, B) x_t: the character read at step t
  const int* targets = nullptr;  // (T, B) the character that follows it, to be predicted
  // (T, B) or null. Where resets[t * B + b] is 1, a record starts at step t of stream b: the
  // step reads a zero state instead of the state after step t-1 (--reset-at; (R4), (L8)).
  const unsigned char* resets = nullptr;
};

}  // namespace charnn
