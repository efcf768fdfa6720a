// Writing safetensors exactly as the reference does (safetensors 0.8.0 `prepare`/`serialize`):
// tensors sorted by dtype (descending enum order, which keeps wider types first and therefore
// aligned) then by name, compact serde_json header, padded with spaces to a multiple of 8.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "hfcpp/core/error.h"
#include "hfcpp/formats/safetensors.h"

namespace hfcpp::formats {

using tensor::Tensor;

namespace {

// serde_json's string escaping: quote, backslash, the short control escapes, other control
// bytes as \u00xx; everything else (DEL, non-ASCII UTF-8) verbatim.
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) out += fmt::format("\\u{:04x}", c);
        else out += ch;
    }
  }
  out += '"';
}

struct PlannedTensor {
  const std::string* name;
  Tensor data;  // contiguous
  const SafetensorsDTypeName* dtype;
  uint64_t begin, end;
};

struct Plan {
  std::string header;  // length prefix + padded JSON
  std::vector<PlannedTensor> tensors;
};

Plan plan_file(const NamedTensors& tensors, const std::optional<SafetensorsMetadata>& metadata) {
  Plan plan;
  std::set<std::string_view> names;
  for (const auto& [name, t] : tensors) {
    HFCPP_CHECK(t.defined(), ErrorCode::InvalidArgument, "[safetensors] tensor '{}' is undefined", name);
    HFCPP_CHECK(names.insert(name).second, ErrorCode::InvalidArgument,
                "[safetensors] tensor name '{}' given twice", name);
    HFCPP_CHECK(name != "__metadata__", ErrorCode::InvalidArgument,
                "[safetensors] '__metadata__' is reserved and cannot name a tensor");
    plan.tensors.push_back({&name, t.contiguous(), &safetensors_dtype_of(t.dtype()), 0, 0});
  }
  std::stable_sort(plan.tensors.begin(), plan.tensors.end(), [](const auto& a, const auto& b) {
    if (a.dtype->order != b.dtype->order) return a.dtype->order > b.dtype->order;
    return *a.name < *b.name;
  });
  std::string json = "{";
  if (metadata) {
    json += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [k, v] : *metadata) {
      if (!first) json += ',';
      first = false;
      append_json_string(json, k);
      json += ':';
      append_json_string(json, v);
    }
    json += '}';
  }
  uint64_t offset = 0;
  for (auto& p : plan.tensors) {
    p.begin = offset;
    p.end = offset += p.data.nbytes();
    if (json.size() > 1) json += ',';
    append_json_string(json, *p.name);
    json += fmt::format(R"(:{{"dtype":"{}","shape":[{}],"data_offsets":[{},{}]}})", p.dtype->name,
                        fmt::join(p.data.shape(), ","), p.begin, p.end);
  }
  json += '}';
  json.append((8 - json.size() % 8) % 8, ' ');
  HFCPP_CHECK(json.size() <= kSafetensorsMaxHeaderSize, ErrorCode::InvalidArgument,
              "[safetensors] header would be {} bytes, over the {}-byte limit readers accept",
              json.size(), kSafetensorsMaxHeaderSize);
  uint64_t n = json.size();
  plan.header.resize(8);
  for (int i = 0; i < 8; ++i) plan.header[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  plan.header += json;
  return plan;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

std::string serialize_safetensors(const NamedTensors& tensors,
                                  const std::optional<SafetensorsMetadata>& metadata) {
  Plan plan = plan_file(tensors, metadata);
  std::string out = std::move(plan.header);
  for (const auto& p : plan.tensors)
    out.append(static_cast<const char*>(p.data.raw_data()), p.data.nbytes());
  return out;
}

void save_safetensors(const NamedTensors& tensors, const std::string& path,
                      const std::optional<SafetensorsMetadata>& metadata) {
  Plan plan = plan_file(tensors, metadata);
  const std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
  {
    std::unique_ptr<std::FILE, FileCloser> f(std::fopen(tmp.c_str(), "wb"));
    HFCPP_CHECK(f != nullptr, ErrorCode::Io, "[safetensors] cannot create '{}': {}", tmp,
                std::strerror(errno));
    bool ok = std::fwrite(plan.header.data(), 1, plan.header.size(), f.get()) == plan.header.size();
    for (const auto& p : plan.tensors) {
      if (!ok) break;
      ok = std::fwrite(p.data.raw_data(), 1, p.data.nbytes(), f.get()) == p.data.nbytes();
    }
    ok = ok && std::fflush(f.get()) == 0;
    if (!ok) {
      int err = errno;
      f.reset();
      ::unlink(tmp.c_str());
      HFCPP_THROW(ErrorCode::Io, "[safetensors] cannot write '{}': {}", path, std::strerror(err));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    HFCPP_THROW(ErrorCode::Io, "[safetensors] cannot rename '{}' to '{}': {}", tmp, path,
                std::strerror(err));
  }
}

void save_safetensors(const std::map<std::string, Tensor>& tensors, const std::string& path,
                      const std::optional<SafetensorsMetadata>& metadata) {
  save_safetensors(NamedTensors(tensors.begin(), tensors.end()), path, metadata);
}

ShardedSaveResult save_safetensors_sharded(const NamedTensors& tensors, const std::string& folder,
                                           uint64_t max_shard_size,
                                           const std::optional<SafetensorsMetadata>& shard_metadata) {
  // huggingface_hub.split_state_dict_into_shards_factory, step by step: an oversized tensor
  // gets a shard of its own appended immediately while the current shard stays open.
  std::vector<NamedTensors> shards;
  NamedTensors current;
  uint64_t current_size = 0, total_size = 0;
  for (const auto& entry : tensors) {
    uint64_t size = entry.second.nbytes();
    total_size += size;
    if (size > max_shard_size) {
      shards.push_back({entry});
      continue;
    }
    if (current_size + size > max_shard_size) {
      shards.push_back(std::move(current));
      current.clear();
      current_size = 0;
    }
    current.push_back(entry);
    current_size += size;
  }
  if (!current.empty()) shards.push_back(std::move(current));
  if (shards.empty()) shards.emplace_back();

  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  HFCPP_CHECK(!ec, ErrorCode::Io, "[safetensors] cannot create folder '{}': {}", folder, ec.message());
  ShardedSaveResult result;
  result.total_size = total_size;
  const auto base = std::filesystem::path(folder);
  if (shards.size() == 1) {
    result.files.push_back("model.safetensors");
    save_safetensors(shards[0], (base / "model.safetensors").string(), shard_metadata);
    return result;
  }
  nlohmann::json weight_map = nlohmann::json::object();
  for (size_t i = 0; i < shards.size(); ++i) {
    std::string file = fmt::format("model-{:05d}-of-{:05d}.safetensors", i + 1, shards.size());
    save_safetensors(shards[i], (base / file).string(), shard_metadata);
    for (const auto& entry : shards[i]) weight_map[entry.first] = file;
    result.files.push_back(std::move(file));
  }
  // transformers: json.dumps(index, indent=2, sort_keys=True) + "\n" (ASCII-escaped).
  nlohmann::json index = {{"metadata", {{"total_size", total_size}}}, {"weight_map", std::move(weight_map)}};
  result.index_file = "model.safetensors.index.json";
  core::write_file_atomic((base / result.index_file).string(), index.dump(2, ' ', true) + "\n");
  return result;
}

}  // namespace hfcpp::formats
