#include "testing/postgres.hpp"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "testing/testing.hpp"

namespace bulwark::testing {

namespace {

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// As root, PostgreSQL's tools must run as the postgres user.
std::string as_owner(const std::string& command) {
  if (geteuid() != 0) return command;
  return "su postgres -s /bin/sh -c " + quote(command);
}

}  // namespace

std::string PostgresService::bin_dir() {
  for (const char* v : {"17", "16", "15", "14", "13"}) {
    std::string d = std::string("/usr/lib/postgresql/") + v + "/bin";
    if (std::filesystem::exists(d + "/pg_ctl")) return d;
  }
  return {};
}

PostgresService::PostgresService(std::filesystem::path dir) : dir_(std::move(dir)) {}

PostgresService::~PostgresService() { stop(); }

bool PostgresService::start(std::string* why) {
  std::string bin = bin_dir();
  if (bin.empty()) {
    *why = "PostgreSQL is not installed (apt-get install postgresql)";
    return false;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (geteuid() == 0) {
    passwd* pw = getpwnam("postgres");
    if (!pw) {
      *why = "no postgres user to run PostgreSQL as";
      return false;
    }
    if (chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      *why = "cannot hand " + dir_.string() + " to the postgres user";
      return false;
    }
  }
  std::filesystem::path data = dir_ / "data";
  auto init = sh(as_owner(bin + "/initdb -D " + quote(data.string()) + " -A trust -U postgres --no-sync -E UTF8") +
                 " >" + quote((dir_ / "initdb.log").string()) + " 2>&1");
  if (init.exit_code != 0) {
    *why = "initdb failed: " + read_file(dir_ / "initdb.log");
    return false;
  }
  // Unix socket paths are limited to 107 bytes: a short directory of its own.
  char socket_dir[] = "/tmp/bwpg-XXXXXX";
  if (!mkdtemp(socket_dir)) {
    *why = "mkdtemp failed";
    return false;
  }
  socket_dir_ = socket_dir;
  if (geteuid() == 0) {
    passwd* pw = getpwnam("postgres");
    if (!pw || chown(socket_dir, pw->pw_uid, pw->pw_gid) != 0) {
      *why = "cannot hand " + socket_dir_ + " to the postgres user";
      return false;
    }
  }
  for (int attempt = 0; attempt < 3 && pid_ <= 0; ++attempt) {
    port_ = free_port();
    std::string opts = "-c listen_addresses=127.0.0.1 -p " + std::to_string(port_) +
                       " -c unix_socket_directories=" + socket_dir_ + " -c fsync=off -c max_connections=200";
    auto run = sh(as_owner(bin + "/pg_ctl -D " + quote(data.string()) + " -o " + quote(opts) + " -l " +
                           quote((dir_ / "server.log").string()) + " -w -t 60 start") +
                  " >/dev/null 2>&1");
    if (run.exit_code != 0) continue;
    std::ifstream pidfile(data / "postmaster.pid");
    pidfile >> pid_;
  }
  if (pid_ <= 0) {
    *why = "pg_ctl start failed: " + read_file(dir_ / "server.log");
    return false;
  }
  return true;
}

void PostgresService::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGINT);  // fast shutdown
  for (int i = 0; i < 200 && process_running(pid_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (process_running(pid_)) kill(pid_, SIGKILL);
  pid_ = -1;
  if (!socket_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(socket_dir_, ec);
  }
}

bool PostgresService::create_database(const std::string& name, std::string* why) {
  auto r = sh(as_owner(bin_dir() + "/psql -h 127.0.0.1 -p " + std::to_string(port_) +
                       " -U postgres -d postgres -v ON_ERROR_STOP=1 -c " + quote("CREATE DATABASE \"" + name + "\"")) +
              " 2>&1");
  if (r.exit_code != 0 && r.out.find("already exists") == std::string::npos) {
    *why = "CREATE DATABASE " + name + ": " + r.out;
    return false;
  }
  return true;
}

std::string PostgresService::url(const std::string& database) const {
  return "postgres://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

}  // namespace bulwark::testing
