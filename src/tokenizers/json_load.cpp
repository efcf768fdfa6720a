#include "tokenizers/json_load.h"

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "hfcpp/core/error.h"

namespace hfcpp::tokenizers {

double serde_json_f64(std::string_view s) {
  size_t i = 0;
  bool negative = i < s.size() && s[i] == '-';
  if (negative) ++i;
  uint64_t sig = 0;
  int64_t exp = 0;
  bool overflowed = false;
  auto add_digit = [&](int d, bool fraction) {
    if (overflowed) {
      if (!fraction) ++exp;
      return;
    }
    if (sig >= 1844674407370955161ULL && (sig > 1844674407370955161ULL || d > 5)) {
      overflowed = true;
      if (!fraction) ++exp;
      return;
    }
    sig = sig * 10 + static_cast<uint64_t>(d);
    if (fraction) --exp;
  };
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') add_digit(s[i++] - '0', false);
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') add_digit(s[i++] - '0', true);
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool neg_exp = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg_exp = s[i++] == '-';
    int64_t e = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      e = e * 10 + (s[i++] - '0');
      if (e > 100000) e = 100000;
    }
    exp += neg_exp ? -e : e;
  }
  // 10^n as the correctly rounded double (serde's POW10 table holds the same literals).
  static const std::vector<double> kPow10 = [] {
    std::vector<double> t(309);
    for (int n = 0; n <= 308; ++n) t[static_cast<size_t>(n)] = std::strtod(("1e" + std::to_string(n)).c_str(), nullptr);
    return t;
  }();
  auto pow10 = [](int64_t n) { return kPow10[static_cast<size_t>(n)]; };
  double f = static_cast<double>(sig);
  for (;;) {
    int64_t a = exp < 0 ? -exp : exp;
    if (a <= 308) {
      if (exp >= 0) f *= pow10(a); else f /= pow10(a);
      break;
    }
    if (f == 0.0) break;
    if (exp >= 0) return negative ? -HUGE_VAL : HUGE_VAL;
    f /= 1e308;
    exp += 308;
  }
  return negative ? -f : f;
}

namespace {
// Forwards to nlohmann's DOM builder, replacing float values by serde_json's.
class SerdeFloatSax {
 public:
  explicit SerdeFloatSax(core::Json& root) : dom_(root, true) {}
  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(core::Json::number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(core::Json::number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(core::Json::number_float_t v, const std::string& s) {
    return dom_.number_float(s.empty() ? v : serde_json_f64(s), s);
  }
  bool string(std::string& v) { return dom_.string(v); }
  bool binary(core::Json::binary_t& v) { return dom_.binary(v); }
  bool start_object(std::size_t n) { return dom_.start_object(n); }
  bool key(std::string& v) { return dom_.key(v); }
  bool end_object() { return dom_.end_object(); }
  bool start_array(std::size_t n) { return dom_.start_array(n); }
  bool end_array() { return dom_.end_array(); }
  bool parse_error(std::size_t pos, const std::string& tok, const nlohmann::detail::exception& ex) {
    HFCPP_THROW(ErrorCode::Format, "[json] {}: invalid JSON at byte {}: {}", source_, pos, ex.what());
    (void)tok;
  }
  std::string source_;

 private:
  nlohmann::detail::json_sax_dom_parser<core::Json> dom_;
};
}  // namespace

core::Json parse_tokenizer_json(std::string_view text, std::string_view source) {
  core::Json root;
  SerdeFloatSax sax(root);
  sax.source_ = std::string(source);
  core::Json::sax_parse(text.begin(), text.end(), &sax);
  return root;
}

}  // namespace hfcpp::tokenizers
