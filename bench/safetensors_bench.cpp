// safetensors read timings for bench/safetensors_bench.py (which runs the Python library in the
// same session and prints ratios). Usage: safetensors_bench FILE [REPEATS]
// Prints one JSON object with median seconds of:
//   open_s       SafetensorsFile::open (mmap + full header validation), nothing else
//   first_s      open + first tensor (by name) + sum of its elements
//   read_all_s   open + every tensor + sum of all elements (touches every byte)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "hfcpp/core/error.h"
#include "hfcpp/formats/safetensors.h"

using hfcpp::formats::SafetensorsFile;
using hfcpp::tensor::DType;
using hfcpp::tensor::Tensor;

namespace {

// 16 independent lanes so the compiler vectorises without reassociating (no -ffast-math).
double sum_f32(const float* p, size_t n) {
  float lanes[16] = {};
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int k = 0; k < 16; ++k) lanes[k] += p[i + k];
  double total = 0;
  for (float v : lanes) total += v;
  for (; i < n; ++i) total += p[i];
  return total;
}

double sum_tensor(const Tensor& t) {
  if (t.dtype() == DType::F32) return sum_f32(t.data<float>(), static_cast<size_t>(t.numel()));
  double total = 0;  // other dtypes: add the bytes
  auto* b = static_cast<const unsigned char*>(t.raw_data());
  for (size_t i = 0; i < t.nbytes(); ++i) total += b[i];
  return total;
}

template <class F>
double median_seconds(int repeats, F&& f) {
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    auto start = std::chrono::steady_clock::now();
    f();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE [REPEATS]\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  const int repeats = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
  try {
    double checksum_first = 0, checksum_all = 0;
    size_t tensors = 0;
    double open_s = median_seconds(repeats, [&] { tensors = SafetensorsFile::open(path).tensors().size(); });
    double first_s = median_seconds(repeats, [&] {
      auto file = SafetensorsFile::open(path);
      checksum_first = sum_tensor(file.tensor(file.tensors().front().name));
    });
    double read_all_s = median_seconds(repeats, [&] {
      auto file = SafetensorsFile::open(path);
      double total = 0;
      for (const auto& info : file.tensors()) total += sum_tensor(file.tensor(info.name));
      checksum_all = total;
    });
    std::printf(
        "{\"tensors\": %zu, \"open_s\": %.9f, \"first_s\": %.9f, \"read_all_s\": %.9f, "
        "\"checksum_first\": %.6g, \"checksum_all\": %.6g}\n",
        tensors, open_s, first_s, read_all_s, checksum_first, checksum_all);
  } catch (const hfcpp::Error& e) {
    std::fprintf(stderr, "safetensors_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
