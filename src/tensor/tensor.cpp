#include "hfcpp/tensor/tensor.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "hfcpp/tensor/convert.h"

namespace hfcpp::tensor {

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    HFCPP_CHECK(d >= 0, ErrorCode::InvalidArgument, "[tensor] negative dimension in shape {}",
                shape_to_string(shape));
    HFCPP_CHECK(!__builtin_mul_overflow(n, d, &n), ErrorCode::InvalidArgument,
                "[tensor] shape {} overflows a 64-bit element count", shape_to_string(shape));
  }
  return n;
}

Strides contiguous_strides(const Shape& shape) {
  Strides s(shape.size());
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    s[i] = acc;
    acc *= std::max<int64_t>(shape[i], 1);
  }
  return s;
}

std::string shape_to_string(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

Tensor::Tensor(std::shared_ptr<Storage> storage, Shape shape, Strides strides, int64_t offset,
               DType dtype)
    : storage_(std::move(storage)),
      shape_(std::move(shape)),
      strides_(std::move(strides)),
      offset_(offset),
      dtype_(dtype) {
  HFCPP_CHECK(shape_.size() == strides_.size(), ErrorCode::InvalidArgument,
              "[tensor] shape {} and strides {} differ in rank", shape_to_string(shape_),
              shape_to_string(strides_));
  // The farthest element must lie inside the storage.
  int64_t n = shape_numel(shape_);
  if (n > 0 && storage_) {
    int64_t lo = offset_, hi = offset_;
    for (size_t i = 0; i < shape_.size(); ++i) {
      int64_t span = (shape_[i] - 1) * strides_[i];
      if (span >= 0) hi += span;
      else lo += span;
    }
    HFCPP_CHECK(lo >= 0 && static_cast<uint64_t>(hi + 1) * dtype_size(dtype_) <= storage_->nbytes(),
                ErrorCode::InvalidArgument,
                "[tensor] view shape {} strides {} offset {} exceeds storage of {} bytes",
                shape_to_string(shape_), shape_to_string(strides_), offset_, storage_->nbytes());
  }
}

Tensor Tensor::empty(const Shape& shape, DType dtype) {
  int64_t n = shape_numel(shape);
  size_t bytes;
  HFCPP_CHECK(!__builtin_mul_overflow(static_cast<size_t>(n), dtype_size(dtype), &bytes),
              ErrorCode::OutOfMemory, "[tensor] shape {} is too large", shape_to_string(shape));
  return Tensor(Storage::allocate(bytes, false), shape, contiguous_strides(shape), 0, dtype);
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) {
  int64_t n = shape_numel(shape);
  return Tensor(Storage::allocate(static_cast<size_t>(n) * dtype_size(dtype), true), shape,
                contiguous_strides(shape), 0, dtype);
}

Tensor Tensor::full(const Shape& shape, double value, DType dtype) {
  Tensor t = empty(shape, dtype);
  const size_t es = dtype_size(dtype);
  std::byte one[8];
  store_from_double(one, dtype, value);
  auto* p = static_cast<std::byte*>(t.raw_mutable_data());
  for (int64_t i = 0; i < t.numel(); ++i) std::memcpy(p + i * es, one, es);
  return t;
}

Tensor Tensor::from_vector(const std::vector<float>& values, const Shape& shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  HFCPP_CHECK(static_cast<int64_t>(values.size()) == t.numel(), ErrorCode::InvalidArgument,
              "[tensor] from_vector: got {} values, expected {} for shape {}", values.size(),
              t.numel(), shape_to_string(shape));
  convert_elements(values.data(), DType::F32, t.raw_mutable_data(), dtype, values.size());
  return t;
}

Tensor Tensor::borrow(std::shared_ptr<const core::MappedFile> file, size_t byte_offset,
                      const Shape& shape, DType dtype) {
  int64_t n = shape_numel(shape);
  size_t bytes = static_cast<size_t>(n) * dtype_size(dtype);
  return Tensor(Storage::borrow(std::move(file), byte_offset, bytes), shape,
                contiguous_strides(shape), 0, dtype);
}

int64_t Tensor::normalize_dim(int64_t d, int64_t ndim_extra) const {
  int64_t nd = dim() + ndim_extra;
  int64_t r = d < 0 ? d + nd : d;
  HFCPP_CHECK(r >= 0 && r < nd, ErrorCode::InvalidArgument,
              "[tensor] dimension {} out of range for a {}-d tensor", d, dim());
  return r;
}

int64_t Tensor::size(int64_t d) const { return shape_[normalize_dim(d)]; }
int64_t Tensor::numel() const { return shape_numel(shape_); }

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (size_t i = shape_.size(); i-- > 0;) {
    if (shape_[i] == 1) continue;
    if (strides_[i] != expected) return false;
    expected *= shape_[i];
  }
  return true;
}

void Tensor::check_type(DType requested) const {
  HFCPP_CHECK(requested == dtype_, ErrorCode::InvalidArgument,
              "[tensor] data access as {} but the tensor is {}", dtype_name(requested),
              dtype_name(dtype_));
}

const void* Tensor::raw_data() const {
  HFCPP_CHECK(defined(), ErrorCode::InvalidArgument, "[tensor] access to an undefined tensor");
  return storage_->data() + offset_ * static_cast<int64_t>(dtype_size(dtype_));
}

void* Tensor::raw_mutable_data() {
  HFCPP_CHECK(defined(), ErrorCode::InvalidArgument, "[tensor] access to an undefined tensor");
  return storage_->mutable_data() + offset_ * static_cast<int64_t>(dtype_size(dtype_));
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t end, int64_t step) const {
  d = normalize_dim(d);
  HFCPP_CHECK(step > 0, ErrorCode::InvalidArgument, "[tensor] slice step must be > 0, got {}", step);
  int64_t n = shape_[d];
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Shape shape = shape_;
  Strides strides = strides_;
  shape[d] = (end - start + step - 1) / step;
  strides[d] *= step;
  return Tensor(storage_, shape, strides, offset_ + start * strides_[d], dtype_);
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  int64_t dd = normalize_dim(d);
  HFCPP_CHECK(start >= 0 && length >= 0 && start + length <= shape_[dd], ErrorCode::InvalidArgument,
              "[tensor] narrow({}, {}, {}) out of range for size {}", d, start, length, shape_[dd]);
  return slice(dd, start, start + length);
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  d = normalize_dim(d);
  if (index < 0) index += shape_[d];
  HFCPP_CHECK(index >= 0 && index < shape_[d], ErrorCode::InvalidArgument,
              "[tensor] index {} out of range for dimension {} of size {}", index, d, shape_[d]);
  Shape shape = shape_;
  Strides strides = strides_;
  int64_t off = offset_ + index * strides_[d];
  shape.erase(shape.begin() + d);
  strides.erase(strides.begin() + d);
  return Tensor(storage_, shape, strides, off, dtype_);
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  d0 = normalize_dim(d0);
  d1 = normalize_dim(d1);
  Shape shape = shape_;
  Strides strides = strides_;
  std::swap(shape[d0], shape[d1]);
  std::swap(strides[d0], strides[d1]);
  return Tensor(storage_, shape, strides, offset_, dtype_);
}

Tensor Tensor::permute(const std::vector<int64_t>& dims) const {
  HFCPP_CHECK(static_cast<int64_t>(dims.size()) == dim(), ErrorCode::InvalidArgument,
              "[tensor] permute got {} dims for a {}-d tensor", dims.size(), dim());
  Shape shape(dims.size());
  Strides strides(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = normalize_dim(dims[i]);
    HFCPP_CHECK(!seen[d], ErrorCode::InvalidArgument, "[tensor] permute repeats dimension {}", d);
    seen[d] = true;
    shape[i] = shape_[d];
    strides[i] = strides_[d];
  }
  return Tensor(storage_, shape, strides, offset_, dtype_);
}

namespace {
Shape infer_shape(const Shape& requested, int64_t numel) {
  Shape shape = requested;
  int64_t known = 1;
  int infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      HFCPP_CHECK(infer < 0, ErrorCode::InvalidArgument, "[tensor] reshape: only one -1 allowed in {}",
                  shape_to_string(requested));
      infer = static_cast<int>(i);
    } else {
      HFCPP_CHECK(shape[i] >= 0, ErrorCode::InvalidArgument, "[tensor] reshape: invalid shape {}",
                  shape_to_string(requested));
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    HFCPP_CHECK(known != 0 && numel % known == 0, ErrorCode::InvalidArgument,
                "[tensor] reshape: cannot infer -1 in {} for {} elements", shape_to_string(requested),
                numel);
    shape[infer] = numel / known;
  }
  HFCPP_CHECK(shape_numel(shape) == numel, ErrorCode::InvalidArgument,
              "[tensor] reshape: shape {} has {} elements, expected {}", shape_to_string(shape),
              shape_numel(shape), numel);
  return shape;
}
}  // namespace

Tensor Tensor::view(const Shape& requested) const {
  Shape shape = infer_shape(requested, numel());
  HFCPP_CHECK(is_contiguous(), ErrorCode::InvalidArgument,
              "[tensor] view {} of a non-contiguous tensor (strides {}): use reshape()",
              shape_to_string(shape), shape_to_string(strides_));
  return Tensor(storage_, shape, contiguous_strides(shape), offset_, dtype_);
}

Tensor Tensor::reshape(const Shape& requested) const {
  if (is_contiguous()) return view(requested);
  return contiguous().view(requested);
}

Tensor Tensor::expand(const Shape& requested) const {
  HFCPP_CHECK(requested.size() >= shape_.size(), ErrorCode::InvalidArgument,
              "[tensor] expand to {} has fewer dims than {}", shape_to_string(requested),
              shape_to_string(shape_));
  size_t lead = requested.size() - shape_.size();
  Shape shape(requested.size());
  Strides strides(requested.size(), 0);
  for (size_t i = 0; i < requested.size(); ++i) {
    if (i < lead) {
      HFCPP_CHECK(requested[i] >= 0, ErrorCode::InvalidArgument, "[tensor] expand: invalid size {}",
                  requested[i]);
      shape[i] = requested[i];
      continue;
    }
    int64_t have = shape_[i - lead];
    int64_t want = requested[i] == -1 ? have : requested[i];
    if (have == want) {
      shape[i] = have;
      strides[i] = strides_[i - lead];
    } else {
      HFCPP_CHECK(have == 1, ErrorCode::InvalidArgument,
                  "[tensor] expand: size {} of dimension {} cannot become {} (only size 1 expands)",
                  have, i - lead, want);
      shape[i] = want;
      strides[i] = 0;
    }
  }
  return Tensor(storage_, shape, strides, offset_, dtype_);
}

Tensor Tensor::unsqueeze(int64_t d) const {
  d = normalize_dim(d, 1);
  Shape shape = shape_;
  Strides strides = strides_;
  int64_t stride = d < dim() ? strides_[d] * shape_[d] : 1;
  shape.insert(shape.begin() + d, 1);
  strides.insert(strides.begin() + d, stride);
  return Tensor(storage_, shape, strides, offset_, dtype_);
}

Tensor Tensor::squeeze(int64_t d) const {
  d = normalize_dim(d);
  HFCPP_CHECK(shape_[d] == 1, ErrorCode::InvalidArgument,
              "[tensor] squeeze: dimension {} has size {}, expected 1", d, shape_[d]);
  return select(d, 0);
}

Tensor Tensor::flatten(int64_t start, int64_t end) const {
  if (dim() == 0) return reshape({1});
  start = normalize_dim(start);
  end = normalize_dim(end);
  Shape shape(shape_.begin(), shape_.begin() + start);
  int64_t merged = 1;
  for (int64_t i = start; i <= end; ++i) merged *= shape_[i];
  shape.push_back(merged);
  shape.insert(shape.end(), shape_.begin() + end + 1, shape_.end());
  return reshape(shape);
}

void Tensor::copy_from(const Tensor& src) {
  HFCPP_CHECK(src.shape() == shape_, ErrorCode::InvalidArgument,
              "[tensor] copy_from: source shape {} differs from destination {}",
              shape_to_string(src.shape()), shape_to_string(shape_));
  const int64_t n = numel();
  if (n == 0) return;
  auto* dst = static_cast<std::byte*>(raw_mutable_data());
  const auto* s = static_cast<const std::byte*>(src.raw_data());
  const size_t ss = dtype_size(src.dtype()), ds = dtype_size(dtype_);
  if (is_contiguous() && src.is_contiguous()) {
    convert_elements(s, src.dtype(), dst, dtype_, static_cast<size_t>(n));
    return;
  }
  // Walk the index space; the innermost dimension is converted as one strided run.
  const int64_t nd = dim();
  if (nd == 0) {
    convert_elements(s, src.dtype(), dst, dtype_, 1);
    return;
  }
  std::vector<int64_t> idx(nd, 0);
  const int64_t inner = shape_[nd - 1];
  const int64_t s_in = src.strides()[nd - 1], d_in = strides_[nd - 1];
  for (;;) {
    int64_t so = 0, doff = 0;
    for (int64_t i = 0; i < nd - 1; ++i) {
      so += idx[i] * src.strides()[i];
      doff += idx[i] * strides_[i];
    }
    if (s_in == 1 && d_in == 1) {
      convert_elements(s + so * ss, src.dtype(), dst + doff * ds, dtype_, inner);
    } else if (src.dtype() == dtype_ && (ss == 2 || ss == 4 || ss == 8)) {
      // Same dtype, strided (transposes): a typed gather instead of one call per element.
      auto gather = [&]<class U>() {
        const U* sp = reinterpret_cast<const U*>(s) + so;
        U* dp = reinterpret_cast<U*>(dst) + doff;
        for (int64_t j = 0; j < inner; ++j) dp[j * d_in] = sp[j * s_in];
      };
      if (ss == 2) gather.template operator()<uint16_t>();
      else if (ss == 4) gather.template operator()<uint32_t>();
      else gather.template operator()<uint64_t>();
    } else {
      for (int64_t j = 0; j < inner; ++j)
        convert_elements(s + (so + j * s_in) * ss, src.dtype(), dst + (doff + j * d_in) * ds, dtype_, 1);
    }
    int64_t k = nd - 2;
    while (k >= 0 && ++idx[k] == shape_[k]) idx[k--] = 0;
    if (k < 0) break;
  }
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape_, dtype_);
  out.copy_from(*this);
  return out;
}

Tensor Tensor::to(DType dtype) const {
  if (dtype == dtype_) return *this;
  Tensor out = empty(shape_, dtype);
  out.copy_from(*this);
  return out;
}

Tensor Tensor::make_owned() const {
  if (!is_borrowed()) return *this;
  return clone();
}

double Tensor::item(std::initializer_list<int64_t> index) const {
  HFCPP_CHECK(static_cast<int64_t>(index.size()) == dim(), ErrorCode::InvalidArgument,
              "[tensor] item: {} indices for a {}-d tensor", index.size(), dim());
  int64_t off = 0, i = 0;
  for (int64_t v : index) {
    HFCPP_CHECK(v >= 0 && v < shape_[i], ErrorCode::InvalidArgument,
                "[tensor] item: index {} out of range for dimension {} of size {}", v, i, shape_[i]);
    off += v * strides_[i++];
  }
  return load_as_double(static_cast<const std::byte*>(raw_data()) + off * static_cast<int64_t>(dtype_size(dtype_)),
                        dtype_);
}

std::vector<float> Tensor::to_float_vector() const {
  Tensor f = to(DType::F32).contiguous();
  const float* p = f.data<float>();
  return std::vector<float>(p, p + f.numel());
}

std::string Tensor::to_string(int64_t max_elements) const {
  std::string s = fmt::format("Tensor({}, {}", dtype_name(dtype_), shape_to_string(shape_));
  if (defined() && numel() > 0) {
    auto v = to_float_vector();
    s += ", [";
    for (int64_t i = 0; i < std::min<int64_t>(max_elements, numel()); ++i)
      s += fmt::format("{}{:.6g}", i ? ", " : "", v[i]);
    if (numel() > max_elements) s += ", ...";
    s += "]";
  }
  return s + ")";
}

}  // namespace hfcpp::tensor
