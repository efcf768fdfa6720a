// The reference's UnigramTrainer (itself SentencePiece's): seed pieces from a suffix array of
// the distinct words (every repeated substring, scored by occurrences x length), EM rounds
// (forward-backward expected counts, digamma M-step), pruning by the loss of each piece
// against its second-best segmentation, then finalize (required characters, special tokens,
// pieces by score). The reference's quirks are kept (see the comments); its hash-map orders
// (words, required characters) are replaced by sorted ones, so scores can differ from one
// reference run in the last bits of a sum and near-ties may order differently.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <numeric>
#include <unordered_map>

#include "hfcpp/core/error.h"
#include "tokenizers/trainers/trainers_internal.h"
#include "tokenizers/utf8.h"

namespace hfcpp::tokenizers {

namespace {
using Piece = std::pair<std::string, double>;
struct Sentence {
  std::string text;
  uint32_t count;
};
constexpr double kUnkPenalty = 10.0;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double digamma(double x) {
  double result = 0.0;
  while (x < 7.0) {
    result -= 1.0 / x;
    x += 1.0;
  }
  x -= 0.5;
  double xx = 1.0 / x, xx2 = xx * xx, xx4 = xx2 * xx2;
  result += std::log(x) + (1.0 / 24.0) * xx2 - 7.0 / 960.0 * xx4 + (31.0 / 8064.0) * xx4 * xx2 -
            (127.0 / 30720.0) * xx4 * xx4;
  return result;
}

// Unigram::from for training: ids are indices, min_score ignores NaN (<UNK>).
struct Model {
  std::vector<Piece> pieces;
  std::unordered_map<std::string, uint32_t> ids;
  double min_score = std::numeric_limits<double>::infinity();
  size_t max_bytes = 0;
  explicit Model(const std::vector<Piece>& p) : pieces(p) {
    for (size_t i = 0; i < p.size(); ++i) {
      ids[p[i].first] = static_cast<uint32_t>(i);
      if (p[i].second < min_score) min_score = p[i].second;
      max_bytes = std::max(max_bytes, p[i].first.size());
    }
  }
};

struct Node {
  size_t id;  // piece id (bos/eos: n + 1, n + 2)
  size_t pos, len;
  double score;
  double backtrace = 0.0;
  int prev = -1;
};

class Lattice {
 public:
  Lattice(std::string_view s, size_t bos_id, size_t eos_id) : s_(s), begin_(s.size() + 1), end_(s.size() + 1) {
    nodes_.push_back({bos_id, 0, 0, 0.0});
    nodes_.push_back({eos_id, s.size(), 0, 0.0});
    begin_[s.size()].push_back(1);
    end_[0].push_back(0);
  }
  void insert(size_t pos, size_t len, double score, size_t id) {
    int n = static_cast<int>(nodes_.size());
    nodes_.push_back({id, pos, len, score});
    begin_[pos].push_back(n);
    end_[pos + len].push_back(n);
  }
  // Model::populate_nodes: every piece starting at each character, unk where no single char.
  void populate(const Model& m) {
    double unk_score = m.min_score - kUnkPenalty;
    for (size_t pos = 0; pos < s_.size();) {
      size_t mblen = utf8::char_len(static_cast<unsigned char>(s_[pos]));
      bool single = false;
      for (size_t n = 1; n <= m.max_bytes && pos + n <= s_.size(); ++n) {
        auto it = m.ids.find(std::string(s_.substr(pos, n)));
        if (it == m.ids.end()) continue;
        insert(pos, n, m.pieces[it->second].second, it->second);
        if (n == mblen) single = true;
      }
      if (!single) insert(pos, mblen, unk_score, 0);
      pos += mblen;
    }
  }
  // Best path (node indices without bos/eos); `banned` is skipped (for the second best).
  std::vector<int> viterbi(int banned = -1) {
    for (size_t pos = 0; pos <= s_.size();) {
      if (begin_[pos].empty()) return {};
      for (int r : begin_[pos]) {
        Node& rn = nodes_[static_cast<size_t>(r)];
        rn.prev = -1;
        if (r == banned) continue;
        double best = 0.0;
        int best_node = -1;
        for (int l : end_[pos]) {
          if (l == banned || (l > 1 && nodes_[static_cast<size_t>(l)].prev < 0)) continue;
          double score = nodes_[static_cast<size_t>(l)].backtrace + rn.score;
          if (best_node < 0 || score > best) {
            best_node = l;
            best = score;
          }
        }
        if (best_node < 0) {
          if (banned < 0) return {};
          continue;
        }
        rn.prev = best_node;
        rn.backtrace = best;
      }
      if (pos == s_.size()) break;
      pos += utf8::char_len(static_cast<unsigned char>(s_[pos]));
    }
    std::vector<int> path;
    int node = nodes_[1].prev;
    if (node < 0) return {};
    while (nodes_[static_cast<size_t>(node)].prev >= 0) {
      path.push_back(node);
      node = nodes_[static_cast<size_t>(node)].prev;
    }
    std::reverse(path.begin(), path.end());
    return path;
  }
  // populate_marginal; init mode compares token ids, as the reference's Node equality does.
  double marginal(double freq, std::vector<double>& expected) const {
    size_t len = s_.size();
    std::vector<double> alpha(nodes_.size(), 0.0), beta(nodes_.size(), 0.0);
    auto lse = [](double x, double y, bool init) {
      if (init) return y;
      double vmin = x > y ? y : x, vmax = x > y ? x : y;
      if (vmax > vmin + 50.0) return vmax;
      return vmax + std::log(std::exp(vmin - vmax) + 1.0);
    };
    for (size_t pos = 0; pos <= len; ++pos)
      for (int r : begin_[pos])
        for (int l : end_[pos])
          alpha[r] = lse(alpha[r], nodes_[l].score + alpha[l], nodes_[l].id == nodes_[end_[pos][0]].id);
    for (size_t pos = len + 1; pos-- > 0;)
      for (int l : end_[pos])
        for (int r : begin_[pos])
          beta[l] = lse(beta[l], nodes_[r].score + beta[r], nodes_[r].id == nodes_[begin_[pos][0]].id);
    double z = alpha[1];
    for (size_t pos = 0; pos < len; ++pos)
      for (int n : begin_[pos]) {
        const Node& node = nodes_[static_cast<size_t>(n)];
        expected[node.id] += freq * std::exp(alpha[n] + node.score + beta[n] - z);
      }
    return freq * z;
  }
  const Node& node(int i) const { return nodes_[static_cast<size_t>(i)]; }

 private:
  std::string_view s_;
  std::vector<Node> nodes_;
  std::vector<std::vector<int>> begin_, end_;
};

// Suffix array by prefix doubling (the seed text is the distinct words, not the corpus).
std::vector<int> suffix_array(const std::vector<uint32_t>& t) {
  size_t n = t.size();
  std::vector<int> sa(n), rank(n), tmp(n);
  for (size_t i = 0; i < n; ++i) {
    sa[i] = static_cast<int>(i);
    rank[i] = static_cast<int>(t[i]);
  }
  for (size_t k = 1;; k <<= 1) {
    auto key = [&](int i) {
      size_t j = static_cast<size_t>(i) + k;
      return std::pair<int, int>(rank[static_cast<size_t>(i)], j < n ? rank[j] : -1);
    };
    std::sort(sa.begin(), sa.end(), [&](int a, int b) { return key(a) < key(b); });
    tmp[static_cast<size_t>(sa[0])] = 0;
    for (size_t i = 1; i < n; ++i)
      tmp[static_cast<size_t>(sa[i])] = tmp[static_cast<size_t>(sa[i - 1])] + (key(sa[i - 1]) < key(sa[i]) ? 1 : 0);
    rank = tmp;
    if (n == 0 || static_cast<size_t>(rank[static_cast<size_t>(sa[n - 1])]) == n - 1) break;
  }
  return sa;
}

class UnigramTrainer {
 public:
  UnigramTrainer(const TrainerOptions& o) : o_(o) {}

  std::vector<Piece> seeds(const std::vector<Sentence>& sentences) const {
    std::vector<uint32_t> flat;
    std::map<char32_t, uint64_t> all_chars;
    for (const Sentence& s : sentences) {
      if (s.text.empty()) continue;
      for (size_t i = 0; i < s.text.size();) {
        char32_t c = utf8::next(s.text, i);
        flat.push_back(c);
        if (c != 0) all_chars[c] += s.count;
      }
      flat.push_back(0);
    }
    std::vector<int> sa = suffix_array(flat);
    size_t n = flat.size();
    // LCP (Kasai) and the esaxx enumeration of internal nodes: (left, right, depth).
    std::vector<int> rank(n), lcp(n, 0);
    for (size_t i = 0; i < n; ++i) rank[static_cast<size_t>(sa[i])] = static_cast<int>(i);
    for (size_t i = 0, h = 0; i < n; ++i) {
      if (rank[i] == 0) { h = 0; continue; }
      size_t j = static_cast<size_t>(sa[static_cast<size_t>(rank[i]) - 1]);
      while (i + h < n && j + h < n && flat[i + h] == flat[j + h]) ++h;
      lcp[static_cast<size_t>(rank[i])] = static_cast<int>(h);
      if (h > 0) --h;
    }
    struct Sub {
      uint64_t score;
      std::vector<uint32_t> chars;
    };
    std::vector<Sub> subs;
    std::vector<std::pair<int64_t, int64_t>> stack = {{-1, -1}};
    for (size_t i = 0;; ++i) {
      std::pair<int64_t, int64_t> cur(static_cast<int64_t>(i), i == n ? -1 : (i == 0 ? -1 : lcp[i]));
      while (stack.back().second > cur.second) {
        auto cand = stack.back();
        if (static_cast<int64_t>(i) - cand.first > 1) {
          size_t depth = static_cast<size_t>(cand.second), start = static_cast<size_t>(sa[static_cast<size_t>(cand.first)]);
          uint64_t freq = static_cast<uint64_t>(static_cast<int64_t>(i) - cand.first);
          if (depth > 1 && depth <= o_.max_piece_length && start + depth <= n) {
            std::vector<uint32_t> chars(flat.begin() + static_cast<ptrdiff_t>(start),
                                        flat.begin() + static_cast<ptrdiff_t>(start + depth));
            if (std::find(chars.begin(), chars.end(), 0u) == chars.end())
              subs.push_back({static_cast<uint32_t>(freq * depth), std::move(chars)});
          }
        }
        cur.first = cand.first;
        stack.pop_back();
      }
      if (stack.back().second < cur.second) stack.push_back(cur);
      if (i == n) break;
      stack.push_back({static_cast<int64_t>(i), static_cast<int64_t>(n - static_cast<size_t>(sa[i]) + 1)});
    }
    std::vector<std::pair<uint64_t, char32_t>> chars;
    for (auto [c, cnt] : all_chars) chars.push_back({cnt, c});
    std::sort(chars.begin(), chars.end(), std::greater<>());
    std::vector<Piece> out;
    for (auto [cnt, c] : chars) out.push_back({utf8::encode(c), static_cast<double>(cnt)});
    std::sort(subs.begin(), subs.end(), [](const Sub& a, const Sub& b) {
      return a.score != b.score ? a.score > b.score : a.chars > b.chars;
    });
    for (const Sub& s : subs) {
      if (out.size() >= o_.seed_size) break;
      std::string text;
      for (uint32_t c : s.chars) utf8::append(text, c);
      out.push_back({std::move(text), static_cast<double>(s.score)});
    }
    double sum = 0.0;
    for (const Piece& p : out) sum += p.second;
    double logsum = std::log(sum);
    for (Piece& p : out) p.second = std::log(p.second) - logsum;
    return out;
  }

  std::vector<double> e_step(const Model& m, const std::vector<Sentence>& sentences) const {
    std::vector<double> expected(m.pieces.size(), 0.0);
    size_t n = m.pieces.size();
    for (const Sentence& s : sentences) {
      Lattice lat(s.text, n + 1, n + 2);
      lat.populate(m);
      lat.marginal(static_cast<double>(s.count), expected);
    }
    return expected;
  }

  std::vector<Piece> m_step(const std::vector<Piece>& pieces, const std::vector<double>& expected) const {
    std::vector<Piece> out;
    double sum = 0.0;
    for (size_t i = 0; i < pieces.size(); ++i) {
      if (i == 0) {
        out.push_back({pieces[i].first, kNaN});
        continue;
      }
      if (expected[i] < 0.5) continue;
      out.push_back({pieces[i].first, expected[i]});
      sum += expected[i];
    }
    double logsum = digamma(sum);
    for (Piece& p : out) p.second = digamma(p.second) - logsum;
    return out;
  }

  std::vector<Piece> prune(const Model& m, const std::vector<Piece>& pieces,
                           const std::vector<Sentence>& sentences) const {
    size_t n = pieces.size();
    std::vector<bool> always_keep(n, true);
    std::vector<std::vector<size_t>> alternatives(n);
    for (size_t id = 1; id < n; ++id) {
      Lattice lat(pieces[id].first, n + 1, n + 2);
      lat.populate(m);
      std::vector<int> best = lat.viterbi();
      if (best.size() >= 2) {
        always_keep[id] = false;
      } else if (best.size() == 1) {
        std::vector<int> second = lat.viterbi(best[0]);
        for (int node : second) alternatives[id].push_back(lat.node(node).id);
      }
    }
    double vsum = 0.0;
    std::vector<double> freq(n, 0.0);
    std::vector<std::vector<size_t>> inverted(n);
    for (size_t i = 0; i < sentences.size(); ++i) {
      Lattice lat(sentences[i].text, n + 1, n + 2);
      lat.populate(m);
      vsum += sentences[i].count;
      for (int node : lat.viterbi()) {
        size_t id = lat.node(node).id;
        freq[id] += sentences[i].count;
        inverted[id].push_back(i);
      }
    }
    double sum = std::accumulate(freq.begin(), freq.end(), 0.0);
    double logsum = std::log(sum);
    std::vector<std::pair<size_t, double>> candidates;
    std::vector<Piece> out = {pieces[0]};
    for (size_t id = 1; id < n; ++id) {
      if (freq[id] == 0.0 && !always_keep[id]) continue;
      if (alternatives[id].empty()) {
        out.push_back(pieces[id]);
        continue;
      }
      double f = 0.0;
      for (size_t s : inverted[id]) f += sentences[s].count;
      if (f == 0.0 || std::isnan(f)) continue;
      f /= vsum;
      double logprob_sp = std::log(freq[id]) - logsum;
      // The reference scales by the number of pieces here (alternatives.len()), not by the
      // number of alternatives of this piece; kept as is.
      double logsum_alt = std::log(sum + freq[id] * static_cast<double>(n - 1));
      double logprob_alt = 0.0;
      for (size_t alt : alternatives[id]) logprob_alt += std::log(freq[alt] + freq[id]) - logsum_alt;
      candidates.push_back({id, f * (logprob_sp - logprob_alt)});
    }
    size_t desired = o_.vocab_size * 11 / 10;
    size_t pruned_size = std::max(desired, static_cast<size_t>(static_cast<double>(n) * o_.shrinking_factor));
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    for (auto [id, loss] : candidates) {
      if (out.size() == pruned_size) break;
      out.push_back(pieces[id]);
    }
    return out;
  }

  UnigramTrainResult finalize(const Model& m, const std::vector<std::string>& required) const {
    std::vector<Piece> pieces;
    std::unordered_map<std::string, bool> inserted = {{"<UNK>", true}};
    double penalty = 0.0;
    for (const std::string& c : required) {
      inserted[c] = true;
      auto it = m.ids.find(c);
      if (it != m.ids.end()) {
        pieces.push_back({c, m.pieces[it->second].second});
      } else {
        pieces.push_back({c, m.min_score + penalty});
        penalty += 0.0001;
      }
    }
    std::optional<size_t> unk_id;
    bool need_add_unk = false;
    if (o_.unk_token) {
      auto it = std::find(o_.special_tokens.begin(), o_.special_tokens.end(), *o_.unk_token);
      if (it != o_.special_tokens.end()) unk_id = static_cast<size_t>(it - o_.special_tokens.begin());
      else {
        unk_id = 0;
        need_add_unk = true;
      }
    }
    size_t limit = o_.vocab_size - o_.special_tokens.size() - (need_add_unk ? 1 : 0);
    for (const Piece& p : m.pieces) {
      if (pieces.size() >= limit) break;
      if (inserted.count(p.first)) continue;
      inserted[p.first] = true;
      pieces.push_back({p.first, std::isnan(p.second) ? 0.0 : p.second});
    }
    std::stable_sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) { return a.second > b.second; });
    UnigramTrainResult r;
    if (need_add_unk) r.pieces.push_back({*o_.unk_token, 0.0});
    for (const std::string& t : o_.special_tokens) r.pieces.push_back({t, 0.0});
    r.pieces.insert(r.pieces.end(), pieces.begin(), pieces.end());
    r.unk_id = unk_id.value_or(0);
    r.has_unk = unk_id.has_value();
    return r;
  }

 private:
  const TrainerOptions& o_;
};
}  // namespace

UnigramTrainResult train_unigram(const WordCounts& counts, const TrainerOptions& o) {
  HFCPP_CHECK(o.vocab_size > o.special_tokens.size(), ErrorCode::InvalidArgument,
              "[trainer] vocab_size {}: must exceed the {} special tokens", o.vocab_size, o.special_tokens.size());
  UnigramTrainer trainer(o);
  std::vector<Sentence> sentences;
  std::map<std::string, bool> required_set;
  for (const auto& [w, c] : counts) {
    sentences.push_back({w, static_cast<uint32_t>(std::min<uint64_t>(c, UINT32_MAX))});
    for (size_t i = 0; i < w.size();) {
      size_t s = i;
      utf8::next(w, i);
      required_set[w.substr(s, i - s)] = true;
    }
  }
  for (size_t i = 0; i < o.initial_alphabet.size();) {
    size_t s = i;
    utf8::next(o.initial_alphabet, i);
    required_set[o.initial_alphabet.substr(s, i - s)] = true;
  }
  std::vector<std::string> required;
  for (auto& [c, b] : required_set) required.push_back(c);
  // Sorted by code point (std::map sorts UTF-8 bytes, which is the same order).
  HFCPP_CHECK(required.size() <= o.vocab_size, ErrorCode::InvalidArgument,
              "[trainer] vocab_size {}: too small for the {} characters of the corpus", o.vocab_size, required.size());

  std::vector<Piece> pieces = {{"<UNK>", kNaN}};
  std::vector<Piece> seeds = trainer.seeds(sentences);
  pieces.insert(pieces.end(), seeds.begin(), seeds.end());
  size_t desired = o.vocab_size * 11 / 10;
  auto model = std::make_unique<Model>(pieces);
  for (;;) {
    for (uint32_t it = 0; it < o.n_sub_iterations; ++it) {
      std::vector<double> expected = trainer.e_step(*model, sentences);
      pieces = trainer.m_step(pieces, expected);
      model = std::make_unique<Model>(pieces);
    }
    if (pieces.size() <= desired) break;
    pieces = trainer.prune(*model, pieces, sentences);
    model = std::make_unique<Model>(pieces);
  }
  return trainer.finalize(*model, required);
}

}  // namespace hfcpp::tokenizers
