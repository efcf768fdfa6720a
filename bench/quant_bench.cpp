// quant::linear throughput at SmolLM2-135M shapes: GB/s of weight bytes streamed and the
// tokens/s equivalent (M tokens per call), per weight type, against hfcpp's f32 linear
// (ops::linear) on the same shape. Not a test.
//
//   quant_bench [--threads N] [--seconds 0.3] [--types Q4_0,Q4_1,Q8_0,Q4_K,Q6_K] [--isa scalar|avx2|avx512]
//               [--cpu-time]
// --cpu-time times process CPU seconds instead of wall-clock (steadier on a shared machine when
// comparing ISA paths single-threaded; with several threads it sums them).
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "hfcpp/core/cpu_features.h"
#include "hfcpp/core/thread_pool.h"
#include "hfcpp/quant/quant.h"
#include "hfcpp/tensor/ops/matmul.h"

using hfcpp::tensor::DType;
using hfcpp::tensor::Tensor;
namespace quant = hfcpp::quant;

namespace {

Tensor random_tensor(int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(rows * cols));
  for (float& x : v) x = dist(rng);
  return Tensor::from_vector(v, {rows, cols}, DType::F32);
}

bool g_cpu_time = false;
double now_seconds() {
  if (g_cpu_time) {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Seconds per call: repeat until `seconds` have passed (at least 3 calls), report the mean.
template <class F>
double time_per_call(F&& fn, double seconds) {
  fn();  // warm-up
  const double start = now_seconds();
  int calls = 0;
  double elapsed = 0;
  do {
    fn();
    ++calls;
    elapsed = now_seconds() - start;
  } while (elapsed < seconds || calls < 3);
  return elapsed / calls;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  double seconds = 0.3;
  std::string types = "Q4_0,Q4_1,Q8_0,Q4_K,Q6_K";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--cpu-time") {
      g_cpu_time = true;
      continue;
    }
    if (i + 1 >= argc) break;
    const char* value = argv[++i];
    if (a == "--threads") threads = std::atoi(value);
    else if (a == "--seconds") seconds = std::atof(value);
    else if (a == "--types") types = value;
    else if (a == "--isa") {
      hfcpp::core::Isa isa;
      if (hfcpp::core::parse_isa(value, isa)) hfcpp::core::set_isa(isa);
    }
  }
  hfcpp::core::set_num_threads(threads);
  std::printf("# quant_bench: threads=%d isa=%s clock=%s\n", threads, hfcpp::core::isa_name(hfcpp::core::active_isa()),
              g_cpu_time ? "cpu" : "wall");
  std::printf("%-6s %2s %6s %6s %10s %9s %11s %12s %9s\n", "type", "M", "K", "N", "us/call", "GB/s", "tok/s-eq",
              "f32 us/call", "speedup");
  const int64_t shapes[][2] = {{576, 1536}, {1536, 576}, {576, 49152}};  // K, N
  for (const auto& shape : shapes) {
    const int64_t k = shape[0], n = shape[1];
    const Tensor w = random_tensor(n, k, 1);
    for (const int64_t m : {int64_t{1}, int64_t{8}, int64_t{512}}) {
      const Tensor x = random_tensor(m, k, 2);
      const double f32_time = time_per_call([&] { (void)hfcpp::ops::linear(x, w); }, seconds);
      for (const std::string& name : split(types)) {
        const auto type = quant::parse_ggml_type(name);
        if (!type) continue;
        if (k % quant::ggml_type_info(*type).block_size != 0) {  // llama.cpp falls back to another type here
          std::printf("%-6s %2lld %6lld %6lld   (K is not a multiple of the %u-element block)\n", name.c_str(),
                      static_cast<long long>(m), static_cast<long long>(k), static_cast<long long>(n),
                      quant::ggml_type_info(*type).block_size);
          continue;
        }
        const auto qw = quant::QuantizedTensor::quantize_from(w, *type);
        std::vector<float> y(static_cast<size_t>(m * n));
        const double t = time_per_call([&] { quant::linear_f32(x.data<float>(), m, qw, y.data()); }, seconds);
        std::printf("%-6s %3lld %6lld %6lld %10.1f %9.2f %11.0f %12.1f %8.2fx\n", name.c_str(),
                    static_cast<long long>(m), static_cast<long long>(k), static_cast<long long>(n), t * 1e6,
                    static_cast<double>(qw.nbytes()) / t / 1e9, static_cast<double>(m) / t, f32_time * 1e6,
                    f32_time / t);
      }
    }
  }
  std::fflush(stdout);
  return 0;
}
