// The case view and the conflict details: the only place the projection's typed facts become JSON (besides
// the history entries, which reducers record as they fold). The view's format is the one of projection.h
// (CaseProjection::view): canonical JSON, sorted keys, the same bytes on every replica. Internal to the
// projection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "silian.pb.h"
#include "domain/internal/department_reducer.h"
#include "domain/internal/evaluation_reducer.h"
#include "domain/internal/fee_reducer.h"
#include "domain/internal/field_reducer.h"
#include "domain/internal/fold.h"
#include "domain/internal/lifecycle_reducer.h"
#include "domain/internal/record_reducer.h"
#include "domain/internal/review_reducer.h"
#include "domain/projection.h"

namespace silian::sync::fold {

// Everything the fold established about a case.
struct CaseFacts {
  bool created = false;
  std::string case_number;
  std::string division;
  uint64_t last_hlc = 0;
  std::optional<pb::ItemTerms> terms;
  std::vector<FieldFact> fields;
  LifecycleFacts lifecycle;
  std::vector<DepartmentFact> departments;
  FeeFacts fees;
  std::vector<Evaluation> evaluations;
  RecordFacts records;
  ReviewFacts review;
  std::vector<Subsidy> subsidies;
  std::vector<RefusedOp> refused;
};

// The open conflicts (fields, transitions, departments), sorted by id.
std::vector<OpenConflict> OpenConflicts(const CaseOps& ops, const CaseFacts& facts);

// The case view. `heads` sorted; `history` (an array in fold order) is added under "history" unless null;
// `detail` chooses the shape of materials and notes (objects with time text, or compact arrays).
nlohmann::json CaseView(const CaseOps& ops, const CaseFacts& facts, const std::vector<OpenConflict>& conflicts,
                        const std::vector<OpId>& heads, ProjectionDetail detail, nlohmann::json history);

}  // namespace silian::sync::fold
