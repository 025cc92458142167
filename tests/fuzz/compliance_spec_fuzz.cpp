// Arbitrary bytes as a compliance spec (users pass their own with
// --spec-file): a spec that loads, or an error naming the file, never a crash
// or hang. A spec that loads is evaluated over fixed facts (a dockerd with
// flags, two containers, a root with nothing in it): every control gets one
// of the five statuses, the counts add up, and the report serialises.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/json.hpp"
#include "policy/compliance/compliance.hpp"

namespace {

using namespace bulwark;

const compliance::FactsInput& input() {
  static const compliance::FactsInput in = [] {
    compliance::FactsInput i;
    i.root = "/nonexistent/bulwark-fuzz-root";
    HostInfo h;
    ProcessInfo d;
    d.pid = 300;
    d.name = "dockerd";
    d.args = {"dockerd", "--icc=false", "-H", "tcp://0.0.0.0:2375", "--log-opt", "max-size=1m"};
    h.processes.push_back(d);
    ContainerInfo c;
    c.id = "0123456789abcdef";
    c.name = "web";
    c.state = "running";
    c.privileged = true;
    c.cap_add = {"SYS_ADMIN"};
    c.mounts = {{"bind", "/var/run/docker.sock", "/var/run/docker.sock", true, "rshared"}};
    c.inspect_json = R"({"HostConfig": {"Privileged": true, "Devices": [{"PathOnHost": "/dev/fuse"}]}})";
    h.containers.push_back(c);
    c.name = "db";
    c.privileged = false;
    c.inspect_json = "{}";
    h.containers.push_back(c);
    i.host = h;
    i.engine.answered = true;
    i.engine.socket = "/run/podman/podman.sock";
    i.engine.info_json = R"({"Swarm": {"LocalNodeState": "active"}})";
    i.files = {"etc/docker/daemon.json", "etc/passwd"};
    i.units = {"docker.service"};
    return i;
  }();
  return in;
}

const compliance::Facts& facts() {
  static const compliance::Facts f = [] {
    std::vector<Diagnostic> diags;
    return compliance::gather_facts(input(), diags);
  }();
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<Diagnostic> diags;
  auto spec = compliance::load_spec(text, "fuzz.yaml", diags);
  if (!spec) {
    if (spec.error().where.rfind("fuzz.yaml", 0) != 0) __builtin_trap();
    return 0;
  }
  for (const auto& d : diags)
    if (d.location.path != "fuzz.yaml") __builtin_trap();
  std::vector<Diagnostic> eval_diags;
  ComplianceReport r = compliance::evaluate(*spec, facts(), eval_diags);
  if (r.controls.size() != spec->controls.size()) __builtin_trap();
  int n = r.total.pass + r.total.fail + r.total.warn + r.total.manual + r.total.error;
  if (n != static_cast<int>(r.controls.size())) __builtin_trap();
  for (const auto& c : r.controls) {
    if (c.status != ComplianceStatus::kManual && c.items.empty()) __builtin_trap();
    if (!parse_compliance_status(to_string(c.status))) __builtin_trap();
  }
  auto findings = compliance::findings_of(r);
  Report rep;
  rep.compliance.push_back(std::move(r));
  rep.findings = std::move(findings);
  json j = rep;
  (void)j.dump(-1, ' ', false, json::error_handler_t::replace);
  return 0;
}
