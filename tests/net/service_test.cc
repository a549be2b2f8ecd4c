// The sync protocol in one process: SyncClient sessions against a SyncService, with a transport that hands
// each request straight to the service (no sockets), and ledgers on throwaway files. Covers the session
// (push, pull, cursors, receipts), its resumption after a lost request or reply, and the service's refusal
// of every class of bad input with its own status and JSON error body.
//
// Replay one seed of the interrupted-session test: SILIAN_SEED=N silian_sync_tests "SyncService: *"
#include "net/service.h"

#include <zstd.h>

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "console/node_keys.h"
#include "net/client.h"
#include "net/packed_entries.h"
#include "net/protocol.h"
#include "support/sync_requests.h"
#include "support/test_util.h"

namespace silian::sync {
namespace {

using namespace test;  // the support library: replicas, exchanges, the tests' divisions

// A hub in this process: a ledger, the access the service and the relay share, and the service answering
// sync requests.
struct Hub {
  Replica replica;
  std::unique_ptr<DirectAccess> access;
  std::unique_ptr<SyncService> service;

  LedgerStore& store() { return *replica.store; }
};

// The senders' keys as the service sees them in these tests: every peer of the hub holds its TestKeyOf key,
// except those listed in `revoked` and `removed` (the registry's own lookup, console::RegistryKeyLookup,
// is tested over HTTP in tests/e2e). Registration ops would change the op counts these tests check.
struct KeyStates {
  std::mutex mu;
  std::set<std::string> revoked, removed, without_key;
};
KeyStates& States() {
  static KeyStates states;
  return states;
}

NodeKeyLookup PeerKeys() {
  return [](Ledger& ledger, const std::string& id) -> Result<std::optional<NodeKey>> {
    SILIAN_ASSIGN_OR_RETURN(auto peer, ledger.peers().Find(id));
    if (!peer) return std::optional<NodeKey>();
    NodeKey key{TestKeyOf(id).public_key(), peer->level, false, false};
    std::lock_guard<std::mutex> lock(States().mu);
    key.revoked = States().revoked.count(id) > 0;
    key.removed = States().removed.count(id) > 0;
    if (States().without_key.count(id)) key.public_key.clear();
    return std::optional<NodeKey>(key);
  };
}

std::unique_ptr<Hub> MakeHub(const TempDir& dir, const std::string& id, Level level, const std::string& division,
                             SyncLimits limits = SyncLimits()) {
  auto hub = std::make_unique<Hub>();
  hub->replica = MakeReplica(dir, NodeAt(id, level, division));
  hub->access = std::make_unique<DirectAccess>(hub->replica.store->ledger());
  hub->service = std::make_unique<SyncService>(*hub->access, limits, PeerKeys());
  return hub;
}

// Lets node `id` sync with `hub`.
void Register(Hub& hub, const std::string& id, Level level, const std::string& division) {
  LedgerStore::Peer p;
  p.node_id = NodeId{id};
  p.level = level;
  p.division = DivisionCode{division};
  SILIAN_REQUIRE_OK(hub.store().AddPeer(p));
}

// The Authorization header of test node `id`, signed with its key for `body`, on `hub`'s clock.
std::string SignedAs(Hub& hub, const std::string& id, const std::string& body) {
  return SignRequest(TestKeyOf(id), id, "POST", kSyncPath, body, hub.replica.wall->NowMs(), NewNonce());
}

// Hands each request to the service as the hub's HTTP layer would, with the client's signed header.
// Can break the link at one call: before the request reaches the hub, or after the hub handled it (the
// reply is lost).
class DirectTransport final : public Transport {
 public:
  enum class Break { kNone, kBeforeRequest, kAfterRequest };

  explicit DirectTransport(SyncService& service) : service_(service) {}

  void BreakAt(int call, Break how) {
    break_call_ = call;
    break_how_ = how;
  }
  int calls() const { return calls_; }

  Result<Reply> Post(const std::string& path, const std::string& body, const std::string& authorization) override {
    REQUIRE(path == kSyncPath);
    ++calls_;
    bool broken = calls_ == break_call_;
    if (broken && break_how_ == Break::kBeforeRequest)
      return Unavailable("link down before request " + std::to_string(calls_));
    SyncOutcome out = service_.Handle(authorization, body);
    if (broken && break_how_ == Break::kAfterRequest)
      return Unavailable("reply to request " + std::to_string(calls_) + " lost");
    return Reply{out.http_status, out.body, out.signature};
  }

 private:
  SyncService& service_;
  int calls_ = 0;
  int break_call_ = 0;
  Break break_how_ = Break::kNone;
};

// The hubs' keys as a client sees them in these tests: every hub holds its TestKeyOf key and stands above
// every node.
NodeKeyLookup HubKeys() {
  return [](Ledger&, const std::string& id) -> Result<std::optional<NodeKey>> {
    return std::optional<NodeKey>(NodeKey{TestKeyOf(id).public_key(), Level::kCity, false, false});
  };
}

// `options` verifying the hub's reply signatures.
SyncOptions Verifying(SyncOptions options = SyncOptions()) {
  options.node_keys = HubKeys();
  return options;
}

Result<SyncSummary> SyncWith(Hub& hub, Replica& node, SyncOptions options = SyncOptions()) {
  options = Verifying(std::move(options));
  DirectTransport transport(*hub.service);
  return SyncClient((*node).ledger(), transport, "hub:" + hub.store().config().node_id.value, std::move(options))
      .SyncOnce();
}

// The county syncs with the city as its relay does: through the county hub's own ledger access.
Result<SyncSummary> RelayUp(Hub& county, Hub& city) {
  DirectTransport transport(*city.service);
  return SyncClient(*county.access, transport, "hub:" + city.store().config().node_id.value, Verifying()).SyncOnce();
}

uint64_t OpCount(LedgerStore& s) { return SILIAN_TAKE(s.GetStatus()).op_count; }

// Authors `cases` cases with two more ops each on `node`, in `division` (default: the node's own).
uint64_t AuthorCases(Replica& node, uint32_t cases, uint32_t first = 0,
                     std::optional<std::string> division = std::nullopt) {
  for (uint32_t i = 0; i < cases; ++i) {
    NewCase c = test::SampleCase(first + i);
    if (division) c.division = DivisionCode{*division};
    std::string id = SILIAN_TAKE(node->CreateCase(c)).case_id.value;
    SILIAN_TAKE(node->Act(id, Action::kReceive, "", "agent-1"));
    SILIAN_TAKE(node->AddNote(id, "called back", "agent-1"));
  }
  return 3ull * cases;
}

// ---- Raw requests, for what a SyncClient never sends.

pb::SyncReply Decode(const SyncOutcome& out) {
  INFO("HTTP " << out.http_status << " " << out.body.substr(0, 300));
  REQUIRE(out.http_status == 200);
  REQUIRE(out.content_type == kSyncContentType);
  std::string plain = SILIAN_TAKE(DecompressBody(out.body, 64u << 20));
  pb::SyncReply reply;
  REQUIRE(reply.ParseFromString(plain));
  return reply;
}

std::vector<pb::Entry> Entries(const pb::Batch& batch) { return {batch.entries().begin(), batch.entries().end()}; }

std::vector<std::string> Names(const pb::Batch& batch) { return EntryNames(Entries(batch)); }

// A refusal: the status, the JSON body {"error": code, "message": non-empty}, the code for metrics.
void RequireRefusal(const SyncOutcome& out, int http_status, const std::string& code) {
  INFO("HTTP " << out.http_status << " " << out.body);
  REQUIRE(out.http_status == http_status);
  CHECK(out.content_type == "application/json");
  CHECK(out.error == code);
  nlohmann::json j = nlohmann::json::parse(out.body, nullptr, false);
  REQUIRE(j.is_object());
  CHECK(j.size() == 2);
  CHECK(j.value("error", "") == code);
  CHECK_FALSE(j.value("message", "").empty());
}

// A county hub with village-1 (test::kVillage) and township-1 (kTownship) registered, and their ledgers.
struct CountyWorld {
  TempDir dir;
  std::unique_ptr<Hub> county = MakeHub(dir, "county-1522", Level::kCounty, kCounty);
  Replica village = MakeReplica(dir, NodeAt("village-1", Level::kVillage, test::kVillage));
  Replica township = MakeReplica(dir, NodeAt("township-1", Level::kTownship, kTownship));

  CountyWorld() {
    Register(*county, "village-1", Level::kVillage, test::kVillage);
    Register(*county, "township-1", Level::kTownship, kTownship);
  }
};

// ---------------------------------------------------------------------------------------------------

TEST_CASE_METHOD(CountyWorld,
                 "SyncService: a village's ops reach its township through the county, and the township's edit "
                 "comes back",
                 "[sync_service]") {
  uint64_t authored = AuthorCases(village, 3);
  SyncSummary up = SILIAN_TAKE(SyncWith(*county, village));
  CHECK(up.pushed == authored);
  CHECK(up.pulled == 0);
  CHECK(up.hub_id == "county-1522");
  CHECK(up.hub_level == "county");
  CHECK(OpCount(county->store()) == authored);

  SyncSummary down = SILIAN_TAKE(SyncWith(*county, township));
  CHECK(down.pulled == authored);
  CHECK(down.pushed == 0);
  std::string case_id = SILIAN_TAKE(township->ListCases(CaseFilter())).front().case_id;
  SILIAN_TAKE(township->AddMaterial(case_id, "household register", 2, "clerk-1"));
  CHECK(SILIAN_TAKE(SyncWith(*county, township)).pushed == 1);

  SyncSummary back = SILIAN_TAKE(SyncWith(*county, village));
  CHECK(back.pulled == 1);
  CHECK(back.pushed == 0);

  test::Snapshot at_village = test::TakeSnapshot(*village, std::string(test::kVillage));
  test::Snapshot at_township = test::TakeSnapshot(*township, std::string(test::kVillage));
  test::Snapshot at_county = test::TakeSnapshot(county->store(), std::string(test::kVillage));
  INFO(test::FirstDifference(at_village, at_county));
  CHECK(at_village == at_county);
  CHECK(at_township == at_county);
  CHECK(OpCount(county->store()) == authored + 1);
}

TEST_CASE("SyncService: pushing the same request twice stores its ops once", "[sync_service]") {
  TempDir dir;
  auto county = MakeHub(dir, "county-1522", Level::kCounty, kCounty);
  Register(*county, "village-1", Level::kVillage, test::kVillage);
  Replica village = MakeReplica(dir, NodeAt("village-1", Level::kVillage, test::kVillage));
  uint64_t authored = AuthorCases(village, 2);

  pb::SyncRequest req = RequestFrom(*village);
  for (auto& e : test::ExportAll(*village)) *req.mutable_push()->add_entries() = std::move(e);
  SILIAN_REQUIRE_OK(village->ledger().AttachHeads(req.mutable_push()));  // as the client signs its push
  const std::string body = Encode(req);

  pb::SyncReply first = Decode(county->service->Handle(SignedAs(*county, "village-1", body), body));
  CHECK(first.pushed_new() == authored);
  CHECK(first.pushed_known() == 0);
  std::string digest = DigestOf(county->store());

  pb::SyncReply again = Decode(county->service->Handle(SignedAs(*county, "village-1", body), body));
  CHECK(again.pushed_new() == 0);
  CHECK(again.pushed_known() == authored);
  CHECK(again.receipt().SerializeAsString() == first.receipt().SerializeAsString());
  CHECK(OpCount(county->store()) == authored);
  CHECK(DigestOf(county->store()) == digest);
  CHECK(SILIAN_TAKE(county->store().GetStatus()).equivocation_count == 0);

  // A whole session after that finds nothing to move either way.
  SyncSummary idle = SILIAN_TAKE(SyncWith(*county, village));
  CHECK(idle.pushed == 0);
  CHECK(idle.push_known == 0);
  CHECK(idle.pulled == 0);
  CHECK(OpCount(county->store()) == authored);
}

TEST_CASE("SyncService: a pull returns only the child's area, with skips that keep its frontier contiguous",
          "[sync_service]") {
  TempDir dir;
  auto county = MakeHub(dir, "county-1522", Level::kCounty, kCounty);
  Register(*county, "village-1", Level::kVillage, test::kVillage);
  Register(*county, "village-2", Level::kVillage, test::kOtherVillage);
  Register(*county, "township-1", Level::kTownship, kTownship);
  Replica village = MakeReplica(dir, NodeAt("village-1", Level::kVillage, test::kVillage));
  Replica neighbour = MakeReplica(dir, NodeAt("village-2", Level::kVillage, test::kOtherVillage));
  Replica township = MakeReplica(dir, NodeAt("township-1", Level::kTownship, kTownship));

  // The township's origin writes in both villages: seq 1 and 3 in village 1, seq 2 and 4 in village 2.
  std::string ours = SILIAN_TAKE(township->CreateCase(CaseIn(1, test::kVillage, "clerk-1"))).case_id.value;
  std::string theirs = SILIAN_TAKE(township->CreateCase(CaseIn(2, test::kOtherVillage, "clerk-1"))).case_id.value;
  SILIAN_TAKE(township->AddNote(ours, "for village 1", "clerk-1"));
  SILIAN_TAKE(township->AddNote(theirs, "for village 2", "clerk-1"));
  uint64_t neighbour_ops = AuthorCases(neighbour, 2);
  SILIAN_TAKE(SyncWith(*county, township));
  SILIAN_TAKE(SyncWith(*county, neighbour));
  REQUIRE(OpCount(county->store()) == 4 + neighbour_ops);

  pb::SyncRequest req = RequestFrom(*village);
  req.set_pull(true);
  const std::string body = Encode(req);
  pb::SyncReply reply = Decode(county->service->Handle(SignedAs(*county, "village-1", body), body));
  // Seq 4 lies beyond the last op of village 1, outside it, up to the township's signed head: a skip closes
  // the run there, so that the head covers what the village holds.
  CHECK(Names(reply.pulled()) ==
        std::vector<std::string>{"township-1:1", "skip:township-1:2-2", "township-1:3", "skip:township-1:4-4"});
  CHECK(reply.pulled().entries(1).skip().scope() == test::kVillage);
  CHECK(reply.pulled().heads_size() >= 1);
  CHECK_FALSE(reply.more());

  SyncSummary s = SILIAN_TAKE(SyncWith(*county, village));
  CHECK(s.pulled == 2);
  StoreStatus st = SILIAN_TAKE(village->GetStatus());
  CHECK(st.op_count == 2);
  CHECK(st.pending_count == 0);
  CHECK(FrontierSeq(*village, "township-1") == 4);
  CHECK(FrontierSeq(*village, "village-2") == 0);
  CHECK(SILIAN_TAKE(village->ListCases(CaseFilter())).size() == 1);
  CHECK(DigestOf(*village) == DigestOf(county->store(), std::string(test::kVillage)));

  // The next op of village 1 after the gap arrives with a skip over seq 4, and the frontier stays whole.
  SILIAN_TAKE(township->AddNote(ours, "again for village 1", "clerk-1"));
  SILIAN_TAKE(SyncWith(*county, township));
  CHECK(SILIAN_TAKE(SyncWith(*county, village)).pulled == 1);
  CHECK(FrontierSeq(*village, "township-1") == 5);
  CHECK(SILIAN_TAKE(village->GetStatus()).pending_count == 0);
  CHECK(DigestOf(*village) == DigestOf(county->store(), std::string(test::kVillage)));
}

// A county item: code "11152222MB0000NNNX2000000001".
pb::Item CountyItem(int n) {
  pb::Item item;
  item.set_code("11152222MB0000" + std::to_string(100 + n) + "X2000000001");
  item.set_name("county item " + std::to_string(n));
  item.set_exercise_level("county");
  item.mutable_legal_limit()->set_value(20);
  item.mutable_legal_limit()->set_unit("working_days");
  item.mutable_promised_limit()->set_value(9);
  item.mutable_promised_limit()->set_unit("working_days");
  item.set_lead_department("market regulation");
  auto* m = item.add_materials();
  m->set_name("ID card");
  m->set_form("copy");
  m->set_count(1);
  return item;
}

// Found by silian-sim (invariant 9): the reference ops of wider areas come from a second query with its own
// LIMIT; when the child already held the ones that query returned, the pull went on to a later op of the
// child's own prefix, moved the cursor past the reference ops the LIMIT had cut off, and covered them with
// a skip "outside the child's scope": the village never received those catalogue items.
TEST_CASE("SyncService: a pull in small batches brings every catalogue item the child lacks after those it holds",
          "[sync_service]") {
  TempDir dir;
  auto county = MakeHub(dir, "county-1522", Level::kCounty, kCounty);
  Register(*county, "village-1", Level::kVillage, test::kVillage);
  Replica village = MakeReplica(dir, NodeAt("village-1", Level::kVillage, test::kVillage));
  SILIAN_REQUIRE_OK(county->store().RegisterSelfAsRoot("admin"));  // county seq 1: publishers are registered
  SILIAN_TAKE(county->store().PublishItems({CountyItem(1)}, "admin"));
  SILIAN_TAKE(SyncWith(*county, village));
  // A revision publishes six items (county seq 3..8); the village gets the first three by another path (a
  // USB stick from a hall that pulled them in a session cut short).
  std::vector<pb::Item> revision;
  for (int n = 2; n <= 7; ++n) revision.push_back(CountyItem(n));
  REQUIRE(SILIAN_TAKE(county->store().PublishItems(revision, "admin")).published.size() == 6);
  std::vector<pb::Entry> entries = test::ExportEntries(county->store(), SILIAN_TAKE(village->GetFrontier()));
  REQUIRE(entries.size() == 6);
  entries.resize(3);
  test::ImportSigned(*village, entries, SILIAN_TAKE(village->GetFrontier()), "county-1522");  // the pull's head

  REQUIRE(FrontierSeq(*village, "county-1522") == 5);
  // Then the county registers a case of the village (county seq 9), and the village syncs in small batches.
  NewCase c = CaseIn(1, test::kVillage);
  c.item_code = CountyItem(1).code();
  SILIAN_TAKE(county->store().CreateCase(c));
  SyncOptions small;
  small.pull_batch_entries = 3;
  SILIAN_TAKE(SyncWith(*county, village, small));
  for (int n = 1; n <= 7; ++n) {
    INFO("item " << n);
    CHECK(village->FindItem(CountyItem(n).code(), std::nullopt).ok());
  }
  CHECK(FrontierSeq(*village, "county-1522") == 9);
  CHECK(SILIAN_TAKE(village->GetStatus()).op_count == 9);
  CHECK(DigestOf(*village) == DigestOf(county->store(), std::string(test::kVillage)));
}

TEST_CASE_METHOD(CountyWorld,
                 "SyncService: a pull cut between an origin's signed heads carries that origin's run on to its next "
                 "head, so the child applies it all and the next pull skips none of it",
                 "[sync_service]") {
  // One push of 7 ops: the township's only head is at seq 7. A pull of 3 entries that stopped at seq 3
  // would leave the village entries it cannot apply (no head covers them) behind a cursor it has passed.
  for (uint32_t i = 0; i < 7; ++i) SILIAN_TAKE(township->CreateCase(CaseIn(i, test::kVillage, "clerk-1")));
  SILIAN_TAKE(SyncWith(*county, township));

  pb::SyncRequest req = RequestFrom(*village);
  req.set_pull(true);
  req.set_max_pull_entries(3);
  const std::string body = Encode(req);
  pb::SyncReply first = Decode(county->service->Handle(SignedAs(*county, "village-1", body), body));
  CHECK(first.pulled().entries_size() == 7);
  test::ImportEntries(*village, Entries(first.pulled()));
  CHECK(FrontierSeq(*village, "township-1") == 7);
  CHECK(SILIAN_TAKE(village->GetStatus()).pending_count == 0);

  // The next pull resumes after the cut: it sends nothing the village holds and no skip over it.
  pb::SyncRequest next = RequestFrom(*village);
  next.set_pull(true);
  next.set_hub_epoch(first.hub_epoch());
  next.set_cursor(first.next_cursor());
  next.set_max_pull_entries(3);
  const std::string next_body = Encode(next);
  pb::SyncReply second = Decode(county->service->Handle(SignedAs(*county, "village-1", next_body), next_body));
  for (const auto& e : second.pulled().entries()) CHECK_FALSE(e.has_skip());
  test::ImportEntries(*village, Entries(second.pulled()));
  CHECK(SILIAN_TAKE(village->GetStatus()).case_count == 7);
  CHECK(DigestOf(*village) == DigestOf(county->store(), std::string(test::kVillage)));
}

TEST_CASE_METHOD(CountyWorld,
                 "SyncService: a pull resumes after its cursor, and a cursor of another epoch restarts without "
                 "duplicates",
                 "[sync_service]") {
  for (uint32_t i = 0; i < 7; ++i) SILIAN_TAKE(township->CreateCase(CaseIn(i, test::kVillage, "clerk-1")));
  SyncOptions threes;  // the township signs a head every 3 ops (3, 6, 7): a pull of 3 ends at a head
  threes.push_batch_entries = 3;
  SILIAN_TAKE(SyncWith(*county, township, threes));

  auto pull = [&](const std::string& epoch, uint64_t cursor, uint32_t max_entries) {
    pb::SyncRequest req = RequestFrom(*village);
    req.set_pull(true);
    req.set_hub_epoch(epoch);
    req.set_cursor(cursor);
    req.set_max_pull_entries(max_entries);
    const std::string body = Encode(req);
    return Decode(county->service->Handle(SignedAs(*county, "village-1", body), body));
  };

  pb::SyncReply first = pull("", 0, 3);
  CHECK(Names(first.pulled()) == std::vector<std::string>{"township-1:1", "township-1:2", "township-1:3"});
  CHECK(first.more());
  CHECK(first.hub_epoch() == county->store().epoch());
  test::ImportEntries(*village, Entries(first.pulled()));

  pb::SyncReply second = pull(first.hub_epoch(), first.next_cursor(), 3);
  CHECK(Names(second.pulled()) == std::vector<std::string>{"township-1:4", "township-1:5", "township-1:6"});
  CHECK(second.more());
  CHECK(second.next_cursor() > first.next_cursor());
  test::ImportEntries(*village, Entries(second.pulled()));

  // A cursor beyond everything, but of another ledger: the hub starts again from its first op and sends
  // only what the village's frontier lacks. (Rows the village holds count against max_entries.)
  pb::SyncReply foreign = pull("0123456789abcdef", second.next_cursor() + 1000, 100);
  CHECK(Names(foreign.pulled()) == std::vector<std::string>{"township-1:7"});
  CHECK(foreign.hub_epoch() == county->store().epoch());
  CHECK_FALSE(foreign.more());

  // The same cursor with the right epoch is past the end: nothing.
  pb::SyncReply past = pull(county->store().epoch(), second.next_cursor() + 1000, 100);
  CHECK(past.pulled().entries_size() == 0);

  test::ImportEntries(*village, Entries(foreign.pulled()));
  CHECK(OpCount(*village) == 7);
  CHECK(SILIAN_TAKE(village->GetStatus()).equivocation_count == 0);
  CHECK(DigestOf(*village) == DigestOf(county->store(), std::string(test::kVillage)));
}

TEST_CASE("SyncService: a session cut after any request resumes and converges, applying nothing twice",
          "[sync_service][random]") {
  // Small batches make a session of many requests: pulls of the township's ops, pushes of the village's.
  SyncOptions small = Verifying();
  small.push_batch_entries = 2;
  small.pull_batch_entries = 2;

  struct World {
    TempDir dir;
    std::unique_ptr<Hub> county;
    Replica village, township;
    uint64_t village_ops = 0, township_ops = 0;
  };
  auto make_world = [](uint64_t seed) {
    auto w = std::make_unique<World>();
    test::Rng rng(seed);
    w->county = MakeHub(w->dir, "county-1522", Level::kCounty, kCounty);
    Register(*w->county, "village-1", Level::kVillage, test::kVillage);
    Register(*w->county, "township-1", Level::kTownship, kTownship);
    w->village = MakeReplica(w->dir, NodeAt("village-1", Level::kVillage, test::kVillage));
    w->township = MakeReplica(w->dir, NodeAt("township-1", Level::kTownship, kTownship));
    w->township_ops =
        AuthorCases(w->township, static_cast<uint32_t>(rng.Between(1, 3)), 0, std::string(test::kVillage));
    SILIAN_TAKE(SyncWith(*w->county, w->township));
    w->village_ops = AuthorCases(w->village, static_cast<uint32_t>(rng.Between(1, 3)), 10);
    return w;
  };

  for (uint64_t seed : test::Seeds(1, 4)) {
    INFO(SeedNote(seed));
    // How many requests an uncut session makes.
    int requests = 0;
    {
      auto w = make_world(seed);
      DirectTransport t(*w->county->service);
      SILIAN_TAKE(SyncClient((*w->village).ledger(), t, "county", small).SyncOnce());
      requests = t.calls();
    }
    REQUIRE(requests >= 4);
    for (int cut = 1; cut <= requests; ++cut) {
      for (auto how : {DirectTransport::Break::kBeforeRequest, DirectTransport::Break::kAfterRequest}) {
        INFO("link cut at request " << cut << " of " << requests
                                    << (how == DirectTransport::Break::kBeforeRequest ? ", before it reached the hub"
                                                                                      : ", after the hub handled it"));
        auto w = make_world(seed);
        const uint64_t total = w->village_ops + w->township_ops;
        {
          DirectTransport t(*w->county->service);
          t.BreakAt(cut, how);
          auto cut_session = SyncClient((*w->village).ledger(), t, "county", small).SyncOnce();
          REQUIRE(cut_session.status().code() == StatusCode::kUnavailable);
        }
        SyncSummary resumed = SILIAN_TAKE(SyncWith(*w->county, w->village, small));
        CHECK(resumed.warnings.empty());
        SyncSummary idle = SILIAN_TAKE(SyncWith(*w->county, w->village, small));
        CHECK(idle.pushed == 0);
        CHECK(idle.pulled == 0);

        for (LedgerStore* s : {&*w->village, &w->county->store()}) {
          StoreStatus st = SILIAN_TAKE(s->GetStatus());
          CHECK(st.op_count == total);
          CHECK(st.equivocation_count == 0);
          CHECK(st.pending_count == 0);
        }
        CHECK(DigestOf(*w->village) == DigestOf(w->county->store(), std::string(test::kVillage)));
        CHECK(FrontierSeq(w->county->store(), "village-1") == w->village_ops);
        CHECK(MissingAt(*w->village, "county") == std::optional<uint64_t>(0));
      }
    }
  }
}

TEST_CASE("SyncService: after the county syncs to the city, the village's status shows its ops at the city",
          "[sync_service][receipts]") {
  TempDir dir;
  auto city = MakeHub(dir, "city-1522", Level::kCity, kCity);
  auto county = MakeHub(dir, "county-152222", Level::kCounty, kCounty);
  Register(*city, "county-152222", Level::kCounty, kCounty);
  Register(*county, "village-1", Level::kVillage, test::kVillage);
  Replica village = MakeReplica(dir, NodeAt("village-1", Level::kVillage, test::kVillage));

  // Nothing heard yet: every own op is missing at both levels.
  uint64_t authored = AuthorCases(village, 2);
  CHECK(MissingAt(*village, "county") == authored);
  CHECK(MissingAt(*village, "city") == authored);

  SILIAN_TAKE(SyncWith(*county, village));
  CHECK(MissingAt(*village, "county") == std::optional<uint64_t>(0));
  CHECK(MissingAt(*village, "city") == authored);

  SyncSummary relay = SILIAN_TAKE(RelayUp(*county, *city));
  CHECK(relay.pushed == authored);
  CHECK(OpCount(city->store()) == authored);
  // The village hears what the city holds the next time it talks to its county.
  CHECK(MissingAt(*village, "city") == authored);
  SILIAN_TAKE(SyncWith(*county, village));
  CHECK(MissingAt(*village, "county") == std::optional<uint64_t>(0));
  CHECK(MissingAt(*village, "city") == std::optional<uint64_t>(0));
  bool named = false;
  for (const auto& l : SILIAN_TAKE(village->LevelStatuses()))
    if (l.level == "city") named = l.hub_id == "city-1522" && l.heard_ms > 0;
  CHECK(named);

  // New ops are at the county at once and at the city only after the next relay.
  SILIAN_TAKE(village->AddNote(SILIAN_TAKE(village->ListCases(CaseFilter())).front().case_id, "more", "agent-1"));
  SILIAN_TAKE(SyncWith(*county, village));
  CHECK(MissingAt(*village, "county") == std::optional<uint64_t>(0));
  CHECK(MissingAt(*village, "city") == std::optional<uint64_t>(1));
  SILIAN_TAKE(RelayUp(*county, *city));
  SILIAN_TAKE(SyncWith(*county, village));
  CHECK(MissingAt(*village, "city") == std::optional<uint64_t>(0));
}

// ---- Refusals. Each class of bad input has its own status and error code, and stores nothing.

struct RefusalWorld {
  TempDir dir;
  std::unique_ptr<Hub> county;
  Replica village;
  std::string digest_before;
  uint64_t ops_before = 0;
  const std::string auth = "village-1";  // Send signs as the village, with its own key

  RefusalWorld() {
    SyncLimits limits;
    limits.max_body_bytes = 64u << 10;
    limits.max_decompressed_bytes = 256u << 10;
    limits.max_push_entries = 50;
    county = MakeHub(dir, "county-1522", Level::kCounty, kCounty, limits);
    Register(*county, "village-1", Level::kVillage, test::kVillage);
    village = MakeReplica(dir, NodeAt("village-1", Level::kVillage, test::kVillage));
    AuthorCases(village, 1);
    SILIAN_TAKE(SyncWith(*county, village));
    AuthorCases(village, 1, 5);  // not pushed yet: a bad request must not store these
    digest_before = DigestOf(county->store());
    ops_before = OpCount(county->store());
  }

  // A well-formed request from the village that pushes what the county lacks.
  pb::SyncRequest GoodPush() {
    pb::SyncRequest req = RequestFrom(*village);
    pb::Frontier holder = SILIAN_TAKE(county->store().GetFrontier());
    for (auto& e : test::ExportEntries(*village, holder)) *req.mutable_push()->add_entries() = std::move(e);
    SILIAN_REQUIRE_OK(village->ledger().AttachHeads(req.mutable_push()));  // as the client signs its push
    REQUIRE(req.push().entries_size() == 3);
    return req;
  }

  // `body` as node `as`, signed with its key.
  SyncOutcome Send(const std::string& as, const std::string& body) {
    return county->service->Handle(SignedAs(*county, as, body), body);
  }
  // `body` with the Authorization header `authorization` as it is.
  SyncOutcome SendRaw(const std::string& authorization, const std::string& body) {
    return county->service->Handle(authorization, body);
  }

  // GoodPush() changed by `edit`, sent as node `as`.
  SyncOutcome SendEdited(const std::string& as, const std::function<void(pb::SyncRequest&)>& edit) {
    pb::SyncRequest req = GoodPush();
    edit(req);
    return Send(as, Encode(req));
  }

  // Nothing stored, and the service still takes a good session.
  void RequireUnchangedAndServing() {
    CHECK(OpCount(county->store()) == ops_before);
    CHECK(DigestOf(county->store()) == digest_before);
    SyncSummary s = SILIAN_TAKE(SyncWith(*county, village));
    CHECK(s.pushed == 3);
  }
};

TEST_CASE_METHOD(RefusalWorld,
                 "SyncService: a request without credentials or with malformed ones is refused with 401 and stores "
                 "nothing",
                 "[sync_service][refusal][auth]") {
  const std::string body = Encode(GoodPush());
  RequireRefusal(SendRaw("", body), 401, "missing_credentials");
  RequireRefusal(SendRaw("Bearer abc", body), 401, "bad_credentials");
  RequireRefusal(SendRaw("Silian-Ed25519 node=village-1", body), 401, "bad_credentials");
  RequireRefusal(SendRaw("Silian-Ed25519 node=bad id!, ts=1, nonce=" + std::string(32, 'a') + ", sig=AAAA", body), 401,
                 "bad_credentials");
  std::string header = SignedAs(*county, "village-1", body);
  RequireRefusal(SendRaw(header + ", extra=1", body), 401, "bad_credentials");
  RequireRefusal(SendRaw(header.substr(0, header.size() - 8), body), 401, "bad_credentials");
  RequireUnchangedAndServing();
}

TEST_CASE_METHOD(RefusalWorld,
                 "SyncService: a protocol-1 request is refused with 426 naming both versions, whether by its "
                 "Authorization scheme or by its protocol_version",
                 "[sync_service][refusal][auth]") {
  SyncOutcome old_scheme = SendRaw("Silian node=village-1", Encode(GoodPush()));
  RequireRefusal(old_scheme, 426, "upgrade");
  CHECK_THAT(old_scheme.body, Catch::Contains("version 1") && Catch::Contains("version 2"));
  SyncOutcome old_body = SendEdited("village-1", [](pb::SyncRequest& req) { req.set_protocol_version(1); });
  RequireRefusal(old_body, 426, "version_mismatch");
  CHECK_THAT(old_body.body, Catch::Contains("version 1") && Catch::Contains("version 2"));
  RequireUnchangedAndServing();
}

TEST_CASE_METHOD(RefusalWorld,
                 "SyncService: a request signed with another key, or whose body changed after signing, is refused "
                 "with 401 bad_signature",
                 "[sync_service][refusal][auth]") {
  const std::string body = Encode(GoodPush());
  const uint64_t now = county->replica.wall->NowMs();
  SyncOutcome wrong_key = SendRaw(
      SignRequest(TestKeyOf("village-2"), "village-1", "POST", kSyncPath, body, now, NewNonce()), body);
  RequireRefusal(wrong_key, 401, "bad_signature");
  CHECK_THAT(wrong_key.body, Catch::Contains("village-1"));
  pb::SyncRequest other = GoodPush();
  other.mutable_push()->mutable_entries()->RemoveLast();
  RequireRefusal(SendRaw(SignedAs(*county, "village-1", body), Encode(other)), 401, "bad_signature");
  RequireRefusal(SendRaw(SignRequest(TestKeyOf("village-1"), "village-1", "POST", "/v1/other", body, now, NewNonce()),
                         body),
                 401, "bad_signature");
  RequireUnchangedAndServing();
}

TEST_CASE_METHOD(RefusalWorld,
                 "SyncService: a replayed request is refused with 401 replayed, also by a new service on the same "
                 "ledger file (a restarted hub)",
                 "[sync_service][refusal][auth]") {
  pb::SyncRequest pull = RequestFrom(*village);
  pull.set_pull(true);
  const std::string body = Encode(pull);
  const std::string header = SignedAs(*county, "village-1", body);
  REQUIRE(SendRaw(header, body).http_status == 200);
  RequireRefusal(SendRaw(header, body), 401, "replayed");
  SyncService restarted(*county->access, SyncLimits(), PeerKeys());
  RequireRefusal(restarted.Handle(header, body), 401, "replayed");
  RequireUnchangedAndServing();
}

TEST_CASE_METHOD(RefusalWorld,
                 "SyncService: a request stamped more than 5 minutes away from the hub's clock is refused with 401 "
                 "stale_request carrying the hub's clock",
                 "[sync_service][refusal][auth]") {
  const std::string body = Encode(GoodPush());
  const uint64_t now = county->replica.wall->NowMs();
  for (uint64_t ts : {now - kRequestWindowMs - 1000, now + kRequestWindowMs + 1000}) {
    SyncOutcome out = SendRaw(SignRequest(TestKeyOf("village-1"), "village-1", "POST", kSyncPath, body, ts, NewNonce()),
                              body);
    INFO(out.body);
    REQUIRE(out.http_status == 401);
    CHECK(out.error == "stale_request");
    nlohmann::json j = nlohmann::json::parse(out.body);
    CHECK(j.value("hub_ms", uint64_t{0}) == now);
  }
  RequireUnchangedAndServing();
}

TEST_CASE_METHOD(RefusalWorld,
                 "SyncClient: a laptop whose clock is a day off signs again on the hub's clock and syncs",
                 "[sync_service][auth]") {
  village.wall->Set(village.wall->NowMs() + 24ull * 3600 * 1000);
  SyncSummary s = SILIAN_TAKE(SyncWith(*county, village));
  CHECK(s.pushed == 3);
}

TEST_CASE_METHOD(RefusalWorld,
                 "SyncService: a revoked or removed node is refused with 403, a node without a key with 401 "
                 "not_enrolled, an unknown one with 401 unknown_node",
                 "[sync_service][refusal][auth]") {
  const std::string body = Encode(GoodPush());
  struct Reset {
    ~Reset() {
      std::lock_guard<std::mutex> lock(States().mu);
      States().revoked.clear();
      States().removed.clear();
      States().without_key.clear();
    }
  } reset;
  auto mark = [](std::set<std::string> KeyStates::*which) {
    std::lock_guard<std::mutex> lock(States().mu);
    States().revoked.clear();
    States().removed.clear();
    States().without_key.clear();
    (States().*which).insert("village-1");
  };
  mark(&KeyStates::revoked);
  RequireRefusal(Send(auth, body), 403, "revoked");
  mark(&KeyStates::removed);
  RequireRefusal(Send(auth, body), 403, "removed");
  mark(&KeyStates::without_key);
  RequireRefusal(Send(auth, body), 401, "not_enrolled");
  SyncOutcome unknown = SendEdited("village-9", [](pb::SyncRequest& req) { req.set_node_id("village-9"); });
  RequireRefusal(unknown, 401, "unknown_node");
  CHECK_THAT(unknown.body, Catch::Contains("village-9"));
  {
    std::lock_guard<std::mutex> lock(States().mu);
    States().without_key.clear();
  }
  RequireUnchangedAndServing();
}

// Hands requests to the service and changes every reply on the way: its body (`resign` false: the hub's
// signature no longer matches), or drops its signature.
class ReplyTamperer final : public Transport {
 public:
  enum class How { kChangeBody, kDropSignature };
  ReplyTamperer(SyncService& service, How how) : service_(service), how_(how) {}
  Result<Reply> Post(const std::string&, const std::string& body, const std::string& authorization) override {
    SyncOutcome out = service_.Handle(authorization, body);
    if (how_ == How::kDropSignature) return Reply{out.http_status, out.body, ""};
    pb::SyncReply reply;
    REQUIRE(reply.ParseFromString(SILIAN_TAKE(DecompressBody(out.body, 64u << 20))));
    reply.set_pushed_new(reply.pushed_new() + 1);
    return Reply{out.http_status, CompressBody(reply.SerializeAsString(), 1), out.signature};
  }

 private:
  SyncService& service_;
  How how_;
};

TEST_CASE_METHOD(RefusalWorld,
                 "SyncClient: a reply changed on the way or without the hub's signature is refused naming the hub, "
                 "and nothing is applied",
                 "[sync_service][auth]") {
  const std::string village_before = DigestOf(*village);
  for (auto how : {ReplyTamperer::How::kChangeBody, ReplyTamperer::How::kDropSignature}) {
    ReplyTamperer t(*county->service, how);
    auto session = SyncClient((*village).ledger(), t, "hub:county-1522", Verifying()).SyncOnce();
    REQUIRE(!session.ok());
    CHECK(session.status().code() == StatusCode::kPermissionDenied);
    CHECK_THAT(session.status().message(), Catch::Contains("county-1522") &&
                                               Catch::Contains(how == ReplyTamperer::How::kChangeBody ? "does not verify"
                                                                                                    : "not signed"));
    CHECK(DigestOf(*village) == village_before);
  }
}

// Hands the first request to the service twice, as libcurl does when a reused connection dies after the
// hub took the request: the hub stored it, and the copy gets 401 replayed.
class ResendingTransport final : public Transport {
 public:
  explicit ResendingTransport(SyncService& service) : service_(service) {}
  Result<Reply> Post(const std::string&, const std::string& body, const std::string& authorization) override {
    ++calls_;
    SyncOutcome out = service_.Handle(authorization, body);
    if (calls_ == 1) out = service_.Handle(authorization, body);
    return Reply{out.http_status, out.body, out.signature};
  }
  int calls() const { return calls_; }

 private:
  SyncService& service_;
  int calls_ = 0;
};

TEST_CASE_METHOD(RefusalWorld,
                 "SyncClient: a request the link sent twice (401 replayed) goes again signed anew, and its ops are "
                 "stored once",
                 "[sync_service][auth]") {
  ResendingTransport t(*county->service);
  auto session = SyncClient((*village).ledger(), t, "hub:county-1522", Verifying()).SyncOnce();
  INFO((session.ok() ? std::string("ok") : session.status().ToString()));
  REQUIRE(session.ok());
  CHECK(t.calls() >= 2);  // the replayed copy, then the same request with a new nonce
  CHECK(FrontierSeq(county->store(), "village-1") == OwnSeq(*village));
  CHECK(SILIAN_TAKE(county->store().GetStatus()).equivocation_count == 0);
}

TEST_CASE_METHOD(RefusalWorld, "SyncService: oversized bodies are refused with 413 too_large before they are read",
                 "[sync_service][refusal]") {
  SECTION("compressed body over the limit") {
    pb::SyncRequest req = GoodPush();
    // An incompressible frontier hash pushes the compressed body over 64 KiB.
    test::Rng rng(7);
    std::string noise;
    for (int i = 0; i < 80000; ++i) noise.push_back(static_cast<char>(rng.Below(256)));
    req.mutable_frontier()->add_entries()->set_hash(noise);
    std::string body = Encode(req);
    REQUIRE(body.size() > (64u << 10));
    RequireRefusal(Send(auth, body), 413, "too_large");
  }
  SECTION("body that decompresses beyond the limit") {
    std::string bomb = CompressBody(std::string(1u << 20, '\0'), 3);
    REQUIRE(bomb.size() < (64u << 10));
    RequireRefusal(Send(auth, bomb), 413, "too_large");
  }
  SECTION("a zstd frame that does not state its size and decompresses beyond the limit") {
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    REQUIRE(!ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0)));
    std::string plain(1u << 20, 'x');
    std::string out(ZSTD_compressBound(plain.size()), '\0');
    ZSTD_outBuffer ob{out.data(), out.size(), 0};
    ZSTD_inBuffer ib{plain.data(), plain.size(), 0};
    REQUIRE(ZSTD_compressStream2(cctx, &ob, &ib, ZSTD_e_end) == 0);
    ZSTD_freeCCtx(cctx);
    out.resize(ob.pos);
    REQUIRE(ZSTD_getFrameContentSize(out.data(), out.size()) == ZSTD_CONTENTSIZE_UNKNOWN);
    RequireRefusal(Send(auth, out), 413, "too_large");
  }
  SECTION("push of more entries than allowed") {
    pb::SyncRequest req = GoodPush();
    for (int i = 0; i < 60; ++i) *req.mutable_push()->add_entries() = req.push().entries(0);
    RequireRefusal(Send(auth, Encode(req)), 413, "too_large");
  }
  RequireUnchangedAndServing();
}

TEST_CASE_METHOD(RefusalWorld, "SyncService: bodies that are not a zstd SyncRequest are refused with 400 malformed",
                 "[sync_service][refusal]") {
  SECTION("not zstd") { RequireRefusal(Send(auth, "plain text, not compressed"), 400, "malformed"); }
  SECTION("empty body") { RequireRefusal(Send(auth, ""), 400, "malformed"); }
  SECTION("a truncated zstd frame") {
    std::string body = Encode(GoodPush());
    RequireRefusal(Send(auth, body.substr(0, body.size() / 2)), 400, "malformed");
  }
  SECTION("zstd of bytes that are not a SyncRequest") {
    // Field 2 (node_id) claims 16 bytes and has 3.
    RequireRefusal(Send(auth, CompressBody(std::string("\x12\x10"
                                                         "abc",
                                                         5),
                                             3)),
                   400, "malformed");
  }
  SECTION("the body names another node than the Authorization header") {
    Register(*county, "village-2", Level::kVillage, test::kVillage);
    RequireRefusal(Send("village-2", Encode(GoodPush())), 400, "malformed");
  }
  SECTION("a push entry that is neither op nor skip") {
    pb::SyncRequest req = GoodPush();
    req.mutable_push()->add_entries();
    RequireRefusal(Send(auth, Encode(req)), 400, "malformed");
  }
  SECTION("a push entry whose op bytes do not parse") {
    pb::SyncRequest req = GoodPush();
    req.mutable_push()->add_entries()->set_op(
        std::string("\x12\x10"
                    "abc",
                    5));
    RequireRefusal(Send(auth, Encode(req)), 400, "malformed");
  }
  SECTION("a pushed op with an invalid envelope, after good ones") {
    pb::SyncRequest req = GoodPush();
    pb::Op op;
    REQUIRE(op.ParseFromString(req.push().entries(2).op()));
    op.set_seq(op.seq() + 1);
    op.set_case_id("");
    req.mutable_push()->add_entries()->set_op(op.SerializeAsString());
    RequireRefusal(Send(auth, Encode(req)), 400, "malformed");
    // The refusal is counted against the node, for `silian-hub node list`.
    auto peer = SILIAN_TAKE(county->store().FindPeer("village-1"));
    REQUIRE(peer.has_value());
    CHECK(peer->errors == 1);
    CHECK_THAT(peer->last_error, Catch::Contains("case id"));
  }
  RequireUnchangedAndServing();
}

TEST_CASE_METHOD(RefusalWorld, "SyncService: protocol version 3 is refused with 426 version_mismatch",
                 "[sync_service][refusal]") {
  SyncOutcome out = SendEdited("village-1", [](pb::SyncRequest& req) { req.set_protocol_version(3); });
  RequireRefusal(out, 426, "version_mismatch");
  CHECK_THAT(out.body, Catch::Contains("protocol version 3"));
  RequireUnchangedAndServing();
}

TEST_CASE_METHOD(RefusalWorld,
                 "SyncService: a push or a claim outside the sender's area is refused with 422 out_of_scope",
                 "[sync_service][refusal]") {
  SECTION("an op of another village among good ones: none of them is stored") {
    pb::SyncRequest req = GoodPush();
    pb::Op op = test::CreatedOp({"village-1:99", test::Stamp(test::kT0Ms), {}, "village-1:99"});
    op.set_division(test::kOtherVillage);
    req.mutable_push()->add_entries()->set_op(op.SerializeAsString());
    SyncOutcome out = Send(auth, Encode(req));
    RequireRefusal(out, 422, "out_of_scope");
    CHECK_THAT(out.body, Catch::Contains(test::kOtherVillage));
  }
  SECTION("a node that claims another village's division") {
    pb::SyncRequest req = GoodPush();
    req.set_division(test::kOtherVillage);
    req.set_pull(true);
    RequireRefusal(Send(auth, Encode(req)), 422, "out_of_scope");
  }
  SECTION("a node that claims another level") {
    pb::SyncRequest req = RequestFrom(*village);
    req.set_level("township");
    req.set_division(kTownship);
    req.set_pull(true);
    RequireRefusal(Send(auth, Encode(req)), 422, "out_of_scope");
  }
  auto peer = SILIAN_TAKE(county->store().FindPeer("village-1"));
  REQUIRE(peer.has_value());
  CHECK(peer->errors == 1);
  CHECK_FALSE(peer->last_error.empty());
  RequireUnchangedAndServing();
}

// ---- Envelope rules at the hub (docs/protocol.md, "Envelope rules"): refusals name the rule and store nothing.

// RefusalWorld with a second village registered: the attacker, whose own division is test::kOtherVillage.
struct AttackWorld : RefusalWorld {
  Replica attacker = MakeReplica(dir, NodeAt("village-2", Level::kVillage, test::kOtherVillage));
  AttackWorld() {
    Register(*county, "village-2", Level::kVillage, test::kOtherVillage);  // publishes a registration op
    digest_before = DigestOf(county->store());
    ops_before = OpCount(county->store());
  }

  SyncOutcome PushAs(const std::string& as, const std::string& division, const std::vector<pb::Entry>& entries,
                     pb::Frontier frontier = pb::Frontier()) {
    return Send(as, Encode(RequestAs(as, "village", division, frontier, entries)));
  }
};

std::string MessageOf(const SyncOutcome& out) {
  return nlohmann::json::parse(out.body, nullptr, false).value("message", "");
}

TEST_CASE_METHOD(AttackWorld,
                 "SyncService: a child's skip over another node's seqs is refused with 403 refused naming the rule",
                 "[sync_service][envelope]") {
  pb::Frontier claims;
  auto* e = claims.add_entries();
  e->set_origin("village-1");
  e->set_seq(1000);
  for (const std::string& scope : {std::string(), std::string(kCounty), std::string(test::kOtherVillage)}) {
    SyncOutcome out = PushAs("village-2", test::kOtherVillage, {SkipEntry("village-1", 4, 1000, scope)}, claims);
    RequireRefusal(out, 403, "refused");
    CHECK_THAT(MessageOf(out), Catch::Contains("skip of \"village-1\" seq 4..1000"));
  }
  CHECK(FrontierSeq(county->store(), "village-1") == 3);
  RequireUnchangedAndServing();
}

TEST_CASE_METHOD(AttackWorld, "SyncService: a seq of 2^64-1 in a pushed skip is refused with 400 and the hub serves on",
                 "[sync_service][envelope]") {
  SyncOutcome out = PushAs("village-2", test::kOtherVillage, {SkipEntry("village-2", 1, ~uint64_t{0}, kCounty)});
  RequireRefusal(out, 400, "malformed");
  CHECK_THAT(MessageOf(out), Catch::Contains("invalid range"));
  RequireUnchangedAndServing();
}

TEST_CASE_METHOD(AttackWorld,
                 "SyncService: an op on another village's case under the pusher's own division is refused with 403",
                 "[sync_service][envelope]") {
  const std::string victim_case = "village-1:1";  // at the county already
  pb::Op forged = test::NoteOp({"village-2:1", test::Stamp(test::kT0Ms), {}, victim_case}, "withdrawn");
  forged.set_division(test::kOtherVillage);
  SyncOutcome out = PushAs("village-2", test::kOtherVillage, {test::OpEntry(forged)});
  RequireRefusal(out, 403, "refused");
  CHECK_THAT(MessageOf(out), Catch::Contains("its case \"" + victim_case + "\" is in division \"" +
                                             std::string(test::kVillage) + "\""));
  RequireUnchangedAndServing();
}

TEST_CASE_METHOD(AttackWorld, "SyncService: an op over 64 KiB is refused with 413 too_large",
                 "[sync_service][envelope]") {
  NewCase c = test::CaseIn(7, test::kOtherVillage);
  std::string id = SILIAN_TAKE(attacker->CreateCase(c)).case_id.value;
  pb::Op big = test::NoteOp({"village-2:2", test::Stamp(test::kT0Ms), {}, id}, std::string(100000, 'x'));
  big.set_division(test::kOtherVillage);
  std::vector<pb::Entry> entries = test::ExportAll(*attacker);
  entries.push_back(test::OpEntry(big));
  SyncOutcome out = PushAs("village-2", test::kOtherVillage, entries);
  RequireRefusal(out, 413, "too_large");
  CHECK_THAT(MessageOf(out), Catch::Contains("65536"));
  RequireUnchangedAndServing();
}

TEST_CASE_METHOD(AttackWorld, "SyncService: a stranger's ops ahead of a gap are refused with 403 and nothing waits",
                 "[sync_service][envelope]") {
  std::vector<pb::Entry> entries;
  for (uint64_t s = 2; s < 50; ++s) {
    pb::Op op = test::CreatedOp({"ghost-" + std::to_string(s) + ":" + std::to_string(s), test::Stamp(test::kT0Ms), {}, ""});
    op.set_case_id(op.origin() + ":" + std::to_string(op.seq()));
    op.set_division(test::kOtherVillage);
    entries.push_back(test::OpEntry(op));
  }
  SyncOutcome out = PushAs("village-2", test::kOtherVillage, entries);
  RequireRefusal(out, 403, "refused");
  // Another origin's entries without its signed head: refused as unsigned before anything could wait.
  CHECK_THAT(MessageOf(out), Catch::Contains("ghost-2") && Catch::Contains("unsigned entries"));
  CHECK(SILIAN_TAKE(county->store().GetStatus()).pending_count == 0);
  RequireUnchangedAndServing();
}

TEST_CASE_METHOD(AttackWorld,
                 "SyncService: an op forged in a village's name before it writes it is reported by that village as an "
                 "equivocation, and the hub keeps both versions",
                 "[sync_service][envelope][receipts]") {
  SILIAN_TAKE(SyncWith(*county, village));
  const uint64_t own = OwnSeq(*village);
  // village-2 pushes "village-1:<own+1>" (a new case, in village-2's own division) before village-1 does.
  pb::Op forged = test::CreatedOp({"village-1:" + std::to_string(own + 1), test::Stamp(test::kT0Ms), {}, ""});
  forged.set_case_id("village-1:" + std::to_string(own + 1));
  forged.set_division(test::kOtherVillage);
  SyncOutcome pushed = PushAs("village-2", test::kOtherVillage, {test::OpEntry(forged)});
  if (pushed.http_status != 200) {
    // A hub whose Admit checks the origin's registration stops the forgery at the door: as good.
    WARN("the hub refused the forged op: " << pushed.body);
    SILIAN_TAKE(SyncWith(*county, village));
    return;
  }
  CHECK(FrontierSeq(county->store(), "village-1") == own + 1);

  // Before village-1 writes that seq: the receipt shows a seq it never wrote.
  auto early = SyncWith(*county, village);
  REQUIRE(!early.ok());
  CHECK(early.status().code() == StatusCode::kDataLoss);
  CHECK_THAT(early.status().message(), Catch::Contains("seq " + std::to_string(own + 1)) &&
                                           Catch::Contains("has written only up to seq " + std::to_string(own)));

  // It writes its own op at that seq: the receipt's hash differs from its chain, loudly, and the hub gets
  // the genuine op as evidence.
  SILIAN_TAKE(village->AddNote(SILIAN_TAKE(village->ListCases(CaseFilter())).front().case_id, "genuine", "a"));
  auto later = SyncWith(*county, village);
  REQUIRE(!later.ok());
  CHECK(later.status().code() == StatusCode::kDataLoss);
  CHECK_THAT(later.status().message(),
             Catch::Contains("\"village-1\" up to seq " + std::to_string(own + 1)) && Catch::Contains("chain hash") &&
                 Catch::Contains("own chain has"));
  CHECK(SILIAN_TAKE(county->store().GetStatus()).equivocation_count == 1);
  bool shown = false;
  for (const auto& l : SILIAN_TAKE(village->LevelStatuses()))
    if (l.level == "county") shown = l.equivocation.find("village-1") != std::string::npos;
  CHECK(shown);
}

// Hands requests to the service, and rewrites the chain hash every reply's receipt gives for `origin`.
class TamperingTransport final : public Transport {
 public:
  TamperingTransport(SyncService& service, std::string origin) : service_(service), origin_(std::move(origin)) {}
  Result<Reply> Post(const std::string&, const std::string& body, const std::string& authorization) override {
    SyncOutcome out = service_.Handle(authorization, body);
    if (out.http_status != 200) return Reply{out.http_status, out.body, out.signature};
    pb::SyncReply reply;
    REQUIRE(reply.ParseFromString(SILIAN_TAKE(DecompressBody(out.body, 64u << 20))));
    for (auto& e : *reply.mutable_receipt()->mutable_entries())
      if (e.origin() == origin_) e.set_hash(std::string(32, 'f'));
    // A lying hub signs its lie: the receipt is what is under test here, not the reply signature.
    std::string lie = CompressBody(reply.SerializeAsString(), 1);
    const std::string nonce = SILIAN_TAKE(ParseSignedAuthorization(authorization)).nonce;
    return Reply{200, lie, SignReply(TestKeyOf(reply.hub_id()), nonce, lie)};
  }

 private:
  SyncService& service_;
  std::string origin_;
};

TEST_CASE_METHOD(CountyWorld,
                 "SyncClient: a receipt whose chain hash at this node's own seq differs from its own chain fails the "
                 "session naming origin, seq and both hashes, and status keeps showing it",
                 "[sync_service][receipts]") {
  AuthorCases(village, 1);
  SILIAN_TAKE(SyncWith(*county, village));
  TamperingTransport transport(*county->service, "village-1");
  auto session = SyncClient((*village).ledger(), transport, "hub:county-1522", Verifying()).SyncOnce();
  REQUIRE(!session.ok());
  CHECK(session.status().code() == StatusCode::kDataLoss);
  CHECK_THAT(session.status().message(),
             Catch::Contains("equivocation") && Catch::Contains("\"village-1\" up to seq 3") &&
                 Catch::Contains("6666666666666666") && Catch::Contains("own chain has"));
  bool shown = false;
  for (const auto& l : SILIAN_TAKE(village->LevelStatuses()))
    if (l.level == "county") shown = l.equivocation.find("seq 3") != std::string::npos;
  CHECK(shown);
  // An honest receipt from that level clears it.
  SILIAN_TAKE(SyncWith(*county, village));
  for (const auto& l : SILIAN_TAKE(village->LevelStatuses()))
    if (l.level == "county") CHECK(l.equivocation.empty());
}


// ---- Packed entries (docs/protocol.md, "Packed entries").

pb::SyncReply DecodeReply(const SyncOutcome& out) {
  REQUIRE(out.http_status == 200);
  pb::SyncReply reply;
  REQUIRE(reply.ParseFromString(SILIAN_TAKE(DecompressBody(out.body, 16u << 20))));
  return reply;
}

TEST_CASE_METHOD(RefusalWorld,
                 "SyncService: a packed push is stored as its author wrote it, and a pull reply comes packed only "
                 "to a client that reads packed entries",
                 "[sync_service][packed_entries]") {
  pb::SyncRequest req = GoodPush();
  PackEntries(req.mutable_push());
  REQUIRE(req.push().entries(0).has_op_tail());
  pb::SyncReply pushed = DecodeReply(Send("village-1", Encode(req)));
  CHECK(pushed.pushed_new() == 3);
  CHECK(pushed.packed_entries());
  for (uint64_t seq = 1; seq <= OwnSeq(*village); ++seq) {
    const OpId id{"village-1", seq};
    auto at_hub = SILIAN_TAKE(county->store().ledger().OpBytes(id));
    REQUIRE(at_hub.has_value());
    CHECK(*at_hub == *SILIAN_TAKE(village->ledger().OpBytes(id)));
  }
  CHECK(DigestOf(county->store(), kVillage) == DigestOf(*village, kVillage));

  // A fresh replica of the village pulls everything: packed when it says it reads them, plain otherwise.
  for (bool reads_packed : {true, false}) {
    pb::SyncRequest pull = RequestAs("village-1", "village", kVillage, pb::Frontier());
    pull.set_pull(true);
    pull.set_packed_entries(reads_packed);
    pb::SyncReply reply = DecodeReply(Send("village-1", Encode(pull)));
    int plain = 0, packed = 0;
    for (const auto& e : reply.pulled().entries()) (e.has_op_tail() ? packed : plain) += e.has_skip() ? 0 : 1;
    CHECK(plain + packed > 0);
    CHECK((reads_packed ? plain : packed) == 0);
  }
}

TEST_CASE_METHOD(RefusalWorld,
                 "SyncService: a packed push that does not add up is refused with 400 malformed naming the entry, "
                 "and nothing is stored",
                 "[sync_service][packed_entries]") {
  SyncOutcome out = SendEdited("village-1", [](pb::SyncRequest& req) {
    PackEntries(req.mutable_push());
    req.mutable_push()->mutable_entries(0)->clear_packed_origin();
  });
  RequireRefusal(out, 400, "malformed");
  CHECK_THAT(MessageOf(out), Catch::Contains("packed entry 1 names no origin"));
  RequireUnchangedAndServing();
}

}  // namespace
}  // namespace silian::sync
