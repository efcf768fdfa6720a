// Every row kernel of every ISA this CPU runs against the scalar reference table, at odd sizes
// (vector tails) with fixed seeds.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "tensor/cpu/kernels.h"
#include "test_util.h"

namespace hfcpp::testing {
namespace {

using tensor::BinaryOp;
using tensor::UnaryOp;
using tensor::cpu::CpuKernels;

std::vector<float> randv(int64_t n, uint32_t seed, float scale = 1.0f, float shift = 0.0f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = d(gen) * scale + shift;
  return v;
}

class KernelTest : public ::testing::TestWithParam<core::Isa> {
 protected:
  const CpuKernels& k() const { return tensor::cpu::kernels_for(GetParam()); }
  const CpuKernels& ref() const { return tensor::cpu::reference_kernels(); }
};

TEST_P(KernelTest, Binary) {
  for (int64_t n : odd_sizes()) {
    auto a = randv(n, 1), b = randv(n, 2);
    for (auto& x : b) x = x + (x >= 0 ? 0.5f : -0.5f);  // keep division tame
    std::vector<float> got(n), want(n);
    for (BinaryOp op : {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Maximum,
                        BinaryOp::Minimum}) {
      for (auto [sa, sb] : {std::pair<int64_t, int64_t>{1, 1}, {0, 1}, {1, 0}, {0, 0}}) {
        k().binary(op, a.data(), sa, b.data(), sb, got.data(), n);
        ref().binary(op, a.data(), sa, b.data(), sb, want.data(), n);
        EXPECT_CLOSE(got, want, kTolF32) << tensor::binary_op_name(op) << " n=" << n << " sa=" << sa << " sb=" << sb;
      }
    }
  }
  // NaN propagates through maximum/minimum like torch.
  std::vector<float> a{1.0f, NAN, 3.0f, 0, 0, 0, 0, 0, 0}, b{NAN, 2.0f, 1.0f, 0, 0, 0, 0, 0, 0}, o(9);
  k().binary(BinaryOp::Maximum, a.data(), 1, b.data(), 1, o.data(), 9);
  EXPECT_TRUE(std::isnan(o[0]) && std::isnan(o[1]));
  EXPECT_EQ(o[2], 3.0f);
}

TEST_P(KernelTest, Unary) {
  for (int64_t n : odd_sizes()) {
    auto x = randv(n, 3, 3.0f);
    std::vector<float> pos(n), got(n), want(n);
    for (int64_t i = 0; i < n; ++i) pos[i] = std::fabs(x[i]) + 0.1f;
    for (int op_i = 0; op_i <= static_cast<int>(UnaryOp::Silu); ++op_i) {
      const auto op = static_cast<UnaryOp>(op_i);
      const bool needs_pos = op == UnaryOp::Log || op == UnaryOp::Sqrt || op == UnaryOp::Rsqrt || op == UnaryOp::Pow;
      const float* in = needs_pos ? pos.data() : x.data();
      k().unary(op, in, got.data(), n, 1.5f);
      ref().unary(op, in, want.data(), n, 1.5f);
      EXPECT_CLOSE(got, want, kTolF32) << tensor::unary_op_name(op) << " n=" << n;
    }
  }
  // Extremes: exp saturates to 0 and inf, keeps NaN.
  std::vector<float> x{-1000.0f, -88.5f, 88.5f, 1000.0f, NAN, -INFINITY, INFINITY, 0.0f}, o(8);
  k().unary(UnaryOp::Exp, x.data(), o.data(), 8, 0);
  EXPECT_EQ(o[0], 0.0f);
  EXPECT_EQ(o[3], INFINITY);
  EXPECT_TRUE(std::isnan(o[4]));
  EXPECT_EQ(o[5], 0.0f);
  EXPECT_EQ(o[6], INFINITY);
  EXPECT_EQ(o[7], 1.0f);
  k().unary(UnaryOp::Tanh, x.data(), o.data(), 8, 0);
  EXPECT_EQ(o[0], -1.0f);
  EXPECT_EQ(o[3], 1.0f);
  k().unary(UnaryOp::Silu, x.data(), o.data(), 8, 0);
  EXPECT_EQ(o[0], -0.0f);
  EXPECT_EQ(o[3], 1000.0f);
}

TEST_P(KernelTest, SwigluSoftmaxNorms) {
  for (int64_t n : odd_sizes()) {
    auto x = randv(n, 4, 4.0f), y = randv(n, 5), w = randv(n, 6), b = randv(n, 7);
    std::vector<float> got(n), want(n), gs(n), ws(n);
    k().swiglu(x.data(), y.data(), got.data(), n);
    ref().swiglu(x.data(), y.data(), want.data(), n);
    EXPECT_CLOSE(got, want, kTolF32) << "swiglu n=" << n;
    for (bool log : {false, true}) {
      k().softmax(x.data(), got.data(), n, log);
      ref().softmax(x.data(), want.data(), n, log);
      EXPECT_CLOSE(got, want, kTolF32) << "softmax log=" << log << " n=" << n;
    }
    const Tolerance tol = kTolF32.reduced_over(n);
    for (auto [pw, pb] : {std::pair<const float*, const float*>{w.data(), b.data()}, {nullptr, nullptr},
                          {w.data(), nullptr}, {nullptr, b.data()}}) {
      k().layer_norm(x.data(), pw, pb, got.data(), n, 1e-5f);
      ref().layer_norm(x.data(), pw, pb, want.data(), n, 1e-5f);
      EXPECT_CLOSE(got, want, tol) << "layer_norm n=" << n;
    }
    for (float off : {0.0f, 1.0f}) {
      k().rms_norm(x.data(), w.data(), got.data(), n, 1e-6f, off);
      ref().rms_norm(x.data(), w.data(), want.data(), n, 1e-6f, off);
      EXPECT_CLOSE(got, want, tol) << "rms_norm n=" << n;
      k().add_rms_norm(x.data(), y.data(), w.data(), got.data(), gs.data(), n, 1e-6f, off);
      ref().add_rms_norm(x.data(), y.data(), w.data(), want.data(), ws.data(), n, 1e-6f, off);
      EXPECT_CLOSE(got, want, tol) << "add_rms_norm n=" << n;
      EXPECT_CLOSE(gs, ws, kTolF32) << "add_rms_norm sum n=" << n;
    }
  }
}

TEST_P(KernelTest, RopeDotAxpyReductions) {
  for (int64_t n : odd_sizes()) {
    auto x = randv(2 * n, 8), c = randv(n, 9), s = randv(n, 10);
    std::vector<float> got(2 * n), want(2 * n);
    for (bool inter : {false, true}) {
      k().rope(x.data(), c.data(), s.data(), got.data(), n, inter);
      ref().rope(x.data(), c.data(), s.data(), want.data(), n, inter);
      EXPECT_CLOSE(got, want, kTolF32) << "rope n=" << n;
    }
    auto a = randv(n, 11), b = randv(n, 12);
    const Tolerance tol = kTolF32.reduced_over(n);
    EXPECT_CLOSE(std::vector<float>{k().dot(a.data(), b.data(), n)},
                 std::vector<float>{ref().dot(a.data(), b.data(), n)}, tol) << "dot n=" << n;
    EXPECT_CLOSE(std::vector<float>{k().sum(a.data(), n)}, std::vector<float>{ref().sum(a.data(), n)}, tol)
        << "sum n=" << n;
    EXPECT_EQ(k().max(a.data(), n), ref().max(a.data(), n)) << "max n=" << n;
    std::vector<float> y1 = b, y2 = b;
    k().axpy(0.75f, a.data(), y1.data(), n);
    ref().axpy(0.75f, a.data(), y2.data(), n);
    EXPECT_CLOSE(y1, y2, kTolF32) << "axpy n=" << n;
    k().scale(-1.25f, y1.data(), n);
    ref().scale(-1.25f, y2.data(), n);
    EXPECT_CLOSE(y1, y2, kTolF32) << "scale n=" << n;
  }
  std::vector<float> withnan(33, 1.0f);
  withnan[20] = NAN;
  EXPECT_TRUE(std::isnan(k().max(withnan.data(), 33)));
}

TEST(KernelTables, IsaSwitchSelectsTheTable) {
  for (core::Isa isa : core::supported_isas()) {
    IsaGuard guard(isa);
    EXPECT_EQ(&tensor::cpu::kernels(), &tensor::cpu::kernels_for(isa)) << core::isa_name(isa);
  }
  IsaGuard guard(core::Isa::Scalar);
  EXPECT_STREQ(tensor::cpu::kernels().name, "scalar");
}

// Decode attention's V sum: bit-equal to one axpy per row of the same ISA (rows of weight 0 skipped).
TEST_P(KernelTest, AxpyRowsEqualsOneAxpyPerRow) {
  for (int64_t n : {int64_t{13}, int64_t{64}, int64_t{72}, int64_t{200}}) {
    const int64_t rows = 11, stride = n + 3;
    auto w = randv(rows, 5), x = randv(rows * stride, 6), y0 = randv(n, 7);
    w[2] = w[7] = 0.0f;
    std::vector<float> got = y0, want = y0;
    k().axpy_rows(w.data(), x.data(), stride, got.data(), rows, n);
    for (int64_t t = 0; t < rows; ++t)
      if (w[t] != 0.0f) k().axpy(w[t], x.data() + t * stride, want.data(), n);
    EXPECT_EQ(got, want) << "n=" << n;
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, KernelTest, ::testing::ValuesIn(core::supported_isas()),
                         [](const auto& info) { return std::string(core::isa_name(info.param)); });

}  // namespace
}  // namespace hfcpp::testing
