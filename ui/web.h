// The HTTP side of the web app, independent of the HTTP library: a request as the app sees it, a reply,
// the guard every request passes (Host and Origin), JSON bodies read with the bounded parser, and the
// errors of the API (docs/api.md): {"error": CODE, "message": TEXT} with a 4xx status for bad input, the
// message naming the thing and the value, as the command line's.
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace silian::ui {

// The largest request body the API reads (a case with its checklist is about 2 KB). Checked against the
// Content-Length before the body is read.
inline constexpr size_t kMaxApiBodyBytes = 64 * 1024;
// The header that carries the session token. A custom header (not a cookie): a page of another origin can
// neither read the token nor make the browser send it, and cannot send the header without a CORS
// preflight that this server never grants.
inline constexpr std::string_view kSessionHeader = "X-Silian-Session";

struct WebRequest {
  std::string method;                        // "GET", "POST", ...
  std::string path;                          // decoded, e.g. "/api/items"
  std::map<std::string, std::string> query;  // decoded
  std::string host;                          // the Host header, "" when absent
  std::optional<std::string> origin;         // the Origin header, when sent
  std::string token;                         // kSessionHeader, "" when absent
  std::string content_type;
  std::string body;
};

struct WebReply {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A JSON reply (UTF-8; invalid bytes replaced).
WebReply JsonReply(int status, const nlohmann::json& body);
// {"error": code, "message": message}.
WebReply ErrorReply(int status, std::string_view code, const std::string& message);
// The reply for a failed Status: kInvalidArgument 400 bad_input, kNotFound 404 not_found,
// kFailedPrecondition 409 refused, kPermissionDenied 403 forbidden, kResourceExhausted 413 too_large,
// kUnavailable 503 unavailable, anything else 500 internal; the message is the Status message. A keyed
// Status (base/status.h) also gives "key" and "params" ({name: value}), which the page says from the
// message catalogue in the user's language.
WebReply StatusReply(const Status& status);
// The embedded asset `name` with its content type and the app's security headers; 404 when none.
WebReply AssetReply(std::string_view name);

// The JSON object in the body of `r`. kInvalidArgument naming the problem when the content type is not
// application/json, the body is not one JSON object, or ParseJsonInput refuses it (depth, repeated keys,
// invalid UTF-8); kResourceExhausted when it is larger than kMaxApiBodyBytes.
Result<nlohmann::json> ParseJsonBody(const WebRequest& r);
// A string member of `body`: "" when absent (or `required` refuses it), kInvalidArgument naming the key
// when it is present and not a string.
Result<std::string> StringMember(const nlohmann::json& body, std::string_view key, bool required = false);
// A boolean member of `body`: false when absent or null, kInvalidArgument naming the key when it is not
// true or false.
Result<bool> BoolMember(const nlohmann::json& body, std::string_view key);

// Which requests reach the app: the Host header must be one the server answers to (so a page of another
// site whose name resolves to 127.0.0.1, DNS rebinding, is refused), and an Origin header, when sent, must
// be this server's own ("http://" + Host). A request that changes something (any method but GET and HEAD)
// must carry the Origin: browsers always send it there.
class OriginGuard {
 public:
  // `hosts`: the Host values allowed, e.g. {"127.0.0.1:8790", "localhost:8790"}.
  explicit OriginGuard(std::vector<std::string> hosts) : hosts_(std::move(hosts)) {}
  // nullopt when `r` may proceed; otherwise the refusal (403 host_refused / origin_refused) naming the value.
  std::optional<WebReply> Check(const WebRequest& r) const;
  // The allowed Host values of a server listening on loopback port `port`.
  static std::vector<std::string> LoopbackHosts(int port);

 private:
  std::vector<std::string> hosts_;
};

}  // namespace silian::ui
