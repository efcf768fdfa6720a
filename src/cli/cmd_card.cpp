// `hfcpp card check PATH` and `hfcpp card show PATH_OR_REPO [--json]`: a README.md's YAML
// metadata, validated and shown as huggingface_hub's ModelCard.load(...).data.to_dict() has it.
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.h"
#include "hfcpp/core/error.h"
#include "hfcpp/core/mapped_file.h"
#include "hfcpp/hub/download.h"
#include "hfcpp/hub/model_card.h"

namespace hfcpp::cli {
namespace {

namespace fs = std::filesystem;
using core::OrderedJson;

// A README.md file, or a folder holding one.
std::string local_readme(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::string readme = (fs::path(path) / "README.md").string();
    HFCPP_CHECK(fs::is_regular_file(readme, ec), ErrorCode::NotFound, "[model card] no README.md in folder {}", path);
    return readme;
  }
  return path;
}

std::string join_strings(const OrderedJson& v) {
  if (v.is_string()) return v.get<std::string>();
  if (!v.is_array()) return v.dump();
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : ", ") + (x.is_string() ? x.get<std::string>() : x.dump());
  return out;
}

std::string scalar_text(const OrderedJson& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

void print_card(const OrderedJson& data) {
  static const char* const kFields[] = {"license", "license_name", "license_link", "language", "library_name",
                                        "pipeline_tag", "tags", "datasets", "base_model", "metrics"};
  for (const char* key : kFields)
    if (data.contains(key)) std::printf("%-13s %s\n", key, join_strings(data[key]).c_str());
  for (const auto& [key, value] : data.items()) {
    bool listed = key == "model-index";
    for (const char* k : kFields) listed = listed || key == k;
    if (!listed) std::printf("%-13s %s\n", key.c_str(), join_strings(value).c_str());
  }
  if (!data.contains("model-index")) return;
  for (const auto& entry : data["model-index"]) {
    std::printf("eval results  %s\n", scalar_text(entry.value("name", OrderedJson("(unnamed)"))).c_str());
    for (const auto& r : entry.value("results", OrderedJson::array())) {
      const auto& ds = r["dataset"];
      std::string where = scalar_text(ds.value("name", OrderedJson(""))) + " (" + scalar_text(ds["type"]);
      if (ds.contains("config")) where += ", " + scalar_text(ds["config"]);
      if (ds.contains("split")) where += ", split " + scalar_text(ds["split"]);
      where += ")";
      for (const auto& m : r["metrics"])
        std::printf("  %-24s %-32s %s = %s\n", scalar_text(r["task"]["type"]).c_str(), where.c_str(),
                    scalar_text(m.value("name", m["type"])).c_str(), scalar_text(m["value"]).c_str());
    }
  }
}

}  // namespace

void register_card(CLI::App& app, GlobalOptions& global) {
  auto* card = app.add_subcommand("card", "Read and check model cards (README.md metadata)");
  card->require_subcommand(1);

  struct CheckArgs {
    std::string path;
    bool json = false;
  };
  auto check_args = std::make_shared<CheckArgs>();
  auto* check = card->add_subcommand("check", "Validate a model card's YAML metadata (exit 1 when invalid)");
  check->add_option("PATH", check_args->path, "README.md, or a folder holding one")->required();
  check->add_flag("--json", check_args->json, "Print {valid, errors, warnings} as JSON");
  check->callback([check_args, &global] {
    std::string path = local_readme(check_args->path);
    auto card_data = hub::parse_model_card(core::read_file(path), path);
    auto problems = hub::validate_model_card(card_data.metadata);
    size_t errors = 0;
    OrderedJson out = {{"valid", true}, {"errors", OrderedJson::array()}, {"warnings", OrderedJson::array()}};
    for (const auto& p : problems) {
      bool is_error = p.severity == hub::CardProblem::Severity::Error;
      errors += is_error;
      out[is_error ? "errors" : "warnings"].push_back({{"field", p.field}, {"message", p.message}});
      if (!check_args->json)
        std::printf("%s: %s: %s%s\n", path.c_str(), is_error ? "error" : "warning",
                    p.field.empty() ? "" : (p.field + ": ").c_str(), p.message.c_str());
    }
    out["valid"] = errors == 0;
    if (check_args->json) std::printf("%s\n", out.dump(2).c_str());
    HFCPP_CHECK(errors == 0, ErrorCode::Format, "[model card] {} is not a valid model card: {} error(s), {} warning(s)",
                path, errors, problems.size() - errors);
    if (!check_args->json && !global.quiet)
      std::printf("%s: valid model card (%zu warning(s))\n", path.c_str(), problems.size());
  });

  struct ShowArgs {
    std::string target, repo_type = "model", revision = "main", token;
    bool json = false;
  };
  auto show_args = std::make_shared<ShowArgs>();
  auto* show = card->add_subcommand("show", "Show a model card's metadata (license, tags, eval results, ...)");
  show->add_option("PATH_OR_REPO", show_args->target, "README.md, a folder holding one, or a Hub repo id")->required();
  show->add_flag("--json", show_args->json, "Print the metadata as huggingface_hub's ModelCardData.to_dict()");
  show->add_option("--repo-type", show_args->repo_type, "model, dataset or space (for a repo id)")
      ->check(CLI::IsMember({"model", "dataset", "space"}));
  show->add_option("--revision", show_args->revision, "Branch, tag or commit (for a repo id)");
  show->add_option("--token", show_args->token, "Access token (default: HF_TOKEN or HF_HOME/token)");
  show->callback([show_args, &global] {
    std::string path;
    std::error_code ec;
    if (fs::exists(show_args->target, ec)) {
      path = local_readme(show_args->target);
    } else {
      hub::DownloadOptions opt;
      opt.repo_type = hub::parse_repo_type(show_args->repo_type);
      opt.revision = show_args->revision;
      if (!show_args->token.empty()) opt.token = show_args->token;
      opt.progress = false;
      path = hub::hub_download(show_args->target, "README.md", opt);
    }
    auto card_data = hub::parse_model_card(core::read_file(path), path);
    OrderedJson data = hub::model_card_data_to_dict(card_data.metadata);
    if (show_args->json) {
      std::printf("%s\n", data.dump(2).c_str());
      return;
    }
    if (card_data.metadata.is_null() && !global.quiet)
      std::fprintf(stderr, "hfcpp: warning: %s has no YAML metadata block\n", path.c_str());
    print_card(data);
  });
}

}  // namespace hfcpp::cli
