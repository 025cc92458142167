// Arbitrary bytes as an rpm database. The first bytes choose the path taken:
// "SQLite format 3\0" -> SQLite, "RpmP" -> NDB, anything else -> BerkeleyDB
// (which writes a temporary copy per call: keep -max_len small). Each must give
// packages, diagnostics or an error, never a crash.
//
// Seeds (corpus/rpmdb/), all holding the header of one package "bw-hello"
// built with rpmbuild and installed with `rpm --justdb` into a scratch database:
//  - tiny.sqlite: a Packages(hnum, blob) table written with python3's sqlite3
//    (page size 512);
//  - tiny-ndb.db: an NDB file built byte by byte: "RpmP" header (version 0,
//    1 slot page), one used slot at byte 32 -> package 1 at block 256, then the
//    "BlbS" blob head, the header and the "BlbE" tail;
//  - tiny-bdb-Packages: a BerkeleyDB hash made with db5.3_load (page size 512)
//    with rpm's two records, key 0 (next instance) and key 1 (the header);
//    `rpm -qa --define '_db_backend bdb_ro'` lists bw-hello from it;
//  - junk: random bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/os/os.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::vector<bulwark::Diagnostic> diags;
  auto r = bulwark::catalog::parse_rpmdb(bytes, "var/lib/rpm/Packages", diags);
  if (r.ok())
    for (const auto& p : *r)
      if (p.name == "gpg-pubkey") __builtin_trap();
  // The NDB reader again with an NDB header in front, so that mutations of a
  // non-NDB input still reach its slot and blob checks.
  if (size >= 8 && size <= 64 * 1024) {
    std::string ndb = "RpmP";
    ndb.append(bytes.substr(4));
    (void)bulwark::catalog::parse_rpmdb(ndb, "usr/lib/sysimage/rpm/Packages.db", diags);
  }
  return 0;
}
