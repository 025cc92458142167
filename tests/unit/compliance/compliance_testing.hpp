// Fake host roots for the compliance tests: files with chosen modes and
// owners (the tests run as root, so chown works), symbolic links, account
// files, and helpers that evaluate a spec over them and look up results.
#pragma once

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <string>

#include "policy/compliance/compliance.hpp"
#include "testing/testing.hpp"

namespace bulwark::compliance::testing {

namespace fs = std::filesystem;

class FakeRoot {
 public:
  FakeRoot() {
    write("etc/passwd", "root:x:0:0:root:/root:/bin/sh\netcd:x:998:998::/var/lib/etcd:/usr/sbin/nologin\n"
                        "alice:x:1000:1000::/home/alice:/bin/sh\n");
    write("etc/group", "root:x:0:\ndocker:x:999:alice,bob\netcd:x:998:\nalice:x:1000:\n");
  }
  const fs::path& path() const { return dir_.path(); }

  void write(const std::string& rel, const std::string& text, mode_t mode = 0644, uid_t uid = 0, gid_t gid = 0) {
    fs::path p = dir_.path() / rel;
    fs::create_directories(p.parent_path());
    ::bulwark::testing::write_file(p, text);
    // chown first: it clears setuid and setgid.
    if (::chown(p.c_str(), uid, gid) != 0) ADD_FAILURE() << "chown " << p;
    ::chmod(p.c_str(), mode);
  }
  void mkdir(const std::string& rel, mode_t mode = 0755, uid_t uid = 0, gid_t gid = 0) {
    fs::path p = dir_.path() / rel;
    fs::create_directories(p);
    if (::chown(p.c_str(), uid, gid) != 0) ADD_FAILURE() << "chown " << p;
    ::chmod(p.c_str(), mode);
  }
  void symlink(const std::string& rel, const std::string& target) {
    fs::path p = dir_.path() / rel;
    fs::create_directories(p.parent_path());
    fs::create_symlink(target, p);
  }
  // A unix socket file (bound, then left behind when the fd closes).
  void socket(const std::string& rel, mode_t mode, uid_t uid, gid_t gid) {
    fs::path p = dir_.path() / rel;
    fs::create_directories(p.parent_path());
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    ASSERT_LT(p.string().size(), sizeof addr.sun_path);
    std::strcpy(addr.sun_path, p.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << p;
    ::close(fd);
    if (::chown(p.c_str(), uid, gid) != 0) ADD_FAILURE() << "chown " << p;
    ::chmod(p.c_str(), mode);
  }

 private:
  ::bulwark::testing::TempDir dir_;
};

// A process as the host module reports it.
inline ProcessInfo process(int pid, const std::string& name, std::vector<std::string> args, int ppid = 1) {
  ProcessInfo p;
  p.pid = pid;
  p.ppid = ppid;
  p.name = name;
  p.exe = args.empty() ? "" : args[0];
  p.args = std::move(args);
  return p;
}

// Results by control id (the whole control result).
struct Results {
  ComplianceReport report;
  std::vector<Diagnostic> diags;
  const ComplianceControlResult& operator[](const std::string& id) const {
    for (const auto& c : report.controls)
      if (c.id == id) return c;
    static ComplianceControlResult none;
    ADD_FAILURE() << "no control " << id;
    return none;
  }
  ComplianceStatus status(const std::string& id) const { return (*this)[id].status; }
  // The status of one subject's item of a control ("" for host controls).
  ComplianceStatus item(const std::string& id, const std::string& subject_prefix) const {
    for (const auto& i : (*this)[id].items)
      if (i.subject.rfind(subject_prefix, 0) == 0) return i.status;
    ADD_FAILURE() << "control " << id << " has no item for " << subject_prefix;
    return ComplianceStatus::kManual;
  }
};

inline Results run_spec(const Spec& spec, FactsInput in) {
  in.files = spec.files;
  in.units = spec.units;
  Results r;
  Facts facts = gather_facts(in, r.diags);
  r.report = evaluate(spec, facts, r.diags);
  return r;
}

inline std::string describe(const ComplianceControlResult& c) {
  std::string out = c.id + " " + to_string(c.status) + ": " + c.message;
  for (const auto& i : c.items) {
    out += "\n  [" + i.subject + "] " + to_string(i.status) + ": " + i.message;
    for (const auto& e : i.evidence)
      out += "\n    " + e.source + ":" + std::to_string(e.line) + " " + e.field + " = " + e.value + " " + e.message;
  }
  return out;
}

}  // namespace bulwark::compliance::testing
