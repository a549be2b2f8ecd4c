// Case clocks, the statistics report and supervision.
//
// Hand-worked examples are counted on the 2026 calendar of domain.md. The random scenarios compare every
// report figure with figures computed independently by a small day-by-day model written here from the
// holiday lists (it never calls WorkingCalendar or ComputeClock).
// Replay one seed: SILIAN_SEED=N silian_sync_tests "Workflow: *"
#include "domain/workflow.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "domain/projection.h"
#include "support/dates.h"
#include "support/test_util.h"

namespace silian::sync {
namespace {

using nlohmann::json;

Date D(const char* text) { return test::DateOf(text); }

// 10:00 China Standard Time on the day.
uint64_t MsAt(Date d, int hour = 10, int minute = 0) {
  return static_cast<uint64_t>((int64_t{d.days} * 24 + hour - 8) * 3600 + minute * 60) * 1000;
}
uint64_t MsAt(const char* text, int hour = 10) { return MsAt(D(text), hour); }

json Item(uint32_t legal, uint32_t promised, const std::string& name = "Pension certificate") {
  return {{"version", 1},
          {"name", name},
          {"exercise_level", "township"},
          {"instant", false},
          {"legal_limit", {{"value", legal}, {"unit", "working_days"}}},
          {"promised_limit", {{"value", promised}, {"unit", "working_days"}}},
          {"lead_department", "Civil affairs"}};
}

// A case accepted on `accepted` (received the same day) with the given limits.
json AcceptedCase(const char* accepted, uint32_t legal, uint32_t promised) {
  return {{"case_id", "n1:1"},
          {"case_number", "152222104200012026000001"},
          {"division", test::kVillage},
          {"status", "in_review"},
          {"fields", {{"item_code", {{"value", "ITEM-A"}}}}},
          {"item", Item(legal, promised)},
          {"timeline", {{"received", MsAt(accepted, 9)}, {"accepted", MsAt(accepted)}, {"first_response", MsAt(accepted)}}},
          {"handled_by",
           {{"received", {{"actor", "agent-1"}, {"node", "n1"}, {"level", "village"}}},
            {"accepted", {{"actor", "staff-7"}, {"node", "t1"}, {"level", "township"}}}}}};
}

void Decide(json& view, const char* decided, const char* completed = nullptr) {
  view["timeline"]["decided"] = MsAt(decided);
  view["status"] = "decided_approved";
  if (completed != nullptr) {
    view["timeline"]["completed"] = MsAt(completed, 16);
    view["status"] = "completed";
  }
}

ReportOptions Options(const char* from, const char* to, const char* today, std::string by = "") {
  ReportOptions o;
  o.from = D(from);
  o.to = D(to);
  o.today = D(today);
  o.by = std::move(by);
  return o;
}

const WorkingCalendar& National() {
  static const WorkingCalendar cal = WorkingCalendar::National();
  return cal;
}
const WorkingCalendar& NationalFor(const std::string&) { return National(); }

ReportRow ReportOf(const ReportOptions& o, const std::vector<json>& views) {
  ReportBuilder b(o, NationalFor);
  for (const auto& v : views) b.Add(v);
  return b.Total();
}

// ---- Clocks ----

TEST_CASE("Workflow: a 5 working-day promise accepted 30 September and decided 12 October is met one day ahead",
          "[workflow]") {
  // From Wed 09-30: rest 10-01..10-07; Thu 10-08 (1), Fri 10-09 (2), make-up Sat 10-10 (3), Mon 10-12 (4),
  // Tue 10-13 (5): due 10-13. Decided 10-12: met, 1 working day ahead; 4 working days used.
  json view = AcceptedCase("2026-09-30", 20, 5);
  Decide(view, "2026-10-12", "2026-10-12");
  CaseClocks c = ComputeCaseClocks(view, National(), D("2026-10-20"));
  REQUIRE(c.started);
  CHECK(FormatDate(c.start) == "2026-09-30");
  CHECK(FormatDate(*c.promised.due) == "2026-10-13");
  CHECK(c.promised.state == "met");
  CHECK(c.promised.ahead_wd == 1);
  CHECK(c.legal.used_wd == 4);
  CHECK(c.stage == "stopped");

  ReportRow r = ReportOf(Options("2026-10-01", "2026-10-31", "2026-10-20"), {view});
  CHECK(r.completed == 1);
  CHECK(r.completed_on_time == 1);
  CHECK(r.ahead_wd_total == 1);
  CHECK(r.average_handling_wd == 4.0);
  CHECK(r.accepted == 0);  // accepted in September
  CHECK(r.completion_rate == 0.0);

  // Decided Wed 10-14 instead: one day past the promise, still within the legal 20.
  json late = AcceptedCase("2026-09-30", 20, 5);
  Decide(late, "2026-10-14", "2026-10-14");
  c = ComputeCaseClocks(late, National(), D("2026-10-20"));
  CHECK(c.promised.state == "missed");
  CHECK(c.legal.state == "met");
  r = ReportOf(Options("2026-09-01", "2026-10-31", "2026-10-20"), {view, late});
  CHECK(r.accepted == 2);
  CHECK(r.completed == 2);
  CHECK(r.completed_on_time == 1);
  CHECK(r.completion_rate == 1.0);
  CHECK(r.average_handling_wd == Approx(5.0));  // 4 and 6 (10-08, 10-09, 10-10, 10-12, 10-13, 10-14)
}

TEST_CASE("Workflow: a suspension over Spring Festival pauses only its working days", "[workflow]") {
  // Accepted Tue 02-10, legal 20. Suspended Thu 02-12 .. Thu 02-26: paused working days in (02-12, 02-26]:
  // Fri 02-13, make-up Sat 02-14, 02-24, 02-25, 02-26 = 5. Due = 25th working day after 02-10: 02-11..02-14
  // (4), 02-24..02-28 (9), 03-02..03-06 (14), 03-09..03-13 (19), 03-16..03-20 (24), Mon 03-23 (25).
  json view = AcceptedCase("2026-02-10", 20, 9);
  view["suspensions"] = json::array({{{"start", MsAt("2026-02-12")}, {"end", MsAt("2026-02-26", 15)},
                                      {"procedure", "expert_review"}, {"reason", "experts"}, {"op", "t1:5"}}});
  CaseClocks c = ComputeCaseClocks(view, National(), D("2026-03-05"));
  CHECK(c.stage == "running");
  CHECK(c.legal.paused_wd == 5);
  CHECK(FormatDate(*c.legal.due) == "2026-03-23");
  CHECK(c.legal.used_wd == 8);        // 13 working days in (02-10, 03-05], less 5 paused
  CHECK(c.legal.remaining_wd == 12);  // 03-06, 03-09..13, 03-16..20, 03-23
  CHECK(c.legal.state == "normal");

  // Still suspended on 02-20 (inside the holiday): paused so far = 02-13, 02-14 = 2.
  view["suspensions"][0].erase("end");
  c = ComputeCaseClocks(view, National(), D("2026-02-20"));
  CHECK(c.stage == "suspended");
  CHECK(c.legal.paused_wd == 2);
  CHECK(c.legal.used_wd == 2);  // 02-11, 02-12

  json shown = ClocksToJson(c);
  CHECK(shown["legal"]["due"] == "2026-03-18");  // 22nd working day after 02-10
  CHECK(shown["legal"]["calendar"] == "national v1");
  CHECK(shown["start"] == "2026-02-10");
}

TEST_CASE("Workflow: only the first extension counts, and it extends both clocks", "[workflow]") {
  json view = AcceptedCase("2026-03-02", 20, 5);
  view["extensions"] = json::array({{{"days", 8}, {"op", "t1:6"}, {"reason", "a"}, {"time", MsAt("2026-03-03")}},
                                    {{"days", 3}, {"op", "t1:7"}, {"reason", "b"}, {"time", MsAt("2026-03-03")}}});
  CaseClocks c = ComputeCaseClocks(view, National(), D("2026-03-03"));
  // 28 working days after Mon 03-02 (Qingming 04-04..04-06 is a weekend and Monday): 03-03..03-06 (4),
  // 03-09..04-03 (24), 04-07 (25) .. 04-10 (28).
  CHECK(FormatDate(*c.legal.due) == "2026-04-10");
  // 13 working days: 03-03..03-06 (4), 03-09..03-13 (9), 03-16..03-19 (13).
  CHECK(FormatDate(*c.promised.due) == "2026-03-19");
}

// What the one supervision item of a case should say.
struct ExpectedProblem {
  std::string problem;
  std::string due;  // YYYY-MM-DD
  int remaining_wd = 0;
  std::string responsible_node, responsible_actor, step;
};

// The supervision items of `view` as of `today`: REQUIREs exactly one and CHECKs it against `want`.
std::vector<SupervisionItem> OnlyProblem(const json& view, const char* today, const ExpectedProblem& want) {
  std::vector<SupervisionItem> items = Supervise(view, National(), D(today));
  REQUIRE(items.size() == 1);
  CHECK(items[0].problem == want.problem);
  CHECK(FormatDate(*items[0].due) == want.due);
  CHECK(items[0].remaining_wd == want.remaining_wd);
  CHECK(items[0].responsible_node == want.responsible_node);
  CHECK(items[0].responsible_actor == want.responsible_actor);
  CHECK(items[0].step == want.step);
  return items;
}

TEST_CASE("Workflow: a case without a response within five working days counts as accepted from receipt",
          "[workflow]") {
  // Received Thu 09-24. Rest 09-25..09-27; 09-28 (1), 09-29 (2), 09-30 (3), rest 10-01..10-07, 10-08 (4),
  // 10-09 (5): the notice was due 10-09.
  json view = {{"case_id", "n2:4"},
               {"case_number", "N2-4"},
               {"division", test::kVillage},
               {"status", "received"},
               {"item", Item(20, 9)},
               {"timeline", {{"received", MsAt("2026-09-24")}}},
               {"handled_by", {{"received", {{"actor", "agent-2"}, {"node", "n2"}, {"level", "village"}}}}}};
  CaseClocks c = ComputeCaseClocks(view, National(), D("2026-10-09"));
  CHECK_FALSE(c.started);
  CHECK_FALSE(c.deemed_accepted);
  CHECK(c.stage == "before_acceptance");
  REQUIRE(c.notice);
  CHECK(FormatDate(c.notice->due) == "2026-10-09");
  // Never forwarded by the village point: its transit (2 working days: 09-28, 09-29) is late, and the agent
  // point answers for that.
  OnlyProblem(view, "2026-10-09", {"transit_overdue", "2026-09-29", -3, "n2", "agent-2", "received"});

  c = ComputeCaseClocks(view, National(), D("2026-10-10"));
  CHECK(c.started);
  CHECK(c.deemed_accepted);
  CHECK(FormatDate(c.start) == "2026-09-24");
  CHECK(c.legal.used_wd == 6);  // 09-28..09-30, 10-08..10-10
  // A deemed acceptance is charged to the competent organ (the township hall), not to the agent point.
  std::vector<SupervisionItem> both = Supervise(view, National(), D("2026-10-10"));
  REQUIRE(both.size() == 2);
  CHECK(both[0].problem == "transit_overdue");
  CHECK(both[0].responsible_organ == "village 152222104200");
  CHECK(both[0].responsible_node == "n2");
  CHECK(both[1].problem == "deemed_accepted");
  CHECK(both[1].responsible_organ == "township 152222104");
  CHECK(both[1].responsible_level == "township");
  CHECK(both[1].responsible_node.empty());

  // A correction requested in time keeps the clock from starting.
  view["timeline"]["first_response"] = MsAt("2026-10-08");
  view["status"] = "correction_pending";
  CHECK_FALSE(ComputeCaseClocks(view, National(), D("2026-10-20")).started);
  // Requested too late, it does not.
  view["timeline"]["first_response"] = MsAt("2026-10-12");
  CHECK(ComputeCaseClocks(view, National(), D("2026-10-20")).deemed_accepted);

  // The window opens on receipt at the competent organ: a forward from the village point on 10-08 moves it.
  view["timeline"].erase("first_response");
  view["timeline"]["forwarded"] = MsAt("2026-10-08");
  c = ComputeCaseClocks(view, National(), D("2026-10-14"));
  CHECK(FormatDate(c.notice->due) == "2026-10-14");  // 10-09, make-up 10-10, 10-12, 10-13, 10-14
  CHECK_FALSE(c.started);
  CHECK(ComputeCaseClocks(view, National(), D("2026-10-15")).deemed_accepted);
  CHECK(FormatDate(ComputeCaseClocks(view, National(), D("2026-10-15")).start) == "2026-10-08");
  // Forwarded and unanswered: the hall's, and its deemed acceptance is the hall's, never the agent's.
  std::vector<SupervisionItem> hall = Supervise(view, National(), D("2026-10-15"));
  REQUIRE(hall.size() == 1);
  CHECK(hall[0].problem == "deemed_accepted");
  CHECK(hall[0].responsible_organ == "township 152222104");
  CHECK(hall[0].responsible_node.empty());
  CHECK(hall[0].responsible_actor.empty());
  ReportOptions by_organ = Options("2026-09-01", "2026-10-31", "2026-10-15", "organ");
  ReportBuilder b(by_organ, NationalFor);
  b.Add(view);
  REQUIRE(b.Rows().size() == 1);
  CHECK(b.Rows()[0].group == "township 152222104");
}

TEST_CASE("Workflow: a case without item terms has no clocks", "[workflow]") {
  json view = AcceptedCase("2026-03-02", 20, 5);
  view.erase("item");
  CaseClocks c = ComputeCaseClocks(view, National(), D("2026-06-01"));
  CHECK_FALSE(c.started);
  CHECK(c.stage == "no_item");
  CHECK(Supervise(view, National(), D("2026-06-01")).empty());
  CHECK_FALSE(ClocksToJson(c).contains("legal"));
}

TEST_CASE("Workflow: the clocks of a projected case match the hand count", "[workflow]") {
  // The view comes from ProjectCase over ops, so the keys the clocks read are those the projection writes.
  auto op = [](const char* id, uint64_t ms, const std::vector<std::string>& parents) {
    test::Head h;
    h.id = id;
    h.hlc = test::Stamp(ms);
    h.parents = parents;
    h.case_id = "n1:1";
    return h;
  };
  pb::Op created = test::CreatedOp(op("n1:1", MsAt("2026-02-09"), {}));
  pb::ItemTerms* terms = created.mutable_case_created()->mutable_terms();
  terms->set_name("Pension certificate");
  terms->set_exercise_level("township");
  terms->mutable_legal_limit()->set_value(20);
  terms->mutable_legal_limit()->set_unit("working_days");
  terms->mutable_promised_limit()->set_value(9);
  terms->mutable_promised_limit()->set_unit("working_days");
  std::vector<pb::Op> ops = {created,
                             test::ActOp(op("n1:2", MsAt("2026-02-09", 11), {"n1:1"}), "receive"),
                             test::ActOp(op("n1:3", MsAt("2026-02-10"), {"n1:2"}), "accept"),
                             test::ActOp(op("n1:4", MsAt("2026-02-11"), {"n1:3"}), "start-review"),
                             test::ActOp(op("n1:5", MsAt("2026-02-12"), {"n1:4"}), "suspend", "expert review"),
                             test::ActOp(op("n1:6", MsAt("2026-02-26"), {"n1:5"}), "resume"),
                             test::ActOp(op("n1:7", MsAt("2026-03-04"), {"n1:6"}), "approve")};
  CaseProjection p = ProjectCase(CaseId{"n1:1"}, ops, ProjectionDetail::kSummary);
  INFO(p.view.dump());
  REQUIRE(p.status == "decided_approved");
  CaseClocks c = ComputeCaseClocks(p.view, National(), D("2026-03-20"));
  REQUIRE(c.started);
  CHECK(FormatDate(c.start) == "2026-02-10");
  CHECK(c.legal.paused_wd == 5);
  // Promised 9 + 5 paused = 14th working day after 02-10: 02-11..02-14 (4), 02-24..02-28 (9), 03-02..03-06 (14).
  CHECK(FormatDate(*c.promised.due) == "2026-03-06");
  CHECK(c.promised.state == "met");
  CHECK(c.promised.ahead_wd == 2);  // decided Wed 03-04: 03-05, 03-06
  CHECK(c.stage == "stopped");
}

// ---- Now figures and supervision ----

TEST_CASE("Workflow: a running promise is in warning on its last day and overdue after it", "[workflow]") {
  // Accepted Mon 03-02, promised 5: due Mon 03-09. On Fri 03-06 one working day remains.
  json view = AcceptedCase("2026-03-02", 20, 5);
  ReportRow r = ReportOf(Options("2026-03-01", "2026-03-31", "2026-03-06"), {view});
  CHECK(r.warning_now == 1);
  CHECK(r.overdue_now == 0);
  auto items = Supervise(view, National(), D("2026-03-06"));
  REQUIRE(items.size() == 1);
  CHECK(items[0].problem == "warning");
  CHECK(items[0].clock == "promised");
  CHECK(items[0].remaining_wd == 1);

  r = ReportOf(Options("2026-03-01", "2026-03-31", "2026-03-10"), {view});
  CHECK(r.warning_now == 0);
  CHECK(r.overdue_now == 1);
  items = OnlyProblem(view, "2026-03-10", {"overdue", "2026-03-09", -1, "t1", "staff-7", "in_review"});
  CHECK(items[0].clock == "promised");
  CHECK(items[0].item == "Pension certificate");

  // The now figures are not restricted to the period.
  r = ReportOf(Options("2025-01-01", "2025-01-31", "2026-03-10"), {view});
  CHECK(r.overdue_now == 1);
  CHECK(r.accepted == 0);

  // Once decided nothing is running.
  Decide(view, "2026-03-10");
  CHECK(ReportOf(Options("2026-03-01", "2026-03-31", "2026-03-12"), {view}).overdue_now == 0);
  CHECK(Supervise(view, National(), D("2026-03-12")).empty());

  json out = SupervisionToJson(items);
  CHECK(out[0]["due"] == "2026-03-09");
  CHECK(out[0]["problem"] == "overdue");
  CHECK(RenderSupervisionText(items).find("overdue (promised)") != std::string::npos);
}

json NegativeEvaluation(const char* day) {
  return {{"op", "n1:9"},           {"rating", "dissatisfied"}, {"channel", "sms"},   {"target_kind", "staff"},
          {"target", "staff-7"},    {"real_name", true},        {"stage", "completion"}, {"time", MsAt(day)},
          {"origin", "n1"},
          {"rectification", {{"state", "open"}, {"called_back", true}, {"steps", json::array()}}}};
}

TEST_CASE("Workflow: a negative evaluation's rectification is overdue 15 working days after it", "[workflow]") {
  // Evaluated Fri 09-18: make-up Sun 09-20 (1), 09-21..09-24 (5), 09-28..09-30 (8), 10-08 (9), 10-09 (10),
  // make-up Sat 10-10 (11), 10-12..10-15 (15): due 10-15.
  json view = AcceptedCase("2026-09-01", 20, 5);
  Decide(view, "2026-09-03", "2026-09-04");
  view["evaluations"] = json::array({NegativeEvaluation("2026-09-18")});
  view["evaluations"].push_back({{"op", "n1:10"}, {"rating", "basically_satisfied"}, {"time", MsAt("2026-09-19")}});
  ReportOptions o = Options("2026-09-01", "2026-09-30", "2026-10-15");
  ReportRow r = ReportOf(o, {view});
  CHECK(r.evaluations == 2);
  CHECK(r.negative_evaluations == 1);
  CHECK(r.satisfaction_rate == 0.5);
  CHECK(r.rectifications_open == 1);
  CHECK(r.rectifications_overdue == 0);
  CHECK(Supervise(view, National(), D("2026-10-15")).empty());

  o.today = D("2026-10-16");
  CHECK(ReportOf(o, {view}).rectifications_overdue == 1);
  auto items = Supervise(view, National(), D("2026-10-16"));
  REQUIRE(items.size() == 1);
  CHECK(items[0].problem == "rectification_overdue");
  CHECK(FormatDate(*items[0].due) == "2026-10-15");

  // Fixed by a deadline of its own.
  view["evaluations"][0]["rectification"]["category"] = "fix_by_deadline";
  view["evaluations"][0]["rectification"]["due_date"] = "2026-10-20";
  CHECK(ReportOf(o, {view}).rectifications_overdue == 0);
  CHECK(Supervise(view, National(), D("2026-10-16")).empty());

  // Closed: counted as closed, never overdue.
  view["evaluations"][0]["rectification"]["state"] = "closed";
  r = ReportOf(o, {view});
  CHECK(r.rectifications_open == 0);
  CHECK(r.rectifications_closed == 1);
}

TEST_CASE("Workflow: owed materials past due surface for revocation until supplied", "[workflow]") {
  json view = AcceptedCase("2026-03-02", 20, 5);
  Decide(view, "2026-03-03");
  view["status"] = "decided_approved_tolerance";
  view["owed"] = {{"materials", "photo、household register"}, {"due", "2026-03-10"}, {"op", "t1:3"}};
  view["materials"] = json::array({json::array({"n1:2", "photo", 1, "agent-1"})});
  CHECK(Supervise(view, National(), D("2026-03-10")).empty());
  auto items = Supervise(view, National(), D("2026-03-11"));
  REQUIRE(items.size() == 1);
  CHECK(items[0].problem == "owed_materials_overdue");
  CHECK(items[0].step == "decided_approved_tolerance");
  CHECK(FormatDate(*items[0].due) == "2026-03-10");

  view["materials"].push_back(json::array({"n1:8", "household register", 1, "agent-1"}));
  CHECK(Supervise(view, National(), D("2026-03-11")).empty());

  view["materials"].erase(1);
  view["timeline"]["closed"] = MsAt("2026-03-11");
  view["status"] = "revoked";
  CHECK(Supervise(view, National(), D("2026-03-12")).empty());
}

// ---- Report options and renderers ----

TEST_CASE("Workflow: report options name the wrong value", "[workflow]") {
  ReportOptions o = Options("2026-03-01", "2026-02-01", "2026-03-01");
  CHECK(ValidateReportOptions(o).message() == "report period 2026-03-01..2026-02-01 ends before it starts");
  o = Options("2026-01-01", "2026-02-01", "2026-03-01", "colour");
  CHECK(ValidateReportOptions(o).message() ==
        "report grouping \"colour\" is not one of: node, level, item, department, staff, county, township, organ (or none)");
  o.by = "staff";
  o.division_prefix = "15a2";
  CHECK(ValidateReportOptions(o).message() == "report division prefix \"15a2\" must be up to 12 digits");
  o.division_prefix = "1522";
  CHECK(ValidateReportOptions(o).ok());
}

TEST_CASE("Workflow: the CSV quotes a group with a comma and a quote and shows fees in yuan", "[workflow]") {
  json view = AcceptedCase("2026-03-02", 20, 5);
  view["item"]["name"] = "Pension, \"rural\"";
  view["fees"] = {{"charged_fen", 1250},
                  {"paid_fen", 1250},
                  {"refunded_fen", 0},
                  {"entries", json::array({{{"op", "t1:4"}, {"kind", "charge"}, {"name", "fee"}, {"amount_fen", 1250},
                                            {"time", MsAt("2026-03-02")}},
                                           {{"op", "t1:5"}, {"kind", "payment"}, {"name", "fee"}, {"amount_fen", 1250},
                                            {"time", MsAt("2026-04-02")}}})}};
  ReportOptions o = Options("2026-03-01", "2026-03-31", "2026-03-03", "item");
  ReportBuilder b(o, NationalFor);
  b.Add(view);
  std::string csv = RenderReportCsv(b.Rows(), b.Total());
  INFO(csv);
  CHECK(csv.rfind("group,received,accepted,not_accepted,completed,completion_rate,", 0) == 0);
  CHECK(csv.find("\r\n\"ITEM-A Pension, \"\"rural\"\"\",1,1,0,0,0.0000,0,0,0.00,0,0,12.50,0.00,0.00,0,0,0.0000,0,0,0,0,0,0.00\r\n") !=
        std::string::npos);
  CHECK(csv.find("\r\ntotal,1,1,0,0,0.0000,") != std::string::npos);

  json j = ReportToJson(o, b.Rows(), b.Total());
  CHECK(j["rows"][0]["group"] == "ITEM-A Pension, \"rural\"");
  CHECK(j["total"]["fees_charged_fen"] == 1250);
  CHECK(j["by"] == "item");
  std::string text = RenderReportText(o, b.Rows(), b.Total());
  CHECK(text.find("ITEM-A Pension, \"rural\"") != std::string::npos);
  CHECK(text.find("total") != std::string::npos);
}

TEST_CASE("Workflow: a parallel item counts under every department and the total counts it once", "[workflow]") {
  json view = AcceptedCase("2026-03-02", 45, 15);
  view["item"]["lead_department"] = "Housing";
  view["item"]["departments"] = json::array({"Fire", "Environment"});
  ReportBuilder b(Options("2026-03-01", "2026-03-31", "2026-03-03", "department"), NationalFor);
  b.Add(view);
  auto rows = b.Rows();
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].group == "Environment");
  CHECK(rows[1].group == "Fire");
  CHECK(rows[2].group == "Housing");
  for (const auto& r : rows) CHECK(r.accepted == 1);
  CHECK(b.Total().accepted == 1);
}

// ---- Random scenarios against an independent model ----

// The 2026 calendar of domain.md, with a local overlay for division prefix 152223 (two extra rest days).
struct Model {
  std::set<int32_t> rest, work, local_rest;
  Model() {
    auto range = [&](std::set<int32_t>& s, const char* from, const char* to) {
      for (int32_t d = D(from).days; d <= D(to).days; ++d) s.insert(d);
    };
    range(rest, "2026-01-01", "2026-01-03");
    range(rest, "2026-02-15", "2026-02-23");
    range(rest, "2026-04-04", "2026-04-06");
    range(rest, "2026-05-01", "2026-05-05");
    range(rest, "2026-06-19", "2026-06-21");
    range(rest, "2026-09-25", "2026-09-27");
    range(rest, "2026-10-01", "2026-10-07");
    for (const char* w : {"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"})
      work.insert(D(w).days);
    range(local_rest, "2026-09-22", "2026-09-22");
    range(local_rest, "2026-02-25", "2026-02-25");
  }
  bool Working(int32_t d, bool local) const {
    if (local && local_rest.contains(d)) return false;
    if (rest.contains(d)) return false;
    if (work.contains(d)) return true;
    int weekday = static_cast<int>(((d % 7) + 7 + 3) % 7);  // 1970-01-01 was a Thursday; Monday = 0
    return weekday < 5;
  }
  int32_t Add(int32_t start, int n, bool local) const {
    int32_t d = start;
    for (int k = 0; k < n;)
      if (Working(++d, local)) ++k;
    return d;
  }
  int Between(int32_t a, int32_t b, bool local) const {
    int n = 0;
    for (int32_t d = std::min(a, b) + 1; d <= std::max(a, b); ++d) n += Working(d, local) ? 1 : 0;
    return b >= a ? n : -n;
  }
};

struct TruthClock {
  std::string state;
  int used = 0, ahead = 0;
};

struct Truth {
  std::string division, node, level, item_key, staff;
  std::vector<std::string> departments;
  bool has_item = false;
  int legal = 0, promised = 0;
  int32_t received = 0;
  std::optional<int32_t> forwarded, accepted, first_response, decided, completed, closed;
  std::vector<std::pair<int32_t, std::optional<int32_t>>> suspensions;
  int extension = 0;
  std::string status;
  struct Fee {
    std::string kind;
    int64_t fen;
    int32_t day;
  };
  std::vector<Fee> fees;
  struct Eval {
    std::string rating;
    int32_t day;
    bool negative, open;
    std::optional<int32_t> own_due;
  };
  std::vector<Eval> evals;
};

struct ItemDef {
  const char* code;
  const char* name;
  int legal, promised;
  const char* lead;
  std::vector<std::string> departments;
};

const std::vector<ItemDef>& Items() {
  static const std::vector<ItemDef> v = {{"ITEM-A", "Pension certificate", 20, 9, "Civil affairs", {}},
                                         {"ITEM-B", "Business licence", 20, 5, "Market regulation", {}},
                                         {"ITEM-C", "Construction permit", 45, 15, "Housing", {"Fire", "Environment"}}};
  return v;
}

// A random case as of `today`: every event falls on or before today. Returns the view and fills `t`.
json RandomCase(test::Rng& rng, int n, int32_t today, Truth& t) {
  static const std::vector<std::string> kDivisions = {"152222104200", "152222104201", "152223100200"};
  static const std::vector<std::string> kAnchors = {"2026-02-09", "2026-02-12", "2026-02-26", "2026-09-17",
                                                    "2026-09-24", "2026-09-29", "2026-10-08", "2026-04-02"};
  static const std::vector<std::string> kRatings = {"very_satisfied", "satisfied", "basically_satisfied",
                                                    "dissatisfied", "very_dissatisfied"};
  static const std::vector<std::string> kKinds = {"charge", "payment", "refund"};
  auto ms = [&](int32_t day) {
    return MsAt(Date{day}, static_cast<int>(rng.Below(24)), static_cast<int>(rng.Below(60)));
  };
  t.division = rng.Pick(kDivisions);
  t.node = "n" + std::to_string(rng.Between(1, 3));
  t.level = rng.Percent(60) ? "village" : "township";
  std::string case_id = t.node + ":" + std::to_string(n);
  json view = {{"case_id", case_id}, {"case_number", "CN-" + std::to_string(n)}, {"division", t.division},
               {"fields", json::object()}};
  std::string receiver = "agent-" + std::to_string(rng.Below(3));
  t.staff = receiver;
  json handled = {{"received", {{"actor", receiver}, {"node", t.node}, {"level", t.level}}}};
  if (rng.Percent(90)) {
    const ItemDef& item = rng.Pick(Items());
    t.has_item = true;
    t.legal = item.legal;
    t.promised = item.promised;
    t.item_key = std::string(item.code) + " " + item.name;
    t.departments = {item.lead};
    for (const auto& d : item.departments) t.departments.push_back(d);
    view["fields"]["item_code"] = {{"value", item.code}};
    view["item"] = Item(static_cast<uint32_t>(item.legal), static_cast<uint32_t>(item.promised), item.name);
    view["item"]["lead_department"] = item.lead;
    if (!item.departments.empty()) view["item"]["departments"] = item.departments;
  } else {
    t.item_key = "(none)";
    t.departments = {"(none)"};
  }
  t.received = std::min(D(rng.Pick(kAnchors).c_str()).days + static_cast<int32_t>(rng.Below(6)), today);
  json timeline = {{"received", ms(t.received)}};
  t.status = "received";
  int32_t organ = t.received;
  auto when = [&](int32_t day) { return day <= today; };
  if (rng.Percent(30) && when(t.received + 2)) {
    t.forwarded = t.received + static_cast<int32_t>(rng.Below(3));
    organ = *t.forwarded;
    timeline["forwarded"] = ms(organ);
    t.status = "forwarded";
  }
  const uint64_t kind = rng.Below(100);
  const int32_t response = organ + static_cast<int32_t>(rng.Below(10));
  if (kind < 10 || !when(response)) {
    // no response yet
  } else if (kind < 18) {
    t.first_response = response;
    t.status = "correction_pending";
  } else if (kind < 26) {
    t.first_response = t.closed = response;
    t.status = "not_accepted";
  } else if (kind < 30) {
    t.closed = response;
    t.status = "withdrawn";
  } else {
    t.accepted = response;
    t.first_response = response;
    if (rng.Percent(30) && response > organ) t.first_response = organ + static_cast<int32_t>(rng.Below(static_cast<uint64_t>(response - organ)));
    t.status = "in_review";
    std::string staff = "staff-" + std::to_string(rng.Below(4));
    t.staff = staff;
    handled["accepted"] = {{"actor", staff}, {"node", "t" + std::to_string(rng.Between(1, 2))}, {"level", "township"}};
    int32_t cursor = *t.accepted + 1 + static_cast<int32_t>(rng.Below(5));
    bool open = false;
    for (uint64_t k = rng.Below(3); k > 0 && when(cursor) && !open; --k) {
      int32_t end = cursor + 1 + static_cast<int32_t>(rng.Below(12));
      if (!when(end) || rng.Percent(15)) {
        t.suspensions.push_back({cursor, std::nullopt});
        open = true;
        t.status = "suspended";
      } else {
        t.suspensions.push_back({cursor, end});
        cursor = end + static_cast<int32_t>(rng.Below(5));
      }
    }
    // One extension (a case is extended once), decided the day after acceptance: before any legal deadline.
    if (rng.Percent(25) && when(*t.accepted + 1)) t.extension = rng.Percent(50) ? 5 : 10;
    const int32_t decided = cursor + static_cast<int32_t>(rng.Below(25));
    if (!open && rng.Percent(75) && when(decided)) {
      t.decided = decided;
      t.status = rng.Percent(80) ? "decided_approved" : "decided_denied";
      const int32_t completed = decided + static_cast<int32_t>(rng.Below(3));
      if (rng.Percent(80) && when(completed)) {
        t.completed = completed;
        t.status = "completed";
      }
    }
  }
  for (const char* key : {"accepted", "first_response", "decided", "completed", "closed"}) {
    const std::optional<int32_t>& v = std::string(key) == "accepted"         ? t.accepted
                                      : std::string(key) == "first_response" ? t.first_response
                                      : std::string(key) == "decided"        ? t.decided
                                      : std::string(key) == "completed"      ? t.completed
                                                                             : t.closed;
    if (v) timeline[key] = ms(*v);
  }
  view["timeline"] = timeline;
  view["handled_by"] = handled;
  view["status"] = t.status;
  if (!t.suspensions.empty()) {
    json s = json::array();
    for (const auto& [from, to] : t.suspensions) {
      json one = {{"start", ms(from)}, {"procedure", "site_inspection"}, {"reason", "r"}, {"op", "t1:9"}};
      if (to) one["end"] = ms(*to);
      s.push_back(one);
    }
    view["suspensions"] = s;
  }
  if (t.extension > 0) {
    view["extensions"] =
        json::array({{{"days", t.extension}, {"op", "t1:8"}, {"reason", "complex"}, {"time", ms(*t.accepted + 1)}}});
  }
  json entries = json::array();
  for (uint64_t k = rng.Below(4); k > 0; --k) {
    Truth::Fee f{rng.Pick(kKinds), static_cast<int64_t>(rng.Between(100, 50000)),
                 std::min(today, t.received + static_cast<int32_t>(rng.Below(40)))};
    t.fees.push_back(f);
    entries.push_back({{"op", "t1:10"}, {"kind", f.kind}, {"name", "fee"}, {"amount_fen", f.fen}, {"actor", "s"},
                       {"time", ms(f.day)}});
  }
  if (!entries.empty()) view["fees"] = {{"entries", entries}};
  json evals = json::array();
  for (uint64_t k = rng.Below(3); k > 0; --k) {
    Truth::Eval e;
    e.rating = rng.Pick(kRatings);
    e.day = std::min(today, t.received + static_cast<int32_t>(rng.Below(60)));
    e.negative = e.rating == "dissatisfied" || e.rating == "very_dissatisfied";
    e.open = rng.Percent(60);
    json one = {{"op", "n1:11"}, {"rating", e.rating}, {"channel", "sms"}, {"target_kind", "node"},
                {"target", t.node}, {"real_name", false}, {"stage", "completion"}, {"time", ms(e.day)},
                {"origin", t.node}};
    if (e.negative) {
      json rect = {{"state", e.open ? "open" : "closed"}, {"called_back", true}, {"steps", json::array()}};
      if (rng.Percent(40)) {
        e.own_due = e.day + static_cast<int32_t>(rng.Below(30));
        rect["category"] = "fix_by_deadline";
        rect["due_date"] = FormatDate(Date{*e.own_due});
      } else if (rng.Percent(30)) {
        rect["category"] = "explain";
      }
      one["rectification"] = rect;
    }
    t.evals.push_back(e);
    evals.push_back(one);
  }
  if (!evals.empty()) view["evaluations"] = evals;
  return view;
}

struct Expected {
  uint64_t received = 0, accepted = 0, not_accepted = 0, completed = 0, on_time = 0, ahead = 0, overdue = 0,
           warning = 0, evaluations = 0, negative = 0, satisfied = 0, rect_open = 0, rect_closed = 0, rect_overdue = 0,
           handling_sum = 0, handling_count = 0;
  int64_t charged = 0, paid = 0, refunded = 0;
};

// Every figure of one case, computed from the truth with the day-by-day model.
Expected ExpectedOf(const Model& m, const Truth& t, const ReportOptions& o, int rectification_wd) {
  Expected x;
  const bool local = t.division.rfind("152223", 0) == 0;
  const int32_t today = o.today.days;
  auto in = [&](std::optional<int32_t> d) { return d && *d >= o.from.days && *d <= o.to.days; };
  x.received = in(t.received);
  x.accepted = in(t.accepted);
  x.not_accepted = t.status == "not_accepted" && in(t.closed);
  x.completed = in(t.completed);

  const int32_t organ = t.forwarded ? *t.forwarded : t.received;
  const int32_t window_due = m.Add(organ, 5, local);
  const int32_t notice_as_of = (!t.first_response && t.closed) ? std::min(today, *t.closed) : today;
  const bool deemed = !t.accepted && (t.first_response ? *t.first_response > window_due : notice_as_of > window_due);
  const bool started = t.has_item && (t.accepted || deemed);
  if (started) {
    const int32_t start = t.accepted ? *t.accepted : organ;
    const std::optional<int32_t> stopped = t.decided ? t.decided : t.completed ? t.completed : t.closed;
    const int32_t as_of = stopped.value_or(today);
    int paused = 0;
    for (const auto& [from, to] : t.suspensions) {
      int32_t end = std::min(to.value_or(as_of), as_of);
      if (end > from) paused += m.Between(from, end, local);
    }
    auto clock = [&](int limit) {
      TruthClock c;
      const int32_t due = m.Add(start, limit + t.extension + paused, local);
      const int remaining = m.Between(as_of, due, local);
      c.used = std::max(0, m.Between(start, as_of, local) - paused);
      if (stopped) {
        c.state = *stopped <= due ? "met" : "missed";
        c.ahead = std::max(0, remaining);
      } else {
        c.state = today > due ? "overdue" : remaining <= o.warning_wd ? "warning" : "normal";
      }
      return c;
    };
    const TruthClock legal = clock(t.legal);
    const TruthClock promised = clock(t.promised);
    if (x.completed) {
      x.handling_sum = static_cast<uint64_t>(legal.used);
      x.handling_count = 1;
      if (promised.state == "met") {
        x.on_time = 1;
        x.ahead = static_cast<uint64_t>(promised.ahead);
      }
    }
    if (!stopped) {
      if (legal.state == "overdue" || promised.state == "overdue") {
        x.overdue = 1;
      } else if (legal.state == "warning" || promised.state == "warning") {
        x.warning = 1;
      }
    }
  }
  for (const auto& f : t.fees) {
    if (!in(f.day)) continue;
    (f.kind == "charge" ? x.charged : f.kind == "payment" ? x.paid : x.refunded) += f.fen;
  }
  for (const auto& e : t.evals) {
    if (!in(e.day)) continue;
    ++x.evaluations;
    if (e.negative) {
      ++x.negative;
      if (e.open) {
        ++x.rect_open;
        const int32_t due = e.own_due ? *e.own_due : m.Add(e.day, rectification_wd, local);
        if (today > due) ++x.rect_overdue;
      } else {
        ++x.rect_closed;
      }
    } else {
      ++x.satisfied;
    }
  }
  return x;
}

void AddExpected(Expected& to, const Expected& x) {
  to.received += x.received;
  to.accepted += x.accepted;
  to.not_accepted += x.not_accepted;
  to.completed += x.completed;
  to.on_time += x.on_time;
  to.ahead += x.ahead;
  to.overdue += x.overdue;
  to.warning += x.warning;
  to.evaluations += x.evaluations;
  to.negative += x.negative;
  to.satisfied += x.satisfied;
  to.rect_open += x.rect_open;
  to.rect_closed += x.rect_closed;
  to.rect_overdue += x.rect_overdue;
  to.handling_sum += x.handling_sum;
  to.handling_count += x.handling_count;
  to.charged += x.charged;
  to.paid += x.paid;
  to.refunded += x.refunded;
}

void CompareRow(const ReportRow& r, const Expected& x) {
  INFO("group " << r.group);
  CHECK(r.received == x.received);
  CHECK(r.accepted == x.accepted);
  CHECK(r.not_accepted == x.not_accepted);
  CHECK(r.completed == x.completed);
  CHECK(r.completed_on_time == x.on_time);
  CHECK(r.ahead_wd_total == x.ahead);
  CHECK(r.overdue_now == x.overdue);
  CHECK(r.warning_now == x.warning);
  CHECK(r.evaluations == x.evaluations);
  CHECK(r.negative_evaluations == x.negative);
  CHECK(r.rectifications_open == x.rect_open);
  CHECK(r.rectifications_closed == x.rect_closed);
  CHECK(r.rectifications_overdue == x.rect_overdue);
  CHECK(r.fees_charged_fen == x.charged);
  CHECK(r.fees_paid_fen == x.paid);
  CHECK(r.fees_refunded_fen == x.refunded);
  auto ratio = [](uint64_t a, uint64_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b); };
  CHECK(r.completion_rate == Approx(ratio(x.completed, x.accepted)));
  CHECK(r.average_handling_wd == Approx(ratio(x.handling_sum, x.handling_count)));
  CHECK(r.satisfaction_rate == Approx(ratio(x.satisfied, x.evaluations)));
}

std::vector<std::string> ExpectedGroups(const Truth& t, const std::string& by) {
  if (by == "node") return {t.node};
  if (by == "level") return {t.level};
  if (by == "item") return {t.item_key};
  if (by == "department") return t.departments;
  if (by == "staff") return {t.staff};
  return {};
}

TEST_CASE("Workflow: report figures equal an independent day-by-day count over random cases", "[workflow]") {
  const Model model;
  pb::Calendar local;
  local.set_name("local");
  local.set_version(1);
  local.add_years(2026);
  for (const char* d : {"2026-09-22", "2026-02-25"}) {
    auto* day = local.add_days();
    day->set_date(d);
    day->set_working(false);
    day->set_reason("local festival");
  }
  const std::vector<CalendarLayer> layers = {{"152223", local}};
  std::map<std::string, WorkingCalendar> cache;
  auto calendar_for = [&](const std::string& division) -> const WorkingCalendar& {
    auto it = cache.find(division);
    if (it == cache.end()) it = cache.emplace(division, WorkingCalendar::Build(layers, division)).first;
    return it->second;
  };
  static const std::vector<std::pair<std::string, std::string>> kPeriods = {
      {"2026-01-01", "2026-12-31"}, {"2026-09-01", "2026-09-30"}, {"2026-10-01", "2026-10-31"},
      {"2026-02-01", "2026-03-15"}, {"2026-09-28", "2026-10-12"}};
  static const std::vector<std::string> kTodays = {"2026-02-27", "2026-03-10", "2026-09-30", "2026-10-09",
                                                   "2026-10-12", "2026-10-20", "2026-11-30"};
  static const std::vector<std::string> kPrefixes = {"", "152222", "152223", "152222104201"};
  uint64_t overdue_seen = 0, warning_seen = 0, on_time_seen = 0, deemed_seen = 0, rect_overdue_seen = 0;
  for (uint64_t seed : test::Seeds(1, 40)) {
    INFO(test::SeedNote(seed));
    test::Rng rng(seed);
    const auto& period = rng.Pick(kPeriods);
    ReportOptions o = Options(period.first.c_str(), period.second.c_str(), rng.Pick(kTodays).c_str());
    o.division_prefix = rng.Pick(kPrefixes);
    o.warning_wd = static_cast<int>(rng.Between(1, 3));
    o.rectification_wd = static_cast<int>(rng.Between(5, 15));
    INFO("period " << FormatDate(o.from) << ".." << FormatDate(o.to) << " today " << FormatDate(o.today)
                   << " prefix \"" << o.division_prefix << "\" warning_wd " << o.warning_wd << " rectification_wd "
                   << o.rectification_wd);

    static const std::vector<std::string> kBy = {"", "node", "level", "item", "department", "staff"};
    std::vector<ReportBuilder> builders;
    for (const auto& by : kBy) {
      ReportOptions ob = o;
      ob.by = by;
      builders.emplace_back(ob, calendar_for);
    }
    Expected total;
    std::map<std::string, std::map<std::string, Expected>> groups;  // by -> group -> figures
    for (int n = 1; n <= 150; ++n) {
      Truth t;
      json view = RandomCase(rng, n, o.today.days, t);
      for (auto& b : builders) b.Add(view);
      if (t.division.rfind(o.division_prefix, 0) != 0) continue;
      Expected x = ExpectedOf(model, t, o, o.rectification_wd);
      AddExpected(total, x);
      for (const auto& by : kBy)
        for (const auto& g : ExpectedGroups(t, by)) AddExpected(groups[by][g], x);
      overdue_seen += x.overdue;
      warning_seen += x.warning;
      on_time_seen += x.on_time;
      rect_overdue_seen += x.rect_overdue;
      deemed_seen += ComputeCaseClocks(view, calendar_for(t.division), o.today).deemed_accepted ? 1 : 0;
    }
    for (size_t i = 0; i < kBy.size(); ++i) {
      INFO("by \"" << kBy[i] << "\"");
      CompareRow(builders[i].Total(), total);
      std::vector<ReportRow> rows = builders[i].Rows();
      REQUIRE(rows.size() == groups[kBy[i]].size());
      size_t k = 0;
      for (const auto& [name, x] : groups[kBy[i]]) {
        CHECK(rows[k].group == name);
        CompareRow(rows[k], x);
        ++k;
      }
    }
  }
  if (!test::SeedFromEnv()) {
    // The scenarios reach every figure.
    CHECK(overdue_seen > 0);
    CHECK(warning_seen > 0);
    CHECK(on_time_seen > 0);
    CHECK(deemed_seen > 0);
    CHECK(rect_overdue_seen > 0);
  }
}

}  // namespace
}  // namespace silian::sync
