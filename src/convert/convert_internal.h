// Pieces of `hfcpp convert` shared by its files: the per-architecture rules and the metadata writers.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hfcpp/convert/hf_to_gguf.h"
#include "hfcpp/core/json.h"
#include "hfcpp/formats/gguf.h"
#include "models/gguf_names.h"

namespace hfcpp::convert {

// Which set_vocab a model class uses when the folder has a SentencePiece tokenizer.model.
enum class VocabRule {
  Llama,    // LlamaModel: tokenizer.model, else tokenizer.json (llama-hf or gpt2 style)
  Gemma,    // GemmaModel: tokenizer.model; then eot = 107 and add_space_prefix false
  Gemma2,   // Gemma2Model: tokenizer.model; then add_space_prefix false
  Gemma3,   // Gemma3Model: tokenizer.model (add_space_prefix false), else tokenizer.json (gpt2)
  Qwen2,    // Qwen2Model (and Qwen3Model): tokenizer.model, else tokenizer.json (gpt2)
  Phi3,     // Phi3MiniModel: its own tokenizer.model reading, or gpt2 for a GPT2Tokenizer
  Default,  // TextModel: tokenizer.json (gpt2 style)
};

// Whose set_gguf_parameters writes the <arch>.* keys.
enum class HparamRule {
  Text,    // TextModel (with LlamaModel's / GPT2Model's additions, see ArchSpec)
  Gemma,   // GemmaModel: its own keys and order, no rope keys
  Gemma2,  // Gemma2Model: GemmaModel's plus soft-capping and the sliding window
  Gemma3,  // Gemma3Model: TextModel's, then its defaults, final soft-capping, sliding window
  Phi3,    // Phi3MiniModel: its own keys (rope dimension count, original context, sliding window)
};

// How convert_hf_to_gguf.py treats one transformers model type (its TextModel subclass).
struct ArchSpec {
  std::string_view model_type;  // config.json model_type
  std::string_view gguf_arch;   // general.architecture
  bool permute_qk = false;      // LlamaModel.permute on q/k rows (llama.cpp's rope layout)
  bool llama_keys = false;      // LlamaModel: <arch>.vocab_size, rope.dimension_count, add_space_prefix
  bool gpt2 = false;            // GPT2Model: its own hyperparameter keys, Conv1D weights transposed
  VocabRule vocab = VocabRule::Default;
  HparamRule hparams = HparamRule::Text;
  const models::GgufNameScheme* names = &models::kLlamaNameScheme;  // HF -> GGUF tensor names
};
const ArchSpec* find_arch(std::string_view model_type);

// general.* (up to size_label) then the <arch>.* hyperparameters and general.file_type, in the
// reference's order (ModelBase.prepare_metadata -> TextModel.set_gguf_parameters).
// general.sampling.* come from the folder's generation_config.json (gguf-py's Metadata.load).
void write_model_metadata(formats::GgufWriter& w, const ArchSpec& arch, const core::Json& config,
                          const std::string& folder, const std::string& name_override, uint64_t n_params,
                          OutType outtype);

// rope_parameters or rope_scaling, with rope_theta and rope_type filled in (TextModel.__init__).
core::Json rope_parameters(const core::Json& config);
// rope_freqs.weight for rope_type llama3 (LlamaModel.generate_extra_tensors): one divisor per
// rotary frequency; nullopt for other rope types.
std::optional<std::vector<float>> llama3_rope_factors(const core::Json& config);

// The transformers config class defaults (AutoConfig.from_pretrained(...).to_dict(), which the
// reference reads) for the keys the Gemma / Gemma 2 / Gemma 3 / Phi-3 rules use, filled in where
// config.json lacks them; Phi3Config's renaming of rope_scaling type su / yarn to longrope.
void apply_config_defaults(core::Json& config, const ArchSpec& arch);

// Phi3MiniModel.generate_extra_tensors: longrope's per-frequency factors and the attention factor
// it writes as rope.scaling.attn_factor; nullopt without rope_scaling.long_factor.
struct Phi3RopeFactors {
  std::vector<float> long_factors, short_factors;
  float attn_factor = 1.0f;
};
std::optional<Phi3RopeFactors> phi3_rope_factors(const core::Json& config);

// The <arch>.* keys and general.file_type of the Gemma, Gemma 2 and Phi-3 rules (their own
// set_gguf_parameters), and what Gemma3Model.set_gguf_parameters adds after TextModel's.
void write_gemma_parameters(formats::GgufWriter& w, const core::Json& config, const std::string& prefix,
                            uint32_t block_count, OutType outtype, bool gemma2);
void write_phi3_parameters(formats::GgufWriter& w, const core::Json& config, const std::string& prefix,
                           uint32_t block_count, OutType outtype);
void write_gemma3_parameters(formats::GgufWriter& w, const core::Json& config, const std::string& prefix);

// TextModel.__init__'s find_hparam: the first key present (JSON null counts as present).
const core::Json* find_hparam(const core::Json& c, std::initializer_list<const char*> keys);
uint32_t hparam_u32(const core::Json& v, std::string_view key);
float hparam_f32(const core::Json& v, std::string_view key);

// general.name through general.languages as gguf-py's Metadata.load and set_gguf_meta_model write
// them: from README.md's front matter, config.json's _name_or_path and the folder name
// (convert_model_card.cpp). A non-empty name_override is --model-name.
void write_authorship_metadata(formats::GgufWriter& w, const std::string& folder, const std::string& name_override,
                               uint64_t n_params);
// gguf.size_label for a dense model ("2.1M").
std::string size_label(uint64_t n_params);

// tokenizer.ggml.* from tokenizer.json / tokenizer_config.json / config.json (TextModel.set_vocab).
void write_vocab_metadata(formats::GgufWriter& w, const ArchSpec& arch, const std::string& folder,
                          const core::Json& config);

// gguf-py's SpecialVocab (no merges) added to w: special token ids below n_vocab, add_*_token
// flags, chat template.
void write_special_vocab(formats::GgufWriter& w, const std::string& folder, std::optional<size_t> n_vocab);

// tokenizer.ggml.* from tokenizer.model (TextModel._set_vocab_sentencepiece, or Phi3MiniModel's
// variant of it when phi3 is set), plus the SpecialVocab.
void write_sentencepiece_vocab(formats::GgufWriter& w, const std::string& folder, const core::Json& config, bool phi3);

// The JSON in path, or nullopt when there is no such file.
std::optional<core::Json> read_optional_json_file(const std::string& path);
// TextModel.does_token_look_special.
bool does_token_look_special(const std::string& token);

}  // namespace hfcpp::convert
