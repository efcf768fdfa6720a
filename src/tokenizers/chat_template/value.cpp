#include "tokenizers/chat_template/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include <utf8proc.h>

namespace hfcpp::tokenizers::chat_template {

void render_error(std::string message) {
  throw Error(ErrorCode::InvalidArgument, "[chat_template] " + message);
}

const Value* CallArgs::get(size_t index, std::string_view name) const {
  if (index < positional.size()) return &positional[index];
  for (const auto& [k, v] : keyword)
    if (k == name) return &v;
  return nullptr;
}

const Value* DictData::find(const Value& key) const {
  for (const auto& [k, v] : items)
    if (py_equal(k, key)) return &v;
  return nullptr;
}

const Value* DictData::find(std::string_view key) const {
  for (const auto& [k, v] : items)
    if (k.is_string() && k.as_string() == key) return &v;
  return nullptr;
}

const Value* NamespaceData::find(std::string_view key) const {
  for (const auto& [k, v] : attrs)
    if (k == key) return &v;
  return nullptr;
}

void NamespaceData::set(const std::string& key, Value v) {
  for (auto& [k, old] : attrs)
    if (k == key) {
      old = std::move(v);
      return;
    }
  attrs.emplace_back(key, std::move(v));
}

Value Value::undefined(std::string hint) {
  Value v;
  if (!hint.empty()) v.undef_ = std::make_shared<UndefinedInfo>(UndefinedInfo{std::move(hint)});
  return v;
}
Value Value::none() {
  Value v;
  v.type_ = Type::None;
  return v;
}
Value Value::boolean(bool b) {
  Value v;
  v.type_ = Type::Bool;
  v.b_ = b;
  return v;
}
Value Value::integer(int64_t i) {
  Value v;
  v.type_ = Type::Int;
  v.i_ = i;
  return v;
}
Value Value::number(double f) {
  Value v;
  v.type_ = Type::Float;
  v.f_ = f;
  return v;
}
Value Value::string(std::string s) {
  Value v;
  v.type_ = Type::String;
  v.s_ = std::make_shared<const std::string>(std::move(s));
  return v;
}
Value Value::list(ValueList items, bool is_tuple) {
  Value v;
  v.type_ = Type::List;
  v.list_ = std::make_shared<ListData>(ListData{std::move(items), is_tuple});
  return v;
}
Value Value::generator(ValueList items) {
  Value v = list(std::move(items));
  v.list_->flavor = SeqFlavor::Generator;
  return v;
}
Value Value::failed_generator(std::string error) {
  Value v = generator({});
  v.list_->deferred_error = std::move(error);
  return v;
}
Value Value::view(ValueList items, SeqFlavor flavor) {
  Value v = list(std::move(items));
  v.list_->flavor = flavor;
  return v;
}
Value Value::dict(std::vector<std::pair<Value, Value>> items) {
  Value v;
  v.type_ = Type::Dict;
  v.dict_ = std::make_shared<DictData>(DictData{std::move(items)});
  return v;
}
Value Value::function(std::shared_ptr<Function> fn) {
  Value v;
  v.type_ = Type::Function;
  v.fn_ = std::move(fn);
  return v;
}
Value Value::ns(std::shared_ptr<NamespaceData> data) {
  Value v;
  v.type_ = Type::Namespace;
  v.ns_ = std::move(data);
  return v;
}

Value Value::from_json(const core::OrderedJson& j) {
  switch (j.type()) {
    case core::OrderedJson::value_t::null: return none();
    case core::OrderedJson::value_t::boolean: return boolean(j.get<bool>());
    case core::OrderedJson::value_t::number_integer: return integer(j.get<int64_t>());
    case core::OrderedJson::value_t::number_unsigned: {
      uint64_t u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) return number(static_cast<double>(u));
      return integer(static_cast<int64_t>(u));
    }
    case core::OrderedJson::value_t::number_float: return number(j.get<double>());
    case core::OrderedJson::value_t::string: return string(j.get<std::string>());
    case core::OrderedJson::value_t::array: {
      ValueList items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_json(e));
      return list(std::move(items));
    }
    case core::OrderedJson::value_t::object: {
      std::vector<std::pair<Value, Value>> items;
      items.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) items.emplace_back(string(it.key()), from_json(it.value()));
      return dict(std::move(items));
    }
    default: return none();
  }
}

const std::string& Value::undefined_hint() const {
  static const std::string kEmpty = "value is undefined";
  return undef_ ? undef_->hint : kEmpty;
}

bool Value::truthy() const {
  switch (type_) {
    case Type::Undefined:
    case Type::None: return false;
    case Type::Bool: return b_;
    case Type::Int: return i_ != 0;
    case Type::Float: return f_ != 0.0;
    case Type::String: return !s_->empty();
    case Type::List: return list_->flavor == SeqFlavor::Generator || !list_->items.empty();
    case Type::Dict: return !dict_->items.empty();
    default: return true;
  }
}

const char* Value::type_name() const {
  switch (type_) {
    case Type::Undefined: return "Undefined";
    case Type::None: return "NoneType";
    case Type::Bool: return "bool";
    case Type::Int: return "int";
    case Type::Float: return "float";
    case Type::String: return "str";
    case Type::List:
      switch (list_->flavor) {
        case SeqFlavor::Generator: return "generator";
        case SeqFlavor::DictItems: return "dict_items";
        case SeqFlavor::DictKeys: return "dict_keys";
        case SeqFlavor::DictValues: return "dict_values";
        default: return list_->is_tuple ? "tuple" : "list";
      }
    case Type::Dict: return "dict";
    case Type::Function: return fn_->is_macro ? "Macro" : "function";
    case Type::Namespace: return ns_->is_loop ? "LoopContext" : "Namespace";
  }
  return "object";
}

bool py_equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_double() == b.as_double();
    return a.as_int() == b.as_int();
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Value::Type::Undefined:
    case Value::Type::None: return true;
    case Value::Type::String: return a.as_string() == b.as_string();
    case Value::Type::List: {
      if (a.is_generator() || b.is_generator()) return a.items().data() == b.items().data() && a.items().size() == b.items().size();
      if (a.flavor() != b.flavor()) return false;
      if (a.is_tuple() != b.is_tuple() || a.items().size() != b.items().size()) return false;
      for (size_t i = 0; i < a.items().size(); ++i)
        if (!py_equal(a.items()[i], b.items()[i])) return false;
      return true;
    }
    case Value::Type::Dict: {
      const auto& da = a.dict_data();
      const auto& db = b.dict_data();
      if (da.items.size() != db.items.size()) return false;
      for (const auto& [k, v] : da.items) {
        const Value* other = db.find(k);
        if (!other || !py_equal(v, *other)) return false;
      }
      return true;
    }
    case Value::Type::Function: return a.fn() == b.fn();
    case Value::Type::Namespace: return a.ns_data() == b.ns_data();
    default: return false;
  }
}

bool py_less(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_double() < b.as_double();
    return a.as_int() < b.as_int();
  }
  if (a.is_string() && b.is_string()) {
    // Python compares code points; UTF-8 byte order is the same order.
    return a.as_string() < b.as_string();
  }
  if (a.is_sequence_like() && b.is_sequence_like() && a.is_tuple() == b.is_tuple()) {
    const auto& x = a.items();
    const auto& y = b.items();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!py_equal(x[i], y[i])) return py_less(x[i], y[i]);
    }
    return x.size() < y.size();
  }
  if (a.is_undefined() || b.is_undefined()) render_error(a.is_undefined() ? a.undefined_hint() : b.undefined_hint());
  render_error(fmt::format("'<' not supported between instances of '{}' and '{}'", a.type_name(), b.type_name()));
}

std::u32string to_u32(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    utf8proc_int32_t c = 0;
    auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i),
                              static_cast<utf8proc_ssize_t>(s.size() - i), &c);
    if (n <= 0) {  // invalid byte: keep it as U+FFFD, one byte at a time
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    out.push_back(static_cast<char32_t>(c));
    i += static_cast<size_t>(n);
  }
  return out;
}

std::string from_u32(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) {
    utf8proc_uint8_t buf[4];
    auto n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(c), buf);
    out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
  }
  return out;
}

size_t py_len_chars(std::string_view s) {
  size_t n = 0;
  for (unsigned char b : s) n += (b & 0xC0) != 0x80;
  return n;
}

bool py_isspace(char32_t c) {
  if (c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F)) return true;
  if (c < 0x80) return false;
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

std::string py_float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  // sci: [-]d[.ddd]e[+-]XX -> digits and decimal exponent.
  bool neg = sci[0] == '-';
  size_t start = neg ? 1 : 0;
  size_t e = sci.find('e');
  std::string digits;
  for (size_t i = start; i < e; ++i)
    if (sci[i] != '.') digits.push_back(sci[i]);
  int exp10 = std::stoi(sci.substr(e + 1));
  int decpt = exp10 + 1;  // value = 0.digits * 10^decpt
  std::string out = neg ? "-" : "";
  if (decpt > 16 || decpt < -3) {  // Python's repr switches to exponent notation here
    out += digits[0];
    if (digits.size() > 1) out += "." + digits.substr(1);
    int x = decpt - 1;
    out += x < 0 ? "e-" : "e+";
    std::string xs = std::to_string(std::abs(x));
    if (xs.size() < 2) xs = "0" + xs;
    out += xs;
  } else if (decpt <= 0) {
    out += "0." + std::string(static_cast<size_t>(-decpt), '0') + digits;
  } else if (static_cast<size_t>(decpt) >= digits.size()) {
    out += digits + std::string(static_cast<size_t>(decpt) - digits.size(), '0') + ".0";
  } else {
    out += digits.substr(0, static_cast<size_t>(decpt)) + "." + digits.substr(static_cast<size_t>(decpt));
  }
  return out;
}

namespace {

bool py_isprintable(char32_t c) {
  if (c == ' ') return true;
  if (c < 0x20 || c == 0x7F) return false;
  if (c < 0x7F) return true;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CN:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_ZS: return false;
    default: return true;
  }
}

std::string repr_string(const std::string& s) {
  bool has_single = s.find('\'') != std::string::npos;
  bool has_double = s.find('"') != std::string::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char32_t c : to_u32(s)) {
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (!py_isprintable(c)) {
      if (c < 0x100) out += fmt::format("\\x{:02x}", static_cast<uint32_t>(c));
      else if (c < 0x10000) out += fmt::format("\\u{:04x}", static_cast<uint32_t>(c));
      else out += fmt::format("\\U{:08x}", static_cast<uint32_t>(c));
    } else {
      out += from_u32(std::u32string_view(&c, 1));
    }
  }
  out += quote;
  return out;
}

void json_string(std::string& out, const std::string& s, bool ensure_ascii) {
  out += '"';
  for (char32_t c : to_u32(s)) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || (ensure_ascii && c > 0x7E)) {
          if (c >= 0x10000) {
            char32_t v = c - 0x10000;
            out += fmt::format("\\u{:04x}\\u{:04x}", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
          } else {
            out += fmt::format("\\u{:04x}", static_cast<uint32_t>(c));
          }
        } else {
          out += from_u32(std::u32string_view(&c, 1));
        }
    }
  }
  out += '"';
}

void json_dump(std::string& out, const Value& v, const JsonDumpOptions& o, int level) {
  const bool indented = o.indent >= 0 || o.has_indent_str;
  const std::string item_sep = o.custom_separators ? o.item_sep : (indented ? "," : ", ");
  const std::string key_sep = o.custom_separators ? o.key_sep : ": ";
  auto newline = [&](int lvl) {
    out += '\n';
    for (int i = 0; i < lvl; ++i) out += o.has_indent_str ? o.indent_str : std::string(static_cast<size_t>(o.indent), ' ');
  };
  if (level > 200) render_error("tojson: nesting too deep (more than 200 levels)");
  switch (v.type()) {
    case Value::Type::None: out += "null"; return;
    case Value::Type::Bool: out += v.as_bool() ? "true" : "false"; return;
    case Value::Type::Int: out += std::to_string(v.as_int()); return;
    case Value::Type::Float: {
      double d = v.as_double();
      if (std::isnan(d)) out += "NaN";
      else if (std::isinf(d)) out += d > 0 ? "Infinity" : "-Infinity";
      else out += py_float_repr(d);
      return;
    }
    case Value::Type::String: json_string(out, v.as_string(), o.ensure_ascii); return;
    case Value::Type::List: {
      if (!v.is_sequence_like())
        render_error(fmt::format("tojson: Object of type {} is not JSON serializable", v.type_name()));
      if (v.items().empty()) {
        out += "[]";
        return;
      }
      out += '[';
      bool first = true;
      for (const auto& item : v.items()) {
        if (!first) out += item_sep;
        first = false;
        if (indented) newline(level + 1);
        json_dump(out, item, o, level + 1);
      }
      if (indented) newline(level);
      out += ']';
      return;
    }
    case Value::Type::Dict: {
      if (v.dict_data().items.empty()) {
        out += "{}";
        return;
      }
      std::vector<const std::pair<Value, Value>*> entries;
      for (const auto& kv : v.dict_data().items) entries.push_back(&kv);
      auto key_text = [](const Value& k) -> std::string {
        switch (k.type()) {
          case Value::Type::String: return k.as_string();
          case Value::Type::Bool: return k.as_bool() ? "true" : "false";
          case Value::Type::None: return "null";
          case Value::Type::Int: return std::to_string(k.as_int());
          case Value::Type::Float: return py_float_repr(k.as_double());
          default:
            render_error(fmt::format("tojson: keys must be str, int, float, bool or None, not {}", k.type_name()));
        }
      };
      if (o.sort_keys)
        std::stable_sort(entries.begin(), entries.end(),
                         [](const auto* a, const auto* b) { return py_less(a->first, b->first); });
      out += '{';
      bool first = true;
      for (const auto* kv : entries) {
        if (!first) out += item_sep;
        first = false;
        if (indented) newline(level + 1);
        json_string(out, key_text(kv->first), o.ensure_ascii);
        out += key_sep;
        json_dump(out, kv->second, o, level + 1);
      }
      if (indented) newline(level);
      out += '}';
      return;
    }
    default:
      render_error(fmt::format("tojson: Object of type {} is not JSON serializable", v.type_name()));
  }
}

}  // namespace

std::string py_json_dumps(const Value& v, const JsonDumpOptions& options) {
  std::string out;
  json_dump(out, v, options, 0);
  return out;
}

std::string py_repr(const Value& v) {
  switch (v.type()) {
    case Value::Type::Undefined: return "Undefined";
    case Value::Type::String: return repr_string(v.as_string());
    default: break;
  }
  if (v.is_generator()) return "<generator object>";
  if (v.is_list()) {
    const char* view = v.flavor() == SeqFlavor::DictItems ? "dict_items(" : v.flavor() == SeqFlavor::DictKeys ? "dict_keys(" : v.flavor() == SeqFlavor::DictValues ? "dict_values(" : "";
    std::string out = std::string(view) + (v.is_tuple() ? "(" : "[");
    bool first = true;
    for (const auto& item : v.items()) {
      if (!first) out += ", ";
      first = false;
      out += py_repr(item);
    }
    if (v.is_tuple() && v.items().size() == 1) out += ",";
    out += v.is_tuple() ? ")" : "]";
    if (*view) out += ")";
    return out;
  }
  if (v.is_dict()) {
    std::string out = "{";
    bool first = true;
    for (const auto& [k, val] : v.dict_data().items) {
      if (!first) out += ", ";
      first = false;
      out += py_repr(k) + ": " + py_repr(val);
    }
    return out + "}";
  }
  return py_str(v);
}

std::string py_str(const Value& v) {
  switch (v.type()) {
    case Value::Type::Undefined: return "";
    case Value::Type::None: return "None";
    case Value::Type::Bool: return v.as_bool() ? "True" : "False";
    case Value::Type::Int: return std::to_string(v.as_int());
    case Value::Type::Float: return py_float_repr(v.as_double());
    case Value::Type::String: return v.as_string();
    case Value::Type::List:
    case Value::Type::Dict: return py_repr(v);
    case Value::Type::Function:
      if (v.fn()->unsafe) return "";  // jinja2 prints the sandbox's unsafe-attribute Undefined as ''
      return v.fn()->is_macro ? "<Macro '" + v.fn()->name + "'>" : "<built-in function " + v.fn()->name + ">";
    case Value::Type::Namespace: {
      if (v.ns_data()->is_loop) return "<LoopContext>";
      std::string out = "<Namespace {";
      bool first = true;
      for (const auto& [k, val] : v.ns_data()->attrs) {
        if (!first) out += ", ";
        first = false;
        out += repr_string(k) + ": " + py_repr(val);
      }
      return out + "}>";
    }
  }
  return "";
}

}  // namespace hfcpp::tokenizers::chat_template
