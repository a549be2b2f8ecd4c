// Transport over HTTP(S) with libcurl: one connection kept alive across the requests of a session.
// Timeouts are set so that a dead link fails in seconds, not minutes: libcurl's own defaults wait far
// too long for a village on a weak line.
// Not thread-safe: one CurlTransport per thread.
#pragma once

#include <cstdint>
#include <string>

#include "http/curl_setup.h"
#include "net/client.h"

namespace silian::sync {

class CurlTransport final : public Transport {
 public:
  struct Options {
    long connect_timeout_ms = 5000;
    long low_speed_bytes_per_s = 32;  // a transfer slower than this ...
    long low_speed_time_s = 15;       // ... for this long is abandoned
    long total_timeout_s = 600;
    uint64_t max_reply_bytes = 64ull << 20;
    HubTrust trust;  // how an https hub is verified (the settings hub_ca and hub_pin)
  };

  // `base_url` like "https://county.example:8700". kInvalidArgument for a URL that is not
  // http(s)://HOST[:PORT], and for plain http:// that CheckPlainHttp refuses. A hub that fails TLS
  // verification fails each request with kUnavailable naming the URL and libcurl's reason.
  static Result<std::unique_ptr<CurlTransport>> Create(const std::string& base_url, Options options);
  static Result<std::unique_ptr<CurlTransport>> Create(const std::string& base_url) {
    return Create(base_url, Options());
  }
  ~CurlTransport() override;

  Result<Reply> Post(const std::string& path, const std::string& body, const std::string& authorization) override;
  // An idle probe: a POST with only Host and Content-Length (no Content-Type, Accept, User-Agent, Expect or
  // Authorization header), to keep it small.
  Result<Reply> Probe(const std::string& path, const std::string& body) override;
  // A GET, for status pages and health checks.
  Result<Reply> Get(const std::string& path);
  uint64_t wire_bytes_sent() const override { return sent_; }
  uint64_t wire_bytes_received() const override { return received_; }

 private:
  CurlTransport(std::string base_url, Options options, void* handle);
  enum class Kind { kSync, kProbe, kGet };
  Result<Reply> Perform(const std::string& url, Kind kind, const std::string* body, const std::string& authorization);

  std::string base_url_;
  Options options_;
  void* curl_;  // CURL*
  uint64_t sent_ = 0;
  uint64_t received_ = 0;
};

// Checks the form of a hub URL: http:// or https://, a host, an optional port, no path.
Status ValidateHubUrl(const std::string& url);

}  // namespace silian::sync
