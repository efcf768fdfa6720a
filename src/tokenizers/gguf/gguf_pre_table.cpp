// tokenizer.ggml.pre -> the pre-tokenizer of the model family's original tokenizer.json.
// The names and their grouping follow llama.cpp (llama-vocab.cpp); the regexes are the
// tokenizer.json originals (llama.cpp rewrites some for its own regex engine, e.g. (?i:...)
// spelled out), so they run under PCRE2 exactly as the reference's Split does.
#include "tokenizers/gguf/gguf_pre_table.h"

#include <algorithm>

namespace hfcpp::tokenizers {

namespace {
// The GPT-2 pattern; the ByteLevel pre-tokenizer with use_regex applies it.
constexpr const char* kGpt2 =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
constexpr const char* kLlama3 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kQwen2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kQwen35 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kGpt4o =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kTekken =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kSeedCoder =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kBailing =
    R"('(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)";
constexpr const char* kExaoneMoe =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?(?:\p{L}\p{M}*(?: \p{L}\p{M}*)*)+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]?|\s*[\r\n]|\s+(?!\S)|\s+)";
constexpr const char* kMiniCpm5 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}+| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kDeepseek3Punct =
    R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kBloom = R"( ?[^(\s|.,!?…。，、।۔،)]+)";

PreStep split(const char* regex) { return {PreStep::Kind::SplitIsolated, regex}; }
const PreStep kByteLevelRegex{PreStep::Kind::ByteLevelWithRegex, ""};
const PreStep kDigitsIndividual{PreStep::Kind::DigitsIndividual, ""};
const PreStep kDigitsContiguous{PreStep::Kind::DigitsContiguous, ""};
const PreStep kPunctContiguous{PreStep::Kind::PunctuationContiguous, ""};

struct Family {
  std::vector<std::string> names;
  std::vector<PreStep> steps;
};

const std::vector<Family>& families() {
  static const std::vector<Family> table = {
      {{"default"},
       {split(R"([\p{P}\$\+<=>\^~\|]+)"), split(kGpt2), split(R"(\p{N}+)"),
        split("[0-9][0-9][0-9]")}},
      {{"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0",
        "mellum", "modern-bert", "jina-v1-en", "jina-v2-code", "roberta-bpe", "mpt", "olmo", "jais",
        "trillion", "granite-docling"},
       {kByteLevelRegex}},
      {{"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b", "mellum2"},
       {kDigitsIndividual, kByteLevelRegex}},
      {{"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
        "jina-v5-nano", "dbrx", "smaug-bpe", "chatglm-bpe"},
       {split(kLlama3)}},
      {{"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "stablelm2", "hunyuan", "solar-open", "grok-2"},
       {split(kQwen2)}},
      {{"qwen35"}, {split(kQwen35)}},
      {{"gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2"}, {split(kGpt4o)}},
      {{"tekken"}, {split(kTekken)}},
      {{"seed-coder"}, {split(kSeedCoder)}},
      {{"bailingmoe", "bailingmoe2", "llada-moe"}, {split(kBailing)}},
      {{"exaone-moe"}, {split(kExaoneMoe)}},
      {{"minicpm5"}, {split(R"(\p{N}{1,3})"), split(kMiniCpm5)}},
      {{"deepseek-v3", "hunyuan-dense", "joyai-llm", "hy_v4"},
       {split(R"(\p{N}{1,3})"), split("[一-龥぀-ゟ゠-ヿ]+"), split(kDeepseek3Punct)}},
      {{"deepseek-llm"},
       {split("[\r\n]"),
        split(R"(\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+)"),
        split(R"(\s?[!-/:-~！-／：-～‘-‟　-。]+)"), split(R"(\s+$)"), split("[一-龥ࠀ-一가-퟿]+"),
        split(R"(\p{N}+)")}},
      {{"deepseek-coder"},
       {split("[\r\n]"), split(R"(\s?\p{L}+)"), split(R"(\s?\p{P}+)"), split("[一-龥ࠀ-一가-퟿]+"),
        split(R"(\p{N})")}},
      {{"falcon"},
       {kPunctContiguous, kByteLevelRegex, kDigitsContiguous, split("[0-9][0-9][0-9]")}},
      {{"poro-chat", "bloom", "gpt3-finnish"}, {split(kBloom)}},
      {{"viking"}, {split(kBloom), split(R"(\p{N})")}},
  };
  return table;
}
}  // namespace

const std::vector<PreStep>* gguf_pre_steps(std::string_view name) {
  if (name.empty()) name = "default";  // llama.cpp's fallback for a missing tokenizer.ggml.pre
  for (const Family& f : families())
    if (std::find(f.names.begin(), f.names.end(), name) != f.names.end()) return &f.steps;
  return nullptr;
}

std::vector<std::string> known_gguf_pre_tokenizers() {
  std::vector<std::string> out;
  for (const Family& f : families()) out.insert(out.end(), f.names.begin(), f.names.end());
  return out;
}

}  // namespace hfcpp::tokenizers
