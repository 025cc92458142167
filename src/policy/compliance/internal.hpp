// Internals of the compliance module shared by its .cpp files. Not part of the
// module's interface.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/document.hpp"
#include "policy/cel/cel.hpp"
#include "policy/compliance/compliance.hpp"

namespace bulwark::compliance {

// The spec files of rules/compliance/ as (relative path, text), generated at
// build time by cmake/EmbedFiles.cmake.
const std::vector<std::pair<std::string_view, std::string_view>>& embedded_compliance_specs();

// The top-level names of the facts document, in the order the CEL
// environment declares them.
const std::vector<std::string>& fact_names();

struct Control::Compiled {
  std::optional<cel::Program> check;
  std::optional<cel::Program> evidence;
  std::optional<cel::Program> file;  // `file:` bound as `file`
  std::vector<std::string> referenced;  // fact names the control reads
};

struct Spec::Compiled {
  std::vector<std::pair<std::string, cel::Program>> preconditions;  // by name
  std::vector<std::string> referenced;  // every fact name some control or precondition reads
};

// ---- the root file system --------------------------------------------------------

// A path inside the scanned root resolved the way the host would resolve it
// if root were "/": symbolic links are followed, absolute targets start again
// at root, ".." never leaves it. `rel` has no leading '/' (one is ignored).
// Errors: kNotFound when a component does not exist (the path is then
// returned in `missing_at` form), kIo when a directory cannot be read,
// kLimitExceeded for a symbolic link loop.
struct Resolved {
  std::filesystem::path host_path;  // root / resolved, what the OS opens
  std::string rel;                  // the resolved path inside root, no leading '/'
};
Result<Resolved> resolve_in_root(const std::filesystem::path& root, std::string_view rel, bool follow_last = true);

// The text of a file under root (bounded). kNotFound when it does not exist.
Result<std::string> read_in_root(const std::filesystem::path& root, std::string_view rel, uint64_t max_bytes);

// Uid/gid to names from the root's etc/passwd and etc/group.
struct Accounts {
  std::map<uint32_t, std::string> users;
  std::map<uint32_t, std::string> groups;
  std::map<std::string, std::vector<std::string>> group_members;  // by group name
  std::map<std::string, uint32_t> group_ids;
};
Accounts read_accounts(const std::filesystem::path& root);

// The stat of one path as the facts show it: {path, exists, type, mode, perm,
// bits, uid, gid, user, group, size, target (symlink)}; {path, exists: false}
// when it does not exist; {path, error} when it cannot be read.
Node stat_node(const std::filesystem::path& root, const std::string& rel, const Accounts& accounts,
               std::string* error = nullptr);

// Paths under root matching a pattern of '/'-separated segments where '*'
// matches within a segment and '**' any number of segments. Sorted; at most
// `max` results (more is an error).
Result<std::vector<std::string>> glob_in_root(const std::filesystem::path& root, std::string_view pattern,
                                              size_t max = 10000);

// ---- facts ---------------------------------------------------------------------------

// Where a part of the facts document came from.
struct FactSource {
  std::string source;     // "etc/docker/daemon.json", "proc/812/cmdline (dockerd)", "dockerd default"
  bool has_lines = false; // node positions are lines in `source`
  std::string base;       // evidence names fields relative to this path (default: the prefix itself)
};

struct Facts::Impl {
  Node root;
  // Sources by fact path prefix ("daemon.config", "containers[2]"); the
  // longest prefix of a node's path names its source.
  std::vector<std::pair<std::string, FactSource>> sources;
  // Top-level facts that could not be read at all: checks reading them are
  // errors with this message.
  std::map<std::string, std::string> errors;
  // Subjects of container-scope controls: index into root["containers"].
  std::vector<std::pair<size_t, std::string>> containers;  // (index, subject)
  // Kubernetes documents of the manifests, for workload controls.
  std::vector<Document> documents;
  std::vector<std::string> manifest_paths;
  std::vector<Diagnostic> manifest_problems;  // files that could not be read

  std::unique_ptr<PathIndex> index;  // built once the tree is final
  void finish();                     // sorts sources, builds the index
  // The source of a node and its path below the source's prefix.
  std::optional<std::pair<const FactSource*, std::string>> source_of(const Node* n) const;
  void add_source(std::string prefix, std::string source, bool has_lines, std::string base = {}) {
    sources.emplace_back(std::move(prefix), FactSource{std::move(source), has_lines, std::move(base)});
  }
};

// Readers of each part of the facts (facts_*.cpp). Each adds its subtree to
// the root and registers sources and errors.
void gather_daemon_facts(const FactsInput& in, const Accounts& accounts, Facts::Impl& f, std::vector<Diagnostic>& diags);
void gather_kubernetes_facts(const FactsInput& in, const Accounts& accounts, Facts::Impl& f,
                             std::vector<Diagnostic>& diags);
void gather_host_facts(const FactsInput& in, const Accounts& accounts, Facts::Impl& f, std::vector<Diagnostic>& diags);
void gather_container_facts(const FactsInput& in, Facts::Impl& f, std::vector<Diagnostic>& diags);
void gather_manifest_facts(const FactsInput& in, Facts::Impl& f, std::vector<Diagnostic>& diags);

// JSON text into a Node tree with lines and columns (the YAML reader, after
// nlohmann has checked that it is strict JSON). Errors name `path`, line, column.
Result<Node> read_json_node(std::string_view text, const std::string& path);

// The processes of the host whose name (comm, executable or argv[0] base
// name) is `name`.
std::vector<const ProcessInfo*> processes_named(const HostInfo& host, std::string_view name);

// ---- node builders ---------------------------------------------------------------------
inline Node str_node(std::string s, SourcePos pos = {}) { return Node::string(std::move(s), pos); }
inline Node int_node(int64_t v) { return Node::integer(v); }
inline Node bool_node(bool v) { return Node::boolean(v); }
Node string_list(const std::vector<std::string>& v);

// A decimal integer of at most 18 digits with an optional '-' (flag and
// daemon.json values, kubelet settings), as read; false for anything else.
bool parse_int64(std::string_view v, int64_t& out);

}  // namespace bulwark::compliance
