#include "hfcpp/generation/generation_config.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "hfcpp/core/error.h"

namespace hfcpp::generation {

namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  HFCPP_CHECK(in.good(), ErrorCode::Io, "[generation] cannot open {}", path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int64_t get_int(const core::Json& v, const char* key, const std::string& source) {
  HFCPP_CHECK(v.is_number_integer(), ErrorCode::Format, "[generation] {}: '{}' must be an integer, got {}", source,
              key, core::json_type_name(v));
  return v.get<int64_t>();
}

double get_number(const core::Json& v, const char* key, const std::string& source) {
  HFCPP_CHECK(v.is_number(), ErrorCode::Format, "[generation] {}: '{}' must be a number, got {}", source, key,
              core::json_type_name(v));
  return v.get<double>();
}

// An int or a list of ints (eos_token_id).
std::vector<int64_t> get_id_list(const core::Json& v, const char* key, const std::string& source) {
  std::vector<int64_t> out;
  if (v.is_array()) {
    for (const auto& item : v) out.push_back(get_int(item, key, source));
  } else {
    out.push_back(get_int(v, key, source));
  }
  return out;
}

}  // namespace

const char* early_stopping_name(EarlyStopping value) {
  switch (value) {
    case EarlyStopping::True: return "true";
    case EarlyStopping::Never: return "never";
    default: return "false";
  }
}

EarlyStopping parse_early_stopping(const std::string& text) {
  if (text == "true" || text == "True") return EarlyStopping::True;
  if (text == "false" || text == "False") return EarlyStopping::False;
  if (text == "never") return EarlyStopping::Never;
  HFCPP_THROW(ErrorCode::InvalidArgument, "[generation] early_stopping '{}': expected true, false or never", text);
}

GenerationConfig GenerationConfig::from_json(const core::Json& json, const std::string& source) {
  HFCPP_CHECK(json.is_object(), ErrorCode::Format, "[generation] {}: expected a JSON object, got {}", source,
              core::json_type_name(json));
  GenerationConfig c;
  auto has = [&](const char* key) { return json.contains(key) && !json.at(key).is_null(); };
  if (has("max_length")) c.max_length = get_int(json["max_length"], "max_length", source);
  if (has("max_new_tokens")) c.max_new_tokens = get_int(json["max_new_tokens"], "max_new_tokens", source);
  if (has("min_length")) c.min_length = get_int(json["min_length"], "min_length", source);
  if (has("min_new_tokens")) c.min_new_tokens = get_int(json["min_new_tokens"], "min_new_tokens", source);
  if (has("do_sample")) {
    HFCPP_CHECK(json["do_sample"].is_boolean(), ErrorCode::Format, "[generation] {}: 'do_sample' must be a boolean",
                source);
    c.do_sample = json["do_sample"].get<bool>();
  }
  if (has("num_beams")) c.num_beams = get_int(json["num_beams"], "num_beams", source);
  if (has("num_return_sequences"))
    c.num_return_sequences = get_int(json["num_return_sequences"], "num_return_sequences", source);
  if (has("early_stopping")) {
    const auto& v = json["early_stopping"];
    if (v.is_boolean()) c.early_stopping = v.get<bool>() ? EarlyStopping::True : EarlyStopping::False;
    else if (v.is_string()) c.early_stopping = parse_early_stopping(v.get<std::string>());
    else HFCPP_THROW(ErrorCode::Format, "[generation] {}: 'early_stopping' must be a boolean or \"never\"", source);
  }
  if (has("length_penalty")) c.length_penalty = get_number(json["length_penalty"], "length_penalty", source);
  if (has("temperature")) c.temperature = get_number(json["temperature"], "temperature", source);
  if (has("top_k")) c.top_k = get_int(json["top_k"], "top_k", source);
  if (has("top_p")) c.top_p = get_number(json["top_p"], "top_p", source);
  if (has("min_p")) c.min_p = get_number(json["min_p"], "min_p", source);
  if (has("typical_p")) c.typical_p = get_number(json["typical_p"], "typical_p", source);
  if (has("repetition_penalty"))
    c.repetition_penalty = get_number(json["repetition_penalty"], "repetition_penalty", source);
  if (has("no_repeat_ngram_size"))
    c.no_repeat_ngram_size = get_int(json["no_repeat_ngram_size"], "no_repeat_ngram_size", source);
  if (has("bad_words_ids")) {
    const auto& v = json["bad_words_ids"];
    HFCPP_CHECK(v.is_array(), ErrorCode::Format, "[generation] {}: 'bad_words_ids' must be a list of lists", source);
    for (const auto& seq : v) {
      HFCPP_CHECK(seq.is_array(), ErrorCode::Format, "[generation] {}: 'bad_words_ids' must be a list of lists",
                  source);
      c.bad_words_ids.push_back(get_id_list(seq, "bad_words_ids", source));
    }
  }
  if (has("pad_token_id")) c.pad_token_id = get_int(json["pad_token_id"], "pad_token_id", source);
  if (has("bos_token_id")) c.bos_token_id = get_int(json["bos_token_id"], "bos_token_id", source);
  if (has("eos_token_id")) c.eos_token_ids = get_id_list(json["eos_token_id"], "eos_token_id", source);
  if (has("stop_strings")) {
    const auto& v = json["stop_strings"];
    if (v.is_string()) c.stop_strings.push_back(v.get<std::string>());
    else if (v.is_array())
      for (const auto& s : v) {
        HFCPP_CHECK(s.is_string(), ErrorCode::Format, "[generation] {}: 'stop_strings' must hold strings", source);
        c.stop_strings.push_back(s.get<std::string>());
      }
  }
  return c;
}

GenerationConfig GenerationConfig::from_model_folder(const std::string& folder) {
  namespace fs = std::filesystem;
  const fs::path dir(folder);
  if (fs::exists(dir / "generation_config.json")) {
    const std::string path = (dir / "generation_config.json").string();
    try {
      return from_json(core::parse_json(read_text(path), path), path);
    } catch (Error& e) {
      throw std::move(e.with_context("reading " + path));
    }
  }
  // GenerationConfig.from_model_config: the special token ids of config.json.
  GenerationConfig c;
  if (fs::exists(dir / "config.json")) {
    const std::string path = (dir / "config.json").string();
    const core::Json json = core::parse_json(read_text(path), path);
    const core::Json* text = &json;
    if (json.contains("text_config") && json["text_config"].is_object()) text = &json["text_config"];
    for (const core::Json* j : {&json, text}) {
      if (j->contains("eos_token_id") && !(*j)["eos_token_id"].is_null())
        c.eos_token_ids = get_id_list((*j)["eos_token_id"], "eos_token_id", path);
      if (j->contains("pad_token_id") && (*j)["pad_token_id"].is_number_integer())
        c.pad_token_id = (*j)["pad_token_id"].get<int64_t>();
      if (j->contains("bos_token_id") && (*j)["bos_token_id"].is_number_integer())
        c.bos_token_id = (*j)["bos_token_id"].get<int64_t>();
    }
  }
  return c;
}

int64_t GenerationConfig::effective_max_length(int64_t prompt_length) const {
  return max_new_tokens ? *max_new_tokens + prompt_length : max_length;
}

void GenerationConfig::validate() const {
  auto bad = [](const char* field, auto value, const char* expected) {
    HFCPP_THROW(ErrorCode::InvalidArgument, "[generation] invalid {}: got {}, expected {}", field, value, expected);
  };
  if (max_new_tokens && *max_new_tokens <= 0) bad("max_new_tokens", *max_new_tokens, "an integer > 0");
  if (max_length <= 0) bad("max_length", max_length, "an integer > 0");
  if (min_length < 0) bad("min_length", min_length, "an integer >= 0");
  if (min_new_tokens && *min_new_tokens < 0) bad("min_new_tokens", *min_new_tokens, "an integer >= 0");
  if (num_beams < 1) bad("num_beams", num_beams, "an integer >= 1");
  if (num_return_sequences < 1) bad("num_return_sequences", num_return_sequences, "an integer >= 1");
  if (num_return_sequences > num_beams) {
    if (num_beams == 1 && !do_sample)
      bad("num_return_sequences", num_return_sequences, "1 for greedy search (use beam search or sampling)");
    if (num_beams > 1) bad("num_return_sequences", num_return_sequences, "at most num_beams");
  }
  if (!std::isfinite(temperature) || temperature < 0) bad("temperature", temperature, "a number >= 0");
  if (do_sample && temperature == 0)
    bad("temperature", temperature, "a number > 0 when sampling (for greedy decoding, do not sample)");
  if (top_k < 0) bad("top_k", top_k, "an integer >= 0 (0 disables it)");
  if (!(top_p > 0 && top_p <= 1)) bad("top_p", top_p, "a number in (0, 1]");
  if (min_p && !(*min_p >= 0 && *min_p <= 1)) bad("min_p", *min_p, "a number in [0, 1]");
  if (!(typical_p > 0 && typical_p <= 1)) bad("typical_p", typical_p, "a number in (0, 1]");
  if (!(repetition_penalty > 0) || !std::isfinite(repetition_penalty))
    bad("repetition_penalty", repetition_penalty, "a number > 0 (1 disables it)");
  if (no_repeat_ngram_size < 0) bad("no_repeat_ngram_size", no_repeat_ngram_size, "an integer >= 0");
  if (!std::isfinite(length_penalty)) bad("length_penalty", length_penalty, "a finite number");
  for (const auto& seq : bad_words_ids) {
    HFCPP_CHECK(!seq.empty(), ErrorCode::InvalidArgument, "[generation] invalid bad_words_ids: an entry is empty");
    for (int64_t id : seq)
      if (id < 0) bad("bad_words_ids", id, "token ids >= 0");
  }
  for (const auto& s : stop_strings)
    HFCPP_CHECK(!s.empty(), ErrorCode::InvalidArgument, "[generation] invalid stop string: got an empty string");
  if (pad_token_id && *pad_token_id < 0) bad("pad_token_id", *pad_token_id, "a token id >= 0");
}

}  // namespace hfcpp::generation
