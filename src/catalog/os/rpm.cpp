// rpm: the package database in its three formats, all parsed by librpm.
//
// The analyzer receives the database's bytes from a layer, not a path on the
// host, so each format is opened from those bytes:
//  - SQLite (rpmdb.sqlite, RHEL 9+, Fedora 33+, CBL-Mariner): opened in memory
//    with sqlite3_deserialize; the Packages table holds one header blob a row.
//  - NDB (Packages.db, SUSE): librpm in Debian has no NDB backend, so
//    rpm_ndb.cpp reads the slot table and blobs itself.
//  - BerkeleyDB hash (Packages, RHEL <= 8, CentOS, Amazon Linux 2): librpm's
//    read-only bdb_ro backend, which needs a directory: the bytes are written to
//    a private temporary directory that is removed right after.
// Every header blob goes through librpm's headerImport, which checks its
// structure, and the same conversion to Package.
#include <rpm/header.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmfiles.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmtag.h>
#include <rpm/rpmtd.h>
#include <rpm/rpmts.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "catalog/os/analyzers.hpp"
#include "catalog/os/rpm_ndb.hpp"

namespace bulwark::catalog {

namespace {

// librpm keeps global state (macros, logging); every call into it is serialised.
std::mutex& rpm_mutex() {
  static std::mutex m;
  return m;
}

constexpr size_t kMaxHeaderBlob = 64 << 20;
constexpr size_t kMaxPackages = 200'000;

std::vector<std::string> string_array(Header h, rpmTagVal tag) {
  std::vector<std::string> out;
  rpmtd td = rpmtdNew();
  if (headerGet(h, tag, td, HEADERGET_MINMEM)) {
    const char* s;
    while ((s = rpmtdNextString(td)) != nullptr) out.emplace_back(s);
  }
  rpmtdFreeData(td);
  rpmtdFree(td);
  return out;
}

std::string str(Header h, rpmTagVal tag) {
  const char* s = headerGetString(h, tag);
  return s ? s : "";
}

std::string hex_tag(Header h, rpmTagVal tag) {
  std::string out;
  rpmtd td = rpmtdNew();
  if (headerGet(h, tag, td, HEADERGET_MINMEM) && rpmtdType(td) == RPM_BIN_TYPE) {
    static const char* kHex = "0123456789abcdef";
    const auto* p = static_cast<const unsigned char*>(td->data);
    for (rpm_count_t i = 0; i < td->count; ++i) {
      out.push_back(kHex[p[i] >> 4]);
      out.push_back(kHex[p[i] & 15]);
    }
  }
  rpmtdFreeData(td);
  rpmtdFree(td);
  return out;
}

// "bash-5.1.8-6.el9.src.rpm" -> {"bash", "5.1.8-6.el9"}.
std::pair<std::string, std::string> split_source_rpm(std::string s) {
  for (const char* suffix : {".src.rpm", ".nosrc.rpm"})
    if (ends_with(s, suffix)) {
      s.resize(s.size() - std::strlen(suffix));
      break;
    }
  size_t rel = s.rfind('-');
  if (rel == std::string::npos || rel == 0) return {s, ""};
  size_t ver = s.rfind('-', rel - 1);
  if (ver == std::string::npos) return {s, ""};
  return {s.substr(0, ver), s.substr(ver + 1)};
}

struct RpmRecord {
  Package package;
  std::vector<std::string> requires_;
  std::vector<std::string> provides;
};

// Converts one header (caller holds rpm_mutex). Returns false for gpg-pubkey
// pseudo-packages.
bool to_record(Header h, const std::string& path, RpmRecord& rec) {
  Package& p = rec.package;
  p.ecosystem = "rpm";
  p.name = str(h, RPMTAG_NAME);
  if (p.name == "gpg-pubkey") return false;
  std::string version = str(h, RPMTAG_VERSION);
  p.release = str(h, RPMTAG_RELEASE);
  p.epoch = headerIsEntry(h, RPMTAG_EPOCH) ? static_cast<int>(headerGetNumber(h, RPMTAG_EPOCH)) : 0;
  p.version = (p.epoch ? std::to_string(p.epoch) + ":" : "") + version + (p.release.empty() ? "" : "-" + p.release);
  p.arch = str(h, RPMTAG_ARCH);
  std::string license = str(h, RPMTAG_LICENSE);
  if (!license.empty()) p.licenses = {license};
  p.maintainer = str(h, RPMTAG_VENDOR);
  if (p.maintainer.empty()) p.maintainer = str(h, RPMTAG_PACKAGER);
  // SIGMD5 (header + payload) is what `rpm -V` and the go-rpmdb family report;
  // packages signed without it (rpm 4.14+ can omit it) still carry the
  // payload digest, whose algorithm is a PGP hash number (8 = SHA-256).
  std::string md5 = hex_tag(h, RPMTAG_SIGMD5);
  if (!md5.empty()) {
    p.digest = "md5:" + md5;
  } else if (auto pd = string_array(h, RPMTAG_PAYLOADDIGEST); !pd.empty() && !pd.front().empty()) {
    uint64_t algo = headerIsEntry(h, RPMTAG_PAYLOADDIGESTALGO) ? headerGetNumber(h, RPMTAG_PAYLOADDIGESTALGO) : 0;
    const char* name = algo == 8 ? "sha256" : algo == 9 ? "sha384" : algo == 10 ? "sha512" : algo == 2 ? "sha1" : nullptr;
    if (name) p.digest = std::string(name) + ":" + pd.front();
  }
  std::string srpm = str(h, RPMTAG_SOURCERPM);
  if (srpm.empty() || srpm == "(none)") {
    p.src_name = p.name;
    p.src_version = (p.epoch ? std::to_string(p.epoch) + ":" : "") + version + "-" + p.release;
  } else {
    auto [sname, sver] = split_source_rpm(srpm);
    p.src_name = sname;
    p.src_version = (p.epoch ? std::to_string(p.epoch) + ":" : "") + sver;
  }
  p.location.path = path;
  rpmfiles files = rpmfilesNew(nullptr, h, RPMTAG_BASENAMES, RPMFI_FLAGS_QUERY);
  if (files) {
    int n = rpmfilesFC(files);
    p.installed_files.reserve(static_cast<size_t>(n > 0 ? n : 0));
    for (int i = 0; i < n; ++i) {
      char* fn = rpmfilesFN(files, i);
      if (fn) {
        p.installed_files.emplace_back(fn);
        std::free(fn);
      }
    }
    rpmfilesFree(files);
  }
  // rpmlib(...) requirements name features of rpm itself, not packages. File
  // requirements ("/bin/sh", "/sbin/ldconfig") are resolved the way rpm does:
  // through the files each package owns.
  for (auto& r : string_array(h, RPMTAG_REQUIRENAME))
    if (!r.empty() && !starts_with(r, "rpmlib(")) rec.requires_.push_back(std::move(r));
  rec.provides = string_array(h, RPMTAG_PROVIDENAME);
  for (const auto& f : p.installed_files) rec.provides.push_back(f);
  return true;
}

// Imports one header blob (caller holds rpm_mutex).
bool import_blob(std::string_view blob, const std::string& path, size_t index, std::vector<RpmRecord>& out,
                 std::vector<Diagnostic>& diags) {
  if (blob.size() < 8 || blob.size() > kMaxHeaderBlob) {
    diags.push_back(make_warning(path, 0, "header blob " + std::to_string(index) + " has an invalid size " +
                                              std::to_string(blob.size())));
    return false;
  }
  // headerImport takes ownership of a malloc'd copy (HEADERIMPORT_COPY copies from ours).
  Header h = headerImport(const_cast<char*>(blob.data()), static_cast<unsigned>(blob.size()), HEADERIMPORT_COPY);
  if (!h) {
    diags.push_back(make_warning(path, 0, "header blob " + std::to_string(index) + " is not a valid rpm header"));
    return false;
  }
  RpmRecord rec;
  if (to_record(h, path, rec)) out.push_back(std::move(rec));
  headerFree(h);
  return true;
}

Result<std::vector<RpmRecord>> read_sqlite(std::string_view bytes, const std::string& path,
                                           std::vector<Diagnostic>& diags) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return Error(ErrorCode::kInternal, "cannot open an in-memory SQLite database", path);
  }
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> guard(db, sqlite3_close);
  auto* copy = static_cast<unsigned char*>(sqlite3_malloc64(bytes.size()));
  if (!copy) return Error(ErrorCode::kLimitExceeded, "out of memory for the rpm database", path);
  std::memcpy(copy, bytes.data(), bytes.size());
  // rpm 4.16+ keeps its database in WAL mode (file format bytes 18 and 19 are
  // 2). An in-memory copy has no -wal/-shm files and SQLite refuses to open it
  // in that mode, so the copy is marked as a rollback-journal database (1),
  // which reads the same pages. What only the -wal file held is not in these
  // bytes either way; rpm checkpoints it when it closes the database.
  if (bytes.size() >= 100 && copy[18] == 2 && copy[19] == 2) copy[18] = copy[19] = 1;
  int rc = sqlite3_deserialize(db, "main", copy, static_cast<sqlite3_int64>(bytes.size()),
                               static_cast<sqlite3_int64>(bytes.size()),
                               SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY);
  if (rc != SQLITE_OK) return Error(ErrorCode::kCorrupt, "not an SQLite database", path);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT hnum, blob FROM Packages ORDER BY hnum", -1, &stmt, nullptr) != SQLITE_OK)
    return Error(ErrorCode::kCorrupt, std::string("not an rpm SQLite database: ") + sqlite3_errmsg(db), path);
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> sguard(stmt, sqlite3_finalize);
  std::vector<RpmRecord> out;
  std::lock_guard<std::mutex> lock(rpm_mutex());
  size_t n = 0;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (++n > kMaxPackages) return Error(ErrorCode::kLimitExceeded, "more than " + std::to_string(kMaxPackages) + " packages", path);
    const void* blob = sqlite3_column_blob(stmt, 1);
    int size = sqlite3_column_bytes(stmt, 1);
    import_blob(std::string_view(static_cast<const char*>(blob), blob ? static_cast<size_t>(size) : 0), path,
                static_cast<size_t>(sqlite3_column_int64(stmt, 0)), out, diags);
  }
  if (rc != SQLITE_DONE)
    return Error(ErrorCode::kCorrupt, std::string("reading the Packages table failed: ") + sqlite3_errmsg(db), path);
  return out;
}

Result<std::vector<RpmRecord>> read_ndb(std::string_view bytes, const std::string& path,
                                        std::vector<Diagnostic>& diags) {
  auto blobs = read_ndb_blobs(bytes, path, kMaxPackages, diags);
  if (!blobs) return blobs.error();
  std::vector<RpmRecord> out;
  std::lock_guard<std::mutex> lock(rpm_mutex());
  for (const auto& b : *blobs) import_blob(bytes.substr(b.offset, b.length), path, b.index, out, diags);
  return out;
}

// Collects librpm's log lines while it reads a BerkeleyDB file.
std::vector<std::string>* g_rpm_log = nullptr;
int rpm_log_callback(rpmlogRec rec, rpmlogCallbackData) {
  if (g_rpm_log && rpmlogRecPriority(rec) <= RPMLOG_WARNING) {
    std::string msg = rpmlogRecMessage(rec);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    g_rpm_log->push_back(msg);
  }
  return 0;  // handled: do not print
}

// librpm's bdb_ro trusts the sizes stored in the file: a page size of
// 0xFFFFFF00 in a 677-byte file (found by fuzzing) makes it allocate 4 GiB,
// and librpm exits the process when an allocation fails. Before handing the
// file over, the page size must be a power of two BerkeleyDB allows and every
// hash item that points to overflow pages must claim no more bytes than the
// file holds. Layout (BerkeleyDB db_page.h): metadata page with the page size
// at byte 20; each page has a 26-byte header (entry count at byte 20, page
// type at byte 25) followed by 2-byte item offsets; an H_OFFPAGE item (type 3)
// holds its total length at item byte 8.
Status check_bdb_pages(std::string_view bytes, bool swapped, const std::string& path) {
  auto u32 = [&](size_t off) {
    uint32_t v;
    std::memcpy(&v, bytes.data() + off, 4);
    return swapped ? __builtin_bswap32(v) : v;
  };
  auto u16 = [&](size_t off) {
    uint16_t v;
    std::memcpy(&v, bytes.data() + off, 2);
    return swapped ? static_cast<uint16_t>(__builtin_bswap16(v)) : v;
  };
  uint32_t page_size = u32(20);
  if (page_size < 512 || page_size > 65536 || (page_size & (page_size - 1)) != 0)
    return Error(ErrorCode::kCorrupt, "BerkeleyDB page size " + std::to_string(page_size) + " is invalid", path);
  constexpr uint8_t kHashUnsorted = 2, kHash = 13, kOffPage = 3;
  for (size_t page = 1; (page + 1) * page_size <= bytes.size(); ++page) {
    size_t base = page * page_size;
    auto type = static_cast<uint8_t>(bytes[base + 25]);
    if (type != kHashUnsorted && type != kHash) continue;
    size_t entries = u16(base + 20);
    for (size_t i = 0; i < entries && 26 + 2 * (i + 1) <= page_size; ++i) {
      size_t item = u16(base + 26 + 2 * i);
      if (item + 12 > page_size || static_cast<uint8_t>(bytes[base + item]) != kOffPage) continue;
      uint32_t total = u32(base + item + 8);
      if (total > bytes.size())
        return Error(ErrorCode::kCorrupt,
                     "BerkeleyDB page " + std::to_string(page) + " item " + std::to_string(i) + " claims " +
                         std::to_string(total) + " bytes, more than the file holds",
                     path);
    }
  }
  return {};
}

Result<std::vector<RpmRecord>> read_bdb(std::string_view bytes, const std::string& path,
                                        std::vector<Diagnostic>& diags) {
  // A BerkeleyDB hash file starts with a metadata page whose magic 0x061561 is
  // at offset 12 (either byte order).
  if (bytes.size() < 512) return Error(ErrorCode::kCorrupt, "too short to be a BerkeleyDB database", path);
  uint32_t magic;
  std::memcpy(&magic, bytes.data() + 12, 4);
  if (magic != 0x061561 && __builtin_bswap32(magic) != 0x061561)
    return Error(ErrorCode::kCorrupt, "not a BerkeleyDB hash database (bad magic at offset 12)", path);
  if (auto st = check_bdb_pages(bytes, magic != 0x061561, path); !st) return st.error();

  namespace fs = std::filesystem;
  std::string tmpl = (fs::temp_directory_path() / "bulwark-rpmdb-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) return Error(ErrorCode::kIo, "cannot create a temporary directory", path);
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{tmpl};
  {
    std::ofstream f(tmpl + "/Packages", std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!f) return Error(ErrorCode::kIo, "cannot write a temporary copy of the database", path);
  }

  std::lock_guard<std::mutex> lock(rpm_mutex());
  static bool configured = false;
  if (!configured) {
    rpmReadConfigFiles(nullptr, nullptr);
    configured = true;
  }
  std::vector<std::string> log_lines;
  g_rpm_log = &log_lines;
  rpmlogSetCallback(rpm_log_callback, nullptr);
  rpmPushMacro(nullptr, "_dbpath", nullptr, tmpl.c_str(), RMIL_CMDLINE);
  rpmPushMacro(nullptr, "_db_backend", nullptr, "bdb_ro", RMIL_CMDLINE);
  std::vector<RpmRecord> out;
  rpmts ts = rpmtsCreate();
  rpmtsSetRootDir(ts, "/");
  size_t n = 0;
  bool too_many = false;
  if (rpmtsOpenDB(ts, O_RDONLY) == 0) {
    rpmdbMatchIterator mi = rpmtsInitIterator(ts, RPMDBI_PACKAGES, nullptr, 0);
    Header h;
    while (mi && (h = rpmdbNextIterator(mi)) != nullptr) {
      if (++n > kMaxPackages) {
        too_many = true;
        break;
      }
      RpmRecord rec;
      if (to_record(h, path, rec)) out.push_back(std::move(rec));
    }
    rpmdbFreeIterator(mi);
  }
  rpmtsFree(ts);
  rpmPopMacro(nullptr, "_db_backend");
  rpmPopMacro(nullptr, "_dbpath");
  rpmlogSetCallback(nullptr, nullptr);
  g_rpm_log = nullptr;
  if (too_many) return Error(ErrorCode::kLimitExceeded, "more than " + std::to_string(kMaxPackages) + " packages", path);
  if (out.empty() && !log_lines.empty()) {
    std::string first = log_lines.front();
    for (size_t at; (at = first.find(tmpl + "/")) != std::string::npos;) first.replace(at, tmpl.size() + 1, "");
    return Error(ErrorCode::kCorrupt, "librpm could not read the database: " + first, path);
  }
  for (const auto& l : log_lines) {
    // The bdb_ro backend also tries to open its index files (Name, Basenames,
    // …) next to Packages; only Packages is read, so their absence says nothing
    // about the image. Other messages name the temporary copy: say the file.
    if (l.find(tmpl + "/") != std::string::npos && l.find("No such file or directory") != std::string::npos &&
        l.find(tmpl + "/Packages:") == std::string::npos)
      continue;
    std::string msg = l;
    for (size_t at; (at = msg.find(tmpl + "/Packages")) != std::string::npos;)
      msg.replace(at, tmpl.size() + 9, path);
    for (size_t at; (at = msg.find(tmpl)) != std::string::npos;) msg.replace(at, tmpl.size(), dir_name(path));
    diags.push_back(make_warning(path, 0, "librpm: " + msg));
  }
  return out;
}

Result<std::vector<RpmRecord>> read_any(std::string_view bytes, const std::string& path,
                                        std::vector<Diagnostic>& diags) {
  if (bytes.size() >= 16 && std::memcmp(bytes.data(), "SQLite format 3", 16) == 0)
    return read_sqlite(bytes, path, diags);
  if (bytes.size() >= 4 && std::memcmp(bytes.data(), "RpmP", 4) == 0) return read_ndb(bytes, path, diags);
  return read_bdb(bytes, path, diags);
}

std::vector<Package> to_packages(std::vector<RpmRecord> records) {
  std::vector<Package> packages;
  std::vector<std::vector<std::string>> wanted, provided;
  for (auto& r : records) {
    packages.push_back(std::move(r.package));
    wanted.push_back(std::move(r.requires_));
    provided.push_back(std::move(r.provides));
  }
  resolve_dependencies(packages, wanted, provided);
  return packages;
}

bool is_rpmdb_path(std::string_view path) {
  for (std::string_view dir : {"var/lib/rpm/", "usr/lib/sysimage/rpm/"}) {
    if (!starts_with(path, dir)) continue;
    std::string_view file = path.substr(dir.size());
    return file == "Packages" || file == "rpmdb.sqlite" || file == "Packages.db";
  }
  return false;
}

class RpmAnalyzer : public Analyzer {
 public:
  std::string_view name() const override { return "rpm"; }
  int version() const override { return 3; }
  bool wants(std::string_view path, int64_t) const override { return is_rpmdb_path(path); }

  Status analyze(const FileEntry& entry, FileResult& out) const override {
    auto bytes = entry.read_all(limits().max_file_read);
    if (!bytes) return bytes.error();
    auto records = read_any(*bytes, entry.path, out.diagnostics);
    if (!records) {
      // A corrupt database is reported, and the rest of the image still scanned.
      Diagnostic d;
      d.level = Diagnostic::Level::kError;
      d.message = records.error().message;
      d.location.path = entry.path;
      d.location.layer = entry.layer;
      out.diagnostics.push_back(std::move(d));
      return {};
    }
    out.packages = to_packages(std::move(*records));
    for (auto& p : out.packages) p.id.clear();
    return {};
  }

  void contribute(std::span<const FileResult* const> visible, Inventory& inv, std::vector<Finding>& findings,
                  std::vector<Diagnostic>& diags) const override {
    // Several database files may be visible (a migrated image keeps the old
    // one): the SQLite one is the live one, then NDB, then BerkeleyDB.
    const FileResult* best = nullptr;
    auto rank = [](std::string_view p) { return ends_with(p, ".sqlite") ? 0 : ends_with(p, ".db") ? 1 : 2; };
    for (const FileResult* r : visible)
      if (!r->packages.empty() && (!best || rank(r->path) < rank(best->path))) best = r;
    for (const FileResult* r : visible) diags.insert(diags.end(), r->diagnostics.begin(), r->diagnostics.end());
    if (!best) return;
    const FileResult* one[] = {best};
    std::vector<Diagnostic> none;
    Analyzer::contribute(std::span<const FileResult* const>(one, 1), inv, findings, none);
  }
};

}  // namespace

Result<std::vector<Package>> parse_rpmdb(std::string_view bytes, const std::string& path,
                                         std::vector<Diagnostic>& diags) {
  auto records = read_any(bytes, path, diags);
  if (!records) return records.error();
  return to_packages(std::move(*records));
}

std::unique_ptr<Analyzer> make_rpm_analyzer() { return std::make_unique<RpmAnalyzer>(); }

}  // namespace bulwark::catalog
