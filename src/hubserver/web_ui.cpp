// The hub's web pages: "/" lists repositories (search, type, task, library and license filters)
// and "/{prefix}{id}" shows a repository: its rendered model card, files and sizes.
#include <fmt/format.h>

#include "hfcpp/core/error.h"
#include "hub/fs_util.h"
#include "hfcpp/hub/model_card.h"
#include "hubserver/server_internal.h"

namespace hfcpp::hubserver::detail {
namespace {

constexpr const char* kStyle =
    "body{font-family:sans-serif;max-width:960px;margin:2em auto;padding:0 1em}"
    "table{border-collapse:collapse}td,th{padding:2px 12px;text-align:left}"
    ".tag{background:#eee;border-radius:4px;padding:1px 6px;margin-right:4px;font-size:90%}";

std::string page(const std::string& title, const std::string& body) {
  return fmt::format(
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{}</title><style>{}</style></head>"
      "<body><p><a href=\"/\">hfcpp hub</a></p>{}</body></html>",
      html_escape(title), kStyle, body);
}

std::string inline_markdown(const std::string& text) {
  // Escape, then `code`, **bold** and *italic* (no links to keep the page inert).
  std::string e = html_escape(text), out;
  bool code = false, bold = false, italic = false;
  for (size_t i = 0; i < e.size(); ++i) {
    if (e[i] == '`') {
      out += code ? "</code>" : "<code>";
      code = !code;
    } else if (!code && e.compare(i, 2, "**") == 0) {
      out += bold ? "</strong>" : "<strong>";
      bold = !bold;
      ++i;
    } else if (!code && e[i] == '*') {
      out += italic ? "</em>" : "<em>";
      italic = !italic;
    } else {
      out += e[i];
    }
  }
  if (code) out += "</code>";
  if (bold) out += "</strong>";
  if (italic) out += "</em>";
  return out;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format_size(uint64_t bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000 && u < 4) v /= 1000, ++u;
  return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", v, units[u]);
}

// A small Markdown subset: headings, fenced code, lists, paragraphs, inline code/bold/italic.
std::string render_markdown(const std::string& md) {
  std::string out, para;
  bool in_code = false, in_list = false;
  auto flush = [&] {
    if (!para.empty()) out += "<p>" + inline_markdown(para) + "</p>\n";
    para.clear();
  };
  size_t pos = 0;
  while (pos <= md.size()) {
    size_t eol = md.find('\n', pos);
    if (eol == std::string::npos) eol = md.size();
    std::string line = md.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("```", 0) == 0) {
      flush();
      out += in_code ? "</code></pre>\n" : "<pre><code>";
      in_code = !in_code;
      continue;
    }
    if (in_code) {
      out += html_escape(line) + "\n";
      continue;
    }
    bool item = line.rfind("- ", 0) == 0 || line.rfind("* ", 0) == 0;
    if (in_list && !item) {
      out += "</ul>\n";
      in_list = false;
    }
    if (line.empty()) {
      flush();
    } else if (line[0] == '#') {
      flush();
      size_t level = line.find_first_not_of('#');
      if (level == std::string::npos) level = line.size();
      level = std::min<size_t>(level, 6);
      std::string text = line.substr(std::min(line.size(), level + 1));
      out += fmt::format("<h{0}>{1}</h{0}>\n", level, inline_markdown(text));
    } else if (item) {
      flush();
      if (!in_list) out += "<ul>\n";
      in_list = true;
      out += "<li>" + inline_markdown(line.substr(2)) + "</li>\n";
    } else {
      para += (para.empty() ? "" : " ") + line;
    }
  }
  flush();
  if (in_code) out += "</code></pre>\n";
  if (in_list) out += "</ul>\n";
  return out;
}

bool handle_web(Call& call) {
  const auto& s = call.segs;
  const auto& req = call.req;
  if (s.empty() || (s.size() == 1 && s[0].empty())) {
    ListQuery q;
    q.search = req.get_param_value("search");
    std::string type_name = req.has_param("type") ? req.get_param_value("type") : "model";
    RepoType type = type_name == "dataset" ? RepoType::Dataset : RepoType::Model;
    if (auto t = req.get_param_value("task"); !t.empty()) q.pipeline_tag = t;
    if (auto l = req.get_param_value("library"); !l.empty()) q.filters.push_back(l);
    if (auto l = req.get_param_value("license"); !l.empty()) q.filters.push_back("license:" + l);
    q.sort = req.has_param("sort") ? req.get_param_value("sort") : "downloads";
    std::string body = fmt::format(
        "<h1>Repositories</h1><form id=\"search\" method=\"get\" action=\"/\">"
        "<input name=\"search\" placeholder=\"Search\" value=\"{}\"> "
        "<select name=\"type\"><option value=\"model\"{}>models</option><option value=\"dataset\"{}>datasets</option></select> "
        "<input name=\"task\" placeholder=\"task\" value=\"{}\"> <input name=\"library\" placeholder=\"library\" value=\"{}\"> "
        "<input name=\"license\" placeholder=\"license\" value=\"{}\"> <button type=\"submit\">Filter</button></form>"
        "<table id=\"repos\"><tr><th>repository</th><th>task</th><th>downloads</th><th>tags</th></tr>",
        html_escape(q.search), type == RepoType::Model ? " selected" : "", type == RepoType::Dataset ? " selected" : "",
        html_escape(req.get_param_value("task")), html_escape(req.get_param_value("library")),
        html_escape(req.get_param_value("license")));
    for (const auto& st : list_repos(call, type, q)) {
      std::string tags;
      for (const auto& t : hub::card_tags(st.card)) tags += "<span class=\"tag\">" + html_escape(t) + "</span>";
      body += fmt::format("<tr class=\"repo\"><td><a href=\"/{}{}\">{}</a>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                          hub::repo_url_prefix(type), html_escape(st.key.id), html_escape(st.key.id),
                          st.is_private ? " (private)" : "", html_escape(hub::card_field(st.card, "pipeline_tag")),
                          st.downloads, tags);
    }
    body += "</table>";
    call.res.set_content(page("hfcpp hub", body), "text/html; charset=utf-8");
    return true;
  }
  size_t first = 0;
  RepoType type = RepoType::Model;
  if (s[0] == "datasets" || s[0] == "spaces") type = s[0] == "datasets" ? RepoType::Dataset : RepoType::Space, first = 1;
  if (s.size() - first != 1 && s.size() - first != 2) return false;
  RepoKey key{type, join_segments(s, first)};
  RepoState st = require_repo(call, key, false);
  auto head = call.ctx.store.commit(key, st.branches.count("main") ? st.branches.at("main") : "");
  if (!head) fail(404, "RevisionNotFound", "the repository has no main branch");
  std::string body = fmt::format("<h1 id=\"repo-id\">{}</h1><p>", html_escape(key.id));
  for (const auto& t : repo_tags(st, head.get())) body += "<span class=\"tag\">" + html_escape(t) + "</span>";
  body += fmt::format("</p><p>{} downloads · commit <code>{}</code></p>", st.downloads, head->id.substr(0, 7));
  body += "<h2>Files</h2><table id=\"files\"><tr><th>file</th><th>size</th></tr>";
  for (const auto& [path, f] : head->files)
    body += fmt::format("<tr class=\"file\"><td><a href=\"/{}{}/resolve/main/{}\">{}</a>{}</td><td>{}</td></tr>",
                        hub::repo_url_prefix(type), html_escape(key.id), html_escape(hub::url_quote(path, true)),
                        html_escape(path), f.lfs ? " <span class=\"tag\">LFS</span>" : "", format_size(f.size));
  body += "</table>";
  auto readme = head->files.find("README.md");
  if (readme != head->files.end() && readme->second.size < (1u << 20)) {
    std::string text = hub::detail::read_small_file(call.ctx.store.blob_path(readme->second.sha256));
    body += "<h2>Model card</h2><div id=\"card\">" + render_markdown(hub::card_body(text)) + "</div>";
  }
  call.res.set_content(page(key.id, body), "text/html; charset=utf-8");
  return true;
}

}  // namespace hfcpp::hubserver::detail
