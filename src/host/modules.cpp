// Loaded kernel modules from proc/modules:
//   "nf_tables 245760 3 nft_chain_nat, Live 0xffffffffc0a5e000 (E)"
//   name size refcount users state address [taint flags]
#include <charconv>

#include "host/internal.hpp"

namespace bulwark::host {

namespace {

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size() && out.size() < 8) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t b = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > b) out.push_back(line.substr(b, i - b));
  }
  return out;
}

template <class T>
bool number(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::vector<KernelModule> parse_proc_modules(std::string_view text, const std::string& path,
                                             std::vector<Diagnostic>& diagnostics) {
  std::vector<KernelModule> out;
  int line_no = 0;
  int bad = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (trim(line).empty()) continue;
    auto f = fields(line);
    KernelModule m;
    if (f.size() < 5 || !number(f[1], m.size) || !number(f[2], m.users) || f[0].size() > 256) {
      // One warning per file for the first bad line, then a count: a
      // garbled file must not flood the report.
      if (bad++ == 0) diagnostics.push_back(make_warning(path, line_no, "not a proc/modules line; skipped"));
      continue;
    }
    m.name = std::string(f[0]);
    m.state = std::string(f[4]);
    out.push_back(std::move(m));
  }
  if (bad > 1)
    diagnostics.push_back(make_warning(path, 0, std::to_string(bad) + " lines were not proc/modules lines"));
  return out;
}

std::vector<KernelModule> read_modules(const std::filesystem::path& root, std::vector<Diagnostic>& diagnostics) {
  std::string text;
  const std::string shown = display_path(root, "proc/modules");
  // A kernel without module support has no proc/modules: nothing is loaded.
  if (!read_file_diag(under(root, "proc/modules"), shown, kTableFileLimit, false, text, diagnostics)) return {};
  return parse_proc_modules(text, shown, diagnostics);
}

}  // namespace bulwark::host
