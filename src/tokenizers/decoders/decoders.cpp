// Decoders: each rewrites the list of token strings; Tokenizer::decode joins the result.
#include "hfcpp/core/error.h"
#include "tokenizers/byte_level_table.h"
#include "tokenizers/pre_tokenizers/metaspace.h"
#include "tokenizers/regex.h"
#include "tokenizers/registry.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

void parse_pattern(const Json& j, const std::string& path, std::string& literal,
                   std::unique_ptr<Regex>& regex);

namespace {
void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  std::string out;
  size_t pos = 0;
  for (size_t hit = s.find(from); hit != std::string::npos; hit = s.find(from, pos)) {
    out.append(s, pos, hit - pos);
    out.append(to);
    pos = hit + from.size();
  }
  if (pos == 0) return;
  out.append(s, pos);
  s = std::move(out);
}

void wordpiece_cleanup(std::string& s) {
  static const std::pair<const char*, const char*> rules[] = {
      {" .", "."},   {" ?", "?"},     {" !", "!"},   {" ,", ","},   {" ' ", "'"},  {" n't", "n't"},
      {" 'm", "'m"}, {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : rules) replace_all(s, from, to);
}

class ByteLevelDecoder : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    const auto& table = byte_level_table();
    std::string bytes;
    for (const std::string& t : tokens) {
      size_t mark = bytes.size();
      bool ok = true;
      for (size_t i = 0; i < t.size() && ok;) {
        char32_t c = utf8::next(t, i);
        if (c < 512 && table.char_to_byte[c] >= 0)
          bytes.push_back(static_cast<char>(table.char_to_byte[c]));
        else
          ok = false;
      }
      if (!ok) {
        bytes.resize(mark);
        bytes += t;
      }
    }
    tokens.assign(1, utf8::decode_lossy(bytes));
  }
};

class WordPieceDecoder : public Decoder {
 public:
  WordPieceDecoder(std::string prefix, bool cleanup) : prefix_(std::move(prefix)), cleanup_(cleanup) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string& t = tokens[i];
      if (i != 0) {
        if (t.compare(0, prefix_.size(), prefix_) == 0)
          t.erase(0, prefix_.size());
        else
          t.insert(0, " ");
      }
      if (cleanup_) wordpiece_cleanup(t);
    }
  }

 private:
  std::string prefix_;
  bool cleanup_;
};

class MetaspaceDecoder : public Decoder {
 public:
  explicit MetaspaceDecoder(MetaspaceConfig c) : c_(std::move(c)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string out;
      const std::string& t = tokens[i];
      for (size_t k = 0; k < t.size();) {
        size_t b = k;
        char32_t c = utf8::next(t, k);
        if (c == c_.replacement) {
          if (!(i == 0 && c_.scheme != PrependScheme::Never)) out.push_back(' ');
        } else {
          out.append(t, b, k - b);
        }
      }
      tokens[i] = std::move(out);
    }
  }

 private:
  MetaspaceConfig c_;
};

class BpeDecoder : public Decoder {
 public:
  explicit BpeDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i)
      replace_all(tokens[i], suffix_, i + 1 == tokens.size() ? "" : " ");
  }

 private:
  std::string suffix_;
};

class ByteFallbackDecoder : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    std::string pending;
    auto flush = [&] {
      if (pending.empty()) return;
      if (utf8::find_invalid(pending) == std::string::npos) {
        out.push_back(pending);
      } else {
        for (size_t k = 0; k < pending.size(); ++k) out.push_back("\xEF\xBF\xBD");
      }
      pending.clear();
    };
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    for (std::string& t : tokens) {
      if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>' && hex(t[3]) >= 0 && hex(t[4]) >= 0) {
        pending.push_back(static_cast<char>(hex(t[3]) * 16 + hex(t[4])));
      } else {
        flush();
        out.push_back(std::move(t));
      }
    }
    flush();
    tokens = std::move(out);
  }
};

class FuseDecoder : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string all;
    for (const auto& t : tokens) all += t;
    tokens.assign(1, std::move(all));
  }
};

class StripDecoder : public Decoder {
 public:
  StripDecoder(char32_t content, size_t start, size_t stop) : content_(content), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::string& t : tokens) {
      std::u32string chars;
      for (size_t k = 0; k < t.size();) chars.push_back(utf8::next(t, k));
      size_t start_cut = 0;
      for (size_t i = 0; i < chars.size() && i < start_; ++i) {
        if (chars[i] != content_) break;
        start_cut = i + 1;
      }
      size_t stop_cut = chars.size();
      for (size_t i = 0; i < stop_ && i < chars.size(); ++i) {
        size_t index = chars.size() - i - 1;
        if (chars[index] != content_) break;
        stop_cut = index;
      }
      std::string out;
      for (size_t i = start_cut; i < stop_cut; ++i) utf8::append(out, chars[i]);
      t = std::move(out);
    }
  }

 private:
  char32_t content_;
  size_t start_, stop_;
};

class ReplaceDecoder : public Decoder {
 public:
  ReplaceDecoder(std::string literal, std::unique_ptr<Regex> regex, std::string content)
      : literal_(std::move(literal)), regex_(std::move(regex)), content_(std::move(content)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::string& t : tokens) {
      if (!regex_) {
        replace_all(t, literal_, content_);
        continue;
      }
      NormalizedString ns(t);
      ns.replace(regex_->find_matches(t), content_);
      t = ns.get();
    }
  }

 private:
  std::string literal_;
  std::unique_ptr<Regex> regex_;
  std::string content_;
};

class CtcDecoder : public Decoder {
 public:
  CtcDecoder(std::string pad, std::string delim, bool cleanup)
      : pad_(std::move(pad)), delim_(std::move(delim)), cleanup_(cleanup) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i > 0 && tokens[i] == tokens[i - 1]) continue;
      std::string t = tokens[i];
      replace_all(t, pad_, "");
      if (cleanup_) {
        wordpiece_cleanup(t);
        replace_all(t, delim_, " ");
      }
      if (!t.empty()) out.push_back(std::move(t));
    }
    tokens = std::move(out);
  }

 private:
  std::string pad_, delim_;
  bool cleanup_;
};

class DecoderSequence : public Decoder {
 public:
  explicit DecoderSequence(std::vector<DecoderPtr> items) : items_(std::move(items)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& d : items_) d->decode_chain(tokens);
  }

 private:
  std::vector<DecoderPtr> items_;
};
}  // namespace

DecoderPtr make_byte_level_decoder(const Json&, const std::string&) {
  return std::make_unique<ByteLevelDecoder>();
}
DecoderPtr make_wordpiece_decoder(const Json& j, const std::string& path) {
  return std::make_unique<WordPieceDecoder>(str_field_or(j, "prefix", "##", path),
                                            bool_field_or(j, "cleanup", true, path));
}
DecoderPtr make_metaspace_decoder(const Json& j, const std::string& path) {
  return std::make_unique<MetaspaceDecoder>(parse_metaspace(j, path));
}
DecoderPtr make_bpe_decoder(const Json& j, const std::string& path) {
  return std::make_unique<BpeDecoder>(str_field_or(j, "suffix", "</w>", path));
}
DecoderPtr make_byte_fallback_decoder(const Json&, const std::string&) {
  return std::make_unique<ByteFallbackDecoder>();
}
DecoderPtr make_fuse_decoder(const Json&, const std::string&) { return std::make_unique<FuseDecoder>(); }
DecoderPtr make_strip_decoder(const Json& j, const std::string& path) {
  std::string content = str_field(j, "content", path);
  HFCPP_CHECK(utf8::count_chars(content) == 1 && utf8::find_invalid(content) == std::string::npos,
              ErrorCode::Format, "[tokenizers] {}.content: expected one character", path);
  size_t i = 0;
  char32_t c = utf8::next(content, i);
  int64_t start = int_field(j, "start", path), stop = int_field(j, "stop", path);
  HFCPP_CHECK(start >= 0 && stop >= 0, ErrorCode::Format, "[tokenizers] {}: negative start/stop", path);
  return std::make_unique<StripDecoder>(c, static_cast<size_t>(start), static_cast<size_t>(stop));
}
DecoderPtr make_replace_decoder(const Json& j, const std::string& path) {
  std::string literal;
  std::unique_ptr<Regex> regex;
  parse_pattern(j, path, literal, regex);
  return std::make_unique<ReplaceDecoder>(std::move(literal), std::move(regex),
                                          str_field(j, "content", path));
}
DecoderPtr make_ctc_decoder(const Json& j, const std::string& path) {
  return std::make_unique<CtcDecoder>(str_field_or(j, "pad_token", "<pad>", path),
                                      str_field_or(j, "word_delimiter_token", "|", path),
                                      bool_field_or(j, "cleanup", true, path));
}
DecoderPtr make_decoder_sequence(const Json& j, const std::string& path) {
  const Json& arr = array_field(j, "decoders", path);
  std::vector<DecoderPtr> items;
  for (size_t i = 0; i < arr.size(); ++i) {
    auto d = make_decoder(arr[i], index_path(join_path(path, "decoders"), i));
    if (d) items.push_back(std::move(d));
  }
  return std::make_unique<DecoderSequence>(std::move(items));
}

}  // namespace hfcpp::tokenizers
