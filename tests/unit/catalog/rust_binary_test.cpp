// cargo-auditable executables: the .dep-v0 section (zlib-compressed JSON)
// in ELF files of every class and byte order, a real Rust program built here
// with the section added by objcopy, and broken data of every kind.
//
// Real cargo-auditable output could not be made on this machine (the tool is
// not installed and crates.io is unreachable), so the section is written by
// the test from a JSON document in cargo-auditable's published format.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "catalog_testing.hpp"
#include "elf_builder.hpp"
#include "testing/testing.hpp"

namespace bulwark::catalog {
namespace {
namespace fs = std::filesystem;
using bulwark::testing::fixture;
using bulwark::testing::read_file;

const std::string kPath = "usr/local/bin/hello-auditable";

std::string zlib(const std::string& data) {
  uLongf n = compressBound(data.size());
  std::string out(n, '\0');
  EXPECT_EQ(compress2(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(data.data()), data.size(), 9),
            Z_OK);
  out.resize(n);
  return out;
}

std::string auditable_elf(const std::string& section, bool is64 = true, bool big_endian = false) {
  testing::ElfImage img;
  img.is64 = is64;
  img.big_endian = big_endian;
  img.sections.push_back({".text", std::string(64, '\x90'), true, false});
  img.sections.push_back({".dep-v0", section, false, false});
  return testing::ElfWriter::build(img);
}

struct Summary {
  Relationship rel;
  bool dev;
  bool operator==(const Summary&) const = default;
};
std::ostream& operator<<(std::ostream& o, const Summary& s) { return o << to_string(s.rel) << (s.dev ? "/dev" : ""); }

std::map<std::string, Summary> summary(const std::vector<Package>& pkgs) {
  std::map<std::string, Summary> out;
  for (const auto& p : pkgs) out[p.name + "@" + p.version] = {p.relationship, p.dev};
  return out;
}

std::map<std::string, std::set<std::string>> graph(const std::vector<Package>& pkgs) {
  std::map<std::string, std::string> by_id;
  for (const auto& p : pkgs) by_id[p.id] = p.name + "@" + p.version;
  std::map<std::string, std::set<std::string>> out;
  for (const auto& p : pkgs)
    for (const auto& d : p.depends_on) out[p.name + "@" + p.version].insert(by_id.at(d));
  return out;
}

void check_fixture_packages(const std::vector<Package>& pkgs, const std::string& path) {
  using R = Relationship;
  EXPECT_EQ(summary(pkgs), (std::map<std::string, Summary>{
                               {"hello-auditable@0.1.0", {R::kRoot, false}},
                               {"log@0.4.20", {R::kDirect, false}},
                               {"serde@1.0.190", {R::kDirect, false}},
                               {"tiny-fork@0.3.0", {R::kDirect, false}},
                               {"cfg-if@1.0.0", {R::kTransitive, false}},
                               {"serde_derive@1.0.190", {R::kTransitive, true}},  // kind "build"
                               {"proc-macro2@1.0.69", {R::kTransitive, true}},
                           }));
  EXPECT_EQ(graph(pkgs), (std::map<std::string, std::set<std::string>>{
                             {"hello-auditable@0.1.0", {"log@0.4.20", "serde@1.0.190", "tiny-fork@0.3.0"}},
                             {"log@0.4.20", {"cfg-if@1.0.0"}},
                             {"serde@1.0.190", {"serde_derive@1.0.190"}},
                             {"serde_derive@1.0.190", {"proc-macro2@1.0.69"}},
                             {"tiny-fork@0.3.0", {"cfg-if@1.0.0"}}}));
  for (const auto& p : pkgs) {
    EXPECT_EQ(p.ecosystem, "cargo");
    EXPECT_EQ(p.location.path, path);
    EXPECT_EQ(p.id, make_package_id(p));
  }
}

TEST(RustBinary, ReadsTheDependencySectionInEveryClassAndByteOrder) {
  const std::string section = zlib(read_file(fixture("lang/rust/auditable/dep-v0.json")));
  for (bool is64 : {true, false})
    for (bool be : {false, true}) {
      SCOPED_TRACE(std::string(is64 ? "64" : "32") + (be ? " BE" : " LE"));
      std::vector<Diagnostic> diags;
      auto pkgs = parse_rust_binary(auditable_elf(section, is64, be), kPath, diags);
      EXPECT_TRUE(diags.empty()) << diags[0].message;
      check_fixture_packages(pkgs, kPath);
    }
}

TEST(RustBinary, ExecutablesWithoutTheSectionGiveNothing) {
  std::vector<Diagnostic> diags;
  testing::ElfImage img;
  img.sections.push_back({".text", std::string(64, '\x90'), true, false});
  EXPECT_TRUE(parse_rust_binary(testing::ElfWriter::build(img), kPath, diags).empty());
  EXPECT_TRUE(parse_rust_binary("#!/bin/sh\n", kPath, diags).empty());
  EXPECT_TRUE(parse_rust_binary(read_file("/proc/self/exe"), kPath, diags).empty());
  // Go build info is not Rust's business.
  EXPECT_TRUE(parse_rust_binary(testing::go_elf("go1.20.3", testing::go_modinfo("path\tx\n"), true, false, true), kPath,
                                diags)
                  .empty());
  EXPECT_TRUE(diags.empty());
}

TEST(RustBinary, BrokenDataIsAWarningNamingTheFile) {
  auto expect_warning = [](const std::string& elf, const std::string& says) {
    std::vector<Diagnostic> diags;
    EXPECT_TRUE(parse_rust_binary(elf, kPath, diags).empty()) << says;
    ASSERT_FALSE(diags.empty()) << says;
    EXPECT_EQ(diags[0].location.path, kPath);
    EXPECT_NE(diags[0].message.find(says), std::string::npos) << diags[0].message;
  };
  const std::string json = read_file(fixture("lang/rust/auditable/dep-v0.json"));
  const std::string z = zlib(json);
  expect_warning(auditable_elf(z.substr(0, z.size() / 2)), "ends early");
  expect_warning(auditable_elf("not zlib at all"), "zlib");
  expect_warning(auditable_elf(zlib("{\"packages\": [")), "cargo-auditable data");
  expect_warning(auditable_elf(zlib("{\"crates\": []}")), "no \"packages\" array");
  expect_warning(auditable_elf(zlib("[1,2,3]")), "no \"packages\" array");
  // A bomb: 64 MiB of zeros compress to ~64 KiB, past both the size cap and the ratio limit.
  expect_warning(auditable_elf(zlib(std::string(size_t{64} << 20, '0'))), "decompresses to more than");
  // The ELF is cut before its section headers: the section name is still in
  // the bytes, so this was an auditable program.
  std::string good = auditable_elf(z);
  expect_warning(good.substr(0, good.size() - 8), "truncated");

  // Bad entries: warned about one by one, the rest is read.
  std::vector<Diagnostic> diags;
  auto pkgs = parse_cargo_auditable_data(
      zlib(R"({"packages":[{"name":"root","version":"1.0.0","source":"local","root":true,"dependencies":[1,2,7,0,"x"]},
                           {"name":"a","version":"1.0.0","source":"crates.io"},
                           {"name":"","version":"1.0.0","source":"crates.io"},
                           5,
                           {"name":"b","version":"2.0.0","source":"crates.io","dependencies":{"0":1}}]})"),
      kPath, diags);
  EXPECT_EQ(summary(pkgs), (std::map<std::string, Summary>{{"root@1.0.0", {Relationship::kRoot, false}},
                                                           {"a@1.0.0", {Relationship::kDirect, false}},
                                                           {"b@2.0.0", {Relationship::kTransitive, false}}}));
  EXPECT_EQ(diags.size(), 6u);  // indices 7, 0 (itself), "x"; no name; not an object; dependencies not an array
  for (const auto& d : diags) EXPECT_EQ(d.location.path, kPath);
}

TEST(RustBinary, EveryTruncationIsSafe) {
  const std::string good = auditable_elf(zlib(read_file(fixture("lang/rust/auditable/dep-v0.json"))), false, true);
  for (size_t n = 0; n <= good.size(); ++n) {
    std::vector<Diagnostic> diags;
    auto pkgs = parse_rust_binary(good.substr(0, n), kPath, diags);
    for (const auto& d : diags) EXPECT_EQ(d.location.path, kPath);
    if (n == good.size()) {
      EXPECT_EQ(pkgs.size(), 7u);
    }
  }
}

TEST(RustBinary, AnalyzerTakesExecutablesAndReportsARustBinaryApplication) {
  AnalyzerRegistry reg;
  register_language_analyzers(reg);
  const Analyzer* a = reg.find("rust-binary");
  ASSERT_NE(a, nullptr);
  EXPECT_FALSE(a->wants(kPath, 1 << 20));
  EXPECT_TRUE(a->wants_executable(kPath, 1 << 20));
  EXPECT_FALSE(a->wants_executable(kPath, int64_t{600} << 20));
  auto s = testing::scan_files(
      {{kPath, auditable_elf(zlib(read_file(fixture("lang/rust/auditable/dep-v0.json"))))}, {"usr/bin/x", "#!/bin/sh\n"}});
  ASSERT_EQ(s.inventory.applications.size(), 1u);
  EXPECT_EQ(s.inventory.applications[0].type, "rust-binary");
  EXPECT_EQ(s.inventory.applications[0].path, kPath);
  const Package* log = testing::find_package(s.inventory.applications[0].packages, "log");
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->purl, "pkg:cargo/log@0.4.20");
  EXPECT_TRUE(s.diagnostics.empty());
}

// A real Rust program (rustc's own ELF layout, symbols, debug sections),
// given the section with objcopy as cargo-auditable's linker step would
// leave it; the program must still run.
TEST(RustBinary, RealRustProgramWithTheSectionAdded) {
  std::string cargo = testing::find_cargo();
  if (cargo.empty()) GTEST_SKIP() << "cargo is not installed";
  BULWARK_REQUIRE_TOOL("objcopy");
  bulwark::testing::TempDir dir;
  fs::create_directories(dir / "hello/src");
  bulwark::testing::write_file(dir / "hello/Cargo.toml",
                               "[package]\nname = \"hello-auditable\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
  bulwark::testing::write_file(dir / "hello/src/main.rs", "fn main() { println!(\"hello\"); }\n");
  auto b = bulwark::testing::sh("cd '" + (dir / "hello").string() + "' && " + cargo + " build --release --offline 2>&1");
  if (b.exit_code != 0) GTEST_SKIP() << "cargo build failed offline: " << b.out;
  fs::path plain = dir / "hello/target/release/hello-auditable";
  fs::path out = dir / "hello-auditable";
  bulwark::testing::write_file(dir / "dep-v0", zlib(read_file(fixture("lang/rust/auditable/dep-v0.json"))));
  auto oc = bulwark::testing::run({"objcopy", "--add-section", ".dep-v0=" + (dir / "dep-v0").string(),
                                   "--set-section-flags", ".dep-v0=noload,readonly", plain.string(), out.string()});
  ASSERT_EQ(oc.exit_code, 0) << oc.err;
  auto run = bulwark::testing::run({out.string()});
  EXPECT_EQ(run.out, "hello\n");

  std::vector<Diagnostic> diags;
  auto pkgs = parse_rust_binary(read_file(out), kPath, diags);
  EXPECT_TRUE(diags.empty()) << diags[0].message;
  check_fixture_packages(pkgs, kPath);
  // The same program without the section: nothing.
  EXPECT_TRUE(parse_rust_binary(read_file(plain), kPath, diags).empty());
  EXPECT_TRUE(diags.empty());
  // objcopy reads back the very bytes Bulwark inflated.
  auto dump = bulwark::testing::run({"objcopy", "--dump-section", ".dep-v0=" + (dir / "back").string(), out.string(),
                                     (dir / "scratch").string()});
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_EQ(read_file(dir / "back"), read_file(dir / "dep-v0"));
}

}  // namespace
}  // namespace bulwark::catalog
