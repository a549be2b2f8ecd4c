#include "hub/server.h"

#include <chrono>

#include <cpprest/http_listener.h>
#include <spdlog/spdlog.h>

namespace silian::hub {
namespace http = web::http;

struct HubServer::Impl {
  HubLedger& ledger;
  UpstreamRelay* relay;
  sync::SyncService service;
  Metrics metrics;
  std::unique_ptr<http::experimental::listener::http_listener> listener;
  uint64_t started_ms = sync::SystemWallClock().NowMs();

  Impl(HubLedger& l, UpstreamRelay* r, sync::SyncLimits limits) : ledger(l), relay(r), service(l, limits) {
    if (relay != nullptr) service.set_on_new_ops([this] { relay->Poke(); });
  }

  void Reply(const http::http_request& request, const std::string& endpoint, int status, const std::string& body,
             const std::string& content_type) {
    metrics.CountRequest(endpoint, status);
    http::http_response response(static_cast<http::status_code>(status));
    response.set_body(std::vector<unsigned char>(body.begin(), body.end()));
    response.headers().set_content_type(content_type);
    request.reply(response).then([](pplx::task<void> t) {
      try {
        t.get();
      } catch (const std::exception& e) {
        spdlog::debug("reply not delivered: {}", e.what());
      }
    });
  }

  void ReplyError(const http::http_request& request, const std::string& endpoint, int status,
                  const std::string& code, const std::string& message) {
    metrics.CountRejection(code);
    auto outcome = sync::ErrorOutcome(status, code, message);
    Reply(request, endpoint, status, outcome.body, outcome.content_type);
  }

  void HandleSync(const http::http_request& request) {
    auto start = std::chrono::steady_clock::now();
    const auto& headers = request.headers();
    if (!headers.has(http::header_names::content_length)) {
      ReplyError(request, "sync", 411, "length_required", "a sync request must have a Content-Length header");
      return;
    }
    uint64_t length = headers.content_length();
    if (length > service.limits().max_body_bytes) {
      ReplyError(request, "sync", 413, "too_large",
                 "request body of " + std::to_string(length) + " bytes exceeds the limit of " +
                     std::to_string(service.limits().max_body_bytes));
      return;
    }
    std::string authorization;
    if (headers.has(http::header_names::authorization)) authorization = headers.find(http::header_names::authorization)->second;
    // The body is read asynchronously: a pool thread never blocks waiting for a slow client's bytes.
    request.extract_vector().then([this, request, authorization, start](pplx::task<std::vector<unsigned char>> t) {
      std::vector<unsigned char> raw;
      try {
        raw = t.get();
      } catch (const std::exception& e) {
        ReplyError(request, "sync", 400, "malformed", std::string("cannot read the request body: ") + e.what());
        return;
      }
      std::string body(raw.begin(), raw.end());
      sync::SyncOutcome outcome;
      try {
        outcome = service.Handle(authorization, body);
      } catch (const std::exception& e) {
        outcome = sync::ErrorOutcome(500, "internal", e.what());
      }
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (outcome.error.empty()) {
        metrics.CountSync(outcome.ops_in, outcome.ops_out, body.size(), outcome.body.size(), seconds);
        metrics.CountPushFindings(outcome.equivocations, outcome.skewed_ops);
      } else {
        metrics.CountRejection(outcome.error);
        if (outcome.http_status >= 500) spdlog::error("sync request failed: {}", outcome.body);
      }
      Reply(request, "sync", outcome.http_status, outcome.body, outcome.content_type);
    });
  }

  nlohmann::json StatusJson() {
    nlohmann::json j;
    Status read = ledger.WithStore([&](sync::LedgerStore& store) { return StoreJson(store, j); });
    if (!read.ok()) return {{"error", read.message()}};
    j["ops_received"] = metrics.ops_in();
    j["errors"] = metrics.rejections();
    j["started_ms"] = started_ms;
    if (relay != nullptr) j["upstream"] = relay->StatusJson();
    return j;
  }

  // The ledger's part of the status. REQUIRES: the hub ledger's lock (WithStore).
  static Status StoreJson(sync::LedgerStore& store, nlohmann::json& j) {
    SILIAN_ASSIGN_OR_RETURN(auto st, store.GetStatus());
    j["node"] = st.config.node_id.value;
    j["level"] = sync::LevelName(st.config.level);
    j["division"] = st.config.division.value;
    j["scope"] = st.scope;
    j["op_count"] = st.op_count;
    j["case_count"] = st.case_count;
    j["pending"] = st.pending_count;
    j["equivocations"] = st.equivocation_count;
    j["open_conflicts"] = st.open_conflicts;
    uint64_t total_seq = 0;
    for (const auto& e : st.frontier.entries()) total_seq += e.seq();
    j["frontier"] = {{"origins", st.frontier.entries_size()}, {"ops", total_seq}};
    nlohmann::json children = nlohmann::json::array();
    auto peers = store.ListPeers();
    if (peers.ok()) {
      for (const auto& p : *peers)
        children.push_back({{"node", p.node_id.value},
                            {"level", sync::LevelName(p.level)},
                            {"division", p.division.value},
                            {"last_contact_ms", p.last_contact_ms},
                            {"ops_received", p.ops_received},
                            {"ops_sent", p.ops_sent},
                            {"errors", p.errors},
                            {"last_error", p.last_error}});
    }
    j["children"] = children;
    return Status::Ok();
  }

  void Handle(const http::http_request& request) {
    std::string path = request.relative_uri().path();
    const auto& method = request.method();
    try {
      if (path == sync::kSyncPath) {
        if (method != http::methods::POST) {
          ReplyError(request, "sync", 405, "method_not_allowed", "use POST for " + path);
          return;
        }
        HandleSync(request);
        return;
      }
      if (method != http::methods::GET) {
        ReplyError(request, "other", 405, "method_not_allowed", "use GET for " + path);
        return;
      }
      if (path == "/healthz") {
        Reply(request, "healthz", 200, "ok\n", "text/plain");
      } else if (path == "/metrics") {
        Reply(request, "metrics", 200, metrics.Render(), "text/plain; version=0.0.4");
      } else if (path == "/v1/status") {
        Reply(request, "status", 200, StatusJson().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", "application/json");
      } else {
        ReplyError(request, "other", 404, "not_found", "no endpoint " + path);
      }
    } catch (const std::exception& e) {
      ReplyError(request, "other", 500, "internal", e.what());
    }
  }
};

HubServer::HubServer(HubLedger& ledger, UpstreamRelay* relay, sync::SyncLimits limits)
    : impl_(std::make_unique<Impl>(ledger, relay, limits)) {}

HubServer::~HubServer() { Stop(); }

Status HubServer::Start(const std::string& host_port) {
  SILIAN_ASSIGN_OR_RETURN(auto address, ParseListenAddress(host_port));
  try {
    http::experimental::listener::http_listener_config config;
    config.set_timeout(std::chrono::seconds(60));
    auto uri = "http://" + address.first + ":" + std::to_string(address.second);
    impl_->listener = std::make_unique<http::experimental::listener::http_listener>(uri, config);
    impl_->listener->support([this](const http::http_request& r) { impl_->Handle(r); });
    impl_->listener->open().wait();
  } catch (const std::exception& e) {
    impl_->listener.reset();
    return Unavailable("cannot listen on " + host_port + ": " + e.what());
  }
  return Status::Ok();
}

void HubServer::Stop() {
  if (!impl_->listener) return;
  try {
    impl_->listener->close().wait();
  } catch (const std::exception& e) {
    spdlog::warn("closing the listener: {}", e.what());
  }
  impl_->listener.reset();
}

Result<std::pair<std::string, int>> ParseListenAddress(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return InvalidArgument("listen address \"" + text + "\" must look like HOST:PORT");
  std::string host = text.substr(0, colon);
  std::string port_text = text.substr(colon + 1);
  int port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9' || port > 65535) return InvalidArgument("port \"" + port_text + "\" must be 1..65535");
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > 65535) return InvalidArgument("port \"" + port_text + "\" must be 1..65535");
  return std::make_pair(host, port);
}

}  // namespace silian::hub
