// The reference's ByteLevel process_offsets: trims leading/trailing spaces ('Ġ' or whitespace)
// of each token from its offsets; shared by the ByteLevel and Roberta post-processors.
#pragma once

#include "hfcpp/tokenizers/encoding.h"

namespace hfcpp::tokenizers {

void trim_byte_level_offsets(Encoding& e, bool add_prefix_space);

}  // namespace hfcpp::tokenizers
