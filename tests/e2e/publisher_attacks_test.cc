// Attacks on reference data against a real serving hub (issue 9, "Anyone below can publish the city's
// catalogue and calendar"): ops forged by hand from schema/silian.proto and pushed over HTTP; silian-admin
// against a ledger whose item version was forced to the top.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "domain/registry.h"
#include "domain/store.h"
#include "support/files.h"
#include "support/hub_harness.h"
#include "support/process.h"
#include "support/programs.h"
#include "support/sync_requests.h"
#include "support/test_util.h"

namespace silian::e2e {
namespace {

using nlohmann::json;
using namespace test;  // the support library: hubs, programs, replicas

uint64_t NowMs() { return sync::SystemWallClock().NowMs(); }

// Op `seq` of `origin` for `area`, stamped now.
pb::Op ForgedOp(const std::string& origin, uint64_t seq, const std::string& area) {
  pb::Op op;
  op.set_origin(origin);
  op.set_seq(seq);
  op.set_hlc(Stamp(NowMs()));
  op.set_actor("attacker");
  op.set_division(area);
  return op;
}

pb::Entry EntryOf(const pb::Op& op) {
  pb::Entry e;
  op.SerializeToString(e.mutable_op());
  return e;
}

pb::Op ForgedItem(const std::string& origin, uint64_t seq, const std::string& area, uint32_t version) {
  pb::Op op = ForgedOp(origin, seq, area);
  pb::Item* item = op.mutable_item_published();
  item->set_code("54152222FORGED0000000000000000001");
  item->set_name("伪造事项");
  item->set_version(version);
  item->set_exercise_level("village");
  item->mutable_legal_limit()->set_value(5);
  item->mutable_legal_limit()->set_unit("working_days");
  item->mutable_promised_limit()->set_value(1);
  item->mutable_promised_limit()->set_unit("working_days");
  item->set_lead_department("某嘎查村民委员会");
  return op;
}

pb::Op ForgedNational(const std::string& origin, uint64_t seq, const std::string& area, uint32_t version) {
  pb::Op op = ForgedOp(origin, seq, area);
  pb::Calendar* cal = op.mutable_calendar_published();
  cal->set_name("national");
  cal->set_version(version);
  cal->add_years(2026);
  pb::CalendarDay* day = cal->add_days();
  day->set_date("2026-10-01");
  day->set_working(true);
  day->set_reason("forged");
  return op;
}

TEST_CASE("E2E publishers: a village's item and national calendar under its hub's origin with version 4294967295 "
          "are refused and nothing is stored",
          "[e2e][publishers]") {
  TempDir dir;
  const std::string db = dir.File("county.db");
  InitHub(db, "county-a", "county", kCounty, {{"vil-a1", "village", kVillage}});
  RegisterTestKey(db, "vil-a1", "village", kVillage);  // a compromised laptop with valid keys
  HubProcess county("county hub", db, dir.File("county.log"));
  county.Start();
  const std::string digest_before = RunOk(HubBin(), {"--db", db, "digest"});
  const uint64_t ops_before = county.Status().at("op_count").get<uint64_t>();
  REQUIRE(ops_before == 2);  // the hub's root registration and vil-a1's

  for (const pb::Op& forged : {ForgedItem("county-a", 3, "152222", 4294967295u),
                               ForgedNational("county-a", 3, "152222", 4294967295u)}) {
    INFO(forged.ShortDebugString());
    pb::Frontier frontier;
    HttpReply r = PostSync(county.url(), RequestAs("vil-a1", "village", kVillage, frontier, {EntryOf(forged)}));
    INFO("HTTP " << r.status << " " << r.body.substr(0, 500));
    // The envelope refuses an op in the receiving hub's own name first (403); a replica that is not its
    // author refuses the version (422, tests/domain/registry_test.cc).
    CHECK((r.status == 403 || r.status == 422));
    json body = json::parse(r.body, nullptr, false);
    REQUIRE(body.is_object());
    CHECK_THAT(body.value("message", ""), (Catch::Contains("4294967295") && Catch::Contains("2147483647")) ||
                                              Catch::Contains("claims this node as its author"));
  }
  CHECK(county.Status().at("op_count").get<uint64_t>() == ops_before);
  CHECK(RunOk(HubBin(), {"--db", db, "digest"}) == digest_before);
}

TEST_CASE("E2E publishers: silian-admin refuses a publication whose version would wrap, naming it, and nothing "
          "changes",
          "[e2e][publishers]") {
  TempDir dir;
  const std::string db = dir.File("county.db");
  InitHub(db, "county-a", "county", kCounty, {});
  const std::string digest_before = RunOk(HubBin(), {"--db", db, "digest"});
  // A forged op can no longer leave the top version behind (the envelope refuses ops in a hub's own name
  // and Admit versions past 2^31-1), so the wrap is tried from the file: version 2^32-1.
  json calendar = json::parse(ReadFile(SourceFile("reference/calendars/152222-naadam.json")));
  calendar["version"] = 4294967295u;
  const std::string file = dir.File("calendar.json");
  WriteFile(file, calendar.dump());
  ProcessResult r = RunProgram(AdminBin(), {"--db", db, "calendar", "import", file});
  INFO(Describe(r));
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("2147483647") && Catch::Contains("wrap"));
  CHECK_THAT(r.out, !Catch::Contains("version 0"));
  CHECK(RunOk(HubBin(), {"--db", db, "digest"}) == digest_before);
}

// An op under its hub's origin that the village cannot sign: refused (docs/protocol.md, "Signatures").
TEST_CASE("E2E publishers: a village's item under its hub's origin with a valid version is refused",
          "[e2e][publishers]") {
  TempDir dir;
  const std::string db = dir.File("county.db");
  InitHub(db, "county-a", "county", kCounty, {{"vil-a1", "village", kVillage}});
  RegisterTestKey(db, "vil-a1", "village", kVillage);  // a compromised laptop with valid keys
  HubProcess county("county hub", db, dir.File("county.log"));
  county.Start();
  const std::string digest_before = RunOk(HubBin(), {"--db", db, "digest"});
  pb::Frontier frontier;
  HttpReply r = PostSync(county.url(),
                         RequestAs("vil-a1", "village", kVillage, frontier, {EntryOf(ForgedItem("county-a", 3, "152222", 5))}));
  INFO("HTTP " << r.status << " " << r.body.substr(0, 500));
  CHECK(r.status >= 400);
  CHECK(r.status < 500);
  CHECK(RunOk(HubBin(), {"--db", db, "digest"}) == digest_before);
}

}  // namespace
}  // namespace silian::e2e
