// The city's and county's dashboard API (hub/ui_dashboard.h) on an in-process hub ledger: overdue cases
// counted under the county and the township of their division, and a child that never synced shown
// offline. Cases are accepted on 2026-01-01 (the replicas' hand-set clocks), so by today their clocks ran out.
#include <catch2/catch.hpp>

#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "console/support.h"
#include "domain/workflow.h"
#include "hub/hub_ledger.h"
#include "hub/ui_dashboard.h"
#include "support/files.h"
#include "support/ledger.h"
#include "support/status.h"

namespace silian::hub {
namespace {

using nlohmann::json;
using sync::Action;
using sync::Level;
using test::MakeReplica;
using test::NodeAt;

constexpr const char* kOtherTownshipVillage = "152222105001";

ui::WebRequest Call(const std::string& method, const std::string& path, const std::string& token,
                    const std::string& body = "") {
  ui::WebRequest r;
  r.method = method;
  r.path = path;
  r.host = "127.0.0.1:8701";
  r.origin = "http://127.0.0.1:8701";
  r.token = token;
  r.content_type = "application/json";
  r.body = body;
  return r;
}

// Registers, receives and accepts case n of `village`; returns its case id.
std::string AcceptedCase(sync::LedgerStore& village, uint32_t n) {
  auto c = SILIAN_TAKE(village.CreateCase(test::SampleCase(n)));
  SILIAN_TAKE(village.Act(c.case_id.value, Action::kReceive, "", "agent-1"));
  SILIAN_TAKE(village.Act(c.case_id.value, Action::kAccept, "", "agent-1"));
  return c.case_id.value;
}

// A county hub over two villages of different townships.
struct TwoTownships {
  test::TempDir dir{test::TempDir::Where::kMemory};
  test::Replica v1 = MakeReplica(dir, NodeAt("gacha200", Level::kVillage, test::kVillage));
  test::Replica v2 = MakeReplica(dir, NodeAt("gacha001", Level::kVillage, kOtherTownshipVillage));
  test::Replica county = test::MakeCountyFor(dir, {v1.store.get(), v2.store.get()});
};

TEST_CASE("HubDashboard: overdue cases are counted under their county and township, and a silent child is offline",
          "[ui][hub]") {
  TwoTownships net;
  test::Replica &v1 = net.v1, &v2 = net.v2, &county = net.county;
  AcceptedCase(*v1, 1);
  AcceptedCase(*v1, 2);
  AcceptedCase(*v2, 3);
  test::Exchange(*v1, *county);
  test::Exchange(*v2, *county);

  HubLedger ledger(std::move(county.store));
  HubDashboard dashboard(ledger, nullptr, ui::OriginGuard::LoopbackHosts(8701));
  CHECK(dashboard.Handle(Call("GET", "/api/overdue", "")).status == 401);
  ui::WebReply login = dashboard.Handle(Call("POST", "/api/login", "", R"({"actor": "督查员"})"));
  REQUIRE(login.status == 200);
  const std::string token = json::parse(login.body).at("token");

  ui::WebReply reply = dashboard.Handle(Call("GET", "/api/overdue", token));
  REQUIRE(reply.status == 200);
  json overdue = json::parse(reply.body);
  INFO(overdue.dump(1));
  REQUIRE(overdue.at("by_county").size() == 1);
  CHECK(overdue["by_county"][0]["division"] == "152222");
  REQUIRE(overdue.at("by_township").size() == 2);
  CHECK(overdue["by_township"][0]["division"] == "152222104");
  CHECK(overdue["by_township"][1]["division"] == "152222105");
  // Each case has two clocks (legal and promised), each overdue.
  CHECK(overdue["by_township"][0]["overdue"] == 4);
  CHECK(overdue["by_township"][1]["overdue"] == 2);
  CHECK(overdue["by_county"][0]["overdue"] == 6);

  json network = json::parse(dashboard.Handle(Call("GET", "/api/network", token)).body);
  REQUIRE(network.at("children").size() == 2);  // the villages the county registered
  for (const auto& child : network["children"]) CHECK(child["offline"] == true);  // never in contact
  CHECK(network["registered"].size() == 2);

  ui::WebReply foreign = dashboard.Handle([&] {
    auto r = Call("GET", "/api/network", token);
    r.origin = "http://attacker.example";
    return r;
  }());
  CHECK(foreign.status == 403);
}

// A county hub with two overdue cases of one village, behind a dashboard, and a bootstrap session.
struct DashboardRig {
  test::TempDir dir{test::TempDir::Where::kMemory};
  test::Replica village = MakeReplica(dir, NodeAt("gacha200", Level::kVillage, test::kVillage));
  test::Replica county = test::MakeCountyFor(dir, {village.store.get()});
  std::string first = AcceptedCase(*village, 1);
  std::string second = AcceptedCase(*village, 2);
  std::unique_ptr<HubLedger> ledger;
  std::unique_ptr<HubDashboard> dashboard;
  std::string token;

  DashboardRig() {
    test::Exchange(*village, *county);
    ledger = std::make_unique<HubLedger>(std::move(county.store));
    dashboard = std::make_unique<HubDashboard>(*ledger, nullptr, ui::OriginGuard::LoopbackHosts(8701));
    token = json::parse(dashboard->Handle(Call("POST", "/api/login", "", R"({"actor": "督查员"})")).body).at("token");
  }
  ui::WebReply Get(const std::string& path, const std::map<std::string, std::string>& query = {}) {
    auto r = Call("GET", path, token);
    r.query = query;
    return dashboard->Handle(r);
  }
};

TEST_CASE("HubDashboard: the report, its CSV and the monthly trend come from the hub's report", "[ui][hub]") {
  DashboardRig rig;
  ui::WebReply report = rig.Get("/api/report", {{"from", "2026-01-01"}, {"to", "2026-01-31"}, {"by", "township"}});
  REQUIRE(report.status == 200);
  json r = json::parse(report.body);
  CHECK(r.at("total").at("received") == 2);
  CHECK(r.at("total").at("accepted") == 2);
  REQUIRE(r.at("rows").size() == 1);
  CHECK(r["rows"][0]["group"] == "152222104");

  ui::WebReply csv = rig.Get("/api/report.csv", {{"from", "2026-01-01"}, {"to", "2026-01-31"}, {"by", "township"}});
  REQUIRE(csv.status == 200);
  CHECK(csv.content_type.rfind("text/csv", 0) == 0);
  CHECK(csv.body.rfind("\xEF\xBB\xBF", 0) == 0);
  CHECK(csv.body.find("152222104") != std::string::npos);
  CHECK(rig.dashboard->Handle(Call("GET", "/api/report.csv", "")).status == 401);

  ui::WebReply bad = rig.Get("/api/report", {{"from", "2026-13-01"}, {"to", "2026-01-31"}});
  CHECK(bad.status == 400);
  CHECK_THAT(json::parse(bad.body).at("message").get<std::string>(), Catch::Contains("--from"));
  bad = rig.Get("/api/report", {{"from", "2026-01-01"}, {"to", "2026-01-31"}, {"by", "colour"}});
  CHECK(bad.status == 400);
  CHECK_THAT(json::parse(bad.body).at("message").get<std::string>(), Catch::Contains("colour"));

  ui::WebReply trend = rig.Get("/api/trend", {{"months", "3"}});
  REQUIRE(trend.status == 200);
  CHECK(json::parse(trend.body).at("months").size() == 3);
  CHECK(rig.Get("/api/trend").status == 200);
  CHECK(json::parse(rig.Get("/api/trend").body).at("months").size() == 12);
  for (const char* months : {"0", "37", "x", "-1", "999"}) {
    CAPTURE(months);
    ui::WebReply refused = rig.Get("/api/trend", {{"months", months}});
    CHECK(refused.status == 400);
    CHECK_THAT(json::parse(refused.body).at("message").get<std::string>(), Catch::Contains(months));
  }
}

TEST_CASE("HubDashboard: the first page's one call answers what the overdue, trend and report calls answer",
          "[ui][hub]") {
  // Enough cases in two townships that the pass hands views to several workers (domain/view_scan.h).
  TwoTownships net;
  test::Replica &v1 = net.v1, &v2 = net.v2, &county = net.county;
  for (uint32_t n = 1; n <= 90; ++n) {
    if (n % 4 == 0) {
      SILIAN_TAKE((n % 8 == 0 ? *v1 : *v2).CreateCase(test::SampleCase(n)));  // a draft: not watched
    } else {
      AcceptedCase(n % 2 == 0 ? *v1 : *v2, n);
    }
  }
  test::Exchange(*v1, *county);
  test::Exchange(*v2, *county);

  // What supervision finds over the watched cases one by one, on one thread, in case id order.
  std::vector<std::pair<std::string, std::string>> expected;
  const sync::WorkingCalendar calendar = SILIAN_TAKE(county.store->CalendarFor(county.store->scope()));
  SILIAN_REQUIRE_OK(county.store->ForEachWatchedCaseView(county.store->scope(), [&](const json& view) {
    for (const auto& item : sync::Supervise(view, calendar, console::Today()))
      expected.emplace_back(item.case_id, item.problem + "/" + item.clock);
    return Status::Ok();
  }));
  REQUIRE(expected.size() > 100);

  HubLedger ledger(std::move(county.store));
  HubDashboard dashboard(ledger, nullptr, ui::OriginGuard::LoopbackHosts(8701));
  const std::string token =
      json::parse(dashboard.Handle(Call("POST", "/api/login", "", R"({"actor": "督查员"})")).body).at("token");
  auto get = [&](const std::string& path, const std::map<std::string, std::string>& query) {
    auto r = Call("GET", path, token);
    r.query = query;
    ui::WebReply reply = dashboard.Handle(r);
    INFO(path << " " << reply.body);
    REQUIRE(reply.status == 200);
    return json::parse(reply.body);
  };
  const std::map<std::string, std::string> report_query = {{"from", "2026-01-01"}, {"to", "2026-12-31"}, {"by", "township"}};
  std::map<std::string, std::string> first_query = report_query;
  first_query["months"] = "6";
  const json first = get("/api/dashboard", first_query);
  const json overdue = get("/api/overdue", {});
  CHECK(first.at("overdue") == overdue);
  CHECK(first.at("trend") == get("/api/trend", {{"months", "6"}}));
  CHECK(first.at("report") == get("/api/report", report_query));
  CHECK(first["report"]["rows"].size() == 2);
  CHECK(first["trend"]["months"].size() == 6);

  std::vector<std::pair<std::string, std::string>> shown;
  for (const auto& c : overdue.at("cases")) shown.emplace_back(c.at("case_id"), c.at("problem").get<std::string>() + "/" + c.at("clock").get<std::string>());
  CHECK(shown == expected);
  CHECK(overdue.at("total") == expected.size());

  // Bad values are refused as the separate calls refuse them, naming the value.
  auto bad = [&](std::map<std::string, std::string> query, const char* named) {
    auto r = Call("GET", "/api/dashboard", token);
    r.query = std::move(query);
    ui::WebReply reply = dashboard.Handle(r);
    CHECK(reply.status == 400);
    CHECK_THAT(json::parse(reply.body).at("message").get<std::string>(), Catch::Contains(named));
  };
  bad({{"months", "37"}, {"from", "2026-01-01"}, {"to", "2026-12-31"}}, "37");
  bad({{"from", "2026-13-01"}, {"to", "2026-12-31"}}, "--from");
  bad({{"from", "2026-01-01"}, {"to", "2026-12-31"}, {"by", "colour"}}, "colour");
  CHECK(dashboard.Handle(Call("GET", "/api/dashboard", "")).status == 401);
}

TEST_CASE("HubDashboard: the drill-down shows a case as `case show` does, read-only", "[ui][hub]") {
  DashboardRig rig;
  ui::WebReply shown = rig.Get("/api/cases/" + rig.first);
  REQUIRE(shown.status == 200);
  json c = json::parse(shown.body);
  CHECK(c.at("view").at("case_id") == rig.first);
  CHECK(c.at("view").contains("history"));
  CHECK(c.at("view").contains("clocks"));
  CHECK_THAT(c.at("text").get<std::string>(), Catch::Contains(c["view"]["case_number"].get<std::string>()));
  CHECK(rig.Get("/api/cases/no-such-case").status == 404);
  CHECK(rig.dashboard->Handle(Call("POST", "/api/cases/" + rig.first, rig.token, "{}")).status == 404);
}

TEST_CASE("HubDashboard: overdue cases are also counted by the department that answers for them", "[ui][hub]") {
  DashboardRig rig;
  json overdue = json::parse(rig.Get("/api/overdue").body);
  INFO(overdue.dump(1));
  REQUIRE(overdue.at("by_department").size() == 1);
  CHECK(overdue["by_department"][0]["overdue"] == 4);  // two cases, two clocks each
}

TEST_CASE("HubDashboard: through the front only a supervisor's staff session is answered", "[ui][hub]") {
  DashboardRig rig;
  auto via = [&](ui::WebRequest r) { return rig.dashboard->Handle(r, true); };
  // The bootstrap session made on the hub's machine does not count through the front.
  CHECK(via(Call("GET", "/api/network", rig.token)).status == 401);
  ui::WebReply login = via(Call("POST", "/api/login", "", R"({"actor": "督查员"})"));
  CHECK(login.status == 403);
  CHECK_THAT(json::parse(login.body).at("message").get<std::string>(), Catch::Contains("supervisor"));
  json session = json::parse(via(Call("GET", "/api/session", "")).body);
  CHECK(session.at("via_front") == true);
  CHECK(session.at("staff_required") == true);
}

TEST_CASE("HubDashboard: divisions are named by the governments that implement items there", "[ui][hub]") {
  pb::Item a;
  auto* i = a.add_implementations();
  i->set_division("152222104");
  i->set_lead_department("巴彦淖尔苏木人民政府");
  i = a.add_implementations();
  i->set_division("152222105");
  i->set_lead_department("某苏木卫生院");  // not a government: names nothing
  pb::Item b;
  i = b.add_implementations();
  i->set_division("152222");
  i->set_lead_department("科尔沁右翼中旗人民政府");
  auto names = DivisionNames({a, b});
  CHECK(names == std::map<std::string, std::string>{{"152222", "科尔沁右翼中旗"}, {"152222104", "巴彦淖尔苏木"}});
  CHECK(DivisionNames({}).empty());
}

}  // namespace
}  // namespace silian::hub
