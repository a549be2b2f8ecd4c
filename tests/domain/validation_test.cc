// The content rules (domain/validation.h): each rule on its own, the normal forms authoring stores, and
// CheckOpContent on hand-made ops of every kind, as an import meets them.
#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "domain/calendar.h"
#include "domain/validation.h"
#include "support/ledger.h"
#include "support/ops.h"

namespace silian::sync {
namespace {

const Date kToday = *ParseDate("2026-06-01");

std::string MessageOf(const Status& s) { return s.message(); }

template <typename T>
std::string MessageOf(const Result<T>& r) {
  return r.status().message();
}

// A stamp on 2026-06-01 (China Standard Time), for ops.
constexpr uint64_t kJune2026Ms = 1780272000000ull;

pb::Op Stamped(pb::Op op) {
  op.set_hlc(kJune2026Ms << 16);
  return op;
}

test::Head HeadOf(const std::string& id, const std::string& parent = "") {
  test::Head h;
  h.id = id;
  if (!parent.empty()) h.parents = {parent};
  return h;
}

pb::Op Created(const std::string& name = "Bayar", const std::string& id = test::ResidentId(1)) {
  return Stamped(test::CreatedOp(HeadOf("n1:1"), name, id));
}

std::string RefusalOf(const pb::Op& op) {
  Status s = CheckOpContent(op);
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == StatusCode::kInvalidArgument);
  return s.message();
}

TEST_CASE("Validation: a resident ID number needs its check character, a real birth date and a province code",
          "[validation]") {
  CHECK(CheckResidentId("11010519491231002X", kToday).ok());
  CHECK(CheckResidentId(test::ResidentId(7), kToday).ok());
  CHECK_THAT(MessageOf(CheckResidentId("110105194912310021", kToday)), Catch::Contains("expected 'X'"));
  // 1988-13-45 does not exist, whatever the check character.
  std::string bad_date = test::ResidentIdOf("15222219881345001");
  CHECK_THAT(MessageOf(CheckResidentId(bad_date, kToday)),
             Catch::Contains("19881345") && Catch::Contains("not a real date"));
  CHECK_THAT(MessageOf(CheckResidentId(test::ResidentIdOf("15222220300101001"), kToday)),
             Catch::Contains("2030-01-01") && Catch::Contains("after 2026-06-01"));
  CHECK_FALSE(CheckResidentId(test::ResidentIdOf("15222218991231001"), kToday).ok());
  CHECK_THAT(MessageOf(CheckResidentId(test::ResidentIdOf("99222219800101001"), kToday)),
             Catch::Contains("starts with 99") && Catch::Contains("province"));
  CHECK(CheckResidentId(test::ResidentIdOf("81000019800101001"), kToday).ok());  // Hong Kong residence permit
  CHECK_THAT(MessageOf(CheckResidentId("not-an-id", kToday)), Catch::Contains("\"not-an-id\""));
  CHECK_FALSE(CheckResidentId("1101051949123100AX", kToday).ok());
}

TEST_CASE("Validation: a resident ID number is stored with X upper-cased and no surrounding spaces",
          "[validation]") {
  CHECK(*NormalizeResidentId("  11010519491231002x ", kToday) == "11010519491231002X");
  // An import cannot normalise: a lowercase x is refused, naming the normal form.
  CHECK_THAT(MessageOf(CheckResidentId("11010519491231002x", kToday)),
             Catch::Contains("normal form") && Catch::Contains("11010519491231002X"));
  CHECK_FALSE(CheckFieldValue("applicant_id", " 11010519491231002X", "resident_id", kToday).ok());
}

TEST_CASE("Validation: an ID type outside the closed list is an error naming the value and the list",
          "[validation]") {
  std::string m = MessageOf(NormalizeField("applicant_id_type", "resident-id", "", kToday));
  CHECK_THAT(m, Catch::Contains("\"resident-id\"") && Catch::Contains("resident_id, passport"));
  // A typo in the type never turns the number's check off.
  CHECK_THAT(MessageOf(CheckIdNumber("residentid", "not-an-id", kToday)), Catch::Contains("\"residentid\""));
  CHECK(*NormalizeIdNumber("passport", " e12345678 ", kToday) == "E12345678");
  CHECK_FALSE(CheckIdNumber("passport", "E1", kToday).ok());
  CHECK_FALSE(CheckIdNumber("passport", "E1234\x1b[5678", kToday).ok());
  CHECK(CheckIdNumber("unified_social_credit_code", "91350100M000100Y43", kToday).ok());
  CHECK_THAT(MessageOf(CheckIdNumber("unified_social_credit_code", "91350100M000100Y44", kToday)),
             Catch::Contains("expected '3'"));
  CHECK(CheckIdNumber("other", "军官证 123", kToday).ok());
  CHECK_FALSE(CheckIdNumber("other", "\xe2\x80\x8b", kToday).ok());
}

TEST_CASE("Validation: phones are mainland mobiles or landlines with an area code, stored in one form",
          "[validation]") {
  CHECK(*NormalizePhone("13904821234") == "13904821234");
  CHECK(*NormalizePhone("+86 139-0482-1234") == "13904821234");
  CHECK(*NormalizePhone("0086 13904821234") == "13904821234");
  CHECK(*NormalizePhone("0482 1234567") == "0482-1234567");
  CHECK(*NormalizePhone("+86 482 1234567") == "0482-1234567");
  CHECK(*NormalizePhone("+86 0482-1234567") == "0482-1234567");
  CHECK(*NormalizePhone("010-12345678") == "010-12345678");
  CHECK(*NormalizePhone("02112345678") == "021-12345678");
  for (const char* bad : {"+-+-", "", "1", "110", "12904821234", "139048212345", "0482-123", "0482/1234567",
                          "+1 650 555 0100", "0482-0234567", "011-12345678", "139\x1b" "04821234"}) {
    INFO(bad);
    CHECK(NormalizePhone(bad).status().code() == StatusCode::kInvalidArgument);
  }
  CHECK_THAT(MessageOf(NormalizePhone("+-+-")), Catch::Contains("\"+-+-\""));
  CHECK(CheckPhone("0482-1234567").ok());
  CHECK_THAT(MessageOf(CheckPhone("0482 1234567")), Catch::Contains("\"0482-1234567\""));
  // The phone field may be left empty.
  CHECK(*NormalizeField("phone", "  ", "", kToday) == "");
}

TEST_CASE("Validation: text refuses control, C1 and bidi characters, blank values and excess length",
          "[validation]") {
  CHECK(CheckText("applicant_name", "乌云其其格日乐", kMaxNameChars, true).ok());
  CHECK(CheckText("applicant_name", "ᠪᠠᠶᠠᠷ", kMaxNameChars, true).ok());  // Mongolian script
  for (const char* bad : {"a\x1b[31mb", "bell\x07", "cr\rx", "tab\tx", "line\nx", "del\x7f",
                          "c1 \xc2\x9b" "31m", "rlo \xe2\x80\xae" "gpj.exe", "lri \xe2\x81\xa6", "bom \xef\xbb\xbf",
                          "sep \xe2\x80\xa8", "bad \xc3"}) {
    INFO(bad);
    CHECK(CheckText("note", bad, 100, true).code() == StatusCode::kInvalidArgument);
  }
  CHECK_FALSE(CheckText("note", std::string("nul\0x", 5), 100, true).ok());
  CHECK_THAT(MessageOf(CheckText("actor", "a\x1b[2Jb", 64, true)),
             Catch::Contains("U+001B") && Catch::Contains("\\u001b"));
  for (const char* blank : {"", "   ", "\xe2\x80\x8b", " \xe3\x80\x80\xe2\x80\x8b "}) {
    INFO(blank);
    CHECK_FALSE(NormalizeText("applicant_name", blank, kMaxNameChars, true).ok());
  }
  CHECK(CheckText("address", "", kMaxAddressChars, false).ok());
  CHECK(CheckText("x", std::string(50, 'a'), 50, true).ok());
  CHECK_THAT(MessageOf(CheckText("x", std::string(51, 'a'), 50, true)), Catch::Contains("51 characters"));
  // Long values are cut in messages.
  CHECK(MessageOf(CheckText("note", std::string(100000, 'a'), 8000, true)).size() < 300);
  CHECK(*NormalizeText("applicant_name", "  王芳\xe3\x80\x80", 50, true) == "王芳");
  CHECK_THAT(MessageOf(CheckText("applicant_name", " 王芳", 50, true)), Catch::Contains("normal form"));
}

TEST_CASE("Validation: device numbers, item codes and case numbers are checked by their syntax", "[validation]") {
  CHECK(CheckDeviceNumber("01").ok());
  CHECK(CheckDeviceNumber("99").ok());
  for (const char* bad : {"00", "1", "100", "a1", ""}) CHECK_FALSE(CheckDeviceNumber(bad).ok());
  CHECK(CheckItemCode("11152222MB1234567X-1-001").ok());
  CHECK_FALSE(CheckItemCode("ITEM 1").ok());
  CHECK_FALSE(CheckItemCode("\x1b[31m").ok());
  CHECK(CheckCaseNumber("152222104200-01-20261130-0001").ok());
  CHECK(CheckCaseNumber("152222104200-01-20261130-12345").ok());
  for (const char* bad : {"152222104200-00-20261130-0001", "152222104200-01-20261345-0001",
                          "152222104200-01-20261130-0000", "15222210420001202601010001", "x\x1b[31m"}) {
    INFO(bad);
    CHECK_FALSE(CheckCaseNumber(bad).ok());
  }
}

TEST_CASE("Validation: an imported case creation is checked field by field and names the op", "[validation]") {
  CHECK(CheckOpContent(Created()).ok());
  CHECK_THAT(RefusalOf(Created("Bayar", "not-an-id")),
             Catch::Contains("op \"n1:1\"") && Catch::Contains("\"not-an-id\""));
  CHECK_THAT(RefusalOf(Created("\x1b]0;pwned\x07")), Catch::Contains("applicant_name"));
  CHECK_THAT(RefusalOf(Created("\xe2\x80\x8b")), Catch::Contains("empty"));
  pb::Op op = Created();
  op.mutable_case_created()->set_applicant_id_type("residentid");
  CHECK_THAT(RefusalOf(op), Catch::Contains("\"residentid\""));
  op = Created();
  op.mutable_case_created()->set_phone("+-+-");
  CHECK_THAT(RefusalOf(op), Catch::Contains("phone"));
  op = Created();
  op.mutable_case_created()->set_case_number("152222104200-00-20260101-0001");
  CHECK_THAT(RefusalOf(op), Catch::Contains("device"));
  op = Created();
  op.set_case_id("n1:1\x1b[2J");
  CHECK_THAT(RefusalOf(op), Catch::Contains("case id"));
  op = Created();
  op.set_case_id("n1:2");
  CHECK_THAT(RefusalOf(op), Catch::Contains("its own id"));
  op = Created();
  op.set_actor("clerk\rroot");
  CHECK_THAT(RefusalOf(op), Catch::Contains("actor"));
  op = Created();
  op.mutable_case_created()->set_language("en");
  CHECK_THAT(RefusalOf(op), Catch::Contains("language \"en\" is not one of: zh, mn"));
  op.mutable_case_created()->set_language("mn");
  CHECK(CheckOpContent(op).ok());
  // The birth date is bounded by the op's own stamp.
  op = Created("Bayar", test::ResidentIdOf("15222220270101001"));
  CHECK_THAT(RefusalOf(op), Catch::Contains("after 2026-06-01"));
}

TEST_CASE("Validation: the item terms a case carries follow the catalogue's rules", "[validation]") {
  pb::Op op = Created();
  auto* terms = op.mutable_case_created()->mutable_terms();
  terms->set_version(1);
  terms->set_name("养老保险待遇申领");
  terms->set_exercise_level("county");
  terms->mutable_legal_limit()->set_value(20);
  terms->mutable_legal_limit()->set_unit("working_days");
  terms->mutable_promised_limit()->set_value(10);
  terms->mutable_promised_limit()->set_unit("working_days");
  terms->set_lead_department("人社局");
  CHECK(CheckOpContent(op).ok());
  terms->set_name("【四联政务】您的社保账户异常\x1b[8m");
  CHECK_THAT(RefusalOf(op), Catch::Contains("terms"));
  terms->set_name("养老保险待遇申领");
  terms->set_exercise_level("");
  CHECK_THAT(RefusalOf(op), Catch::Contains("exercise_level"));
}

TEST_CASE("Validation: a published item whose text holds a bidi override or a C1 control is refused",
          "[validation]") {
  pb::Op op = Stamped(test::Envelope(HeadOf("county-a:1")));
  op.set_case_id("");
  op.set_division("152222");
  pb::Item* item = op.mutable_item_published();
  item->set_code("ITEM-1");
  item->set_version(1);
  item->set_name("养老保险待遇申领");
  item->set_exercise_level("county");
  item->mutable_legal_limit()->set_value(20);
  item->mutable_legal_limit()->set_unit("working_days");
  item->mutable_promised_limit()->set_value(10);
  item->mutable_promised_limit()->set_unit("working_days");
  item->set_lead_department("人社局");
  CHECK(CheckOpContent(op).ok());
  item->set_name("\xe2\x80\xae" "申领");
  CHECK_THAT(RefusalOf(op), Catch::Contains("county-a:1") && Catch::Contains("name"));
  item->set_name("申领");
  item->set_lead_department("人社局\xc2\x9b");
  CHECK_FALSE(CheckOpContent(op).ok());
}

TEST_CASE("Validation: a published calendar whose day reason holds a control character is refused", "[validation]") {
  pb::Op op = Stamped(test::Envelope(HeadOf("county-a:2")));
  op.set_case_id("");
  op.set_division("152222");
  pb::Calendar* calendar = op.mutable_calendar_published();
  calendar->set_name("naadam");
  calendar->set_version(1);
  pb::CalendarDay* day = calendar->add_days();
  day->set_date("2026-07-13");
  day->set_reason("那达慕");
  CHECK(CheckOpContent(op).ok());
  day->set_reason("那达慕\x1b[5m");
  CHECK_THAT(RefusalOf(op), Catch::Contains("county-a:2") && Catch::Contains("reason"));
}

TEST_CASE("Validation: imported field writes, notes, materials and transitions meet the authoring rules",
          "[validation]") {
  test::Head h = HeadOf("n1:2", "n1:1");
  CHECK(CheckOpContent(Stamped(test::SetOp(h, {{"phone", "0482-1234567"}}))).ok());
  CHECK_THAT(RefusalOf(Stamped(test::SetOp(h, {{"applicant_id", test::ResidentId(2)}}))),
             Catch::Contains("without applicant_id_type"));
  CHECK(CheckOpContent(Stamped(test::SetOp(h, {{"applicant_id", "E12345678"}, {"applicant_id_type", "passport"}})))
            .ok());
  CHECK_FALSE(CheckOpContent(Stamped(test::SetOp(h, {{"applicant_id", "E12345678"}, {"applicant_id_type", "resident_id"}}))).ok());
  CHECK_FALSE(CheckOpContent(Stamped(test::SetOp(h, {{"phone", "1"}, {"phone", "2"}}))).ok());
  pb::Op empty = Stamped(test::Envelope(h));
  empty.mutable_fields_set();
  CHECK_THAT(RefusalOf(empty), Catch::Contains("sets no field"));
  CHECK_FALSE(CheckOpContent(Stamped(test::SetOp(h, {{"address", "a\x1b[1Ab"}}))).ok());
  // A field of a newer version is kept, but its name and value obey the text rules.
  CHECK(CheckOpContent(Stamped(test::SetOp(h, {{"wechat_id", "bayar88"}}))).ok());
  CHECK_FALSE(CheckOpContent(Stamped(test::SetOp(h, {{"We Chat", "bayar88"}}))).ok());
  CHECK_THAT(RefusalOf(Stamped(test::NoteOp(h, "\x1b[2J\x1b[Hall clear"))), Catch::Contains("U+001B"));
  CHECK_FALSE(CheckOpContent(Stamped(test::NoteOp(h, "   "))).ok());
  CHECK_FALSE(CheckOpContent(Stamped(test::NoteOp(h, std::string(8001, 'a')))).ok());
  CHECK_FALSE(CheckOpContent(Stamped(test::MaterialOp(h, "户口簿", 0))).ok());
  CHECK_FALSE(CheckOpContent(Stamped(test::MaterialOp(h, "户口簿\x07", 1))).ok());
  CHECK(CheckOpContent(Stamped(test::ActOp(h, "receive"))).ok());
  CHECK_FALSE(CheckOpContent(Stamped(test::ActOp(h, "deny"))).ok());  // a denial needs a reason
  CHECK_FALSE(CheckOpContent(Stamped(test::ActOp(h, "withdraw", "\x1b[31mred"))).ok());
  CHECK_FALSE(CheckOpContent(Stamped(test::ActOp(h, "Teleport!"))).ok());
  CHECK(CheckOpContent(Stamped(test::ActOp(h, "teleport"))).ok());  // an action of a newer version
}

TEST_CASE("Validation: imported resolutions, decisions, fees, evaluations and rectifications are checked",
          "[validation]") {
  test::Head h = HeadOf("n1:3", "n1:2");
  CHECK(CheckOpContent(Stamped(test::ResolveValueOp(h, "n1:1/field/applicant_name", "Bayar"))).ok());
  CHECK_FALSE(CheckOpContent(Stamped(test::ResolveValueOp(h, "n1:1/field/applicant_name", "\x1b[31m"))).ok());
  CHECK_FALSE(CheckOpContent(Stamped(test::ResolveValueOp(h, "n9:1/field/applicant_name", "Bayar"))).ok());
  CHECK_FALSE(CheckOpContent(Stamped(test::ResolveValueOp(h, "n1:1/field/phone", "+-+-"))).ok());
  CHECK(CheckOpContent(Stamped(test::ResolveKeepOp(h, "n1:1/transition/n1:2", "n1:2"))).ok());

  pb::Op op = Stamped(test::Envelope(h));
  auto* fee = op.mutable_fee_recorded();
  fee->set_kind("payment");
  fee->set_amount_fen(8000);
  fee->set_bank_receipt("B-2026-001");
  CHECK(CheckOpContent(op).ok());
  fee->set_bank_receipt("");
  CHECK_THAT(RefusalOf(op), Catch::Contains("bank receipt"));
  fee->set_bank_receipt("B-1");
  fee->set_amount_fen(-5);
  CHECK_THAT(RefusalOf(op), Catch::Contains("-5"));

  op = Stamped(test::Envelope(h));
  auto* e = op.mutable_evaluation_given();
  e->set_rating("satisfied");
  e->set_channel("sms");
  e->set_target_kind("node");
  e->set_target("vil-a1");
  e->set_stage("completion");
  CHECK(CheckOpContent(op).ok());
  e->set_comment("好\xe2\x80\xae");
  CHECK_THAT(RefusalOf(op), Catch::Contains("U+202E"));

  op = Stamped(test::Envelope(h));
  auto* d = op.mutable_department_decision();
  d->set_department("自然资源局");
  d->set_decision("deny");
  CHECK_THAT(RefusalOf(op), Catch::Contains("opinion"));
  d->set_opinion("超出规划");
  CHECK(CheckOpContent(op).ok());

  op = Stamped(test::Envelope(h));
  auto* r = op.mutable_rectification_step();
  r->mutable_evaluation()->set_origin("n1");
  r->mutable_evaluation()->set_seq(2);
  r->set_step("fix_by_deadline");
  r->set_due_date("2026-02-30");
  CHECK_FALSE(CheckOpContent(op).ok());
  r->set_due_date("2026-03-02");
  CHECK(CheckOpContent(op).ok());
}

// Hidden (run with "[.validation-cost]"): what the check costs per op, for the report.
TEST_CASE("Validation: cost of CheckOpContent per op", "[.validation-cost]") {
  const pb::Op created = Created();
  const pb::Op note = Stamped(test::NoteOp(HeadOf("n1:2", "n1:1"), std::string(200, 'a') + "乌云其其格日乐"));
  for (const pb::Op* op : {&created, &note}) {
    constexpr int kRounds = 200000;
    auto start = std::chrono::steady_clock::now();
    int ok = 0;
    for (int i = 0; i < kRounds; ++i) ok += CheckOpContent(*op).ok() ? 1 : 0;
    double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / kRounds;
    CHECK(ok == kRounds);
    WARN((op == &created ? "case_created" : "note_added (207 characters)") << ": " << ns << " ns per op");
  }
}

}  // namespace
}  // namespace silian::sync
