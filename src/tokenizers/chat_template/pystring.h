// Python str methods over UTF-8 text, with Python's rules (code points, Unicode whitespace,
// full case mapping where it differs from the simple one for common letters).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizers/chat_template/value.h"

namespace hfcpp::tokenizers::chat_template::pystr {

// strip/lstrip/rstrip; chars == nullopt strips Unicode whitespace.
std::string strip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right);
// split/rsplit; sep == nullopt splits on whitespace runs and drops empty parts.
std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit,
                               bool from_right = false);
std::vector<std::string> splitlines(std::string_view s, bool keepends);
std::string upper(std::string_view s);
std::string lower(std::string_view s);
std::string title(std::string_view s);       // str.title()
std::string capitalize(std::string_view s);  // str.capitalize()
std::string swapcase(std::string_view s);
std::string replace(std::string_view s, std::string_view old, std::string_view repl, int64_t count);
// str.find / rfind / count with optional code-point start/end; returns code-point index or -1.
int64_t find(std::string_view s, std::string_view sub, bool reverse, std::optional<int64_t> start,
             std::optional<int64_t> end);
int64_t count(std::string_view s, std::string_view sub);
bool is_all(std::string_view s, bool (*pred)(char32_t));
bool is_alpha(char32_t c);
bool is_digit(char32_t c);
bool is_alnum(char32_t c);
bool is_upper_char(char32_t c);
bool is_lower_char(char32_t c);
bool is_cased(char32_t c);
// Python's str.isupper / islower: at least one cased char and no cased char of the other case.
bool is_upper_str(std::string_view s);
bool is_lower_str(std::string_view s);
std::string pad(std::string_view s, int64_t width, char32_t fill, int align);  // -1 left, 0 center, 1 right

// printf-style `fmt % args` (the `format` filter and the % operator on strings).
std::string percent_format(const std::string& fmt, const Value& args);
// str.format(*args, **kwargs) for the common field forms ({}, {0}, {name}, {:spec}).
std::string brace_format(const std::string& fmt, const CallArgs& args);
// format(value, spec) for numbers and strings.
std::string format_spec(const Value& v, std::string_view spec);

}  // namespace hfcpp::tokenizers::chat_template::pystr
