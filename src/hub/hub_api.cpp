// The Hub's HTTP contract: HEAD /resolve metadata, /api/.../revision and /api/.../tree listings,
// retries with backoff and the error messages for failed responses.
#include <cstdlib>
#include <thread>

#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/core/log.h"
#include "hfcpp/hub/download.h"
#include "hfcpp/hub/settings.h"
#include "hub/download_internal.h"
#include "hub/fs_util.h"

namespace hfcpp::hub {
namespace detail {
namespace {

bool retryable_status(long status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

std::string short_body(const std::string& body) {
  std::string out = body.substr(0, 300);
  for (char& c : out)
    if (c == '\n' || c == '\r') c = ' ';
  return out;
}

}  // namespace

HttpClient& thread_http_client() {
  thread_local HttpClient client;
  return client;
}

HeaderList auth_headers(const DownloadOptions& options) {
  HeaderList headers;
  if (options.token && !options.token->empty()) headers.emplace_back("Authorization", "Bearer " + *options.token);
  return headers;
}

HttpResponse request_with_retries(const HttpRequest& request, const DownloadOptions& options, const BodySink* sink) {
  double wait = options.retry_base_wait_s;
  uint64_t delivered = 0;
  BodySink counting;
  if (sink != nullptr) {
    counting = [&](long status, const char* data, size_t size) {
      delivered += size;
      return (*sink)(status, data, size);
    };
  }
  for (int attempt = 0;; ++attempt) {
    HttpResponse r = thread_http_client().perform(request, sink != nullptr ? &counting : nullptr);
    // Once body bytes reached the sink the caller must resume with a new Range: no blind retry.
    if (delivered > 0) return r;
    bool retry = r.transport_failed || retryable_status(r.status);
    if (!retry || attempt >= options.max_retries) return r;
    double sleep_s = wait;
    if (auto after = r.header("retry-after")) {
      char* end = nullptr;
      double v = std::strtod(after->c_str(), &end);
      if (end != after->c_str() && v >= 0 && v < 120) sleep_s = v;
    }
    HFCPP_LOG_WARN("[hub] {} {}: {}; retrying in {:.1f}s [retry {}/{}]", request.method, request.url,
                   r.transport_failed ? r.transport_error : fmt::format("HTTP {}", r.status), sleep_s, attempt + 1,
                   options.max_retries);
    std::this_thread::sleep_for(std::chrono::duration<double>(sleep_s));
    wait = std::min(8.0 * options.retry_base_wait_s, wait * 2);
  }
}

void raise_for_status(const HttpResponse& r, std::string_view what) {
  if (r.transport_failed)
    HFCPP_THROW(ErrorCode::Network, "[hub] {}: cannot reach {}: {}", what, r.url, r.transport_error);
  if (r.status >= 200 && r.status < 400) return;
  std::string code = r.header("x-error-code").value_or("");
  std::string message = r.header("x-error-message").value_or("");
  if (code == "RevisionNotFound")
    HFCPP_THROW(ErrorCode::NotFound, "[hub] {}: revision not found (HTTP {} for {})", what, r.status, r.url);
  if (code == "EntryNotFound")
    HFCPP_THROW(ErrorCode::NotFound, "[hub] {}: file not found in the repository (HTTP {} for {})", what, r.status,
                r.url);
  if (code == "GatedRepo")
    HFCPP_THROW(ErrorCode::Network,
                "[hub] {}: the repository is gated: accept its conditions on the Hub and pass a token with access "
                "(HTTP {} for {})",
                what, r.status, r.url);
  if (r.status == 401 && message == "Invalid credentials in Authorization header")
    HFCPP_THROW(ErrorCode::Network,
                "[hub] {}: the token was refused (HTTP 401: {}); check --token, HF_TOKEN or $HF_HOME/token", what,
                message);
  if (code == "RepoNotFound" || r.status == 401)
    HFCPP_THROW(ErrorCode::NotFound,
                "[hub] {}: repository not found (HTTP {} for {}); check the repo id and --repo-type; a private or "
                "gated repository needs a token with access (--token or HF_TOKEN)",
                what, r.status, r.url);
  if (r.status == 403)
    HFCPP_THROW(ErrorCode::Network, "[hub] {}: forbidden (HTTP 403{}{}) for {}; check the token's permissions", what,
                message.empty() ? "" : ": ", message, r.url);
  if (r.status == 404)
    HFCPP_THROW(ErrorCode::NotFound, "[hub] {}: not found (HTTP 404 for {})", what, r.url);
  HFCPP_THROW(ErrorCode::Network, "[hub] {}: HTTP {} for {}{}{}", what, r.status, r.url,
              message.empty() ? "" : ": " + message, r.body.empty() ? "" : " (" + short_body(r.body) + ")");
}

bool same_or_hub_host(const std::string& base, const std::string& url, const std::string& endpoint) {
  std::string host = url_host(url);
  if (host.empty()) return false;
  return host == url_host(base) || host == "hf.co" || host == "huggingface.co" || host == "hub-ci.huggingface.co" ||
         host == url_host(endpoint);
}

std::string get_text(const std::string& start_url, const DownloadOptions& options, std::string_view what,
                     std::optional<std::string>* next_link) {
  std::string url = start_url;
  for (int hop = 0; hop < 20; ++hop) {
    HttpRequest req;
    req.url = url;
    req.headers = auth_headers(options);
    req.stall_timeout_s = download_timeout_s();
    HttpResponse r = request_with_retries(req, options);
    raise_for_status(r, what);
    if (r.is_redirect()) {
      std::string target = resolve_url(url, *r.header("location"));
      HFCPP_CHECK(same_or_hub_host(url, target, options.endpoint), ErrorCode::Network,
                  "[hub] {}: the API redirected off the Hub to {}", what, target);
      url = target;
      continue;
    }
    if (next_link != nullptr) {
      next_link->reset();
      if (auto link = r.header("link")) {
        if (auto next = link_next(*link)) *next_link = resolve_url(url, *next);
      }
    }
    return r.body;
  }
  HFCPP_THROW(ErrorCode::Network, "[hub] {}: more than 20 redirects from {}", what, start_url);
}

std::string normalize_etag(std::string etag) {
  size_t b = 0;
  while (b < etag.size() && (etag[b] == 'W' || etag[b] == '/')) ++b;
  etag.erase(0, b);
  while (!etag.empty() && etag.front() == '"') etag.erase(0, 1);
  while (!etag.empty() && etag.back() == '"') etag.pop_back();
  return etag;
}

}  // namespace detail

using namespace detail;

DownloadOptions resolve_options(DownloadOptions o) {
  if (o.endpoint.empty()) o.endpoint = default_endpoint();
  while (!o.endpoint.empty() && o.endpoint.back() == '/') o.endpoint.pop_back();
  if (o.cache_dir.empty()) o.cache_dir = default_cache_dir();
  o.cache_dir = absolute_path(o.cache_dir);
  if (!o.local_dir.empty()) o.local_dir = absolute_path(o.local_dir);
  if (!o.token) o.token = default_token();
  if (offline_mode()) o.offline = true;
  if (const char* w = std::getenv("HFCPP_HUB_RETRY_WAIT")) {
    char* end = nullptr;
    double v = std::strtod(w, &end);
    if (end != w && v >= 0) o.retry_base_wait_s = v;
  }
  if (o.max_workers < 1) o.max_workers = 1;
  if (o.revision.empty()) o.revision = "main";
  return o;
}

std::string hub_file_url(const std::string& endpoint, const std::string& repo_id, RepoType type,
                         const std::string& revision, const std::string& filename) {
  return fmt::format("{}/{}{}/resolve/{}/{}", endpoint, repo_url_prefix(type), repo_id, url_quote(revision, false),
                     url_quote(filename, true));
}

FileMetadata get_file_metadata(const std::string& repo_id, const std::string& filename,
                               const DownloadOptions& options) {
  return detail::fetch_file_metadata(repo_id, filename, options, nullptr);
}

FileMetadata detail::fetch_file_metadata(const std::string& repo_id, const std::string& filename,
                                         const DownloadOptions& options, std::string* missing_at_commit) {
  std::string url = hub_file_url(options.endpoint, repo_id, options.repo_type, options.revision, filename);
  std::string what = fmt::format("HEAD {}", filename);
  HttpResponse r;
  for (int hop = 0;; ++hop) {
    HFCPP_CHECK(hop < 20, ErrorCode::Network, "[hub] {}: more than 20 redirects", what);
    HttpRequest req;
    req.method = "HEAD";
    req.url = url;
    req.headers = auth_headers(options);
    req.stall_timeout_s = etag_timeout_s();
    r = request_with_retries(req, options);
    if (missing_at_commit != nullptr && r.status == 404 && r.header("x-error-code") == "EntryNotFound")
      *missing_at_commit = r.header("x-repo-commit").value_or("");
    raise_for_status(r, what);
    if (!r.is_redirect()) break;
    std::string target = resolve_url(url, *r.header("location"));
    // Off-Hub redirect (CDN, signed storage URL): the metadata is on this response.
    if (!same_or_hub_host(url, target, options.endpoint)) break;
    url = target;
  }
  FileMetadata meta;
  meta.commit_hash = r.header("x-repo-commit").value_or("");
  HFCPP_CHECK(!meta.commit_hash.empty(), ErrorCode::Format,
              "[hub] {}: the response from {} has no X-Repo-Commit header, so it is not a Hugging Face Hub "
              "endpoint; check HF_ENDPOINT, proxies and firewalls",
              what, url);
  auto etag = r.header("x-linked-etag");
  if (!etag || etag->empty()) etag = r.header("etag");
  HFCPP_CHECK(etag && !normalize_etag(*etag).empty(), ErrorCode::Format,
              "[hub] {}: the response from {} has no ETag, so the file cannot be cached reliably", what, url);
  meta.etag = normalize_etag(*etag);
  auto location = r.header("location");
  meta.location = (r.is_redirect() && location) ? resolve_url(url, *location) : url;
  auto parse_size = [](const std::optional<std::string>& v) -> std::optional<uint64_t> {
    if (!v || v->empty()) return std::nullopt;
    for (char c : *v)
      if (c < '0' || c > '9') return std::nullopt;
    try {
      return std::stoull(*v);
    } catch (...) {
      return std::nullopt;
    }
  };
  meta.size = parse_size(r.header("x-linked-size"));
  if (!meta.size && !r.is_redirect()) meta.size = parse_size(r.header("content-length"));
  return meta;
}

std::string resolve_revision(const std::string& repo_id, const DownloadOptions& options) {
  std::string url = fmt::format("{}/api/{}/{}/revision/{}", options.endpoint, repo_type_plural(options.repo_type),
                                repo_id, url_quote(options.revision, false));
  std::string what = fmt::format("resolving revision '{}' of {}", options.revision, repo_id);
  core::Json info = core::parse_json(get_text(url, options, what), url);
  HFCPP_CHECK(info.is_object(), ErrorCode::Format, "[hub] {}: expected a JSON object from {}, got {}", what, url,
              core::json_type_name(info));
  return core::json_string(info, "sha", url);
}

std::vector<RepoFileInfo> list_repo_files(const std::string& repo_id, const std::string& commit,
                                          const DownloadOptions& options) {
  std::vector<RepoFileInfo> files;
  std::optional<std::string> next = fmt::format("{}/api/{}/{}/tree/{}?recursive=true&expand=false", options.endpoint,
                                                repo_type_plural(options.repo_type), repo_id, url_quote(commit, false));
  std::string what = fmt::format("listing the files of {}@{}", repo_id, commit);
  for (int page = 0; next; ++page) {
    HFCPP_CHECK(page < 100000, ErrorCode::Network, "[hub] {}: too many pages", what);
    std::string url = *next;
    core::Json items = core::parse_json(get_text(url, options, what, &next), url);
    HFCPP_CHECK(items.is_array(), ErrorCode::Format, "[hub] {}: expected a JSON array from {}, got {}", what, url,
                core::json_type_name(items));
    for (const auto& item : items) {
      if (core::json_string_or(item, "type", "file", url) != "file") continue;
      RepoFileInfo f;
      f.path = core::json_string(item, "path", url);
      f.size = static_cast<uint64_t>(core::json_int_or(item, "size", 0, url));
      f.blob_id = core::json_string_or(item, "oid", "", url);
      if (item.contains("lfs") && item["lfs"].is_object()) {
        f.lfs_sha256 = core::json_string(item["lfs"], "oid", url + " lfs");
        f.lfs_size = static_cast<uint64_t>(core::json_int(item["lfs"], "size", url + " lfs"));
      }
      if (item.contains("xetHash") && item["xetHash"].is_string()) f.xet_hash = item["xetHash"].get<std::string>();
      files.push_back(std::move(f));
    }
  }
  return files;
}

}  // namespace hfcpp::hub
