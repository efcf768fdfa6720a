#include "tokenizers/chat_template/evaluator.h"

#include <algorithm>

namespace hfcpp::tokenizers::chat_template {

const Value* Scope::find(const std::string& name) const {
  for (const Scope* s = this; s; s = s->parent.get())
    for (const auto& [k, v] : s->vars)
      if (k == name) return &v;
  return nullptr;
}

void Scope::set(const std::string& name, Value v) {
  for (auto& [k, old] : vars)
    if (k == name) {
      old = std::move(v);
      return;
    }
  vars.emplace_back(name, std::move(v));
}

Evaluator::Evaluator(RenderLimits limits, std::optional<int64_t> now_unix_seconds)
    : limits_(limits), now_(now_unix_seconds), globals_(std::make_shared<Scope>()) {
  add_globals(*globals_);
}

void Evaluator::tick(uint64_t n) {
  steps_ += n;
  if (steps_ > limits_.max_steps)
    render_error(fmt::format("render exceeded {} evaluation steps (a runaway loop?)", limits_.max_steps));
}

void Evaluator::check_size(size_t bytes) const {
  if (bytes > limits_.max_output_bytes)
    render_error(fmt::format("value of {} bytes exceeds the {}-byte output limit", bytes, limits_.max_output_bytes));
}

void Evaluator::append(std::string& out, std::string_view text) const {
  check_size(out.size() + text.size());
  out.append(text);
}

std::string Evaluator::render(const Node& root, std::vector<std::pair<std::string, Value>> vars) {
  auto scope = std::make_shared<Scope>();
  scope->parent = globals_;
  scope->vars = std::move(vars);
  std::string out;
  exec_body(root, out, scope);
  return out;
}

Evaluator::Flow Evaluator::exec_body(const Node& body, std::string& out, const std::shared_ptr<Scope>& scope) {
  for (const auto& kid : body.kids) {
    Flow f = exec(*kid, out, scope);
    if (f != Flow::Normal) return f;
  }
  return Flow::Normal;
}

namespace {

// Does the subtree read the name (used to decide whether a macro accepts varargs/kwargs)?
bool refers_to(const Node* n, const std::string& name) {
  if (!n) return false;
  if (n->kind == NodeKind::Name && n->name == name) return true;
  for (const auto& k : n->kids)
    if (refers_to(k.get(), name)) return true;
  return false;
}

void unpack_into(Scope& scope, const std::vector<std::string>& names, const Value& v) {
  if (names.size() == 1) {
    scope.set(names[0], v);
    return;
  }
  ValueList items = iterate(v);
  if (items.size() != names.size())
    render_error(items.size() > names.size()
                     ? fmt::format("too many values to unpack (expected {})", names.size())
                     : fmt::format("not enough values to unpack (expected {}, got {})", names.size(), items.size()));
  for (size_t i = 0; i < names.size(); ++i) scope.set(names[i], items[i]);
}

}  // namespace

Evaluator::Flow Evaluator::exec(const Node& n, std::string& out, const std::shared_ptr<Scope>& scope) {
  tick();
  try {
    switch (n.kind) {
      case NodeKind::Output: append(out, n.name); return Flow::Normal;
      case NodeKind::Print: append(out, py_str(eval(*n.kids[0], scope))); return Flow::Normal;
      case NodeKind::Body: return exec_body(n, out, scope);
      case NodeKind::If: {
        size_t i = 0;
        for (; i + 1 < n.kids.size(); i += 2)
          if (eval(*n.kids[i], scope).truthy()) return exec_body(*n.kids[i + 1], out, scope);
        if (i < n.kids.size()) return exec_body(*n.kids[i], out, scope);
        return Flow::Normal;
      }
      case NodeKind::For: return exec_for(n, out, scope);
      case NodeKind::Set: exec_set(n, scope); return Flow::Normal;
      case NodeKind::SetBlock: {
        auto inner = std::make_shared<Scope>();
        inner->parent = scope;
        std::string text;
        exec_body(*n.kids[0], text, inner);
        Value v = Value::string(std::move(text));
        if (n.kids[1]) v = apply_filter_chain(*n.kids[1], v, scope);
        scope->set(n.names[0], v);
        return Flow::Normal;
      }
      case NodeKind::Macro: scope->set(n.name, make_macro(n, scope, nullptr)); return Flow::Normal;
      case NodeKind::CallBlock: {
        const Node& call = *n.kids[0];
        Value callee = eval(*call.kids[0], scope);
        CallArgs args = eval_args(call, 1, scope);
        args.keyword.emplace_back("caller", make_macro(n, scope, n.kids[1].get()));
        append(out, py_str(this->call(callee, args)));
        return Flow::Normal;
      }
      case NodeKind::FilterBlock: {
        auto inner = std::make_shared<Scope>();
        inner->parent = scope;
        std::string text;
        exec_body(*n.kids[1], text, inner);
        append(out, py_str(apply_filter_chain(*n.kids[0], Value::string(std::move(text)), scope)));
        return Flow::Normal;
      }
      case NodeKind::With: {
        auto inner = std::make_shared<Scope>();
        inner->parent = scope;
        size_t count = n.names.size();
        for (size_t i = 0; i < count; ++i) inner->set(n.names[i], eval(*n.kids[i], scope));
        return exec_body(*n.kids[count], out, inner);
      }
      case NodeKind::Break: return Flow::Break;
      case NodeKind::Continue: return Flow::Continue;
      default: render_error("internal: expression node in statement position");
    }
  } catch (Error& e) {
    if (e.context().empty() && n.kind != NodeKind::Body) e.with_context(fmt::format("template line {}", n.line));
    throw;
  }
}

Evaluator::Flow Evaluator::exec_for(const Node& n, std::string& out, const std::shared_ptr<Scope>& scope) {
  ValueList all = iterate(eval(*n.kids[0], scope));
  const Node* filter = n.kids[3].get();
  ValueList items;
  if (filter) {
    for (const auto& item : all) {
      tick();
      auto probe = std::make_shared<Scope>();
      probe->parent = scope;
      unpack_into(*probe, n.names, item);
      if (eval(*filter, probe).truthy()) items.push_back(item);
    }
  } else {
    items = std::move(all);
  }
  if (items.empty()) {
    auto inner = std::make_shared<Scope>();
    inner->parent = scope;
    exec_body(*n.kids[2], out, inner);
    return Flow::Normal;
  }
  const int64_t length = static_cast<int64_t>(items.size());
  auto last_changed = std::make_shared<std::optional<Value>>();
  for (int64_t i = 0; i < length; ++i) {
    tick();
    auto inner = std::make_shared<Scope>();
    inner->parent = scope;
    auto loop = std::make_shared<NamespaceData>();
    loop->is_loop = true;
    loop->attrs = {
        {"index", Value::integer(i + 1)},
        {"index0", Value::integer(i)},
        {"revindex", Value::integer(length - i)},
        {"revindex0", Value::integer(length - i - 1)},
        {"first", Value::boolean(i == 0)},
        {"last", Value::boolean(i == length - 1)},
        {"length", Value::integer(length)},
        {"depth", Value::integer(1)},
        {"depth0", Value::integer(0)},
        {"previtem", i > 0 ? items[static_cast<size_t>(i - 1)] : Value::undefined("there is no previous item")},
        {"nextitem", i + 1 < length ? items[static_cast<size_t>(i + 1)] : Value::undefined("there is no next item")},
    };
    auto cycle = std::make_shared<Function>();
    cycle->name = "cycle";
    cycle->call = [i](Evaluator&, const CallArgs& a) -> Value {
      if (a.positional.empty()) render_error("no items for cycling given");
      return a.positional[static_cast<size_t>(i) % a.positional.size()];
    };
    loop->attrs.emplace_back("cycle", Value::function(cycle));
    auto changed = std::make_shared<Function>();
    changed->name = "changed";
    changed->call = [last_changed](Evaluator&, const CallArgs& a) -> Value {
      Value now = Value::list(a.positional);
      if (last_changed->has_value() && py_equal(**last_changed, now)) return Value::boolean(false);
      *last_changed = now;
      return Value::boolean(true);
    };
    loop->attrs.emplace_back("changed", Value::function(changed));
    inner->set("loop", Value::ns(loop));
    unpack_into(*inner, n.names, items[static_cast<size_t>(i)]);
    Flow f = exec_body(*n.kids[1], out, inner);
    if (f == Flow::Break) break;
  }
  return Flow::Normal;
}

void Evaluator::exec_set(const Node& n, const std::shared_ptr<Scope>& scope) {
  Value v = eval(*n.kids[0], scope);
  if (!n.attr.empty()) {
    Value target = lookup(n.name, scope);
    if (!target.is_namespace() || target.ns_data()->is_loop)
      render_error("Cannot assign attribute on non-namespace object");
    target.ns_data()->set(n.attr, std::move(v));
    return;
  }
  unpack_into(*scope, n.names, v);
}

Value Evaluator::lookup(const std::string& name, const std::shared_ptr<Scope>& scope) {
  if (const Value* v = scope->find(name)) return *v;
  return Value::undefined(fmt::format("'{}' is undefined", name));
}

Value Evaluator::make_macro(const Node& n, const std::shared_ptr<Scope>& scope, const Node* caller_body) {
  // A macro (n.kind == Macro: body kids[0], defaults kids[1..]) or the `caller` of a call
  // block (body kids[1], defaults kids[2..]).
  const Node* body = caller_body ? caller_body : n.kids[0].get();
  const size_t first_default = caller_body ? 2 : 1;
  const Node* node = &n;
  auto fn = std::make_shared<Function>();
  fn->name = caller_body ? "caller" : n.name;
  fn->is_macro = true;
  const bool takes_varargs = refers_to(body, "varargs");
  const bool takes_kwargs = refers_to(body, "kwargs");
  // Weak: a macro is stored in the scope it closes over, and a strong reference would be a cycle.
  std::weak_ptr<Scope> weak_def = scope;
  fn->call = [node, body, first_default, takes_varargs, takes_kwargs, weak_def](
                 Evaluator& ev, const CallArgs& args) -> Value {
    auto def = weak_def.lock();
    if (!def) render_error("macro called after its defining scope ended");
    const auto& params = node->names;
    const size_t n_defaults = node->kids.size() - first_default;
    auto inner = std::make_shared<Scope>();
    inner->parent = def;
    ValueList varargs;
    for (size_t i = 0; i < args.positional.size(); ++i) {
      if (i < params.size()) inner->set(params[i], args.positional[i]);
      else if (takes_varargs) varargs.push_back(args.positional[i]);
      else
        render_error(fmt::format("macro '{}' takes not more than {} argument(s)",
                                 node->kind == NodeKind::Macro ? node->name : "caller", params.size()));
    }
    std::vector<std::pair<Value, Value>> kwargs;
    for (const auto& [k, v] : args.keyword) {
      auto it = std::find(params.begin(), params.end(), k);
      if (it != params.end()) {
        if (static_cast<size_t>(it - params.begin()) < args.positional.size())
          render_error(fmt::format("macro '{}' got multiple values for argument '{}'", node->name, k));
        inner->set(k, v);
      } else if (k == "caller") {
        inner->set("caller", v);
      } else if (takes_kwargs) {
        kwargs.emplace_back(Value::string(k), v);
      } else {
        render_error(fmt::format("macro '{}' takes no keyword argument '{}'", node->name, k));
      }
    }
    for (size_t i = 0; i < params.size(); ++i) {
      bool bound = false;
      for (const auto& [k, v] : inner->vars) bound = bound || k == params[i];
      if (bound) continue;
      size_t default_slot = i + n_defaults;
      if (default_slot >= params.size()) {
        const Node* d = node->kids[first_default + (default_slot - params.size())].get();
        inner->set(params[i], ev.eval_in(*d, inner));
      } else {
        inner->set(params[i], Value::undefined(fmt::format("parameter '{}' was not provided", params[i])));
      }
    }
    if (takes_varargs) inner->set("varargs", Value::list(std::move(varargs), true));
    if (takes_kwargs) inner->set("kwargs", Value::dict(std::move(kwargs)));
    return ev.run_macro_body(*body, inner);
  };
  return Value::function(fn);
}

}  // namespace hfcpp::tokenizers::chat_template
