#include "integration/harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace bulwark::integration {

namespace {

std::string images_dir() {
  // Lets a developer point the tests at images built elsewhere.
  if (const char* env = std::getenv("BULWARK_TEST_IMAGES"); env && *env) return env;
  return BULWARK_TEST_IMAGES;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

const ImagesResult& test_images() {
  static ImagesResult result;
  static std::once_flag once;
  std::call_once(once, [] {
    fs::path dir = images_dir();
    // The CTest fixture normally built them already; then this is a stamp check.
    auto r = testing::run({BULWARK_BUILD_IMAGES, dir.string()});
    if (r.exit_code == 77) {
      result.skip = true;
      result.why = "test images cannot be built here: " + testing::read_file(dir / "unavailable.txt");
      return;
    }
    if (r.exit_code != 0) {
      std::string err = r.err.size() > 4000 ? r.err.substr(r.err.size() - 4000) : r.err;
      result.why = "build-images.sh " + dir.string() + " failed with exit code " + std::to_string(r.exit_code) +
                   ":\n" + err;
      return;
    }
    Images& im = result.images;
    im.dir = dir;
    im.rootfs = dir / "rootfs";
    im.oci_layout = dir / "oci";
    if (fs::is_directory(dir / "oci-zstd")) im.oci_zstd = dir / "oci-zstd";
    im.docker_archive = dir / "test.docker.tar";
    im.oci_archive = dir / "test.oci.tar";
    im.has_app = fs::exists(dir / "app.expected.tsv") && !fs::exists(dir / "app-unavailable.txt");
    if (!im.has_app) im.app_unavailable = testing::read_file(dir / "app-unavailable.txt");
    result.ok = true;
  });
  return result;
}

PkgSet read_expected(const fs::path& tsv) {
  PkgSet out;
  std::istringstream in(testing::read_file(tsv));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    size_t a = line.find('\t');
    size_t b = line.find('\t', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    out.insert({line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1)});
  }
  return out;
}

PkgSet packages_of(const json& report) {
  PkgSet out;
  if (!report.is_object() || !report.contains("inventory")) return out;
  const json& pkgs = report["inventory"].value("packages", json::array());
  for (const auto& p : pkgs) {
    if (p.value("ecosystem", "") != "deb") continue;
    out.insert({p.value("name", ""), p.value("version", ""), p.value("arch", "")});
  }
  return out;
}

std::string diff(const PkgSet& expected, const PkgSet& got) {
  if (expected == got) return "";
  std::string head = "expected " + std::to_string(expected.size()) + " packages, got " + std::to_string(got.size());
  if (got.empty()) return head + " (no packages at all)";
  // Enough lines to see the pattern, not a wall of text.
  constexpr int kMaxLines = 25;
  std::ostringstream os;
  int lines = 0, more = 0;
  auto line = [&](const char* what, const Pkg& p) {
    if (lines++ < kMaxLines) os << "  " << what << p.name << " " << p.version << " " << p.arch << "\n";
    else ++more;
  };
  for (const auto& p : expected)
    if (!got.count(p)) line("missing:    ", p);
  for (const auto& p : got)
    if (!expected.count(p)) line("unexpected: ", p);
  if (more) os << "  ... and " << more << " more\n";
  return head + ":\n" + os.str();
}

json find_package(const json& report, const std::string& name) {
  if (!report.is_object() || !report.contains("inventory")) return nullptr;
  for (const auto& p : report["inventory"].value("packages", json::array()))
    if (p.value("name", "") == name) return p;
  return nullptr;
}

testing::CommandResult bulwark(const std::vector<std::string>& args, int timeout_seconds) {
  std::vector<std::string> argv = {"timeout", "-k", "5", std::to_string(timeout_seconds),
                                   testing::bulwark_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run(argv);
}

JsonScan scan_json(std::vector<std::string> args) {
  JsonScan s;
  testing::TempDir tmp;
  fs::path out = tmp / "report.json";
  args.insert(args.begin() + 1, {"-f", "json", "-o", out.string()});
  s.result = bulwark(args);
  std::string cmd = "bulwark";
  for (const auto& a : args) cmd += " " + a;
  if (s.result.exit_code != 0 && s.result.exit_code != 1) {
    s.why = cmd + " exited " + std::to_string(s.result.exit_code) + "; stderr:\n" + s.result.err;
    return s;
  }
  std::string text = testing::read_file(out);
  try {
    s.report = json::parse(text);
  } catch (const std::exception& e) {
    s.why = cmd + ": report is not JSON (" + e.what() + "); stderr:\n" + s.result.err;
    s.report = nullptr;
  }
  return s;
}

bool mentions(const std::string& text, const std::string& what) {
  return !what.empty() && lower(text).find(lower(what)) != std::string::npos;
}

std::string hex_of(const std::string& digest) {
  size_t colon = digest.find(':');
  return colon == std::string::npos ? digest : digest.substr(colon + 1);
}

void flip_bytes(const fs::path& file, uint64_t offset, size_t count) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f) << "cannot open " << file;
  std::string buf(count, '\0');
  f.seekg(static_cast<std::streamoff>(offset));
  f.read(buf.data(), static_cast<std::streamsize>(count));
  for (char& c : buf) c = static_cast<char>(c ^ 0xff);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(buf.data(), static_cast<std::streamsize>(count));
  ASSERT_TRUE(f) << "cannot write " << file;
}

json oci_manifest(const fs::path& layout, const std::string& tag) {
  json index = json::parse(testing::read_file(layout / "index.json"));
  for (const auto& m : index["manifests"]) {
    if (m.value("annotations", json::object()).value("org.opencontainers.image.ref.name", "") != tag) continue;
    return json::parse(testing::read_file(layout / "blobs" / "sha256" / hex_of(m["digest"])));
  }
  return nullptr;
}

Background::Background(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                       const fs::path& log) {
  std::vector<std::string> envs;
  for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
  pid_ = fork();
  if (pid_ == 0) {
    setpgid(0, 0);
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, 0);
    for (const auto& e : envs) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  if (pid_ > 0) setpgid(pid_, pid_);  // also from the parent, so stop() never races the child
}

Background::~Background() { stop(); }

bool Background::running() {
  if (pid_ <= 0 || reaped_) return false;
  int status;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    reaped_ = true;
    return false;
  }
  return true;
}

void Background::stop() {
  if (pid_ <= 0) return;
  if (!reaped_) {
    kill(-pid_, SIGTERM);
    for (int i = 0; i < 100 && running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!reaped_) {
      kill(-pid_, SIGKILL);
      int status;
      waitpid(pid_, &status, 0);
      reaped_ = true;
    }
  }
  // Helpers it forked stay in its group: make sure none outlives the test.
  kill(-pid_, SIGKILL);
  pid_ = -1;
}

int free_port() { return testing::free_port(); }

bool port_open(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return pred();
}

PodmanService::PodmanService(const fs::path& dir) : dir_(dir) {
  testing::write_file(dir / "containers.conf",
                      "[containers]\ndefault_ulimits=[\"nofile=20000:20000\",\"nproc=4096:4096\"]\n"
                      "[engine]\nruntime=\"runc\"\n");
  fs::create_directories(dir / "tmp");
  env_ = {{"CONTAINERS_CONF", (dir / "containers.conf").string()}};
}

PodmanService::~PodmanService() {
  podman({"rm", "--all", "--force", "--time", "0"});
  if (service_) service_->stop();  // by PID
  // podman bind-mounts its overlay directory onto itself, which would stop
  // TempDir from removing the tree.
  podman({"system", "reset", "--force"});
  std::string mounts = testing::read_file("/proc/self/mounts");
  std::string overlay = (dir_ / "root" / "overlay").string();
  if (mounts.find(" " + overlay + " ") != std::string::npos) testing::run({"umount", "-l", overlay});
}

std::vector<std::string> PodmanService::argv(bool with_timeout) const {
  std::vector<std::string> a;
  if (with_timeout) a = {"timeout", "180"};
  a.insert(a.end(), {"podman", "--root", (dir_ / "root").string(), "--runroot", (dir_ / "run").string(), "--tmpdir",
                     (dir_ / "tmp").string(), "--storage-driver", "overlay"});
  return a;
}

testing::CommandResult PodmanService::podman(const std::vector<std::string>& args) const {
  std::vector<std::string> a = {"env", "CONTAINERS_CONF=" + (dir_ / "containers.conf").string()};
  auto p = argv(true);
  a.insert(a.end(), p.begin(), p.end());
  a.insert(a.end(), args.begin(), args.end());
  return testing::run(a);
}

bool PodmanService::start() {
  auto a = argv(false);
  a.insert(a.end(), {"system", "service", "--time=0", "unix://" + socket().string()});
  service_ = std::make_unique<Background>(a, env_, dir_ / "service.log");
  return wait_until([this] { return fs::exists(socket()) || !service_->running(); }, std::chrono::seconds(30)) &&
         service_->running();
}

std::string PodmanService::log() const { return testing::read_file(dir_ / "service.log"); }

json PodmanService::api(const std::string& method, const std::string& path, const json& body) const {
  std::vector<std::string> a = {"curl", "-sS", "--max-time", "120", "--unix-socket", socket().string(), "-X", method};
  if (!body.is_null()) a.insert(a.end(), {"-H", "Content-Type: application/json", "-d", body.dump()});
  a.push_back("http://d/v1.40" + path);
  auto r = testing::run(a);
  if (r.out.empty()) return json();
  return json::parse(r.out, nullptr, false);
}

std::string PodmanService::create(const std::string& name, const json& spec, bool start, std::string& why) const {
  json created = api("POST", "/containers/create?name=" + name, spec);
  if (!created.is_object() || !created.contains("Id")) {
    why = "create " + name + ": " + created.dump();
    return {};
  }
  std::string id = created["Id"];
  if (start) {
    json started = api("POST", "/containers/" + id + "/start");
    if (!started.is_null()) {
      why = "start " + name + ": " + started.dump();
      return {};
    }
  }
  return id;
}

namespace {

size_t http_collect(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t http_header(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string line(data, size * n);
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(value.begin());
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    (*headers)[name] = value;
  }
  return size * n;
}

}  // namespace

json HttpAnswer::json_body() const {
  return json::parse(body, nullptr, false).is_discarded() ? json() : json::parse(body);
}

HttpAnswer http(const std::string& method, const std::string& url, const std::string& body,
                const std::vector<std::string>& headers) {
  HttpAnswer a;
  CURL* h = curl_easy_init();
  curl_slist* list = nullptr;
  for (const auto& line : headers) list = curl_slist_append(list, line.c_str());
  if (!body.empty()) {
    bool typed = false;
    for (const auto& line : headers) typed = typed || line.rfind("Content-Type:", 0) == 0;
    if (!typed) list = curl_slist_append(list, "Content-Type: application/json");
  }
  list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &a.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, http_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &a.headers);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a.status);
  } else {
    a.error = curl_easy_strerror(rc);
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(h);
  return a;
}

ServerProcess::ServerProcess(const fs::path& dir, const std::vector<std::string>& extra_args)
    : dir_(dir), args_(extra_args) {}

bool ServerProcess::start(std::string* why) {
  fs::create_directories(dir_);
  admin_password_ = "first-admin-password-1";
  fs::path log = dir_ / ("server-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + ".log");
  for (int attempt = 0; attempt < 3; ++attempt) {
    int port = free_port();
    std::vector<std::string> argv = {testing::bulwark_binary(), "server", "--listen",
                                     "127.0.0.1:" + std::to_string(port), "--admin-password", admin_password_};
    bool has_db = std::find(args_.begin(), args_.end(), "--db") != args_.end();
    if (!has_db) {
      argv.push_back("--data-dir");
      argv.push_back((dir_ / "data").string());
    }
    argv.insert(argv.end(), args_.begin(), args_.end());
    process_ = std::make_unique<Background>(argv, std::map<std::string, std::string>{}, log);
    url_ = "http://127.0.0.1:" + std::to_string(port);
    bool up = wait_until(
        [&] { return !process_->running() ? true : http("GET", url_ + "/api/v1/health").status == 200; },
        std::chrono::seconds(60));
    if (up && process_->running()) return true;
    process_.reset();
  }
  *why = "bulwark server did not come up: " + testing::read_file(log);
  return false;
}

void ServerProcess::stop() { process_.reset(); }

std::string ServerProcess::log() const {
  std::string all;
  for (const auto& e : fs::directory_iterator(dir_))
    if (e.path().extension() == ".log") all += testing::read_file(e.path());
  return all;
}

}  // namespace bulwark::integration
