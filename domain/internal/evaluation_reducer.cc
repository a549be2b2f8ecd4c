#include "domain/internal/evaluation_reducer.h"

#include "base/message_keys.h"
#include "base/text.h"

namespace silian::sync::fold {

bool IsAssistedChannel(std::string_view channel) { return channel == "paper" || channel == "phone"; }

std::optional<Status> SelfEvaluationRefusal(const pb::EvaluationGiven& e, const std::string& actor,
                                            const Handlers& handlers) {
  if (e.target_kind() == "staff" && e.target() == actor)
    return FailedPrecondition("staff " + Quote(actor) + " may not record the evaluation of themselves")
        .With(msg::kSelfEvaluation, actor);
  if (e.target_kind() == "node")
    for (const auto& [who, node] : handlers)
      if (who == actor && node == e.target())
        return FailedPrecondition("staff " + Quote(actor) + " handled this case at node " + Quote(node) +
                                  " and may not record the evaluation of that node")
            .With(msg::kSelfEvaluationNode, actor, node);
  return std::nullopt;
}

void EvaluationReducer::ApplyEvaluation(const CaseOps& ops, size_t i, const Handlers& handlers, Refusals& refusals,
                                        History& h) {
  const auto& e = ops.op(i).evaluation_given();
  h.Set("rating", e.rating());
  if (auto rule = SelfEvaluationRefusal(e, ops.actor(i), handlers)) return refusals.Refuse(ops, i, h, *rule);
  const bool assisted = e.assisted() || IsAssistedChannel(e.channel());
  Evaluation evaluation{ops.id_text(i), e.rating(), e.channel(), e.target_kind(), e.target(),
                        e.comment(),    e.stage(),  ops.op(i).origin(), e.real_name(), assisted, ops.ms(i), {}};
  // A rating unknown to this version opens nothing.
  if (auto rating = ParseRating(e.rating()); rating.ok() && IsNegativeRating(*rating))
    evaluation.rectification = Rectification{};
  index_[ops.id_text(i)] = evaluations_.size();
  evaluations_.push_back(std::move(evaluation));
}

void EvaluationReducer::ApplyStep(const CaseOps& ops, size_t i, History& h) {
  const auto& r = ops.op(i).rectification_step();
  const std::string target = OpId{r.evaluation().origin(), r.evaluation().seq()}.ToString();
  h.Set("evaluation", target);
  h.Set("step", r.step());
  auto it = index_.find(target);
  if (it == index_.end() || !evaluations_[it->second].rectification)
    return h.Ignore("no negative evaluation with that op id on this case");
  Rectification& rect = *evaluations_[it->second].rectification;
  rect.steps.push_back({ops.id_text(i), r.step(), ops.actor(i), ops.ms(i), r.note(), r.due_date()});
  auto step = ParseRectificationStep(r.step());
  if (step.ok() && *step == RectificationStep::kCallBack) {
    rect.called_back = true;
  } else if (step.ok() && *step == RectificationStep::kClose) {
    rect.state = RectificationState::kClosed;
    rect.closed_ms = ops.ms(i);
  } else {
    rect.category = r.step();
    if (!r.due_date().empty()) rect.due_date = r.due_date();
  }
}

}  // namespace silian::sync::fold
