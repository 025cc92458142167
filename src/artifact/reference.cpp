// Docker image references and local transport names.
#include "artifact/reference.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>

#include "artifact/image_config.hpp"

namespace bulwark::artifact {

namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// A path component: lowercase alphanumerics separated by ".", "_", "__" or
// runs of "-".
bool valid_component(std::string_view c) {
  if (c.empty() || !is_lower_alnum(c.front()) || !is_lower_alnum(c.back())) return false;
  for (size_t i = 0; i < c.size(); ++i) {
    char ch = c[i];
    if (is_lower_alnum(ch)) continue;
    if (ch == '-') continue;
    if (ch == '.' || ch == '_') {
      if (!is_lower_alnum(c[i - 1])) {
        // "__" is allowed, nothing else doubled.
        if (!(ch == '_' && c[i - 1] == '_' && i >= 2 && is_lower_alnum(c[i - 2]))) return false;
      }
      continue;
    }
    return false;
  }
  return true;
}

bool valid_tag(std::string_view t) {
  if (t.empty() || t.size() > 128) return false;
  if (!(std::isalnum(static_cast<unsigned char>(t[0])) || t[0] == '_')) return false;
  return std::all_of(t.begin(), t.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

bool valid_host(std::string_view h) {
  if (h.empty() || h.size() > 255) return false;
  std::string_view host = h;
  if (host.front() == '[') {  // [ipv6]:port
    auto close = host.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view rest = host.substr(close + 1);
    if (!rest.empty() && (rest[0] != ':' || rest.size() == 1)) return false;
    return std::all_of(host.begin() + 1, host.begin() + static_cast<long>(close),
                       [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; }) &&
           std::all_of(rest.begin() + (rest.empty() ? 0 : 1), rest.end(),
                       [](char c) { return c >= '0' && c <= '9'; });
  }
  auto colon = host.find(':');
  if (colon != std::string_view::npos) {
    std::string_view port = host.substr(colon + 1);
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    host = host.substr(0, colon);
  }
  if (host.empty() || !std::isalnum(static_cast<unsigned char>(host.front())) ||
      !std::isalnum(static_cast<unsigned char>(host.back())) || host.find("..") != std::string_view::npos)
    return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
  });
}

}  // namespace

std::string ImageReference::name() const { return registry + "/" + repository; }

std::string ImageReference::str() const {
  std::string s = name();
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

std::string ImageReference::api_host() const {
  return registry == "docker.io" ? std::string("registry-1.docker.io") : registry;
}

Result<ImageReference> parse_reference(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::kInvalidArgument, "invalid image reference \"" + std::string(text.substr(0, 300)) + "\": " + why);
  };
  if (text.empty()) return bad("empty");
  if (text.size() > 1024) return bad("longer than 1024 characters");
  ImageReference r;
  std::string_view rest = text;
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    r.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (auto st = check_digest(r.digest, "image reference"); !st) return bad(st.error().message);
  }
  // The tag is after the last ':' that follows the last '/'.
  auto slash = rest.rfind('/');
  auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    r.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!valid_tag(r.tag)) return bad("invalid tag \"" + r.tag + "\"");
  }
  // The first component is a registry host if it looks like one.
  auto first_slash = rest.find('/');
  std::string_view first = rest.substr(0, first_slash);
  if (first_slash != std::string_view::npos &&
      (first.find('.') != std::string_view::npos || first.find(':') != std::string_view::npos ||
       first == "localhost" || first.front() == '[' ||
       std::any_of(first.begin(), first.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))) {
    if (!valid_host(first)) return bad("invalid registry host \"" + std::string(first) + "\"");
    r.registry = std::string(first);
    rest = rest.substr(first_slash + 1);
  } else {
    r.registry = "docker.io";
  }
  if (r.registry == "index.docker.io" || r.registry == "registry-1.docker.io") r.registry = "docker.io";
  if (rest.empty()) return bad("no repository name");
  size_t start = 0;
  while (start <= rest.size()) {
    auto s = rest.find('/', start);
    std::string_view comp = rest.substr(start, s == std::string_view::npos ? std::string_view::npos : s - start);
    if (!valid_component(comp))
      return bad("invalid repository component \"" + std::string(comp) + "\" (lowercase letters, digits, . _ -)");
    if (s == std::string_view::npos) break;
    start = s + 1;
  }
  r.repository = std::string(rest);
  if (r.registry == "docker.io" && r.repository.find('/') == std::string::npos)
    r.repository = "library/" + r.repository;
  if (r.tag.empty() && r.digest.empty()) r.tag = "latest";
  return r;
}

bool is_loopback_host(std::string_view hp) {
  std::string_view host = hp;
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    host = host.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
    return host == "::1";
  }
  if (auto c = host.find(':'); c != std::string_view::npos) host = host.substr(0, c);
  return host == "localhost" || starts_with(host, "127.");
}

std::optional<LocalReference> parse_transport(std::string_view ref) {
  LocalReference l;
  std::string_view rest;
  if (starts_with(ref, "docker-archive:")) {
    l.kind = LocalReference::Kind::kDockerArchive;
    rest = ref.substr(15);
  } else if (starts_with(ref, "oci-archive:")) {
    l.kind = LocalReference::Kind::kOciArchive;
    rest = ref.substr(12);
  } else if (starts_with(ref, "oci:")) {
    l.kind = LocalReference::Kind::kOciLayout;
    rest = ref.substr(4);
  } else {
    return std::nullopt;
  }
  // FILE[:TAG]: a path that exists wins, so paths containing ':' still work.
  struct stat st {};
  std::string whole(rest);
  if (::stat(whole.c_str(), &st) == 0 || rest.find(':') == std::string_view::npos) {
    l.path = whole;
    return l;
  }
  // docker-archive:FILE:NAME:TAG — the image name may itself contain ':' (tag,
  // port), so take the first ':' after which the path exists; OCI tags have no ':'.
  if (l.kind == LocalReference::Kind::kDockerArchive) {
    for (size_t c = rest.find(':'); c != std::string_view::npos; c = rest.find(':', c + 1)) {
      std::string p(rest.substr(0, c));
      if (::stat(p.c_str(), &st) == 0) {
        l.path = p;
        l.tag = std::string(rest.substr(c + 1));
        return l;
      }
    }
    l.path = whole;
    return l;
  }
  auto c = rest.rfind(':');
  l.path = std::string(rest.substr(0, c));
  l.tag = std::string(rest.substr(c + 1));
  return l;
}

std::optional<LocalReference> detect_local(std::string_view ref) {
  struct stat st {};
  std::string whole(ref);
  auto classify = [](const std::string& p, const struct stat& s, std::string tag) -> std::optional<LocalReference> {
    LocalReference l;
    l.path = p;
    l.tag = std::move(tag);
    if (S_ISDIR(s.st_mode)) l.kind = LocalReference::Kind::kOciLayout;
    else if (S_ISREG(s.st_mode)) l.kind = LocalReference::Kind::kArchiveFile;
    else return std::nullopt;
    return l;
  };
  if (::stat(whole.c_str(), &st) == 0) return classify(whole, st, "");
  auto c = ref.rfind(':');
  if (c == std::string_view::npos || c == 0) return std::nullopt;
  std::string p(ref.substr(0, c));
  std::string tag(ref.substr(c + 1));
  if (tag.empty() || tag.find('/') != std::string::npos) return std::nullopt;
  if (::stat(p.c_str(), &st) == 0) return classify(p, st, tag);
  return std::nullopt;
}

}  // namespace bulwark::artifact
