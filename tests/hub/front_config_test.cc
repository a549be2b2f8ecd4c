// The nginx front's configuration (hub/front/nginx_config.h): what it enforces comes from one place (the
// protocol's limits and the options), and options that would open the hub are refused by name.
#include <catch2/catch.hpp>
#include <string>

#include "hub/front/nginx_config.h"
#include "net/protocol.h"
#include "ui/web.h"

namespace silian::hub {
namespace {

FrontOptions Valid() {
  FrontOptions o;
  o.listen = "0.0.0.0:8700";
  o.hub = "127.0.0.1:8701";
  o.dir = "/var/lib/silian/front";
  return o;
}

TEST_CASE("Front config: the body limit, timeouts and caps are the protocol's and the options'", "[edge][front]") {
  FrontOptions o = Valid();
  o.header_timeout_s = 7;
  o.body_timeout_s = 11;
  o.idle_timeout_s = 13;
  o.max_requests = 100;
  o.max_requests_per_ip = 9;
  REQUIRE(CheckFrontOptions(o).ok());
  const std::string conf = NginxConfig(o);
  const std::string limit = std::to_string(sync::SyncLimits().max_body_bytes);
  CHECK_THAT(conf, Catch::Contains("client_max_body_size " + limit + ";"));
  CHECK_THAT(conf, Catch::Contains("exceeds the limit of " + limit + " bytes"));
  CHECK_THAT(conf, Catch::Contains("client_header_timeout 7s;"));
  CHECK_THAT(conf, Catch::Contains("client_body_timeout 11s;"));
  CHECK_THAT(conf, Catch::Contains("keepalive_timeout 13s;"));
  CHECK_THAT(conf, Catch::Contains("limit_conn silian_per_ip 9;"));
  CHECK_THAT(conf, Catch::Contains("limit_conn silian_all 100;"));
  CHECK_THAT(conf, Catch::Contains("listen 0.0.0.0:8700 "));
  CHECK_THAT(conf, Catch::Contains("server 127.0.0.1:8701;"));
  CHECK_THAT(conf, Catch::Contains("large_client_header_buffers 4 8192;"));
  CHECK(conf.find("{{") == std::string::npos);
  CHECK(conf.find("user ") == std::string::npos);
  o.user = "www-data";
  CHECK_THAT(NginxConfig(o), Catch::Contains("user www-data;"));
}

TEST_CASE("Front config: /v1/status and /metrics are forwarded to loopback clients only, /healthz to all",
          "[edge][front]") {
  const std::string conf = NginxConfig(Valid());
  CHECK_THAT(conf, Catch::Contains("set $silian_operator_only \"$uri:$remote_addr\";"));
  CHECK_THAT(conf, Catch::Contains("~ ^/(v1/status|metrics):(?!127\\.|::1$)) { return 403") &&
                       Catch::Contains("\"error\":\"operator_only\""));
}

TEST_CASE("Front config: /ui/ goes to the hub marked as from the front, with the app's body limit and Origin check",
          "[edge][front]") {
  const std::string conf = NginxConfig(Valid());
  CHECK_THAT(conf, Catch::Contains("location /ui/ {"));
  CHECK_THAT(conf, Catch::Contains("client_max_body_size " + std::to_string(ui::kMaxApiBodyBytes) + ";"));
  CHECK_THAT(conf, Catch::Contains("proxy_set_header X-Silian-Front \"1\";"));
  CHECK_THAT(conf, Catch::Contains("proxy_set_header Host 127.0.0.1:8701;"));
  CHECK_THAT(conf, Catch::Contains("if ($http_origin = \"$scheme://$http_host\") { set $silian_origin \"http://127.0.0.1:8701\"; }"));
  CHECK_THAT(conf, Catch::Contains("\"error\":\"origin_refused\""));
}

TEST_CASE("Front config: with a certificate the front listens with TLS 1.2+ and AEAD ciphers only", "[edge][front][tls]") {
  FrontOptions o = Valid();
  CHECK(NginxConfig(o).find("ssl") == std::string::npos);
  o.tls_cert = "/etc/silian/county.crt";
  o.tls_key = "/etc/silian/county.key";
  const std::string conf = NginxConfig(o);
  CHECK_THAT(conf, Catch::Contains("listen 0.0.0.0:8700 backlog=1024 ssl;"));
  CHECK_THAT(conf, Catch::Contains("ssl_certificate /etc/silian/county.crt;"));
  CHECK_THAT(conf, Catch::Contains("ssl_certificate_key /etc/silian/county.key;"));
  CHECK_THAT(conf, Catch::Contains("ssl_protocols TLSv1.2 TLSv1.3;"));
  CHECK_THAT(conf, Catch::Contains("ssl_session_tickets off;"));
  CHECK_THAT(conf, Catch::Contains("error_page 497 = /_silian/497;"));
  CHECK(conf.find("http2") == std::string::npos);
  CHECK(conf.find("CBC") == std::string::npos);
  CHECK(conf.find("{{") == std::string::npos);
}

TEST_CASE("Front config: a hub off loopback, bad timeouts, caps and folders are refused by name", "[edge][front]") {
  struct Case {
    void (*change)(FrontOptions&);
    std::string message;
  };
  const Case cases[] = {
      {[](FrontOptions& o) { o.hub = "10.0.0.5:8701"; }, "--hub \"10.0.0.5:8701\" must be a loopback address"},
      {[](FrontOptions& o) { o.hub = "127.0.0.1:0"; }, "port \"0\" must be 1..65535"},
      {[](FrontOptions& o) { o.listen = o.hub; }, "--listen and --hub are both \"127.0.0.1:8701\""},
      {[](FrontOptions& o) { o.header_timeout_s = 0; }, "--header-timeout 0 must be between 1 and 3600"},
      {[](FrontOptions& o) { o.body_timeout_s = 4000; }, "--body-timeout 4000 must be between 1 and 3600"},
      {[](FrontOptions& o) { o.max_requests_per_ip = 300; }, "--max-requests-per-ip 300 must be between 1 and 256"},
      {[](FrontOptions& o) { o.dir = "front"; }, "--dir \"front\" must be an absolute path"},
      {[](FrontOptions& o) { o.dir = "/tmp/a;b"; }, "--dir \"/tmp/a;b\" must be an absolute path"},
      {[](FrontOptions& o) { o.user = "x; daemon on"; }, "is not a user name"},
      {[](FrontOptions& o) { o.tls_cert = "/etc/silian/county.crt"; }, "give both --tls-cert and --tls-key"},
      {[](FrontOptions& o) { o.tls_key = "/etc/silian/county.key"; }, "give both --tls-cert and --tls-key"},
      {[](FrontOptions& o) { o.tls_cert = "county.crt", o.tls_key = "/k"; }, "--tls-cert \"county.crt\" must be an absolute"},
      {[](FrontOptions& o) { o.tls_cert = "/no/such.crt", o.tls_key = "/k"; }, "--tls-cert \"/no/such.crt\" cannot be read"},
  };
  for (const auto& c : cases) {
    FrontOptions o = Valid();
    c.change(o);
    const Status s = CheckFrontOptions(o);
    INFO(c.message);
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains(c.message));
  }
}

TEST_CASE("Front config: loopback means 127.0.0.0/8, ::1 and localhost", "[edge][front]") {
  CHECK(IsLoopbackHost("127.0.0.1"));
  CHECK(IsLoopbackHost("127.1.2.3"));
  CHECK(IsLoopbackHost("[::1]"));
  CHECK(IsLoopbackHost("localhost"));
  CHECK_FALSE(IsLoopbackHost("0.0.0.0"));
  CHECK_FALSE(IsLoopbackHost("10.0.0.1"));
  CHECK_FALSE(IsLoopbackHost("[::]"));
  CHECK_FALSE(IsLoopbackHost("127.evil.example"));
  CHECK_FALSE(IsLoopbackHost("127.0.0.1.example"));
  CHECK_FALSE(IsLoopbackHost("127.0.0.256"));
  CHECK_FALSE(IsLoopbackHost("128.0.0.1"));
}

}  // namespace
}  // namespace silian::hub
