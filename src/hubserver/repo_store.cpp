#include "hubserver/repo_store.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <random>

#include <fmt/format.h>

#include "hfcpp/core/error.h"
#include "hfcpp/core/log.h"
#include "hub/fs_util.h"
#include "hfcpp/hub/model_card.h"

namespace hfcpp::hubserver {
namespace fs = std::filesystem;
using hub::detail::make_dirs;
using hub::detail::path_exists;
using hub::detail::read_small_file;

namespace {

void fsync_path(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string random_hex(size_t bytes) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string raw(bytes, '\0');
  for (auto& c : raw) c = static_cast<char>(rng() & 0xff);
  return hub::detail::hex_lower(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

core::Json commit_to_json(const Commit& c) {
  core::Json files = core::Json::object();
  for (const auto& [path, f] : c.files)
    files[path] = {{"size", f.size}, {"sha256", f.sha256}, {"oid", f.git_oid}, {"lfs", f.lfs}};
  return {{"parent", c.parent}, {"title", c.title},   {"message", c.message},
          {"author", c.author}, {"date_ms", c.date_ms}, {"files", files}};
}

std::shared_ptr<Commit> commit_from_json(const std::string& id, const core::Json& j, const std::string& src) {
  auto c = std::make_shared<Commit>();
  c->id = id;
  c->parent = core::json_string_or(j, "parent", "", src);
  c->title = core::json_string_or(j, "title", "", src);
  c->message = core::json_string_or(j, "message", "", src);
  c->author = core::json_string_or(j, "author", "", src);
  c->date_ms = core::json_int_or(j, "date_ms", 0, src);
  for (const auto& [path, f] : core::json_at(j, "files", src).items()) {
    StoredFile sf;
    sf.size = static_cast<uint64_t>(core::json_int(f, "size", src));
    sf.sha256 = core::json_string(f, "sha256", src);
    sf.git_oid = core::json_string(f, "oid", src);
    sf.lfs = core::json_bool_or(f, "lfs", false, src);
    c->files[path] = sf;
  }
  return c;
}

}  // namespace

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string iso_time(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, static_cast<int>(ms % 1000));
}

std::string sha1_hex(const std::string& bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha1(), nullptr);
  return hub::detail::hex_lower(md, len);
}

std::string git_blob_oid(const std::string& bytes) {
  std::string data = fmt::format("blob {}", bytes.size());
  data.push_back('\0');
  data += bytes;
  return sha1_hex(data);
}

std::string lfs_pointer(const std::string& sha256, uint64_t size) {
  return fmt::format("version https://git-lfs.github.com/spec/v1\noid sha256:{}\nsize {}\n", sha256, size);
}

void write_file_durable(const std::string& path, const std::string& contents) {
  std::string tmp = path + "." + random_hex(6) + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  HFCPP_CHECK(fd >= 0, ErrorCode::Io, "[hub serve] cannot create '{}': {}", tmp, std::strerror(errno));
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      HFCPP_THROW(ErrorCode::Io, "[hub serve] cannot write '{}': {}", tmp, std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    HFCPP_THROW(ErrorCode::Io, "[hub serve] cannot store '{}': {}", path, std::strerror(err));
  }
  fsync_path(hub::detail::parent_path(path), true);
}

RepoStore::RepoStore(std::string root) : root_(hub::detail::absolute_path(root)) {
  make_dirs(root_ + "/blobs");
  make_dirs(root_ + "/repos");
  std::error_code ec;
  fs::remove_all(root_ + "/tmp", ec);  // uploads a previous run left unfinished
  make_dirs(root_ + "/tmp");
  load_all();
}

std::string RepoStore::repo_dir(const RepoKey& key) const {
  size_t slash = key.id.find('/');
  std::string ns = slash == std::string::npos ? "-" : key.id.substr(0, slash);
  std::string name = slash == std::string::npos ? key.id : key.id.substr(slash + 1);
  return fmt::format("{}/repos/{}/{}/{}", root_, hub::repo_type_plural(key.type), ns, name);
}

void RepoStore::load_all() {
  for (RepoType type : {RepoType::Model, RepoType::Dataset, RepoType::Space}) {
    std::string base = root_ + "/repos/" + hub::repo_type_plural(type);
    if (!hub::detail::is_directory(base)) continue;
    for (const auto& ns : fs::directory_iterator(base)) {
      if (!ns.is_directory()) continue;
      for (const auto& dir : fs::directory_iterator(ns.path())) {
        std::string meta_path = dir.path().string() + "/meta.json";
        if (!path_exists(meta_path)) continue;
        try {
          core::Json meta = core::parse_json(read_small_file(meta_path), meta_path);
          RepoState st;
          st.key = {type, core::json_string(meta, "id", meta_path)};
          hub::validate_repo_id(st.key.id);
          st.is_private = core::json_bool_or(meta, "private", false, meta_path);
          st.created_ms = core::json_int_or(meta, "created_ms", 0, meta_path);
          std::string refs_path = dir.path().string() + "/refs.json";
          if (path_exists(refs_path)) {
            core::Json refs = core::parse_json(read_small_file(refs_path), refs_path);
            // Named locals: a temporary's items() would dangle in the range-for.
            const core::Json branches = refs.value("branches", core::Json::object());
            const core::Json tags = refs.value("tags", core::Json::object());
            for (const auto& [k, v] : branches.items()) st.branches[k] = core::json_string(branches, k, refs_path);
            for (const auto& [k, v] : tags.items()) st.tags[k] = core::json_string(tags, k, refs_path);
          }
          std::string stats_path = dir.path().string() + "/stats.json";
          if (path_exists(stats_path)) {
            try {
              core::Json stats = core::parse_json(read_small_file(stats_path), stats_path);
              st.downloads = stats.value("downloads", uint64_t{0});
              st.likes = stats.value("likes", uint64_t{0});
            } catch (const Error&) {
            }
          }
          st.last_modified_ms = st.created_ms;
          refresh_card(st);
          repos_[st.key] = std::move(st);
        } catch (const std::exception& e) {
          HFCPP_LOG_WARN("[hub serve] skipping repository folder '{}': {}", dir.path().string(), e.what());
        }
      }
    }
  }
}

void RepoStore::refresh_card(RepoState& st) const {
  st.card = nullptr;
  auto it = st.branches.find("main");
  if (it == st.branches.end()) return;
  auto c = commit(st.key, it->second);
  if (!c) return;
  st.last_modified_ms = c->date_ms;
  auto readme = c->files.find("README.md");
  if (readme == c->files.end() || readme->second.size > (1u << 20)) return;
  try {
    st.card = hub::parse_card_front_matter(read_small_file(blob_path(readme->second.sha256)));
  } catch (const Error&) {
    st.card = nullptr;  // a broken card never hides the repository
  }
}

void RepoStore::save_meta(const RepoState& st) const {
  core::Json meta = {{"id", st.key.id}, {"private", st.is_private}, {"created_ms", st.created_ms}};
  write_file_durable(repo_dir(st.key) + "/meta.json", meta.dump(2));
}

void RepoStore::save_refs(const RepoState& st) const {
  core::Json refs = {{"branches", st.branches}, {"tags", st.tags}};
  write_file_durable(repo_dir(st.key) + "/refs.json", refs.dump(2));
}

RepoState RepoStore::create_repo(const RepoKey& key, bool is_private) {
  hub::validate_repo_id(key.id);
  std::unique_lock lock(mutex_);
  HFCPP_CHECK(!repos_.count(key), ErrorCode::InvalidArgument, "[hub serve] repository {} already exists", key.id);
  RepoState st;
  st.key = key;
  st.is_private = is_private;
  st.created_ms = st.last_modified_ms = now_ms();
  std::string dir = repo_dir(key);
  make_dirs(dir + "/commits");
  // The first commit holds a .gitattributes, as the Hub creates it.
  StoredFile attrs = put_bytes(
      "*.bin filter=lfs diff=lfs merge=lfs -text\n*.safetensors filter=lfs diff=lfs merge=lfs -text\n"
      "*.gguf filter=lfs diff=lfs merge=lfs -text\n*.parquet filter=lfs diff=lfs merge=lfs -text\n",
      false);
  Commit c;
  c.title = "initial commit";
  c.date_ms = st.created_ms;
  c.files[".gitattributes"] = attrs;
  std::string text = commit_to_json(c).dump();
  c.id = sha1_hex("commit " + key.id + "\n" + text + random_hex(8));
  write_file_durable(dir + "/commits/" + c.id + ".json", text);
  st.branches["main"] = c.id;
  save_refs(st);
  save_meta(st);  // meta.json last: a repo exists once its meta is there
  repos_[key] = st;
  return st;
}

void RepoStore::delete_repo(const RepoKey& key) {
  std::unique_lock lock(mutex_);
  HFCPP_CHECK(repos_.count(key), ErrorCode::NotFound, "[hub serve] repository {} not found", key.id);
  std::string dir = repo_dir(key);
  ::unlink((dir + "/meta.json").c_str());
  fsync_path(dir, true);
  std::error_code ec;
  fs::remove_all(dir, ec);
  repos_.erase(key);
}

void RepoStore::set_private(const RepoKey& key, bool is_private) {
  std::unique_lock lock(mutex_);
  auto it = repos_.find(key);
  HFCPP_CHECK(it != repos_.end(), ErrorCode::NotFound, "[hub serve] repository {} not found", key.id);
  it->second.is_private = is_private;
  save_meta(it->second);
}

std::optional<RepoState> RepoStore::repo(const RepoKey& key) const {
  std::shared_lock lock(mutex_);
  auto it = repos_.find(key);
  if (it == repos_.end()) return std::nullopt;
  return it->second;
}

std::vector<RepoState> RepoStore::list(RepoType type) const {
  std::shared_lock lock(mutex_);
  std::vector<RepoState> out;
  for (const auto& [k, v] : repos_)
    if (k.type == type) out.push_back(v);
  return out;
}

std::optional<std::string> RepoStore::resolve(const RepoKey& key, const std::string& revision) const {
  std::shared_lock lock(mutex_);
  auto it = repos_.find(key);
  if (it == repos_.end()) return std::nullopt;
  const RepoState& st = it->second;
  std::string rev = revision;
  if (rev.rfind("refs/heads/", 0) == 0) rev = rev.substr(11);
  if (auto b = st.branches.find(rev); b != st.branches.end()) return b->second;
  if (rev.rfind("refs/tags/", 0) == 0) rev = rev.substr(10);
  if (auto t = st.tags.find(rev); t != st.tags.end()) return t->second;
  if (hub::is_commit_hash(revision) && path_exists(repo_dir(key) + "/commits/" + revision + ".json")) return revision;
  return std::nullopt;
}

std::shared_ptr<const Commit> RepoStore::commit(const RepoKey& key, const std::string& commit_id) const {
  if (!hub::is_commit_hash(commit_id)) return nullptr;
  std::string path = repo_dir(key) + "/commits/" + commit_id + ".json";
  std::string cache_key = path;
  {
    std::lock_guard lock(commit_cache_mutex_);
    if (auto it = commit_cache_.find(cache_key); it != commit_cache_.end()) return it->second;
  }
  if (!path_exists(path)) return nullptr;
  auto c = commit_from_json(commit_id, core::parse_json(read_small_file(path), path), path);
  std::lock_guard lock(commit_cache_mutex_);
  commit_cache_[cache_key] = c;
  return c;
}

std::vector<std::shared_ptr<const Commit>> RepoStore::history(const RepoKey& key, const std::string& commit_id) const {
  std::vector<std::shared_ptr<const Commit>> out;
  std::string id = commit_id;
  while (!id.empty() && out.size() < 100000) {
    auto c = commit(key, id);
    if (!c) break;
    out.push_back(c);
    id = c->parent;
  }
  return out;
}

std::shared_ptr<const Commit> RepoStore::commit_changes(const RepoKey& key, const std::string& branch,
                                                        const std::vector<FileChange>& changes,
                                                        const std::string& title, const std::string& message,
                                                        const std::string& author, const std::string& parent_commit) {
  hub::validate_revision(branch);
  std::unique_lock lock(mutex_);  // commits to one hub are serialized: each one is small
  auto it = repos_.find(key);
  HFCPP_CHECK(it != repos_.end(), ErrorCode::NotFound, "[hub serve] repository {} not found", key.id);
  RepoState& st = it->second;
  std::string head;
  if (auto b = st.branches.find(branch); b != st.branches.end()) head = b->second;
  else if (auto m = st.branches.find("main"); m != st.branches.end()) head = m->second;
  HFCPP_CHECK(parent_commit.empty() || parent_commit == head, ErrorCode::InvalidArgument,
              "[hub serve] commit conflict: parent commit is {}, but {} is at {}", parent_commit, branch, head);
  Commit c;
  if (!head.empty()) {
    auto parent = commit(key, head);
    HFCPP_CHECK(parent != nullptr, ErrorCode::Internal, "[hub serve] {}: commit {} is missing", key.id, head);
    c.files = parent->files;
    c.parent = head;
  }
  for (const auto& ch : changes) {
    hub::validate_repo_filename(ch.path);
    if (ch.file) {
      // A file cannot also be a folder of another file.
      for (const auto& [p, f] : c.files)
        HFCPP_CHECK(p.rfind(ch.path + "/", 0) != 0, ErrorCode::InvalidArgument,
                    "[hub serve] cannot add file '{}': a folder of that name exists", ch.path);
      c.files[ch.path] = *ch.file;
    } else if (ch.folder) {
      size_t n = 0;
      for (auto f = c.files.begin(); f != c.files.end();) {
        if (f->first.rfind(ch.path + "/", 0) == 0) {
          f = c.files.erase(f);
          ++n;
        } else {
          ++f;
        }
      }
      HFCPP_CHECK(n > 0, ErrorCode::NotFound, "[hub serve] cannot delete folder '{}': it does not exist", ch.path);
    } else {
      HFCPP_CHECK(c.files.erase(ch.path) == 1, ErrorCode::NotFound,
                  "[hub serve] cannot delete '{}': A file with this name doesn't exist", ch.path);
    }
  }
  c.title = title;
  c.message = message;
  c.author = author;
  c.date_ms = now_ms();
  std::string text = commit_to_json(c).dump();
  c.id = sha1_hex("commit " + key.id + "\n" + text);
  write_file_durable(repo_dir(key) + "/commits/" + c.id + ".json", text);
  RepoState updated = st;
  updated.branches[branch] = c.id;
  save_refs(updated);  // the commit point
  st = std::move(updated);
  auto stored = std::make_shared<const Commit>(c);
  {
    std::lock_guard cl(commit_cache_mutex_);
    commit_cache_[repo_dir(key) + "/commits/" + c.id + ".json"] = stored;
  }
  if (branch == "main") refresh_card(st);
  return stored;
}

void RepoStore::create_ref(const RepoKey& key, const std::string& name, const std::string& commit_id, bool tag) {
  hub::validate_revision(name);
  std::unique_lock lock(mutex_);
  auto it = repos_.find(key);
  HFCPP_CHECK(it != repos_.end(), ErrorCode::NotFound, "[hub serve] repository {} not found", key.id);
  auto& refs = tag ? it->second.tags : it->second.branches;
  HFCPP_CHECK(!refs.count(name), ErrorCode::InvalidArgument, "[hub serve] {} '{}' already exists",
              tag ? "tag" : "branch", name);
  RepoState updated = it->second;
  (tag ? updated.tags : updated.branches)[name] = commit_id;
  save_refs(updated);
  it->second = std::move(updated);
}

void RepoStore::delete_ref(const RepoKey& key, const std::string& name, bool tag) {
  std::unique_lock lock(mutex_);
  auto it = repos_.find(key);
  HFCPP_CHECK(it != repos_.end(), ErrorCode::NotFound, "[hub serve] repository {} not found", key.id);
  RepoState updated = it->second;
  HFCPP_CHECK((tag ? updated.tags : updated.branches).erase(name) == 1, ErrorCode::NotFound,
              "[hub serve] {} '{}' not found", tag ? "tag" : "branch", name);
  save_refs(updated);
  it->second = std::move(updated);
}

std::string RepoStore::new_temp_path() { return root_ + "/tmp/" + random_hex(12); }

std::string RepoStore::blob_path(const std::string& sha256) const {
  return fmt::format("{}/blobs/{}/{}", root_, sha256.substr(0, 2), sha256);
}

bool RepoStore::has_blob(const std::string& sha256) const {
  return hub::is_sha256_hex(sha256) && path_exists(blob_path(sha256));
}

void RepoStore::adopt_blob(const std::string& temp_path, const std::string& sha256) {
  HFCPP_CHECK(hub::is_sha256_hex(sha256), ErrorCode::InvalidArgument, "[hub serve] bad sha256 '{}'", sha256);
  std::string dest = blob_path(sha256);
  if (path_exists(dest)) {
    ::unlink(temp_path.c_str());
    return;
  }
  make_dirs(hub::detail::parent_path(dest));
  fsync_path(temp_path, false);
  if (::rename(temp_path.c_str(), dest.c_str()) != 0) {
    int err = errno;
    ::unlink(temp_path.c_str());
    HFCPP_THROW(ErrorCode::Io, "[hub serve] cannot store blob {}: {}", sha256, std::strerror(err));
  }
  fsync_path(hub::detail::parent_path(dest), true);
}

StoredFile RepoStore::put_bytes(const std::string& bytes, bool lfs) {
  hub::detail::Sha256 h;
  h.update(bytes.data(), bytes.size());
  StoredFile f;
  f.size = bytes.size();
  f.sha256 = h.hex_digest();
  f.lfs = lfs;
  f.git_oid = lfs ? git_blob_oid(lfs_pointer(f.sha256, f.size)) : git_blob_oid(bytes);
  if (!has_blob(f.sha256)) {
    std::string tmp = new_temp_path();
    write_file_durable(tmp, bytes);
    adopt_blob(tmp, f.sha256);
  }
  return f;
}

void RepoStore::count_download(const RepoKey& key) {
  uint64_t downloads = 0, likes = 0;
  {
    std::unique_lock lock(mutex_);
    auto it = repos_.find(key);
    if (it == repos_.end()) return;
    downloads = ++it->second.downloads;
    likes = it->second.likes;
  }
  // Counters are statistics, not data: a plain replace without fsync is enough.
  try {
    hub::detail::write_file_replace(repo_dir(key) + "/stats.json",
                                    core::Json{{"downloads", downloads}, {"likes", likes}}.dump());
  } catch (const Error&) {
  }
}

}  // namespace hfcpp::hubserver
