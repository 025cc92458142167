// Helpers shared by the Python analyzers (python_common.hpp).
#include "catalog/lang/python_common.hpp"

#include <algorithm>
#include <cstdint>

#include "catalog/lang/format_analyzer.hpp"
#include "core/utf8.hpp"

namespace bulwark::catalog::python {

bool in_installed_tree(std::string_view path) {
  return in_node_modules(path) || has_dir_component(path, "site-packages") || has_dir_component(path, "dist-packages");
}

Package make_package(std::string name, std::string version, const std::string& path, int line) {
  Package p;
  p.ecosystem = "pypi";
  p.name = std::move(name);
  p.version = std::move(version);
  p.location.path = path;
  p.location.line = line;
  p.id = make_package_id(p);
  return p;
}

namespace {
int rank(Relationship r) {
  switch (r) {
    case Relationship::kRoot: return 3;
    case Relationship::kDirect: return 2;
    case Relationship::kTransitive: return 1;
    case Relationship::kUnknown: return 0;
  }
  return 0;
}
}  // namespace

void add_edge(Package& p, const std::string& id) {
  if (id == p.id) return;
  if (std::find(p.depends_on.begin(), p.depends_on.end(), id) == p.depends_on.end()) p.depends_on.push_back(id);
}

size_t PackageSet::add(Package p) {
  if (p.id.empty()) p.id = make_package_id(p);
  auto [it, fresh] = by_id_.emplace(p.id, packages_.size());
  if (fresh) {
    packages_.push_back(std::move(p));
    return packages_.size() - 1;
  }
  Package& q = packages_[it->second];
  for (const auto& d : p.depends_on) add_edge(q, d);
  q.dev = q.dev && p.dev;
  if (rank(p.relationship) > rank(q.relationship)) q.relationship = p.relationship;
  for (const auto& l : p.licenses)
    if (std::find(q.licenses.begin(), q.licenses.end(), l) == q.licenses.end()) q.licenses.push_back(l);
  return it->second;
}

bool to_utf8(std::string_view raw, std::string& out, std::string& error) {
  out.clear();
  auto byte = [&](size_t i) { return static_cast<unsigned char>(raw[i]); };
  if (raw.size() >= 3 && byte(0) == 0xEF && byte(1) == 0xBB && byte(2) == 0xBF) {
    out.assign(raw.substr(3));
    return true;
  }
  bool le = raw.size() >= 2 && byte(0) == 0xFF && byte(1) == 0xFE;
  bool be = raw.size() >= 2 && byte(0) == 0xFE && byte(1) == 0xFF;
  if (!le && !be) {
    out.assign(raw);
    return true;
  }
  if (raw.size() % 2 != 0) {
    error = "UTF-16 text has an odd number of bytes";
    return false;
  }
  out.reserve(raw.size() / 2);
  auto unit = [&](size_t i) -> uint32_t {
    return le ? (byte(i) | (byte(i + 1) << 8)) : ((byte(i) << 8) | byte(i + 1));
  };
  for (size_t i = 2; i < raw.size(); i += 2) {
    uint32_t u = unit(i);
    if (u >= 0xD800 && u <= 0xDBFF) {
      uint32_t lo = i + 3 < raw.size() ? unit(i + 2) : 0;
      if (lo < 0xDC00 || lo > 0xDFFF) {
        error = "UTF-16 text has an unpaired surrogate at byte " + std::to_string(i);
        return false;
      }
      append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
      i += 2;
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      error = "UTF-16 text has an unpaired surrogate at byte " + std::to_string(i);
      return false;
    } else {
      append_utf8(out, u);
    }
  }
  return true;
}

int line_of(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

}  // namespace bulwark::catalog::python
