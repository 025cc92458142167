// Alpine secdb importer: the secfixes database of one release and repository
// (https://secdb.alpinelinux.org/v3.NN/main.json, and the older YAML files of
// the alpine-secdb repository, same structure). Each secfixes key is the apk
// version of the origin package that fixes the listed vulnerabilities in that
// release; the key "0" says the package was never affected. One Advisory per
// vulnerability id per file, with one affected entry per (package, version).
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <map>

#include "core/json.hpp"
#include "version/version.hpp"
#include "vulndb/importers/importers.hpp"
#include "vulndb/vulndb.hpp"

namespace bulwark::vulndb {
namespace {

// The document reduced to what we use, from either syntax.
struct Secfix {
  std::string version;             // the secfixes key
  std::vector<std::string> lines;  // its entries as written
};
struct SecdbPackage {
  std::string name;
  std::vector<Secfix> fixes;
};
struct Secdb {
  std::string distroversion;
  std::vector<SecdbPackage> packages;
};

// Bounds a hostile YAML document (aliases can repeat a subtree many times).
constexpr size_t kMaxEntries = 2'000'000;

Result<Secdb> from_json(const json& doc) {
  if (!doc.is_object()) return Error(ErrorCode::kCorrupt, "not a secdb document (expected an object)");
  Secdb out;
  out.distroversion = get_string(doc, "distroversion");
  auto pk = doc.find("packages");
  if (pk == doc.end() || !pk->is_array()) return Error(ErrorCode::kCorrupt, "no 'packages' array");
  for (size_t i = 0; i < pk->size(); ++i) {
    const json& p = (*pk)[i];
    const json* pkg = p.is_object() && p.contains("pkg") ? &p["pkg"] : nullptr;
    SecdbPackage sp;
    if (pkg && pkg->is_object()) {
      sp.name = get_string(*pkg, "name");
      auto sf = pkg->find("secfixes");
      if (sf != pkg->end() && sf->is_object())
        for (auto it = sf->begin(); it != sf->end(); ++it) {
          Secfix f{it.key(), {}};
          if (it->is_array())
            for (const auto& l : *it)
              f.lines.push_back(l.is_string() ? l.get<std::string>() : l.dump());
          else if (it->is_string())
            f.lines.push_back(it->get<std::string>());
          sp.fixes.push_back(std::move(f));
        }
    }
    out.packages.push_back(std::move(sp));
  }
  return out;
}

Result<Secdb> from_yaml(const YAML::Node& doc) {
  if (!doc.IsMap()) return Error(ErrorCode::kCorrupt, "not a secdb document (expected a mapping)");
  Secdb out;
  if (doc["distroversion"] && doc["distroversion"].IsScalar()) out.distroversion = doc["distroversion"].Scalar();
  const YAML::Node pk = doc["packages"];
  if (pk && pk.IsNull()) return out;  // "packages:" with nothing under it: a release without fixes
  if (!pk || !pk.IsSequence()) return Error(ErrorCode::kCorrupt, "no 'packages' sequence");
  size_t entries = 0;
  for (const auto& p : pk) {
    SecdbPackage sp;
    const YAML::Node pkg = p.IsMap() ? p["pkg"] : YAML::Node();
    if (pkg && pkg.IsMap()) {
      if (pkg["name"] && pkg["name"].IsScalar()) sp.name = pkg["name"].Scalar();
      const YAML::Node sf = pkg["secfixes"];
      if (sf && sf.IsMap())
        for (const auto& kv : sf) {
          if (!kv.first.IsScalar()) continue;
          Secfix f{kv.first.Scalar(), {}};
          if (kv.second.IsSequence()) {
            for (const auto& l : kv.second) {
              if (++entries > kMaxEntries) return Error(ErrorCode::kLimitExceeded, "more than 2,000,000 secfixes entries");
              f.lines.push_back(l.IsScalar() ? l.Scalar() : std::string("<not a string>"));
            }
          } else if (kv.second.IsScalar()) {
            f.lines.push_back(kv.second.Scalar());
          }
          sp.fixes.push_back(std::move(f));
        }
    }
    out.packages.push_back(std::move(sp));
  }
  return out;
}

std::string upper(std::string_view s) {
  std::string o(s);
  for (char& c : o) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return o;
}

bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// "CVE-2020-1234" (any case) -> canonical. Also accepts what Alpine's files
// really contain: "CVE-2017-17434-1" (one CVE fixed in parts), "CVE_2019-2426",
// "CVE-2019-19451.patch". Empty when not a CVE id.
std::string cve_id(std::string_view tok) {
  if (tok.size() < 13 || upper(tok.substr(0, 3)) != "CVE" || (tok[3] != '-' && tok[3] != '_')) return {};
  std::string_view year = tok.substr(4, 4), rest = tok.substr(8);
  if (!is_digits(year) || rest.empty() || rest[0] != '-') return {};
  rest.remove_prefix(1);
  size_t end = 0;
  while (end < rest.size() && std::isdigit(static_cast<unsigned char>(rest[end]))) ++end;
  std::string_view num = rest.substr(0, end), tail = rest.substr(end);
  if (num.size() < 4 || num.size() > 10) return {};
  if (!tail.empty() && !(tail[0] == '-' && is_digits(tail.substr(1))) && !(tail[0] == '.' || tail[0] == ':' || tail[0] == ';'))
    return {};
  return "CVE-" + std::string(year) + "-" + std::string(num);
}

// Other vulnerability ids Alpine lists: Xen XSA-NNN, Talos TALOS-YYYY-NNNN,
// GitHub GHSA-xxxx-xxxx-xxxx, Wireshark wnpa-sec-YYYY-NN, Zabbix ZBX-NNNNN. Returned upper-case prefix, as given otherwise.
std::string other_id(std::string_view tok) {
  for (std::string_view prefix : {"XSA-", "TALOS-", "GHSA-", "WNPA-SEC-", "ZBX-"}) {
    if (tok.size() > prefix.size() && upper(tok.substr(0, prefix.size())) == prefix && tok.size() <= 64) {
      std::string_view rest = tok.substr(prefix.size());
      for (char c : rest)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return {};
      return std::string(prefix) + std::string(rest);
    }
  }
  return {};
}

struct LineIds {
  std::vector<std::string> ids;
  std::string junk;  // text that is none of the known ids
};

// One secfixes entry: ids separated by whitespace or commas, optionally with
// a trailing comment ("# ..." or free text in parentheses).
LineIds parse_line(std::string_view text) {
  LineIds out;
  // "CVE 2018-16859": a space for the dash.
  std::string joined(text);
  for (size_t p = 0; (p = joined.find(' ', p)) != std::string::npos; ++p)
    if (p >= 3 && upper(joined.substr(p - 3, 3)) == "CVE" && p + 1 < joined.size() &&
        std::isdigit(static_cast<unsigned char>(joined[p + 1])) && (p == 3 || joined[p - 4] == ' '))
      joined[p] = '-';
  std::string_view line = joined;
  std::vector<std::string> cves, others;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (std::isspace(static_cast<unsigned char>(line[i])) || line[i] == ',')) ++i;
    if (i >= line.size() || line[i] == '#') break;
    size_t j = i;
    while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j])) && line[j] != ',') ++j;
    std::string_view tok = line.substr(i, j - i);
    i = j;
    if (auto c = cve_id(tok); !c.empty()) {
      cves.push_back(std::move(c));
    } else if (auto o = other_id(tok); !o.empty()) {
      others.push_back(std::move(o));
    } else if (!tok.empty() && tok[0] == '(') {
      break;  // a comment in parentheses ends the ids
    } else {
      if (!out.junk.empty()) out.junk += ' ';
      out.junk += std::string(tok.substr(0, 64));
    }
  }
  // A CVE line's other ids (XSA-214 beside CVE-2017-8904) name the same
  // vulnerability; they are not stored as aliases because one XSA covers
  // several CVEs, and alias merging would fold those CVEs into one.
  out.ids = cves.empty() ? others : cves;
  return out;
}

// "1.7.5.-r1" -> "1.7.5-r1", "0.8.21.r2" -> "0.8.21-r2"; empty when neither.
std::string repair_version(const std::string& v) {
  size_t p = v.rfind(".-r");
  if (p != std::string::npos) return v.substr(0, p) + v.substr(p + 1);
  p = v.rfind(".r");
  if (p != std::string::npos && p + 2 < v.size() && is_digits(std::string_view(v).substr(p + 2)))
    return v.substr(0, p) + "-r" + v.substr(p + 2);
  return {};
}

// "v3.18" from distroversion, or from a "/v3.18/" directory in the path.
std::string release_of(const Secdb& db, const std::string& where) {
  if (!db.distroversion.empty()) return db.distroversion;
  for (size_t p = where.find("v3."); p != std::string::npos; p = where.find("v3.", p + 1)) {
    if (p > 0 && where[p - 1] != '/' && where[p - 1] != '!') continue;
    size_t e = where.find('/', p);
    if (e == std::string::npos) continue;
    return where.substr(p, e - p);
  }
  return {};
}

void import_secdb(const Secdb& db, const std::string& where, ImportContext& ctx) {
  std::string rel_text = release_of(db, where);
  if (rel_text.empty()) return ctx.problem(where, "no 'distroversion' (and no v3.NN directory in the path)");
  auto eco = parse_ecosystem("Alpine:" + rel_text);
  if (!eco) return ctx.problem(where, "distroversion '" + rel_text.substr(0, 40) + "': " + eco.error().message);

  // Records keep the order in which their ids first appear.
  std::map<std::string, size_t> index;
  std::vector<Advisory> out;
  for (size_t pi = 0; pi < db.packages.size(); ++pi) {
    const SecdbPackage& p = db.packages[pi];
    std::string pwhere = where + " packages[" + std::to_string(pi) + "]";
    if (p.name.empty()) {
      ctx.problem(pwhere, "package without 'pkg.name'");
      continue;
    }
    pwhere += " (" + p.name + ")";
    for (const Secfix& f : p.fixes) {
      std::string fwhere = pwhere + " secfixes '" + f.version.substr(0, 64) + "'";
      bool never = f.version == "0";
      std::string fixed_version = f.version;
      if (!never) {
        auto v = version::parse(version::Scheme::kApk, fixed_version);
        if (!v) {
          // Typos seen in the real files: "0.8.21.r2" and "1.7.5.-r1" for
          // "0.8.21-r2" / "1.7.5-r1". Repaired with a warning; others skipped.
          std::string repaired = repair_version(fixed_version);
          if (!repaired.empty() && version::parse(version::Scheme::kApk, repaired)) {
            ctx.warning(fwhere, "not an apk version, read as '" + repaired + "'");
            fixed_version = repaired;
            v = version::parse(version::Scheme::kApk, repaired);
          }
        }
        if (!v) {
          std::string entries;
          for (size_t i = 0; i < f.lines.size() && i < 8; ++i) entries += (i ? ", " : "") + f.lines[i].substr(0, 40);
          if (f.lines.size() > 8) entries += ", ...";
          ctx.problem(fwhere, "not an apk version: " + v.error().message + "; skipped its entries: " + entries);
          continue;
        }
      }
      for (const std::string& line : f.lines) {
        LineIds ids = parse_line(line);
        if (ids.ids.empty()) {
          ctx.problem(fwhere, "entry '" + line.substr(0, 80) + "' names no vulnerability id");
          continue;
        }
        if (!ids.junk.empty()) ctx.warning(fwhere, "entry '" + line.substr(0, 80) + "': ignored '" + ids.junk + "'");
        for (const std::string& id : ids.ids) {
          auto [it, fresh] = index.emplace(id, out.size());
          if (fresh) {
            Advisory a;
            a.id = id;
            a.origin = "alpine";
            a.location = where;
            out.push_back(std::move(a));
          }
          Advisory& a = out[it->second];
          bool dup = false;
          for (const auto& e : a.affected) dup = dup || (e.package == p.name && (e.fixed.empty() ? never : !never && e.fixed[0] == fixed_version));
          if (dup) continue;
          AffectedEntry e;
          e.ecosystem = eco->ecosystem;
          e.release = eco->release;
          e.variant = eco->variant;
          e.package = normalize_package_name(e.ecosystem, p.name);
          e.versions_json = "[]";
          if (never) {
            // No version range: the package was never affected in this release.
            e.ranges_json = "[]";
            e.status = "not_affected";
            e.matchable = false;
          } else {
            e.ranges_json = json::array({{{"type", "ECOSYSTEM"},
                                          {"events", json::array({{{"introduced", "0"}}, {{"fixed", fixed_version}}})}}})
                                .dump();
            e.fixed.push_back(fixed_version);
            e.status = "fixed";
          }
          a.affected.push_back(std::move(e));
        }
      }
    }
  }
  for (auto& a : out) ctx.add(std::move(a));
}

}  // namespace

void import_alpine_secdb_document(std::string_view text, const std::string& where, ImportContext& ctx) {
  size_t first = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (first == std::string_view::npos) return ctx.problem(where, "empty file");
  Result<Secdb> db = Error(ErrorCode::kCorrupt, "unparsed");
  if (text[first] == '{') {
    auto doc = parse_json(text, where);
    if (!doc) return ctx.problem(doc.error().where.empty() ? where : doc.error().where, doc.error().message);
    try {
      db = from_json(*doc);
    } catch (const std::exception& e) {
      return ctx.problem(where, std::string("malformed secdb JSON: ") + e.what());
    }
  } else {
    try {
      db = from_yaml(YAML::Load(std::string(text)));
    } catch (const YAML::Exception& e) {
      return ctx.problem(where + ": line " + std::to_string(e.mark.line + 1) + " column " + std::to_string(e.mark.column + 1),
                         e.msg);
    } catch (const std::exception& e) {
      return ctx.problem(where, std::string("malformed secdb YAML: ") + e.what());
    }
  }
  if (!db) return ctx.problem(where, "not an Alpine secdb: " + db.error().message);
  import_secdb(*db, where, ctx);
}

namespace feeds {

int sniff_alpine_secdb(std::string_view, std::string_view head) {
  bool packages = contains(head, "packages");
  if (packages && (contains(head, "secfixes") || contains(head, "distroversion")))
    return 30;
  return 0;
}

}  // namespace feeds
}  // namespace bulwark::vulndb
