#include "hfcpp/pipelines/fill_mask.h"

#include <algorithm>
#include <numeric>
#include <set>

#include "hfcpp/core/error.h"
#include "pipeline_model.h"

namespace hfcpp::pipelines {

FillMaskPipeline FillMaskPipeline::load(const std::string& path, const models::LoadOptions& options) {
  FillMaskPipeline p;
  p.impl_ = std::make_shared<detail::PipelineModel>(
      detail::PipelineModel::load(path, options, models::EncoderTask::MaskedLM, "fill-mask"));
  HFCPP_CHECK(p.impl_->special_id("mask_token").has_value(), ErrorCode::Format,
              "[fill-mask] {}: the tokenizer defines no mask_token (tokenizer_config.json)", p.impl_->folder());
  return p;
}

std::string FillMaskPipeline::mask_token() const { return impl_->special_token("mask_token"); }

std::vector<std::vector<MaskPrediction>> FillMaskPipeline::operator()(const std::string& text,
                                                                      const FillMaskOptions& o) const {
  const auto& pm = *impl_;
  const uint32_t mask_id = *pm.special_id("mask_token");
  const auto pad_id = pm.special_id("pad_token");
  HFCPP_CHECK(o.top_k >= 1, ErrorCode::InvalidArgument, "[fill-mask] top_k is {}, expected >= 1", o.top_k);

  // Target ids: vocabulary entries, else the first token of the target's tokenization; deduplicated.
  std::vector<uint32_t> target_ids;
  if (!o.targets.empty()) {
    std::set<uint32_t> unique;
    for (const auto& t : o.targets) {
      if (auto id = pm.tokenizer().token_to_id(t)) {
        unique.insert(*id);
        continue;
      }
      auto enc = pm.tokenizer().encode(t, false);
      if (!enc.ids.empty()) unique.insert(enc.ids[0]);
    }
    HFCPP_CHECK(!unique.empty(), ErrorCode::InvalidArgument, "[fill-mask] none of the {} targets maps to a token",
                o.targets.size());
    target_ids.assign(unique.begin(), unique.end());
  }

  // The reference does not truncate fill-mask inputs; the model's limit still applies here.
  auto enc = pm.encode(text, static_cast<size_t>(pm.model_max_length()));
  std::vector<size_t> masks;
  for (size_t t = 0; t < enc.ids.size(); ++t)
    if (enc.ids[t] == mask_id) masks.push_back(t);
  HFCPP_CHECK(!masks.empty(), ErrorCode::InvalidArgument, "[fill-mask] no mask_token ({}) found in the input",
              pm.special_token("mask_token"));
  tensor::Tensor logits_t = pm.forward(enc).logits.contiguous();
  const int64_t vocab = logits_t.size(-1);
  std::vector<float> logits = logits_t.to_float_vector();
  const bool single_mask = masks.size() == 1;

  std::vector<std::vector<MaskPrediction>> result;
  for (size_t m : masks) {
    std::vector<double> probs = detail::softmax(logits.data() + m * vocab, static_cast<size_t>(vocab));
    std::vector<uint32_t> candidates = target_ids;
    if (candidates.empty()) {
      candidates.resize(static_cast<size_t>(vocab));
      std::iota(candidates.begin(), candidates.end(), 0u);
    }
    const size_t k = std::min(candidates.size(), static_cast<size_t>(o.top_k));
    std::partial_sort(candidates.begin(), candidates.begin() + k, candidates.end(), [&](uint32_t a, uint32_t b) {
      return probs[a] > probs[b] || (probs[a] == probs[b] && a < b);
    });
    std::vector<MaskPrediction> row;
    for (size_t i = 0; i < k; ++i) {
      const uint32_t p = candidates[i];
      std::vector<uint32_t> tokens;
      for (size_t t = 0; t < enc.ids.size(); ++t) {
        uint32_t id = t == m ? p : enc.ids[t];
        if (!pad_id || id != *pad_id) tokens.push_back(id);
      }
      MaskPrediction pred;
      pred.score = probs[p];
      pred.token = p;
      pred.token_str = pm.decode(std::span<const uint32_t>(&p, 1), false);
      pred.sequence = pm.decode(tokens, single_mask);
      row.push_back(std::move(pred));
    }
    result.push_back(std::move(row));
  }
  return result;
}

core::Json to_json(const std::vector<std::vector<MaskPrediction>>& predictions) {
  core::Json all = core::Json::array();
  for (const auto& row : predictions) {
    core::Json r = core::Json::array();
    for (const auto& p : row)
      r.push_back({{"score", p.score}, {"token", p.token}, {"token_str", p.token_str}, {"sequence", p.sequence}});
    all.push_back(std::move(r));
  }
  if (all.size() == 1) return all[0];
  return all;
}

}  // namespace hfcpp::pipelines
