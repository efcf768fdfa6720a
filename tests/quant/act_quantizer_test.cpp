// Activation quantizers: every ISA path must write the same bytes as the scalar reference,
// including values that land exactly on .5 after scaling (rounding direction), blocks of zeros,
// and blocks whose largest magnitude appears with both signs (Q8_K takes the first one's sign).
#include <gtest/gtest.h>

#include <cstring>

#include "quant/blocks/block_types.h"
#include "quant/quant_test_util.h"

namespace hfcpp::testing {
namespace {

std::vector<float> tricky_activations(size_t n) {
  std::vector<float> x = random_floats(n, 21, 3.0f);
  // Block 0: multiples of amax / 127 / 2, so x * id lands on .5 steps (and rounds half away).
  for (size_t j = 0; j < 32 && j < n; ++j) x[j] = (static_cast<float>(j) - 15.5f) * (127.0f / 254.0f) * 0.25f;
  x[31] = 127.0f * 0.25f / 2;  // the block's amax
  // Block 1: all zero.
  for (size_t j = 32; j < 64 && j < n; ++j) x[j] = 0.0f;
  // Super-block 1 (Q8_K): the largest magnitude occurs as -7 first, then +7.
  if (n >= 512) {
    x[300] = -7.0f;
    x[400] = 7.0f;
  }
  for (size_t j = 512; j + 1 < n && j < 544; j += 2) x[j] = -x[j + 1];  // +- pairs
  return x;
}

TEST(ActQuantizer, IsaPathsWriteTheScalarBytes) {
  const int64_t n = 1024;
  const std::vector<float> x = tricky_activations(static_cast<size_t>(n));
  for (GgmlType type : {GgmlType::Q8_0, GgmlType::Q8_1, GgmlType::Q8_K}) {
    const size_t bytes = static_cast<size_t>(quant::ggml_row_bytes(type, static_cast<uint64_t>(n)));
    std::vector<std::byte> ref(bytes), fast(bytes);
    quant::act_quantizer_for(type, core::Isa::Scalar)(x.data(), ref.data(), n, nullptr);
    for (core::Isa isa : core::supported_isas()) {
      std::fill(fast.begin(), fast.end(), std::byte{0x5A});
      quant::act_quantizer_for(type, isa)(x.data(), fast.data(), n, nullptr);
      EXPECT_EQ(std::memcmp(ref.data(), fast.data(), bytes), 0)
          << quant::ggml_type_info(type).name << " on " << core::isa_name(isa);
    }
  }
}

}  // namespace
}  // namespace hfcpp::testing
