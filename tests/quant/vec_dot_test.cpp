// Dot products and quant::linear: every ISA path against the scalar one, and against
// dequantize + f32 matmul (the oracle) within NMSE; odd M, K a multiple of the block.
#include <gtest/gtest.h>

#include <cstring>

#include "hfcpp/core/thread_pool.h"
#include "hfcpp/tensor/ops/matmul.h"
#include "quant/blocks/block_types.h"
#include "quant/quant_test_util.h"
#include "temp_path.h"

namespace hfcpp::testing {
namespace {

const char* const kMatmulTypes[] = {"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0",
                                    "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"};

quant::QuantizedTensor make_weight(GgmlType type, int64_t n, int64_t k, uint32_t seed) {
  const auto w = random_floats(static_cast<size_t>(n * k), seed);
  return quant::QuantizedTensor::quantize_from(Tensor::from_vector(w, {n, k}), type);
}

struct LinearCase {
  const char* type;
  core::Isa isa;
};

class QuantLinear : public ::testing::TestWithParam<LinearCase> {};

TEST_P(QuantLinear, MatchesDequantizedMatmul) {
  const auto [name, isa] = GetParam();
  const GgmlType type = quant::parse_ggml_type(name).value();
  IsaGuard guard(isa);
  for (const auto& [m, n, k] : {std::tuple<int64_t, int64_t, int64_t>{1, 33, 512}, {3, 17, 256}, {7, 64, 768}}) {
    const auto w = make_weight(type, n, k, 3);
    const Tensor x = random_tensor({m, k}, DType::F32, 9);
    const Tensor y = quant::linear(x, w);
    const Tensor ref = ops::linear(x, w.dequantize());
    // Activations are rounded to 8 bits per block: the error is that of Q8 activations.
    const double e = nmse(y.to_float_vector(), ref.to_float_vector());
    EXPECT_LE(e, 2e-4) << name << " on " << core::isa_name(isa) << " m=" << m << " n=" << n << " k=" << k;
  }
}

TEST_P(QuantLinear, IsaPathMatchesScalar) {
  const auto [name, isa] = GetParam();
  if (isa == core::Isa::Scalar) GTEST_SKIP() << "scalar is the reference";
  const GgmlType type = quant::parse_ggml_type(name).value();
  const auto w = make_weight(type, 40, 1024, 4);
  const Tensor x = random_tensor({5, 1024}, DType::F32, 10);
  Tensor scalar, fast;
  {
    IsaGuard g(core::Isa::Scalar);
    scalar = quant::linear(x, w);
  }
  {
    IsaGuard g(isa);
    fast = quant::linear(x, w);
  }
  // Same integer sums; only the f32 accumulation order differs.
  EXPECT_TRUE(expect_close_impl(fast, scalar, Tolerance{1e-4, 1e-4}.reduced_over(1024))) << name;
}

std::vector<LinearCase> linear_cases() {
  std::vector<LinearCase> out;
  for (core::Isa isa : core::supported_isas())
    for (const char* t : kMatmulTypes) out.push_back({t, isa});
  return out;
}

INSTANTIATE_TEST_SUITE_P(TypesIsas, QuantLinear, ::testing::ValuesIn(linear_cases()), [](const auto& info) {
  return std::string(info.param.type) + "_" + core::isa_name(info.param.isa);
});

// Prefill: many activation rows go through the panel kernels over unpacked weights, in cache-sized
// chunks (here more than one; odd N and M leave partial row groups and a partial last panel); each
// output must equal the single-row (decode) vec_dot result up to f32 summation order, on every ISA
// path that has panels (the types without an AVX2 panel take the tile or dequantize path there).
TEST(QuantLinear, PanelPrefillMatchesRowByRow) {
  for (core::Isa isa : core::supported_isas()) {
    if (isa < core::Isa::Avx2) continue;
    IsaGuard guard(isa);
    for (const char* name : {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "IQ4_NL", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K",
                             "IQ4_XS"}) {
      const GgmlType type = quant::parse_ggml_type(name).value();
      if (quant::unpacked_panel_for(type, isa).panel == nullptr) continue;  // tested below (dequantize path)
      const int64_t m = 2051, n = 7, k = 512;
      const auto w = make_weight(type, n, k, 5);
      const Tensor x = random_tensor({m, k}, DType::F32, 11);
      const auto all = quant::linear(x, w).to_float_vector();
      for (int64_t i = 0; i < m; i += 41) {
        const auto row = quant::linear(x.narrow(0, i, 1), w).to_float_vector();
        for (int64_t r = 0; r < n; ++r) {
          const float want = row[static_cast<size_t>(r)];
          ASSERT_NEAR(all[static_cast<size_t>(i * n + r)], want, 2e-5 * (1 + std::fabs(want)))
              << name << " on " << core::isa_name(isa) << " row " << i << " output " << r;
        }
      }
    }
  }
}

// The AVX2 panels sum maddubs pairs in int16 over as many groups as the type's largest unpacked
// byte allows (8 for 4-bit values, 4 for 5-bit, 2 for Q6_K's 6-bit) before widening: with every
// weight bit set (or clear) against activations of +-127 those sums sit at the int16 limit, so
// they must still equal the scalar vec_dot up to the f32 scaling, on every panel path.
TEST(QuantLinear, PanelKernelsAtInt16Extremes) {
  const int64_t n = 6, k = 256, m = 11;
  std::vector<float> x(static_cast<size_t>(m * k));
  for (size_t i = 0; i < x.size(); ++i) x[i] = (i / k) % 2 == 0 ? 1.0f : (i % 3 == 0 ? -1.0f : 1.0f);
  const Tensor xt = Tensor::from_vector(x, {m, k});
  const uint16_t one = 0x3C00, half_one = 0x3800;  // f16 1.0 and 0.5
  for (GgmlType type : {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q4_K,
                        GgmlType::Q5_K, GgmlType::Q6_K}) {
    const quant::BlockFormat* f = quant::find_block_format(type);
    const size_t block_bytes = f->type_size;
    const int64_t blocks_per_row = k / f->block_size;
    std::vector<std::byte> bytes(static_cast<size_t>(n * blocks_per_row) * block_bytes);
    for (size_t b = 0; b < bytes.size() / block_bytes; ++b) {
      std::byte* blk = bytes.data() + b * block_bytes;
      // Every quant bit set in even rows, clear in odd ones; then the scales made finite.
      std::fill(blk, blk + block_bytes, (b / blocks_per_row) % 2 == 0 ? std::byte{0xFF} : std::byte{0x00});
      if (type == GgmlType::Q6_K) {
        std::memcpy(blk + offsetof(quant::BlockQ6_K, d), &one, 2);
        std::fill(blk + offsetof(quant::BlockQ6_K, scales), blk + offsetof(quant::BlockQ6_K, d), std::byte{1});
      } else {
        std::memcpy(blk, &one, 2);
        if (type != GgmlType::Q4_0 && type != GgmlType::Q5_0) std::memcpy(blk + 2, &half_one, 2);  // m / dmin
        if (type == GgmlType::Q4_K || type == GgmlType::Q5_K) std::fill(blk + 4, blk + 16, std::byte{0x3F});
      }
    }
    const quant::QuantizedTensor w(type, n, k, bytes);
    Tensor scalar;
    {
      IsaGuard g(core::Isa::Scalar);
      scalar = quant::linear(xt, w);
    }
    for (core::Isa isa : core::supported_isas()) {
      if (isa < core::Isa::Avx2) continue;
      IsaGuard g(isa);
      const Tensor fast = quant::linear(xt, w);
      EXPECT_TRUE(expect_close_impl(fast, scalar, Tolerance{1e-6, 1e-6}.reduced_over(k)))
          << quant::ggml_type_info(type).name << " on " << core::isa_name(isa);
    }
  }
}

// Prefill on AVX2 for the types without an AVX2 panel (Q8_0, where it is faster than the tile; the
// IQ4 types): weight panels are dequantized and multiplied in f32, so with >= 32 activation rows the
// result is dequantize + f32 matmul up to summation order (much tighter than the Q8-activation bound
// above), across several panels and threads.
TEST(QuantLinear, DequantGemmPrefillEqualsF32Matmul) {
  if (core::best_supported_isa() < core::Isa::Avx2) GTEST_SKIP() << "no AVX2 on this CPU";
  IsaGuard guard(core::Isa::Avx2);
  for (const char* name : {"IQ4_NL", "IQ4_XS", "Q8_0"}) {
    const GgmlType type = quant::parse_ggml_type(name).value();
    const int64_t m = 37, n = 301, k = 512;
    const auto w = make_weight(type, n, k, 6);
    const Tensor x = random_tensor({m, k}, DType::F32, 12);
    const Tensor ref = ops::linear(x, w.dequantize());
    const int saved = core::num_threads();
    for (int threads : {1, 2}) {
      core::set_num_threads(threads);
      const Tensor y = quant::linear(x, w);
      EXPECT_TRUE(expect_close_impl(y, ref, Tolerance{1e-5, 1e-5}.reduced_over(k))) << name << " threads " << threads;
    }
    core::set_num_threads(saved);
  }
}

// The AVX-512 VNNI dot products form the same per-lane int32 sums as the AVX2 ones and scale them
// in the same f32 order, so on raw random bytes (every bit pattern of the packed weights; only the
// f16/f32 scales kept finite) they must agree bit for bit, and with the scalar reference up to f32
// rounding. Q8_0/Q8_1 bytes stay in -127..127 as quantize makes them: the signed kernels' sign trick
// (as llama.cpp's) cannot negate -128. Q8_K keeps -128, which its unsigned-weight kernels and
// IQ4_XS (the activations on the unsigned side) handle. IQ4_XS's scales_h / scales_l stay raw bits.
TEST(VecDotIsa, VnniEqualsAvx2OnRawBlocks) {
  if (core::best_supported_isa() < core::Isa::Avx512 || !core::cpu_features().avx512_vnni)
    GTEST_SKIP() << "no AVX-512 VNNI on this CPU";
  std::mt19937 gen(7);
  const int64_t k = 1024;
  auto random_bytes = [&](size_t n) {
    std::vector<std::byte> b(n);
    for (auto& x : b) x = static_cast<std::byte>(gen() & 0xFF);
    return b;
  };
  // f16 in [0.5, 1) so products stay finite; the sign comes from the random low bits.
  auto f16_at = [&](std::byte* p) {
    const uint16_t h = static_cast<uint16_t>(0x3800 | (gen() & 0x3FF) | ((gen() & 1) << 15));
    std::memcpy(p, &h, 2);
  };
  auto f32_at = [&](std::byte* p) {
    const float f = 0.01f * static_cast<float>(static_cast<int>(gen() % 200) - 100);
    std::memcpy(p, &f, 4);
  };
  for (const char* name : {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS",
                           "Q2_K", "Q3_K"}) {
    const GgmlType type = quant::parse_ggml_type(name).value();
    const quant::BlockFormat* wf = quant::find_block_format(type);
    const quant::BlockFormat* af = quant::find_block_format(wf->vec_dot_type);
    const int64_t nw = k / wf->block_size, na = k / af->block_size;
    for (int trial = 0; trial < 20; ++trial) {
      auto w = random_bytes(static_cast<size_t>(nw) * wf->type_size);
      auto a = random_bytes(static_cast<size_t>(na) * af->type_size);
      for (int64_t b = 0; b < nw; ++b) {
        std::byte* blk = w.data() + b * wf->type_size;
        if (type == GgmlType::Q8_0) {
          for (size_t j = 2; j < wf->type_size; ++j)
            if (blk[j] == std::byte{0x80}) blk[j] = std::byte{0x81};
        }
        if (type == GgmlType::Q2_K) {  // d, dmin after the packed bits
          f16_at(blk + offsetof(quant::BlockQ2_K, d));
          f16_at(blk + offsetof(quant::BlockQ2_K, dmin));
        } else if (type == GgmlType::Q3_K) {
          f16_at(blk + offsetof(quant::BlockQ3_K, d));
        } else if (type == GgmlType::Q6_K) {
          f16_at(blk + offsetof(quant::BlockQ6_K, d));
        } else {
          f16_at(blk);  // d first in every other layout
          if (type == GgmlType::Q4_1 || type == GgmlType::Q5_1 || type == GgmlType::Q4_K || type == GgmlType::Q5_K)
            f16_at(blk + 2);  // m / dmin
        }
      }
      for (int64_t b = 0; b < na; ++b) {
        std::byte* blk = a.data() + b * af->type_size;
        if (af->type == GgmlType::Q8_0 || af->type == GgmlType::Q8_1) {
          const size_t head = af->type == GgmlType::Q8_0 ? 2 : 8;
          for (size_t j = head; j < af->type_size; ++j)
            if (blk[j] == std::byte{0x80}) blk[j] = std::byte{0x81};
          if (af->type == GgmlType::Q8_0) {
            f16_at(blk);
          } else {
            f32_at(blk);
            f32_at(blk + 4);
          }
        } else {  // Q8_K: bsums must be the sums of its qs
          auto* q8 = reinterpret_cast<quant::BlockQ8_K*>(blk);
          f32_at(blk);
          for (int g = 0; g < 16; ++g) {
            int sum = 0;
            for (int j = 0; j < 16; ++j) sum += q8->qs[16 * g + j];
            q8->bsums[g] = static_cast<int16_t>(sum);
          }
        }
      }
      const float vnni = quant::vec_dot_for(type, core::Isa::Avx512)(k, w.data(), a.data());
      const float scalar = wf->vec_dot(k, w.data(), a.data());
      // Block sums reach 1e4..1e5 and cancel: f32 order alone moves the result by ~1e-5 of them.
      EXPECT_NEAR(vnni, scalar, 1e-3 * (1 + std::fabs(scalar))) << name << " trial " << trial;
      // AVX2 against scalar on its own too: equal VNNI and AVX2 results could share a mistake.
      const float avx2 = quant::vec_dot_for(type, core::Isa::Avx2)(k, w.data(), a.data());
      EXPECT_NEAR(avx2, scalar, 1e-3 * (1 + std::fabs(scalar))) << name << " AVX2 trial " << trial;
      EXPECT_EQ(vnni, avx2) << name << " trial " << trial;
    }
  }
}

TEST(QuantLinear, BiasAndBatchDims) {
  const auto w = make_weight(GgmlType::Q8_0, 8, 64, 1);
  const Tensor x = random_tensor({2, 3, 64}, DType::F32, 2);
  const Tensor bias = random_tensor({8}, DType::F32, 3);
  const Tensor y = quant::linear(x, w, &bias);
  ASSERT_EQ(y.shape(), (Shape{2, 3, 8}));
  const Tensor ref = ops::linear(x, w.dequantize(), &bias);
  EXPECT_LE(nmse(y.to_float_vector(), ref.to_float_vector()), 1e-4);
}

TEST(QuantLinear, RejectsMismatchedK) {
  const auto w = make_weight(GgmlType::Q4_0, 8, 64, 1);
  try {
    quant::linear(random_tensor({2, 32}, DType::F32, 2), w);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("expected last dimension 64"), std::string::npos) << e.what();
  }
}

TEST(QuantizedTensor, BorrowedBytesAreBoundsChecked) {
  const std::string path = unique_temp_path("quant_borrow.bin");
  const auto w = make_weight(GgmlType::Q4_0, 4, 64, 1);
  core::write_file_atomic(path, std::string(reinterpret_cast<const char*>(w.data()), w.nbytes()));
  auto file = core::MappedFile::open(path);
  const quant::QuantizedTensor borrowed(GgmlType::Q4_0, 4, 64, file, 0);
  EXPECT_TRUE(borrowed.is_borrowed());
  EXPECT_EQ(borrowed.dequantize().to_float_vector(), w.dequantize().to_float_vector());
  EXPECT_THROW(quant::QuantizedTensor(GgmlType::Q4_0, 5, 64, file, 0), Error);
  EXPECT_THROW(quant::QuantizedTensor(GgmlType::Q4_0, 4, 60, file, 0), Error);
}

}  // namespace
}  // namespace hfcpp::testing
