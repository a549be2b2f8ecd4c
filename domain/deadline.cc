#include "domain/deadline.h"

#include <algorithm>
#include <cstdint>

namespace silian::sync {
namespace {

int ClampSpan(int64_t n) {
  return static_cast<int>(std::clamp<int64_t>(n, 0, kMaxClockWorkingDays));
}

}  // namespace

ClockResult ComputeClock(const WorkingCalendar& calendar, const ClockInput& input, Date today, int warning_wd) {
  ClockResult r;
  r.calendar = calendar.VersionLabel();
  const Date as_of = input.stopped.value_or(today);

  int64_t paused_wd = 0;
  int64_t paused_natural = 0;
  for (const auto& [from, to] : input.suspensions) {
    const Date end = std::min(to.value_or(as_of), as_of);
    if (end <= from) continue;
    paused_wd += calendar.WorkingDaysBetween(from, end);
    paused_natural += end.days - from.days;
  }
  r.paused_wd = ClampSpan(paused_wd);

  const int64_t limit = int64_t{input.limit.value()} + input.extension_days;
  const std::string& unit = input.limit.unit();
  if (unit == "working_days") {
    r.due = calendar.AddWorkingDays(input.start, ClampSpan(limit + paused_wd));
  } else if (unit == "natural_days") {
    Date d = AddDays(input.start, ClampSpan(limit + paused_natural));
    if (!calendar.IsWorkingDay(d)) d = calendar.AddWorkingDays(d, 1);
    r.due = d;
  } else if (unit == "hours") {
    const int64_t days = limit <= 8 ? 0 : (limit + 7) / 8;
    r.due = calendar.AddWorkingDays(input.start, ClampSpan(days + paused_wd));
  }

  r.used_wd = ClampSpan(int64_t{calendar.WorkingDaysBetween(input.start, as_of)} - paused_wd);
  const int last_year = YearOf(r.due ? std::max(*r.due, as_of) : as_of);
  for (int y = YearOf(input.start); y <= last_year && !r.provisional; ++y) r.provisional = calendar.Provisional(y);
  if (!r.due) {
    r.state = input.stopped ? "met" : "normal";
    return r;
  }
  const Date due = *r.due;
  r.remaining_wd = calendar.WorkingDaysBetween(as_of, due);
  if (input.stopped) {
    r.state = *input.stopped <= due ? "met" : "missed";
    r.ahead_wd = std::max(0, r.remaining_wd);
  } else if (today > due) {
    r.state = "overdue";
  } else if (r.remaining_wd <= warning_wd) {
    r.state = "warning";
  } else {
    r.state = "normal";
  }
  return r;
}

NoticeWindow OneTimeNoticeWindow(const WorkingCalendar& calendar, Date received, std::optional<Date> first_response,
                                 Date today, int window_wd) {
  NoticeWindow w;
  w.due = calendar.AddWorkingDays(received, window_wd);
  w.deemed_accepted = first_response ? *first_response > w.due : today > w.due;
  return w;
}

}  // namespace silian::sync
