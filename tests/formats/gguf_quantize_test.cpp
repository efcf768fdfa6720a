// GGUF quantization: the per-tensor type choice against llama.cpp's (golden from
// scripts/golden/make_gguf_quantize_types.py), and quantize_gguf on small synthetic files.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/formats/gguf.h"
#include "hfcpp/formats/gguf_quantize.h"
#include "hfcpp/quant/quant.h"
#include "temp_path.h"

using namespace hfcpp;
using namespace hfcpp::formats;
using quant::GgmlType;
namespace fs = std::filesystem;

namespace {

const fs::path kGolden = fs::path(HFCPP_SOURCE_DIR) / "tests/golden/formats/gguf_quantize_types.json";

core::Json read_json(const fs::path& path) {
  std::ifstream in(path);
  return core::Json::parse(in);
}

struct GoldenModel {
  QuantizeModelInfo info;
  std::vector<QuantizeTensorDesc> tensors;
  core::Json json;
};

GoldenModel load_golden() {
  GoldenModel g;
  g.json = read_json(kGolden);
  const auto& m = g.json["model"];
  g.info = {m["architecture"].get<std::string>(), m["block_count"].get<int64_t>(), m["head_count"].get<int64_t>(),
            m["head_count_kv"].get<int64_t>(), 0};
  for (const auto& t : g.json["tensors"])
    g.tensors.push_back({t["name"].get<std::string>(), t["ne"].get<std::vector<uint64_t>>(),
                         *quant::parse_ggml_type(t["type"].get<std::string>())});
  return g;
}

}  // namespace

TEST(GgufQuantizeMix, MatchesLlamaCppOnSmolLM2) {
  const GoldenModel g = load_golden();
  int checked = 0;
  for (const auto& [mix, want] : g.json["mixes"].items()) {
    const auto ftype = parse_llama_ftype(mix);
    ASSERT_TRUE(ftype.has_value()) << mix;
    EXPECT_EQ(static_cast<uint32_t>(*ftype), g.json["file_type"][mix].get<uint32_t>()) << mix;
    const QuantizePlan plan = choose_tensor_types(g.info, g.tensors, *ftype);
    for (size_t i = 0; i < g.tensors.size(); ++i)
      EXPECT_EQ(quant::ggml_type_info(plan.types[i]).name, want[g.tensors[i].name].get<std::string>())
          << mix << " " << g.tensors[i].name;
    ++checked;
  }
  EXPECT_GE(checked, 8);
}

TEST(GgufQuantizeMix, OrderIsLlamaCpps) {
  const GoldenModel g = load_golden();
  const auto order = llama_tensor_order(g.tensors);
  const auto& want = g.json["order"];
  ASSERT_EQ(order.size(), want.size());
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(g.tensors[order[i]].name, want[i].get<std::string>()) << i;
}

// Shapes that are whole K-blocks exercise the rules themselves (no fallback): a 16-layer model
// with 4 query heads per KV head.
TEST(GgufQuantizeMix, RulesWithoutFallback) {
  QuantizeModelInfo info{"llama", 16, 32, 8, 0};
  std::vector<QuantizeTensorDesc> t{{"token_embd.weight", {1024, 4000}, GgmlType::F16},
                                    {"output.weight", {1024, 4000}, GgmlType::F16},
                                    {"output_norm.weight", {1024}, GgmlType::F32}};
  for (int l = 0; l < 16; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    t.push_back({p + "attn_v.weight", {1024, 256}, GgmlType::F16});
    t.push_back({p + "ffn_down.weight", {2816, 1024}, GgmlType::F16});
    t.push_back({p + "attn_output.weight", {1024, 1024}, GgmlType::F16});
  }
  auto type_of = [&](const QuantizePlan& plan, const std::string& name) {
    for (size_t i = 0; i < t.size(); ++i)
      if (t[i].name == name) return plan.types[i];
    return GgmlType::F32;
  };
  const auto q4km = choose_tensor_types(info, t, LlamaFtype::Q4_K_M);
  EXPECT_EQ(q4km.n_fallback, 0);  // every row length is a multiple of 256
  EXPECT_EQ(type_of(q4km, "output.weight"), GgmlType::Q6_K);
  EXPECT_EQ(type_of(q4km, "token_embd.weight"), GgmlType::Q4_K);  // untied: the default type
  EXPECT_EQ(type_of(q4km, "output_norm.weight"), GgmlType::F32);
  EXPECT_EQ(type_of(q4km, "blk.0.attn_v.weight"), GgmlType::Q6_K);   // first eighth
  EXPECT_EQ(type_of(q4km, "blk.2.attn_v.weight"), GgmlType::Q4_K);
  EXPECT_EQ(type_of(q4km, "blk.4.attn_v.weight"), GgmlType::Q6_K);   // (4 - 2) % 3 == 2
  EXPECT_EQ(type_of(q4km, "blk.15.attn_v.weight"), GgmlType::Q6_K);  // last eighth
  EXPECT_EQ(type_of(q4km, "blk.1.attn_output.weight"), GgmlType::Q4_K);
  const auto q2k = choose_tensor_types(info, t, LlamaFtype::Q2_K);
  EXPECT_EQ(type_of(q2k, "blk.3.attn_v.weight"), GgmlType::Q4_K);  // n_gqa 4
  EXPECT_EQ(type_of(q2k, "blk.3.attn_output.weight"), GgmlType::Q3_K);
  const auto q3km = choose_tensor_types(info, t, LlamaFtype::Q3_K_M);
  EXPECT_EQ(type_of(q3km, "blk.0.attn_v.weight"), GgmlType::Q5_K);
  EXPECT_EQ(type_of(q3km, "blk.2.attn_v.weight"), GgmlType::Q4_K);
  EXPECT_EQ(type_of(q3km, "blk.0.ffn_down.weight"), GgmlType::Q5_K);  // first sixteenth
  const auto pure = choose_tensor_types(info, t, LlamaFtype::Q4_K_M, {.pure = true});
  EXPECT_EQ(type_of(pure, "blk.0.attn_v.weight"), GgmlType::Q4_K);
}

TEST(GgufQuantizeMix, ParsesNames) {
  EXPECT_EQ(parse_llama_ftype("q4_k_m"), LlamaFtype::Q4_K_M);
  EXPECT_EQ(parse_llama_ftype("F16"), LlamaFtype::MostlyF16);
  EXPECT_FALSE(parse_llama_ftype("Q4_K").has_value());
  EXPECT_STREQ(llama_ftype_name(LlamaFtype::Q3_K_M), "Q3_K_M");
}

namespace {

// A small llama-like GGUF with F32 weights (alignment 64, a split key to be dropped).
std::string write_tiny(const std::string& path, std::vector<float>& weights) {
  GgufWriter w;
  w.set("general.architecture", GgufValue::string("llama"));
  w.set("general.file_type", GgufValue::u32(0));
  w.set_alignment(64);
  w.set("llama.block_count", GgufValue::u32(1));
  w.set("split.count", GgufValue::u16(1));
  w.set("general.name", GgufValue::string("tiny"));
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  weights.resize(64 * 96);
  for (float& v : weights) v = dist(rng);
  w.add_tensor("blk.0.ffn_up.weight", tensor::Tensor::from_data<float>(weights, {64, 96}));
  std::vector<float> norm(96, 1.0f);
  w.add_tensor("blk.0.attn_norm.weight", tensor::Tensor::from_data<float>(norm, {96}));
  w.write(path);
  return path;
}

}  // namespace

TEST(GgufQuantize, WritesQ8_0WithMetadataLikeLlamaCpp) {
  std::vector<float> weights;
  const std::string in = write_tiny(hfcpp::testing::unique_temp_path("in.gguf"), weights);
  const std::string out = hfcpp::testing::unique_temp_path("out.gguf");
  const auto report = quantize_gguf(in, out, {.ftype = LlamaFtype::Q8_0});
  const GgufFile f = GgufFile::open(out);
  EXPECT_EQ(f.alignment(), 64u);
  EXPECT_EQ(f.find("split.count"), nullptr);
  ASSERT_GE(f.metadata().size(), 2u);
  EXPECT_EQ(f.metadata()[f.metadata().size() - 2].key, "general.quantization_version");
  EXPECT_EQ(f.metadata().back().key, "general.file_type");
  EXPECT_EQ(f.get_int("general.file_type"), 7);
  ASSERT_EQ(f.tensors().size(), 2u);
  EXPECT_EQ(f.tensors()[0].name, "blk.0.attn_norm.weight");  // llama.cpp's order: by name within a layer
  EXPECT_EQ(f.tensors()[0].type, GgmlType::F32);
  EXPECT_EQ(f.tensors()[1].type, GgmlType::Q8_0);
  std::vector<std::byte> want(quant::ggml_row_bytes(GgmlType::Q8_0, 96) * 64);
  quant::quantize(GgmlType::Q8_0, weights.data(), want.data(), 64, 96);
  const auto got = f.tensor_bytes("blk.0.ffn_up.weight");
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(std::memcmp(got.data(), want.data(), want.size()), 0);
  EXPECT_EQ(report.bytes_out, want.size() + 96 * 4);
  fs::remove(in);
  fs::remove(out);
}

TEST(GgufQuantize, RefusesRequantizingAndWritesNothing) {
  std::vector<float> weights;
  const std::string in = write_tiny(hfcpp::testing::unique_temp_path("in.gguf"), weights);
  const std::string q = hfcpp::testing::unique_temp_path("q.gguf");
  quantize_gguf(in, q, {.ftype = LlamaFtype::Q4_0});
  const std::string out = hfcpp::testing::unique_temp_path("out.gguf");
  try {
    quantize_gguf(q, out, {.ftype = LlamaFtype::Q8_0});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--allow-requantize"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(out));
  quantize_gguf(q, out, {.ftype = LlamaFtype::Q8_0, .allow_requantize = true});
  EXPECT_EQ(GgufFile::open(out).tensors()[1].type, GgmlType::Q8_0);
  for (const auto& p : {in, q, out}) fs::remove(p);
}

TEST(GgufQuantize, LoadsLegacyImatrixAndChecksSizes) {
  const std::string path = hfcpp::testing::unique_temp_path("imatrix.dat");
  {
    std::ofstream f(path, std::ios::binary);
    auto i32 = [&](int32_t v) { f.write(reinterpret_cast<const char*>(&v), 4); };
    i32(1);
    const std::string name = "blk.0.ffn_up.weight";
    i32(static_cast<int32_t>(name.size()));
    f.write(name.data(), static_cast<std::streamsize>(name.size()));
    i32(4);   // ncall
    i32(95);  // one short of the 96 columns
    for (int i = 0; i < 95; ++i) {
      const float v = 8.0f;
      f.write(reinterpret_cast<const char*>(&v), 4);
    }
  }
  const ImportanceMatrix m = load_imatrix(path);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_FLOAT_EQ(m.at("blk.0.ffn_up.weight")[0], 2.0f);  // divided by ncall
  std::vector<float> weights;
  const std::string in = write_tiny(hfcpp::testing::unique_temp_path("in.gguf"), weights);
  EXPECT_THROW(quantize_gguf(in, hfcpp::testing::unique_temp_path("out.gguf"),
                             {.ftype = LlamaFtype::Q4_K_M, .imatrix = &m}),
               Error);
  std::ofstream(path, std::ios::binary | std::ios::trunc).write("\x05\0\0\0", 4);
  EXPECT_THROW(load_imatrix(path), Error);
  fs::remove(path);
  fs::remove(in);
}
