// Time-limit clocks of a case (Administrative Licensing Law arts. 32, 42-45, 82), computed over a
// WorkingCalendar. Pure (the caller passes `today`), thread-safe.
//
// Definitions, all in the case's jurisdiction calendar. "WDB(a, b)" is WorkingDaysBetween(a, b): the
// working days d with a < d <= b. An event on day x starts counting on the first working day after x.
//   as_of     = stopped when the clock has stopped, else today.
//   paused_wd = sum over suspensions [s, e) of WDB(s, e), with e = as_of for an open suspension (and
//               capped at as_of for one that ends later); a suspension yields no negative count.
//   due (the clock's last day):
//     working_days:  AddWorkingDays(start, limit + extension + paused_wd).
//     natural_days:  start + limit + extension + paused natural days (sum of e - s); when that day is a
//                    rest day, the next working day (periods that end on a holiday run to the next
//                    working day).
//     hours:         for instant and short items. hours = limit + extension; when hours <= 8 the due day
//                    is start itself (plus paused_wd working days), else AddWorkingDays(start,
//                    ceil(hours / 8) + paused_wd): an 8-hour working day.
//     any other unit (or none): no due date; the state is "normal" while running and "met" once stopped.
//   The total is capped at kMaxClockWorkingDays (a corrupt limit cannot make the computation abort).
//   remaining_wd = WDB(as_of, due): negative or 0 when past due. For a stopped clock it is frozen at the
//                  stop.
//   used_wd      = max(0, WDB(start, as_of) - paused_wd).
//   ahead_wd     = for a stopped clock max(0, WDB(stopped, due)): working days completed ahead of the
//                  limit; 0 while running.
//   state        running: "overdue" when today > due, else "warning" when remaining_wd <= warning_wd,
//                else "normal". Stopped: "met" when stopped <= due, else "missed".
//   provisional  = a year from start's to the later of due and as_of is not published by the national
//                  calendar (WorkingCalendar::Provisional).
//   calendar     = WorkingCalendar::VersionLabel().
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "silian.pb.h"
#include "domain/calendar.h"

namespace silian::sync {

inline constexpr int kMaxClockWorkingDays = 100'000;

struct ClockInput {
  Date start;                // the acceptance date; day 1 is the first working day after it
  pb::Limit limit;           // unit "working_days", "natural_days" or "hours"
  int extension_days = 0;    // an approved extension, in the limit's unit
  // Special procedures (inspection, hearing, expert review) that do not count: [start, end); end absent =
  // still suspended.
  std::vector<std::pair<Date, std::optional<Date>>> suspensions;
  std::optional<Date> stopped;  // the day the clock stopped (the decision); absent while running
};

struct ClockResult {
  std::optional<Date> due;
  int remaining_wd = 0;
  std::string state;  // "normal", "warning", "overdue", "met", "missed"
  bool provisional = false;
  int paused_wd = 0;
  int used_wd = 0;
  int ahead_wd = 0;
  std::string calendar;
};

// Computes one clock (legal or promised) as of `today`; see the definitions above.
ClockResult ComputeClock(const WorkingCalendar& calendar, const ClockInput& input, Date today,
                         int warning_wd = 1);

// The one-time notice of missing materials (art. 32): due within `window_wd` working days of receipt at
// the competent organ; without it the application counts as accepted from the day of receipt.
struct NoticeWindow {
  Date due;                      // AddWorkingDays(received, window_wd)
  // The first response (accept, request correction, not accept) came after `due`, or there was none and
  // today is past `due`.
  bool deemed_accepted = false;
};
NoticeWindow OneTimeNoticeWindow(const WorkingCalendar& calendar, Date received, std::optional<Date> first_response,
                                 Date today, int window_wd = 5);

}  // namespace silian::sync
