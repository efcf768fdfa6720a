// Tensor = shared Storage + shape, strides (in elements), element offset and dtype. Eager.
// View operations (slice, transpose, permute, reshape of contiguous data, expand, squeeze)
// share storage and never copy; contiguous()/clone()/to() copy.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hfcpp/core/error.h"
#include "hfcpp/tensor/dtype.h"
#include "hfcpp/tensor/storage.h"

namespace hfcpp::tensor {

using Shape = std::vector<int64_t>;
using Strides = std::vector<int64_t>;

enum class Device : uint8_t { Cpu, Cuda };

int64_t shape_numel(const Shape& shape);  // throws on negative dims or int64 overflow
Strides contiguous_strides(const Shape& shape);
std::string shape_to_string(const Shape& shape);  // "[2, 3, 4]"

class Tensor {
 public:
  Tensor() = default;  // an undefined tensor (defined() == false)
  Tensor(std::shared_ptr<Storage> storage, Shape shape, Strides strides, int64_t offset, DType dtype);

  // Factories (owned, contiguous).
  static Tensor empty(const Shape& shape, DType dtype);
  static Tensor zeros(const Shape& shape, DType dtype);
  static Tensor full(const Shape& shape, double value, DType dtype);
  // Copies the values (converted to dtype) into a new tensor.
  static Tensor from_vector(const std::vector<float>& values, const Shape& shape, DType dtype = DType::F32);
  template <class T>
  static Tensor from_data(std::span<const T> values, const Shape& shape);
  // Zero-copy view of a mapped file region; the tensor keeps the mapping alive.
  static Tensor borrow(std::shared_ptr<const core::MappedFile> file, size_t byte_offset,
                       const Shape& shape, DType dtype);

  bool defined() const { return storage_ != nullptr; }
  DType dtype() const { return dtype_; }
  Device device() const { return Device::Cpu; }
  const Shape& shape() const { return shape_; }
  const Strides& strides() const { return strides_; }
  int64_t offset() const { return offset_; }
  int64_t dim() const { return static_cast<int64_t>(shape_.size()); }
  int64_t size(int64_t d) const;  // negative d counts from the end
  int64_t numel() const;
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }
  bool is_contiguous() const;
  bool is_borrowed() const { return storage_ && storage_->is_borrowed(); }
  const std::shared_ptr<Storage>& storage() const { return storage_; }

  // Pointer to element [0,...,0]. data<T>() checks that T matches the dtype.
  const void* raw_data() const;
  void* raw_mutable_data();  // throws on borrowed storage
  template <class T> const T* data() const {
    check_type(dtype_v<T>);
    return static_cast<const T*>(raw_data());
  }
  template <class T> T* mutable_data() {
    check_type(dtype_v<T>);
    return static_cast<T*>(raw_mutable_data());
  }

  // Views.
  Tensor slice(int64_t d, int64_t start, int64_t end, int64_t step = 1) const;  // python-like bounds
  Tensor narrow(int64_t d, int64_t start, int64_t length) const;
  Tensor select(int64_t d, int64_t index) const;  // removes dimension d
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor permute(const std::vector<int64_t>& dims) const;
  Tensor reshape(const Shape& shape) const;  // a view when possible, else a contiguous copy; one -1 allowed
  Tensor view(const Shape& shape) const;     // a view or an InvalidArgument error
  Tensor expand(const Shape& shape) const;   // broadcast size-1 dims with stride 0; -1 keeps a dim
  Tensor unsqueeze(int64_t d) const;
  Tensor squeeze(int64_t d) const;
  Tensor flatten(int64_t start = 0, int64_t end = -1) const;

  // Copies.
  Tensor contiguous() const;  // this if already contiguous
  Tensor clone() const;       // always a new owned contiguous tensor
  Tensor to(DType dtype) const;  // converted copy (or this if the dtype already matches)
  Tensor make_owned() const;  // this if owned, else an owned contiguous copy
  void copy_from(const Tensor& src);  // same shape; converts dtype; handles strides

  // Element access for tests and small tools (slow): value at a multi-index, as double.
  double item(std::initializer_list<int64_t> index = {}) const;
  std::vector<float> to_float_vector() const;  // row-major, converted to f32

  std::string to_string(int64_t max_elements = 32) const;

 private:
  void check_type(DType requested) const;
  int64_t normalize_dim(int64_t d, int64_t ndim_extra = 0) const;
  std::shared_ptr<Storage> storage_;
  Shape shape_;
  Strides strides_;
  int64_t offset_ = 0;
  DType dtype_ = DType::F32;
};

template <class T>
Tensor Tensor::from_data(std::span<const T> values, const Shape& shape) {
  Tensor t = empty(shape, dtype_v<T>);
  HFCPP_CHECK(static_cast<int64_t>(values.size()) == t.numel(), ErrorCode::InvalidArgument,
              "[tensor] from_data: got {} values, expected {} for shape {}", values.size(),
              t.numel(), shape_to_string(shape));
  std::copy(values.begin(), values.end(), t.mutable_data<T>());
  return t;
}

}  // namespace hfcpp::tensor
