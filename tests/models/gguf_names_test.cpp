// llama.cpp <-> Hugging Face tensor names per architecture family (models/gguf_names.h), as gguf-py's
// TensorNameMap pairs them for MODEL_ARCH.LLAMA / GEMMA2 / GEMMA3 / PHI3 / GPT2.
#include "models/gguf_names.h"

#include <gtest/gtest.h>

#include <string>

#include "models/gguf_source.h"

namespace hfcpp {
namespace {

using models::gguf_name_of;
using models::hf_name_of;
using models::hf_name_of_gguf_tensor;

TEST(GgufNames, EverySchemeEntryRoundTrips) {
  for (const models::GgufNameScheme* scheme : {&models::kLlamaNameScheme, &models::kGemma2NameScheme,
                                               &models::kPhi3NameScheme, &models::kGpt2NameScheme}) {
    for (const auto& [gguf, hf] : scheme->layers) {
      const std::string g = "blk.7." + std::string(gguf) + ".weight";
      const auto back = hf_name_of(g, *scheme);
      ASSERT_TRUE(back.has_value()) << g;
      EXPECT_EQ(*back, std::string(scheme->hf_prefix) + std::string(scheme->hf_layer_prefix) + "7." + std::string(hf) +
                           ".weight");
      EXPECT_EQ(gguf_name_of(*back, *scheme), g);
    }
    for (const auto& [gguf, hf] : scheme->globals) {
      const std::string g = std::string(gguf) + ".weight";
      const auto back = hf_name_of(g, *scheme);
      ASSERT_TRUE(back.has_value()) << g;
      EXPECT_EQ(gguf_name_of(*back, *scheme), g);
    }
  }
}

TEST(GgufNames, Gemma2SandwichNormsAndQkNorms) {
  const auto& s = models::kGemma2NameScheme;
  EXPECT_EQ(gguf_name_of("model.layers.3.post_attention_layernorm.weight", s), "blk.3.post_attention_norm.weight");
  EXPECT_EQ(gguf_name_of("model.layers.3.pre_feedforward_layernorm.weight", s), "blk.3.ffn_norm.weight");
  EXPECT_EQ(gguf_name_of("model.layers.3.post_feedforward_layernorm.weight", s), "blk.3.post_ffw_norm.weight");
  EXPECT_EQ(gguf_name_of("model.layers.3.self_attn.q_norm.weight", s), "blk.3.attn_q_norm.weight");
  EXPECT_EQ(gguf_name_of("model.layers.3.input_layernorm.weight", s), "blk.3.attn_norm.weight");
  EXPECT_EQ(gguf_name_of("model.embed_tokens.weight", s), "token_embd.weight");
  // Gemma (1) keeps llama's meaning of post_attention_layernorm: the pre-MLP norm.
  EXPECT_EQ(gguf_name_of("model.layers.3.post_attention_layernorm.weight", models::kLlamaNameScheme),
            "blk.3.ffn_norm.weight");
  EXPECT_FALSE(gguf_name_of("model.layers.3.pre_feedforward_layernorm.weight", models::kLlamaNameScheme));
}

TEST(GgufNames, Phi3KeepsFusedProjections) {
  const auto& s = models::kPhi3NameScheme;
  EXPECT_EQ(gguf_name_of("model.layers.0.self_attn.qkv_proj.weight", s), "blk.0.attn_qkv.weight");
  EXPECT_EQ(gguf_name_of("model.layers.0.mlp.gate_up_proj.weight", s), "blk.0.ffn_up.weight");
  EXPECT_EQ(gguf_name_of("model.layers.0.post_attention_layernorm.weight", s), "blk.0.ffn_norm.weight");
  EXPECT_EQ(gguf_name_of("lm_head.weight", s), "output.weight");
  EXPECT_FALSE(gguf_name_of("model.layers.0.self_attn.q_proj.weight", s));
  EXPECT_FALSE(gguf_name_of("model.layers.0.mlp.gate_proj.weight", s));
}

TEST(GgufNames, ReaderPicksTheArchitecturesScheme) {
  EXPECT_EQ(hf_name_of_gguf_tensor("blk.1.ffn_norm.weight", "gemma"), "model.layers.1.post_attention_layernorm.weight");
  EXPECT_EQ(hf_name_of_gguf_tensor("blk.1.ffn_norm.weight", "gemma2"),
            "model.layers.1.pre_feedforward_layernorm.weight");
  EXPECT_EQ(hf_name_of_gguf_tensor("blk.1.post_ffw_norm.weight", "gemma2"),
            "model.layers.1.post_feedforward_layernorm.weight");
  EXPECT_EQ(hf_name_of_gguf_tensor("blk.1.attn_qkv.weight", "phi3"), "model.layers.1.self_attn.qkv_proj.weight");
  EXPECT_EQ(hf_name_of_gguf_tensor("blk.1.ffn_up.weight", "phi3"), "model.layers.1.mlp.gate_up_proj.weight");
  EXPECT_EQ(hf_name_of_gguf_tensor("blk.1.attn_qkv.weight", "gpt2"), "transformer.h.1.attn.c_attn.weight");
  // longrope's factors are read as config, not as weights.
  EXPECT_FALSE(hf_name_of_gguf_tensor("rope_factors_long.weight", "phi3"));
}

}  // namespace
}  // namespace hfcpp
