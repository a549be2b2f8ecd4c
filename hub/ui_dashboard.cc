#include "hub/ui_dashboard.h"

#include <algorithm>
#include <map>

#include "base/hlc.h"
#include "base/text.h"
#include "console/case_show.h"
#include "console/render.h"
#include "console/support.h"
#include "hub/area_pass.h"
#include "hub/report.h"
#include "hub/supervision.h"

namespace silian::hub {
namespace {

using nlohmann::json;

constexpr size_t kMaxCasesShown = 500;
constexpr int kMaxTrendMonths = 36;

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

// kPermissionDenied naming the staff id unless it is an active account holding the supervisor
// or the administrator role (the dashboard through the front holds personal data of the whole area).
Status CheckSupervisor(sync::LedgerStore& store, const std::string& staff_id) {
  SILIAN_ASSIGN_OR_RETURN(std::optional<sync::StaffAccount> account, store.FindStaff(staff_id));
  if (!account) return PermissionDenied("staff " + Quote(staff_id) + " has no account at this hub");
  if (!account->active) return PermissionDenied("staff " + Quote(staff_id) + " is disabled");
  for (sync::Role role : account->roles)
    if (role == sync::Role::kSupervisor || role == sync::Role::kAdministrator) return Status::Ok();
  return PermissionDenied("staff " + Quote(staff_id) +
                          " may not see the dashboard through the front: it needs the supervisor role");
}

}  // namespace

std::map<std::string, std::string> DivisionNames(const std::vector<pb::Item>& items) {
  static const std::string kGovernment = "人民政府";
  std::map<std::string, std::string> out;
  for (const auto& item : items)
    for (const auto& impl : item.implementations()) {
      const std::string& organ = impl.lead_department();
      if (organ.size() <= kGovernment.size() ||
          organ.compare(organ.size() - kGovernment.size(), kGovernment.size(), kGovernment) != 0)
        continue;
      const std::string place = organ.substr(0, organ.size() - kGovernment.size());
      auto [it, added] = out.emplace(impl.division(), place);
      if (!added && place < it->second) it->second = place;  // two spellings: the same one every time
    }
  return out;
}

namespace {

// The first day of the month `months_back` months before the month of `day`.
sync::Date MonthStart(sync::Date day, int months_back) {
  const std::string text = sync::FormatDate(day);
  const int month = std::stoi(text.substr(0, 4)) * 12 + std::stoi(text.substr(5, 2)) - 1 - months_back;
  const int m = month % 12 + 1;
  auto parsed = sync::ParseDate(std::to_string(month / 12) + (m < 10 ? "-0" : "-") + std::to_string(m) + "-01");
  SILIAN_CHECK(parsed.ok());
  return *parsed;
}

// The report options of the dashboard's query: from, to, by, division (as the command line's flags).
ReportCommandOptions ReportQuery(const ui::WebRequest& r) {
  ReportCommandOptions o;
  auto get = [&](const char* key) -> std::optional<std::string> {
    auto it = r.query.find(key);
    if (it == r.query.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
  o.from = get("from").value_or("");
  o.to = get("to").value_or("");
  o.by = get("by").value_or("");
  o.scope = get("division");
  return o;
}

// One point of the charts: a period's totals as the report computes them.
json TrendPoint(const std::string& period, const ReportResult& r) {
  const sync::ReportRow& t = r.total;
  return {{"period", period},
          {"from", sync::FormatDate(r.options.from)},
          {"to", sync::FormatDate(r.options.to)},
          {"accepted", t.accepted},
          {"completed", t.completed},
          {"completion_rate", t.completion_rate},
          {"completed_on_time", t.completed_on_time},
          {"ahead_wd_average", t.completed_on_time == 0 ? 0.0
                                                        : static_cast<double>(t.ahead_wd_total) /
                                                              static_cast<double>(t.completed_on_time)},
          {"evaluations", t.evaluations},
          {"satisfaction_rate", t.satisfaction_rate}};
}

// The report query of `r`, checked (kInvalidArgument naming the parameter's flag and value).
Result<ReportCommandOptions> CheckedReportQuery(const ui::WebRequest& r) {
  ReportCommandOptions o = ReportQuery(r);
  o.format = "json";
  SILIAN_RETURN_IF_ERROR(CheckReportCommand(o));
  return o;
}

json ReportJson(const ReportResult& r) { return sync::ReportToJson(r.options, r.rows, r.total); }

// The months of the trend the query's `months` asks for (1 to kMaxTrendMonths, default 12), oldest first,
// the last one up to `today`; kInvalidArgument naming a bad value.
Result<std::vector<ReportCommandOptions>> TrendPeriods(const ui::WebRequest& r, sync::Date today) {
  int months = 12;
  if (auto it = r.query.find("months"); it != r.query.end()) {
    const std::string& text = it->second;
    if (text.empty() || text.size() > 2 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(text) < 1 || std::stoi(text) > kMaxTrendMonths)
      return InvalidArgument("months " + Quote(text) + " must be a number of 1 to " + std::to_string(kMaxTrendMonths));
    months = std::stoi(text);
  }
  std::vector<ReportCommandOptions> periods;
  for (int back = months - 1; back >= 0; --back) {
    const sync::Date from = MonthStart(today, back);
    const sync::Date next = back == 0 ? sync::AddDays(today, 1) : MonthStart(today, back - 1);
    ReportCommandOptions o;
    o.from = sync::FormatDate(from);
    o.to = sync::FormatDate(sync::AddDays(next, -1));
    periods.push_back(std::move(o));
  }
  return periods;
}

json TrendJson(const std::vector<ReportResult>& reports, sync::Date today) {
  json points = json::array();
  for (const auto& r : reports) points.push_back(TrendPoint(sync::FormatDate(r.options.from).substr(0, 7), r));
  return json{{"as_of", sync::FormatDate(today)}, {"months", points}};
}

// The overdue and warning cases of `found`, counted per county (6 digits) and per township (9 digits) of
// the case's division, and per department (the organ that answers for the case now, responsibility.h),
// with the first kMaxCasesShown problems.
json OverdueJson(const Supervision& found, sync::Date today) {
  std::map<std::string, std::map<std::string, int>> by_county, by_township, by_department;
  for (const auto& item : found.items) {
    if (item.problem != "overdue" && item.problem != "warning") continue;
    by_department[item.responsible_organ.empty() ? "?" : item.responsible_organ][item.problem]++;
    if (item.division.size() < 9) continue;
    by_county[item.division.substr(0, 6)][item.problem]++;
    by_township[item.division.substr(0, 9)][item.problem]++;
  }
  auto counts = [](const std::map<std::string, std::map<std::string, int>>& m, const char* key) {
    json out = json::array();
    for (const auto& [group, c] : m)
      out.push_back({{key, group}, {"overdue", c.count("overdue") ? c.at("overdue") : 0},
                     {"warning", c.count("warning") ? c.at("warning") : 0}});
    return out;
  };
  std::vector<sync::SupervisionItem> shown(found.items.begin(),
                                           found.items.begin() + std::min(found.items.size(), kMaxCasesShown));
  return json{{"as_of", sync::FormatDate(today)},
              {"by_county", counts(by_county, "division")},
              {"by_township", counts(by_township, "division")},
              {"by_department", counts(by_department, "department")},
              {"cases", sync::SupervisionToJson(shown)},
              {"total", found.items.size()}};
}

}  // namespace

HubDashboard::HubDashboard(HubLedger& ledger, const UpstreamRelay* relay, std::vector<std::string> hosts)
    : ledger_(ledger), relay_(relay), guard_(std::move(hosts)) {}

ui::WebReply HubDashboard::Handle(const ui::WebRequest& r, bool via_front) {
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
  if (r.path == "/api/report.csv") return ReportCsvReply(r, via_front);
  json out;
  auto route = [&](sync::LedgerStore& store) -> Status {
    SILIAN_ASSIGN_OR_RETURN(out, Route(r, store, via_front));
    return Status::Ok();
  };
  // Only a login or a logout writes (a staff session lives in the ledger); every other call reads the last
  // commit without the writer's lock, so the pages answer while the hub imports.
  const bool writes = r.method == "POST" && (r.path == "/api/login" || r.path == "/api/logout");
  Status done = writes ? ledger_.WithStore(route) : ledger_.WithReadStore(route);
  if (!done.ok()) return ReplyFor(done);
  return ui::JsonReply(200, out);
}

ui::WebReply HubDashboard::ReportCsvReply(const ui::WebRequest& r, bool via_front) {
  if (r.method != "GET") return ui::ErrorReply(405, "method_not_allowed", "use GET for " + Quote(r.path));
  std::string csv;
  Status done = ledger_.WithReadStore([&](sync::LedgerStore& store) -> Status {
    SILIAN_RETURN_IF_ERROR(Session(r, store, via_front).status());
    ReportCommandOptions o = ReportQuery(r);
    o.format = "csv";
    o.excel = true;
    SILIAN_RETURN_IF_ERROR(CheckReportCommand(o));
    SILIAN_ASSIGN_OR_RETURN(std::vector<ReportResult> reports, ComputeReports(store, {o}));
    csv = ReportCsv(reports.front(), true);
    return Status::Ok();
  });
  if (!done.ok()) return ReplyFor(done);
  ui::WebReply reply{200, "text/csv; charset=utf-8", std::move(csv), {}};
  reply.headers.emplace_back("Content-Disposition", "attachment; filename=\"silian-report.csv\"");
  reply.headers.emplace_back("Cache-Control", "no-store");
  reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return reply;
}

Result<ui::UiSession> HubDashboard::Session(const ui::WebRequest& r, sync::LedgerStore& store, bool via_front) {
  SILIAN_ASSIGN_OR_RETURN(ui::UiSession s, sessions_.Resolve(store, r.token, NowMs()));
  if (!via_front) return s;
  if (!s.staff)
    return PermissionDenied(std::string(ui::kLoginRequired) +
                           "through the front the dashboard needs a staff login with the supervisor role");
  SILIAN_RETURN_IF_ERROR(CheckSupervisor(store, s.actor));
  return s;
}

Result<json> HubDashboard::Route(const ui::WebRequest& r, sync::LedgerStore& store, bool via_front) {
  if (r.path == "/api/session" && r.method == "GET") {
    SILIAN_ASSIGN_OR_RETURN(bool staffed, store.StaffRequired());
    json out = {{"node", store.config().node_id.value}, {"level", sync::LevelName(store.config().level)},
                {"division", store.config().division.value}, {"staff_required", staffed || via_front},
                {"via_front", via_front}, {"session", nullptr}};
    auto s = Session(r, store, via_front);
    if (s.ok()) out["session"] = {{"actor", s->actor}, {"staff", s->staff}};
    return out;
  }
  if (r.path == "/api/login" && r.method == "POST") {
    SILIAN_ASSIGN_OR_RETURN(json body, ui::ParseJsonBody(r));
    if (via_front) {
      SILIAN_ASSIGN_OR_RETURN(bool staffed, store.StaffRequired());
      if (!staffed)
        return PermissionDenied("through the front the dashboard needs a staff login with the supervisor role, and "
                                "this hub has no staff accounts (silian-hub staff add); use it on the hub's own "
                                "machine");
      if (!body.contains("staff_id"))
        return PermissionDenied("through the front the dashboard needs a staff login with the supervisor role, not "
                                "a free-text actor");
      // The role is checked before the login is written: a refused login leaves no session behind.
      SILIAN_RETURN_IF_ERROR(CheckSupervisor(store, body.value("staff_id", "")));
    }
    SILIAN_ASSIGN_OR_RETURN(auto login, sessions_.Login(store, body, NowMs()));
    return json{{"token", login.first}, {"actor", login.second.actor}, {"staff", login.second.staff}};
  }
  if (r.path == "/api/logout" && r.method == "POST") {
    SILIAN_RETURN_IF_ERROR(sessions_.Logout(store, r.token));
    return json{{"logged_out", true}};
  }
  SILIAN_RETURN_IF_ERROR(Session(r, store, via_front).status());
  if (r.path == "/api/network" && r.method == "GET") return Network(store);
  if (r.path == "/api/overdue" && r.method == "GET") return Overdue(store);
  if (r.path == "/api/report" && r.method == "GET") return Report(r, store);
  if (r.path == "/api/names" && r.method == "GET") return Names(store);
  if (r.path == "/api/trend" && r.method == "GET") return Trend(r, store);
  if (r.path == "/api/dashboard" && r.method == "GET") return FirstPage(r, store);
  if (r.path.rfind("/api/cases/", 0) == 0 && r.method == "GET") return ShowCase(r.path.substr(11), store);
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
  return OverdueJson(found, today);
}

Result<json> HubDashboard::Report(const ui::WebRequest& r, sync::LedgerStore& store) {
  SILIAN_ASSIGN_OR_RETURN(ReportCommandOptions o, CheckedReportQuery(r));
  SILIAN_ASSIGN_OR_RETURN(std::vector<ReportResult> reports, ComputeReports(store, {o}));
  return ReportJson(reports.front());
}

Result<json> HubDashboard::Trend(const ui::WebRequest& r, sync::LedgerStore& store) {
  const sync::Date today = console::Today();
  SILIAN_ASSIGN_OR_RETURN(std::vector<ReportCommandOptions> periods, TrendPeriods(r, today));
  SILIAN_ASSIGN_OR_RETURN(std::vector<ReportResult> reports, ComputeReports(store, periods));
  return TrendJson(reports, today);
}

Result<json> HubDashboard::FirstPage(const ui::WebRequest& r, sync::LedgerStore& store) {
  const sync::Date today = console::Today();
  SILIAN_ASSIGN_OR_RETURN(int rectification_wd, RectificationDays(store, std::nullopt));
  SILIAN_ASSIGN_OR_RETURN(std::vector<ReportCommandOptions> periods, TrendPeriods(r, today));
  SILIAN_ASSIGN_OR_RETURN(ReportCommandOptions report, CheckedReportQuery(r));
  periods.push_back(report);
  SILIAN_ASSIGN_OR_RETURN(std::vector<sync::ReportOptions> options, ReportOptionsFor(store, periods));
  SILIAN_ASSIGN_OR_RETURN(AreaAnswers answers, AnswerArea(store, store.scope(),
                                                          SupervisionAsk{today, 1, rectification_wd}, options));
  json report_json = ReportJson(answers.reports.back());
  answers.reports.pop_back();
  return json{{"overdue", OverdueJson(answers.supervision, today)},
              {"trend", TrendJson(answers.reports, today)},
              {"report", std::move(report_json)}};
}

Result<json> HubDashboard::Names(sync::LedgerStore& store) {
  SILIAN_ASSIGN_OR_RETURN(std::vector<pb::Item> items, store.CatalogItems(false));
  json names = json::object();
  for (const auto& [division, name] : DivisionNames(items)) names[division] = name;
  return json{{"names", names}};
}

Result<json> HubDashboard::ShowCase(const std::string& ref, sync::LedgerStore& store) {
  SILIAN_ASSIGN_OR_RETURN(json view, console::ShowCaseAsOf(store, ref, console::Today()));
  return json{{"view", view}, {"text", console::RenderCase(view)}};
}

}  // namespace silian::hub
