#include "ui/node_api.h"

#include <chrono>
#include <set>
#include <thread>

#include "base/hlc.h"
#include "base/text.h"
#include "console/support.h"
#include "domain/catalog.h"
#include "domain/documents.h"
#include "domain/validation.h"
#include "ui/internal/case_api.h"
#include "ui/internal/clerk_api.h"
#include "ui/internal/usb_api.h"

namespace silian::ui {
namespace {

using nlohmann::json;

constexpr size_t kMaxItemsShown = 30;
constexpr size_t kMaxQueryBytes = 200;

uint64_t NowMs() { return sync::SystemWallClock().NowMs(); }

json ItemJson(const SearchableItem& e, const std::string& matched_by) {
  json materials = json::array();
  for (const auto& m : e.item.materials())
    materials.push_back({{"name", m.name()}, {"form", m.form()}, {"count", m.count()}, {"optional", m.optional()}});
  return {{"code", e.item.code()},
          {"version", e.item.version()},
          {"name", e.item.name()},
          {"exercise_level", e.item.exercise_level()},
          {"instant", e.item.instant()},
          {"lead_department", e.item.lead_department()},
          {"pinyin", e.name_pinyin.spaced},
          {"initials", e.name_pinyin.initials},
          {"matched_by", matched_by},
          {"materials", materials}};
}

// The path's parts after "/api/": "cases/X/act" -> {"cases", "X", "act"}.
std::vector<std::string> Parts(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 5;  // after "/api/"
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    parts.push_back(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

WebReply ReplyFor(const Status& s) {
  if (s.code() == StatusCode::kPermissionDenied && s.message().rfind(std::string(kLoginRequired), 0) == 0)
    return ErrorReply(401, "login_required", s.message().substr(kLoginRequired.size()));
  return StatusReply(s);
}

// console::OpenLedger, tried again twice 100 ms apart when it reports the file unreadable (kDataLoss):
// the ledger's open reads the schema version before it sets SQLite's busy timeout, so a command writing
// the same ledger at that moment makes it fail with "not an SQLite database" (reported to the sync core's
// owner). A file that really is no ledger fails three times and is reported as such.
Result<std::unique_ptr<sync::LedgerStore>> OpenLedgerRetrying(const console::GlobalOptions& g) {
  auto store = console::OpenLedger(g);
  for (int attempt = 1; attempt < 3 && !store.ok() && store.status().code() == StatusCode::kDataLoss; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    store = console::OpenLedger(g);
  }
  return store;
}

Status MethodNotAllowed(const WebRequest& r) {
  return InvalidArgument("method " + r.method + " is not allowed for " + Quote(r.path));
}

}  // namespace

Result<std::unique_ptr<NodeApp>> NodeApp::Create(console::GlobalOptions global, std::vector<std::string> hosts,
                                                 NodeAppHooks hooks) {
  SILIAN_ASSIGN_OR_RETURN(std::unique_ptr<Pinyin> pinyin, Pinyin::Create());
  return std::unique_ptr<NodeApp>(new NodeApp(std::move(global), std::move(hosts), std::move(hooks), std::move(pinyin)));
}

NodeApp::NodeApp(console::GlobalOptions global, std::vector<std::string> hosts, NodeAppHooks hooks,
                 std::unique_ptr<Pinyin> pinyin)
    : global_(std::move(global)), guard_(std::move(hosts)), hooks_(std::move(hooks)), pinyin_(std::move(pinyin)) {}

WebReply NodeApp::Handle(const WebRequest& r) {
  if (auto refused = guard_.Check(r)) return *refused;
  if (r.path.rfind("/api/", 0) == 0) return HandleApi(r);
  if (r.method != "GET" && r.method != "HEAD") return ErrorReply(405, "method_not_allowed", "use GET for pages");
  if (r.path == "/" || r.path == "/index.html") return AssetReply("index.html");
  std::string name = r.path.substr(1);
  if (name.empty() || name.find('/') != std::string::npos || name.rfind("hub.", 0) == 0)
    return ErrorReply(404, "not_found", "no page " + Quote(r.path));
  return AssetReply(name);
}

WebReply NodeApp::HandleApi(const WebRequest& r) {
  std::lock_guard<std::mutex> lock(mu_);
  auto store = OpenLedgerRetrying(global_);
  if (!store.ok()) return ReplyFor(store.status());
  int status = 200;
  auto out = Route(r, **store, &status);
  if (!out.ok()) return ReplyFor(out.status());
  return JsonReply(status, *out);
}

Result<json> NodeApp::Route(const WebRequest& r, sync::LedgerStore& store, int* status) {
  if (r.path == "/api/session") {
    if (r.method != "GET") return MethodNotAllowed(r);
    return SessionInfo(r, store);
  }
  if (r.path == "/api/login") {
    if (r.method != "POST") return MethodNotAllowed(r);
    SILIAN_ASSIGN_OR_RETURN(json body, ParseJsonBody(r));
    SILIAN_ASSIGN_OR_RETURN(auto login, sessions_.Login(store, body, NowMs()));
    return json{{"token", login.first}, {"actor", login.second.actor}, {"staff", login.second.staff},
                {"expires", sync::HlcToIso(login.second.expires_ms << 16)}};
  }
  if (r.path == "/api/logout") {
    if (r.method != "POST") return MethodNotAllowed(r);
    SILIAN_RETURN_IF_ERROR(sessions_.Logout(store, r.token));
    return json{{"logged_out", true}};
  }
  SILIAN_ASSIGN_OR_RETURN(UiSession session, sessions_.Resolve(store, r.token, NowMs()));
  return RouteWithSession(r, store, session, status);
}

Result<json> NodeApp::RouteWithSession(const WebRequest& r, sync::LedgerStore& store, const UiSession& s,
                                       int* status) {
  const std::vector<std::string> p = Parts(r.path);
  const bool get = r.method == "GET", post = r.method == "POST";
  if (p.size() == 1 && p[0] == "items" && get) return Items(r, store);
  if (p.size() == 1 && p[0] == "check" && post) {
    SILIAN_ASSIGN_OR_RETURN(json body, ParseJsonBody(r));
    return internal::CheckField(body);
  }
  static const std::set<std::string> kCaseWrites = {"act",   "step",     "decide",  "fee",    "material",
                                                     "lapse", "evaluate", "rectify", "subsidy"};
  const bool authors = post && ((p.size() == 1 && p[0] == "cases") || (p.size() == 2 && p[0] == "conflicts") ||
                                (p.size() == 3 && p[0] == "cases" && kCaseWrites.count(p[2]) > 0));
  if (authors && hooks_.before_authoring) SILIAN_RETURN_IF_ERROR(hooks_.before_authoring(store));
  if (p.size() == 1 && p[0] == "cases" && post) {
    SILIAN_ASSIGN_OR_RETURN(json body, ParseJsonBody(r));
    *status = 201;
    return internal::RegisterCase(store, body, s.actor);
  }
  if ((p.size() == 1 && p[0] == "work") || (p.size() == 2 && p[0] == "work" && p[1] == "owed") ||
      (p.size() == 1 && p[0] == "queue")) {
    if (!get) return MethodNotAllowed(r);
    SILIAN_ASSIGN_OR_RETURN(internal::ListWindow w, internal::ListWindowOf(store, r.query));
    if (p[0] == "queue") return internal::ClerkQueue(store, w);
    return p.size() == 1 ? internal::WorkQueues(store, w) : internal::OwedDue(store, w);
  }
  if (p.size() == 1 && p[0] == "sync" && (get || post)) return Sync(r, store);
  if (p.size() == 1 && p[0] == "usb" && get) {
    auto dir = r.query.find("dir");
    return internal::ListStick(dir == r.query.end() ? "" : dir->second);
  }
  if (p.size() == 2 && p[0] == "usb" && post && (p[1] == "export" || p[1] == "import")) {
    SILIAN_ASSIGN_OR_RETURN(json body, ParseJsonBody(r));
    if (p[1] == "import") return internal::ImportFromStick(hooks_.run_self, body);
    return internal::ExportToStick(hooks_.run_self, body, store.config().node_id.value, NowMs());
  }
  if (p.size() == 1 && p[0] == "conflicts" && get) return internal::ListConflicts(store);
  if (p.size() == 2 && p[0] == "conflicts" && p[1] == "resolve" && post) {
    SILIAN_ASSIGN_OR_RETURN(json body, ParseJsonBody(r));
    return internal::ResolveConflict(store, body, s.actor);
  }
  if (p.size() == 2 && p[0] == "cases" && get) return internal::ShowCase(store, p[1]);
  if (p.size() == 3 && p[0] == "cases" && p[2] == "page" && get) return internal::CasePage(store, p[1]);
  if (authors && p.size() == 3) {
    SILIAN_ASSIGN_OR_RETURN(json body, ParseJsonBody(r));
    if (p[2] == "act") return internal::ActOnCase(store, p[1], body, s.actor);
    if (p[2] == "step") return internal::RecordStep(store, p[1], body, s.actor);
    if (p[2] == "decide") return internal::DecideDepartment(store, p[1], body, s.actor);
    if (p[2] == "fee") return internal::RecordFee(store, p[1], body, s.actor);
    if (p[2] == "lapse") return internal::DecideLapse(store, p[1], body, s.actor);
    if (p[2] == "evaluate") return internal::Evaluate(store, p[1], body, s.actor);
    if (p[2] == "rectify") return internal::Rectify(store, p[1], body, s.actor);
    if (p[2] == "subsidy") return internal::RecordSubsidy(store, p[1], body, s.actor);
    return internal::RecordMaterial(store, p[1], body, s.actor);
  }
  if (p.size() == 4 && p[0] == "cases" && p[2] == "print" && get) {
    // The renderer of `case print` (domain/documents.h), in the applicant's language.
    SILIAN_ASSIGN_OR_RETURN(sync::DocumentKind kind, sync::ParseDocumentKind(p[3]));
    SILIAN_ASSIGN_OR_RETURN(std::string html, sync::RenderDocument(store, p[1], kind, std::nullopt, console::Today()));
    return json{{"document", p[3]}, {"html", std::move(html)}};
  }
  return NotFound("no API call " + r.method + " " + Quote(r.path) + " (docs/api.md lists them)");
}

Result<json> NodeApp::SessionInfo(const WebRequest& r, sync::LedgerStore& store) {
  SILIAN_ASSIGN_OR_RETURN(bool staffed, store.StaffRequired());
  json out = {{"node", store.config().node_id.value},
              {"level", sync::LevelName(store.config().level)},
              {"division", store.config().division.value},
              {"staff_required", staffed},
              {"session", nullptr}};
  auto s = sessions_.Resolve(store, r.token, NowMs());
  if (s.ok())
    out["session"] = {{"actor", s->actor}, {"staff", s->staff}, {"expires", sync::HlcToIso(s->expires_ms << 16)}};
  return out;
}

Result<json> NodeApp::Items(const WebRequest& r, sync::LedgerStore& store) {
  auto q = r.query.find("q");
  const std::string query = q == r.query.end() ? "" : q->second;
  if (query.size() > kMaxQueryBytes)
    return InvalidArgument("search text of " + std::to_string(query.size()) + " bytes is longer than " +
                           std::to_string(kMaxQueryBytes));
  SILIAN_RETURN_IF_ERROR(sync::CheckText("search text", sync::TrimText(query), 100, false));
  SILIAN_ASSIGN_OR_RETURN(std::vector<pb::Item> catalogue, store.CatalogItems(false));
  std::string key;
  for (const auto& i : catalogue) key += i.code() + "@" + std::to_string(i.version()) + ";";
  if (key != items_key_) {
    items_.clear();
    for (auto& i : catalogue) {
      PinyinText py = pinyin_->Of(i.name());
      items_.push_back({std::move(i), std::move(py)});
    }
    items_key_ = key;
  }
  json list = json::array();
  for (const ItemHit& hit : SearchItems(items_, query, kMaxItemsShown)) list.push_back(ItemJson(*hit.entry, hit.matched_by));
  return json{{"query", query}, {"items", list}};
}

Result<json> NodeApp::Sync(const WebRequest& r, sync::LedgerStore& store) {
  json out;
  if (r.method == "POST") {
    if (!hooks_.sync) return FailedPrecondition("this program cannot sync from the app");
    SILIAN_ASSIGN_OR_RETURN(out["result"], hooks_.sync());
  }
  SILIAN_ASSIGN_OR_RETURN(auto hub, store.GetSetting("hub"));
  uint64_t last_sync_ms = 0;
  if (hub) {
    SILIAN_ASSIGN_OR_RETURN(last_sync_ms, store.LastSyncMs(*hub));
  }
  SILIAN_ASSIGN_OR_RETURN(auto levels, store.LevelStatuses());
  json arr = json::array();
  for (const auto& l : levels)
    arr.push_back({{"level", l.level}, {"hub", l.hub_id}, {"own_ops_missing", l.own_ops_missing},
                   {"oldest_missing_age_ms", l.oldest_missing_age_ms}, {"heard_ms", l.heard_ms}});
  SILIAN_ASSIGN_OR_RETURN(sync::StoreStatus st, store.GetStatus());
  uint64_t own_ops = 0;
  for (const auto& e : st.frontier.entries())
    if (e.origin() == store.config().node_id.value) own_ops = e.seq();
  out.update({{"hub_url", hub.value_or("")}, {"last_sync_ms", last_sync_ms}, {"now_ms", NowMs()},
              {"own_ops", own_ops}, {"levels", arr}});
  return out;
}

}  // namespace silian::ui
