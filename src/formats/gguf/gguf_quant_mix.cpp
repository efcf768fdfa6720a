// Per-tensor type choice for llama.cpp's quantization mixes (what llama_tensor_get_type in
// llama.cpp's src/llama-quant.cpp decides), restricted to the mixes hfcpp can produce. The rules
// are written out in docs/quantize.md; keep the two in step.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "hfcpp/core/error.h"
#include "hfcpp/formats/gguf_quantize.h"

namespace hfcpp::formats {

using quant::GgmlType;
using F = LlamaFtype;

namespace {

struct MixName {
  LlamaFtype ftype;
  const char* name;
};
constexpr MixName kMixes[] = {
    {F::AllF32, "F32"},   {F::MostlyF16, "F16"}, {F::MostlyBF16, "BF16"}, {F::Q4_0, "Q4_0"},
    {F::Q4_1, "Q4_1"},    {F::Q5_0, "Q5_0"},     {F::Q5_1, "Q5_1"},       {F::Q8_0, "Q8_0"},
    {F::Q2_K, "Q2_K"},    {F::Q3_K_S, "Q3_K_S"}, {F::Q3_K_M, "Q3_K_M"},   {F::Q3_K_L, "Q3_K_L"},
    {F::Q4_K_S, "Q4_K_S"}, {F::Q4_K_M, "Q4_K_M"}, {F::Q5_K_S, "Q5_K_S"},  {F::Q5_K_M, "Q5_K_M"},
    {F::Q6_K, "Q6_K"},    {F::IQ4_NL, "IQ4_NL"}, {F::IQ4_XS, "IQ4_XS"},
};

// Broad roles, as llama.cpp categorises tensors by name fragments.
enum class Role { TokenEmbd, Output, AttnQ, AttnK, AttnV, AttnQkv, AttnKvB, AttnOutput, FfnUp, FfnGate, FfnDown, Other };

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

Role role_of(const std::string& name) {
  if (name == "output.weight") return Role::Output;
  if (name == "token_embd.weight" || name == "per_layer_token_embd.weight") return Role::TokenEmbd;
  if (contains(name, "attn_qkv.weight")) return Role::AttnQkv;
  if (contains(name, "attn_kv_b.weight")) return Role::AttnKvB;
  if (contains(name, "attn_v.weight")) return Role::AttnV;
  if (contains(name, "attn_k.weight")) return Role::AttnK;
  if (contains(name, "attn_q.weight")) return Role::AttnQ;
  if (contains(name, "attn_output.weight")) return Role::AttnOutput;
  if (contains(name, "ffn_up")) return Role::FfnUp;
  if (contains(name, "ffn_gate")) return Role::FfnGate;
  if (contains(name, "ffn_down")) return Role::FfnDown;
  return Role::Other;
}

bool is_attn_v_like(Role r) { return r == Role::AttnV || r == Role::AttnQkv || r == Role::AttnKvB; }

int n_dims(const std::vector<uint64_t>& ne) {
  int n = static_cast<int>(ne.size());
  while (n > 1 && ne[n - 1] == 1) --n;  // ggml_n_dims ignores trailing 1s
  return std::max(n, 1);
}

// Which tensors llama.cpp quantizes at all: 2-d/3-d weights, not norms, routers, positional or
// token-type embeddings, convolution kernels and other small special matrices.
bool allows_quantization(const QuantizeTensorDesc& t) {
  if (n_dims(t.ne) < 2) return false;
  const std::string& n = t.name;
  if (n.size() < 6 || n.compare(n.size() - 6, 6, "weight") != 0) return false;
  static const char* const kNever[] = {
      "_norm.weight", "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel", "per_layer_model_proj",
      "ssm_conv1d", "shortconv.conv.weight", "indexer.k_proj.weight", "indexer.q_proj.weight",
      "time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight", "time_mix_w2.weight",
      "time_mix_v0.weight", "time_mix_v1.weight", "time_mix_v2.weight", "time_mix_a0.weight",
      "time_mix_a1.weight", "time_mix_a2.weight", "time_mix_g1.weight", "time_mix_g2.weight",
      "time_mix_decay_w1.weight", "time_mix_decay_w2.weight", "time_mix_lerp_fused.weight", "attn_rel_b.weight",
      ".position_embd", "sam.pos_embd", "sam.neck.", "sam.net_", ".rel_pos", ".patch_embd", ".patch_merger",
      "a.rvq.codebook", "mm.a.code_embd"};
  for (const char* part : kNever)
    if (contains(n, part)) return false;
  return n != "position_embd.weight" && n != "token_types.weight";
}

bool is_block_quantized(GgmlType t) {
  return t != GgmlType::F32 && t != GgmlType::F16 && t != GgmlType::BF16;
}

int64_t block_size(GgmlType t) { return quant::ggml_type_info(t).block_size; }

// A row length that is not a whole number of blocks: the nearest type with 32-element blocks,
// or F16 when even that does not fit.
GgmlType fallback_for_shape(GgmlType type, int64_t ncols, int& n_fallback) {
  if (ncols % block_size(type) == 0) return type;
  ++n_fallback;
  GgmlType out;
  switch (type) {
    case GgmlType::IQ4_XS: out = GgmlType::IQ4_NL; break;
    case GgmlType::Q2_K: case GgmlType::Q3_K: out = GgmlType::Q4_0; break;
    case GgmlType::Q4_K: out = GgmlType::Q5_0; break;
    case GgmlType::Q5_K: out = GgmlType::Q5_1; break;
    case GgmlType::Q6_K: out = GgmlType::Q8_0; break;
    default:
      HFCPP_THROW(ErrorCode::Unsupported, "[quantize] no fallback type for {} with rows of {} elements",
                  quant::ggml_type_info(type).name, ncols);
  }
  return ncols % block_size(out) == 0 ? out : GgmlType::F16;
}

int layer_of(const std::string& name) {
  int layer = -1;
  if (std::sscanf(name.c_str(), "blk.%d.", &layer) != 1) return -1;
  return layer;
}

// The running counters the rules use (llama.cpp counts attn_v and ffn tensors as it goes).
struct MixState {
  const QuantizeModelInfo& model;
  const QuantizePlanOptions& options;
  bool tied_embeddings = true;
  int n_attn_v = 0, i_attn_v = 0, i_ffn_down = 0, i_ffn_gate = 0, i_ffn_up = 0;

  int64_t n_gqa() const { return model.n_head_kv > 0 ? model.n_head / model.n_head_kv : 0; }
  bool is_70b() const {
    return model.architecture == "llama" && model.n_layer == 80 && model.n_head != model.n_head_kv;
  }
  bool falcon() const { return model.architecture == "falcon"; }
  // MoE models: experts are not stored layer by layer in order, so read the layer off the name.
  std::pair<int, int> layer(int counter, const std::string& name) const {
    const int n_layer = static_cast<int>(model.n_layer);
    if (std::max<int64_t>(1, model.n_expert) > 1) {
      const int l = layer_of(name);
      HFCPP_CHECK(l >= 0 && l < n_layer, ErrorCode::Format, "[quantize] tensor '{}': cannot tell its layer (0..{})",
                  name, n_layer - 1);
      return {l, n_layer};
    }
    return {counter, n_layer};
  }
};

// First and last eighth of the layers, and every third one in between, get more bits.
bool use_more_bits(int i, int n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; }

GgmlType mix_rule(MixState& s, GgmlType t, const QuantizeTensorDesc& desc, F ft, Role role) {
  const std::string& name = desc.name;
  const bool moe8 = s.model.n_expert == 8;
  if (role == Role::Output || (s.tied_embeddings && role == Role::TokenEmbd)) {
    if (s.options.output_tensor_type) return *s.options.output_tensor_type;
    if (s.falcon() || static_cast<int64_t>(desc.ne[0]) % block_size(t) != 0) return GgmlType::Q8_0;
    return t == GgmlType::Q8_0 ? t : GgmlType::Q6_K;
  }
  if (role == Role::TokenEmbd) {
    if (s.options.token_embedding_type) return *s.options.token_embedding_type;
    return t;
  }
  if (is_attn_v_like(role)) {
    const int i = s.i_attn_v++;
    if (ft == F::Q2_K) t = s.n_gqa() >= 4 ? GgmlType::Q4_K : GgmlType::Q3_K;
    else if (ft == F::Q3_K_M) t = i < 2 ? GgmlType::Q5_K : GgmlType::Q4_K;
    else if (ft == F::Q3_K_L) t = GgmlType::Q5_K;
    else if ((ft == F::IQ4_NL || ft == F::IQ4_XS) && s.n_gqa() >= 4) t = GgmlType::Q5_K;
    else if ((ft == F::Q4_K_M || ft == F::Q5_K_M) && use_more_bits(i, s.n_attn_v)) t = GgmlType::Q6_K;
    else if (ft == F::Q4_K_S && i < 4) t = GgmlType::Q5_K;
    if (s.is_70b() && (t == GgmlType::Q3_K || t == GgmlType::Q4_K)) t = GgmlType::Q5_K;
    if (moe8) t = GgmlType::Q8_0;
    return t;
  }
  if (role == Role::AttnK) return moe8 ? GgmlType::Q8_0 : t;
  if (role == Role::FfnDown) {
    const auto [i, n] = s.layer(s.i_ffn_down++, name);
    if (ft == F::Q2_K) t = GgmlType::Q3_K;
    else if (ft == F::Q3_K_M)
      t = i < n / 16 ? GgmlType::Q5_K : (!s.falcon() || use_more_bits(i, n)) ? GgmlType::Q4_K : GgmlType::Q3_K;
    else if (ft == F::Q3_K_L) t = s.falcon() ? GgmlType::Q4_K : GgmlType::Q5_K;
    else if (ft == F::Q4_K_M) {
      if (s.falcon()) t = i < n / 16 ? GgmlType::Q6_K : use_more_bits(i, n) ? GgmlType::Q5_K : GgmlType::Q4_K;
      else if (use_more_bits(i, n)) t = GgmlType::Q6_K;
    } else if (i < n / 8 && (ft == F::IQ4_NL || ft == F::IQ4_XS) && !s.options.has_imatrix) t = GgmlType::Q5_K;
    else if (ft == F::Q5_K_M && use_more_bits(i, n)) t = GgmlType::Q6_K;
    else if (ft == F::Q4_K_S && !s.falcon() && i < n / 8) t = GgmlType::Q5_K;
    else if ((ft == F::Q4_0 || ft == F::Q5_0) && s.options.has_imatrix && i < n / 8)
      t = ft == F::Q4_0 ? GgmlType::Q4_1 : GgmlType::Q5_1;  // only with an imatrix, so plain Q4_0 stays reproducible
    return t;
  }
  if (role == Role::AttnOutput) {
    if (s.falcon()) return ft == F::Q3_K_L ? GgmlType::Q4_K : t;
    if (moe8) {
      const bool bump = ft == F::Q2_K || ft == F::Q3_K_S || ft == F::Q3_K_M || ft == F::IQ4_NL ||
                        ft == F::Q4_K_S || ft == F::Q4_K_M || ft == F::IQ4_XS;
      return bump ? GgmlType::Q5_K : t;
    }
    if (ft == F::Q2_K) return GgmlType::Q3_K;
    if (ft == F::Q3_K_M) return GgmlType::Q4_K;
    if (ft == F::Q3_K_L) return GgmlType::Q5_K;
    return t;
  }
  if (role == Role::FfnGate) ++s.i_ffn_gate;
  if (role == Role::FfnUp) ++s.i_ffn_up;
  return t;
}

}  // namespace

std::optional<LlamaFtype> parse_llama_ftype(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const auto& m : kMixes)
    if (upper == m.name) return m.ftype;
  return std::nullopt;
}

const char* llama_ftype_name(LlamaFtype ftype) {
  for (const auto& m : kMixes)
    if (m.ftype == ftype) return m.name;
  return "?";
}

std::vector<std::string> supported_quantize_mixes() {
  std::vector<std::string> out;
  for (const auto& m : kMixes) out.emplace_back(m.name);
  return out;
}

GgmlType llama_ftype_default_type(LlamaFtype ftype) {
  switch (ftype) {
    case F::AllF32: return GgmlType::F32;
    case F::MostlyF16: return GgmlType::F16;
    case F::MostlyBF16: return GgmlType::BF16;
    case F::Q4_0: return GgmlType::Q4_0;
    case F::Q4_1: return GgmlType::Q4_1;
    case F::Q5_0: return GgmlType::Q5_0;
    case F::Q5_1: return GgmlType::Q5_1;
    case F::Q8_0: return GgmlType::Q8_0;
    case F::Q2_K: return GgmlType::Q2_K;
    case F::Q3_K_S: case F::Q3_K_M: case F::Q3_K_L: return GgmlType::Q3_K;
    case F::Q4_K_S: case F::Q4_K_M: return GgmlType::Q4_K;
    case F::Q5_K_S: case F::Q5_K_M: return GgmlType::Q5_K;
    case F::Q6_K: return GgmlType::Q6_K;
    case F::IQ4_NL: return GgmlType::IQ4_NL;
    case F::IQ4_XS: return GgmlType::IQ4_XS;
  }
  HFCPP_THROW(ErrorCode::InvalidArgument, "[quantize] unknown file type {}", static_cast<uint32_t>(ftype));
}

std::vector<size_t> llama_tensor_order(std::span<const QuantizeTensorDesc> tensors) {
  std::vector<size_t> order(tensors.size());
  std::vector<int> layers(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    order[i] = i;
    layers[i] = layer_of(tensors[i].name);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (layers[a] != layers[b]) return layers[a] < layers[b];
    return tensors[a].name < tensors[b].name;
  });
  return order;
}

QuantizePlan choose_tensor_types(const QuantizeModelInfo& model, std::span<const QuantizeTensorDesc> tensors,
                                 LlamaFtype ftype, const QuantizePlanOptions& options) {
  QuantizePlan plan;
  plan.order = llama_tensor_order(tensors);
  plan.types.resize(tensors.size());
  MixState state{model, options};
  for (const auto& t : tensors) {
    const Role r = role_of(t.name);
    if (is_attn_v_like(r)) ++state.n_attn_v;
    if (r == Role::Output) state.tied_embeddings = false;
  }
  const GgmlType default_type = llama_ftype_default_type(ftype);
  for (size_t idx : plan.order) {
    const QuantizeTensorDesc& t = tensors[idx];
    HFCPP_CHECK(!t.ne.empty(), ErrorCode::Format, "[quantize] tensor '{}' has no dimensions", t.name);
    if (!allows_quantization(t)) {
      plan.types[idx] = t.type;
      continue;
    }
    const Role role = role_of(t.name);
    if (options.token_embedding_type && role == Role::TokenEmbd) {
      plan.types[idx] = *options.token_embedding_type;
      continue;
    }
    if (options.output_tensor_type && role == Role::Output) {
      plan.types[idx] = *options.output_tensor_type;
      continue;
    }
    GgmlType type = default_type;
    if (is_block_quantized(default_type)) {
      if (!options.pure) type = mix_rule(state, type, t, ftype, role);
      type = fallback_for_shape(type, static_cast<int64_t>(t.ne[0]), plan.n_fallback);
    }
    plan.types[idx] = type;
  }
  return plan;
}

}  // namespace hfcpp::formats
