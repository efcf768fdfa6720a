// GgufWeights::load: a GGUF tensor as the Hugging Face checkpoint holds it. Rows of llama's q/k
// projections are moved back from llama.cpp's interleaved rotary layout (on the raw bytes, so it
// works for every type: ggml rows are independent), then block types are dequantized to f32.
#include <cstring>

#include "hfcpp/core/error.h"
#include "hfcpp/tensor/half.h"
#include "models/gguf_source.h"

namespace hfcpp::models {

using quant::GgmlType;
using tensor::DType;
using tensor::Tensor;

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Stopgap dequantizers for the block types of common llama.cpp files (Q8_0, Q4_0, Q4_1), as
// ggml's dequantize_row_*: replace with the quant module's dequantize when it lands.
float f16_at(const std::byte* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return tensor::f16_to_f32(h);
}

void dequantize_blocks(GgmlType type, const std::byte* src, float* dst, uint64_t n, const std::string& name) {
  const uint64_t blocks = n / 32;
  switch (type) {
    case GgmlType::Q8_0:  // f16 d, 32 x int8
      for (uint64_t b = 0; b < blocks; ++b, src += 34, dst += 32) {
        const float d = f16_at(src);
        for (int i = 0; i < 32; ++i) dst[i] = d * static_cast<float>(static_cast<int8_t>(src[2 + i]));
      }
      return;
    case GgmlType::Q4_0:  // f16 d, 16 bytes of nibbles: low nibbles are elements 0..15
      for (uint64_t b = 0; b < blocks; ++b, src += 18, dst += 32) {
        const float d = f16_at(src);
        for (int i = 0; i < 16; ++i) {
          const auto q = static_cast<uint8_t>(src[2 + i]);
          dst[i] = d * static_cast<float>((q & 0x0F) - 8);
          dst[i + 16] = d * static_cast<float>((q >> 4) - 8);
        }
      }
      return;
    case GgmlType::Q4_1:  // f16 d, f16 m, 16 bytes of nibbles
      for (uint64_t b = 0; b < blocks; ++b, src += 20, dst += 32) {
        const float d = f16_at(src), m = f16_at(src + 2);
        for (int i = 0; i < 16; ++i) {
          const auto q = static_cast<uint8_t>(src[4 + i]);
          dst[i] = d * static_cast<float>(q & 0x0F) + m;
          dst[i + 16] = d * static_cast<float>(q >> 4) + m;
        }
      }
      return;
    default:
      HFCPP_THROW(ErrorCode::Unsupported, "[models] GGUF tensor '{}' has type {}, which cannot be dequantized yet",
                  name, quant::ggml_type_info(type).name);
  }
}

// gguf row h*hd + 2*i + j holds HF row h*hd + j*hd/2 + i (the inverse of LlamaModel.permute).
std::vector<std::byte> unpermute_rows(std::span<const std::byte> bytes, uint64_t rows, int64_t heads,
                                      const std::string& name) {
  HFCPP_CHECK(heads > 0 && rows % static_cast<uint64_t>(2 * heads) == 0, ErrorCode::Format,
              "[models] GGUF tensor '{}': {} rows cannot be split into {} heads of even size", name, rows, heads);
  const uint64_t row_bytes = bytes.size() / rows;
  const uint64_t head_dim = rows / static_cast<uint64_t>(heads), half = head_dim / 2;
  std::vector<std::byte> out(bytes.size());
  for (uint64_t h = 0; h < static_cast<uint64_t>(heads); ++h)
    for (uint64_t i = 0; i < half; ++i)
      for (uint64_t j = 0; j < 2; ++j)
        std::memcpy(out.data() + (h * head_dim + j * half + i) * row_bytes,
                    bytes.data() + (h * head_dim + 2 * i + j) * row_bytes, row_bytes);
  return out;
}

}  // namespace

Tensor GgufWeights::load(std::string_view hf_name, std::optional<DType> dtype) const {
  auto it = by_hf_name_.find(hf_name);
  HFCPP_CHECK(it != by_hf_name_.end(), ErrorCode::NotFound, "[models] no tensor for '{}' in '{}'", hf_name,
              file_.path());
  const std::string& name = it->second;
  const formats::GgufTensorInfo& info = file_.tensor_info(name);
  const tensor::Shape shape = info.shape();

  int64_t permute_heads = 0;
  if (unpermute_qk_ && (ends_with(hf_name, "self_attn.q_proj.weight") || ends_with(hf_name, "self_attn.q_proj.bias")))
    permute_heads = heads_;
  if (unpermute_qk_ && (ends_with(hf_name, "self_attn.k_proj.weight") || ends_with(hf_name, "self_attn.k_proj.bias")))
    permute_heads = kv_heads_;

  Tensor t;
  const auto plain = info.plain_dtype();
  if (plain && permute_heads == 0) {
    t = file_.tensor(name);  // borrowed from the mapping when aligned
  } else {
    std::span<const std::byte> bytes = file_.tensor_bytes(name);
    std::vector<std::byte> unpermuted;
    if (permute_heads > 0) {
      unpermuted = unpermute_rows(bytes, shape.empty() ? 1 : static_cast<uint64_t>(shape[0]), permute_heads, name);
      bytes = unpermuted;
    }
    if (plain) {
      t = Tensor::empty(shape, *plain);
      if (!bytes.empty()) std::memcpy(t.raw_mutable_data(), bytes.data(), bytes.size());
    } else {
      t = Tensor::empty(shape, DType::F32);
      dequantize_blocks(info.type, bytes.data(), t.mutable_data<float>(), info.numel(), name);
    }
  }
  if (dtype && t.dtype() != *dtype) return t.to(*dtype);
  if (!dtype && !tensor::dtype_info(t.dtype()).is_float) return t.to(DType::F32);
  return t;
}

}  // namespace hfcpp::models
