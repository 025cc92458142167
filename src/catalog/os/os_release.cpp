// OS detection from release files: os-release first, the distribution's own
// release file to refine it or when os-release is missing.
#include <algorithm>
#include <cctype>
#include <map>
#include <regex>

#include "catalog/os/analyzers.hpp"

namespace bulwark::catalog {

namespace {

constexpr size_t kMaxReleaseFile = 64 * 1024;

// Release files the analyzer reads, in order of precedence: os-release first,
// then the vendor's own file before the generic ones that derivatives copy
// (Oracle Linux's redhat-release names Red Hat; Ubuntu ships a debian_version
// saying "bookworm/sid"), so that the first family found is the right one.
const char* const kReleaseFiles[] = {
    "etc/os-release",        "usr/lib/os-release",   "etc/lsb-release",      "etc/oracle-release",
    "etc/centos-release",    "etc/rocky-release",    "etc/almalinux-release", "etc/fedora-release",
    "etc/photon-release",    "etc/mariner-release",  "etc/azurelinux-release", "etc/SuSE-release",
    "etc/alpine-release",    "etc/system-release",   "etc/redhat-release",   "etc/debian_version",
};

// os-release ID -> Bulwark family.
const std::map<std::string, std::string>& id_families() {
  static const std::map<std::string, std::string> m = {
      {"debian", "debian"},           {"ubuntu", "ubuntu"},
      {"alpine", "alpine"},           {"wolfi", "wolfi"},
      {"chainguard", "chainguard"},   {"rhel", "redhat"},
      {"centos", "centos"},           {"rocky", "rocky"},
      {"almalinux", "alma"},          {"fedora", "fedora"},
      {"amzn", "amazon"},             {"opensuse-leap", "opensuse-leap"},
      {"opensuse", "opensuse-leap"},  {"opensuse-tumbleweed", "opensuse-tumbleweed"},
      {"sles", "sles"},               {"sles_sap", "sles"},
      {"sle-micro", "sle-micro"},     {"sle-micro-rancher", "sle-micro"},
      {"sl-micro", "sle-micro"},      {"photon", "photon"},
      {"ol", "oracle"},               {"mariner", "cbl-mariner"},
      {"azurelinux", "azurelinux"},   {"bottlerocket", "bottlerocket"},
      {"echo", "echo"},               {"minimos", "minimos"},
  };
  return m;
}

// End of standard support (not extended/paid support), public facts from the
// vendors' release calendars, checked when written:
//  - Debian, Ubuntu: Debian's distro-info-data 0.58+deb12u7, debian.csv and
//    ubuntu.csv, column "eol" (a copy is in the shared corpus,
//    distro/eol/distro-info-data/).
//  - Alpine: alpinelinux.org/releases, "End of support" column.
//  - RHEL: access.redhat.com/support/policy/updates/errata, end of Maintenance
//    Support; CentOS Linux 7/8 and CentOS Stream 8/9: centos.org end dates;
//    Rocky: rockylinux.org "End of Life"; AlmaLinux: wiki.almalinux.org release
//    notes, "Security Support" end.
//  - Amazon Linux 2 (as extended by AWS in 2023) and 2023: aws.amazon.com FAQs.
//  - Fedora: fedorapeople/fedoraproject.org schedule "End of Life".
// Keyed by family and major (or major.minor) version; "centos-stream" is CentOS
// whose NAME says Stream.
struct EolEntry {
  const char* family;
  const char* version;
  const char* eol;
};
constexpr EolEntry kEol[] = {
    {"debian", "8", "2018-06-17"},   {"debian", "9", "2020-07-18"},   {"debian", "10", "2022-09-10"},
    {"debian", "11", "2024-08-14"},  {"debian", "12", "2026-07-11"},  {"debian", "13", "2028-08-09"},
    {"ubuntu", "16.04", "2021-04-30"}, {"ubuntu", "18.04", "2023-05-31"}, {"ubuntu", "20.04", "2025-05-29"},
    {"ubuntu", "22.04", "2027-06-01"}, {"ubuntu", "24.04", "2029-05-31"}, {"ubuntu", "24.10", "2025-07-10"},
    {"ubuntu", "25.04", "2026-01-15"}, {"ubuntu", "25.10", "2026-07-09"}, {"ubuntu", "26.04", "2031-05-29"},
    {"ubuntu", "26.10", "2027-07-15"},
    {"alpine", "3.14", "2023-05-01"}, {"alpine", "3.15", "2023-11-01"}, {"alpine", "3.16", "2024-05-23"},
    {"alpine", "3.17", "2024-11-22"}, {"alpine", "3.18", "2025-05-09"}, {"alpine", "3.19", "2025-11-01"},
    {"alpine", "3.20", "2026-04-01"}, {"alpine", "3.21", "2026-11-01"}, {"alpine", "3.22", "2027-05-01"},
    {"alpine", "3.23", "2027-11-01"},
    {"redhat", "7", "2024-06-30"},   {"redhat", "8", "2029-05-31"},   {"redhat", "9", "2032-05-31"},
    {"centos", "7", "2024-06-30"},   {"centos", "8", "2021-12-31"},
    {"centos-stream", "8", "2024-05-31"}, {"centos-stream", "9", "2027-05-31"},
    {"rocky", "8", "2029-05-31"},    {"rocky", "9", "2032-05-31"},
    {"alma", "8", "2029-03-01"},     {"alma", "9", "2032-05-31"},
    {"amazon", "2", "2026-06-30"},   {"amazon", "2023", "2029-06-30"},
    {"fedora", "39", "2024-11-26"},  {"fedora", "40", "2025-05-13"},  {"fedora", "41", "2025-12-15"},
};

std::string eol_for(const std::string& family, const std::string& version) {
  // Try the most specific key first: "24.04.1" -> "24.04" -> "24".
  std::string v = version;
  for (;;) {
    for (const auto& e : kEol)
      if (family == e.family && v == e.version) return e.eol;
    size_t dot = v.rfind('.');
    if (dot == std::string::npos) return {};
    v.resize(dot);
  }
}

// The value of an os-release assignment, which follows shell quoting
// (os-release(5)): a value may be double-quoted (with \" \\ \$ \` escapes),
// single-quoted (no escapes), or bare (a backslash escapes the next character);
// quoted and bare pieces may follow each other. Returns false for an
// unterminated quote; `out` then holds what was read.
bool unquote(std::string_view v, std::string& out) {
  v = trim(v);
  out.clear();
  size_t i = 0;
  while (i < v.size()) {
    char c = v[i];
    if (c == '"') {
      ++i;
      for (;;) {
        if (i >= v.size()) return false;
        if (v[i] == '"') break;
        if (v[i] == '\\' && i + 1 < v.size() && std::string_view("\"\\$`").find(v[i + 1]) != std::string_view::npos)
          ++i;
        out.push_back(v[i++]);
      }
      ++i;
    } else if (c == '\'') {
      size_t end = v.find('\'', i + 1);
      if (end == std::string_view::npos) {
        out.append(v.substr(i + 1));
        return false;
      }
      out.append(v.substr(i + 1, end - i - 1));
      i = end + 1;
    } else if (c == '\\' && i + 1 < v.size()) {
      out.push_back(v[i + 1]);
      i += 2;
    } else {
      // Bare words: real files sometimes leave spaces unquoted ("NAME=Foo Linux");
      // keep them rather than cut the value.
      out.push_back(c);
      ++i;
    }
  }
  return true;
}

// KEY=value lines (os-release, lsb-release).
std::map<std::string, std::string> parse_key_values(std::string_view text, const std::string& path,
                                                    std::vector<Diagnostic>* diags) {
  std::map<std::string, std::string> out;
  for_each_line(text, [&](int n, std::string_view line) {
    std::string_view t = trim(line);
    if (t.empty() || t.front() == '#') return;
    size_t eq = t.find('=');
    bool valid = eq != std::string_view::npos && eq > 0;
    for (size_t i = 0; valid && i < eq; ++i)
      if (!(std::isalnum(static_cast<unsigned char>(t[i])) || t[i] == '_')) valid = false;
    if (!valid) {
      if (diags) diags->push_back(make_warning(path, n, "not a KEY=value line"));
      return;
    }
    std::string value;
    if (!unquote(t.substr(eq + 1), value) && diags)
      diags->push_back(make_warning(path, n, "unterminated quote in the value of " + std::string(t.substr(0, eq))));
    out[std::string(t.substr(0, eq))] = std::move(value);
  });
  return out;
}

// "… release 8.9 (Ootpa)" -> "8.9".
std::string release_number(std::string_view text) {
  static const std::regex re(R"(release\s+([0-9][0-9.]*))", std::regex::icase);
  std::string s(text.substr(0, 512));
  std::smatch m;
  if (std::regex_search(s, m, re)) return m[1];
  static const std::regex any(R"(([0-9]+(\.[0-9]+)*))");
  if (std::regex_search(s, m, any)) return m[1];
  return {};
}

// "9.4 (Plow)" -> "Plow"; "" when there are no parentheses.
std::string parenthesized(std::string_view text) {
  size_t open = text.rfind('(');
  size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close <= open + 1) return {};
  return std::string(trim(text.substr(open + 1, close - open - 1)));
}

bool all_version_chars(std::string_view s) {
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s.front()))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; });
}

// Family from the first line of a distribution release file.
std::string family_from_release_line(std::string_view path, std::string_view text) {
  std::string lower = to_lower(text.substr(0, 512));
  if (path == "etc/alpine-release") return "alpine";
  if (path == "etc/debian_version") return "debian";
  if (path == "etc/photon-release" || lower.find("photon") != std::string::npos) return "photon";
  if (lower.find("amazon linux") != std::string::npos) return "amazon";
  if (lower.find("centos") != std::string::npos) return "centos";
  if (lower.find("rocky") != std::string::npos) return "rocky";
  if (lower.find("almalinux") != std::string::npos) return "alma";
  if (lower.find("fedora") != std::string::npos) return "fedora";
  if (lower.find("oracle linux") != std::string::npos) return "oracle";
  if (lower.find("red hat") != std::string::npos) return "redhat";  // also the old "Red Hat Linux"
  if (lower.find("opensuse") != std::string::npos) return "opensuse-leap";
  if (lower.find("suse linux enterprise") != std::string::npos) return "sles";
  if (lower.find("mariner") != std::string::npos) return "cbl-mariner";
  if (lower.find("azure linux") != std::string::npos) return "azurelinux";
  return {};
}

// What the analyzer keeps of one release file: os-release and lsb-release
// fields; the first line of the one-line release files ("LINE"); and for the
// old etc/SuSE-release, its "VERSION = 12" and "PATCHLEVEL = 3" lines too.
std::map<std::string, std::string> release_facts(std::string_view path, std::string_view text,
                                                 std::vector<Diagnostic>* diags) {
  if (base_name(path) == "os-release" || path == "etc/lsb-release")
    return parse_key_values(text, std::string(path), diags);
  std::map<std::string, std::string> facts;
  size_t nl = text.find('\n');
  facts["LINE"] = std::string(trim(text.substr(0, nl)));
  if (path == "etc/SuSE-release") {
    for_each_line(text, [&](int, std::string_view line) {
      size_t eq = line.find('=');
      if (eq == std::string_view::npos) return;
      std::string_view key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
      if ((key == "VERSION" || key == "PATCHLEVEL") && all_version_chars(value))
        facts["SUSE_" + std::string(key)] = std::string(value);
    });
  }
  return facts;
}

class OsReleaseAnalyzer : public Analyzer {
 public:
  std::string_view name() const override { return "os-release"; }
  int version() const override { return 3; }

  bool wants(std::string_view path, int64_t) const override {
    for (const char* f : kReleaseFiles)
      if (path == f) return true;
    return false;
  }

  Status analyze(const FileEntry& entry, FileResult& out) const override {
    auto text = entry.read_all(kMaxReleaseFile);
    if (!text) return text.error();
    out.facts = release_facts(entry.path, *text, &out.diagnostics);
    return {};
  }

  void contribute(std::span<const FileResult* const> visible, Inventory& inv, std::vector<Finding>&,
                  std::vector<Diagnostic>& diags) const override {
    std::map<std::string, const FileResult*> by_path;
    for (const FileResult* r : visible) {
      by_path[r->path] = r;
      diags.insert(diags.end(), r->diagnostics.begin(), r->diagnostics.end());
    }
    auto os = detect_from_facts(by_path);
    if (os) inv.os = *os;
  }

  static std::optional<OsInfo> detect_from_facts(const std::map<std::string, const FileResult*>& by_path) {
    auto facts_of = [&](const char* path) -> const std::map<std::string, std::string>* {
      auto it = by_path.find(path);
      return it == by_path.end() ? nullptr : &it->second->facts;
    };
    auto line_of = [&](const char* path) -> std::string {
      auto f = facts_of(path);
      if (!f) return {};
      auto it = f->find("LINE");
      return it == f->end() ? std::string() : it->second;
    };
    auto layer_of = [&](const char* path) -> std::string {
      auto it = by_path.find(path);
      return it == by_path.end() ? std::string() : it->second->layer;
    };

    OsInfo os;
    std::string version_field;  // os-release VERSION or the release file's line
    const char* os_release_path = facts_of("etc/os-release") ? "etc/os-release"
                                  : facts_of("usr/lib/os-release") ? "usr/lib/os-release"
                                                                    : nullptr;
    if (os_release_path) {
      const auto& f = *facts_of(os_release_path);
      auto get = [&](const char* k) {
        auto it = f.find(k);
        return it == f.end() ? std::string() : it->second;
      };
      std::string id = to_lower(get("ID"));
      auto fam = id_families().find(id);
      if (fam != id_families().end()) os.family = fam->second;
      os.name = get("NAME");
      os.pretty_name = get("PRETTY_NAME");
      os.version = get("VERSION_ID");
      os.codename = get("VERSION_CODENAME");
      version_field = get("VERSION");
      if (os.codename.empty()) os.codename = get("UBUNTU_CODENAME");
      os.location.path = os_release_path;
      os.location.layer = layer_of(os_release_path);
      if (starts_with(os.pretty_name, "Distroless")) {
        os.distroless = true;
        if (os.family.empty()) os.family = "debian";
      }
      if (os.family.empty()) {
        // ID_LIKE gives the family for derivatives we do not know by name. Its
        // words go from closest to farthest relative ("rhel fedora"): the
        // first known one wins.
        std::string like = to_lower(get("ID_LIKE"));
        size_t i = 0;
        while (os.family.empty() && i < like.size()) {
          size_t e = like.find(' ', i);
          if (e == std::string::npos) e = like.size();
          auto it = id_families().find(like.substr(i, e - i));
          if (it != id_families().end()) os.family = it->second;
          i = e + 1;
        }
      }
      if (os.family.empty() && !id.empty()) os.family = id;
    }

    // Distribution release files: refine the version, or detect without os-release.
    for (const char* path : kReleaseFiles) {
      std::string_view p = path;
      if (p == "etc/os-release" || p == "usr/lib/os-release") continue;
      if (!facts_of(path)) continue;
      std::string family;
      std::string version;
      if (p == "etc/lsb-release") {
        const auto& f = *facts_of(path);
        auto id = f.find("DISTRIB_ID");
        auto rel = f.find("DISTRIB_RELEASE");
        if (id == f.end() || to_lower(id->second) != "ubuntu") continue;
        family = "ubuntu";
        if (rel != f.end()) version = rel->second;
        auto code = f.find("DISTRIB_CODENAME");
        if (code != f.end() && os.codename.empty() && (os.family.empty() || os.family == "ubuntu"))
          os.codename = code->second;
      } else {
        std::string line = line_of(path);
        family = family_from_release_line(p, line);
        version = (p == "etc/alpine-release" || p == "etc/debian_version") ? line : release_number(line);
        const auto& f = *facts_of(path);
        if (auto v = f.find("SUSE_VERSION"); v != f.end()) {
          // SLES 12 SP3 is "12.3", as its os-release VERSION_ID says.
          auto pl = f.find("SUSE_PATCHLEVEL");
          version = v->second + (pl != f.end() && pl->second != "0" ? "." + pl->second : "");
        }
      }
      if (family.empty()) continue;
      if (os.family.empty()) {
        os.family = family;
        os.name = p == "etc/debian_version" ? "Debian GNU/Linux" : line_of(path);
        os.location.path = path;
        os.location.layer = layer_of(path);
      }
      if (family != os.family) continue;
      if (version_field.empty()) version_field = line_of(path);
      // A release file is more precise than VERSION_ID ("12.5" over "12"),
      // but Debian testing writes "trixie/sid" there: keep numbers only.
      if (all_version_chars(version) && (os.version.empty() || starts_with(version, os.version + ".")))
        os.version = version;
      else if (os.version.empty() && !version.empty() && all_version_chars(version))
        os.version = version;
    }
    if (os.family.empty()) return std::nullopt;
    if (os.family == "debian" && os.codename.empty()) {
      static const std::map<std::string, std::string> codenames = {
          {"8", "jessie"},    {"9", "stretch"}, {"10", "buster"}, {"11", "bullseye"},
          {"12", "bookworm"}, {"13", "trixie"}, {"14", "forky"}};
      auto it = codenames.find(os.version.substr(0, os.version.find('.')));
      if (it != codenames.end()) os.codename = it->second;
    }
    if (os.codename.empty() && (os.family == "redhat" || os.family == "centos" || os.family == "rocky" ||
                                os.family == "alma")) {
      // These write the release name only in parentheses: VERSION="9.4 (Plow)",
      // "Rocky Linux release 8.4 (Green Obsidian)", CentOS's "7 (Core)".
      os.codename = parenthesized(version_field);
    }
    bool stream = os.family == "centos" && to_lower(os.name).find("stream") != std::string::npos;
    os.eol = eol_for(stream ? "centos-stream" : os.family, os.version);
    return os;
  }
};

}  // namespace

std::optional<OsInfo> detect_os(const std::vector<std::pair<std::string, std::string>>& release_files) {
  std::vector<FileResult> results;
  results.reserve(release_files.size());
  std::vector<Diagnostic> ignored;
  for (const auto& [path, content] : release_files) {
    FileResult r;
    r.path = path;
    r.facts = release_facts(path, content, &ignored);
    results.push_back(std::move(r));
  }
  std::map<std::string, const FileResult*> by_path;
  for (const auto& r : results) by_path[r.path] = &r;
  return OsReleaseAnalyzer::detect_from_facts(by_path);
}

std::unique_ptr<Analyzer> make_os_release_analyzer() { return std::make_unique<OsReleaseAnalyzer>(); }

}  // namespace bulwark::catalog
