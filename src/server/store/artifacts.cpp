// Artifact and scan lists, and the views read from the latest stored report
// (packages, layers, compliance).
#include <algorithm>
#include <map>

#include "core/json.hpp"
#include "server/store/internal.hpp"

namespace bulwark::store {

namespace {

constexpr const char* kArtifactColumns =
    "id, kind, name, digest, tags, repositories, os_family, os_version, os_eol, internet_facing, first_seen, "
    "last_seen, open_critical, open_high, open_medium, open_low, open_unknown, risk, latest_scan_id";

ArtifactRow read_artifact(sql::Stmt& st) {
  ArtifactRow a;
  a.id = st.integer(0);
  a.kind = st.text(1);
  a.name = st.text(2);
  a.digest = st.text(3);
  a.tags = split_lines(st.text(4));
  a.repositories = split_lines(st.text(5));
  a.os_family = st.text(6);
  a.os_version = st.text(7);
  a.os_eol = st.text(8);
  a.internet_facing = st.integer(9) != 0;
  a.first_seen = st.text(10);
  a.last_seen = st.text(11);
  a.counts.critical = st.integer(12);
  a.counts.high = st.integer(13);
  a.counts.medium = st.integer(14);
  a.counts.low = st.integer(15);
  a.counts.unknown = st.integer(16);
  a.risk = st.integer(17);
  a.latest_scan_id = st.integer(18);
  return a;
}

constexpr const char* kScanColumns =
    "id, artifact_id, report_sha256, created_at, received_at, tool_version, target_kind, digest, scanners, "
    "n_critical, n_high, n_medium, n_low, n_unknown, n_findings, report_gz IS NOT NULL, has_compliance";

ScanRow read_scan(sql::Stmt& st) {
  ScanRow s;
  s.id = st.integer(0);
  s.artifact_id = st.integer(1);
  s.report_sha256 = st.text(2);
  s.created_at = st.text(3);
  s.received_at = st.text(4);
  s.tool_version = st.text(5);
  s.target_kind = st.text(6);
  s.digest = st.text(7);
  s.scanners = split_lines(st.text(8));
  s.counts.critical = st.integer(9);
  s.counts.high = st.integer(10);
  s.counts.medium = st.integer(11);
  s.counts.low = st.integer(12);
  s.counts.unknown = st.integer(13);
  s.findings = st.integer(14);
  s.has_report = st.integer(15) != 0 || st.text(15) == "t";
  s.has_compliance = st.integer(16) != 0;
  return s;
}

bool known_artifact_kind(std::string_view k) { return parse_target_kind(k).has_value() && k == lower(k); }

}  // namespace

Result<Page<ArtifactRow>> Store::list_artifacts(const ArtifactQuery& q) {
  if (q.limit < 1 || q.limit > kMaxLimit) return Error(ErrorCode::kInvalidArgument, "limit: must be 1..500");
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
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  sql::Connection& c = **lease;
  sql::Transaction tx(c);
  if (auto s = tx.begin_read(); !s) return s.error();
  Page<ArtifactRow> page;
  {
    auto st = c.prepare(std::string("SELECT ") + kArtifactColumns + " FROM artifacts WHERE " + page_where +
                        " ORDER BY " + column + dir + ", id" + dir + " LIMIT ?");
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
    for (;;) {
      auto r = (*st)->step();
      if (!r) return r.error();
      if (!*r) break;
      page.items.push_back(read_artifact(**st));
    }
  }
  if (page.items.size() > static_cast<size_t>(q.limit)) {
    page.items.pop_back();
    const ArtifactRow& last = page.items.back();
    std::string v = q.sort == "name" ? last.name : q.sort == "last_seen" ? last.last_seen : std::to_string(last.risk);
    page.next_cursor = encode_cursor({q.sort, v, std::to_string(last.id)});
  }
  {
    auto st = c.prepare("SELECT count(*) FROM (SELECT 1 FROM artifacts WHERE " + where + " LIMIT ?) AS t");
    if (!st) return st.error();
    int i = 1;
    for (const auto& a : text_args) (*st)->bind(i++, a);
    (*st)->bind(i, kExactTotal + 1);
    auto r = (*st)->step();
    if (!r) return r.error();
    page.total = (*st)->integer(0);
  }
  if (page.total > kExactTotal) {
    page.total_is_estimate = true;
    auto n = sql::query_int(c, "SELECT count(*) FROM artifacts");
    if (!n) return n.error();
    page.total = std::max(page.total, n->value_or(0));
  }
  return page;
}

Result<ArtifactRow> Store::get_artifact(int64_t id) {
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  sql::Connection& c = **lease;
  ArtifactRow a;
  {
    auto st = c.prepare(std::string("SELECT ") + kArtifactColumns + " FROM artifacts WHERE id = ?");
    if (!st) return st.error();
    (*st)->bind_all(id);
    auto r = (*st)->step();
    if (!r) return r.error();
    if (!*r) return Error(ErrorCode::kNotFound, "artifact " + std::to_string(id) + " does not exist");
    a = read_artifact(**st);
  }
  auto st = c.prepare(
      "SELECT digest, tags, repositories, first_seen, last_seen FROM artifact_digests WHERE artifact_id = ? "
      "ORDER BY last_seen DESC, digest");
  if (!st) return st.error();
  (*st)->bind_all(id);
  for (;;) {
    auto r = (*st)->step();
    if (!r) return r.error();
    if (!*r) break;
    a.digests.push_back({(*st)->text(0), split_lines((*st)->text(1)), split_lines((*st)->text(2)), (*st)->text(3),
                         (*st)->text(4)});
  }
  return a;
}

Result<Page<ScanRow>> Store::list_scans(std::optional<int64_t> artifact_id, int limit, const std::string& cursor) {
  if (limit < 1 || limit > kMaxLimit) return Error(ErrorCode::kInvalidArgument, "limit: must be 1..500");
  int64_t before = INT64_MAX;
  if (!cursor.empty()) {
    auto parts = decode_cursor(cursor, 1);
    if (!parts) return Error(ErrorCode::kInvalidArgument, "cursor: not a cursor of this list");
    before = std::strtoll((*parts)[0].c_str(), nullptr, 10);
  }
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  sql::Connection& c = **lease;
  sql::Transaction tx(c);
  if (auto s = tx.begin_read(); !s) return s.error();
  Page<ScanRow> page;
  std::string where = artifact_id ? "artifact_id = ?" : "1 = 1";
  {
    auto st = c.prepare(std::string("SELECT ") + kScanColumns + " FROM scans WHERE " + where +
                        " AND id < ? ORDER BY id DESC LIMIT ?");
    if (!st) return st.error();
    int i = 1;
    if (artifact_id) (*st)->bind(i++, *artifact_id);
    (*st)->bind(i++, before);
    (*st)->bind(i, static_cast<int64_t>(limit + 1));
    for (;;) {
      auto r = (*st)->step();
      if (!r) return r.error();
      if (!*r) break;
      page.items.push_back(read_scan(**st));
    }
  }
  if (page.items.size() > static_cast<size_t>(limit)) {
    page.items.pop_back();
    page.next_cursor = encode_cursor({std::to_string(page.items.back().id)});
  }
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
