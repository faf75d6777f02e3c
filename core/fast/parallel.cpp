#include "core/fast/parallel.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace charnn {

namespace {

// True on a thread while it runs a part of a parallel_for (always, on the workers): work it
// starts from there runs on that thread alone.
thread_local bool in_part = false;

// Workers sleep on a condition variable between jobs. A job is a function and a number of
// parts; part 0 runs on the calling thread, parts 1.. on workers 0...
//
// Before going to sleep, a worker waiting for the next job, and the caller waiting for the
// workers to finish, first watch for it for a short while (kSpins reads of an atomic counter,
// some tens of microseconds). The models hand work to the threads many times per training step,
// and waking a sleeping thread costs far more than that, above all on a virtual machine, where a
// sleeping processor must be woken by the hypervisor.
constexpr int kSpins = 20000;
class Pool {
 public:
  ~Pool() { resize(0); }

  void resize(int workers) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      quit_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_)
      t.join();
    threads_.clear();
    std::unique_lock<std::mutex> lock(mutex_);
    quit_ = false;
    // Each worker starts from the current generation, so the first job after this call is
    // new to it however late the thread gets to run.
    for (int w = 0; w < workers; ++w)
      threads_.emplace_back([this, w, start = generation_.load()] { work(w, start); });
  }

  int workers() const { return static_cast<int>(threads_.size()); }

  void run(int parts, PartFunction run_part, void* callable) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      run_part_ = run_part;
      callable_ = callable;
      parts_ = parts;
      pending_ = parts - 1;
      ++generation_;
    }
    wake_.notify_all();
    in_part = true;
    run_part(callable, 0);
    in_part = false;
    for (int spin = 0; spin < kSpins; ++spin)
      if (pending_.load(std::memory_order_acquire) == 0) break;
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
  }

 private:
  void work(int w, unsigned long seen) {
    in_part = true;
    for (;;) {
      PartFunction run_part = nullptr;
      void* callable = nullptr;
      int part = w + 1;
      for (int spin = 0; spin < kSpins; ++spin)
        if (generation_.load(std::memory_order_acquire) != seen) break;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return quit_ || generation_ != seen; });
        if (quit_) return;
        seen = generation_;
        if (part >= parts_) continue;
        run_part = run_part_;
        callable = callable_;
      }
      run_part(callable, part);
      {
        std::unique_lock<std::mutex> lock(mutex_);
        if (--pending_ == 0) done_.notify_one();
      }
    }
  }

  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  PartFunction run_part_ = nullptr;
  void* callable_ = nullptr;
  int parts_ = 0;
  std::atomic<int> pending_{0};
  std::atomic<unsigned long> generation_{0};
  bool quit_ = false;
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

void set_thread_count(int threads) {
  if (threads < 1) threads = 1;
  if (pool().workers() != threads - 1) pool().resize(threads - 1);
}

int thread_count() {
  return in_part ? 1 : pool().workers() + 1;
}

void parallel_for_parts(int parts, PartFunction run_part, void* callable) {
  if (parts <= 1 || pool().workers() == 0 || in_part) {
    for (int p = 0; p < parts; ++p)
      run_part(callable, p);
    return;
  }
  pool().run(parts, run_part, callable);
}

}  // namespace charnn
