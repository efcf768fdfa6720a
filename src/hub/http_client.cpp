#include "hub/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <mutex>

#include "hfcpp/core/error.h"
#include "hfcpp/version.h"

namespace hfcpp::hub::detail {
namespace {

constexpr size_t kMaxErrorBody = 1 << 20;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct TransferState {
  CURL* curl;
  HttpResponse* response;
  const BodySink* sink;
  const std::function<bool()>* on_progress = nullptr;
  bool sink_aborted = false;
};

int on_transfer_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* st = static_cast<TransferState*>(user);
  if ((*st->on_progress)()) return 0;
  st->sink_aborted = true;
  return 1;  // makes curl stop with CURLE_ABORTED_BY_CALLBACK
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* st = static_cast<TransferState*>(user);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    st->response->headers.clear();  // a new response (e.g. after 100 Continue)
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos && colon > 0)
    st->response->headers.emplace_back(lower(trim(line.substr(0, colon))), trim(line.substr(colon + 1)));
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* st = static_cast<TransferState*>(user);
  size_t bytes = size * n;
  long status = 0;
  curl_easy_getinfo(st->curl, CURLINFO_RESPONSE_CODE, &status);
  if (st->sink != nullptr && status >= 200 && status < 300) {
    if (!(*st->sink)(status, data, bytes)) {
      st->sink_aborted = true;
      return 0;  // makes curl stop with CURLE_WRITE_ERROR
    }
    return bytes;
  }
  if (st->response->body.size() < kMaxErrorBody || st->sink == nullptr)
    st->response->body.append(data, bytes);
  return bytes;
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  std::string key = lower(name);
  for (const auto& [k, v] : headers)
    if (k == key) return v;
  return std::nullopt;
}

HttpClient::HttpClient() {
  global_init();
  curl_ = curl_easy_init();
  HFCPP_CHECK(curl_ != nullptr, ErrorCode::Internal, "[hub] curl_easy_init failed");
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

HttpResponse HttpClient::perform(const HttpRequest& request, const BodySink* sink) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);
  HttpResponse response;
  response.url = request.url;
  TransferState state{curl, &response, sink};
  if (request.on_progress) state.on_progress = &request.on_progress;

  curl_slist* headers = nullptr;
  bool has_user_agent = false;
  for (const auto& [k, v] : request.headers) {
    headers = curl_slist_append(headers, (k + ": " + v).c_str());
    if (lower(k) == "user-agent") has_user_agent = true;
  }
  if (!has_user_agent)
    headers = curl_slist_append(headers, "User-Agent: hfcpp/" HFCPP_VERSION_STRING "; hf_hub-compatible");
  headers = curl_slist_append(headers, "Accept-Encoding: identity");
  if (request.method != "GET" && request.method != "HEAD") headers = curl_slist_append(headers, "Expect:");

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout_s * 1000));
  // A stalled transfer (no byte for stall_timeout_s) is a transport failure, retried with Range.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, std::max(1L, static_cast<long>(request.stall_timeout_s)));
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &state);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &state);
  if (request.receive_buffer_bytes > 0) curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, request.receive_buffer_bytes);
  FILE* upload = nullptr;
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (!request.upload_path.empty()) {
    upload = std::fopen(request.upload_path.c_str(), "rb");
    if (upload == nullptr) {
      curl_slist_free_all(headers);
      HFCPP_THROW(ErrorCode::Io, "[hub] cannot open '{}' for upload", request.upload_path);
    }
    std::fseek(upload, 0, SEEK_END);
    long size = std::ftell(upload);
    std::fseek(upload, 0, SEEK_SET);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);  // PUT, read by curl's default fread callback
    curl_easy_setopt(curl, CURLOPT_READDATA, upload);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    if (request.method != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  if (state.on_progress != nullptr) {
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_transfer_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &state);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  }
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (upload != nullptr) std::fclose(upload);

  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = status;
  if (rc != CURLE_OK) {
    if (state.sink_aborted) {
      response.transport_error = "download aborted by the writer";
    } else {
      response.transport_failed = true;
      response.transport_error = errbuf[0] != 0 ? std::string(errbuf) : curl_easy_strerror(rc);
    }
  }
  return response;
}

std::string resolve_url(const std::string& base, const std::string& location) {
  CURLU* u = curl_url();
  std::string out = location;
  if (curl_url_set(u, CURLUPART_URL, base.c_str(), 0) == CURLUE_OK &&
      curl_url_set(u, CURLUPART_URL, location.c_str(), CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK) {
    char* full = nullptr;
    if (curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK) {
      out = full;
      curl_free(full);
    }
  }
  curl_url_cleanup(u);
  return out;
}

std::string url_host(const std::string& url) {
  CURLU* u = curl_url();
  std::string out;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* host = nullptr;
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
      out = lower(host);
      curl_free(host);
    }
  }
  curl_url_cleanup(u);
  return out;
}

std::optional<std::string> link_next(const std::string& link_header) {
  // <url>; rel="next", <url2>; rel="last"
  size_t pos = 0;
  while (pos < link_header.size()) {
    size_t lt = link_header.find('<', pos);
    if (lt == std::string::npos) break;
    size_t gt = link_header.find('>', lt);
    if (gt == std::string::npos) break;
    std::string url = link_header.substr(lt + 1, gt - lt - 1);
    size_t next_entry = link_header.find(",", gt);
    std::string params = lower(link_header.substr(gt + 1, next_entry == std::string::npos
                                                                ? std::string::npos
                                                                : next_entry - gt - 1));
    if (params.find("rel=\"next\"") != std::string::npos || params.find("rel=next") != std::string::npos)
      return url;
    if (next_entry == std::string::npos) break;
    pos = next_entry + 1;
  }
  return std::nullopt;
}

}  // namespace hfcpp::hub::detail
