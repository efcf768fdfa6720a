// Repository identity on the Hub: repo types, id and filename validation, and the names the
// cache and URLs derive from them, exactly as huggingface_hub spells them
// ("models--org--name", "datasets/" URL prefix, "refs/<ref>").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hfcpp::hub {

enum class RepoType { Model, Dataset, Space };

// "model", "dataset", "space".
const char* repo_type_name(RepoType type);
// Accepts "model", "dataset", "space" (and the plural forms); throws InvalidArgument otherwise.
RepoType parse_repo_type(std::string_view text);
// "models", "datasets", "spaces": the /api/{...} segment and the cache folder prefix.
std::string repo_type_plural(RepoType type);
// "" for models, "datasets/" and "spaces/" otherwise: the prefix of resolve URLs.
std::string repo_url_prefix(RepoType type);

// huggingface_hub's validate_repo_id: [namespace/]name, each part 1..96 chars of [A-Za-z0-9_.-]
// starting and ending with [A-Za-z0-9_], no "--" or "..", not ending in ".git". Throws
// InvalidArgument naming the id.
void validate_repo_id(std::string_view repo_id);
// A repo filename must stay inside the folder it is joined to: no empty name, no "..", "."
// or empty segment, no absolute, drive or UNC path, no backslash, no NUL. Throws InvalidArgument.
void validate_repo_filename(std::string_view filename);
// A revision (branch, tag or commit) is used as a folder name under refs/ and snapshots/: it may
// contain "/" (refs/pr/1) but no ".." segment, no leading "/", no NUL. Throws InvalidArgument.
void validate_revision(std::string_view revision);

// "models--org--name" (the cache folder of a repo).
std::string repo_folder_name(std::string_view repo_id, RepoType type);
// Parses a cache folder name back; nullopt if it is not one ("models--x", "datasets--a--b").
struct RepoRef {
  RepoType type;
  std::string repo_id;
};
std::optional<RepoRef> parse_repo_folder_name(std::string_view folder);

// True for a full 40-hex commit hash (which is immutable, so needs no network round trip).
bool is_commit_hash(std::string_view revision);
// True for a 64-hex sha256 (the etag of an LFS file).
bool is_sha256_hex(std::string_view text);

// Percent-encodes for a URL: quote(text, safe="") for revisions, quote(path) (keeps "/") for
// filenames, exactly as huggingface_hub builds its URLs.
std::string url_quote(std::string_view text, bool keep_slash);

}  // namespace hfcpp::hub
