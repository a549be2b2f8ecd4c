// The enrolment answer signed by the hub's key (issue 10), with real silian-hub and silian-node processes:
// online, a node that pins the hub's key (init --hub-key) enrols, and one pinning another key refuses the
// answer and makes no ledger; offline, an answer without its signature, with a field changed after signing,
// or signed by another hub than the pinned one is refused by `silian-node enrol`, changing nothing, and the
// genuine answer then applies.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/files.h"
#include "support/hub_harness.h"
#include "support/ledger.h"
#include "support/process.h"
#include "support/programs.h"

namespace silian::e2e {
namespace {

using nlohmann::json;
using namespace test;  // NOLINT: the support library

std::string Code(const std::string& hub_db, const std::string& id, const std::string& division) {
  return RunJson(HubBin(), {"--db", hub_db, "--json", "node", "add", id, "--level", "village", "--division", division})
      .at("enrol_code");
}

std::string HubKey(const std::string& hub_db) {
  return RunJson(HubBin(), {"--db", hub_db, "--json", "identity"}).at("public_key");
}

}  // namespace

TEST_CASE("Enrol answer: signed by the hub and checked against the pinned hub key, another key refused and no ledger made",
          "[e2e][enrol][enrol_answer]") {
  TempDir dir;
  const std::string hub_db = dir.File("county.db"), other_db = dir.File("other.db");
  InitHub(hub_db, "county-a", "county", kCounty, {});
  InitHub(other_db, "county-b", "county", "152223000000", {});
  const std::string code1 = Code(hub_db, "vil-a1", kVillage), code2 = Code(hub_db, "vil-a2", kOtherVillage);
  HubProcess hub("county hub", hub_db, dir.File("county.log"));
  hub.Start();

  // Pinned to another hub's key: the answer is refused, and no ledger is left.
  const std::string wrong_db = dir.File("wrong.db");
  ProcessResult wrong = RunProgram(NodeBin(), {"--db", wrong_db, "init", "--node-id", "vil-a2", "--level", "village",
                                               "--division", kOtherVillage, "--hub", hub.url(), "--enrol", code2,
                                               "--hub-key", HubKey(other_db)});
  {
    INFO(Describe(wrong));
    CHECK(wrong.exit_code == 2);
    CHECK_THAT(wrong.err, Catch::Contains("not the pinned hub key") && Catch::Contains("nothing stored"));
    CHECK_FALSE(std::filesystem::exists(wrong_db));
  }
  // A key that is not one is refused before anything is sent.
  RequireRefused(RunProgram(NodeBin(), {"--db", dir.File("bad.db"), "init", "--node-id", "vil-a1", "--level", "village",
                                        "--division", kVillage, "--hub", hub.url(), "--enrol", code1, "--hub-key",
                                        "c2hvcnQ="}),
                 "silian-node", {"--hub-key", "32-byte"});

  // Pinned to the hub's own key: enrolled.
  const std::string node_db = dir.File("a1.db");
  ProcessResult ok = RunProgram(NodeBin(), {"--db", node_db, "--json", "init", "--node-id", "vil-a1", "--level",
                                            "village", "--division", kVillage, "--hub", hub.url(), "--enrol", code1,
                                            "--hub-key", HubKey(hub_db)});
  INFO(Describe(ok));
  REQUIRE(ok.exit_code == 0);
  CHECK(json::parse(ok.out).at("enrolled") == "yes");
  CHECK(RunJson(NodeBin(), {"--db", node_db, "--json", "sync", "--hub", hub.url()}).at("hub_id") == "county-a");
}

TEST_CASE("Enrol answer: offline, an unsigned, changed or other hub's answer is refused by silian-node enrol and changes nothing",
          "[e2e][enrol][enrol_answer]") {
  TempDir dir;
  const std::string hub_db = dir.File("county.db"), other_db = dir.File("other.db"), node_db = dir.File("a1.db");
  InitHub(hub_db, "county-a", "county", kCounty, {});
  InitHub(other_db, "county-b", "county", kCounty, {});  // a rogue hub claiming the same county
  const std::string code = Code(hub_db, "vil-a1", kVillage);
  const std::string request = dir.File("request.json"), answer = dir.File("answer.json");
  RunOk(NodeBin(), {"--db", node_db, "init", "--node-id", "vil-a1", "--level", "village", "--division", kVillage,
                    "--enrol", code, "--enrol-request", request, "--hub-key", HubKey(hub_db)});
  RunOk(HubBin(), {"--db", hub_db, "node", "enrol", request, "--out", answer});
  const json genuine = json::parse(ReadFile(answer));
  REQUIRE(genuine.contains("signature"));

  // An answer naming the rogue hub and its key (its signature cannot be the genuine hub's).
  json forged = genuine;
  forged["hub"] = "county-b";
  forged["hub_public_key"] = HubKey(other_db);  // its signature no longer verifies with the key it names

  json unsigned_answer = genuine;
  unsigned_answer.erase("signature");
  json changed = genuine;
  changed["device"] = "09";
  const std::vector<std::pair<json, std::string>> bad = {
      {unsigned_answer, "is not signed"},
      {changed, "does not verify"},
      {forged, "not the pinned hub key"},
  };
  const std::string digest = LedgerCli(NodeBin(), node_db).Digest();
  for (size_t i = 0; i < bad.size(); ++i) {
    const std::string file = dir.File("bad" + std::to_string(i) + ".json");
    WriteFile(file, bad[i].first.dump());
    ProcessResult r = RunProgram(NodeBin(), {"--db", node_db, "enrol", file});
    INFO(Describe(r));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(bad[i].second));
    CHECK(LedgerCli(NodeBin(), node_db).Digest() == digest);
  }
  // Still waiting for its answer: nothing was applied.
  ProcessResult waiting = RunProgram(NodeBin(), {"--db", node_db, "case", "new", "--item", "x", "--applicant-name", "A",
                                                 "--applicant-id", ResidentId(1)});
  CHECK(waiting.err.find("enrolment answer") != std::string::npos);

  json applied = RunJson(NodeBin(), {"--db", node_db, "--json", "enrol", answer});
  CHECK(applied.at("enrolled") == true);
}

}  // namespace silian::e2e
