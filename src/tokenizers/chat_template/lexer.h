// Tokenizer for Jinja templates, configured as transformers configures jinja2:
// trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False, default delimiters.
// Whitespace control ({%- -%}, {{- -}}, {#- -#}, {%+ %}) and newline normalisation follow
// jinja2.lexer.Lexer.tokeniter exactly (including its `line_starting` rule for lstrip).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hfcpp::tokenizers::chat_template {

enum class TokenType : uint8_t {
  Data,        // template text
  VarBegin,    // {{
  VarEnd,      // }}
  BlockBegin,  // {%
  BlockEnd,    // %}
  Name,
  String,   // value is the decoded string
  Integer,  // value holds the digits without '_'
  Float,
  Operator,
  Eof,
};

struct Token {
  TokenType type;
  std::string value;
  int line = 1;
};

// Throws hfcpp::Error(Format) "[chat_template] line N: ..." on a lexical error.
std::vector<Token> tokenize_template(std::string_view source);

}  // namespace hfcpp::tokenizers::chat_template
