// Staff accounts as replicated reference data and what is judged from them: who publishes accounts, the
// content rules of the staff and audit ops, roles checked when authoring and again in every replica's fold,
// disabled accounts, sessions. Ops are forged by hand, as an attacker would write them from
// schema/silian.proto.
#include "domain/staff.h"

#include <catch2/catch.hpp>

#include "domain/store.h"
#include "support/staff.h"
#include "support/test_util.h"

namespace silian::sync {
namespace {

using namespace test;  // the support library: replicas, exchanges, the tests' divisions

constexpr const char* kItem = "11152222MB1234567X-1-001";  // MakeCountyFor's village item

// A county hub (registry root, village items) with a village laptop "agent" registered and synced.
struct Net {
  TempDir dir{TempDir::Where::kMemory};
  test::Replica village = MakeReplica(dir, NodeAt("agent", Level::kVillage, kVillage));
  test::Replica county = MakeCountyFor(dir, {village.store.get()});

  void Down() { Exchange(*county, *village); }
  void Up() { Exchange(*village, *county); }
};

pb::Op ForgedStaff(LedgerStore& store, const std::string& origin, const std::string& staff_id) {
  pb::Op op;
  op.set_origin(origin);
  op.set_seq(FrontierSeq(store, origin) + 1);
  op.set_hlc(Stamp(kT0Ms + 3'600'000));
  op.set_actor("attacker");
  op.set_division(kVillage);
  auto* s = op.mutable_staff_registered();
  s->set_staff_id(staff_id);
  s->set_name("Mallory");
  s->set_node_id("agent");
  s->set_division(kVillage);
  s->add_roles("administrator");
  s->set_status("active");
  s->set_verifier(SILIAN_TAKE(MakeVerifier(kStaffPassphrase)));
  return op;
}

Status TryImport(LedgerStore& to, const std::vector<pb::Op>& ops) {
  auto import = to.BeginImport();
  if (!import.ok()) return import.status();
  pb::Batch batch;
  for (const auto& op : ops) op.SerializeToString(batch.add_entries()->mutable_op());
  test::SignHeads(batch, SILIAN_TAKE(to.GetFrontier()));  // their origins sign: the content rules judge
  SILIAN_RETURN_IF_ERROR((*import)->Add(batch));
  return (*import)->Commit(nullptr).status();
}

TEST_CASE("Staff: the role ladder allows an agent to receive but not to accept or decide", "[staff]") {
  CHECK(RoleAllows(Role::kAgent, "receive"));
  CHECK_FALSE(RoleAllows(Role::kAgent, "accept"));
  CHECK_FALSE(RoleAllows(Role::kClerk, "approve"));
  CHECK(RoleAllows(Role::kApprover, "approve"));
  CHECK(RoleAllows(Role::kApprover, "decide-department"));
  CHECK_FALSE(RoleAllows(Role::kApprover, "resolve"));
  CHECK(RoleAllows(Role::kAdministrator, "resolve"));
  CHECK_FALSE(RoleAllows(Role::kAdministrator, "no-such-action"));
}

TEST_CASE("Staff: a passphrase verifier is Argon2id and checks only its passphrase", "[staff]") {
  std::string v = SILIAN_TAKE(MakeVerifier("correct horse battery"));
  CHECK(v.rfind("$argon2id$", 0) == 0);
  SILIAN_REQUIRE_OK(ValidateVerifier(v));
  CHECK(VerifyPassphrase(v, "correct horse battery"));
  CHECK_FALSE(VerifyPassphrase(v, "correct horse batterY"));
  CHECK_FALSE(CheckPassphraseStrength("ag1", "123456789").ok());
  SILIAN_REQUIRE_OK(CheckPassphraseStrength("ag1", "1234567890"));
}

TEST_CASE("Staff: a verifier whose cost would exhaust a laptop is refused by the content rules", "[staff]") {
  Net net;
  pb::Op op = ForgedStaff(*net.village, "county", "big");
  op.mutable_staff_registered()->set_verifier("$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA");
  Status s = TryImport(*net.village, {op});
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("m=4194304"));
}

TEST_CASE("Staff: a village cannot publish a staff account, and nothing is stored", "[staff]") {
  Net net;
  const std::string before = DigestOf(*net.county);
  Status s = TryImport(*net.county, {ForgedStaff(*net.county, "agent", "mallory")});
  CHECK(s.code() == StatusCode::kPermissionDenied);
  CHECK_THAT(s.message(), Catch::Contains("only county and city hubs publish"));
  CHECK(DigestOf(*net.county) == before);
  CHECK_FALSE(SILIAN_TAKE(net.county->FindStaff("mallory")).has_value());
}

TEST_CASE("Staff: authoring refuses an action the actor's roles do not allow, naming staff, role and action", "[staff]") {
  Net net;
  PublishStaff(*net.county, "ag1", "agent", {Role::kAgent});
  net.Down();
  REQUIRE(SILIAN_TAKE(net.village->StaffRequired()));
  CaseProjection c = SILIAN_TAKE(net.village->CreateCase(SampleCase(1, "ag1")));
  SILIAN_TAKE(net.village->Act(c.case_id.value, Action::kReceive, "", "ag1"));
  const uint64_t seq = OwnSeq(*net.village);
  auto accept = net.village->Act(c.case_id.value, Action::kAccept, "", "ag1");
  REQUIRE(accept.status().code() == StatusCode::kPermissionDenied);
  CHECK_THAT(accept.status().message(),
             Catch::Contains("\"ag1\"") && Catch::Contains("agent") && Catch::Contains("\"accept\""));
  CHECK(OwnSeq(*net.village) == seq);
  SILIAN_REQUIRE_OK(net.village->AuditLastRefusal());
  CHECK(OwnSeq(*net.village) == seq + 1);
  auto audit = SILIAN_TAKE(net.village->AuditRecords(10));
  REQUIRE(!audit.empty());
  CHECK(audit.front().event == "role_refused");
  CHECK(audit.front().action == "accept");
  // An actor that is no account of the node is refused too.
  CHECK(net.village->AddNote(c.case_id.value, "hello", "stranger").status().code() == StatusCode::kPermissionDenied);
}

TEST_CASE("Staff: an op whose actor lacks the role is refused by the projection on import, kept and reported, on every replica",
          "[staff]") {
  Net net;
  // Authored before the laptop held any account (bootstrap): free actors.
  CaseProjection c = SILIAN_TAKE(net.village->CreateCase(SampleCase(1, "ag1")));
  SILIAN_TAKE(net.village->Act(c.case_id.value, Action::kReceive, "", "ag1"));
  const OpId accept = SILIAN_TAKE(net.village->Act(c.case_id.value, Action::kAccept, "", "ag1"));
  PublishStaff(*net.county, "ag1", "agent", {Role::kAgent});
  net.Up();
  auto at_county = SILIAN_TAKE(net.county->ShowCase(c.case_id.value));
  CHECK(at_county.at("status") == "received");
  REQUIRE(at_county.contains("refused"));
  CHECK(at_county.at("refused").at(0).at("op") == accept.ToString());
  CHECK_THAT(at_county.at("refused").at(0).at("rule").get<std::string>(),
             Catch::Contains("\"ag1\"") && Catch::Contains("agent") && Catch::Contains("\"accept\""));
  // The laptop folds its case again when the account arrives, and agrees.
  net.Down();
  CHECK(SILIAN_TAKE(net.village->ShowCase(c.case_id.value)).at("status") == "received");
  CHECK(DigestOf(*net.village, kVillage) == DigestOf(*net.county, kVillage));
}

TEST_CASE("Staff: a disabled account's earlier ops stand and its later ones are refused", "[staff]") {
  Net net;
  PublishStaff(*net.county, "cl1", "agent", {Role::kClerk});
  net.Down();
  CaseProjection c = SILIAN_TAKE(net.village->CreateCase(SampleCase(1, "cl1")));
  net.county.wall->Set(kT0Ms + 60'000);
  StaffAccount a = *SILIAN_TAKE(net.county->FindStaff("cl1"));
  a.active = false;
  REQUIRE(SILIAN_TAKE(net.county->PublishStaff(a, "county")));
  net.Up();
  net.Down();
  CHECK(SILIAN_TAKE(net.county->ShowCase(c.case_id.value)).at("status") == "draft");
  CHECK_FALSE(SILIAN_TAKE(net.county->ShowCase(c.case_id.value)).contains("refused"));
  net.village.wall->Set(kT0Ms + 120'000);
  auto refused = net.village->Act(c.case_id.value, Action::kReceive, "", "cl1");
  CHECK(refused.status().code() == StatusCode::kPermissionDenied);
  CHECK_THAT(refused.status().message(), Catch::Contains("disabled"));
}

TEST_CASE("Staff: the staff member evaluated cannot record the evaluation of themselves", "[staff]") {
  Net net;
  PublishStaff(*net.county, "ag1", "agent", {Role::kAgent});
  net.Down();
  CaseProjection c = SILIAN_TAKE(net.village->CreateCase(SampleCase(1, "ag1")));
  pb::EvaluationGiven e;
  e.set_rating("very_satisfied");
  e.set_channel("hall_tablet");
  e.set_target_kind("staff");
  e.set_target("ag1");
  e.set_stage("acceptance");
  auto self = net.village->Evaluate(c.case_id.value, e, "ag1");
  CHECK(self.status().code() == StatusCode::kPermissionDenied);
  CHECK_THAT(self.status().message(), Catch::Contains("themselves"));
}

TEST_CASE("Staff: a login checks the passphrase, audits success and failure, and a session ends at its expiry",
          "[staff]") {
  Net net;
  PublishStaff(*net.county, "ag1", "agent", {Role::kAgent});
  net.Down();
  const uint64_t seq = OwnSeq(*net.village);
  auto wrong = net.village->Login("ag1", "not the passphrase", kDefaultSessionMs, SessionTokenHash("t1"));
  CHECK(wrong.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(wrong.status().message(), Catch::Contains("\"ag1\""));
  CHECK(OwnSeq(*net.village) == seq + 1);
  CHECK(net.village->ActiveSession(SessionTokenHash("t1")).status().code() == StatusCode::kNotFound);
  Session s = SILIAN_TAKE(net.village->Login("ag1", kStaffPassphrase, 60'000, SessionTokenHash("t2")));
  CHECK(s.staff_id == "ag1");
  CHECK(SILIAN_TAKE(net.village->ActiveSession(SessionTokenHash("t2"))).staff_id == "ag1");
  CHECK(net.village->ActiveSession(SessionTokenHash("t3")).status().code() == StatusCode::kNotFound);
  net.village.wall->Set(kT0Ms + 61'000);
  auto expired = net.village->ActiveSession(SessionTokenHash("t2"));
  CHECK(expired.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(expired.status().message(), Catch::Contains("expired"));
  auto events = SILIAN_TAKE(net.village->AuditRecords(10));
  REQUIRE(events.size() == 2);
  CHECK(events[0].event == "login");
  CHECK(events[1].event == "login_failed");
  net.Up();
  CHECK(SILIAN_TAKE(net.county->AuditRecords(10)).size() == 2);
}

TEST_CASE("Staff: an audit op whose area is not its node's division is refused, and nothing is stored", "[staff]") {
  Net net;
  pb::Op op;
  op.set_origin("agent");
  op.set_seq(FrontierSeq(*net.county, "agent") + 1);
  op.set_hlc(Stamp(kT0Ms + 3'600'000));
  op.set_actor("ag1");
  op.set_division(kOtherVillage);
  op.mutable_staff_audit()->set_event("login");
  op.mutable_staff_audit()->set_staff_id("ag1");
  const std::string before = DigestOf(*net.county);
  Status s = TryImport(*net.county, {op});
  CHECK(s.code() == StatusCode::kPermissionDenied);
  CHECK_THAT(s.message(), Catch::Contains(kOtherVillage));
  op.set_division(kVillage);
  op.mutable_staff_audit()->set_event("became_root");
  CHECK(TryImport(*net.county, {op}).code() == StatusCode::kInvalidArgument);
  CHECK(DigestOf(*net.county) == before);
}

TEST_CASE("Staff: an account of a division works at any node registered there, and at no other", "[staff]") {
  TempDir dir{TempDir::Where::kMemory};
  test::Replica v1 = MakeReplica(dir, NodeAt("v1", Level::kVillage, kVillage, "01"));
  test::Replica v2 = MakeReplica(dir, NodeAt("v2", Level::kVillage, kVillage, "02"));
  test::Replica other = MakeReplica(dir, NodeAt("v3", Level::kVillage, kOtherVillage));
  test::Replica county = MakeCountyFor(dir, {v1.store.get(), v2.store.get(), other.store.get()});
  StaffAccount a;
  a.staff_id = "roamer";
  a.name = "Roamer";
  a.division = kVillage;
  a.roles = {Role::kAgent};
  a.verifier = SILIAN_TAKE(MakeVerifier(kStaffPassphrase));
  REQUIRE(SILIAN_TAKE(county->PublishStaff(a, "county")));
  for (auto* r : {&v1, &v2, &other}) Exchange(*county, *r->store);
  SILIAN_TAKE(v1->CreateCase(SampleCase(1, "roamer")));
  SILIAN_TAKE(v2->Login("roamer", kStaffPassphrase, kDefaultSessionMs, SessionTokenHash("t")));
  SILIAN_TAKE(v2->CreateCase(SampleCase(2, "roamer")));
  // v3 holds no account for its division: it is not staffed, and the account cannot log in there.
  CHECK_FALSE(SILIAN_TAKE(other->StaffRequired()));
  CHECK(other->Login("roamer", kStaffPassphrase, kDefaultSessionMs, SessionTokenHash("u")).status().code() ==
        StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace silian::sync

namespace silian::sync {
namespace {

using nlohmann::json;

// The roles of `staff_id` at `hub` become `roles`, published at the hub's clock time `ms`.
void ChangeRoles(test::Replica& hub, const std::string& staff_id, const std::vector<Role>& roles, uint64_t ms) {
  hub.wall->Set(ms);
  StaffAccount a = *SILIAN_TAKE(hub->FindStaff(staff_id));
  a.roles = roles;
  REQUIRE(SILIAN_TAKE(hub->PublishStaff(a, "county")));
}

TEST_CASE("Staff: a role granted later does not make an earlier op valid, on every replica", "[staff][staff_versions]") {
  Net net;
  net.county.wall->Set(kT0Ms);
  PublishStaff(*net.county, "ag1", "agent", {Role::kAgent});
  // The laptop, offline since before the account existed (bootstrap), accepts at T0 + 1 min.
  net.village.wall->Set(kT0Ms + 60'000);
  CaseProjection c = SILIAN_TAKE(net.village->CreateCase(SampleCase(1, "ag1")));
  SILIAN_TAKE(net.village->Act(c.case_id.value, Action::kReceive, "", "ag1"));
  const OpId accept = SILIAN_TAKE(net.village->Act(c.case_id.value, Action::kAccept, "", "ag1"));
  // At T0 + 2 min the hub makes ag1 a clerk, who may accept: too late for the acceptance at T0 + 1 min.
  ChangeRoles(net.county, "ag1", {Role::kClerk}, kT0Ms + 120'000);
  CHECK(SILIAN_TAKE(net.county->FindStaff("ag1"))->roles == std::vector<Role>{Role::kClerk});
  net.Up();
  json at_county = SILIAN_TAKE(net.county->ShowCase(c.case_id.value));
  INFO(at_county.dump(1));
  CHECK(at_county.at("status") == "received");
  REQUIRE(at_county.contains("refused"));
  CHECK(at_county.at("refused").at(0).at("op") == accept.ToString());
  CHECK_THAT(at_county.at("refused").at(0).at("rule").get<std::string>(),
             Catch::Contains("\"ag1\"") && Catch::Contains("roles at the op's time") && Catch::Contains("agent") &&
                 Catch::Contains("\"accept\""));
  net.Down();
  CHECK(SILIAN_TAKE(net.village->ShowCase(c.case_id.value)).at("status") == "received");
  CHECK(DigestOf(*net.village, kVillage) == DigestOf(*net.county, kVillage));
  // Now a clerk, ag1 accepts again, and that acceptance stands.
  net.village.wall->Set(kT0Ms + 180'000);
  SILIAN_TAKE(net.village->Act(c.case_id.value, Action::kAccept, "", "ag1"));
  net.Up();
  CHECK(SILIAN_TAKE(net.county->ShowCase(c.case_id.value)).at("status") == "accepted");
}

TEST_CASE("Staff: a role revoked later does not invalidate an earlier op, but refuses the next one",
          "[staff][staff_versions]") {
  Net net;
  net.county.wall->Set(kT0Ms);
  PublishStaff(*net.county, "cl1", "agent", {Role::kClerk});
  net.Down();
  net.village.wall->Set(kT0Ms + 60'000);
  CaseProjection c = SILIAN_TAKE(net.village->CreateCase(SampleCase(1, "cl1")));
  SILIAN_TAKE(net.village->Act(c.case_id.value, Action::kReceive, "", "cl1"));
  SILIAN_TAKE(net.village->Act(c.case_id.value, Action::kAccept, "", "cl1"));
  // The hub takes the clerk role away at T0 + 2 min; the ops of T0 + 1 min stand everywhere.
  ChangeRoles(net.county, "cl1", {Role::kAgent}, kT0Ms + 120'000);
  net.Up();
  net.Down();
  for (LedgerStore* replica : {net.county.store.get(), net.village.store.get()}) {
    json view = SILIAN_TAKE(replica->ShowCase(c.case_id.value));
    INFO(view.dump(1));
    CHECK(view.at("status") == "accepted");
    CHECK_FALSE(view.contains("refused"));
  }
  // Authoring judges the new op at its own time: the role is gone.
  net.village.wall->Set(kT0Ms + 180'000);
  auto refused = net.village->Act(c.case_id.value, Action::kStartReview, "", "cl1");
  CHECK(refused.status().code() == StatusCode::kPermissionDenied);
  CHECK_THAT(refused.status().message(), Catch::Contains("agent") && Catch::Contains("\"start-review\""));
}

}  // namespace
}  // namespace silian::sync
