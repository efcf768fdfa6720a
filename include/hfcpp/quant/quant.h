// Block-quantized formats (ggml's types as GGUF stores them): dequantize, quantize, dot products
// and a linear layer on quantized weights.
//
// Dequantization is bit-identical to gguf-py (the `gguf` package). Quantization of Q8_0, Q4_0,
// Q4_1, Q5_0 and Q5_1 is bit-identical to gguf-py; K-quants and IQ4_NL/IQ4_XS follow llama.cpp's
// search (with optional importance weights, llama.cpp's imatrix).
// Matmuls never dequantize a whole tensor: activations are quantized per block to the weight
// format's `vec_dot_type` (Q8_0, Q8_1 or Q8_K, as llama.cpp does) and rows are dotted block by block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "hfcpp/core/cpu_features.h"
#include "hfcpp/core/mapped_file.h"
#include "hfcpp/quant/ggml_type.h"
#include "hfcpp/tensor/tensor.h"

namespace hfcpp::quant {

// n elements (a multiple of the type's block size) of `type` starting at src -> n floats.
// Supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, Q2_K..Q6_K, Q8_K, IQ4_NL, IQ4_XS.
// Unsupported types throw Unsupported; a bad n throws InvalidArgument.
void dequantize(GgmlType type, const void* src, float* dst, int64_t n);

// Quantizes n_rows rows of row_len floats into dst (n_rows * ggml_row_bytes(type, row_len) bytes).
// importance (nullable, row_len values, llama.cpp's imatrix for this tensor) weights the squared
// error the search minimises; formats without a search ignore it. Rows run on core::thread_pool().
// Returns the number of bytes written.
size_t quantize(GgmlType type, const float* src, void* dst, int64_t n_rows, int64_t row_len,
                const float* importance = nullptr);

// Whether dequantize / quantize / quantized linear handle this type.
bool can_dequantize(GgmlType type);
bool can_quantize(GgmlType type);
bool can_matmul(GgmlType type);

// A 2-d quantized weight [rows, cols] (rows = output features), rows stored one after another as
// in GGUF. The bytes are owned or borrowed from a mapped file, which they then keep alive.
class QuantizedTensor {
 public:
  QuantizedTensor() = default;
  // Owned bytes; size must equal rows * ggml_row_bytes(type, cols).
  QuantizedTensor(GgmlType type, int64_t rows, int64_t cols, std::vector<std::byte> bytes);
  // Borrowed bytes [offset, offset + rows * row_bytes) of the mapping (bounds-checked).
  QuantizedTensor(GgmlType type, int64_t rows, int64_t cols,
                  std::shared_ptr<const core::MappedFile> file, size_t offset);
  // Quantizes an f32/f16/bf16 tensor [rows, cols] (importance: nullable, cols values).
  static QuantizedTensor quantize_from(const tensor::Tensor& weight, GgmlType type,
                                       const float* importance = nullptr);

  bool defined() const { return data_ != nullptr; }
  GgmlType type() const { return type_; }
  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  size_t row_bytes() const { return row_bytes_; }
  size_t nbytes() const { return row_bytes_ * static_cast<size_t>(rows_); }
  const std::byte* data() const { return data_; }
  const std::byte* row(int64_t r) const { return data_ + row_bytes_ * static_cast<size_t>(r); }
  bool is_borrowed() const { return file_ != nullptr; }

  // f32 [rows, cols] (tests, embeddings lookups of a few rows: use dequantize_rows).
  tensor::Tensor dequantize() const;
  // Rows [begin, end) as f32 [end - begin, cols].
  tensor::Tensor dequantize_rows(int64_t begin, int64_t end) const;

 private:
  void validate();
  GgmlType type_ = GgmlType::F32;
  int64_t rows_ = 0, cols_ = 0;
  size_t row_bytes_ = 0;
  std::shared_ptr<const std::vector<std::byte>> owned_;
  std::shared_ptr<const core::MappedFile> file_;
  const std::byte* data_ = nullptr;
};

// y[..., N] = x[..., K] @ w[N, K]^T (+ bias[N]), x F32 (or F16/BF16, converted), result F32.
// Activations are quantized once per row to the weight's vec_dot_type; N is split over the pool.
tensor::Tensor linear(const tensor::Tensor& x, const QuantizedTensor& w, const tensor::Tensor* bias = nullptr);

// The same on raw pointers: x row-major [m, k] f32, y row-major [m, n] f32.
void linear_f32(const float* x, int64_t m, const QuantizedTensor& w, float* y);

// linear_f32 for several weights that read the same x (q/k/v, gate/up): y[j] = x @ w[j]^T. With
// fewer rows than a prefill tile (decode) and one type and width for all, it is one pool dispatch
// over their rows with x quantized once; else one linear_f32 each. Bit-identical to those calls.
void linear_group_f32(const float* x, int64_t m, std::span<const QuantizedTensor* const> ws,
                      std::span<float* const> ys);

}  // namespace hfcpp::quant
