// Arbitrary bytes as git's own files (config, packed-refs, HEAD / a loose ref)
// and as a remote URL: a value, nothing, or a warning naming the file and a
// line inside it — never a crash, a hang, or a ref name that could leave the
// git directory.
#include <cstddef>
#include <cstdint>
#include <string>

#include "artifact/git.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace git = bulwark::artifact::git;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<bulwark::Diagnostic> diags;
  int lines = 1;
  for (char c : text) lines += c == '\n';

  auto url = git::config_value(text, "remote", "origin", "url", "config", diags);
  for (const auto& d : diags)
    if (d.location.path != "config" || d.location.line < 1 || d.location.line > lines) __builtin_trap();
  if (url && url->size() > text.size() + 4) __builtin_trap();  // a value is never longer than its source ("true" aside)
  if (url) (void)git::redact_url(*url);

  diags.clear();
  auto packed = git::find_packed_ref(text, "refs/heads/main", "packed-refs", diags);
  if (packed && !git::is_object_id(*packed)) __builtin_trap();
  if (diags.size() > 1) __builtin_trap();  // one warning per file

  if (auto ref = git::parse_ref_file(text)) {
    if (ref->symref.empty() == ref->oid.empty()) __builtin_trap();
    if (!ref->symref.empty() && (!git::valid_ref_name(ref->symref) || ref->symref.find("..") != std::string::npos))
      __builtin_trap();
    if (!ref->oid.empty() && !git::is_object_id(ref->oid)) __builtin_trap();
  }

  std::string redacted = git::redact_url(text);
  if (redacted.size() > text.size()) __builtin_trap();
  return 0;
}
