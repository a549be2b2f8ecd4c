// What the service centre authors on a case: the store's authoring calls. Each validates its input as
// strictly as an import would, then writes one op in one durable transaction of the ledger.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <set>

#include "base/message_keys.h"
#include "base/text.h"
#include "domain/catalog.h"
#include "domain/enums.h"
#include "domain/store.h"
#include "domain/validation.h"
#include "domain/view.h"
#include "domain/workflow.h"

namespace silian::sync {
namespace {

// The calendar date in China Standard Time (UTC+8), where case numbers are read.
std::string CstDate(uint64_t now_ms) {
  std::time_t secs = static_cast<std::time_t>(now_ms / 1000 + 8 * 3600);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
  return buf;
}

// The op as Ledger::Append will write it, checked by the rules every import applies (CheckOpContent), so
// that this node never authors an op another replica refuses. The seq is not known yet; content rules do
// not depend on it.
Status CheckAuthored(const pb::Op& body, const NodeConfig& config, uint64_t now_ms, const std::string& actor,
                     const std::string& case_id, const std::string& division, const std::vector<OpId>& parents) {
  pb::Op op = body;
  const std::string& self = config.node_id.value;
  op.set_origin(self);
  op.set_seq(1);
  op.set_hlc(now_ms << 16);
  op.set_actor(actor.empty() ? self : actor);
  op.set_case_id(case_id.empty() ? self + ":1" : case_id);
  op.set_division(division);
  for (const auto& p : parents) {
    auto* ref = op.add_parents();
    ref->set_origin(p.origin);
    ref->set_seq(p.seq);
  }
  return CheckOpContent(op);
}

// A text typed for `what`, in normal form (trimmed), or why it is refused.
Status Normalize(const char* what, std::string* value, size_t max_chars, bool required) {
  SILIAN_ASSIGN_OR_RETURN(*value, NormalizeText(what, *value, max_chars, required));
  return Status::Ok();
}

// The actor typed or configured, in normal form; "" stays "" (Append records this node's id).
Result<std::string> AuthoringActor(const std::string& actor) {
  if (actor.empty()) return actor;
  return NormalizeText("actor", actor, kMaxActorChars, true);
}

}  // namespace

Result<CaseProjection> LedgerStore::CaseForWrite(const std::string& ref) {
  SILIAN_ASSIGN_OR_RETURN(CaseId id, projector_->cases().Find(ref));
  SILIAN_ASSIGN_OR_RETURN(std::vector<pb::Op> ops, ledger_->LoadCaseOps(id.value));
  std::string division = ops.empty() ? std::string() : ops.front().division();
  CaseProjection p = ProjectCase(id, std::move(ops), ProjectionDetail::kSummary, projector_->levels(),
                                projector_->actors());
  if (!p.created)
    return FailedPrecondition("case " + Quote(ref) + " has not been fully received here yet (its creation op is missing)")
        .With(msg::kCaseNotReceived, ref);
  if (p.division.empty()) p.division = division;
  return p;
}

// The same rule the fold applies (domain/internal/authority.h), so that what this node authors is not
// refused by its own projection: the level is this node's registration as the registry here holds it.
Status LedgerStore::CheckAuthorityFor(const CaseProjection& p, std::string_view action) {
  if (!NeedsAuthority(action)) return Status::Ok();
  const std::string head = "case " + p.case_number + ": \"" + std::string(action) + "\" needs the item's exercise level";
  if (!p.terms)
    return FailedPrecondition(head + ", but the case has no item terms (item " + Quote(p.item_code) +
                              " was not in the catalogue where it was registered); set its item once this replica "
                              "holds the catalogue (case set REF item_code=CODE)")
        .With(msg::kNoItemTerms, p.case_number, action, p.item_code);
  const std::string& self = ledger_->config().node_id.value;
  SILIAN_ASSIGN_OR_RETURN(std::optional<Registration> me, projector_->registry().Find(self));
  if (!me)
    return FailedPrecondition(head + ", and this node " + Quote(self) +
                              " is not in the node registry this ledger holds yet: sync with its hub first")
        .With(msg::kNotRegistered, p.case_number, self);
  Status s = CheckAuthority(*p.terms, action, LevelName(me->level), p.item_code);
  if (!s.ok()) return s.WithMessage("case " + p.case_number + ": " + s.message());
  return Status::Ok();
}

Result<OpId> LedgerStore::AppendToCase(pb::Op op, const std::string& actor, const CaseProjection& p, bool fold_check) {
  SILIAN_ASSIGN_OR_RETURN(std::string who, AuthoringActor(actor));
  SILIAN_RETURN_IF_ERROR(
      CheckAuthored(op, ledger_->config(), ledger_->wall().NowMs(), who, p.case_id.value, p.division, p.heads));
  SILIAN_RETURN_IF_ERROR(CheckActorMay(op, who));
  if (fold_check) SILIAN_RETURN_IF_ERROR(CheckFoldAccepts(p, op, who));
  return ledger_->Append(std::move(op), who, p.case_id.value, p.division, p.heads);
}

Result<std::optional<pb::ItemTerms>> LedgerStore::TermsForDivision(const std::string& code, const std::string& division) {
  SILIAN_ASSIGN_OR_RETURN(std::optional<pb::ItemTerms> terms, projector_->reference().TermsForNewCase(code));
  if (!terms) return terms;
  SILIAN_ASSIGN_OR_RETURN(std::optional<pb::Item> item, projector_->reference().Item(code, terms->version()));
  if (item) terms = TermsFor(*item, division);
  return terms;
}

Result<CaseProjection> LedgerStore::CreateCase(const NewCase& typed) {
  NewCase c = typed;
  const Date today = DateOfUnixMs(ledger_->wall().NowMs());
  SILIAN_ASSIGN_OR_RETURN(c.applicant_id_type, NormalizeField("applicant_id_type", c.applicant_id_type, "", today));
  for (auto [field, value] : {std::pair<const char*, std::string*>{"item_code", &c.item_code},
                              {"applicant_name", &c.applicant_name}, {"applicant_id", &c.applicant_id},
                              {"phone", &c.phone}, {"address", &c.address}, {"summary", &c.summary},
                              {"channel", &c.channel}}) {
    SILIAN_ASSIGN_OR_RETURN(*value, NormalizeField(field, *value, c.applicant_id_type, today));
  }
  SILIAN_ASSIGN_OR_RETURN(c.actor, AuthoringActor(c.actor));
  std::string division = c.division ? c.division->value : ledger_->config().division.value;
  if (!InScope(division, ledger_->scope()))
    return InvalidArgument("division " + Quote(division) + " is outside this node's area " + Quote(ledger_->scope()));
  return ledger_->InTransaction<CaseProjection>([&]() -> Result<CaseProjection> {
    SILIAN_ASSIGN_OR_RETURN(std::optional<pb::ItemTerms> terms, TermsForDivision(c.item_code, division));
    SILIAN_ASSIGN_OR_RETURN(auto counter_text, ledger_->GetMeta("case_counter"));
    uint64_t counter = (counter_text ? std::stoull(*counter_text) : 0) + 1;
    SILIAN_RETURN_IF_ERROR(ledger_->SetMeta("case_counter", std::to_string(counter)));
    char seq[24];
    std::snprintf(seq, sizeof seq, "%04llu", static_cast<unsigned long long>(counter));
    std::string number =
        ledger_->config().division.value + "-" + ledger_->config().device + "-" + CstDate(ledger_->wall().NowMs()) + "-" + seq;
    pb::Op op;
    auto* body = op.mutable_case_created();
    body->set_case_number(number);
    body->set_item_code(c.item_code);
    body->set_applicant_name(c.applicant_name);
    body->set_applicant_id_type(c.applicant_id_type);
    body->set_applicant_id(c.applicant_id);
    body->set_phone(c.phone);
    body->set_address(c.address);
    body->set_summary(c.summary);
    body->set_channel(c.channel);
    body->set_language(c.language);
    if (terms) *body->mutable_terms() = *terms;
    SILIAN_RETURN_IF_ERROR(CheckAuthored(op, ledger_->config(), ledger_->wall().NowMs(), c.actor, "", division, {}));
    SILIAN_RETURN_IF_ERROR(CheckActorMay(op, c.actor));
    SILIAN_ASSIGN_OR_RETURN(OpId id, ledger_->Append(std::move(op), c.actor, "", division, {}));
    SILIAN_ASSIGN_OR_RETURN(std::vector<pb::Op> ops, ledger_->LoadCaseOps(id.ToString()));
    return projector_->ProjectAndStore(id.ToString(), std::move(ops));
  });
}

Result<OpId> LedgerStore::SetFields(const std::string& case_ref,
                                    const std::vector<std::pair<std::string, std::string>>& values,
                                    const std::string& actor) {
  if (values.empty()) return InvalidArgument("give at least one FIELD=VALUE").With(msg::kFieldsNone);
  return ledger_->InTransaction<OpId>([&]() -> Result<OpId> {
    SILIAN_ASSIGN_OR_RETURN(CaseProjection p, CaseForWrite(case_ref));
    const Date today = DateOfUnixMs(ledger_->wall().NowMs());
    std::string id_type = ViewApplicantIdType(p.view);
    bool sets_id = false, sets_type = false;
    for (const auto& [field, value] : values) {
      if (field == "applicant_id_type") {
        SILIAN_ASSIGN_OR_RETURN(id_type, NormalizeField(field, value, "", today));
        sets_type = true;
      }
      sets_id = sets_id || field == "applicant_id";
    }
    std::vector<std::pair<std::string, std::string>> all = values;
    // An ID number is checked under its type, so the type in force travels with it (CheckOpContent).
    if (sets_id && !sets_type) all.emplace_back("applicant_id_type", id_type);
    pb::Op op;
    std::set<std::string> seen;
    for (const auto& [field, typed] : all) {
      SILIAN_ASSIGN_OR_RETURN(std::string value, NormalizeField(field, typed, id_type, today));
      if (!seen.insert(field).second)
        return InvalidArgument("field " + Quote(field) + " is given twice").With(msg::kFieldTwice, field);
      auto* fv = op.mutable_fields_set()->add_values();
      fv->set_field(field);
      fv->set_value(value);
      if (field == "item_code") {
        SILIAN_ASSIGN_OR_RETURN(std::optional<pb::ItemTerms> terms, TermsForDivision(value, p.division));
        if (terms) *op.mutable_fields_set()->mutable_terms() = *terms;
      }
    }
    return AppendToCase(std::move(op), actor, p);
  });
}

namespace {

// Takes the detail "due" of request-correction out of `details`: it travels as Transition.due_date.
Result<std::string> TakeCorrectionDue(Action action, std::vector<std::pair<std::string, std::string>>& details) {
  std::string due;
  if (action != Action::kRequestCorrection) return due;
  for (auto it = details.begin(); it != details.end();) {
    if (it->first != "due") {
      ++it;
      continue;
    }
    if (!due.empty()) return InvalidArgument("detail \"due\" is given twice");
    due = it->second;
    SILIAN_RETURN_IF_ERROR(ParseDate(due).status());
    it = details.erase(it);
  }
  return due;
}

}  // namespace

// The rules of a transition that need the calendar: an extension comes before the legal deadline; a
// correction's due day is after today (5 working days when not given).
Status LedgerStore::CheckDatedRules(const CaseProjection& p, Action action, std::string* due) {
  if (action != Action::kExtend && action != Action::kRequestCorrection) return Status::Ok();
  SILIAN_ASSIGN_OR_RETURN(WorkingCalendar calendar, CalendarFor(p.division));
  const Date today = DateOfUnixMs(ledger_->wall().NowMs());
  if (action == Action::kRequestCorrection) {
    if (due->empty()) *due = FormatDate(calendar.AddWorkingDays(today, kCorrectionWindowWd));
    if (*ParseDate(*due) <= today)
      return InvalidArgument("case " + p.case_number + ": correction due day " + *due + " must be after today (" +
                             FormatDate(today) + ")")
          .With(msg::kCorrectionDuePast, p.case_number, *due, FormatDate(today));
    return Status::Ok();
  }
  CaseClocks clocks = ComputeCaseClocks(p.view, calendar, today);
  if (clocks.started && clocks.legal.due && today > *clocks.legal.due)
    return FailedPrecondition("case " + p.case_number + ": the legal deadline " + FormatDate(*clocks.legal.due) +
                              " has passed; an extension is decided before it")
        .With(msg::kExtensionTooLate, p.case_number, FormatDate(*clocks.legal.due));
  return Status::Ok();
}

Result<OpId> LedgerStore::Act(const std::string& case_ref, Action action, const std::string& typed_reason,
                              const std::string& actor, const std::vector<std::pair<std::string, std::string>>& typed) {
  std::string reason = typed_reason;
  SILIAN_RETURN_IF_ERROR(Normalize("reason", &reason, kMaxReasonChars, false));
  std::vector<std::pair<std::string, std::string>> details = typed;
  for (auto& [name, value] : details) SILIAN_RETURN_IF_ERROR(Normalize("detail value", &value, kMaxDetailChars, false));
  SILIAN_ASSIGN_OR_RETURN(std::string due, TakeCorrectionDue(action, details));
  SILIAN_RETURN_IF_ERROR(CheckDetails(action, details));
  return ledger_->InTransaction<OpId>([&]() -> Result<OpId> {
    SILIAN_ASSIGN_OR_RETURN(CaseProjection p, CaseForWrite(case_ref));
    SILIAN_ASSIGN_OR_RETURN(CaseStatus status, ParseCaseStatus(p.status));
    // The state machine first: an action the status does not allow is named with the allowed ones.
    Status check = CheckTransition(status, action, reason);
    if (!check.ok()) return check.WithMessage("case " + p.case_number + ": " + check.message());
    SILIAN_RETURN_IF_ERROR(CheckAuthorityFor(p, ActionName(action)));
    if (p.terms && p.terms->departments_size() > 0 &&
        (action == Action::kApprove || action == Action::kApproveTolerant || action == Action::kDeny))
      return FailedPrecondition("case " + p.case_number + ": item " + Quote(p.terms->name()) +
                                " is a parallel item; each department records its decision with "
                                "`case decide REF DEPARTMENT approve|deny`")
          .With(msg::kParallelItem, p.case_number, p.terms->name());
    SILIAN_RETURN_IF_ERROR(CheckDatedRules(p, action, &due));
    pb::Op op;
    auto* t = op.mutable_transition();
    t->set_action(ActionName(action));
    t->set_reason(reason);
    t->set_level(LevelName(ledger_->config().level));
    t->set_due_date(due);
    for (const auto& [name, value] : details) {
      auto* fv = t->add_details();
      fv->set_field(name);
      fv->set_value(value);
    }
    return AppendToCase(std::move(op), actor, p, /*fold_check=*/action == Action::kExtend);
  });
}

Result<OpId> LedgerStore::DecideDepartment(const std::string& case_ref, const std::string& department,
                                           const std::string& decision, const std::string& typed_opinion,
                                           const std::string& actor) {
  SILIAN_ASSIGN_OR_RETURN(Verdict verdict, ParseVerdict(decision));
  std::string opinion = typed_opinion;
  SILIAN_RETURN_IF_ERROR(Normalize("opinion", &opinion, kMaxOpinionChars, false));
  if (verdict == Verdict::kDeny && opinion.empty())
    return InvalidArgument("a denial needs --opinion with the reasons").With(msg::kDenialOpinion);
  return ledger_->InTransaction<OpId>([&]() -> Result<OpId> {
    SILIAN_ASSIGN_OR_RETURN(CaseProjection p, CaseForWrite(case_ref));
    if (!p.terms || p.terms->departments_size() == 0)
      return FailedPrecondition("case " + p.case_number + " is not a parallel item; decide it with `case act`")
          .With(msg::kNotParallel, p.case_number);
    std::vector<std::string> all = {p.terms->lead_department()};
    for (const auto& d : p.terms->departments()) all.push_back(d);
    if (std::find(all.begin(), all.end(), department) == all.end()) {
      std::string list;
      for (const auto& d : all) list += std::string(list.empty() ? "" : ", ") + d;
      return InvalidArgument("department " + Quote(department) + " has no part in item " + Quote(p.terms->name()) +
                             "; its departments: " + list)
          .With(msg::kDepartmentUnknown, department, p.terms->name(), list);
    }
    SILIAN_RETURN_IF_ERROR(CheckAuthorityFor(p, "department-decision"));
    if (p.status != "accepted" && p.status != "in_review")
      return FailedPrecondition("case " + p.case_number + " is " + p.status +
                                "; departments decide while it is accepted or in review")
          .With(msg::kDecideStatus, p.case_number, p.status);
    pb::Op op;
    auto* d = op.mutable_department_decision();
    d->set_department(department);
    d->set_decision(decision);
    d->set_opinion(opinion);
    d->set_level(LevelName(ledger_->config().level));
    return AppendToCase(std::move(op), actor, p);
  });
}

Result<OpId> LedgerStore::RecordFee(const std::string& case_ref, const pb::FeeRecorded& typed, const std::string& actor) {
  SILIAN_ASSIGN_OR_RETURN(FeeKind kind, ParseFeeKind(typed.kind()));
  pb::FeeRecorded fee = typed;
  SILIAN_RETURN_IF_ERROR(Normalize("fee name", fee.mutable_name(), kMaxMaterialChars, false));
  SILIAN_RETURN_IF_ERROR(Normalize("bank receipt", fee.mutable_bank_receipt(), kMaxBankReceiptChars, false));
  SILIAN_RETURN_IF_ERROR(Normalize("fee reason", fee.mutable_reason(), kMaxReasonChars, false));
  if (fee.amount_fen() <= 0 || fee.amount_fen() > kMaxFeeFen)
    return InvalidArgument("amount " + FormatFen(fee.amount_fen()) + " must be more than 0 and at most " +
                           FormatFen(kMaxFeeFen) + " yuan")
        .With(msg::kAmountYuan, FormatFen(fee.amount_fen()), FormatFen(kMaxFeeFen));
  if (kind == FeeKind::kPayment && fee.bank_receipt().empty())
    return InvalidArgument("a payment needs --bank-receipt: windows only record what the bank collected")
        .With(msg::kPaymentReceipt);
  if (kind == FeeKind::kRefund && fee.reason().empty())
    return InvalidArgument("a refund needs --reason").With(msg::kRefundReason);
  return ledger_->InTransaction<OpId>([&]() -> Result<OpId> {
    SILIAN_ASSIGN_OR_RETURN(CaseProjection p, CaseForWrite(case_ref));
    if (kind == FeeKind::kRefund) {
      int64_t paid = 0, refunded = 0;
      if (p.view.contains("fees")) {
        paid = p.view["fees"]["paid_fen"].get<int64_t>();
        refunded = p.view["fees"]["refunded_fen"].get<int64_t>();
      }
      if (fee.amount_fen() > paid - refunded)
        return FailedPrecondition("case " + p.case_number + ": refund of " + FormatFen(fee.amount_fen()) +
                                  " yuan exceeds what was paid and not refunded (" + FormatFen(paid - refunded) + ")")
            .With(msg::kRefundExceeds, p.case_number, FormatFen(fee.amount_fen()), FormatFen(paid - refunded));
    }
    pb::Op op;
    *op.mutable_fee_recorded() = fee;
    return AppendToCase(std::move(op), actor, p);
  });
}

Result<OpId> LedgerStore::Evaluate(const std::string& case_ref, const pb::EvaluationGiven& typed, const std::string& actor) {
  pb::EvaluationGiven e = typed;
  SILIAN_RETURN_IF_ERROR(Normalize("evaluation target", e.mutable_target(), kMaxActorChars, true));
  SILIAN_RETURN_IF_ERROR(Normalize("comment", e.mutable_comment(), kMaxOpinionChars, false));
  static const std::vector<std::string> kChannels = {"pc",  "mobile", "qr_code", "hall_tablet", "hall_terminal",
                                                     "sms", "phone",  "paper"};
  auto one_of = [](const std::vector<std::string>& set, const std::string& v) {
    return std::find(set.begin(), set.end(), v) != set.end();
  };
  SILIAN_RETURN_IF_ERROR(ParseRating(e.rating()).status());
  if (!one_of(kChannels, e.channel()))
    return InvalidArgument("channel " + Quote(e.channel()) +
                           " is not one of: pc, mobile, qr_code, hall_tablet, hall_terminal, sms (the applicant's "
                           "own), phone, paper (entered by staff: --assisted)");
  if ((e.channel() == "phone" || e.channel() == "paper") && !e.assisted())
    return InvalidArgument("channel " + Quote(e.channel()) +
                           " is typed by a staff member for the applicant: record it with --assisted (it is flagged)")
        .With(msg::kChannelAssisted, e.channel());
  if (e.target_kind() != "node" && e.target_kind() != "staff")
    return InvalidArgument("target kind " + Quote(e.target_kind()) + " is not one of: node, staff");
  if (e.stage() != "acceptance" && e.stage() != "completion")
    return InvalidArgument("stage " + Quote(e.stage()) + " is not one of: acceptance, completion");
  return ledger_->InTransaction<OpId>([&]() -> Result<OpId> {
    SILIAN_ASSIGN_OR_RETURN(CaseProjection p, CaseForWrite(case_ref));
    if (p.view.contains("evaluations"))
      for (const auto& prior : p.view["evaluations"])
        if (prior["stage"] == e.stage())
          return FailedPrecondition("case " + p.case_number + " already has an evaluation at " + e.stage() +
                                    " (op " + prior["op"].get<std::string>() + "): one per case and stage")
              .With(msg::kEvaluatedTwice, p.case_number, e.stage(), prior["op"].get<std::string>());
    pb::Op op;
    *op.mutable_evaluation_given() = e;
    return AppendToCase(std::move(op), actor, p, /*fold_check=*/true);
  });
}

Result<OpId> LedgerStore::Rectify(const std::string& case_ref, const OpId& evaluation, const std::string& step,
                                  const std::string& typed_note, const std::string& due_date, const std::string& actor) {
  std::string note = typed_note;
  SILIAN_RETURN_IF_ERROR(Normalize("rectification note", &note, kMaxOpinionChars, false));
  auto parsed_step = ParseRectificationStep(step);
  if (!parsed_step.ok()) return Status(parsed_step.status()).With(msg::kRectifyStep, step);
  const RectificationStep parsed = *parsed_step;
  if (parsed == RectificationStep::kFixByDeadline && due_date.empty())
    return InvalidArgument("fix_by_deadline needs --due YYYY-MM-DD").With(msg::kRectifyNeedsDue);
  if (!due_date.empty()) SILIAN_RETURN_IF_ERROR(ParseDate(due_date).status());
  return ledger_->InTransaction<OpId>([&]() -> Result<OpId> {
    SILIAN_ASSIGN_OR_RETURN(CaseProjection p, CaseForWrite(case_ref));
    const nlohmann::json* found = nullptr;
    if (auto evaluations = p.view.find("evaluations"); evaluations != p.view.end() && evaluations->is_array())
      for (const auto& e : *evaluations)
        if (e.is_object() && e.value("op", "") == evaluation.ToString()) found = &e;
    const nlohmann::json* rectification = nullptr;
    if (found != nullptr)
      if (auto r = found->find("rectification"); r != found->end() && r->is_object()) rectification = &*r;
    if (rectification == nullptr)
      return NotFound("case " + p.case_number + " has no negative evaluation " + Quote(evaluation.ToString()))
          .With(msg::kRectifyNoEvaluation, p.case_number, evaluation.ToString());
    if (rectification->value("state", "") == "closed")
      return FailedPrecondition("the rectification of evaluation " + Quote(evaluation.ToString()) + " is closed")
          .With(msg::kRectifyClosed, evaluation.ToString());
    if (parsed == RectificationStep::kClose && !rectification->contains("category"))
      return FailedPrecondition("choose fix_now, fix_by_deadline, explain or appeal before closing")
          .With(msg::kRectifyCloseEarly);
    pb::Op op;
    auto* r = op.mutable_rectification_step();
    r->mutable_evaluation()->set_origin(evaluation.origin);
    r->mutable_evaluation()->set_seq(evaluation.seq);
    r->set_step(step);
    r->set_note(note);
    r->set_due_date(due_date);
    return AppendToCase(std::move(op), actor, p);
  });
}

Status LedgerStore::CheckFoldAccepts(const CaseProjection& p, const pb::Op& body, const std::string& actor) {
  SILIAN_ASSIGN_OR_RETURN(std::vector<pb::Op> ops, ledger_->LoadCaseOps(p.case_id.value));
  const std::string& self = ledger_->config().node_id.value;
  uint64_t seq = 0;
  for (const auto& o : ops)
    if (o.origin() == self) seq = std::max(seq, o.seq());
  pb::Op op = body;
  op.set_origin(self);
  op.set_seq(seq + 1'000'000);  // an id no op of this case has: the trial op is never written
  // At least the stamp the op will get (the ledger's clock is past all it issued or observed), so that the
  // staff account version in force (domain/staff.h) is the one the real op is judged by.
  SILIAN_ASSIGN_OR_RETURN(auto last, ledger_->GetMeta("hlc_last"));
  const uint64_t issued = last ? uint64_t{std::stoull(*last)} + 1 : uint64_t{0};
  op.set_hlc(std::max({uint64_t{ledger_->wall().NowMs() << 16}, uint64_t{p.last_hlc + 1}, issued}));
  op.set_actor(actor.empty() ? self : actor);
  op.set_case_id(p.case_id.value);
  op.set_division(p.division);
  for (const auto& h : p.heads) {
    auto* ref = op.add_parents();
    ref->set_origin(h.origin);
    ref->set_seq(h.seq);
  }
  const std::string trial = self + ":" + std::to_string(op.seq());
  ops.push_back(std::move(op));
  CaseProjection after =
      ProjectCase(p.case_id, std::move(ops), ProjectionDetail::kSummary, projector_->levels(), projector_->actors());
  for (const auto& r : after.refused)
    if (r.op == trial) {
      // The keyed refusal keeps its key and parameters (said in the author's language), with the case named.
      if (!r.keyed.ok()) return Status(r.keyed).WithMessage("case " + p.case_number + ": " + r.rule);
      return FailedPrecondition("case " + p.case_number + ": " + r.rule);
    }
  return Status::Ok();
}

Result<OpId> LedgerStore::RecordReviewStep(const std::string& case_ref, const std::string& step,
                                           const std::string& outcome, const std::string& typed_opinion,
                                           const std::string& actor) {
  if (outcome != "pass" && outcome != "return")
    return InvalidArgument("review outcome " + Quote(outcome) + " is not one of: pass, return");
  std::string opinion = typed_opinion;
  SILIAN_RETURN_IF_ERROR(Normalize("opinion", &opinion, kMaxOpinionChars, outcome == "return"));
  return ledger_->InTransaction<OpId>([&]() -> Result<OpId> {
    SILIAN_ASSIGN_OR_RETURN(CaseProjection p, CaseForWrite(case_ref));
    SILIAN_RETURN_IF_ERROR(CheckAuthorityFor(p, "review-step"));
    pb::Op op;
    auto* r = op.mutable_review_step();
    r->set_step(step);
    r->set_outcome(outcome);
    r->set_opinion(opinion);
    r->set_level(LevelName(ledger_->config().level));
    return AppendToCase(std::move(op), actor, p, /*fold_check=*/true);
  });
}

Result<OpId> LedgerStore::DecideLapsedCorrection(const std::string& case_ref, const std::string& decision,
                                                 const std::string& typed_reason, const std::string& new_due,
                                                 const std::string& actor) {
  if (decision != "withdraw" && decision != "continue")
    return InvalidArgument("lapsed correction decision " + Quote(decision) + " is not one of: withdraw, continue");
  std::string reason = typed_reason;
  SILIAN_RETURN_IF_ERROR(Normalize("reason", &reason, kMaxReasonChars, true));
  if (decision == "continue" && new_due.empty())
    return InvalidArgument("continue needs --due YYYY-MM-DD, the new deadline").With(msg::kLapseNeedsDue);
  if (decision == "withdraw" && !new_due.empty())
    return InvalidArgument("withdraw takes no --due").With(msg::kLapseWithdrawDue);
  if (!new_due.empty()) SILIAN_RETURN_IF_ERROR(ParseDate(new_due).status());
  return ledger_->InTransaction<OpId>([&]() -> Result<OpId> {
    SILIAN_ASSIGN_OR_RETURN(CaseProjection p, CaseForWrite(case_ref));
    SILIAN_RETURN_IF_ERROR(CheckAuthorityFor(p, "correction-lapse"));
    // The calendar's own due day (5 working days when the request gave none), before the fold's bound.
    SILIAN_ASSIGN_OR_RETURN(WorkingCalendar calendar, CalendarFor(p.division));
    const Date today = DateOfUnixMs(ledger_->wall().NowMs());
    if (std::optional<Date> due = CorrectionDue(p.view, calendar); due && today <= *due)
      return FailedPrecondition("case " + p.case_number + ": its correction is due " + FormatDate(*due) +
                                "; it has not lapsed today (" + FormatDate(today) + ")")
          .With(msg::kCorrectionNotLapsed, p.case_number, FormatDate(*due), FormatDate(today));
    pb::Op op;
    auto* l = op.mutable_correction_lapse();
    l->set_decision(decision);
    l->set_reason(reason);
    l->set_new_due(new_due);
    l->set_level(LevelName(ledger_->config().level));
    return AppendToCase(std::move(op), actor, p, /*fold_check=*/true);
  });
}

Result<OpId> LedgerStore::RecordSubsidy(const std::string& case_ref, const pb::SubsidyPaid& typed,
                                        const std::string& actor) {
  pb::SubsidyPaid subsidy = typed;
  SILIAN_RETURN_IF_ERROR(Normalize("subsidy name", subsidy.mutable_name(), kMaxMaterialChars, true));
  SILIAN_RETURN_IF_ERROR(Normalize("bank transfer", subsidy.mutable_bank_transfer(), kMaxBankReceiptChars, true));
  SILIAN_RETURN_IF_ERROR(Normalize("subsidy note", subsidy.mutable_note(), kMaxOpinionChars, false));
  if (subsidy.amount_fen() <= 0 || subsidy.amount_fen() > kMaxFeeFen)
    return InvalidArgument("subsidy amount " + FormatFen(subsidy.amount_fen()) + " must be more than 0 and at most " +
                           FormatFen(kMaxFeeFen) + " yuan")
        .With(msg::kAmountYuan, FormatFen(subsidy.amount_fen()), FormatFen(kMaxFeeFen));
  return ledger_->InTransaction<OpId>([&]() -> Result<OpId> {
    SILIAN_ASSIGN_OR_RETURN(CaseProjection p, CaseForWrite(case_ref));
    SILIAN_RETURN_IF_ERROR(CheckAuthorityFor(p, "subsidy"));
    subsidy.set_level(LevelName(ledger_->config().level));
    pb::Op op;
    *op.mutable_subsidy_paid() = subsidy;
    return AppendToCase(std::move(op), actor, p, /*fold_check=*/true);
  });
}

Result<OpId> LedgerStore::AddNote(const std::string& case_ref, const std::string& typed, const std::string& actor) {
  std::string text = typed;
  SILIAN_RETURN_IF_ERROR(Normalize("note text", &text, kMaxNoteChars, true));
  return ledger_->InTransaction<OpId>([&]() -> Result<OpId> {
    SILIAN_ASSIGN_OR_RETURN(CaseProjection p, CaseForWrite(case_ref));
    pb::Op op;
    op.mutable_note_added()->set_text(text);
    return AppendToCase(std::move(op), actor, p);
  });
}

Result<OpId> LedgerStore::AddMaterial(const std::string& case_ref, const std::string& typed, uint32_t copies,
                                      const std::string& actor) {
  std::string name = typed;
  SILIAN_RETURN_IF_ERROR(Normalize("material name", &name, kMaxMaterialChars, true));
  if (copies == 0 || copies > kMaxMaterialCopies)
    return InvalidArgument("copies " + std::to_string(copies) + " must be 1 to " + std::to_string(kMaxMaterialCopies))
        .With(msg::kCopiesRange, std::to_string(copies), std::to_string(kMaxMaterialCopies));
  return ledger_->InTransaction<OpId>([&]() -> Result<OpId> {
    SILIAN_ASSIGN_OR_RETURN(CaseProjection p, CaseForWrite(case_ref));
    pb::Op op;
    op.mutable_material_received()->set_name(name);
    op.mutable_material_received()->set_copies(copies);
    return AppendToCase(std::move(op), actor, p);
  });
}

Result<OpId> LedgerStore::ResolveConflict(const std::string& conflict_id, std::optional<OpId> keep,
                                          std::optional<std::string> value, const std::string& actor) {
  if (keep.has_value() == value.has_value())
    return InvalidArgument("give exactly one of --keep OPID and --value V").With(msg::kResolveOne);
  return ledger_->InTransaction<OpId>([&]() -> Result<OpId> {
    SILIAN_ASSIGN_OR_RETURN(StoredConflict stored, projector_->cases().FindConflict(conflict_id));
    const std::string& case_id = stored.case_id;
    const std::string& kind = stored.kind;
    const nlohmann::json& detail = stored.detail;
    SILIAN_ASSIGN_OR_RETURN(CaseProjection p, CaseForWrite(case_id));
    if (kind == "transition" && value)
      return InvalidArgument("a transition conflict is resolved with --keep OPID").With(msg::kResolveTransition);
    if (keep) {
      bool candidate = false;
      std::string ids;
      for (const auto& c : detail["candidates"]) {
        ids += std::string(ids.empty() ? "" : ", ") + c["op"].get<std::string>();
        if (c["op"] == keep->ToString()) candidate = true;
      }
      if (!candidate)
        return InvalidArgument("op " + Quote(keep->ToString()) + " is not one of the competing ops of conflict " +
                               Quote(conflict_id) + ": " + ids)
            .With(msg::kResolveNotCompeting, keep->ToString(), conflict_id);
    }
    if (value) {
      std::string field = detail["field"];
      std::string id_type = ViewApplicantIdType(p.view);
      SILIAN_ASSIGN_OR_RETURN(*value, NormalizeField(field, *value, id_type, DateOfUnixMs(ledger_->wall().NowMs())));
    }
    pb::Op op;
    auto* r = op.mutable_conflict_resolved();
    r->set_conflict_id(conflict_id);
    if (keep) {
      r->mutable_keep()->set_origin(keep->origin);
      r->mutable_keep()->set_seq(keep->seq);
    }
    if (value) r->set_value(*value);
    return AppendToCase(std::move(op), actor, p);
  });
}

// ------------------------------------------------------------------------------------------------ registry

namespace {

Registration NewRegistration(NodeId node_id, Level level, DivisionCode division, std::string device,
                             std::string public_key = "") {
  Registration r;
  r.node_id = std::move(node_id);
  r.level = level;
  r.division = std::move(division);
  r.device = std::move(device);
  r.public_key = std::move(public_key);
  return r;
}

}  // namespace

Result<bool> LedgerStore::PublishRegistration(const Registration& r, const std::string& actor) {
  SILIAN_ASSIGN_OR_RETURN(std::optional<Registration> held, projector_->registry().Find(r.node_id.value));
  if (held && held->level == r.level && held->division == r.division && held->device == r.device &&
      held->active == r.active && held->revoked == r.revoked && held->public_key == r.public_key &&
      held->revoked_after_seq == r.revoked_after_seq)
    return false;  // the registry already says so: `node add` run twice publishes once
  pb::Op op;
  *op.mutable_node_registered() = RegistrationBody(r);
  SILIAN_RETURN_IF_ERROR(ledger_->Append(std::move(op), actor, "", r.scope(), {}).status());
  return true;
}

Status LedgerStore::CheckHubRegisters(const Peer& peer) {
  const NodeConfig& self = ledger_->config();
  if (self.level != Level::kCounty && self.level != Level::kCity)
    return FailedPrecondition(std::string("nodes are registered at a county or city hub; this is a ") +
                              LevelName(self.level) + " node");
  if (peer.level >= self.level)
    return InvalidArgument("a " + std::string(LevelName(self.level)) + " hub registers nodes of a lower level, not " +
                           LevelName(peer.level));
  std::string peer_scope = ScopeOf(peer.level, peer.division);
  if (!InScope(peer_scope, ledger_->scope()))
    return InvalidArgument("division " + Quote(peer.division.value) + " is outside this hub's area " +
                           Quote(ledger_->scope()));
  return Status::Ok();
}

Result<bool> LedgerStore::RegisterNode(const Peer& peer, const std::string& device, const std::string& actor,
                                       const std::string& public_key, const std::function<Status()>& also) {
  SILIAN_RETURN_IF_ERROR(CheckHubRegisters(peer));
  if (!device.empty() && (device.size() != 2 || !std::isdigit(static_cast<unsigned char>(device[0])) ||
                          !std::isdigit(static_cast<unsigned char>(device[1]))))
    return InvalidArgument("device " + Quote(device) + " must be two digits");
  if (!public_key.empty() && public_key.size() != kPublicKeyBytes)
    return InvalidArgument("the public key of " + Quote(peer.node_id.value) + " has " + std::to_string(public_key.size()) +
                           " bytes, not the " + std::to_string(kPublicKeyBytes) + " of an Ed25519 key");
  return ledger_->InTransaction<bool>([&]() -> Result<bool> {
    SILIAN_RETURN_IF_ERROR(ledger_->peers().Add(peer));
    // A registration names the key the node signs with: without one there is nothing to publish yet (the
    // node is published when its key is registered: `node add --public-key`, or its enrolment).
    if (also) SILIAN_RETURN_IF_ERROR(also());
    if (public_key.empty()) return false;
    return PublishRegistration(NewRegistration(peer.node_id, peer.level, peer.division, device, public_key), actor);
  });
}

Status LedgerStore::RevokeNode(const NodeId& node_id, uint64_t after_seq, const std::string& actor) {
  return ledger_->RunTransaction([&]() -> Status {
    SILIAN_ASSIGN_OR_RETURN(std::optional<Registration> held, projector_->registry().Find(node_id.value));
    if (!held) return NotFound("no registration of node " + Quote(node_id.value) + " is held here");
    Peer as_peer;
    as_peer.node_id = held->node_id;
    as_peer.level = held->level;
    as_peer.division = held->division;
    SILIAN_RETURN_IF_ERROR(CheckHubRegisters(as_peer));
    if (after_seq > kMaxSeq) return InvalidArgument("--after-seq " + std::to_string(after_seq) + " is out of range");
    Registration r = *held;
    r.active = false;
    r.revoked = true;
    r.revoked_after_seq = after_seq;
    return PublishRegistration(r, actor).status();
  });
}

Status LedgerStore::RaiseCaseCounterToHeld() {
  const std::string prefix = ledger_->config().division.value + "-" + ledger_->config().device + "-";
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(ledger_->db(), "SELECT case_number FROM cases WHERE substr(case_number, 1, ?) = ?"));
  s.Bind(1, static_cast<int64_t>(prefix.size())).Bind(2, prefix);
  SILIAN_ASSIGN_OR_RETURN(auto numbers, CollectRows<std::string>(s, [](const Stmt& row) { return row.Text(0); }));
  uint64_t held = 0;
  for (const auto& n : numbers) {
    const std::string tail = n.substr(n.rfind('-') + 1);
    if (!tail.empty() && tail.size() < 19 && tail.find_first_not_of("0123456789") == std::string::npos)
      held = std::max<uint64_t>(held, std::stoull(tail));
  }
  return ledger_->RunTransaction([&]() -> Status {
    SILIAN_ASSIGN_OR_RETURN(auto counter_text, ledger_->GetMeta("case_counter"));
    uint64_t counter = counter_text ? std::stoull(*counter_text) : 0;
    if (held <= counter) return Status::Ok();
    return ledger_->SetMeta("case_counter", std::to_string(held));
  });
}

Result<std::string> LedgerStore::AllocateDevice(const NodeId& node, const DivisionCode& division,
                                                const std::vector<std::string>& also_taken) {
  const NodeConfig& self = ledger_->config();
  SILIAN_RETURN_IF_ERROR(projector_->registry().CheckDeviceAllocator(self.node_id, self.level, division, node));
  std::vector<std::string> taken = also_taken;
  if (self.division.value == division.value) taken.push_back(self.device);
  return projector_->registry().FreeDevice(division, taken);
}

Status LedgerStore::DeregisterNode(const NodeId& node_id, const std::string& actor) {
  return ledger_->RunTransaction([&]() -> Status {
    SILIAN_ASSIGN_OR_RETURN(std::optional<Peer> peer, ledger_->peers().Find(node_id.value));
    SILIAN_RETURN_IF_ERROR(ledger_->peers().Remove(node_id));
    SILIAN_ASSIGN_OR_RETURN(std::optional<Registration> held, projector_->registry().Find(node_id.value));
    // Only a registration this hub may publish: a node of its area below it (a peer added before the
    // registry existed has none yet; its removal is published all the same).
    Registration r = held ? *held : NewRegistration(node_id, peer->level, peer->division, "");
    Peer as_peer;
    as_peer.node_id = r.node_id;
    as_peer.level = r.level;
    as_peer.division = r.division;
    if (!CheckHubRegisters(as_peer).ok()) return Status::Ok();
    r.active = false;
    return PublishRegistration(r, actor).status();
  });
}

Status LedgerStore::RegisterSelfAsRoot(const std::string& actor) {
  const NodeConfig& self = ledger_->config();
  if (self.level != Level::kCounty && self.level != Level::kCity)
    return FailedPrecondition(std::string("only a county or city hub can be the root of the registry; this is a ") +
                              LevelName(self.level) + " node");
  return ledger_->RunTransaction([&]() -> Status {
    SILIAN_RETURN_IF_ERROR(projector_->registry().PinRoot(self.node_id.value, ledger_->signing_key().public_key()));
    return PublishRegistration(
               NewRegistration(self.node_id, self.level, self.division, self.device, ledger_->signing_key().public_key()),
               actor)
        .status();
  });
}

Result<std::vector<Registration>> LedgerStore::Registrations() { return projector_->registry().List(); }

Result<std::optional<std::string>> LedgerStore::RegistryRoot() { return projector_->registry().Root(); }

}  // namespace silian::sync
