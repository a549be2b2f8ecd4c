#include "hub/server.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <optional>

#include <cpprest/http_listener.h>
#include <spdlog/spdlog.h>

#include "base/text.h"
#include "console/node_keys.h"
#include "hub/enrol.h"
#include "hub/ui_dashboard.h"
#include "net/idle_service.h"
#include "ui/listener.h"

namespace silian::hub {
namespace http = web::http;

namespace {

// Sync requests decompressed, parsed and applied at once (the ledger takes one writer anyway), and how
// many more may wait for them; beyond, 503 busy. Together with the body limit they bound the memory that
// sync requests take: kMaxParallelSyncs x (body + decompressed body + parsed request).
constexpr size_t kMaxParallelSyncs = 2;
constexpr size_t kMaxWaitingSyncs = 32;
// Requests with a body at most this large (a pull: the node's frontier; a village's few ops) and idle
// probes go through a gate of their own with as many places: both are answered from the read view, and
// must not queue behind large pushes that wait for the writer. The memory bound above grows by kMaxParallelSyncs small bodies
// (each still within the decompressed limit).
constexpr size_t kSmallSyncBodyBytes = 4096;
// How long, after a pull's reply, its contact record waits for the writer's lock (held briefly by the
// notice sender or supervision; for seconds by an import, when the record is left for a later request).
constexpr int kContactLockWaitMs = 200;
// The longest Authorization header: "Silian-Ed25519 node=ID, ts=MS, nonce=HEX32, sig=BASE64" is about 250.
constexpr size_t kMaxAuthorizationBytes = 512;
// The longest message in an error reply, and the longest piece of a request a message shows.
constexpr size_t kMaxMessageBytes = 1024;
constexpr size_t kMaxShownBytes = 64;

// The first `max_bytes` of `text`, not cutting a UTF-8 sequence, with "..." and the full size when cut.
std::string Cut(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "... (" + std::to_string(text.size()) + " bytes)";
}

std::string Capped(const std::string& message) { return Cut(message, kMaxMessageBytes); }

// A value from the request, as a message shows it: quoted, and cut.
std::string Shown(const std::string& value) { return Quote(Cut(value, kMaxShownBytes)); }

// A Content-Length value: digits only, at most 18 of them (RFC 9110 allows neither signs nor lists).
bool ParseContentLength(const std::string& text, uint64_t* length) {
  if (text.empty() || text.size() > 18) return false;
  uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  *length = n;
  return true;
}

// Whether a peer address is the hub's own machine: the operator endpoints are served to it only. Behind
// the nginx front every request comes from loopback, and the front forwards them only from loopback too.
bool IsLoopback(const std::string& address) {
  return address.rfind("127.", 0) == 0 || address == "::1" || address.rfind("::ffff:127.", 0) == 0;
}

// Runs at most `max_running` jobs at once; up to `max_waiting` more wait, in arrival order, and run on the
// thread of a job that finishes. No thread ever blocks waiting for a turn. Thread-safe.
class JobGate {
 public:
  JobGate(size_t max_running, size_t max_waiting) : max_running_(max_running), max_waiting_(max_waiting) {}

  // Runs `job` now on this thread, or queues it. false (and `job` dropped) when as many already wait.
  // REQUIRES: `job` does not throw.
  bool Submit(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (running_ >= max_running_) {
        if (waiting_.size() >= max_waiting_) return false;
        waiting_.push_back(std::move(job));
        return true;
      }
      ++running_;
    }
    for (;;) {
      job();
      std::lock_guard<std::mutex> lock(mu_);
      if (waiting_.empty()) {
        --running_;
        if (running_ == 0) idle_.notify_all();
        return true;
      }
      job = std::move(waiting_.front());
      waiting_.pop_front();
    }
  }

  // Blocks until no job runs or waits.
  void WaitIdle() {
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [this] { return running_ == 0 && waiting_.empty(); });
  }

 private:
  const size_t max_running_;
  const size_t max_waiting_;
  std::mutex mu_;
  std::condition_variable idle_;
  size_t running_ = 0;
  std::deque<std::function<void()>> waiting_;
};

}  // namespace

struct HubServer::Impl {
  HubLedger& ledger;
  UpstreamRelay* relay;
  sync::SyncService service;
  sync::IdleTable idle_table;
  sync::IdleService idle{ledger, console::RegistryKeyLookup(), idle_table};
  Metrics metrics;
  std::unique_ptr<http::experimental::listener::http_listener> listener;
  uint64_t started_ms = sync::SystemWallClock().NowMs();
  JobGate gate{kMaxParallelSyncs, kMaxWaitingSyncs};
  JobGate small_gate{kMaxParallelSyncs, kMaxWaitingSyncs};  // bodies of at most kSmallSyncBodyBytes
  EnrolRateLimit enrol_limit;
  std::unique_ptr<HubDashboard> dashboard;  // made at Start, which knows the port the pages answer on

  Impl(HubLedger& l, UpstreamRelay* r, sync::SyncLimits limits) : ledger(l), relay(r), service(l, limits, console::RegistryKeyLookup()) {
    service.set_read_access(ledger.read_access());
    if (relay != nullptr) service.set_on_new_ops([this] { relay->Poke(); });
    service.set_idle_table(&idle_table);
    idle.set_read_access(ledger.read_access(), service);
  }

  // `signature`: the reply's X-Silian-Signature ("" for none).
  void Reply(const http::http_request& request, const std::string& endpoint, int status, const std::string& body,
             const std::string& content_type, const std::string& signature = "") {
    metrics.CountRequest(endpoint, status);
    http::http_response response(static_cast<http::status_code>(status));
    response.set_body(std::vector<unsigned char>(body.begin(), body.end()));
    // An idle answer goes without one: every byte of it counts (docs/protocol.md, "Idle probe").
    if (content_type.empty())
      response.headers().remove(http::header_names::content_type);
    else
      response.headers().set_content_type(content_type);
    if (!signature.empty()) response.headers().add(sync::kReplySignatureHeader, signature);
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
    auto outcome = sync::ErrorOutcome(status, code, Capped(message));
    Reply(request, endpoint, status, outcome.body, outcome.content_type);
  }

  // The headers of a sync request, checked before its body is used: nullopt when they are acceptable.
  std::optional<sync::SyncOutcome> CheckSyncHeaders(const http::http_headers& headers, std::string* authorization) {
    if (headers.has(http::header_names::transfer_encoding))
      return sync::ErrorOutcome(411, "length_required",
                                "a sync request must have a Content-Length header and no Transfer-Encoding (found " +
                                    Shown(headers.find(http::header_names::transfer_encoding)->second) + ")");
    if (!headers.has(http::header_names::content_length))
      return sync::ErrorOutcome(411, "length_required", "a sync request must have a Content-Length header");
    const std::string length_text = headers.find(http::header_names::content_length)->second;
    uint64_t length = 0;
    if (!ParseContentLength(length_text, &length))
      return sync::ErrorOutcome(400, "malformed", "Content-Length " + Shown(length_text) + " is not one number");
    if (length > service.limits().max_body_bytes)
      return sync::ErrorOutcome(413, "too_large",
                                "request body of " + std::to_string(length) + " bytes exceeds the limit of " +
                                    std::to_string(service.limits().max_body_bytes));
    if (headers.has(http::header_names::authorization))
      *authorization = headers.find(http::header_names::authorization)->second;
    if (authorization->size() > kMaxAuthorizationBytes)
      return sync::ErrorOutcome(401, "missing_credentials",
                                "the Authorization header has " + std::to_string(authorization->size()) +
                                    " bytes; at most " + std::to_string(kMaxAuthorizationBytes) + " are allowed");
    return std::nullopt;
  }

  void HandleSync(const http::http_request& request) {
    auto start = std::chrono::steady_clock::now();
    std::string authorization;
    if (auto refused = CheckSyncHeaders(request.headers(), &authorization)) {
      ReplyOutcome(request, *refused);
      return;
    }
    // The body is read asynchronously: a pool thread never blocks waiting for a slow client's bytes.
    request.extract_vector().then([this, request, authorization, start](pplx::task<std::vector<unsigned char>> t) {
      std::string body;
      try {
        std::vector<unsigned char> raw = t.get();
        body.assign(raw.begin(), raw.end());
      } catch (const std::exception& e) {
        ReplyError(request, "sync", 400, "malformed", std::string("cannot read the request body: ") + e.what());
        return;
      }
      JobGate& lane = body.size() <= kSmallSyncBodyBytes ? small_gate : gate;
      auto job = [this, request, authorization, start, body = std::move(body)] {
        try {
          Serve(request, authorization, body, start);
        } catch (const std::exception& e) {
          spdlog::error("sync request failed: {}", Capped(e.what()));
        }
      };
      if (!lane.Submit(std::move(job)))
        ReplyError(request, "sync", 503, "busy",
                   "the hub is handling " + std::to_string(kMaxParallelSyncs) + " sync requests and has " +
                       std::to_string(kMaxWaitingSyncs) + " waiting; try again later");
    });
  }

  // Decompresses, checks and applies one sync request and replies. Runs inside the gate, so at most
  // kMaxParallelSyncs bodies are decompressed and parsed at once.
  void Serve(const http::http_request& request, const std::string& authorization, const std::string& body,
             std::chrono::steady_clock::time_point start) {
    sync::SyncOutcome outcome;
    try {
      outcome = service.HandleDeferringContacts(authorization, body);
    } catch (const std::exception& e) {
      outcome = sync::ErrorOutcome(500, "internal", e.what());
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (outcome.error.empty()) {
      metrics.CountSync(outcome.ops_in, outcome.ops_out, body.size(), outcome.body.size(), seconds);
      metrics.CountPushFindings(outcome.equivocations, outcome.skewed_ops);
    } else if (outcome.error == "forged") {
      metrics.CountForgery();
    } else if (outcome.http_status >= 500) {
      spdlog::error("sync request failed: {}", outcome.body.substr(0, kMaxMessageBytes));
    }
    ReplyOutcome(request, outcome);
    RecordContactsSoon();
  }

  // After a reply, and only when the writer comes soon (not behind an import): the contacts of pulls and idle
  // probes, answered from the read view, never wait for it, and a push records those left pending under
  // its lock anyway.
  void RecordContactsSoon() {
    if (service.HasPendingContacts())
      ledger.TryWith([this](sync::Ledger& writer) {
        service.RecordPendingContacts(writer);
        return Status::Ok();
      }, std::chrono::milliseconds(kContactLockWaitMs)).IgnoreError();
  }

  // POST /v1/idle: the body is read whole (at most kMaxIdleBodyBytes) and answered through the same gate as
  // sync requests.
  void HandleIdle(const http::http_request& request) {
    const auto& headers = request.headers();
    uint64_t length = 0;
    if (headers.has(http::header_names::transfer_encoding) || !headers.has(http::header_names::content_length))
      return ReplyError(request, "idle", 411, "length_required",
                        "an idle probe must have a Content-Length header and no Transfer-Encoding");
    const std::string length_text = headers.find(http::header_names::content_length)->second;
    if (!ParseContentLength(length_text, &length))
      return ReplyError(request, "idle", 400, "malformed", "Content-Length " + Shown(length_text) + " is not one number");
    if (length > sync::kMaxIdleBodyBytes)
      return ReplyError(request, "idle", 413, "too_large",
                        "idle probe of " + std::to_string(length) + " bytes exceeds the limit of " +
                            std::to_string(sync::kMaxIdleBodyBytes));
    request.extract_vector().then([this, request](pplx::task<std::vector<unsigned char>> t) {
      std::string body;
      try {
        std::vector<unsigned char> raw = t.get();
        body.assign(raw.begin(), raw.end());
      } catch (const std::exception& e) {
        ReplyError(request, "idle", 400, "malformed", std::string("cannot read the request body: ") + e.what());
        return;
      }
      auto job = [this, request, body = std::move(body)] {
        sync::SyncOutcome outcome;
        try {
          outcome = idle.Handle(body);
        } catch (const std::exception& e) {
          outcome = sync::ErrorOutcome(500, "internal", e.what());
        }
        if (!outcome.error.empty()) metrics.CountRejection(outcome.error);
        Reply(request, "idle", outcome.http_status, outcome.body, outcome.content_type);
        RecordContactsSoon();
      };
      // An idle probe (at most kMaxIdleBodyBytes) is answered from the read view like a pull: it takes the
      // small requests' gate, not a place behind pushes waiting for the writer.
      if (!small_gate.Submit(std::move(job)))
        ReplyError(request, "idle", 503, "busy", "the hub is handling as many requests as it can; try again later");
    });
  }

  // A service outcome as the reply, with its signature: an error's message is cut to kMaxMessageBytes, so
  // no reply echoes a large input, whatever the message quotes (a cut body goes unsigned: the signature
  // covers the body as the service made it).
  void ReplyOutcome(const http::http_request& request, const sync::SyncOutcome& outcome) {
    if (outcome.error.empty()) {
      Reply(request, "sync", outcome.http_status, outcome.body, outcome.content_type, outcome.signature);
      return;
    }
    if (outcome.body.size() <= kMaxMessageBytes) {
      metrics.CountRejection(outcome.error);
      Reply(request, "sync", outcome.http_status, outcome.body, outcome.content_type, outcome.signature);
      return;
    }
    std::string message = outcome.body;
    auto parsed = nlohmann::json::parse(outcome.body, nullptr, false);
    if (!parsed.is_discarded() && parsed.contains("message") && parsed["message"].is_string())
      message = parsed["message"].get<std::string>();
    ReplyError(request, "sync", outcome.http_status, outcome.error, message);
  }

  nlohmann::json StatusJson() {
    nlohmann::json j;
    // Through the read path: a status never waits for an import or a re-projection in progress.
    Status read = ledger.WithReader([&](sync::StoreReader& reader) { return StoreJson(reader, j); });
    if (!read.ok()) return {{"error", read.message()}};
    j["ops_received"] = metrics.ops_in();
    j["errors"] = metrics.rejections();
    j["started_ms"] = started_ms;
    if (relay != nullptr) j["upstream"] = relay->StatusJson();
    return j;
  }

  // The ledger's part of the status, as of the last commit.
  static Status StoreJson(sync::StoreReader& store, nlohmann::json& j) {
    SILIAN_ASSIGN_OR_RETURN(auto st, store.GetStatus());
    j["node"] = st.config.node_id.value;
    j["level"] = sync::LevelName(st.config.level);
    j["division"] = st.config.division.value;
    j["scope"] = st.scope;
    j["op_count"] = st.op_count;
    j["case_count"] = st.case_count;
    j["pending"] = st.pending_count;
    j["equivocations"] = st.equivocation_count;
    j["forgeries"] = st.forgery_count;
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

  // The supervision dashboard (hub/ui_dashboard.h), to the hub's own machine only.
  void ServeDashboard(const http::http_request& request, const std::string& path) {
    if (!IsLoopback(request.remote_address()) || !dashboard) {
      ReplyError(request, "ui", 403, "operator_only", "/ui/ is served to the hub's own machine only (loopback)");
      return;
    }
    if (path == "/ui") {
      http::http_response response(http::status_codes::PermanentRedirect);
      response.headers().add(http::header_names::location, "/ui/");
      request.reply(response).then([](pplx::task<void> t) {
        try {
          t.get();
        } catch (const std::exception&) {
          // The browser went away before the redirect: nothing to tell it.
        }
      });
      return;
    }
    // The front sets this header on every request it forwards (hub/front/nginx_config.cc), whatever the
    // client sent: the dashboard then asks for a supervisor's login.
    const bool via_front = request.headers().has("X-Silian-Front");
    ui::ServeRequest(request, [this, via_front](const ui::WebRequest& r) { return dashboard->Handle(r, via_front); },
                     "/ui");
  }

  void Handle(const http::http_request& request) {
    std::string path = request.relative_uri().path();
    const auto& method = request.method();
    try {
      if (path == sync::kSyncPath) {
        if (method != http::methods::POST) {
          ReplyError(request, "sync", 405, "method_not_allowed", "use POST for " + path);  // path is kSyncPath
          return;
        }
        HandleSync(request);
        return;
      }
      if (path == sync::kIdlePath) {
        if (method != http::methods::POST) return ReplyError(request, "idle", 405, "method_not_allowed", "use POST for " + path);
        return HandleIdle(request);
      }
      if (path == kEnrolPath) return ServeEnrol(ledger, metrics, enrol_limit, request);
      if (path == "/ui" || path.rfind("/ui/", 0) == 0) return ServeDashboard(request, path);
      if (method != http::methods::GET) {
        ReplyError(request, "other", 405, "method_not_allowed", "use GET for " + Shown(path));
        return;
      }
      if (path == "/healthz") {
        Reply(request, "healthz", 200, "ok\n", "text/plain");
      } else if ((path == "/metrics" || path == "/v1/status") && !IsLoopback(request.remote_address())) {
        ReplyError(request, "other", 403, "operator_only",
                   path + " is served to the hub's own machine only (loopback); ask from there");  // path is fixed
      } else if (path == "/metrics") {
        Reply(request, "metrics", 200, metrics.Render(), "text/plain; version=0.0.4");
      } else if (path == "/v1/status") {
        Reply(request, "status", 200, StatusJson().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", "application/json");
      } else {
        ReplyError(request, "other", 404, "not_found", "no endpoint " + Shown(path));
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
  std::vector<std::string> hosts = ui::OriginGuard::LoopbackHosts(address.second);
  hosts.insert(hosts.begin(), address.first + ":" + std::to_string(address.second));
  impl_->dashboard = std::make_unique<HubDashboard>(impl_->ledger, impl_->relay, hosts);
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
  impl_->gate.WaitIdle();  // the sync requests already read finish before the ledger closes
  impl_->small_gate.WaitIdle();
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
