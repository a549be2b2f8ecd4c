#include "domain/store.h"

#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ledger/db.h"
#include "support/test_util.h"

namespace silian::sync {
namespace {

using test::CaseIn;
using test::DigestOf;
using test::ExportAll;
using test::FrontierSeq;
using test::ImportEntries;
using test::MakeReplica;
using test::NodeAt;
using test::Replica;
using test::TempDir;


// A case with a few ops authored on `r`; returns its id.
std::string CaseWithHistory(Replica& r, uint32_t n) {
  std::string id = SILIAN_TAKE(r->CreateCase(test::SampleCase(n))).case_id.value;
  SILIAN_TAKE(r->Act(id, Action::kReceive, "", "agent-1"));
  SILIAN_TAKE(r->AddMaterial(id, "ID card copy", 1, "agent-1"));
  SILIAN_TAKE(r->AddNote(id, "applicant will call back", "agent-1"));
  return id;
}

// Two laptops of one village, devices 01 and 02, on throwaway ledgers.
struct TwoLaptops {
  TempDir dir;
  Replica a = MakeReplica(dir, NodeAt("a", Level::kVillage, test::kVillage, "01"));
  Replica b = MakeReplica(dir, NodeAt("b", Level::kVillage, test::kVillage, "02"));
};

// A township hall above test::kVillage and test::kOtherVillage, and an application for each of the two
// villages that the hall registers.
struct HallWorld {
  TempDir dir;
  Replica hall = MakeReplica(dir, NodeAt("hall", Level::kTownship, test::kTownship));
  const NewCase here = CaseIn(1, test::kVillage);
  const NewCase there = CaseIn(2, test::kOtherVillage);
};

// ---- Files.

TEST_CASE("Store: create refuses an existing path and leaves the file alone", "[store]") {
  TempDir dir;
  ManualWallClock wall(test::kT0Ms);
  std::string path = dir.File("ledger.db");
  SILIAN_TAKE(LedgerStore::Create(path, NodeAt("n1"), test::FastOptions(&wall)));
  auto again = LedgerStore::Create(path, NodeAt("n1"), test::FastOptions(&wall));
  REQUIRE(again.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(again.status().message(), Catch::Contains(path));

  std::string other = dir.File("notes.txt");
  { std::ofstream(other) << "not a ledger"; }
  CHECK(LedgerStore::Create(other, NodeAt("n1"), test::FastOptions(&wall)).status().code() ==
        StatusCode::kFailedPrecondition);
  std::string content(64, '\0');
  std::FILE* f = std::fopen(other.c_str(), "rb");
  REQUIRE(f != nullptr);
  content.resize(std::fread(content.data(), 1, content.size(), f));
  std::fclose(f);
  CHECK(content == "not a ledger");
}

TEST_CASE("Store: a new ledger file and its write-ahead log are readable by their owner only", "[store]") {
  TempDir dir;
  Replica r = MakeReplica(dir, NodeAt("n1"));
  CaseWithHistory(r, 1);  // the log now holds applicants' data
  for (const std::string& file : {r.path, r.path + "-wal"}) {
    CAPTURE(file);
    REQUIRE(std::filesystem::exists(file));
    auto perms = std::filesystem::status(file).permissions();
    CHECK((perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) ==
          std::filesystem::perms::none);
  }
}

TEST_CASE("Store: open refuses a missing file, and a file that is not a ledger", "[store]") {
  TempDir dir;
  ManualWallClock wall(test::kT0Ms);
  CHECK(LedgerStore::Open(dir.File("missing.db"), test::FastOptions(&wall)).status().code() ==
        StatusCode::kNotFound);
  std::string text = dir.File("text.db");
  { std::ofstream(text) << std::string(4096, 'x'); }
  CHECK(LedgerStore::Open(text, test::FastOptions(&wall)).status().code() == StatusCode::kDataLoss);
  std::string empty_sqlite = dir.File("empty.db");
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(empty_sqlite.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  CHECK(LedgerStore::Open(empty_sqlite, test::FastOptions(&wall)).status().code() == StatusCode::kDataLoss);
}

TEST_CASE("Store: create refuses a device number that is not two digits", "[store]") {
  TempDir dir;
  ManualWallClock wall(test::kT0Ms);
  auto r = LedgerStore::Create(dir.File("x.db"), NodeAt("n1", Level::kVillage, test::kVillage, "1"),
                               test::FastOptions(&wall));
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  CHECK_FALSE(std::filesystem::exists(dir.File("x.db")));
}

// The value of PRAGMA temp_store on the ledger's own connection: 1 files, 2 memory.
uint64_t TempStore(LedgerStore& store) { return SILIAN_TAKE(QueryCount(store.ledger().db(), "PRAGMA temp_store")); }

TEST_CASE("Store: the writer keeps its statement journals in memory once the file is open and current, and "
          "again after compacting",
          "[store]") {
  TempDir dir;
  Replica r = MakeReplica(dir, NodeAt("n1", Level::kVillage, test::kVillage, "03"));
  CHECK(TempStore(*r.store) == 2);  // a new file
  const std::string id = CaseWithHistory(r, 1);
  const test::Snapshot before = test::TakeSnapshot(*r.store);
  r.store.reset();

  auto reopened = test::OpenLedger(r.path);
  CHECK(TempStore(*reopened) == 2);  // opened (migrations, if any, ran before, with files)
  // VACUUM copies the whole file into temporary storage: in files, and in memory again after it.
  SILIAN_REQUIRE_OK(reopened->ledger().Compact());
  CHECK(TempStore(*reopened) == 2);
  CHECK(test::TakeSnapshot(*reopened) == before);
  SILIAN_TAKE(reopened->AddNote(id, "after compacting", "agent-1"));
}

TEST_CASE("Store: reopen keeps everything and continues the op sequence and the clock", "[store]") {
  TempDir dir;
  Replica r = MakeReplica(dir, NodeAt("n1", Level::kVillage, test::kVillage, "03"), test::kT0Ms + 60'000);
  std::string id = CaseWithHistory(r, 1);
  test::Snapshot before = test::TakeSnapshot(*r.store);
  pb::Frontier frontier_before = SILIAN_TAKE(r->GetFrontier());
  r.store.reset();

  ManualWallClock wall(test::kT0Ms);  // the wall clock stepped back a minute while the program was down
  auto reopened = SILIAN_TAKE(LedgerStore::Open(r.path, test::FastOptions(&wall)));
  CHECK(reopened->config().node_id.value == "n1");
  CHECK(reopened->config().level == Level::kVillage);
  CHECK(reopened->config().division.value == test::kVillage);
  CHECK(reopened->config().device == "03");
  CHECK(reopened->scope() == test::kVillage);
  CHECK(test::TakeSnapshot(*reopened) == before);
  CHECK(SILIAN_TAKE(reopened->GetFrontier()).SerializeAsString() == frontier_before.SerializeAsString());

  OpId next = SILIAN_TAKE(reopened->AddNote(id, "after restart", "agent-1"));
  CHECK(next.ToString() == "n1:5");
  nlohmann::json view = SILIAN_TAKE(reopened->ShowCase(id));
  const auto& history = view.at("history");
  REQUIRE(history.size() == 5);
  CHECK(history.back().at("op") == "n1:5");  // sorted after every earlier op despite the wall clock
  // The local case counter continues too.
  CHECK_THAT(SILIAN_TAKE(reopened->CreateCase(test::SampleCase(2))).case_number, Catch::EndsWith("0002"));
}

// ---- Authoring and reading.

TEST_CASE("Store: a new case has a case number from division, device, date and a local counter", "[store]") {
  TempDir dir;
  Replica r = MakeReplica(dir, NodeAt("agent-7", Level::kVillage, test::kVillage, "07"), test::kT0Ms);
  CaseProjection a = SILIAN_TAKE(r->CreateCase(test::SampleCase(1)));
  CaseProjection b = SILIAN_TAKE(r->CreateCase(test::SampleCase(2)));
  CHECK(a.case_id.value == "agent-7:1");
  CHECK(b.case_id.value == "agent-7:2");
  CHECK(a.case_number != b.case_number);
  CHECK_THAT(a.case_number, Catch::StartsWith(test::kVillage) && Catch::Contains("07") &&
                                Catch::Contains("20260101"));
  CHECK(a.case_number.size() <= 50);
  CHECK(a.status == "draft");
  CHECK(SILIAN_TAKE(r->FindCase(a.case_number)).value == a.case_id.value);
  CHECK(SILIAN_TAKE(r->FindCase(a.case_id.value)).value == a.case_id.value);
  auto missing = r->FindCase("agent-7:99");
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK(r->FindCase("152222104200-07-20260101-9999").status().code() == StatusCode::kNotFound);
  CHECK(r->ShowCase("nope").status().code() == StatusCode::kNotFound);
}

TEST_CASE_METHOD(TwoLaptops, "Store: two devices of one village never make the same case number", "[store]") {
  std::set<std::string> numbers;
  for (uint32_t i = 0; i < 5; ++i) {
    numbers.insert(SILIAN_TAKE(a->CreateCase(test::SampleCase(i))).case_number);
    numbers.insert(SILIAN_TAKE(b->CreateCase(test::SampleCase(i))).case_number);
  }
  CHECK(numbers.size() == 10);
}

TEST_CASE("Store: a new case is validated before anything is written", "[store]") {
  TempDir dir;
  Replica r = MakeReplica(dir, NodeAt("n1"));
  std::string before = DigestOf(*r.store);
  NewCase bad_id = test::SampleCase(1);
  bad_id.applicant_id = "152222198001011230";  // wrong check character
  CHECK(r->CreateCase(bad_id).status().code() == StatusCode::kInvalidArgument);
  NewCase no_item = test::SampleCase(1);
  no_item.item_code = "";
  CHECK(r->CreateCase(no_item).status().code() == StatusCode::kInvalidArgument);
  NewCase elsewhere = test::SampleCase(1);
  elsewhere.division = DivisionCode{test::kOtherVillage};
  auto out_of_area = r->CreateCase(elsewhere);
  CHECK(out_of_area.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(out_of_area.status().message(), Catch::Contains(test::kOtherVillage));
  CHECK(DigestOf(*r.store) == before);
  CHECK(FrontierSeq(*r.store, "n1") == 0);
}

TEST_CASE("Store: an invalid action is refused with kFailedPrecondition naming the status and allowed actions",
          "[store]") {
  TempDir dir;
  Replica r = MakeReplica(dir, NodeAt("n1"));
  std::string id = SILIAN_TAKE(r->CreateCase(test::SampleCase(1))).case_id.value;
  SILIAN_TAKE(r->Act(id, Action::kReceive, "", "clerk"));
  std::string before = DigestOf(*r.store);
  auto refused = r->Act(id, Action::kApprove, "", "clerk");
  REQUIRE(refused.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(refused.status().message(), Catch::Contains("\"received\"") && Catch::Contains("approve") &&
                                             Catch::Contains("forward") && Catch::Contains("accept"));
  auto no_reason = r->Act(id, Action::kNotAccept, "", "clerk");
  CHECK(no_reason.status().code() == StatusCode::kInvalidArgument);
  CHECK(DigestOf(*r.store) == before);
  CHECK(FrontierSeq(*r.store, "n1") == 2);
  CHECK(r->Act("n1:77", Action::kAccept, "", "clerk").status().code() == StatusCode::kNotFound);
}

TEST_CASE("Store: field writes are validated and written as one op", "[store]") {
  TempDir dir;
  Replica r = MakeReplica(dir, NodeAt("n1"));
  std::string id = SILIAN_TAKE(r->CreateCase(test::SampleCase(1))).case_id.value;
  CHECK(r->SetFields(id, {{"colour", "red"}}, "clerk").status().code() == StatusCode::kInvalidArgument);
  CHECK(r->SetFields(id, {{"phone", "1"}, {"phone", "2"}}, "clerk").status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(r->SetFields(id, {{"applicant_id", "152222198001011230"}}, "clerk").status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(r->SetFields(id, {}, "clerk").status().code() == StatusCode::kInvalidArgument);
  CHECK(FrontierSeq(*r.store, "n1") == 1);
  // Changing the ID type and number together is checked against the new type.
  OpId op = SILIAN_TAKE(
      r->SetFields(id, {{"applicant_id_type", "passport"}, {"applicant_id", "E12345678"}, {"phone", "13904821234"}}, "clerk"));
  CHECK(op.ToString() == "n1:2");
  nlohmann::json view = SILIAN_TAKE(r->ShowCase(id));
  CHECK(view.at("fields").at("applicant_id").at("value") == "E12345678");
  CHECK(view.at("fields").at("phone").at("value") == "13904821234");
}

TEST_CASE("Store: the case list filters by status, applicant id and scope", "[store]") {
  TempDir dir;
  Replica r = MakeReplica(dir, NodeAt("hall", Level::kTownship, test::kTownship));
  std::vector<std::string> ids;
  for (uint32_t i = 0; i < 4; ++i) {
    NewCase c = test::SampleCase(i % 3);
    c.division = DivisionCode{i == 3 ? test::kOtherVillage : test::kVillage};
    ids.push_back(SILIAN_TAKE(r->CreateCase(c)).case_id.value);
    r.wall->Set(r.wall->NowMs() + 1000);
  }
  SILIAN_TAKE(r->Act(ids[1], Action::kReceive, "", "clerk"));

  auto list = [&](CaseFilter f) {
    std::vector<std::string> out;
    for (const auto& c : SILIAN_TAKE(r->ListCases(f))) out.push_back(c.case_id);
    std::sort(out.begin(), out.end());
    return out;
  };
  CHECK(list({}).size() == 4);
  CaseFilter received;
  received.status = "received";
  CHECK(list(received) == std::vector<std::string>{ids[1]});
  CaseFilter draft;
  draft.status = "draft";
  CHECK(list(draft) == std::vector<std::string>{ids[0], ids[2], ids[3]});
  CaseFilter by_id;
  by_id.applicant_id = test::ResidentId(0);
  CHECK(list(by_id) == std::vector<std::string>{ids[0], ids[3]});
  CaseFilter both;
  both.applicant_id = test::ResidentId(0);
  both.status = "draft";
  CHECK(list(both) == std::vector<std::string>{ids[0], ids[3]});
  CaseFilter scoped;
  scoped.scope = test::kOtherVillage;
  CHECK(list(scoped) == std::vector<std::string>{ids[3]});
  CaseFilter limited;
  limited.limit = 2;
  CHECK(list(limited).size() == 2);
  CaseFilter bad;
  bad.status = "approved";
  CHECK(r->ListCases(bad).status().code() == StatusCode::kInvalidArgument);

  const auto summaries = SILIAN_TAKE(r->ListCases({}));
  // Newest first.
  CHECK(summaries.front().case_id == ids[1]);
  CHECK(summaries.front().status == "received");
  CHECK(summaries.front().applicant_id == test::ResidentId(1));
  CHECK(summaries.front().division == test::kVillage);
}

TEST_CASE("Store: ShowCase is the projection of the stored ops", "[store]") {
  TempDir dir;
  Replica r = MakeReplica(dir, NodeAt("n1"));
  std::string id = CaseWithHistory(r, 1);
  std::vector<pb::Op> ops;
  for (const auto& e : ExportAll(*r.store)) {
    pb::Op op;
    REQUIRE(op.ParseFromString(e.op()));
    if (op.case_id() == id) ops.push_back(op);
  }
  CHECK(SILIAN_TAKE(r->ShowCase(id)) == ProjectCase(CaseId{id}, ops).view);
}

// ---- Exchange.

TEST_CASE_METHOD(TwoLaptops, "Store: re-importing the same ops is idempotent", "[store]") {
  CaseWithHistory(a, 1);
  CaseWithHistory(a, 2);
  auto entries = ExportAll(*a.store);
  REQUIRE(entries.size() == 8);

  ImportStats first = ImportEntries(*b.store, entries, 3);
  CHECK(first.new_ops == 8);
  CHECK(first.known == 0);
  CHECK(first.cases_touched == 2);
  test::Snapshot after_first = test::TakeSnapshot(*b.store);
  CHECK(after_first.digest == DigestOf(*a.store));

  ImportStats second = ImportEntries(*b.store, entries, 5);
  CHECK(second.new_ops == 0);
  CHECK(second.known == 8);
  CHECK(second.equivocations == 0);
  CHECK(second.pending == 0);
  CHECK(test::TakeSnapshot(*b.store) == after_first);

  // The same ops twice within one import are known the second time.
  Replica c = MakeReplica(dir, NodeAt("c", Level::kVillage, test::kVillage, "03"));
  std::vector<pb::Entry> doubled = entries;
  doubled.insert(doubled.end(), entries.begin(), entries.end());
  ImportStats once = ImportEntries(*c.store, doubled);
  CHECK(once.new_ops == 8);
  CHECK(once.known == 8);
  CHECK(DigestOf(*c.store) == after_first.digest);
}

// Every stored case view of `store`, by case id, as JSON text.
std::map<std::string, std::string> StoredViews(LedgerStore& store) {
  std::map<std::string, std::string> views;
  SILIAN_REQUIRE_OK(store.ForEachCaseView(store.scope(), [&](const nlohmann::json& view) {
    views[view.at("case_id").get<std::string>()] = view.dump();
    return Status::Ok();
  }));
  return views;
}

// Each import projects the cases it touched from every op stored of them, those of earlier imports too.
TEST_CASE_METHOD(TwoLaptops, "Store: a case whose ops arrive over several imports is stored as the projection of all of them",
                 "[store]") {
  const std::string first = SILIAN_TAKE(a->CreateCase(test::SampleCase(1))).case_id.value;
  test::Exchange(*a.store, *b.store);
  SILIAN_TAKE(a->Act(first, Action::kReceive, "", "agent-1"));
  const std::string second = CaseWithHistory(a, 2);
  test::Exchange(*a.store, *b.store);  // `first`: its creation read back, its receipt new; `second`: all new
  SILIAN_TAKE(a->AddMaterial(first, "ID card copy", 1, "agent-1"));
  SILIAN_TAKE(a->AddNote(second, "applicant came back with the copy", "agent-1"));
  test::Exchange(*a.store, *b.store);
  const auto views = StoredViews(*b.store);
  REQUIRE(views.size() == 2);
  CHECK(views == StoredViews(*a.store));
  CHECK(nlohmann::json::parse(views.at(first)).at("op_count") == 3);
  CHECK(nlohmann::json::parse(views.at(second)).at("op_count") == 5);
  CHECK(DigestOf(*b.store) == DigestOf(*a.store));
}

TEST_CASE("Store: an author's own ops coming back are known", "[store]") {
  TempDir dir;
  Replica a = MakeReplica(dir, NodeAt("a"));
  CaseWithHistory(a, 1);
  std::string before = DigestOf(*a.store);
  ImportStats s = ImportEntries(*a.store, ExportAll(*a.store));
  CHECK(s.known == 4);
  CHECK(s.new_ops == 0);
  CHECK(DigestOf(*a.store) == before);
}

TEST_CASE_METHOD(TwoLaptops,
                 "Store: equivocation is detected: same origin and seq, other bytes: refused, counted, "
                 "digest unchanged",
                 "[store]") {
  std::string id = CaseWithHistory(a, 1);
  auto entries = ExportAll(*a.store);
  ImportEntries(*b.store, entries);
  test::Snapshot before = test::TakeSnapshot(*b.store);

  pb::Op forged;
  REQUIRE(forged.ParseFromString(entries[3].op()));  // a:4, the note
  REQUIRE(forged.has_note_added());
  forged.mutable_note_added()->set_text("the applicant paid the clerk");
  ImportStats s = ImportEntries(*b.store, {test::OpEntry(forged)});
  CHECK(s.equivocations == 1);
  CHECK(s.new_ops == 0);
  CHECK(SILIAN_TAKE(b->GetStatus()).equivocation_count == 1);
  CHECK(test::TakeSnapshot(*b.store) == before);
  nlohmann::json view = SILIAN_TAKE(b->ShowCase(id));
  CHECK(view.at("notes").at(0).at("text") == "applicant will call back");

  SECTION("offering it again is counted again, and kept as evidence") {
    ImportStats again = ImportEntries(*b.store, {test::OpEntry(forged)});
    CHECK(again.equivocations == 1);
    CHECK(SILIAN_TAKE(b->GetStatus()).equivocation_count == 2);
    CHECK(DigestOf(*b.store) == before.digest);
  }
}

TEST_CASE_METHOD(TwoLaptops, "Store: an import whose sender's frontier has another chain hash warns", "[store]") {
  CaseWithHistory(a, 1);
  pb::Frontier sender = SILIAN_TAKE(a->GetFrontier());
  ImportStats honest = ImportEntries(*b.store, ExportAll(*a.store), 1000, &sender);
  CHECK(honest.warnings.empty());
  pb::Frontier lying = sender;
  lying.mutable_entries(0)->set_hash(std::string(32, '\x07'));
  ImportStats s = ImportEntries(*b.store, {}, 1000, &lying);
  REQUIRE(s.warnings.size() == 1);
  CHECK_THAT(s.warnings[0], Catch::Contains("\"a\""));
}

TEST_CASE_METHOD(TwoLaptops, "Store: ops arriving ahead of a gap wait in the pending area, then apply when it fills",
                 "[store]") {
  std::string id = SILIAN_TAKE(a->CreateCase(test::SampleCase(1))).case_id.value;
  SILIAN_TAKE(a->AddNote(id, "second", "x"));
  SILIAN_TAKE(a->AddNote(id, "third", "x"));
  auto entries = ExportAll(*a.store);
  REQUIRE(test::EntryNames(entries) == std::vector<std::string>{"a:1", "a:2", "a:3"});

  ImportStats early = ImportEntries(*b.store, {entries[2]});
  CHECK(early.new_ops == 0);
  CHECK(early.pending == 1);
  CHECK(SILIAN_TAKE(b->GetStatus()).pending_count == 1);
  CHECK(FrontierSeq(*b.store, "a") == 0);
  CHECK(b->FindCase(id).status().code() == StatusCode::kNotFound);
  CHECK(SILIAN_TAKE(b->GetStatus()).op_count == 0);

  SECTION("the gap fills in one import") {
    ImportStats rest = ImportEntries(*b.store, {entries[0], entries[1]});
    CHECK(rest.new_ops == 3);
    CHECK(rest.pending == 0);
  }
  SECTION("the gap fills across imports and a restart") {
    ImportEntries(*b.store, {entries[1]});
    CHECK(SILIAN_TAKE(b->GetStatus()).pending_count == 2);
    b.store.reset();
    b.store = SILIAN_TAKE(LedgerStore::Open(b.path, test::FastOptions(b.wall.get())));
    ImportStats rest = ImportEntries(*b.store, {entries[0]});
    CHECK(rest.new_ops == 3);
  }
  CHECK(SILIAN_TAKE(b->GetStatus()).pending_count == 0);
  CHECK(FrontierSeq(*b.store, "a") == 3);
  CHECK(SILIAN_TAKE(b->ShowCase(id)).at("notes").size() == 2);
  CHECK(DigestOf(*b.store) == DigestOf(*a.store));
}

TEST_CASE_METHOD(TwoLaptops,
                 "Store: an equivocating op offered while the original waits in the pending area is counted",
                 "[store]") {
  std::string id = SILIAN_TAKE(a->CreateCase(test::SampleCase(1))).case_id.value;
  SILIAN_TAKE(a->AddNote(id, "second", "x"));
  SILIAN_TAKE(a->AddNote(id, "third", "x"));
  auto entries = ExportAll(*a.store);
  ImportEntries(*b.store, {entries[2]});
  pb::Op forged;
  REQUIRE(forged.ParseFromString(entries[2].op()));
  forged.mutable_note_added()->set_text("forged third");
  ImportStats s = ImportEntries(*b.store, {test::OpEntry(forged)});
  CHECK(s.equivocations == 1);
  CHECK(SILIAN_TAKE(b->GetStatus()).equivocation_count == 1);
  ImportEntries(*b.store, {entries[0], entries[1]});
  CHECK(DigestOf(*b.store) == DigestOf(*a.store));
}

TEST_CASE_METHOD(HallWorld,
                 "Store: out-of-scope ops become skips, count as out of scope, and the frontier still advances",
                 "[store]") {
  Replica village = MakeReplica(dir, NodeAt("agent", Level::kVillage, test::kVillage));
  std::string here_id = SILIAN_TAKE(hall->CreateCase(here)).case_id.value;    // hall:1
  std::string there_id = SILIAN_TAKE(hall->CreateCase(there)).case_id.value;  // hall:2
  SILIAN_TAKE(hall->AddNote(there_id, "elsewhere", "clerk"));                 // hall:3
  SILIAN_TAKE(hall->AddNote(here_id, "here", "clerk"));                       // hall:4
  SILIAN_TAKE(hall->AddNote(there_id, "elsewhere again", "clerk"));           // hall:5

  // The hall exports everything in its own scope; the village keeps what is in its own.
  ImportStats s = ImportEntries(*village.store, ExportAll(*hall.store));
  CHECK(s.new_ops == 2);
  CHECK(s.out_of_scope == 3);
  CHECK(FrontierSeq(*village.store, "hall") == 5);
  CHECK(SILIAN_TAKE(village->GetStatus()).op_count == 2);
  CHECK(village->FindCase(there_id).status().code() == StatusCode::kNotFound);
  CHECK(SILIAN_TAKE(village->ShowCase(here_id)).at("notes").size() == 1);
  // Both hold the same ops of this village.
  CHECK(DigestOf(*village.store) == DigestOf(*hall.store, std::string(test::kVillage)));

  SECTION("a second import of the same ops adds nothing") {
    ImportStats again = ImportEntries(*village.store, ExportAll(*hall.store));
    CHECK(again.new_ops == 0);
    CHECK(DigestOf(*village.store) == DigestOf(*hall.store, std::string(test::kVillage)));
  }
  SECTION("the village passes its skips on to another replica of the same village") {
    Replica laptop = MakeReplica(dir, NodeAt("laptop", Level::kVillage, test::kVillage, "02"));
    auto entries = ExportAll(*village.store);
    CHECK(test::EntryNames(entries) == std::vector<std::string>{"hall:1", "skip:hall:2-3", "hall:4", "skip:hall:5-5"});
    ImportStats t = ImportEntries(*laptop.store, entries);
    CHECK(t.new_ops == 2);
    CHECK(t.skipped_runs == 2);
    CHECK(FrontierSeq(*laptop.store, "hall") == 5);
    CHECK(DigestOf(*laptop.store) == DigestOf(*village.store));
  }
  SECTION("a skip arriving ahead of its gap waits, then applies") {
    Replica laptop = MakeReplica(dir, NodeAt("laptop", Level::kVillage, test::kVillage, "02"));
    auto entries = ExportAll(*village.store);
    ImportStats t1 = ImportEntries(*laptop.store, {entries[3], entries[1]});
    CHECK(t1.pending == 2);
    ImportStats t2 = ImportEntries(*laptop.store, {entries[2], entries[0]});
    CHECK(t2.pending == 0);
    CHECK(FrontierSeq(*laptop.store, "hall") == 5);
    CHECK(DigestOf(*laptop.store) == DigestOf(*village.store));
  }
}

TEST_CASE_METHOD(HallWorld, "Store: a replica never forwards its skips over ops that are in the holder's scope",
                 "[store]") {
  // The hall (township) writes cases for two villages. Agent A's laptop syncs with the hall and holds the
  // other village's ops as a skip. If A then hands a bundle to agent B of that other village (or to the
  // county), the skip must not stand in for B's own ops: B must still get them from the hall.
  Replica a = MakeReplica(dir, NodeAt("agent-a", Level::kVillage, test::kVillage));
  SILIAN_TAKE(hall->CreateCase(here));                                        // hall:1, A's village
  std::string there_id = SILIAN_TAKE(hall->CreateCase(there)).case_id.value;  // hall:2, B's village
  SILIAN_TAKE(hall->AddNote(there_id, "for B", "clerk"));                     // hall:3
  test::Exchange(*hall.store, *a.store);
  REQUIRE(FrontierSeq(*a.store, "hall") == 3);

  SECTION("to a village next door") {
    Replica b = MakeReplica(dir, NodeAt("agent-b", Level::kVillage, test::kOtherVillage));
    test::Exchange(*a.store, *b.store);  // the USB stick from A to B
    test::Exchange(*hall.store, *b.store);
    auto found = b->FindCase(there_id);
    INFO(found.status().ToString());
    CHECK(found.ok());
    CHECK(DigestOf(*b.store) == DigestOf(*hall.store, std::string(test::kOtherVillage)));
  }
  SECTION("to the county") {
    Replica county = MakeReplica(dir, NodeAt("county", Level::kCounty, "152222000000"));
    test::Exchange(*a.store, *county.store);
    test::Exchange(*hall.store, *county.store);
    CHECK(county->FindCase(there_id).ok());
    CHECK(DigestOf(*county.store) == DigestOf(*hall.store));
  }
}

TEST_CASE("Store: a skip cut for a narrower scope than the replica's is refused and the ops are awaited",
          "[store]") {
  TempDir dir;
  Replica village = MakeReplica(dir, NodeAt("agent", Level::kVillage, test::kVillage));
  Replica hall = MakeReplica(dir, NodeAt("hall", Level::kTownship, test::kTownship));
  NewCase c = test::SampleCase(1);
  c.division = DivisionCode{test::kOtherVillage};
  Replica author = MakeReplica(dir, NodeAt("author", Level::kTownship, "152222104000", "02"));
  std::string id = SILIAN_TAKE(author->CreateCase(c)).case_id.value;
  test::Exchange(*author.store, *village.store);  // the village holds author:1 as a skip
  REQUIRE(FrontierSeq(*village.store, "author") == 1);

  // The village vouches for that run only within its own scope; the hall must not take it.
  pb::Entry skip;
  *skip.mutable_skip() = test::ExportAll(*village.store).at(0).skip();
  CHECK(skip.skip().scope() == test::kVillage);
  ImportStats s = ImportEntries(*hall.store, {skip});
  CHECK(s.skips_refused == 1);
  CHECK(FrontierSeq(*hall.store, "author") == 0);
  test::Exchange(*author.store, *hall.store);
  CHECK(hall->FindCase(id).ok());

  pb::Entry no_scope = skip;
  no_scope.mutable_skip()->set_scope("15222");
  auto import = SILIAN_TAKE(hall->BeginImport());
  pb::Batch batch;
  *batch.add_entries() = no_scope;
  CHECK(import->Add(batch).code() == StatusCode::kDataLoss);
}

TEST_CASE_METHOD(TwoLaptops, "Store: Export with a holder frontier sends only what the holder lacks", "[store]") {
  std::string id = SILIAN_TAKE(a->CreateCase(test::SampleCase(1))).case_id.value;
  for (int i = 0; i < 9; ++i) SILIAN_TAKE(a->AddNote(id, "note " + std::to_string(i), "x"));
  SILIAN_TAKE(b->AddNote(SILIAN_TAKE(b->CreateCase(test::SampleCase(2))).case_id.value, "b's", "y"));
  auto all = ExportAll(*a.store);
  REQUIRE(all.size() == 10);
  ImportEntries(*b.store, std::vector<pb::Entry>(all.begin(), all.begin() + 6));

  auto rest = test::ExportEntries(*a.store, SILIAN_TAKE(b->GetFrontier()));
  CHECK(test::EntryNames(rest) == std::vector<std::string>{"a:7", "a:8", "a:9", "a:10"});
  ImportEntries(*b.store, rest);
  CHECK(test::ExportEntries(*a.store, SILIAN_TAKE(b->GetFrontier())).empty());
  // The other way: b has its own two ops that a lacks.
  CHECK(test::EntryNames(test::ExportEntries(*b.store, SILIAN_TAKE(a->GetFrontier()))) ==
        std::vector<std::string>{"b:1", "b:2"});
}

TEST_CASE_METHOD(HallWorld, "Store: Export to a holder of a narrower scope sends the rest as merged skips", "[store]") {
  Replica b = MakeReplica(dir, NodeAt("agent-b", Level::kVillage, test::kOtherVillage));
  std::string here_id = SILIAN_TAKE(hall->CreateCase(here)).case_id.value;
  SILIAN_TAKE(hall->AddNote(here_id, "1", "c"));
  SILIAN_TAKE(hall->CreateCase(there));
  SILIAN_TAKE(hall->AddNote(here_id, "2", "c"));
  auto entries = test::ExportEntries(*hall.store, SILIAN_TAKE(b->GetFrontier()));
  CHECK(test::EntryNames(entries) == std::vector<std::string>{"skip:hall:1-2", "hall:3", "skip:hall:4-4"});
  ImportEntries(*b.store, entries);
  CHECK(FrontierSeq(*b.store, "hall") == 4);
  CHECK(DigestOf(*b.store) == DigestOf(*hall.store, std::string(test::kOtherVillage)));
}

TEST_CASE("Store: the digest is equal whatever order the ops arrived in", "[store][random]") {
  TempDir dir;
  Replica a = MakeReplica(dir, NodeAt("a", Level::kVillage, test::kVillage, "01"), test::kT0Ms);
  Replica b = MakeReplica(dir, NodeAt("b", Level::kVillage, test::kVillage, "02"), test::kT0Ms + 700);
  Replica county = test::MakeCountyFor(dir, {a.store.get(), b.store.get()});  // registry and catalogue
  std::string id = CaseWithHistory(a, 1);
  test::Exchange(*a.store, *b.store);
  // Concurrent work on the shared case.
  SILIAN_TAKE(a->SetFields(id, {{"applicant_name", "Bayar"}, {"phone", "13904821234"}}, "x"));
  SILIAN_TAKE(b->SetFields(id, {{"applicant_name", "Bayartemur"}, {"phone", "15004826677"}}, "y"));
  SILIAN_TAKE(a->Act(id, Action::kAccept, "", "x"));
  SILIAN_TAKE(b->Act(id, Action::kNotAccept, "no household register", "y"));
  SILIAN_TAKE(b->AddNote(SILIAN_TAKE(b->CreateCase(test::SampleCase(3))).case_id.value, "b's own", "y"));
  auto ops_a = ExportAll(*a.store);
  auto ops_b = test::ExportEntries(*b.store, SILIAN_TAKE(a->GetFrontier()));

  Replica ab = MakeReplica(dir, NodeAt("ab", Level::kVillage, test::kVillage, "03"));
  test::Exchange(*county.store, *ab.store);
  ImportEntries(*ab.store, ops_a);
  ImportEntries(*ab.store, ops_b);
  Replica ba = MakeReplica(dir, NodeAt("ba", Level::kVillage, test::kVillage, "04"));
  test::Exchange(*county.store, *ba.store);
  ImportEntries(*ba.store, ops_b);  // all of b's first: they wait for a's
  ImportEntries(*ba.store, ops_a);
  test::Snapshot reference = test::TakeSnapshot(*ab.store);
  INFO(test::FirstDifference(reference, test::TakeSnapshot(*ba.store)));
  CHECK(test::TakeSnapshot(*ba.store) == reference);
  CHECK(SILIAN_TAKE(ab->ListConflicts()).size() == 2);  // applicant_name and the rejected decision

  std::vector<pb::Entry> all = ops_a;
  all.insert(all.end(), ops_b.begin(), ops_b.end());
  for (uint64_t seed : test::Seeds(1, 10)) {
    INFO(test::SeedNote(seed));
    test::Rng rng(seed);
    std::vector<pb::Entry> shuffled = all;
    rng.Shuffle(shuffled);
    Replica r = MakeReplica(dir, NodeAt("r" + std::to_string(seed), Level::kVillage, test::kVillage, "05"));
    for (const auto& e : shuffled) ImportEntries(*r.store, {e});  // one op per import
    INFO(test::FirstDifference(reference, test::TakeSnapshot(*r.store)));
    CHECK(test::TakeSnapshot(*r.store) == reference);
  }
}

TEST_CASE_METHOD(TwoLaptops, "Store: concurrent guarded writes show one conflict everywhere until a resolution arrives",
                 "[store]") {
  std::string id = SILIAN_TAKE(a->CreateCase(test::SampleCase(1))).case_id.value;
  test::Exchange(*a.store, *b.store);
  OpId wa = SILIAN_TAKE(a->SetFields(id, {{"applicant_name", "Bayar"}}, "x"));
  OpId wb = SILIAN_TAKE(b->SetFields(id, {{"applicant_name", "Bayartemur"}}, "y"));
  test::Exchange(*a.store, *b.store);
  test::Exchange(*b.store, *a.store);
  auto conflicts = SILIAN_TAKE(a->ListConflicts());
  REQUIRE(conflicts.size() == 1);
  CHECK(SILIAN_TAKE(b->ListConflicts()) == conflicts);
  const std::string cid = conflicts[0].at("id");
  CHECK(cid == id + "/field/applicant_name");
  CHECK(SILIAN_TAKE(a->GetStatus()).open_conflicts == 1);
  CHECK(SILIAN_TAKE(a->ListCases({})).front().open_conflicts == 1);

  CHECK(a->ResolveConflict(cid, wa, std::string("x"), "x").status().code() == StatusCode::kInvalidArgument);
  CHECK(a->ResolveConflict(cid, std::nullopt, std::nullopt, "x").status().code() == StatusCode::kInvalidArgument);
  CHECK(a->ResolveConflict(cid, OpId{"a", 1}, std::nullopt, "x").status().code() == StatusCode::kInvalidArgument);
  CHECK(a->ResolveConflict(id + "/field/item_code", wa, std::nullopt, "x").status().code() ==
        StatusCode::kNotFound);
  CHECK(a->ResolveConflict(cid, std::nullopt, std::string(""), "x").status().code() ==
        StatusCode::kInvalidArgument);

  SILIAN_TAKE(a->ResolveConflict(cid, wb, std::nullopt, "supervisor"));
  CHECK(SILIAN_TAKE(a->ListConflicts()).empty());
  CHECK(a->ResolveConflict(cid, wb, std::nullopt, "supervisor").status().code() == StatusCode::kNotFound);
  CHECK(SILIAN_TAKE(b->ListConflicts()).size() == 1);
  test::Exchange(*a.store, *b.store);
  CHECK(SILIAN_TAKE(b->ListConflicts()).empty());
  CHECK(SILIAN_TAKE(b->ShowCase(id)).at("fields").at("applicant_name").at("value") == "Bayartemur");
  CHECK(DigestOf(*a.store) == DigestOf(*b.store));
}

TEST_CASE("Store: a transition conflict is resolved with --keep only", "[store]") {
  TempDir dir;
  Replica a = MakeReplica(dir, NodeAt("a", Level::kVillage, test::kVillage, "01"));
  Replica b = MakeReplica(dir, NodeAt("b", Level::kVillage, test::kVillage, "02"), test::kT0Ms + 5);
  Replica county = test::MakeCountyFor(dir, {a.store.get(), b.store.get()});  // registry and catalogue
  std::string id = SILIAN_TAKE(a->CreateCase(test::SampleCase(1))).case_id.value;
  SILIAN_TAKE(a->Act(id, Action::kReceive, "", "x"));
  test::Exchange(*a.store, *b.store);
  SILIAN_TAKE(a->Act(id, Action::kAccept, "", "x"));
  OpId refusal = SILIAN_TAKE(b->Act(id, Action::kNotAccept, "no register", "y"));
  test::Exchange(*b.store, *a.store);
  auto conflicts = SILIAN_TAKE(a->ListConflicts());
  REQUIRE(conflicts.size() == 1);
  CHECK(conflicts[0].at("kind") == "transition");
  const std::string cid = conflicts[0].at("id");
  CHECK(cid == id + "/transition/" + refusal.ToString());
  CHECK(a->ResolveConflict(cid, std::nullopt, std::string("not_accepted"), "s").status().code() ==
        StatusCode::kInvalidArgument);
  SILIAN_TAKE(a->ResolveConflict(cid, refusal, std::nullopt, "supervisor"));
  CHECK(SILIAN_TAKE(a->ShowCase(id)).at("status") == "not_accepted");
  CHECK(SILIAN_TAKE(a->ListConflicts()).empty());
}

TEST_CASE("Store: a remote op stamped far in the future does not drag the clock, and the skew is reported",
          "[store]") {
  TempDir dir;
  const uint64_t three_days_ms = 3ull * 24 * 3600 * 1000;
  Replica a = MakeReplica(dir, NodeAt("a", Level::kVillage, test::kVillage, "01"), test::kT0Ms);
  Replica future = MakeReplica(dir, NodeAt("future", Level::kVillage, test::kVillage, "02"),
                               test::kT0Ms + three_days_ms);
  SILIAN_TAKE(future->CreateCase(test::SampleCase(1)));
  test::Exchange(*future.store, *a.store);
  CHECK(SILIAN_TAKE(a->GetStatus()).max_skew_seen_ms == three_days_ms);
  std::string mine = SILIAN_TAKE(a->CreateCase(test::SampleCase(2))).case_id.value;
  nlohmann::json view = SILIAN_TAKE(a->ShowCase(mine));
  CHECK(view.at("last_update") == "2026-01-01T00:00:00.000Z");

  a.store.reset();
  a.store = SILIAN_TAKE(LedgerStore::Open(a.path, test::FastOptions(a.wall.get())));
  CHECK(SILIAN_TAKE(a->GetStatus()).max_skew_seen_ms == three_days_ms);
}

TEST_CASE_METHOD(TwoLaptops, "Store: an abandoned import leaves nothing behind", "[store]") {
  CaseWithHistory(a, 1);
  auto entries = ExportAll(*a.store);
  std::string before = DigestOf(*b.store);
  {
    auto import = SILIAN_TAKE(b->BeginImport());
    pb::Batch batch;
    for (const auto& e : entries) *batch.add_entries() = e;
    SILIAN_REQUIRE_OK(import->Add(batch));
  }
  CHECK(DigestOf(*b.store) == before);
  CHECK(FrontierSeq(*b.store, "a") == 0);
  CHECK(SILIAN_TAKE(b->GetStatus()).op_count == 0);
  // The store is usable afterwards, for imports and for authoring.
  CHECK(ImportEntries(*b.store, entries).new_ops == 4);
  SILIAN_TAKE(b->CreateCase(test::SampleCase(2)));
  CHECK(DigestOf(*b.store) != DigestOf(*a.store));
}

TEST_CASE_METHOD(TwoLaptops, "Store: ops the caller parsed import as the same ops parsed by the import, checked alike",
                 "[store]") {
  CaseWithHistory(a, 1);
  CaseWithHistory(a, 2);
  auto entries = ExportAll(*a.store);
  pb::Batch batch;
  std::vector<pb::Op> ops;
  for (const auto& e : entries) {
    *batch.add_entries() = e;
    REQUIRE(ops.emplace_back().ParseFromString(e.op()));
  }
  {
    auto import = SILIAN_TAKE(b->BeginImport());
    SILIAN_REQUIRE_OK(import->AddParsed(batch, std::move(ops)));
    CHECK(SILIAN_TAKE(import->Commit(nullptr)).new_ops == entries.size());
  }
  CHECK(DigestOf(*b.store) == DigestOf(*a.store));

  // The envelope rules hold for a parsed op as for bytes: a division of two digits is refused, nothing stored.
  pb::Op bad = test::NoteOp({"z:1", 1, {}}, "x");
  bad.set_division("15");
  pb::Batch one;
  *one.add_entries() = test::OpEntry(bad);
  auto import = SILIAN_TAKE(b->BeginImport());
  CHECK(import->AddParsed(one, {bad}).code() == StatusCode::kDataLoss);
}

TEST_CASE("Store: a malformed entry is data loss", "[store]") {
  TempDir dir;
  Replica b = MakeReplica(dir, NodeAt("b"));
  auto add = [&](const pb::Entry& e) {
    auto import = SILIAN_TAKE(b->BeginImport());
    pb::Batch batch;
    *batch.add_entries() = e;
    return import->Add(batch);
  };
  pb::Entry garbage;
  garbage.set_op(std::string("\xff\xff\xff", 3));
  CHECK(add(garbage).code() == StatusCode::kDataLoss);
  pb::Op no_division = test::NoteOp({"a:1", 1, {}}, "x");
  no_division.set_division("15");
  CHECK(add(test::OpEntry(no_division)).code() == StatusCode::kDataLoss);
  pb::Op seq_zero = test::NoteOp({"a:1", 1, {}}, "x");
  seq_zero.set_seq(0);
  CHECK(add(test::OpEntry(seq_zero)).code() == StatusCode::kDataLoss);
  pb::Entry bad_skip;
  bad_skip.mutable_skip()->set_origin("a");
  bad_skip.mutable_skip()->set_from_seq(3);
  bad_skip.mutable_skip()->set_to_seq(2);
  bad_skip.mutable_skip()->set_hash(std::string(32, 'h'));
  CHECK(add(bad_skip).code() == StatusCode::kDataLoss);
  CHECK(add(pb::Entry()).code() == StatusCode::kDataLoss);
  CHECK(SILIAN_TAKE(b->GetStatus()).op_count == 0);
}

TEST_CASE("Store: the ledger file passes SQLite's integrity check and uses WAL", "[store]") {
  TempDir dir;
  Replica a = MakeReplica(dir, NodeAt("a"));
  CaseWithHistory(a, 1);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(a.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  auto one = [&](const char* sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    std::string v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
  };
  CHECK(one("PRAGMA integrity_check") == "ok");
  CHECK(one("PRAGMA journal_mode") == "wal");
  CHECK(one("PRAGMA user_version") == "6");
  sqlite3_close(db);
}

}  // namespace
}  // namespace silian::sync
