#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "hfcpp/core/error.h"
#include "hfcpp/hub/cache_scan.h"
#include "hfcpp/hub/download.h"
#include "hfcpp/hub/repo.h"
#include "hub/download_internal.h"
#include "hub/fs_util.h"
#include "hub/http_client.h"

using namespace hfcpp;
using namespace hfcpp::hub;
namespace fs = std::filesystem;

namespace {

void expect_error(const std::function<void()>& fn, ErrorCode code, const std::string& fragment) {
  try {
    fn();
    FAIL() << "expected an error containing '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

fs::path temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / fmt::format("hfcpp_hub_{}_{}", name, ::getpid());
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

}  // namespace

TEST(HubRepo, RepoIdValidationMirrorsHuggingfaceHub) {
  for (const char* ok : {"gpt2", "org/name", "a/b", "Org_1/model-v1.5", "x/y.z"}) EXPECT_NO_THROW(validate_repo_id(ok));
  for (const char* bad : {"", "../x", "org/../x", "a/b/c", "-a/b", "a/b-", "a--b/c", "a/b..c", "x/y.git", "a b/c",
                          "/abs", "café/x"})
    expect_error([&] { validate_repo_id(bad); }, ErrorCode::InvalidArgument, "invalid repo id");
}

TEST(HubRepo, FilenameTraversalRefused) {
  for (const char* ok : {"config.json", "sub/dir/a.txt", ".gitattributes", "a..b"})
    EXPECT_NO_THROW(validate_repo_filename(ok));
  for (const char* bad : {"", "../x", "a/../../x", "/etc/passwd", "a//b", "./a", "a\\b", "C:/x", "%2e%2e/x",
                          "a/%2F/b"})
    expect_error([&] { validate_repo_filename(bad); }, ErrorCode::InvalidArgument, "unsafe repo filename");
  expect_error([] { validate_revision("../../x"); }, ErrorCode::InvalidArgument, "invalid revision");
  EXPECT_NO_THROW(validate_revision("refs/pr/1"));
}

TEST(HubRepo, FolderNamesAndUrls) {
  EXPECT_EQ(repo_folder_name("org/name", RepoType::Model), "models--org--name");
  EXPECT_EQ(repo_folder_name("gpt2", RepoType::Dataset), "datasets--gpt2");
  auto ref = parse_repo_folder_name("spaces--a--b");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->type, RepoType::Space);
  EXPECT_EQ(ref->repo_id, "a/b");
  EXPECT_FALSE(parse_repo_folder_name("blobs"));
  EXPECT_EQ(hub_file_url("http://h", "org/d", RepoType::Dataset, "refs/pr/1", "a b/c.txt"),
            "http://h/datasets/org/d/resolve/refs%2Fpr%2F1/a%20b/c.txt");
  EXPECT_TRUE(is_commit_hash(std::string(40, 'a')));
  EXPECT_FALSE(is_commit_hash(std::string(40, 'A')));
  EXPECT_TRUE(is_sha256_hex(std::string(64, '0')));
}

TEST(HubHttp, EtagLinkAndUrlHelpers) {
  EXPECT_EQ(detail::normalize_etag("W/\"abc\""), "abc");
  EXPECT_EQ(detail::normalize_etag("\"abc\""), "abc");
  EXPECT_EQ(detail::link_next("<http://x/a?cursor=2>; rel=\"next\", <http://x/a?c=9>; rel=\"last\""),
            "http://x/a?cursor=2");
  EXPECT_FALSE(detail::link_next("<http://x/a>; rel=\"prev\""));
  EXPECT_EQ(detail::resolve_url("http://h:1/org/a/resolve/main/f", "/org/b/resolve/main/f"),
            "http://h:1/org/b/resolve/main/f");
  EXPECT_EQ(detail::url_host("http://LocalHost:8/x"), "localhost");
  EXPECT_TRUE(detail::same_or_hub_host("http://127.0.0.1:1/a", "http://127.0.0.1:2/b", "http://127.0.0.1:1"));
  EXPECT_FALSE(detail::same_or_hub_host("http://127.0.0.1:1/a", "http://cdn.example/b", "http://127.0.0.1:1"));
  EXPECT_TRUE(detail::same_or_hub_host("http://127.0.0.1:1/a", "https://huggingface.co/b", "http://127.0.0.1:1"));
}

TEST(HubPatterns, FnmatchLikePython) {
  EXPECT_TRUE(fnmatch_case("sub/dir/a.json", "*.json"));  // '*' crosses '/', as fnmatch does
  EXPECT_TRUE(fnmatch_case("model-00001.safetensors", "model-0000?.safetensors"));
  EXPECT_TRUE(fnmatch_case("a1", "a[0-9]"));
  EXPECT_FALSE(fnmatch_case("ab", "a[!b]"));
  EXPECT_FALSE(fnmatch_case("A.json", "a.json"));
  EXPECT_TRUE(passes_patterns("sub/x.txt", {"sub/"}, {}));
  EXPECT_FALSE(passes_patterns("sub/x.bin", {"sub/"}, {"*.bin"}));
  EXPECT_TRUE(passes_patterns("x", {}, {}));
}

TEST(HubFs, Sha256AndShortHash) {
  fs::path dir = temp_dir("sha");
  std::ofstream(dir / "f") << "abc";
  EXPECT_EQ(detail::sha256_file((dir / "f").string()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // base64.urlsafe_b64encode(hashlib.sha1(b"config.json.metadata").digest())
  EXPECT_EQ(detail::sha1_urlsafe_b64("abc"), "qZk-NkcGgWq6PiVxeFDCbJzQ2J0=");
  fs::remove_all(dir);
}

TEST(HubCache, ScanCountsBlobsOnceAndPlansDeletion) {
  fs::path cache = temp_dir("scan");
  fs::path repo = cache / "models--org--m";
  fs::create_directories(repo / "blobs");
  fs::create_directories(repo / "refs");
  std::string c1(40, '1'), c2(40, '2');
  std::ofstream(repo / "blobs/shared") << "0123456789";
  std::ofstream(repo / "blobs/old") << "abc";
  for (const auto& c : {c1, c2}) fs::create_directories(repo / "snapshots" / c);
  fs::create_symlink("../../blobs/shared", repo / "snapshots" / c1 / "a");
  fs::create_symlink("../../blobs/old", repo / "snapshots" / c1 / "b");
  fs::create_symlink("../../blobs/shared", repo / "snapshots" / c2 / "a");
  std::ofstream(repo / "refs/main") << c2;
  fs::create_directories(cache / ".locks");
  fs::create_directories(cache / "not-a-repo");

  CacheInfo info = scan_cache_dir(cache.string());
  ASSERT_EQ(info.repos.size(), 1u);
  EXPECT_EQ(info.warnings.size(), 1u);  // "not-a-repo", as huggingface_hub reports it
  const CachedRepo& r = info.repos[0];
  EXPECT_EQ(r.cache_id(), "model/org/m");
  EXPECT_EQ(r.size_on_disk, 13u);
  EXPECT_EQ(r.nb_files, 2u);
  ASSERT_EQ(r.revisions.size(), 2u);
  EXPECT_EQ(r.revisions[1].refs, std::vector<std::string>{"main"});
  EXPECT_EQ(info.size_on_disk, 13u);

  DeletePlan plan = plan_delete_revisions(info, {c1});
  EXPECT_EQ(plan.expected_freed, 3u);
  execute_delete_plan(plan);
  EXPECT_FALSE(fs::exists(repo / "blobs/old"));
  EXPECT_TRUE(fs::exists(repo / "blobs/shared"));
  EXPECT_EQ(format_cache_size(1234567), "1.2M");
  EXPECT_EQ(format_cache_size(12), "12.0");
  fs::remove_all(cache);
  expect_error([&] { scan_cache_dir(cache.string()); }, ErrorCode::NotFound, "cache directory not found");
}

TEST(HubDownload, OfflineResolvesFromCacheOrFailsClearly) {
  fs::path cache = temp_dir("offline");
  fs::path repo = cache / "models--org--m";
  std::string c(40, 'c');
  fs::create_directories(repo / "blobs");
  fs::create_directories(repo / "refs");
  fs::create_directories(repo / "snapshots" / c);
  std::ofstream(repo / "blobs/e") << "x";
  fs::create_symlink("../../blobs/e", repo / "snapshots" / c / "f.txt");
  std::ofstream(repo / "refs/main") << c;
  DownloadOptions opt;
  opt.cache_dir = cache.string();
  opt.offline = true;
  opt.endpoint = "http://127.0.0.1:9";  // never contacted
  EXPECT_EQ(hub_download("org/m", "f.txt", opt), (repo / "snapshots" / c / "f.txt").string());
  EXPECT_EQ(snapshot_download("org/m", opt), (repo / "snapshots" / c).string());
  expect_error([&] { hub_download("org/m", "g.txt", opt); }, ErrorCode::NotFound, "offline");
  expect_error([&] { hub_download("org/m", "../f.txt", opt); }, ErrorCode::InvalidArgument, "unsafe");
  fs::remove_all(cache);
}

TEST(HubDownload, UnreachableEndpointIsANetworkError) {
  fs::path cache = temp_dir("net");
  DownloadOptions opt;
  opt.cache_dir = cache.string();
  opt.endpoint = "http://127.0.0.1:9";  // discard port: connection refused
  opt.max_retries = 1;
  opt.retry_base_wait_s = 0.01;
  opt.token = "";
  expect_error([&] { hub_download("org/m", "f.txt", opt); }, ErrorCode::Network, "cannot reach");
  fs::remove_all(cache);
}
