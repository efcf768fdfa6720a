// GFLOP/s of hfcpp's matmul at transformer shapes (M x K x N = rows x in_features x
// out_features of a linear layer), per dtype combination, thread count and implementation.
// Not a test. bench/matmul_bench.py runs this and NumPy/PyTorch at the same shapes and writes
// the comparison table (docs/benchmarks.md).
//
//   matmul_bench [--threads 1,2] [--shapes 1x384x1536,...] [--seconds 0.5] [--json] [--cpu-clock]
//
// --cpu-clock times with the calling thread's CPU time instead of wall time (threads = 1 only):
// on a shared, loaded machine it leaves out the time the process waited for a core.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "hfcpp/core/cpu_features.h"
#include "hfcpp/core/thread_pool.h"
#include "hfcpp/tensor/ops/matmul.h"
#include "tensor/cpu/gemm.h"

using hfcpp::tensor::DType;
using hfcpp::tensor::Tensor;
namespace cpu = hfcpp::tensor::cpu;

namespace {

struct Shape3 { int64_t m, k, n; };

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

Tensor random_tensor(const std::vector<int64_t>& shape, DType dtype, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = dist(rng);
  return Tensor::from_vector(v, shape, dtype);
}

bool g_cpu_clock = false;

double now_seconds() {
  if (g_cpu_clock) {
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Best time of several repetitions of fn, each repetition at least ~50 ms of calls.
template <class Fn>
double best_seconds_per_call(Fn&& fn, double budget_s) {
  fn();  // warm up: page faults, packing buffers, pool threads
  double t0 = now_seconds();
  fn();
  double once = now_seconds() - t0;
  const int64_t calls = std::max<int64_t>(1, static_cast<int64_t>(0.05 / std::max(once, 1e-9)));
  const int reps = std::clamp(static_cast<int>(budget_s / std::max(once * calls, 1e-9)), 3, 15);
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    double s = now_seconds();
    for (int64_t c = 0; c < calls; ++c) fn();
    best = std::min(best, (now_seconds() - s) / calls);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> threads = {1, 2};
  std::vector<Shape3> shapes = {{1, 384, 1536}, {32, 384, 1536}, {128, 384, 1536},
                                {1, 4096, 4096}, {512, 4096, 4096}};
  double seconds = 0.5;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "matmul_bench: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--threads") {
      threads.clear();
      for (auto& t : split(next(), ',')) threads.push_back(std::stoi(t));
    } else if (arg == "--shapes") {
      shapes.clear();
      for (auto& s : split(next(), ',')) {
        auto p = split(s, 'x');
        if (p.size() != 3) {
          std::fprintf(stderr, "matmul_bench: shape '%s' is not MxKxN\n", s.c_str());
          return 2;
        }
        shapes.push_back({std::stoll(p[0]), std::stoll(p[1]), std::stoll(p[2])});
      }
    } else if (arg == "--seconds") {
      seconds = std::stod(next());
    } else if (arg == "--json") {
      json = true;
    } else if (arg == "--cpu-clock") {
      g_cpu_clock = true;
    } else {
      std::fprintf(stderr, "usage: matmul_bench [--threads 1,2] [--shapes MxKxN,...] [--seconds S] [--json] [--cpu-clock]\n");
      return 2;
    }
  }

  if (g_cpu_clock && (threads.size() != 1 || threads[0] != 1)) {
    std::fprintf(stderr, "matmul_bench: --cpu-clock measures one thread: use --threads 1\n");
    return 2;
  }
  // Cases: x dtype, weight dtype, and which implementation (auto = what ops::linear uses).
  struct Case { const char* name; DType x, w; cpu::GemmImpl impl; };
  std::vector<Case> cases = {
      {"f32", DType::F32, DType::F32, cpu::GemmImpl::Auto},
      {"f32/own", DType::F32, DType::F32, cpu::GemmImpl::Avx2},
      {"f32/avx512", DType::F32, DType::F32, cpu::GemmImpl::Avx512},  // skipped without AVX-512
      {"f32xbf16w/512", DType::F32, DType::BF16, cpu::GemmImpl::Avx512},
      {"f32/openblas", DType::F32, DType::F32, cpu::GemmImpl::OpenBlas},
      {"f32 x bf16w", DType::F32, DType::BF16, cpu::GemmImpl::Auto},
      {"bf16", DType::BF16, DType::BF16, cpu::GemmImpl::Auto},
  };
  if (!json)
    std::printf("isa=%s threads_available=%d\n%-14s %-18s %7s %10s %9s %s\n",
                hfcpp::core::isa_name(hfcpp::core::active_isa()), hfcpp::core::hardware_threads(),
                "case", "MxKxN", "threads", "ms", "GFLOP/s", "impl");
  for (int t : threads) {
    hfcpp::core::set_num_threads(t);
    for (const Shape3& s : shapes) {
      for (const Case& c : cases) {
        if (!cpu::gemm_impl_available(c.impl)) continue;
        Tensor x = random_tensor({s.m, s.k}, c.x, 1);
        Tensor w = random_tensor({s.n, s.k}, c.w, 2);
        std::string impl_name;
        double sec;
        if (c.impl == cpu::GemmImpl::Auto) {
          // The public op, including the output conversion for bf16.
          cpu::GemmArgs probe{s.m, s.n, s.k, nullptr, c.x, s.k, false, nullptr, c.w, s.k, true};
          impl_name = cpu::gemm_impl_name(cpu::gemm_auto_choice(probe));
          sec = best_seconds_per_call([&] { Tensor y = hfcpp::ops::linear(x, w); (void)y; }, seconds);
        } else {
          Tensor y = Tensor::empty({s.m, s.n}, DType::F32);
          cpu::GemmArgs g{s.m, s.n, s.k, x.raw_data(), c.x, s.k, false, w.raw_data(), c.w, s.k,
                          true, y.mutable_data<float>(), s.n};
          impl_name = cpu::gemm_impl_name(c.impl);
          sec = best_seconds_per_call([&] { cpu::gemm(g, c.impl); }, seconds);
        }
        const double gflops = 2.0 * s.m * s.k * s.n / sec / 1e9;
        if (json)
          std::printf("{\"case\": \"%s\", \"m\": %lld, \"k\": %lld, \"n\": %lld, \"threads\": %d, "
                      "\"seconds\": %.9g, \"gflops\": %.4f, \"impl\": \"%s\"}\n",
                      c.name, static_cast<long long>(s.m), static_cast<long long>(s.k),
                      static_cast<long long>(s.n), t, sec, gflops, impl_name.c_str());
        else
          std::printf("%-14s %-18s %7d %10.4f %9.2f %s\n", c.name,
                      (std::to_string(s.m) + "x" + std::to_string(s.k) + "x" + std::to_string(s.n)).c_str(),
                      t, sec * 1e3, gflops, impl_name.c_str());
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
