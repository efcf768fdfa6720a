#include "models/layers/rotary.h"

#include <algorithm>
#include <cmath>

#include "hfcpp/core/error.h"

namespace hfcpp::models::layers {

namespace {

// transformers: 1 / (base ** (arange(0, dim, 2).float() / dim)), in f32.
std::vector<float> default_inv_freq(float base, int64_t dim) {
  std::vector<float> inv(dim / 2);
  for (int64_t i = 0; i < dim / 2; ++i) {
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(dim);
    inv[i] = 1.0f / std::pow(base, exponent);
  }
  return inv;
}

double get_mscale(double scale, double mscale = 1.0) {
  return scale <= 1.0 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0;
}

std::vector<float> yarn_inv_freq(const RopeSpec& s, float* attention_factor) {
  const int64_t dim = s.rotary_dim;
  const double base = s.theta, factor = s.factor;
  if (s.attention_factor) {
    *attention_factor = static_cast<float>(*s.attention_factor);
  } else if (s.mscale && s.mscale_all_dim && *s.mscale != 0 && *s.mscale_all_dim != 0) {
    *attention_factor = static_cast<float>(get_mscale(factor, *s.mscale) / get_mscale(factor, *s.mscale_all_dim));
  } else {
    *attention_factor = static_cast<float>(get_mscale(factor));
  }
  const double orig = static_cast<double>(s.original_max_positions);
  auto correction_dim = [&](double rotations) {
    return (static_cast<double>(dim) * std::log(orig / (rotations * 2 * M_PI))) / (2 * std::log(base));
  };
  double low = correction_dim(s.beta_fast), high = correction_dim(s.beta_slow);
  if (s.truncate) {
    low = std::floor(low);
    high = std::ceil(high);
  }
  low = std::max(low, 0.0);
  high = std::min(high, static_cast<double>(dim - 1));
  if (low == high) high += 0.001;
  std::vector<float> inv(dim / 2);
  for (int64_t i = 0; i < dim / 2; ++i) {
    const float pos_freq = std::pow(static_cast<float>(base), static_cast<float>(2 * i) / static_cast<float>(dim));
    const float extrapolation = 1.0f / pos_freq;
    const float interpolation = 1.0f / (static_cast<float>(factor) * pos_freq);
    float ramp = (static_cast<float>(i) - static_cast<float>(low)) / static_cast<float>(high - low);
    ramp = std::clamp(ramp, 0.0f, 1.0f);
    const float extrapolation_factor = 1.0f - ramp;
    inv[i] = interpolation * (1.0f - extrapolation_factor) + extrapolation * extrapolation_factor;
  }
  return inv;
}

// 1 / (ext_factors * base ** (arange(0, dim, 2) / dim)), in f32.
std::vector<float> longrope_inv_freq(const RopeSpec& s, const std::vector<float>& factors) {
  std::vector<float> inv(s.rotary_dim / 2);
  for (size_t i = 0; i < inv.size(); ++i) {
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(s.rotary_dim);
    inv[i] = 1.0f / (factors[i] * std::pow(static_cast<float>(s.theta), exponent));
  }
  return inv;
}

std::vector<float> llama3_inv_freq(const RopeSpec& s) {
  std::vector<float> inv = default_inv_freq(static_cast<float>(s.theta), s.rotary_dim);
  const float factor = static_cast<float>(s.factor), low = static_cast<float>(s.low_freq_factor);
  const float high = static_cast<float>(s.high_freq_factor);
  const double old_context = static_cast<double>(s.original_max_positions);
  const float low_freq_wavelen = static_cast<float>(old_context / s.low_freq_factor);
  const float high_freq_wavelen = static_cast<float>(old_context / s.high_freq_factor);
  for (float& f : inv) {
    const float wavelen = static_cast<float>(2 * M_PI) / f;
    float scaled = wavelen > low_freq_wavelen ? f / factor : f;
    if (!(wavelen < high_freq_wavelen) && !(wavelen > low_freq_wavelen)) {
      const float smooth = (static_cast<float>(old_context) / wavelen - low) / (high - low);
      scaled = (1.0f - smooth) * scaled / factor + smooth * scaled;
    }
    f = scaled;
  }
  return inv;
}

}  // namespace

RopeSpec RopeSpec::from_config(const ModelConfig& c, int64_t head_dim, double theta, bool with_scaling) {
  RopeSpec s;
  s.theta = theta;
  const double partial = c.get_float("partial_rotary_factor", 1.0);
  s.rotary_dim = static_cast<int64_t>(static_cast<double>(head_dim) * partial);
  HFCPP_CHECK(s.rotary_dim >= 2 && s.rotary_dim % 2 == 0 && s.rotary_dim <= head_dim, ErrorCode::Format,
              "[config] {}: rotary dimension {} (head_dim {} * partial_rotary_factor {}) must be even and in 2..{}",
              c.source(), s.rotary_dim, head_dim, partial, head_dim);
  s.max_positions = c.get_dim("max_position_embeddings", 2048, int64_t{1} << 26);
  if (!with_scaling || !c.has("rope_scaling")) return s;
  const core::Json& r = c.json().at("rope_scaling");
  HFCPP_CHECK(r.is_object(), ErrorCode::Format, "[config] {}: 'rope_scaling' is {}, expected an object", c.source(),
              core::json_type_name(r));
  const std::string path = "rope_scaling";
  std::string type = core::json_string_or(r, "rope_type", core::json_string_or(r, "type", "default", path), path);
  auto number = [&](const char* key) { return core::json_number(r, key, path); };
  auto optional_number = [&](const char* key) -> std::optional<double> {
    auto it = r.find(key);
    if (it == r.end() || it->is_null()) return std::nullopt;
    return core::json_number(r, key, path);
  };
  try {
    if (type == "default") return s;
    if (type == "linear") {
      s.type = Type::Linear;
      s.factor = number("factor");
    } else if (type == "dynamic") {
      s.type = Type::Dynamic;
      s.factor = number("factor");
    } else if (type == "yarn") {
      s.type = Type::Yarn;
      s.factor = number("factor");
      s.attention_factor = optional_number("attention_factor");
      s.mscale = optional_number("mscale");
      s.mscale_all_dim = optional_number("mscale_all_dim");
      if (auto v = optional_number("beta_fast"); v && *v != 0) s.beta_fast = *v;
      if (auto v = optional_number("beta_slow"); v && *v != 0) s.beta_slow = *v;
      s.truncate = core::json_bool_or(r, "truncate", true, path);
      auto orig = optional_number("original_max_position_embeddings");
      s.original_max_positions = orig && *orig != 0 ? static_cast<int64_t>(*orig) : s.max_positions;
    } else if (type == "llama3") {
      s.type = Type::Llama3;
      s.factor = number("factor");
      s.low_freq_factor = number("low_freq_factor");
      s.high_freq_factor = number("high_freq_factor");
      s.original_max_positions = static_cast<int64_t>(number("original_max_position_embeddings"));
      HFCPP_CHECK(s.high_freq_factor != s.low_freq_factor, ErrorCode::Format,
                  "[config] rope_scaling: high_freq_factor equals low_freq_factor ({})", s.low_freq_factor);
    } else if (type == "longrope") {
      s.type = Type::LongRope;
      auto factors = [&](const char* key) {
        const core::Json& list = core::json_at(r, key, path);
        HFCPP_CHECK(list.is_array() && static_cast<int64_t>(list.size()) == s.rotary_dim / 2, ErrorCode::Format,
                    "[config] rope_scaling.{} must list {} numbers (rotary dimension / 2)", key, s.rotary_dim / 2);
        std::vector<float> out;
        for (const auto& v : list) {
          HFCPP_CHECK(v.is_number() && v.get<double>() > 0, ErrorCode::Format,
                      "[config] rope_scaling.{} holds {}, expected positive numbers", key, v.dump());
          out.push_back(static_cast<float>(v.get<double>()));
        }
        return out;
      };
      s.short_factor = factors("short_factor");
      s.long_factor = factors("long_factor");
      // Phi-3 keeps original_max_position_embeddings at the top level; factor follows from it.
      s.original_max_positions = c.get_int("original_max_position_embeddings", 0);
      if (s.original_max_positions > 0) {
        s.factor = static_cast<double>(s.max_positions) / static_cast<double>(s.original_max_positions);
      } else {
        s.original_max_positions = s.max_positions;
        s.factor = optional_number("factor").value_or(1.0);
      }
      s.attention_factor = optional_number("attention_factor");
      if (!s.attention_factor) {
        const double log_original = std::log(static_cast<double>(s.original_max_positions));
        s.attention_factor = s.factor <= 1.0 ? 1.0 : std::sqrt(1.0 + std::log(s.factor) / log_original);
      }
    } else if (type == "freq_factors") {
      // Not a transformers type: what the GGUF loader writes for a rope_freqs tensor.
      s.type = Type::FreqFactors;
      const core::Json& list = core::json_at(r, "freq_factors", path);
      HFCPP_CHECK(list.is_array() && static_cast<int64_t>(list.size()) == s.rotary_dim / 2, ErrorCode::Format,
                  "[config] rope_scaling.freq_factors must list {} numbers (rotary dimension / 2)", s.rotary_dim / 2);
      for (const auto& v : list) {
        HFCPP_CHECK(v.is_number() && v.get<double>() > 0, ErrorCode::Format,
                    "[config] rope_scaling.freq_factors holds {}, expected positive numbers", v.dump());
        s.freq_factors.push_back(static_cast<float>(v.get<double>()));
      }
    } else {
      HFCPP_THROW(ErrorCode::Unsupported,
                  "[config] rope_scaling type '{}' is not supported: expected one of default, linear, dynamic, "
                  "yarn, llama3, longrope",
                  type);
    }
  } catch (Error& e) {
    throw std::move(e).with_context(c.source());
  }
  HFCPP_CHECK(s.factor > 0, ErrorCode::Format, "[config] {}: rope_scaling factor {} must be > 0", c.source(), s.factor);
  return s;
}

RotaryEmbedding::RotaryEmbedding(RopeSpec spec) : spec_(std::move(spec)) {
  const float base = static_cast<float>(spec_.theta);
  switch (spec_.type) {
    case RopeSpec::Type::Default:
    case RopeSpec::Type::Dynamic:  // at lengths within max_position_embeddings, dynamic is the default rope
      inv_freq_ = default_inv_freq(base, spec_.rotary_dim);
      break;
    case RopeSpec::Type::Linear:
      inv_freq_ = default_inv_freq(base, spec_.rotary_dim);
      for (float& f : inv_freq_) f /= static_cast<float>(spec_.factor);
      break;
    case RopeSpec::Type::Yarn:
      inv_freq_ = yarn_inv_freq(spec_, &attention_scaling_);
      break;
    case RopeSpec::Type::Llama3:
      inv_freq_ = llama3_inv_freq(spec_);
      break;
    case RopeSpec::Type::FreqFactors:  // llama.cpp: theta = pos * base^(-2i/d) / factor[i]
      inv_freq_ = default_inv_freq(base, spec_.rotary_dim);
      for (size_t i = 0; i < inv_freq_.size(); ++i) inv_freq_[i] /= spec_.freq_factors[i];
      break;
    case RopeSpec::Type::LongRope:
      inv_freq_ = longrope_inv_freq(spec_, spec_.short_factor);
      long_inv_freq_ = longrope_inv_freq(spec_, spec_.long_factor);
      attention_scaling_ = static_cast<float>(*spec_.attention_factor);
      break;
  }
}

std::pair<Tensor, Tensor> RotaryEmbedding::tables(const Tensor& positions) const {
  const Tensor pos = positions.to(tensor::DType::I64).contiguous();
  const int64_t* p = pos.data<int64_t>();
  const int64_t n = pos.numel(), half = spec_.rotary_dim / 2;
  const std::vector<float>* inv = &inv_freq_;
  std::vector<float> dynamic;
  if (spec_.type == RopeSpec::Type::Dynamic && n > 0) {
    // transformers recomputes the base for seq_len = max(position_ids) + 1 beyond
    // max_position_embeddings (dynamic NTK), with the seq_len arithmetic in f32 tensors.
    const int64_t seq_len = *std::max_element(p, p + n) + 1;
    if (seq_len > spec_.max_positions) {
      const float factor = static_cast<float>(spec_.factor), dim = static_cast<float>(spec_.rotary_dim);
      const float ratio =
          factor * static_cast<float>(seq_len) / static_cast<float>(spec_.max_positions) - (factor - 1.0f);
      const float base = static_cast<float>(spec_.theta) * std::pow(ratio, dim / (dim - 2.0f));
      dynamic = default_inv_freq(base, spec_.rotary_dim);
      inv = &dynamic;
    }
  }
  if (spec_.type == RopeSpec::Type::LongRope && n > 0 &&
      *std::max_element(p, p + n) + 1 > spec_.original_max_positions)
    inv = &long_inv_freq_;  // transformers switches per forward on max(position_ids) + 1
  tensor::Shape shape = pos.shape();
  shape.push_back(half);
  Tensor c = Tensor::empty(shape, tensor::DType::F32), s = Tensor::empty(shape, tensor::DType::F32);
  float* pc = c.mutable_data<float>();
  float* ps = s.mutable_data<float>();
  for (int64_t t = 0; t < n; ++t)
    for (int64_t i = 0; i < half; ++i) {
      const float angle = static_cast<float>(p[t]) * (*inv)[i];
      pc[t * half + i] = std::cos(angle) * attention_scaling_;
      ps[t * half + i] = std::sin(angle) * attention_scaling_;
    }
  return {c, s};
}

}  // namespace hfcpp::models::layers
