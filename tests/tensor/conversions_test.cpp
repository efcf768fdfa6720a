// dtype conversions, bit-exact against numpy / ml_dtypes (goldens from
// scripts/golden/make_ops.py) and, for f16, against the CPU's own F16C instructions.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>

#include <immintrin.h>

#include "hfcpp/tensor/convert.h"
#include "hfcpp/tensor/half.h"
#include "tensor/cpu/kernels.h"
#include "test_util.h"

namespace hfcpp::testing {
namespace {

using namespace hfcpp::tensor;

const GoldenFile& golden() {
  static const GoldenFile g("tests/golden/tensor/conversions.safetensors");
  return g;
}

uint64_t fnv1a64(const void* data, size_t n, uint64_t h = 0xcbf29ce484222325ull) {
  auto p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

// F16C intrinsics in functions compiled for F16C only; called after the cpuid check.
__attribute__((target("f16c"))) float hw_f16_to_f32(uint16_t h) { return _cvtsh_ss(h); }
__attribute__((target("f16c"))) uint16_t hw_f32_to_f16(float f) {
  return static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT));
}

std::string hex(uint64_t h) { return fmt::format("{:016x}", h); }

// The same input set as make_ops.py: (hi << 16 | low) for every hi and the listed lows, no NaN.
std::vector<float> exhaustive_inputs() {
  static const uint32_t lows[] = {0x0000, 0x0001, 0x0FFF, 0x1000, 0x1001, 0x7FFF, 0x8000, 0x8001, 0xFFFF};
  std::vector<float> out;
  out.reserve(65536 * 9);
  for (uint32_t hi = 0; hi < 65536; ++hi)
    for (uint32_t lo : lows) {
      const uint32_t bits = hi << 16 | lo;
      if ((bits & 0x7fffffffu) > 0x7f800000u) continue;
      out.push_back(std::bit_cast<float>(bits));
    }
  return out;
}

TEST(Conversions, ExhaustiveInputSetMatchesTheGenerator) {
  EXPECT_EQ(std::to_string(exhaustive_inputs().size()), golden().metadata("f32_inputs"));
}

template <class Out, class Fn>
std::string hash_of(const std::vector<float>& xs, Fn fn) {
  std::vector<Out> out(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) out[i] = fn(xs[i]);
  return hex(fnv1a64(out.data(), out.size() * sizeof(Out)));
}

TEST(Conversions, F32ToHalfFormatsMatchNumpyAndMlDtypesExhaustively) {
  const auto xs = exhaustive_inputs();
  EXPECT_EQ(hash_of<uint16_t>(xs, f32_to_f16), golden().metadata("hash.f32_to_f16"));
  EXPECT_EQ(hash_of<uint16_t>(xs, f32_to_bf16), golden().metadata("hash.f32_to_bf16"));
  EXPECT_EQ(hash_of<uint8_t>(xs, f32_to_f8e4m3), golden().metadata("hash.f32_to_e4m3"));
  EXPECT_EQ(hash_of<uint8_t>(xs, f32_to_f8e5m2), golden().metadata("hash.f32_to_e5m2"));
}

TEST(Conversions, AllSixteenBitPatternsDecodeLikeNumpy) {
  std::vector<uint32_t> f16(65536), bf16(65536);
  for (uint32_t h = 0; h < 65536; ++h) {
    f16[h] = std::bit_cast<uint32_t>(f16_to_f32(static_cast<uint16_t>(h)));
    bf16[h] = std::bit_cast<uint32_t>(bf16_to_f32(static_cast<uint16_t>(h)));
  }
  EXPECT_EQ(hex(fnv1a64(f16.data(), f16.size() * 4)), golden().metadata("hash.f16_to_f32"));
  EXPECT_EQ(hex(fnv1a64(bf16.data(), bf16.size() * 4)), golden().metadata("hash.bf16_to_f32"));
}

TEST(Conversions, F16RoundTripsEveryPatternAndAgreesWithF16C) {
  if (!core::cpu_features().f16c) GTEST_SKIP() << "no F16C on this CPU";
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = f16_to_f32(static_cast<uint16_t>(h));
    const float hw = hw_f16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      ASSERT_TRUE(std::isnan(hw));
      ASSERT_EQ(f32_to_f16(f), (h & 0x8000) | 0x7e00) << h;  // canonical quiet NaN, as torch
      continue;
    }
    ASSERT_EQ(std::bit_cast<uint32_t>(f), std::bit_cast<uint32_t>(hw)) << "pattern " << h;
    ASSERT_EQ(f32_to_f16(f), h) << "pattern " << h;
    ASSERT_EQ(f32_to_bf16(bf16_to_f32(static_cast<uint16_t>(h))), h) << "bf16 pattern " << h;
  }
  // Midpoints and their neighbours for every finite f16 against the hardware encoder.
  for (uint32_t h = 0; h < 0x7c00; ++h) {
    const uint32_t lo = std::bit_cast<uint32_t>(f16_to_f32(static_cast<uint16_t>(h)));
    const uint32_t hi = std::bit_cast<uint32_t>(f16_to_f32(static_cast<uint16_t>(h + 1)));
    const uint32_t mid_bits = lo + (hi - lo) / 2;
    for (uint32_t b : {mid_bits - 1, mid_bits, mid_bits + 1, mid_bits | 0x80000000u}) {
      const float x = std::bit_cast<float>(b);
      ASSERT_EQ(f32_to_f16(x), hw_f32_to_f16(x)) << "f32 bits " << b;
    }
  }
}

TEST(Conversions, Float8DecodeTablesMatchMlDtypes) {
  const Tensor e4 = golden().get("e4m3_to_f32"), e5 = golden().get("e5m2_to_f32");
  for (int v = 0; v < 256; ++v) {
    const float want4 = e4.data<float>()[v], want5 = e5.data<float>()[v];
    const float got4 = f8e4m3_to_f32(static_cast<uint8_t>(v)), got5 = f8e5m2_to_f32(static_cast<uint8_t>(v));
    if (std::isnan(want4)) EXPECT_TRUE(std::isnan(got4)) << v;
    else EXPECT_EQ(std::bit_cast<uint32_t>(got4), std::bit_cast<uint32_t>(want4)) << "e4m3 code " << v;
    if (std::isnan(want5)) EXPECT_TRUE(std::isnan(got5)) << v;
    else EXPECT_EQ(std::bit_cast<uint32_t>(got5), std::bit_cast<uint32_t>(want5)) << "e5m2 code " << v;
    if (!std::isnan(got4)) {
      EXPECT_EQ(f32_to_f8e4m3(got4), v) << "e4m3 round trip";
    }
    if (!std::isnan(got5)) {
      EXPECT_EQ(f32_to_f8e5m2(got5), v) << "e5m2 round trip";
    }
  }
}

TEST(Conversions, TrickyValuesWithReadableFailures) {
  const Tensor x = golden().get("tricky");
  const Tensor f16 = golden().get("tricky_f16"), bf16 = golden().get("tricky_bf16");
  const Tensor e4 = golden().get("tricky_e4m3"), e5 = golden().get("tricky_e5m2");
  for (int64_t i = 0; i < x.numel(); ++i) {
    const float v = x.data<float>()[i];
    EXPECT_EQ(f32_to_f16(v), f16.data<uint16_t>()[i]) << "f16 of " << v;
    EXPECT_EQ(f32_to_bf16(v), bf16.data<uint16_t>()[i]) << "bf16 of " << v;
    EXPECT_EQ(f32_to_f8e4m3(v), e4.data<uint8_t>()[i]) << "e4m3 of " << v;
    EXPECT_EQ(f32_to_f8e5m2(v), e5.data<uint8_t>()[i]) << "e5m2 of " << v;
  }
}

TEST(Conversions, Float8OverflowAndNanFollowTorch) {
  // torch.tensor([...]).to(torch.float8_e4m3fn): no saturation, overflow is NaN.
  EXPECT_EQ(f32_to_f8e4m3(448.0f), 0x7e);
  EXPECT_EQ(f32_to_f8e4m3(464.0f), 0x7e);  // tie rounds to even (448)
  EXPECT_EQ(f32_to_f8e4m3(470.0f), 0x7f);  // NaN
  EXPECT_EQ(f32_to_f8e4m3(-1e9f), 0xff);
  EXPECT_EQ(f32_to_f8e4m3(INFINITY), 0x7f);
  EXPECT_EQ(f32_to_f8e4m3(NAN), 0x7f);
  EXPECT_EQ(f32_to_f8e5m2(57344.0f), 0x7b);
  EXPECT_EQ(f32_to_f8e5m2(61440.0f), 0x7c);  // tie to even is infinity
  EXPECT_EQ(f32_to_f8e5m2(-INFINITY), 0xfc);
  EXPECT_EQ(f32_to_f8e5m2(NAN), 0x7f);
  EXPECT_EQ(f32_to_f8e4m3(-0.0f), 0x80);
}

TEST(Conversions, BulkKernelsMatchScalarForEveryIsa) {
  std::vector<float> xs = exhaustive_inputs();
  xs.push_back(std::bit_cast<float>(0x7fc00000u));
  xs.push_back(std::bit_cast<float>(0xffa00001u));  // negative signalling NaN with payload
  const int64_t n = static_cast<int64_t>(xs.size());
  std::vector<uint16_t> want16(n), wantb(n), got(n);
  for (int64_t i = 0; i < n; ++i) {
    want16[i] = f32_to_f16(xs[i]);
    wantb[i] = f32_to_bf16(xs[i]);
  }
  std::vector<uint16_t> all(65536);
  for (uint32_t i = 0; i < 65536; ++i) all[i] = static_cast<uint16_t>(i);
  std::vector<float> dec(65536);
  for (core::Isa isa : core::supported_isas()) {
    const auto& k = tensor::cpu::kernels_for(isa);
    k.f32_to_f16(xs.data(), got.data(), n);
    EXPECT_EQ(got, want16) << k.name;
    k.f32_to_bf16(xs.data(), got.data(), n);
    EXPECT_EQ(got, wantb) << k.name;
    k.f16_to_f32(all.data(), dec.data(), 65536);
    for (uint32_t i = 0; i < 65536; ++i) {
      const float w = f16_to_f32(static_cast<uint16_t>(i));
      if (std::isnan(w)) ASSERT_TRUE(std::isnan(dec[i]));
      else ASSERT_EQ(std::bit_cast<uint32_t>(dec[i]), std::bit_cast<uint32_t>(w)) << k.name << " " << i;
    }
    k.bf16_to_f32(all.data(), dec.data(), 65536);
    for (uint32_t i = 0; i < 65536; ++i)
      ASSERT_EQ(std::bit_cast<uint32_t>(dec[i]), i << 16) << k.name;
  }
}

TEST(Conversions, TensorToConvertsBetweenDtypes) {
  Tensor x = Tensor::from_vector({1.5f, -2.25f, 300.0f, 0.0f}, {4});
  EXPECT_EQ(x.to(DType::F16).to(DType::F32).to_float_vector(), x.to_float_vector());
  EXPECT_EQ(x.to(DType::I32).to_float_vector(), (std::vector<float>{1, -2, 300, 0}));
  EXPECT_EQ(x.to(DType::Bool).to_float_vector(), (std::vector<float>{1, 1, 1, 0}));
  EXPECT_EQ(x.to(DType::F8_E4M3).to_float_vector(), (std::vector<float>{1.5f, -2.25f, 288.0f, 0.0f}));
}

}  // namespace
}  // namespace hfcpp::testing
