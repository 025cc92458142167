#!/usr/bin/env python3
"""A loopback HTTP server for `bulwark db update` tests (stdlib only).

Serves DIR on 127.0.0.1 with ETag / Last-Modified / 304 and single Range
requests (206), logs one line per request to --log ("METHOD PATH STATUS
range=... inm=..."), and injects faults read from --control (a JSON file
re-read on every request, so a test can change it while the server runs):

  {"fail": N, "retry_after": S}  answer the next N requests with 503 + Retry-After: S
  {"fail_paths": [P, ...]}      answer every request for these files with 503
  {"cut_after": K}               send only K bytes of each full 200 body, then close
  {"cut_once": true}             ... only for the first such response
  {"ignore_range": true}         answer Range requests with the whole file (200)
  {"throttle": B}                send B bytes per 0.1 s
  {"not_found": ["a.zip"]}       404 for these paths

Writes its port to --port-file once listening.
"""
import argparse
import email.utils
import hashlib
import http.server
import json
import os
import re
import socketserver
import sys
import threading
import time

LOCK = threading.Lock()
STATE = {"failed": 0, "cuts": 0}


def control(path):
    if not path or not os.path.exists(path):
        return {}
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def log_line(self, status):
        line = "%s %s %d range=%s inm=%s ims=%s\n" % (
            self.command, self.path, status, self.headers.get("Range", "-"),
            self.headers.get("If-None-Match", "-"), self.headers.get("If-Modified-Since", "-"))
        with LOCK:
            with open(self.server.log_path, "a") as f:
                f.write(line)

    def send_plain(self, status, body=b"", extra=None):
        self.send_response(status)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)
        self.log_line(status)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        ctl = control(self.server.control_path)
        rel = self.path.split("?", 1)[0].lstrip("/")
        with LOCK:
            if STATE["failed"] < int(ctl.get("fail", 0)):
                STATE["failed"] += 1
                fail = True
            else:
                fail = False
        if fail or rel in ctl.get("fail_paths", []):
            return self.send_plain(503, b"busy\n", {"Retry-After": str(ctl.get("retry_after", 0))})
        full = os.path.realpath(os.path.join(self.server.root, rel))
        if (rel in ctl.get("not_found", []) or not full.startswith(self.server.root + os.sep)
                or not os.path.isfile(full)):
            return self.send_plain(404, b"not found\n")
        with open(full, "rb") as f:
            data = f.read()
        etag = '"%s"' % hashlib.sha256(data).hexdigest()[:32]
        mtime = email.utils.formatdate(os.path.getmtime(full), usegmt=True)
        common = {"ETag": etag, "Last-Modified": mtime, "Accept-Ranges": "bytes"}
        inm = self.headers.get("If-None-Match")
        if inm is not None and inm == etag:
            return self.send_plain(304, b"", {"ETag": etag, "Last-Modified": mtime})
        start = 0
        status = 200
        rng = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        if rng and not ctl.get("ignore_range") and (if_range is None or if_range in (etag, mtime)):
            m = re.fullmatch(r"bytes=(\d+)-", rng.strip())
            if m:
                start = int(m.group(1))
                if start >= len(data):
                    return self.send_plain(416, b"", {"Content-Range": "bytes */%d" % len(data)})
                status = 206
        body = data[start:]
        self.send_response(status)
        for k, v in common.items():
            self.send_header(k, v)
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.log_line(status)
        if self.command == "HEAD":
            return
        cut = ctl.get("cut_after")
        if cut is not None and status == 200:
            with LOCK:
                do_cut = not (ctl.get("cut_once") and STATE["cuts"] > 0)
                if do_cut:
                    STATE["cuts"] += 1
            if do_cut:
                body = body[: int(cut)]
                self.close_connection = True
        throttle = int(ctl.get("throttle", 0))
        try:
            if throttle > 0:
                for i in range(0, len(body), throttle):
                    self.wfile.write(body[i:i + throttle])
                    self.wfile.flush()
                    time.sleep(0.1)
            else:
                self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        if self.close_connection:
            try:
                self.connection.shutdown(2)
            except OSError:
                pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--control")
    ap.add_argument("--port-file", required=True)
    a = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    srv.root = os.path.realpath(a.root)
    srv.log_path = a.log
    srv.control_path = a.control
    open(a.log, "a").close()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
