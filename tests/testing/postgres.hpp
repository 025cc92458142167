// A real PostgreSQL server for tests (TESTBED.md): initdb into a temporary
// directory, pg_ctl start on a free loopback port, stopped by PID when the
// object goes. Tests skip with the reason when PostgreSQL is not installed.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace bulwark::testing {

class PostgresService {
 public:
  explicit PostgresService(std::filesystem::path dir);
  ~PostgresService();
  PostgresService(const PostgresService&) = delete;
  PostgresService& operator=(const PostgresService&) = delete;

  // The server binaries' directory, or empty when PostgreSQL is not installed.
  static std::string bin_dir();

  // initdb and start; false with the reason in `why`.
  bool start(std::string* why);
  void stop();
  // Creates a database (idempotent); false with the reason.
  bool create_database(const std::string& name, std::string* why);
  // postgres://postgres@127.0.0.1:PORT/NAME
  std::string url(const std::string& database = "postgres") const;
  int port() const { return port_; }
  pid_t pid() const { return pid_; }

 private:
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::string socket_dir_;
};

}  // namespace bulwark::testing
