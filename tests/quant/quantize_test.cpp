// Quantization: bit-identical to gguf-py where it quantizes (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, BF16);
// NMSE bounds and importance weighting for the searched formats (K-quants, IQ4_NL, IQ4_XS).
#include <gtest/gtest.h>

#include <cmath>

#include "quant/quant_test_util.h"

namespace hfcpp::testing {
namespace {

class QuantizeGolden : public ::testing::TestWithParam<const char*> {};

TEST_P(QuantizeGolden, BytesIdenticalToGgufPy) {
  const std::string name = GetParam();
  const GgmlType type = quant::parse_ggml_type(name).value();
  const Tensor in = quant_golden().get("q." + name + ".in");
  const auto expected = golden_vector<uint8_t>("q." + name + ".bytes");
  const int64_t rows = in.size(0), cols = in.size(1);
  std::vector<uint8_t> got(expected.size(), 0xAA);
  const size_t written = quant::quantize(type, in.data<float>(), got.data(), rows, cols);
  ASSERT_EQ(written, expected.size());
  int64_t first = -1;
  for (size_t i = 0; i < got.size() && first < 0; ++i)
    if (got[i] != expected[i]) first = static_cast<int64_t>(i);
  EXPECT_EQ(first, -1) << name << ": first differing byte " << first << " (block "
                       << first / static_cast<int64_t>(quant::ggml_type_info(type).type_size) << ")";
}

INSTANTIATE_TEST_SUITE_P(Types, QuantizeGolden, ::testing::Values("Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "BF16"),
                         [](const auto& info) { return std::string(info.param); });

struct NmseCase {
  const char* type;
  double max_nmse;  // on N(0, 1) data
};

class QuantizeNmse : public ::testing::TestWithParam<NmseCase> {};

// Data uniform in [-1, 1] as llama.cpp's test-backend-ops; bounds: 8-bit 1e-4, 5/6-bit 2e-3 and
// 5e-4, 4-bit 5e-3, 3-bit 2e-2, 2-bit 8e-2.
TEST_P(QuantizeNmse, RoundTripWithinBound) {
  const auto [name, bound] = GetParam();
  const GgmlType type = quant::parse_ggml_type(name).value();
  const int64_t rows = 8, cols = 1024;
  std::vector<float> x(static_cast<size_t>(rows * cols));
  std::mt19937 gen(7);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (float& v : x) v = dist(gen);
  const auto y = round_trip(type, x, rows, cols);
  const double e = nmse(y, x);
  RecordProperty("nmse", std::to_string(e));
  EXPECT_LE(e, bound) << name;
}

INSTANTIATE_TEST_SUITE_P(Types, QuantizeNmse,
                         ::testing::Values(NmseCase{"Q8_0", 1e-4}, NmseCase{"Q4_0", 5e-3}, NmseCase{"Q4_1", 5e-3},
                                           NmseCase{"Q5_0", 2e-3}, NmseCase{"Q5_1", 2e-3}, NmseCase{"Q2_K", 8e-2},
                                           NmseCase{"Q3_K", 2e-2}, NmseCase{"Q4_K", 5e-3}, NmseCase{"Q5_K", 2e-3},
                                           NmseCase{"Q6_K", 5e-4}, NmseCase{"Q8_K", 1e-4}, NmseCase{"IQ4_NL", 5e-3},
                                           NmseCase{"IQ4_XS", 5e-3}),
                         [](const auto& info) { return std::string(info.param.type); });

// With an importance vector concentrated on some columns, the searched formats must lower the
// weighted squared error on those columns compared with quantizing without it.
class QuantizeImportance : public ::testing::TestWithParam<const char*> {};

TEST_P(QuantizeImportance, ImportanceLowersWeightedError) {
  const std::string name = GetParam();
  const GgmlType type = quant::parse_ggml_type(name).value();
  const int64_t rows = 16, cols = 512;
  const auto x = random_floats(static_cast<size_t>(rows * cols), 11);
  std::vector<float> importance(static_cast<size_t>(cols));
  std::mt19937 gen(5);
  std::exponential_distribution<float> dist(1.0f);
  for (float& v : importance) v = dist(gen) * dist(gen) * 4.0f;
  const auto plain = round_trip(type, x, rows, cols);
  const auto weighted = round_trip(type, x, rows, cols, importance.data());
  const double e_plain = weighted_sq_error(plain, x, importance.data(), static_cast<size_t>(cols));
  const double e_weighted = weighted_sq_error(weighted, x, importance.data(), static_cast<size_t>(cols));
  RecordProperty("weighted_error_plain", std::to_string(e_plain));
  RecordProperty("weighted_error_imatrix", std::to_string(e_weighted));
  EXPECT_LT(e_weighted, e_plain) << name;
}

INSTANTIATE_TEST_SUITE_P(Types, QuantizeImportance,
                         ::testing::Values("Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"),
                         [](const auto& info) { return std::string(info.param); });

TEST(Quantize, ZeroAndConstantRowsStayExact) {
  for (const char* name : {"Q4_0", "Q4_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"}) {
    const GgmlType type = quant::parse_ggml_type(name).value();
    const std::vector<float> zeros(256, 0.0f);
    const auto y = round_trip(type, zeros, 1, 256);
    for (float v : y) ASSERT_EQ(v, 0.0f) << name;
  }
}

// Q8_0 (and the Q8_1 activations, same rounding) round half away from zero like std::round:
// absmax 127 makes the scale exactly 1, so each value is rounded as written.
TEST(Quantize, Q8RoundsHalfAwayFromZeroLikeStdRound) {
  std::vector<float> x = {127.0f, 0.5f,  -0.5f,  1.5f,        -1.5f,        2.5f,       -2.5f, 126.5f,
                          -126.5f, 0.49999997f, -0.49999997f, 0.50000006f, 3.4999998f, -7.5f, 0.0f, -0.0f};
  for (int j = 0; x.size() < 32; ++j) x.push_back(static_cast<float>(j) * 0.37f - 5.0f);
  std::vector<uint8_t> bytes(34);
  quant::quantize(GgmlType::Q8_0, x.data(), bytes.data(), 1, 32);
  for (size_t j = 0; j < 32; ++j)
    EXPECT_EQ(static_cast<int8_t>(bytes[2 + j]), static_cast<int8_t>(std::round(x[j]))) << "x = " << x[j];
}

TEST(Quantize, RejectsRowsThatAreNotWholeBlocks) {
  std::vector<float> x(100);
  std::vector<std::byte> out(1000);
  EXPECT_THROW(quant::quantize(GgmlType::Q4_K, x.data(), out.data(), 1, 100), Error);
}

}  // namespace
}  // namespace hfcpp::testing
