#include "hfcpp/pipelines/token_classification.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "hfcpp/core/error.h"
#include "pipeline_model.h"

namespace hfcpp::pipelines {

namespace {

struct PreEntity {
  std::string word;
  std::vector<double> scores;
  int64_t start = 0, end = 0, index = 0;
  bool is_subword = false;
};

// A scored token or word, before grouping ("entity" label + its raw token/word text).
struct Scored {
  std::string label;
  double score = 0;
  int64_t index = 0;
  std::vector<std::string> tokens;  // for grouping: tokens whose text is decoded together
  int64_t start = 0, end = 0;
};

size_t argmax(const std::vector<double>& v) { return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin()); }

// get_tag: "B-X" -> (B, X), "I-X" -> (I, X), anything else -> (I, label).
std::pair<char, std::string> get_tag(const std::string& label) {
  if (label.rfind("B-", 0) == 0) return {'B', label.substr(2)};
  if (label.rfind("I-", 0) == 0) return {'I', label.substr(2)};
  return {'I', label};
}

}  // namespace

AggregationStrategy parse_aggregation_strategy(const std::string& name) {
  std::string n = name;
  for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (n == "none") return AggregationStrategy::None;
  if (n == "simple") return AggregationStrategy::Simple;
  if (n == "first") return AggregationStrategy::First;
  if (n == "average") return AggregationStrategy::Average;
  if (n == "max") return AggregationStrategy::Max;
  HFCPP_THROW(ErrorCode::InvalidArgument,
              "[token-classification] aggregation_strategy '{}': expected none, simple, first, average or max", name);
}

TokenClassificationPipeline TokenClassificationPipeline::load(const std::string& path, const models::LoadOptions& options) {
  TokenClassificationPipeline p;
  p.impl_ = std::make_shared<detail::PipelineModel>(
      detail::PipelineModel::load(path, options, models::EncoderTask::TokenClassification, "token-classification"));
  return p;
}

std::vector<TokenEntity> TokenClassificationPipeline::operator()(const std::string& text,
                                                                 const TokenClassificationOptions& options) const {
  const auto& pm = *impl_;
  const auto& labels = pm.model().labels();
  auto enc = pm.encode(text, static_cast<size_t>(pm.model_max_length()));
  tensor::Tensor logits_t = pm.forward(enc).logits.contiguous();
  std::vector<float> logits = logits_t.to_float_vector();
  const size_t n_tokens = enc.ids.size(), n_labels = labels.size();
  HFCPP_CHECK(logits.size() == n_tokens * n_labels, ErrorCode::Internal,
              "[token-classification] logits have {} values, expected {} tokens x {} labels", logits.size(), n_tokens,
              n_labels);
  const auto cp = detail::code_point_starts(text);
  const auto unk = pm.special_id("unk_token");
  const AggregationStrategy strategy = options.aggregation_strategy;

  // gather_pre_entities
  std::vector<PreEntity> pre;
  for (size_t t = 0; t < n_tokens; ++t) {
    if (!enc.special_tokens_mask.empty() && enc.special_tokens_mask[t]) continue;
    PreEntity e;
    e.word = pm.tokenizer().id_to_token(enc.ids[t]).value_or("");
    e.scores = detail::softmax(logits.data() + t * n_labels, n_labels);
    e.start = static_cast<int64_t>(enc.offsets[t].start);
    e.end = static_cast<int64_t>(enc.offsets[t].end);
    e.index = static_cast<int64_t>(t);
    const std::string word_ref = detail::substr_code_points(text, cp, enc.offsets[t].start, enc.offsets[t].end);
    if (!pm.subword_prefix().empty()) {
      // len() in code points, as Python compares them.
      e.is_subword = detail::code_point_starts(e.word).size() != detail::code_point_starts(word_ref).size();
    } else {
      // Fallback heuristic: no space just before or at the token start.
      e.is_subword = false;
      if (e.start > 0) {
        std::string around = detail::substr_code_points(text, cp, static_cast<size_t>(e.start - 1), static_cast<size_t>(e.start + 1));
        e.is_subword = around.find(' ') == std::string::npos;
      }
    }
    if (unk && enc.ids[t] == *unk) {
      e.word = word_ref;
      e.is_subword = false;
    }
    pre.push_back(std::move(e));
  }

  // aggregate: per token (none, simple) or per word (first, average, max)
  std::vector<Scored> scored;
  if (strategy == AggregationStrategy::None || strategy == AggregationStrategy::Simple) {
    for (const auto& e : pre) {
      size_t k = argmax(e.scores);
      scored.push_back({labels[k], e.scores[k], e.index, {e.word}, e.start, e.end});
    }
  } else {
    auto aggregate_word = [&](const std::vector<const PreEntity*>& group) {
      Scored s;
      for (const auto* e : group) s.tokens.push_back(e->word);
      if (strategy == AggregationStrategy::First) {
        size_t k = argmax(group[0]->scores);
        s.label = labels[k];
        s.score = group[0]->scores[k];
      } else if (strategy == AggregationStrategy::Max) {
        const PreEntity* best = group[0];
        double best_max = *std::max_element(best->scores.begin(), best->scores.end());
        for (const auto* e : group) {
          double m = *std::max_element(e->scores.begin(), e->scores.end());
          if (m > best_max) best = e, best_max = m;  // Python max() keeps the first of equals
        }
        size_t k = argmax(best->scores);
        s.label = labels[k];
        s.score = best->scores[k];
      } else {
        std::vector<double> avg(n_labels, 0.0);
        for (const auto* e : group)
          for (size_t k = 0; k < n_labels; ++k) avg[k] += e->scores[k];
        for (auto& v : avg) v /= static_cast<double>(group.size());
        size_t k = argmax(avg);
        s.label = labels[k];
        s.score = avg[k];
      }
      // The word's text is decoded from its tokens (convert_tokens_to_string).
      s.tokens = {pm.tokens_to_string(s.tokens)};
      s.start = group.front()->start;
      s.end = group.back()->end;
      scored.push_back(std::move(s));
    };
    std::vector<const PreEntity*> group;
    for (const auto& e : pre) {
      if (!group.empty() && !e.is_subword) {
        aggregate_word(group);
        group.clear();
      }
      group.push_back(&e);
    }
    if (!group.empty()) aggregate_word(group);
  }

  std::vector<TokenEntity> out;
  auto ignored = [&](const std::string& label) {
    return std::find(options.ignore_labels.begin(), options.ignore_labels.end(), label) != options.ignore_labels.end();
  };
  if (strategy == AggregationStrategy::None) {
    for (auto& s : scored)
      if (!ignored(s.label)) out.push_back({s.label, s.score, s.index, s.tokens[0], s.start, s.end});
    return out;
  }
  // group_entities: adjacent entities with the same tag, unless the next one starts with B-.
  auto emit_group = [&](const std::vector<const Scored*>& g) {
    TokenEntity e;
    e.entity = get_tag(g[0]->label).second;
    if (g[0]->label.find('-') != std::string::npos) e.entity = g[0]->label.substr(g[0]->label.find('-') + 1);
    double sum = 0;
    std::vector<std::string> tokens;
    for (const auto* s : g) {
      sum += s->score;
      tokens.insert(tokens.end(), s->tokens.begin(), s->tokens.end());
    }
    e.score = sum / static_cast<double>(g.size());
    e.word = pm.tokens_to_string(tokens);
    e.start = g.front()->start;
    e.end = g.back()->end;
    if (!ignored(e.entity)) out.push_back(std::move(e));
  };
  std::vector<const Scored*> g;
  for (const auto& s : scored) {
    if (!g.empty()) {
      auto [bi, tag] = get_tag(s.label);
      auto [last_bi, last_tag] = get_tag(g.back()->label);
      if (!(tag == last_tag && bi != 'B')) {
        emit_group(g);
        g.clear();
      }
    }
    g.push_back(&s);
  }
  if (!g.empty()) emit_group(g);
  return out;
}

core::Json to_json(const std::vector<TokenEntity>& entities, AggregationStrategy strategy) {
  core::Json out = core::Json::array();
  for (const auto& e : entities) {
    core::Json j;
    if (strategy == AggregationStrategy::None) {
      j["entity"] = e.entity;
      j["score"] = e.score;
      j["index"] = e.index.value_or(0);
    } else {
      j["entity_group"] = e.entity;
      j["score"] = e.score;
    }
    j["word"] = e.word;
    j["start"] = e.start;
    j["end"] = e.end;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace hfcpp::pipelines
