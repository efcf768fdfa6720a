#include "hfcpp/tensor/dtype.h"

#include <array>

namespace hfcpp::tensor {
namespace {
constexpr std::array<DTypeInfo, kNumDTypes> kInfos = {{
    {DType::F32, "F32", "float32", 4, 1, true, true},
    {DType::F16, "F16", "float16", 2, 1, true, true},
    {DType::BF16, "BF16", "bfloat16", 2, 1, true, true},
    {DType::F64, "F64", "float64", 8, 1, true, true},
    {DType::I8, "I8", "int8", 1, 1, false, true},
    {DType::U8, "U8", "uint8", 1, 1, false, false},
    {DType::I16, "I16", "int16", 2, 1, false, true},
    {DType::I32, "I32", "int32", 4, 1, false, true},
    {DType::I64, "I64", "int64", 8, 1, false, true},
    {DType::Bool, "BOOL", "bool", 1, 1, false, false},
    {DType::U16, "U16", "uint16", 2, 1, false, false},
    {DType::U32, "U32", "uint32", 4, 1, false, false},
    {DType::U64, "U64", "uint64", 8, 1, false, false},
    {DType::F8_E4M3, "F8_E4M3", "float8_e4m3fn", 1, 1, true, true},
    {DType::F8_E5M2, "F8_E5M2", "float8_e5m2", 1, 1, true, true},
}};
}  // namespace

const DTypeInfo& dtype_info(DType dt) { return kInfos[static_cast<size_t>(dt)]; }

std::optional<DType> parse_dtype(std::string_view name) {
  for (const auto& info : kInfos)
    if (name == info.name || name == info.torch_name) return info.dtype;
  if (name == "f32" || name == "float") return DType::F32;
  if (name == "f16" || name == "half") return DType::F16;
  if (name == "bf16") return DType::BF16;
  if (name == "f64" || name == "double") return DType::F64;
  return std::nullopt;
}

}  // namespace hfcpp::tensor
