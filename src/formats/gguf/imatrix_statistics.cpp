// llama-imatrix --show-statistics: per-weight statistics of the mean squared activations (sum /
// count per column), cosine similarity with the previous layer's same weight, and per-layer
// averages weighted by element counts. Float arithmetic in llama.cpp's order so the tables match.
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <sstream>

#include <fmt/format.h>

#include "hfcpp/formats/imatrix.h"

namespace hfcpp::formats {

namespace {

// "blk.3.attn_q.weight" -> layer "3", short name "attn_q"; otherwise "-" and the whole name.
void split_tensor_name(const std::string& input, std::string& layer, std::string& short_name) {
  std::vector<std::string> parts;
  std::istringstream stream(input);
  for (std::string item; std::getline(stream, item, '.');) parts.push_back(item);
  for (size_t i = 0; i + 1 < parts.size(); ++i)
    if (parts[i] == "blk") {
      layer = parts[i + 1];
      break;
    }
  for (size_t i = 1; i < parts.size(); ++i)
    if (parts[i] == "weight") {
      short_name = parts[i - 1];
      break;
    }
  if (short_name.empty()) short_name = input;
  if (layer.empty()) layer = "-";
}

// The number N of a "blk.N." in the name and where its digits are (std::regex blk\.(\d+)\.).
std::optional<std::pair<size_t, size_t>> block_digits(const std::string& name) {
  for (size_t pos = name.find("blk."); pos != std::string::npos; pos = name.find("blk.", pos + 1)) {
    size_t end = pos + 4;
    while (end < name.size() && std::isdigit(static_cast<unsigned char>(name[end]))) ++end;
    if (end > pos + 4 && end < name.size() && name[end] == '.') return std::pair{pos + 4, end - pos - 4};
  }
  return std::nullopt;
}

float dot(const std::vector<float>& a, const std::vector<float>& b) {
  return std::inner_product(a.begin(), a.end(), b.begin(), 0.0f);
}

}  // namespace

ImatrixStatistics imatrix_statistics(const ImatrixStats& stats) {
  ImatrixStatistics out;
  std::vector<const ImatrixEntry*> raw;  // parallel to out.tensors: the sums, for cosine similarity
  for (const auto& [name, e] : stats.entries()) {
    if (e.counts.empty() || e.sums.size() % e.counts.size() != 0) {
      out.skipped.push_back(name);
      continue;
    }
    const size_t n_mat = e.counts.size(), row = e.sums.size() / n_mat;
    std::vector<float> act;
    act.reserve(e.sums.size());
    for (size_t i = 0; i < n_mat; ++i) {
      if (e.counts[i] == 0) continue;
      for (size_t j = 0; j < row; ++j) act.push_back(e.sums[i * row + j] / static_cast<float>(e.counts[i]));
    }
    if (act.empty()) {
      out.skipped.push_back(name);
      continue;
    }
    ImatrixTensorStats ts;
    ts.tensor = name;
    split_tensor_name(name, ts.layer, ts.short_name);
    const float n = static_cast<float>(act.size());
    ts.total = std::accumulate(act.begin(), act.end(), 0.0f);
    ts.max = *std::max_element(act.begin(), act.end());
    ts.min = *std::min_element(act.begin(), act.end());
    ts.mean = ts.total / n;
    const float var = dot(act, act) / n - ts.mean * ts.mean;
    ts.stddev = std::sqrt(std::max(0.0f, var));
    const auto inactive = std::count_if(act.begin(), act.end(), [](float v) { return std::fabs(v) <= 1e-5f; });
    ts.active = 1 - static_cast<float>(inactive) / n;
    if (ts.total > 0)
      for (float a : act)
        if (const float p = a / ts.total; p > 0) ts.entropy -= p * std::log2(p);
    int z = 0;
    if (ts.stddev > 0.0f)
      for (float a : act)
        if ((a - ts.mean) / ts.stddev > 1) ++z;
    ts.elements = static_cast<int>(act.size());
    ts.zd = static_cast<float>(z) / static_cast<float>(ts.elements);
    ts.entropy_norm = static_cast<float>(100.0 * (ts.entropy / std::log2(static_cast<double>(ts.elements))));
    out.tensors.push_back(std::move(ts));
    raw.push_back(&e);
  }
  for (size_t i = 0; i < out.tensors.size(); ++i) {
    const std::string& name = out.tensors[i].tensor;
    const auto digits = block_digits(name);
    if (!digits) continue;
    std::string prev_name = name;
    prev_name.replace(digits->first, digits->second, std::to_string(std::stoi(name.substr(digits->first, digits->second)) - 1));
    for (size_t k = 0; k < out.tensors.size(); ++k) {
      if (out.tensors[k].tensor != prev_name) continue;
      const auto& cur = raw[i]->sums;
      const auto& prev = raw[k]->sums;
      if (cur.size() != prev.size()) break;
      out.tensors[i].cossim = dot(cur, prev) / (std::sqrt(dot(cur, cur)) * std::sqrt(dot(prev, prev)));
      break;
    }
  }
  std::sort(out.tensors.begin(), out.tensors.end(), [](const ImatrixTensorStats& a, const ImatrixTensorStats& b) {
    return a.short_name < b.short_name || (a.short_name == b.short_name && a.total > b.total);
  });
  struct Weighted {
    float total = 0, zd = 0, cossim = 0;
    int elements = 0;
  };
  std::map<int, Weighted> by_layer;
  for (const auto& ts : out.tensors) {
    int layer = -1;
    try {
      layer = std::stoi(ts.layer);
    } catch (const std::exception&) {
    }
    Weighted& w = by_layer[layer];
    w.total += static_cast<float>(ts.elements) * ts.total;
    w.zd += static_cast<float>(ts.elements) * ts.zd;
    w.cossim += static_cast<float>(ts.elements) * ts.cossim;
    w.elements += ts.elements;
  }
  for (const auto& [layer, w] : by_layer) {
    if (layer < 0 || w.elements == 0) continue;
    const float n = static_cast<float>(w.elements);
    out.layers.push_back({layer, w.total / n, w.zd / n, w.cossim / n});
  }
  return out;
}

std::string format_imatrix_statistics(const ImatrixStatistics& s, const std::string& file_name) {
  std::string out = fmt::format("\nComputing statistics for {} ({} tensors)\n", file_name, s.tensors.size());
  out += fmt::format("\n{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", " Layer", "       Tensor",
                     "          Σ(Act²)", "  Min", "            Max", "           μ", "   σ", " % Active", "N",
                     "   Entropy", "E (norm)", "ZD", "  CosSim");
  out += std::string(169, '=') + "\n";
  for (const auto& t : s.tensors)
    out += fmt::format("{:>5}\t{:<20}\t{:10.2f}\t{:8.4f}\t{:11.4f}\t{:6.2f}\t{:6.2f}\t{:8.2f}%\t{:6d}\t{:10.4f}\t{:6.2f}%\t"
                       "{:10.2f}%\t{:8.4f}\n",
                       t.layer, t.short_name, t.total, t.min, t.max, t.mean, t.stddev, t.active * 100.0f, t.elements,
                       t.entropy, t.entropy_norm, 100.0f * t.zd, t.cossim);
  out += fmt::format("\nComputing weighted average statistics per layer ({} layers)\n", s.layers.size());
  out += fmt::format("\n{}\t{}\t{}\t{}\n", "  Layer", "     μΣ(Act²)", "      μZD", "μCosSim");
  out += std::string(48, '=') + "\n";
  for (const auto& l : s.layers)
    out += fmt::format("{:5d}\t{:14.2f}\t{:10.4f}%\t{:6.4f}\n", l.layer, l.total, 100.0f * l.zd, l.cossim);
  return out;
}

}  // namespace hfcpp::formats
