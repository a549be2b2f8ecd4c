// Who answers for a case at each stage (issue 11, item 2): the organ that holds the responsibility, so that
// reports and supervision charge a delay to the organ that caused it, not to the village agent who took
// the application in. Pure, thread-safe; reads the case's facts (domain/case_facts.h); the JSON forms read
// the view through FactsOfView.
//
// Stages, from the view and its clocks:
//   transit   received at a node below the item's exercise level and not yet forwarded: the receiving
//             node (a village agent point) answers for getting it to the competent organ, within the
//             transit service level (`transit_wd` working days after receipt; hub setting transit-days);
//   awaiting  forwarded (or received at the competent level) and no first response yet, or deemed
//             accepted because no one answered: the competent organ answers (the one-time notice was its
//             duty), never the point that forwarded it;
//   handling  accepted: the organ that accepted it;
//   none      no item terms and never accepted: the receiving node.
// An organ is named "<level> <area>": its level and the case's division cut to that level's scope
// (village 12 digits, township 9, county 6, city 4), e.g. "township 152222104" for the hall of that
// township. A node id is not known for an organ that never acted; the area names it on every replica.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/calendar.h"
#include "stored.pb.h"

namespace silian::sync {

// The transit service level from a village point to the competent organ, in working days after receipt,
// unless the hub's setting transit-days says otherwise.
inline constexpr int kDefaultTransitWd = 2;

struct Responsibility {
  std::string stage;  // "transit", "awaiting", "handling" or "none"
  std::string organ;  // "<level> <area>", or the receiving node's id when the level is unknown
  std::string level;  // the organ's level ("" when unknown)
  std::string node;   // the node that acted for the organ, when one did (receiver, acceptor); else ""
};

// The responsibility for `view` now. `deemed_accepted`: the clocks say the case counts as accepted.
Responsibility ResponsibleFor(const pb::CaseFacts& facts, bool deemed_accepted);
Responsibility ResponsibleFor(const nlohmann::json& view, bool deemed_accepted);

// "<level> <area>" for `level` over `division`: "township 152222104"; the division unchanged when the level
// is not one.
std::string OrganName(const std::string& level, const std::string& division);

// Transit: the case is in stage transit and today is past AddWorkingDays(received, transit_wd); returns the
// transit due day then, else nullopt.
std::optional<Date> TransitOverdue(const pb::CaseFacts& facts, const WorkingCalendar& calendar, Date today,
                                   int transit_wd);
std::optional<Date> TransitOverdue(const nlohmann::json& view, const WorkingCalendar& calendar, Date today,
                                   int transit_wd);

}  // namespace silian::sync
