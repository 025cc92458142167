// The Debian security tracker's JSON export (security-tracker.debian.org/
// tracker/data/json): {source package: {CVE-or-TEMP id: {description, scope,
// debianbug, releases: {codename: {status, repositories, fixed_version,
// urgency, nodsa, nodsa_reason}}}}}. The tracker has already applied its
// rules per release, so each release object maps to one row directly.
//
// The file is ~70 MB and growing; a DOM of it would take ~10x that. It is
// read with nlohmann's SAX interface instead: memory beyond the input text is
// the nesting stack and the issue being read, plus the records produced. An
// issue is committed when its object closes, so a truncated file keeps every
// complete issue before the break and reports the rest as lost.
#include "core/json.hpp"
#include "version/version.hpp"
#include "vulndb/importers/debian.hpp"
#include "vulndb/importers/importers.hpp"

#include <unordered_map>

namespace bulwark::vulndb::feeds {
namespace {

struct ReleaseState {
  std::string codename, status, fixed_version, urgency, nodsa_reason;
};

struct Issue {
  std::string package, id, description;
  uint64_t bug = 0;
  std::vector<ReleaseState> releases;
  std::string bad;  // why the issue is dropped
};

class TrackerSax : public nlohmann::json_sax<json> {
 public:
  TrackerSax(std::string_view text, const std::string& where, ImportContext& ctx) : text_(text), where_(where), ctx_(ctx) {}

  bool null() override { return scalar(std::string()); }
  bool boolean(bool b) override { return scalar(b ? "true" : "false"); }
  bool number_integer(number_integer_t v) override {
    if (depth_ == 3 && key_ == "debianbug" && skip_ < 0 && v > 0) issue_.bug = static_cast<uint64_t>(v);
    return scalar(std::to_string(v));
  }
  bool number_unsigned(number_unsigned_t v) override {
    if (depth_ == 3 && key_ == "debianbug" && skip_ < 0) issue_.bug = v;
    return scalar(std::to_string(v));
  }
  bool number_float(number_float_t, const string_t& s) override { return scalar(s); }
  bool string(string_t& s) override { return scalar(s); }
  bool binary(binary_t&) override { return true; }

  bool key(string_t& k) override {
    key_ = k;
    if (skip_ >= 0) return true;
    if (depth_ == 1) package_ = k;
    return true;
  }

  bool start_object(std::size_t) override { return open(true); }
  bool start_array(std::size_t) override { return open(false); }
  bool end_array() override { return close(); }
  bool end_object() override {
    if (skip_ < 0) {
      if (depth_ == 5) issue_.releases.push_back(std::move(release_));
      if (depth_ == 3) commit();
    }
    return close();
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) override {
    size_t line = 1, col = 1;
    for (size_t i = 0; i + 1 < position && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string msg = ex.what();
    if (size_t r = msg.find(": syntax error"); r != std::string::npos) msg = msg.substr(r + 2);
    error_ = true;
    ctx_.problem(where_ + ": line " + std::to_string(line) + " column " + std::to_string(col),
                 msg + (depth_ > 2 ? "; the issue being read (" + package_ + "/" + issue_.id + ") and everything after it is lost"
                                   : "; everything after this point is lost"));
    return false;
  }

  void finish() {
    if (!error_ && !root_seen_) ctx_.problem(where_, "not a tracker JSON export (empty document)");
    for (auto& a : advisories_)
      if (!a.affected.empty()) ctx_.add(std::move(a));
  }

 private:
  bool open(bool object) {
    if (depth_ >= kMaxDepth) {
      error_ = true;
      ctx_.problem(where_, "JSON nested deeper than " + std::to_string(kMaxDepth) + " levels (the tracker export has 6)");
      return false;
    }
    ++depth_;
    if (skip_ >= 0) return true;
    if (depth_ == 1) {
      root_seen_ = true;
      if (!object) {
        ctx_.problem(where_, "not a tracker JSON export: the top level is not an object");
        skip_ = 0;
      }
      return true;
    }
    bool expected = object && (depth_ == 2 || depth_ == 3 || (depth_ == 4 && key_ == "releases") || depth_ == 5 ||
                               (depth_ == 6 && key_ == "repositories"));
    if (depth_ == 3) issue_ = Issue{package_, key_, {}, 0, {}, {}};
    if (depth_ == 5) release_ = ReleaseState{key_, {}, {}, {}, {}};
    if (!expected) {
      // Unknown fields of an issue or a release are skipped; so is the
      // export's "releases": [] (no release).
      if (depth_ == 2) ctx_.problem(where_ + " (" + package_ + ")", "package entry is not an object");
      if (depth_ == 3) ctx_.problem(where_ + " (" + package_ + "/" + key_ + ")", "issue entry is not an object");
      if (depth_ == 5) issue_.bad = "release '" + key_.substr(0, 40) + "' is not an object";
      skip_ = depth_ - 1;
    } else if (depth_ == 6) {
      skip_ = depth_ - 1;  // repositories: the archive's versions, not needed
    }
    return true;
  }

  bool close() {
    --depth_;
    if (skip_ >= 0 && depth_ <= skip_) skip_ = -1;
    return true;
  }

  bool scalar(const std::string& v) {
    if (skip_ >= 0) return true;
    if (depth_ == 1) {
      ctx_.problem(where_ + " (" + package_ + ")", "package entry is not an object");
    } else if (depth_ == 2) {
      ctx_.problem(where_ + " (" + package_ + "/" + key_ + ")", "issue entry is not an object");
    } else if (depth_ == 3) {
      if (key_ == "description") issue_.description = v.substr(0, 8192);
    } else if (depth_ == 5) {
      if (key_ == "status") release_.status = v;
      else if (key_ == "fixed_version") release_.fixed_version = v;
      else if (key_ == "urgency") release_.urgency = v;
      else if (key_ == "nodsa_reason") release_.nodsa_reason = v;
    }
    return true;
  }

  void commit() {
    const std::string rwhere = where_ + " (" + issue_.package + "/" + issue_.id + ")";
    if (!issue_.bad.empty()) return ctx_.problem(rwhere, issue_.bad);
    if (!debian::is_cve_id(issue_.id) && !(starts_with(issue_.id, "TEMP-") && issue_.id.size() <= 40))
      return ctx_.problem(rwhere, "id '" + issue_.id.substr(0, 64) + "' is neither a CVE nor a TEMP- id");
    if (issue_.package.empty() || issue_.package.size() > 128) return ctx_.problem(rwhere, "bad source package name");
    std::vector<AffectedEntry> rows;
    std::string sid_severity;
    for (const auto& r : issue_.releases) {
      const std::string w = rwhere + " releases." + r.codename.substr(0, 40);
      const debian::Release* rel = debian::find_release(r.codename);
      if (!rel) {
        ctx_.warning(w, "unknown release codename; dropped");
        continue;
      }
      std::string status, threshold;
      if (r.status == "resolved") {
        if (r.fixed_version.empty()) {
          ctx_.warning(w, "resolved without a fixed_version; dropped");
          continue;
        }
        if (r.fixed_version == "0") {
          status = "not_affected";
        } else {
          auto v = version::parse(version::Scheme::kDpkg, r.fixed_version);
          if (!v) {
            ctx_.warning(w, "bad fixed_version '" + r.fixed_version.substr(0, 80) + "': " + v.error().message + "; dropped");
            continue;
          }
          status = "fixed";
          threshold = r.fixed_version;
        }
      } else if (r.status == "open" || r.status == "undetermined") {
        std::string_view u = r.urgency;
        if (u == "end-of-life") status = "end_of_life";
        else if (r.nodsa_reason == "ignored") status = "will_not_fix";
        else status = "unfixed";  // plain open, <no-dsa>, <postponed>, undetermined
      } else {
        ctx_.warning(w, "unknown status '" + r.status.substr(0, 40) + "'; dropped");
        continue;
      }
      std::string sev = debian::normalize_urgency(r.urgency);
      if (r.codename == "sid") sid_severity = sev;
      rows.push_back(debian::make_row(issue_.package, *rel, std::move(status), std::move(threshold), std::move(sev)));
    }
    if (rows.empty()) return;
    auto [it, inserted] = index_.try_emplace(issue_.id, advisories_.size());
    if (inserted) advisories_.push_back(debian::make_advisory(issue_.id, where_));
    Advisory& a = advisories_[it->second];
    if (a.summary.empty()) a.summary = issue_.description;
    debian::add_bug_reference(a, issue_.bug);
    if (!sid_severity.empty() && a.severities.empty())
      a.severities.push_back({"debian", "text", sid_severity, std::nullopt, sid_severity});
    for (auto& r : rows) a.affected.push_back(std::move(r));
  }

  static constexpr int kMaxDepth = 32;
  std::string_view text_;
  const std::string& where_;
  ImportContext& ctx_;
  int depth_ = 0;
  int skip_ = -1;  // >= 0: ignoring events until the depth falls back to it
  bool error_ = false, root_seen_ = false;
  std::string key_, package_;
  Issue issue_;
  ReleaseState release_;
  std::vector<Advisory> advisories_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace

int sniff_debian_tracker(std::string_view, std::string_view head) {
  // {"package": {"CVE-…" or "TEMP-…": — the first two keys say it.
  size_t i = 0;
  auto ws = [&] {
    while (i < head.size() && (head[i] == ' ' || head[i] == '\n' || head[i] == '\t' || head[i] == '\r')) ++i;
  };
  auto expect = [&](char c) {
    ws();
    if (i >= head.size() || head[i] != c) return false;
    ++i;
    return true;
  };
  if (!expect('{') || !expect('"')) return 0;
  size_t close = head.find('"', i);
  if (close == std::string_view::npos || close - i > 128) return 0;
  i = close + 1;
  if (!expect(':') || !expect('{') || !expect('"')) return 0;
  std::string_view id = head.substr(i);
  return starts_with(id, "CVE-") || starts_with(id, "TEMP-") ? 20 : 0;
}

void import_debian_tracker(std::string_view text, const std::string& where, ImportContext& ctx) {
  TrackerSax sax(text, where, ctx);
  // strict: trailing garbage after the top-level object is an error too.
  json::sax_parse(text.data(), text.data() + text.size(), &sax, nlohmann::json::input_format_t::json, true);
  sax.finish();
}

}  // namespace bulwark::vulndb::feeds
