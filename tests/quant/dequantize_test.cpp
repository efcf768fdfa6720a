// Dequantization must equal gguf-py's bit for bit (goldens from scripts/golden/make_quant.py).
#include <gtest/gtest.h>

#include <cstring>

#include "quant/quant_test_util.h"

namespace hfcpp::testing {
namespace {

class DequantizeGolden : public ::testing::TestWithParam<const char*> {};

TEST_P(DequantizeGolden, BitIdenticalToGgufPy) {
  const std::string name = GetParam();
  const GgmlType type = quant::parse_ggml_type(name).value();
  const auto raw = golden_vector<uint8_t>("deq." + name + ".raw");
  const auto expected = golden_vector<float>("deq." + name + ".out");
  std::vector<float> got(expected.size(), -1.0f);
  quant::dequantize(type, raw.data(), got.data(), static_cast<int64_t>(got.size()));
  int64_t mismatches = 0, first = -1;
  for (size_t i = 0; i < got.size(); ++i)
    if (std::memcmp(&got[i], &expected[i], 4) != 0) {
      if (first < 0) first = static_cast<int64_t>(i);
      ++mismatches;
    }
  EXPECT_EQ(mismatches, 0) << name << ": first mismatch at " << first << ": got "
                           << (first >= 0 ? got[first] : 0) << " expected " << (first >= 0 ? expected[first] : 0);
}

INSTANTIATE_TEST_SUITE_P(Types, DequantizeGolden,
                         ::testing::Values("F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K",
                                           "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"),
                         [](const auto& info) { return std::string(info.param); });

TEST(Dequantize, RejectsPartialBlocksAndUnsupportedTypes) {
  std::vector<std::byte> raw(64);
  std::vector<float> out(64);
  try {
    quant::dequantize(GgmlType::Q4_0, raw.data(), out.data(), 31);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("multiple of the 32-element block"), std::string::npos) << e.what();
  }
  try {
    quant::dequantize(GgmlType::IQ2_XXS, raw.data(), out.data(), 256);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unsupported);
    EXPECT_NE(std::string(e.what()).find("IQ2_XXS"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hfcpp::testing
