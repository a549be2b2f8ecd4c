// Plain HTTP requests with libcurl, for what a SyncClient never sends (bad requests, other methods, status
// pages). One request on a fresh connection per call. Not thread-safe (Catch2 assertions).
#pragma once

#include <string>
#include <vector>

namespace silian::test {

struct HttpReply {
  long status = 0;  // 0 when no reply came (connection refused, reset, timeout)
  std::string body;
  std::string error;  // libcurl's message when status is 0
};

// `method` is "GET", "POST" (which sends `body`) or another method sent as is; `headers` are
// "Name: value" lines. REQUIREs that libcurl could be set up; a request that fails has status 0. An https
// URL is verified against `ca_file` (a PEM CA certificate; "": the system's store).
HttpReply Http(const std::string& method, const std::string& url, const std::string& body = "",
               const std::vector<std::string>& headers = {}, long timeout_ms = 20000, const std::string& ca_file = "");

}  // namespace silian::test
