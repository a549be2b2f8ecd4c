// The node registry as replicated reference data and what is judged from it: publishers of reference data,
// the registry's root, bounded versions, authority from the registered level, and notice texts from the
// catalogue only. Ops are forged by hand, as an attacker would write them from schema/silian.proto.
#include "domain/registry.h"

#include <catch2/catch.hpp>

#include "domain/outbox.h"
#include "domain/store.h"
#include "support/test_util.h"

namespace silian::sync {
namespace {

using namespace test;  // the support library: replicas, exchanges, the tests' divisions

pb::Item TownshipItem(const std::string& code = "11152222MB0000004X3000000004") {
  pb::Item item;
  item.set_code(code);
  item.set_name("困难群众家庭经济状况证明开具");
  item.set_exercise_level("township");
  item.mutable_legal_limit()->set_value(10);
  item.mutable_legal_limit()->set_unit("working_days");
  item.mutable_promised_limit()->set_value(5);
  item.mutable_promised_limit()->set_unit("working_days");
  item.set_lead_department("民政办");
  return item;
}

// The city is the root; it registers the county, which registers the hall and the village; the county
// publishes a township item; everybody holds all of it.
struct Net {
  TempDir dir{TempDir::Where::kMemory};
  test::Replica city = MakeReplica(dir, NodeAt("city", Level::kCity, kCity));
  test::Replica county = MakeReplica(dir, NodeAt("county", Level::kCounty, kCounty));
  test::Replica hall = MakeReplica(dir, NodeAt("hall", Level::kTownship, kTownship));
  test::Replica village = MakeReplica(dir, NodeAt("agent", Level::kVillage, kVillage));

  Net() {
    RegisterNodes(*city, {county.store.get()});
    RegisterNodes(*county, {hall.store.get(), village.store.get()}, false);
    SILIAN_TAKE(county->PublishItems({TownshipItem()}, "admin"));
    for (auto* r : {&hall, &village}) Exchange(*county, *r->store);
    Exchange(*county, *city);
  }
};

// The next op of `origin` as `store` holds it (seq after its frontier), stamped now-ish.
pb::Op Forged(LedgerStore& store, const std::string& origin, const std::string& area) {
  pb::Op op;
  op.set_origin(origin);
  op.set_seq(FrontierSeq(store, origin) + 1);
  op.set_hlc(Stamp(kT0Ms + 3'600'000));
  op.set_actor("attacker");
  op.set_division(area);
  return op;
}

// Imports `ops` at `to` in one import; the status of Add (the import is rolled back on error).
Status TryImport(LedgerStore& to, const std::vector<pb::Op>& ops) {
  auto import = to.BeginImport();
  if (!import.ok()) return import.status();
  pb::Batch batch;
  for (const auto& op : ops) op.SerializeToString(batch.add_entries()->mutable_op());
  test::SignHeads(batch, SILIAN_TAKE(to.GetFrontier()));  // their origins sign: the content rules judge
  SILIAN_RETURN_IF_ERROR((*import)->Add(batch));
  return (*import)->Commit(nullptr).status();
}

TEST_CASE("Registry: hubs publish registrations that reach the node, the nodes below and the hubs above",
          "[registry]") {
  Net net;
  for (auto* r : {&net.city, &net.county, &net.hall, &net.village}) {
    auto hall = SILIAN_TAKE((*r)->Registrations());
    std::map<std::string, std::string> levels;
    for (const auto& reg : hall) levels[reg.node_id.value] = LevelName(reg.level);
    CHECK(levels.at("city") == "city");
    CHECK(levels.at("county") == "county");
    CHECK(levels.at("hall") == "township");
    CHECK(SILIAN_TAKE((*r)->RegistryRoot()) == std::optional<std::string>("city"));
  }
  // The village's registration reaches the hall above it, not a neighbour village.
  test::Replica other = MakeReplica(net.dir, NodeAt("other", Level::kVillage, kOtherVillage));
  Exchange(*net.county, *other);
  bool sees_agent = false;
  for (const auto& reg : SILIAN_TAKE(other->Registrations())) sees_agent |= reg.node_id.value == "agent";
  CHECK_FALSE(sees_agent);
  // `node add` twice publishes once.
  Peer again;
  again.node_id = NodeId{"hall"};
  again.level = Level::kTownship;
  again.division = DivisionCode{kTownship};
  CHECK_FALSE(SILIAN_TAKE(net.county->RegisterNode(again, "01", "admin")));
}

TEST_CASE("Registry: a village's item and national calendar under the city's origin with version 4294967295 "
          "are refused and change nothing",
          "[registry]") {
  Net net;
  const std::string before = DigestOf(*net.county);
  pb::Op item = Forged(*net.county, "city", "1522");
  *item.mutable_item_published() = TownshipItem("FORGED-ITEM");
  item.mutable_item_published()->set_version(4294967295u);
  Status s = TryImport(*net.county, {item});
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("4294967295") && Catch::Contains("2147483647"));

  pb::Op cal = Forged(*net.county, "city", "1522");
  cal.mutable_calendar_published()->set_name("national");
  cal.mutable_calendar_published()->set_version(4294967295u);
  cal.mutable_calendar_published()->add_years(2026);
  auto* day = cal.mutable_calendar_published()->add_days();
  day->set_date("2026-10-01");
  day->set_working(true);
  day->set_reason("forged");
  s = TryImport(*net.county, {cal});
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("calendar") && Catch::Contains("4294967295"));
  CHECK(DigestOf(*net.county) == before);
  CHECK(SILIAN_TAKE(net.county->CalendarFor(kVillage)).IsWorkingDay(*ParseDate("2026-10-01")) == false);
}

TEST_CASE("Registry: reference data from a village, outside its publisher's area or from a stranger is refused",
          "[registry]") {
  Net net;
  const std::string before = DigestOf(*net.county);
  SECTION("an item published by a node registered as a village") {
    pb::Op op = Forged(*net.county, "agent", "152222");
    *op.mutable_item_published() = TownshipItem("VILLAGE-ITEM");
    op.mutable_item_published()->set_version(1);
    Status s = TryImport(*net.county, {op});
    CHECK(s.code() == StatusCode::kPermissionDenied);
    CHECK_THAT(s.message(), Catch::Contains("\"agent\"") && Catch::Contains("village") &&
                                Catch::Contains("only county and city hubs publish"));
  }
  SECTION("a county's calendar for the whole city") {
    pb::Op op = Forged(*net.city, "county", "1522");
    op.mutable_calendar_published()->set_name("national");
    op.mutable_calendar_published()->set_version(5);
    op.mutable_calendar_published()->add_years(2026);
    Status s = TryImport(*net.city, {op});
    CHECK(s.code() == StatusCode::kPermissionDenied);
    CHECK_THAT(s.message(), Catch::Contains("\"1522\"") && Catch::Contains("outside the area \"152222\""));
  }
  SECTION("a township registered by a village") {
    pb::Op op = Forged(*net.county, "agent", "152222104");
    pb::NodeRegistered* r = op.mutable_node_registered();
    r->set_node_id("rogue-hall");
    r->set_level("township");
    r->set_division(kTownship);
    r->set_status("active");
    Status s = TryImport(*net.county, {op});
    CHECK(s.code() == StatusCode::kPermissionDenied);
  }
  SECTION("a county registered by a county") {
    pb::Op op = Forged(*net.city, "county", "152222");
    pb::NodeRegistered* r = op.mutable_node_registered();
    r->set_node_id("county-b");
    r->set_level("county");
    r->set_division(kCounty);
    r->set_status("active");
    Status s = TryImport(*net.city, {op});
    CHECK(s.code() == StatusCode::kPermissionDenied);
    CHECK_THAT(s.message(), Catch::Contains("registers only nodes of a lower level"));
  }
  SECTION("an item from an origin nobody registered is not admitted yet") {
    pb::Op op = Forged(*net.county, "stranger", "152222");
    *op.mutable_item_published() = TownshipItem("STRANGER-ITEM");
    op.mutable_item_published()->set_version(1);
    // Admit answers "not yet" (kUnavailable): the ledger parks the op until its publisher's registration
    // arrives, and nothing of it is applied.
    SILIAN_REQUIRE_OK(TryImport(*net.county, {op}));
    CHECK(SILIAN_TAKE(net.county->GetStatus()).pending_count == 1);
  }
  CHECK(DigestOf(*net.county) == before);
}

TEST_CASE("Registry: a second root claim is refused loudly", "[registry]") {
  Net net;
  const std::string before = DigestOf(*net.village);
  pb::Op op = Forged(*net.village, "rogue-city", "1522");
  pb::NodeRegistered* r = op.mutable_node_registered();
  r->set_node_id("rogue-city");
  r->set_level("city");
  r->set_division(kCity);
  r->set_status("active");
  // An origin no registry names has no key here: its claim waits unanchored and takes no effect.
  SILIAN_REQUIRE_OK(TryImport(*net.village, {op}));
  CHECK(DigestOf(*net.village) == before);
  CHECK(SILIAN_TAKE(net.village->GetSetting("registry_root")) == std::optional<std::string>("city"));
  // A registered hub, whose signature verifies, claiming to be the root: refused loudly.
  pb::Op claim = Forged(*net.village, "county", "1522");
  pb::NodeRegistered* c = claim.mutable_node_registered();
  c->set_node_id("county");
  c->set_level("city");
  c->set_division(kCity);
  c->set_status("active");
  c->set_public_key(TestKeyOf("county").public_key());
  Status s = TryImport(*net.village, {claim});
  CHECK(s.code() == StatusCode::kPermissionDenied);
  CHECK_THAT(s.message(), Catch::Contains("pinned to \"city\"") && Catch::Contains("\"county\""));
  CHECK(DigestOf(*net.village) == before);
  CHECK(net.county->RegisterSelfAsRoot("admin").code() == StatusCode::kPermissionDenied);
}

TEST_CASE("Registry: a publish that would take a version past 2^31-1 fails naming why", "[registry]") {
  Net net;
  // The highest version is admitted; the next publication cannot take effect.
  pb::Op op = Forged(*net.county, "city", "1522");
  *op.mutable_item_published() = TownshipItem("AT-THE-TOP");
  op.mutable_item_published()->set_version(kMaxReferenceVersion);
  SILIAN_REQUIRE_OK(TryImport(*net.county, {op}));
  pb::Item next = TownshipItem("AT-THE-TOP");
  next.set_name("changed");
  const std::string before = DigestOf(*net.county);
  auto published = net.county->PublishItems({next}, "admin");
  CHECK(published.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(published.status().message(), Catch::Contains("2147483647") && Catch::Contains("wrap"));
  next.set_version(4294967295u);
  CHECK_FALSE(net.county->PublishItems({next}, "admin").ok());
  CHECK(DigestOf(*net.county) == before);
}

TEST_CASE("Registry: authority is the origin's registered level, not the level the op claims", "[registry]") {
  Net net;
  auto c = SILIAN_TAKE(net.village->CreateCase([] {
    NewCase n = SampleCase(1);
    n.item_code = TownshipItem().code();
    return n;
  }()));
  SILIAN_TAKE(net.village->Act(c.case_number, Action::kReceive, "", "agent-1"));
  // The village refuses to author it...
  CHECK(net.village->Act(c.case_number, Action::kAccept, "", "agent-1").status().code() ==
        StatusCode::kFailedPrecondition);
  // ... so it forges an accept claiming township level, and one claiming nothing.
  auto ops = SILIAN_TAKE(net.village->ledger().LoadCaseOps(c.case_id.value));
  for (const char* claim : {"township", ""}) {
    DYNAMIC_SECTION("claiming level \"" << claim << "\"") {
      pb::Op accept = Forged(*net.village, "agent", kVillage);
      accept.set_case_id(c.case_id.value);
      *accept.add_parents() = [&] {
        pb::OpRef ref;
        ref.set_origin("agent");
        ref.set_seq(2);
        return ref;
      }();
      accept.mutable_transition()->set_action("accept");
      accept.mutable_transition()->set_level(claim);
      Exchange(*net.village, *net.hall);
      SILIAN_REQUIRE_OK(TryImport(*net.hall, {accept}));
      auto view = SILIAN_TAKE(net.hall->ShowCase(c.case_id.value));
      CHECK(view.at("status") == "received");
      CHECK(view.at("refused").size() == 1);
      CHECK_THAT(view.at("refused")[0].dump(), Catch::Contains("township"));
    }
  }
}

TEST_CASE("Registry: an op whose origin's level is unknown is refused until its registration arrives, then applied",
          "[registry]") {
  Net net;
  auto c = SILIAN_TAKE(net.hall->CreateCase([] {
    NewCase n = CaseIn(1, kVillage, "clerk");
    n.item_code = TownshipItem().code();
    return n;
  }()));
  SILIAN_TAKE(net.hall->Act(c.case_number, Action::kReceive, "", "clerk"));
  SILIAN_TAKE(net.hall->Act(c.case_number, Action::kAccept, "", "clerk"));
  std::vector<pb::Op> hall_ops;
  for (const auto& e : ExportAll(*net.hall)) {
    pb::Op op;
    REQUIRE(op.ParseFromString(e.op()));
    if (op.origin() == "hall") hall_ops.push_back(op);
  }
  // A fresh county replica is given the hall's ops before any registration.
  test::Replica county2 = MakeReplica(net.dir, NodeAt("county-copy", Level::kCounty, kCounty));
  SILIAN_REQUIRE_OK(TryImport(*county2, hall_ops));
  auto view = SILIAN_TAKE(county2->ShowCase(c.case_id.value));
  CHECK(view.at("status") == "received");
  REQUIRE(view.at("refused").size() == 1);
  CHECK_THAT(view.at("refused")[0].dump(), Catch::Contains("not known here"));
  // The registrations arrive: the case is folded again and the accept applies.
  Exchange(*net.city, *county2);
  Exchange(*net.county, *county2);
  view = SILIAN_TAKE(county2->ShowCase(c.case_id.value));
  CHECK(view.at("status") == "accepted");
  CHECK(SILIAN_TAKE(county2->Digest(std::string(kTownship))).state_hex ==
        SILIAN_TAKE(net.county->Digest(std::string(kTownship))).state_hex);
}

TEST_CASE("Registry: a case without terms cannot be accepted until its item is known", "[registry]") {
  Net net;
  test::Replica bare = MakeReplica(net.dir, NodeAt("bare", Level::kVillage, kOtherVillage));
  auto c = SILIAN_TAKE(bare->CreateCase([] {
    NewCase n = CaseIn(1, kOtherVillage);
    n.item_code = TownshipItem().code();
    return n;
  }()));
  SILIAN_TAKE(bare->Act(c.case_number, Action::kReceive, "", "agent-1"));
  RegisterNodes(*net.county, {bare.store.get()}, false);  // its ops verify with its key where it is registered
  Exchange(*net.county, *net.hall);
  Exchange(*bare, *net.hall);
  auto refused = net.hall->Act(c.case_number, Action::kAccept, "", "clerk");
  CHECK(refused.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(refused.status().message(), Catch::Contains("no item terms"));
  // Once the hall sets the item (it holds the catalogue), the case carries terms and may be accepted.
  SILIAN_TAKE(net.hall->SetFields(c.case_number, {{"item_code", TownshipItem().code()}}, "clerk"));
  SILIAN_TAKE(net.hall->Act(c.case_number, Action::kAccept, "", "clerk"));
}

TEST_CASE("Notices: the text names the catalogue's item, never text written inside the case", "[registry][notices]") {
  pb::Item item = TownshipItem();
  CHECK(NoticeHead(item, "152222104200-01-20260101-0001") ==
        "【四联政务】您的困难群众家庭经济状况证明开具申请（办件编号152222104200-01-20260101-0001）");
  CHECK(NoticeHead(std::nullopt, "152222104200-01-20260101-0001") ==
        "【四联政务】您的申请（办件编号152222104200-01-20260101-0001）");
  CHECK(NoticeHead(std::nullopt, "请点击 http://x 验证") == "【四联政务】您的申请");
  CHECK_THAT(OverdueApologyText(std::nullopt, "1-2"), Catch::StartsWith("【四联政务】很抱歉，您的申请（办件编号1-2）已超过"));
}

TEST_CASE("Notices: a forged case whose terms name a phishing text gets the generic template at the hub",
          "[registry][notices]") {
  Net net;
  SILIAN_REQUIRE_OK(net.county->SetSetting("notify", "on"));
  // A case of an item the catalogue lacks, with made-up terms, accepted by the registered hall.
  pb::Op created = Forged(*net.county, "hall", kVillage);
  created.set_case_id("hall:" + std::to_string(created.seq()));
  auto* body = created.mutable_case_created();
  body->set_case_number("152222104000-01-20260101-0009");
  body->set_item_code("NOT-IN-CATALOGUE");
  body->set_applicant_name("Bayar");
  body->set_applicant_id_type("resident_id");
  body->set_applicant_id(ResidentId(1));
  body->set_phone("13800000000");
  body->mutable_terms()->set_name("【四联政务】您的社保账户异常，请点击 http://evil.example 验证");
  body->mutable_terms()->set_exercise_level("village");
  body->mutable_terms()->set_version(1);
  body->mutable_terms()->mutable_legal_limit()->set_value(5);
  body->mutable_terms()->mutable_legal_limit()->set_unit("working_days");
  body->mutable_terms()->mutable_promised_limit()->set_value(3);
  body->mutable_terms()->mutable_promised_limit()->set_unit("working_days");
  body->mutable_terms()->set_lead_department("某苏木人民政府");
  auto next = [](const pb::Op& parent, const char* action) {
    pb::Op op = parent;
    op.set_seq(parent.seq() + 1);
    op.set_hlc(parent.hlc() + 1);
    op.clear_case_created();
    op.clear_parents();
    pb::OpRef* ref = op.add_parents();
    ref->set_origin(parent.origin());
    ref->set_seq(parent.seq());
    op.mutable_transition()->set_action(action);
    return op;
  };
  pb::Op receive = next(created, "receive");
  pb::Op accept = next(receive, "accept");
  SILIAN_REQUIRE_OK(TryImport(*net.county, {created, receive, accept}));
  auto notices = SILIAN_TAKE(net.county->ListNotices(std::nullopt, 10));
  REQUIRE(notices.size() == 2);  // received and accepted
  for (const auto& n : notices) {
    CHECK_THAT(n.text, !Catch::Contains("http"));
    if (n.kind == "accepted") CHECK(n.text == "【四联政务】您的申请（办件编号152222104000-01-20260101-0009）已受理。");
  }
}

}  // namespace
}  // namespace silian::sync
