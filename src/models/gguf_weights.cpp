// GgufWeights::load: a GGUF tensor as the Hugging Face checkpoint holds it. Rows of llama's q/k
// projections are moved back from llama.cpp's interleaved rotary layout (on the raw bytes, so it
// works for every type: ggml rows are independent), then block types are dequantized to f32 (or
// straight to bf16/f16 when that is the dtype asked for) by quant::dequantize. The file pages of a copied tensor are released (peak RSS: the copies, not
// copies + file).
#include <algorithm>
#include <cstring>

#include "hfcpp/core/error.h"
#include "hfcpp/quant/quant.h"
#include "hfcpp/tensor/half.h"
#include "models/gguf_gemma3.h"
#include "models/gguf_source.h"

namespace hfcpp::models {

using quant::GgmlType;
using tensor::DType;
using tensor::Tensor;

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Every block type the quant module dequantizes (bit-identical to gguf-py's dequantize).
void dequantize_blocks(GgmlType type, const std::byte* src, float* dst, uint64_t n, const std::string& name) {
  HFCPP_CHECK(quant::can_dequantize(type), ErrorCode::Unsupported,
              "[models] GGUF tensor '{}' has type {}, which hfcpp cannot dequantize yet", name,
              quant::ggml_type_info(type).name);
  quant::dequantize(type, src, dst, static_cast<int64_t>(n));
}

// Block types straight to bf16/f16, a few rows at a time: a full-size f32 temporary per tensor
// left ~56 MB of freed heap behind on SmolLM2-135M (glibc's grown mmap threshold keeps such blocks
// in the heap), which counted in the peak RSS of `--dtype bf16`.
Tensor dequantize_to_16bit(GgmlType type, std::span<const std::byte> bytes, uint64_t row_len, uint64_t numel,
                           const tensor::Shape& shape, DType dtype, const std::string& name) {
  Tensor t = Tensor::empty(shape, dtype);
  if (numel == 0) return t;
  const uint64_t rows = numel / row_len, row_bytes = bytes.size() / rows;
  const uint64_t chunk_rows = std::max<uint64_t>(1, (uint64_t{1} << 16) / row_len);
  std::vector<float> buf(static_cast<size_t>(std::min(rows, chunk_rows) * row_len));
  auto* out = static_cast<uint16_t*>(t.raw_mutable_data());
  for (uint64_t r0 = 0; r0 < rows; r0 += chunk_rows) {
    const uint64_t n = std::min(chunk_rows, rows - r0) * row_len;
    dequantize_blocks(type, bytes.data() + r0 * row_bytes, buf.data(), n, name);
    uint16_t* dst = out + r0 * row_len;
    if (dtype == DType::BF16)
      for (uint64_t i = 0; i < n; ++i) dst[i] = tensor::f32_to_bf16(buf[i]);
    else
      for (uint64_t i = 0; i < n; ++i) dst[i] = tensor::f32_to_f16(buf[i]);
  }
  return t;
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

int64_t GgufWeights::permuted_heads(std::string_view hf_name) const {
  if (!unpermute_qk_) return 0;
  if (ends_with(hf_name, "self_attn.q_proj.weight") || ends_with(hf_name, "self_attn.q_proj.bias")) return heads_;
  if (ends_with(hf_name, "self_attn.k_proj.weight") || ends_with(hf_name, "self_attn.k_proj.bias")) return kv_heads_;
  return 0;
}

std::optional<QuantizedWeight> GgufWeights::load_quantized(std::string_view hf_name) const {
  auto it = by_hf_name_.find(hf_name);
  if (it == by_hf_name_.end()) return std::nullopt;
  const formats::GgufTensorInfo& info = file_.tensor_info(it->second);
  if (info.plain_dtype() || !quant::can_matmul(info.type) || info.ne.size() != 2) return std::nullopt;
  QuantizedWeight w;
  w.interleaved_heads = permuted_heads(hf_name);
  const auto rows = static_cast<int64_t>(info.ne[1]), cols = static_cast<int64_t>(info.ne[0]);
  HFCPP_CHECK(w.interleaved_heads == 0 || rows % (2 * w.interleaved_heads) == 0, ErrorCode::Format,
              "[models] GGUF tensor '{}': {} rows cannot be split into {} heads of even size", it->second, rows,
              w.interleaved_heads);
  w.tensor = quant::QuantizedTensor(info.type, rows, cols, file_.mapping(), file_.header().data_offset + info.offset);
  return w;
}

Tensor GgufWeights::load(std::string_view hf_name, std::optional<DType> dtype) const {
  auto it = by_hf_name_.find(hf_name);
  HFCPP_CHECK(it != by_hf_name_.end(), ErrorCode::NotFound, "[models] no tensor for '{}' in '{}'", hf_name,
              file_.path());
  const std::string& name = it->second;
  const formats::GgufTensorInfo& info = file_.tensor_info(name);
  const tensor::Shape shape = info.shape();

  const int64_t permute_heads = permuted_heads(hf_name);

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
    } else if ((dtype == DType::BF16 || dtype == DType::F16) && !(shifted_norms_ && gguf_gemma3::is_shifted_norm(hf_name))) {
      t = dequantize_to_16bit(info.type, bytes, info.ne.empty() ? 1 : info.ne[0], info.numel(), shape, *dtype, name);
    } else {
      t = Tensor::empty(shape, DType::F32);
      dequantize_blocks(info.type, bytes.data(), t.mutable_data<float>(), info.numel(), name);
    }
    // Copied out: the file's pages of this tensor need not stay resident next to the copy.
    file_.mapping()->release_pages(file_.header().data_offset + info.offset, info.nbytes);
  }
  // convert_hf_to_gguf stores Gemma's RMSNorm weights as 1 + w; the HF checkpoint holds w.
  if (shifted_norms_ && gguf_gemma3::is_shifted_norm(hf_name)) t = gguf_gemma3::shift_norm_weight(t);
  std::optional<DType> convert_to = dtype;
  if (!dtype && !tensor::dtype_info(t.dtype()).is_float) convert_to = DType::F32;
  if (!convert_to || t.dtype() == *convert_to) return t;
  t = t.to(*convert_to);
  file_.mapping()->release_pages(file_.header().data_offset + info.offset, info.nbytes);
  return t;
}

}  // namespace hfcpp::models
