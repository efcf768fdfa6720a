#include <gtest/gtest.h>

#include <cmath>

#include "hfcpp/tensor/ops/reduce.h"
#include "test_util.h"

namespace hfcpp::testing {
namespace {

using Ops = std::vector<Tensor>;

class ReduceTest : public ::testing::TestWithParam<IsaDtype> {};

TEST_P(ReduceTest, EveryReductionOverEveryDimMatchesScalarF32) {
  const auto [isa, dt] = GetParam();
  for (int64_t n : odd_sizes()) {
    const Tensor x = random_tensor({3, n, 2}, dt, 11, 2.0f);
    for (int64_t dim : {0, 1, 2, -1}) {
      const int64_t k = x.size(dim);
      const Tolerance tol = tolerance_for(dt).reduced_over(k);
      const std::string tag = fmt::format("n={} dim={}", n, dim);
      for (bool keep : {false, true}) {
        check_against_scalar_f32(isa, {x}, [&](const Ops& t) { return ops::sum(t[0], dim, keep); },
                                 tol.scaled(4), "sum " + tag);
        check_against_scalar_f32(isa, {x}, [&](const Ops& t) { return ops::mean(t[0], dim, keep); }, tol, "mean " + tag);
        check_against_scalar_f32(isa, {x}, [&](const Ops& t) { return ops::max(t[0], dim, keep); }, tol, "max " + tag);
        check_against_scalar_f32(isa, {x}, [&](const Ops& t) { return ops::min(t[0], dim, keep); }, tol, "min " + tag);
        check_against_scalar_f32(isa, {x}, [&](const Ops& t) { return ops::logsumexp(t[0], dim, keep); }, tol, "logsumexp " + tag);
        check_against_scalar_f32(isa, {x}, [&](const Ops& t) { return ops::var(t[0], dim, keep); }, tol, "var " + tag);
      }
      // argmax is exact on the same dtype input.
      Tensor got, want;
      {
        IsaGuard g(isa);
        got = ops::argmax(x, dim, true);
      }
      {
        IsaGuard g(core::Isa::Scalar);
        want = ops::argmax(x, dim, true);
      }
      EXPECT_EQ(got.dtype(), DType::I64);
      EXPECT_EQ(got.to_float_vector(), want.to_float_vector()) << tag;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(IsaDtype, ReduceTest, ::testing::ValuesIn(isa_dtype_cases()), isa_dtype_name);

TEST(Reduce, ShapesKeepdimAndSmallCases) {
  const Tensor x = Tensor::from_vector({1, 5, 3, 4, 2, 6}, {2, 3});
  EXPECT_EQ(ops::sum(x, 0).shape(), (Shape{3}));
  EXPECT_EQ(ops::sum(x, 1, true).shape(), (Shape{2, 1}));
  EXPECT_EQ(ops::sum(x, 1).to_float_vector(), (std::vector<float>{9, 12}));
  EXPECT_EQ(ops::max(x, 0).to_float_vector(), (std::vector<float>{4, 5, 6}));
  EXPECT_EQ(ops::min(x, -1).to_float_vector(), (std::vector<float>{1, 2}));
  EXPECT_EQ(ops::argmax(x, 1).to_float_vector(), (std::vector<float>{1, 2}));
  EXPECT_EQ(ops::mean(x, 0).to_float_vector(), (std::vector<float>{2.5, 3.5, 4.5}));
  EXPECT_NEAR(ops::var(x, 1).item({0}), 4.0, 1e-6);
  EXPECT_NEAR(ops::var(x, 1, false, 0).item({0}), 8.0 / 3.0, 1e-6);
  EXPECT_EQ(ops::sum(Tensor::full({}, 3, DType::F32), 0).dim(), 0);
  EXPECT_EQ(ops::sum(Tensor::zeros({2, 0}, DType::F32), 1).to_float_vector(), (std::vector<float>{0, 0}));
  // argmax: first of equal maxima, NaN wins; logsumexp of -inf row is -inf.
  const Tensor y = Tensor::from_vector({2, 7, 7, 1, NAN, 9}, {2, 3});
  EXPECT_EQ(ops::argmax(y, 1).to_float_vector(), (std::vector<float>{1, 1}));
  const Tensor z = Tensor::full({1, 4}, -INFINITY, DType::F32);
  EXPECT_EQ(ops::logsumexp(z, 1).item({0}), -INFINITY);
}

TEST(Reduce, BadInputIsInvalidArgument) {
  const Tensor x = Tensor::zeros({2, 3}, DType::F32);
  expect_invalid([&] { ops::sum(x, 2); }, "dim 2 is out of range");
  expect_invalid([&] { ops::max(x, -3); }, "out of range");
  expect_invalid([&] { ops::max(Tensor::zeros({2, 0}, DType::F32), 1); }, "size 0");
  expect_invalid([&] { ops::sum(Tensor::zeros({2}, DType::I64), 0); }, "expected F32, F16 or BF16");
  expect_invalid([&] { ops::var(x, 0, false, -1); }, "correction");
}

}  // namespace
}  // namespace hfcpp::testing
