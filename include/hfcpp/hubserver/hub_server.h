// `hfcpp hub serve`: a self-hosted Hugging Face Hub that huggingface_hub, transformers and hfcpp
// download from and publish to (the HTTP API subset they use; docs/hub_serve.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace hfcpp::hubserver {

struct HubServerOptions {
  std::string root;                 // storage folder (created if missing)
  std::string host = "127.0.0.1";
  int port = 0;                     // 0: any free port (see HubServer::port())
  std::string tokens_file;          // empty: everyone may read and write
  int threads = 32;                 // connection workers
  uint64_t limit_rate = 0;          // bytes/s per file download, 0: unlimited
  bool log_requests = false;        // one line per request on stderr
};

class HubServer {
 public:
  explicit HubServer(HubServerOptions options);
  ~HubServer();
  HubServer(const HubServer&) = delete;
  HubServer& operator=(const HubServer&) = delete;

  // Binds the socket (throws Network if it cannot) and returns the port.
  int bind();
  int port() const;
  bool access_enforced() const;
  // Serves until stop() (bind() first).
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hfcpp::hubserver
