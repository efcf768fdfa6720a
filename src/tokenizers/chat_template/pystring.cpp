#include "tokenizers/chat_template/pystring.h"

#include <algorithm>

#include <utf8proc.h>

namespace hfcpp::tokenizers::chat_template::pystr {
namespace {

std::u32string u32(std::string_view s) { return to_u32(s); }

bool in_chars(char32_t c, const std::u32string& set) { return set.find(c) != std::u32string::npos; }

void append_upper(std::u32string& out, char32_t c) {
  if (c == 0xDF) {  // ß: Python's full mapping
    out += U"SS";
    return;
  }
  out += static_cast<char32_t>(utf8proc_toupper(static_cast<utf8proc_int32_t>(c)));
}

void append_lower(std::u32string& out, char32_t c) {
  if (c == 0x130) {  // İ: Python's full mapping
    out += U"i\u0307";
    return;
  }
  out += static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c)));
}

void append_title(std::u32string& out, char32_t c) {
  if (c == 0xDF) {
    out += U"Ss";
    return;
  }
  out += static_cast<char32_t>(utf8proc_totitle(static_cast<utf8proc_int32_t>(c)));
}

bool is_line_break(char32_t c) {
  return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E || c == 0x85 ||
         c == 0x2028 || c == 0x2029;
}

}  // namespace

bool is_cased(char32_t c) {
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LT;
}
bool is_upper_char(char32_t c) {
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT;
}
bool is_lower_char(char32_t c) { return utf8proc_category(static_cast<utf8proc_int32_t>(c)) == UTF8PROC_CATEGORY_LL; }
bool is_alpha(char32_t c) {
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
}
bool is_digit(char32_t c) {
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat == UTF8PROC_CATEGORY_ND;
}
bool is_alnum(char32_t c) {
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return is_alpha(c) || cat == UTF8PROC_CATEGORY_ND || cat == UTF8PROC_CATEGORY_NL || cat == UTF8PROC_CATEGORY_NO;
}

bool is_all(std::string_view s, bool (*pred)(char32_t)) {
  std::u32string u = u32(s);
  if (u.empty()) return false;
  return std::all_of(u.begin(), u.end(), pred);
}

bool is_upper_str(std::string_view s) {
  bool any = false;
  for (char32_t c : u32(s)) {
    if (is_lower_char(c)) return false;
    any = any || is_upper_char(c);
  }
  return any;
}
bool is_lower_str(std::string_view s) {
  bool any = false;
  for (char32_t c : u32(s)) {
    if (is_upper_char(c)) return false;
    any = any || is_lower_char(c);
  }
  return any;
}

std::string strip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right) {
  std::u32string u = u32(s);
  std::u32string set = chars ? u32(*chars) : std::u32string();
  auto strip_it = [&](char32_t c) { return chars ? in_chars(c, set) : py_isspace(c); };
  size_t b = 0, e = u.size();
  if (left)
    while (b < e && strip_it(u[b])) ++b;
  if (right)
    while (e > b && strip_it(u[e - 1])) --e;
  return from_u32(std::u32string_view(u).substr(b, e - b));
}

std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit,
                               bool from_right) {
  std::vector<std::string> parts;
  if (maxsplit < 0) maxsplit = INT64_MAX;
  if (sep) {
    if (sep->empty()) render_error("empty separator");
    if (!from_right) {
      size_t pos = 0;
      while (maxsplit-- > 0) {
        size_t f = s.find(*sep, pos);
        if (f == std::string_view::npos) break;
        parts.emplace_back(s.substr(pos, f - pos));
        pos = f + sep->size();
      }
      parts.emplace_back(s.substr(pos));
    } else {
      size_t end = s.size();
      while (maxsplit-- > 0 && end >= sep->size()) {
        size_t f = s.rfind(*sep, end - sep->size());
        if (f == std::string_view::npos) break;
        parts.emplace_back(s.substr(f + sep->size(), end - f - sep->size()));
        end = f;
      }
      parts.emplace_back(s.substr(0, end));
      std::reverse(parts.begin(), parts.end());
    }
    return parts;
  }
  std::u32string u = u32(s);
  if (!from_right) {
    size_t i = 0, n = u.size();
    while (true) {
      while (i < n && py_isspace(u[i])) ++i;
      if (i >= n) break;
      if (maxsplit-- <= 0) {
        size_t e = n;
        while (e > i && py_isspace(u[e - 1])) --e;
        parts.push_back(from_u32(std::u32string_view(u).substr(i, e - i)));
        break;
      }
      size_t j = i;
      while (j < n && !py_isspace(u[j])) ++j;
      parts.push_back(from_u32(std::u32string_view(u).substr(i, j - i)));
      i = j;
    }
  } else {
    size_t e = u.size();
    while (true) {
      while (e > 0 && py_isspace(u[e - 1])) --e;
      if (e == 0) break;
      if (maxsplit-- <= 0) {
        size_t b = 0;
        while (b < e && py_isspace(u[b])) ++b;
        parts.push_back(from_u32(std::u32string_view(u).substr(b, e - b)));
        break;
      }
      size_t b = e;
      while (b > 0 && !py_isspace(u[b - 1])) --b;
      parts.push_back(from_u32(std::u32string_view(u).substr(b, e - b)));
      e = b;
    }
    std::reverse(parts.begin(), parts.end());
  }
  return parts;
}

std::vector<std::string> splitlines(std::string_view s, bool keepends) {
  std::u32string u = u32(s);
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t i = 0; i < u.size(); ++i) {
    if (!is_line_break(u[i])) continue;
    size_t brk = i;
    if (u[i] == '\r' && i + 1 < u.size() && u[i + 1] == '\n') ++i;
    lines.push_back(from_u32(std::u32string_view(u).substr(start, (keepends ? i + 1 : brk) - start)));
    start = i + 1;
  }
  if (start < u.size()) lines.push_back(from_u32(std::u32string_view(u).substr(start)));
  return lines;
}

std::string upper(std::string_view s) {
  std::u32string out;
  for (char32_t c : u32(s)) append_upper(out, c);
  return from_u32(out);
}

std::string lower(std::string_view s) {
  std::u32string out;
  for (char32_t c : u32(s)) append_lower(out, c);
  return from_u32(out);
}

std::string title(std::string_view s) {
  std::u32string out;
  bool prev_cased = false;
  for (char32_t c : u32(s)) {
    if (prev_cased) append_lower(out, c);
    else append_title(out, c);
    prev_cased = is_cased(c);
  }
  return from_u32(out);
}

std::string capitalize(std::string_view s) {
  std::u32string u = u32(s);
  std::u32string out;
  for (size_t i = 0; i < u.size(); ++i) {
    if (i == 0) append_title(out, u[i]);
    else append_lower(out, u[i]);
  }
  return from_u32(out);
}

std::string swapcase(std::string_view s) {
  std::u32string out;
  for (char32_t c : u32(s)) {
    if (is_upper_char(c)) append_lower(out, c);
    else if (is_lower_char(c)) append_upper(out, c);
    else out += c;
  }
  return from_u32(out);
}

std::string replace(std::string_view s, std::string_view old, std::string_view repl, int64_t count) {
  if (count < 0) count = INT64_MAX;
  std::string out;
  if (old.empty()) {
    std::u32string u = u32(s);
    for (size_t i = 0; i <= u.size(); ++i) {
      if (count-- > 0) out += repl;
      if (i < u.size()) out += from_u32(std::u32string_view(u).substr(i, 1));
    }
    return out;
  }
  size_t pos = 0;
  while (count-- > 0) {
    size_t f = s.find(old, pos);
    if (f == std::string_view::npos) break;
    out += s.substr(pos, f - pos);
    out += repl;
    pos = f + old.size();
  }
  out += s.substr(pos);
  return out;
}

int64_t find(std::string_view s, std::string_view sub, bool reverse, std::optional<int64_t> start,
             std::optional<int64_t> end) {
  std::u32string u = u32(s), v = u32(sub);
  int64_t n = static_cast<int64_t>(u.size());
  auto adj = [n](int64_t x) { return x < 0 ? std::max<int64_t>(0, x + n) : std::min(x, n); };
  int64_t b = start ? adj(*start) : 0, e = end ? adj(*end) : n;
  if (e - b < static_cast<int64_t>(v.size())) return -1;
  std::u32string_view window = std::u32string_view(u).substr(static_cast<size_t>(b), static_cast<size_t>(e - b));
  size_t f = reverse ? window.rfind(v) : window.find(v);
  return f == std::u32string_view::npos ? -1 : b + static_cast<int64_t>(f);
}

int64_t count(std::string_view s, std::string_view sub) {
  if (sub.empty()) return static_cast<int64_t>(py_len_chars(s)) + 1;
  int64_t n = 0;
  for (size_t pos = s.find(sub); pos != std::string_view::npos; pos = s.find(sub, pos + sub.size())) ++n;
  return n;
}

std::string pad(std::string_view s, int64_t width, char32_t fill, int align) {
  int64_t len = static_cast<int64_t>(py_len_chars(s));
  if (width <= len) return std::string(s);
  width = std::min<int64_t>(width, 1 << 24);
  int64_t total = width - len, left = 0;
  if (align == 1) left = total;
  else if (align == 0) left = total / 2 + (total & width & 1);  // CPython's centering rule
  std::u32string f(1, fill);
  std::string fs = from_u32(f), out;
  for (int64_t i = 0; i < left; ++i) out += fs;
  out += s;
  for (int64_t i = 0; i < total - left; ++i) out += fs;
  return out;
}

std::string format_spec(const Value& v, std::string_view spec) {
  if (spec.empty()) return py_str(v);
  // [[fill]align][sign][0][width][,][.precision][type]
  std::u32string u = to_u32(spec);
  size_t i = 0;
  char32_t fill = ' ';
  int align = -2;  // -2: default
  auto align_of = [](char32_t c) { return c == '<' ? -1 : c == '^' ? 0 : c == '>' ? 1 : c == '=' ? 2 : -3; };
  if (u.size() >= 2 && align_of(u[1]) != -3) {
    fill = u[0];
    align = align_of(u[1]);
    i = 2;
  } else if (!u.empty() && align_of(u[0]) != -3) {
    align = align_of(u[0]);
    i = 1;
  }
  char sign = '-';
  if (i < u.size() && (u[i] == '+' || u[i] == '-' || u[i] == ' ')) sign = static_cast<char>(u[i++]);
  bool zero = false;
  if (i < u.size() && u[i] == '0') {
    zero = true;
    ++i;
  }
  int64_t width = 0;
  while (i < u.size() && u[i] >= '0' && u[i] <= '9') width = std::min<int64_t>(width * 10 + (u[i++] - '0'), 1 << 20);
  int precision = -1;
  if (i < u.size() && u[i] == '.') {
    ++i;
    precision = 0;
    while (i < u.size() && u[i] >= '0' && u[i] <= '9') precision = std::min(precision * 10 + static_cast<int>(u[i++] - '0'), 100);
  }
  char type = i < u.size() ? static_cast<char>(u[i++]) : 0;
  if (i != u.size()) render_error(fmt::format("Invalid format specifier '{}'", spec));
  std::string body;
  bool numeric = v.is_number();
  if (numeric) {
    double d = v.as_double();
    bool neg = v.is_float() ? std::signbit(d) : v.as_int() < 0;
    std::string digits;
    if (type == 'f' || type == 'F' || type == 'e' || type == 'E' || type == 'g' || type == 'G' || type == '%' ||
        (type == 0 && v.is_float() && precision >= 0)) {
      double x = std::fabs(d);
      int p = precision < 0 ? 6 : precision;
      if (type == '%') digits = fmt::format("{:.{}f}%", x * 100, p);
      else if (type == 'e') digits = fmt::format("{:.{}e}", x, p);
      else if (type == 'E') digits = fmt::format("{:.{}E}", x, p);
      else if (type == 'g' || type == 'G' || type == 0) digits = fmt::format("{:.{}g}", x, p == 0 ? 1 : p);
      else digits = fmt::format("{:.{}f}", x, p);
    } else if (type == 'd' || type == 'x' || type == 'X' || type == 'o' || type == 'b' || type == 0) {
      if (v.is_float() && type != 0) render_error(fmt::format("Unknown format code '{}' for object of type 'float'", type));
      if (v.is_float()) {
        digits = py_float_repr(std::fabs(d));
      } else {
        uint64_t m = neg ? 0 - static_cast<uint64_t>(v.as_int()) : static_cast<uint64_t>(v.as_int());
        digits = type == 'x' ? fmt::format("{:x}", m) : type == 'X' ? fmt::format("{:X}", m)
               : type == 'o' ? fmt::format("{:o}", m) : type == 'b' ? fmt::format("{:b}", m) : std::to_string(m);
      }
    } else {
      render_error(fmt::format("Unknown format code '{}' for object of type '{}'", type, v.type_name()));
    }
    std::string sign_text = neg ? "-" : sign == '+' ? "+" : sign == ' ' ? " " : "";
    if (zero && align == -2) {
      int64_t len = static_cast<int64_t>(sign_text.size() + digits.size());
      if (len < width) digits = std::string(static_cast<size_t>(width - len), '0') + digits;
    }
    body = sign_text + digits;
    if (align == -2) align = 1;
  } else {
    if (type != 0 && type != 's') render_error(fmt::format("Unknown format code '{}' for object of type '{}'", type, v.type_name()));
    body = py_str(v);
    if (precision >= 0) {
      std::u32string b = to_u32(body);
      if (b.size() > static_cast<size_t>(precision)) body = from_u32(b.substr(0, static_cast<size_t>(precision)));
    }
    if (align == -2) align = -1;
  }
  if (align == 2) align = 1;
  return pad(body, width, fill, align);
}

std::string percent_format(const std::string& f, const Value& args) {
  ValueList positional;
  const Value* mapping = args.is_dict() ? &args : nullptr;
  // CPython treats any non-tuple, non-str argument with __getitem__ (dict, list) as a mapping
  // for the "not all arguments converted" check.
  const bool mapping_like = mapping || (args.is_list() && !args.is_tuple());
  if (args.is_tuple()) positional = args.items();
  else positional.push_back(args);
  size_t next = 0;
  std::string out;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') {
      out += f[i];
      continue;
    }
    if (++i >= f.size()) render_error("incomplete format");
    if (f[i] == '%') {
      out += '%';
      continue;
    }
    const Value* arg = nullptr;
    if (f[i] == '(') {
      size_t close = f.find(')', i);
      if (close == std::string::npos) render_error("incomplete format key");
      if (!mapping) render_error("format requires a mapping");
      arg = mapping->dict_data().find(std::string_view(f).substr(i + 1, close - i - 1));
      if (!arg) render_error("KeyError: " + f.substr(i + 1, close - i - 1));
      i = close + 1;
    }
    std::string flags;
    while (i < f.size() && (f[i] == '-' || f[i] == '+' || f[i] == ' ' || f[i] == '0' || f[i] == '#')) flags += f[i++];
    std::string width;
    while (i < f.size() && isdigit(static_cast<unsigned char>(f[i]))) width += f[i++];
    std::string prec;
    if (i < f.size() && f[i] == '.') {
      ++i;
      prec = ".";
      while (i < f.size() && isdigit(static_cast<unsigned char>(f[i]))) prec += f[i++];
    }
    if (i >= f.size()) render_error("incomplete format");
    char type = f[i];
    if (!arg) {
      if (mapping) arg = &args;
      else if (next < positional.size()) arg = &positional[next++];
      else render_error("not enough arguments for format string");
    }
    std::string spec;
    bool left = flags.find('-') != std::string::npos;
    if (flags.find('+') != std::string::npos) spec += '+';
    else if (flags.find(' ') != std::string::npos) spec += ' ';
    if (flags.find('0') != std::string::npos && !left) spec += '0';
    spec += width.size() > 6 ? width.substr(0, 6) : width;
    if (prec == ".") prec = ".0";
    switch (type) {
      case 's': out += format_spec(Value::string(py_str(*arg)), (left ? "<" : ">") + spec + prec); break;
      case 'r': out += format_spec(Value::string(py_repr(*arg)), (left ? "<" : ">") + spec + prec); break;
      case 'd':
      case 'i':
      case 'u':
        if (!arg->is_number()) render_error(fmt::format("%{} format: a real number is required, not {}", type, arg->type_name()));
        out += format_spec(Value::integer(arg->is_float() ? static_cast<int64_t>(arg->as_double()) : arg->as_int()),
                           (left ? "<" : "") + spec + "d");
        break;
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G':
        if (!arg->is_number()) render_error(fmt::format("must be real number, not {}", arg->type_name()));
        out += format_spec(Value::number(arg->as_double()), (left ? "<" : "") + spec + (prec.empty() ? ".6" : prec) + type);
        break;
      case 'x':
      case 'X':
      case 'o':
        if (!arg->is_number() || arg->is_float()) render_error(fmt::format("%{} format: an integer is required", type));
        out += format_spec(*arg, (left ? "<" : "") + spec + type);
        break;
      case 'c':
        out += arg->is_string() ? arg->as_string() : from_u32(std::u32string(1, static_cast<char32_t>(arg->as_int())));
        break;
      default: render_error(fmt::format("unsupported format character '{}'", type));
    }
  }
  if (!mapping_like && next < positional.size())
    render_error("not all arguments converted during string formatting");
  return out;
}

std::string brace_format(const std::string& f, const CallArgs& args) {
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    char c = f[i];
    if (c == '}') {
      if (i + 1 < f.size() && f[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      render_error("Single '}' encountered in format string");
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < f.size() && f[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    size_t close = f.find('}', i);
    if (close == std::string::npos) render_error("Single '{' encountered in format string");
    std::string field = f.substr(i + 1, close - i - 1);
    i = close;
    std::string spec;
    size_t colon = field.find(':');
    if (colon != std::string::npos) {
      spec = field.substr(colon + 1);
      field.resize(colon);
    }
    bool repr = false;
    size_t bang = field.find('!');
    if (bang != std::string::npos) {
      repr = field.substr(bang + 1) == "r";
      field.resize(bang);
    }
    const Value* v = nullptr;
    if (field.empty()) {
      v = args.get(auto_index++, "\x01");
      if (!v || auto_index > args.positional.size()) render_error("Replacement index out of range for positional args tuple");
    } else if (std::all_of(field.begin(), field.end(), [](char ch) { return isdigit(static_cast<unsigned char>(ch)); })) {
      size_t idx = std::stoul(field.substr(0, 9));
      if (idx >= args.positional.size()) render_error("Replacement index out of range for positional args tuple");
      v = &args.positional[idx];
    } else {
      for (const auto& [k, val] : args.keyword)
        if (k == field) v = &val;
      if (!v) render_error("KeyError: '" + field + "'");
    }
    out += repr ? format_spec(Value::string(py_repr(*v)), spec) : format_spec(*v, spec);
  }
  return out;
}

}  // namespace hfcpp::tokenizers::chat_template::pystr
