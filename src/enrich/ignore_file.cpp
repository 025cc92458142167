// Ignore files: Bulwark's YAML, Trivy's .trivyignore.yaml and Trivy's plain
// .trivyignore. Every entry keeps the line it came from, so that messages about
// it (an expired entry, an unknown key) point at the line to edit.
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "enrich/enrich.hpp"
#include "enrich/internal.hpp"

namespace bulwark::enrich {

namespace {

using detail::date_part;

constexpr size_t kMaxRules = 100'000;

std::string at_line(const std::string& path, int line) { return path + ": line " + std::to_string(line); }

// ---- plain text: one id per line ------------------------------------------

Result<IgnoreFile> parse_text(std::string_view text, const std::string& path) {
  IgnoreFile file;
  file.path = path;
  std::string comment;  // the comment block right above an entry is its reason
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    std::string_view line = trim(raw);
    if (line.empty()) {
      comment.clear();
      continue;
    }
    if (line[0] == '#') {
      std::string_view c = trim(line.substr(1));
      if (!c.empty()) comment += (comment.empty() ? "" : " ") + std::string(c);
      continue;
    }
    if (line.size() > limits().max_path_length)
      return Error(ErrorCode::kLimitExceeded, "line longer than " + std::to_string(limits().max_path_length) + " bytes",
                   at_line(path, line_no));
    IgnoreRule rule;
    rule.line = line_no;
    rule.reason = comment;
    comment.clear();
    std::istringstream fields{std::string(line)};
    std::string field;
    fields >> rule.id;
    while (fields >> field) {
      if (field[0] == '#') break;  // the rest of the line is a comment
      if (starts_with(field, "exp:")) {
        std::string date = field.substr(4);
        if (!detail::valid_date(date))
          return Error(ErrorCode::kCorrupt, "'" + field + "' is not exp:YYYY-MM-DD", at_line(path, line_no));
        rule.expires = date;
      } else {
        file.warnings.push_back(make_warning(path, line_no, "unknown field '" + field + "' after " + rule.id + " ignored"));
      }
    }
    if (file.rules.size() >= kMaxRules)
      return Error(ErrorCode::kLimitExceeded, "more than " + std::to_string(kMaxRules) + " entries", at_line(path, line_no));
    file.rules.push_back(std::move(rule));
  }
  return file;
}

// ---- YAML -------------------------------------------------------------------

int line_of(const YAML::Node& n) { return n.Mark().is_null() ? 0 : n.Mark().line + 1; }

struct YamlError {
  int line;
  std::string message;
};

std::string scalar(const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) throw YamlError{line_of(n), "'" + key + "' must be a string"};
  return n.Scalar();
}

// A string or a list of strings.
std::vector<std::string> strings(const YAML::Node& n, const std::string& key) {
  std::vector<std::string> out;
  if (n.IsNull()) return out;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
    return out;
  }
  if (!n.IsSequence()) throw YamlError{line_of(n), "'" + key + "' must be a string or a list of strings"};
  for (const auto& item : n) {
    if (!item.IsScalar()) throw YamlError{line_of(item), "'" + key + "' entries must be strings"};
    out.push_back(item.Scalar());
  }
  return out;
}

std::optional<FindingKind> kind_of_list(const std::string& key) {
  if (key == "vulnerabilities") return FindingKind::kVulnerability;
  if (key == "misconfigurations") return FindingKind::kMisconfiguration;
  if (key == "secrets") return FindingKind::kSecret;
  return std::nullopt;
}

void parse_entry(const YAML::Node& n, std::optional<FindingKind> kind, IgnoreFile& file) {
  IgnoreRule rule;
  rule.kind = kind;
  rule.line = line_of(n);
  if (n.IsScalar()) {  // "- CVE-2023-1234": an id alone
    rule.id = n.Scalar();
  } else if (n.IsMap()) {
    for (const auto& kv : n) {
      if (!kv.first.IsScalar()) throw YamlError{line_of(kv.first), "keys must be strings"};
      const std::string key = kv.first.Scalar();
      const YAML::Node& v = kv.second;
      if (key == "id") {
        rule.id = scalar(v, key);
      } else if (key == "package" || key == "packages" || key == "purl" || key == "purls") {
        for (auto& s : strings(v, key)) rule.packages.push_back(std::move(s));
      } else if (key == "path" || key == "paths") {
        for (auto& s : strings(v, key)) {
          if (s.size() > limits().max_path_length) throw YamlError{line_of(v), "path pattern too long"};
          rule.paths.push_back(std::move(s));
        }
      } else if (key == "reason" || key == "statement") {
        rule.reason = scalar(v, key);
      } else if (key == "expires" || key == "expired_at") {
        std::string text = scalar(v, key);
        auto date = date_part(text);
        if (!date) throw YamlError{line_of(v), "'" + key + "' must be a date YYYY-MM-DD, not '" + text + "'"};
        rule.expires = *date;
      } else if (key == "kind" && !kind) {
        auto k = parse_finding_kind(scalar(v, key));
        if (!k) throw YamlError{line_of(v), "unknown kind '" + v.Scalar() + "'"};
        rule.kind = k;
      } else {
        file.warnings.push_back(make_warning(file.path, line_of(kv.first), "unknown key '" + key + "' ignored"));
      }
    }
  } else {
    throw YamlError{rule.line, "an entry must be a mapping with an 'id' (or an id alone)"};
  }
  if (trim(rule.id).empty()) throw YamlError{rule.line, "entry without an 'id'"};
  rule.id = std::string(trim(rule.id));
  if (file.rules.size() >= kMaxRules) throw YamlError{rule.line, "more than " + std::to_string(kMaxRules) + " entries"};
  file.rules.push_back(std::move(rule));
}

void parse_list(const YAML::Node& n, const std::string& key, std::optional<FindingKind> kind, IgnoreFile& file) {
  if (n.IsNull()) return;
  if (!n.IsSequence()) throw YamlError{line_of(n), "'" + key + "' must be a list"};
  for (const auto& entry : n) parse_entry(entry, kind, file);
}

Result<IgnoreFile> parse_yaml(std::string_view text, const std::string& path) {
  IgnoreFile file;
  file.path = path;
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (root.IsNull()) return file;  // an empty file ignores nothing
    if (root.IsSequence()) {
      parse_list(root, "ignores", std::nullopt, file);
    } else if (root.IsMap()) {
      for (const auto& kv : root) {
        if (!kv.first.IsScalar()) throw YamlError{line_of(kv.first), "keys must be strings"};
        const std::string key = kv.first.Scalar();
        if (key == "ignores") {
          parse_list(kv.second, key, std::nullopt, file);
        } else if (auto kind = kind_of_list(key)) {
          parse_list(kv.second, key, kind, file);
        } else if (key == "licenses") {
          file.warnings.push_back(make_warning(path, line_of(kv.first),
                                          "'licenses' entries are not used: Bulwark reports no licence findings"));
        } else {
          file.warnings.push_back(make_warning(path, line_of(kv.first), "unknown key '" + key + "' ignored"));
        }
      }
    } else {
      throw YamlError{line_of(root), "expected a mapping (ignores:, vulnerabilities:, …) or a list of entries"};
    }
  } catch (const YamlError& e) {
    return Error(ErrorCode::kCorrupt, e.message, at_line(path, e.line));
  } catch (const YAML::Exception& e) {
    // e.msg is the reason without yaml-cpp's own "yaml-cpp: error at line…" prefix.
    int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    std::string where = line > 0 ? at_line(path, line) + " column " + std::to_string(e.mark.column + 1) : path;
    return Error(ErrorCode::kCorrupt, "invalid YAML: " + e.msg, where);
  }
  return file;
}

// Files not named *.yaml: YAML when the first meaningful line is a key, a list
// item or a document start; Trivy's plain format otherwise (an id never
// contains ": " and never ends in ':').
bool looks_like_yaml(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = trim(text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (line.empty() || line[0] == '#') continue;
    return line == "---" || line == "-" || starts_with(line, "- ") || line.back() == ':' ||
           line.find(": ") != std::string_view::npos || line[0] == '{' || line[0] == '[';
  }
  return false;
}

}  // namespace

Result<IgnoreFile> parse_ignore_file(std::string_view text, const std::string& path) {
  if (text.size() > limits().max_metadata_bytes)
    return Error(ErrorCode::kLimitExceeded,
                 "ignore file larger than " + std::to_string(limits().max_metadata_bytes) + " bytes", path);
  std::string lower = to_lower(path);
  if (ends_with(lower, ".yaml") || ends_with(lower, ".yml") || looks_like_yaml(text)) return parse_yaml(text, path);
  return parse_text(text, path);
}

Result<IgnoreFile> load_ignore_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return Error(ErrorCode::kNotFound, "ignore file not found (or not a regular file)", path);
  auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > limits().max_metadata_bytes)
    return Error(ErrorCode::kLimitExceeded,
                 "ignore file larger than " + std::to_string(limits().max_metadata_bytes) + " bytes", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kIo, "cannot read the ignore file", path);
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Error(ErrorCode::kIo, "cannot read the ignore file", path);
  return parse_ignore_file(buf.str(), path);
}

std::optional<std::string> default_ignore_file(const std::string& dir) {
  for (const char* name : {".bulwarkignore.yaml", ".bulwarkignore.yml", ".bulwarkignore"}) {
    std::filesystem::path p = std::filesystem::path(dir) / name;
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec)) return dir == "." ? std::string(name) : p.string();
  }
  return std::nullopt;
}

}  // namespace bulwark::enrich
