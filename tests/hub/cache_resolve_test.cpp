// resolve_cached_snapshot / resolve_model_path over a temporary cache laid out as
// huggingface_hub lays it out.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "hfcpp/core/error.h"
#include "hfcpp/hub/cache.h"

using namespace hfcpp;
namespace fs = std::filesystem;

namespace {
const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";

struct TempCache {
  fs::path root = fs::temp_directory_path() / fmt::format("hfcpp_cache_resolve_{}", ::getpid());
  fs::path snapshot = root / "models--org--tiny" / "snapshots" / kCommit;
  TempCache() {
    fs::remove_all(root);
    fs::create_directories(snapshot);
    fs::create_directories(root / "models--org--tiny" / "refs" / "pr");
    std::ofstream(root / "models--org--tiny" / "refs" / "main") << kCommit;  // no newline, as hub writes
    std::ofstream(root / "models--org--tiny" / "refs" / "pr" / "1") << kCommit << "\n";
    std::ofstream(root / "models--org--tiny" / "refs" / "broken") << "not-a-commit";
  }
  ~TempCache() { fs::remove_all(root); }
};

void expect_error(const std::function<void()>& f, ErrorCode code, const std::string& text) {
  try {
    f();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}
}  // namespace

TEST(CacheResolve, RefsAndCommits) {
  TempCache cache;
  const std::string dir = cache.root.string();
  EXPECT_EQ(hub::resolve_cached_snapshot("org/tiny", "main", hub::RepoType::Model, dir), cache.snapshot.string());
  EXPECT_EQ(hub::resolve_cached_snapshot("org/tiny", "pr/1", hub::RepoType::Model, dir), cache.snapshot.string());
  EXPECT_EQ(hub::resolve_cached_snapshot("org/tiny", kCommit, hub::RepoType::Model, dir), cache.snapshot.string());
  expect_error([&] { hub::resolve_cached_snapshot("org/tiny", "v2", hub::RepoType::Model, dir); },
               ErrorCode::NotFound, "refs/v2");
  expect_error([&] { hub::resolve_cached_snapshot("org/other", "main", hub::RepoType::Model, dir); },
               ErrorCode::NotFound, "models--org--other");
  expect_error([&] { hub::resolve_cached_snapshot("org/tiny", "main", hub::RepoType::Dataset, dir); },
               ErrorCode::NotFound, "datasets--org--tiny");
  expect_error([&] { hub::resolve_cached_snapshot("org/tiny", "broken", hub::RepoType::Model, dir); },
               ErrorCode::Format, "40-hex commit");
  expect_error([&] {
    hub::resolve_cached_snapshot("org/tiny", std::string(40, 'a'), hub::RepoType::Model, dir);
  }, ErrorCode::NotFound, "snapshots");
}

TEST(CacheResolve, ModelPathArgument) {
  TempCache cache;
  const std::string dir = cache.root.string();
  EXPECT_EQ(hub::resolve_model_path(cache.snapshot.string(), dir), cache.snapshot.string());
  EXPECT_EQ(hub::resolve_model_path("org/tiny", dir), cache.snapshot.string());
  EXPECT_EQ(hub::resolve_model_path("org/tiny@" + kCommit, dir), cache.snapshot.string());
  expect_error([&] { hub::resolve_model_path("org/tiny@nope", dir); }, ErrorCode::NotFound, "refs/nope");
  expect_error([&] { hub::resolve_model_path("./no/such/../file.safetensors", dir); }, ErrorCode::NotFound,
               "neither an existing file or folder nor a repo id");
}
