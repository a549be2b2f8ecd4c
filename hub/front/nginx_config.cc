#include "hub/front/nginx_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>

#include "http/curl_setup.h"
#include "hub/server.h"
#include "net/protocol.h"
#include "ui/web.h"

namespace silian::hub {
namespace {

// The configuration, with {{NAME}} for each value. nginx's own refusals answer with the protocol's JSON
// error bodies (docs/protocol.md, "Errors"), never with anything the request held; the hub's replies pass
// through unchanged (proxy_intercept_errors is off).
constexpr const char* kTemplate = R"(# Written by `silian-hub front-config`; run it with:
#   {{COMMAND}}
# Stop it with SIGQUIT (graceful) or SIGTERM; SIGHUP rereads this file.
daemon off;
{{USER}}worker_processes 1;
pid {{DIR}}/nginx.pid;
error_log {{DIR}}/error.log error;
worker_rlimit_nofile {{NOFILE}};
events {
    worker_connections {{SOCKETS}};
}
http {
    access_log off;
    server_tokens off;
    client_body_temp_path {{DIR}}/tmp/body;
    proxy_temp_path {{DIR}}/tmp/proxy;
    fastcgi_temp_path {{DIR}}/tmp/fastcgi;
    uwsgi_temp_path {{DIR}}/tmp/uwsgi;
    scgi_temp_path {{DIR}}/tmp/scgi;

    # Bodies: a Content-Length above the limit is refused (413) before a byte of the body is read, a chunked
    # body as soon as it passes the limit; a body goes to the hub only once complete.
    client_max_body_size {{MAX_BODY}};
    client_body_buffer_size {{BODY_BUFFER}};
    # Headers: 1 KiB, and at most 4 lines of up to {{HEADER_LINE}} bytes beyond (431 otherwise).
    client_header_buffer_size 1k;
    large_client_header_buffers 4 {{HEADER_LINE}};
    # Timeouts: a connection that sends no complete header, a body that stops, an idle kept-alive one.
    client_header_timeout {{HEADER_TIMEOUT}}s;
    client_body_timeout {{BODY_TIMEOUT}}s;
    keepalive_timeout {{IDLE_TIMEOUT}}s;
    keepalive_requests 1000;
    send_timeout {{BODY_TIMEOUT}}s;
    reset_timedout_connection on;
    # After a refusal, what the client still sends is discarded (never kept) for at most this long.
    lingering_time 5s;
    lingering_timeout 2s;

    # Connection caps: requests in progress per client address and in all.
    limit_conn_zone $binary_remote_addr zone=silian_per_ip:1m;
    limit_conn_zone $server_port zone=silian_all:1m;
    limit_conn_status 503;
    limit_conn_log_level info;  # not logged: a flood of refusals must not fill the disk with lines

    upstream silian_hub {
        server {{HUB}};
    }

    server {
        listen {{LISTEN}} backlog=1024{{SSL}};
{{TLS}}        limit_conn silian_per_ip {{PER_IP}};
        limit_conn silian_all {{ALL}};
        default_type application/json;

        error_page 400 = /_silian/400;
        error_page 408 = /_silian/408;
        error_page 411 = /_silian/411;
        error_page 413 = /_silian/413;
        error_page 414 = /_silian/414;
        error_page 494 = /_silian/494;
        error_page 500 = /_silian/500;
        error_page 502 504 = /_silian/502;
        error_page 503 = /_silian/503;
        error_page 497 = /_silian/497;
        location = /_silian/400 { internal; return 400 '{"error":"malformed","message":"the front refused a request that is not well-formed HTTP/1.1: a repeated or conflicting Content-Length, a Content-Length beside Transfer-Encoding, or a bad request line or header line"}\n'; }
        location = /_silian/408 { internal; return 408 '{"error":"timeout","message":"the request was not received within {{BODY_TIMEOUT}} s"}\n'; }
        location = /_silian/411 { internal; return 411 '{"error":"length_required","message":"a sync request must have a Content-Length header"}\n'; }
        location = /_silian/413 { internal; return 413 '{"error":"too_large","message":"the request body exceeds the limit of {{MAX_BODY}} bytes"}\n'; }
        location = /_silian/414 { internal; return 414 '{"error":"too_large","message":"the request line exceeds the limit of {{HEADER_LINE}} bytes"}\n'; }
        location = /_silian/494 { internal; return 431 '{"error":"too_large","message":"a request header line exceeds the limit of {{HEADER_LINE}} bytes, or the headers exceed {{HEADERS_TOTAL}} bytes"}\n'; }
        location = /_silian/497 { internal; return 400 '{"error":"https_required","message":"this front speaks HTTPS only: use an https:// URL"}\n'; }
        location = /_silian/500 { internal; return 500 '{"error":"internal","message":"the front failed; try again later"}\n'; }
        location = /_silian/502 { internal; return 503 '{"error":"unavailable","message":"the hub behind this front does not answer; try again later"}\n'; }
        location = /_silian/503 { internal; return 503 '{"error":"too_many_connections","message":"too many requests in progress: at most {{PER_IP}} from one address and {{ALL}} in all; try again later"}\n'; }

        location = /v1/sync {
            if ($request_method != POST) { return 405 '{"error":"method_not_allowed","message":"use POST for /v1/sync"}\n'; }
            proxy_pass http://silian_hub;
            proxy_request_buffering on;
            proxy_buffering on;
            proxy_connect_timeout 5s;
            proxy_send_timeout 60s;
            proxy_read_timeout 600s;
        }
        location = /v1/idle {
            if ($request_method != POST) { return 405 '{"error":"method_not_allowed","message":"use POST for /v1/idle"}\n'; }
            client_max_body_size 1k;
            proxy_pass http://silian_hub;
            proxy_connect_timeout 5s;
            proxy_read_timeout 60s;
        }
        location = /v1/enrol {
            if ($request_method != POST) { return 405 '{"error":"method_not_allowed","message":"use POST for /v1/enrol"}\n'; }
            client_max_body_size 4k;
            proxy_pass http://silian_hub;
            proxy_connect_timeout 5s;
            proxy_read_timeout 60s;
        }
        location ~ ^/(v1/status|healthz|metrics)$ {
            if ($request_method !~ ^(GET|HEAD)$) { return 405 '{"error":"method_not_allowed","message":"use GET for this endpoint"}\n'; }
            set $silian_operator_only "$uri:$remote_addr";
            if ($silian_operator_only ~ ^/(v1/status|metrics):(?!127\.|::1$)) { return 403 '{"error":"operator_only","message":"/v1/status and /metrics are served only to the hub machine itself, on loopback"}\n'; }
            proxy_pass http://silian_hub;
            proxy_connect_timeout 5s;
            proxy_read_timeout 60s;
        }
        # The supervision dashboard (docs/ui.md, "Through the front"): the hub asks a request that comes this
        # way (X-Silian-Front, set here whatever the client sent) for a staff login with the supervisor role.
        # The Origin is checked here against the address the browser used; the hub sees its own address as
        # Host and Origin, which its guard accepts. Bodies: the app's limit.
        location = /ui {
            absolute_redirect off;
            return 308 /ui/;
        }
        location /ui/ {
            if ($request_method !~ ^(GET|HEAD|POST)$) { return 405 '{"error":"method_not_allowed","message":"use GET or POST under /ui/"}\n'; }
            set $silian_origin "";
            if ($http_origin != "") { set $silian_origin "refused"; }
            if ($http_origin = "$scheme://$http_host") { set $silian_origin "http://{{HUB}}"; }
            if ($silian_origin = "refused") { return 403 '{"error":"origin_refused","message":"requests from another site are refused: the Origin is not this front\'s address"}\n'; }
            client_max_body_size {{UI_MAX_BODY}};
            error_page 413 = /_silian/ui413;
            proxy_pass http://silian_hub;
            proxy_set_header Host {{HUB}};
            proxy_set_header Origin $silian_origin;
            proxy_set_header X-Silian-Front "1";
            proxy_connect_timeout 5s;
            proxy_read_timeout 60s;
        }
        location = /_silian/ui413 { internal; return 413 '{"error":"too_large","message":"the request body exceeds the app\'s limit of {{UI_MAX_BODY}} bytes"}\n'; }
        location / {
            return 404 '{"error":"not_found","message":"no such endpoint; the hub answers /v1/sync, /v1/idle, /v1/enrol, /v1/status, /healthz, /metrics and the dashboard under /ui/"}\n';
        }
    }
}
)";

std::string Fill(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [name, value] : values) {
    const std::string key = "{{" + name + "}}";
    for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
      text.replace(at, key.size(), value);
  }
  return text;
}

Status CheckRange(const char* option, int value, int low, int high) {
  if (value < low || value > high)
    return InvalidArgument(std::string(option) + " " + std::to_string(value) + " must be between " +
                           std::to_string(low) + " and " + std::to_string(high));
  return Status::Ok();
}

// Characters nginx would read as syntax (or a shell as something else) in a path or an address.
bool IsPlain(const std::string& text) {
  for (unsigned char c : text)
    if (c <= ' ' || c == ';' || c == '{' || c == '}' || c == '\'' || c == '"' || c == '\\' || c == '$' || c == '#' ||
        c == 0x7f)
      return false;
  return true;
}

uint64_t MaxBody(const FrontOptions& o) {
  return o.max_body_bytes != 0 ? o.max_body_bytes : sync::SyncLimits().max_body_bytes;
}

Status WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return Internal("cannot create \"" + tmp + "\": " + std::strerror(errno));
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Internal("cannot write \"" + path + "\": " + std::strerror(errno));
  }
  return Status::Ok();
}

// A folder of the front with `mode`. nginx started by root runs its worker as another user (nobody unless
// configured), which must reach the temporary folders: the front's folder and tmp/ are 0755; nginx makes
// each temporary folder 0700 and gives it to the worker's user, so request bodies stay private.
Status MakeDir(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST)
    return Internal("cannot create the folder \"" + path + "\": " + std::strerror(errno));
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Internal("\"" + path + "\" is not a folder");
  if (::chmod(path.c_str(), mode) != 0)
    return Internal("cannot set the mode of \"" + path + "\": " + std::strerror(errno));
  return Status::Ok();
}

// The server block's TLS lines for `o` ("" without a certificate). Sessions resume from a small cache (a
// node's next sync skips the full handshake); tickets are off, so no ticket key outlives a restart.
std::string TlsLines(const FrontOptions& o) {
  if (o.tls_cert.empty()) return "";
  return Fill(R"(        ssl_certificate {{CERT}};
        ssl_certificate_key {{KEY}};
        ssl_protocols {{PROTOCOLS}};
        ssl_ciphers {{CIPHERS}};
        ssl_prefer_server_ciphers on;
        ssl_session_cache shared:silian_tls:1m;
        ssl_session_timeout 1h;
        ssl_session_tickets off;
)",
              {{"CERT", o.tls_cert}, {"KEY", o.tls_key}, {"PROTOCOLS", kFrontTlsProtocols}, {"CIPHERS", kFrontTlsCiphers}});
}

Status CheckTlsFile(const char* option, const std::string& path) {
  if (path.empty() || path[0] != '/' || !IsPlain(path))
    return InvalidArgument(std::string(option) + " \"" + path.substr(0, 200) +
                           "\" must be an absolute path without spaces, quotes or any of ;{}$#\\");
  if (::access(path.c_str(), R_OK) != 0)
    return InvalidArgument(std::string(option) + " \"" + path + "\" cannot be read: " + std::strerror(errno));
  return Status::Ok();
}

Status CheckTlsOptions(const FrontOptions& o) {
  if (o.tls_cert.empty() && o.tls_key.empty()) return Status::Ok();
  if (o.tls_cert.empty() || o.tls_key.empty())
    return InvalidArgument("give both --tls-cert and --tls-key (got only " +
                           std::string(o.tls_cert.empty() ? "--tls-key" : "--tls-cert") + ")");
  SILIAN_RETURN_IF_ERROR(CheckTlsFile("--tls-cert", o.tls_cert));
  SILIAN_RETURN_IF_ERROR(CheckTlsFile("--tls-key", o.tls_key));
  return sync::CheckHubCaFile(o.tls_cert);
}

}  // namespace

bool IsLoopbackHost(const std::string& host) { return sync::IsLoopbackHost(host); }

Status CheckFrontOptions(const FrontOptions& o) {
  SILIAN_RETURN_IF_ERROR(ParseListenAddress(o.listen).status());
  SILIAN_ASSIGN_OR_RETURN(auto hub, ParseListenAddress(o.hub));
  if (!IsLoopbackHost(hub.first))
    return InvalidArgument("--hub \"" + o.hub + "\" must be a loopback address (127.0.0.1:PORT): only the front "
                           "may reach the hub");
  if (o.listen == o.hub) return InvalidArgument("--listen and --hub are both \"" + o.listen + "\"");
  if (!IsPlain(o.listen) || !IsPlain(o.hub))
    return InvalidArgument("addresses must not hold spaces, quotes or any of ;{}$#\\");
  if (!IsPlain(o.user)) return InvalidArgument("--user \"" + o.user.substr(0, 64) + "\" is not a user name");
  if (o.dir.empty() || o.dir[0] != '/' || !IsPlain(o.dir))
    return InvalidArgument("--dir \"" + o.dir.substr(0, 200) +
                           "\" must be an absolute path without spaces, quotes or any of ;{}$#\\");
  SILIAN_RETURN_IF_ERROR(CheckRange("--header-timeout", o.header_timeout_s, 1, 3600));
  SILIAN_RETURN_IF_ERROR(CheckRange("--body-timeout", o.body_timeout_s, 1, 3600));
  SILIAN_RETURN_IF_ERROR(CheckRange("--idle-timeout", o.idle_timeout_s, 1, 3600));
  SILIAN_RETURN_IF_ERROR(CheckRange("--max-sockets", o.max_sockets, 16, 1 << 20));
  SILIAN_RETURN_IF_ERROR(CheckRange("--max-requests", o.max_requests, 1, o.max_sockets));
  SILIAN_RETURN_IF_ERROR(CheckRange("--max-requests-per-ip", o.max_requests_per_ip, 1, o.max_requests));
  return CheckTlsOptions(o);
}

std::string NginxCommand(const FrontOptions& o) {
  return "nginx -p " + o.dir + "/ -e " + o.dir + "/error.log -c " + o.dir + "/nginx.conf";
}

std::string NginxConfig(const FrontOptions& o) {
  // Each request in progress holds two sockets (the client's and the hub's); idle ones hold one.
  const int sockets = o.max_sockets + o.max_requests;
  return Fill(kTemplate, {{"COMMAND", NginxCommand(o)},
                          {"DIR", o.dir},
                          {"NOFILE", std::to_string(2 * sockets + 64)},
                          {"SOCKETS", std::to_string(sockets)},
                          {"MAX_BODY", std::to_string(MaxBody(o))},
                          {"BODY_BUFFER", std::to_string(kFrontBodyBufferBytes)},
                          {"HEADER_LINE", std::to_string(kFrontMaxHeaderLineBytes)},
                          {"HEADERS_TOTAL", std::to_string(1024 + 4 * kFrontMaxHeaderLineBytes)},
                          {"HEADER_TIMEOUT", std::to_string(o.header_timeout_s)},
                          {"BODY_TIMEOUT", std::to_string(o.body_timeout_s)},
                          {"IDLE_TIMEOUT", std::to_string(o.idle_timeout_s)},
                          {"PER_IP", std::to_string(o.max_requests_per_ip)},
                          {"ALL", std::to_string(o.max_requests)},
                          {"HUB", o.hub},
                          {"UI_MAX_BODY", std::to_string(ui::kMaxApiBodyBytes)},
                          {"LISTEN", o.listen},
                          {"SSL", o.tls_cert.empty() ? "" : " ssl"},
                          {"TLS", TlsLines(o)},
                          {"USER", o.user.empty() ? "" : "user " + o.user + ";\n"}});
}

std::string UnreachableFolderWarning(const FrontOptions& o) {
  if (::geteuid() != 0 || o.user == "root") return "";
  for (size_t slash = o.dir.find('/', 1);; slash = o.dir.find('/', slash + 1)) {
    const std::string folder = slash == std::string::npos ? o.dir : o.dir.substr(0, slash);
    struct stat st {};
    if (::stat(folder.c_str(), &st) == 0 && (st.st_mode & S_IXOTH) == 0) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      return "nginx started by root runs its worker as " + (o.user.empty() ? std::string("nobody") : o.user) +
             ", which cannot enter \"" + folder + "\" (mode " + mode +
             "): request bodies over 256 KiB would fail with 500; choose another --dir or --user";
    }
    if (slash == std::string::npos) return "";
  }
}

Status RunFrontConfig(const FrontOptions& o) {
  SILIAN_RETURN_IF_ERROR(CheckFrontOptions(o));
  SILIAN_RETURN_IF_ERROR(MakeDir(o.dir, 0755));
  SILIAN_RETURN_IF_ERROR(MakeDir(o.dir + "/tmp", 0755));
  SILIAN_RETURN_IF_ERROR(WriteFileAtomically(o.dir + "/nginx.conf", NginxConfig(o)));
  if (auto warning = UnreachableFolderWarning(o); !warning.empty())
    std::fprintf(stderr, "silian-hub: warning: %s\n", warning.c_str());
  std::printf("wrote %s/nginx.conf: the front on %s://%s for the hub on %s\nrun it with: %s\n", o.dir.c_str(),
              o.tls_cert.empty() ? "http" : "https", o.listen.c_str(), o.hub.c_str(), NginxCommand(o).c_str());
  return Status::Ok();
}

}  // namespace silian::hub
