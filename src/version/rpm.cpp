// rpm versions: [epoch:]version[-release], each part compared with rpmvercmp's
// rules: segments are runs of digits or of letters, separators are skipped,
// '~' sorts before everything (even the end), '^' sorts after the end of the
// base but before any further segment, a digit segment beats a letter segment,
// digit segments compare numerically and letter segments by bytes.
#include "version/scheme.hpp"

namespace bulwark::version::detail {
namespace {

struct RpmVersion : Parsed {
  std::string epoch = "0";
  std::string version;
  std::string release;  // empty when absent
  int compare(const Parsed& o) const override;
  bool is_prerelease() const override { return version.find('~') != std::string::npos; }
};

int vercmp(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  size_t i = 0, j = 0;
  auto sep = [](char c) { return !is_alnum(c) && c != '~' && c != '^'; };
  while (i < a.size() || j < b.size()) {
    while (i < a.size() && sep(a[i])) ++i;
    while (j < b.size() && sep(b[j])) ++j;
    bool ea = i >= a.size(), eb = j >= b.size();
    // '~': before everything, including the end.
    if ((!ea && a[i] == '~') || (!eb && b[j] == '~')) {
      if (ea || a[i] != '~') return 1;
      if (eb || b[j] != '~') return -1;
      ++i, ++j;
      continue;
    }
    // '^': after the end, before anything else.
    if ((!ea && a[i] == '^') || (!eb && b[j] == '^')) {
      if (ea) return -1;
      if (eb) return 1;
      if (a[i] != '^') return 1;
      if (b[j] != '^') return -1;
      ++i, ++j;
      continue;
    }
    if (ea || eb) break;
    bool num = is_digit(a[i]);
    size_t si = i, sj = j;
    if (num) {
      while (i < a.size() && is_digit(a[i])) ++i;
      while (j < b.size() && is_digit(b[j])) ++j;
    } else {
      while (i < a.size() && is_alpha(a[i])) ++i;
      while (j < b.size() && is_alpha(b[j])) ++j;
    }
    std::string_view sa = a.substr(si, i - si), sb = b.substr(sj, j - sj);
    // Segments of different kinds: the numeric one is newer.
    if (sb.empty()) return num ? 1 : -1;
    int c = num ? compare_digits(sa, sb) : sign(sa.compare(sb));
    if (c != 0) return c;
  }
  bool ea = i >= a.size(), eb = j >= b.size();
  if (ea && eb) return 0;
  return ea ? -1 : 1;
}

int RpmVersion::compare(const Parsed& other) const {
  const auto& o = static_cast<const RpmVersion&>(other);
  if (int c = compare_digits(epoch, o.epoch)) return c;
  if (int c = vercmp(version, o.version)) return c;
  // As rpm.vercmp() orders full EVRs: a missing release sorts before any
  // release (dependency matching, where it matches any, is not ordering).
  return vercmp(release, o.release);
}

Result<ParsedPtr> parse(std::string_view text) {
  auto bad = [&](std::string_view why) { return invalid_version("rpm", text, why); };
  std::string_view s = trim(text);
  if (s.empty()) return bad("empty version");
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return bad("contains a space, control or non-ASCII byte");
  }
  auto v = std::make_shared<RpmVersion>();
  v->text = std::string(text);
  if (auto colon = s.find(':'); colon != std::string_view::npos) {
    std::string_view e = s.substr(0, colon);
    if (!all_digits(e)) return bad("epoch '" + std::string(e) + "' is not a number");
    v->epoch = std::string(strip_zeros(e));
    s = s.substr(colon + 1);
  }
  if (auto dash = s.rfind('-'); dash != std::string_view::npos) {
    v->release = std::string(s.substr(dash + 1));
    s = s.substr(0, dash);
    if (v->release.empty()) return bad("empty release after '-'");
  }
  if (s.empty()) return bad("empty version before the release");
  if (s.find(':') != std::string_view::npos) return bad("more than one ':'");
  v->version = std::string(s);
  return ParsedPtr(v);
}

Result<RangePtr> range(std::string_view text) { return parse_comparator_range("rpm", text, parse); }

}  // namespace

SchemeDef rpm_scheme() {
  return {Scheme::kRpm, "rpm",
          {"redhat", "red hat", "rhel", "centos", "fedora", "rocky", "rocky linux", "alma", "almalinux", "suse",
           "opensuse", "sles", "sle", "amazon", "amazon linux", "amzn", "oracle", "oracle linux", "ol", "mariner",
           "cbl-mariner", "azure linux", "azurelinux", "photon", "photon os", "openeuler", "mageia", "openmandriva"},
          parse, range};
}

}  // namespace bulwark::version::detail
