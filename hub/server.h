// The hub's HTTP server (cpprestsdk): POST /v1/sync, GET /v1/status, GET /healthz, GET /metrics.
// Bodies are size-checked from Content-Length before they are read (cpprestsdk has no limit of its own).
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
