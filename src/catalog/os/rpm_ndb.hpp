// Reader for rpm's NDB package database (Packages.db, used by SUSE), which
// Debian's librpm cannot open. Internal to catalog/os.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"

namespace bulwark::catalog {

// Where one package's header blob lies in the file.
struct NdbBlob {
  uint32_t index = 0;  // package index (rpm's hnum)
  size_t offset = 0;
  size_t length = 0;
};

// Lists the header blobs of an NDB file. Damaged slots or blobs are diagnostics
// naming the slot and byte offset; a damaged file header is an error.
Result<std::vector<NdbBlob>> read_ndb_blobs(std::string_view bytes, const std::string& path, size_t max_blobs,
                                            std::vector<Diagnostic>& diags);

}  // namespace bulwark::catalog
