#include "tokenizers/chat_template/lexer.h"

#include <cstring>

#include "hfcpp/core/error.h"
#include "tokenizers/chat_template/value.h"

namespace hfcpp::tokenizers::chat_template {
namespace {

[[noreturn]] void syntax_error(int line, const std::string& what) {
  HFCPP_THROW(ErrorCode::Format, "[chat_template] template syntax error at line {}: {}", line, what);
}

// Decodes the code point at s[i]; returns its byte length (1 for invalid bytes, decoded as 0xFFFD).
size_t decode_at(std::string_view s, size_t i, char32_t& c) {
  unsigned char b = static_cast<unsigned char>(s[i]);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) {
    c = 0xFFFD;
    return 1;
  }
  if (n == 1) {
    c = b;
    return 1;
  }
  c = b & (0xFF >> (n + 1));
  for (size_t k = 1; k < n; ++k) {
    unsigned char cb = static_cast<unsigned char>(s[i + k]);
    if ((cb & 0xC0) != 0x80) {
      c = 0xFFFD;
      return 1;
    }
    c = (c << 6) | (cb & 0x3F);
  }
  return n;
}

// Position after the run of (Unicode) whitespace starting at pos.
size_t skip_space(std::string_view s, size_t pos) {
  while (pos < s.size()) {
    char32_t c;
    size_t n = decode_at(s, pos, c);
    if (!py_isspace(c)) break;
    pos += n;
  }
  return pos;
}

// Length of s once trailing Unicode whitespace is removed (Python's str.rstrip()).
size_t rstrip_len(std::string_view s) {
  size_t end = s.size();
  while (end > 0) {
    size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80 && end - start < 4) --start;
    char32_t c;
    size_t n = decode_at(s, start, c);
    if (start + n != end || !py_isspace(c)) break;
    end = start;
  }
  return end;
}

bool all_space(std::string_view s) { return !s.empty() && skip_space(s, 0) == s.size(); }

int count_newlines(std::string_view s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// (\d+_)*\d+ at pos: returns the end, or npos.
size_t match_digits(std::string_view s, size_t pos) {
  if (pos >= s.size() || !is_digit(s[pos])) return std::string_view::npos;
  while (pos < s.size() && is_digit(s[pos])) ++pos;
  while (pos + 1 < s.size() && s[pos] == '_' && is_digit(s[pos + 1])) {
    ++pos;
    while (pos < s.size() && is_digit(s[pos])) ++pos;
  }
  return pos;
}

size_t match_exponent(std::string_view s, size_t pos) {
  if (pos >= s.size() || (s[pos] != 'e' && s[pos] != 'E')) return std::string_view::npos;
  ++pos;
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) ++pos;
  return match_digits(s, pos);
}

size_t match_float(std::string_view s, size_t pos) {
  if (pos > 0 && s[pos - 1] == '.') return std::string_view::npos;
  size_t p = match_digits(s, pos);
  if (p == std::string_view::npos) return p;
  if (p < s.size() && s[p] == '.') {
    size_t q = match_digits(s, p + 1);
    if (q != std::string_view::npos) {
      size_t e = match_exponent(s, q);
      return e != std::string_view::npos ? e : q;
    }
  }
  return match_exponent(s, p);
}

size_t match_integer(std::string_view s, size_t pos) {
  auto in_set = [](char c, int base) {
    if (base == 2) return c == '0' || c == '1';
    if (base == 8) return c >= '0' && c <= '7';
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  };
  if (pos + 1 < s.size() && s[pos] == '0') {
    char k = static_cast<char>(s[pos + 1] | 0x20);
    int base = k == 'b' ? 2 : k == 'o' ? 8 : k == 'x' ? 16 : 0;
    if (base) {
      size_t p = pos + 2;
      size_t best = std::string_view::npos;
      while (true) {
        size_t q = p;
        if (q < s.size() && s[q] == '_') ++q;
        if (q < s.size() && in_set(s[q], base)) {
          p = q + 1;
          best = p;
        } else {
          break;
        }
      }
      if (best != std::string_view::npos) return best;
    }
  }
  if (pos >= s.size() || !is_digit(s[pos])) return std::string_view::npos;
  char first = s[pos];
  size_t p = pos + 1;
  while (true) {
    size_t q = p;
    if (q < s.size() && s[q] == '_') ++q;
    if (q < s.size() && (first == '0' ? s[q] == '0' : is_digit(s[q]))) p = q + 1;
    else break;
  }
  return p;
}

bool is_name_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(static_cast<char>(c)) || c == '_' || c >= 0x80;
}

// Python's "unicode-escape" decoding of a string literal body.
std::string unescape(std::string_view body, int line) {
  std::string out;
  auto hex = [&](size_t& i, int digits) -> char32_t {
    if (i + static_cast<size_t>(digits) > body.size()) syntax_error(line, "truncated \\x/\\u escape in a string");
    char32_t v = 0;
    for (int k = 0; k < digits; ++k) {
      char c = body[i++];
      int d = is_digit(c) ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
      if (d < 0) syntax_error(line, "truncated \\x/\\u escape in a string");
      v = v * 16 + static_cast<char32_t>(d);
    }
    return v;
  };
  for (size_t i = 0; i < body.size();) {
    char c = body[i];
    if (c != '\\' || i + 1 >= body.size()) {
      out += c;
      ++i;
      continue;
    }
    char e = body[i + 1];
    i += 2;
    switch (e) {
      case '\n': break;
      case '\\': out += '\\'; break;
      case '\'': out += '\''; break;
      case '"': out += '"'; break;
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case 'x': out += from_u32(std::u32string(1, hex(i, 2))); break;
      case 'u': out += from_u32(std::u32string(1, hex(i, 4))); break;
      case 'U': {
        char32_t v = hex(i, 8);
        if (v > 0x10FFFF) syntax_error(line, "illegal Unicode character in a string");
        out += from_u32(std::u32string(1, v));
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          char32_t v = static_cast<char32_t>(e - '0');
          for (int k = 0; k < 2 && i < body.size() && body[i] >= '0' && body[i] <= '7'; ++k)
            v = v * 8 + static_cast<char32_t>(body[i++] - '0');
          out += from_u32(std::u32string(1, v));
        } else {
          out += '\\';
          out += e;
        }
    }
  }
  return out;
}

constexpr const char* kOperators[] = {"**", "//", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]",
                                      "(",  ")",  "{",  "}",  ">",  "<",  "=", ".", ":", "|", ",", ";"};

class Lexer {
 public:
  explicit Lexer(std::string source) : src_(std::move(source)) {}

  std::vector<Token> run() {
    bool line_starting = true;
    while (pos_ < src_.size()) {
      size_t tag = find_tag(pos_);
      if (tag == std::string_view::npos) {
        emit(TokenType::Data, src_.substr(pos_));
        pos_ = src_.size();
        break;
      }
      char kind = src_[tag + 1];  // '%', '{' or '#'
      size_t after = tag + 2;
      char sign = after < src_.size() && (src_[after] == '-' || src_[after] == '+') ? src_[after] : 0;
      std::string text = src_.substr(pos_, tag - pos_);
      if (sign == '-') {
        text.resize(rstrip_len(text));
      } else if (sign != '+' && kind != '{') {
        size_t l_pos = text.rfind('\n');
        l_pos = l_pos == std::string::npos ? 0 : l_pos + 1;
        if ((l_pos > 0 || line_starting) && all_space(std::string_view(text).substr(l_pos))) text.resize(l_pos);
      }
      emit(TokenType::Data, text);
      line_ += count_newlines(src_.substr(pos_, tag - pos_));
      pos_ = after + (sign ? 1 : 0);
      if (kind == '#') {
        line_starting = lex_comment();
      } else if (kind == '%' && try_raw(tag, sign)) {
        line_starting = lex_raw();
      } else {
        line_starting = lex_tag(kind == '%');
      }
    }
    tokens_.push_back(Token{TokenType::Eof, "", line_});
    return std::move(tokens_);
  }

 private:
  void emit(TokenType type, std::string value) {
    if (type == TokenType::Data && value.empty()) return;
    tokens_.push_back(Token{type, std::move(value), line_});
  }

  size_t find_tag(size_t from) const {
    for (size_t p = src_.find('{', from); p != std::string::npos; p = src_.find('{', p + 1)) {
      if (p + 1 < src_.size() && (src_[p + 1] == '%' || src_[p + 1] == '{' || src_[p + 1] == '#')) return p;
    }
    return std::string_view::npos;
  }

  // Block end at p ("+%}", "-%}\s*", "%}\n?"): returns the position after it, or npos.
  size_t match_block_end(size_t p, bool& ends_newline) const {
    ends_newline = false;
    std::string_view s(src_);
    if (s.compare(p, 3, "+%}") == 0) return p + 3;
    if (s.compare(p, 3, "-%}") == 0) {
      size_t e = skip_space(s, p + 3);
      ends_newline = e > p + 3 && s[e - 1] == '\n';
      return e;
    }
    if (s.compare(p, 2, "%}") == 0) {
      if (p + 2 < s.size() && s[p + 2] == '\n') {
        ends_newline = true;
        return p + 3;
      }
      return p + 2;
    }
    return std::string_view::npos;
  }

  bool try_raw(size_t tag, char sign) {
    std::string_view s(src_);
    size_t p = skip_space(s, tag + 2 + (sign ? 1 : 0));
    if (s.compare(p, 3, "raw") != 0) return false;
    p = skip_space(s, p + 3);
    if (s.compare(p, 3, "-%}") == 0) {
      pos_ = skip_space(s, p + 3);
      raw_begin_newline_ = pos_ > p + 3 && s[pos_ - 1] == '\n';
    } else if (s.compare(p, 2, "%}") == 0) {
      pos_ = p + 2;
      raw_begin_newline_ = false;
    } else {
      return false;
    }
    line_ += count_newlines(s.substr(tag, pos_ - tag));
    return true;
  }

  bool lex_raw() {
    std::string_view s(src_);
    for (size_t p = s.find("{%", pos_); p != std::string_view::npos; p = s.find("{%", p + 1)) {
      size_t q = p + 2;
      char sign = q < s.size() && (s[q] == '-' || s[q] == '+') ? s[q] : 0;
      if (sign) ++q;
      q = skip_space(s, q);
      if (s.compare(q, 6, "endraw") != 0) continue;
      q = skip_space(s, q + 6);
      bool nl = false;
      size_t end = match_block_end(q, nl);
      if (end == std::string_view::npos) continue;
      std::string text(s.substr(pos_, p - pos_));
      if (sign == '-') {
        text.resize(rstrip_len(text));
      } else if (sign != '+') {
        size_t l_pos = text.rfind('\n');
        l_pos = l_pos == std::string::npos ? 0 : l_pos + 1;
        if ((l_pos > 0 || raw_begin_newline_) && all_space(std::string_view(text).substr(l_pos))) text.resize(l_pos);
      }
      emit(TokenType::Data, text);
      line_ += count_newlines(s.substr(pos_, end - pos_));
      pos_ = end;
      return nl;
    }
    syntax_error(line_, "missing end of raw directive");
  }

  bool lex_comment() {
    std::string_view s(src_);
    for (size_t p = pos_; p < s.size(); ++p) {
      size_t end = std::string_view::npos;
      bool nl = false;
      if (s.compare(p, 3, "+#}") == 0) {
        end = p + 3;
      } else if (s.compare(p, 3, "-#}") == 0) {
        end = skip_space(s, p + 3);
        nl = end > p + 3 && s[end - 1] == '\n';
      } else if (s.compare(p, 2, "#}") == 0) {
        end = p + 2;
        if (end < s.size() && s[end] == '\n') {
          ++end;
          nl = true;
        }
      }
      if (end != std::string_view::npos) {
        line_ += count_newlines(s.substr(pos_, end - pos_));
        pos_ = end;
        return nl;
      }
    }
    syntax_error(line_, "missing end of comment tag");
  }

  bool lex_tag(bool block) {
    std::string_view s(src_);
    emit_tag(block ? TokenType::BlockBegin : TokenType::VarBegin, block ? "{%" : "{{");
    std::vector<char> balance;
    while (true) {
      if (pos_ >= s.size()) {
        syntax_error(line_, block ? "unexpected end of template, expected '%}'" : "unexpected end of template, expected '}}'");
      }
      if (balance.empty()) {
        if (block) {
          bool nl = false;
          size_t end = match_block_end(pos_, nl);
          if (end != std::string_view::npos) {
            emit_tag(TokenType::BlockEnd, "%}");
            line_ += count_newlines(s.substr(pos_, end - pos_));
            pos_ = end;
            return nl;
          }
        } else {
          if (s.compare(pos_, 3, "-}}") == 0) {
            size_t end = skip_space(s, pos_ + 3);
            emit_tag(TokenType::VarEnd, "}}");
            line_ += count_newlines(s.substr(pos_, end - pos_));
            bool nl = end > pos_ + 3 && s[end - 1] == '\n';
            pos_ = end;
            return nl;
          }
          if (s.compare(pos_, 2, "}}") == 0) {
            emit_tag(TokenType::VarEnd, "}}");
            pos_ += 2;
            return false;
          }
        }
      }
      size_t ws = skip_space(s, pos_);
      if (ws > pos_) {
        line_ += count_newlines(s.substr(pos_, ws - pos_));
        pos_ = ws;
        continue;
      }
      size_t end = match_float(s, pos_);
      if (end != std::string_view::npos) {
        push_number(TokenType::Float, end);
        continue;
      }
      end = match_integer(s, pos_);
      if (end != std::string_view::npos) {
        push_number(TokenType::Integer, end);
        continue;
      }
      if (is_name_char(static_cast<unsigned char>(s[pos_]))) {
        end = pos_;
        while (end < s.size() && is_name_char(static_cast<unsigned char>(s[end]))) ++end;
        emit_tag(TokenType::Name, std::string(s.substr(pos_, end - pos_)));
        pos_ = end;
        continue;
      }
      if (s[pos_] == '\'' || s[pos_] == '"') {
        char q = s[pos_];
        size_t p = pos_ + 1;
        while (p < s.size() && s[p] != q) p += s[p] == '\\' ? 2 : 1;
        if (p < s.size()) {
          std::string_view body = s.substr(pos_ + 1, p - pos_ - 1);
          emit_tag(TokenType::String, unescape(body, line_));
          line_ += count_newlines(body);
          pos_ = p + 1;
          continue;
        }
      }
      bool matched = false;
      for (const char* op : kOperators) {
        size_t n = std::strlen(op);
        if (s.compare(pos_, n, op) != 0) continue;
        char c = op[0];
        if (n == 1 && (c == '{' || c == '(' || c == '[')) {
          balance.push_back(c == '{' ? '}' : c == '(' ? ')' : ']');
        } else if (n == 1 && (c == '}' || c == ')' || c == ']')) {
          if (balance.empty()) syntax_error(line_, fmt::format("unexpected '{}'", c));
          if (balance.back() != c) syntax_error(line_, fmt::format("unexpected '{}', expected '{}'", c, balance.back()));
          balance.pop_back();
        }
        emit_tag(TokenType::Operator, op);
        pos_ += n;
        matched = true;
        break;
      }
      if (!matched) syntax_error(line_, fmt::format("unexpected char '{}'", s[pos_]));
    }
  }

  void push_number(TokenType type, size_t end) {
    std::string digits;
    for (size_t i = pos_; i < end; ++i)
      if (src_[i] != '_') digits += src_[i];
    emit_tag(type, std::move(digits));
    pos_ = end;
  }

  void emit_tag(TokenType type, std::string value) { tokens_.push_back(Token{type, std::move(value), line_}); }

  std::string src_;
  size_t pos_ = 0;
  int line_ = 1;
  bool raw_begin_newline_ = false;
  std::vector<Token> tokens_;
};

// jinja2 splits on \r\n, \r and \n, drops one trailing newline (keep_trailing_newline=False)
// and joins with \n.
std::string normalize_newlines(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

std::vector<Token> tokenize_template(std::string_view source) {
  return Lexer(normalize_newlines(source)).run();
}

}  // namespace hfcpp::tokenizers::chat_template
