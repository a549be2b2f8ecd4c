#include "domain/calendar.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/dates.h"
#include "support/files.h"

namespace silian::sync {
namespace {

// Expectations below are worked out by hand from the State Council notices (see domain.md), never by
// the code under test.

Date D(const char* text) { return test::DateOf(text); }

std::string Msg(const Status& s) { return s.message(); }

struct Span {
  const char* from;
  const char* to;
  const char* reason;
};

// Every official rest day, including those on weekends.
const std::vector<Span> kRest = {
    {"2025-01-01", "2025-01-01", "New Year's Day"},
    {"2025-01-28", "2025-02-04", "Spring Festival"},
    {"2025-04-04", "2025-04-06", "Qingming"},
    {"2025-05-01", "2025-05-05", "Labour Day"},
    {"2025-05-31", "2025-06-02", "Dragon Boat"},
    {"2025-10-01", "2025-10-08", "National Day and Mid-Autumn"},
    {"2026-01-01", "2026-01-03", "New Year's Day"},
    {"2026-02-15", "2026-02-23", "Spring Festival"},
    {"2026-04-04", "2026-04-06", "Qingming"},
    {"2026-05-01", "2026-05-05", "Labour Day"},
    {"2026-06-19", "2026-06-21", "Dragon Boat"},
    {"2026-09-25", "2026-09-27", "Mid-Autumn"},
    {"2026-10-01", "2026-10-07", "National Day"},
};

// Every make-up working day (all on a Saturday or Sunday).
const std::vector<std::pair<const char*, const char*>> kMakeUp = {
    {"2025-01-26", "Spring Festival"},
    {"2025-02-08", "Spring Festival"},
    {"2025-04-27", "Labour Day"},
    {"2025-09-28", "National Day and Mid-Autumn"},
    {"2025-10-11", "National Day and Mid-Autumn"},
    {"2026-01-04", "New Year's Day"},
    {"2026-02-14", "Spring Festival"},
    {"2026-02-28", "Spring Festival"},
    {"2026-05-09", "Labour Day"},
    {"2026-09-20", "National Day"},
    {"2026-10-10", "National Day"},
};

pb::Calendar Cal(const char* name, uint32_t version, std::vector<uint32_t> years,
                 std::vector<std::tuple<const char*, bool, const char*>> days) {
  pb::Calendar c;
  c.set_name(name);
  c.set_version(version);
  for (uint32_t y : years) c.add_years(y);
  for (const auto& [date, working, reason] : days) {
    pb::CalendarDay* d = c.add_days();
    d->set_date(date);
    d->set_working(working);
    d->set_reason(reason);
  }
  return c;
}

TEST_CASE("Calendar: ParseDate accepts real YYYY-MM-DD dates only and names the text", "[calendar]") {
  CHECK(D("1970-01-01").days == 0);
  CHECK(D("2026-01-01").days == 20454);
  CHECK(D("1969-12-31").days == -1);
  CHECK(D("2024-02-29").days == D("2024-03-01").days - 1);

  CHECK(Msg(ParseDate("2026-02-30").status()) == "date \"2026-02-30\" is not a real date");
  CHECK(Msg(ParseDate("2025-02-29").status()) == "date \"2025-02-29\" is not a real date");
  CHECK(Msg(ParseDate("2026-13-01").status()) == "date \"2026-13-01\" is not a real date");
  CHECK(Msg(ParseDate("0000-01-01").status()) == "date \"0000-01-01\" is not a real date");
  CHECK(Msg(ParseDate("2026-2-03").status()) == "date \"2026-2-03\" must be YYYY-MM-DD");
  for (const char* bad : {"", "2026-02-03 ", " 2026-02-03", "2026/02/03", "2026-02-3x", "+026-02-03", "20260203"}) {
    INFO(bad);
    Result<Date> r = ParseDate(bad);
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("Calendar: FormatDate writes YYYY-MM-DD and round-trips", "[calendar]") {
  CHECK(FormatDate(Date{0}) == "1970-01-01");
  CHECK(FormatDate(Date{20454}) == "2026-01-01");
  CHECK(FormatDate(Date{-1}) == "1969-12-31");
  for (const char* s : {"2000-02-29", "2026-12-31", "2100-03-01", "1900-01-01"}) CHECK(FormatDate(D(s)) == s);
}

TEST_CASE("Calendar: DateOfUnixMs uses China Standard Time", "[calendar]") {
  // 2025-12-31T16:00:00Z is midnight 2026-01-01 in Beijing.
  const uint64_t new_year_cst_ms = 1767196800000ull;
  CHECK(FormatDate(DateOfUnixMs(new_year_cst_ms)) == "2026-01-01");
  CHECK(FormatDate(DateOfUnixMs(new_year_cst_ms - 1)) == "2025-12-31");
  CHECK(FormatDate(DateOfUnixMs(0)) == "1970-01-01");
}

TEST_CASE("Calendar: Weekday counts from Monday as 0", "[calendar]") {
  CHECK(Weekday(D("1970-01-01")) == 3);  // Thursday
  CHECK(Weekday(D("1969-12-29")) == 0);  // Monday
  CHECK(Weekday(D("2026-02-14")) == 5);  // Saturday
  CHECK(Weekday(D("2026-01-04")) == 6);  // Sunday
  CHECK(Weekday(D("2026-02-23")) == 0);
}

TEST_CASE("Calendar: every 2025 and 2026 rest day is a rest day with its festival", "[calendar]") {
  const WorkingCalendar cal = WorkingCalendar::National();
  int count = 0;
  for (const Span& s : kRest) {
    for (Date d = D(s.from); d <= D(s.to); d = AddDays(d, 1)) {
      INFO(FormatDate(d));
      const WorkingCalendar::DayInfo info = cal.Explain(d);
      CHECK_FALSE(cal.IsWorkingDay(d));
      CHECK_FALSE(info.working);
      CHECK(info.why == std::string("rest day: ") + s.reason + " (national v1)");
      CHECK(info.source == "national v1");
      CHECK_FALSE(info.provisional);
      ++count;
    }
  }
  CHECK(count == 28 + 33);
}

TEST_CASE("Calendar: every 2025 and 2026 make-up working day is a working day with its reason", "[calendar]") {
  const WorkingCalendar cal = WorkingCalendar::National();
  for (const auto& [date, festival] : kMakeUp) {
    INFO(date);
    CHECK(Weekday(D(date)) >= 5);
    CHECK(cal.IsWorkingDay(D(date)));
    const WorkingCalendar::DayInfo info = cal.Explain(D(date));
    CHECK(info.working);
    CHECK(info.why == std::string("make-up working day for ") + festival + " (national v1)");
  }
}

TEST_CASE("Calendar: the built-in national calendar lists exactly the notices' days", "[calendar]") {
  const pb::Calendar& c = BuiltInNationalCalendar();
  CHECK(c.name() == "national");
  CHECK(c.version() == 1);
  REQUIRE(c.years_size() == 2);
  CHECK(c.years(0) == 2025);
  CHECK(c.years(1) == 2026);
  CHECK(c.days_size() == 28 + 33 + 5 + 6);
  CHECK(ValidateCalendar(c).ok());
  // 261 weekdays a year, minus the rest days on weekdays (2025: 18, 2026: 19), plus the make-up days.
  const WorkingCalendar cal = WorkingCalendar::National();
  CHECK(cal.WorkingDaysBetween(D("2024-12-31"), D("2025-12-31")) == 261 - 18 + 5);
  CHECK(cal.WorkingDaysBetween(D("2025-12-31"), D("2026-12-31")) == 261 - 19 + 6);
}

TEST_CASE("Calendar: days not listed follow the weekday rule", "[calendar]") {
  const WorkingCalendar cal = WorkingCalendar::National();
  WorkingCalendar::DayInfo mon = cal.Explain(D("2026-03-02"));
  CHECK(mon.working);
  CHECK(mon.why == "weekday");
  CHECK(mon.source == "weekday rule");
  WorkingCalendar::DayInfo sat = cal.Explain(D("2026-03-07"));
  CHECK_FALSE(sat.working);
  CHECK(sat.why == "weekend");
  CHECK_FALSE(sat.provisional);
  // Far outside the precomputed range.
  CHECK(cal.IsWorkingDay(D("1950-01-02")));     // Monday
  CHECK_FALSE(cal.IsWorkingDay(D("2150-01-03")));  // Saturday
  CHECK(cal.WorkingDaysBetween(D("2150-01-03"), D("2150-01-10")) == 5);
  CHECK(FormatDate(cal.AddWorkingDays(D("2150-01-02"), 1)) == "2150-01-05");
}

TEST_CASE("Calendar: AddWorkingDays steps over each holiday", "[calendar]") {
  const WorkingCalendar cal = WorkingCalendar::National();
  struct Case {
    const char* start;
    int n;
    const char* want;
  };
  const Case cases[] = {
      {"2026-02-13", 1, "2026-02-14"},  // Friday before Spring Festival: the Saturday make-up day
      {"2026-02-13", 2, "2026-02-24"},  // then over 02-15..02-23
      {"2026-09-30", 1, "2026-10-08"},  // over National Day
      {"2026-09-30", 3, "2026-10-10"},  // Thu 10-08, Fri 10-09, Sat 10-10 (make-up)
      {"2025-12-31", 1, "2026-01-04"},  // over New Year to the Sunday make-up day
      {"2026-04-03", 1, "2026-04-07"},  // over Qingming
      {"2026-04-30", 1, "2026-05-06"},  // over Labour Day
      {"2026-04-30", 4, "2026-05-09"},  // 05-06, 05-07, 05-08, Sat 05-09 (make-up)
      {"2026-06-18", 1, "2026-06-22"},  // over Dragon Boat
      {"2026-09-19", 1, "2026-09-20"},  // Saturday to the Sunday make-up day
      {"2026-09-24", 1, "2026-09-28"},  // over Mid-Autumn
      {"2025-01-24", 1, "2025-01-26"},  // 2025 Spring Festival make-up Sunday
      {"2025-01-24", 2, "2025-01-27"},
      {"2025-01-24", 3, "2025-02-05"},
      {"2025-09-30", 1, "2025-10-09"},  // over National Day and Mid-Autumn 2025
      {"2025-09-30", 3, "2025-10-11"},
      {"2026-02-16", 0, "2026-02-16"},  // n = 0 is the start, even on a rest day
      {"2026-02-24", -1, "2026-02-14"},  // backwards over Spring Festival
      {"2026-10-08", -2, "2026-09-29"},
  };
  for (const Case& c : cases) {
    INFO(c.start << " + " << c.n);
    CHECK(FormatDate(cal.AddWorkingDays(D(c.start), c.n)) == c.want);
  }
}

TEST_CASE("Calendar: WorkingDaysBetween counts after < d <= upto and is antisymmetric", "[calendar]") {
  const WorkingCalendar cal = WorkingCalendar::National();
  CHECK(cal.WorkingDaysBetween(D("2026-02-13"), D("2026-02-24")) == 2);  // 02-14 and 02-24
  CHECK(cal.WorkingDaysBetween(D("2026-02-24"), D("2026-02-13")) == -2);
  CHECK(cal.WorkingDaysBetween(D("2026-02-13"), D("2026-02-13")) == 0);
  CHECK(cal.WorkingDaysBetween(D("2026-02-14"), D("2026-02-23")) == 0);
  CHECK(cal.WorkingDaysBetween(D("2026-02-10"), D("2026-03-16")) == 20);
}

TEST_CASE("Calendar: AddWorkingDays and WorkingDaysBetween agree with a day-by-day walk", "[calendar]") {
  const WorkingCalendar cal = WorkingCalendar::National();
  for (Date start = D("2024-12-01"); start <= D("2027-01-31"); start = AddDays(start, 3)) {
    Date walk = start;
    for (int n = 1; n <= 40; ++n) {
      do walk = AddDays(walk, 1);
      while (!cal.IsWorkingDay(walk));
      INFO(FormatDate(start) << " + " << n);
      REQUIRE(cal.AddWorkingDays(start, n) == walk);
      REQUIRE(cal.WorkingDaysBetween(start, walk) == n);
      REQUIRE(cal.AddWorkingDays(walk, -n) <= start);
    }
  }
}

TEST_CASE("Calendar: 2027 is provisional with weekends only", "[calendar]") {
  const WorkingCalendar cal = WorkingCalendar::National();
  CHECK(cal.Provisional(2027));
  CHECK(cal.Provisional(2024));
  CHECK_FALSE(cal.Provisional(2025));
  CHECK_FALSE(cal.Provisional(2026));
  WorkingCalendar::DayInfo jan1 = cal.Explain(D("2027-01-01"));  // a Friday, New Year's Day not yet listed
  CHECK(jan1.working);
  CHECK(jan1.why == "weekday");
  CHECK(jan1.provisional);
  WorkingCalendar::DayInfo sat = cal.Explain(D("2027-01-02"));
  CHECK_FALSE(sat.working);
  CHECK(sat.why == "weekend");
  CHECK(sat.provisional);
}

TEST_CASE("Calendar: an overlay closes a day only for divisions under its area", "[calendar]") {
  const pb::Calendar naadam = Cal("naadam", 2, {2026}, {{"2026-07-13", false, "Naadam"},
                                                         {"2026-07-14", false, "Naadam"},
                                                         {"2026-07-15", false, "Naadam"}});
  const std::vector<CalendarLayer> layers = {{"152222", naadam}};
  const WorkingCalendar inside = WorkingCalendar::Build(layers, "152222101001");
  const WorkingCalendar outside = WorkingCalendar::Build(layers, "152221101001");
  CHECK_FALSE(inside.IsWorkingDay(D("2026-07-13")));
  CHECK(inside.Explain(D("2026-07-14")).why == "rest day: Naadam (152222/naadam v2)");
  CHECK(inside.Explain(D("2026-07-14")).source == "152222/naadam v2");
  CHECK(inside.VersionLabel() == "national v1 + 152222/naadam v2");
  CHECK(inside.WorkingDaysBetween(D("2026-07-10"), D("2026-07-17")) == 2);  // 07-16, 07-17
  // The national days still apply under the overlay.
  CHECK(inside.Explain(D("2026-10-01")).why == "rest day: National Day (national v1)");

  CHECK(outside.IsWorkingDay(D("2026-07-13")));
  CHECK(outside.Explain(D("2026-07-14")).why == "weekday");
  CHECK(outside.VersionLabel() == "national v1");
  CHECK(outside.WorkingDaysBetween(D("2026-07-10"), D("2026-07-17")) == 5);
}

TEST_CASE("Calendar: a narrower overlay beats a wider one on the same date", "[calendar]") {
  // The league (1522) closes 07-14, the banner (152222) opens its hall that day anyway.
  const pb::Calendar league = Cal("league-day", 1, {2026}, {{"2026-07-14", false, "League day"}});
  const pb::Calendar hall = Cal("hall-open", 3, {2026}, {{"2026-07-14", true, "hall open for Naadam visitors"}});
  // Narrow first in the input: the order of the input must not matter.
  const std::vector<CalendarLayer> layers = {{"152222", hall}, {"1522", league}};
  const WorkingCalendar banner = WorkingCalendar::Build(layers, "152222101001");
  const WorkingCalendar other = WorkingCalendar::Build(layers, "152223101001");
  CHECK(banner.IsWorkingDay(D("2026-07-14")));
  CHECK(banner.Explain(D("2026-07-14")).why == "hall open for Naadam visitors (152222/hall-open v3)");
  CHECK(banner.VersionLabel() == "national v1 + 1522/league-day v1 + 152222/hall-open v3");
  CHECK_FALSE(other.IsWorkingDay(D("2026-07-14")));
  CHECK(other.Explain(D("2026-07-14")).why == "rest day: League day (1522/league-day v1)");
  CHECK(other.VersionLabel() == "national v1 + 1522/league-day v1");
}

TEST_CASE("Calendar: divisions under the same layers share one calendar, each as Build gives it", "[calendar]") {
  // A banner's Naadam, a league day, a national layer, and one village hall closed for a day.
  const pb::Calendar league = Cal("league-day", 1, {2026}, {{"2026-07-14", false, "League day"}});
  const pb::Calendar naadam = Cal("naadam", 2, {2026}, {{"2026-07-13", false, "Naadam"}});
  const pb::Calendar national = Cal("national", 2, {2025, 2026}, {{"2026-01-01", false, "New Year's Day"}});
  const pb::Calendar village = Cal("hall-closed", 1, {2026}, {{"2026-07-16", false, "hall repairs"}});
  const std::vector<CalendarLayer> layers = {
      {"1522", league}, {"152222", naadam}, {"", national}, {"152222104200", village}};
  CalendarSet set(layers);
  const std::vector<std::string> divisions = {"152222104201", "152222104200", "152222101001", "152223101001",
                                              "152222104202", "152222104200", "1522", ""};
  for (const std::string& division : divisions) {
    CAPTURE(division);
    const WorkingCalendar& shared = set.For(division);
    const WorkingCalendar alone = WorkingCalendar::Build(layers, division);
    CHECK(shared.VersionLabel() == alone.VersionLabel());
    for (const char* day : {"2026-01-01", "2026-07-13", "2026-07-14", "2026-07-16", "2026-07-18"}) {
      CAPTURE(day);
      CHECK(shared.Explain(D(day)).why == alone.Explain(D(day)).why);
    }
    CHECK(shared.WorkingDaysBetween(D("2026-07-01"), D("2026-08-01")) ==
          alone.WorkingDaysBetween(D("2026-07-01"), D("2026-08-01")));
  }
  // The banner's villages but one share a calendar; that one, the other banner and the league each have theirs.
  CHECK(&set.For("152222104201") == &set.For("152222101001"));
  CHECK(&set.For("152222104200") != &set.For("152222104201"));
  CHECK(&set.For("152223101001") == &set.For("1522"));
  CHECK(&set.For("") != &set.For("1522"));
  CHECK(set.built() == 4);
  CHECK_FALSE(set.For("152222104200").IsWorkingDay(D("2026-07-16")));
  CHECK(set.For("152222104201").IsWorkingDay(D("2026-07-16")));
}

TEST_CASE("Calendar: only the highest version of an overlay counts", "[calendar]") {
  const pb::Calendar v1 = Cal("naadam", 1, {2026}, {{"2026-07-20", false, "Naadam"}});
  const pb::Calendar v2 = Cal("naadam", 2, {2026}, {{"2026-07-13", false, "Naadam"}});
  const WorkingCalendar cal = WorkingCalendar::Build({{"152222", v2}, {"152222", v1}}, "152222101001");
  CHECK(cal.IsWorkingDay(D("2026-07-20")));
  CHECK_FALSE(cal.IsWorkingDay(D("2026-07-13")));
  CHECK(cal.VersionLabel() == "national v1 + 152222/naadam v2");
}

TEST_CASE("Calendar: a national layer of a higher version replaces the built-in one", "[calendar]") {
  const pb::Calendar v2 = Cal("national", 2, {2025, 2026, 2027},
                              {{"2026-01-01", false, "New Year's Day"}, {"2027-01-01", false, "New Year's Day"}});
  const WorkingCalendar cal = WorkingCalendar::Build({{"", v2}}, "152222101001");
  CHECK(cal.VersionLabel() == "national v2");
  CHECK_FALSE(cal.Provisional(2027));
  CHECK_FALSE(cal.IsWorkingDay(D("2027-01-01")));
  CHECK(cal.Explain(D("2027-01-01")).why == "rest day: New Year's Day (national v2)");
  // Replaced, not merged: v2 does not list Spring Festival 2026.
  CHECK(cal.IsWorkingDay(D("2026-02-16")));
}

TEST_CASE("Calendar: a national layer of version 1 does not replace the built-in one", "[calendar]") {
  const pb::Calendar v1 = Cal("national", 1, {2027}, {{"2027-01-01", false, "New Year's Day"}});
  const WorkingCalendar cal = WorkingCalendar::Build({{"", v1}}, "152222101001");
  CHECK(cal.VersionLabel() == "national v1");
  CHECK(cal.Provisional(2027));
  CHECK(cal.IsWorkingDay(D("2027-01-01")));
  CHECK_FALSE(cal.IsWorkingDay(D("2026-02-16")));
}

TEST_CASE("Calendar: the national JSON round-trips through CalendarToJson", "[calendar]") {
  const pb::Calendar& builtin = BuiltInNationalCalendar();
  const nlohmann::json j = CalendarToJson(builtin);
  CHECK(j["name"] == "national");
  CHECK(j["version"] == 1);
  CHECK(j["days"].size() == 72);
  CHECK(j["days"][0] == nlohmann::json({{"date", "2025-01-01"}, {"working", false}, {"reason", "New Year's Day"}}));
  Result<pb::Calendar> back = ParseCalendarJson(j.dump(2), "dump.json");
  REQUIRE(back.ok());
  CHECK(back->SerializeAsString() == builtin.SerializeAsString());
}

TEST_CASE("Calendar: ranges expand to one day each, sorted by date", "[calendar]") {
  Result<pb::Calendar> c = ParseCalendarJson(R"({"name":"naadam","version":2,"days":[
      {"date":"2026-07-20","working":false,"reason":"b"},
      {"from":"2026-07-13","to":"2026-07-15","working":false,"reason":"Naadam"}]})",
                                             "x.json");
  REQUIRE(c.ok());
  REQUIRE(c->days_size() == 4);
  CHECK(c->days(0).date() == "2026-07-13");
  CHECK(c->days(2).date() == "2026-07-15");
  CHECK(c->days(3).date() == "2026-07-20");
  CHECK(c->days(1).reason() == "Naadam");
  CHECK(c->years_size() == 0);
}

TEST_CASE("Calendar: reference/calendars/national.json equals the built-in calendar", "[calendar]") {
  Result<pb::Calendar> c =
      ParseCalendarJson(test::ReadFile(test::SourceFile("reference/calendars/national.json")), "national.json");
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  CHECK(c->SerializeAsString() == BuiltInNationalCalendar().SerializeAsString());
}

TEST_CASE("Calendar: the reference Naadam overlay closes 13 to 15 July 2026 in its banner", "[calendar]") {
  Result<pb::Calendar> c =
      ParseCalendarJson(test::ReadFile(test::SourceFile("reference/calendars/152222-naadam.json")),
                        "152222-naadam.json");
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  const WorkingCalendar cal = WorkingCalendar::Build({{"152222", *c}}, "152222101001");
  CHECK(cal.VersionLabel() == "national v1 + 152222/naadam v2");
  CHECK(cal.WorkingDaysBetween(D("2026-07-12"), D("2026-07-17")) == 2);
}

TEST_CASE("Calendar: a JSON syntax error names the file and the line", "[calendar]") {
  const char* text =
      "{\n"
      "  \"name\": \"national\",\n"
      "  \"version\": 1,\n"
      "  \"years\": [2026]\n"
      "  \"days\": []\n"
      "}\n";
  Result<pb::Calendar> c = ParseCalendarJson(text, "national.json");
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == StatusCode::kInvalidArgument);
  INFO(c.status().message());
  CHECK(c.status().message().rfind("national.json:5:", 0) == 0);
  CHECK(c.status().message().find("JSON syntax error") != std::string::npos);

  Result<pb::Calendar> trunc = ParseCalendarJson("{\"name\":\n\n\n", "t.json");
  REQUIRE_FALSE(trunc.ok());
  INFO(trunc.status().message());
  CHECK(trunc.status().message().rfind("t.json:4:", 0) == 0);
}

std::string ParseError(const std::string& text) {
  Result<pb::Calendar> c = ParseCalendarJson(text, "national.json");
  REQUIRE_FALSE(c.ok());
  return c.status().message();
}

TEST_CASE("Calendar: bad calendar content is named with field path and value", "[calendar]") {
  auto with_days = [](const std::string& days) {
    return R"({"name":"national","version":1,"years":[2026],"days":[)" + days + "]}";
  };
  CHECK(ParseError(with_days(R"({"date":"2026-01-01","working":false,"reason":"a"},
                               {"date":"2026-02-30","working":false,"reason":"b"})")) ==
        "national.json: days[1].date \"2026-02-30\" is not a real date");
  CHECK(ParseError(with_days(R"({"date":"2026-1-1","working":false,"reason":"a"})")) ==
        "national.json: days[0].date \"2026-1-1\" must be YYYY-MM-DD");
  CHECK(ParseError(with_days(R"({"date":"2026-01-01","working":false,"reason":"a","colour":"red"})")) ==
        "national.json: days[0]: unknown key \"colour\" (expected date, from, to, working, reason)");
  CHECK(ParseError(R"({"name":"national","version":1,"years":[2026],"days":[],"area":"15"})") ==
        "national.json: unknown key \"area\" (expected name, version, years, days)");
  CHECK(ParseError(with_days(R"({"from":"2026-01-01","to":"2026-01-03","working":false,"reason":"a"},
                               {"date":"2026-01-02","working":false,"reason":"b"})")) ==
        "national.json: days[1].date \"2026-01-02\" is listed twice (first at days[0] (from..to))");
  CHECK(ParseError(with_days(R"({"date":"2027-01-01","working":false,"reason":"a"})")) ==
        "national.json: days[0].date \"2027-01-01\" is outside the declared years [2026]");
  CHECK(ParseError(with_days(R"({"from":"2026-01-03","to":"2026-01-01","working":false,"reason":"a"})")) ==
        "national.json: days[0].to \"2026-01-01\" is before from \"2026-01-03\"");
  CHECK(ParseError(with_days(R"({"date":"2026-01-01","working":"no","reason":"a"})")) ==
        "national.json: days[0].working \"no\" must be true or false");
  CHECK(ParseError(with_days(R"({"date":"2026-01-01","working":false,"reason":""})")) ==
        "national.json: days[0].reason \"\" must be a string of 1..200 bytes");
  CHECK(ParseError(R"({"name":"national","version":0,"years":[2026],"days":[]})") ==
        "national.json: version 0 must be an integer >= 1");
  CHECK(ParseError(R"({"name":"national","version":"2","years":[2026],"days":[]})") ==
        "national.json: version \"2\" must be an integer >= 1");
  CHECK(ParseError(R"({"name":"national","version":1.5,"years":[2026],"days":[]})") ==
        "national.json: version 1.5 must be an integer >= 1");
  CHECK(ParseError(R"({"name":"National","version":1,"years":[2026],"days":[]})") ==
        "national.json: name \"National\" must be 1..40 characters of [a-z0-9_-]");
  CHECK(ParseError(R"({"name":"national","version":1,"years":[2026,2300],"days":[]})") ==
        "national.json: years[1] 2300 must be an integer within 1900..2200");
  CHECK(ParseError(R"({"name":"national","version":1,"years":[2026,2026],"days":[]})") ==
        "national.json: years[1] 2026 is listed twice");
  CHECK(ParseError(R"({"name":"national","version":1,"days":[]})") ==
        "national.json: years missing: the national calendar must declare the years it publishes");
  CHECK(ParseError("[1,2]") == "national.json: the file must hold a JSON object");
}

TEST_CASE("Calendar: an overlay may list days outside its declared years", "[calendar]") {
  Result<pb::Calendar> c = ParseCalendarJson(
      R"({"name":"naadam","version":1,"years":[2026],"days":[{"date":"2027-07-13","working":false,"reason":"N"}]})",
      "o.json");
  CHECK(c.ok());
}

TEST_CASE("Calendar: ValidateCalendar refuses bad received calendars naming field and value", "[calendar]") {
  CHECK(Msg(ValidateCalendar(Cal("national", 1, {2026}, {{"2026-13-01", false, "x"}}))) ==
        "calendar \"national\" v1: days[0].date \"2026-13-01\" is not a real date");
  CHECK(Msg(ValidateCalendar(Cal("national", 0, {2026}, {}))) ==
        "calendar \"national\" v0: version 0 must be an integer >= 1");
  CHECK(Msg(ValidateCalendar(Cal("a b", 1, {}, {}))) ==
        "calendar \"a b\" v1: name \"a b\" must be 1..40 characters of [a-z0-9_-]");
  CHECK(Msg(ValidateCalendar(Cal("national", 1, {1899}, {}))) ==
        "calendar \"national\" v1: years[0] 1899 must be within 1900..2200");
  CHECK(Msg(ValidateCalendar(Cal("x", 1, {}, {{"2026-07-13", false, "a"}, {"2026-07-13", true, "b"}}))) ==
        "calendar \"x\" v1: days[1].date \"2026-07-13\" is listed twice (first at days[0].date)");
  CHECK(Msg(ValidateCalendar(Cal("x", 1, {}, {{"2301-07-13", false, "a"}}))) ==
        "calendar \"x\" v1: days[0].date \"2301-07-13\" must be within 1900..2200");
  CHECK(Msg(ValidateCalendar(Cal("x", 1, {}, {{"2026-07-13", false, ""}}))) ==
        "calendar \"x\" v1: days[0].reason \"\" must be 1..200 bytes");
  pb::Calendar big = Cal("x", 1, {}, {});
  for (int i = 0; i <= kMaxCalendarDays; ++i) big.add_days()->set_reason("r");
  CHECK(ValidateCalendar(big).code() == StatusCode::kResourceExhausted);
  CHECK(ValidateCalendar(Cal("naadam", 2, {2026}, {{"2026-07-13", false, "Naadam"}})).ok());
}

}  // namespace
}  // namespace silian::sync
