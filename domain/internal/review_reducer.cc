#include "domain/internal/review_reducer.h"

#include "base/message_keys.h"
#include "base/text.h"
#include "domain/internal/authority.h"

namespace silian::sync::fold {

void ReviewReducer::ApplyStep(const CaseOps& ops, size_t i, const std::optional<pb::ItemTerms>& terms,
                              CaseStatus status, Refusals& refusals, History& h) {
  const pb::ReviewStepRecorded& r = ops.op(i).review_step();
  h.Set("step", r.step());
  h.Set("outcome", r.outcome());
  if (r.outcome() != "pass" && r.outcome() != "return") return h.Ignore("review outcome unknown to this version");
  if (auto rule = FactRefusal(terms, "review-step", ops.level(i), !ops.from_registry()))
    return refusals.Refuse(ops, i, h, *rule);
  if (!terms || terms->steps_size() == 0)
    return refusals.Refuse(ops, i, h,
                           FailedPrecondition("the case's item has no review steps (its terms list none)")
                               .With(msg::kReviewNoSteps));
  if (status != CaseStatus::kAccepted && status != CaseStatus::kInReview)
    return refusals.Refuse(ops, i, h,
                           FailedPrecondition(std::string("review steps are taken while the case is accepted or in "
                                                          "review; it is ") + CaseStatusName(status))
                               .With(msg::kReviewStatus, CaseStatusName(status)));
  const size_t count = static_cast<size_t>(terms->steps_size());
  if (review_.next >= count)
    return refusals.Refuse(ops, i, h,
                           FailedPrecondition("every review step of the item is passed; " + Quote(r.step()) +
                                              " is not pending")
                               .With(msg::kReviewAllPassed, r.step()));
  const std::string& pending = terms->steps(static_cast<int>(review_.next));
  if (r.step() != pending)
    return refusals.Refuse(ops, i, h,
                           FailedPrecondition("review step " + Quote(r.step()) + " is not the pending step " +
                                              Quote(pending) + " (steps are taken in the item's order)")
                               .With(msg::kReviewNotPending, r.step(), pending));
  if (r.outcome() == "pass") {
    ++review_.next;
  } else if (review_.next > 0) {
    --review_.next;
  }
  review_.records.push_back({ops.id_text(i), r.step(), r.outcome(), r.opinion(), ops.actor(i), ops.ms(i)});
}

void ReviewReducer::ApplySubsidy(const CaseOps& ops, size_t i, const std::optional<pb::ItemTerms>& terms,
                                 CaseStatus status, bool denied, Refusals& refusals, History& h) {
  const pb::SubsidyPaid& s = ops.op(i).subsidy_paid();
  h.Set("amount_fen", s.amount_fen());
  if (auto rule = FactRefusal(terms, "subsidy", ops.level(i), !ops.from_registry()))
    return refusals.Refuse(ops, i, h, *rule);
  const bool approved = status == CaseStatus::kDecidedApproved || status == CaseStatus::kDecidedApprovedTolerance ||
                        ((status == CaseStatus::kCompleted || status == CaseStatus::kCertificateIssued ||
                          status == CaseStatus::kDelivered) && !denied);
  if (!approved)
    return refusals.Refuse(ops, i, h,
                           FailedPrecondition(std::string("a subsidy is paid on an approved case; it is ") +
                                              CaseStatusName(status))
                               .With(msg::kSubsidyStatus, CaseStatusName(status)));
  subsidies_.push_back({ops.id_text(i), s.name(), s.bank_transfer(), s.note(), ops.actor(i), s.amount_fen(), ops.ms(i)});
}

}  // namespace silian::sync::fold
