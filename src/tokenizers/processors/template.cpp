// TemplateProcessing: "single" and "pair" templates of Sequence A/B and SpecialToken pieces,
// each with a type id; special tokens may expand to several ids.
#include <map>

#include "hfcpp/core/error.h"
#include "tokenizers/registry.h"

namespace hfcpp::tokenizers {

namespace {
struct TemplatePiece {
  bool is_sequence;
  size_t sequence;    // 0 for A, 1 for B
  std::string token;  // special token id (key of special_tokens)
  uint32_t type_id;
};

struct SpecialToken {
  std::vector<uint32_t> ids;
  std::vector<std::string> tokens;
};

class TemplateProcessing : public PostProcessor {
 public:
  TemplateProcessing(std::vector<TemplatePiece> single, std::vector<TemplatePiece> pair,
                     std::map<std::string, SpecialToken> specials)
      : single_(std::move(single)), pair_(std::move(pair)), specials_(std::move(specials)) {
    added_single_ = count(single_);
    added_pair_ = count(pair_);
  }
  size_t added_tokens(bool is_pair) const override { return is_pair ? added_pair_ : added_single_; }

  void process_encodings(std::vector<Encoding>& encs, bool add_special) const override {
    const auto& tmpl = encs.size() == 2 ? pair_ : single_;
    std::vector<Encoding> out;
    for (const TemplatePiece& p : tmpl) {
      if (p.is_sequence) {
        HFCPP_CHECK(p.sequence < encs.size(), ErrorCode::InvalidArgument,
                    "[tokenizers] TemplateProcessing: template uses sequence B for a single input");
        Encoding& e = encs[p.sequence];
        e.set_type_ids(p.type_id);
        e.set_sequence_id(p.sequence);
        out.push_back(e);
      } else if (add_special) {
        const SpecialToken& t = specials_.at(p.token);
        Encoding e;
        size_t n = t.ids.size();
        e.ids = t.ids;
        e.type_ids.assign(n, p.type_id);
        e.tokens = t.tokens;
        e.word_ids.assign(n, -1);
        e.offsets.assign(n, Offsets{0, 0});
        e.special_tokens_mask.assign(n, 1);
        e.attention_mask.assign(n, 1);
        out.push_back(std::move(e));
      }
    }
    encs = std::move(out);
  }

 private:
  size_t count(const std::vector<TemplatePiece>& t) const {
    size_t n = 0;
    for (const auto& p : t)
      if (!p.is_sequence) n += specials_.at(p.token).ids.size();
    return n;
  }
  std::vector<TemplatePiece> single_, pair_;
  std::map<std::string, SpecialToken> specials_;
  size_t added_single_ = 0, added_pair_ = 0;
};

std::vector<TemplatePiece> parse_template(const Json& arr, const std::string& path,
                                          const std::map<std::string, SpecialToken>& specials) {
  HFCPP_CHECK(arr.is_array(), ErrorCode::Format, "[tokenizers] {}: is {}, expected an array", path,
              core::json_type_name(arr));
  std::vector<TemplatePiece> out;
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string p = index_path(path, i);
    const Json& piece = arr[i];
    HFCPP_CHECK(piece.is_object(), ErrorCode::Format, "[tokenizers] {}: expected an object", p);
    if (piece.contains("Sequence")) {
      const Json& s = piece["Sequence"];
      std::string sp = join_path(p, "Sequence");
      std::string id = str_field(s, "id", sp);
      HFCPP_CHECK(id == "A" || id == "B", ErrorCode::Format,
                  "[tokenizers] {}.id: got '{}', expected A or B", sp, id);
      out.push_back({true, id == "B" ? 1u : 0u, "", static_cast<uint32_t>(int_field_or(s, "type_id", 0, sp))});
    } else if (piece.contains("SpecialToken")) {
      const Json& s = piece["SpecialToken"];
      std::string sp = join_path(p, "SpecialToken");
      std::string id = str_field(s, "id", sp);
      HFCPP_CHECK(specials.count(id), ErrorCode::Format,
                  "[tokenizers] {}.id: special token '{}' is missing from special_tokens", sp, id);
      out.push_back({false, 0, id, static_cast<uint32_t>(int_field_or(s, "type_id", 0, sp))});
    } else {
      HFCPP_THROW(ErrorCode::Format, "[tokenizers] {}: expected a Sequence or SpecialToken piece", p);
    }
  }
  return out;
}
}  // namespace

PostProcessorPtr make_template_processing(const Json& j, const std::string& path) {
  std::map<std::string, SpecialToken> specials;
  if (j.contains("special_tokens") && !j["special_tokens"].is_null()) {
    const Json& st = j["special_tokens"];
    std::string sp = join_path(path, "special_tokens");
    HFCPP_CHECK(st.is_object(), ErrorCode::Format, "[tokenizers] {}: expected an object", sp);
    for (auto it = st.begin(); it != st.end(); ++it) {
      std::string ep = join_path(sp, it.key());
      SpecialToken t;
      const Json& ids = array_field(it.value(), "ids", ep);
      const Json& toks = array_field(it.value(), "tokens", ep);
      for (const Json& v : ids) {
        HFCPP_CHECK(v.is_number_integer(), ErrorCode::Format, "[tokenizers] {}.ids: expected integers", ep);
        t.ids.push_back(v.get<uint32_t>());
      }
      for (const Json& v : toks) {
        HFCPP_CHECK(v.is_string(), ErrorCode::Format, "[tokenizers] {}.tokens: expected strings", ep);
        t.tokens.push_back(v.get<std::string>());
      }
      HFCPP_CHECK(t.ids.size() == t.tokens.size(), ErrorCode::Format,
                  "[tokenizers] {}: {} ids but {} tokens", ep, t.ids.size(), t.tokens.size());
      specials[it.key()] = std::move(t);
    }
  }
  auto single = parse_template(field(j, "single", path), join_path(path, "single"), specials);
  auto pair = parse_template(field(j, "pair", path), join_path(path, "pair"), specials);
  return std::make_unique<TemplateProcessing>(std::move(single), std::move(pair), std::move(specials));
}

}  // namespace hfcpp::tokenizers
