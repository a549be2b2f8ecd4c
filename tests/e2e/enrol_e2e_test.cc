// Enrolment, device numbers, revocation and restored ledgers (issue 10, items 1, 2, 7, 8), against real
// silian-hub and silian-node processes on loopback.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/registry.h"
#include "domain/store.h"
#include "support/files.h"
#include "support/hub_harness.h"
#include "support/ledger.h"
#include "support/process.h"
#include "support/programs.h"
#include "support/seeds.h"
#include "support/status.h"
#include "support/test_util.h"
#include "support/wait.h"

namespace silian::e2e {
namespace {

using nlohmann::json;
using namespace test;  // NOLINT: the support library

constexpr const char* kItem = "11152222MB1234567X-1-001";

// `node add ID` at the hub of `hub_db` without a key: the code and device it prints.
json AddWithCode(const std::string& hub_db, const std::string& id, const std::string& division,
                 const std::string& level = "village", const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"--db", hub_db, "--json", "node", "add", id, "--level", level, "--division", division};
  args.insert(args.end(), extra.begin(), extra.end());
  return RunJson(HubBin(), args);
}

launch::ProcessResult InitEnrol(const std::string& db, const std::string& id, const std::string& division,
                                const std::string& hub_url, const std::string& code) {
  return RunProgram(NodeBin(), {"--db", db, "--json", "init", "--node-id", id, "--level", "village", "--division",
                                division, "--hub", hub_url, "--enrol", code});
}

json CaseNew(const std::string& db, uint32_t n) {
  return RunJson(NodeBin(), {"--db", db, "--json", "case", "new", "--item", kItem, "--applicant-name",
                             "Applicant " + std::to_string(n), "--applicant-id", ResidentId(n)});
}

json NodeRow(const std::string& hub_db, const std::string& id) {
  for (const auto& row : RunJson(HubBin(), {"--db", hub_db, "--json", "node", "list"}))
    if (row.at("node") == id) return row;
  FAIL("node " << id << " is not in the node list of " << hub_db);
  return {};
}

// Asserts a refused init: exit code not 0, `reason` on stderr, no ledger file left.
void RequireEnrolRefused(const launch::ProcessResult& r, const std::string& db, const std::string& reason) {
  INFO(Describe(r));
  CHECK(r.exit_code != 0);
  CHECK(r.err.find(reason) != std::string::npos);
  CHECK(!std::filesystem::exists(db));
}

TEST_CASE("Enrol: a node enrols online with its code, gets its device and syncs at once", "[e2e][enrol]") {
  TempDir dir;
  const std::string hub_db = dir.File("county.db"), node_db = dir.File("a1.db");
  InitHub(hub_db, "county-a", "county", kCounty, {});
  json added = AddWithCode(hub_db, "vil-a1", kVillage);
  const std::string code = added.at("enrol_code");
  CHECK(added.at("device") == "01");
  CHECK(code.size() == 29);  // 6 groups of 4 characters: 120 bits
  CHECK(NodeRow(hub_db, "vil-a1").at("status") == "code issued");
  CHECK(NodeRow(hub_db, "vil-a1").at("device") == "01");
  HubProcess hub("county hub", hub_db, dir.File("county.log"));
  hub.Start();

  auto r = InitEnrol(node_db, "vil-a1", kVillage, hub.url(), code);
  INFO(Describe(r));
  REQUIRE(r.exit_code == 0);
  json init = json::parse(r.out);
  CHECK(init.at("device") == "01");
  CHECK(init.at("enrolled") == "yes");
  {
    auto store = SILIAN_TAKE(sync::LedgerStore::Open(node_db, sync::LedgerStore::Options()));
    CHECK(SILIAN_TAKE(store->GetSetting(sync::kRegistryRootSetting)) == std::optional<std::string>("county-a"));
    CHECK(SILIAN_TAKE(store->GetSetting(sync::kRegistryRootKeySetting)) ==
          std::optional<std::string>(RunJson(HubBin(), {"--db", hub_db, "--json", "identity"}).at("public_key")));
    CHECK(SILIAN_TAKE(store->GetSetting("hub_node")) == std::optional<std::string>("county-a"));
  }

  json created = CaseNew(node_db, 1);
  CHECK(created.at("case_number").get<std::string>().find(std::string(kVillage) + "-01-") == 0);
  json synced = RunJson(NodeBin(), {"--db", node_db, "--json", "sync"});
  CHECK(synced.at("pushed") == 1);
  hub.Terminate();
  json row = NodeRow(hub_db, "vil-a1");
  CHECK(row.at("status") == "active");
  CHECK(row.at("device") == "01");
  CHECK(row.at("key_fingerprint") == RunJson(NodeBin(), {"--db", node_db, "--json", "identity"}).at("key_fingerprint"));
}

TEST_CASE("Enrol: wrong, reused, expired and mismatched codes are refused with a reason and change nothing",
          "[e2e][enrol]") {
  TempDir dir;
  const std::string hub_db = dir.File("county.db");
  InitHub(hub_db, "county-a", "county", kCounty, {});
  const std::string code = AddWithCode(hub_db, "vil-a1", kVillage).at("enrol_code");
  const std::string short_code = AddWithCode(hub_db, "vil-a2", kOtherVillage, "village", {"--expires", "1s"}).at("enrol_code");
  HubProcess hub("county hub", hub_db, dir.File("county.log"));
  hub.Start();

  std::string wrong = code;
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  RequireEnrolRefused(InitEnrol(dir.File("w.db"), "vil-a1", kVillage, hub.url(), wrong), dir.File("w.db"), "wrong_code");
  RequireEnrolRefused(InitEnrol(dir.File("u.db"), "vil-zz", kVillage, hub.url(), code), dir.File("u.db"), "unknown_code");
  RequireEnrolRefused(InitEnrol(dir.File("m.db"), "vil-a1", kOtherVillage, hub.url(), code), dir.File("m.db"), "mismatch");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  RequireEnrolRefused(InitEnrol(dir.File("e.db"), "vil-a2", kOtherVillage, hub.url(), short_code), dir.File("e.db"),
                      "expired_code");
  // The refusals left the code usable: it enrols once, then never again.
  auto ok = InitEnrol(dir.File("a1.db"), "vil-a1", kVillage, hub.url(), code);
  INFO(Describe(ok));
  REQUIRE(ok.exit_code == 0);
  RequireEnrolRefused(InitEnrol(dir.File("again.db"), "vil-a1", kVillage, hub.url(), code), dir.File("again.db"),
                      "used_code");
  hub.Terminate();
  CHECK(NodeRow(hub_db, "vil-a2").at("status") == "code issued");
  CHECK(NodeRow(hub_db, "vil-a1").at("key_fingerprint") ==
        RunJson(NodeBin(), {"--db", dir.File("a1.db"), "--json", "identity"}).at("key_fingerprint"));
}

TEST_CASE("Enrol: offline by files, the request signed by the node and the answer applied", "[e2e][enrol]") {
  TempDir dir;
  const std::string hub_db = dir.File("county.db"), node_db = dir.File("a1.db");
  InitHub(hub_db, "county-a", "county", kCounty, {});
  AddWithCode(hub_db, "vil-a2", kVillage);  // device 01 is promised to another laptop
  const std::string code = AddWithCode(hub_db, "vil-a1", kVillage).at("enrol_code");
  const std::string request = dir.File("request.json"), answer = dir.File("answer.json");
  RunOk(NodeBin(), {"--db", node_db, "init", "--node-id", "vil-a1", "--level", "village", "--division", kVillage,
                    "--enrol", code, "--enrol-request", request});
  CHECK((std::filesystem::status(request).permissions() & std::filesystem::perms::group_read) ==
        std::filesystem::perms::none);
  auto waiting = RunProgram(NodeBin(), {"--db", node_db, "case", "new", "--item", kItem, "--applicant-name", "A",
                                        "--applicant-id", ResidentId(1)});
  INFO(Describe(waiting));
  CHECK(waiting.exit_code == 2);
  CHECK(waiting.err.find("enrolment answer") != std::string::npos);

  // A request whose fields were changed after signing is refused, and nothing changes.
  json tampered = json::parse(ReadFile(request));
  tampered["division"] = kOtherVillage;
  WriteFile(dir.File("tampered.json"), tampered.dump());
  auto refused = RunProgram(HubBin(), {"--db", hub_db, "node", "enrol", dir.File("tampered.json"), "--out", answer});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("not signed by the key") != std::string::npos);
  CHECK(!std::filesystem::exists(answer));

  RunOk(HubBin(), {"--db", hub_db, "node", "enrol", request, "--out", answer});
  json applied = RunJson(NodeBin(), {"--db", node_db, "--json", "enrol", answer});
  CHECK(applied.at("device") == "02");
  CHECK(CaseNew(node_db, 1).at("case_number").get<std::string>().find(std::string(kVillage) + "-02-") == 0);
  auto reused = RunProgram(HubBin(), {"--db", hub_db, "node", "enrol", request, "--out", dir.File("again.json")});
  CHECK(reused.err.find("used_code") != std::string::npos);
  HubProcess hub("county hub", hub_db, dir.File("county.log"));
  hub.Start();
  CHECK(RunJson(NodeBin(), {"--db", node_db, "--json", "sync", "--hub", hub.url()}).at("pushed") == 1);
}

TEST_CASE("Enrol: two laptops at one village get different devices and random authoring never repeats a case number",
          "[e2e][enrol][random]") {
  const uint64_t seed = test::SeedFromEnv().value_or(20261201);
  INFO(test::SeedNote(seed));
  std::mt19937_64 rng(seed);
  TempDir dir;
  const std::string hub_db = dir.File("county.db");
  InitHub(hub_db, "county-a", "county", kCounty, {});
  const std::string code1 = AddWithCode(hub_db, "lap-1", kVillage).at("enrol_code");
  const std::string code2 = AddWithCode(hub_db, "lap-2", kVillage).at("enrol_code");
  HubProcess hub("county hub", hub_db, dir.File("county.log"));
  hub.Start();
  const std::vector<std::string> dbs = {dir.File("lap1.db"), dir.File("lap2.db")};
  REQUIRE(InitEnrol(dbs[0], "lap-1", kVillage, hub.url(), code1).exit_code == 0);
  REQUIRE(InitEnrol(dbs[1], "lap-2", kVillage, hub.url(), code2).exit_code == 0);
  uint32_t total = 0;
  for (int step = 0; step < 24; ++step) {
    const std::string& db = dbs[rng() % 2];
    if (rng() % 4 == 0) {
      RunOk(NodeBin(), {"--db", db, "sync"});
    } else {
      CaseNew(db, ++total);
    }
  }
  for (const auto& db : dbs) RunOk(NodeBin(), {"--db", db, "sync"});
  RunOk(NodeBin(), {"--db", dbs[0], "sync"});
  std::set<std::string> numbers;
  json cases = RunJson(NodeBin(), {"--db", dbs[0], "--json", "case", "list"});
  for (const auto& c : cases) numbers.insert(c.at("case_number").get<std::string>());
  CHECK(cases.size() == total);
  CHECK(numbers.size() == total);  // no case number repeats
  hub.Terminate();
  CHECK(NodeRow(hub_db, "lap-1").at("device") == "01");
  CHECK(NodeRow(hub_db, "lap-2").at("device") == "02");
}

// The registration of `node` held in the ledger `db` (read while its hub may serve it).
std::optional<sync::Registration> HeldRegistration(const std::string& db, const std::string& node) {
  auto store = sync::LedgerStore::Open(db, sync::LedgerStore::Options());
  if (!store.ok()) return std::nullopt;
  auto all = (*store)->Registrations();
  if (!all.ok()) return std::nullopt;
  for (const auto& r : *all)
    if (r.node_id.value == node) return r;
  return std::nullopt;
}

TEST_CASE("Revocation: a revoked laptop's later ops are refused at its county, and the revocation reaches the city",
          "[e2e][enrol][revoke]") {
  TempDir dir;
  const std::string city_db = dir.File("city.db"), county_db = dir.File("county.db"), node_db = dir.File("a1.db");
  InitHub(city_db, "city-1522", "city", kCity, {});
  const std::string county_code = AddWithCode(city_db, "county-a", kCounty, "county").at("enrol_code");
  HubProcess city("city hub", city_db, dir.File("city.log"));
  city.Start();
  // The county enrols at the city as a node does, and pins the root the city names.
  json county_init = RunJson(HubBin(), {"--db", county_db, "--json", "init", "--node-id", "county-a", "--level", "county",
                                        "--division", kCounty, "--parent", city.url(), "--enrol", county_code});
  CHECK(county_init.at("enrolled") == true);
  CHECK(SILIAN_TAKE(SILIAN_TAKE(sync::LedgerStore::Open(county_db, sync::LedgerStore::Options()))
                        ->GetSetting(sync::kRegistryRootSetting)) == std::optional<std::string>("city-1522"));
  const std::string code = AddWithCode(county_db, "vil-a1", kVillage).at("enrol_code");
  HubProcess county("county hub", county_db, dir.File("county.log"));
  county.Start({"--parent", city.url(), "--sync-interval", "1"});
  REQUIRE(InitEnrol(node_db, "vil-a1", kVillage, county.url(), code).exit_code == 0);
  CaseNew(node_db, 1);
  CaseNew(node_db, 2);
  CHECK(RunJson(NodeBin(), {"--db", node_db, "--json", "sync"}).at("pushed") == 2);

  json revoked = RunJson(HubBin(), {"--db", county_db, "--json", "node", "revoke", "vil-a1", "--after-seq", "2"});
  CHECK(revoked.at("revoked_after_seq") == 2);
  CHECK(NodeRow(county_db, "vil-a1").at("status") == "revoked after 2");
  CaseNew(node_db, 3);  // seq 3: after the revocation
  auto refused = RunProgram(NodeBin(), {"--db", node_db, "sync"});
  INFO(Describe(refused));
  CHECK(refused.exit_code != 0);
  // Refused twice over: the revoked laptop's signed request (403 revoked), and its ops after seq 2.
  CHECK(refused.err.find("revoked") != std::string::npos);
  // The agent reads it in their language: the laptop was stopped at the hub, and whom to ask.
  auto said = RunProgram(NodeBin(), {"--db", node_db, "--lang", "zh", "sync"});
  CHECK(said.err.find("本节点已被上级中心停用") != std::string::npos);
  CHECK(county.Status().at("op_count") == RunJson(HubBin(), {"--db", county_db, "--json", "status"}).at("op_count"));
  auto reg = HeldRegistration(county_db, "vil-a1");
  REQUIRE(reg);
  CHECK(reg->revoked);
  // The revocation is reference data: the county relays it to the city, which then refuses the same.
  CHECK(WaitUntil(
      [&] {
        auto at_city = HeldRegistration(city_db, "vil-a1");
        return at_city && at_city->revoked && at_city->revoked_after_seq == 2;
      },
      std::chrono::seconds(30), std::chrono::milliseconds(250)));
}

TEST_CASE("Restored ledger: a laptop restored from an old copy refuses to author until a sync takes its ops back",
          "[e2e][enrol][restore]") {
  TempDir dir;
  const std::string hub_db = dir.File("county.db"), node_db = dir.File("a1.db"), backup = dir.File("backup.db");
  InitHub(hub_db, "county-a", "county", kCounty, {});
  const std::string code = AddWithCode(hub_db, "vil-a1", kVillage).at("enrol_code");
  HubProcess hub("county hub", hub_db, dir.File("county.log"));
  hub.Start();
  REQUIRE(InitEnrol(node_db, "vil-a1", kVillage, hub.url(), code).exit_code == 0);
  std::set<std::string> numbers;
  numbers.insert(CaseNew(node_db, 1).at("case_number").get<std::string>());
  std::filesystem::copy_file(node_db, backup);  // no process has the ledger open: the file is whole
  numbers.insert(CaseNew(node_db, 2).at("case_number").get<std::string>());
  numbers.insert(CaseNew(node_db, 3).at("case_number").get<std::string>());
  RunOk(NodeBin(), {"--db", node_db, "sync"});
  CHECK(std::filesystem::exists(node_db + ".sent"));

  std::filesystem::copy_file(backup, node_db, std::filesystem::copy_options::overwrite_existing);
  auto refused = RunProgram(NodeBin(), {"--db", node_db, "case", "new", "--item", kItem, "--applicant-name", "X",
                                        "--applicant-id", ResidentId(9)});
  INFO(Describe(refused));
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("restored from an older copy") != std::string::npos);
  CHECK(refused.err.find("seq 3 was already sent") != std::string::npos);
  CHECK(RunJson(NodeBin(), {"--db", node_db, "--json", "status"}).at("case_count") == 1);  // nothing authored

  json synced = RunJson(NodeBin(), {"--db", node_db, "--json", "sync"});
  CHECK(synced.at("pulled").get<uint64_t>() >= 2);  // its own ops 2 and 3, back from the hub
  json created = CaseNew(node_db, 4);
  CHECK(created.at("case_id") == "vil-a1:4");
  CHECK(numbers.insert(created.at("case_number").get<std::string>()).second);  // a new number
  CHECK(RunJson(NodeBin(), {"--db", node_db, "--json", "sync"}).at("pushed") == 1);
}

}  // namespace
}  // namespace silian::e2e
