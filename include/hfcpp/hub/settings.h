// Where the Hub is and how to talk to it, from the same environment variables huggingface_hub
// reads: HF_ENDPOINT, HF_HOME, HF_HUB_CACHE (HUGGINGFACE_HUB_CACHE), XDG_CACHE_HOME, HF_TOKEN,
// HUGGING_FACE_HUB_TOKEN, HF_TOKEN_PATH, HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE,
// HF_HUB_DOWNLOAD_TIMEOUT, HF_HUB_ETAG_TIMEOUT.
#pragma once

#include <optional>
#include <string>

namespace hfcpp::hub {

// "https://huggingface.co" or HF_ENDPOINT without its trailing "/".
std::string default_endpoint();
// $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface.
std::string hf_home();
// $HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub.
std::string default_cache_dir();
// HF_TOKEN, then HUGGING_FACE_HUB_TOKEN, then the file $HF_TOKEN_PATH (default $HF_HOME/token);
// whitespace and newlines stripped; nullopt when none is set.
std::optional<std::string> default_token();
// HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE set to 1/ON/YES/TRUE (any case).
bool offline_mode();
// Seconds; HF_HUB_DOWNLOAD_TIMEOUT / HF_HUB_ETAG_TIMEOUT, default 10.
double download_timeout_s();
double etag_timeout_s();

}  // namespace hfcpp::hub
