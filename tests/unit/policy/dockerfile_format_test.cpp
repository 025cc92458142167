// Dockerfiles as documents: every instruction, continuation lines, comments,
// heredocs, flags, exec and shell forms, stages and ARG/ENV substitution, with
// the line and column of every word; problems are diagnostics, never crashes.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "policy/misconfig/misconfig.hpp"
#include "unit/policy/policy_format_testing.hpp"

namespace bulwark::policy {
namespace {

using testing::at;
using testing::fixture_file;
using testing::messages;
using testing::run_format;
using testing::str;

testing::Parsed parse_text(const std::string& text, const std::string& path = "Dockerfile") {
  return run_format("dockerfile", {ConfigFile{path, "", text}});
}

// The instructions of stage `s` with command `cmd`, in order.
std::vector<const Node*> instructions(const Node& root, size_t s, std::string_view cmd) {
  std::vector<const Node*> out;
  const Node* stage = find_path(root, "stages[" + std::to_string(s) + "]");
  if (!stage) return out;
  for (const Node& i : stage->get("instructions")->items())
    if (i.get("cmd")->as_string() == cmd) out.push_back(&i);
  return out;
}

// The value of the ENV/LABEL/ARG pair `key` in the last such instruction of stage `s`.
std::string pair_value(const Node& root, size_t s, std::string_view cmd, std::string_view key) {
  std::string value = "<none>";
  for (const Node* i : instructions(root, s, cmd))
    for (const Node& p : i->get("pairs")->items())
      if (p.get("key")->as_string() == key) value = p.get("value")->is_null() ? "<null>" : p.get("value")->as_string();
  return value;
}

TEST(DockerfileFormat, WantsDockerfilesByName) {
  const ConfigFormat* f = find_config_format("dockerfile");
  ASSERT_NE(f, nullptr);
  for (const char* p : {"Dockerfile", "app/Dockerfile", "Containerfile", "build/api.dockerfile", "Dockerfile.prod",
                        "x/Dockerfile.dev", "web.Dockerfile", "dockerfile"})
    EXPECT_TRUE(f->wants(p)) << p;
  for (const char* p : {"Dockerfile/readme.md", "docs/dockerfile.md", "Dockerfile.j2", "Dockerfiles", "app/docker-compose.yml", "Makefile"})
    EXPECT_FALSE(f->wants(p)) << p;
}

TEST(DockerfileFormat, EveryInstructionOfTheFixture) {
  auto r = run_format("dockerfile", {fixture_file("dockerfile/Dockerfile", "app/Dockerfile")});
  ASSERT_EQ(r.docs.size(), 1u);
  EXPECT_TRUE(r.diags.empty()) << messages(r.diags);
  const Document& d = r.docs[0];
  EXPECT_EQ(d.format, "dockerfile");
  EXPECT_EQ(d.kind, "Dockerfile");
  EXPECT_EQ(d.path, "app/Dockerfile");
  const Node& root = d.root;

  EXPECT_EQ(str(root, "directives.syntax"), "docker/dockerfile:1.7");
  EXPECT_EQ(str(root, "directives.check"), "skip=JSONArgsRecommended");
  EXPECT_EQ(at(root, "directives.syntax").pos, (SourcePos{1, 10}));

  // Global ARGs, before the first FROM.
  ASSERT_EQ(at(root, "args").size(), 2u);
  EXPECT_EQ(str(root, "args[0].pairs[0].key"), "GO_VERSION");
  EXPECT_EQ(str(root, "args[0].pairs[0].value"), "1.22");
  EXPECT_TRUE(at(root, "args[1].pairs[0].value").is_null());

  ASSERT_EQ(at(root, "stages").size(), 3u);
  // Stage 0: FROM with a platform flag and ARG substitution.
  EXPECT_EQ(str(root, "stages[0].name"), "Builder");
  EXPECT_EQ(str(root, "stages[0].from.original"), "golang:${GO_VERSION}-alpine");
  EXPECT_EQ(str(root, "stages[0].from.ref"), "golang:1.22-alpine");
  EXPECT_EQ(str(root, "stages[0].from.image"), "golang");
  EXPECT_EQ(str(root, "stages[0].from.tag"), "1.22-alpine");
  EXPECT_EQ(at(root, "stages[0].from.ref").pos, (SourcePos{6, 32}));
  EXPECT_EQ(str(root, "stages[0].from.unresolved[0]"), "BUILDPLATFORM");
  EXPECT_EQ(str(root, "stages[0].instructions[0].cmd"), "from");
  EXPECT_EQ(str(root, "stages[0].instructions[0].flag_list[0].original"), "$BUILDPLATFORM");

  // ENV over continuation lines with a comment and an empty line inside.
  auto envs = instructions(root, 0, "env");
  ASSERT_EQ(envs.size(), 1u);
  const Node& env = *envs[0];
  EXPECT_EQ(env.pos, (SourcePos{9, 1}));
  EXPECT_EQ(at(env, "line").as_int(), 9);
  EXPECT_EQ(at(env, "end_line").as_int(), 13);
  EXPECT_EQ(str(env, "pairs[1].key"), "GOOS");
  EXPECT_EQ(str(env, "pairs[1].value"), "linux");  // ARG TARGETOS=linux of the stage
  EXPECT_EQ(str(env, "pairs[1].original"), "${TARGETOS}");
  EXPECT_EQ(at(env, "pairs[1]").pos, (SourcePos{11, 5}));
  EXPECT_EQ(at(env, "pairs[1].value").pos, (SourcePos{11, 10}));
  EXPECT_EQ(str(env, "pairs[2].value"), "-trimpath -mod=vendor");
  EXPECT_EQ(at(env, "pairs[2].value").pos, (SourcePos{13, 13}));
  EXPECT_EQ(str(env, "original"),
            "ENV CGO_ENABLED=0     GOOS=${TARGETOS}     GOFLAGS=\"-trimpath -mod=vendor\"");
  EXPECT_EQ(str(*instructions(root, 0, "workdir")[0], "value"), "/src/my app");

  // RUN with flags on continuation lines; the network flag's own position.
  const Node& run = *instructions(root, 0, "run")[0];
  EXPECT_EQ(at(run, "end_line").as_int(), 19);
  EXPECT_EQ(str(run, "flags.network"), "none");
  EXPECT_EQ(at(run, "flags.network").pos, (SourcePos{18, 5}));
  ASSERT_EQ(at(run, "mounts").size(), 2u);
  EXPECT_EQ(str(run, "mounts[0].type"), "cache");
  EXPECT_EQ(str(run, "mounts[1].type"), "secret");
  EXPECT_EQ(str(run, "mounts[1].id"), "netrc");
  EXPECT_TRUE(at(run, "mounts[1].required").as_bool());
  EXPECT_EQ(at(run, "mounts[1]").pos, (SourcePos{17, 5}));
  EXPECT_FALSE(at(run, "exec_form").as_bool());
  EXPECT_EQ(str(run, "command"), "go build -o /out/app ./cmd/app");
  EXPECT_EQ(at(run, "command").pos, (SourcePos{19, 5}));

  // Heredocs: content, their lines, quoted and chomped delimiters.
  const Node& here = *instructions(root, 0, "run")[1];
  EXPECT_EQ(str(here, "heredocs[0].name"), "EOF");
  EXPECT_EQ(str(here, "heredocs[0].content"), "set -e\necho \"built ${GO_VERSION}\"\n");
  EXPECT_TRUE(at(here, "heredocs[0].expand").as_bool());
  EXPECT_EQ(at(here, "heredocs[0].line").as_int(), 21);
  EXPECT_EQ(at(here, "end_line").as_int(), 23);
  const Node& conf = *instructions(root, 0, "copy")[1];
  EXPECT_EQ(str(conf, "heredocs[0].name"), "CONF");
  EXPECT_EQ(str(conf, "heredocs[0].content"), "level=debug\n");
  EXPECT_FALSE(at(conf, "heredocs[0].expand").as_bool());
  EXPECT_TRUE(at(conf, "heredocs[0].chomp").as_bool());
  EXPECT_EQ(str(conf, "dest"), "/etc/app.conf");
  EXPECT_EQ(str(conf, "sources[0]"), "<<-\"CONF\"");
  const Node& copy = *instructions(root, 0, "copy")[0];
  EXPECT_EQ(str(copy, "flags.chown"), "1000:1000");
  EXPECT_EQ(at(copy, "sources").size(), 2u);
  EXPECT_EQ(str(copy, "dest"), "./");
  EXPECT_EQ(at(root, "stages[0].end_line").as_int(), 26);

  // Stage 1 builds on stage 0, named in another case.
  EXPECT_TRUE(at(root, "stages[1].from.stage").as_int() == 0);
  EXPECT_EQ(str(root, "stages[1].from.tag"), "");
  const Node& test = *instructions(root, 1, "run")[0];
  EXPECT_TRUE(at(test, "exec_form").as_bool());
  EXPECT_EQ(str(test, "args[2]"), "./...");
  EXPECT_EQ(at(test, "args[1]").pos, (SourcePos{29, 12}));

  // Stage 2: a reference with a registry from a default, tag and digest.
  EXPECT_EQ(str(root, "stages[2].from.ref"), "docker.io/library/alpine:3.20@sha256:0123456789abcdef");
  EXPECT_EQ(str(root, "stages[2].from.image"), "docker.io/library/alpine");
  EXPECT_EQ(str(root, "stages[2].from.tag"), "3.20");
  EXPECT_EQ(str(root, "stages[2].from.digest"), "sha256:0123456789abcdef");
  EXPECT_TRUE(at(root, "stages[2].from.stage").is_null());
  EXPECT_EQ(str(root, "stages[2].from.unresolved[0]"), "REGISTRY");
  EXPECT_EQ(pair_value(root, 2, "label", "org.opencontainers.image.title"), "app");
  EXPECT_EQ(pair_value(root, 2, "label", "description"), "the old form");
  EXPECT_EQ(str(*instructions(root, 2, "maintainer")[0], "value"), "Some One <some@example.com>");
  const Node& path = *instructions(root, 2, "env")[0];
  EXPECT_EQ(str(path, "pairs[0].value"), "/app/bin:");  // the base image's PATH is not known
  EXPECT_EQ(str(path, "unresolved[0]"), "PATH");
  const Node& expose = *instructions(root, 2, "expose")[0];
  EXPECT_EQ(at(expose, "ports[0].port").as_int(), 8080);
  EXPECT_EQ(str(expose, "ports[0].protocol"), "tcp");
  EXPECT_EQ(at(expose, "ports[1].port").as_int(), 9000);
  EXPECT_EQ(at(expose, "ports[1].end_port").as_int(), 9002);
  EXPECT_EQ(str(expose, "ports[1].protocol"), "udp");
  EXPECT_EQ(at(expose, "ports[1]").pos, (SourcePos{36, 17}));
  auto adds = instructions(root, 2, "add");
  ASSERT_EQ(adds.size(), 2u);
  EXPECT_EQ(str(*adds[0], "flags.checksum"), "sha256:abc");
  EXPECT_EQ(str(*adds[0], "sources[0]"), "https://example.com/tool.tar.gz");
  EXPECT_TRUE(at(*adds[1], "flags[\"keep-git-dir\"]").as_bool());
  const Node& link = *instructions(root, 2, "copy")[0];
  EXPECT_EQ(str(link, "flags.from"), "builder");
  EXPECT_TRUE(at(link, "flags.link").as_bool());
  auto volumes = instructions(root, 2, "volume");
  EXPECT_TRUE(at(*volumes[0], "exec_form").as_bool());
  EXPECT_EQ(str(*volumes[0], "paths[1]"), "/logs");
  EXPECT_EQ(str(*volumes[1], "paths[0]"), "/cache");
  const Node& user = *instructions(root, 2, "user")[0];
  EXPECT_EQ(str(user, "user"), "app");
  EXPECT_EQ(str(user, "group"), "app");
  EXPECT_EQ(str(*instructions(root, 2, "shell")[0], "args[1]"), "-c");
  const Node& hc = *instructions(root, 2, "healthcheck")[0];
  EXPECT_FALSE(at(hc, "none").as_bool());
  EXPECT_EQ(str(hc, "flags.interval"), "30s");
  EXPECT_EQ(str(hc, "flags.timeout"), "3s");
  EXPECT_EQ(str(hc, "command"), "wget -q -O- http://localhost:8080/health || exit 1");
  EXPECT_EQ(str(*instructions(root, 2, "stopsignal")[0], "value"), "SIGTERM");
  const Node& onbuild = *instructions(root, 2, "onbuild")[0];
  EXPECT_EQ(str(onbuild, "trigger.cmd"), "copy");
  EXPECT_EQ(str(onbuild, "trigger.dest"), "/src");
  EXPECT_EQ(at(onbuild, "trigger").pos, (SourcePos{46, 9}));
  EXPECT_EQ(str(*instructions(root, 2, "entrypoint")[0], "args[0]"), "/app/bin/app");
  EXPECT_EQ(str(*instructions(root, 2, "cmd")[0], "args[0]"), "--help");

  // The effective user of each stage.
  EXPECT_EQ(str(root, "stages[0].user"), "");
  EXPECT_EQ(str(root, "stages[2].user"), "app:app");
  EXPECT_EQ(at(root, "stages[2].user").pos, (SourcePos{42, 6}));
}

TEST(DockerfileFormat, SubstitutionFollowsDockersScopes) {
  auto r = parse_text(
      "ARG A=global\n"
      "ARG B=b\n"
      "FROM scratch AS one\n"
      "ARG A\n"                           // takes the global default
      "ENV X=1\n"
      "ENV X=2 Y=$X\n"                    // Y sees X as it was before this ENV
      "ARG X=from-arg\n"                  // ENV wins over ARG
      "ENV Z=$X W=${B:-no-b}\n"           // B is global only: not visible here
      "LABEL a=$A\n"
      "FROM one\n"
      "ENV I=$Y\n"                        // ENV carries over from the parent stage
      "FROM scratch\n"
      "ENV J=${Y:-none}\n");              // ...but not to an unrelated one
  ASSERT_EQ(r.docs.size(), 1u);
  EXPECT_TRUE(r.diags.empty()) << messages(r.diags);
  const Node& root = r.docs[0].root;
  EXPECT_TRUE(at(root, "stages[0].from.scratch").as_bool());
  EXPECT_EQ(pair_value(root, 0, "env", "Y"), "1");
  EXPECT_EQ(pair_value(root, 0, "env", "Z"), "2");
  EXPECT_EQ(pair_value(root, 0, "env", "W"), "no-b");
  EXPECT_EQ(pair_value(root, 0, "label", "a"), "global");
  EXPECT_EQ(pair_value(root, 1, "env", "I"), "1");
  EXPECT_EQ(pair_value(root, 2, "env", "J"), "none");
  EXPECT_EQ(str(*instructions(root, 0, "env")[2], "unresolved[0]"), "B");
}

TEST(DockerfileFormat, SubstitutionOperatorsQuotesAndEscapes) {
  auto r = parse_text(
      "FROM scratch\n"
      "ARG EMPTY=\n"
      "ARG UNSET\n"
      "ENV P=/usr/local/lib/x.tar.gz\n"
      "ENV a=${EMPTY:-d} b=${EMPTY-d} c=${UNSET-d} e=${P:+set} f=${UNSET+set} g=${UNSET:?} \\\n"
      "    h=${P##*/} i=${P#*/} j=${P%%.*} k=${P%.*} l=${P/local/LOCAL} m=${P//\\//_} \\\n"
      "    n='$P' o=\"$P\" p=\\$P q=\"a\\\"b\" r=${P:-${UNSET:-x}} s=$ t=${P%.[gt]z} u=${P#/usr}\n");
  ASSERT_EQ(r.docs.size(), 1u);
  EXPECT_TRUE(r.diags.empty()) << messages(r.diags);
  const Node& root = r.docs[0].root;
  std::map<std::string, std::string> want = {
      {"a", "d"},          {"b", ""},
      {"c", "d"},          {"e", "set"},
      {"f", ""},           {"g", ""},
      {"h", "x.tar.gz"},   {"i", "usr/local/lib/x.tar.gz"},
      {"j", "/usr/local/lib/x"}, {"k", "/usr/local/lib/x.tar"},
      {"l", "/usr/LOCAL/lib/x.tar.gz"}, {"m", "_usr_local_lib_x.tar.gz"},
      {"n", "$P"},         {"o", "/usr/local/lib/x.tar.gz"},
      {"p", "$P"},         {"q", "a\"b"},
      {"r", "/usr/local/lib/x.tar.gz"}, {"s", "$"},
      {"t", "/usr/local/lib/x.tar"}, {"u", "/local/lib/x.tar.gz"},
  };
  for (const auto& [k, v] : want) EXPECT_EQ(pair_value(root, 0, "env", k), v) << k;
  const Node& env = *instructions(root, 0, "env")[1];
  ASSERT_EQ(at(env, "unresolved").size(), 1u);
  EXPECT_EQ(str(env, "unresolved[0]"), "UNSET");
  EXPECT_EQ(at(env, "pairs[10]").pos, (SourcePos{6, 47}));  // l=
}

TEST(DockerfileFormat, RunAndCmdAreNotSubstituted) {
  auto r = parse_text("FROM alpine\nARG V=1\nRUN echo $V\nCMD echo ${V}\nONBUILD ENV W=$V\n");
  const Node& root = r.docs.at(0).root;
  EXPECT_EQ(str(*instructions(root, 0, "run")[0], "command"), "echo $V");
  EXPECT_EQ(str(*instructions(root, 0, "cmd")[0], "command"), "echo ${V}");
  EXPECT_EQ(str(*instructions(root, 0, "onbuild")[0], "trigger.pairs[0].value"), "$V");
  EXPECT_EQ(str(root, "stages[0].from.tag"), "");
}

TEST(DockerfileFormat, EscapeDirectiveBacktick) {
  auto r = run_format("dockerfile", {fixture_file("dockerfile/windows.Dockerfile", "win/app.dockerfile")});
  ASSERT_EQ(r.docs.size(), 1u);
  EXPECT_TRUE(r.diags.empty()) << messages(r.diags);
  const Node& root = r.docs[0].root;
  EXPECT_EQ(str(root, "directives.escape"), "`");
  EXPECT_EQ(pair_value(root, 0, "env", "TOOLS"), "C:\\tools");
  const Node& copy = *instructions(root, 0, "copy")[0];
  EXPECT_EQ(str(copy, "dest"), "C:\\app\\");  // a backslash at the end is not a continuation
  EXPECT_EQ(at(copy, "end_line").as_int(), 5);
  const Node& run = *instructions(root, 0, "run")[0];
  EXPECT_EQ(at(run, "end_line").as_int(), 7);
  EXPECT_EQ(str(run, "command"), "New-Item -ItemType Directory C:\\data;     Write-Host done");
  EXPECT_EQ(str(*instructions(root, 0, "workdir")[0], "value"), "C:\\app");
  EXPECT_EQ(str(root, "stages[0].user"), "ContainerAdministrator");
}

TEST(DockerfileFormat, CrlfBomAndIndentation) {
  auto r = parse_text("\xEF\xBB\xBF# syntax=x\r\nFROM alpine:3\r\n  RUN a \\\r\n   b\r\n\tUSER nobody\r\n");
  ASSERT_EQ(r.docs.size(), 1u);
  EXPECT_TRUE(r.diags.empty()) << messages(r.diags);
  const Node& root = r.docs[0].root;
  EXPECT_EQ(str(root, "directives.syntax"), "x");
  EXPECT_EQ(at(root, "directives.syntax").pos, (SourcePos{1, 13}));  // after the byte order mark
  const Node& run = *instructions(root, 0, "run")[0];
  EXPECT_EQ(run.pos, (SourcePos{3, 3}));
  EXPECT_EQ(str(run, "command"), "a    b");
  EXPECT_EQ(str(root, "stages[0].user"), "nobody");
  EXPECT_EQ(at(root, "stages[0].user").pos, (SourcePos{5, 7}));
}

TEST(DockerfileFormat, ProblemsAreDiagnosticsWithLineAndColumn) {
  struct Case {
    std::string text;
    int line;
    int column;
    std::string says;
  };
  std::vector<Case> cases = {
      {"FROM a\nRUN <<EOF\necho\n", 2, 5, "not terminated"},
      {"FROM a\nFROB x\n", 2, 1, "unknown instruction FROB"},
      {"FROM a\nCMD --help\n", 2, 5, "unknown flag --help"},
      {"FROM a\nENV x=${y\n", 2, 7, "missing '}'"},
      {"FROM a\nENV x=${}\n", 2, 7, "bad substitution"},
      {"FROM a\nENV x=\"abc\n", 2, 7, "double-quote"},
      {"RUN x\nFROM a\n", 1, 1, "before the first FROM"},
      {"# just a comment\n", 1, 1, "no FROM"},
      {"FROM a\nSHELL /bin/sh -c\n", 2, 1, "JSON form"},
      {"FROM a\nENV onlykey\n", 2, 1, "two arguments"},
      {"FROM a\nLABEL a=b c\n", 2, 11, "can't find ="},
      {"FROM a\nCOPY onlyone\n", 2, 1, "at least two arguments"},
      {"FROM a b\n", 1, 1, "one or three arguments"},
      {"FROM a\nEXPOSE http\n", 2, 8, "not a port"},
      {"FROM a\nHEALTHCHECK RUN x\n", 2, 13, "try CMD"},
      {"FROM a\nONBUILD ONBUILD RUN x\n", 2, 9, "isn't allowed"},
      {"# escape=x\nFROM a\n", 1, 3, "invalid escape"},
      {"FROM a\nWORKDIR\n", 2, 1, "at least one argument"},
  };
  for (const auto& c : cases) {
    auto r = parse_text(c.text, "dir/Dockerfile");
    ASSERT_EQ(r.docs.size(), 1u) << c.text;  // the document is still there
    ASSERT_EQ(r.diags.size(), 1u) << c.text << messages(r.diags);
    const Diagnostic& d = r.diags[0];
    EXPECT_EQ(d.location.path, "dir/Dockerfile") << c.text;
    EXPECT_EQ(d.location.line, c.line) << c.text << d.message;
    EXPECT_EQ(d.location.column, c.column) << c.text << d.message;
    EXPECT_NE(d.message.find(c.says), std::string::npos) << c.text << " -> " << d.message;
  }
}

TEST(DockerfileFormat, SubstitutionBombsAndHugeFilesAreBounded) {
  std::string bomb = "FROM a\nENV a=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n";
  for (int i = 0; i < 64; ++i) bomb += "ENV a=$a$a$a$a\n";
  auto r = parse_text(bomb);
  ASSERT_EQ(r.docs.size(), 1u);
  ASSERT_EQ(r.diags.size(), 1u) << messages(r.diags);
  EXPECT_NE(r.diags[0].message.find("more text than allowed"), std::string::npos);
  EXPECT_EQ(at(r.docs[0].root, "stages[0].instructions").size(), 66u);  // all read, later ones as written

  std::string deep = "FROM a\nENV x=";
  for (int i = 0; i < 200; ++i) deep += "${a:-";
  deep += std::string(200, '}') + "\n";
  r = parse_text(deep);
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_NE(r.diags[0].message.find("nested too deeply"), std::string::npos);

  ConfigLimits limits;
  limits.read.max_nodes = 200;
  std::string many = "FROM a\n";
  for (int i = 0; i < 100; ++i) many += "RUN echo " + std::to_string(i) + "\n";
  r = run_format("dockerfile", {ConfigFile{"Dockerfile", "", many}}, limits);
  ASSERT_EQ(r.docs.size(), 1u);
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_NE(r.diags[0].message.find("nodes"), std::string::npos);
  EXPECT_LT(at(r.docs[0].root, "stages[0].instructions").size(), 100u);

  limits = {};
  limits.max_file_bytes = 10;
  r = run_format("dockerfile", {ConfigFile{"big/Dockerfile", "", many}, ConfigFile{"ok/Dockerfile", "", "FROM a\n"}},
                 limits);
  ASSERT_EQ(r.docs.size(), 1u);
  EXPECT_EQ(r.docs[0].path, "ok/Dockerfile");
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_EQ(r.diags[0].location.path, "big/Dockerfile");
}

// Every Dockerfile in the shared corpus reads without a diagnostic.
TEST(DockerfileFormat, CorpusDockerfiles) {
  BULWARK_REQUIRE_CORPUS();
  const ConfigFormat* f = find_config_format("dockerfile");
  auto root = ::bulwark::testing::corpus_dir();
  std::vector<ConfigFile> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    std::string rel = std::filesystem::relative(e.path(), root).string();
    if (f->wants(rel)) files.push_back({rel, "", ::bulwark::testing::read_file(e.path())});
  }
  ASSERT_GE(files.size(), 17u);
  auto r = run_format("dockerfile", files);
  EXPECT_TRUE(r.diags.empty()) << messages(r.diags);
  ASSERT_EQ(r.docs.size(), files.size());
  size_t stages = 0, instrs = 0;
  for (const auto& d : r.docs) {
    stages += at(d.root, "stages").size();
    for (const Node& s : at(d.root, "stages").items()) {
      instrs += s.get("instructions")->size();
      EXPECT_FALSE(s.get("from")->get("image")->as_string().empty()) << d.path;
    }
  }
  EXPECT_GE(stages, files.size());
  EXPECT_GT(instrs, 5 * files.size());
}

}  // namespace
}  // namespace bulwark::policy
