#include "hub/calendar_cache.h"

namespace silian::hub {

const sync::WorkingCalendar& CalendarCache::For(const std::string& division) {
  auto it = cache_.find(division);
  if (it == cache_.end()) it = cache_.emplace(division, sync::WorkingCalendar::Build(layers_, division)).first;
  return it->second;
}

}  // namespace silian::hub
