// The hub server's storage, access rules and card parsing, without HTTP (the HTTP contract is
// tested with real clients in tests/python/test_hub_serve.py).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "hfcpp/core/error.h"
#include "hubserver/access.h"
#include "hfcpp/hub/model_card.h"
#include "hubserver/repo_store.h"
#include "hubserver/server_internal.h"

namespace hfcpp::hubserver {
namespace {
namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("hfcpp_hubserver_" + std::to_string(::getpid()) + "_" +
                                        std::to_string(reinterpret_cast<uintptr_t>(this)));
    fs::remove_all(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

TEST(RepoStore, CommitsBranchesTagsSurviveRestart) {
  TempDir dir;
  RepoKey key{RepoType::Model, "org/m"};
  std::string first_commit, second_commit;
  {
    RepoStore store(dir.path.string());
    store.create_repo(key, false);
    EXPECT_THROW(store.create_repo(key, false), Error);
    auto c1 = store.commit_changes(key, "main", {{"a.txt", store.put_bytes("one", false)}}, "one", "", "me", "");
    store.create_ref(key, "v1", c1->id, true);
    auto c2 = store.commit_changes(key, "main", {{"a.txt", store.put_bytes("two", false)}}, "two", "", "me", c1->id);
    // A stale parent is a conflict and changes nothing.
    EXPECT_THROW(store.commit_changes(key, "main", {}, "x", "", "me", c1->id), Error);
    first_commit = c1->id;
    second_commit = c2->id;
    EXPECT_EQ(c2->files.at("a.txt").git_oid, git_blob_oid("two"));
  }
  // Leftovers of a crash: an unfinished upload and a commit file that no ref points to.
  std::ofstream(dir.path / "tmp" / "partial") << "half";
  RepoStore store(dir.path.string());
  EXPECT_FALSE(fs::exists(dir.path / "tmp" / "partial"));
  EXPECT_EQ(store.resolve(key, "main"), second_commit);
  EXPECT_EQ(store.resolve(key, "v1"), first_commit);
  EXPECT_EQ(store.resolve(key, first_commit), first_commit);
  EXPECT_FALSE(store.resolve(key, "nope").has_value());
  auto c = store.commit(key, first_commit);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->files.at("a.txt").sha256, "7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed");
  EXPECT_EQ(store.history(key, second_commit).size(), 3u);  // initial, one, two
}

TEST(RepoStore, DeletesAndRefusesBadPaths) {
  TempDir dir;
  RepoStore store(dir.path.string());
  RepoKey key{RepoType::Dataset, "d"};
  store.create_repo(key, true);
  auto f = store.put_bytes("x", false);
  store.commit_changes(key, "main", {{"dir/a", f}, {"dir/b", f}}, "add", "", "me", "");
  auto c = store.commit_changes(key, "main", {{"dir", std::nullopt, true}}, "rm", "", "me", "");
  EXPECT_EQ(c->files.count("dir/a"), 0u);
  EXPECT_THROW(store.commit_changes(key, "main", {{"../x", f}}, "bad", "", "me", ""), Error);
  EXPECT_THROW(store.commit_changes(key, "main", {{"missing", std::nullopt}}, "bad", "", "me", ""), Error);
  EXPECT_THROW(store.create_repo({RepoType::Model, "../etc"}, false), Error);
}

TEST(Access, RolesAndPatterns) {
  TempDir dir;
  fs::create_directories(dir.path);
  std::ofstream(dir.path / "t.json") << R"({"tokens": [
    {"token": "hf_writer_1", "name": "w", "role": "write", "repos": ["org/*"]},
    {"token": "hf_reader_1", "role": "read", "repos": ["dataset:org/*"]}]})";
  auto ac = AccessControl::from_file((dir.path / "t.json").string());
  auto writer = ac.identify("Bearer hf_writer_1");
  auto reader = ac.identify("Bearer hf_reader_1");
  ASSERT_TRUE(writer && reader);
  EXPECT_FALSE(ac.identify("Bearer hf_unknown_1").has_value());
  RepoKey model{RepoType::Model, "org/m"}, data{RepoType::Dataset, "org/d"};
  EXPECT_TRUE(ac.may_write(*writer, model));
  EXPECT_FALSE(ac.may_write(*writer, {RepoType::Model, "other/m"}));
  EXPECT_FALSE(ac.may_read(*reader, model, true));
  EXPECT_TRUE(ac.may_read(*reader, data, true));
  EXPECT_TRUE(ac.may_read(Identity{}, model, false));
  EXPECT_FALSE(ac.may_read(Identity{}, model, true));
  std::ofstream(dir.path / "bad.json") << R"({"tokens": [{"token": "hf_x_12345", "role": "admin"}]})";
  EXPECT_THROW(AccessControl::from_file((dir.path / "bad.json").string()), Error);
}

TEST(CardData, FrontMatterAndTags) {
  std::string readme = "---\nlicense: mit\ntags:\n- a\n- b\ndatasets: [squad]\nlibrary_name: transformers\n---\n# Title\n";
  core::Json card = hub::parse_card_front_matter(readme);
  EXPECT_EQ(card["license"], "mit");
  EXPECT_EQ(hub::card_body(readme), "# Title\n");
  EXPECT_EQ(hub::card_tags(card), (std::vector<std::string>{"transformers", "a", "b", "dataset:squad", "license:mit"}));
  EXPECT_TRUE(hub::parse_card_front_matter("# no front matter").is_null());
  EXPECT_THROW(hub::parse_card_front_matter("---\n- a list\n---\n"), Error);
  EXPECT_THROW(hub::parse_card_front_matter("---\nkey: [unclosed\n---\n"), Error);
}

TEST(WebUi, MarkdownIsEscaped) {
  std::string html = detail::render_markdown("# Hi <b>\n\nsome *it* and `x<y`\n\n```\n<script>\n```\n- item\n");
  EXPECT_NE(html.find("<h1>Hi &lt;b&gt;</h1>"), std::string::npos);
  EXPECT_NE(html.find("<em>it</em>"), std::string::npos);
  EXPECT_NE(html.find("<code>x&lt;y</code>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("<li>item</li>"), std::string::npos);
  EXPECT_EQ(detail::format_size(11534336), "11.5 MB");
}

}  // namespace
}  // namespace hfcpp::hubserver
