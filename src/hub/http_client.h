// A small libcurl wrapper: one easy handle per HttpClient (one per worker thread), redirects
// never followed by curl (the callers decide, to drop Authorization off-host as huggingface_hub
// does), no compression (Accept-Encoding: identity, so sizes are the real ones).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hfcpp::hub::detail {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  long status = 0;                 // 0 when the transport failed
  std::string transport_error;     // curl's message when status == 0 or the body was cut
  bool transport_failed = false;   // connection refused/reset, timeout, truncated body, bad reply
  HeaderList headers;              // names lower-cased, in order
  std::string body;                // the body (non-2xx, or when no sink was given); capped at 1 MiB for errors
  std::string url;                 // the URL requested

  // Case-insensitive lookup of the first header of that name.
  std::optional<std::string> header(std::string_view name) const;
  bool is_redirect() const { return status >= 300 && status < 400 && header("location").has_value(); }
};

struct HttpRequest {
  std::string method = "GET";      // GET, HEAD, POST, PUT, DELETE
  std::string url;
  HeaderList headers;
  std::string body;                // sent for POST/PUT/DELETE
  std::string upload_path;         // PUT: stream this file as the body instead
  double connect_timeout_s = 10;
  double stall_timeout_s = 10;     // abort when no byte arrives for this long
  // libcurl's receive buffer (its default is 16 KiB): large bodies streamed to a sink get fewer,
  // larger reads and writes with a bigger one. 0 keeps libcurl's default.
  long receive_buffer_bytes = 0;
  // Called while the transfer runs: after received data and about once a second when none
  // arrives. Return false to abort the transfer (as a sink returning false does).
  std::function<bool()> on_progress;
};

// Receives the body of a 2xx response (with its status, so a 200 answering a Range request can
// be told from a 206); return false to abort the transfer.
using BodySink = std::function<bool(long status, const char* data, size_t size)>;

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Never throws for HTTP or transport failures: the caller inspects the response.
  HttpResponse perform(const HttpRequest& request, const BodySink* sink = nullptr);

 private:
  void* curl_;
};

// urljoin(base, location) for redirects (absolute or relative Location).
std::string resolve_url(const std::string& base, const std::string& location);
// Lower-cased host of a URL ("" if it cannot be parsed).
std::string url_host(const std::string& url);
// The rel="next" target of a Link header, if any.
std::optional<std::string> link_next(const std::string& link_header);

}  // namespace hfcpp::hub::detail
