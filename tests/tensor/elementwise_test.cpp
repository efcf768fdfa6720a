#include <gtest/gtest.h>

#include <cmath>

#include "hfcpp/tensor/ops/elementwise.h"
#include "test_util.h"

namespace hfcpp::testing {
namespace {

using Ops = std::vector<Tensor>;

class ElementwiseTest : public ::testing::TestWithParam<IsaDtype> {};

TEST_P(ElementwiseTest, BinaryWithBroadcastingMatchesScalarF32) {
  const auto [isa, dt] = GetParam();
  for (int64_t n : odd_sizes()) {
    const Tensor a = random_tensor({3, n}, dt, 1), b = random_tensor({n}, dt, 2, 1.0f, 3.0f);
    const Tensor col = random_tensor({3, 1}, dt, 3);
    const std::string tag = fmt::format("n={}", n);
    check_against_scalar_f32(isa, {a, b}, [](const Ops& t) { return ops::add(t[0], t[1]); }, tolerance_for(dt), "add " + tag);
    check_against_scalar_f32(isa, {a, b}, [](const Ops& t) { return ops::sub(t[1], t[0]); }, tolerance_for(dt), "sub " + tag);
    check_against_scalar_f32(isa, {a, col}, [](const Ops& t) { return ops::mul(t[0], t[1]); }, tolerance_for(dt), "mul " + tag);
    check_against_scalar_f32(isa, {a, b}, [](const Ops& t) { return ops::div(t[0], t[1]); }, tolerance_for(dt), "div " + tag);
    check_against_scalar_f32(isa, {col, b}, [](const Ops& t) { return ops::maximum(t[0], t[1]); }, tolerance_for(dt), "maximum " + tag);
    check_against_scalar_f32(isa, {a, col}, [](const Ops& t) { return ops::minimum(t[0], t[1]); }, tolerance_for(dt), "minimum " + tag);
  }
}

TEST_P(ElementwiseTest, UnaryMatchesScalarF32) {
  const auto [isa, dt] = GetParam();
  for (int64_t n : odd_sizes()) {
    const Tensor x = random_tensor({2, n}, dt, 4, 2.0f);
    const Tensor pos = ops::add_scalar(ops::abs(x), 0.25f);
    const Tolerance tol = tolerance_for(dt);
    check_against_scalar_f32(isa, {x}, [](const Ops& t) { return ops::neg(t[0]); }, tol, "neg");
    check_against_scalar_f32(isa, {x}, [](const Ops& t) { return ops::exp(t[0]); }, tol, "exp");
    check_against_scalar_f32(isa, {pos}, [](const Ops& t) { return ops::log(t[0]); }, tol, "log");
    check_against_scalar_f32(isa, {pos}, [](const Ops& t) { return ops::sqrt(t[0]); }, tol, "sqrt");
    check_against_scalar_f32(isa, {pos}, [](const Ops& t) { return ops::rsqrt(t[0]); }, tol, "rsqrt");
    check_against_scalar_f32(isa, {x}, [](const Ops& t) { return ops::tanh(t[0]); }, tol, "tanh");
    check_against_scalar_f32(isa, {x}, [](const Ops& t) { return ops::abs(t[0]); }, tol, "abs");
    check_against_scalar_f32(isa, {x}, [](const Ops& t) { return ops::sigmoid(t[0]); }, tol, "sigmoid");
    check_against_scalar_f32(isa, {x}, [](const Ops& t) { return ops::relu(t[0]); }, tol, "relu");
    check_against_scalar_f32(isa, {pos}, [](const Ops& t) { return ops::pow(t[0], 2.5f); }, tol, "pow");
    check_against_scalar_f32(isa, {x}, [](const Ops& t) { return ops::add_scalar(t[0], -1.5f); }, tol, "add_scalar");
    check_against_scalar_f32(isa, {x}, [](const Ops& t) { return ops::mul_scalar(t[0], 3.0f); }, tol, "mul_scalar");
  }
}

TEST_P(ElementwiseTest, NonContiguousViewsMatchContiguousCopies) {
  const auto [isa, dt] = GetParam();
  IsaGuard g(isa);
  const Tensor big = random_tensor({7, 9, 33}, dt, 5);
  const Tensor a = big.transpose(0, 2);                       // [33, 9, 7], strided
  const Tensor b = random_tensor({9, 14}, dt, 6).slice(1, 0, 14, 2);  // [9, 7], step 2
  EXPECT_CLOSE(ops::add(a, b), ops::add(a.contiguous(), b.contiguous()), kTolF32);
  EXPECT_CLOSE(ops::exp(a), ops::exp(a.contiguous()), kTolF32);
  const Tensor e = random_tensor({1, 7}, dt, 7).expand({9, 7});
  EXPECT_CLOSE(ops::mul(e, b), ops::mul(e.contiguous(), b.contiguous()), kTolF32);
  EXPECT_CLOSE(ops::tanh(e), ops::tanh(e.contiguous()), kTolF32);
}

TEST_P(ElementwiseTest, WhereAndMaskedFill) {
  const auto [isa, dt] = GetParam();
  IsaGuard g(isa);
  const Tensor x = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3}, dt);
  const Tensor mask = Tensor::from_vector({1, 0, 1}, {3}, DType::Bool);
  EXPECT_EQ(ops::masked_fill(x, mask, -1.0f).to_float_vector(), (std::vector<float>{-1, 2, -1, -1, 5, -1}));
  const Tensor cond = Tensor::from_vector({0, 1}, {2, 1}, DType::I64);
  EXPECT_EQ(ops::where(cond, x, ops::neg(x)).to_float_vector(), (std::vector<float>{-1, -2, -3, 4, 5, 6}));
}

INSTANTIATE_TEST_SUITE_P(IsaDtype, ElementwiseTest, ::testing::ValuesIn(isa_dtype_cases()), isa_dtype_name);

TEST(Elementwise, BroadcastShapes) {
  EXPECT_EQ(ops::broadcast_shapes({3, 1, 5}, {4, 1}), (Shape{3, 4, 5}));
  EXPECT_EQ(ops::broadcast_shapes({}, {2}), (Shape{2}));
  EXPECT_EQ(ops::broadcast_shapes({0, 1}, {1, 3}), (Shape{0, 3}));
  EXPECT_EQ(ops::add(Tensor::zeros({0, 3}, DType::F32), Tensor::zeros({3}, DType::F32)).shape(), (Shape{0, 3}));
}

TEST(Elementwise, ScalarResultsAndSpecialValues) {
  const Tensor a = Tensor::from_vector({NAN, 1, -INFINITY}, {3});
  const Tensor b = Tensor::from_vector({0, NAN, 2}, {3});
  for (core::Isa isa : core::supported_isas()) {
    IsaGuard g(isa);
    auto m = ops::maximum(a, b).to_float_vector();
    EXPECT_TRUE(std::isnan(m[0]) && std::isnan(m[1]));
    EXPECT_EQ(m[2], 2);
    EXPECT_EQ(ops::exp(a).to_float_vector()[2], 0.0f);
    EXPECT_EQ(ops::add(Tensor::full({}, 2, DType::F32), Tensor::full({}, 3, DType::F32)).item(), 5.0);
  }
}

TEST(Elementwise, BadInputIsInvalidArgument) {
  const Tensor a = Tensor::zeros({2, 3}, DType::F32);
  expect_invalid([&] { ops::add(a, Tensor::zeros({4}, DType::F32)); }, "do not broadcast");
  expect_invalid([&] { ops::mul(a, Tensor::zeros({2, 3}, DType::BF16)); }, "same dtype");
  expect_invalid([&] { ops::exp(Tensor::zeros({2}, DType::I32)); }, "expected F32, F16 or BF16");
  expect_invalid([&] { ops::neg(Tensor()); }, "undefined");
  expect_invalid([&] { ops::where(a, a, a); }, "cond has dtype F32");
  expect_invalid([&] { ops::masked_fill(a, Tensor::zeros({4, 2, 3}, DType::Bool), 0); }, "does not broadcast");
}

}  // namespace
}  // namespace hfcpp::testing
