// The shapes every module shares: target, artifact, inventory, package, finding,
// report. Plain value types; JSON (de)serialisation lives in core/json.hpp so
// that this header stays light.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bulwark {

// ---------------------------------------------------------------- severity --

enum class Severity { kUnknown = 0, kLow, kMedium, kHigh, kCritical };

const char* to_string(Severity s);  // "UNKNOWN", "LOW", ... (Trivy's spelling)
// Accepts any case and the common synonyms ("moderate", "important",
// "negligible", "none"). Unknown words give kUnknown.
Severity parse_severity(std::string_view text);

// ---------------------------------------------------------------- location --

// Where something was found. Every field is optional; `layer` is the diffID of
// the image layer (empty for directory targets).
struct Location {
  std::string layer;        // layer diffID, "sha256:…"
  std::string path;         // path inside the target, no leading "/"
  int line = 0;             // 1-based; 0 when not applicable
  int column = 0;           // 1-based; 0 when not applicable
  int end_line = 0;
  std::string package_id;   // Package::id the finding concerns, if any

  bool operator==(const Location&) const = default;
};

// A problem met while reading input that did not stop the scan: bad lines,
// unreadable files, skipped entries. Reported so that nothing is lost silently.
struct Diagnostic {
  enum class Level { kWarning, kError };
  Level level = Level::kWarning;
  std::string message;
  Location location;

  bool operator==(const Diagnostic&) const = default;
};

// A warning about a place in a file (line 0 when the whole file is meant).
Diagnostic make_warning(const std::string& path, int line, std::string message);

// ---------------------------------------------------------------- artifact --

// One layer of an image, in manifest order (base first).
struct Layer {
  std::string digest;       // digest of the blob as stored (compressed)
  std::string diff_id;      // digest of the uncompressed tar (config rootfs.diff_ids)
  std::string media_type;
  int64_t size = 0;         // blob size in bytes
  std::string created_by;   // from the config history, if any
};

// What an image's config says about how it runs. Later checks (misconfiguration,
// exposure) read these.
struct ImageConfig {
  std::string os;
  std::string architecture;
  std::string variant;
  std::string created;
  std::string user;
  std::vector<std::string> env;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::string working_dir;
  std::vector<std::string> exposed_ports;
  std::map<std::string, std::string> labels;
  std::vector<std::string> healthcheck;  // test command; empty if none
  std::string stop_signal;
};

// What was opened for a target: for images the manifest, config and layers.
struct Artifact {
  std::string name;                    // image reference or directory as given
  std::string media_type;              // manifest media type
  std::string manifest_digest;         // "sha256:…" of the manifest (repo digest)
  std::string config_digest;           // image ID
  std::vector<std::string> repo_tags;  // e.g. "debian:12"
  std::vector<std::string> repo_digests;
  ImageConfig config;
  std::vector<Layer> layers;
};

enum class TargetKind { kImage, kRootfs, kFilesystem, kRepository, kHost, kSbom, kCluster };

const char* to_string(TargetKind k);  // "image", "rootfs", "filesystem", ...
std::optional<TargetKind> parse_target_kind(std::string_view text);

// The state of a source repository's work tree (repository targets inside a
// git work tree), as git itself would report it.
struct RepositoryInfo {
  std::string commit;      // object id HEAD resolves to (40 or 64 hex); empty on an unborn branch
  std::string branch;      // branch HEAD is on ("main"); empty when HEAD is detached
  std::string remote_url;  // URL of the remote "origin", credentials removed; empty without one

  bool operator==(const RepositoryInfo&) const = default;
};

// What a scan was asked to look at.
struct Target {
  TargetKind kind = TargetKind::kFilesystem;
  std::string reference;  // as the user wrote it
  std::string digest;     // manifest digest for images; empty otherwise
  Artifact artifact;
  std::optional<RepositoryInfo> repository;  // repository targets in a git work tree
};

// ----------------------------------------------------------------- inventory --

// The operating system of the target.
struct OsInfo {
  // Bulwark's family names: debian, ubuntu, alpine, wolfi, chainguard, redhat,
  // centos, rocky, alma, fedora, amazon, opensuse-leap, opensuse-tumbleweed,
  // sles, photon, oracle, distroless(-debian is family "debian" + distroless).
  std::string family;
  std::string name;         // NAME / PRETTY_NAME as the release file says
  std::string version;      // VERSION_ID or the release file's number, e.g. "12.5"
  std::string codename;     // "bookworm"
  std::string pretty_name;
  std::string eol;          // end of standard support, YYYY-MM-DD, if known
  bool distroless = false;  // an image with a package database but no package manager
  Location location;        // the release file it came from

  bool operator==(const OsInfo&) const = default;
};

enum class Relationship { kUnknown, kRoot, kDirect, kTransitive };

const char* to_string(Relationship r);  // "unknown", "root", "direct", "transitive"
Relationship parse_relationship(std::string_view text);

// One installed or declared package, OS or language.
struct Package {
  // Unique within one inventory; stable across scans of the same content.
  // Built by make_package_id(): "<ecosystem>:<name>@<version>[:<arch>]".
  std::string id;
  // Package ecosystem: "deb", "apk", "rpm" for OS packages (the purl type);
  // "npm", "pypi", "golang", "maven", "cargo", "gem", "composer", "nuget"
  // for language packages.
  std::string ecosystem;
  std::string name;
  std::string version;        // full version as the ecosystem writes it, epoch included ("1:2.3-4")
  int epoch = 0;              // rpm/dpkg epoch, 0 if none
  std::string release;        // rpm release, if the ecosystem has one
  std::string src_name;       // source package (dpkg Source, rpm SOURCERPM name, apk origin)
  std::string src_version;    // source version (may differ from binary version)
  std::string arch;
  std::vector<std::string> licenses;
  std::string purl;           // package URL, computed by make_purl()
  std::string maintainer;
  std::string digest;         // checksum of the package content where the database has one
  Relationship relationship = Relationship::kUnknown;
  bool dev = false;           // development-only dependency
  bool running_kernel = false;  // host scans: the package of the kernel that is running
  std::vector<std::string> depends_on;      // ids of packages this one depends on
  std::vector<std::string> installed_files; // absolute paths as installed ("/usr/bin/x")
  Location location;          // database/lockfile path and the layer that introduced it

  bool operator==(const Package&) const = default;
};

// A language application: one lockfile, manifest or binary and its packages.
struct Application {
  std::string type;   // e.g. "npm", "pip", "gobinary", "jar"
  std::string path;   // file it came from
  std::vector<Package> packages;

  bool operator==(const Application&) const = default;
};

// A configuration file kept whole for the configuration scanner (Kubernetes
// manifests, Dockerfiles, Terraform, CloudFormation): policies see documents
// across files, so they are evaluated after all layers are merged.
struct ConfigFile {
  std::string path;   // inside the target, no leading "/"
  std::string layer;  // diffID for image files, empty for directories
  std::string text;   // UTF-8
};

// ---------------------------------------------------------------------- host --
// What a host scan sees besides its packages: the running kernel, what is
// loaded and listening, and the containers its engine runs. Read from /proc
// and the engine's API socket under the scanned root.

struct KernelInfo {
  std::string release;          // uname -r: "6.1.0-18-amd64"
  std::string version;          // uname -v: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)"
  std::string machine;          // "x86_64"
  std::string package;          // distro package of the running kernel ("linux-image-6.1.0-18-amd64"); empty if unknown
  std::string package_version;  // its version as the distro writes it ("6.1.76-1")
  std::string src_name;         // its source package ("linux"), which kernel advisories name

  bool operator==(const KernelInfo&) const = default;
};

struct KernelModule {
  std::string name;
  uint64_t size = 0;
  int users = 0;       // reference count
  std::string state;   // "Live", "Loading", "Unloading"

  bool operator==(const KernelModule&) const = default;
};

struct ProcessInfo {
  int pid = 0;
  int ppid = 0;
  uint32_t uid = 0;
  std::string name;               // comm
  std::string exe;                // resolved /proc/PID/exe, empty if unreadable
  std::vector<std::string> args;  // cmdline

  bool operator==(const ProcessInfo&) const = default;
};

// A listening TCP socket or bound UDP socket, with the processes holding it.
struct ListeningSocket {
  std::string protocol;  // "tcp", "tcp6", "udp", "udp6"
  std::string address;   // "0.0.0.0", "::", "127.0.0.1"
  uint16_t port = 0;
  uint32_t uid = 0;
  uint64_t inode = 0;
  std::vector<int> pids;
  std::string process;   // comm of the first holder

  bool operator==(const ListeningSocket&) const = default;
};

struct ContainerMount {
  std::string type;         // "bind", "volume", "tmpfs"
  std::string source;       // host path or volume name
  std::string destination;  // path in the container
  bool read_write = true;
  std::string propagation;

  bool operator==(const ContainerMount&) const = default;
};

struct PortBinding {
  std::string host_ip;
  uint16_t host_port = 0;
  uint16_t container_port = 0;
  std::string protocol;  // "tcp", "udp"

  bool operator==(const PortBinding&) const = default;
};

// A container as the engine's (Docker-compatible) inspect answer describes it.
struct ContainerInfo {
  std::string engine;        // "podman", "docker"
  std::string id;
  std::string name;
  std::string image;         // as the container was created ("localhost/app:1")
  std::string image_id;      // "sha256:…"
  std::string image_digest;  // repo digest when the engine knows one
  std::string state;         // "running", "paused", "exited", …
  std::string user;          // Config.User; empty means the image's user (root unless the image says otherwise)
  bool privileged = false;
  std::vector<std::string> cap_add, cap_drop;
  std::string network_mode, pid_mode, ipc_mode, uts_mode, userns_mode, cgroupns_mode;
  std::vector<ContainerMount> mounts;
  std::vector<PortBinding> ports;
  bool read_only_rootfs = false;
  bool no_new_privileges = false;
  std::string seccomp_profile;   // "unconfined", "default", or a path
  std::string apparmor_profile;
  std::vector<std::string> security_opt;  // HostConfig.SecurityOpt as given
  int64_t memory_limit = 0;  // bytes, 0 = unlimited
  int64_t nano_cpus = 0;     // 0 = unlimited
  int64_t cpu_shares = 0;
  int64_t cpu_quota = 0;
  int64_t pids_limit = 0;    // 0 or -1 = unlimited
  std::string restart_policy;
  int restart_max_retries = 0;
  bool has_healthcheck = false;
  int pid = 0;               // main process on the host, 0 when not running
  // The engine's inspect answer (JSON text) as it came: compliance checks
  // written as CEL read fields the typed members above do not carry.
  std::string inspect_json;

  bool operator==(const ContainerInfo&) const = default;
};

// One distinct image of the host's running containers, scanned through the
// engine (`bulwark host --scan-containers`). Its findings are in the report's
// findings with the attributes "image" and "image_id".
struct HostImageScan {
  std::string image;                    // reference the containers were created from
  std::string image_id;                 // "sha256:…"
  std::string image_digest;             // repo digest when the engine knows one
  std::vector<std::string> containers;  // names of the running containers using it
  std::optional<OsInfo> os;
  std::vector<Package> packages;
  std::vector<Application> applications;
  int findings = 0;                     // findings this image added to the report
  std::string error;                    // why the image could not be scanned; empty on success

  bool operator==(const HostImageScan&) const = default;
};

struct HostInfo {
  std::string hostname;
  KernelInfo kernel;
  std::vector<KernelModule> modules;
  std::vector<ListeningSocket> listening;
  std::vector<ProcessInfo> processes;
  std::string engine;         // engine found at the socket ("podman 4.3.1"), empty without one
  std::string engine_socket;  // the socket asked
  std::vector<ContainerInfo> containers;
  std::vector<HostImageScan> image_scans;  // --scan-containers only

  bool operator==(const HostInfo&) const = default;
};

struct Inventory {
  std::optional<OsInfo> os;
  std::optional<HostInfo> host;             // host targets only
  std::vector<Package> packages;            // OS packages
  std::vector<Application> applications;    // language packages by file
  std::vector<ConfigFile> config_files;     // not written to reports (only their findings are)
};

// ----------------------------------------------------------------- findings --

enum class FindingKind { kVulnerability, kMisconfiguration, kSecret, kSast, kCompliance, kRuntime };

const char* to_string(FindingKind k);  // "vulnerability", "misconfiguration", ...
std::optional<FindingKind> parse_finding_kind(std::string_view text);

// Whether the finding still stands.
enum class FindingStatus { kOpen, kFixed, kIgnored, kNotAffected };

const char* to_string(FindingStatus s);  // "open", "fixed", "ignored", "not_affected"
std::optional<FindingStatus> parse_finding_status(std::string_view text);

// A severity score from one source, e.g. {"nvd", "cvss_v31", "CVSS:3.1/AV:N/…", 9.8}.
struct Score {
  std::string source;
  std::string type;
  std::string vector;
  double value = 0;
  bool operator==(const Score&) const = default;
};

// A mapping onto a framework control: {"cis-docker-1.6", "4.1"}, {"mitre", "T1611"}.
struct FrameworkRef {
  std::string framework;
  std::string id;
  bool operator==(const FrameworkRef&) const = default;
};

struct Remediation {
  // For vulnerabilities: "fixed", "not_fixed", "will_not_fix", "fix_deferred",
  // "end_of_life", "unknown".
  std::string fix_state;
  std::vector<std::string> fixed_versions;
  std::string text;    // what to do, in words
  std::string patch;   // a unified diff or patched document, when one can be made
  bool operator==(const Remediation&) const = default;
};

// One shape for every kind of finding: the report writers, the store and the
// board treat them alike.
struct Finding {
  FindingKind kind = FindingKind::kVulnerability;
  std::string id;                       // rule or advisory id ("CVE-2024-3094", "BW-K8S-001")
  std::vector<std::string> aliases;
  std::string title;
  std::string description;
  Severity severity = Severity::kUnknown;
  std::string severity_source;          // who said so ("debian", "nvd", "bulwark")
  std::vector<Score> scores;
  FindingStatus status = FindingStatus::kOpen;
  std::string ignored_until;            // YYYY-MM-DD when status is kIgnored with an expiry
  std::string status_reason;
  Location location;
  // The package concerned (vulnerabilities): name/version/ecosystem copied so a
  // finding reads on its own.
  std::string package_name;
  std::string package_version;
  std::string package_ecosystem;
  std::string package_purl;
  std::string evidence;                 // what matched: a line, a field value, a masked secret
  Remediation remediation;
  std::vector<std::string> references;  // URLs
  std::vector<FrameworkRef> frameworks;
  std::string published;                // dates, YYYY-MM-DD or RFC 3339
  std::string modified;
  // Enrichment for vulnerability management.
  std::optional<double> epss_score;
  std::optional<double> epss_percentile;
  bool known_exploited = false;
  std::string known_exploited_since;
  // Free-form fields that a kind needs (runtime event fields, CWE ids, …).
  std::map<std::string, std::string> attributes;
  // Identifies the same finding across scans; computed by fingerprint().
  std::string fingerprint;
};

// -------------------------------------------------------------- compliance --
// A benchmark (CIS Docker, CIS Kubernetes, Pod Security Standards) evaluated
// control by control. The compliance module fills these; reports carry them
// (`Report::compliance`) so that every writer and the board can show them.

// pass: the control holds; fail: it does not; warn: what was found needs a
// person's judgement (not counted as passing); manual: the control cannot be
// checked automatically; error: the facts it needs could not be read (an
// unreadable file, a malformed daemon.json, an engine that does not answer),
// so nothing is claimed either way.
enum class ComplianceStatus { kPass, kFail, kWarn, kManual, kError };

const char* to_string(ComplianceStatus s);  // "pass", "fail", "warn", "manual", "error"
std::optional<ComplianceStatus> parse_compliance_status(std::string_view text);

// What a check read or found: a file and line, a container and field.
struct ComplianceEvidence {
  std::string source;   // "etc/docker/daemon.json", "proc/812/cmdline", "container web"
  int line = 0;         // 1-based line in source; 0 when not applicable
  std::string field;    // "icc", "HostConfig.Privileged", "spec.containers[0].command[3]"
  std::string value;    // the value read, as text (cut to 200 bytes)
  std::string message;  // when the evidence is a statement rather than a value

  bool operator==(const ComplianceEvidence&) const = default;
};

// The result of one control for one subject: the host, a container, a workload.
struct ComplianceItem {
  std::string subject;  // empty for host-wide controls; "web (3f2a1b9c04d2)"; "Deployment/shop/web"
  ComplianceStatus status = ComplianceStatus::kError;
  std::string message;
  std::vector<ComplianceEvidence> evidence;

  bool operator==(const ComplianceItem&) const = default;
};

struct ComplianceControlResult {
  std::string id;         // "2.2", "5.5", "pss-privileged"
  std::string title;
  std::string section;    // id of the section it belongs to ("2", "1.1")
  std::string profile;    // "Level 1", "baseline"
  bool automated = true;  // the benchmark's own assessment status (Automated/Manual)
  Severity severity = Severity::kUnknown;
  ComplianceStatus status = ComplianceStatus::kError;  // over its items: fail, error, warn, pass (worst first)
  std::string message;
  std::string remediation;
  std::vector<std::string> references;
  std::vector<ComplianceItem> items;

  bool operator==(const ComplianceControlResult&) const = default;
};

struct ComplianceCounts {
  int pass = 0, fail = 0, warn = 0, manual = 0, error = 0;
  // Share of passing controls among those checked (pass + fail + warn +
  // error); manual controls do not count. nullopt when none was checked.
  std::optional<double> percent() const;
  void add(ComplianceStatus s);

  bool operator==(const ComplianceCounts&) const = default;
};

struct ComplianceSection {
  std::string id;     // "2", "1.1"
  std::string title;  // "Docker daemon configuration"
  ComplianceCounts counts;  // controls in this section and the sections below it

  bool operator==(const ComplianceSection&) const = default;
};

struct ComplianceReport {
  std::string spec;       // "docker-cis-1.6.0"
  std::string title;      // "CIS Docker Benchmark"
  std::string version;    // "1.6.0"
  std::string framework;  // framework name findings carry ("cis-docker-1.6.0")
  std::string source;     // "builtin:docker-cis-1.6.0.yaml" or the spec file given
  std::vector<ComplianceSection> sections;
  ComplianceCounts total;
  std::vector<ComplianceControlResult> controls;

  bool operator==(const ComplianceReport&) const = default;
};

// ------------------------------------------------------------------ report --

// Versions of what produced a report.
struct ToolInfo {
  std::string name = "bulwark";
  std::string version;
  std::map<std::string, std::string> components;  // "rules", "vulndb", "analyzer:dpkg", …
};

struct Report {
  static constexpr int kSchemaVersion = 1;
  int schema_version = kSchemaVersion;
  std::string created_at;  // RFC 3339, UTC
  ToolInfo tool;
  Target target;
  Inventory inventory;
  std::vector<Finding> findings;
  std::vector<Diagnostic> diagnostics;
  std::vector<ComplianceReport> compliance;  // benchmarks evaluated (bulwark compliance)
};

// ------------------------------------------------------------------ helpers --

// "<ecosystem>:<name>@<version>" plus ":<arch>" when arch is non-empty.
std::string make_package_id(const Package& p);

// The package URL (purl spec) for a package, with the distro qualifier for OS
// packages ("pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12").
std::string make_purl(const Package& p, const std::optional<OsInfo>& os);

// Fills id and purl of every package (and inside applications) that lacks them.
void assign_package_ids(Inventory& inv);

// A stable hash identifying the same finding across scans of the same target:
// kind, id, the target's identity (image repository without tag or digest,
// a repository's origin URL, else the directory path), location path, package
// name. Hex sha256.
std::string fingerprint(const Finding& f, const Target& t);

// Percent-encodes a purl component.
std::string purl_escape(std::string_view s);

// Current UTC time in RFC 3339.
std::string now_rfc3339();

}  // namespace bulwark
