// bulwark compliance: a benchmark (CIS Docker, CIS Kubernetes, Pod Security
// Standards, or a spec file) evaluated control by control over a host root,
// its container engine and Kubernetes manifests.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/cli.hpp"
#include "host/host.hpp"
#include "policy/compliance/compliance.hpp"
#include "report/report.hpp"

namespace bulwark::cli {

namespace {

struct ComplianceFlags {
  std::string spec;
  std::string spec_file;
  std::string root = "/";
  std::string engine_socket;
  std::vector<std::string> paths;
  std::string format = "table";
  std::string output;
  std::string timeout = "10s";
  bool list = false;
  bool dump_facts = false;
  bool quiet = false;
  bool debug = false;
  GateFlags gate;
};

int list_specs() {
  std::printf("%-22s %-32s %-9s %9s %9s  %s\n", "SPEC", "ALIASES", "VERSION", "CONTROLS", "CHECKED", "TITLE");
  for (const auto& s : compliance::builtin_specs()) {
    std::string aliases;
    for (const auto& a : s.aliases) aliases += (aliases.empty() ? "" : ",") + a;
    size_t checked = 0;
    for (const auto& c : s.controls) checked += !c.check.empty() || !c.policies.empty();
    std::printf("%-22s %-32s %-9s %9zu %9zu  %s\n", s.name.c_str(), aliases.c_str(), s.version.c_str(),
                s.controls.size(), checked, s.title.c_str());
  }
  return kExitOk;
}

// The engine's containers, with a clear reason when they cannot be had.
compliance::EngineState read_engine(const ComplianceFlags& f, long timeout_seconds, HostInfo& host,
                                    std::vector<Diagnostic>& diags) {
  compliance::EngineState e;
  e.socket = host::find_engine_socket(f.root, f.engine_socket);
  if (e.socket.empty()) {
    e.error = "no container engine socket under " + f.root +
              " (looked for run/podman/podman.sock, var/run/docker.sock, run/docker.sock; --engine-socket names one)";
    return e;
  }
  host::EngineClientOptions eo;
  eo.socket = e.socket;
  eo.timeout_seconds = timeout_seconds;
  eo.cancel = &cancel_token();
  host::EngineClient client(eo);
  auto version = client.version();
  if (!version) {
    e.error = "the container engine at " + e.socket + " did not answer: " + version.error().describe();
    return e;
  }
  e.product = *version;
  auto containers = client.containers(diags);
  if (!containers) {
    e.error = "the container engine at " + e.socket + " did not list its containers: " + containers.error().describe();
    return e;
  }
  host.engine = *version;
  host.engine_socket = e.socket;
  host.containers = std::move(*containers);
  e.answered = true;
  // Swarm state (5.1); an engine without it simply leaves the fact out.
  if (auto info = client.get("/info")) e.info_json = *info;
  else diags.push_back(make_warning(e.socket, 0, "GET /info: " + info.error().describe()));
  return e;
}

int run_compliance(const ComplianceFlags& f) {
  set_log_level(f.debug ? LogLevel::kDebug : f.quiet ? LogLevel::kError : LogLevel::kWarn);
  if (f.list) return list_specs();

  std::vector<Diagnostic> diags;
  compliance::Spec loaded;
  const compliance::Spec* spec = nullptr;
  if (!f.spec_file.empty()) {
    auto s = compliance::load_spec_file(f.spec_file, diags);
    if (!s) {
      print_error(s.error());
      return kExitUsage;
    }
    loaded = std::move(*s);
    spec = &loaded;
  } else if (!f.spec.empty()) {
    spec = compliance::find_builtin_spec(f.spec);
    if (!spec) {
      std::string known;
      for (const auto& s : compliance::builtin_specs()) {
        known += (known.empty() ? "" : ", ") + s.name;
        for (const auto& a : s.aliases) known += ", " + a;
      }
      print_error(Error(ErrorCode::kInvalidArgument, "unknown spec '" + f.spec + "' (known: " + known + ")"));
      return kExitUsage;
    }
  } else {
    print_error(Error(ErrorCode::kInvalidArgument, "name a benchmark with --spec (see --list-specs) or --spec-file"));
    return kExitUsage;
  }
  auto timeout = parse_duration(f.timeout);
  if (!timeout) {
    print_error(timeout.error());
    return kExitUsage;
  }
  auto gate = load_gate(f.gate);
  if (!gate) {
    print_error(gate.error());
    return gate.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitError;
  }

  compliance::FactsInput in;
  in.root = f.root;
  in.files = spec->files;
  in.units = spec->units;
  for (const auto& p : f.paths) in.manifests.emplace_back(p);
  // Host facts only when the spec reads them (the Pod Security specs read
  // manifests alone).
  bool host_facts = false;
  for (const char* fact : {"host", "processes", "daemon", "kubelet", "kube_proxy", "apiserver", "controller_manager",
                           "scheduler", "etcd", "containers", "engine"})
    host_facts = host_facts || spec->uses(fact);
  if (host_facts) {
    host::HostOptions ho;
    ho.root = f.root;
    ho.containers = false;  // asked below, so that a silent engine is an error of its controls
    ho.engine_timeout_seconds = std::max<long>(1, static_cast<long>(timeout->count() / 1000));
    in.host = host::collect(ho, diags);
    if (spec->uses("containers") || spec->uses("engine"))
      in.engine = read_engine(f, ho.engine_timeout_seconds, *in.host, diags);
  }
  compliance::Facts facts = compliance::gather_facts(in, diags);
  if (f.dump_facts) {
    std::cout << facts.to_json() << '\n';
    return std::cout ? kExitOk : kExitError;
  }

  Report report;
  report.created_at = now_rfc3339();
  report.tool.version = std::string(tool_version());
  report.tool.components["compliance:" + spec->name] = spec->version.empty() ? spec->source : spec->version;
  report.target.kind = host_facts ? TargetKind::kHost : TargetKind::kFilesystem;
  report.target.reference = host_facts ? f.root : (f.paths.empty() ? std::string() : f.paths.front());
  ComplianceReport result = compliance::evaluate(*spec, facts, diags);
  for (auto& finding : compliance::findings_of(result, *spec)) {
    finding.fingerprint = fingerprint(finding, report.target);
    report.findings.push_back(std::move(finding));
  }
  report.compliance.push_back(std::move(result));
  report.diagnostics = std::move(diags);
  return finish_report(report, *gate, f.gate, f.format, f.output);
}

}  // namespace

void add_compliance_command(CLI::App& app, Action& action) {
  auto f = std::make_shared<ComplianceFlags>();
  auto* cmd = app.add_subcommand(
      "compliance", "Check a host, its containers or Kubernetes manifests against a benchmark, control by control");
  cmd->add_option("--spec", f->spec, "Built-in benchmark: docker-cis, k8s-cis, k8s-pss-restricted, ... (--list-specs)");
  cmd->add_option("--spec-file", f->spec_file, "A benchmark spec file of your own (YAML with CEL checks)");
  cmd->add_flag("--list-specs", f->list, "List the built-in benchmarks and exit");
  cmd->add_option("--root", f->root, "Root of the host to check (a mounted host file system)")->capture_default_str();
  cmd->add_option("--engine-socket", f->engine_socket, "Podman/Docker API socket (default: the usual places under --root)");
  cmd->add_option("--timeout", f->timeout, "Per request to the container engine")->capture_default_str();
  cmd->add_flag("--dump-facts", f->dump_facts, "Print the facts the checks read, as JSON, and exit");
  cmd->add_option("-f,--format", f->format, "Output format")->check(CLI::IsMember(report::formats()))->capture_default_str();
  cmd->add_option("-o,--output", f->output, "Write the report to FILE instead of standard output");
  cmd->add_flag("-q,--quiet", f->quiet, "No log lines but errors");
  cmd->add_flag("--debug", f->debug, "Log what Bulwark does");
  add_gate_flags(cmd, f->gate);
  cmd->add_option("path", f->paths, "Kubernetes manifests (files or directories) for the Pod Security Standards specs");
  cmd->callback([&action, f] { action = [f] { return run_compliance(*f); }; });
}

}  // namespace bulwark::cli
