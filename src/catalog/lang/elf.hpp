// Internal header of catalog/lang: a small, bounds-checked reader of ELF
// executables, shared by the analyzers of compiled programs (Go build info,
// cargo-auditable). It reads headers, program headers and section headers of
// 32- and 64-bit files of either byte order straight from the bytes of the
// file; it never reads outside them and never trusts an offset or a count
// without checking it against the size of the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/analyzer.hpp"
#include "core/result.hpp"

namespace bulwark::catalog::elf {

// Values of the ELF specification the analyzers use.
constexpr uint32_t kPtLoad = 1;
constexpr uint32_t kPfX = 1;
constexpr uint32_t kPfW = 2;
constexpr uint32_t kShtNobits = 8;

struct Segment {
  uint32_t type = 0;
  uint32_t flags = 0;
  uint64_t offset = 0;
  uint64_t vaddr = 0;
  uint64_t filesz = 0;
  uint64_t memsz = 0;
};

struct Section {
  std::string name;
  uint32_t type = 0;
  uint64_t flags = 0;
  uint64_t addr = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
};

class File {
 public:
  bool is64 = false;
  bool big_endian = false;
  uint16_t machine = 0;
  std::vector<Segment> segments;
  std::vector<Section> sections;  // empty when the section headers are stripped

  // The first section with this name, or nullptr.
  const Section* find_section(std::string_view name) const;
  // A section's bytes in the file; nullopt for SHT_NOBITS sections and for
  // sections that do not lie wholly inside the file.
  std::optional<std::string_view> section_data(const Section& s) const;
  // Up to `max` bytes at a virtual address, from the file-backed part of the
  // PT_LOAD segment holding it (as a loader would map them); fewer when the
  // segment ends sooner, nullopt when no segment holds the address.
  std::optional<std::string_view> read_vaddr(uint64_t addr, uint64_t max) const;
  // Unsigned integers in the file's byte order.
  uint64_t read_uint(std::string_view bytes, size_t width) const;

  std::string_view bytes;  // the whole file, owned by the caller
};

// Whether the bytes start with the ELF magic.
bool is_elf(std::string_view bytes);

// Reads the headers of an ELF file. Errors (kCorrupt) say what is wrong:
// truncated header, unknown class or byte order, tables outside the file.
// The returned File refers to `bytes`, which must outlive it.
Result<File> parse(std::string_view bytes);

// Executables are read whole into memory: large Go programs (kubectl,
// terraform) are 50-100 MiB, nothing above this is read, nor anything above
// limits().max_file_read.
constexpr int64_t kMaxExecutableBytes = int64_t{512} << 20;
// The shortest file that can be an ELF executable with anything to find in it.
constexpr int64_t kMinExecutableBytes = 64;

// The base of analyzers of compiled programs (Go build info,
// cargo-auditable). Any executable may be one: they want regular files by
// their execute bit, never by name, and read the whole body.
class ExecutableAnalyzer : public Analyzer {
 public:
  bool wants(std::string_view path, int64_t size) const final;
  bool wants_executable(std::string_view path, int64_t size) const final;
  Status analyze(const FileEntry& entry, FileResult& out) const final;

 protected:
  // Reads one executable's bytes (any file format; most are not ELF).
  virtual void analyze_bytes(std::string_view bytes, const std::string& path, FileResult& out) const = 0;
};

}  // namespace bulwark::catalog::elf
