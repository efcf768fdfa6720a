// Post-processors: ByteLevel (offset trimming), RobertaProcessing, BertProcessing, Sequence.
// TemplateProcessing is in template.cpp.
#include "hfcpp/core/error.h"
#include "tokenizers/processors/byte_level_offsets.h"
#include "tokenizers/registry.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

void trim_byte_level_offsets(Encoding& e, bool add_prefix_space) {
  auto is_space = [](char32_t c) { return c == 0x120 || utf8::is_whitespace(c); };
  for (size_t i = 0; i < e.size(); ++i) {
    const std::string& tok = e.tokens[i];
    Offsets& off = e.offsets[i];
    std::u32string chars;
    for (size_t k = 0; k < tok.size();) chars.push_back(utf8::next(tok, k));
    size_t leading = 0, trailing = 0;
    while (leading < chars.size() && is_space(chars[leading])) ++leading;
    while (trailing < chars.size() && is_space(chars[chars.size() - 1 - trailing])) ++trailing;
    if (leading == 0 && trailing == 0) continue;
    if (leading > 0) {
      bool is_first = i == 0 || off.start == 0;
      if (is_first && add_prefix_space && leading == 1) leading = 0;
      off.start = std::min(off.start + leading, off.end);
    }
    if (trailing > 0 && off.end >= trailing) off.end = std::max(off.end - trailing, off.start);
  }
}

namespace {
class ByteLevelProcessor : public PostProcessor {
 public:
  ByteLevelProcessor(bool trim, bool add_prefix_space) : trim_(trim), add_prefix_space_(add_prefix_space) {}
  size_t added_tokens(bool) const override { return 0; }
  void process_encodings(std::vector<Encoding>& encs, bool) const override {
    if (trim_) {
      for (Encoding& e : encs) {
        trim_byte_level_offsets(e, add_prefix_space_);
        for (Encoding& o : e.overflowing) trim_byte_level_offsets(o, add_prefix_space_);
      }
    }
    for (size_t i = 0; i < encs.size(); ++i) encs[i].set_sequence_id(i);
  }

 private:
  bool trim_, add_prefix_space_;
};

// Wraps each sequence as CLS A SEP (first) and SEP B SEP (Roberta) or B SEP (Bert).
class ClsSepProcessor : public PostProcessor {
 public:
  ClsSepProcessor(std::pair<std::string, uint32_t> cls, std::pair<std::string, uint32_t> sep,
                  bool roberta, bool trim, bool add_prefix_space)
      : cls_(std::move(cls)), sep_(std::move(sep)), roberta_(roberta), trim_(trim),
        add_prefix_space_(add_prefix_space) {}
  size_t added_tokens(bool is_pair) const override {
    return is_pair ? (roberta_ ? 4 : 3) : 2;
  }
  void process_encodings(std::vector<Encoding>& encs, bool add_special) const override {
    if (roberta_ && trim_) {
      for (Encoding& e : encs) {
        trim_byte_level_offsets(e, add_prefix_space_);
        for (Encoding& o : e.overflowing) trim_byte_level_offsets(o, add_prefix_space_);
      }
    }
    if (roberta_)
      for (Encoding& e : encs) e.set_type_ids(0);
    if (!add_special) return;
    for (size_t i = 0; i < encs.size(); ++i) {
      Encoding wrapped = wrap(encs[i], i);
      for (const Encoding& o : encs[i].overflowing) wrapped.overflowing.push_back(wrap(o, i));
      encs[i] = std::move(wrapped);
    }
  }

 private:
  Encoding wrap(const Encoding& e, size_t seq) const {
    bool first = seq == 0;
    bool lead = first || roberta_;
    uint32_t type = roberta_ ? 0 : static_cast<uint32_t>(seq);
    Encoding out;
    auto push_special = [&](const std::pair<std::string, uint32_t>& t) {
      out.ids.push_back(t.second);
      out.type_ids.push_back(type);
      out.tokens.push_back(t.first);
      out.word_ids.push_back(-1);
      out.offsets.push_back({0, 0});
      out.special_tokens_mask.push_back(1);
      out.attention_mask.push_back(1);
    };
    if (lead) push_special(first ? cls_ : sep_);
    for (size_t k = 0; k < e.size(); ++k) {
      out.ids.push_back(e.ids[k]);
      out.type_ids.push_back(roberta_ ? 0 : (first ? e.type_ids[k] : type));
      out.tokens.push_back(e.tokens[k]);
      out.word_ids.push_back(e.word_ids[k]);
      out.offsets.push_back(e.offsets[k]);
      out.special_tokens_mask.push_back(0);
      out.attention_mask.push_back(1);
    }
    push_special(sep_);
    size_t begin = lead ? 1 : 0;
    out.sequence_ranges[seq] = {begin, begin + e.size()};
    return out;
  }
  std::pair<std::string, uint32_t> cls_, sep_;
  bool roberta_, trim_, add_prefix_space_;
};

class ProcessorSequence : public PostProcessor {
 public:
  explicit ProcessorSequence(std::vector<PostProcessorPtr> items) : items_(std::move(items)) {}
  size_t added_tokens(bool is_pair) const override {
    size_t n = 0;
    for (const auto& p : items_) n += p->added_tokens(is_pair);
    return n;
  }
  void process_encodings(std::vector<Encoding>& encs, bool add_special) const override {
    for (const auto& p : items_) p->process_encodings(encs, add_special);
  }

 private:
  std::vector<PostProcessorPtr> items_;
};

std::pair<std::string, uint32_t> token_pair(const Json& j, const char* key, const std::string& path) {
  const Json& v = field(j, key, path);
  HFCPP_CHECK(v.is_array() && v.size() == 2 && v[0].is_string() && v[1].is_number_integer(),
              ErrorCode::Format, "[tokenizers] {}: expected [\"token\", id]", join_path(path, key));
  return {v[0].get<std::string>(), v[1].get<uint32_t>()};
}
}  // namespace

PostProcessorPtr make_byte_level_processor(const Json& j, const std::string& path) {
  return std::make_unique<ByteLevelProcessor>(bool_field_or(j, "trim_offsets", true, path),
                                              bool_field_or(j, "add_prefix_space", true, path));
}
PostProcessorPtr make_roberta_processing(const Json& j, const std::string& path) {
  return std::make_unique<ClsSepProcessor>(token_pair(j, "cls", path), token_pair(j, "sep", path),
                                           true, bool_field_or(j, "trim_offsets", true, path),
                                           bool_field_or(j, "add_prefix_space", true, path));
}
PostProcessorPtr make_bert_processing(const Json& j, const std::string& path) {
  return std::make_unique<ClsSepProcessor>(token_pair(j, "cls", path), token_pair(j, "sep", path),
                                           false, false, false);
}
PostProcessorPtr make_processor_sequence(const Json& j, const std::string& path) {
  const Json& arr = array_field(j, "processors", path);
  std::vector<PostProcessorPtr> items;
  for (size_t i = 0; i < arr.size(); ++i) {
    auto p = make_post_processor(arr[i], index_path(join_path(path, "processors"), i));
    if (p) items.push_back(std::move(p));
  }
  return std::make_unique<ProcessorSequence>(std::move(items));
}

}  // namespace hfcpp::tokenizers
