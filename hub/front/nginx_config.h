// The hub's HTTP edge: nginx in front of `silian-hub serve`.
//
// cpprestsdk's listener (hub/server.cc) reads every request whole before its handler's reply can leave:
// it buffers a body of any size, has no header, body or idle timeout, no connection cap, and lets a second
// Content-Length (or a Transfer-Encoding beside one) win silently (docs/architecture.md, "The HTTP edge").
// So a hub that others can reach runs behind nginx, which refuses all of that before the hub sees a byte,
// and the hub itself listens on loopback only. `silian-hub front-config` writes the nginx configuration
// from the options below and the protocol's limits (net/protocol.h), so the limits have one definition.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace silian::hub {

// The largest request header line the front accepts (and 4 of them at most beyond the first 1 KiB).
inline constexpr int kFrontMaxHeaderLineBytes = 8192;
// Bytes of a request body nginx keeps in memory; the rest of a body (up to the protocol's limit) waits in a
// temporary file under the front's folder until it is complete and goes to the hub.
inline constexpr int kFrontBodyBufferBytes = 256 << 10;

struct FrontOptions {
  std::string listen = "0.0.0.0:8700";  // where nodes and child hubs connect: HOST:PORT
  std::string hub = "127.0.0.1:8701";   // the hub's `serve --listen`, a loopback address
  std::string dir;                      // nginx's folder: nginx.conf, pid, error log, temporary bodies
  std::string user;                     // the worker's user when nginx starts as root ("": nginx's default)
  int header_timeout_s = 10;            // to send the request line and headers; also a new idle connection
  int body_timeout_s = 20;              // between two reads of a request body (and two writes of a reply)
  int idle_timeout_s = 30;              // a kept-alive connection between requests
  int max_requests = 256;               // requests in progress at once, from all clients (503 beyond)
  int max_requests_per_ip = 32;         // the same from one client address (503 beyond)
  int max_sockets = 4096;               // open client connections, idle ones included
  uint64_t max_body_bytes = 0;          // 0: the protocol's limit (SyncLimits::max_body_bytes)
  std::string tls_cert;                 // PEM certificate (chain): the front speaks HTTPS ("": plain HTTP)
  std::string tls_key;                  // its PEM private key
};

// The TLS the front speaks with a certificate: TLS 1.2 and 1.3 only, forward-secret AEAD ciphers only.
inline constexpr const char* kFrontTlsProtocols = "TLSv1.2 TLSv1.3";
inline constexpr const char* kFrontTlsCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// kInvalidArgument naming the option and its value when one is out of range (addresses HOST:PORT, the hub
// on a loopback address, timeouts 1..3600 s, caps >= 1, per address <= all, an absolute folder; --tls-cert
// and --tls-key both or neither, absolute paths of readable files, the certificate a PEM certificate).
Status CheckFrontOptions(const FrontOptions& o);

// The nginx configuration for `o`: pure. REQUIRES: CheckFrontOptions(o) is OK.
std::string NginxConfig(const FrontOptions& o);

// The command line that runs the front for `o` in the foreground (`nginx -p DIR/ -e DIR/error.log -c
// DIR/nginx.conf`); SIGQUIT stops it gracefully, SIGHUP rereads the configuration.
std::string NginxCommand(const FrontOptions& o);

// Where nginx started by root could not run: a message naming the first folder on the way to `o.dir`
// that its worker user (o.user, else nobody) cannot enter; "" when there is none or we are not root.
std::string UnreachableFolderWarning(const FrontOptions& o);

// `silian-hub front-config`: checks `o`, creates `o.dir` and its temporary folders, writes
// `o.dir/nginx.conf` (replacing the file atomically: a running front rereads it on SIGHUP) and prints the
// command that runs it; prints UnreachableFolderWarning on stderr. kInvalidArgument for bad options;
// kInternal naming the path when a write fails.
Status RunFrontConfig(const FrontOptions& o);

// Whether `host` (of HOST:PORT) is a loopback address: 127.x.y.z, ::1, [::1] or localhost.
bool IsLoopbackHost(const std::string& host);

}  // namespace silian::hub
