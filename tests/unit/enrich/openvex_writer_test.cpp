// write_openvex(): a valid OpenVEX v0.2.0 document that parse_openvex() reads
// back statement for statement.
#include <gtest/gtest.h>

#include "core/json.hpp"
#include "enrich/enrich.hpp"

namespace bulwark::enrich {
namespace {

std::vector<VexStatement> judgements() {
  VexStatement a;
  a.vulnerability = "CVE-2023-45853";
  a.products = {{{"pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12.6"}, {}}};
  a.status = VexStatus::kNotAffected;
  a.justification = "vulnerable_code_not_present";
  a.impact_statement = "minizip is not built into zlib1g";
  VexStatement b;
  b.vulnerability = "GHSA-rv95-896h-c2vc";
  b.aliases = {"CVE-2024-29041"};
  b.products = {{{"registry.example.com/shop/web@sha256:5e5e", "pkg:oci/web@sha256%3A5e5e"},
                 {{"pkg:npm/express@4.18.2"}}}};
  b.status = VexStatus::kNotAffected;
  b.justification = "vulnerable_code_not_in_execute_path";
  b.timestamp = "2026-11-28T09:30:00Z";
  VexStatement c;
  c.vulnerability = "CVE-2024-6387";
  c.products = {{{"pkg:deb/debian/openssh-client@1:9.2p1-2+deb12u2"}, {}}};
  c.status = VexStatus::kAffected;
  c.action_statement = "upgrade to 1:9.2p1-2+deb12u3";
  return {a, b, c};
}

TEST(OpenVexWriter, RoundTripsThroughTheReader) {
  auto stmts = judgements();
  std::string text = write_openvex(stmts, "Bulwark security board <security@example.com>", "2026-11-29T10:00:00Z");
  auto doc = parse_openvex(text, "export.json");
  ASSERT_TRUE(doc.ok()) << doc.error().describe();
  EXPECT_EQ(doc->author, "Bulwark security board <security@example.com>");
  EXPECT_EQ(doc->timestamp, "2026-11-29T10:00:00Z");
  EXPECT_EQ(doc->id.rfind("https://openvex.dev/docs/public/vex-", 0), 0u);
  ASSERT_EQ(doc->statements.size(), 3u);
  for (size_t i = 0; i < stmts.size(); ++i) {
    const auto& in = stmts[i];
    const auto& out = doc->statements[i];
    EXPECT_EQ(out.vulnerability, in.vulnerability);
    EXPECT_EQ(out.aliases, in.aliases);
    EXPECT_EQ(out.status, in.status);
    EXPECT_EQ(out.justification, in.justification);
    EXPECT_EQ(out.impact_statement, in.impact_statement);
    EXPECT_EQ(out.action_statement, in.action_statement);
    ASSERT_EQ(out.products.size(), in.products.size());
    EXPECT_EQ(out.products[0].ids, in.products[0].ids);
    EXPECT_EQ(out.products[0].subcomponents, in.products[0].subcomponents);
    // A statement without its own time takes the document's.
    EXPECT_EQ(out.timestamp, in.timestamp.empty() ? "2026-11-29T10:00:00Z" : in.timestamp);
  }
}

TEST(OpenVexWriter, SpecShape) {
  std::string text = write_openvex(judgements(), "board", "2026-11-29T10:00:00Z", "https://example.com/vex/1");
  auto j = parse_json(text, "export.json");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["@context"], "https://openvex.dev/ns/v0.2.0");
  EXPECT_EQ((*j)["@id"], "https://example.com/vex/1");
  EXPECT_EQ((*j)["version"], 1);
  const auto& s1 = (*j)["statements"][1];
  EXPECT_EQ(s1["vulnerability"]["name"], "GHSA-rv95-896h-c2vc");
  EXPECT_EQ(s1["vulnerability"]["aliases"][0], "CVE-2024-29041");
  EXPECT_EQ(s1["products"][0]["@id"], "registry.example.com/shop/web@sha256:5e5e");
  EXPECT_EQ(s1["products"][0]["identifiers"]["purl"], "pkg:oci/web@sha256%3A5e5e");
  EXPECT_EQ(s1["products"][0]["subcomponents"][0]["@id"], "pkg:npm/express@4.18.2");
  EXPECT_EQ(s1["status"], "not_affected");
  EXPECT_FALSE((*j)["statements"][0].contains("timestamp"));
  EXPECT_FALSE((*j)["statements"][0].contains("action_statement"));
  // The first members in the spec's order.
  EXPECT_LT(text.find("\"@context\""), text.find("\"@id\""));
  EXPECT_LT(text.find("\"@id\""), text.find("\"statements\""));
}

TEST(OpenVexWriter, IdFollowsContent) {
  auto a = write_openvex(judgements(), "board", "2026-11-29T10:00:00Z");
  auto b = write_openvex(judgements(), "board", "2026-11-29T10:00:00Z");
  auto c = write_openvex(judgements(), "board", "2026-11-29T10:00:01Z");
  EXPECT_EQ(a, b);
  EXPECT_NE(parse_openvex(a, "a")->id, parse_openvex(c, "c")->id);
  // No statements: still a document the reader accepts.
  auto empty = parse_openvex(write_openvex({}, "board", "2026-11-29T10:00:00Z"), "empty");
  ASSERT_TRUE(empty.ok()) << empty.error().describe();
  EXPECT_TRUE(empty->statements.empty());
}

}  // namespace
}  // namespace bulwark::enrich
