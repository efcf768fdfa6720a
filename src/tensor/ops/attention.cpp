#include "hfcpp/tensor/ops/attention.h"

#include <cmath>

#include "tensor/cpu/cpu_backend.h"
#include "tensor/ops/validate.h"

namespace hfcpp::ops {

using namespace detail;

namespace {

tensor::SdpaParams validate(const Tensor& q, const Tensor& k, const Tensor& v, const SdpaOptions& o) {
  const char* op = "sdpa";
  check_float(q, op, "q");
  check_float(k, op, "k");
  check_float(v, op, "v");
  // An f16 KV cache hands f16 keys and values to f32 queries; otherwise all three match.
  if (!(q.dtype() == DType::F32 && k.dtype() == DType::F16)) check_same_dtype(q, k, op, "q", "k");
  check_same_dtype(k, v, op, "k", "v");
  check_rank(q, 4, op, "q ([B, H, Lq, D])");
  check_rank(k, 4, op, "k ([B, Hkv, Lk, D])");
  check_rank(v, 4, op, "v ([B, Hkv, Lk, D])");
  const int64_t B = q.size(0), H = q.size(1), Lq = q.size(2), D = q.size(3);
  const int64_t Hkv = k.size(1), Lk = k.size(2);
  HFCPP_CHECK(k.shape() == v.shape(), ErrorCode::InvalidArgument, "[sdpa] v has shape {}: expected k's shape {}",
              tensor::shape_to_string(v.shape()), tensor::shape_to_string(k.shape()));
  HFCPP_CHECK(k.size(0) == B && k.size(3) == D, ErrorCode::InvalidArgument,
              "[sdpa] k has shape {}: expected [{}, Hkv, Lk, {}] to match q {}",
              tensor::shape_to_string(k.shape()), B, D, tensor::shape_to_string(q.shape()));
  HFCPP_CHECK(Hkv > 0 && H % Hkv == 0, ErrorCode::InvalidArgument,
              "[sdpa] q has {} heads and k/v {}: expected the query heads to be a multiple of the kv heads",
              H, Hkv);
  tensor::SdpaParams p;
  p.scale = o.scale.value_or(D > 0 ? 1.0f / std::sqrt(static_cast<float>(D)) : 1.0f);
  if (o.mask.defined()) {
    const Shape target{B, H, Lq, Lk};
    bool broadcasts = o.mask.dim() <= 4;
    for (int64_t i = 0; broadcasts && i < o.mask.dim(); ++i) {
      const int64_t have = o.mask.size(o.mask.dim() - 1 - i), want = target[3 - i];
      broadcasts = have == want || have == 1;
    }
    HFCPP_CHECK(broadcasts,
                ErrorCode::InvalidArgument, "[sdpa] mask has shape {}: expected it to broadcast to {}",
                tensor::shape_to_string(o.mask.shape()), tensor::shape_to_string(target));
    p.mask_is_bool = !tensor::dtype_info(o.mask.dtype()).is_float;
    // Convert before expanding so only the mask's own elements are materialised.
    p.mask = o.mask.to(p.mask_is_bool ? DType::Bool : DType::F32).expand(target);
  }
  p.causal = o.causal;
  p.past = o.past < 0 ? Lk - Lq : o.past;
  HFCPP_CHECK(!(o.causal || o.window > 0) || p.past >= 0, ErrorCode::InvalidArgument,
              "[sdpa] causal masking needs past >= 0: got past {} (Lq {} > Lk {}?)", p.past, Lq, Lk);
  HFCPP_CHECK(o.window >= 0, ErrorCode::InvalidArgument, "[sdpa] window is {}: expected >= 0", o.window);
  p.window = o.window;
  if (o.key_padding_mask.defined()) {
    const Tensor& m = o.key_padding_mask;
    HFCPP_CHECK(m.dim() == 2 && (m.size(0) == B || m.size(0) == 1) && m.size(1) == Lk,
                ErrorCode::InvalidArgument, "[sdpa] key_padding_mask has shape {}: expected [{}, {}]",
                tensor::shape_to_string(m.shape()), B, Lk);
    p.key_padding = m.to(DType::Bool).expand({B, Lk});
  }
  HFCPP_CHECK(o.softcap >= 0.0f, ErrorCode::InvalidArgument, "[sdpa] softcap is {}: expected >= 0", o.softcap);
  p.softcap = o.softcap;
  return p;
}

}  // namespace

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                    const SdpaOptions& options) {
  const tensor::SdpaParams p = validate(q, k, v, options);
  return backend_of(q).sdpa(q, k, v, p);
}

Tensor scaled_dot_product_attention_reference(const Tensor& q, const Tensor& k, const Tensor& v,
                                              const SdpaOptions& options) {
  const tensor::SdpaParams p = validate(q, k, v, options);
  return tensor::cpu::sdpa_reference_f32(q, k, v, p).to(q.dtype());
}

}  // namespace hfcpp::ops
