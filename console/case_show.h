// What `case show` shows of a case: its stored projection folded again with its history, and its clocks as
// of today in the calendar of its division (with the calendar's label and the day). One definition for
// the command line (views.cc) and the hub's dashboard (hub/ui_dashboard.cc), so that both show the same.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "domain/calendar.h"
#include "domain/store.h"

namespace silian::console {

// The view of `case_ref` (a case id or number) with "clocks" as of `today` when the case has an item and
// a division. kNotFound naming the reference; the store's error otherwise.
Result<nlohmann::json> ShowCaseAsOf(sync::LedgerStore& store, const std::string& case_ref, sync::Date today);

}  // namespace silian::console
