// The cases' facts (domain/case_facts.h): what the clocks, the report and supervision read of a case, kept
// beside its view. Read tolerantly from the view; the stored ones are those of the stored view, in an
// order and marked watched as the views are; a row without them is read from its view, a row whose facts
// do not parse is refused naming the case; a ledger of schema 5 gets them when it opens.
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "domain/case_facts.h"
#include "domain/store.h"
#include "support/seeds.h"
#include "support/test_util.h"
#include "support/workload.h"

namespace silian::sync {
namespace {

using json = nlohmann::json;

std::string Bytes(const pb::CaseFacts& f) { return f.SerializeAsString(); }

TEST_CASE("Case facts: a view's values of the wrong type read as absent, and entries without what counts "
          "are skipped", "[case_facts]") {
  const json view = {
      {"case_id", "o1:1"},
      {"division", "152222104200"},
      {"status", "accepted"},
      {"language", 7},
      {"fields", {{"item_code", {{"value", "X-1"}}}, {"phone", {{"value", 138}}}}},
      {"timeline", {{"received", 1000}, {"accepted", "soon"}, {"closed", -5}, {"completed", 2000u}}},
      {"handled_by", {{"received", {{"node", "o1"}, {"level", 3}}}}},
      {"item", "not an object"},
      {"extensions", json::array({"x"})},
      {"suspensions", json::array({{{"start", 10}}, {{"end", 20}}, {{"start", 30}, {"end", "later"}}})},
      {"fees", {{"entries", json::array({{{"time", 5}, {"amount_fen", 100}, {"kind", "charge"}},
                                         {{"time", 5}, {"amount_fen", "100"}, {"kind", "charge"}},
                                         {{"amount_fen", 1}, {"kind", "payment"}}})}}},
      {"subsidies", {{"entries", json::array({{{"time", 9}, {"amount_fen", 50}}, {{"time", -1}, {"amount_fen", 5}}})}}},
      {"evaluations", json::array({3, {{"time", 7}, {"assisted", "yes"}, {"rating", "satisfied"},
                                       {"rectification", "open"}}})},
      {"owed", nullptr},
      {"materials", json::array({json::array({"o1:2", "户口簿", 1, "agent"}), {{"name", "结婚证"}, {"copies", 1}},
                                 {{"name", 5}, {"copies", 1}}})},
  };
  const pb::CaseFacts f = FactsOfView(view);
  CHECK(f.case_id() == "o1:1");
  CHECK(f.division() == "152222104200");
  CHECK(f.language().empty());
  CHECK(f.item_code() == "X-1");
  CHECK(f.phone().empty());
  CHECK(f.timeline().received() == 1000);
  CHECK_FALSE(f.timeline().has_accepted());
  CHECK_FALSE(f.timeline().has_closed());
  CHECK(f.timeline().completed() == 2000);
  CHECK(f.received_by().node() == "o1");
  CHECK(f.received_by().level().empty());
  CHECK_FALSE(f.has_accepted_by());
  CHECK_FALSE(f.has_item());  // no item terms: no clocks
  REQUIRE(f.has_first_extension());
  CHECK(f.first_extension().days() == 0);
  CHECK_FALSE(f.first_extension().has_time());
  REQUIRE(f.suspensions_size() == 2);
  CHECK(f.suspensions(0).start() == 10);
  CHECK(f.suspensions(1).start() == 30);
  CHECK_FALSE(f.suspensions(1).has_end());
  REQUIRE(f.fees_size() == 1);
  CHECK(f.fees(0).amount_fen() == 100);
  CHECK(f.fees(0).kind() == "charge");
  REQUIRE(f.subsidies_size() == 1);
  CHECK(f.subsidies(0).time() == 9);
  REQUIRE(f.evaluations_size() == 1);
  CHECK(f.evaluations(0).time() == 7);
  CHECK_FALSE(f.evaluations(0).assisted());
  CHECK(f.evaluations(0).rating() == "satisfied");
  CHECK(f.evaluations(0).has_rectification());  // present, though not an object: its texts are empty
  CHECK(f.evaluations(0).rectification().state().empty());
  CHECK(f.has_owed());
  CHECK(f.owed().materials().empty());
  CHECK_FALSE(f.has_correction());
  CHECK(std::vector<std::string>(f.materials().begin(), f.materials().end()) ==
        std::vector<std::string>{"户口簿", "结婚证"});
  CHECK(Bytes(FactsOfView(json::array({1, 2}))) == Bytes(pb::CaseFacts()));
}

// Each stored case of `store` in `scope` by case id: its FactsOfView of the stored view, serialized.
std::map<std::string, std::string> FactsOfStoredViews(LedgerStore& store) {
  std::map<std::string, std::string> out;
  SILIAN_REQUIRE_OK(store.ForEachCaseView(store.scope(), [&](const json& v) {
    out[v.at("case_id").get<std::string>()] = Bytes(FactsOfView(v));
    return Status::Ok();
  }));
  return out;
}

// What a pass over the facts reads (3 workers): by ordinal, the case id, whether watched, and the facts.
struct Scanned {
  std::string case_id;
  bool watched = false;
  std::string facts;
};
std::map<size_t, Scanned> ScanFacts(LedgerStore& store, bool watched_only) {
  std::mutex mutex;
  std::map<size_t, Scanned> read;
  SILIAN_REQUIRE_OK(store.ScanCaseFacts(store.scope(), watched_only, 3,
                                        [&](int, size_t ordinal, bool watched, const pb::CaseFacts& f) {
                                          std::lock_guard<std::mutex> lock(mutex);
                                          read[ordinal] = {f.case_id(), watched, Bytes(f)};
                                          return Status::Ok();
                                        }));
  return read;
}

// The facts a full pass reads, by case id.
std::map<std::string, std::string> ScannedFacts(LedgerStore& store) {
  std::map<std::string, std::string> out;
  for (auto& [ordinal, s] : ScanFacts(store, false)) out[s.case_id] = s.facts;
  return out;
}

// A village and a county with the cases of `steps` random steps of two village origins, exchanged.
struct World {
  explicit World(uint64_t seed, int steps) : rng(seed) {
    for (int i = 0; i < 2; ++i)
      origins.push_back(test::MakeReplica(
          dir, test::NodeAt("o" + std::to_string(i + 1), Level::kVillage, test::kVillage, "0" + std::to_string(i + 1))));
    std::vector<test::Replica*> ptrs = {&origins[0], &origins[1]};
    county = test::MakeCountyFor(dir, {origins[0].store.get(), origins[1].store.get()});
    for (auto& o : origins) test::Exchange(*county, *o.store);  // the catalogue
    test::Workload workload(rng, ptrs);
    for (int s = 0; s < steps; ++s) workload.Step();
    workload.FullExchange();
    for (auto& o : origins) test::Exchange(*o.store, *county);  // the county holds every case
  }
  test::TempDir dir;
  test::Rng rng;
  std::vector<test::Replica> origins;
  test::Replica county;
};

TEST_CASE("Case facts: each case's stored facts are those of its stored view, read in case id order and "
          "marked watched as the views are", "[case_facts][random]") {
  for (uint64_t seed : test::Seeds(1, 4)) {
    INFO(test::SeedNote(seed));
    World w(seed, 80);
    for (LedgerStore* store : {w.county.store.get(), w.origins[0].store.get()}) {
      const std::map<std::string, std::string> expected = FactsOfStoredViews(*store);
      REQUIRE(!expected.empty());
      for (bool watched_only : {false, true}) {
        CAPTURE(watched_only);
        std::mutex mutex;
        std::map<size_t, std::pair<std::string, bool>> views;
        SILIAN_REQUIRE_OK(store->ScanCaseViews(store->scope(), watched_only, 2,
                                               [&](int, size_t ordinal, bool watched, const json& v) {
                                                 std::lock_guard<std::mutex> lock(mutex);
                                                 views[ordinal] = {v.at("case_id").get<std::string>(), watched};
                                                 return Status::Ok();
                                               }));
        const std::map<size_t, Scanned> facts = ScanFacts(*store, watched_only);
        REQUIRE(facts.size() == views.size());
        for (const auto& [ordinal, s] : facts) {
          CHECK(s.case_id == views[ordinal].first);
          CHECK(s.watched == views[ordinal].second);
          CHECK(s.facts == expected.at(s.case_id));
        }
      }
    }
  }
}

TEST_CASE("Case facts: a row without them is read from its view, and one whose facts do not parse is refused "
          "naming the case", "[case_facts]") {
  World w(7, 40);
  test::Replica& county = w.county;
  const std::map<std::string, std::string> expected = FactsOfStoredViews(*county);
  REQUIRE(expected.size() > 2);
  county.store.reset();
  test::ExecOn(county.path, "UPDATE cases SET facts=x''");
  county.store = test::OpenLedger(county.path);
  CHECK(ScannedFacts(*county) == expected);

  const std::string victim = expected.begin()->first;
  county.store.reset();
  test::ExecOn(county.path, "UPDATE cases SET facts=x'ff' WHERE case_id='" + victim + "'");
  county.store = test::OpenLedger(county.path);
  const Status refused = county->ScanCaseFacts(county->scope(), false, 2,
                                               [](int, size_t, bool, const pb::CaseFacts&) { return Status::Ok(); });
  CHECK(refused.code() == StatusCode::kDataLoss);
  CHECK_THAT(refused.message(), Catch::Contains(victim) && Catch::Contains("facts"));
}

TEST_CASE("Schema 6: a ledger of schema 5 gets every case's facts when it opens, and keeps every case",
          "[case_facts]") {
  World w(11, 40);
  test::Replica& county = w.county;
  const std::map<std::string, std::string> expected = FactsOfStoredViews(*county);
  const test::Snapshot before = test::TakeSnapshot(*county);
  county.store.reset();
  // What schema 5 held: the cases table without the facts column.
  test::ExecOn(county.path, "BEGIN; ALTER TABLE cases DROP COLUMN facts; PRAGMA user_version=5; COMMIT;");
  REQUIRE(test::QueryOne(county.path, "SELECT count(*) FROM pragma_table_info('cases') WHERE name='facts'") == "0");

  county.store = test::OpenLedger(county.path);
  CHECK(test::QueryOne(county.path, "PRAGMA user_version") == "6");
  CHECK(test::QueryOne(county.path, "SELECT count(*) FROM cases WHERE length(facts)=0") == "0");
  CHECK(test::QueryOne(county.path, "SELECT count(*) FROM stale_cases") == "0");
  // The status index holds the division: a count of a status within an area reads the index alone.
  CHECK(test::QueryOne(county.path, "SELECT sql FROM sqlite_master WHERE name='cases_by_status'") ==
        "CREATE INDEX cases_by_status ON cases(status, last_hlc, division)");
  CHECK(ScannedFacts(*county) == expected);
  CHECK(test::TakeSnapshot(*county) == before);
}

}  // namespace
}  // namespace silian::sync
