// One step of a simulated case at the replica responsible for its status (see workload.h).
#include "sim/workload.h"
#include "domain/calendar.h"
#include "domain/catalog.h"

namespace silian::sim {
namespace {

using nlohmann::json;
using sync::Action;

// The last required material of the item: the one an applicant forgets.
std::string ForgottenMaterial(const pb::Item& item) {
  std::string name;
  for (const auto& m : item.materials())
    if (!m.optional()) name = m.name();
  return name.empty() ? "申请表" : name;
}

int64_t FeeField(const json& view, const char* key) {
  if (!view.contains("fees") || !view["fees"].is_object()) return 0;
  return view["fees"].value(key, int64_t{0});
}

}  // namespace

std::string Workload::Today(int replica, int plus_days) {
  sync::Date today = sync::DateOfUnixMs(net_.at(static_cast<size_t>(replica)).wall.NowMs());
  return sync::FormatDate(sync::AddDays(today, plus_days));
}

bool Workload::ActOn(CaseRecord& c, int actor, Action action, const std::string& reason,
                     const std::vector<std::pair<std::string, std::string>>& details) {
  auto done = net_.store(static_cast<size_t>(actor)).Act(c.case_id, action, reason, Actor(actor), details);
  return Done(done.status(), std::string("act:") + sync::ActionName(action), actor);
}

int64_t Workload::Step(CaseRecord& c, const json& view, const std::string& s, int actor) {
  if (s == "draft") return Receive(c, actor);
  if (s == "received" || s == "forwarded") return FirstResponse(c, view, actor);
  if (s == "correction_pending") return SupplyCorrection(c, actor);
  if (s == "accepted" || s == "in_review") return Review(c, view, s, actor);
  if (s == "suspended") {
    ActOn(c, actor, Action::kResume, "");
    return rng_.Between(4, 48);
  }
  if (s.rfind("decided_", 0) == 0) return Complete(c, view, s, actor);
  if (s == "completed") return c.denied ? Deliver(c, actor) : IssueCertificate(c, view, actor);
  if (s == "certificate_issued") return Deliver(c, actor);
  if (s == "delivered") {
    if ((c.plan & kEvaluate) && !(c.done & kEvaluate)) return Evaluate(c, view, actor);
    return Rectify(c, view, actor);
  }
  c.closed = true;
  return 0;
}

// The agent or window receives the application and records the materials handed in.
int64_t Workload::Receive(CaseRecord& c, int actor) {
  if (!ActOn(c, actor, Action::kReceive, "")) return rng_.Between(2, 8);
  const pb::Item& item = items_[c.item];
  const std::string forgotten = (c.plan & kCorrection) ? ForgottenMaterial(item) : std::string();
  auto& store = net_.store(static_cast<size_t>(actor));
  for (const auto& m : item.materials()) {
    if (m.name() == forgotten || (m.optional() && !rng_.Percent(50))) continue;
    Done(store.AddMaterial(c.case_id, m.name(), m.count(), Actor(actor)).status(), "material", actor);
  }
  return rng_.Between(0, 3);
}

// At the creator: forward to the competent node. At the competent node: the first response.
int64_t Workload::FirstResponse(CaseRecord& c, const json& view, int actor) {
  if (actor != c.competent) {
    // Now and then someone tries to accept what only a higher level may accept: the node refuses.
    if (rng_.Percent(3)) ActOn(c, actor, Action::kAccept, "");
    ActOn(c, actor, Action::kForward, "");
    return rng_.Between(1, 8);
  }
  const pb::Item& item = items_[c.item];
  if ((c.plan & kCorrection) && !(c.done & kCorrection)) {
    if (ActOn(c, actor, Action::kRequestCorrection, "一次性告知：请补正 " + ForgottenMaterial(item)))
      c.done |= kCorrection;
    return rng_.Between(4, 48);
  }
  if (c.plan & kNotAccept) {
    if (ActOn(c, actor, Action::kNotAccept, "不属于本机关职权范围")) c.closed = true;
    return 24;
  }
  std::vector<std::pair<std::string, std::string>> details;
  if (c.plan & kTolerant) details = {{"owed", ForgottenMaterial(item)}, {"owed_due", Today(actor, 10)}};
  if (!ActOn(c, actor, Action::kAccept, "", details)) return rng_.Between(4, 24);
  AfterAcceptance(c, view, actor);
  return rng_.Between(2, 24);
}

// Fees charged at acceptance, an evaluation at the window, and the edits some cases get.
void Workload::AfterAcceptance(CaseRecord& c, const json& view, int actor) {
  const pb::Item& item = items_[c.item];
  auto& store = net_.store(static_cast<size_t>(actor));
  if (int64_t fee = sync::TotalFeesFen(item); fee > 0 && !(c.done & kCharged)) {
    pb::FeeRecorded charge;
    charge.set_kind("charge");
    charge.set_name(item.fees(0).name());
    charge.set_amount_fen(fee);
    if (Done(store.RecordFee(c.case_id, charge, Actor(actor)).status(), "fee:charge", actor)) c.done |= kCharged;
  }
  if ((c.plan & kAcceptanceEval) && !(c.done & kAcceptanceEval)) {
    pb::EvaluationGiven e;
    e.set_rating(rng_.Percent(90) ? "very_satisfied" : "basically_satisfied");
    e.set_channel("hall_tablet");
    e.set_target_kind("node");
    e.set_target(net_.at(static_cast<size_t>(actor)).id());
    e.set_stage("acceptance");
    if (Done(store.Evaluate(c.case_id, e, "applicant").status(), "evaluate", actor)) c.done |= kAcceptanceEval;
  }
  if ((c.plan & kGuardedEdit) && !(c.done & kGuardedEdit)) {
    c.done |= kGuardedEdit;
    ConcurrentEdit(c, view);
  }
  if ((c.plan & kPlainEdit) && !(c.done & kPlainEdit)) {
    c.done |= kPlainEdit;
    std::vector<std::pair<std::string, std::string>> phone = {{"phone", "0482-" + std::to_string(rng_.Between(1000000, 9999999))}};
    Done(store.SetFields(c.case_id, phone, Actor(actor)).status(), "set:plain", actor);
  }
}

// The applicant's name (and sometimes ID number) corrected at two replicas before either has synced:
// a conflict that a person resolves later.
void Workload::ConcurrentEdit(CaseRecord& c, const json& view) {
  int other = c.creator;
  if (other == c.competent) {
    int county = net_.CountyFor(c.division);
    other = county >= 0 && county != c.competent ? county : Network::kCity;
  }
  if (other == c.competent) return;
  std::string name = view["fields"].contains("applicant_name") ? view["fields"]["applicant_name"].value("value", "")
                                                                 : std::string("申请人");
  bool with_id = rng_.Percent(30);
  for (int writer : {c.competent, other}) {
    net_.Advance(static_cast<uint64_t>(rng_.Between(1000, 600000)));
    net_.Tick(static_cast<size_t>(writer));
    std::vector<std::pair<std::string, std::string>> values = {
        {"applicant_name", writer == c.competent ? name + "（更正）" : name + "（改）"}};
    if (with_id) values.emplace_back("applicant_id", ResidentId(c.division.substr(0, 6), rng_));
    Done(net_.store(static_cast<size_t>(writer)).SetFields(c.case_id, values, Actor(writer)).status(), "set:guarded",
         writer);
  }
}

int64_t Workload::SupplyCorrection(CaseRecord& c, int actor) {
  const pb::Item& item = items_[c.item];
  Done(net_.store(static_cast<size_t>(actor)).AddMaterial(c.case_id, ForgottenMaterial(item), 1, Actor(actor)).status(),
       "material", actor);
  ActOn(c, actor, Action::kSupplyCorrection, "");
  return rng_.Between(2, 24);
}

int64_t Workload::Review(CaseRecord& c, const json& view, const std::string& status, int actor) {
  const pb::Item& item = items_[c.item];
  if (item.departments_size() > 0) return DecideDepartments(c, view, actor);
  if (status == "accepted" && !item.instant()) {
    ActOn(c, actor, Action::kStartReview, "");
    return rng_.Between(8, 72);
  }
  if (status == "in_review" && (c.plan & kSuspend) && !(c.done & kSuspend)) {
    if (ActOn(c, actor, Action::kSuspend, "需要现场核查", {{"procedure", "site_inspection"}})) c.done |= kSuspend;
    return rng_.Between(48, 240);
  }
  if (status == "in_review" && (c.plan & kExtend) && !(c.done & kExtend)) {
    if (ActOn(c, actor, Action::kExtend, "情况复杂", {{"days", std::to_string(rng_.Between(1, 10))}}))
      c.done |= kExtend;
    return rng_.Between(8, 48);
  }
  if (c.plan & kDeny) ActOn(c, actor, Action::kDeny, "不符合法定条件");
  else if (c.plan & kTolerant) ActOn(c, actor, Action::kApproveTolerant, "");
  else ActOn(c, actor, Action::kApprove, "");
  return rng_.Between(2, 24);
}

// Parallel approval: each department decides its part, a few at a time; some at the city's offices.
int64_t Workload::DecideDepartments(CaseRecord& c, const json& view, int actor) {
  const pb::Item& item = items_[c.item];
  std::vector<std::string> all = {item.lead_department()};
  for (const auto& d : item.departments()) all.push_back(d);
  const json decided = view.contains("departments") ? view["departments"] : json::object();
  int made = 0;
  for (const auto& dept : all) {
    if (decided.contains(dept)) continue;  // decided, or conflicting until a person resolves it
    int decider = (c.plan & kDelegate) && rng_.Percent(50) ? Network::kCity : actor;
    bool deny = (c.plan & kDeny) && dept == all.back();
    net_.Tick(static_cast<size_t>(decider));
    auto& store = net_.store(static_cast<size_t>(decider));
    Done(store.DecideDepartment(c.case_id, dept, deny ? "deny" : "approve", deny ? "不符合要求" : "同意", Actor(decider))
             .status(),
         "department", decider);
    if ((c.plan & kDeptConflict) && !(c.done & kDeptConflict)) {
      c.done |= kDeptConflict;
      int other = decider == actor ? Network::kCity : actor;
      if (other != decider) {
        net_.Tick(static_cast<size_t>(other));
        Done(net_.store(static_cast<size_t>(other))
                 .DecideDepartment(c.case_id, dept, deny ? "approve" : "deny", deny ? "同意" : "材料存疑", Actor(other))
                 .status(),
             "department", other);
      }
    }
    if (++made >= 2) break;
  }
  return rng_.Between(8, 72);
}

int64_t Workload::Complete(CaseRecord& c, const json& view, const std::string& status, int actor) {
  if (status == "decided_denied") c.denied = true;
  int64_t owed = FeeField(view, "charged_fen") - FeeField(view, "paid_fen");
  if (owed > 0) {
    pb::FeeRecorded payment;
    payment.set_kind("payment");
    payment.set_amount_fen(owed);
    payment.set_bank_receipt("BOC-" + c.number);
    Done(net_.store(static_cast<size_t>(actor)).RecordFee(c.case_id, payment, Actor(actor)).status(), "fee:payment",
         actor);
  }
  ActOn(c, actor, Action::kComplete, "");
  return rng_.Between(2, 48);
}

int64_t Workload::IssueCertificate(CaseRecord& c, const json& view, int actor) {
  const pb::Item& item = items_[c.item];
  ActOn(c, actor, Action::kIssueCertificate, "",
        {{"certificate_name", item.name()},
         {"certificate_number", "XA" + c.number.substr(c.number.size() - 4) + std::to_string(rng_.Below(100000))},
         {"valid_until", Today(actor, 3 * 365)}});
  int64_t paid = FeeField(view, "paid_fen") - FeeField(view, "refunded_fen");
  if ((c.plan & kRefund) && !(c.done & kRefund) && paid > 1) {
    c.done |= kRefund;
    pb::FeeRecorded refund;
    refund.set_kind("refund");
    refund.set_amount_fen(paid / 2);
    refund.set_bank_receipt("BOC-R-" + c.number);
    refund.set_reason("多收费用退还");
    Done(net_.store(static_cast<size_t>(actor)).RecordFee(c.case_id, refund, Actor(actor)).status(), "fee:refund",
         actor);
  }
  return rng_.Between(6, 72);
}

int64_t Workload::Deliver(CaseRecord& c, int actor) {
  const char* method = net_.at(static_cast<size_t>(actor)).is_laptop() ? "agent" : "window";
  ActOn(c, actor, Action::kDeliver, "", {{"method", method}});
  return rng_.Between(1, 48);
}

// The applicant rates the service after delivery.
int64_t Workload::Evaluate(CaseRecord& c, const json& view, int actor) {
  if (view.contains("evaluations"))
    for (const auto& e : view["evaluations"])
      if (e.value("stage", "") == "completion") {
        c.done |= kEvaluate;
        return 1;
      }
  static const std::vector<std::string> kGood = {"very_satisfied", "satisfied", "basically_satisfied"};
  static const std::vector<std::string> kBad = {"dissatisfied", "very_dissatisfied"};
  static const std::vector<std::string> kRemote = {"phone", "sms", "mobile"};
  static const std::vector<std::string> kHall = {"hall_tablet", "qr_code", "pc"};
  pb::EvaluationGiven e;
  e.set_rating((c.plan & kNegative) ? rng_.Pick(kBad) : rng_.Pick(kGood));
  e.set_channel(net_.at(static_cast<size_t>(actor)).is_laptop() ? rng_.Pick(kRemote) : rng_.Pick(kHall));
  e.set_target_kind("node");
  e.set_target(net_.at(static_cast<size_t>(c.competent)).id());
  e.set_stage("completion");
  e.set_real_name(rng_.Percent(60));
  e.set_assisted(e.channel() == "phone");  // a phone evaluation is typed by staff for the applicant
  if ((c.plan & kNegative)) e.set_comment("等待时间太长");
  auto done = net_.store(static_cast<size_t>(actor)).Evaluate(c.case_id, e, "applicant");
  if (Done(done.status(), "evaluate", actor)) c.done |= kEvaluate;
  return rng_.Between(24, 72);
}

// The competent node works through the rectification a negative evaluation opened.
int64_t Workload::Rectify(CaseRecord& c, const json& view, int actor) {
  const json* open = nullptr;
  if (view.contains("evaluations"))
    for (const auto& e : view["evaluations"])
      if (e.contains("rectification") && e["rectification"].value("state", "") != "closed") open = &e;
  if (open == nullptr) {
    c.done |= kRectified;
    return 1;
  }
  auto op = sync::ParseOpId((*open)["op"].get<std::string>());
  if (!op.ok()) {
    c.done |= kRectified;
    return 1;
  }
  const json& r = (*open)["rectification"];
  std::string step = !r.value("called_back", false) ? "call_back" : !r.contains("category") ? "fix_now" : "close";
  auto done = net_.store(static_cast<size_t>(actor)).Rectify(c.case_id, *op, step, "已回访", "", Actor(actor));
  if (Done(done.status(), "rectify", actor) && step == "close") c.done |= kRectified;
  return rng_.Between(24, 96);
}

}  // namespace silian::sim
