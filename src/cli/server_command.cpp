// bulwark server: the board and its API (src/server).
// bulwark report upload FILE…: sends saved JSON reports to a server, the same
// way `--server` does at the end of a scan.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/cli.hpp"
#include "server/server.hpp"

namespace bulwark::cli {

namespace {

std::string default_data_dir() {
  if (const char* d = std::getenv("BULWARK_DATA_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/bulwark/server";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.local/share/bulwark/server";
  return "bulwark-data";
}

void on_terminate(int) {
  cancel_token().cancel();
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGINT, SIG_DFL);
}

int run_server_command(server::ServerOptions opt, bool debug) {
  set_log_level(debug ? LogLevel::kDebug : LogLevel::kInfo);
  if (opt.data_dir.empty()) opt.data_dir = default_data_dir();
  if (opt.admin_password.empty()) {
    if (const char* p = std::getenv("BULWARK_ADMIN_PASSWORD"); p && *p) opt.admin_password = p;
  }
  std::signal(SIGTERM, on_terminate);
  std::signal(SIGINT, on_terminate);
  auto st = server::run_server(opt, cancel_token(), [](const server::ReadyInfo& info) {
    std::cout << "Bulwark board: " << info.url << "/\n";
    std::cout << "Store: " << info.store << "\n";
    if (!info.admin_user.empty()) {
      std::cout << "First login: user " << info.admin_user << ", password " << info.admin_password
                << "  (shown once; change it under Admin)\n";
    }
    std::cout.flush();
  });
  if (!st) {
    print_error(st.error());
    return st.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitError;
  }
  return kExitOk;
}

Result<std::string> read_file_bounded(const std::string& path, uint64_t max) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return Error(ErrorCode::kNotFound, "report not found", path);
  auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > max) return Error(ErrorCode::kLimitExceeded, "report larger than " + std::to_string(max) + " bytes", path);
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  if (!in && !in.eof()) return Error(ErrorCode::kIo, "cannot read the report", path);
  return buf.str();
}

}  // namespace

int upload_report_json(const std::string& json_text, const UploadFlags& f) {
  std::string token = f.token;
  if (token.empty()) {
    if (const char* t = std::getenv("BULWARK_TOKEN"); t) token = t;
  }
  auto r = server::upload_report(f.server, token, json_text, f.insecure);
  if (!r) {
    print_error(r.error());
    return kExitError;
  }
  // Said whatever the log level: the user asked for the upload.
  std::fprintf(stderr, "bulwark: %s: scan %lld of artifact %lld at %s\n",
               r->created ? "uploaded" : "already on the server", static_cast<long long>(r->scan_id),
               static_cast<long long>(r->artifact_id), f.server.c_str());
  return kExitOk;
}

void add_server_command(CLI::App& app, Action& action) {
  auto opt = std::make_shared<server::ServerOptions>();
  auto debug = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("server", "Run the security board: REST API under /api/v1 and the web UI");
  cmd->add_option("--listen", opt->listen, "Address to listen on, HOST:PORT (port 0 picks a free one)")
      ->capture_default_str();
  cmd->add_option("--data-dir", opt->data_dir,
                  "Directory of the embedded SQLite store (default: $BULWARK_DATA_DIR or ~/.local/share/bulwark/server)");
  cmd->add_option("--db", opt->db_url, "PostgreSQL URL (postgres://USER@HOST:PORT/DB) instead of the embedded SQLite store");
  cmd->add_option("--tls-cert", opt->tls_cert, "PEM certificate: serve HTTPS (with --tls-key)");
  cmd->add_option("--tls-key", opt->tls_key, "PEM private key for --tls-cert");
  cmd->add_option("--threads", opt->threads, "Request worker threads")->capture_default_str();
  auto max_mb = std::make_shared<uint64_t>(64);
  cmd->add_option("--max-upload-mb", *max_mb, "Largest accepted request body, in MiB")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->add_option("--admin-password", opt->admin_password,
                  "Password of the first admin, created when the store has no user (default: $BULWARK_ADMIN_PASSWORD, "
                  "else generated and printed once)");
  cmd->add_option("--load", opt->load_reports, "JSON report to ingest at start (repeatable; sample data)");
  cmd->add_flag("--debug", *debug, "Log every request");
  cmd->callback([&action, opt, debug, max_mb] {
    action = [opt, debug, max_mb] {
      server::ServerOptions o = *opt;
      o.max_upload_bytes = *max_mb << 20;
      return run_server_command(o, *debug);
    };
  });
}

void add_report_command(CLI::App& app, Action& action) {
  auto* report = app.add_subcommand("report", "Work with saved reports");
  report->require_subcommand(1);
  auto files = std::make_shared<std::vector<std::string>>();
  auto flags = std::make_shared<UploadFlags>();
  auto* up = report->add_subcommand("upload", "Upload saved JSON reports to a Bulwark server");
  up->add_option("files", *files, "JSON reports (bulwark … -f json)")->required();
  up->add_option("--server", flags->server, "Server URL (http(s)://HOST:PORT)")->required();
  up->add_option("--token", flags->token, "API token (default: $BULWARK_TOKEN)");
  up->add_flag("--server-insecure", flags->insecure, "Do not verify the server's TLS certificate");
  up->callback([&action, files, flags] {
    action = [files, flags] {
      set_log_level(LogLevel::kInfo);
      int rc = kExitOk;
      for (const auto& path : *files) {
        auto text = read_file_bounded(path, limits().max_sbom_bytes);
        if (!text) {
          print_error(text.error());
          rc = kExitError;
          continue;
        }
        if (upload_report_json(*text, *flags) != kExitOk) rc = kExitError;
      }
      return rc;
    };
  });
}

}  // namespace bulwark::cli
