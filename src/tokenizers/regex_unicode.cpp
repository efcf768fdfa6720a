#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizers/regex_unicode.h"

#include <pcre2.h>

#include <cstdio>
#include <cstdlib>

namespace hfcpp::tokenizers::regex_unicode {

extern const CategoryRange kNewerThanPcre2[];  // regex_unicode_table.cpp (generated)
extern const size_t kNewerThanPcre2Count;

namespace {
bool pcre2_is_current() {
  static const bool current = [] {
    char version[64] = {};
    if (pcre2_config(PCRE2_CONFIG_UNICODE_VERSION, version) < 0) return false;
    return std::atoi(version) >= 16;
  }();
  return current;
}

bool category_in(std::string_view category, std::string_view name) {
  if (name == category) return true;
  if (name.size() == 1) return name[0] == category[0];
  if (name == "L&" || name == "LC") return category == "Lu" || category == "Ll" || category == "Lt";
  return false;
}

// "\x{lo}-\x{hi}..." for the newer code points in class `name`; empty when there are none.
std::string ranges_for(std::string_view name) {
  std::string out;
  char buf[40];
  for (size_t k = 0; k < kNewerThanPcre2Count; ++k) {
    const CategoryRange& r = kNewerThanPcre2[k];
    if (!category_in(r.category, name)) continue;
    if (r.lo == r.hi)
      std::snprintf(buf, sizeof buf, "\\x{%X}", unsigned(r.lo));
    else
      std::snprintf(buf, sizeof buf, "\\x{%X}-\\x{%X}", unsigned(r.lo), unsigned(r.hi));
    out += buf;
  }
  return out;
}
}  // namespace

std::string with_newer_code_points(std::string_view p) {
  if (pcre2_is_current() ||
      (p.find("\\p") == std::string_view::npos && p.find("\\P") == std::string_view::npos))
    return std::string(p);
  std::string out;
  out.reserve(p.size() * 2);
  int depth = 0;  // [...] nesting (Oniguruma allows nested classes)
  for (size_t i = 0; i < p.size();) {
    char ch = p[i];
    if (ch == '\\' && i + 1 < p.size()) {
      char e = p[i + 1];
      if (e != 'p' && e != 'P') {
        out.append(p.substr(i, 2));
        i += 2;
        continue;
      }
      size_t end;
      std::string_view name;
      if (i + 2 < p.size() && p[i + 2] == '{') {
        size_t close = p.find('}', i + 3);
        if (close == std::string_view::npos) {  // malformed: let PCRE2 report it
          out.append(p.substr(i));
          break;
        }
        name = p.substr(i + 3, close - i - 3);
        end = close + 1;
      } else {
        name = p.substr(i + 2, 1);
        end = i + 3;
      }
      bool negated = e == 'P';
      if (!name.empty() && name[0] == '^') {
        negated = !negated;
        name.remove_prefix(1);
      }
      std::string extra = name.empty() ? std::string() : ranges_for(name);
      std::string_view token = p.substr(i, end - i);
      if (extra.empty() || (depth > 0 && negated)) {
        out.append(token);  // (a negated class inside [...] keeps PCRE2's answer)
      } else if (depth > 0) {
        out.append(token);
        out += extra;
      } else {
        out += negated ? "[^\\p{" : "[\\p{";
        out.append(name);
        out += "}";
        out += extra;
        out += "]";
      }
      i = end;
      continue;
    }
    if (ch == '[') {
      if (depth > 0 && i + 1 < p.size() && p[i + 1] == ':') {  // POSIX [:name:]
        size_t close = p.find(":]", i + 2);
        if (close != std::string_view::npos) {
          out.append(p.substr(i, close + 2 - i));
          i = close + 2;
          continue;
        }
      }
      ++depth;
      out += ch;
      ++i;
      if (i < p.size() && p[i] == '^') out += p[i++];
      if (i < p.size() && p[i] == ']') out += p[i++];  // a leading ] is a literal
      continue;
    }
    if (ch == ']' && depth > 0) --depth;
    out += ch;
    ++i;
  }
  return out;
}

}  // namespace hfcpp::tokenizers::regex_unicode
