#include "domain/calendar.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <utility>

#include "base/message_keys.h"
#include "base/text.h"
#include "domain/json_input.h"

namespace silian::sync {
namespace {

namespace chr = std::chrono;

constexpr int32_t kFirstMonday = 4;  // 1970-01-05
constexpr int kMinListedYear = 1900;
constexpr int kMaxListedYear = 2200;
constexpr size_t kMaxNameChars = 40;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
int64_t FloorMod(int64_t a, int64_t b) { return a - FloorDiv(a, b) * b; }

// Weekdays in [1970-01-05, day) (negative for day before it): a prefix count, so the difference of two
// values counts weekdays in between.
int64_t WeekdayPrefix(int64_t day) {
  const int64_t k = day - kFirstMonday;
  return 5 * FloorDiv(k, 7) + std::min<int64_t>(FloorMod(k, 7), 5);
}

bool IsWeekday(int64_t day) { return FloorMod(day - kFirstMonday, 7) < 5; }

Date FromYmd(int y, unsigned m, unsigned d) {
  return Date{static_cast<int32_t>(
      chr::sys_days(chr::year_month_day(chr::year(y), chr::month(m), chr::day(d))).time_since_epoch().count())};
}

chr::year_month_day ToYmd(Date date) { return chr::year_month_day(chr::sys_days(chr::days(date.days))); }

enum class DateError { kNone, kForm, kNotReal };

DateError ParseDateInto(std::string_view text, Date* out) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return DateError::kForm;
  int fields[3] = {0, 0, 0};
  const std::pair<size_t, size_t> spans[3] = {{0, 4}, {5, 2}, {8, 2}};
  for (int i = 0; i < 3; ++i) {
    for (size_t j = spans[i].first; j < spans[i].first + spans[i].second; ++j) {
      if (text[j] < '0' || text[j] > '9') return DateError::kForm;
      fields[i] = fields[i] * 10 + (text[j] - '0');
    }
  }
  const chr::year_month_day ymd{chr::year(fields[0]), chr::month(static_cast<unsigned>(fields[1])),
                                chr::day(static_cast<unsigned>(fields[2]))};
  if (fields[0] < 1 || !ymd.ok()) return DateError::kNotReal;
  *out = Date{static_cast<int32_t>(chr::sys_days(ymd).time_since_epoch().count())};
  return DateError::kNone;
}

std::string DateErrorText(DateError e) {
  return e == DateError::kForm ? "must be YYYY-MM-DD" : "is not a real date";
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameChars) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// The checks shared by ValidateCalendar and ParseCalendarJson. `prefix` starts every message;
// `day_path(i)` names days[i] of the message as the input spelled it (JSON ranges expand to many days).
Status CheckCalendar(const pb::Calendar& c, const std::string& prefix,
                     const std::function<std::string(int)>& day_path) {
  if (!ValidName(c.name())) {
    return InvalidArgument(prefix + "name " + Quote(c.name()) + " must be 1..40 characters of [a-z0-9_-]");
  }
  if (c.version() < 1) {
    return InvalidArgument(prefix + "version " + std::to_string(c.version()) + " must be an integer >= 1");
  }
  std::set<int> years;
  for (int i = 0; i < c.years_size(); ++i) {
    const uint32_t y = c.years(i);
    const std::string path = "years[" + std::to_string(i) + "] " + std::to_string(y);
    if (y < kMinListedYear || y > kMaxListedYear) {
      return InvalidArgument(prefix + path + " must be within 1900..2200");
    }
    if (!years.insert(static_cast<int>(y)).second) return InvalidArgument(prefix + path + " is listed twice");
  }
  if (c.days_size() > kMaxCalendarDays) {
    return ResourceExhausted(prefix + "lists " + std::to_string(c.days_size()) + " days, more than the " +
                             std::to_string(kMaxCalendarDays) + " allowed");
  }
  const bool national = c.name() == kNationalCalendarName;
  std::map<int32_t, int> seen;
  for (int i = 0; i < c.days_size(); ++i) {
    const pb::CalendarDay& day = c.days(i);
    Date date;
    if (DateError e = ParseDateInto(day.date(), &date); e != DateError::kNone) {
      return InvalidArgument(prefix + day_path(i) + " " + Quote(day.date()) + " " + DateErrorText(e));
    }
    const int year = YearOf(date);
    if (year < kMinListedYear || year > kMaxListedYear) {
      return InvalidArgument(prefix + day_path(i) + " " + Quote(day.date()) + " must be within 1900..2200");
    }
    if (national && !years.contains(year)) {
      std::string declared;
      for (int y : years) declared += (declared.empty() ? "" : ", ") + std::to_string(y);
      return InvalidArgument(prefix + day_path(i) + " " + Quote(day.date()) +
                             " is outside the declared years [" + declared + "]");
    }
    auto [it, inserted] = seen.emplace(date.days, i);
    if (!inserted) {
      return InvalidArgument(prefix + day_path(i) + " " + Quote(day.date()) + " is listed twice (first at " +
                             day_path(it->second) + ")");
    }
    if (day.reason().empty() || day.reason().size() > kMaxCalendarReasonBytes) {
      return InvalidArgument(prefix + "days[" + std::to_string(i) + "].reason " + Quote(day.reason()) +
                             " must be 1..200 bytes");
    }
    SILIAN_RETURN_IF_ERROR(CheckPlainText(prefix + "days[" + std::to_string(i) + "].reason", day.reason()));
  }
  return Status::Ok();
}

std::string LayerLabel(const CalendarLayer& layer) {
  const std::string v = " v" + std::to_string(layer.calendar.version());
  if (layer.calendar.name() == kNationalCalendarName) return "national" + v;
  return layer.area + "/" + layer.calendar.name() + v;
}

// True when `a` should replace `b` as the layer of its (area, name): a higher version, or on a tie the
// larger serialized bytes, so that replicas holding the same set agree.
bool Supersedes(const pb::Calendar& a, const pb::Calendar& b) {
  if (a.version() != b.version()) return a.version() > b.version();
  return a.SerializeAsString() > b.SerializeAsString();
}

pb::Calendar MakeBuiltInNational() {
  struct Span {
    const char* from;
    const char* to;
    bool working;
    const char* reason;
  };
  // State Council notices on the 2025 and 2026 public holidays.
  static constexpr Span kSpans[] = {
      {"2025-01-01", "2025-01-01", false, "New Year's Day"},
      {"2025-01-26", "2025-01-26", true, "make-up working day for Spring Festival"},
      {"2025-01-28", "2025-02-04", false, "Spring Festival"},
      {"2025-02-08", "2025-02-08", true, "make-up working day for Spring Festival"},
      {"2025-04-04", "2025-04-06", false, "Qingming"},
      {"2025-04-27", "2025-04-27", true, "make-up working day for Labour Day"},
      {"2025-05-01", "2025-05-05", false, "Labour Day"},
      {"2025-05-31", "2025-06-02", false, "Dragon Boat"},
      {"2025-09-28", "2025-09-28", true, "make-up working day for National Day and Mid-Autumn"},
      {"2025-10-01", "2025-10-08", false, "National Day and Mid-Autumn"},
      {"2025-10-11", "2025-10-11", true, "make-up working day for National Day and Mid-Autumn"},
      {"2026-01-01", "2026-01-03", false, "New Year's Day"},
      {"2026-01-04", "2026-01-04", true, "make-up working day for New Year's Day"},
      {"2026-02-14", "2026-02-14", true, "make-up working day for Spring Festival"},
      {"2026-02-15", "2026-02-23", false, "Spring Festival"},
      {"2026-02-28", "2026-02-28", true, "make-up working day for Spring Festival"},
      {"2026-04-04", "2026-04-06", false, "Qingming"},
      {"2026-05-01", "2026-05-05", false, "Labour Day"},
      {"2026-05-09", "2026-05-09", true, "make-up working day for Labour Day"},
      {"2026-06-19", "2026-06-21", false, "Dragon Boat"},
      {"2026-09-20", "2026-09-20", true, "make-up working day for National Day"},
      {"2026-09-25", "2026-09-27", false, "Mid-Autumn"},
      {"2026-10-01", "2026-10-07", false, "National Day"},
      {"2026-10-10", "2026-10-10", true, "make-up working day for National Day"},
  };
  pb::Calendar c;
  c.set_name(std::string(kNationalCalendarName));
  c.set_version(1);
  c.add_years(2025);
  c.add_years(2026);
  for (const Span& s : kSpans) {
    Date from, to;
    SILIAN_CHECK(ParseDateInto(s.from, &from) == DateError::kNone);
    SILIAN_CHECK(ParseDateInto(s.to, &to) == DateError::kNone);
    for (Date d = from; d <= to; d = AddDays(d, 1)) {
      pb::CalendarDay* day = c.add_days();
      day->set_date(FormatDate(d));
      day->set_working(s.working);
      day->set_reason(s.reason);
    }
  }
  SILIAN_CHECK(ValidateCalendar(c).ok());
  return c;
}

void SortCalendar(pb::Calendar* c) {
  std::vector<uint32_t> years(c->years().begin(), c->years().end());
  std::sort(years.begin(), years.end());
  c->clear_years();
  for (uint32_t y : years) c->add_years(y);
  std::stable_sort(c->mutable_days()->begin(), c->mutable_days()->end(),
                   [](const pb::CalendarDay& a, const pb::CalendarDay& b) { return a.date() < b.date(); });
}

std::string JsonValueText(const nlohmann::json& v) {
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Status RefuseUnknownKeys(const nlohmann::json& obj, std::initializer_list<std::string_view> known,
                         const std::string& prefix, const std::string& where) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (std::find(known.begin(), known.end(), it.key()) != known.end()) continue;
    std::string list;
    for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    return InvalidArgument(prefix + where + "unknown key " + Quote(it.key()) + " (expected " + list + ")");
  }
  return Status::Ok();
}

}  // namespace

Result<Date> ParseDate(std::string_view text) {
  Date d;
  if (DateError e = ParseDateInto(text, &d); e != DateError::kNone) {
    return InvalidArgument("date " + Quote(text) + " " + DateErrorText(e))
        .With(e == DateError::kForm ? msg::kDateForm : msg::kDateNotReal, text);
  }
  return d;
}

std::string FormatDate(Date date) {
  const chr::year_month_day ymd = ToYmd(date);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

Date DateOfUnixMs(uint64_t unix_ms) {
  constexpr uint64_t kCstOffsetMs = 8ull * 3600 * 1000;
  constexpr uint64_t kDayMs = 24ull * 3600 * 1000;
  return Date{static_cast<int32_t>((unix_ms + kCstOffsetMs) / kDayMs)};
}

int Weekday(Date date) { return static_cast<int>(FloorMod(int64_t{date.days} - kFirstMonday, 7)); }

int YearOf(Date date) { return static_cast<int>(ToYmd(date).year()); }

const pb::Calendar& BuiltInNationalCalendar() {
  static const pb::Calendar* const kCalendar = new pb::Calendar(MakeBuiltInNational());
  return *kCalendar;
}

WorkingCalendar WorkingCalendar::National() { return Build({}, ""); }

WorkingCalendar WorkingCalendar::Build(const std::vector<CalendarLayer>& layers, std::string_view division) {
  CalendarLayer builtin{"", BuiltInNationalCalendar()};
  const CalendarLayer* base = &builtin;
  // (area, name) -> the layer that counts.
  std::map<std::pair<std::string, std::string>, const CalendarLayer*> overlays;
  for (const CalendarLayer& layer : layers) {
    if (layer.calendar.name() == kNationalCalendarName) {
      // The built-in calendar is replaced only by a higher version, never by an equal one.
      const bool replaces = base == &builtin ? layer.calendar.version() > builtin.calendar.version()
                                             : Supersedes(layer.calendar, base->calendar);
      if (replaces) base = &layer;
      continue;
    }
    if (!division.starts_with(layer.area)) continue;
    auto key = std::make_pair(layer.area, layer.calendar.name());
    auto it = overlays.find(key);
    if (it == overlays.end()) {
      overlays.emplace(key, &layer);
    } else if (Supersedes(layer.calendar, it->second->calendar)) {
      it->second = &layer;
    }
  }
  std::vector<const CalendarLayer*> order;
  order.push_back(base);
  for (const auto& [key, layer] : overlays) order.push_back(layer);
  std::stable_sort(order.begin() + 1, order.end(), [](const CalendarLayer* a, const CalendarLayer* b) {
    return std::make_pair(a->area.size(), std::cref(a->calendar.name())) <
           std::make_pair(b->area.size(), std::cref(b->calendar.name()));
  });

  WorkingCalendar wc;
  for (uint32_t y : base->calendar.years()) wc.published_years_.insert(static_cast<int>(y));
  for (size_t i = 0; i < order.size(); ++i) {
    wc.layer_labels_.push_back(LayerLabel(*order[i]));
    wc.version_label_ += (i == 0 ? "" : " + ") + wc.layer_labels_.back();
    for (const pb::CalendarDay& day : order[i]->calendar.days()) {
      Date d;
      if (ParseDateInto(day.date(), &d) != DateError::kNone) continue;
      wc.listed_[d.days] = Listed{day.working(), day.reason(), static_cast<int>(i)};
    }
  }

  int32_t first = FromYmd(2000, 1, 1).days;
  int32_t last = FromYmd(2100, 12, 31).days;
  if (!wc.listed_.empty()) {
    first = std::min(first, wc.listed_.begin()->first);
    last = std::max(last, wc.listed_.rbegin()->first);
  }
  wc.table_first_ = first;
  const size_t n = static_cast<size_t>(last - first + 1);
  wc.working_.resize(n);
  wc.delta_prefix_.resize(n + 1);
  auto listed = wc.listed_.begin();
  for (size_t i = 0; i < n; ++i) {
    const int32_t day = first + static_cast<int32_t>(i);
    bool working = IsWeekday(day);
    if (listed != wc.listed_.end() && listed->first == day) {
      working = listed->second.working;
      ++listed;
    }
    wc.working_[i] = working ? 1 : 0;
    wc.delta_prefix_[i + 1] = wc.delta_prefix_[i] + (working ? 1 : 0) - (IsWeekday(day) ? 1 : 0);
  }
  return wc;
}

const WorkingCalendar& CalendarSet::For(std::string_view division) {
  if (auto known = by_division_.find(division); known != by_division_.end()) return *known->second;
  // The key: the overlays whose area covers `division`, the only layers Build reads by division (the
  // national layers count for every division alike).
  std::string key;
  for (size_t i = 0; i < layers_.size(); ++i)
    if (layers_[i].calendar.name() != kNationalCalendarName && division.starts_with(layers_[i].area))
      key += std::to_string(i) + ",";
  auto it = by_layers_.find(key);
  if (it == by_layers_.end()) it = by_layers_.emplace(key, WorkingCalendar::Build(layers_, division)).first;
  by_division_.emplace(std::string(division), &it->second);
  return it->second;
}

int64_t WorkingCalendar::PrefixCount(int64_t day) const {
  const int64_t i = day - table_first_;
  int64_t delta = 0;
  if (i >= static_cast<int64_t>(delta_prefix_.size())) {
    delta = delta_prefix_.back();
  } else if (i > 0) {
    delta = delta_prefix_[static_cast<size_t>(i)];
  }
  return WeekdayPrefix(day) + delta;
}

bool WorkingCalendar::IsWorkingDay(Date date) const {
  const int64_t i = int64_t{date.days} - table_first_;
  if (i < 0 || i >= static_cast<int64_t>(working_.size())) return IsWeekday(date.days);
  return working_[static_cast<size_t>(i)] != 0;
}

WorkingCalendar::DayInfo WorkingCalendar::Explain(Date date) const {
  DayInfo info;
  info.provisional = Provisional(YearOf(date));
  if (auto it = listed_.find(date.days); it != listed_.end()) {
    const Listed& l = it->second;
    info.working = l.working;
    info.source = layer_labels_[static_cast<size_t>(l.layer)];
    info.why = (l.working ? "" : "rest day: ") + l.reason + " (" + info.source + ")";
    return info;
  }
  info.working = IsWeekday(date.days);
  info.why = info.working ? "weekday" : "weekend";
  info.source = "weekday rule";
  return info;
}

bool WorkingCalendar::Provisional(int year) const { return !published_years_.contains(year); }

Date WorkingCalendar::AddWorkingDays(Date start, int n) const {
  SILIAN_CHECK(n >= -kMaxWorkingDaySpan && n <= kMaxWorkingDaySpan);
  if (n == 0) return start;
  const int64_t s = start.days;
  if (n > 0) {
    // The smallest d > s with PrefixCount(d + 1) >= target; that d is a working day.
    const int64_t target = PrefixCount(s + 1) + n;
    int64_t lo = s + 1, span = 2 * int64_t{n} + 16;
    while (PrefixCount(s + span + 1) < target) span *= 2;
    int64_t hi = s + span;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (PrefixCount(mid + 1) >= target) hi = mid; else lo = mid + 1;
    }
    return Date{static_cast<int32_t>(lo)};
  }
  // The largest d < s with PrefixCount(d) <= target; that d is a working day.
  const int64_t target = PrefixCount(s) + n;
  int64_t hi = s - 1, span = 2 * -int64_t{n} + 16;
  while (PrefixCount(s - span) > target) span *= 2;
  int64_t lo = s - span;
  while (lo < hi) {
    const int64_t mid = hi - (hi - lo) / 2;
    if (PrefixCount(mid) <= target) lo = mid; else hi = mid - 1;
  }
  return Date{static_cast<int32_t>(lo)};
}

int WorkingCalendar::WorkingDaysBetween(Date after, Date upto) const {
  return static_cast<int>(PrefixCount(int64_t{upto.days} + 1) - PrefixCount(int64_t{after.days} + 1));
}

Status ValidateCalendar(const pb::Calendar& calendar) {
  const std::string prefix =
      "calendar " + Quote(calendar.name()) + " v" + std::to_string(calendar.version()) + ": ";
  return CheckCalendar(calendar, prefix, [](int i) { return "days[" + std::to_string(i) + "].date"; });
}

namespace {

// "name", "version" and "years" of the file's object.
Status ReadCalendarHeader(const nlohmann::json& doc, const std::string& prefix, pb::Calendar* c) {
  if (!doc.contains("name") || !doc["name"].is_string()) {
    return InvalidArgument(prefix + "name " + (doc.contains("name") ? JsonValueText(doc["name"]) : "missing") +
                           " must be a string");
  }
  c->set_name(doc["name"].get<std::string>());
  if (!ValidName(c->name())) {
    return InvalidArgument(prefix + "name " + Quote(c->name()) + " must be 1..40 characters of [a-z0-9_-]");
  }
  const nlohmann::json* version = doc.contains("version") ? &doc["version"] : nullptr;
  if (version == nullptr || !version->is_number_integer() || version->get<int64_t>() < 1 ||
      version->get<int64_t>() > int64_t{UINT32_MAX}) {
    return InvalidArgument(prefix + "version " + (version ? JsonValueText(*version) : "missing") +
                           " must be an integer >= 1");
  }
  c->set_version(version->get<uint32_t>());
  if (!doc.contains("years")) {
    if (c->name() != kNationalCalendarName) return Status::Ok();
    return InvalidArgument(prefix + "years missing: the national calendar must declare the years it publishes");
  }
  const nlohmann::json& years = doc["years"];
  if (!years.is_array()) return InvalidArgument(prefix + "years " + JsonValueText(years) + " must be an array");
  for (size_t i = 0; i < years.size(); ++i) {
    const nlohmann::json& y = years[i];
    if (!y.is_number_integer() || y.get<int64_t>() < kMinListedYear || y.get<int64_t>() > kMaxListedYear) {
      return InvalidArgument(prefix + "years[" + std::to_string(i) + "] " + JsonValueText(y) +
                             " must be an integer within 1900..2200");
    }
    c->add_years(y.get<uint32_t>());
  }
  return Status::Ok();
}

// The days an entry of "days" covers: "date", or "from" and "to" (at most 366 days). `path` names the
// entry in later messages.
Status ReadEntryDates(const nlohmann::json& entry, const std::string& prefix, const std::string& where, Date* from,
                      Date* to, std::string* path) {
  auto date_field = [&](const char* key, Date* out) -> Status {
    const nlohmann::json& v = entry[key];
    if (!v.is_string()) {
      return InvalidArgument(prefix + where + "." + key + " " + JsonValueText(v) + " must be a string YYYY-MM-DD");
    }
    const std::string s = v.get<std::string>();
    if (DateError e = ParseDateInto(s, out); e != DateError::kNone) {
      return InvalidArgument(prefix + where + "." + key + " " + Quote(s) + " " + DateErrorText(e));
    }
    return Status::Ok();
  };
  if (entry.contains("date")) {
    if (entry.contains("from") || entry.contains("to")) {
      return InvalidArgument(prefix + where + " has both date and from/to: give one or the other");
    }
    SILIAN_RETURN_IF_ERROR(date_field("date", from));
    *to = *from;
    *path = where + ".date";
    return Status::Ok();
  }
  if (!entry.contains("from") || !entry.contains("to")) {
    return InvalidArgument(prefix + where + " needs date, or from and to");
  }
  SILIAN_RETURN_IF_ERROR(date_field("from", from));
  SILIAN_RETURN_IF_ERROR(date_field("to", to));
  if (*to < *from) {
    return InvalidArgument(prefix + where + ".to " + Quote(FormatDate(*to)) + " is before from " +
                           Quote(FormatDate(*from)));
  }
  if (to->days - from->days >= 366) {
    return InvalidArgument(prefix + where + " from " + Quote(FormatDate(*from)) + " to " + Quote(FormatDate(*to)) +
                           " spans more than 366 days");
  }
  *path = where + " (from..to)";
  return Status::Ok();
}

// Entry `i` of "days": each day it covers is appended to `c` with the entry's working flag and reason, and
// the entry's path to `paths`.
Status ReadCalendarEntry(const nlohmann::json& entry, size_t i, const std::string& prefix, pb::Calendar* c,
                         std::vector<std::string>* paths) {
  const std::string where = "days[" + std::to_string(i) + "]";
  if (!entry.is_object()) return InvalidArgument(prefix + where + " " + JsonValueText(entry) + " must be an object");
  SILIAN_RETURN_IF_ERROR(RefuseUnknownKeys(entry, {"date", "from", "to", "working", "reason"}, prefix, where + ": "));
  Date from, to;
  std::string path;
  SILIAN_RETURN_IF_ERROR(ReadEntryDates(entry, prefix, where, &from, &to, &path));
  if (!entry.contains("working") || !entry["working"].is_boolean()) {
    return InvalidArgument(prefix + where + ".working " +
                           (entry.contains("working") ? JsonValueText(entry["working"]) : "missing") +
                           " must be true or false");
  }
  if (!entry.contains("reason") || !entry["reason"].is_string() || entry["reason"].get<std::string>().empty() ||
      entry["reason"].get<std::string>().size() > kMaxCalendarReasonBytes) {
    return InvalidArgument(prefix + where + ".reason " +
                           (entry.contains("reason") ? JsonValueText(entry["reason"]) : "missing") +
                           " must be a string of 1..200 bytes");
  }
  SILIAN_RETURN_IF_ERROR(CheckPlainText(prefix + where + ".reason", entry["reason"].get<std::string>()));
  for (Date d = from; d <= to; d = AddDays(d, 1)) {
    if (c->days_size() >= kMaxCalendarDays) {
      return ResourceExhausted(prefix + "lists more than the " + std::to_string(kMaxCalendarDays) + " days allowed");
    }
    pb::CalendarDay* day = c->add_days();
    day->set_date(FormatDate(d));
    day->set_working(entry["working"].get<bool>());
    day->set_reason(entry["reason"].get<std::string>());
    paths->push_back(path);
  }
  return Status::Ok();
}

}  // namespace

Result<pb::Calendar> ParseCalendarJson(std::string_view text, std::string_view source) {
  const std::string prefix = source.empty() ? std::string() : std::string(source) + ": ";
  SILIAN_ASSIGN_OR_RETURN(const nlohmann::json doc, ParseJsonInput(text, source));
  if (!doc.is_object()) return InvalidArgument(prefix + "the file must hold a JSON object");
  SILIAN_RETURN_IF_ERROR(RefuseUnknownKeys(doc, {"name", "version", "years", "days"}, prefix, ""));
  pb::Calendar c;
  SILIAN_RETURN_IF_ERROR(ReadCalendarHeader(doc, prefix, &c));
  if (!doc.contains("days") || !doc["days"].is_array()) {
    return InvalidArgument(prefix + "days " + (doc.contains("days") ? JsonValueText(doc["days"]) : "missing") +
                           " must be an array");
  }
  std::vector<std::string> paths;  // per expanded day, as the file spelled it
  const nlohmann::json& days = doc["days"];
  for (size_t i = 0; i < days.size(); ++i) SILIAN_RETURN_IF_ERROR(ReadCalendarEntry(days[i], i, prefix, &c, &paths));
  SILIAN_RETURN_IF_ERROR(CheckCalendar(c, prefix, [&paths](int i) { return paths[static_cast<size_t>(i)]; }));
  SortCalendar(&c);
  return c;
}

nlohmann::json CalendarToJson(const pb::Calendar& calendar) {
  nlohmann::json days = nlohmann::json::array();
  for (const pb::CalendarDay& d : calendar.days()) {
    days.push_back({{"date", d.date()}, {"working", d.working()}, {"reason", d.reason()}});
  }
  nlohmann::json years = nlohmann::json::array();
  for (uint32_t y : calendar.years()) years.push_back(y);
  return {{"name", calendar.name()}, {"version", calendar.version()}, {"years", years}, {"days", days}};
}

}  // namespace silian::sync
