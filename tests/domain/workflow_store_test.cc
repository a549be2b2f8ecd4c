// The service-centre workflow through the ledger store: reference data published at a hub and received by
// the nodes of its area, authority at the node and on import, parallel approval merged from offline
// department decisions, fees, evaluations, and the outbox of notices.
#include <catch2/catch.hpp>

#include "domain/catalog.h"
#include "domain/store.h"
#include "support/test_util.h"

namespace silian::sync {
namespace {

using namespace test;  // the support library: replicas, exchanges, the tests' divisions

// A county item (accepted and decided at the county), a village item, and a parallel county item.
pb::Item CountyItem() {
  pb::Item item;
  item.set_code("11152222MB0000001X2000000001");
  item.set_name("个体工商户设立登记");
  item.set_exercise_level("county");
  item.mutable_legal_limit()->set_value(20);
  item.mutable_legal_limit()->set_unit("working_days");
  item.mutable_promised_limit()->set_value(9);
  item.mutable_promised_limit()->set_unit("working_days");
  item.set_lead_department("市场监管局");
  auto* m = item.add_materials();
  m->set_name("身份证");
  m->set_form("original");
  m->set_count(1);
  m = item.add_materials();
  m->set_name("经营场所证明");
  m->set_form("copy");
  m->set_count(2);
  auto* f = item.add_fees();
  f->set_name("登记费");
  f->set_amount_fen(8000);
  return item;
}

pb::Item VillageItem() {
  pb::Item item = CountyItem();
  item.set_code("11152222MB0000002X4000000002");
  item.set_name("居住证明");
  item.set_exercise_level("village");
  item.clear_fees();
  return item;
}

pb::Item ParallelItem() {
  pb::Item item = CountyItem();
  item.set_code("11152222MB0000003X2000000003");
  item.set_name("企业投资项目联合审批");
  item.mutable_legal_limit()->set_value(45);
  item.mutable_promised_limit()->set_value(15);
  item.set_lead_department("发改委");
  item.add_departments("自然资源局");
  item.add_departments("生态环境局");
  return item;
}

// The city is the registry's root; it registers the county, which registers the hall and the village.
struct Network {
  TempDir dir{TempDir::Where::kMemory};
  test::Replica city = MakeReplica(dir, NodeAt("city", Level::kCity, kCity));
  test::Replica county = MakeReplica(dir, NodeAt("county", Level::kCounty, kCounty));
  test::Replica township = MakeReplica(dir, NodeAt("hall", Level::kTownship, kTownship));
  test::Replica village = MakeReplica(dir, NodeAt("agent", Level::kVillage, test::kVillage));

  // Registers a second office of the county at the city and hands its registration to the county.
  void AddOffice(test::Replica& office) {
    RegisterNodes(*city, {office.store.get()}, false);
    Exchange(*city, *county);
  }

  Network() {
    RegisterNodes(*city, {county.store.get()});
    RegisterNodes(*county, {township.store.get(), village.store.get()}, false);
    auto published = SILIAN_TAKE(county->PublishItems({CountyItem(), VillageItem(), ParallelItem()}, "admin"));
    REQUIRE(published.published.size() == 3);
    Exchange(*county, *township);
    Exchange(*county, *village);
  }
};

NewCase CaseOf(const pb::Item& item, uint32_t n) {
  NewCase c = test::SampleCase(n);
  c.item_code = item.code();
  return c;
}

TEST_CASE("Workflow: a county's catalogue reaches the villages of its area and cases keep their version",
          "[workflow_store]") {
  Network net;
  auto items = SILIAN_TAKE(net.village->CatalogItems(false));
  REQUIRE(items.size() == 3);
  auto c = SILIAN_TAKE(net.village->CreateCase(CaseOf(CountyItem(), 1)));
  REQUIRE(c.terms.has_value());
  CHECK(c.terms->version() == 1);
  CHECK(c.terms->exercise_level() == "county");

  // Publishing the same catalogue again publishes nothing; a change makes version 2.
  auto again = SILIAN_TAKE(net.county->PublishItems({CountyItem(), VillageItem(), ParallelItem()}, "admin"));
  CHECK(again.published.empty());
  CHECK(again.unchanged.size() == 3);
  pb::Item changed = CountyItem();
  changed.mutable_promised_limit()->set_value(5);
  auto v2 = SILIAN_TAKE(net.county->PublishItems({changed}, "admin"));
  REQUIRE(v2.published.size() == 1);
  CHECK(v2.published[0].version() == 2);
  Exchange(*net.county, *net.village);
  CHECK(SILIAN_TAKE(net.village->FindItem(CountyItem().code(), std::nullopt)).version() == 2);
  auto view = SILIAN_TAKE(net.village->ShowCase(c.case_number));
  CHECK(view["item"]["version"] == 1);
  CHECK(view["item"]["promised_limit"]["value"] == 9);

  // Unknown and withdrawn codes are refused by name once a catalogue is held.
  NewCase unknown = test::SampleCase(2);
  unknown.item_code = "NO-SUCH-ITEM";
  auto refused = net.village->CreateCase(unknown);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("NO-SUCH-ITEM"));
}

TEST_CASE("Workflow: reference ops of another county never reach this county's nodes", "[workflow_store]") {
  Network net;
  TempDir dir(TempDir::Where::kMemory);
  auto other = MakeReplica(dir, NodeAt("other-county", Level::kCounty, "152221000000"));
  pb::Item item = CountyItem();
  item.set_code("OTHER-COUNTY-ITEM");
  SILIAN_TAKE(other->PublishItems({item}, "admin"));
  auto stats = Exchange(*other, *net.village);
  CHECK(stats.new_ops == 0);
  CHECK(stats.skipped_runs == 1);  // the exporter turns it into a skip for the village
  CHECK_FALSE(net.village->FindItem("OTHER-COUNTY-ITEM", std::nullopt).ok());
}

TEST_CASE("Workflow: a village point may receive and forward but not accept a county item", "[workflow_store]") {
  Network net;
  auto c = SILIAN_TAKE(net.village->CreateCase(CaseOf(CountyItem(), 1)));
  SILIAN_TAKE(net.village->Act(c.case_number, Action::kReceive, "", "agent-1"));
  auto accept = net.village->Act(c.case_number, Action::kAccept, "", "agent-1");
  REQUIRE_FALSE(accept.ok());
  CHECK(accept.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(accept.status().message(), Catch::Contains("county") && Catch::Contains("village"));
  SILIAN_TAKE(net.village->Act(c.case_number, Action::kForward, "", "agent-1"));
  // The county accepts it.
  Exchange(*net.village, *net.county);
  SILIAN_TAKE(net.county->Act(c.case_id.value, Action::kAccept, "", "clerk"));
  // A village item is accepted at the village.
  auto v = SILIAN_TAKE(net.village->CreateCase(CaseOf(VillageItem(), 2)));
  SILIAN_TAKE(net.village->Act(v.case_number, Action::kReceive, "", "agent-1"));
  SILIAN_TAKE(net.village->Act(v.case_number, Action::kAccept, "", "agent-1"));
}

TEST_CASE("Workflow: an op without authority pushed to a hub is kept, refused on the case and reported",
          "[workflow_store]") {
  Network net;
  auto c = SILIAN_TAKE(net.village->CreateCase(CaseOf(CountyItem(), 1)));
  SILIAN_TAKE(net.village->Act(c.case_number, Action::kReceive, "", "agent-1"));
  // An older or modified program at the village writes an accept the node would refuse.
  auto frontier = SILIAN_TAKE(net.village->GetFrontier());
  uint64_t seq = 0;
  for (const auto& e : frontier.entries())
    if (e.origin() == "agent") seq = e.seq();
  auto view = SILIAN_TAKE(net.village->ShowCase(c.case_number));
  pb::Op forged;
  forged.set_origin("agent");
  forged.set_seq(seq + 1);
  forged.set_hlc(test::Stamp(test::kT0Ms + 60000));
  forged.set_actor("agent-1");
  forged.set_case_id(c.case_id.value);
  forged.set_division(test::kVillage);
  for (const auto& h : view["heads"]) {
    auto id = test::Id(h.get<std::string>());
    auto* p = forged.add_parents();
    p->set_origin(id.origin);
    p->set_seq(id.seq);
  }
  forged.mutable_transition()->set_action("accept");
  forged.mutable_transition()->set_level("village");
  std::vector<pb::Entry> entries = test::ExportAll(*net.village);
  entries.push_back(test::OpEntry(forged));
  auto stats = test::ImportSigned(*net.county, entries, pb::Frontier(), "agent");  // that program signs its ops
  REQUIRE(stats.refused.size() == 1);
  CHECK(stats.refused[0].op == "agent:" + std::to_string(seq + 1));
  CHECK_THAT(stats.refused[0].rule, Catch::Contains("county"));
  auto at_county = SILIAN_TAKE(net.county->ShowCase(c.case_id.value));
  CHECK(at_county["status"] == "received");
  REQUIRE(at_county["refused"].size() == 1);
}

TEST_CASE("Workflow: parallel approval merges department decisions made offline at different nodes",
          "[workflow_store]") {
  for (const char* last : {"approve", "deny"}) {
    DYNAMIC_SECTION("the last department decides " << last) {
      Network net;
      TempDir dir(TempDir::Where::kMemory);
      // Two county offices of the same county work offline on copies of the ledger.
      auto office = MakeReplica(dir, NodeAt("county-2", Level::kCounty, kCounty, "02"));
      net.AddOffice(office);
      Exchange(*net.county, *office);
      auto c = SILIAN_TAKE(net.county->CreateCase(CaseOf(ParallelItem(), 1)));
      SILIAN_TAKE(net.county->Act(c.case_number, Action::kReceive, "", "clerk"));
      SILIAN_TAKE(net.county->Act(c.case_number, Action::kAccept, "", "clerk"));
      // approve is refused for a parallel item.
      CHECK_FALSE(net.county->Act(c.case_number, Action::kApprove, "", "clerk").ok());
      Exchange(*net.county, *office);
      SILIAN_TAKE(net.county->DecideDepartment(c.case_number, "发改委", "approve", "符合规划", "a"));
      SILIAN_TAKE(office->DecideDepartment(c.case_id.value, "自然资源局", "approve", "用地合规", "b"));
      SILIAN_TAKE(office->DecideDepartment(c.case_id.value, "生态环境局", last,
                                           std::string(last) == "deny" ? "环评不达标" : "", "c"));
      CHECK(SILIAN_TAKE(net.county->ShowCase(c.case_number))["status"] == "accepted");
      Exchange(*office, *net.county);
      Exchange(*net.county, *office);
      auto a = SILIAN_TAKE(net.county->ShowCase(c.case_number));
      auto b = SILIAN_TAKE(office->ShowCase(c.case_number));
      std::string expected = std::string(last) == "deny" ? "decided_denied" : "decided_approved";
      CHECK(a["status"] == expected);
      CHECK(a == b);
      CHECK(a["conflicts"].empty());
      CHECK(a["departments"].size() == 3);
      if (std::string(last) == "deny") CHECK(a["departments"]["生态环境局"]["opinion"] == "环评不达标");
    }
  }
}

TEST_CASE("Workflow: one department deciding twice concurrently is a conflict for a person", "[workflow_store]") {
  Network net;
  TempDir dir(TempDir::Where::kMemory);
  auto office = MakeReplica(dir, NodeAt("county-2", Level::kCounty, kCounty, "02"));
  net.AddOffice(office);
  auto c = SILIAN_TAKE(net.county->CreateCase(CaseOf(ParallelItem(), 1)));
  SILIAN_TAKE(net.county->Act(c.case_number, Action::kReceive, "", "clerk"));
  SILIAN_TAKE(net.county->Act(c.case_number, Action::kAccept, "", "clerk"));
  Exchange(*net.county, *office);
  SILIAN_TAKE(net.county->DecideDepartment(c.case_number, "发改委", "approve", "", "a"));
  SILIAN_TAKE(office->DecideDepartment(c.case_id.value, "发改委", "deny", "不符合", "b"));
  Exchange(*office, *net.county);
  auto view = SILIAN_TAKE(net.county->ShowCase(c.case_number));
  REQUIRE(view["conflicts"].size() == 1);
  CHECK(view["conflicts"][0]["id"] == c.case_id.value + "/department/发改委");
}

TEST_CASE("Workflow: fees reconcile, a refund cannot exceed what was paid, payments need a bank receipt",
          "[workflow_store]") {
  Network net;
  auto c = SILIAN_TAKE(net.county->CreateCase(CaseOf(CountyItem(), 1)));
  pb::FeeRecorded fee;
  fee.set_kind("charge");
  fee.set_amount_fen(8000);
  SILIAN_TAKE(net.county->RecordFee(c.case_number, fee, "clerk"));
  fee.set_kind("payment");
  auto no_receipt = net.county->RecordFee(c.case_number, fee, "clerk");
  REQUIRE_FALSE(no_receipt.ok());
  CHECK(no_receipt.status().key() == "err.fee.payment_receipt");  // said in the clerk's language (i18n)
  fee.set_bank_receipt("ICBC-0001");
  SILIAN_TAKE(net.county->RecordFee(c.case_number, fee, "clerk"));
  fee.set_kind("refund");
  fee.set_reason("overcharged");
  fee.set_amount_fen(9000);
  auto too_much = net.county->RecordFee(c.case_number, fee, "clerk");
  REQUIRE_FALSE(too_much.ok());
  CHECK_THAT(too_much.status().message(), Catch::Contains("80.00"));
  CHECK(too_much.status().key() == "err.fee.refund_exceeds");
  fee.set_reason("");
  CHECK(net.county->RecordFee(c.case_number, fee, "clerk").status().key() == "err.fee.refund_reason");
  fee.set_reason("overcharged");
  fee.set_amount_fen(3000);
  SILIAN_TAKE(net.county->RecordFee(c.case_number, fee, "clerk"));
  auto view = SILIAN_TAKE(net.county->ShowCase(c.case_number));
  CHECK(view["fees"]["charged_fen"] == 8000);
  CHECK(view["fees"]["paid_fen"] == 8000);
  CHECK(view["fees"]["refunded_fen"] == 3000);
}

TEST_CASE("Workflow: a negative evaluation opens a rectification that is called back and closed",
          "[workflow_store]") {
  Network net;
  auto c = SILIAN_TAKE(net.village->CreateCase(CaseOf(VillageItem(), 1)));
  pb::EvaluationGiven e;
  e.set_rating("dissatisfied");
  e.set_channel("sms");
  e.set_target_kind("node");
  e.set_target("agent");
  e.set_stage("acceptance");
  e.set_real_name(true);
  auto op = SILIAN_TAKE(net.village->Evaluate(c.case_number, e, "applicant"));
  auto twice = net.village->Evaluate(c.case_number, e, "applicant");  // one per stage
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.status().key() == "err.evaluate.twice");
  auto early = net.village->Rectify(c.case_number, op, "close", "", "", "chief");  // category first
  REQUIRE_FALSE(early.ok());
  CHECK(early.status().key() == "err.rectify.close_early");
  CHECK(net.village->Rectify(c.case_number, op, "fix_by_deadline", "", "", "chief").status().key() ==
        "err.rectify.needs_due");
  SILIAN_TAKE(net.village->Rectify(c.case_number, op, "call_back", "called 3 May", "", "chief"));
  SILIAN_TAKE(net.village->Rectify(c.case_number, op, "fix_by_deadline", "retrain", "2026-02-20", "chief"));
  SILIAN_TAKE(net.village->Rectify(c.case_number, op, "close", "done", "", "chief"));
  CHECK(net.village->Rectify(c.case_number, op, "call_back", "", "", "chief").status().key() == "err.rectify.closed");
  auto view = SILIAN_TAKE(net.village->ShowCase(c.case_number));
  const auto& r = view["evaluations"][0]["rectification"];
  CHECK(r["state"] == "closed");
  CHECK(r["called_back"] == true);
  CHECK(r["category"] == "fix_by_deadline");
  CHECK(r["due_date"] == "2026-02-20");
}

TEST_CASE("Workflow: the outbox makes one notice per event even when the event arrives twice by two paths",
          "[workflow_store]") {
  Network net;
  TempDir dir(TempDir::Where::kMemory);
  test::Replica& city = net.city;
  Exchange(*net.county, *city);  // the catalogue the notices name
  SILIAN_REQUIRE_OK(city->SetSetting("notify", "on"));
  auto c = SILIAN_TAKE(net.village->CreateCase(CaseOf(VillageItem(), 1)));
  net.village.wall->Set(test::kT0Ms + 1000);
  SILIAN_TAKE(net.village->Act(c.case_number, Action::kReceive, "", "agent-1"));
  SILIAN_TAKE(net.village->Act(c.case_number, Action::kRequestCorrection, "材料不全", "agent-1"));
  // Path 1: village -> township -> city. Path 2: a USB stick from the village straight to the city.
  Exchange(*net.village, *net.township);
  Exchange(*net.township, *city);
  Exchange(*net.village, *city);
  SILIAN_TAKE(net.village->Act(c.case_number, Action::kSupplyCorrection, "", "agent-1"));
  SILIAN_TAKE(net.village->Act(c.case_number, Action::kAccept, "", "agent-1"));
  Exchange(*net.village, *city);
  Exchange(*net.village, *net.township);
  Exchange(*net.township, *city);
  auto notices = SILIAN_TAKE(city->ListNotices(std::nullopt, 100));
  REQUIRE(notices.size() == 3);
  std::set<std::string> kinds;
  for (const auto& n : notices) kinds.insert(n.kind);
  CHECK(kinds == std::set<std::string>{"received", "accepted", "correction_needed"});
  for (const auto& n : notices) {
    CHECK(n.state == "pending");
    if (n.kind == "correction_needed") CHECK_THAT(n.text, Catch::Contains("经营场所证明"));
  }
  // Delivery state is kept per notice.
  SILIAN_REQUIRE_OK(city->MarkNoticeSent(notices[0].id, test::kT0Ms + 5000));
  SILIAN_REQUIRE_OK(city->MarkNoticeSent(notices[2].id, test::kT0Ms + 5000));
  SILIAN_REQUIRE_OK(city->MarkNoticeFailed(notices[1].id, "gateway 503", test::kT0Ms + 9000, false));
  CHECK(SILIAN_TAKE(city->DueNotices(test::kT0Ms + 8000, 10)).empty());
  CHECK(SILIAN_TAKE(city->DueNotices(test::kT0Ms + 9000, 10)).size() == 1);
  // A hub without notify makes none.
  CHECK(SILIAN_TAKE(net.county->ListNotices(std::nullopt, 100)).empty());
}

TEST_CASE("Workflow: a serving hub sees what silian-admin published from another process", "[workflow_store]") {
  Network net;
  // Read something first, as a serving hub does, so that a stale snapshot would show.
  auto before = SILIAN_TAKE(net.county->Pull("152222104", pb::Frontier(), 0, 1000, 1 << 20));
  auto admin = SILIAN_TAKE(LedgerStore::Open(net.county.path, test::FastOptions(net.county.wall.get())));
  pb::Item item = CountyItem();
  item.set_code("PUBLISHED-BY-ADMIN");
  SILIAN_TAKE(admin->PublishItems({item}, "admin"));
  auto after = SILIAN_TAKE(net.county->Pull("152222104", pb::Frontier(), before.next_cursor, 1000, 1 << 20));
  bool found = false;
  for (const auto& e : after.batch.entries()) {
    pb::Op op;
    if (e.has_op() && op.ParseFromString(e.op()) && op.item_published().code() == "PUBLISHED-BY-ADMIN") found = true;
  }
  CHECK(found);
  auto receipt = SILIAN_TAKE(net.county->Receipt({"county"}));
  REQUIRE(receipt.entries_size() == 1);
  CHECK(receipt.entries(0).seq() == 6);  // two registrations, three items, this one
  // The serving handle writes next without reusing the seq the other process took.
  pb::Item another = CountyItem();
  another.set_code("PUBLISHED-BY-HUB");
  SILIAN_TAKE(net.county->PublishItems({another}, "admin"));
  CHECK(SILIAN_TAKE(net.county->Receipt({"county"})).entries(0).seq() == 7);
  CHECK(SILIAN_TAKE(admin->FindItem("PUBLISHED-BY-HUB", std::nullopt)).version() == 1);
}

TEST_CASE("Workflow: a calendar published without a version takes the next one", "[workflow_store]") {
  Network net;
  pb::Calendar local;
  local.set_name("local");
  local.add_years(2026);
  auto* day = local.add_days();
  day->set_date("2026-06-01");
  day->set_working(false);
  day->set_reason("hall closed for repairs");
  auto version_of_local = [&]() -> uint32_t {
    for (const auto& layer : SILIAN_TAKE(net.county->CalendarLayers()))
      if (layer.calendar.name() == "local") return layer.calendar.version();
    return 0;
  };
  CHECK(SILIAN_TAKE(net.county->PublishCalendar(local, "admin")));  // version 0: the next one
  CHECK(version_of_local() == 1);
  CHECK_FALSE(SILIAN_TAKE(net.county->PublishCalendar(local, "admin")));  // unchanged
  day = local.add_days();
  day->set_date("2026-06-02");
  day->set_working(false);
  day->set_reason("hall closed for repairs");
  CHECK(SILIAN_TAKE(net.county->PublishCalendar(local, "admin")));
  CHECK(version_of_local() == 2);
  // The content is still checked, with the version it would have had.
  day->set_date("2026-02-30");
  auto refused = net.county->PublishCalendar(local, "admin");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(refused.status().message(), Catch::Contains("v3") && Catch::Contains("2026-02-30"));
  CHECK(version_of_local() == 2);
}

TEST_CASE("Workflow: only hubs publish reference data", "[workflow_store]") {
  Network net;
  auto r = net.village->PublishItems({CountyItem()}, "agent");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace silian::sync

namespace silian::sync {
namespace {

// The notices of `hub`, by kind (one text each; a kind seen twice keeps the last).
std::map<std::string, std::string> NoticesByKind(LedgerStore& hub) {
  std::map<std::string, std::string> out;
  for (const auto& n : SILIAN_TAKE(hub.ListNotices(std::nullopt, 1000))) out[n.kind] = n.text;
  return out;
}

bool HasMongolianScript(const std::string& text) {
  return text.find("\xE1\xA0") != std::string::npos;  // U+1800..U+183F
}

TEST_CASE("Workflow: a notice goes out at every stage, in the applicant's language", "[workflow_store][notices]") {
  for (const char* language : {"zh", "mn"}) {
    DYNAMIC_SECTION("language " << language) {
      Network net;
      SILIAN_REQUIRE_OK(net.county->SetSetting("notify", "on"));
      NewCase nc = CaseOf(CountyItem(), 1);
      nc.language = language;
      auto c = SILIAN_TAKE(net.county->CreateCase(nc));
      auto act = [&](const std::string& ref, Action a, const std::string& reason,
                     std::vector<std::pair<std::string, std::string>> details = {}) {
        SILIAN_TAKE(net.county->Act(ref, a, reason, "clerk", details));
      };
      act(c.case_number, Action::kReceive, "");
      act(c.case_number, Action::kRequestCorrection, "缺材料");
      act(c.case_number, Action::kSupplyCorrection, "");
      act(c.case_number, Action::kAccept, "");
      act(c.case_number, Action::kStartReview, "");
      act(c.case_number, Action::kSuspend, "张贴三十天", {{"procedure", "public_notice"}});
      act(c.case_number, Action::kResume, "");
      act(c.case_number, Action::kExtend, "情况复杂", {{"days", "5"}});
      pb::FeeRecorded fee;
      fee.set_kind("charge");
      fee.set_amount_fen(8000);
      SILIAN_TAKE(net.county->RecordFee(c.case_number, fee, "clerk"));
      fee.set_kind("payment");
      fee.set_bank_receipt("ICBC-0001");
      SILIAN_TAKE(net.county->RecordFee(c.case_number, fee, "clerk"));
      fee.set_kind("refund");
      fee.set_reason("多收");
      fee.set_amount_fen(1000);
      SILIAN_TAKE(net.county->RecordFee(c.case_number, fee, "clerk"));
      act(c.case_number, Action::kApprove, "");
      pb::SubsidyPaid subsidy;
      subsidy.set_name("高龄津贴");
      subsidy.set_amount_fen(30000);
      subsidy.set_bank_transfer("TRF-2026-0001");
      SILIAN_TAKE(net.county->RecordSubsidy(c.case_number, subsidy, "clerk"));
      act(c.case_number, Action::kComplete, "");
      act(c.case_number, Action::kIssueCertificate, "", {{"certificate_name", "营业执照"}, {"certificate_number", "N1"}});
      act(c.case_number, Action::kDeliver, "", {{"method", "window"}});
      auto withdrawn = SILIAN_TAKE(net.county->CreateCase(nc));
      act(withdrawn.case_number, Action::kReceive, "");
      act(withdrawn.case_number, Action::kWithdraw, "申请人撤回");
      auto refused = SILIAN_TAKE(net.county->CreateCase(nc));
      act(refused.case_number, Action::kReceive, "");
      act(refused.case_number, Action::kNotAccept, "不属于本机关职权");
      auto revoked = SILIAN_TAKE(net.county->CreateCase(nc));
      act(revoked.case_number, Action::kReceive, "");
      act(revoked.case_number, Action::kAccept, "");
      act(revoked.case_number, Action::kRevoke, "以欺骗手段取得");
      NewCase parallel = CaseOf(ParallelItem(), 2);
      parallel.language = language;
      auto p = SILIAN_TAKE(net.county->CreateCase(parallel));
      act(p.case_number, Action::kReceive, "");
      act(p.case_number, Action::kAccept, "");
      SILIAN_TAKE(net.county->DecideDepartment(p.case_number, "自然资源局", "deny", "用地不合规", "a"));

      auto by_kind = NoticesByKind(*net.county);
      std::set<std::string> kinds;
      for (const auto& [kind, text] : by_kind) kinds.insert(kind);
      CHECK(kinds == std::set<std::string>{"received", "correction_needed", "accepted", "suspended", "extended",
                                           "fee_due", "refunded", "decided", "ready_for_collection", "delivered",
                                           "withdrawn", "not_accepted", "revoked", "department_decided",
                                           "subsidy_paid"});
      for (const auto& [kind, text] : by_kind) {
        INFO(kind << ": " << text);
        CHECK(HasMongolianScript(text) == (std::string(language) == "mn"));
        CHECK_THAT(text, !Catch::Contains("{"));
        // Never the reasons and opinions written inside the case.
        for (const char* inside : {"缺材料", "张贴", "情况复杂", "多收", "不属于", "欺骗", "用地不合规"})
          CHECK_THAT(text, !Catch::Contains(inside));
      }
      if (std::string(language) == "zh") {
        CHECK_THAT(by_kind["suspended"], Catch::Contains("公示程序") || Catch::Contains("进入公示"));
        CHECK_THAT(by_kind["extended"], Catch::Contains("5个工作日"));
        CHECK_THAT(by_kind["fee_due"], Catch::Contains("80.00元"));
        CHECK_THAT(by_kind["refunded"], Catch::Contains("10.00元"));
        CHECK_THAT(by_kind["department_decided"], Catch::Contains("自然资源局") && Catch::Contains("不予许可"));
        CHECK_THAT(by_kind["correction_needed"], Catch::Contains("经营场所证明（复印件2份）"));
      } else {
        CHECK_THAT(by_kind["extended"], Catch::Contains(" 5 "));
        CHECK_THAT(by_kind["fee_due"], Catch::Contains("80.00"));
        CHECK_THAT(by_kind["department_decided"], Catch::Contains("自然资源局"));
        CHECK_THAT(by_kind["correction_needed"], Catch::Contains("经营场所证明 2"));
      }
    }
  }
}

TEST_CASE("Workflow: a case created with another language is refused naming the value, and nothing is stored",
          "[workflow_store][notices]") {
  Network net;
  std::string before = SILIAN_TAKE(net.county->Digest(std::nullopt)).ToLine();
  NewCase nc = CaseOf(CountyItem(), 1);
  nc.language = "en";
  auto refused = net.county->CreateCase(nc);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(refused.status().message(), Catch::Contains("language \"en\" is not one of: zh, mn"));
  CHECK(SILIAN_TAKE(net.county->Digest(std::nullopt)).ToLine() == before);
}

}  // namespace
}  // namespace silian::sync
