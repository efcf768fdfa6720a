#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizers/regex.h"

#include <pcre2.h>

#include "hfcpp/core/error.h"
#include "tokenizers/regex_unicode.h"

namespace hfcpp::tokenizers {

namespace {
// One match-data block per thread and pattern size; PCRE2 match data is not shareable.
struct MatchData {
  pcre2_match_data* data = nullptr;
  pcre2_match_context* context = nullptr;
  pcre2_jit_stack* stack = nullptr;
  MatchData() {
    data = pcre2_match_data_create(4, nullptr);
    context = pcre2_match_context_create(nullptr);
    stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, nullptr);
    pcre2_jit_stack_assign(context, nullptr, stack);
  }
  ~MatchData() {
    pcre2_match_data_free(data);
    pcre2_match_context_free(context);
    pcre2_jit_stack_free(stack);
  }
};
MatchData& thread_match_data() {
  thread_local MatchData md;
  return md;
}
}  // namespace

struct Regex::Impl {
  pcre2_code* code = nullptr;
  bool jit = false;
  ~Impl() { pcre2_code_free(code); }
};

Regex::Regex(std::string_view pattern, std::string_view where, bool hand_written)
    : impl_(std::make_unique<Impl>()), pattern_(pattern) {
  int err = 0;
  PCRE2_SIZE err_off = 0;
  // Code points newer than PCRE2's Unicode tables join their \p{..} classes, as in the reference.
  const std::string compiled = regex_unicode::with_newer_code_points(pattern);
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(compiled.data()), compiled.size(),
                              PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &err, &err_off, nullptr);
  if (!impl_->code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(err, buf, sizeof(buf));
    HFCPP_THROW(ErrorCode::Format, "[tokenizers] {}: invalid regex '{}' at {}: {}", where, pattern,
                err_off, reinterpret_cast<const char*>(buf));
  }
  impl_->jit = pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE) == 0;
  if (hand_written) known_ = recognize_pattern(pattern);
}

Regex::~Regex() = default;

void Regex::find_all(std::string_view text, std::vector<ByteRange>& out) const {
  if (known_ != KnownPattern::None) return find_known_matches(known_, text, out);
  MatchData& md = thread_match_data();
  auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t pos = 0;
  std::optional<size_t> last_match_end;
  while (pos <= text.size()) {
    int rc = impl_->jit ? pcre2_jit_match(impl_->code, subject, text.size(), pos, 0, md.data,
                                          md.context)
                        : pcre2_match(impl_->code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK,
                                      md.data, md.context);
    if (rc < 0) {
      HFCPP_CHECK(rc == PCRE2_ERROR_NOMATCH, ErrorCode::Internal,
                  "[tokenizers] regex '{}' failed with PCRE2 error {}", pattern_, rc);
      return;
    }
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.data);
    size_t s = ov[0], e = ov[1];
    if (s == e && last_match_end && *last_match_end == e) {
      // An empty match right after the previous one: step over one char and retry.
      if (pos >= text.size()) return;
      pos += utf8::char_len(static_cast<unsigned char>(text[pos]));
      continue;
    }
    pos = e;
    last_match_end = e;
    out.emplace_back(s, e);
  }
}

std::vector<PatternMatch> Regex::find_matches(std::string_view text) const {
  if (text.empty()) return {{0, 0, false}};
  std::vector<ByteRange> found;
  find_all(text, found);
  std::vector<PatternMatch> out;
  out.reserve(found.size() * 2 + 1);
  size_t prev = 0;
  for (auto [s, e] : found) {
    if (prev != s) out.push_back({prev, s, false});
    out.push_back({s, e, true});
    prev = e;
  }
  if (prev != text.size()) out.push_back({prev, text.size(), false});
  return out;
}

std::string regex_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\.+*?()|[]{}^$#&-~ ").find(c) != std::string_view::npos) {
      if (c == ' ') {
        out += ' ';
        continue;
      }
      out += '\\';
    }
    out += c;
  }
  return out;
}

}  // namespace hfcpp::tokenizers
