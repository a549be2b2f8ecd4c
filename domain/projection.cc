#include "domain/projection.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "base/hlc.h"
#include "domain/enums.h"
#include "domain/internal/case_view.h"
#include "domain/internal/department_reducer.h"
#include "domain/internal/evaluation_reducer.h"
#include "domain/internal/fee_reducer.h"
#include "domain/internal/field_reducer.h"
#include "domain/internal/fold.h"
#include "domain/internal/lifecycle_reducer.h"
#include "domain/internal/record_reducer.h"
#include "domain/internal/review_reducer.h"

namespace silian::sync {

const char* OpKindName(const pb::Op& op) {
  switch (op.body_case()) {
    case pb::Op::kCaseCreated: return "case_created";
    case pb::Op::kFieldsSet: return "fields_set";
    case pb::Op::kMaterialReceived: return "material_received";
    case pb::Op::kNoteAdded: return "note_added";
    case pb::Op::kTransition: return "transition";
    case pb::Op::kConflictResolved: return "conflict_resolved";
    case pb::Op::kDepartmentDecision: return "department_decision";
    case pb::Op::kFeeRecorded: return "fee_recorded";
    case pb::Op::kEvaluationGiven: return "evaluation_given";
    case pb::Op::kRectificationStep: return "rectification_step";
    case pb::Op::kReviewStep: return "review_step";
    case pb::Op::kCorrectionLapse: return "correction_lapse";
    case pb::Op::kSubsidyPaid: return "subsidy_paid";
    case pb::Op::kItemPublished: return "item_published";
    case pb::Op::kCalendarPublished: return "calendar_published";
    case pb::Op::kNodeRegistered: return "node_registered";
    case pb::Op::kStaffRegistered: return "staff_registered";
    case pb::Op::kStaffAudit: return "staff_audit";
    case pb::Op::BODY_NOT_SET: break;
  }
  return "unknown";
}

namespace {

using nlohmann::json;

// One fold of one case: hands each op, in fold order, to the reducer of its kind, and keeps what belongs
// to no reducer (the creation op's header, the item terms in force, the latest stamp, the history).
class Folder {
 public:
  Folder(const CaseId& case_id, std::vector<pb::Op> ops, ProjectionDetail detail, const OriginLevels& levels,
         const ActorCheck& actors)
      : ops_(case_id, std::move(ops), levels), detail_(detail), actors_(actors) {}

  CaseProjection Run() {
    for (size_t i : ops_.graph().FoldOrder()) Apply(i);
    return Finish();
  }

 private:
  bool with_history() const { return detail_ == ProjectionDetail::kWithHistory; }

  void Apply(size_t i) {
    const pb::Op& op = ops_.op(i);
    fold::History h(with_history(), ops_, i);
    last_hlc_ = std::max(last_hlc_, op.hlc());
    if (actors_) {
      // An op its actor may not author is kept and shown, never applied (domain/staff.h).
      if (std::string rule = actors_(op); !rule.empty()) {
        refusals_.Refuse(ops_, i, h, rule);
        if (with_history()) history_.push_back(h.Take());
        return;
      }
    }
    switch (op.body_case()) {
      case pb::Op::kCaseCreated: ApplyCreated(i, h); break;
      case pb::Op::kFieldsSet:
        fields_.ApplyFieldsSet(ops_, i, h);
        if (op.fields_set().has_terms()) terms_ = op.fields_set().terms();
        break;
      case pb::Op::kMaterialReceived: records_.ApplyMaterial(ops_, i, h); break;
      case pb::Op::kNoteAdded: records_.ApplyNote(ops_, i, h); break;
      case pb::Op::kTransition:
        if (lifecycle_.ApplyTransition(ops_, i, terms_, refusals_, h) == fold::LifecycleReducer::Outcome::kApplied)
          MaybeDecideByDepartments(i, h);
        break;
      case pb::Op::kConflictResolved: ApplyResolution(i, h); break;
      case pb::Op::kDepartmentDecision:
        if (departments_.Apply(ops_, i, terms_, refusals_, h)) MaybeDecideByDepartments(i, h);
        break;
      case pb::Op::kFeeRecorded: fees_.Apply(ops_, i, h); break;
      case pb::Op::kEvaluationGiven: evaluations_.ApplyEvaluation(ops_, i, Handlers(), refusals_, h); break;
      case pb::Op::kRectificationStep: evaluations_.ApplyStep(ops_, i, h); break;
      case pb::Op::kReviewStep: review_.ApplyStep(ops_, i, terms_, lifecycle_.status(), refusals_, h); break;
      case pb::Op::kCorrectionLapse: lifecycle_.ApplyLapse(ops_, i, terms_, refusals_, h); break;
      case pb::Op::kSubsidyPaid: {
        const size_t paid = review_.subsidies().size();
        review_.ApplySubsidy(ops_, i, terms_, lifecycle_.status(), lifecycle_.facts().denied, refusals_, h);
        // A subsidy paid is an event of the case (a notice to the applicant), like a transition.
        if (review_.subsidies().size() > paid)
          fact_events_.push_back({ops_.id_text(i), kSubsidyPaidEvent, CaseStatusName(lifecycle_.status()), op.hlc()});
        break;
      }
      case pb::Op::kItemPublished:
      case pb::Op::kCalendarPublished:
      case pb::Op::kNodeRegistered:
      case pb::Op::kStaffRegistered:
      case pb::Op::kStaffAudit: h.Ignore("reference data does not belong to a case"); break;
      // Written by a newer version with a kind this one does not know: kept, shown, not interpreted.
      case pb::Op::BODY_NOT_SET: h.Ignore("op kind unknown to this version"); break;
    }
    if (with_history()) history_.push_back(h.Take());
  }

  fold::Handlers Handlers() const {
    fold::Handlers out;
    for (const auto& [milestone, handler] : lifecycle_.facts().handled_by) out.emplace_back(handler.actor, handler.node);
    return out;
  }

  void ApplyCreated(size_t i, fold::History& h) {
    if (ops_.id_text(i) != ops_.case_id().value || created_)
      return h.Ignore("a creation op must have the case's own id");
    const auto& c = ops_.op(i).case_created();
    created_ = true;
    case_number_ = c.case_number();
    division_ = ops_.op(i).division();
    h.Set("case_number", c.case_number());
    fields_.ApplyCreated(ops_, i);
    if (c.has_terms()) terms_ = c.terms();
    language_ = c.language();
  }

  void ApplyResolution(size_t i, fold::History& h) {
    const auto& r = ops_.op(i).conflict_resolved();
    h.Set("conflict", r.conflict_id());
    std::optional<size_t> keep;
    if (r.has_keep()) {
      keep = ops_.IndexOf(r.keep());
      h.Set("keep", OpId{r.keep().origin(), r.keep().seq()}.ToString());
    }
    auto conflict = fold::ParseConflictId(ops_.case_id(), r.conflict_id());
    if (!conflict) return h.Ignore("conflict id does not belong to this case");
    switch (conflict->kind) {
      case fold::ConflictKind::kDepartment:
        if (departments_.Resolve(i, conflict->name, keep, h)) MaybeDecideByDepartments(i, h);
        return;
      case fold::ConflictKind::kField:
        fields_.Resolve(i, conflict->name, r.has_value() ? std::optional<std::string>(r.value()) : std::nullopt,
                        keep, h);
        return;
      case fold::ConflictKind::kTransition: lifecycle_.Resolve(ops_, i, r.conflict_id(), keep, h); return;
    }
  }

  // A parallel item is decided once every department has decided, whichever op completes that.
  void MaybeDecideByDepartments(size_t i, fold::History& h) {
    if (!terms_ || terms_->departments_size() == 0) return;
    if (auto any_deny = departments_.Outcome(*terms_, ops_.graph()))
      lifecycle_.DecideByDepartments(ops_, i, *any_deny, h);
  }

  // Runs once per fold: the reducers' facts move into the projection.
  CaseProjection Finish() {
    fold::CaseFacts facts{.created = created_,
                          .case_number = case_number_,
                          .division = division_,
                          .last_hlc = last_hlc_,
                          .terms = terms_,
                          .fields = fields_.Facts(ops_),
                          .lifecycle = lifecycle_.TakeFacts(),
                          .departments = departments_.Facts(ops_.graph()),
                          .fees = fees_.TakeFacts(),
                          .evaluations = evaluations_.TakeFacts(),
                          .records = records_.TakeFacts(),
                          .review = review_.review(),
                          .subsidies = review_.subsidies(),
                          .refused = refusals_.list()};
    CaseProjection p;
    p.case_id = ops_.case_id();
    p.created = created_;
    p.case_number = case_number_;
    p.division = division_;
    p.status = CaseStatusName(facts.lifecycle.status);
    p.last_hlc = last_hlc_;
    for (const fold::FieldFact& f : facts.fields) {
      if (f.name == "applicant_name") p.applicant_name = f.value;
      if (f.name == "applicant_id_type") p.applicant_id_type = f.value;
      if (f.name == "applicant_id") p.applicant_id = f.value;
      if (f.name == "item_code") p.item_code = f.value;
    }
    p.phone = fields_.Plain("phone");
    if (!language_.empty()) p.language = language_;
    p.terms = terms_;
    p.refused = facts.refused;
    for (size_t i = 0; i < ops_.size(); ++i)
      if (ops_.graph().IsHead(i)) p.heads.push_back(ops_.id(i));
    std::sort(p.heads.begin(), p.heads.end());
    p.conflicts = fold::OpenConflicts(ops_, facts);
    p.view = fold::CaseView(ops_, facts, p.conflicts, p.heads, detail_,
                            with_history() ? std::move(history_) : json());
    p.events = std::move(facts.lifecycle.events);
    // Only a case created with a language shows one, so views of older cases stay as they were.
    if (!language_.empty()) p.view["language"] = language_;
    // Subsidy events after the transition events, each list in fold order (deterministic on every replica).
    p.events.insert(p.events.end(), fact_events_.begin(), fact_events_.end());
    return p;
  }

  fold::CaseOps ops_;
  ProjectionDetail detail_;
  const ActorCheck& actors_;
  bool created_ = false;
  std::string case_number_;
  std::string division_;
  std::string language_;  // CaseCreated.language as written
  uint64_t last_hlc_ = 0;
  // The item terms in force: those of the creation op or of the latest item_code change, in fold order.
  std::optional<pb::ItemTerms> terms_;
  fold::FieldReducer fields_;
  fold::LifecycleReducer lifecycle_;
  fold::DepartmentReducer departments_;
  fold::FeeReducer fees_;
  fold::EvaluationReducer evaluations_;
  fold::RecordReducer records_;
  fold::ReviewReducer review_;
  std::vector<CaseEvent> fact_events_;  // events of case facts other than transitions (subsidies paid)
  fold::Refusals refusals_;
  json history_ = json::array();
};

}  // namespace

CaseProjection ProjectCase(const CaseId& case_id, std::vector<pb::Op> ops, ProjectionDetail detail,
                           const OriginLevels& levels, const ActorCheck& actors) {
  return Folder(case_id, std::move(ops), detail, levels, actors).Run();
}

std::string ApplicantIdTypeInForce(const CaseProjection& p) {
  return p.applicant_id_type.value_or(IdTypeName(kDefaultIdType));
}

std::string HlcToIso(uint64_t hlc) {
  uint64_t ms = Hlc{hlc}.physical_ms();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03uZ", buf, static_cast<unsigned>(ms % 1000));
  return out;
}

}  // namespace silian::sync
