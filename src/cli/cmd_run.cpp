// `hfcpp run MODEL [PROMPT] [options]`: chat with a causal LM in the terminal, or one answer.
// With PROMPT: one answer, streamed to stdout as tokens arrive (--json: one object at the end).
// Without: an interactive chat reading one user message per stdin line (a terminal or a pipe);
// `/reset` forgets the conversation, `/exit` (or end of input) quits. Each turn reuses the KV
// cache of the previous ones and prefills only the new tokens.
// Defaults come from the model's generation_config.json; flags override them. Invalid values
// (temperature < 0, top_p outside (0, 1], --max-new-tokens 0, ...) exit 1 with the reason.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "cli/commands.h"
#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/generation/chat_session.h"
#include "hfcpp/generation/generate.h"
#include "hfcpp/generation/model_assets.h"
#include "hfcpp/models/auto_model.h"
#include "hfcpp/models/causal_lm.h"
#include "hfcpp/tokenizers/chat_template.h"
#include "hfcpp/tokenizers/tokenizer.h"

namespace hfcpp::cli {

namespace {

struct RunOptions {
  std::string model, prompt, system;
  std::optional<int64_t> max_new_tokens, min_new_tokens, top_k, no_repeat_ngram_size, num_beams;
  std::optional<double> temperature, top_p, min_p, typical_p, repetition_penalty;
  bool do_sample = false, greedy = false;
  std::optional<uint64_t> seed;
  std::string cache = "dynamic", dtype = "auto", cache_dtype = "auto";
  int64_t prefill_chunk = models::kDefaultPrefillChunkTokens;
  std::vector<std::string> stop;
  bool no_chat_template = false, json = false;
};

constexpr int64_t kDefaultMaxNewTokens = 256;

generation::GenerationConfig make_config(const RunOptions& o, generation::GenerationConfig c) {
  if (o.max_new_tokens) c.max_new_tokens = *o.max_new_tokens;
  else if (!c.max_new_tokens) c.max_new_tokens = kDefaultMaxNewTokens;
  if (o.temperature) c.temperature = *o.temperature;
  if (o.top_k) c.top_k = *o.top_k;
  if (o.top_p) c.top_p = *o.top_p;
  if (o.min_p) c.min_p = *o.min_p;
  if (o.typical_p) c.typical_p = *o.typical_p;
  if (o.repetition_penalty) c.repetition_penalty = *o.repetition_penalty;
  if (o.min_new_tokens) c.min_new_tokens = *o.min_new_tokens;
  if (o.no_repeat_ngram_size) c.no_repeat_ngram_size = *o.no_repeat_ngram_size;
  if (o.num_beams) c.num_beams = *o.num_beams;
  HFCPP_CHECK(!(o.do_sample && o.greedy), ErrorCode::Usage, "[run] --do-sample and --greedy exclude each other");
  if (o.do_sample) c.do_sample = true;
  if (o.greedy) c.do_sample = false;
  for (const auto& s : o.stop) c.stop_strings.push_back(s);
  c.validate();
  return c;
}

void write_out(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

core::Json turn_json(const std::string& text, const generation::ChatTurnStats& s, double seconds) {
  return {{"generated_text", text},
          {"prompt_tokens", s.prompt_tokens},
          {"reused_tokens", s.reused_tokens},
          {"new_tokens", s.new_tokens},
          {"seconds", seconds}};
}

void run(const RunOptions& o) {
  models::LoadOptions load;
  load.quantized_matmuls = o.dtype == "quantized";
  load.dtype = load.quantized_matmuls ? std::nullopt : models::parse_dtype_option(o.dtype);
  const models::KvCacheKind cache_kind = models::parse_kv_cache_kind(o.cache);
  generation::ModelAssets assets = generation::load_model_assets(o.model);
  const std::string& folder = assets.model_path;
  generation::ChatOptions chat_options;
  chat_options.generate.config = make_config(o, assets.generation_config);
  chat_options.generate.cache.kind = cache_kind;
  chat_options.generate.cache.dtype = models::parse_kv_cache_dtype(o.cache_dtype);
  HFCPP_CHECK(o.prefill_chunk >= 0, ErrorCode::Usage, "[run] --prefill-chunk {} must be >= 0 (0: no chunking)",
              o.prefill_chunk);
  chat_options.generate.prefill_chunk_tokens = o.prefill_chunk;
  chat_options.generate.seed = o.seed;
  chat_options.system_prompt = o.system;

  const tokenizers::Tokenizer& tokenizer = assets.tokenizer;
  chat_options.generate.tokenizer = &tokenizer;
  std::optional<tokenizers::ChatTemplateConfig> chat_template;
  if (!o.no_chat_template) chat_template = assets.chat_template;
  chat_options.use_chat_template = chat_template.has_value();
  HFCPP_CHECK(o.system.empty() || chat_template, ErrorCode::InvalidArgument,
              "[run] --system needs a chat template: {} has none, or --no-chat-template was given", folder);
  auto lm = models::load_causal_lm(folder, load);
  const bool beams = chat_options.generate.config.num_beams > 1;

  if (!o.prompt.empty() && beams) {
    // Beam search: not streamed (transformers' streamers refuse beams either).
    std::string text = o.prompt;
    if (chat_template) {
      core::OrderedJson messages = core::OrderedJson::array();
      if (!o.system.empty()) messages.push_back({{"role", "system"}, {"content", o.system}});
      messages.push_back({{"role", "user"}, {"content", o.prompt}});
      tokenizers::ChatTemplateOptions t;
      t.add_generation_prompt = true;
      t.special_tokens = chat_template->special_tokens;
      text = tokenizers::ChatTemplate::compile(chat_template->select("", false)).render(messages, t);
    }
    std::vector<int64_t> ids;
    for (uint32_t id : tokenizer.encode(text, !chat_template).ids) ids.push_back(id);
    const auto start = std::chrono::steady_clock::now();
    const auto out = generation::generate(*lm, {ids}, chat_options.generate);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::vector<uint32_t> answer;
    for (size_t i = ids.size(); i < out.sequences[0].size(); ++i) answer.push_back(static_cast<uint32_t>(out.sequences[0][i]));
    const std::string reply = tokenizer.decode(answer, true);
    if (o.json) {
      write_out(core::Json{{"generated_text", reply}, {"prompt_tokens", ids.size()}, {"new_tokens", answer.size()},
                           {"score", out.sequence_scores[0]}, {"seconds", seconds}}
                    .dump(-1, ' ', false, core::Json::error_handler_t::replace) + "\n");
    } else {
      write_out(reply + "\n");
    }
    return;
  }
  HFCPP_CHECK(!beams, ErrorCode::Unsupported, "[run] interactive chat streams greedy or sampled answers: got --num-beams {}",
              chat_options.generate.config.num_beams);

  generation::ChatSession chat(*lm, tokenizer, chat_template, chat_options);
  auto answer = [&](const std::string& message) {
    const auto start = std::chrono::steady_clock::now();
    std::string reply;
    if (o.json) {
      reply = chat.send(message);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      write_out(turn_json(reply, chat.last_turn(), seconds).dump(-1, ' ', false, core::Json::error_handler_t::replace) +
                "\n");
    } else {
      reply = chat.send(message, write_out);
      write_out("\n");
    }
  };
  if (!o.prompt.empty()) {
    answer(o.prompt);
    return;
  }
  const bool interactive = isatty(STDIN_FILENO) != 0;
  if (interactive)
    std::fprintf(stderr, "Chatting with %s. /reset starts over, /exit quits.\n", o.model.c_str());
  std::string line;
  for (;;) {
    if (interactive) {
      std::fputs("> ", stderr);
      std::fflush(stderr);
    }
    if (!std::getline(std::cin, line)) break;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line == "/exit" || line == "/quit") break;
    if (line == "/reset") {
      chat.reset();
      if (o.json) write_out("{\"reset\": true}\n");
      else if (interactive) std::fputs("(conversation reset)\n", stderr);
      continue;
    }
    if (line.empty()) continue;
    answer(line);
  }
}

}  // namespace

void register_run(CLI::App& app, GlobalOptions& /*global*/) {
  auto o = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand("run", "Chat with a causal LM, or answer one prompt (streamed)");
  cmd->add_option("MODEL", o->model, "Model folder, .gguf file or Hub repo id in the cache")->required();
  cmd->add_option("PROMPT", o->prompt, "One prompt to answer; without it, chat with lines read from stdin");
  cmd->add_option("--system", o->system, "System message (chat templates only)");
  cmd->add_option("--max-new-tokens", o->max_new_tokens, "New tokens at most (default: generation_config, else 256)");
  cmd->add_option("--min-new-tokens", o->min_new_tokens, "New tokens at least: end-of-sequence is banned before");
  cmd->add_option("--temperature", o->temperature, "Sampling temperature");
  cmd->add_option("--top-k", o->top_k, "Keep the k most likely tokens (0: off)");
  cmd->add_option("--top-p", o->top_p, "Nucleus sampling mass in (0, 1]");
  cmd->add_option("--min-p", o->min_p, "Min-p sampling threshold in [0, 1]");
  cmd->add_option("--typical-p", o->typical_p, "Typical sampling mass in (0, 1]");
  cmd->add_option("--repetition-penalty", o->repetition_penalty, "Penalty > 0 for tokens already seen (1: off)");
  cmd->add_option("--no-repeat-ngram-size", o->no_repeat_ngram_size, "Forbid repeating n-grams of this size");
  cmd->add_option("--num-beams", o->num_beams, "Beam search with this many beams (one prompt only, not streamed)");
  cmd->add_flag("--do-sample", o->do_sample, "Sample (default: the model's generation_config)");
  cmd->add_flag("--greedy", o->greedy, "Greedy decoding");
  cmd->add_option("--seed", o->seed, "Sampling seed (reproducible answers)");
  cmd->add_option("--cache", o->cache, "KV cache: dynamic|static|sliding|int8|int4")->capture_default_str();
  cmd->add_option("--cache-dtype", o->cache_dtype, "KV cache element type: auto|f32|f16 (auto: f16 with "
                  "--dtype quantized, as llama.cpp; f32 otherwise)")->capture_default_str();
  cmd->add_option("--prefill-chunk", o->prefill_chunk,
                  "Prompt tokens per forward pass (bounds prefill memory; 0: the whole prompt at once)")
      ->capture_default_str();
  cmd->add_option("--dtype", o->dtype, "Weights dtype: auto|f32|bf16, or quantized (GGUF: block-quantized "
                  "weights multiplied as they are, llama.cpp's numerics)")->capture_default_str();
  cmd->add_option("--stop", o->stop, "Stop when the answer ends with this text (repeatable)");
  cmd->add_flag("--no-chat-template", o->no_chat_template, "Send the prompt as raw text");
  cmd->add_flag("--json", o->json, "One JSON object per answer: generated_text, token counts, seconds");
  cmd->callback([o] { run(*o); });
}

}  // namespace hfcpp::cli
