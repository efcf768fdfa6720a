// `hfcpp hub serve --root DIR [--host H] [--port P] [--tokens FILE]`: the self-hosted hub
// (docs/hub_serve.md). Prints "serving on http://HOST:PORT" on stdout once it accepts requests.
#include <csignal>
#include <cstdio>
#include <thread>

#include "cli/commands.h"
#include "hfcpp/core/error.h"
#include "hfcpp/hubserver/hub_server.h"

namespace hfcpp::cli {
namespace {

hubserver::HubServer* g_server = nullptr;

void on_signal(int) {
  if (g_server != nullptr) g_server->stop();
}

}  // namespace

void register_hub(CLI::App& app, GlobalOptions& global) {
  auto opts = std::make_shared<hubserver::HubServerOptions>();
  auto* hub = app.add_subcommand("hub", "Self-hosted Hugging Face Hub");
  hub->require_subcommand(1);
  auto* serve = hub->add_subcommand("serve", "Serve repositories that huggingface_hub and hfcpp download from and upload to");
  serve->add_option("--root", opts->root, "Storage folder (created if missing)")->required();
  serve->add_option("--host", opts->host, "Address to bind (default 127.0.0.1)");
  serve->add_option("--port", opts->port, "Port (default 0: any free port, printed at start)")->check(CLI::Range(0, 65535));
  serve->add_option("--tokens", opts->tokens_file, "JSON file of tokens with read/write roles per repo pattern");
  serve->add_option("--workers", opts->threads, "Connection worker threads (default 32)")->check(CLI::Range(2, 1024));
  serve->add_option("--limit-rate", opts->limit_rate, "Per-download rate limit in bytes/s (default: none)");
  serve->add_flag("--log-requests", opts->log_requests, "Log every request on stderr");
  serve->callback([opts, &global] {
    hubserver::HubServer server(*opts);
    int port = server.bind();
    if (!server.access_enforced())
      std::fprintf(stderr,
                   "hfcpp hub serve: warning: no --tokens file: everyone who can reach %s:%d may read and write "
                   "every repository (use it on loopback or a trusted network)\n",
                   opts->host.c_str(), port);
    g_server = &server;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::printf("serving on http://%s:%d\n", opts->host.c_str(), port);
    std::fflush(stdout);
    (void)global;
    server.run();
    g_server = nullptr;
  });
}

}  // namespace hfcpp::cli
