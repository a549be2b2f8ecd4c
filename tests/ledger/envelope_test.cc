// The envelope rules of docs/protocol.md ("Envelope rules", "Who may vouch for a skip"), at the ledger:
// every refusal names what is wrong and leaves the digest, the frontier and the pending area as they were.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "domain/store.h"
#include "ledger/ledger.h"
#include "ledger/chain.h"
#include "support/test_util.h"

namespace silian::sync {
namespace {

using test::MakeReplica;
using test::NodeAt;
using test::Replica;
using test::TempDir;

constexpr uint64_t kMaxU64 = ~uint64_t{0};

// What a refused import must leave unchanged: digest, frontier with hashes, pending and op counts.
std::string Fingerprint(LedgerStore& s) {
  pb::Frontier f = SILIAN_TAKE(s.GetFrontier());
  StoreStatus st = SILIAN_TAKE(s.GetStatus());
  return test::DigestOf(s) + " " + f.SerializeAsString() + " pending=" + std::to_string(st.pending_count) +
         " ops=" + std::to_string(st.op_count);
}

// Imports `entries` in one batch as from `sender` and commits; the first error of Add or Commit.
Status ImportAs(LedgerStore& to, const std::vector<pb::Entry>& entries, ImportSender sender = ImportSender{}) {
  SILIAN_ASSIGN_OR_RETURN(auto import, to.ledger().BeginImport(std::move(sender)));
  pb::Batch batch;
  for (const auto& e : entries) *batch.add_entries() = e;
  test::SignHeads(batch, SILIAN_TAKE(to.GetFrontier()));  // their origins sign: the envelope rules judge
  SILIAN_RETURN_IF_ERROR(import->Add(batch));
  return import->Commit(nullptr).status();
}

// Imports `op` (ahead of a gap in its origin's chain) with a head its origin signed over a chain hash the
// receiver cannot check yet: the head waits with the op.
Status ImportSignedAheadOfGap(LedgerStore& to, const pb::Op& op, const ImportSender& sender) {
  SILIAN_ASSIGN_OR_RETURN(auto import, to.ledger().BeginImport(sender));
  pb::Batch batch;
  op.SerializeToString(batch.add_entries()->mutable_op());
  pb::SignedHead* h = batch.add_heads();
  h->set_origin(op.origin());
  h->set_seq(op.seq());
  h->set_hash(std::string(32, '\x5a'));
  h->set_signature(test::TestKeyOf(op.origin()).Sign(SignedHeadMessage(op.origin(), op.seq(), h->hash())));
  SILIAN_RETURN_IF_ERROR(import->Add(batch));
  return import->Commit(nullptr).status();
}

pb::Entry SkipEntry(const std::string& origin, uint64_t from, uint64_t to, const std::string& scope) {
  pb::Entry e;
  pb::Skip* s = e.mutable_skip();
  s->set_origin(origin);
  s->set_from_seq(from);
  s->set_to_seq(to);
  s->set_hash(std::string(32, '\0'));
  s->set_scope(scope);
  return e;
}

pb::Frontier FrontierOf(const std::string& origin, uint64_t seq) {
  pb::Frontier f;
  auto* e = f.add_entries();
  e->set_origin(origin);
  e->set_seq(seq);
  return f;
}

Peer PeerOf(const std::string& id, Level level, const std::string& division) {
  Peer p;
  p.node_id = NodeId{id};
  p.level = level;
  p.division = DivisionCode{division};
  return p;
}

// Refuses with `code` and a message holding every needle; the store is unchanged.
void RequireRefused(LedgerStore& store, const std::vector<pb::Entry>& entries, const ImportSender& sender,
                    StatusCode code, const std::vector<std::string>& needles) {
  const std::string before = Fingerprint(store);
  Status s = ImportAs(store, entries, sender);
  INFO(s.ToString());
  CHECK(s.code() == code);
  for (const auto& n : needles) CHECK_THAT(s.message(), Catch::Contains(n));
  CHECK(Fingerprint(store) == before);
}

// A village laptop with one case, and the township hall above it that holds it.
struct VillageAndHall {
  TempDir dir;
  Replica village = MakeReplica(dir, NodeAt("village-a", Level::kVillage, test::kVillage));
  Replica other = MakeReplica(dir, NodeAt("village-b", Level::kVillage, test::kOtherVillage));
  Replica hall = MakeReplica(dir, NodeAt("hall", Level::kTownship, test::kTownship));
  std::string case_id;
  VillageAndHall() {
    case_id = SILIAN_TAKE(village->CreateCase(test::SampleCase(1))).case_id.value;
    SILIAN_TAKE(other->CreateCase(test::CaseIn(2, test::kOtherVillage)));
    test::Exchange(*village.store, *hall.store);
    test::Exchange(*other.store, *hall.store);
  }
};

// ---- 1. Seq range.

TEST_CASE_METHOD(VillageAndHall, "Envelope: an op or a skip with a seq beyond 2^63-1 is refused on every path",
                 "[envelope]") {
  pb::Op op = test::NoteOp({"village-b:" + std::to_string(kMaxU64), 1, {}, case_id}, "x");
  const pb::Entry huge_skip = SkipEntry("village-b", 2, kMaxU64, "152222104");
  const pb::Entry huge_from = SkipEntry("village-b", kMaxU64, kMaxU64, "152222104");
  const ImportSender senders[] = {ImportSender{},
                                  PushSender(PeerOf("village-b", Level::kVillage, test::kOtherVillage),
                                             FrontierOf("village-b", kMaxU64)),
                                  PullSender("county", "152222", FrontierOf("village-b", kMaxU64))};
  for (const auto& sender : senders) {
    RequireRefused(*hall.store, {test::OpEntry(op)}, sender, StatusCode::kDataLoss, {"seq 18446744073709551615"});
    RequireRefused(*hall.store, {huge_skip}, sender, StatusCode::kDataLoss, {"invalid range", "9223372036854775807"});
    RequireRefused(*hall.store, {huge_from}, sender, StatusCode::kDataLoss, {"invalid range"});
  }
  // The hall still takes the next real op of that village.
  SILIAN_TAKE(other->AddNote(SILIAN_TAKE(other->ListCases(CaseFilter{})).at(0).case_id, "fine", "a"));
  CHECK(test::Exchange(*other.store, *hall.store).new_ops == 1);
}

// ---- 2. Skip vouching.

TEST_CASE_METHOD(VillageAndHall, "Envelope: a skip of the receiver's own origin is refused", "[envelope]") {
  SILIAN_TAKE(village->AddNote(case_id, "one", "a"));
  RequireRefused(*village.store, {SkipEntry("village-a", 3, 1000, "152222104")},
                 PullSender("hall", "152222104", FrontierOf("village-a", 1000)), StatusCode::kPermissionDenied,
                 {"own origin", "village-a"});
  CHECK(test::OwnSeq(*village.store) == 2);
  SILIAN_TAKE(village->AddNote(case_id, "two", "a"));
  CHECK(test::OwnSeq(*village.store) == 3);
}

TEST_CASE_METHOD(VillageAndHall, "Envelope: a skip with an empty scope is refused, whoever sends it", "[envelope]") {
  const pb::Entry skip = SkipEntry("village-b", 2, 1000, "");
  RequireRefused(*hall.store, {skip}, ImportSender{}, StatusCode::kPermissionDenied, {"empty scope"});
  RequireRefused(*hall.store, {skip}, PullSender("county", "152222", FrontierOf("village-b", 1000)),
                 StatusCode::kPermissionDenied, {"empty scope"});
}

TEST_CASE_METHOD(VillageAndHall,
                 "Envelope: a child's pushed skip over another node's seqs is refused, so the hub keeps awaiting them",
                 "[envelope]") {
  // village-a pushes Skip{village-b, 2..1000} to the hall, cut for the hall's scope.
  const pb::Entry skip = SkipEntry("village-b", 2, 1000, "152222104");
  const ImportSender push =
      PushSender(PeerOf("village-a", Level::kVillage, test::kVillage), FrontierOf("village-b", 1000));
  RequireRefused(*hall.store, {skip}, push, StatusCode::kPermissionDenied,
                 {"skip of \"village-b\" seq 2..1000", "outside the scope \"152222104200\""});
  // Cut for the village's own scope instead: the hall's scope is not within it.
  RequireRefused(*hall.store, {SkipEntry("village-b", 2, 1000, test::kVillage)}, push, StatusCode::kPermissionDenied,
                 {"does not contain this replica's scope"});
  CHECK(test::FrontierSeq(*hall.store, "village-b") == 1);
  SILIAN_TAKE(other->AddNote(SILIAN_TAKE(other->ListCases(CaseFilter{})).at(0).case_id, "real", "a"));
  CHECK(test::Exchange(*other.store, *hall.store).new_ops == 1);
}

TEST_CASE_METHOD(VillageAndHall, "Envelope: a skip past what its sender holds is refused", "[envelope]") {
  // The county may vouch for the village's scope, but holds village-b only up to seq 1.
  RequireRefused(*village.store, {SkipEntry("village-b", 1, 1000, test::kVillage)},
                 PullSender("county", "152222", FrontierOf("village-b", 1)), StatusCode::kPermissionDenied,
                 {"reaches past seq 1", "\"county\""});
  // And a skip of an origin its frontier does not name at all.
  RequireRefused(*village.store, {SkipEntry("stranger", 1, 5, test::kVillage)},
                 PullSender("county", "152222", pb::Frontier()), StatusCode::kPermissionDenied,
                 {"reaches past seq 0"});
}

TEST_CASE_METHOD(VillageAndHall, "Envelope: skips a hub cuts for a child are accepted from a pull and a bundle",
                 "[envelope]") {
  pb::Frontier holder = SILIAN_TAKE(village->GetFrontier());
  std::vector<pb::Entry> entries = test::ExportEntries(*hall.store, holder);
  pb::Frontier hall_frontier = SILIAN_TAKE(hall->GetFrontier());
  SILIAN_REQUIRE_OK(ImportAs(*village.store, entries, PullSender("hall", "152222104", hall_frontier)));
  CHECK(test::FrontierSeq(*village.store, "village-b") == 1);

  pb::BundleHeader header;
  header.set_sender("hall");
  header.set_sender_scope("152222104");
  *header.mutable_sender_frontier() = hall_frontier;
  Replica fresh = MakeReplica(dir, NodeAt("village-a2", Level::kVillage, test::kVillage, "02"));
  std::vector<pb::Entry> all = test::ExportEntries(*hall.store, SILIAN_TAKE(fresh->GetFrontier()));
  SILIAN_REQUIRE_OK(ImportAs(*fresh.store, all, BundleSender(header)));
  CHECK(test::DigestOf(*fresh.store) == test::DigestOf(*village.store));
}

TEST_CASE_METHOD(VillageAndHall, "Envelope: a bundle's skips cut for another holder are not applied and are named",
                 "[envelope]") {
  // village-b's laptop exports everything (no --for): its ops reach the hall as ops, but the skips it
  // cut for its own scope cannot cover the hall's.
  SILIAN_TAKE(village->AddNote(case_id, "a's", "a"));
  test::Exchange(*village.store, *hall.store);
  test::Exchange(*hall.store, *other.store);  // other holds village-a's ops as skips
  pb::BundleHeader header;
  header.set_sender("village-b");
  header.set_sender_scope(test::kOtherVillage);
  *header.mutable_sender_frontier() = SILIAN_TAKE(other->GetFrontier());
  Replica hall2 = MakeReplica(dir, NodeAt("hall2", Level::kTownship, test::kTownship, "02"));
  auto import = SILIAN_TAKE(hall2->ledger().BeginImport(BundleSender(header)));
  pb::Batch batch;
  for (const auto& e : test::ExportAll(*other.store)) *batch.add_entries() = e;
  SILIAN_REQUIRE_OK(import->Add(batch));
  ImportStats stats = SILIAN_TAKE(import->Commit(nullptr));
  CHECK(stats.skips_refused >= 1);
  REQUIRE(!stats.warnings.empty());
  CHECK_THAT(stats.warnings.back(), Catch::Contains("skips were not applied"));
  CHECK(test::FrontierSeq(*hall2.store, "village-a") == 0);
  CHECK(test::FrontierSeq(*hall2.store, "village-b") == 1);
}

// ---- 3. An op's division is its case's.

TEST_CASE_METHOD(VillageAndHall, "Envelope: an op on another village's case under the writer's own division is refused",
                 "[envelope]") {
  // village-b writes a note on village-a's case, claiming its own division.
  pb::Op forged = test::NoteOp({"village-b:2", test::Stamp(test::kT0Ms), {}, case_id}, "withdrawn by me");
  forged.set_division(test::kOtherVillage);
  RequireRefused(*hall.store, {test::OpEntry(forged)},
                 PushSender(PeerOf("village-b", Level::kVillage, test::kOtherVillage), FrontierOf("village-b", 2)),
                 StatusCode::kPermissionDenied,
                 {"op \"village-b:2\" is for division \"152222104201\"", "is in division \"152222104200\""});
}

TEST_CASE_METHOD(VillageAndHall, "Envelope: an op claiming this scope for a case created outside it is refused",
                 "[envelope]") {
  // village-a holds village-b's case as a skip; an op on it claiming village-a's division is a lie.
  test::Exchange(*hall.store, *village.store);
  std::string their_case = "village-b:1";
  pb::Op forged = test::NoteOp({"hall:1", test::Stamp(test::kT0Ms), {}, their_case}, "x");
  RequireRefused(*village.store, {test::OpEntry(forged)}, ImportSender{}, StatusCode::kPermissionDenied,
                 {"was created outside it"});
}

TEST_CASE_METHOD(VillageAndHall, "Envelope: an op whose case arrives later in the same import waits, then applies",
                 "[envelope]") {
  Replica fresh = MakeReplica(dir, NodeAt("hall2", Level::kTownship, test::kTownship, "02"));
  // The hall acts on village-a's case; a bundle written origin by origin brings "hall" before "village-a".
  SILIAN_TAKE(hall->AddNote(case_id, "hall's note", "clerk"));
  std::vector<pb::Entry> all = test::ExportAll(*hall.store);
  REQUIRE(test::EntryName(all.at(0)) == "hall:1");
  ImportStats stats = test::ImportEntries(*fresh.store, all, 1);
  CHECK(stats.pending == 0);
  CHECK(test::DigestOf(*fresh.store) == test::DigestOf(*hall.store));
  // Only the note, without its case: it waits, and nothing else is refused.
  Replica third = MakeReplica(dir, NodeAt("hall3", Level::kTownship, test::kTownship, "03"));
  stats = test::ImportEntries(*third.store, {all.at(0)});
  CHECK(stats.pending == 1);
  CHECK(test::FrontierSeq(*third.store, "hall") == 0);
  stats = test::ImportEntries(*third.store, all);
  CHECK(stats.pending == 0);
  CHECK(test::DigestOf(*third.store) == test::DigestOf(*hall.store));
}

TEST_CASE_METHOD(VillageAndHall, "Envelope: a creation op must be its own case, and only a creation op may be",
                 "[envelope]") {
  pb::Op created = test::CreatedOp({"village-b:2", test::Stamp(test::kT0Ms), {}, case_id});
  created.set_division(test::kOtherVillage);
  RequireRefused(*hall.store, {test::OpEntry(created)}, ImportSender{}, StatusCode::kDataLoss,
                 {"creates a case but names case \"village-a:1\""});
  pb::Op self_named = test::NoteOp({"village-b:2", test::Stamp(test::kT0Ms), {}, "village-b:2"}, "x");
  RequireRefused(*hall.store, {test::OpEntry(self_named)}, ImportSender{}, StatusCode::kDataLoss,
                 {"names itself as its case"});
  pb::Op not_an_id = test::NoteOp({"village-b:2", test::Stamp(test::kT0Ms), {}, "\x1b[2Jcase"}, "x");
  RequireRefused(*hall.store, {test::OpEntry(not_an_id)}, ImportSender{}, StatusCode::kDataLoss,
                 {"is not the id of an op"});
}

// ---- Authors and sizes.

TEST_CASE_METHOD(VillageAndHall, "Envelope: an op in the receiver's own name beyond what it wrote is refused",
                 "[envelope]") {
  pb::Op forged = test::NoteOp({"village-a:2", test::Stamp(test::kT0Ms), {}, case_id}, "not mine");
  RequireRefused(*village.store, {test::OpEntry(forged)}, ImportSender{}, StatusCode::kPermissionDenied,
                 {"claims this node as its author", "up to seq 1"});
  CHECK(test::OwnSeq(*village.store) == 1);
}

TEST_CASE_METHOD(VillageAndHall, "Envelope: an op over 64 KiB is refused on import and when authored", "[envelope]") {
  pb::Op big = test::NoteOp({"village-b:2", test::Stamp(test::kT0Ms), {}, "village-b:1"}, std::string(70000, 'n'));
  big.set_division(test::kOtherVillage);
  RequireRefused(*hall.store, {test::OpEntry(big)}, ImportSender{}, StatusCode::kResourceExhausted,
                 {"exceeds the limit of 65536 bytes per op"});
  const std::string before = Fingerprint(*village.store);
  auto authored = village->AddNote(case_id, std::string(70000, 'n'), "a");
  CHECK(!authored.ok());
  CHECK(Fingerprint(*village.store) == before);
}

// ---- 5. Bounded pending.

TEST_CASE_METHOD(VillageAndHall, "Envelope: a stranger's ops ahead of a gap are refused, while a known origin's wait",
                 "[envelope]") {
  pb::Op stranger = test::NoteOp({"nobody:5", test::Stamp(test::kT0Ms), {}, "nobody:1"}, "x");
  const ImportSender push =
      PushSender(PeerOf("village-a", Level::kVillage, test::kVillage), SILIAN_TAKE(village->GetFrontier()));
  // Pushed without a head of its origin (no one can sign for "nobody"): refused as unsigned.
  RequireRefused(*hall.store, {test::OpEntry(stranger)}, push, StatusCode::kPermissionDenied,
                 {"origin \"nobody\"", "no signed head"});
  // A known origin's op ahead of a gap, with its signed head, waits for the ops below it.
  pb::Op known = test::NoteOp({"village-a:5", test::Stamp(test::kT0Ms), {}, case_id}, "x");
  SILIAN_REQUIRE_OK(ImportSignedAheadOfGap(*hall.store, known, push));
  CHECK(SILIAN_TAKE(hall->GetStatus()).pending_count == 1);
}

TEST_CASE("Envelope: the pending area is bounded per origin and in all, naming the limit", "[envelope]") {
  TempDir dir;
  ManualWallClock wall(test::kT0Ms);
  LedgerStore::Options options = test::FastOptions(&wall);
  options.pending.max_entries_per_origin = 5;
  options.pending.max_entries = 8;
  auto hall = SILIAN_TAKE(LedgerStore::Create((dir.path() / "hall.db").string(), NodeAt("hall", Level::kTownship, test::kTownship),
                                              options));
  Replica village = MakeReplica(dir, NodeAt("village-a", Level::kVillage, test::kVillage));
  Replica other = MakeReplica(dir, NodeAt("village-b", Level::kVillage, test::kOtherVillage));
  std::string a_case = SILIAN_TAKE(village->CreateCase(test::SampleCase(1))).case_id.value;
  std::string b_case = SILIAN_TAKE(other->CreateCase(test::CaseIn(2, test::kOtherVillage))).case_id.value;
  test::Exchange(*village.store, *hall);
  test::Exchange(*other.store, *hall);
  auto ahead = [](const std::string& origin, const std::string& c, const std::string& division, uint64_t from,
                  uint64_t n) {
    std::vector<pb::Entry> out;
    for (uint64_t s = from; s < from + n; ++s) {
      pb::Op op = test::NoteOp({origin + ":" + std::to_string(s), test::Stamp(test::kT0Ms), {}, c}, "x");
      op.set_division(division);
      out.push_back(test::OpEntry(op));
    }
    return out;
  };
  RequireRefused(*hall, ahead("village-a", a_case, test::kVillage, 3, 6), ImportSender{},
                 StatusCode::kResourceExhausted, {"origin \"village-a\"", "limit of 5 entries"});
  SILIAN_REQUIRE_OK(ImportAs(*hall, ahead("village-a", a_case, test::kVillage, 3, 5)));
  RequireRefused(*hall, ahead("village-b", b_case, test::kOtherVillage, 3, 4), ImportSender{},
                 StatusCode::kResourceExhausted, {"pending area would hold 9 entries", "limit of 8 entries"});
  // The gap filled: everything waiting applies.
  for (int i = 0; i < 6; ++i) SILIAN_TAKE(village->AddNote(a_case, "n" + std::to_string(i), "a"));
  ImportStats stats = test::Exchange(*village.store, *hall);
  CHECK(stats.pending == 0);
}

TEST_CASE("Envelope: pending entries older than 30 days are purged when the ledger opens", "[envelope]") {
  TempDir dir;
  Replica hall = MakeReplica(dir, NodeAt("hall", Level::kTownship, test::kTownship));
  Replica village = MakeReplica(dir, NodeAt("village-a", Level::kVillage, test::kVillage));
  std::string c = SILIAN_TAKE(village->CreateCase(test::SampleCase(1))).case_id.value;
  test::Exchange(*village.store, *hall.store);
  pb::Op ahead = test::NoteOp({"village-a:3", test::Stamp(test::kT0Ms), {}, c}, "x");
  SILIAN_REQUIRE_OK(ImportAs(*hall.store, {test::OpEntry(ahead)}));
  CHECK(SILIAN_TAKE(hall->GetStatus()).pending_count == 1);
  hall.wall->Set(test::kT0Ms + 29ull * 24 * 3600 * 1000);
  hall.store.reset();
  hall.store = SILIAN_TAKE(LedgerStore::Open(hall.path, test::FastOptions(hall.wall.get())));
  CHECK(SILIAN_TAKE(hall->GetStatus()).pending_count == 1);
  hall.wall->Set(test::kT0Ms + 31ull * 24 * 3600 * 1000);
  hall.store.reset();
  hall.store = SILIAN_TAKE(LedgerStore::Open(hall.path, test::FastOptions(hall.wall.get())));
  CHECK(SILIAN_TAKE(hall->GetStatus()).pending_count == 0);
}

// ---- 6. Clock skew.

TEST_CASE("Envelope: an op stamped 23 hours ahead is stored, does not drag the clock, and is reported as skew",
          "[envelope]") {
  TempDir dir;
  const uint64_t ahead_ms = 23ull * 3600 * 1000;
  Replica a = MakeReplica(dir, NodeAt("a", Level::kVillage, test::kVillage, "01"), test::kT0Ms);
  Replica future = MakeReplica(dir, NodeAt("future", Level::kVillage, test::kVillage, "02"), test::kT0Ms + ahead_ms);
  SILIAN_TAKE(future->CreateCase(test::SampleCase(1)));
  ImportStats stats = test::Exchange(*future.store, *a.store);
  CHECK(stats.new_ops == 1);
  CHECK(stats.skewed == 1);
  REQUIRE(!stats.warnings.empty());
  CHECK_THAT(stats.warnings.front(), Catch::Contains("future:1") && Catch::Contains("clock skew"));
  CHECK(SILIAN_TAKE(a->GetStatus()).max_skew_seen_ms == ahead_ms);
  std::string mine = SILIAN_TAKE(a->CreateCase(test::SampleCase(2))).case_id.value;
  CHECK(SILIAN_TAKE(a->ShowCase(mine)).at("last_update") == "2026-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace silian::sync
