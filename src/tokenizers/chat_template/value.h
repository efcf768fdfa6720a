// The value model of the chat-template engine: Python's objects as jinja2 sees them inside
// transformers' sandbox (undefined, None, bool, int, float, str, list/tuple, dict, callables,
// namespace). Lists and dicts are shared and immutable (ImmutableSandboxedEnvironment); only
// namespaces are mutable, through `{% set ns.attr = ... %}`.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"

namespace hfcpp::tokenizers::chat_template {

class Value;
class Evaluator;

using ValueList = std::vector<Value>;

struct CallArgs {
  ValueList positional;
  std::vector<std::pair<std::string, Value>> keyword;

  // Python-style binding: positional index or keyword name; nullptr when absent.
  const Value* get(size_t index, std::string_view name) const;
};

struct Function {
  std::string name;
  std::function<Value(Evaluator&, const CallArgs&)> call;
  bool is_macro = false;
  bool unsafe = false;  // a mutating list/dict method: calling it is a SecurityError
};

// Python objects that template code sees as sequences but that are not lists: filters such as
// map/select return generators (no len(), not reversible, print as <generator object>), and
// dict.items()/keys()/values() return views (printed as dict_items([...]), not subscriptable).
enum class SeqFlavor : uint8_t { Plain, Generator, DictItems, DictKeys, DictValues };

struct ListData {
  ValueList items;
  bool is_tuple = false;
  SeqFlavor flavor = SeqFlavor::Plain;
  std::string deferred_error;  // a generator whose body failed: raised when it is iterated
};

struct DictData {
  std::vector<std::pair<Value, Value>> items;  // insertion order, as Python dicts keep it
  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
};

struct NamespaceData {
  std::vector<std::pair<std::string, Value>> attrs;
  bool is_loop = false;  // the `loop` object: read-only attributes
  const Value* find(std::string_view key) const;
  void set(const std::string& key, Value v);
};

struct UndefinedInfo {
  std::string hint;  // jinja2's message: "'x' is undefined" or "'dict object' has no attribute 'y'"
};

class Value {
 public:
  enum class Type : uint8_t { Undefined, None, Bool, Int, Float, String, List, Dict, Function, Namespace };

  Value() = default;
  static Value undefined(std::string hint = {});
  static Value none();
  static Value boolean(bool b);
  static Value integer(int64_t i);
  static Value number(double f);
  static Value string(std::string s);
  static Value list(ValueList items, bool is_tuple = false);
  static Value generator(ValueList items);
  static Value view(ValueList items, SeqFlavor flavor);
  static Value dict(std::vector<std::pair<Value, Value>> items);
  static Value function(std::shared_ptr<Function> fn);
  static Value ns(std::shared_ptr<NamespaceData> data);
  // JSON input (messages, tools, kwargs); objects keep their key order.
  static Value from_json(const core::OrderedJson& j);

  Type type() const { return type_; }
  bool is_undefined() const { return type_ == Type::Undefined; }
  bool is_none() const { return type_ == Type::None; }
  bool is_bool() const { return type_ == Type::Bool; }
  bool is_int() const { return type_ == Type::Int; }
  bool is_float() const { return type_ == Type::Float; }
  bool is_number() const { return type_ == Type::Int || type_ == Type::Float || type_ == Type::Bool; }
  bool is_string() const { return type_ == Type::String; }
  bool is_list() const { return type_ == Type::List; }
  SeqFlavor flavor() const { return type_ == Type::List ? list_->flavor : SeqFlavor::Plain; }
  bool is_generator() const { return flavor() == SeqFlavor::Generator; }
  const std::string& deferred_error() const { return list_->deferred_error; }
  static Value failed_generator(std::string error);
  // A real list or tuple (subscriptable, has len()).
  bool is_sequence_like() const { return type_ == Type::List && list_->flavor == SeqFlavor::Plain; }
  bool is_tuple() const { return type_ == Type::List && list_->is_tuple; }
  bool is_dict() const { return type_ == Type::Dict; }
  bool is_function() const { return type_ == Type::Function; }
  bool is_namespace() const { return type_ == Type::Namespace; }

  bool as_bool() const { return b_; }
  int64_t as_int() const { return type_ == Type::Bool ? (b_ ? 1 : 0) : i_; }
  double as_double() const { return type_ == Type::Float ? f_ : static_cast<double>(as_int()); }
  const std::string& as_string() const { return *s_; }
  const ValueList& items() const { return list_->items; }
  const DictData& dict_data() const { return *dict_; }
  const std::shared_ptr<Function>& fn() const { return fn_; }
  const std::shared_ptr<NamespaceData>& ns_data() const { return ns_; }
  const std::string& undefined_hint() const;

  // Python truthiness.
  bool truthy() const;
  // Python type name for messages ("str", "list", "NoneType").
  const char* type_name() const;

 private:
  Type type_ = Type::Undefined;
  bool b_ = false;
  int64_t i_ = 0;
  double f_ = 0;
  std::shared_ptr<const std::string> s_;
  std::shared_ptr<ListData> list_;
  std::shared_ptr<DictData> dict_;
  std::shared_ptr<Function> fn_;
  std::shared_ptr<NamespaceData> ns_;
  std::shared_ptr<UndefinedInfo> undef_;
};

// Python semantics used throughout the engine.
bool py_equal(const Value& a, const Value& b);
// a < b, throwing TypeError-like errors on unorderable types ("'<' not supported between ...").
bool py_less(const Value& a, const Value& b);
std::string py_str(const Value& v);   // str(v): what {{ v }} prints
std::string py_repr(const Value& v);  // repr(v)
std::string py_float_repr(double d);
// json.dumps(v, ensure_ascii=False, indent=..., separators=..., sort_keys=...) as transformers'
// tojson filter calls it. indent < 0 means None; indent_str overrides when non-empty.
struct JsonDumpOptions {
  int indent = -1;
  std::string indent_str;
  bool has_indent_str = false;
  std::string item_sep;
  std::string key_sep;
  bool custom_separators = false;
  bool sort_keys = false;
  bool ensure_ascii = false;
};
std::string py_json_dumps(const Value& v, const JsonDumpOptions& options);

// Unicode helpers (Python's str semantics: code points, not bytes).
std::u32string to_u32(std::string_view s);
std::string from_u32(std::u32string_view s);
bool py_isspace(char32_t c);
size_t py_len_chars(std::string_view s);

// Errors raised while rendering: "[chat_template] ..." with ErrorCode::InvalidArgument.
[[noreturn]] void render_error(std::string message);

}  // namespace hfcpp::tokenizers::chat_template
