// The supervision dashboard a county or city hub serves at /ui/ (docs/ui.md, "The dashboard"; docs/api.md,
// "Hub"): the network below the hub as a tree, with each child's last contact (a child silent for more
// than kOfflineAfterMs stands out) and this hub's changes not yet relayed up, and the overdue and warning
// cases by county and township, as `silian-hub supervise` computes them (SuperviseArea). The pages and the
// guard are the web app's (ui/); sessions as at a node (ui/sessions.h). Served to the hub's own machine
// only (loopback), like /v1/status.
// Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/hub_ledger.h"
#include "hub/relay.h"
#include "ui/sessions.h"
#include "ui/web.h"

namespace silian::hub {

// A child with no contact for this long is shown offline.
inline constexpr uint64_t kOfflineAfterMs = 24ull * 3600 * 1000;

class HubDashboard {
 public:
  // All borrowed; `relay` may be null (a hub without a parent). `hosts`: the Host values the hub answers
  // to (ui::OriginGuard::LoopbackHosts of its port).
  HubDashboard(HubLedger& ledger, const UpstreamRelay* relay, std::vector<std::string> hosts);
  // Serves a request whose path is relative to /ui ("/", "/hub.js", "/api/network").
  ui::WebReply Handle(const ui::WebRequest& r);

 private:
  Result<nlohmann::json> Route(const ui::WebRequest& r, sync::LedgerStore& store);
  Result<nlohmann::json> Network(sync::LedgerStore& store);
  Result<nlohmann::json> Overdue(sync::LedgerStore& store);

  HubLedger& ledger_;
  const UpstreamRelay* relay_;
  ui::OriginGuard guard_;
  ui::SessionBook sessions_;
};

}  // namespace silian::hub
