#include "domain/internal/authority.h"

#include "domain/catalog.h"

namespace silian::sync::fold {

std::optional<std::string> TransitionRefusal(const std::optional<pb::ItemTerms>& terms, const pb::Transition& t,
                                             Action action) {
  if (!terms) return std::nullopt;
  if (!t.level().empty() && NeedsAuthority(t.action())) {
    Status authority = CheckAuthority(*terms, t.action(), t.level());
    if (!authority.ok()) return authority.message();
  }
  const bool decision = action == Action::kApprove || action == Action::kApproveTolerant || action == Action::kDeny;
  if (terms->departments_size() > 0 && decision)
    return "item \"" + terms->name() + "\" is a parallel item: it is decided by the decisions of its departments "
           "(" + std::string(kDepartmentDecisionAction) + "), not by \"" + t.action() + "\"";
  return std::nullopt;
}

std::optional<std::string> DepartmentRefusal(const pb::ItemTerms& terms, const pb::DepartmentDecision& d) {
  if (d.level().empty()) return std::nullopt;
  Status authority = CheckAuthority(terms, kDepartmentDecisionAction, d.level());
  if (!authority.ok()) return authority.message();
  return std::nullopt;
}

}  // namespace silian::sync::fold
