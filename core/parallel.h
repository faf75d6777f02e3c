// A small pool of worker threads (std::thread) for splitting one piece of work into parts.
//
// The GEMM uses it to split C into column blocks: each block is computed by exactly the same
// sequence of operations whatever the number of threads, so results are bit-identical for
// every thread count.
#pragma once

#include <functional>

namespace charnn {

// Sets the number of threads (>= 1) that parallel_for may use, the caller included.
void set_thread_count(int threads);
int thread_count();

// Runs fn(0), ..., fn(parts - 1), spread over the pool, and returns when all are done. parts
// should not exceed thread_count(). Must not be called from inside fn.
void parallel_for(int parts, const std::function<void(int)>& fn);

}  // namespace charnn
