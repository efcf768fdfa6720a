#include <cstring>

#include "hfcpp/core/error.h"
#include "hfcpp/quant/quant.h"
#include "quant/blocks/block_types.h"

namespace hfcpp::quant {

QuantizedTensor::QuantizedTensor(GgmlType type, int64_t rows, int64_t cols, std::vector<std::byte> bytes)
    : type_(type), rows_(rows), cols_(cols) {
  validate();
  HFCPP_CHECK(bytes.size() == nbytes(), ErrorCode::InvalidArgument,
              "[quant] QuantizedTensor {} [{}, {}]: got {} bytes, expected {}", ggml_type_info(type).name, rows,
              cols, bytes.size(), nbytes());
  owned_ = std::make_shared<const std::vector<std::byte>>(std::move(bytes));
  data_ = owned_->data();
}

QuantizedTensor::QuantizedTensor(GgmlType type, int64_t rows, int64_t cols,
                                 std::shared_ptr<const core::MappedFile> file, size_t offset)
    : type_(type), rows_(rows), cols_(cols), file_(std::move(file)) {
  validate();
  HFCPP_CHECK(file_ != nullptr, ErrorCode::InvalidArgument, "[quant] QuantizedTensor: null mapped file");
  HFCPP_CHECK(offset <= file_->size() && nbytes() <= file_->size() - offset, ErrorCode::Format,
              "[quant] QuantizedTensor {} [{}, {}]: bytes [{}, {}) exceed the {}-byte file {}",
              ggml_type_info(type).name, rows, cols, offset, offset + nbytes(), file_->size(), file_->path());
  data_ = reinterpret_cast<const std::byte*>(file_->data()) + offset;
}

void QuantizedTensor::validate() {
  HFCPP_CHECK(find_block_format(type_) != nullptr, ErrorCode::Unsupported,
              "[quant] QuantizedTensor: type {} is not supported", ggml_type_info(type_).name);
  HFCPP_CHECK(rows_ >= 0 && cols_ >= 0 && rows_ < (int64_t{1} << 40) && cols_ < (int64_t{1} << 40),
              ErrorCode::InvalidArgument, "[quant] QuantizedTensor: bad shape [{}, {}]", rows_, cols_);
  row_bytes_ = static_cast<size_t>(ggml_row_bytes(type_, static_cast<uint64_t>(cols_)));
}

QuantizedTensor QuantizedTensor::quantize_from(const tensor::Tensor& weight, GgmlType type, const float* importance) {
  HFCPP_CHECK(weight.dim() == 2, ErrorCode::InvalidArgument, "[quant] quantize_from: got shape {}, expected 2-d",
              tensor::shape_to_string(weight.shape()));
  const int64_t rows = weight.size(0), cols = weight.size(1);
  const tensor::Tensor w32 = weight.to(tensor::DType::F32).contiguous();
  std::vector<std::byte> bytes(static_cast<size_t>(rows) * ggml_row_bytes(type, static_cast<uint64_t>(cols)));
  quantize(type, w32.data<float>(), bytes.data(), rows, cols, importance);
  return QuantizedTensor(type, rows, cols, std::move(bytes));
}

tensor::Tensor QuantizedTensor::dequantize_rows(int64_t begin, int64_t end) const {
  HFCPP_CHECK(0 <= begin && begin <= end && end <= rows_, ErrorCode::InvalidArgument,
              "[quant] dequantize_rows [{}, {}) of {} rows", begin, end, rows_);
  tensor::Tensor out = tensor::Tensor::empty({end - begin, cols_}, tensor::DType::F32);
  float* dst = out.mutable_data<float>();
  for (int64_t r = begin; r < end; ++r) quant::dequantize(type_, row(r), dst + (r - begin) * cols_, cols_);
  return out;
}

tensor::Tensor QuantizedTensor::dequantize() const { return dequantize_rows(0, rows_); }

}  // namespace hfcpp::quant
