// llama.cpp's "gemma", "gemma2" and "phi3" GGUF architectures as model sources: the configs
// transformers would need, with llama.cpp's defaults for what the metadata leaves out
// (llama_model_gemma2 / llama_model_phi3 load_arch_hparams).
#include <gtest/gtest.h>

#include <cstdio>

#include "hfcpp/formats/gguf.h"
#include "hfcpp/tensor/tensor.h"
#include "models/gguf_source.h"
#include "temp_path.h"

using namespace hfcpp;
using formats::GgufValue;

namespace {

formats::GgufWriter common(const std::string& arch, uint32_t layers) {
  formats::GgufWriter w;
  w.set("general.architecture", GgufValue::string(arch));
  const std::string p = arch + ".";
  w.set(p + "context_length", GgufValue::u32(8192));
  w.set(p + "embedding_length", GgufValue::u32(3072));
  w.set(p + "block_count", GgufValue::u32(layers));
  w.set(p + "feed_forward_length", GgufValue::u32(8192));
  w.set(p + "attention.head_count", GgufValue::u32(16));
  w.set(p + "attention.head_count_kv", GgufValue::u32(8));
  w.set(p + "attention.layer_norm_rms_epsilon", GgufValue::f32(1e-6f));
  return w;
}

models::ModelConfig config_of(const formats::GgufWriter& w) {
  const std::string path = hfcpp::testing::unique_temp_path("gemma_phi3_meta") + ".gguf";
  w.write(path);
  models::ModelConfig c = models::config_from_gguf(formats::GgufFile::open(path));
  std::remove(path.c_str());
  return c;
}

}  // namespace

TEST(GgufGemmaPhi3, GemmaHasHeadDimAndGeluOnly) {
  formats::GgufWriter w = common("gemma", 28);
  w.set("gemma.attention.key_length", GgufValue::u32(256));
  const models::ModelConfig c = config_of(w);
  EXPECT_EQ(c.model_type(), "gemma");
  EXPECT_EQ(c.get_int("head_dim"), 256);
  EXPECT_EQ(c.get_string("hidden_activation"), "gelu_pytorch_tanh");
  EXPECT_FALSE(c.json().contains("sliding_window"));
  EXPECT_FALSE(c.json().contains("query_pre_attn_scalar"));
}

TEST(GgufGemmaPhi3, Gemma2DefaultsAsLlamaCpp) {
  formats::GgufWriter w = common("gemma2", 4);
  w.set("gemma2.attention.key_length", GgufValue::u32(256));
  const models::ModelConfig c = config_of(w);
  EXPECT_EQ(c.model_type(), "gemma2");
  EXPECT_EQ(c.architectures(), std::vector<std::string>{"Gemma2ForCausalLM"});
  EXPECT_EQ(c.get_int("query_pre_attn_scalar"), 256);
  EXPECT_EQ(c.get_int("sliding_window"), 4096);  // llama.cpp's n_swa default for gemma2
  EXPECT_DOUBLE_EQ(c.get_float("attn_logit_softcapping"), 50.0);
  EXPECT_DOUBLE_EQ(c.get_float("final_logit_softcapping"), 30.0);
  const auto& types = c.json().at("layer_types");
  ASSERT_EQ(types.size(), 4u);
  for (size_t i = 0; i < 4; ++i)  // even layers slide (pattern 2)
    EXPECT_EQ(types[i], i % 2 == 0 ? "sliding_attention" : "full_attention") << i;
}

TEST(GgufGemmaPhi3, Gemma2ExplicitKeysAnd27BScaling) {
  formats::GgufWriter w = common("gemma2", 46);
  w.set("gemma2.attention.key_length", GgufValue::u32(128));
  w.set("gemma2.attention.sliding_window", GgufValue::u32(64));
  w.set("gemma2.final_logit_softcapping", GgufValue::f32(0.0f));
  const models::ModelConfig c = config_of(w);
  EXPECT_EQ(c.get_int("query_pre_attn_scalar"), 3072 / 16);  // llama.cpp's 27B rule: hidden / heads
  EXPECT_EQ(c.get_int("sliding_window"), 64);
  EXPECT_TRUE(c.json().at("final_logit_softcapping").is_null());  // 0: none
}

TEST(GgufGemmaPhi3, Phi3PartialRotaryWindowAndLongrope) {
  formats::GgufWriter w = common("phi3", 2);
  w.set("phi3.rope.dimension_count", GgufValue::u32(144));  // 0.75 of head_dim 192
  w.set("phi3.rope.scaling.original_context_length", GgufValue::u32(4096));
  w.set("phi3.rope.scaling.attn_factor", GgufValue::f32(1.19f));
  w.set("phi3.attention.sliding_window", GgufValue::u32(0));
  const std::vector<float> long_f(72, 2.0f), short_f(72, 1.0f);
  w.add_tensor("rope_factors_long.weight", tensor::Tensor::from_vector(long_f, {72}));
  w.add_tensor("rope_factors_short.weight", tensor::Tensor::from_vector(short_f, {72}));
  const models::ModelConfig c = config_of(w);
  EXPECT_EQ(c.model_type(), "phi3");
  EXPECT_FALSE(c.json().contains("head_dim"));
  EXPECT_DOUBLE_EQ(c.get_float("partial_rotary_factor"), 0.75);
  EXPECT_EQ(c.get_int("original_max_position_embeddings"), 4096);
  EXPECT_TRUE(c.json().at("sliding_window").is_null());
  const auto& rs = c.json().at("rope_scaling");
  EXPECT_EQ(rs.at("rope_type"), "longrope");
  ASSERT_EQ(rs.at("long_factor").size(), 72u);
  EXPECT_DOUBLE_EQ(rs.at("long_factor")[0].get<double>(), 2.0);
  EXPECT_NEAR(rs.at("attention_factor").get<double>(), 1.19, 1e-6);
}

TEST(GgufGemmaPhi3, Phi3HalfTheFactorsIsRefused) {
  formats::GgufWriter w = common("phi3", 2);
  w.add_tensor("rope_factors_long.weight", tensor::Tensor::from_vector(std::vector<float>(96, 1.0f), {96}));
  try {
    config_of(w);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rope_factors_short.weight"), std::string::npos) << e.what();
  }
}
