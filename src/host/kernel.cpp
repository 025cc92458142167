// The running kernel: what uname says (from proc/sys/kernel under the root)
// and which distribution package it came from, so that kernel advisories are
// matched by the vulnerability matcher like any other OS package.
#include <sys/utsname.h>

#include <algorithm>
#include <cctype>

#include "host/internal.hpp"

namespace bulwark::host {

namespace fs = std::filesystem;

namespace {

std::string first_line(std::string_view s) {
  auto nl = s.find('\n');
  return std::string(trim(s.substr(0, nl)));
}

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t b = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > b) out.push_back(s.substr(b, i - b));
  }
  return out;
}

// Known machine suffixes of RHEL-family releases ("...el9_3.x86_64").
constexpr std::string_view kRpmArches[] = {".x86_64", ".aarch64", ".ppc64le", ".s390x", ".i686", ".armv7hl"};

std::string strip_rpm_arch(std::string_view release) {
  for (auto a : kRpmArches)
    if (ends_with(release, a)) return std::string(release.substr(0, release.size() - a.size()));
  return std::string(release);
}

bool has_file(const Package& p, const std::string& file) {
  return std::find(p.installed_files.begin(), p.installed_files.end(), file) != p.installed_files.end();
}

// Debian and Ubuntu build their kernel images from "linux" and sign them in a
// template source ("linux-signed-amd64" on Debian, "linux-signed" or
// "linux-signed-<flavour>" on Ubuntu) that carries the same version; the
// security trackers name the unsigned source. Returns the tracker's name.
std::string advisory_source(const std::string& src) {
  if (src == "linux-signed" || starts_with(src, "linux-signed-amd64") || starts_with(src, "linux-signed-arm64") ||
      starts_with(src, "linux-signed-i386"))
    return "linux";
  if (starts_with(src, "linux-signed-")) return "linux-" + src.substr(13);
  return src;
}

}  // namespace

std::string distro_kernel_version(std::string_view release, std::string_view version) {
  auto w = words(version);
  // Debian: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)"; older
  // kernels "#1 SMP Debian 4.19.304-1 (2024-01-09)".
  for (size_t i = 0; i + 1 < w.size(); ++i) {
    if (w[i] == "Debian" && !w[i + 1].empty() && std::isdigit(static_cast<unsigned char>(w[i + 1][0])))
      return std::string(w[i + 1]);
  }
  // Ubuntu: "#104-Ubuntu SMP ..." with release "5.15.0-94-generic": the
  // package version is "<upstream>-<abi>.<upload>" = "5.15.0-94.104".
  if (!w.empty() && starts_with(w[0], "#")) {
    std::string_view tag = w[0].substr(1);
    auto dash = tag.find('-');
    if (dash != std::string_view::npos) {
      std::string_view upload = tag.substr(0, dash);
      std::string_view who = tag.substr(dash + 1);
      // "#104~20.04.1-Ubuntu" (HWE kernels): the upload carries the backport suffix.
      std::string_view upload_num = upload.substr(0, upload.find('~'));
      if (who == "Ubuntu" && is_digits(upload_num)) {
        auto d1 = release.find('-');
        auto d2 = d1 == std::string_view::npos ? d1 : release.find('-', d1 + 1);
        if (d1 != std::string_view::npos && d2 != std::string_view::npos &&
            is_digits(release.substr(d1 + 1, d2 - d1 - 1)))
          return std::string(release.substr(0, d2)) + "." + std::string(upload);
      }
    }
  }
  return {};
}

KernelInfo read_kernel(const fs::path& root, std::vector<Diagnostic>& diagnostics) {
  KernelInfo k;
  const bool live = is_root_slash(root);
  std::string text;
  auto read = [&](std::string_view rel, std::string& out) {
    return read_file_diag(under(root, rel), display_path(root, rel), kSmallFileLimit, !live, text, diagnostics) &&
           ((out = first_line(text)), true);
  };
  read("proc/sys/kernel/osrelease", k.release);
  read("proc/sys/kernel/version", k.version);
  // proc/sys/kernel/arch exists since Linux 6.1.
  std::string error;
  if (read_bounded(under(root, "proc/sys/kernel/arch"), kSmallFileLimit, text, error) == ReadStatus::kOk)
    k.machine = first_line(text);
  if (live) {
    struct utsname u {};
    if (::uname(&u) == 0) {
      if (k.release.empty()) k.release = u.release;
      if (k.version.empty()) k.version = u.version;
      if (k.machine.empty()) k.machine = u.machine;
    }
  }
  return k;
}

void map_kernel_package(KernelInfo& kernel, const std::optional<OsInfo>& os, std::vector<Package>& packages,
                        std::vector<Diagnostic>& diagnostics) {
  if (kernel.release.empty()) return;
  const std::string& r = kernel.release;
  const std::string family = os ? os->family : std::string();
  const std::string distro_version = distro_kernel_version(r, kernel.version);

  // 1. The package that installed the kernel image or its module tree.
  Package* found = nullptr;
  // (Fedora and EL9 ship the image as /lib/modules/<release>/vmlinuz.)
  const std::string vmlinuz = "/boot/vmlinuz-" + r, usr_vmlinuz = "/usr/lib/modules/" + r + "/vmlinuz",
                    lib_vmlinuz = "/lib/modules/" + r + "/vmlinuz";
  for (auto& p : packages) {
    if (p.ecosystem != "deb" && p.ecosystem != "rpm" && p.ecosystem != "apk") continue;
    if (has_file(p, vmlinuz) || has_file(p, usr_vmlinuz) || has_file(p, lib_vmlinuz)) {
      found = &p;
      break;
    }
  }
  // 2. The distribution's naming rule.
  if (found == nullptr) {
    for (auto& p : packages) {
      bool hit = false;
      if (p.ecosystem == "deb") {
        // Debian's unsigned build is "linux-image-<release>-unsigned", Ubuntu's
        // "linux-image-unsigned-<release>".
        hit = p.name == "linux-image-" + r || p.name == "linux-image-" + r + "-unsigned" ||
              p.name == "linux-image-unsigned-" + r;
      } else if (p.ecosystem == "rpm") {
        // kernel-core (EL8+, Fedora), kernel (EL7), kernel-uek (Oracle),
        // kernel-default (SUSE): version-release is the uname release without arch.
        static const std::string_view names[] = {"kernel-core", "kernel", "kernel-uek", "kernel-uek-core",
                                                 "kernel-default", "kernel-rt-core"};
        bool named = std::find(std::begin(names), std::end(names), p.name) != std::end(names);
        std::string vr = p.version;
        if (!p.release.empty() && vr.find('-') == std::string::npos) vr += "-" + p.release;
        if (auto colon = vr.find(':'); colon != std::string::npos) vr.erase(0, colon + 1);
        std::string rel = strip_rpm_arch(r);
        // SUSE: "5.14.21-150500.55.39-default" vs package "5.14.21-150500.55.39.1".
        std::string suse_rel = rel;
        if (auto d = suse_rel.rfind('-'); d != std::string::npos && !is_digits(suse_rel.substr(d + 1)) &&
                                         suse_rel.find('-') != d)
          suse_rel.erase(d);
        hit = named && (vr == rel || starts_with(vr, suse_rel + "."));
      } else if (p.ecosystem == "apk") {
        // Alpine: release "6.6.14-0-lts" is package linux-lts 6.6.14-r0.
        auto d1 = r.find('-');
        auto d2 = d1 == std::string::npos ? d1 : r.find('-', d1 + 1);
        if (d2 != std::string::npos) {
          std::string flavor = r.substr(d2 + 1);
          std::string ver = r.substr(0, d1) + "-r" + r.substr(d1 + 1, d2 - d1 - 1);
          hit = p.name == "linux-" + flavor && p.version == ver;
        }
      }
      if (hit) {
        found = &p;
        break;
      }
    }
  }

  if (found != nullptr) {
    found->running_kernel = true;
    if (found->ecosystem == "deb") {
      std::string src = advisory_source(found->src_name.empty() ? found->name : found->src_name);
      if (src != found->src_name) {
        // The signed template's version ("6.1.76+1") is not the tracker's;
        // the image's own version is the source version of "linux".
        found->src_name = src;
        found->src_version = found->version;
      }
    }
    kernel.package = found->name;
    kernel.package_version = found->version;
    if (found->ecosystem == "rpm" && !found->release.empty() && found->version.find('-') == std::string::npos)
      kernel.package_version += "-" + found->release;
    kernel.src_name = found->src_name.empty() ? found->name : found->src_name;
    return;
  }

  // 3. Not installed as a package here (a kernel booted from elsewhere, or a
  // root without its package database) but the version string says which
  // distribution build it is: report that package so it is matched anyway.
  if (!distro_version.empty() && (family == "debian" || family == "ubuntu")) {
    Package p;
    p.ecosystem = "deb";
    p.name = "linux-image-" + r;
    p.version = distro_version;
    p.src_name = family == "ubuntu" && r.find("-generic") == std::string::npos && r.rfind('-') != std::string::npos
                     ? "linux-" + r.substr(r.rfind('-') + 1)
                     : "linux";
    p.src_version = distro_version;
    p.arch = kernel.machine == "x86_64" ? "amd64" : kernel.machine == "aarch64" ? "arm64" : kernel.machine;
    p.running_kernel = true;
    p.location.path = "proc/sys/kernel/version";
    kernel.package = p.name;
    kernel.package_version = p.version;
    kernel.src_name = p.src_name;
    packages.push_back(std::move(p));
    diagnostics.push_back(make_warning("proc/sys/kernel/version", 0,
                                       "running kernel " + r + " is not in the package database; matched as " +
                                           kernel.package + " " + kernel.package_version +
                                           " from the kernel's version string"));
    return;
  }
  diagnostics.push_back(make_warning("proc/sys/kernel/osrelease", 0,
                                     "running kernel " + r + " maps to no package of " +
                                         (family.empty() ? std::string("the scanned root") : family) +
                                         "; kernel advisories are not matched"));
}

}  // namespace bulwark::host
