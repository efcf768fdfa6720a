#include <gtest/gtest.h>

#include "hfcpp/tensor/ops/rope.h"
#include "test_util.h"

namespace hfcpp::testing {
namespace {

using ops::RopeLayout;

class RopeTest : public ::testing::TestWithParam<IsaDtype> {};

TEST_P(RopeTest, FusedMatchesCompositionForBothLayoutsAndPartialRotary) {
  const auto [isa, dt] = GetParam();
  IsaGuard g(isa);
  for (int64_t D : {2, 32, 66, 128}) {
    for (int64_t rot : {D, (D / 4) * 2}) {
      if (rot <= 0 || rot % 2) continue;
      const Tensor x = random_tensor({2, 3, 5, D}, dt, 41);
      auto [c, s] = ops::rope_cos_sin(7, 5, rot, 10000.0f);
      for (RopeLayout layout : {RopeLayout::HalfSplit, RopeLayout::Interleaved}) {
        EXPECT_CLOSE(ops::apply_rope(x, c, s, layout), ops::apply_rope_reference(x, c, s, layout),
                     tolerance_for(dt))
            << "D=" << D << " rot=" << rot << " layout=" << static_cast<int>(layout);
      }
    }
  }
}

TEST_P(RopeTest, ScalarAndIsaAgreeOnStridedInput) {
  const auto [isa, dt] = GetParam();
  // [B, L, H, D] storage viewed as [B, H, L, D], as after a q projection.
  const Tensor x = random_tensor({2, 7, 4, 64}, dt, 42).transpose(1, 2);
  const Tensor pos = Tensor::from_vector({0, 1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 14, 15, 16}, {2, 7}, DType::I64);
  auto [c, s] = ops::rope_cos_sin(pos, 64, 500000.0f);
  EXPECT_EQ(c.shape(), (Shape{2, 7, 32}));
  check_against_scalar_f32(isa, {x, c, s}, [](const std::vector<Tensor>& t) {
    return ops::apply_rope(t[0], t[1], t[2], RopeLayout::HalfSplit);
  }, tolerance_for(dt), "rope per-batch positions");
  IsaGuard g(isa);
  EXPECT_CLOSE(ops::apply_rope(x, pos, 500000.0f, RopeLayout::HalfSplit),
               ops::apply_rope(x.contiguous(), c, s, RopeLayout::HalfSplit), kTolF32);
}

INSTANTIATE_TEST_SUITE_P(IsaDtype, RopeTest, ::testing::ValuesIn(isa_dtype_cases()), isa_dtype_name);

TEST(Rope, PositionZeroIsIdentityAndTablesAreUnitCircle) {
  auto [c, s] = ops::rope_cos_sin(0, 3, 8, 10000.0f);
  EXPECT_EQ(c.shape(), (Shape{3, 4}));
  for (int64_t i = 0; i < 4; ++i) {
    EXPECT_EQ(c.item({0, i}), 1.0);
    EXPECT_EQ(s.item({0, i}), 0.0);
  }
  EXPECT_NEAR(s.item({2, 0}), std::sin(2.0), 1e-6);
  EXPECT_NEAR(c.item({1, 1}), std::cos(0.1), 1e-6);  // inv_freq[1] = 10000^(-2/8) = 0.1
}

TEST(Rope, BadInputIsInvalidArgument) {
  const Tensor x = Tensor::zeros({1, 2, 3, 8}, DType::F32);
  auto [c, s] = ops::rope_cos_sin(0, 3, 8, 10000.0f);
  expect_invalid([&] { ops::apply_rope(x.select(0, 0), c, s, RopeLayout::HalfSplit); }, "expected 4 dims");
  expect_invalid([&] { ops::apply_rope(x, c.narrow(0, 0, 2), s, RopeLayout::HalfSplit); }, "cos has shape [2, 4]");
  auto [c5, s5] = ops::rope_cos_sin(0, 3, 10, 10000.0f);
  expect_invalid([&] { ops::apply_rope(x, c5, s5, RopeLayout::HalfSplit); }, "frequencies");
  expect_invalid([&] { ops::rope_cos_sin(0, 3, 7, 10000.0f); }, "even");
  expect_invalid([&] { ops::rope_cos_sin(Tensor::zeros({3}, DType::F32), 8, 1e4f); }, "index dtype F32");
}

}  // namespace
}  // namespace hfcpp::testing
