// Replace: a String (literal) or Regex pattern, every match replaced by `content`.
#include <memory>

#include "hfcpp/core/error.h"
#include "tokenizers/registry.h"
#include "tokenizers/regex.h"

namespace hfcpp::tokenizers {

namespace {
class Replace : public Normalizer {
 public:
  Replace(std::string literal, std::unique_ptr<Regex> regex, std::string content)
      : literal_(std::move(literal)), regex_(std::move(regex)), content_(std::move(content)) {}
  void normalize(NormalizedString& s) const override {
    auto matches = regex_ ? regex_->find_matches(s.get()) : find_literal_matches(s.get(), literal_);
    s.replace(matches, content_);
  }

 private:
  std::string literal_;
  std::unique_ptr<Regex> regex_;
  std::string content_;
};
}  // namespace

// Shared with the Split pre-tokenizer and the Replace decoder: {"String": s} or {"Regex": r}.
void parse_pattern(const Json& j, const std::string& path, std::string& literal,
                   std::unique_ptr<Regex>& regex) {
  const Json& p = field(j, "pattern", path);
  std::string ppath = join_path(path, "pattern");
  HFCPP_CHECK(p.is_object(), ErrorCode::Format, "[tokenizers] {}: is {}, expected an object",
              ppath, core::json_type_name(p));
  if (p.contains("String")) {
    literal = str_field(p, "String", ppath);
  } else if (p.contains("Regex")) {
    regex = std::make_unique<Regex>(str_field(p, "Regex", ppath), join_path(ppath, "Regex"));
  } else {
    HFCPP_THROW(ErrorCode::Format, "[tokenizers] {}: expected a 'String' or 'Regex' field", ppath);
  }
}

NormalizerPtr make_replace(const Json& j, const std::string& path) {
  std::string literal;
  std::unique_ptr<Regex> regex;
  parse_pattern(j, path, literal, regex);
  return std::make_unique<Replace>(std::move(literal), std::move(regex),
                                   str_field(j, "content", path));
}

}  // namespace hfcpp::tokenizers
