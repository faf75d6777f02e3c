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
int thread_count();

// A job as the pool sees it: a plain function and a pointer to the caller's callable. Handing
// work to the threads this way allocates nothing (a std::function may allocate, and this runs
// at every time step).
using PartFunction = void (*)(void* callable, int part);
void parallel_for_parts(int parts, PartFunction run_part, void* callable);

// Runs fn(0), ..., fn(parts - 1), spread over the pool, and returns when all are done. parts
// should not exceed thread_count(). Must not be called from inside fn.
template <class F>
void parallel_for(int parts, F&& fn) {
  using Callable = std::remove_reference_t<F>;
  parallel_for_parts(
      parts, [](void* callable, int part) { (*static_cast<Callable*>(callable))(part); },
      const_cast<void*>(static_cast<const void*>(&fn)));
}

// Calls row(b) for every b in [0, rows), the rows shared out over the threads in contiguous
// ranges when there are enough of them (at least min_rows per thread). For elementwise work
// on (B,H) activations, where every row is independent of the others.
template <class F>
void for_each_row(int rows, int min_rows, F&& row) {
  int parts = thread_count();
  if (parts > rows / min_rows) parts = rows / min_rows;
  if (parts <= 1) {
    for (int b = 0; b < rows; ++b)
      row(b);
    return;
  }
  parallel_for(parts, [&](int p) {
    for (int b = rows * p / parts; b < rows * (p + 1) / parts; ++b)
      row(b);
  });
}

}  // namespace charnn
