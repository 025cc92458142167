#include "server/auth.hpp"

#include <argon2.h>
#include <openssl/rand.h>

#include <vector>

namespace bulwark::server {

namespace {

// OWASP's Argon2id recommendation: 19 MiB, 2 passes, 1 lane.
constexpr uint32_t kArgonMemoryKiB = 19456;
constexpr uint32_t kArgonPasses = 2;
constexpr uint32_t kArgonLanes = 1;
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

std::string base64url(const unsigned char* data, size_t n) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((n * 4 + 2) / 3);
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = static_cast<uint32_t>(data[i]) << 16;
    if (i + 1 < n) v |= static_cast<uint32_t>(data[i + 1]) << 8;
    if (i + 2 < n) v |= data[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    if (i + 1 < n) out += kAlphabet[(v >> 6) & 63];
    if (i + 2 < n) out += kAlphabet[v & 63];
  }
  return out;
}

void random_bytes(unsigned char* out, size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) {
    // Without randomness no credential may be issued; this is not recoverable.
    std::abort();
  }
}

}  // namespace

Result<std::string> hash_password(std::string_view password) {
  unsigned char salt[kSaltBytes];
  random_bytes(salt, sizeof salt);
  size_t len = argon2_encodedlen(kArgonPasses, kArgonMemoryKiB, kArgonLanes, kSaltBytes, kHashBytes, Argon2_id);
  std::string encoded(len, '\0');
  int rc = argon2id_hash_encoded(kArgonPasses, kArgonMemoryKiB, kArgonLanes, password.data(), password.size(), salt,
                                 sizeof salt, kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return Error(ErrorCode::kInternal, std::string("argon2: ") + argon2_error_message(rc));
  encoded.resize(std::char_traits<char>::length(encoded.c_str()));
  return encoded;
}

bool verify_password(std::string_view encoded_hash, std::string_view password) {
  if (encoded_hash.rfind("$argon2id$", 0) != 0) return false;
  std::string encoded(encoded_hash);  // argon2 wants a NUL-terminated string
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

std::string password_problem(std::string_view password) {
  if (password.size() < 12) return "a password needs at least 12 characters";
  if (password.size() > 256) return "a password may have at most 256 characters";
  return {};
}

std::string random_secret(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  random_bytes(buf.data(), buf.size());
  return base64url(buf.data(), buf.size());
}

std::string new_api_token() { return std::string(kTokenPrefix) + random_secret(32); }

std::string credential_hash(std::string_view secret) { return sha256_hex(secret); }

bool valid_user_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '@' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace bulwark::server
