#include "ui/listener.h"

#include <cpprest/http_listener.h>
#include <cpprest/uri.h>

#include <optional>

#include "base/text.h"

namespace silian::ui {
namespace http = web::http;
namespace {

std::string Header(const http::http_headers& headers, const std::string& name) {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

void Send(const http::http_request& request, const WebReply& reply) {
  http::http_response response(static_cast<http::status_code>(reply.status));
  response.set_body(std::vector<unsigned char>(reply.body.begin(), reply.body.end()));
  if (!reply.content_type.empty()) response.headers().set_content_type(reply.content_type);
  for (const auto& [name, value] : reply.headers) response.headers().add(name, value);
  request.reply(response).then([](pplx::task<void> t) {
    try {
      t.get();
    } catch (const std::exception&) {
      // The browser went away: nothing to tell it.
    }
  });
}

// Fills `r` with the request without its body; the refusal of its framing or address otherwise.
std::optional<WebReply> ReadHead(const http::http_request& request, const std::string& prefix, WebRequest* r) {
  r->method = request.method();
  const http::http_headers& h = request.headers();
  if (h.has(http::header_names::transfer_encoding))
    return ErrorReply(411, "length_required", "a request must have a Content-Length, not Transfer-Encoding");
  if (h.has(http::header_names::content_length)) {
    const std::string text = Header(h, http::header_names::content_length);
    if (text.empty() || text.size() > 12 || text.find_first_not_of("0123456789") != std::string::npos)
      return ErrorReply(400, "malformed", "Content-Length " + Quote(text) + " is not one number");
    if (std::stoull(text) > kMaxApiBodyBytes)
      return ErrorReply(413, "too_large", "request body of " + text + " bytes exceeds the limit of " +
                                              std::to_string(kMaxApiBodyBytes));
  }
  try {
    r->path = web::uri::decode(request.relative_uri().path());
    for (const auto& [k, v] : web::uri::split_query(request.relative_uri().query()))
      r->query[web::uri::decode(k)] = web::uri::decode(v);
  } catch (const std::exception& e) {
    return ErrorReply(400, "malformed", std::string("the request's address cannot be read: ") + e.what());
  }
  if (!prefix.empty()) r->path = r->path.size() <= prefix.size() ? "/" : r->path.substr(prefix.size());
  if (r->path.empty()) r->path = "/";
  r->host = Header(h, http::header_names::host);
  if (h.has("Origin")) r->origin = Header(h, "Origin");
  r->token = Header(h, std::string(kSessionHeader));
  r->content_type = Header(h, http::header_names::content_type);
  return std::nullopt;
}

}  // namespace

void ServeRequest(const http::http_request& request, const WebHandler& handler, const std::string& path_prefix) {
  WebRequest r;
  if (auto refused = ReadHead(request, path_prefix, &r)) return Send(request, *refused);
  if (r.method == "GET" || r.method == "HEAD") {
    try {
      Send(request, handler(r));
    } catch (const std::exception& e) {
      Send(request, ErrorReply(500, "internal", e.what()));
    }
    return;
  }
  // The body is read asynchronously, within the limit the Content-Length promised.
  request.extract_vector().then([request, handler, r](pplx::task<std::vector<unsigned char>> t) mutable {
    try {
      std::vector<unsigned char> raw = t.get();
      if (raw.size() > kMaxApiBodyBytes) return Send(request, ErrorReply(413, "too_large", "request body too large"));
      r.body.assign(raw.begin(), raw.end());
      Send(request, handler(r));
    } catch (const std::exception& e) {
      Send(request, ErrorReply(400, "malformed", std::string("cannot read the request: ") + e.what()));
    }
  });
}

struct WebListener::Impl {
  std::unique_ptr<http::experimental::listener::http_listener> listener;
  WebHandler handler;
};

WebListener::WebListener() : impl_(std::make_unique<Impl>()) {}
WebListener::~WebListener() { Stop(); }

Status WebListener::Start(int port, WebHandler handler) {
  impl_->handler = std::move(handler);
  const std::string uri = "http://127.0.0.1:" + std::to_string(port);
  try {
    http::experimental::listener::http_listener_config config;
    config.set_timeout(std::chrono::seconds(60));
    impl_->listener = std::make_unique<http::experimental::listener::http_listener>(uri, config);
    impl_->listener->support([this](const http::http_request& r) { ServeRequest(r, impl_->handler, ""); });
    impl_->listener->open().wait();
  } catch (const std::exception& e) {
    impl_->listener.reset();
    return Unavailable("cannot listen on " + uri + ": " + e.what());
  }
  return Status::Ok();
}

void WebListener::Stop() {
  if (!impl_->listener) return;
  try {
    impl_->listener->close().wait();
  } catch (const std::exception&) {
    // Closing a listener whose connections already went: nothing left to do.
  }
  impl_->listener.reset();
}

}  // namespace silian::ui
