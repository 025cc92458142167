// download(): one file over HTTP(S) or file:// with libcurl. The body goes to
// DEST.part (fsynced, then renamed), so a crash leaves either the old DEST or
// the new one, plus at worst a partial DEST.part that the next call resumes.
#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "net/net.hpp"

namespace bulwark::net {
namespace {

namespace fs = std::filesystem;

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// What one attempt saw. Headers are reset on every status line (redirects,
// 100 Continue) so they describe the final response.
struct Transfer {
  const DownloadRequest* req = nullptr;
  std::string part;
  uint64_t offset = 0;  // bytes of DEST.part we asked the server to skip
  int status = 0;
  bool is_file_url = false;
  std::string etag, last_modified, content_range;
  int64_t content_length = -1;
  long retry_after_s = -1;
  FILE* out = nullptr;
  bool opened = false;
  bool restart = false;  // a 200 answered our Range request: starting over
  uint64_t received = 0;
  bool too_big = false;
  bool io_error = false;
  bool cancelled = false;
  std::string io_message;
};

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    auto sp = line.find(' ');
    t->status = sp == std::string::npos ? 0 : std::atoi(line.c_str() + sp + 1);
    t->etag.clear();
    t->last_modified.clear();
    t->content_range.clear();
    t->content_length = -1;
    t->retry_after_s = -1;
    return size * n;
  }
  auto colon = line.find(':');
  if (colon == std::string::npos) return size * n;
  std::string key = to_lower(line.substr(0, colon));
  std::string value = trim(line.substr(colon + 1));
  if (key == "etag") t->etag = value;
  else if (key == "last-modified") t->last_modified = value;
  else if (key == "content-range") t->content_range = value;
  else if (key == "content-length") t->content_length = std::strtoll(value.c_str(), nullptr, 10);
  else if (key == "retry-after" && !value.empty())
    t->retry_after_s = parse_retry_after(value, std::time(nullptr));
  return size * n;
}

}  // namespace

long parse_retry_after(const std::string& value, std::time_t now) {
  // RFC 9110 10.2.3: delay-seconds, or an HTTP-date (any of the three date
  // forms, which curl_getdate reads). A date in the past means "now".
  if (value.empty()) return -1;
  if (std::isdigit(static_cast<unsigned char>(value[0]))) {
    if (value.find_first_not_of("0123456789") != std::string::npos) return -1;
    return value.size() > 9 ? 999'999'999 : std::strtol(value.c_str(), nullptr, 10);
  }
  std::time_t when = curl_getdate(value.c_str(), nullptr);
  if (when == -1) return -1;
  return when <= now ? 0 : static_cast<long>(when - now);
}

namespace {

// Parses "bytes START-END/TOTAL".
bool parse_content_range(const std::string& v, uint64_t& start, uint64_t& end, int64_t& total) {
  unsigned long long s = 0, e = 0;
  char tot[32] = {0};
  if (std::sscanf(v.c_str(), "bytes %llu-%llu/%31s", &s, &e, tot) != 3) return false;
  start = s;
  end = e;
  total = tot[0] == '*' ? -1 : std::strtoll(tot, nullptr, 10);
  return e >= s;
}

bool open_output(Transfer* t) {
  t->opened = true;
  bool append = false;
  if (t->offset > 0 && t->status == 206) {
    uint64_t s = 0, e = 0;
    int64_t total = -1;
    if (!parse_content_range(t->content_range, s, e, total) || s != t->offset) {
      t->io_error = true;
      t->io_message = "bad Content-Range '" + t->content_range + "' for a resume at byte " + std::to_string(t->offset);
      return false;
    }
    append = true;
  } else if (t->offset > 0) {
    t->restart = true;  // the server ignored Range: the whole body follows
  }
  t->out = std::fopen(t->part.c_str(), append ? "ab" : "wb");
  if (!t->out) {
    t->io_error = true;
    t->io_message = std::string("cannot write ") + t->part + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t bytes = size * n;
  bool success = t->is_file_url || t->status == 200 || t->status == 206;
  if (!success) return bytes;  // an error page: not kept
  if (!t->opened && !open_output(t)) return 0;
  uint64_t base = t->restart || t->status != 206 ? 0 : t->offset;
  if (base + t->received + bytes > t->req->max_bytes) {
    t->too_big = true;
    return 0;
  }
  if (std::fwrite(data, 1, bytes, t->out) != bytes) {
    t->io_error = true;
    t->io_message = std::string("cannot write ") + t->part + ": " + std::strerror(errno);
    return 0;
  }
  t->received += bytes;
  if (t->req->progress) {
    uint64_t total = 0;
    if (t->content_length >= 0) total = base + static_cast<uint64_t>(t->content_length);
    t->req->progress(base + t->received, total);
  }
  return bytes;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (t->req->cancel && t->req->cancel->stopped()) {
    t->cancelled = true;
    return 1;
  }
  return 0;
}

}  // namespace

bool retryable_transfer_error(int curl_code) {
  switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

namespace {

uint64_t file_size(const std::string& p) {
  std::error_code ec;
  auto s = fs::file_size(p, ec);
  return ec ? 0 : s;
}

std::string read_small(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::string s;
  std::getline(in, s);
  return s;
}

Status fsync_and_rename(const std::string& from, const std::string& to) {
  int fd = ::open(from.c_str(), O_RDONLY);
  if (fd < 0) return Error(ErrorCode::kIo, std::string("cannot open: ") + std::strerror(errno), from);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Error(ErrorCode::kIo, std::string("fsync failed: ") + std::strerror(errno), from);
  if (std::rename(from.c_str(), to.c_str()) != 0)
    return Error(ErrorCode::kIo, std::string("cannot rename to ") + to + ": " + std::strerror(errno), from);
  std::string dir = fs::path(to).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

// Sleeps in small steps so cancellation is prompt. False when cancelled.
bool sleep_ms(long ms, const CancelToken* cancel) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    if (cancel && cancel->stopped()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<long>(50, ms)));
  }
  return true;
}

}  // namespace

Result<DownloadResult> download(const DownloadRequest& req) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });

  const std::string part = req.dest + ".part";
  // The validator the partial file was started with (If-Range): a resume must
  // continue the same version of the file, never splice two versions.
  const std::string part_meta = req.dest + ".part.validator";
  const bool is_file_url = req.url.rfind("file://", 0) == 0;
  DownloadResult result;
  std::mt19937 rng(std::random_device{}());
  Error last(ErrorCode::kNetwork, "no attempt made", req.url);

  for (int attempt = 1; attempt <= std::max(1, req.attempts); ++attempt) {
    result.attempts = attempt;
    if (req.cancel && req.cancel->stopped()) return Error(ErrorCode::kCancelled, "download cancelled", req.url);
    Transfer t;
    t.req = &req;
    t.part = part;
    t.is_file_url = is_file_url;
    std::string validator = read_small(part_meta);
    t.offset = is_file_url || validator.empty() ? 0 : file_size(part);

    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) return Error(ErrorCode::kInternal, "curl_easy_init failed", req.url);
    CURL* c = curl.get();
    std::unique_ptr<curl_slist, SlistDeleter> headers;
    auto add_header = [&](const std::string& h) { headers.reset(curl_slist_append(headers.release(), h.c_str())); };
    if (fs::exists(req.dest) && t.offset == 0) {
      if (!req.etag.empty()) add_header("If-None-Match: " + req.etag);
      if (!req.last_modified.empty()) add_header("If-Modified-Since: " + req.last_modified);
    }
    std::string range;
    if (t.offset > 0) {
      range = std::to_string(t.offset) + "-";
      add_header("If-Range: " + validator);
    }
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
    // Redirects never downgrade an https download to plain http.
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, req.url.rfind("https://", 0) == 0 ? "https" : "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    if (!range.empty()) curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, req.connect_timeout_s);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, req.low_speed_time_s);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(req.max_bytes));
    curl_easy_setopt(c, CURLOPT_USERAGENT, ("bulwark/" + std::string(tool_version())).c_str());
    // HTTPS peers are always verified (libcurl's defaults, stated for clarity).
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);

    CURLcode rc = curl_easy_perform(c);
    if (t.out) {
      if (std::fflush(t.out) != 0 && !t.io_error) {
        t.io_error = true;
        t.io_message = "cannot write " + part;
      }
      std::fclose(t.out);
      t.out = nullptr;
    }
    result.http_status = t.status;
    if (t.cancelled) return Error(ErrorCode::kCancelled, "download cancelled", req.url);
    if (t.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
      std::remove(part.c_str());
      std::remove(part_meta.c_str());
      return Error(ErrorCode::kLimitExceeded, "larger than the limit of " + std::to_string(req.max_bytes) + " bytes",
                   req.url);
    }
    if (t.io_error) {
      // A bad Content-Range: drop the partial file and start over.
      std::remove(part.c_str());
      std::remove(part_meta.c_str());
      last = Error(ErrorCode::kNetwork, t.io_message, req.url);
      continue;
    }
    // The first successful bytes of a fresh download: remember the validator
    // that a later resume must match.
    bool fresh = t.opened && (t.offset == 0 || t.restart);
    if (fresh && !is_file_url) {
      std::string v = !t.etag.empty() ? t.etag : t.last_modified;
      if (v.empty()) {
        std::remove(part_meta.c_str());
      } else {
        std::ofstream(part_meta, std::ios::trunc) << v << "\n";
      }
    }
    long delay_s = -1;
    if (rc != CURLE_OK) {
      std::string msg = errbuf[0] ? errbuf : curl_easy_strerror(rc);
      last = Error(ErrorCode::kNetwork, msg, req.url);
      if (is_file_url && rc == CURLE_FILE_COULDNT_READ_FILE) return Error(ErrorCode::kNotFound, msg, req.url);
      if (!retryable_transfer_error(rc)) return last;
    } else if (t.status == 304) {
      result.not_modified = true;
      result.bytes = file_size(req.dest);
      result.etag = req.etag;
      result.last_modified = req.last_modified;
      return result;
    } else if (t.status == 404 || t.status == 410) {
      return Error(ErrorCode::kNotFound, "HTTP " + std::to_string(t.status), req.url);
    } else if (t.status == 416) {
      std::remove(part.c_str());
      std::remove(part_meta.c_str());
      last = Error(ErrorCode::kNetwork, "HTTP 416 for a resume: restarting", req.url);
      continue;
    } else if (t.status == 429 || t.status >= 500) {
      last = Error(ErrorCode::kNetwork, "HTTP " + std::to_string(t.status), req.url);
      delay_s = t.retry_after_s;
    } else if (!(is_file_url || t.status == 200 || t.status == 206)) {
      return Error(ErrorCode::kNetwork, "HTTP " + std::to_string(t.status), req.url);
    } else {
      if (!t.opened) {  // an empty body
        std::FILE* f = std::fopen(part.c_str(), "wb");
        if (!f) return Error(ErrorCode::kIo, std::string("cannot write: ") + std::strerror(errno), part);
        std::fclose(f);
      }
      uint64_t have = file_size(part);
      uint64_t expected = 0;
      bool known = false;
      if (t.status == 206) {
        uint64_t s = 0, e = 0;
        int64_t total = -1;
        if (parse_content_range(t.content_range, s, e, total) && total >= 0) {
          expected = static_cast<uint64_t>(total);
          known = true;
        }
      } else if (t.content_length >= 0) {
        expected = static_cast<uint64_t>(t.content_length);
        known = true;
      }
      if (known && have != expected) {
        // Keep the part: the next attempt resumes it (or restarts if it is too long).
        if (have > expected) {
          std::remove(part.c_str());
          std::remove(part_meta.c_str());
        }
        last = Error(ErrorCode::kNetwork,
                     "got " + std::to_string(have) + " bytes, expected " + std::to_string(expected), req.url);
      } else {
        if (auto st = fsync_and_rename(part, req.dest); !st) return st.error();
        std::remove(part_meta.c_str());
        result.resumed = t.offset > 0 && !t.restart && t.status == 206;
        result.bytes = have;
        result.etag = t.etag;
        result.last_modified = t.last_modified;
        return result;
      }
    }
    if (attempt == req.attempts) break;
    long wait_ms = std::min<long>(req.max_backoff_ms, static_cast<long>(req.backoff_ms) << std::min(attempt - 1, 16));
    wait_ms += std::uniform_int_distribution<long>(0, std::max<long>(1, wait_ms / 2))(rng);
    if (delay_s >= 0) wait_ms = std::min<long>(req.max_backoff_ms, delay_s * 1000);
    if (!sleep_ms(wait_ms, req.cancel)) return Error(ErrorCode::kCancelled, "download cancelled", req.url);
  }
  return last.within("after " + std::to_string(result.attempts) + " attempts");
}

}  // namespace bulwark::net
