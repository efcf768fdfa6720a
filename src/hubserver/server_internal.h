// Shared pieces of the hub server's request handlers (hub_server.cpp dispatches to api_read.cpp,
// api_write.cpp and web_ui.cpp).
#pragma once

#include <httplib.h>

#include <optional>
#include <string>
#include <vector>

#include "hfcpp/core/json.h"
#include "hfcpp/hubserver/hub_server.h"
#include "hubserver/access.h"
#include "hubserver/repo_store.h"

namespace hfcpp::hubserver::detail {

struct ServerContext {
  HubServerOptions options;
  RepoStore store;
  AccessControl access;
  std::string secret;  // signs LFS upload URLs
};

// One request: the decoded path segments, the caller and the URL prefix for absolute links.
struct Call {
  const httplib::Request& req;
  httplib::Response& res;
  ServerContext& ctx;
  std::vector<std::string> segs;
  Identity who;
  std::string base_url;  // "http://host:port"
};

// Thrown by handlers; hub_server.cpp turns it into the status, X-Error-Code and X-Error-Message.
struct HttpError {
  int status;
  std::string code;  // "RepoNotFound", "RevisionNotFound", "EntryNotFound", "" ...
  std::string message;
  std::string repo_commit;  // X-Repo-Commit for EntryNotFound
};

[[noreturn]] void fail(int status, std::string code, std::string message);
void send_json(httplib::Response& res, const core::Json& body, int status = 200);

// The repo a call addresses, once it exists and the caller may read it (404 otherwise, as the Hub
// hides private repos); `write` also requires a write grant (401 anonymous, 403 read-only).
RepoState require_repo(Call& call, const RepoKey& key, bool write);
// A path's repository key from segments [first, ...): "name" or "ns/name", whichever exists
// (the two-segment form first); sets `consumed` to 1 or 2.
RepoKey pick_repo(Call& call, RepoType type, size_t first, size_t& consumed);
std::string join_segments(const std::vector<std::string>& segs, size_t first);
std::string repo_url(const Call& call, const RepoKey& key);
std::string commit_id_or_404(Call& call, const RepoKey& key, const std::string& revision);

// Handlers. Each returns false when the path is not theirs.
bool handle_read_api(Call& call);
bool handle_write_api(Call& call);
// Xet token requests: 501 with a message (the hub has no Xet storage).
bool handle_xet_token(Call& call);
bool handle_resolve(Call& call);
bool handle_web(Call& call);
// PUT of an LFS object (streamed to disk).
void handle_lfs_upload(Call& call, const httplib::ContentReader& reader);

// Listing filters shared by /api/models and the web page.
struct ListQuery {
  std::string search, author, sort, pipeline_tag;
  std::vector<std::string> filters;  // tags, all required
  int direction = -1;
  size_t limit = 1000;
};
std::vector<RepoState> list_repos(Call& call, RepoType type, const ListQuery& q);
core::Json repo_info_json(const Call& call, const RepoState& st, const Commit& c, bool with_blobs);
std::vector<std::string> repo_tags(const RepoState& st, const Commit* head);

std::string html_escape(std::string_view text);
std::string render_markdown(const std::string& markdown);
std::string format_size(uint64_t bytes);

}  // namespace hfcpp::hubserver::detail
