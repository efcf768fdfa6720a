// Write side of the hub API, as huggingface_hub's create_repo / upload_file / upload_folder /
// create_commit / create_branch / create_tag call it: repos/create, preupload, the git-LFS batch
// API (basic transfer: a signed PUT URL plus verify), and the NDJSON commit.
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "hfcpp/core/error.h"
#include "hub/fs_util.h"
#include "hfcpp/hub/model_card.h"
#include "hubserver/server_internal.h"

namespace hfcpp::hubserver::detail {
namespace {

// Files of at least this size, or whose first bytes hold a NUL (binary), go through LFS.
constexpr uint64_t kLfsThreshold = 10ull * 1024 * 1024;

core::Json body_json(const Call& call) {
  try {
    core::Json j = core::parse_json(call.req.body, "request body");
    if (!j.is_object()) fail(400, "", "expected a JSON object body");
    return j;
  } catch (const Error& e) {
    fail(400, "", e.message());
  }
}

std::string ticket_for(const ServerContext& ctx, const std::string& oid, uint64_t size) {
  std::string msg = fmt::format("lfs:{}:{}", oid, size);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), ctx.secret.data(), static_cast<int>(ctx.secret.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), md, &len);
  return hub::detail::hex_lower(md, len);
}

void check_ticket(const Call& call, const std::string& oid, uint64_t& size) {
  if (!hub::is_sha256_hex(oid)) fail(400, "", "bad LFS object id");
  try {
    size = std::stoull(call.req.get_param_value("size"));
  } catch (...) {
    fail(400, "", "missing size");
  }
  if (call.req.get_param_value("ticket") != ticket_for(call.ctx, oid, size)) fail(403, "", "invalid LFS upload ticket");
}

std::string base64_decode(const std::string& in, const std::string& what) {
  std::string out((in.size() / 4 + 1) * 3, '\0');
  std::string clean;
  for (char c : in)
    if (c != '\n' && c != '\r') clean += c;
  if (clean.size() % 4 != 0) fail(400, "", "invalid base64 content for " + what);
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) fail(400, "", "invalid base64 content for " + what);
  size_t pad = 0;
  if (!clean.empty() && clean.back() == '=') ++pad;
  if (clean.size() > 1 && clean[clean.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::optional<RepoType> plural_type(const std::string& s) {
  if (s == "models") return RepoType::Model;
  if (s == "datasets") return RepoType::Dataset;
  if (s == "spaces") return RepoType::Space;
  return std::nullopt;
}

RepoKey key_from_body(const core::Json& j) {
  std::string name = j.value("name", std::string());
  std::string org = j.contains("organization") && j["organization"].is_string() ? j["organization"].get<std::string>() : "";
  std::string type = j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>() : "model";
  RepoKey key;
  try {
    key.type = hub::parse_repo_type(type);
    key.id = org.empty() ? name : org + "/" + name;
    hub::validate_repo_id(key.id);
  } catch (const Error& e) {
    fail(400, "", e.message());
  }
  return key;
}

// huggingface_hub 0.x sends "private": bool, 1.x "visibility": "private" | "public".
std::optional<bool> requested_private(const core::Json& j) {
  if (j.contains("visibility") && j["visibility"].is_string()) return j["visibility"].get<std::string>() != "public";
  if (j.contains("private") && j["private"].is_boolean()) return j["private"].get<bool>();
  return std::nullopt;
}

void handle_create(Call& call) {
  core::Json j = body_json(call);
  RepoKey key = key_from_body(j);
  if (!call.ctx.access.may_write(call.who, key)) {
    if (call.who.grant == nullptr) fail(401, "", "A token with write access is required to create " + key.id);
    fail(403, "", fmt::format("The token '{}' may not create {}", call.who.name(), key.id));
  }
  bool is_private = requested_private(j).value_or(false);
  if (call.ctx.store.repo(key)) {
    call.res.set_header("X-Error-Message", "You already created this repo");
    send_json(call.res, {{"error", "You already created this " + std::string(hub::repo_type_name(key.type)) + " repo"},
                         {"url", repo_url(call, key)}},
              409);
    return;
  }
  try {
    call.ctx.store.create_repo(key, is_private);
  } catch (const Error& e) {
    if (e.message().find("already exists") != std::string::npos) fail(409, "", e.message());
    throw;
  }
  send_json(call.res, {{"url", repo_url(call, key)}, {"name", key.id}, {"id", key.id}});
}

// preupload: which files go through LFS, and the oid of what is there already (unchanged files
// are then skipped by the client).
void handle_preupload(Call& call, const RepoKey& key, const std::string& revision) {
  core::Json j = body_json(call);
  std::shared_ptr<const Commit> head;
  if (auto id = call.ctx.store.resolve(key, revision)) head = call.ctx.store.commit(key, *id);
  core::Json files = core::Json::array();
  if (!j.contains("files") || !j["files"].is_array()) fail(400, "", "expected a 'files' list");
  for (const auto& f : j["files"]) {
    std::string path = f.value("path", std::string());
    uint64_t size = f.value("size", uint64_t{0});
    std::string sample = base64_decode(f.value("sample", std::string()), path);
    bool lfs = size >= kLfsThreshold || sample.find('\0') != std::string::npos;
    core::Json out = {{"path", path}, {"uploadMode", lfs ? "lfs" : "regular"}, {"shouldIgnore", false}};
    if (head) {
      auto it = head->files.find(path);
      if (it != head->files.end() && it->second.lfs == lfs) out["oid"] = lfs ? it->second.sha256 : it->second.git_oid;
    }
    files.push_back(out);
  }
  send_json(call.res, {{"files", files}, {"commitOid", head ? head->id : ""}});
}

void handle_commit(Call& call, const RepoKey& key, const std::string& branch) {
  if (call.req.get_param_value("create_pr") == "1") fail(400, "", "pull requests are not supported by hfcpp hub serve");
  try {
    hub::validate_revision(branch);
  } catch (const Error& e) {
    fail(400, "", e.message());
  }
  std::string title, message, parent;
  std::vector<FileChange> changes;
  size_t pos = 0;
  const std::string& body = call.req.body;
  size_t line_no = 0;
  while (pos < body.size()) {
    size_t eol = body.find('\n', pos);
    if (eol == std::string::npos) eol = body.size();
    std::string line = body.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (line.find_first_not_of(" \r\t") == std::string::npos) continue;
    core::Json item;
    try {
      item = core::parse_json(line, fmt::format("commit line {}", line_no));
    } catch (const Error& e) {
      fail(400, "", e.message());
    }
    std::string k = item.value("key", std::string());
    const core::Json& v = item.contains("value") ? item["value"] : core::Json();
    if (!v.is_object()) fail(400, "", fmt::format("commit line {}: 'value' must be an object", line_no));
    std::string path = v.value("path", std::string());
    if (k != "header") {
      try {
        hub::validate_repo_filename(k == "deletedFolder" && !path.empty() && path.back() == '/' ? path.substr(0, path.size() - 1) : path);
      } catch (const Error& e) {
        fail(400, "", e.message());
      }
    }
    if (k == "header") {
      title = v.value("summary", std::string());
      message = v.value("description", std::string());
      if (v.contains("parentCommit") && v["parentCommit"].is_string()) parent = v["parentCommit"].get<std::string>();
    } else if (k == "file") {
      std::string content = v.value("content", std::string());
      std::string bytes = v.value("encoding", std::string("base64")) == "base64" ? base64_decode(content, path) : content;
      changes.push_back({path, call.ctx.store.put_bytes(bytes, false), false});
    } else if (k == "lfsFile") {
      std::string oid = v.value("oid", std::string());
      if (!call.ctx.store.has_blob(oid))
        fail(422, "", fmt::format("LFS object {} for '{}' was not uploaded", oid, path));
      StoredFile f;
      f.sha256 = oid;
      f.size = hub::detail::file_size(call.ctx.store.blob_path(oid)).value_or(0);
      if (v.contains("size") && v["size"].is_number() && v["size"].get<uint64_t>() != f.size)
        fail(422, "", fmt::format("LFS object {} has {} bytes, the commit says {}", oid, f.size, v["size"].get<uint64_t>()));
      f.lfs = true;
      f.git_oid = git_blob_oid(lfs_pointer(f.sha256, f.size));
      changes.push_back({path, f, false});
    } else if (k == "deletedFile") {
      changes.push_back({path, std::nullopt, false});
    } else if (k == "deletedFolder") {
      if (!path.empty() && path.back() == '/') path.pop_back();
      changes.push_back({path, std::nullopt, true});
    } else {
      fail(400, "", fmt::format("commit line {}: unsupported operation '{}'", line_no, k));
    }
  }
  if (title.empty()) fail(400, "", "the commit has no header with a summary");
  std::shared_ptr<const Commit> c;
  try {
    c = call.ctx.store.commit_changes(key, branch, changes, title, message, call.who.name(), parent);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::NotFound) throw HttpError{404, "EntryNotFound", e.message(), ""};
    if (e.message().find("conflict") != std::string::npos) fail(412, "", e.message());
    throw;
  }
  send_json(call.res, {{"success", true},
                       {"commitOid", c->id},
                       {"commitUrl", repo_url(call, key) + "/commit/" + c->id},
                       {"commitMessage", title},
                       {"pullRequestUrl", nullptr}});
}

void handle_lfs_batch(Call& call, const RepoKey& key) {
  core::Json j = body_json(call);
  std::string operation = j.value("operation", std::string());
  require_repo(call, key, operation == "upload");
  if (operation != "upload") fail(400, "", "only the 'upload' LFS operation is supported; download with /resolve");
  core::Json objects = core::Json::array();
  if (!j.contains("objects") || !j["objects"].is_array()) fail(400, "", "expected an 'objects' list");
  for (const auto& o : j["objects"]) {
    std::string oid = o.value("oid", std::string());
    uint64_t size = o.value("size", uint64_t{0});
    core::Json out = {{"oid", oid}, {"size", size}, {"authenticated", true}};
    if (!hub::is_sha256_hex(oid)) {
      out["error"] = {{"code", 422}, {"message", "oid must be a lower-case sha256"}};
    } else if (!call.ctx.store.has_blob(oid)) {
      std::string q = fmt::format("size={}&ticket={}", size, ticket_for(call.ctx, oid, size));
      out["actions"] = {{"upload", {{"href", fmt::format("{}/api/lfs-upload/{}?{}", call.base_url, oid, q)}}},
                        {"verify", {{"href", fmt::format("{}/api/lfs-verify/{}?{}", call.base_url, oid, q)}}}};
    }
    objects.push_back(out);
  }
  call.res.status = 200;
  call.res.set_content(core::Json{{"transfer", "basic"}, {"objects", objects}, {"hash_algo", "sha256"}}.dump(),
                       "application/vnd.git-lfs+json");
}

void handle_refs(Call& call, const RepoKey& key, const std::string& kind, const std::string& name) {
  require_repo(call, key, true);
  bool del = call.req.method == "DELETE";
  try {
    if (kind == "branch") {
      if (del) {
        if (name == "main") fail(403, "", "cannot delete the main branch");
        call.ctx.store.delete_ref(key, name, false);
      } else {
        core::Json j = call.req.body.empty() ? core::Json::object() : body_json(call);
        std::string start = j.contains("startingPoint") && j["startingPoint"].is_string()
                                ? j["startingPoint"].get<std::string>() : "main";
        call.ctx.store.create_ref(key, name, commit_id_or_404(call, key, start), false);
      }
    } else if (del) {
      call.ctx.store.delete_ref(key, name, true);
    } else {
      // POST /tag/{revision} {"tag": name}
      core::Json j = body_json(call);
      std::string tag = j.value("tag", std::string());
      call.ctx.store.create_ref(key, tag, commit_id_or_404(call, key, name), true);
    }
  } catch (const Error& e) {
    if (e.message().find("already exists") != std::string::npos) fail(409, "", e.message());
    if (e.code() == ErrorCode::NotFound) fail(404, "RevisionNotFound", e.message());
    throw;
  }
  send_json(call.res, core::Json::object());
}

}  // namespace

void handle_lfs_upload(Call& call, const httplib::ContentReader& reader) {
  if (call.segs.size() != 3) fail(404, "", "bad LFS upload URL");
  std::string oid = call.segs[2];
  uint64_t size = 0;
  check_ticket(call, oid, size);
  auto& store = call.ctx.store;
  if (store.has_blob(oid)) {
    reader([](const char*, size_t) { return true; });
    send_json(call.res, core::Json::object());
    return;
  }
  std::string tmp = store.new_temp_path();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(500, "", "cannot create a temporary file");
  hub::detail::Sha256 h;
  uint64_t got = 0;
  bool io_ok = true;
  bool read_ok = reader([&](const char* data, size_t n) {
    got += n;
    if (got > size) return false;
    h.update(data, n);
    size_t done = 0;
    while (done < n) {
      ssize_t w = ::write(fd, data + done, n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return io_ok = false;
      done += static_cast<size_t>(w);
    }
    return true;
  });
  ::close(fd);
  std::string digest = h.hex_digest();
  if (!read_ok || !io_ok || got != size || digest != oid) {
    ::unlink(tmp.c_str());
    fail(400, "", fmt::format("LFS upload of {} rejected: received {} of {} bytes, sha256 {}", oid, got, size, digest));
  }
  store.adopt_blob(tmp, oid);  // fsync + rename: the blob is complete or absent
  send_json(call.res, core::Json::object());
}

bool handle_xet_token(Call& call) {
  // /api/{type}s/{id}/xet-{read,write}-token/{rev}: this hub stores plain LFS blobs. Downloads never
  // ask (no X-Xet-Hash header is sent) and huggingface_hub 0.x uploads take the "basic" transfer
  // the LFS batch answers; huggingface_hub 1.x with hf_xet installed uploads LFS files through Xet
  // without asking, and gets this message instead of an opaque failure.
  const auto& s = call.segs;
  if (s.empty() || s[0] != "api") return false;
  for (const char* kind : {"xet-read-token", "xet-write-token"})
    if (std::find(s.begin(), s.end(), kind) != s.end())
      fail(501, "", "this hub does not speak the Xet protocol (its LFS batch API offers the basic transfer): set "
                    "HF_HUB_DISABLE_XET=1 for huggingface_hub 1.x with hf_xet installed");
  return false;
}

bool handle_write_api(Call& call) {
  const auto& s = call.segs;
  const std::string& method = call.req.method;
  // LFS batch: [datasets/]{id}.git/info/lfs/objects/batch
  if (s.size() >= 5 && s.back() == "batch" && s[s.size() - 2] == "objects" && s[s.size() - 3] == "lfs" &&
      s[s.size() - 4] == "info") {
    size_t first = 0;
    RepoType type = RepoType::Model;
    if (s[0] == "datasets" || s[0] == "spaces") type = s[0] == "datasets" ? RepoType::Dataset : RepoType::Space, first = 1;
    std::string id = join_segments(std::vector<std::string>(s.begin() + static_cast<long>(first), s.end() - 4), 0);
    if (id.size() < 5 || id.compare(id.size() - 4, 4, ".git") != 0) fail(404, "", "bad LFS batch URL");
    handle_lfs_batch(call, RepoKey{type, id.substr(0, id.size() - 4)});
    return true;
  }
  if (s.empty() || s[0] != "api") return false;
  if (handle_xet_token(call)) return true;
  if (s.size() == 3 && s[1] == "repos" && s[2] == "create" && method == "POST") {
    handle_create(call);
    return true;
  }
  if (s.size() == 3 && s[1] == "repos" && s[2] == "delete" && method == "DELETE") {
    RepoKey key = key_from_body(body_json(call));
    require_repo(call, key, true);
    call.ctx.store.delete_repo(key);
    send_json(call.res, core::Json::object());
    return true;
  }
  if (s.size() == 2 && s[1] == "validate-yaml") {
    // huggingface_hub's RepoCard.validate: 400 with the errors, else 200 (warnings alone pass).
    core::Json j = body_json(call);
    core::Json errors = core::Json::array(), warnings = core::Json::array();
    try {
      hub::ModelCard card = hub::parse_model_card(j.value("content", std::string()));
      if (j.value("repoType", std::string("model")) == "model")
        for (const auto& p : hub::validate_model_card(card.metadata)) {
          core::Json m = {{"message", p.field.empty() ? p.message : p.field + ": " + p.message}};
          (p.severity == hub::CardProblem::Severity::Error ? errors : warnings).push_back(m);
        }
    } catch (const Error& e) {
      errors.push_back({{"message", e.message()}});
    }
    send_json(call.res, {{"errors", errors}, {"warnings", warnings}}, errors.empty() ? 200 : 400);
    return true;
  }
  if (s.size() == 3 && s[1] == "lfs-verify") {
    uint64_t size = 0;
    check_ticket(call, s[2], size);
    auto on_disk = hub::detail::file_size(call.ctx.store.blob_path(s[2]));
    if (!on_disk || *on_disk != size) fail(404, "", "LFS object " + s[2] + " not found");
    send_json(call.res, {{"success", true}});
    return true;
  }
  if (s.size() < 4) return false;
  auto type = plural_type(s[1]);
  if (!type) return false;
  size_t used = 0;
  RepoKey key = pick_repo(call, *type, 2, used);
  size_t at = 2 + used;
  if (at >= s.size()) return false;
  const std::string& verb = s[at];
  std::string rest = at + 1 < s.size() ? join_segments(s, at + 1) : "main";
  if (verb == "settings" && method == "PUT") {
    require_repo(call, key, true);
    core::Json j = body_json(call);
    if (auto p = requested_private(j)) call.ctx.store.set_private(key, *p);
    send_json(call.res, core::Json::object());
    return true;
  }
  if (method != "POST" && method != "DELETE") return false;
  if (verb == "preupload") {
    require_repo(call, key, true);
    handle_preupload(call, key, rest);
    return true;
  }
  if (verb == "commit") {
    require_repo(call, key, true);
    handle_commit(call, key, rest);
    return true;
  }
  if ((verb == "branch" || verb == "tag") && at + 1 < s.size()) {
    handle_refs(call, key, verb, rest);
    return true;
  }
  return false;
}

}  // namespace hfcpp::hubserver::detail
