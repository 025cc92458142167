// UTF-8 encoding of one code point, for every parser that decodes escapes
// (\uXXXX in JSON lines, Java properties, Python metadata, HCL, Dockerfiles,
// CEL string literals, Go build info).
#pragma once

#include <cstdint>
#include <string>

namespace bulwark {

// Appends the UTF-8 encoding of `cp`. Surrogates (U+D800–U+DFFF, which a
// lone \uD800 escape can produce) and values past U+10FFFF become U+FFFD, so
// the output is always valid UTF-8.
void append_utf8(std::string& out, uint32_t cp);

}  // namespace bulwark
