// "table": the report for people. A header naming the target, then findings
// (a severity summary, then one table per target as Trivy draws them: the OS
// packages, each application file, then misconfigurations and secrets by file;
// suppressed findings are counted, not listed), then the package
// inventory (OS packages, then each application), then diagnostics. Column
// widths follow the data, capped so that long titles do not push lines past a
// terminal's width; cut cells end in an ellipsis.
#include <algorithm>
#include <array>
#include <cstdio>
#include <tuple>
#include <map>
#include <ostream>
#include <set>

#include "core/core.hpp"
#include "report/internal.hpp"

namespace bulwark::report {

namespace {

constexpr const char* kReset = "\x1b[0m";

const char* severity_color(Severity s) {
  switch (s) {
    case Severity::kCritical: return "\x1b[1;31m";
    case Severity::kHigh: return "\x1b[31m";
    case Severity::kMedium: return "\x1b[33m";
    case Severity::kLow: return "\x1b[34m";
    case Severity::kUnknown: return "";
  }
  return "";
}

struct Column {
  std::string header;
  size_t max_width;  // cap; cells past it are cut with an ellipsis
};

struct Cell {
  std::string text;
  const char* color = "";  // ANSI prefix, applied after padding
};

using Row = std::vector<Cell>;

// Draws one ASCII table. Every line it prints has the same display width.
void draw_table(std::ostream& out, std::vector<Column> cols, const std::vector<Row>& rows, bool color) {
  // Drop optional columns that are empty in every row (e.g. Arch for npm).
  std::vector<bool> keep(cols.size(), false);
  for (size_t c = 0; c < cols.size(); ++c) {
    keep[c] = c < 2;
    for (const auto& r : rows)
      if (c < r.size() && !r[c].text.empty()) keep[c] = true;
  }
  std::vector<size_t> width(cols.size(), 0);
  for (size_t c = 0; c < cols.size(); ++c) {
    width[c] = display_width(cols[c].header);
    for (const auto& r : rows)
      if (c < r.size()) width[c] = std::max(width[c], display_width(r[c].text));
    width[c] = std::min(width[c], std::max(cols[c].max_width, display_width(cols[c].header)));
  }
  auto rule = [&] {
    out << '+';
    for (size_t c = 0; c < cols.size(); ++c)
      if (keep[c]) out << std::string(width[c] + 2, '-') << '+';
    out << '\n';
  };
  auto line = [&](const Row& r) {
    out << '|';
    for (size_t c = 0; c < cols.size(); ++c) {
      if (!keep[c]) continue;
      const Cell empty;
      const Cell& cell = c < r.size() ? r[c] : empty;
      std::string text = truncate_to_width(cell.text, width[c]);
      std::string pad(width[c] - display_width(text), ' ');
      out << ' ';
      if (color && *cell.color)
        out << cell.color << text << kReset;
      else
        out << text;
      out << pad << " |";
    }
    out << '\n';
  };
  rule();
  Row header;
  for (const auto& c : cols) header.push_back({c.header, ""});
  line(header);
  rule();
  for (const auto& r : rows) line(r);
  rule();
}

// One line of text: newlines and tabs in outside data would break the grid.
std::string flat(std::string_view s) {
  std::string out;
  for (char c : s) out.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
  return out;
}

std::string short_layer(const std::string& diff_id) {
  std::string_view v = diff_id;
  if (size_t colon = v.find(':'); colon != std::string_view::npos) v = v.substr(colon + 1);
  return std::string(v.substr(0, 12));
}

std::string location_text(const Location& l) {
  std::string s = l.path;
  if (l.line > 0) s += ":" + std::to_string(l.line);
  if (l.end_line > l.line) s += "-" + std::to_string(l.end_line);
  return s;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

const char* kind_title(FindingKind k) {
  switch (k) {
    case FindingKind::kVulnerability: return "Vulnerabilities";
    case FindingKind::kMisconfiguration: return "Misconfigurations";
    case FindingKind::kSecret: return "Secrets";
    case FindingKind::kSast: return "Code findings";
    case FindingKind::kCompliance: return "Compliance checks";
    case FindingKind::kRuntime: return "Runtime alerts";
  }
  return "Findings";
}

class TableWriter final : public Writer {
 public:
  std::string_view format() const override { return "table"; }
  Status write(const Report& report, const WriteOptions& opts, std::ostream& out) const override;
};

void write_header(const Report& r, bool color, std::ostream& out) {
  const Target& t = r.target;
  std::string name = !t.reference.empty() ? t.reference : t.artifact.name;
  out << "Target: " << flat(name) << " (" << to_string(t.kind) << ")\n";
  std::string digest = !t.digest.empty() ? t.digest : t.artifact.manifest_digest;
  if (!digest.empty()) out << "Digest: " << digest << '\n';
  if (!t.artifact.repo_tags.empty()) out << "Tags:   " << flat(join(t.artifact.repo_tags, ", ")) << '\n';
  if (const auto& repo = t.repository) {
    if (!repo->remote_url.empty()) out << "Remote: " << flat(repo->remote_url) << '\n';
    if (!repo->commit.empty() || !repo->branch.empty())
      out << "Commit: " << (repo->commit.empty() ? std::string("(none yet)") : repo->commit)
          << (repo->branch.empty() ? std::string(" (detached HEAD)") : " (" + flat(repo->branch) + ")") << '\n';
  }
  if (const auto& os = r.inventory.os) {
    std::string label = !os->pretty_name.empty() ? os->pretty_name : !os->name.empty() ? os->name : os->family;
    out << "OS:     " << flat(label);
    if (!os->family.empty()) out << " [" << os->family << (os->version.empty() ? "" : " " + os->version) << "]";
    out << '\n';
    if (!os->eol.empty()) {
      std::string today = r.created_at.size() >= 10 && to_date_time(r.created_at) ? r.created_at.substr(0, 10)
                                                                                 : now_rfc3339().substr(0, 10);
      if (os->eol < today) {
        std::string msg = "WARNING: " + (os->family.empty() ? std::string("this OS") : os->family) +
                          (os->version.empty() ? "" : " " + os->version) + " reached end of life on " + os->eol +
                          "; it no longer receives security updates";
        out << (color ? "\x1b[33m" : "") << msg << (color ? kReset : "") << '\n';
      }
    }
  }
  out << '\n';
}

bool suppressed(const Finding& f) { return f.status != FindingStatus::kOpen; }

// "Total: 3 (CRITICAL: 1, HIGH: 2, MEDIUM: 0, LOW: 0, UNKNOWN: 0)" over open findings.
void write_counts(const char* label, const std::vector<const Finding*>& list, bool color, std::ostream& out) {
  std::array<size_t, 5> counts{};
  for (const Finding* f : list) counts[static_cast<size_t>(f->severity)]++;
  out << label << list.size() << " (";
  bool first = true;
  for (Severity s : {Severity::kCritical, Severity::kHigh, Severity::kMedium, Severity::kLow, Severity::kUnknown}) {
    out << (first ? "" : ", ");
    first = false;
    std::string part = std::string(to_string(s)) + ": " + std::to_string(counts[static_cast<size_t>(s)]);
    if (color && counts[static_cast<size_t>(s)] > 0 && *severity_color(s))
      out << severity_color(s) << part << kReset;
    else
      out << part;
  }
  out << ")";
}

// "Suppressed: 2 (1 ignored, 1 not affected)": counted here, listed in the
// JSON, SARIF and CycloneDX reports.
std::string suppressed_note(const std::vector<const Finding*>& list) {
  size_t ignored = 0, not_affected = 0, fixed = 0;
  for (const Finding* f : list) {
    if (f->status == FindingStatus::kIgnored) ++ignored;
    else if (f->status == FindingStatus::kNotAffected) ++not_affected;
    else if (f->status == FindingStatus::kFixed) ++fixed;
  }
  if (ignored + not_affected + fixed == 0) return {};
  std::string parts;
  auto add = [&](size_t n, const char* what) {
    if (n) parts += (parts.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  add(ignored, "ignored");
  add(not_affected, "not affected");
  add(fixed, "fixed");
  return "Suppressed: " + std::to_string(ignored + not_affected + fixed) + " (" + parts + ")";
}

// One group of findings: a target (the OS packages, one application file) for
// vulnerabilities, a kind and a file for the rest.
struct Group {
  FindingKind kind;
  std::string title;
  std::vector<const Finding*> open;
  std::vector<const Finding*> suppressed;
};

// Trivy's Status column: what can be done about an open vulnerability.
std::string vuln_status(const Finding& f) {
  const std::string& s = f.remediation.fix_state;
  if (s.empty() || s == "not_fixed" || s == "unknown") return f.remediation.fixed_versions.empty() ? "affected" : "fixed";
  return s;
}

void write_group(const Group& g, bool color, std::ostream& out) {
  out << flat(g.title) << '\n' << std::string(display_width(flat(g.title)), '=') << '\n';
  write_counts("Total: ", g.open, color, out);
  out << '\n';
  if (std::string note = suppressed_note(g.suppressed); !note.empty()) out << note << '\n';
  out << '\n';
  if (g.open.empty()) return;
  std::vector<const Finding*> list = g.open;
  std::stable_sort(list.begin(), list.end(), [](const Finding* a, const Finding* b) {
    if (a->severity != b->severity) return a->severity > b->severity;
    if (a->package_name != b->package_name) return a->package_name < b->package_name;
    return a->id < b->id;
  });
  std::vector<Row> rows;
  auto sev = [](const Finding* f) { return Cell{to_string(f->severity), severity_color(f->severity)}; };
  if (g.kind == FindingKind::kVulnerability) {
    for (const Finding* f : list)
      rows.push_back({{flat(f->package_name), ""}, {flat(f->id), ""}, sev(f), {vuln_status(*f), ""},
                      {flat(f->package_version), ""}, {flat(join(f->remediation.fixed_versions, ", ")), ""},
                      {flat(f->title), ""}});
    draw_table(out,
               {{"Library", 32}, {"Vulnerability", 24}, {"Severity", 8}, {"Status", 14}, {"Installed Version", 28},
                {"Fixed Version", 28}, {"Title", 50}},
               rows, color);
  } else if (g.kind == FindingKind::kSecret) {
    for (const Finding* f : list)
      rows.push_back({{flat(f->id), ""}, sev(f), {flat(location_text(f->location)), ""}, {flat(f->evidence), ""},
                      {flat(f->title), ""}});
    draw_table(out, {{"Rule", 28}, {"Severity", 8}, {"Location", 40}, {"Match", 40}, {"Title", 50}}, rows, color);
  } else if (g.kind == FindingKind::kMisconfiguration) {
    // The file is the group's title: the line, the resource and what is wrong.
    std::stable_sort(list.begin(), list.end(), [](const Finding* a, const Finding* b) {
      if (a->severity != b->severity) return a->severity > b->severity;
      return a->location.line < b->location.line;
    });
    for (const Finding* f : list) {
      std::string where = f->location.line > 0 ? "line " + std::to_string(f->location.line) : "";
      if (auto res = f->attributes.find("resource"); res != f->attributes.end())
        where += (where.empty() ? "" : " ") + res->second;
      auto msg = f->attributes.find("message");
      rows.push_back({{flat(f->id), ""}, sev(f), {flat(where), ""},
                      {flat(msg != f->attributes.end() ? msg->second : f->title), ""}});
    }
    draw_table(out, {{"Policy", 12}, {"Severity", 8}, {"Where", 40}, {"Problem", 70}}, rows, color);
  } else {
    for (const Finding* f : list) {
      std::string where = location_text(f->location);
      if (auto res = f->attributes.find("resource"); res != f->attributes.end())
        where += (where.empty() ? "" : " ") + res->second;
      rows.push_back({{flat(f->id), ""}, sev(f), {flat(where), ""}, {flat(f->title), ""}});
    }
    draw_table(out, {{"Rule", 28}, {"Severity", 8}, {"Location", 48}, {"Title", 60}}, rows, color);
  }
  out << '\n';
}

bool os_ecosystem(const std::string& e) { return e == "deb" || e == "apk" || e == "rpm"; }

void write_findings(const Report& r, bool color, std::ostream& out) {
  std::vector<const Finding*> open, held;
  for (const auto& f : r.findings) (suppressed(f) ? held : open).push_back(&f);
  write_counts("Findings: ", open, color, out);
  if (!held.empty()) out << ", " << held.size() << " suppressed";
  out << "\n\n";

  // Vulnerabilities as Trivy users know them: the OS packages first, then each
  // application file. Other kinds: by kind, then file.
  const Target& t = r.target;
  std::string os_title = !t.reference.empty() ? t.reference : !t.artifact.name.empty() ? t.artifact.name : "target";
  if (r.inventory.os)
    os_title += " (" + r.inventory.os->family + (r.inventory.os->version.empty() ? "" : " " + r.inventory.os->version) + ")";
  std::set<std::string> os_paths;
  for (const auto& p : r.inventory.packages) os_paths.insert(p.location.path);
  std::map<std::string, std::string> app_types;
  for (const auto& app : r.inventory.applications) app_types.emplace(app.path, app.type);

  std::vector<Group> groups;
  std::map<std::pair<int, std::string>, size_t> index;  // (order class, key) -> group
  for (const auto& f : r.findings) {
    std::pair<int, std::string> key;
    std::string title;
    auto image = f.attributes.find("image");
    if (f.kind == FindingKind::kVulnerability && image != f.attributes.end()) {
      // A container image scanned with the host (--scan-containers): its own
      // groups after the host's OS packages.
      bool os = os_ecosystem(f.package_ecosystem);
      key = {0, "\x1f" + image->second + (os ? std::string() : "\x1f" + f.location.path)};
      title = "image " + image->second + (os ? std::string(" (OS packages)") : " " + f.location.path);
    } else if (f.kind == FindingKind::kVulnerability) {
      bool os = os_ecosystem(f.package_ecosystem) || (f.package_ecosystem.empty() && os_paths.count(f.location.path));
      if (os) {
        key = {0, ""};
        title = os_title;
      } else {
        key = {1, f.location.path};
        std::string type = app_types.count(f.location.path) ? app_types[f.location.path] : f.package_ecosystem;
        title = (f.location.path.empty() ? std::string("target") : f.location.path) + (type.empty() ? "" : " (" + type + ")");
      }
    } else {
      key = {2 + static_cast<int>(f.kind), f.location.path};
      title = std::string(kind_title(f.kind)) + " in " + (f.location.path.empty() ? std::string("target") : f.location.path);
    }
    auto [it, fresh] = index.emplace(key, groups.size());
    if (fresh) groups.push_back({f.kind, title, {}, {}});
    Group& g = groups[it->second];
    (suppressed(f) ? g.suppressed : g.open).push_back(&f);
  }
  std::vector<size_t> order;
  for (const auto& [key, i] : index) order.push_back(i);  // map order: OS, applications by path, other kinds
  for (size_t i : order) write_group(groups[i], color, out);
}

std::vector<Column> package_columns() {
  return {{"Name", 40}, {"Version", 36}, {"Arch", 10}, {"Source", 48}, {"Layer", 12}};
}

Row package_row(const Package& p) {
  std::string source = p.src_name;
  if (!p.src_version.empty() && p.src_version != p.version) source += (source.empty() ? "" : " ") + p.src_version;
  if (source == p.name) source.clear();  // same as the binary package: say nothing
  return {{flat(p.name), ""}, {flat(p.version), ""}, {flat(p.arch), ""}, {flat(source), ""},
          {short_layer(p.location.layer), ""}};
}

// Whether any analyzer that finds packages ran: a configuration scan runs
// only the configuration-file analyzer and has no inventory to speak of.
bool packages_looked_for(const Report& r) {
  if (r.target.kind == TargetKind::kSbom) return true;
  for (const auto& [name, version] : r.tool.components)
    if (starts_with(name, "analyzer:") && name != "analyzer:config-files") return true;
  return false;
}

void write_inventory(const Report& r, bool color, std::ostream& out) {
  const Inventory& inv = r.inventory;
  if (!packages_looked_for(r) && inv.packages.empty() && inv.applications.empty()) return;
  if (!inv.packages.empty()) {
    std::string os;
    if (inv.os) os = " (" + inv.os->family + (inv.os->version.empty() ? "" : " " + inv.os->version) + ")";
    out << "OS packages" << flat(os) << ": " << inv.packages.size() << '\n';
    std::vector<const Package*> sorted;
    for (const auto& p : inv.packages) sorted.push_back(&p);
    std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->name < b->name; });
    std::vector<Row> rows;
    for (const auto* p : sorted) rows.push_back(package_row(*p));
    draw_table(out, package_columns(), rows, color);
    out << '\n';
  }
  for (const auto& app : inv.applications) {
    out << (app.path.empty() ? std::string("(no path)") : flat(app.path)) << " (" << flat(app.type)
        << "): " << app.packages.size() << " packages\n";
    if (app.packages.empty()) {
      out << '\n';
      continue;
    }
    std::vector<const Package*> sorted;
    for (const auto& p : app.packages) sorted.push_back(&p);
    std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->name < b->name; });
    std::vector<Row> rows;
    for (const auto* p : sorted) rows.push_back(package_row(*p));
    draw_table(out, package_columns(), rows, color);
    out << '\n';
  }
  if (inv.packages.empty() && inv.applications.empty()) out << "No packages found.\n\n";
}

std::string human_bytes(int64_t n) {
  if (n <= 0) return "";
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, v < 10 && u > 0 ? "%.1f %s" : "%.0f %s", v, units[u]);
  return buf;
}

// Host targets: the kernel, what listens, and the containers, before the findings.
void write_host(const HostInfo& h, bool color, std::ostream& out) {
  const KernelInfo& k = h.kernel;
  if (!h.hostname.empty()) out << "Host:   " << flat(h.hostname) << '\n';
  out << "Kernel: " << flat(k.release.empty() ? std::string("(unknown)") : k.release);
  if (!k.machine.empty()) out << ' ' << flat(k.machine);
  if (!k.package.empty())
    out << " (package " << flat(k.package) << ' ' << flat(k.package_version)
        << (k.src_name.empty() || k.src_name == k.package ? std::string() : ", source " + flat(k.src_name)) << ')';
  else
    out << " (no distribution package)";
  out << '\n';
  if (!k.version.empty()) out << "        " << flat(k.version) << '\n';
  out << "Modules loaded: " << h.modules.size() << ", processes: " << h.processes.size() << '\n';
  out << "Engine: "
      << (h.engine.empty() ? (h.engine_socket.empty() ? std::string("none found") : "not answering at " + flat(h.engine_socket))
                           : flat(h.engine) + " at " + flat(h.engine_socket))
      << "\n\n";

  out << "Listening sockets: " << h.listening.size() << '\n';
  if (!h.listening.empty()) {
    std::vector<const ListeningSocket*> sorted;
    for (const auto& s : h.listening) sorted.push_back(&s);
    std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) {
      return std::tie(a->protocol, a->port, a->address) < std::tie(b->protocol, b->port, b->address);
    });
    std::vector<Row> rows;
    for (const auto* s : sorted) {
      std::string pids;
      for (int p : s->pids) pids += (pids.empty() ? "" : ",") + std::to_string(p);
      rows.push_back({{s->protocol, ""}, {flat(s->address), ""}, {std::to_string(s->port), ""},
                      {flat(s->process), ""}, {pids, ""}, {std::to_string(s->uid), ""}});
    }
    draw_table(out, {{"Proto", 5}, {"Address", 40}, {"Port", 5}, {"Process", 20}, {"PIDs", 24}, {"UID", 10}}, rows,
               color);
  }
  out << '\n';

  if (!h.containers.empty()) {
    out << "Containers: " << h.containers.size() << '\n';
    std::vector<Row> rows;
    for (const auto& c : h.containers) {
      std::vector<std::string> risks;
      if (c.privileged) risks.push_back("privileged");
      for (auto [mode, what] : {std::pair{&c.network_mode, "net"}, std::pair{&c.pid_mode, "pid"},
                                std::pair{&c.ipc_mode, "ipc"}, std::pair{&c.uts_mode, "uts"}})
        if (*mode == "host") risks.push_back(std::string("host ") + what);
      if (!c.cap_add.empty()) risks.push_back("cap+" + join(c.cap_add, ","));
      for (const auto& m : c.mounts)
        if (ends_with(m.source, "docker.sock") || ends_with(m.source, "podman.sock"))
          risks.push_back("engine socket mounted");
      std::string limits;
      if (c.memory_limit > 0) limits += "mem " + human_bytes(c.memory_limit);
      if (c.nano_cpus > 0) {
        char cpus[32];
        std::snprintf(cpus, sizeof cpus, "%g", static_cast<double>(c.nano_cpus) / 1e9);
        limits += std::string(limits.empty() ? "" : ", ") + "cpu " + cpus;
      }
      if (c.pids_limit > 0) limits += std::string(limits.empty() ? "" : ", ") + "pids " + std::to_string(c.pids_limit);
      std::string ports;
      for (const auto& p : c.ports)
        ports += (ports.empty() ? "" : ", ") + (p.host_ip.empty() ? std::string() : p.host_ip + ":") +
                 std::to_string(p.host_port) + "->" + std::to_string(p.container_port) + "/" + p.protocol;
      rows.push_back({{flat(c.name), ""}, {c.id.substr(0, 12), ""}, {flat(c.image), ""}, {flat(c.state), ""},
                      {flat(c.user.empty() ? std::string("(image)") : c.user), ""}, {flat(c.network_mode), ""},
                      {flat(join(risks, ", ")), risks.empty() ? "" : "\x1b[33m"}, {flat(limits), ""},
                      {flat(ports), ""}});
    }
    draw_table(out,
               {{"Name", 24}, {"ID", 12}, {"Image", 40}, {"State", 10}, {"User", 12}, {"Network", 12},
                {"Privileges", 64}, {"Limits", 30}, {"Ports", 30}},
               rows, color);
    out << '\n';
  }
  for (const auto& s : h.image_scans) {
    out << "Image " << flat(s.image) << " (" << flat(join(s.containers, ", ")) << "): ";
    if (!s.error.empty()) out << "not scanned: " << flat(s.error) << '\n';
    else {
      size_t apps = 0;
      for (const auto& a : s.applications) apps += a.packages.size();
      out << s.packages.size() << " OS packages, " << apps << " language packages, " << s.findings << " findings\n";
    }
  }
  if (!h.image_scans.empty()) out << '\n';
}

void write_diagnostics(const Report& r, bool color, std::ostream& out) {
  if (r.diagnostics.empty()) return;
  out << "Diagnostics: " << r.diagnostics.size() << '\n';
  for (const auto& d : r.diagnostics) {
    bool err = d.level == Diagnostic::Level::kError;
    std::string where = location_text(d.location);
    if (!d.location.layer.empty()) where = "layer " + short_layer(d.location.layer) + (where.empty() ? "" : " " + where);
    std::string tag = err ? "ERROR" : "WARNING";
    if (color) tag = std::string(err ? "\x1b[31m" : "\x1b[33m") + tag + kReset;
    out << tag << ": " << (where.empty() ? "" : flat(where) + ": ") << flat(d.message) << '\n';
  }
}

// ---- compliance -----------------------------------------------------------
// A benchmark control by control: the score per section, then one row per
// control (and one per container or workload for controls evaluated on
// each), with what was found and where.

const char* status_color(ComplianceStatus s) {
  switch (s) {
    case ComplianceStatus::kPass: return "\x1b[32m";
    case ComplianceStatus::kFail: return "\x1b[31m";
    case ComplianceStatus::kError: return "\x1b[1;31m";
    case ComplianceStatus::kWarn: return "\x1b[33m";
    case ComplianceStatus::kManual: return "";
  }
  return "";
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  return out;
}

std::string percent_text(const ComplianceCounts& c) {
  auto p = c.percent();
  if (!p) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", *p);
  return buf;
}

std::string counts_text(const ComplianceCounts& c) {
  return std::to_string(c.pass) + " pass, " + std::to_string(c.fail) + " fail, " + std::to_string(c.warn) + " warn, " +
         std::to_string(c.error) + " error, " + std::to_string(c.manual) + " manual";
}

std::string evidence_cell(const std::vector<ComplianceEvidence>& ev) {
  if (ev.empty()) return {};
  const auto& e = ev.front();
  std::string out = e.source;
  if (e.line > 0) out += ":" + std::to_string(e.line);
  if (!e.field.empty()) out += (out.empty() ? "" : " ") + e.field;
  if (!e.value.empty()) out += (out.empty() ? "" : " = ") + e.value;
  else if (!e.message.empty()) out += (out.empty() ? "" : ": ") + e.message;
  if (ev.size() > 1) out += " (+" + std::to_string(ev.size() - 1) + ")";
  return out;
}

void write_compliance(const ComplianceReport& r, bool color, std::ostream& out) {
  std::string title = flat(r.title) + (r.version.empty() ? "" : " " + flat(r.version)) + " (" + flat(r.spec) + ")";
  out << title << '\n' << std::string(display_width(title), '=') << '\n';
  out << "Score: " << percent_text(r.total) << " of the checked controls pass (" << counts_text(r.total) << ")\n\n";
  if (!r.sections.empty()) {
    std::vector<Row> rows;
    for (const auto& s : r.sections) {
      size_t depth = static_cast<size_t>(std::count(s.id.begin(), s.id.end(), '.'));
      const auto& c = s.counts;
      rows.push_back({{std::string(depth * 2, ' ') + flat(s.id + " " + s.title), ""},
                      {percent_text(c), ""},
                      {std::to_string(c.pass), ""},
                      {std::to_string(c.fail), c.fail ? status_color(ComplianceStatus::kFail) : ""},
                      {std::to_string(c.warn), c.warn ? status_color(ComplianceStatus::kWarn) : ""},
                      {std::to_string(c.error), c.error ? status_color(ComplianceStatus::kError) : ""},
                      {std::to_string(c.manual), ""}});
    }
    draw_table(out, {{"Section", 60}, {"Score", 6}, {"Pass", 4}, {"Fail", 4}, {"Warn", 4}, {"Error", 5}, {"Manual", 6}},
               rows, color);
    out << '\n';
  }
  std::vector<Row> rows;
  for (const auto& c : r.controls) {
    Cell status{upper(to_string(c.status)), status_color(c.status)};
    Cell sev{c.status == ComplianceStatus::kManual ? "" : to_string(c.severity), severity_color(c.severity)};
    bool per_subject = c.items.size() > 1 || (c.items.size() == 1 && !c.items.front().subject.empty());
    if (!per_subject) {
      std::string details = c.message;
      std::string ev = c.items.empty() ? "" : evidence_cell(c.items.front().evidence);
      rows.push_back({{flat(c.id), ""}, status, sev, {flat(c.title), ""}, {"", ""}, {flat(details), ""}, {flat(ev), ""}});
      continue;
    }
    rows.push_back({{flat(c.id), ""}, status, sev, {flat(c.title), ""}, {"", ""}, {flat(c.message), ""}, {"", ""}});
    for (const auto& item : c.items)
      rows.push_back({{"", ""},
                      {upper(to_string(item.status)), status_color(item.status)},
                      {"", ""},
                      {"", ""},
                      {flat(item.subject), ""},
                      {flat(item.message), ""},
                      {flat(evidence_cell(item.evidence)), ""}});
  }
  draw_table(out, {{"Control", 8}, {"Status", 6}, {"Severity", 8}, {"Title", 60}, {"Subject", 36}, {"Details", 60}, {"Evidence", 60}},
             rows, color);
  out << '\n';
}

Status TableWriter::write(const Report& report, const WriteOptions& opts, std::ostream& out) const {
  write_header(report, opts.color, out);
  if (report.inventory.host) write_host(*report.inventory.host, opts.color, out);
  for (const auto& c : report.compliance) write_compliance(c, opts.color, out);
  if (!report.compliance.empty()) {
    // The controls above are the compliance findings; list the rest only.
    Report rest = report;
    std::erase_if(rest.findings, [](const Finding& f) { return f.kind == FindingKind::kCompliance; });
    if (!rest.findings.empty()) write_findings(rest, opts.color, out);
  } else if (!report.findings.empty()) {
    write_findings(report, opts.color, out);
  } else {
    out << "Findings: none\n\n";
  }
  bool compliance_only = !report.compliance.empty() && report.inventory.packages.empty() && report.inventory.applications.empty();
  if (opts.show_packages && !compliance_only) write_inventory(report, opts.color, out);
  write_diagnostics(report, opts.color, out);
  return {};
}

}  // namespace

std::unique_ptr<Writer> make_table_writer() { return std::make_unique<TableWriter>(); }

}  // namespace bulwark::report
