// softmax, layer_norm, rms_norm (plain and Gemma), fused add + rms_norm.
#include <gtest/gtest.h>

#include <cmath>

#include "hfcpp/tensor/ops/elementwise.h"
#include "hfcpp/tensor/ops/norm.h"
#include "hfcpp/tensor/ops/softmax.h"
#include "test_util.h"

namespace hfcpp::testing {
namespace {

using Ops = std::vector<Tensor>;

class NormTest : public ::testing::TestWithParam<IsaDtype> {};

TEST_P(NormTest, SoftmaxMatchesScalarF32) {
  const auto [isa, dt] = GetParam();
  for (int64_t n : odd_sizes()) {
    const Tensor x = random_tensor({3, n}, dt, 21, 5.0f);
    check_against_scalar_f32(isa, {x}, [](const Ops& t) { return ops::softmax(t[0]); }, tolerance_for(dt), "softmax");
    check_against_scalar_f32(isa, {x}, [](const Ops& t) { return ops::log_softmax(t[0]); },
                             tolerance_for(dt).reduced_over(n), "log_softmax");
  }
}

TEST_P(NormTest, NormsMatchScalarF32) {
  const auto [isa, dt] = GetParam();
  for (int64_t n : odd_sizes()) {
    const Tensor x = random_tensor({4, n}, dt, 22, 2.0f, 0.5f), r = random_tensor({4, n}, dt, 23);
    const Tensor w = random_tensor({n}, dt, 24), b = random_tensor({n}, dt, 25);
    const Tolerance tol = tolerance_for(dt).reduced_over(n);
    check_against_scalar_f32(isa, {x, w, b}, [](const Ops& t) { return ops::layer_norm(t[0], t[1], t[2], 1e-5f); }, tol, "layer_norm");
    check_against_scalar_f32(isa, {x}, [](const Ops& t) { return ops::layer_norm(t[0], Tensor(), Tensor()); }, tol, "layer_norm no affine");
    for (bool gemma : {false, true}) {
      const ops::RmsNormOptions o{1e-6f, gemma};
      check_against_scalar_f32(isa, {x, w}, [&](const Ops& t) { return ops::rms_norm(t[0], t[1], o); }, tol, "rms_norm");
      check_against_scalar_f32(isa, {x, r, w}, [&](const Ops& t) { return ops::add_rms_norm(t[0], t[1], t[2], o).first; }, tol, "add_rms_norm");
      // Fused against its plain-op composition, same ISA and dtype.
      IsaGuard g(isa);
      auto [normed, sum] = ops::add_rms_norm(x, r, w, o);
      auto [normed_ref, sum_ref] = ops::add_rms_norm_reference(x, r, w, o);
      EXPECT_CLOSE(sum, sum_ref, Tolerance{0, 0}) << "residual sum must be exact";
      EXPECT_CLOSE(normed, normed_ref, tol) << "fused vs composition";
    }
  }
}

TEST_P(NormTest, NonContiguousRows) {
  const auto [isa, dt] = GetParam();
  IsaGuard g(isa);
  const Tensor x = random_tensor({65, 6}, dt, 26).transpose(0, 1);  // rows of stride 6
  const Tensor w = random_tensor({130}, dt, 27).slice(0, 0, 130, 2);
  EXPECT_CLOSE(ops::softmax(x), ops::softmax(x.contiguous()), kTolF32);
  EXPECT_CLOSE(ops::rms_norm(x, w), ops::rms_norm(x.contiguous(), w.contiguous()), kTolF32);
  EXPECT_CLOSE(ops::layer_norm(x, w, Tensor()), ops::layer_norm(x.contiguous(), w.contiguous(), Tensor()), kTolF32);
}

INSTANTIATE_TEST_SUITE_P(IsaDtype, NormTest, ::testing::ValuesIn(isa_dtype_cases()), isa_dtype_name);

TEST(Norm, SoftmaxIsStableForHugeLogits) {
  const Tensor x = Tensor::from_vector({1000, 1001, -INFINITY, 999}, {1, 4});
  for (core::Isa isa : core::supported_isas()) {
    IsaGuard g(isa);
    auto p = ops::softmax(x).to_float_vector();
    EXPECT_NEAR(p[1], 0.665241, 1e-5);
    EXPECT_EQ(p[2], 0.0f);
    EXPECT_NEAR(ops::log_softmax(x).to_float_vector()[1], -0.407606, 1e-5);
  }
}

TEST(Norm, BadInputIsInvalidArgument) {
  const Tensor x = Tensor::zeros({2, 8}, DType::F32);
  expect_invalid([&] { ops::rms_norm(x, Tensor::zeros({7}, DType::F32)); }, "weight has shape [7]: expected [8]");
  expect_invalid([&] { ops::layer_norm(x, Tensor(), Tensor::zeros({2, 8}, DType::F32)); }, "bias has shape");
  expect_invalid([&] { ops::add_rms_norm(x, Tensor::zeros({2, 7}, DType::F32), Tensor()); }, "residual has shape");
  expect_invalid([&] { ops::add_rms_norm(x, Tensor::zeros({2, 8}, DType::F16), Tensor()); }, "same dtype");
  expect_invalid([&] { ops::rms_norm(x, Tensor(), {-1.0f, false}); }, "eps");
  expect_invalid([&] { ops::softmax(Tensor::full({}, 1, DType::F32)); }, "0-d");
  expect_invalid([&] { ops::rms_norm(Tensor::zeros({2, 8}, DType::I32), Tensor()); }, "dtype I32");
}

}  // namespace
}  // namespace hfcpp::testing
