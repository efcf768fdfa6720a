// Publishing to a Hub (huggingface.co or `hfcpp hub serve`) the way huggingface_hub's
// create_repo / upload_folder do: preupload decides regular vs LFS per file, LFS files go through
// the git-LFS batch API (basic transfer), and one NDJSON commit adds everything.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hfcpp/core/json.h"
#include "hfcpp/hub/repo.h"

namespace hfcpp::hub {

struct HubApiOptions {
  RepoType repo_type = RepoType::Model;
  std::string revision = "main";
  std::string endpoint;              // empty: HF_ENDPOINT or https://huggingface.co
  std::optional<std::string> token;  // nullopt: HF_TOKEN / HUGGING_FACE_HUB_TOKEN / token file
};

// POST /api/repos/create; an existing repository is fine when exist_ok. Returns its URL.
std::string create_repo(const std::string& repo_id, const HubApiOptions& options, bool is_private = false,
                        bool exist_ok = true);

struct UploadResult {
  std::string commit_oid;  // empty when nothing changed (no commit made)
  std::string commit_url;
  size_t files_committed = 0;
  size_t files_unchanged = 0;
};

// Uploads a file or a folder (recursively, skipping .git/ and .cache/huggingface/) to
// path_in_repo (for a file, default its name; for a folder, default the repo root).
UploadResult upload_path(const std::string& repo_id, const std::string& local_path, const std::string& path_in_repo,
                         const HubApiOptions& options, const std::string& commit_message,
                         const std::string& commit_description = "");

// GET /api/{models,datasets}/{id}[/revision/{rev}] as JSON.
core::Json repo_info(const std::string& repo_id, const HubApiOptions& options);

struct ModelSearch {
  std::string search, task, library, license, author;
  std::string sort;  // downloads, likes, last_modified (or the API's lastModified), "" = server order
  size_t limit = 20;
};
// GET /api/models with the Hub's query parameters; the raw JSON array.
core::Json search_models(const ModelSearch& query, const HubApiOptions& options);

}  // namespace hfcpp::hub
