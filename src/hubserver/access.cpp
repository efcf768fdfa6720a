#include "hubserver/access.h"

#include "hfcpp/core/error.h"
#include "hfcpp/hub/download.h"
#include "hub/fs_util.h"

namespace hfcpp::hubserver {

AccessControl AccessControl::from_file(const std::string& path) {
  core::Json doc = core::parse_json(hub::detail::read_small_file(path), path);
  HFCPP_CHECK(doc.is_object() && doc.contains("tokens") && doc["tokens"].is_array(), ErrorCode::Format,
              "[hub serve] tokens file '{}': expected {{\"tokens\": [...]}}", path);
  AccessControl ac;
  ac.enforced_ = true;
  size_t i = 0;
  for (const auto& item : doc["tokens"]) {
    std::string where = fmt::format("{} tokens[{}]", path, i++);
    TokenGrant g;
    g.token = core::json_string(item, "token", where);
    HFCPP_CHECK(g.token.size() >= 8, ErrorCode::Format, "[hub serve] {}: token shorter than 8 characters", where);
    g.name = core::json_string_or(item, "name", "user" + std::to_string(i), where);
    std::string role = core::json_string_or(item, "role", "read", where);
    HFCPP_CHECK(role == "read" || role == "write", ErrorCode::Format,
                "[hub serve] {}: role must be \"read\" or \"write\", got \"{}\"", where, role);
    g.role = role == "write" ? Permission::Write : Permission::Read;
    if (item.contains("repos")) {
      HFCPP_CHECK(item["repos"].is_array(), ErrorCode::Format, "[hub serve] {}: repos must be a list", where);
      for (const auto& p : item["repos"]) {
        HFCPP_CHECK(p.is_string(), ErrorCode::Format, "[hub serve] {}: repos must hold strings", where);
        g.repos.push_back(p.get<std::string>());
      }
    } else {
      g.repos.push_back("*");
    }
    for (const auto& other : ac.grants_)
      HFCPP_CHECK(other.token != g.token, ErrorCode::Format, "[hub serve] {}: duplicate token", where);
    ac.grants_.push_back(std::move(g));
  }
  return ac;
}

std::optional<Identity> AccessControl::identify(const std::string& authorization) const {
  if (authorization.empty()) return Identity{};
  std::string token = authorization;
  if (token.rfind("Bearer ", 0) == 0 || token.rfind("bearer ", 0) == 0) token = token.substr(7);
  while (!token.empty() && token.back() == ' ') token.pop_back();
  if (token.empty()) return Identity{};
  for (const auto& g : grants_)
    if (g.token == token) return Identity{&g};
  if (!enforced_) return Identity{};  // an open hub ignores tokens
  return std::nullopt;
}

Permission AccessControl::permission(const Identity& who, const RepoKey& repo) const {
  if (!enforced_) return Permission::Write;
  if (who.grant == nullptr) return Permission::None;
  std::string typed = std::string(hub::repo_type_name(repo.type)) + ":" + repo.id;
  for (const auto& pattern : who.grant->repos) {
    bool has_type = pattern.find(':') != std::string::npos;
    if (hub::fnmatch_case(has_type ? typed : repo.id, pattern)) return who.grant->role;
  }
  return Permission::None;
}

bool AccessControl::may_read(const Identity& who, const RepoKey& repo, bool is_private) const {
  if (!is_private || !enforced_) return true;
  return permission(who, repo) != Permission::None;
}

}  // namespace hfcpp::hubserver
