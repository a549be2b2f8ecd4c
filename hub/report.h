// The statistics report of a hub's area (docs/report.md), as `silian-hub report` computes it, for the
// command line (report_cmd.cc) and the dashboard (ui_dashboard.cc): one definition of both.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/store.h"
#include "domain/workflow.h"
#include "hub/commands.h"

namespace silian::hub {

struct ReportResult {
  sync::ReportOptions options;
  std::vector<sync::ReportRow> rows;
  sync::ReportRow total;
};

// The report of each of `periods` (the options of `report`: --from, --to, --by, --division, --today,
// --warning-days, --rectification-days) over `store`, in one pass over its case views. kInvalidArgument
// naming the flag and value of the first bad option; the store's error otherwise.
// The report options of each of `periods`, checked as ComputeReports checks them (the rectification days
// of the flag, else of the hub's setting), for a pass that answers more than reports (area_pass.h).
Result<std::vector<sync::ReportOptions>> ReportOptionsFor(sync::LedgerStore& store,
                                                          const std::vector<ReportCommandOptions>& periods);
Result<std::vector<ReportResult>> ComputeReports(sync::LedgerStore& store,
                                                 const std::vector<ReportCommandOptions>& periods);

// `given` (--today, YYYY-MM-DD) when set, else today in China Standard Time. kInvalidArgument naming it.
Result<sync::Date> TodayOr(const std::optional<std::string>& given);
// kInvalidArgument naming --warning-days unless it is 0 to 30.
Status CheckWarningDays(int warning_days);

// The options of `report` checked before any ledger is opened: kInvalidArgument naming --format (text, csv
// or json), --excel (csv only), --warning-days, --from, --to or --division and the value.
Status CheckReportCommand(const ReportCommandOptions& o);

// The CSV `report --format csv` prints for `r` (with --excel: after the UTF-8 byte-order mark).
std::string ReportCsv(const ReportResult& r, bool excel);

}  // namespace silian::hub
