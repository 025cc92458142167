// Compliance benchmarks (CIS Docker, CIS Kubernetes, Pod Security Standards)
// evaluated control by control. A benchmark version is data: one YAML spec
// file (rules/compliance/<name>.yaml, embedded in the binary, or a user's
// file) whose controls carry CEL checks. The checks read a facts document
// gathered from a host root (daemon.json and dockerd flags, stat of files,
// audit rules, mounts, kubelet config and flags, static pod manifests), the
// containers of the engine, and Kubernetes manifests; controls of Pod
// Security Standards map onto the built-in misconfiguration policies.
//
// A control whose facts cannot be read (an unreadable file, a malformed
// daemon.json, an engine that does not answer) is an error, never a pass.
// See docs/compliance.md.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"
#include "core/document.hpp"

namespace bulwark::compliance {

// ---- specs ---------------------------------------------------------------------

// What one evaluation of a control looks at.
enum class Scope {
  kHost,       // once: the host's facts
  kContainer,  // once per container of the engine (`container` is bound)
  kWorkload,   // once per Kubernetes workload of the manifests, through `policies`
};

struct Section {
  std::string id;     // "2", "1.1"
  std::string title;  // "Docker daemon configuration"
};

// A named condition controls may require (`requires: [docker]`): when it does
// not hold, those controls are errors with its message (the facts they need
// are not there), never passes.
struct Precondition {
  std::string name;
  std::string expression;  // CEL over the facts
  std::string message;     // why the controls cannot be checked
  int source_line = 0;
};

struct Control {
  std::string id;          // the benchmark's number ("2.2") or a name for specs without numbers
  std::string title;
  std::string section;     // explicit section id; else the longest section id that prefixes id
  std::string profile;     // "Level 1", "Level 2", "baseline", "restricted"
  bool automated = true;   // the benchmark's assessment status
  Severity severity = Severity::kUnknown;
  std::string description;
  std::string remediation;
  std::vector<std::string> references;
  Scope scope = Scope::kHost;
  std::vector<std::string> needs;  // `requires:` precondition names
  // CEL. Yields true (pass), false (fail), null or an empty list (pass), a
  // string (fail with that message), a map {status, message, field,
  // evidence}, or a list of those (the worst status wins). Empty: the
  // control is manual.
  std::string check;
  std::string evidence;    // optional CEL: values shown as evidence whatever the result
  std::vector<std::string> policies;  // scope workload: misconfiguration policy ids
  std::string manual;      // for manual controls: why Bulwark does not check it
  int practice = 0;        // `practice:` (1..14 of the design's table); 0: the spec's
  int source_line = 0;

  struct Compiled;
  std::shared_ptr<const Compiled> compiled;
};

struct Spec {
  std::string name;                  // "docker-cis-1.6.0"
  std::vector<std::string> aliases;  // "docker-cis"
  std::string title;                 // "CIS Docker Benchmark"
  std::string version;               // "1.6.0"
  std::string framework;             // framework name on findings; defaults to name
  int practice = 0;                  // `practice:` (1..14 of the design's table) of its findings; 0 when not said
  std::string description;
  std::vector<std::string> references;
  // Paths (relative to the root, globs with * and **) whose stat the checks
  // read as files['<path>'].
  std::vector<std::string> files;
  // systemd unit names ("docker.service") the checks read as units['<name>']:
  // the stat of the first of etc/systemd/system, usr/lib/systemd/system and
  // lib/systemd/system that holds it.
  std::vector<std::string> units;
  std::vector<Section> sections;
  std::vector<Precondition> preconditions;
  std::vector<Control> controls;
  std::string source;                // "builtin:docker-cis-1.6.0.yaml" or the file

  // Whether a control reads the named top-level fact ("containers", "engine", ...).
  bool uses(std::string_view fact) const;
  struct Compiled;
  std::shared_ptr<const Compiled> compiled;
};

// Reads one spec (one YAML document). A spec that does not load is an error
// naming the file, line and, for CEL, the column; problems that do not stop it
// (unknown keys) are diagnostics.
Result<Spec> load_spec(std::string_view yaml, const std::string& source, std::vector<Diagnostic>& diags);
Result<Spec> load_spec_file(const std::string& path, std::vector<Diagnostic>& diags);

// The specs built into the binary (rules/compliance/), loaded once.
const std::vector<Spec>& builtin_specs();
// By name or alias ("docker-cis" is the newest docker-cis-*); nullptr if none.
const Spec* find_builtin_spec(std::string_view name);

// ---- facts ---------------------------------------------------------------------

// Whether the container engine answered (the containers list can be trusted).
struct EngineState {
  std::string socket;     // the socket asked, empty when none was found
  bool answered = false;  // /version and the container list answered
  std::string product;    // "podman 4.3.1"
  std::string error;      // why not
  std::string info_json;  // GET /info, when read (swarm state)
};

struct FactsInput {
  std::filesystem::path root = "/";
  // Processes (dockerd, kubelet, control plane flags) and containers as the
  // host module read them; nullopt when no host was read.
  std::optional<HostInfo> host;
  EngineState engine;
  // Kubernetes manifests (files or directories) for workload controls.
  std::vector<std::filesystem::path> manifests;
  // Paths and units the spec wants stat'ed (Spec::files, Spec::units).
  std::vector<std::string> files;
  std::vector<std::string> units;
};

// The facts document: one tree the CEL checks read, and the sources of its
// parts (which file and line, which process, which container) for evidence.
class Facts {
 public:
  Facts();
  ~Facts();
  Facts(Facts&&) noexcept;
  Facts& operator=(Facts&&) noexcept;

  const Node& root() const;
  // The facts as JSON text (bulwark compliance --dump-facts).
  std::string to_json() const;

  struct Impl;
  std::unique_ptr<Impl> impl;
};

// Reads every fact under the root. Problems are recorded in the facts (so the
// controls that need them are errors) and as diagnostics; never exceptions.
Facts gather_facts(const FactsInput& input, std::vector<Diagnostic>& diags);

// ---- evaluation ----------------------------------------------------------------

// Evaluates every control of the spec over the facts.
ComplianceReport evaluate(const Spec& spec, const Facts& facts, std::vector<Diagnostic>& diags);

// A finding of kind compliance for each failing item of a failed control
// (warn, manual and error are not findings), with the spec's framework ref.
std::vector<Finding> findings_of(const ComplianceReport& report);
// The same, with the attribute "practice" from the control's or the spec's
// `practice:` (the board's practice cards).
std::vector<Finding> findings_of(const ComplianceReport& report, const Spec& spec);

// ---- command-line flags --------------------------------------------------------

// Flags of a Go program's command line (dockerd, kubelet, kube-apiserver, etcd,
// ...): "--name=value", "--name value" (unless the flag is boolean), "-n
// value", "--flag" (true). Names lose their dashes; `shorts` maps one-letter
// names to long ones; `booleans` lists flags that take no separate value.
struct Flag {
  std::string name;
  std::string value;
  size_t index = 0;  // position in the argument list
};
std::vector<Flag> parse_flags(const std::vector<std::string>& args, const std::vector<std::string>& booleans,
                              const std::vector<std::pair<char, std::string>>& shorts = {});

}  // namespace bulwark::compliance
