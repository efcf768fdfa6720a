// tokenizer.ggml.* as convert_hf_to_gguf.py writes them (TextModel._set_vocab_gpt2, _set_vocab_llama_hf
// and gguf-py's SpecialVocab), read from tokenizer.json, tokenizer_config.json and config.json.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "convert/convert_internal.h"
#include "hfcpp/core/error.h"
#include "hfcpp/tokenizers/tokenizer.h"
#include "hub/fs_util.h"

namespace hfcpp::convert {

using formats::GgufValue;
using formats::GgufValueType;

namespace {

namespace fs = std::filesystem;

// gguf.TokenType
enum TokenType : int32_t { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

// The text convert_hf_to_gguf.py's get_vocab_base_pre encodes; the sha256 of the ids' Python list
// repr names the pre-tokenizer llama.cpp must use (data taken from the reference, not code).
constexpr std::string_view kPreTokenizerCheckText =
    "\x0a \x0a\x0a \x0a\x0a\x0a \x09 \x09\x09 \x09\x0a  \x0a   \x0a    \x0a     \x0a\xf0\x9f\x9a\x80 "
    "(normal) \xf0\x9f\x98\xb6\xe2\x80\x8d\xf0\x9f\x8c\xab\xef\xb8\x8f (multiple emojis "
    "concatenated) \xe2\x9c\x85 \xf0\x9f\xa6\x99\xf0\x9f\xa6\x99 3 33 333 3333 33333 333333 "
    "3333333 33333333 3.3 3..3 3...3 \xe1\x9e\x80\xe1\x9e\xb6\xe1\x9e\x93\xe1\x9f\x8b\xe1\x9e\x8f\xe1\x9f\x82\xe1\x9e\x96\xe1\x9e\xb7\xe1\x9e\x9f\xe1\x9f\x81\xe1\x9e\x9f\xe1\x9e\xa2\xe1\x9e\xb6\xe1\x9e\x85\xf0\x9f\x98\x81 "
    "?\xe6\x88\x91\xe6\x83\xb3\xe5\x9c\xa8"
    "apple\xe5\xb7\xa5\xe4\xbd\x9c"
    "1314151\xe5\xa4\xa9\xef\xbd\x9e ------======= \xd0\xbd\xd0\xb5\xd1\x89\xd0\xbe \xd0\xbd\xd0\xb0 "
    "\xd0\x91\xd1\x8a\xd0\xbb\xd0\xb3\xd0\xb0\xd1\x80\xd1\x81\xd0\xba\xd0\xb8 ''''''```````\"\"\"\"......!!!!!!?????? "
    "I've been 'told he's there, 'RE you sure? 'M not sure I'll make it, 'D you like some "
    "tea? We'Ve a'lL"    ;

// chkhsh -> tokenizer.ggml.pre for the BPE pre-tokenizers hfcpp's tests cover (the reference knows
// more; an unknown hash is refused as the reference refuses it).
constexpr std::pair<std::string_view, std::string_view> kPreTokenizerHashes[] = {
    {"3ce83efda5659b07b1ad37ca97ca5797ea4285d9b9ab0dc679e4a720c9da7454", "gpt-2"},
    {"0ef9807a4087ebef797fc749390439009c3b9eda9ad1a097abbe738f486c01e5", "llama-bpe"},
    {"e636dc30a262dcc0d8c323492e32ae2b70728f4df7dfe9737d9f920a282b8aea", "qwen2"},
    {"877081d19cf6996e2c4ff0e1236341e9b7bde288f5311a56a937f0afbbb3aeb5", "deepseek-v3"},
    {"8aeee3860c56296a157a1fe2fad249ec40aa59b1bb5709f4ade11c4e6fe652ed", "falcon"},
    {"ccc2ef013c104be7bae2965776d611e1d7a8a2a9c547dd93a682c9a9fc80352e", "gpt-4o"},
    {"8b5a93ed704057481f240da0be7e7dca721d7f8f4755263b6807227a2cbeae65", "roberta-bpe"},
};

core::Json read_json_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  HFCPP_CHECK(in.good(), ErrorCode::Io, "[convert] cannot read '{}'", path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return core::parse_json(ss.str(), path.string());
}

std::optional<core::Json> read_optional_json(const fs::path& path) { return read_optional_json_file(path.string()); }

bool looks_special(const std::string& t) { return does_token_look_special(t); }

}  // namespace

std::optional<core::Json> read_optional_json_file(const std::string& path) {
  if (!fs::is_regular_file(path)) return std::nullopt;
  return read_json_file(path);
}

// TextModel.does_token_look_special
bool does_token_look_special(const std::string& t) {
  auto wraps = [&](std::string_view a, std::string_view b) {
    return t.size() >= a.size() + b.size() && t.compare(0, a.size(), a) == 0 &&
           t.compare(t.size() - b.size(), b.size(), b) == 0;
  };
  return t == "<pad>" || t == "<mask>" || t == "<2mass>" || t == "[@BOS@]" || wraps("<|", "|>") ||
         wraps("<\xef\xbd\x9c", "\xef\xbd\x9c>") || wraps("<unused", ">");
}

namespace {

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
  return s;
}

// The content of a tokenizer_config *_token entry (a string or an AddedToken dict).
std::optional<std::string> token_content(const core::Json& entry) {
  if (entry.is_string()) return entry.get<std::string>();
  if (entry.is_object() && entry.contains("content") && entry["content"].is_string())
    return entry["content"].get<std::string>();
  return std::nullopt;
}

struct AddedToken {
  int64_t id;
  std::string content;
  bool special, normalized;
};

std::vector<AddedToken> added_tokens_of(const core::Json& tokenizer) {
  std::vector<AddedToken> out;
  if (!tokenizer.contains("added_tokens") || !tokenizer["added_tokens"].is_array()) return out;
  for (const auto& t : tokenizer["added_tokens"])
    out.push_back({t.value("id", int64_t{-1}), t.value("content", std::string()), t.value("special", false),
                   t.value("normalized", true)});
  return out;
}

// gguf-py's SpecialVocab: merges, special token ids, add_*_token flags, chat template.
class SpecialVocab {
 public:
  SpecialVocab(const fs::path& folder, bool load_merges, std::optional<size_t> n_vocab)
      : load_merges_(load_merges), n_vocab_(n_vocab) {
    load_from_tokenizer_json(folder);
    load_from_config_json(folder);
  }

  void add_to_gguf(formats::GgufWriter& w) const {
    if (!merges_.empty()) w.set("tokenizer.ggml.merges", GgufValue::string_array(merges_));
    static const std::map<std::string, std::string> kIdKeys = {
        {"bos", "bos_token_id"}, {"eos", "eos_token_id"}, {"unk", "unknown_token_id"}, {"sep", "seperator_token_id"},
        {"pad", "padding_token_id"}, {"cls", "cls_token_id"}, {"mask", "mask_token_id"}, {"eot", "eot_token_id"},
        {"eom", "eom_token_id"}};
    for (const auto& [type, id] : special_ids_)
      if (auto it = kIdKeys.find(type); it != kIdKeys.end())
        w.set("tokenizer.ggml." + it->second, GgufValue::u32(static_cast<uint32_t>(id)));
    for (const auto& [type, value] : add_flags_)
      if (type == "bos" || type == "eos" || type == "sep")
        w.set("tokenizer.ggml.add_" + type + "_token", GgufValue::boolean(value));
    if (chat_template_) w.set("tokenizer.chat_template", GgufValue::string(*chat_template_));
    if (lowercase_) w.set("tokenizer.ggml.normalizer.lowercase", GgufValue::boolean(*lowercase_));
    if (strip_accents_) w.set("tokenizer.ggml.normalizer.strip_accents", GgufValue::boolean(*strip_accents_));
  }

 private:
  // Insertion-ordered maps, as the reference's dicts.
  std::vector<std::pair<std::string, int64_t>> special_ids_;
  std::vector<std::pair<std::string, bool>> add_flags_;
  std::vector<std::string> types_ = {"bos", "eos", "unk", "sep", "pad", "cls", "mask"};
  std::vector<std::string> merges_;
  std::optional<std::string> chat_template_;
  std::optional<bool> lowercase_, strip_accents_;
  bool load_merges_;
  std::optional<size_t> n_vocab_;

  bool has_flag(const std::string& t) const {
    return std::any_of(add_flags_.begin(), add_flags_.end(), [&](const auto& f) { return f.first == t; });
  }
  void set_flag(const std::string& t, bool v) {
    for (auto& f : add_flags_)
      if (f.first == t) {
        f.second = v;
        return;
      }
    add_flags_.emplace_back(t, v);
  }
  void set_special(const std::string& type, const core::Json& id) {
    if (!id.is_number_integer()) return;
    const int64_t tid = id.get<int64_t>();
    HFCPP_CHECK(tid >= 0, ErrorCode::Format, "[convert] invalid value for special token type {}: {}", type, tid);
    if (n_vocab_ && static_cast<uint64_t>(tid) >= *n_vocab_) return;  // out of range: skipped
    for (const auto& s : special_ids_)
      if (s.first == type) return;
    special_ids_.emplace_back(type, tid);
  }

  void parse_normalizer(const core::Json& n) {
    const std::string type = n.value("type", std::string());
    if (type == "Lowercase") lowercase_ = true;
    else if (type == "StripAccents") strip_accents_ = true;
    else if (type == "BertNormalizer") {
      if (n.contains("lowercase") && n["lowercase"].is_boolean()) lowercase_ = n["lowercase"].get<bool>();
      if (n.contains("strip_accents") && n["strip_accents"].is_boolean()) strip_accents_ = n["strip_accents"].get<bool>();
    } else if (type == "Sequence" && n.contains("normalizers")) {
      for (const auto& x : n["normalizers"]) parse_normalizer(x);
    }
  }

  void load_from_tokenizer_json(const fs::path& folder);
  void load_from_config_json(const fs::path& folder) {
    auto config = read_optional_json(folder / "config.json");
    if (!config) return;
    for (const auto& type : types_) {
      const std::string key = type + "_token_id";
      if (config->contains(key)) set_special(type, (*config)[key]);
      else if (config->contains("text_config") && (*config)["text_config"].contains(key))
        set_special(type, (*config)["text_config"][key]);
    }
  }
};

std::string special_token_id_of(const core::Json& v) {
  if (v.is_object() && v.contains("id") && v["id"].is_string()) return v["id"].get<std::string>();
  return {};
}

void SpecialVocab::load_from_tokenizer_json(const fs::path& folder) {
  auto tokenizer = read_optional_json(folder / "tokenizer.json");
  std::vector<AddedToken> added;
  if (tokenizer) {
    if (load_merges_ && (*tokenizer).contains("model") && (*tokenizer)["model"].contains("merges")) {
      const core::Json& merges = (*tokenizer)["model"]["merges"];
      for (const auto& m : merges) {
        if (m.is_string()) {
          merges_.push_back(m.get<std::string>());
        } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
          // Pairs (transformers >= 4.45): spaces inside a part become U+0120, as the reference writes them.
          merges_.push_back(replace_all(m[0].get<std::string>(), " ", "\xc4\xa0") + " " +
                            replace_all(m[1].get<std::string>(), " ", "\xc4\xa0"));
        } else {
          HFCPP_THROW(ErrorCode::Format, "[convert] tokenizer.json model.merges: unknown format {}", m.dump());
        }
      }
    }
    if (tokenizer->contains("normalizer") && (*tokenizer)["normalizer"].is_object())
      parse_normalizer((*tokenizer)["normalizer"]);
    added = added_tokens_of(*tokenizer);
  }
  auto config = read_optional_json(folder / "tokenizer_config.json");
  auto cfg_token = [&](const std::string& key) -> std::string {
    if (!config || !config->contains(key)) return {};
    return token_content((*config)[key]).value_or("");
  };
  if (tokenizer) {
    std::string bos = cfg_token("bos_token"), cls = cfg_token("cls_token"), eos = cfg_token("eos_token"),
                sep = cfg_token("sep_token");
    if (bos.empty() && !cls.empty() && config) (*config)["bos_token"] = bos = cls;
    if (eos.empty() && !sep.empty() && config) (*config)["eos_token"] = eos = sep;
    const core::Json pp = tokenizer->value("post_processor", core::Json());
    if (pp.is_object()) {
      std::vector<core::Json> processors;
      if (pp.contains("processors") && pp["processors"].is_array())
        for (const auto& p : pp["processors"]) processors.push_back(p);
      else
        processors.push_back(pp);
      for (const auto& proc : processors) {
        const std::string type = proc.value("type", std::string());
        if (type == "ByteLevel") {
          if (!has_flag("bos")) set_flag("bos", false);
          if (!has_flag("eos")) set_flag("eos", false);
        } else if (type == "RobertaProcessing") {
          set_flag("bos", true);
          set_flag("eos", true);
          set_flag("sep", true);
          if (cls.empty() && config) {
            cls = proc.contains("cls") && proc["cls"].is_array() ? proc["cls"][0].get<std::string>() : bos;
            (*config)["cls_token"] = cls;
          }
          if (sep.empty() && config) {
            sep = proc.contains("sep") && proc["sep"].is_array() ? proc["sep"][0].get<std::string>() : eos;
            (*config)["sep_token"] = sep;
          }
        } else if (type == "TemplateProcessing") {
          const core::Json single = proc.value("single", core::Json::array());
          core::Json pair = proc.value("pair", core::Json::array());
          std::string first, last;
          if (single.size() > 1) {
            first = special_token_id_of(single.front().value("SpecialToken", core::Json()));
            if (!first.empty()) {
              if (!config) bos = first;
              else if (first != bos && first != cls) {
                if (bos.empty()) (*config)["bos_token"] = bos = first;
                if (cls.empty()) (*config)["cls_token"] = cls = first;
              }
              set_flag("bos", first == bos || first == cls);
            }
            last = special_token_id_of(single.back().value("SpecialToken", core::Json()));
            if (!last.empty()) {
              if (!config) eos = last;
              else if (last != eos) {
                const bool has_eot = std::find(types_.begin(), types_.end(), "eot") != types_.end();
                const bool has_eom = std::find(types_.begin(), types_.end(), "eom") != types_.end();
                if (!has_eot) {
                  types_.push_back("eot");
                  (*config)["eot_token"] = eos;
                } else if (!has_eom) {
                  types_.push_back("eom");
                  (*config)["eom_token"] = eos;
                }
                (*config)["eos_token"] = eos = last;
              }
              set_flag("eos", last == eos);
            }
          }
          if (!pair.empty()) {
            const size_t start =
                !first.empty() && special_token_id_of(pair.front().value("SpecialToken", core::Json())) == first ? 1 : 0;
            const bool drop_last =
                !last.empty() && special_token_id_of(pair.back().value("SpecialToken", core::Json())) == last;
            const size_t stop = drop_last ? pair.size() - 1 : pair.size();
            std::vector<core::Json> mid(pair.begin() + static_cast<std::ptrdiff_t>(std::min(start, stop)),
                                        pair.begin() + static_cast<std::ptrdiff_t>(stop));
            if (!mid.empty()) {
              const core::Json a = mid.front().value("Sequence", core::Json());
              const core::Json b = mid.back().value("Sequence", core::Json());
              const bool ab = a.is_object() && a.value("id", "") == "A" && b.is_object() && b.value("id", "") == "B";
              if (ab && mid.size() > 2) {
                std::vector<core::Json> between(mid.begin() + 1, mid.end() - 1);
                bool add_sep = false;
                const std::string e0 = special_token_id_of(between[0].value("SpecialToken", core::Json()));
                if (!e0.empty() && (e0 == sep || e0 == eos) && last.empty()) add_sep = true;
                if (between.size() == 2) {
                  const std::string e1 = special_token_id_of(between[1].value("SpecialToken", core::Json()));
                  if (!e1.empty() && (e1 == sep || e1 == eos)) add_sep = true;
                }
                set_flag("sep", add_sep);
                if (add_sep && sep.empty() && config) (*config)["sep_token"] = eos;
              }
            }
          }
        }
      }
    }
  }
  if (!config) return;
  // chat template: tokenizer_config's, else chat_template.jinja, else chat_template.json.
  std::optional<std::string> alt;
  if (fs::is_regular_file(folder / "chat_template.jinja")) {
    std::ifstream in(folder / "chat_template.jinja", std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    alt = ss.str();
  } else if (auto j = read_optional_json(folder / "chat_template.json"); j && j->contains("chat_template") &&
                                                                        (*j)["chat_template"].is_string()) {
    alt = (*j)["chat_template"].get<std::string>();
  }
  if (config->contains("chat_template")) {
    const core::Json& t = (*config)["chat_template"];
    HFCPP_CHECK(t.is_string() || t.is_null(), ErrorCode::Unsupported,
                "[convert] tokenizer_config.json chat_template is a {}: only one template (a string) is supported",
                core::json_type_name(t));
    if (t.is_string()) chat_template_ = t.get<std::string>();
  } else {
    chat_template_ = alt;
  }
  for (const auto& type : std::vector<std::string>(types_)) {
    const std::string add_key = "add_" + type + "_token";
    if (config->contains(add_key) && (*config)[add_key].is_boolean() && !has_flag(type))
      set_flag(type, (*config)[add_key].get<bool>());
    const std::string key = type + "_token";
    if (!config->contains(key)) continue;
    const auto content = token_content((*config)[key]);
    if (!content) continue;
    for (const auto& a : added)
      if (a.content == *content) {
        set_special(type, core::Json(a.id));
        break;
      }
  }
}

std::string pre_tokenizer_name(const fs::path& folder) {
  const tokenizers::Tokenizer tok = tokenizers::Tokenizer::from_file((folder / "tokenizer.json").string());
  const tokenizers::Encoding enc = tok.encode(kPreTokenizerCheckText, true);
  std::string repr = "[";
  for (size_t i = 0; i < enc.ids.size(); ++i) repr += (i ? ", " : "") + std::to_string(enc.ids[i]);
  repr += "]";
  hub::detail::Sha256 sha;
  sha.update(repr.data(), repr.size());
  const std::string hash = sha.hex_digest();
  for (const auto& [h, name] : kPreTokenizerHashes)
    if (h == hash) return std::string(name);
  HFCPP_THROW(ErrorCode::Unsupported,
              "[convert] the BPE pre-tokenizer of '{}' was not recognized (chkhsh {}): expected one of gpt-2, "
              "llama-bpe, qwen2, deepseek-v3, falcon, gpt-4o, roberta-bpe",
              (folder / "tokenizer.json").string(), hash);
}

// The full vocabulary (model vocab + added tokens), id -> token.
std::map<int64_t, std::string> reverse_vocab(const core::Json& tokenizer) {
  std::map<int64_t, std::string> out;
  const core::Json& vocab = tokenizer.at("model").at("vocab");
  HFCPP_CHECK(vocab.is_object(), ErrorCode::Unsupported, "[convert] tokenizer.json model.vocab is not a token -> id map");
  for (const auto& [token, id] : vocab.items()) out[id.get<int64_t>()] = token;
  for (const auto& a : added_tokens_of(tokenizer)) out[a.id] = a.content;
  return out;
}

void write_gpt2_vocab(formats::GgufWriter& w, const fs::path& folder, const core::Json& tokenizer,
                      const core::Json& config) {
  const auto by_id = reverse_vocab(tokenizer);
  const int64_t vocab_size = config.contains("vocab_size") ? config["vocab_size"].get<int64_t>()
                                                            : static_cast<int64_t>(by_id.size());
  HFCPP_CHECK(by_id.empty() || by_id.rbegin()->first < vocab_size, ErrorCode::Format,
              "[convert] tokenizer id {} is not below config.json vocab_size {}", by_id.rbegin()->first, vocab_size);
  std::map<std::string, const AddedToken*> added;
  const auto added_list = added_tokens_of(tokenizer);
  for (const auto& a : added_list) added[a.content] = &a;
  std::vector<std::string> tokens;
  std::vector<GgufValue> types;
  tokens.reserve(static_cast<size_t>(vocab_size));
  for (int64_t i = 0; i < vocab_size; ++i) {
    auto it = by_id.find(i);
    if (it == by_id.end()) {
      tokens.push_back(fmt::format("[PAD{}]", i));
      types.push_back(GgufValue::i32(kUnused));
      continue;
    }
    std::string token = it->second;
    int32_t type = kNormal;
    if (auto a = added.find(token); a != added.end()) {
      if (a->second->special || looks_special(token)) {
        type = kControl;
      } else {
        token = replace_all(token, "\xe2\x96\x81", " ");
        type = kUserDefined;
      }
    }
    tokens.push_back(std::move(token));
    types.push_back(GgufValue::i32(type));
  }
  w.set("tokenizer.ggml.model", GgufValue::string("gpt2"));
  w.set("tokenizer.ggml.pre", GgufValue::string(pre_tokenizer_name(folder)));
  w.set("tokenizer.ggml.tokens", GgufValue::string_array(tokens));
  w.set("tokenizer.ggml.token_type", GgufValue::array(GgufValueType::I32, std::move(types)));
  SpecialVocab(folder, true, std::nullopt).add_to_gguf(w);
}

// transformers' all_special_tokens for a Llama tokenizer: the *_token entries of
// tokenizer_config.json (LlamaTokenizer's defaults for unk/bos/eos) and additional_special_tokens.
std::set<std::string> llama_special_tokens(const std::optional<core::Json>& config) {
  std::set<std::string> out;
  const std::map<std::string, std::string> defaults = {{"unk_token", "<unk>"}, {"bos_token", "<s>"}, {"eos_token", "</s>"}};
  for (const char* key : {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"}) {
    if (config && config->contains(key)) {
      if (auto c = token_content((*config)[key])) out.insert(*c);
    } else if (auto d = defaults.find(key); d != defaults.end()) {
      out.insert(d->second);
    }
  }
  if (config && config->contains("additional_special_tokens") && (*config)["additional_special_tokens"].is_array())
    for (const auto& t : (*config)["additional_special_tokens"])
      if (auto c = token_content(t)) out.insert(*c);
  return out;
}

bool is_byte_token(const std::string& t) {
  return t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>' && std::isxdigit(static_cast<unsigned char>(t[3])) &&
         std::isxdigit(static_cast<unsigned char>(t[4]));
}

void write_llama_hf_vocab(formats::GgufWriter& w, const fs::path& folder, const core::Json& tokenizer) {
  const core::Json& vocab = tokenizer.at("model").at("vocab");
  const int64_t base = static_cast<int64_t>(vocab.size());
  const auto by_id = reverse_vocab(tokenizer);
  const auto specials = llama_special_tokens(read_optional_json(folder / "tokenizer_config.json"));
  std::vector<std::string> tokens;
  std::vector<GgufValue> scores, types;
  auto push = [&](const std::string& text, int32_t type) {
    tokens.push_back(text);
    scores.push_back(GgufValue::f32(-1000.0f));
    types.push_back(GgufValue::i32(type));
  };
  for (int64_t i = 0; i < base; ++i) {
    auto it = by_id.find(i);
    HFCPP_CHECK(it != by_id.end(), ErrorCode::Format, "[convert] tokenizer.json has no token with id {}", i);
    push(it->second, is_byte_token(it->second) ? kByte : specials.count(it->second) ? kControl : kNormal);
  }
  auto added = added_tokens_of(tokenizer);
  std::sort(added.begin(), added.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  for (const auto& a : added)
    if (a.id >= base) push(a.content, specials.count(a.content) ? (is_byte_token(a.content) ? kByte : kControl) : kUserDefined);
  w.set("tokenizer.ggml.model", GgufValue::string("llama"));
  w.set("tokenizer.ggml.pre", GgufValue::string("default"));
  w.set("tokenizer.ggml.tokens", GgufValue::string_array(tokens));
  w.set("tokenizer.ggml.scores", GgufValue::array(GgufValueType::F32, std::move(scores)));
  w.set("tokenizer.ggml.token_type", GgufValue::array(GgufValueType::I32, std::move(types)));
  SpecialVocab(folder, false, tokens.size()).add_to_gguf(w);
}

// The end of LlamaModel.set_vocab, whichever vocabulary it wrote: CodeLlama (vocab_size 32016)
// gets eot 32010 (a second SpecialVocab, where config.json's eot_token_id wins; its prefix/suffix/
// middle ids have no writer there), small Granite models (49152) add_bos_token false.
void write_llama_vocab_extras(formats::GgufWriter& w, const core::Json& config) {
  const core::Json vocab = config.value("vocab_size", core::Json(int64_t{32000}));
  if (!vocab.is_number_integer()) return;
  if (vocab.get<int64_t>() == 32016) {
    const core::Json eot = config.value("eot_token_id", core::Json(int64_t{32010}));
    if (eot.is_number_integer() && eot.get<int64_t>() >= 0)
      w.set("tokenizer.ggml.eot_token_id", GgufValue::u32(static_cast<uint32_t>(eot.get<int64_t>())));
  } else if (vocab.get<int64_t>() == 49152) {
    w.set("tokenizer.ggml.add_bos_token", GgufValue::boolean(false));
  }
}

}  // namespace

void write_special_vocab(formats::GgufWriter& w, const std::string& folder, std::optional<size_t> n_vocab) {
  SpecialVocab(fs::path(folder), false, n_vocab).add_to_gguf(w);
}

void write_vocab_metadata(formats::GgufWriter& w, const ArchSpec& arch, const std::string& folder_path,
                          const core::Json& config) {
  const fs::path folder(folder_path);
  const bool has_spm = fs::is_regular_file(folder / "tokenizer.model");
  if (arch.llama_keys)
    if (auto tc = read_optional_json(folder / "tokenizer_config.json");
        tc && tc->contains("add_prefix_space") && (*tc)["add_prefix_space"].is_boolean())
      w.set("tokenizer.ggml.add_space_prefix", GgufValue::boolean((*tc)["add_prefix_space"].get<bool>()));
  switch (arch.vocab) {
    case VocabRule::Llama:
      if (has_spm) {
        write_sentencepiece_vocab(w, folder_path, config, false);
        return write_llama_vocab_extras(w, config);
      }
      break;
    case VocabRule::Qwen2:
      if (has_spm) return write_sentencepiece_vocab(w, folder_path, config, false);
      break;
    case VocabRule::Gemma:
    case VocabRule::Gemma2:
      HFCPP_CHECK(has_spm, ErrorCode::NotFound, "[convert] '{}' has no tokenizer.model, which {} conversion reads",
                  folder.string(), arch.model_type);
      write_sentencepiece_vocab(w, folder_path, config, false);
      if (arch.vocab == VocabRule::Gemma) {
        // GemmaModel's second SpecialVocab: CodeGemma's eot id, unless config.json names one.
        const core::Json eot = config.value("eot_token_id", core::Json(int64_t{107}));
        if (eot.is_number_integer() && eot.get<int64_t>() >= 0)
          w.set("tokenizer.ggml.eot_token_id", GgufValue::u32(static_cast<uint32_t>(eot.get<int64_t>())));
      }
      w.set("tokenizer.ggml.add_space_prefix", GgufValue::boolean(false));
      return;
    case VocabRule::Gemma3:
      if (has_spm) {
        write_sentencepiece_vocab(w, folder_path, config, false);
        w.set("tokenizer.ggml.add_space_prefix", GgufValue::boolean(false));
        return;
      }
      break;
    case VocabRule::Phi3: {
      const auto tc = read_optional_json(folder / "tokenizer_config.json");
      const bool gpt2_class = tc && tc->contains("tokenizer_class") && (*tc)["tokenizer_class"].is_string() &&
                              (*tc)["tokenizer_class"].get<std::string>() == "GPT2Tokenizer";
      if (!gpt2_class) {
        HFCPP_CHECK(has_spm, ErrorCode::NotFound, "[convert] '{}' has no tokenizer.model, which phi3 conversion reads",
                    folder.string());
        return write_sentencepiece_vocab(w, folder_path, config, true);
      }
      break;
    }
    case VocabRule::Default: break;
  }
  HFCPP_CHECK(fs::is_regular_file(folder / "tokenizer.json"), ErrorCode::NotFound,
              "[convert] '{}' has no tokenizer.json", folder.string());
  const core::Json tokenizer = read_json_file(folder / "tokenizer.json");
  if (arch.vocab == VocabRule::Llama) {
    // LlamaHfVocab takes BPE tokenizer.json files with byte fallback and a Sequence decoder
    // (SentencePiece converted); Llama 3 style byte-level BPE goes the gpt2 way.
    const core::Json& model = tokenizer.at("model");
    const bool bpe = model.value("type", std::string()) == "BPE";
    const bool byte_fallback = model.value("byte_fallback", false);
    const bool seq_decoder = tokenizer.contains("decoder") && tokenizer["decoder"].is_object() &&
                             tokenizer["decoder"].value("type", std::string()) == "Sequence";
    const bool is_llama3 = bpe && model.value("ignore_merges", false) && !model.value("byte_fallback", true);
    if (!is_llama3 && bpe && byte_fallback && seq_decoder) {
      write_llama_hf_vocab(w, folder, tokenizer);
      return write_llama_vocab_extras(w, config);
    }
  }
  HFCPP_CHECK(tokenizer.at("model").value("type", std::string()) == "BPE", ErrorCode::Unsupported,
              "[convert] tokenizer.json model type '{}' cannot be converted: expected BPE",
              tokenizer.at("model").value("type", std::string()));
  write_gpt2_vocab(w, folder, tokenizer, config);
  if (arch.vocab == VocabRule::Llama) write_llama_vocab_extras(w, config);
}

}  // namespace hfcpp::convert
