// Pieces shared by the cache, local-dir and snapshot download paths.
#pragma once

#include <optional>
#include <string>

#include "hfcpp/hub/download.h"
#include "hub/http_client.h"
#include "hub/transfer_progress.h"

namespace hfcpp::hub::detail {

// One HttpClient per thread, so connections are reused across the files a worker fetches.
HttpClient& thread_http_client();

HeaderList auth_headers(const DownloadOptions& options);

// GET/HEAD with huggingface_hub's backoff: retries on 408/429/500/502/503/504 and transport
// failures (max_retries times, waiting base, 2*base, ... up to 8*base; Retry-After honoured).
HttpResponse request_with_retries(const HttpRequest& request, const DownloadOptions& options,
                                  const BodySink* sink = nullptr);

// Throws a clear hfcpp::Error for a failed response (transport error, 4xx, 5xx); `what` says
// what was being done ("HEAD config.json").
void raise_for_status(const HttpResponse& response, std::string_view what);

// True when `url` is on the same host as `base` or on a Hugging Face Hub host (or the endpoint).
bool same_or_hub_host(const std::string& base, const std::string& url, const std::string& endpoint);

// GETs a JSON document (following redirects on the hub host) and parses it.
std::string get_text(const std::string& url, const DownloadOptions& options, std::string_view what,
                     std::optional<std::string>* next_link = nullptr);

// Downloads `url` into `incomplete_path` (resuming from the bytes already there), checks the
// size and, for a sha256 etag, the digest, and renames it to `destination`. A mismatch after a
// resume discards the partial file and fetches again once from the start.
void download_to_file(const std::string& url, HeaderList headers, std::optional<uint64_t> expected_size,
                      const std::string& etag, const std::string& incomplete_path,
                      const std::string& destination, const std::string& display_name,
                      const DownloadOptions& options, TransferProgress& progress);

// get_file_metadata that also reports, for a 404 EntryNotFound, the commit the server named
// (so the absence can be cached under .no_exist/<commit>/).
FileMetadata fetch_file_metadata(const std::string& repo_id, const std::string& filename,
                                 const DownloadOptions& options, std::string* missing_at_commit);

// huggingface_hub's _normalize_etag: lstrip("W/") then strip('"').
std::string normalize_etag(std::string etag);

// The pointer path of a file in a snapshot, and try_to_load_from_cache.
std::string snapshot_file_path(const std::string& storage, const std::string& commit, const std::string& filename);
std::optional<std::string> cached_commit_for(const std::string& storage, const std::string& revision);
void write_ref(const std::string& storage, const std::string& revision, const std::string& commit);

// The hub_download entry that reuses a progress view (snapshot_download passes its own).
std::string hub_download_with_progress(const std::string& repo_id, const std::string& filename,
                                       const DownloadOptions& resolved, TransferProgress& progress);
std::string local_dir_download(const std::string& repo_id, const std::string& filename,
                               const DownloadOptions& resolved, TransferProgress& progress);

}  // namespace hfcpp::hub::detail
