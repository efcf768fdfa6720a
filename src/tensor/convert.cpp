#include "hfcpp/tensor/convert.h"

#include <cmath>
#include <cstring>

#include "hfcpp/core/error.h"
#include "hfcpp/tensor/half.h"

namespace hfcpp::tensor {

double load_as_double(const void* p, DType dtype) {
  switch (dtype) {
    case DType::F32: return *static_cast<const float*>(p);
    case DType::F64: return *static_cast<const double*>(p);
    case DType::F16: return f16_to_f32(*static_cast<const uint16_t*>(p));
    case DType::BF16: return bf16_to_f32(*static_cast<const uint16_t*>(p));
    case DType::I8: return *static_cast<const int8_t*>(p);
    case DType::U8: return *static_cast<const uint8_t*>(p);
    case DType::I16: return *static_cast<const int16_t*>(p);
    case DType::I32: return *static_cast<const int32_t*>(p);
    case DType::I64: return static_cast<double>(*static_cast<const int64_t*>(p));
    case DType::Bool: return *static_cast<const uint8_t*>(p) != 0 ? 1.0 : 0.0;
    case DType::U16: return *static_cast<const uint16_t*>(p);
    case DType::U32: return *static_cast<const uint32_t*>(p);
    case DType::U64: return static_cast<double>(*static_cast<const uint64_t*>(p));
    case DType::F8_E4M3: return f8e4m3_to_f32(*static_cast<const uint8_t*>(p));
    case DType::F8_E5M2: return f8e5m2_to_f32(*static_cast<const uint8_t*>(p));
  }
  HFCPP_THROW(ErrorCode::Internal, "[convert] unknown dtype {}", static_cast<int>(dtype));
}

namespace {
template <class I>
I to_int(double v) {
  if (std::isnan(v)) return 0;
  return static_cast<I>(std::trunc(v));
}
}  // namespace

void store_from_double(void* p, DType dtype, double v) {
  switch (dtype) {
    case DType::F32: *static_cast<float*>(p) = static_cast<float>(v); return;
    case DType::F64: *static_cast<double*>(p) = v; return;
    case DType::F16: *static_cast<uint16_t*>(p) = f32_to_f16(static_cast<float>(v)); return;
    case DType::BF16: *static_cast<uint16_t*>(p) = f32_to_bf16(static_cast<float>(v)); return;
    case DType::I8: *static_cast<int8_t*>(p) = to_int<int8_t>(v); return;
    case DType::U8: *static_cast<uint8_t*>(p) = to_int<uint8_t>(v); return;
    case DType::I16: *static_cast<int16_t*>(p) = to_int<int16_t>(v); return;
    case DType::I32: *static_cast<int32_t*>(p) = to_int<int32_t>(v); return;
    case DType::I64: *static_cast<int64_t*>(p) = to_int<int64_t>(v); return;
    case DType::Bool: *static_cast<uint8_t*>(p) = v != 0.0 ? 1 : 0; return;
    case DType::U16: *static_cast<uint16_t*>(p) = to_int<uint16_t>(v); return;
    case DType::U32: *static_cast<uint32_t*>(p) = to_int<uint32_t>(v); return;
    case DType::U64: *static_cast<uint64_t*>(p) = to_int<uint64_t>(v); return;
    case DType::F8_E4M3: *static_cast<uint8_t*>(p) = f32_to_f8e4m3(static_cast<float>(v)); return;
    case DType::F8_E5M2: *static_cast<uint8_t*>(p) = f32_to_f8e5m2(static_cast<float>(v)); return;
  }
  HFCPP_THROW(ErrorCode::Internal, "[convert] unknown dtype {}", static_cast<int>(dtype));
}

void convert_elements(const void* src, DType src_dtype, void* dst, DType dst_dtype, size_t n) {
  if (src_dtype == dst_dtype) {
    std::memmove(dst, src, n * dtype_size(src_dtype));
    return;
  }
  // Fast paths for the conversions model loading uses.
  if (src_dtype == DType::BF16 && dst_dtype == DType::F32) {
    auto s = static_cast<const uint16_t*>(src);
    auto d = static_cast<float*>(dst);
    for (size_t i = 0; i < n; ++i) d[i] = bf16_to_f32(s[i]);
    return;
  }
  if (src_dtype == DType::F16 && dst_dtype == DType::F32) {
    auto s = static_cast<const uint16_t*>(src);
    auto d = static_cast<float*>(dst);
    for (size_t i = 0; i < n; ++i) d[i] = f16_to_f32(s[i]);
    return;
  }
  if (src_dtype == DType::F32 && dst_dtype == DType::BF16) {
    auto s = static_cast<const float*>(src);
    auto d = static_cast<uint16_t*>(dst);
    for (size_t i = 0; i < n; ++i) d[i] = f32_to_bf16(s[i]);
    return;
  }
  if (src_dtype == DType::F32 && dst_dtype == DType::F16) {
    auto s = static_cast<const float*>(src);
    auto d = static_cast<uint16_t*>(dst);
    for (size_t i = 0; i < n; ++i) d[i] = f32_to_f16(s[i]);
    return;
  }
  // 64-bit integers lose precision through double; copy them exactly between integer types.
  const size_t ss = dtype_size(src_dtype), ds = dtype_size(dst_dtype);
  auto s = static_cast<const std::byte*>(src);
  auto d = static_cast<std::byte*>(dst);
  for (size_t i = 0; i < n; ++i) {
    if (src_dtype == DType::I64 && !dtype_info(dst_dtype).is_float && dst_dtype != DType::Bool) {
      int64_t v;
      std::memcpy(&v, s + i * ss, 8);
      switch (dst_dtype) {
        case DType::U64: { uint64_t u = static_cast<uint64_t>(v); std::memcpy(d + i * ds, &u, 8); continue; }
        case DType::I32: { int32_t u = static_cast<int32_t>(v); std::memcpy(d + i * ds, &u, 4); continue; }
        default: break;
      }
    }
    store_from_double(d + i * ds, dst_dtype, load_as_double(s + i * ss, src_dtype));
  }
}

}  // namespace hfcpp::tensor
