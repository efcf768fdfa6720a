// Offline resolution of models already in the Hugging Face cache, laid out as huggingface_hub
// does: <cache>/models--org--name/refs/<revision> holds a commit id, and the files live in
// <cache>/models--org--name/snapshots/<commit>/. No network access here.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "hfcpp/hub/repo.h"

namespace hfcpp::hub {

// The snapshot folder of repo_id at revision (a branch/tag under refs/, or a 40-hex commit
// used directly) in cache_dir (empty: HF_HUB_CACHE, else HF_HOME/hub, else
// ~/.cache/huggingface/hub). Throws NotFound saying which paths it looked at.
std::string resolve_cached_snapshot(std::string_view repo_id, std::string_view revision = "main",
                                    RepoType repo_type = RepoType::Model,
                                    const std::string& cache_dir = "");

// A MODEL argument of the CLI: an existing file or folder is returned as is; otherwise
// "org/name[@revision]" is looked up in the cache. Throws NotFound naming the local path and
// the cache snapshot it tried, or InvalidArgument for something that is neither.
std::string resolve_model_path(std::string_view arg, const std::string& cache_dir = "");

}  // namespace hfcpp::hub
