// Who may read and write which repositories: `hub serve --tokens FILE` (format in
// docs/hub_serve.md). Without a file everyone may read and write everything.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hubserver/repo_store.h"

namespace hfcpp::hubserver {

enum class Permission { None = 0, Read = 1, Write = 2 };

struct TokenGrant {
  std::string token;
  std::string name;                 // shown as the commit author and by whoami
  Permission role = Permission::Read;
  std::vector<std::string> repos;   // fnmatch patterns: "org/*", "dataset:org/*", "*"
};

// The caller of one request: anonymous, or the holder of a known token.
struct Identity {
  const TokenGrant* grant = nullptr;  // nullptr: anonymous
  std::string name() const { return grant ? grant->name : "anonymous"; }
};

class AccessControl {
 public:
  AccessControl() = default;  // open: no tokens enforced
  // Throws Format/Io naming the file and the entry at fault.
  static AccessControl from_file(const std::string& path);

  bool enforced() const { return enforced_; }
  // From an "Authorization: Bearer <token>" header value (empty: anonymous). nullopt: the token
  // is not known (the server answers 401).
  std::optional<Identity> identify(const std::string& authorization) const;
  Permission permission(const Identity& who, const RepoKey& repo) const;
  // May `who` create repositories under this id (write on the id's pattern)?
  bool may_write(const Identity& who, const RepoKey& repo) const { return permission(who, repo) == Permission::Write; }
  // Reading a repo: public repos are open to all; private ones need a read grant.
  bool may_read(const Identity& who, const RepoKey& repo, bool is_private) const;

 private:
  bool enforced_ = false;
  std::vector<TokenGrant> grants_;
};

}  // namespace hfcpp::hubserver
