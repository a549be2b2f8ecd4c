// Authority in the projection: which transitions and department decisions a replica folds as refused
// (kept in the log, listed under "refused" with the rule, not applied). The rules are those of
// catalog.h (NeedsAuthority, CheckAuthority) against the item terms in force on the case. Internal to the
// projection; pure.
#pragma once

#include <optional>
#include <string>

#include "silian.pb.h"
#include "domain/case_model.h"

namespace silian::sync::fold {

// The rule transition `t` (whose action is `action`) breaks, or nullopt:
// - with item terms, a level on the op and an action that needs authority: CheckAuthority's message when
//   the op's level is below the item's exercise level (or either is not a level);
// - approve, approve-tolerant and deny of a parallel item (terms with departments), which is decided by
//   its departments.
std::optional<std::string> TransitionRefusal(const std::optional<pb::ItemTerms>& terms, const pb::Transition& t,
                                             Action action);

// The rule department decision `d` breaks under `terms`, or nullopt: with a level on the op,
// CheckAuthority's message for kDepartmentDecisionAction.
std::optional<std::string> DepartmentRefusal(const pb::ItemTerms& terms, const pb::DepartmentDecision& d);

}  // namespace silian::sync::fold
