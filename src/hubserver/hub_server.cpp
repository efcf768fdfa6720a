// The HTTP front of `hfcpp hub serve`: one catch-all route per method; the raw request target is
// split and percent-decoded segment by segment here (so "refs%2Fpr%2F1" stays one revision and
// "%2e%2e" is seen as ".."), then handed to the API, resolve and web handlers.
#include "hfcpp/hubserver/hub_server.h"

#include <atomic>
#include <cstdio>
#include <random>

#include <fmt/format.h>

#include "hfcpp/core/error.h"
#include "hfcpp/core/log.h"
#include "hubserver/server_internal.h"

namespace hfcpp::hubserver {
namespace detail {

void fail(int status, std::string code, std::string message) {
  throw HttpError{status, std::move(code), std::move(message), ""};
}

void send_json(httplib::Response& res, const core::Json& body, int status) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

std::string join_segments(const std::vector<std::string>& segs, size_t first) {
  std::string out;
  for (size_t i = first; i < segs.size(); ++i) out += (i > first ? "/" : "") + segs[i];
  return out;
}

std::string repo_url(const Call& call, const RepoKey& key) {
  return call.base_url + "/" + hub::repo_url_prefix(key.type) + key.id;
}

RepoKey pick_repo(Call& call, RepoType type, size_t first, size_t& consumed) {
  const auto& s = call.segs;
  if (first >= s.size() || s[first].empty()) fail(400, "", "missing repository id");
  if (first + 1 < s.size()) {
    RepoKey two{type, s[first] + "/" + s[first + 1]};
    if (call.ctx.store.repo(two)) {
      consumed = 2;
      return two;
    }
  }
  RepoKey one{type, s[first]};
  if (call.ctx.store.repo(one) || first + 1 >= s.size()) {
    consumed = 1;
    return one;
  }
  consumed = 2;  // neither exists: report the namespaced id
  return {type, s[first] + "/" + s[first + 1]};
}

RepoState require_repo(Call& call, const RepoKey& key, bool write) {
  try {
    hub::validate_repo_id(key.id);
  } catch (const Error& e) {
    fail(400, "", e.message());
  }
  auto st = call.ctx.store.repo(key);
  auto& ac = call.ctx.access;
  if (!st || !ac.may_read(call.who, key, st->is_private))
    fail(404, "RepoNotFound", fmt::format("Repository Not Found for url: {}", repo_url(call, key)));
  if (write && !ac.may_write(call.who, key)) {
    if (call.who.grant == nullptr) fail(401, "", "A token with write access is required to modify " + key.id);
    fail(403, "", fmt::format("The token '{}' may not write to {}", call.who.name(), key.id));
  }
  return *st;
}

std::string commit_id_or_404(Call& call, const RepoKey& key, const std::string& revision) {
  try {
    hub::validate_revision(revision);
  } catch (const Error& e) {
    fail(400, "", e.message());
  }
  auto id = call.ctx.store.resolve(key, revision);
  if (!id) fail(404, "RevisionNotFound", fmt::format("Invalid rev id: {}", revision));
  return *id;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> split_target(const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  std::vector<std::string> segs;
  size_t start = path.empty() || path[0] != '/' ? 0 : 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    segs.push_back(percent_decode(std::string_view(path).substr(start, end - start)));
    start = end + 1;
  }
  while (!segs.empty() && segs.back().empty() && segs.size() > 1) segs.pop_back();
  return segs;
}

std::string random_secret() {
  std::random_device rd;
  std::string s;
  for (int i = 0; i < 4; ++i) s += fmt::format("{:08x}", rd());
  return s;
}

}  // namespace
}  // namespace detail

using namespace detail;

struct HubServer::Impl {
  ServerContext ctx;
  httplib::Server http;
  int port = 0;

  explicit Impl(HubServerOptions o)
      : ctx{o, RepoStore(o.root), o.tokens_file.empty() ? AccessControl() : AccessControl::from_file(o.tokens_file),
            random_secret()} {}

  // Runs one handler with the request's identity; maps errors to HTTP answers.
  template <class Fn>
  void serve(const httplib::Request& req, httplib::Response& res, Fn&& fn) {
    Call call{req, res, ctx, split_target(req.target), {}, ""};
    std::string host = req.get_header_value("Host");
    call.base_url = "http://" + (host.empty() ? fmt::format("{}:{}", ctx.options.host, port) : host);
    res.set_header("Access-Control-Allow-Origin", "*");
    try {
      for (const auto& seg : call.segs)
        if (seg.find('\0') != std::string::npos) fail(400, "", "NUL byte in the request path");
      auto who = ctx.access.identify(req.get_header_value("Authorization"));
      if (!who) fail(401, "", "Invalid credentials in Authorization header");
      call.who = *who;
      if (!fn(call)) fail(404, "", "Not Found: " + req.path);
    } catch (const HttpError& e) {
      res.headers.erase("Content-Range");
      if (!e.code.empty()) res.set_header("X-Error-Code", e.code);
      if (!e.repo_commit.empty()) res.set_header("X-Repo-Commit", e.repo_commit);
      res.set_header("X-Error-Message", e.message);
      send_json(res, core::Json{{"error", e.message}}, e.status);
    } catch (const Error& e) {
      int status = e.code() == ErrorCode::NotFound ? 404
                   : (e.code() == ErrorCode::InvalidArgument || e.code() == ErrorCode::Format) ? 400
                                                                                                 : 500;
      res.headers.erase("Content-Range");
      res.set_header("X-Error-Message", e.message());
      send_json(res, core::Json{{"error", e.message()}}, status);
    } catch (const std::exception& e) {
      res.set_header("X-Error-Message", "internal error");
      send_json(res, core::Json{{"error", std::string("internal error: ") + e.what()}}, 500);
    }
  }

  void setup() {
    http.new_task_queue = [n = ctx.options.threads] { return new httplib::ThreadPool(static_cast<size_t>(n)); };
    http.set_keep_alive_max_count(1000);
    // Headers and body go out in separate writes; without TCP_NODELAY Nagle holds the body of a small
    // file until the client's delayed ACK (~40 ms a request on Linux loopback).
    http.set_tcp_nodelay(true);
    http.set_keep_alive_timeout(10);
    http.set_read_timeout(60);
    http.set_write_timeout(60);
    http.set_payload_max_length(size_t{64} << 30);
    http.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
      serve(req, res, [](Call& c) {
        if (!c.segs.empty() && c.segs[0] == "api") return handle_xet_token(c) || handle_read_api(c);
        return handle_resolve(c) || handle_web(c);
      });
    });
    auto writes = [this](const httplib::Request& req, httplib::Response& res) {
      serve(req, res, [](Call& c) { return handle_write_api(c); });
    };
    http.Post(".*", writes);
    http.Delete(".*", writes);
    http.Put(".*", [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
      serve(req, res, [&](Call& c) {
        if (c.segs.size() >= 2 && c.segs[0] == "api" && c.segs[1] == "lfs-upload") {
          handle_lfs_upload(c, reader);
          return true;
        }
        std::string body;
        reader([&](const char* data, size_t n) {
          if (body.size() + n > (size_t{16} << 20)) return false;
          body.append(data, n);
          return true;
        });
        const_cast<httplib::Request&>(c.req).body = std::move(body);
        return handle_write_api(c);
      });
    });
    http.Options(".*", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Access-Control-Allow-Origin", "*");
      res.set_header("Access-Control-Allow-Headers", "*");
      res.status = 204;
    });
    if (ctx.options.log_requests) {
      http.set_logger([](const httplib::Request& req, const httplib::Response& res) {
        std::string range = req.get_header_value("Range");
        std::fprintf(stderr, "[hub serve] %s %s -> %d%s%s\n", req.method.c_str(), req.target.c_str(), res.status,
                     range.empty() ? "" : " Range: ", range.c_str());
      });
    }
  }
};

HubServer::HubServer(HubServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) { impl_->setup(); }
HubServer::~HubServer() = default;

int HubServer::bind() {
  auto& o = impl_->ctx.options;
  if (o.port == 0) {
    impl_->port = impl_->http.bind_to_any_port(o.host);
    HFCPP_CHECK(impl_->port > 0, ErrorCode::Network, "[hub serve] cannot bind {}: no free port", o.host);
  } else {
    HFCPP_CHECK(impl_->http.bind_to_port(o.host, o.port), ErrorCode::Network,
                "[hub serve] cannot bind {}:{}: address in use or not available", o.host, o.port);
    impl_->port = o.port;
  }
  return impl_->port;
}

int HubServer::port() const { return impl_->port; }
bool HubServer::access_enforced() const { return impl_->ctx.access.enforced(); }
void HubServer::run() { impl_->http.listen_after_bind(); }
void HubServer::stop() { impl_->http.stop(); }

}  // namespace hfcpp::hubserver
