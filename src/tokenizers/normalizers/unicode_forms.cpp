#include "tokenizers/normalizers/unicode_forms.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <string>
#include <unordered_map>

#include "tokenizers/registry.h"
#include "tokenizers/unicode_ref.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

namespace {
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount,
                   kSCount = kLCount * kNCount;

uint8_t ccc(char32_t c) {
  if (c < 0x300 || unicode_ref::ccc_zero(c)) return 0;  // the reference's Unicode 9.0 classes
  return static_cast<uint8_t>(utf8proc_get_property(static_cast<utf8proc_int32_t>(c))->combining_class);
}

uint64_t pair_key(char32_t a, char32_t b) { return (uint64_t(a) << 32) | b; }

// Primary composites, built once from utf8proc's data: (first, second) -> composite.
const std::unordered_map<uint64_t, char32_t>& composition_table() {
  static std::unordered_map<uint64_t, char32_t> table;
  static std::once_flag once;
  std::call_once(once, [] {
    std::unordered_map<std::u32string, char32_t> by_decomposition;
    std::vector<std::pair<std::u32string, char32_t>> composites;
    utf8proc_int32_t buf[8];
    for (char32_t cp = 0xC0; cp < 0x110000; ++cp) {
      if (cp >= kSBase && cp < kSBase + kSCount) continue;  // Hangul: algorithmic
      if (cp >= 0xD800 && cp < 0xE000) continue;
      const utf8proc_property_t* p = utf8proc_get_property(static_cast<utf8proc_int32_t>(cp));
      if (p->decomp_seqindex == UINT16_MAX || p->decomp_type != 0 || p->comp_exclusion) continue;
      if (unicode_ref::no_canonical_decomposition(cp)) continue;  // newer than the reference
      int bound = 0;
      auto n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(cp), buf, 8,
                                       UTF8PROC_DECOMPOSE, &bound);
      if (n < 2 || n > 8) continue;
      std::u32string d(buf, buf + n);
      if (ccc(d[0]) != 0) continue;  // non-starter decompositions never compose
      // Keep only primary composites: NFC of the decomposition must give cp back (this drops
      // singletons such as U+1F77 -> U+03AF, which utf8proc does not flag as excluded).
      std::string utf8_d;
      for (char32_t c : d) utf8::append(utf8_d, c);
      utf8proc_uint8_t* nfc = utf8proc_NFC(reinterpret_cast<const utf8proc_uint8_t*>(utf8_d.c_str()));
      bool primary = nfc && utf8::encode(cp) == reinterpret_cast<const char*>(nfc);
      std::free(nfc);
      if (!primary) continue;
      by_decomposition[d] = cp;
      composites.emplace_back(std::move(d), cp);
    }
    for (const auto& [d, cp] : composites) {
      if (d.size() == 2) {
        table[pair_key(d[0], d[1])] = cp;
      } else {
        auto it = by_decomposition.find(d.substr(0, d.size() - 1));
        if (it != by_decomposition.end()) table[pair_key(it->second, d.back())] = cp;
      }
    }
  });
  return table;
}

bool compose_pair(char32_t a, char32_t b, char32_t& out) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount) {
    out = kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
    return true;
  }
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase &&
      b < kTBase + kTCount) {
    out = a + (b - kTBase);
    return true;
  }
  const auto& t = composition_table();
  auto it = t.find(pair_key(a, b));
  if (it == t.end()) return false;
  out = it->second;
  return true;
}

struct Item {
  char32_t c;
  int change;
  uint8_t cls;
};

void decompose(std::string_view text, bool compat, std::vector<Item>& out) {
  utf8proc_int32_t buf[32];
  size_t pending = 0;  // start of the run of non-starters not yet reordered
  auto sort_pending = [&] {
    std::stable_sort(out.begin() + static_cast<ptrdiff_t>(pending), out.end(),
                     [](const Item& x, const Item& y) { return x.cls < y.cls; });
    pending = out.size();
  };
  auto push = [&](char32_t c, bool first) {
    uint8_t k = ccc(c);
    if (k == 0) sort_pending();
    out.push_back({c, first ? 0 : 1, k});
  };
  int options = UTF8PROC_DECOMPOSE | (compat ? UTF8PROC_COMPAT : 0);
  for (size_t i = 0; i < text.size();) {
    char32_t c = utf8::next(text, i);
    if (c < 0xC0 || (compat ? unicode_ref::no_compat_decomposition(c)
                            : unicode_ref::no_canonical_decomposition(c))) {
      push(c, true);
      continue;
    }
    int bound = 0;
    auto n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(c), buf, 32,
                                     static_cast<utf8proc_option_t>(options), &bound);
    if (n <= 0 || n > 32) {
      push(c, true);
      continue;
    }
    for (utf8proc_ssize_t k = 0; k < n; ++k) push(static_cast<char32_t>(buf[k]), k == 0);
  }
  sort_pending();
}

std::vector<CharChange> recompose(const std::vector<Item>& items) {
  std::vector<CharChange> out;
  out.reserve(items.size());
  std::vector<CharChange> buffer;
  bool has_composee = false;
  CharChange composee{0, 0};
  int last_ccc = -1;  // -1: none
  for (const Item& it : items) {
    CharChange ch{it.c, it.change};
    int cls = it.cls;
    if (!has_composee) {
      if (cls != 0) {
        out.push_back(ch);
        continue;
      }
      composee = ch;
      has_composee = true;
      continue;
    }
    char32_t r;
    if (last_ccc < 0) {
      if (compose_pair(composee.c, ch.c, r)) {
        composee = {r, composee.change + ch.change - 1};
        continue;
      }
      if (cls == 0) {
        out.push_back(composee);
        composee = ch;
        continue;
      }
      buffer.push_back(ch);
      last_ccc = cls;
    } else {
      if (last_ccc >= cls) {
        if (cls == 0) {
          out.push_back(composee);
          out.insert(out.end(), buffer.begin(), buffer.end());
          buffer.clear();
          composee = ch;
          last_ccc = -1;
          continue;
        }
        buffer.push_back(ch);
        last_ccc = cls;
        continue;
      }
      if (compose_pair(composee.c, ch.c, r)) {
        composee = {r, composee.change + ch.change - 1};
        continue;
      }
      buffer.push_back(ch);
      last_ccc = cls;
    }
  }
  if (has_composee) out.push_back(composee);
  out.insert(out.end(), buffer.begin(), buffer.end());
  return out;
}

class UnicodeNormalizer : public Normalizer {
 public:
  UnicodeNormalizer(bool compat, bool compose) : compat_(compat), compose_(compose) {}
  void normalize(NormalizedString& s) const override { unicode_normalize(s, compat_, compose_); }

 private:
  bool compat_, compose_;
};
}  // namespace

uint8_t canonical_combining_class(char32_t c) { return ccc(c); }

void unicode_normalize(NormalizedString& s, bool compat, bool compose) {
  const std::string& text = s.get();
  bool ascii = std::all_of(text.begin(), text.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) return;
  std::vector<Item> items;
  items.reserve(text.size());
  decompose(text, compat, items);
  std::vector<CharChange> changes;
  if (compose) {
    changes = recompose(items);
  } else {
    changes.reserve(items.size());
    for (const Item& it : items) changes.push_back({it.c, it.change});
  }
  s.transform(changes, 0);
}

NormalizerPtr make_nfc(const Json&, const std::string&) {
  return std::make_unique<UnicodeNormalizer>(false, true);
}
NormalizerPtr make_nfd(const Json&, const std::string&) {
  return std::make_unique<UnicodeNormalizer>(false, false);
}
NormalizerPtr make_nfkc(const Json&, const std::string&) {
  return std::make_unique<UnicodeNormalizer>(true, true);
}
NormalizerPtr make_nfkd(const Json&, const std::string&) {
  return std::make_unique<UnicodeNormalizer>(true, false);
}

}  // namespace hfcpp::tokenizers
