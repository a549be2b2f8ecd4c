// One pass over the cases of a hub's area that answers supervision and any number of reports at once:
// `silian-hub supervise` and `report`, the supervision loop, and the dashboard's first page (its overdue
// tables, its twelve months of trend and its report: one read of each case instead of three). What is read
// of each case is its stored facts (domain/case_facts.h), parsed on several threads (domain/view_scan.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/store.h"
#include "domain/workflow.h"
#include "hub/report.h"
#include "hub/supervision.h"

namespace silian::hub {

// Supervision as of `today` (sync::Supervise's arguments; the transit days are the hub's setting).
struct SupervisionAsk {
  sync::Date today;
  int warning_wd = 1;
  int rectification_wd = sync::kDefaultRectificationWd;
};

struct AreaAnswers {
  Supervision supervision;            // when asked: the watched cases' problems, in case id order
  std::vector<ReportResult> reports;  // one per report asked, in that order
};

// Reads the cases of `scope` once: supervises the watched ones when `supervise` is given (what
// SuperviseArea answers), and feeds every one to a ReportBuilder of each of `reports` (each skips the
// cases outside its own division prefix). Only the watched cases are read when no report is asked.
// Reads only, so it can run on a read view. REQUIRES: each of `reports` passes ValidateReportOptions.
// The store's error otherwise (kDataLoss naming a case whose stored facts do not parse).
// `workers`: the threads that parse the cases (sync::ViewScanWorkers() for a person waiting on the answer;
// 1 for a background pass, which should not take the cores from the writer).
Result<AreaAnswers> AnswerArea(sync::LedgerStore& store, const std::string& scope,
                               const std::optional<SupervisionAsk>& supervise,
                               const std::vector<sync::ReportOptions>& reports,
                               int workers = sync::ViewScanWorkers());

}  // namespace silian::hub
