#include "domain/internal/lifecycle_reducer.h"

#include <map>
#include <stdexcept>

#include "base/message_keys.h"
#include "base/text.h"
#include "domain/calendar.h"
#include "domain/catalog.h"
#include "domain/internal/authority.h"
#include "domain/validation.h"

namespace silian::sync::fold {
namespace {

// The details of a transition by name; of a name given twice, the last.
std::map<std::string, std::string> DetailsOf(const pb::Transition& t) {
  std::map<std::string, std::string> out;
  for (const auto& d : t.details()) out[d.field()] = d.value();
  return out;
}

Detail Find(const std::map<std::string, std::string>& details, const char* key) {
  auto it = details.find(key);
  return it == details.end() ? Detail() : Detail(it->second);
}

// The "days" detail as std::stoi reads it (leading digits, a sign); 0 when it is no number.
int DaysOf(const std::string& text) {
  try {
    return std::stoi(text);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

std::optional<std::string> ExtensionRefusal(const LifecycleFacts& facts, const std::optional<pb::ItemTerms>& terms,
                                            const pb::Transition& t) {
  if (!facts.extensions.empty())
    return "a case is extended at most once: extension " + facts.extensions.front().op + " of " +
           std::to_string(facts.extensions.front().days) + " working days already counts";
  const int limit = terms ? ExtensionLimitWd(*terms) : kDefaultExtensionWd;
  const int days = DaysOf(Find(DetailsOf(t), "days").value_or(""));
  if (days < 1 || days > limit)
    return "an extension of " + std::to_string(days) + " working days is not 1 to the item's limit of " +
           std::to_string(limit) + " working days";
  if (TrimText(t.reason()).empty()) return std::string("an extension needs a reason");
  return std::nullopt;
}

const char* MilestoneName(Milestone m) {
  switch (m) {
    case Milestone::kReceived: return "received";
    case Milestone::kForwarded: return "forwarded";
    case Milestone::kAccepted: return "accepted";
    case Milestone::kFirstResponse: return "first_response";
    case Milestone::kCorrectionSupplied: return "correction_supplied";
    case Milestone::kReviewStarted: return "review_started";
    case Milestone::kDecided: return "decided";
    case Milestone::kCompleted: return "completed";
    case Milestone::kCertificateIssued: return "certificate_issued";
    case Milestone::kDelivered: return "delivered";
    case Milestone::kClosed: return "closed";
  }
  SILIAN_CHECK(false && "not a Milestone");
  return "";
}

LifecycleReducer::Outcome LifecycleReducer::ApplyTransition(const CaseOps& ops, size_t i,
                                                            const std::optional<pb::ItemTerms>& terms,
                                                            Refusals& refusals, History& h) {
  const auto& t = ops.op(i).transition();
  h.Set("action", t.action());
  if (!t.reason().empty()) h.Set("reason", t.reason());
  h.Set("from", CaseStatusName(facts_.status));
  auto action = ParseAction(t.action());
  if (!action.ok()) {
    h.Ignore("action unknown to this version");
    return Outcome::kNotApplied;
  }
  if (auto rule = TransitionRefusal(terms, t, *action, ops.level(i), !ops.from_registry())) {
    refusals.Refuse(ops, i, h, *rule);
    return Outcome::kNotApplied;
  }
  if (auto next = NextStatus(facts_.status, *action)) {
    if (*action == Action::kExtend) {
      if (auto rule = ExtensionRefusal(facts_, terms, t)) {
        refusals.Refuse(ops, i, h, *rule);
        return Outcome::kNotApplied;
      }
    }
    SetStatus(*next, i);
    h.Set("to", CaseStatusName(*next));
    RecordApplied(ops, i, *action);
    return Outcome::kApplied;
  }
  if (IsDuplicate(ops, i, *action)) {
    h.Set("outcome", "duplicate");
    h.Set("duplicate_of", ops.id_text(*last_transition_));
    return Outcome::kNotApplied;
  }
  h.Set("outcome", "rejected");
  std::string cid = ConflictId(ops.case_id(), ConflictKind::kTransition, ops.id_text(i));
  h.Set("conflict", cid);
  facts_.conflicts[cid] = {i, last_transition_, CaseStatusName(facts_.status), false};
  return Outcome::kNotApplied;
}

// A concurrent repeat of the action that brought the case to its status (two agents both pressed
// "receive"): its author had not seen the first.
bool LifecycleReducer::IsDuplicate(const CaseOps& ops, size_t i, Action action) const {
  if (TargetStatus(action) != facts_.status || !last_transition_) return false;
  const pb::Op& last = ops.op(*last_transition_);
  return last.has_transition() && last.transition().action() == ops.op(i).transition().action() &&
         !ops.graph().IsAncestor(*last_transition_, i);
}

void LifecycleReducer::Resolve(const CaseOps& ops, size_t i, const std::string& conflict_id,
                               std::optional<size_t> keep, History& h) {
  auto it = facts_.conflicts.find(conflict_id);
  if (it == facts_.conflicts.end() || it->second.resolved) return h.Ignore("no such open conflict");
  it->second.resolved = true;
  if (keep && *keep == it->second.rejected) {
    auto action = ParseAction(ops.op(*keep).transition().action());
    SILIAN_CHECK(action.ok());  // a rejected transition had a known action
    SetStatus(TargetStatus(*action), i);
    h.Set("forced", CaseStatusName(facts_.status));
  } else {
    h.Set("dismissed", true);
  }
}

bool LifecycleReducer::DecideByDepartments(const CaseOps& ops, size_t i, bool any_deny, History& h) {
  if (facts_.status != CaseStatus::kAccepted && facts_.status != CaseStatus::kInReview) return false;
  SetStatus(any_deny ? CaseStatus::kDecidedDenied : CaseStatus::kDecidedApproved, i);
  h.Set("decided", CaseStatusName(facts_.status));
  facts_.timeline[Milestone::kDecided] = ops.ms(i);
  facts_.events.push_back({ops.id_text(i), kDecidedByDepartments, CaseStatusName(facts_.status),
                           ops.op(i).hlc()});
  return true;
}

namespace {

// The first day a lapse may be recorded on: the day after the due day, or after the calendar-free bound.
Date LapseAllowedFrom(const Correction& c) {
  if (Result<Date> due = ParseDate(c.due); due.ok()) return Date{due->days + 1};
  return Date{DateOfUnixMs(c.requested_ms).days + kDefaultCorrectionBoundDays + 1};
}

}  // namespace

void LifecycleReducer::ApplyLapse(const CaseOps& ops, size_t i, const std::optional<pb::ItemTerms>& terms,
                                  Refusals& refusals, History& h) {
  const pb::CorrectionLapse& l = ops.op(i).correction_lapse();
  h.Set("decision", l.decision());
  h.Set("reason", l.reason());
  if (l.decision() != "withdraw" && l.decision() != "continue") return h.Ignore("lapse decision unknown to this version");
  if (auto rule = FactRefusal(terms, "correction-lapse", ops.level(i), !ops.from_registry()))
    return refusals.Refuse(ops, i, h, *rule);
  if (facts_.status != CaseStatus::kCorrectionPending || !facts_.correction)
    return refusals.Refuse(ops, i, h,
                           FailedPrecondition(std::string("a lapsed correction is decided while the case is "
                                                          "correction_pending; it is ") + CaseStatusName(facts_.status))
                               .With(msg::kLapseStatus, CaseStatusName(facts_.status)));
  Correction& c = *facts_.correction;
  const Date day = DateOfUnixMs(ops.ms(i));
  const Date from = LapseAllowedFrom(c);
  if (day < from)
    return refusals.Refuse(ops, i, h, "the correction of case " + ops.case_id().value + " is due " +
                                          (c.due.empty() ? "5 working days after " + FormatDate(DateOfUnixMs(c.requested_ms))
                                                         : c.due) +
                                          "; it has not lapsed on " + FormatDate(day));
  if (l.decision() == "continue") {
    Result<Date> new_due = ParseDate(l.new_due());
    if (!new_due.ok() || *new_due <= day)
      return refusals.Refuse(ops, i, h,
                             FailedPrecondition("a continued correction needs a new due day after " + FormatDate(day) +
                                                ", not " + Quote(l.new_due()))
                                 .With(msg::kLapseNewDue, FormatDate(day), l.new_due()));
    c.due = l.new_due();
  } else {
    SetStatus(CaseStatus::kWithdrawn, i);
    facts_.timeline[Milestone::kClosed] = ops.ms(i);
    h.Set("to", CaseStatusName(facts_.status));
  }
  c.lapses.push_back({ops.id_text(i), l.decision(), l.reason(), l.new_due(), ops.actor(i), ops.ms(i)});
  facts_.events.push_back({ops.id_text(i), "correction-lapse-" + l.decision(), CaseStatusName(facts_.status),
                           ops.op(i).hlc()});
}

void LifecycleReducer::SetStatus(CaseStatus s, size_t by) {
  facts_.status = s;
  if (s == CaseStatus::kDecidedDenied) facts_.denied = true;
  if (s == CaseStatus::kDecidedApproved || s == CaseStatus::kDecidedApprovedTolerance) facts_.denied = false;
  last_transition_ = by;
}

// The facts an applied transition leaves on the case besides its status. Every case's transitions pass
// here on import, so nothing is built that the action does not need.
void LifecycleReducer::RecordApplied(const CaseOps& ops, size_t i, Action action) {
  // Every applied transition is an event of the case: the applicant is told at every stage (domain/outbox.h).
  facts_.events.push_back({ops.id_text(i), ops.op(i).transition().action(), CaseStatusName(facts_.status),
                           ops.op(i).hlc()});
  RecordMilestones(ops, i, action);
  RecordDetails(ops, i, action);
}

void LifecycleReducer::HandledBy(const CaseOps& ops, size_t i, Milestone m) {
  Handler& handler = facts_.handled_by[m];
  handler.actor = ops.actor(i);
  handler.node = ops.op(i).origin();
  // Shown as the author wrote it; authority is judged from the registry (ops.level), not from this.
  if (!ops.op(i).transition().level().empty()) handler.level = ops.op(i).transition().level();
}

// A first milestone keeps the earliest time in fold order, a last one the latest.
void LifecycleReducer::RecordMilestones(const CaseOps& ops, size_t i, Action action) {
  const uint64_t ms = ops.ms(i);
  auto first = [&](Milestone m) { facts_.timeline.emplace(m, ms); };
  auto last = [&](Milestone m) { facts_.timeline[m] = ms; };
  switch (action) {
    case Action::kReceive:
      first(Milestone::kReceived);
      if (!facts_.handled_by.contains(Milestone::kReceived)) HandledBy(ops, i, Milestone::kReceived);
      break;
    case Action::kForward: last(Milestone::kForwarded); break;
    case Action::kAccept:
      last(Milestone::kAccepted);
      first(Milestone::kFirstResponse);
      HandledBy(ops, i, Milestone::kAccepted);
      break;
    case Action::kRequestCorrection: first(Milestone::kFirstResponse); break;
    case Action::kNotAccept:
      first(Milestone::kFirstResponse);
      last(Milestone::kClosed);
      break;
    case Action::kSupplyCorrection: last(Milestone::kCorrectionSupplied); break;
    case Action::kStartReview: first(Milestone::kReviewStarted); break;
    case Action::kApprove:
    case Action::kApproveTolerant:
    case Action::kDeny:
      last(Milestone::kDecided);
      HandledBy(ops, i, Milestone::kDecided);
      break;
    case Action::kComplete:
      last(Milestone::kCompleted);
      HandledBy(ops, i, Milestone::kCompleted);
      break;
    case Action::kIssueCertificate: last(Milestone::kCertificateIssued); break;
    case Action::kDeliver: last(Milestone::kDelivered); break;
    case Action::kWithdraw:
    case Action::kRevoke:
    case Action::kTerminate:
      last(Milestone::kClosed);
      break;
    case Action::kSuspend:
    case Action::kResume:
    case Action::kExtend:
      break;
  }
}

// Suspensions, extensions, the certificate, the delivery and owed materials.
void LifecycleReducer::RecordDetails(const CaseOps& ops, size_t i, Action action) {
  const pb::Transition& t = ops.op(i).transition();
  const std::map<std::string, std::string> details = DetailsOf(t);
  const std::string& op = ops.id_text(i);
  switch (action) {
    case Action::kSuspend:
      facts_.suspensions.push_back({ops.ms(i), op, Find(details, "procedure").value_or(""), t.reason(), {}});
      break;
    case Action::kResume:
      if (!facts_.suspensions.empty() && !facts_.suspensions.back().end_ms) facts_.suspensions.back().end_ms = ops.ms(i);
      break;
    case Action::kExtend:
      facts_.extensions.push_back({DaysOf(Find(details, "days").value_or("")), op, t.reason(), ops.ms(i)});
      break;
    case Action::kRequestCorrection:
      facts_.correction = Correction{op, ops.ms(i), t.due_date(), {}};
      break;
    case Action::kIssueCertificate:
      facts_.certificate = Certificate{op, ops.actor(i), Find(details, "certificate_name"),
                                       Find(details, "certificate_number"), Find(details, "valid_until")};
      break;
    case Action::kDeliver:
      facts_.delivery = Delivery{op, ops.actor(i), ops.ms(i), Find(details, "method"), Find(details, "tracking_number")};
      break;
    case Action::kAccept:
    case Action::kApproveTolerant:
      if (!Find(details, "owed").value_or("").empty())
        facts_.owed = Owed{details.at("owed"), Find(details, "owed_due").value_or(""), op};
      break;
    default:
      break;
  }
}

}  // namespace silian::sync::fold
