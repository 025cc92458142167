// Ignore files, OpenVEX and the gate's filters.
#include "enrich/enrich.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <ctime>
#include <fnmatch.h>
#include <fstream>
#include <sstream>

#include "core/json.hpp"

namespace bulwark::enrich {
namespace {

// Ignore files and VEX documents are small; anything bigger is a mistake.
constexpr size_t kMaxDocumentBytes = 16u << 20;
constexpr size_t kMaxEntries = 100000;

Result<std::string> read_document(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kNotFound, "cannot open file", path);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (data.size() > kMaxDocumentBytes)
    return Error(ErrorCode::kLimitExceeded, "file is larger than " + std::to_string(kMaxDocumentBytes) + " bytes", path);
  return data;
}

bool is_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

std::string today_utc() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// "pkg:npm/lodash@4.17.15?x=y#z" -> "pkg:npm/lodash@4.17.15"
std::string strip_qualifiers(std::string_view purl) {
  size_t cut = purl.find_first_of("?#");
  return std::string(purl.substr(0, cut));
}
std::string strip_version(std::string_view purl) {
  std::string p = strip_qualifiers(purl);
  size_t slash = p.rfind('/');
  size_t at = p.find('@', slash == std::string::npos ? 0 : slash);
  return at == std::string::npos ? p : p.substr(0, at);
}

bool names_finding(const Finding& f, const std::string& id) {
  if (id.empty()) return false;
  if (f.id == id) return true;
  return std::find(f.aliases.begin(), f.aliases.end(), id) != f.aliases.end();
}

// A package selector from an ignore entry or a VEX product: a purl (with or
// without version; qualifiers ignored) or a bare package name.
bool names_package(const Finding& f, const std::string& sel) {
  if (sel.empty()) return false;
  if (sel.rfind("pkg:", 0) != 0) return sel == f.package_name;
  if (f.package_purl.empty()) return false;
  std::string want = strip_qualifiers(sel), have = strip_qualifiers(f.package_purl);
  if (want == have) return true;
  // A purl without a version names every version of the package.
  return want == strip_version(want) && strip_version(have) == want;
}

std::vector<std::string> yaml_strings(const YAML::Node& n) {
  std::vector<std::string> out;
  if (!n) return out;
  if (n.IsScalar()) out.push_back(n.as<std::string>());
  else if (n.IsSequence())
    for (const auto& v : n)
      if (v.IsScalar()) out.push_back(v.as<std::string>());
  return out;
}

Result<IgnoreRule> yaml_rule(const YAML::Node& n, const std::string& name) {
  std::string where = name + ":" + std::to_string(n.Mark().line + 1);
  IgnoreRule r;
  r.where = where;
  if (n.IsScalar()) {
    r.id = n.as<std::string>();
    return r;
  }
  if (!n.IsMap()) return Error(ErrorCode::kCorrupt, "an ignore entry must be a mapping with an id", where);
  for (const auto& kv : n) {
    std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (key == "id") r.id = v.IsScalar() ? v.as<std::string>() : "";
    else if (key == "paths" || key == "path") for (auto& s : yaml_strings(v)) r.paths.push_back(s);
    else if (key == "purls" || key == "package" || key == "packages") for (auto& s : yaml_strings(v)) r.purls.push_back(s);
    else if (key == "statement" || key == "reason") r.reason = v.IsScalar() ? v.as<std::string>() : "";
    else if (key == "expired_at" || key == "expires") r.expires = v.IsScalar() ? v.as<std::string>() : "";
    else log_warn(where + ": unknown key '" + key + "' in ignore entry (ignored)");
  }
  if (r.id.empty()) return Error(ErrorCode::kCorrupt, "ignore entry has no id", where);
  if (!r.expires.empty() && !is_date(r.expires))
    return Error(ErrorCode::kCorrupt, "expires '" + r.expires + "' is not a YYYY-MM-DD date", where);
  return r;
}

bool path_matches(const std::vector<std::string>& globs, const std::string& path) {
  if (globs.empty()) return true;
  for (const auto& g : globs) {
    std::string pattern = g.front() == '/' ? g.substr(1) : g;
    if (fnmatch(pattern.c_str(), path.c_str(), 0) == 0) return true;
    // A directory names everything below it.
    if (path.rfind(pattern + "/", 0) == 0) return true;
  }
  return false;
}

}  // namespace

Result<std::vector<IgnoreRule>> parse_ignore_file(std::string_view text, const std::string& name) {
  std::vector<IgnoreRule> out;
  bool yaml = ends_with(name, ".yaml") || ends_with(name, ".yml");
  if (!yaml) {
    // Trivy's plain form: "ID [exp:YYYY-MM-DD]" per line, # comments.
    std::istringstream in{std::string(text)};
    std::string line;
    for (int no = 1; std::getline(in, line); ++no) {
      if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
      std::istringstream words(line);
      IgnoreRule r;
      r.where = name + ":" + std::to_string(no);
      for (std::string w; words >> w;) {
        if (w.rfind("exp:", 0) == 0) {
          r.expires = w.substr(4);
          if (!is_date(r.expires)) return Error(ErrorCode::kCorrupt, "exp:" + r.expires + " is not a YYYY-MM-DD date", r.where);
        } else if (r.id.empty()) {
          r.id = w;
        } else {
          return Error(ErrorCode::kCorrupt, "unexpected '" + w + "' after the id", r.where);
        }
      }
      if (!r.id.empty()) out.push_back(std::move(r));
      if (out.size() > kMaxEntries) return Error(ErrorCode::kLimitExceeded, "too many ignore entries", name);
    }
    return out;
  }
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Error(ErrorCode::kCorrupt, "not valid YAML: " + e.msg,
                 name + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1));
  }
  auto add_list = [&](const YAML::Node& list) -> Status {
    if (!list.IsSequence()) return Error(ErrorCode::kCorrupt, "expected a list of ignore entries",
                                         name + ":" + std::to_string(list.Mark().line + 1));
    for (const auto& n : list) {
      auto r = yaml_rule(n, name);
      if (!r) return r.error();
      out.push_back(std::move(*r));
      if (out.size() > kMaxEntries) return Error(ErrorCode::kLimitExceeded, "too many ignore entries", name);
    }
    return {};
  };
  try {
    if (doc.IsNull()) return out;
    if (doc.IsSequence()) {
      if (auto st = add_list(doc); !st) return st.error();
    } else if (doc.IsMap()) {
      for (const auto& kv : doc) {
        std::string key = kv.first.as<std::string>();
        if (key == "vulnerabilities" || key == "misconfigurations" || key == "secrets" || key == "licenses" ||
            key == "ignore") {
          if (kv.second.IsNull()) continue;
          if (auto st = add_list(kv.second); !st) return st.error();
        } else {
          log_warn(name + ":" + std::to_string(kv.first.Mark().line + 1) + ": unknown section '" + key + "' (ignored)");
        }
      }
    } else {
      return Error(ErrorCode::kCorrupt, "an ignore file is a mapping of lists or a list", name);
    }
  } catch (const YAML::Exception& e) {
    return Error(ErrorCode::kCorrupt, e.msg, name + ":" + std::to_string(e.mark.line + 1));
  }
  return out;
}

Result<std::vector<IgnoreRule>> load_ignore_file(const std::string& path) {
  auto text = read_document(path);
  if (!text) return text.error();
  return parse_ignore_file(*text, path);
}

Result<std::vector<VexStatement>> parse_openvex(std::string_view text, const std::string& name) {
  auto doc = parse_json(text, name);
  if (!doc) return doc.error();
  const json& d = *doc;
  if (!d.is_object() || !d.contains("statements") || !d["statements"].is_array())
    return Error(ErrorCode::kCorrupt, "not an OpenVEX document (no statements array)", name);
  std::string ctx = get_string(d, "@context");
  if (!ctx.empty() && ctx.find("openvex") == std::string::npos)
    return Error(ErrorCode::kCorrupt, "@context '" + ctx + "' is not OpenVEX", name);
  std::string doc_time = get_string(d, "timestamp");
  std::vector<VexStatement> out;
  size_t i = 0;
  for (const auto& s : d["statements"]) {
    std::string where = name + ": statements[" + std::to_string(i++) + "]";
    if (!s.is_object()) return Error(ErrorCode::kCorrupt, "statement is not an object", where);
    VexStatement v;
    v.where = where;
    auto add_id = [&](std::vector<std::string>& to, const json& x) {
      if (x.is_string()) to.push_back(x.get<std::string>());
    };
    if (auto it = s.find("vulnerability"); it != s.end()) {
      if (it->is_string()) v.vulnerabilities.push_back(it->get<std::string>());
      else if (it->is_object()) {
        for (const char* k : {"name", "@id"})
          if (auto f = it->find(k); f != it->end()) add_id(v.vulnerabilities, *f);
        if (auto a = it->find("aliases"); a != it->end() && a->is_array())
          for (const auto& x : *a) add_id(v.vulnerabilities, x);
      }
    }
    auto add_product = [&](const json& p) {
      if (p.is_string()) v.products.push_back(p.get<std::string>());
      if (!p.is_object()) return;
      if (auto f = p.find("@id"); f != p.end()) add_id(v.products, *f);
      if (auto ids = p.find("identifiers"); ids != p.end() && ids->is_object())
        if (auto pu = ids->find("purl"); pu != ids->end()) add_id(v.products, *pu);
    };
    if (auto it = s.find("products"); it != s.end() && it->is_array())
      for (const auto& p : *it) {
        add_product(p);
        if (p.is_object())
          if (auto sub = p.find("subcomponents"); sub != p.end() && sub->is_array())
            for (const auto& c : *sub) add_product(c);
      }
    v.status = get_string(s, "status");
    v.justification = get_string(s, "justification");
    v.impact = get_string(s, "impact_statement");
    v.timestamp = get_string(s, "timestamp");
    if (v.timestamp.empty()) v.timestamp = doc_time;
    if (v.vulnerabilities.empty()) return Error(ErrorCode::kCorrupt, "statement names no vulnerability", where);
    static const char* kStatuses[] = {"not_affected", "affected", "fixed", "under_investigation"};
    if (std::find(std::begin(kStatuses), std::end(kStatuses), v.status) == std::end(kStatuses))
      return Error(ErrorCode::kCorrupt, "unknown status '" + v.status + "'", where);
    out.push_back(std::move(v));
    if (out.size() > kMaxEntries) return Error(ErrorCode::kLimitExceeded, "too many statements", name);
  }
  // Later statements win: apply in time order (stable for equal times).
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.timestamp < b.timestamp; });
  return out;
}

Result<std::vector<VexStatement>> load_openvex(const std::string& path) {
  auto text = read_document(path);
  if (!text) return text.error();
  return parse_openvex(*text, path);
}

Status apply(Report& report, const Options& options) {
  const std::string today = options.today.empty() ? today_utc() : options.today;
  for (const auto& file : options.ignore_files) {
    auto rules = load_ignore_file(file);
    if (!rules) return rules.error();
    for (const auto& r : *rules) {
      bool expired = !r.expires.empty() && r.expires < today;
      bool used = false;
      for (auto& f : report.findings) {
        if (f.status != FindingStatus::kOpen || !names_finding(f, r.id) || !path_matches(r.paths, f.location.path))
          continue;
        if (!r.purls.empty() &&
            std::none_of(r.purls.begin(), r.purls.end(), [&](const auto& p) { return names_package(f, p); }))
          continue;
        used = true;
        if (expired) {
          f.attributes["ignore_expired"] = r.expires + " (" + r.where + ")";
          continue;
        }
        f.status = FindingStatus::kIgnored;
        f.status_reason = r.reason.empty() ? "ignored by " + r.where : r.reason;
        f.ignored_until = r.expires;
      }
      if (expired && used) {
        Diagnostic d;
        d.message = "ignore entry for " + r.id + " expired on " + r.expires + "; the finding is reported again";
        d.location.path = r.where;
        report.diagnostics.push_back(std::move(d));
      }
    }
  }
  for (const auto& file : options.vex_files) {
    auto statements = load_openvex(file);
    if (!statements) return statements.error();
    for (const auto& s : *statements)
      for (auto& f : report.findings) {
        if (f.kind != FindingKind::kVulnerability) continue;
        if (std::none_of(s.vulnerabilities.begin(), s.vulnerabilities.end(),
                         [&](const auto& id) { return names_finding(f, id); }))
          continue;
        bool product = std::any_of(s.products.begin(), s.products.end(), [&](const auto& p) {
          return names_package(f, p) || p == report.target.reference ||
                 (!report.target.digest.empty() && p.find(report.target.digest) != std::string::npos);
        });
        if (!product) continue;
        if (s.status == "not_affected") {
          f.status = FindingStatus::kNotAffected;
          f.status_reason = s.justification + (s.impact.empty() ? "" : (s.justification.empty() ? "" : ": ") + s.impact);
          f.attributes["vex"] = s.where;
        } else if (f.status == FindingStatus::kNotAffected && f.attributes.count("vex")) {
          // A later statement says affected/fixed/under investigation again.
          f.status = FindingStatus::kOpen;
          f.status_reason.clear();
          f.attributes["vex"] = s.where;
        }
      }
  }
  auto drop = [&](const Finding& f) {
    if (!options.severities.empty() &&
        std::find(options.severities.begin(), options.severities.end(), f.severity) == options.severities.end())
      return true;
    return options.ignore_unfixed && f.kind == FindingKind::kVulnerability && f.remediation.fixed_versions.empty();
  };
  report.findings.erase(std::remove_if(report.findings.begin(), report.findings.end(), drop), report.findings.end());
  return {};
}

size_t open_findings(const Report& report) {
  return static_cast<size_t>(std::count_if(report.findings.begin(), report.findings.end(),
                                           [](const Finding& f) { return f.status == FindingStatus::kOpen; }));
}

}  // namespace bulwark::enrich
