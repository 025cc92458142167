// The official feeds `db update` downloads, as data: one line per feed.
// "{year}" lines expand to one feed per year from 2002 to the current year.
#include <ctime>
#include <set>

#include "vulndb/vulndb.hpp"

namespace bulwark::vulndb {
namespace {

struct FeedLine {
  const char* group;
  const char* file;  // the name in <cache-dir>/db/feeds and on a mirror
  const char* url;
};

// osv.dev publishes one zip per ecosystem; URL path segments are the
// ecosystem names as osv.dev spells them (spaces percent-encoded).
constexpr FeedLine kFeeds[] = {
    {"osv", "osv-Debian.zip", "https://osv-vulnerabilities.storage.googleapis.com/Debian/all.zip"},
    {"osv", "osv-Ubuntu.zip", "https://osv-vulnerabilities.storage.googleapis.com/Ubuntu/all.zip"},
    {"osv", "osv-Alpine.zip", "https://osv-vulnerabilities.storage.googleapis.com/Alpine/all.zip"},
    {"osv", "osv-Rocky-Linux.zip", "https://osv-vulnerabilities.storage.googleapis.com/Rocky%20Linux/all.zip"},
    {"osv", "osv-AlmaLinux.zip", "https://osv-vulnerabilities.storage.googleapis.com/AlmaLinux/all.zip"},
    {"osv", "osv-Red-Hat.zip", "https://osv-vulnerabilities.storage.googleapis.com/Red%20Hat/all.zip"},
    {"osv", "osv-SUSE.zip", "https://osv-vulnerabilities.storage.googleapis.com/SUSE/all.zip"},
    {"osv", "osv-openSUSE.zip", "https://osv-vulnerabilities.storage.googleapis.com/openSUSE/all.zip"},
    {"osv", "osv-Wolfi.zip", "https://osv-vulnerabilities.storage.googleapis.com/Wolfi/all.zip"},
    {"osv", "osv-Chainguard.zip", "https://osv-vulnerabilities.storage.googleapis.com/Chainguard/all.zip"},
    {"osv", "osv-npm.zip", "https://osv-vulnerabilities.storage.googleapis.com/npm/all.zip"},
    {"osv", "osv-PyPI.zip", "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"},
    {"osv", "osv-Go.zip", "https://osv-vulnerabilities.storage.googleapis.com/Go/all.zip"},
    {"osv", "osv-Maven.zip", "https://osv-vulnerabilities.storage.googleapis.com/Maven/all.zip"},
    {"osv", "osv-crates.io.zip", "https://osv-vulnerabilities.storage.googleapis.com/crates.io/all.zip"},
    {"osv", "osv-RubyGems.zip", "https://osv-vulnerabilities.storage.googleapis.com/RubyGems/all.zip"},
    {"osv", "osv-Packagist.zip", "https://osv-vulnerabilities.storage.googleapis.com/Packagist/all.zip"},
    {"osv", "osv-NuGet.zip", "https://osv-vulnerabilities.storage.googleapis.com/NuGet/all.zip"},
    {"osv", "osv-Hex.zip", "https://osv-vulnerabilities.storage.googleapis.com/Hex/all.zip"},
    {"osv", "osv-Pub.zip", "https://osv-vulnerabilities.storage.googleapis.com/Pub/all.zip"},
    {"debian", "debian-tracker.json", "https://security-tracker.debian.org/tracker/data/json"},
    // Alpine releases with security support (alpinelinux.org/releases).
    {"alpine", "alpine-v3.20-main.json", "https://secdb.alpinelinux.org/v3.20/main.json"},
    {"alpine", "alpine-v3.20-community.json", "https://secdb.alpinelinux.org/v3.20/community.json"},
    {"alpine", "alpine-v3.21-main.json", "https://secdb.alpinelinux.org/v3.21/main.json"},
    {"alpine", "alpine-v3.21-community.json", "https://secdb.alpinelinux.org/v3.21/community.json"},
    {"alpine", "alpine-v3.22-main.json", "https://secdb.alpinelinux.org/v3.22/main.json"},
    {"alpine", "alpine-v3.22-community.json", "https://secdb.alpinelinux.org/v3.22/community.json"},
    {"alpine", "alpine-v3.23-main.json", "https://secdb.alpinelinux.org/v3.23/main.json"},
    {"alpine", "alpine-v3.23-community.json", "https://secdb.alpinelinux.org/v3.23/community.json"},
    {"kev", "kev.json", "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"},
    {"epss", "epss.csv.gz", "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"},
    {"nvd", "nvdcve-2.0-{year}.json.gz", "https://nvd.nist.gov/feeds/json/cve/2.0/nvdcve-2.0-{year}.json.gz"},
    {"nvd", "nvdcve-2.0-modified.json.gz", "https://nvd.nist.gov/feeds/json/cve/2.0/nvdcve-2.0-modified.json.gz"},
};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t i = s.find(from); i != std::string::npos; i = s.find(from, i + to.size())) s.replace(i, from.size(), to);
  return s;
}

std::string stem(const std::string& file) {
  for (const char* ext : {".json.gz", ".csv.gz", ".zip", ".json"})
    if (file.size() > std::string(ext).size() && file.ends_with(ext)) return file.substr(0, file.size() - std::string(ext).size());
  return file;
}

}  // namespace

std::vector<Feed> official_feeds(int year) {
  if (year <= 0) {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    year = tm.tm_year + 1900;
  }
  std::vector<Feed> out;
  for (const auto& l : kFeeds) {
    std::string file = l.file, url = l.url;
    if (file.find("{year}") == std::string::npos) {
      out.push_back({l.group, stem(file), file, url});
      continue;
    }
    for (int y = 2002; y <= year; ++y) {
      std::string f = replace_all(file, "{year}", std::to_string(y));
      out.push_back({l.group, stem(f), f, replace_all(url, "{year}", std::to_string(y))});
    }
  }
  return out;
}

Result<std::vector<Feed>> select_feeds(std::string_view list, int year) {
  auto all = official_feeds(year);
  if (list.empty()) return all;
  std::set<std::string> wanted;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string item(list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    while (!item.empty() && item.back() == ' ') item.pop_back();
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    if (!item.empty()) {
      bool known = false;
      for (const auto& f : all) known = known || f.name == item || f.group == item || f.file == item;
      if (!known)
        return Error(ErrorCode::kInvalidArgument,
                     "unknown feed '" + item + "' (groups: osv, debian, alpine, kev, epss, nvd; or a feed name such as osv-npm)");
      wanted.insert(item);
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  std::vector<Feed> out;
  for (auto& f : all)
    if (wanted.count(f.name) || wanted.count(f.group) || wanted.count(f.file)) out.push_back(std::move(f));
  return out;
}

}  // namespace bulwark::vulndb
