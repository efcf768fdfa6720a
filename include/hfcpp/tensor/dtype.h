// Element types. Names follow safetensors ("F32", "BF16", ...) for files and torch ("float32")
// for people. Block-quantized formats (GGUF) will add entries with block_size > 1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hfcpp::tensor {

enum class DType : uint8_t {
  F32, F16, BF16, F64,
  I8, U8, I16, I32, I64, Bool,
  U16, U32, U64,
  F8_E4M3, F8_E5M2,
};
inline constexpr int kNumDTypes = 15;

struct DTypeInfo {
  DType dtype;
  const char* name;       // safetensors name: "F32"
  const char* torch_name; // "float32"
  uint32_t block_bytes;   // bytes per block (= element size for plain types)
  uint32_t block_size;    // elements per block (1 for plain types)
  bool is_float;
  bool is_signed;
};

const DTypeInfo& dtype_info(DType dt);
inline size_t dtype_size(DType dt) { return dtype_info(dt).block_bytes; }
inline const char* dtype_name(DType dt) { return dtype_info(dt).name; }
// Accepts safetensors names ("F32", "BOOL", "F8_E4M3") and torch names ("float32", "bfloat16").
std::optional<DType> parse_dtype(std::string_view name);

// C++ type <-> DType for the types kernels compute in.
struct f16_t { uint16_t bits; };
struct bf16_t { uint16_t bits; };
template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::F32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::F64; };
template <> struct dtype_of<f16_t> { static constexpr DType value = DType::F16; };
template <> struct dtype_of<bf16_t> { static constexpr DType value = DType::BF16; };
template <> struct dtype_of<int8_t> { static constexpr DType value = DType::I8; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::U8; };
template <> struct dtype_of<int16_t> { static constexpr DType value = DType::I16; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::I32; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::I64; };
template <> struct dtype_of<bool> { static constexpr DType value = DType::Bool; };
template <> struct dtype_of<uint16_t> { static constexpr DType value = DType::U16; };
template <> struct dtype_of<uint32_t> { static constexpr DType value = DType::U32; };
template <> struct dtype_of<uint64_t> { static constexpr DType value = DType::U64; };
template <class T> inline constexpr DType dtype_v = dtype_of<T>::value;

}  // namespace hfcpp::tensor
