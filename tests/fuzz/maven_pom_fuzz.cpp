// Arbitrary bytes as pom.xml: alone through parse_pom_xml, and, split at a
// "\n--8<--\n" line into a parent and a child POM, through the maven-pom
// analyzer's analyze and contribute (parent lookup, imports, properties
// across files). Packages are Maven packages; nothing crashes or hangs.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "catalog/lang/lang.hpp"

namespace {

class Body : public bulwark::BodyReader {
 public:
  explicit Body(std::string_view d) : d_(d) {}
  bulwark::Result<size_t> read(char* buf, size_t n) override {
    size_t k = std::min(n, d_.size() - pos_);
    if (k > 0) std::memcpy(buf, d_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::string_view d_;
  size_t pos_ = 0;
};

void check(const std::vector<bulwark::Package>& pkgs) {
  for (const auto& p : pkgs)
    if (p.name.empty() || p.ecosystem != "maven" || p.id.empty()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<bulwark::Diagnostic> diags;
  check(bulwark::catalog::parse_pom_xml(text, "pom.xml", diags));
  for (const auto& d : diags)
    if (d.location.path != "pom.xml") __builtin_trap();

  static bulwark::AnalyzerRegistry* registry = [] {
    auto* r = new bulwark::AnalyzerRegistry;
    bulwark::catalog::register_language_analyzers(*r);
    return r;
  }();
  const bulwark::Analyzer* a = registry->find("maven-pom");
  if (!a) __builtin_trap();
  size_t cut = text.find("\n--8<--\n");
  std::string_view parts[2] = {text.substr(0, cut), cut == std::string_view::npos ? std::string_view() : text.substr(cut + 8)};
  const char* paths[2] = {"p/pom.xml", "p/child/pom.xml"};
  std::vector<bulwark::FileResult> results(2);
  for (int i = 0; i < 2; ++i) {
    Body body(parts[i]);
    bulwark::FileEntry e;
    e.path = paths[i];
    e.size = static_cast<int64_t>(parts[i].size());
    e.body = &body;
    results[i].analyzer = "maven-pom";
    results[i].path = paths[i];
    if (!a->analyze(e, results[i])) __builtin_trap();
  }
  const bulwark::FileResult* visible[2] = {&results[0], &results[1]};
  bulwark::Inventory inv;
  std::vector<bulwark::Finding> findings;
  diags.clear();
  a->contribute(visible, inv, findings, diags);
  for (const auto& app : inv.applications) check(app.packages);
  return 0;
}
