// Python methods reachable from templates (str, dict, list), the sandbox's refusal of mutating
// ones, and the template globals: jinja2's defaults (range, dict, namespace, joiner, cycler)
// plus transformers' raise_exception and strftime_now.
#include <ctime>
#include <unordered_set>

#include "tokenizers/chat_template/evaluator.h"
#include "tokenizers/chat_template/pystring.h"

namespace hfcpp::tokenizers::chat_template {
namespace {

std::optional<std::string> opt_string(const Value* v, const char* what) {
  if (!v || v->is_none()) return std::nullopt;
  if (!v->is_string()) render_error(fmt::format("{} arg must be None or str, not {}", what, v->type_name()));
  return v->as_string();
}

int64_t int_arg(const Value* v, int64_t dflt) {
  if (!v || v->is_none()) return dflt;
  if (!v->is_int() && !v->is_bool()) render_error(fmt::format("'{}' object cannot be interpreted as an integer", v->type_name()));
  return v->as_int();
}

const std::string& str_arg(const Value* v, const char* method) {
  if (!v) render_error(fmt::format("{}() missing a required argument", method));
  if (!v->is_string()) render_error(fmt::format("{}() argument must be str, not {}", method, v->type_name()));
  return v->as_string();
}

Value string_list(const std::vector<std::string>& parts) {
  ValueList out;
  for (const auto& p : parts) out.push_back(Value::string(p));
  return Value::list(std::move(out));
}

bool affix_match(const std::string& s, const Value* what, const CallArgs& a, bool suffix, const char* method) {
  if (!what) render_error(fmt::format("{}() takes at least 1 argument (0 given)", method));
  std::u32string u = to_u32(s);
  int64_t n = static_cast<int64_t>(u.size());
  auto adj = [n](int64_t x) { return x < 0 ? std::max<int64_t>(0, x + n) : std::min(x, n); };
  int64_t b = adj(int_arg(a.get(1, "start"), 0)), e = adj(int_arg(a.get(2, "end"), n));
  std::u32string window = b <= e ? u.substr(static_cast<size_t>(b), static_cast<size_t>(e - b)) : std::u32string();
  auto one = [&](const Value& p) {
    if (!p.is_string())
      render_error(fmt::format("{} first arg must be str or a tuple of str, not {}", method, p.type_name()));
    std::u32string x = to_u32(p.as_string());
    if (x.size() > window.size()) return false;
    return suffix ? window.compare(window.size() - x.size(), x.size(), x) == 0 : window.compare(0, x.size(), x) == 0;
  };
  if (what->is_tuple()) {
    for (const auto& p : what->items())
      if (one(p)) return true;
    return false;
  }
  return one(*what);
}

Value string_method(const std::string& s, const std::string& name, Evaluator& ev, const CallArgs& a) {
  using namespace pystr;
  if (name == "strip" || name == "lstrip" || name == "rstrip")
    return Value::string(strip(s, opt_string(a.get(0, "chars"), name.c_str()), name != "rstrip", name != "lstrip"));
  if (name == "split" || name == "rsplit")
    return string_list(split(s, opt_string(a.get(0, "sep"), "sep"), int_arg(a.get(1, "maxsplit"), -1), name == "rsplit"));
  if (name == "splitlines") return string_list(splitlines(s, a.get(0, "keepends") && a.get(0, "keepends")->truthy()));
  if (name == "startswith" || name == "endswith")
    return Value::boolean(affix_match(s, a.get(0, "prefix"), a, name == "endswith", name.c_str()));
  if (name == "upper") return Value::string(upper(s));
  if (name == "lower" || name == "casefold") return Value::string(lower(s));
  if (name == "title") return Value::string(title(s));
  if (name == "capitalize") return Value::string(capitalize(s));
  if (name == "swapcase") return Value::string(swapcase(s));
  if (name == "replace") {
    std::string r = replace(s, str_arg(a.get(0, "old"), "replace"), str_arg(a.get(1, "new"), "replace"),
                            int_arg(a.get(2, "count"), -1));
    ev.check_size(r.size());
    return Value::string(std::move(r));
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex") {
    const Value* st = a.get(1, "start");
    const Value* en = a.get(2, "end");
    int64_t r = find(s, str_arg(a.get(0, "sub"), name.c_str()), name[0] == 'r',
                     st && !st->is_none() ? std::optional<int64_t>(int_arg(st, 0)) : std::nullopt,
                     en && !en->is_none() ? std::optional<int64_t>(int_arg(en, 0)) : std::nullopt);
    if (r < 0 && name.find("index") != std::string::npos) render_error("substring not found");
    return Value::integer(r);
  }
  if (name == "count") return Value::integer(count(s, str_arg(a.get(0, "sub"), "count")));
  if (name == "join") {
    std::string out;
    bool first = true;
    for (const auto& item : iterate(a.positional.empty() ? Value() : a.positional[0])) {
      if (!item.is_string()) render_error(fmt::format("sequence item: expected str instance, {} found", item.type_name()));
      if (!first) out += s;
      first = false;
      out += item.as_string();
      ev.check_size(out.size());
    }
    return Value::string(std::move(out));
  }
  if (name == "format") return Value::string(brace_format(s, a));
  if (name == "isdigit" || name == "isdecimal" || name == "isnumeric") return Value::boolean(is_all(s, is_digit));
  if (name == "isalpha") return Value::boolean(is_all(s, is_alpha));
  if (name == "isalnum") return Value::boolean(is_all(s, is_alnum));
  if (name == "isspace") return Value::boolean(is_all(s, py_isspace));
  if (name == "isupper") return Value::boolean(is_upper_str(s));
  if (name == "islower") return Value::boolean(is_lower_str(s));
  if (name == "center" || name == "ljust" || name == "rjust") {
    const Value* fill = a.get(1, "fillchar");
    std::u32string f = fill && fill->is_string() ? to_u32(fill->as_string()) : U" ";
    if (f.size() != 1) render_error("The fill character must be exactly one character long");
    return Value::string(pad(s, int_arg(a.get(0, "width"), 0), f[0], name == "center" ? 0 : name == "ljust" ? -1 : 1));
  }
  if (name == "zfill") {
    int64_t width = int_arg(a.get(0, "width"), 0);
    int64_t len = static_cast<int64_t>(py_len_chars(s));
    if (width <= len) return Value::string(s);
    size_t sign = !s.empty() && (s[0] == '+' || s[0] == '-') ? 1 : 0;
    return Value::string(s.substr(0, sign) + std::string(static_cast<size_t>(std::min<int64_t>(width - len, 1 << 24)), '0') + s.substr(sign));
  }
  if (name == "partition" || name == "rpartition") {
    const std::string& sep = str_arg(a.get(0, "sep"), name.c_str());
    if (sep.empty()) render_error("empty separator");
    size_t f = name == "partition" ? s.find(sep) : s.rfind(sep);
    if (f == std::string::npos)
      return name == "partition" ? Value::list({Value::string(s), Value::string(""), Value::string("")}, true)
                                 : Value::list({Value::string(""), Value::string(""), Value::string(s)}, true);
    return Value::list({Value::string(s.substr(0, f)), Value::string(sep), Value::string(s.substr(f + sep.size()))}, true);
  }
  if (name == "removeprefix" || name == "removesuffix") {
    const std::string& x = str_arg(a.get(0, "affix"), name.c_str());
    if (name == "removeprefix") return Value::string(s.rfind(x, 0) == 0 ? s.substr(x.size()) : s);
    bool ends = s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
    return Value::string(ends && !x.empty() ? s.substr(0, s.size() - x.size()) : s);
  }
  render_error(fmt::format("str.{} is not supported", name));
}

const std::unordered_set<std::string> kStringMethods = {
    "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith", "upper", "lower",
    "casefold", "title", "capitalize", "swapcase", "replace", "find", "rfind", "index", "rindex", "count",
    "join", "format", "isdigit", "isdecimal", "isnumeric", "isalpha", "isalnum", "isspace", "isupper",
    "islower", "center", "ljust", "rjust", "zfill", "partition", "rpartition", "removeprefix", "removesuffix"};
const std::unordered_set<std::string> kDictMethods = {"get", "items", "keys", "values", "copy"};
const std::unordered_set<std::string> kDictUnsafe = {"clear", "pop", "popitem", "setdefault", "update"};
const std::unordered_set<std::string> kListMethods = {"index", "count", "copy"};
const std::unordered_set<std::string> kListUnsafe = {"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse"};

Value bound(const std::string& name, std::function<Value(Evaluator&, const CallArgs&)> fn, bool unsafe = false) {
  auto f = std::make_shared<Function>();
  f->name = name;
  f->call = std::move(fn);
  f->unsafe = unsafe;
  return Value::function(std::move(f));
}

}  // namespace

ValueList iterate(const Value& v) {
  switch (v.type()) {
    case Value::Type::List:
      if (v.is_generator() && !v.deferred_error().empty()) render_error(v.deferred_error());
      return v.items();
    case Value::Type::Undefined: return {};
    case Value::Type::String: {
      ValueList out;
      for (char32_t c : to_u32(v.as_string())) out.push_back(Value::string(from_u32(std::u32string(1, c))));
      return out;
    }
    case Value::Type::Dict: {
      ValueList out;
      for (const auto& [k, val] : v.dict_data().items) out.push_back(k);
      return out;
    }
    default: render_error(fmt::format("'{}' object is not iterable", v.type_name()));
  }
}

Value get_method(const Value& obj, const std::string& name) {
  if (obj.is_string() && kStringMethods.count(name)) {
    std::string s = obj.as_string();
    return bound(name, [s, name](Evaluator& ev, const CallArgs& a) { return string_method(s, name, ev, a); });
  }
  if (obj.is_dict()) {
    if (kDictUnsafe.count(name)) return bound("dict." + name, nullptr, true);
    if (!kDictMethods.count(name)) return Value();
    return bound(name, [obj, name](Evaluator&, const CallArgs& a) -> Value {
      const auto& items = obj.dict_data().items;
      if (name == "get") {
        const Value* key = a.get(0, "key");
        if (!key) render_error("get expected at least 1 argument, got 0");
        if (const Value* v = obj.dict_data().find(*key)) return *v;
        const Value* d = a.get(1, "default");
        return d ? *d : Value::none();
      }
      if (name == "copy") return Value::dict(items);
      ValueList out;
      for (const auto& [k, v] : items) {
        if (name == "items") out.push_back(Value::list({k, v}, true));
        else out.push_back(name == "keys" ? k : v);
      }
      return Value::view(std::move(out), name == "items" ? SeqFlavor::DictItems
                                         : name == "keys" ? SeqFlavor::DictKeys : SeqFlavor::DictValues);
    });
  }
  if (obj.is_sequence_like()) {
    const char* type = obj.is_tuple() ? "tuple" : "list";
    if (kListUnsafe.count(name) && !obj.is_tuple()) return bound(std::string(type) + "." + name, nullptr, true);
    if (!kListMethods.count(name) || (obj.is_tuple() && name == "copy")) return Value();
    return bound(name, [obj, name](Evaluator&, const CallArgs& a) -> Value {
      if (name == "copy") return Value::list(obj.items());
      const Value* x = a.get(0, "value");
      if (!x) render_error(fmt::format("{}() takes exactly one argument (0 given)", name));
      int64_t n = 0;
      for (size_t i = 0; i < obj.items().size(); ++i) {
        if (!py_equal(obj.items()[i], *x)) continue;
        if (name == "index") return Value::integer(static_cast<int64_t>(i));
        ++n;
      }
      if (name == "index") render_error(fmt::format("{} is not in list", py_repr(*x)));
      return Value::integer(n);
    });
  }
  return Value();
}

void add_globals(Scope& globals) {
  globals.set("range", bound("range", [](Evaluator& ev, const CallArgs& a) -> Value {
    if (a.positional.empty() || a.positional.size() > 3) render_error("range expected 1 to 3 arguments");
    for (const auto& v : a.positional)
      if (!v.is_int() && !v.is_bool())
        render_error(fmt::format("'{}' object cannot be interpreted as an integer", v.type_name()));
    int64_t start = 0, stop, step = 1;
    if (a.positional.size() == 1) {
      stop = a.positional[0].as_int();
    } else {
      start = a.positional[0].as_int();
      stop = a.positional[1].as_int();
      if (a.positional.size() == 3) step = a.positional[2].as_int();
    }
    if (step == 0) render_error("range() arg 3 must not be zero");
    ValueList out;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      if (out.size() >= 100000)  // jinja2.sandbox.MAX_RANGE
        render_error("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
      out.push_back(Value::integer(i));
      if ((step > 0 && i > INT64_MAX - step) || (step < 0 && i < INT64_MIN - step)) break;
    }
    ev.tick(out.size());
    return Value::list(std::move(out));
  }));
  globals.set("dict", bound("dict", [](Evaluator&, const CallArgs& a) -> Value {
    std::vector<std::pair<Value, Value>> items;
    auto put = [&](Value k, Value v) {
      for (auto& [ek, ev] : items)
        if (py_equal(ek, k)) {
          ev = std::move(v);
          return;
        }
      items.emplace_back(std::move(k), std::move(v));
    };
    if (!a.positional.empty()) {
      const Value& src = a.positional[0];
      if (src.is_dict()) {
        for (const auto& [k, v] : src.dict_data().items) put(k, v);
      } else {
        for (const auto& pair : iterate(src)) {
          ValueList kv = iterate(pair);
          if (kv.size() != 2) render_error("dictionary update sequence element has wrong length; 2 is required");
          put(kv[0], kv[1]);
        }
      }
    }
    for (const auto& [k, v] : a.keyword) put(Value::string(k), v);
    return Value::dict(std::move(items));
  }));
  globals.set("namespace", bound("namespace", [](Evaluator&, const CallArgs& a) -> Value {
    auto ns = std::make_shared<NamespaceData>();
    if (!a.positional.empty()) {
      if (!a.positional[0].is_dict()) render_error("namespace() positional argument must be a mapping");
      for (const auto& [k, v] : a.positional[0].dict_data().items) ns->set(py_str(k), v);
    }
    for (const auto& [k, v] : a.keyword) ns->set(k, v);
    return Value::ns(ns);
  }));
  globals.set("joiner", bound("joiner", [](Evaluator&, const CallArgs& a) -> Value {
    const Value* sep = a.get(0, "sep");
    std::string s = sep ? py_str(*sep) : ", ";
    auto used = std::make_shared<bool>(false);
    return bound("joiner", [s, used](Evaluator&, const CallArgs&) -> Value {
      if (!*used) {
        *used = true;
        return Value::string("");
      }
      return Value::string(s);
    });
  }));
  globals.set("raise_exception", bound("raise_exception", [](Evaluator&, const CallArgs& a) -> Value {
    const Value* msg = a.get(0, "message");
    throw Error(ErrorCode::InvalidArgument, "[chat_template] raise_exception: " + (msg ? py_str(*msg) : std::string()));
  }));
  globals.set("strftime_now", bound("strftime_now", [](Evaluator& ev, const CallArgs& a) -> Value {
    const Value* f = a.get(0, "format");
    if (!f || !f->is_string()) render_error("strftime_now() argument must be str");
    std::time_t t = ev.now_unix_seconds() ? static_cast<std::time_t>(*ev.now_unix_seconds()) : std::time(nullptr);
    std::tm tm{};
    if (ev.now_unix_seconds()) gmtime_r(&t, &tm);
    else localtime_r(&t, &tm);
    if (f->as_string().empty()) return Value::string("");
    std::string buf(256 + f->as_string().size() * 8, '\0');
    size_t n = std::strftime(buf.data(), buf.size(), f->as_string().c_str(), &tm);
    buf.resize(n);
    return Value::string(std::move(buf));
  }));
}

}  // namespace hfcpp::tokenizers::chat_template
