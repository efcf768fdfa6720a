#include "hfcpp/hub/upload.h"

#include <openssl/evp.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "hfcpp/core/error.h"
#include "hfcpp/core/log.h"
#include "hfcpp/hub/download.h"
#include "hub/download_internal.h"
#include "hub/fs_util.h"

namespace hfcpp::hub {
namespace fs = std::filesystem;
using namespace detail;

namespace {

struct LocalFile {
  std::string local, in_repo;
  uint64_t size = 0;
  std::string sha256, sample;
  bool lfs = false;
  std::string remote_oid;
};

DownloadOptions transport(const HubApiOptions& o) {
  DownloadOptions d;
  d.repo_type = o.repo_type;
  d.revision = o.revision;
  d.endpoint = o.endpoint;
  d.token = o.token;
  d.progress = false;
  return resolve_options(d);
}

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string git_blob_sha1(const std::string& bytes) {
  std::string data = fmt::format("blob {}", bytes.size());
  data.push_back('\0');
  data += bytes;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha1(), nullptr);
  std::string out;
  for (unsigned i = 0; i < len; ++i) out += fmt::format("{:02x}", md[i]);
  return out;
}

// A JSON request to the API; throws the Hub's error for a failed response.
HttpResponse call_api(const DownloadOptions& d, const std::string& method, const std::string& url,
                      const std::string& body, std::string_view what, const char* content_type = "application/json",
                      bool allow_conflict = false) {
  HttpRequest req;
  req.method = method;
  req.url = url;
  req.body = body;
  req.headers = auth_headers(d);
  req.headers.emplace_back("Content-Type", content_type);
  req.stall_timeout_s = 60;
  HttpResponse r = thread_http_client().perform(req);
  if (allow_conflict && r.status == 409) return r;
  raise_for_status(r, what);
  return r;
}

core::Json parse_body(const HttpResponse& r, std::string_view what) {
  try {
    return core::parse_json(r.body, r.url);
  } catch (Error& e) {
    throw std::move(e).with_context(std::string(what));
  }
}

std::string api_repo(const DownloadOptions& d, const std::string& repo_id) {
  return fmt::format("{}/api/{}/{}", d.endpoint, repo_type_plural(d.repo_type), repo_id);
}

std::vector<LocalFile> collect(const std::string& local_path, const std::string& path_in_repo) {
  std::vector<LocalFile> files;
  HFCPP_CHECK(detail::path_exists(local_path), ErrorCode::NotFound, "[hub] upload: '{}' does not exist", local_path);
  if (detail::is_regular_file(local_path)) {
    std::string dest = path_in_repo.empty() ? fs::path(local_path).filename().string() : path_in_repo;
    LocalFile f;
    f.local = local_path;
    f.in_repo = dest;
    files.push_back(std::move(f));
  } else {
    std::string prefix = path_in_repo;
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    for (const auto& e : fs::recursive_directory_iterator(local_path)) {
      if (!e.is_regular_file()) continue;
      std::string rel = fs::relative(e.path(), local_path).generic_string();
      if (rel.rfind(".git/", 0) == 0 || rel.rfind(".cache/huggingface/", 0) == 0) continue;
      LocalFile f;
      f.local = e.path().string();
      f.in_repo = prefix.empty() ? rel : prefix + "/" + rel;
      files.push_back(std::move(f));
    }
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.in_repo < b.in_repo; });
  for (auto& f : files) {
    validate_repo_filename(f.in_repo);
    f.size = detail::file_size(f.local).value_or(0);
    f.sha256 = sha256_file(f.local);
    std::ifstream in(f.local, std::ios::binary);
    f.sample.resize(512);
    in.read(f.sample.data(), 512);
    f.sample.resize(static_cast<size_t>(in.gcount()));
  }
  return files;
}

void upload_lfs(const DownloadOptions& d, const std::string& repo_id, std::vector<LocalFile*>& lfs_files) {
  if (lfs_files.empty()) return;
  core::Json objects = core::Json::array();
  for (auto* f : lfs_files) objects.push_back({{"oid", f->sha256}, {"size", f->size}});
  core::Json payload = {{"operation", "upload"}, {"transfers", {"basic"}}, {"objects", objects},
                        {"hash_algo", "sha256"}, {"ref", {{"name", d.revision}}}};
  std::string url = fmt::format("{}/{}{}.git/info/lfs/objects/batch", d.endpoint, repo_url_prefix(d.repo_type), repo_id);
  HttpRequest req;
  req.method = "POST";
  req.url = url;
  req.body = payload.dump();
  req.headers = auth_headers(d);
  req.headers.emplace_back("Content-Type", "application/vnd.git-lfs+json");
  req.headers.emplace_back("Accept", "application/vnd.git-lfs+json");
  HttpResponse r = thread_http_client().perform(req);
  raise_for_status(r, "LFS batch");
  core::Json batch = parse_body(r, "LFS batch");
  HFCPP_CHECK(batch.contains("objects") && batch["objects"].is_array(), ErrorCode::Format,
              "[hub] LFS batch: the answer from {} has no 'objects' list", url);
  for (const auto& obj : batch["objects"]) {
    std::string oid = core::json_string(obj, "oid", url);
    HFCPP_CHECK(!obj.contains("error"), ErrorCode::Network, "[hub] LFS batch refused {}: {}", oid, obj["error"].dump());
    if (!obj.contains("actions") || !obj["actions"].contains("upload")) continue;  // already there
    auto it = std::find_if(lfs_files.begin(), lfs_files.end(), [&](auto* f) { return f->sha256 == oid; });
    HFCPP_CHECK(it != lfs_files.end(), ErrorCode::Format, "[hub] LFS batch: unexpected object {}", oid);
    const auto& up = obj["actions"]["upload"];
    HFCPP_CHECK(!up.contains("header") || !up["header"].contains("chunk_size"), ErrorCode::Unsupported,
                "[hub] LFS multipart uploads are not supported yet (object {})", oid);
    HttpRequest put;
    put.method = "PUT";
    put.url = core::json_string(up, "href", url);
    put.upload_path = (*it)->local;
    put.stall_timeout_s = 120;
    if (up.contains("header") && up["header"].is_object())
      for (const auto& [k, v] : up["header"].items())
        if (v.is_string()) put.headers.emplace_back(k, v.get<std::string>());
    HFCPP_LOG_INFO("[hub] uploading {} ({} bytes) through LFS", (*it)->in_repo, (*it)->size);
    raise_for_status(thread_http_client().perform(put), "LFS upload of " + (*it)->in_repo);
    if (obj["actions"].contains("verify")) {
      std::string verify = core::json_string(obj["actions"]["verify"], "href", url);
      call_api(d, "POST", verify, core::Json{{"oid", oid}, {"size", (*it)->size}}.dump(), "LFS verify");
    }
  }
}

}  // namespace

std::string create_repo(const std::string& repo_id, const HubApiOptions& options, bool is_private, bool exist_ok) {
  validate_repo_id(repo_id);
  DownloadOptions d = transport(options);
  size_t slash = repo_id.find('/');
  core::Json body = {{"name", slash == std::string::npos ? repo_id : repo_id.substr(slash + 1)}, {"private", is_private}};
  if (slash != std::string::npos) body["organization"] = repo_id.substr(0, slash);
  if (options.repo_type != RepoType::Model) body["type"] = repo_type_name(options.repo_type);
  HttpResponse r = call_api(d, "POST", d.endpoint + "/api/repos/create", body.dump(), "creating " + repo_id,
                            "application/json", exist_ok);
  std::string url = fmt::format("{}/{}{}", d.endpoint, repo_url_prefix(options.repo_type), repo_id);
  if (r.status == 409) return url;
  core::Json j = parse_body(r, "creating " + repo_id);
  return j.is_object() && j.contains("url") && j["url"].is_string() ? j["url"].get<std::string>() : url;
}

UploadResult upload_path(const std::string& repo_id, const std::string& local_path, const std::string& path_in_repo,
                         const HubApiOptions& options, const std::string& commit_message,
                         const std::string& commit_description) {
  validate_repo_id(repo_id);
  validate_revision(options.revision);
  DownloadOptions d = transport(options);
  std::vector<LocalFile> files = collect(local_path, path_in_repo);
  HFCPP_CHECK(!files.empty(), ErrorCode::InvalidArgument, "[hub] upload: no files under '{}'", local_path);
  std::string rev = url_quote(options.revision, false);
  // 1. preupload: regular or LFS, and what the repo already holds.
  for (size_t start = 0; start < files.size(); start += 256) {
    core::Json list = core::Json::array();
    for (size_t i = start; i < std::min(files.size(), start + 256); ++i)
      list.push_back({{"path", files[i].in_repo}, {"sample", base64(files[i].sample)}, {"size", files[i].size}});
    std::string url = fmt::format("{}/preupload/{}", api_repo(d, repo_id), rev);
    core::Json j = parse_body(call_api(d, "POST", url, core::Json{{"files", list}}.dump(), "preupload"), "preupload");
    HFCPP_CHECK(j.contains("files") && j["files"].is_array(), ErrorCode::Format,
                "[hub] preupload: the answer from {} has no 'files' list", url);
    for (const auto& item : j["files"]) {
      std::string path = core::json_string(item, "path", url);
      auto it = std::find_if(files.begin(), files.end(), [&](const LocalFile& f) { return f.in_repo == path; });
      if (it == files.end()) continue;
      it->lfs = core::json_string(item, "uploadMode", url) == "lfs";
      if (item.contains("oid") && item["oid"].is_string()) it->remote_oid = item["oid"].get<std::string>();
    }
  }
  // 2. Skip unchanged files; upload LFS objects.
  UploadResult result;
  std::vector<LocalFile*> changed, lfs_files;
  for (auto& f : files) {
    std::string local_oid = f.lfs ? f.sha256 : git_blob_sha1(read_small_file(f.local));
    if (!f.remote_oid.empty() && f.remote_oid == local_oid) {
      ++result.files_unchanged;
      continue;
    }
    changed.push_back(&f);
    if (f.lfs) lfs_files.push_back(&f);
  }
  if (changed.empty()) return result;
  upload_lfs(d, repo_id, lfs_files);
  // 3. The commit, one NDJSON line per operation.
  std::string ndjson =
      core::Json{{"key", "header"}, {"value", {{"summary", commit_message}, {"description", commit_description}}}}.dump() + "\n";
  for (auto* f : changed) {
    core::Json line;
    if (f->lfs)
      line = {{"key", "lfsFile"}, {"value", {{"path", f->in_repo}, {"algo", "sha256"}, {"oid", f->sha256}, {"size", f->size}}}};
    else
      line = {{"key", "file"},
              {"value", {{"content", base64(read_small_file(f->local))}, {"path", f->in_repo}, {"encoding", "base64"}}}};
    ndjson += line.dump() + "\n";
  }
  std::string url = fmt::format("{}/commit/{}", api_repo(d, repo_id), rev);
  core::Json j = parse_body(call_api(d, "POST", url, ndjson, "commit to " + repo_id, "application/x-ndjson"), "commit");
  result.commit_oid = core::json_string(j, "commitOid", url);
  result.commit_url = core::json_string_or(j, "commitUrl", "", url);
  result.files_committed = changed.size();
  return result;
}

core::Json repo_info(const std::string& repo_id, const HubApiOptions& options) {
  validate_repo_id(repo_id);
  DownloadOptions d = transport(options);
  std::string url = api_repo(d, repo_id);
  if (!options.revision.empty() && options.revision != "main") url += "/revision/" + url_quote(options.revision, false);
  return core::parse_json(get_text(url, d, "repo info of " + repo_id), url);
}

core::Json search_models(const ModelSearch& q, const HubApiOptions& options) {
  DownloadOptions d = transport(options);
  std::string url = d.endpoint + "/api/models?limit=" + std::to_string(q.limit);
  auto add = [&](const char* key, const std::string& value) {
    if (!value.empty()) url += fmt::format("&{}={}", key, url_quote(value, false));
  };
  add("search", q.search);
  add("author", q.author);
  add("pipeline_tag", q.task);
  add("filter", q.library);
  if (!q.license.empty()) add("filter", "license:" + q.license);
  std::string sort = q.sort == "last_modified" ? "lastModified" : q.sort;
  if (!sort.empty()) {
    add("sort", sort);
    url += "&direction=-1";
  }
  core::Json j = core::parse_json(get_text(url, d, "searching models"), url);
  HFCPP_CHECK(j.is_array(), ErrorCode::Format, "[hub] model search: expected a JSON list from {}", url);
  return j;
}

}  // namespace hfcpp::hub
