#include "hfcpp/core/thread_pool.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HFCPP_CPU_RELAX() _mm_pause()
#else
#define HFCPP_CPU_RELAX() ((void)0)
#endif

namespace hfcpp::core {
namespace {
thread_local bool tls_inside_pool = false;

// The job word packs (job id, chunk count, next unclaimed chunk) so that claiming a chunk is one
// compare-and-swap that also proves the chunk belongs to the job whose parameters the claimer
// then reads: a worker that woke late can never run a chunk of a finished job.
constexpr int kChunkBits = 16;
constexpr uint64_t kChunkMask = (uint64_t{1} << kChunkBits) - 1;
constexpr int64_t kMaxChunks = int64_t{1} << 15;

uint64_t make_word(uint64_t job, uint64_t chunks, uint64_t next) {
  return (job << (2 * kChunkBits)) | (chunks << kChunkBits) | next;
}
uint64_t word_chunks(uint64_t w) { return (w >> kChunkBits) & kChunkMask; }
uint64_t word_next(uint64_t w) { return w & kChunkMask; }
bool word_has_work(uint64_t w) { return word_next(w) < word_chunks(w); }

using Clock = std::chrono::steady_clock;

// Polls `ready` with pause instructions for up to kSpinMicros; true when it became true.
template <class Pred>
bool spin_until(Pred ready) {
  const auto deadline = Clock::now() + std::chrono::microseconds(ThreadPool::kSpinMicros);
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (ready()) return true;
      HFCPP_CPU_RELAX();
    }
    if (Clock::now() >= deadline) return ready();
  }
}
}  // namespace

struct ThreadPool::Impl {
  int num_threads = 1;
  std::vector<std::thread> workers;
  std::mutex submit_mutex;  // one job at a time from outside the pool

  // Job parameters: written by the submitter before it publishes the job word, read by a
  // thread only after it claimed a chunk (the job cannot finish, nor be replaced, before that
  // chunk is done).
  const RangeFn* fn = nullptr;
  int64_t begin = 0, end = 0, chunk = 1;
  std::exception_ptr error;  // guarded by error_mutex
  std::mutex error_mutex;

  alignas(64) std::atomic<uint64_t> word{0};
  alignas(64) std::atomic<int64_t> chunks_done{0};
  std::atomic<bool> cancelled{false};

  // Sleeping: workers block on `wake` when no job appeared within the spin time; the submitter
  // blocks on `done` when the last chunks take longer than that. The counters tell the other
  // side whether it must take the mutex and notify (seq_cst on both sides: either the sleeper
  // sees the new state or the notifier sees the sleeper).
  std::mutex mutex;
  std::condition_variable wake, done;
  std::atomic<int> sleeping_workers{0};
  std::atomic<bool> submitter_sleeping{false};
  bool stopping = false;  // guarded by mutex
  std::atomic<bool> stopping_flag{false};

  // Claims and runs chunks of the current job until none is left.
  void run_chunks() {
    uint64_t w = word.load(std::memory_order_acquire);
    while (word_has_work(w)) {
      if (!word.compare_exchange_weak(w, w + 1, std::memory_order_acq_rel, std::memory_order_acquire))
        continue;
      const int64_t c = static_cast<int64_t>(word_next(w));
      const int64_t total = static_cast<int64_t>(word_chunks(w));
      if (!cancelled.load(std::memory_order_relaxed)) {
        const int64_t b = begin + c * chunk;
        const int64_t e = std::min(end, b + chunk);
        try {
          (*fn)(b, e);
        } catch (...) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (!error) error = std::current_exception();
          cancelled.store(true, std::memory_order_relaxed);  // the rest is skipped
        }
      }
      if (chunks_done.fetch_add(1, std::memory_order_seq_cst) + 1 == total &&
          submitter_sleeping.load(std::memory_order_seq_cst)) {
        std::lock_guard<std::mutex> lock(mutex);
        done.notify_one();
      }
      w = word.load(std::memory_order_acquire);
    }
  }

  void worker_loop() {
    tls_inside_pool = true;
    for (;;) {
      if (!spin_until([&] {
            return word_has_work(word.load(std::memory_order_acquire)) ||
                   stopping_flag.load(std::memory_order_relaxed);
          })) {
        std::unique_lock<std::mutex> lock(mutex);
        sleeping_workers.fetch_add(1, std::memory_order_seq_cst);
        wake.wait(lock, [&] { return stopping || word_has_work(word.load(std::memory_order_seq_cst)); });
        sleeping_workers.fetch_sub(1, std::memory_order_relaxed);
      }
      if (stopping_flag.load(std::memory_order_acquire)) return;
      run_chunks();
    }
  }
};

ThreadPool::ThreadPool(int num_threads) : impl_(std::make_unique<Impl>()) {
  impl_->num_threads = std::clamp(num_threads, 1, 1024);
  for (int i = 1; i < impl_->num_threads; ++i)
    impl_->workers.emplace_back([this] { impl_->worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
    impl_->stopping_flag.store(true, std::memory_order_release);
  }
  impl_->wake.notify_all();
  for (auto& t : impl_->workers) t.join();
}

int ThreadPool::num_threads() const { return impl_->num_threads; }

void ThreadPool::parallel_for(int64_t begin, int64_t end, int64_t grain, RangeFn fn) {
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
  const int64_t target_chunks = std::min<int64_t>(static_cast<int64_t>(s.num_threads) * 4, kMaxChunks);
  s.chunk = std::max(grain, (n + target_chunks - 1) / target_chunks);
  const int64_t num_chunks = (n + s.chunk - 1) / s.chunk;
  s.fn = &fn;
  s.begin = begin;
  s.end = end;
  s.error = nullptr;
  s.cancelled.store(false, std::memory_order_relaxed);
  s.chunks_done.store(0, std::memory_order_relaxed);
  const uint64_t job = (s.word.load(std::memory_order_relaxed) >> (2 * kChunkBits)) + 1;
  s.word.store(make_word(job, static_cast<uint64_t>(num_chunks), 0), std::memory_order_seq_cst);
  if (s.sleeping_workers.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.wake.notify_all();
  }
  tls_inside_pool = true;
  s.run_chunks();
  tls_inside_pool = false;
  auto finished = [&] { return s.chunks_done.load(std::memory_order_acquire) == num_chunks; };
  if (!spin_until(finished)) {
    std::unique_lock<std::mutex> lock(s.mutex);
    s.submitter_sleeping.store(true, std::memory_order_seq_cst);
    s.done.wait(lock, [&] { return s.chunks_done.load(std::memory_order_seq_cst) == num_chunks; });
    s.submitter_sleeping.store(false, std::memory_order_relaxed);
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
