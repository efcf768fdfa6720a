// Model card metadata: the YAML front matter of README.md as JSON (the Hub's "cardData"), and
// the tags the Hub derives from it for listing filters.
#pragma once

#include <string>
#include <vector>

#include "hfcpp/core/json.h"

namespace hfcpp::hubserver {

// The front matter between the leading "---" lines as a JSON object; null when there is none.
// Throws Format for YAML that does not parse or is not a mapping.
core::Json parse_card_front_matter(const std::string& readme);
// The Markdown after the front matter.
std::string card_body(const std::string& readme);

// Tags as the Hub lists them: the card's tags, library_name, pipeline_tag, "license:<id>",
// "dataset:<id>" for each dataset, the languages and "base_model:<id>"; no duplicates, in order.
std::vector<std::string> card_tags(const core::Json& card);
// A string field of the card, or "" (lists give their first element).
std::string card_field(const core::Json& card, const char* key);

}  // namespace hfcpp::hubserver
