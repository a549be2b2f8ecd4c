// `report` and `supervise`: statistics and supervision of the cases of the hub's area (docs/report.md).
#include <iostream>

#include "console/render.h"
#include "console/support.h"
#include "domain/workflow.h"
#include "hub/commands.h"
#include "hub/report.h"
#include "hub/supervision.h"

namespace silian::hub {

Status RunReport(const GlobalOptions& g, const ReportCommandOptions& cl) {
  SILIAN_RETURN_IF_ERROR(CheckReportCommand(cl));
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(g));
  SILIAN_ASSIGN_OR_RETURN(std::vector<ReportResult> reports, ComputeReports(*store, {cl}));
  const ReportResult& r = reports.front();
  if (g.json || cl.format == "json") {
    console::PrintJson(sync::ReportToJson(r.options, r.rows, r.total));
  } else if (cl.format == "csv") {
    if (cl.excel) console::WriteUtf8Bom();
    std::cout << ReportCsv(r, false);
  } else {
    std::cout << sync::RenderReportText(r.options, r.rows, r.total);
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
  SILIAN_RETURN_IF_ERROR(QueueApologies(*store, &result));
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
