// Metaspace: spaces become the replacement char (U+2581 by default), a prefix is added
// (prepend_scheme always / first / never; legacy add_prefix_space), optional split before
// each replacement char.
#include "hfcpp/core/error.h"
#include "tokenizers/pre_tokenizers/metaspace.h"
#include "tokenizers/registry.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

MetaspaceConfig parse_metaspace(const Json& j, const std::string& path) {
  MetaspaceConfig c;
  std::string rep = str_field_or(j, "replacement", "\xE2\x96\x81", path);
  HFCPP_CHECK(!rep.empty() && utf8::count_chars(rep) == 1 &&
                  utf8::find_invalid(rep) == std::string::npos,
              ErrorCode::Format, "[tokenizers] {}.replacement: expected one character", path);
  size_t i = 0;
  c.replacement = utf8::next(rep, i);
  c.str_rep = rep;
  if (j.contains("prepend_scheme") && !j["prepend_scheme"].is_null()) {
    std::string s = str_field(j, "prepend_scheme", path);
    if (s == "always") c.scheme = PrependScheme::Always;
    else if (s == "first") c.scheme = PrependScheme::First;
    else if (s == "never") c.scheme = PrependScheme::Never;
    else
      HFCPP_THROW(ErrorCode::Format,
                  "[tokenizers] {}.prepend_scheme: unknown '{}', expected always, first or never",
                  path, s);
  } else {
    c.scheme = bool_field_or(j, "add_prefix_space", true, path) ? PrependScheme::Always
                                                                : PrependScheme::Never;
  }
  c.split = bool_field_or(j, "split", true, path);
  return c;
}

namespace {
class Metaspace : public PreTokenizer {
 public:
  explicit Metaspace(MetaspaceConfig c) : c_(std::move(c)) {}
  void pre_tokenize(PreTokenizedString& pts) const override {
    pts.split([&](size_t, NormalizedString&& s, std::vector<NormalizedString>& out) {
      s.replace(find_literal_matches(s.get(), " "), c_.str_rep);
      bool starts = s.get().compare(0, c_.str_rep.size(), c_.str_rep) == 0;
      if (c_.scheme == PrependScheme::Always && !starts) {
        s.prepend(c_.str_rep);
      } else if (c_.scheme == PrependScheme::First && !starts && s.original_shift() == 0) {
        s.prepend(c_.str_rep);
      }
      if (c_.split) {
        out = s.split(find_literal_matches(s.get(), c_.str_rep), SplitBehavior::MergedWithNext);
      } else {
        out.push_back(std::move(s));
      }
    });
  }

 private:
  MetaspaceConfig c_;
};
}  // namespace

PreTokenizerPtr make_metaspace(const Json& j, const std::string& path) {
  return std::make_unique<Metaspace>(parse_metaspace(j, path));
}

}  // namespace hfcpp::tokenizers
