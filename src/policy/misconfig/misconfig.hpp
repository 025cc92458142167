// Configuration scanning: files of known formats (Kubernetes manifests,
// Dockerfiles, Terraform, Terraform plans, CloudFormation) are parsed into
// documents with source positions, and policies written in CEL are evaluated
// over them. A new format is one file in formats/ and one line in
// formats/registry.cpp.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/analyzer.hpp"
#include "core/detector.hpp"
#include "core/document.hpp"
#include "core/model.hpp"
#include "core/result.hpp"

namespace bulwark::policy {

// A configuration file as found in the target (core/model.hpp).
using bulwark::ConfigFile;

// Bounds for configuration files (read limits for the trees come from here too).
struct ConfigLimits {
  uint64_t max_file_bytes = 8ull << 20;
  ReadLimits read;
};

class ConfigFormat {
 public:
  virtual ~ConfigFormat() = default;
  // "kubernetes", "dockerfile", "terraform", "terraform-plan", "cloudformation".
  virtual std::string_view name() const = 0;
  // Whether the file may be of this format, by path only (cheap: the walker
  // asks before reading the body).
  virtual bool wants(std::string_view path) const = 0;
  // Whether the text really is of this format (a YAML file may be Kubernetes,
  // CloudFormation or neither). Called on files wants() accepted.
  virtual bool detect(std::string_view path, std::string_view text) const = 0;
  // Parses the files detect() accepted, all at once: Terraform reads a module
  // directory as a whole; the others read file by file. Problems are
  // diagnostics naming the file and line; other files are still read.
  virtual void parse(std::span<const ConfigFile* const> files, const ConfigLimits& limits,
                     std::vector<Document>& out, std::vector<Diagnostic>& diags) const = 0;
};

using ConfigFormatPtr = std::unique_ptr<ConfigFormat>;

// Every format, in registration order (formats/registry.cpp).
const std::vector<ConfigFormatPtr>& config_formats();
const ConfigFormat* find_config_format(std::string_view name);

// Factories, one per file in formats/.
ConfigFormatPtr make_kubernetes_format();
ConfigFormatPtr make_dockerfile_format();
ConfigFormatPtr make_cloudformation_format();
ConfigFormatPtr make_terraform_format();
ConfigFormatPtr make_terraform_plan_format();

// ---- Kubernetes --------------------------------------------------------------
// The path from a workload document's root to its pod spec: "spec" for a Pod,
// "spec.template.spec" for Deployment, StatefulSet, DaemonSet, ReplicaSet,
// ReplicationController and Job, "spec.jobTemplate.spec.template.spec" for
// CronJob, "template.spec" for PodTemplate; empty for other kinds.
std::string_view pod_spec_path(std::string_view kind);

// ---- policies -----------------------------------------------------------------
// A policy is data (YAML, see docs/policy/policies.md): metadata, which
// documents it applies to, and a CEL expression that yields its violations.

enum class PolicyScope {
  kDocument,  // once per document of the format (and kind)
  kResource,  // once per resource of a Terraform or CloudFormation document (kinds = resource types)
  kAll,       // once per format over all its documents (checks across documents)
};

struct Policy {
  std::string id;
  std::string title;
  Severity severity = Severity::kUnknown;
  std::string description;
  std::string remediation;
  std::vector<std::string> references;
  std::vector<FrameworkRef> frameworks;
  // The practice of the design's table (1..14) its findings feed, from
  // `practice:` on the policy or, for a `policies:` list, on its document;
  // 0 when not said. Findings carry it as the attribute "practice".
  int practice = 0;
  std::string format;               // "kubernetes", "dockerfile", "terraform", "cloudformation"
  std::vector<std::string> kinds;   // empty: every kind
  PolicyScope scope = PolicyScope::kDocument;
  // Named CEL expressions evaluated in order before `violations`, each seeing
  // the ones before it (like ValidatingAdmissionPolicy's variables).
  std::vector<std::pair<std::string, std::string>> variables;
  std::string violations;           // CEL
  // Settings that make the policy pass (`fix:` in the file), applied by
  // --fix to YAML documents: `target` is "container" (the container the
  // finding's field is in), "pod" (the pod spec) or "document" (the root);
  // `set` maps dotted paths below the target to values that must hold;
  // `default` to values added only where the setting is missing (a resource
  // limit someone chose is kept).
  // Dockerfiles: `target: dockerfile` with a named `action` ("add-user",
  // "pin-base-image"), carried out by the Dockerfile fixer.
  struct Fix {
    std::string target;
    std::string action;
    std::vector<std::pair<std::string, Node>> set;
    std::vector<std::pair<std::string, Node>> defaults;
  };
  std::vector<Fix> fixes;
  std::string source;               // "builtin:kubernetes/privileged.yaml" or a file path
  int source_line = 0;              // line of the policy in its file

  struct Compiled;
  std::shared_ptr<const Compiled> compiled;  // set by load_policies
};

// Reads the policies of one YAML file (one policy per document; a document
// may also hold `policies: [...]`) and compiles their CEL. Bad policies are
// diagnostics naming the file, line and, for CEL, the column; the others load.
std::vector<Policy> load_policies(std::string_view yaml, const std::string& source, std::vector<Diagnostic>& diags);
// Every *.yaml / *.yml under `dir`, in path order.
Result<std::vector<Policy>> load_policy_dir(const std::string& dir, std::vector<Diagnostic>& diags);
// The policies built into the binary (rules/misconfig/), compiled once.
const std::vector<Policy>& builtin_policies();

// Evaluates `policies` over `docs` and appends misconfiguration findings.
// `layer_of` gives the layer of a document's file (empty for directories).
// Evaluation errors are diagnostics naming the policy and the document.
void evaluate_policies(std::span<const Policy> policies, std::span<const Document> docs,
                       const std::function<std::string(const std::string& path)>& layer_of,
                       std::vector<Finding>& out, std::vector<Diagnostic>& diags);

// Parses configuration files with every format that claims them.
std::vector<Document> parse_config_files(std::span<const ConfigFile> files, const ConfigLimits& limits,
                                         std::vector<Diagnostic>& diags);

// ---- fixes ----------------------------------------------------------------------

// A file changed so that its fixable findings pass.
struct FileFix {
  std::string path;
  std::string original;
  std::string fixed;
  std::vector<std::string> policies;  // ids fixed
  int findings = 0;                   // findings addressed
};

// How --fix pins a base image: the reference as written ("debian",
// "node:20") to the one to write ("debian:12.8@sha256:…"); nullopt with the
// reason in `why` when it cannot be determined (no registry answer).
using ImagePinner = std::function<std::optional<std::string>(const std::string& ref, std::string& why)>;

// Plans the fixes of every open finding whose policy has `fix` entries:
// Kubernetes YAML (the text keeps its comments and layout; each result is
// checked to still be well-formed YAML) and Dockerfiles (a USER for a user
// the file creates, base images pinned through `pin`). What cannot be fixed
// is a warning naming the finding and why.
std::vector<FileFix> plan_fixes(std::span<const ConfigFile> files, std::span<const Document> docs,
                                std::span<const Policy> policies, std::span<const Finding> findings,
                                std::vector<Diagnostic>& diags, const ImagePinner& pin = {},
                                const ConfigLimits& limits = {});

// A unified diff (3 lines of context) of `before` and `after`, named a/PATH and b/PATH.
std::string unified_diff(const std::string& path, std::string_view before, std::string_view after);

// ---- scan integration -------------------------------------------------------------

struct MisconfigOptions {
  bool builtin = true;                        // load the built-in policies
  std::vector<std::string> policy_dirs;       // --policy DIR (repeatable)
  std::vector<std::string> disabled;          // --disable-policy ID (repeatable)
  ConfigLimits limits;
};

// The policies a scan with these options evaluates: built-in ones (unless
// off), those of the policy directories, less the disabled ids. A policy that
// does not load, or an unknown disabled id, is an error naming the place.
Result<std::vector<Policy>> resolve_policies(const MisconfigOptions& options);

// The analyzer that keeps configuration files whole for the detector
// ("config-files"); registered by the scan module when misconfiguration
// scanning is on.
std::unique_ptr<Analyzer> make_config_file_analyzer(ConfigLimits limits = {});

// The detector: parses Inventory::config_files, evaluates the policies and
// reports misconfiguration findings. Fails (at construction, through the
// Result) when a policy directory cannot be read or a disabled id is unknown.
Result<DetectorPtr> make_misconfig_detector(MisconfigOptions options);

}  // namespace bulwark::policy
