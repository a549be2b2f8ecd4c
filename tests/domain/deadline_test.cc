#include "domain/deadline.h"

#include <string>
#include <utility>

#include <catch2/catch.hpp>

#include "support/dates.h"

namespace silian::sync {
namespace {

// Expectations are counted by hand on the 2026 calendar (domain.md): Spring Festival rest 02-15..02-23
// with make-up Saturdays 02-14 and 02-28; Mid-Autumn rest 09-25..09-27; National Day rest 10-01..10-07
// with make-up Sun 09-20 and Sat 10-10; Qingming rest 04-04..04-06.

Date D(const char* text) { return test::DateOf(text); }

pb::Limit Wd(uint32_t n) {
  pb::Limit l;
  l.set_value(n);
  l.set_unit("working_days");
  return l;
}

pb::Limit Limit(uint32_t n, const char* unit) {
  pb::Limit l;
  l.set_value(n);
  l.set_unit(unit);
  return l;
}

ClockInput In(Date start, pb::Limit limit) {
  ClockInput in;
  in.start = start;
  in.limit = std::move(limit);
  return in;
}

std::string Due(const ClockResult& r) { return r.due ? FormatDate(*r.due) : "none"; }

TEST_CASE("Deadline: a 20 working-day limit accepted before Spring Festival runs to 16 March", "[deadline]") {
  // Accepted Tue 02-10: 02-11..02-13 (3), Sat 02-14 (4), rest to 02-23, 02-24..02-27 (8), Sat 02-28 (9),
  // 03-02..03-06 (14), 03-09..03-13 (19), Mon 03-16 (20).
  const WorkingCalendar cal = WorkingCalendar::National();
  ClockInput in = In(D("2026-02-10"), Wd(20));
  ClockResult r = ComputeClock(cal, in, D("2026-02-10"));
  CHECK(Due(r) == "2026-03-16");
  CHECK(r.remaining_wd == 20);
  CHECK(r.used_wd == 0);
  CHECK(r.paused_wd == 0);
  CHECK(r.state == "normal");
  CHECK_FALSE(r.provisional);
  CHECK(r.calendar == "national v1");

  r = ComputeClock(cal, in, D("2026-02-20"));  // in the holiday, 4 days used
  CHECK(r.used_wd == 4);
  CHECK(r.remaining_wd == 16);
}

TEST_CASE("Deadline: states go normal then warning then overdue", "[deadline]") {
  const WorkingCalendar cal = WorkingCalendar::National();
  ClockInput in = In(D("2026-02-10"), Wd(20));
  CHECK(ComputeClock(cal, in, D("2026-03-12")).state == "normal");  // 2 left
  ClockResult fri = ComputeClock(cal, in, D("2026-03-13"));
  CHECK(fri.state == "warning");
  CHECK(fri.remaining_wd == 1);
  CHECK(ComputeClock(cal, in, D("2026-03-14")).state == "warning");  // Saturday, still 1 left
  ClockResult due_day = ComputeClock(cal, in, D("2026-03-16"));
  CHECK(due_day.state == "warning");
  CHECK(due_day.remaining_wd == 0);
  ClockResult late = ComputeClock(cal, in, D("2026-03-18"));
  CHECK(late.state == "overdue");
  CHECK(late.remaining_wd == -2);
  CHECK(late.used_wd == 22);
  // A wider warning threshold.
  CHECK(ComputeClock(cal, in, D("2026-03-11"), 3).state == "warning");
  CHECK(ComputeClock(cal, in, D("2026-03-10"), 3).state == "normal");
}

// A 20-working-day clock started 2026-02-10 (due 2026-03-16) and stopped on `stopped`, as seen on
// 2026-04-01: CHECKs its state and its working days ahead of due, used and remaining.
void CheckStoppedClock(const char* stopped, const char* state, int ahead_wd, int used_wd, int remaining_wd) {
  INFO("stopped on " << stopped);
  ClockInput in = In(D("2026-02-10"), Wd(20));
  in.stopped = D(stopped);
  ClockResult r = ComputeClock(WorkingCalendar::National(), in, D("2026-04-01"));
  CHECK(r.state == state);
  CHECK(r.ahead_wd == ahead_wd);
  CHECK(r.used_wd == used_wd);
  CHECK(r.remaining_wd == remaining_wd);
}

TEST_CASE("Deadline: a clock stopped on or before due is met and counts the days ahead", "[deadline]") {
  CheckStoppedClock("2026-03-10", "met", 4, 16, 4);  // ahead: 03-11, 03-12, 03-13, 03-16
  CheckStoppedClock("2026-03-16", "met", 0, 20, 0);
}

TEST_CASE("Deadline: a clock stopped after due is missed with nothing ahead", "[deadline]") {
  CheckStoppedClock("2026-03-18", "missed", 0, 22, -2);
}

TEST_CASE("Deadline: a 10 working-day extension moves due by ten working days", "[deadline]") {
  const WorkingCalendar cal = WorkingCalendar::National();
  ClockInput in = In(D("2026-02-10"), Wd(20));
  in.extension_days = 10;
  ClockResult r = ComputeClock(cal, in, D("2026-03-17"));
  CHECK(Due(r) == "2026-03-30");  // 03-17..03-20 (24), 03-23..03-27 (29), Mon 03-30 (30)
  CHECK(r.state == "normal");
  CHECK(r.remaining_wd == 9);
}

TEST_CASE("Deadline: a suspension over National Day adds its working days", "[deadline]") {
  // Accepted Mon 09-21, suspended [09-28, 10-12): paused = 09-29, 09-30, 10-08, 10-09, Sat 10-10, 10-12.
  // Due = 26 working days after 09-21: 09-22..09-24 (3), 09-28..09-30 (6), 10-08, 10-09, 10-10 (9),
  // 10-12..10-16 (14), 10-19..10-23 (19), 10-26..10-30 (24), 11-02 (25), 11-03 (26).
  const WorkingCalendar cal = WorkingCalendar::National();
  ClockInput in = In(D("2026-09-21"), Wd(20));
  in.suspensions.push_back({D("2026-09-28"), D("2026-10-12")});
  ClockResult r = ComputeClock(cal, in, D("2026-10-20"));
  CHECK(r.paused_wd == 6);
  CHECK(Due(r) == "2026-11-03");
  CHECK(r.used_wd == 10);       // 16 working days after 09-21 up to 10-20, minus 6 paused
  CHECK(r.remaining_wd == 10);  // 10-21..10-23, 10-26..10-30, 11-02, 11-03
  CHECK(r.state == "normal");

  ClockInput plain = In(D("2026-09-21"), Wd(20));
  CHECK(Due(ComputeClock(cal, plain, D("2026-10-20"))) == "2026-10-26");
}

TEST_CASE("Deadline: an open suspension keeps pushing due and freezes what is left", "[deadline]") {
  // Accepted Mon 03-02, 20 WD (due 03-30 unsuspended), suspended from Mon 03-09, still open.
  const WorkingCalendar cal = WorkingCalendar::National();
  ClockInput in = In(D("2026-03-02"), Wd(20));
  in.suspensions.push_back({D("2026-03-09"), std::nullopt});
  ClockResult fri = ComputeClock(cal, in, D("2026-03-13"));
  CHECK(fri.paused_wd == 4);  // 03-10..03-13
  CHECK(Due(fri) == "2026-04-03");
  CHECK(fri.used_wd == 5);
  CHECK(fri.remaining_wd == 15);
  ClockResult mon = ComputeClock(cal, in, D("2026-03-16"));
  CHECK(mon.paused_wd == 5);
  CHECK(Due(mon) == "2026-04-07");  // one more working day, over Qingming 04-04..04-06
  CHECK(mon.used_wd == 5);
  CHECK(mon.remaining_wd == 15);
  // Stopped while suspended: the pause ends at the stop.
  in.stopped = D("2026-03-13");
  ClockResult stopped = ComputeClock(cal, in, D("2026-05-01"));
  CHECK(stopped.paused_wd == 4);
  CHECK(stopped.state == "met");
  CHECK(stopped.ahead_wd == 15);
}

TEST_CASE("Deadline: natural-day limits that end on a holiday run to the next working day", "[deadline]") {
  const WorkingCalendar cal = WorkingCalendar::National();
  CHECK(Due(ComputeClock(cal, In(D("2026-09-28"), Limit(7, "natural_days")), D("2026-09-28"))) == "2026-10-08");
  CHECK(Due(ComputeClock(cal, In(D("2026-03-02"), Limit(5, "natural_days")), D("2026-03-02"))) == "2026-03-09");
  CHECK(Due(ComputeClock(cal, In(D("2026-03-02"), Limit(3, "natural_days")), D("2026-03-02"))) == "2026-03-05");
  ClockInput paused = In(D("2026-03-02"), Limit(3, "natural_days"));
  paused.suspensions.push_back({D("2026-03-03"), D("2026-03-05")});  // 2 natural days
  CHECK(Due(ComputeClock(cal, paused, D("2026-03-06"))) == "2026-03-09");  // 03-07 is a Saturday
}

TEST_CASE("Deadline: hour limits of up to 8 hours are due the same day", "[deadline]") {
  const WorkingCalendar cal = WorkingCalendar::National();
  ClockResult r = ComputeClock(cal, In(D("2026-02-13"), Limit(4, "hours")), D("2026-02-13"));
  CHECK(Due(r) == "2026-02-13");
  CHECK(r.remaining_wd == 0);
  CHECK(r.state == "warning");
  CHECK(Due(ComputeClock(cal, In(D("2026-02-13"), Limit(0, "hours")), D("2026-02-13"))) == "2026-02-13");
  CHECK(Due(ComputeClock(cal, In(D("2026-02-13"), Limit(8, "hours")), D("2026-02-13"))) == "2026-02-13");
  // 16 hours = 2 working days: Sat 02-14 (make-up), then 02-24.
  CHECK(Due(ComputeClock(cal, In(D("2026-02-13"), Limit(16, "hours")), D("2026-02-13"))) == "2026-02-24");
  CHECK(Due(ComputeClock(cal, In(D("2026-02-13"), Limit(9, "hours")), D("2026-02-13"))) == "2026-02-24");
  CHECK(ComputeClock(cal, In(D("2026-02-13"), Limit(4, "hours")), D("2026-02-14")).state == "overdue");
}

TEST_CASE("Deadline: a clock without a known unit has no due date", "[deadline]") {
  const WorkingCalendar cal = WorkingCalendar::National();
  ClockResult r = ComputeClock(cal, In(D("2026-02-13"), Limit(5, "fortnights")), D("2026-06-01"));
  CHECK_FALSE(r.due.has_value());
  CHECK(r.state == "normal");
}

TEST_CASE("Deadline: a clock running into 2027 is provisional", "[deadline]") {
  // Accepted Mon 2026-12-21: 12-22..12-25 (4), 12-28..12-31 (8), Fri 2027-01-01 (9, no notice yet),
  // 01-04..01-08 (14), 01-11..01-15 (19), Mon 01-18 (20).
  const WorkingCalendar cal = WorkingCalendar::National();
  ClockResult r = ComputeClock(cal, In(D("2026-12-21"), Wd(20)), D("2026-12-21"));
  CHECK(Due(r) == "2027-01-18");
  CHECK(r.provisional);
  CHECK_FALSE(ComputeClock(cal, In(D("2026-02-10"), Wd(20)), D("2026-02-10")).provisional);
}

TEST_CASE("Deadline: the clock follows the overlay of its division", "[deadline]") {
  pb::Calendar naadam;
  naadam.set_name("naadam");
  naadam.set_version(2);
  for (const char* d : {"2026-07-13", "2026-07-14", "2026-07-15"}) {
    pb::CalendarDay* day = naadam.add_days();
    day->set_date(d);
    day->set_reason("Naadam");
  }
  const WorkingCalendar banner = WorkingCalendar::Build({{"152222", naadam}}, "152222101001");
  ClockResult r = ComputeClock(banner, In(D("2026-07-10"), Wd(3)), D("2026-07-10"));
  CHECK(Due(r) == "2026-07-20");  // 07-16, 07-17, 07-20
  CHECK(r.calendar == "national v1 + 152222/naadam v2");
  const WorkingCalendar other = WorkingCalendar::Build({{"152222", naadam}}, "152221101001");
  CHECK(Due(ComputeClock(other, In(D("2026-07-10"), Wd(3)), D("2026-07-10"))) == "2026-07-15");
}

TEST_CASE("Deadline: the one-time notice window spans 5 working days over National Day", "[deadline]") {
  // Received Tue 09-29: 09-30 (1), 10-08 (2), 10-09 (3), Sat 10-10 (4), Mon 10-12 (5).
  const WorkingCalendar cal = WorkingCalendar::National();
  const Date received = D("2026-09-29");
  NoticeWindow w = OneTimeNoticeWindow(cal, received, std::nullopt, D("2026-10-09"));
  CHECK(FormatDate(w.due) == "2026-10-12");
  CHECK_FALSE(w.deemed_accepted);
  CHECK_FALSE(OneTimeNoticeWindow(cal, received, std::nullopt, D("2026-10-12")).deemed_accepted);
  CHECK(OneTimeNoticeWindow(cal, received, std::nullopt, D("2026-10-13")).deemed_accepted);
  CHECK_FALSE(OneTimeNoticeWindow(cal, received, D("2026-10-12"), D("2026-11-01")).deemed_accepted);
  CHECK(OneTimeNoticeWindow(cal, received, D("2026-10-13"), D("2026-11-01")).deemed_accepted);
  CHECK_FALSE(OneTimeNoticeWindow(cal, received, D("2026-10-05"), D("2026-11-01")).deemed_accepted);
}

TEST_CASE("Deadline: the notice window received before Spring Festival ends 27 February", "[deadline]") {
  // Received Fri 02-13: Sat 02-14 (1), 02-24 (2), 02-25 (3), 02-26 (4), 02-27 (5).
  const WorkingCalendar cal = WorkingCalendar::National();
  NoticeWindow w = OneTimeNoticeWindow(cal, D("2026-02-13"), std::nullopt, D("2026-03-02"));
  CHECK(FormatDate(w.due) == "2026-02-27");
  CHECK(w.deemed_accepted);
}

}  // namespace
}  // namespace silian::sync
