// The HTTP listener of the web app (cpprestsdk): turns a cpprestsdk request into a WebRequest and a
// WebReply back into a response. cpprestsdk has no request-size limit of its own, so a body is read only
// when its Content-Length is at most kMaxApiBodyBytes (413 otherwise, 411 without one, Transfer-Encoding
// refused). silian-node's `ui` command runs a WebListener on loopback; silian-hub's server hands the
// requests under /ui/ to ServeRequest.
// Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "ui/web.h"

namespace web::http {
class http_request;
}

namespace silian::ui {

using WebHandler = std::function<WebReply(const WebRequest&)>;

// Reads `request` (its body within the limit), calls `handler` and replies; never throws. `path_prefix`
// is removed from the path first ("/ui" at a hub: "/ui/api/x" reaches the handler as "/api/x").
// REQUIRES: `handler` outlives the reply.
void ServeRequest(const web::http::http_request& request, const WebHandler& handler, const std::string& path_prefix);

class WebListener {
 public:
  WebListener();
  ~WebListener();  // Stop()
  // Listens on http://127.0.0.1:`port` and serves every request with `handler`. kUnavailable naming the
  // address when it cannot be bound.
  Status Start(int port, WebHandler handler);
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace silian::ui
