// Unigram: Viterbi over all vocab pieces that start at each char (the reference's optimized
// encoder), unknown chars scored min_score - 10 and fused, byte_fallback for unknown pieces.
#include <cmath>
#include <limits>

#include "hfcpp/core/error.h"
#include "tokenizers/models/vocab.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

namespace {
constexpr double kUnkPenalty = 10.0;

class Unigram : public Model {
 public:
  Unigram(const Json& j, const std::string& path) {
    const Json& vocab = array_field(j, "vocab", path);
    std::string vpath = join_path(path, "vocab");
    min_score_ = std::numeric_limits<double>::infinity();
    pieces_.reserve(vocab.size());
    for (size_t i = 0; i < vocab.size(); ++i) {
      const Json& e = vocab[i];
      HFCPP_CHECK(e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_number(),
                  ErrorCode::Format, "[tokenizers] {}: is {}, expected [\"piece\", score]",
                  index_path(vpath, i), core::json_type_name(e));
      std::string piece = e[0].get<std::string>();
      double score = e[1].get<double>();
      map_[piece] = static_cast<uint32_t>(i);
      max_len_ = std::max(max_len_, piece.size());
      pieces_.emplace_back(std::move(piece), score);
      min_score_ = std::min(min_score_, score);
    }
    if (j.contains("unk_id") && !j["unk_id"].is_null()) {
      int64_t u = int_field(j, "unk_id", path);
      HFCPP_CHECK(u >= 0 && static_cast<size_t>(u) < pieces_.size(), ErrorCode::Format,
                  "[tokenizers] {}.unk_id: {} is outside the {}-piece vocab", path, u,
                  pieces_.size());
      unk_id_ = static_cast<uint32_t>(u);
    }
    HFCPP_CHECK(!(unk_id_ && pieces_.empty()), ErrorCode::Format, "[tokenizers] {}: empty vocab",
                path);
    byte_fallback_ = bool_field_or(j, "byte_fallback", false, path);
  }

  void tokenize(std::string_view text, std::vector<Token>& out) const override {
    if (text.empty()) return;
    std::vector<std::string_view> pieces;
    viterbi(text, pieces);
    size_t offset = 0;
    for (std::string_view p : pieces) {
      size_t len = p.size();
      auto it = map_.find(p);
      if (it != map_.end()) {
        out.push_back({it->second, std::string(p), offset, offset + len});
      } else {
        bool done = false;
        if (byte_fallback_) {
          std::vector<Token> bytes;
          for (unsigned char b : p) {
            std::string name = fmt::format("<0x{:02X}>", b);
            auto bt = map_.find(name);
            if (bt == map_.end()) break;
            bytes.push_back({bt->second, name, offset, offset + len});
          }
          if (bytes.size() == len) {
            out.insert(out.end(), bytes.begin(), bytes.end());
            done = true;
          }
        }
        if (!done) {
          HFCPP_CHECK(unk_id_.has_value(), ErrorCode::InvalidArgument,
                      "[tokenizers] Unigram: no unk_id for an unknown piece");
          out.push_back({*unk_id_, std::string(p), offset, offset + len});
        }
      }
      offset += len;
    }
  }
  std::optional<uint32_t> token_to_id(std::string_view t) const override {
    auto it = map_.find(t);
    if (it == map_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::string> id_to_token(uint32_t id) const override {
    if (id >= pieces_.size()) return std::nullopt;
    return pieces_[id].first;
  }
  size_t vocab_size() const override { return pieces_.size(); }

 private:
  void viterbi(std::string_view s, std::vector<std::string_view>& result) const {
    struct Node {
      uint32_t id = 0;
      double score = 0;
      int64_t starts_at = -1;
    };
    const size_t size = s.size();
    const double unk_score = min_score_ - kUnkPenalty;
    std::vector<Node> best(size + 1);
    size_t start = 0;
    while (start < size) {
      double base = best[start].score;
      bool has_single = false;
      size_t mblen = utf8::char_len(static_cast<unsigned char>(s[start]));
      size_t max_end = std::min(size, start + max_len_);
      for (size_t end = start + 1; end <= max_end; ++end) {
        if (end < size && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) continue;
        auto it = map_.find(s.substr(start, end - start));
        if (it == map_.end()) continue;
        Node& target = best[end];
        double cand = pieces_[it->second].second + base;
        if (target.starts_at < 0 || cand > target.score) {
          target.score = cand;
          target.starts_at = static_cast<int64_t>(start);
          target.id = it->second;
        }
        if (end - start == mblen) has_single = true;
      }
      if (!has_single) {
        Node& target = best[start + mblen];
        double cand = unk_score + base;
        if (target.starts_at < 0 || cand > target.score) {
          HFCPP_CHECK(unk_id_.has_value(), ErrorCode::InvalidArgument,
                      "[tokenizers] Unigram: no unk_id for an unknown character");
          target.score = cand;
          target.starts_at = static_cast<int64_t>(start);
          target.id = *unk_id_;
        }
      }
      start += mblen;
    }
    // Walk back; consecutive unknown pieces are fused into one.
    std::vector<std::string_view> rev;
    size_t end = size;
    size_t fused_start = 0, fused_end = 0;
    bool fusing = false;
    while (end > 0) {
      const Node& n = best[end];
      size_t st = static_cast<size_t>(n.starts_at);
      if (unk_id_ && n.id == *unk_id_) {
        if (!fusing) fused_end = end;
        fusing = true;
        fused_start = st;
      } else {
        if (fusing) {
          rev.push_back(s.substr(fused_start, fused_end - fused_start));
          fusing = false;
        }
        rev.push_back(s.substr(st, end - st));
      }
      end = st;
    }
    if (fusing) rev.push_back(s.substr(fused_start, fused_end - fused_start));
    result.assign(rev.rbegin(), rev.rend());
  }

  std::vector<std::pair<std::string, double>> pieces_;
  VocabMap map_;
  size_t max_len_ = 0;
  double min_score_ = 0;
  std::optional<uint32_t> unk_id_;
  bool byte_fallback_ = false;
};
}  // namespace

ModelPtr make_unigram(const Json& j, const std::string& path) {
  return std::make_unique<Unigram>(j, path);
}

}  // namespace hfcpp::tokenizers
