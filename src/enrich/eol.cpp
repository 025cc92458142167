// End-of-life data of OS releases (rules/eol/os.yaml, embedded) and the date
// arithmetic the patch plan and the priority need.
#include <algorithm>

#include "core/date.hpp"
#include "core/document.hpp"
#include "enrich/enrich.hpp"
#include "enrich/internal.hpp"

namespace bulwark::enrich {

namespace detail {

std::optional<int64_t> day_number(std::string_view date) {
  auto d = date_part(date);
  if (!d) return std::nullopt;
  int y = std::stoi(d->substr(0, 4)), m = std::stoi(d->substr(5, 2)), day = std::stoi(d->substr(8, 2));
  return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(day));
}

}  // namespace detail

namespace {

// A release string is a prefix of a version at a dot: "12" of "12.5", "3.20"
// of "3.20.3", but "3.2" not of "3.20".
bool release_matches(std::string_view release, std::string_view version) {
  if (release == version) return true;
  return version.size() > release.size() && version.substr(0, release.size()) == release &&
         version[release.size()] == '.';
}

std::string field(const Node& n, std::string_view key) {
  const Node* v = n.get(key);
  return v && !v->is_null() ? v->to_text() : std::string();
}

// Reads the data file. The file is ours and tested; a bad entry is logged and
// skipped rather than taking the whole table down.
std::vector<OsRelease> load(std::string_view text, const std::string& source) {
  std::vector<OsRelease> out;
  std::vector<Diagnostic> diags;
  auto docs = read_yaml(text, source, diags);
  auto bad = [&](const Node& at, const std::string& msg) {
    diags.push_back(make_warning(source, static_cast<int>(at.pos.line), msg));
  };
  for (const Node& doc : docs) {
    const Node* families = doc.get("families");
    if (!families || !families->is_list()) {
      bad(doc, "no 'families' list");
      continue;
    }
    for (const Node& fam : families->items()) {
      std::string family = field(fam, "family"), title = field(fam, "title"), image = field(fam, "image");
      const Node* releases = fam.get("releases");
      if (family.empty() || title.empty() || !releases || !releases->is_list()) {
        bad(fam, "a family needs family, title and releases");
        continue;
      }
      for (const Node& rel : releases->items()) {
        const Node* version = rel.get("version");
        if (!version || !version->is_string()) {
          bad(rel, "release version must be a quoted string (3.20 is not 3.2)");
          continue;
        }
        OsRelease r;
        r.family = family;
        r.version = version->as_string();
        r.name = title + " " + r.version;
        r.codename = field(rel, "codename");
        r.released = field(rel, "released");
        r.eol = field(rel, "eol");
        r.standard_eol = field(rel, "standard_eol");
        r.extended = field(rel, "extended");
        if (!image.empty()) {
          r.image = image;
          if (size_t at = r.image.find("{version}"); at != std::string::npos) r.image.replace(at, 9, r.version);
        }
        bool dates_ok = detail::valid_date(r.released) && detail::valid_date(r.eol) &&
                        (r.standard_eol.empty() || detail::valid_date(r.standard_eol)) &&
                        (r.extended.empty() || detail::valid_date(r.extended));
        if (!dates_ok) {
          bad(rel, r.name + ": released and eol must be YYYY-MM-DD dates");
          continue;
        }
        out.push_back(std::move(r));
      }
    }
  }
  for (const auto& d : diags) log_error("end-of-life data: " + d.location.path + ":" + std::to_string(d.location.line) + ": " + d.message);
  return out;
}

}  // namespace

const std::vector<OsRelease>& os_releases() {
  static const std::vector<OsRelease> releases = [] {
    std::vector<OsRelease> out;
    for (const auto& [name, text] : detail::embedded_eol_files()) {
      auto rs = load(text, "builtin:eol/" + std::string(name));
      out.insert(out.end(), rs.begin(), rs.end());
    }
    return out;
  }();
  return releases;
}

std::optional<OsRelease> find_os_release(std::string_view family, std::string_view version) {
  const OsRelease* best = nullptr;
  for (const auto& r : os_releases())
    if (r.family == family && release_matches(r.version, version) && (!best || r.version.size() > best->version.size()))
      best = &r;
  if (best) return *best;
  return std::nullopt;
}

std::optional<OsRelease> current_os_release(std::string_view family, std::string_view today) {
  const OsRelease* best = nullptr;
  for (const auto& r : os_releases()) {
    if (r.family != family || r.released > today || r.eol <= today) continue;
    // The one supported longest: an LTS over a newer interim release
    // (Ubuntu 26.04 over 26.10); ties go to the newer release.
    if (!best || r.eol > best->eol || (r.eol == best->eol && r.released > best->released)) best = &r;
  }
  if (best) return *best;
  return std::nullopt;
}

}  // namespace bulwark::enrich
