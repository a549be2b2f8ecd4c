// The workflow's second pass (issue 11) in the pure fold and the clocks: extensions by the rules,
// evaluations never by the staff member evaluated, review steps in order, departments pending, lapsed
// corrections and subsidies. Every rule is checked where a hostile peer could break it: the fold of ops
// written by hand, as they could arrive from anywhere.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "domain/projection.h"
#include "domain/workflow.h"
#include "support/dates.h"
#include "support/test_util.h"

namespace silian::sync {
namespace {

using nlohmann::json;
using test::ActOp;
using test::CreatedOp;

const CaseId kCase{"n1:1"};

// The stamp of 10:00 China Standard Time on day `day` of 2026 (day 0 = 1 January), plus `s` seconds.
uint64_t OnDay(int day, uint64_t s = 0) { return test::Stamp(test::kT0Ms + (uint64_t(day) * 24 + 2) * 3600 * 1000 + s * 1000); }

pb::ItemTerms Terms(std::vector<std::string> steps = {}, std::vector<std::string> departments = {}) {
  pb::ItemTerms t;
  t.set_version(1);
  t.set_name("高龄津贴");
  t.set_exercise_level("township");
  t.mutable_legal_limit()->set_value(20);
  t.mutable_legal_limit()->set_unit("working_days");
  t.mutable_promised_limit()->set_value(5);
  t.mutable_promised_limit()->set_unit("working_days");
  t.set_lead_department("Civil affairs");
  for (auto& d : departments) t.add_departments(d);
  for (auto& s : steps) t.add_steps(s);
  return t;
}

// Ops n1:1.. of one chain: each names the one before as its parent. Op k is on day `day` + k seconds.
class Chain {
 public:
  explicit Chain(const pb::ItemTerms& terms, int day = 1) : day_(day) {
    pb::Op c = CreatedOp({"n1:1", OnDay(day_), {}, "n1:1", "agent-1"});
    *c.mutable_case_created()->mutable_terms() = terms;
    ops_.push_back(c);
  }
  test::Head Next(const std::string& actor = "clerk-1", int day = -1) {
    if (day >= 0) day_ = day;
    const std::string parent = "n1:" + std::to_string(ops_.size());
    return {"n1:" + std::to_string(ops_.size() + 1), OnDay(day_, ops_.size()), {parent}, "n1:1", actor};
  }
  std::string Add(pb::Op op) {
    ops_.push_back(std::move(op));
    return "n1:" + std::to_string(ops_.size());
  }
  std::string Act(const std::string& action, const std::string& reason = "", const std::string& actor = "clerk-1",
                  int day = -1) {
    return Add(ActOp(Next(actor, day), action, reason));
  }
  std::string Extend(int days, const std::string& reason, int day = -1) {
    pb::Op op = ActOp(Next("approver-1", day), "extend", reason);
    auto* d = op.mutable_transition()->add_details();
    d->set_field("days");
    d->set_value(std::to_string(days));
    return Add(op);
  }
  CaseProjection Project() const { return ProjectCase(kCase, ops_); }

 private:
  std::vector<pb::Op> ops_;
  int day_;
};

std::string RuleOf(const CaseProjection& p, const std::string& op) {
  for (const auto& r : p.refused)
    if (r.op == op) return r.rule;
  return "";
}

void InReview(Chain& c) {
  c.Act("receive", "", "agent-1");
  c.Act("accept");
  c.Act("start-review");
}

TEST_CASE("Rules: a case is extended once, and a second extension from any peer is refused and does not count",
          "[rules][extension]") {
  Chain c(Terms());
  InReview(c);
  const std::string first = c.Extend(5, "site visit needed");
  const std::string second = c.Extend(5, "more time");
  CaseProjection p = c.Project();
  CHECK(RuleOf(p, first).empty());
  CHECK_THAT(RuleOf(p, second), Catch::Contains("extended at most once") && Catch::Contains(first));
  REQUIRE(p.view["extensions"].size() == 1);
  CHECK(p.view["extensions"][0]["days"] == 5);
}

TEST_CASE("Rules: an extension beyond the item's limit is refused, while a parallel item allows 15 working days",
          "[rules][extension]") {
  {
    Chain c(Terms());
    InReview(c);
    const std::string op = c.Extend(11, "too long");
    CHECK_THAT(RuleOf(c.Project(), op), Catch::Contains("limit of 10"));
  }
  {
    Chain c(Terms({}, {"Finance"}));
    InReview(c);
    const std::string op = c.Extend(15, "joint handling");
    CHECK(RuleOf(c.Project(), op).empty());
  }
  {
    pb::ItemTerms t = Terms();
    t.set_extension_limit_wd(3);
    Chain c(t);
    InReview(c);
    const std::string op = c.Extend(4, "the item allows three");
    CHECK_THAT(RuleOf(c.Project(), op), Catch::Contains("limit of 3"));
  }
}

TEST_CASE("Rules: an extension decided after the legal deadline extends no clock and says why", "[rules][extension]") {
  // Accepted 2026-01-02 with a legal limit of 20 working days: the due day is read from the case's own clocks
  // without an extension (the working-day count is the calendar tests' business), then an extension is
  // decided the day after it.
  Chain late(Terms());
  InReview(late);
  const WorkingCalendar national = WorkingCalendar::National();
  const Date today = test::DateOf("2026-03-20");
  CaseClocks before = ComputeCaseClocks(late.Project().view, national, today);
  REQUIRE(before.legal.due);
  const int after_due = before.legal.due->days - test::DateOf("2026-01-01").days + 1;
  late.Extend(10, "asked too late", after_due);
  CaseClocks c = ComputeCaseClocks(late.Project().view, national, today);
  CHECK(c.extension_wd == 0);
  CHECK_THAT(c.extension_refused, Catch::Contains("after the legal deadline"));
  CHECK(*c.legal.due == *before.legal.due);

  Chain timely(Terms());
  InReview(timely);
  timely.Extend(10, "in time", 10);
  CaseClocks t = ComputeCaseClocks(timely.Project().view, national, today);
  CHECK(t.extension_wd == 10);
  CHECK(t.legal.due->days > before.legal.due->days);
  CHECK(t.promised.due->days > before.promised.due->days);
}

TEST_CASE("Rules: the staff member evaluated may not record the evaluation, from any peer", "[rules][evaluation]") {
  Chain c(Terms());
  InReview(c);
  auto evaluation = [&](const std::string& actor, const std::string& kind, const std::string& target,
                        const std::string& channel, bool assisted) {
    pb::Op op = test::Envelope(c.Next(actor));
    auto* e = op.mutable_evaluation_given();
    e->set_rating("very_satisfied");
    e->set_channel(channel);
    e->set_target_kind(kind);
    e->set_target(target);
    e->set_stage("acceptance");
    e->set_assisted(assisted);
    return c.Add(op);
  };
  const std::string self_staff = evaluation("clerk-1", "staff", "clerk-1", "hall_terminal", false);
  const std::string own_node = evaluation("agent-1", "node", "n1", "qr_code", false);
  const std::string by_other = evaluation("clerk-2", "staff", "clerk-1", "paper", false);
  CaseProjection p = c.Project();
  CHECK_THAT(RuleOf(p, self_staff), Catch::Contains("evaluation of themselves"));
  CHECK_THAT(RuleOf(p, own_node), Catch::Contains("handled this case at node \"n1\""));
  CHECK(RuleOf(p, by_other).empty());
  REQUIRE(p.view["evaluations"].size() == 1);
  CHECK(p.view["evaluations"][0]["op"] == by_other);
  CHECK(p.view["evaluations"][0]["assisted"] == true);  // paper is typed by staff: flagged whatever the op says
}

TEST_CASE("Rules: review steps are taken in the item's order, and a return sends the case back one step",
          "[rules][steps]") {
  Chain c(Terms({"preliminary_review", "review", "approval"}));
  c.Act("receive", "", "agent-1");
  auto step = [&](const std::string& name, const std::string& outcome, const std::string& opinion = "") {
    pb::Op op = test::Envelope(c.Next("reviewer-1"));
    op.mutable_review_step()->set_step(name);
    op.mutable_review_step()->set_outcome(outcome);
    op.mutable_review_step()->set_opinion(opinion);
    return c.Add(op);
  };
  const std::string too_early = step("preliminary_review", "pass");  // the case is only received
  c.Act("accept");
  const std::string first = step("preliminary_review", "pass", "materials complete");
  const std::string skipped = step("approval", "pass");
  const std::string second = step("review", "pass");
  const std::string returned = step("approval", "return", "the certificate copy is illegible");
  CaseProjection p = c.Project();
  CHECK_THAT(RuleOf(p, too_early), Catch::Contains("accepted or in review"));
  CHECK(RuleOf(p, first).empty());
  CHECK_THAT(RuleOf(p, skipped), Catch::Contains("not the pending step \"review\""));
  CHECK(RuleOf(p, second).empty());
  CHECK(RuleOf(p, returned).empty());
  const json& review = p.view["review"];
  CHECK(review["passed"] == json::array({"preliminary_review"}));
  CHECK(review["pending"] == json::array({"review", "approval"}));
  REQUIRE(review["taken"].size() == 3);
  CHECK(review["taken"][2]["reviewer"] == "reviewer-1");
  CHECK(review["taken"][2]["opinion"] == "the certificate copy is illegible");
}

TEST_CASE("Rules: a parallel item lists the departments that have not decided yet", "[rules][departments]") {
  Chain c(Terms({}, {"Finance", "Land"}));
  InReview(c);
  CHECK(c.Project().view["departments_pending"] == json::array({"Civil affairs", "Finance", "Land"}));
  pb::Op op = test::Envelope(c.Next("approver-2"));
  op.mutable_department_decision()->set_department("Finance");
  op.mutable_department_decision()->set_decision("approve");
  c.Add(op);
  CHECK(c.Project().view["departments_pending"] == json::array({"Civil affairs", "Land"}));
}

pb::Op RequestCorrection(test::Head h, const std::string& due) {
  pb::Op op = ActOp(h, "request-correction", "household register missing");
  op.mutable_transition()->set_due_date(due);
  return op;
}

pb::Op Lapse(test::Head h, const std::string& decision, const std::string& new_due = "") {
  pb::Op op = test::Envelope(h);
  op.mutable_correction_lapse()->set_decision(decision);
  op.mutable_correction_lapse()->set_reason("no materials after the deadline");
  op.mutable_correction_lapse()->set_new_due(new_due);
  return op;
}

TEST_CASE("Rules: a lapsed correction is withdrawn or continued only after its deadline", "[rules][lapse]") {
  Chain c(Terms());
  c.Act("receive", "", "agent-1");
  c.Add(RequestCorrection(c.Next(), "2026-01-10"));
  const std::string early = c.Add(Lapse(c.Next("approver-1", 9), "withdraw"));  // 2026-01-10 itself
  const std::string past = c.Add(Lapse(c.Next("approver-1", 12), "continue", "2026-01-12"));
  const std::string cont = c.Add(Lapse(c.Next("approver-1", 12), "continue", "2026-01-20"));
  const std::string too_soon = c.Add(Lapse(c.Next("approver-1", 15), "withdraw"));
  const std::string withdrawn = c.Add(Lapse(c.Next("approver-1", 20), "withdraw"));
  CaseProjection p = c.Project();
  CHECK_THAT(RuleOf(p, early), Catch::Contains("has not lapsed on 2026-01-10"));
  CHECK_THAT(RuleOf(p, past), Catch::Contains("new due day after 2026-01-13"));
  CHECK(RuleOf(p, cont).empty());
  CHECK_THAT(RuleOf(p, too_soon), Catch::Contains("is due 2026-01-20"));
  CHECK(RuleOf(p, withdrawn).empty());
  CHECK(p.status == "withdrawn");
  CHECK(p.view["correction"]["lapses"].size() == 2);
  CHECK(p.view["timeline"].contains("closed"));
}

TEST_CASE("Rules: supervision lists a correction past its deadline until the organ decides", "[rules][lapse]") {
  Chain c(Terms());
  c.Act("receive", "", "agent-1");
  c.Add(RequestCorrection(c.Next(), "2026-01-10"));
  const WorkingCalendar national = WorkingCalendar::National();
  json view = c.Project().view;
  CHECK(Supervise(view, national, test::DateOf("2026-01-10")).empty());
  std::vector<SupervisionItem> items = Supervise(view, national, test::DateOf("2026-01-11"));
  REQUIRE(items.size() == 1);
  CHECK(items[0].problem == "correction_lapsed");
  CHECK(FormatDate(*items[0].due) == "2026-01-10");
  c.Add(Lapse(c.Next("approver-1", 12), "withdraw"));
  CHECK(Supervise(c.Project().view, national, test::DateOf("2026-01-14")).empty());
}

TEST_CASE("Rules: a subsidy is paid only on an approved case and is reported", "[rules][subsidy]") {
  Chain c(Terms());
  InReview(c);
  auto subsidy = [&](int64_t fen) {
    pb::Op op = test::Envelope(c.Next());
    op.mutable_subsidy_paid()->set_name("高龄津贴");
    op.mutable_subsidy_paid()->set_amount_fen(fen);
    op.mutable_subsidy_paid()->set_bank_transfer("TRF-2026-0001");
    return c.Add(op);
  };
  const std::string early = subsidy(30000);
  c.Act("approve", "", "approver-1");
  const std::string paid = subsidy(30000);
  CaseProjection p = c.Project();
  CHECK_THAT(RuleOf(p, early), Catch::Contains("approved case; it is in_review"));
  CHECK(RuleOf(p, paid).empty());
  CHECK(p.view["subsidies"]["paid_fen"] == 30000);
  REQUIRE_FALSE(p.events.empty());
  CHECK(p.events.back().action == kSubsidyPaidEvent);  // for the applicant's notice
  CHECK(p.events.back().op == paid);

  ReportOptions o;
  o.from = test::DateOf("2026-01-01");
  o.to = test::DateOf("2026-01-31");
  o.today = test::DateOf("2026-02-01");
  const WorkingCalendar national = WorkingCalendar::National();
  ReportBuilder b(o, [&](const std::string&) -> const WorkingCalendar& { return national; });
  b.Add(p.view);
  CHECK(b.Total().subsidies == 1);
  CHECK(b.Total().subsidies_paid_fen == 30000);
  CHECK_THAT(RenderReportCsv(b.Rows(), b.Total()), Catch::Contains("subsidies_paid_yuan") && Catch::Contains("300.00"));
}

}  // namespace
}  // namespace silian::sync

namespace silian::sync {
namespace {

TEST_CASE("Rules: the report groups by county and township of the case's division", "[rules][report]") {
  auto view = [](const std::string& division) {
    return json{{"case_id", "n1:1"}, {"division", division}, {"status", "received"},
                {"timeline", {{"received", test::kT0Ms + 5 * 24 * 3600 * 1000ull}}}};
  };
  const WorkingCalendar national = WorkingCalendar::National();
  for (const char* by : {"county", "township"}) {
    ReportOptions o;
    o.from = test::DateOf("2026-01-01");
    o.to = test::DateOf("2026-01-31");
    o.today = test::DateOf("2026-01-31");
    o.by = by;
    ReportBuilder b(o, [&](const std::string&) -> const WorkingCalendar& { return national; });
    b.Add(view("152222104200"));
    b.Add(view("152222105201"));
    b.Add(view("152223100200"));
    std::vector<ReportRow> rows = b.Rows();
    INFO(by);
    if (std::string(by) == "county") {
      REQUIRE(rows.size() == 2);
      CHECK(rows[0].group == "152222");
      CHECK(rows[0].received == 2);
      CHECK(rows[1].group == "152223");
    } else {
      REQUIRE(rows.size() == 3);
      CHECK(rows[0].group == "152222104");
    }
    CHECK(b.Total().received == 3);
  }
}

}  // namespace
}  // namespace silian::sync

#include "domain/catalog.h"

namespace silian::sync {
namespace {

TEST_CASE("Rules: a township item's lead department is resolved per implementing division", "[rules][catalog]") {
  const std::string file = R"({"format": 1, "items": [{"code": "T-1", "name": "林权登记", "exercise_level": "township",
    "legal_limit": {"value": 20, "unit": "working_days"}, "promised_limit": {"value": 5, "unit": "working_days"},
    "lead_department": "苏木人民政府",
    "implementations": [{"division": "152222104", "lead_department": "巴彦淖尔苏木人民政府"},
                        {"division": "152222105", "lead_department": "代钦塔拉苏木人民政府"},
                        {"division": "152222105201", "lead_department": "代钦塔拉嘎查村民委员会"}]}]})";
  Result<std::vector<pb::Item>> items = ParseCatalogJson(file, "catalog.json");
  REQUIRE(items.ok());
  const pb::Item& item = (*items)[0];
  CHECK(TermsFor(item, "152222104200").lead_department() == "巴彦淖尔苏木人民政府");
  CHECK(TermsFor(item, "152222105200").lead_department() == "代钦塔拉苏木人民政府");
  CHECK(TermsFor(item, "152222105201").lead_department() == "代钦塔拉嘎查村民委员会");  // the longest prefix
  CHECK(TermsFor(item, "152222106200").lead_department() == "苏木人民政府");            // not listed: the item's
  // The file's shape survives a round trip, and a bad implementation is named with its value.
  Result<std::vector<pb::Item>> again = ParseCatalogJson(CatalogToJson(*items).dump(), "again.json");
  REQUIRE(again.ok());
  CHECK((*again)[0].implementations_size() == 3);
  pb::Item bad = item;
  bad.mutable_implementations(1)->set_division("15222");
  CHECK_THAT(ValidateItem(bad).message(), Catch::Contains("implementations[1].division \"15222\""));
  bad = item;
  bad.mutable_implementations(2)->set_division("152222104");
  CHECK_THAT(ValidateItem(bad).message(), Catch::Contains("repeats implementations[0]"));
}

}  // namespace
}  // namespace silian::sync
