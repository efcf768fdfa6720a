// Vector kernels written once against a vector-width abstraction V (isa/avx2/vec_avx2.h,
// isa/avx512/vec_avx512.h) and instantiated by each isa/<name>/kernels_<name>.cpp, which is
// compiled with that instruction set's flags. Everything here is in an anonymous namespace so
// each ISA's copy stays private to its translation unit (no ODR mixing of code built with
// different -m flags).
//
// V provides: type R, W lanes, Mask; load/store/set1/zero; add sub mul div fmadd max min sqrt
// abs neg; cmp_lt, cmp_gt, cmp_unord, select(mask, a_if_false, b_if_true); round; hsum, hmax;
// pow2i(rounded float) = 2^n; load_f16/store_f16/load_bf16/store_bf16.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "hfcpp/tensor/half.h"
#include "tensor/cpu/kernels.h"

namespace hfcpp::tensor::cpu {
namespace {

// exp(x) with Cephes' polynomial after range reduction x = n ln2 + r; ~2 ulp on [-87, 88].
template <class V>
inline typename V::R vexp(typename V::R x) {
  using R = typename V::R;
  const R hi = V::set1(88.3762626647949f), lo = V::set1(-88.3762626647949f);
  R big = V::cmp_gt(x, hi), small = V::cmp_lt(x, lo);
  x = V::min(hi, V::max(lo, x));  // operand order keeps NaN (x) in both
  R fx = V::round(V::mul(x, V::set1(1.44269504088896341f)));
  R r = V::fmadd(fx, V::set1(-0.693359375f), x);
  r = V::fmadd(fx, V::set1(2.12194440e-4f), r);
  R y = V::set1(1.9875691500e-4f);
  y = V::fmadd(y, r, V::set1(1.3981999507e-3f));
  y = V::fmadd(y, r, V::set1(8.3334519073e-3f));
  y = V::fmadd(y, r, V::set1(4.1665795894e-2f));
  y = V::fmadd(y, r, V::set1(1.6666665459e-1f));
  y = V::fmadd(y, r, V::set1(5.0000001201e-1f));
  y = V::fmadd(y, V::mul(r, r), V::add(r, V::set1(1.0f)));
  // 2^fx in two halves so fx = 128 or -127 stay representable before the final product.
  R half = V::round(V::mul(fx, V::set1(0.5f)));
  R out = V::mul(V::mul(y, V::pow2i(half)), V::pow2i(V::sub(fx, half)));
  out = V::select(big, out, V::set1(std::numeric_limits<float>::infinity()));
  return V::select(small, out, V::zero());
}

// tanh(x) = sign(x) (1 - 2 / (exp(2|x|) + 1)); absolute error ~1e-7.
template <class V>
inline typename V::R vtanh(typename V::R x) {
  using R = typename V::R;
  R ax = V::abs(x);
  R e = vexp<V>(V::mul(ax, V::set1(2.0f)));
  R t = V::sub(V::set1(1.0f), V::div(V::set1(2.0f), V::add(e, V::set1(1.0f))));
  return V::copysign(t, x);
}

// erf(x), Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7).
template <class V>
inline typename V::R verf(typename V::R x) {
  using R = typename V::R;
  R ax = V::abs(x);
  R t = V::div(V::set1(1.0f), V::fmadd(V::set1(0.3275911f), ax, V::set1(1.0f)));
  R p = V::set1(1.061405429f);
  p = V::fmadd(p, t, V::set1(-1.453152027f));
  p = V::fmadd(p, t, V::set1(1.421413741f));
  p = V::fmadd(p, t, V::set1(-0.284496736f));
  p = V::fmadd(p, t, V::set1(0.254829592f));
  p = V::mul(p, t);
  R e = vexp<V>(V::neg(V::mul(ax, ax)));
  R y = V::sub(V::set1(1.0f), V::mul(p, e));
  return V::copysign(y, x);
}

// Scalar tails. Local copies (not half.h's inline functions) so that no inline function is
// emitted both with and without this TU's ISA flags.
inline float f16_to_f32_scalar(uint16_t h) { return f16_to_f32(h); }  // out of line in half.cpp
inline uint16_t f32_to_f16_scalar(float f) { return f32_to_f16(f); }
inline float bf16_to_f32_scalar(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline uint16_t f32_to_bf16_scalar(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

template <class V>
inline typename V::R vsigmoid(typename V::R x) {
  return V::div(V::set1(1.0f), V::add(V::set1(1.0f), vexp<V>(V::neg(x))));
}

// Applies f to n floats; the tail goes through a zero-padded buffer so every element takes the
// same vector code path (results do not depend on position).
template <class V, class F>
inline void map1(const float* x, float* out, int64_t n, F f) {
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) V::store(out + i, f(V::load(x + i)));
  if (i < n) {
    alignas(64) float buf[V::W] = {};
    std::memcpy(buf, x + i, (n - i) * sizeof(float));
    V::store(buf, f(V::load(buf)));
    std::memcpy(out + i, buf, (n - i) * sizeof(float));
  }
}

template <class V, class F>
inline void map2(const float* a, const float* b, float* out, int64_t n, F f) {
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) V::store(out + i, f(V::load(a + i), V::load(b + i)));
  if (i < n) {
    alignas(64) float ba[V::W] = {}, bb[V::W] = {};
    std::memcpy(ba, a + i, (n - i) * sizeof(float));
    std::memcpy(bb, b + i, (n - i) * sizeof(float));
    V::store(ba, f(V::load(ba), V::load(bb)));
    std::memcpy(out + i, ba, (n - i) * sizeof(float));
  }
}

template <class V, class F>
inline void binary_loop(const float* a, int64_t sa, const float* b, int64_t sb, float* out,
                        int64_t n, F f) {
  if (sa == 1 && sb == 1) return map2<V>(a, b, out, n, f);
  if (sa == 1) {
    const auto bv = V::set1(b[0]);
    return map1<V>(a, out, n, [&](auto av) { return f(av, bv); });
  }
  if (sb == 1) {
    const auto av = V::set1(a[0]);
    return map1<V>(b, out, n, [&](auto bv) { return f(av, bv); });
  }
}

template <class V>
void vec_binary(BinaryOp op, const float* a, int64_t sa, const float* b, int64_t sb, float* out,
                int64_t n) {
  if (sa == 0 && sb == 0) {
    const float r = apply_binary_scalar(op, a[0], b[0]);
    for (int64_t i = 0; i < n; ++i) out[i] = r;
    return;
  }
  using R = typename V::R;
  const R qnan = V::set1(std::numeric_limits<float>::quiet_NaN());
  switch (op) {
    case BinaryOp::Add: return binary_loop<V>(a, sa, b, sb, out, n, [](R x, R y) { return V::add(x, y); });
    case BinaryOp::Sub: return binary_loop<V>(a, sa, b, sb, out, n, [](R x, R y) { return V::sub(x, y); });
    case BinaryOp::Mul: return binary_loop<V>(a, sa, b, sb, out, n, [](R x, R y) { return V::mul(x, y); });
    case BinaryOp::Div: return binary_loop<V>(a, sa, b, sb, out, n, [](R x, R y) { return V::div(x, y); });
    case BinaryOp::Maximum:
      return binary_loop<V>(a, sa, b, sb, out, n, [&](R x, R y) {
        return V::select(V::cmp_unord(x, y), V::max(x, y), qnan);
      });
    case BinaryOp::Minimum:
      return binary_loop<V>(a, sa, b, sb, out, n, [&](R x, R y) {
        return V::select(V::cmp_unord(x, y), V::min(x, y), qnan);
      });
  }
}

template <class V>
void vec_unary(UnaryOp op, const float* x, float* out, int64_t n, float p) {
  using R = typename V::R;
  const R one = V::set1(1.0f), half = V::set1(0.5f);
  switch (op) {
    case UnaryOp::Neg: return map1<V>(x, out, n, [](R v) { return V::neg(v); });
    case UnaryOp::Abs: return map1<V>(x, out, n, [](R v) { return V::abs(v); });
    case UnaryOp::Exp: return map1<V>(x, out, n, [](R v) { return vexp<V>(v); });
    case UnaryOp::Sqrt: return map1<V>(x, out, n, [](R v) { return V::sqrt(v); });
    case UnaryOp::Rsqrt: return map1<V>(x, out, n, [&](R v) { return V::div(one, V::sqrt(v)); });
    case UnaryOp::Tanh: return map1<V>(x, out, n, [](R v) { return vtanh<V>(v); });
    case UnaryOp::Sigmoid: return map1<V>(x, out, n, [](R v) { return vsigmoid<V>(v); });
    case UnaryOp::Relu:
      return map1<V>(x, out, n, [](R v) { return V::select(V::cmp_gt(v, V::zero()), V::zero(), v); });
    case UnaryOp::AddScalar: {
      const R s = V::set1(p);
      return map1<V>(x, out, n, [&](R v) { return V::add(v, s); });
    }
    case UnaryOp::MulScalar: {
      const R s = V::set1(p);
      return map1<V>(x, out, n, [&](R v) { return V::mul(v, s); });
    }
    case UnaryOp::Gelu:
      return map1<V>(x, out, n, [&](R v) {
        R e = verf<V>(V::mul(v, V::set1(0.70710678118654752f)));
        return V::mul(V::mul(half, v), V::add(one, e));
      });
    case UnaryOp::GeluTanh:
      return map1<V>(x, out, n, [&](R v) {
        R inner = V::mul(V::set1(0.79788456080286536f),
                         V::fmadd(V::mul(V::set1(0.044715f), V::mul(v, v)), v, v));
        return V::mul(V::mul(half, v), V::add(one, vtanh<V>(inner)));
      });
    case UnaryOp::QuickGelu:
      return map1<V>(x, out, n, [](R v) { return V::mul(v, vsigmoid<V>(V::mul(V::set1(1.702f), v))); });
    case UnaryOp::Silu: return map1<V>(x, out, n, [](R v) { return V::mul(v, vsigmoid<V>(v)); });
    case UnaryOp::Log:
    case UnaryOp::Pow:
      for (int64_t i = 0; i < n; ++i) out[i] = apply_unary_scalar(op, x[i], p);
      return;
  }
}

template <class V>
void vec_swiglu(const float* gate, const float* up, float* out, int64_t n) {
  using R = typename V::R;
  map2<V>(gate, up, out, n, [](R g, R u) { return V::mul(V::mul(g, vsigmoid<V>(g)), u); });
}

template <class V>
float vec_sum(const float* x, int64_t n) {
  using R = typename V::R;
  R a0 = V::zero(), a1 = V::zero();
  int64_t i = 0;
  for (; i + 2 * V::W <= n; i += 2 * V::W) {
    a0 = V::add(a0, V::load(x + i));
    a1 = V::add(a1, V::load(x + i + V::W));
  }
  for (; i + V::W <= n; i += V::W) a0 = V::add(a0, V::load(x + i));
  float s = V::hsum(V::add(a0, a1));
  for (; i < n; ++i) s += x[i];
  return s;
}

template <class V>
float vec_max(const float* x, int64_t n) {
  using R = typename V::R;
  R m = V::set1(-std::numeric_limits<float>::infinity());
  R nan = V::zero();  // lanes that saw a NaN are nonzero
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) {
    R v = V::load(x + i);
    nan = V::select(V::cmp_unord(v, v), nan, V::set1(1.0f));
    m = V::max(m, v);
  }
  float r = V::hmax(m);
  if (V::hmax(nan) > 0) return std::numeric_limits<float>::quiet_NaN();
  for (; i < n; ++i) {
    if (std::isnan(x[i])) return x[i];
    r = x[i] > r ? x[i] : r;
  }
  return r;
}

template <class V>
float vec_dot(const float* a, const float* b, int64_t n) {
  using R = typename V::R;
  R a0 = V::zero(), a1 = V::zero();
  int64_t i = 0;
  for (; i + 2 * V::W <= n; i += 2 * V::W) {
    a0 = V::fmadd(V::load(a + i), V::load(b + i), a0);
    a1 = V::fmadd(V::load(a + i + V::W), V::load(b + i + V::W), a1);
  }
  for (; i + V::W <= n; i += V::W) a0 = V::fmadd(V::load(a + i), V::load(b + i), a0);
  float s = V::hsum(V::add(a0, a1));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

template <class V>
void vec_axpy(float alpha, const float* x, float* y, int64_t n) {
  const auto av = V::set1(alpha);
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) V::store(y + i, V::fmadd(av, V::load(x + i), V::load(y + i)));
  for (; i < n; ++i) y[i] += alpha * x[i];
}

template <class V>
void vec_axpy_rows(const float* w, const float* x, int64_t x_stride, float* y, int64_t rows, int64_t n) {
  using R = typename V::R;
  constexpr int kRegs = 8;  // a 64-wide head in AVX2 registers
  int64_t i = 0;
  for (; i + kRegs * V::W <= n; i += kRegs * V::W) {
    R acc[kRegs];
    for (int r = 0; r < kRegs; ++r) acc[r] = V::load(y + i + r * V::W);
    for (int64_t t = 0; t < rows; ++t) {
      if (w[t] == 0.0f) continue;
      const R wv = V::set1(w[t]);
      const float* xt = x + t * x_stride + i;
      for (int r = 0; r < kRegs; ++r) acc[r] = V::fmadd(wv, V::load(xt + r * V::W), acc[r]);
    }
    for (int r = 0; r < kRegs; ++r) V::store(y + i + r * V::W, acc[r]);
  }
  for (; i + V::W <= n; i += V::W) {
    R acc = V::load(y + i);
    for (int64_t t = 0; t < rows; ++t)
      if (w[t] != 0.0f) acc = V::fmadd(V::set1(w[t]), V::load(x + t * x_stride + i), acc);
    V::store(y + i, acc);
  }
  for (; i < n; ++i)
    for (int64_t t = 0; t < rows; ++t)
      if (w[t] != 0.0f) y[i] += w[t] * x[t * x_stride + i];
}

template <class V>
void vec_scale(float alpha, float* y, int64_t n) {
  const auto av = V::set1(alpha);
  map1<V>(y, y, n, [&](auto v) { return V::mul(v, av); });
}

template <class V>
void vec_softmax(const float* x, float* out, int64_t n, bool log) {
  using R = typename V::R;
  const float m = vec_max<V>(x, n);
  const R mv = V::set1(m);
  // out = exp(x - m), accumulating the sum on the way.
  R acc = V::zero();
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) {
    R e = vexp<V>(V::sub(V::load(x + i), mv));
    V::store(out + i, e);
    acc = V::add(acc, e);
  }
  float s = V::hsum(acc);
  if (i < n) {
    alignas(64) float buf[V::W];
    for (int w = 0; w < V::W; ++w) buf[w] = i + w < n ? x[i + w] : -std::numeric_limits<float>::infinity();
    V::store(buf, vexp<V>(V::sub(V::load(buf), mv)));
    for (int64_t w = 0; i + w < n; ++w) {
      out[i + w] = buf[w];
      s += buf[w];
    }
  }
  if (log) {
    // (x - m) - log(s): subtracting m first keeps precision when the logits are large.
    const R log_s = V::set1(std::log(s));
    map1<V>(x, out, n, [&](R v) { return V::sub(V::sub(v, mv), log_s); });
  } else {
    vec_scale<V>(1.0f / s, out, n);
  }
}

template <class V>
void vec_layer_norm(const float* x, const float* w, const float* b, float* out, int64_t n, float eps) {
  using R = typename V::R;
  const float mean = vec_sum<V>(x, n) / static_cast<float>(n);
  const R mv = V::set1(mean);
  R acc = V::zero();
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) {
    R d = V::sub(V::load(x + i), mv);
    acc = V::fmadd(d, d, acc);
  }
  float ss = V::hsum(acc);
  for (; i < n; ++i) ss += (x[i] - mean) * (x[i] - mean);
  const float rstd = 1.0f / std::sqrt(ss / static_cast<float>(n) + eps);
  const R rv = V::set1(rstd);
  map1<V>(x, out, n, [&](R v) { return V::mul(V::sub(v, mv), rv); });
  if (w && b) {
    int64_t j = 0;
    for (; j + V::W <= n; j += V::W)
      V::store(out + j, V::fmadd(V::load(out + j), V::load(w + j), V::load(b + j)));
    for (; j < n; ++j) out[j] = out[j] * w[j] + b[j];
  } else if (w) {
    map2<V>(out, w, out, n, [](R y, R wv) { return V::mul(y, wv); });
  } else if (b) {
    map2<V>(out, b, out, n, [](R y, R bv) { return V::add(y, bv); });
  }
}

template <class V>
void vec_rms_norm(const float* x, const float* w, float* out, int64_t n, float eps, float w_offset) {
  using R = typename V::R;
  const float ss = vec_dot<V>(x, x, n);
  const R rv = V::set1(1.0f / std::sqrt(ss / static_cast<float>(n) + eps));
  if (!w) return map1<V>(x, out, n, [&](R v) { return V::mul(v, rv); });
  const R off = V::set1(w_offset);
  map2<V>(x, w, out, n, [&](R v, R wv) { return V::mul(V::mul(v, rv), V::add(off, wv)); });
}

template <class V>
void vec_add_rms_norm(const float* x, const float* r, const float* w, float* out, float* sum,
                      int64_t n, float eps, float w_offset) {
  using R = typename V::R;
  map2<V>(x, r, sum, n, [](R a, R b) { return V::add(a, b); });
  vec_rms_norm<V>(sum, w, out, n, eps, w_offset);
}

template <class V>
void vec_rope(const float* x, const float* c, const float* s, float* out, int64_t half,
              bool interleaved) {
  using R = typename V::R;
  if (interleaved) {
    // Pairs are adjacent lanes; plain loops, which the compiler vectorises under this TU's flags.
    for (int64_t i = 0; i < half; ++i) {
      const float x0 = x[2 * i], x1 = x[2 * i + 1];
      out[2 * i] = x0 * c[i] - x1 * s[i];
      out[2 * i + 1] = x1 * c[i] + x0 * s[i];
    }
    return;
  }
  int64_t i = 0;
  for (; i + V::W <= half; i += V::W) {
    R x0 = V::load(x + i), x1 = V::load(x + half + i);
    R cv = V::load(c + i), sv = V::load(s + i);
    V::store(out + i, V::sub(V::mul(x0, cv), V::mul(x1, sv)));
    V::store(out + half + i, V::fmadd(x0, sv, V::mul(x1, cv)));
  }
  for (; i < half; ++i) {
    const float x0 = x[i], x1 = x[half + i];
    out[i] = x0 * c[i] - x1 * s[i];
    out[half + i] = x1 * c[i] + x0 * s[i];
  }
}

template <class V>
void vec_f16_to_f32(const uint16_t* s, float* d, int64_t n) {
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) V::store(d + i, V::load_f16(s + i));
  for (; i < n; ++i) d[i] = f16_to_f32_scalar(s[i]);
}

template <class V>
void vec_f32_to_f16(const float* s, uint16_t* d, int64_t n) {
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) V::store_f16(d + i, V::load(s + i));
  for (; i < n; ++i) d[i] = f32_to_f16_scalar(s[i]);
}

template <class V>
void vec_bf16_to_f32(const uint16_t* s, float* d, int64_t n) {
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) V::store(d + i, V::load_bf16(s + i));
  for (; i < n; ++i) d[i] = bf16_to_f32_scalar(s[i]);
}

template <class V>
void vec_f32_to_bf16(const float* s, uint16_t* d, int64_t n) {
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) V::store_bf16(d + i, V::load(s + i));
  for (; i < n; ++i) d[i] = f32_to_bf16_scalar(s[i]);
}

template <class V>
constexpr CpuKernels make_vec_kernels(const char* name) {
  return CpuKernels{
      name,
      vec_binary<V>,
      vec_unary<V>,
      vec_swiglu<V>,
      vec_softmax<V>,
      vec_layer_norm<V>,
      vec_rms_norm<V>,
      vec_add_rms_norm<V>,
      vec_rope<V>,
      vec_dot<V>,
      vec_axpy<V>,
      vec_scale<V>,
      vec_sum<V>,
      vec_max<V>,
      vec_f16_to_f32<V>,
      vec_f32_to_f16<V>,
      vec_bf16_to_f32<V>,
      vec_f32_to_bf16<V>,
      vec_axpy_rows<V>,
  };
}

}  // namespace
}  // namespace hfcpp::tensor::cpu
