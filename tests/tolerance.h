// Numeric tolerances for every test that compares floats, in one place (docs/ARCHITECTURE.md,
// "Testing numerics"), and expect_close(), which reports max-abs, max-rel, NMSE and the first
// element out of tolerance. Header-only so every test binary can include it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "hfcpp/tensor/tensor.h"

namespace hfcpp::testing {

// |actual - expected| <= atol + rtol * |expected|, element by element (numpy.allclose).
struct Tolerance {
  double atol;
  double rtol;
  // Reductions over k terms accumulate error like a random walk: scale atol by sqrt(k).
  Tolerance reduced_over(int64_t k) const {
    return {atol * std::sqrt(static_cast<double>(std::max<int64_t>(k, 1))), rtol};
  }
  Tolerance scaled(double factor) const { return {atol * factor, rtol * factor}; }
};

inline constexpr Tolerance kTolF32{1e-5, 1e-4};
inline constexpr Tolerance kTolF16{1e-3, 1e-2};
inline constexpr Tolerance kTolBF16{1e-2, 4e-2};

inline Tolerance tolerance_for(tensor::DType dt) {
  switch (dt) {
    case tensor::DType::F16: return kTolF16;
    case tensor::DType::BF16: return kTolBF16;
    default: return kTolF32;
  }
}

struct CloseReport {
  bool ok = true;
  double max_abs = 0, max_rel = 0, nmse = 0;
  int64_t first_bad = -1;
  double first_bad_actual = 0, first_bad_expected = 0;
  int64_t num_bad = 0;
  std::string describe() const {
    return fmt::format("max_abs={:.3g} max_rel={:.3g} nmse={:.3g} bad={} first_bad[{}]: got {} expected {}",
                       max_abs, max_rel, nmse, num_bad, first_bad, first_bad_actual,
                       first_bad_expected);
  }
};

// NaN matches NaN and equal infinities match; anything else non-finite is a mismatch.
inline CloseReport compare_close(std::span<const float> actual, std::span<const float> expected,
                                 Tolerance tol) {
  CloseReport r;
  if (actual.size() != expected.size()) {
    r.ok = false;
    r.first_bad = static_cast<int64_t>(std::min(actual.size(), expected.size()));
    return r;
  }
  double err2 = 0, ref2 = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    const double a = actual[i], e = expected[i];
    bool good;
    if (std::isnan(e) || std::isnan(a)) {
      good = std::isnan(e) && std::isnan(a);
    } else if (std::isinf(e) || std::isinf(a)) {
      good = a == e;
    } else {
      const double d = std::fabs(a - e);
      r.max_abs = std::max(r.max_abs, d);
      if (e != 0) r.max_rel = std::max(r.max_rel, d / std::fabs(e));
      err2 += d * d;
      ref2 += e * e;
      good = d <= tol.atol + tol.rtol * std::fabs(e);
    }
    if (!good) {
      if (r.first_bad < 0) {
        r.first_bad = static_cast<int64_t>(i);
        r.first_bad_actual = a;
        r.first_bad_expected = e;
      }
      ++r.num_bad;
      r.ok = false;
    }
  }
  r.nmse = ref2 > 0 ? err2 / ref2 : err2;
  return r;
}

inline ::testing::AssertionResult expect_close_impl(std::span<const float> actual,
                                                    std::span<const float> expected,
                                                    Tolerance tol) {
  if (actual.size() != expected.size())
    return ::testing::AssertionFailure()
           << "size mismatch: got " << actual.size() << " expected " << expected.size();
  CloseReport r = compare_close(actual, expected, tol);
  if (r.ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << r.describe() << " (atol=" << tol.atol
                                       << " rtol=" << tol.rtol << ")";
}

inline ::testing::AssertionResult expect_close_impl(const tensor::Tensor& actual,
                                                    const tensor::Tensor& expected,
                                                    Tolerance tol) {
  if (actual.shape() != expected.shape())
    return ::testing::AssertionFailure()
           << "shape mismatch: got " << tensor::shape_to_string(actual.shape()) << " expected "
           << tensor::shape_to_string(expected.shape());
  std::vector<float> a = actual.to_float_vector(), e = expected.to_float_vector();
  return expect_close_impl(std::span<const float>(a), std::span<const float>(e), tol);
}

inline ::testing::AssertionResult expect_close_impl(const std::vector<float>& actual,
                                                    const std::vector<float>& expected,
                                                    Tolerance tol) {
  return expect_close_impl(std::span<const float>(actual), std::span<const float>(expected), tol);
}

}  // namespace hfcpp::testing

// EXPECT_CLOSE(actual, expected, tol): tensors (same shape) or float vectors/spans. The tolerance
// is variadic so that `Tolerance{1e-3, 1e-2}` (a comma inside braces) works unparenthesised.
#define EXPECT_CLOSE(actual, expected, ...) \
  EXPECT_TRUE(::hfcpp::testing::expect_close_impl((actual), (expected), (__VA_ARGS__)))
#define ASSERT_CLOSE(actual, expected, ...) \
  ASSERT_TRUE(::hfcpp::testing::expect_close_impl((actual), (expected), (__VA_ARGS__)))

namespace hfcpp::testing {
// Function form for callers that prefer it; same report as EXPECT_CLOSE.
template <class A, class E>
void expect_close(const A& actual, const E& expected, Tolerance tol) {
  EXPECT_TRUE(expect_close_impl(actual, expected, tol));
}
}  // namespace hfcpp::testing
