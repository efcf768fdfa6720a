#include "tokenizers/models/vocab.h"

#include "hfcpp/core/error.h"

namespace hfcpp::tokenizers {

Vocab parse_vocab_object(const Json& j, const std::string& path) {
  HFCPP_CHECK(j.is_object(), ErrorCode::Format, "[tokenizers] {}: is {}, expected an object", path,
              core::json_type_name(j));
  Vocab v;
  v.map.reserve(j.size());
  for (auto it = j.begin(); it != j.end(); ++it) {
    HFCPP_CHECK(it.value().is_number_unsigned() || it.value().is_number_integer(), ErrorCode::Format,
                "[tokenizers] {}[\"{}\"]: is {}, expected a token id", path, it.key(),
                core::json_type_name(it.value()));
    int64_t id = it.value().get<int64_t>();
    HFCPP_CHECK(id >= 0 && id < (int64_t{1} << 31), ErrorCode::Format,
                "[tokenizers] {}[\"{}\"]: id {} out of range", path, it.key(), id);
    v.map[it.key()] = static_cast<uint32_t>(id);
    if (static_cast<size_t>(id) >= v.by_id.size()) {
      v.by_id.resize(static_cast<size_t>(id) + 1);
      v.has_id.resize(static_cast<size_t>(id) + 1, false);
    }
    v.by_id[static_cast<size_t>(id)] = it.key();
    v.has_id[static_cast<size_t>(id)] = true;
  }
  return v;
}

}  // namespace hfcpp::tokenizers
