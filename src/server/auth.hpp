// Internal to the server module: credentials. Passwords are hashed with
// Argon2id (libargon2, OWASP's parameters); API tokens and session ids are
// 256-bit random strings of which the store keeps only the SHA-256, so a leaked
// database gives no working credential.
#pragma once

#include <string>
#include <string_view>

#include "core/core.hpp"

namespace bulwark::server {

// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>".
Result<std::string> hash_password(std::string_view password);
bool verify_password(std::string_view encoded_hash, std::string_view password);

// Why a password is refused, or "" when it is acceptable (12 to 256 bytes).
std::string password_problem(std::string_view password);

// `bytes` random bytes (OpenSSL's CSPRNG) as unpadded base64url.
std::string random_secret(size_t bytes = 32);

// API tokens look like "bwt_<secret>" so that secret scanners recognise them.
inline constexpr std::string_view kTokenPrefix = "bwt_";
std::string new_api_token();

// Hex SHA-256 of a token or session id, as stored.
std::string credential_hash(std::string_view secret);

// A user name: 1–64 of [A-Za-z0-9._@-].
bool valid_user_name(std::string_view name);


}  // namespace bulwark::server
