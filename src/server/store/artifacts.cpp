// Artifact and scan lists, and the views read from the latest stored report
// (packages, layers, compliance).
#include <algorithm>
#include <map>

#include "core/json.hpp"
#include "server/store/internal.hpp"

namespace bulwark::store {

namespace {

const RowMap<ArtifactRow> kArtifactRows{
    {"id", &ArtifactRow::id},
    {"kind", &ArtifactRow::kind},
    {"name", &ArtifactRow::name},
    {"digest", &ArtifactRow::digest},
    {"tags", &ArtifactRow::tags},
    {"repositories", &ArtifactRow::repositories},
    {"os_family", &ArtifactRow::os_family},
    {"os_version", &ArtifactRow::os_version},
    {"os_eol", &ArtifactRow::os_eol},
    {"internet_facing", &ArtifactRow::internet_facing},
    {"first_seen", &ArtifactRow::first_seen},
    {"last_seen", &ArtifactRow::last_seen},
    {"open_critical, open_high, open_medium, open_low, open_unknown", &ArtifactRow::counts},
    {"risk", &ArtifactRow::risk},
    {"latest_scan_id", &ArtifactRow::latest_scan_id},
};

const RowMap<ScanRow> kScanRows{
    {"id", &ScanRow::id},
    {"artifact_id", &ScanRow::artifact_id},
    {"report_sha256", &ScanRow::report_sha256},
    {"created_at", &ScanRow::created_at},
    {"received_at", &ScanRow::received_at},
    {"tool_version", &ScanRow::tool_version},
    {"target_kind", &ScanRow::target_kind},
    {"digest", &ScanRow::digest},
    {"scanners", &ScanRow::scanners},
    {"n_critical, n_high, n_medium, n_low, n_unknown", &ScanRow::counts},
    {"n_findings", &ScanRow::findings},
    {"CASE WHEN report_gz IS NULL THEN 0 ELSE 1 END", &ScanRow::has_report},
    {"has_compliance", &ScanRow::has_compliance},
};

bool known_artifact_kind(std::string_view k) { return parse_target_kind(k).has_value() && k == lower(k); }

}  // namespace

Result<Page<ArtifactRow>> Store::list_artifacts(const ArtifactQuery& q) {
  if (auto s = check_limit(q.limit); !s) return s.error();
  if (!q.kind.empty() && !known_artifact_kind(q.kind))
    return Error(ErrorCode::kInvalidArgument, "kind: unknown value '" + q.kind.substr(0, 40) + "'");
  if (q.q.size() > 256) return Error(ErrorCode::kInvalidArgument, "q: longer than 256 bytes");
  const char* column = nullptr;
  bool desc = true;
  if (q.sort == "name") column = "name", desc = false;
  else if (q.sort == "last_seen") column = "last_seen";
  else if (q.sort == "risk") column = "risk";
  else return Error(ErrorCode::kInvalidArgument, "sort: unknown value '" + q.sort.substr(0, 40) + "'");
  if (q.order == "asc") desc = false;
  else if (q.order == "desc") desc = true;
  else if (!q.order.empty()) return Error(ErrorCode::kInvalidArgument, "order: must be asc or desc");

  std::string where = "1 = 1";
  std::vector<std::string> text_args;
  if (!q.kind.empty()) {
    where += " AND kind = ?";
    text_args.push_back(q.kind);
  }
  if (!q.q.empty()) {
    where += " AND (lower(name) LIKE ? ESCAPE '\\' OR lower(digest) LIKE ? ESCAPE '\\' OR lower(tags) LIKE ? ESCAPE '\\')";
    for (int i = 0; i < 3; ++i) text_args.push_back(like_contains(q.q));
  }
  std::string page_where = where;
  std::optional<std::pair<std::string, int64_t>> after;
  if (!q.cursor.empty()) {
    auto parts = decode_cursor(q.cursor, 3);
    if (!parts || (*parts)[0] != q.sort) return Error(ErrorCode::kInvalidArgument, "cursor: not a cursor of this list");
    after = std::make_pair((*parts)[1], std::strtoll((*parts)[2].c_str(), nullptr, 10));
    page_where += std::string(" AND (") + column + ", id) " + (desc ? "<" : ">") + " (?, ?)";
  }
  const char* dir = desc ? " DESC" : " ASC";
  return read_tx(*impl_, [&](sql::Connection& c) -> Result<Page<ArtifactRow>> {
    Page<ArtifactRow> page;
    {
      auto st = c.prepare("SELECT " + kArtifactRows.select() + " FROM artifacts WHERE " + page_where + " ORDER BY " +
                          column + dir + ", id" + dir + " LIMIT ?");
      if (!st) return st.error();
      int i = 1;
      for (const auto& a : text_args) (*st)->bind(i++, a);
      if (after) {
        if (q.sort == "risk")
          (*st)->bind(i++, static_cast<int64_t>(std::strtoll(after->first.c_str(), nullptr, 10)));
        else
          (*st)->bind(i++, after->first);
        (*st)->bind(i++, after->second);
      }
      (*st)->bind(i, static_cast<int64_t>(q.limit + 1));
      if (auto s = sql::each_row(**st, [&](sql::Stmt& row) { page.items.push_back(kArtifactRows.read(row)); }); !s)
        return s.error();
    }
    close_page(page, q.limit, [&](const ArtifactRow& last) {
      std::string v = q.sort == "name" ? last.name : q.sort == "last_seen" ? last.last_seen : std::to_string(last.risk);
      return std::vector<std::string>{q.sort, v, std::to_string(last.id)};
    });
    auto st = c.prepare("SELECT count(*) FROM (SELECT 1 FROM artifacts WHERE " + where + " LIMIT ?) AS t");
    if (!st) return st.error();
    int i = 1;
    for (const auto& a : text_args) (*st)->bind(i++, a);
    (*st)->bind(i, kExactTotal + 1);
    auto r = (*st)->step();
    if (!r) return r.error();
    page.total = (*st)->integer(0);
    if (page.total > kExactTotal) {
      page.total_is_estimate = true;
      auto n = sql::query_int(c, "SELECT count(*) FROM artifacts");
      if (!n) return n.error();
      page.total = std::max(page.total, n->value_or(0));
    }
    return page;
  });
}

Result<ArtifactRow> Store::get_artifact(int64_t id) {
  static const RowMap<ImageDigest> kDigestRows{
      {"digest", &ImageDigest::digest},         {"tags", &ImageDigest::tags},
      {"repositories", &ImageDigest::repositories}, {"first_seen", &ImageDigest::first_seen},
      {"last_seen", &ImageDigest::last_seen},
  };
  return with_connection(*impl_, [&](sql::Connection& c) -> Result<ArtifactRow> {
    auto a = kArtifactRows.one(c, "FROM artifacts WHERE id = ?", id);
    if (!a) return a.error();
    if (!*a) return Error(ErrorCode::kNotFound, "artifact " + std::to_string(id) + " does not exist");
    auto digests =
        kDigestRows.all(c, "FROM artifact_digests WHERE artifact_id = ? ORDER BY last_seen DESC, digest", id);
    if (!digests) return digests.error();
    (*a)->digests = std::move(*digests);
    return std::move(**a);
  });
}

Result<Page<ScanRow>> Store::list_scans(std::optional<int64_t> artifact_id, int limit, const std::string& cursor) {
  if (auto s = check_limit(limit); !s) return s.error();
  auto before = id_before(cursor);
  if (!before) return before.error();
  std::string where = artifact_id ? "artifact_id = ?" : "1 = 1";
  return read_tx(*impl_, [&](sql::Connection& c) -> Result<Page<ScanRow>> {
    Page<ScanRow> page;
    {
      auto st = c.prepare("SELECT " + kScanRows.select() + " FROM scans WHERE " + where +
                          " AND id < ? ORDER BY id DESC LIMIT ?");
      if (!st) return st.error();
      int i = 1;
      if (artifact_id) (*st)->bind(i++, *artifact_id);
      (*st)->bind(i++, *before);
      (*st)->bind(i, static_cast<int64_t>(limit + 1));
      if (auto s = sql::each_row(**st, [&](sql::Stmt& row) { page.items.push_back(kScanRows.read(row)); }); !s)
        return s.error();
    }
    close_page(page, limit, [](const ScanRow& s) { return std::vector<std::string>{std::to_string(s.id)}; });
    auto st = c.prepare("SELECT count(*) FROM (SELECT 1 FROM scans WHERE " + where + " LIMIT ?) AS t");
    if (!st) return st.error();
    int i = 1;
    if (artifact_id) (*st)->bind(i++, *artifact_id);
    (*st)->bind(i, kExactTotal + 1);
    auto r = (*st)->step();
    if (!r) return r.error();
    page.total = (*st)->integer(0);
    if (page.total > kExactTotal) page.total_is_estimate = true;
    return page;
  });
}

// ------------------------------------------------------------ report views --

namespace {

Result<std::string> stored_body(Store::Impl& impl, int64_t artifact_id, bool compliance) {
  auto lease = impl.lease();
  if (!lease) return lease.error();
  sql::Connection& c = **lease;
  auto exists = sql::query_int(c, "SELECT latest_scan_id FROM artifacts WHERE id = ?", artifact_id);
  if (!exists) return exists.error();
  if (!exists->has_value())
    return Error(ErrorCode::kNotFound, "artifact " + std::to_string(artifact_id) + " does not exist");
  auto st = compliance ? c.prepare(
                             "SELECT report_gz FROM scans WHERE artifact_id = ? AND has_compliance = 1 AND report_gz "
                             "IS NOT NULL ORDER BY id DESC LIMIT 1")
                       : c.prepare("SELECT report_gz FROM scans WHERE id = ? AND report_gz IS NOT NULL");
  if (!st) return st.error();
  (*st)->bind(1, compliance ? artifact_id : **exists);
  auto r = (*st)->step();
  if (!r) return r.error();
  if (!*r)
    return Error(ErrorCode::kNotFound, std::string("artifact ") + std::to_string(artifact_id) + " has no stored " +
                                           (compliance ? "compliance report" : "report"));
  return gunzip((*st)->blob(0), 256u << 20);
}

}  // namespace

Result<std::string> Store::latest_report_json(int64_t artifact_id) { return stored_body(*impl_, artifact_id, false); }

Result<Report> Store::latest_report(int64_t artifact_id) {
  auto body = stored_body(*impl_, artifact_id, false);
  if (!body) return body.error();
  return report_from_json(*body, "stored report");
}

Result<Report> Store::latest_compliance_report(int64_t artifact_id) {
  auto body = stored_body(*impl_, artifact_id, true);
  if (!body) return body.error();
  return report_from_json(*body, "stored report");
}

Result<std::vector<PackageRow>> Store::packages(int64_t artifact_id, std::string_view q) {
  auto report = latest_report(artifact_id);
  if (!report) return report.error();
  std::map<std::string, int64_t> by_id, by_name_version;
  for (const auto& f : report->findings) {
    if (!f.location.package_id.empty()) ++by_id[f.location.package_id];
    else if (!f.package_name.empty()) ++by_name_version[f.package_name + "@" + f.package_version];
  }
  std::string needle = lower(q);
  std::vector<PackageRow> out;
  auto add = [&](const Package& p) {
    if (!needle.empty() && lower(p.name).find(needle) == std::string::npos &&
        lower(p.purl).find(needle) == std::string::npos)
      return;
    PackageRow row{p.name, p.version, p.ecosystem, p.purl, p.location.layer, 0};
    std::string id = p.id.empty() ? make_package_id(p) : p.id;
    if (auto it = by_id.find(id); it != by_id.end()) row.findings += it->second;
    if (auto it = by_name_version.find(p.name + "@" + p.version); it != by_name_version.end())
      row.findings += it->second;
    out.push_back(std::move(row));
  };
  for (const auto& p : report->inventory.packages) add(p);
  for (const auto& app : report->inventory.applications)
    for (const auto& p : app.packages) add(p);
  std::sort(out.begin(), out.end(), [](const PackageRow& a, const PackageRow& b) {
    return std::tie(a.name, a.version, a.ecosystem) < std::tie(b.name, b.version, b.ecosystem);
  });
  return out;
}

Result<std::vector<LayerRow>> Store::layers(int64_t artifact_id) {
  auto report = latest_report(artifact_id);
  if (!report) return report.error();
  std::map<std::string, int64_t> per_layer;
  for (const auto& f : report->findings)
    if (!f.location.layer.empty()) ++per_layer[f.location.layer];
  std::vector<LayerRow> out;
  for (const auto& l : report->target.artifact.layers) {
    LayerRow row{l.digest, l.diff_id, l.created_by, l.size, 0};
    if (auto it = per_layer.find(l.diff_id); it != per_layer.end()) row.findings = it->second;
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace bulwark::store
