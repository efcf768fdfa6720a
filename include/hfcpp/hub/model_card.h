// Model cards: the YAML front matter of a repository's README.md, read as huggingface_hub's
// RepoCard does (same block delimiters, PyYAML's YAML 1.1 scalar typing: `no` is false, `1.0` a
// float, `1e5` a string), turned into ModelCardData.to_dict()'s shape, and checked with the
// messages a user needs to fix it (unknown license id, "other" without license_name, model-index
// entries without name/results/task/dataset/metrics, wrong types naming the field).
#pragma once

#include <string>
#include <vector>

#include "hfcpp/core/json.h"

namespace hfcpp::hub {

// The card split into its parts. `metadata` is null when the README has no front matter block.
struct ModelCard {
  core::OrderedJson metadata;  // the YAML mapping, keys in file order
  std::string body;            // the Markdown after the block (all of it when there is none)
  int yaml_first_line = 0;     // 1-based line of the first YAML line in the README
};

// Throws Format for YAML that does not parse ("README.md:LINE:COL: ...", lines counted in the
// README) or whose top level is not a mapping. `source` names the file in messages.
ModelCard parse_model_card(const std::string& readme, const std::string& source = "README.md");

// A YAML document typed as PyYAML's safe_load types it (null for an empty one). Throws Format for
// YAML that does not parse ("SOURCE:LINE:COL: ...", LINE counted from first_line).
core::OrderedJson parse_card_yaml(const std::string& yaml, const std::string& source = "README.md",
                                  int first_line = 1);

// The front matter alone as JSON (the Hub's "cardData"); null when there is none.
core::Json parse_card_front_matter(const std::string& readme);
// The Markdown after the front matter.
std::string card_body(const std::string& readme);

// Tags as the Hub lists them: the card's tags, library_name, pipeline_tag, "license:<id>",
// "dataset:<id>" for each dataset, the languages and "base_model:<id>"; no duplicates, in order.
std::vector<std::string> card_tags(const core::Json& card);
// A string field of the card, or "" (lists give their first element).
std::string card_field(const core::Json& card, const char* key);

// huggingface_hub's ModelCardData(**metadata).to_dict(): tags de-duplicated, model-index regrouped
// by (task, dataset) under the last entry's name with nulls removed, top-level nulls dropped.
// Throws Format where ModelCardData raises (a model-index it cannot read).
core::OrderedJson model_card_data_to_dict(const core::OrderedJson& metadata);

struct CardProblem {
  enum class Severity { Error, Warning };
  Severity severity = Severity::Error;
  std::string field;    // "license", "model-index[0].results[1].dataset.name"
  std::string message;  // what is wrong and how to fix it
};
// Checks a model card's metadata; an empty result means it is valid. Null metadata (no front
// matter) gives one warning.
std::vector<CardProblem> validate_model_card(const core::OrderedJson& metadata);

// True for a license id the Hub accepts (https://huggingface.co/docs/hub/repositories-licenses).
bool is_known_license(const std::string& id);

}  // namespace hfcpp::hub
