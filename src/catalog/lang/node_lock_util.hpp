// Internal helpers of the JavaScript lockfile analyzers (package-lock.json,
// yarn.lock, pnpm-lock.yaml): the package graph every lockfile is turned into,
// line lookup for warnings, and a small YAML reader
// (libyaml events into a tree with line numbers). Not part of the module's
// public header: nothing outside catalog/lang includes this.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/core.hpp"

namespace bulwark::catalog::nodelock {

// The largest lockfile read. Real ones reach tens of MiB in big monorepos; a
// quarter GiB is far above any seen and still bounds memory.
constexpr int64_t kMaxLockfileBytes = int64_t{256} << 20;

// Drops a UTF-8 byte order mark.
std::string_view strip_bom(std::string_view text);

// 1-based line of a byte offset.
int line_at(std::string_view text, size_t offset);
// 1-based line of the first occurrence of `needle`, 0 when absent. Used only
// to place warnings, never on the normal path.
int line_of(std::string_view text, std::string_view needle);

// The packages of one lockfile, deduplicated by name@version: the same
// package reached at several places (nested node_modules copies, peer
// variants in pnpm) is one package whose edges are the union.
class PackageGraph {
 public:
  // The node for name@version, created on first use.
  size_t add(std::string_view name, std::string_view version);
  // A copy of the package is (not) dev-only. The package is dev when every
  // copy is.
  void set_dev(size_t i, bool dev);
  // Relationship of one copy; the strongest wins, in the order root, direct,
  // unknown, transitive ("unknown" outranks "transitive": if any copy may be
  // direct the package is not known to be transitive).
  void raise(size_t i, Relationship r);
  Relationship relationship(size_t i) const;
  void add_license(size_t i, std::string license);
  void depend(size_t from, size_t to);
  size_t size() const { return nodes_.size(); }
  // The id finish() will give node i.
  std::string id(size_t i) const;
  const std::vector<uint32_t>& deps(size_t i) const { return nodes_[i].deps; }

  // The packages, sorted by id, with ecosystem "npm", ids, edges as ids and
  // location.path set.
  std::vector<Package> finish(const std::string& path);

 private:
  struct Node {
    std::string name;
    std::string version;
    int rank = -1;  // -1 unset, then 0 transitive, 1 unknown, 2 direct, 3 root
    int dev = -1;   // -1 unset, 0 no, 1 yes
    std::vector<std::string> licenses;
    std::vector<uint32_t> deps;
  };
  std::vector<Node> nodes_;
  std::unordered_map<std::string, size_t> index_;  // "name@version" -> node
};

// Which nodes of a graph given as adjacency lists are reachable from `roots`
// (cycles are fine). Lockfiles that do not record dev flags derive them: dev
// when reachable from a dev root and not from a production one.
std::vector<char> reachable(const std::vector<std::vector<uint32_t>>& adjacency, std::span<const size_t> roots);

namespace yaml {

// One YAML node. Scalars keep their text as written (no number or boolean
// conversion: "5.3" stays "5.3"); plain empty, "~" and "null" are kNull.
struct Node {
  enum class Kind : uint8_t { kNull, kScalar, kMap, kSeq };
  Kind kind = Kind::kNull;
  int line = 0;                 // 1-based line where the node starts
  int key_line = 0;             // 1-based line of its key, when it is a mapping value
  std::string key;              // this node's key when it is a mapping value
  std::string text;             // scalar text
  std::vector<Node> children;   // mapping values (with keys) or sequence items

  bool is_map() const { return kind == Kind::kMap; }
  bool is_scalar() const { return kind == Kind::kScalar; }
  // The first child with this key, or nullptr (also when not a mapping).
  const Node* find(std::string_view k) const;
  // The scalar text of a child, "" when absent or not a scalar.
  std::string_view get(std::string_view k) const;
};

struct Stream {
  std::vector<Node> documents;
  // Set when the text is not well-formed YAML or breaks a limit; documents
  // then holds what was complete before the problem.
  std::string error;
  int error_line = 0;
};

// Decides, for each mapping key, whether its value is kept: `path` is the keys
// from the document root down to and including this one (sequence items add
// ""). Dropping what a caller does not read keeps big lockfiles small in memory.
using KeepFn = std::function<bool(std::span<const std::string_view> path)>;

// Parses every document of a YAML stream with libyaml, bounded by the nesting
// depth of limits() and a cap on alias expansion.
Stream parse(std::string_view text, const KeepFn& keep = {});

}  // namespace yaml
}  // namespace bulwark::catalog::nodelock
