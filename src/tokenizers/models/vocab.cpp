#include "tokenizers/models/vocab.h"

#include <cstring>

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
  v.index.build(v.map);
  return v;
}

uint64_t hash_bytes(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xFF51AFD7ED558CCDull);
  auto mix = [](uint64_t x) {
    x ^= x >> 32;
    x *= 0xD6E8FEB86659FD93ull;
    x ^= x >> 32;
    return x;
  };
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    h = mix(h ^ v) * 0x9FB21C651E98DF25ull;
  }
  uint64_t tail = 0;
  for (size_t k = 0; k < n; ++k) tail |= uint64_t(static_cast<unsigned char>(p[k])) << (8 * k);
  return mix(mix(h ^ tail) ^ (h >> 29));
}

void StringIdIndex::build(const VocabMap& map) {
  size_t cap = 16;
  while (cap < map.size() * 2) cap *= 2;
  slots_.assign(cap, Slot{});
  mask_ = cap - 1;
  size_t filter_bits = 1 << 12;
  while (filter_bits < map.size() * 16) filter_bits *= 2;
  filter_.assign(filter_bits / 64, 0);
  filter_mask_ = static_cast<uint32_t>(filter_bits - 1);
  keys_.clear();
  for (const auto& [key, id] : map) {
    HFCPP_CHECK(keys_.size() + key.size() < kEmpty, ErrorCode::Format,
                "[tokenizers] vocab: tokens total over 4 GiB");
    uint64_t h = hash_bytes(key);
    size_t i = h & mask_;
    while (slots_[i].len != kEmpty) i = (i + 1) & mask_;
    uint32_t tag = static_cast<uint32_t>(h >> 32);
    slots_[i] = {tag, id, static_cast<uint32_t>(keys_.size()), static_cast<uint32_t>(key.size())};
    filter_[(tag & filter_mask_) >> 6] |= uint64_t{1} << (tag & 63);
    keys_ += key;
  }
}

}  // namespace hfcpp::tokenizers
