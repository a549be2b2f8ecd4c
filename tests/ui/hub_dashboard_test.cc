// The city's and county's dashboard API (hub/ui_dashboard.h) on an in-process hub ledger: overdue cases
// counted under the county and the township of their division, and a child that never synced shown
// offline. Cases are accepted on 2026-01-01 (the replicas' hand-set clocks), so by today their clocks ran out.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

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

TEST_CASE("HubDashboard: overdue cases are counted under their county and township, and a silent child is offline",
          "[ui][hub]") {
  test::TempDir dir{test::TempDir::Where::kMemory};
  test::Replica v1 = MakeReplica(dir, NodeAt("gacha200", Level::kVillage, test::kVillage));
  test::Replica v2 = MakeReplica(dir, NodeAt("gacha001", Level::kVillage, kOtherTownshipVillage));
  test::Replica county = test::MakeCountyFor(dir, {v1.store.get(), v2.store.get()});
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

}  // namespace
}  // namespace silian::hub
