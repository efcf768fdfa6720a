// Streaming a file into <name>.incomplete with resume, verification and an atomic rename.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "hfcpp/core/error.h"
#include "hfcpp/core/log.h"
#include "hfcpp/hub/repo.h"
#include "hfcpp/hub/settings.h"
#include "hub/download_internal.h"
#include "hub/fs_util.h"

namespace hfcpp::hub::detail {
namespace {

// Python's huggingface_hub (>= 1.x) writes <etag>.<8 hex>.incomplete and deletes it on error; one
// left behind by a killed process is stale (we hold the same flock), so we resume from it.
void adopt_foreign_partial(const std::string& incomplete_path) {
  if (path_exists(incomplete_path)) return;
  std::string dir = parent_path(incomplete_path);
  std::string base = incomplete_path.substr(dir.size() + 1);
  std::string stem = base.substr(0, base.size() - std::string(".incomplete").size());
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  std::string best;
  uint64_t best_size = 0;
  std::vector<std::string> others;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() > stem.size() + 12 && name.rfind(stem + ".", 0) == 0 &&
        name.compare(name.size() - 11, 11, ".incomplete") == 0) {
      uint64_t size = file_size(dir + "/" + name).value_or(0);
      if (best.empty() || size > best_size) {
        if (!best.empty()) others.push_back(best);
        best = name;
        best_size = size;
      } else {
        others.push_back(name);
      }
    }
  }
  ::closedir(d);
  if (!best.empty() && ::rename((dir + "/" + best).c_str(), incomplete_path.c_str()) == 0)
    HFCPP_LOG_INFO("[hub] resuming from a partial download left by another client: {}", best);
  for (const auto& name : others) ::unlink((dir + "/" + name).c_str());
}

// Hashes on a second thread what the writer hands it, in 1 MiB buffers: the sha256 (~0.35 s per
// 500 MB even with SHA-NI) then overlaps receiving and writing instead of adding to them. Buffers are
// swapped in and out, not copied; the slots start empty so a pipeline costs no page faults until used.
class HashPipeline {
 public:
  explicit HashPipeline(Sha256& hash) : hash_(hash), slots_(kSlots) {
    for (size_t i = 0; i < kSlots; ++i) free_.push_back(i);
    thread_ = std::thread([this] { run(); });
  }
  ~HashPipeline() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  HashPipeline(const HashPipeline&) = delete;
  HashPipeline& operator=(const HashPipeline&) = delete;

  // Queues buffer's bytes for hashing; buffer comes back empty (holding a free slot's capacity).
  void push(std::string& buffer) {
    if (buffer.empty()) return;
    size_t slot;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return !free_.empty(); });
      slot = free_.back();
      free_.pop_back();
    }
    slots_[slot].swap(buffer);
    buffer.clear();
    {
      std::lock_guard lock(mutex_);
      queued_.push_back(slot);
    }
    changed_.notify_all();
  }
  // Blocks until every pushed byte is in the hash; the hash may then be read or reset.
  void drain() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return queued_.empty() && !busy_; });
  }

 private:
  static constexpr size_t kSlots = 4;
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [&] { return stopping_ || !queued_.empty(); });
      if (queued_.empty()) return;  // stopping, nothing left
      size_t slot = queued_.front();
      queued_.pop_front();
      busy_ = true;
      lock.unlock();
      hash_.update(slots_[slot].data(), slots_[slot].size());
      lock.lock();
      busy_ = false;
      free_.push_back(slot);
      changed_.notify_all();
    }
  }

  Sha256& hash_;
  std::vector<std::string> slots_;
  std::vector<size_t> free_;
  std::deque<size_t> queued_;
  bool busy_ = false, stopping_ = false;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::thread thread_;
};

// libcurl hands the body over in pieces of at most 16 KiB (CURL_MAX_WRITE_SIZE) whatever the receive
// buffer; they are gathered to this size before each write and hash hand-off (32x fewer calls).
constexpr size_t kFlushBytes = size_t{1} << 20;

struct Writer {
  int fd = -1;
  uint64_t written = 0;  // bytes in the file
  std::string pending;   // received, not yet written
  std::chrono::steady_clock::time_point pending_since;
  int write_errno = 0;   // set when a write failed; the transfer is then aborted
  Sha256* hash = nullptr;
  // Started at the first full buffer, so small files are hashed inline with no thread.
  std::optional<HashPipeline> pipeline;  // hash is touched only after pipeline->drain()
};

// Writes and hashes what is pending; false (with write_errno set) when the disk refused it.
bool flush(Writer& w) {
  size_t off = 0;
  while (off < w.pending.size()) {
    ssize_t n = ::write(w.fd, w.pending.data() + off, w.pending.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      w.write_errno = errno;
      return false;
    }
    off += static_cast<size_t>(n);
  }
  w.written += w.pending.size();
  if (w.hash) {
    if (!w.pipeline && w.pending.size() >= kFlushBytes) w.pipeline.emplace(*w.hash);
    if (w.pipeline) {
      w.pipeline->push(w.pending);
      return true;
    }
    w.hash->update(w.pending.data(), w.pending.size());
  }
  w.pending.clear();
  return true;
}

void truncate_to_zero(Writer& w, const std::string& path) {
  HFCPP_CHECK(::ftruncate(w.fd, 0) == 0 && ::lseek(w.fd, 0, SEEK_SET) == 0, ErrorCode::Io,
              "[hub] cannot truncate '{}': {}", path, std::strerror(errno));
  w.written = 0;
  w.pending.clear();
  if (w.pipeline) w.pipeline->drain();
  if (w.hash) w.hash->reset();
}

// Hashes the bytes already in the file so the digest covers resumed downloads in one pass.
void hash_existing(Writer& w, const std::string& path) {
  if (!w.hash || w.written == 0) return;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  HFCPP_CHECK(fd >= 0, ErrorCode::Io, "[hub] cannot read '{}': {}", path, std::strerror(errno));
  std::string buf(1 << 20, '\0');
  uint64_t left = w.written;
  while (left > 0) {
    ssize_t n = ::read(fd, buf.data(), std::min<uint64_t>(left, buf.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    w.hash->update(buf.data(), static_cast<size_t>(n));
    left -= static_cast<uint64_t>(n);
  }
  ::close(fd);
}

// One pass over the network: returns true when the body ended cleanly.
bool fetch_once(const std::string& url, const HeaderList& base_headers, Writer& w, const std::string& path,
                const std::string& endpoint, const DownloadOptions& options, TransferProgress& progress,
                int progress_id, std::string& transport_error) {
  std::string current = url;
  HeaderList headers = base_headers;
  for (int hop = 0; hop < 20; ++hop) {
    HttpRequest req;
    req.url = current;
    req.headers = headers;
    if (w.written > 0) req.headers.emplace_back("Range", fmt::format("bytes={}-", w.written));
    req.stall_timeout_s = download_timeout_s();
    req.receive_buffer_bytes = 1 << 20;  // 16x fewer read/write system calls than curl's default
    // On a slow or stalled link what arrived reaches the disk within a second or so, so a killed
    // process leaves it in the .incomplete file for the next run to resume from.
    req.on_progress = [&w] {
      if (w.pending.empty() || std::chrono::steady_clock::now() - w.pending_since < std::chrono::milliseconds(200))
        return true;
      return flush(w);
    };
    const uint64_t requested_from = w.written;
    bool first = true;
    BodySink sink = [&](long status, const char* data, size_t size) {
      if (first) {
        first = false;
        // A server that ignores Range sends the whole file again with 200.
        if (status == 200 && w.written > 0) {
          truncate_to_zero(w, path);
          progress.restart(progress_id);
        }
      }
      if (w.pending.empty()) w.pending_since = std::chrono::steady_clock::now();
      if (w.pending.size() + size > w.pending.capacity() && w.pending.capacity() < kFlushBytes)
        w.pending.reserve(kFlushBytes);  // one allocation per buffer, not a doubling series of copies
      w.pending.append(data, size);
      if (w.pending.size() >= kFlushBytes && !flush(w)) return false;
      progress.advance(progress_id, size);
      return true;
    };
    // Retries on 5xx/429 happen before any byte is written, so the sink stays consistent.
    HttpResponse r = request_with_retries(req, options, &sink);
    if (w.write_errno == 0) flush(w);  // what arrived before the end or a cut is kept for the resume
    HFCPP_CHECK(w.write_errno == 0, ErrorCode::Io, "[hub] cannot write '{}' at byte {}: {}", path, w.written,
                std::strerror(w.write_errno));
    if (r.status == 206 && requested_from > 0) {
      auto range = r.header("content-range").value_or("");
      if (range.rfind(fmt::format("bytes {}-", requested_from), 0) != 0) {
        HFCPP_LOG_WARN("[hub] {}: unexpected Content-Range '{}' for a resume at {}; restarting", current, range,
                       requested_from);
        truncate_to_zero(w, path);
        progress.restart(progress_id);
        transport_error = "bad Content-Range";
        return false;
      }
    }
    if (r.transport_failed && r.status == 0) {
      transport_error = r.transport_error;
      return false;
    }
    if (r.is_redirect()) {
      std::string target = resolve_url(current, *r.header("location"));
      // Authorization never leaves the host it was meant for (a CDN gets a signed URL instead).
      if (url_host(target) != url_host(current) && !same_or_hub_host(current, target, endpoint)) {
        HeaderList kept;
        for (auto& h : headers)
          if (h.first != "Authorization") kept.push_back(h);
        headers = kept;
      }
      current = target;
      continue;
    }
    if (r.status == 416 && w.written > 0) {
      // The partial file is at least as long as the resource: start over.
      truncate_to_zero(w, path);
      progress.restart(progress_id);
      continue;
    }
    if (r.transport_failed && r.status >= 200 && r.status < 300) {
      transport_error = r.transport_error;  // body cut short: the caller resumes with Range
      return false;
    }
    raise_for_status(r, fmt::format("GET {}", current));
    return true;
  }
  HFCPP_THROW(ErrorCode::Network, "[hub] GET {}: more than 20 redirects", url);
}

}  // namespace

void download_to_file(const std::string& url, HeaderList headers, std::optional<uint64_t> expected_size,
                      const std::string& etag, const std::string& incomplete_path, const std::string& destination,
                      const std::string& display_name, const DownloadOptions& options, TransferProgress& progress) {
  adopt_foreign_partial(incomplete_path);
  if (options.force_download) ::unlink(incomplete_path.c_str());
  const bool verify_sha = is_sha256_hex(etag);
  Sha256 hash;
  for (int attempt = 0; attempt < 2; ++attempt) {
    Writer w;
    w.hash = verify_sha ? &hash : nullptr;
    hash.reset();
    w.fd = ::open(incomplete_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    HFCPP_CHECK(w.fd >= 0, ErrorCode::Io, "[hub] cannot create '{}': {}", incomplete_path, std::strerror(errno));
    struct Closer {
      int fd;
      ~Closer() { ::close(fd); }
    } closer{w.fd};
    w.written = static_cast<uint64_t>(::lseek(w.fd, 0, SEEK_END));
    if (expected_size && w.written > *expected_size) truncate_to_zero(w, incomplete_path);
    const uint64_t resumed_from = w.written;
    hash_existing(w, incomplete_path);
    int id = progress.start_file(display_name, expected_size, w.written);

    int retries_left = 5;
    while (!(expected_size && w.written == *expected_size && w.written > 0)) {
      uint64_t before = w.written;
      std::string transport_error;
      bool done = false;
      done = fetch_once(url, headers, w, incomplete_path, options.endpoint, options, progress, id, transport_error);
      if (done) break;
      if (w.written > before) retries_left = 5;
      HFCPP_CHECK(--retries_left > 0, ErrorCode::Network,
                  "[hub] downloading {}: the connection kept failing ({}); run the same command again to resume "
                  "from the {} bytes already in {}",
                  display_name, transport_error, w.written, incomplete_path);
      HFCPP_LOG_WARN("[hub] downloading {}: {}; resuming at byte {}", display_name, transport_error, w.written);
      std::this_thread::sleep_for(std::chrono::duration<double>(options.retry_base_wait_s));
    }
    progress.finish_file(id);

    bool size_ok = !expected_size || w.written == *expected_size;
    if (w.pipeline) w.pipeline->drain();
    std::string digest = verify_sha ? hash.hex_digest() : "";
    bool sha_ok = !verify_sha || digest == etag;
    if (size_ok && sha_ok) break;
    std::string problem = !size_ok ? fmt::format("got {} bytes, expected {}", w.written, *expected_size)
                                   : fmt::format("sha256 {} does not match the etag {}", digest, etag);
    ::unlink(incomplete_path.c_str());
    if (attempt == 0 && resumed_from > 0) {
      HFCPP_LOG_WARN("[hub] {}: the resumed partial download was corrupt ({}); downloading it again", display_name,
                     problem);
      continue;
    }
    HFCPP_THROW(ErrorCode::Network, "[hub] downloading {} from {}: {}; nothing was kept", display_name, url, problem);
  }
  HFCPP_CHECK(::rename(incomplete_path.c_str(), destination.c_str()) == 0, ErrorCode::Io,
              "[hub] cannot move '{}' to '{}': {}", incomplete_path, destination, std::strerror(errno));
}

}  // namespace hfcpp::hub::detail
