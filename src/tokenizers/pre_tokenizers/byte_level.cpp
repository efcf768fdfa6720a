// ByteLevel pre-tokenizer: optional prefix space, the GPT-2 regex split, then every byte
// mapped to its printable char (offsets keep pointing at the original bytes).
#include "tokenizers/byte_level_table.h"
#include "tokenizers/pre_tokenizers/byte_level.h"
#include "tokenizers/regex.h"
#include "tokenizers/registry.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

const char* const kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

const Regex& gpt2_regex() {
  static const Regex re(kGpt2Pattern, "ByteLevel");
  return re;
}

void byte_level_map(NormalizedString& s) {
  const auto& table = byte_level_table();
  const std::string& text = s.get();
  bool ascii_identity = true;
  for (char ch : text) {
    auto b = static_cast<unsigned char>(ch);
    ascii_identity &= b < 0x80 && table.byte_to_char[b] == b;
  }
  if (ascii_identity) return;
  if (s.map_each_byte(table.byte_to_utf8)) return;
  std::vector<CharChange> changes;
  changes.reserve(text.size());
  bool identity = true;
  for (size_t i = 0; i < text.size();) {
    size_t n = utf8::char_len(static_cast<unsigned char>(text[i]));
    for (size_t k = 0; k < n; ++k) {
      char32_t c = table.byte_to_char[static_cast<unsigned char>(text[i + k])];
      changes.push_back({c, k > 0 ? 1 : 0});
      identity &= n == 1 && c == static_cast<unsigned char>(text[i]);
    }
    i += n;
  }
  if (!identity) s.transform(changes, 0);
}

namespace {
class ByteLevelPreTokenizer : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space), use_regex_(use_regex) {}
  void pre_tokenize(PreTokenizedString& pts) const override {
    pts.split([&](size_t, NormalizedString&& s, std::vector<NormalizedString>& out) {
      if (add_prefix_space_ && (s.get().empty() || s.get()[0] != ' ')) s.prepend(" ");
      if (use_regex_) {
        out = s.split(gpt2_regex().find_matches(s.get()), SplitBehavior::Isolated);
      } else {
        out.push_back(std::move(s));
      }
    });
    for (Split& sp : pts.splits())
      if (!sp.tokens) byte_level_map(sp.normalized);
  }

 bool plain_gpt2() const { return use_regex_ && !add_prefix_space_; }

 private:
  bool add_prefix_space_, use_regex_;
};
}  // namespace

bool is_plain_gpt2_byte_level(const PreTokenizer* p) {
  auto* b = dynamic_cast<const ByteLevelPreTokenizer*>(p);
  return b != nullptr && b->plain_gpt2();
}

PreTokenizerPtr make_byte_level_pre_tokenizer(const Json& j, const std::string& path) {
  return std::make_unique<ByteLevelPreTokenizer>(bool_field_or(j, "add_prefix_space", true, path),
                                                 bool_field_or(j, "use_regex", true, path));
}

}  // namespace hfcpp::tokenizers
