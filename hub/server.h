// The hub's HTTP server (cpprestsdk): POST /v1/sync, GET /v1/status, GET /healthz, GET /metrics.
// cpprestsdk reads every body whole before a reply can leave and has no timeouts or connection cap, so a
// hub others reach listens on loopback behind its nginx front (hub/front/nginx_config.h), which enforces
// them. This layer still refuses what it can see: a sync request with Transfer-Encoding or without one
// numeric Content-Length within the limit, an oversized Authorization header; it decompresses and applies
// at most 2 sync requests at once (32 more wait, then 503 busy) and cuts every message it echoes.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "hub/hub_ledger.h"
#include "hub/metrics.h"
#include "hub/relay.h"
#include "domain/store.h"
#include "net/service.h"

namespace silian::hub {

class HubServer {
 public:
  // `ledger` is borrowed; `relay` may be null (a hub without a parent).
  HubServer(HubLedger& ledger, UpstreamRelay* relay, sync::SyncLimits limits);
  ~HubServer();

  // Starts listening on http://HOST:PORT. kUnavailable when the address cannot be bound.
  Status Start(const std::string& host_port);
  // Stops accepting, waits for requests in flight. Safe to call twice.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Checks HOST:PORT (a port of 1..65535). kInvalidArgument naming the value otherwise.
Result<std::pair<std::string, int>> ParseListenAddress(const std::string& text);

}  // namespace silian::hub
