// The libcurl setup every Silian HTTP client shares (the sync transport, the hub's notice sender): the
// process-wide start of libcurl and the options that make a dead link fail in seconds rather than minutes
// and keep libcurl away from signals.
#pragma once

#include <curl/curl.h>

#include <string>

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

}  // namespace silian::sync
