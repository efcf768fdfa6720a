// Tokenizer.train(files, trainer) of the reference: count the pre-tokenized words of every
// line, train the model, then write the tokenizer.json with the special tokens added.
#include <algorithm>
#include <mutex>
#include <unordered_map>

#include "hfcpp/core/error.h"
#include "hfcpp/core/json.h"
#include "hfcpp/core/mapped_file.h"
#include "hfcpp/core/thread_pool.h"
#include "tokenizers/added_vocabulary.h"
#include "tokenizers/byte_level_table.h"
#include "tokenizers/registry.h"
#include "tokenizers/trainers/trainers_internal.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

namespace {
using core::OrderedJson;
constexpr const char* kSpace = "\xE2\x96\x81";

Json parse_or(const std::string& text, Json fallback) {
  return text.empty() ? fallback : core::parse_json(text, "trainer pipeline");
}

Json byte_level(bool trim_offsets) {
  return {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", trim_offsets}, {"use_regex", true}};
}
Json metaspace() {
  return {{"type", "Metaspace"}, {"replacement", kSpace}, {"prepend_scheme", "always"}, {"split", true}};
}

struct Stages {
  Json normalizer, pre_tokenizer, post_processor, decoder;
};

Stages stages_for(const TrainerOptions& o, const TrainerPipeline& p) {
  Stages s{nullptr, nullptr, nullptr, nullptr};
  if (p.byte_level) {
    s.pre_tokenizer = byte_level(true);
    s.post_processor = byte_level(false);
    s.decoder = byte_level(true);
  } else if (o.model == TrainerModel::Bpe) {
    s.pre_tokenizer = {{"type", "Whitespace"}};
  } else if (o.model == TrainerModel::WordPiece) {
    s.normalizer = {{"type", "BertNormalizer"}, {"clean_text", true}, {"handle_chinese_chars", true},
                    {"strip_accents", nullptr}, {"lowercase", true}};
    s.pre_tokenizer = {{"type", "BertPreTokenizer"}};
    s.decoder = {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}};
  } else {
    s.pre_tokenizer = metaspace();
    s.decoder = metaspace();
  }
  s.normalizer = parse_or(p.normalizer_json, s.normalizer);
  s.pre_tokenizer = parse_or(p.pre_tokenizer_json, s.pre_tokenizer);
  s.post_processor = parse_or(p.post_processor_json, s.post_processor);
  s.decoder = parse_or(p.decoder_json, s.decoder);
  return s;
}

// The reference reads with lines_with_ending: each line keeps its "\n" (and any "\r").
template <class F>
void for_each_line(std::string_view text, F&& fn) {
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    fn(text.substr(start, end - start));
    start = end;
  }
}

TrainerOptions effective_options(TrainerOptions o, const TrainerPipeline& p) {
  if (o.model == TrainerModel::WordPiece && !o.continuing_subword_prefix) o.continuing_subword_prefix = "##";
  if (p.byte_level) {
    // ByteLevelBPETokenizer trains with initial_alphabet = ByteLevel.alphabet().
    for (int b = 0; b < 256; ++b) utf8::append(o.initial_alphabet, byte_level_table().byte_to_char[static_cast<size_t>(b)]);
  }
  return o;
}

Json added_tokens_json(const std::vector<std::string>& specials, const std::unordered_map<std::string, uint32_t>& ids) {
  Json arr = Json::array();
  std::vector<std::string> seen;
  for (const std::string& t : specials) {
    if (std::find(seen.begin(), seen.end(), t) != seen.end()) continue;
    seen.push_back(t);
    auto it = ids.find(t);
    HFCPP_CHECK(it != ids.end(), ErrorCode::Internal, "[trainer] special token '{}' missing from the vocab", t);
    arr.push_back({{"id", it->second}, {"content", t}, {"single_word", false}, {"lstrip", false},
                   {"rstrip", false}, {"normalized", false}, {"special", true}});
  }
  std::sort(arr.begin(), arr.end(), [](const Json& a, const Json& b) { return a["id"] < b["id"]; });
  return arr;
}
}  // namespace

WordCounts count_words(const std::vector<std::string>& files, const TrainerPipeline& pipeline,
                       const TrainerOptions& options) {
  Stages st = stages_for(options, pipeline);
  NormalizerPtr normalizer = make_normalizer(st.normalizer, "normalizer");
  PreTokenizerPtr pre_tokenizer = make_pre_tokenizer(st.pre_tokenizer, "pre_tokenizer");
  AddedVocabulary no_added;
  std::unordered_map<std::string, uint64_t> total;
  std::mutex total_mutex;
  for (const std::string& file : files) {
    auto mapped = core::MappedFile::open(file);
    std::string_view text(reinterpret_cast<const char*>(mapped->data()), mapped->size());
    size_t bad = utf8::find_invalid(text);
    HFCPP_CHECK(bad == std::string_view::npos, ErrorCode::InvalidArgument,
                "[trainer] {}: invalid UTF-8 at byte offset {} (training files must be UTF-8 text)", file, bad);
    std::vector<std::string_view> lines;
    for_each_line(text, [&](std::string_view line) { lines.push_back(line); });
    core::parallel_for(0, static_cast<int64_t>(lines.size()), 4096, [&](int64_t b, int64_t e) {
      std::unordered_map<std::string, uint64_t> local;
      for (int64_t i = b; i < e; ++i) {
        PreTokenizedString pts = no_added.extract_and_normalize(normalizer.get(), lines[static_cast<size_t>(i)]);
        if (pre_tokenizer) pre_tokenizer->pre_tokenize(pts);
        for (const Split& s : pts.splits()) ++local[s.normalized.get()];
      }
      std::lock_guard lock(total_mutex);
      for (auto& [w, c] : local) total[w] += c;
    });
  }
  return WordCounts(total.begin(), total.end());
}

std::string train_tokenizer_from_counts(const WordCounts& counts, const TrainerOptions& options,
                                        const TrainerPipeline& pipeline) {
  TrainerOptions o = effective_options(options, pipeline);
  HFCPP_CHECK(o.vocab_size > 0, ErrorCode::InvalidArgument, "[trainer] vocab_size: got 0, expected > 0");
  Stages st = stages_for(o, pipeline);
  OrderedJson root;
  root["version"] = "1.0";
  root["truncation"] = nullptr;
  root["padding"] = nullptr;
  std::unordered_map<std::string, uint32_t> ids;
  OrderedJson model;
  if (o.model == TrainerModel::Unigram) {
    UnigramTrainResult r = train_unigram(counts, o);
    OrderedJson vocab = OrderedJson::array();
    for (size_t i = 0; i < r.pieces.size(); ++i) {
      vocab.push_back({r.pieces[i].first, r.pieces[i].second});
      ids.emplace(r.pieces[i].first, static_cast<uint32_t>(i));
    }
    model = {{"type", "Unigram"}, {"unk_id", r.has_unk ? OrderedJson(r.unk_id) : OrderedJson(nullptr)}, {"vocab", std::move(vocab)}, {"byte_fallback", false}};
  } else {
    BpeTrainResult r = train_bpe(counts, o);
    OrderedJson vocab = OrderedJson::object();
    for (size_t i = 0; i < r.id_to_word.size(); ++i) {
      vocab[r.id_to_word[i]] = i;
      ids.emplace(r.id_to_word[i], static_cast<uint32_t>(i));
    }
    if (o.model == TrainerModel::WordPiece) {
      model = {{"type", "WordPiece"}, {"unk_token", "[UNK]"}, {"continuing_subword_prefix", *o.continuing_subword_prefix},
               {"max_input_chars_per_word", 100}, {"vocab", std::move(vocab)}};
    } else {
      OrderedJson merges = OrderedJson::array();
      for (auto [a, b] : r.merges) merges.push_back({r.id_to_word[a], r.id_to_word[b]});
      auto opt = [](const std::optional<std::string>& s) { return s ? OrderedJson(*s) : OrderedJson(nullptr); };
      model = {{"type", "BPE"}, {"dropout", nullptr},
               {"unk_token", pipeline.byte_level ? OrderedJson(nullptr) : OrderedJson("[UNK]")},
               {"continuing_subword_prefix", opt(o.continuing_subword_prefix)},
               {"end_of_word_suffix", opt(o.end_of_word_suffix)}, {"fuse_unk", false},
               {"byte_fallback", false}, {"ignore_merges", false}, {"vocab", std::move(vocab)},
               {"merges", std::move(merges)}};
    }
  }
  root["added_tokens"] = OrderedJson::parse(added_tokens_json(o.special_tokens, ids).dump());
  root["normalizer"] = OrderedJson::parse(st.normalizer.dump());
  root["pre_tokenizer"] = OrderedJson::parse(st.pre_tokenizer.dump());
  root["post_processor"] = OrderedJson::parse(st.post_processor.dump());
  root["decoder"] = OrderedJson::parse(st.decoder.dump());
  root["model"] = std::move(model);
  return root.dump(2);
}

std::string train_tokenizer(const std::vector<std::string>& files, const TrainerOptions& options,
                            const TrainerPipeline& pipeline) {
  HFCPP_CHECK(!files.empty(), ErrorCode::InvalidArgument, "[trainer] no training files given");
  return train_tokenizer_from_counts(count_words(files, pipeline, options), options, pipeline);
}

}  // namespace hfcpp::tokenizers
