// A small pool of worker threads (std::thread) for splitting one piece of work into parts.
//
// The GEMM uses it to split C into column blocks: each block is computed by exactly the same
// sequence of operations whatever the number of threads, so results are bit-identical for
// every thread count.
#pragma once

#include <type_traits>

namespace charnn {

// Sets the number of threads (>= 1) that parallel_for may use, the caller included.
void set_thread_count(int threads);

// The threads available to the caller: the pool's size, or 1 inside a part of a parallel_for
// (work split inside a part runs on the thread that runs the part).
int thread_count();

// A job as the pool sees it: a plain function and a pointer to the caller's callable. Handing
// work to the threads this way allocates nothing (a std::function may allocate, and this runs
// at every time step).
using PartFunction = void (*)(void* callable, int part);
void parallel_for_parts(int parts, PartFunction run_part, void* callable);

// Runs fn(0), ..., fn(parts - 1), spread over the pool, and returns when all are done. parts
// should not exceed thread_count(). Called from inside a part, it runs every part in turn on
// the calling thread.
template <class F>
void parallel_for(int parts, F&& fn) {
  using Callable = std::remove_reference_t<F>;
  parallel_for_parts(
      parts, [](void* callable, int part) { (*static_cast<Callable*>(callable))(part); },
      const_cast<void*>(static_cast<const void*>(&fn)));
}

// Shares rows [0, rows) out over the threads in contiguous blocks of at least min_rows and calls
// block(first_row, row_count) once per block; with one thread, or too few rows, it is one
// call for all of them. For work in which every row is independent of the others: the
// recurrent networks give each thread a block of streams (rows of the batch) and let it run
// every time step on them, with no waiting for the other threads in between.
template <class F>
void for_row_blocks(int rows, int min_rows, F&& block) {
  int parts = thread_count();
  if (parts > rows / min_rows) parts = rows / min_rows;
  if (parts <= 1) {
    block(0, rows);
    return;
  }
  parallel_for(parts, [&](int p) {
    const int first = rows * p / parts;
    block(first, rows * (p + 1) / parts - first);
  });
}

}  // namespace charnn
