// Java archives: *.jar, *.war, *.ear, *.par, *.jpi, *.hpi. A zip read from
// memory with libarchive. Each archive is identified by, in order of trust:
//   1. every META-INF/maven/<group>/<artifact>/pom.properties (a shaded or fat
//      jar carries one per artifact it bundles; each is a package);
//   2. else META-INF/MANIFEST.MF (a guess: see manifest_coordinates);
//   3. else the file name (name-1.2.3.jar -> artifact "name", version "1.2.3").
// Archives inside it (WEB-INF/lib/*.jar, BOOT-INF/lib/*.jar, an ear's modules
// and lib/) are read the same way, from memory, up to
// Limits::max_nested_archives levels deep, under one decompression budget per
// outer file and a compression-ratio check per entry (zip bombs).
//
// Trivy also looks the jar's SHA-1 up in a Maven index to name jars that carry
// no metadata; Bulwark works offline and does not.
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/format_analyzer.hpp"
#include "core/utf8.hpp"

namespace bulwark::catalog {
namespace {

// The walker reads the whole archive into memory; limits().max_file_read caps
// it further.
constexpr int64_t kMaxArchiveBytes = int64_t{1} << 30;
// Metadata entries: a pom.properties is a few lines, a manifest a few pages.
constexpr size_t kMaxPomPropertiesBytes = 64 << 10;
constexpr size_t kMaxManifestBytes = 1 << 20;
// The compression ratio is judged only once an entry has produced this much:
// small text entries compress far better than archives but cost nothing.
constexpr uint64_t kRatioFloorBytes = 1 << 20;
// Header errors tolerated in a row before an archive is given up on.
constexpr int kMaxHeaderFailures = 16;

bool is_java_archive_name(std::string_view name) {
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return false;
  std::string ext = to_lower(name.substr(dot + 1));
  return ext == "jar" || ext == "war" || ext == "ear" || ext == "par" || ext == "jpi" || ext == "hpi";
}

bool iequals(std::string_view a, std::string_view b) { return to_lower(a) == to_lower(b); }

struct Coordinates {
  std::string group;
  std::string artifact;
  std::string version;
};

// java.util.Properties text: "key=value", "key: value" or "key value";
// "#"/"!" comments; a trailing backslash continues the logical line; \t \n
// \r \f \uXXXX and \<char> escapes. Later keys replace earlier ones.
std::map<std::string, std::string> parse_properties(std::string_view text) {
  std::map<std::string, std::string> out;
  // Join continuation lines into logical lines first.
  std::vector<std::string> lines;
  std::string cur;
  bool continuing = false;
  size_t i = 0;
  while (i <= text.size()) {
    size_t eol = text.find_first_of("\r\n", i);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(i, eol - i);
    i = eol + 1;
    if (eol < text.size() && text[eol] == '\r' && i < text.size() && text[i] == '\n') ++i;
    if (continuing) {
      size_t k = 0;
      while (k < line.size() && (line[k] == ' ' || line[k] == '\t' || line[k] == '\f')) ++k;
      line.remove_prefix(k);
    } else {
      std::string_view t = trim(line);
      if (t.empty() || t.front() == '#' || t.front() == '!') continue;
      line = t;
    }
    // A line ends in a continuation when it ends in an odd number of backslashes.
    size_t backslashes = 0;
    while (backslashes < line.size() && line[line.size() - 1 - backslashes] == '\\') ++backslashes;
    bool continues = backslashes % 2 == 1;
    if (continues) line.remove_suffix(1);
    cur.append(line);
    continuing = continues;
    if (!continues) {
      lines.push_back(std::move(cur));
      cur.clear();
    }
    if (eol >= text.size()) break;
  }
  if (!cur.empty()) lines.push_back(std::move(cur));

  for (const std::string& l : lines) {
    size_t k = 0;
    auto blank = [&](size_t at) { return at < l.size() && (l[at] == ' ' || l[at] == '\t' || l[at] == '\f'); };
    // Appends one possibly escaped character at l[k] to `to` and advances k.
    auto take = [&](std::string& to) {
      char c = l[k++];
      if (c != '\\' || k >= l.size()) {
        if (c != '\\') to += c;
        return;
      }
      char e = l[k++];
      switch (e) {
        case 't': to += '\t'; break;
        case 'n': to += '\n'; break;
        case 'r': to += '\r'; break;
        case 'f': to += '\f'; break;
        case 'u': {
          uint32_t cp = 0;
          for (int n = 0; n < 4 && k < l.size() && std::isxdigit(static_cast<unsigned char>(l[k])); ++n) {
            char h = l[k++];
            cp = cp * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (h | 0x20) - 'a' + 10);
          }
          append_utf8(to, cp);
          break;
        }
        default: to += e;
      }
    };
    std::string key, value;
    while (k < l.size() && l[k] != '=' && l[k] != ':' && !blank(k)) take(key);
    while (blank(k)) ++k;
    if (k < l.size() && (l[k] == '=' || l[k] == ':')) ++k;
    while (blank(k)) ++k;
    while (k < l.size()) take(value);
    out[key] = value;
  }
  return out;
}

// The main section of a manifest: "Name: value" lines up to the first blank
// line; a line starting with one space continues the previous value.
std::map<std::string, std::string> parse_manifest(std::string_view text) {
  std::map<std::string, std::string> out;
  std::string* last = nullptr;
  size_t i = 0;
  while (i < text.size()) {
    size_t eol = text.find_first_of("\r\n", i);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(i, eol - i);
    i = eol + 1;
    if (eol < text.size() && text[eol] == '\r' && i < text.size() && text[i] == '\n') ++i;
    if (line.empty()) break;  // end of the main section
    if (line.front() == ' ') {
      if (last) last->append(line.substr(1));
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      last = nullptr;
      continue;
    }
    std::string_view value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    last = &(out[std::string(trim(line.substr(0, colon)))] = std::string(value));
  }
  return out;
}

std::string manifest_value(const std::map<std::string, std::string>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? std::string() : std::string(trim(it->second));
}

// "name-1.2.3.jar": the artifact is everything before the last "-" that is
// followed by a digit (so "log4j-1.2-api-2.19.0" is log4j-1.2-api 2.19.0 and
// "guava-31.1-jre" is guava 31.1-jre), the version the rest. Without such a
// "-", the whole stem is the artifact and there is no version.
Coordinates parse_file_name(std::string_view file) {
  Coordinates c;
  std::string_view stem = file;
  size_t dot = stem.rfind('.');
  if (dot != std::string_view::npos) stem = stem.substr(0, dot);
  for (size_t k = stem.size(); k-- > 1;) {
    if (stem[k] != '-' || k + 1 >= stem.size() || !std::isdigit(static_cast<unsigned char>(stem[k + 1]))) continue;
    if (stem[k - 1] == '-') continue;
    std::string_view artifact = stem.substr(0, k), version = stem.substr(k + 1);
    bool artifact_ok = std::all_of(artifact.begin(), artifact.end(), [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-';
    });
    bool version_ok = std::none_of(version.begin(), version.end(),
                                   [](char ch) { return std::isspace(static_cast<unsigned char>(ch)) != 0; });
    if (artifact_ok && version_ok) {
      c.artifact = std::string(artifact);
      c.version = std::string(version);
      return c;
    }
    break;
  }
  c.artifact = std::string(stem);
  return c;
}

// A Maven artifactId-like token: no blanks, nothing but [A-Za-z0-9._-].
bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-';
  });
}

// An OSGi header value without its parameters: "org.x.y;singleton:=true" -> "org.x.y".
std::string_view osgi_name(std::string_view v) { return trim(v.substr(0, v.find(';'))); }

// Bundle-License: a comma-separated list of licence names or URLs, each
// optionally followed by ";link=..."/";description=..." parameters (quoted
// values may contain commas).
std::vector<std::string> bundle_licenses(std::string_view v) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  auto flush = [&] {
    std::string_view name = osgi_name(cur);
    if (!name.empty() && std::find(out.begin(), out.end(), name) == out.end()) out.emplace_back(name);
    cur.clear();
  };
  for (char c : v) {
    if (c == '"') quoted = !quoted;
    if (c == ',' && !quoted) {
      flush();
      continue;
    }
    cur += c;
  }
  flush();
  return out;
}

// The identity of a jar from its manifest, which names no Maven coordinates
// directly. Version: Implementation-Version, else Bundle-Version. Artifact:
// the file name's artifact when the name carries a version (Maven names its
// output <artifactId>-<version>.jar), else Implementation-Title when it is a
// single token, else the file name without its extension (distributions name
// unversioned jars after the artifact: guice-servlet.jar). Group:
// Implementation-Vendor-Id, else Bundle-SymbolicName or Automatic-Module-Name
// without its last segment. Nothing without a version.
std::optional<Coordinates> manifest_coordinates(const std::map<std::string, std::string>& m,
                                                const Coordinates& from_name) {
  Coordinates c;
  c.version = manifest_value(m, "Implementation-Version");
  if (c.version.empty()) c.version = manifest_value(m, "Bundle-Version");
  if (c.version.empty()) return std::nullopt;
  std::string title = manifest_value(m, "Implementation-Title");
  std::string bsn(osgi_name(manifest_value(m, "Bundle-SymbolicName")));
  std::string module = manifest_value(m, "Automatic-Module-Name");
  auto without_last = [](const std::string& s) {
    size_t dot = s.rfind('.');
    return dot == std::string::npos ? std::string() : s.substr(0, dot);
  };
  if (!from_name.version.empty() || !is_token(title)) c.artifact = from_name.artifact;
  else c.artifact = title;
  c.group = manifest_value(m, "Implementation-Vendor-Id");
  if (c.group.empty()) c.group = without_last(bsn);
  if (c.group.empty()) c.group = without_last(module);
  if (c.artifact.empty()) return std::nullopt;
  return c;
}

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};

// Reads one outer archive and everything nested in it.
class ArchiveReader {
 public:
  ArchiveReader(const std::string& outer, std::vector<Diagnostic>& diags)
      : outer_(outer), diags_(diags), budget_(limits().max_file_read) {}

  std::vector<Package> read(std::string_view data) {
    std::vector<Package> all;
    read_archive(data, "", std::string(base_name(outer_)), 0, all);
    // The same group:artifact:version is reported once per outer file, where
    // it is found first: an archive's own identity before what it nests.
    std::vector<Package> out;
    std::set<std::string> seen;
    for (auto& p : all)
      if (seen.insert(p.id).second) out.push_back(std::move(p));
    return out;
  }

 private:
  enum class Read { kOk, kTooLarge, kBomb, kBudget, kFailed, kFatal };

  void warn(std::string message) { diags_.push_back(make_warning(outer_, 0, std::move(message))); }

  // "app.war" for the outer file, "app.war/WEB-INF/lib/x.jar" inside it.
  std::string display(const std::string& nested) const { return nested.empty() ? outer_ : outer_ + "/" + nested; }
  // How warnings name an entry: its path inside the outer file.
  static std::string where(const std::string& nested, const std::string& entry) {
    return nested.empty() ? entry : nested + "/" + entry;
  }

  // Reads the current entry's data into `out`, at most `cap` bytes, counting
  // every byte against the budget and checking the compression ratio.
  Read read_entry(archive* a, size_t cap, std::string& out, std::string& error) {
    const int64_t start = archive_filter_bytes(a, 0);
    const double ratio = limits().max_compression_ratio;
    char buf[64 * 1024];
    for (;;) {
      la_ssize_t n = archive_read_data(a, buf, sizeof buf);
      if (n == 0) return Read::kOk;
      if (n < 0) {
        const char* e = archive_error_string(a);
        error = e ? e : "unreadable entry";
        return n == ARCHIVE_FATAL ? Read::kFatal : Read::kFailed;
      }
      auto got = static_cast<uint64_t>(n);
      if (got > budget_) {
        budget_ = 0;
        return Read::kBudget;
      }
      budget_ -= got;
      if (out.size() + got > cap) return Read::kTooLarge;
      out.append(buf, static_cast<size_t>(n));
      int64_t consumed = archive_filter_bytes(a, 0) - start;
      if (out.size() > kRatioFloorBytes && static_cast<double>(out.size()) > ratio * static_cast<double>(std::max<int64_t>(consumed, 1)))
        return Read::kBomb;
    }
  }

  Package make(const Coordinates& c, const std::string& nested) {
    Package p;
    p.ecosystem = "maven";
    p.name = c.group.empty() ? c.artifact : c.group + ":" + c.artifact;
    p.version = c.version;
    p.location.path = display(nested);
    p.id = make_package_id(p);
    return p;
  }

  // `nested` is the archive's path inside the outer file ("" for the outer
  // file itself), `file_name` its base name.
  void read_archive(std::string_view data, const std::string& nested, const std::string& file_name, int depth,
                    std::vector<Package>& out) {
    std::unique_ptr<archive, ArchiveFree> a(archive_read_new());
    archive_read_support_format_zip(a.get());
    const std::string me = nested.empty() ? std::string("the archive") : nested;
    if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK) {
      const char* e = archive_error_string(a.get());
      warn((nested.empty() ? std::string() : nested + ": ") + "not a readable zip archive: " + (e ? e : "unknown format"));
      return;
    }
    std::vector<std::pair<Coordinates, std::string>> poms;  // coordinates, entry
    std::optional<std::map<std::string, std::string>> manifest;
    std::vector<Package> inner;
    int failures = 0;
    uint64_t entries = 0;
    for (;;) {
      if (budget_ == 0) break;  // a deeper level used it up: stop everywhere
      archive_entry* e = nullptr;
      int r = archive_read_next_header(a.get(), &e);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) {
        const char* err = archive_error_string(a.get());
        if (r == ARCHIVE_FATAL || ++failures > kMaxHeaderFailures) {
          warn((nested.empty() ? std::string() : nested + ": ") + "corrupt zip archive, stopped reading it: " +
               (err ? err : "unknown error"));
          break;
        }
        continue;
      }
      failures = 0;
      if (++entries > limits().max_entries) {
        warn(me + " has more than " + std::to_string(limits().max_entries) + " entries; stopped reading it");
        break;
      }
      if (archive_entry_filetype(e) != AE_IFREG) continue;
      // The stored name first, as the layer walker does: asking for UTF-8
      // converts every name through wide characters, a fifth of a jar scan.
      const char* raw = archive_entry_pathname(e);
      if (!raw) raw = archive_entry_pathname_utf8(e);
      if (!raw) continue;
      auto cleaned = clean_path(raw);
      if (!cleaned || cleaned->empty() || cleaned->size() > limits().max_path_length) continue;
      const std::string& entry = *cleaned;

      enum class Kind { kManifest, kPomProperties, kArchive } kind;
      size_t cap;
      if (iequals(entry, "META-INF/MANIFEST.MF")) {
        kind = Kind::kManifest;
        cap = kMaxManifestBytes;
      } else if (starts_with(entry, "META-INF/maven/") && base_name(entry) == "pom.properties") {
        kind = Kind::kPomProperties;
        cap = kMaxPomPropertiesBytes;
      } else if (is_java_archive_name(entry)) {
        kind = Kind::kArchive;
        if (depth + 1 > limits().max_nested_archives) {
          warn(where(nested, entry) + ": nested more than " + std::to_string(limits().max_nested_archives) +
               " archives deep; not read");
          continue;
        }
        cap = static_cast<size_t>(std::min<uint64_t>(budget_, limits().max_file_read));
      } else {
        continue;
      }

      std::string body, error;
      Read rr = read_entry(a.get(), cap, body, error);
      if (rr == Read::kBomb) {
        warn(where(nested, entry) + " expands more than " + std::to_string(static_cast<int64_t>(limits().max_compression_ratio)) +
             " times its compressed size (a zip bomb?); stopped reading " + me);
        break;
      }
      if (rr == Read::kBudget) {
        warn(where(nested, entry) + ": reading it would decompress more than " + std::to_string(limits().max_file_read) +
             " bytes from this file in all; stopped reading " + me);
        break;
      }
      if (rr == Read::kFatal) {
        warn(where(nested, entry) + ": " + error + "; stopped reading " + me);
        break;
      }
      if (rr == Read::kFailed) {
        warn(where(nested, entry) + ": cannot be read: " + error);
        continue;
      }
      if (rr == Read::kTooLarge) {
        if (kind == Kind::kArchive) {
          warn(where(nested, entry) + ": larger than " + std::to_string(cap) + " bytes; stopped reading " + me);
          break;
        }
        warn(where(nested, entry) + ": larger than " + std::to_string(cap) + " bytes; not read");
        continue;
      }

      switch (kind) {
        case Kind::kManifest:
          manifest = parse_manifest(body);
          break;
        case Kind::kPomProperties: {
          auto props = parse_properties(body);
          Coordinates c{props["groupId"], props["artifactId"], props["version"]};
          // META-INF/maven/<group>/<artifact>/pom.properties names them too.
          std::string_view rest = std::string_view(entry).substr(std::string_view("META-INF/maven/").size());
          size_t slash = rest.find('/');
          if (slash != std::string_view::npos && rest.find('/', slash + 1) == rest.size() - std::string_view("/pom.properties").size()) {
            if (c.group.empty()) c.group = std::string(rest.substr(0, slash));
            if (c.artifact.empty()) c.artifact = std::string(rest.substr(slash + 1, rest.find('/', slash + 1) - slash - 1));
          }
          c.group = std::string(trim(c.group));
          c.artifact = std::string(trim(c.artifact));
          c.version = std::string(trim(c.version));
          if (c.artifact.empty() || c.version.empty()) {
            warn(where(nested, entry) + ": no " + (c.artifact.empty() ? "artifactId" : "version") + "; ignored");
            break;
          }
          poms.emplace_back(std::move(c), entry);
          break;
        }
        case Kind::kArchive:
          read_archive(body, where(nested, entry), std::string(base_name(entry)), depth + 1, inner);
          break;
      }
    }

    // The archive's own identity, then what is nested in it.
    Coordinates from_name = parse_file_name(file_name);
    std::vector<std::string> licenses;
    if (manifest) licenses = bundle_licenses(manifest_value(*manifest, "Bundle-License"));
    if (!poms.empty()) {
      for (auto& [c, entry] : poms) {
        Package p = make(c, nested);
        // Bundle-License is about the jar itself: the only artifact it
        // describes, or the one the file is named after.
        if (poms.size() == 1 || c.artifact == from_name.artifact) p.licenses = licenses;
        out.push_back(std::move(p));
      }
    } else if (auto c = manifest ? manifest_coordinates(*manifest, from_name) : std::nullopt) {
      Package p = make(*c, nested);
      p.licenses = licenses;
      out.push_back(std::move(p));
    } else if (!from_name.version.empty()) {
      Package p = make(from_name, nested);
      p.licenses = licenses;
      out.push_back(std::move(p));
    } else if (inner.empty()) {
      // A war or ear made by a plain "jar" tool names nothing of itself; only
      // an archive that yields nothing at all is worth a warning.
      warn((nested.empty() ? std::string() : nested + ": ") +
           "no Maven coordinates (no pom.properties, no version in MANIFEST.MF or in the file name)");
    }
    for (auto& p : inner) out.push_back(std::move(p));
  }

  std::string outer_;
  std::vector<Diagnostic>& diags_;
  uint64_t budget_;  // bytes this outer file may still decompress, all levels together
};

bool is_java_archive(std::string_view path) { return is_java_archive_name(base_name(path)); }

}  // namespace

std::vector<Package> parse_java_archive(std::string_view data, const std::string& path, std::vector<Diagnostic>& diags) {
  ArchiveReader reader(path, diags);
  return reader.read(data);
}

std::unique_ptr<Analyzer> make_java_archive_analyzer() {
  return make_format_analyzer({.name = "java-archive", .version = 1, .application_type = "jar",
                               .read = read_packages<parse_java_archive>, .max_bytes = kMaxArchiveBytes,
                               .wants_path = is_java_archive});
}

}  // namespace bulwark::catalog
