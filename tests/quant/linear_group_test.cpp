// quant::linear_group_f32 (the decode step's fused q/k/v and gate/up dispatch): every output is
// bit-identical to the weight type's vec_dot of the quantized activation row, whatever the thread
// count and wherever the pool's chunks cut between the weights.
#include <gtest/gtest.h>

#include <cstring>

#include "hfcpp/core/thread_pool.h"
#include "quant/blocks/block_types.h"
#include "quant/quant_test_util.h"

namespace hfcpp::testing {
namespace {

// y[i, r] = vec_dot(w row r, x row i quantized to the vec_dot_type), one pair at a time.
std::vector<float> reference_linear(const std::vector<float>& x, int64_t m, const quant::QuantizedTensor& w) {
  const quant::BlockFormat* act = quant::find_block_format(quant::find_block_format(w.type())->vec_dot_type);
  const int64_t k = w.cols();
  const size_t act_bytes = static_cast<size_t>(quant::ggml_row_bytes(act->type, static_cast<uint64_t>(k)));
  std::vector<std::byte> a(act_bytes);
  const quant::VecDotFn dot = quant::vec_dot_for(w.type(), core::active_isa());
  std::vector<float> y(static_cast<size_t>(m * w.rows()));
  for (int64_t i = 0; i < m; ++i) {
    act->from_float(x.data() + i * k, a.data(), k, nullptr);
    for (int64_t r = 0; r < w.rows(); ++r) y[static_cast<size_t>(i * w.rows() + r)] = dot(k, w.row(r), a.data());
  }
  return y;
}

quant::QuantizedTensor random_weight(GgmlType type, int64_t rows, int64_t cols, uint32_t seed) {
  const std::vector<float> v = random_floats(static_cast<size_t>(rows * cols), seed);
  return quant::QuantizedTensor::quantize_from(Tensor::from_data<float>(v, {rows, cols}), type);
}

TEST(QuantLinearGroup, EqualsPerPairVecDotAtAnyThreadCount) {
  const int saved = core::num_threads();
  const int64_t k = 256;
  for (GgmlType type : {GgmlType::Q4_1, GgmlType::Q8_0, GgmlType::Q4_K}) {
    // Odd row counts, so chunks straddle the boundaries between the weights.
    const quant::QuantizedTensor w0 = random_weight(type, 37, k, 1), w1 = random_weight(type, 5, k, 2),
                                 w2 = random_weight(type, 70, k, 3);
    const quant::QuantizedTensor* ws[] = {&w0, &w1, &w2};
    for (int64_t m : {1, 3, 6}) {  // 6: a prefill, one linear_f32 each
      const std::vector<float> x = random_floats(static_cast<size_t>(m * k), 7);
      for (int threads : {1, 2, 3}) {
        core::set_num_threads(threads);
        std::vector<std::vector<float>> ys;
        std::vector<float*> outs;
        for (const auto* w : ws) ys.emplace_back(static_cast<size_t>(m * w->rows()), -1.0f);
        for (auto& y : ys) outs.push_back(y.data());
        quant::linear_group_f32(x.data(), m, ws, outs);
        for (size_t j = 0; j < 3; ++j) {
          // A prefill takes linear_f32's tile kernels (their own summation order): the same as a call each.
          std::vector<float> ref = reference_linear(x, m, *ws[j]);
          if (m >= quant::kTileActs) quant::linear_f32(x.data(), m, *ws[j], ref.data());
          EXPECT_EQ(std::memcmp(ys[j].data(), ref.data(), ref.size() * sizeof(float)), 0)
              << ggml_type_info(type).name << " m=" << m << " threads=" << threads << " weight " << j;
        }
      }
    }
  }
  core::set_num_threads(saved);
}

TEST(QuantLinearGroup, MixedTypesFallBackToSeparateLinears) {
  const int64_t k = 64;
  const quant::QuantizedTensor a = random_weight(GgmlType::Q4_1, 9, k, 4), b = random_weight(GgmlType::Q8_0, 4, k, 5);
  const quant::QuantizedTensor* ws[] = {&a, &b};
  const std::vector<float> x = random_floats(k, 8);
  std::vector<float> ya(9), yb(4);
  float* outs[] = {ya.data(), yb.data()};
  quant::linear_group_f32(x.data(), 1, ws, outs);
  EXPECT_EQ(ya, reference_linear(x, 1, a));
  EXPECT_EQ(yb, reference_linear(x, 1, b));
}

TEST(QuantLinearGroup, RejectsMismatchedCounts) {
  const quant::QuantizedTensor a = random_weight(GgmlType::Q4_1, 2, 32, 6);
  const quant::QuantizedTensor* ws[] = {&a};
  const std::vector<float> x = random_floats(32, 9);
  EXPECT_THROW(quant::linear_group_f32(x.data(), 1, ws, {}), Error);
}

}  // namespace
}  // namespace hfcpp::testing
