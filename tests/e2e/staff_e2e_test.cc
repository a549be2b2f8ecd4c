// Staff accounts, logins and roles end to end (issue 10, item 4; docs/architecture.md, "Staff and roles"):
// a county hub publishes accounts with `silian-hub staff add`, a village laptop syncs them, staff log in
// with `silian-node login`, and what they author is checked against their roles, at the node and again at
// the hub; logins, failed logins and role refusals reach the hub's audit.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/hub_harness.h"
#include "support/process.h"
#include "support/programs.h"
#include "support/staff.h"
#include "support/test_util.h"

namespace silian::e2e {
namespace {

using nlohmann::json;
using namespace test;  // the support library

const std::string kCatalogFile = SourceFile("reference/catalog.json");
constexpr const char* kVillageItem = "54152222MEA0Q7K6766200169100100";  // reference/catalog.json, village level

// A county hub serving with its catalogue, a village laptop "v1" registered there, and accounts: agent
// "ag1" and approver "ap1" at v1. The laptop has synced (it holds the accounts).
struct StaffedVillage {
  TempDir dir;
  std::string hub_db = dir.File("county.db"), node_db = dir.File("v1.db"), sessions = dir.File("sessions");
  HubProcess hub{"county hub", hub_db, dir.File("county.log")};

  StaffedVillage() {
    InitHub(hub_db, "county-1", "county", kCounty, {{"v1", "village", kVillage}});
    RunOk(AdminBin(), {"--db", hub_db, "catalog", "import", kCatalogFile});
    // The node's key is registered before accounts are published for it (a registered node).
    RunOk(NodeBin(), {"--db", node_db, "init", "--node-id", "v1", "--level", "village", "--division", kVillage});
    RegisterKey(hub_db, node_db);
    AddStaffAtHub(hub_db, "ag1", "v1", {"agent"});
    AddStaffAtHub(hub_db, "ap1", "v1", {"clerk", "approver"});
    hub.Start();
    RunOk(NodeBin(), {"--db", node_db, "config", "set", "hub", hub.url()});
    Sync();
  }
  void Sync() const { RunOk(NodeBin(), {"--db", node_db, "sync"}); }
  ProcessResult Node(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--db", node_db});
    return RunProgram(NodeBin(), args, StaffEnv(sessions));
  }
  json NodeJson(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--db", node_db, "--json"});
    return RunJson(NodeBin(), args, StaffEnv(sessions));
  }
  void Login(const std::string& staff) const {
    ProcessResult r = LoginAtNode(NodeBin(), node_db, staff, sessions);
    INFO(Describe(r));
    REQUIRE(r.exit_code == 0);
  }
  uint64_t OpCount() const { return NodeJson({"status"}).at("op_count").get<uint64_t>(); }
  std::string NewCase() const {
    return NodeJson({"case", "new", "--item", kVillageItem, "--applicant-name", "巴特尔", "--applicant-id",
                     ResidentId(3)})
        .at("case_id");
  }
  json HubAudit() const { return RunJson(HubBin(), {"--db", hub_db, "--json", "audit"}); }
};

bool AuditHas(const json& audit, const std::string& event, const std::string& staff) {
  for (const auto& r : audit)
    if (r.at("event") == event && r.at("staff_id") == staff) return true;
  return false;
}

TEST_CASE("Staff: staff add refuses a passphrase under 10 characters, naming the staff id, and publishes nothing",
          "[e2e][staff]") {
  TempDir dir;
  const std::string hub_db = dir.File("county.db");
  InitHub(hub_db, "county-1", "county", kCounty, {{"v1", "village", kVillage}});
  ProcessResult weak = RunProgram(
      HubBin(), {"--db", hub_db, "staff", "add", "ag1", "--name", "Li", "--node", "v1", "--role", "agent", "--passphrase-stdin"},
      {}, "short\n");
  RequireRefused(weak, "silian-hub", {"\"ag1\"", "at least 10"});
  ProcessResult bad_role = RunProgram(
      HubBin(), {"--db", hub_db, "staff", "add", "ag1", "--name", "Li", "--node", "v1", "--role", "boss", "--passphrase-stdin"},
      {}, std::string(kStaffPassphrase) + "\n");
  RequireRefused(bad_role, "silian-hub", {"\"boss\""});
  CHECK(RunJson(HubBin(), {"--db", hub_db, "--json", "staff", "list"}).empty());
}

TEST_CASE("Staff: a wrong passphrase is refused with exit 2 naming the staff id, and only its audit record is written",
          "[e2e][staff]") {
  StaffedVillage v;
  const uint64_t before = v.OpCount();
  ProcessResult wrong = LoginAtNode(NodeBin(), v.node_db, "ag1", v.sessions, "not the passphrase");
  RequireRefused(wrong, "silian-node", {"wrong passphrase", "\"ag1\""});
  CHECK(v.OpCount() == before + 1);  // the login_failed audit op, nothing else
  RequireRefused(v.Node({"whoami"}), "silian-node", {"no staff member is logged in"});
  v.Sync();
  CHECK(AuditHas(v.HubAudit(), "login_failed", "ag1"));
}

TEST_CASE("Staff: at a node with staff accounts the op's actor is the staff member logged in, and --actor is refused",
          "[e2e][staff]") {
  StaffedVillage v;
  RequireRefused(v.Node({"case", "new", "--item", kVillageItem, "--applicant-name", "A", "--applicant-id", ResidentId(1)}),
                 "silian-node", {"no staff member is logged in"});
  v.Login("ag1");
  CHECK(v.NodeJson({"whoami"}).at("staff_id") == "ag1");
  RequireRefused(v.Node({"case", "new", "--item", kVillageItem, "--applicant-name", "A", "--applicant-id",
                         ResidentId(1), "--actor", "ap1"}),
                 "silian-node", {"\"ap1\"", "staff accounts"});
  const std::string case_id = v.NewCase();
  json shown = v.NodeJson({"case", "show", case_id});
  CHECK(shown.at("history").at(0).at("actor") == "ag1");
}

TEST_CASE("Staff: an agent cannot accept (exit 2 naming staff, role and action), an approver can, and the refusal is audited at the hub",
          "[e2e][staff]") {
  StaffedVillage v;
  v.Login("ag1");
  const std::string case_id = v.NewCase();
  REQUIRE(v.Node({"case", "act", case_id, "receive"}).exit_code == 0);
  const uint64_t before = v.OpCount();
  RequireRefused(v.Node({"case", "act", case_id, "accept"}), "silian-node", {"\"ag1\"", "agent", "\"accept\""});
  CHECK(v.OpCount() == before + 1);  // the role_refused audit op only
  CHECK(v.NodeJson({"case", "show", case_id}).at("status") == "received");
  REQUIRE(v.Node({"logout"}).exit_code == 0);
  v.Login("ap1");
  REQUIRE(v.Node({"case", "act", case_id, "accept"}).exit_code == 0);
  CHECK(v.NodeJson({"case", "show", case_id}).at("status") == "accepted");
  v.Sync();
  json audit = v.HubAudit();
  INFO(audit.dump(1));
  CHECK(AuditHas(audit, "role_refused", "ag1"));
  CHECK(AuditHas(audit, "login", "ap1"));
  CHECK(AuditHas(audit, "logout", "ag1"));
  // The hub applied the approver's accept: its projection judged the actor as the node's did.
  json at_hub = RunJson(HubBin(), {"--db", v.hub_db, "--json", "case", "show", case_id});
  CHECK(at_hub.at("status") == "accepted");
}

TEST_CASE("Staff: a session is refused once the account is disabled at the hub and the node has synced",
          "[e2e][staff]") {
  StaffedVillage v;
  v.Login("ag1");
  const std::string case_id = v.NewCase();
  RunOk(HubBin(), {"--db", v.hub_db, "staff", "disable", "ag1"});
  v.Sync();
  RequireRefused(v.Node({"case", "note", case_id, "a note"}), "silian-node", {"\"ag1\"", "disabled"});
  RequireRefused(LoginAtNode(NodeBin(), v.node_db, "ag1", v.sessions), "silian-node", {"\"ag1\"", "disabled"});
  // The case it received before it was disabled stands, here and at the hub.
  CHECK_FALSE(v.NodeJson({"case", "show", case_id}).contains("refused"));
  CHECK_FALSE(RunJson(HubBin(), {"--db", v.hub_db, "--json", "case", "show", case_id}).contains("refused"));
}

TEST_CASE("Staff: a session is refused after its expiry", "[e2e][staff]") {
  StaffedVillage v;
  ProcessResult r = LoginAtNode(NodeBin(), v.node_db, "ag1", v.sessions, kStaffPassphrase, {"--hours", "0.0003"});
  REQUIRE(r.exit_code == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  RequireRefused(v.Node({"whoami"}), "silian-node", {"\"ag1\"", "expired"});
}

TEST_CASE("Staff: ops a laptop wrote before it held the accounts, under an actor without the role, are refused by the hub's projection and kept",
          "[e2e][staff]") {
  TempDir dir;
  const std::string hub_db = dir.File("county.db"), node_db = dir.File("v1.db");
  InitHub(hub_db, "county-1", "county", kCounty, {{"v1", "village", kVillage}});
  RunOk(AdminBin(), {"--db", hub_db, "catalog", "import", kCatalogFile});
  HubProcess hub("county hub", hub_db, dir.File("county.log"));
  hub.Start();
  RunOk(NodeBin(), {"--db", node_db, "init", "--node-id", "v1", "--level", "village", "--division", kVillage, "--hub", hub.url()});
  RegisterKey(hub_db, node_db);
  RunOk(NodeBin(), {"--db", node_db, "sync"});  // the catalogue, no accounts yet: bootstrap actors
  const std::string case_id = RunJson(NodeBin(), {"--db", node_db, "--json", "case", "new", "--item", kVillageItem,
                                                  "--applicant-name", "A", "--applicant-id", ResidentId(5), "--actor", "ag1"})
                                  .at("case_id");
  RunOk(NodeBin(), {"--db", node_db, "case", "act", case_id, "receive", "--actor", "ag1"});
  const std::string accept = Trim(RunOk(NodeBin(), {"--db", node_db, "case", "act", case_id, "accept", "--actor", "ag1"}));
  hub.Terminate();
  AddStaffAtHub(hub_db, "ag1", "v1", {"agent"});
  hub.Start();
  RunOk(NodeBin(), {"--db", node_db, "sync"});
  for (const std::string& db : {hub_db, node_db}) {
    json shown = RunJson(db == hub_db ? HubBin() : NodeBin(), {"--db", db, "--json", "case", "show", case_id});
    INFO(db << ": " << shown.dump(1));
    CHECK(shown.at("status") == "received");
    REQUIRE(shown.contains("refused"));
    CHECK(shown.at("refused").at(0).at("op") == accept);
    CHECK_THAT(shown.at("refused").at(0).at("rule").get<std::string>(),
               Catch::Contains("\"ag1\"") && Catch::Contains("agent") && Catch::Contains("\"accept\""));
  }
}

TEST_CASE("Staff: a hub's clerk commands need a login once the hub has staff accounts of its own", "[e2e][staff]") {
  TempDir dir;
  const std::string hub_db = dir.File("county.db"), sessions = dir.File("sessions");
  InitHub(hub_db, "county-1", "county", kCounty, {});
  RunOk(AdminBin(), {"--db", hub_db, "catalog", "import", kCatalogFile});
  const std::vector<std::string> case_new = {"--db", hub_db, "--json", "case", "new", "--item", kVillageItem,
                                             "--applicant-name", "A", "--applicant-id", ResidentId(9)};
  AddStaffAtHub(hub_db, "cc1", "county-1", {"clerk"});
  RequireRefused(RunProgram(HubBin(), case_new, StaffEnv(sessions)), "silian-hub", {"no staff member is logged in"});
  ProcessResult login = LoginAtNode(HubBin(), hub_db, "cc1", sessions);
  INFO(Describe(login));
  REQUIRE(login.exit_code == 0);
  const std::string case_id = RunJson(HubBin(), case_new, StaffEnv(sessions)).at("case_id");
  json shown = RunJson(HubBin(), {"--db", hub_db, "--json", "case", "show", case_id});
  CHECK(shown.at("history").at(0).at("actor") == "cc1");
  json audit = RunJson(HubBin(), {"--db", hub_db, "--json", "audit"});
  CHECK(AuditHas(audit, "login", "cc1"));
}

}  // namespace
}  // namespace silian::e2e
