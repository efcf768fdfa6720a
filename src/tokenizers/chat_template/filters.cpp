// jinja2's builtin filters (jinja2/filters.py, 3.1) as a chat template sees them, with
// transformers' tojson override: json.dumps(x, ensure_ascii=False, indent=None,
// separators=None, sort_keys=False) -- note its positional order (ensure_ascii first).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "tokenizers/chat_template/evaluator.h"
#include "tokenizers/chat_template/pystring.h"

namespace hfcpp::tokenizers::chat_template {
namespace {

using FilterFn = Value (*)(Evaluator&, const Value&, const CallArgs&);

bool flag(const CallArgs& a, size_t i, const char* name, bool dflt = false) {
  const Value* v = a.get(i, name);
  return v ? v->truthy() : dflt;
}

int64_t int_param(const CallArgs& a, size_t i, const char* name, int64_t dflt) {
  const Value* v = a.get(i, name);
  if (!v || v->is_none()) return dflt;
  if (!v->is_int() && !v->is_bool()) render_error(fmt::format("'{}' object cannot be interpreted as an integer", v->type_name()));
  return v->as_int();
}

int64_t py_len(const Value& v) {
  switch (v.type()) {
    case Value::Type::String: return static_cast<int64_t>(py_len_chars(v.as_string()));
    case Value::Type::List:
      if (v.is_generator()) render_error("object of type 'generator' has no len()");
      return static_cast<int64_t>(v.items().size());
    case Value::Type::Dict: return static_cast<int64_t>(v.dict_data().items.size());
    case Value::Type::Undefined: return 0;
    default: render_error(fmt::format("object of type '{}' has no len()", v.type_name()));
  }
}

// jinja2's make_attrgetter: "a.b.0" walks getitem per dotted part (integers as indices).
Value get_attribute(Evaluator& ev, const Value& item, const Value& attribute) {
  if (!attribute.is_string()) return ev.getitem(item, attribute);
  Value cur = item;
  for (const auto& part : pystr::split(attribute.as_string(), std::string("."), -1)) {
    bool digits = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    cur = ev.getitem(cur, digits ? Value::integer(std::stoll(part.substr(0, 18))) : Value::string(part));
  }
  return cur;
}

Value fold_case(const Value& v, bool case_sensitive) {
  return !case_sensitive && v.is_string() ? Value::string(pystr::lower(v.as_string())) : v;
}

ValueList sorted_items(Evaluator& ev, ValueList items, const std::function<Value(const Value&)>& key, bool reverse) {
  std::vector<std::pair<Value, Value>> keyed;
  for (auto& it : items) keyed.emplace_back(key(it), std::move(it));
  ev.tick(keyed.size());
  // Python's sort is stable and reverse=True keeps equal elements in their original order.
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    return reverse ? py_less(y.first, x.first) : py_less(x.first, y.first);
  });
  ValueList out;
  for (auto& [k, v] : keyed) out.push_back(std::move(v));
  return out;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::optional<double> parse_py_float(std::string s) {
  s = pystr::strip(s, std::nullopt, true, true);
  std::string clean;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_') {
      if (i == 0 || i + 1 == s.size() || !isdigit(static_cast<unsigned char>(s[i - 1])) ||
          !isdigit(static_cast<unsigned char>(s[i + 1])))
        return std::nullopt;
      continue;
    }
    clean += s[i];
  }
  if (clean.empty()) return std::nullopt;
  std::string low = pystr::lower(clean);
  size_t sign = low[0] == '+' || low[0] == '-' ? 1 : 0;
  std::string body = low.substr(sign);
  if (body == "inf" || body == "infinity" || body == "nan") {
    double d = body == "nan" ? NAN : INFINITY;
    return low[0] == '-' ? -d : d;
  }
  for (char c : body)
    if (!(isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == '+' || c == '-')) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(clean.c_str(), &end);
  if (end != clean.c_str() + clean.size()) return std::nullopt;
  return d;
}

std::optional<int64_t> parse_py_int(std::string s, int base) {
  s = pystr::strip(s, std::nullopt, true, true);
  std::string clean;
  for (char c : s)
    if (c != '_') clean += c;
  if (clean.empty() || s.find("__") != std::string::npos || s.back() == '_') return std::nullopt;
  size_t i = clean[0] == '+' || clean[0] == '-' ? 1 : 0;
  if (i >= clean.size()) return std::nullopt;
  if ((base == 16 || base == 0) && clean.compare(i, 2, "0x") == 0) base = 16, i += 2;
  else if ((base == 8 || base == 0) && clean.compare(i, 2, "0o") == 0) base = 8, i += 2;
  else if ((base == 2 || base == 0) && clean.compare(i, 2, "0b") == 0) base = 2, i += 2;
  if (base == 0) base = 10;
  if (i >= clean.size()) return std::nullopt;
  for (size_t k = i; k < clean.size(); ++k) {
    char c = static_cast<char>(clean[k] | 0x20);
    int d = isdigit(static_cast<unsigned char>(clean[k])) ? clean[k] - '0' : (c >= 'a' && c <= 'z') ? c - 'a' + 10 : 99;
    if (d >= base) return std::nullopt;
  }
  errno = 0;
  long long v = std::strtoll(clean.c_str() + i, nullptr, base);
  if (errno == ERANGE) render_error("integer overflow");
  return clean[0] == '-' ? -v : v;
}

Value select_impl(Evaluator& ev, const Value& v, const CallArgs& a, bool select, bool by_attr) {
  size_t first = by_attr ? 1 : 0;
  Value attribute = by_attr ? (a.positional.empty() ? Value() : a.positional[0]) : Value();
  if (by_attr && a.positional.empty()) render_error("selectattr/rejectattr need an attribute name");
  std::string test;
  CallArgs test_args;
  if (a.positional.size() > first) {
    test = py_str(a.positional[first]);
    test_args.positional.assign(a.positional.begin() + static_cast<long>(first) + 1, a.positional.end());
    test_args.keyword = a.keyword;
  }
  ValueList out;
  if (!v.truthy()) return Value::list({});  // jinja2: `if value: for item in value: ...`
  for (const auto& item : iterate(v)) {
    Value probe = by_attr ? get_attribute(ev, item, attribute) : item;
    bool ok = test.empty() ? probe.truthy() : ev.apply_test(test, probe, test_args);
    if (ok == select) out.push_back(item);
  }
  return Value::list(std::move(out));
}

Value min_max(Evaluator& ev, const Value& v, const CallArgs& a, bool want_max) {
  bool cs = flag(a, 0, "case_sensitive");
  const Value* attr = a.get(1, "attribute");
  ValueList items = iterate(v);
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  auto key = [&](const Value& x) { return fold_case(attr && !attr->is_none() ? get_attribute(ev, x, *attr) : x, cs); };
  Value best = items[0], best_key = key(items[0]);
  for (size_t i = 1; i < items.size(); ++i) {
    Value k = key(items[i]);
    if (want_max ? py_less(best_key, k) : py_less(k, best_key)) {
      best = items[i];
      best_key = k;
    }
  }
  return best;
}

Value tojson(Evaluator& ev, const Value& v, const CallArgs& a) {
  JsonDumpOptions o;
  o.ensure_ascii = flag(a, 0, "ensure_ascii");
  if (const Value* ind = a.get(1, "indent"); ind && !ind->is_none()) {
    if (ind->is_string()) {
      o.has_indent_str = true;
      o.indent_str = ind->as_string();
    } else if (ind->is_int() || ind->is_bool()) {
      o.indent = static_cast<int>(std::clamp<int64_t>(ind->as_int(), 0, 64));
    } else {
      render_error(fmt::format("tojson: indent must be an int or str, not {}", ind->type_name()));
    }
  }
  if (const Value* sep = a.get(2, "separators"); sep && !sep->is_none()) {
    ValueList parts = iterate(*sep);
    if (parts.size() != 2 || !parts[0].is_string() || !parts[1].is_string())
      render_error("tojson: separators must be a pair of strings");
    o.custom_separators = true;
    o.item_sep = parts[0].as_string();
    o.key_sep = parts[1].as_string();
  }
  o.sort_keys = flag(a, 3, "sort_keys");
  std::string s = py_json_dumps(v, o);
  ev.check_size(s.size());
  return Value::string(std::move(s));
}

Value round_filter(Evaluator&, const Value& v, const CallArgs& a) {
  int64_t precision = int_param(a, 0, "precision", 0);
  const Value* m = a.get(1, "method");
  std::string method = m ? py_str(*m) : "common";
  if (method != "common" && method != "ceil" && method != "floor")
    render_error("method must be 'common', 'ceil' or 'floor'");
  if (!v.is_number()) render_error(fmt::format("type {} doesn't define __round__ method", v.type_name()));
  if (method == "common" && !v.is_float()) return Value::integer(v.as_int());
  double x = v.as_double();
  if (std::isnan(x) || std::isinf(x)) return Value::number(x);
  double scale = std::pow(10.0, static_cast<double>(std::clamp<int64_t>(precision, -300, 300)));
  if (method == "ceil") return Value::number(std::ceil(x * scale) / scale);
  if (method == "floor") return Value::number(std::floor(x * scale) / scale);
  if (precision >= 0) {
    // Correctly rounded, ties-to-even on the exact binary value: what Python's round() does.
    std::string s = fmt::format("{:.{}f}", x, std::min<int64_t>(precision, 340));
    return Value::number(std::strtod(s.c_str(), nullptr));
  }
  double y = std::nearbyint(x / std::pow(10.0, static_cast<double>(-precision)));
  return Value::number(y * std::pow(10.0, static_cast<double>(-precision)));
}

Value indent_filter(Evaluator& ev, const Value& v, const CallArgs& a) {
  const Value* w = a.get(0, "width");
  std::string indention = w && w->is_string() ? w->as_string() : std::string(static_cast<size_t>(std::clamp<int64_t>(w ? w->as_int() : 4, 0, 1024)), ' ');
  bool first = flag(a, 1, "first"), blank = flag(a, 2, "blank");
  if (!v.is_string()) render_error(fmt::format("unsupported operand type(s) for +=: '{}' and 'str'", v.type_name()));
  std::string s = v.as_string() + "\n";  // jinja2 appends a newline so splitlines keeps a trailing empty line
  std::vector<std::string> lines = pystr::splitlines(s, false);
  std::string rv;
  if (blank) {
    for (size_t i = 0; i < lines.size(); ++i) rv += (i ? "\n" + indention : "") + lines[i];
  } else {
    rv = lines.empty() ? "" : lines[0];
    for (size_t i = 1; i < lines.size(); ++i) rv += "\n" + (lines[i].empty() ? "" : indention) + lines[i];
  }
  if (first) rv = indention + rv;
  ev.check_size(rv.size());
  return Value::string(std::move(rv));
}

Value title_filter(Evaluator&, const Value& v, const CallArgs&) {
  // "".join(item[0].upper() + item[1:].lower() for item in re.split(r"([-\s({\[<]+)", s) if item)
  std::u32string u = to_u32(py_str(v));
  auto is_sep = [](char32_t c) { return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || py_isspace(c); };
  std::string out;
  size_t i = 0;
  while (i < u.size()) {
    size_t j = i;
    bool sep = is_sep(u[i]);
    while (j < u.size() && is_sep(u[j]) == sep) ++j;
    std::u32string_view chunk(u.data() + i, j - i);
    out += pystr::upper(from_u32(chunk.substr(0, 1))) + pystr::lower(from_u32(chunk.substr(1)));
    i = j;
  }
  return Value::string(out);
}

Value map_filter(Evaluator& ev, const Value& v, const CallArgs& a) {
  ValueList out;
  if (!v.truthy()) return Value::list({});  // jinja2: `if value: for item in value: ...`
  if (a.positional.empty()) {
    const Value* attr = a.get(99, "attribute");
    if (!attr) render_error("map requires a filter name or attribute=");
    const Value* dflt = a.get(99, "default");
    for (const auto& item : iterate(v)) {
      Value r = get_attribute(ev, item, *attr);
      out.push_back(r.is_undefined() && dflt ? *dflt : r);
    }
  } else {
    std::string name = py_str(a.positional[0]);
    CallArgs rest;
    rest.positional.assign(a.positional.begin() + 1, a.positional.end());
    rest.keyword = a.keyword;
    for (const auto& item : iterate(v)) out.push_back(ev.apply_filter(name, item, rest));
  }
  return Value::list(std::move(out));
}

const std::map<std::string, FilterFn>& table() {
  static const std::map<std::string, FilterFn> t = {
      {"abs", [](Evaluator&, const Value& v, const CallArgs&) -> Value {
         if (!v.is_number()) render_error(fmt::format("bad operand type for abs(): '{}'", v.type_name()));
         if (v.is_float()) return Value::number(std::fabs(v.as_double()));
         if (v.as_int() == INT64_MIN) render_error("integer overflow");
         return Value::integer(std::llabs(v.as_int()));
       }},
      {"attr", [](Evaluator& ev, const Value& v, const CallArgs& a) { return ev.getattr(v, py_str(a.positional.empty() ? Value() : a.positional[0])); }},
      {"batch", [](Evaluator&, const Value& v, const CallArgs& a) -> Value {
         int64_t n = int_param(a, 0, "linecount", 1);
         if (n <= 0) render_error("batch size must be positive");
         const Value* fill = a.get(1, "fill_with");
         ValueList out, cur;
         for (const auto& item : iterate(v)) {
           cur.push_back(item);
           if (static_cast<int64_t>(cur.size()) == n) out.push_back(Value::list(std::move(cur))), cur.clear();
         }
         if (!cur.empty()) {
           if (fill && !fill->is_none()) while (static_cast<int64_t>(cur.size()) < n) cur.push_back(*fill);
           out.push_back(Value::list(std::move(cur)));
         }
         return Value::list(std::move(out));
       }},
      {"capitalize", [](Evaluator&, const Value& v, const CallArgs&) { return Value::string(pystr::capitalize(py_str(v))); }},
      {"center", [](Evaluator&, const Value& v, const CallArgs& a) { return Value::string(pystr::pad(py_str(v), int_param(a, 0, "width", 80), ' ', 0)); }},
      {"count", [](Evaluator&, const Value& v, const CallArgs&) { return Value::integer(py_len(v)); }},
      {"length", [](Evaluator&, const Value& v, const CallArgs&) { return Value::integer(py_len(v)); }},
      {"default", [](Evaluator&, const Value& v, const CallArgs& a) -> Value {
         const Value* d = a.get(0, "default_value");
         bool boolean = flag(a, 1, "boolean");
         if (v.is_undefined() || (boolean && !v.truthy())) return d ? *d : Value::string("");
         return v;
       }},
      {"dictsort", [](Evaluator& ev, const Value& v, const CallArgs& a) -> Value {
         if (!v.is_dict()) render_error("dictsort: expected a mapping");
         bool cs = flag(a, 0, "case_sensitive");
         const Value* by = a.get(1, "by");
         std::string by_s = by ? py_str(*by) : "key";
         if (by_s != "key" && by_s != "value") render_error("You can only sort by either \"key\" or \"value\"");
         size_t pos = by_s == "key" ? 0 : 1;
         ValueList items;
         for (const auto& [k, val] : v.dict_data().items) items.push_back(Value::list({k, val}, true));
         return Value::list(sorted_items(ev, std::move(items), [&](const Value& x) { return fold_case(x.items()[pos], cs); },
                                         flag(a, 2, "reverse")));
       }},
      {"escape", [](Evaluator&, const Value& v, const CallArgs&) { return Value::string(html_escape(py_str(v))); }},
      {"first", [](Evaluator&, const Value& v, const CallArgs&) -> Value {
         ValueList items = iterate(v);
         return items.empty() ? Value::undefined("No first item, sequence was empty.") : items.front();
       }},
      {"last", [](Evaluator&, const Value& v, const CallArgs&) -> Value {
         if (v.is_generator()) render_error("'generator' object is not reversible");
         ValueList items = iterate(v);
         return items.empty() ? Value::undefined("No last item, sequence was empty.") : items.back();
       }},
      {"float", [](Evaluator&, const Value& v, const CallArgs& a) -> Value {
         const Value* d = a.get(0, "default");
         Value dflt = d ? *d : Value::number(0.0);
         if (v.is_number()) return Value::number(v.as_double());
         if (v.is_string()) {
           auto f = parse_py_float(v.as_string());
           return f ? Value::number(*f) : dflt;
         }
         if (v.is_undefined()) render_error(v.undefined_hint());
         return dflt;
       }},
      {"int", [](Evaluator&, const Value& v, const CallArgs& a) -> Value {
         const Value* d = a.get(0, "default");
         Value dflt = d ? *d : Value::integer(0);
         int base = static_cast<int>(int_param(a, 1, "base", 10));
         if (v.is_int() || v.is_bool()) return Value::integer(v.as_int());
         if (v.is_float()) {
           double x = v.as_double();
           if (std::isnan(x) || std::isinf(x) || std::fabs(x) >= 9.2e18) return dflt;
           return Value::integer(static_cast<int64_t>(x));
         }
         if (v.is_string()) {
           if (auto i = parse_py_int(v.as_string(), base)) return Value::integer(*i);
           auto f = parse_py_float(v.as_string());
           if (f && !std::isnan(*f) && !std::isinf(*f) && std::fabs(*f) < 9.2e18) return Value::integer(static_cast<int64_t>(*f));
           return dflt;
         }
         if (v.is_undefined()) render_error(v.undefined_hint());
         return dflt;
       }},
      {"format", [](Evaluator&, const Value& v, const CallArgs& a) -> Value {
         if (!a.positional.empty() && !a.keyword.empty())
           render_error("can't handle positional and keyword arguments at the same time");
         if (!a.keyword.empty()) {
           std::vector<std::pair<Value, Value>> kw;
           for (const auto& [k, val] : a.keyword) kw.emplace_back(Value::string(k), val);
           return Value::string(pystr::percent_format(py_str(v), Value::dict(std::move(kw))));
         }
         return Value::string(pystr::percent_format(py_str(v), Value::list(a.positional, true)));
       }},
      {"indent", indent_filter},
      {"items", [](Evaluator&, const Value& v, const CallArgs&) -> Value {
         if (v.is_undefined()) return Value::list({});
         if (!v.is_dict()) render_error("Can only get item pairs from a mapping.");
         ValueList out;
         for (const auto& [k, val] : v.dict_data().items) out.push_back(Value::list({k, val}, true));
         return Value::list(std::move(out));
       }},
      {"join", [](Evaluator& ev, const Value& v, const CallArgs& a) -> Value {
         const Value* d = a.get(0, "d");
         const Value* attr = a.get(1, "attribute");
         std::string sep = d ? py_str(*d) : "", out;
         bool first = true;
         for (const auto& item : iterate(v)) {
           if (!first) out += sep;
           first = false;
           out += py_str(attr && !attr->is_none() ? get_attribute(ev, item, *attr) : item);
           ev.check_size(out.size());
         }
         return Value::string(std::move(out));
       }},
      {"list", [](Evaluator&, const Value& v, const CallArgs&) { return Value::list(iterate(v)); }},
      {"lower", [](Evaluator&, const Value& v, const CallArgs&) { return Value::string(pystr::lower(py_str(v))); }},
      {"upper", [](Evaluator&, const Value& v, const CallArgs&) { return Value::string(pystr::upper(py_str(v))); }},
      {"map", map_filter},
      {"max", [](Evaluator& ev, const Value& v, const CallArgs& a) { return min_max(ev, v, a, true); }},
      {"min", [](Evaluator& ev, const Value& v, const CallArgs& a) { return min_max(ev, v, a, false); }},
      {"pprint", [](Evaluator&, const Value& v, const CallArgs&) { return Value::string(py_repr(v)); }},
      {"reject", [](Evaluator& ev, const Value& v, const CallArgs& a) { return select_impl(ev, v, a, false, false); }},
      {"rejectattr", [](Evaluator& ev, const Value& v, const CallArgs& a) { return select_impl(ev, v, a, false, true); }},
      {"select", [](Evaluator& ev, const Value& v, const CallArgs& a) { return select_impl(ev, v, a, true, false); }},
      {"selectattr", [](Evaluator& ev, const Value& v, const CallArgs& a) { return select_impl(ev, v, a, true, true); }},
      {"replace", [](Evaluator& ev, const Value& v, const CallArgs& a) -> Value {
         const Value* old = a.get(0, "old");
         const Value* repl = a.get(1, "new");
         if (!old || !repl) render_error("replace() needs old and new");
         std::string r = pystr::replace(py_str(v), py_str(*old), py_str(*repl), int_param(a, 2, "count", -1));
         ev.check_size(r.size());
         return Value::string(std::move(r));
       }},
      {"reverse", [](Evaluator&, const Value& v, const CallArgs&) -> Value {
         if (v.is_string()) {
           std::u32string u = to_u32(v.as_string());
           std::reverse(u.begin(), u.end());
           return Value::string(from_u32(u));
         }
         ValueList items = iterate(v);
         std::reverse(items.begin(), items.end());
         return Value::list(std::move(items));
       }},
      {"round", round_filter},
      {"safe", [](Evaluator&, const Value& v, const CallArgs&) { return v; }},
      {"sort", [](Evaluator& ev, const Value& v, const CallArgs& a) -> Value {
         bool reverse = flag(a, 0, "reverse"), cs = flag(a, 1, "case_sensitive");
         const Value* attr = a.get(2, "attribute");
         return Value::list(sorted_items(ev, iterate(v), [&](const Value& x) {
           return fold_case(attr && !attr->is_none() ? get_attribute(ev, x, *attr) : x, cs);
         }, reverse));
       }},
      {"string", [](Evaluator&, const Value& v, const CallArgs&) { return Value::string(py_str(v)); }},
      {"sum", [](Evaluator& ev, const Value& v, const CallArgs& a) -> Value {
         const Value* attr = a.get(0, "attribute");
         const Value* start = a.get(1, "start");
         Value total = start ? *start : Value::integer(0);
         for (const auto& item : iterate(v))
           total = binary_op(ev, "+", total, attr && !attr->is_none() ? get_attribute(ev, item, *attr) : item);
         return total;
       }},
      {"title", title_filter},
      {"tojson", tojson},
      {"trim", [](Evaluator&, const Value& v, const CallArgs& a) -> Value {
         const Value* chars = a.get(0, "chars");
         return Value::string(pystr::strip(py_str(v), chars && !chars->is_none() ? std::optional<std::string>(py_str(*chars)) : std::nullopt, true, true));
       }},
      {"unique", [](Evaluator& ev, const Value& v, const CallArgs& a) -> Value {
         bool cs = flag(a, 0, "case_sensitive");
         const Value* attr = a.get(1, "attribute");
         ValueList out, seen;
         for (const auto& item : iterate(v)) {
           Value key = fold_case(attr && !attr->is_none() ? get_attribute(ev, item, *attr) : item, cs);
           bool dup = false;
           for (const auto& s : seen) dup = dup || py_equal(s, key);
           ev.tick(seen.size());
           if (dup) continue;
           seen.push_back(key);
           out.push_back(item);
         }
         return Value::list(std::move(out));
       }},
      {"wordcount", [](Evaluator&, const Value& v, const CallArgs&) -> Value {
         int64_t n = 0;
         bool in_word = false;
         for (char32_t c : to_u32(py_str(v))) {
           bool w = pystr::is_alnum(c) || c == '_';
           if (w && !in_word) ++n;
           in_word = w;
         }
         return Value::integer(n);
       }},
  };
  return t;
}

const std::map<std::string, std::string>& aliases() {
  static const std::map<std::string, std::string> a = {{"d", "default"}, {"e", "escape"}, {"forceescape", "escape"}};
  return a;
}

}  // namespace

bool has_filter(const std::string& name) { return table().count(name) || aliases().count(name); }
bool is_known_filter(const std::string& name) { return has_filter(name); }

Value call_filter(Evaluator& ev, const std::string& name, const Value& v, const CallArgs& args) {
  auto al = aliases().find(name);
  const std::string& real = al == aliases().end() ? name : al->second;
  auto it = table().find(real);
  if (it == table().end()) render_error(fmt::format("No filter named '{}'.", name));
  // jinja2 implements these as generator functions: the result has no len(), prints as a
  // generator, and errors in the body surface only when it is iterated.
  static const std::set<std::string> kGenerators = {"map", "select", "reject", "selectattr", "rejectattr",
                                                    "items", "batch", "unique"};
  if (kGenerators.count(real)) {
    try {
      Value r = it->second(ev, v, args);
      return Value::generator(r.items());
    } catch (const Error& e) {
      if (e.code() != ErrorCode::InvalidArgument) throw;
      const std::string prefix = "[chat_template] ";
      const std::string& m = e.message();
      return Value::failed_generator(m.rfind(prefix, 0) == 0 ? m.substr(prefix.size()) : m);
    }
  }
  if (real == "reverse" && !v.is_string()) {
    Value r = it->second(ev, v, args);
    return v.is_generator() ? Value::list(r.items()) : Value::generator(r.items());
  }
  return it->second(ev, v, args);
}

}  // namespace hfcpp::tokenizers::chat_template
