// The supervision dashboard a county or city hub serves at /ui/ (docs/ui.md, "The dashboard"; docs/api.md,
// "Hub"): the network below the hub as a tree, with each child's last contact (a child silent for more
// than kOfflineAfterMs stands out) and this hub's changes not yet relayed up, and the overdue and warning
// cases by county and township, as `silian-hub supervise` computes them (SuperviseArea). The pages and the
// guard are the web app's (ui/); sessions as at a node (ui/sessions.h). Served to the hub's own machine
// (loopback), like /v1/status, and through the hub's nginx front to staff with the supervisor role.
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "silian.pb.h"
#include "hub/hub_ledger.h"
#include "hub/relay.h"
#include "ui/sessions.h"
#include "ui/web.h"

namespace silian::hub {

// A child with no contact for this long is shown offline.
inline constexpr uint64_t kOfflineAfterMs = 24ull * 3600 * 1000;

// The names of divisions the catalogue holds: an item implemented by a division's own government
// (Item.implementations, "<place>人民政府") names that division (its 4, 6, 9 or 12 digit prefix) "<place>".
// Divisions no item names are absent (the dashboard shows their codes). Pure.
std::map<std::string, std::string> DivisionNames(const std::vector<pb::Item>& items);

class HubDashboard {
 public:
  // All borrowed; `relay` may be null (a hub without a parent). `hosts`: the Host values the hub answers
  // to (ui::OriginGuard::LoopbackHosts of its port).
  HubDashboard(HubLedger& ledger, const UpstreamRelay* relay, std::vector<std::string> hosts);
  // Serves a request whose path is relative to /ui ("/", "/hub.js", "/api/network"). `via_front`: the
  // request came through the hub's nginx front (its X-Silian-Front header), from anywhere: the API then
  // answers only a staff session whose account holds the supervisor role (or administrator), and a login
  // there must be such a staff login (403 naming the staff id otherwise).
  ui::WebReply Handle(const ui::WebRequest& r, bool via_front = false);

 private:
  Result<nlohmann::json> Route(const ui::WebRequest& r, sync::LedgerStore& store, bool via_front);
  // The session of `r`; through the front, only a supervisor's (kPermissionDenied naming why otherwise).
  Result<ui::UiSession> Session(const ui::WebRequest& r, sync::LedgerStore& store, bool via_front);
  Result<nlohmann::json> Network(sync::LedgerStore& store);
  Result<nlohmann::json> Overdue(sync::LedgerStore& store);
  // The report of `silian-hub report` for the query's from, to, by and division (hub/report.h).
  Result<nlohmann::json> Report(const ui::WebRequest& r, sync::LedgerStore& store);
  // The report's totals month by month over the query's `months` (1..36, default 12) up to today.
  Result<nlohmann::json> Trend(const ui::WebRequest& r, sync::LedgerStore& store);
  // The first page's three answers from one pass over the area's views (hub/area_pass.h): {"overdue":
  // Overdue's, "trend": Trend's for the query's months, "report": Report's for the query's from, to, by and
  // division}; the same bad values refused with the same messages.
  Result<nlohmann::json> FirstPage(const ui::WebRequest& r, sync::LedgerStore& store);
  // {"names": {division: name}} (DivisionNames of the catalogue's latest items).
  Result<nlohmann::json> Names(sync::LedgerStore& store);
  // Read-only: the case as `case show` shows it (view and text).
  Result<nlohmann::json> ShowCase(const std::string& ref, sync::LedgerStore& store);
  // The CSV of `report --format csv --excel` for the query, as a download.
  ui::WebReply ReportCsvReply(const ui::WebRequest& r, bool via_front);

  HubLedger& ledger_;
  const UpstreamRelay* relay_;
  ui::OriginGuard guard_;
  ui::SessionBook sessions_;
};

}  // namespace silian::hub
