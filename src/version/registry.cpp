// The registration table (one row per scheme) and the public API built on it.
#include <algorithm>
#include <array>

#include "core/core.hpp"
#include "version/scheme.hpp"

namespace bulwark::version {
namespace detail {

// Each scheme file defines one of these.
SchemeDef dpkg_scheme();
SchemeDef rpm_scheme();
SchemeDef apk_scheme();
SchemeDef semver_scheme();
SchemeDef npm_scheme();
SchemeDef pep440_scheme();
SchemeDef maven_scheme();
SchemeDef go_scheme();
SchemeDef rubygems_scheme();
SchemeDef nuget_scheme();
SchemeDef composer_scheme();
SchemeDef cargo_scheme();

namespace {

// The table: a new ecosystem is a new file plus one line here.
const std::vector<SchemeDef>& table() {
  static const std::vector<SchemeDef> t = [] {
    std::vector<SchemeDef> v = {
        dpkg_scheme(),     rpm_scheme(),      apk_scheme(),    semver_scheme(),
        npm_scheme(),      pep440_scheme(),   maven_scheme(),  go_scheme(),
        rubygems_scheme(), nuget_scheme(),    composer_scheme(), cargo_scheme(),
    };
    // Indexable by the enum.
    std::sort(v.begin(), v.end(), [](const SchemeDef& a, const SchemeDef& b) { return a.scheme < b.scheme; });
    return v;
  }();
  return t;
}

}  // namespace

const SchemeDef& scheme_def(Scheme s) { return table().at(static_cast<size_t>(s)); }

}  // namespace detail

using detail::scheme_def;

Result<Scheme> lookup_ecosystem(std::string_view name) {
  std::string key = to_lower(trim(name));
  // OSV appends the release: "Debian:12", "Alpine:v3.18", "Ubuntu:Pro:22.04".
  if (auto colon = key.find(':'); colon != std::string::npos) key.resize(colon);
  key = std::string(trim(key));
  for (const auto& def : detail::table()) {
    if (key == def.name) return def.scheme;
    for (auto e : def.ecosystems)
      if (key == e) return def.scheme;
  }
  return Error(ErrorCode::kInvalidArgument, "unknown ecosystem '" + std::string(name.substr(0, 100)) +
                                                "' (known: deb, rpm, apk, npm, pypi, maven, go, gem, nuget, "
                                                "composer, cargo, semver; see docs/versions.md)");
}

std::string_view scheme_name(Scheme scheme) { return scheme_def(scheme).name; }

const std::vector<Scheme>& all_schemes() {
  static const std::vector<Scheme> all = [] {
    std::vector<Scheme> v;
    for (const auto& d : detail::table()) v.push_back(d.scheme);
    return v;
  }();
  return all;
}

const std::string& Version::text() const { return p_->text; }

int Version::cmp(const Version& other) const { return p_->compare(*other.p_); }

Result<int> Version::compare(const Version& other) const {
  if (scheme_ != other.scheme_)
    return Error(ErrorCode::kInvalidArgument, "cannot compare a " + std::string(scheme_name(scheme_)) +
                                                  " version with a " + std::string(scheme_name(other.scheme_)) +
                                                  " version");
  return cmp(other);
}

bool Version::is_prerelease() const { return p_->is_prerelease(); }

Result<Version> parse(Scheme scheme, std::string_view text) {
  const auto& def = scheme_def(scheme);
  if (text.size() > kMaxVersionBytes)
    return Error(ErrorCode::kLimitExceeded, "invalid " + std::string(def.name) + " version '" +
                                                std::string(text.substr(0, 40)) + "...': longer than " +
                                                std::to_string(kMaxVersionBytes) + " bytes");
  auto p = def.parse(text);
  if (!p) return p.error();
  Version v;
  v.scheme_ = scheme;
  v.p_ = std::move(*p);
  return v;
}

Result<int> compare(Scheme scheme, std::string_view a, std::string_view b) {
  auto va = parse(scheme, a);
  if (!va) return va.error();
  auto vb = parse(scheme, b);
  if (!vb) return vb.error();
  return va->compare(*vb);
}

Result<int> compare(std::string_view ecosystem, std::string_view a, std::string_view b) {
  auto s = lookup_ecosystem(ecosystem);
  if (!s) return s.error();
  return compare(*s, a, b);
}

bool Range::contains(const Version& v) const {
  if (v.scheme() != scheme_ || !impl_) return false;
  return impl_->contains(v.parsed());
}

Result<Range> parse_range(Scheme scheme, std::string_view text) {
  const auto& def = scheme_def(scheme);
  if (text.size() > kMaxRangeBytes)
    return Error(ErrorCode::kLimitExceeded, "invalid " + std::string(def.name) + " range '" +
                                                std::string(text.substr(0, 40)) + "...': longer than " +
                                                std::to_string(kMaxRangeBytes) + " bytes");
  auto impl = def.range(text);
  if (!impl) return impl.error();
  Range r;
  r.scheme_ = scheme;
  r.text_ = std::string(text);
  r.impl_ = std::move(*impl);
  return r;
}

Result<bool> satisfies(Scheme scheme, std::string_view v, std::string_view range) {
  auto pv = parse(scheme, v);
  if (!pv) return pv.error();
  auto pr = parse_range(scheme, range);
  if (!pr) return pr.error();
  return pr->contains(*pv);
}

Result<EventKind> parse_event_kind(std::string_view name) {
  if (name == "introduced") return EventKind::kIntroduced;
  if (name == "fixed") return EventKind::kFixed;
  if (name == "last_affected") return EventKind::kLastAffected;
  if (name == "limit") return EventKind::kLimit;
  return Error(ErrorCode::kInvalidArgument, "unknown OSV range event '" + std::string(name.substr(0, 60)) + "'");
}

Result<OsvRange> parse_osv_range(Scheme scheme, const std::vector<Event>& events) {
  if (events.size() > 4096)
    return Error(ErrorCode::kLimitExceeded, "OSV range has " + std::to_string(events.size()) + " events (limit 4096)");
  OsvRange r;
  r.scheme_ = scheme;
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    if (e.kind == EventKind::kLimit && e.version == "*") continue;  // "*": no limit
    bool zero = e.kind == EventKind::kIntroduced && e.version == "0";
    Version v;
    if (!zero) {
      auto pv = parse(scheme, e.version);
      if (!pv) return pv.error().within("OSV event " + std::to_string(i + 1));
      v = std::move(*pv);
    }
    if (e.kind == EventKind::kLimit) r.limits_.push_back(v);
    else r.points_.push_back({e.kind, zero, std::move(v)});
  }
  // Sorted by version, "0" first; introduced before fixed at the same
  // version so that a zero-width range affects nothing.
  std::stable_sort(r.points_.begin(), r.points_.end(), [](const OsvRange::Point& a, const OsvRange::Point& b) {
    if (a.zero != b.zero) return a.zero;
    if (a.zero) return false;
    int c = a.version.parsed().compare(b.version.parsed());
    if (c != 0) return c < 0;
    return a.kind == EventKind::kIntroduced && b.kind != EventKind::kIntroduced;
  });
  return r;
}

bool OsvRange::contains(const Version& v) const {
  if (v.scheme() != scheme_) return false;
  const auto& p = v.parsed();
  // "limit": versions at or above every limit are outside (OSV: limit bounds
  // the range on the branch it names).
  if (!limits_.empty()) {
    bool below_some = false;
    for (const auto& l : limits_)
      if (p.compare(l.parsed()) < 0) below_some = true;
    if (!below_some) return false;
  }
  bool affected = false;
  for (const auto& pt : points_) {
    int c = pt.zero ? 1 : p.compare(pt.version.parsed());
    switch (pt.kind) {
      case EventKind::kIntroduced:
        if (c >= 0) affected = true;
        break;
      case EventKind::kFixed:
        if (c >= 0) affected = false;
        break;
      case EventKind::kLastAffected:
        if (c > 0) affected = false;
        break;
      case EventKind::kLimit:
        break;
    }
  }
  return affected;
}

}  // namespace bulwark::version
