// The clocks of one case, the statistics report over many cases, and the supervision list (e-supervision):
// all computed from the case's facts (pb::CaseFacts, domain/case_facts.h: what these read of the case
// view, stored beside it) and a WorkingCalendar. Each also takes the view itself (either shape), read
// through FactsOfView. Pure: no I/O, no clock (the caller passes `today`); thread-safe except that one
// ReportBuilder must not be fed from two threads at once.
//
// The view is read tolerantly: a key that is absent or of the wrong type counts as absent. Times in the
// view are Unix milliseconds; each is taken as its date in China Standard Time (DateOfUnixMs). Below,
// "view.x" names what the facts hold of the view's x.
// The exact definition of every report figure is also in docs/report.md.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/calendar.h"
#include "domain/deadline.h"
#include "domain/responsibility.h"
#include "base/status.h"
#include "stored.pb.h"

namespace silian::sync {

// ---- Clocks of one case ----

// The working days a competent organ has to give the one-time notice of missing materials (art. 32).
inline constexpr int kNoticeWindowWd = 5;

struct CaseClocks {
  // The clocks run: the case has item terms and was accepted, or is deemed accepted.
  bool started = false;
  // The day the clocks start from (day 1 is the first working day after it). Meaningful when started.
  Date start;
  // Never accepted, and the one-time notice window passed without a first response (or the first response
  // came after it): the application counts as accepted from the day of receipt at the competent organ.
  bool deemed_accepted = false;
  // The one-time notice window, when the case was received.
  std::optional<NoticeWindow> notice;
  ClockResult legal;     // meaningful when started
  ClockResult promised;  // meaningful when started
  // "no_item" (no item terms: no clocks), "before_acceptance" (not started), "suspended" (started, an
  // open suspension, not stopped), "running", "stopped" (decided, completed or closed).
  std::string stage;
  // The lawful extension counted in both clocks, in working days (0: none), and, when the case has an
  // extension that does not count, why.
  int extension_wd = 0;
  std::string extension_refused;
};

// The clocks of a case as of `today`:
// - received   = timeline.received; the organ's receipt = timeline.forwarded when present (a village point
//                forwarded the case to the competent node), else timeline.received.
// - notice     = OneTimeNoticeWindow(calendar, organ's receipt, timeline.first_response, as_of, 5), where
//                as_of = today, or the closing day when the case was closed without any first response.
// - start      = timeline.accepted; else, when notice.deemed_accepted, the organ's receipt
//                (deemed_accepted = true); else not started.
// - stopped    = timeline.decided, else timeline.completed, else timeline.closed (absent: running).
// - both clocks: ComputeClock with item.legal_limit / item.promised_limit, extension = the lawful
//                extension (an approved extension extends both the legal and the promised limit),
//                suspensions[] as [date(start), date(end)) (end absent: still suspended), `warning_wd`.
// - lawful extension: extensions[0] only (a case is extended once; the projection refuses a second), when
//                its days are 1 to the item's limit (item.extension_limit_wd, else 15 for a parallel item,
//                else 10) and date(extensions[0].time) <= the legal due day computed without it. Otherwise
//                no extension counts and extension_refused says why.
// Without view.item: started = false, stage "no_item", no clocks.
CaseClocks ComputeCaseClocks(const pb::CaseFacts& facts, const WorkingCalendar& calendar, Date today,
                             int warning_wd = 1);
CaseClocks ComputeCaseClocks(const nlohmann::json& view, const WorkingCalendar& calendar, Date today,
                             int warning_wd = 1);

// The working days the applicant has to supply what a one-time notice asks for, when the request names no
// due day.
inline constexpr int kCorrectionWindowWd = 5;

// The due day of the correction the case's view records (view.correction): its "due", else
// AddWorkingDays(date(correction.requested), kCorrectionWindowWd). nullopt without a correction.
std::optional<Date> CorrectionDue(const pb::CaseFacts& facts, const WorkingCalendar& calendar);
std::optional<Date> CorrectionDue(const nlohmann::json& view, const WorkingCalendar& calendar);

// For `case show`: {"stage", "started", "deemed_accepted", "start" (YYYY-MM-DD), "notice": {"due",
// "deemed_accepted"}, "legal" / "promised": {"due" (YYYY-MM-DD or null), "remaining_wd", "used_wd",
// "paused_wd", "ahead_wd", "state", "provisional", "calendar"}}. "start", "legal" and "promised" only when
// started; "notice" only when received.
nlohmann::json ClocksToJson(const CaseClocks& clocks);

// ---- The statistics report ----

// A rectification without a deadline of its own is due this many working days after the evaluation, unless
// the hub's setting rectification-days or a command's --rectification-days says otherwise.
inline constexpr int kDefaultRectificationWd = 15;

// Parses a number of working days to rectify: 1 to 365 in decimal digits. kInvalidArgument naming `what`
// (the option or setting the text came from) and the value otherwise:
//   rectification-days "0" must be a number of working days, 1 to 365
Result<int> ParseRectificationDays(std::string_view what, std::string_view text);

struct ReportOptions {
  Date from;  // the period, both days included
  Date to;
  std::string division_prefix;  // only views whose division starts with it ("" = all)
  std::string by;               // "", "node", "level", "item", "department", "staff", "county", "township", "organ"
  Date today;                   // for the "now" figures
  int warning_wd = 1;
  int rectification_wd = kDefaultRectificationWd;  // see kDefaultRectificationWd
};

// OK, or kInvalidArgument naming the value:
//   report grouping "colour" is not one of: node, level, item, department, staff, county, township, organ
//   (or none)
//   report period 2026-03-01..2026-02-01 ends before it starts
//   report division prefix "15a2" must be up to 12 digits
//   report warning_wd -1 must be >= 0 / report rectification_wd 0 must be >= 1
Status ValidateReportOptions(const ReportOptions& options);

// One line of the report. "In range" means the date of the time is within [from, to]. The clocks are those
// of ComputeCaseClocks(view, calendar of view.division, options.today, options.warning_wd).
struct ReportRow {
  std::string group;
  uint64_t received = 0;      // timeline.received in range
  uint64_t accepted = 0;      // timeline.accepted in range (explicit acceptance; deemed ones are not counted)
  uint64_t not_accepted = 0;  // status "not_accepted" and timeline.closed in range
  uint64_t completed = 0;     // timeline.completed in range
  uint64_t completed_on_time = 0;  // completed in range, clocks started, promised clock state "met"
  uint64_t ahead_wd_total = 0;     // sum of the promised clock's ahead_wd over completed_on_time
  // Not restricted to the period: cases with a started, not stopped clock such that, as of today,
  uint64_t overdue_now = 0;  // the legal or the promised clock is "overdue";
  uint64_t warning_now = 0;  // neither is "overdue" and at least one is "warning".
  double completion_rate = 0;      // completed / accepted; 0 when accepted is 0 (may exceed 1: flows)
  double average_handling_wd = 0;  // mean legal-clock used_wd over completed in range with started clocks; 0 if none
  // (very_satisfied + satisfied + basically_satisfied) / evaluations; 0 if none. A rating this version does
  // not know (enums.h, Rating) counts in evaluations only.
  double satisfaction_rate = 0;
  int64_t fees_charged_fen = 0;    // sum of fees.entries[].amount_fen of kind charge with time in range
  int64_t fees_paid_fen = 0;       // ... of kind payment
  int64_t fees_refunded_fen = 0;   // ... of kind refund
  uint64_t evaluations = 0;           // evaluations[] with time in range
  uint64_t negative_evaluations = 0;  // of those, IsNegativeRating: dissatisfied or very_dissatisfied
  // Of the evaluations in range that carry a rectification (the negative ones), by its current state:
  uint64_t rectifications_open = 0;
  uint64_t rectifications_closed = 0;
  // open and today > its due day: the due_date of category "fix_by_deadline" when it is a valid date,
  // else AddWorkingDays(evaluation date, rectification_wd) in the case's calendar.
  uint64_t rectifications_overdue = 0;
  // Of the evaluations in range, those entered by staff for the applicant (view "assisted": true).
  uint64_t evaluations_assisted = 0;
  uint64_t subsidies = 0;           // subsidies.entries[] with time in range
  int64_t subsidies_paid_fen = 0;   // the sum of their amount_fen
};

// Accumulates report figures over views fed one at a time (memory grows with the number of groups, not of
// views). Groups (options.by):
//   node        handled_by.received.node, else the case id's origin (the part before ':')
//   level       handled_by.received.level
//   item        "<fields.item_code.value> <item.name>"
//   department  item.lead_department; a parallel item counts under the lead and under each of
//               item.departments (so department rows may add up to more than the total)
//   staff       handled_by.accepted.actor, else handled_by.received.actor
//   county      the first 6 digits of view.division (the city sees its counties in one table)
//   township    the first 9 digits of view.division
//   organ       the organ responsible now (responsibility.h, ResponsibleFor with the clocks' deemed_accepted)
// A view without the value counts under "(none)".
class ReportBuilder {
 public:
  // `calendar_for` returns the calendar of a division code; it is called once per view fed and the
  // reference must stay valid during the call (cache calendars by division: building one is costly).
  // REQUIRES: ValidateReportOptions(options).ok() (aborts otherwise).
  ReportBuilder(ReportOptions options, std::function<const WorkingCalendar&(const std::string& division)> calendar_for);

  // Adds one case. Views outside the division prefix are skipped. `clocks`, when given, are the case's
  // ComputeCaseClocks with its division's calendar, options.today and options.warning_wd: a pass feeding
  // several builders of the same day computes them once.
  void Add(const pb::CaseFacts& facts, const CaseClocks* clocks = nullptr);
  void Add(const nlohmann::json& view, const CaseClocks* clocks = nullptr);
  // Whether Add counts the case (its division is within the prefix).
  bool Counts(const pb::CaseFacts& facts) const;
  bool Counts(const nlohmann::json& view) const;
  // Adds what `other` (a builder of the same options, fed other cases) counted: the report of both sets.
  void Merge(const ReportBuilder& other);

  // One row per group, sorted by group name (bytewise); empty when options.by is "".
  std::vector<ReportRow> Rows() const;
  // Every case counted once, group "total".
  ReportRow Total() const;
  const ReportOptions& options() const { return options_; }

  // The running sums behind one row. Public only so that the implementation can share it.
  struct Sums {
    ReportRow row;
    uint64_t handling_wd_sum = 0;
    uint64_t handling_count = 0;
    uint64_t satisfied = 0;
  };

 private:
  ReportOptions options_;
  std::function<const WorkingCalendar&(const std::string&)> calendar_for_;
  std::map<std::string, Sums> groups_;
  Sums total_;
};

// A fixed-width table: a title line with the period, prefix, grouping and today; a header; one line per
// row; the total line. Rows empty (no grouping): the total alone.
std::string RenderReportText(const ReportOptions& options, const std::vector<ReportRow>& rows,
                             const ReportRow& total);
// RFC 4180: a header row, then each row, then the total row (group "total"); CRLF line ends; a field
// with a comma, quote, CR or LF is quoted and its quotes doubled. Rates with 4 decimals, average handling
// with 2, fees as yuan with 2 decimals (FormatFen). Columns: group, received, accepted, not_accepted,
// completed, completion_rate, completed_on_time, ahead_wd_total, average_handling_wd, overdue_now,
// warning_now, fees_charged_yuan, fees_paid_yuan, fees_refunded_yuan, evaluations, negative_evaluations,
// satisfaction_rate, rectifications_open, rectifications_closed, rectifications_overdue,
// evaluations_assisted, subsidies, subsidies_paid_yuan.
std::string RenderReportCsv(const std::vector<ReportRow>& rows, const ReportRow& total);
// {"from", "to", "division_prefix", "by", "today", "rows": [...], "total": {...}}; each row has every
// field of ReportRow under its own name (fees in fen, rates as numbers).
nlohmann::json ReportToJson(const ReportOptions& options, const std::vector<ReportRow>& rows,
                            const ReportRow& total);

// ---- Supervision (e-supervision) ----

struct SupervisionItem {
  std::string case_id, case_number, division, status, item;  // item: the item name (else its code)
  // "overdue" / "warning": a started, not stopped clock in that state (one item per clock);
  // "owed_materials_overdue": tolerant acceptance whose owed materials (owed.materials, split on , ， 、 ;
  //   ；) are not all among the case's material records, owed.due < today, the case not closed
  //   (no timeline.closed): the case is due for revocation;
  // "deemed_accepted": deemed accepted (CaseClocks::deemed_accepted) and not stopped;
  // "rectification_overdue": an open rectification with today > its due day (ReportRow);
  // "correction_lapsed": status correction_pending and today > CorrectionDue: the organ withdraws the case
  //   or continues it with a reason (LedgerStore::DecideLapsedCorrection).
  std::string problem;
  std::string clock;        // "legal" or "promised" for overdue/warning, else ""
  std::optional<Date> due;  // the clock's due day, owed.due, the notice window's due, the rectification's due
  int remaining_wd = 0;     // WorkingDaysBetween(today, due): <= 0 when past due; 0 without a due day
  // The organ that answers for the case now (responsibility.h): its name and level; the node and actor who
  // acted for it (accepted; in transit, received; awaiting, who received it at the competent level, else
  // none: a deemed acceptance is charged to the organ that failed to answer, never to the forwarding point).
  std::string responsible_organ, responsible_level;
  std::string responsible_node, responsible_actor;
  std::string step;         // the case status
};

// The owed materials of a tolerant acceptance (owed.materials, split as for "owed_materials_overdue" below)
// not yet among the case's material records, in the order owed; empty when nothing is owed or all arrived.
std::vector<std::string> OwedMaterialsOutstanding(const pb::CaseFacts& facts);
std::vector<std::string> OwedMaterialsOutstanding(const nlohmann::json& view);

// The problems of one case as of `today`, in the order of the list above (legal before promised), and
// "transit_overdue" (responsibility.h, TransitOverdue with `transit_wd`) before owed materials. `clocks`,
// when given, are ComputeCaseClocks(view, calendar, today, warning_wd), computed once by the caller.
std::vector<SupervisionItem> Supervise(const pb::CaseFacts& facts, const WorkingCalendar& calendar, Date today,
                                       int warning_wd = 1, int rectification_wd = kDefaultRectificationWd,
                                       int transit_wd = kDefaultTransitWd, const CaseClocks* clocks = nullptr);
std::vector<SupervisionItem> Supervise(const nlohmann::json& view, const WorkingCalendar& calendar, Date today,
                                       int warning_wd = 1, int rectification_wd = kDefaultRectificationWd,
                                       int transit_wd = kDefaultTransitWd, const CaseClocks* clocks = nullptr);

// One line per item: problem, clock, case number, item, due, remaining, responsible, step.
std::string RenderSupervisionText(const std::vector<SupervisionItem>& items);
// An array of objects with the fields of SupervisionItem ("due" YYYY-MM-DD or null).
nlohmann::json SupervisionToJson(const std::vector<SupervisionItem>& items);

}  // namespace silian::sync
