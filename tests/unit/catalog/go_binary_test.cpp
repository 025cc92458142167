// Go executables: the build info blob in both layouts, every ELF class and
// byte order, stripped section headers, corrupt and truncated files, and a
// cross-check against `go version -m` on Go programs built here and on the
// Go programs installed on this machine.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "catalog/lang/golang.hpp"
#include "catalog_testing.hpp"
#include "elf_builder.hpp"
#include "testing/testing.hpp"
#include "version/version.hpp"

namespace bulwark::catalog {
namespace {
namespace fs = std::filesystem;
using testing::go_elf;
using testing::go_modinfo;

const std::string kPath = "usr/local/bin/app";

// A module list with every kind of line: main module, plain deps, a dep
// replaced by another version, a dep replaced by a local directory, build
// settings with and without quoting.
const std::string kModText =
    "path\texample.com/app/cmd/app\n"
    "mod\texample.com/app\t(devel)\t\n"
    "dep\tgithub.com/pkg/errors\tv0.9.1\th1:FEBLx1zS214owpjy7qsBeixbURkuhQAwrK5UwLGTwt4=\n"
    "dep\tgolang.org/x/net\tv0.7.0\n"
    "=>\tgolang.org/x/net\tv0.17.0\th1:pVaXccu2ozPjCXewfr1S7xza/zcXTity9cCdXQYSjIM=\n"
    "\n"
    "dep\texample.com/internal\tv0.0.0-00010101000000-000000000000\n"
    "=>\t../internal\t(devel)\t\n"
    "\n"
    "build\t-compiler=gc\n"
    "build\t-ldflags=\"-s -w -X main.version=1.2.3\"\n"
    "build\tCGO_ENABLED=0\n"
    "build\tvcs.revision=0123456789abcdef\n";

std::set<std::string> names_versions(const std::vector<Package>& pkgs) {
  std::set<std::string> out;
  for (const auto& p : pkgs) out.insert(p.name + "@" + p.version);
  return out;
}

const Package* find(const std::vector<Package>& pkgs, const std::string& name) {
  return testing::find_package(pkgs, name);
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void check_app(const std::optional<GoBuildInfo>& info, const std::vector<Diagnostic>& diags, const std::string& what) {
  ASSERT_TRUE(info.has_value()) << what;
  EXPECT_TRUE(diags.empty()) << what << ": " << (diags.empty() ? "" : diags[0].message);
  EXPECT_EQ(info->go_version, "go1.20.3") << what;
  EXPECT_EQ(info->path, "example.com/app/cmd/app") << what;
  EXPECT_EQ(names_versions(info->packages),
            (std::set<std::string>{"stdlib@v1.20.3", "example.com/app@(devel)", "github.com/pkg/errors@v0.9.1",
                                   "golang.org/x/net@v0.17.0", "example.com/internal@"}))
      << what;
  for (const auto& p : info->packages) {
    EXPECT_EQ(p.ecosystem, "golang");
    EXPECT_EQ(p.location.path, kPath);
    EXPECT_EQ(p.id, make_package_id(p));
    EXPECT_TRUE(p.depends_on.empty()) << "the build info has no graph";
    Relationship want = p.name == "example.com/app" ? Relationship::kRoot
                        : p.name == "stdlib"        ? Relationship::kDirect
                                                    : Relationship::kUnknown;
    EXPECT_EQ(p.relationship, want) << what << " " << p.name;
  }
  std::map<std::string, std::string> settings(info->settings.begin(), info->settings.end());
  EXPECT_EQ(settings["-ldflags"], "-s -w -X main.version=1.2.3") << what;
  EXPECT_EQ(settings["CGO_ENABLED"], "0") << what;
  EXPECT_EQ(settings["vcs.revision"], "0123456789abcdef") << what;
}

TEST(GoBinary, ReadsBothLayoutsInEveryClassAndByteOrder) {
  for (bool inl : {true, false})
    for (bool is64 : {true, false})
      for (bool be : {false, true}) {
        std::string what = std::string(inl ? "inline" : "pointer") + (is64 ? " 64-bit" : " 32-bit") + (be ? " BE" : " LE");
        std::string elf = go_elf("go1.20.3", go_modinfo(kModText), is64, be, inl);
        std::vector<Diagnostic> diags;
        check_app(parse_go_binary(elf, kPath, diags), diags, what);
      }
}

TEST(GoBinary, StrippedSectionHeadersUseTheFirstWritableSegment) {
  for (bool inl : {true, false}) {
    std::string elf = go_elf("go1.20.3", go_modinfo(kModText), true, false, inl, /*strip=*/true);
    std::vector<Diagnostic> diags;
    check_app(parse_go_binary(elf, kPath, diags), diags, inl ? "inline stripped" : "pointer stripped");
  }
}

// Go's own reader agrees with the files the tests write, so the layouts
// above are Go's and not only Bulwark's idea of them.
TEST(GoBinary, GoReadsTheTestFilesTheSameWay) {
  BULWARK_REQUIRE_TOOL("go");
  bulwark::testing::TempDir dir;
  for (bool inl : {true, false})
    for (bool is64 : {true, false})
      for (bool be : {false, true}) {
        fs::path file = dir / ("app-" + std::to_string(inl) + std::to_string(is64) + std::to_string(be));
        bulwark::testing::write_file(file, go_elf("go1.20.3", go_modinfo(kModText), is64, be, inl));
        fs::permissions(file, fs::perms::owner_exec, fs::perm_options::add);  // go version skips other files
        auto r = bulwark::testing::run({"go", "version", "-m", file.string()});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        EXPECT_NE(r.out.find(": go1.20.3\n"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("\t=>\tgolang.org/x/net\tv0.17.0\t"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("\tdep\tgithub.com/pkg/errors\tv0.9.1\t"), std::string::npos) << r.out;
      }
}

TEST(GoBinary, ProgramsWithoutModulesGiveTheStandardLibraryOnly) {
  // GOPATH-mode builds (Debian's own Go packages) have a path but no modules.
  std::string elf = go_elf("go1.19.8", go_modinfo("path\tgithub.com/containers/skopeo/cmd/skopeo\nbuild\t-compiler=gc\n"),
                           true, false, true);
  std::vector<Diagnostic> diags;
  auto info = parse_go_binary(elf, kPath, diags);
  ASSERT_TRUE(info);
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(names_versions(info->packages), std::set<std::string>{"stdlib@v1.19.8"});
  EXPECT_EQ(info->path, "github.com/containers/skopeo/cmd/skopeo");
  // No module information at all (no sentinels): same, silently, as Go does.
  diags.clear();
  info = parse_go_binary(go_elf("go1.16.15", "", true, false, false), kPath, diags);
  ASSERT_TRUE(info);
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(names_versions(info->packages), std::set<std::string>{"stdlib@v1.16.15"});
}

TEST(GoBinary, StandardLibraryVersionFromTheToolchainName) {
  struct Case {
    const char* go;
    std::optional<std::string> want;
  } cases[] = {
      {"go1.19.8", "v1.19.8"},
      {"go1.20", "v1.20.0"},
      {"go1.21rc2", "v1.21.0-rc.2"},
      {"go1.19beta1", "v1.19.0-beta.1"},
      {"go1.23.1 X:nocoverageredesign", "v1.23.1"},
      {"go1.22.0 X:boringcrypto", "v1.22.0"},
      {"go1.25-20250209-RC00 cl/724970549 +ff27d270c9 X:fieldtrack,boringcrypto", "v1.25-20250209-RC00"},
      {"devel go1.23-4a2b3c Mon Jan 1 00:00:00 2024 +0000", std::nullopt},
      {"go", std::nullopt},
      {"gox1.2", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(golang::stdlib_version(c.go), c.want) << c.go;
    // Whatever is reported must be a Go version the matcher can compare.
    if (c.want) {
      EXPECT_TRUE(version::parse(version::Scheme::kGo, *c.want).ok()) << *c.want;
    }
  }
}

TEST(GoBinary, NonGoFilesGiveNothingAndNoWarning) {
  std::vector<Diagnostic> diags;
  EXPECT_FALSE(parse_go_binary("#!/bin/sh\necho hello\n", kPath, diags));
  EXPECT_FALSE(parse_go_binary("", kPath, diags));
  EXPECT_FALSE(parse_go_binary("\x7f" "EL", kPath, diags));
  // An ELF program with sections but no Go build info (this test program).
  std::string self = slurp("/proc/self/exe");
  ASSERT_GT(self.size(), 1000u);
  EXPECT_FALSE(parse_go_binary(self, kPath, diags));
  // A synthetic one of every class and byte order, with and without section headers.
  for (bool is64 : {true, false})
    for (bool be : {false, true})
      for (bool strip : {false, true}) {
        testing::ElfImage img;
        img.is64 = is64;
        img.big_endian = be;
        img.strip_section_headers = strip;
        img.sections.push_back({".text", std::string(100, '\x90'), true, false});
        img.sections.push_back({".data", std::string(100, 'd'), true, true});
        EXPECT_FALSE(parse_go_binary(testing::ElfWriter::build(img), kPath, diags));
      }
  EXPECT_TRUE(diags.empty()) << diags[0].message;
}

TEST(GoBinary, CorruptBuildInfoIsAWarningNamingTheFile) {
  auto expect_warning = [](const std::string& bytes, const std::string& what, const std::string& says) {
    std::vector<Diagnostic> diags;
    auto info = parse_go_binary(bytes, kPath, diags);
    EXPECT_FALSE(info) << what;
    ASSERT_EQ(diags.size(), 1u) << what;
    EXPECT_EQ(diags[0].location.path, kPath) << what;
    EXPECT_NE(diags[0].message.find(says), std::string::npos) << what << ": " << diags[0].message;
  };
  const std::string good = go_elf("go1.20.3", go_modinfo(kModText), true, false, true);
  // Cut before the section header table: the ELF itself is broken, but the
  // build info magic shows it was a Go program.
  expect_warning(good.substr(0, good.size() - 10), "truncated", "truncated");
  // A string length far past the section.
  {
    std::string bad = good;
    size_t at = bad.find("\xff Go buildinf:");
    bad[at + 32] = '\xff';
    bad[at + 33] = '\xff';
    bad[at + 34] = '\x7f';
    expect_warning(bad, "long string", "run past");
  }
  // Old layout: pointer size 3; pointers to nowhere.
  {
    std::string bad = go_elf("go1.16.15", go_modinfo(kModText), true, false, false);
    size_t at = bad.find("\xff Go buildinf:");
    bad[at + 14] = 3;
    expect_warning(bad, "pointer size", "pointer size 3");
    bad[at + 14] = 8;
    for (int i = 0; i < 8; ++i) bad[at + 16 + i] = '\xee';
    expect_warning(bad, "wild pointer", "do not point");
  }
  // A .go.buildinfo section without the header.
  {
    std::string bad = good;
    bad[bad.find("\xff Go buildinf:") + 1] = 'X';
    expect_warning(bad, "no magic", "no build info header");
  }
  // Module lines that do not parse are warnings; the rest is still read.
  {
    std::vector<Diagnostic> diags;
    auto info = parse_go_binary(
        go_elf("go1.20.3",
               go_modinfo("mod\texample.com/app\n=>\tx\ny\tz\ndep\ta\tv1.0.0\ndep\tb\tv1.0.0\t\t\t\nbuild\tnoequals\n"), true,
               false, true),
        kPath, diags);
    ASSERT_TRUE(info);
    EXPECT_EQ(names_versions(info->packages), (std::set<std::string>{"stdlib@v1.20.3", "a@v1.0.0"}));
    ASSERT_EQ(diags.size(), 4u);
    EXPECT_NE(diags[0].message.find("line 1"), std::string::npos) << diags[0].message;
    EXPECT_NE(diags[1].message.find("line 2"), std::string::npos) << diags[1].message;
    EXPECT_NE(diags[2].message.find("line 5"), std::string::npos) << diags[2].message;
    EXPECT_NE(diags[3].message.find("line 6"), std::string::npos) << diags[3].message;
  }
}

// Every prefix of a Go executable, and every single-byte change in its
// headers: no crash, no read outside the bytes (the sanitizer builds check
// that), and only warnings that name the file.
TEST(GoBinary, EveryTruncationAndHeaderCorruptionIsSafe) {
  for (bool inl : {true, false})
    for (bool is64 : {true, false}) {
      const std::string good = go_elf("go1.20.3", go_modinfo(kModText), is64, !is64, inl);
      for (size_t n = 0; n <= good.size(); ++n) {
        std::vector<Diagnostic> diags;
        auto info = parse_go_binary(good.substr(0, n), kPath, diags);
        for (const auto& d : diags) EXPECT_EQ(d.location.path, kPath);
        if (n == good.size()) {
          EXPECT_TRUE(info);
        }
      }
      for (size_t i = 0; i < std::min<size_t>(good.size(), 160); ++i)
        for (unsigned char v : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
          std::string bad = good;
          bad[i] = static_cast<char>(v);
          std::vector<Diagnostic> diags;
          (void)parse_go_binary(bad, kPath, diags);
        }
    }
}

TEST(GoBinary, AnalyzerTakesExecutablesAndReportsAGoBinaryApplication) {
  auto reg = std::make_unique<AnalyzerRegistry>();
  register_language_analyzers(*reg);
  const Analyzer* a = reg->find("go-binary");
  ASSERT_NE(a, nullptr);
  EXPECT_FALSE(a->wants("usr/bin/app", 1 << 20));
  EXPECT_TRUE(a->wants_executable("usr/bin/app", 1 << 20));
  EXPECT_FALSE(a->wants_executable("usr/bin/app", 10));
  EXPECT_FALSE(a->wants_executable("usr/bin/app", int64_t{600} << 20));
  std::vector<size_t> idx;
  reg->wanting("usr/bin/app", 1 << 20, 0644, idx);
  for (size_t i : idx) EXPECT_NE(reg->all()[i]->name(), "go-binary") << "not executable";

  auto s = testing::scan_files({{kPath, go_elf("go1.20.3", go_modinfo(kModText), true, false, true)},
                                {"usr/bin/script", "#!/bin/sh\n"}});
  ASSERT_EQ(s.inventory.applications.size(), 1u);
  const Application& app = s.inventory.applications[0];
  EXPECT_EQ(app.type, "gobinary");
  EXPECT_EQ(app.path, kPath);
  EXPECT_EQ(app.packages.size(), 5u);
  const Package* net = find(app.packages, "golang.org/x/net");
  ASSERT_NE(net, nullptr);
  EXPECT_EQ(net->purl, "pkg:golang/golang.org/x/net@v0.17.0");
  const Package* stdlib = find(app.packages, "stdlib");
  ASSERT_NE(stdlib, nullptr);
  EXPECT_EQ(stdlib->purl, "pkg:golang/stdlib@v1.20.3");
  const auto& results = s.results["go-binary"];
  auto it = std::find_if(results.begin(), results.end(), [](const FileResult& r) { return r.path == kPath; });
  ASSERT_NE(it, results.end());
  EXPECT_EQ(it->facts.at("go.version"), "go1.20.3");
  EXPECT_EQ(it->facts.at("go.path"), "example.com/app/cmd/app");
  EXPECT_EQ(it->facts.at("go.build.CGO_ENABLED"), "0");
  EXPECT_TRUE(s.diagnostics.empty());
}

// ------------------------------------------------------- against `go version -m`

struct GoListing {
  std::string go_version;
  std::string path;
  std::set<std::string> modules;  // name@version by the documented replacement rule
  std::string main;               // name@version of the main module
  std::map<std::string, std::string> plain_settings;  // settings printed without quotes
};

// Reads the output of `go version -m`: "<file>: <go version>" and then the
// build info lines, each indented by a tab.
std::map<std::string, GoListing> parse_go_version_m(const std::string& out) {
  std::map<std::string, GoListing> files;
  GoListing* cur = nullptr;
  struct Mod {
    std::string path, version, rpath, rversion;
    bool replaced = false, main = false;
  };
  std::vector<Mod> mods;
  auto flush = [&] {
    if (!cur) return;
    for (const auto& m : mods) {
      std::string nv = !m.replaced ? m.path + "@" + m.version
                       : golang::is_local_path(m.rpath) ? m.path + "@"
                                                        : m.rpath + "@" + m.rversion;
      cur->modules.insert(nv);
      if (m.main) cur->main = nv;
    }
    mods.clear();
  };
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line[0] != '\t') {
      flush();
      size_t colon = line.rfind(": go");
      if (colon == std::string::npos) colon = line.rfind(": devel");
      if (colon == std::string::npos) {
        cur = nullptr;
        continue;
      }
      cur = &files[line.substr(0, colon)];
      cur->go_version = line.substr(colon + 2);
      continue;
    }
    if (!cur) continue;
    std::vector<std::string> f;
    std::stringstream ls(line.substr(1));
    std::string part;
    while (std::getline(ls, part, '\t')) f.push_back(part);
    if (f.empty()) continue;
    if (f[0] == "path" && f.size() >= 2) cur->path = f[1];
    if ((f[0] == "mod" || f[0] == "dep") && f.size() >= 3) mods.push_back({f[1], f[2], "", "", false, f[0] == "mod"});
    if (f[0] == "=>" && f.size() >= 3 && !mods.empty()) {
      mods.back().replaced = true;
      mods.back().rpath = f[1];
      mods.back().rversion = f[2];
    }
    if (f[0] == "build" && f.size() >= 2) {
      size_t eq = f[1].find('=');
      if (eq != std::string::npos && f[1][0] != '"' && f[1][0] != '`' && f[1].find('"', eq) == std::string::npos &&
          f[1].find('`', eq) == std::string::npos)
        cur->plain_settings[f[1].substr(0, eq)] = f[1].substr(eq + 1);
    }
  }
  flush();
  return files;
}

// Compares Bulwark's reading of each file with Go's; returns how many
// modules were compared.
size_t compare_with_go(const std::map<std::string, GoListing>& listed) {
  size_t modules = 0;
  for (const auto& [file, want] : listed) {
    SCOPED_TRACE(file);
    std::string bytes = slurp(file);
    std::vector<Diagnostic> diags;
    auto info = parse_go_binary(bytes, file, diags);
    EXPECT_TRUE(diags.empty()) << diags[0].message;
    if (!info) {
      ADD_FAILURE() << "no build info read";
      continue;
    }
    EXPECT_EQ(info->go_version, want.go_version);
    EXPECT_EQ(info->path, want.path);
    std::set<std::string> got;
    for (const auto& p : info->packages) {
      if (p.name == "stdlib") {
        // For plain release names the version is the name with "v" for "go".
        if (want.go_version.find_first_not_of("go0123456789.") == std::string::npos &&
            std::count(want.go_version.begin(), want.go_version.end(), '.') == 2) {
          EXPECT_EQ(p.version, "v" + want.go_version.substr(2));
        }
        continue;
      }
      got.insert(p.name + "@" + p.version);
      if (p.relationship == Relationship::kRoot) {
        EXPECT_EQ(p.name + "@" + p.version, want.main);
      }
    }
    EXPECT_EQ(got, want.modules);
    modules += want.modules.size();
    std::map<std::string, std::string> settings(info->settings.begin(), info->settings.end());
    for (const auto& [k, v] : want.plain_settings) EXPECT_EQ(settings[k], v) << k;
  }
  return modules;
}

// Runs the go command offline with a private module cache.
bulwark::testing::CommandResult go(const fs::path& dir, const fs::path& gopath, const std::string& args,
                                   const std::string& env = "") {
  return bulwark::testing::sh("cd '" + dir.string() + "' && env GOPATH='" + gopath.string() +
                              "' GOFLAGS='-mod=mod -modcacherw' GOSUMDB=off GOTOOLCHAIN=local CGO_ENABLED=0 " + env +
                              " go " + args + " 2>&1");
}

// A program with a real dependency graph built here, offline: modules served
// by a file:// GOPROXY (one replaced by another version of itself), one
// replaced by a local directory; and the same small program cross-compiled
// for 32-bit, big-endian and 64-bit big-endian targets.
TEST(GoBinary, MatchesGoVersionOnProgramsBuiltHere) {
  BULWARK_REQUIRE_TOOL("go");
  BULWARK_REQUIRE_TOOL("zip");
  bulwark::testing::TempDir dir;
  auto write = [&](const std::string& rel, const std::string& text) {
    fs::create_directories((dir / rel).parent_path());
    bulwark::testing::write_file(dir / rel, text);
  };
  auto publish = [&](const std::string& mod, const std::string& pkg, const std::string& v) {
    std::string src = "src/" + mod + "@" + v;
    write(src + "/go.mod", "module " + mod + "\n\ngo 1.19\n");
    write(src + "/" + pkg + ".go", "package " + pkg + "\n\nfunc Version() string { return \"" + v + "\" }\n");
    std::string at = "proxy/" + mod + "/@v/";
    write(at + v + ".mod", "module " + mod + "\n\ngo 1.19\n");
    write(at + v + ".info", "{\"Version\":\"" + v + "\",\"Time\":\"2024-01-01T00:00:00Z\"}");
    auto z = bulwark::testing::sh("cd '" + (dir / "src").string() + "' && zip -qr '" + (dir / at).string() + v +
                                  ".zip' '" + mod + "@" + v + "'");
    ASSERT_EQ(z.exit_code, 0) << z.out << z.err;
    std::ofstream(dir / (at + "list"), std::ios::app) << v << "\n";
  };
  publish("example.com/dep", "dep", "v1.0.0");
  publish("example.com/dep", "dep", "v1.1.0");
  publish("example.com/other", "other", "v0.2.0");
  write("app/local/go.mod", "module example.com/local\n\ngo 1.19\n");
  write("app/local/local.go", "package local\n\nfunc Name() string { return \"local\" }\n");
  write("app/go.mod",
        "module example.com/app\n\ngo 1.19\n\nrequire (\n\texample.com/dep v1.0.0\n\texample.com/local v0.0.0\n"
        "\texample.com/other v0.2.0\n)\n\nreplace example.com/dep v1.0.0 => example.com/dep v1.1.0\n\n"
        "replace example.com/local => ./local\n");
  write("app/main.go",
        "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/dep\"\n\t\"example.com/local\"\n\t\"example.com/other\"\n)\n\n"
        "func main() { fmt.Println(dep.Version(), local.Name(), other.Version()) }\n");
  write("hello/go.mod", "module example.com/hello\n\ngo 1.19\n");
  write("hello/main.go", "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n");

  const std::string proxy = "GOPROXY=file://" + (dir / "proxy").string();
  auto b = go(dir / "app", dir / "gopath", "build -o ../bin/app .", proxy);
  ASSERT_EQ(b.exit_code, 0) << b.out;
  for (const char* arch : {"386", "arm", "mips", "s390x", "ppc64"}) {
    b = go(dir / "hello", dir / "gopath", std::string("build -o ../bin/hello-") + arch + " .",
           std::string("GOPROXY=off GOARCH=") + arch);
    ASSERT_EQ(b.exit_code, 0) << arch << ": " << b.out;
  }
  auto listed = bulwark::testing::run({"go", "version", "-m", (dir / "bin").string()});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  auto files = parse_go_version_m(listed.out);
  ASSERT_EQ(files.size(), 6u) << listed.out;
  const auto& app = files.at((dir / "bin/app").string());
  EXPECT_EQ(app.modules, (std::set<std::string>{"example.com/app@(devel)", "example.com/dep@v1.1.0",
                                                "example.com/local@", "example.com/other@v0.2.0"}));
  EXPECT_GE(compare_with_go(files), 9u);

  // The big-endian and 32-bit programs really are what they claim.
  for (const auto& [arch, is64, be] : std::vector<std::tuple<std::string, bool, bool>>{
           {"386", false, false}, {"arm", false, false}, {"mips", false, true}, {"s390x", true, true}, {"ppc64", true, true}}) {
    std::string bytes = slurp(dir / ("bin/hello-" + arch));
    ASSERT_GT(bytes.size(), 6u);
    EXPECT_EQ(bytes[4], is64 ? 2 : 1) << arch;
    EXPECT_EQ(bytes[5], be ? 2 : 1) << arch;
  }
}

// The Go programs installed on this machine (Debian's, and whatever else is
// in the usual places): each one read as `go version -m` reads it.
TEST(GoBinary, MatchesGoVersionOnInstalledGoPrograms) {
  BULWARK_REQUIRE_TOOL("go");
  std::vector<std::string> argv = {"go", "version", "-m"};
  auto goroot = bulwark::testing::run({"go", "env", "GOROOT"});
  std::vector<std::string> dirs = {"/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/lib/google-cloud-sdk/bin"};
  if (goroot.exit_code == 0) dirs.push_back(std::string(trim(goroot.out)));  // the toolchain's own programs
  for (const auto& d : dirs)
    if (!d.empty() && fs::exists(d)) argv.push_back(d);
  auto r = bulwark::testing::run(argv);
  auto files = parse_go_version_m(r.out);
  if (files.empty()) GTEST_SKIP() << "no Go programs installed";
  size_t modules = compare_with_go(files);
  std::cout << "compared " << files.size() << " Go programs, " << modules << " modules with go version -m\n";
}

// Every other executable in /usr/bin and /usr/sbin (C, C++, Rust, scripts):
// nothing, and not a single warning.
TEST(GoBinary, OtherExecutablesOnThisMachineGiveNothing) {
  BULWARK_REQUIRE_TOOL("go");
  auto r = bulwark::testing::run({"go", "version", "/usr/bin", "/usr/sbin"});
  auto go_files = parse_go_version_m(r.out);
  size_t checked = 0;
  for (const char* d : {"/usr/bin", "/usr/sbin"}) {
    if (!fs::exists(d)) continue;
    for (const auto& e : fs::directory_iterator(d)) {
      std::error_code ec;
      if (!e.is_regular_file(ec) || e.is_symlink(ec)) continue;
      if ((e.status(ec).permissions() & fs::perms::owner_exec) == fs::perms::none) continue;
      if (go_files.count(e.path().string())) continue;
      if (e.file_size(ec) > (256u << 20)) continue;
      std::string bytes = slurp(e.path());
      std::vector<Diagnostic> diags;
      EXPECT_FALSE(parse_go_binary(bytes, e.path().string(), diags)) << e.path();
      EXPECT_TRUE(parse_rust_binary(bytes, e.path().string(), diags).empty()) << e.path();
      EXPECT_TRUE(diags.empty()) << e.path() << ": " << diags[0].message;
      ++checked;
    }
  }
  if (checked == 0) GTEST_SKIP() << "no executables found";
  std::cout << "checked " << checked << " other executables\n";
}

// Executables in the shared corpus (its inputs are data files; binaries were
// left out when it was assembled, so this usually finds none and says so).
TEST(GoBinary, CorpusExecutablesParse) {
  BULWARK_REQUIRE_CORPUS();
  size_t elf = 0;
  for (const auto& e : fs::recursive_directory_iterator(bulwark::testing::corpus_dir() / "inputs")) {
    if (!e.is_regular_file() || e.file_size() < 64 || e.file_size() > (256u << 20)) continue;
    std::ifstream in(e.path(), std::ios::binary);
    char magic[4] = {};
    in.read(magic, 4);
    if (std::string_view(magic, 4) != std::string_view("\x7f" "ELF", 4)) continue;
    ++elf;
    std::string bytes = slurp(e.path());
    std::vector<Diagnostic> diags;
    (void)parse_go_binary(bytes, e.path().string(), diags);
    (void)parse_rust_binary(bytes, e.path().string(), diags);
    EXPECT_TRUE(diags.empty()) << e.path() << ": " << diags[0].message;
  }
  if (elf == 0) GTEST_SKIP() << "the shared corpus holds no ELF executables";
}

}  // namespace
}  // namespace bulwark::catalog
