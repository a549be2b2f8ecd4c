// The watch index of open cases (domain/case_watch.h): what the window queue and supervision read.
#include <algorithm>
#include <set>
#include <tuple>

#include <catch2/catch.hpp>

#include "domain/case_watch.h"
#include "domain/catalog.h"
#include "domain/store.h"
#include "domain/workflow.h"
#include "support/test_util.h"
#include "support/workload.h"

namespace silian::sync {
namespace {

using json = nlohmann::json;
using test::Replica;

constexpr const char* kItem = "11152222MB1234567X-1-001";  // MakeCountyFor's village item, 10 WD promised

// The case ids `query` selects at `store`, in order.
std::vector<std::string> Selected(LedgerStore& store, const WatchQuery& query) {
  WatchedViews page = SILIAN_TAKE(store.WatchedCaseViews(query));
  std::vector<std::string> ids;
  for (const auto& v : page.views) ids.push_back(v.at("case_id").get<std::string>());
  CHECK(page.total >= ids.size());
  return ids;
}

std::set<std::string> Watched(LedgerStore& store) {
  std::set<std::string> ids;
  SILIAN_REQUIRE_OK(store.ForEachWatchedCaseView(store.scope(), [&](const json& v) {
    ids.insert(v.at("case_id").get<std::string>());
    return Status::Ok();
  }));
  return ids;
}

std::string NewReceived(LedgerStore& store, uint32_t n) {
  NewCase c = test::SampleCase(n);
  c.item_code = kItem;
  auto p = SILIAN_TAKE(store.CreateCase(c));
  SILIAN_TAKE(store.Act(p.case_id.value, Action::kReceive, "", "agent-1"));
  return p.case_id.value;
}

TEST_CASE("Watch index: the window queue reads accepted and received cases by due day, and drops closed ones",
          "[case_watch]") {
  test::TempDir dir(test::TempDir::Where::kMemory);
  Replica village = test::MakeReplica(dir, test::NodeAt("agent", Level::kVillage, test::kVillage));
  Replica county = test::MakeCountyFor(dir, {village.store.get()});
  test::Exchange(*county, *village);

  const std::string received = NewReceived(*village, 1);  // due: the 5-WD notice window from 2026-01-01
  village.wall->Set(test::kT0Ms + 86400000ull);
  const std::string accepted = NewReceived(*village, 2);
  SILIAN_TAKE(village->Act(accepted, Action::kAccept, "", "agent-1"));  // due: 10 WD after acceptance
  const std::string withdrawn = NewReceived(*village, 3);
  SILIAN_TAKE(village->Act(withdrawn, Action::kWithdraw, "applicant asks", "agent-1"));

  const WatchQuery q = WindowQueueQuery(village->scope(), "village", 10);
  CHECK(Selected(*village, q) == std::vector<std::string>{received, accepted});
  CHECK(Watched(*village) == std::set<std::string>{received, accepted});

  // Withdrawing the accepted case closes it: it leaves the index in the same transaction.
  SILIAN_TAKE(village->Act(accepted, Action::kWithdraw, "applicant asks", "agent-1"));
  CHECK(Selected(*village, q) == std::vector<std::string>{received});
  CHECK(Watched(*village) == std::set<std::string>{received});

  // The limit cuts the page, not the count.
  WatchQuery one = q;
  one.limit = 0;
  CHECK(SILIAN_TAKE(village->WatchedCaseViews(one)).total == 1);
  // A bad status in a query is refused by name.
  WatchQuery bad = q;
  bad.statuses.push_back("teleported");
  auto refused = village->WatchedCaseViews(bad);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("teleported"));
}

TEST_CASE("Watch index: the window queue query offers acceptance only for the levels this node may accept",
          "[case_watch]") {
  const WatchQuery village = WindowQueueQuery("152222104200", "village", 5);
  CHECK(village.exercise_levels == std::vector<std::string>{"village"});
  const WatchQuery township = WindowQueueQuery("152222104", "township", 5);
  CHECK(township.exercise_levels == std::vector<std::string>{"village", "township"});
  CHECK(WindowQueueQuery("1522", "city", 5).exercise_levels.size() == 4);
  const std::set<std::string> awaiting(township.statuses_if_level.begin(), township.statuses_if_level.end());
  CHECK(awaiting.count("received") == 1);
  CHECK(awaiting.count("forwarded") == 1);
  CHECK(awaiting.count("delivered") == 0);
}

// A village with the county's catalogue, on a ledger file: one received case (`open`) and one withdrawn.
struct OneOpenOneWithdrawn {
  test::TempDir dir;
  Replica village = test::MakeReplica(dir, test::NodeAt("agent", Level::kVillage, test::kVillage));
  Replica county = test::MakeCountyFor(dir, {village.store.get()});
  std::string open;

  OneOpenOneWithdrawn() {
    test::Exchange(*county, *village);
    open = NewReceived(*village, 1);
    const std::string withdrawn = NewReceived(*village, 2);
    SILIAN_TAKE(village->Act(withdrawn, Action::kWithdraw, "applicant asks", "agent-1"));
  }
};

TEST_CASE("Watch index: a ledger made before the index has it rebuilt when it opens", "[case_watch]") {
  OneOpenOneWithdrawn w;
  Replica& village = w.village;
  const std::string& a = w.open;
  village.store.reset();

  // What a ledger made before the index holds: none of its tables and triggers.
  test::ExecOn(village.path, "DROP TABLE case_watch; DROP TABLE case_watch_version; DROP TRIGGER "
                             "case_watch_stale_insert; DROP TRIGGER case_watch_stale_update; DROP TRIGGER "
                             "case_watch_stale_delete;");

  auto reopened = test::OpenLedger(village.path);
  CHECK(Watched(*reopened) == std::set<std::string>{a});
  CHECK(Selected(*reopened, WindowQueueQuery(reopened->scope(), "village", 10)) == std::vector<std::string>{a});
  reopened.reset();

  // A program made before the index writes a case but not its row: the index is marked stale and rebuilt
  // at the next open (here the rows are lost as well, so only a rebuild brings them back).
  test::ExecOn(village.path, "DELETE FROM case_watch; UPDATE cases SET open_conflicts=open_conflicts;");
  reopened = test::OpenLedger(village.path);
  CHECK(Watched(*reopened) == std::set<std::string>{a});
}

// The due day the watch index holds for `case_id` at the ledger file `path` ("" when it has no row).
std::string WatchDue(const std::string& path, const std::string& case_id) {
  return test::QueryOne(path, "SELECT due FROM case_watch WHERE case_id='" + case_id + "'");
}

TEST_CASE("Watch index: a case written after another connection changed the calendar is due by the calendar "
          "stored, as a rebuild computes it",
          "[case_watch]") {
  test::TempDir dir;
  Replica village = test::MakeReplica(dir, test::NodeAt("agent", Level::kVillage, test::kVillage));
  Replica county = test::MakeCountyFor(dir, {village.store.get()});
  test::Exchange(*county, *village);

  // Accepted before the county's local calendar: 10 working days of the national calendar.
  const std::string before = NewReceived(*village, 1);
  SILIAN_TAKE(village->Act(before, Action::kAccept, "", "agent-1"));
  const std::string due_before = WatchDue(village.path, before);
  CHECK(due_before == "2026-01-15");

  // The county closes its halls for a week; another program on the village's laptop (a second
  // connection to the same file) imports that calendar.
  pb::Calendar local;
  local.set_name("local");
  local.add_years(2026);
  for (const char* date : {"2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08", "2026-01-09"}) {
    auto* day = local.add_days();
    day->set_date(date);
    day->set_working(false);
    day->set_reason("halls closed for repairs");
  }
  CHECK(SILIAN_TAKE(county->PublishCalendar(local, "admin")));
  {
    auto other = test::OpenLedger(village.path);
    test::Exchange(*county, *other);
  }

  // This handle's next acceptance, on the same day, counts the closed week.
  const std::string after = NewReceived(*village, 2);
  SILIAN_TAKE(village->Act(after, Action::kAccept, "", "agent-1"));
  const std::string due_after = WatchDue(village.path, after);
  CHECK(due_after == "2026-01-22");

  // A rebuild (the index marked stale, the file opened again) computes the same row.
  village.store.reset();
  test::ExecOn(village.path, "DELETE FROM case_watch_version;");
  auto reopened = test::OpenLedger(village.path);
  CHECK(WatchDue(village.path, after) == due_after);
  CHECK(WatchDue(village.path, before) == due_after);  // the same day and clock, now by the new calendar
}

TEST_CASE("Schema 5: a ledger of schema 4 has its cases table rebuilt with a rowid, and keeps every case and "
          "the watch index", "[case_watch]") {
  OneOpenOneWithdrawn w;
  Replica& village = w.village;
  const std::string& a = w.open;
  const test::Snapshot before = test::TakeSnapshot(*village.store);
  village.store.reset();

  // What schema 4 held: the same rows in a WITHOUT ROWID table, with the watch index's triggers on it.
  test::ExecOn(village.path, R"sql(
BEGIN;
CREATE TABLE cases_v4(
  case_id TEXT PRIMARY KEY, case_number TEXT NOT NULL, division TEXT NOT NULL, status TEXT NOT NULL,
  applicant_name TEXT NOT NULL, applicant_id TEXT NOT NULL, item_code TEXT NOT NULL, last_hlc INTEGER NOT NULL,
  open_conflicts INTEGER NOT NULL, heads TEXT NOT NULL, view TEXT NOT NULL) WITHOUT ROWID;
INSERT INTO cases_v4 SELECT case_id, case_number, division, status, applicant_name, applicant_id, item_code,
  last_hlc, open_conflicts, heads, view FROM cases;
DROP TABLE cases;
ALTER TABLE cases_v4 RENAME TO cases;
CREATE INDEX cases_by_status ON cases(status, last_hlc);
CREATE INDEX cases_by_number ON cases(case_number);
CREATE INDEX cases_by_applicant ON cases(applicant_id);
CREATE TRIGGER case_watch_stale_insert AFTER INSERT ON cases BEGIN DELETE FROM case_watch_version; END;
CREATE TRIGGER case_watch_stale_update AFTER UPDATE ON cases BEGIN DELETE FROM case_watch_version; END;
CREATE TRIGGER case_watch_stale_delete AFTER DELETE ON cases BEGIN DELETE FROM case_watch_version; END;
PRAGMA user_version=4;
COMMIT;)sql");
  REQUIRE_THAT(test::QueryOne(village.path, "SELECT sql FROM sqlite_master WHERE name='cases'"),
               Catch::Contains("WITHOUT ROWID"));

  auto reopened = test::OpenLedger(village.path);
  CHECK(test::QueryOne(village.path, "PRAGMA user_version") == "6");
  CHECK_THAT(test::QueryOne(village.path, "SELECT sql FROM sqlite_master WHERE name='cases'"),
             !Catch::Contains("WITHOUT ROWID"));
  CHECK(test::TakeSnapshot(*reopened) == before);
  CHECK(Watched(*reopened) == std::set<std::string>{a});
  CHECK(test::QueryOne(village.path, "SELECT count(*) FROM sqlite_master WHERE type='trigger' AND tbl_name='cases'") == "3");
  CHECK(test::QueryOne(village.path, "PRAGMA integrity_check") == "ok");
  // The index follows writes after the migration, and a case written again keeps one row.
  const std::string c = NewReceived(*reopened, 3);
  SILIAN_TAKE(reopened->Act(a, Action::kWithdraw, "applicant asks", "agent-1"));
  CHECK(Watched(*reopened) == std::set<std::string>{c});
  CHECK(test::QueryOne(village.path, "SELECT count(*) FROM cases") == "3");
}

// The case ids a full read finds owing materials (OwedDueOf over every stored view), by id.
std::set<std::string> OwingByFullRead(LedgerStore& store) {
  std::set<std::string> ids;
  SILIAN_REQUIRE_OK(store.ForEachCaseView(store.scope(), [&](const json& v) {
    if (OwedDueOf(v)) ids.insert(v.at("case_id").get<std::string>());
    return Status::Ok();
  }));
  return ids;
}

WatchQuery OwedQuery(const std::string& scope, size_t limit) {
  WatchQuery q;
  q.scope = scope;
  q.owed = true;
  q.limit = limit;
  return q;
}

std::string AcceptedOwing(LedgerStore& store, uint32_t n, const std::string& owed, const std::string& due) {
  const std::string id = NewReceived(store, n);
  SILIAN_TAKE(store.Act(id, Action::kAccept, "", "agent-1", {{"owed", owed}, {"owed_due", due}}));
  return id;
}

TEST_CASE("Watch index: owed materials are read through the index by their due day, as a full read finds them",
          "[case_watch]") {
  test::TempDir dir;
  Replica village = test::MakeReplica(dir, test::NodeAt("agent", Level::kVillage, test::kVillage));
  Replica county = test::MakeCountyFor(dir, {village.store.get()});
  test::Exchange(*county, *village);
  const std::string a = AcceptedOwing(*village, 1, "户口簿复印件", "2026-02-10");
  const std::string b = AcceptedOwing(*village, 2, "结婚证、建房设计图", "2026-01-20");
  const std::string received = AcceptedOwing(*village, 3, "X", "2026-03-01");
  SILIAN_TAKE(village->AddMaterial(received, "X", 1, "agent-1"));  // all owed arrived: nothing owed
  const std::string closed = AcceptedOwing(*village, 4, "Y", "2026-01-10");
  SILIAN_TAKE(village->Act(closed, Action::kWithdraw, "applicant asks", "agent-1"));
  const std::string plain = NewReceived(*village, 5);
  SILIAN_TAKE(village->Act(plain, Action::kAccept, "", "agent-1"));
  SILIAN_TAKE(village->AddMaterial(b, "结婚证", 1, "agent-1"));  // one of two: still owing

  const WatchQuery q = OwedQuery(village->scope(), 10);
  CHECK(Selected(*village, q) == std::vector<std::string>{b, a});  // by the owed due day
  CHECK(OwingByFullRead(*village) == std::set<std::string>{a, b});
  CHECK(SILIAN_TAKE(village->WatchedCaseViews(OwedQuery(village->scope(), 1))).total == 2);
  CHECK(Selected(*village, OwedQuery(village->scope(), 1)) == std::vector<std::string>{b});
  CHECK(Selected(*village, OwedQuery("152222104201", 10)).empty());  // another village's scope

  // A ledger whose index is of the version before owed materials (no owed_due column) has it rebuilt
  // when it opens, and reads the same.
  village.store.reset();
  test::ExecOn(village.path, "DROP TABLE case_watch; CREATE TABLE case_watch(case_id TEXT PRIMARY KEY, division TEXT "
                             "NOT NULL, status TEXT NOT NULL, exercise_level TEXT NOT NULL, due TEXT NOT NULL) "
                             "WITHOUT ROWID; UPDATE case_watch_version SET version=1;");
  auto reopened = test::OpenLedger(village.path);
  CHECK(Selected(*reopened, OwedQuery(reopened->scope(), 10)) == std::vector<std::string>{b, a});
  CHECK(OwingByFullRead(*reopened) == std::set<std::string>{a, b});
}

// (case, problem, clock) of every supervision item.
using Found = std::set<std::tuple<std::string, std::string, std::string>>;

Found SuperviseEach(LedgerStore& store, Date today, bool watched) {
  WorkingCalendar calendar = SILIAN_TAKE(store.CalendarFor(store.scope()));
  Found found;
  auto each = [&](const json& view) {
    for (const auto& item : Supervise(view, calendar, today)) found.insert({item.case_id, item.problem, item.clock});
    return Status::Ok();
  };
  SILIAN_REQUIRE_OK(watched ? store.ForEachWatchedCaseView(store.scope(), each) : store.ForEachCaseView(store.scope(), each));
  return found;
}

TEST_CASE("Watch index: supervision and the window queue find through the index what they find over every case",
          "[case_watch][random]") {
  int problems = 0, candidates = 0;
  for (uint64_t seed : test::Seeds(1, 12)) {
    INFO(test::SeedNote(seed));
    test::TempDir dir(test::TempDir::Where::kMemory);
    test::Rng rng(seed);
    std::vector<Replica> origins;
    for (int i = 0; i < 2; ++i)
      origins.push_back(test::MakeReplica(
          dir, test::NodeAt("o" + std::to_string(i + 1), Level::kVillage, test::kVillage, "0" + std::to_string(i + 1))));
    std::vector<Replica*> ptrs = {&origins[0], &origins[1]};
    Replica county = test::MakeCountyFor(dir, {origins[0].store.get(), origins[1].store.get()});
    for (auto& o : origins) test::Exchange(*county, *o.store);
    test::Workload workload(rng, ptrs);
    for (int s = 0; s < 40; ++s) workload.Step();
    workload.FullExchange();
    LedgerStore& store = *origins[0].store;
    // The window queue through the index still finds every case it showed before the index: a promised
    // clock that runs, or a status that allows accept or request-correction at a level the village has.
    const std::vector<std::string> through = Selected(store, WindowQueueQuery(store.scope(), "village", 100000));
    const WorkingCalendar calendar = SILIAN_TAKE(store.CalendarFor(store.scope()));
    for (int days : {0, 10, 400}) {
      const Date today = AddDays(DateOfUnixMs(test::kT0Ms), days);
      SILIAN_REQUIRE_OK(store.ForEachCaseView(store.scope(), [&](const json& view) {
        if (!view.contains("item")) return Status::Ok();
        const CaseClocks clocks = ComputeCaseClocks(view, calendar, today);
        const bool running = clocks.started && clocks.promised.state != "met" && clocks.promised.state != "missed";
        auto status = ParseCaseStatus(view.value("status", ""));
        bool window = false;
        if (status.ok())
          for (Action a : AllowedActions(*status)) window = window || a == Action::kAccept || a == Action::kRequestCorrection;
        if (!running && !(window && view["item"].value("exercise_level", "") == "village")) return Status::Ok();
        CAPTURE(days, view.dump());
        CHECK(std::find(through.begin(), through.end(), view.at("case_id").get<std::string>()) != through.end());
        ++candidates;
        return Status::Ok();
      }));
    }
    // The owed materials through the index are those a full read finds.
    const std::vector<std::string> owing = Selected(store, OwedQuery(store.scope(), 100000));
    CHECK(std::set<std::string>(owing.begin(), owing.end()) == OwingByFullRead(store));
    for (int days : {0, 3, 10, 30, 90, 400, 1000}) {
      CAPTURE(days);
      const Date today = AddDays(DateOfUnixMs(test::kT0Ms), days);
      const Found all = SuperviseEach(store, today, false);
      CHECK(SuperviseEach(store, today, true) == all);
      problems += static_cast<int>(all.size());
    }
  }
  CHECK(problems > 0);    // the workload reaches cases that need supervision
  CHECK(candidates > 0);  // and cases the window queue takes
}

}  // namespace
}  // namespace silian::sync
