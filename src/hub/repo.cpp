#include "hfcpp/hub/repo.h"

#include <cctype>

#include "hfcpp/core/error.h"

namespace hfcpp::hub {
namespace {

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_id_char(char c) { return is_word_char(c) || c == '-' || c == '.'; }

bool valid_id_part(std::string_view part) {
  if (part.empty() || part.size() > 96) return false;
  if (!is_word_char(part.front()) || !is_word_char(part.back())) return false;
  for (char c : part)
    if (!is_id_char(c)) return false;
  return true;
}

bool all_hex(std::string_view text) {
  for (char c : text)
    if (!std::isxdigit(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c)))
      return false;
  return true;
}

}  // namespace

const char* repo_type_name(RepoType type) {
  switch (type) {
    case RepoType::Model: return "model";
    case RepoType::Dataset: return "dataset";
    case RepoType::Space: return "space";
  }
  return "model";
}

RepoType parse_repo_type(std::string_view text) {
  if (text == "model" || text == "models") return RepoType::Model;
  if (text == "dataset" || text == "datasets") return RepoType::Dataset;
  if (text == "space" || text == "spaces") return RepoType::Space;
  HFCPP_THROW(ErrorCode::InvalidArgument, "[hub] unknown repo type: got '{}', expected model, dataset or space",
              text);
}

std::string repo_type_plural(RepoType type) { return std::string(repo_type_name(type)) + "s"; }

std::string repo_url_prefix(RepoType type) {
  return type == RepoType::Model ? std::string() : repo_type_plural(type) + "/";
}

void validate_repo_id(std::string_view repo_id) {
  auto fail = [&](std::string_view why) {
    HFCPP_THROW(ErrorCode::InvalidArgument, "[hub] invalid repo id '{}': {}", repo_id, why);
  };
  if (repo_id.empty()) fail("empty");
  size_t slash = repo_id.find('/');
  if (slash != std::string_view::npos && repo_id.find('/', slash + 1) != std::string_view::npos)
    fail("more than one '/' (expected 'name' or 'namespace/name'; use --repo-type for datasets and spaces)");
  if (slash != std::string_view::npos && !valid_id_part(repo_id.substr(0, slash)))
    fail("the namespace must use [A-Za-z0-9_.-], start and end with a letter, digit or '_', max 96 chars");
  if (!valid_id_part(slash == std::string_view::npos ? repo_id : repo_id.substr(slash + 1)))
    fail("the name must use [A-Za-z0-9_.-], start and end with a letter, digit or '_', max 96 chars");
  if (repo_id.find("--") != std::string_view::npos || repo_id.find("..") != std::string_view::npos)
    fail("'--' and '..' are not allowed");
  if (repo_id.size() >= 4 && repo_id.substr(repo_id.size() - 4) == ".git") fail("cannot end with '.git'");
}

void validate_repo_filename(std::string_view filename) {
  auto fail = [&](std::string_view why) {
    HFCPP_THROW(ErrorCode::InvalidArgument, "[hub] unsafe repo filename '{}': {}", filename, why);
  };
  if (filename.empty()) fail("empty");
  if (filename.find('\0') != std::string_view::npos) fail("contains a NUL byte");
  if (filename.find('\\') != std::string_view::npos) fail("contains a backslash");
  if (filename.front() == '/') fail("absolute path");
  // Windows drive ("C:", "D:foo") in any segment: the file could escape when consumed there.
  size_t start = 0;
  while (start <= filename.size()) {
    size_t end = filename.find('/', start);
    if (end == std::string_view::npos) end = filename.size();
    std::string_view seg = filename.substr(start, end - start);
    if (seg.empty()) fail("empty path segment");
    if (seg == "..") fail("'..' path segment");
    if (seg == ".") fail("'.' path segment");
    if (seg.size() >= 2 && seg[1] == ':' && std::isalpha(static_cast<unsigned char>(seg[0])))
      fail("drive-letter path");
    start = end + 1;
  }
  // A client decodes nothing, but a "%2e%2e" segment means the name was mangled upstream.
  for (size_t i = 0; i + 2 < filename.size(); ++i) {
    if (filename[i] == '%') {
      std::string lower;
      for (size_t k = i; k < std::min(filename.size(), i + 6); ++k)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(filename[k])));
      if (lower.rfind("%2e%2e", 0) == 0 || lower.rfind("%2f", 0) == 0 || lower.rfind("%5c", 0) == 0)
        fail("percent-encoded traversal");
    }
  }
}

void validate_revision(std::string_view revision) {
  auto fail = [&](std::string_view why) {
    HFCPP_THROW(ErrorCode::InvalidArgument, "[hub] invalid revision '{}': {}", revision, why);
  };
  if (revision.empty()) fail("empty");
  if (revision.find('\0') != std::string_view::npos || revision.find('\\') != std::string_view::npos)
    fail("contains a NUL byte or backslash");
  if (revision.front() == '/' || revision.back() == '/') fail("leading or trailing '/'");
  size_t start = 0;
  while (start <= revision.size()) {
    size_t end = revision.find('/', start);
    if (end == std::string_view::npos) end = revision.size();
    std::string_view seg = revision.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..") fail("empty, '.' or '..' segment");
    start = end + 1;
  }
}

std::string repo_folder_name(std::string_view repo_id, RepoType type) {
  std::string out = repo_type_plural(type);
  out += "--";
  for (char c : repo_id) {
    if (c == '/')
      out += "--";
    else
      out += c;
  }
  return out;
}

std::optional<RepoRef> parse_repo_folder_name(std::string_view folder) {
  size_t sep = folder.find("--");
  if (sep == std::string_view::npos) return std::nullopt;
  std::string_view prefix = folder.substr(0, sep);
  RepoRef ref;
  if (prefix == "models")
    ref.type = RepoType::Model;
  else if (prefix == "datasets")
    ref.type = RepoType::Dataset;
  else if (prefix == "spaces")
    ref.type = RepoType::Space;
  else
    return std::nullopt;
  std::string_view rest = folder.substr(sep + 2);
  // repo_id.replace("--", "/"), as scan_cache_dir does.
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '-' && i + 1 < rest.size() && rest[i + 1] == '-') {
      ref.repo_id += '/';
      ++i;
    } else {
      ref.repo_id += rest[i];
    }
  }
  return ref;
}

bool is_commit_hash(std::string_view revision) { return revision.size() == 40 && all_hex(revision); }
bool is_sha256_hex(std::string_view text) { return text.size() == 64 && all_hex(text); }

std::string url_quote(std::string_view text, bool keep_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    bool safe = std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~' || (keep_slash && c == '/');
    if (safe) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace hfcpp::hub
