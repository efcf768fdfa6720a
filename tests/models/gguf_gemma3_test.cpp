// llama.cpp's "gemma3" GGUF architecture as a model source: the sandwich-norm names, the
// Gemma3TextConfig transformers would need (sizes as in gemma-3-270m's GGUF; llama.cpp's
// defaults for what the metadata leaves out) and the (1 + w) norm weights shifted back.
#include <gtest/gtest.h>

#include "hfcpp/formats/gguf.h"
#include "hfcpp/tensor/tensor.h"
#include "models/gguf_gemma3.h"
#include "models/gguf_source.h"
#include "temp_path.h"

using namespace hfcpp;
using formats::GgufValue;

namespace {

formats::GgufWriter gemma3_270m_metadata() {
  formats::GgufWriter w;
  w.set("general.architecture", GgufValue::string("gemma3"));
  w.set("gemma3.context_length", GgufValue::u32(32768));
  w.set("gemma3.embedding_length", GgufValue::u32(640));
  w.set("gemma3.block_count", GgufValue::u32(18));
  w.set("gemma3.feed_forward_length", GgufValue::u32(2048));
  w.set("gemma3.attention.head_count", GgufValue::u32(4));
  w.set("gemma3.attention.head_count_kv", GgufValue::u32(1));
  w.set("gemma3.attention.layer_norm_rms_epsilon", GgufValue::f32(1e-6f));
  w.set("gemma3.attention.key_length", GgufValue::u32(256));
  w.set("gemma3.attention.value_length", GgufValue::u32(256));
  w.set("gemma3.rope.freq_base", GgufValue::f32(1e6f));
  w.set("gemma3.attention.sliding_window", GgufValue::u32(512));
  return w;
}

models::ModelConfig config_of(const formats::GgufWriter& w) {
  const std::string path = hfcpp::testing::unique_temp_path("gemma3_meta") + ".gguf";
  w.write(path);
  models::ModelConfig c = models::config_from_gguf(formats::GgufFile::open(path));
  std::remove(path.c_str());
  return c;
}

}  // namespace

TEST(GgufGemma3, SandwichNormNames) {
  EXPECT_EQ(models::hf_name_of_gguf_tensor("blk.2.ffn_norm.weight", "gemma3"),
            "model.layers.2.pre_feedforward_layernorm.weight");
  EXPECT_EQ(models::hf_name_of_gguf_tensor("blk.2.post_attention_norm.weight", "gemma3"),
            "model.layers.2.post_attention_layernorm.weight");
  EXPECT_EQ(models::hf_name_of_gguf_tensor("blk.2.post_ffw_norm.weight", "gemma3"),
            "model.layers.2.post_feedforward_layernorm.weight");
  EXPECT_EQ(models::hf_name_of_gguf_tensor("blk.2.attn_q_norm.weight", "gemma3"), "model.layers.2.self_attn.q_norm.weight");
  EXPECT_EQ(models::hf_name_of_gguf_tensor("blk.2.attn_norm.weight", "gemma3"), "model.layers.2.input_layernorm.weight");
  // Llama keeps ffn_norm as its only post-attention norm.
  EXPECT_EQ(models::hf_name_of_gguf_tensor("blk.2.ffn_norm.weight"), "model.layers.2.post_attention_layernorm.weight");
  EXPECT_FALSE(models::hf_name_of_gguf_tensor("blk.2.post_ffw_norm.weight").has_value());
}

TEST(GgufGemma3, ConfigAsLlamaCppReadsIt) {
  const models::ModelConfig c = config_of(gemma3_270m_metadata());
  EXPECT_EQ(c.model_type(), "gemma3_text");
  EXPECT_EQ(c.architectures(), std::vector<std::string>{"Gemma3ForCausalLM"});
  EXPECT_EQ(c.get_int("head_dim"), 256);
  EXPECT_EQ(c.get_int("num_key_value_heads"), 1);
  EXPECT_EQ(c.get_int("query_pre_attn_scalar"), 256);
  EXPECT_EQ(c.get_int("sliding_window"), 512);
  EXPECT_DOUBLE_EQ(c.get_float("rope_local_base_freq"), 10000.0);
  EXPECT_DOUBLE_EQ(c.get_float("rope_theta"), 1e6);
  EXPECT_EQ(c.get_string("hidden_activation"), "gelu_pytorch_tanh");
  EXPECT_TRUE(c.get_bool("tie_word_embeddings", false));
  EXPECT_FALSE(c.json().contains("final_logit_softcapping"));
  const auto& types = c.json().at("layer_types");
  ASSERT_EQ(types.size(), 18u);
  for (size_t i = 0; i < 18; ++i)  // every 6th layer attends globally (llama.cpp's pattern 6)
    EXPECT_EQ(types[i], (i + 1) % 6 == 0 ? "full_attention" : "sliding_attention") << i;
}

TEST(GgufGemma3, ExplicitPatternSwaBaseAndSoftcap) {
  formats::GgufWriter w = gemma3_270m_metadata();
  w.set("gemma3.attention.sliding_window_pattern", GgufValue::u32(3));
  w.set("gemma3.rope.freq_base_swa", GgufValue::f32(20000.0f));
  w.set("gemma3.final_logit_softcapping", GgufValue::f32(30.0f));
  const models::ModelConfig c = config_of(w);
  const auto& types = c.json().at("layer_types");
  EXPECT_EQ(types[0], "sliding_attention");
  EXPECT_EQ(types[2], "full_attention");
  EXPECT_DOUBLE_EQ(c.get_float("rope_local_base_freq"), 20000.0);
  EXPECT_DOUBLE_EQ(c.get_float("final_logit_softcapping"), 30.0);

  formats::GgufWriter no_window = gemma3_270m_metadata();
  no_window.set("gemma3.attention.sliding_window", GgufValue::u32(0));
  const models::ModelConfig all_full = config_of(no_window);
  for (const auto& t : all_full.json().at("layer_types")) EXPECT_EQ(t, "full_attention");
}

TEST(GgufGemma3, NormWeightsShiftedBack) {
  EXPECT_TRUE(models::gguf_gemma3::is_shifted_norm("model.layers.0.self_attn.k_norm.weight"));
  EXPECT_TRUE(models::gguf_gemma3::is_shifted_norm("model.norm.weight"));
  EXPECT_FALSE(models::gguf_gemma3::is_shifted_norm("model.layers.0.mlp.up_proj.weight"));
  const std::vector<float> values{1.0f, 1.5f, 0.25f};
  const tensor::Tensor stored = tensor::Tensor::from_data<float>(values, {3});
  EXPECT_EQ(models::gguf_gemma3::shift_norm_weight(stored).to_float_vector(), (std::vector<float>{0.0f, 0.5f, -0.75f}));
}
