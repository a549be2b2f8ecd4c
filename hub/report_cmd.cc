// `report` and `supervise`: statistics and supervision of the cases of the hub's area (docs/report.md).
#include <iostream>

#include "console/render.h"
#include "console/support.h"
#include "domain/workflow.h"
#include "hub/calendar_cache.h"
#include "hub/commands.h"
#include "hub/supervision.h"

namespace silian::hub {
namespace {

Result<sync::Date> TodayOr(const std::optional<std::string>& given) {
  if (given) return sync::ParseDate(*given);
  return console::Today();
}

Status CheckWarningDays(int warning_days) {
  if (warning_days < 0 || warning_days > 30)
    return InvalidArgument("--warning-days " + std::to_string(warning_days) + " must be 0 to 30");
  return Status::Ok();
}

// The report's options from the command line's, the period checked and named by its flag.
Result<sync::ReportOptions> ReportOptionsOf(const ReportCommandOptions& o) {
  sync::ReportOptions r;
  auto from = sync::ParseDate(o.from);
  if (!from.ok()) return InvalidArgument("--from: " + from.status().message());
  auto to = sync::ParseDate(o.to);
  if (!to.ok()) return InvalidArgument("--to: " + to.status().message());
  r.from = *from;
  r.to = *to;
  if (o.scope) SILIAN_RETURN_IF_ERROR(sync::ParseScopePrefix(*o.scope).status());
  r.division_prefix = o.scope ? *o.scope : "";
  r.by = o.by;
  SILIAN_ASSIGN_OR_RETURN(r.today, TodayOr(o.today));
  r.warning_wd = o.warning_days;
  return r;
}

}  // namespace

Status RunReport(const GlobalOptions& g, const ReportCommandOptions& cl) {
  if (cl.format != "text" && cl.format != "csv" && cl.format != "json")
    return InvalidArgument("--format " + Quote(cl.format) + " is not one of: text, csv, json");
  if (cl.excel && cl.format != "csv") return InvalidArgument("--excel needs --format csv, not " + Quote(cl.format));
  SILIAN_RETURN_IF_ERROR(CheckWarningDays(cl.warning_days));
  SILIAN_ASSIGN_OR_RETURN(sync::ReportOptions o, ReportOptionsOf(cl));
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(g));
  SILIAN_ASSIGN_OR_RETURN(o.rectification_wd, RectificationDays(*store, cl.rectification_days));
  SILIAN_RETURN_IF_ERROR(sync::ValidateReportOptions(o));
  SILIAN_ASSIGN_OR_RETURN(auto layers, store->CalendarLayers());
  CalendarCache calendars(std::move(layers));
  sync::ReportBuilder report(o, [&](const std::string& division) -> const sync::WorkingCalendar& {
    return calendars.For(division);
  });
  std::string scope = o.division_prefix.empty() ? store->scope() : o.division_prefix;
  SILIAN_RETURN_IF_ERROR(store->ForEachCaseView(scope, [&](const nlohmann::json& view) {
    report.Add(view);
    return Status::Ok();
  }));
  auto rows = report.Rows();
  auto total = report.Total();
  if (g.json || cl.format == "json") {
    console::PrintJson(sync::ReportToJson(o, rows, total));
  } else if (cl.format == "csv") {
    if (cl.excel) console::WriteUtf8Bom();
    std::cout << sync::RenderReportCsv(rows, total);
  } else {
    std::cout << sync::RenderReportText(o, rows, total);
  }
  return Status::Ok();
}

Status RunSupervise(const GlobalOptions& g, const ReportCommandOptions& cl) {
  SILIAN_RETURN_IF_ERROR(CheckWarningDays(cl.warning_days));
  if (cl.scope) SILIAN_RETURN_IF_ERROR(sync::ParseScopePrefix(*cl.scope).status());
  SILIAN_ASSIGN_OR_RETURN(sync::Date today, TodayOr(cl.today));
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(g));
  SILIAN_ASSIGN_OR_RETURN(int rectification_wd, RectificationDays(*store, cl.rectification_days));
  SILIAN_ASSIGN_OR_RETURN(Supervision result, SuperviseArea(*store, cl.scope ? *cl.scope : store->scope(), today,
                                                            cl.warning_days, rectification_wd));
  if (g.json) {
    console::PrintJson(sync::SupervisionToJson(result.items));
  } else {
    std::cout << console::RenderSupervision(result.items);
    if (result.apologies_queued > 0)
      std::cout << result.apologies_queued << " overdue apology notices queued for the applicants\n";
  }
  return Status::Ok();
}

}  // namespace silian::hub
