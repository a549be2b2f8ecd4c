#include "hub/ui_dashboard.h"

#include <map>

#include "base/hlc.h"
#include "base/text.h"
#include "console/support.h"
#include "hub/supervision.h"

namespace silian::hub {
namespace {

using nlohmann::json;

constexpr size_t kMaxCasesShown = 500;

uint64_t NowMs() { return sync::SystemWallClock().NowMs(); }

ui::WebReply ReplyFor(const Status& s) {
  if (s.code() == StatusCode::kPermissionDenied && s.message().rfind(std::string(ui::kLoginRequired), 0) == 0)
    return ui::ErrorReply(401, "login_required", s.message().substr(ui::kLoginRequired.size()));
  return ui::StatusReply(s);
}

json ChildJson(const sync::Peer& p, uint64_t now_ms) {
  const bool silent = p.last_contact_ms == 0 || now_ms - p.last_contact_ms > kOfflineAfterMs;
  return {{"node", p.node_id.value},
          {"level", sync::LevelName(p.level)},
          {"division", p.division.value},
          {"last_contact_ms", p.last_contact_ms},
          {"silent_ms", p.last_contact_ms == 0 ? json(nullptr) : json(now_ms - p.last_contact_ms)},
          {"offline", silent},
          {"ops_received", p.ops_received},
          {"ops_sent", p.ops_sent},
          {"errors", p.errors},
          {"last_error", p.last_error}};
}

}  // namespace

HubDashboard::HubDashboard(HubLedger& ledger, const UpstreamRelay* relay, std::vector<std::string> hosts)
    : ledger_(ledger), relay_(relay), guard_(std::move(hosts)) {}

ui::WebReply HubDashboard::Handle(const ui::WebRequest& r) {
  if (auto refused = guard_.Check(r)) return *refused;
  if (r.path.rfind("/api/", 0) != 0) {
    if (r.method != "GET" && r.method != "HEAD") return ui::ErrorReply(405, "method_not_allowed", "use GET for pages");
    if (r.path == "/" || r.path == "/index.html") return ui::AssetReply("hub.html");
    const std::string name = r.path.substr(1);
    static const char* kShared[] = {"app.css", "i18n.js", "common.js", "messages.json", "hub.js"};
    for (const char* shared : kShared)
      if (name == shared) return ui::AssetReply(name);
    return ui::ErrorReply(404, "not_found", "no page " + Quote(r.path));
  }
  json out;
  Status done = ledger_.WithStore([&](sync::LedgerStore& store) -> Status {
    SILIAN_ASSIGN_OR_RETURN(out, Route(r, store));
    return Status::Ok();
  });
  if (!done.ok()) return ReplyFor(done);
  return ui::JsonReply(200, out);
}

Result<json> HubDashboard::Route(const ui::WebRequest& r, sync::LedgerStore& store) {
  if (r.path == "/api/session" && r.method == "GET") {
    SILIAN_ASSIGN_OR_RETURN(bool staffed, store.StaffRequired());
    json out = {{"node", store.config().node_id.value}, {"level", sync::LevelName(store.config().level)},
                {"division", store.config().division.value}, {"staff_required", staffed}, {"session", nullptr}};
    auto s = sessions_.Resolve(store, r.token, NowMs());
    if (s.ok()) out["session"] = {{"actor", s->actor}, {"staff", s->staff}};
    return out;
  }
  if (r.path == "/api/login" && r.method == "POST") {
    SILIAN_ASSIGN_OR_RETURN(json body, ui::ParseJsonBody(r));
    SILIAN_ASSIGN_OR_RETURN(auto login, sessions_.Login(store, body, NowMs()));
    return json{{"token", login.first}, {"actor", login.second.actor}, {"staff", login.second.staff}};
  }
  if (r.path == "/api/logout" && r.method == "POST") {
    SILIAN_RETURN_IF_ERROR(sessions_.Logout(store, r.token));
    return json{{"logged_out", true}};
  }
  SILIAN_RETURN_IF_ERROR(sessions_.Resolve(store, r.token, NowMs()).status());
  if (r.path == "/api/network" && r.method == "GET") return Network(store);
  if (r.path == "/api/overdue" && r.method == "GET") return Overdue(store);
  return NotFound("no API call " + r.method + " " + Quote(r.path) + " at the hub (docs/api.md lists them)");
}

Result<json> HubDashboard::Network(sync::LedgerStore& store) {
  const uint64_t now_ms = NowMs();
  SILIAN_ASSIGN_OR_RETURN(auto peers, store.ListPeers());
  json children = json::array();
  for (const auto& p : peers) children.push_back(ChildJson(p, now_ms));
  // The registrations below this hub, so the page can draw the whole tree (a city sees the townships and
  // villages its counties registered); contact is known for direct children only.
  SILIAN_ASSIGN_OR_RETURN(auto registrations, store.Registrations());
  json nodes = json::array();
  for (const auto& reg : registrations) {
    if (!reg.active || reg.node_id.value == store.config().node_id.value) continue;
    if (reg.division.value.rfind(store.scope(), 0) != 0) continue;
    nodes.push_back({{"node", reg.node_id.value}, {"level", sync::LevelName(reg.level)},
                     {"division", reg.division.value}});
  }
  SILIAN_ASSIGN_OR_RETURN(auto levels, store.LevelStatuses());
  json up = json::array();
  for (const auto& l : levels)
    up.push_back({{"level", l.level}, {"hub", l.hub_id}, {"own_ops_missing", l.own_ops_missing},
                  {"heard_ms", l.heard_ms}});
  return json{{"hub", {{"node", store.config().node_id.value}, {"level", sync::LevelName(store.config().level)},
                       {"division", store.config().division.value}, {"scope", store.scope()}}},
              {"now_ms", now_ms},
              {"offline_after_ms", kOfflineAfterMs},
              {"children", children},
              {"registered", nodes},
              {"levels_above", up},
              {"relay", relay_ != nullptr ? relay_->StatusJson() : json(nullptr)}};
}

Result<json> HubDashboard::Overdue(sync::LedgerStore& store) {
  const sync::Date today = console::Today();
  SILIAN_ASSIGN_OR_RETURN(int rectification_wd, RectificationDays(store, std::nullopt));
  SILIAN_ASSIGN_OR_RETURN(Supervision found, SuperviseArea(store, store.scope(), today, 1, rectification_wd));
  // Counts per county (6 digits) and per township (9 digits) of the case's division.
  std::map<std::string, std::map<std::string, int>> by_county, by_township;
  for (const auto& item : found.items) {
    if (item.problem != "overdue" && item.problem != "warning") continue;
    if (item.division.size() < 9) continue;
    by_county[item.division.substr(0, 6)][item.problem]++;
    by_township[item.division.substr(0, 9)][item.problem]++;
  }
  auto counts = [](const std::map<std::string, std::map<std::string, int>>& m) {
    json out = json::array();
    for (const auto& [division, c] : m)
      out.push_back({{"division", division}, {"overdue", c.count("overdue") ? c.at("overdue") : 0},
                     {"warning", c.count("warning") ? c.at("warning") : 0}});
    return out;
  };
  std::vector<sync::SupervisionItem> shown(found.items.begin(),
                                           found.items.begin() + std::min(found.items.size(), kMaxCasesShown));
  return json{{"as_of", sync::FormatDate(today)},
              {"by_county", counts(by_county)},
              {"by_township", counts(by_township)},
              {"cases", sync::SupervisionToJson(shown)},
              {"total", found.items.size()}};
}

}  // namespace silian::hub
