// Evaluations of a case and the rectifications negative ones open: append-only facts that never conflict.
// Internal to the projection.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <utility>
#include <string>
#include <vector>

#include "domain/enums.h"
#include "domain/internal/fold.h"

namespace silian::sync::fold {

struct RectificationRecord {
  std::string op;
  std::string step;  // as written: a RectificationStep name, or one unknown to this version
  std::string actor;
  uint64_t ms;
  std::string note;      // "" when not given
  std::string due_date;  // "" when not given
};

struct Rectification {
  RectificationState state = RectificationState::kOpen;
  bool called_back = false;
  std::vector<RectificationRecord> steps;
  // The last step that was neither call_back nor close (fix_now, fix_by_deadline, explain, appeal, or a step
  // unknown to this version), and the last due date any of those steps gave.
  std::optional<std::string> category;
  std::string due_date;  // "" when none
  std::optional<uint64_t> closed_ms;  // the time of the last close
};

struct Evaluation {
  std::string op;
  std::string rating;  // as written: a Rating name, or one unknown to this version
  std::string channel, target_kind, target, comment, stage, origin;
  bool real_name;
  bool assisted;  // entered by staff for the applicant: the flag, or a staff-entered channel (IsAssistedChannel)
  uint64_t ms;
  std::optional<Rectification> rectification;  // present for a negative rating
};

// Channels on which a staff member types the applicant's evaluation (a paper form, a phone call): such an
// evaluation is shown as assisted whatever its flag says.
bool IsAssistedChannel(std::string_view channel);

// Who handled the case so far: (actor, node) of every milestone with a handler (lifecycle_reducer.h).
using Handlers = std::vector<std::pair<std::string, std::string>>;

// The rule evaluation `e` authored by `actor` breaks on a case handled by `handlers`, or nullopt: an
// evaluation is never recorded by the staff member evaluated, i.e. the target staff member, or for a node
// target a staff member who handled the case at that node. The rule as a keyed kFailedPrecondition.
std::optional<Status> SelfEvaluationRefusal(const pb::EvaluationGiven& e, const std::string& actor,
                                            const Handlers& handlers);

class EvaluationReducer {
 public:
  // An evaluation op `i`; refused when SelfEvaluationRefusal says so; a negative rating
  // (IsNegativeRating) opens a rectification.
  void ApplyEvaluation(const CaseOps& ops, size_t i, const Handlers& handlers, Refusals& refusals, History& h);
  // A rectification step op `i`, on the rectification of the evaluation it names. Ignored when no
  // negative evaluation of this case has that op id.
  void ApplyStep(const CaseOps& ops, size_t i, History& h);
  std::vector<Evaluation> TakeFacts() { return std::move(evaluations_); }

 private:
  std::vector<Evaluation> evaluations_;  // fold order
  std::map<std::string, size_t> index_;  // op id text -> position in evaluations_
};

}  // namespace silian::sync::fold
