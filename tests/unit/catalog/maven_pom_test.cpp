// Maven pom.xml: properties, dependencyManagement, parents found among the
// scanned files (by relative path, then by coordinates), imported BOMs,
// scopes, and what happens with what cannot be resolved or parsed.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "catalog_testing.hpp"
#include "testing/testing.hpp"

namespace bulwark::catalog {
namespace {
using bulwark::testing::fixture;
using bulwark::testing::read_file;
using testing::scan_files;

std::string pom(const std::string& rel) { return read_file(fixture("lang/java/maven/" + rel)); }

const Application* app_at(const Inventory& inv, const std::string& path) {
  for (const auto& app : inv.applications)
    if (app.path == path) return &app;
  return nullptr;
}

// name@version -> package
std::map<std::string, const Package*> index(const Application& app) {
  std::map<std::string, const Package*> out;
  for (const auto& p : app.packages) EXPECT_TRUE(out.emplace(p.name + "@" + p.version, &p).second) << p.name;
  return out;
}

std::set<std::string> names(const std::map<std::string, const Package*>& m) {
  std::set<std::string> out;
  for (const auto& [k, v] : m) out.insert(k);
  return out;
}

std::string dump(const std::vector<Diagnostic>& diags) {
  std::string out;
  for (const auto& d : diags)
    out += d.location.path + ":" + std::to_string(d.location.line) + ": " + d.message + "\n";
  return out;
}

// The 1-based line of the first line of `text` containing `needle`.
int line_of(const std::string& text, const std::string& needle) {
  size_t at = text.find(needle);
  if (at == std::string::npos) return -1;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
}

std::vector<std::pair<std::string, std::string>> shop_files() {
  return {
      {"src/shop/pom.xml", pom("shop/pom.xml")},
      {"src/shop/core/pom.xml", pom("shop/core/pom.xml")},
      {"src/shop/web/pom.xml", pom("shop/web/pom.xml")},
      {"src/shop/tools/pom.xml", pom("shop/tools/pom.xml")},
      {"root/.m2/repository/org/example/shop-bom/2.1.0/shop-bom-2.1.0.pom",
       pom("repo/org/example/shop-bom/2.1.0/shop-bom-2.1.0.pom")},
  };
}

TEST(MavenPom, MultiModuleBuildResolvesParentsPropertiesAndBoms) {
  auto s = scan_files(shop_files());
  EXPECT_TRUE(s.analyze_errors.empty());
  EXPECT_TRUE(s.diagnostics.empty()) << dump(s.diagnostics);
  // The repository POM is looked up, not reported.
  EXPECT_EQ(s.inventory.applications.size(), 4u);
  for (const auto& app : s.inventory.applications) EXPECT_EQ(app.type, "pom");

  const Application* parent = app_at(s.inventory, "src/shop/pom.xml");
  ASSERT_NE(parent, nullptr);
  auto pp = index(*parent);
  // ${revision} and a property built from another property.
  EXPECT_EQ(names(pp), (std::set<std::string>{"org.example.shop:shop-parent@3.4.0", "org.slf4j:slf4j-api@2.0.7"}));

  const Application* core = app_at(s.inventory, "src/shop/core/pom.xml");
  ASSERT_NE(core, nullptr);
  auto cp = index(*core);
  EXPECT_EQ(names(cp), (std::set<std::string>{
                           "org.example.shop:shop-core@3.4.0",                   // groupId and version from <parent>
                           "org.slf4j:slf4j-api@2.0.7",                          // inherited dependency
                           "com.fasterxml.jackson.core:jackson-databind@2.16.1",  // parent's management, child's property
                           "com.google.guava:guava@32.1.2-jre",                  // from the BOM the parent imports
                           "junit:junit@4.13.2",                                 // managed version and scope
                           "jakarta.servlet:jakarta.servlet-api@6.0.0",          // hard requirement [6.0.0]
                           "org.postgresql:postgresql@42.6.0",
                       }));
  const Package* root = cp["org.example.shop:shop-core@3.4.0"];
  EXPECT_EQ(root->relationship, Relationship::kRoot);
  EXPECT_EQ(root->licenses, std::vector<std::string>{"Apache-2.0"});  // inherited
  EXPECT_EQ(root->depends_on.size(), 6u);
  for (const auto& [key, p] : cp) {
    EXPECT_EQ(p->ecosystem, "maven");
    EXPECT_EQ(p->location.path, "src/shop/core/pom.xml");
    if (p != root) {
      EXPECT_EQ(p->relationship, Relationship::kDirect) << key;
      EXPECT_NE(std::find(root->depends_on.begin(), root->depends_on.end(), p->id), root->depends_on.end()) << key;
    }
    EXPECT_EQ(p->dev, key == "junit:junit@4.13.2") << key;
  }
  // Declared here: the line of <dependency>; inherited: no line in this file.
  const std::string core_text = pom("shop/core/pom.xml");
  EXPECT_EQ(cp["org.postgresql:postgresql@42.6.0"]->location.line,
            line_of(core_text, "<groupId>org.postgresql</groupId>") - 1);
  EXPECT_GT(cp["org.postgresql:postgresql@42.6.0"]->location.end_line, cp["org.postgresql:postgresql@42.6.0"]->location.line);
  EXPECT_EQ(cp["org.slf4j:slf4j-api@2.0.7"]->location.line, 0);
  EXPECT_EQ(cp["org.example.shop:shop-core@3.4.0"]->purl, "pkg:maven/org.example.shop/shop-core@3.4.0");

  const Application* web = app_at(s.inventory, "src/shop/web/pom.xml");
  ASSERT_NE(web, nullptr);
  auto wp = index(*web);
  EXPECT_EQ(names(wp), (std::set<std::string>{"org.example.shop:shop-web@3.4.0", "org.slf4j:slf4j-api@2.0.7",
                                              "org.example.shop:shop-core@3.4.0", "org.mockito:mockito-core@5.4.0"}));
  // shop-core is needed as a main jar and as a test jar: one package, not dev.
  EXPECT_FALSE(wp["org.example.shop:shop-core@3.4.0"]->dev);
  EXPECT_TRUE(wp["org.mockito:mockito-core@5.4.0"]->dev);

  const Application* tools = app_at(s.inventory, "src/shop/tools/pom.xml");
  ASSERT_NE(tools, nullptr);
  EXPECT_EQ(names(index(*tools)), (std::set<std::string>{"org.example.shop:shop-tools@1.0.0-SNAPSHOT",
                                                         "org.slf4j:slf4j-api@2.0.7", "commons-cli:commons-cli@1.5.0"}));
}

TEST(MavenPom, ParentFoundOnlyByCoordinatesWhenThePathDoesNotMatch) {
  // The POM at ../pom.xml is some other project: Maven then looks the parent
  // up by coordinates, and so does Bulwark.
  auto s = scan_files({
      {"p/pom.xml", "<project><groupId>other</groupId><artifactId>unrelated</artifactId><version>1</version>"
                    "<properties><v>9.9</v></properties></project>"},
      {"p/child/pom.xml", "<project><parent><groupId>g</groupId><artifactId>real-parent</artifactId><version>2</version>"
                          "</parent><artifactId>child</artifactId><dependencies><dependency><groupId>x</groupId>"
                          "<artifactId>y</artifactId><version>${v}</version></dependency></dependencies></project>"},
      {"elsewhere/parent.xml/pom.xml", "<project><groupId>g</groupId><artifactId>real-parent</artifactId>"
                                       "<version>2</version><properties><v>1.0</v></properties></project>"},
  });
  const Application* child = app_at(s.inventory, "p/child/pom.xml");
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(names(index(*child)), (std::set<std::string>{"g:child@2", "x:y@1.0"})) << dump(s.diagnostics);
}

TEST(MavenPom, MissingParentLeavesVersionsEmptyWithAWarningPerDependency) {
  const std::string text = pom("orphan/pom.xml");
  auto s = scan_files({{"app/pom.xml", text}});
  const Application* app = app_at(s.inventory, "app/pom.xml");
  ASSERT_NE(app, nullptr);
  auto p = index(*app);
  // The project's version comes from <parent> even without the parent POM.
  EXPECT_EQ(names(p), (std::set<std::string>{"com.example:demo@3.1.0", "org.springframework.boot:spring-boot-starter-web@",
                                             "org.apache.logging.log4j:log4j-core@", "org.yaml:snakeyaml@1.33"}));
  std::map<int, std::string> warnings;
  for (const auto& d : s.diagnostics) {
    EXPECT_EQ(d.location.path, "app/pom.xml");
    EXPECT_NE(d.message.find("org.springframework.boot:spring-boot-starter-parent:3.1.0"), std::string::npos) << d.message;
    warnings[d.location.line] = d.message;
  }
  ASSERT_EQ(warnings.size(), 2u) << dump(s.diagnostics);
  const int web_line = p["org.springframework.boot:spring-boot-starter-web@"]->location.line;
  const int log4j_line = p["org.apache.logging.log4j:log4j-core@"]->location.line;
  EXPECT_NE(warnings[web_line].find("no version"), std::string::npos);
  EXPECT_NE(warnings[log4j_line].find("${log4j2.version}"), std::string::npos);
  EXPECT_EQ(log4j_line, line_of(text, "<artifactId>log4j-core</artifactId>") - 2);
}

TEST(MavenPom, PropertyCyclesAreReportedAndLeftUnresolved) {
  const std::string text = pom("cycles/pom.xml");
  std::vector<Diagnostic> diags;
  auto pkgs = parse_pom_xml(text, "cycles/pom.xml", diags);
  std::map<std::string, std::string> versions;
  for (const auto& p : pkgs) versions[p.name] = p.version;
  EXPECT_EQ(versions, (std::map<std::string, std::string>{{"com.example:cycles", "1.0"},
                                                          {"org.example:looped", ""},
                                                          {"org.example:selfish", ""},
                                                          {"org.example:fine", "1.2.3"}}));
  int cycles = 0;
  for (const auto& d : diags)
    if (d.message.find("property cycle") != std::string::npos) {
      ++cycles;
      EXPECT_GT(d.location.line, 0) << d.message;  // the property's own line
    }
  EXPECT_EQ(cycles, 2) << dump(diags);
}

TEST(MavenPom, ProjectVersionReferringToItselfIsACycle) {
  std::vector<Diagnostic> diags;
  auto pkgs = parse_pom_xml("<project><groupId>g</groupId><artifactId>a</artifactId><version>${project.version}</version>"
                            "</project>",
                            "pom.xml", diags);
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].version, "");
  EXPECT_FALSE(diags.empty());
}

TEST(MavenPom, ExponentialPropertiesAreCut) {
  std::string props;
  for (int i = 0; i < 40; ++i)
    props += "<p" + std::to_string(i) + ">${p" + std::to_string(i + 1) + "}${p" + std::to_string(i + 1) + "}</p" +
             std::to_string(i) + ">";
  props += "<p40>xxxxxxxx</p40>";
  std::vector<Diagnostic> diags;
  auto pkgs = parse_pom_xml("<project><groupId>g</groupId><artifactId>a</artifactId><version>1</version><properties>" +
                                props +
                                "</properties><dependencies><dependency><groupId>x</groupId><artifactId>y</artifactId>"
                                "<version>${p0}</version></dependency></dependencies></project>",
                            "pom.xml", diags);
  ASSERT_EQ(pkgs.size(), 2u);
  EXPECT_EQ(pkgs[1].version, "");
  bool grew = false;
  for (const auto& d : diags) grew = grew || d.message.find("grows beyond") != std::string::npos;
  EXPECT_TRUE(grew) << dump(diags);
}

TEST(MavenPom, MalformedXmlIsAWarningWithExpatsLine) {
  const std::string text = pom("malformed/pom.xml");
  auto s = scan_files({{"m/pom.xml", text}});
  EXPECT_TRUE(s.inventory.applications.empty());
  ASSERT_EQ(s.diagnostics.size(), 1u) << dump(s.diagnostics);
  EXPECT_EQ(s.diagnostics[0].location.path, "m/pom.xml");
  EXPECT_EQ(s.diagnostics[0].location.line, line_of(text, "</dependencies>"));
  EXPECT_NE(s.diagnostics[0].message.find("mismatched tag"), std::string::npos) << s.diagnostics[0].message;
}

TEST(MavenPom, NotAPomAndHostileXml) {
  std::vector<Diagnostic> diags;
  EXPECT_TRUE(parse_pom_xml("<settings><localRepository/></settings>", "pom.xml", diags).empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].message.find("not a Maven POM"), std::string::npos);
  diags.clear();
  EXPECT_TRUE(parse_pom_xml("", "pom.xml", diags).empty());
  EXPECT_EQ(diags.size(), 1u);
  // Billion laughs: refused at the first entity declaration.
  std::string laughs = "<?xml version=\"1.0\"?><!DOCTYPE project [<!ENTITY a \"aaaaaaaaaa\">";
  for (char c = 'b'; c <= 'j'; ++c) {
    std::string ref = std::string("&") + static_cast<char>(c - 1) + ";";
    std::string value;
    for (int i = 0; i < 10; ++i) value += ref;
    laughs += std::string("<!ENTITY ") + c + " \"" + value + "\">";
  }
  laughs += "]><project><artifactId>&j;</artifactId></project>";
  diags.clear();
  EXPECT_TRUE(parse_pom_xml(laughs, "pom.xml", diags).empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].message.find("entity"), std::string::npos) << diags[0].message;
  // External entities likewise.
  diags.clear();
  EXPECT_TRUE(parse_pom_xml("<!DOCTYPE project [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><project>"
                            "<artifactId>&x;</artifactId></project>",
                            "pom.xml", diags)
                  .empty());
  EXPECT_EQ(diags.size(), 1u);
}

TEST(MavenPom, EncodingsExpatDoesNotKnowAreReadAsLatin1) {
  std::string text =
      "<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n<project><name>Caf\xE9 \x80</name><groupId>g</groupId>"
      "<artifactId>a</artifactId><version>1</version></project>";
  std::vector<Diagnostic> diags;
  auto pkgs = parse_pom_xml(text, "pom.xml", diags);
  ASSERT_EQ(pkgs.size(), 1u) << dump(diags);
  EXPECT_EQ(pkgs[0].name, "g:a");
}

TEST(MavenPom, ParentLoopsAreCut) {
  auto s = scan_files({
      {"a/pom.xml", "<project><parent><groupId>g</groupId><artifactId>b</artifactId><version>1</version>"
                    "<relativePath>../b/pom.xml</relativePath></parent><artifactId>a</artifactId></project>"},
      {"b/pom.xml", "<project><parent><groupId>g</groupId><artifactId>a</artifactId><version>1</version>"
                    "<relativePath>../a/pom.xml</relativePath></parent><artifactId>b</artifactId></project>"},
  });
  EXPECT_EQ(s.inventory.applications.size(), 2u);
  bool loop = false;
  for (const auto& d : s.diagnostics) loop = loop || d.message.find("inherits from this POM again") != std::string::npos;
  EXPECT_TRUE(loop) << dump(s.diagnostics);
}

TEST(MavenPom, ScopesAndNodeModules) {
  auto s = scan_files({
      {"node_modules/java-bridge/pom.xml", "<project><groupId>g</groupId><artifactId>nm</artifactId><version>1</version></project>"},
      {"pom.xml",
       "<project><groupId>g</groupId><artifactId>a</artifactId><version>1</version><dependencies>"
       "<dependency><groupId>t</groupId><artifactId>test</artifactId><version>1</version><scope>test</scope></dependency>"
       "<dependency><groupId>t</groupId><artifactId>provided</artifactId><version>1</version><scope>provided</scope></dependency>"
       "<dependency><groupId>t</groupId><artifactId>runtime</artifactId><version>1</version><scope>runtime</scope></dependency>"
       "<dependency><groupId>t</groupId><artifactId>system</artifactId><version>1</version><scope>system</scope></dependency>"
       "<dependency><groupId>t</groupId><artifactId>optional</artifactId><version>1</version><optional>true</optional></dependency>"
       "</dependencies>"
       // Dependencies of plugins and profiles are not the project's.
       "<build><plugins><plugin><artifactId>p</artifactId><dependencies><dependency><groupId>no</groupId>"
       "<artifactId>plugin-dep</artifactId><version>1</version></dependency></dependencies></plugin></plugins></build>"
       "<profiles><profile><dependencies><dependency><groupId>no</groupId><artifactId>profile-dep</artifactId>"
       "<version>1</version></dependency></dependencies></profile></profiles></project>"},
  });
  ASSERT_EQ(s.inventory.applications.size(), 1u);
  auto p = index(s.inventory.applications[0]);
  EXPECT_EQ(names(p), (std::set<std::string>{"g:a@1", "t:test@1", "t:provided@1", "t:runtime@1", "t:system@1",
                                             "t:optional@1"}));
  for (const auto& [k, pkg] : p) EXPECT_EQ(pkg->dev, k == "t:test@1") << k;
}

TEST(MavenPom, ARedeclarationReplacesTheInheritedOneAndItsWarning) {
  auto s = scan_files({
      {"p/pom.xml", "<project><groupId>g</groupId><artifactId>parent</artifactId><version>1</version><dependencies>"
                    "<dependency><groupId>x</groupId><artifactId>y</artifactId></dependency></dependencies></project>"},
      {"p/c/pom.xml", "<project><parent><groupId>g</groupId><artifactId>parent</artifactId><version>1</version></parent>"
                      "<artifactId>c</artifactId><dependencies><dependency><groupId>x</groupId><artifactId>y</artifactId>"
                      "<version>2.0</version></dependency></dependencies></project>"},
  });
  const Application* child = app_at(s.inventory, "p/c/pom.xml");
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(names(index(*child)), (std::set<std::string>{"g:c@1", "x:y@2.0"}));
  // The parent's own versionless declaration is still a warning, once, in the parent.
  ASSERT_EQ(s.diagnostics.size(), 1u) << dump(s.diagnostics);
  EXPECT_EQ(s.diagnostics[0].location.path, "p/pom.xml");
}

TEST(MavenPom, ProfilesActiveByDefaultTakePart) {
  std::vector<Diagnostic> diags;
  auto pkgs = parse_pom_xml(
      "<project><groupId>g</groupId><artifactId>a</artifactId><version>1</version>"
      "<properties><lib.version>1.0</lib.version></properties>"
      "<dependencyManagement><dependencies><dependency><groupId>m</groupId><artifactId>managed</artifactId>"
      "<version>1.0</version></dependency></dependencies></dependencyManagement>"
      "<dependencies><dependency><groupId>x</groupId><artifactId>lib</artifactId><version>${lib.version}</version>"
      "</dependency><dependency><groupId>m</groupId><artifactId>managed</artifactId></dependency></dependencies>"
      "<profiles>"
      "<profile><id>default</id><activation><activeByDefault>true</activeByDefault></activation>"
      "<properties><lib.version>2.0</lib.version></properties>"
      "<dependencyManagement><dependencies><dependency><groupId>m</groupId><artifactId>managed</artifactId>"
      "<version>2.0</version></dependency></dependencies></dependencyManagement>"
      "<dependencies><dependency><groupId>p</groupId><artifactId>from-profile</artifactId><version>3</version>"
      "</dependency></dependencies></profile>"
      // Activated by a JDK, an OS or a property: unknowable here, left out.
      "<profile><id>jdk</id><activation><jdk>17</jdk></activation><dependencies><dependency><groupId>p</groupId>"
      "<artifactId>jdk-only</artifactId><version>1</version></dependency></dependencies></profile>"
      "</profiles></project>",
      "pom.xml", diags);
  std::map<std::string, std::string> v;
  for (const auto& p : pkgs) v[p.name] = p.version;
  EXPECT_EQ(v, (std::map<std::string, std::string>{
                   {"g:a", "1"}, {"x:lib", "2.0"}, {"m:managed", "2.0"}, {"p:from-profile", "3"}}));
  EXPECT_TRUE(diags.empty()) << dump(diags);
}

}  // namespace
}  // namespace bulwark::catalog
