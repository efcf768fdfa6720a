// Row ops and attention per kernel path: `ops_bench --benchmark_filter=Softmax` etc.
// The second argument of each benchmark is the ISA (0 scalar, 1 avx2, 2 avx512), skipped when the
// CPU lacks it.
#include <benchmark/benchmark.h>

#include <random>

#include "hfcpp/core/cpu_features.h"
#include "hfcpp/tensor/ops.h"

using namespace hfcpp;
using tensor::DType;
using tensor::Tensor;

namespace {

Tensor rnd(const tensor::Shape& shape, DType dt = DType::F32) {
  std::mt19937 gen(1);
  std::normal_distribution<float> d;
  std::vector<float> v(static_cast<size_t>(tensor::shape_numel(shape)));
  for (float& x : v) x = d(gen);
  return Tensor::from_vector(v, shape, dt);
}

bool use_isa(benchmark::State& state) {
  const auto isa = static_cast<core::Isa>(state.range(1));
  if (core::set_isa(isa) != isa) {
    state.SkipWithError("ISA not supported on this CPU");
    return false;
  }
  state.SetLabel(core::isa_name(isa));
  return true;
}

void BM_Softmax(benchmark::State& state) {
  if (!use_isa(state)) return;
  const Tensor x = rnd({64, state.range(0)});
  for (auto _ : state) benchmark::DoNotOptimize(ops::softmax(x));
  state.SetItemsProcessed(state.iterations() * x.numel());
}
BENCHMARK(BM_Softmax)->ArgsProduct({{4096, 32000}, {0, 1, 2}});

void BM_RmsNorm(benchmark::State& state) {
  if (!use_isa(state)) return;
  const Tensor x = rnd({128, state.range(0)}), w = rnd({state.range(0)});
  for (auto _ : state) benchmark::DoNotOptimize(ops::rms_norm(x, w));
  state.SetItemsProcessed(state.iterations() * x.numel());
}
BENCHMARK(BM_RmsNorm)->ArgsProduct({{4096}, {0, 1, 2}});

void BM_Silu(benchmark::State& state) {
  if (!use_isa(state)) return;
  const Tensor x = rnd({state.range(0)});
  for (auto _ : state) benchmark::DoNotOptimize(ops::silu(x));
  state.SetItemsProcessed(state.iterations() * x.numel());
}
BENCHMARK(BM_Silu)->ArgsProduct({{1 << 20}, {0, 1, 2}});

void BM_SdpaPrefill(benchmark::State& state) {
  if (!use_isa(state)) return;
  const int64_t L = state.range(0);
  const Tensor q = rnd({1, 8, L, 64}), k = rnd({1, 2, L, 64}), v = rnd({1, 2, L, 64});
  for (auto _ : state) benchmark::DoNotOptimize(ops::scaled_dot_product_attention(q, k, v, {.causal = true}));
}
BENCHMARK(BM_SdpaPrefill)->ArgsProduct({{512}, {0, 1, 2}})->Unit(benchmark::kMillisecond);

void BM_SdpaDecode(benchmark::State& state) {
  if (!use_isa(state)) return;
  const int64_t L = state.range(0);
  const Tensor q = rnd({1, 32, 1, 128}), k = rnd({1, 8, L, 128}), v = rnd({1, 8, L, 128});
  for (auto _ : state) benchmark::DoNotOptimize(ops::scaled_dot_product_attention(q, k, v, {.causal = true}));
}
BENCHMARK(BM_SdpaDecode)->ArgsProduct({{4096}, {0, 1, 2}})->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
