// Small normalizers: Lowercase, Strip, StripAccents, Prepend, ByteLevel, Sequence.
#include "hfcpp/core/error.h"
#include "tokenizers/byte_level_table.h"
#include "tokenizers/normalizers/unicode_forms.h"
#include "tokenizers/registry.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

namespace {
class Lowercase : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override { s.lowercase(); }
};

class Strip : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  void normalize(NormalizedString& s) const override { s.strip(left_, right_); }

 private:
  bool left_, right_;
};

class StripAccents : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override {
    s.filter([](char32_t c) { return !utf8::is_combining_mark(c); });
  }
};

class Prepend : public Normalizer {
 public:
  explicit Prepend(std::string p) : prepend_(std::move(p)) {}
  void normalize(NormalizedString& s) const override { s.prepend(prepend_); }

 private:
  std::string prepend_;
};

// Every byte of every char becomes its printable GPT-2 char.
class ByteLevelNormalizer : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override {
    if (s.empty()) return;
    const auto& table = byte_level_table();
    const std::string& text = s.get();
    std::vector<CharChange> changes;
    changes.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
      size_t n = utf8::char_len(static_cast<unsigned char>(text[i]));
      for (size_t k = 0; k < n; ++k)
        changes.push_back({table.byte_to_char[static_cast<unsigned char>(text[i + k])], k > 0 ? 1 : 0});
      i += n;
    }
    s.transform(changes, 0);
  }
};

class NormalizerSequence : public Normalizer {
 public:
  explicit NormalizerSequence(std::vector<NormalizerPtr> items) : items_(std::move(items)) {}
  void normalize(NormalizedString& s) const override {
    for (const auto& n : items_) n->normalize(s);
  }

 private:
  std::vector<NormalizerPtr> items_;
};
}  // namespace

NormalizerPtr make_lowercase(const Json&, const std::string&) { return std::make_unique<Lowercase>(); }
NormalizerPtr make_strip(const Json& j, const std::string& path) {
  return std::make_unique<Strip>(bool_field_or(j, "strip_left", true, path),
                                 bool_field_or(j, "strip_right", true, path));
}
NormalizerPtr make_strip_accents(const Json&, const std::string&) {
  return std::make_unique<StripAccents>();
}
NormalizerPtr make_prepend(const Json& j, const std::string& path) {
  return std::make_unique<Prepend>(str_field(j, "prepend", path));
}
NormalizerPtr make_byte_level_normalizer(const Json&, const std::string&) {
  return std::make_unique<ByteLevelNormalizer>();
}
NormalizerPtr make_normalizer_sequence(const Json& j, const std::string& path) {
  const Json& arr = array_field(j, "normalizers", path);
  std::vector<NormalizerPtr> items;
  for (size_t i = 0; i < arr.size(); ++i) {
    auto n = make_normalizer(arr[i], index_path(join_path(path, "normalizers"), i));
    if (n) items.push_back(std::move(n));
  }
  return std::make_unique<NormalizerSequence>(std::move(items));
}

}  // namespace hfcpp::tokenizers
