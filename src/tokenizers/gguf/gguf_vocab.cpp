// GGUF tokenizer metadata -> the equivalent tokenizer.json, then the ordinary loader. Going
// through tokenizer.json keeps one implementation of every component, and the same text can be
// written out for inspection (`hfcpp` or tests can dump it and load it in Python).
#include "hfcpp/tokenizers/gguf_vocab.h"

#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/tokenizers/tokenizer.h"
#include "tokenizers/gguf/gguf_pre_table.h"
#include "tokenizers/tokenizer_impl.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

namespace {
using core::Json;
constexpr const char* kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's space marker

GgufTokenType type_of(const GgufVocab& v, size_t id) {
  if (v.token_type.empty()) return GgufTokenType::Normal;
  return static_cast<GgufTokenType>(v.token_type[id]);
}

void validate(const GgufVocab& v) {
  size_t n = v.tokens.size();
  HFCPP_CHECK(n > 0, ErrorCode::Format, "[gguf tokenizer] tokenizer.ggml.tokens: empty, expected the vocabulary");
  HFCPP_CHECK(v.token_type.empty() || v.token_type.size() == n, ErrorCode::Format,
              "[gguf tokenizer] tokenizer.ggml.token_type: got {} entries, expected {} (one per token)",
              v.token_type.size(), n);
  HFCPP_CHECK(v.scores.empty() || v.scores.size() == n, ErrorCode::Format,
              "[gguf tokenizer] tokenizer.ggml.scores: got {} entries, expected {} (one per token)",
              v.scores.size(), n);
  for (size_t i = 0; i < v.token_type.size(); ++i)
    HFCPP_CHECK(v.token_type[i] >= 0 && v.token_type[i] <= 6, ErrorCode::Format,
                "[gguf tokenizer] tokenizer.ggml.token_type[{}]: got {}, expected 0..6", i, v.token_type[i]);
  auto check_id = [&](const std::optional<uint32_t>& id, const char* key) {
    HFCPP_CHECK(!id || *id < n, ErrorCode::Format,
                "[gguf tokenizer] tokenizer.ggml.{}: got {}, expected an id below {}", key, id.value_or(0), n);
  };
  check_id(v.bos_id, "bos_token_id");
  check_id(v.eos_id, "eos_token_id");
  check_id(v.unk_id, "unknown_token_id");
  check_id(v.pad_id, "padding_token_id");
  check_id(v.sep_id, "seperator_token_id");
  check_id(v.cls_id, "cls_token_id");
  check_id(v.mask_id, "mask_token_id");
  for (size_t i = 0; i < n; ++i)
    HFCPP_CHECK(utf8::find_invalid(v.tokens[i]) == std::string::npos, ErrorCode::Format,
                "[gguf tokenizer] tokenizer.ggml.tokens[{}]: invalid UTF-8", i);
}

// Token texts as the HF vocab spells them (llama.cpp renames empty tokens the same way).
std::vector<std::string> token_texts(const GgufVocab& v) {
  std::vector<std::string> out(v.tokens.size());
  for (size_t i = 0; i < v.tokens.size(); ++i)
    out[i] = v.tokens[i].empty() ? "[EMPTY_" + std::to_string(i) + "]" : v.tokens[i];
  if (v.model == "bert") {
    // convert_hf_to_gguf writes "word" as "▁word" and "##piece" as "piece"; "[X]" stays.
    for (std::string& t : out) {
      if (t.size() >= 2 && t.front() == '[' && t.back() == ']') continue;
      if (t.rfind(kSpace, 0) == 0) t.erase(0, 3);
      else t = "##" + t;
    }
  }
  return out;
}

Json vocab_object(const std::vector<std::string>& texts) {
  Json vocab = Json::object();
  for (size_t i = 0; i < texts.size(); ++i) vocab[texts[i]] = i;
  return vocab;
}

// CONTROL and UNKNOWN tokens are special added tokens, USER_DEFINED non-special ones; all are
// matched in the raw text, as llama.cpp's tokenizer_st_partition does.
Json added_tokens(const GgufVocab& v, const std::vector<std::string>& texts) {
  Json arr = Json::array();
  for (size_t i = 0; i < texts.size(); ++i) {
    GgufTokenType t = type_of(v, i);
    bool special = t == GgufTokenType::Control || t == GgufTokenType::Unknown;
    if (!special && t != GgufTokenType::UserDefined) continue;
    arr.push_back({{"id", i}, {"content", texts[i]}, {"single_word", false}, {"lstrip", false},
                   {"rstrip", false}, {"normalized", false}, {"special", special}});
  }
  return arr;
}

Json split_regex(const char* regex) {
  return {{"type", "Split"}, {"pattern", {{"Regex", regex}}}, {"behavior", "Isolated"}, {"invert", false}};
}
Json byte_level(bool add_prefix_space, bool trim_offsets, bool use_regex) {
  return {{"type", "ByteLevel"}, {"add_prefix_space", add_prefix_space},
          {"trim_offsets", trim_offsets}, {"use_regex", use_regex}};
}

Json byte_level_pre_tokenizer(const std::vector<PreStep>& steps) {
  Json seq = Json::array();
  bool has_byte_level = false;
  for (const PreStep& s : steps) {
    switch (s.kind) {
      case PreStep::Kind::SplitIsolated: seq.push_back(split_regex(s.regex)); break;
      case PreStep::Kind::ByteLevelWithRegex:
        seq.push_back(byte_level(false, true, true));
        has_byte_level = true;
        break;
      case PreStep::Kind::DigitsIndividual:
        seq.push_back({{"type", "Digits"}, {"individual_digits", true}});
        break;
      case PreStep::Kind::DigitsContiguous:
        seq.push_back({{"type", "Digits"}, {"individual_digits", false}});
        break;
      case PreStep::Kind::PunctuationContiguous:
        seq.push_back({{"type", "Punctuation"}, {"behavior", "Contiguous"}});
        break;
    }
  }
  if (!has_byte_level) seq.push_back(byte_level(false, true, false));
  if (seq.size() == 1) return seq[0];
  return {{"type", "Sequence"}, {"pretokenizers", seq}};
}

// TemplateProcessing adding bos/eos (cls/sep for BERT) around each sequence; null when none.
Json template_processor(const std::vector<std::string>& texts, std::optional<uint32_t> first,
                        std::optional<uint32_t> last, bool bert_pair) {
  if (!first && !last) return nullptr;
  auto special = [&](uint32_t id, int type_id) {
    return Json{{"SpecialToken", {{"id", texts[id]}, {"type_id", type_id}}}};
  };
  auto sequence = [](const char* which, int type_id) {
    return Json{{"Sequence", {{"id", which}, {"type_id", type_id}}}};
  };
  Json single = Json::array(), pair = Json::array();
  if (first) single.push_back(special(*first, 0));
  single.push_back(sequence("A", 0));
  if (last) single.push_back(special(*last, 0));
  pair = single;
  if (first && !bert_pair) pair.push_back(special(*first, 1));
  pair.push_back(sequence("B", 1));
  if (last) pair.push_back(special(*last, 1));
  Json specials = Json::object();
  for (auto id : {first, last})
    if (id) specials[texts[*id]] = {{"id", texts[*id]}, {"ids", {*id}}, {"tokens", {texts[*id]}}};
  return {{"type", "TemplateProcessing"}, {"single", single}, {"pair", pair}, {"special_tokens", specials}};
}

std::optional<uint32_t> if_enabled(bool enabled, std::optional<uint32_t> id, const char* what) {
  if (!enabled) return std::nullopt;
  HFCPP_CHECK(id.has_value(), ErrorCode::Format,
              "[gguf tokenizer] tokenizer.ggml.add_{}_token is true but tokenizer.ggml.{}_token_id is missing",
              what, what);
  return id;
}

void fill_gpt2(const GgufVocab& v, const std::vector<std::string>& texts, Json& root) {
  const std::vector<PreStep>* steps = gguf_pre_steps(v.pre);
  if (!steps) {
    std::string known;
    for (const std::string& k : known_gguf_pre_tokenizers()) known += (known.empty() ? "" : ", ") + k;
    HFCPP_THROW(ErrorCode::Unsupported,
                "[gguf tokenizer] tokenizer.ggml.pre: unknown pre-tokenizer '{}', expected one of {}", v.pre, known);
  }
  const std::string& pre = v.pre;
  bool llama3_like = pre == "llama3" || pre == "llama-v3" || pre == "llama-bpe" || pre == "falcon3" ||
                     pre == "falcon-h1" || pre == "pixtral" || pre == "midm-2.0" || pre == "lfm2" ||
                     pre == "jina-v5-nano";
  // llama.cpp's per-family flags: whole words found in the vocab skip the merges (HF ignore_merges).
  bool ignore_merges = llama3_like || pre == "minicpm5" || pre == "tekken";
  bool add_bos_default = llama3_like || pre == "tekken";
  Json merges = Json::array();
  for (size_t i = 0; i < v.merges.size(); ++i) {
    const std::string& m = v.merges[i];
    size_t sp = m.find(' ');
    HFCPP_CHECK(sp != std::string::npos && sp > 0 && sp + 1 < m.size() && m.find(' ', sp + 1) == std::string::npos,
                ErrorCode::Format, "[gguf tokenizer] tokenizer.ggml.merges[{}]: got '{}', expected two tokens separated by one space", i, m);
    merges.push_back(m);
  }
  root["model"] = {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr},
                   {"continuing_subword_prefix", nullptr}, {"end_of_word_suffix", nullptr},
                   {"fuse_unk", false}, {"byte_fallback", false}, {"ignore_merges", ignore_merges},
                   {"vocab", vocab_object(texts)}, {"merges", std::move(merges)}};
  // Qwen's tokenizer.json normalizes to NFC first (llama.cpp skips it; the HF ids need it).
  bool nfc = pre == "qwen2" || pre == "deepseek-r1-qwen" || pre == "qwen35";
  root["normalizer"] = nfc ? Json{{"type", "NFC"}} : Json(nullptr);
  root["pre_tokenizer"] = byte_level_pre_tokenizer(*steps);
  Json tmpl = template_processor(texts, if_enabled(v.add_bos.value_or(add_bos_default), v.bos_id, "bos"),
                                 if_enabled(v.add_eos.value_or(false), v.eos_id, "eos"), false);
  Json bl = byte_level(true, false, true);
  root["post_processor"] = tmpl.is_null() ? bl : Json{{"type", "Sequence"}, {"processors", {bl, tmpl}}};
  root["decoder"] = byte_level(true, true, true);
}

// SentencePiece BPE merges from the scores, as HF's SentencePieceExtractor orders them: pieces
// by descending score (stable in id), and within a piece its splits by (left id, right id).
Json spm_merges(const GgufVocab& v, const std::vector<std::string>& texts) {
  std::unordered_map<std::string_view, uint32_t> ids;
  ids.reserve(texts.size() * 2);
  for (size_t i = 0; i < texts.size(); ++i) ids.emplace(texts[i], static_cast<uint32_t>(i));
  std::vector<uint32_t> order(texts.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return v.scores[a] > v.scores[b]; });
  Json merges = Json::array();
  std::vector<std::pair<uint32_t, uint32_t>> local;
  for (uint32_t id : order) {
    GgufTokenType t = type_of(v, id);
    if (t == GgufTokenType::Control || t == GgufTokenType::Unknown || t == GgufTokenType::Byte) continue;
    std::string_view piece = texts[id];
    local.clear();
    for (size_t cut = utf8::char_len(static_cast<unsigned char>(piece[0])); cut < piece.size();
         cut += utf8::char_len(static_cast<unsigned char>(piece[cut]))) {
      auto l = ids.find(piece.substr(0, cut)), r = ids.find(piece.substr(cut));
      if (l != ids.end() && r != ids.end()) local.emplace_back(l->second, r->second);
    }
    std::sort(local.begin(), local.end());
    for (auto [l, r] : local) merges.push_back({texts[l], texts[r]});
  }
  return merges;
}

void fill_llama(const GgufVocab& v, const std::vector<std::string>& texts, Json& root) {
  HFCPP_CHECK(!v.scores.empty(), ErrorCode::Format,
              "[gguf tokenizer] tokenizer.ggml.scores: missing, expected one score per token for a 'llama' (SentencePiece) vocabulary");
  uint32_t unk = v.unk_id.value_or(0);
  root["model"] = {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", texts[unk]},
                   {"continuing_subword_prefix", nullptr}, {"end_of_word_suffix", nullptr},
                   {"fuse_unk", true}, {"byte_fallback", true}, {"ignore_merges", false},
                   {"vocab", vocab_object(texts)}, {"merges", spm_merges(v, texts)}};
  bool prefix = v.add_space_prefix.value_or(true);
  Json replace = {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kSpace}};
  root["normalizer"] = prefix ? Json{{"type", "Sequence"},
                                     {"normalizers", {{{"type", "Prepend"}, {"prepend", kSpace}}, replace}}}
                              : replace;
  root["pre_tokenizer"] = nullptr;
  root["post_processor"] = template_processor(texts, if_enabled(v.add_bos.value_or(true), v.bos_id.has_value() ? v.bos_id : std::optional<uint32_t>(1), "bos"),
                                              if_enabled(v.add_eos.value_or(false), v.eos_id, "eos"), false);
  Json decoders = {{{"type", "Replace"}, {"pattern", {{"String", kSpace}}}, {"content", " "}},
                   {{"type", "ByteFallback"}},
                   {{"type", "Fuse"}}};
  if (prefix) decoders.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
  root["decoder"] = {{"type", "Sequence"}, {"decoders", decoders}};
}

void fill_bert(const GgufVocab& v, const std::vector<std::string>& texts, Json& root) {
  uint32_t unk = v.unk_id.value_or(100);
  HFCPP_CHECK(unk < texts.size(), ErrorCode::Format, "[gguf tokenizer] tokenizer.ggml.unknown_token_id: {} is out of range", unk);
  root["model"] = {{"type", "WordPiece"}, {"unk_token", texts[unk]}, {"continuing_subword_prefix", "##"},
                   {"max_input_chars_per_word", 100}, {"vocab", vocab_object(texts)}};
  root["normalizer"] = {{"type", "BertNormalizer"}, {"clean_text", true}, {"handle_chinese_chars", true},
                        {"strip_accents", nullptr}, {"lowercase", true}};
  root["pre_tokenizer"] = {{"type", "BertPreTokenizer"}};
  std::optional<uint32_t> cls = v.cls_id ? v.cls_id : v.bos_id;
  root["post_processor"] = template_processor(texts, if_enabled(v.add_bos.value_or(true), cls, "bos"),
                                              if_enabled(v.add_sep.value_or(true), v.sep_id, "sep"), true);
  root["decoder"] = {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}};
}

Json tokenizer_json_value(const GgufVocab& v) {
  validate(v);
  std::vector<std::string> texts = token_texts(v);
  Json root = {{"version", "1.0"}, {"truncation", nullptr}, {"padding", nullptr}};
  root["added_tokens"] = added_tokens(v, texts);
  if (v.model == "gpt2") fill_gpt2(v, texts, root);
  else if (v.model == "llama") fill_llama(v, texts, root);
  else if (v.model == "bert") fill_bert(v, texts, root);
  else
    HFCPP_THROW(ErrorCode::Unsupported,
                "[gguf tokenizer] tokenizer.ggml.model: '{}' is not supported, expected gpt2, llama or bert",
                v.model);
  return root;
}
}  // namespace

std::string tokenizer_json_from_gguf_vocab(const GgufVocab& vocab) {
  return tokenizer_json_value(vocab).dump();
}

Tokenizer Tokenizer::from_gguf_vocab(const GgufVocab& vocab) {
  Json root = tokenizer_json_value(vocab);
  return Tokenizer(build_tokenizer_impl(root, "GGUF tokenizer metadata"));
}

}  // namespace hfcpp::tokenizers
