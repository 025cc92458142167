// The embedded board: what `bulwark server` will hand to a browser.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <regex>
#include <set>
#include <string>

#include "server/assets/assets.hpp"

namespace {

using bulwark::server::find_web_asset;
using bulwark::server::web_assets_built;
using bulwark::server::WebAsset;

std::string sha256_hex(std::string_view body) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : digest) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

// The asset paths an HTML page loads from this origin (src="/..." href="/...").
std::set<std::string> referenced_paths(std::string_view html) {
  std::set<std::string> out;
  std::regex ref(R"re((?:src|href)="(/[^"]+)")re");
  std::string text(html);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), ref); it != std::sregex_iterator(); ++it)
    out.insert((*it)[1].str());
  return out;
}

void expect_strong_etag_of_body(const WebAsset& a) {
  ASSERT_GE(a.etag.size(), 3u) << a.path;
  EXPECT_EQ(a.etag.front(), '"') << a.path;
  EXPECT_EQ(a.etag.back(), '"') << a.path;
  EXPECT_NE(a.etag.substr(0, 2), "W/") << a.path;
  std::string tag(a.etag.substr(1, a.etag.size() - 2));
  EXPECT_EQ(sha256_hex(a.body).substr(0, tag.size()), tag) << a.path;
}

TEST(WebAssets, IndexIsHtmlWithStrongEtagOfItsBody) {
  const WebAsset* index = find_web_asset("/index.html");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->path, "/index.html");
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_NE(index->body.find("<html"), std::string_view::npos);
  expect_strong_etag_of_body(*index);
  EXPECT_EQ(find_web_asset("/"), index);
  EXPECT_EQ(find_web_asset(""), index);
}

TEST(WebAssets, UnknownPathsAreNotFound) {
  EXPECT_EQ(find_web_asset("/nope.js"), nullptr);
  EXPECT_EQ(find_web_asset("/index.html/"), nullptr);
  EXPECT_EQ(find_web_asset("index.html"), nullptr);  // paths start with '/'
  EXPECT_EQ(find_web_asset("/../index.html"), nullptr);
}

TEST(WebAssets, EveryFileTheIndexLoadsIsEmbeddedWithItsType) {
  const WebAsset* index = find_web_asset("/index.html");
  ASSERT_NE(index, nullptr);
  if (!web_assets_built()) {
    // The placeholder says why there is no board and how to build one.
    EXPECT_NE(index->body.find("BULWARK_WEB=ON"), std::string_view::npos);
    EXPECT_NE(index->body.find("npm"), std::string_view::npos);
    GTEST_SKIP() << "the board was not built (BULWARK_WEB=OFF or no npm): only the placeholder is embedded";
  }
  auto refs = referenced_paths(index->body);
  bool script = false, style = false;
  for (const std::string& p : refs) {
    const WebAsset* a = find_web_asset(p);
    ASSERT_NE(a, nullptr) << "index.html loads " << p << " but it is not embedded";
    EXPECT_FALSE(a->body.empty()) << p;
    expect_strong_etag_of_body(*a);
    if (p.ends_with(".js")) {
      script = true;
      EXPECT_EQ(a->content_type, "text/javascript; charset=utf-8");
    }
    if (p.ends_with(".css")) {
      style = true;
      EXPECT_EQ(a->content_type, "text/css; charset=utf-8");
    }
  }
  EXPECT_TRUE(script) << "no script in index.html";
  EXPECT_TRUE(style) << "no stylesheet in index.html";
  // Nothing is loaded from another origin at run time.
  EXPECT_EQ(index->body.find("http://"), std::string_view::npos);
  EXPECT_EQ(index->body.find("https://"), std::string_view::npos);
}

}  // namespace
