#include "domain/responsibility.h"

#include "domain/case_facts.h"
#include "domain/catalog.h"

namespace silian::sync {
namespace {

size_t ScopeDigits(const std::string& level) {
  if (level == "village") return 12;
  if (level == "township") return 9;
  if (level == "county") return 6;
  if (level == "city") return 4;
  return 0;
}

}  // namespace

std::string OrganName(const std::string& level, const std::string& division) {
  const size_t digits = ScopeDigits(level);
  if (digits == 0) return division;
  return level + " " + division.substr(0, std::min(digits, division.size()));
}

Responsibility ResponsibleFor(const pb::CaseFacts& f, bool deemed_accepted) {
  const std::string& division = f.division();
  const std::string& exercise = f.item().exercise_level();
  const std::string& received_node = f.received_by().node();
  const std::string& received_level = f.received_by().level();
  if (f.timeline().has_accepted()) {
    std::string level = f.accepted_by().level();
    if (level.empty()) level = exercise;
    return {"handling", OrganName(level, division), level, f.accepted_by().node()};
  }
  if (exercise.empty()) return {"none", received_node.empty() ? OrganName(received_level, division) : received_node,
                                received_level, received_node};
  const bool below = LevelRank(received_level) >= 0 && LevelRank(received_level) < LevelRank(exercise);
  if (below && !f.timeline().has_forwarded() && !deemed_accepted && f.timeline().has_received())
    return {"transit", OrganName(received_level, division), received_level, received_node};
  return {"awaiting", OrganName(exercise, division), exercise, below ? "" : received_node};
}

Responsibility ResponsibleFor(const nlohmann::json& view, bool deemed_accepted) {
  return ResponsibleFor(FactsOfView(view), deemed_accepted);
}

std::optional<Date> TransitOverdue(const pb::CaseFacts& f, const WorkingCalendar& calendar, Date today, int transit_wd) {
  if (f.timeline().has_first_response() || f.timeline().has_closed()) return std::nullopt;
  if (ResponsibleFor(f, false).stage != "transit") return std::nullopt;  // transit: received is set
  const Date due = calendar.AddWorkingDays(DateOfUnixMs(f.timeline().received()), transit_wd);
  if (today > due) return due;
  return std::nullopt;
}

std::optional<Date> TransitOverdue(const nlohmann::json& view, const WorkingCalendar& calendar, Date today,
                                   int transit_wd) {
  return TransitOverdue(FactsOfView(view), calendar, today, transit_wd);
}

}  // namespace silian::sync
