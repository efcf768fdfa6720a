#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "hfcpp/core/error.h"
#include "hfcpp/hub/model_card.h"

using namespace hfcpp;
using namespace hfcpp::hub;
using core::OrderedJson;

namespace {

std::string messages(const std::vector<CardProblem>& problems) {
  std::string out;
  for (const auto& p : problems)
    out += (p.severity == CardProblem::Severity::Error ? "E " : "W ") + p.field + ": " + p.message + "\n";
  return out;
}

std::vector<CardProblem> check(const std::string& yaml) {
  return validate_model_card(parse_model_card("---\n" + yaml + "---\n").metadata);
}

size_t error_count(const std::vector<CardProblem>& problems) {
  size_t n = 0;
  for (const auto& p : problems) n += p.severity == CardProblem::Severity::Error;
  return n;
}

}  // namespace

TEST(ModelCard, FrontMatterDelimitersAsHuggingfaceHub) {
  auto card = parse_model_card("\n  \n---\r\nlicense: mit\r\n---  \r\n# Title\r\n");
  EXPECT_EQ(card.metadata, OrderedJson({{"license", "mit"}}));
  EXPECT_EQ(card.body, "# Title\r\n");
  EXPECT_EQ(card.yaml_first_line, 4);
  // No closing line, or "---" with trailing text on the opening line: no metadata at all.
  EXPECT_TRUE(parse_model_card("---\nlicense: mit\n").metadata.is_null());
  EXPECT_TRUE(parse_model_card("--- x\nlicense: mit\n---\n").metadata.is_null());
  EXPECT_EQ(parse_model_card("---\n\n---\nbody").metadata, OrderedJson::object());
  EXPECT_EQ(card_body("no front matter"), "no front matter");
}

TEST(ModelCard, ScalarsTypedLikePyYaml) {
  auto meta = parse_model_card(
                  "---\na: no\nb: 'no'\nc: 1.0\nd: 1e5\ne: 1.0e+5\nf: 010\ng: 0x1F\nh: 1:30\ni: 1_000\nj: ~\n"
                  "k: 2023-01-02\nl: On\nm: -.inf\nn: \"12\"\no: !!str 12\n---\n")
                  .metadata;
  EXPECT_EQ(meta["a"], false);
  EXPECT_EQ(meta["b"], "no");
  EXPECT_TRUE(meta["c"].is_number_float());
  EXPECT_EQ(meta["d"], "1e5");  // PyYAML's float needs a dot
  EXPECT_DOUBLE_EQ(meta["e"].get<double>(), 1e5);
  EXPECT_EQ(meta["f"], 8);
  EXPECT_EQ(meta["g"], 31);
  EXPECT_EQ(meta["h"], 90);
  EXPECT_EQ(meta["i"], 1000);
  EXPECT_TRUE(meta["j"].is_null());
  EXPECT_EQ(meta["k"], "2023-01-02");
  EXPECT_EQ(meta["l"], true);
  EXPECT_TRUE(std::isinf(meta["m"].get<double>()));
  EXPECT_EQ(meta["n"], "12");
  EXPECT_EQ(meta["o"], "12");
}

TEST(ModelCard, MalformedYamlNamesLineAndColumn) {
  try {
    parse_model_card("intro\n---\nlicense: mit\ntags: [a, b\nx: 1\n---\n", "card.md");
    // "intro" before the block: huggingface_hub sees no metadata, neither do we.
  } catch (const Error& e) {
    FAIL() << e.what();
  }
  try {
    parse_model_card("---\nlicense: mit\ntags: [a, b\nx: 1\n---\n", "card.md");  // reported at "x: 1", line 4
    FAIL() << "expected a YAML error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Format);
    EXPECT_NE(std::string(e.what()).find("card.md:4:"), std::string::npos) << e.what();
  }
  try {
    parse_model_card("---\n- a\n---\n");
    FAIL() << "expected a mapping error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("must be a YAML mapping"), std::string::npos) << e.what();
  }
}

TEST(ModelCard, ToDictRegroupsModelIndex) {
  auto meta = parse_model_card(R"(---
tags: [a, b, a]
model_name: ignored
extra: 1
model-index:
- name: first
  results:
  - task: {type: tc}
    dataset: {type: d, name: D, split: test, args: {x: null}}
    metrics: [{type: acc, value: 0.5}]
- name: last
  results:
  - task: {type: tc, name: ignored-after-first}
    dataset: {type: d, name: D2, split: test}
    metrics: [{type: f1, value: 0.25, verified: false}]
  - task: {type: tc}
    dataset: {type: e, name: E}
    metrics: [{type: acc, value: 1}]
    source: {url: "https://x"}
---
)")
                  .metadata;
  OrderedJson d = model_card_data_to_dict(meta);
  EXPECT_EQ(d["tags"], OrderedJson({"a", "b"}));
  EXPECT_FALSE(d.contains("model_name"));
  EXPECT_EQ(d["extra"], 1);
  const auto& mi = d["model-index"];
  ASSERT_EQ(mi.size(), 1u);
  EXPECT_EQ(mi[0]["name"], "last");
  ASSERT_EQ(mi[0]["results"].size(), 2u);
  EXPECT_EQ(mi[0]["results"][0]["dataset"], OrderedJson({{"name", "D"}, {"type", "d"}, {"split", "test"}, {"args", OrderedJson::object()}}));
  EXPECT_EQ(mi[0]["results"][0]["metrics"].size(), 2u);
  EXPECT_EQ(mi[0]["results"][0]["metrics"][1], OrderedJson({{"type", "f1"}, {"value", 0.25}, {"verified", false}}));
  EXPECT_EQ(mi[0]["results"][1]["source"], OrderedJson({{"url", "https://x"}}));
  // The key order of ModelCardData: named fields first, then the rest, model-index last.
  std::vector<std::string> keys;
  for (const auto& [k, v] : d.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"tags", "extra", "model-index"}));
}

TEST(ModelCard, ToDictRefusesWhatHuggingfaceHubRefuses) {
  auto bad = parse_model_card("---\nmodel-index:\n- name: m\n  results:\n  - task: {type: t}\n    metrics: []\n---\n");
  EXPECT_THROW(model_card_data_to_dict(bad.metadata), Error);
  auto empty = parse_model_card("---\nmodel-index: []\nlicense: mit\n---\n");
  EXPECT_EQ(model_card_data_to_dict(empty.metadata), OrderedJson({{"license", "mit"}}));
  EXPECT_EQ(model_card_data_to_dict(nullptr), OrderedJson::object());
}

TEST(ModelCard, ValidCardHasNoProblems) {
  auto problems = check(
      "license: apache-2.0\nlanguage: [en, fr, zh-Hans]\nlibrary_name: transformers\npipeline_tag: fill-mask\n"
      "tags: [x]\ndatasets: squad\nbase_model: org/base\nmetrics: [accuracy]\n"
      "model-index:\n- name: m\n  results:\n  - task: {type: fill-mask}\n    dataset: {type: d, name: D}\n"
      "    metrics: [{type: acc, value: 0.5}]\n");
  EXPECT_TRUE(problems.empty()) << messages(problems);
  EXPECT_TRUE(is_known_license("llama3.1"));
  EXPECT_FALSE(is_known_license("Apache-2.0"));
}

TEST(ModelCard, LicenseRules) {
  std::string m = messages(check("license: Apache 2.0\n"));
  EXPECT_NE(m.find("E license: unknown license id 'Apache 2.0' (did you mean 'apache-2.0'?)"), std::string::npos) << m;
  m = messages(check("license: other\n"));
  EXPECT_NE(m.find("E license_name: license 'other' needs license_name"), std::string::npos) << m;
  EXPECT_NE(m.find("W license_link"), std::string::npos) << m;
  EXPECT_EQ(error_count(check("license: other\nlicense_name: mine\nlicense_link: LICENSE\n")), 0u);
  m = messages(check("license: mit\nlicense_name: mine\n"));
  EXPECT_NE(m.find("W license_name: only used with license: other"), std::string::npos) << m;
  m = messages(check("license: [mit]\n"));
  EXPECT_NE(m.find("E license: expected a string, got a list"), std::string::npos) << m;
}

TEST(ModelCard, TypesNameTheField) {
  std::string m = messages(check("language: [en, no]\ntags: one\nlibrary_name: 3\nbase_model: [../x]\n"));
  EXPECT_NE(m.find("E language[1]: expected a string, got a boolean (YAML reads unquoted"), std::string::npos) << m;
  EXPECT_NE(m.find("E tags: expected a list of strings, got a string"), std::string::npos) << m;
  EXPECT_NE(m.find("E library_name: expected a string, got a number"), std::string::npos) << m;
  EXPECT_NE(m.find("E base_model: '../x' is not a repository id"), std::string::npos) << m;
  m = messages(check("language: english\npipeline_tag: magic\n"));
  EXPECT_NE(m.find("E language: 'english' is not an ISO 639"), std::string::npos) << m;
  EXPECT_NE(m.find("W pipeline_tag: 'magic'"), std::string::npos) << m;
}

TEST(ModelCard, ModelIndexRules) {
  std::string m = messages(check("model-index:\n- results:\n  - task: t\n    dataset: {type: d}\n"
                                 "    metrics: [{type: acc, value: [1]}, 3]\n    source: {name: lb}\n"));
  EXPECT_NE(m.find("E model-index[0]: missing 'name'"), std::string::npos) << m;
  EXPECT_NE(m.find("E model-index[0].results[0].task: expected a mapping, got a string"), std::string::npos) << m;
  EXPECT_NE(m.find("E model-index[0].results[0].dataset: missing 'name'"), std::string::npos) << m;
  EXPECT_NE(m.find("E model-index[0].results[0].metrics[0].value: expected a number"), std::string::npos) << m;
  EXPECT_NE(m.find("E model-index[0].results[0].metrics[1]: expected a mapping"), std::string::npos) << m;
  EXPECT_NE(m.find("E model-index[0].results[0].source: has a name but no url"), std::string::npos) << m;
  m = messages(check("model-index: {name: m}\n"));
  EXPECT_NE(m.find("E model-index: expected a list"), std::string::npos) << m;
  m = messages(validate_model_card(nullptr));
  EXPECT_NE(m.find("W : no YAML metadata block"), std::string::npos) << m;
}

TEST(ModelCard, HubTagsFromCard) {
  core::Json card = parse_card_front_matter(
      "---\nlicense: mit\nlibrary_name: transformers\ndatasets: [a/b]\ntags: [x, transformers]\nlanguage: en\n---\n");
  EXPECT_EQ(card_tags(card), (std::vector<std::string>{"transformers", "x", "en", "dataset:a/b", "license:mit"}));
  EXPECT_EQ(card_field(card, "datasets"), "a/b");
  EXPECT_TRUE(parse_card_front_matter("# none").is_null());
}
