// Syntax tree of a parsed template: one Node type with a kind, children and a few payload
// fields (a tagged tree keeps the parser and the evaluator short).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tokenizers/chat_template/value.h"

namespace hfcpp::tokenizers::chat_template {

enum class NodeKind {
  // expressions
  Literal,    // value
  Name,       // name
  GetAttr,    // kids[0].name
  GetItem,    // kids[0][kids[1]]
  Slice,      // kids[0][kids[1]:kids[2]:kids[3]] (null kids are absent bounds)
  Call,       // kids[0](args...)  args: kids[1..], arg_names parallel ("" positional, "*", "**")
  Filter,     // kids[0]|name(args) ; kids[0] null inside {% filter %} / {% set x | f %}
  Test,       // kids[0] is [not] name(args)
  Unary,      // op: "-", "+", "not"
  Binary,     // op: + - * / // % ** ~ and or
  Compare,    // kids[0] op[0] kids[1] op[1] kids[2] ... (ops in names)
  CondExpr,   // kids[1] if kids[0] else kids[2] (kids[2] may be null)
  ListLit,
  TupleLit,
  DictLit,  // kids alternate key, value
  // statements
  Output,     // literal text (name)
  Print,      // {{ kids[0] }}
  Body,       // a sequence of statements
  If,         // kids: cond0, body0, cond1, body1, ..., [else body] (odd count -> else)
  For,        // targets in names; kids: iter, body, else body, filter (may be null)
  Set,        // targets in names (or ns attr: name = ns, attr = attribute); kids[0] value
  SetBlock,   // names[0] target; kids[0] body; kids[1] filter chain (may be null)
  Macro,      // name; names = params; kids[0] body; kids[1..] defaults aligned to the last params
  CallBlock,  // kids[0] call expr, kids[1] body; names = caller params; kids[2..] defaults
  FilterBlock,  // kids[0] filter chain (innermost kids[0] null), kids[1] body
  With,       // names = targets; kids[0..n-1] values; kids[n] body
  Break,
  Continue,
};

struct Node {
  NodeKind kind;
  int line = 0;
  std::string name;   // name / attribute / operator / filter or test name / text
  std::string attr;   // namespace attribute for Set
  bool negated = false;
  Value value;                    // Literal
  std::vector<std::string> names; // targets, params, compare ops, arg names
  std::vector<std::unique_ptr<Node>> kids;

  Node(NodeKind k, int l) : kind(k), line(l) {}
};

using NodePtr = std::unique_ptr<Node>;

// Parses a token stream produced by tokenize_template. Throws hfcpp::Error(Format).
NodePtr parse_template(std::string_view source);

// Names of the builtin filters and tests (checked at parse time, as jinja2 does outside `if`).
bool is_known_filter(const std::string& name);
bool is_known_test(const std::string& name);

}  // namespace hfcpp::tokenizers::chat_template
