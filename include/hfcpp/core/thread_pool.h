// One process-wide pool of worker threads (the only threading in hfcpp: no OpenMP, no threads
// created inside kernels). parallel_for splits [begin, end) into chunks of at least `grain`
// items; the calling thread works too; a call made from inside a worker runs inline, so nested
// parallelism never deadlocks. The first exception thrown by any chunk is rethrown to the caller.
//
// Dispatch is cheap enough for regions of a few microseconds (a decode-step GEMV): no heap
// allocation per call (the body is passed by reference as a RangeFn), and idle workers spin on
// an atomic for a short while (ThreadPool::kSpinMicros) before sleeping on a condition variable,
// so back-to-back regions start without a kernel wake-up while an idle pool burns no CPU.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

namespace hfcpp::core {

// A non-owning reference to a callable void(int64_t begin, int64_t end). The callable must
// outlive the call it is passed to (a lambda argument does: it lives to the end of the
// full expression).
class RangeFn {
 public:
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, RangeFn> &&
             std::is_invocable_v<F&, int64_t, int64_t>)
  RangeFn(F&& f) noexcept  // NOLINT(google-explicit-constructor): lambdas convert implicitly
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* o, int64_t b, int64_t e) { (*static_cast<std::remove_reference_t<F>*>(o))(b, e); }) {}

  void operator()(int64_t begin, int64_t end) const { call_(object_, begin, end); }

 private:
  void* object_;
  void (*call_)(void*, int64_t, int64_t);
};

class ThreadPool {
 public:
  // How long an idle worker (and a caller waiting for the last chunks) polls before blocking.
  static constexpr int kSpinMicros = 100;

  // num_threads counts the caller: 1 means everything runs inline.
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const;
  void parallel_for(int64_t begin, int64_t end, int64_t grain, RangeFn fn);

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

inline void parallel_for(int64_t begin, int64_t end, int64_t grain, RangeFn fn) {
  thread_pool().parallel_for(begin, end, grain, fn);
}

}  // namespace hfcpp::core
