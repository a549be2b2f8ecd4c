// End to end, the service-centre workflow with real programs on loopback: silian-hub serving, silian-node
// and silian-admin run as an operator would, and a stand-in SMS gateway (a cpprestsdk listener in this
// process) that receives the hub's notices. A few requests a real node never sends are made in process
// with the client's own pieces (a village publishing reference data).
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "domain/catalog.h"
#include "domain/store.h"
#include "net/protocol.h"
#include "support/http_client.h"
#include "support/hub_harness.h"
#include "support/process.h"
#include "support/programs.h"
#include "support/sms_gateway.h"
#include "support/staff.h"
#include "support/sync_requests.h"
#include "support/test_util.h"
#include "support/wait.h"

namespace silian::e2e {
namespace {

using nlohmann::json;
using sync::LedgerStore;
using sync::Level;
using namespace test;  // the support library: hubs, programs, the SMS gateway, replicas

const std::string kCatalogFile = SourceFile("reference/catalog.json");

// From reference/catalog.json.
constexpr const char* kTownshipItem = "1115222201158101515000139500100";  // 农村宅基地用地审批, township
constexpr const char* kCountyItem = "11152222MA0Q7K4C7F4000043300100";    // 个体工商户设立登记, county
constexpr const char* kPhone = "13912345678";

// `silian-node init`, and the node's key registered at each hub of `hub_dbs` that lets it sync.
void InitNode(const std::string& db, const std::string& id, const std::string& level, const std::string& division,
              const std::string& hub_url, const std::vector<std::string>& hub_dbs) {
  RunOk(NodeBin(), {"--db", db, "init", "--node-id", id, "--level", level, "--division", division, "--hub", hub_url});
  for (const auto& hub_db : hub_dbs) RegisterKey(hub_db, db);
}

// `silian-node sync --hub URL --json`.
json SyncWith(const std::string& db, const std::string& url) {
  return RunJson(NodeBin(), {"--db", db, "--json", "sync", "--hub", url});
}

size_t CatalogFileItems() {
  json file = json::parse(ReadFile(kCatalogFile));
  return file.at("items").size();
}

size_t NodeCatalogItems(const std::string& db) {
  return RunJson(NodeBin(), {"--db", db, "--json", "catalog", "list"}).at("items").size();
}

// Waits until a hub's /v1/status counts at least `ops` ops.
void WaitForOps(const HubProcess& hub, uint64_t ops) {
  bool reached =
      WaitUntil([&] { return hub.Status().at("op_count").get<uint64_t>() >= ops; }, std::chrono::seconds(20));
  INFO(hub.name() << " status: " << hub.Status().dump() << "\nlog:\n" << hub.log());
  REQUIRE(reached);
}

// ===================================================================================================
// Notices.
//
// A city hub (notify on, an SMS gateway that is busy for its first two requests), a county hub below it,
// and a township node registered at both. The township takes a case of a township-level item through
// receive, request-correction, supply-correction, accept, approve, complete and issue-certificate, syncing
// its ops to the city directly and through the county (whose relay carries them up again), and at the end
// its whole chain is pushed to the city once more, as the county, so every event reaches the city twice.
// The gateway must answer each of the five notices (received, accepted, correction needed, decided, ready
// for collection) 2xx exactly once.

TEST_CASE("E2E: notices reach the SMS gateway exactly once even when the event arrives twice by different paths",
          "[e2e][workflow_e2e][notices]") {
  TempDir dir;
  const std::string city_db = dir.File("city.db"), county_db = dir.File("county.db"), town = dir.File("town.db");
  InitHub(city_db, "city-1522", "city", kCity,
          {{"county-a", "county", kCounty}, {"town-a", "township", kTownship}});
  RunOk(AdminBin(), {"--db", city_db, "catalog", "import", kCatalogFile});
  const std::string sessions = dir.File("sessions");
  SmsGateway gateway;
  gateway.FailFirst(2);  // busy for its first two requests
  const std::string sms_url = gateway.url() + "/sms";
  RunOk(HubBin(), {"--db", city_db, "config", "set", "notify", "on"});
  RunOk(HubBin(), {"--db", city_db, "config", "set", "notify-url", sms_url});
  HubProcess city("city hub", city_db, dir.File("city.log"));
  city.Start();
  INFO("city log:\n" << city.log());
  REQUIRE_THAT(city.log(), Catch::Contains("delivering notices") && Catch::Contains(sms_url));

  InitHub(county_db, "county-a", "county", kCounty, {{"town-a", "township", kTownship}}, city.url());
  RegisterKey(city_db, county_db);
  HubProcess county("county hub", county_db, dir.File("county.log"));
  county.Start({"--sync-interval", "0.5"});

  InitNode(town, "town-a", "township", kTownship, county.url(), {county_db, city_db});
  // The hall's clerk, who takes the case through (docs/architecture.md, "Staff and roles"), published at
  // the city once the hall is registered there.
  AddStaffAtHub(city_db, "clerk-t", "town-a", {"clerk", "approver"});
  json synced = SyncWith(town, city.url());  // the catalogue, straight from the city
  // With the registrations of the city (root), the county, and the hall (by the county, relayed).
  CHECK(synced.at("pulled") >= CatalogFileItems() + 2);
  REQUIRE(NodeCatalogItems(town) == CatalogFileItems());
  {
    ProcessResult login = LoginAtNode(NodeBin(), town, "clerk-t", sessions);
    INFO(Describe(login));
    REQUIRE(login.exit_code == 0);
  }

  json created = RunJson(NodeBin(), {"--db", town, "--json", "case", "new", "--item", kTownshipItem,
                                    "--applicant-name", "巴特尔", "--applicant-id", ResidentId(7), "--phone",
                                    kPhone},
                         StaffEnv(sessions));
  const std::string case_id = created.at("case_id"), case_number = created.at("case_number");
  auto act = [&](const std::vector<std::string>& args) {
    std::vector<std::string> full = {"--db", town, "--json", "case", "act", case_id};
    full.insert(full.end(), args.begin(), args.end());
    return RunJson(NodeBin(), full, StaffEnv(sessions)).at("op").get<std::string>();
  };

  // First leg: through the county (its relay carries the ops to the city), then to the city directly.
  const std::string receive_op = act({"receive"});
  const std::string correction_op = act({"request-correction", "--reason", "缺少建房设计图"});
  SyncWith(town, county.url());
  SyncWith(town, city.url());
  // Second leg: to the city directly first, then through the county.
  act({"supply-correction"});
  const std::string accept_op = act({"accept"});
  SyncWith(town, city.url());
  SyncWith(town, county.url());
  // Third leg: through the county; wait until its relay has carried them up, then sync with the city.
  const std::string approve_op = act({"approve"});
  act({"complete"});
  const std::string certificate_op =
      act({"issue-certificate", "--detail", "certificate_name=农村宅基地批准书", "--detail", "certificate_number=KYZQ-2026-001"});
  SyncWith(town, county.url());
  // The login's audit op, then created, receive, request-correction, supply, accept, approve, complete,
  // certificate.
  const uint64_t town_ops = 9;
  WaitForOps(city, CatalogFileItems() + town_ops);
  SyncWith(town, city.url());

  // Every op of the township once more, as the county would relay it: all already known at the city.
  {
    auto node = OpenLedger(town);
    std::vector<pb::Entry> entries = ExportAll(*node);
    std::vector<pb::Entry> own;
    for (const auto& e : entries) {
      pb::Op op;
      if (e.has_op() && op.ParseFromString(e.op()) && op.origin() == "town-a") own.push_back(e);
    }
    REQUIRE(own.size() == town_ops);
    pb::Frontier county_frontier;  // claims to hold only the township's chain
    const pb::Frontier node_frontier = SILIAN_TAKE(node->GetFrontier());
    for (const auto& f : node_frontier.entries())
      if (f.origin() == "town-a") *county_frontier.add_entries() = f;
    HttpReply r = PostSync(city.url(), RequestAs("county-a", "county", kCounty, county_frontier, own));
    INFO("HTTP " << r.status << " " << r.error << " " << r.body.substr(0, 300));
    REQUIRE(r.status == 200);
    pb::SyncReply reply;
    REQUIRE(reply.ParseFromString(SILIAN_TAKE(sync::DecompressBody(r.body, 64 << 20))));
    CHECK(reply.pushed_new() == 0);
    CHECK(reply.pushed_known() == town_ops);
  }

  const std::map<std::string, std::string> expected = {
      {receive_op + "/received", "received"},
      {accept_op + "/accepted", "accepted"},
      {correction_op + "/correction_needed", "correction_needed"},
      {approve_op + "/decided", "decided"},
      {certificate_op + "/ready_for_collection", "ready_for_collection"},
  };
  auto all_delivered = [&] {
    auto delivered = gateway.Delivered();
    for (const auto& [id, kind] : expected)
      if (delivered.count(id) == 0) return false;
    return true;
  };
  bool delivered_all = WaitUntil(all_delivered, std::chrono::seconds(30));
  // Long enough for another dispatcher pass (1 s) to send a repeat, were there one to send.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto seen = gateway.seen();
  {
    std::string log;
    for (const auto& s : seen) log += std::to_string(s.answered) + " " + s.key + "\n";
    INFO("gateway requests:\n" << log << "city log:\n" << city.log());
    REQUIRE(delivered_all);
  }

  auto delivered = gateway.Delivered();
  CHECK(delivered.size() == expected.size());
  for (const auto& [id, count] : delivered) {
    INFO("notice " << id);
    CHECK(expected.count(id) == 1);
    CHECK(count == 1);
  }
  int busy = 0;
  for (const auto& s : seen) {
    INFO("request for " << s.key << " answered " << s.answered << ": " << s.body);
    CHECK(expected.count(s.key) == 1);
    CHECK_THAT(s.content_type, Catch::StartsWith("application/json"));
    if (s.answered == 503) ++busy;
    json body = json::parse(s.body, nullptr, false);
    REQUIRE(body.is_object());
    CHECK(body.value("id", "") == s.key);
    CHECK(body.value("case_number", "") == case_number);
    CHECK(body.value("phone", "") == kPhone);
    if (expected.count(s.key) == 1) CHECK(body.value("kind", "") == expected.at(s.key));
    CHECK_THAT(body.value("text", ""), Catch::Contains(case_number) && Catch::Contains("农村宅基地用地审批"));
    if (body.value("kind", "") == "correction_needed") CHECK_THAT(body.value("text", ""), Catch::Contains("建房设计图"));
  }
  CHECK(busy == 2);
  CHECK(seen.size() == expected.size() + 2);  // the two 503s were retried, nothing else was repeated

  // The city's outbox, read by a separate process while the hub serves: all five sent. The gateway's
  // 2xx comes a moment before the hub records it, so poll.
  json notices;
  bool all_sent = WaitUntil(
      [&] {
        notices = RunJson(HubBin(), {"--db", city_db, "--json", "notices", "list"});
        if (notices.size() != expected.size()) return false;
        for (const auto& n : notices)
          if (n.at("state") != "sent") return false;
        return true;
      },
      std::chrono::seconds(10));
  INFO("notices list: " << notices.dump(2));
  REQUIRE(all_sent);
  uint64_t attempts = 0;
  for (const auto& n : notices) {
    const std::string id = n.at("id");
    INFO("notice " << id);
    REQUIRE(expected.count(id) == 1);
    CHECK(n.at("kind") == expected.at(id));
    CHECK(n.at("case_number") == case_number);
    CHECK(n.at("case_id") == case_id);
    CHECK(n.at("phone") == "*******5678");
    CHECK(n.at("sent") != "-");
    CHECK_THAT(n.at("text").get<std::string>(), Catch::Contains(case_number));
    attempts += n.at("attempts").get<uint64_t>();
  }
  CHECK(attempts == expected.size() + 2);

  // Only the hub with notify on makes notices.
  CHECK(RunJson(HubBin(), {"--db", county_db, "--json", "notices", "list"}).empty());
  CHECK(county.Terminate() == 0);
  CHECK(city.Terminate() == 0);
}

// ===================================================================================================
// Authority over reference data.

TEST_CASE("E2E: a hub refuses reference data published by a village node with 422 no_authority and stores nothing",
          "[e2e][workflow_e2e][authority]") {
  TempDir dir;
  const std::string county_db = dir.File("county.db");
  InitHub(county_db, "county-a", "county", kCounty,
          {{"vil-a1", "village", kVillage}, {"town-a", "township", kTownship}});
  HubProcess county("county hub", county_db, dir.File("county.log"));
  county.Start();

  // silian-admin refuses to publish into a village ledger in the first place.
  const std::string village_db = dir.File("village.db");
  InitNode(village_db, "vil-a1", "village", kVillage, county.url(), {county_db});
  RegisterTestKey(county_db, "town-a", "township", kTownship);  // a compromised township with valid keys
  const std::string digest_before = RunOk(HubBin(), {"--db", county_db, "digest"});
  ProcessResult admin = RunProgram(AdminBin(), {"--db", village_db, "catalog", "import", kCatalogFile});
  {
    INFO(Describe(admin));
    CHECK(admin.exit_code == 2);
    CHECK_THAT(admin.err, Catch::Contains("village"));
  }

  // A modified program could: ledgers that call themselves vil-a1 and town-a but publish as a county
  // would, with a case op of the village after the item in the same chain.
  const std::string item_json = R"({"format": 1, "items": [{"code": "54152222FORGED0000000000000000001",
      "name": "伪造事项", "exercise_level": "village", "legal_limit": {"value": 5, "unit": "working_days"},
      "promised_limit": {"value": 1, "unit": "working_days"}, "lead_department": "某嘎查村民委员会"}]})";
  auto items = SILIAN_TAKE(sync::ParseCatalogJson(item_json, "forged.json"));
  struct Forger {
    std::string id, level, division;
  };
  for (const Forger& f : {Forger{"vil-a1", "village", kVillage}, Forger{"town-a", "township", kTownship}}) {
    INFO("forged by " << f.id);
    LedgerStore::Options forger_options;
    forger_options.signing_key = TestKeyOf(f.id);
    auto forged = SILIAN_TAKE(LedgerStore::Create(dir.File(f.id + "-forged.db"),
                                                  NodeAt(f.id, Level::kCounty, kCounty), forger_options));
    auto published = SILIAN_TAKE(forged->PublishItems(items, "forger"));
    REQUIRE(published.published.size() == 1);
    sync::NewCase c = SampleCase(1);
    c.item_code = items.front().code();
    c.division = sync::DivisionCode{kVillage};
    static_cast<void>(SILIAN_TAKE(forged->CreateCase(c)));
    std::vector<pb::Entry> entries = ExportAll(*forged);
    REQUIRE(entries.size() == 2);

    HttpReply r =
        PostSync(county.url(), RequestAs(f.id, f.level, f.division, SILIAN_TAKE(forged->GetFrontier()), entries));
    INFO("HTTP " << r.status << " " << r.error << " " << r.body.substr(0, 500));
    REQUIRE(r.status == 422);
    json body = json::parse(r.body, nullptr, false);
    REQUIRE(body.is_object());
    CHECK(body.value("error", "") == "no_authority");
    CHECK_THAT(body.value("message", ""), Catch::Contains(f.id + ":1") && Catch::Contains(f.level) &&
                                              Catch::Contains("only county and city hubs publish"));

    // Nothing of the push is stored, and the refusal is on record for the child.
    json status = county.Status();
    CHECK(status.at("op_count") == 3);  // the hub's registrations: itself (root), vil-a1 and town-a
    bool recorded = false;
    for (const auto& child : status.at("children"))
      if (child.at("node") == f.id)
        recorded = child.at("errors").get<uint64_t>() >= 1 &&
                   child.at("last_error").get<std::string>().find("publishes reference data") != std::string::npos;
    CHECK(recorded);
  }
  CHECK(RunOk(HubBin(), {"--db", county_db, "digest"}) == digest_before);
  CHECK(RunJson(HubBin(), {"--db", county_db, "--json", "catalog", "list"}).at("items").empty());
  CHECK(RunJson(HubBin(), {"--db", county_db, "--json", "case", "list"}).empty());

  // The hub goes on serving: the real village syncs, and holds no catalogue.
  RunOk(NodeBin(), {"--db", village_db, "case", "new", "--item", kCountyItem, "--applicant-name", "Saran",
                 "--applicant-id", ResidentId(2)});
  json synced = SyncWith(village_db, county.url());
  CHECK(synced.at("pushed") == 1);
  CHECK(synced.at("pulled") == 3);  // the registrations of the hub (root), vil-a1 and town-a
  CHECK(NodeCatalogItems(village_db) == 0);
  CHECK(county.Status().at("op_count") == 4);
  CHECK(county.Terminate() == 0);
}

// ===================================================================================================
// The catalogue travelling down.

TEST_CASE("E2E: the catalogue published at the city reaches a village node through its county, and the node then refuses an unknown item code",
          "[e2e][workflow_e2e][catalog]") {
  TempDir dir;
  const std::string city_db = dir.File("city.db"), county_db = dir.File("county.db"), village = dir.File("village.db");
  InitHub(city_db, "city-1522", "city", kCity, {{"county-a", "county", kCounty}});
  json imported = RunJson(AdminBin(), {"--db", city_db, "--json", "catalog", "import", kCatalogFile});
  CHECK(imported.at("published").size() == CatalogFileItems());
  HubProcess city("city hub", city_db, dir.File("city.log"));
  city.Start();
  InitHub(county_db, "county-a", "county", kCounty, {{"vil-a1", "village", kVillage}}, city.url());
  RegisterKey(city_db, county_db);
  HubProcess county("county hub", county_db, dir.File("county.log"));
  county.Start({"--sync-interval", "0.2"});
  WaitForOps(county, CatalogFileItems());  // the relay pulled the city's catalogue

  InitNode(village, "vil-a1", "village", kVillage, county.url(), {county_db});
  json synced = RunJson(NodeBin(), {"--db", village, "--json", "sync"});
  CHECK(synced.at("hub_id") == "county-a");
  // The catalogue's items and the registrations of the city, the county and the village itself.
  CHECK(synced.at("pulled") == CatalogFileItems() + 3);
  CHECK(NodeCatalogItems(village) == CatalogFileItems());
  json item = RunJson(NodeBin(), {"--db", village, "--json", "catalog", "show", kTownshipItem});
  CHECK(item.at("exercise_level") == "township");
  CHECK(item.at("name") == "农村宅基地用地审批");

  // An unknown code is refused by name, and nothing is written.
  ProcessResult unknown = RunProgram(NodeBin(), {"--db", village, "case", "new", "--item", "NOPE", "--applicant-name",
                                                "Saran", "--applicant-id", ResidentId(3)});
  {
    INFO(Describe(unknown));
    CHECK(unknown.exit_code == 2);
    CHECK_THAT(unknown.err, Catch::Contains("NOPE"));
  }
  CHECK(RunJson(NodeBin(), {"--db", village, "--json", "case", "list"}).empty());

  // A county-level item: the village receives it, but may not accept it.
  json created = RunJson(NodeBin(), {"--db", village, "--json", "case", "new", "--item", kCountyItem,
                                    "--applicant-name", "Saran", "--applicant-id", ResidentId(4)});
  const std::string case_number = created.at("case_number");
  RunOk(NodeBin(), {"--db", village, "case", "act", case_number, "receive"});
  ProcessResult accept = RunProgram(NodeBin(), {"--db", village, "case", "act", case_number, "accept"});
  {
    INFO(Describe(accept));
    CHECK(accept.exit_code == 2);
    CHECK_THAT(accept.err, Catch::Contains("exercise level county") && Catch::Contains(kCountyItem));
  }
  json shown = RunJson(NodeBin(), {"--db", village, "--json", "case", "show", case_number});
  CHECK(shown.at("status") == "received");
  RunOk(NodeBin(), {"--db", village, "case", "act", case_number, "forward"});
  CHECK(county.Terminate() == 0);
  CHECK(city.Terminate() == 0);
}

// ===================================================================================================
// Publishing into a serving hub.

TEST_CASE("E2E: silian-admin publishes into a serving hub's ledger and the hub serves it at once",
          "[e2e][workflow_e2e][catalog]") {
  TempDir dir;
  const std::string city_db = dir.File("city.db"), town = dir.File("town.db");
  InitHub(city_db, "city-1522", "city", kCity, {{"town-a", "township", kTownship}});
  RunOk(AdminBin(), {"--db", city_db, "catalog", "import", kCatalogFile});
  HubProcess city("city hub", city_db, dir.File("city.log"));
  city.Start();
  InitNode(town, "town-a", "township", kTownship, city.url(), {city_db});
  // The items, the city's root registration and its registration of town-a.
  CHECK(RunJson(NodeBin(), {"--db", town, "--json", "sync"}).at("pulled") == CatalogFileItems() + 2);

  const std::string code = "1115222201158101515000199900100";
  const std::string extra = dir.File("extra.json");
  {
    std::ofstream out(extra);
    out << R"({"format": 1, "items": [{"code": ")" << code << R"(", "name": "农村饮水安全工程申请",
      "exercise_level": "township", "instant": false,
      "legal_limit": {"value": 10, "unit": "working_days"}, "promised_limit": {"value": 5, "unit": "working_days"},
      "lead_department": "代钦塔拉苏木人民政府",
      "materials": [{"name": "申请表", "form": "original", "count": 1, "optional": false}]}]})";
  }
  const uint64_t ops_before = city.Status().at("op_count");
  // The hub keeps serving meanwhile.
  json imported = RunJson(AdminBin(), {"--db", city_db, "--json", "catalog", "import", extra});
  REQUIRE(imported.at("published").size() == 1);
  CHECK(imported.at("published")[0].at("code") == code);
  CHECK(city.Status().at("op_count") == ops_before + 1);
  CHECK(RunJson(HubBin(), {"--db", city_db, "--json", "catalog", "show", code}).at("version") == 1);

  json synced = RunJson(NodeBin(), {"--db", town, "--json", "sync"});
  CHECK(synced.at("pulled") == 1);
  json item = RunJson(NodeBin(), {"--db", town, "--json", "catalog", "show", code});
  CHECK(item.at("name") == "农村饮水安全工程申请");
  CHECK(item.at("version") == 1);
  CHECK(NodeCatalogItems(town) == CatalogFileItems() + 1);

  // Importing the same file again publishes nothing, and the node has nothing new to pull.
  imported = RunJson(AdminBin(), {"--db", city_db, "--json", "catalog", "import", extra});
  CHECK(imported.at("published").empty());
  CHECK(imported.at("unchanged") == json::array({code}));
  CHECK(city.Status().at("op_count") == ops_before + 1);
  CHECK(RunJson(NodeBin(), {"--db", town, "--json", "sync"}).at("pulled") == 0);

  // The node registers a case of the new item with its terms.
  json created = RunJson(NodeBin(), {"--db", town, "--json", "case", "new", "--item", code, "--applicant-name",
                                    "Saran", "--applicant-id", ResidentId(5)});
  json shown = RunJson(NodeBin(), {"--db", town, "--json", "case", "show", created.at("case_id")});
  INFO(shown.dump());
  CHECK(shown.at("fields").at("item_code").at("value") == code);
  CHECK(shown.at("item").at("name") == "农村饮水安全工程申请");
  CHECK(shown.at("item").at("exercise_level") == "township");
  CHECK(city.Terminate() == 0);
}

}  // namespace
}  // namespace silian::e2e
