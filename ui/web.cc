#include "ui/web.h"

#include <algorithm>

#include "base/text.h"
#include "domain/json_input.h"
#include "i18n/catalogue.h"
#include "ui/assets.h"

namespace silian::ui {
namespace {

// The longest piece of a request a message quotes.
constexpr size_t kMaxShownBytes = 80;

std::string Shown(const std::string& value) {
  if (value.size() <= kMaxShownBytes) return Quote(value);
  size_t end = kMaxShownBytes;
  while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) --end;
  return Quote(value.substr(0, end)) + "... (" + std::to_string(value.size()) + " bytes)";
}

// Headers on every reply: nothing of the app runs inside another site's frame, scripts and styles come
// from this server only, and no reply is cached (case data is personal).
void AddSecurityHeaders(WebReply& reply) {
  reply.headers.emplace_back("Content-Security-Policy",
                             "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                             "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                             "form-action 'self'");
  reply.headers.emplace_back("X-Frame-Options", "DENY");
  reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
  reply.headers.emplace_back("Referrer-Policy", "no-referrer");
  reply.headers.emplace_back("Cache-Control", "no-store");
}

}  // namespace

WebReply JsonReply(int status, const nlohmann::json& body) {
  WebReply reply;
  reply.status = status;
  reply.content_type = "application/json; charset=utf-8";
  reply.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  AddSecurityHeaders(reply);
  return reply;
}

WebReply ErrorReply(int status, std::string_view code, const std::string& message) {
  return JsonReply(status, {{"error", std::string(code)}, {"message", message}});
}

namespace {

// The HTTP status of a refusal.
int HttpStatusOf(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kFailedPrecondition: return 409;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kResourceExhausted: return 413;
    case StatusCode::kUnavailable: return 503;
    default: return 500;
  }
}

}  // namespace

WebReply StatusReply(const Status& status) {
  // The code word is the one the catalogue says as error.<word> (i18n::ErrorWord).
  nlohmann::json body = {{"error", std::string(i18n::ErrorWord(status.code()))}, {"message", status.message()}};
  if (!status.key().empty()) {
    body["key"] = std::string(status.key());
    nlohmann::json params = nlohmann::json::object();
    for (const MessageParam& p : status.params()) params[std::string(p.name)] = p.value;
    body["params"] = std::move(params);
  }
  return JsonReply(HttpStatusOf(status.code()), body);
}

WebReply AssetReply(std::string_view name) {
  const Asset* asset = FindAsset(name);
  if (asset == nullptr) return ErrorReply(404, "not_found", "no page " + Shown(std::string(name)));
  WebReply reply;
  reply.content_type = std::string(asset->content_type);
  reply.body = std::string(asset->bytes);
  AddSecurityHeaders(reply);
  return reply;
}

Result<nlohmann::json> ParseJsonBody(const WebRequest& r) {
  if (r.body.size() > kMaxApiBodyBytes)
    return ResourceExhausted("request body of " + std::to_string(r.body.size()) + " bytes exceeds the limit of " +
                             std::to_string(kMaxApiBodyBytes));
  std::string type = r.content_type.substr(0, r.content_type.find(';'));
  if (type != "application/json")
    return InvalidArgument("content type " + Shown(r.content_type) + " must be application/json");
  SILIAN_ASSIGN_OR_RETURN(nlohmann::json body, sync::ParseJsonInput(r.body, "request body"));
  if (!body.is_object()) return InvalidArgument("the request body must be one JSON object");
  return body;
}

Result<std::string> StringMember(const nlohmann::json& body, std::string_view key, bool required) {
  auto it = body.find(std::string(key));
  if (it == body.end() || it->is_null()) {
    if (required) return InvalidArgument("\"" + std::string(key) + "\" is required");
    return std::string();
  }
  if (!it->is_string()) return InvalidArgument("\"" + std::string(key) + "\" must be a string, not " + it->dump());
  return it->get<std::string>();
}

Result<bool> BoolMember(const nlohmann::json& body, std::string_view key) {
  auto it = body.find(std::string(key));
  if (it == body.end() || it->is_null()) return false;
  if (!it->is_boolean()) return InvalidArgument("\"" + std::string(key) + "\" must be true or false, not " + it->dump());
  return it->get<bool>();
}

std::optional<WebReply> OriginGuard::Check(const WebRequest& r) const {
  if (std::find(hosts_.begin(), hosts_.end(), r.host) == hosts_.end())
    return ErrorReply(403, "host_refused",
                      "Host " + Shown(r.host) + " is not this server's; open the app at http://" + hosts_.front() + "/");
  const bool changes = r.method != "GET" && r.method != "HEAD";
  if (!r.origin) {
    if (changes) return ErrorReply(403, "origin_refused", r.method + " " + Shown(r.path) + " needs an Origin header");
    return std::nullopt;
  }
  if (*r.origin != "http://" + r.host)
    return ErrorReply(403, "origin_refused",
                      "Origin " + Shown(*r.origin) + " is not this app's (http://" + r.host + "); requests from other "
                      "sites are refused");
  return std::nullopt;
}

std::vector<std::string> OriginGuard::LoopbackHosts(int port) {
  const std::string p = std::to_string(port);
  return {"127.0.0.1:" + p, "localhost:" + p, "[::1]:" + p};
}

}  // namespace silian::ui
