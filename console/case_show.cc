#include "console/case_show.h"

#include "domain/workflow.h"

namespace silian::console {

Result<nlohmann::json> ShowCaseAsOf(sync::LedgerStore& store, const std::string& case_ref, sync::Date today) {
  SILIAN_ASSIGN_OR_RETURN(nlohmann::json view, store.ShowCase(case_ref));
  // The clocks depend on today, so they are computed when shown, never stored.
  if (view.contains("item") && view.contains("division")) {
    SILIAN_ASSIGN_OR_RETURN(sync::WorkingCalendar calendar, store.CalendarFor(view["division"].get<std::string>()));
    view["clocks"] = sync::ClocksToJson(sync::ComputeCaseClocks(view, calendar, today));
    view["clocks"]["calendar"] = calendar.VersionLabel();
    view["clocks"]["as_of"] = sync::FormatDate(today);
  }
  return view;
}

}  // namespace silian::console
