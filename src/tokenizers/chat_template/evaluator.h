// Tree-walking evaluator with jinja2's runtime semantics: Python operators, the default
// Undefined, per-iteration loop scopes (a `set` inside a for body does not leak), macros that
// resolve free names in their defining scope when called, break/continue, and the sandbox's
// refusal of mutating methods. Every render is bounded (steps, output size, call depth) so that
// no template can hang, exhaust memory or overflow the stack.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tokenizers/chat_template/ast.h"
#include "tokenizers/chat_template/value.h"

namespace hfcpp::tokenizers::chat_template {

struct RenderLimits {
  size_t max_output_bytes = size_t{64} << 20;  // also bounds every intermediate string/list
  uint64_t max_steps = 20'000'000;               // expression evaluations and loop iterations
  int max_call_depth = 100;                      // nested macro calls (Python would hit RecursionError)
};

struct Scope {
  std::vector<std::pair<std::string, Value>> vars;
  std::shared_ptr<Scope> parent;
  const Value* find(const std::string& name) const;
  void set(const std::string& name, Value v);
};

class Evaluator {
 public:
  Evaluator(RenderLimits limits, std::optional<int64_t> now_unix_seconds);

  // Renders `root` with the given top-level variables (messages, tools, special tokens, ...).
  std::string render(const Node& root, std::vector<std::pair<std::string, Value>> vars);

  // Used by the builtins (filters such as map/select call back into filters, tests, macros).
  Value call(const Value& callee, const CallArgs& args);
  Value getattr(const Value& obj, const std::string& name);
  Value getitem(const Value& obj, const Value& key);
  Value apply_filter(const std::string& name, const Value& v, const CallArgs& args);
  bool apply_test(const std::string& name, const Value& v, const CallArgs& args);

  // For macros: evaluate a default argument, render a body into a string.
  Value eval_in(const Node& n, const std::shared_ptr<Scope>& scope) { return eval(n, scope); }
  Value run_macro_body(const Node& body, const std::shared_ptr<Scope>& scope);

  void tick(uint64_t n = 1);
  // Refuses any string or list larger than the output limit (e.g. 'x' * 10**9).
  void check_size(size_t bytes) const;
  std::optional<int64_t> now_unix_seconds() const { return now_; }

 private:
  enum class Flow { Normal, Break, Continue };

  Flow exec(const Node& n, std::string& out, const std::shared_ptr<Scope>& scope);
  Flow exec_body(const Node& body, std::string& out, const std::shared_ptr<Scope>& scope);
  Flow exec_for(const Node& n, std::string& out, const std::shared_ptr<Scope>& scope);
  void exec_set(const Node& n, const std::shared_ptr<Scope>& scope);
  Value eval(const Node& n, const std::shared_ptr<Scope>& scope);
  Value eval_binary(const Node& n, const std::shared_ptr<Scope>& scope);
  Value eval_compare(const Node& n, const std::shared_ptr<Scope>& scope);
  Value eval_slice(const Node& n, const std::shared_ptr<Scope>& scope);
  CallArgs eval_args(const Node& n, size_t first_kid, const std::shared_ptr<Scope>& scope);
  Value lookup(const std::string& name, const std::shared_ptr<Scope>& scope);
  Value make_macro(const Node& n, const std::shared_ptr<Scope>& scope, const Node* caller_body);
  Value apply_filter_chain(const Node& chain, Value input, const std::shared_ptr<Scope>& scope);
  void append(std::string& out, std::string_view text) const;

  RenderLimits limits_;
  std::optional<int64_t> now_;
  uint64_t steps_ = 0;
  int call_depth_ = 0;
  std::shared_ptr<Scope> globals_;
};

// Builtins (filters.cpp, tests.cpp, methods.cpp).
bool has_filter(const std::string& name);
Value call_filter(Evaluator& ev, const std::string& name, const Value& v, const CallArgs& args);
bool has_test(const std::string& name);
bool call_test(Evaluator& ev, const std::string& name, const Value& v, const CallArgs& args);
// A bound method of str/dict/list (Python attribute lookup), or undefined.
Value get_method(const Value& obj, const std::string& name);
// range, dict, namespace, joiner, cycler, raise_exception, strftime_now.
void add_globals(Scope& globals);
// Python iteration: str -> characters, dict -> keys, Undefined -> nothing.
ValueList iterate(const Value& v);
// Python binary operators shared by the evaluator and filters (sum).
Value binary_op(Evaluator& ev, const std::string& op, const Value& a, const Value& b);
bool contains(const Value& container, const Value& item);

}  // namespace hfcpp::tokenizers::chat_template
