// jinja2's builtin tests (`x is defined`, `x is divisibleby 3`, ...), jinja2/tests.py.
#include <map>

#include "tokenizers/chat_template/evaluator.h"
#include "tokenizers/chat_template/pystring.h"

namespace hfcpp::tokenizers::chat_template {
namespace {

using TestFn = bool (*)(Evaluator&, const Value&, const CallArgs&);

const Value& arg0(const CallArgs& a, const char* test) {
  const Value* v = a.get(0, "other");
  if (!v) render_error(fmt::format("test '{}' needs an argument", test));
  return *v;
}

bool compare_test(Evaluator& ev, const Value& v, const CallArgs& a, const char* op) {
  const Value& other = arg0(a, op);
  std::string o = op;
  if (o == "==") return py_equal(v, other);
  if (o == "!=") return !py_equal(v, other);
  if (o == "<") return py_less(v, other);
  if (o == ">") return py_less(other, v);
  if (o == "<=") return py_less(v, other) || py_equal(v, other);
  return py_less(other, v) || py_equal(v, other);
}

bool is_odd_even(Evaluator& ev, const Value& v, bool odd) {
  Value r = binary_op(ev, "%", v, Value::integer(2));
  return odd ? py_equal(r, Value::integer(1)) : py_equal(r, Value::integer(0));
}

const std::map<std::string, TestFn>& table() {
  static const std::map<std::string, TestFn> t = {
      {"boolean", [](Evaluator&, const Value& v, const CallArgs&) { return v.is_bool(); }},
      {"callable", [](Evaluator&, const Value& v, const CallArgs&) { return v.is_function() && !v.fn()->unsafe; }},
      {"defined", [](Evaluator&, const Value& v, const CallArgs&) { return !v.is_undefined(); }},
      {"undefined", [](Evaluator&, const Value& v, const CallArgs&) { return v.is_undefined(); }},
      {"divisibleby",
       [](Evaluator& ev, const Value& v, const CallArgs& a) {
         return py_equal(binary_op(ev, "%", v, arg0(a, "divisibleby")), Value::integer(0));
       }},
      {"escaped", [](Evaluator&, const Value&, const CallArgs&) { return false; }},
      {"even", [](Evaluator& ev, const Value& v, const CallArgs&) { return is_odd_even(ev, v, false); }},
      {"odd", [](Evaluator& ev, const Value& v, const CallArgs&) { return is_odd_even(ev, v, true); }},
      {"false", [](Evaluator&, const Value& v, const CallArgs&) { return v.is_bool() && !v.as_bool(); }},
      {"true", [](Evaluator&, const Value& v, const CallArgs&) { return v.is_bool() && v.as_bool(); }},
      {"filter", [](Evaluator&, const Value& v, const CallArgs&) { return v.is_string() && has_filter(v.as_string()); }},
      {"test", [](Evaluator&, const Value& v, const CallArgs&) { return v.is_string() && has_test(v.as_string()); }},
      {"float", [](Evaluator&, const Value& v, const CallArgs&) { return v.is_float(); }},
      {"integer", [](Evaluator&, const Value& v, const CallArgs&) { return v.is_int(); }},
      {"number", [](Evaluator&, const Value& v, const CallArgs&) { return v.is_number(); }},
      {"string", [](Evaluator&, const Value& v, const CallArgs&) { return v.is_string(); }},
      {"mapping", [](Evaluator&, const Value& v, const CallArgs&) { return v.is_dict(); }},
      {"none", [](Evaluator&, const Value& v, const CallArgs&) { return v.is_none(); }},
      // Undefined defines __iter__ and __len__/__getitem__, so jinja2 calls it iterable and a sequence.
      {"iterable",
       [](Evaluator&, const Value& v, const CallArgs&) {
         return v.is_string() || v.is_list() || v.is_dict() || v.is_undefined();
       }},
      {"sequence",
       [](Evaluator&, const Value& v, const CallArgs&) {
         return v.is_string() || v.is_sequence_like() || v.is_dict() || v.is_undefined();
       }},
      {"in", [](Evaluator&, const Value& v, const CallArgs& a) { return contains(arg0(a, "in"), v); }},
      {"lower", [](Evaluator&, const Value& v, const CallArgs&) { return pystr::is_lower_str(py_str(v)); }},
      {"upper", [](Evaluator&, const Value& v, const CallArgs&) { return pystr::is_upper_str(py_str(v)); }},
      {"sameas",
       [](Evaluator&, const Value& v, const CallArgs& a) {
         const Value& o = arg0(a, "sameas");
         if (v.type() != o.type()) return false;
         if (v.is_list() || v.is_dict() || v.is_function() || v.is_namespace()) return py_equal(v, o) && v.type() == o.type();
         return py_equal(v, o);
       }},
      {"eq", [](Evaluator& ev, const Value& v, const CallArgs& a) { return compare_test(ev, v, a, "=="); }},
      {"equalto", [](Evaluator& ev, const Value& v, const CallArgs& a) { return compare_test(ev, v, a, "=="); }},
      {"==", [](Evaluator& ev, const Value& v, const CallArgs& a) { return compare_test(ev, v, a, "=="); }},
      {"ne", [](Evaluator& ev, const Value& v, const CallArgs& a) { return compare_test(ev, v, a, "!="); }},
      {"!=", [](Evaluator& ev, const Value& v, const CallArgs& a) { return compare_test(ev, v, a, "!="); }},
      {"lt", [](Evaluator& ev, const Value& v, const CallArgs& a) { return compare_test(ev, v, a, "<"); }},
      {"lessthan", [](Evaluator& ev, const Value& v, const CallArgs& a) { return compare_test(ev, v, a, "<"); }},
      {"<", [](Evaluator& ev, const Value& v, const CallArgs& a) { return compare_test(ev, v, a, "<"); }},
      {"le", [](Evaluator& ev, const Value& v, const CallArgs& a) { return compare_test(ev, v, a, "<="); }},
      {"<=", [](Evaluator& ev, const Value& v, const CallArgs& a) { return compare_test(ev, v, a, "<="); }},
      {"gt", [](Evaluator& ev, const Value& v, const CallArgs& a) { return compare_test(ev, v, a, ">"); }},
      {"greaterthan", [](Evaluator& ev, const Value& v, const CallArgs& a) { return compare_test(ev, v, a, ">"); }},
      {">", [](Evaluator& ev, const Value& v, const CallArgs& a) { return compare_test(ev, v, a, ">"); }},
      {"ge", [](Evaluator& ev, const Value& v, const CallArgs& a) { return compare_test(ev, v, a, ">="); }},
      {">=", [](Evaluator& ev, const Value& v, const CallArgs& a) { return compare_test(ev, v, a, ">="); }},
  };
  return t;
}

}  // namespace

bool has_test(const std::string& name) { return table().count(name) != 0; }
bool is_known_test(const std::string& name) { return has_test(name); }

bool call_test(Evaluator& ev, const std::string& name, const Value& v, const CallArgs& args) {
  auto it = table().find(name);
  if (it == table().end()) render_error(fmt::format("No test named '{}'.", name));
  return it->second(ev, v, args);
}

}  // namespace hfcpp::tokenizers::chat_template
