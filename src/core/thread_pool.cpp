#include "hfcpp/core/thread_pool.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace hfcpp::core {
namespace {
thread_local bool tls_inside_pool = false;
}

struct ThreadPool::Impl {
  int num_threads = 1;
  std::vector<std::thread> workers;

  std::mutex submit_mutex;  // one job at a time from outside the pool
  std::mutex mutex;
  std::condition_variable wake;
  std::condition_variable done;
  uint64_t generation = 0;
  bool stopping = false;

  // The current job.
  const std::function<void(int64_t, int64_t)>* fn = nullptr;
  int64_t begin = 0, end = 0, chunk = 1, num_chunks = 0;
  std::atomic<int64_t> next_chunk{0};
  int active_workers = 0;
  std::exception_ptr error;
  std::mutex error_mutex;

  void run_chunks() {
    for (;;) {
      int64_t c = next_chunk.fetch_add(1, std::memory_order_relaxed);
      if (c >= num_chunks) return;
      int64_t b = begin + c * chunk;
      int64_t e = std::min(end, b + chunk);
      try {
        (*fn)(b, e);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next_chunk.store(num_chunks, std::memory_order_relaxed);  // stop handing out work
      }
    }
  }

  void worker_loop() {
    tls_inside_pool = true;
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [&] { return stopping || generation != seen; });
        if (stopping) return;
        seen = generation;
      }
      run_chunks();
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (--active_workers == 0) done.notify_one();
      }
    }
  }
};

ThreadPool::ThreadPool(int num_threads) : impl_(std::make_unique<Impl>()) {
  impl_->num_threads = std::max(1, num_threads);
  for (int i = 1; i < impl_->num_threads; ++i)
    impl_->workers.emplace_back([this] { impl_->worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  for (auto& t : impl_->workers) t.join();
}

int ThreadPool::num_threads() const { return impl_->num_threads; }

void ThreadPool::parallel_for(int64_t begin, int64_t end, int64_t grain,
                              const std::function<void(int64_t, int64_t)>& fn) {
  if (end <= begin) return;
  grain = std::max<int64_t>(1, grain);
  const int64_t n = end - begin;
  if (tls_inside_pool || impl_->num_threads == 1 || n <= grain) {
    fn(begin, end);
    return;
  }
  std::lock_guard<std::mutex> submit(impl_->submit_mutex);
  Impl& s = *impl_;
  // A few chunks per thread balances uneven rows without much scheduling overhead.
  const int64_t target_chunks = static_cast<int64_t>(s.num_threads) * 4;
  s.chunk = std::max(grain, (n + target_chunks - 1) / target_chunks);
  s.num_chunks = (n + s.chunk - 1) / s.chunk;
  s.fn = &fn;
  s.begin = begin;
  s.end = end;
  s.error = nullptr;
  s.next_chunk.store(0, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.active_workers = static_cast<int>(s.workers.size());
    ++s.generation;
  }
  s.wake.notify_all();
  tls_inside_pool = true;
  s.run_chunks();
  tls_inside_pool = false;
  {
    std::unique_lock<std::mutex> lock(s.mutex);
    s.done.wait(lock, [&] { return s.active_workers == 0; });
  }
  s.fn = nullptr;
  if (s.error) std::rethrow_exception(s.error);
}

int hardware_threads() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int count = CPU_COUNT(&set);
    if (count > 0) return count;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

namespace {
std::unique_ptr<ThreadPool>& global_pool() {
  static std::unique_ptr<ThreadPool> pool;
  return pool;
}
std::mutex& global_mutex() {
  static std::mutex m;
  return m;
}
}  // namespace

ThreadPool& thread_pool() {
  std::lock_guard<std::mutex> lock(global_mutex());
  auto& pool = global_pool();
  if (!pool) {
    int n = hardware_threads();
    if (const char* env = std::getenv("HFCPP_THREADS")) {
      int v = std::atoi(env);
      if (v > 0) n = v;
    }
    pool = std::make_unique<ThreadPool>(n);
  }
  return *pool;
}

void set_num_threads(int n) {
  std::lock_guard<std::mutex> lock(global_mutex());
  global_pool() = std::make_unique<ThreadPool>(n > 0 ? n : hardware_threads());
}

int num_threads() { return thread_pool().num_threads(); }

}  // namespace hfcpp::core
