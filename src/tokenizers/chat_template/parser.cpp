// Recursive-descent parser following jinja2.parser.Parser (3.1): the same precedence
// (condexpr < or < and < not < compare < +,- < ~ < *,/,//,% < ** < unary < postfix/filter/test)
// and the same statement grammar, restricted to what a chat template can use (no
// extends/include/import/block: templates are rendered from a string without a loader).
#include <cstdlib>

#include "hfcpp/core/error.h"
#include "tokenizers/chat_template/ast.h"
#include "tokenizers/chat_template/lexer.h"

namespace hfcpp::tokenizers::chat_template {
namespace {

constexpr int kMaxNesting = 200;  // deeper templates are refused instead of overflowing the stack

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  NodePtr parse() {
    auto body = subparse({});
    if (cur().type != TokenType::Eof) fail("unexpected '" + describe(cur()) + "'");
    return body;
  }

 private:
  // ---- token helpers ----
  const Token& cur() const { return toks_[pos_]; }
  const Token& peek(size_t k = 1) const { return toks_[std::min(pos_ + k, toks_.size() - 1)]; }
  void advance() {
    if (pos_ + 1 < toks_.size()) ++pos_;
  }
  bool is_op(const char* op) const { return cur().type == TokenType::Operator && cur().value == op; }
  bool is_name(const char* n) const { return cur().type == TokenType::Name && cur().value == n; }
  bool skip_op(const char* op) {
    if (!is_op(op)) return false;
    advance();
    return true;
  }
  bool skip_name(const char* n) {
    if (!is_name(n)) return false;
    advance();
    return true;
  }
  [[noreturn]] void fail(const std::string& what) const {
    HFCPP_THROW(ErrorCode::Format, "[chat_template] template syntax error at line {}: {}", cur().line, what);
  }
  static std::string describe(const Token& t) {
    switch (t.type) {
      case TokenType::Eof: return "end of template";
      case TokenType::BlockBegin: return "begin of statement block";
      case TokenType::BlockEnd: return "end of statement block";
      case TokenType::VarBegin: return "begin of print statement";
      case TokenType::VarEnd: return "end of print statement";
      case TokenType::Data: return "template data";
      default: return t.value;
    }
  }
  void expect_op(const char* op) {
    if (!skip_op(op)) fail(fmt::format("expected token '{}', got '{}'", op, describe(cur())));
  }
  void expect_block_end() {
    if (cur().type != TokenType::BlockEnd) fail(fmt::format("expected token 'end of statement block', got '{}'", describe(cur())));
    advance();
  }
  std::string expect_name() {
    if (cur().type != TokenType::Name) fail(fmt::format("expected token 'name', got '{}'", describe(cur())));
    std::string n = cur().value;
    advance();
    return n;
  }
  NodePtr make(NodeKind k) const { return std::make_unique<Node>(k, cur().line); }

  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& parser) : p(parser) {
      if (++p.depth_ > kMaxNesting) p.fail(fmt::format("template nesting deeper than {} levels", kMaxNesting));
    }
    ~DepthGuard() { --p.depth_; }
  };

  // ---- statements ----
  // Parses until a block whose first name is in `ends` (left unconsumed, at the name) or EOF.
  NodePtr subparse(const std::vector<std::string>& ends) {
    DepthGuard guard(*this);
    auto body = make(NodeKind::Body);
    while (cur().type != TokenType::Eof) {
      const Token& t = cur();
      if (t.type == TokenType::Data) {
        auto n = make(NodeKind::Output);
        n->name = t.value;
        body->kids.push_back(std::move(n));
        advance();
      } else if (t.type == TokenType::VarBegin) {
        advance();
        auto n = make(NodeKind::Print);
        n->kids.push_back(parse_tuple(true, {}, false));
        if (cur().type != TokenType::VarEnd) fail(fmt::format("expected token 'end of print statement', got '{}'", describe(cur())));
        advance();
        body->kids.push_back(std::move(n));
      } else if (t.type == TokenType::BlockBegin) {
        advance();
        if (cur().type == TokenType::Name) {
          for (const auto& e : ends)
            if (cur().value == e) return body;
        }
        body->kids.push_back(parse_statement());
      } else {
        fail("unexpected '" + describe(t) + "'");
      }
    }
    if (!ends.empty()) fail(fmt::format("unexpected end of template, expected '{}'", ends[0]));
    return body;
  }

  // After the statement's own tokens: expect %}, parse the body up to one of `ends`.
  NodePtr parse_statements(const std::vector<std::string>& ends, bool drop_needle) {
    expect_block_end();
    auto body = subparse(ends);
    if (cur().type == TokenType::Eof) fail("unexpected end of template");
    if (drop_needle) advance();
    return body;
  }

  NodePtr parse_statement() {
    if (cur().type != TokenType::Name) fail("tag name expected");
    std::string kw = cur().value;
    if (kw == "if") return parse_if();
    if (kw == "for") return parse_for();
    if (kw == "set") return parse_set();
    if (kw == "macro") return parse_macro();
    if (kw == "call") return parse_call_block();
    if (kw == "filter") return parse_filter_block();
    if (kw == "with") return parse_with();
    if (kw == "generation") {  // transformers' AssistantTracker tag: renders its body
      advance();
      auto body = parse_statements({"endgeneration"}, true);
      expect_block_end();
      return body;
    }
    if (kw == "break" || kw == "continue") {
      if (loop_depth_ == 0) fail(fmt::format("'{}' outside of a loop", kw));
      auto n = make(kw == "break" ? NodeKind::Break : NodeKind::Continue);
      advance();
      expect_block_end();
      return n;
    }
    if (kw == "extends" || kw == "include" || kw == "import" || kw == "from" || kw == "block" || kw == "do")
      fail(fmt::format("tag '{}' is not available in chat templates", kw));
    fail(fmt::format("Encountered unknown tag '{}'", kw));
  }

  NodePtr parse_if() {
    auto n = make(NodeKind::If);
    advance();
    ++cond_depth_;
    while (true) {
      n->kids.push_back(parse_tuple(false, {}, false));
      n->kids.push_back(parse_statements({"elif", "else", "endif"}, false));
      if (skip_name("elif")) continue;
      if (skip_name("else")) n->kids.push_back(parse_statements({"endif"}, false));
      break;
    }
    --cond_depth_;
    advance();  // endif
    expect_block_end();
    return n;
  }

  NodePtr parse_for() {
    auto n = make(NodeKind::For);
    advance();
    n->names = parse_targets();
    if (!skip_name("in")) fail(fmt::format("expected token 'in', got '{}'", describe(cur())));
    n->kids.push_back(parse_tuple(false, {"recursive"}, false));
    NodePtr filter;
    if (skip_name("if")) filter = parse_expression(true);
    if (skip_name("recursive")) fail("recursive for loops are not supported in chat templates");
    ++loop_depth_;
    n->kids.push_back(parse_statements({"endfor", "else"}, false));
    --loop_depth_;
    if (skip_name("else")) {
      n->kids.push_back(parse_statements({"endfor"}, false));
    } else {
      n->kids.push_back(make(NodeKind::Body));
    }
    advance();  // endfor
    expect_block_end();
    n->kids.push_back(std::move(filter));
    return n;
  }

  // A name or a tuple of names (for/set targets).
  std::vector<std::string> parse_targets() {
    std::vector<std::string> names;
    bool paren = skip_op("(");
    do {
      if (paren && is_op(")")) break;
      names.push_back(expect_name());
    } while (skip_op(","));
    if (paren) expect_op(")");
    for (const auto& nm : names)
      if (nm == "true" || nm == "false" || nm == "none" || nm == "True" || nm == "False" || nm == "None")
        fail(fmt::format("can't assign to '{}'", nm));
    return names;
  }

  NodePtr parse_set() {
    advance();
    if (cur().type == TokenType::Name && peek().type == TokenType::Operator && peek().value == ".") {
      auto n = make(NodeKind::Set);
      n->name = cur().value;
      advance();
      advance();
      n->attr = expect_name();
      expect_op("=");
      n->kids.push_back(parse_tuple(true, {}, false));
      expect_block_end();
      return n;
    }
    auto targets = parse_targets();
    if (skip_op("=")) {
      auto n = make(NodeKind::Set);
      n->names = std::move(targets);
      n->kids.push_back(parse_tuple(true, {}, false));
      expect_block_end();
      return n;
    }
    if (targets.size() != 1) fail("expected token '='");
    auto n = make(NodeKind::SetBlock);
    n->names = std::move(targets);
    NodePtr filters = is_op("|") ? parse_filter_chain(nullptr) : nullptr;
    n->kids.push_back(parse_statements({"endset"}, true));
    n->kids.push_back(std::move(filters));
    expect_block_end();
    return n;
  }

  // Macro / call-block signature: (a, b=expr, ...). Defaults are aligned to the last params.
  void parse_signature(Node& n, size_t first_default_slot) {
    expect_op("(");
    bool seen_default = false;
    while (!is_op(")")) {
      if (!n.names.empty()) expect_op(",");
      if (is_op(")")) break;
      n.names.push_back(expect_name());
      if (skip_op("=")) {
        n.kids.push_back(parse_expression(true));
        seen_default = true;
      } else if (seen_default) {
        fail("non-default argument follows default argument");
      }
    }
    expect_op(")");
    (void)first_default_slot;
  }

  NodePtr parse_macro() {
    auto n = make(NodeKind::Macro);
    advance();
    n->name = expect_name();
    n->kids.push_back(nullptr);  // body slot
    parse_signature(*n, 1);
    int saved_loop = loop_depth_;
    loop_depth_ = 0;
    n->kids[0] = parse_statements({"endmacro"}, true);
    loop_depth_ = saved_loop;
    expect_block_end();
    return n;
  }

  NodePtr parse_call_block() {
    auto n = make(NodeKind::CallBlock);
    advance();
    n->kids.push_back(nullptr);
    n->kids.push_back(nullptr);
    if (is_op("(")) parse_signature(*n, 2);
    auto call = parse_expression(true);
    if (call->kind != NodeKind::Call) fail("expected call");
    n->kids[0] = std::move(call);
    n->kids[1] = parse_statements({"endcall"}, true);
    expect_block_end();
    return n;
  }

  NodePtr parse_filter_block() {
    auto n = make(NodeKind::FilterBlock);
    advance();
    n->kids.push_back(parse_filter_chain(nullptr, true));
    n->kids.push_back(parse_statements({"endfilter"}, true));
    expect_block_end();
    return n;
  }

  NodePtr parse_with() {
    auto n = make(NodeKind::With);
    advance();
    while (cur().type != TokenType::BlockEnd) {
      if (!n->names.empty()) expect_op(",");
      n->names.push_back(expect_name());
      expect_op("=");
      n->kids.push_back(parse_expression(true));
    }
    n->kids.push_back(parse_statements({"endwith"}, true));
    expect_block_end();
    return n;
  }

  // ---- expressions ----
  bool is_tuple_end(const std::vector<std::string>& extra_ends) const {
    if (cur().type == TokenType::VarEnd || cur().type == TokenType::BlockEnd || is_op(")")) return true;
    if (cur().type == TokenType::Name)
      for (const auto& e : extra_ends)
        if (cur().value == e) return true;
    return false;
  }

  NodePtr parse_tuple(bool with_condexpr, const std::vector<std::string>& extra_ends, bool explicit_parens) {
    int line = cur().line;
    std::vector<NodePtr> args;
    bool is_tuple = false;
    while (true) {
      if (!args.empty()) expect_op(",");
      if (is_tuple_end(extra_ends)) break;
      args.push_back(parse_expression(with_condexpr));
      if (is_op(",")) is_tuple = true;
      else break;
    }
    if (!is_tuple) {
      if (!args.empty()) return std::move(args[0]);
      if (!explicit_parens) fail(fmt::format("Expected an expression, got '{}'", describe(cur())));
    }
    auto n = std::make_unique<Node>(NodeKind::TupleLit, line);
    n->kids = std::move(args);
    return n;
  }

  NodePtr parse_expression(bool with_condexpr) { return with_condexpr ? parse_condexpr() : parse_or(); }

  NodePtr parse_condexpr() {
    DepthGuard guard(*this);
    auto expr1 = parse_or();
    while (is_name("if")) {
      auto n = make(NodeKind::CondExpr);
      advance();
      ++cond_depth_;
      n->kids.push_back(parse_or());
      n->kids.push_back(std::move(expr1));
      n->kids.push_back(skip_name("else") ? parse_condexpr() : nullptr);
      --cond_depth_;
      expr1 = std::move(n);
    }
    return expr1;
  }

  NodePtr binary(const std::string& op, NodePtr l, NodePtr r) {
    auto n = std::make_unique<Node>(NodeKind::Binary, l->line);
    n->name = op;
    n->kids.push_back(std::move(l));
    n->kids.push_back(std::move(r));
    return n;
  }

  NodePtr parse_or() {
    auto left = parse_and();
    while (skip_name("or")) left = binary("or", std::move(left), parse_and());
    return left;
  }
  NodePtr parse_and() {
    auto left = parse_not();
    while (skip_name("and")) left = binary("and", std::move(left), parse_not());
    return left;
  }
  NodePtr parse_not() {
    DepthGuard guard(*this);
    if (is_name("not")) {
      auto n = make(NodeKind::Unary);
      advance();
      n->name = "not";
      n->kids.push_back(parse_not());
      return n;
    }
    return parse_compare();
  }
  NodePtr parse_compare() {
    auto first = parse_math1();
    NodePtr cmp;
    while (true) {
      std::string op;
      if (cur().type == TokenType::Operator &&
          (cur().value == "==" || cur().value == "!=" || cur().value == "<" || cur().value == "<=" ||
           cur().value == ">" || cur().value == ">=")) {
        op = cur().value;
        advance();
      } else if (is_name("in")) {
        op = "in";
        advance();
      } else if (is_name("not") && peek().type == TokenType::Name && peek().value == "in") {
        op = "notin";
        advance();
        advance();
      } else {
        break;
      }
      if (!cmp) {
        cmp = std::make_unique<Node>(NodeKind::Compare, first->line);
        cmp->kids.push_back(std::move(first));
      }
      cmp->names.push_back(op);
      cmp->kids.push_back(parse_math1());
    }
    return cmp ? std::move(cmp) : std::move(first);
  }
  NodePtr parse_math1() {
    auto left = parse_concat();
    while (is_op("+") || is_op("-")) {
      std::string op = cur().value;
      advance();
      left = binary(op, std::move(left), parse_concat());
    }
    return left;
  }
  NodePtr parse_concat() {
    auto left = parse_math2();
    while (skip_op("~")) left = binary("~", std::move(left), parse_math2());
    return left;
  }
  NodePtr parse_math2() {
    auto left = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      std::string op = cur().value;
      advance();
      left = binary(op, std::move(left), parse_pow());
    }
    return left;
  }
  NodePtr parse_pow() {
    auto left = parse_unary(true);
    while (skip_op("**")) left = binary("**", std::move(left), parse_unary(true));
    return left;
  }
  NodePtr parse_unary(bool with_filter) {
    DepthGuard guard(*this);
    NodePtr node;
    if (is_op("-") || is_op("+")) {
      auto n = make(NodeKind::Unary);
      n->name = cur().value;
      advance();
      n->kids.push_back(parse_unary(false));
      node = std::move(n);
    } else {
      node = parse_postfix(parse_primary());
    }
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  NodePtr parse_primary() {
    DepthGuard guard(*this);
    const Token& t = cur();
    auto lit = [&](Value v) {
      auto n = make(NodeKind::Literal);
      n->value = std::move(v);
      return n;
    };
    switch (t.type) {
      case TokenType::Name: {
        const std::string& v = t.value;
        NodePtr n;
        if (v == "true" || v == "True") n = lit(Value::boolean(true));
        else if (v == "false" || v == "False") n = lit(Value::boolean(false));
        else if (v == "none" || v == "None") n = lit(Value::none());
        else {
          n = make(NodeKind::Name);
          n->name = v;
        }
        advance();
        return n;
      }
      case TokenType::String: {
        std::string s;
        int line = t.line;
        while (cur().type == TokenType::String) {
          s += cur().value;
          advance();
        }
        auto n = std::make_unique<Node>(NodeKind::Literal, line);
        n->value = Value::string(std::move(s));
        return n;
      }
      case TokenType::Integer: {
        std::string d = t.value;
        int base = 10;
        size_t skip = 0;
        if (d.size() > 1 && d[0] == '0' && (d[1] | 0x20) == 'x') base = 16, skip = 2;
        else if (d.size() > 1 && d[0] == '0' && (d[1] | 0x20) == 'o') base = 8, skip = 2;
        else if (d.size() > 1 && d[0] == '0' && (d[1] | 0x20) == 'b') base = 2, skip = 2;
        errno = 0;
        char* end = nullptr;
        long long v = std::strtoll(d.c_str() + skip, &end, base);
        if (errno == ERANGE) fail("integer literal out of the 64-bit range: " + d);
        auto n = lit(Value::integer(v));
        advance();
        return n;
      }
      case TokenType::Float: {
        auto n = lit(Value::number(std::strtod(t.value.c_str(), nullptr)));
        advance();
        return n;
      }
      case TokenType::Operator: {
        if (t.value == "(") {
          advance();
          auto n = parse_tuple(true, {}, true);
          expect_op(")");
          return n;
        }
        if (t.value == "[") {
          auto n = make(NodeKind::ListLit);
          advance();
          while (!is_op("]")) {
            if (!n->kids.empty()) expect_op(",");
            if (is_op("]")) break;
            n->kids.push_back(parse_expression(true));
          }
          expect_op("]");
          return n;
        }
        if (t.value == "{") {
          auto n = make(NodeKind::DictLit);
          advance();
          while (!is_op("}")) {
            if (!n->kids.empty()) expect_op(",");
            if (is_op("}")) break;
            n->kids.push_back(parse_expression(true));
            expect_op(":");
            n->kids.push_back(parse_expression(true));
          }
          expect_op("}");
          return n;
        }
        break;
      }
      default: break;
    }
    fail(fmt::format("unexpected '{}'", describe(t)));
  }

  NodePtr parse_postfix(NodePtr node) {
    while (true) {
      if (is_op(".") || is_op("[")) node = parse_subscript(std::move(node));
      else if (is_op("(")) node = parse_call(std::move(node));
      else break;
    }
    return node;
  }

  NodePtr parse_filter_expr(NodePtr node) {
    while (true) {
      if (is_op("|")) node = parse_filter_chain(std::move(node));
      else if (is_name("is")) node = parse_test(std::move(node));
      else if (is_op("(")) node = parse_call(std::move(node));
      else break;
    }
    return node;
  }

  NodePtr parse_subscript(NodePtr node) {
    DepthGuard guard(*this);
    if (skip_op(".")) {
      if (cur().type == TokenType::Name) {
        auto n = make(NodeKind::GetAttr);
        n->name = cur().value;
        advance();
        n->kids.push_back(std::move(node));
        return n;
      }
      if (cur().type == TokenType::Integer) {
        auto n = make(NodeKind::GetItem);
        auto idx = make(NodeKind::Literal);
        idx->value = Value::integer(std::strtoll(cur().value.c_str(), nullptr, 10));
        advance();
        n->kids.push_back(std::move(node));
        n->kids.push_back(std::move(idx));
        return n;
      }
      fail("expected name or number");
    }
    expect_op("[");
    std::vector<NodePtr> args;
    while (!is_op("]")) {
      if (!args.empty()) expect_op(",");
      args.push_back(parse_subscribed());
    }
    expect_op("]");
    if (args.size() == 1 && args[0]->kind == NodeKind::Slice) {
      args[0]->kids[0] = std::move(node);
      return std::move(args[0]);
    }
    auto n = make(NodeKind::GetItem);
    n->kids.push_back(std::move(node));
    if (args.size() == 1) {
      n->kids.push_back(std::move(args[0]));
    } else {
      auto tup = make(NodeKind::TupleLit);
      tup->kids = std::move(args);
      n->kids.push_back(std::move(tup));
    }
    return n;
  }

  NodePtr parse_subscribed() {
    std::vector<NodePtr> parts;
    if (skip_op(":")) {
      parts.push_back(nullptr);
    } else {
      auto e = parse_expression(true);
      if (!is_op(":")) return e;
      advance();
      parts.push_back(std::move(e));
    }
    if (is_op(":")) parts.push_back(nullptr);
    else if (!is_op("]") && !is_op(",")) parts.push_back(parse_expression(true));
    else parts.push_back(nullptr);
    if (skip_op(":")) {
      if (!is_op("]") && !is_op(",")) parts.push_back(parse_expression(true));
      else parts.push_back(nullptr);
    } else {
      parts.push_back(nullptr);
    }
    auto n = make(NodeKind::Slice);
    n->kids.push_back(nullptr);  // object slot, filled by parse_subscript
    for (auto& p : parts) n->kids.push_back(std::move(p));
    return n;
  }

  // Call arguments into node->kids[first..] with node->names: "" positional, name=, "*", "**".
  void parse_call_args(Node& n) {
    expect_op("(");
    bool first = true;
    while (!is_op(")")) {
      if (!first) {
        expect_op(",");
        if (is_op(")")) break;
      }
      first = false;
      if (skip_op("*")) {
        n.names.push_back("*");
      } else if (skip_op("**")) {
        n.names.push_back("**");
      } else if (cur().type == TokenType::Name && peek().type == TokenType::Operator && peek().value == "=") {
        n.names.push_back(cur().value);
        advance();
        advance();
      } else {
        n.names.push_back("");
      }
      n.kids.push_back(parse_expression(true));
    }
    expect_op(")");
  }

  NodePtr parse_call(NodePtr node) {
    DepthGuard guard(*this);
    auto n = make(NodeKind::Call);
    n->kids.push_back(std::move(node));
    parse_call_args(*n);
    return n;
  }

  NodePtr parse_filter_chain(NodePtr node, bool start_inline = false) {
    if (!start_inline) expect_op("|");
    while (true) {
      DepthGuard guard(*this);
      auto n = make(NodeKind::Filter);
      n->name = expect_name();
      while (skip_op(".")) n->name += "." + expect_name();
      if (cond_depth_ == 0 && !is_known_filter(n->name)) fail(fmt::format("No filter named '{}'.", n->name));
      n->kids.push_back(std::move(node));
      if (is_op("(")) parse_call_args(*n);
      node = std::move(n);
      if (!skip_op("|")) break;
    }
    return node;
  }

  NodePtr parse_test(NodePtr node) {
    auto n = make(NodeKind::Test);
    advance();  // is
    if (skip_name("not")) n->negated = true;
    n->name = expect_name();
    while (skip_op(".")) n->name += "." + expect_name();
    if (cond_depth_ == 0 && !is_known_test(n->name)) fail(fmt::format("No test named '{}'.", n->name));
    n->kids.push_back(std::move(node));
    const Token& t = cur();
    if (is_op("(")) {
      parse_call_args(*n);
    } else if ((t.type == TokenType::Name || t.type == TokenType::String || t.type == TokenType::Integer ||
                t.type == TokenType::Float || is_op("[") || is_op("{")) &&
               !(is_name("else") || is_name("or") || is_name("and"))) {
      if (is_name("is")) fail("You cannot chain multiple tests with is");
      n->kids.push_back(parse_postfix(parse_primary()));
      n->names.push_back("");
    }
    return n;
  }

  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
  int cond_depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace

NodePtr parse_template(std::string_view source) { return Parser(tokenize_template(source)).parse(); }

}  // namespace hfcpp::tokenizers::chat_template
