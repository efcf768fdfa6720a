// GGUF as a model source: the tiny Llama checkpoint (tests/models/tiny_decoders/llama) converted
// here the way convert_hf_to_gguf.py does (llama.cpp names, q/k rows permuted, llama.* metadata)
// must load through load_causal_lm("x.gguf") and give the folder's logits; Q8_0 weights come back
// within their quantization step; names and config map as transformers maps them.
#include <cstring>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "hfcpp/core/error.h"
#include "hfcpp/formats/gguf.h"
#include "hfcpp/formats/safetensors.h"
#include "hfcpp/models/causal_lm.h"
#include "hfcpp/models/weights.h"
#include "hfcpp/tensor/half.h"
#include "models/gguf_source.h"

using namespace hfcpp;
using formats::GgufValue;
using tensor::Tensor;
namespace fs = std::filesystem;

namespace {

const std::string kTinyLlama = std::string(HFCPP_SOURCE_DIR) + "/tests/models/tiny_decoders/llama";
constexpr int64_t kHeads = 4, kKvHeads = 2;

// HF name -> llama.cpp name, written out independently of the product's table.
std::string gguf_name(const std::string& hf) {
  static const std::vector<std::pair<std::string, std::string>> parts = {
      {"self_attn.q_proj", "attn_q"},        {"self_attn.k_proj", "attn_k"}, {"self_attn.v_proj", "attn_v"},
      {"self_attn.o_proj", "attn_output"},   {"mlp.gate_proj", "ffn_gate"},  {"mlp.up_proj", "ffn_up"},
      {"mlp.down_proj", "ffn_down"},         {"input_layernorm", "attn_norm"},
      {"post_attention_layernorm", "ffn_norm"}};
  if (hf == "model.embed_tokens.weight") return "token_embd.weight";
  if (hf == "model.norm.weight") return "output_norm.weight";
  if (hf == "lm_head.weight") return "output.weight";
  const std::string prefix = "model.layers.";
  const size_t dot = hf.find('.', prefix.size());
  const std::string layer = hf.substr(prefix.size(), dot - prefix.size());
  const std::string rest = hf.substr(dot + 1, hf.size() - dot - 1 - 7);  // without ".weight"
  for (const auto& [h, g] : parts)
    if (rest == h) return "blk." + layer + "." + g + ".weight";
  ADD_FAILURE() << "unmapped " << hf;
  return hf;
}

// convert_hf_to_gguf.py's LlamaModel.permute: rows (head, half, i) -> (head, i, half).
std::vector<float> permute_rows(const std::vector<float>& w, int64_t rows, int64_t cols, int64_t heads) {
  std::vector<float> out(w.size());
  const int64_t hd = rows / heads, half = hd / 2;
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t j = 0; j < 2; ++j)
      for (int64_t i = 0; i < half; ++i)
        std::copy_n(w.data() + (h * hd + j * half + i) * cols, cols, out.data() + (h * hd + 2 * i + j) * cols);
  return out;
}

// ggml's quantize_row_q8_0 (reference): d = amax / 127, q = round(x / d).
std::vector<std::byte> quantize_q8_0(const std::vector<float>& x) {
  std::vector<std::byte> out;
  for (size_t b = 0; b < x.size(); b += 32) {
    float amax = 0;
    for (int i = 0; i < 32; ++i) amax = std::max(amax, std::abs(x[b + i]));
    const float d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0.0f;
    const uint16_t dh = tensor::f32_to_f16(d);
    out.push_back(std::byte(dh & 0xff));
    out.push_back(std::byte(dh >> 8));
    for (int i = 0; i < 32; ++i) out.push_back(std::byte(static_cast<int8_t>(std::lround(x[b + i] * id))));
  }
  return out;
}

// Writes the tiny Llama as GGUF; with q8_0, the layers' matmul weights are Q8_0 (with
// embeddings_too, also the embedding table and LM head; norms never).
std::string convert_tiny_llama(bool q8_0, bool embeddings_too = false) {
  auto st = formats::SafetensorsFile::open(kTinyLlama + "/model.safetensors");
  formats::GgufWriter w;
  w.set("general.architecture", GgufValue::string("llama"));
  w.set("llama.block_count", GgufValue::u32(2));
  w.set("llama.context_length", GgufValue::u32(128));
  w.set("llama.embedding_length", GgufValue::u32(64));
  w.set("llama.feed_forward_length", GgufValue::u32(64));
  w.set("llama.attention.head_count", GgufValue::u32(kHeads));
  w.set("llama.attention.head_count_kv", GgufValue::u32(kKvHeads));
  w.set("llama.rope.freq_base", GgufValue::f32(10000.0f));
  w.set("llama.attention.layer_norm_rms_epsilon", GgufValue::f32(1e-5f));
  w.set("llama.rope.dimension_count", GgufValue::u32(16));
  w.set("llama.vocab_size", GgufValue::u32(96));
  for (const auto& name : st.names()) {
    Tensor t = st.tensor(name);
    std::vector<float> v = t.to_float_vector();
    const bool is_q = name.find("q_proj") != std::string::npos, is_k = name.find("k_proj") != std::string::npos;
    if (is_q || is_k) v = permute_rows(v, t.size(0), t.size(1), is_q ? kHeads : kKvHeads);
    const bool quantize = q8_0 && t.dim() == 2 && (embeddings_too || name.find("layers") != std::string::npos);
    if (quantize) {
      w.add_raw_tensor(gguf_name(name), quant::GgmlType::Q8_0, t.shape(), quantize_q8_0(v));
    } else {
      w.add_tensor(gguf_name(name), Tensor::from_vector(v, t.shape()));
    }
  }
  const fs::path out = fs::temp_directory_path() / fmt::format("hfcpp_tiny_llama_{}{}_{}.gguf", q8_0, embeddings_too, ::getpid());
  w.write(out.string());
  return out.string();
}

std::vector<float> logits_of(const models::CausalLM& lm) {
  auto cache = lm.make_cache({.batch = 1});
  std::vector<int64_t> ids = {1, 5, 17, 42, 3, 88, 64, 2};
  Tensor input = Tensor::from_data<int64_t>(ids, {1, static_cast<int64_t>(ids.size())});
  return lm.forward({.input_ids = input}, *cache).logits.to_float_vector();
}

TEST(GgufSource, TinyLlamaFromGgufGivesTheFolderLogits) {
  const std::string path = convert_tiny_llama(false);
  auto from_folder = models::load_causal_lm(kTinyLlama);
  auto from_gguf = models::load_causal_lm(path);
  const auto want = logits_of(*from_folder), got = logits_of(*from_gguf);
  ASSERT_EQ(got.size(), want.size());
  double max_abs = 0;
  for (size_t i = 0; i < got.size(); ++i) max_abs = std::max(max_abs, double(std::abs(got[i] - want[i])));
  EXPECT_LT(max_abs, 1e-5);  // rms_norm_eps is stored as f32 in GGUF
  EXPECT_FALSE(from_gguf->config().get_bool("tie_word_embeddings", true));
  fs::remove(path);
}

TEST(GgufSource, UnpermutedWeightsAreTheCheckpoints) {
  const std::string path = convert_tiny_llama(false);
  auto st = formats::SafetensorsFile::open(kTinyLlama + "/model.safetensors");
  auto w = models::WeightSource::open_gguf(path);
  for (const char* name : {"model.layers.1.self_attn.q_proj.weight", "model.layers.0.self_attn.k_proj.weight",
                           "model.layers.0.mlp.down_proj.weight", "model.embed_tokens.weight"}) {
    Tensor want = st.tensor(name);
    Tensor got = w.get(name, want.shape());
    EXPECT_EQ(got.to_float_vector(), want.to_float_vector()) << name;
  }
  // Plain weights that need no change are borrowed from the mapping.
  EXPECT_TRUE(w.get("model.layers.0.mlp.up_proj.weight", {64, 64}).is_borrowed());
  w.get("model.norm.weight", {65});  // wrong shape: recorded
  try {
    w.check_complete();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("'model.norm.weight' has shape [64], expected [65]"), std::string::npos) << e.message();
  }
  fs::remove(path);
}

TEST(GgufSource, Q8_0WeightsComeBackWithinTheirStep) {
  const std::string path = convert_tiny_llama(true);
  auto st = formats::SafetensorsFile::open(kTinyLlama + "/model.safetensors");
  auto w = models::WeightSource::open_gguf(path);
  for (const char* name : {"model.layers.0.self_attn.q_proj.weight", "model.layers.1.self_attn.k_proj.weight",
                           "model.layers.1.mlp.gate_proj.weight"}) {
    const auto want = st.tensor(name).to_float_vector();
    const auto got = w.get(name, st.tensor(name).shape()).to_float_vector();
    for (size_t b = 0; b < want.size(); b += 32) {
      float amax = 0;
      for (int i = 0; i < 32; ++i) amax = std::max(amax, std::abs(want[b + i]));
      // Rows move whole, so each 32-element block keeps its scale; the bound allows for d rounded to f16.
      for (int i = 0; i < 32; ++i) ASSERT_LE(std::abs(got[b + i] - want[b + i]), amax / 127 * 0.6f + 1e-6f) << name;
    }
  }
  auto lm = models::load_causal_lm(path);
  EXPECT_EQ(logits_of(*lm).size(), 8u * 96u);
  fs::remove(path);
}

// --dtype bf16/f16 on block-quantized tensors dequantizes a few rows at a time straight to the 16-bit
// type: the bytes must be those of dequantizing to f32 and converting (Tensor::to), unpermuted q/k included.
TEST(GgufSource, BlockTypesToSixteenBitEqualF32ThenConvert) {
  const std::string path = convert_tiny_llama(true, true);
  auto st = formats::SafetensorsFile::open(kTinyLlama + "/model.safetensors");
  auto f32 = models::WeightSource::open_gguf(path);
  for (tensor::DType dtype : {tensor::DType::BF16, tensor::DType::F16}) {
    auto w16 = models::WeightSource::open_gguf(path, dtype);
    for (const char* name : {"model.layers.0.self_attn.q_proj.weight", "model.layers.1.self_attn.k_proj.weight",
                             "model.layers.1.mlp.down_proj.weight", "model.embed_tokens.weight"}) {
      const Tensor want = f32.get(name, st.tensor(name).shape()).to(dtype);
      const Tensor got = w16.get(name, want.shape());
      ASSERT_EQ(got.dtype(), dtype) << name;
      ASSERT_EQ(got.nbytes(), want.nbytes()) << name;
      EXPECT_EQ(std::memcmp(got.raw_data(), want.raw_data(), want.nbytes()), 0) << name << " " << tensor::dtype_name(dtype);
    }
  }
  fs::remove(path);
}

// With quantized_matmuls, block-quantized weights stay quantized (borrowed from the mapping) and run
// through quant::linear, which rounds activations to Q8 blocks; by default they are dequantized. The
// two paths agree within that rounding, with q/k rows left in llama.cpp's order and embeddings
// gathered row by row from the Q8_0 table.
TEST(GgufSource, QuantizedWeightsRunQuantizedWithinQ8ActivationError) {
  const std::string path = convert_tiny_llama(true, true);
  auto w = models::WeightSource::open_gguf(path, std::nullopt, true);
  auto q = w.get_quantized("model.layers.0.self_attn.q_proj.weight", {64, 64});
  ASSERT_TRUE(q.has_value());
  EXPECT_TRUE(q->tensor.is_borrowed());
  EXPECT_EQ(q->interleaved_heads, kHeads);
  EXPECT_FALSE(w.get_quantized("model.norm.weight", {64}).has_value());  // F32 stays a tensor
  EXPECT_FALSE(models::WeightSource::open_gguf(path, tensor::DType::F32, true).get_quantized("lm_head.weight", {96, 64}));
  EXPECT_FALSE(models::WeightSource::open_gguf(path).get_quantized("lm_head.weight", {96, 64}));  // the default

  models::LoadOptions keep;
  keep.quantized_matmuls = true;
  auto quantized = models::load_causal_lm(path, keep);
  auto dequantized = models::load_causal_lm(path);
  const auto got = logits_of(*quantized), want = logits_of(*dequantized);
  ASSERT_EQ(got.size(), want.size());
  double err = 0, ref = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    err += (double(got[i]) - want[i]) * (double(got[i]) - want[i]);
    ref += double(want[i]) * want[i];
  }
  // Measured 6.1e-4 (Q8 activation rounding through 15 matmuls of a random model); a wrong row
  // order or a wrong block gives O(1).
  EXPECT_LE(err / ref, 2e-3) << "NMSE of quantized-kernel logits vs dequantized f32";
  EXPECT_GT(err, 0.0);  // the kernels did run (activations were rounded)
  // Block-quantized weights get llama.cpp's default f16 KV cache; dequantized ones keep f32.
  auto cache_bytes = [](const models::CausalLM& lm) {
    auto cache = lm.make_cache({.batch = 1, .max_length = 4});
    lm.forward({.input_ids = tensor::Tensor::from_data<int64_t>(std::vector<int64_t>{1, 2, 3, 4}, {1, 4})}, *cache);
    return cache->memory_bytes();
  };
  EXPECT_EQ(cache_bytes(*quantized) * 2, cache_bytes(*dequantized));
  fs::remove(path);
}

TEST(GgufSource, NamesAndConfigMapLikeTransformers) {
  EXPECT_EQ(models::hf_name_of_gguf_tensor("blk.12.attn_output.weight"), "model.layers.12.self_attn.o_proj.weight");
  EXPECT_EQ(models::hf_name_of_gguf_tensor("blk.0.ffn_norm.weight"), "model.layers.0.post_attention_layernorm.weight");
  EXPECT_EQ(models::hf_name_of_gguf_tensor("blk.3.attn_q.bias"), "model.layers.3.self_attn.q_proj.bias");
  EXPECT_EQ(models::hf_name_of_gguf_tensor("output.weight"), "lm_head.weight");
  EXPECT_EQ(models::hf_name_of_gguf_tensor("token_embd.weight"), "model.embed_tokens.weight");
  EXPECT_FALSE(models::hf_name_of_gguf_tensor("blk.x.attn_q.weight").has_value());
  EXPECT_FALSE(models::hf_name_of_gguf_tensor("rope_freqs.weight").has_value());

  const std::string path = convert_tiny_llama(false);
  const models::ModelConfig c = models::config_from_gguf(formats::GgufFile::open(path));
  EXPECT_EQ(c.model_type(), "llama");
  EXPECT_EQ(c.architectures(), std::vector<std::string>{"LlamaForCausalLM"});
  EXPECT_EQ(c.get_int("hidden_size"), 64);
  EXPECT_EQ(c.get_int("num_key_value_heads"), 2);
  EXPECT_EQ(c.get_int("head_dim"), 16);
  EXPECT_EQ(c.get_int("vocab_size"), 96);
  EXPECT_DOUBLE_EQ(c.get_float("rope_theta"), 10000.0);
  EXPECT_FALSE(c.get_bool("tie_word_embeddings", true));
  EXPECT_EQ(models::find_gguf_model(path), path);
  EXPECT_FALSE(models::find_gguf_model(kTinyLlama).has_value());
  fs::remove(path);
}

TEST(GgufSource, UnsupportedArchitectureIsNamed) {
  formats::GgufWriter w;
  w.set("general.architecture", GgufValue::string("rwkv6"));
  const fs::path p = fs::temp_directory_path() / fmt::format("hfcpp_rwkv_{}.gguf", ::getpid());
  w.write(p.string());
  try {
    models::load_causal_lm(p.string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unsupported);
    EXPECT_NE(e.message().find("'rwkv6'"), std::string::npos) << e.message();
  }
  fs::remove(p);
}

}  // namespace
