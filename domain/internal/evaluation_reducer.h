// Evaluations of a case and the rectifications negative ones open: append-only facts that never conflict.
// Internal to the projection.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
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
  uint64_t ms;
  std::optional<Rectification> rectification;  // present for a negative rating
};

class EvaluationReducer {
 public:
  // An evaluation op `i`; a negative rating (IsNegativeRating) opens a rectification.
  void ApplyEvaluation(const CaseOps& ops, size_t i, History& h);
  // A rectification step op `i`, on the rectification of the evaluation it names. Ignored when no
  // negative evaluation of this case has that op id.
  void ApplyStep(const CaseOps& ops, size_t i, History& h);
  std::vector<Evaluation> TakeFacts() { return std::move(evaluations_); }

 private:
  std::vector<Evaluation> evaluations_;  // fold order
  std::map<std::string, size_t> index_;  // op id text -> position in evaluations_
};

}  // namespace silian::sync::fold
