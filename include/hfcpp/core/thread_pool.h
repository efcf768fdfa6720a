// One process-wide pool of worker threads (the only threading in hfcpp: no OpenMP, no threads
// created inside kernels). parallel_for splits [begin, end) into chunks of at least `grain`
// items; the calling thread works too; a call made from inside a worker runs inline, so nested
// parallelism never deadlocks. The first exception thrown by any chunk is rethrown to the caller.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

namespace hfcpp::core {

class ThreadPool {
 public:
  // num_threads counts the caller: 1 means everything runs inline.
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const;
  void parallel_for(int64_t begin, int64_t end, int64_t grain,
                    const std::function<void(int64_t, int64_t)>& fn);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Number of hardware threads available to this process (affinity-aware).
int hardware_threads();

// The global pool, created on first use with HFCPP_THREADS or all cores.
ThreadPool& thread_pool();
// Replaces the global pool (the CLI's --threads). n <= 0 means all cores. Not thread-safe
// against concurrent parallel_for calls: call it at start-up.
void set_num_threads(int n);
int num_threads();

inline void parallel_for(int64_t begin, int64_t end, int64_t grain,
                         const std::function<void(int64_t, int64_t)>& fn) {
  thread_pool().parallel_for(begin, end, grain, fn);
}

}  // namespace hfcpp::core
