// Helpers the CPU backend uses to walk tensors of any strides and dtypes as rows of f32:
// RowWalker enumerates the rows (all dims but the last) of several same-shape tensors and gives
// each one's element offset; load_row/store_row convert one row between T and f32 (through the
// active ISA's bulk converters) with no copy for contiguous f32.
#pragma once

#include <cstdint>
#include <vector>

#include "hfcpp/tensor/tensor.h"
#include "tensor/cpu/kernels.h"
#include "tensor/dispatch.h"

namespace hfcpp::tensor::cpu {

class RowWalker {
 public:
  // All tensors must have the same shape. With coalesce, adjacent dims that are laid out
  // alike in every tensor merge (elementwise ops); without, the last dim is always the row.
  RowWalker(const std::vector<const Tensor*>& tensors, bool coalesce);
  int64_t rows() const { return rows_; }
  int64_t row_size() const { return inner_; }
  int64_t inner_stride(size_t t) const { return inner_strides_[t]; }
  // Element offset (relative to each tensor's data pointer) of row r for tensor t.
  int64_t offset(size_t t, int64_t r) const;

 private:
  Shape outer_;                        // sizes of the row dims
  std::vector<Strides> outer_strides_; // per tensor
  std::vector<int64_t> inner_strides_;
  int64_t rows_ = 1, inner_ = 1;
};

// Loads n elements of type T at p with element stride st as f32. Returns p itself for contiguous
// f32, else tmp (n floats). A stride of 0 loads one element (callers then use stride 0).
template <class T>
const float* load_row(const T* p, int64_t st, int64_t n, float* tmp, const CpuKernels& k);
// Stores n f32 values into contiguous T.
template <class T>
void store_row(const float* src, T* dst, int64_t n, const CpuKernels& k);

// Elements per parallel_for chunk so that a chunk is worth a thread wake-up.
inline int64_t grain_for(int64_t row_size, int64_t target = 16384) {
  return row_size >= target ? 1 : target / (row_size > 0 ? row_size : 1);
}

// Whole tensor as a contiguous f32 vector (weights, tables).
std::vector<float> to_f32_vector(const Tensor& t);

}  // namespace hfcpp::tensor::cpu
