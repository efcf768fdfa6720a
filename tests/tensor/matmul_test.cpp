// matmul / linear and the gemm kernel entry: every implementation (reference, avx2, avx512 when
// the CPU has it, OpenBLAS) x dtype pairs x odd shapes x transpositions against the double-
// accumulating reference; the ops against NumPy goldens (scripts/golden/make_matmul.py);
// strided views, broadcasting, bias, borrowed bf16 weights, and bad input.
#include <cmath>
#include <limits>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "hfcpp/core/thread_pool.h"
#include "hfcpp/tensor/ops/matmul.h"
#include "tensor/cpu/gemm.h"
#include "tensor/test_util.h"
#include "tolerance.h"

namespace hfcpp::testing {
namespace {

using tensor::cpu::gemm;
using tensor::cpu::gemm_reference;
using tensor::cpu::GemmArgs;
using tensor::cpu::GemmImpl;

struct Mkn { int64_t m, k, n; };

// Products of identical inputs differ only by f32 summation order: f32 tolerance over k terms.
Tolerance accumulation_tolerance(int64_t k) { return kTolF32.reduced_over(k); }

struct GemmCase {
  GemmImpl impl;
  DType a, b;
};

std::string case_name(const ::testing::TestParamInfo<GemmCase>& info) {
  return std::string(tensor::cpu::gemm_impl_name(info.param.impl)) + "_" +
         tensor::dtype_name(info.param.a) + "_" + tensor::dtype_name(info.param.b);
}

std::vector<GemmCase> gemm_cases() {
  std::vector<GemmCase> out;
  const std::vector<std::pair<DType, DType>> pairs = {
      {DType::F32, DType::F32},  {DType::BF16, DType::BF16}, {DType::F16, DType::F16},
      {DType::F32, DType::BF16}, {DType::BF16, DType::F32},  {DType::F32, DType::F16},
      {DType::F16, DType::BF16}};
  for (GemmImpl impl : {GemmImpl::Reference, GemmImpl::Avx2, GemmImpl::Avx512, GemmImpl::Avx512Bf16})
    for (auto [a, b] : pairs) out.push_back({impl, a, b});
  for (auto [a, b] : pairs) out.push_back({GemmImpl::OpenBlas, a, b});
  out.push_back({GemmImpl::Auto, DType::F32, DType::F32});
  out.push_back({GemmImpl::Auto, DType::F32, DType::BF16});
  return out;
}

class GemmTest : public ::testing::TestWithParam<GemmCase> {
 protected:
  void SetUp() override {
    if (!tensor::cpu::gemm_impl_available(GetParam().impl))
      GTEST_SKIP() << tensor::cpu::gemm_impl_name(GetParam().impl) << " is not available on this CPU/build";
  }

  // Runs one (m, k, n, trans_a, trans_b, padding) problem and compares with the reference.
  void check(Mkn s, bool trans_a, bool trans_b, int64_t pad, float alpha = 1, float beta = 0,
             uint32_t seed = 1) {
    const GemmCase& p = GetParam();
    const int64_t a_rows = trans_a ? s.k : s.m, a_cols = trans_a ? s.m : s.k;
    const int64_t b_rows = trans_b ? s.n : s.k, b_cols = trans_b ? s.k : s.n;
    const int64_t lda = a_cols + pad, ldb = b_cols + pad, ldc = s.n + pad;
    Tensor a = random_tensor({a_rows, lda}, p.a, seed);
    Tensor b = random_tensor({b_rows, ldb}, p.b, seed + 1);
    Tensor c0 = random_tensor({s.m, ldc}, DType::F32, seed + 2);
    if (beta == 0.0f)  // beta == 0 must not read C: poison it
      c0 = Tensor::full({s.m, ldc}, std::numeric_limits<float>::quiet_NaN(), DType::F32);
    Tensor c_ref = c0.clone(), c = c0.clone();
    GemmArgs g{s.m, s.n, s.k, a.raw_data(), p.a, lda, trans_a, b.raw_data(), p.b, ldb, trans_b,
               nullptr, ldc, alpha, beta};
    g.c = c_ref.mutable_data<float>();
    gemm_reference(g);
    g.c = c.mutable_data<float>();
    gemm(g, p.impl);
    // Compare only the m x n part; the padding columns must be untouched.
    Tensor got = c.narrow(1, 0, s.n), want = c_ref.narrow(1, 0, s.n);
    EXPECT_CLOSE(got, want, accumulation_tolerance(s.k))
        << "m=" << s.m << " k=" << s.k << " n=" << s.n << " trans_a=" << trans_a
        << " trans_b=" << trans_b << " pad=" << pad;
    if (pad > 0 && beta != 0.0f) {
      EXPECT_CLOSE(c.narrow(1, s.n, pad), c0.narrow(1, s.n, pad), (Tolerance{0, 0})) << "padding written";
    }
  }
};

TEST_P(GemmTest, OddShapesAllTranspositions) {
  const std::vector<Mkn> shapes = {{1, 1, 1},   {1, 7, 3},    {2, 3, 7},    {3, 31, 33},
                                   {7, 33, 31}, {31, 65, 33}, {33, 64, 65}, {65, 33, 7},
                                   {6, 256, 16}, {13, 300, 40}, {9, 257, 97}, {100, 70, 130}};
  for (const Mkn& s : shapes)
    for (bool ta : {false, true})
      for (bool tb : {false, true}) check(s, ta, tb, 0);
}

TEST_P(GemmTest, PaddedLeadingDimensionsAlphaBeta) {
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      check({5, 40, 37}, ta, tb, 3, 0.5f, 2.0f);
      check({20, 19, 18}, ta, tb, 5, -1.0f, 1.0f);
    }
}

TEST_P(GemmTest, DecodeShapeAndLongK) {
  check({1, 384, 1536}, false, true, 0);  // GEMV: one token through a linear layer
  check({1, 4097, 3}, false, true, 0);
  check({1, 100, 9}, false, true, 2, 0.5f, 2.0f);  // GEMV: unrolled, vector and scalar k parts, alpha/beta
  check({1, 200, 5}, false, true, 1, -1.0f, 1.0f);
  check({8, 4097, 5}, false, true, 0);
  check({5, 64, 13}, false, true, 2);     // k a whole number of split blocks, padded rows
  check({3, 4097, 2}, false, false, 0);
  check({16, 384, 96}, false, true, 0);   // first size above the dot-product path
  check({12, 100, 21}, false, true, 0);   // bf16 weights: last size of the dot-product path
  check({13, 100, 21}, false, true, 0);   // and the first above it
  check({32, 100, 21}, false, true, 0);
}

TEST_P(GemmTest, WeightRowsKernelKBlocksAndTails) {
  // B as rows of k goes to the weight-rows kernel (6 weight rows x 16 rows of A): k > 2048 is
  // two k blocks (beta applied once, then accumulated), m = 40 ends in an 8-row panel, n = 19
  // and 14 in 1- and 2-row weight tiles, m = 17 in a 1-row panel.
  for (bool ta : {false, true}) {
    check({13, 2100, 19}, ta, true, 3, 0.5f, 2.0f);
    check({40, 2100, 14}, ta, true, 0);
    check({17, 48, 12}, ta, true, 1, -1.0f, 1.0f);
  }
}

TEST_P(GemmTest, PackedTallTileEdges) {
  // AVX-512's packed kernel has 12-row tiles and 32-column panels: m = 11, 12, 13 and 85 (two
  // 72-row A blocks, the last tile 1 row), n = 70 (two full panels and a partial one), k = 300
  // (two k blocks; trans_b packs B with 16x16 transposes and a 12-wide tail).
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      check({11, 300, 70}, ta, tb, 2, 0.5f, 2.0f);
      check({12, 40, 32}, ta, tb, 0);
      check({13, 17, 64}, ta, tb, 1, -1.0f, 1.0f);
      check({85, 300, 70}, ta, tb, 0);
    }
}

TEST(GemmOnThisThread, PackedKernelWithTransposedBMatchesReference) {
  // Attention's per-head products: the active ISA's packed kernel with B given as rows of k
  // (Q K^T), which packs B by transposing 16 (AVX-512) or 8 (AVX2) rows at a time.
  for (DType b_dtype : {DType::F32, DType::BF16})
    for (Mkn s : {Mkn{9, 64, 9}, Mkn{37, 64, 45}, Mkn{128, 300, 96}}) {
      Tensor a = random_tensor({s.m, s.k}, DType::F32, 3), b = random_tensor({s.n, s.k}, b_dtype, 4);
      Tensor c_ref = Tensor::empty({s.m, s.n}, DType::F32), c = Tensor::empty({s.m, s.n}, DType::F32);
      GemmArgs g{s.m, s.n, s.k, a.raw_data(), DType::F32, s.k, false, b.raw_data(), b_dtype, s.k, true,
                 c_ref.mutable_data<float>(), s.n};
      gemm_reference(g);
      g.c = c.mutable_data<float>();
      tensor::cpu::gemm_on_this_thread(g);
      EXPECT_CLOSE(c, c_ref, accumulation_tolerance(s.k)) << "m=" << s.m << " k=" << s.k << " n=" << s.n;
    }
}

TEST_P(GemmTest, MultiThreadedSplitsMatchSingleThreaded) {
  // Large enough for the pool to split both M and N.
  const int saved = core::num_threads();
  core::set_num_threads(2);
  check({150, 96, 200}, false, true, 0);
  check({150, 96, 200}, true, false, 0);
  check({4, 200, 300}, false, true, 0);
  core::set_num_threads(saved);
}

INSTANTIATE_TEST_SUITE_P(Impls, GemmTest, ::testing::ValuesIn(gemm_cases()), case_name);

TEST(Gemm, KZeroScalesC) {
  Tensor c = Tensor::full({2, 3}, 4.0, DType::F32);
  GemmArgs g{2, 3, 0, nullptr, DType::F32, 0, false, nullptr, DType::F32, 3, false,
             c.mutable_data<float>(), 3, 1.0f, 0.5f};
  gemm(g);
  EXPECT_EQ(c.item({1, 2}), 2.0);
}

TEST(Gemm, BadArgumentsThrow) {
  float buf[16] = {};
  GemmArgs g{2, 2, 4, buf, DType::F32, 3, false, buf, DType::F32, 2, false, buf, 2};
  try {
    gemm(g);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("lda too small: got 3, expected >= 4"), std::string::npos) << e.what();
  }
  g.lda = 4;
  g.a_dtype = DType::I32;
  EXPECT_THROW(gemm(g), Error);
}

// ---- ops: NumPy goldens ----

Tensor golden_result(const GoldenFile& gf, const std::string& name) {
  Tensor a = gf.get(name + ".a"), b = gf.get(name + ".b");
  if (name.rfind("lin_", 0) == 0) {
    if (gf.has(name + ".bias")) {
      Tensor bias = gf.get(name + ".bias");
      return ops::linear(a, b, &bias);
    }
    return ops::linear(a, b);
  }
  return ops::matmul(a, b);
}

TEST(MatmulGolden, MatchesNumpyForEveryPath) {
  GoldenFile gf("tests/golden/tensor/matmul.safetensors");
  std::vector<std::string> names;
  for (auto it = gf.header().begin(); it != gf.header().end(); ++it) {
    const std::string& key = it.key();
    if (key.size() > 9 && key.compare(key.size() - 9, 9, ".expected") == 0)
      names.push_back(key.substr(0, key.size() - 9));
  }
  ASSERT_EQ(names.size(), 14u);
  for (core::Isa isa : core::supported_isas()) {
    IsaGuard guard(isa);
    for (const std::string& name : names) {
      Tensor a = gf.get(name + ".a"), b = gf.get(name + ".b");
      Tensor expected = gf.get(name + ".expected");
      Tensor got = golden_result(gf, name);
      const DType want_dtype = a.dtype() == b.dtype() ? a.dtype() : DType::F32;
      EXPECT_EQ(got.dtype(), want_dtype) << name;
      // The result is rounded once to its dtype; accumulation adds f32 error over k.
      const Tolerance tol = want_dtype == DType::F32 ? accumulation_tolerance(a.size(-1))
                                                     : tolerance_for(want_dtype);
      EXPECT_CLOSE(got, expected, tol) << name << " isa=" << core::isa_name(isa);
    }
  }
}

// ---- ops: layouts, broadcasting, bias ----

// The op result against the reference gemm run on contiguous f32 copies, batch by batch.
Tensor reference_matmul(const Tensor& a, const Tensor& b) {
  Tensor af = a.to(DType::F32).contiguous(), bf = b.to(DType::F32).contiguous();
  const int64_t m = af.size(-2), k = af.size(-1), n = bf.size(-1);
  Tensor out = Tensor::empty({m, n}, DType::F32);
  GemmArgs g{m, n, k, af.raw_data(), DType::F32, k, false, bf.raw_data(), DType::F32, n, false,
             out.mutable_data<float>(), n};
  gemm_reference(g);
  return out;
}

TEST(Matmul, TransposedAndStridedViews) {
  for (DType dt : {DType::F32, DType::BF16, DType::F16}) {
    Tensor a = random_tensor({33, 65}, dt, 3), b = random_tensor({31, 65}, dt, 4);
    Tensor bt = b.transpose(0, 1);  // [65, 31], stride 1 along rows: read as transposed
    Tensor want = reference_matmul(a, bt.contiguous());
    EXPECT_CLOSE(ops::matmul(a, bt).to(DType::F32), want, tolerance_for(dt)) << dtype_name(dt);
    // A transposed too: (a^T)^T.
    Tensor at = a.transpose(0, 1).contiguous().transpose(0, 1);
    EXPECT_CLOSE(ops::matmul(at, bt).to(DType::F32), want, tolerance_for(dt)) << dtype_name(dt);
    // Strided in both dims (every other row and column): copied, same values.
    Tensor big = random_tensor({66, 130}, dt, 5);
    Tensor strided = big.slice(0, 0, 66, 2).slice(1, 0, 130, 2);  // [33, 65]
    Tensor want2 = reference_matmul(strided.contiguous(), bt.contiguous());
    EXPECT_CLOSE(ops::matmul(strided, bt).to(DType::F32), want2, tolerance_for(dt)) << dtype_name(dt);
  }
}

TEST(Matmul, BatchedBroadcastingMatchesPerEntryProducts) {
  Tensor a = random_tensor({2, 1, 5, 7}, DType::F32, 6);
  Tensor b = random_tensor({3, 7, 4}, DType::BF16, 7);
  Tensor c = ops::matmul(a, b);
  ASSERT_EQ(c.shape(), (Shape{2, 3, 5, 4}));
  EXPECT_EQ(c.dtype(), DType::F32);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j) {
      Tensor want = reference_matmul(a.select(0, i).select(0, 0), b.select(0, j));
      EXPECT_CLOSE(c.select(0, i).select(0, j), want, accumulation_tolerance(7)) << i << "," << j;
    }
  // Attention-like: many small products, B transposed per batch ([B, H, L, D] @ [B, H, D, L]).
  Tensor q = random_tensor({2, 4, 9, 16}, DType::F32, 8), kk = random_tensor({2, 4, 9, 16}, DType::F32, 9);
  Tensor s = ops::matmul(q, kk.transpose(-1, -2));
  ASSERT_EQ(s.shape(), (Shape{2, 4, 9, 9}));
  EXPECT_CLOSE(s.select(0, 1).select(0, 3),
               reference_matmul(q.select(0, 1).select(0, 3), kk.select(0, 1).select(0, 3).transpose(0, 1)),
               accumulation_tolerance(16));
}

TEST(Matmul, FoldedBatchRowsAndOneDimensional) {
  // [2, 3, 8] @ [8, 5]: one GEMM over 6 rows.
  Tensor a = random_tensor({2, 3, 8}, DType::F32, 10), b = random_tensor({8, 5}, DType::F32, 11);
  Tensor c = ops::matmul(a, b);
  ASSERT_EQ(c.shape(), (Shape{2, 3, 5}));
  EXPECT_CLOSE(c.reshape({6, 5}), reference_matmul(a.reshape({6, 8}), b), accumulation_tolerance(8));
  // 1-d @ 1-d is a 0-d dot product.
  Tensor v = random_tensor({8}, DType::F32, 12);
  Tensor d = ops::matmul(v, v);
  EXPECT_EQ(d.dim(), 0);
  double want = 0;
  for (int64_t i = 0; i < 8; ++i) want += v.item({i}) * v.item({i});
  EXPECT_NEAR(d.item(), want, 1e-5);
}

TEST(Linear, BiasBatchesAndDtypes) {
  for (DType dt : {DType::F32, DType::BF16, DType::F16}) {
    Tensor x = random_tensor({2, 3, 40}, dt, 13), w = random_tensor({24, 40}, dt, 14);
    Tensor bias = random_tensor({24}, dt, 15);
    Tensor y = ops::linear(x, w, &bias);
    ASSERT_EQ(y.shape(), (Shape{2, 3, 24}));
    EXPECT_EQ(y.dtype(), dt);
    Tensor want = reference_matmul(x.reshape({6, 40}), w.transpose(0, 1));
    std::vector<float> wv = want.to_float_vector(), bv = bias.to_float_vector();
    for (int64_t r = 0; r < 6; ++r)
      for (int64_t j = 0; j < 24; ++j) wv[r * 24 + j] += bv[j];
    EXPECT_CLOSE(y.reshape({6, 24}).to(DType::F32), Tensor::from_vector(wv, {6, 24}), tolerance_for(dt));
  }
  // A non-contiguous input (a slice of the sequence) and a transposed weight view.
  Tensor x = random_tensor({5, 8, 16}, DType::F32, 16).slice(1, 1, 8, 2);  // [5, 4, 16]
  Tensor wt = random_tensor({16, 12}, DType::F32, 17);                     // weight^T storage
  Tensor y = ops::linear(x, wt.transpose(0, 1));
  EXPECT_CLOSE(y.reshape({20, 12}), reference_matmul(x.contiguous().reshape({20, 16}), wt),
               accumulation_tolerance(16));
}

// linear_group must give exactly what separate linear calls give: fused (1 row, 2 threads: one
// dispatch over all columns, blocks crossing from one weight to the next) or not (many rows,
// 1 thread, a sliced input).
TEST(Linear, GroupEqualsSeparateCalls) {
  const int saved = core::num_threads();
  for (DType dt : {DType::F32, DType::BF16, DType::F16})
    for (int threads : {1, 2})
      for (int64_t rows : {1, 3, 40}) {
        core::set_num_threads(threads);
        Tensor x = random_tensor({rows, 2, 72}, dt, 20).slice(1, 0, 1, 1);  // [rows, 1, 72], strided
        Tensor wq = random_tensor({96, 72}, dt, 21), wk = random_tensor({40, 72}, dt, 22);
        Tensor wv = random_tensor({40, 72}, dt, 23), bk = random_tensor({40}, dt, 24);
        const std::vector<const Tensor*> weights = {&wq, &wk, &wv}, biases = {nullptr, &bk, nullptr};
        const std::vector<Tensor> got = ops::linear_group(x, weights, biases);
        ASSERT_EQ(got.size(), 3u);
        for (size_t i = 0; i < 3; ++i) {
          const Tensor want = ops::linear(x, *weights[i], biases[i]);
          ASSERT_EQ(got[i].shape(), want.shape());
          EXPECT_EQ(got[i].to_float_vector(), want.to_float_vector())
              << dtype_name(dt) << " threads=" << threads << " rows=" << rows << " weight " << i;
        }
      }
  core::set_num_threads(saved);
}

TEST(Linear, BorrowedBf16WeightFromMappedFile) {
  // The golden file's bf16 weight used in place, as a model loader would.
  const std::string path = std::string(HFCPP_SOURCE_DIR) + "/tests/golden/tensor/matmul.safetensors";
  GoldenFile gf("tests/golden/tensor/matmul.safetensors");
  auto file = core::MappedFile::open(path);
  uint64_t header_len = 0;
  std::memcpy(&header_len, file->data(), 8);
  const auto& e = gf.header().at("lin_f32_bf16w.b");
  Tensor w = Tensor::borrow(file, 8 + header_len + e.at("data_offsets")[0].get<size_t>(),
                            e.at("shape").get<Shape>(), DType::BF16);
  ASSERT_TRUE(w.is_borrowed());
  Tensor y = ops::linear(gf.get("lin_f32_bf16w.a"), w);
  EXPECT_CLOSE(y, gf.get("lin_f32_bf16w.expected"), accumulation_tolerance(384));
}

TEST(Matmul, BadInputNamesShapes) {
  auto expect_error = [](auto&& fn, ErrorCode code, const std::string& needle) {
    try {
      fn();
      ADD_FAILURE() << "expected an error containing '" << needle << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  Tensor a = Tensor::zeros({2, 3}, DType::F32), b = Tensor::zeros({4, 5}, DType::F32);
  expect_error([&] { ops::matmul(a, b); }, ErrorCode::InvalidArgument,
               "[matmul] inner dimensions differ: got a [2, 3] and b [4, 5]");
  expect_error([&] { ops::matmul(Tensor::zeros({}, DType::F32), b); }, ErrorCode::InvalidArgument,
               "at least 1 dimension");
  expect_error([&] { ops::matmul(Tensor::zeros({2, 2, 3}, DType::F32), Tensor::zeros({3, 3, 4}, DType::F32)); },
               ErrorCode::InvalidArgument, "batch dimensions do not broadcast: got a [2, 2, 3] and b [3, 3, 4]");
  expect_error([&] { ops::matmul(Tensor::zeros({2, 3}, DType::I32), Tensor::zeros({3, 2}, DType::F32)); },
               ErrorCode::Unsupported, "a has dtype I32");
  expect_error([&] { ops::linear(a, Tensor::zeros({3}, DType::F32)); }, ErrorCode::InvalidArgument,
               "[linear] weight must be 2-d [out, in]: got [3]");
  expect_error([&] { ops::linear(a, Tensor::zeros({4, 5}, DType::F32)); }, ErrorCode::InvalidArgument,
               "[linear] input features differ: got x [2, 3] and weight [4, 5]");
  Tensor bias = Tensor::zeros({3}, DType::F32);
  expect_error([&] { ops::linear(a, Tensor::zeros({4, 3}, DType::F32), &bias); },
               ErrorCode::InvalidArgument, "[linear] bias must be [4]: got [3]");
}

}  // namespace
}  // namespace hfcpp::testing
