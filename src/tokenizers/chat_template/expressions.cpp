// Expression evaluation: Python operators with jinja2's sandbox attribute/item lookup.
#include <cmath>

#include "tokenizers/chat_template/evaluator.h"
#include "tokenizers/chat_template/pystring.h"

namespace hfcpp::tokenizers::chat_template {
namespace {

[[noreturn]] void undefined_error(const Value& v) { render_error(v.undefined_hint()); }

std::string obj_desc(const Value& v) { return fmt::format("'{} object'", v.type_name()); }

int64_t checked(bool overflow, int64_t v) {
  if (overflow) render_error("integer overflow (Python integers are unbounded; hfcpp uses 64 bits)");
  return v;
}

// CPython's float_divmod: floor division and modulo with the sign of the divisor.
void float_divmod(double vx, double wx, double& div, double& mod) {
  if (wx == 0.0) render_error("float division by zero");
  mod = std::fmod(vx, wx);
  div = (vx - mod) / wx;
  if (mod != 0.0) {
    if ((wx < 0) != (mod < 0)) {
      mod += wx;
      div -= 1.0;
    }
  } else {
    mod = std::copysign(0.0, wx);
  }
  double floordiv;
  if (div != 0.0) {
    floordiv = std::floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
  } else {
    floordiv = std::copysign(0.0, vx / wx);
  }
  div = floordiv;
}

[[noreturn]] void unsupported(const std::string& op, const Value& a, const Value& b) {
  if (a.is_undefined()) undefined_error(a);
  if (b.is_undefined()) undefined_error(b);
  if (op == "+" && a.is_string()) render_error(fmt::format("can only concatenate str (not \"{}\") to str", b.type_name()));
  render_error(fmt::format("unsupported operand type(s) for {}: '{}' and '{}'", op, a.type_name(), b.type_name()));
}

Value repeat(Evaluator& ev, const Value& seq, int64_t times) {
  if (times <= 0) return seq.is_string() ? Value::string("") : Value::list({}, seq.is_tuple());
  if (seq.is_string()) {
    ev.check_size(seq.as_string().size() * static_cast<size_t>(std::min<int64_t>(times, INT32_MAX)));
    std::string out;
    for (int64_t i = 0; i < times; ++i) out += seq.as_string();
    return Value::string(std::move(out));
  }
  ev.check_size(seq.items().size() * static_cast<size_t>(std::min<int64_t>(times, INT32_MAX)) * 16);
  ValueList out;
  for (int64_t i = 0; i < times; ++i) out.insert(out.end(), seq.items().begin(), seq.items().end());
  return Value::list(std::move(out), seq.is_tuple());
}

// Python slice index normalisation (PySlice_AdjustIndices).
void slice_indices(int64_t len, const Value* start, const Value* stop, const Value* step_v, int64_t& step,
                        std::vector<int64_t>& idx) {
  step = step_v ? step_v->as_int() : 1;
  if (step == 0) render_error("slice step cannot be zero");
  int64_t lo, hi;
  auto adjust = [&](const Value* v, int64_t dflt, int64_t lower, int64_t upper) {
    if (!v) return dflt;
    int64_t x = v->as_int();
    if (x < 0) {
      x += len;
      if (x < 0) x = lower;
    } else if (x >= len) {
      x = upper;
    }
    return x;
  };
  if (step > 0) {
    lo = adjust(start, 0, 0, len);
    hi = adjust(stop, len, 0, len);
    for (int64_t i = lo; i < hi; i += step) idx.push_back(i);
  } else {
    lo = adjust(start, len - 1, -1, len - 1);
    hi = adjust(stop, -1, -1, len - 1);
    for (int64_t i = lo; i > hi; i += step) idx.push_back(i);
  }
}

}  // namespace

bool contains(const Value& container, const Value& item) {
  switch (container.type()) {
    case Value::Type::String:
      if (!item.is_string())
        render_error(fmt::format("'in <string>' requires string as left operand, not {}", item.type_name()));
      return container.as_string().find(item.as_string()) != std::string::npos;
    case Value::Type::List:
      for (const auto& v : container.items())
        if (py_equal(v, item)) return true;
      return false;
    case Value::Type::Dict: return container.dict_data().find(item) != nullptr;
    case Value::Type::Undefined: return false;
    default: render_error(fmt::format("argument of type '{}' is not iterable", container.type_name()));
  }
}

Value binary_op(Evaluator& ev, const std::string& op, const Value& a, const Value& b) {
  const bool nums = a.is_number() && b.is_number();
  const bool ints = nums && !a.is_float() && !b.is_float();
  if (op == "~") {
    std::string s = py_str(a) + py_str(b);
    ev.check_size(s.size());
    return Value::string(std::move(s));
  }
  if (op == "+") {
    if (ints) {
      int64_t r = 0;
      bool overflow = __builtin_add_overflow(a.as_int(), b.as_int(), &r);
      return Value::integer(checked(overflow, r));
    }
    if (nums) return Value::number(a.as_double() + b.as_double());
    if (a.is_string() && b.is_string()) {
      ev.check_size(a.as_string().size() + b.as_string().size());
      return Value::string(a.as_string() + b.as_string());
    }
    if (a.is_sequence_like() && b.is_sequence_like() && a.is_tuple() == b.is_tuple()) {
      ValueList out = a.items();
      out.insert(out.end(), b.items().begin(), b.items().end());
      ev.check_size(out.size() * 16);
      return Value::list(std::move(out), a.is_tuple());
    }
    unsupported(op, a, b);
  }
  if (op == "-") {
    if (ints) {
      int64_t r = 0;
      bool overflow = __builtin_sub_overflow(a.as_int(), b.as_int(), &r);
      return Value::integer(checked(overflow, r));
    }
    if (nums) return Value::number(a.as_double() - b.as_double());
    unsupported(op, a, b);
  }
  if (op == "*") {
    if (ints) {
      int64_t r = 0;
      bool overflow = __builtin_mul_overflow(a.as_int(), b.as_int(), &r);
      return Value::integer(checked(overflow, r));
    }
    if (nums) return Value::number(a.as_double() * b.as_double());
    if ((a.is_string() || a.is_sequence_like()) && b.is_number() && !b.is_float()) return repeat(ev, a, b.as_int());
    if ((b.is_string() || b.is_sequence_like()) && a.is_number() && !a.is_float()) return repeat(ev, b, a.as_int());
    unsupported(op, a, b);
  }
  if (op == "/") {
    if (!nums) unsupported(op, a, b);
    if (b.as_double() == 0.0) render_error("division by zero");
    return Value::number(a.as_double() / b.as_double());
  }
  if (op == "//" || op == "%") {
    if (op == "%" && a.is_string()) {
      std::string s = pystr::percent_format(a.as_string(), b);
      ev.check_size(s.size());
      return Value::string(std::move(s));
    }
    if (!nums) unsupported(op, a, b);
    if (ints) {
      int64_t x = a.as_int(), y = b.as_int();
      if (y == 0) render_error(op == "%" ? "integer modulo by zero" : "integer division or modulo by zero");
      if (x == INT64_MIN && y == -1) render_error("integer overflow");
      int64_t q = x / y, r = x % y;
      if (r != 0 && ((r < 0) != (y < 0))) {
        q -= 1;
        r += y;
      }
      return Value::integer(op == "//" ? q : r);
    }
    double div, mod;
    float_divmod(a.as_double(), b.as_double(), div, mod);
    return Value::number(op == "//" ? div : mod);
  }
  if (op == "**") {
    if (!nums) unsupported(op, a, b);
    if (ints && b.as_int() >= 0) {
      int64_t base = a.as_int(), e = b.as_int(), r = 1;
      while (e > 0) {
        if ((e & 1) && __builtin_mul_overflow(r, base, &r)) checked(true, 0);
        e >>= 1;
        if (e > 0 && __builtin_mul_overflow(base, base, &base)) checked(true, 0);
      }
      return Value::integer(r);
    }
    if (a.as_double() == 0.0 && b.as_double() < 0) render_error("0.0 cannot be raised to a negative power");
    double r = std::pow(a.as_double(), b.as_double());
    if (std::isnan(r) && !std::isnan(a.as_double()) && !std::isnan(b.as_double()))
      render_error("negative number cannot be raised to a fractional power (complex result)");
    return Value::number(r);
  }
  render_error("internal: unknown operator " + op);
}

Value Evaluator::run_macro_body(const Node& body, const std::shared_ptr<Scope>& scope) {
  if (++call_depth_ > limits_.max_call_depth) {
    --call_depth_;
    render_error(fmt::format("macro calls nested deeper than {} (runaway recursion?)", limits_.max_call_depth));
  }
  std::string out;
  try {
    exec_body(body, out, scope);
  } catch (...) {
    --call_depth_;
    throw;
  }
  --call_depth_;
  return Value::string(std::move(out));
}

Value Evaluator::call(const Value& callee, const CallArgs& args) {
  tick();
  if (callee.is_undefined()) undefined_error(callee);
  if (!callee.is_function()) render_error(fmt::format("'{}' object is not callable", callee.type_name()));
  const auto& fn = *callee.fn();
  if (fn.unsafe) render_error(fmt::format("access to attribute '{}' is unsafe.", fn.name));
  return fn.call(*this, args);
}

Value Evaluator::getattr(const Value& obj, const std::string& name) {
  switch (obj.type()) {
    case Value::Type::Undefined: undefined_error(obj);
    case Value::Type::Dict: {
      Value m = get_method(obj, name);
      if (!m.is_undefined()) return m;
      if (const Value* v = obj.dict_data().find(name)) return *v;
      break;
    }
    case Value::Type::Namespace:
      if (const Value* v = obj.ns_data()->find(name)) return *v;
      break;
    default: {
      Value m = get_method(obj, name);
      if (!m.is_undefined()) return m;
    }
  }
  return Value::undefined(fmt::format("{} has no attribute '{}'", obj_desc(obj), name));
}

Value Evaluator::getitem(const Value& obj, const Value& key) {
  if (obj.is_undefined()) undefined_error(obj);
  if (obj.is_sequence_like() || obj.is_string()) {
    if (key.is_int() || key.is_bool()) {
      int64_t i = key.as_int();
      if (obj.is_list()) {
        int64_t n = static_cast<int64_t>(obj.items().size());
        if (i < 0) i += n;
        if (i >= 0 && i < n) return obj.items()[static_cast<size_t>(i)];
      } else {
        std::u32string s = to_u32(obj.as_string());
        int64_t n = static_cast<int64_t>(s.size());
        if (i < 0) i += n;
        if (i >= 0 && i < n) return Value::string(from_u32(s.substr(static_cast<size_t>(i), 1)));
      }
      return Value::undefined(fmt::format("{} has no element {}", obj_desc(obj), key.as_int()));
    }
  } else if (obj.is_dict()) {
    if (const Value* v = obj.dict_data().find(key)) return *v;
  }
  if (key.is_string()) return getattr(obj, key.as_string());
  return Value::undefined(fmt::format("{} has no element {}", obj_desc(obj), py_repr(key)));
}

Value Evaluator::apply_filter(const std::string& name, const Value& v, const CallArgs& args) {
  tick();
  return call_filter(*this, name, v, args);
}

bool Evaluator::apply_test(const std::string& name, const Value& v, const CallArgs& args) {
  tick();
  return call_test(*this, name, v, args);
}

CallArgs Evaluator::eval_args(const Node& n, size_t first_kid, const std::shared_ptr<Scope>& scope) {
  CallArgs args;
  for (size_t i = first_kid; i < n.kids.size(); ++i) {
    const std::string& kw = n.names[i - first_kid];
    Value v = eval(*n.kids[i], scope);
    if (kw.empty()) {
      args.positional.push_back(std::move(v));
    } else if (kw == "*") {
      for (auto& item : iterate(v)) args.positional.push_back(std::move(item));
    } else if (kw == "**") {
      if (!v.is_dict()) render_error("argument after ** must be a mapping");
      for (const auto& [k, val] : v.dict_data().items) {
        if (!k.is_string()) render_error("keywords must be strings");
        args.keyword.emplace_back(k.as_string(), val);
      }
    } else {
      args.keyword.emplace_back(kw, std::move(v));
    }
  }
  return args;
}

Value Evaluator::apply_filter_chain(const Node& chain, Value input, const std::shared_ptr<Scope>& scope) {
  if (chain.kind != NodeKind::Filter) render_error("internal: expected a filter");
  if (chain.kids[0]) input = apply_filter_chain(*chain.kids[0], std::move(input), scope);
  return apply_filter(chain.name, input, eval_args(chain, 1, scope));
}

Value Evaluator::eval_slice(const Node& n, const std::shared_ptr<Scope>& scope) {
  Value obj = eval(*n.kids[0], scope);
  Value bounds[3];
  const Value* ptrs[3] = {nullptr, nullptr, nullptr};
  bool bad = false;
  for (int k = 0; k < 3; ++k) {
    if (!n.kids[static_cast<size_t>(k) + 1]) continue;
    bounds[k] = eval(*n.kids[static_cast<size_t>(k) + 1], scope);
    if (bounds[k].is_none()) continue;
    if (!bounds[k].is_int() && !bounds[k].is_bool()) bad = true;
    ptrs[k] = &bounds[k];
  }
  if (obj.is_undefined()) undefined_error(obj);
  if (bad || !(obj.is_sequence_like() || obj.is_string()))
    return Value::undefined(fmt::format("{} cannot be sliced", obj_desc(obj)));
  int64_t step;
  std::vector<int64_t> idx;
  if (obj.is_string()) {
    std::u32string s = to_u32(obj.as_string());
    slice_indices(static_cast<int64_t>(s.size()), ptrs[0], ptrs[1], ptrs[2], step, idx);
    std::u32string out;
    for (int64_t i : idx) out += s[static_cast<size_t>(i)];
    return Value::string(from_u32(out));
  }
  slice_indices(static_cast<int64_t>(obj.items().size()), ptrs[0], ptrs[1], ptrs[2], step, idx);
  ValueList out;
  for (int64_t i : idx) out.push_back(obj.items()[static_cast<size_t>(i)]);
  return Value::list(std::move(out), obj.is_tuple());
}

Value Evaluator::eval_compare(const Node& n, const std::shared_ptr<Scope>& scope) {
  Value left = eval(*n.kids[0], scope);
  for (size_t i = 0; i < n.names.size(); ++i) {
    Value right = eval(*n.kids[i + 1], scope);
    const std::string& op = n.names[i];
    bool r;
    if (op == "==") r = py_equal(left, right);
    else if (op == "!=") r = !py_equal(left, right);
    else if (op == "<") r = py_less(left, right);
    else if (op == ">") r = py_less(right, left);
    else if (op == "<=") r = py_less(left, right) || py_equal(left, right);
    else if (op == ">=") r = py_less(right, left) || py_equal(left, right);
    else if (op == "in") r = contains(right, left);
    else r = !contains(right, left);
    if (!r) return Value::boolean(false);
    left = std::move(right);
  }
  return Value::boolean(true);
}

Value Evaluator::eval_binary(const Node& n, const std::shared_ptr<Scope>& scope) {
  const std::string& op = n.name;
  Value a = eval(*n.kids[0], scope);
  if (op == "and") return a.truthy() ? eval(*n.kids[1], scope) : a;
  if (op == "or") return a.truthy() ? a : eval(*n.kids[1], scope);
  Value b = eval(*n.kids[1], scope);
  return binary_op(*this, op, a, b);
}

Value Evaluator::eval(const Node& n, const std::shared_ptr<Scope>& scope) {
  tick();
  switch (n.kind) {
    case NodeKind::Literal: return n.value;
    case NodeKind::Name: return lookup(n.name, scope);
    case NodeKind::GetAttr: return getattr(eval(*n.kids[0], scope), n.name);
    case NodeKind::GetItem: {
      Value obj = eval(*n.kids[0], scope);
      return getitem(obj, eval(*n.kids[1], scope));
    }
    case NodeKind::Slice: return eval_slice(n, scope);
    case NodeKind::Call: {
      Value callee = eval(*n.kids[0], scope);
      return call(callee, eval_args(n, 1, scope));
    }
    case NodeKind::Filter: {
      Value input = n.kids[0] ? eval(*n.kids[0], scope) : Value();
      return apply_filter(n.name, input, eval_args(n, 1, scope));
    }
    case NodeKind::Test: {
      Value input = eval(*n.kids[0], scope);
      bool r = apply_test(n.name, input, eval_args(n, 1, scope));
      return Value::boolean(n.negated ? !r : r);
    }
    case NodeKind::Unary: {
      Value v = eval(*n.kids[0], scope);
      if (n.name == "not") return Value::boolean(!v.truthy());
      if (v.is_undefined()) undefined_error(v);
      if (!v.is_number()) render_error(fmt::format("bad operand type for unary {}: '{}'", n.name, v.type_name()));
      if (n.name == "+") return v.is_bool() ? Value::integer(v.as_int()) : v;
      if (v.is_float()) return Value::number(-v.as_double());
      if (v.as_int() == INT64_MIN) render_error("integer overflow");
      return Value::integer(-v.as_int());
    }
    case NodeKind::Binary: return eval_binary(n, scope);
    case NodeKind::Compare: return eval_compare(n, scope);
    case NodeKind::CondExpr: {
      if (eval(*n.kids[0], scope).truthy()) return eval(*n.kids[1], scope);
      if (n.kids[2]) return eval(*n.kids[2], scope);
      return Value::undefined("the inline if-expression on line " + std::to_string(n.line) +
                              " evaluated to false and no else section was defined.");
    }
    case NodeKind::ListLit:
    case NodeKind::TupleLit: {
      ValueList items;
      for (const auto& k : n.kids) items.push_back(eval(*k, scope));
      return Value::list(std::move(items), n.kind == NodeKind::TupleLit);
    }
    case NodeKind::DictLit: {
      std::vector<std::pair<Value, Value>> items;
      for (size_t i = 0; i + 1 < n.kids.size(); i += 2) {
        Value k = eval(*n.kids[i], scope);
        if (k.is_list() && !k.is_tuple()) render_error("unhashable type: 'list'");
        if (k.is_dict()) render_error("unhashable type: 'dict'");
        Value v = eval(*n.kids[i + 1], scope);
        bool replaced = false;
        for (auto& [ek, ev] : items)
          if (py_equal(ek, k)) {
            ev = v;
            replaced = true;
          }
        if (!replaced) items.emplace_back(std::move(k), std::move(v));
      }
      return Value::dict(std::move(items));
    }
    default: render_error("internal: statement node in expression position");
  }
}

}  // namespace hfcpp::tokenizers::chat_template
