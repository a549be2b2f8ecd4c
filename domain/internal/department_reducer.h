// The department decisions of a parallel item: each department's decision is a multi-value register of
// its own (merge.h), so concurrent different decisions of one department are a conflict
// "<case>/department/<name>" while decisions of different departments never conflict. Internal to the
// projection.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "silian.pb.h"
#include "domain/enums.h"
#include "domain/internal/fold.h"
#include "domain/merge.h"

namespace silian::sync::fold {

struct Vote {
  Verdict verdict;
  std::string opinion;
};

// The state of one department's part at the end of the fold.
struct DepartmentFact {
  std::string department;
  Verdict shown;  // the agreed decision, or in conflict the latest write's
  merge::Write<Vote> latest;  // the write with the greatest stamp (its opinion, op, actor and time are shown)
  // In conflict: the unsuperseded writes, in fold order. Empty otherwise.
  std::vector<merge::Write<Vote>> candidates;
  bool conflict() const { return !candidates.empty(); }
};

class DepartmentReducer {
 public:
  // A department decision op `i` under the item terms in force. Ignored when the item is not parallel, the
  // department is not one of its lead and participating departments, or the decision is neither approve
  // nor deny; refused when the author lacks authority (authority.h). Returns whether it was recorded.
  bool Apply(const CaseOps& ops, size_t i, const std::optional<pb::ItemTerms>& terms, Refusals& refusals,
             History& h);
  // A resolution `i` of the conflict on `department`, keeping op `keep`'s decision and opinion. Ignored
  // when `keep` is not a decision of that department. Returns whether it was recorded.
  bool Resolve(size_t i, const std::string& department, std::optional<size_t> keep, History& h);

  // Whether every department of `terms` (lead and participants) has a decision without conflict: nullopt
  // while one has not; otherwise true when any denied.
  std::optional<bool> Outcome(const pb::ItemTerms& terms, const merge::Graph& graph) const;

  // Every department with a decision, by name.
  std::vector<DepartmentFact> Facts(const merge::Graph& graph) const;

 private:
  std::map<std::string, merge::MultiValue<Vote>> registers_;
};

}  // namespace silian::sync::fold
