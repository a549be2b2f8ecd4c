// Authority in the projection: which transitions and department decisions a replica folds as refused
// (kept in the log, listed under "refused" with the rule, not applied). The rules are those of
// catalog.h (NeedsAuthority, CheckAuthority) against the item terms in force on the case and the level of
// the op's origin as the replica's registry knows it (CaseOps::level), never the level the op claims.
// Internal to the projection; pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "silian.pb.h"
#include "domain/case_model.h"

namespace silian::sync::fold {

// The rule transition `t` (whose action is `action`), authored by a node of level `origin_level` ("" when
// unknown), breaks, or nullopt:
// - an action that needs authority on a case without item terms (its item is unknown, so nobody above a
//   village point may act on it until the item is set), or from an origin whose level is unknown;
// - CheckAuthority's message when the origin's level is below the item's exercise level;
// - approve, approve-tolerant and deny of a parallel item (terms with departments), which is decided by
//   its departments.
// With `claimed` (a fold without a registry: `origin_level` is what the op claims) the first two rules are
// not applied: no terms or no claimed level means no authority check, as the fold was before the registry.
std::optional<std::string> TransitionRefusal(const std::optional<pb::ItemTerms>& terms, const pb::Transition& t,
                                             Action action, std::string_view origin_level, bool claimed);

// The rule department decision `d` under `terms`, authored by a node of level `origin_level`, breaks, or
// nullopt: an unknown level, or CheckAuthority's message for kDepartmentDecisionAction.
std::optional<std::string> DepartmentRefusal(const pb::ItemTerms& terms, const pb::DepartmentDecision& d,
                                             std::string_view origin_level, bool claimed);

// The rule a case fact `action` (review-step, correction-lapse, subsidy: facts the competent organ records)
// breaks under `terms`, authored by a node of level `origin_level`, or nullopt: no terms or an unknown
// level (both only when not `claimed`), or CheckAuthority's message.
std::optional<std::string> FactRefusal(const std::optional<pb::ItemTerms>& terms, std::string_view action,
                                       std::string_view origin_level, bool claimed);

}  // namespace silian::sync::fold
