#include "domain/internal/authority.h"

#include "domain/catalog.h"

namespace silian::sync::fold {
namespace {

std::string UnknownLevel(std::string_view action) {
  return "the level of the node that wrote \"" + std::string(action) +
         "\" is not known here (no registration of it is held): it needs the item's exercise level";
}

}  // namespace

std::optional<std::string> TransitionRefusal(const std::optional<pb::ItemTerms>& terms, const pb::Transition& t,
                                             Action action, std::string_view origin_level, bool claimed) {
  if (NeedsAuthority(t.action()) && !(claimed && (!terms || origin_level.empty()))) {
    if (!terms)
      return "the case has no item terms (its item is not in the catalogue its author held): \"" + t.action() +
             "\" needs the item's exercise level, so it waits until the item is set";
    if (origin_level.empty()) return UnknownLevel(t.action());
    Status authority = CheckAuthority(*terms, t.action(), origin_level);
    if (!authority.ok()) return authority.message();
  }
  const bool decision = action == Action::kApprove || action == Action::kApproveTolerant || action == Action::kDeny;
  if (terms && terms->departments_size() > 0 && decision)
    return "item \"" + terms->name() + "\" is a parallel item: it is decided by the decisions of its departments "
           "(" + std::string(kDepartmentDecisionAction) + "), not by \"" + t.action() + "\"";
  return std::nullopt;
}

std::optional<std::string> DepartmentRefusal(const pb::ItemTerms& terms, const pb::DepartmentDecision&,
                                             std::string_view origin_level, bool claimed) {
  if (origin_level.empty()) {
    if (claimed) return std::nullopt;
    return UnknownLevel(kDepartmentDecisionAction);
  }
  Status authority = CheckAuthority(terms, kDepartmentDecisionAction, origin_level);
  if (!authority.ok()) return authority.message();
  return std::nullopt;
}

std::optional<std::string> FactRefusal(const std::optional<pb::ItemTerms>& terms, std::string_view action,
                                       std::string_view origin_level, bool claimed) {
  if (!terms) {
    if (claimed) return std::nullopt;
    return "the case has no item terms: \"" + std::string(action) + "\" needs the item's exercise level";
  }
  if (origin_level.empty()) {
    if (claimed) return std::nullopt;
    return UnknownLevel(action);
  }
  Status authority = CheckAuthority(*terms, action, origin_level);
  if (!authority.ok()) return authority.message();
  return std::nullopt;
}

}  // namespace silian::sync::fold
