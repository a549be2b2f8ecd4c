// Working calendars by division, built once per command (or supervision pass) from the calendar layers a
// ledger holds: a report or supervision pass over thousands of cases of a few divisions builds each
// division's calendar once instead of once per case.
// Not thread-safe: one cache per pass.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "domain/calendar.h"

namespace silian::hub {

class CalendarCache {
 public:
  // `layers`: the ledger's calendar layers (LedgerStore::CalendarLayers), taken as they are now; layers
  // published later are not seen.
  explicit CalendarCache(std::vector<sync::CalendarLayer> layers) : layers_(std::move(layers)) {}

  // The calendar of `division` (WorkingCalendar::Build over the layers), built on first use. The
  // reference stays valid as long as the cache.
  const sync::WorkingCalendar& For(const std::string& division);

 private:
  std::vector<sync::CalendarLayer> layers_;
  std::map<std::string, sync::WorkingCalendar> cache_;
};

}  // namespace silian::hub
