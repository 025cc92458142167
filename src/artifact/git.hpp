// Internal header of the artifact module: the readers of git's own files that
// read_git_repository (git.cpp) is made of, public to tests and fuzz targets.
// Bulwark reads these few files itself rather than linking libgit2: HEAD and
// loose ref files, packed-refs, and the config file's remote URL.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"

namespace bulwark::artifact::git {

// What a loose ref file or HEAD says: either a symbolic ref ("ref: refs/heads/main")
// or an object id (40 hex digits for SHA-1 repositories, 64 for SHA-256).
struct RefValue {
  std::string symref;  // "refs/heads/main"
  std::string oid;     // lower-case hex
};

// Parses the contents of HEAD or a loose ref file; nullopt when it is neither
// form (or the symbolic target is not a valid ref name).
std::optional<RefValue> parse_ref_file(std::string_view text);

// Whether `name` is a ref name git would accept for a file under the git
// directory ("HEAD", "refs/heads/x"): no "..", no component starting with ".",
// no control characters, spaces or ~^:?*[\ — so that it can never name a path
// outside the git directory.
bool valid_ref_name(std::string_view name);

// Whether `text` is an object id: 40 or 64 lower-case hex digits.
bool is_object_id(std::string_view text);

// The object id `ref` has in a packed-refs file, or nullopt. Lines that are
// neither comments, "<oid> <ref>" nor "^<peeled oid>" are warnings naming
// `path` and the line.
std::optional<std::string> find_packed_ref(std::string_view text, std::string_view ref, const std::string& path,
                                           std::vector<Diagnostic>& diags);

// The value of `section.subsection.key` in a git config file as git reads it:
// sections and keys case-insensitive, the quoted subsection exact (the legacy
// "[section.sub]" form lower-cased), quotes, escapes and line continuations
// resolved, comments dropped, the last assignment winning; a key without "="
// is "true". A syntax error is a warning naming `path` and the line; what was
// read before it still counts. include/includeIf are not followed.
std::optional<std::string> config_value(std::string_view text, std::string_view section, std::string_view subsection,
                                        std::string_view key, const std::string& path, std::vector<Diagnostic>& diags);

// A remote URL without credentials: the user information of a URL
// ("https://user:token@host/x") is removed, except a bare user name of an ssh
// URL ("ssh://git@host/x"); scp-like "git@host:x" stays as it is.
std::string redact_url(std::string_view url);

}  // namespace bulwark::artifact::git
