// The libcurl setup every Silian HTTP client shares (the sync transport, the hub's notice sender): the
// process-wide start of libcurl, the options that make a dead link fail in seconds rather than minutes and
// keep libcurl away from signals, and how a client trusts a hub over TLS (docs/architecture.md, "TLS").
#pragma once

#include <curl/curl.h>

#include <string>

#include "base/status.h"

namespace silian::sync {

// Starts libcurl for the process (curl_global_init), once. Thread-safe; call before curl_easy_init.
void CurlGlobalInit();

struct CurlLimits {
  long connect_timeout_ms = 5000;
  long low_speed_bytes_per_s = 32;  // a transfer slower than this ...
  long low_speed_time_s = 15;       // ... for this long is abandoned
  long total_timeout_ms = 600000;
};

// Sets on `curl` (after curl_easy_reset) the URL, only http and https, no signals (libcurl is used from
// several threads), TCP_NODELAY, and the connect timeout, low-speed abort and total timeout of `limits`.
// The caller sets the method, headers and callbacks. REQUIRES: `url` outlives the transfer.
void SetCurlBasics(CURL* curl, const std::string& url, const CurlLimits& limits);

// The ledger settings (of a node, or of a hub for its parent) that say how the hub is verified.
inline constexpr const char* kHubCaSetting = "hub_ca";    // a PEM file of the CA(s) that sign hub certificates
inline constexpr const char* kHubPinSetting = "hub_pin";  // "sha256//BASE64" of the hub's public key
// The environment variable that allows plain http:// to a loopback hub (value "loopback"): the tests and
// benchmarks that run hubs on 127.0.0.1 without a front set it. Nothing allows plain HTTP to another host.
inline constexpr const char* kAllowPlainHttpEnv = "SILIAN_ALLOW_PLAIN_HTTP";

// How an https request verifies the hub. With `ca_file`, the peer's certificate chain (against that file
// alone) and host name; with `pin` too, the peer's public key must also match it. With `pin` alone, the
// peer's public key must match it (its certificate's issuer and names are not checked: the key is the
// identity). With neither, the chain against the system's CA store and the host name.
struct HubTrust {
  std::string ca_file;
  std::string pin;
};

// Whether `host` (of HOST:PORT or a URL) is a loopback address: 127.x.y.z, ::1, [::1] or localhost.
bool IsLoopbackHost(const std::string& host);

// OK for an https:// URL, and for an http:// URL whose host is loopback while kAllowPlainHttpEnv is
// "loopback"; kInvalidArgument naming the URL otherwise. REQUIRES: `url` starts with http:// or https://.
Status CheckPlainHttp(const std::string& url);

// OK when `path` is a readable file that holds a PEM certificate; kInvalidArgument naming the path and the
// reason otherwise.
Status CheckHubCaFile(const std::string& path);
// OK when `pin` is "sha256//" and the base64 of 32 bytes; kInvalidArgument naming it otherwise.
Status CheckHubPin(const std::string& pin);

// The value to store for the setting `key` (kHubCaSetting: the CA file's absolute path, once CheckHubCaFile
// passed; kHubPinSetting: the pin, once CheckHubPin passed); "" stays "" (the setting is cleared).
// kInvalidArgument naming the value otherwise. REQUIRES: `key` is one of the two.
Result<std::string> HubTrustSettingValue(const std::string& key, const std::string& value);

// Sets on `curl` the verification of `trust`, as HubTrust says, and TLS 1.2 at least.
// REQUIRES: `trust` outlives the transfer.
void SetCurlTls(CURL* curl, const HubTrust& trust);

// Whether `rc` is a failure to establish or verify TLS (bad certificate, unknown CA, pin mismatch, handshake).
bool IsTlsFailure(CURLcode rc);

}  // namespace silian::sync
