#include "hub/report.h"

#include <algorithm>

#include "console/support.h"
#include "hub/area_pass.h"
#include "hub/supervision.h"

namespace silian::hub {
namespace {

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

Result<sync::Date> TodayOr(const std::optional<std::string>& given) {
  if (given) return sync::ParseDate(*given);
  return console::Today();
}

Status CheckWarningDays(int warning_days) {
  if (warning_days < 0 || warning_days > 30)
    return InvalidArgument("--warning-days " + std::to_string(warning_days) + " must be 0 to 30");
  return Status::Ok();
}

Status CheckReportCommand(const ReportCommandOptions& cl) {
  if (cl.format != "text" && cl.format != "csv" && cl.format != "json")
    return InvalidArgument("--format " + Quote(cl.format) + " is not one of: text, csv, json");
  if (cl.excel && cl.format != "csv") return InvalidArgument("--excel needs --format csv, not " + Quote(cl.format));
  SILIAN_RETURN_IF_ERROR(CheckWarningDays(cl.warning_days));
  return ReportOptionsOf(cl).status();
}

Result<std::vector<sync::ReportOptions>> ReportOptionsFor(sync::LedgerStore& store,
                                                          const std::vector<ReportCommandOptions>& periods) {
  std::vector<sync::ReportOptions> options;
  for (const auto& cl : periods) {
    SILIAN_RETURN_IF_ERROR(CheckWarningDays(cl.warning_days));
    SILIAN_ASSIGN_OR_RETURN(sync::ReportOptions o, ReportOptionsOf(cl));
    SILIAN_ASSIGN_OR_RETURN(o.rectification_wd, RectificationDays(store, cl.rectification_days));
    SILIAN_RETURN_IF_ERROR(sync::ValidateReportOptions(o));
    options.push_back(std::move(o));
  }
  return options;
}

Result<std::vector<ReportResult>> ComputeReports(sync::LedgerStore& store,
                                                 const std::vector<ReportCommandOptions>& periods) {
  SILIAN_ASSIGN_OR_RETURN(std::vector<sync::ReportOptions> options, ReportOptionsFor(store, periods));
  // One pass: over the one division asked for when every period asks the same, else the hub's area (each
  // builder skips the views outside its own prefix).
  std::string scope = store.scope();
  if (!options.empty() && !options.front().division_prefix.empty() &&
      std::all_of(options.begin(), options.end(),
                  [&](const sync::ReportOptions& o) { return o.division_prefix == options.front().division_prefix; }))
    scope = options.front().division_prefix;
  SILIAN_ASSIGN_OR_RETURN(AreaAnswers answers, AnswerArea(store, scope, std::nullopt, options));
  return std::move(answers.reports);
}

std::string ReportCsv(const ReportResult& r, bool excel) {
  return (excel ? std::string("\xEF\xBB\xBF") : std::string()) + sync::RenderReportCsv(r.rows, r.total);
}

}  // namespace silian::hub
