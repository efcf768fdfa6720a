// Loading: tokenizer.json text -> pipeline; files, folders and Hub cache snapshots.
#include <cstdlib>
#include <filesystem>

#include "hfcpp/core/error.h"
#include "hfcpp/core/mapped_file.h"
#include "tokenizers/json_load.h"
#include "tokenizers/tokenizer_impl.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

namespace fs = std::filesystem;

std::optional<TruncationParams> parse_truncation(const Json& j, const std::string& path) {
  if (j.is_null()) return std::nullopt;
  HFCPP_CHECK(j.is_object(), ErrorCode::Format, "[tokenizers] {}: is {}, expected an object", path,
              core::json_type_name(j));
  TruncationParams p;
  int64_t max_length = int_field(j, "max_length", path);
  int64_t stride = int_field_or(j, "stride", 0, path);
  HFCPP_CHECK(max_length >= 0 && stride >= 0, ErrorCode::Format,
              "[tokenizers] {}: max_length and stride must be non-negative", path);
  p.max_length = static_cast<size_t>(max_length);
  p.stride = static_cast<size_t>(stride);
  std::string strategy = str_field_or(j, "strategy", "LongestFirst", path);
  if (strategy == "LongestFirst") p.strategy = TruncationStrategy::LongestFirst;
  else if (strategy == "OnlyFirst") p.strategy = TruncationStrategy::OnlyFirst;
  else if (strategy == "OnlySecond") p.strategy = TruncationStrategy::OnlySecond;
  else
    HFCPP_THROW(ErrorCode::Format,
                "[tokenizers] {}.strategy: unknown '{}', expected LongestFirst, OnlyFirst or OnlySecond",
                path, strategy);
  std::string dir = str_field_or(j, "direction", "Right", path);
  HFCPP_CHECK(dir == "Right" || dir == "Left", ErrorCode::Format,
              "[tokenizers] {}.direction: got '{}', expected Left or Right", path, dir);
  p.from_left = dir == "Left";
  return p;
}

std::optional<PaddingParams> parse_padding(const Json& j, const std::string& path) {
  if (j.is_null()) return std::nullopt;
  HFCPP_CHECK(j.is_object(), ErrorCode::Format, "[tokenizers] {}: is {}, expected an object", path,
              core::json_type_name(j));
  PaddingParams p;
  if (j.contains("strategy")) {
    const Json& s = j["strategy"];
    if (s.is_object() && s.contains("Fixed")) {
      p.fixed_length = static_cast<size_t>(int_field(s, "Fixed", join_path(path, "strategy")));
    } else {
      HFCPP_CHECK(s.is_string() && s.get<std::string>() == "BatchLongest", ErrorCode::Format,
                  "[tokenizers] {}.strategy: expected \"BatchLongest\" or {{\"Fixed\": n}}", path);
    }
  }
  std::string dir = str_field_or(j, "direction", "Right", path);
  HFCPP_CHECK(dir == "Right" || dir == "Left", ErrorCode::Format,
              "[tokenizers] {}.direction: got '{}', expected Left or Right", path, dir);
  p.left = dir == "Left";
  p.pad_to_multiple_of = static_cast<size_t>(int_field_or(j, "pad_to_multiple_of", 0, path));
  p.pad_id = static_cast<uint32_t>(int_field_or(j, "pad_id", 0, path));
  p.pad_type_id = static_cast<uint32_t>(int_field_or(j, "pad_type_id", 0, path));
  p.pad_token = str_field_or(j, "pad_token", "[PAD]", path);
  return p;
}

namespace {
std::vector<AddedToken> parse_added_tokens(const Json& j) {
  std::vector<AddedToken> out;
  if (j.is_null()) return out;
  HFCPP_CHECK(j.is_array(), ErrorCode::Format, "[tokenizers] added_tokens: is {}, expected an array",
              core::json_type_name(j));
  for (size_t i = 0; i < j.size(); ++i) {
    std::string path = index_path("added_tokens", i);
    const Json& t = j[i];
    AddedToken a;
    int64_t id = int_field(t, "id", path);
    HFCPP_CHECK(id >= 0, ErrorCode::Format, "[tokenizers] {}.id: negative", path);
    a.content = str_field(t, "content", path);
    HFCPP_CHECK(utf8::find_invalid(a.content) == std::string::npos, ErrorCode::Format,
                "[tokenizers] {}.content: invalid UTF-8", path);
    a.single_word = bool_field_or(t, "single_word", false, path);
    a.lstrip = bool_field_or(t, "lstrip", false, path);
    a.rstrip = bool_field_or(t, "rstrip", false, path);
    a.special = bool_field_or(t, "special", false, path);
    a.normalized = bool_field_or(t, "normalized", !a.special, path);
    out.push_back(std::move(a));
  }
  return out;
}

const Json& optional_field(const Json& root, const char* key) {
  static const Json null_json;
  auto it = root.find(key);
  return it == root.end() ? null_json : *it;
}

// A Hub repo id ("org/name[@revision]") resolved in the local Hugging Face cache.
std::optional<std::string> resolve_in_hf_cache(const std::string& repo) {
  std::string id = repo, revision = "main";
  if (auto at = id.find('@'); at != std::string::npos) {
    revision = id.substr(at + 1);
    id = id.substr(0, at);
  }
  if (id.empty() || id.find("..") != std::string::npos || id.front() == '/' ) return std::nullopt;
  fs::path cache;
  if (const char* c = std::getenv("HF_HUB_CACHE")) cache = c;
  else if (const char* h = std::getenv("HF_HOME")) cache = fs::path(h) / "hub";
  else if (const char* home = std::getenv("HOME")) cache = fs::path(home) / ".cache/huggingface/hub";
  else return std::nullopt;
  std::string folder = "models--";
  for (char ch : id) folder += ch == '/' ? std::string("--") : std::string(1, ch);
  fs::path repo_dir = cache / folder;
  std::string commit = revision;
  fs::path ref = repo_dir / "refs" / revision;
  std::error_code ec;
  if (fs::exists(ref, ec)) {
    commit = core::read_file(ref.string());
    while (!commit.empty() && (commit.back() == '\n' || commit.back() == '\r')) commit.pop_back();
  }
  fs::path file = repo_dir / "snapshots" / commit / "tokenizer.json";
  if (fs::exists(file, ec)) return file.string();
  return std::nullopt;
}
}  // namespace

std::unique_ptr<Tokenizer::Impl> build_tokenizer_impl(const Json& root, std::string_view source) {
  try {
    HFCPP_CHECK(root.is_object(), ErrorCode::Format, "[tokenizers] root: is {}, expected an object",
                core::json_type_name(root));
    auto impl = std::make_unique<Tokenizer::Impl>();
    impl->model = make_model(field(root, "model", ""), "model");
    impl->normalizer = make_normalizer(optional_field(root, "normalizer"), "normalizer");
    impl->pre_tokenizer = make_pre_tokenizer(optional_field(root, "pre_tokenizer"), "pre_tokenizer");
    impl->post_processor = make_post_processor(optional_field(root, "post_processor"), "post_processor");
    impl->decoder = make_decoder(optional_field(root, "decoder"), "decoder");
    impl->truncation = parse_truncation(optional_field(root, "truncation"), "truncation");
    impl->padding = parse_padding(optional_field(root, "padding"), "padding");
    impl->added.add_tokens(parse_added_tokens(optional_field(root, "added_tokens")), *impl->model,
                           impl->normalizer.get());
    impl->bert_fast = BertFastPath::create(impl->normalizer.get(), impl->pre_tokenizer.get(),
                                           impl->model.get(), impl->added);
    return impl;
  } catch (Error& e) {
    e.with_context(fmt::format("loading {}", source));
    throw;
  } catch (const nlohmann::json::exception& e) {
    HFCPP_THROW(ErrorCode::Format, "[tokenizers] {}: malformed value: {}", source, e.what());
  }
}

Tokenizer Tokenizer::from_json(std::string_view text, std::string_view source) {
  Json root = parse_tokenizer_json(text, source);
  return Tokenizer(build_tokenizer_impl(root, source));
}

Tokenizer Tokenizer::from_file(const std::string& path) {
  std::string text = core::read_file(path);
  return from_json(text, path);
}

Tokenizer Tokenizer::load(const std::string& path_or_repo) {
  std::error_code ec;
  fs::path p(path_or_repo);
  if (fs::is_directory(p, ec)) {
    fs::path file = p / "tokenizer.json";
    HFCPP_CHECK(fs::exists(file, ec), ErrorCode::NotFound,
                "[tokenizers] folder '{}' has no tokenizer.json", path_or_repo);
    return from_file(file.string());
  }
  if (fs::exists(p, ec)) return from_file(path_or_repo);
  if (auto cached = resolve_in_hf_cache(path_or_repo)) return from_file(*cached);
  HFCPP_THROW(ErrorCode::NotFound,
              "[tokenizers] '{}' is not a tokenizer.json file, a folder holding one, or a repo id "
              "found in the Hugging Face cache",
              path_or_repo);
}

}  // namespace hfcpp::tokenizers
