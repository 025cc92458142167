#include <gtest/gtest.h>

#include <set>

#include "server/auth.hpp"

namespace bulwark::server {
namespace {

TEST(Passwords, Argon2idHashesVerifyAndAreSalted) {
  auto a = hash_password("correct horse battery");
  auto b = hash_password("correct horse battery");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *a;
  EXPECT_NE(*a, *b);  // a fresh salt each time
  EXPECT_TRUE(verify_password(*a, "correct horse battery"));
  EXPECT_FALSE(verify_password(*a, "correct horse battery "));
  EXPECT_FALSE(verify_password(*a, ""));
  EXPECT_FALSE(verify_password("plain text", "plain text"));
  EXPECT_FALSE(verify_password("", ""));
}

TEST(Passwords, LengthRules) {
  EXPECT_FALSE(password_problem("short").empty());
  EXPECT_TRUE(password_problem("twelve chars").empty());
  EXPECT_FALSE(password_problem(std::string(257, 'x')).empty());
}

TEST(Tokens, AreRandomPrefixedAndStoredAsHashes) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string t = new_api_token();
    EXPECT_EQ(t.rfind("bwt_", 0), 0u);
    EXPECT_EQ(t.size(), 4u + 43u);  // 32 bytes in unpadded base64url
    EXPECT_EQ(t.find_first_not_of("bwt_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-"), std::string::npos);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 100u);
  std::string h = credential_hash("bwt_x");
  EXPECT_EQ(h.size(), 64u);
  EXPECT_EQ(h, credential_hash("bwt_x"));
  EXPECT_NE(h, credential_hash("bwt_y"));
}

TEST(UserNames, AllowedCharacters) {
  EXPECT_TRUE(valid_user_name("alice.smith@example-corp_1"));
  EXPECT_FALSE(valid_user_name(""));
  EXPECT_FALSE(valid_user_name("a b"));
  EXPECT_FALSE(valid_user_name("x'; DROP TABLE users;--"));
  EXPECT_FALSE(valid_user_name(std::string(65, 'a')));
}

}  // namespace
}  // namespace bulwark::server
