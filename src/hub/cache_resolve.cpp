// resolve_cached_snapshot / resolve_model_path: the offline half of from_pretrained's lookup.
#include <filesystem>
#include <fstream>

#include "hfcpp/core/error.h"
#include "hfcpp/hub/cache.h"
#include "hfcpp/hub/settings.h"

namespace hfcpp::hub {

namespace fs = std::filesystem;

std::string resolve_cached_snapshot(std::string_view repo_id, std::string_view revision,
                                    RepoType repo_type, const std::string& cache_dir) {
  validate_repo_id(repo_id);
  validate_revision(revision);
  const fs::path cache = cache_dir.empty() ? fs::path(default_cache_dir()) : fs::path(cache_dir);
  const fs::path repo = cache / repo_folder_name(repo_id, repo_type);
  std::error_code ec;
  HFCPP_CHECK(fs::is_directory(repo, ec), ErrorCode::NotFound,
              "[hub] {} '{}' is not in the cache: no folder '{}' (set HF_HUB_CACHE or HF_HOME, "
              "or download it first)",
              repo_type_name(repo_type), repo_id, repo.string());

  std::string commit(revision);
  if (!is_commit_hash(revision)) {
    const fs::path ref = repo / "refs" / std::string(revision);
    std::ifstream in(ref);
    HFCPP_CHECK(in.good(), ErrorCode::NotFound,
                "[hub] revision '{}' of '{}' is not in the cache: no file '{}'", revision, repo_id,
                ref.string());
    std::getline(in, commit);
    while (!commit.empty() && std::isspace(static_cast<unsigned char>(commit.back()))) commit.pop_back();
    HFCPP_CHECK(is_commit_hash(commit), ErrorCode::Format,
                "[hub] '{}' should hold a 40-hex commit id, got '{}'", ref.string(), commit);
  }
  const fs::path snapshot = repo / "snapshots" / commit;
  HFCPP_CHECK(fs::is_directory(snapshot, ec), ErrorCode::NotFound,
              "[hub] revision '{}' of '{}' is not in the cache: no folder '{}'", revision, repo_id,
              snapshot.string());
  return snapshot.string();
}

std::string resolve_model_path(std::string_view arg, const std::string& cache_dir) {
  HFCPP_CHECK(!arg.empty(), ErrorCode::InvalidArgument, "[hub] empty model path or repo id");
  std::error_code ec;
  if (fs::exists(fs::path(std::string(arg)), ec)) return std::string(arg);

  std::string_view repo_id = arg, revision = "main";
  if (auto at = arg.rfind('@'); at != std::string_view::npos) {
    repo_id = arg.substr(0, at);
    revision = arg.substr(at + 1);
  }
  // Something that cannot be a repo id is reported as the missing local path it most likely is.
  try {
    validate_repo_id(repo_id);
    HFCPP_CHECK(!revision.empty(), ErrorCode::InvalidArgument, "[hub] empty revision after '@'");
  } catch (const Error&) {
    HFCPP_THROW(ErrorCode::NotFound, "[hub] '{}' is neither an existing file or folder nor a repo id "
                "like org/name[@revision]", arg);
  }
  try {
    return resolve_cached_snapshot(repo_id, revision, RepoType::Model, cache_dir);
  } catch (Error& e) {
    if (e.code() != ErrorCode::NotFound) throw;
    HFCPP_THROW(ErrorCode::NotFound, "[hub] '{}' is not a local file or folder, and as a repo id: {}",
                arg, e.message().substr(e.message().rfind("[hub] ", 0) == 0 ? 6 : 0));
  }
}

}  // namespace hfcpp::hub
