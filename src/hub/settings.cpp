#include "hfcpp/hub/settings.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace hfcpp::hub {
namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

// os.path.expanduser for a leading "~".
std::string expand_user(std::string path) {
  if (!path.empty() && path[0] == '~' && (path.size() == 1 || path[1] == '/')) {
    const char* home = std::getenv("HOME");
    if (home != nullptr) path = std::string(home) + path.substr(1);
  }
  return path;
}

bool is_true(const std::optional<std::string>& value) {
  if (!value) return false;
  std::string v = *value;
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::toupper(c); });
  return v == "1" || v == "ON" || v == "YES" || v == "TRUE";
}

std::optional<std::string> clean_token(std::string token) {
  token.erase(std::remove_if(token.begin(), token.end(), [](char c) { return c == '\r' || c == '\n'; }),
              token.end());
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  token.erase(token.begin(), std::find_if(token.begin(), token.end(), not_space));
  token.erase(std::find_if(token.rbegin(), token.rend(), not_space).base(), token.end());
  if (token.empty()) return std::nullopt;
  return token;
}

double env_seconds(const char* name, double fallback) {
  auto v = env(name);
  if (!v || v->empty()) return fallback;
  try {
    return std::stod(*v);
  } catch (...) {
    return fallback;
  }
}

}  // namespace

std::string default_endpoint() {
  std::string endpoint = env("HF_ENDPOINT").value_or("https://huggingface.co");
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  return endpoint;
}

std::string hf_home() {
  if (auto v = env("HF_HOME")) return expand_user(*v);
  std::string base = env("XDG_CACHE_HOME").value_or(expand_user("~/.cache"));
  return base + "/huggingface";
}

std::string default_cache_dir() {
  if (auto v = env("HF_HUB_CACHE")) return expand_user(*v);
  if (auto v = env("HUGGINGFACE_HUB_CACHE")) return expand_user(*v);
  return hf_home() + "/hub";
}

std::optional<std::string> default_token() {
  for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}) {
    if (auto v = env(name)) {
      if (auto t = clean_token(*v)) return t;
    }
  }
  std::string path = env("HF_TOKEN_PATH") ? expand_user(*env("HF_TOKEN_PATH")) : hf_home() + "/token";
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return clean_token(ss.str());
}

bool offline_mode() {
  auto v = env("HF_HUB_OFFLINE");
  if (!v || v->empty()) v = env("TRANSFORMERS_OFFLINE");
  return is_true(v);
}

double download_timeout_s() { return env_seconds("HF_HUB_DOWNLOAD_TIMEOUT", 10.0); }
double etag_timeout_s() { return env_seconds("HF_HUB_ETAG_TIMEOUT", 10.0); }

}  // namespace hfcpp::hub
