// tokenizer.ggml.* from tokenizer.model under each model class's set_vocab rule, on the committed
// fixtures of tests/golden/convert_spm (scripts/golden/make_spm_fixtures.py). The expected rows are
// what tests/python/test_convert_spm.py's reference (convert_hf_to_gguf.py's algorithm run with the
// sentencepiece package) gives for them; that test compares every row once `hfcpp convert` maps the
// gemma and phi3 tensors. Here: the rules that differ between the classes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <span>

#include "convert/convert_internal.h"
#include "hfcpp/core/error.h"
#include "hfcpp/core/mapped_file.h"
#include "hfcpp/formats/gguf.h"
#include "temp_path.h"

using namespace hfcpp;
using namespace hfcpp::convert;
using formats::GgufValue;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = fs::path(HFCPP_SOURCE_DIR) / "tests/golden/convert_spm";

core::Json read_config(const fs::path& folder) {
  return core::parse_json(core::read_file((folder / "config.json").string()), "config.json");
}

// The vocabulary metadata a rule writes for a folder, read back from the GGUF header.
formats::GgufHeader vocab_of(const fs::path& folder, VocabRule rule) {
  const ArchSpec arch{"test", "test", false, false, false, rule};
  formats::GgufWriter w;
  write_vocab_metadata(w, arch, folder.string(), read_config(folder));
  const std::string bytes = w.header_bytes();
  return formats::parse_gguf_header(std::as_bytes(std::span<const char>(bytes.data(), bytes.size())));
}

const GgufValue& at(const formats::GgufHeader& h, std::string_view key) {
  for (const auto& kv : h.metadata)
    if (kv.key == key) return kv.value;
  throw std::runtime_error("missing key " + std::string(key));
}
bool has(const formats::GgufHeader& h, std::string_view key) {
  for (const auto& kv : h.metadata)
    if (kv.key == key) return true;
  return false;
}

struct Row {
  std::string token;
  float score;
  int type;
};
Row row(const formats::GgufHeader& h, size_t id) {
  return {at(h, "tokenizer.ggml.tokens").items().at(id).as_string(),
          static_cast<float>(at(h, "tokenizer.ggml.scores").items().at(id).as_double()),
          static_cast<int>(at(h, "tokenizer.ggml.token_type").items().at(id).as_int())};
}
void expect_row(const formats::GgufHeader& h, size_t id, const std::string& token, float score, int type) {
  const Row r = row(h, id);
  EXPECT_EQ(r.token, token) << "id " << id;
  EXPECT_EQ(r.score, score) << "id " << id;
  EXPECT_EQ(r.type, type) << "id " << id;
}

}  // namespace

TEST(ConvertVocabSpm, Phi3RuleTakesAddedTokensAsTheyAre) {
  const auto h = vocab_of(kFixtures / "phi3-spm", VocabRule::Phi3);
  EXPECT_EQ(at(h, "tokenizer.ggml.model").as_string(), "llama");
  EXPECT_EQ(at(h, "tokenizer.ggml.pre").as_string(), "default");
  ASSERT_EQ(at(h, "tokenizer.ggml.tokens").items().size(), 1208u);
  expect_row(h, 0, "<unk>", -1000.0f, 3);
  expect_row(h, 2, "</s>", -1000.0f, 4);  // not special: USER_DEFINED
  expect_row(h, 3, "<0x00>", 0.0f, 6);
  expect_row(h, 1199, "\xea\xb1\xb0", -940.0f, 1);
  expect_row(h, 1200, "<|endoftext|>", -1000.0f, 3);
  expect_row(h, 1204, "<|placeholder1|>", -1000.0f, 3);
  expect_row(h, 1207, "[PAD1207]", -10000.0f, 5);
  EXPECT_EQ(at(h, "tokenizer.ggml.bos_token_id").as_int(), 1);
  EXPECT_EQ(at(h, "tokenizer.ggml.eos_token_id").as_int(), 1200);
  EXPECT_EQ(at(h, "tokenizer.ggml.padding_token_id").as_int(), 1200);
  EXPECT_FALSE(at(h, "tokenizer.ggml.add_bos_token").as_bool());
  EXPECT_FALSE(has(h, "tokenizer.ggml.add_space_prefix"));
}

TEST(ConvertVocabSpm, GemmaRuleMarksSpecialLookingTokensAndWritesEot) {
  const auto h = vocab_of(kFixtures / "gemma-spm", VocabRule::Gemma);
  ASSERT_EQ(at(h, "tokenizer.ggml.tokens").items().size(), 1232u);
  expect_row(h, 0, "<pad>", -1000.0f, 3);
  expect_row(h, 6, "  ", -1000.0f, 4);  // U+2581 pre-normalized to spaces
  expect_row(h, 1219, "\xed\x8d\xbc", -956.0f, 1);
  expect_row(h, 1220, "[PAD1220]", -10000.0f, 5);
  expect_row(h, 1221, "<unused0>", -1000.0f, 3);  // not special, but looks special
  expect_row(h, 1222, "<tab>", -1000.0f, 4);
  EXPECT_EQ(at(h, "tokenizer.ggml.bos_token_id").as_int(), 2);
  EXPECT_EQ(at(h, "tokenizer.ggml.eos_token_id").as_int(), 1);
  EXPECT_EQ(at(h, "tokenizer.ggml.padding_token_id").as_int(), 0);
  EXPECT_TRUE(at(h, "tokenizer.ggml.add_bos_token").as_bool());
  EXPECT_EQ(at(h, "tokenizer.ggml.eot_token_id").as_int(), 107);
  EXPECT_FALSE(at(h, "tokenizer.ggml.add_space_prefix").as_bool());
  // Gemma 2 and 3: the same vocabulary without CodeGemma's eot.
  const auto h3 = vocab_of(kFixtures / "gemma-spm", VocabRule::Gemma3);
  EXPECT_FALSE(has(h3, "tokenizer.ggml.eot_token_id"));
  EXPECT_FALSE(at(h3, "tokenizer.ggml.add_space_prefix").as_bool());
  EXPECT_EQ(at(h3, "tokenizer.ggml.tokens").as_string_vector(), at(h, "tokenizer.ggml.tokens").as_string_vector());
}

TEST(ConvertVocabSpm, MissingOrBrokenTokenizerModelIsAnError) {
  const fs::path folder = hfcpp::testing::unique_temp_path("spm_folder");
  fs::remove_all(folder);
  fs::create_directories(folder);
  fs::copy_file(kFixtures / "phi3-spm/config.json", folder / "config.json");
  fs::copy_file(kFixtures / "phi3-spm/tokenizer_config.json", folder / "tokenizer_config.json");
  try {
    vocab_of(folder, VocabRule::Gemma2);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
    EXPECT_NE(std::string(e.what()).find("has no tokenizer.model"), std::string::npos) << e.what();
  }
  std::ofstream(folder / "tokenizer.model", std::ios::binary) << std::string("\x0a\x05\x0a\x01", 4);
  try {
    vocab_of(folder, VocabRule::Phi3);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Format);
    EXPECT_NE(std::string(e.what()).find("tokenizer.model"), std::string::npos) << e.what();
  }
  fs::remove_all(folder);
}

TEST(ConvertVocabSpm, LlamaRuleEndsWithCodeLlamaAndGraniteSpecialCases) {
  const fs::path folder = hfcpp::testing::unique_temp_path("spm_llama");
  fs::remove_all(folder);
  fs::copy(kFixtures / "llama-spm-bpe", folder);
  auto with_vocab_size = [&](int64_t n) {
    core::Json config = read_config(kFixtures / "llama-spm-bpe");
    config["vocab_size"] = n;
    std::ofstream(folder / "config.json") << config.dump();
    return vocab_of(folder, VocabRule::Llama);
  };
  const auto plain = with_vocab_size(1200);
  EXPECT_FALSE(has(plain, "tokenizer.ggml.eot_token_id"));
  EXPECT_TRUE(at(plain, "tokenizer.ggml.add_bos_token").as_bool());
  const auto code_llama = with_vocab_size(32016);  // padded with [PAD<i>] to config.json's size
  EXPECT_EQ(at(code_llama, "tokenizer.ggml.tokens").items().size(), 32016u);
  expect_row(code_llama, 32015, "[PAD32015]", -10000.0f, 5);
  EXPECT_EQ(at(code_llama, "tokenizer.ggml.eot_token_id").as_int(), 32010);
  EXPECT_FALSE(at(with_vocab_size(49152), "tokenizer.ggml.add_bos_token").as_bool());
  fs::remove_all(folder);
}
