// Read side of the hub API: listings, repo info, tree, refs, commits, whoami and /resolve.

#include <algorithm>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "hfcpp/core/error.h"
#include "hfcpp/core/mapped_file.h"
#include "hfcpp/hub/model_card.h"
#include "hubserver/server_internal.h"

namespace hfcpp::hubserver::detail {
namespace {

std::optional<RepoType> plural_type(const std::string& s) {
  if (s == "models") return RepoType::Model;
  if (s == "datasets") return RepoType::Dataset;
  if (s == "spaces") return RepoType::Space;
  return std::nullopt;
}

bool truthy(const httplib::Request& req, const char* key) {
  if (!req.has_param(key)) return false;
  std::string v = req.get_param_value(key);
  return v.empty() || v == "1" || v == "true" || v == "True";
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

core::Json file_entry_json(const std::string& path, const StoredFile& f) {
  core::Json e = {{"type", "file"}, {"oid", f.git_oid}, {"size", f.size}, {"path", path}};
  if (f.lfs) e["lfs"] = {{"oid", f.sha256}, {"size", f.size}, {"pointerSize", lfs_pointer(f.sha256, f.size).size()}};
  return e;
}

void handle_tree(Call& call, const RepoKey& key, const std::string& commit_id, const std::string& prefix) {
  auto c = call.ctx.store.commit(key, commit_id);
  if (!c) fail(404, "RevisionNotFound", "commit not found");
  bool recursive = truthy(call.req, "recursive");
  std::string base = prefix.empty() ? "" : prefix + "/";
  // Entries under prefix: files, and the folders on the way to them.
  std::map<std::string, core::Json> entries;
  bool found = prefix.empty();
  for (const auto& [path, f] : c->files) {
    if (path.rfind(base, 0) != 0) continue;
    found = true;
    std::string rest = path.substr(base.size());
    size_t slash = rest.find('/');
    while (slash != std::string::npos) {
      std::string dir = base + rest.substr(0, slash);
      if (!entries.count(dir))
        entries[dir] = {{"type", "directory"}, {"oid", sha1_hex("tree " + commit_id + dir)}, {"size", 0}, {"path", dir}};
      if (!recursive) break;
      slash = rest.find('/', slash + 1);
    }
    if (recursive || rest.find('/') == std::string::npos) entries[path] = file_entry_json(path, f);
  }
  if (!found) fail(404, "EntryNotFound", fmt::format("Entry '{}' not found at {}", prefix, commit_id));
  size_t limit = 1000;
  if (call.req.has_param("limit")) limit = std::clamp<size_t>(std::stoul(call.req.get_param_value("limit")), 1, 10000);
  size_t cursor = call.req.has_param("cursor") ? std::stoul(call.req.get_param_value("cursor")) : 0;
  core::Json page = core::Json::array();
  size_t i = 0;
  for (auto& [path, e] : entries) {
    if (i >= cursor && i < cursor + limit) page.push_back(std::move(e));
    ++i;
  }
  if (cursor + limit < entries.size()) {
    std::string path = call.req.target.substr(0, call.req.target.find('?'));
    call.res.set_header("Link", fmt::format("<{}{}?recursive={}&expand=false&limit={}&cursor={}>; rel=\"next\"",
                                            call.base_url, path, recursive ? "true" : "false", limit, cursor + limit));
  }
  send_json(call.res, page);
}

core::Json refs_json(const RepoState& st) {
  core::Json branches = core::Json::array(), tags = core::Json::array();
  for (const auto& [n, c] : st.branches) branches.push_back({{"name", n}, {"ref", "refs/heads/" + n}, {"targetCommit", c}});
  for (const auto& [n, c] : st.tags) tags.push_back({{"name", n}, {"ref", "refs/tags/" + n}, {"targetCommit", c}});
  return {{"branches", branches}, {"converts", core::Json::array()}, {"tags", tags}};
}

}  // namespace

std::vector<std::string> repo_tags(const RepoState& st, const Commit* head) {
  std::vector<std::string> tags = hub::card_tags(st.card);
  if (head != nullptr) {
    auto add = [&](const std::string& t) {
      if (std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
    };
    for (const auto& [path, f] : head->files) {
      if (path.size() > 12 && path.compare(path.size() - 12, 12, ".safetensors") == 0) add("safetensors");
      if (path.size() > 5 && path.compare(path.size() - 5, 5, ".gguf") == 0) add("gguf");
    }
  }
  return tags;
}

core::Json repo_info_json(const Call& call, const RepoState& st, const Commit& c, bool with_blobs) {
  const RepoKey& key = st.key;
  size_t slash = key.id.find('/');
  core::Json siblings = core::Json::array();
  uint64_t used = 0;
  for (const auto& [path, f] : c.files) {
    core::Json s = {{"rfilename", path}};
    if (with_blobs) {
      s["size"] = f.size;
      s["blobId"] = f.git_oid;
      if (f.lfs) s["lfs"] = {{"sha256", f.sha256}, {"size", f.size}, {"pointerSize", lfs_pointer(f.sha256, f.size).size()}};
    }
    used += f.size;
    siblings.push_back(std::move(s));
  }
  core::Json info = {{"_id", sha1_hex(hub::repo_type_name(key.type) + key.id).substr(0, 24)},
                     {"id", key.id},
                     {"author", slash == std::string::npos ? "" : key.id.substr(0, slash)},
                     {"sha", c.id},
                     {"lastModified", iso_time(c.date_ms)},
                     {"createdAt", iso_time(st.created_ms)},
                     {"private", st.is_private},
                     {"disabled", false},
                     {"gated", false},
                     {"downloads", st.downloads},
                     {"likes", st.likes},
                     {"tags", repo_tags(st, &c)},
                     {"siblings", siblings},
                     {"usedStorage", used}};
  if (key.type == RepoType::Model) {
    info["modelId"] = key.id;
    if (auto t = hub::card_field(st.card, "pipeline_tag"); !t.empty()) info["pipeline_tag"] = t;
    if (auto l = hub::card_field(st.card, "library_name"); !l.empty()) info["library_name"] = l;
  }
  if (st.card.is_object()) info["cardData"] = st.card;
  (void)call;
  return info;
}

std::vector<RepoState> list_repos(Call& call, RepoType type, const ListQuery& q) {
  std::vector<RepoState> out;
  std::string needle = lower(q.search);
  for (auto& st : call.ctx.store.list(type)) {
    if (!call.ctx.access.may_read(call.who, st.key, st.is_private)) continue;
    if (!needle.empty() && lower(st.key.id).find(needle) == std::string::npos) continue;
    if (!q.author.empty() && st.key.id.rfind(q.author + "/", 0) != 0) continue;
    std::vector<std::string> tags = hub::card_tags(st.card);
    if (!q.pipeline_tag.empty() && hub::card_field(st.card, "pipeline_tag") != q.pipeline_tag) continue;
    bool ok = true;
    for (const auto& f : q.filters)
      if (std::find(tags.begin(), tags.end(), f) == tags.end()) ok = false;
    if (ok) out.push_back(std::move(st));
  }
  auto key_of = [&](const RepoState& s) -> std::pair<int64_t, std::string> {
    if (q.sort == "downloads") return {static_cast<int64_t>(s.downloads), s.key.id};
    if (q.sort == "likes") return {static_cast<int64_t>(s.likes), s.key.id};
    if (q.sort == "lastModified" || q.sort == "last_modified") return {s.last_modified_ms, s.key.id};
    if (q.sort == "createdAt" || q.sort == "created_at") return {s.created_ms, s.key.id};
    return {0, s.key.id};
  };
  bool desc = q.direction < 0 && !q.sort.empty() && q.sort != "id";
  std::stable_sort(out.begin(), out.end(), [&](const RepoState& a, const RepoState& b) {
    auto ka = key_of(a), kb = key_of(b);
    if (ka.first != kb.first) return desc ? ka.first > kb.first : ka.first < kb.first;
    return ka.second < kb.second;
  });
  if (out.size() > q.limit) out.resize(q.limit);
  return out;
}

bool handle_read_api(Call& call) {
  const auto& s = call.segs;
  const auto& req = call.req;
  if (s.size() == 2 && s[1] == "whoami-v2") {
    if (call.ctx.access.enforced() && call.who.grant == nullptr) fail(401, "", "Invalid user token.");
    std::string role = !call.ctx.access.enforced() || call.who.grant->role == Permission::Write ? "write" : "read";
    send_json(call.res, {{"type", "user"}, {"name", call.who.name()}, {"fullname", call.who.name()},
                         {"orgs", core::Json::array()},
                         {"auth", {{"type", "access_token"}, {"accessToken", {{"displayName", call.who.name()}, {"role", role}}}}}});
    return true;
  }
  if (s.size() < 2) return false;
  auto type = plural_type(s[1]);
  if (!type) return false;
  if (s.size() == 2) {
    ListQuery q;
    q.search = req.get_param_value("search");
    q.author = req.get_param_value("author");
    q.sort = req.get_param_value("sort");
    q.pipeline_tag = req.get_param_value("pipeline_tag");
    for (size_t i = 0; i < req.get_param_value_count("filter"); ++i) q.filters.push_back(req.get_param_value("filter", i));
    if (req.has_param("library")) q.filters.push_back(req.get_param_value("library"));
    if (req.has_param("license")) q.filters.push_back("license:" + req.get_param_value("license"));
    if (req.has_param("direction")) q.direction = std::stoi(req.get_param_value("direction"));
    if (req.has_param("limit")) q.limit = std::clamp<size_t>(std::stoul(req.get_param_value("limit")), 1, 10000);
    bool full = truthy(req, "full");
    core::Json arr = core::Json::array();
    for (const auto& st : list_repos(call, *type, q)) {
      auto head = call.ctx.store.commit(st.key, st.branches.count("main") ? st.branches.at("main") : "");
      core::Json item;
      if (head) {
        item = repo_info_json(call, st, *head, false);
        if (!full) item.erase("siblings");
        if (!truthy(req, "cardData") && !full) item.erase("cardData");
      } else {
        item = {{"id", st.key.id}, {"private", st.is_private}, {"downloads", st.downloads}, {"likes", st.likes},
                {"tags", core::Json::array()}, {"createdAt", iso_time(st.created_ms)}};
      }
      arr.push_back(std::move(item));
    }
    send_json(call.res, arr);
    return true;
  }
  size_t used = 0;
  RepoKey key = pick_repo(call, *type, 2, used);
  RepoState st = require_repo(call, key, false);
  size_t at = 2 + used;
  bool blobs = truthy(req, "blobs");
  if (at == s.size() || (s[at] == "revision" && at + 1 < s.size())) {
    std::string rev = at == s.size() ? "main" : join_segments(s, at + 1);
    std::string id = commit_id_or_404(call, key, rev);
    auto c = call.ctx.store.commit(key, id);
    if (!c) fail(404, "RevisionNotFound", "commit not found");
    send_json(call.res, repo_info_json(call, st, *c, blobs));
    return true;
  }
  if (s[at] == "tree" && at + 1 < s.size()) {
    // The revision is one segment (quoted with safe=""); the rest is the folder.
    std::string id = commit_id_or_404(call, key, s[at + 1]);
    std::string prefix = join_segments(s, at + 2);
    if (!prefix.empty()) {
      try {
        hub::validate_repo_filename(prefix);
      } catch (const Error& e) {
        fail(400, "", e.message());
      }
    }
    handle_tree(call, key, id, prefix);
    return true;
  }
  if (s[at] == "refs") {
    send_json(call.res, refs_json(st));
    return true;
  }
  if (s[at] == "commits" && at + 1 < s.size()) {
    std::string id = commit_id_or_404(call, key, join_segments(s, at + 1));
    core::Json arr = core::Json::array();
    for (const auto& c : call.ctx.store.history(key, id))
      arr.push_back({{"id", c->id}, {"title", c->title}, {"message", c->message},
                     {"authors", core::Json::array({{{"user", c->author}}})}, {"date", iso_time(c->date_ms)}});
    send_json(call.res, arr);
    return true;
  }
  return false;
}

bool handle_resolve(Call& call) {
  const auto& s = call.segs;
  size_t first = 0;
  RepoType type = RepoType::Model;
  if (!s.empty() && (s[0] == "datasets" || s[0] == "spaces")) {
    type = s[0] == "datasets" ? RepoType::Dataset : RepoType::Space;
    first = 1;
  }
  size_t used = 0;
  if (s.size() < first + 3) return false;
  if (s[first + 1] == "resolve") {
    used = 1;
  } else if (s.size() >= first + 4 && s[first + 2] == "resolve") {
    used = 2;
  } else {
    return false;
  }
  RepoKey key{type, used == 1 ? s[first] : s[first] + "/" + s[first + 1]};
  if (used == 1 && s.size() >= first + 4 && s[first + 2] == "resolve" && call.ctx.store.repo({type, s[first] + "/" + s[first + 1]}))
    key = {type, s[first] + "/" + s[first + 1]}, used = 2;
  size_t at = first + used + 1;
  if (at + 1 >= s.size()) fail(400, "", "expected /resolve/{revision}/{path}");
  std::string filename = join_segments(s, at + 1);
  try {
    hub::validate_repo_filename(filename);
  } catch (const Error& e) {
    fail(400, "", e.message());
  }
  RepoState st = require_repo(call, key, false);
  std::string commit_id = commit_id_or_404(call, key, s[at]);
  auto c = call.ctx.store.commit(key, commit_id);
  if (!c) fail(404, "RevisionNotFound", "commit not found");
  auto it = c->files.find(filename);
  if (it == c->files.end())
    throw HttpError{404, "EntryNotFound", fmt::format("Entry not found: {} at {}", filename, commit_id), commit_id};
  const StoredFile f = it->second;
  auto& res = call.res;
  res.set_header("X-Repo-Commit", commit_id);
  res.set_header("ETag", "\"" + (f.lfs ? f.sha256 : f.git_oid) + "\"");
  if (f.lfs) {
    res.set_header("X-Linked-Etag", "\"" + f.sha256 + "\"");
    res.set_header("X-Linked-Size", std::to_string(f.size));
  }
  res.set_header("Accept-Ranges", "bytes");
  res.set_header("Content-Disposition", fmt::format("inline; filename=\"{}\"", filename.substr(filename.rfind('/') + 1)));
  if (call.req.method == "GET") {
    bool counts = key.type != RepoType::Model || filename == "config.json" || !c->files.count("config.json");
    if (counts) call.ctx.store.count_download(key);
  }
  if (f.size == 0) {
    res.status = 200;
    res.set_content("", "application/octet-stream");
    return true;
  }
  // Ranges: clamp the end to the file and refuse a start beyond it (cpp-httplib does neither).
  auto& ranges = const_cast<httplib::Request&>(call.req).ranges;
  for (auto& r : ranges) {
    int64_t size = static_cast<int64_t>(f.size);
    bool bad = (r.first == -1 && r.second <= 0) || (r.first != -1 && (r.first >= size || (r.second != -1 && r.second < r.first)));
    if (bad) {
      ranges.clear();
      res.set_header("Content-Range", fmt::format("bytes */{}", f.size));
      fail(416, "", "Requested range not satisfiable");
    }
    if (r.second >= size) r.second = size - 1;
  }
  // The blob is mapped and the mapping handed to the socket writes: no read() copy into a buffer of
  // ours, so each byte is copied once (into the socket), as sendfile-based static servers nearly do.
  // Blobs are content-addressed and replaced only by rename, so the mapping never sees a truncation.
  std::shared_ptr<const core::MappedFile> blob;
  try {
    blob = core::MappedFile::open(call.ctx.store.blob_path(f.sha256));
  } catch (const Error&) {
    fail(500, "", "blob missing on the server: " + f.sha256);
  }
  if (blob->size() != f.size) fail(500, "", "blob size differs from the commit's record: " + f.sha256);
  blob->advise_sequential();
  uint64_t rate = call.ctx.options.limit_rate;
  auto start = std::chrono::steady_clock::now();
  auto sent = std::make_shared<uint64_t>(0);
  res.set_content_provider(
      f.size, "application/octet-stream",
      [blob, rate, start, sent](size_t offset, size_t length, httplib::DataSink& sink) {
        constexpr size_t kChunk = size_t{1} << 20;
        size_t want = std::min(length, rate ? std::min<size_t>(kChunk, std::max<uint64_t>(rate / 20, 4096)) : kChunk);
        if (offset >= blob->size()) return false;
        want = std::min(want, blob->size() - offset);
        if (!sink.write(reinterpret_cast<const char*>(blob->data()) + offset, want)) return false;
        *sent += want;
        if (rate) {
          double due = static_cast<double>(*sent) / static_cast<double>(rate);
          std::this_thread::sleep_until(start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                    std::chrono::duration<double>(due)));
        }
        return true;
      });
  return true;
}

}  // namespace hfcpp::hubserver::detail
