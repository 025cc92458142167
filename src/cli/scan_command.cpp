// The scan commands: image, rootfs, fs, repo, sbom. They share one set of flags and
// one code path (scan::run), and differ only in the target kind.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "cli/cli.hpp"
#include "enrich/enrich.hpp"
#include "report/report.hpp"
#include "scan/scan.hpp"

namespace bulwark::cli {

namespace {


std::string default_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/bulwark";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/bulwark";
  return ".bulwark-cache";
}

}  // namespace

void add_scan_flags(CLI::App* cmd, ScanFlags& f, bool image_flags, bool skip_flags) {
  std::vector<std::string> formats = report::formats();
  cmd->add_option("-f,--format", f.format, "Output format")
      ->check(CLI::IsMember(formats))
      ->capture_default_str();
  cmd->add_option("-o,--output", f.output, "Write the report to FILE instead of standard output");
  cmd->add_flag("-q,--quiet", f.quiet, "No progress bar and no log lines but errors");
  cmd->add_flag("--debug", f.debug, "Log what Bulwark does, for troubleshooting");
  cmd->add_option("--cache-dir", f.cache_dir, "Cache directory (default $XDG_CACHE_HOME/bulwark or ~/.cache/bulwark)");
  cmd->add_flag("--no-cache", f.no_cache, "Neither read nor write the layer cache");
  cmd->add_option("--timeout", f.timeout, "Give up after this long (e.g. 90s, 5m, 1h)")->capture_default_str();
  cmd->add_option("--parallel", f.parallel, "Layers analyzed at once (0 = one per CPU)")->capture_default_str();
  cmd->add_option("--disable-analyzer", f.disable_analyzers, "Do not run the named analyzer (repeatable)");
  cmd->add_option("--db", f.db_path, "Vulnerability database (default <cache-dir>/db/bulwark.db)");
  cmd->add_option("--scanners", f.scanners, "Scanners to run: vuln, misconfig, or none")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--policy", f.policy_dirs, "Directory of extra misconfiguration policies (YAML + CEL, repeatable)");
  cmd->add_option("--disable-policy", f.disabled_policies, "Do not evaluate the policy with this id (repeatable)")
      ->delimiter(',');
  add_gate_flags(cmd, f.gate);
  if (image_flags) {
    cmd->add_option("--platform", f.platform, "Platform of a multi-platform image, os/arch[/variant]");
    cmd->add_flag("--insecure", f.insecure, "Allow plain-HTTP registries and unverified TLS");
    cmd->add_option("--username", f.username, "Registry user name")->envname("BULWARK_USERNAME");
    cmd->add_option("--password", f.password, "Registry password")->envname("BULWARK_PASSWORD");
    cmd->add_option("--registry-token", f.registry_token, "Registry bearer token")->envname("BULWARK_REGISTRY_TOKEN");
    cmd->add_option("--image-src", f.image_src, "Where to look for the image, in order: archive, engine, registry")
        ->delimiter(',')
        ->check(CLI::IsMember({"archive", "engine", "registry"}));
    cmd->add_option("--engine-socket", f.engine_socket, "Podman/Docker API socket (default: the usual places)");
  }
  if (!image_flags && skip_flags) {
    cmd->add_flag("--fix", f.fix, "Change the scanned Kubernetes manifests so that fixable misconfigurations pass");
    cmd->add_flag("--fix-dry-run", f.fix_dry_run, "Print the --fix changes as a unified diff, change nothing");
  }
  if (skip_flags) {
    cmd->add_option("--skip-dirs", f.skip_dirs, "Directories to skip (glob relative to the target's root, repeatable)")
        ->delimiter(',');
    cmd->add_option("--skip-files", f.skip_files, "Files to skip (glob relative to the target's root, repeatable)")
        ->delimiter(',');
  }
}

namespace {

// --fix / --fix-dry-run: the fixes of the open (not ignored) findings, written
// to the scanned files or printed as a diff.
int apply_fixes(const Report& report, const scan::Request& req, bool dry_run) {
  auto policies = policy::resolve_policies(req.misconfig);
  if (!policies) {
    print_error(policies.error());
    return kExitError;
  }
  std::vector<Diagnostic> diags;
  auto docs = policy::parse_config_files(report.inventory.config_files, req.misconfig.limits, diags);
  auto fixes = policy::plan_fixes(report.inventory.config_files, docs, *policies, report.findings, diags);
  for (const auto& d : diags) log_warn(d.location.path + ": " + d.message);
  namespace fs = std::filesystem;
  std::error_code ec;
  bool single_file = fs::is_regular_file(req.target, ec);
  int findings = 0;
  for (const auto& fx : fixes) {
    findings += fx.findings;
    if (dry_run) {
      std::cout << policy::unified_diff(fx.path, fx.original, fx.fixed);
      continue;
    }
    fs::path file = single_file ? fs::path(req.target) : fs::path(req.target) / fx.path;
    fs::path tmp = file;
    tmp += ".bulwark-fix.tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << fx.fixed;
      if (!out.flush()) {
        print_error(Error(ErrorCode::kIo, "cannot write the fixed file", tmp.string()));
        return kExitError;
      }
    }
    fs::permissions(tmp, fs::status(file, ec).permissions(), ec);
    fs::rename(tmp, file, ec);
    if (ec) {
      print_error(Error(ErrorCode::kIo, "cannot replace the file: " + ec.message(), file.string()));
      return kExitError;
    }
  }
  log_warn(std::string(dry_run ? "would fix " : "fixed ") + std::to_string(findings) + " findings in " +
           std::to_string(fixes.size()) + (fixes.size() == 1 ? " file" : " files"));
  return kExitOk;
}

}  // namespace

int run_scan(TargetKind kind, const ScanFlags& f, const std::function<void(scan::Request&)>& customize) {
  set_log_level(f.debug ? LogLevel::kDebug : f.quiet ? LogLevel::kError : LogLevel::kWarn);

  scan::Request req;
  req.kind = kind;
  req.target = f.target;
  req.disabled_analyzers = f.disable_analyzers;
  req.scanners = f.scanners;
  req.misconfig.policy_dirs = f.policy_dirs;
  req.misconfig.disabled = f.disabled_policies;
  req.db_path = f.db_path;
  // A gate that must fail on findings cannot pass just because there was no
  // database to find them with.
  req.require_db = f.gate.exit_code != 0;
  artifact::Options& o = req.artifact;
  o.cache_dir = f.cache_dir.empty() ? default_cache_dir() : f.cache_dir;
  o.use_cache = !f.no_cache;
  o.platform = f.platform;
  o.insecure = f.insecure;
  o.auth.username = f.username;
  o.auth.password = f.password;
  o.auth.token = f.registry_token;
  if (!f.image_src.empty()) o.image_sources = f.image_src;
  o.engine_socket = f.engine_socket;
  o.parallelism = f.parallel;
  o.skip_dirs = f.skip_dirs;
  o.skip_files = f.skip_files;
  if (customize) customize(req);

  auto timeout = parse_duration(f.timeout);
  if (!timeout) {
    print_error(timeout.error());
    return kExitUsage;
  }
  auto policy = load_gate(f.gate);  // before scanning: a bad ignore file fails fast
  if (!policy) {
    print_error(policy.error());
    return policy.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitError;
  }
  CancelToken& token = cancel_token();
  if (timeout->count() > 0) token.set_deadline(std::chrono::steady_clock::now() + *timeout);
  o.cancel = &token;
  std::unique_ptr<Progress> progress = make_terminal_progress(f.quiet);
  o.progress = progress.get();

  auto report = scan::run(req);
  progress.reset();
  if (!report) {
    print_error(report.error());
    return kExitError;
  }
  int code = finish_report(*report, *policy, f.gate, f.format, f.output);
  if (code != kExitError && (f.fix || f.fix_dry_run)) {
    if (int fixed = apply_fixes(*report, req, f.fix_dry_run); fixed != kExitOk) return fixed;
  }
  return code;
}

namespace {

void add_scan_command(CLI::App& app, Action& action, const char* name, const char* help, const char* target_help,
                      TargetKind kind, bool image_flags, std::vector<std::string> scanners) {
  auto flags = std::make_shared<ScanFlags>();
  flags->scanners = std::move(scanners);
  auto* cmd = app.add_subcommand(name, help);
  cmd->add_option("target", flags->target, target_help)->required();
  // Skip patterns select paths inside the target: meaningless for an SBOM.
  add_scan_flags(cmd, *flags, image_flags, kind != TargetKind::kSbom);
  cmd->callback([&action, flags, kind] { action = [flags, kind] { return run_scan(kind, *flags); }; });
}

}  // namespace

void add_scan_commands(CLI::App& app, Action& action) {
  add_scan_command(app, action, "image", "Scan a container image",
                   "Image: archive file, OCI layout dir, oci:DIR[:TAG], docker-archive:FILE, oci-archive:FILE, "
                   "an engine image name, or a registry reference",
                   TargetKind::kImage, true, {"vuln", "misconfig"});
  add_scan_command(app, action, "rootfs", "Scan an unpacked root filesystem (a container's or a host's)",
                   "Root directory", TargetKind::kRootfs, false, {"vuln", "misconfig"});
  add_scan_command(app, action, "fs", "Scan a local directory (source tree, build output)", "Directory",
                   TargetKind::kFilesystem, false, {"vuln", "misconfig"});
  add_scan_command(app, action, "repo",
                   "Scan a source repository directory (in a git work tree: also its commit, branch and origin URL)",
                   "Repository directory", TargetKind::kRepository, false, {"vuln", "misconfig"});
  add_scan_command(app, action, "config",
                   "Scan configuration (Kubernetes, Dockerfile, Terraform, CloudFormation) for misconfigurations",
                   "Directory or file", TargetKind::kFilesystem, false, {"misconfig"});
  add_scan_command(app, action, "sbom", "Read a CycloneDX or SPDX JSON SBOM and report on its packages",
                   "SBOM file", TargetKind::kSbom, false, {"vuln"});
}

}  // namespace bulwark::cli
