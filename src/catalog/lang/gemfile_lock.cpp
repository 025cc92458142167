// Bundler's lockfile (Gemfile.lock, or gems.locked for a gems.rb project).
// Sections start at column 0; what belongs to them is indented:
//
//   GEM / GIT / PATH / PLUGIN SOURCE   a source: "  remote: …" options, then
//     "  specs:", each gem at 4 spaces as "name (version[-platform])" and its
//     own dependencies at 6 spaces as "name (requirement)"
//   DEPENDENCIES   what the Gemfile asks for, 2 spaces: "name (req)" or
//                  "name!" when the gem comes from a GIT or PATH source
//   PLATFORMS      "  x86_64-linux", "  ruby"
//   CHECKSUMS      (Bundler 2.5+) "  name (version[-platform]) sha256=…"
//   RUBY VERSION   "   ruby 3.2.2p53"
//   BUNDLED WITH   "   2.4.10"
//
// Like Bundler's own parser, the version in parentheses ends at the first '-':
// the rest is the platform (gem versions cannot contain '-' in a lockfile).
#include <set>
#include <unordered_map>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/format_analyzer.hpp"
#include "catalog/lang/text_lines.hpp"

namespace bulwark::catalog {
namespace {

constexpr int64_t kMaxLockBytes = 16 << 20;
// Bundler writes one short line per gem; a longer line is not a lockfile's.
constexpr size_t kMaxLineBytes = 64 << 10;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool valid_gem_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

// "name (version-platform)" as a spec or checksum line writes it.
struct NameVersion {
  std::string name;
  std::string version;
  std::string platform;
  bool has_version = false;
};

NameVersion split_name_version(std::string_view s) {
  NameVersion nv;
  size_t open = s.find(" (");
  if (open == std::string_view::npos) {
    nv.name = std::string(s);
    return nv;
  }
  nv.name = std::string(s.substr(0, open));
  size_t close = s.find(')', open);
  if (close == std::string_view::npos) return nv;
  std::string_view inside = s.substr(open + 2, close - open - 2);
  size_t dash = inside.find('-');
  nv.version = std::string(inside.substr(0, dash));
  if (dash != std::string_view::npos) nv.platform = std::string(inside.substr(dash + 1));
  nv.has_version = !nv.version.empty();
  return nv;
}

// A DEPENDENCIES or dependency line: the name before any requirement or '!'.
std::string dependency_name(std::string_view s) {
  size_t end = s.find_first_of(" (!");
  return std::string(s.substr(0, end));
}

struct Spec {
  Package pkg;
  std::vector<std::string> deps;  // names
};

std::string purl_with_platform(const Package& p) {
  return "pkg:gem/" + purl_escape(p.name) + "@" + purl_escape(p.version) + "?platform=" + purl_escape(p.arch);
}

bool is_gemfile_lock(std::string_view path) {
  std::string_view base = base_name(path);
  return (base == "Gemfile.lock" || base == "gems.locked") && !in_node_modules(path);
}

// Bundler's lockfile also says which Bundler and Ruby wrote it: kept as facts.
void read_lock(std::string_view text, const std::string& path, FileResult& out) {
  out.packages = parse_gemfile_lock(text, path, out.diagnostics, &out.facts);
}

}  // namespace

std::vector<Package> parse_gemfile_lock(std::string_view text, const std::string& path,
                                         std::vector<Diagnostic>& diags,
                                         std::map<std::string, std::string>* facts) {
  enum class Section { kNone, kSource, kPlatforms, kDependencies, kChecksums, kRuby, kBundled, kIgnored };
  Section section = Section::kNone;
  bool in_specs = false;
  bool saw_dependencies = false;
  std::vector<Spec> specs;
  constexpr size_t kNoSpec = static_cast<size_t>(-1);
  size_t current = kNoSpec;  // the spec 6-space lines belong to
  std::set<std::string> direct;
  std::vector<std::string> platforms;
  std::map<std::string, std::string> checksums;  // "name version platform" -> "sha256:…"
  std::string bundled_with, ruby_version;
  auto warn = [&](int line, std::string message) { diags.push_back(make_warning(path, line, std::move(message))); };

  LineReader lines(text);
  std::string_view raw;
  while (lines.next(raw)) {
    const int line_no = lines.number();
    if (raw.size() > kMaxLineBytes) {
      warn(line_no, "line longer than " + std::to_string(kMaxLineBytes) + " bytes skipped");
      current = kNoSpec;
      continue;
    }
    std::string_view content = trim(raw);
    if (content.empty()) continue;
    size_t indent = raw.find_first_not_of(' ');
    if (raw[indent] == '\t') {
      warn(line_no, "tab in indentation; Bundler indents with spaces");
      continue;
    }

    if (indent == 0) {
      current = kNoSpec;
      in_specs = false;
      if (content == "GEM" || content == "GIT" || content == "PATH" || content == "PLUGIN SOURCE") {
        section = Section::kSource;
      } else if (content == "PLATFORMS") {
        section = Section::kPlatforms;
      } else if (content == "DEPENDENCIES") {
        section = Section::kDependencies;
        saw_dependencies = true;
      } else if (content == "CHECKSUMS") {
        section = Section::kChecksums;
      } else if (content == "RUBY VERSION") {
        section = Section::kRuby;
      } else if (content == "BUNDLED WITH") {
        section = Section::kBundled;
      } else {
        // Bundler skips sections it does not know; so do we, but say so.
        section = Section::kIgnored;
        warn(line_no, "unknown lockfile section '" + std::string(content.substr(0, 80)) + "' skipped");
      }
      continue;
    }

    switch (section) {
      case Section::kNone:
        warn(line_no, "indented line before any section");
        break;
      case Section::kIgnored:
        break;
      case Section::kSource:
        if (indent == 2) {
          current = kNoSpec;
          in_specs = content == "specs:";  // other lines are source options (remote, revision, …)
        } else if (indent == 4 && in_specs) {
          NameVersion nv = split_name_version(content);
          current = kNoSpec;
          if (!valid_gem_name(nv.name)) {
            warn(line_no, "not a gem spec: '" + std::string(content.substr(0, 80)) + "'");
          } else if (!nv.has_version) {
            warn(line_no, "gem spec '" + nv.name + "' has no version");
          } else {
            Spec s;
            s.pkg.ecosystem = "gem";
            s.pkg.name = std::move(nv.name);
            s.pkg.version = std::move(nv.version);
            if (nv.platform != "ruby") s.pkg.arch = std::move(nv.platform);
            s.pkg.location.path = path;
            s.pkg.location.line = line_no;
            specs.push_back(std::move(s));
            current = specs.size() - 1;
          }
        } else if (indent == 6 && current != kNoSpec) {
          std::string dep = dependency_name(content);
          if (valid_gem_name(dep)) specs[current].deps.push_back(std::move(dep));
          else warn(line_no, "not a gem dependency: '" + std::string(content.substr(0, 80)) + "'");
        } else if (indent == 6 && in_specs) {
          // The dependencies of a spec we could not read: already warned.
        } else {
          warn(line_no, "unexpected indentation (" + std::to_string(indent) + " spaces) in a source section");
        }
        break;
      case Section::kPlatforms:
        platforms.emplace_back(content);
        break;
      case Section::kDependencies: {
        std::string dep = dependency_name(content);
        if (valid_gem_name(dep)) direct.insert(std::move(dep));
        else warn(line_no, "not a dependency: '" + std::string(content.substr(0, 80)) + "'");
        break;
      }
      case Section::kChecksums: {
        size_t close = content.find(')');
        if (close == std::string_view::npos) break;  // a gem without a recorded checksum
        NameVersion nv = split_name_version(content.substr(0, close + 1));
        std::string_view sums = trim(content.substr(close + 1));
        // "sha256=hex[,algo=hex…]"
        while (!sums.empty()) {
          size_t comma = sums.find(',');
          std::string_view one = sums.substr(0, comma);
          if (one.starts_with("sha256=") && one.size() > 7)
            checksums[nv.name + " " + nv.version + " " + (nv.platform == "ruby" ? "" : nv.platform)] =
                "sha256:" + std::string(one.substr(7));
          if (comma == std::string_view::npos) break;
          sums.remove_prefix(comma + 1);
        }
        break;
      }
      case Section::kRuby:
        ruby_version = std::string(content);
        break;
      case Section::kBundled:
        bundled_with = std::string(content);
        break;
    }
  }

  // One package per name, version and platform; the same gem can appear in
  // two sources only in a broken lockfile, so merge rather than list it twice.
  std::vector<Package> out;
  std::unordered_map<std::string, size_t> by_id;
  std::unordered_map<std::string, std::vector<size_t>> by_name;
  std::vector<std::vector<std::string>> dep_names;
  for (auto& s : specs) {
    Package& p = s.pkg;
    p.id = make_package_id(p);
    auto [it, fresh] = by_id.emplace(p.id, out.size());
    if (fresh) {
      if (!p.arch.empty()) p.purl = purl_with_platform(p);
      if (auto c = checksums.find(p.name + " " + p.version + " " + p.arch); c != checksums.end()) p.digest = c->second;
      if (saw_dependencies)
        p.relationship = direct.count(p.name) ? Relationship::kDirect : Relationship::kTransitive;
      by_name[p.name].push_back(out.size());
      out.push_back(std::move(p));
      dep_names.push_back(std::move(s.deps));
    } else {
      auto& names = dep_names[it->second];
      names.insert(names.end(), s.deps.begin(), s.deps.end());
    }
  }
  for (size_t i = 0; i < out.size(); ++i) {
    std::set<std::string> ids;
    for (const auto& name : dep_names[i]) {
      auto it = by_name.find(name);
      if (it == by_name.end()) continue;  // provided by Ruby or Bundler itself, or not for this platform
      for (size_t j : it->second)
        if (j != i) ids.insert(out[j].id);
    }
    out[i].depends_on.assign(ids.begin(), ids.end());
  }

  if (facts) {
    std::string joined;
    for (const auto& p : platforms) joined += (joined.empty() ? "" : ",") + p;
    if (!joined.empty()) (*facts)["platforms"] = joined;
    if (!bundled_with.empty()) (*facts)["bundled_with"] = bundled_with;
    if (!ruby_version.empty()) (*facts)["ruby_version"] = ruby_version;
  }
  return out;
}

std::unique_ptr<Analyzer> make_gemfile_lock_analyzer() {
  return make_format_analyzer({.name = "gemfile-lock", .version = 1, .application_type = "bundler",
                               .read = read_lock, .max_bytes = kMaxLockBytes, .wants_path = is_gemfile_lock});
}

}  // namespace bulwark::catalog
