#include "domain/responsibility.h"

#include "domain/catalog.h"

namespace silian::sync {
namespace {

using nlohmann::json;

std::string Text(const json& obj, std::initializer_list<const char*> keys) {
  const json* cur = &obj;
  for (const char* k : keys) {
    if (!cur->is_object()) return "";
    auto it = cur->find(k);
    if (it == cur->end()) return "";
    cur = &*it;
  }
  return cur->is_string() ? cur->get<std::string>() : std::string();
}

bool Has(const json& view, const char* group, const char* key) {
  auto g = view.find(group);
  return g != view.end() && g->is_object() && g->contains(key);
}

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

Responsibility ResponsibleFor(const json& view, bool deemed_accepted) {
  const std::string division = Text(view, {"division"});
  const std::string exercise = Text(view, {"item", "exercise_level"});
  const std::string received_node = Text(view, {"handled_by", "received", "node"});
  const std::string received_level = Text(view, {"handled_by", "received", "level"});
  if (Has(view, "timeline", "accepted")) {
    std::string level = Text(view, {"handled_by", "accepted", "level"});
    if (level.empty()) level = exercise;
    return {"handling", OrganName(level, division), level, Text(view, {"handled_by", "accepted", "node"})};
  }
  if (exercise.empty()) return {"none", received_node.empty() ? OrganName(received_level, division) : received_node,
                                received_level, received_node};
  const bool below = LevelRank(received_level) >= 0 && LevelRank(received_level) < LevelRank(exercise);
  if (below && !Has(view, "timeline", "forwarded") && !deemed_accepted && Has(view, "timeline", "received"))
    return {"transit", OrganName(received_level, division), received_level, received_node};
  return {"awaiting", OrganName(exercise, division), exercise, below ? "" : received_node};
}

std::optional<Date> TransitOverdue(const json& view, const WorkingCalendar& calendar, Date today, int transit_wd) {
  if (Has(view, "timeline", "first_response") || Has(view, "timeline", "closed")) return std::nullopt;
  if (ResponsibleFor(view, false).stage != "transit") return std::nullopt;
  auto it = view["timeline"].find("received");
  if (!it->is_number_unsigned()) return std::nullopt;
  const Date due = calendar.AddWorkingDays(DateOfUnixMs(it->get<uint64_t>()), transit_wd);
  if (today > due) return due;
  return std::nullopt;
}

}  // namespace silian::sync
