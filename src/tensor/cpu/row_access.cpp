#include "tensor/cpu/row_access.h"

#include <algorithm>

#include "hfcpp/tensor/half.h"

namespace hfcpp::tensor::cpu {

RowWalker::RowWalker(const std::vector<const Tensor*>& tensors, bool coalesce) {
  const Shape& shape = tensors.front()->shape();
  const size_t nt = tensors.size();
  inner_strides_.assign(nt, 1);
  outer_strides_.assign(nt, {});
  if (shape.empty()) {  // a scalar is one row of one element
    return;
  }
  // Work on copies with size-1 dims dropped (except that at least one dim remains).
  Shape dims;
  std::vector<Strides> st(nt);
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1 && !(d + 1 == shape.size() && dims.empty()) && coalesce) continue;
    dims.push_back(shape[d]);
    for (size_t t = 0; t < nt; ++t) st[t].push_back(tensors[t]->strides()[d]);
  }
  if (dims.empty()) {
    dims.push_back(1);
    for (size_t t = 0; t < nt; ++t) st[t].push_back(0);
  }
  if (coalesce) {
    // Merge dim i into i+1 when every tensor has stride[i] == stride[i+1] * size[i+1].
    Shape md{dims.back()};
    std::vector<Strides> ms(nt);
    for (size_t t = 0; t < nt; ++t) ms[t] = {st[t].back()};
    for (size_t i = dims.size() - 1; i-- > 0;) {
      bool merge = true;
      for (size_t t = 0; t < nt; ++t) merge = merge && st[t][i] == ms[t].front() * md.front();
      if (merge) {
        md.front() *= dims[i];
      } else {
        md.insert(md.begin(), dims[i]);
        for (size_t t = 0; t < nt; ++t) ms[t].insert(ms[t].begin(), st[t][i]);
      }
    }
    dims = md;
    st = ms;
  }
  inner_ = dims.back();
  outer_.assign(dims.begin(), dims.end() - 1);
  for (size_t t = 0; t < nt; ++t) {
    inner_strides_[t] = st[t].back();
    outer_strides_[t].assign(st[t].begin(), st[t].end() - 1);
  }
  rows_ = 1;
  for (int64_t d : outer_) rows_ *= d;
}

int64_t RowWalker::offset(size_t t, int64_t r) const {
  int64_t off = 0;
  const Strides& s = outer_strides_[t];
  for (size_t d = outer_.size(); d-- > 0;) {
    const int64_t i = r % outer_[d];
    r /= outer_[d];
    off += i * s[d];
  }
  return off;
}

template <>
const float* load_row<float>(const float* p, int64_t st, int64_t n, float* tmp, const CpuKernels&) {
  if (st == 1) return p;
  if (st == 0) {
    tmp[0] = p[0];
    return tmp;
  }
  for (int64_t i = 0; i < n; ++i) tmp[i] = p[i * st];
  return tmp;
}

template <>
const float* load_row<f16_t>(const f16_t* p, int64_t st, int64_t n, float* tmp, const CpuKernels& k) {
  auto u = reinterpret_cast<const uint16_t*>(p);
  if (st == 1) {
    k.f16_to_f32(u, tmp, n);
  } else if (st == 0) {
    tmp[0] = f16_to_f32(u[0]);
  } else {
    for (int64_t i = 0; i < n; ++i) tmp[i] = f16_to_f32(u[i * st]);
  }
  return tmp;
}

template <>
const float* load_row<bf16_t>(const bf16_t* p, int64_t st, int64_t n, float* tmp, const CpuKernels& k) {
  auto u = reinterpret_cast<const uint16_t*>(p);
  if (st == 1) {
    k.bf16_to_f32(u, tmp, n);
  } else if (st == 0) {
    tmp[0] = bf16_to_f32(u[0]);
  } else {
    for (int64_t i = 0; i < n; ++i) tmp[i] = bf16_to_f32(u[i * st]);
  }
  return tmp;
}

template <>
void store_row<float>(const float* src, float* dst, int64_t n, const CpuKernels&) {
  if (src != dst) std::copy(src, src + n, dst);
}
template <>
void store_row<f16_t>(const float* src, f16_t* dst, int64_t n, const CpuKernels& k) {
  k.f32_to_f16(src, reinterpret_cast<uint16_t*>(dst), n);
}
template <>
void store_row<bf16_t>(const float* src, bf16_t* dst, int64_t n, const CpuKernels& k) {
  k.f32_to_bf16(src, reinterpret_cast<uint16_t*>(dst), n);
}

std::vector<float> to_f32_vector(const Tensor& t) {
  if (!t.defined()) return {};
  return t.to_float_vector();
}

}  // namespace hfcpp::tensor::cpu
