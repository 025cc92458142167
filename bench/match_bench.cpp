// Vulnerability matching benchmark. Builds a synthetic database (by default
// 50,000 advisories: Debian 12 source packages with tracker-style fixed
// versions, npm and PyPI packages with OSV ranges), opens it once, and matches
// an inventory of 2,000 packages (1,000 deb, 500 npm, 500 PyPI; about half of
// them have advisories) back to back with:
//   baseline  the same 2,000 lookups as bare indexed SELECTs on one reused
//             prepared statement, every row stepped and its columns read
//             (the least any matcher on this schema must do);
//   match     Matcher::match over the inventory (lookups, version parsing,
//             range evaluation, details of every matched vulnerability).
// Prints ms per match and the ratio match/baseline.
//
//   match_bench [--advisories=N] [--packages=N] [--iterations=N] [--work=DIR] [--keep]
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "vulndb/vulndb.hpp"

namespace fs = std::filesystem;
using namespace bulwark;

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::string range(const std::string& fixed) {
  return R"([{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":")" + fixed + R"("}]}])";
}

vulndb::Dataset synthetic(int advisories, int names_per_eco) {
  vulndb::Dataset d;
  const char* ecos[] = {"Debian", "npm", "PyPI"};
  for (int i = 0; i < advisories; ++i) {
    vulndb::Advisory a;
    const char* eco = ecos[i % 3];
    int n = (i / 3) % names_per_eco;
    a.id = "CVE-2020-" + std::to_string(100000 + i);
    a.origin = std::string(eco) == "Debian" ? "debian" : "ghsa";
    a.summary = "synthetic advisory " + std::to_string(i);
    a.severities.push_back({"nvd", "cvss_v3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "CRITICAL"});
    vulndb::AffectedEntry e;
    e.ecosystem = eco;
    std::string fixed;
    if (std::string(eco) == "Debian") {
      e.release = i % 2 ? "12" : "11";
      e.package = "srcpkg" + std::to_string(n);
      fixed = std::to_string(1 + i % 4) + "." + std::to_string(i % 10) + "-1";
      e.severity = "medium";
    } else {
      e.package = std::string(std::string(eco) == "npm" ? "npm-pkg-" : "py-pkg-") + std::to_string(n);
      fixed = std::to_string(1 + i % 4) + "." + std::to_string(i % 10) + ".0";
    }
    e.fixed = {fixed};
    e.ranges_json = range(fixed);
    e.versions_json = "[]";
    e.status = "fixed";
    a.affected.push_back(std::move(e));
    d.advisories.push_back(std::move(a));
  }
  vulndb::SourceInfo s;
  s.name = "synthetic";
  s.format = "osv";
  s.data_date = "2026-01-01";
  d.sources.push_back(s);
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  int advisories = 50000, packages = 2000, iterations = 20;
  bool keep = false;
  std::string work = (fs::temp_directory_path() / ("match-bench-" + std::to_string(::getpid()))).string();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&](const char* k) { return a.rfind(k, 0) == 0 ? a.substr(std::strlen(k)) : std::string(); };
    if (auto v = val("--advisories="); !v.empty()) advisories = std::stoi(v);
    else if (auto v2 = val("--packages="); !v2.empty()) packages = std::stoi(v2);
    else if (auto v3 = val("--iterations="); !v3.empty()) iterations = std::stoi(v3);
    else if (auto v4 = val("--work="); !v4.empty()) work = v4;
    else if (a == "--keep") keep = true;
  }
  fs::create_directories(work);
  std::string path = work + "/bench.db";
  // Names with advisories: each has advisories/3/names_per_eco records.
  const int names_per_eco = 2000;
  auto t0 = std::chrono::steady_clock::now();
  auto w = vulndb::write_database(path, synthetic(advisories, names_per_eco));
  if (!w) {
    std::fprintf(stderr, "write: %s\n", w.error().message.c_str());
    return 1;
  }
  std::printf("database: %d advisories, %llu affected rows, written in %.0f ms\n", advisories,
              static_cast<unsigned long long>(w->affected), ms_since(t0));

  // 2,000 packages: half deb (source names srcpkgN, every other one without
  // advisories), a quarter npm, a quarter PyPI.
  Inventory inv;
  OsInfo os;
  os.family = "debian";
  os.version = "12.5";
  inv.os = os;
  Application app;
  app.path = "app/package-lock.json";
  struct Key {
    std::string eco, name, release;
  };
  std::vector<Key> keys;
  for (int i = 0; i < packages; ++i) {
    Package p;
    int n = (i * 2) % (names_per_eco * 2);  // half the names exist in the database
    int kind = i % 4;
    if (kind < 2) {
      p.ecosystem = "deb";
      p.name = "bin" + std::to_string(i);
      p.src_name = "srcpkg" + std::to_string(n / 2 + (i % 2 ? names_per_eco : 0));
      p.version = p.src_version = "2.5-1";
      keys.push_back({"Debian", p.src_name, "12"});
      inv.packages.push_back(p);
    } else {
      p.ecosystem = kind == 2 ? "npm" : "pypi";
      p.name = std::string(kind == 2 ? "npm-pkg-" : "py-pkg-") + std::to_string(n / 2 + (i % 8 < 4 ? 0 : names_per_eco));
      p.version = "2.5.0";
      keys.push_back({kind == 2 ? "npm" : "PyPI", p.name, ""});
      app.packages.push_back(p);
    }
  }
  inv.applications.push_back(app);

  auto matcher = vulndb::Matcher::open(path);
  if (!matcher) {
    std::fprintf(stderr, "open: %s\n", matcher.error().message.c_str());
    return 1;
  }
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT vulnerability, advisory, ranges, fixed, status, severity FROM affected "
                     "WHERE ecosystem=?1 AND package=?2 AND (?3='' OR distro_release=?3)",
                     -1, &st, nullptr);

  std::vector<double> base_ms, match_ms;
  size_t findings = 0, rows = 0;
  uint64_t digest = 0;
  for (int it = 0; it < iterations; ++it) {
    auto b0 = std::chrono::steady_clock::now();
    rows = 0;
    for (const auto& k : keys) {
      sqlite3_reset(st);
      sqlite3_bind_text(st, 1, k.eco.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 2, k.name.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 3, k.release.c_str(), -1, SQLITE_STATIC);
      while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < 6; ++c) (void)sqlite3_column_text(st, c);
        ++rows;
      }
    }
    base_ms.push_back(ms_since(b0));
    auto m0 = std::chrono::steady_clock::now();
    std::vector<Diagnostic> diags;
    auto found = matcher->match(inv, diags);
    match_ms.push_back(ms_since(m0));
    if (!found) {
      std::fprintf(stderr, "match: %s\n", found.error().message.c_str());
      return 1;
    }
    findings = found->size();
    if (it == 0) {
      // Every field of every finding, so that a faster matcher can be checked
      // to give the same findings as the one before it.
      digest = 1469598103934665603ull;
      for (const auto& f : *found) {
        json j;
        to_json(j, f);
        for (unsigned char c : j.dump()) digest = (digest ^ c) * 1099511628211ull;
      }
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  std::sort(base_ms.begin(), base_ms.end());
  std::sort(match_ms.begin(), match_ms.end());
  double b = base_ms[base_ms.size() / 2], m = match_ms[match_ms.size() / 2];
  std::printf("%d packages, %zu affected rows looked at, %zu findings (digest %016llx)\n", packages, rows, findings,
              static_cast<unsigned long long>(digest));
  std::printf("baseline (bare indexed SELECTs): median %.2f ms\n", b);
  std::printf("match:                           median %.2f ms (min %.2f)\n", m, match_ms.front());
  std::printf("ratio match/baseline:            %.2f\n", m / b);
  if (!keep) fs::remove_all(work);
  return 0;
}
