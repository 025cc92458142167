// The public face of the network module: one robust file download over HTTP(S)
// or file:// with libcurl — conditional requests, retries with backoff,
// resume of partial files, a size limit, timeouts, progress and cancellation.
// Proxies come from the usual environment variables (libcurl reads them).
#pragma once

#include <cstdint>
#include <functional>
#include <ctime>
#include <string>

#include "core/core.hpp"

namespace bulwark::net {

struct DownloadRequest {
  std::string url;
  std::string dest;                 // final file; DEST.part holds a partial download
  std::string etag;                 // validators of the copy at `dest` (If-None-Match /
  std::string last_modified;        //   If-Modified-Since); only sent when dest exists
  uint64_t max_bytes = 2ull << 30;  // larger bodies fail with kLimitExceeded
  int attempts = 5;                 // total tries for connect errors, 5xx and 429
  int backoff_ms = 500;             // first retry delay, doubled each time, plus jitter
  int max_backoff_ms = 30000;       // cap, also on Retry-After
  long connect_timeout_s = 30;
  long low_speed_time_s = 60;       // abort when below 1 byte/s for this long
  const CancelToken* cancel = nullptr;
  // Bytes received so far and the expected total (0 = unknown).
  std::function<void(uint64_t done, uint64_t total)> progress;
};

struct DownloadResult {
  bool not_modified = false;  // 304: `dest` is unchanged
  bool resumed = false;       // a Range request continued DEST.part
  int http_status = 0;
  int attempts = 0;
  uint64_t bytes = 0;         // size of `dest`
  std::string etag, last_modified;
};

// Downloads `url` to DEST.part then renames it to `dest`. A leftover DEST.part
// is resumed with a Range request; a server that answers 200 instead restarts
// cleanly. 404 is kNotFound; other failures kNetwork (after the retries),
// kLimitExceeded, kCancelled or kIo. Content-Length / Content-Range are checked
// against what arrived.
Result<DownloadResult> download(const DownloadRequest& req);

// Whether a libcurl result code (CURLcode, passed as int so this header needs
// no curl.h) is worth retrying: the connection failed, broke or timed out, as
// opposed to a request the server understood and refused. Shared by every
// libcurl user (feeds here, the registry client in artifact).
bool retryable_transfer_error(int curl_code);

// Seconds to wait from a Retry-After header value: delay-seconds or an
// HTTP-date (RFC 9110), relative to `now`; -1 when the value is neither.
long parse_retry_after(const std::string& value, std::time_t now);

}  // namespace bulwark::net
