// Ops against NumPy (float64) goldens from scripts/golden/make_ops.py, for every ISA.
#include <gtest/gtest.h>

#include "hfcpp/tensor/ops.h"
#include "test_util.h"

namespace hfcpp::testing {
namespace {

const GoldenFile& golden() {
  static const GoldenFile g("tests/golden/tensor/ops.safetensors");
  return g;
}
Tensor G(const std::string& name) { return golden().get(name); }

class GoldenOps : public ::testing::TestWithParam<core::Isa> {
 protected:
  void SetUp() override { guard_ = std::make_unique<IsaGuard>(GetParam()); }
  void TearDown() override { guard_.reset(); }
  std::unique_ptr<IsaGuard> guard_;
};

TEST_P(GoldenOps, RecordsLibraryVersions) {
  EXPECT_FALSE(golden().metadata("numpy").empty());
  EXPECT_EQ(golden().metadata("generator"), "scripts/golden/make_ops.py");
}

TEST_P(GoldenOps, Elementwise) {
  const Tensor a = G("ew.a"), b = G("ew.b");
  EXPECT_CLOSE(ops::add(a, b), G("ew.add"), kTolF32);
  EXPECT_CLOSE(ops::sub(a, b), G("ew.sub"), kTolF32);
  EXPECT_CLOSE(ops::mul(a, b), G("ew.mul"), kTolF32);
  EXPECT_CLOSE(ops::div(a, G("ew.div_b")), G("ew.div"), kTolF32);
  EXPECT_CLOSE(ops::maximum(a, b), G("ew.maximum"), kTolF32);
  EXPECT_CLOSE(ops::minimum(a, b), G("ew.minimum"), kTolF32);
  const Tensor x = G("un.x"), pos = G("un.pos");
  EXPECT_CLOSE(ops::neg(x), G("un.neg"), kTolF32);
  EXPECT_CLOSE(ops::exp(x), G("un.exp"), kTolF32);
  EXPECT_CLOSE(ops::log(pos), G("un.log"), kTolF32);
  EXPECT_CLOSE(ops::sqrt(pos), G("un.sqrt"), kTolF32);
  EXPECT_CLOSE(ops::rsqrt(pos), G("un.rsqrt"), kTolF32);
  EXPECT_CLOSE(ops::tanh(x), G("un.tanh"), kTolF32);
  EXPECT_CLOSE(ops::abs(x), G("un.abs"), kTolF32);
  EXPECT_CLOSE(ops::sigmoid(x), G("un.sigmoid"), kTolF32);
  EXPECT_CLOSE(ops::relu(x), G("un.relu"), kTolF32);
  EXPECT_CLOSE(ops::pow(pos, 2.5f), G("un.pow2_5"), kTolF32);
  EXPECT_CLOSE(ops::add_scalar(x, 1.25f), G("un.add_scalar"), kTolF32);
  EXPECT_CLOSE(ops::mul_scalar(x, -0.75f), G("un.mul_scalar"), kTolF32);
  EXPECT_CLOSE(ops::where(G("ew.cond"), x, ops::neg(x)), G("ew.where"), kTolF32);
}

TEST_P(GoldenOps, Activations) {
  const Tensor x = G("un.x");
  EXPECT_CLOSE(ops::gelu(x), G("un.gelu"), kTolF32);
  EXPECT_CLOSE(ops::gelu(x, ops::GeluApprox::Tanh), G("un.gelu_tanh"), kTolF32);
  EXPECT_CLOSE(ops::silu(x), G("un.silu"), kTolF32);
  EXPECT_CLOSE(ops::quick_gelu(x), G("un.quick_gelu"), kTolF32);
  EXPECT_CLOSE(ops::swiglu(x, G("un.up")), G("un.swiglu"), kTolF32);
}

TEST_P(GoldenOps, Reductions) {
  const Tensor r = G("red.x");
  for (int d : {0, 1}) {
    const Tolerance tol = kTolF32.reduced_over(r.size(d));
    const std::string s = std::to_string(d);
    EXPECT_CLOSE(ops::sum(r, d), G("red.sum" + s), tol) << d;
    EXPECT_CLOSE(ops::mean(r, d), G("red.mean" + s), tol) << d;
    EXPECT_CLOSE(ops::max(r, d), G("red.max" + s), kTolF32) << d;
    EXPECT_CLOSE(ops::min(r, d), G("red.min" + s), kTolF32) << d;
    EXPECT_EQ(ops::argmax(r, d).to_float_vector(), G("red.argmax" + s).to_float_vector()) << d;
    EXPECT_CLOSE(ops::logsumexp(r, d), G("red.logsumexp" + s), tol) << d;
    EXPECT_CLOSE(ops::var(r, d), G("red.var" + s), tol) << d;
  }
}

TEST_P(GoldenOps, SoftmaxAndNorms) {
  EXPECT_CLOSE(ops::softmax(G("sm.x")), G("sm.softmax"), kTolF32);
  EXPECT_CLOSE(ops::log_softmax(G("sm.x")), G("sm.log_softmax"), kTolF32.reduced_over(129));
  const Tensor x = G("norm.x"), w = G("norm.w");
  const Tolerance tol = kTolF32.reduced_over(96);
  EXPECT_CLOSE(ops::layer_norm(x, w, G("norm.b"), 1e-5f), G("norm.layer_norm"), tol);
  EXPECT_CLOSE(ops::rms_norm(x, w, {1e-6f, false}), G("norm.rms_norm"), tol);
  EXPECT_CLOSE(ops::rms_norm(x, w, {1e-6f, true}), G("norm.rms_norm_gemma"), tol);
  auto [normed, sum] = ops::add_rms_norm(x, G("norm.residual"), w, {1e-6f, false});
  EXPECT_CLOSE(sum, G("norm.add_rms_sum"), kTolF32);
  EXPECT_CLOSE(normed, G("norm.add_rms_norm"), tol);
  const Tensor xb = G("norm.x_bf16").to(DType::BF16), wb = G("norm.w_bf16").to(DType::BF16);
  const Tensor yb = ops::rms_norm(xb, wb, {1e-6f, false});
  EXPECT_EQ(yb.dtype(), DType::BF16);
  EXPECT_CLOSE(yb, G("norm.rms_norm_bf16").to(DType::BF16), kTolBF16);
}

TEST_P(GoldenOps, Rope) {
  const Tensor x = G("rope.x"), pos = G("rope.positions");
  for (int rot : {16, 8}) {
    const std::string r = std::to_string(rot);
    auto [c, s] = ops::rope_cos_sin(pos, rot, 10000.0f);
    EXPECT_CLOSE(c, G("rope.cos" + r), kTolF32) << "cos table, rotary_dim " << rot;
    EXPECT_CLOSE(s, G("rope.sin" + r), kTolF32) << "sin table, rotary_dim " << rot;
    EXPECT_CLOSE(ops::apply_rope(x, c, s, ops::RopeLayout::HalfSplit), G("rope.neox" + r), kTolF32);
    EXPECT_CLOSE(ops::apply_rope(x, c, s, ops::RopeLayout::Interleaved), G("rope.gptj" + r), kTolF32);
    EXPECT_CLOSE(ops::apply_rope(x, pos, 10000.0f, ops::RopeLayout::HalfSplit, rot), G("rope.neox" + r), kTolF32);
  }
}

TEST_P(GoldenOps, EmbeddingAndConcat) {
  EXPECT_EQ(ops::embedding(G("emb.table"), G("emb.ids")).to_float_vector(), G("emb.out").to_float_vector());
  EXPECT_EQ(ops::concat({G("cat.a"), G("cat.b")}, 1).to_float_vector(), G("cat.out").to_float_vector());
}

TEST_P(GoldenOps, Attention) {
  const Tensor q = G("sdpa.q"), k = G("sdpa.k"), v = G("sdpa.v");
  const Tolerance tol = kTolF32.reduced_over(16);
  auto check = [&](const ops::SdpaOptions& o, const std::string& name, const Tensor& query) {
    EXPECT_CLOSE(ops::scaled_dot_product_attention(query, k, v, o), G(name), tol) << name << " (fused)";
    EXPECT_CLOSE(ops::scaled_dot_product_attention_reference(query, k, v, o), G(name), tol) << name << " (reference)";
  };
  check({}, "sdpa.plain", q);
  check({.causal = true}, "sdpa.causal", q);
  check({.causal = true, .past = 2}, "sdpa.causal_past2", q);
  check({.mask = G("sdpa.add_mask")}, "sdpa.add_mask_out", q);
  check({.mask = G("sdpa.bool_mask")}, "sdpa.bool_mask_out", q);
  check({.causal = true, .window = 3}, "sdpa.window3", q);
  check({.causal = true, .key_padding_mask = G("sdpa.key_padding")}, "sdpa.padding", q);
  check({.softcap = 5.0f}, "sdpa.softcap", G("sdpa.q4"));
  if (golden().has("sdpa.torch_plain")) check({}, "sdpa.torch_plain", q);
}

INSTANTIATE_TEST_SUITE_P(AllIsas, GoldenOps, ::testing::ValuesIn(core::supported_isas()),
                         [](const auto& info) { return std::string(core::isa_name(info.param)); });

}  // namespace
}  // namespace hfcpp::testing
