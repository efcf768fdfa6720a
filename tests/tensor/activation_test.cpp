#include <gtest/gtest.h>

#include <cmath>

#include "hfcpp/tensor/ops/activation.h"
#include "test_util.h"

namespace hfcpp::testing {
namespace {

using Ops = std::vector<Tensor>;

class ActivationTest : public ::testing::TestWithParam<IsaDtype> {};

TEST_P(ActivationTest, MatchScalarF32) {
  const auto [isa, dt] = GetParam();
  for (int64_t n : odd_sizes()) {
    const Tensor x = random_tensor({2, n}, dt, 31, 3.0f), up = random_tensor({2, n}, dt, 32);
    const Tolerance tol = tolerance_for(dt);
    check_against_scalar_f32(isa, {x}, [](const Ops& t) { return ops::gelu(t[0]); }, tol, "gelu");
    check_against_scalar_f32(isa, {x}, [](const Ops& t) { return ops::gelu(t[0], ops::GeluApprox::Tanh); }, tol, "gelu tanh");
    check_against_scalar_f32(isa, {x}, [](const Ops& t) { return ops::gelu_new(t[0]); }, tol, "gelu_new");
    check_against_scalar_f32(isa, {x}, [](const Ops& t) { return ops::quick_gelu(t[0]); }, tol, "quick_gelu");
    check_against_scalar_f32(isa, {x}, [](const Ops& t) { return ops::silu(t[0]); }, tol, "silu");
    check_against_scalar_f32(isa, {x, up}, [](const Ops& t) { return ops::swiglu(t[0], t[1]); }, tol, "swiglu");
    IsaGuard g(isa);
    // swiglu rounds once, the composition twice (silu output, then the product): bf16/f16 tolerance.
    EXPECT_CLOSE(ops::swiglu(x, up), ops::swiglu_reference(x, up), tol) << "fused vs composition";
  }
}

TEST_P(ActivationTest, StridedInputs) {
  const auto [isa, dt] = GetParam();
  IsaGuard g(isa);
  const Tensor x = random_tensor({33, 8}, dt, 33).transpose(0, 1);
  const Tensor up = random_tensor({8, 66}, dt, 34).slice(1, 1, 66, 2);
  EXPECT_CLOSE(ops::gelu(x), ops::gelu(x.contiguous()), kTolF32);
  EXPECT_CLOSE(ops::swiglu(x, up), ops::swiglu(x.contiguous(), up.contiguous()), kTolF32);
}

INSTANTIATE_TEST_SUITE_P(IsaDtype, ActivationTest, ::testing::ValuesIn(isa_dtype_cases()), isa_dtype_name);

TEST(Activation, KnownValues) {
  const Tensor x = Tensor::from_vector({-3, -1, 0, 1, 3, 20}, {6});
  for (core::Isa isa : core::supported_isas()) {
    IsaGuard g(isa);
    // torch.nn.functional.gelu(torch.tensor([-3., -1, 0, 1, 3, 20]))
    EXPECT_CLOSE(ops::gelu(x).to_float_vector(),
                 (std::vector<float>{-0.0040496597f, -0.15865526f, 0.0f, 0.84134474f, 2.9959502f, 20.0f}), kTolF32);
    // approximate='tanh'
    EXPECT_CLOSE(ops::gelu(x, ops::GeluApprox::Tanh).to_float_vector(),
                 (std::vector<float>{-0.0036373912f, -0.15880801f, 0.0f, 0.84119199f, 2.9963627f, 20.0f}), kTolF32);
    EXPECT_CLOSE(ops::silu(x).to_float_vector(),
                 (std::vector<float>{-0.14227762f, -0.26894142f, 0.0f, 0.73105858f, 2.8577223f, 20.0f}), kTolF32);
  }
}

TEST(Activation, BadInputIsInvalidArgument) {
  const Tensor g = Tensor::zeros({2, 4}, DType::F32);
  expect_invalid([&] { ops::swiglu(g, Tensor::zeros({2, 5}, DType::F32)); }, "up has shape [2, 5]");
  expect_invalid([&] { ops::swiglu(g, Tensor::zeros({2, 4}, DType::F16)); }, "same dtype");
  expect_invalid([&] { ops::gelu(Tensor::zeros({2}, DType::U8)); }, "dtype U8");
}

}  // namespace
}  // namespace hfcpp::testing
