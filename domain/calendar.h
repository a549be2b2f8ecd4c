// Dates and the working-day calendar of a jurisdiction.
//
// A working day is a weekday (Monday..Friday) unless a calendar layer lists the date as a rest day, and a
// weekend day is a rest day unless a layer lists it as a (make-up) working day. The national calendar is
// the base; overlays (an ethnic festival set by a region, a hall's own closures) change single dates for
// the divisions under their area. A year that the national calendar does not publish is provisional:
// weekdays work, weekends rest, and deadlines that touch it are marked provisional.
//
// The JSON file format and the layering rules are specified in docs/calendar-format.md.
//
// Everything here is pure (no I/O, no clock) and thread-safe; a WorkingCalendar is immutable once built.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "silian.pb.h"
#include "base/status.h"

namespace silian::sync {

// A civil date: days since 1970-01-01 (negative before).
struct Date {
  int32_t days = 0;
  auto operator<=>(const Date&) const = default;
};

// Parses strict "YYYY-MM-DD" (4-digit year 0001..9999, 2-digit month and day, nothing else) of a date
// that exists. kInvalidArgument naming the text otherwise:
//   date "2026-2-3" must be YYYY-MM-DD / date "2026-02-30" is not a real date
Result<Date> ParseDate(std::string_view text);
// "YYYY-MM-DD". REQUIRES: the year is within 1..9999.
std::string FormatDate(Date date);
// The calendar date in China Standard Time (UTC+8, no daylight saving) of a Unix time in milliseconds.
Date DateOfUnixMs(uint64_t unix_ms);
// 0 = Monday .. 6 = Sunday.
int Weekday(Date date);
// The Gregorian year of the date.
int YearOf(Date date);
// date + n natural days.
inline Date AddDays(Date date, int32_t n) { return Date{date.days + n}; }

// The national calendar built into the programs: name "national", version 1, years 2025 and 2026, with
// every official rest day of the State Council notices (including those falling on a weekend) and every
// make-up working day, sorted by date. Equal to reference/calendars/national.json.
const pb::Calendar& BuiltInNationalCalendar();

inline constexpr std::string_view kNationalCalendarName = "national";

// A calendar and the division prefix it applies to (4, 6, 9 or 12 digits; "" applies everywhere). The
// area of a layer named "national" is ignored: it applies everywhere.
struct CalendarLayer {
  std::string area;
  pb::Calendar calendar;
};

class WorkingCalendar {
 public:
  // Builds the calendar of `division` (a division code or a prefix of one) from the layers a replica
  // holds. REQUIRES: every layer passed ValidateCalendar (others are not refused, but their rest days are
  // taken as they are).
  // - Base: the built-in national calendar, unless a layer named "national" has a higher version: then
  //   the highest such version replaces it (an equal version does not).
  // - Overlays: layers of any other name whose area is a prefix of `division`. Of each (area, name) only
  //   the highest version counts (equal versions: the one whose serialized bytes sort last, so every
  //   replica picks the same). Overlays are applied over the base from the widest area to the narrowest,
  //   so a narrower overlay wins on a date both list; overlays of the same area apply in name order (a
  //   later name wins).
  // Cost: O(number of days in the table range), about 37,000 steps; build once per division and reuse.
  //
  // Representation: a per-day working bitmap and a prefix count of "working minus weekday" over
  // 2000-01-01..2100-12-31 (widened to cover every listed date). Outside that range only the weekday rule
  // applies, computed in closed form. IsWorkingDay and WorkingDaysBetween are O(1); AddWorkingDays is
  // O(log n) (a binary search over the prefix count).
  static WorkingCalendar Build(const std::vector<CalendarLayer>& layers, std::string_view division);
  // The built-in national calendar alone.
  static WorkingCalendar National();

  bool IsWorkingDay(Date date) const;

  struct DayInfo {
    bool working = false;
    // Why the day is what it is:
    //   listed rest day:    "rest day: <reason> (<layer>)", e.g. "rest day: Spring Festival (national v1)"
    //   listed working day: "<reason> (<layer>)", e.g. "make-up working day for National Day (national v1)"
    //   not listed:         "weekday" or "weekend"
    // <layer> is "national vN" or "<area>/<name> vN", e.g. "152222/naadam v2".
    std::string why;
    // The layer that decided the day (as in <layer> above), or "weekday rule".
    std::string source;
    // The national calendar does not publish the date's year.
    bool provisional = false;
  };
  DayInfo Explain(Date date) const;

  // True when the national base calendar does not publish `year` (its `years` omit it).
  bool Provisional(int year) const;

  // The n-th working day after `start` (start itself never counts); n = 0 returns start; n < 0 is the
  // |n|-th working day before start. REQUIRES: |n| <= kMaxWorkingDaySpan.
  Date AddWorkingDays(Date start, int n) const;
  static constexpr int kMaxWorkingDaySpan = 10'000'000;

  // The number of working days d with after < d <= upto; when upto < after, minus the number of working
  // days d with upto < d <= after. WorkingDaysBetween(a, AddWorkingDays(a, n)) == n.
  int WorkingDaysBetween(Date after, Date upto) const;

  // The layers in effect, base first, e.g. "national v1 + 152222/naadam v2". Recorded on a case.
  const std::string& VersionLabel() const { return version_label_; }

 private:
  struct Listed {
    bool working = false;
    std::string reason;
    int layer = 0;  // index into layer_labels_
  };

  WorkingCalendar() = default;
  int64_t PrefixCount(int64_t day) const;  // working days in [1970-01-05, day), signed

  std::vector<std::string> layer_labels_;
  std::string version_label_;
  std::set<int> published_years_;
  std::map<int32_t, Listed> listed_;
  int32_t table_first_ = 0;            // first day of the table
  std::vector<uint8_t> working_;       // working_[d - table_first_]
  std::vector<int32_t> delta_prefix_;  // sum of (working - weekday) over [table_first_, table_first_ + i)
};

// The working calendars of many divisions over one set of layers, each built on first use. A calendar
// depends on its division only through the layers whose area covers it, so divisions under the same
// layers share one calendar: a county's thousand villages, none with a layer of its own, share their
// county's (a calendar's tables take about 180 KB and a build walks 37,000 days). Not thread-safe (the
// calendars it returns are immutable and may be read anywhere); a reference stays valid as long as the set.
class CalendarSet {
 public:
  explicit CalendarSet(std::vector<CalendarLayer> layers) : layers_(std::move(layers)) {}
  // WorkingCalendar::Build(layers, division).
  const WorkingCalendar& For(std::string_view division);
  // How many calendars have been built (one per distinct set of layers asked for).
  size_t built() const { return by_layers_.size(); }

 private:
  std::vector<CalendarLayer> layers_;
  std::map<std::string, WorkingCalendar> by_layers_;                        // by the overlays that cover
  std::map<std::string, const WorkingCalendar*, std::less<>> by_division_;  // what For gave each division
};

// Parses a calendar file (format: docs/calendar-format.md) and checks it as ValidateCalendar does.
// `source` names the file in messages. Ranges are expanded; days come back sorted by date, years
// ascending. Errors, each kInvalidArgument naming the source:
//   national.json:3: JSON syntax error: <detail>   (and all ParseJsonInput refuses: domain/json_input.h)
//   national.json: days[3].date "2026-02-30" is not a real date
//   national.json: days[2]: unknown key "colour" (expected date, from, to, working, reason)
//   national.json: days[5].date "2026-01-01" is listed twice (first at days[0].date)
//   national.json: version 0 must be an integer >= 1
// kResourceExhausted when the file lists more than kMaxCalendarDays days.
Result<pb::Calendar> ParseCalendarJson(std::string_view text, std::string_view source);

// The file format, one entry per day (no ranges), days in the calendar's order. ParseCalendarJson of its
// dump gives back an equal calendar (sorted).
nlohmann::json CalendarToJson(const pb::Calendar& calendar);

inline constexpr int kMaxCalendarDays = 10'000;
inline constexpr int kMaxCalendarReasonBytes = 200;

// Checks a calendar received from the network or a file: name 1..40 characters of [a-z0-9_-]; version
// >= 1; years within 1900..2200, none twice; every date a real YYYY-MM-DD within 1900..2200, none twice;
// for "national", every date within the declared years; every reason 1..200 bytes; at most
// kMaxCalendarDays days (kResourceExhausted). Otherwise kInvalidArgument naming the calendar, the field
// path and the value: calendar "national" v2: days[3].date "2026-02-30" is not a real date
Status ValidateCalendar(const pb::Calendar& calendar);

}  // namespace silian::sync
