#include "hfcpp/tensor/ops/rope.h"

#include <cmath>

#include "hfcpp/tensor/ops/concat.h"
#include "hfcpp/tensor/ops/elementwise.h"
#include "tensor/dispatch.h"
#include "tensor/ops/validate.h"

namespace hfcpp::ops {

using namespace detail;

namespace {

void check_rotary(int64_t rotary_dim, float theta) {
  HFCPP_CHECK(rotary_dim > 0 && rotary_dim % 2 == 0, ErrorCode::InvalidArgument,
              "[rope] rotary_dim is {}: expected a positive even number", rotary_dim);
  HFCPP_CHECK(theta > 0.0f, ErrorCode::InvalidArgument, "[rope] theta is {}: expected > 0", theta);
}

// transformers' default rope, step by step in f32: inv_freq = 1 / theta^(2i/R), angle = pos * inv_freq.
std::pair<Tensor, Tensor> tables_from_positions(const std::vector<int64_t>& pos, const Shape& lead,
                                                int64_t rotary_dim, float theta) {
  const int64_t half = rotary_dim / 2;
  std::vector<float> inv_freq(half);
  for (int64_t i = 0; i < half; ++i) {
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(rotary_dim);
    inv_freq[i] = 1.0f / std::pow(theta, exponent);
  }
  Shape shape = lead;
  shape.push_back(half);
  Tensor c = Tensor::empty(shape, DType::F32), s = Tensor::empty(shape, DType::F32);
  float* pc = c.mutable_data<float>();
  float* ps = s.mutable_data<float>();
  for (size_t t = 0; t < pos.size(); ++t) {
    for (int64_t i = 0; i < half; ++i) {
      const float angle = static_cast<float>(pos[t]) * inv_freq[i];
      pc[t * half + i] = static_cast<float>(std::cos(static_cast<double>(angle)));
      ps[t * half + i] = static_cast<float>(std::sin(static_cast<double>(angle)));
    }
  }
  return {c, s};
}

// cos/sin as contiguous F32 [Bc, L, half] for x [B, H, L, D].
Tensor table_3d(const Tensor& t, const Tensor& x, const char* what) {
  check_float(t, "rope", what);
  const int64_t B = x.size(0), L = x.size(2);
  Tensor t3 = t.dim() == 2 ? t.unsqueeze(0) : t;
  HFCPP_CHECK(t3.dim() == 3 && (t3.size(0) == 1 || t3.size(0) == B) && t3.size(1) == L,
              ErrorCode::InvalidArgument,
              "[rope] {} has shape {}: expected [{}, R/2] or [{}, {}, R/2] for x of shape {}", what,
              tensor::shape_to_string(t.shape()), L, B, L, tensor::shape_to_string(x.shape()));
  HFCPP_CHECK(2 * t3.size(2) <= x.size(3) && t3.size(2) > 0, ErrorCode::InvalidArgument,
              "[rope] {} has {} frequencies: expected 1..{} (head dim {} / 2)", what, t3.size(2),
              x.size(3) / 2, x.size(3));
  return t3.to(DType::F32).contiguous();
}

}  // namespace

std::pair<Tensor, Tensor> rope_cos_sin(const Tensor& positions, int64_t rotary_dim, float theta) {
  check_rotary(rotary_dim, theta);
  check_defined(positions, "rope", "positions");
  HFCPP_CHECK(positions.dim() == 1 || positions.dim() == 2, ErrorCode::InvalidArgument,
              "[rope] positions has shape {}: expected [L] or [B, L]",
              tensor::shape_to_string(positions.shape()));
  std::vector<int64_t> pos;
  tensor::dispatch_index(positions.dtype(), "rope", [&]<class I>() {
    const Tensor c = positions.contiguous();
    const I* p = c.template data<I>();
    pos.assign(p, p + c.numel());
  });
  return tables_from_positions(pos, positions.shape(), rotary_dim, theta);
}

std::pair<Tensor, Tensor> rope_cos_sin(int64_t start, int64_t length, int64_t rotary_dim, float theta) {
  check_rotary(rotary_dim, theta);
  HFCPP_CHECK(length >= 0, ErrorCode::InvalidArgument, "[rope] length is {}: expected >= 0", length);
  std::vector<int64_t> pos(length);
  for (int64_t i = 0; i < length; ++i) pos[i] = start + i;
  return tables_from_positions(pos, {length}, rotary_dim, theta);
}

Tensor apply_rope(const Tensor& x, const Tensor& cos, const Tensor& sin, RopeLayout layout) {
  check_float(x, "rope", "x");
  check_rank(x, 4, "rope", "x ([B, H, L, D])");
  const Tensor c = table_3d(cos, x, "cos"), s = table_3d(sin, x, "sin");
  HFCPP_CHECK(c.shape() == s.shape(), ErrorCode::InvalidArgument,
              "[rope] sin has shape {}: expected cos's shape {}", tensor::shape_to_string(sin.shape()),
              tensor::shape_to_string(cos.shape()));
  if (x.numel() == 0) return Tensor::empty(x.shape(), x.dtype());
  return backend_of(x).rope(x, c, s, layout);
}

Tensor apply_rope(const Tensor& x, const Tensor& positions, float theta, RopeLayout layout,
                  int64_t rotary_dim) {
  check_rank(x, 4, "rope", "x ([B, H, L, D])");
  const int64_t r = rotary_dim < 0 ? x.size(3) : rotary_dim;
  auto [c, s] = rope_cos_sin(positions, r, theta);
  return apply_rope(x, c, s, layout);
}

Tensor apply_rope_reference(const Tensor& x, const Tensor& cos, const Tensor& sin, RopeLayout layout) {
  check_float(x, "rope", "x");
  check_rank(x, 4, "rope", "x ([B, H, L, D])");
  Tensor c = table_3d(cos, x, "cos").unsqueeze(1), s = table_3d(sin, x, "sin").unsqueeze(1);  // [Bc,1,L,h]
  const int64_t half = c.size(3), rot = 2 * half, D = x.size(3);
  const Tensor xf = x.to(DType::F32);
  Tensor x0, x1;
  if (layout == RopeLayout::HalfSplit) {
    x0 = xf.slice(3, 0, half);
    x1 = xf.slice(3, half, rot);
  } else {
    x0 = xf.slice(3, 0, rot, 2);
    x1 = xf.slice(3, 1, rot, 2);
  }
  const Tensor o0 = sub(mul(x0, c), mul(x1, s));
  const Tensor o1 = add(mul(x1, c), mul(x0, s));
  Tensor rotated = layout == RopeLayout::HalfSplit
                       ? concat({o0, o1}, 3)
                       : stack({o0, o1}, 4).reshape({x.size(0), x.size(1), x.size(2), rot});
  if (rot < D) rotated = concat({rotated, xf.slice(3, rot, D)}, 3);
  return rotated.to(x.dtype());
}

}  // namespace hfcpp::ops
