#include "cli/commands.h"

namespace hfcpp::cli {

void register_all_commands(CLI::App& app, GlobalOptions& global) {
  register_inspect(app, global);
  register_embed(app, global);
  register_pipeline(app, global);
  register_estimate_memory(app, global);
  register_chat_template(app, global);
  register_tokenize(app, global);
  register_decode(app, global);
  register_download(app, global);
  register_cache(app, global);
  register_hub(app, global);
  register_upload(app, global);
  register_models(app, global);
  register_card(app, global);
  register_tokenizer_train(app, global);
  register_logits(app, global);
  register_run(app, global);
  register_quant_debug(app, global);
  register_quantize(app, global);
  register_perplexity(app, global);
  register_imatrix(app, global);
  register_convert(app, global);
}

}  // namespace hfcpp::cli
